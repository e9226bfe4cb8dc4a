/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Video walls, presets, tours and incidents end to end: the camera
 * simulator as the cameras, cityeyed as a subprocess, a libsoup client.
 * Warm-up is observed as running upstreams in GET /api/v1/streams.
 */
#include "ce-auth.h"
#include "ce-registry.h"
#include "camsim-fixture.h"
#include "gateway-fixture.h"
#include "ws-client.h"

#include <libsoup/soup.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* Cameras w01…w12 (雪亮) near the incident point, wps (公安, nearest of
 * all, outside the operators' sources). */
#define CAM(n) "310113000013200002" n
#define ID_PS "31011300001320000290"
#define ID_NONE "31011300001320000299"
#define POINT_LON 121.40
#define POINT_LAT 31.35

typedef struct
{
  CamsimProcess *sim;
  GatewayProcess *gw;
  char *admin, *op1, *op2, *wall1, *viewer;
} Env;

static Env env;

static void
add_camera (const char *id, const char *cam, CeSource source, double east_m,
    double north_m, double azimuth)
{
  g_autofree char *name = g_strdup_printf ("墙测 %s", cam);
  g_autofree char *url = camsim_url (env.sim, cam, NULL);
  g_autoptr (CeCamera) c = gateway_camera_new (id, name, source, url);

  c->street = g_strdup ("顾村镇");
  c->lon = POINT_LON + east_m / (111320.0 * cos (POINT_LAT * G_PI / 180));
  c->lat = POINT_LAT + north_m / 110540.0;
  c->azimuth = azimuth;
  c->status = CE_STATUS_ONLINE;
  c->rtsp_url_sub = camsim_url (env.sim, cam, "?profile=sub");
  gateway_process_add_camera (env.gw, c);
}

static void
env_start (void)
{
  guint ops =
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) | CE_SOURCE_BIT (CE_SOURCE_SOCIAL);

  env.gw = gateway_process_new ("walls");
  env.sim = camsim_process_start (NULL);
  /* w01…w12 every 40 m eastwards, looking north (away from the point);
   * w04 looks west, at the point. */
  for (guint i = 1; i <= 12; i++) {
    g_autofree char *id = g_strdup_printf (CAM ("%02u"), i);
    g_autofree char *name = g_strdup_printf ("w%02u", i);

    add_camera (id, name, CE_SOURCE_XUELIANG, 40.0 * i, 0,
        i == 4 ? 270.0 : 0.0);
  }
  add_camera (ID_PS, "wps", CE_SOURCE_PUBLIC_SECURITY, 5, 0, NAN);
  env.admin = gateway_process_add_user (env.gw, "root", "admin",
      CE_AUTH_ALL_SOURCES, 0);
  env.op1 = gateway_process_add_user (env.gw, "op1", "operator", ops, 0);
  env.op2 = gateway_process_add_user (env.gw, "op2", "operator", ops, 0);
  env.wall1 = gateway_process_add_user (env.gw, "wall1", "wall", ops, 0);
  env.viewer = gateway_process_add_user (env.gw, "v1", "viewer", ops, 0);

  gateway_process_setenv (env.gw, "G_MESSAGES_DEBUG", "all");
  /* Presets are not kept warm here: these tests watch what an apply
   * itself starts (warm presets: test-api, test-admission-api). */
  gateway_process_start (env.gw,
      "[relay]\nlinger=1\nstart_timeout=4\n"
      "[wall]\nmin_dwell=1\nwarm_timeout=4\nwarm_presets=false\n");
}

static void
env_stop (void)
{
  gateway_process_stop (env.gw);
  camsim_process_stop (env.sim);
  g_free (env.admin);
  g_free (env.op1);
  g_free (env.op2);
  g_free (env.wall1);
  g_free (env.viewer);
}

/* ---- the client -------------------------------------------------------- */

typedef struct
{
  guint status;
  JsonNode *json;
  double ms;
} Reply;

