/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The HTTP server: our own listening socket (libsoup 3.2's listener leaks
 * every accepted socket), body limits, strict routing, authentication and
 * the JSON error format.
 */
#include "ce-api-private.h"
#include "ce-api-mux.h"

#include <string.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

void
ce_api_config_init (CeApiConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->address = g_strdup ("127.0.0.1");
  config->port = 8080;
  config->max_body_bytes = 1024 * 1024;
  config->max_import_bytes = 64 * 1024 * 1024;
  config->snapshot_timeout_ms = 5000;
  config->snapshot_cache_ms = 1000;
  config->wall_min_dwell_s = 5;
  config->wall_warm_timeout_ms = 3000;
  config->wall_lock_ttl_s = 300;
  config->wall_warm_presets = TRUE;
  config->wall_warm_retry_s = 30;
  config->wall_mosaic_max = 2;
  config->wall_mosaic_size = g_strdup ("1920x1080");
  config->wall_mosaic_linger_ms = 10000;
  config->console_crs = g_strdup ("wgs84");
  config->live_max_bytes = 4 * 1024 * 1024;
  config->mux_max_channels = 64;
  config->hls_segment_ms = 1000;
  config->hls_idle_ms = 30000;
}

void
ce_api_config_clear (CeApiConfig *config)
{
  g_clear_pointer (&config->address, g_free);
  g_clear_pointer (&config->public_host, g_free);
  g_clear_pointer (&config->console_crs, g_free);
  g_clear_pointer (&config->console_tile_url, g_free);
  g_clear_pointer (&config->wall_mosaic_size, g_free);
  g_clear_pointer (&config->cors_origins, g_free);
}

/* "WIDTHxHEIGHT", even numbers from 64 to 4096. */
static gboolean
parse_mosaic_size (CeApiConfig *config, GError **error)
{
  const char *s = config->wall_mosaic_size;
  g_auto (GStrv) parts = NULL;
  guint64 w = 0, h = 0;

  if (s == NULL)
    s = "1920x1080";
  parts = g_strsplit (s, "x", 3);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 64, 4096, &w, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 64, 4096, &h, NULL) ||
      (w % 2) != 0 || (h % 2) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[wall] mosaic_size: “%s” is not WIDTHxHEIGHT with even numbers "
        "from 64 to 4096 (for example 1920x1080)",
        s);
    return FALSE;
  }
  config->wall_mosaic_width = (guint) w;
  config->wall_mosaic_height = (guint) h;
  return TRUE;
}

/* ---- responses -------------------------------------------------------- */

void
ce_api_respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  char *text = json_to_string (node, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
      text, strlen (text));
}

void
ce_api_respond_error (SoupServerMessage *msg, CeApiError code,
    const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, ce_api_error_name (code));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  ce_api_respond_json (msg, ce_api_error_status (code), node);
}

void
ce_api_respond_gerror (SoupServerMessage *msg, const GError *error)
{
  if (error->domain == CE_API_ERROR) {
    ce_api_respond_error (msg, error->code, error->message);
    return;
  }
  if (g_error_matches (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_BUSY)) {
    ce_api_respond_error (msg, CE_API_ERROR_UNAVAILABLE,
        "The registry is busy, try again");
    return;
  }
  /* The gateway's own fault: the details go to the log only. */
  g_warning ("HTTP %s %s: %s", soup_server_message_get_method (msg),
      g_uri_get_path (soup_server_message_get_uri (msg)), error->message);
  ce_api_respond_error (msg, CE_API_ERROR_INTERNAL,
      "Internal error (see the gateway's log)");
}

/* ---- request helpers -------------------------------------------------- */

JsonNode *
ce_api_request_json (CeApiRequest *req, const char *const *known,
    GError **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  const char *type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (req->msg), NULL);
  g_autoptr (GBytes) bytes = NULL;
  gsize len = 0;
  const char *data;

  if (type != NULL && g_ascii_strcasecmp (type, "application/json") != 0) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_MEDIA_TYPE,
        "Content-Type: expected application/json, not %.64s", type);
    return NULL;
  }
  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &len);
  return ce_api_json_parse_object (data, len, known, error);
}

