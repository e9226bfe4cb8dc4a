/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A small RTSP client for cameras: OPTIONS, DESCRIBE (Basic or Digest
 * authentication), SETUP of the first H.264/H.265 video track and, when
 * asked, of the first G.711/AAC audio track over TCP (interleaved 0-1 and
 * 2-3), PLAY, keep-alives, TEARDOWN.  Non-blocking on the
 * thread-default main context: hundreds of cameras share one thread and no
 * thread is created per camera.
 */
#pragma once

#include <gio/gio.h>

#include "ce-sdp.h"

G_BEGIN_DECLS

typedef struct _CeRtspClient CeRtspClient;

typedef struct
{
  /* PLAY succeeded; @video describes the video track, @audio the audio
   * track or NULL when there is none, it was not asked for, or the camera
   * refused its SETUP (valid during the call). */
  void (*playing) (CeRtspClient *client, const CeSdpVideo *video,
      const CeSdpAudio *audio, gpointer user_data);
  /* One RTP packet of @track (CE_TRACK_VIDEO or CE_TRACK_AUDIO; valid
   * during the call). */
  void (*rtp) (CeRtspClient *client, guint track, const guint8 *packet,
      gsize size, gpointer user_data);
  /* The session is over.  @status is the camera's RTSP status when it
   * refused a request (401, 404, 454 …), 0 otherwise.  @message never
   * contains credentials.  Called at most once; not after
   * ce_rtsp_client_free(). */
  void (*failed) (CeRtspClient *client, guint status, const char *message,
      gpointer user_data);
  /* Optional.  The camera's DESCRIBE answer was read, before SETUP: @video
   * as in playing, @audio the audio track the client will set up (it may
   * still be refused).  Must not free the client. */
  void (*described) (CeRtspClient *client, const CeSdpVideo *video,
      const CeSdpAudio *audio, gpointer user_data);
} CeRtspClientFuncs;

typedef struct
{
  gint64 connected; /* monotonic µs, 0 = not reached */
  gint64 described;
  gint64 playing;
} CeRtspClientTimes;

/**
 * ce_rtsp_client_new:
 * @url: rtsp://host[:port]/path (no userinfo)
 * @timeout_ms: for the TCP connect and each request
 * @audio: also set up the camera's audio track, if it has one
 * Starts connecting at once.  (transfer full)
 */
CeRtspClient *ce_rtsp_client_new (const char *url, const char *username,
    const char *password, guint timeout_ms, gboolean audio,
    const CeRtspClientFuncs *funcs, gpointer user_data);

/* Sends TEARDOWN if playing (without waiting) and closes.  No callback runs
 * after this returns. */
void ce_rtsp_client_free (CeRtspClient *client);

void ce_rtsp_client_get_times (CeRtspClient *client, CeRtspClientTimes *times);

/* Queues one RTCP packet (compound) to the camera on @track's RTCP
 * channel (interleaved 1 or 3).  FALSE when not playing (or no such
 * track).  May be called from the rtp callback. */
gboolean ce_rtsp_client_send_rtcp (CeRtspClient *client, guint track,
    const guint8 *packet, gsize size);

G_END_DECLS
