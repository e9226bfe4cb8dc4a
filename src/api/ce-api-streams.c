/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Viewing grants (POST /api/v1/cameras/{id}/streams), the list of active
 * upstreams (GET /api/v1/streams) and closing a stream or one viewer
 * (DELETE /api/v1/streams/{id}).
 */
#include "ce-api-private.h"

#include <math.h>
#include <string.h>

/* The host clients should use for media URLs. */
static char *
media_host (CeApiRequest *req)
{
  CeApi *api = req->api;
  const char *host;
  g_autoptr (GInetAddress) inet = NULL;

  if (api->config.public_host != NULL)
    return g_strdup (api->config.public_host);
  inet = g_inet_address_new_from_string (api->rtsp_address);
  if (inet != NULL && !g_inet_address_get_is_any (inet)) {
    if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
      return g_strdup_printf ("[%s]", api->rtsp_address);
    return g_strdup (api->rtsp_address);
  }
  /* Listening on every address: the name the client reached us by. */
  host = g_uri_get_host (soup_server_message_get_uri (req->msg));
  if (host != NULL && *host != '\0' && strlen (host) < 256) {
    for (const char *p = host; *p != '\0'; p++)
      if (!g_ascii_isalnum (*p) && strchr (".-:", *p) == NULL)
        return g_strdup ("127.0.0.1");
    if (strchr (host, ':') != NULL)
      return g_strdup_printf ("[%s]", host);
    return g_strdup (host);
  }
  return g_strdup ("127.0.0.1");
}

/* A Host header fit to be put in URLs: name or address, optional port. */
static gboolean
host_header_valid (const char *h)
{
  gsize n = strlen (h);

  if (n == 0 || n > 255)
    return FALSE;
  for (const char *p = h; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (".-:[]", *p) == NULL)
      return FALSE;
  return TRUE;
}

static char *
iso_time (gint64 real_us)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (real_us / 1000000);

  return dt != NULL ? g_date_time_format_iso8601 (dt) : g_strdup ("");
}

static gboolean
optional_string (JsonObject *o, const char *name, guint max, const char **out,
    GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  *out = NULL;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Body: %s must be a string", name);
    return FALSE;
  }
  *out = json_node_get_string (n);
  if (strlen (*out) > max) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: %s is longer than %u bytes", name, max);
    return FALSE;
  }
  return TRUE;
}