CeCamera *
ce_api_request_camera (CeApiRequest *req, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (CeCamera) camera =
      ce_registry_dup_camera (req->api->registry, req->id, &local);

  if (camera == NULL) {
    if (!g_error_matches (local, CE_REGISTRY_ERROR,
            CE_REGISTRY_ERROR_NOT_FOUND)) {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  } else if (ce_principal_may_see (req->principal, camera)) {
    return g_steal_pointer (&camera);
  } else {
    /* As over RTSP: a camera outside the caller's role is refused (ids
     * are public codes; listings never show such cameras). */
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_FORBIDDEN,
        "%s (%s) may not see camera %s", req->principal->user,
        ce_role_to_string (req->principal->role), req->id);
    return NULL;
  }
  g_set_error (error, CE_API_ERROR, CE_API_ERROR_NOT_FOUND, "No camera %s",
      req->id);
  return NULL;
}

gboolean
ce_api_require_admin (CeApiRequest *req)
{
  g_autofree char *message = NULL;

  if (ce_principal_is_admin (req->principal))
    return TRUE;
  message = g_strdup_printf ("%s (%s) may not do this: admin only",
      req->principal->user, ce_role_to_string (req->principal->role));
  ce_api_respond_error (req->msg, CE_API_ERROR_FORBIDDEN, message);
  return FALSE;
}

gboolean
ce_api_restrict_query (CeApiRequest *req, CeQuery *query)
{
  if (!ce_principal_restrict_query (req->principal, query))
    return FALSE;
  if ((query->sources & CE_AUTH_ALL_SOURCES) == CE_AUTH_ALL_SOURCES)
    query->sources = 0;
  return TRUE;
}

/* ---- routes ----------------------------------------------------------- */

static void
handle_healthz (CeApiRequest *req)
{
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg, "text/plain", SOUP_MEMORY_STATIC,
      "ok\n", 3);
}

static void
handle_openapi (CeApiRequest *req)
{
  gsize len;
  gconstpointer data = g_bytes_get_data (req->api->openapi, &len);

  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg, "application/json",
      SOUP_MEMORY_COPY, data, len);
}

typedef enum
{
  ROUTE_AUTH = 0,   /* any authenticated principal */
  ROUTE_ADMIN = 1,  /* admins only */
  ROUTE_PUBLIC = 2, /* no authentication */
  ROUTE_MEDIA = 3,  /* ?token= (play or API token) or as ROUTE_AUTH */
  ROUTE_EVENTS = 4, /* API token as a WebSocket subprotocol or as ROUTE_AUTH */
} RouteAccess;

typedef struct
{
  const char *method;
  const char *pattern; /* "{id}" matches one camera id segment */
  CeApiHandler handler;
  RouteAccess access;
} Route;

