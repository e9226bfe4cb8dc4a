/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * /api/v1/cameras: listing with filters and cursors, detail, and the
 * administrators' create, update, delete and bulk import.
 */
#include "ce-api-private.h"
#include "ce-registry-import.h"

#include <string.h>

typedef struct
{
  JsonArray *array;
  CeCrs crs;
  guint count;
  guint limit;
  gboolean more; /* one row past the page was seen */
  char *last_id;
} Page;

static gboolean
page_add (const CeCamera *camera, gpointer user_data)
{
  Page *p = user_data;

  if (p->count == p->limit) {
    p->more = TRUE;
    return FALSE;
  }
  json_array_add_element (p->array, ce_api_camera_to_json (camera, p->crs));
  p->count++;
  g_free (p->last_id);
  p->last_id = g_strdup (camera->id);
  return TRUE;
}

void
ce_api_cameras_list (CeApiRequest *req)
{
  CeApiCameraQuery q;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  Page page = {json_array_new (), 0};
  g_autofree char *next = NULL;

  if (!ce_api_camera_query_parse (req->params, &q, &error)) {
    ce_api_respond_gerror (req->msg, error);
    json_array_unref (page.array);
    ce_api_camera_query_clear (&q);
    return;
  }
  page.crs = q.crs;
  page.limit = q.query.has_near && q.query.k > 0 ? q.query.k : q.limit;
  /* One more than the page tells whether there is a next one. */
  q.query.limit = q.query.has_near ? 0 : q.limit + 1;
  if (ce_principal_restrict_query (req->principal, &q.query) &&
      !ce_registry_query_foreach (req->api->registry, &q.query, page_add, &page,
          &error)) {
    ce_api_respond_gerror (req->msg, error);
    json_array_unref (page.array);
    g_free (page.last_id);
    ce_api_camera_query_clear (&q);
    return;
  }
  if (page.more && !q.query.has_near)
    next = ce_api_cursor_encode (page.last_id);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, page.count);
  json_builder_set_member_name (b, "next");
  if (next != NULL)
    json_builder_add_string_value (b, next);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "crs");
  json_builder_add_string_value (b, ce_crs_to_string (q.crs));
  json_builder_set_member_name (b, "cameras");
  json_builder_add_value (b,
      json_node_init_array (json_node_alloc (), page.array));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
  json_array_unref (page.array);
  g_free (page.last_id);
  ce_api_camera_query_clear (&q);
}

static gboolean
params_crs (CeApiRequest *req, CeCrs *crs)
{
  static const char *const known[] = {"crs", NULL};
  g_autoptr (GError) error = NULL;

  if (!ce_api_params_check (req->params, known, &error) ||
      !ce_api_param_crs (req->params, crs, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return FALSE;
  }
  return TRUE;
}

void
ce_api_cameras_show (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  g_autoptr (JsonNode) node = NULL;
  CeCrs crs;

  if (!params_crs (req, &crs))
    return;
  camera = ce_api_request_camera (req, &error);
  if (camera == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  node = ce_api_camera_to_json (camera, crs);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, node);
}

static void
respond_camera (CeApiRequest *req, const char *id, CeCrs crs, guint status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) stored =
      ce_registry_dup_camera (req->api->registry, id, &error);
  g_autoptr (JsonNode) node = NULL;

  if (stored == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  node = ce_api_camera_to_json (stored, crs);
  ce_api_respond_json (req->msg, status, node);
}

static void
respond_registry_error (CeApiRequest *req, const GError *error)
{
  if (g_error_matches (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE))
    ce_api_respond_error (req->msg, CE_API_ERROR_CONFLICT, error->message);
  else if (g_error_matches (error, CE_REGISTRY_ERROR,
               CE_REGISTRY_ERROR_NOT_FOUND))
    ce_api_respond_error (req->msg, CE_API_ERROR_NOT_FOUND, error->message);
  else if (g_error_matches (error, CE_REGISTRY_ERROR,
               CE_REGISTRY_ERROR_INVALID) ||
      error->domain == CE_CAMERA_ERROR)
    ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE, error->message);
  else
    ce_api_respond_gerror (req->msg, error);
}

