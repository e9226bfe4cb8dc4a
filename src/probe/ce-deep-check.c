/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The deep picture check: relay → cached keyframe → GRAY8 → verdict →
 * registry.
 */
#include "ce-deep-check.h"

#include "ce-keyframe.h"
#include "ce-picture.h"

#include <string.h>

struct _CeDeepChecker
{
  CeRelay *relay;       /* borrowed */
  CeRegistry *registry; /* borrowed */
  CeDeepCheckConfig config;
  GQueue waiting; /* Job, not started */
  GList *running; /* Job, acquired or decoding */
  guint64 counts[CE_DEEP_LAST + 1];
};

typedef struct
{
  grefcount ref;
  CeDeepChecker *owner; /* NULL once the checker is gone */
  GTask *task;          /* the caller's; NULL once completed */
  char *camera_id;
  char *holder_name;
  CeAcquireOptions holder;
  CeStream *stream; /* held while waiting for the keyframe */
  guint timeout_id;
  gboolean waited;   /* the wait ended, by the keyframe or the timeout */
  gboolean decoding; /* a worker thread has the keyframe */
  /* Read by the decoder thread, set before it starts: */
  GstBuffer *keyframe;
  CeCodec codec;
  guint src_width, src_height;
  gint64 keyframe_at_ms;
} Job;

static void pump (CeDeepChecker *self);

void
ce_deep_check_config_init (CeDeepCheckConfig *config)
{
  config->timeout_ms = 8000;
  config->concurrency = 2;
  config->queue_max = 64;
  config->frozen_after_ms = 10000;
}

static Job *
job_ref (Job *job)
{
  g_ref_count_inc (&job->ref);
  return job;
}

static void
job_unref (Job *job)
{
  if (!g_ref_count_dec (&job->ref))
    return;
  g_assert (job->stream == NULL);
  g_clear_object (&job->task);
  g_clear_pointer (&job->keyframe, gst_buffer_unref);
  g_free (job->camera_id);
  g_free (job->holder_name);
  g_free (job);
}

static void
job_release_stream (Job *job)
{
  g_clear_handle_id (&job->timeout_id, g_source_remove);
  if (job->stream != NULL && job->owner != NULL)
    ce_relay_release_full (job->owner->relay, g_steal_pointer (&job->stream),
        &job->holder);
  job->stream = NULL;
}

/* Ends @job: completes its task (if still pending) with @record or
 * @error, and starts the next waiting check. */
static void
job_complete (Job *job, CeDeepRecord *record, GError *error)
{
  CeDeepChecker *self = job->owner;
  GTask *task = g_steal_pointer (&job->task);

  job_release_stream (job);
  if (self != NULL) {
    self->running = g_list_remove (self->running, job);
    self->counts[record != NULL ? record->result : 0]++;
  }
  if (task != NULL) {
    if (record != NULL)
      g_task_return_pointer (task, record,
          (GDestroyNotify) ce_deep_record_free);
    else
      g_task_return_error (task, error);
    g_object_unref (task);
  } else {
    g_clear_pointer (&record, ce_deep_record_free);
    g_clear_error (&error);
  }
  if (self != NULL)
    pump (self);
  job_unref (job);
}

/* Judges and stores the outcome of @job: @figures (nullable) of its
 * picture, else @result (UNDECODABLE or NO_PICTURE) with @detail. */