static void
reply_free (Reply *r)
{
  if (r->json != NULL)
    json_node_unref (r->json);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static Reply *
call (const char *method, const char *path, const char *token, const char *body)
{
  g_autofree char *uri = gateway_process_http_url (env.gw, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  Reply *r = g_new0 (Reply, 1);
  gint64 t0 = g_get_monotonic_time ();

  g_assert_nonnull (msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", auth);
  if (body != NULL) {
    g_autoptr (GBytes) b = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", b);
  }
  bytes = soup_session_send_and_read (gateway_process_session (env.gw), msg,
      NULL, &error);
  g_assert_no_error (error);
  r->ms = (g_get_monotonic_time () - t0) / 1000.0;
  r->status = soup_message_get_status (msg);
  if (g_bytes_get_size (bytes) > 0) {
    g_autoptr (JsonParser) p = json_parser_new ();

    if (json_parser_load_from_data (p, g_bytes_get_data (bytes, NULL),
            g_bytes_get_size (bytes), NULL))
      r->json = json_node_ref (json_parser_get_root (p));
  }
  if (g_test_verbose ())
    g_printerr ("%s %s -> %u %.*s\n", method, path, r->status,
        (int) MIN (g_bytes_get_size (bytes), 400),
        (const char *) g_bytes_get_data (bytes, NULL));
  return r;
}

static JsonObject *
obj (Reply *r)
{
  g_assert_nonnull (r->json);
  return json_node_get_object (r->json);
}

static gint64
revision (const char *token)
{
  g_autoptr (Reply) r = call ("GET", "/api/v1/walls/hall", token, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_int_member (obj (r), "revision");
}

static JsonArray *
tiles_of (Reply *wall, guint monitor)
{
  JsonArray *m = json_object_get_array_member (obj (wall), "monitors");

  return json_object_get_array_member (
      json_array_get_object_element (m, monitor), "tiles");
}

static const char *
tile_camera (Reply *wall, guint monitor, guint tile)
{
  JsonNode *n = json_array_get_element (tiles_of (wall, monitor), tile);

  if (JSON_NODE_HOLDS_NULL (n))
    return NULL;
  return json_object_get_string_member (json_node_get_object (n), "camera_id");
}

static const char *
error_code (Reply *r)
{
  return json_object_get_string_member (
      json_object_get_object_member (obj (r), "error"), "code");
}

/* Whether the relay runs @camera (any profile) and it is playing. */
static gboolean
upstream_playing (const char *camera)
{
  g_autoptr (Reply) r = call ("GET", "/api/v1/streams", env.admin, NULL);
  JsonArray *a = json_object_get_array_member (obj (r), "streams");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *s = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (s, "camera_id"), camera) == 0 &&
        strcmp (json_object_get_string_member (s, "state"), "playing") == 0)
      return TRUE;
  }
  return FALSE;
}

static char *
patch_body (gint64 rev, const char *monitors)
{
  return g_strdup_printf (
      "{\"revision\": %" G_GINT64_FORMAT ", \"monitors\": %s}", rev, monitors);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_create_and_roles (void)
{
  g_autoptr (Reply) r = NULL;
  const char *create = "{\"name\": \"hall\", \"title\": \"指挥大厅\","
                       " \"rows\": 2, \"cols\": 2}";

  r = call ("POST", "/api/v1/walls", env.op1, create);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/walls", env.admin, create);
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpint (json_object_get_int_member (obj (r), "revision"), ==, 0);
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (obj (r), "monitors")),
      ==, 4);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/walls", env.admin, create);
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/walls", env.admin,
      "{\"name\": \"x y\", \"rows\": 1, \"cols\": 1}");
  g_assert_cmpuint (r->status, ==, 422);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/walls", env.admin,
      "{\"name\": \"big\", \"rows\": 17, \"cols\": 1}");
  g_assert_cmpuint (r->status, ==, 422);
  g_clear_pointer (&r, reply_free);

  /* Viewers see no walls; the wall role does. */
  r = call ("GET", "/api/v1/walls/hall", env.viewer, NULL);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reply_free);
  r = call ("GET", "/api/v1/walls", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (obj (r), "walls")),
      ==, 1);
  g_clear_pointer (&r, reply_free);
  r = call ("GET", "/api/v1/walls/nope", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 404);
  g_clear_pointer (&r, reply_free);
  r = call ("GET", "/api/v1/walls/a.b", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 404);
}

static void
test_revisions (void)
{
  g_autoptr (Reply) r = NULL;
  g_autofree char *b1 = patch_body (0,
      "[{\"index\": 0, \"layout\": \"4\", \"tiles\": [\"" CAM (
          "01") "\", \"" CAM ("02") "\"]}]");
  g_autofree char *b2 = patch_body (0,
      "[{\"index\": 1, \"layout\": \"1\", \"tiles\": [\"" CAM ("03") "\"]}]");
  g_autofree char *ps = patch_body (1,
      "[{\"index\": 1, \"layout\": \"1\", \"tiles\": [\"" ID_PS "\"]}]");
  g_autofree char *none = patch_body (1,
      "[{\"index\": 1, \"layout\": \"1\", \"tiles\": [\"" ID_NONE "\"]}]");
  g_autofree char *bad = patch_body (1, "[{\"index\": 1, \"layout\": \"7\"}]");
  g_autofree char *tour = patch_body (1,
      "[{\"index\": 1, \"layout\": \"1\", \"tiles\": [{\"tour\": {\"cameras\":"
      " [\"" CAM ("01") "\", \"" CAM ("02") "\"], \"dwell_s\": 0}}]}]");

  r = call ("PATCH", "/api/v1/walls/hall", env.op1, b1);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (obj (r), "revision"), ==, 1);
  g_assert_cmpstr (tile_camera (r, 0, 1), ==, CAM ("02"));
  g_assert_null (tile_camera (r, 0, 2));
  /* A quarter of the monitor plays the sub stream. */
  g_assert_cmpstr (
      json_object_get_string_member (
          json_array_get_object_element (tiles_of (r, 0), 0), "stream"),
      ==, "sub");
  g_clear_pointer (&r, reply_free);

  /* Another operator working from revision 0 is refused, told the
   * current revision, and nothing changes. */
  r = call ("PATCH", "/api/v1/walls/hall", env.op2, b2);
  g_assert_cmpuint (r->status, ==, 409);
  g_assert_cmpstr (error_code (r), ==, "conflict");
  g_assert_cmpint (
      json_object_get_int_member (
          json_object_get_object_member (obj (r), "error"), "revision"),
      ==, 1);
  g_clear_pointer (&r, reply_free);
  g_assert_cmpint (revision (env.op2), ==, 1);

  r = call ("PATCH", "/api/v1/walls/hall", env.op1, ps);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reply_free);
  r = call ("PATCH", "/api/v1/walls/hall", env.op1, none);
  g_assert_cmpuint (r->status, ==, 422);
  g_clear_pointer (&r, reply_free);
  r = call ("PATCH", "/api/v1/walls/hall", env.op1, bad);
  g_assert_cmpuint (r->status, ==, 422);
  g_clear_pointer (&r, reply_free);
  r = call ("PATCH", "/api/v1/walls/hall", env.op1, tour);
  g_assert_cmpuint (r->status, ==, 422);
  g_clear_pointer (&r, reply_free);
  r = call ("PATCH", "/api/v1/walls/hall", env.viewer, b2);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reply_free);
  r = call ("PATCH", "/api/v1/walls/hall", env.op1, "{\"revision\": 1}");
  g_assert_cmpuint (r->status, ==, 400);
  g_clear_pointer (&r, reply_free);
  g_assert_cmpint (revision (env.op1), ==, 1);
}