void
ce_api_cameras_create (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (CeCamera) camera = NULL;
  CeCrs crs;

  if (!params_crs (req, &crs))
    return;
  body = ce_api_request_json (req, NULL, &error);
  if (body != NULL)
    camera = ce_api_camera_from_json (json_node_get_object (body), NULL, crs,
        &error);
  if (camera == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (!ce_registry_add_camera (req->api->registry, camera, &error)) {
    respond_registry_error (req, error);
    return;
  }
  g_message ("HTTP: %s added camera %s", req->principal->user, camera->id);
  respond_camera (req, camera->id, crs, SOUP_STATUS_CREATED);
}

void
ce_api_cameras_update (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (CeCamera) stored = NULL;
  g_autoptr (CeCamera) camera = NULL;
  CeCrs crs;

  if (!params_crs (req, &crs))
    return;
  body = ce_api_request_json (req, NULL, &error);
  if (body == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  stored = ce_registry_dup_camera (req->api->registry, req->id, &error);
  if (stored == NULL) {
    respond_registry_error (req, error);
    return;
  }
  camera = ce_api_camera_from_json (json_node_get_object (body), stored, crs,
      &error);
  if (camera == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (!ce_registry_update_camera (req->api->registry, camera, &error)) {
    respond_registry_error (req, error);
    return;
  }
  g_message ("HTTP: %s updated camera %s", req->principal->user, camera->id);
  respond_camera (req, camera->id, crs, SOUP_STATUS_OK);
}

void
ce_api_cameras_delete (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;

  if (!ce_api_params_check (req->params, NULL, &error) ||
      !ce_registry_remove_camera (req->api->registry, req->id, &error)) {
    respond_registry_error (req, error);
    return;
  }
  g_message ("HTTP: %s removed camera %s", req->principal->user, req->id);
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static JsonNode *
report_to_json (const CeImportReport *r, gboolean dry_run)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
#define INT_MEMBER(name) \
  json_builder_set_member_name (b, #name); \
  json_builder_add_int_value (b, r->name)
  INT_MEMBER (records);
  INT_MEMBER (inserted);
  INT_MEMBER (updated);
  INT_MEMBER (unchanged);
  INT_MEMBER (rejected);
  INT_MEMBER (deleted);
#undef INT_MEMBER
  json_builder_set_member_name (b, "applied");
  json_builder_add_boolean_value (b, r->applied);
  json_builder_set_member_name (b, "dry_run");
  json_builder_add_boolean_value (b, dry_run);
  json_builder_set_member_name (b, "rejects");
  json_builder_begin_array (b);
  for (guint i = 0; r->rejects != NULL && i < r->rejects->len; i++) {
    const CeImportReject *rej = g_ptr_array_index (r->rejects, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "where");
    json_builder_add_string_value (b, rej->where);
    json_builder_set_member_name (b, "id");
    if (rej->id != NULL)
      json_builder_add_string_value (b, rej->id);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b, rej->reason);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint i = 0; r->notes != NULL && i < r->notes->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (r->notes, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
param_bool (GHashTable *params, const char *name, gboolean *out, GError **error)
{
  const char *v = g_hash_table_lookup (params, name);

  *out = FALSE;
  if (v == NULL || strcmp (v, "false") == 0 || strcmp (v, "0") == 0)
    return TRUE;
  if (strcmp (v, "true") == 0 || strcmp (v, "1") == 0 || *v == '\0') {
    *out = TRUE;
    return TRUE;
  }
  g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
      "%s: “%.16s” is not true or false", name, v);
  return FALSE;
}

/* POST /api/v1/cameras:import?format=csv|catalog|geojson&mode=&crs=
 * &encoding=&source=&dry_run=&strict=; the body is the file, as for
 * `cityeye camera import`.  The report is the CLI's --json report. */
void
ce_api_cameras_import (CeApiRequest *req)
{
  static const char *const known[] = {"format", "mode", "crs", "encoding",
      "source", "dry_run", "strict", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (CeImporter) importer = NULL;
  g_autoptr (CeImportReport) report = NULL;
  g_autoptr (JsonNode) node = NULL;
  CeImportOptions options;
  CeFormat format;
  const char *v;
  const guint8 *data;
  gsize len;
  gboolean ok;

  ce_import_options_init (&options);
  bytes = soup_message_body_flatten (
      soup_server_message_get_request_body (req->msg));
  data = g_bytes_get_data (bytes, &len);
  if (!ce_api_params_check (req->params, known, &error) ||
      !ce_api_param_crs (req->params, &options.crs, &error) ||
      !param_bool (req->params, "dry_run", &options.dry_run, &error) ||
      !param_bool (req->params, "strict", &options.strict, &error))
    goto fail;
  if ((v = g_hash_table_lookup (req->params, "format")) != NULL) {
    if (!ce_format_from_string (v, &format)) {
      g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "format: “%.16s” is not csv, catalog or geojson", v);
      goto fail;
    }
  } else {
    format = ce_format_sniff (data, len);
  }
  if (format == CE_FORMAT_AUTO || format == CE_FORMAT_KML) {
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "format: cannot tell the file's format; give format=csv, catalog or "
        "geojson");
    goto fail;
  }
  if ((v = g_hash_table_lookup (req->params, "mode")) != NULL &&
      !ce_import_mode_from_string (v, &options.mode)) {
    g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "mode: “%.16s” is not upsert, insert-only or replace-all", v);
    goto fail;
  }
  if ((v = g_hash_table_lookup (req->params, "source")) != NULL &&
      !ce_source_from_string (v, &options.default_source)) {
    g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "source: “%.32s” is not public_security, xueliang, social or mobile",
        v);
    goto fail;
  }
  if ((v = g_hash_table_lookup (req->params, "encoding")) != NULL) {
    if (strcmp (v, "utf-8") != 0 && g_ascii_strcasecmp (v, "gbk") != 0 &&
        g_ascii_strcasecmp (v, "gb18030") != 0 &&
        g_ascii_strcasecmp (v, "gb2312") != 0) {
      g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "encoding: “%.16s” is not utf-8, gbk, gb18030 or gb2312", v);
      goto fail;
    }
    options.encoding = v;
  }

  importer = ce_importer_new (req->api->registry, &options, &error);
  if (importer == NULL)
    goto fail;
  in = g_memory_input_stream_new_from_bytes (bytes);
  if (!ce_importer_add_stream (importer, in, "body", format, NULL, &error)) {
    g_autofree char *m = g_strdup_printf ("Import refused: %s", error->message);

    ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE, m);
    return;
  }
  ok = ce_importer_finish (importer, &report, &error);
  if (report == NULL)
    goto fail;
  node = report_to_json (report, options.dry_run);
  g_message ("HTTP: %s imported %u records (%u inserted, %u updated, %u "
             "rejected)%s",
      req->principal->user, report->records, report->inserted, report->updated,
      report->rejected, report->applied ? "" : ", not applied");
  ce_api_respond_json (req->msg, ok ? SOUP_STATUS_OK : 422, node);
  return;

fail:
  respond_registry_error (req, error);
}
