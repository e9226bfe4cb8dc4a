/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GET /api/v1/audit (admin): the viewing audit, filtered by user, camera
 * and time, oldest first, with a cursor.  The API can only read it.
 */
#include "ce-api-private.h"

#include <string.h>

/* ISO 8601 with a zone, or unix seconds. */
static gboolean
param_time (GHashTable *params, const char *name, gint64 *out_us,
    GError **error)
{
  const char *v = g_hash_table_lookup (params, name);
  g_autoptr (GDateTime) dt = NULL;
  gint64 secs;

  if (v == NULL)
    return TRUE;
  if (g_ascii_string_to_signed (v, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &secs,
          NULL)) {
    *out_us = secs * G_USEC_PER_SEC;
    return TRUE;
  }
  dt = g_date_time_new_from_iso8601 (v, NULL);
  if (dt == NULL) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "%s: “%.40s” is neither ISO 8601 with a time zone nor unix seconds",
        name, v);
    return FALSE;
  }
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC +
      g_date_time_get_microsecond (dt);
  return TRUE;
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL && *value != '\0')
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_time (JsonBuilder *b, const char *name, gint64 us)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autofree char *s = NULL;

  json_builder_set_member_name (b, name);
  if (us <= 0 ||
      (dt = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC)) == NULL) {
    json_builder_add_null_value (b);
    return;
  }
  s = g_date_time_format_iso8601 (dt);
  json_builder_add_string_value (b, s);
}

void
ce_api_audit_list (CeApiRequest *req)
{
  static const char *const known[] = {"user", "camera", "since", "until",
      "limit", "cursor", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  CeAuditQuery q;
  gint64 limit = CE_API_DEFAULT_PAGE;
  const char *v;
  guint shown;

  ce_audit_query_init (&q);
  if (!ce_api_params_check (req->params, known, &error) ||
      !param_time (req->params, "since", &q.since_us, &error) ||
      !param_time (req->params, "until", &q.until_us, &error) ||
      !ce_api_param_int (req->params, "limit", 1, CE_API_MAX_PAGE, &limit,
          &error))
    goto fail;
  q.user = g_hash_table_lookup (req->params, "user");
  if (q.user != NULL && strlen (q.user) > 64) {
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "user: longer than 64 bytes");
    goto fail;
  }
  if ((v = g_hash_table_lookup (req->params, "camera")) != NULL) {
    if (!ce_api_check_id (v, &error))
      goto fail;
    q.camera_id = v;
  }
  if ((v = g_hash_table_lookup (req->params, "cursor")) != NULL &&
      !g_ascii_string_to_signed (v, 10, 0, G_MAXINT64, &q.after_id, NULL)) {
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "cursor: not a cursor returned by this API");
    goto fail;
  }
  q.limit = (guint) limit + 1;
  rows = ce_auth_audit_query (req->api->auth, &q, &error);
  if (rows == NULL)
    goto fail;
  shown = MIN (rows->len, (guint) limit);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, shown);
  json_builder_set_member_name (b, "next");
  if (rows->len > shown) {
    const CeAuditRow *last = g_ptr_array_index (rows, shown - 1);
    g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, last->id);

    json_builder_add_string_value (b, cursor);
  } else {
    json_builder_add_null_value (b);
  }
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint i = 0; i < shown; i++) {
    const CeAuditRow *r = g_ptr_array_index (rows, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_int_value (b, r->id);
    add_time (b, "at", r->at_us);
    add_string (b, "user", r->user);
    add_string (b, "camera_id", r->camera_id);
    add_string (b, "protocol", r->protocol);
    add_string (b, "client", r->client);
    add_string (b, "action", r->action);
    add_time (b, "start", r->start_us);
    add_time (b, "end", r->end_us);
    json_builder_set_member_name (b, "bytes");
    json_builder_add_int_value (b, (gint64) r->bytes);
    add_string (b, "incident", r->incident);
    add_string (b, "reason", r->reason);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
  return;

fail:
  ce_api_respond_gerror (req->msg, error);
}
