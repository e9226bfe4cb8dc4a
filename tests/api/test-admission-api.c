/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Admission budgets and preemption end to end: the camera simulator as
 * four 公安 cameras, cityeyed with [admission] source.公安=2, an rtspsrc
 * viewer, a WebSocket viewer, refused requests (HTTP 503, RTSP 453),
 * incidents that preempt the viewers, GET /api/v1/admission and /metrics.
 */
#include "ce-auth.h"
#include "ce-registry.h"
#include "camsim-fixture.h"
#include "gateway-fixture.h"
#include "ws-client.h"

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

/* Four 公安 cameras 1 km apart, so that an incident at one picks it
 * alone. */
#define CAM(n) "3101130000132000031" n
#define BASE_LON 121.40
#define BASE_LAT 31.35

typedef struct
{
  CamsimProcess *sim;
  GatewayProcess *gw;
  char *admin, *op;
} Env;

static Env env;

static double
cam_lon (guint n)
{
  return BASE_LON + n * 1000.0 / (111320.0 * cos (BASE_LAT * G_PI / 180));
}

static void
add_camera (guint n)
{
  g_autofree char *cam = g_strdup_printf ("adm%u", n);
  g_autofree char *id = g_strdup_printf (CAM ("%u"), n);
  g_autofree char *name = g_strdup_printf ("预算 %s", cam);
  g_autofree char *url = camsim_url (env.sim, cam, NULL);
  g_autoptr (CeCamera) c =
      gateway_camera_new (id, name, CE_SOURCE_PUBLIC_SECURITY, url);

  c->street = g_strdup ("顾村镇");
  c->lon = cam_lon (n);
  c->lat = BASE_LAT;
  c->azimuth = NAN;
  c->status = CE_STATUS_ONLINE;
  gateway_process_add_camera (env.gw, c);
}

static void
env_start (void)
{
  env.gw = gateway_process_new ("admission");
  env.sim = camsim_process_start (NULL);
  for (guint n = 1; n <= 4; n++)
    add_camera (n);
  env.admin = gateway_process_add_user (env.gw, "root", "admin",
      CE_AUTH_ALL_SOURCES, 0);
  env.op = gateway_process_add_user (env.gw, "op1", "operator",
      CE_AUTH_ALL_SOURCES, 0);

  gateway_process_start (env.gw,
      "[relay]\nlinger=5\nstart_timeout=4\n"
      "[wall]\nwarm_timeout=4\nwarm_retry=1\n"
      "[admission]\nsource.公安=2\n");
}

static char *
read_log (void)
{
  return gateway_process_read_log (env.gw);
}

static void
env_stop (void)
{
  gateway_process_stop (env.gw);
  camsim_process_stop (env.sim);
  g_free (env.admin);
  g_free (env.op);
}

/* ---- clients ---------------------------------------------------------- */

typedef GatewayReply Reply;

static Reply *
call (const char *method, const char *path, const char *token, const char *body)
{
  return gateway_process_request (env.gw, method, path, token, body);
}

static JsonObject *
obj (Reply *r)
{
  return gateway_reply_object (r);
}

static const char *
error_member (Reply *r, const char *member)
{
  return json_object_get_string_member (
      json_object_get_object_member (obj (r), "error"), member);
}

/* One RTSP request on a new connection to cityeyed; the status line. */
static char *
rtsp_describe (const char *camera)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *req = g_strdup_printf (
      "DESCRIBE rtsp://127.0.0.1:%u/cameras/%s?token=%s RTSP/1.0\r\n"
      "CSeq: 1\r\nAccept: application/sdp\r\n\r\n",
      gateway_process_rtsp_port (env.gw), camera, env.admin);
  g_autoptr (GDataInputStream) in = NULL;

  g_socket_client_set_timeout (client, 10);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1",
      gateway_process_rtsp_port (env.gw), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (
      g_io_stream_get_output_stream (G_IO_STREAM (conn)), req, strlen (req),
      NULL, NULL, &error));
  in = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  return g_strchomp (
      g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error));
}

/* A WebSocket client (a live.ws viewer, a wall's watcher): every text
 * message, and how many binary ones. */
typedef struct
{
  TestWs *ws;
  GPtrArray *texts; /* char * */
  guint binary;
} Ws;

