/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The sweep schedule of cityeyed.
 */
#include "ce-daemon-probe.h"
#include "ce-sweep.h"

/* The sample's checks never preempt anyone, not even a warm preset: the
 * lowest priority, and a holder name of their own in the admission
 * listing. */
static const CeAcquireOptions sample_holder = {CE_PRIORITY_STANDBY,
    "deep-check"};

/* The deep checks after one sweep: at most [probe] deep_concurrency of
 * them queued at the checker at a time, so that an operator's check waits
 * behind a few only. */
typedef struct
{
  CeDaemonProbe *probe; /* NULL once the scheduler is gone */
  GPtrArray *ids;       /* the cameras to check, in order */
  guint next;           /* the next one to start */
  guint in_flight;
  gboolean pumping;               /* a check may complete inside run_async() */
  guint counts[CE_DEEP_LAST + 1]; /* 0: errors */
  gint64 started_us;
  guint sweep; /* the sweep it follows */
} Sample;

struct _CeDaemonProbe
{
  CeRegistry *registry;   /* own connection: short busy timeout */
  CeRelay *relay;         /* borrowed: owned by main */
  CeDeepChecker *checker; /* borrowed: owned by main */
  guint deep_sample;
  guint deep_concurrency;
  Sample *sample; /* nullable: the deep checks in flight */
  CeSweepConfig config;
  guint interval_s;
  GSource *timer;
  CeSweep *sweep; /* nullable: the sweep in flight */
  CeHealthWriter *writer;
  guint sweeps;
  gboolean write_failed; /* warned once per sweep */
  guint changes_at_start;
};

static void start_sweep (CeDaemonProbe *self);
static void sample_pump (Sample *sample);

static void
sample_free (Sample *sample)
{
  g_ptr_array_unref (sample->ids);
  g_free (sample);
}

static void
on_sample_checked (GObject *source, GAsyncResult *result, gpointer data)
{
  Sample *sample = data;
  CeDaemonProbe *self = sample->probe;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeDeepRecord) record = NULL;

  sample->in_flight--;
  if (self == NULL) {
    if (sample->in_flight == 0)
      sample_free (sample);
    return;
  }
  record = ce_deep_checker_run_finish (self->checker, result, &error);
  if (record == NULL) {
    sample->counts[0]++;
    g_debug ("Deep check sample: %s", error->message);
  } else {
    sample->counts[record->result]++;
  }
  sample_pump (sample);
}

static void
sample_pump (Sample *sample)
{
  CeDaemonProbe *self = sample->probe;

  if (sample->pumping)
    return;
  sample->pumping = TRUE;
  while (sample->in_flight < self->deep_concurrency &&
      sample->next < sample->ids->len) {
    sample->in_flight++;
    ce_deep_checker_run_async (self->checker,
        g_ptr_array_index (sample->ids, sample->next++), &sample_holder,
        on_sample_checked, sample);
  }
  sample->pumping = FALSE;
  if (sample->in_flight > 0 || sample->next < sample->ids->len)
    return;
  g_message ("Deep check sample %u: %u cameras in %.1f s: %u ok, %u black, "
             "%u frozen, %u undecodable, %u no_picture, %u not checked",
      sample->sweep, sample->ids->len,
      (g_get_monotonic_time () - sample->started_us) / 1e6,
      sample->counts[CE_DEEP_OK], sample->counts[CE_DEEP_BLACK],
      sample->counts[CE_DEEP_FROZEN], sample->counts[CE_DEEP_UNDECODABLE],
      sample->counts[CE_DEEP_NO_PICTURE], sample->counts[0]);
  self->sample = NULL;
  sample_free (sample);
}

/* After a sweep: the online cameras checked longest ago. */
static void
start_sample (CeDaemonProbe *self)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *ids;

  if (self->deep_sample == 0 || self->checker == NULL)
    return;
  if (self->sample != NULL) {
    g_warning ("Deep check sample still running after a whole sweep: "
               "skipping one (lower [probe] deep_sample or raise "
               "deep_concurrency)");
    return;
  }
  ids = ce_registry_deep_check_candidates (self->registry, self->deep_sample,
      &error);
  if (ids == NULL) {
    g_warning ("Deep check sample: cannot list the cameras: %s",
        error->message);
    return;
  }
  if (ids->len == 0) {
    g_ptr_array_unref (ids);
    return;
  }
  self->sample = g_new0 (Sample, 1);
  self->sample->probe = self;
  self->sample->ids = ids;
  self->sample->started_us = g_get_monotonic_time ();
  self->sample->sweep = self->sweeps;
  g_message ("Deep check sample %u: %u online cameras, %u at a time",
      self->sweeps, ids->len, self->deep_concurrency);
  sample_pump (self->sample);
}

static CeSweepLive
sweep_live (const char *camera_id, gpointer data)
{
  CeDaemonProbe *self = data;
  gboolean playing = FALSE;

  if (!ce_relay_has_camera (self->relay, camera_id, &playing))
    return CE_SWEEP_LIVE_NO;
  return playing ? CE_SWEEP_LIVE_PLAYING : CE_SWEEP_LIVE_BUSY;
}

