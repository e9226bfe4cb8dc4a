/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The camera probe: connect, OPTIONS, DESCRIBE, read the SDP, close.  Every
 * byte the camera sends goes through the bounded, fuzzed parsers of
 * ce-rtsp-msg and ce-sdp; time is bounded per phase and in total, bytes in
 * total.
 */
#include "ce-config.h"
#include "ce-probe.h"
#include "ce-rtsp-msg.h"
#include "ce-sdp.h"

#include <string.h>

#define PROBE_DEBUG(p, fmt, ...) \
  g_debug ("%s: " fmt, (p)->log_name, ##__VA_ARGS__)

typedef enum
{
  ST_CONNECTING,
  ST_OPTIONS,
  ST_DESCRIBE,
  ST_DONE,
} State;

struct _CeProbe
{
  int refs; /* main context only: the pending connect holds one */
  gboolean finished;
  gboolean cancelled;
  char *url;
  char *log_name; /* host:port/path: no credentials, no query */
  char *username;
  char *password;
  CeProbeLimits limits;
  CeProbeDoneFunc done;
  gpointer user_data;

  GMainContext *context;
  GCancellable *cancellable;
  GSocketConnection *connection;
  GSocket *socket;
  GSource *io;
  GSource *timer;
  GSource *report; /* idle: reports a result found before the loop ran */
  gboolean io_wants_write;

  GByteArray *in;
  GByteArray *out;
  gsize bytes_read;

  State state;
  int cseq;
  guint auth_tries;
  CeRtspChallenge challenge;
  gboolean have_challenge;
  gint64 started;
  gint64 connected;
  gint64 total_deadline;
  gint64 phase_deadline;
  gboolean connect_timed_out;
  gboolean timer_is_total; /* the armed timer is the total deadline */

  CeProbeResult result;
  char *detail;
};

const char *
ce_probe_outcome_to_string (CeProbeOutcome outcome)
{
  switch (outcome) {
    case CE_PROBE_ONLINE:
      return "online";
    case CE_PROBE_OFFLINE:
      return "offline";
    case CE_PROBE_AUTH_FAILED:
      return "auth_failed";
    case CE_PROBE_NO_VIDEO:
      return "no_video";
    default:
      return "unknown";
  }
}

gboolean
ce_probe_outcome_from_string (const char *str, CeProbeOutcome *out)
{
  for (int o = CE_PROBE_ONLINE; o <= CE_PROBE_OUTCOME_LAST; o++) {
    if (g_strcmp0 (str, ce_probe_outcome_to_string ((CeProbeOutcome) o)) == 0) {
      *out = (CeProbeOutcome) o;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
ce_probe_reason_to_string (CeProbeReason reason)
{
  switch (reason) {
    case CE_PROBE_REASON_REFUSED:
      return "refused";
    case CE_PROBE_REASON_UNREACHABLE:
      return "unreachable";
    case CE_PROBE_REASON_TIMEOUT:
      return "timeout";
    case CE_PROBE_REASON_PROTOCOL:
      return "protocol";
    case CE_PROBE_REASON_STATUS:
      return "status";
    case CE_PROBE_REASON_RELAYED:
      return "relayed";
    case CE_PROBE_REASON_NONE:
    default:
      return "";
  }
}

void
ce_probe_limits_init (CeProbeLimits *limits)
{
  limits->connect_timeout_ms = 3000;
  limits->request_timeout_ms = 3000;
  limits->total_timeout_ms = 8000;
  limits->max_bytes = 128 * 1024;
}

static void
probe_unref (CeProbe *p)
{
  if (--p->refs > 0)
    return;
  g_clear_object (&p->cancellable);
  g_main_context_unref (p->context);
  g_byte_array_unref (p->in);
  g_byte_array_unref (p->out);
  ce_rtsp_challenge_clear (&p->challenge);
  if (p->password != NULL)
    memset (p->password, 0, strlen (p->password));
  g_free (p->password);
  g_free (p->username);
  g_free (p->url);
  g_free (p->log_name);
  g_free (p->detail);
  g_free (p);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

/* Drops the connection and every source; the pending connect, if any, only
 * holds a reference and sees the cancellation. */
static void
probe_close (CeProbe *p)
{
  g_cancellable_cancel (p->cancellable);
  clear_source (&p->io);
  clear_source (&p->timer);
  clear_source (&p->report);
  if (p->connection != NULL) {
    g_io_stream_close (G_IO_STREAM (p->connection), NULL, NULL);
    g_clear_object (&p->connection);
    p->socket = NULL;
  }
}

static gboolean
on_report (gpointer data)
{
  CeProbe *p = data;

  g_clear_pointer (&p->report, g_source_unref);
  /* ce_probe_cancel() from inside the callback is a no-op. */
  p->cancelled = TRUE;
  p->result.detail = p->detail;
  if (p->done != NULL)
    p->done (p, &p->result, p->user_data);
  probe_unref (p);
  return G_SOURCE_REMOVE;
}

static void finish (CeProbe *p, CeProbeOutcome outcome, CeProbeReason reason,
    const char *fmt, ...) G_GNUC_PRINTF (4, 5);

/* Records the result, closes everything, and reports from an idle source so
 * that callers never see their callback run inside their own call. */
static void
finish (CeProbe *p, CeProbeOutcome outcome, CeProbeReason reason,
    const char *fmt, ...)
{
  va_list ap;

  if (p->finished)
    return;
  p->finished = TRUE;
  p->state = ST_DONE;
  va_start (ap, fmt);
  p->detail = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  p->result.outcome = outcome;
  p->result.reason = reason;
  p->result.latency_ms =
      (guint) ((g_get_monotonic_time () - p->started) / 1000);
  p->result.connect_ms =
      p->connected > 0 ? (guint) ((p->connected - p->started) / 1000) : 0;
  PROBE_DEBUG (p, "%s (%s) after %u ms: %s",
      ce_probe_outcome_to_string (outcome), ce_probe_reason_to_string (reason),
      p->result.latency_ms, p->detail);
  probe_close (p);
  p->report = g_idle_source_new ();
  g_source_set_priority (p->report, G_PRIORITY_DEFAULT);
  g_source_set_callback (p->report, on_report, p, NULL);
  g_source_attach (p->report, p->context);
}

/* ---- timers ------------------------------------------------------------ */

static gboolean on_timer (gpointer data);

/* One timer: the earlier of the phase deadline and the total deadline. */
static void
arm_timer (CeProbe *p, guint phase_ms)
{
  gint64 now = g_get_monotonic_time ();
  gint64 deadline;

  p->phase_deadline = now + (gint64) phase_ms * 1000;
  deadline = MIN (p->phase_deadline, p->total_deadline);
  p->timer_is_total = p->total_deadline <= p->phase_deadline;
  clear_source (&p->timer);
  p->timer = g_timeout_source_new ((guint) MAX (0, (deadline - now) / 1000));
  g_source_set_callback (p->timer, on_timer, p, NULL);
  g_source_attach (p->timer, p->context);
}

static gboolean
on_timer (gpointer data)
{
  CeProbe *p = data;
  g_clear_pointer (&p->timer, g_source_unref);
  if (p->finished)
    return G_SOURCE_REMOVE;
  if (p->state == ST_CONNECTING) {
    p->connect_timed_out = TRUE;
    finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_TIMEOUT,
        "no TCP connection within %u ms",
        (guint) MIN (p->limits.connect_timeout_ms, p->limits.total_timeout_ms));
  } else if (p->timer_is_total) {
    finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_TIMEOUT,
        "camera did not finish answering within %u ms",
        p->limits.total_timeout_ms);
  } else {
    finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_TIMEOUT,
        "camera did not answer %s within %u ms",
        p->state == ST_OPTIONS ? "OPTIONS" : "DESCRIBE",
        p->limits.request_timeout_ms);
  }
  return G_SOURCE_REMOVE;
}

/* ---- I/O ---------------------------------------------------------------- */

static gboolean on_io (GSocket *socket, GIOCondition cond, gpointer data);

static void
watch (CeProbe *p)
{
  gboolean want_write = p->out->len > 0;
  GIOCondition cond = G_IO_IN | G_IO_HUP | G_IO_ERR;

  if (p->io != NULL && p->io_wants_write == want_write)
    return;
  /* A socket source cannot change its condition: replace it. */
  clear_source (&p->io);
  p->io_wants_write = want_write;
  if (want_write)
    cond |= G_IO_OUT;
  p->io = g_socket_create_source (p->socket, cond, NULL);
  g_source_set_callback (p->io, G_SOURCE_FUNC (on_io), p, NULL);
  g_source_attach (p->io, p->context);
}

static void
flush (CeProbe *p)
{
  while (!p->finished && p->out->len > 0) {
    g_autoptr (GError) error = NULL;
    gssize n = g_socket_send (p->socket, (const char *) p->out->data,
        p->out->len, NULL, &error);

    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_PROTOCOL,
          "connection broke while sending: %s", error->message);
      return;
    }
    g_byte_array_remove_range (p->out, 0, (guint) n);
  }
  if (!p->finished)
    watch (p);
}

