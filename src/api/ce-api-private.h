/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Shared inside src/api: the server object, the request being handled and
 * the route handlers of each file.
 */
#pragma once

#include <libsoup/soup.h>

#include "ce-api.h"
#include "ce-api-params.h"
#include "ce-wall.h"

G_BEGIN_DECLS

typedef struct _CeApiMetrics CeApiMetrics;
typedef struct _CeApiSnapshots CeApiSnapshots;
typedef struct _CeApiWalls CeApiWalls;
typedef struct _CeApiLive CeApiLive;
typedef struct _CeApiHls CeApiHls;
typedef struct _CeApiMosaics CeApiMosaics;
typedef struct _CeApiMux CeApiMux;

struct _CeApi
{
  CeApiConfig config;
  CeRegistry *registry; /* borrowed, as every dependency */
  CeRelay *relay;
  guint preempt_id; /* ce_relay_add_preempt_func() (ce-api-admission.c) */
  CeRtspServer *rtsp;
  CeAuth *auth;
  char *rtsp_address;
  GSocket *listener;
  GSource *accept_source;
  char *keepalive_dir; /* see ce_api_new() */
  SoupServer *soup;
  guint port;
  GBytes *openapi;
  CeApiMetrics *metrics;
  CeApiSnapshots *snapshots;
  CeApiWalls *walls;
  CeCrs console_crs;
  char *console_csp; /* Content-Security-Policy of the console's files */
  GStrv cors;        /* allowed origins ([http] cors_origins) or NULL */
  CeApiLive *live;
  CeApiHls *hls;
  CeApiMosaics *mosaics;
  CeApiMux *mux;          /* the multiplexed live sockets */
  CeDeepChecker *checker; /* borrowed, or owned when own_checker */
  gboolean own_checker;
  GList *check_jobs; /* ce-api-check.c: requests waiting for a check */
  /* "IP:port" of each open HTTP connection → its socket (libsoup does not
   * give the socket of a connection it did not accept itself). */
  GHashTable *sockets;
};

/* One request: what the router learnt about it. */
typedef struct
{
  CeApi *api;
  SoupServerMessage *msg;
  const char *method;
  GHashTable *params;     /* decoded query */
  const char *id;         /* camera id from the path, validated, or NULL */
  const char *name;       /* "{name}" segment ([A-Za-z0-9_-]{1,64}) or NULL */
  const char *sub;        /* "{sub}" segment, likewise */
  const char *file;       /* the "{file}" segment of the path, or NULL */
  CePrincipal *principal; /* authenticated caller (NULL on public routes) */
  char *client;           /* peer IP, for the audit */
} CeApiRequest;

typedef void (*CeApiHandler) (CeApiRequest *req);

/* Responses.  Every error is {"error": {"code", "message"}}. */
void ce_api_respond_json (SoupServerMessage *msg, guint status, JsonNode *node);
void ce_api_respond_error (SoupServerMessage *msg, CeApiError code,
    const char *message);
/* @error of CE_API_ERROR, or anything else as an internal error (logged,
 * never shown). */
void ce_api_respond_gerror (SoupServerMessage *msg, const GError *error);

/* The request body (JSON): checks its Content-Type. (transfer full) */
JsonNode *ce_api_request_json (CeApiRequest *req, const char *const *known,
    GError **error);

/* The camera of req->id if the caller may see it; NOT_FOUND for an
 * unknown camera, FORBIDDEN for one outside the caller's role. */
CeCamera *ce_api_request_camera (CeApiRequest *req, GError **error);

gboolean ce_api_require_admin (CeApiRequest *req);

/* Times: ISO 8601 with a zone, or unix seconds, in @params[@name] (left
 * as it is when absent); in answers ISO 8601 UTC, null for 0.  Strings:
 * null for NULL or "". */
gboolean ce_api_param_time (GHashTable *params, const char *name,
    gint64 *out_us, GError **error);
void ce_api_json_add_time (JsonBuilder *b, const char *name, gint64 us);
void ce_api_json_add_string (JsonBuilder *b, const char *name,
    const char *value);

