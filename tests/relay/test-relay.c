/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyed end to end: the camera simulator as the cameras, the gateway as
 * a subprocess, and real clients — rtspsrc pipelines that decode, ffprobe,
 * and raw RTSP over sockets for the protocol edges.
 */
#include "ce-registry.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#define GOP_SECONDS 4

typedef struct
{
  char *dir;
  char *db;
  char *conf;
  GSubprocess *sim;
  guint sim_port;
  guint sim_ctl;
  GSubprocess *gw;
  guint gw_port;
} Env;

static const char *
env_bin (const char *name)
{
  const char *b = g_getenv (name);

  g_assert_nonnull (b);
  return b;
}

/* A child (simulator, gateway) dies with the test: a test that fails
 * leaves nothing running behind it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts @argv and returns the first stdout line that starts with
 * @prefix (the programs print their bound ports). */
static GSubprocess *
spawn_and_wait (const char *const *argv, const char *prefix, char **line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  GSubprocess *proc = NULL;
  g_autoptr (GDataInputStream) in = NULL;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);

  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  for (;;) {
    g_autofree char *l =
        g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);

    g_assert_no_error (error);
    if (l == NULL)
      g_error ("%s exited before printing “%s”", argv[0], prefix);
    if (g_str_has_prefix (l, prefix)) {
      *line = g_steal_pointer (&l);
      return proc;
    }
  }
}

static guint
port_after (const char *line, const char *key)
{
  const char *p = strstr (line, key);

  g_assert_nonnull (p);
  p = strchr (p + strlen (key), ':');
  g_assert_nonnull (p);
  return (guint) g_ascii_strtoull (p + 1, NULL, 10);
}

static void
sim_start (Env *e, guint port, const char *extra)
{
  g_autofree char *line = NULL;
  g_autofree char *port_s = g_strdup_printf ("%u", port);
  g_autofree char *gop = g_strdup_printf ("%d", GOP_SECONDS);
  const char *argv[] = {env_bin ("CAMSIM_BIN"), "--port", port_s,
      "--control-port", "0", "--gop", gop, "--size", "640x360", "--bitrate",
      "800", "--preload", "h264,h265", extra, NULL};

  e->sim = spawn_and_wait (argv, "camsim:", &line);
  e->sim_port = port_after (line, "rtsp=");
  e->sim_ctl = port_after (line, "control=");
}

static void
stop (GSubprocess **proc)
{
  if (*proc == NULL)
    return;
  g_subprocess_send_signal (*proc, SIGTERM);
  g_subprocess_wait (*proc, NULL, NULL);
  g_clear_object (proc);
}

static void
add_camera_full (Env *e, const char *id, const char *cam, gboolean sub,
    const char *username, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = ce_registry_open (e->db, 0, &error);
  g_autoptr (CeCamera) c = ce_camera_new ();

  g_assert_no_error (error);
  c->id = g_strdup (id);
  c->name = g_strdup_printf ("测试相机 %s", cam);
  c->source = CE_SOURCE_SOCIAL;
  c->lon = 121.40;
  c->lat = 31.35;
  c->rtsp_url =
      g_strdup_printf ("rtsp://127.0.0.1:%u/cam/%s", e->sim_port, cam);
  if (sub)
    c->rtsp_url_sub = g_strdup_printf ("rtsp://127.0.0.1:%u/cam/%s?profile=sub",
        e->sim_port, cam);
  c->username = g_strdup (username);
  c->password = g_strdup (password);
  g_assert_true (ce_registry_add_camera (r, c, &error));
  g_assert_no_error (error);
}

static void
add_camera (Env *e, const char *id, const char *cam, gboolean sub)
{
  add_camera_full (e, id, cam, sub, NULL, NULL);
}

static void
gw_start (Env *e)
{
  g_autofree char *line = NULL;
  const char *argv[] = {env_bin ("CITYEYED_BIN"), "--config", e->conf, NULL};

  e->gw = spawn_and_wait (argv, "cityeyed: rtsp=", &line);
  e->gw_port = port_after (line, "rtsp=");
}

static void
env_set_up (Env *e, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = NULL;
  g_autofree char *conf = NULL;

  e->dir = g_dir_make_tmp ("cityeye-relay-XXXXXX", &error);
  g_assert_no_error (error);
  e->db = g_build_filename (e->dir, "registry.db", NULL);
  e->conf = g_build_filename (e->dir, "cityeye.conf", NULL);
  r = ce_registry_open (e->db, 0, &error);
  g_assert_no_error (error);
  conf = g_strdup_printf (
      "[registry]\ndatabase=%s\n"

      "[probe]\ninterval=0\n[rtsp]\nport=0\nsession_timeout=10\n"
      "viewer_drop_after=4\n[http]\nport=0\n"
      "[relay]\ningest=%s\nlinger=2\nstart_timeout=15\n"
      "stall_timeout=2\nconnect_timeout=2\n"
      "backoff_initial=0.2\nbackoff_max=1\n"
      /* These tests are about media, not access: the
       * auth tests cover the refusals. */
      "[auth]\nallow_anonymous=true\n"
      "anonymous_sources=all\nanonymous_secrecy=1\n",
      e->db,
      g_getenv ("CE_TEST_INGEST") != NULL ? g_getenv ("CE_TEST_INGEST")
                                          : "native");
  g_assert_true (g_file_set_contents (e->conf, conf, -1, NULL));
  sim_start (e, 0, "--start-anywhere");
  add_camera (e, "31011300001320000001", "cam1", TRUE);
  add_camera (e, "31011300001320000002", "cam2", FALSE);
  add_camera (e, "31011300001320000003", "cam3-h265", FALSE);
  add_camera (e, "31011300001320000004", "cam4", FALSE);
  add_camera (e, "31011300001320000005", "cam5", FALSE);
  add_camera_full (e, "31011300001320000006", "cam6", FALSE, "admin", "camsim");
  add_camera (e, "31011300001320000007", "cam7-pcma", FALSE);
  add_camera (e, "31011300001320000008", "cam8-aac-h265", FALSE);
  gw_start (e);
}

