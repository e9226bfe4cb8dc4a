/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Streams by camera and profile: start on demand, reconnect with backoff
 * and jitter under a global connect cap, linger, and wait for readiness.
 */
#include "ce-relay.h"
#include "ce-ingest.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* After upstreams close, glibc keeps the freed GOP caches and queues in
 * its arenas; a trim this long after the last close gives them back to
 * the system (RSS per camera "given back when idle").  One trim for a
 * burst of closes. */
#define TRIM_DELAY_MS 2000

GST_DEBUG_CATEGORY_STATIC (ce_relay_debug);
#define GST_CAT_DEFAULT ce_relay_debug

G_DEFINE_QUARK (cityeye_relay_error, ce_relay_error)

struct _CeRelay
{
  CeRelayConfig config;
  CeRelayResolveFunc resolve;
  gpointer resolve_data;
  GDestroyNotify resolve_destroy;
  GMainContext *context;
  GHashTable *streams; /* key "id/profile" → CeStream (one ref) */
  GQueue slot_queue;   /* CeStream waiting for a connect slot */
  guint connecting;    /* ingests started and not yet at a keyframe */
  guint64 reconnects;
  guint64 starts;
  gboolean shutting_down;
  GSource *trim_timer;
  CeAdmission *admission;
  GHashTable *counts;    /* "budget\npriority" → CeAdmissionCount */
  GArray *preempt_funcs; /* PreemptFunc */
  guint next_preempt_id;
  GQueue preempted; /* CeStream refs whose holders are still to know */
  GSource *preempt_idle;
};

typedef struct
{
  guint id;
  CeRelayPreemptFunc func;
  gpointer data;
} PreemptFunc;

struct _CeStream
{
  gatomicrefcount ref;
  CeRelay *relay; /* borrowed; NULL once the relay is gone */
  char *key;
  char *camera_id;
  CeProfile profile;
  CeSourceInfo source;
  CeHub *hub;
  CeIngest *ingest;
  CeStreamState state;
  guint viewers;         /* holders->len */
  GArray *holders;       /* CeStreamHolder, one per acquisition */
  char *preempted;       /* why it was closed to make room; nullable */
  char *preempted_brief; /* the same without the other camera */
  gboolean in_table;
  gboolean holds_slot;
  gboolean queued_for_slot;
  gboolean ever_played;
  guint attempt; /* consecutive failures */
  guint reconnects;
  char *last_error;
  GSource *retry_timer;
  GSource *linger_timer;
  GList *waiters; /* GTask */
  gint64 since_us;
  /* first-frame breakdown of the current start */
  gint64 t_acquire, t_resolved, t_first_out;
  CeIngestTimes times;
  gboolean want_first_out;
};

static void stream_start_ingest (CeStream *stream);
static void stream_schedule_retry (CeStream *stream);

const char *
ce_profile_to_string (CeProfile profile)
{
  return profile == CE_PROFILE_SUB ? "sub" : "main";
}

const char *
ce_stream_state_to_string (CeStreamState state)
{
  switch (state) {
    case CE_STREAM_PLAYING:
      return "playing";
    case CE_STREAM_RETRYING:
      return "retrying";
    case CE_STREAM_CONNECTING:
    default:
      return "connecting";
  }
}

void
ce_source_info_clear (CeSourceInfo *info)
{
  g_clear_pointer (&info->name, g_free);
  g_clear_pointer (&info->url, g_free);
  g_clear_pointer (&info->username, g_free);
  g_clear_pointer (&info->source, g_free);
  if (info->password != NULL)
    memset (info->password, 0, strlen (info->password));
  g_clear_pointer (&info->password, g_free);
}

void
ce_relay_config_init (CeRelayConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->linger_ms = 10000;
  config->start_timeout_ms = 10000;
  config->stall_timeout_ms = 5000;
  config->audio = TRUE;
  config->keyframe_request = TRUE;
  config->connect_timeout_ms = 5000;
  config->backoff_initial_ms = 500;
  config->backoff_max_ms = 10000;
  config->max_concurrent_connects = 32;
}

static CeStream *
stream_ref (CeStream *stream)
{
  g_atomic_ref_count_inc (&stream->ref);
  return stream;
}