static void
test_locks (void)
{
  g_autoptr (Reply) r = NULL;
  g_autofree char *lock_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *m1 = NULL;
  g_autofree char *m2 = NULL;
  gint64 rev;

  r = call ("POST", "/api/v1/walls/hall/locks", env.op1,
      "{\"monitors\": [1], \"ttl_s\": 60}");
  g_assert_cmpuint (r->status, ==, 201);
  lock_id = g_strdup (json_object_get_string_member (obj (r), "id"));
  rev = json_object_get_int_member (obj (r), "revision");
  g_clear_pointer (&r, reply_free);

  /* op2 cannot touch the locked monitor, but may change another one. */
  m1 = patch_body (rev,
      "[{\"index\": 1, \"layout\": \"1\", \"tiles\": [\"" CAM ("03") "\"]}]");
  r = call ("PATCH", "/api/v1/walls/hall", env.op2, m1);
  g_assert_cmpuint (r->status, ==, 409);
  g_assert_nonnull (
      strstr (json_object_get_string_member (
                  json_object_get_object_member (obj (r), "error"), "message"),
          "op1"));
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/walls/hall/locks", env.op2, "{\"monitors\": [1]}");
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reply_free);
  m2 = patch_body (rev,
      "[{\"index\": 2, \"layout\": \"1\", \"tiles\": [\"" CAM ("11") "\"]}]");
  r = call ("PATCH", "/api/v1/walls/hall", env.op2, m2);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, reply_free);
  path = g_strdup_printf ("/api/v1/walls/hall/locks/%s", lock_id);
  r = call ("DELETE", path, env.op2, NULL);
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reply_free);
  /* The owner changes its region; then it is released. */
  g_free (m1);
  m1 = patch_body (rev + 1,
      "[{\"index\": 1, \"layout\": \"1\", \"tiles\": [\"" CAM ("03") "\"]}]");
  r = call ("PATCH", "/api/v1/walls/hall", env.op1, m1);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, reply_free);
  r = call ("DELETE", path, env.op1, NULL);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&r, reply_free);
  r = call ("DELETE", path, env.op1, NULL);
  g_assert_cmpuint (r->status, ==, 404);
}

/* A camera outside a caller's sources never appears in what it gets. */
static void
test_hidden (void)
{
  g_autoptr (Reply) r = NULL;
  g_autoptr (Reply) w = NULL;
  g_autofree char *body = patch_body (revision (env.admin),
      "[{\"index\": 3, \"layout\": \"4\", \"tiles\": [\"" ID_PS
      "\", \"" CAM ("04") "\"]}]");
  JsonObject *t;

  r = call ("PATCH", "/api/v1/walls/hall", env.admin, body);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (tile_camera (r, 3, 0), ==, ID_PS);
  w = call ("GET", "/api/v1/walls/hall", env.wall1, NULL);
  t = json_array_get_object_element (tiles_of (w, 3), 0);
  g_assert_true (json_object_get_boolean_member (t, "hidden"));
  g_assert_false (json_object_has_member (t, "camera_id"));
  g_assert_cmpstr (tile_camera (w, 3, 1), ==, CAM ("04"));
}