static void
job_record (Job *job, const CePictureFigures *figures, CeDeepResult result,
    const char *detail)
{
  CeDeepChecker *self = job->owner;
  g_autoptr (CeDeepRecord) previous = NULL;
  g_autoptr (CeDeepRecord) record = g_new0 (CeDeepRecord, 1);
  GError *error = NULL;

  if (self == NULL) {
    job_complete (job, NULL,
        g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
            "The gateway is shutting down"));
    return;
  }
  previous = ce_registry_dup_deep_check (self->registry, job->camera_id, NULL);
  record->camera_id = g_strdup (job->camera_id);
  record->checked_at = g_get_real_time () / G_USEC_PER_SEC;
  record->distance = -1;
  if (figures != NULL) {
    CePictureVerdict v;

    ce_picture_judge (figures, job->keyframe_at_ms, previous,
        self->config.frozen_after_ms, &v);
    record->result = v.result;
    record->luma_mean = figures->mean;
    record->luma_spread = figures->spread;
    record->distance = v.distance;
    if (v.new_reference) {
      record->signature =
          g_bytes_new (figures->signature, sizeof (figures->signature));
      record->signature_at_ms = job->keyframe_at_ms;
    }
    if (v.result == CE_DEEP_FROZEN)
      detail = "the same picture as a keyframe at least the frozen interval "
               "earlier";
    else if (v.result == CE_DEEP_BLACK)
      detail = "dark and flat picture";
  } else {
    record->result = result;
  }
  /* Without a new reference, the previous one stays for the next check. */
  if (record->signature == NULL && previous != NULL &&
      previous->signature != NULL) {
    record->signature = g_bytes_ref (previous->signature);
    record->signature_at_ms = previous->signature_at_ms;
  }
  record->detail = g_strdup (detail != NULL ? detail : "");
  g_debug ("Deep check %s: %s (mean %.1f, spread %.1f, distance %d)%s%s",
      job->camera_id, ce_deep_result_to_string (record->result),
      record->luma_mean, record->luma_spread, record->distance,
      *record->detail != '\0' ? ": " : "", record->detail);
  if (!ce_registry_record_deep_check (self->registry, record, &error)) {
    g_prefix_error (&error, "Deep check of %s: ", job->camera_id);
    job_complete (job, NULL, error);
    return;
  }
  job_complete (job, g_steal_pointer (&record), NULL);
}

/* ---- decoding (worker thread) ----------------------------------------- */

static void
decode_thread (GTask *task, gpointer source, gpointer data, GCancellable *c)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) gray = NULL;
  g_autofree CePictureFigures *figures = g_new0 (CePictureFigures, 1);

  gray = ce_keyframe_decode (job->keyframe, job->codec, CE_KEYFRAME_GRAY8,
      CE_PICTURE_WIDTH, CE_PICTURE_HEIGHT, job->src_width, job->src_height,
      &error);
  if (gray == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!ce_picture_analyse (g_bytes_get_data (gray, NULL), CE_PICTURE_WIDTH,
          CE_PICTURE_HEIGHT, CE_PICTURE_WIDTH, figures)) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
        "The decoded picture cannot be analysed");
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&figures), g_free);
}

static void
on_decoded (GObject *source, GAsyncResult *result, gpointer data)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  g_autofree CePictureFigures *figures =
      g_task_propagate_pointer (G_TASK (result), &error);

  job->decoding = FALSE;
  if (figures == NULL)
    job_record (job, NULL, CE_DEEP_UNDECODABLE, error->message);
  else
    job_record (job, figures, CE_DEEP_OK, NULL);
  job_unref (job);
}

/* Takes the keyframe from the stream's cache, releases the camera and
 * starts the decoder. */
static void
job_decode (Job *job)
{
  g_autoptr (GTask) task = NULL;
  GstClockTime age;

  job->keyframe = ce_keyframe_from_hub (ce_stream_get_hub (job->stream),
      &job->codec, &job->src_width, &job->src_height, &age);
  job_release_stream (job);
  if (job->keyframe == NULL) {
    job_record (job, NULL, CE_DEEP_NO_PICTURE,
        "no cached keyframe (GOP too long or large for the cache)");
    return;
  }
  /* The newest unit arrived about now: the keyframe that much earlier. */
  job->keyframe_at_ms =
      g_get_real_time () / 1000 - (gint64) (age / GST_MSECOND);
  task = g_task_new (NULL, NULL, on_decoded, job_ref (job));
  g_task_set_task_data (task, job, NULL);
  job->decoding = TRUE;
  g_task_run_in_thread (task, decode_thread);
}

static void
on_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = ce_stream_wait_ready_finish (NULL, result, &error);

  if (!job->waited) {
    job->waited = TRUE;
    g_clear_handle_id (&job->timeout_id, g_source_remove);
    if (job->owner == NULL || job->stream == NULL)
      job_record (job, NULL, CE_DEEP_NO_PICTURE, "cancelled");
    else if (!ok)
      job_record (job, NULL, CE_DEEP_NO_PICTURE, error->message);
    else
      job_decode (job);
  }
  job_unref (job);
}

static gboolean
on_timeout (gpointer data)
{
  Job *job = data;
  g_autofree char *detail = NULL;

  job->timeout_id = 0;
  job->waited = TRUE;
  detail = g_strdup_printf ("no keyframe within %u ms",
      job->owner != NULL ? job->owner->config.timeout_ms : 0);
  /* The relay's wait completes later (ready or its own timeout): it only
   * drops its reference then. */
  job_record (job, NULL, CE_DEEP_NO_PICTURE, detail);
  return G_SOURCE_REMOVE;
}

