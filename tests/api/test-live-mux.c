/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The multiplexed live socket (GET /api/v1/live.ws) end to end: the camera
 * simulator, cityeyed as a subprocess, a libsoup WebSocket client with
 * channels on several cameras, refusals that touch one channel only, the
 * audit and the relay's viewer counts when a channel closes, bad messages,
 * and a raw client that stops reading.
 */
#include "ce-auth.h"
#include "ce-registry.h"
#include "camsim-fixture.h"
#include "fmp4-check.h"
#include "gateway-fixture.h"
#include "ws-client.h"

#include <libsoup/soup.h>
#include <string.h>

#define ID_CAM1 "31011300001320000001"   /* H.264, 社会面 */
#define ID_CAM2 "31011300001320000002"   /* H.264, 社会面 */
#define ID_H265 "31011300001320000003"   /* H.265, 社会面 */
#define ID_POLICE "31011300001320000005" /* 公安: hidden from wall1 */
#define ID_NONE "31011300001320000199"   /* not registered */
#define ID_MOB1 "31011300001320000011"   /* 单兵: a budget of 1 pull */
#define ID_MOB2 "31011300001320000012"   /* 单兵 */
#define ID_STALL "31011300001320000006"  /* sends no picture when asked */
#define MOBILE_BUDGET "source/单兵"
#define WS_VIEWERS "cityeye_viewers{protocol=\"ws\"}"
#define MAX_CHANNELS 4

typedef struct
{
  CamsimProcess *sim;
  GatewayProcess *gw;
  char *admin;  /* API tokens */
  char *wall;   /* a wall account that may not see 公安 cameras */
  char *viewer; /* may only view */
} Env;

static Env env;

/* ---- fixture ----------------------------------------------------------- */

static void
add_camera (const char *id, const char *cam, CeSource source)
{
  g_autofree char *name = g_strdup_printf ("测试相机 %s", cam);
  g_autofree char *url = camsim_url (env.sim, cam, NULL);
  g_autoptr (CeCamera) c = gateway_camera_new (id, name, source, url);

  gateway_process_add_camera (env.gw, c);
}

static void
env_start (void)
{
  g_autofree char *conf = NULL;

  env.gw = gateway_process_new ("mux");
  env.sim = camsim_process_start (NULL);
  add_camera (ID_CAM1, "cam1", CE_SOURCE_SOCIAL);
  add_camera (ID_CAM2, "cam2", CE_SOURCE_SOCIAL);
  add_camera (ID_H265, "cam3-h265", CE_SOURCE_SOCIAL);
  add_camera (ID_POLICE, "cam4", CE_SOURCE_PUBLIC_SECURITY);
  add_camera (ID_MOB1, "mob1", CE_SOURCE_MOBILE);
  add_camera (ID_MOB2, "mob2", CE_SOURCE_MOBILE);
  add_camera (ID_STALL, "cam6-stall", CE_SOURCE_SOCIAL);
  env.admin = gateway_process_add_user (env.gw, "root", "admin",
      CE_AUTH_ALL_SOURCES, 1);
  env.wall = gateway_process_add_user (env.gw, "wall1", "wall",
      CE_SOURCE_BIT (CE_SOURCE_SOCIAL) | CE_SOURCE_BIT (CE_SOURCE_MOBILE), 1);
  env.viewer = gateway_process_add_user (env.gw, "viewer1", "viewer",
      CE_AUTH_ALL_SOURCES, 1);
  /* Tokens never reach the log. */
  gateway_process_add_secret (env.gw, env.wall);

  /* A small per-viewer budget, so that a client that stops reading is
   * dropped within seconds at the simulator's 400 kbit/s; the 单兵
   * platform serves one pull at a time. */
  conf = g_strdup_printf ("[relay]\nlinger=1\nstart_timeout=8\n"
                          "[http]\nlive_max_queue=128\n"
                          "mux_max_channels=%d\n"
                          "[admission]\nsource.单兵=1\n",
      MAX_CHANNELS);
  gateway_process_start (env.gw, conf);
}

static void
env_stop (void)
{
  gateway_process_stop (env.gw);
  camsim_process_stop (env.sim);
  g_free (env.admin);
  g_free (env.wall);
  g_free (env.viewer);
}

/* ---- HTTP helpers ------------------------------------------------------ */

static JsonNode *
get_json (const char *path, const char *bearer)
{
  return gateway_process_get_json (env.gw, path, bearer);
}

/* Browser (ws) viewers of @id's main stream in GET /api/v1/streams, -1
 * when the camera is not pulled. */
static gint64
ws_viewers (const char *id)
{
  g_autoptr (JsonNode) r = get_json ("/api/v1/streams", env.admin);
  JsonArray *a =
      json_object_get_array_member (json_node_get_object (r), "streams");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *s = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (s, "camera_id"), id) == 0 &&
        strcmp (json_object_get_string_member (s, "profile"), "main") == 0)
      return json_object_get_int_member (
          json_object_get_object_member (s, "viewers"), "ws");
  }
  return -1;
}