static void
test_presets (void)
{
  g_autoptr (Reply) r = NULL;
  g_autoptr (Reply) wall = NULL;
  g_autofree char *lock_path = NULL;
  const char
      *flood = "{\"title\": \"防汛防台\", \"monitors\": ["
               "{\"index\": 0, \"layout\": \"4\", \"tiles\": [\"" CAM ("05") "\", \"" CAM (
                   "06") "\", \"" CAM ("07") "\", \"" CAM ("08") "\"]},"
                                                                 "{\"index\": "
                                                                 "1, "
                                                                 "\"layout\": "
                                                                 "\"1\", "
                                                                 "\"tiles\": "
                                                                 "[\"" CAM (
                                                                     "09") "\"]"
                                                                           "},"
                                                                           "{\""
                                                                           "ind"
                                                                           "ex"
                                                                           "\":"
                                                                           " 3,"
                                                                           " \""
                                                                           "lay"
                                                                           "out"
                                                                           "\":"
                                                                           " \""
                                                                           "1+"
                                                                           "5\""
                                                                           ", "
                                                                           "\"t"
                                                                           "ile"
                                                                           "s\""
                                                                           ": "
                                                                           "["
                                                                           "\"" CAM (
                                                                               "10") "\"]}]}";
  const char *const cams[] = {CAM ("05"), CAM ("06"), CAM ("07"), CAM ("08"),
      CAM ("09"), CAM ("10")};
  gint64 rev;

  r = call ("PUT", "/api/v1/walls/hall/presets/flood", env.wall1, flood);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reply_free);
  r = call ("PUT", "/api/v1/walls/hall/presets/flood", env.op1, flood);
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, reply_free);
  r = call ("PUT", "/api/v1/walls/hall/presets/bad", env.op1,
      "{\"monitors\": [{\"index\": 9, \"layout\": \"1\"}]}");
  g_assert_cmpuint (r->status, ==, 422);
  g_clear_pointer (&r, reply_free);
  r = call ("GET", "/api/v1/walls/hall/presets", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (obj (r), "presets")),
      ==, 1);
  g_clear_pointer (&r, reply_free);

  /* Atomic: a monitor of the preset locked by someone else refuses the
   * whole preset. */
  r = call ("POST", "/api/v1/walls/hall/locks", env.op2,
      "{\"monitors\": [3], \"ttl_s\": 60}");
  g_assert_cmpuint (r->status, ==, 201);
  lock_path = g_strdup_printf ("/api/v1/walls/hall/locks/%s",
      json_object_get_string_member (obj (r), "id"));
  g_clear_pointer (&r, reply_free);
  rev = revision (env.wall1);
  r = call ("POST", "/api/v1/walls/hall/presets/flood/apply", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reply_free);
  g_assert_cmpint (revision (env.wall1), ==, rev);
  for (guint i = 0; i < G_N_ELEMENTS (cams); i++)
    g_assert_false (upstream_playing (cams[i]));
  r = call ("DELETE", lock_path, env.op2, NULL);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&r, reply_free);
  rev = revision (env.wall1);
  r = call ("POST", "/api/v1/walls/hall/presets/flood/apply", env.wall1,
      "{\"revision\": 0}");
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reply_free);

  /* Applied: one revision, every camera already playing when the answer
   * comes.  The warm-up covers the whole wall after the switch: the six
   * cameras of the preset and the one monitor 2 keeps. */
  r = call ("POST", "/api/v1/walls/hall/presets/flood/apply", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (
      json_object_get_int_member (
          json_object_get_object_member (obj (r), "warm"), "cameras"),
      ==, 7);
  g_assert_cmpint (
      json_object_get_int_member (
          json_object_get_object_member (obj (r), "warm"), "ready"),
      ==, 7);
  g_test_message ("preset of 6 cold cameras applied in %.0f ms", r->ms);
  for (guint i = 0; i < G_N_ELEMENTS (cams); i++)
    g_assert_true (upstream_playing (cams[i]));
  g_clear_pointer (&r, reply_free);
  wall = call ("GET", "/api/v1/walls/hall", env.wall1, NULL);
  g_assert_cmpint (json_object_get_int_member (obj (wall), "revision"), ==,
      rev + 1);
  g_assert_cmpstr (tile_camera (wall, 0, 3), ==, CAM ("08"));
  g_assert_cmpstr (tile_camera (wall, 1, 0), ==, CAM ("09"));
  g_assert_cmpstr (tile_camera (wall, 3, 0), ==, CAM ("10"));
  g_assert_null (tile_camera (wall, 3, 1));
  /* The monitor the preset does not name keeps what it showed. */
  g_assert_cmpstr (tile_camera (wall, 2, 0), ==, CAM ("11"));

  r = call ("DELETE", "/api/v1/walls/hall/presets/flood", env.op1, NULL);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/walls/hall/presets/flood/apply", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 404);
}

static gboolean
wait_tile (const char *camera, guint monitor, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_get_monotonic_time () < end) {
    g_autoptr (Reply) w = call ("GET", "/api/v1/walls/hall", env.wall1, NULL);

    if (g_strcmp0 (tile_camera (w, monitor, 0), camera) == 0)
      return TRUE;
    g_usleep (50 * 1000);
  }
  return FALSE;
}

static gboolean
wait_playing (const char *camera, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_get_monotonic_time () < end) {
    if (upstream_playing (camera))
      return TRUE;
    g_usleep (50 * 1000);
  }
  return FALSE;
}

static void
test_tours (void)
{
  g_autoptr (Reply) r = NULL;
  g_autoptr (Reply) w = NULL;
  g_autofree char *body = NULL;
  gint64 rev = revision (env.wall1), t0, t1;

  body = patch_body (rev,
      "[{\"index\": 1, \"layout\": \"1\", \"tiles\": [{\"tour\": {\"cameras\":"
      " [\"" CAM ("01") "\", \"" CAM ("02") "\", \"" CAM (
          "12") "\"],"
                " \"dwell_s\": 3}}]}]");
  r = call ("PATCH", "/api/v1/walls/hall", env.op1, body);
  t0 = g_get_monotonic_time ();
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (tile_camera (r, 1, 0), ==, CAM ("01"));
  /* The next camera is pulled and playing before its turn. */
  g_assert_true (wait_playing (CAM ("02"), 2800));
  w = call ("GET", "/api/v1/walls/hall", env.wall1, NULL);
  g_assert_cmpstr (tile_camera (w, 1, 0), ==, CAM ("01"));
  g_assert_true (wait_tile (CAM ("02"), 1, 6000));
  t1 = g_get_monotonic_time ();
  /* A dwell of 3 s, give or take the tour clock and the polling (the
   * upper bound leaves room for a loaded machine). */
  g_test_message ("first tour step after %.0f ms", (t1 - t0) / 1000.0);
  g_assert_cmpint (t1 - t0, >=, 2900 * 1000);
  g_assert_cmpint (t1 - t0, <, 4500 * 1000);
  g_assert_true (wait_playing (CAM ("12"), 2800));
  g_assert_true (wait_tile (CAM ("12"), 1, 6000));
  g_assert_true (wait_tile (CAM ("01"), 1, 6000));
  /* Tour steps are not revisions: operators do not conflict with them. */
  g_assert_cmpint (revision (env.wall1), ==, rev + 1);
}

