/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Browser delivery end to end: the camera simulator, cityeyed as a
 * subprocess, ffprobe on the FLV, fMP4 and HLS URLs, a libsoup WebSocket
 * client that checks what an MSE page relies on, a WebSocket client that
 * stops reading, access refusals, one upstream for viewers of every
 * protocol, the audit, and a camera that drops and returns.
 */
#include "ce-auth.h"
#include "ce-registry.h"
#include "camsim-fixture.h"
#include "fmp4-check.h"
#include "gateway-fixture.h"
#include "ws-client.h"

#include <libsoup/soup.h>
#include <string.h>

#define ID_CAM1 "31011300001320000001"  /* H.264 */
#define ID_CAM2 "31011300001320000002"  /* H.264 */
#define ID_H265 "31011300001320000003"  /* H.265 */
#define ID_H265B "31011300001320000077" /* H.265, H.264 only by transcode */
#define ID_CAM4 "31011300001320000004"  /* H.264, dropped and back */
#define ID_STALL "31011300001320000006" /* sends no picture when asked */
#define ID_NONE "31011300001320000199"  /* not registered */

typedef struct
{
  CamsimProcess *sim;
  GatewayProcess *gw;
  char *admin; /* API tokens */
  char *op;
} Env;

static Env env;

/* ---- fixture ----------------------------------------------------------- */

static void
add_camera (const char *id, const char *cam)
{
  g_autofree char *name = g_strdup_printf ("测试相机 %s", cam);
  g_autofree char *url = camsim_url (env.sim, cam, NULL);
  g_autoptr (CeCamera) c = gateway_camera_new (id, name, CE_SOURCE_SOCIAL, url);

  gateway_process_add_camera (env.gw, c);
}

static void
env_start (void)
{
  env.gw = gateway_process_new ("live");
  env.sim = camsim_process_start (NULL);
  add_camera (ID_CAM1, "cam1");
  add_camera (ID_CAM2, "cam2");
  add_camera (ID_H265, "cam3-h265");
  add_camera (ID_H265B, "cam5-h265");
  add_camera (ID_CAM4, "cam4");
  add_camera (ID_STALL, "cam6-stall");
  env.admin = gateway_process_add_user (env.gw, "root", "admin",
      CE_AUTH_ALL_SOURCES, 1);
  env.op = gateway_process_add_user (env.gw, "op1", "operator",
      CE_AUTH_ALL_SOURCES, 1);

  /* A small per-viewer budget, so that a client that stops reading is
   * dropped within seconds at the simulator's 400 kbit/s. */
  gateway_process_start (env.gw,
      "[relay]\nlinger=1\nstart_timeout=8\n"
      "stall_timeout=2\nconnect_timeout=1\n"
      "backoff_initial=0.5\nbackoff_max=0.5\n"
      "[http]\nlive_max_queue=128\nhls_idle=3\n"
      "transcode_max=1\n");
}

static void
env_stop (void)
{
  gateway_process_stop (env.gw);
  camsim_process_stop (env.sim);
  g_free (env.admin);
  g_free (env.op);
}

/* ---- HTTP helpers ------------------------------------------------------ */

/* A GET with an optional Bearer token; the body in @body (nullable). */
static guint
get (const char *path, const char *bearer, GBytes **body)
{
  return gateway_process_call (env.gw, "GET", path, bearer, body);
}

static JsonNode *
get_json (const char *path, const char *bearer)
{
  return gateway_process_get_json (env.gw, path, bearer);
}

/* A play token for @id, from a grant by op1; the grant's urls object in
 * @urls (nullable). */
