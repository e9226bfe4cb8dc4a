/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GET /api/v1/audit (admin): the viewing audit, filtered by user, camera
 * and time, oldest first, with a cursor.  The API can only read it.
 */
#include "ce-api-private.h"

#include <string.h>

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
      !ce_api_param_time (req->params, "since", &q.since_us, &error) ||
      !ce_api_param_time (req->params, "until", &q.until_us, &error) ||
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
    ce_api_json_add_time (b, "at", r->at_us);
    ce_api_json_add_string (b, "user", r->user);
    ce_api_json_add_string (b, "camera_id", r->camera_id);
    ce_api_json_add_string (b, "protocol", r->protocol);
    ce_api_json_add_string (b, "client", r->client);
    ce_api_json_add_string (b, "action", r->action);
    ce_api_json_add_time (b, "start", r->start_us);
    ce_api_json_add_time (b, "end", r->end_us);
    json_builder_set_member_name (b, "bytes");
    json_builder_add_int_value (b, (gint64) r->bytes);
    ce_api_json_add_string (b, "incident", r->incident);
    ce_api_json_add_string (b, "reason", r->reason);
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