static void
test_incidents (void)
{
  g_autoptr (Reply) r = NULL;
  g_autoptr (Reply) before = NULL;
  g_autoptr (Reply) wall = NULL;
  g_autoptr (Reply) audit = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *close = NULL;
  g_autofree char *body = NULL;
  JsonArray *cams;
  JsonArray *rows;
  guint attributed = 0;

  body = g_strdup_printf ("{\"lon\": %.6f, \"lat\": %.6f, \"kind\": \"flood\","
                          " \"title\": \"积水\", \"radius_m\": 300, \"k\": 4,"
                          " \"wall\": \"hall\", \"monitor\": 2}",
      POINT_LON, POINT_LAT);
  r = call ("POST", "/api/v1/incidents", env.wall1, body);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reply_free);

  before = call ("GET", "/api/v1/walls/hall", env.op1, NULL);
  r = call ("POST", "/api/v1/incidents", env.op1, body);
  g_assert_cmpuint (r->status, ==, 201);
  g_test_message ("incident of 4 cameras opened in %.0f ms", r->ms);
  {
    JsonObject *inc = json_object_get_object_member (obj (r), "incident");
    JsonObject *warm = json_object_get_object_member (obj (r), "warm");

    id = g_strdup (json_object_get_string_member (inc, "id"));
    cams = json_object_get_array_member (inc, "cameras");
    /* The nearest the operator may see (never the 公安 camera), the one
     * facing the point first. */
    g_assert_cmpuint (json_array_get_length (cams), ==, 4);
    g_assert_cmpstr (json_array_get_string_element (cams, 0), ==, CAM ("04"));
    g_assert_cmpstr (json_array_get_string_element (cams, 1), ==, CAM ("01"));
    g_assert_cmpstr (json_array_get_string_element (cams, 2), ==, CAM ("02"));
    g_assert_cmpstr (json_array_get_string_element (cams, 3), ==, CAM ("03"));
    g_assert_cmpint (json_object_get_int_member (warm, "ready"), ==, 4);
  }
  g_clear_pointer (&r, reply_free);
  g_assert_true (upstream_playing (CAM ("04")));

  /* The monitor shows the incident's cameras, marked with it. */
  wall = call ("GET", "/api/v1/walls/hall", env.op1, NULL);
  g_assert_cmpstr (tile_camera (wall, 2, 0), ==, CAM ("04"));
  g_assert_cmpstr (tile_camera (wall, 2, 3), ==, CAM ("03"));
  g_assert_cmpstr (
      json_object_get_string_member (
          json_array_get_object_element (tiles_of (wall, 2), 0), "incident"),
      ==, id);
  g_clear_pointer (&wall, reply_free);

  /* Audited as views for the incident. */
  audit = call ("GET", "/api/v1/audit?limit=1000", env.admin, NULL);
  rows = json_object_get_array_member (obj (audit), "rows");
  for (guint i = 0; i < json_array_get_length (rows); i++) {
    JsonObject *row = json_array_get_object_element (rows, i);

    if (!json_object_get_null_member (row, "incident") &&
        g_strcmp0 (json_object_get_string_member (row, "incident"), id) == 0)
      attributed++;
  }
  g_assert_cmpuint (attributed, ==, 4);

  r = call ("GET", "/api/v1/incidents?open=true", env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (obj (r), "incidents")),
      ==, 1);
  g_clear_pointer (&r, reply_free);

  /* Closing puts back what the monitor showed. */
  close = g_strdup_printf ("/api/v1/incidents/%s/close", id);
  r = call ("POST", close, env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", close, env.op2, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_false (json_object_get_boolean_member (obj (r), "open"));
  g_clear_pointer (&r, reply_free);
  wall = call ("GET", "/api/v1/walls/hall", env.op1, NULL);
  g_assert_cmpstr (tile_camera (wall, 2, 0), ==, tile_camera (before, 2, 0));
  g_assert_cmpstr (tile_camera (wall, 2, 0), ==, CAM ("11"));
  g_assert_cmpuint (json_array_get_length (tiles_of (wall, 2)), ==, 1);
  r = call ("POST", close, env.op2, NULL);
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reply_free);
  path = g_strdup_printf ("/api/v1/incidents/%s", id);
  r = call ("GET", path, env.wall1, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (r), "closed_by"), ==,
      "op2");
  g_clear_pointer (&r, reply_free);

  /* The platform's own id is kept; it is unique. */
  r = call ("POST", "/api/v1/incidents", env.op1,
      "{\"id\": \"INC-2026-0042\", \"lon\": 121.4, \"lat\": 31.35,"
      " \"k\": 1}");
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (obj (r), "incident"), "id"),
      ==, "INC-2026-0042");
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/incidents", env.op1,
      "{\"id\": \"INC-2026-0042\", \"lon\": 121.4, \"lat\": 31.35}");
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/incidents/INC-2026-0042/close", env.op1, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, reply_free);

  /* Bad input. */
  r = call ("POST", "/api/v1/incidents", env.op1,
      "{\"lon\": 121.4, \"lat\": 31.35, \"k\": 99}");
  g_assert_cmpuint (r->status, ==, 422);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/incidents", env.op1, "{\"lat\": 31.35}");
  g_assert_cmpuint (r->status, ==, 400);
  g_clear_pointer (&r, reply_free);
  r = call ("POST", "/api/v1/incidents", env.op1,
      "{\"lon\": 121.4, \"lat\": 31.35, \"wall\": \"nope\"}");
  g_assert_cmpuint (r->status, ==, 404);
}

