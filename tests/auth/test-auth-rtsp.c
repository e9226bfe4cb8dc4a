/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTSP access control end to end: cityeyed and the camera simulator as
 * subprocesses, accounts and tokens made with the `cityeye` CLI, real
 * clients (rtspsrc with Digest, ffprobe, raw requests with ?token= and
 * Basic), then the audit rows of those plays and a search of the
 * gateway's whole log for the tokens and the camera password.
 */
#include "ce-auth.h"
#include "camsim-fixture.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define CAM_SOCIAL "31011300001320000001"
#define CAM_POLICE "31011300001320000002"
#define CAM_LOCKED "31011300001320000003" /* camera needs credentials */
#define CAM_MISSING "31011300001320009999"
#define CAMERA_PASSWORD "Cam-Pw-7f3e91c2"

typedef struct
{
  char *dir;
  char *db;
  char *conf;
  char *log;
  CamsimProcess *sim;
  GSubprocess *gw;
  guint port;
  char *alice;        /* operator: 雪亮, 社会面 */
  char *root;         /* admin */
  GPtrArray *secrets; /* every token handed out: none may be logged */
} Env;

static Env env;

static const char *
bin (const char *name)
{
  const char *b = g_getenv (name);

  g_assert_nonnull (b);
  return b;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Runs the CLI; returns its stdout (status must be 0). */
static char *
cli (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, (gpointer) bin ("CITYEYE_BIN"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, env.db);
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_newv ((const char *const *) argv->pdata,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (p) != 0)
    g_error ("cityeye %s: %s", args[0], err);
  return out;
}

static char *
new_token (const char *user)
{
  const char *args[] = {"token", "create", "--user", user, NULL};
  char *t = g_strstrip (cli (args));

  g_assert_true (g_str_has_prefix (t, "cet_"));
  g_ptr_array_add (env.secrets, g_strdup (t));
  return t;
}

static void
add_camera (const char *id, const char *cam, CeSource source, const char *user,
    const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = ce_registry_open (env.db, 0, &error);
  g_autoptr (CeCamera) c = ce_camera_new ();

  g_assert_no_error (error);
  c->id = g_strdup (id);
  c->name = g_strdup_printf ("测试 %s", cam);
  c->source = source;
  c->lon = 121.40;
  c->lat = 31.35;
  c->rtsp_url = camsim_url (env.sim, cam, NULL);
  c->username = g_strdup (user);
  c->password = g_strdup (password);
  g_assert_true (ce_registry_add_camera (r, c, &error));
  g_assert_no_error (error);
}

static GSubprocess *
gateway_start (const char *conf, const char *log, guint *port)
{
  /* Both streams to the log (GLib writes debug and info to stdout); the
   * bound port is read back from it. */
  g_autoptr (GSubprocessLauncher) l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  const char *argv[] = {bin ("CITYEYED_BIN"), "--config", conf, NULL};
  GSubprocess *gw;

  /* Every log line there is: the search for secrets must see them. */
  g_subprocess_launcher_setenv (l, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (l, "GST_DEBUG", "cityeye*:9", TRUE);
  g_subprocess_launcher_setenv (l, "GST_DEBUG_NO_COLOR", "1", TRUE);
  g_subprocess_launcher_set_stdout_file_path (l, log);
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  gw = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 300; i++) {
    g_autofree char *text = NULL;
    const char *p;

    if (g_file_get_contents (log, &text, NULL, NULL) &&
        (p = strstr (text, "cityeyed: rtsp=")) != NULL &&
        strchr (p, '\n') != NULL) {
      p = strchr (p + strlen ("cityeyed: rtsp="), ':');
      *port = (guint) g_ascii_strtoull (p + 1, NULL, 10);
      return gw;
    }
    if (g_subprocess_get_identifier (gw) == NULL)
      break;
    g_usleep (100 * 1000);
  }
  g_error ("cityeyed did not start; see %s", log);
}

/* Stops the gateway; it must exit cleanly (under the sanitizers: no
 * leak, no error). */
static void
gateway_stop (GSubprocess **gw)
{
  if (*gw == NULL)
    return;
  g_subprocess_send_signal (*gw, SIGTERM);
  g_subprocess_wait (*gw, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (*gw));
  g_assert_cmpint (g_subprocess_get_exit_status (*gw), ==, 0);
  g_clear_object (gw);
}

/* One request on a new connection; returns the status, the head in
 * *head (nullable). */
static guint
rtsp (guint port, const char *method, const char *url, const char *extra,
    char **head)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) in = g_string_new (NULL);
  g_autofree char *req = NULL;
  GInputStream *is;
  guint status = 0;

  g_socket_client_set_timeout (client, 30);
  conn =
      g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  req = g_strdup_printf ("%s %s RTSP/1.0\r\nCSeq: 1\r\n%s\r\n", method, url,
      extra != NULL ? extra : "");
  g_assert_true (g_output_stream_write_all (
      g_io_stream_get_output_stream (G_IO_STREAM (conn)), req, strlen (req),
      NULL, NULL, &error));
  is = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  while (strstr (in->str, "\r\n\r\n") == NULL) {
    char buf[1024];
    gssize n = g_input_stream_read (is, buf, sizeof buf, NULL, &error);

    g_assert_no_error (error);
    if (n <= 0)
      break;
    g_string_append_len (in, buf, n);
  }
  if (g_str_has_prefix (in->str, "RTSP/1.0 "))
    status = (guint) g_ascii_strtoull (in->str + 9, NULL, 10);
  if (head != NULL)
    *head = g_strdup (in->str);
  return status;
}

