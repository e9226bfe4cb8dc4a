/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * ce-rtsp-load: a single-threaded RTSP load client that plays many sessions
 * over TCP without decoding and counts what each one receives.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <glib.h>
#include <glib-unix.h>
#include <gio/gio.h>

#define PROGRAM "ce-rtsp-load"

/* Bytes kept of each RTP packet: header, CSRCs, a short extension and
 * enough payload to walk a STAP-A/AP of parameter sets. */
#define PREFIX_BYTES 160
#define READ_BYTES (256 * 1024)
#define MAX_TEXT_BYTES (64 * 1024)
#define MAX_EVENTS 256

typedef enum
{
  ST_WAITING,
  ST_CONNECTING,
  ST_OPTIONS,
  ST_DESCRIBE,
  ST_SETUP,
  ST_PLAY,
  ST_PLAYING,
  ST_DONE,
  ST_FAILED,
} State;

static const char *const state_names[] = {"waiting", "connect", "OPTIONS",
    "DESCRIBE", "SETUP", "PLAY", "playing", "done", "failed"};

typedef enum
{
  RX_START,
  RX_HEADER,
  RX_PAYLOAD,
  RX_TEXT,
} RxState;

typedef struct
{
  char *url;
  struct sockaddr_storage addr;
  socklen_t addr_len;
} Target;

typedef struct
{
  guint index;
  guint target;
  int fd;
  State state;
  gboolean slow;
  gboolean stopped_reading;
  gboolean closed_by_peer;
  guint cseq;
  char *session_id;
  guint session_timeout_s;
  char *setup_url;
  char *play_url;
  gboolean h265;
  guint rtp_channel;
  char *error;

  /* Monotonic microseconds; 0 = not yet. */
  gint64 t_start;
  gint64 t_connected;
  gint64 t_play_reply;
  gint64 t_first_rtp;
  gint64 t_first_key;
  gint64 t_last_rtp;
  gint64 t_stop_reading;
  gint64 next_keepalive;

  /* Receive parser. */
  RxState rx;
  guint8 header[4];
  guint header_len;
  guint channel;
  guint32 left;
  guint8 prefix[PREFIX_BYTES];
  guint prefix_len;
  GString *text;

  /* Counters. */
  guint64 packets;
  guint64 bytes;
  guint64 frames;
  guint64 keyframes;
  guint64 gaps;
  guint64 gap_events;
  guint64 late_packets;
  guint64 rtcp_packets;
  guint64 ssrc_changes;
  guint64 pending_at_end;
  gboolean have_seq;
  guint16 next_seq;
  guint32 ssrc;
  gboolean in_frame;
  gboolean frame_key;
  gint64 frame_start;
} Session;

typedef struct
{
  /* Options. */
  guint n_sessions;
  guint per_url;
  double duration_s;
  guint ramp_ms;
  guint slow;
  double stop_reading_after_s;
  double start_timeout_s;
  double fps;
  gboolean json;
  gboolean verbose;
  gboolean no_options;

  GPtrArray *targets; /* Target */
  Session *sessions;
  guint n_started;
  guint n_settled;
  gboolean announced;
  int epfd;
  guint8 *buf;
  gint64 t0;
  gint64 t_end;
  gint64 t_all_started;
  GMainLoop *loop;
} Load;

static Load load;

static void
target_free (Target *t)
{
  g_free (t->url);
  g_free (t);
}

static double
ms_between (gint64 from, gint64 to)
{
  return (double) (to - from) / 1000.0;
}

static void
session_close (Session *s)
{
  if (s->fd >= 0) {
    epoll_ctl (load.epfd, EPOLL_CTL_DEL, s->fd, NULL);
    close (s->fd);
    s->fd = -1;
  }
}

static void
session_settle (Session *s)
{
  load.n_settled++;
  if (!load.announced && load.n_started == load.n_sessions &&
      load.n_settled == load.n_sessions) {
    guint playing = 0;

    for (guint i = 0; i < load.n_sessions; i++)
      playing += load.sessions[i].state == ST_PLAYING;
    load.announced = TRUE;
    load.t_all_started = g_get_monotonic_time ();
    /* A line the benchmark script waits for before it starts measuring. */
    g_printerr (PROGRAM ": all %u sessions started: %u playing, %u failed, "
                        "after %.0f ms\n",
        load.n_sessions, playing, load.n_sessions - playing,
        ms_between (load.t0, load.t_all_started));
  }
}

static void session_fail (Session *s, const char *fmt, ...)
    G_GNUC_PRINTF (2, 3);

static void
session_fail (Session *s, const char *fmt, ...)
{
  va_list ap;
  gboolean was_starting = s->state < ST_PLAYING;

  if (s->state == ST_FAILED || s->state == ST_DONE)
    return;
  va_start (ap, fmt);
  g_free (s->error);
  s->error = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (load.verbose)
    g_printerr (PROGRAM ": session %u (%s): %s\n", s->index,
        ((Target *) g_ptr_array_index (load.targets, s->target))->url,
        s->error);
  s->state = ST_FAILED;
  session_close (s);
  if (was_starting)
    session_settle (s);
}

static const char *
session_url (Session *s)
{
  return ((Target *) g_ptr_array_index (load.targets, s->target))->url;
}