/* Keep in step with openapi.json (a test checks every route is there). */
static const Route routes[] = {
    {"GET", "/healthz", handle_healthz, ROUTE_PUBLIC},
    {"GET", "/metrics", ce_api_metrics_get, ROUTE_AUTH},
    {"GET", "/api/v1/openapi.json", handle_openapi, ROUTE_PUBLIC},
    {"GET", "/api/v1/cameras", ce_api_cameras_list, ROUTE_AUTH},
    {"POST", "/api/v1/cameras", ce_api_cameras_create, ROUTE_ADMIN},
    {"POST", "/api/v1/cameras:import", ce_api_cameras_import, ROUTE_ADMIN},
    {"GET", "/api/v1/cameras/{id}", ce_api_cameras_show, ROUTE_AUTH},
    {"PATCH", "/api/v1/cameras/{id}", ce_api_cameras_update, ROUTE_ADMIN},
    {"DELETE", "/api/v1/cameras/{id}", ce_api_cameras_delete, ROUTE_ADMIN},
    {"POST", "/api/v1/cameras/{id}/streams", ce_api_streams_grant, ROUTE_AUTH},
    {"GET", "/api/v1/cameras/{id}/snapshot.jpg", ce_api_snapshot_get,
        ROUTE_AUTH},
    {"GET", "/api/v1/cameras/{id}/health", ce_api_health_show, ROUTE_AUTH},
    {"POST", "/api/v1/cameras/{id}/check", ce_api_check_run, ROUTE_AUTH},
    {"GET", "/api/v1/cameras/{id}/live.ws", ce_api_live_ws, ROUTE_MEDIA},
    {"GET", "/api/v1/cameras/{id}/live.mp4", ce_api_live_mp4, ROUTE_MEDIA},
    {"GET", "/api/v1/cameras/{id}/live.flv", ce_api_live_flv, ROUTE_MEDIA},
    {"GET", "/api/v1/cameras/{id}/hls/index.m3u8", ce_api_hls_index,
        ROUTE_MEDIA},
    /* Playlists and segments of an HLS session: the session id in the
     * query is the credential (see ce-api-hls.c). */
    {"GET", "/api/v1/cameras/{id}/hls/{file}", ce_api_hls_file, ROUTE_PUBLIC},
    {"GET", "/api/v1/stats", ce_api_stats_get, ROUTE_AUTH},
    {"GET", "/api/v1/stats/online", ce_api_stats_online, ROUTE_ADMIN},
    {"GET", "/api/v1/map/cameras", ce_api_map_cameras, ROUTE_AUTH},
    {"GET", "/api/v1/streams", ce_api_streams_list, ROUTE_AUTH},
    {"DELETE", "/api/v1/streams/{id}", ce_api_streams_close, ROUTE_ADMIN},
    {"GET", "/api/v1/audit", ce_api_audit_list, ROUTE_ADMIN},
    {"GET", "/api/v1/admission", ce_api_admission_get, ROUTE_AUTH},
    /* Walls and incidents (ce-api-walls.c, ce-api-incidents.c): each
     * handler checks the role it needs. */
    {"GET", "/api/v1/walls", ce_api_walls_list, ROUTE_AUTH},
    {"POST", "/api/v1/walls", ce_api_walls_create, ROUTE_ADMIN},
    {"GET", "/api/v1/walls/{name}", ce_api_walls_show, ROUTE_AUTH},
    {"PATCH", "/api/v1/walls/{name}", ce_api_walls_update, ROUTE_AUTH},
    {"DELETE", "/api/v1/walls/{name}", ce_api_walls_delete, ROUTE_ADMIN},
    {"POST", "/api/v1/walls/{name}/locks", ce_api_walls_lock, ROUTE_AUTH},
    {"DELETE", "/api/v1/walls/{name}/locks/{sub}", ce_api_walls_unlock,
        ROUTE_AUTH},
    {"GET", "/api/v1/walls/{name}/events", ce_api_walls_events, ROUTE_EVENTS},
    {"GET", "/api/v1/live.ws", ce_api_mux_ws, ROUTE_EVENTS},
    {"GET", "/api/v1/walls/{name}/presets", ce_api_presets_list, ROUTE_AUTH},
    {"PUT", "/api/v1/walls/{name}/presets/{sub}", ce_api_presets_save,
        ROUTE_AUTH},
    {"DELETE", "/api/v1/walls/{name}/presets/{sub}", ce_api_presets_delete,
        ROUTE_AUTH},
    {"POST", "/api/v1/walls/{name}/presets/{sub}/apply", ce_api_presets_apply,
        ROUTE_AUTH},
    {"GET", "/api/v1/incidents", ce_api_incidents_list, ROUTE_AUTH},
    {"POST", "/api/v1/incidents", ce_api_incidents_open, ROUTE_AUTH},
    {"GET", "/api/v1/incidents/{name}", ce_api_incidents_show, ROUTE_AUTH},
    {"POST", "/api/v1/incidents/{name}/close", ce_api_incidents_close,
        ROUTE_AUTH},
};

/* A "{name}" or "{sub}" segment (walls, presets, locks, incidents): 1–64
 * of [A-Za-z0-9_-]; anything else is no match (404). */
static gboolean
name_segment_ok (const char *s)
{
  gsize len = strlen (s);

  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '_')
      return FALSE;
  return TRUE;
}

