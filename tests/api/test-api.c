/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The HTTP control API end to end: the camera simulator as the cameras,
 * cityeyed as a subprocess with a temporary registry, a libsoup client for
 * every route, rtspsrc clients for the grants, and a search for the camera
 * password in every response body and in the gateway's log.
 */
#include "ce-auth.h"
#include "ce-geo.h"
#include "ce-registry.h"
#include "ce-registry-accounts.h"
#include "ce-registry-health.h"
#include "camsim-fixture.h"
#include "gateway-fixture.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

/* The camera password; it must never come out of the gateway. */
#define CAMERA_PASSWORD "Zq7pW3xK9-secret"

#define ID_PS "31011300001320000101"      /* 公安, needs Digest auth */
#define ID_XL "31011300001320000102"      /* 雪亮 */
#define ID_SO "31011300001320000103"      /* 社会面, H.265 */
#define ID_SECRET "31011300001320000104"  /* 雪亮, secrecy 1 */
#define ID_UNREACH "31011300001320000105" /* 社会面, nothing listens */
#define ID_NONE "31011300001320000199"    /* valid, not registered */

typedef struct
{
  CamsimProcess *sim;
  GatewayProcess *gw;
  char *admin;     /* API tokens */
  char *operator;  /* 雪亮 + 社会面, secrecy 0 */
  char *viewer;    /* every source, secrecy 1 */
  GString *bodies; /* every response body, for the password check */
} Env;

static Env env;

/* ---- fixture ----------------------------------------------------------- */

static void
add_camera (const char *id, const char *cam, CeSource source,
    const char *street, double lon, double lat, int secrecy,
    const char *password)
{
  g_autofree char *name = g_strdup_printf ("测试相机 %s", cam);
  g_autofree char *url = cam[0] == '-'
      ? g_strdup ("rtsp://127.0.0.1:1/cam/nothing")
      : camsim_url (env.sim, cam, NULL);
  g_autoptr (CeCamera) c = gateway_camera_new (id, name, source, url);

  c->street = g_strdup (street);
  c->lon = lon;
  c->lat = lat;
  c->secrecy = secrecy;
  if (password != NULL) {
    c->username = g_strdup ("admin");
    c->password = g_strdup (password);
  }
  gateway_process_add_camera (env.gw, c);
}

static void
env_start (void)
{
  const char *sim_args[] = {"--fault=camA=auth",
      "--auth-password=" CAMERA_PASSWORD, NULL};
  guint all = CE_AUTH_ALL_SOURCES;

  env.gw = gateway_process_new ("api");
  env.bodies = g_string_new (NULL);
  env.sim = camsim_process_start (sim_args);

  add_camera (ID_PS, "camA", CE_SOURCE_PUBLIC_SECURITY, "顾村镇", 121.40, 31.35,
      0, CAMERA_PASSWORD);
  add_camera (ID_XL, "camB", CE_SOURCE_XUELIANG, "大场镇", 121.41, 31.36, 0,
      NULL);
  add_camera (ID_SO, "camC-h265", CE_SOURCE_SOCIAL, "大场镇", 121.42, 31.37, 0,
      NULL);
  add_camera (ID_SECRET, "camD", CE_SOURCE_XUELIANG, "顾村镇", 121.43, 31.38, 1,
      NULL);
  add_camera (ID_UNREACH, "-", CE_SOURCE_SOCIAL, "月浦镇", 121.44, 31.39, 0,
      NULL);
  env.admin = gateway_process_add_user (env.gw, "root", "admin", all, 1);
  env.operator= gateway_process_add_user (env.gw, "op1", "operator",
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) | CE_SOURCE_BIT (CE_SOURCE_SOCIAL), 0);
  env.viewer = gateway_process_add_user (env.gw, "wall1", "viewer", all, 1);
  /* The log: no camera password. */
  gateway_process_add_secret (env.gw, CAMERA_PASSWORD);

  gateway_process_setenv (env.gw, "G_MESSAGES_DEBUG", "all");
  gateway_process_start (env.gw,
      "[relay]\nlinger=3\nstart_timeout=4\n"
      "connect_timeout=1\nbackoff_initial=0.2\n"
      "backoff_max=0.5\n"
      "[wall]\nwarm_presets=true\n"
      "[http]\nmax_body=4\n"
      "snapshot_timeout=2.5\nsnapshot_cache=1\n"
      "cors_origins=http://console.test:8000, "
      "https://ops.example\n"
      "[console]\ncrs=gcj02\n"
      "tile_url=http://tiles.test:8088/{z}/{x}/{y}.png\n");
}

static void
env_stop (void)
{
  gateway_process_stop (env.gw);
  camsim_process_stop (env.sim);

  /* Every response: no camera password. */
  g_assert_null (strstr (env.bodies->str, CAMERA_PASSWORD));
  g_assert_cmpuint (env.bodies->len, >, 10000);

  g_free (env.admin);
  g_free (env.operator);
  g_free (env.viewer);
  g_string_free (env.bodies, TRUE);
}

/* ---- the client -------------------------------------------------------- */

typedef struct
{
  guint status;
  GBytes *body;
  SoupMessageHeaders *headers;
  JsonNode *json; /* when the body is JSON */
} Reply;

static void
reply_free (Reply *r)
{
  g_bytes_unref (r->body);
  soup_message_headers_unref (r->headers);
  if (r->json != NULL)
    json_node_unref (r->json);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static void
reply_parse_json (Reply *r)
{
  const char *type = soup_message_headers_get_content_type (r->headers, NULL);

  g_string_append_len (env.bodies, g_bytes_get_data (r->body, NULL),
      g_bytes_get_size (r->body));
  if (type != NULL && strcmp (type, "application/json") == 0) {
    g_autoptr (JsonParser) parser = json_parser_new ();

    g_assert_true (json_parser_load_from_data (parser,
        g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), NULL));
    r->json = json_node_ref (json_parser_get_root (parser));
  }
}

/* Over a plain socket, for requests libsoup's client will not send (bad
 * percent-escapes, chunked bodies). */
static Reply *
raw_request (const char *head_and_body)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  char buf[4096];
  gssize n;
  const char *body;
  Reply *r = g_new0 (Reply, 1);

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1",
      (guint16) gateway_process_http_port (env.gw), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
      head_and_body, strlen (head_and_body), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (
              g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
              sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (out, buf, n);
  body = strstr (out->str, "\r\n\r\n");
  g_assert_nonnull (body);
  r->body = g_bytes_new (body + 4, strlen (body + 4));
  g_string_truncate (out, body - out->str);
  lines = g_strsplit (out->str, "\r\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "HTTP/1.1 "));
  r->status = (guint) g_ascii_strtoull (lines[0] + 9, NULL, 10);
  r->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  for (guint i = 1; lines[i] != NULL; i++) {
    char *colon = strchr (lines[i], ':');

    if (colon == NULL)
      continue;
    *colon = '\0';
    soup_message_headers_append (r->headers, lines[i], g_strstrip (colon + 1));
  }
  reply_parse_json (r);
  return r;
}

static Reply *
request_full (const char *method, const char *path, const char *token,
    const char *content_type, const char *body, gssize len)
{
  g_autofree char *uri = gateway_process_http_url (env.gw, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GError) error = NULL;
  Reply *r;

  if (msg == NULL) {
    g_autofree char *raw = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: x\r\n"
                                            "Connection: close\r\n"
                                            "Authorization: Bearer %s\r\n\r\n",
        method, path, token);

    g_assert_null (body);
    return raw_request (raw);
  }
  r = g_new0 (Reply, 1);
  if (token != NULL) {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
  }
  if (body != NULL) {
    g_autoptr (GBytes) b =
        g_bytes_new (body, len < 0 ? strlen (body) : (gsize) len);
    soup_message_set_request_body_from_bytes (msg,
        content_type != NULL ? content_type : "application/json", b);
  }
  r->body = soup_session_send_and_read (gateway_process_session (env.gw), msg,
      NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers =
      soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply_parse_json (r);
  return r;
}

static Reply *
get (const char *path, const char *token)
{
  return request_full ("GET", path, token, NULL, NULL, 0);
}

static JsonObject *
obj (Reply *r)
{
  g_assert_nonnull (r->json);
  return json_node_get_object (r->json);
}

/* Asserts the status and, for errors, the JSON error shape and code. */
static void
assert_error (Reply *r, guint status, const char *code)
{
  JsonObject *e;

  if (r->status != status)
    g_error ("expected %u, got %u: %.*s", status, r->status,
        (int) g_bytes_get_size (r->body),
        (const char *) g_bytes_get_data (r->body, NULL));
  e = json_object_get_object_member (obj (r), "error");
  g_assert_nonnull (e);
  g_assert_cmpstr (json_object_get_string_member (e, "code"), ==, code);
  g_assert_true (strlen (json_object_get_string_member (e, "message")) > 0);
}

static void
assert_status (Reply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %.*s", status, r->status,
        (int) g_bytes_get_size (r->body),
        (const char *) g_bytes_get_data (r->body, NULL));
}

static gboolean
has_camera (Reply *r, const char *id)
{
  JsonArray *a = json_object_get_array_member (obj (r), "cameras");

  for (guint i = 0; i < json_array_get_length (a); i++)
    if (strcmp (json_object_get_string_member (
                    json_array_get_object_element (a, i), "id"),
            id) == 0)
      return TRUE;
  return FALSE;
}

