/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Camera health from the sweeps (src/probe, stored by the registry):
 *   GET /api/v1/cameras/{id}/health[?since=&until=]  the last probe, the
 *     last deep picture check and the status changes in the window
 *     (default: the last 7 days);
 *   GET /api/v1/stats/online?by=street|source|camera[&since=&until=]
 *     (admin) online rate (在线率) = online time / observed time.
 * The KPI covers every camera whatever its source or secrecy, hence admin
 * only: a per-camera or per-street rate would tell an operator about
 * cameras outside its role.
 */
#include "ce-api-private.h"
#include "ce-registry-health.h"
#include "ce-registry-deepcheck.h"

#include <math.h>
#include <string.h>

#define DEFAULT_WINDOW_S (7 * 24 * 3600)

/* The [since, until) window in unix seconds from the query. */
static gboolean
window (CeApiRequest *req, gint64 *since, gint64 *until, GError **error)
{
  gint64 now_us = g_get_real_time ();
  gint64 until_us = now_us + G_USEC_PER_SEC; /* the current second too */
  gint64 since_us = now_us - (gint64) DEFAULT_WINDOW_S * G_USEC_PER_SEC;

  if (!ce_api_param_time (req->params, "since", &since_us, error) ||
      !ce_api_param_time (req->params, "until", &until_us, error))
    return FALSE;
  if (until_us <= since_us) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "until must be after since");
    return FALSE;
  }
  *since = since_us / G_USEC_PER_SEC;
  *until = until_us / G_USEC_PER_SEC;
  return TRUE;
}

void
ce_api_health_show (CeApiRequest *req)
{
  static const char *const known[] = {"since", "until", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  g_autoptr (CeHealthRecord) h = NULL;
  g_autoptr (CeDeepRecord) deep = NULL;
  g_autoptr (GArray) history = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  gint64 since, until;

  if (!ce_api_params_check (req->params, known, &error) ||
      !window (req, &since, &until, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  /* 404 / 403 as for the camera itself. */
  camera = ce_api_request_camera (req, &error);
  if (camera == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  h = ce_registry_dup_health (req->api->registry, camera->id, &error);
  if (h == NULL &&
      !g_error_matches (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND))
    goto fail;
  g_clear_error (&error);
  deep = ce_registry_dup_deep_check (req->api->registry, camera->id, &error);
  if (deep == NULL &&
      !g_error_matches (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND))
    goto fail;
  g_clear_error (&error);
  history = ce_registry_dup_status_history (req->api->registry, camera->id,
      since, until, &error);
  if (history == NULL)
    goto fail;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, camera->id);
  json_builder_set_member_name (b, "health");
  json_builder_add_string_value (b,
      ce_health_to_string (h != NULL ? h->health : CE_HEALTH_UNKNOWN));
  ce_api_json_add_string (b, "reason", h != NULL ? h->reason : NULL);
  ce_api_json_add_time (b, "probed_at",
      h != NULL ? h->probed_at * G_USEC_PER_SEC : 0);
  ce_api_json_add_time (b, "changed_at",
      h != NULL ? h->changed_at * G_USEC_PER_SEC : 0);
  ce_api_json_add_time (b, "down_since",
      h != NULL ? h->down_since * G_USEC_PER_SEC : 0);
  json_builder_set_member_name (b, "latency_ms");
  json_builder_add_int_value (b, h != NULL ? h->latency_ms : 0);
  ce_api_json_add_string (b, "codec", h != NULL ? h->codec : NULL);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, h != NULL ? h->width : 0);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, h != NULL ? h->height : 0);
  ce_api_json_add_string (b, "detail", h != NULL ? h->detail : NULL);
  /* The last deep picture check (POST …/check, or the sample after a
   * sweep); null when the camera was never checked. */
  json_builder_set_member_name (b, "deep_check");
  if (deep != NULL)
    ce_api_check_add_json (b, deep);
  else
    json_builder_add_null_value (b);
  ce_api_json_add_time (b, "since", since * G_USEC_PER_SEC);
  ce_api_json_add_time (b, "until", until * G_USEC_PER_SEC);
  json_builder_set_member_name (b, "changes");
  json_builder_begin_array (b);
  for (guint i = 0; i < history->len; i++) {
    const CeStatusChange *c = &g_array_index (history, CeStatusChange, i);

    json_builder_begin_object (b);
    ce_api_json_add_time (b, "at", c->at * G_USEC_PER_SEC);
    json_builder_set_member_name (b, "from");
    json_builder_add_string_value (b, ce_health_to_string (c->from));
    json_builder_set_member_name (b, "to");
    json_builder_add_string_value (b, ce_health_to_string (c->to));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
  return;

fail:
  g_warning ("Camera health of %s: %s", camera->id, error->message);
  ce_api_respond_error (req->msg, CE_API_ERROR_INTERNAL,
      "Cannot read the camera's health");
}

void
ce_api_stats_online (CeApiRequest *req)
{
  static const char *const known[] = {"by", "since", "until", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *by = g_hash_table_lookup (req->params, "by");
  CeKpiGroup group;
  gint64 since, until;

  if (!ce_api_params_check (req->params, known, &error) ||
      !window (req, &since, &until, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (by == NULL || strcmp (by, "street") == 0) {
    group = CE_KPI_BY_STREET;
    by = "street";
  } else if (strcmp (by, "source") == 0) {
    group = CE_KPI_BY_SOURCE;
  } else if (strcmp (by, "camera") == 0) {
    group = CE_KPI_BY_CAMERA;
  } else {
    ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE,
        "by: street, source or camera");
    return;
  }
  rows =
      ce_registry_online_rate (req->api->registry, group, since, until, &error);
  if (rows == NULL) {
    g_warning ("Online rate: %s", error->message);
    ce_api_respond_error (req->msg, CE_API_ERROR_INTERNAL,
        "Cannot compute the online rate");
    return;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "by");
  json_builder_add_string_value (b, by);
  ce_api_json_add_time (b, "since", since * G_USEC_PER_SEC);
  ce_api_json_add_time (b, "until", until * G_USEC_PER_SEC);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++) {
    const CeOnlineRateRow *r = g_ptr_array_index (rows, i);
    double rate = ce_online_rate_row_get_rate (r);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "key");
    json_builder_add_string_value (b, r->key);
    if (r->name != NULL)
      ce_api_json_add_string (b, "name", r->name);
    json_builder_set_member_name (b, "cameras");
    json_builder_add_int_value (b, r->cameras);
    json_builder_set_member_name (b, "observed");
    json_builder_add_int_value (b, r->observed);
    json_builder_set_member_name (b, "online_now");
    json_builder_add_int_value (b, r->online_now);
    json_builder_set_member_name (b, "online_s");
    json_builder_add_int_value (b, r->online_s);
    json_builder_set_member_name (b, "observed_s");
    json_builder_add_int_value (b, r->observed_s);
    /* null when nothing was observed: no rate rather than a false 0. */
    json_builder_set_member_name (b, "online_rate");
    if (r->observed_s > 0 && isfinite (rate))
      json_builder_add_double_value (b, round (rate * 1e4) / 1e4);
    else
      json_builder_add_null_value (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}
