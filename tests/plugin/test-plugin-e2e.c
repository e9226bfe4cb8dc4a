/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libgstcityeye end to end: the camera simulator as the cameras, cityeyed
 * as a subprocess on a temporary registry, and pipelines using the
 * elements (registered from their static library) — cityeyesrc, playbin
 * with cityeye://,
 * outages of the camera and of the gateway, errors a person can act on,
 * and one upstream for two pipelines.
 */
#include "camsim-fixture.h"
#include "ce-elements.h"
#include "ce-registry.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

typedef struct
{
  char *dir;
  char *db;
  char *conf;
  CamsimProcess *sim;
  guint sim_port;
  GSubprocess *gw;
  guint gw_port;
  char *gateway; /* rtsp://127.0.0.1:PORT */
  char *api;     /* http://127.0.0.1:PORT */
  char *token;   /* may see the test cameras (社会面) */
  char *other;   /* a valid token that may not */
} Env;

static Env env;

/* ---- the gateway -------------------------------------------------------- */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A free port below Linux's ephemeral range (32768–60999 by default).
 * The gateway is restarted on the same ports, and the tests connect to a
 * port where nothing listens: a port in the ephemeral range could meanwhile
 * become the local end of some outgoing connection (the restarted gateway
 * could not bind it), or a connect to it could be given the same port as
 * its source and connect to itself. */
static guint
free_port (void)
{
  g_autoptr (GInetAddress) lo =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < 200; attempt++) {
    guint port = (guint) g_random_int_range (20000, 32000);
    g_autoptr (GSocket) s =
        g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
    g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, port);

    if (g_socket_bind (s, addr, TRUE, NULL))
      return port;
  }
  g_error ("no free port between 20000 and 32000");
  return 0;
}

static void
gw_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) in = NULL;
  const char *bin = g_getenv ("CITYEYED_BIN");

  g_assert_nonnull (bin);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  env.gw = g_subprocess_launcher_spawn (launcher, &error, bin, "--config",
      env.conf, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (env.gw));
  for (;;) {
    g_autofree char *l =
        g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);

    g_assert_no_error (error);
    if (l == NULL)
      g_error ("cityeyed exited before printing its port");
    if (g_str_has_prefix (l, "cityeyed: http=")) {
      g_free (env.api);
      env.api = g_strdup_printf ("http://%s", l + strlen ("cityeyed: http="));
      break;
    }
  }
}

static void
gw_stop (void)
{
  if (env.gw == NULL)
    return;
  g_subprocess_send_signal (env.gw, SIGKILL);
  g_subprocess_wait (env.gw, NULL, NULL);
  g_clear_object (&env.gw);
}

static void
add_camera (const char *id, const char *cam, gboolean sub)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = ce_registry_open (env.db, 0, &error);
  g_autoptr (CeCamera) c = ce_camera_new ();

  g_assert_no_error (error);
  c->id = g_strdup (id);
  c->name = g_strdup_printf ("测试相机 %s", cam);
  c->source = CE_SOURCE_SOCIAL;
  c->lon = 121.40;
  c->lat = 31.35;
  c->rtsp_url =
      g_strdup_printf ("rtsp://127.0.0.1:%u/cam/%s", env.sim_port, cam);
  if (sub)
    c->rtsp_url_sub = g_strdup_printf ("rtsp://127.0.0.1:%u/cam/%s?profile=sub",
        env.sim_port, cam);
  g_assert_true (ce_registry_add_camera (r, c, &error));
  g_assert_no_error (error);
}

/* `cityeye ARGS… --db DB`: returns the first line of its output. */
static char *
cli (const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) p = NULL;
  g_autofree char *out = NULL;
  const char *bin = g_getenv ("CITYEYE_BIN");

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (gpointer) bin);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, env.db);
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_newv ((const char *const *) argv->pdata,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
      &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (p));
  return g_strndup (out, strcspn (out, "\n"));
}

/* A user with its API token, made as an administrator would. */
static char *
make_token (const char *user, const char *sources)
{
  const char *add[] = {"user", "add", user, "--role", "viewer", "--sources",
      sources, NULL};
  const char *create[] = {"token", "create", "--user", user, "--label",
      "plugin test", NULL};
  g_autofree char *ignored = cli (add);

  return cli (create);
}