/* Segment-wise match; *id and *file get the segments that matched "{id}"
 * and "{file}", names[0] and names[1] those of "{name}" and "{sub}". */
static gboolean
path_matches (const char *pattern, char **segments, const char **id,
    const char **file, const char **names)
{
  g_auto (GStrv) pat = g_strsplit (pattern + 1, "/", -1);
  guint i;

  *id = NULL;
  *file = NULL;
  names[0] = names[1] = NULL;
  for (i = 0; pat[i] != NULL; i++) {
    if (segments[i] == NULL)
      return FALSE;
    if (strcmp (pat[i], "{name}") == 0 || strcmp (pat[i], "{sub}") == 0) {
      if (!name_segment_ok (segments[i]))
        return FALSE;
      names[pat[i][1] == 'n' ? 0 : 1] = segments[i];
    } else if (strcmp (pat[i], "{id}") == 0) {
      if (*segments[i] == '\0')
        return FALSE;
      *id = segments[i];
    } else if (strcmp (pat[i], "{file}") == 0) {
      if (*segments[i] == '\0')
        return FALSE;
      *file = segments[i];
    } else if (strcmp (pat[i], segments[i]) != 0) {
      return FALSE;
    }
  }
  return segments[i] == NULL;
}

static char *
client_ip (SoupServerMessage *msg)
{
  GSocketAddress *a = soup_server_message_get_remote_address (msg);

  if (a == NULL || !G_IS_INET_SOCKET_ADDRESS (a))
    return g_strdup ("?");
  return g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (a)));
}

/* Sets req->principal, or answers 401 and returns FALSE.  @token: the
 * ?token= of a media route (nullable): a play token bound to the camera
 * of the path, or an API token.  @api_token (nullable): an API token
 * from elsewhere than the Authorization header (the events route's
 * subprotocol), checked like a Bearer header. */
static gboolean
authenticate (CeApiRequest *req, const char *token, const char *api_token)
{
  const char *header = soup_message_headers_get_one (
      soup_server_message_get_request_headers (req->msg), "Authorization");
  g_autoptr (GError) error = NULL;

  if (token != NULL) {
    if (strchr (token, '.') != NULL)
      req->principal =
          ce_auth_verify_play_token (req->api->auth, token, req->id, &error);
    else
      req->principal = ce_auth_verify_token (req->api->auth, token, &error);
    if (req->principal != NULL)
      return TRUE;
    if (error->domain != CE_AUTH_ERROR) {
      ce_api_respond_gerror (req->msg, error);
      return FALSE;
    }
    g_message ("HTTP %s from %s: token refused: %s",
        g_uri_get_path (soup_server_message_get_uri (req->msg)), req->client,
        error->message);
    g_clear_error (&error);
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_UNAUTHORIZED,
        "Play token invalid, expired or for another camera: ask "
        "POST /api/v1/cameras/{id}/streams for a new one");
  } else if (header == NULL && api_token == NULL) {
    GSocketAddress *a = soup_server_message_get_remote_address (req->msg);

    if (a != NULL && G_IS_INET_SOCKET_ADDRESS (a))
      req->principal = ce_auth_anonymous (req->api->auth,
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (a)));
    if (req->principal != NULL)
      return TRUE;
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_UNAUTHORIZED,
        "Authentication required: send “Authorization: Bearer <API token>”");
  } else if (api_token == NULL &&
      g_ascii_strncasecmp (header, "Bearer ", 7) != 0) {
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_UNAUTHORIZED,
        "Authorization: only Bearer API tokens are accepted over HTTP");
  } else {
    const char *bearer = api_token;

    if (bearer == NULL) {
      bearer = header + 7;
      while (*bearer == ' ')
        bearer++;
    }
    req->principal = ce_auth_verify_token (req->api->auth, bearer, &error);
    if (req->principal != NULL)
      return TRUE;
    if (error->domain != CE_AUTH_ERROR) {
      ce_api_respond_gerror (req->msg, error);
      return FALSE;
    }
    g_debug ("HTTP %s: token refused: %s", req->client, error->message);
    g_clear_error (&error);
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_UNAUTHORIZED,
        "Unknown, revoked or expired API token");
  }
  soup_message_headers_replace (
      soup_server_message_get_response_headers (req->msg), "WWW-Authenticate",
      "Bearer realm=\"cityeye\"");
  ce_api_respond_gerror (req->msg, error);
  return FALSE;
}