static void
stream_unref (CeStream *stream)
{
  if (stream == NULL || !g_atomic_ref_count_dec (&stream->ref))
    return;
  g_assert (stream->ingest == NULL);
  g_assert (stream->retry_timer == NULL && stream->linger_timer == NULL);
  ce_hub_unref (stream->hub);
  ce_source_info_clear (&stream->source);
  g_array_unref (stream->holders);
  g_free (stream->preempted);
  g_free (stream->preempted_brief);
  g_free (stream->last_error);
  g_free (stream->key);
  g_free (stream->camera_id);
  g_free (stream);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

static GSource *
add_timeout (CeRelay *relay, guint ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, relay->context);
  return source;
}

/* ---- connect slots ---------------------------------------------------- */

static void
release_slot (CeStream *stream)
{
  CeRelay *relay = stream->relay;

  if (!stream->holds_slot || relay == NULL)
    return;
  stream->holds_slot = FALSE;
  relay->connecting--;
  /* Hand the slot to the longest waiter. */
  while (relay->connecting < relay->config.max_concurrent_connects &&
      !g_queue_is_empty (&relay->slot_queue)) {
    CeStream *next = g_queue_pop_head (&relay->slot_queue);

    next->queued_for_slot = FALSE;
    if (next->in_table && next->ingest == NULL && next->retry_timer == NULL)
      stream_start_ingest (next);
    stream_unref (next);
  }
}

/* ---- waiters ---------------------------------------------------------- */

static void
complete_waiters (CeStream *stream, const GError *error)
{
  GList *waiters = g_steal_pointer (&stream->waiters);

  for (GList *l = waiters; l != NULL; l = l->next) {
    GTask *task = l->data;

    if (error != NULL)
      g_task_return_error (task, g_error_copy (error));
    else
      g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  }
  g_list_free (waiters);
}

/* ---- ingest events ---------------------------------------------------- */

static void
on_keyframe (CeIngest *ingest, gpointer user_data)
{
  CeStream *stream = user_data;

  ce_ingest_get_times (ingest, &stream->times);
  stream->state = CE_STREAM_PLAYING;
  stream->ever_played = TRUE;
  stream->attempt = 0;
  g_clear_pointer (&stream->last_error, g_free);
  release_slot (stream);
  GST_INFO ("%s: playing (connect %.0f ms, first keyframe after %.0f ms)",
      stream->key,
      stream->times.described
          ? (stream->times.described - stream->times.started) / 1000.0
          : -1.0,
      (stream->times.first_keyframe - stream->times.started) / 1000.0);
  complete_waiters (stream, NULL);
}

static void complete_described_waiters (CeStream *stream);

static void
on_described (CeIngest *ingest, gpointer user_data)
{
  CeStream *stream = user_data;

  GST_INFO ("%s: described by the camera (connect %.0f ms)", stream->key,
      (g_get_monotonic_time () - stream->t_acquire) / 1000.0);
  complete_described_waiters (stream);
}

static void
on_failed (CeIngest *ingest, CeIngestFailure failure, const char *message,
    gpointer user_data)
{
  CeStream *stream = user_data;

  g_free (stream->last_error);
  stream->last_error = g_strdup (message);
  g_message ("Camera %s (%s): %s; reconnecting", stream->camera_id,
      ce_profile_to_string (stream->profile), message);
  ce_ingest_stop (g_steal_pointer (&stream->ingest));
  release_slot (stream);
  stream->state = CE_STREAM_RETRYING;
  stream_schedule_retry (stream);
}

static void
stream_start_ingest (CeStream *stream)
{
  CeRelay *relay = stream->relay;
  CeIngestSource source = {0};
  CeIngestCallbacks callbacks = {on_keyframe, on_failed, on_described};

  if (relay->connecting >= relay->config.max_concurrent_connects) {
    if (!stream->queued_for_slot) {
      stream->queued_for_slot = TRUE;
      g_queue_push_tail (&relay->slot_queue, stream_ref (stream));
      GST_DEBUG ("%s: waiting for a connect slot (%u connecting)", stream->key,
          relay->connecting);
    }
    return;
  }
  relay->connecting++;
  stream->holds_slot = TRUE;
  source.url = stream->source.url;
  source.username = stream->source.username;
  source.password = stream->source.password;
  source.stall_timeout_ms = relay->config.stall_timeout_ms;
  source.connect_timeout_ms = relay->config.connect_timeout_ms;
  source.use_rtspsrc = relay->config.use_rtspsrc;
  source.audio = relay->config.audio;
  source.keyframe_request = relay->config.keyframe_request;
  if (stream->state != CE_STREAM_PLAYING)
    stream->state =
        stream->ever_played ? CE_STREAM_RETRYING : CE_STREAM_CONNECTING;
  stream->ingest = ce_ingest_start (stream->key, &source, stream->hub,
      stream->ever_played, &callbacks, stream);
  if (stream->ingest == NULL) {
    release_slot (stream);
    g_free (stream->last_error);
    stream->last_error = g_strdup ("cannot build the ingest pipeline");
    stream_schedule_retry (stream);
  }
}