static void
env_tear_down (Env *e, gconstpointer data)
{
  g_autoptr (GDir) d = NULL;
  const char *name;

  stop (&e->gw);
  stop (&e->sim);
  d = g_dir_open (e->dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (e->dir, name, NULL);
    g_unlink (p);
  }
  g_rmdir (e->dir);
  g_free (e->dir);
  g_free (e->db);
  g_free (e->conf);
}

static char *
url (Env *e, const char *id, const char *query)
{
  return g_strdup_printf ("rtsp://127.0.0.1:%u/cameras/%s%s%s", e->gw_port, id,
      query ? "?" : "", query ? query : "");
}

/* ---- simulator control ------------------------------------------------- */

static char *
http (guint port, const char *method, const char *path)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *req = g_strdup_printf (
      "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", method,
      path);
  GString *out = g_string_new (NULL);
  char buf[4096];
  gssize n;
  char *body;

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) port,
      NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
      req, strlen (req), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (
              g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
              sizeof buf, NULL, &error)) > 0)
    g_string_append_len (out, buf, n);
  body = strstr (out->str, "\r\n\r\n");
  body = g_strdup (body != NULL ? body + 4 : "");
  g_string_free (out, TRUE);
  return body;
}

static void
sim_fault (Env *e, const char *cam, const char *mode)
{
  g_autofree char *path = g_strdup_printf ("/cam/%s/fault?mode=%s", cam, mode);
  g_autofree char *body = http (e->sim_ctl, "POST", path);
}

/* A counter of the simulator's /stats for one camera (main profile). */
static gint64
sim_stat (Env *e, const char *cam, const char *field)
{
  g_autofree char *body = http (e->sim_ctl, "GET", "/stats");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *path = g_strdup_printf ("/cam/%s", cam);
  JsonObject *cams, *c;

  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  cams = json_object_get_object_member (
      json_node_get_object (json_parser_get_root (parser)), "cameras");
  if (!json_object_has_member (cams, path))
    return 0;
  c = json_object_get_object_member (cams, path);
  return json_object_get_int_member (c, field);
}

/* ---- a decoding client ------------------------------------------------- */

typedef struct
{
  GstElement *pipeline;
  gint frames;
  gint64 started;
  gint64 first; /* monotonic µs of the first decoded frame, atomic-ish */
  GMutex lock;
  gboolean error;
  guint width;
} Client;

static GstPadProbeReturn
on_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Client *c = user_data;

  g_mutex_lock (&c->lock);
  if (c->first == 0) {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
    int w = 0;

    c->first = g_get_monotonic_time ();
    if (caps != NULL &&
        gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &w))
      c->width = (guint) w;
  }
  c->frames++;
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

static Client *
client_start (const char *location, gboolean udp, const char *codec)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = g_strdup_printf (
      "rtspsrc location=%s protocols=%s latency=0 ! rtp%sdepay ! %sparse ! "
      "avdec_%s output-corrupt=false name=dec ! fakesink sync=false",
      location, udp ? "udp" : "tcp", codec, codec, codec);
  g_autoptr (GstElement) dec = NULL;
  g_autoptr (GstPad) pad = NULL;

  g_mutex_init (&c->lock);
  c->pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  dec = gst_bin_get_by_name (GST_BIN (c->pipeline), "dec");
  pad = gst_element_get_static_pad (dec, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, c, NULL);
  c->started = g_get_monotonic_time ();
  gst_element_set_state (c->pipeline, GST_STATE_PLAYING);
  return c;
}

static int
client_frames (Client *c)
{
  int n;

  g_mutex_lock (&c->lock);
  n = c->frames;
  g_mutex_unlock (&c->lock);
  return n;
}

/* An error on the client's bus (the camera's outage must not cause one). */
static gboolean
client_has_error (Client *c)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (c->pipeline);
  g_autoptr (GstMessage) msg =
      gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);

  if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("# client error: %s\n", error->message);
  }
  return msg != NULL;
}

static gboolean
client_wait_frames (Client *c, int n, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (client_frames (c) < n) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (20000);
  }
  return TRUE;
}

static double
client_first_ms (Client *c)
{
  double ms;

  g_mutex_lock (&c->lock);
  ms = c->first ? (c->first - c->started) / 1000.0 : -1;
  g_mutex_unlock (&c->lock);
  return ms;
}

static void
client_free (Client *c)
{
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  gst_object_unref (c->pipeline);
  g_mutex_clear (&c->lock);
  g_free (c);
}

/* ---- raw RTSP ---------------------------------------------------------- */

static GSocketConnection *
raw_connect (Env *e)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn;

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1",
      (guint16) e->gw_port, NULL, &error);

  g_assert_no_error (error);
  return conn;
}

static void
raw_send (GSocketConnection *conn, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
      text, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads one response head (until an empty line) and returns its status. */
static int
raw_status (GSocketConnection *conn, char **head_out)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GString *head = g_string_new (NULL);
  char ch;
  int status = -1;

  if (g_socket_get_timeout (g_socket_connection_get_socket (conn)) == 0)
    g_socket_set_timeout (g_socket_connection_get_socket (conn), 15);
  while (g_input_stream_read (in, &ch, 1, NULL, NULL) == 1) {
    g_string_append_c (head, ch);
    if (g_str_has_suffix (head->str, "\r\n\r\n"))
      break;
  }
  if (g_str_has_prefix (head->str, "RTSP/1.0 "))
    status = atoi (head->str + 9);
  if (head_out != NULL)
    *head_out = g_string_free (head, FALSE);
  else
    g_string_free (head, TRUE);
  return status;
}

static int
raw_request (GSocketConnection *conn, const char *method, const char *u,
    int cseq, const char *extra, char **head)
{
  g_autofree char *req =
      g_strdup_printf ("%s %s RTSP/1.0\r\nCSeq: %d\r\n%s\r\n", method, u, cseq,
          extra ? extra : "");

  raw_send (conn, req, strlen (req));
  return raw_status (conn, head);
}