static char *
grant (const char *id, JsonNode **urls)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/cameras/%s/streams", id);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;

  g_assert_cmpuint (gateway_process_call (env.gw, "POST", path, env.op, &body),
      ==, 201);
  g_assert_true (json_parser_load_from_data (parser,
      g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  if (urls != NULL)
    *urls = json_node_ref (json_object_get_member (o, "urls"));
  return g_strdup (json_object_get_string_member (o, "token"));
}

/* The value of a /metrics sample, -1 when absent. */
static gint64
metric (const char *sample)
{
  return gateway_process_metric (env.gw, env.admin, sample);
}

/* ---- ffprobe ----------------------------------------------------------- */

/* ffprobe on @url for a few seconds: codec, size and decoded frames of the
 * first video stream. */
static void
probe (const char *url, const char *codec, int width, int height)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *streams;
  JsonObject *s;
  int status;
  const char *argv[] = {"ffprobe", "-v", "error", "-rw_timeout", "10000000",
      "-select_streams", "v:0", "-count_frames", "-read_intervals", "%+2",
      "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of",
      "json", url, NULL};

  g_test_message ("ffprobe %.*s", (int) strcspn (url, "?"), url);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
      NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("ffprobe %s failed: %s", url, err);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  streams = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "streams");
  g_assert_cmpuint (json_array_get_length (streams), ==, 1);
  s = json_array_get_object_element (streams, 0);
  g_assert_cmpstr (json_object_get_string_member (s, "codec_name"), ==, codec);
  g_assert_cmpint (json_object_get_int_member (s, "width"), ==, width);
  g_assert_cmpint (json_object_get_int_member (s, "height"), ==, height);
  /* Frames decode (two seconds at 25 fps from the first keyframe; HLS
   * may stop at the end of a segment). */
  g_assert_cmpint (
      g_ascii_strtoll (json_object_get_string_member (s, "nb_read_frames"),
          NULL, 10),
      >=, 10);
}

/* The codec id of the first FLV video tag of @url (7 AVC, 12 HEVC). */
static guint
flv_video_codec (const char *url)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in =
      soup_session_send (gateway_process_session (env.gw), msg, NULL, &error);
  guint8 buf[65536];
  gsize got = 0, off = 13;

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  while (got < sizeof buf) {
    gsize n = 0;

    g_assert_true (g_input_stream_read_all (in, buf + got, sizeof buf - got, &n,
        NULL, NULL));
    got += n;
    if (n == 0 || got >= 4096)
      break;
  }
  g_assert_cmpmem (buf, 3, "FLV", 3);
  /* Tags: type, 24-bit size, timestamp (4), stream id (3), data, then
   * PreviousTagSize (4). */
  while (off + 12 <= got) {
    guint size = (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3];

    if (buf[off] == 9)
      return buf[off + 11] & 0x0f;
    off += 11 + size + 4;
  }
  g_error ("no FLV video tag in the first %zu bytes", got);
  return 0;
}

static void
test_ffprobe (void)
{
  g_autoptr (JsonNode) urls = NULL;
  g_autoptr (JsonNode) urls265 = NULL;
  g_autofree char *t = grant (ID_CAM1, &urls);
  g_autofree char *t265 = grant (ID_H265, &urls265);
  JsonObject *u = json_node_get_object (urls);
  JsonObject *u265 = json_node_get_object (urls265);

  g_assert_nonnull (t);
  g_assert_nonnull (t265);
  probe (json_object_get_string_member (u, "flv"), "h264", 320, 240);
  probe (json_object_get_string_member (u, "mp4"), "h264", 320, 240);
  probe (json_object_get_string_member (u, "hls"), "h264", 320, 240);
  probe (json_object_get_string_member (u265, "mp4"), "hevc", 320, 240);
  /* H.265 in FLV (codec id 12, as flv.js forks and jessibuca read it) is
   * not read by FFmpeg 5.1: the tags are checked by hand. */
  g_assert_cmpuint (flv_video_codec (json_object_get_string_member (u, "flv")),
      ==, 7);
  g_assert_cmpuint (
      flv_video_codec (json_object_get_string_member (u265, "flv")), ==, 12);
}

/* ---- WebSocket client -------------------------------------------------- */

typedef struct
{
  TestWs *ws;
  gint64 t_first_key; /* first keyframe fragment, monotonic µs */

  char *codec;              /* from the last codec message */
  Fmp4Stream st;            /* codec messages, init segments, fragments */
  GPtrArray *states;        /* state messages */
  guint fragments_at_state; /* fragments when the last state came */
} WsClient;