/* ce_principal_restrict_query(), then a source filter that lets every
 * source through is dropped: the same result, and the registry's plans
 * without a source filter are the faster ones. */
gboolean ce_api_restrict_query (CeApiRequest *req, CeQuery *query);

/* Route handlers. */
void ce_api_cameras_list (CeApiRequest *req);
void ce_api_cameras_show (CeApiRequest *req);
void ce_api_cameras_create (CeApiRequest *req);
void ce_api_cameras_update (CeApiRequest *req);
void ce_api_cameras_delete (CeApiRequest *req);
void ce_api_cameras_import (CeApiRequest *req);
void ce_api_stats_get (CeApiRequest *req);
void ce_api_streams_grant (CeApiRequest *req);
void ce_api_streams_list (CeApiRequest *req);
void ce_api_streams_close (CeApiRequest *req);
/* Whether the caller may see @camera_id (admins: always); @seen caches the
 * answers of one request (camera id → gboolean, g_str_hash, owned keys). */
gboolean ce_api_camera_visible (CeApiRequest *req, const char *camera_id,
    GHashTable *seen);
void ce_api_audit_list (CeApiRequest *req);
void ce_api_health_show (CeApiRequest *req);
void ce_api_stats_online (CeApiRequest *req);
void ce_api_snapshot_get (CeApiRequest *req);

/* Deep picture checks (ce-api-check.c). */
void ce_api_check_run (CeApiRequest *req);
/* A stored check as a JSON object (the value of "deep_check"). */
void ce_api_check_add_json (JsonBuilder *b, const CeDeepRecord *record);
void ce_api_checks_fini (CeApi *api);
void ce_api_checks_append_metrics (CeApi *api, GString *out);
void ce_api_metrics_get (CeApiRequest *req);
void ce_api_map_cameras (CeApiRequest *req);

/* The console (ce-api-console.c): checks the [console] settings and builds
 * the page's security policy. */
gboolean ce_api_console_init (CeApi *api, GError **error);
/* Serves "/" (a redirect) and /console/…; FALSE for every other path. */
gboolean ce_api_console_handle (CeApi *api, SoupServerMessage *msg,
    const char *path);

/* Browser delivery (ce-api-live.c, ce-api-hls.c). */
typedef enum
{
  CE_API_LIVE_WS,
  CE_API_LIVE_MP4,
  CE_API_LIVE_FLV,
  CE_API_LIVE_HLS,
  CE_API_LIVE_N,
} CeApiLiveProtocol;

typedef struct
{
  guint viewers[CE_API_LIVE_N];     /* connected now */
  guint64 bytes_out[CE_API_LIVE_N]; /* since start, ended viewers too */
  guint64 frames_skipped;
  guint64 viewers_dropped;
  guint transcodes;           /* H.265 → H.264 running now */
  guint64 transcodes_started; /* since start */
  guint64 transcodes_refused; /* off, or all in use */
} CeApiLiveStats;

typedef struct
{
  CeApiLiveProtocol protocol;
  char *camera_id;
  CeProfile profile;
  char *peer; /* IP:port */
  char *user;
  guint64 bytes;
  gint64 channel;      /* on a multiplexed live socket (its "ch"), else -1 */
  gboolean connecting; /* waiting for the camera's first picture */
  gint64 since_us;     /* real time the viewer asked for the camera */
} CeApiLiveInfo;

void ce_api_live_ws (CeApiRequest *req);
void ce_api_live_mp4 (CeApiRequest *req);
void ce_api_live_flv (CeApiRequest *req);
void ce_api_hls_index (CeApiRequest *req);
void ce_api_hls_file (CeApiRequest *req);