/* Skips a body of Content-Length bytes after a head. */
static void
raw_skip_body (GSocketConnection *conn, const char *head)
{
  const char *cl = strstr (head, "Content-Length: ");
  gsize n = cl != NULL ? g_ascii_strtoull (cl + 16, NULL, 10) : 0;
  g_autofree char *buf = g_malloc (n + 1);

  if (n > 0)
    g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (conn)),
        buf, n, NULL, NULL, NULL);
}

/* DESCRIBE, SETUP (TCP), PLAY on a raw connection. */
static void
raw_play (GSocketConnection *conn, const char *u)
{
  g_autofree char *head = NULL, *track = g_strdup_printf ("%s/trackID=0", u);
  g_autofree char *session = NULL;
  g_autofree char *extra = NULL;
  const char *s;

  g_assert_cmpint (raw_request (conn, "DESCRIBE", u, 1,
                       "Accept: application/sdp\r\n", &head),
      ==, 200);
  raw_skip_body (conn, head);
  g_clear_pointer (&head, g_free);
  g_assert_cmpint (raw_request (conn, "SETUP", track, 2,
                       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
                       &head),
      ==, 200);
  s = strstr (head, "Session: ");
  g_assert_nonnull (s);
  session = g_strndup (s + 9, strcspn (s + 9, ";\r\n"));
  extra = g_strdup_printf ("Session: %s\r\n", session);
  g_clear_pointer (&head, g_free);
  g_assert_cmpint (raw_request (conn, "PLAY", u, 3, extra, &head), ==, 200);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_play_tcp_udp (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000001", NULL);
  Client *tcp = client_start (u, FALSE, "h264");
  Client *udp = client_start (u, TRUE, "h264");

  g_assert_true (client_wait_frames (tcp, 50, 15000));
  g_assert_true (client_wait_frames (udp, 50, 15000));
  g_assert_cmpuint (tcp->width, ==, 640);
  g_assert_false (client_has_error (tcp));
  client_free (tcp);
  client_free (udp);
  /* Both clients shared one connection to the camera. */
  g_assert_cmpint (sim_stat (e, "cam1", "connections_total"), ==, 1);
}

static void
test_ffprobe (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000002", NULL);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp",
      "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", u,
      NULL};
  g_autoptr (GSubprocess) p = NULL;
  g_autofree char *ffprobe = g_find_program_in_path ("ffprobe");

  if (ffprobe == NULL) {
    g_test_skip ("ffprobe is not installed");
    return;
  }
  p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_cmpstr (g_strstrip (out), ==, "h264,640,360");
}

/* ---- audio ------------------------------------------------------------- */

/* Runs a tool and returns its stdout; the test is skipped when the tool
 * is missing. */
static char *
run_tool (const char *const *argv, char **err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autofree char *path = g_find_program_in_path (argv[0]);
  char *out = NULL;

  if (path == NULL)
    return NULL;
  p = g_subprocess_newv (argv,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (p, NULL, NULL, &out, err, &error));
  g_assert_no_error (error);
  return out;
}

/* First PTS of each stream in `ffprobe -show_packets` compact output. */
static void
first_pts (const char *packets, double *video, double *audio, int *n_audio)
{
  g_auto (GStrv) lines = g_strsplit (packets, "\n", -1);

  *video = *audio = -1;
  *n_audio = 0;
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
    double pts;

    if (g_strv_length (f) < 2 || strcmp (f[1], "N/A") == 0)
      continue;
    pts = g_ascii_strtod (f[1], NULL);
    if (strcmp (f[0], "0") == 0 && *video < 0)
      *video = pts;
    if (strcmp (f[0], "1") == 0) {
      if (*audio < 0)
        *audio = pts;
      (*n_audio)++;
    }
  }
}

/* A G.711 camera through the gateway: ffprobe sees both tracks with the
 * camera's parameters, ffmpeg decodes the sound, and audio starts next to
 * the video (same timeline, so players keep them in step). */
static void
test_audio_pcma (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000007", NULL);
  const char *streams[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp",
      "-show_entries", "stream=codec_name,sample_rate", "-of", "csv=p=0", u,
      NULL};
  const char *packets[] = {"ffprobe", "-v", "error", "-rtsp_transport", "udp",
      "-read_intervals", "%+3", "-show_entries", "packet=stream_index,pts_time",
      "-of", "csv=p=0", u, NULL};
  g_autofree char *wav = g_build_filename (e->dir, "sound.wav", NULL);
  const char *decode[] = {"ffmpeg", "-v", "error", "-rtsp_transport", "tcp",
      "-i", u, "-map", "0:a", "-t", "3", "-ac", "1", "-ar", "8000", "-y", wav,
      NULL};
  GStatBuf st;
  g_autofree char *out = NULL, *pk = NULL, *log = NULL, *err = NULL;
  double v, a;
  int n_audio;

  out = run_tool (streams, NULL);
  if (out == NULL) {
    g_test_skip ("ffprobe is not installed");
    return;
  }
  g_assert_cmpstr (g_strstrip (out), ==, "h264\npcm_alaw,8000");

  /* Hot, over UDP: the GOP comes from the cache, the sound is live. */
  pk = run_tool (packets, NULL);
  first_pts (pk, &v, &a, &n_audio);
  g_test_message ("first video pts %.3f s, first audio pts %.3f s, %d audio "
                  "packets in 3 s",
      v, a, n_audio);
  g_assert_cmpfloat (v, >=, 0);
  g_assert_cmpfloat (a, >=, 0);
  g_assert_cmpfloat (ABS (a - v), <, 1.0);
  g_assert_cmpint (n_audio, >, 50); /* 20 ms packets */

  /* 3 s of 8 kHz mono s16 is 48000 bytes. */
  log = run_tool (decode, &err);
  g_assert_nonnull (log);
  g_assert_cmpint (g_stat (wav, &st), ==, 0);
  g_test_message ("ffmpeg decoded %ld bytes of sound", (long) st.st_size);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (st.st_size, >, 40000);
  g_unlink (wav);
}

