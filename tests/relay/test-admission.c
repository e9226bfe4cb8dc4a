/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Admission budgets and the choice of the pull that makes room
 * (src/relay/ce-admission), without any stream.
 */
#include <glib.h>

#include "ce-admission.h"

#define CAM_A "31011300001320000001"
#define CAM_B "31011300001320000002"
#define CAM_C "31011300001320000003"

static CeAdmissionPull
pull (const char *camera, const char *source, CePriority priority, gint64 since,
    gboolean lingering)
{
  CeAdmissionPull p = {camera, source, priority, since, lingering};

  return p;
}

/* Decides and returns the victims' indexes as "i,j" ("" for none) or
 * NULL when refused (then *message and *budget say why). */
static char *
decide (CeAdmission *adm, const CeAdmissionPull *pulls, guint n,
    const char *camera, const char *source, CePriority priority, char **message,
    char **budget)
{
  g_autoptr (GArray) victims = ce_admission_victims_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *label = NULL;
  GString *out;

  if (!ce_admission_decide (adm, pulls, n, camera, source, priority, victims,
          &label, &error)) {
    g_assert_error (error, CE_ADMISSION_ERROR, CE_ADMISSION_ERROR_FULL);
    g_assert_cmpuint (victims->len, ==, 0);
    if (message != NULL)
      *message = g_strdup (error->message);
    if (budget != NULL)
      *budget = g_steal_pointer (&label);
    return NULL;
  }
  out = g_string_new (NULL);
  for (guint i = 0; i < victims->len; i++) {
    CeAdmissionVictim *v = &g_array_index (victims, CeAdmissionVictim, i);

    g_string_append_printf (out, "%s%u", i > 0 ? "," : "", v->index);
    g_assert_nonnull (v->budget);
  }
  return g_string_free (out, FALSE);
}

static void
test_unlimited (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (0, 0);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, "公安", CE_PRIORITY_VIEW, 1, FALSE),
      pull (CAM_A, "公安", CE_PRIORITY_VIEW, 2, FALSE),
  };
  g_autofree char *r = decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_A, "公安",
      CE_PRIORITY_VIEW, NULL, NULL);

  g_assert_cmpstr (r, ==, "");
  g_assert_cmpuint (ce_admission_get_source_limit (adm, "公安"), ==, 0);
  g_assert_cmpuint (ce_admission_get_source_limit (adm, NULL), ==, 0);
}

static void
test_source_refused (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (0, 0);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, "公安", CE_PRIORITY_VIEW, 1, FALSE),
      pull (CAM_B, "公安", CE_PRIORITY_VIEW, 2, FALSE),
      pull (CAM_C, "雪亮", CE_PRIORITY_VIEW, 3, FALSE),
  };
  g_autofree char *message = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *r = NULL;
  g_autofree char *other = NULL;

  ce_admission_set_source_limit (adm, "公安", 2);
  r = decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_C, "公安", CE_PRIORITY_VIEW,
      &message, &budget);
  g_assert_null (r);
  g_assert_cmpstr (message, ==,
      "source 公安: 2 of 2 pulls in use by equal or higher-priority views");
  g_assert_cmpstr (budget, ==, "source/公安");
  /* Another source is not capped. */
  other = decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_C, "雪亮",
      CE_PRIORITY_VIEW, NULL, NULL);
  g_assert_cmpstr (other, ==, "");
}

static void
test_preempt_lowest_youngest (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (0, 0);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, "公安", CE_PRIORITY_VIEW, 10, FALSE),
      pull (CAM_B, "公安", CE_PRIORITY_VIEW, 20, FALSE), /* youngest view */
      pull (CAM_C, "公安", CE_PRIORITY_TOUR, 30, FALSE),
  };
  g_autofree char *r = NULL;
  g_autofree char *t = NULL;
  g_autofree char *message = NULL;

  ce_admission_set_source_limit (adm, "公安", 3);
  r = decide (adm, pulls, G_N_ELEMENTS (pulls), "31011300001320000009", "公安",
      CE_PRIORITY_INCIDENT, NULL, NULL);
  g_assert_cmpstr (r, ==, "1");
  /* A tour beats views but not a tour. */
  t = decide (adm, pulls, G_N_ELEMENTS (pulls), "31011300001320000009", "公安",
      CE_PRIORITY_TOUR, NULL, NULL);
  g_assert_cmpstr (t, ==, "1");
  pulls[0].priority = pulls[1].priority = CE_PRIORITY_TOUR;
  g_assert_null (decide (adm, pulls, G_N_ELEMENTS (pulls),
      "31011300001320000009", "公安", CE_PRIORITY_TOUR, &message, NULL));
  g_assert_cmpstr (message, ==,
      "source 公安: 3 of 3 pulls in use by equal or higher-priority views");
}

