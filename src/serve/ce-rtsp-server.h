/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The gateway's RTSP server: rtsp://HOST:PORT/cameras/{id}[?profile=sub].
 * Each viewer gets its own RTP sequence and timestamps over frames
 * packetised once per camera, starts at the cached keyframe, and is served
 * from a bounded queue: a viewer that cannot keep up skips to the next
 * keyframe and is dropped if it stays behind.  TCP (interleaved) and UDP
 * unicast.  Runs on the main context.
 */
#pragma once

#include "ce-relay.h"

G_BEGIN_DECLS

typedef struct
{
  char *address;             /* default "127.0.0.1" */
  guint port;                /* default 8554; 0 = any free port */
  guint backlog;             /* listen backlog, default 1024 */
  guint max_connections;     /* default 4096 */
  guint session_timeout_s;   /* default 60 */
  gsize viewer_max_bytes;    /* queued bytes before skipping, default 4 MiB */
  guint viewer_max_delay_ms; /* queued media time before skipping, 3000 */
  guint viewer_drop_after_s; /* skipping this long drops the viewer, 10 */
  gsize cache_max_bytes;     /* packetised GOP cache per camera, 16 MiB */
} CeRtspServerConfig;

void ce_rtsp_server_config_init (CeRtspServerConfig *config);

typedef struct _CeRtspServer CeRtspServer;

/* Binds and listens at once; FALSE/NULL with @error when it cannot.
 * @relay: (transfer none): must outlive the server. */
CeRtspServer *ce_rtsp_server_new (CeRelay *relay,
    const CeRtspServerConfig *config, GError **error);
void ce_rtsp_server_free (CeRtspServer *server);

guint ce_rtsp_server_get_port (CeRtspServer *server);

typedef struct
{
  guint connections;
  guint viewers_tcp;
  guint viewers_udp;
  guint64 bytes_out;
  guint64 frames_skipped;
  guint64 viewers_dropped;
  guint64 requests;
} CeRtspServerStats;

void ce_rtsp_server_get_stats (CeRtspServer *server, CeRtspServerStats *stats);

/* ---- for the control API ---------------------------------------------- */

/* One RTSP connection that holds a camera stream. */
typedef struct
{
  char *camera_id;
  CeProfile profile;
  char *peer;       /* "IP:PORT" of the client; kicks name it */
  gboolean udp;     /* RTP over UDP rather than interleaved */
  gboolean playing; /* PLAY received */
  guint64 bytes;    /* RTP bytes sent */
} CeRtspViewerInfo;

void ce_rtsp_viewer_info_free (CeRtspViewerInfo *info);

/* (transfer full) (element-type CeRtspViewerInfo) */
GPtrArray *ce_rtsp_server_list_viewers (CeRtspServer *server);

/* Closes the connections that hold @camera_id (@profile, or any when
 * < 0; only @peer's when non-NULL); returns how many were closed. */
guint ce_rtsp_server_kick (CeRtspServer *server, const char *camera_id,
    int profile, const char *peer);

G_END_DECLS