static gboolean
on_retry (gpointer user_data)
{
  CeStream *stream = user_data;

  clear_source (&stream->retry_timer);
  if (stream->relay != NULL && stream->in_table) {
    stream->reconnects++;
    stream->relay->reconnects++;
    stream_start_ingest (stream);
  }
  return G_SOURCE_REMOVE;
}

/* 0.5 s doubling to 10 s, ±25 % jitter so that cameras behind one failed
 * switch do not all come back in the same instant. */
static void
stream_schedule_retry (CeStream *stream)
{
  CeRelayConfig *c = &stream->relay->config;
  guint64 delay = c->backoff_initial_ms;
  double jitter = g_random_double_range (0.75, 1.25);

  for (guint i = 0; i < stream->attempt && delay < c->backoff_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, c->backoff_max_ms);
  delay = (guint64) (delay * jitter);
  stream->attempt++;
  GST_DEBUG ("%s: retry %u in %" G_GUINT64_FORMAT " ms", stream->key,
      stream->attempt, delay);
  clear_source (&stream->retry_timer);
  stream->retry_timer =
      add_timeout (stream->relay, (guint) delay, on_retry, stream);
}

/* ---- lifecycle -------------------------------------------------------- */

static void
stream_stop (CeStream *stream)
{
  clear_source (&stream->retry_timer);
  clear_source (&stream->linger_timer);
  if (stream->ingest != NULL)
    ce_ingest_stop (g_steal_pointer (&stream->ingest));
  release_slot (stream);
  if (stream->queued_for_slot && stream->relay != NULL) {
    if (g_queue_remove (&stream->relay->slot_queue, stream))
      stream_unref (stream);
    stream->queued_for_slot = FALSE;
  }
}

static gboolean
on_trim (gpointer user_data)
{
  CeRelay *relay = user_data;

  g_clear_pointer (&relay->trim_timer, g_source_unref);
#ifdef __GLIBC__
  malloc_trim (0);
  GST_DEBUG ("memory trimmed after upstreams closed");
#endif
  return G_SOURCE_REMOVE;
}

static void
schedule_trim (CeRelay *relay)
{
  if (relay->trim_timer != NULL) {
    g_source_set_ready_time (relay->trim_timer,
        g_get_monotonic_time () + TRIM_DELAY_MS * 1000);
    return;
  }
  relay->trim_timer = add_timeout (relay, TRIM_DELAY_MS, on_trim, relay);
}

/* Stops the upstream and takes the stream out of the table (which drops
 * the table's reference): its waiters fail with @code and @message. */
static void
stream_close (CeStream *stream, CeRelayError code, const char *message)
{
  CeRelay *relay = stream->relay;
  GError *error;

  stream_stop (stream);
  stream->in_table = FALSE;
  error = g_error_new_literal (CE_RELAY_ERROR, code, message);
  complete_waiters (stream, error);
  g_error_free (error);
  g_hash_table_remove (relay->streams, stream->key);
  schedule_trim (relay);
}

static gboolean
on_linger_done (gpointer user_data)
{
  CeStream *stream = user_data;
  CeRelay *relay = stream->relay;

  clear_source (&stream->linger_timer);
  GST_INFO ("%s: no viewers for %u ms, closing the upstream", stream->key,
      relay->config.linger_ms);
  stream_close (stream, CE_RELAY_ERROR_UNAVAILABLE, "Stream closed");
  return G_SOURCE_REMOVE;
}

/* ---- admission -------------------------------------------------------- */

static void
holder_clear (CeStreamHolder *h)
{
  g_clear_pointer (&h->holder, g_free);
}

static GArray *
holders_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (CeStreamHolder));

  g_array_set_clear_func (a, (GDestroyNotify) holder_clear);
  return a;
}