/* Warm pulls (standby) make room for any view, the youngest first as
 * among equals anywhere; a standby request preempts nobody. */
static void
test_standby_yields (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (0, 0);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, "公安", CE_PRIORITY_STANDBY, 10, FALSE),
      pull (CAM_B, "公安", CE_PRIORITY_VIEW, 20, FALSE),
      pull (CAM_C, "公安", CE_PRIORITY_STANDBY, 30, FALSE),
  };
  g_autofree char *r = NULL;
  g_autofree char *message = NULL;

  ce_admission_set_source_limit (adm, "公安", 3);
  /* The youngest warm pull goes, not the older operator's view. */
  r = decide (adm, pulls, G_N_ELEMENTS (pulls), "31011300001320000009", "公安",
      CE_PRIORITY_VIEW, NULL, NULL);
  g_assert_cmpstr (r, ==, "2");
  /* Another warm pull takes nothing. */
  g_assert_null (decide (adm, pulls, G_N_ELEMENTS (pulls),
      "31011300001320000009", "公安", CE_PRIORITY_STANDBY, &message, NULL));
  g_assert_cmpstr (message, ==,
      "source 公安: 3 of 3 pulls in use by equal or higher-priority views");
  /* With only views left, a view is refused: warm pulls are never kept
   * over people. */
  pulls[0].priority = pulls[2].priority = CE_PRIORITY_VIEW;
  g_assert_null (decide (adm, pulls, G_N_ELEMENTS (pulls),
      "31011300001320000009", "公安", CE_PRIORITY_VIEW, NULL, NULL));
}

static void
test_lingering_first (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (3, 0);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, NULL, CE_PRIORITY_VIEW, 10, FALSE),
      pull (CAM_B, NULL, CE_PRIORITY_INCIDENT, 20, TRUE),
      pull (CAM_C, NULL, CE_PRIORITY_VIEW, 30, TRUE),
  };
  g_autofree char *r = NULL;
  g_autofree char *v = NULL;
  g_autofree char *budget = NULL;

  /* Even a view takes the place of a lingering pull, whatever its
   * priority was: the oldest lingering goes. */
  r = decide (adm, pulls, G_N_ELEMENTS (pulls), "31011300001320000009", NULL,
      CE_PRIORITY_VIEW, NULL, &budget);
  g_assert_cmpstr (r, ==, "1");
  pulls[1].lingering = FALSE;
  v = decide (adm, pulls, G_N_ELEMENTS (pulls), "31011300001320000009", NULL,
      CE_PRIORITY_VIEW, NULL, NULL);
  g_assert_cmpstr (v, ==, "2");
}

static void
test_camera_budget (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (0, 1);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, "公安", CE_PRIORITY_VIEW, 10, FALSE),
      pull (CAM_B, "公安", CE_PRIORITY_VIEW, 20, FALSE),
  };
  g_autofree char *message = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *r = NULL;

  /* The main stream is pulled: the sub stream does not fit for a view… */
  g_assert_null (decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_A, "公安",
      CE_PRIORITY_VIEW, &message, &budget));
  g_assert_cmpstr (message, ==,
      "camera " CAM_A
      ": 1 of 1 pulls in use by equal or higher-priority views");
  g_assert_cmpstr (budget, ==, "camera");
  /* …and replaces it for a preset. */
  r = decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_A, "公安",
      CE_PRIORITY_PRESET, NULL, NULL);
  g_assert_cmpstr (r, ==, "0");
}

/* The camera's victim also makes room in the source and the gateway:
 * one pull goes, not three. */