static void
on_ws_message (TestWs *ws, gint type, GBytes *message, gpointer data)
{
  Ws *w = data;

  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    g_ptr_array_add (w->texts,
        g_strndup (g_bytes_get_data (message, NULL),
            g_bytes_get_size (message)));
  else
    w->binary++;
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@flag or @timeout_ms. */
static gboolean
wait_flag (gboolean *flag, guint timeout_ms)
{
  gboolean late = FALSE;
  guint id = g_timeout_add (timeout_ms, on_deadline, &late);

  while (!*flag && !late)
    g_main_context_iteration (NULL, TRUE);
  if (!late)
    g_source_remove (id);
  return *flag;
}

/* Connects as the admin to @path (a WebSocket route). */
static void
ws_open (Ws *w, const char *path)
{
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u%s",
      gateway_process_http_port (env.gw), path);

  memset (w, 0, sizeof (*w));
  w->texts = g_ptr_array_new_with_free_func (g_free);
  w->ws = test_ws_connect (gateway_process_session (env.gw), uri, env.admin,
      NULL, on_ws_message, w, 10000);
  g_assert_no_error (w->ws->error);
}

static void
ws_clear (Ws *w)
{
  test_ws_free (w->ws);
  g_ptr_array_unref (w->texts);
}

static gboolean
ws_has_media (gpointer data)
{
  return ((Ws *) data)->binary > 0;
}

static Reply *
open_incident (guint n)
{
  g_autofree char *body =
      g_strdup_printf ("{\"lon\": %.6f, \"lat\": %.6f, \"kind\": \"flood\","
                       " \"title\": \"积水 %u\", \"radius_m\": 200, \"k\": 1}",
          cam_lon (n), BASE_LAT, n);

  return call ("POST", "/api/v1/incidents", env.op, body);
}

static JsonObject *
find_budget (Reply *adm, const char *name)
{
  JsonArray *a = json_object_get_array_member (obj (adm), "budgets");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *b = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (b, "budget"), name) == 0)
      return b;
  }
  return NULL;
}

static JsonObject *
find_pull (Reply *adm, const char *camera)
{
  JsonArray *a = json_object_get_array_member (obj (adm), "pulls");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *p = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (p, "camera_id"), camera) == 0)
      return p;
  }
  return NULL;
}

/* The incidents opened by the first test, by camera number. */
static char *incident_id[5];

static void
keep_incident (Reply *r, guint n)
{
  JsonObject *inc = json_object_get_object_member (obj (r), "incident");

  g_free (incident_id[n]);
  incident_id[n] = g_strdup (json_object_get_string_member (inc, "id"));
}

/* ---- the tests -------------------------------------------------------- */