static char *
url (guint port, const char *id, const char *token)
{
  return token != NULL
      ? g_strdup_printf ("rtsp://127.0.0.1:%u/cameras/%s?token=%s", port, id,
            token)
      : g_strdup_printf ("rtsp://127.0.0.1:%u/cameras/%s", port, id);
}

static GPtrArray *
audit_rows (const char *user, const char *camera)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = ce_registry_open (env.db, 0, &error);
  CeAuditQuery q;
  GPtrArray *rows;

  g_assert_no_error (error);
  ce_audit_query_init (&q);
  q.user = user;
  q.camera_id = camera;
  rows = ce_registry_audit_query (r, &q, &error);
  g_assert_no_error (error);
  return rows;
}

static const CeAuditRow *
find_row (GPtrArray *rows, const char *action)
{
  for (guint i = 0; i < rows->len; i++)
    if (strcmp (((CeAuditRow *) rows->pdata[i])->action, action) == 0)
      return rows->pdata[i];
  return NULL;
}

/* ---- tests ------------------------------------------------------------ */

/* Without credentials: 401 with both challenges, whether the camera
 * exists or not (no probing the inventory). */
static void
test_no_credentials (void)
{
  g_autofree char *head = NULL;
  g_autofree char *head2 = NULL;
  g_autofree char *u = url (env.port, CAM_SOCIAL, NULL);
  g_autofree char *missing = url (env.port, CAM_MISSING, NULL);

  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", u, NULL, &head), ==, 401);
  g_assert_nonnull (
      strstr (head, "WWW-Authenticate: Digest realm=\"cityeye\""));
  g_assert_nonnull (strstr (head, "WWW-Authenticate: Basic realm=\"cityeye\""));
  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", missing, NULL, &head2), ==,
      401);
  g_assert_cmpuint (rtsp (env.port, "SETUP", u,
                        "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
                        NULL),
      ==, 401);
  g_assert_cmpuint (rtsp (env.port, "OPTIONS", u, NULL, NULL), ==, 200);
}