CeApiLive *ce_api_live_new (CeApi *api);
void ce_api_live_free (CeApiLive *live);
CeApiHls *ce_api_hls_new (CeApi *api);
void ce_api_hls_free (CeApiHls *hls);
const char *ce_api_live_protocol_to_string (CeApiLiveProtocol protocol);
/* "profile=main|sub" of the query; FALSE when answered with an error. */
gboolean ce_api_live_parse_profile (CeApiRequest *req, CeProfile *profile);
/* The socket of @msg's connection, or NULL.  (transfer none) */
GSocket *ce_api_peer_socket (CeApi *api, SoupServerMessage *msg);
/* "IP:port" of the client.  (transfer full) */
char *ce_api_peer (SoupServerMessage *msg);
/* One viewing audit row (batched). */
void ce_api_live_audit (CeApi *api, const CePrincipal *p, const char *camera_id,
    const char *protocol, const char *peer, const char *action, gint64 start_us,
    gint64 end_us, guint64 bytes);
void ce_api_live_get_stats (CeApi *api, CeApiLiveStats *stats);
void ce_api_hls_add_stats (CeApi *api, CeApiLiveStats *stats);
/* (transfer full) (element-type CeApiLiveInfo) */
GPtrArray *ce_api_live_list (CeApi *api);
void ce_api_hls_list (CeApi *api, GPtrArray *out);
void ce_api_live_info_free (CeApiLiveInfo *info);
/* Closes the browser viewers of @camera_id (@profile -1: both, @peer
 * NULL: all; @channel -1: any, else only that channel of a multiplexed
 * live socket); returns how many. */
guint ce_api_live_kick (CeApi *api, const char *camera_id, int profile,
    const char *peer, gint64 channel);
guint ce_api_hls_kick (CeApi *api, const char *camera_id, int profile,
    const char *peer);
/* Ends the browser viewers of @stream, closed for a higher-priority pull;
 * returns how many. */
guint ce_api_live_preempted (CeApi *api, CeStream *stream, const char *reason);
guint ce_api_hls_preempted (CeApi *api, CeStream *stream, const char *reason);

/* Admission (ce-api-admission.c): GET /api/v1/admission, the metrics,
 * and telling holders of a preempted stream. */
void ce_api_admission_get (CeApiRequest *req);
void ce_api_admission_append_metrics (CeApi *api, GString *out);
void ce_api_admission_init (CeApi *api);
void ce_api_admission_fini (CeApi *api);
/* A relay error as an API error code: 404, 503 admission_refused, 504,
 * else 503. */
CeApiError ce_api_relay_error_code (const GError *error);

void ce_api_walls_list (CeApiRequest *req);
void ce_api_walls_create (CeApiRequest *req);
void ce_api_walls_show (CeApiRequest *req);
void ce_api_walls_update (CeApiRequest *req);
void ce_api_walls_delete (CeApiRequest *req);
void ce_api_walls_lock (CeApiRequest *req);
void ce_api_walls_unlock (CeApiRequest *req);
void ce_api_walls_events (CeApiRequest *req);
void ce_api_presets_list (CeApiRequest *req);
void ce_api_presets_save (CeApiRequest *req);
void ce_api_presets_delete (CeApiRequest *req);
void ce_api_presets_apply (CeApiRequest *req);
void ce_api_incidents_list (CeApiRequest *req);
void ce_api_incidents_open (CeApiRequest *req);
void ce_api_incidents_show (CeApiRequest *req);
void ce_api_incidents_close (CeApiRequest *req);

/* Walls' live state (ce-api-walls.c): warm holds, tours. */
CeApiWalls *ce_api_walls_new (CeApi *api);
void ce_api_walls_free (CeApiWalls *walls);

typedef enum
{
  CE_API_WALL_OPERATE, /* admin, operator, wall: show, change, lock, apply */
  CE_API_WALL_EDIT,    /* admin, operator: presets, incidents */
} CeApiWallAccess;

/* 403 (answered) unless the caller's role may. */
gboolean ce_api_walls_check_role (CeApiRequest *req, CeApiWallAccess access);
gboolean ce_api_walls_role_may (CeRole role, CeApiWallAccess access);
/* 409 {"error": {"code": "conflict", "message", "revision"}}; @revision
 * < 0 leaves it out. */