static GstPadProbeReturn
on_audio_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

/* An H.265 camera with AAC, played by rtspsrc: both tracks decode. */
static void
test_audio_aac (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000008", NULL);
  g_autofree char *desc = g_strdup_printf (
      "rtspsrc name=s location=%s protocols=tcp latency=0 "
      "s. ! application/x-rtp,media=video ! rtph265depay ! h265parse ! "
      "avdec_h265 name=vdec ! fakesink sync=false "
      "s. ! application/x-rtp,media=audio ! rtpmp4gdepay ! aacparse ! "
      "avdec_aac name=adec ! fakesink sync=false",
      u);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) vdec = NULL, adec = NULL;
  g_autoptr (GstPad) vpad = NULL, apad = NULL;
  gint video = 0, audio = 0;
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_assert_no_error (error);
  vdec = gst_bin_get_by_name (GST_BIN (pipeline), "vdec");
  adec = gst_bin_get_by_name (GST_BIN (pipeline), "adec");
  vpad = gst_element_get_static_pad (vdec, "src");
  apad = gst_element_get_static_pad (adec, "src");
  gst_pad_add_probe (vpad, GST_PAD_PROBE_TYPE_BUFFER, on_audio_buffer, &video,
      NULL);
  gst_pad_add_probe (apad, GST_PAD_PROBE_TYPE_BUFFER, on_audio_buffer, &audio,
      NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((g_atomic_int_get (&video) < 50 || g_atomic_int_get (&audio) < 50) &&
      g_get_monotonic_time () < end)
    g_usleep (50000);
  g_test_message ("decoded %d video frames and %d AAC frames",
      g_atomic_int_get (&video), g_atomic_int_get (&audio));
  {
    g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
    g_autoptr (GstMessage) msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (msg != NULL) {
      gst_message_parse_error (msg, &error, NULL);
      g_error ("client error: %s", error->message);
    }
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_cmpint (g_atomic_int_get (&video), >=, 50);
  /* 16 kHz AAC: 1024 samples, 64 ms per frame. */
  g_assert_cmpint (g_atomic_int_get (&audio), >=, 50);
}

/* [relay] audio=false: cameras are relayed video only. */
static void
test_audio_off (Env *e, gconstpointer data)
{
  g_autofree char *u = NULL;
  g_autofree char *conf = NULL, *more = NULL, *out = NULL;
  const char *relay;
  const char *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp",
      "-show_entries", "stream=codec_name", "-of", "csv=p=0", NULL, NULL};

  stop (&e->gw);
  g_assert_true (g_file_get_contents (e->conf, &conf, NULL, NULL));
  relay = strstr (conf, "[relay]\n");
  g_assert_nonnull (relay);
  more = g_strdup_printf ("%.*s[relay]\naudio=false\n%s", (int) (relay - conf),
      conf, relay + strlen ("[relay]\n"));
  g_assert_true (g_file_set_contents (e->conf, more, -1, NULL));
  gw_start (e);
  u = url (e, "31011300001320000007", NULL);
  argv[9] = u;
  out = run_tool (argv, NULL);
  if (out == NULL) {
    g_test_skip ("ffprobe is not installed");
    return;
  }
  g_assert_cmpstr (g_strstrip (out), ==, "h264");
}

static void
test_h265 (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000003", NULL);
  Client *c = client_start (u, FALSE, "h265");

  g_assert_true (client_wait_frames (c, 25, 15000));
  client_free (c);
}

static void
test_sub_profile (Env *e, gconstpointer data)
{
  g_autofree char *sub = url (e, "31011300001320000001", "profile=sub");
  g_autofree char *fallback = url (e, "31011300001320000002", "profile=sub");
  Client *a = client_start (sub, FALSE, "h264");
  Client *b = client_start (fallback, FALSE, "h264");

  g_assert_true (client_wait_frames (a, 10, 15000));
  g_assert_true (client_wait_frames (b, 10, 15000));
  /* cam2 has no sub stream: its main stream is served. */
  g_assert_cmpuint (b->width, ==, 640);
  client_free (a);
  client_free (b);
}

static void
test_many_viewers_one_upstream (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000004", NULL);
  GSocketConnection *conns[50];

  for (guint i = 0; i < G_N_ELEMENTS (conns); i++) {
    conns[i] = raw_connect (e);
    raw_play (conns[i], u);
  }
  /* Every viewer receives interleaved RTP. */
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++) {
    guint8 hdr[4];
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conns[i]));

    g_assert_true (g_input_stream_read_all (in, hdr, 4, NULL, NULL, NULL));
    g_assert_cmpint (hdr[0], ==, '$');
  }
  g_assert_cmpint (sim_stat (e, "cam4", "connections_total"), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++)
    g_object_unref (conns[i]);
}

static void
test_instant_open (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000005", NULL);
  Client *first = client_start (u, FALSE, "h264");
  Client *second;
  double ms;

  g_assert_true (client_wait_frames (first, 5, 15000));
  /* The simulator's GOP is 4 s: without a cache a second viewer waits up
   * to 4 s for a keyframe. */
  second = client_start (u, FALSE, "h264");
  g_assert_true (client_wait_frames (second, 1, 15000));
  ms = client_first_ms (second);
  g_test_message ("second viewer's first decoded frame after %.0f ms", ms);
  g_assert_cmpfloat (ms, <, 1000);
  client_free (second);
  client_free (first);
}

/* A camera that honours RTCP keyframe requests (PLI/FIR) starts with a
 * keyframe at once: a cold first viewer does not wait for the next one
 * of the 4 s GOP.  (The native ingest asks when the stream starts
 * mid-GOP; cameras that do not honour it ignore it, as every other test
 * here shows.) */