static guint
camera_count (Reply *r)
{
  return json_array_get_length (
      json_object_get_array_member (obj (r), "cameras"));
}

/* Width and height from a JPEG's SOF marker; FALSE when there is none. */
static gboolean
jpeg_size (GBytes *bytes, guint *w, guint *h)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);
  gsize i = 2;

  if (len < 4 || d[0] != 0xFF || d[1] != 0xD8)
    return FALSE;
  while (i + 9 < len) {
    guint marker, seg;

    if (d[i] != 0xFF)
      return FALSE;
    marker = d[i + 1];
    seg = (d[i + 2] << 8) | d[i + 3];
    if (marker >= 0xC0 && marker <= 0xC3) {
      *h = (d[i + 5] << 8) | d[i + 6];
      *w = (d[i + 7] << 8) | d[i + 8];
      return TRUE;
    }
    i += 2 + seg;
  }
  return FALSE;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_health_and_openapi (void)
{
  g_autoptr (Reply) h = get ("/healthz", NULL);
  g_autoptr (Reply) doc = get ("/api/v1/openapi.json", NULL);
  /* Every route the gateway implements: method and path. */
  static const char *const routes[][2] = {{"get", "/healthz"},
      {"get", "/metrics"}, {"get", "/api/v1/openapi.json"},
      {"get", "/api/v1/cameras"}, {"post", "/api/v1/cameras"},
      {"post", "/api/v1/cameras:import"}, {"get", "/api/v1/cameras/{id}"},
      {"patch", "/api/v1/cameras/{id}"}, {"delete", "/api/v1/cameras/{id}"},
      {"post", "/api/v1/cameras/{id}/streams"},
      {"get", "/api/v1/cameras/{id}/snapshot.jpg"},
      {"get", "/api/v1/cameras/{id}/health"},
      {"post", "/api/v1/cameras/{id}/check"},
      {"get", "/api/v1/cameras/{id}/live.ws"}, {"get", "/api/v1/live.ws"},
      {"get", "/api/v1/cameras/{id}/live.mp4"},
      {"get", "/api/v1/cameras/{id}/live.flv"},
      {"get", "/api/v1/cameras/{id}/hls/index.m3u8"},
      {"get", "/api/v1/cameras/{id}/hls/{file}"}, {"get", "/api/v1/stats"},
      {"get", "/api/v1/stats/online"}, {"get", "/api/v1/streams"},
      {"delete", "/api/v1/streams/{id}"}, {"get", "/api/v1/audit"},
      {"get", "/api/v1/admission"},
      /* Walls and incidents (tests/api/test-walls.c) */
      {"get", "/api/v1/walls"}, {"post", "/api/v1/walls"},
      {"get", "/api/v1/walls/{name}"}, {"patch", "/api/v1/walls/{name}"},
      {"delete", "/api/v1/walls/{name}"},
      {"post", "/api/v1/walls/{name}/locks"},
      {"delete", "/api/v1/walls/{name}/locks/{sub}"},
      {"get", "/api/v1/walls/{name}/events"},
      {"get", "/api/v1/walls/{name}/presets"},
      {"put", "/api/v1/walls/{name}/presets/{sub}"},
      {"delete", "/api/v1/walls/{name}/presets/{sub}"},
      {"post", "/api/v1/walls/{name}/presets/{sub}/apply"},
      {"get", "/api/v1/incidents"}, {"post", "/api/v1/incidents"},
      {"get", "/api/v1/incidents/{name}"},
      {"post", "/api/v1/incidents/{name}/close"},
      {"get", "/api/v1/map/cameras"}, {"get", "/"}, {"get", "/console/"}};
  JsonObject *paths;
  JsonObjectIter iter;
  const char *path;
  JsonNode *node;
  guint documented = 0;

  assert_status (h, 200);
  g_assert_cmpmem (g_bytes_get_data (h->body, NULL), g_bytes_get_size (h->body),
      "ok\n", 3);
  assert_status (doc, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (doc), "openapi"), ==,
      "3.0.3");
  paths = json_object_get_object_member (obj (doc), "paths");
  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++) {
    JsonObject *p = json_object_get_object_member (paths, routes[i][1]);

    g_assert_nonnull (p);
    if (!json_object_has_member (p, routes[i][0]))
      g_error ("%s %s is not in openapi.json", routes[i][0], routes[i][1]);
  }
  /* …and everything documented is served (no route answers 404 or 405
   * for its documented method). */
  json_object_iter_init (&iter, paths);
  while (json_object_iter_next (&iter, &path, &node)) {
    JsonObjectIter mi;
    const char *method;
    g_autoptr (GString) real = g_string_new (path);

    g_string_replace (real, "{id}", ID_NONE, 0);
    g_string_replace (real, "{name}", "no-wall", 0);
    g_string_replace (real, "{sub}", "no-preset", 0);
    g_string_replace (real, "{file}", "live.m3u8", 0);
    json_object_iter_init (&mi, json_node_get_object (node));
    while (json_object_iter_next (&mi, &method, NULL)) {
      g_autofree char *m = g_ascii_strup (method, -1);
      g_autoptr (Reply) r = NULL;

      if (strcmp (method, "parameters") == 0)
        continue;
      r = request_full (m, real->str, env.admin, NULL,
          strcmp (m, "GET") == 0 || strcmp (m, "DELETE") == 0 ? NULL : "{}",
          -1);
      g_assert_cmpuint (r->status, !=, 405);
      if (r->status == 404)
        assert_error (r, 404, "not_found");
      if (r->json != NULL && json_object_has_member (obj (r), "error"))
        g_assert_cmpstr (
            json_object_get_string_member (
                json_object_get_object_member (obj (r), "error"), "message"),
            !=, "No such route (see /api/v1/openapi.json)");
      documented++;
    }
  }
  g_assert_cmpuint (documented, ==, G_N_ELEMENTS (routes));
}

/* Two requests on one connection: both answered (keep-alive). */
static void
test_keepalive (void)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  const char *two = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\n\r\n";
  char buf[4096];
  gssize n;
  guint answers = 0;

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1",
      (guint16) gateway_process_http_port (env.gw), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
      two, strlen (two), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (
              g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
              sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (out, buf, n);
  for (const char *p = out->str; (p = strstr (p, "HTTP/1.1 200")) != NULL; p++)
    answers++;
  g_assert_cmpuint (answers, ==, 2);
}

static void
test_auth (void)
{
  g_autoptr (Reply) none = get ("/api/v1/cameras", NULL);
  g_autoptr (Reply) bad = get ("/api/v1/cameras", "cey_nonsense");
  g_autoptr (Reply) metrics = get ("/metrics", NULL);
  g_autoptr (Reply) viewer_add =
      request_full ("POST", "/api/v1/cameras", env.viewer, NULL, "{}", -1);
  g_autoptr (Reply) op_audit = get ("/api/v1/audit", env.operator);
  g_autoptr (Reply) op_delete = request_full ("DELETE",
      "/api/v1/cameras/" ID_XL, env.operator, NULL, NULL, 0);
  g_autoptr (Reply) op_close = request_full ("DELETE", "/api/v1/streams/" ID_XL,
      env.operator, NULL, NULL, 0);

  assert_error (none, 401, "unauthorized");
  g_assert_nonnull (
      soup_message_headers_get_one (none->headers, "WWW-Authenticate"));
  assert_error (bad, 401, "unauthorized");
  assert_error (metrics, 401, "unauthorized");
  assert_error (viewer_add, 403, "forbidden");
  assert_error (op_audit, 403, "forbidden");
  assert_error (op_delete, 403, "forbidden");
  assert_error (op_close, 403, "forbidden");
}