static void
on_ws_message (TestWs *ws, gint type, GBytes *message, gpointer data)
{
  WsClient *c = data;
  gsize len;
  const guint8 *p = g_bytes_get_data (message, &len);
  Fmp4Fragment f;

  if (type == SOUP_WEBSOCKET_DATA_TEXT) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *o;
    const char *t;

    g_assert_true (
        json_parser_load_from_data (parser, (const char *) p, len, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    t = json_object_get_string_member (o, "type");
    if (strcmp (t, "codec") == 0) {
      g_autofree char *mime = NULL;

      g_free (c->codec);
      c->codec = g_strdup (json_object_get_string_member (o, "codec"));
      mime = g_strdup_printf ("video/mp4; codecs=\"%s\"", c->codec);
      g_assert_cmpstr (json_object_get_string_member (o, "mime"), ==, mime);
      fmp4_stream_codec (&c->st);
    } else if (strcmp (t, "state") == 0) {
      /* A final state an admin caused: "closed" with "retry": false. */
      gboolean no_retry = json_object_has_member (o, "retry") &&
          !json_object_get_boolean_member (o, "retry");

      g_ptr_array_add (c->states,
          g_strdup_printf ("%s%s", json_object_get_string_member (o, "state"),
              no_retry ? " [no retry]" : ""));
      c->fragments_at_state = c->st.fragments;
    } else {
      g_error ("unknown text message %.*s", (int) len, p);
    }
    return;
  }
  if (!fmp4_stream_push (&c->st, p, len, &f))
    g_error ("binary message is neither an init segment nor a fragment");
  if (f.keyframe && c->t_first_key == 0)
    c->t_first_key = g_get_monotonic_time ();
}

/* Connects to live.ws of @id with @query; waits for the handshake. */
static WsClient *
ws_open (const char *id, const char *query)
{
  g_autofree char *uri =
      g_strdup_printf ("ws://127.0.0.1:%u/api/v1/cameras/%s/live.ws%s%s",
          gateway_process_http_port (env.gw), id, query != NULL ? "?" : "",
          query ? query : "");
  WsClient *c = g_new0 (WsClient, 1);

  c->states = g_ptr_array_new_with_free_func (g_free);
  c->ws = test_ws_connect (gateway_process_session (env.gw), uri, NULL, NULL,
      on_ws_message, c, 20000);
  return c;
}

static void
ws_free (WsClient *c)
{
  test_ws_free (c->ws);
  g_free (c->codec);
  g_ptr_array_unref (c->states);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WsClient, ws_free)

static gboolean
ws_wait_fragments (WsClient *c, guint n, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (c->st.fragments < n && !c->ws->closed &&
      g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  return c->st.fragments >= n;
}

static void
test_ws (void)
{
  g_autofree char *t = grant (ID_CAM1, NULL);
  g_autofree char *q = g_strdup_printf ("token=%s", t);
  g_autoptr (WsClient) warm = ws_open (ID_CAM1, q);
  g_autoptr (WsClient) c = NULL;
  g_autoptr (WsClient) h265 = NULL;
  g_autofree char *t265 = grant (ID_H265, NULL);
  g_autofree char *q265 = g_strdup_printf ("token=%s", t265);
  double ms;

  /* The first viewer starts the camera; the second one is hot. */
  g_assert_no_error (warm->ws->error);
  g_assert_true (ws_wait_fragments (warm, 30, 15000));
  c = ws_open (ID_CAM1, q);
  g_assert_no_error (c->ws->error);
  g_assert_cmpuint (c->ws->status, ==, 101);
  g_assert_true (ws_wait_fragments (c, 50, 10000));
  ms = (c->t_first_key - c->ws->t_connect) / 1000.0;
  g_test_message ("hot WebSocket connect to first keyframe fragment: %.1f ms",
      ms);
  g_assert_cmpfloat (ms, <, 1000);
  g_assert_true (g_str_has_prefix (c->codec, "avc1."));
  g_assert_cmpuint (c->st.codecs, ==, 1);
  g_assert_cmpuint (c->st.inits, ==, 1);
  g_assert_cmpuint (c->st.order_errors, ==, 0);
  g_assert_cmpuint (c->st.gaps, ==, 0);
  g_assert_cmpuint (c->st.keyframes, >=, 1);
  g_assert_cmpuint (warm->st.gaps, ==, 0);
  g_assert_cmpuint (warm->st.order_errors, ==, 0);

  /* H.265 goes out as hvc1. */
  h265 = ws_open (ID_H265, q265);
  g_assert_no_error (h265->ws->error);
  g_assert_true (ws_wait_fragments (h265, 10, 15000));
  g_assert_true (g_str_has_prefix (h265->codec, "hvc1."));
  g_assert_cmpuint (h265->st.order_errors, ==, 0);
}

/* ?codec=h264: an H.265 camera through the gateway's transcode, one at a
 * time here ([http] transcode_max=1); an H.264 camera as it is. */
static void
test_transcode (void)
{
  g_autofree char *t = grant (ID_H265, NULL);
  g_autofree char *q = g_strdup_printf ("token=%s&codec=h264", t);
  g_autofree char *tb = grant (ID_H265B, NULL);
  g_autofree char *qb = g_strdup_printf ("token=%s&codec=h264", tb);
  g_autofree char *t1 = grant (ID_CAM1, NULL);
  g_autofree char *q1 = g_strdup_printf ("token=%s&codec=h264", t1);
  g_autofree char *bad = NULL;
  g_autoptr (WsClient) c = ws_open (ID_H265, q);
  g_autoptr (WsClient) second = NULL;
  g_autoptr (WsClient) refused = NULL;
  g_autoptr (WsClient) plain = NULL;
  g_autoptr (GBytes) metrics = NULL;
  const char *text;

  g_assert_no_error (c->ws->error);
  g_assert_cmpuint (c->ws->status, ==, 101);
  g_assert_true (ws_wait_fragments (c, 25, 20000));
  g_assert_true (g_str_has_prefix (c->codec, "avc1."));
  g_assert_cmpuint (c->st.keyframes, >=, 1);
  g_assert_cmpuint (c->st.order_errors, ==, 0);
  /* A second viewer of the same camera shares the transcode. */
  second = ws_open (ID_H265, q);
  g_assert_cmpuint (second->ws->status, ==, 101);
  g_assert_true (ws_wait_fragments (second, 5, 10000));
  g_assert_true (g_str_has_prefix (second->codec, "avc1."));
  /* Another H.265 camera: the one transcode allowed is in use. */
  refused = ws_open (ID_H265B, qb);
  g_assert_null (refused->ws->conn);
  g_assert_cmpuint (refused->ws->status, ==, 503);
  /* An H.264 camera needs none. */
  plain = ws_open (ID_CAM1, q1);
  g_assert_cmpuint (plain->ws->status, ==, 101);
  g_assert_true (ws_wait_fragments (plain, 5, 15000));
  g_assert_true (g_str_has_prefix (plain->codec, "avc1."));

  g_assert_cmpuint (get ("/metrics", env.admin, &metrics), ==, 200);
  text = g_bytes_get_data (metrics, NULL);
  g_assert_nonnull (strstr (text, "\ncityeye_transcodes 1\n"));
  g_assert_nonnull (strstr (text, "\ncityeye_transcodes_started_total 1\n"));
  g_assert_nonnull (strstr (text, "\ncityeye_transcodes_refused_total 1\n"));

  bad = g_strdup_printf ("/api/v1/cameras/" ID_CAM1 "/live.mp4?token=%s"
                         "&codec=vp9",
      t1);
  g_assert_cmpuint (get (bad, NULL, NULL), ==, 422);
}

/* ---- access ------------------------------------------------------------ */

static void
test_refused (void)
{
  g_autofree char *t2 = grant (ID_CAM2, NULL);
  g_autofree char *p = NULL;
  g_autofree char *q = NULL;
  g_autoptr (WsClient) ws = NULL;
  const char *const kinds[] = {"live.mp4", "live.flv", "hls/index.m3u8"};

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    g_autofree char *none =
        g_strdup_printf ("/api/v1/cameras/" ID_CAM1 "/%s", kinds[i]);
    g_autofree char *other = g_strdup_printf (
        "/api/v1/cameras/" ID_CAM1 "/%s?token=%s", kinds[i], t2);
    g_autofree char *bad =
        g_strdup_printf ("/api/v1/cameras/" ID_CAM1 "/%s?token=x.y", kinds[i]);
    g_autofree char *unknown = g_strdup_printf (
        "/api/v1/cameras/" ID_NONE "/%s?token=%s", kinds[i], env.op);

    g_assert_cmpuint (get (none, NULL, NULL), ==, 401);
    g_assert_cmpuint (get (other, NULL, NULL), ==, 401);
    g_assert_cmpuint (get (bad, NULL, NULL), ==, 401);
    g_assert_cmpuint (get (unknown, NULL, NULL), ==, 404);
  }
  /* WebSocket: a plain HTTP error before the upgrade. */
  q = g_strdup_printf ("token=%s", t2);
  ws = ws_open (ID_CAM1, q);
  g_assert_null (ws->ws->conn);
  g_assert_cmpuint (ws->ws->status, ==, 401);
  /* An HLS file without a session. */
  p = g_strdup_printf ("/api/v1/cameras/" ID_CAM1 "/hls/live.m3u8");
  g_assert_cmpuint (get (p, env.admin, NULL), ==, 401);
}

/* ---- a client that stops reading ---------------------------------------- */

/* A request over a raw socket with a small receive buffer (a WebSocket
 * handshake, or a GET of @path), then no more reading. */
static GSocket *
slow_open (const char *id, const char *token, const char *path)
{
  g_autofree char *req = path != NULL
      ? g_strdup_printf ("GET /api/v1/cameras/%s/%s?token=%s HTTP/1.1\r\n"
                         "Host: 127.0.0.1\r\n\r\n",
            id, path, token)
      : g_strdup_printf ("GET /api/v1/cameras/%s/live.ws?token=%s HTTP/1.1\r\n"
                         "Host: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n",
            id, token);

  return gateway_process_raw_request (env.gw, req,
      path != NULL ? "HTTP/1.1 200" : "HTTP/1.1 101");
}

static void
test_slow_ws (void)
{
  g_autofree char *t = grant (ID_CAM2, NULL);
  g_autofree char *q = g_strdup_printf ("token=%s", t);
  g_autoptr (WsClient) good = ws_open (ID_CAM2, q);
  g_autoptr (GSocket) slow = NULL;
  g_autoptr (GSocket) slow_flv = NULL;
  gint64 dropped_before = metric ("cityeye_viewers_dropped_total");
  gint64 start, deadline;
  guint frames_before;

  g_assert_no_error (good->ws->error);
  g_assert_true (ws_wait_fragments (good, 5, 15000));
  /* Chunked HTTP goes the same way. */
  slow = slow_open (ID_CAM2, t, NULL);
  slow_flv = slow_open (ID_CAM2, t, "live.flv");
  start = g_get_monotonic_time ();
  frames_before = good->st.fragments;
  deadline = start + 40 * G_USEC_PER_SEC;
  while (metric ("cityeye_viewers_dropped_total") < dropped_before + 2) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (250);
  }
  g_test_message ("a WebSocket and an HTTP-FLV client that stopped reading "
                  "were dropped after %.1f s",
      (g_get_monotonic_time () - start) / 1e6);
  /* The other viewer of the camera got every frame meanwhile, without a
   * gap in its timeline. */
  gateway_spin (500);
  g_assert_false (good->ws->closed);
  g_assert_cmpuint (good->st.gaps, ==, 0);
  g_assert_cmpuint (good->st.order_errors, ==, 0);
  g_assert_cmpuint (good->st.inits, ==, 1);
  g_assert_cmpuint (good->st.fragments - frames_before, >=,
      (g_get_monotonic_time () - start) / 1e6 * 25 * 0.8);
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"ws\"}"), ==, 1);
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"flv\"}"), ==, 0);
  /* The dropped clients' sockets are closed: they read to the end. */
  for (guint i = 0; i < 2; i++) {
    GSocket *sock = i == 0 ? slow : slow_flv;
    char buf[65536];
    gssize n;

    g_socket_set_timeout (sock, 10);
    while ((n = g_socket_receive (sock, buf, sizeof buf, NULL, NULL)) > 0)
      ;
    g_assert_cmpint (n, <=, 0);
  }
}