static void
send_request (CeProbe *p, const char *method)
{
  g_autofree char *auth = NULL;
  const char *headers[8];
  guint n = 0;
  g_autoptr (GBytes) bytes = NULL;
  const guint8 *data;
  gsize size;

  if (p->have_challenge)
    auth = ce_rtsp_challenge_authorization (&p->challenge, p->username,
        p->password != NULL ? p->password : "", method, p->url);
  headers[n++] = "User-Agent";
  headers[n++] = "cityeye-probe/" CE_VERSION;
  if (auth != NULL) {
    headers[n++] = "Authorization";
    headers[n++] = auth;
  }
  if (strcmp (method, "DESCRIBE") == 0) {
    headers[n++] = "Accept";
    headers[n++] = "application/sdp";
  }
  headers[n] = NULL;
  bytes = ce_rtsp_request_build (method, p->url, ++p->cseq, headers);
  if (bytes == NULL) {
    finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_PROTOCOL,
        "cannot build the %s request (bad characters in the URL or the "
        "camera's challenge)",
        method);
    return;
  }
  data = g_bytes_get_data (bytes, &size);
  g_byte_array_append (p->out, data, (guint) size);
  PROBE_DEBUG (p, "> %s", method);
  arm_timer (p, p->limits.request_timeout_ms);
  flush (p);
}