static void
test_budget_and_preemption (void)
{
  Ws ws;
  g_autoptr (CamsimClient) rtsp = NULL;
  g_autofree char *url =
      g_strdup_printf ("rtsp://127.0.0.1:%u/cameras/" CAM ("2") "?token=%s",
          gateway_process_rtsp_port (env.gw), env.admin);
  g_autofree char *status = NULL;
  g_autoptr (GatewayReply) r = NULL;
  g_autoptr (GatewayReply) metrics = NULL;
  g_autoptr (GatewayReply) adm = NULL;
  g_autofree char *log = NULL;
  const char *state = NULL;
  JsonObject *b, *p;
  gboolean media = FALSE;

  /* Two ad hoc views fill the 公安 budget: a browser on camera 1, then
   * (the younger) an RTSP player on camera 2. */
  ws_open (&ws, "/api/v1/cameras/" CAM ("1") "/live.ws");
  for (guint i = 0; i < 100 && !media; i++) {
    g_usleep (50000);
    while (g_main_context_iteration (NULL, FALSE))
      ;
    media = ws_has_media (&ws);
  }
  g_assert_true (media);
  rtsp = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (rtsp, 5, 10000));

  /* A third one is refused, naming the budget: HTTP 503, RTSP 453. */
  r = call ("GET", "/api/v1/cameras/" CAM ("3") "/snapshot.jpg", env.admin,
      NULL);
  g_assert_cmpuint (r->status, ==, 503);
  g_assert_cmpstr (error_member (r, "code"), ==, "admission_refused");
  g_assert_cmpstr (error_member (r, "message"), ==,
      "source 公安: 2 of 2 pulls in use by equal or higher-priority views");
  g_clear_pointer (&r, gateway_reply_free);
  status = rtsp_describe (CAM ("3"));
  g_assert_cmpstr (status, ==, "RTSP/1.0 453 Not Enough Bandwidth");
  metrics = call ("GET", "/metrics", env.admin, NULL);
  g_assert_nonnull (strstr (metrics->body,
      "cityeye_admission_refused_total{budget=\"source/公安\","
      "priority=\"view\"} 2\n"));
  g_assert_nonnull (
      strstr (metrics->body, "cityeye_upstream_pulls{source=\"公安\"} 2\n"));
  g_clear_pointer (&metrics, gateway_reply_free);

  /* An incident at camera 3 takes the place of the youngest view: the
   * RTSP player's session ends. */
  r = open_incident (3);
  g_assert_cmpuint (r->status, ==, 201);
  keep_incident (r, 3);
  g_clear_pointer (&r, gateway_reply_free);
  g_assert_true (camsim_client_wait_ended (rtsp, 5000));

  /* A second incident at camera 4: the browser viewer is told why, and
   * its WebSocket closed. */
  r = open_incident (4);
  g_assert_cmpuint (r->status, ==, 201);
  keep_incident (r, 4);
  g_clear_pointer (&r, gateway_reply_free);
  g_assert_true (wait_flag (&ws.ws->closed, 5000));
  for (guint i = 0; i < ws.texts->len; i++)
    if (strstr (ws.texts->pdata[i], "\"preempted\"") != NULL)
      state = ws.texts->pdata[i];
  g_assert_nonnull (state);
  g_assert_nonnull (strstr (state, "\"reason\":\"Preempted"));
  g_assert_nonnull (strstr (state, "incident"));

  /* The incidents now fill the budget: even a view is refused. */
  r = call ("GET", "/api/v1/cameras/" CAM ("1") "/snapshot.jpg", env.admin,
      NULL);
  g_assert_cmpuint (r->status, ==, 503);
  g_clear_pointer (&r, gateway_reply_free);

  /* What the admission API and the metrics say. */
  adm = call ("GET", "/api/v1/admission", env.op, NULL);
  g_assert_cmpuint (adm->status, ==, 200);
  b = find_budget (adm, "source/公安");
  g_assert_nonnull (b);
  g_assert_cmpint (json_object_get_int_member (b, "limit"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (b, "in_use"), ==, 2);
  g_assert_true (
      json_object_get_null_member (find_budget (adm, "gateway"), "limit"));
  p = find_pull (adm, CAM ("3"));
  g_assert_nonnull (p);
  g_assert_cmpstr (json_object_get_string_member (p, "priority"), ==,
      "incident");
  g_assert_cmpstr (json_object_get_string_member (p, "source"), ==, "公安");
  g_assert_nonnull (find_pull (adm, CAM ("4")));
  g_assert_null (find_pull (adm, CAM ("2")));
  {
    JsonArray *pre = json_object_get_array_member (obj (adm), "preempted");
    JsonObject *c;

    g_assert_cmpuint (json_array_get_length (pre), ==, 1);
    c = json_array_get_object_element (pre, 0);
    g_assert_cmpstr (json_object_get_string_member (c, "budget"), ==,
        "source/公安");
    g_assert_cmpstr (json_object_get_string_member (c, "priority"), ==, "view");
    g_assert_cmpint (json_object_get_int_member (c, "count"), ==, 2);
  }
  g_clear_pointer (&r, gateway_reply_free);
  r = call ("GET", "/api/v1/admission", NULL, NULL);
  g_assert_cmpuint (r->status, ==, 401);
  metrics = call ("GET", "/metrics", env.admin, NULL);
  g_assert_nonnull (strstr (metrics->body,
      "cityeye_admission_preempted_total{budget=\"source/公安\","
      "priority=\"view\"} 2\n"));
  g_assert_nonnull (strstr (metrics->body,
      "cityeye_admission_refused_total{budget=\"source/公安\","
      "priority=\"view\"} 3\n"));

  /* Operators read why in the log. */
  log = read_log ();
  if (g_test_verbose ())
    g_printerr ("%s", log);
  g_assert_nonnull (strstr (log, "RTSP viewer 127.0.0.1:"));
  g_assert_nonnull (strstr (log, "closed: Preempted"));
  ws_clear (&ws);
}

/* A wall's cameras are held at preset priority: a lingering pull makes
 * room for them, and an incident takes their place, which the wall's
 * watchers are told. */
