/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The HTTP API's parsers of outside input: query strings, camera filters,
 * cursors and JSON request bodies.  Pure GLib + json-glib (no GStreamer,
 * no libsoup), bounded, fuzzed (tests/fuzz-api).  Every error is a
 * CE_API_ERROR whose message names the parameter or field.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ce-geo.h"
#include "ce-registry.h"

G_BEGIN_DECLS

#define CE_API_ERROR (ce_api_error_quark ())
GQuark ce_api_error_quark (void);

/* Each code has one HTTP status and one machine-readable name
 * (ce_api_error_status(), ce_api_error_name()). */
typedef enum
{
  CE_API_ERROR_BAD_REQUEST,     /* 400 bad_request: malformed syntax */
  CE_API_ERROR_INVALID_JSON,    /* 400 invalid_json */
  CE_API_ERROR_UNKNOWN_FIELD,   /* 400 unknown_field (body or parameter) */
  CE_API_ERROR_INVALID_ID,      /* 400 invalid_id: not a GB/T 28181 id */
  CE_API_ERROR_OUT_OF_RANGE,    /* 422 out_of_range / invalid values */
  CE_API_ERROR_UNAUTHORIZED,    /* 401 unauthorized */
  CE_API_ERROR_FORBIDDEN,       /* 403 forbidden */
  CE_API_ERROR_NOT_FOUND,       /* 404 not_found */
  CE_API_ERROR_METHOD,          /* 405 method_not_allowed */
  CE_API_ERROR_CONFLICT,        /* 409 conflict */
  CE_API_ERROR_LENGTH_REQUIRED, /* 411 length_required */
  CE_API_ERROR_TOO_LARGE,       /* 413 body_too_large */
  CE_API_ERROR_MEDIA_TYPE,      /* 415 unsupported_media_type */
  CE_API_ERROR_INTERNAL,        /* 500 internal */
  CE_API_ERROR_UNAVAILABLE,     /* 503 unavailable */
  CE_API_ERROR_TIMEOUT,         /* 504 camera_timeout */
  CE_API_ERROR_ADMISSION,       /* 503 admission_refused: a budget is full */
} CeApiError;

guint ce_api_error_status (CeApiError code);
const char *ce_api_error_name (CeApiError code);

/* Upper bounds on what a query string may hold. */
#define CE_API_MAX_QUERY_BYTES 65536
#define CE_API_MAX_PARAMS 32

/**
 * ce_api_query_parse:
 * @query: (nullable): the raw query string (after '?'), form-encoded
 * Decodes it into a table of UTF-8 name → value.  A parameter given twice,
 * an empty name, invalid percent-escapes or UTF-8, NUL bytes, and more than
 * CE_API_MAX_PARAMS parameters are BAD_REQUEST.
 * Returns: (transfer full): the table (empty for %NULL), or %NULL.
 */
GHashTable *ce_api_query_parse (const char *query, GError **error);

/* UNKNOWN_FIELD naming the first parameter of @params not in @known. */
gboolean ce_api_params_check (GHashTable *params, const char *const *known,
    GError **error);

/* An optional integer parameter in [min, max]; absent keeps *out. */
gboolean ce_api_param_int (GHashTable *params, const char *name, gint64 min,
    gint64 max, gint64 *out, GError **error);

/* An optional crs= parameter; absent gives WGS-84. */
gboolean ce_api_param_crs (GHashTable *params, CeCrs *out, GError **error);

/* A path or body id: INVALID_ID with the registry's reason when it is not
 * a 20-digit GB/T 28181 video channel code. */
gboolean ce_api_check_id (const char *id, GError **error);

/* A browser cannot set an Authorization header on a WebSocket: the wall
 * page offers its API token as a subprotocol "cityeye.bearer.TOKEN" beside
 * "cityeye.events" (which the server echoes; the token is never echoed). */
#define CE_API_WS_PROTOCOL "cityeye.events"
#define CE_API_WS_BEARER_PREFIX "cityeye.bearer."

/**
 * ce_api_ws_protocol_token:
 * @header: (nullable): the Sec-WebSocket-Protocol request header
 * Finds the "cityeye.bearer.TOKEN" entry of the comma-separated list.
 * TOKEN is 1–128 bytes of [A-Za-z0-9_-].  A header over 4 KiB, a
 * malformed bearer entry or two of them are BAD_REQUEST.
 * Returns: (transfer full) (nullable): the token; %NULL with @error set
 * for a malformed header, %NULL without for no bearer entry.
 */
char *ce_api_ws_protocol_token (const char *header, GError **error);

/* Opaque page cursors: base64url of a version tag and the last id. */
char *ce_api_cursor_encode (const char *after_id);
/* Returns: (transfer full): the id, or %NULL with BAD_REQUEST. */
char *ce_api_cursor_decode (const char *cursor, GError **error);