static void
test_bad_input (void)
{
  g_autofree char *big = g_strnfill (5 * 1024, ' ');
  struct
  {
    const char *method, *path, *body;
    guint status;
    const char *code;
  } cases[] = {
      {"GET", "/api/v1/nothing", NULL, 404, "not_found"},
      {"GET", "/api/v1/cameras/", NULL, 404, "not_found"},
      {"GET", "/api/v1/cameras/" ID_XL "/", NULL, 404, "not_found"},
      {"GET", "/api/v1//cameras", NULL, 404, "not_found"},
      {"PUT", "/api/v1/cameras/" ID_XL, NULL, 405, "method_not_allowed"},
      {"GET", "/api/v1/cameras/123", NULL, 400, "invalid_id"},
      {"GET", "/api/v1/cameras/3101130000132000010x", NULL, 400, "invalid_id"},
      {"GET", "/api/v1/cameras/99011300001320000101", NULL, 400, "invalid_id"},
      {"GET", "/api/v1/cameras/" ID_NONE, NULL, 404, "not_found"},
      {"GET", "/api/v1/cameras?nonsense=1", NULL, 400, "unknown_field"},
      {"GET", "/api/v1/cameras?limit=1&limit=2", NULL, 400, "bad_request"},
      {"GET", "/api/v1/cameras?limit=0", NULL, 422, "out_of_range"},
      {"GET", "/api/v1/cameras?limit=1001", NULL, 422, "out_of_range"},
      {"GET", "/api/v1/cameras?limit=ten", NULL, 400, "bad_request"},
      {"GET", "/api/v1/cameras?source=police", NULL, 422, "out_of_range"},
      {"GET", "/api/v1/cameras?bbox=1,2,3", NULL, 400, "bad_request"},
      {"GET", "/api/v1/cameras?bbox=121.5,31,121.4,31.5", NULL, 422,
          "out_of_range"},
      {"GET", "/api/v1/cameras?near=121.4,95", NULL, 422, "out_of_range"},
      {"GET", "/api/v1/cameras?near=121.4,31.3&radius=1e9", NULL, 422,
          "out_of_range"},
      {"GET", "/api/v1/cameras?radius=10", NULL, 400, "bad_request"},
      {"GET", "/api/v1/cameras?crs=mars", NULL, 422, "out_of_range"},
      {"GET", "/api/v1/cameras?cursor=xyz", NULL, 400, "bad_request"},
      {"GET", "/api/v1/cameras?q=%ff", NULL, 400, "bad_request"},
      {"GET", "/api/v1/cameras?polygon=121,31,122,31", NULL, 400,
          "bad_request"},
      {"POST", "/api/v1/cameras", "{\"id\": ", 400, "invalid_json"},
      {"POST", "/api/v1/cameras", "[1,2]", 400, "invalid_json"},
      {"POST", "/api/v1/cameras", "", 400, "invalid_json"},
      {"POST", "/api/v1/cameras",
          "{\"id\":\"31011300001320000150\",\"colour\":\"red\"}", 400,
          "unknown_field"},
      {"POST", "/api/v1/cameras",
          "{\"id\":\"31011300001320000150\",\"lat\":\"north\"}", 400,
          "bad_request"},
      {"POST", "/api/v1/cameras", "{\"id\":\"1234\",\"name\":\"x\"}", 400,
          "invalid_id"},
      {"POST", "/api/v1/cameras",
          "{\"id\":\"31011300001320000150\",\"name\":\"x\",\"source\":"
          "\"social\",\"lon\":121.4,\"lat\":100,\"rtsp_url\":\"rtsp://"
          "127.0.0.1/x\"}",
          422, "out_of_range"},
      {"POST", "/api/v1/cameras",
          "{\"id\":\"31011300001320000150\",\"secrecy\":7}", 422,
          "out_of_range"},
      {"POST", "/api/v1/cameras", big, 413, "body_too_large"},
      {"PATCH", "/api/v1/cameras/" ID_XL,
          "{\"id\":\"31011300001320000102\","
          "\"secrecy\":\"high\"}",
          400, "bad_request"},
      {"PATCH", "/api/v1/cameras/" ID_XL, "{\"id\":\"31011300001320000103\"}",
          400, "bad_request"},
      {"POST", "/api/v1/cameras/" ID_XL "/streams", "{\"profile\":\"4k\"}", 422,
          "out_of_range"},
      {"POST", "/api/v1/cameras/" ID_XL "/streams", "{\"ttl\":5}", 400,
          "unknown_field"},
      {"GET", "/api/v1/cameras/" ID_XL "/snapshot.jpg?width=5", NULL, 422,
          "out_of_range"},
      {"GET", "/api/v1/audit?since=yesterday", NULL, 400, "bad_request"},
      {"DELETE", "/api/v1/streams/" ID_XL "?profile=hd", NULL, 422,
          "out_of_range"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (Reply) r = request_full (cases[i].method, cases[i].path,
        env.admin, NULL, cases[i].body, -1);

    g_test_message ("%s %s", cases[i].method, cases[i].path);
    assert_error (r, cases[i].status, cases[i].code);
    if (r->status == 405)
      g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Allow"), ==,
          "GET, PATCH, DELETE");
  }
  {
    g_autoptr (Reply) r = request_full ("POST", "/api/v1/cameras", env.admin,
        "text/plain", "{}", -1);
    g_autofree char *chunked = g_strdup_printf (
        "POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        env.admin);
    g_autoptr (Reply) c = raw_request (chunked);

    /* libsoup refuses a URI it cannot parse before any handler runs: a
     * 400 without our JSON body, still the right status. */
    g_autoptr (Reply) z =
        request_full ("GET", "/api/v1/cameras?q=%zz", env.admin, NULL, NULL, 0);

    assert_error (r, 415, "unsupported_media_type");
    assert_error (c, 411, "length_required");
    g_assert_cmpuint (z->status, ==, 400);
  }
}

static void
test_cameras_list (void)
{
  g_autoptr (GHashTable) seen =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  guint pages = 0;

  /* Cursor pagination over everything, two at a time. */
  do {
    g_autofree char *path = cursor != NULL
        ? g_strdup_printf ("/api/v1/cameras?limit=2&cursor=%s", cursor)
        : g_strdup ("/api/v1/cameras?limit=2");
    g_autoptr (Reply) r = get (path, env.admin);
    JsonArray *a;
    JsonNode *next;

    assert_status (r, 200);
    a = json_object_get_array_member (obj (r), "cameras");
    g_assert_cmpuint (json_array_get_length (a), <=, 2);
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonObject *c = json_array_get_object_element (a, i);

      g_assert_true (g_hash_table_add (seen,
          g_strdup (json_object_get_string_member (c, "id"))));
      g_assert_false (json_object_has_member (c, "rtsp_url"));
      g_assert_false (json_object_has_member (c, "rtsp_url_sub"));
      g_assert_false (json_object_has_member (c, "username"));
      g_assert_false (json_object_has_member (c, "password"));
    }
    next = json_object_get_member (obj (r), "next");
    g_clear_pointer (&cursor, g_free);
    if (!JSON_NODE_HOLDS_NULL (next))
      cursor = g_strdup (json_node_get_string (next));
    pages++;
  } while (cursor != NULL);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 5);
  g_assert_cmpuint (pages, ==, 3);

  {
    g_autoptr (Reply) r = get ("/api/v1/cameras?source=xueliang", env.admin);
    g_autoptr (Reply) r2 =
        get ("/api/v1/cameras?source=%E5%85%AC%E5%AE%89", env.admin);
    g_autoptr (Reply) st = get ("/api/v1/cameras?street=%E5%A4%A7%E5%9C%BA%E9"
                                "%95%87&secrecy=0",
        env.admin);
    g_autoptr (Reply) q = get ("/api/v1/cameras?q=camC", env.admin);
    g_autoptr (Reply) bb =
        get ("/api/v1/cameras?bbox=121.405,31.355,121.425,31.375", env.admin);
    g_autoptr (Reply) pg = get ("/api/v1/cameras?polygon=121.395,31.345,"
                                "121.415,31.345,121.415,31.365,121.395,31.365",
        env.admin);
    g_autoptr (Reply) st2 = get ("/api/v1/cameras?status=online", env.admin);

    assert_status (r, 200);
    g_assert_cmpuint (camera_count (r), ==, 2);
    g_assert_true (has_camera (r, ID_XL) && has_camera (r, ID_SECRET));
    g_assert_cmpuint (camera_count (r2), ==, 1);
    g_assert_true (has_camera (r2, ID_PS));
    g_assert_cmpuint (camera_count (st), ==, 2);
    g_assert_true (has_camera (st, ID_XL) && has_camera (st, ID_SO));
    g_assert_cmpuint (camera_count (q), ==, 1);
    g_assert_true (has_camera (q, ID_SO));
    g_assert_cmpuint (camera_count (bb), ==, 2);
    g_assert_true (has_camera (bb, ID_XL) && has_camera (bb, ID_SO));
    g_assert_cmpuint (camera_count (pg), ==, 2);
    g_assert_true (has_camera (pg, ID_PS) && has_camera (pg, ID_XL));
    g_assert_cmpuint (camera_count (st2), ==, 0);
  }
  {
    /* Nearest first; coordinates in and out in GCJ-02. */
    double glon, glat;
    g_autofree char *path = NULL;
    g_autoptr (Reply) r = NULL;
    JsonArray *a;
    JsonObject *first;

    ce_geo_convert (CE_CRS_WGS84, CE_CRS_GCJ02, 121.4201, 31.3701, &glon,
        &glat);
    path = g_strdup_printf ("/api/v1/cameras?near=%.7f,%.7f&radius=2000&k=2"
                            "&crs=gcj02",
        glon, glat);
    r = get (path, env.admin);
    assert_status (r, 200);
    a = json_object_get_array_member (obj (r), "cameras");
    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    first = json_array_get_object_element (a, 0);
    g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, ID_SO);
    g_assert_cmpfloat (json_object_get_double_member (first, "distance_m"), <,
        20);
    ce_geo_convert (CE_CRS_WGS84, CE_CRS_GCJ02, 121.42, 31.37, &glon, &glat);
    g_assert_cmpfloat_with_epsilon (
        json_object_get_double_member (first, "lon"), glon, 1e-6);
    g_assert_cmpfloat_with_epsilon (
        json_object_get_double_member (first, "lat"), glat, 1e-6);
    g_assert_cmpstr (json_object_get_string_member (first, "crs"), ==, "gcj02");
    g_assert_true (
        JSON_NODE_HOLDS_NULL (json_object_get_member (obj (r), "next")));
  }
}