/* ROUTE_EVENTS: a browser cannot set Authorization on a WebSocket, so
 * the wall page offers its API token as the subprotocol
 * "cityeye.bearer.TOKEN" (headers are not logged, unlike URLs); without
 * one, as any route. */
static gboolean
authenticate_events (CeApiRequest *req)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ce_api_ws_protocol_token (
      soup_message_headers_get_list (h, "Sec-WebSocket-Protocol"), &error);

  if (token != NULL && soup_message_headers_get_one (h, "Authorization"))
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Send the API token once: in Authorization or in "
        "Sec-WebSocket-Protocol, not both");
  if (error != NULL) {
    ce_api_respond_gerror (req->msg, error);
    return FALSE;
  }
  return authenticate (req, NULL, token);
}

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *unused_query, gpointer user_data)
{
  CeApi *self = user_data;
  CeApiRequest req = {self, msg, soup_server_message_get_method (msg)};
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) segments = NULL;
  g_autoptr (GString) allow = g_string_new (NULL);
  const Route *route = NULL;
  const char *method = req.method;
  const char *id = NULL;
  const char *file = NULL;
  const char *names[2] = {NULL, NULL};

  if (ce_api_console_handle (self, msg, path))
    return;
  ce_api_cors_headers (self, msg);
  if (strcmp (method, "HEAD") == 0)
    method = "GET";
  /* Paths are matched as sent: no percent-decoding, no "..", no empty
   * segments, no trailing slash. */
  if (path[0] == '/' && strchr (path, '%') == NULL)
    segments = g_strsplit (path + 1, "/", 16);
  for (gsize i = 0; segments != NULL && i < G_N_ELEMENTS (routes); i++) {
    const char *seg_id, *seg_file;
    const char *seg_names[2];

    if (!path_matches (routes[i].pattern, segments, &seg_id, &seg_file,
            seg_names))
      continue;
    if (strcmp (routes[i].method, method) == 0) {
      route = &routes[i];
      id = seg_id;
      file = seg_file;
      names[0] = seg_names[0];
      names[1] = seg_names[1];
      break;
    }
    if (strstr (allow->str, routes[i].method) == NULL)
      g_string_append_printf (allow, "%s%s", allow->len > 0 ? ", " : "",
          routes[i].method);
  }
  if (route == NULL) {
    if (allow->len > 0 && strcmp (method, "OPTIONS") == 0 &&
        ce_api_cors_preflight (self, msg, allow->str))
      return;
    if (allow->len > 0) {
      g_autofree char *m = g_strdup_printf ("%.16s is not allowed here; use %s",
          req.method, allow->str);

      g_object_set_data_full (G_OBJECT (msg), "ce-route",
          g_strdup ("method_not_allowed"), g_free);
      soup_message_headers_replace (
          soup_server_message_get_response_headers (msg), "Allow", allow->str);
      ce_api_respond_error (msg, CE_API_ERROR_METHOD, m);
    } else {
      ce_api_respond_error (msg, CE_API_ERROR_NOT_FOUND,
          "No such route (see /api/v1/openapi.json)");
    }
    return;
  }
  g_object_set_data_full (G_OBJECT (msg), "ce-route",
      g_strdup_printf ("%s %s", route->method, route->pattern), g_free);

  req.client = client_ip (msg);
  if (route->access == ROUTE_MEDIA) {
    /* The token is in the query: parse it first, and the camera id the
     * token is checked against. */
    if (!ce_api_check_id (id, &error)) {
      ce_api_respond_gerror (msg, error);
      goto out;
    }
    req.id = id;
    req.params = ce_api_query_parse (
        g_uri_get_query (soup_server_message_get_uri (msg)), &error);
    if (req.params == NULL) {
      ce_api_respond_gerror (msg, error);
      goto out;
    }
    if (!authenticate (&req, g_hash_table_lookup (req.params, "token"), NULL))
      goto out;
    route->handler (&req);
    goto out;
  }
  if (route->access == ROUTE_EVENTS) {
    if (!authenticate_events (&req))
      goto out;
  } else if (route->access != ROUTE_PUBLIC &&
      !authenticate (&req, NULL, NULL)) {
    goto out;
  }
  if (route->access == ROUTE_ADMIN && !ce_api_require_admin (&req))
    goto out;
  if (id != NULL && !ce_api_check_id (id, &error)) {
    ce_api_respond_gerror (msg, error);
    goto out;
  }
  req.id = id;
  req.file = file;
  req.name = names[0];
  req.sub = names[1];
  req.params = ce_api_query_parse (
      g_uri_get_query (soup_server_message_get_uri (msg)), &error);
  if (req.params == NULL) {
    ce_api_respond_gerror (msg, error);
    goto out;
  }
  route->handler (&req);