static void
env_set_up (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *url = NULL;
  const char *args[] = {"--start-anywhere", NULL};

  env.dir = g_dir_make_tmp ("cityeye-plugin-XXXXXX", &error);
  g_assert_no_error (error);
  env.db = g_build_filename (env.dir, "registry.db", NULL);
  env.conf = g_build_filename (env.dir, "cityeye.conf", NULL);
  r = ce_registry_open (env.db, 0, &error);
  g_assert_no_error (error);
  g_clear_object (&r);

  env.sim = camsim_process_start (args);
  url = camsim_url (env.sim, "x", NULL);
  env.sim_port = (guint) g_ascii_strtoull (strrchr (url, ':') + 1, NULL, 10);
  add_camera ("31011300001320000001", "cam1", TRUE);
  add_camera ("31011300001320000002", "cam2", FALSE);
  add_camera ("31011300001320000003", "cam3-h265", FALSE);
  add_camera ("31011300001320000004", "cam4", FALSE);
  add_camera ("31011300001320000005", "cam5", FALSE);
  add_camera ("31011300001320000006", "cam6", FALSE);
  add_camera ("31011300001320000007", "cam7", FALSE);
  add_camera ("31011300001320000008", "cam8", FALSE);
  add_camera ("31011300001320000009", "cam9", TRUE);
  env.token = make_token ("plugin", "社会面");
  env.other = make_token ("other", "公安");
  g_assert_cmpuint (strlen (env.token), >, 16);

  conf = g_strdup_printf (
      "[registry]\ndatabase=%s\n"
      "[probe]\ninterval=0\n[rtsp]\naddress=127.0.0.1\nport=%u\n"
      "[http]\naddress=127.0.0.1\nport=%u\n"
      "[relay]\nlinger=2\nstart_timeout=15\n"
      "stall_timeout=3\nconnect_timeout=2\n"
      "backoff_initial=0.2\nbackoff_max=1\n",
      env.db, env.gw_port, free_port ());
  g_assert_true (g_file_set_contents (env.conf, conf, -1, NULL));
  gw_start ();
}

static void
env_tear_down (void)
{
  g_autoptr (GDir) d = NULL;
  const char *name;

  gw_stop ();
  camsim_process_stop (env.sim);
  d = g_dir_open (env.dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (env.dir, name, NULL);

    g_unlink (p);
  }
  g_rmdir (env.dir);
  g_free (env.dir);
  g_free (env.db);
  g_free (env.conf);
  g_free (env.gateway);
  g_free (env.api);
  g_free (env.token);
  g_free (env.other);
}

/* ---- a pipeline that watches itself ------------------------------------- */

typedef struct
{
  GstElement *pipeline;
  GMutex lock;
  guint frames;
  GstClockTime first_pts, last_pts;
  gboolean backwards;
  int width;
  char *caps_name;
  GError *error;
  GError *warning; /* the first one */
  gboolean eos;
  GPtrArray *states; /* "state: reason" */
} Player;

static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Player *p = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

  g_mutex_lock (&p->lock);
  p->frames++;
  if (!GST_CLOCK_TIME_IS_VALID (pts) ||
      (GST_CLOCK_TIME_IS_VALID (p->last_pts) && pts <= p->last_pts)) {
    g_test_message ("timestamp %" GST_TIME_FORMAT " after %" GST_TIME_FORMAT,
        GST_TIME_ARGS (pts), GST_TIME_ARGS (p->last_pts));
    p->backwards = TRUE;
  }
  if (!GST_CLOCK_TIME_IS_VALID (p->first_pts))
    p->first_pts = pts;
  p->last_pts = pts;
  if (caps != NULL) {
    GstStructure *s = gst_caps_get_structure (caps, 0);

    gst_structure_get_int (s, "width", &p->width);
    g_free (p->caps_name);
    p->caps_name = g_strdup (gst_structure_get_name (s));
  }
  g_mutex_unlock (&p->lock);
  return GST_PAD_PROBE_OK;
}