static void
test_cameras_show_and_stats (void)
{
  g_autoptr (Reply) r = get ("/api/v1/cameras/" ID_PS "?crs=bd09", env.admin);
  g_autoptr (Reply) s = get ("/api/v1/stats", env.admin);
  JsonObject *all;
  double blon, blat;

  assert_status (r, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (r), "id"), ==, ID_PS);
  g_assert_cmpstr (json_object_get_string_member (obj (r), "source"), ==,
      "public_security");
  g_assert_cmpstr (json_object_get_string_member (obj (r), "source_label"), ==,
      "公安");
  g_assert_false (json_object_has_member (obj (r), "password"));
  g_assert_false (json_object_has_member (obj (r), "rtsp_url"));
  ce_geo_convert (CE_CRS_WGS84, CE_CRS_BD09, 121.40, 31.35, &blon, &blat);
  g_assert_cmpfloat_with_epsilon (
      json_object_get_double_member (obj (r), "lon"), blon, 1e-6);

  assert_status (s, 200);
  all = json_object_get_object_member (obj (s), "all");
  g_assert_cmpint (json_object_get_int_member (all, "total"), ==, 5);
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (obj (s), "by_source")),
      ==, 3);
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (obj (s), "by_street")),
      ==, 3);
}

/* An operator without 公安 rights and without secrecy clearance. */
static void
test_permissions (void)
{
  g_autoptr (Reply) list = get ("/api/v1/cameras?limit=100", env.operator);
  g_autoptr (Reply) ps_list =
      get ("/api/v1/cameras?source=public_security", env.operator);
  g_autoptr (Reply) show = get ("/api/v1/cameras/" ID_PS, env.operator);
  g_autoptr (Reply) secret = get ("/api/v1/cameras/" ID_SECRET, env.operator);
  g_autoptr (Reply) snap =
      get ("/api/v1/cameras/" ID_PS "/snapshot.jpg", env.operator);
  g_autoptr (Reply) grant = request_full ("POST",
      "/api/v1/cameras/" ID_PS "/streams", env.operator, NULL, NULL, 0);
  g_autoptr (Reply) stats = get ("/api/v1/stats", env.operator);
  g_autoptr (Reply) near =
      get ("/api/v1/cameras?near=121.40,31.35&k=10", env.operator);
  g_autoptr (Reply) ok = get ("/api/v1/cameras/" ID_XL, env.operator);

  assert_status (list, 200);
  g_assert_cmpuint (camera_count (list), ==, 3);
  g_assert_false (has_camera (list, ID_PS));
  g_assert_false (has_camera (list, ID_SECRET));
  assert_status (ps_list, 200);
  g_assert_cmpuint (camera_count (ps_list), ==, 0);
  assert_error (show, 403, "forbidden");
  assert_error (secret, 403, "forbidden");
  assert_error (snap, 403, "forbidden");
  assert_error (grant, 403, "forbidden");
  assert_status (near, 200);
  g_assert_false (has_camera (near, ID_PS));
  g_assert_cmpint (
      json_object_get_int_member (
          json_object_get_object_member (obj (stats), "all"), "total"),
      ==, 3);
  assert_status (ok, 200);
}

static void
test_cameras_admin (void)
{
  const char *create =
      "{\"id\":\"31011300001320000160\",\"name\":\"新相机\","
      "\"source\":\"雪亮\",\"street\":\"淞南镇\","
      "\"lon\":121.45,\"lat\":31.30,\"rtsp_url\":"
      "\"rtsp://admin:" CAMERA_PASSWORD "@127.0.0.1:9/x\",\"secrecy\":0}";
  g_autoptr (Reply) c1 =
      request_full ("POST", "/api/v1/cameras", env.admin, NULL, create, -1);
  g_autoptr (Reply) c2 =
      request_full ("POST", "/api/v1/cameras", env.admin, NULL, create, -1);
  g_autoptr (Reply) p =
      request_full ("PATCH", "/api/v1/cameras/31011300001320000160", env.admin,
          NULL, "{\"name\":\"改名\",\"tags\":null}", -1);
  g_autoptr (Reply) d = request_full ("DELETE",
      "/api/v1/cameras/31011300001320000160", env.admin, NULL, NULL, 0);
  g_autoptr (Reply) gone =
      get ("/api/v1/cameras/31011300001320000160", env.admin);
  g_autoptr (Reply) d2 = request_full ("DELETE",
      "/api/v1/cameras/31011300001320000160", env.admin, NULL, NULL, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = NULL;

  assert_status (c1, 201);
  g_assert_cmpstr (json_object_get_string_member (obj (c1), "street"), ==,
      "淞南镇");
  assert_error (c2, 409, "conflict");
  assert_status (p, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (p), "name"), ==, "改名");
  g_assert_cmpstr (json_object_get_string_member (obj (p), "street"), ==,
      "淞南镇");
  assert_status (d, 204);
  assert_error (gone, 404, "not_found");
  assert_error (d2, 404, "not_found");

  /* Bulk import: the CLI's formats and report. */
  {
    g_autofree char *csv_path = g_test_build_filename (G_TEST_DIST, "..",
        "samples", "data", "baoshan-50.csv", NULL);
    g_autofree char *bad_path = g_test_build_filename (G_TEST_DIST, "..",
        "samples", "data", "bad", "bad-rows.csv", NULL);
    g_autofree char *csv = NULL;
    g_autofree char *bad = NULL;
    gsize len, bad_len;
    g_autoptr (Reply) dry = NULL;
    g_autoptr (Reply) strict = NULL;
    g_autoptr (Reply) fmt = NULL;

    g_assert_true (g_file_get_contents (csv_path, &csv, &len, NULL));
    g_assert_true (g_file_get_contents (bad_path, &bad, &bad_len, NULL));
    dry = request_full ("POST", "/api/v1/cameras:import?dry_run=true",
        env.admin, "text/csv", csv, (gssize) len);
    assert_status (dry, 200);
    g_assert_cmpint (json_object_get_int_member (obj (dry), "records"), ==, 50);
    g_assert_cmpint (json_object_get_int_member (obj (dry), "inserted"), ==,
        50);
    g_assert_false (json_object_get_boolean_member (obj (dry), "applied"));
    strict = request_full ("POST", "/api/v1/cameras:import?strict=1", env.admin,
        "text/csv", bad, (gssize) bad_len);
    assert_status (strict, 422);
    g_assert_cmpint (json_object_get_int_member (obj (strict), "rejected"), >,
        0);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                          obj (strict), "rejects")),
        >, 0);
    {
      const char *one = "id,name,source,lon,lat,rtsp_url,password\n"
                        "31011300001320000170,导入相机,social,121.46,31.31,"
                        "rtsp://127.0.0.1:9/x,Imp0rtPw\n";
      g_autoptr (Reply) applied =
          request_full ("POST", "/api/v1/cameras:import?mode=insert-only",
              env.admin, "text/csv", one, -1);
      g_autoptr (Reply) shown =
          get ("/api/v1/cameras/31011300001320000170", env.admin);
      g_autoptr (Reply) removed = request_full ("DELETE",
          "/api/v1/cameras/31011300001320000170", env.admin, NULL, NULL, 0);

      assert_status (applied, 200);
      g_assert_true (json_object_get_boolean_member (obj (applied), "applied"));
      g_assert_cmpint (json_object_get_int_member (obj (applied), "inserted"),
          ==, 1);
      assert_status (shown, 200);
      g_assert_cmpstr (json_object_get_string_member (obj (shown), "name"), ==,
          "导入相机");
      g_assert_null (strstr (g_bytes_get_data (shown->body, NULL), "Imp0rtPw"));
      assert_status (removed, 204);
    }
    fmt = request_full ("POST", "/api/v1/cameras:import?format=kml", env.admin,
        "text/csv", csv, (gssize) len);
    assert_error (fmt, 422, "out_of_range");
  }
  r = ce_registry_open (gateway_process_db (env.gw), CE_REGISTRY_OPEN_READ_ONLY,
      &error);
  g_assert_no_error (error);
  {
    CeQuery q;

    ce_query_init (&q);
    g_assert_cmpint (ce_registry_count (r, &q, &error), ==, 5);
  }
}

static JsonObject *
find_stream (Reply *r, const char *id)
{
  JsonArray *a = json_object_get_array_member (obj (r), "streams");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *s = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (s, "camera_id"), id) == 0)
      return s;
  }
  return NULL;
}

static gboolean
audit_has (const char *camera, const char *user, const char *action,
    const char *incident)
{
  g_autofree char *path =
      g_strdup_printf ("/api/v1/audit?camera=%s&user=%s", camera, user);
  g_autoptr (Reply) r = get (path, env.admin);
  JsonArray *a;

  assert_status (r, 200);
  a = json_object_get_array_member (obj (r), "rows");
  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *row = json_array_get_object_element (a, i);
    JsonNode *inc = json_object_get_member (row, "incident");

    if (strcmp (json_object_get_string_member (row, "action"), action) == 0 &&
        (incident == NULL ||
            (!JSON_NODE_HOLDS_NULL (inc) &&
                strcmp (json_node_get_string (inc), incident) == 0)))
      return TRUE;
  }
  return FALSE;
}