static CePriority
stream_priority (CeStream *stream)
{
  CePriority best = CE_PRIORITY_STANDBY;

  for (guint i = 0; i < stream->holders->len; i++)
    best =
        MAX (best, g_array_index (stream->holders, CeStreamHolder, i).priority);
  return best;
}

static void
stream_add_holder (CeStream *stream, const CeAcquireOptions *options)
{
  CeStreamHolder h = {0};

  h.priority = options != NULL ? options->priority : CE_PRIORITY_VIEW;
  h.holder = g_strdup (options != NULL ? options->holder : NULL);
  g_array_append_val (stream->holders, h);
  stream->viewers = stream->holders->len;
}

/* The acquisition made with @options: the same priority and holder, else
 * the same priority, else any. */
static void
stream_remove_holder (CeStream *stream, const CeAcquireOptions *options)
{
  CePriority priority = options != NULL ? options->priority : CE_PRIORITY_VIEW;
  const char *holder = options != NULL ? options->holder : NULL;
  int same_priority = -1, found = -1;

  for (guint i = 0; i < stream->holders->len && found < 0; i++) {
    CeStreamHolder *h = &g_array_index (stream->holders, CeStreamHolder, i);

    if (h->priority != priority)
      continue;
    if (g_strcmp0 (h->holder, holder) == 0)
      found = (int) i;
    else if (same_priority < 0)
      same_priority = (int) i;
  }
  if (found < 0)
    found = same_priority >= 0 ? same_priority : 0;
  if ((guint) found < stream->holders->len)
    g_array_remove_index (stream->holders, (guint) found);
  stream->viewers = stream->holders->len;
}

static CeAdmissionCount *
count_for (CeRelay *relay, const char *budget, CePriority priority)
{
  g_autofree char *key = g_strdup_printf ("%s\n%d", budget, (int) priority);
  CeAdmissionCount *c = g_hash_table_lookup (relay->counts, key);

  if (c == NULL) {
    c = g_new0 (CeAdmissionCount, 1);
    c->budget = g_strdup (budget);
    c->priority = priority;
    g_hash_table_insert (relay->counts, g_steal_pointer (&key), c);
  }
  return c;
}

void
ce_admission_count_free (CeAdmissionCount *count)
{
  if (count == NULL)
    return;
  g_free (count->budget);
  g_free (count);
}

static gboolean
on_preempt_idle (gpointer user_data)
{
  CeRelay *relay = user_data;
  CeStream *stream;

  g_clear_pointer (&relay->preempt_idle, g_source_unref);
  while ((stream = g_queue_pop_head (&relay->preempted)) != NULL) {
    /* A function may remove itself or others: walk a copy. */
    g_autoptr (GArray) funcs = g_array_copy (relay->preempt_funcs);

    for (guint i = 0; i < funcs->len; i++) {
      PreemptFunc *f = &g_array_index (funcs, PreemptFunc, i);

      f->func (stream, stream->preempted, f->data);
    }
    stream_unref (stream);
  }
  return G_SOURCE_REMOVE;
}

/* Closes what must go for a new pull of @camera_id at @priority; FALSE
 * (nothing closed) when it cannot be admitted. */