/* The CLI as @token's holder on this gateway: exit status, *out. */
#define cli(token, out, ...) \
  gateway_process_run_cli (env.gw, token, out, NULL, __VA_ARGS__)

static void
test_cli (void)
{
  g_autoptr (Reply) r = NULL;
  g_autofree char *out = NULL;
  g_autofree char *id = NULL;
  g_autofree char *at = g_strdup_printf ("%.6f,%.6f", POINT_LON, POINT_LAT);

  g_assert_cmpint (cli (env.op1, &out, "wall", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "指挥大厅"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (env.op1, &out, "wall", "show", "hall", NULL), ==, 0);
  g_assert_nonnull (strstr (out, CAM ("11")));
  g_clear_pointer (&out, g_free);

  r = call ("PUT", "/api/v1/walls/hall/presets/daily", env.op1,
      "{\"title\": \"日常\", \"monitors\": [{\"index\": 0, \"layout\": \"1\","
      " \"tiles\": [\"" CAM ("07") "\"]}]}");
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpint (
      cli (env.wall1, &out, "wall", "apply", "daily", "--wall", "hall", NULL),
      ==, 0);
  g_assert_nonnull (strstr (out, "shows preset daily"));
  g_clear_pointer (&out, g_free);
  /* A refusal is the gateway's message and exit status 1. */
  g_assert_cmpint (
      cli (env.viewer, &out, "wall", "apply", "daily", "--wall", "hall", NULL),
      ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (env.op1, &out, "wall", "tour", "--wall", "hall",
                       "--monitor", "2", "--dwell", "5", CAM ("05"), CAM ("06"),
                       NULL),
      ==, 0);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (cli (env.op1, &out, "incident", "open", "--at", at,
                       "--radius", "300", "--wall", "hall", "--monitor", "3",
                       NULL),
      ==, 0);
  id = g_strdup (g_strstrip (out));
  g_clear_pointer (&out, g_free);
  g_assert_true (g_str_has_prefix (id, "inc-"));
  g_assert_cmpint (cli (env.op1, &out, "incident", "list", "--open", NULL), ==,
      0);
  g_assert_nonnull (strstr (out, id));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (env.op1, &out, "incident", "close", id, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (env.op1, &out, "incident", "list", "--open", NULL), ==,
      0);
  g_assert_null (strstr (out, id));
}

/* ---- change push -------------------------------------------------------- */

typedef struct
{
  TestWs *ws;
  GPtrArray *events; /* JsonNode */
  GArray *times;     /* gint64 arrival, monotonic µs */
} Watch;

static void
on_ws_message (TestWs *ws, gint type, GBytes *message, gpointer data)
{
  Watch *w = data;
  g_autoptr (JsonParser) p = json_parser_new ();
  gint64 now = g_get_monotonic_time ();

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (p,
      g_bytes_get_data (message, NULL), g_bytes_get_size (message), NULL));
  g_ptr_array_add (w->events, json_node_ref (json_parser_get_root (p)));
  g_array_append_val (w->times, now);
}

/* @token (nullable) goes into the Authorization header; @protocols
 * (nullable) are the subprotocols offered. */
static void
watch_start_full (Watch *w, SoupSession *session, const char *token,
    char **protocols)
{
  g_autofree char *uri =
      g_strdup_printf ("ws://127.0.0.1:%u/api/v1/walls/hall/events",
          gateway_process_http_port (env.gw));

  memset (w, 0, sizeof (*w));
  w->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  w->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  w->ws = test_ws_connect (session, uri, token, (const char *const *) protocols,
      on_ws_message, w, 30000);
}

static void
watch_start (Watch *w, SoupSession *session, const char *token)
{
  watch_start_full (w, session, token, NULL);
}

static void
watch_clear (Watch *w)
{
  test_ws_free (w->ws);
  g_ptr_array_unref (w->events);
  g_array_unref (w->times);
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for event number @n (0-based); FALSE after @timeout_ms. */
static gboolean
watch_wait (Watch *w, guint n, guint timeout_ms)
{
  gboolean late = FALSE;
  guint id = g_timeout_add (timeout_ms, on_deadline, &late);

  while (w->events->len <= n && !late)
    g_main_context_iteration (NULL, TRUE);
  if (!late)
    g_source_remove (id);
  return w->events->len > n;
}

static const char *
event_type (Watch *w, guint n)
{
  return json_object_get_string_member (
      json_node_get_object (w->events->pdata[n]), "type");
}

static gint64
event_revision (Watch *w, guint n)
{
  return json_object_get_int_member (json_node_get_object (w->events->pdata[n]),
      "revision");
}

static void
on_patched (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GBytes) body =
      soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  *(gboolean *) data = TRUE;
}