static void
test_keyframe_request (Env *e, gconstpointer data)
{
  const char *cams[] = {"cam2", "cam4", "cam5"};
  const char *ids[] = {"31011300001320000002", "31011300001320000004",
      "31011300001320000005"};
  guint port = e->sim_port;
  int requests = 0;

  stop (&e->sim);
  sim_start (e, port, "--keyframe-on-request");
  g_assert_cmpuint (e->sim_port, ==, port);
  for (guint i = 0; i < G_N_ELEMENTS (cams); i++) {
    g_autofree char *u = url (e, ids[i], NULL);
    Client *c = client_start (u, FALSE, "h264");
    double ms;

    g_assert_true (client_wait_frames (c, 1, 15000));
    ms = client_first_ms (c);
    g_test_message ("%s: first decoded frame after %.0f ms", cams[i], ms);
    /* Without the request: 0–4 s, 2 s on average. */
    g_assert_cmpfloat (ms, <, 1000);
    client_free (c);
    requests += sim_stat (e, cams[i], "keyframe_requests");
  }
  /* Each camera was asked (unless its stream happened to start on a
   * keyframe: then there is nothing to ask). */
  g_assert_cmpint (requests, >=, 2);
}

static void
test_linger (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000002", NULL);
  Client *c = client_start (u, FALSE, "h264");

  g_assert_true (client_wait_frames (c, 5, 15000));
  client_free (c);
  g_usleep (1000 * 1000);
  /* Still connected within the 2 s linger… */
  g_assert_cmpint (sim_stat (e, "cam2", "connections_active"), ==, 1);
  /* …a viewer coming back now gets it at once… */
  c = client_start (u, FALSE, "h264");
  g_assert_true (client_wait_frames (c, 1, 2000));
  client_free (c);
  g_assert_cmpint (sim_stat (e, "cam2", "connections_total"), ==, 1);
  /* …and after the linger the upstream is closed. */
  g_usleep (3500 * 1000);
  g_assert_cmpint (sim_stat (e, "cam2", "connections_active"), ==, 0);
}

static void
test_not_found (Env *e, gconstpointer data)
{
  g_autoptr (GSocketConnection) conn = raw_connect (e);
  g_autofree char *unknown = url (e, "31011300001329999999", NULL);
  g_autofree char *traversal = g_strdup_printf (
      "rtsp://127.0.0.1:%u/cameras/../../etc/passwd", e->gw_port);
  g_autofree char *other =
      g_strdup_printf ("rtsp://127.0.0.1:%u/cam/cam1", e->gw_port);

  g_assert_cmpint (raw_request (conn, "DESCRIBE", unknown, 1, NULL, NULL), ==,
      404);
  g_assert_cmpint (raw_request (conn, "DESCRIBE", traversal, 2, NULL, NULL), ==,
      404);
  g_assert_cmpint (raw_request (conn, "DESCRIBE", other, 3, NULL, NULL), ==,
      404);
  g_assert_cmpint (raw_request (conn, "OPTIONS", "*", 4, NULL, NULL), ==, 200);
}

static void
test_bad_requests (Env *e, gconstpointer data)
{
  static const struct
  {
    const char *text;
    int status;
  } cases[] = {
      {"GARBAGE\r\n\r\n", 400},
      {"DESCRIBE rtsp://x/cameras/1 HTTP/1.1\r\nCSeq: 1\r\n\r\n", 505},
      {"FROB rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 1\r\n\r\n", 501},
      {"OPTIONS * RTSP/1.0\r\n\r\n", 400},
      {"PLAY rtsp://127.0.0.1/cameras/31011300001320000001 RTSP/1.0\r\nCSeq: "
       "1\r\n\r\n",
          454},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n",
          413},
      {"ANNOUNCE rtsp://127.0.0.1/cameras/31011300001320000001 RTSP/1.0\r\n"
       "CSeq: 1\r\n\r\n",
          405},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GSocketConnection) conn = raw_connect (e);

    raw_send (conn, cases[i].text, strlen (cases[i].text));
    g_assert_cmpint (raw_status (conn, NULL), ==, cases[i].status);
  }
  {
    /* An absurd header block. */
    g_autoptr (GSocketConnection) conn = raw_connect (e);
    GString *big = g_string_new ("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n");
    int status;

    for (int i = 0; i < 2000; i++)
      g_string_append_printf (big, "X-Junk-%d: %0100d\r\n", i, i);
    g_string_append (big, "\r\n");
    raw_send (conn, big->str, big->len);
    g_string_free (big, TRUE);
    status = raw_status (conn, NULL);
    g_assert_true (status == 431 || status == 413 || status == 400);
  }
  /* The gateway is still fine. */
  {
    g_autoptr (GSocketConnection) conn = raw_connect (e);

    g_assert_cmpint (raw_request (conn, "OPTIONS", "*", 1, NULL, NULL), ==,
        200);
  }
}

static void
test_camera_restart (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000001", NULL);
  Client *c = client_start (u, FALSE, "h264");
  guint port = e->sim_port;
  g_autofree char *port_s = NULL;
  int before;

  g_assert_true (client_wait_frames (c, 10, 15000));
  /* The camera goes away… */
  stop (&e->sim);
  g_usleep (3 * G_USEC_PER_SEC);
  before = client_frames (c);
  /* …and comes back on the same address. */
  port_s = g_strdup_printf ("%u", port);
  sim_start (e, port, "--start-anywhere");
  g_assert_cmpuint (e->sim_port, ==, port);
  g_assert_true (client_wait_frames (c, before + 25, 20000));
  g_assert_false (client_has_error (c));
  client_free (c);
}

static void
test_fail_at_start (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000002", NULL);
  guint port = e->sim_port;
  Client *c;

  stop (&e->sim);
  c = client_start (u, FALSE, "h264");
  g_usleep (2 * G_USEC_PER_SEC);
  sim_start (e, port, "--start-anywhere");
  g_assert_true (client_wait_frames (c, 10, 25000));
  client_free (c);
}

/* Reads interleaved data until the first video (channel 0) RTP packet;
 * returns the type of the NAL it starts (the first NAL of a STAP-A, the
 * fragmented NAL of an FU-A). */