/* ---- viewers of every protocol on one upstream -------------------------- */

typedef struct
{
  GInputStream *in;
  GCancellable *cancel;
  guint64 bytes;
  gboolean ended;
  char buf[16384];
} Reader;

static void
on_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Reader *r = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0) {
    r->ended = TRUE;
    return;
  }
  r->bytes += n;
  g_input_stream_read_async (r->in, r->buf, sizeof r->buf, G_PRIORITY_DEFAULT,
      r->cancel, on_read, r);
}

static Reader *
reader_open (const char *url)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GError) error = NULL;
  Reader *r = g_new0 (Reader, 1);

  r->cancel = g_cancellable_new ();
  r->in =
      soup_session_send (gateway_process_session (env.gw), msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_input_stream_read_async (r->in, r->buf, sizeof r->buf, G_PRIORITY_DEFAULT,
      r->cancel, on_read, r);
  return r;
}

static void
reader_free (Reader *r)
{
  g_cancellable_cancel (r->cancel);
  while (!r->ended)
    g_main_context_iteration (NULL, TRUE);
  g_input_stream_close (r->in, NULL, NULL);
  g_object_unref (r->in);
  g_object_unref (r->cancel);
  g_free (r);
}

static JsonObject *
find_stream (JsonNode *list, const char *id)
{
  JsonArray *a =
      json_object_get_array_member (json_node_get_object (list), "streams");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *s = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (s, "camera_id"), id) == 0)
      return s;
  }
  return NULL;
}