/* The admission priority of @id's main-stream pull (GET
 * /api/v1/admission), NULL when it is not pulled. */
static char *
pull_priority (const char *id)
{
  g_autoptr (JsonNode) r = get_json ("/api/v1/admission", env.admin);
  JsonArray *a =
      json_object_get_array_member (json_node_get_object (r), "pulls");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *p = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (p, "camera_id"), id) == 0 &&
        strcmp (json_object_get_string_member (p, "profile"), "main") == 0)
      return g_strdup (json_object_get_string_member (p, "priority"));
  }
  return NULL;
}

/* A ws "stop" row of wall1 for @id with bytes, and @incident (nullable)
 * on its start row. */
static gboolean
audit_stopped (const char *id, const char *incident)
{
  g_autofree char *path =
      g_strdup_printf ("/api/v1/audit?camera=%s&user=wall1", id);
  g_autoptr (JsonNode) r = get_json (path, env.admin);
  JsonArray *a =
      json_object_get_array_member (json_node_get_object (r), "rows");
  gboolean start = FALSE, stop = FALSE;

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *row = json_array_get_object_element (a, i);
    const char *action = json_object_get_string_member (row, "action");

    if (strcmp (json_object_get_string_member (row, "protocol"), "ws") != 0)
      continue;
    if (incident != NULL &&
        g_strcmp0 (
            json_object_get_string_member_with_default (row, "incident", NULL),
            incident) != 0)
      continue;
    if (strcmp (action, "start") == 0)
      start = TRUE;
    if (strcmp (action, "stop") == 0 &&
        json_object_get_int_member (row, "bytes") > 0)
      stop = TRUE;
  }
  return start && stop;
}

/* The number of wall1's ws rows of @action for @id in the audit. */
static guint
audit_count (const char *id, const char *action)
{
  g_autofree char *path =
      g_strdup_printf ("/api/v1/audit?camera=%s&user=wall1", id);
  g_autoptr (JsonNode) r = get_json (path, env.admin);
  JsonArray *a =
      json_object_get_array_member (json_node_get_object (r), "rows");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *row = json_array_get_object_element (a, i);

    n += strcmp (json_object_get_string_member (row, "protocol"), "ws") == 0 &&
        strcmp (json_object_get_string_member (row, "action"), action) == 0;
  }
  return n;
}

/* Channel @ch among the ws clients of @id's main stream
 * (json_object_unref), NULL when it is not listed; the stream's state in
 * @state (nullable, g_free) when the stream is. */
static JsonObject *
channel_client (const char *id, gint64 ch, char **state)
{
  return gateway_process_find_client (env.gw, env.admin, id, "main", "ws", ch,
      state);
}

/* The peer of channel @ch of @id (g_free), NULL when it is not listed. */
static char *
channel_peer (const char *id, gint64 ch)
{
  g_autoptr (JsonObject) c = channel_client (id, ch, NULL);

  return c != NULL ? g_strdup (json_object_get_string_member (c, "peer"))
                   : NULL;
}

/* The count of @priority in the "preempted" or "refused" list of GET
 * /api/v1/admission for @budget, 0 when absent. */
static gint64
admission_count (const char *list, const char *budget, const char *priority)
{
  g_autoptr (JsonNode) r = get_json ("/api/v1/admission", env.admin);
  JsonArray *a = json_object_get_array_member (json_node_get_object (r), list);

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *c = json_array_get_object_element (a, i);

    if (strcmp (json_object_get_string_member (c, "budget"), budget) == 0 &&
        strcmp (json_object_get_string_member (c, "priority"), priority) == 0)
      return json_object_get_int_member (c, "count");
  }
  return 0;
}

static gint64
metric (const char *sample)
{
  return gateway_process_metric (env.gw, env.admin, sample);
}

/* ---- the multiplexed client -------------------------------------------- */

typedef struct
{
  gint64 ch;
  char *codec;
  Fmp4Stream st;       /* codec messages, init segments, fragments */
  GPtrArray *states;   /* "state" or "state: reason" */
  char *error_code;    /* of an error message for this channel */
  char *error_message; /* its message */
} Chan;

typedef struct
{
  TestWs *ws;
  GHashTable *chans;    /* &ch → Chan */
  GPtrArray *errors;    /* codes of errors without ch */
  guint stray_messages; /* media or text of a channel not open */
} Mux;

static void
chan_free (Chan *c)
{
  g_free (c->codec);
  g_free (c->error_code);
  g_free (c->error_message);
  g_ptr_array_unref (c->states);
  g_free (c);
}