static guint
raw_first_video_nal (GSocketConnection *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  guint8 hdr[4], packet[65536];

  for (;;) {
    gsize len;
    guint nal;

    g_assert_true (g_input_stream_read_all (in, hdr, 4, NULL, NULL, NULL));
    g_assert_cmpint (hdr[0], ==, '$');
    len = (gsize) hdr[2] << 8 | hdr[3];
    g_assert_true (g_input_stream_read_all (in, packet, len, NULL, NULL, NULL));
    if (hdr[1] != 0)
      continue;
    g_assert_cmpuint (len, >, 13);
    nal = packet[12] & 0x1f;
    if (nal == 24)
      nal = packet[15] & 0x1f;
    else if (nal == 28)
      nal = packet[13] & 0x1f;
    return nal;
  }
}

/* A cold camera whose SDP carries its parameter sets is described to the
 * viewer from that SDP: DESCRIBE, SETUP and PLAY are answered while the
 * camera's first keyframe is still seconds away, and that keyframe is the
 * viewer's first video.  (The simulator's cameras send their keyframes at
 * fixed times, every GOP_SECONDS: the first play finds them.) */
static void
test_early_describe (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000002", NULL);
  GSocketConnection *conn = raw_connect (e);
  gint64 keyframe, now, next, t0, t1, t2;
  const gint64 gop = GOP_SECONDS * G_USEC_PER_SEC;
  guint nal;

  raw_play (conn, u);
  nal = raw_first_video_nal (conn);
  keyframe = g_get_monotonic_time ();
  g_assert_true (nal == 7 || nal == 8 || nal == 5);
  g_object_unref (conn);
  /* linger=2: the camera is cold again. */
  while (sim_stat (e, "cam2", "connections_active") > 0)
    g_usleep (100000);
  /* Open at least 1.5 s before one of the camera's keyframes. */
  now = g_get_monotonic_time ();
  next = keyframe + ((now - keyframe) / gop + 1) * gop;
  if (next - now < 3 * G_USEC_PER_SEC / 2) {
    g_usleep ((gulong) (next - now) + 100000);
    next += gop;
  }
  conn = raw_connect (e);
  t0 = g_get_monotonic_time ();
  raw_play (conn, u);
  t1 = g_get_monotonic_time ();
  nal = raw_first_video_nal (conn);
  t2 = g_get_monotonic_time ();
  g_test_message ("keyframe due in %.2f s: DESCRIBE..PLAY %.3f s, first video "
                  "after %.2f s (NAL %u)",
      (next - t0) / 1e6, (t1 - t0) / 1e6, (t2 - t0) / 1e6, nal);
  g_assert_cmpint (t1 - t0, <, G_USEC_PER_SEC / 2);
  g_assert_cmpint (t2 - t0, >, G_USEC_PER_SEC);
  g_assert_true (nal == 7 || nal == 8 || nal == 5);
  g_object_unref (conn);
}

/* A camera that never answers: DESCRIBE gets a clear 504 once the start
 * timeout (15 s here) has passed, not a hang. */
static void
test_start_timeout (Env *e, gconstpointer data)
{
  g_autoptr (GSocketConnection) conn = NULL;
  g_autofree char *head = NULL;
  g_autofree char *u = NULL;
  gint64 t0;
  double s;

  stop (&e->sim);
  u = url (e, "31011300001320000002", NULL);
  conn = raw_connect (e);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 30);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (raw_request (conn, "DESCRIBE", u, 1, NULL, &head), ==, 504);
  s = (g_get_monotonic_time () - t0) / 1e6;
  g_test_message ("504 after %.1f s", s);
  g_assert_cmpfloat (s, >=, 14);
  g_assert_cmpfloat (s, <, 20);
}

static void
test_stall (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000004", NULL);
  Client *c = client_start (u, FALSE, "h264");
  int before;

  g_assert_true (client_wait_frames (c, 10, 15000));
  g_assert_cmpint (sim_stat (e, "cam4", "connections_total"), ==, 1);
  /* Keep-alives answered, no media: the gateway must notice by itself. */
  sim_fault (e, "cam4", "stall");
  g_usleep (4 * G_USEC_PER_SEC);
  g_assert_cmpint (sim_stat (e, "cam4", "connections_total"), >=, 2);
  sim_fault (e, "cam4", "none");
  before = client_frames (c);
  g_assert_true (client_wait_frames (c, before + 25, 20000));
  client_free (c);
}

/* Reads interleaved RTP from a raw connection on its own thread, counting
 * frames (marker bits) and sequence gaps: what a viewer really received,
 * independent of how fast a decoder could run. */
typedef struct
{
  GSocketConnection *conn;
  GThread *thread;
  gint stop;
  gint frames;
  gint gaps;
  gint packets;
} Reader;

static gpointer
reader_run (gpointer data)
{
  Reader *r = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (r->conn));
  gboolean have_seq = FALSE;
  guint16 last = 0;

  g_socket_set_timeout (g_socket_connection_get_socket (r->conn), 1);
  while (!g_atomic_int_get (&r->stop)) {
    guint8 hdr[4], pkt[65536];
    gsize len;

    if (!g_input_stream_read_all (in, hdr, 4, NULL, NULL, NULL))
      continue;
    if (hdr[0] != '$')
      break; /* a response: not expected while playing */
    len = (gsize) hdr[2] << 8 | hdr[3];
    if (!g_input_stream_read_all (in, pkt, len, NULL, NULL, NULL))
      break;
    if (hdr[1] != 0 || len < 12)
      continue;
    {
      guint16 seq = (guint16) (pkt[2] << 8 | pkt[3]);

      if (have_seq && seq != (guint16) (last + 1))
        g_atomic_int_inc (&r->gaps);
      have_seq = TRUE;
      last = seq;
    }
    g_atomic_int_inc (&r->packets);
    if (pkt[1] & 0x80)
      g_atomic_int_inc (&r->frames);
  }
  return NULL;
}