static void
test_grant_and_streams (void)
{
  g_autoptr (Reply) g =
      request_full ("POST", "/api/v1/cameras/" ID_XL "/streams", env.operator,
          NULL, "{\"incident\":\"INC-2026-0042\",\"reason\":\"路口拥堵\"}", -1);
  g_autofree char *prefix =
      g_strdup_printf ("rtsp://127.0.0.1:%u/cameras/" ID_XL "?token=",
          gateway_process_rtsp_port (env.gw));
  g_autoptr (CamsimClient) client = NULL;
  g_autoptr (Reply) list = NULL;
  g_autoptr (Reply) op_list = NULL;
  g_autoptr (Reply) close = NULL;
  g_autoptr (Reply) close_again = NULL;
  JsonObject *urls, *s, *viewers;
  const char *url;
  gint64 deadline;

  assert_status (g, 201);
  g_assert_cmpstr (json_object_get_string_member (obj (g), "user"), ==, "op1");
  urls = json_object_get_object_member (obj (g), "urls");
  url = json_object_get_string_member (urls, "rtsp");
  g_assert_true (g_str_has_prefix (url, prefix));
  /* rtsp, then the browser URLs on the API's host and port. */
  g_assert_cmpuint (json_object_get_size (urls), ==, 5);
  {
    g_autofree char *ws = g_strdup_printf (
        "ws://127.0.0.1:%u/api/v1/cameras/" ID_XL "/live.ws?token=%s",
        gateway_process_http_port (env.gw),
        json_object_get_string_member (obj (g), "token"));
    g_autofree char *hls = g_strdup_printf (
        "http://127.0.0.1:%u/api/v1/cameras/" ID_XL "/hls/index.m3u8?token=%s",
        gateway_process_http_port (env.gw),
        json_object_get_string_member (obj (g), "token"));

    g_assert_cmpstr (json_object_get_string_member (urls, "ws"), ==, ws);
    g_assert_cmpstr (json_object_get_string_member (urls, "hls"), ==, hls);
    g_autofree char *flv = g_strdup_printf (
        "http://127.0.0.1:%u/api/v1/cameras/" ID_XL "/live.flv?token=%s",
        gateway_process_http_port (env.gw),
        json_object_get_string_member (obj (g), "token"));

    g_assert_cmpstr (json_object_get_string_member (urls, "flv"), ==, flv);
  }
  g_assert_nonnull (
      strstr (url, json_object_get_string_member (obj (g), "token")));
  g_assert_true (audit_has (ID_XL, "op1", "grant", "INC-2026-0042"));

  /* Play the granted URL with a real client. */
  client = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (client, 5, 20000));

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;) {
    g_clear_pointer (&list, reply_free);
    list = get ("/api/v1/streams", env.admin);
    assert_status (list, 200);
    s = find_stream (list, ID_XL);
    if (s != NULL && json_object_get_int_member (s, "width") > 0 &&
        json_object_get_int_member (s, "gop_frames") > 0)
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (200000);
  }
  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "playing");
  g_assert_cmpstr (json_object_get_string_member (s, "codec"), ==, "h264");
  g_assert_cmpint (json_object_get_int_member (s, "width"), ==, 320);
  g_assert_cmpint (json_object_get_int_member (s, "height"), ==, 240);
  g_assert_cmpint (json_object_get_int_member (s, "bitrate_bps"), >, 0);
  viewers = json_object_get_object_member (s, "viewers");
  g_assert_cmpint (json_object_get_int_member (viewers, "rtsp"), ==, 1);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (s, "clients")), ==,
      1);
  g_assert_true (json_object_has_member (
      json_object_get_object_member (s, "first_frame_ms"), "total"));

  /* The operator sees the stream, without the client list. */
  op_list = get ("/api/v1/streams", env.operator);
  s = find_stream (op_list, ID_XL);
  g_assert_nonnull (s);
  g_assert_false (json_object_has_member (s, "clients"));

  /* An admin closes it: the client's stream ends. */
  close = request_full ("DELETE", "/api/v1/streams/" ID_XL, env.admin, NULL,
      NULL, 0);
  assert_status (close, 200);
  g_assert_cmpint (json_object_get_int_member (obj (close), "closed"), ==, 1);
  g_assert_true (camsim_client_wait_ended (client, 15000));
  close_again = request_full ("DELETE", "/api/v1/streams/" ID_XL, env.admin,
      NULL, NULL, 0);
  assert_error (close_again, 404, "not_found");

  /* The real play is in the audit: its start and its stop. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!audit_has (ID_XL, "op1", "stop", "INC-2026-0042")) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (200000);
  }
  g_assert_true (audit_has (ID_XL, "op1", "start", "INC-2026-0042"));
}

/* Over RTSP too: the operator's own API token does not open a 公安
 * camera, and a grant for one camera does not open another. */
static void
test_rtsp_boundaries (void)
{
  g_autofree char *ps =
      g_strdup_printf ("rtsp://127.0.0.1:%u/cameras/" ID_PS "?token=%s",
          gateway_process_rtsp_port (env.gw), env.operator);
  g_autoptr (Reply) g = request_full ("POST",
      "/api/v1/cameras/" ID_XL "/streams", env.operator, NULL, NULL, 0);
  g_autofree char *other = NULL;
  g_autoptr (CamsimClient) denied = NULL;
  g_autoptr (CamsimClient) wrong = NULL;

  assert_status (g, 201);
  other = g_strdup_printf ("rtsp://127.0.0.1:%u/cameras/" ID_SO "?token=%s",
      gateway_process_rtsp_port (env.gw),
      json_object_get_string_member (obj (g), "token"));
  denied = camsim_client_new (ps, "h264", "tcp", NULL, NULL);
  g_assert_false (camsim_client_wait_frames (denied, 1, 5000));
  g_assert_true (camsim_client_has_ended (denied));
  wrong = camsim_client_new (other, "h265", "tcp", NULL, NULL);
  g_assert_false (camsim_client_wait_frames (wrong, 1, 5000));
  g_assert_true (camsim_client_has_ended (wrong));
  g_assert_true (audit_has (ID_PS, "op1", "deny", NULL));
}

static void
check_jpeg (Reply *r, guint w, guint h)
{
  guint jw = 0, jh = 0;

  assert_status (r, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
      "image/jpeg");
  g_assert_true (jpeg_size (r->body, &jw, &jh));
  g_assert_cmpuint (jw, ==, w);
  g_assert_cmpuint (jh, ==, h);
}

static void
test_snapshot (void)
{
  g_autoptr (Reply) cold = NULL;
  g_autoptr (Reply) hot = NULL;
  g_autoptr (Reply) h265 = NULL;
  g_autoptr (Reply) unreachable = NULL;
  g_autoptr (Reply) metrics = NULL;
  gint64 t0;
  g_autofree char *text = NULL;

  /* Cold: the 公安 camera needs the gateway's credentials (Digest). */
  cold = get ("/api/v1/cameras/" ID_PS "/snapshot.jpg", env.admin);
  check_jpeg (cold, 320, 240);
  /* Hot: the camera lingers; another width is decoded from its cache. */
  t0 = g_get_monotonic_time ();
  hot = get ("/api/v1/cameras/" ID_PS "/snapshot.jpg?width=160", env.viewer);
  check_jpeg (hot, 160, 120);
  g_test_message ("hot snapshot: %.1f ms",
      (g_get_monotonic_time () - t0) / 1000.0);
  h265 = get ("/api/v1/cameras/" ID_SO "/snapshot.jpg?width=64", env.operator);
  check_jpeg (h265, 64, 48);
  g_assert_true (audit_has (ID_PS, "root", "snapshot", NULL));
  g_assert_true (audit_has (ID_PS, "wall1", "snapshot", NULL));

  t0 = g_get_monotonic_time ();
  unreachable = get ("/api/v1/cameras/" ID_UNREACH "/snapshot.jpg", env.admin);
  assert_error (unreachable, 504, "camera_timeout");
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_USEC_PER_SEC);

  metrics = get ("/metrics", env.viewer);
  assert_status (metrics, 200);
  text = g_strndup (g_bytes_get_data (metrics->body, NULL),
      g_bytes_get_size (metrics->body));
  g_assert_nonnull (
      strstr (text, "cityeye_snapshot_seconds_count{cache=\"hot\"} "));
  g_assert_null (
      strstr (text, "cityeye_snapshot_seconds_count{cache=\"hot\"} 0\n"));
  g_assert_null (
      strstr (text, "cityeye_snapshot_seconds_count{cache=\"cold\"} 0\n"));
}

/* Health from the sweeps, as the registry stores it, read back over the
 * API: one camera's last probe and changes; the online rate (admin). */
static void
record (CeRegistry *r, const char *id, CeHealth health, const char *reason,
    gint64 at)
{
  g_autoptr (GError) error = NULL;
  CeHealthReport report = {health, reason, 12, "h264", 640, 360, NULL};

  g_assert_true (ce_registry_record_health (r, id, &report, at, NULL, &error));
  g_assert_no_error (error);
}