static void
on_mux_message (TestWs *ws, gint type, GBytes *message, gpointer data)
{
  Mux *m = data;
  gsize len;
  const guint8 *p = g_bytes_get_data (message, &len);
  Chan *c;
  gint64 ch;

  if (type == SOUP_WEBSOCKET_DATA_TEXT) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *o;
    const char *t;

    g_assert_true (
        json_parser_load_from_data (parser, (const char *) p, len, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    t = json_object_get_string_member (o, "type");
    if (!json_object_has_member (o, "ch")) {
      g_assert_cmpstr (t, ==, "error");
      g_ptr_array_add (m->errors,
          g_strdup (json_object_get_string_member (o, "code")));
      return;
    }
    ch = json_object_get_int_member (o, "ch");
    c = g_hash_table_lookup (m->chans, &ch);
    if (c == NULL) {
      m->stray_messages++;
      return;
    }
    if (strcmp (t, "codec") == 0) {
      g_free (c->codec);
      c->codec = g_strdup (json_object_get_string_member (o, "codec"));
      fmp4_stream_codec (&c->st);
    } else if (strcmp (t, "state") == 0) {
      const char *reason =
          json_object_get_string_member_with_default (o, "reason", NULL);

      /* "retry": false (an admin closed it) shows as " [no retry]". */
      gboolean no_retry = json_object_has_member (o, "retry") &&
          !json_object_get_boolean_member (o, "retry");

      g_ptr_array_add (c->states,
          reason != NULL
              ? g_strdup_printf ("%s: %s%s",
                    json_object_get_string_member (o, "state"), reason,
                    no_retry ? " [no retry]" : "")
              : g_strdup (json_object_get_string_member (o, "state")));
    } else if (strcmp (t, "error") == 0) {
      g_free (c->error_code);
      g_free (c->error_message);
      c->error_code = g_strdup (json_object_get_string_member (o, "code"));
      c->error_message =
          g_strdup (json_object_get_string_member (o, "message"));
    } else {
      g_error ("unknown text message %.*s", (int) len, p);
    }
    return;
  }
  g_assert_cmpuint (len, >, 4 + 8);
  ch = fmp4_be32 (p);
  c = g_hash_table_lookup (m->chans, &ch);
  if (c == NULL) {
    m->stray_messages++;
    return;
  }
  if (!fmp4_stream_push (&c->st, p + 4, len - 4, NULL))
    g_error ("channel %" G_GINT64_FORMAT ": a binary message is neither an "
             "init segment nor a fragment",
        ch);
}

/* Opens the socket with @token as the page does (subprotocols). */
static Mux *
mux_connect (const char *token)
{
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u/api/v1/live.ws",
      gateway_process_http_port (env.gw));
  g_autofree char *bearer = g_strdup_printf ("cityeye.bearer.%s", token);
  const char *protocols[] = {"cityeye.live", bearer, NULL};
  Mux *m = g_new0 (Mux, 1);

  m->chans = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
      (GDestroyNotify) chan_free);
  m->errors = g_ptr_array_new_with_free_func (g_free);
  m->ws = test_ws_connect (gateway_process_session (env.gw), uri, NULL,
      protocols, on_mux_message, m, 10000);
  g_assert_no_error (m->ws->error);
  /* Only the plain protocol comes back, never the token. */
  g_assert_cmpstr (soup_websocket_connection_get_protocol (m->ws->conn), ==,
      "cityeye.live");
  return m;
}

static void
mux_free (Mux *m)
{
  test_ws_free (m->ws);
  g_hash_table_unref (m->chans);
  g_ptr_array_unref (m->errors);
  g_free (m);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Mux, mux_free)

static Chan *
mux_open (Mux *m, gint64 ch, const char *camera, const char *extra)
{
  g_autofree char *text = g_strdup_printf (
      "{\"op\":\"open\",\"ch\":%" G_GINT64_FORMAT ",\"camera\":\"%s\"%s}", ch,
      camera, extra != NULL ? extra : "");
  Chan *c = g_new0 (Chan, 1);

  c->ch = ch;
  c->states = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_insert (m->chans, &c->ch, c);
  soup_websocket_connection_send_text (m->ws->conn, text);
  return c;
}

