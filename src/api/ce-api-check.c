/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * POST /api/v1/cameras/{id}/check: the deep picture check now (operators
 * and admins, on a camera visible to them): black, frozen or ok, from one
 * keyframe taken through the relay like a snapshot (ce-deep-check).  The
 * result is stored and answered; a camera that gives no picture in time
 * is stored as no_picture and answered 504.  Also the JSON of a stored
 * check, which GET …/health includes, and the metrics of the checks.
 */
#include "ce-api-private.h"
#include "ce-deep-check.h"

#include <math.h>

/* An on-demand check is an ad hoc view for admission, as a snapshot. */
static const CeAcquireOptions check_holder = {CE_PRIORITY_VIEW, "check"};

typedef struct
{
  CeApi *api; /* NULL once the API is gone */
  SoupServerMessage *msg;
  gulong disconnected_id;
  gboolean gone; /* the client went away, or was answered already */
  char *camera_id;
} Job;

static void
job_free (Job *job)
{
  if (job->api != NULL)
    job->api->check_jobs = g_list_remove (job->api->check_jobs, job);
  g_clear_signal_handler (&job->disconnected_id, job->msg);
  g_clear_object (&job->msg);
  g_free (job->camera_id);
  g_free (job);
}

void
ce_api_check_add_json (JsonBuilder *b, const CeDeepRecord *r)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "result");
  json_builder_add_string_value (b, ce_deep_result_to_string (r->result));
  ce_api_json_add_time (b, "checked_at", r->checked_at * G_USEC_PER_SEC);
  json_builder_set_member_name (b, "luma_mean");
  json_builder_add_double_value (b, round (r->luma_mean * 10) / 10);
  json_builder_set_member_name (b, "luma_spread");
  json_builder_add_double_value (b, round (r->luma_spread * 10) / 10);
  /* The largest block difference to the reference picture; null when
   * there was none to compare with. */
  json_builder_set_member_name (b, "distance");
  if (r->distance >= 0)
    json_builder_add_int_value (b, r->distance);
  else
    json_builder_add_null_value (b);
  ce_api_json_add_time (b, "reference_at", r->signature_at_ms * 1000);
  ce_api_json_add_string (b, "detail", r->detail);
  json_builder_end_object (b);
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer data)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeDeepRecord) r = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;

  if (job->api == NULL || job->gone) {
    job_free (job);
    return;
  }
  r = ce_deep_checker_run_finish (job->api->checker, result, &error);
  if (r == NULL) {
    CeApiError code = CE_API_ERROR_INTERNAL;

    if (error->domain == CE_RELAY_ERROR)
      code = ce_api_relay_error_code (error);
    else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY) ||
        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      code = CE_API_ERROR_UNAVAILABLE;
    else
      g_warning ("%s", error->message);
    ce_api_respond_error (job->msg, code, error->message);
  } else if (r->result == CE_DEEP_NO_PICTURE) {
    g_autofree char *m = g_strdup_printf (
        "Camera %s gave no picture in time: %s", job->camera_id, r->detail);

    ce_api_respond_error (job->msg, CE_API_ERROR_TIMEOUT, m);
  } else {
    b = json_builder_new ();
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, job->camera_id);
    json_builder_set_member_name (b, "deep_check");
    ce_api_check_add_json (b, r);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    ce_api_respond_json (job->msg, SOUP_STATUS_OK, root);
  }
  soup_server_message_unpause (job->msg);
  job_free (job);
}

static void
on_disconnected (SoupServerMessage *msg, gpointer data)
{
  Job *job = data;

  job->gone = TRUE;
}

void
ce_api_check_run (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  CeRole role = req->principal->role;
  Job *job;

  if (role != CE_ROLE_ADMIN && role != CE_ROLE_OPERATOR) {
    g_autofree char *m = g_strdup_printf ("%s (%s) may not do this: "
                                          "operators and admins only",
        req->principal->user, ce_role_to_string (role));

    ce_api_respond_error (req->msg, CE_API_ERROR_FORBIDDEN, m);
    return;
  }
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (camera = ce_api_request_camera (req, &error)) == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  job = g_new0 (Job, 1);
  job->api = req->api;
  job->msg = g_object_ref (req->msg);
  job->camera_id = g_strdup (camera->id);
  job->disconnected_id = g_signal_connect (req->msg, "disconnected",
      G_CALLBACK (on_disconnected), job);
  req->api->check_jobs = g_list_prepend (req->api->check_jobs, job);
  soup_server_message_pause (req->msg);
  ce_deep_checker_run_async (req->api->checker, camera->id, &check_holder,
      on_checked, job);
}

void
ce_api_checks_fini (CeApi *api)
{
  /* Jobs outlive the API only until their checks complete: they then see
   * no API and just free themselves. */
  for (GList *l = api->check_jobs; l != NULL; l = l->next) {
    Job *job = l->data;

    if (!job->gone) {
      ce_api_respond_error (job->msg, CE_API_ERROR_UNAVAILABLE,
          "The gateway is shutting down");
      soup_server_message_unpause (job->msg);
    }
    job->gone = TRUE;
    job->api = NULL;
  }
  g_clear_pointer (&api->check_jobs, g_list_free);
}

void
ce_api_checks_append_metrics (CeApi *api, GString *out)
{
  guint64 counts[CE_DEEP_LAST + 1];

  ce_deep_checker_get_counts (api->checker, counts);
  g_string_append (out,
      "# HELP cityeye_deep_checks_total Deep picture checks (on demand and "
      "the sample after each sweep), by result; error = not done (camera "
      "unknown, admission refused, queue full).\n"
      "# TYPE cityeye_deep_checks_total counter\n");
  for (guint r = CE_DEEP_OK; r <= CE_DEEP_LAST; r++)
    g_string_append_printf (out,
        "cityeye_deep_checks_total{result=\"%s\"} %" G_GUINT64_FORMAT "\n",
        ce_deep_result_to_string ((CeDeepResult) r), counts[r]);
  g_string_append_printf (out,
      "cityeye_deep_checks_total{result=\"error\"} %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_deep_checks_pending Deep checks running or waiting.\n"
      "# TYPE cityeye_deep_checks_pending gauge\n"
      "cityeye_deep_checks_pending %u\n",
      counts[0], ce_deep_checker_get_pending (api->checker));
}