static void
test_camera_health (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) reg =
      ce_registry_open (gateway_process_db (env.gw), 0, &error);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (Reply) h = NULL, ps = NULL, never = NULL, bad = NULL;
  g_autoptr (Reply) kpi = NULL, kpi_op = NULL, kpi_bad = NULL;
  JsonArray *changes, *rows;
  gboolean found = FALSE;

  g_assert_no_error (error);
  /* Online an hour ago, offline for 20 min, online again 10 min ago: 40 of
   * 60 minutes online. */
  record (reg, ID_XL, CE_HEALTH_ONLINE, NULL, now - 3600);
  record (reg, ID_XL, CE_HEALTH_OFFLINE, "refused", now - 1800);
  record (reg, ID_XL, CE_HEALTH_ONLINE, NULL, now - 600);

  h = get ("/api/v1/cameras/" ID_XL "/health", env.operator);
  assert_status (h, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (h), "health"), ==,
      "online");
  g_assert_cmpstr (json_object_get_string_member (obj (h), "codec"), ==,
      "h264");
  g_assert_cmpint (json_object_get_int_member (obj (h), "width"), ==, 640);
  changes = json_object_get_array_member (obj (h), "changes");
  g_assert_cmpuint (json_array_get_length (changes), >=, 2);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (changes,
                                         json_array_get_length (changes) - 2),
          "to"),
      ==, "offline");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (changes,
                                         json_array_get_length (changes) - 1),
          "to"),
      ==, "online");

  /* The camera's own access rules; never probed; bad window. */
  ps = get ("/api/v1/cameras/" ID_PS "/health", env.operator);
  assert_error (ps, 403, "forbidden");
  never = get ("/api/v1/cameras/" ID_SO "/health", env.admin);
  assert_status (never, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (never), "health"), ==,
      "unknown");
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (obj (never), "changes")),
      ==, 0);
  bad = get ("/api/v1/cameras/" ID_XL "/health?since=yesterday", env.admin);
  assert_error (bad, 400, "bad_request");

  kpi = get ("/api/v1/stats/online?by=camera", env.admin);
  assert_status (kpi, 200);
  rows = json_object_get_array_member (obj (kpi), "rows");
  for (guint i = 0; i < json_array_get_length (rows); i++) {
    JsonObject *row = json_array_get_object_element (rows, i);

    if (g_strcmp0 (json_object_get_string_member (row, "key"), ID_XL) != 0)
      continue;
    found = TRUE;
    g_test_message ("online rate of %s: %.4f", ID_XL,
        json_object_get_double_member (row, "online_rate"));
    g_assert_cmpfloat (json_object_get_double_member (row, "online_rate"), >,
        0.6);
    g_assert_cmpfloat (json_object_get_double_member (row, "online_rate"), <,
        0.7);
  }
  g_assert_true (found);
  kpi_op = get ("/api/v1/stats/online?by=street", env.operator);
  assert_error (kpi_op, 403, "forbidden");
  kpi_bad = get ("/api/v1/stats/online?by=planet", env.admin);
  assert_error (kpi_bad, 422, "out_of_range");

  /* The camera's status (online again) counted in the metrics. */
  {
    g_autoptr (Reply) m = get ("/metrics", env.admin);
    g_autofree char *text = g_strndup (g_bytes_get_data (m->body, NULL),
        g_bytes_get_size (m->body));
    const char *line = strstr (text,
        "cityeye_cameras{source=\"xueliang\",status=\"online\"} ");

    assert_status (m, 200);
    g_assert_nonnull (line);
    g_assert_cmpint (g_ascii_strtoll (strchr (line, '}') + 2, NULL, 10), >=, 1);
  }
}

static void
test_metrics (void)
{
  g_autoptr (Reply) r = get ("/metrics", env.admin);
  g_autofree char *text = NULL;
  static const char *const expected[] = {"cityeye_upstreams_active ",
      "cityeye_viewers{protocol=\"rtsp\",transport=\"tcp\"} ",
      "cityeye_bytes_in_total ", "cityeye_bytes_out_total{protocol=\"rtsp\"} ",
      "cityeye_upstream_reconnects_total ", "cityeye_gop_cache_hits_total ",
      "cityeye_first_frame_seconds_bucket{le=\"0.5\"} ",
      "cityeye_first_frame_seconds_count{} ",
      "cityeye_http_requests_total{route=\"GET /api/v1/cameras\",status="
      "\"200\"} ",
      "cityeye_http_requests_total{route=\"GET /api/v1/cameras/{id}\","
      "status=\"400\"} ",
      "cityeye_http_requests_total{route=\"not_found\",status=\"404\"} "};

  assert_status (r, 200);
  text =
      g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    if (strstr (text, expected[i]) == NULL)
      g_error ("/metrics lacks “%s”:\n%s", expected[i], text);
  /* Real traffic went through: bytes in and at least one first frame. */
  g_assert_null (strstr (text, "cityeye_bytes_in_total 0\n"));
  g_assert_null (strstr (text, "cityeye_first_frame_seconds_count{} 0\n"));
}

static void
test_audit (void)
{
  g_autoptr (Reply) all = get ("/api/v1/audit?limit=1", env.admin);
  g_autoptr (Reply) future =
      get ("/api/v1/audit?since=2100-01-01T00:00:00Z", env.admin);
  const char *next;
  g_autofree char *path = NULL;
  g_autoptr (Reply) page2 = NULL;

  assert_status (all, 200);
  g_assert_cmpint (json_object_get_int_member (obj (all), "count"), ==, 1);
  next = json_object_get_string_member (obj (all), "next");
  g_assert_nonnull (next);
  path = g_strdup_printf ("/api/v1/audit?limit=1&cursor=%s", next);
  page2 = get (path, env.admin);
  assert_status (page2, 200);
  g_assert_cmpint (
      json_object_get_int_member (
          json_array_get_object_element (
              json_object_get_array_member (obj (page2), "rows"), 0),
          "id"),
      >,
      json_object_get_int_member (
          json_array_get_object_element (
              json_object_get_array_member (obj (all), "rows"), 0),
          "id"));
  assert_status (future, 200);
  g_assert_cmpint (json_object_get_int_member (obj (future), "count"), ==, 0);
}

static int
index_of (JsonArray *a, const char *value)
{
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (g_strcmp0 (json_array_get_string_element (a, i), value) == 0)
      return (int) i;
  return -1;
}

/* The console's map columns: the caller's cameras only, coordinates in
 * the configured CRS (or crs=), health from the registry, ETag → 304. */
static void
test_map_cameras (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) reg =
      ce_registry_open (gateway_process_db (env.gw), 0, &error);
  g_autoptr (Reply) all = NULL, op = NULL, wgs = NULL, bad = NULL;
  g_autoptr (Reply) again = NULL, unauth = NULL;
  g_autofree char *etag = NULL;
  JsonObject *o;
  JsonArray *ids, *healths, *lon, *lat;
  int so, xl;
  double glon, glat;

  g_assert_no_error (error);
  record (reg, ID_SO, CE_HEALTH_AUTH_FAILED, NULL,
      g_get_real_time () / G_USEC_PER_SEC);

  all = get ("/api/v1/map/cameras", env.admin);
  assert_status (all, 200);
  o = obj (all);
  ids = json_object_get_array_member (o, "id");
  g_assert_cmpint (json_object_get_int_member (o, "count"), ==,
      json_array_get_length (ids));
  g_assert_cmpstr (json_object_get_string_member (o, "crs"), ==, "gcj02");
  g_assert_cmpstr (json_object_get_string_member (o, "tile_url"), ==,
      "http://tiles.test:8088/{z}/{x}/{y}.png");
  /* Every column as long as the ids. */
  for (const char *const *c = (const char *const[]){"name", "lon", "lat",
           "source", "street", "status", "health", NULL};
       *c != NULL; c++)
    g_assert_cmpuint (
        json_array_get_length (json_object_get_array_member (o, *c)), ==,
        json_array_get_length (ids));
  so = index_of (ids, ID_SO);
  xl = index_of (ids, ID_XL);
  g_assert_cmpint (so, >=, 0);
  g_assert_cmpint (index_of (ids, ID_PS), >=, 0);
  healths = json_object_get_array_member (o, "healths");
  g_assert_cmpstr (json_array_get_string_element (healths,
                       json_array_get_int_element (
                           json_object_get_array_member (o, "health"), so)),
      ==, "auth_failed");
  g_assert_cmpstr (json_array_get_string_element (
                       json_object_get_array_member (o, "streets"),
                       json_array_get_int_element (
                           json_object_get_array_member (o, "street"), xl)),
      ==, "大场镇");
  g_assert_cmpstr (json_array_get_string_element (
                       json_object_get_array_member (o, "sources"),
                       json_array_get_int_element (
                           json_object_get_array_member (o, "source"), xl)),
      ==, "xueliang");
  g_assert_cmpstr (json_array_get_string_element (
                       json_object_get_array_member (o, "name"), xl),
      ==, "测试相机 camB");
  /* GCJ-02 of 121.41, 31.36 is shifted by a few hundred metres. */
  lon = json_object_get_array_member (o, "lon");
  lat = json_object_get_array_member (o, "lat");
  ce_geo_convert (CE_CRS_WGS84, CE_CRS_GCJ02, 121.41, 31.36, &glon, &glat);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (lon, xl), glon,
      1e-5);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (lat, xl), glat,
      1e-5);
  wgs = get ("/api/v1/map/cameras?crs=wgs84", env.admin);
  assert_status (wgs, 200);
  g_assert_cmpfloat_with_epsilon (
      json_array_get_double_element (
          json_object_get_array_member (obj (wgs), "lon"), xl),
      121.41, 1e-6);

  /* The same answer again: 304 with its ETag. */
  etag = g_strdup (soup_message_headers_get_one (all->headers, "ETag"));
  g_assert_nonnull (etag);
  {
    g_autofree char *uri =
        gateway_process_http_url (env.gw, "/api/v1/map/cameras");
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
    g_autofree char *auth = g_strdup_printf ("Bearer %s", env.admin);
    g_autoptr (GBytes) body = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "If-None-Match", etag);
    body = soup_session_send_and_read (gateway_process_session (env.gw), msg,
        NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 304);
    g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
  }

  /* The operator (雪亮 + 社会面, secrecy 0) sees neither 公安 nor 涉密. */
  op = get ("/api/v1/map/cameras", env.operator);
  assert_status (op, 200);
  ids = json_object_get_array_member (obj (op), "id");
  g_assert_cmpint (index_of (ids, ID_PS), <, 0);
  g_assert_cmpint (index_of (ids, ID_SECRET), <, 0);
  g_assert_cmpint (index_of (ids, ID_XL), >=, 0);
  g_assert_cmpstr (soup_message_headers_get_one (op->headers, "ETag"), !=,
      etag);

  bad = get ("/api/v1/map/cameras?crs=mars", env.admin);
  assert_error (bad, 422, "out_of_range");
  again = get ("/api/v1/map/cameras?limit=5", env.admin);
  assert_error (again, 400, "unknown_field");
  unauth = get ("/api/v1/map/cameras", NULL);
  assert_error (unauth, 401, "unauthorized");
}

