/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Decodes one cached keyframe into a still picture: a JPEG for snapshots,
 * a small GRAY8 picture for the deep picture check.  One short pipeline
 * per call (appsrc ! parse ! avdec ! videoconvert ! videoscale ! … !
 * appsink), blocking: call it on a worker thread.
 */
#pragma once

#include <gst/gst.h>

#include "ce-hub.h"
#include "ce-nal.h"

G_BEGIN_DECLS

typedef enum
{
  CE_KEYFRAME_JPEG,  /* quality 85 */
  CE_KEYFRAME_GRAY8, /* rows of exactly @width bytes */
} CeKeyframeFormat;

/**
 * ce_keyframe_decode:
 * @keyframe: an Annex B access unit with its parameter sets, as the hub
 *   caches it
 * @width: the picture's width; for JPEG 0 keeps the camera's size, else
 *   the height follows the camera's aspect (@src_width × @src_height)
 * @height: for GRAY8, the exact height (@width must then be a multiple of
 *   4); ignored for JPEG
 * Returns: (transfer full): the picture, or NULL with @error (the decoder
 * refused the keyframe, or gave nothing within 3 s).
 */
GBytes *ce_keyframe_decode (GstBuffer *keyframe, CeCodec codec,
    CeKeyframeFormat format, guint width, guint height, guint src_width,
    guint src_height, GError **error);

/**
 * ce_keyframe_from_hub:
 * The keyframe at the head of @hub's cached GOP, for ce_keyframe_decode():
 * the camera's @codec and size (@src_width × @src_height), and @age, how
 * far the newest cached unit is past it on the stream's timeline (0 when
 * unknown; @age nullable): the keyframe arrived about that long ago.
 * Returns: (transfer full): the keyframe, or NULL when the cache holds
 * none (a GOP too long or large for it) or the codec is neither H.264 nor
 * H.265.
 */
GstBuffer *ce_keyframe_from_hub (CeHub *hub, CeCodec *codec, guint *src_width,
    guint *src_height, GstClockTime *age);

G_END_DECLS
