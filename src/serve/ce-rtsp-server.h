/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The gateway's RTSP server: rtsp://HOST:PORT/cameras/{id}[?profile=sub].
 * Each viewer gets its own RTP sequence and timestamps over frames
 * packetised once per camera, starts at the cached keyframe, and is served
 * from a bounded queue: a viewer that cannot keep up skips to the next
 * keyframe and is dropped if it stays behind.  TCP (interleaved) and UDP
 * unicast.  Runs on the main context.
 *
 * Other paths can be served as "virtual" streams: a provider registered
 * for the path's first segment (ce_rtsp_server_add_virtual) opens them
 * and hands over a hub; the server does not know what they are.
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
 * @relay: (transfer none) (nullable): must outlive the server; NULL
 * serves virtual streams only (camera paths get 404). */
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

/* ---- access control and viewer events (set by the daemon) ------------ */

typedef enum
{
  CE_RTSP_AUTH_ALLOW,
  CE_RTSP_AUTH_UNAUTHORIZED, /* 401 with the challenges */
  CE_RTSP_AUTH_FORBIDDEN,    /* 403 */
  CE_RTSP_AUTH_NOT_FOUND,    /* 404 */
  CE_RTSP_AUTH_UNAVAILABLE,  /* 503: the decision could not be made */
} CeRtspAuthResult;

typedef struct
{
  const char *method;
  const char *uri;           /* as sent: may carry ?token=, never log it */
  const char *camera_id;     /* NULL for a virtual stream: see path */
  const char *path;          /* a virtual stream's path, else NULL */
  const char *token;         /* ?token= (unescaped), or NULL */
  const char *authorization; /* the Authorization header, or NULL */
  GInetAddress *client;
  const char *peer; /* "ip:port" */
} CeRtspAuthRequest;

/* Decides a DESCRIBE or SETUP (and a PLAY of a session not yet allowed
 * for its camera).  ALLOW may set *viewer (transfer full): opaque data
 * kept with the connection and handed to the viewer function;
 * UNAUTHORIZED may set *challenges (transfer full): WWW-Authenticate
 * values. */
typedef CeRtspAuthResult (*CeRtspAuthorizeFunc) (const CeRtspAuthRequest *req,
    gpointer *viewer, GStrv *challenges, gpointer user_data);

typedef struct
{
  const char *camera_id; /* or a virtual stream's path */
  const char *peer;
  gpointer viewer; /* from the authorizer, or NULL */
  gboolean tcp;
  gint64 start_us; /* real time */
  gint64 end_us;   /* 0 at start */
  guint64 bytes;   /* RTP bytes sent, at stop */
} CeRtspViewerEvent;

/* Called on the main context when a viewer starts (PLAY) and stops
 * (PAUSE, TEARDOWN, disconnect, drop). */
typedef void (*CeRtspViewerFunc) (gboolean started,
    const CeRtspViewerEvent *event, gpointer user_data);

/* Without an authorizer every request is allowed.  @viewer_free frees
 * what the authorizer returned in *viewer. */
void ce_rtsp_server_set_auth (CeRtspServer *server,
    CeRtspAuthorizeFunc authorize, CeRtspViewerFunc viewer_event,
    GDestroyNotify viewer_free, gpointer user_data);

/* ---- virtual streams (registered by the layers above) ----------------- */

typedef struct
{
  /* The URL's path without the leading '/', the query and a trailing
   * track segment, for example "walls/hall/monitors/1": 1–8 segments of
   * 1–64 bytes of [A-Za-z0-9_.-], never "." or "..". */
  const char *path;
  CeProfile profile; /* ?profile=sub, else main */
  gpointer viewer;   /* what the authorizer returned, or NULL */
  const char *peer;  /* "ip:port" */
} CeRtspVirtualRequest;

typedef struct
{
  /* Main context.  Returns an opaque handle with *hub (transfer none:
   * valid until close) and *name (transfer full, UTF-8, for the SDP); or
   * NULL with *status (an RTSP status: 403, 404, 453, 503 …) and @error,
   * whose message is sent to the client as the response's text body and
   * must hold no secret. */
  gpointer (*open) (const CeRtspVirtualRequest *req, CeHub **hub, char **name,
      guint *status, GError **error, gpointer user_data);
  /* Main context: the connection no longer uses @handle. */
  void (*close) (gpointer handle, gpointer user_data);
} CeRtspVirtualFuncs;

/* Serves rtsp://HOST:PORT/@prefix/… through @funcs (copied).  A client
 * waits (up to 10 s, then 504) until the hub has a keyframe. */
void ce_rtsp_server_add_virtual (CeRtspServer *server, const char *prefix,
    const CeRtspVirtualFuncs *funcs, gpointer user_data);
/* Closes the connections that play @hub (a camera's or a virtual
 * stream's); returns how many. */
guint ce_rtsp_server_kick_hub (CeRtspServer *server, CeHub *hub);

/* Closes the connections playing @prefix's streams (their handles are
 * closed) and forgets the provider. */
void ce_rtsp_server_remove_virtual (CeRtspServer *server, const char *prefix);

G_END_DECLS