/* A request over a plain socket with an Origin and more headers. */
static Reply *
cors_request (const char *method, const char *path, const char *origin,
    const char *extra)
{
  g_autofree char *raw = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: x\r\n"
                                          "Connection: close\r\n%s%s%s%s\r\n",
      method, path, origin != NULL ? "Origin: " : "",
      origin != NULL ? origin : "", origin != NULL ? "\r\n" : "", extra);

  return raw_request (raw);
}

static gboolean
header_has (Reply *r, const char *name, const char *token)
{
  const char *v = soup_message_headers_get_list (r->headers, name);

  return v != NULL && soup_header_contains (v, token);
}

/* CORS: an allowed origin gets its echo (API and delivery routes, errors
 * included), another origin and same-origin requests get none, Vary:
 * Origin everywhere; preflights answered for allowed origins only. */
static void
test_cors (void)
{
  const char *ok = "http://console.test:8000";
  g_autofree char *auth =
      g_strdup_printf ("Authorization: Bearer %s\r\n", env.admin);
  g_autofree char *flv =
      g_strdup_printf ("/api/v1/cameras/%s/live.flv?token=cet_nope", ID_XL);
  g_autofree char *cam = g_strdup_printf ("/api/v1/cameras/%s", ID_XL);
  g_autoptr (Reply) allowed = NULL, other = NULL, none = NULL, pre = NULL;
  g_autoptr (Reply) pre_bad = NULL, not_pre = NULL, pre_flv = NULL;
  g_autoptr (Reply) media = NULL, page = NULL, map = NULL;

  allowed = cors_request ("GET", "/api/v1/cameras", ok, auth);
  assert_status (allowed, 200);
  g_assert_cmpstr (soup_message_headers_get_one (allowed->headers,
                       "Access-Control-Allow-Origin"),
      ==, ok);
  g_assert_true (header_has (allowed, "Vary", "Origin"));
  g_assert_true (header_has (allowed, "Access-Control-Expose-Headers", "ETag"));
  g_assert_null (soup_message_headers_get_one (allowed->headers,
      "Access-Control-Allow-Credentials"));

  other = cors_request ("GET", "/api/v1/cameras", "http://evil.test", auth);
  assert_status (other, 200);
  g_assert_null (soup_message_headers_get_one (other->headers,
      "Access-Control-Allow-Origin"));
  g_assert_true (header_has (other, "Vary", "Origin"));
  none = cors_request ("GET", "/api/v1/cameras", NULL, auth);
  g_assert_null (soup_message_headers_get_one (none->headers,
      "Access-Control-Allow-Origin"));
  /* A prefix or a different port is another origin. */
  {
    g_autoptr (Reply) r = cors_request ("GET", "/api/v1/cameras",
        "http://console.test:8001", auth);
    g_autoptr (Reply) r2 = cors_request ("GET", "/api/v1/cameras",
        "http://console.test:8000.evil.test", auth);

    g_assert_null (soup_message_headers_get_one (r->headers,
        "Access-Control-Allow-Origin"));
    g_assert_null (soup_message_headers_get_one (r2->headers,
        "Access-Control-Allow-Origin"));
  }
  /* Vary keeps what a route adds itself. */
  map =
      cors_request ("GET", "/api/v1/map/cameras", "https://ops.example", auth);
  assert_status (map, 200);
  g_assert_true (header_has (map, "Vary", "Origin"));
  g_assert_true (header_has (map, "Vary", "Authorization"));
  g_assert_cmpstr (soup_message_headers_get_one (map->headers,
                       "Access-Control-Allow-Origin"),
      ==, "https://ops.example");

  /* Preflight of a PATCH with a JSON body and a token. */
  pre = cors_request ("OPTIONS", cam, ok,
      "Access-Control-Request-Method: PATCH\r\n"
      "Access-Control-Request-Headers: authorization, content-type\r\n");
  g_assert_cmpuint (pre->status, ==, 204);
  g_assert_cmpstr (soup_message_headers_get_one (pre->headers,
                       "Access-Control-Allow-Origin"),
      ==, ok);
  g_assert_true (header_has (pre, "Access-Control-Allow-Methods", "PATCH"));
  g_assert_true (header_has (pre, "Access-Control-Allow-Methods", "GET"));
  g_assert_true (header_has (pre, "Access-Control-Allow-Methods", "DELETE"));
  g_assert_true (
      header_has (pre, "Access-Control-Allow-Headers", "Authorization"));
  g_assert_true (
      header_has (pre, "Access-Control-Allow-Headers", "Content-Type"));
  g_assert_nonnull (
      soup_message_headers_get_one (pre->headers, "Access-Control-Max-Age"));

  pre_bad = cors_request ("OPTIONS", cam, "http://evil.test",
      "Access-Control-Request-Method: PATCH\r\n");
  assert_error (pre_bad, 403, "forbidden");
  g_assert_null (soup_message_headers_get_one (pre_bad->headers,
      "Access-Control-Allow-Origin"));
  g_assert_null (soup_message_headers_get_one (pre_bad->headers,
      "Access-Control-Allow-Methods"));

  /* OPTIONS that is not a preflight: 405 with Allow, as before. */
  not_pre = cors_request ("OPTIONS", cam, ok, "");
  assert_error (not_pre, 405, "method_not_allowed");
  g_assert_true (header_has (not_pre, "Allow", "PATCH"));

  /* Delivery routes: preflight, and the answer (here a refused token). */
  pre_flv = cors_request ("OPTIONS", flv, ok,
      "Access-Control-Request-Method: GET\r\n");
  g_assert_cmpuint (pre_flv->status, ==, 204);
  g_assert_cmpstr (soup_message_headers_get_one (pre_flv->headers,
                       "Access-Control-Allow-Methods"),
      ==, "GET, HEAD, OPTIONS");
  media = cors_request ("GET", flv, ok, "");
  assert_error (media, 401, "unauthorized");
  g_assert_cmpstr (soup_message_headers_get_one (media->headers,
                       "Access-Control-Allow-Origin"),
      ==, ok);

  /* The console's own files are same-origin only. */
  page = cors_request ("GET", "/console/app.js", ok, "");
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_null (soup_message_headers_get_one (page->headers,
      "Access-Control-Allow-Origin"));
}

/* The console's files: public, typed, a strict CSP (with the tile
 * server's origin), ETags, and nothing outside the compiled-in names. */
static void
test_console (void)
{
  g_autoptr (Reply) page = get ("/console/", NULL);
  g_autoptr (Reply) js = get ("/console/player.js", NULL);
  g_autoptr (Reply) css = get ("/console/console.css", NULL);
  const char *csp =
      soup_message_headers_get_one (page->headers, "Content-Security-Policy");
  const char *const missing[] = {"/console/nothing.js", "/console/app.js.map",
      "/console/.hidden.js", "/console/APP.js", "/console/sub/app.js",
      "/console/app.js/", "/console/console.gresource.xml",
      "/console/ce-console.c", "/console//app.js"};

  assert_status (page, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (page->headers, NULL),
      ==, "text/html");
  g_assert_nonnull (strstr (g_bytes_get_data (page->body, NULL), "app.js"));
  g_assert_nonnull (csp);
  g_assert_nonnull (strstr (csp, "default-src 'none'"));
  g_assert_nonnull (strstr (csp, "script-src 'self';"));
  g_assert_nonnull (strstr (csp,
      "img-src 'self' blob: data: "
      "http://tiles.test:8088;"));
  g_assert_null (strstr (csp, "unsafe"));
  g_assert_cmpstr (
      soup_message_headers_get_one (page->headers, "X-Content-Type-Options"),
      ==, "nosniff");
  g_assert_cmpstr (
      soup_message_headers_get_one (page->headers, "Cache-Control"), ==,
      "no-cache");
  assert_status (js, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (js->headers, NULL),
      ==, "text/javascript");
  g_assert_nonnull (
      strstr (g_bytes_get_data (js->body, NULL), "export class Player"));
  assert_status (css, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (css->headers, NULL),
      ==, "text/css");

  /* Revalidation. */
  {
    g_autofree char *uri = gateway_process_http_url (env.gw, "/console/app.js");
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) body = NULL;
    g_autoptr (Reply) first = get ("/console/app.js", NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "If-None-Match", soup_message_headers_get_one (first->headers, "ETag"));
    body = soup_session_send_and_read (gateway_process_session (env.gw), msg,
        NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 304);
  }

  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++) {
    g_autoptr (Reply) r = get (missing[i], NULL);

    if (r->status != 404)
      g_error ("%s: expected 404, got %u", missing[i], r->status);
  }
  /* Read-only; "/" and "/console" lead to the page. */
  {
    g_autoptr (Reply) post =
        request_full ("POST", "/console/app.js", NULL, NULL, "{}", -1);
    g_autoptr (Reply) root = raw_request ("GET / HTTP/1.1\r\nHost: x\r\n"
                                          "Connection: close\r\n\r\n");
    g_autoptr (Reply) bare = raw_request ("GET /console HTTP/1.1\r\nHost: x\r\n"
                                          "Connection: close\r\n\r\n");

    assert_error (post, 405, "method_not_allowed");
    g_assert_cmpstr (soup_message_headers_get_one (post->headers, "Allow"), ==,
        "GET, HEAD");
    assert_status (root, 302);
    g_assert_true (g_str_has_suffix (
        soup_message_headers_get_one (root->headers, "Location"), "/console/"));
    assert_status (bare, 302);
  }
  /* libsoup decodes unreserved escapes (%61 is "a", the same name); a
   * reserved one such as %2F stays and is refused. */
  {
    g_autoptr (Reply) esc =
        raw_request ("GET /console/%2Fapp.js HTTP/1.1\r\n"
                     "Host: x\r\nConnection: close\r\n\r\n");
    g_autoptr (Reply) up =
        raw_request ("GET /console/..%2Fmeson.build HTTP/1.1\r\n"
                     "Host: x\r\nConnection: close\r\n\r\n");

    g_assert_true (esc->status == 404 || esc->status == 400);
    g_assert_true (up->status == 404 || up->status == 400);
  }
}