/* A wall monitor's RTSP path, "walls/NAME/monitors/INDEX" (NAME: 1–64
 * bytes of [A-Za-z0-9_-]; INDEX: decimal, 0–255, no sign or leading
 * zero): FALSE for anything else.  *wall (transfer full). */
gboolean ce_api_parse_monitor_path (const char *path, char **wall,
    guint *monitor);

/* A parsed GET /api/v1/cameras request.  The strings and the polygon are
 * owned here; query's pointers point into them. */
typedef struct
{
  CeQuery query;
  CeCrs crs; /* of the coordinates in and out */
  char *street;
  char *text;
  char *after_id;
  double *polygon;
  guint limit; /* page size, 1…1000, default 100 */
} CeApiCameraQuery;

#define CE_API_DEFAULT_PAGE 100
#define CE_API_MAX_PAGE 1000

void ce_api_camera_query_clear (CeApiCameraQuery *q);

/**
 * ce_api_camera_query_parse:
 * Parameters: source (comma list of keys or labels), street, status,
 * secrecy (0/1), q (text), bbox=min_lon,min_lat,max_lon,max_lat,
 * polygon=lon,lat,lon,lat,… (≥ 3 points), near=lon,lat with radius
 * (metres, default 1000) and k (default 10), crs=wgs84|gcj02|bd09, limit,
 * cursor.  Input coordinates are converted to WGS-84.  Validated with the
 * registry's rules (OUT_OF_RANGE), syntax errors are BAD_REQUEST.
 */
gboolean ce_api_camera_query_parse (GHashTable *params, CeApiCameraQuery *out,
    GError **error);

/**
 * ce_api_json_parse_object:
 * @known: (nullable): member names allowed; others are UNKNOWN_FIELD
 * Parses @data as one JSON object (INVALID_JSON otherwise).
 * Returns: (transfer full): the root node.
 */
JsonNode *ce_api_json_parse_object (const char *data, gsize len,
    const char *const *known, GError **error);

/**
 * ce_api_camera_from_json:
 * @base: (nullable): the stored camera for a PATCH (its fields are kept
 *   unless given; "id" may only repeat it), %NULL for a create
 * @crs: of lon/lat in the body
 * Builds a camera from a JSON object with the CSV column names.  Member
 * types are checked (BAD_REQUEST), unknown members are UNKNOWN_FIELD, the
 * result is validated (INVALID_ID, OUT_OF_RANGE).  Credentials in a
 * rtsp_url's userinfo are moved into username/password.
 * Returns: (transfer full): the camera, or %NULL.
 */
CeCamera *ce_api_camera_from_json (JsonObject *object, const CeCamera *base,
    CeCrs crs, GError **error);

/* The public view of a camera: never credentials or stream URLs. */
JsonNode *ce_api_camera_to_json (const CeCamera *camera, CeCrs crs);

/* A client message of the multiplexed live socket (GET /api/v1/live.ws):
 *   {"op":"open","ch":N,"camera":"ID","profile":"main"|"sub",
 *    "incident":"…","purpose":"view"|"tour"|"preset"}
 *   {"op":"close","ch":N}
 * ch: an integer 0…2^31−1 chosen by the client. */
#define CE_API_MUX_MAX_MESSAGE 1024
#define CE_API_MUX_MAX_CH G_GINT64_CONSTANT (2147483647)

typedef enum
{
  CE_API_MUX_OPEN,
  CE_API_MUX_CLOSE,
} CeApiMuxOp;

typedef enum
{
  CE_API_MUX_PURPOSE_VIEW,
  CE_API_MUX_PURPOSE_TOUR,
  CE_API_MUX_PURPOSE_PRESET,
} CeApiMuxPurpose;

typedef struct
{
  CeApiMuxOp op;
  gint64 ch;
  char *camera;   /* open: a valid id */
  gboolean sub;   /* open: the sub stream */
  char *incident; /* open: nullable, 1–128 bytes */
  CeApiMuxPurpose purpose;
} CeApiMuxMessage;

/**
 * ce_api_mux_parse_message:
 * Parses and checks a client message (@len bytes, at most
 * CE_API_MUX_MAX_MESSAGE): strict JSON, no unknown field, every value of
 * its type and range.  On error, FALSE with @error set, and @msg->ch the
 * message's channel when one could be read (else -1).  @msg is cleared
 * with ce_api_mux_message_clear() in either case.
 */
gboolean ce_api_mux_parse_message (const char *data, gsize len,
    CeApiMuxMessage *msg, GError **error);
void ce_api_mux_message_clear (CeApiMuxMessage *msg);

G_END_DECLS