/* Protocols the gateway serves today; the grant lists a URL for each. */
void
ce_api_streams_grant (CeApiRequest *req)
{
  static const char *const known[] = {"profile", "incident", "reason", NULL};
  CeApi *api = req->api;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *token = NULL;
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  g_autofree char *http_base = NULL;
  g_autofree char *query = NULL;
  g_autofree char *expires = NULL;
  const char *profile = "main", *incident = NULL, *reason = NULL;
  SoupMessageBody *raw = soup_server_message_get_request_body (req->msg);
  gint64 expires_us = 0;
  CeAuditRecord rec = {0};

  if (!ce_api_params_check (req->params, NULL, &error))
    goto fail;
  if (raw != NULL && raw->length > 0) {
    JsonObject *o;

    body = ce_api_request_json (req, known, &error);
    if (body == NULL)
      goto fail;
    o = json_node_get_object (body);
    if (!optional_string (o, "profile", 8, &profile, &error) ||
        !optional_string (o, "incident", 128, &incident, &error) ||
        !optional_string (o, "reason", 512, &reason, &error))
      goto fail;
    if (profile == NULL)
      profile = "main";
    if (strcmp (profile, "main") != 0 && strcmp (profile, "sub") != 0) {
      g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "Body: profile: “%s” is not main or sub", profile);
      goto fail;
    }
  }
  camera = ce_api_request_camera (req, &error);
  if (camera == NULL)
    goto fail;

  token = ce_auth_issue_play_token (api->auth, req->principal, camera->id,
      incident, &expires_us);
  host = media_host (req);
  url = g_strdup_printf ("rtsp://%s:%u/cameras/%s?%stoken=%s", host,
      ce_rtsp_server_get_port (api->rtsp), camera->id,
      strcmp (profile, "sub") == 0 ? "profile=sub&" : "", token);
  /* The HTTP URLs: on the host the client used for this request (the
   * API's own port), or the configured public host. */
  {
    const char *h = soup_message_headers_get_one (
        soup_server_message_get_request_headers (req->msg), "Host");
    g_autofree char *hp = NULL;

    if (api->config.public_host != NULL)
      hp = g_strdup_printf ("%s:%u", api->config.public_host, api->port);
    else if (h != NULL && host_header_valid (h))
      hp = g_strdup (h);
    else
      hp = g_strdup_printf ("%s:%u", host, api->port);
    http_base = g_strdup_printf ("://%s/api/v1/cameras/%s/", hp, camera->id);
  }
  query = g_strdup_printf ("token=%s%s", token,
      strcmp (profile, "sub") == 0 ? "&profile=sub" : "");
  rec.user = req->principal->user;
  rec.camera_id = camera->id;
  rec.protocol = "grant";
  rec.client = req->client;
  rec.action = "grant";
  rec.start_us = g_get_real_time ();
  rec.incident = incident;
  rec.reason = reason;
  if (ce_auth_audit_append (api->auth, &rec, &error) < 0) {
    /* No audit row, no grant: the audit is a duty, not a nicety. */
    g_prefix_error (&error, "Audit: ");
    goto fail;
  }
  expires = iso_time (expires_us);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "camera_id");
  json_builder_add_string_value (b, camera->id);
  json_builder_set_member_name (b, "user");
  json_builder_add_string_value (b, req->principal->user);
  json_builder_set_member_name (b, "profile");
  json_builder_add_string_value (b, profile);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "expires_at");
  json_builder_add_string_value (b, expires);
  json_builder_set_member_name (b, "urls");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rtsp");
  json_builder_add_string_value (b, url);
  {
    static const char *const names[] = {"ws", "mp4", "flv", "hls"};
    static const char *const paths[] = {"live.ws", "live.mp4", "live.flv",
        "hls/index.m3u8"};

    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      g_autofree char *u = g_strdup_printf ("%s%s%s?%s", i == 0 ? "ws" : "http",
          http_base, paths[i], query);

      json_builder_set_member_name (b, names[i]);
      json_builder_add_string_value (b, u);
    }
    if (api->config.transcode_max > 0) {
      /* For a browser without HEVC when the camera is H.265. */
      g_autofree char *u =
          g_strdup_printf ("ws%slive.ws?%s&codec=h264", http_base, query);

      json_builder_set_member_name (b, "ws_h264");
      json_builder_add_string_value (b, u);
    }
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  g_message ("HTTP: grant for %s to %s from %s%s%s", camera->id,
      req->principal->user, req->client, incident != NULL ? ", incident " : "",
      incident != NULL ? incident : "");
  ce_api_respond_json (req->msg, SOUP_STATUS_CREATED, root);
  return;

fail:
  ce_api_respond_gerror (req->msg, error);
}

static void
add_ms (JsonBuilder *b, const char *name, double ms)
{
  json_builder_set_member_name (b, name);
  if (ms < 0 || isnan (ms))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, round (ms * 10) / 10);
}

gboolean
ce_api_camera_visible (CeApiRequest *req, const char *camera_id,
    GHashTable *seen)
{
  gpointer cached;
  g_autoptr (CeCamera) camera = NULL;
  gboolean ok;

  if (ce_principal_is_admin (req->principal))
    return TRUE;
  if (g_hash_table_lookup_extended (seen, camera_id, NULL, &cached))
    return GPOINTER_TO_INT (cached);
  camera = ce_registry_dup_camera (req->api->registry, camera_id, NULL);
  ok = camera != NULL && ce_principal_may_see (req->principal, camera);
  g_hash_table_insert (seen, g_strdup (camera_id), GINT_TO_POINTER (ok));
  return ok;
}