static GstBusSyncReply
on_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Player *p = user_data;
  const GstStructure *s = gst_message_get_structure (msg);

  g_mutex_lock (&p->lock);
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      if (p->error == NULL) {
        gst_message_parse_error (msg, &p->error, NULL);
        g_test_message ("pipeline error: %s", p->error->message);
      }
      break;
    case GST_MESSAGE_WARNING:
      if (p->warning == NULL) {
        gst_message_parse_warning (msg, &p->warning, NULL);
        g_test_message ("pipeline warning: %s", p->warning->message);
      }
      break;
    case GST_MESSAGE_EOS:
      p->eos = TRUE;
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name (s, "cityeye-state")) {
        char *state =
            g_strdup_printf ("%s: %s", gst_structure_get_string (s, "state"),
                gst_structure_get_string (s, "reason"));

        g_test_message ("%s", state);
        g_ptr_array_add (p->states, state);
      }
      break;
    default:
      break;
  }
  g_mutex_unlock (&p->lock);
  /* A handler that drops a message owns it. */
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

/* @desc has a sink named "sink" (or is a playbin, whose video-sink is
 * used). */
static Player *
player_start (const char *desc)
{
  Player *p = g_new0 (Player, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_mutex_init (&p->lock);
  p->first_pts = p->last_pts = GST_CLOCK_TIME_NONE;
  p->states = g_ptr_array_new_with_free_func (g_free);
  {
    g_autofree char *shown = g_strdup (desc);
    char *t = strstr (shown, "token=");

    /* Tokens stay out of logs, test logs included. */
    if (t != NULL)
      memset (t + 6, '*', strcspn (t + 6, " &"));
    g_test_message ("pipeline: %s", shown);
  }
  p->pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (p->pipeline),
          "video-sink") != NULL) {
    sink = gst_element_factory_make ("fakesink", NULL);
    g_object_set (sink, "sync", TRUE, NULL);
    g_object_set (p->pipeline, "video-sink", sink, NULL);
    gst_object_ref (sink);
  } else {
    sink = gst_bin_get_by_name (GST_BIN (p->pipeline), "sink");
  }
  g_assert_nonnull (sink);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, p, NULL);
  bus = gst_element_get_bus (p->pipeline);
  gst_bus_set_sync_handler (bus, on_message, p, NULL);
  gst_element_set_state (p->pipeline, GST_STATE_PLAYING);
  return p;
}

/* cityeyesrc with @token (nullable) and @props. */
static Player *
src_start_token (const char *id, const char *token, const char *props)
{
  g_autofree char *desc = g_strdup_printf ("cityeyesrc camera-id=%s "
                                           "gateway=%s %s%s %s ! fakesink "
                                           "name=sink sync=true",
      id, env.gateway, token != NULL ? "token=" : "",
      token != NULL ? token : "", props);

  return player_start (desc);
}

static Player *
src_start (const char *id, const char *props)
{
  return src_start_token (id, env.token, props);
}

static guint
player_frames (Player *p)
{
  guint n;

  g_mutex_lock (&p->lock);
  n = p->frames;
  g_mutex_unlock (&p->lock);
  return n;
}

static gboolean
player_failed (Player *p)
{
  gboolean failed;

  g_mutex_lock (&p->lock);
  failed = p->error != NULL || p->eos;
  g_mutex_unlock (&p->lock);
  return failed;
}

/* Waits for @n more frames than now; FALSE on error, EOS or timeout. */
static gboolean
player_wait_frames (Player *p, guint n, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_GINT64_CONSTANT (1000);
  guint target = player_frames (p) + n;

  while (player_frames (p) < target) {
    if (player_failed (p) || g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (20000);
  }
  return TRUE;
}

static gboolean
player_wait_error (Player *p, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_GINT64_CONSTANT (1000);

  while (!player_failed (p)) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (20000);
  }
  return TRUE;
}

static gboolean
player_saw_state (Player *p, const char *prefix)
{
  gboolean seen = FALSE;

  g_mutex_lock (&p->lock);
  for (guint i = 0; i < p->states->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (p->states, i), prefix))
      seen = TRUE;
  g_mutex_unlock (&p->lock);
  return seen;
}