static gboolean
chan_has_state (Chan *c, const char *prefix)
{
  for (guint i = 0; i < c->states->len; i++)
    if (g_str_has_prefix (c->states->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

/* Spins until @cond (over @c) holds or @timeout_ms passes. */
#define WAIT_FOR(cond, timeout_ms) \
  G_STMT_START \
  { \
    gint64 _deadline = g_get_monotonic_time () + (timeout_ms) *1000; \
    while (!(cond) && g_get_monotonic_time () < _deadline) \
      g_main_context_iteration (NULL, FALSE), g_usleep (1000); \
    if (!(cond)) \
      g_error ("timed out waiting for %s", #cond); \
  } \
  G_STMT_END

/* ---- tests ------------------------------------------------------------- */

/* One socket, channels on three cameras (one H.265), one refused for each
 * reason while the others play on; closing a channel ends its audit row
 * and its hold on the camera. */
static void
test_channels (void)
{
  g_autoptr (Mux) m = mux_connect (env.wall);
  Chan *a, *b, *h, *police, *none, *over, *dup;
  guint before;

  a = mux_open (m, 1, ID_CAM1, ",\"profile\":\"main\",\"purpose\":\"preset\"");
  b = mux_open (m, 2, ID_CAM2, ",\"incident\":\"INC-7\"");
  h = mux_open (m, 7, ID_H265, NULL);
  police = mux_open (m, 9, ID_POLICE, NULL);
  none = mux_open (m, 10, ID_NONE, NULL);
  WAIT_FOR (police->error_code != NULL && none->error_code != NULL, 5000);
  g_assert_cmpstr (police->error_code, ==, "forbidden");
  g_assert_cmpstr (none->error_code, ==, "not_found");
  /* Cold cameras: "connecting" first, then codec → init → a keyframe. */
  WAIT_FOR (a->st.keyframes > 0 && b->st.keyframes > 0 && h->st.keyframes > 0,
      15000);
  g_assert_true (chan_has_state (a, "connecting"));
  g_assert_true (chan_has_state (a, "playing"));
  for (guint i = 0; i < 3; i++) {
    Chan *c = i == 0 ? a : i == 1 ? b : h;

    g_assert_cmpuint (c->st.order_errors, ==, 0);
    g_assert_cmpuint (c->st.codecs, ==, 1);
    g_assert_cmpuint (c->st.inits, ==, 1);
  }
  g_assert_true (g_str_has_prefix (a->codec, "avc1."));
  g_assert_true (g_str_has_prefix (h->codec, "hvc1."));
  /* The wall's priorities: preset, incident, view (no purpose). */
  {
    g_autofree char *pa = pull_priority (ID_CAM1);
    g_autofree char *pb = pull_priority (ID_CAM2);
    g_autofree char *ph = pull_priority (ID_H265);

    g_assert_cmpstr (pa, ==, "preset");
    g_assert_cmpstr (pb, ==, "incident");
    g_assert_cmpstr (ph, ==, "view");
  }

  /* Three open, the cap is four: the fifth is refused, the fourth not;
   * an id in use is refused too. */
  over = mux_open (m, 11, ID_CAM1, ",\"profile\":\"sub\"");
  WAIT_FOR (over->st.keyframes > 0, 10000);
  before = m->errors->len;
  {
    Chan *c = mux_open (m, 12, ID_CAM2, ",\"profile\":\"sub\"");

    WAIT_FOR (c->error_code != NULL, 5000);
    g_assert_cmpstr (c->error_code, ==, "unavailable");
  }
  /* (The table's channel 1 is replaced: later media of the open channel 1
   * lands on dup, which is not checked.) */
  g_hash_table_remove (m->chans, &(gint64){1});
  dup = mux_open (m, 1, ID_CAM2, NULL);
  WAIT_FOR (dup->error_code != NULL, 5000);
  g_assert_cmpstr (dup->error_code, ==, "conflict");
  g_assert_cmpuint (m->errors->len, ==, before);

  /* The others went on meanwhile. */
  before = h->st.fragments;
  gateway_spin (1000);
  g_assert_cmpuint (h->st.fragments, >, before + 10);
  g_assert_false (m->ws->closed);

  /* Closing channel 7 releases the camera: its audit row ends. */
  g_assert_cmpint (ws_viewers (ID_H265), ==, 1);
  soup_websocket_connection_send_text (m->ws->conn,
      "{\"op\":\"close\",\"ch\":7}");
  WAIT_FOR (chan_has_state (h, "closed"), 5000);
  before = h->st.fragments;
  WAIT_FOR (ws_viewers (ID_H265) <= 0, 5000);
  WAIT_FOR (audit_stopped (ID_H265, NULL), 5000);
  gateway_spin (300);
  g_assert_cmpuint (h->st.fragments, ==, before);
  /* The incident channel's start row carries the incident. */
  soup_websocket_connection_send_text (m->ws->conn,
      "{\"op\":\"close\",\"ch\":2}");
  WAIT_FOR (audit_stopped (ID_CAM2, "INC-7"), 5000);
  g_assert_false (m->ws->closed);

  /* A channel of a camera that plays already starts at its cached GOP:
   * after the init segment and the keyframe, the fragments queued behind
   * come joined in few messages, in order.  (An open right at a keyframe
   * has nothing behind it to join: a few tries.) */
  for (gint64 ch = 20; ch < 25; ch++) {
    Chan *late = mux_open (m, ch, ID_CAM1, ",\"profile\":\"main\"");
    g_autofree char *close = NULL;

    WAIT_FOR (late->st.fragments >= 20, 10000);
    g_assert_cmpuint (late->st.order_errors + late->st.gaps, ==, 0);
    if (late->st.messages_multi > 0)
      break;
    g_assert_cmpint (ch, <, 24);
    close =
        g_strdup_printf ("{\"op\":\"close\",\"ch\":%" G_GINT64_FORMAT "}", ch);
    soup_websocket_connection_send_text (m->ws->conn, close);
    WAIT_FOR (chan_has_state (late, "closed"), 5000);
    gateway_spin (300);
  }
}

/* Bad messages get an error on the socket, which stays open and serving. */
static void
test_bad_messages (void)
{
  static const char *const bad[] = {"not json", "{\"op\":\"open\"}",
      "{\"op\":\"open\",\"ch\":1,\"camera\":\"" ID_CAM1 "\",\"x\":1}",
      "{\"op\":\"open\",\"ch\":-1,\"camera\":\"" ID_CAM1 "\"}",
      "{\"op\":\"open\",\"ch\":1.5,\"camera\":\"" ID_CAM1 "\"}",
      "{\"op\":\"jump\",\"ch\":1}", "{\"op\":\"close\",\"ch\":3,\"camera\":1}",
      "[1,2]", "{\"op\":\"open\",\"ch\":1}{\"op\":\"open\",\"ch\":2}"};
  g_autoptr (Mux) m = mux_connect (env.wall);
  Chan *c;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    soup_websocket_connection_send_text (m->ws->conn, bad[i]);
  WAIT_FOR (m->errors->len == G_N_ELEMENTS (bad) - 2, 5000);
  gateway_spin (200);
  /* "jump" on 1 and the close with a camera are errors of channels 1 and
   * 3 (not open here: stray); the rest have no channel to name. */
  c = mux_open (m, 1, ID_CAM1, NULL);
  WAIT_FOR (c->st.keyframes > 0, 10000);
  g_assert_null (c->error_code);
  /* A binary message is refused too; a close of a channel not open. */
  {
    guint8 junk[4] = {0, 0, 0, 1};

    soup_websocket_connection_send_binary (m->ws->conn, junk, sizeof junk);
  }
  soup_websocket_connection_send_text (m->ws->conn,
      "{\"op\":\"close\",\"ch\":99}");
  WAIT_FOR (m->errors->len == G_N_ELEMENTS (bad) - 1, 5000);
  WAIT_FOR (m->stray_messages == 3, 5000);
  g_assert_false (m->ws->closed);
  g_assert_cmpuint (c->st.order_errors, ==, 0);
}

/* An account that may only view gets no wall priority. */
static void
test_viewer (void)
{
  g_autoptr (Mux) m = mux_connect (env.viewer);
  Chan *preset = mux_open (m, 1, ID_CAM1, ",\"purpose\":\"preset\"");
  Chan *view = mux_open (m, 2, ID_POLICE, NULL);

  WAIT_FOR (preset->error_code != NULL, 5000);
  g_assert_cmpstr (preset->error_code, ==, "forbidden");
  WAIT_FOR (view->st.keyframes > 0, 15000);
  g_assert_cmpuint (view->st.order_errors, ==, 0);
}

/* An admin closes one channel (DELETE /api/v1/streams/{id}?viewer=PEER
 * &channel=N, both as GET /api/v1/streams lists them): it is told why and
 * ends alone; its audit row ends; the socket and its other channels, one
 * of them on the same camera, play on. */
static void
test_kick (void)
{
  g_autoptr (Mux) m = mux_connect (env.wall);
  Chan *a = mux_open (m, 21, ID_CAM1, NULL);
  Chan *b = mux_open (m, 22, ID_CAM2, NULL);
  Chan *a2 = mux_open (m, 23, ID_CAM1, NULL);
  g_autofree char *peer = NULL;
  g_autofree char *peer2 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bad = NULL;
  g_autoptr (GBytes) body = NULL;
  guint stops, fa, fb, fa2;

  WAIT_FOR (a->st.keyframes > 0 && b->st.keyframes > 0 && a2->st.keyframes > 0,
      15000);
  stops = audit_count (ID_CAM1, "stop");
  /* The channels of a socket share its peer: each is listed with its
   * channel id. */
  peer = channel_peer (ID_CAM1, 21);
  peer2 = channel_peer (ID_CAM1, 23);
  g_assert_nonnull (peer);
  g_assert_cmpstr (peer, ==, peer2);
  g_assert_cmpint (ws_viewers (ID_CAM1), ==, 2);
  WAIT_FOR (metric (WS_VIEWERS) == 3, 5000);
  path = g_strdup_printf ("/api/v1/streams/" ID_CAM1 "?viewer=%s&channel=21",
      peer);
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", path, env.wall, NULL), ==, 403);
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", path, env.admin, &body), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
      "{\"closed\":1}", 12);
  WAIT_FOR (chan_has_state (a, "closed"), 5000);
  g_assert_true (chan_has_state (a, "closed: closed by an admin [no retry]"));
  fa = a->st.fragments, fb = b->st.fragments, fa2 = a2->st.fragments;
  gateway_spin (1000);
  g_assert_cmpuint (a->st.fragments, ==, fa);
  g_assert_cmpuint (b->st.fragments, >, fb + 10);
  g_assert_cmpuint (a2->st.fragments, >, fa2 + 10);
  g_assert_false (m->ws->closed);
  g_assert_cmpint (ws_viewers (ID_CAM1), ==, 1);
  g_assert_cmpint (metric (WS_VIEWERS), ==, 2);
  WAIT_FOR (audit_count (ID_CAM1, "stop") == stops + 1, 5000);
  /* The socket no longer has it. */
  soup_websocket_connection_send_text (m->ws->conn,
      "{\"op\":\"close\",\"ch\":21}");
  WAIT_FOR (a->error_code != NULL, 5000);
  g_assert_cmpstr (a->error_code, ==, "not_found");
  /* Gone, or not a channel of that peer; a channel needs its peer. */
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", path, env.admin, NULL), ==, 404);
  bad = g_strdup_printf ("/api/v1/streams/" ID_CAM2 "?viewer=%s&channel=23",
      peer);
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", bad, env.admin, NULL), ==, 404);
  g_assert_cmpuint (gateway_process_call (env.gw, "DELETE",
                        "/api/v1/streams/" ID_CAM1 "?channel=23", env.admin,
                        NULL),
      ==, 422);
  g_clear_pointer (&bad, g_free);
  bad = g_strdup_printf ("/api/v1/streams/" ID_CAM1 "?viewer=%s&channel=-1",
      peer);
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", bad, env.admin, NULL), ==, 422);
  g_clear_pointer (&bad, g_free);
  bad =
      g_strdup_printf ("/api/v1/streams/" ID_CAM1 "?viewer=%s&channel=x", peer);
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", bad, env.admin, NULL), ==, 400);
  fb = b->st.fragments, fa2 = a2->st.fragments;
  gateway_spin (300);
  g_assert_cmpuint (b->st.fragments, >, fb);
  g_assert_cmpuint (a2->st.fragments, >, fa2);
  g_assert_false (m->ws->closed);
  g_assert_cmpuint (m->errors->len, ==, 0);
  g_assert_cmpuint (a2->st.order_errors + b->st.order_errors, ==, 0);
}

/* A channel whose camera sends no picture waits "connecting" (up to the
 * relay's start timeout, 8 s here): it is listed so, with its peer,
 * channel, user and since, and an admin closes it by peer and channel
 * like one that plays.  It gets "closed" with the reason, opened no audit
 * row, and holds the camera no more; the socket and its other channel go
 * on. */
static void
test_kick_connecting (void)
{
  g_autoptr (Mux) m = NULL;
  g_autoptr (JsonObject) client = NULL;
  g_autoptr (JsonObject) gone = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GDateTime) since = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stream_state = NULL;
  g_autofree char *path = NULL;
  Chan *good, *wait;
  gint64 views;
  guint fg;

  g_assert_cmpuint (camsim_set_fault (env.sim, "cam6-stall", "stall", 0), ==,
      200);
  m = mux_connect (env.wall);
  good = mux_open (m, 41, ID_CAM2, NULL);
  wait = mux_open (m, 42, ID_STALL, NULL);
  WAIT_FOR (good->st.keyframes > 0 && chan_has_state (wait, "connecting"),
      6000);
  views = metric (WS_VIEWERS);

  client = channel_client (ID_STALL, 42, &stream_state);
  g_assert_nonnull (client);
  g_assert_true (g_strcmp0 (stream_state, "connecting") == 0 ||
      g_strcmp0 (stream_state, "retrying") == 0);
  g_assert_cmpstr (json_object_get_string_member (client, "state"), ==,
      "connecting");
  g_assert_false (json_object_get_boolean_member (client, "playing"));
  g_assert_cmpstr (json_object_get_string_member (client, "user"), ==, "wall1");
  g_assert_cmpint (json_object_get_int_member (client, "bytes"), ==, 0);
  since = g_date_time_new_from_iso8601 (
      json_object_get_string_member (client, "since"), NULL);
  g_assert_nonnull (since);
  g_assert_cmpint (g_date_time_difference (now, since), <, 30 * G_USEC_PER_SEC);
  g_assert_cmpint (g_date_time_difference (now, since), >,
      -30 * G_USEC_PER_SEC);
  g_assert_cmpint (ws_viewers (ID_STALL), ==, 1);
  {
    g_autoptr (JsonObject) playing = channel_client (ID_CAM2, 41, NULL);

    g_assert_cmpstr (json_object_get_string_member (playing, "state"), ==,
        "playing");
    g_assert_true (json_object_get_boolean_member (playing, "playing"));
  }

  path = g_strdup_printf ("/api/v1/streams/" ID_STALL "?viewer=%s&channel=42",
      json_object_get_string_member (client, "peer"));
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", path, env.admin, &body), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
      "{\"closed\":1}", 12);
  WAIT_FOR (chan_has_state (wait, "closed"), 5000);
  g_assert_true (
      chan_has_state (wait, "closed: closed by an admin [no retry]"));
  /* Only that channel ended: the other plays on, on the same socket. */
  fg = good->st.fragments;
  gateway_spin (1000);
  g_assert_cmpuint (good->st.fragments, >, fg + 10);
  g_assert_false (m->ws->closed);
  g_assert_cmpuint (wait->st.inits + wait->st.fragments, ==, 0);
  /* Not listed, not holding the camera (its upstream lingers without a
   * viewer, or is gone); never started, so never audited. */
  gone = channel_client (ID_STALL, 42, NULL);
  g_assert_null (gone);
  g_assert_cmpint (ws_viewers (ID_STALL), <=, 0);
  g_assert_cmpint (metric (WS_VIEWERS), ==, views);
  g_assert_cmpuint (audit_count (ID_STALL, "start"), ==, 0);
  g_assert_cmpuint (audit_count (ID_STALL, "stop"), ==, 0);
  {
    g_autofree char *log = gateway_process_read_log (env.gw);

    g_assert_nonnull (strstr (log, "HTTP ws viewer wall1 of camera " ID_STALL));
    g_assert_nonnull (strstr (log, "before it started (closed by an admin)"));
  }
  g_assert_cmpuint (
      gateway_process_call (env.gw, "DELETE", path, env.admin, NULL), ==, 404);
  /* The socket no longer has it. */
  soup_websocket_connection_send_text (m->ws->conn,
      "{\"op\":\"close\",\"ch\":42}");
  WAIT_FOR (wait->error_code != NULL, 5000);
  g_assert_cmpstr (wait->error_code, ==, "not_found");
  g_assert_cmpuint (m->errors->len, ==, 0);
  g_assert_cmpuint (good->st.order_errors, ==, 0);
  /* Nothing else holds the camera: its upstream stops after the linger
   * (1 s), and the relay's wait ends with it. */
  WAIT_FOR (ws_viewers (ID_STALL) == -1, 5000);
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam6-stall", "none", 0), ==,
      200);
}