void
ce_api_streams_list (CeApiRequest *req)
{
  CeApi *api = req->api;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) streams = NULL;
  g_autoptr (GPtrArray) viewers = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (GHashTable) seen =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  gboolean admin = ce_principal_is_admin (req->principal);
  gint64 mono = g_get_monotonic_time (), real = g_get_real_time ();

  if (!ce_api_params_check (req->params, NULL, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  streams = ce_relay_list_streams (api->relay);
  viewers = ce_rtsp_server_list_viewers (api->rtsp);
  live = ce_api_live_list (api);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "streams");
  json_builder_begin_array (b);
  for (guint i = 0; i < streams->len; i++) {
    const CeStreamSnapshot *s = g_ptr_array_index (streams, i);
    g_autofree char *since = NULL;
    guint rtsp_viewers = 0;
    guint live_viewers[CE_API_LIVE_N] = {0};
    guint live_holders = 0;

    if (!ce_api_camera_visible (req, s->camera_id, seen))
      continue;
    since = iso_time (real - (mono - s->since_us));
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "camera_id");
    json_builder_add_string_value (b, s->camera_id);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, s->name != NULL ? s->name : "");
    json_builder_set_member_name (b, "profile");
    json_builder_add_string_value (b, ce_profile_to_string (s->profile));
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, ce_stream_state_to_string (s->state));
    json_builder_set_member_name (b, "since");
    json_builder_add_string_value (b, since);
    json_builder_set_member_name (b, "reconnects");
    json_builder_add_int_value (b, s->reconnects);
    json_builder_set_member_name (b, "last_error");
    if (s->last_error != NULL)
      json_builder_add_string_value (b, s->last_error);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "codec");
    if (s->hub.codec != CE_CODEC_UNKNOWN)
      json_builder_add_string_value (b, ce_codec_to_string (s->hub.codec));
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "width");
    json_builder_add_int_value (b, s->hub.width);
    json_builder_set_member_name (b, "height");
    json_builder_add_int_value (b, s->hub.height);
    json_builder_set_member_name (b, "bitrate_bps");
    json_builder_add_int_value (b, (gint64) s->hub.bitrate_bps);
    json_builder_set_member_name (b, "gop_seconds");
    json_builder_add_double_value (b,
        round ((double) s->hub.gop_duration / 1e6) / 1e3);
    json_builder_set_member_name (b, "gop_frames");
    json_builder_add_int_value (b, s->hub.gop_frames);
    json_builder_set_member_name (b, "bytes_in");
    json_builder_add_int_value (b, (gint64) s->hub.bytes_in);
    json_builder_set_member_name (b, "first_frame_ms");
    json_builder_begin_object (b);
    add_ms (b, "lookup", s->first_frame.lookup_ms);
    add_ms (b, "connect", s->first_frame.connect_ms);
    add_ms (b, "setup", s->first_frame.setup_ms);
    add_ms (b, "keyframe", s->first_frame.keyframe_ms);
    add_ms (b, "out", s->first_frame.out_ms);
    add_ms (b, "total", s->first_frame.total_ms);
    json_builder_end_object (b);
    if (admin) {
      json_builder_set_member_name (b, "clients");
      json_builder_begin_array (b);
    }
    for (guint v = 0; v < viewers->len; v++) {
      const CeRtspViewerInfo *vi = g_ptr_array_index (viewers, v);

      if (strcmp (vi->camera_id, s->camera_id) != 0 ||
          vi->profile != s->profile)
        continue;
      rtsp_viewers++;
      if (!admin)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "protocol");
      json_builder_add_string_value (b, "rtsp");
      json_builder_set_member_name (b, "peer");
      json_builder_add_string_value (b, vi->peer);
      json_builder_set_member_name (b, "transport");
      json_builder_add_string_value (b, vi->udp ? "udp" : "tcp");
      json_builder_set_member_name (b, "playing");
      json_builder_add_boolean_value (b, vi->playing);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) vi->bytes);
      json_builder_end_object (b);
    }
    for (guint v = 0; v < live->len; v++) {
      const CeApiLiveInfo *li = g_ptr_array_index (live, v);
      g_autofree char *since_client = NULL;

      if (strcmp (li->camera_id, s->camera_id) != 0 ||
          li->profile != s->profile)
        continue;
      live_viewers[li->protocol]++;
      if (!admin)
        continue;
      since_client = iso_time (li->since_us);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "protocol");
      json_builder_add_string_value (b,
          ce_api_live_protocol_to_string (li->protocol));
      json_builder_set_member_name (b, "peer");
      json_builder_add_string_value (b, li->peer);
      if (li->channel >= 0) {
        /* Channels of one live socket share its peer. */
        json_builder_set_member_name (b, "channel");
        json_builder_add_int_value (b, li->channel);
      }
      json_builder_set_member_name (b, "user");
      json_builder_add_string_value (b, li->user);
      /* A viewer waiting for the camera's first picture is listed (and
       * can be closed) like one that plays. */
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b,
          li->connecting ? "connecting" : "playing");
      json_builder_set_member_name (b, "playing");
      json_builder_add_boolean_value (b, !li->connecting);
      json_builder_set_member_name (b, "since");
      json_builder_add_string_value (b, since_client);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) li->bytes);
      json_builder_end_object (b);
    }
    if (admin)
      json_builder_end_array (b);
    json_builder_set_member_name (b, "viewers");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "rtsp");
    json_builder_add_int_value (b, rtsp_viewers);
    for (guint p = 0; p < CE_API_LIVE_N; p++) {
      json_builder_set_member_name (b, ce_api_live_protocol_to_string (p));
      json_builder_add_int_value (b, live_viewers[p]);
      /* Each browser viewer holds the stream once; HLS sessions share
       * one hold per camera. */
      if (p != CE_API_LIVE_HLS)
        live_holders += live_viewers[p];
      else if (live_viewers[p] > 0)
        live_holders++;
    }
    /* Holders that are neither RTSP nor browser viewers: snapshots being
     * taken. */
    json_builder_set_member_name (b, "snapshot");
    json_builder_add_int_value (b,
        s->viewers > rtsp_viewers + live_holders
            ? s->viewers - rtsp_viewers - live_holders
            : 0);
    json_builder_end_object (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}