out:
  g_clear_pointer (&req.params, g_hash_table_unref);
  g_clear_pointer (&req.principal, ce_principal_unref);
  g_free (req.client);
}

/* Before the body is read: refuse what is too large or unbounded. */
static void
handle_early (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  CeApi *self = user_data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  gsize limit = self->config.max_body_bytes;
  goffset length;
  g_autofree char *m = NULL;

  if (g_str_has_suffix (path, "/cameras:import"))
    limit = self->config.max_import_bytes;
  switch (soup_message_headers_get_encoding (h)) {
    case SOUP_ENCODING_NONE:
      return;
    case SOUP_ENCODING_CONTENT_LENGTH:
      length = soup_message_headers_get_content_length (h);
      if (length >= 0 && (guint64) length <= limit)
        return;
      m = g_strdup_printf ("Body: %" G_GINT64_FORMAT
                           " bytes is over the limit of %" G_GSIZE_FORMAT,
          (gint64) length, limit);
      ce_api_respond_error (msg, CE_API_ERROR_TOO_LARGE, m);
      break;
    default:
      ce_api_respond_error (msg, CE_API_ERROR_LENGTH_REQUIRED,
          "Body: send a Content-Length (chunked bodies are not accepted)");
      break;
  }
  g_object_set_data_full (G_OBJECT (msg), "ce-route", g_strdup ("refused"),
      g_free);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Connection", "close");
}

static void
on_request_finished (SoupServer *server, SoupServerMessage *msg,
    gpointer user_data)
{
  CeApi *self = user_data;
  const char *route = g_object_get_data (G_OBJECT (msg), "ce-route");

  ce_api_metrics_count_request (self->metrics,
      route != NULL ? route : "not_found",
      soup_server_message_get_status (msg));
}

typedef struct
{
  CeApi *api;
  GObject *conn;   /* weak */
  GSocket *socket; /* borrowed from conn */
  char *key;
} PeerSocket;

static char *
peer_key (GSocketAddress *a)
{
  g_autofree char *ip = NULL;

  if (a == NULL || !G_IS_INET_SOCKET_ADDRESS (a))
    return NULL;
  ip = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (a)));
  return g_strdup_printf ("%s:%u", ip,
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (a)));
}

static void on_conn_gone (gpointer data, GObject *where_the_object_was);

static void
peer_socket_free (PeerSocket *ps)
{
  if (ps->conn != NULL)
    g_object_weak_unref (ps->conn, on_conn_gone, ps);
  g_free (ps->key);
  g_free (ps);
}

static void
on_conn_gone (gpointer data, GObject *where_the_object_was)
{
  PeerSocket *ps = data;

  ps->conn = NULL;
  g_hash_table_remove (ps->api->sockets, ps->key);
}

char *
ce_api_peer (SoupServerMessage *msg)
{
  char *key = peer_key (soup_server_message_get_remote_address (msg));

  return key != NULL ? key : g_strdup ("?");
}

GSocket *
ce_api_peer_socket (CeApi *api, SoupServerMessage *msg)
{
  g_autofree char *key =
      peer_key (soup_server_message_get_remote_address (msg));
  PeerSocket *ps = key != NULL ? g_hash_table_lookup (api->sockets, key) : NULL;

  return ps != NULL ? ps->socket : NULL;
}