/* Waits up to @seconds for the relay to stop @id's upstream (it is no
 * longer listed). */
static void
wait_stream_gone (const char *id, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  for (;;) {
    g_autoptr (JsonNode) l = get_json ("/api/v1/streams", env.admin);

    if (find_stream (l, id) == NULL)
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (100);
  }
}

static gboolean
audit_has (const char *protocol, const char *action)
{
  g_autoptr (JsonNode) r =
      get_json ("/api/v1/audit?camera=" ID_CAM4 "&user=op1", env.admin);
  JsonArray *a =
      json_object_get_array_member (json_node_get_object (r), "rows");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *row = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (row, "protocol"), protocol) ==
            0 &&
        strcmp (json_object_get_string_member (row, "action"), action) == 0 &&
        (strcmp (action, "start") == 0 ||
            json_object_get_int_member (row, "bytes") > 0))
      return TRUE;
  }
  return FALSE;
}

static void
test_one_upstream (void)
{
  g_autoptr (JsonNode) urls = NULL;
  g_autofree char *t = grant (ID_CAM4, &urls);
  g_autofree char *q = g_strdup_printf ("token=%s", t);
  JsonObject *u = json_node_get_object (urls);
  g_autoptr (WsClient) ws = ws_open (ID_CAM4, q);
  Reader *mp4 = reader_open (json_object_get_string_member (u, "mp4"));
  Reader *flv = reader_open (json_object_get_string_member (u, "flv"));
  g_autoptr (GBytes) master = NULL;
  g_autoptr (GBytes) media = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonObject) cam = NULL;
  g_autofree char *hls_path = NULL;
  g_autofree char *media_path = NULL;
  JsonObject *s, *v;
  const char *variant;
  gint64 deadline;

  g_assert_true (ws_wait_fragments (ws, 25, 15000));
  hls_path = g_strdup_printf (
      "/api/v1/cameras/" ID_CAM4 "/hls/index.m3u8?token=%s", t);
  g_assert_cmpuint (get (hls_path, NULL, &master), ==, 200);
  variant = strstr (g_bytes_get_data (master, NULL), "live.m3u8?session=");
  g_assert_nonnull (variant);
  media_path = g_strdup_printf ("/api/v1/cameras/" ID_CAM4 "/hls/%.*s",
      (int) strcspn (variant, "\n"), variant);
  g_assert_cmpuint (get (media_path, NULL, &media), ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (media, NULL), "#EXT-X-MAP"));
  gateway_spin (1000);
  g_assert_cmpuint (mp4->bytes, >, 10000);
  g_assert_cmpuint (flv->bytes, >, 10000);

  /* One connection to the camera for all of them. */
  cam = camsim_camera_stats (env.sim, "cam4");
  g_assert_cmpint (json_object_get_int_member (cam, "connections_active"), ==,
      1);
  list = get_json ("/api/v1/streams", env.admin);
  s = find_stream (list, ID_CAM4);
  g_assert_nonnull (s);
  v = json_object_get_object_member (s, "viewers");
  g_assert_cmpint (json_object_get_int_member (v, "ws"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (v, "mp4"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (v, "flv"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (v, "hls"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (v, "snapshot"), ==, 0);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (s, "clients")), ==,
      4);
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"mp4\"}"), ==, 1);
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"flv\"}"), ==, 1);
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"hls\"}"), ==, 1);
  g_assert_cmpint (metric ("cityeye_bytes_out_total{protocol=\"flv\"}"), >,
      10000);

  /* The camera drops and is refused for a while: the WebSocket viewer is
   * told, and plays on when it returns. */
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam4", "drop", 0), ==, 200);
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam4", "refuse", 0), ==, 200);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (ws->states->len == 0) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (100);
  }
  g_assert_cmpstr (g_ptr_array_index (ws->states, 0), ==, "reconnecting");
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam4", "none", 0), ==, 200);
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (
      ws->states->len < 2 || ws->st.fragments < ws->fragments_at_state + 25) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (100);
  }
  g_assert_cmpstr (g_ptr_array_index (ws->states, 1), ==, "live");
  g_assert_false (ws->ws->closed);
  g_assert_cmpuint (ws->st.order_errors, ==, 0);
  g_assert_false (mp4->ended);
  g_assert_false (flv->ended);

  /* Nobody polls the HLS session: it ends after hls_idle (3 s). */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (metric ("cityeye_viewers{protocol=\"hls\"}") != 0) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (250);
  }
  /* An admin closes the camera's viewers, browser ones included: the
   * streams end, the upstream goes (linger 1 s), every viewing is audited
   * with its bytes. */
  {
    g_autoptr (GBytes) body = NULL;

    g_assert_cmpuint (gateway_process_call (env.gw, "DELETE",
                          "/api/v1/streams/" ID_CAM4, env.admin, &body),
        ==, 200);
    /* ws, mp4 and flv. */
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
        "{\"closed\":3}", 12);
  }
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!mp4->ended || !flv->ended || !ws->ws->closed) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (100);
  }
  /* The page is told not to open the viewer again. */
  g_assert_cmpstr (g_ptr_array_index (ws->states, ws->states->len - 1), ==,
      "closed [no retry]");
  reader_free (mp4);
  reader_free (flv);
  g_clear_pointer (&ws, ws_free);
  wait_stream_gone (ID_CAM4, 15);
  for (guint i = 0; i < 4; i++) {
    const char *p = (const char *[]){"ws", "mp4", "flv", "hls"}[i];

    g_assert_true (audit_has (p, "start"));
    g_assert_true (audit_has (p, "stop"));
  }
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"ws\"}"), ==, 0);
}