static void
test_token_in_url (void)
{
  g_autofree char *head = NULL;
  g_autofree char *u = url (env.port, CAM_SOCIAL, env.alice);
  g_autofree char *missing = url (env.port, CAM_MISSING, env.alice);
  g_autofree char *wrong_token = g_strdup (env.alice);
  g_autofree char *wrong = NULL;
  g_autofree char *revoked = new_token ("alice");
  g_autofree char *rv = url (env.port, CAM_SOCIAL, revoked);
  g_autofree char *list = NULL;
  g_autofree char *id = NULL;

  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", u, NULL, &head), ==, 200);
  g_assert_nonnull (strstr (head, "application/sdp"));
  /* The Content-Base does not carry the token. */
  g_assert_null (strstr (head, "token="));
  /* Authenticated: an unknown camera is 404. */
  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", missing, NULL, NULL), ==, 404);
  wrong_token[8] = wrong_token[8] == 'x' ? 'y' : 'x';
  wrong = url (env.port, CAM_SOCIAL, wrong_token);
  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", wrong, NULL, NULL), ==, 401);
  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", rv, NULL, NULL), ==, 200);
  {
    const char *args[] = {"token", "list", "--user", "alice", "--csv", NULL};
    g_auto (GStrv) lines = NULL;

    list = cli (args);
    lines = g_strsplit (list, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), >=, 3);
    /* The newest is last. */
    for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++) {
      g_free (id);
      id = g_strndup (lines[i], strcspn (lines[i], ","));
    }
  }
  {
    const char *args[] = {"token", "revoke", id, NULL};
    g_autofree char *out = cli (args);
  }
  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", rv, NULL, NULL), ==, 401);
  /* The token list never shows a token. */
  g_assert_null (strstr (list, "cet_"));
}

static void
test_basic (void)
{
  g_autofree char *u = url (env.port, CAM_SOCIAL, NULL);
  g_autofree char *up = g_strdup_printf ("alice:%s", env.alice);
  g_autofree char *b64 = g_base64_encode ((const guchar *) up, strlen (up));
  g_autofree char *h = g_strdup_printf ("Authorization: Basic %s\r\n", b64);
  g_autofree char *up2 = g_strdup_printf ("root:%s", env.alice);
  g_autofree char *b642 = g_base64_encode ((const guchar *) up2, strlen (up2));
  g_autofree char *h2 = g_strdup_printf ("Authorization: Basic %s\r\n", b642);

  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", u, h, NULL), ==, 200);
  /* The user name must be the token's. */
  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", u, h2, NULL), ==, 401);
}

/* An operator without 公安 rights: 403 on a 公安 camera, audited. */
static void
test_forbidden (void)
{
  g_autofree char *u = url (env.port, CAM_POLICE, env.alice);
  g_autofree char *r = url (env.port, CAM_POLICE, env.root);
  g_autoptr (GPtrArray) rows = NULL;
  const CeAuditRow *deny;

  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", u, NULL, NULL), ==, 403);
  g_assert_cmpuint (rtsp (env.port, "SETUP", u,
                        "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
                        NULL),
      ==, 403);
  g_assert_cmpuint (rtsp (env.port, "DESCRIBE", r, NULL, NULL), ==, 200);
  /* Rows are written in batches (within 200 ms). */
  for (int i = 0; i < 100; i++) {
    g_clear_pointer (&rows, g_ptr_array_unref);
    rows = audit_rows ("alice", CAM_POLICE);
    if (find_row (rows, "deny") != NULL)
      break;
    g_usleep (100 * 1000);
  }
  deny = find_row (rows, "deny");
  if (deny == NULL)
    g_error ("no deny row for alice on the 公安 camera");
  g_assert_cmpstr (deny->protocol, ==, "rtsp");
  g_assert_true (g_str_has_prefix (deny->client, "127.0.0.1:"));
}

/* rtspsrc offered Digest and Basic picks Digest; frames are decoded; the
 * audit has the start and the stop with the bytes sent. */
