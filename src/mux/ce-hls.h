/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * An HLS segmenter for one camera stream: cuts CMAF (fMP4) segments at
 * keyframes once a segment has reached the target duration, keeps the
 * last few in memory and writes the media playlist (EXT-X-MAP for the
 * init segment, a new map after a discontinuity when the SPS changes).
 * Pure data: the HTTP endpoint serves what ce_hls_dup_playlist() and
 * ce_hls_dup_file() return.
 *
 * Threads: every function may be called from any thread; the segmenter has
 * its own lock (fed from the hub's streaming thread, read by the HTTP
 * side).
 */
#pragma once

#include "ce-fmp4.h"

G_BEGIN_DECLS

typedef struct _CeHls CeHls;

typedef struct
{
  /* A segment is closed at the first keyframe after this much media:
   * default 1000 ms, so a segment is one GOP when the GOP is 1–2 s (the
   * usual camera setting) and never cut inside a GOP. */
  guint target_duration_ms;
  /* Segments listed in the playlist, default 6.  Two more are kept in
   * memory for clients that fetched the previous playlist. */
  guint playlist_segments;
} CeHlsConfig;

/* (transfer full) */
CeHls *ce_hls_new (const CeHlsConfig *config);
void ce_hls_free (CeHls *hls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeHls, ce_hls_free)

/* Sets the parameter sets of the access units that follow; a change makes a
 * new init segment, and the next keyframe starts a new segment behind a
 * discontinuity.  On error (incomplete or unreadable sets), FALSE is
 * returned and access units are refused until a good set arrives. */
gboolean ce_hls_set_params (CeHls *hls, const CeVideoParams *params,
    GError **error);

/* Adds one Annex B access unit in decoding order; @dts in nanoseconds on
 * any continuous timeline.  Units before the first keyframe are dropped.
 * The data is copied. */
void ce_hls_push (CeHls *hls, const guint8 *data, gsize size, guint64 dts,
    guint64 duration, gboolean keyframe);

/* Closes the open segment (end of stream), the last unit lasting its own
 * duration. */
void ce_hls_flush (CeHls *hls);

/* The media playlist, or NULL before the first segment is complete.
 * (transfer full) */
char *ce_hls_dup_playlist (CeHls *hls);

/* "init-N.mp4" or "seg-N.m4s" as named in the playlist: (transfer full)
 * the bytes, or NULL when there is no such file (any other name, or one
 * that has left the window).  Names are compared, never parsed. */
GBytes *ce_hls_dup_file (CeHls *hls, const char *name);

/* Number of complete segments produced so far. */
guint64 ce_hls_get_segments_produced (CeHls *hls);

G_END_DECLS
