/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A health sweep over many cameras: probes with bounded concurrency and a
 * rate limit per source (公安, 雪亮 … are separate networks), never
 * opening a second connection to a camera the relay is pulling; and the
 * writer that stores results in the registry in batches.  Runs on the
 * thread-default main context of the caller.
 */
#pragma once

#include "ce-probe.h"
#include "ce-registry-health.h"

G_BEGIN_DECLS

typedef struct
{
  guint concurrency;      /* probes in flight at most; default 64 */
  double rate_per_source; /* probes started per second per source; 0 = no
                             limit (default 0) */
  CeProbeLimits limits;
} CeSweepConfig;

void ce_sweep_config_init (CeSweepConfig *config);

/* What the relay is doing with a camera. */
typedef enum
{
  CE_SWEEP_LIVE_NO,      /* not relayed: probe it */
  CE_SWEEP_LIVE_PLAYING, /* receiving media now: counts as an online probe */
  CE_SWEEP_LIVE_BUSY,    /* connecting or retrying: left alone, no result */
} CeSweepLive;

typedef struct
{
  guint total;
  guint done; /* results so far, relayed and skipped included */
  guint online;
  guint offline;
  guint auth_failed;
  guint no_video;
  guint relayed; /* of online: from the relay, not probed */
  guint skipped; /* no result: the relay was connecting to them, or they
                   have no RTSP URL */
  guint in_flight;
  guint max_in_flight;
  gint64 elapsed_ms;
} CeSweepSummary;

typedef struct _CeSweep CeSweep;

typedef struct
{
  /* Asked just before a camera's probe would start (nullable). */
  CeSweepLive (*live) (const char *camera_id, gpointer user_data);
  /* One camera's result (valid during the call); not for skipped ones
   * (relay connecting, no RTSP URL). */
  void (*result) (CeSweep *sweep, const CeCamera *camera,
      const CeProbeResult *result, gpointer user_data);
  /* After each camera (nullable). */
  void (*progress) (CeSweep *sweep, const CeSweepSummary *summary,
      gpointer user_data);
  /* Once, when every camera is done; the sweep may be freed in it. */
  void (*done) (CeSweep *sweep, const CeSweepSummary *summary,
      gpointer user_data);
} CeSweepFuncs;

/**
 * ce_sweep_start:
 * @cameras: (element-type CeCamera): the cameras to probe, in order; the
 *   sweep keeps a reference to the array and must not see it change
 * Starts probing at once.  Every callback runs from the main context,
 * never from within this function.  Returns: (transfer full): the sweep,
 * freed with ce_sweep_free() (in @done or earlier, which cancels the
 * probes in flight; never from @result or @progress).
 */
CeSweep *ce_sweep_start (GPtrArray *cameras, const CeSweepConfig *config,
    const CeSweepFuncs *funcs, gpointer user_data);

void ce_sweep_free (CeSweep *sweep);

void ce_sweep_get_summary (CeSweep *sweep, CeSweepSummary *summary);

/* The registry's health for a probe outcome (same values). */
CeHealth ce_probe_outcome_to_health (CeProbeOutcome outcome);

typedef struct _CeHealthWriter CeHealthWriter;

/* @registry: borrowed; must outlive the writer. */
CeHealthWriter *ce_health_writer_new (CeRegistry *registry);

/**
 * ce_health_writer_add:
 * Queues one result (recorded at @at, unix seconds); every 512 results or
 * when the oldest has waited a second, writes the queue in one
 * transaction.  FALSE with @error when that write failed (the queue is
 * dropped).
 */
gboolean ce_health_writer_add (CeHealthWriter *writer, const char *camera_id,
    const CeProbeResult *result, gint64 at, GError **error);

/* Writes what is queued; *changes (nullable) counts health changes
 * written since the writer was made. */
gboolean ce_health_writer_flush (CeHealthWriter *writer, GError **error);
guint ce_health_writer_get_changes (CeHealthWriter *writer);

/* Frees without writing: flush first. */
void ce_health_writer_free (CeHealthWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeHealthWriter, ce_health_writer_free)

G_END_DECLS