static void
sweep_result (CeSweep *sweep, const CeCamera *camera,
    const CeProbeResult *result, gpointer data)
{
  CeDaemonProbe *self = data;
  g_autoptr (GError) error = NULL;

  g_debug ("Probe %s: %s (%s) %u ms: %s", camera->id,
      ce_probe_outcome_to_string (result->outcome),
      ce_probe_reason_to_string (result->reason), result->latency_ms,
      result->detail);
  if (!ce_health_writer_add (self->writer, camera->id, result,
          g_get_real_time () / G_USEC_PER_SEC, &error) &&
      !self->write_failed) {
    self->write_failed = TRUE;
    g_warning ("Cannot record probe results: %s", error->message);
  }
}

static void
sweep_done (CeSweep *sweep, const CeSweepSummary *s, gpointer data)
{
  CeDaemonProbe *self = data;
  g_autoptr (GError) error = NULL;

  if (!ce_health_writer_flush (self->writer, &error) && !self->write_failed)
    g_warning ("Cannot record probe results: %s", error->message);
  g_message ("Probe sweep %u: %u cameras in %.1f s: %u online (%u relayed), "
             "%u offline, %u auth_failed, %u no_video, %u skipped (relay "
             "connecting); %u status changes",
      self->sweeps, s->total, s->elapsed_ms / 1000.0, s->online, s->relayed,
      s->offline, s->auth_failed, s->no_video, s->skipped,
      ce_health_writer_get_changes (self->writer) - self->changes_at_start);
  g_clear_pointer (&self->sweep, ce_sweep_free);
  start_sample (self);
}

static gboolean on_timer (gpointer data);

static void
arm (CeDaemonProbe *self, guint seconds)
{
  self->timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_attach (self->timer, NULL);
}

static gboolean
on_timer (gpointer data)
{
  CeDaemonProbe *self = data;

  /* Sweeps start every interval, however long each takes. */
  g_clear_pointer (&self->timer, g_source_unref);
  arm (self, self->interval_s);
  if (self->sweep != NULL) {
    g_warning ("Probe sweep %u still running after %u s: skipping a sweep "
               "(raise [probe] concurrency or interval)",
        self->sweeps, self->interval_s);
    return G_SOURCE_REMOVE;
  }
  start_sweep (self);
  return G_SOURCE_REMOVE;
}

static void
start_sweep (CeDaemonProbe *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cameras = NULL;
  CeQuery q;
  CeSweepFuncs funcs = {
      .live = sweep_live,
      .result = sweep_result,
      .done = sweep_done,
  };

  ce_query_init (&q);
  cameras = ce_registry_query (self->registry, &q, &error);
  if (cameras == NULL) {
    g_warning ("Probe sweep: cannot list the cameras: %s", error->message);
    return;
  }
  self->sweeps++;
  self->write_failed = FALSE;
  self->changes_at_start = ce_health_writer_get_changes (self->writer);
  g_message ("Probe sweep %u: %u cameras, %u at a time", self->sweeps,
      cameras->len, self->config.concurrency);
  self->sweep = ce_sweep_start (cameras, &self->config, &funcs, self);
}

CeDaemonProbe *
ce_daemon_probe_new (const CeDaemonConfig *config, const char *database_path,
    CeRelay *relay, CeDeepChecker *checker, GError **error)
{
  CeDaemonProbe *self;
  CeRegistry *registry;

  if (config->probe_interval_s == 0)
    return NULL;
  registry =
      ce_registry_open (database_path, CE_REGISTRY_OPEN_NO_CREATE, error);
  if (registry == NULL)
    return NULL;
  /* The main loop must not wait long on a CLI import holding the write
   * lock: such a batch is dropped with a warning, the next sweep records
   * again. */
  ce_registry_set_busy_timeout (registry, 1000);

  self = g_new0 (CeDaemonProbe, 1);
  self->registry = registry;
  self->relay = relay;
  self->checker = checker;
  self->deep_sample = config->deep_sample;
  self->deep_concurrency = MAX (1, config->deep.concurrency);
  self->config = config->probe;
  self->config.limits.connect_timeout_ms = config->probe_timeout_ms;
  self->config.limits.request_timeout_ms = config->probe_timeout_ms;
  self->config.limits.total_timeout_ms = config->probe_timeout_ms * 5 / 2;
  self->interval_s = config->probe_interval_s;
  self->writer = ce_health_writer_new (registry);
  arm (self, config->probe_start_delay_s);
  g_message ("Probe sweeps every %u s (first in %u s), %u at a time, %g/s "
             "per source; then deep checks of %u online cameras, %u at a time",
      self->interval_s, config->probe_start_delay_s, self->config.concurrency,
      self->config.rate_per_source, self->deep_sample, self->deep_concurrency);
  return self;
}

void
ce_daemon_probe_free (CeDaemonProbe *self)
{
  if (self == NULL)
    return;
  g_source_destroy (self->timer);
  g_source_unref (self->timer);
  if (self->sweep != NULL) {
    ce_sweep_free (self->sweep);
    ce_health_writer_flush (self->writer, NULL);
  }
  /* Checks in flight complete later and free the sample with the last. */
  if (self->sample != NULL) {
    self->sample->probe = NULL;
    if (self->sample->in_flight == 0)
      sample_free (self->sample);
  }
  ce_health_writer_free (self->writer);
  g_object_unref (self->registry);
  g_free (self);
}