/* [http] keys are checked like every other, and a port in use is a
 * runtime error that names it. */
static void
test_config (void)
{
  struct
  {
    const char *conf;
    int status;
    const char *message;
  } cases[] = {
      {"[http]\nport=70000\n", 2, "[http] port: 70000 is outside"},
      {"[http]\nmax_body=0\n", 2, "[http] max_body: 0 is outside"},
      {"[http]\nsnapshot_timeout=soon\n", 2, "is not a number"},
      {"[http]\nlisten=1\n", 2, "[http] listen: unknown key"},
      {"[http]\naddress=localhost\n", 1, "is not an IP address"},
      {"[console]\ncrs=mars\n", 1, "[console] crs: “mars” is not"},
      {"[console]\ntile_url=ftp://x/{z}/{x}/{y}\n", 1,
          "[console] tile_url: not an http(s) URL"},
      {"[console]\ntile_url=http://x/tiles\n", 1,
          "[console] tile_url: needs {z}, {x} and {y}"},
      {"[http]\ncors_origins=*\n", 1, "[http] cors_origins: “*” is refused"},
      {"[http]\ncors_origins=https://ops.example/\n", 1,
          "has more than scheme://host[:port]"},
      {"[http]\ncors_origins=HTTPS://Ops.example:443\n", 1,
          "as browsers send it: “https://ops.example”"},
      {"[http]\ncors_origins=file:///x\n", 1, "is not"},
      {NULL, 1, "Cannot serve HTTP on 127.0.0.1:"},
  };
  const char *bin = g_getenv ("CITYEYED_BIN");
  g_autofree char *path =
      g_build_filename (gateway_process_dir (env.gw), "bad.conf", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *conf = cases[i].conf != NULL
        ? g_strdup_printf ("[registry]\ndatabase=%s\n[probe]\ninterval=0\n["
                           "rtsp]\nport=0\n%s",
              gateway_process_db (env.gw), cases[i].conf)
        : g_strdup_printf (
              "[registry]\ndatabase=%s\n[probe]\ninterval=0\n[rtsp]\nport=0\n"
              "[http]\nport=%u\n",
              gateway_process_db (env.gw), gateway_process_http_port (env.gw));
    g_autoptr (GError) error = NULL;
    g_autoptr (GSubprocess) p = NULL;
    g_autofree char *err = NULL;

    g_assert_true (g_file_set_contents (path, conf, -1, NULL));
    p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
            G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
        &error, bin, "--config", path, NULL);
    g_assert_no_error (error);
    g_assert_true (
        g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (p), ==, cases[i].status);
    if (strstr (err, cases[i].message) == NULL)
      g_error ("expected “%s” in “%s”", cases[i].message, err);
  }
  g_unlink (path);
}

/* Without [wall] in the configuration, a tour dwells at least 5 s (the
 * wall tests run with a shorter minimum). */
static void
test_wall_default_dwell (void)
{
  g_autoptr (Reply) w = request_full ("POST", "/api/v1/walls", env.admin, NULL,
      "{\"name\": \"dwell\", \"rows\": 1, \"cols\": 1}", -1);
  g_autoptr (Reply) short_tour = NULL;
  g_autoptr (Reply) tour = NULL;
#define DWELL_BODY(s) \
  "{\"revision\": 0, \"monitors\": [{\"index\": 0, \"layout\": \"1\"," \
  " \"tiles\": [{\"tour\": {\"cameras\": [\"" ID_XL "\", \"" ID_SO "\"]," \
  " \"dwell_s\": " s "}}]}]}"
  const char *four = DWELL_BODY ("4");
  const char *five = DWELL_BODY ("5");

  assert_status (w, 201);
  short_tour =
      request_full ("PATCH", "/api/v1/walls/dwell", env.admin, NULL, four, -1);
  assert_error (short_tour, 422, "out_of_range");
  g_assert_nonnull (strstr (
      json_object_get_string_member (
          json_object_get_object_member (obj (short_tour), "error"), "message"),
      "at least 5 s"));
  tour =
      request_full ("PATCH", "/api/v1/walls/dwell", env.admin, NULL, five, -1);
  assert_status (tour, 200);
  /* The wall goes, and the cameras it held warm with it. */
  g_clear_pointer (&tour, reply_free);
  tour =
      request_full ("DELETE", "/api/v1/walls/dwell", env.admin, NULL, NULL, -1);
  assert_status (tour, 204);
}

/* Whether the relay holds a playing upstream of @id. */
static gboolean
stream_playing (const char *id)
{
  g_autoptr (Reply) s = get ("/api/v1/streams", env.admin);
  JsonArray *a = json_object_get_array_member (obj (s), "streams");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *o = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (o, "camera_id"), id) == 0 &&
        strcmp (json_object_get_string_member (o, "state"), "playing") == 0)
      return TRUE;
  }
  return FALSE;
}

/* Waits until stream_playing (@id) is @want; FALSE after @seconds. */
static gboolean
wait_stream (const char *id, gboolean want, int seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    if (stream_playing (id) == want)
      return TRUE;
    g_usleep (100 * 1000);
  }
  return FALSE;
}

/* With [wall] warm_presets a saved preset's cameras run before it is
 * applied, and stop when the preset (here: its wall) goes. */
static void
test_wall_warm_presets (void)
{
  g_autoptr (Reply) w = request_full ("POST", "/api/v1/walls", env.admin, NULL,
      "{\"name\": \"warm\", \"rows\": 1, \"cols\": 1}", -1);
  g_autoptr (Reply) p = NULL;
  g_autoptr (Reply) gone = NULL;

  assert_status (w, 201);
  /* Earlier tests' viewers of the camera linger 3 s. */
  g_assert_true (wait_stream (ID_SO, FALSE, 10));
  p = request_full ("PUT", "/api/v1/walls/warm/presets/p", env.admin, NULL,
      "{\"monitors\": [{\"index\": 0, \"layout\": \"1\", \"tiles\": [\"" ID_SO
      "\"]}]}",
      -1);
  assert_status (p, 201);
  g_assert_true (wait_stream (ID_SO, TRUE, 10));
  gone =
      request_full ("DELETE", "/api/v1/walls/warm", env.admin, NULL, NULL, -1);
  assert_status (gone, 204);
  g_assert_true (wait_stream (ID_SO, FALSE, 10));
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  env_start ();
  g_test_add_func ("/api/health-and-openapi", test_health_and_openapi);
  g_test_add_func ("/api/keepalive", test_keepalive);
  g_test_add_func ("/api/auth", test_auth);
  g_test_add_func ("/api/bad-input", test_bad_input);
  g_test_add_func ("/api/cameras-list", test_cameras_list);
  g_test_add_func ("/api/cameras-show-and-stats", test_cameras_show_and_stats);
  g_test_add_func ("/api/permissions", test_permissions);
  g_test_add_func ("/api/cameras-admin", test_cameras_admin);
  g_test_add_func ("/api/streams-grant-play-close", test_grant_and_streams);
  g_test_add_func ("/api/rtsp-boundaries", test_rtsp_boundaries);
  g_test_add_func ("/api/snapshot", test_snapshot);
  g_test_add_func ("/api/camera-health", test_camera_health);
  g_test_add_func ("/api/metrics", test_metrics);
  g_test_add_func ("/api/audit", test_audit);
  g_test_add_func ("/api/map-cameras", test_map_cameras);
  g_test_add_func ("/api/console", test_console);
  g_test_add_func ("/api/cors", test_cors);
  g_test_add_func ("/api/config", test_config);
  g_test_add_func ("/api/wall-default-dwell", test_wall_default_dwell);
  g_test_add_func ("/api/wall-warm-presets", test_wall_warm_presets);
  rc = g_test_run ();
  env_stop ();
  return rc;
}