static gboolean
session_send (Session *s, const char *method, const char *url,
    const char *extra)
{
  g_autofree char *req = NULL;
  gsize len;
  ssize_t n;

  s->cseq++;
  req = g_strdup_printf ("%s %s RTSP/1.0\r\nCSeq: %u\r\n"
                         "User-Agent: " PROGRAM "\r\n%s%s%s%s\r\n",
      method, url, s->cseq, s->session_id != NULL ? "Session: " : "",
      s->session_id != NULL ? s->session_id : "",
      s->session_id != NULL ? "\r\n" : "", extra != NULL ? extra : "");
  len = strlen (req);
  n = send (s->fd, req, len, MSG_NOSIGNAL);
  if (n < 0 || (gsize) n != len) {
    session_fail (s, "%s: send: %s", method,
        n < 0 ? g_strerror (errno) : "short write");
    return FALSE;
  }
  return TRUE;
}

static void
session_send_describe (Session *s)
{
  s->state = ST_DESCRIBE;
  session_send (s, "DESCRIBE", session_url (s), "Accept: application/sdp\r\n");
}

/* ---- response parsing ---------------------------------------------- */

typedef struct
{
  guint status;
  guint cseq;
  const char *body;
  gsize body_len;
  char *session;
  char *content_base;
  char *transport;
} Response;

static void
response_clear (Response *r)
{
  g_free (r->session);
  g_free (r->content_base);
  g_free (r->transport);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Response, response_clear)

/* Parses a complete message (headers and body) in @msg. */
static gboolean
response_parse (Response *r, const char *msg, gsize header_len, gsize total)
{
  g_autofree char *head = g_strndup (msg, header_len);
  g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);

  if (lines[0] == NULL || !g_str_has_prefix (lines[0], "RTSP/1.0 ") ||
      strlen (lines[0]) < 12)
    return FALSE;
  r->status = (guint) g_ascii_strtoull (lines[0] + 9, NULL, 10);
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++) {
    char *colon = strchr (lines[i], ':');
    char *value;

    if (colon == NULL)
      continue;
    *colon = '\0';
    value = g_strstrip (colon + 1);
    if (g_ascii_strcasecmp (lines[i], "CSeq") == 0)
      r->cseq = (guint) g_ascii_strtoull (value, NULL, 10);
    else if (g_ascii_strcasecmp (lines[i], "Session") == 0)
      r->session = g_strdup (value);
    else if (g_ascii_strcasecmp (lines[i], "Content-Base") == 0 ||
        (g_ascii_strcasecmp (lines[i], "Content-Location") == 0 &&
            r->content_base == NULL))
      r->content_base = g_strdup (value);
    else if (g_ascii_strcasecmp (lines[i], "Transport") == 0)
      r->transport = g_strdup (value);
  }
  r->body = msg + header_len;
  r->body_len = total - header_len;
  return TRUE;
}

static char *
resolve_control (const char *base, const char *control)
{
  if (control == NULL || strcmp (control, "*") == 0)
    return g_strdup (base);
  if (g_ascii_strncasecmp (control, "rtsp://", 7) == 0)
    return g_strdup (control);
  if (g_str_has_suffix (base, "/"))
    return g_strconcat (base, control, NULL);
  return g_strconcat (base, "/", control, NULL);
}

static gboolean
session_parse_sdp (Session *s, const Response *r)
{
  g_autofree char *sdp = g_strndup (r->body, r->body_len);
  g_auto (GStrv) lines = g_strsplit (sdp, "\n", -1);
  g_autofree char *session_control = NULL;
  g_autofree char *media_control = NULL;
  const char *base =
      r->content_base != NULL ? r->content_base : session_url (s);
  gboolean in_media = FALSE, in_video = FALSE, found = FALSE;

  for (guint i = 0; lines[i] != NULL; i++) {
    char *line = g_strchomp (lines[i]);

    if (g_str_has_prefix (line, "m=")) {
      if (found)
        break;
      in_media = TRUE;
      in_video = g_str_has_prefix (line, "m=video");
      found = in_video;
    } else if (g_str_has_prefix (line, "a=control:")) {
      if (!in_media)
        session_control = g_strdup (line + 10);
      else if (in_video)
        media_control = g_strdup (line + 10);
    } else if (in_video && g_str_has_prefix (line, "a=rtpmap:")) {
      char *name = strchr (line, ' ');

      s->h265 = name != NULL &&
          (g_ascii_strncasecmp (name + 1, "H265", 4) == 0 ||
              g_ascii_strncasecmp (name + 1, "HEVC", 4) == 0);
    }
  }
  if (!found)
    return FALSE;
  g_free (s->setup_url);
  s->setup_url = resolve_control (base, media_control);
  g_free (s->play_url);
  if (session_control != NULL && strcmp (session_control, "*") != 0)
    s->play_url = resolve_control (base, session_control);
  else
    s->play_url = g_strdup (session_url (s));
  return TRUE;
}