/* The SDP's resolution, from its SPS (0x0 when it has none). */
static void
read_video (CeProbe *p, const CeSdpVideo *video)
{
  CeVideoParams params = {.codec = video->codec};
  g_autoptr (GByteArray) au = g_byte_array_new ();
  static const guint8 start_code[] = {0, 0, 0, 1};
  GBytes *sets[] = {video->vps, video->sps, video->pps};

  p->result.codec = video->codec;
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++) {
    gsize size;
    const guint8 *data;

    if (sets[i] == NULL)
      continue;
    data = g_bytes_get_data (sets[i], &size);
    g_byte_array_append (au, start_code, sizeof start_code);
    g_byte_array_append (au, data, (guint) size);
  }
  if (au->len > 0 &&
      (video->codec == CE_CODEC_H264 || video->codec == CE_CODEC_H265)) {
    ce_video_params_update (&params, au->data, au->len);
    p->result.width = params.width;
    p->result.height = params.height;
  }
  ce_video_params_clear (&params);
}

static void
on_describe (CeProbe *p, CeRtspResponse *r)
{
  g_autoptr (GError) error = NULL;
  CeSdpVideo video = {0};
  gsize size = 0;
  const char *body = r->body != NULL ? g_bytes_get_data (r->body, &size) : NULL;

  if (body == NULL || size == 0) {
    finish (p, CE_PROBE_NO_VIDEO, CE_PROBE_REASON_NONE,
        "camera answered DESCRIBE without a description");
    return;
  }
  if (!ce_sdp_parse_video (body, size, &video, &error)) {
    finish (p, CE_PROBE_NO_VIDEO, CE_PROBE_REASON_NONE,
        "camera's description has no usable video: %s", error->message);
    return;
  }
  read_video (p, &video);
  ce_sdp_video_clear (&video);
  if (p->result.width > 0)
    finish (p, CE_PROBE_ONLINE, CE_PROBE_REASON_NONE, "%s %ux%u",
        ce_codec_to_string (p->result.codec), p->result.width,
        p->result.height);
  else
    finish (p, CE_PROBE_ONLINE, CE_PROBE_REASON_NONE, "%s",
        ce_codec_to_string (p->result.codec));
}