void ce_api_respond_conflict (SoupServerMessage *msg, const char *message,
    gint64 revision);
/* Wall and registry errors as HTTP answers (409 with @revision). */
void ce_api_walls_respond_error (SoupServerMessage *msg, const GError *error,
    gint64 revision);
/* Every camera of the monitors in @touched exists and the caller may see
 * it (OUT_OF_RANGE, FORBIDDEN). */
gboolean ce_api_walls_check_cameras (CeApiRequest *req, const CeWall *wall,
    guint64 touched, GError **error);
/* (transfer full): the wall as shown now. */
CeWall *ce_api_walls_dup_live (CeApi *api, const char *name, GError **error);
/* Stores @wall if the stored revision is still @base_revision (CONFLICT
 * otherwise), makes it what the wall shows and warms its cameras. */
gboolean ce_api_walls_commit (CeApi *api, CeWall *wall, gint64 base_revision,
    const char *user, GError **error);
/* Makes @owner hold exactly the "camera/profile" streams of @keys
 * (nullable: none).  Returns: (transfer container): the held streams of
 * @keys. */
GPtrArray *ce_api_walls_hold (CeApi *api, const char *owner, GHashTable *keys);
/* Drops @stream from every hold (it was preempted); returns how many. */
guint ce_api_walls_preempted (CeApi *api, CeStream *stream, const char *reason);
typedef void (*CeApiWarmDone) (gpointer data, gboolean shutdown, guint ready,
    guint total, double ms);
/* Calls @done once every stream of @streams is ready or the warm-up
 * timeout passed (or with @shutdown when the API goes away). */
void ce_api_walls_wait (CeApi *api, GPtrArray *streams, CeApiWarmDone done,
    gpointer data);
/* Pushes @wall to its WebSocket watchers as an event of @type
 * ("change", "tour"). */
void ce_api_walls_notify (CeApi *api, const CeWall *wall, const char *type);
/* The walls' gauges and counters in Prometheus text. */
void ce_api_walls_append_metrics (CeApi *api, GString *out);
/* Wall monitors as RTSP mosaics (ce-api-mosaics.c): registered with the
 * RTSP server at rtsp://HOST:PORT/walls/NAME/monitors/INDEX. */
CeApiMosaics *ce_api_mosaics_new (CeApi *api);
void ce_api_mosaics_free (CeApiMosaics *mosaics);
/* The wall @name changed (or was removed): its mosaics follow. */
void ce_api_mosaics_wall_changed (CeApi *api, const char *name);
void ce_api_mosaics_append_metrics (CeApi *api, GString *out);
/* Warms the cameras of every open incident again (at start). */
void ce_api_incidents_resume (CeApi *api);

/* Metrics (ce-api-metrics.c). */
CeApiMetrics *ce_api_metrics_new (CeApi *api);
void ce_api_metrics_free (CeApiMetrics *m);
void ce_api_metrics_count_request (CeApiMetrics *m, const char *route,
    guint status);
void ce_api_metrics_observe_snapshot (CeApiMetrics *m, double seconds,
    gboolean hot);
/* A Prometheus label value, escaped, appended to @out. */
void ce_api_metrics_append_label (GString *out, const char *value);

/* Snapshots (ce-api-snapshot.c). */
CeApiSnapshots *ce_api_snapshots_new (CeApi *api);
void ce_api_snapshots_free (CeApiSnapshots *s);

/* CORS (ce-api-cors.c): the [http] cors_origins list, checked; the
 * headers of an answer to an allowed Origin (and Vary: Origin); an answer
 * to a preflight OPTIONS of a path whose routes allow @methods (FALSE:
 * not a preflight, or no CORS configured). */
gboolean ce_api_cors_init (CeApi *api, GError **error);
void ce_api_cors_headers (CeApi *api, SoupServerMessage *msg);
gboolean ce_api_cors_preflight (CeApi *api, SoupServerMessage *msg,
    const char *methods);

G_END_DECLS
