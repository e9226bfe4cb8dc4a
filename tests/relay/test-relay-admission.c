/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The session manager's admission (src/relay/ce-relay.c) without a
 * daemon: cameras that resolve to a closed port (their pulls retry, and
 * count), budgets, refusals, holders, the preempt functions, lingering
 * pulls, shutdown with preemptions not yet told.
 */
#include <gst/gst.h>
#include <string.h>

#include "ce-relay.h"

/* Cameras "pa1".."pa9" are 公安, "xl1".. are 雪亮. */
static gboolean
resolve (const char *camera_id, CeProfile profile, CeSourceInfo *info,
    gpointer user_data, GError **error)
{
  if (strlen (camera_id) != 3) {
    g_set_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_NOT_FOUND,
        "No camera %s", camera_id);
    return FALSE;
  }
  /* Port 1: refused at once; the pull retries with backoff. */
  info->url = g_strdup ("rtsp://127.0.0.1:1/none");
  info->name = g_strdup (camera_id);
  info->profile = profile;
  info->source =
      g_strdup (g_str_has_prefix (camera_id, "pa") ? "公安" : "雪亮");
  return TRUE;
}

typedef struct
{
  GPtrArray *streams; /* CeStream told, borrowed (compare only) */
  GPtrArray *reasons;
} Told;

static void
on_preempted (CeStream *stream, const char *reason, gpointer data)
{
  Told *t = data;

  g_ptr_array_add (t->streams, stream);
  g_ptr_array_add (t->reasons, g_strdup (reason));
}

static CeRelay *
relay_new (guint max_pulls, guint per_camera, guint pa, guint linger_ms)
{
  CeRelayConfig config;
  g_autoptr (GHashTable) sources =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ce_relay_config_init (&config);
  config.linger_ms = linger_ms;
  config.backoff_initial_ms = 5000;
  config.max_pulls = max_pulls;
  config.max_pulls_per_camera = per_camera;
  if (pa > 0)
    g_hash_table_insert (sources, g_strdup ("公安"), GUINT_TO_POINTER (pa));
  config.source_max_pulls = sources;
  return ce_relay_new (&config, resolve, NULL, NULL);
}

static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static const CeStreamSnapshot *
find (GPtrArray *list, const char *camera, CeProfile profile)
{
  for (guint i = 0; i < list->len; i++) {
    const CeStreamSnapshot *s = list->pdata[i];

    if (strcmp (s->camera_id, camera) == 0 && s->profile == profile)
      return s;
  }
  return NULL;
}

static const CeStreamSnapshot *
must_find (GPtrArray *list, const char *camera, CeProfile profile)
{
  const CeStreamSnapshot *s = find (list, camera, profile);

  if (s == NULL)
    g_error ("no pull of %s/%s", camera, ce_profile_to_string (profile));
  return s;
}