static void
test_wall_hold (void)
{
  Ws watch;
  g_autoptr (GatewayReply) r = NULL;
  g_autoptr (GatewayReply) adm = NULL;
  g_autofree char *close = NULL;
  g_autofree char *log = NULL;
  const char *event = NULL;
  JsonObject *p;

  g_assert_nonnull (incident_id[4]);
  /* Incident 4 ends: its camera lingers (5 s). */
  close = g_strdup_printf ("/api/v1/incidents/%s/close", incident_id[4]);
  r = call ("POST", close, env.op, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, gateway_reply_free);

  r = call ("POST", "/api/v1/walls", env.admin,
      "{\"name\": \"hall\", \"title\": \"大厅\", \"rows\": 1, \"cols\": 1}");
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, gateway_reply_free);
  ws_open (&watch, "/api/v1/walls/hall/events");

  /* The wall shows camera 1: the lingering camera 4 goes for it. */
  r = call ("PATCH", "/api/v1/walls/hall", env.admin,
      "{\"revision\": 0, \"monitors\": [{\"index\": 0, \"layout\": \"1\","
      " \"tiles\": [\"" CAM ("1") "\"]}]}");
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, gateway_reply_free);
  adm = call ("GET", "/api/v1/admission", env.admin, NULL);
  g_assert_null (find_pull (adm, CAM ("4")));
  p = find_pull (adm, CAM ("1"));
  g_assert_nonnull (p);
  g_assert_cmpstr (json_object_get_string_member (p, "priority"), ==, "preset");
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (
                           json_object_get_array_member (p, "holders"), 0),
                       "holder"),
      ==, "wall/hall");
  g_clear_pointer (&adm, gateway_reply_free);

  /* An incident at camera 2 takes the wall's place. */
  r = open_incident (2);
  g_assert_cmpuint (r->status, ==, 201);
  keep_incident (r, 2);
  g_clear_pointer (&r, gateway_reply_free);
  for (guint i = 0; i < 100 && event == NULL; i++) {
    while (g_main_context_iteration (NULL, FALSE))
      ;
    for (guint k = 0; k < watch.texts->len; k++)
      if (strstr (watch.texts->pdata[k], "\"type\":\"preempted\"") != NULL)
        event = watch.texts->pdata[k];
    if (event == NULL)
      g_usleep (20000);
  }
  if (g_test_verbose ())
    for (guint k = 0; k < watch.texts->len; k++)
      g_printerr ("wall event: %.300s\n", (char *) watch.texts->pdata[k]);
  g_assert_nonnull (event);
  g_assert_nonnull (strstr (event, "\"stream\":\"" CAM ("1") "/main\""));
  adm = call ("GET", "/api/v1/admission", env.admin, NULL);
  g_assert_null (find_pull (adm, CAM ("1")));
  p = find_pull (adm, CAM ("2"));
  g_assert_nonnull (p);
  g_assert_cmpstr (json_object_get_string_member (p, "priority"), ==,
      "incident");
  log = read_log ();
  g_assert_nonnull (strstr (log, "lingering upstream closed to make room"));
  g_assert_nonnull (strstr (log, "Hold wall/hall dropped camera"));
  g_clear_pointer (&adm, gateway_reply_free);

  /* Incident 3 ends; a tour of cameras 3 and 4 holds them at tour
   * priority: camera 3 (still lingering) is taken up again, camera 4
   * (next) finds the budget full of an incident and a tour: refused. */
  g_free (close);
  close = g_strdup_printf ("/api/v1/incidents/%s/close", incident_id[3]);
  r = call ("POST", close, env.op, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, gateway_reply_free);
  r = call ("PATCH", "/api/v1/walls/hall", env.admin,
      "{\"revision\": 1, \"monitors\": [{\"index\": 0, \"layout\": \"1\","
      " \"tiles\": [{\"tour\": {\"cameras\": [\"" CAM ("3") "\", \"" CAM (
          "4") "\"], \"dwell_s\": 30}}]}]}");
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, gateway_reply_free);
  adm = call ("GET", "/api/v1/admission", env.admin, NULL);
  p = find_pull (adm, CAM ("3"));
  g_assert_nonnull (p);
  g_assert_cmpstr (json_object_get_string_member (p, "priority"), ==, "tour");
  g_assert_null (find_pull (adm, CAM ("4")));
  r = call ("GET", "/metrics", env.admin, NULL);
  g_assert_nonnull (strstr (r->body,
      "cityeye_admission_refused_total{budget=\"source/公安\","
      "priority=\"tour\"} 1\n"));
  g_assert_nonnull (strstr (r->body,
      "cityeye_admission_preempted_total{budget=\"source/公安\","
      "priority=\"preset\"} 1\n"));
  ws_clear (&watch);
}