static gboolean
admit (CeRelay *relay, const char *camera_id, const char *source,
    CePriority priority, GError **error)
{
  guint n = g_hash_table_size (relay->streams), i = 0;
  g_autofree CeAdmissionPull *pulls = g_new0 (CeAdmissionPull, n + 1);
  g_autofree CeStream **streams = g_new0 (CeStream *, n + 1);
  g_autoptr (GArray) victims = ce_admission_victims_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *budget = NULL;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, relay->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    CeStream *s = value;

    streams[i] = s;
    pulls[i].camera_id = s->camera_id;
    pulls[i].source = s->source.source;
    pulls[i].priority = stream_priority (s);
    pulls[i].since_us = s->since_us;
    pulls[i].lingering = s->holders->len == 0;
    i++;
  }
  if (!ce_admission_decide (relay->admission, pulls, n, camera_id, source,
          priority, victims, &budget, &local)) {
    count_for (relay, budget, priority)->refused++;
    g_message ("Camera %s: %s pull refused: %s", camera_id,
        ce_priority_to_string (priority), local->message);
    g_set_error_literal (error, CE_RELAY_ERROR, CE_RELAY_ERROR_REFUSED,
        local->message);
    return FALSE;
  }
  for (i = 0; i < victims->len; i++) {
    CeAdmissionVictim *v = &g_array_index (victims, CeAdmissionVictim, i);
    CeStream *s = streams[v->index];

    if (pulls[v->index].lingering) {
      g_message ("Camera %s (%s): lingering upstream closed to make room "
                 "for camera %s (budget %s)",
          s->camera_id, ce_profile_to_string (s->profile), camera_id,
          v->budget);
      clear_source (&s->linger_timer);
      stream_close (s, CE_RELAY_ERROR_UNAVAILABLE, "Stream closed");
      continue;
    }
    count_for (relay, v->budget, pulls[v->index].priority)->preempted++;
    s->preempted = g_strdup_printf ("Preempted by a higher-priority pull "
                                    "(%s) of camera %s in budget %s",
        ce_priority_to_string (priority), camera_id, v->budget);
    s->preempted_brief = g_strdup_printf (
        "Preempted by a higher-priority pull (%s) in budget %s",
        ce_priority_to_string (priority), v->budget);
    g_message ("Camera %s (%s): %s pull with %u holder(s) preempted by the %s "
               "pull of camera %s (budget %s)",
        s->camera_id, ce_profile_to_string (s->profile),
        ce_priority_to_string (pulls[v->index].priority), s->holders->len,
        ce_priority_to_string (priority), camera_id, v->budget);
    g_queue_push_tail (&relay->preempted, stream_ref (s));
    stream_close (s, CE_RELAY_ERROR_PREEMPTED, s->preempted);
  }
  if (!g_queue_is_empty (&relay->preempted) && relay->preempt_idle == NULL) {
    relay->preempt_idle = g_idle_source_new ();
    /* Not starved by a main context busy with media. */
    g_source_set_priority (relay->preempt_idle, G_PRIORITY_DEFAULT);
    g_source_set_callback (relay->preempt_idle, on_preempt_idle, relay, NULL);
    g_source_attach (relay->preempt_idle, relay->context);
  }
  return TRUE;
}

guint
ce_relay_add_preempt_func (CeRelay *relay, CeRelayPreemptFunc func,
    gpointer user_data)
{
  PreemptFunc f = {++relay->next_preempt_id, func, user_data};

  g_array_append_val (relay->preempt_funcs, f);
  return f.id;
}

void
ce_relay_remove_preempt_func (CeRelay *relay, guint id)
{
  for (guint i = 0; i < relay->preempt_funcs->len; i++) {
    if (g_array_index (relay->preempt_funcs, PreemptFunc, i).id == id) {
      g_array_remove_index (relay->preempt_funcs, i);
      return;
    }
  }
}

const char *
ce_stream_get_preempted (CeStream *stream)
{
  return stream->preempted;
}

const char *
ce_stream_get_preempted_brief (CeStream *stream)
{
  return stream->preempted_brief;
}

const CeAdmission *
ce_relay_get_admission (CeRelay *relay)
{
  return relay->admission;
}

GPtrArray *
ce_relay_list_admission_counts (CeRelay *relay)
{
  GPtrArray *out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_admission_count_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, relay->counts);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    CeAdmissionCount *c = value, *copy = g_new0 (CeAdmissionCount, 1);

    *copy = *c;
    copy->budget = g_strdup (c->budget);
    g_ptr_array_add (out, copy);
  }
  return out;
}

CeRelay *
ce_relay_new (const CeRelayConfig *config, CeRelayResolveFunc resolve,
    gpointer user_data, GDestroyNotify destroy)
{
  CeRelay *relay = g_new0 (CeRelay, 1);
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (ce_relay_debug, "cityeye-relay", 0,
        "cityeye session manager");
    g_once_init_leave (&once, 1);
  }
  ce_relay_config_init (&relay->config);
  if (config != NULL)
    relay->config = *config;
  if (relay->config.max_concurrent_connects == 0)
    relay->config.max_concurrent_connects = 1;
  relay->resolve = resolve;
  relay->resolve_data = user_data;
  relay->resolve_destroy = destroy;
  relay->context = g_main_context_ref_thread_default ();
  relay->streams = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) stream_unref);
  g_queue_init (&relay->slot_queue);
  relay->admission = ce_admission_new (relay->config.max_pulls,
      relay->config.max_pulls_per_camera);
  if (relay->config.source_max_pulls != NULL) {
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init (&it, relay->config.source_max_pulls);
    while (g_hash_table_iter_next (&it, &k, &v))
      ce_admission_set_source_limit (relay->admission, k, GPOINTER_TO_UINT (v));
  }
  /* The budgets live in relay->admission; the table stays the caller's. */
  relay->config.source_max_pulls = NULL;
  relay->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) ce_admission_count_free);
  relay->preempt_funcs = g_array_new (FALSE, FALSE, sizeof (PreemptFunc));
  g_queue_init (&relay->preempted);
  return relay;
}