static void
player_free (Player *p)
{
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  gst_object_unref (p->pipeline);
  g_clear_error (&p->error);
  g_clear_error (&p->warning);
  g_free (p->caps_name);
  g_ptr_array_unref (p->states);
  g_mutex_clear (&p->lock);
  g_free (p);
}

static gint64
sim_connections (const char *cam)
{
  g_autoptr (JsonObject) stats = camsim_camera_stats (env.sim, cam);

  return json_object_get_int_member (stats, "connections_total");
}

/* ---- tests -------------------------------------------------------------- */

static void
test_access_units (void)
{
  Player *p = src_start ("31011300001320000001", "");

  g_assert_true (player_wait_frames (p, 50, 20000));
  g_assert_cmpstr (p->caps_name, ==, "video/x-h264");
  g_assert_cmpint (p->width, ==, 320);
  g_assert_false (p->backwards);
  g_assert_true (player_saw_state (p, "connecting"));
  g_assert_true (player_saw_state (p, "playing"));
  g_assert_false (player_failed (p));
  player_free (p);
}

static void
test_access_units_h265_sub (void)
{
  Player *p = src_start ("31011300001320000003", "");
  Player *sub = src_start ("31011300001320000001", "profile=sub");

  g_assert_true (player_wait_frames (p, 30, 20000));
  g_assert_cmpstr (p->caps_name, ==, "video/x-h265");
  g_assert_true (player_wait_frames (sub, 30, 20000));
  g_assert_cmpint (sub->width, ==, 160);
  player_free (p);
  player_free (sub);
}

static void
test_decode (void)
{
  Player *p = src_start ("31011300001320000002", "decode=true");
  GstClockTime before, span;

  /* The first frames are the gateway's GOP cache (up to a whole GOP, 50
   * frames with the simulator's 2 s GOP), sent as a burst. */
  g_assert_true (player_wait_frames (p, 75, 20000));
  g_assert_cmpstr (p->caps_name, ==, "video/x-raw");
  g_assert_cmpint (p->width, ==, 320);
  g_mutex_lock (&p->lock);
  before = p->last_pts;
  g_mutex_unlock (&p->lock);
  /* After it, timestamps follow the camera's 25 fps: 50 frames span about
   * 2 s (a burst would span almost nothing). */
  g_assert_true (player_wait_frames (p, 50, 20000));
  g_assert_false (p->backwards);
  g_mutex_lock (&p->lock);
  span = p->last_pts - before;
  g_mutex_unlock (&p->lock);
  g_test_message ("50 frames span %" GST_TIME_FORMAT, GST_TIME_ARGS (span));
  g_assert_cmpuint (span, >, 3 * GST_SECOND / 2);
  g_assert_cmpuint (span, <, 3 * GST_SECOND);
  player_free (p);
}

static void
test_playbin (void)
{
  /* The gateway comes from CITYEYE_GATEWAY, as for gst-play-1.0. */
  g_autofree char *desc = g_strdup_printf (
      "playbin uri=cityeye://31011300001320000004?profile=main&token=%s",
      env.token);
  Player *p = player_start (desc);

  g_assert_true (player_wait_frames (p, 50, 40000));
  g_assert_cmpstr (p->caps_name, ==, "video/x-raw");
  g_assert_false (player_failed (p));
  player_free (p);
}

static void
test_uridecodebin (void)
{
  g_autofree char *desc = g_strdup_printf (
      "uridecodebin uri=cityeye://31011300001320000009?profile=sub&token=%s "
      "! fakesink name=sink sync=true",
      env.token);
  Player *p = player_start (desc);

  g_assert_true (player_wait_frames (p, 25, 40000));
  g_assert_cmpstr (p->caps_name, ==, "video/x-raw");
  g_assert_cmpint (p->width, ==, 160);
  g_assert_false (player_failed (p));
  player_free (p);
}

