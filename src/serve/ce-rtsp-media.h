/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The RTSP side of one camera stream: a hub consumer that packetises every
 * access unit once (ce-rtp.h) and hands the frames to its subscribers (the
 * RTSP viewers), keeping the packetised GOP so that a new viewer starts at
 * once from the last keyframe.  Audio packets (frame->track ==
 * CE_TRACK_AUDIO) are handed on live, never cached.
 *
 * Subscriber callbacks run on the camera's streaming thread (or inside
 * ce_rtsp_media_subscribe()) with the media's lock held: queue and wake,
 * nothing more.
 */
#pragma once

#include "ce-hub.h"
#include "ce-rtp.h"

G_BEGIN_DECLS

typedef struct _CeRtspMedia CeRtspMedia;

typedef struct
{
  /* @frame: (transfer none) take a ref to keep it.  @cached: part of the
   * GOP replayed at subscribe time. */
  void (*frame) (gpointer subscriber, CeRtpFrame *frame, gboolean cached);
} CeRtspMediaFuncs;

/* Attaches to @hub at once.  (transfer full) */
CeRtspMedia *ce_rtsp_media_new (CeHub *hub, gsize cache_max_bytes);
CeRtspMedia *ce_rtsp_media_ref (CeRtspMedia *media);
/* The last unref detaches from the hub. */
void ce_rtsp_media_unref (CeRtspMedia *media);

/* Replays the cached GOP into @subscriber, then adds it; returns an id. */
guint ce_rtsp_media_subscribe (CeRtspMedia *media,
    const CeRtspMediaFuncs *funcs, gpointer subscriber);
void ce_rtsp_media_unsubscribe (CeRtspMedia *media, guint id);

guint ce_rtsp_media_get_subscribers (CeRtspMedia *media);

G_END_DECLS
