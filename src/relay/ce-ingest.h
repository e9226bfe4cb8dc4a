/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * One connection attempt to a camera: cityeye's own RTSP client and RTP
 * depayloader on the main context (or, as a fallback, an rtspsrc pipeline)
 * turning H.264/H.265 into access units pushed into a hub.  It
 * reports, on the main context, when it gets its first keyframe and when it
 * ends (camera error, end of stream, stall).  Reconnecting is the caller's
 * business: an ingest is used once.
 */
#pragma once

#include "ce-hub.h"

G_BEGIN_DECLS

typedef struct _CeIngest CeIngest;

typedef struct
{
  /* Filled by the ingest; monotonic microseconds, 0 = not reached. */
  gint64 started;        /* pipeline set to PLAYING */
  gint64 described;      /* SDP received (connect + OPTIONS + DESCRIBE) */
  gint64 first_packet;   /* first RTP payload (SETUP + PLAY done) */
  gint64 first_keyframe; /* first keyframe pushed into the hub */
} CeIngestTimes;

typedef enum
{
  CE_INGEST_FAILED_ERROR, /* the camera refused or the connection broke */
  CE_INGEST_FAILED_EOS,   /* the camera ended the stream */
  CE_INGEST_FAILED_STALL, /* no media for the stall timeout */
  CE_INGEST_FAILED_CODEC, /* no H.264/H.265 video track */
} CeIngestFailure;

typedef struct
{
  /* Main context.  First keyframe reached the hub. */
  void (*keyframe) (CeIngest *ingest, gpointer user_data);
  /* Main context.  The attempt is over; @message is safe to log (no
   * credentials).  Called at most once; not after ce_ingest_stop(). */
  void (*failed) (CeIngest *ingest, CeIngestFailure failure,
      const char *message, gpointer user_data);
  /* Optional; main context.  The camera's description carried the video's
   * parameter sets and the hub has them (ce_hub_dup_described()): the
   * stream can be described to viewers before its first keyframe. */
  void (*described) (CeIngest *ingest, gpointer user_data);
} CeIngestCallbacks;

typedef struct
{
  const char *url;          /* rtsp:// without userinfo */
  const char *username;     /* nullable */
  const char *password;     /* nullable */
  guint stall_timeout_ms;   /* no access unit for this long = stall */
  guint connect_timeout_ms; /* TCP/RTSP request timeout */
  /* TRUE: GStreamer's rtspsrc pipeline (four threads per camera, handles
   * more camera quirks); FALSE: cityeye's own RTSP client and
   * depayloader on the main context (no thread per camera). */
  gboolean use_rtspsrc;
  /* Pass the camera's G.711/AAC audio through (native ingest only; the
   * rtspsrc fallback is video only). */
  gboolean audio;
  /* Ask a camera whose stream starts mid-GOP for a keyframe (RTCP PLI and
   * FIR on the interleaved channel; native ingest only). */
  gboolean keyframe_request;
} CeIngestSource;

/* Starts connecting at once.  @hub receives the access units.  The
 * callbacks run on the thread-default main context of the caller.
 * (transfer full) */
CeIngest *ce_ingest_start (const char *name, const CeIngestSource *source,
    CeHub *hub, gboolean discont, const CeIngestCallbacks *callbacks,
    gpointer user_data);

/* Stops and frees: no callback runs after this returns.  The pipeline is
 * torn down on a worker thread, so this never blocks on the camera. */
void ce_ingest_stop (CeIngest *ingest);

void ce_ingest_get_times (CeIngest *ingest, CeIngestTimes *times);

/* Waits until every pipeline handed to the teardown workers is gone (for
 * tests and shutdown). */
void ce_ingest_flush_teardowns (void);

G_END_DECLS