/* ---- a viewer still waiting for its camera ------------------------------ */

typedef struct
{
  SoupMessage *msg;
  gboolean done;
  GBytes *body;
  GError *error;
} Answer;

static void
on_answer (GObject *source, GAsyncResult *result, gpointer data)
{
  Answer *a = data;

  a->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
      &a->error);
  a->done = TRUE;
}

/* Asks for @file of the stalled camera with a play token; a WebSocket
 * handshake for live.ws.  Answered into @a. */
static void
ask_stalled (Answer *a, const char *file, const char *token)
{
  g_autofree char *uri = g_strdup_printf (
      "http://127.0.0.1:%u/api/v1/cameras/" ID_STALL "/%s?token=%s",
      gateway_process_http_port (env.gw), file, token);

  a->msg = soup_message_new ("GET", uri);
  if (g_str_has_suffix (file, ".ws"))
    soup_websocket_client_prepare_handshake (a->msg, NULL, NULL, NULL);
  soup_session_send_and_read_async (gateway_process_session (env.gw), a->msg,
      G_PRIORITY_DEFAULT, NULL, on_answer, a);
}

/* The client of @protocol of the stalled camera, once it is listed: it
 * waits for the camera. */
static JsonObject *
wait_connecting (const char *protocol)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  JsonObject *c;

  while ((c = gateway_process_find_client (env.gw, env.admin, ID_STALL, "main",
              protocol, -1, NULL)) == NULL) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (50);
  }
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==,
      "connecting");
  g_assert_false (json_object_get_boolean_member (c, "playing"));
  g_assert_cmpstr (json_object_get_string_member (c, "user"), ==, "op1");
  g_assert_cmpint (json_object_get_int_member (c, "bytes"), ==, 0);
  g_assert_false (json_object_has_member (c, "channel"));
  return c;
}