static void
test_digest_play_audited (void)
{
  g_autofree char *u = url (env.port, CAM_SOCIAL, NULL);
  g_autoptr (GPtrArray) rows = NULL;
  const CeAuditRow *start, *stop;
  g_autofree char *csv = NULL;

  {
    g_autoptr (CamsimClient) c =
        camsim_client_new (u, "h264", "tcp", "alice", env.alice);

    g_assert_true (camsim_client_wait_frames (c, 10, 30000));
  }
  /* The client has torn down; the stop row follows. */
  for (int i = 0; i < 100; i++) {
    g_clear_pointer (&rows, g_ptr_array_unref);
    rows = audit_rows ("alice", CAM_SOCIAL);
    if (find_row (rows, "stop") != NULL)
      break;
    g_usleep (100 * 1000);
  }
  start = find_row (rows, "start");
  stop = find_row (rows, "stop");
  if (start == NULL || stop == NULL)
    g_error ("no start and stop rows after a play");
  g_assert_cmpstr (stop->protocol, ==, "rtsp");
  g_assert_cmpint (stop->start_us, >, 0);
  g_assert_cmpint (stop->end_us, >=, stop->start_us);
  g_assert_cmpuint (stop->bytes, >, 10000);
  g_assert_true (g_str_has_prefix (stop->client, "127.0.0.1:"));
  {
    const char *args[] = {"audit", "--since", "1h", "--user", "alice", "--csv",
        NULL};

    csv = cli (args);
  }
  g_assert_true (g_str_has_prefix (csv, "id,at,user,camera_id,"));
  g_assert_nonnull (strstr (csv, ",alice," CAM_SOCIAL ",rtsp,127.0.0.1:"));
  g_assert_nonnull (strstr (csv, ",stop,"));
}

/* A UDP viewer (wall role) is authorised and audited the same way. */
static void
test_udp_play_audited (void)
{
  g_autofree char *u = url (env.port, CAM_SOCIAL, NULL);
  g_autofree char *token = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  const CeAuditRow *stop;

  {
    const char *args[] = {"user", "add", "wall1", "--role", "wall", NULL};
    g_autofree char *out = cli (args);
  }
  token = new_token ("wall1");
  {
    g_autoptr (CamsimClient) c =
        camsim_client_new (u, "h264", "udp", "wall1", token);

    g_assert_true (camsim_client_wait_frames (c, 10, 30000));
  }
  for (int i = 0; i < 100; i++) {
    g_clear_pointer (&rows, g_ptr_array_unref);
    rows = audit_rows ("wall1", CAM_SOCIAL);
    if (find_row (rows, "stop") != NULL)
      break;
    g_usleep (100 * 1000);
  }
  stop = find_row (rows, "stop");
  if (stop == NULL || find_row (rows, "start") == NULL)
    g_error ("no start and stop rows after a UDP play");
  g_assert_cmpuint (stop->bytes, >, 10000);
}

/* The play URL with ?token=: SETUP and PLAY follow the Content-Base
 * without the token, on the connection DESCRIBE authorised. */
static void
test_token_play (void)
{
  g_autofree char *u = url (env.port, CAM_SOCIAL, env.root);
  g_autoptr (CamsimClient) c = camsim_client_new (u, "h264", "tcp", NULL, NULL);

  g_assert_true (camsim_client_wait_frames (c, 10, 30000));
}

/* Viewers with different tokens (and other query parameters) share one
 * upstream: tokens are never part of the media key. */
static void
test_shared_media (void)
{
  g_autofree char *ua = url (env.port, CAM_SOCIAL, env.alice);
  g_autofree char *ur = url (env.port, CAM_SOCIAL, env.root);
  g_autofree char *ur2 = g_strdup_printf ("%s&client=wall-7", ur);
  g_autoptr (JsonObject) before = camsim_camera_stats (env.sim, "socialcam");
  g_autoptr (JsonObject) after = NULL;
  gint64 total0 = json_object_get_int_member (before, "connections_total");
  g_autoptr (CamsimClient) a =
      camsim_client_new (ua, "h264", "tcp", NULL, NULL);
  g_autoptr (CamsimClient) b = NULL;

  g_assert_true (camsim_client_wait_frames (a, 5, 30000));
  b = camsim_client_new (ur2, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (b, 5, 30000));
  g_assert_true (camsim_client_wait_frames (a, 10, 30000));
  after = camsim_camera_stats (env.sim, "socialcam");
  g_assert_cmpint (json_object_get_int_member (after, "connections_active"), ==,
      1);
  g_assert_cmpint (
      json_object_get_int_member (after, "connections_total") - total0, <=, 1);
}