static void
session_on_response (Session *s, const Response *r, gint64 now)
{
  if (s->state == ST_PLAYING)
    return; /* keep-alive answers */
  if (r->status != 200) {
    session_fail (s, "%s: status %u", state_names[s->state], r->status);
    return;
  }
  switch (s->state) {
    case ST_OPTIONS:
      session_send_describe (s);
      break;
    case ST_DESCRIBE:
      if (!session_parse_sdp (s, r)) {
        session_fail (s, "DESCRIBE: no video in the SDP");
        return;
      }
      s->state = ST_SETUP;
      session_send (s, "SETUP", s->setup_url,
          "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
      break;
    case ST_SETUP: {
      const char *il;
      char *semi;

      if (r->session == NULL) {
        session_fail (s, "SETUP: no Session header");
        return;
      }
      s->session_id = g_strdup (r->session);
      semi = strchr (s->session_id, ';');
      if (semi != NULL) {
        const char *t = strstr (semi, "timeout=");

        if (t != NULL)
          s->session_timeout_s = (guint) g_ascii_strtoull (t + 8, NULL, 10);
        *semi = '\0';
      }
      if (s->session_timeout_s == 0)
        s->session_timeout_s = 60;
      il = r->transport != NULL ? strstr (r->transport, "interleaved=") : NULL;
      s->rtp_channel =
          il != NULL ? (guint) g_ascii_strtoull (il + 12, NULL, 10) : 0;
      s->state = ST_PLAY;
      session_send (s, "PLAY", s->play_url, "Range: npt=0.000-\r\n");
      break;
    }
    case ST_PLAY:
      s->state = ST_PLAYING;
      s->t_play_reply = now;
      s->next_keepalive =
          now + (gint64) s->session_timeout_s * G_USEC_PER_SEC / 2;
      if (s->slow)
        s->t_stop_reading =
            now + (gint64) (load.stop_reading_after_s * G_USEC_PER_SEC);
      session_settle (s);
      break;
    default:
      break;
  }
}

/* ---- RTP ------------------------------------------------------------- */

static gboolean
nal_is_key (gboolean h265, guint8 b0)
{
  if (h265) {
    guint type = (b0 >> 1) & 0x3f;

    return type >= 16 && type <= 21; /* IRAP: BLA, IDR, CRA */
  }
  return (b0 & 0x1f) == 5; /* IDR */
}

/* Whether the payload (or what we kept of it) carries a keyframe NAL. */
static gboolean
payload_is_key (gboolean h265, const guint8 *p, guint len)
{
  guint type, off;

  if (len < 1)
    return FALSE;
  if (h265) {
    if (len < 2)
      return FALSE;
    type = (p[0] >> 1) & 0x3f;
    if (type == 49) /* FU */
      return len >= 3 && ((p[2] & 0x3f) >= 16 && (p[2] & 0x3f) <= 21);
    if (type == 48) { /* AP */
      for (off = 2; off + 2 < len;) {
        guint size = (guint) p[off] << 8 | p[off + 1];

        if (nal_is_key (TRUE, p[off + 2]))
          return TRUE;
        off += 2 + size;
      }
      return FALSE;
    }
    return nal_is_key (TRUE, p[0]);
  }
  type = p[0] & 0x1f;
  if (type == 28) /* FU-A */
    return len >= 2 && (p[1] & 0x1f) == 5;
  if (type == 24) { /* STAP-A */
    for (off = 1; off + 2 < len;) {
      guint size = (guint) p[off] << 8 | p[off + 1];

      if (nal_is_key (FALSE, p[off + 2]))
        return TRUE;
      off += 2 + size;
    }
    return FALSE;
  }
  return nal_is_key (FALSE, p[0]);
}

static void
session_on_packet (Session *s, gint64 now)
{
  const guint8 *p = s->prefix;
  guint len = s->prefix_len, off;
  guint16 seq;
  guint32 ssrc;
  gboolean marker;

  if (s->channel != s->rtp_channel) {
    s->rtcp_packets++;
    return;
  }
  if (len < 12 || (p[0] >> 6) != 2)
    return;
  marker = (p[1] & 0x80) != 0;
  seq = (guint16) (p[2] << 8 | p[3]);
  ssrc = (guint32) p[8] << 24 | (guint32) p[9] << 16 | (guint32) p[10] << 8 |
      p[11];
  off = 12 + 4 * (p[0] & 0x0f);
  if ((p[0] & 0x10) != 0 && off + 4 <= len)
    off += 4 + 4 * ((guint) p[off + 2] << 8 | p[off + 3]);

  s->packets++;
  if (s->t_first_rtp == 0)
    s->t_first_rtp = now;
  s->t_last_rtp = now;

  if (s->have_seq && ssrc != s->ssrc) {
    s->ssrc_changes++;
    s->have_seq = FALSE;
  }
  if (s->have_seq) {
    guint16 diff = (guint16) (seq - s->next_seq);

    if (diff != 0 && diff < 0x8000) {
      s->gaps += diff;
      s->gap_events++;
    } else if (diff != 0) {
      s->late_packets++;
      return;
    }
  }
  s->have_seq = TRUE;
  s->ssrc = ssrc;
  s->next_seq = (guint16) (seq + 1);

  if (!s->in_frame) {
    s->in_frame = TRUE;
    s->frame_key = FALSE;
    s->frame_start = now;
  }
  if (!s->frame_key && off < len &&
      payload_is_key (s->h265, p + off, len - off)) {
    s->frame_key = TRUE;
    if (s->t_first_key == 0)
      s->t_first_key = s->frame_start;
  }
  if (marker) {
    s->frames++;
    s->keyframes += s->frame_key;
    s->in_frame = FALSE;
  }
}

/* Feeds received bytes through the interleaved/RTSP demultiplexer. */
static void
session_feed (Session *s, const guint8 *data, gsize len, gint64 now)
{
  while (len > 0 && s->fd >= 0) {
    switch (s->rx) {
      case RX_START:
        if (data[0] == '$') {
          s->rx = RX_HEADER;
          s->header_len = 0;
        } else {
          s->rx = RX_TEXT;
          if (s->text == NULL)
            s->text = g_string_sized_new (1024);
          g_string_truncate (s->text, 0);
        }
        break;
      case RX_HEADER: {
        guint n = MIN (4 - s->header_len, (guint) len);

        memcpy (s->header + s->header_len, data, n);
        s->header_len += n;
        data += n;
        len -= n;
        if (s->header_len == 4) {
          s->channel = s->header[1];
          s->left = (guint32) s->header[2] << 8 | s->header[3];
          s->prefix_len = 0;
          s->bytes += 4;
          s->rx = s->left > 0 ? RX_PAYLOAD : RX_START;
        }
        break;
      }
      case RX_PAYLOAD: {
        gsize n = MIN ((gsize) s->left, len);

        if (s->prefix_len < PREFIX_BYTES) {
          guint keep = (guint) MIN (n, (gsize) (PREFIX_BYTES - s->prefix_len));

          memcpy (s->prefix + s->prefix_len, data, keep);
          s->prefix_len += keep;
        }
        s->left -= (guint32) n;
        s->bytes += n;
        data += n;
        len -= n;
        if (s->left == 0) {
          s->rx = RX_START;
          session_on_packet (s, now);
        }
        break;
      }
      case RX_TEXT: {
        gsize old = s->text->len;
        const char *end;
        gsize header_len, total, clen = 0, extra;
        const char *cl;

        g_string_append_len (s->text, (const char *) data, (gssize) len);
        end = g_strstr_len (s->text->str + (old > 3 ? old - 3 : 0),
            (gssize) (s->text->len - (old > 3 ? old - 3 : 0)), "\r\n\r\n");
        if (end == NULL) {
          if (s->text->len > MAX_TEXT_BYTES)
            session_fail (s, "%s: no end of RTSP headers",
                state_names[s->state]);
          return;
        }
        header_len = (gsize) (end - s->text->str) + 4;
        /* Content-Length, case-insensitively, within the headers only. */
        for (cl = s->text->str; cl < s->text->str + header_len;) {
          const char *nl = strchr (cl, '\n');

          if (g_ascii_strncasecmp (cl, "Content-Length:", 15) == 0)
            clen = (gsize) g_ascii_strtoull (cl + 15, NULL, 10);
          if (nl == NULL)
            break;
          cl = nl + 1;
        }
        total = header_len + clen;
        if (total > MAX_TEXT_BYTES) {
          session_fail (s, "%s: RTSP message too large", state_names[s->state]);
          return;
        }
        if (s->text->len < total)
          return;
        extra = s->text->len - total;
        {
          g_auto (Response) r = {0};

          if (!response_parse (&r, s->text->str, header_len, total)) {
            session_fail (s, "%s: not an RTSP response", state_names[s->state]);
            return;
          }
          s->rx = RX_START;
          session_on_response (s, &r, now);
        }
        data += len - extra;
        len = extra;
        break;
      }
    }
  }
}

/* ---- connections ----------------------------------------------------- */

static void
session_start (Session *s)
{
  Target *t = g_ptr_array_index (load.targets, s->target);
  struct epoll_event ev = {0};
  int one = 1;

  s->t_start = g_get_monotonic_time ();
  s->state = ST_CONNECTING;
  s->fd =
      socket (t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    session_fail (s, "socket: %s", g_strerror (errno));
    return;
  }
  setsockopt (s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));
  if (connect (s->fd, (struct sockaddr *) &t->addr, t->addr_len) < 0 &&
      errno != EINPROGRESS) {
    session_fail (s, "connect: %s", g_strerror (errno));
    return;
  }
  ev.events = EPOLLOUT;
  ev.data.ptr = s;
  if (epoll_ctl (load.epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
    session_fail (s, "epoll: %s", g_strerror (errno));
}

static void
session_on_connected (Session *s)
{
  struct epoll_event ev = {0};
  int err = 0;
  socklen_t err_len = sizeof (err);

  if (getsockopt (s->fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
    err = errno;
  if (err != 0) {
    session_fail (s, "connect: %s", g_strerror (err));
    return;
  }
  s->t_connected = g_get_monotonic_time ();
  ev.events = EPOLLIN;
  ev.data.ptr = s;
  epoll_ctl (load.epfd, EPOLL_CTL_MOD, s->fd, &ev);
  if (load.no_options) {
    session_send_describe (s);
  } else {
    s->state = ST_OPTIONS;
    session_send (s, "OPTIONS", session_url (s), NULL);
  }
}

static void
session_read (Session *s)
{
  /* A few reads per wakeup keep one busy socket from starving the rest. */
  for (guint i = 0; i < 4 && s->fd >= 0; i++) {
    ssize_t n = recv (s->fd, load.buf, READ_BYTES, 0);
    gint64 now = g_get_monotonic_time ();

    if (n > 0) {
      session_feed (s, load.buf, (gsize) n, now);
      if (n < READ_BYTES)
        return;
    } else if (n == 0) {
      s->closed_by_peer = TRUE;
      session_fail (s, "%s: connection closed by the server",
          state_names[s->state]);
      return;
    } else {
      if (errno != EAGAIN && errno != EINTR)
        session_fail (s, "%s: recv: %s", state_names[s->state],
            g_strerror (errno));
      return;
    }
  }
}

/* Handles what epoll reports ready; returns how many events it got. */
static int
drain_events (void)
{
  struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait (load.epfd, events, MAX_EVENTS, 0);

  for (int i = 0; i < n; i++) {
    Session *s = events[i].data.ptr;

    if (s->fd < 0)
      continue;
    if (s->state == ST_CONNECTING)
      session_on_connected (s);
    else
      session_read (s);
  }
  return n;
}

static gboolean
on_epoll (int fd, GIOCondition cond, gpointer data)
{
  drain_events ();
  return G_SOURCE_CONTINUE;
}

/* Batch mode: a timer instead of a wakeup per readiness, so that at
 * thousands of sessions each wakeup and each recv() carries more data. */
static gboolean
on_batch (gpointer data)
{
  for (guint i = 0; i < 64 && drain_events () == MAX_EVENTS; i++)
    ;
  return G_SOURCE_CONTINUE;
}

static void
start_next (void)
{
  Session *s;

  if (load.n_started >= load.n_sessions)
    return;
  s = &load.sessions[load.n_started++];
  session_start (s);
}

static gboolean
on_ramp (gpointer data)
{
  start_next ();
  return load.n_started < load.n_sessions ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Slow viewers stop reading: the socket stays open, unread. */
static void
session_stop_reading (Session *s, gint64 now)
{
  if (s->fd >= 0)
    epoll_ctl (load.epfd, EPOLL_CTL_DEL, s->fd, NULL);
  s->stopped_reading = TRUE;
  s->t_stop_reading = now;
}

static void
finish (void)
{
  for (guint i = 0; i < load.n_sessions; i++) {
    Session *s = &load.sessions[i];

    if (s->state != ST_PLAYING && s->state != ST_FAILED &&
        s->state != ST_DONE && s->state != ST_WAITING)
      session_fail (s, "%s: not playing at the end", state_names[s->state]);
    if (s->state != ST_PLAYING)
      continue;
    if (s->stopped_reading) {
      /* How much did the server still queue for the stalled viewer, and did
       * it hang up? Drain what is readable without blocking. */
      for (guint k = 0; k < 256; k++) {
        ssize_t n = recv (s->fd, load.buf, READ_BYTES, MSG_DONTWAIT);

        if (n > 0) {
          s->pending_at_end += (guint64) n;
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
          s->closed_by_peer = TRUE;
        break;
      }
    } else {
      session_send (s, "TEARDOWN", s->play_url, NULL);
    }
    s->state = ST_DONE;
    session_close (s);
  }
}

static gboolean
on_tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 start_timeout = (gint64) (load.start_timeout_s * G_USEC_PER_SEC);

  if (now >= load.t_end) {
    finish ();
    g_main_loop_quit (load.loop);
    return G_SOURCE_REMOVE;
  }
  for (guint i = 0; i < load.n_started; i++) {
    Session *s = &load.sessions[i];

    if (s->state > ST_WAITING && s->state < ST_PLAYING &&
        now - s->t_start > start_timeout) {
      session_fail (s, "%s: timeout after %.1f s", state_names[s->state],
          load.start_timeout_s);
    } else if (s->state == ST_PLAYING && !s->stopped_reading) {
      if (s->slow && now >= s->t_stop_reading)
        session_stop_reading (s, now);
      else if (now >= s->next_keepalive) {
        s->next_keepalive =
            now + (gint64) s->session_timeout_s * G_USEC_PER_SEC / 2;
        session_send (s, "OPTIONS", s->play_url, NULL);
      }
    }
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  load.t_end = g_get_monotonic_time ();
  return G_SOURCE_CONTINUE;
}

/* ---- report ------------------------------------------------------------ */

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array; -1 when empty. */
static double
percentile (GArray *sorted, double p)
{
  guint rank;

  if (sorted->len == 0)
    return -1;
  rank = (guint) MAX (1.0, (p / 100.0) * sorted->len + 0.999999);
  return g_array_index (sorted, double, MIN (rank, sorted->len) - 1);
}

static void
append_percentiles (GString *out, const char *name, GArray *values)
{
  g_array_sort (values, compare_doubles);
  g_string_append_printf (out,
      "\"%s\":{\"n\":%u,\"min\":%.1f,\"p50\":%.1f,\"p90\":%.1f,"
      "\"p99\":%.1f,\"max\":%.1f}",
      name, values->len, percentile (values, 0), percentile (values, 50),
      percentile (values, 90), percentile (values, 99),
      percentile (values, 100));
}

static void
append_json_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const char *c = text; *c != '\0'; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_printf (out, "\\%c", *c);
    else if ((guchar) *c < 0x20)
      g_string_append_printf (out, "\\u%04x", (guint) (guchar) *c);
    else
      g_string_append_c (out, *c);
  }
  g_string_append_c (out, '"');
}

typedef struct
{
  guint sessions;
  guint playing;
  guint zero_frames;
  guint64 frames_min;
  guint64 frames_max;
  guint64 gaps;
  double first_key_min;
  double first_rtp_min;
} UrlStats;

/* Frames a session should have seen from its first packet to its last at
 * the camera's rate, allowing one frame and 2 % of pacing jitter. */
static gboolean
session_is_short (Session *s)
{
  double seconds = (double) (s->t_last_rtp - s->t_first_rtp) / G_USEC_PER_SEC;
  double expected = load.fps * seconds;

  return load.fps > 0 && seconds > 1.0 &&
      (double) s->frames + 1.0 < expected * 0.98;
}

static void
report (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GArray) first_rtp = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) first_key = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) play_reply = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GHashTable) errors =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree UrlStats *urls = g_new0 (UrlStats, load.targets->len);
  guint64 packets = 0, bytes = 0, frames = 0, keyframes = 0, gaps = 0;
  guint64 gap_events = 0, late = 0, ssrc_changes = 0, frames_expected = 0;
  guint playing = 0, zero_frames = 0, short_sessions = 0, lossy = 0;
  guint slow = 0, slow_closed = 0, normal_closed = 0, ended_early = 0;
  guint64 slow_pending = 0;
  double min_ratio = -1;
  struct rusage ru;
  double cpu_ms, wall_s;
  GHashTableIter iter;
  gpointer key, value;

  getrusage (RUSAGE_SELF, &ru);
  cpu_ms = (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
      (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
  wall_s = (double) (g_get_monotonic_time () - load.t0) / G_USEC_PER_SEC;

  for (guint i = 0; i < load.targets->len; i++) {
    urls[i].frames_min = G_MAXUINT64;
    urls[i].first_key_min = -1;
    urls[i].first_rtp_min = -1;
  }
  for (guint i = 0; i < load.n_sessions; i++) {
    Session *s = &load.sessions[i];
    UrlStats *u = &urls[s->target];
    gboolean played = s->t_play_reply != 0;

    u->sessions++;
    if (!played)
      continue;
    playing++;
    u->playing++;
    packets += s->packets;
    bytes += s->bytes;
    frames += s->frames;
    keyframes += s->keyframes;
    gaps += s->gaps;
    gap_events += s->gap_events;
    late += s->late_packets;
    ssrc_changes += s->ssrc_changes;
    u->gaps += s->gaps;
    u->frames_min = MIN (u->frames_min, s->frames);
    u->frames_max = MAX (u->frames_max, s->frames);
    if (s->slow) {
      slow++;
      slow_closed += s->closed_by_peer;
      slow_pending += s->pending_at_end;
      continue;
    }
    normal_closed += s->closed_by_peer;
    ended_early += s->error != NULL;
    g_array_append_val (play_reply,
        (double){ms_between (s->t_start, s->t_play_reply)});
    if (s->frames == 0) {
      zero_frames++;
      u->zero_frames++;
    }
    if (s->t_first_rtp != 0) {
      double ms = ms_between (s->t_start, s->t_first_rtp);
      double seconds =
          (double) (s->t_last_rtp - s->t_first_rtp) / G_USEC_PER_SEC;
      double expected = load.fps * seconds;

      g_array_append_val (first_rtp, ms);
      if (u->first_rtp_min < 0 || ms < u->first_rtp_min)
        u->first_rtp_min = ms;
      frames_expected += (guint64) expected;
      if (expected > 0) {
        double ratio = (double) s->frames / expected;

        if (min_ratio < 0 || ratio < min_ratio)
          min_ratio = ratio;
      }
    }
    if (s->t_first_key != 0) {
      double ms = ms_between (s->t_start, s->t_first_key);

      g_array_append_val (first_key, ms);
      if (u->first_key_min < 0 || ms < u->first_key_min)
        u->first_key_min = ms;
    }
    if (session_is_short (s))
      short_sessions++;
    if (s->gaps > 0 || session_is_short (s) || s->frames == 0 ||
        s->error != NULL)
      lossy++;
  }
  /* Errors grouped by their text (which carries no per-session numbers). */
  for (guint i = 0; i < load.n_sessions; i++) {
    Session *s = &load.sessions[i];

    if (s->error == NULL || (s->t_play_reply != 0 && s->stopped_reading))
      continue;
    value = g_hash_table_lookup (errors, s->error);
    g_hash_table_insert (errors, g_strdup (s->error),
        GUINT_TO_POINTER (GPOINTER_TO_UINT (value) + 1));
  }

  g_string_append_printf (out,
      "{\"sessions\":%u,\"urls\":%u,\"playing\":%u,\"failed\":%u,"
      "\"duration_s\":%.3f,\"packets\":%" G_GUINT64_FORMAT
      ",\"bytes\":%" G_GUINT64_FORMAT
      ",\"mbit_s\":%.2f,\"frames\":%" G_GUINT64_FORMAT
      ",\"keyframes\":%" G_GUINT64_FORMAT
      ",\"frames_expected\":%" G_GUINT64_FORMAT
      ",\"min_frame_ratio\":%.3f,\"gaps\":%" G_GUINT64_FORMAT
      ",\"gap_events\":%" G_GUINT64_FORMAT
      ",\"late_packets\":%" G_GUINT64_FORMAT
      ",\"ssrc_changes\":%" G_GUINT64_FORMAT
      ",\"zero_frame_sessions\":%u,\"short_sessions\":%u,"
      "\"lossy_sessions\":%u,\"ended_early\":%u,\"closed_by_server\":%u,"
      "\"slow_sessions\":%u,\"slow_closed_by_server\":%u,"
      "\"slow_pending_bytes\":%" G_GUINT64_FORMAT
      ",\"client_cpu_ms\":%.0f,\"client_wall_s\":%.3f,",
      load.n_sessions, load.targets->len, playing, load.n_sessions - playing,
      load.duration_s, packets, bytes,
      wall_s > 0 ? (double) bytes * 8.0 / 1e6 / wall_s : 0.0, frames, keyframes,
      frames_expected, min_ratio, gaps, gap_events, late, ssrc_changes,
      zero_frames, short_sessions, lossy, ended_early, normal_closed, slow,
      slow_closed, slow_pending, cpu_ms, wall_s);
  append_percentiles (out, "play_reply_ms", play_reply);
  g_string_append_c (out, ',');
  append_percentiles (out, "first_rtp_ms", first_rtp);
  g_string_append_c (out, ',');
  append_percentiles (out, "first_key_ms", first_key);
  g_string_append (out, ",\"errors\":{");
  g_hash_table_iter_init (&iter, errors);
  for (guint n = 0; g_hash_table_iter_next (&iter, &key, &value); n++) {
    if (n > 0)
      g_string_append_c (out, ',');
    append_json_string (out, key);
    g_string_append_printf (out, ":%u", GPOINTER_TO_UINT (value));
  }
  g_string_append (out, "},\"per_url\":[");
  for (guint i = 0; i < load.targets->len; i++) {
    UrlStats *u = &urls[i];
    Target *t = g_ptr_array_index (load.targets, i);

    if (i > 0)
      g_string_append_c (out, ',');
    g_string_append (out, "{\"url\":");
    append_json_string (out, t->url);
    g_string_append_printf (out,
        ",\"sessions\":%u,\"playing\":%u,\"zero_frames\":%u,"
        "\"frames_min\":%" G_GUINT64_FORMAT ",\"frames_max\":%" G_GUINT64_FORMAT
        ",\"gaps\":%" G_GUINT64_FORMAT
        ",\"first_rtp_ms_min\":%.1f,\"first_key_ms_min\":%.1f}",
        u->sessions, u->playing, u->zero_frames,
        u->frames_min == G_MAXUINT64 ? 0 : u->frames_min, u->frames_max,
        u->gaps, u->first_rtp_min, u->first_key_min);
  }
  g_string_append (out, "]}\n");

  if (load.json) {
    fputs (out->str, stdout);
  } else {
    g_print ("sessions %u (%u URLs): %u playing, %u failed\n", load.n_sessions,
        load.targets->len, playing, load.n_sessions - playing);
    g_print ("received %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
             " frames (%" G_GUINT64_FORMAT " key), %.1f Mbit/s\n",
        packets, frames, keyframes,
        wall_s > 0 ? (double) bytes * 8.0 / 1e6 / wall_s : 0.0);
    g_print ("lost packets %" G_GUINT64_FORMAT " in %" G_GUINT64_FORMAT
             " gaps; sessions with no frame %u, short of frames %u\n",
        gaps, gap_events, zero_frames, short_sessions);
    g_print ("first keyframe packet: p50 %.1f ms, p90 %.1f ms, max %.1f ms "
             "(%u sessions)\n",
        percentile (first_key, 50), percentile (first_key, 90),
        percentile (first_key, 100), first_key->len);
    if (slow > 0)
      g_print ("slow sessions %u: %u closed by the server, %" G_GUINT64_FORMAT
               " bytes pending\n",
          slow, slow_closed, slow_pending);
    g_hash_table_iter_init (&iter, errors);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_print ("error ×%u: %s\n", GPOINTER_TO_UINT (value), (char *) key);
    g_print ("client CPU %.0f ms over %.1f s\n", cpu_ms, wall_s);
  }
  if (load.verbose) {
    for (guint i = 0; i < load.n_sessions; i++) {
      Session *s = &load.sessions[i];

      g_printerr ("session %u %s%s: frames %" G_GUINT64_FORMAT
                  " packets %" G_GUINT64_FORMAT " gaps %" G_GUINT64_FORMAT
                  " first_rtp %.1f ms first_key %.1f ms%s%s\n",
          i, session_url (s), s->slow ? " (slow)" : "", s->frames, s->packets,
          s->gaps,
          s->t_first_rtp ? ms_between (s->t_start, s->t_first_rtp) : -1.0,
          s->t_first_key ? ms_between (s->t_start, s->t_first_key) : -1.0,
          s->error != NULL ? " error: " : "", s->error != NULL ? s->error : "");
    }
  }
}

/* ---- set-up ------------------------------------------------------------ */

static gboolean
target_resolve (Target *t, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  struct addrinfo hints = {0}, *res = NULL;
  g_autofree char *port = NULL;
  int rc;

  uri = g_uri_parse (t->url, G_URI_FLAGS_NONE, error);
  if (uri == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "rtsp") != 0 ||
      g_uri_get_host (uri) == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Not an rtsp:// URL: %s", t->url);
    return FALSE;
  }
  port = g_strdup_printf ("%d",
      g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 554);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  rc = getaddrinfo (g_uri_get_host (uri), port, &hints, &res);
  if (rc != 0 || res == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "Cannot resolve %s: %s", g_uri_get_host (uri), gai_strerror (rc));
    return FALSE;
  }
  memcpy (&t->addr, res->ai_addr, res->ai_addrlen);
  t->addr_len = res->ai_addrlen;
  freeaddrinfo (res);
  return TRUE;
}