static Reader *
reader_start (Env *e, const char *u)
{
  Reader *r = g_new0 (Reader, 1);

  r->conn = raw_connect (e);
  raw_play (r->conn, u);
  r->thread = g_thread_new ("reader", reader_run, r);
  return r;
}

static void
reader_free (Reader *r)
{
  g_atomic_int_set (&r->stop, 1);
  g_thread_join (r->thread);
  g_object_unref (r->conn);
  g_free (r);
}

static void
test_slow_viewer (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000001", "profile=sub");
  g_autoptr (GSocketConnection) slow = raw_connect (e);
  Reader *good;
  int f0, f1, gaps;
  gint64 t0, t1;

  /* This viewer never reads its socket. */
  raw_play (slow, u);
  good = reader_start (e, u);
  g_usleep (3 * G_USEC_PER_SEC);
  f0 = g_atomic_int_get (&good->frames);
  gaps = g_atomic_int_get (&good->gaps);
  t0 = g_get_monotonic_time ();
  g_usleep (8 * G_USEC_PER_SEC);
  f1 = g_atomic_int_get (&good->frames);
  t1 = g_get_monotonic_time ();
  g_test_message ("good viewer: %d frames in %.1f s, %d sequence gaps", f1 - f0,
      (t1 - t0) / 1e6, g_atomic_int_get (&good->gaps) - gaps);
  /* Every packet arrived, at the camera's 25 frames per second. */
  g_assert_cmpint (g_atomic_int_get (&good->gaps), ==, gaps);
  g_assert_cmpint (f1 - f0, >=, (int) ((t1 - t0) / 1e6 * 25 * 0.85));
  reader_free (good);
}

/* A resolution change at the camera (new SPS) reaches the viewer. */
static void
test_resize (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000002", NULL);
  Client *c = client_start (u, FALSE, "h264");
  g_autoptr (GstElement) dec = NULL;
  g_autoptr (GstPad) pad = NULL;
  gint64 end;
  int w = 0;

  g_assert_true (client_wait_frames (c, 10, 15000));
  sim_fault (e, "cam2", "resize");
  dec = gst_bin_get_by_name (GST_BIN (c->pipeline), "dec");
  pad = gst_element_get_static_pad (dec, "src");
  end = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

    if (caps != NULL &&
        gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &w) &&
        w != 640)
      break;
    g_usleep (100000);
  }
  g_test_message ("width after the resize: %d", w);
  g_assert_cmpint (w, !=, 640);
  g_assert_cmpint (w, >, 0);
  g_assert_false (client_has_error (c));
  client_free (c);
}

/* A UDP viewer that vanishes without TEARDOWN (its control connection
 * stays open, nothing else arrives) is reaped after the session timeout,
 * and cannot pin the camera connection. */
static void
test_vanished_udp_viewer_reaped (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000004", NULL);
  g_autofree char *track = g_strdup_printf ("%s/trackID=0", u);
  g_autoptr (GSocketConnection) conn = raw_connect (e);
  g_autofree char *head = NULL;
  g_autofree char *session = NULL;
  g_autofree char *extra = NULL;
  const char *s;

  g_assert_cmpint (raw_request (conn, "DESCRIBE", u, 1, NULL, &head), ==, 200);
  raw_skip_body (conn, head);
  g_clear_pointer (&head, g_free);
  /* Ports nobody listens on. */
  g_assert_cmpint (raw_request (conn, "SETUP", track, 2,
                       "Transport: RTP/AVP;unicast;client_port=9-10\r\n",
                       &head),
      ==, 200);
  s = strstr (head, "Session: ");
  session = g_strndup (s + 9, strcspn (s + 9, ";\r\n"));
  extra = g_strdup_printf ("Session: %s\r\n", session);
  g_clear_pointer (&head, g_free);
  g_assert_cmpint (raw_request (conn, "PLAY", u, 3, extra, NULL), ==, 200);
  g_assert_cmpint (sim_stat (e, "cam4", "connections_active"), ==, 1);
  /* session_timeout=10 s, linger=2 s. */
  g_usleep (14 * G_USEC_PER_SEC);
  g_assert_cmpint (sim_stat (e, "cam4", "connections_active"), ==, 0);
}

/* A viewer that stops reading is cut off after viewer_drop_after (4 s)
 * of skipping; the gateway resets its connection. */
static void
test_slow_viewer_dropped (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000001", NULL);
  g_autoptr (GSocketConnection) slow = raw_connect (e);
  GSocket *sock = g_socket_connection_get_socket (slow);
  int rcvbuf = 4096;
  gint64 end;
  gboolean closed = FALSE;

  setsockopt (g_socket_get_fd (sock), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
      sizeof rcvbuf);
  raw_play (slow, u);
  g_usleep (12 * G_USEC_PER_SEC);
  /* Now drain: the stream must end (EOF) rather than go on forever. */
  g_socket_set_timeout (sock, 2);
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    char buf[65536];
    g_autoptr (GError) error = NULL;
    gssize n = g_socket_receive (sock, buf, sizeof buf, NULL, &error);

    /* The gateway resets the connection of a viewer it drops (a FIN would
     * queue behind the unsent video). */
    if (n <= 0) {
      if (error != NULL)
        g_test_message ("receive: %s", error->message);
      closed = n == 0 ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
      break;
    }
  }
  g_assert_true (closed);
}

/* A camera that demands Digest authentication is played with the
 * registry's credentials, which never reach the viewer. */
static void
test_digest_auth (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000006", NULL);
  Client *c;

  sim_fault (e, "cam6", "auth");
  c = client_start (u, FALSE, "h264");
  g_assert_true (client_wait_frames (c, 10, 15000));
  g_assert_false (client_has_error (c));
  client_free (c);
  /* The camera did demand credentials: our first request was challenged. */
  g_assert_cmpint (sim_stat (e, "cam6", "auth_failures"), >=, 1);
}

