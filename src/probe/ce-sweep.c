/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The sweep scheduler: one queue per source, each with its own pace (a
 * probe may start when the source's next slot has come: no bursts), taken
 * round-robin while fewer than `concurrency` probes are in flight.
 */
#include "ce-sweep.h"

#include <string.h>

G_STATIC_ASSERT ((int) CE_PROBE_ONLINE == (int) CE_HEALTH_ONLINE);
G_STATIC_ASSERT ((int) CE_PROBE_OFFLINE == (int) CE_HEALTH_OFFLINE);
G_STATIC_ASSERT ((int) CE_PROBE_AUTH_FAILED == (int) CE_HEALTH_AUTH_FAILED);
G_STATIC_ASSERT ((int) CE_PROBE_NO_VIDEO == (int) CE_HEALTH_NO_VIDEO);

#define N_QUEUES (CE_SOURCE_LAST + 1)

typedef struct
{
  GQueue cameras; /* CeCamera *, borrowed from the array */
  gint64 next_at; /* monotonic µs: the earliest next start */
} SourceQueue;

typedef struct
{
  CeSweep *sweep;
  const CeCamera *camera;
  CeProbe *probe;
} Job;

struct _CeSweep
{
  CeSweepConfig config;
  CeSweepFuncs funcs;
  gpointer user_data;
  GMainContext *context;
  GPtrArray *cameras;
  SourceQueue queues[N_QUEUES];
  guint next_queue; /* round-robin position */
  GHashTable *jobs; /* Job * → itself */
  GSource *wake;    /* pump later: rate limit or the first start */
  gint64 started;
  gboolean finished;
  CeSweepSummary summary;
};

void
ce_sweep_config_init (CeSweepConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->concurrency = 64;
  config->rate_per_source = 0;
  ce_probe_limits_init (&config->limits);
}

CeHealth
ce_probe_outcome_to_health (CeProbeOutcome outcome)
{
  return (CeHealth) outcome;
}

static void pump (CeSweep *self);
static void check_finished (CeSweep *self);

static gboolean
on_wake (gpointer data)
{
  CeSweep *self = data;

  g_clear_pointer (&self->wake, g_source_unref);
  pump (self);
  check_finished (self);
  return G_SOURCE_REMOVE;
}

static void
wake_at (CeSweep *self, gint64 at)
{
  gint64 now = g_get_monotonic_time ();

  if (self->wake != NULL) {
    if (g_source_get_ready_time (self->wake) <= at)
      return;
    g_source_destroy (self->wake);
    g_clear_pointer (&self->wake, g_source_unref);
  }
  self->wake = g_timeout_source_new ((guint) MAX (0, (at - now + 999) / 1000));
  g_source_set_callback (self->wake, on_wake, self, NULL);
  g_source_attach (self->wake, self->context);
}

static void
count (CeSweep *self, const CeProbeResult *result)
{
  switch (result->outcome) {
    case CE_PROBE_ONLINE:
      self->summary.online++;
      if (result->reason == CE_PROBE_REASON_RELAYED)
        self->summary.relayed++;
      break;
    case CE_PROBE_OFFLINE:
      self->summary.offline++;
      break;
    case CE_PROBE_AUTH_FAILED:
      self->summary.auth_failed++;
      break;
    case CE_PROBE_NO_VIDEO:
      self->summary.no_video++;
      break;
  }
}

/* After each camera: progress, then either more work or the end. */
static void
after_one (CeSweep *self)
{
  self->summary.done++;
  self->summary.elapsed_ms = (g_get_monotonic_time () - self->started) / 1000;
  if (self->funcs.progress != NULL)
    self->funcs.progress (self, &self->summary, self->user_data);
}

static void
check_finished (CeSweep *self)
{
  if (self->finished || self->summary.done < self->summary.total)
    return;
  self->finished = TRUE;
  self->summary.elapsed_ms = (g_get_monotonic_time () - self->started) / 1000;
  /* Last: the callback may free the sweep. */
  if (self->funcs.done != NULL)
    self->funcs.done (self, &self->summary, self->user_data);
}

static void
on_probe_done (CeProbe *probe, const CeProbeResult *result, gpointer data)
{
  Job *job = data;
  CeSweep *self = job->sweep;

  g_hash_table_remove (self->jobs, job);
  self->summary.in_flight--;
  count (self, result);
  if (self->funcs.result != NULL)
    self->funcs.result (self, job->camera, result, self->user_data);
  g_free (job);
  after_one (self);
  pump (self);
  check_finished (self);
}

/* Cameras the relay is pulling are answered without a connection. */
static gboolean
answer_from_relay (CeSweep *self, const CeCamera *camera)
{
  CeSweepLive live;

  if (self->funcs.live == NULL)
    return FALSE;
  live = self->funcs.live (camera->id, self->user_data);
  if (live == CE_SWEEP_LIVE_PLAYING) {
    CeProbeResult r = {
        .outcome = CE_PROBE_ONLINE,
        .reason = CE_PROBE_REASON_RELAYED,
        .detail = "receiving media through the relay",
    };

    count (self, &r);
    if (self->funcs.result != NULL)
      self->funcs.result (self, camera, &r, self->user_data);
    after_one (self);
    return TRUE;
  }
  if (live == CE_SWEEP_LIVE_BUSY) {
    self->summary.skipped++;
    after_one (self);
    return TRUE;
  }
  return FALSE;
}

static void
pump (CeSweep *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 earliest = G_MAXINT64;
  gint64 interval = self->config.rate_per_source > 0
      ? (gint64) (G_USEC_PER_SEC / self->config.rate_per_source)
      : 0;

  while (self->summary.in_flight < self->config.concurrency) {
    SourceQueue *q = NULL;
    const CeCamera *camera;
    Job *job;

    earliest = G_MAXINT64;
    for (guint i = 0; i < N_QUEUES; i++) {
      SourceQueue *candidate = &self->queues[(self->next_queue + i) % N_QUEUES];

      if (g_queue_is_empty (&candidate->cameras))
        continue;
      if (candidate->next_at <= now) {
        q = candidate;
        self->next_queue = (self->next_queue + i + 1) % N_QUEUES;
        break;
      }
      earliest = MIN (earliest, candidate->next_at);
    }
    if (q == NULL)
      break;
    camera = g_queue_pop_head (&q->cameras);
    if (camera->rtsp_url == NULL || *camera->rtsp_url == '\0') {
      /* Nothing to probe (a camera known only by its GB/T 28181 id): no
       * result, rather than an "offline" that would weigh on the KPIs. */
      self->summary.skipped++;
      after_one (self);
      continue;
    }
    if (answer_from_relay (self, camera))
      continue;
    if (interval > 0)
      q->next_at = MAX (q->next_at, now) + interval;
    job = g_new0 (Job, 1);
    job->sweep = self;
    job->camera = camera;
    g_hash_table_add (self->jobs, job);
    self->summary.in_flight++;
    self->summary.max_in_flight =
        MAX (self->summary.max_in_flight, self->summary.in_flight);
    job->probe = ce_probe_start (camera->rtsp_url, camera->username,
        camera->password, &self->config.limits, on_probe_done, job);
  }
  if (earliest != G_MAXINT64 &&
      self->summary.in_flight < self->config.concurrency)
    wake_at (self, earliest);
}

static gboolean
on_first_pump (gpointer data)
{
  CeSweep *self = data;

  g_clear_pointer (&self->wake, g_source_unref);
  pump (self);
  check_finished (self);
  return G_SOURCE_REMOVE;
}

CeSweep *
ce_sweep_start (GPtrArray *cameras, const CeSweepConfig *config,
    const CeSweepFuncs *funcs, gpointer user_data)
{
  CeSweep *self;

  g_return_val_if_fail (cameras != NULL, NULL);

  self = g_new0 (CeSweep, 1);
  if (config != NULL)
    self->config = *config;
  else
    ce_sweep_config_init (&self->config);
  self->config.concurrency = MAX (self->config.concurrency, 1);
  if (funcs != NULL)
    self->funcs = *funcs;
  self->user_data = user_data;
  self->context = g_main_context_ref_thread_default ();
  self->cameras = g_ptr_array_ref (cameras);
  self->jobs = g_hash_table_new (NULL, NULL);
  self->started = g_get_monotonic_time ();
  self->summary.total = cameras->len;
  for (guint i = 0; i < N_QUEUES; i++)
    g_queue_init (&self->queues[i].cameras);
  for (guint i = 0; i < cameras->len; i++) {
    const CeCamera *camera = g_ptr_array_index (cameras, i);
    guint source = (guint) camera->source < N_QUEUES ? camera->source : 0;

    g_queue_push_tail (&self->queues[source].cameras, (gpointer) camera);
  }
  self->wake = g_idle_source_new ();
  g_source_set_priority (self->wake, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->wake, on_first_pump, self, NULL);
  g_source_attach (self->wake, self->context);
  return self;
}

void
ce_sweep_free (CeSweep *self)
{
  GHashTableIter iter;
  gpointer key;

  if (self == NULL)
    return;
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    Job *job = key;

    ce_probe_cancel (job->probe);
    g_free (job);
  }
  g_hash_table_unref (self->jobs);
  if (self->wake != NULL) {
    g_source_destroy (self->wake);
    g_source_unref (self->wake);
  }
  for (guint i = 0; i < N_QUEUES; i++)
    g_queue_clear (&self->queues[i].cameras);
  g_ptr_array_unref (self->cameras);
  g_main_context_unref (self->context);
  g_free (self);
}