static gboolean
add_url (const char *url, GError **error)
{
  Target *t = g_new0 (Target, 1);

  t->url = g_strdup (url);
  g_ptr_array_add (load.targets, t);
  return target_resolve (t, error);
}

static gboolean
read_url_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    char *line = g_strstrip (lines[i]);

    if (line[0] == '\0' || line[0] == '#')
      continue;
    if (!add_url (line, error))
      return FALSE;
  }
  return TRUE;
}

static void
raise_fd_limit (guint needed)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit (RLIMIT_NOFILE, &rl);
  }
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < needed + 16)
    g_printerr (PROGRAM ": warning: open file limit %lu is below %u "
                        "sessions\n",
        (unsigned long) rl.rlim_cur, needed);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *url_file = NULL;
  gint sessions = 0, per_url = 0, ramp_ms = 0, slow = 0, batch_ms = 0;
  double duration = 10, stop_after = 2, start_timeout = 10, fps = 25;
  gboolean json = FALSE, verbose = FALSE, no_options = FALSE;
  const GOptionEntry entries[] = {
      {"sessions", 'n', 0, G_OPTION_ARG_INT, &sessions,
          "Sessions in total, spread round-robin over the URLs", "N"},
      {"per-url", 0, 0, G_OPTION_ARG_INT, &per_url,
          "Sessions per URL instead of --sessions", "N"},
      {"urls", 'u', 0, G_OPTION_ARG_FILENAME, &url_file,
          "Read URLs from FILE, one a line, besides the arguments", "FILE"},
      {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration,
          "Seconds from the first connect to the end, 1 to 3600 (default 10)",
          "S"},
      {"ramp", 'r', 0, G_OPTION_ARG_INT, &ramp_ms,
          "Milliseconds between two connects (default 0: all at once)", "MS"},
      {"slow", 0, 0, G_OPTION_ARG_INT, &slow,
          "The last K sessions to connect stop reading their socket", "K"},
      {"stop-reading-after", 0, 0, G_OPTION_ARG_DOUBLE, &stop_after,
          "Seconds after PLAY when the --slow sessions stop reading "
          "(default 2)",
          "S"},
      {"start-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &start_timeout,
          "Seconds for connect to PLAY reply before a session fails "
          "(default 10)",
          "S"},
      {"fps", 0, 0, G_OPTION_ARG_DOUBLE, &fps,
          "Camera frame rate for the short-of-frames check, 0 = none "
          "(default 25)",
          "F"},
      {"batch-ms", 'b', 0, G_OPTION_ARG_INT, &batch_ms,
          "Read every MS milliseconds instead of on each wakeup: cheaper at "
          "thousands of sessions, times are then accurate to MS (default 0)",
          "MS"},
      {"no-options", 0, 0, G_OPTION_ARG_NONE, &no_options,
          "Start with DESCRIBE, not OPTIONS", NULL},
      {"json", 'j', 0, G_OPTION_ARG_NONE, &json,
          "Print the summary as one JSON object", NULL},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          "Print failures as they happen and one line per session at the end",
          NULL},
      G_OPTION_ENTRY_NULL,
  };
  guint sigint, sigterm;

  context = g_option_context_new ("URL… - RTSP load without decoding");
  g_option_context_set_description (context,
      "Plays every session over TCP (interleaved) and counts packets, frames\n"
      "(RTP marker bits), lost packets (sequence gaps) and the time from\n"
      "connect to the first packet and to the first packet of a keyframe.\n"
      "Prints \"" PROGRAM ": all N sessions started\" on standard error once\n"
      "every session plays or failed.\n"
      "\n"
      "Example:\n"
      "  " PROGRAM " --per-url 5 --duration 30 --ramp 10 --json \\\n"
      "      rtsp://127.0.0.1:8554/cameras/31011300001320000001");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return 2;
  }

  load.targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
  for (int i = 1; i < argc; i++) {
    if (!add_url (argv[i], &error)) {
      g_printerr (PROGRAM ": %s\n", error->message);
      return 2;
    }
  }
  if (url_file != NULL && !read_url_file (url_file, &error)) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return 2;
  }
  if (load.targets->len == 0) {
    g_printerr (PROGRAM ": no URL (see --help)\n");
    return 2;
  }
  if (per_url < 0 || sessions < 0 || ramp_ms < 0 || slow < 0 || batch_ms < 0 ||
      batch_ms > 1000 || duration < 1 || duration > 3600 || stop_after < 0 ||
      start_timeout <= 0 || fps < 0 || (per_url > 0 && sessions > 0)) {
    g_printerr (PROGRAM ": bad option values (see --help)\n");
    return 2;
  }
  load.n_sessions = per_url > 0 ? (guint) per_url * load.targets->len
      : sessions > 0            ? (guint) sessions
                                : load.targets->len;
  if (load.n_sessions > 100000 || (guint) slow > load.n_sessions) {
    g_printerr (PROGRAM ": too many sessions\n");
    return 2;
  }
  load.per_url = (guint) per_url;
  load.duration_s = duration;
  load.ramp_ms = (guint) ramp_ms;
  load.slow = (guint) slow;
  load.stop_reading_after_s = stop_after;
  load.start_timeout_s = start_timeout;
  load.fps = fps;
  load.json = json;
  load.verbose = verbose;
  load.no_options = no_options;

  signal (SIGPIPE, SIG_IGN);
  raise_fd_limit (load.n_sessions);
  load.epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (load.epfd < 0) {
    g_printerr (PROGRAM ": epoll: %s\n", g_strerror (errno));
    return 1;
  }
  load.buf = g_malloc (READ_BYTES);
  load.sessions = g_new0 (Session, load.n_sessions);
  for (guint i = 0; i < load.n_sessions; i++) {
    Session *s = &load.sessions[i];

    s->index = i;
    s->fd = -1;
    /* Round-robin over the URLs (so --per-url N gives each URL N): every
     * camera gets its first viewer early in the ramp. */
    s->target = i % load.targets->len;
    /* The last K to connect: one per URL while K <= URLs. */
    s->slow = i >= load.n_sessions - load.slow;
  }

  load.loop = g_main_loop_new (NULL, FALSE);
  load.t0 = g_get_monotonic_time ();
  load.t_end = load.t0 + (gint64) (duration * G_USEC_PER_SEC);
  if (batch_ms > 0)
    g_timeout_add ((guint) batch_ms, on_batch, NULL);
  else
    g_unix_fd_add (load.epfd, G_IO_IN, on_epoll, NULL);
  sigint = g_unix_signal_add (SIGINT, on_signal, NULL);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_timeout_add (100, on_tick, NULL);
  if (load.ramp_ms == 0) {
    while (load.n_started < load.n_sessions)
      start_next ();
  } else {
    start_next ();
    g_timeout_add (load.ramp_ms, on_ramp, NULL);
  }
  g_main_loop_run (load.loop);

  report ();

  g_source_remove (sigint);
  g_source_remove (sigterm);
  for (guint i = 0; i < load.n_sessions; i++) {
    Session *s = &load.sessions[i];

    session_close (s);
    g_free (s->session_id);
    g_free (s->setup_url);
    g_free (s->play_url);
    g_free (s->error);
    if (s->text != NULL)
      g_string_free (s->text, TRUE);
  }
  g_free (load.sessions);
  g_free (load.buf);
  close (load.epfd);
  g_ptr_array_unref (load.targets);
  g_main_loop_unref (load.loop);
  return 0;
}