static void
test_five_cold_at_once (Env *e, gconstpointer data)
{
  g_autofree char *u = url (e, "31011300001320000005", NULL);
  Client *c[5];

  for (guint i = 0; i < 5; i++)
    c[i] = client_start (u, i % 2 == 1, "h264");
  for (guint i = 0; i < 5; i++)
    g_assert_true (client_wait_frames (c[i], 10, 15000));
  g_assert_cmpint (sim_stat (e, "cam5", "connections_total"), ==, 1);
  for (guint i = 0; i < 5; i++)
    client_free (c[i]);
}

/* Configuration mistakes are refused with the file, group, key and
 * problem named, and exit status 2. */
static void
test_config_errors (void)
{
  static const struct
  {
    const char *text;
    const char *message;
  } cases[] = {
      {"[relay]\nlingr=3\n", "[relay] lingr: unknown key"},
      {"[relay]\nlinger=ten\n", "[relay] linger: “ten” is not a number"},
      {"[rtsp]\nport=70000\n", "[rtsp] port: 70000 is outside"},
      {"[mosaic]\nx=1\n", "unknown group [mosaic]"},
      {"[admission]\nsource.police=2\n",
          "[admission] source.police: “police” is not a source"},
      {"[admission]\nsource.公安=two\n",
          "[admission] source.公安: “two” is not a whole number"},
      {"[admission]\nmax_pull=2\n", "[admission] max_pull: unknown key"},
      {"not a key file", "cityeye.conf"},
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cityeye-conf-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "cityeye.conf", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *argv[] = {env_bin ("CITYEYED_BIN"), "--config", path, NULL};
    g_autoptr (GSubprocess) p = NULL;
    g_autofree char *err = NULL;

    g_assert_true (g_file_set_contents (path, cases[i].text, -1, NULL));
    p = g_subprocess_newv (argv,
        G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
        &error);
    g_assert_no_error (error);
    g_assert_true (
        g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 2);
    if (strstr (err, cases[i].message) == NULL)
      g_error ("expected “%s” in “%s”", cases[i].message, err);
  }
  /* The shipped file, every key uncommented at its documented default,
   * is accepted: the documentation and the parser agree. */
  {
    g_autofree char *shipped = g_build_filename (g_getenv ("CE_SOURCE_ROOT"),
        "config", "cityeye.conf", NULL);
    g_autofree char *text = NULL;
    g_autoptr (GString) all = g_string_new (NULL);
    g_auto (GStrv) lines = NULL;
    g_autofree char *missing = g_build_filename (dir, "none.db", NULL);
    const char *argv[] = {env_bin ("CITYEYED_BIN"), "--config", path, "--db",
        missing, NULL};
    g_autoptr (GSubprocess) p = NULL;
    g_autofree char *err = NULL;

    g_assert_true (g_file_get_contents (shipped, &text, NULL, NULL));
    lines = g_strsplit (text, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
      const char *l = lines[i];

      if (l[0] == '#' && g_ascii_isalpha (l[1]) && strchr (l, '=') != NULL &&
          strchr (l, ' ') == NULL)
        l++;
      g_string_append_printf (all, "%s\n", l);
    }
    g_assert_true (g_file_set_contents (path, all->str, -1, NULL));
    p = g_subprocess_newv (argv,
        G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
        &error);
    g_assert_no_error (error);
    g_assert_true (
        g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error));
    /* Runtime error (no registry there), not a configuration error. */
    g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 1);
    if (strstr (err, "No registry") == NULL)
      g_error ("unexpected: %s", err);
  }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  /* No desktop proxy settings in a test. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* With CE_TEST_INGEST=rtspsrc the fallback ingest runs the core cases
   * only (a TAP plan of its own: GLib's -p would print several). */
  if (g_strcmp0 (g_getenv ("CE_TEST_INGEST"), "rtspsrc") == 0) {
#define ADD(path, fn) \
  g_test_add (path, Env, NULL, env_set_up, fn, env_tear_down)
    ADD ("/relay/play/tcp-udp", test_play_tcp_udp);
    ADD ("/relay/play/h265", test_h265);
    ADD ("/relay/instant-open", test_instant_open);
    ADD ("/relay/faults/camera-restart", test_camera_restart);
    ADD ("/relay/faults/stall", test_stall);
    ADD ("/relay/digest-auth", test_digest_auth);
#undef ADD
    return g_test_run ();
  }
  g_test_add_func ("/relay/config-errors", test_config_errors);
#define ADD(path, fn) \
  g_test_add (path, Env, NULL, env_set_up, fn, env_tear_down)
  ADD ("/relay/play/tcp-udp", test_play_tcp_udp);
  ADD ("/relay/play/ffprobe", test_ffprobe);
  ADD ("/relay/play/h265", test_h265);
  ADD ("/relay/play/sub-profile", test_sub_profile);
  ADD ("/relay/one-upstream/50-viewers", test_many_viewers_one_upstream);
  ADD ("/relay/one-upstream/five-cold-at-once", test_five_cold_at_once);
  ADD ("/relay/instant-open", test_instant_open);
  ADD ("/relay/keyframe-request", test_keyframe_request);
  ADD ("/relay/linger", test_linger);
  ADD ("/relay/not-found", test_not_found);
  ADD ("/relay/bad-requests", test_bad_requests);
  ADD ("/relay/faults/camera-restart", test_camera_restart);
  ADD ("/relay/faults/fail-at-start", test_fail_at_start);
  ADD ("/relay/faults/stall", test_stall);
  ADD ("/relay/faults/start-timeout", test_start_timeout);
  ADD ("/relay/early-describe", test_early_describe);
  ADD ("/relay/slow-viewer", test_slow_viewer);
  ADD ("/relay/slow-viewer-dropped", test_slow_viewer_dropped);
  ADD ("/relay/faults/resize", test_resize);
  ADD ("/relay/digest-auth", test_digest_auth);
  ADD ("/relay/vanished-udp-viewer-reaped", test_vanished_udp_viewer_reaped);
  ADD ("/relay/audio/pcma", test_audio_pcma);
  ADD ("/relay/audio/aac-h265", test_audio_aac);
  ADD ("/relay/audio/off", test_audio_off);
#undef ADD
  return g_test_run ();
}