/* The 单兵 platform serves one pull: a view channel holds camera 1 of it;
 * a preset channel for camera 2 preempts it (that channel alone ends,
 * with the reason) and plays; a view of camera 1 is then refused on its
 * channel.  The admission API and the metrics count both. */
static void
test_preempt (void)
{
  static const char preempted[] = "cityeye_admission_preempted_total{budget="
                                  "\"" MOBILE_BUDGET "\",priority=\"view\"}";
  static const char refused[] = "cityeye_admission_refused_total{budget="
                                "\"" MOBILE_BUDGET "\",priority=\"view\"}";
  g_autoptr (Mux) m = mux_connect (env.wall);
  Chan *other = mux_open (m, 31, ID_CAM2, NULL);
  Chan *low = mux_open (m, 32, ID_MOB1, NULL);
  Chan *high, *again;
  g_autofree char *pl = NULL;
  g_autofree char *ph = NULL;
  guint fo, fl, fh;

  WAIT_FOR (other->st.keyframes > 0 && low->st.keyframes > 0, 15000);
  pl = pull_priority (ID_MOB1);
  g_assert_cmpstr (pl, ==, "view");
  g_clear_pointer (&pl, g_free);
  g_assert_cmpint (metric (preempted), ==, -1);

  high = mux_open (m, 33, ID_MOB2, ",\"purpose\":\"preset\"");
  WAIT_FOR (chan_has_state (low, "preempted"), 10000);
  /* The reason names the priority and the budget; which camera took the
   * pull only admins are told (it may be one the account may not see). */
  g_assert_true (chan_has_state (low,
      "preempted: Preempted by a higher-priority pull (preset) in "
      "budget " MOBILE_BUDGET));
  WAIT_FOR (high->st.keyframes > 0, 15000);
  g_assert_cmpuint (high->st.order_errors, ==, 0);
  g_assert_true (chan_has_state (high, "playing"));
  fo = other->st.fragments, fl = low->st.fragments;
  gateway_spin (1000);
  g_assert_cmpuint (low->st.fragments, ==, fl);
  g_assert_cmpuint (other->st.fragments, >, fo + 10);
  g_assert_false (m->ws->closed);
  pl = pull_priority (ID_MOB1);
  ph = pull_priority (ID_MOB2);
  g_assert_null (pl);
  g_assert_cmpstr (ph, ==, "preset");
  g_assert_cmpint (admission_count ("preempted", MOBILE_BUDGET, "view"), ==, 1);
  g_assert_cmpint (metric (preempted), ==, 1);
  g_assert_cmpint (metric (WS_VIEWERS), ==, 2);
  WAIT_FOR (audit_count (ID_MOB1, "stop") == 1, 5000);

  /* The reverse: a view while the preset holds the budget is refused, on
   * its channel only. */
  g_assert_cmpint (metric (refused), ==, -1);
  again = mux_open (m, 34, ID_MOB1, NULL);
  WAIT_FOR (again->error_code != NULL, 5000);
  g_assert_cmpstr (again->error_code, ==, "admission_refused");
  g_assert_cmpstr (again->error_message, ==,
      "Camera " ID_MOB1 ": source 单兵: 1 of 1 pulls in use by equal or "
      "higher-priority views");
  g_assert_cmpint (admission_count ("refused", MOBILE_BUDGET, "view"), ==, 1);
  g_assert_cmpint (metric (refused), ==, 1);
  g_assert_cmpint (metric (preempted), ==, 1);
  fo = other->st.fragments, fh = high->st.fragments;
  gateway_spin (500);
  g_assert_cmpuint (other->st.fragments, >, fo);
  g_assert_cmpuint (high->st.fragments, >, fh);
  g_assert_cmpuint (again->st.fragments + again->st.inits, ==, 0);
  g_assert_cmpuint (again->states->len, ==, 0);
  g_assert_false (m->ws->closed);
  g_assert_cmpuint (m->errors->len, ==, 0);
  g_assert_cmpuint (other->st.order_errors, ==, 0);
}