/* Warm presets ([wall] warm_presets, the default) hold their cameras at
 * standby priority: they take lingering pulls' places, yield to any view
 * when the budget is full, and come back ([wall] warm_retry) once there
 * is room again. */
static void
test_warm_presets (void)
{
  g_autoptr (GatewayReply) r = NULL;
  g_autoptr (GatewayReply) adm = NULL;
  g_autofree char *close = NULL;
  g_autofree char *log = NULL;
  JsonObject *p1, *p4;
  gint64 deadline;
  guint warm = 0;

  /* The budget is freed: incident 2 ends, the wall with the tour goes. */
  g_assert_nonnull (incident_id[2]);
  close = g_strdup_printf ("/api/v1/incidents/%s/close", incident_id[2]);
  r = call ("POST", close, env.op, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, gateway_reply_free);
  r = call ("DELETE", "/api/v1/walls/hall", env.admin, NULL);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&r, gateway_reply_free);

  /* A wall showing nothing, with an emergency preset of cameras 1 and 4:
   * both are pulled at once, in the lingering pulls' places. */
  r = call ("POST", "/api/v1/walls", env.admin,
      "{\"name\": \"duty\", \"rows\": 1, \"cols\": 1}");
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, gateway_reply_free);
  r = call ("PUT", "/api/v1/walls/duty/presets/flood", env.admin,
      "{\"title\": \"防汛防台\", \"monitors\": [{\"index\": 0, "
      "\"layout\": \"1\", \"tiles\": [\"" CAM ("1") "\"]}]}");
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, gateway_reply_free);
  r = call ("PUT", "/api/v1/walls/duty/presets/event", env.admin,
      "{\"title\": \"重大活动保障\", \"monitors\": [{\"index\": 0, "
      "\"layout\": \"1\", \"tiles\": [\"" CAM ("4") "\"]}]}");
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, gateway_reply_free);
  adm = call ("GET", "/api/v1/admission", env.admin, NULL);
  p1 = find_pull (adm, CAM ("1"));
  p4 = find_pull (adm, CAM ("4"));
  g_assert_nonnull (p1);
  g_assert_nonnull (p4);
  g_assert_null (find_pull (adm, CAM ("2")));
  g_assert_null (find_pull (adm, CAM ("3")));
  g_assert_cmpstr (json_object_get_string_member (p1, "priority"), ==,
      "standby");
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (
                           json_object_get_array_member (p4, "holders"), 0),
                       "holder"),
      ==, "presets/duty");
  g_clear_pointer (&adm, gateway_reply_free);

  /* An operator's snapshot of camera 2 takes the younger warm pull
   * (camera 4, saved last) instead of being refused. */
  r = call ("GET", "/api/v1/cameras/" CAM ("2") "/snapshot.jpg", env.op, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, gateway_reply_free);
  /* (Its pull lingers now, which the next warm-up, due any moment, may
   * already have taken: the counters and the log say what happened.) */
  r = call ("GET", "/metrics", env.admin, NULL);
  g_assert_nonnull (strstr (r->body,
      "cityeye_admission_preempted_total{budget=\"source/公安\","
      "priority=\"standby\"} 1\n"));
  g_clear_pointer (&r, gateway_reply_free);
  log = read_log ();
  g_assert_nonnull (
      strstr (log, "Hold presets/duty dropped camera " CAM ("4")));

  /* The snapshot is done and its pull lingers: the warm-up is tried again
   * and takes that place back. */
  deadline = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;
  while (warm < 2 && g_get_monotonic_time () < deadline) {
    g_usleep (200 * 1000);
    g_clear_pointer (&adm, gateway_reply_free);
    adm = call ("GET", "/api/v1/admission", env.admin, NULL);
    p1 = find_pull (adm, CAM ("1"));
    p4 = find_pull (adm, CAM ("4"));
    warm = (p1 != NULL) + (p4 != NULL);
  }
  g_assert_cmpuint (warm, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (p4, "priority"), ==,
      "standby");
  g_assert_null (find_pull (adm, CAM ("2")));

  r = call ("DELETE", "/api/v1/walls/duty", env.admin, NULL);
  g_assert_cmpuint (r->status, ==, 204);
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  env_start ();
  g_test_add_func ("/admission/budget-and-preemption",
      test_budget_and_preemption);
  g_test_add_func ("/admission/wall-hold", test_wall_hold);
  g_test_add_func ("/admission/warm-presets", test_warm_presets);
  ret = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (incident_id); i++)
    g_free (incident_id[i]);
  env_stop ();
  return ret;
}
