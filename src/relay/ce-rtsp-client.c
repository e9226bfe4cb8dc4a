/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The camera-side RTSP client: a request/response state machine over one
 * non-blocking TCP connection, RTP arriving interleaved on the same
 * connection.
 */
#include "ce-config.h"
#include "ce-poller.h"
#include "ce-rtsp-client.h"
#include "ce-rtsp-msg.h"
#include "ce-rtp.h"

#include <string.h>

/* GStreamer is not needed here; logs go through GLib. */
#define CLIENT_DEBUG(c, fmt, ...) \
  g_debug ("%s: " fmt, (c)->log_name, ##__VA_ARGS__)

typedef enum
{
  ST_CONNECTING,
  ST_OPTIONS,
  ST_DESCRIBE,
  ST_SETUP,
  ST_SETUP_AUDIO,
  ST_PLAY,
  ST_PLAYING,
  ST_DONE,
} State;

struct _CeRtspClient
{
  int refs; /* main context only: callbacks hold one while they run */
  gboolean freed;
  char *url;
  char *log_name; /* host:port/path, for logs */
  char *username;
  char *password;
  guint timeout_ms;
  CeRtspClientFuncs funcs;
  gpointer user_data;

  GMainContext *context;
  GCancellable *cancellable;
  GSocketConnection *connection;
  GSocket *socket;
  CePoller *poller;
  CePollerWatch *io; /* while connected */
  GSource *timer;
  gboolean want_write;

  GByteArray *in;
  GByteArray *out;

  State state;
  int cseq;
  char *pending_method; /* the request awaiting a response */
  char *pending_uri;
  gint64 request_sent;
  gboolean auth_retried;
  CeRtspChallenge challenge;
  gboolean have_challenge;

  char *session;
  guint session_timeout_s;
  gboolean get_parameter; /* keep-alive with GET_PARAMETER */
  gint64 last_keepalive;
  char *base;
  char *track_url;
  CeSdpVideo video;
  gboolean have_video;
  gboolean want_audio;
  CeSdpAudio audio;
  gboolean have_audio;
  char *audio_url;
  CeRtspClientTimes times;
  gboolean done;
};

static void client_flush (CeRtspClient *c);
static void client_unref (CeRtspClient *c);

static void fail (CeRtspClient *c, guint status, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static void
fail (CeRtspClient *c, guint status, const char *fmt, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  if (c->done)
    return;
  va_start (ap, fmt);
  message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  c->done = TRUE;
  c->state = ST_DONE;
  CLIENT_DEBUG (c, "failed: %s", message);
  if (c->funcs.failed != NULL)
    c->funcs.failed (c, status, message, c->user_data);
}

/* ---- requests --------------------------------------------------------- */

static char *
authorization (CeRtspClient *c, const char *method, const char *uri)
{
  if (!c->have_challenge || c->username == NULL)
    return NULL;
  return ce_rtsp_challenge_authorization (&c->challenge, c->username,
      c->password, method, uri);
}

static void
send_request (CeRtspClient *c, const char *method, const char *uri,
    const char *extra_name, const char *extra_value)
{
  g_autofree char *auth = authorization (c, method, uri);
  const char *headers[12];
  guint n = 0;
  g_autoptr (GBytes) bytes = NULL;
  gsize size;
  const guint8 *data;

  headers[n++] = "User-Agent";
  headers[n++] = "cityeye/" CE_VERSION;
  if (auth != NULL) {
    headers[n++] = "Authorization";
    headers[n++] = auth;
  }
  /* The audio SETUP joins the session the video SETUP opened. */
  if (c->session != NULL) {
    headers[n++] = "Session";
    headers[n++] = c->session;
  }
  if (extra_name != NULL) {
    headers[n++] = extra_name;
    headers[n++] = extra_value;
  }
  headers[n] = NULL;
  bytes = ce_rtsp_request_build (method, uri, ++c->cseq, headers);
  if (bytes == NULL) {
    fail (c, 0, "cannot build the %s request (bad characters in the URL?)",
        method);
    return;
  }
  data = g_bytes_get_data (bytes, &size);
  g_byte_array_append (c->out, data, (guint) size);
  g_free (c->pending_method);
  g_free (c->pending_uri);
  c->pending_method = g_strdup (method);
  c->pending_uri = g_strdup (uri);
  c->request_sent = g_get_monotonic_time ();
  CLIENT_DEBUG (c, "> %s %s", method, uri);
  client_flush (c);
}

static void
send_next (CeRtspClient *c)
{
  switch (c->state) {
    case ST_OPTIONS:
      send_request (c, "OPTIONS", c->url, NULL, NULL);
      break;
    case ST_DESCRIBE:
      send_request (c, "DESCRIBE", c->url, "Accept", "application/sdp");
      break;
    case ST_SETUP:
      send_request (c, "SETUP", c->track_url, "Transport",
          "RTP/AVP/TCP;unicast;interleaved=0-1");
      break;
    case ST_SETUP_AUDIO:
      send_request (c, "SETUP", c->audio_url, "Transport",
          "RTP/AVP/TCP;unicast;interleaved=2-3");
      break;
    case ST_PLAY: {
      /* Aggregate control: the session-level a=control when given
       * (Hikvision sends an absolute one), else the base. */
      g_autofree char *play = ce_rtsp_resolve_control (
          c->base != NULL ? c->base : c->url, c->video.session_control);

      send_request (c, "PLAY", play, "Range", "npt=0.000-");
      break;
    }
    default:
      break;
  }
}

/* ---- responses -------------------------------------------------------- */

static void
on_response (CeRtspClient *c, CeRtspResponse *r)
{
  const char *h;

  if (c->pending_method == NULL) {
    /* Answers to keep-alives arrive while playing; a lost session is the
     * only news in them. */
    return;
  }
  if (r->cseq >= 0 && r->cseq != c->cseq) {
    CLIENT_DEBUG (c, "ignoring a response to CSeq %d", r->cseq);
    return;
  }
  if (r->status == 401 && c->username != NULL &&
      (!c->auth_retried || c->challenge.stale)) {
    g_autoptr (GError) error = NULL;

    ce_rtsp_challenge_clear (&c->challenge);
    c->have_challenge = FALSE;
    if (!ce_rtsp_response_get_challenge (r, &c->challenge, &error)) {
      fail (c, 401, "camera asked for authentication we cannot do: %s",
          error->message);
      return;
    }
    c->have_challenge = TRUE;
    c->auth_retried = TRUE;
    send_next (c);
    return;
  }
  if (g_strcmp0 (c->pending_method, "GET_PARAMETER") == 0 ||
      g_strcmp0 (c->pending_method, "OPTIONS") == 0) {
    if (c->state == ST_PLAYING) {
      g_clear_pointer (&c->pending_method, g_free);
      if (r->status == 454)
        fail (c, 454, "camera lost our session (454)");
      /* Other keep-alive answers (some firmwares answer 451/501) are
       * proof of life all the same. */
      return;
    }
  }
  if (c->state == ST_SETUP_AUDIO && (r->status < 200 || r->status >= 300) &&
      r->status != 401 && r->status != 454) {
    /* The picture matters, the sound is a bonus: play without it. */
    CLIENT_DEBUG (c, "audio SETUP refused (%u): video only", r->status);
    g_clear_pointer (&c->pending_method, g_free);
    ce_sdp_audio_clear (&c->audio);
    c->have_audio = FALSE;
    c->state = ST_PLAY;
    send_next (c);
    return;
  }
  if (r->status < 200 || r->status >= 300) {
    if (r->status == 401)
      fail (c, 401, "camera refused the credentials (401)");
    else
      fail (c, r->status, "camera answered %s with %u %s", c->pending_method,
          r->status, r->reason != NULL ? r->reason : "");
    return;
  }
  g_clear_pointer (&c->pending_method, g_free);

  switch (c->state) {
    case ST_OPTIONS:
      c->get_parameter = ce_rtsp_public_has_method (
          ce_rtsp_response_get_header (r, "public"), "GET_PARAMETER");
      c->state = ST_DESCRIBE;
      send_next (c);
      break;
    case ST_DESCRIBE: {
      g_autoptr (GError) error = NULL;
      gsize size = 0;
      const char *body =
          r->body != NULL ? g_bytes_get_data (r->body, &size) : NULL;

      c->times.described = g_get_monotonic_time ();
      h = ce_rtsp_response_get_header (r, "content-base");
      if (h == NULL)
        h = ce_rtsp_response_get_header (r, "content-location");
      g_free (c->base);
      c->base = g_strdup (h != NULL ? h : c->url);
      if (body == NULL || !ce_sdp_parse_video (body, size, &c->video, &error)) {
        fail (c, 0, "camera's description has no usable video: %s",
            error != NULL ? error->message : "empty SDP");
        return;
      }
      c->have_video = TRUE;
      g_free (c->track_url);
      c->track_url = ce_rtsp_resolve_control (c->base, c->video.control);
      if (c->want_audio && ce_sdp_parse_audio (body, size, &c->audio)) {
        g_free (c->audio_url);
        c->audio_url = ce_rtsp_resolve_control (c->base, c->audio.control);
        /* A track without its own control URL cannot be set up apart
         * from the video. */
        c->have_audio = c->audio.control != NULL &&
            g_strcmp0 (c->audio_url, c->track_url) != 0;
        if (!c->have_audio)
          ce_sdp_audio_clear (&c->audio);
      }
      if (c->funcs.described != NULL)
        c->funcs.described (c, &c->video, c->have_audio ? &c->audio : NULL,
            c->user_data);
      c->state = ST_SETUP;
      send_next (c);
      break;
    }
    case ST_SETUP: {
      CeRtspSession s = {0};

      h = ce_rtsp_response_get_header (r, "session");
      if (h == NULL || !ce_rtsp_session_parse (h, &s, NULL)) {
        fail (c, 0, "camera's SETUP answer has no session");
        return;
      }
      g_free (c->session);
      c->session = g_strdup (s.id);
      c->session_timeout_s = s.timeout > 0 ? s.timeout : 60;
      ce_rtsp_session_clear (&s);
      c->state = ST_PLAY;
      if (c->have_audio)
        c->state = ST_SETUP_AUDIO;
      send_next (c);
      break;
    }
    case ST_SETUP_AUDIO:
      c->state = ST_PLAY;
      send_next (c);
      break;
    case ST_PLAY:
      c->state = ST_PLAYING;
      c->times.playing = g_get_monotonic_time ();
      c->last_keepalive = c->times.playing;
      CLIENT_DEBUG (c, "playing");
      if (c->funcs.playing != NULL)
        c->funcs.playing (c, &c->video, c->have_audio ? &c->audio : NULL,
            c->user_data);
      break;
    default:
      break;
  }
}

static void
process_input (CeRtspClient *c)
{
  gsize offset = 0;

  while (!c->done && offset < c->in->len) {
    g_autoptr (CeRtspResponse) r = NULL;
    g_autoptr (GError) error = NULL;
    const guint8 *payload = NULL;
    gsize consumed = 0, payload_size = 0;
    guint8 channel = 0;
    CeRtspParseResult res =
        ce_rtsp_parse_response (c->in->data + offset, c->in->len - offset,
            &consumed, &r, &channel, &payload, &payload_size, &error);

    if (res == CE_RTSP_PARSE_NEED_MORE)
      break;
    if (res == CE_RTSP_PARSE_ERROR) {
      fail (c, 0, "camera sent a malformed RTSP message: %s",
          error != NULL ? error->message : "?");
      break;
    }
    offset += consumed;
    if (res == CE_RTSP_PARSE_INTERLEAVED) {
      if (c->state == ST_PLAYING && c->funcs.rtp != NULL &&
          (channel == 0 || (channel == 2 && c->have_audio)))
        c->funcs.rtp (c, channel == 0 ? 0 : 1, payload, payload_size,
            c->user_data);
      /* Channels 1 and 3 carry the camera's RTCP: nothing we need. */
    } else if (res == CE_RTSP_PARSE_RESPONSE && r != NULL) {
      on_response (c, r);
    }
  }
  if (offset > 0)
    g_byte_array_remove_range (c->in, 0, (guint) offset);
}

/* ---- I/O ---------------------------------------------------------------- */

static void
set_want_write (CeRtspClient *c, gboolean want)
{
  if (c->io == NULL || c->want_write == want)
    return;
  c->want_write = want;
  ce_poller_watch_set_events (c->io, want ? G_IO_IN | G_IO_OUT : G_IO_IN);
}

static void on_io (int fd, GIOCondition cond, gpointer data);

static void
attach_io (CeRtspClient *c)
{
  if (c->io != NULL || c->socket == NULL || c->done)
    return;
  c->io = ce_poller_watch_add (c->poller, g_socket_get_fd (c->socket),
      c->want_write ? G_IO_IN | G_IO_OUT : G_IO_IN, on_io, c);
}

static void
detach_io (CeRtspClient *c)
{
  g_clear_pointer (&c->io, ce_poller_watch_remove);
}

static void
client_flush (CeRtspClient *c)
{
  if (c->socket == NULL || c->done)
    return;
  while (c->out->len > 0) {
    g_autoptr (GError) error = NULL;
    gssize n = g_socket_send (c->socket, (const char *) c->out->data,
        c->out->len, NULL, &error);

    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      fail (c, 0, "connection to the camera broke: %s", error->message);
      return;
    }
    g_byte_array_remove_range (c->out, 0, (guint) n);
  }
  set_want_write (c, c->out->len > 0);
  attach_io (c);
}

static void
on_io (int fd, GIOCondition cond, gpointer data)
{
  CeRtspClient *c = data;
  GSocket *socket = c->socket;

  c->refs++;
  if (cond & G_IO_OUT)
    client_flush (c);
  if (!c->done && (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
    for (guint round = 0; round < 16 && !c->done; round++) {
      guint8 buf[16384];
      g_autoptr (GError) error = NULL;
      gssize n =
          g_socket_receive (socket, (char *) buf, sizeof buf, NULL, &error);

      if (n < 0) {
        if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
          fail (c, 0, "connection to the camera broke: %s", error->message);
        break;
      }
      if (n == 0) {
        fail (c, 0, "camera closed the connection");
        break;
      }
      g_byte_array_append (c->in, buf, (guint) n);
      process_input (c);
      if (c->in->len > 2 * 1024 * 1024) {
        fail (c, 0, "camera sent more than we can parse");
        break;
      }
      if ((gsize) n < sizeof buf)
        break;
    }
  }
  if (c->done && !c->freed) {
    /* Failed: stop polling (a closed socket would wake us forever). */
    detach_io (c);
  }
  client_unref (c);
}

static gboolean
on_timer (gpointer data)
{
  CeRtspClient *c = data;
  gint64 now = g_get_monotonic_time ();

  if (c->done)
    return G_SOURCE_CONTINUE;
  c->refs++;
  if (c->pending_method != NULL &&
      now - c->request_sent > (gint64) c->timeout_ms * 1000) {
    fail (c, 0, "camera did not answer %s within %u ms", c->pending_method,
        c->timeout_ms);
    client_unref (c);
    return G_SOURCE_CONTINUE;
  }
  if (c->state == ST_PLAYING && c->pending_method == NULL &&
      now - c->last_keepalive >
          (gint64) c->session_timeout_s * G_USEC_PER_SEC / 2) {
    c->last_keepalive = now;
    send_request (c, c->get_parameter ? "GET_PARAMETER" : "OPTIONS",
        c->base != NULL ? c->base : c->url, NULL, NULL);
  }
  client_unref (c);
  return G_SOURCE_CONTINUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn =
      g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  CeRtspClient *c;

  if (conn == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return; /* freed */
    c = data;
    fail (c, 0, "cannot connect to the camera: %s", error->message);
    return;
  }
  c = data;
  c->connection = conn;
  c->socket = g_socket_connection_get_socket (conn);
  g_socket_set_blocking (c->socket, FALSE);
  c->times.connected = g_get_monotonic_time ();
  c->state = ST_OPTIONS;
  c->refs++;
  send_next (c);
  client_unref (c);
}

CeRtspClient *
ce_rtsp_client_new (const char *url, const char *username, const char *password,
    guint timeout_ms, gboolean audio, const CeRtspClientFuncs *funcs,
    gpointer user_data)
{
  CeRtspClient *c = g_new0 (CeRtspClient, 1);
  g_autoptr (GSocketClient) sc = g_socket_client_new ();

  c->refs = 1;
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  int port;

  c->url = g_strdup (url);
  c->username = username != NULL && *username ? g_strdup (username) : NULL;
  c->password = password != NULL && *password ? g_strdup (password) : NULL;
  c->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
  c->want_audio = audio;
  c->funcs = *funcs;
  c->user_data = user_data;
  c->context = g_main_context_ref_thread_default ();
  c->poller = ce_poller_ref_for_context (c->context);
  c->cancellable = g_cancellable_new ();
  c->in = g_byte_array_new ();
  c->out = g_byte_array_new ();
  c->state = ST_CONNECTING;
  c->request_sent = g_get_monotonic_time ();
  c->pending_method = g_strdup ("connect");
  port = uri != NULL && g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 554;
  c->log_name = g_strdup_printf ("%s:%d%s",
      uri != NULL && g_uri_get_host (uri) ? g_uri_get_host (uri) : "?", port,
      uri != NULL ? g_uri_get_path (uri) : "");

  /* Whole seconds, coalesced with every other such timer (see ce-ingest.c):
   * a request times out a second late at most. */
  c->timer = g_timeout_source_new_seconds (1);
  g_source_set_callback (c->timer, on_timer, c, NULL);
  g_source_attach (c->timer, c->context);

  if (uri == NULL || g_uri_get_host (uri) == NULL) {
    fail (c, 0, "not an RTSP URL");
    return c;
  }
  g_socket_client_set_enable_proxy (sc, FALSE);
  g_socket_client_set_timeout (sc, (c->timeout_ms + 999) / 1000);
  g_socket_client_connect_to_host_async (sc, g_uri_get_host (uri),
      (guint16) port, c->cancellable, on_connected, c);
  return c;
}

static void
client_unref (CeRtspClient *c)
{
  if (--c->refs > 0)
    return;
  g_object_unref (c->cancellable);
  ce_poller_unref (c->poller);
  g_main_context_unref (c->context);
  g_byte_array_unref (c->in);
  g_byte_array_unref (c->out);
  ce_rtsp_challenge_clear (&c->challenge);
  if (c->have_video)
    ce_sdp_video_clear (&c->video);
  ce_sdp_audio_clear (&c->audio);
  g_free (c->audio_url);
  if (c->password != NULL)
    memset (c->password, 0, strlen (c->password));
  g_free (c->password);
  g_free (c->username);
  g_free (c->session);
  g_free (c->base);
  g_free (c->track_url);
  g_free (c->pending_method);
  g_free (c->pending_uri);
  g_free (c->url);
  g_free (c->log_name);
  g_free (c);
}

void
ce_rtsp_client_free (CeRtspClient *c)
{
  if (c == NULL)
    return;
  if (c->state == ST_PLAYING && c->socket != NULL && !c->done) {
    /* Best effort: one non-blocking write, no waiting for the answer. */
    g_autofree char *auth = authorization (c, "TEARDOWN", c->base);
    const char *headers[] = {"Session", c->session,
        auth != NULL ? "Authorization" : NULL, auth, NULL};
    g_autoptr (GBytes) b = ce_rtsp_request_build ("TEARDOWN",
        c->base != NULL ? c->base : c->url, ++c->cseq, headers);
    gsize size;
    const char *data = b != NULL ? g_bytes_get_data (b, &size) : NULL;

    if (data != NULL && c->out->len == 0)
      g_socket_send (c->socket, data, size, NULL, NULL);
  }
  c->done = TRUE;
  c->freed = TRUE;
  g_cancellable_cancel (c->cancellable);
  detach_io (c);
  g_source_destroy (c->timer);
  g_source_unref (c->timer);
  c->timer = NULL;
  if (c->connection != NULL) {
    g_io_stream_close (G_IO_STREAM (c->connection), NULL, NULL);
    g_clear_object (&c->connection);
    c->socket = NULL;
  }
  client_unref (c);
}

gboolean
ce_rtsp_client_send_rtcp (CeRtspClient *c, guint track, const guint8 *packet,
    gsize size)
{
  guint8 head[4];

  g_return_val_if_fail (c != NULL && packet != NULL, FALSE);

  if (c->done || c->state != ST_PLAYING || size > G_MAXUINT16 ||
      (track == CE_TRACK_AUDIO && !c->have_audio))
    return FALSE;
  head[0] = '$';
  head[1] = track == CE_TRACK_AUDIO ? 3 : 1;
  head[2] = (guint8) (size >> 8);
  head[3] = (guint8) size;
  g_byte_array_append (c->out, head, sizeof (head));
  g_byte_array_append (c->out, packet, (guint) size);
  /* Written when the socket is next writable: this may run inside the
   * rtp callback, in the middle of reading. */
  set_want_write (c, TRUE);
  return TRUE;
}

void
ce_rtsp_client_get_times (CeRtspClient *c, CeRtspClientTimes *times)
{
  *times = c->times;
}