static void
on_response (CeProbe *p, CeRtspResponse *r)
{
  const char *method = p->state == ST_OPTIONS ? "OPTIONS" : "DESCRIBE";

  if (r->cseq >= 0 && r->cseq != p->cseq) {
    PROBE_DEBUG (p, "ignoring an answer to CSeq %d", r->cseq);
    return;
  }
  p->result.status = r->status;
  PROBE_DEBUG (p, "< %u to %s", r->status, method);
  if (r->status == 401) {
    g_autoptr (GError) error = NULL;

    if (p->username == NULL) {
      finish (p, CE_PROBE_AUTH_FAILED, CE_PROBE_REASON_STATUS,
          "camera asks for credentials (401 to %s) and the registry has none",
          method);
      return;
    }
    /* One answer to a challenge per request, one more when the camera only
     * says the nonce went stale (the password was right). */
    if (p->have_challenge && !p->challenge.stale) {
      finish (p, CE_PROBE_AUTH_FAILED, CE_PROBE_REASON_STATUS,
          "camera refused the credentials (401 to %s)", method);
      return;
    }
    if (++p->auth_tries > 3) {
      finish (p, CE_PROBE_AUTH_FAILED, CE_PROBE_REASON_STATUS,
          "camera keeps asking for authentication (401 to %s)", method);
      return;
    }
    ce_rtsp_challenge_clear (&p->challenge);
    p->have_challenge = FALSE;
    if (!ce_rtsp_response_get_challenge (r, &p->challenge, &error)) {
      finish (p, CE_PROBE_AUTH_FAILED, CE_PROBE_REASON_STATUS,
          "camera asks for an authentication we cannot do: %s", error->message);
      return;
    }
    p->have_challenge = TRUE;
    send_request (p, method);
    return;
  }
  /* Answered without a challenge: a later 401 is a refusal. */
  if (p->have_challenge)
    p->challenge.stale = FALSE;

  if (p->state == ST_OPTIONS) {
    /* Some firmwares answer OPTIONS with 404/405/501: DESCRIBE decides. */
    p->state = ST_DESCRIBE;
    send_request (p, "DESCRIBE");
    return;
  }
  if (r->status < 200 || r->status >= 300) {
    finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_STATUS,
        "camera answered DESCRIBE with %u %s", r->status,
        r->reason != NULL ? r->reason : "");
    return;
  }
  on_describe (p, r);
}

static void
process_input (CeProbe *p)
{
  gsize offset = 0;

  while (!p->finished && offset < p->in->len) {
    g_autoptr (CeRtspResponse) r = NULL;
    g_autoptr (GError) error = NULL;
    const guint8 *payload = NULL;
    gsize consumed = 0, payload_size = 0;
    guint8 channel = 0;
    CeRtspParseResult res =
        ce_rtsp_parse_response (p->in->data + offset, p->in->len - offset,
            &consumed, &r, &channel, &payload, &payload_size, &error);

    if (res == CE_RTSP_PARSE_NEED_MORE)
      break;
    if (res == CE_RTSP_PARSE_ERROR) {
      finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_PROTOCOL,
          "camera answered with something that is not RTSP: %s",
          error != NULL ? error->message : "?");
      return;
    }
    offset += consumed;
    if (res == CE_RTSP_PARSE_RESPONSE && r != NULL)
      on_response (p, r);
    /* Interleaved data before any SETUP is noise: skipped, but counted
     * against the byte budget. */
  }
  if (!p->finished && offset > 0)
    g_byte_array_remove_range (p->in, 0, (guint) offset);
}