static void
test_events (void)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *uri =
      gateway_process_http_url (env.gw, "/api/v1/walls/hall");
  g_autoptr (SoupMessage) patch = soup_message_new ("PATCH", uri);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", env.op1);
  g_autofree char *body = NULL;
  g_autoptr (GBytes) bytes = NULL;
  Watch denied, w;
  gint64 rev, sent;
  gboolean patched = FALSE;
  guint tour = 0;

  watch_start (&denied, session, env.viewer);
  g_assert_null (denied.ws->conn);
  g_assert_nonnull (denied.ws->error);
  watch_clear (&denied);

  watch_start (&w, session, env.wall1);
  g_assert_no_error (w.ws->error);
  g_assert_true (watch_wait (&w, 0, 5000));
  g_assert_cmpstr (event_type (&w, 0), ==, "snapshot");
  rev = event_revision (&w, 0);
  g_assert_cmpint (rev, ==, revision (env.wall1));

  body = patch_body (rev,
      "[{\"index\": 0, \"layout\": \"1\", \"tiles\": [\"" CAM ("08") "\"]}]");
  bytes = g_bytes_new (body, strlen (body));
  soup_message_headers_replace (soup_message_get_request_headers (patch),
      "Authorization", auth);
  soup_message_set_request_body_from_bytes (patch, "application/json", bytes);
  sent = g_get_monotonic_time ();
  soup_session_send_and_read_async (session, patch, G_PRIORITY_DEFAULT, NULL,
      on_patched, &patched);
  /* The change arrives; tour steps of monitor 1 may come in between. */
  for (guint n = 1; n < 10; n++) {
    g_assert_true (watch_wait (&w, n, 5000));
    if (strcmp (event_type (&w, n), "change") == 0) {
      gint64 at = g_array_index (w.times, gint64, n);

      g_assert_cmpint (event_revision (&w, n), ==, rev + 1);
      g_test_message ("change pushed %.1f ms after the PATCH was sent",
          (at - sent) / 1000.0);
      g_assert_cmpint (at - sent, <, 1000 * 1000);
      break;
    }
    g_assert_cmpstr (event_type (&w, n), ==, "tour");
  }
  while (!patched)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (soup_message_get_status (patch), ==, 200);
  /* Monitor 1 still tours every 3 s: its steps are pushed too. */
  for (guint n = w.events->len; n < 20 && tour == 0; n++) {
    g_assert_true (watch_wait (&w, n, 5000));
    if (strcmp (event_type (&w, n), "tour") == 0)
      tour++;
  }
  g_assert_cmpuint (tour, ==, 1);
  watch_clear (&w);
}

/* The wall page's way in: a browser cannot set Authorization on a
 * WebSocket, so the API token rides as a subprotocol, and only
 * "cityeye.events" is echoed. */
static void
test_events_protocol (void)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *bearer = g_strconcat ("cityeye.bearer.", env.wall1, NULL);
  g_autofree char *viewer = g_strconcat ("cityeye.bearer.", env.viewer, NULL);
  char *good[] = {(char *) "cityeye.events", bearer, NULL};
  char *only_bearer[] = {bearer, NULL};
  char *wrong[] = {(char *) "cityeye.events",
      (char *) "cityeye.bearer.cet_wrong", NULL};
  char *as_viewer[] = {(char *) "cityeye.events", viewer, NULL};
  char *twice[] = {(char *) "cityeye.events", bearer, bearer, NULL};
  char *plain[] = {(char *) "cityeye.events", NULL};
  Watch w;

  watch_start_full (&w, session, NULL, good);
  g_assert_no_error (w.ws->error);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (w.ws->conn), ==,
      "cityeye.events");
  g_assert_true (watch_wait (&w, 0, 5000));
  g_assert_cmpstr (event_type (&w, 0), ==, "snapshot");
  watch_clear (&w);

  /* Refused: without "cityeye.events", a wrong token, a role that may not
   * watch walls, the token twice, the token in both places, no token. */
  watch_start_full (&w, session, NULL, only_bearer);
  g_assert_null (w.ws->conn);
  watch_clear (&w);
  watch_start_full (&w, session, NULL, wrong);
  g_assert_null (w.ws->conn);
  watch_clear (&w);
  watch_start_full (&w, session, NULL, as_viewer);
  g_assert_null (w.ws->conn);
  watch_clear (&w);
  watch_start_full (&w, session, NULL, twice);
  g_assert_null (w.ws->conn);
  watch_clear (&w);
  watch_start_full (&w, session, env.wall1, good);
  g_assert_null (w.ws->conn);
  watch_clear (&w);
  watch_start_full (&w, session, NULL, plain);
  g_assert_null (w.ws->conn);
  watch_clear (&w);
  /* The Authorization header with the subprotocol offered still works. */
  watch_start_full (&w, session, env.wall1, plain);
  g_assert_no_error (w.ws->error);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (w.ws->conn), ==,
      "cityeye.events");
  watch_clear (&w);
}

static gboolean
metric (const char *text, const char *name, double *value)
{
  g_autofree char *needle = g_strdup_printf ("\n%s ", name);
  const char *p = strstr (text, needle);

  if (p == NULL)
    return FALSE;
  *value = g_ascii_strtod (p + strlen (needle), NULL);
  return TRUE;
}