/* A masked client TEXT frame on a raw socket. */
static void
raw_send_text (GSocket *s, const char *text)
{
  gsize n = strlen (text);
  guint8 frame[256];
  const guint8 mask[4] = {0x12, 0x34, 0x56, 0x78};

  g_assert_cmpuint (n, <, 126);
  frame[0] = 0x81;
  frame[1] = 0x80 | (guint8) n;
  memcpy (frame + 2, mask, 4);
  for (gsize i = 0; i < n; i++)
    frame[6 + i] = (guint8) text[i] ^ mask[i % 4];
  g_assert_cmpint (g_socket_send (s, (const char *) frame, 6 + n, NULL, NULL),
      ==, (gssize) (6 + n));
}

/* A raw client: the upgrade with the Authorization header, a small
 * receive buffer, and nothing read after the 101. */
static GSocket *
raw_connect (void)
{
  g_autofree char *req = g_strdup_printf (
      "GET /api/v1/live.ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer %s\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n",
      env.wall);

  return gateway_process_raw_request (env.gw, req, "HTTP/1.1 101");
}

/* A client that opens channels and stops reading is dropped; the
 * gateway goes on serving the others. */
static void
test_stops_reading (void)
{
  g_autoptr (GSocket) s = raw_connect ();
  g_autoptr (Mux) good = mux_connect (env.wall);
  char buf[65536];
  Chan *c;
  gint64 start;
  gssize n;

  raw_send_text (s, "{\"op\":\"open\",\"ch\":1,\"camera\":\"" ID_CAM1 "\"}");
  raw_send_text (s, "{\"op\":\"open\",\"ch\":2,\"camera\":\"" ID_CAM2 "\"}");
  c = mux_open (good, 5, ID_CAM1, NULL);
  WAIT_FOR (ws_viewers (ID_CAM2) == 1, 10000);
  start = g_get_monotonic_time ();
  /* Nothing is read: the channels fall behind, skip, and the socket goes
   * with both (camera 2 had no other viewer). */
  while (ws_viewers (ID_CAM2) > 0) {
    g_assert_cmpint (g_get_monotonic_time () - start, <, 40 * G_USEC_PER_SEC);
    gateway_spin (250);
  }
  g_test_message ("a live socket that stopped reading was dropped after "
                  "%.1f s",
      (g_get_monotonic_time () - start) / 1e6);
  /* The other socket played on, and the gateway is healthy. */
  g_assert_false (good->ws->closed);
  g_assert_cmpuint (c->st.order_errors, ==, 0);
  g_assert_cmpuint (c->st.fragments, >,
      (g_get_monotonic_time () - start) / 1e6 * 25 * 0.5);
  g_assert_cmpint (ws_viewers (ID_CAM1), ==, 1);
  /* Its connection was shut: reading gets what was queued, then the end. */
  g_socket_set_timeout (s, 10);
  while ((n = g_socket_receive (s, buf, sizeof buf, NULL, NULL)) > 0)
    ;
  g_assert_cmpint (n, <=, 0);
}

