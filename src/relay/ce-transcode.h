/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * An on-demand H.265 → H.264 transcode of one camera stream, for browsers
 * that cannot decode HEVC.  A consumer of the camera's hub decodes each
 * access unit (avdec_h265), scales it down to at most max_width, encodes
 * it again (x264, zerolatency, no B-frames, a keyframe every gop_frames)
 * and pushes the result into a hub of its own, which viewers attach to
 * like any camera's (GOP cache and instant open included).
 *
 * It costs a decoder and an encoder per transcoded stream (tens of ms of
 * CPU per second of 720p): whoever creates transcodes caps their number.
 *
 * Threads: decoding and encoding run on the pipeline's own streaming
 * thread; the source hub's callback only queues (at most about two
 * seconds, then it skips to the next keyframe, counted in the stats).
 * ce_transcode_free() detaches from the source first.
 */
#pragma once

#include "ce-hub.h"

G_BEGIN_DECLS

typedef struct
{
  guint max_width;    /* default 1280; 0 keeps the camera's width */
  guint bitrate_kbps; /* default 2000 */
  guint gop_frames;   /* default 50 */
} CeTranscodeConfig;

typedef struct
{
  guint64 frames_in;      /* access units taken from the camera's hub */
  guint64 frames_out;     /* H.264 access units pushed into our hub */
  guint64 frames_skipped; /* dropped because the pipeline fell behind */
} CeTranscodeStats;

typedef struct _CeTranscode CeTranscode;

/* Starts transcoding @source (an H.265 hub; its cached GOP first).
 * @config nullable for the defaults.  FALSE with @error when an element
 * is missing (gstreamer1.0-libav, gstreamer1.0-plugins-ugly).
 * (transfer full) */
CeTranscode *ce_transcode_new (CeHub *source, const CeTranscodeConfig *config,
    GError **error);
void ce_transcode_free (CeTranscode *transcode);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeTranscode, ce_transcode_free)

/* The hub of the H.264 stream: (transfer none), lives as long as
 * @transcode (take a ref to keep it longer). */
CeHub *ce_transcode_get_hub (CeTranscode *transcode);

void ce_transcode_get_stats (CeTranscode *transcode, CeTranscodeStats *stats);

G_END_DECLS