static gboolean
on_accept (GSocket *listener, GIOCondition condition, gpointer data)
{
  CeApi *self = data;

  for (;;) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSocket) socket = g_socket_accept (listener, NULL, &error);
    g_autoptr (GSocketConnection) conn = NULL;
    g_autoptr (GSocketAddress) local = NULL;
    g_autoptr (GSocketAddress) remote = NULL;
    g_autofree char *key = NULL;

    if (socket == NULL) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_warning ("HTTP: cannot accept a connection: %s", error->message);
      break;
    }
    /* libsoup writes a response's head and body separately: without
     * TCP_NODELAY the body waits for the client's delayed ACK (40 ms) on
     * kept-alive connections. */
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
    conn = g_socket_connection_factory_create_connection (socket);
    local = g_socket_get_local_address (socket, NULL);
    remote = g_socket_get_remote_address (socket, NULL);
    /* Known before libsoup sees the connection: it may read and route
     * the first request from inside soup_server_accept_iostream(). */
    key = peer_key (remote);
    if (key != NULL) {
      PeerSocket *ps = g_new0 (PeerSocket, 1);

      ps->api = self;
      ps->key = g_steal_pointer (&key);
      ps->socket = socket;
      ps->conn = G_OBJECT (conn);
      g_object_weak_ref (ps->conn, on_conn_gone, ps);
      g_hash_table_replace (self->sockets, ps->key, ps);
    }
    if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (conn), local,
            remote, &error))
      g_warning ("HTTP: cannot serve a connection: %s", error->message);
  }
  return G_SOURCE_CONTINUE;
}

/* libsoup 3.2 keeps a connection alive after a response only when the
 * server has a listener of its own (soup-server.c, request_finished());
 * with soup_server_accept_iostream() alone every request costs a new TCP
 * connection.  The server gets a Unix socket listener in a private
 * directory (mode 0700) that nobody connects to. */
static gboolean
add_keepalive_listener (CeApi *self, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;

  self->keepalive_dir = g_dir_make_tmp ("cityeye-http-XXXXXX", error);
  if (self->keepalive_dir == NULL)
    return FALSE;
  path = g_build_filename (self->keepalive_dir, "unused", NULL);
  address = g_unix_socket_address_new (path);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL || !g_socket_bind (socket, address, FALSE, error) ||
      !g_socket_listen (socket, error) ||
      !soup_server_listen_socket (self->soup, socket, 0, error)) {
    g_prefix_error (error, "HTTP keep-alive listener %s: ", path);
    return FALSE;
  }
  return TRUE;
}

static void
remove_keepalive_listener (CeApi *self)
{
  g_autofree char *path = NULL;

  if (self->keepalive_dir == NULL)
    return;
  path = g_build_filename (self->keepalive_dir, "unused", NULL);
  g_unlink (path);
  g_rmdir (self->keepalive_dir);
  g_clear_pointer (&self->keepalive_dir, g_free);
}

