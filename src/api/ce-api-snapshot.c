/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GET /api/v1/cameras/{id}/snapshot.jpg[?width=]: the keyframe cached by
 * the camera's hub, decoded to JPEG.  A running camera answers from its
 * cache at once ("hot"); an idle one is acquired through the relay like
 * any viewer (one upstream per camera), then released, so that it lingers
 * for the next request ("cold").  JPEGs are kept about a second per camera
 * and width.  The decoder runs on a worker thread
 * (appsrc ! parse ! avdec ! videoconvert ! videoscale ! jpegenc ! appsink)
 * and sees only buffers (ce-keyframe, shared with the deep picture
 * check); the answer is given on the main context.
 */
#include "ce-api-private.h"
#include "ce-keyframe.h"

#include <string.h>
#define MAX_WIDTH 3840
#define MAX_CACHE_ENTRIES 256

/* A snapshot is an ad hoc view for admission. */
static const CeAcquireOptions snapshot_holder = {CE_PRIORITY_VIEW, "snapshot"};

typedef struct
{
  GBytes *jpeg;
  gint64 at_us;
} CacheEntry;

struct _CeApiSnapshots
{
  CeApi *api;        /* borrowed: owns us */
  GHashTable *cache; /* "id/width" → CacheEntry */
  GList *jobs;       /* Job, waiting for a camera or a decoder */
};

typedef struct
{
  CeApiSnapshots *owner; /* NULL once the API is gone */
  SoupServerMessage *msg;
  gulong disconnected_id;
  gboolean gone; /* the client went away, or was answered already */
  char *camera_id;
  char *user;
  char *client;
  char *key;
  guint width;
  gboolean hot;
  gint64 started_us;
  CeStream *stream; /* held while waiting for the first keyframe */
  guint timeout_id;
  /* For the decoder thread: */
  GstBuffer *keyframe;
  CeCodec codec;
  guint src_width, src_height;
} Job;

static void
cache_entry_free (CacheEntry *e)
{
  g_bytes_unref (e->jpeg);
  g_free (e);
}

CeApiSnapshots *
ce_api_snapshots_new (CeApi *api)
{
  CeApiSnapshots *s = g_new0 (CeApiSnapshots, 1);

  s->api = api;
  s->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) cache_entry_free);
  return s;
}

static void
job_release_stream (Job *job)
{
  g_clear_handle_id (&job->timeout_id, g_source_remove);
  if (job->stream != NULL && job->owner != NULL)
    ce_relay_release_full (job->owner->api->relay,
        g_steal_pointer (&job->stream), &snapshot_holder);
}

static void
job_free (Job *job)
{
  if (job->owner != NULL)
    job->owner->jobs = g_list_remove (job->owner->jobs, job);
  job_release_stream (job);
  g_clear_signal_handler (&job->disconnected_id, job->msg);
  g_clear_object (&job->msg);
  g_clear_pointer (&job->keyframe, gst_buffer_unref);
  g_free (job->camera_id);
  g_free (job->user);
  g_free (job->client);
  g_free (job->key);
  g_free (job);
}

/* Answers the (paused) request, unless its client has gone. */
static void
job_respond_error (Job *job, CeApiError code, const char *message)
{
  if (job->gone)
    return;
  ce_api_respond_error (job->msg, code, message);
  soup_server_message_unpause (job->msg);
}

static void
respond_jpeg (SoupServerMessage *msg, GBytes *jpeg)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "image/jpeg", SOUP_MEMORY_COPY,
      g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
}

/* ---- decoding (worker thread) ----------------------------------------- */

static GBytes *
decode (Job *job, GError **error)
{
  g_autoptr (GError) local = NULL;
  GBytes *jpeg = ce_keyframe_decode (job->keyframe, job->codec,
      CE_KEYFRAME_JPEG, job->width, 0, job->src_width, job->src_height, &local);

  if (jpeg == NULL)
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_INTERNAL, "Camera %s: %s",
        job->camera_id, local->message);
  return jpeg;
}

static void
decode_thread (GTask *task, gpointer source, gpointer data, GCancellable *c)
{
  g_autoptr (GError) error = NULL;
  GBytes *jpeg = decode (data, &error);

  if (jpeg == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, jpeg, (GDestroyNotify) g_bytes_unref);
}

static void
on_decoded (GObject *source, GAsyncResult *result, gpointer data)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) jpeg = g_task_propagate_pointer (G_TASK (result), &error);
  CeApiSnapshots *s = job->owner;

  if (jpeg == NULL) {
    g_warning ("Snapshot of %s: %s", job->camera_id, error->message);
    job_respond_error (job, CE_API_ERROR_INTERNAL, error->message);
    job_free (job);
    return;
  }
  if (s != NULL) {
    CacheEntry *e = g_new0 (CacheEntry, 1);
    CeAuditRecord rec = {0};
    g_autoptr (GError) audit_error = NULL;

    if (g_hash_table_size (s->cache) >= MAX_CACHE_ENTRIES)
      g_hash_table_remove_all (s->cache);
    e->jpeg = g_bytes_ref (jpeg);
    e->at_us = g_get_monotonic_time ();
    g_hash_table_replace (s->cache, g_strdup (job->key), e);
    ce_api_metrics_observe_snapshot (s->api->metrics,
        (g_get_monotonic_time () - job->started_us) / 1e6, job->hot);
    rec.user = job->user;
    rec.camera_id = job->camera_id;
    rec.protocol = "jpeg";
    rec.client = job->client;
    rec.action = "snapshot";
    rec.start_us = g_get_real_time ();
    rec.end_us = rec.start_us;
    rec.bytes = g_bytes_get_size (jpeg);
    if (ce_auth_audit_append (s->api->auth, &rec, &audit_error) < 0) {
      g_warning ("Snapshot of %s: audit: %s", job->camera_id,
          audit_error->message);
      job_respond_error (job, CE_API_ERROR_INTERNAL,
          "Could not write the audit row; no snapshot");
      job_free (job);
      return;
    }
  }
  if (!job->gone) {
    respond_jpeg (job->msg, jpeg);
    soup_server_message_unpause (job->msg);
  }
  job_free (job);
}

