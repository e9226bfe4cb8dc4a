/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The probe and the sweep against the real camera simulator, plus small
 * raw-socket servers on 127.0.0.1 for what a simulator built on
 * gst-rtsp-server cannot do (garbage, endless headers, audio-only SDP,
 * Basic authentication).
 */
#include "ce-sweep.h"
#include "camsim-fixture.h"

#include <string.h>

/* ---- running one probe --------------------------------------------------- */

typedef struct
{
  gboolean done;
  CeProbeResult result;
  char *detail;
} Outcome;

static void
on_done (CeProbe *probe, const CeProbeResult *result, gpointer data)
{
  Outcome *o = data;

  g_assert_false (o->done);
  o->done = TRUE;
  o->result = *result;
  o->detail = g_strdup (result->detail);
  o->result.detail = o->detail;
}

static void
outcome_clear (Outcome *o)
{
  g_free (o->detail);
}

/* Probes @url and waits; returns the wall time in ms. */
static gint64
probe (const char *url, const char *user, const char *password,
    const CeProbeLimits *limits, Outcome *o)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + 30 * G_USEC_PER_SEC;

  memset (o, 0, sizeof (*o));
  ce_probe_start (url, user, password, limits, on_done, o);
  g_assert_false (o->done); /* never from within the call */
  while (!o->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (o->done);
  g_test_message ("%s: %s (%s) %u ms: %s", url,
      ce_probe_outcome_to_string (o->result.outcome),
      ce_probe_reason_to_string (o->result.reason), o->result.latency_ms,
      o->result.detail);
  return (g_get_monotonic_time () - start) / 1000;
}

static void
short_limits (CeProbeLimits *limits)
{
  ce_probe_limits_init (limits);
  limits->connect_timeout_ms = 2000;
  limits->request_timeout_ms = 1000;
  limits->total_timeout_ms = 2500;
}

/* ---- raw servers ------------------------------------------------------- */

typedef void (*RawBehaviour) (GSocket *client, gpointer data);

typedef struct
{
  GSocket *listener;
  guint16 port;
  GThread *thread;
  gint stop;
  gint accepted;
  RawBehaviour behaviour;
  gpointer data;
} RawServer;

static gpointer
raw_server_run (gpointer data)
{
  RawServer *s = data;

  while (!g_atomic_int_get (&s->stop)) {
    g_autoptr (GSocket) client = NULL;

    if (!g_socket_condition_timed_wait (s->listener, G_IO_IN, 100 * 1000, NULL,
            NULL))
      continue;
    client = g_socket_accept (s->listener, NULL, NULL);
    if (client == NULL)
      continue;
    g_atomic_int_inc (&s->accepted);
    g_socket_set_timeout (client, 5);
    s->behaviour (client, s->data);
    g_socket_close (client, NULL);
  }
  return NULL;
}