static void
test_camera_outage (void)
{
  Player *p = src_start ("31011300001320000005", "decode=true stall-timeout=2");

  g_assert_true (player_wait_frames (p, 25, 20000));
  /* The camera drops its connection; the gateway reconnects to it. */
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam5", "drop", 0), ==, 200);
  g_assert_true (player_wait_frames (p, 50, 30000));
  /* The camera sends nothing for longer than stall-timeout: the plugin
   * reopens its session to the gateway too. */
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam5", "stall", 0), ==, 200);
  g_usleep (5 * G_USEC_PER_SEC);
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam5", "none", 0), ==, 200);
  g_assert_true (player_wait_frames (p, 50, 40000));
  g_assert_true (player_saw_state (p, "reconnecting"));
  /* A new size reaches downstream as new caps. */
  g_assert_cmpuint (camsim_set_fault (env.sim, "cam5", "resize", 0), ==, 200);
  g_assert_true (player_wait_frames (p, 50, 20000));
  g_assert_cmpint (p->width, ==, 240);
  g_assert_false (p->backwards);
  g_assert_false (player_failed (p));
  camsim_set_fault (env.sim, "cam5", "none", 0);
  player_free (p);
}

static void
test_two_pipelines_one_upstream (void)
{
  Player *a = src_start ("31011300001320000007", "");
  Player *b = src_start ("31011300001320000007", "decode=true");

  g_assert_true (player_wait_frames (a, 50, 20000));
  g_assert_true (player_wait_frames (b, 50, 20000));
  g_assert_cmpint (sim_connections ("cam7"), ==, 1);
  player_free (a);
  player_free (b);
}

static void
test_unknown_camera (void)
{
  Player *p = src_start ("31011300001320000099", "");

  /* Fails fast: no retries for a camera the registry does not have. */
  g_assert_true (player_wait_error (p, 5000));
  g_assert_nonnull (p->error);
  g_assert_error (p->error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (p->error->message,
      "Camera 31011300001320000099 is not in the registry"));
  g_assert_false (player_saw_state (p, "reconnecting"));
  player_free (p);
}

static void
test_unreachable_gateway (void)
{
  g_autofree char *desc = g_strdup_printf (
      "cityeyesrc camera-id=31011300001320000001 gateway=rtsp://127.0.0.1:%u "
      "start-attempts=2 ! fakesink name=sink",
      free_port ());
  Player *p = player_start (desc);

  g_assert_true (player_wait_error (p, 10000));
  g_assert_error (p->error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ);
  g_assert_nonnull (strstr (p->error->message,
      "Cannot reach the cityeye gateway at rtsp://127.0.0.1:"));
  g_assert_nonnull (strstr (p->error->message, "after 2 attempts"));
  player_free (p);
}

static void
expect_auth_error (const char *token, const char *message)
{
  Player *p = src_start_token ("31011300001320000008", token, "");

  /* Fails fast: a refused token is not retried. */
  g_assert_true (player_wait_error (p, 5000));
  g_assert_nonnull (p->error);
  g_assert_error (p->error, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (p->error->message, message));
  if (token != NULL)
    g_assert_null (strstr (p->error->message, token));
  g_assert_false (player_saw_state (p, "reconnecting"));
  player_free (p);
}

static void
test_wrong_token (void)
{
  expect_auth_error ("cet_not-a-token-at-all",
      "The gateway refused the token for camera 31011300001320000008");
}

static void
test_no_token (void)
{
  expect_auth_error (NULL, "The gateway wants a token for camera");
}

static void
test_token_not_allowed (void)
{
  expect_auth_error (env.other,
      "The token may not view camera 31011300001320000008 (RTSP 403)");
}

/* The overlay's text (its textoverlay child), once it holds @expect; ""
 * on timeout. */
static char *
overlay_wait_text (GstElement *pipeline, const char *expect)
{
  g_autoptr (GstElement) overlay =
      gst_bin_get_by_name (GST_BIN (pipeline), "overlay");
  g_autoptr (GstElement) text = gst_bin_get_by_name (GST_BIN (overlay), "text");
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end) {
    char *s = NULL;

    g_object_get (text, "text", &s, NULL);
    if (s != NULL && strstr (s, expect) != NULL)
      return s;
    g_free (s);
    g_usleep (20000);
  }
  return g_strdup ("");
}