static void
test_metrics (void)
{
  g_autofree char *uri = gateway_process_http_url (env.gw, "/metrics");
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", env.admin);
  g_autoptr (GBytes) body = NULL;
  g_autofree char *text = NULL;
  double v;

  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", auth);
  body = soup_session_send_and_read (gateway_process_session (env.gw), msg,
      NULL, NULL);
  g_assert_nonnull (body);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_true (metric (text, "cityeye_walls", &v));
  g_assert_cmpfloat (v, ==, 1);
  /* The wall shows cameras and tours: some are held warm. */
  g_assert_true (metric (text, "cityeye_wall_warm_streams", &v));
  g_assert_cmpfloat (v, >=, 2);
  g_assert_true (metric (text, "cityeye_wall_conflicts_total", &v));
  g_assert_cmpfloat (v, >=, 1);
  g_assert_true (metric (text, "cityeye_wall_preset_applies_total", &v));
  g_assert_cmpfloat (v, ==, 2);
  g_assert_true (metric (text, "cityeye_wall_tour_steps_total", &v));
  g_assert_cmpfloat (v, >=, 3);
  g_assert_true (metric (text, "cityeye_incidents_warm", &v));
  g_assert_cmpfloat (v, ==, 0);
}

/* After a restart the walls show again what they showed, warm, and their
 * tours run; open incidents hold their cameras again. */
static void
test_restart (void)
{
  g_autoptr (Reply) r = NULL;
  g_autoptr (Reply) w = NULL;
  /* At w09, which no monitor shows. */
  g_autofree char *body = g_strdup_printf (
      "{\"id\": \"INC-restart\", \"lon\": %.7f, \"lat\": %.7f, \"k\": 1,"
      " \"radius_m\": 20}",
      POINT_LON + 360.0 / (111320.0 * cos (POINT_LAT * G_PI / 180)), POINT_LAT);
  g_autofree char *before = NULL;
  g_autofree char *chosen = NULL;

  r = call ("POST", "/api/v1/incidents", env.op1, body);
  g_assert_cmpuint (r->status, ==, 201);
  chosen = g_strdup (json_array_get_string_element (
      json_object_get_array_member (
          json_object_get_object_member (obj (r), "incident"), "cameras"),
      0));
  g_assert_cmpstr (chosen, ==, CAM ("09"));
  g_clear_pointer (&r, reply_free);
  w = call ("GET", "/api/v1/walls/hall", env.wall1, NULL);
  before = g_strdup (tile_camera (w, 0, 0));
  /* Stopped as at the end (clean exit, no critical), then started on
   * new ports. */
  gateway_process_restart (env.gw, FALSE);
  /* Nobody asked for anything yet: the gateway pulls on its own. */
  g_assert_true (wait_playing (before, 5000));
  g_assert_true (wait_playing (chosen, 5000));
  g_assert_cmpint (revision (env.wall1), ==,
      json_object_get_int_member (obj (w), "revision"));
  /* Monitor 1 still tours (3 s). */
  g_clear_pointer (&w, reply_free);
  w = call ("GET", "/api/v1/walls/hall", env.wall1, NULL);
  {
    g_autofree char *now = g_strdup (tile_camera (w, 1, 0));
    const char *next = strcmp (now, CAM ("01")) == 0 ? CAM ("02")
        : strcmp (now, CAM ("02")) == 0              ? CAM ("12")
                                                     : CAM ("01");

    g_assert_true (wait_tile (next, 1, 6000));
  }
  r = call ("POST", "/api/v1/incidents/INC-restart/close", env.op1, NULL);
  g_assert_cmpuint (r->status, ==, 200);
}

static void
test_openapi (void)
{
  g_autoptr (Reply) r = call ("GET", "/api/v1/openapi.json", env.admin, NULL);
  JsonObject *paths = json_object_get_object_member (obj (r), "paths");
  const char *const routes[][2] = {{"get", "/api/v1/walls"},
      {"post", "/api/v1/walls"}, {"get", "/api/v1/walls/{name}"},
      {"patch", "/api/v1/walls/{name}"}, {"delete", "/api/v1/walls/{name}"},
      {"post", "/api/v1/walls/{name}/locks"},
      {"delete", "/api/v1/walls/{name}/locks/{sub}"},
      {"get", "/api/v1/walls/{name}/events"},
      {"get", "/api/v1/walls/{name}/presets"},
      {"put", "/api/v1/walls/{name}/presets/{sub}"},
      {"delete", "/api/v1/walls/{name}/presets/{sub}"},
      {"post", "/api/v1/walls/{name}/presets/{sub}/apply"},
      {"get", "/api/v1/incidents"}, {"post", "/api/v1/incidents"},
      {"get", "/api/v1/incidents/{name}"},
      {"post", "/api/v1/incidents/{name}/close"}};

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++) {
    JsonObject *p = json_object_get_object_member (paths, routes[i][1]);

    if (p == NULL || !json_object_has_member (p, routes[i][0]))
      g_error ("%s %s is not in openapi.json", routes[i][0], routes[i][1]);
  }
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  env_start ();
  g_test_add_func ("/walls/create-and-roles", test_create_and_roles);
  g_test_add_func ("/walls/revisions", test_revisions);
  g_test_add_func ("/walls/locks", test_locks);
  g_test_add_func ("/walls/hidden", test_hidden);
  g_test_add_func ("/walls/presets", test_presets);
  g_test_add_func ("/walls/tours", test_tours);
  g_test_add_func ("/walls/incidents", test_incidents);
  g_test_add_func ("/walls/cli", test_cli);
  g_test_add_func ("/walls/events", test_events);
  g_test_add_func ("/walls/events-protocol", test_events_protocol);
  g_test_add_func ("/walls/metrics", test_metrics);
  g_test_add_func ("/walls/restart", test_restart);
  g_test_add_func ("/walls/openapi", test_openapi);
  rc = g_test_run ();
  env_stop ();
  return rc;
}