static void
test_nested_budgets (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (2, 1);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, "公安", CE_PRIORITY_VIEW, 10, FALSE),
      pull (CAM_B, "公安", CE_PRIORITY_VIEW, 20, FALSE),
  };
  g_autofree char *r = NULL;
  g_autofree char *g = NULL;
  g_autofree char *message = NULL;

  ce_admission_set_source_limit (adm, "公安", 2);
  r = decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_A, "公安",
      CE_PRIORITY_INCIDENT, NULL, NULL);
  g_assert_cmpstr (r, ==, "0");
  /* A new camera: the source's youngest goes, which frees the gateway. */
  g = decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_C, "公安",
      CE_PRIORITY_INCIDENT, NULL, NULL);
  g_assert_cmpstr (g, ==, "1");
  /* The gateway budget refuses what the source would let through. */
  pulls[1].source = "雪亮";
  pulls[0].priority = pulls[1].priority = CE_PRIORITY_INCIDENT;
  g_assert_null (decide (adm, pulls, G_N_ELEMENTS (pulls), CAM_C, "社会面",
      CE_PRIORITY_INCIDENT, &message, NULL));
  g_assert_cmpstr (message, ==,
      "gateway: 2 of 2 pulls in use by equal or higher-priority views");
}

/* Several pulls may have to go when a budget is over its cap (it was
 * lowered): all of them, or none when the last cannot. */
static void
test_several_or_none (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (1, 0);
  CeAdmissionPull pulls[] = {
      pull (CAM_A, NULL, CE_PRIORITY_VIEW, 10, FALSE),
      pull (CAM_B, NULL, CE_PRIORITY_TOUR, 20, FALSE),
      pull (CAM_C, NULL, CE_PRIORITY_VIEW, 30, TRUE),
  };
  g_autofree char *r = NULL;

  r = decide (adm, pulls, G_N_ELEMENTS (pulls), "31011300001320000009", NULL,
      CE_PRIORITY_PRESET, NULL, NULL);
  g_assert_cmpstr (r, ==, "2,0,1");
  g_assert_null (decide (adm, pulls, G_N_ELEMENTS (pulls),
      "31011300001320000009", NULL, CE_PRIORITY_TOUR, NULL, NULL));
}

static void
test_names (void)
{
  g_autoptr (CeAdmission) adm = ce_admission_new (0, 0);
  g_autoptr (GPtrArray) sources = NULL;

  g_assert_cmpstr (ce_priority_to_string (CE_PRIORITY_STANDBY), ==, "standby");
  g_assert_cmpstr (ce_priority_to_string (CE_PRIORITY_VIEW), ==, "view");
  g_assert_cmpstr (ce_priority_to_string (CE_PRIORITY_TOUR), ==, "tour");
  g_assert_cmpstr (ce_priority_to_string (CE_PRIORITY_PRESET), ==, "preset");
  g_assert_cmpstr (ce_priority_to_string (CE_PRIORITY_INCIDENT), ==,
      "incident");
  ce_admission_set_source_limit (adm, "雪亮", 4);
  ce_admission_set_source_limit (adm, "公安", 2);
  ce_admission_set_source_limit (adm, "单兵", 3);
  ce_admission_set_source_limit (adm, "单兵", 0);
  sources = ce_admission_list_sources (adm);
  g_assert_cmpuint (sources->len, ==, 2);
  g_assert_cmpuint (ce_admission_get_source_limit (adm, "雪亮"), ==, 4);
  g_assert_cmpuint (ce_admission_get_source_limit (adm, "单兵"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/admission/unlimited", test_unlimited);
  g_test_add_func ("/admission/source-refused", test_source_refused);
  g_test_add_func ("/admission/preempt-lowest-youngest",
      test_preempt_lowest_youngest);
  g_test_add_func ("/admission/standby-yields", test_standby_yields);
  g_test_add_func ("/admission/lingering-first", test_lingering_first);
  g_test_add_func ("/admission/camera-budget", test_camera_budget);
  g_test_add_func ("/admission/nested-budgets", test_nested_budgets);
  g_test_add_func ("/admission/several-or-none", test_several_or_none);
  g_test_add_func ("/admission/names", test_names);
  return g_test_run ();
}
