/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Pre-encoded video loops: a few GOPs encoded once into memory as access
 * units, which every simulated camera then replays.  Encoding once instead
 * of once per camera is what makes hundreds of cameras cheap.
 */
#pragma once

#include <gst/gst.h>

#include "ce-camsim-config.h"

G_BEGIN_DECLS

/* Immutable once built.  Access units are byte-stream, one per buffer, the
 * first one a keyframe carrying its parameter sets; keyframes repeat every
 * @gop frames, so wrapping from the last frame to the first is a normal
 * GOP boundary. */
typedef struct
{
  CeCamsimCodec codec;
  guint width;
  guint height;
  guint fps;
  guint gop;          /* frames from one keyframe to the next */
  GPtrArray *units;   /* GstBuffer, one access unit each */
  GstBuffer *headers; /* SPS/PPS (and VPS) of the first keyframe */
  GstCaps *caps;      /* byte-stream, au, framerate: for an appsrc */
  guint64 bytes;      /* total size of @units */
} CeCamsimLoop;

static inline gboolean
ce_camsim_loop_is_keyframe (const CeCamsimLoop *loop, guint index)
{
  GstBuffer *unit = g_ptr_array_index (loop->units, index);

  return !GST_BUFFER_FLAG_IS_SET (unit, GST_BUFFER_FLAG_DELTA_UNIT);
}

typedef struct _CeCamsimLoops CeCamsimLoops;

/* @config: (transfer none): must outlive the library. */
CeCamsimLoops *ce_camsim_loops_new (const CeCamsimConfig *config);
void ce_camsim_loops_free (CeCamsimLoops *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeCamsimLoops, ce_camsim_loops_free)

/* Returns: (transfer none): the loop for @codec, @profile and @variant
 * (a CeCamsimVariant), encoding it first if needed; concurrent
 * callers wait for the same encode.  On error, NULL is returned; the loop
 * is then tried again on the next call. */
CeCamsimLoop *ce_camsim_loops_ensure (CeCamsimLoops *self, CeCamsimCodec codec,
    CeCamsimProfile profile, guint variant, GError **error);

/* Returns: (transfer none) (nullable): the loop if it is already encoded;
 * never blocks, so it may be called from streaming threads. */
CeCamsimLoop *ce_camsim_loops_peek (CeCamsimLoops *self, CeCamsimCodec codec,
    CeCamsimProfile profile, guint variant);

/* The GStreamer element names used by the encoder and the payloaders. */
const char *ce_camsim_codec_encoder (CeCamsimCodec codec);
const char *ce_camsim_codec_parser (CeCamsimCodec codec);
const char *ce_camsim_codec_payloader (CeCamsimCodec codec);

/* The encoder element configured for a camera stream (tune zerolatency,
 * no B-frames, closed GOP of @gop frames, @bitrate_kbps). */
GstElement *ce_camsim_make_encoder (CeCamsimCodec codec, guint gop,
    guint bitrate_kbps, gboolean live, GError **error);

G_END_DECLS
