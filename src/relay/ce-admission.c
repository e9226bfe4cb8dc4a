/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Upstream budgets and the choice of the pull that makes room.
 */
#include "ce-admission.h"

#include <string.h>

G_DEFINE_QUARK (cityeye_admission_error, ce_admission_error)

struct _CeAdmission
{
  guint max_pulls;
  guint max_per_camera;
  GHashTable *sources; /* name → GUINT_TO_POINTER (cap) */
};

static const char *const priority_names[CE_PRIORITY_N] = {"standby", "view",
    "tour", "preset", "incident"};

const char *
ce_priority_to_string (CePriority priority)
{
  if ((guint) priority >= CE_PRIORITY_N)
    return "view";
  return priority_names[priority];
}

CeAdmission *
ce_admission_new (guint max_pulls, guint max_per_camera)
{
  CeAdmission *adm = g_new0 (CeAdmission, 1);

  adm->max_pulls = max_pulls;
  adm->max_per_camera = max_per_camera;
  adm->sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return adm;
}

void
ce_admission_free (CeAdmission *adm)
{
  if (adm == NULL)
    return;
  g_hash_table_unref (adm->sources);
  g_free (adm);
}

void
ce_admission_set_source_limit (CeAdmission *adm, const char *source, guint max)
{
  g_return_if_fail (adm != NULL && source != NULL);

  if (max == 0)
    g_hash_table_remove (adm->sources, source);
  else
    g_hash_table_insert (adm->sources, g_strdup (source),
        GUINT_TO_POINTER (max));
}

guint
ce_admission_get_max_pulls (const CeAdmission *adm)
{
  return adm->max_pulls;
}

guint
ce_admission_get_max_per_camera (const CeAdmission *adm)
{
  return adm->max_per_camera;
}

guint
ce_admission_get_source_limit (const CeAdmission *adm, const char *source)
{
  if (source == NULL)
    return 0;
  return GPOINTER_TO_UINT (g_hash_table_lookup (adm->sources, source));
}

GPtrArray *
ce_admission_list_sources (const CeAdmission *adm)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, adm->sources);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (out, key);
  g_ptr_array_sort (out, (GCompareFunc) g_strcmp0);
  return out;
}

void
ce_admission_victim_clear (CeAdmissionVictim *victim)
{
  g_clear_pointer (&victim->budget, g_free);
}

GArray *
ce_admission_victims_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (CeAdmissionVictim));

  g_array_set_clear_func (a, (GDestroyNotify) ce_admission_victim_clear);
  return a;
}

/* ---- the decision ----------------------------------------------------- */

typedef enum
{
  BUDGET_CAMERA,
  BUDGET_SOURCE,
  BUDGET_GATEWAY,
} BudgetKind;

static gboolean
in_budget (BudgetKind kind, const CeAdmissionPull *p, const char *camera_id,
    const char *source)
{
  switch (kind) {
    case BUDGET_CAMERA:
      return strcmp (p->camera_id, camera_id) == 0;
    case BUDGET_SOURCE:
      return p->source != NULL && strcmp (p->source, source) == 0;
    case BUDGET_GATEWAY:
    default:
      return TRUE;
  }
}

/* Whether @a should go before @b. */
static gboolean
goes_first (const CeAdmissionPull *a, const CeAdmissionPull *b)
{
  if (a->lingering != b->lingering)
    return a->lingering;
  if (a->lingering)
    return a->since_us < b->since_us;
  if (a->priority != b->priority)
    return a->priority < b->priority;
  return a->since_us > b->since_us;
}

gboolean
ce_admission_decide (const CeAdmission *adm, const CeAdmissionPull *pulls,
    guint n, const char *camera_id, const char *source, CePriority priority,
    GArray *victims, char **budget, GError **error)
{
  g_autofree gboolean *chosen = g_new0 (gboolean, n + 1);

  g_return_val_if_fail (adm != NULL && camera_id != NULL, FALSE);
  g_return_val_if_fail (victims != NULL, FALSE);

  for (BudgetKind kind = BUDGET_CAMERA; kind <= BUDGET_GATEWAY; kind++) {
    guint cap = kind == BUDGET_CAMERA ? adm->max_per_camera
        : kind == BUDGET_SOURCE ? ce_admission_get_source_limit (adm, source)
                                : adm->max_pulls;
    guint in_use = 0, staying = 0;

    if (cap == 0)
      continue;
    for (guint i = 0; i < n; i++) {
      if (!in_budget (kind, &pulls[i], camera_id, source))
        continue;
      in_use++;
      if (!chosen[i])
        staying++;
    }
    while (staying + 1 > cap) {
      int pick = -1;

      for (guint i = 0; i < n; i++) {
        const CeAdmissionPull *p = &pulls[i];

        if (chosen[i] || !in_budget (kind, p, camera_id, source))
          continue;
        if (!p->lingering && p->priority >= priority)
          continue;
        if (pick < 0 || goes_first (p, &pulls[pick]))
          pick = (int) i;
      }
      if (pick < 0) {
        g_autofree char *name = kind == BUDGET_CAMERA
            ? g_strdup_printf ("camera %s", camera_id)
            : kind == BUDGET_SOURCE ? g_strdup_printf ("source %s", source)
                                    : g_strdup ("gateway");

        g_set_error (error, CE_ADMISSION_ERROR, CE_ADMISSION_ERROR_FULL,
            "%s: %u of %u pulls in use by equal or higher-priority views", name,
            in_use, cap);
        if (budget != NULL)
          *budget = kind == BUDGET_CAMERA ? g_strdup ("camera")
              : kind == BUDGET_SOURCE ? g_strconcat ("source/", source, NULL)
                                      : g_strdup ("gateway");
        g_array_set_size (victims, 0);
        return FALSE;
      }
      chosen[pick] = TRUE;
      staying--;
      {
        CeAdmissionVictim v = {0};

        v.index = (guint) pick;
        v.budget = kind == BUDGET_CAMERA ? g_strdup ("camera")
            : kind == BUDGET_SOURCE      ? g_strconcat ("source/", source, NULL)
                                         : g_strdup ("gateway");
        g_array_append_val (victims, v);
      }
    }
  }
  return TRUE;
}
