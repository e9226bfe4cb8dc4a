/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Admission over HTTP: GET /api/v1/admission (budgets, pulls with their
 * priorities and holders, refusals and preemptions), the admission
 * metrics, and the end of the viewers and holds of a preempted stream.
 */
#include "ce-api-private.h"

#include <string.h>

CeApiError
ce_api_relay_error_code (const GError *error)
{
  if (g_error_matches (error, CE_RELAY_ERROR, CE_RELAY_ERROR_NOT_FOUND))
    return CE_API_ERROR_NOT_FOUND;
  if (g_error_matches (error, CE_RELAY_ERROR, CE_RELAY_ERROR_REFUSED))
    return CE_API_ERROR_ADMISSION;
  if (g_error_matches (error, CE_RELAY_ERROR, CE_RELAY_ERROR_TIMEOUT))
    return CE_API_ERROR_TIMEOUT;
  return CE_API_ERROR_UNAVAILABLE;
}

/* ---- preemption ------------------------------------------------------- */

static void
on_preempted (CeStream *stream, const char *reason, gpointer user_data)
{
  CeApi *api = user_data;
  guint viewers = ce_api_live_preempted (api, stream, reason);
  guint holds = ce_api_walls_preempted (api, stream, reason);

  if (viewers > 0 || holds > 0)
    g_message ("Camera %s (%s): %u browser viewer(s) and %u hold(s) ended: %s",
        ce_stream_get_camera_id (stream),
        ce_profile_to_string (ce_stream_get_profile (stream)), viewers, holds,
        reason);
}

void
ce_api_admission_init (CeApi *api)
{
  api->preempt_id = ce_relay_add_preempt_func (api->relay, on_preempted, api);
}

void
ce_api_admission_fini (CeApi *api)
{
  if (api->preempt_id != 0)
    ce_relay_remove_preempt_func (api->relay, api->preempt_id);
  api->preempt_id = 0;
}

/* ---- GET /api/v1/admission -------------------------------------------- */

static void
add_budget (JsonBuilder *b, const char *budget, const char *source, guint limit,
    guint in_use)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "budget");
  json_builder_add_string_value (b, budget);
  if (source != NULL) {
    json_builder_set_member_name (b, "source");
    json_builder_add_string_value (b, source);
  }
  json_builder_set_member_name (b, "limit");
  if (limit == 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_int_value (b, limit);
  if (in_use != G_MAXUINT) {
    json_builder_set_member_name (b, "in_use");
    json_builder_add_int_value (b, in_use);
  }
  json_builder_end_object (b);
}

static void
add_counts (JsonBuilder *b, const char *name, GPtrArray *counts,
    gboolean refused)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < counts->len; i++) {
    const CeAdmissionCount *c = counts->pdata[i];
    guint64 n = refused ? c->refused : c->preempted;

    if (n == 0)
      continue;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "budget");
    json_builder_add_string_value (b, c->budget);
    json_builder_set_member_name (b, "priority");
    json_builder_add_string_value (b, ce_priority_to_string (c->priority));
    json_builder_set_member_name (b, "count");
    json_builder_add_int_value (b, (gint64) n);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

static int
compare_counts (gconstpointer a, gconstpointer b)
{
  const CeAdmissionCount *x = *(CeAdmissionCount *const *) a;
  const CeAdmissionCount *y = *(CeAdmissionCount *const *) b;
  int c = strcmp (x->budget, y->budget);

  return c != 0 ? c : (int) x->priority - (int) y->priority;
}