/* DELETE /api/v1/streams/{id}[?profile=main|sub][&viewer=IP:PORT
 * [&channel=N]]: closes the viewers (all, or one: a peer, or one channel
 * of a multiplexed live socket, whose channels share its peer); the
 * upstream then lingers and stops as after any last viewer. */
void
ce_api_streams_close (CeApiRequest *req)
{
  static const char *const known[] = {"profile", "viewer", "channel", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *profile = g_hash_table_lookup (req->params, "profile");
  const char *viewer = g_hash_table_lookup (req->params, "viewer");
  int p = -1;
  gint64 channel = -1;
  guint closed;

  if (!ce_api_params_check (req->params, known, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (profile != NULL) {
    if (strcmp (profile, "main") == 0) {
      p = CE_PROFILE_MAIN;
    } else if (strcmp (profile, "sub") == 0) {
      p = CE_PROFILE_SUB;
    } else {
      ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE,
          "profile: not main or sub");
      return;
    }
  }
  if (viewer != NULL && (*viewer == '\0' || strlen (viewer) > 64)) {
    ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE,
        "viewer: give the peer IP:PORT listed by GET /api/v1/streams");
    return;
  }
  if (!ce_api_param_int (req->params, "channel", 0, G_MAXINT32, &channel,
          &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (channel >= 0 && viewer == NULL) {
    ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE,
        "channel: give it with viewer, the peer IP:PORT of its live socket "
        "listed by GET /api/v1/streams");
    return;
  }
  /* A channel is a browser viewer: RTSP ones have none. */
  closed = channel >= 0
      ? 0
      : ce_rtsp_server_kick (req->api->rtsp, req->id, p, viewer);
  closed += ce_api_live_kick (req->api, req->id, p, viewer, channel);
  if (closed == 0) {
    ce_api_respond_error (req->msg, CE_API_ERROR_NOT_FOUND,
        viewer != NULL ? "No such viewer of this camera"
                       : "No viewer of this camera");
    return;
  }
  g_message ("HTTP: %s closed %u viewer(s) of %s", req->principal->user, closed,
      req->id);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "closed");
  json_builder_add_int_value (b, closed);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}