/* A client that sends bad messages without reading the errors is dropped
 * (the errors would otherwise queue in the connection without bound). */
static void
test_flood (void)
{
  g_autoptr (GSocket) s = raw_connect ();
  gint64 start = g_get_monotonic_time ();
  guint sent = 0;

  g_socket_set_blocking (s, FALSE);
  for (;;) {
    g_autoptr (GError) error = NULL;
    /* A masked TEXT frame "x" (not JSON), repeated. */
    static const guint8 frame[] = {0x81, 0x81, 1, 2, 3, 4, 'x' ^ 1};
    gssize n =
        g_socket_send (s, (const char *) frame, sizeof frame, NULL, &error);

    if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      break; /* reset or broken pipe: dropped */
    if (n > 0)
      sent++;
    else
      gateway_spin (20);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
  }
  g_test_message ("a client flooding bad messages without reading was "
                  "dropped after %.1f s and %u messages",
      (g_get_monotonic_time () - start) / 1e6, sent);
  g_assert_cmpuint (sent, >, 1000);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  env_start ();
  g_test_add_func ("/mux/channels", test_channels);
  g_test_add_func ("/mux/bad-messages", test_bad_messages);
  g_test_add_func ("/mux/viewer", test_viewer);
  g_test_add_func ("/mux/admin-kick", test_kick);
  g_test_add_func ("/mux/admin-kick-connecting", test_kick_connecting);
  g_test_add_func ("/mux/preempt", test_preempt);
  g_test_add_func ("/mux/stops-reading", test_stops_reading);
  g_test_add_func ("/mux/flood", test_flood);
  ret = g_test_run ();
  env_stop ();
  return ret;
}