static void
job_start (CeDeepChecker *self, Job *job)
{
  GError *error = NULL;

  self->running = g_list_prepend (self->running, job);
  job->stream = ce_relay_acquire_full (self->relay, job->camera_id,
      CE_PROFILE_MAIN, &job->holder, &error);
  if (job->stream == NULL) {
    job_complete (job, NULL, error);
    return;
  }
  if (ce_hub_is_ready (ce_stream_get_hub (job->stream))) {
    job->waited = TRUE;
    job_decode (job);
    return;
  }
  job->timeout_id = g_timeout_add (self->config.timeout_ms, on_timeout, job);
  ce_stream_wait_ready_async (job->stream, NULL, on_ready, job_ref (job));
}

static void
pump (CeDeepChecker *self)
{
  while (g_list_length (self->running) < self->config.concurrency &&
      !g_queue_is_empty (&self->waiting))
    job_start (self, g_queue_pop_head (&self->waiting));
}

CeDeepChecker *
ce_deep_checker_new (CeRelay *relay, CeRegistry *registry,
    const CeDeepCheckConfig *config)
{
  CeDeepChecker *self;

  g_return_val_if_fail (relay != NULL, NULL);
  g_return_val_if_fail (CE_IS_REGISTRY (registry), NULL);

  self = g_new0 (CeDeepChecker, 1);
  self->relay = relay;
  self->registry = registry;
  if (config != NULL)
    self->config = *config;
  else
    ce_deep_check_config_init (&self->config);
  self->config.concurrency = MAX (1, self->config.concurrency);
  self->config.timeout_ms = MAX (100, self->config.timeout_ms);
  g_queue_init (&self->waiting);
  return self;
}

void
ce_deep_checker_free (CeDeepChecker *self)
{
  Job *job;

  if (self == NULL)
    return;
  while ((job = g_queue_pop_head (&self->waiting)) != NULL) {
    job->owner = NULL;
    job_complete (job, NULL,
        g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
            "The gateway is shutting down"));
  }
  /* Decoders are bounded (3 s): let them finish and record, so that no
   * worker thread outlives the checker. */
  for (;;) {
    gboolean decoding = FALSE;

    for (GList *l = self->running; l != NULL; l = l->next)
      decoding |= ((Job *) l->data)->decoding;
    if (!decoding)
      break;
    g_main_context_iteration (NULL, TRUE);
  }
  /* Checks still waiting for a keyframe end now; the relay's wait drops
   * its reference when it completes. */
  while (self->running != NULL) {
    job = self->running->data;
    job->waited = TRUE;
    job_complete (job, NULL,
        g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
            "The gateway is shutting down"));
  }
  g_free (self);
}

void
ce_deep_checker_run_async (CeDeepChecker *self, const char *camera_id,
    const CeAcquireOptions *holder, GAsyncReadyCallback callback,
    gpointer user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (self != NULL);
  g_return_if_fail (camera_id != NULL);

  task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (task, ce_deep_checker_run_async);
  if (g_queue_get_length (&self->waiting) >= self->config.queue_max) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
        "%u deep checks are waiting already; try again later",
        g_queue_get_length (&self->waiting));
    g_object_unref (task);
    return;
  }
  job = g_new0 (Job, 1);
  g_ref_count_init (&job->ref);
  job->owner = self;
  job->task = task;
  job->camera_id = g_strdup (camera_id);
  job->holder_name = g_strdup (
      holder != NULL && holder->holder != NULL ? holder->holder : "check");
  job->holder.priority = holder != NULL ? holder->priority : CE_PRIORITY_VIEW;
  job->holder.holder = job->holder_name;
  g_queue_push_tail (&self->waiting, job);
  pump (self);
}

CeDeepRecord *
ce_deep_checker_run_finish (CeDeepChecker *self, GAsyncResult *result,
    GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ce_deep_checker_get_counts (CeDeepChecker *self,
    guint64 counts[CE_DEEP_LAST + 1])
{
  g_return_if_fail (self != NULL);

  memcpy (counts, self->counts, sizeof (self->counts));
}

guint
ce_deep_checker_get_pending (CeDeepChecker *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_queue_get_length (&self->waiting) + g_list_length (self->running);
}
