/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The HTTP control API (libsoup 3 on the main context): cameras, viewing
 * grants, streams, snapshots, stats, audit, /metrics and /healthz.  Every
 * route but /healthz authenticates through CeAuth.
 */
#pragma once

#include "ce-auth.h"
#include "ce-deep-check.h"
#include "ce-relay.h"
#include "ce-rtsp-server.h"

G_BEGIN_DECLS

typedef struct
{
  char *address;             /* default "127.0.0.1" */
  guint port;                /* default 8080; 0 = any free port */
  gsize max_body_bytes;      /* default 1 MiB (JSON bodies) */
  gsize max_import_bytes;    /* default 64 MiB (cameras:import) */
  guint snapshot_timeout_ms; /* a cold camera's first keyframe, 5000 */
  guint snapshot_cache_ms;   /* JPEG kept per camera and width, 1000 */
  /* Host put in the play URLs of a grant; NULL = the RTSP server's
   * address, or the request's Host when that is a wildcard address. */
  char *public_host;
  /* [wall] */
  guint wall_min_dwell_s;     /* a tour's shortest dwell, default 5 */
  guint wall_warm_timeout_ms; /* preset/incident warm-up bound, 3000 */
  guint wall_lock_ttl_s;      /* a lock's default lifetime, 300 */
  gboolean wall_warm_presets; /* hold every preset's cameras, TRUE */
  guint wall_warm_retry_s;    /* warm presets taken or refused: retry, 30 */
  /* RTSP mosaics of wall monitors: at most this many at once (default 2;
   * 0 = off), "WIDTHxHEIGHT" (default "1920x1080", parsed into the two
   * fields below by ce_api_new), kept this long after the last viewer
   * (default 10000 ms). */
  guint wall_mosaic_max;
  char *wall_mosaic_size;
  guint wall_mosaic_width, wall_mosaic_height;
  guint wall_mosaic_linger_ms;
  /* The console's map: coordinates in this CRS ("wgs84", "gcj02" or
   * "bd09", default "wgs84"), and an optional tile URL template
   * ("http://tiles.example/{z}/{x}/{y}.png", default NULL: no tiles). */
  char *console_crs;
  char *console_tile_url;
  /* Browser viewers (live.ws/.mp4/.flv): bytes queued per viewer before
   * it skips to the next keyframe, default 4 MiB. */
  gsize live_max_bytes;
  /* Channels per multiplexed live socket (GET /api/v1/live.ws), 64. */
  guint mux_max_channels;
  /* HLS: segment target duration, default 1000 ms; a session (and the
   * camera's segmenter when it was the last) ends after this long without
   * a request, default 30000 ms. */
  guint hls_segment_ms;
  /* H.265 → H.264 transcodes for browsers without HEVC (?codec=h264 on
   * live.ws/.mp4/.flv), at most this many at once; default 0: off. */
  guint transcode_max;
  guint hls_idle_ms;
  /* CORS: allowed page origins ("https://ops.example.net", separated by
   * spaces or commas), default NULL: no CORS headers. */
  char *cors_origins;
} CeApiConfig;

void ce_api_config_init (CeApiConfig *config);
void ce_api_config_clear (CeApiConfig *config);

typedef struct
{
  CeRegistry *registry; /* borrowed, all of them must outlive the API */
  CeRelay *relay;
  CeRtspServer *rtsp;
  CeAuth *auth;
  const char *rtsp_address;
  /* The deep picture checks (shared with the daemon's sample); NULL: the
   * API makes its own with the defaults. */
  CeDeepChecker *checker;
} CeApiDeps;

typedef struct _CeApi CeApi;

/* Binds and listens at once.  Returns: (transfer full): the server, or
 * %NULL with @error. */
CeApi *ce_api_new (const CeApiConfig *config, const CeApiDeps *deps,
    GError **error);
void ce_api_free (CeApi *api);

guint ce_api_get_port (CeApi *api);

G_END_DECLS
