/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The settings of one camera simulator run, filled from the command line by
 * main.c and read (never written) by every other part.
 */
#pragma once

#include "ce-camsim-common.h"

G_BEGIN_DECLS

typedef struct
{
  guint width;
  guint height;
  guint bitrate_kbps;
} CeCamsimStreamConfig;

typedef struct
{
  char *address;      /* listen address of both ports, "127.0.0.1" */
  guint rtsp_port;    /* 0 = ephemeral */
  guint control_port; /* 0 = ephemeral */
  guint backlog;      /* listen(2) backlog of the RTSP port */

  CeCamsimCodec codec; /* for names without a -h264/-h265 suffix */
  CeCamsimStreamConfig streams[CE_CAMSIM_N_PROFILES];
  guint fps;
  double gop_seconds;
  double loop_seconds;
  gboolean preload[CE_CAMSIM_N_CODECS]; /* encode at start-up */

  guint mtu;             /* RTP packet size of the payloaders */
  guint tick_ms;         /* 0: push each frame on time; N: in N ms batches */
  gboolean start_at_idr; /* FALSE: a new media joins the camera's clock */
  /* Honour RTCP keyframe requests (PLI, FIR) from clients: the next frame
   * is the loop's keyframe (gst engine only). */
  gboolean keyframe_on_request;
  gboolean burn_id;    /* live-encode each camera with its name */
  gboolean burn_clock; /* and the capture time as blocks (implies burn_id) */

  char *auth_user; /* "admin" */
  char *auth_password;
  guint slow_ms; /* default delay of the slow fault */

  guint media_threads;   /* shared GstRTSPMedia threads, 0 = one per media */
  gint client_threads;   /* RTSP client threads, -1 = one per client */
  guint session_timeout; /* seconds */
} CeCamsimConfig;

/* The size of the picture a camera switches to on the resize fault: three
 * quarters of the normal size, rounded down to even numbers. */
void ce_camsim_config_get_size (const CeCamsimConfig *config,
    CeCamsimProfile profile, guint variant, guint *width, guint *height);

G_END_DECLS