/* ffprobe (libavformat's RTSP client, Digest) and a camera that itself
 * needs credentials (the gateway's own, never shown to the viewer). */
static void
test_ffprobe (void)
{
  g_autofree char *u = g_strdup_printf (
      "rtsp://root:%s@127.0.0.1:%u/cameras/%s", env.root, env.port, CAM_LOCKED);
  const char *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp",
      "-show_entries", "stream=codec_name", "-of", "csv=p=0", u, NULL};
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *ffprobe = g_find_program_in_path ("ffprobe");

  if (ffprobe == NULL) {
    g_test_skip ("no ffprobe");
    return;
  }
  p = g_subprocess_newv (argv,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
  if (g_subprocess_get_exit_status (p) != 0)
    g_error ("ffprobe: %s", err);
  g_assert_nonnull (strstr (out, "h264"));
}

/* A second gateway with the demo's anonymous access: loopback plays
 * without credentials within the anonymous rights; a wrong token is still
 * refused; the log says it loudly. */
static void
test_anonymous (void)
{
  g_autofree char *conf = g_build_filename (env.dir, "anon.conf", NULL);
  g_autofree char *log = g_build_filename (env.dir, "anon.log", NULL);
  g_autofree char *text = g_strdup_printf (
      "[registry]\ndatabase=%s\n[probe]\ninterval=0\n[rtsp]\nport=0\n[http]"
      "\nport=0\n"
      "[auth]\nallow_anonymous=true\nanonymous_from=127.0.0.1,::1\n",
      env.db);
  g_autofree char *logged = NULL;
  g_autoptr (GSubprocess) gw = NULL;
  guint port = 0;

  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  gw = gateway_start (conf, log, &port);
  {
    g_autofree char *social = url (port, CAM_SOCIAL, NULL);
    g_autofree char *police = url (port, CAM_POLICE, NULL);
    g_autofree char *bad = url (port, CAM_SOCIAL, "cet_wrong");

    g_assert_cmpuint (rtsp (port, "DESCRIBE", social, NULL, NULL), ==, 200);
    /* The anonymous viewer role sees 社会面 only. */
    g_assert_cmpuint (rtsp (port, "DESCRIBE", police, NULL, NULL), ==, 403);
    g_autofree char *broken = url (port, CAM_SOCIAL, "%zz");
    g_autofree char *empty = url (port, CAM_SOCIAL, "");

    g_assert_cmpuint (rtsp (port, "DESCRIBE", bad, NULL, NULL), ==, 401);
    /* Malformed or empty tokens are wrong ones, not absent ones. */
    g_assert_cmpuint (rtsp (port, "DESCRIBE", broken, NULL, NULL), ==, 401);
    g_assert_cmpuint (rtsp (port, "DESCRIBE", empty, NULL, NULL), ==, 401);
  }
  gateway_stop (&gw);
  g_assert_true (g_file_get_contents (log, &logged, NULL, NULL));
  g_assert_nonnull (strstr (logged, "ANONYMOUS ACCESS IS ON"));
}

/* Last: the whole log of the run holds no token and no camera password,
 * though it was written at the most verbose level. */