/* A DELETE of @path closes @n viewers. */
static void
kick (const char *path, guint n)
{
  g_autoptr (GBytes) body = NULL;
  g_autofree char *want = g_strdup_printf ("{\"closed\":%u}", n);

  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", path, env.admin, &body), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), want,
      strlen (want));
}

/* @a is answered with the plain error @status, @code, @message. */
static void
wait_error (Answer *a, guint status, const char *code, const char *message)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  JsonObject *error;

  while (!a->done) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    gateway_spin (20);
  }
  g_assert_no_error (a->error);
  g_assert_cmpuint (soup_message_get_status (a->msg), ==, status);
  g_assert_true (json_parser_load_from_data (parser,
      g_bytes_get_data (a->body, NULL), g_bytes_get_size (a->body), NULL));
  error = json_object_get_object_member (
      json_node_get_object (json_parser_get_root (parser)), "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member (error, "message"), ==,
      message);
  g_clear_pointer (&a->body, g_bytes_unref);
  g_clear_object (&a->msg);
}

/* Viewers of a camera that sends no picture wait (live.ws before its
 * upgrade, live.mp4 before its headers, an HLS session's first playlist
 * for its first segment; at most the start timeout): they are listed
 * "connecting", and an admin closes them, one by its peer and then the
 * camera's others.  Each gets the plain error that names the reason (an
 * HLS request: its session ended), and the camera is held no more. */