void
ce_relay_free (CeRelay *relay)
{
  GHashTableIter iter;
  gpointer value;
  GError *error;

  if (relay == NULL)
    return;
  relay->shutting_down = TRUE;
  error = g_error_new (CE_RELAY_ERROR, CE_RELAY_ERROR_SHUTDOWN,
      "The gateway is shutting down");
  g_hash_table_iter_init (&iter, relay->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    CeStream *stream = value;

    stream_stop (stream);
    complete_waiters (stream, error);
    stream->in_table = FALSE;
    stream->relay = NULL;
  }
  g_error_free (error);
  while (!g_queue_is_empty (&relay->slot_queue))
    stream_unref (g_queue_pop_head (&relay->slot_queue));
  while (!g_queue_is_empty (&relay->preempted))
    stream_unref (g_queue_pop_head (&relay->preempted));
  if (relay->preempt_idle != NULL) {
    g_source_destroy (relay->preempt_idle);
    g_clear_pointer (&relay->preempt_idle, g_source_unref);
  }
  g_hash_table_unref (relay->streams);
  g_hash_table_unref (relay->counts);
  g_array_unref (relay->preempt_funcs);
  ce_admission_free (relay->admission);
  if (relay->trim_timer != NULL) {
    g_source_destroy (relay->trim_timer);
    g_clear_pointer (&relay->trim_timer, g_source_unref);
  }
  if (relay->resolve_destroy != NULL)
    relay->resolve_destroy (relay->resolve_data);
  g_main_context_unref (relay->context);
  g_free (relay);
}

CeStream *
ce_relay_acquire (CeRelay *relay, const char *camera_id, CeProfile profile,
    GError **error)
{
  return ce_relay_acquire_full (relay, camera_id, profile, NULL, error);
}

CeStream *
ce_relay_acquire_full (CeRelay *relay, const char *camera_id, CeProfile profile,
    const CeAcquireOptions *options, GError **error)
{
  g_autofree char *key = NULL;
  CeSourceInfo info = {0};
  CeStream *stream;
  gint64 t0 = g_get_monotonic_time ();

  g_return_val_if_fail (relay != NULL && camera_id != NULL, NULL);

  if (relay->shutting_down) {
    g_set_error_literal (error, CE_RELAY_ERROR, CE_RELAY_ERROR_SHUTDOWN,
        "The gateway is shutting down");
    return NULL;
  }
  /* Resolve first: the profile may fall back (sub → main) and the key is
   * what the camera really serves. */
  if (!relay->resolve (camera_id, profile, &info, relay->resolve_data, error))
    return NULL;
  key =
      g_strdup_printf ("%s/%s", camera_id, ce_profile_to_string (info.profile));
  stream = g_hash_table_lookup (relay->streams, key);
  if (stream != NULL) {
    ce_source_info_clear (&info);
    clear_source (&stream->linger_timer);
    stream_add_holder (stream, options);
    return stream_ref (stream);
  }
  if (!admit (relay, camera_id, info.source,
          options != NULL ? options->priority : CE_PRIORITY_VIEW, error)) {
    ce_source_info_clear (&info);
    return NULL;
  }

  stream = g_new0 (CeStream, 1);
  g_atomic_ref_count_init (&stream->ref);
  stream->relay = relay;
  stream->key = g_steal_pointer (&key);
  stream->camera_id = g_strdup (camera_id);
  stream->profile = info.profile;
  stream->source = info;
  stream->hub = ce_hub_new (stream->key, &relay->config.hub);
  stream->holders = holders_new ();
  stream_add_holder (stream, options);
  stream->in_table = TRUE;
  stream->since_us = t0;
  stream->t_acquire = t0;
  stream->t_resolved = g_get_monotonic_time ();
  stream->want_first_out = TRUE;
  stream->state = CE_STREAM_CONNECTING;
  g_hash_table_insert (relay->streams, stream->key, stream);
  relay->starts++;
  GST_INFO ("%s: first viewer, connecting", stream->key);
  stream_start_ingest (stream);
  return stream_ref (stream);
}