static gboolean
on_io (GSocket *socket, GIOCondition cond, gpointer data)
{
  CeProbe *p = data;

  p->refs++;
  if (cond & G_IO_OUT)
    flush (p);
  for (guint round = 0;
       round < 8 && !p->finished && (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR));
       round++) {
    guint8 buf[8192];
    g_autoptr (GError) error = NULL;
    gsize room = p->limits.max_bytes - p->bytes_read;
    gssize n = g_socket_receive (socket, (char *) buf,
        MIN (sizeof buf, room + 1), NULL, &error);

    if (n < 0) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_PROTOCOL,
            "connection to the camera broke: %s", error->message);
      break;
    }
    if (n == 0) {
      finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_PROTOCOL,
          "camera closed the connection before answering %s",
          p->state == ST_OPTIONS ? "OPTIONS" : "DESCRIBE");
      break;
    }
    p->bytes_read += (gsize) n;
    if (p->bytes_read > p->limits.max_bytes) {
      finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_PROTOCOL,
          "camera sent more than %" G_GSIZE_FORMAT " bytes without a "
          "complete answer",
          p->limits.max_bytes);
      break;
    }
    g_byte_array_append (p->in, buf, (guint) n);
    process_input (p);
    if ((gsize) n < sizeof buf)
      break;
  }
  probe_unref (p);
  /* finish() destroyed this source when it ended the probe. */
  return G_SOURCE_CONTINUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  CeProbe *p = data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn =
      g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  if (p->finished) {
    if (conn != NULL) {
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      g_object_unref (conn);
    }
    probe_unref (p);
    return;
  }
  if (conn == NULL) {
    CeProbeReason reason = CE_PROBE_REASON_UNREACHABLE;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
      reason = CE_PROBE_REASON_REFUSED;
    else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
      reason = CE_PROBE_REASON_TIMEOUT;
    finish (p, CE_PROBE_OFFLINE, reason, "cannot connect: %s", error->message);
    probe_unref (p);
    return;
  }
  p->connection = conn;
  p->socket = g_socket_connection_get_socket (conn);
  g_socket_set_blocking (p->socket, FALSE);
  p->connected = g_get_monotonic_time ();
  p->state = ST_OPTIONS;
  send_request (p, "OPTIONS");
  probe_unref (p);
}

static void
reject (CeProbe *p, const char *message)
{
  finish (p, CE_PROBE_OFFLINE, CE_PROBE_REASON_UNREACHABLE, "%s", message);
}

CeProbe *
ce_probe_start (const char *url, const char *username, const char *password,
    const CeProbeLimits *limits, CeProbeDoneFunc done, gpointer user_data)
{
  CeProbe *p;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GSocketClient) client = NULL;
  int port;

  g_return_val_if_fail (url != NULL, NULL);

  p = g_new0 (CeProbe, 1);
  p->refs = 1;
  if (limits != NULL)
    p->limits = *limits;
  else
    ce_probe_limits_init (&p->limits);
  p->limits.connect_timeout_ms = MAX (p->limits.connect_timeout_ms, 1);
  p->limits.request_timeout_ms = MAX (p->limits.request_timeout_ms, 1);
  p->limits.total_timeout_ms = MAX (p->limits.total_timeout_ms, 1);
  p->limits.max_bytes = MAX (p->limits.max_bytes, 1024);
  p->done = done;
  p->user_data = user_data;
  p->context = g_main_context_ref_thread_default ();
  p->cancellable = g_cancellable_new ();
  p->in = g_byte_array_new ();
  p->out = g_byte_array_new ();
  p->username = username != NULL && *username ? g_strdup (username) : NULL;
  p->password = password != NULL && *password ? g_strdup (password) : NULL;
  p->started = g_get_monotonic_time ();
  p->total_deadline = p->started + (gint64) p->limits.total_timeout_ms * 1000;
  p->state = ST_CONNECTING;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  port = uri != NULL && g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 554;
  p->log_name = g_strdup_printf ("%s:%d%s",
      uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "?",
      port, uri != NULL ? g_uri_get_path (uri) : "");
  /* The URL goes into every request: without its userinfo. */
  p->url = uri != NULL ? g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO)
                       : g_strdup (url);

  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      *g_uri_get_host (uri) == '\0') {
    reject (p, "not an RTSP URL");
    return p;
  }
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "rtsp") != 0) {
    reject (p, "not an rtsp:// URL (only RTSP over TCP is probed)");
    return p;
  }

  client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (client, FALSE);
  arm_timer (p, p->limits.connect_timeout_ms);
  p->refs++; /* the pending connect */
  g_socket_client_connect_to_host_async (client, g_uri_get_host (uri),
      (guint16) port, p->cancellable, on_connected, p);
  return p;
}

void
ce_probe_cancel (CeProbe *probe)
{
  if (probe == NULL)
    return;
  if (!probe->cancelled) {
    probe->cancelled = TRUE;
    probe->finished = TRUE;
    probe_close (probe);
    probe_unref (probe);
  }
}