void
ce_sweep_get_summary (CeSweep *self, CeSweepSummary *summary)
{
  *summary = self->summary;
  summary->elapsed_ms = (g_get_monotonic_time () - self->started) / 1000;
}

/* ---- writing results --------------------------------------------------- */

typedef struct
{
  char *camera_id;
  CeHealth health;
  CeProbeReason reason;
  guint latency_ms;
  CeCodec codec;
  guint width, height;
  char *detail;
  gint64 at;
} Pending;

struct _CeHealthWriter
{
  CeRegistry *registry; /* borrowed */
  GArray *pending;      /* Pending */
  gint64 oldest;        /* monotonic µs of the first pending result */
  guint changes;
};

static void
pending_clear (gpointer data)
{
  Pending *p = data;

  g_free (p->camera_id);
  g_free (p->detail);
}

CeHealthWriter *
ce_health_writer_new (CeRegistry *registry)
{
  CeHealthWriter *w = g_new0 (CeHealthWriter, 1);

  w->registry = registry;
  w->pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  g_array_set_clear_func (w->pending, pending_clear);
  return w;
}

gboolean
ce_health_writer_flush (CeHealthWriter *w, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (w->pending->len == 0)
    return TRUE;
  if (!ce_registry_begin (w->registry, error)) {
    g_array_set_size (w->pending, 0);
    return FALSE;
  }
  for (guint i = 0; i < w->pending->len; i++) {
    Pending *p = &g_array_index (w->pending, Pending, i);
    CeHealthReport report = {
        .health = p->health,
        .reason = ce_probe_reason_to_string (p->reason),
        .latency_ms = p->latency_ms,
        .codec =
            p->codec != CE_CODEC_UNKNOWN ? ce_codec_to_string (p->codec) : NULL,
        .width = p->width,
        .height = p->height,
        .detail = p->detail,
    };
    gboolean changed = FALSE;

    if (!ce_registry_record_health (w->registry, p->camera_id, &report, p->at,
            &changed, &local)) {
      /* A camera removed since the sweep began is no reason to lose the
       * others' results. */
      if (g_error_matches (local, CE_REGISTRY_ERROR,
              CE_REGISTRY_ERROR_NOT_FOUND)) {
        g_clear_error (&local);
        continue;
      }
      ce_registry_rollback (w->registry);
      g_array_set_size (w->pending, 0);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    if (changed)
      w->changes++;
  }
  g_array_set_size (w->pending, 0);
  return ce_registry_commit (w->registry, error);
}

gboolean
ce_health_writer_add (CeHealthWriter *w, const char *camera_id,
    const CeProbeResult *result, gint64 at, GError **error)
{
  Pending p = {
      .camera_id = g_strdup (camera_id),
      .health = ce_probe_outcome_to_health (result->outcome),
      .reason = result->reason,
      .latency_ms = result->latency_ms,
      .codec = result->codec,
      .width = result->width,
      .height = result->height,
      .detail = g_strdup (result->detail),
      .at = at,
  };
  gint64 now = g_get_monotonic_time ();

  if (w->pending->len == 0)
    w->oldest = now;
  g_array_append_val (w->pending, p);
  if (w->pending->len >= 512 || now - w->oldest >= G_USEC_PER_SEC)
    return ce_health_writer_flush (w, error);
  return TRUE;
}

guint
ce_health_writer_get_changes (CeHealthWriter *w)
{
  return w->changes;
}

void
ce_health_writer_free (CeHealthWriter *w)
{
  if (w == NULL)
    return;
  g_array_unref (w->pending);
  g_free (w);
}