void
ce_relay_release (CeRelay *relay, CeStream *stream)
{
  ce_relay_release_full (relay, stream, NULL);
}

void
ce_relay_release_full (CeRelay *relay, CeStream *stream,
    const CeAcquireOptions *options)
{
  g_return_if_fail (stream != NULL);

  if (relay != NULL && stream->relay == relay && stream->in_table) {
    g_return_if_fail (stream->viewers > 0);
    stream_remove_holder (stream, options);
    if (stream->viewers == 0) {
      GST_DEBUG ("%s: last viewer left, lingering %u ms", stream->key,
          relay->config.linger_ms);
      clear_source (&stream->linger_timer);
      stream->linger_timer =
          add_timeout (relay, relay->config.linger_ms, on_linger_done, stream);
    }
  }
  stream_unref (stream);
}

CeHub *
ce_stream_get_hub (CeStream *stream)
{
  return stream->hub;
}

const char *
ce_stream_get_camera_id (CeStream *stream)
{
  return stream->camera_id;
}

const char *
ce_stream_get_name (CeStream *stream)
{
  return stream->source.name != NULL ? stream->source.name : stream->camera_id;
}

CeProfile
ce_stream_get_profile (CeStream *stream)
{
  return stream->profile;
}

typedef struct
{
  CeStream *stream;
  GSource *timeout;
  gulong cancel_id;
  gboolean described_enough; /* the camera's SDP will do */
} WaitData;