static void
test_kick_connecting (void)
{
  static const char closed[] = "Camera " ID_STALL ": closed by an admin";
  g_autofree char *t = grant (ID_STALL, NULL);
  g_autofree char *path = NULL;
  g_autoptr (JsonObject) ws = NULL;
  g_autoptr (JsonObject) mp4 = NULL;
  g_autoptr (JsonObject) hls = NULL;
  g_autoptr (JsonNode) list = NULL;
  Answer aw = {0}, am = {0}, ah = {0};
  JsonObject *s;

  g_assert_cmpuint (camsim_set_fault (env.sim, "cam6-stall", "stall", 0), ==,
      200);
  ask_stalled (&aw, "live.ws", t);
  ask_stalled (&am, "live.mp4", t);
  ask_stalled (&ah, "hls/index.m3u8", t);
  ws = wait_connecting ("ws");
  mp4 = wait_connecting ("mp4");
  hls = wait_connecting ("hls");
  g_assert_false (aw.done || am.done || ah.done);

  path = g_strdup_printf ("/api/v1/streams/" ID_STALL "?viewer=%s",
      json_object_get_string_member (ws, "peer"));
  kick (path, 1);
  wait_error (&aw, 503, "unavailable", closed);
  g_assert_false (am.done || ah.done);
  kick ("/api/v1/streams/" ID_STALL, 2);
  wait_error (&am, 503, "unavailable", closed);
  wait_error (&ah, 404, "not_found", "HLS session ended");

  /* None is listed; the upstream lingers without a viewer, or is gone. */
  list = get_json ("/api/v1/streams", env.admin);
  s = find_stream (list, ID_STALL);
  if (s != NULL) {
    JsonObject *v = json_object_get_object_member (s, "viewers");

    g_assert_cmpint (json_object_get_int_member (v, "ws"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (v, "mp4"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (v, "hls"), ==, 0);
    g_assert_cmpuint (
        json_array_get_length (json_object_get_array_member (s, "clients")), ==,
        0);
  }
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"ws\"}"), ==, 0);
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"mp4\"}"), ==, 0);
  g_assert_cmpint (metric ("cityeye_viewers{protocol=\"hls\"}"), ==, 0);
  /* Nothing else holds the camera: its upstream stops after the linger
   * (1 s). */
  wait_stream_gone (ID_STALL, 5);
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam6-stall", "none", 0), ==,
      200);
}

int
main (int argc, char **argv)
{
  g_autofree char *ffprobe = NULL;
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  ffprobe = g_find_program_in_path ("ffprobe");
  if (ffprobe == NULL) {
    g_test_skip ("ffprobe is not installed");
    return g_test_run ();
  }
  env_start ();
  g_test_add_func ("/live/ffprobe", test_ffprobe);
  g_test_add_func ("/live/ws", test_ws);
  g_test_add_func ("/live/transcode", test_transcode);
  g_test_add_func ("/live/refused", test_refused);
  g_test_add_func ("/live/slow-clients-dropped", test_slow_ws);
  g_test_add_func ("/live/one-upstream-audit-reconnect", test_one_upstream);
  g_test_add_func ("/live/admin-kick-connecting", test_kick_connecting);
  ret = g_test_run ();
  env_stop ();
  return ret;
}