static RawServer *
raw_server_new (RawBehaviour behaviour, gpointer data)
{
  RawServer *s = g_new0 (RawServer, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  s->behaviour = behaviour;
  s->data = data;
  s->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (s->listener, addr, TRUE, &error));
  g_assert_true (g_socket_listen (s->listener, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (s->listener, &error);
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  s->thread = g_thread_new ("raw-server", raw_server_run, s);
  return s;
}

static void
raw_server_free (RawServer *s)
{
  g_atomic_int_set (&s->stop, 1);
  g_thread_join (s->thread);
  g_socket_close (s->listener, NULL);
  g_object_unref (s->listener);
  g_free (s);
}

static char *
raw_url (RawServer *s)
{
  return g_strdup_printf ("rtsp://127.0.0.1:%u/cam/raw", s->port);
}

/* Reads one request head (to the empty line) into @head; FALSE when the
 * client went away. */
static gboolean
read_request (GSocket *client, GString *head)
{
  char c;

  g_string_truncate (head, 0);
  while (!g_str_has_suffix (head->str, "\r\n\r\n")) {
    if (g_socket_receive (client, &c, 1, NULL, NULL) != 1)
      return FALSE;
    g_string_append_c (head, c);
    if (head->len > 65536)
      return FALSE;
  }
  return TRUE;
}

static int
cseq_of (const char *head)
{
  const char *p = strstr (head, "CSeq:");

  return p != NULL ? atoi (p + 5) : 0;
}

static void
send_all (GSocket *client, const char *text)
{
  g_socket_send_with_blocking (client, text, strlen (text), TRUE, NULL, NULL);
}

static void
behave_endless_headers (GSocket *client, gpointer data)
{
  g_autoptr (GString) head = g_string_new (NULL);

  if (!read_request (client, head))
    return;
  send_all (client, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n");
  for (guint i = 0; i < 200000; i++) {
    if (g_socket_send_with_blocking (client, "X-Filler: aaaaaaaaaaaaaaaa\r\n",
            28, TRUE, NULL, NULL) < 0)
      return;
  }
}

static void
behave_garbage (GSocket *client, gpointer data)
{
  guint8 junk[4096];
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < 1000; i++) {
    for (guint j = 0; j < sizeof junk; j++)
      junk[j] = (guint8) g_rand_int (rand);
    if (g_socket_send_with_blocking (client, (const char *) junk, sizeof junk,
            TRUE, NULL, NULL) < 0)
      return;
  }
}

/* Answers with a valid status line, then one byte every 100 ms. */
static void
behave_drip (GSocket *client, gpointer data)
{
  g_autoptr (GString) head = g_string_new (NULL);

  if (!read_request (client, head))
    return;
  for (guint i = 0; i < 100; i++) {
    if (g_socket_send_with_blocking (client, "R", 1, TRUE, NULL, NULL) < 0)
      return;
    g_usleep (100 * 1000);
  }
}

#define SDP_H264 \
  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=raw\r\nt=0 0\r\n" \
  "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" \
  "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=" \
  "Z0LAH9kAUAW7AWoCAgKAAAADAIAAABlHjBkk,aMuMsg==\r\na=control:trackID=0\r\n"
#define SDP_AUDIO \
  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=raw\r\nt=0 0\r\n" \
  "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

/* A small camera: OPTIONS, then DESCRIBE with the SDP in @data; with
 * "basic" in front, both need Basic admin:secret. */
static void
behave_camera (GSocket *client, gpointer data)
{
  const char *sdp = data;
  gboolean basic = g_str_has_prefix (sdp, "basic");
  g_autoptr (GString) head = g_string_new (NULL);

  if (basic)
    sdp += strlen ("basic");
  while (read_request (client, head)) {
    g_autofree char *answer = NULL;
    int cseq = cseq_of (head->str);

    if (basic &&
        strstr (head->str, "Authorization: Basic YWRtaW46c2VjcmV0") == NULL)
      answer = g_strdup_printf ("RTSP/1.0 401 Unauthorized\r\nCSeq: %d\r\n"
                                "WWW-Authenticate: Basic realm=\"raw\"\r\n\r\n",
          cseq);
    else if (g_str_has_prefix (head->str, "OPTIONS"))
      answer = g_strdup_printf ("RTSP/1.0 200 OK\r\nCSeq: %d\r\n"
                                "Public: OPTIONS, DESCRIBE\r\n\r\n",
          cseq);
    else
      answer = g_strdup_printf ("RTSP/1.0 200 OK\r\nCSeq: %d\r\n"
                                "Content-Type: application/sdp\r\n"
                                "Content-Length: %zu\r\n\r\n%s",
          cseq, strlen (sdp), sdp);
    send_all (client, answer);
  }
}

/* ---- tests against raw servers ------------------------------------------ */

static void
test_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4,
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr (GInetAddress) lo =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  Outcome o;

  /* A port that was free a moment ago and has no listener. */
  g_assert_true (g_socket_bind (s, addr, TRUE, &error));
  bound = g_socket_get_local_address (s, &error);
  url = g_strdup_printf ("rtsp://127.0.0.1:%u/cam/x",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (s, NULL);
  probe (url, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_REFUSED);
  outcome_clear (&o);
}

static void
test_bad_url (void)
{
  Outcome o;

  probe ("http://127.0.0.1/x", NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_UNREACHABLE);
  outcome_clear (&o);
  probe ("not a url", NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  outcome_clear (&o);
}

static void
test_endless_headers (void)
{
  RawServer *s = raw_server_new (behave_endless_headers, NULL);
  g_autofree char *url = raw_url (s);
  CeProbeLimits limits;
  Outcome o;
  gint64 ms;

  short_limits (&limits);
  ms = probe (url, NULL, NULL, &limits, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_PROTOCOL);
  /* Stopped by the size limits of the parser, not by a timeout. */
  g_assert_cmpint (ms, <, 2500);
  outcome_clear (&o);
  raw_server_free (s);
}

static void
test_garbage (void)
{
  RawServer *s = raw_server_new (behave_garbage, NULL);
  g_autofree char *url = raw_url (s);
  CeProbeLimits limits;
  Outcome o;

  short_limits (&limits);
  probe (url, NULL, NULL, &limits, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_PROTOCOL);
  outcome_clear (&o);
  raw_server_free (s);
}

static void
test_byte_budget (void)
{
  RawServer *s = raw_server_new (behave_garbage, NULL);
  g_autofree char *url = raw_url (s);
  CeProbeLimits limits;
  Outcome o;

  /* Garbage that starts like an answer would be read up to the budget:
   * with a budget below the parser's limits, the budget ends it. */
  short_limits (&limits);
  limits.max_bytes = 2048;
  probe (url, NULL, NULL, &limits, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_PROTOCOL);
  outcome_clear (&o);
  raw_server_free (s);
}

static void
test_drip (void)
{
  RawServer *s = raw_server_new (behave_drip, NULL);
  g_autofree char *url = raw_url (s);
  CeProbeLimits limits;
  Outcome o;
  gint64 ms;

  /* A byte every 100 ms never completes an answer: the request timeout
   * ends it, or the total bound when that comes first. */
  short_limits (&limits);
  limits.request_timeout_ms = 1000;
  limits.total_timeout_ms = 5000;
  ms = probe (url, NULL, NULL, &limits, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_TIMEOUT);
  g_assert_nonnull (strstr (o.result.detail, "OPTIONS within 1000 ms"));
  g_assert_cmpint (ms, >=, 1000);
  g_assert_cmpint (ms, <, 10000);
  outcome_clear (&o);

  limits.request_timeout_ms = 5000;
  limits.total_timeout_ms = 1500;
  ms = probe (url, NULL, NULL, &limits, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_TIMEOUT);
  g_assert_nonnull (strstr (o.result.detail, "within 1500 ms"));
  g_assert_cmpint (ms, >=, 1400);
  g_assert_cmpint (ms, <, 10000);
  outcome_clear (&o);
  raw_server_free (s);
}

static void
test_no_video (void)
{
  RawServer *s = raw_server_new (behave_camera, (gpointer) SDP_AUDIO);
  g_autofree char *url = raw_url (s);
  Outcome o;

  probe (url, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_NO_VIDEO);
  g_assert_cmpint (o.result.status, ==, 200);
  g_assert_nonnull (strstr (o.result.detail, "video"));
  outcome_clear (&o);
  raw_server_free (s);
}

static void
test_basic_auth (void)
{
  RawServer *s = raw_server_new (behave_camera, (gpointer) "basic" SDP_H264);
  g_autofree char *url = raw_url (s);
  Outcome o;

  probe (url, "admin", "secret", NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_ONLINE);
  g_assert_cmpint (o.result.codec, ==, CE_CODEC_H264);
  g_assert_cmpuint (o.result.width, ==, 1280);
  g_assert_cmpuint (o.result.height, ==, 720);
  g_assert_null (strstr (o.result.detail, "secret"));
  outcome_clear (&o);

  probe (url, "admin", "wrong", NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_AUTH_FAILED);
  g_assert_null (strstr (o.result.detail, "wrong"));
  outcome_clear (&o);

  probe (url, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_AUTH_FAILED);
  outcome_clear (&o);
  raw_server_free (s);
}

static void
test_cancel (void)
{
  RawServer *s = raw_server_new (behave_drip, NULL);
  g_autofree char *url = raw_url (s);
  Outcome o = {0};
  CeProbe *p = ce_probe_start (url, NULL, NULL, NULL, on_done, &o);
  gint64 until = g_get_monotonic_time () + 300 * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  ce_probe_cancel (p);
  until = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (o.done);
  raw_server_free (s);
}

/* ---- tests against the simulator ---------------------------------------- */

static CamsimProcess *camsim;

static void
test_camsim_online (void)
{
  g_autofree char *url = camsim_url (camsim, "probe-online", NULL);
  g_autofree char *url265 = camsim_url (camsim, "probe-online-h265", NULL);
  g_autoptr (JsonObject) stats = NULL;
  Outcome o;

  probe (url, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_ONLINE);
  g_assert_cmpint (o.result.codec, ==, CE_CODEC_H264);
  g_assert_cmpuint (o.result.width, ==, 320);
  g_assert_cmpuint (o.result.height, ==, 240);
  g_assert_cmpuint (o.result.status, ==, 200);
  outcome_clear (&o);

  probe (url265, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_ONLINE);
  g_assert_cmpint (o.result.codec, ==, CE_CODEC_H265);
  g_assert_cmpuint (o.result.width, ==, 320);
  outcome_clear (&o);

  /* One connection per probe, and it is gone afterwards. */
  stats = camsim_camera_stats (camsim, "probe-online");
  g_assert_cmpint (json_object_get_int_member (stats, "connections_total"), ==,
      1);
}

static void
test_camsim_refuse (void)
{
  g_autofree char *url = camsim_url (camsim, "probe-refuse", NULL);
  Outcome o;

  g_assert_cmpuint (camsim_set_fault (camsim, "probe-refuse", "refuse", 0), ==,
      200);
  probe (url, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_STATUS);
  g_assert_cmpuint (o.result.status, ==, 503);
  outcome_clear (&o);
}

static void
test_camsim_tarpit (void)
{
  g_autofree char *url = camsim_url (camsim, "probe-tarpit", NULL);
  CeProbeLimits limits;
  Outcome o;
  gint64 ms;

  g_assert_cmpuint (camsim_set_fault (camsim, "probe-tarpit", "tarpit", 0), ==,
      200);
  short_limits (&limits);
  ms = probe (url, NULL, NULL, &limits, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_TIMEOUT);
  g_assert_cmpint (ms, >=, 900);
  g_assert_cmpint (ms, <, 10000);
  outcome_clear (&o);
}

static void
test_camsim_auth (void)
{
  g_autofree char *url = camsim_url (camsim, "probe-auth", NULL);
  g_autoptr (JsonObject) stats = NULL;
  Outcome o;

  g_assert_cmpuint (camsim_set_fault (camsim, "probe-auth", "auth", 0), ==,
      200);
  probe (url, "admin", "camsim", NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_ONLINE);
  outcome_clear (&o);
  /* The camera really challenged us (Digest). */
  stats = camsim_camera_stats (camsim, "probe-auth");
  g_assert_cmpint (json_object_get_int_member (stats, "auth_failures"), >=, 1);

  probe (url, "admin", "not-the-password", NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_AUTH_FAILED);
  g_assert_cmpuint (o.result.status, ==, 401);
  g_assert_null (strstr (o.result.detail, "not-the-password"));
  outcome_clear (&o);

  probe (url, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_AUTH_FAILED);
  outcome_clear (&o);
}

static void
test_camsim_slow (void)
{
  g_autofree char *url = camsim_url (camsim, "probe-slow", NULL);
  CeProbeLimits limits;
  Outcome o;

  g_assert_cmpuint (camsim_set_fault (camsim, "probe-slow", "slow", 300), ==,
      200);
  probe (url, NULL, NULL, NULL, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_ONLINE);
  /* Two answers, each 300 ms late. */
  g_assert_cmpuint (o.result.latency_ms, >=, 550);
  outcome_clear (&o);

  g_assert_cmpuint (camsim_set_fault (camsim, "probe-slow", "slow", 3000), ==,
      200);
  short_limits (&limits);
  probe (url, NULL, NULL, &limits, &o);
  g_assert_cmpint (o.result.outcome, ==, CE_PROBE_OFFLINE);
  g_assert_cmpint (o.result.reason, ==, CE_PROBE_REASON_TIMEOUT);
  outcome_clear (&o);
}

/* ---- sweeps ----------------------------------------------------------------
 */

typedef struct
{
  gboolean done;
  CeSweepSummary summary;
  GHashTable *results; /* camera id → outcome */
  CeHealthWriter *writer;
  const char *relayed_id; /* reported as playing by the "relay" */
  guint live_asked;
  guint progress_calls;
} SweepRun;

static CeSweepLive
sweep_live (const char *camera_id, gpointer data)
{
  SweepRun *run = data;

  run->live_asked++;
  return g_strcmp0 (camera_id, run->relayed_id) == 0 ? CE_SWEEP_LIVE_PLAYING
                                                     : CE_SWEEP_LIVE_NO;
}

static void
sweep_result (CeSweep *sweep, const CeCamera *camera,
    const CeProbeResult *result, gpointer data)
{
  SweepRun *run = data;
  g_autoptr (GError) error = NULL;

  g_hash_table_insert (run->results, g_strdup (camera->id),
      GINT_TO_POINTER (result->outcome));
  if (run->writer != NULL) {
    g_assert_true (ce_health_writer_add (run->writer, camera->id, result,
        g_get_real_time () / G_USEC_PER_SEC, &error));
    g_assert_no_error (error);
  }
}

static void
sweep_progress (CeSweep *sweep, const CeSweepSummary *summary, gpointer data)
{
  SweepRun *run = data;

  run->progress_calls++;
  g_assert_cmpuint (summary->done, <=, summary->total);
}

static void
sweep_done (CeSweep *sweep, const CeSweepSummary *summary, gpointer data)
{
  SweepRun *run = data;

  run->done = TRUE;
  run->summary = *summary;
}

static GPtrArray *
make_cameras (guint n, const char *prefix)
{
  GPtrArray *cameras =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);

  for (guint i = 0; i < n; i++) {
    CeCamera *c = ce_camera_new ();

    c->id = g_strdup_printf ("310113000013200%05u", i);
    c->name = g_strdup_printf ("%s-%u", prefix, i);
    c->source = i % 2 ? CE_SOURCE_PUBLIC_SECURITY : CE_SOURCE_XUELIANG;
    c->lon = 121.4;
    c->lat = 31.3;
    c->rtsp_url = camsim_url (camsim, c->name, NULL);
    c->username = g_strdup ("admin");
    c->password = g_strdup ("camsim");
    g_ptr_array_add (cameras, c);
  }
  return cameras;
}

static void
run_sweep (GPtrArray *cameras, const CeSweepConfig *config, SweepRun *run)
{
  CeSweepFuncs funcs = {
      .live = sweep_live,
      .result = sweep_result,
      .progress = sweep_progress,
      .done = sweep_done,
  };
  CeSweep *sweep = ce_sweep_start (cameras, config, &funcs, run);
  gint64 deadline = g_get_monotonic_time () + 240 * G_USEC_PER_SEC;

  while (!run->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (run->done);
  ce_sweep_free (sweep);
}

/* The fault camsim gives @name. */
static char *
camsim_fault (const char *name)
{
  g_autoptr (JsonObject) stats = camsim_camera_stats (camsim, name);

  return g_strdup (json_object_get_string_member (stats, "fault"));
}

static void
test_sweep_shares (void)
{
  const char *const args[] = {"--share-offline=0.1", "--share-auth=0.1",
      "--share-tarpit=0.03", "--share-slow=0.05", "--slow-ms=200", NULL};
  CamsimProcess *sim = camsim_process_start (args);
  CamsimProcess *saved = camsim;
  g_autoptr (GPtrArray) cameras = NULL;
  g_autoptr (GHashTable) results =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) faults = g_hash_table_new (g_str_hash, g_str_equal);
  CeSweepConfig config;
  SweepRun run = {.results = results};
  guint expect_auth = 0, expect_offline = 0;

  camsim = sim;
  cameras = make_cameras (300, "share");
  ce_sweep_config_init (&config);
  config.concurrency = 16;
  /* Generous: slow cameras (200 ms an answer) must come out online on a
   * loaded machine; the tarpitted ones cost this much each. */
  config.limits.connect_timeout_ms = 5000;
  config.limits.request_timeout_ms = 4000;
  config.limits.total_timeout_ms = 10000;
  run_sweep (cameras, &config, &run);

  g_assert_cmpuint (run.summary.total, ==, 300);
  g_assert_cmpuint (run.summary.done, ==, 300);
  g_assert_cmpuint (run.progress_calls, ==, 300);
  g_assert_cmpuint (g_hash_table_size (results), ==, 300);
  g_assert_cmpuint (run.summary.max_in_flight, <=, 16);
  g_assert_cmpuint (run.summary.max_in_flight, >=, 8);
  g_assert_cmpuint (run.summary.online + run.summary.offline +
          run.summary.auth_failed + run.summary.no_video,
      ==, 300);

  /* Each camera's result is what its share fault makes it. */
  for (guint i = 0; i < cameras->len; i++) {
    CeCamera *c = g_ptr_array_index (cameras, i);
    g_autofree char *fault = camsim_fault (c->name);
    CeProbeOutcome got = GPOINTER_TO_INT (g_hash_table_lookup (results, c->id));
    CeProbeOutcome want = CE_PROBE_ONLINE;

    if (g_str_equal (fault, "refuse") || g_str_equal (fault, "tarpit")) {
      want = CE_PROBE_OFFLINE;
      expect_offline++;
    }
    /* Registered with the right password: Digest succeeds. */
    if (g_str_equal (fault, "auth"))
      expect_auth++;
    if (got != want)
      g_error ("%s (fault %s): %s, expected %s", c->name, fault,
          ce_probe_outcome_to_string (got), ce_probe_outcome_to_string (want));
  }
  g_assert_cmpuint (run.summary.offline, ==, expect_offline);
  /* The shares are roughly what was asked for. */
  g_assert_cmpuint (expect_offline, >=, 15);
  g_assert_cmpuint (expect_auth, >=, 10);
  camsim_process_stop (sim);
  camsim = saved;
}

static void
test_sweep_rate_limit (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras (40, "rate");
  g_autoptr (GHashTable) results =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  CeSweepConfig config;
  SweepRun run = {.results = results};

  /* 20 cameras per source at 10/s each: at least 1.9 s, however fast the
   * cameras answer, and both sources run side by side (not 3.9 s). */
  ce_sweep_config_init (&config);
  config.concurrency = 64;
  config.rate_per_source = 10;
  run_sweep (cameras, &config, &run);
  g_test_message ("40 cameras, 10/s per source: %" G_GINT64_FORMAT " ms",
      run.summary.elapsed_ms);
  g_assert_cmpuint (run.summary.online, ==, 40);
  g_assert_cmpint (run.summary.elapsed_ms, >=, 1850);
  g_assert_cmpuint (run.summary.max_in_flight, <=, 64);
}

static void
test_sweep_relayed (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras (5, "relayed");
  g_autoptr (GHashTable) results =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonObject) stats = NULL;
  CeSweepConfig config;
  CeCamera *live = g_ptr_array_index (cameras, 2);
  SweepRun run = {.results = results, .relayed_id = live->id};
  CeCamera *no_url = ce_camera_new ();

  /* A camera without an RTSP URL is skipped: no result at all. */
  no_url->id = g_strdup ("31011300001320099999");
  no_url->name = g_strdup ("no-url");
  g_ptr_array_add (cameras, no_url);
  ce_sweep_config_init (&config);
  run_sweep (cameras, &config, &run);
  g_assert_cmpuint (run.summary.total, ==, 6);
  g_assert_cmpuint (run.summary.done, ==, 6);
  g_assert_cmpuint (run.summary.skipped, ==, 1);
  g_assert_false (g_hash_table_contains (results, no_url->id));
  g_assert_cmpuint (run.summary.relayed, ==, 1);
  g_assert_cmpuint (run.summary.online, ==, 5);
  g_assert_cmpuint (run.live_asked, ==, 5);
  /* No connection at all to the camera the relay is pulling. */
  stats = camsim_camera_stats (camsim, live->name);
  g_assert_cmpint (json_object_get_int_member (stats, "connections_total"), ==,
      0);
}

static void
test_sweep_history (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) registry = ce_registry_open (":memory:", 0, &error);
  g_autoptr (GPtrArray) cameras = make_cameras (6, "hist");
  g_autoptr (GHashTable) results =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (CeHealthWriter) writer = ce_health_writer_new (registry);
  g_autoptr (GArray) history = NULL;
  g_autoptr (GPtrArray) rate = NULL;
  g_autoptr (GPtrArray) down = NULL;
  g_autoptr (CeHealthRecord) rec = NULL;
  CeCamera *flaky = g_ptr_array_index (cameras, 1);
  CeSweepConfig config;
  SweepRun run = {.results = results, .writer = writer};
  gint64 t0 = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < cameras->len; i++) {
    g_assert_true (ce_registry_add_camera (registry,
        g_ptr_array_index (cameras, i), &error));
    g_assert_no_error (error);
  }
  ce_sweep_config_init (&config);
  run_sweep (cameras, &config, &run);
  g_assert_true (ce_health_writer_flush (writer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ce_health_writer_get_changes (writer), ==, 6);

  g_assert_cmpuint (camsim_set_fault (camsim, flaky->name, "refuse", 0), ==,
      200);
  run.done = FALSE;
  run_sweep (cameras, &config, &run);
  g_assert_true (ce_health_writer_flush (writer, &error));
  g_assert_cmpuint (ce_health_writer_get_changes (writer), ==, 7);

  history = ce_registry_dup_status_history (registry, flaky->id, 0, G_MAXINT64,
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 1).from, ==,
      CE_HEALTH_ONLINE);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 1).to, ==,
      CE_HEALTH_OFFLINE);
  rec = ce_registry_dup_health (registry, flaky->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rec->reason, ==, "status");
  g_assert_nonnull (strstr (rec->detail, "503"));

  down = ce_registry_offline_longest (registry, 10, &error);
  g_assert_cmpuint (down->len, ==, 1);
  rate = ce_registry_online_rate (registry, CE_KPI_BY_SOURCE, t0 - 10,
      g_get_real_time () / G_USEC_PER_SEC + 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rate->len, ==, 2);
  for (guint i = 0; i < rate->len; i++) {
    CeOnlineRateRow *r = g_ptr_array_index (rate, i);

    g_assert_cmpuint (r->observed, ==, 3);
    g_assert_cmpuint (r->online_now, ==,
        g_str_equal (r->key, ce_source_to_string (flaky->source)) ? 2 : 3);
  }
  camsim_set_fault (camsim, flaky->name, "none", 0);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/probe/refused", test_refused);
  g_test_add_func ("/probe/bad-url", test_bad_url);
  g_test_add_func ("/probe/endless-headers", test_endless_headers);
  g_test_add_func ("/probe/garbage", test_garbage);
  g_test_add_func ("/probe/byte-budget", test_byte_budget);
  g_test_add_func ("/probe/drip", test_drip);
  g_test_add_func ("/probe/no-video", test_no_video);
  g_test_add_func ("/probe/basic-auth", test_basic_auth);
  g_test_add_func ("/probe/cancel", test_cancel);
  g_test_add_func ("/probe/camsim/online", test_camsim_online);
  g_test_add_func ("/probe/camsim/refuse", test_camsim_refuse);
  g_test_add_func ("/probe/camsim/tarpit", test_camsim_tarpit);
  g_test_add_func ("/probe/camsim/auth", test_camsim_auth);
  g_test_add_func ("/probe/camsim/slow", test_camsim_slow);
  g_test_add_func ("/probe/sweep/shares", test_sweep_shares);
  g_test_add_func ("/probe/sweep/rate-limit", test_sweep_rate_limit);
  g_test_add_func ("/probe/sweep/relayed", test_sweep_relayed);
  g_test_add_func ("/probe/sweep/history", test_sweep_history);

  camsim = camsim_process_start (NULL);
  ret = g_test_run ();
  camsim_process_stop (camsim);
  return ret;
}