static void
wait_data_free (gpointer data)
{
  WaitData *wd = data;

  clear_source (&wd->timeout);
  stream_unref (wd->stream);
  g_free (wd);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  GTask *task = user_data;
  WaitData *wd = g_task_get_task_data (task);
  CeStream *stream = wd->stream;
  GList *link = g_list_find (stream->waiters, task);

  clear_source (&wd->timeout);
  if (link == NULL)
    return G_SOURCE_REMOVE;
  stream->waiters = g_list_delete_link (stream->waiters, link);
  g_task_return_new_error (task, CE_RELAY_ERROR, CE_RELAY_ERROR_TIMEOUT,
      "Camera %s sent no picture within %u ms%s%s", stream->camera_id,
      stream->relay != NULL ? stream->relay->config.start_timeout_ms : 0,
      stream->last_error != NULL ? ": " : "",
      stream->last_error != NULL ? stream->last_error : "");
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* The waiters content with a description of the stream (see
 * ce_stream_wait_described_async()) go once the camera's SDP gave one. */
static void
complete_described_waiters (CeStream *stream)
{
  GList *l = stream->waiters, *done = NULL;

  /* Taken out of the list first: a completion may add waiters. */
  while (l != NULL) {
    GList *next = l->next;
    WaitData *wd = g_task_get_task_data (l->data);

    if (wd->described_enough) {
      clear_source (&wd->timeout);
      done = g_list_prepend (done, l->data);
      stream->waiters = g_list_delete_link (stream->waiters, l);
    }
    l = next;
  }
  done = g_list_reverse (done);
  for (l = done; l != NULL; l = l->next) {
    g_task_return_boolean (l->data, TRUE);
    g_object_unref (l->data);
  }
  g_list_free (done);
}

static void
stream_wait_async (CeStream *stream, gboolean described_enough,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  CeVideoParams params;
  gboolean described = FALSE;
  WaitData *wd;

  g_task_set_source_tag (task, stream_wait_async);
  if (described_enough) {
    described = ce_hub_dup_described (stream->hub, &params);
    ce_video_params_clear (&params);
  }
  if (described || ce_hub_is_ready (stream->hub)) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  if (stream->relay == NULL || !stream->in_table) {
    g_task_return_new_error (task, CE_RELAY_ERROR, CE_RELAY_ERROR_UNAVAILABLE,
        "Stream closed");
    g_object_unref (task);
    return;
  }
  wd = g_new0 (WaitData, 1);
  wd->stream = stream_ref (stream);
  wd->described_enough = described_enough;
  g_task_set_task_data (task, wd, wait_data_free);
  wd->timeout = add_timeout (stream->relay,
      stream->relay->config.start_timeout_ms, on_wait_timeout, task);
  stream->waiters = g_list_append (stream->waiters, task);
}

void
ce_stream_wait_ready_async (CeStream *stream, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  stream_wait_async (stream, FALSE, cancellable, callback, user_data);
}

void
ce_stream_wait_described_async (CeStream *stream, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  stream_wait_async (stream, TRUE, cancellable, callback, user_data);
}

gboolean
ce_stream_wait_ready_finish (CeStream *stream, GAsyncResult *result,
    GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ce_stream_note_first_out (CeStream *stream)
{
  if (!stream->want_first_out)
    return;
  stream->want_first_out = FALSE;
  stream->t_first_out = g_get_monotonic_time ();
  if (stream->ingest != NULL)
    ce_ingest_get_times (stream->ingest, &stream->times);
  GST_INFO ("%s: first packet out %.1f ms after the first request", stream->key,
      (stream->t_first_out - stream->t_acquire) / 1000.0);
}

static double
span (gint64 from, gint64 to)
{
  if (from == 0 || to == 0)
    return -1;
  return (to - from) / 1000.0;
}

void
ce_stream_snapshot_free (CeStreamSnapshot *s)
{
  if (s == NULL)
    return;
  g_free (s->camera_id);
  g_free (s->name);
  g_free (s->last_error);
  g_free (s->source);
  if (s->holders != NULL)
    g_array_unref (s->holders);
  g_free (s);
}

GPtrArray *
ce_relay_list_streams (CeRelay *relay)
{
  GPtrArray *list =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_stream_snapshot_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, relay->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    CeStream *stream = value;
    CeStreamSnapshot *s = g_new0 (CeStreamSnapshot, 1);
    CeIngestTimes *t = &stream->times;

    s->camera_id = g_strdup (stream->camera_id);
    s->name = g_strdup (ce_stream_get_name (stream));
    s->profile = stream->profile;
    s->state = stream->state;
    s->viewers = stream->viewers;
    s->since_us = stream->since_us;
    s->reconnects = stream->reconnects;
    s->last_error = g_strdup (stream->last_error);
    s->first_frame.lookup_ms = span (stream->t_acquire, stream->t_resolved);
    s->first_frame.connect_ms = span (t->started, t->described);
    s->first_frame.setup_ms = span (t->described, t->first_packet);
    s->first_frame.keyframe_ms = span (t->first_packet, t->first_keyframe);
    s->first_frame.out_ms = span (t->first_keyframe, stream->t_first_out);
    s->first_frame.total_ms = span (stream->t_acquire, stream->t_first_out);
    ce_hub_get_stats (stream->hub, &s->hub);
    s->source = g_strdup (stream->source.source);
    s->priority = stream_priority (stream);
    s->holders = holders_new ();
    for (guint i = 0; i < stream->holders->len; i++) {
      CeStreamHolder h = g_array_index (stream->holders, CeStreamHolder, i);

      h.holder = g_strdup (h.holder);
      g_array_append_val (s->holders, h);
    }
    g_ptr_array_add (list, s);
  }
  return list;
}

void
ce_relay_get_stats (CeRelay *relay, CeRelayStats *stats)
{
  memset (stats, 0, sizeof (*stats));
  stats->streams = g_hash_table_size (relay->streams);
  stats->connecting = relay->connecting;
  stats->waiting_for_slot = g_queue_get_length (&relay->slot_queue);
  stats->reconnects = relay->reconnects;
  stats->starts = relay->starts;
}

gboolean
ce_relay_has_camera (CeRelay *relay, const char *camera_id, gboolean *playing)
{
  gboolean found = FALSE, play = FALSE;

  for (int p = CE_PROFILE_MAIN; p <= CE_PROFILE_SUB; p++) {
    g_autofree char *key = g_strdup_printf ("%s/%s", camera_id,
        ce_profile_to_string ((CeProfile) p));
    CeStream *stream = g_hash_table_lookup (relay->streams, key);

    if (stream != NULL) {
      found = TRUE;
      play = play || stream->state == CE_STREAM_PLAYING;
    }
  }
  if (playing != NULL)
    *playing = play;
  return found;
}