static void
test_refused_and_preempted (void)
{
  CeRelay *relay = relay_new (0, 0, 2, 10000);
  Told told = {g_ptr_array_new (), g_ptr_array_new_with_free_func (g_free)};
  CeAcquireOptions view1 = {CE_PRIORITY_VIEW, "rtsp 127.0.0.1:1001"};
  CeAcquireOptions view2 = {CE_PRIORITY_VIEW, "rtsp 127.0.0.1:1002"};
  CeAcquireOptions incident = {CE_PRIORITY_INCIDENT, "incident/i1"};
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) counts = NULL;
  CeStream *a, *a2, *b, *c, *x;
  const CeStreamSnapshot *s;
  guint id = ce_relay_add_preempt_func (relay, on_preempted, &told);

  a = ce_relay_acquire_full (relay, "pa1", CE_PROFILE_MAIN, &view1, &error);
  g_assert_no_error (error);
  /* A second holder of a running pull is never decided. */
  a2 = ce_relay_acquire_full (relay, "pa1", CE_PROFILE_MAIN, &view2, &error);
  g_assert_no_error (error);
  g_assert_true (a == a2);
  b = ce_relay_acquire (relay, "pa2", CE_PROFILE_MAIN, &error);
  g_assert_no_error (error);
  /* Another source is not capped. */
  x = ce_relay_acquire (relay, "xl1", CE_PROFILE_MAIN, &error);
  g_assert_no_error (error);

  g_assert_null (ce_relay_acquire (relay, "pa3", CE_PROFILE_MAIN, &error));
  g_assert_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==,
      "source 公安: 2 of 2 pulls in use by equal or higher-priority views");
  g_clear_error (&error);

  /* The incident takes the youngest view's place (pa2); its holders are
   * told on an idle, not inside the acquire. */
  c = ce_relay_acquire_full (relay, "pa3", CE_PROFILE_MAIN, &incident, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (told.streams->len, ==, 0);
  g_assert_cmpstr (ce_stream_get_preempted (b), ==,
      "Preempted by a higher-priority pull (incident) of camera pa3 in "
      "budget source/公安");
  /* Without the camera, for viewers who may not know of it. */
  g_assert_cmpstr (ce_stream_get_preempted_brief (b), ==,
      "Preempted by a higher-priority pull (incident) in budget source/公安");
  g_assert_null (ce_stream_get_preempted (a));
  g_assert_null (ce_stream_get_preempted_brief (a));
  for (guint i = 0; i < 500 && told.streams->len == 0; i++)
    iterate (10);
  g_assert_cmpuint (told.streams->len, ==, 1);
  g_assert_true (told.streams->pdata[0] == b);
  g_assert_cmpstr (told.reasons->pdata[0], ==,
      "Preempted by a higher-priority pull (incident) of camera pa3 in budget "
      "source/公安");

  list = ce_relay_list_streams (relay);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_null (find (list, "pa2", CE_PROFILE_MAIN));
  s = must_find (list, "pa1", CE_PROFILE_MAIN);
  g_assert_cmpuint (s->holders->len, ==, 2);
  g_assert_cmpuint (s->viewers, ==, 2);
  g_assert_cmpstr (s->source, ==, "公安");
  s = must_find (list, "pa3", CE_PROFILE_MAIN);
  g_assert_cmpint (s->priority, ==, CE_PRIORITY_INCIDENT);
  g_assert_cmpstr (g_array_index (s->holders, CeStreamHolder, 0).holder, ==,
      "incident/i1");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Releases take the matching holder off. */
  ce_relay_release_full (relay, a2, &view2);
  list = ce_relay_list_streams (relay);
  s = must_find (list, "pa1", CE_PROFILE_MAIN);
  g_assert_cmpuint (s->holders->len, ==, 1);
  g_assert_cmpstr (g_array_index (s->holders, CeStreamHolder, 0).holder, ==,
      view1.holder);

  counts = ce_relay_list_admission_counts (relay);
  for (guint i = 0; i < counts->len; i++) {
    const CeAdmissionCount *n = counts->pdata[i];

    g_assert_cmpstr (n->budget, ==, "source/公安");
    if (n->priority == CE_PRIORITY_VIEW) {
      g_assert_cmpuint (n->refused, ==, 1);
      g_assert_cmpuint (n->preempted, ==, 1);
    } else {
      g_assert_cmpint (n->priority, ==, CE_PRIORITY_INCIDENT);
      g_assert_cmpuint (n->refused + n->preempted, ==, 0);
    }
  }
  /* A preempted stream's holders give it back as usual. */
  ce_relay_release (relay, b);
  ce_relay_release_full (relay, a, &view1);
  ce_relay_release_full (relay, c, &incident);
  ce_relay_release (relay, x);
  ce_relay_remove_preempt_func (relay, id);
  ce_relay_free (relay);
  g_ptr_array_unref (told.streams);
  g_ptr_array_unref (told.reasons);
}

/* A lingering pull makes room without telling anyone, even for a view. */
static void
test_lingering_first (void)
{
  CeRelay *relay = relay_new (1, 0, 0, 10000);
  Told told = {g_ptr_array_new (), g_ptr_array_new_with_free_func (g_free)};
  CeAcquireOptions preset = {CE_PRIORITY_PRESET, "wall/hall"};
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  CeStream *a, *b;

  ce_relay_add_preempt_func (relay, on_preempted, &told);
  a = ce_relay_acquire_full (relay, "pa1", CE_PROFILE_MAIN, &preset, &error);
  g_assert_no_error (error);
  ce_relay_release_full (relay, a, &preset);
  b = ce_relay_acquire (relay, "xl1", CE_PROFILE_SUB, &error);
  g_assert_no_error (error);
  iterate (50);
  g_assert_cmpuint (told.streams->len, ==, 0);
  list = ce_relay_list_streams (relay);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_nonnull (find (list, "xl1", CE_PROFILE_SUB));
  /* Gateway budget: a view cannot take a view's place. */
  g_assert_null (ce_relay_acquire (relay, "xl2", CE_PROFILE_MAIN, &error));
  g_assert_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==,
      "gateway: 1 of 1 pulls in use by equal or higher-priority views");
  ce_relay_release (relay, b);
  ce_relay_free (relay);
  g_ptr_array_unref (told.streams);
  g_ptr_array_unref (told.reasons);
}

/* Main and sub of one camera are two pulls of its budget. */
static void
test_camera_budget (void)
{
  CeRelay *relay = relay_new (0, 1, 0, 10000);
  CeAcquireOptions tour = {CE_PRIORITY_TOUR, "wall/hall"};
  g_autoptr (GError) error = NULL;
  CeStream *main_, *sub;

  main_ = ce_relay_acquire (relay, "xl1", CE_PROFILE_MAIN, &error);
  g_assert_no_error (error);
  g_assert_null (ce_relay_acquire (relay, "xl1", CE_PROFILE_SUB, &error));
  g_assert_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==,
      "camera xl1: 1 of 1 pulls in use by equal or higher-priority views");
  g_clear_error (&error);
  sub = ce_relay_acquire_full (relay, "xl1", CE_PROFILE_SUB, &tour, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ce_stream_get_preempted (main_));
  ce_relay_release (relay, main_);
  ce_relay_release_full (relay, sub, &tour);
  /* Freed with a preemption nobody was told of yet: no leak, no call. */
  ce_relay_free (relay);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/relay-admission/refused-and-preempted",
      test_refused_and_preempted);
  g_test_add_func ("/relay-admission/lingering-first", test_lingering_first);
  g_test_add_func ("/relay-admission/camera-budget", test_camera_budget);
  return g_test_run ();
}