/* Takes the keyframe from the stream's cache and starts the decoder. */
static void
job_decode (Job *job)
{
  g_autoptr (GTask) task = NULL;

  job->keyframe = ce_keyframe_from_hub (ce_stream_get_hub (job->stream),
      &job->codec, &job->src_width, &job->src_height, NULL);
  job_release_stream (job);
  if (job->keyframe == NULL) {
    /* A GOP too long or large for the cache: nothing to decode now. */
    job_respond_error (job, CE_API_ERROR_UNAVAILABLE,
        "The camera has no cached keyframe right now (GOP too long for the "
        "cache); try again");
    job_free (job);
    return;
  }
  task = g_task_new (NULL, NULL, on_decoded, job);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, decode_thread);
}

static void
on_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = ce_stream_wait_ready_finish (job->stream, result, &error);

  g_clear_handle_id (&job->timeout_id, g_source_remove);
  if (job->stream == NULL) { /* answered by the timeout, or shutting down */
    job_free (job);
    return;
  }
  if (!ok) {
    g_autofree char *m = g_strdup_printf ("Camera %s did not send a picture "
                                          "in time: %s",
        job->camera_id, error->message);

    job_respond_error (job, CE_API_ERROR_TIMEOUT, m);
    job_free (job);
    return;
  }
  job_decode (job);
}

static gboolean
on_timeout (gpointer data)
{
  Job *job = data;

  g_autofree char *m = g_strdup_printf ("Camera %s did not send a picture "
                                        "within %u ms",
      job->camera_id, job->owner->api->config.snapshot_timeout_ms);

  /* The relay's wait completes later (ready or its own timeout); the job
   * is freed then. */
  job->timeout_id = 0;
  job_release_stream (job);
  job_respond_error (job, CE_API_ERROR_TIMEOUT, m);
  job->gone = TRUE;
  return G_SOURCE_REMOVE;
}

static void
on_disconnected (SoupServerMessage *msg, gpointer data)
{
  Job *job = data;

  job->gone = TRUE;
}

void
ce_api_snapshot_get (CeApiRequest *req)
{
  static const char *const known[] = {"width", NULL};
  CeApiSnapshots *s = req->api->snapshots;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  CeStream *stream;
  CacheEntry *e;
  Job *job;
  gint64 width = 0;
  g_autofree char *key = NULL;
  gint64 now = g_get_monotonic_time ();

  if (!ce_api_params_check (req->params, known, &error) ||
      !ce_api_param_int (req->params, "width", 16, MAX_WIDTH, &width, &error) ||
      (camera = ce_api_request_camera (req, &error)) == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  key = g_strdup_printf ("%s/%u", camera->id, (guint) width);
  e = g_hash_table_lookup (s->cache, key);
  if (e != NULL &&
      now - e->at_us < (gint64) req->api->config.snapshot_cache_ms * 1000) {
    CeAuditRecord rec = {req->principal->user, camera->id, "jpeg", req->client,
        "snapshot", g_get_real_time (), g_get_real_time (),
        g_bytes_get_size (e->jpeg), NULL, "cached"};

    if (ce_auth_audit_append (req->api->auth, &rec, &error) < 0) {
      ce_api_respond_gerror (req->msg, error);
      return;
    }
    ce_api_metrics_observe_snapshot (req->api->metrics,
        (g_get_monotonic_time () - now) / 1e6, TRUE);
    respond_jpeg (req->msg, e->jpeg);
    return;
  }

  stream = ce_relay_acquire_full (req->api->relay, camera->id, CE_PROFILE_MAIN,
      &snapshot_holder, &error);
  if (stream == NULL) {
    ce_api_respond_error (req->msg, ce_api_relay_error_code (error),
        error->message);
    return;
  }
  job = g_new0 (Job, 1);
  job->owner = s;
  job->msg = g_object_ref (req->msg);
  job->camera_id = g_strdup (camera->id);
  job->user = g_strdup (req->principal->user);
  job->client = g_strdup (req->client);
  job->key = g_steal_pointer (&key);
  job->width = (guint) width;
  job->started_us = now;
  job->stream = stream;
  job->hot = ce_hub_is_ready (ce_stream_get_hub (stream));
  job->disconnected_id = g_signal_connect (req->msg, "disconnected",
      G_CALLBACK (on_disconnected), job);
  s->jobs = g_list_prepend (s->jobs, job);
  soup_server_message_pause (req->msg);
  if (job->hot) {
    job_decode (job);
    return;
  }
  job->timeout_id =
      g_timeout_add (req->api->config.snapshot_timeout_ms, on_timeout, job);
  ce_stream_wait_ready_async (stream, NULL, on_ready, job);
}

void
ce_api_snapshots_free (CeApiSnapshots *s)
{
  /* Jobs outlive us only until their callbacks run: they then see no
   * owner and just free themselves. */
  for (GList *l = s->jobs; l != NULL; l = l->next) {
    Job *job = l->data;

    job_release_stream (job);
    job_respond_error (job, CE_API_ERROR_UNAVAILABLE,
        "The gateway is shutting down");
    job->gone = TRUE;
    job->owner = NULL;
  }
  g_list_free (s->jobs);
  g_hash_table_unref (s->cache);
  g_free (s);
}