CeApi *
ce_api_new (const CeApiConfig *config, const CeApiDeps *deps, GError **error)
{
  CeApi *self;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GResource) resource = NULL;

  g_return_val_if_fail (config != NULL && deps != NULL, NULL);

  inet = g_inet_address_new_from_string (config->address);
  if (inet == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[http] address: “%s” is not an IP address", config->address);
    return NULL;
  }
  self = g_new0 (CeApi, 1);
  self->config = *config;
  self->config.address = g_strdup (config->address);
  self->config.public_host = g_strdup (config->public_host);
  self->config.console_crs = g_strdup (config->console_crs);
  self->config.console_tile_url = g_strdup (config->console_tile_url);
  self->config.wall_mosaic_size = g_strdup (config->wall_mosaic_size);
  self->config.cors_origins = g_strdup (config->cors_origins);
  if (!parse_mosaic_size (&self->config, error) ||
      !ce_api_console_init (self, error) || !ce_api_cors_init (self, error)) {
    ce_api_free (self);
    return NULL;
  }
  self->registry = deps->registry;
  self->relay = deps->relay;
  self->rtsp = deps->rtsp;
  self->auth = deps->auth;
  self->rtsp_address = g_strdup (deps->rtsp_address);
  self->openapi = g_resources_lookup_data ("/org/cityeye/api/openapi.json",
      G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (self->openapi == NULL) {
    ce_api_free (self);
    return NULL;
  }

  socket_address = g_inet_socket_address_new (inet, config->port);
  self->listener = g_socket_new (g_inet_address_get_family (inet),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (self->listener == NULL) {
    ce_api_free (self);
    return NULL;
  }
  g_socket_set_blocking (self->listener, FALSE);
  g_socket_set_listen_backlog (self->listener, 512);
  if (!g_socket_bind (self->listener, socket_address, TRUE, error) ||
      !g_socket_listen (self->listener, error) ||
      (local = g_socket_get_local_address (self->listener, error)) == NULL) {
    g_prefix_error (error, "Cannot serve HTTP on %s:%u: ", config->address,
        config->port);
    ce_api_free (self);
    return NULL;
  }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  self->sockets = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) peer_socket_free);
  ce_api_admission_init (self);
  self->metrics = ce_api_metrics_new (self);
  self->snapshots = ce_api_snapshots_new (self);
  self->checker = deps->checker;
  if (self->checker == NULL) {
    self->checker = ce_deep_checker_new (self->relay, self->registry, NULL);
    self->own_checker = TRUE;
  }
  self->walls = ce_api_walls_new (self);
  self->live = ce_api_live_new (self);
  self->mux = ce_api_mux_new (self);
  self->hls = ce_api_hls_new (self);
  self->mosaics = ce_api_mosaics_new (self);
  self->soup = soup_server_new ("server-header", "cityeye", NULL);
  soup_server_add_early_handler (self->soup, NULL, handle_early, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  g_signal_connect (self->soup, "request-finished",
      G_CALLBACK (on_request_finished), self);
  if (!add_keepalive_listener (self, error)) {
    ce_api_free (self);
    return NULL;
  }
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_accept), self,
      NULL);
  g_source_attach (self->accept_source, NULL);
  g_message ("HTTP API on %s:%u", config->address, self->port);
  return self;
}

guint
ce_api_get_port (CeApi *self)
{
  return self->port;
}

void
ce_api_free (CeApi *self)
{
  if (self == NULL)
    return;
  if (self->accept_source != NULL) {
    g_source_destroy (self->accept_source);
    g_source_unref (self->accept_source);
  }
  if (self->listener != NULL) {
    g_socket_close (self->listener, NULL);
    g_object_unref (self->listener);
  }
  /* Snapshots still decoding answer their clients before the server
   * goes away. */
  if (self->relay != NULL)
    ce_api_admission_fini (self);
  g_clear_pointer (&self->snapshots, ce_api_snapshots_free);
  ce_api_checks_fini (self);
  /* Mosaics before walls: they read the walls' live state. */
  g_clear_pointer (&self->mosaics, ce_api_mosaics_free);
  g_clear_pointer (&self->walls, ce_api_walls_free);
  /* Sockets before the live viewers: their channels are viewers. */
  g_clear_pointer (&self->mux, ce_api_mux_free);
  g_clear_pointer (&self->live, ce_api_live_free);
  g_clear_pointer (&self->hls, ce_api_hls_free);
  if (self->soup != NULL) {
    soup_server_disconnect (self->soup);
    g_clear_object (&self->soup);
    while (g_main_context_iteration (NULL, FALSE))
      ;
  }
  remove_keepalive_listener (self);
  if (self->own_checker)
    g_clear_pointer (&self->checker, ce_deep_checker_free);
  g_clear_pointer (&self->sockets, g_hash_table_unref);
  g_clear_pointer (&self->metrics, ce_api_metrics_free);
  g_clear_pointer (&self->openapi, g_bytes_unref);
  g_free (self->console_csp);
  g_strfreev (self->cors);
  g_free (self->rtsp_address);
  ce_api_config_clear (&self->config);
  g_free (self);
}
