/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The hub of one camera stream: receives access units from the ingest, keeps
 * the GOP cache (everything since the last keyframe, bounded in bytes and
 * seconds) and fans every access unit out to its consumers.  A consumer
 * attached to a running hub first gets the cached GOP, then the live
 * stream, with no gap and no duplicate.
 *
 * Threads: ce_hub_push() runs on the ingest's streaming thread; attach and
 * detach run anywhere.  Consumer callbacks run with the hub's lock held, on
 * whichever thread pushes or attaches: they must only queue and wake, never
 * block or call back into the hub.
 */
#pragma once

#include <gst/gst.h>

#include "ce-nal.h"
#include "ce-sdp.h"

G_BEGIN_DECLS

typedef struct _CeHub CeHub;

typedef struct
{
  /* The parameter sets changed (always called before the first access
   * unit a consumer sees). */
  void (*params) (gpointer user_data, const CeVideoParams *params);
  /* One access unit, Annex B, PTS on the hub's continuous timeline (ns),
   * GST_BUFFER_FLAG_DELTA_UNIT unless it is a keyframe, DISCONT on the first
   * unit after the camera reconnected.  (transfer none): take a ref to
   * keep it.  @cached: replayed from the GOP cache at attach. */
  void (*access_unit) (gpointer user_data, GstBuffer *au, gboolean cached);
  /* Nullable.  One audio RTP payload as the camera sent it (see
   * ce_hub_dup_audio() for its format), PTS on the same timeline as the
   * video; CE_HUB_BUFFER_FLAG_MARKER when the camera set the RTP marker.
   * Audio is live only: it is not part of the GOP cache. */
  void (*audio) (gpointer user_data, GstBuffer *payload);
} CeHubConsumerFuncs;

/* The RTP marker bit of an audio payload. */
#define CE_HUB_BUFFER_FLAG_MARKER (GST_BUFFER_FLAG_LAST << 0)

typedef struct
{
  gsize cache_max_bytes;           /* default 16 MiB */
  GstClockTime cache_max_duration; /* default 12 s */
} CeHubLimits;

/* Statistics, read with ce_hub_get_stats(). */
typedef struct
{
  guint64 bytes_in;
  guint64 frames_in;
  guint64 keyframes_in;
  guint64 cache_hits;      /* consumers that got a non-empty cache */
  guint64 cache_overflows; /* GOPs too long or large to cache */
  guint64 audio_packets_in;
  guint cache_frames;
  gsize cache_bytes;
  GstClockTime gop_duration; /* last complete GOP */
  guint gop_frames;
  double bitrate_bps; /* over the last complete GOP */
  guint consumers;
  CeCodec codec;
  guint width, height;
} CeHubStats;

/* (transfer full) */
CeHub *ce_hub_new (const char *name, const CeHubLimits *limits);
CeHub *ce_hub_ref (CeHub *hub);
void ce_hub_unref (CeHub *hub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeHub, ce_hub_unref)

const char *ce_hub_get_name (CeHub *hub);

/**
 * ce_hub_push:
 * @au: (transfer full): an Annex B access unit with PTS in the source's
 *   own timeline
 * @discont: the first unit of a new ingest session: the hub rebases its
 *   timestamps to continue right after the last unit it has seen, and
 *   drops deltas until the next keyframe
 * Returns: TRUE when @au was a keyframe and was taken.
 */
gboolean ce_hub_push (CeHub *hub, CeCodec codec, GstBuffer *au,
    gboolean discont);

/* The camera's audio track (@audio NULL: none).  Set by the ingest when
 * a session starts playing; viewers that described the camera before keep
 * what they were told. */
void ce_hub_set_audio (CeHub *hub, const CeSdpAudio *audio);

/* Copies the audio description into @out; FALSE (and @out cleared) when
 * the camera has no audio track.  Free with ce_sdp_audio_clear(). */
gboolean ce_hub_dup_audio (CeHub *hub, CeSdpAudio *out);

/**
 * ce_hub_push_audio:
 * @payload: (transfer full): one RTP payload, PTS on the source timeline
 *   of the current ingest session (the same clock as the video it pushes)
 * Delivered to consumers with the video's timeline offset; dropped until
 * the session's first keyframe, and when it would go back in time.
 */
void ce_hub_push_audio (CeHub *hub, GstBuffer *payload);

/* Returns an id for ce_hub_detach().  The cached GOP is delivered from
 * inside this call. */
guint ce_hub_attach (CeHub *hub, const CeHubConsumerFuncs *funcs,
    gpointer user_data);
void ce_hub_detach (CeHub *hub, guint id);

/* A copy of the current parameter sets (codec UNKNOWN before the first
 * keyframe).  Free with ce_video_params_clear(). */
void ce_hub_dup_params (CeHub *hub, CeVideoParams *out);

/* TRUE once a keyframe with complete parameter sets has arrived. */
gboolean ce_hub_is_ready (CeHub *hub);

/* The parameter sets a camera announced in its SDP, complete (the ingest
 * checks): they describe the stream until the first keyframe brings the
 * parameter sets in band, which then win. */
void ce_hub_announce (CeHub *hub, const CeVideoParams *params);

/* What describes the stream to a new viewer: the parameter sets of the
 * keyframes once ready, else the announced ones.  FALSE (@out cleared)
 * when there is neither.  Free with ce_video_params_clear(). */
gboolean ce_hub_dup_described (CeHub *hub, CeVideoParams *out);

void ce_hub_get_stats (CeHub *hub, CeHubStats *stats);

/* The cached GOP, oldest first: (transfer full) (element-type GstBuffer). */
GPtrArray *ce_hub_dup_cache (CeHub *hub);

G_END_DECLS