static void
test_logs_clean (void)
{
  g_autofree char *logged = NULL;
  gsize len = 0;

  gateway_stop (&env.gw);
  g_assert_true (g_file_get_contents (env.log, &logged, &len, NULL));
  /* The search means something only if requests were logged. */
  g_assert_nonnull (strstr (logged, "DESCRIBE"));
  g_assert_nonnull (strstr (logged, "RTSP viewer alice started"));
  /* rtspsrc and ffprobe were offered both and chose Digest; the raw
   * requests used Basic. */
  g_assert_nonnull (strstr (logged, "alice: Digest credentials accepted"));
  g_assert_nonnull (strstr (logged, "root: Digest credentials accepted"));
  g_assert_nonnull (strstr (logged, "alice: Basic credentials accepted"));
  for (guint i = 0; i < env.secrets->len; i++) {
    const char *s = env.secrets->pdata[i];

    if (strstr (logged, s) != NULL)
      g_error ("a token is in the log");
    /* Nor its random part alone (say, URL-escaped around it). */
    if (strstr (logged, s + 4) != NULL)
      g_error ("a token's random part is in the log");
  }
  g_assert_null (strstr (logged, CAMERA_PASSWORD));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const char *sim_args[] = {"--auth-password", CAMERA_PASSWORD, "--fault",
      "lockedcam=auth", NULL};
  int status;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  env.secrets = g_ptr_array_new_with_free_func (g_free);
  env.dir = g_dir_make_tmp ("cityeye-auth-rtsp-XXXXXX", &error);
  g_assert_no_error (error);
  env.db = g_build_filename (env.dir, "registry.db", NULL);
  env.conf = g_build_filename (env.dir, "cityeye.conf", NULL);
  env.log = g_build_filename (env.dir, "cityeyed.log", NULL);
  {
    const char *args[] = {"db", "init", NULL};
    g_autofree char *out = cli (args);
  }
  env.sim = camsim_process_start (sim_args);
  add_camera (CAM_SOCIAL, "socialcam", CE_SOURCE_SOCIAL, NULL, NULL);
  add_camera (CAM_POLICE, "policecam", CE_SOURCE_PUBLIC_SECURITY, NULL, NULL);
  add_camera (CAM_LOCKED, "lockedcam", CE_SOURCE_SOCIAL, "admin",
      CAMERA_PASSWORD);
  {
    const char *a1[] = {"user", "add", "alice", "--role", "operator",
        "--sources", "雪亮,社会面", "--secrecy", "0", NULL};
    const char *a2[] = {"user", "add", "root", "--role", "admin", NULL};
    g_autofree char *o1 = cli (a1);
    g_autofree char *o2 = cli (a2);
  }
  env.alice = new_token ("alice");
  env.root = new_token ("root");
  /* No [auth] group: anonymous access is off. */
  text = g_strdup_printf ("[registry]\ndatabase=%s\n[probe]\ninterval=0\n[rtsp]"
                          "\nport=0\n[http]\nport=0\n"
                          "[relay]\nlinger=1\nstart_timeout=20\n",
      env.db);
  g_assert_true (g_file_set_contents (env.conf, text, -1, NULL));
  env.gw = gateway_start (env.conf, env.log, &env.port);

  g_test_add_func ("/auth-rtsp/no-credentials", test_no_credentials);
  g_test_add_func ("/auth-rtsp/token-in-url", test_token_in_url);
  g_test_add_func ("/auth-rtsp/basic", test_basic);
  g_test_add_func ("/auth-rtsp/forbidden", test_forbidden);
  g_test_add_func ("/auth-rtsp/digest-play-audited", test_digest_play_audited);
  g_test_add_func ("/auth-rtsp/udp-play-audited", test_udp_play_audited);
  g_test_add_func ("/auth-rtsp/token-play", test_token_play);
  g_test_add_func ("/auth-rtsp/shared-media", test_shared_media);
  g_test_add_func ("/auth-rtsp/ffprobe-camera-credentials", test_ffprobe);
  g_test_add_func ("/auth-rtsp/anonymous", test_anonymous);
  g_test_add_func ("/auth-rtsp/logs-clean", test_logs_clean);
  status = g_test_run ();

  gateway_stop (&env.gw);
  camsim_process_stop (env.sim);
  {
    g_autoptr (GDir) d = g_dir_open (env.dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
      g_autofree char *p = g_build_filename (env.dir, name, NULL);
      if (g_getenv ("CE_TEST_KEEP") == NULL)
        g_unlink (p);
    }
  }
  g_rmdir (env.dir);
  g_free (env.dir);
  g_free (env.db);
  g_free (env.conf);
  g_free (env.log);
  g_free (env.alice);
  g_free (env.root);
  g_ptr_array_unref (env.secrets);
  gst_deinit ();
  return status;
}