static void
test_overlay_label (void)
{
  g_autofree char *desc = g_strdup_printf (
      "cityeyesrc camera-id=31011300001320000002 gateway=%s token=%s "
      "decode=true ! videoconvert ! cityeyeoverlay name=overlay "
      "camera-id=31011300001320000002 api=%s token=%s ! fakesink name=sink",
      env.gateway, env.token, env.api, env.token);
  Player *p = player_start (desc);
  g_autofree char *text = NULL;

  g_assert_true (player_wait_frames (p, 10, 20000));
  text = overlay_wait_text (p->pipeline, "测试相机 cam2");
  g_assert_cmpstr (text, ==,
      "测试相机 cam2 (31011300001320000002)\n121.40000°E 31.35000°N");
  g_assert_false (player_failed (p));
  player_free (p);
}

static void
test_overlay_refused (void)
{
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc is-live=true ! cityeyeoverlay name=overlay "
      "camera-id=31011300001320000002 api=%s token=wrong ! fakesink name=sink",
      env.api);
  Player *p = player_start (desc);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GError *warning = NULL;

  /* The bus handler keeps the first warning: the overlay may post it
   * before this test could look at the bus. */
  while (g_get_monotonic_time () < end) {
    g_mutex_lock (&p->lock);
    warning = p->warning;
    g_mutex_unlock (&p->lock);
    if (warning != NULL || player_failed (p))
      break;
    g_usleep (20000);
  }
  g_assert_false (player_failed (p));
  g_assert_nonnull (warning);
  g_assert_error (warning, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (warning->message, "(HTTP 401)"));
  /* The video goes on, with the id only. */
  g_assert_true (player_wait_frames (p, 10, 10000));
  player_free (p);
}

static void
test_gateway_restart (void)
{
  Player *p = src_start ("31011300001320000006", "decode=true");
  GstClockTime before;

  g_assert_true (player_wait_frames (p, 25, 20000));
  gw_stop ();
  g_usleep (3 * G_USEC_PER_SEC);
  g_mutex_lock (&p->lock);
  before = p->last_pts;
  g_mutex_unlock (&p->lock);
  gw_start ();
  g_assert_true (player_wait_frames (p, 50, 40000));
  g_assert_true (player_saw_state (p, "reconnecting"));
  g_assert_false (p->backwards);
  /* One timeline: the outage shows as a gap, not a restart at 0. */
  g_assert_cmpuint (p->last_pts, >, before + 2 * GST_SECOND);
  g_assert_false (player_failed (p));
  player_free (p);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* A fixed port, so that a restarted gateway is found again; set in the
   * environment (for playbin) before any thread exists. */
  env.gw_port = free_port ();
  env.gateway = g_strdup_printf ("rtsp://127.0.0.1:%u", env.gw_port);
  g_setenv ("CITYEYE_GATEWAY", env.gateway, TRUE);
  gst_init (NULL, NULL);
  GST_ELEMENT_REGISTER (cityeyesrc, NULL);
  GST_ELEMENT_REGISTER (cityeyeoverlay, NULL);

  g_test_add_func ("/plugin/e2e/access-units", test_access_units);
  g_test_add_func ("/plugin/e2e/h265-and-sub", test_access_units_h265_sub);
  g_test_add_func ("/plugin/e2e/decode", test_decode);
  g_test_add_func ("/plugin/e2e/playbin", test_playbin);
  g_test_add_func ("/plugin/e2e/uridecodebin", test_uridecodebin);
  g_test_add_func ("/plugin/e2e/camera-outage", test_camera_outage);
  g_test_add_func ("/plugin/e2e/one-upstream", test_two_pipelines_one_upstream);
  g_test_add_func ("/plugin/e2e/unknown-camera", test_unknown_camera);
  g_test_add_func ("/plugin/e2e/unreachable-gateway", test_unreachable_gateway);
  g_test_add_func ("/plugin/e2e/wrong-token", test_wrong_token);
  g_test_add_func ("/plugin/e2e/no-token", test_no_token);
  g_test_add_func ("/plugin/e2e/token-not-allowed", test_token_not_allowed);
  g_test_add_func ("/plugin/e2e/overlay-label", test_overlay_label);
  g_test_add_func ("/plugin/e2e/overlay-refused", test_overlay_refused);
  g_test_add_func ("/plugin/e2e/gateway-restart", test_gateway_restart);

  env_set_up ();
  ret = g_test_run ();
  env_tear_down ();
  return ret;
}