void
ce_api_admission_get (CeApiRequest *req)
{
  CeApi *api = req->api;
  const CeAdmission *adm = ce_relay_get_admission (api->relay);
  gboolean admin = ce_principal_is_admin (req->principal);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) streams = NULL;
  g_autoptr (GPtrArray) sources = NULL;
  g_autoptr (GPtrArray) counts = NULL;
  g_autoptr (GHashTable) seen =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  gint64 mono = g_get_monotonic_time (), real = g_get_real_time ();
  guint hidden = 0;

  if (!ce_api_walls_check_role (req, CE_API_WALL_EDIT))
    return;
  if (!ce_api_params_check (req->params, NULL, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  streams = ce_relay_list_streams (api->relay);
  sources = ce_admission_list_sources (adm);
  counts = ce_relay_list_admission_counts (api->relay);
  g_ptr_array_sort (counts, compare_counts);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "budgets");
  json_builder_begin_array (b);
  add_budget (b, "gateway", NULL, ce_admission_get_max_pulls (adm),
      streams->len);
  if (ce_admission_get_max_per_camera (adm) > 0)
    add_budget (b, "camera", NULL, ce_admission_get_max_per_camera (adm),
        G_MAXUINT);
  for (guint i = 0; i < sources->len; i++) {
    const char *source = sources->pdata[i];
    g_autofree char *name = g_strconcat ("source/", source, NULL);
    guint in_use = 0;

    for (guint k = 0; k < streams->len; k++) {
      const CeStreamSnapshot *s = streams->pdata[k];

      if (g_strcmp0 (s->source, source) == 0)
        in_use++;
    }
    add_budget (b, name, source, ce_admission_get_source_limit (adm, source),
        in_use);
  }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "pulls");
  json_builder_begin_array (b);
  for (guint i = 0; i < streams->len; i++) {
    const CeStreamSnapshot *s = streams->pdata[i];
    g_autoptr (GDateTime) since = NULL;
    g_autofree char *iso = NULL;

    if (!ce_api_camera_visible (req, s->camera_id, seen)) {
      hidden++;
      continue;
    }
    since = g_date_time_new_from_unix_utc (
        (real - (mono - s->since_us)) / G_USEC_PER_SEC);
    iso = since != NULL ? g_date_time_format (since, "%FT%TZ") : NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "camera_id");
    json_builder_add_string_value (b, s->camera_id);
    json_builder_set_member_name (b, "profile");
    json_builder_add_string_value (b, ce_profile_to_string (s->profile));
    ce_api_json_add_string (b, "source", s->source);
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, ce_stream_state_to_string (s->state));
    json_builder_set_member_name (b, "priority");
    json_builder_add_string_value (b, ce_priority_to_string (s->priority));
    json_builder_set_member_name (b, "lingering");
    json_builder_add_boolean_value (b, s->holders->len == 0);
    ce_api_json_add_string (b, "since", iso);
    json_builder_set_member_name (b, "holders");
    json_builder_begin_array (b);
    for (guint h = 0; h < s->holders->len; h++) {
      const CeStreamHolder *holder =
          &g_array_index (s->holders, CeStreamHolder, h);
      g_autofree char *name = g_strdup (holder->holder);

      /* Others than admins see what kind of holder it is, not the
       * client's address ("rtsp", not "rtsp 10.0.0.7:50312"). */
      if (name != NULL && !admin && strchr (name, ' ') != NULL)
        *strchr (name, ' ') = '\0';
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "priority");
      json_builder_add_string_value (b,
          ce_priority_to_string (holder->priority));
      ce_api_json_add_string (b, "holder", name);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "hidden_pulls");
  json_builder_add_int_value (b, hidden);
  add_counts (b, "refused", counts, TRUE);
  add_counts (b, "preempted", counts, FALSE);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}

/* ---- metrics ---------------------------------------------------------- */

void
ce_api_admission_append_metrics (CeApi *api, GString *out)
{
  g_autoptr (GPtrArray) streams = ce_relay_list_streams (api->relay);
  g_autoptr (GPtrArray) counts = ce_relay_list_admission_counts (api->relay);
  g_autoptr (GHashTable) per_source =
      g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GList) names = NULL;

  for (guint i = 0; i < streams->len; i++) {
    const CeStreamSnapshot *s = streams->pdata[i];
    const char *source = s->source != NULL ? s->source : "none";

    g_hash_table_insert (per_source, (gpointer) source,
        GUINT_TO_POINTER (
            GPOINTER_TO_UINT (g_hash_table_lookup (per_source, source)) + 1));
  }
  g_string_append (out,
      "# HELP cityeye_upstream_pulls Camera streams pulled now, by source "
      "platform.\n"
      "# TYPE cityeye_upstream_pulls gauge\n");
  names =
      g_list_sort (g_hash_table_get_keys (per_source), (GCompareFunc) strcmp);
  for (GList *l = names; l != NULL; l = l->next) {
    g_string_append (out, "cityeye_upstream_pulls{source=\"");
    ce_api_metrics_append_label (out, l->data);
    g_string_append_printf (out, "\"} %u\n",
        GPOINTER_TO_UINT (g_hash_table_lookup (per_source, l->data)));
  }
  g_ptr_array_sort (counts, compare_counts);
  for (int refused = 1; refused >= 0; refused--) {
    const char *metric = refused ? "cityeye_admission_refused_total"
                                 : "cityeye_admission_preempted_total";

    g_string_append_printf (out,
        "# HELP %s %s, by budget and priority.\n"
        "# TYPE %s counter\n",
        metric,
        refused ? "Pulls refused because an admission budget was full"
                : "Pulls closed to make room for a higher-priority one",
        metric);
    for (guint i = 0; i < counts->len; i++) {
      const CeAdmissionCount *c = counts->pdata[i];
      guint64 n = refused ? c->refused : c->preempted;

      if (n == 0)
        continue;
      g_string_append_printf (out, "%s{budget=\"", metric);
      ce_api_metrics_append_label (out, c->budget);
      g_string_append_printf (out,
          "\",priority=\"%s\"} %" G_GUINT64_FORMAT "\n",
          ce_priority_to_string (c->priority), n);
    }
  }
}
