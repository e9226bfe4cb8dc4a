/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTSP connections, sessions and the per-viewer RTP writer.
 *
 * Data path: camera streaming thread → CeRtspMedia (packetised once) →
 * Viewer queue (references to shared frames, seq/timestamp assigned at
 * enqueue) → the connection's writer on the main context, which sends
 * every queued packet of the connection with one writev: a 4-byte
 * interleave header and a 12-byte RTP header per packet from a scratch
 * array, the payload straight from the access unit.
 *
 * Locks: hub → media → connection output (Conn.lock).  Producers only
 * append under Conn.lock; only the writer removes.
 */
#include "ce-config.h"
#include "ce-poller.h"
#include "ce-rtsp-server.h"
#include "ce-rtsp-media.h"
#include "ce-rtsp-msg.h"
#include "ce-sdp.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <gio/gio.h>

GST_DEBUG_CATEGORY_STATIC (ce_rtsp_debug);
#define GST_CAT_DEFAULT ce_rtsp_debug

#define MAX_IOV 512 /* vectors per writev */
#define MAX_BATCH (256 * 1024)
#define VIDEO_PAYLOAD_TYPE 96
#define SR_INTERVAL_US (5 * G_USEC_PER_SEC)
#define READ_CHUNK 8192
/* A virtual stream's first keyframe: polled this often, this long. */
#define VIRTUAL_POLL_MS 20
#define VIRTUAL_READY_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct _Conn Conn;
typedef struct _Viewer Viewer;

struct _CeRtspServer
{
  CeRtspServerConfig config;
  CeRelay *relay;   /* borrowed */
  guint preempt_id; /* ce_relay_add_preempt_func() */
  GMainContext *context;
  CePoller *poller; /* the connections' sockets */
  GSocket *listen;
  GSource *listen_source;
  GSocket *udp[2]; /* server RTP/RTCP for UDP viewers */
  guint16 udp_port[2];
  GSource *udp_rtcp_source;
  GSource *reaper;
  GList *conns;
  GHashTable *medias; /* stream key → CeRtspMedia (one ref) */
  CeRtspServerStats stats;
  /* Access control (ce_rtsp_server_set_auth) */
  CeRtspAuthorizeFunc authorize;
  CeRtspViewerFunc viewer_event;
  GDestroyNotify viewer_free;
  gpointer auth_data;
  GPtrArray *virtuals; /* Provider */
};

typedef struct
{
  char *prefix;
  CeRtspVirtualFuncs funcs;
  gpointer user_data;
} Provider;

typedef struct
{
  CeRtpFrame *frame;
  guint16 seq0;
  guint32 rtp;
} QFrame;

/* One track (video, audio) of a viewer. */
typedef struct
{
  gboolean setup;
  guint8 channel[2];
  GSocketAddress *udp_addr[2];
  guint32 ssrc;
  guint8 payload_type;
  guint clock_rate;
  /* Protected by conn->lock once subscribed. */
  guint16 seq;
  guint32 rtp_base;
  guint32 last_rtp;
  gint64 last_rtp_at;
  guint64 packets;
  guint64 octets;
} Track;

struct _Viewer
{
  Conn *conn;
  char *media_key;
  CeRtspMedia *media;
  guint sub_id; /* 0 when not playing */
  CeRtspLower lower;
  Track track[CE_N_TRACKS];
  /* Timeline: all below protected by conn->lock once subscribed.  The
   * video anchor maps the hub's timeline onto the viewer's; audio uses
   * the same mapping. */
  guint burst;
  gboolean have_anchor;
  guint64 anchor_pts;
  guint32 anchor_rtp;
  GQueue frames;
  gsize queued_bytes;
  guint chunk;  /* first unsent chunk of the head frame */
  gsize offset; /* bytes of that packet already sent */
  gboolean skipping;
  gboolean purge;
  gint64 skipping_since;
  gint64 lagging_since; /* first skip of the current bad spell, 0 = fine */
  gint64 resumed_at;
  guint64 skipped;
  gint64 last_sr;
  gboolean first_out;
  gint64 started_at; /* real time of PLAY, for the viewer event */
  guint64 octets_at_start;
};

struct _Conn
{
  int refs; /* main context only */
  CeRtspServer *server;
  GSocket *socket;
  CePollerWatch *watch; /* NULL once closed */
  char *peer;
  char *local;
  GByteArray *in;
  GCancellable *cancellable;
  gboolean busy;    /* waiting for a camera; input is held */
  gboolean closing; /* flush, then close */
  gboolean closed;
  gint64 last_activity;
  CeStream *stream; /* acquired at DESCRIBE or SETUP */
  /* Or, instead of a camera stream, a virtual one: */
  Provider *vprovider; /* borrowed from the server */
  gpointer vhandle;    /* from its open(), NULL when none */
  CeHub *vhub;         /* borrowed: valid until closed */
  char *vpath;
  char *vname;
  char *session;
  Viewer *viewer;
  char *auth_camera;    /* the camera the authorizer allowed, or NULL */
  gpointer auth_viewer; /* what it returned for it */

  GMutex lock;    /* output: */
  GQueue control; /* GBytes */
  gsize control_offset;
  gboolean want_write;
};

static void conn_close (Conn *c);
static void on_preempted (CeStream *stream, const char *reason,
    gpointer user_data);
static void conn_unref (Conn *c);
static gboolean conn_flush (Conn *c);
static void conn_process_input (Conn *c);

/* ---- what a connection plays: a camera stream or a virtual one -------- */

static gboolean
conn_has_source (Conn *c)
{
  return c->stream != NULL || c->vhandle != NULL;
}

/* The camera id, or the virtual stream's path. */
static const char *
conn_source_id (Conn *c)
{
  return c->stream != NULL ? ce_stream_get_camera_id (c->stream) : c->vpath;
}

static CeHub *
conn_source_hub (Conn *c)
{
  return c->stream != NULL ? ce_stream_get_hub (c->stream) : c->vhub;
}

static const char *
conn_source_name (Conn *c)
{
  return c->stream != NULL ? ce_stream_get_name (c->stream) : c->vname;
}

static void
conn_release_source (Conn *c)
{
  CeRtspServer *s = c->server;

  if (c->stream != NULL)
    ce_relay_release (s->relay, g_steal_pointer (&c->stream));
  if (c->vhandle != NULL)
    c->vprovider->funcs.close (g_steal_pointer (&c->vhandle),
        c->vprovider->user_data);
  c->vprovider = NULL;
  c->vhub = NULL;
  g_clear_pointer (&c->vpath, g_free);
  g_clear_pointer (&c->vname, g_free);
}

void
ce_rtsp_server_config_init (CeRtspServerConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->port = 8554;
  config->backlog = 1024;
  config->max_connections = 4096;
  config->session_timeout_s = 60;
  config->viewer_max_bytes = 4 << 20;
  config->viewer_max_delay_ms = 3000;
  config->viewer_drop_after_s = 10;
  config->cache_max_bytes = 16 << 20;
}

/* ---- the connection's I/O: a watch in the server's poller, woken from
 * streaming threads when a viewer's queue turns non-empty ---------------- */

static void
conn_on_io (int fd, GIOCondition cond, gpointer user_data)
{
  Conn *c = user_data;

  c->refs++;
  if (cond & (G_IO_HUP | G_IO_ERR)) {
    /* Read what is left (a TEARDOWN may be in it), then close. */
    cond |= G_IO_IN;
  }
  if (!c->closed && (cond & G_IO_IN)) {
    for (;;) {
      guint8 buf[READ_CHUNK];
      g_autoptr (GError) error = NULL;
      gssize n =
          g_socket_receive (c->socket, (char *) buf, sizeof buf, NULL, &error);

      if (n < 0) {
        if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
          break;
        GST_DEBUG ("%s: read error: %s", c->peer, error->message);
        conn_close (c);
        break;
      }
      if (n == 0) {
        GST_DEBUG ("%s: closed by the client", c->peer);
        conn_close (c);
        break;
      }
      c->last_activity = g_get_monotonic_time ();
      g_byte_array_append (c->in, buf, (guint) n);
      /* Parse as we go: the parser refuses oversized heads itself. */
      conn_process_input (c);
      if (c->closed || c->closing)
        break;
      if (c->in->len > CE_RTSP_MAX_HEAD + CE_RTSP_MAX_BODY + 64) {
        /* A client that keeps sending while we wait for its camera. */
        conn_close (c);
        break;
      }
      if ((gsize) n < sizeof buf)
        break;
    }
  }
  if (!c->closed && !conn_flush (c))
    conn_close (c);
  if (!c->closed && c->closing) {
    gboolean empty;

    g_mutex_lock (&c->lock);
    empty = g_queue_is_empty (&c->control);
    g_mutex_unlock (&c->lock);
    if (empty)
      conn_close (c);
  }
  conn_unref (c);
}

/* Thread-safe: wakes the connection's writer. */
static void
conn_wake (Conn *c)
{
  if (c->watch != NULL)
    ce_poller_watch_wake (c->watch);
}

static void
conn_set_want_write (Conn *c, gboolean want)
{
  if (c->want_write == want)
    return;
  c->want_write = want;
  ce_poller_watch_set_events (c->watch, want ? G_IO_IN | G_IO_OUT : G_IO_IN);
}

/* ---- control output --------------------------------------------------- */

static void
conn_send (Conn *c, GBytes *bytes)
{
  g_mutex_lock (&c->lock);
  g_queue_push_tail (&c->control, bytes);
  g_mutex_unlock (&c->lock);
  conn_wake (c);
}

static void
respond (Conn *c, guint status, int cseq, const char *const *headers,
    const char *content_type, const char *body)
{
  GString *r = ce_rtsp_response_new (status, cseq);

  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    ce_rtsp_response_add_header (r, headers[i], headers[i + 1]);
  if (c->session != NULL && status < 300) {
    g_autofree char *s = g_strdup_printf ("%s;timeout=%u", c->session,
        c->server->config.session_timeout_s);
    ce_rtsp_response_add_header (r, "Session", s);
  }
  conn_send (c,
      ce_rtsp_response_finish (r, content_type, body,
          body != NULL ? strlen (body) : 0));
}

static void
respond_error (Conn *c, guint status, int cseq, const char *why)
{
  GST_INFO ("%s: %u %s (%s)", c->peer, status, ce_rtsp_reason (status),
      why != NULL ? why : "");
  respond (c, status, cseq, NULL, NULL, NULL);
}

/* ---- viewers ---------------------------------------------------------- */

static void
qframe_free (QFrame *q)
{
  ce_rtp_frame_unref (q->frame);
  g_free (q);
}

static gsize
frame_wire_bytes (const CeRtpFrame *frame)
{
  return frame->payload_bytes + frame->n_chunks * 16;
}

/* The RTP timestamp of an audio packet, on the viewer's timeline: the
 * video anchor's media time plus the distance from it, at the audio clock
 * rate.  FALSE when it is not to be sent: no audio track set up, no video
 * sent yet (the players' A/V sync starts from the video), before the
 * anchor, or while the viewer skips.  Called with conn->lock held. */
static gboolean
viewer_audio_rtp (Viewer *v, const CeRtpFrame *frame, guint32 *rtp)
{
  Track *a = &v->track[CE_TRACK_AUDIO];
  guint64 media_ns;

  if (!a->setup || a->clock_rate == 0 || v->skipping || !v->have_anchor ||
      frame->pts < v->anchor_pts)
    return FALSE;
  media_ns = gst_util_uint64_scale_int (v->anchor_rtp -
                     v->track[CE_TRACK_VIDEO].rtp_base,
                 GST_SECOND, 90000) +
      (frame->pts - v->anchor_pts);
  *rtp = a->rtp_base +
      (guint32) gst_util_uint64_scale_int (media_ns, a->clock_rate, GST_SECOND);
  return TRUE;
}

/* Streaming thread (or subscribe), media lock held. */
static void
viewer_on_frame (gpointer subscriber, CeRtpFrame *frame, gboolean cached)
{
  Viewer *v = subscriber;
  Conn *c = v->conn;
  CeRtspServerConfig *cfg = &c->server->config;
  gboolean was_empty;
  QFrame *q;
  Track *t;
  guint32 rtp;

  g_mutex_lock (&c->lock);
  if (frame->track == CE_TRACK_AUDIO) {
    if (!viewer_audio_rtp (v, frame, &rtp)) {
      g_mutex_unlock (&c->lock);
      return;
    }
    goto queue;
  }
  if (v->skipping) {
    /* Resume only at a keyframe, once the backlog is gone. */
    if (!frame->keyframe || v->queued_bytes > cfg->viewer_max_bytes / 2 ||
        v->purge) {
      v->skipped++;
      c->server->stats.frames_skipped++;
      g_mutex_unlock (&c->lock);
      return;
    }
    v->skipping = FALSE;
    v->resumed_at = g_get_monotonic_time ();
    GST_DEBUG ("%s: caught up at a keyframe after skipping", c->peer);
  } else if (!cached && !g_queue_is_empty (&v->frames)) {
    QFrame *head = g_queue_peek_head (&v->frames);
    gboolean too_big =
        v->queued_bytes + frame_wire_bytes (frame) > cfg->viewer_max_bytes;
    gboolean too_late = frame->pts > head->frame->pts &&
        frame->pts - head->frame->pts >
            (guint64) cfg->viewer_max_delay_ms * GST_MSECOND;

    if (too_big || too_late) {
      GST_INFO ("%s: viewer behind (%zu bytes queued), skipping to the next "
                "keyframe",
          c->peer, v->queued_bytes);
      v->skipping = TRUE;
      v->purge = TRUE;
      v->skipping_since = g_get_monotonic_time ();
      /* Spells of skipping close together are one bad spell: a viewer
       * that catches up at a keyframe and falls behind again at once is
       * not keeping up. */
      if (v->lagging_since == 0)
        v->lagging_since = v->skipping_since;
      v->skipped++;
      c->server->stats.frames_skipped++;
      g_mutex_unlock (&c->lock);
      conn_wake (c);
      return;
    }
  }

  /* The cached GOP goes out as a burst 1 ms apart, so that players decode
   * it at once; live frames keep their real spacing after it. */
  if (cached) {
    rtp = v->track[CE_TRACK_VIDEO].rtp_base + v->burst * 90;
    v->burst++;
    v->have_anchor = TRUE;
    v->anchor_pts = frame->pts;
    v->anchor_rtp = rtp;
  } else {
    if (!v->have_anchor) {
      v->have_anchor = TRUE;
      v->anchor_pts = frame->pts;
      v->anchor_rtp = v->track[CE_TRACK_VIDEO].rtp_base;
    }
    if (frame->pts >= v->anchor_pts)
      rtp =
          v->anchor_rtp + (guint32) ((frame->pts - v->anchor_pts) * 9 / 100000);
    else
      rtp = v->anchor_rtp;
  }
  if (!v->track[CE_TRACK_VIDEO].setup) {
    /* An audio-only viewer: the video only keeps the timeline. */
    g_mutex_unlock (&c->lock);
    return;
  }
queue:
  t = &v->track[frame->track];
  q = g_new (QFrame, 1);
  q->frame = ce_rtp_frame_ref (frame);
  q->seq0 = t->seq;
  q->rtp = rtp;
  t->seq += (guint16) frame->n_chunks;
  t->last_rtp = rtp;
  t->last_rtp_at = g_get_monotonic_time ();
  was_empty = g_queue_is_empty (&v->frames);
  g_queue_push_tail (&v->frames, q);
  v->queued_bytes += frame_wire_bytes (frame);
  g_mutex_unlock (&c->lock);
  if (was_empty)
    conn_wake (c);
}

static const CeRtspMediaFuncs viewer_funcs = {viewer_on_frame};

static CeRtspMedia *
server_get_media (CeRtspServer *s, Conn *c, char **key)
{
  CeRtspMedia *media;

  /* A virtual stream's key is its hub: providers may serve one path with
   * different hubs (per viewer rights), and the media's reference keeps
   * the address from being reused while it is in the table. */
  if (c->stream != NULL)
    *key = g_strdup_printf ("%s/%s", ce_stream_get_camera_id (c->stream),
        ce_profile_to_string (ce_stream_get_profile (c->stream)));
  else
    *key = g_strdup_printf ("virtual/%p", (void *) c->vhub);
  media = g_hash_table_lookup (s->medias, *key);
  if (media == NULL) {
    media = ce_rtsp_media_new (conn_source_hub (c), s->config.cache_max_bytes);
    g_hash_table_insert (s->medias, g_strdup (*key), media);
  }
  return ce_rtsp_media_ref (media);
}

static void
viewer_notify (Viewer *v, gboolean started)
{
  CeRtspServer *s = v->conn->server;
  CeRtspViewerEvent ev = {0};
  guint64 octets;

  if (s->viewer_event == NULL)
    return;
  g_mutex_lock (&v->conn->lock);
  octets = v->track[CE_TRACK_VIDEO].octets + v->track[CE_TRACK_AUDIO].octets;
  g_mutex_unlock (&v->conn->lock);
  if (started) {
    v->started_at = g_get_real_time ();
    v->octets_at_start = octets;
  } else {
    ev.end_us = g_get_real_time ();
    ev.bytes = octets - v->octets_at_start;
  }
  ev.camera_id = conn_has_source (v->conn) ? conn_source_id (v->conn)
                                           : v->conn->auth_camera;
  ev.peer = v->conn->peer;
  ev.viewer = v->conn->auth_viewer;
  ev.tcp = v->lower == CE_RTSP_LOWER_TCP;
  ev.start_us = v->started_at;
  s->viewer_event (started, &ev, s->auth_data);
}

static void
viewer_stop (Viewer *v)
{
  CeRtspServer *s = v->conn->server;

  if (v->sub_id == 0)
    return;
  viewer_notify (v, FALSE);
  ce_rtsp_media_unsubscribe (v->media, v->sub_id);
  v->sub_id = 0;
  /* The server's table holds one ref; when that is the last, nobody
   * watches this camera over RTSP any more. */
  if (ce_rtsp_media_get_subscribers (v->media) == 0)
    g_hash_table_remove (s->medias, v->media_key);
  g_clear_pointer (&v->media, ce_rtsp_media_unref);
  g_mutex_lock (&v->conn->lock);
  g_queue_clear_full (&v->frames, (GDestroyNotify) qframe_free);
  v->queued_bytes = 0;
  v->chunk = 0;
  v->offset = 0;
  v->skipping = FALSE;
  v->purge = FALSE;
  v->lagging_since = 0;
  g_mutex_unlock (&v->conn->lock);
  if (v->lower == CE_RTSP_LOWER_TCP)
    s->stats.viewers_tcp--;
  else
    s->stats.viewers_udp--;
}

static void
viewer_free (Viewer *v)
{
  viewer_stop (v);
  for (guint i = 0; i < CE_N_TRACKS; i++) {
    g_clear_object (&v->track[i].udp_addr[0]);
    g_clear_object (&v->track[i].udp_addr[1]);
  }
  g_free (v->media_key);
  g_free (v);
}

/* Subscribes; @seq and @rtptime receive each track's first sequence
 * number and timestamp, for RTP-Info. */
static void
viewer_start (Viewer *v, guint16 seq[CE_N_TRACKS], guint32 rtptime[CE_N_TRACKS])
{
  CeRtspServer *s = v->conn->server;

  g_mutex_lock (&v->conn->lock);
  for (guint i = 0; i < CE_N_TRACKS; i++) {
    Track *t = &v->track[i];

    t->seq = seq[i] = (guint16) g_random_int ();
    t->rtp_base = rtptime[i] = g_random_int ();
    t->last_rtp_at = 0;
  }
  v->burst = 0;
  v->have_anchor = FALSE;
  v->first_out = FALSE;
  v->last_sr = 0;
  g_mutex_unlock (&v->conn->lock);
  g_free (v->media_key);
  v->media = server_get_media (s, v->conn, &v->media_key);
  v->sub_id = ce_rtsp_media_subscribe (v->media, &viewer_funcs, v);
  if (v->lower == CE_RTSP_LOWER_TCP)
    s->stats.viewers_tcp++;
  else
    s->stats.viewers_udp++;
  viewer_notify (v, TRUE);
}

/* ---- the writer ------------------------------------------------------- */

typedef struct
{
  GOutputVector vec[MAX_IOV];
  guint8 hdr[MAX_IOV / 2 + 1][4 + 12 + 3];
  guint n;
  gsize bytes;
} Batch;

static gsize
packet_header (Viewer *v, const QFrame *q, guint i, guint8 *out)
{
  const CeRtpChunk *ch = &q->frame->chunks[i];
  const Track *t = &v->track[q->frame->track];
  gsize rtp_len = 12 + ch->prefix_len + ch->size;

  out[0] = '$';
  out[1] = t->channel[0];
  out[2] = (guint8) (rtp_len >> 8);
  out[3] = (guint8) rtp_len;
  ce_rtp_write_header (out + 4, ch->marker, t->payload_type,
      (guint16) (q->seq0 + i), q->rtp, t->ssrc);
  memcpy (out + 16, ch->prefix, ch->prefix_len);
  return 16 + ch->prefix_len;
}

static void
batch_add (Batch *b, const void *data, gsize size)
{
  if (size == 0)
    return;
  b->vec[b->n].buffer = data;
  b->vec[b->n].size = size;
  b->n++;
  b->bytes += size;
}

/* Drops queued frames of a viewer that fell behind, except the one being
 * sent (its remaining packets keep the byte stream intact). */
static void
viewer_purge (Viewer *v)
{
  GList *l = v->frames.head;

  if (l != NULL && (v->chunk > 0 || v->offset > 0))
    l = l->next;
  while (l != NULL) {
    GList *next = l->next;
    QFrame *q = l->data;

    v->queued_bytes -= frame_wire_bytes (q->frame);
    qframe_free (q);
    g_queue_delete_link (&v->frames, l);
    l = next;
  }
  v->purge = FALSE;
}

static gboolean
viewer_sends_tcp (Viewer *v)
{
  return v != NULL && v->sub_id != 0 && v->lower == CE_RTSP_LOWER_TCP;
}

/* Adds packet @i of @q to the batch, from byte @offset of it. */
static gboolean
batch_packet (Batch *b, Viewer *v, const QFrame *q, guint i, gsize offset)
{
  const CeRtpChunk *ch = &q->frame->chunks[i];
  guint8 *hdr;
  gsize hlen;

  if (b->n + 2 > MAX_IOV || b->bytes >= MAX_BATCH)
    return FALSE;
  hdr = b->hdr[b->n / 2];
  hlen = packet_header (v, q, i, hdr);
  if (offset < hlen) {
    batch_add (b, hdr + offset, hlen - offset);
    batch_add (b, ch->data, ch->size);
  } else {
    batch_add (b, ch->data + (offset - hlen), ch->size - (offset - hlen));
  }
  return TRUE;
}

/* Called with c->lock held.  Lays out, in this order: the rest of a packet
 * already started (never interrupted), control messages, then queued
 * packets.  batch_advance() walks the same order. */
static void
batch_build (Conn *c, Batch *b)
{
  Viewer *v = c->viewer;
  gsize offset = c->control_offset;
  gboolean tcp = viewer_sends_tcp (v);
  GList *l;
  guint first;

  b->n = 0;
  b->bytes = 0;
  if (tcp && v->offset > 0) {
    if (!batch_packet (b, v, g_queue_peek_head (&v->frames), v->chunk,
            v->offset))
      return;
  }
  for (l = c->control.head; l != NULL && b->n < MAX_IOV - 2; l = l->next) {
    gsize size;
    const guint8 *data = g_bytes_get_data (l->data, &size);

    batch_add (b, data + offset, size - offset);
    offset = 0;
  }
  if (!tcp)
    return;
  for (l = v->frames.head; l != NULL; l = l->next) {
    QFrame *q = l->data;

    first = 0;
    if (l == v->frames.head)
      first = v->chunk + (v->offset > 0 ? 1 : 0);
    for (guint i = first; i < q->frame->n_chunks; i++)
      if (!batch_packet (b, v, q, i, 0))
        return;
  }
}

/* Consumes @left bytes of the head packet; TRUE when it is complete. */
static gboolean
advance_packet (Viewer *v, gsize *written)
{
  QFrame *q = g_queue_peek_head (&v->frames);
  const CeRtpChunk *ch = &q->frame->chunks[v->chunk];
  gsize packet = 16 + ch->prefix_len + ch->size;
  gsize left = packet - v->offset;

  if (*written < left) {
    v->offset += *written;
    *written = 0;
    return FALSE;
  }
  *written -= left;
  v->offset = 0;
  v->track[q->frame->track].packets++;
  v->track[q->frame->track].octets += 12 + ch->prefix_len + ch->size;
  if (++v->chunk == q->frame->n_chunks) {
    v->chunk = 0;
    v->queued_bytes -= frame_wire_bytes (q->frame);
    qframe_free (g_queue_pop_head (&v->frames));
  }
  return TRUE;
}

/* Called with c->lock held: consumes @written bytes in the order
 * batch_build() laid them out. */
static void
batch_advance (Conn *c, gsize written)
{
  Viewer *v = c->viewer;
  gboolean tcp = viewer_sends_tcp (v);

  if (tcp && v->offset > 0 && !advance_packet (v, &written))
    return;
  while (written > 0 && !g_queue_is_empty (&c->control)) {
    gsize size, left;

    g_bytes_get_data (g_queue_peek_head (&c->control), &size);
    left = size - c->control_offset;
    if (written < left) {
      c->control_offset += written;
      return;
    }
    written -= left;
    g_bytes_unref (g_queue_pop_head (&c->control));
    c->control_offset = 0;
  }
  while (tcp && written > 0 && !g_queue_is_empty (&v->frames))
    advance_packet (v, &written);
}

/* UDP viewers: every queued packet goes out at once as datagrams (the
 * kernel drops what it cannot take; that is UDP). */
static void
flush_udp (Conn *c)
{
  Viewer *v = c->viewer;
  CeRtspServer *s = c->server;
  GOutputMessage msgs[64];
  GOutputVector vecs[64][2];
  guint8 hdrs[64][15];
  QFrame *q;

  for (;;) {
    guint n = 0;
    g_autoptr (GError) error = NULL;

    g_mutex_lock (&c->lock);
    while (n < G_N_ELEMENTS (msgs) && (q = g_queue_peek_head (&v->frames))) {
      const CeRtpChunk *ch = &q->frame->chunks[v->chunk];
      Track *t = &v->track[q->frame->track];

      ce_rtp_write_header (hdrs[n], ch->marker, t->payload_type,
          (guint16) (q->seq0 + v->chunk), q->rtp, t->ssrc);
      memcpy (hdrs[n] + 12, ch->prefix, ch->prefix_len);
      vecs[n][0].buffer = hdrs[n];
      vecs[n][0].size = 12 + ch->prefix_len;
      vecs[n][1].buffer = ch->data;
      vecs[n][1].size = ch->size;
      memset (&msgs[n], 0, sizeof msgs[n]);
      msgs[n].address = t->udp_addr[0];
      msgs[n].vectors = vecs[n];
      msgs[n].num_vectors = 2;
      n++;
      t->packets++;
      t->octets += 12 + ch->prefix_len + ch->size;
      s->stats.bytes_out += 12 + ch->prefix_len + ch->size;
      /* The frame stays referenced by the vectors until sent below. */
      if (++v->chunk == q->frame->n_chunks)
        v->chunk = 0;
      if (v->chunk == 0)
        break; /* one frame per round keeps the refs simple */
    }
    g_mutex_unlock (&c->lock);
    if (n == 0)
      return;
    g_socket_send_messages (s->udp[0], msgs, n, 0, NULL, &error);
    g_mutex_lock (&c->lock);
    if (v->chunk == 0 && (q = g_queue_peek_head (&v->frames)) != NULL) {
      v->queued_bytes -= frame_wire_bytes (q->frame);
      qframe_free (g_queue_pop_head (&v->frames));
    }
    g_mutex_unlock (&c->lock);
  }
}

/* Main context.  Returns FALSE when the connection failed. */
static gboolean
conn_flush (Conn *c)
{
  Viewer *v = c->viewer;
  Batch *b = g_alloca (sizeof (Batch));

  if (v != NULL && v->sub_id != 0 && !v->first_out) {
    gboolean any;

    g_mutex_lock (&c->lock);
    any = !g_queue_is_empty (&v->frames);
    g_mutex_unlock (&c->lock);
    if (any && c->stream != NULL) {
      v->first_out = TRUE;
      ce_stream_note_first_out (c->stream);
    }
  }
  for (;;) {
    g_autoptr (GError) error = NULL;
    gssize written;

    g_mutex_lock (&c->lock);
    if (v != NULL && v->purge)
      viewer_purge (v);
    batch_build (c, b);
    g_mutex_unlock (&c->lock);
    if (b->n == 0)
      break;
    written = g_socket_send_message (c->socket, NULL, b->vec, (gint) b->n, NULL,
        0, 0, NULL, &error);
    if (written < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        conn_set_want_write (c, TRUE);
        return TRUE;
      }
      GST_DEBUG ("%s: write error: %s", c->peer, error->message);
      return FALSE;
    }
    c->server->stats.bytes_out += (guint64) written;
    g_mutex_lock (&c->lock);
    batch_advance (c, (gsize) written);
    g_mutex_unlock (&c->lock);
    if ((gsize) written < b->bytes) {
      conn_set_want_write (c, TRUE);
      return TRUE;
    }
  }
  conn_set_want_write (c, FALSE);
  if (v != NULL && v->sub_id != 0 && v->lower == CE_RTSP_LOWER_UDP)
    flush_udp (c);
  return TRUE;
}

/* ---- requests --------------------------------------------------------- */

typedef struct
{
  char *camera_id;    /* NULL for a virtual stream */
  char *path;         /* a virtual stream's path, else NULL */
  Provider *provider; /* its provider (borrowed) */
  CeProfile profile;
  gboolean track;   /* the URL names a track (…/trackID=N) */
  CeTrack track_id; /* which, when it does */
  char *base;       /* URL to use as Content-Base (ends with '/') */
  char *token;      /* ?token=, unescaped; never logged */
} Target;

static void
target_clear (Target *t)
{
  g_free (t->camera_id);
  g_free (t->path);
  g_free (t->base);
  if (t->token != NULL)
    memset (t->token, 0, strlen (t->token));
  g_free (t->token);
}

static gboolean
parse_track (const char *part, Target *t)
{
  if (strcmp (part, "trackID=0") == 0 || strcmp (part, "track0") == 0)
    t->track_id = CE_TRACK_VIDEO;
  else if (strcmp (part, "trackID=1") == 0 || strcmp (part, "track1") == 0)
    t->track_id = CE_TRACK_AUDIO;
  else
    return FALSE;
  t->track = TRUE;
  return TRUE;
}

/* A path served by a provider: checked by ce_rtsp_uri_path(), its first
 * segment a registered prefix. */
static gboolean
parse_virtual (Conn *c, const char *uri, Target *t)
{
  CeRtspServer *s = c->server;
  int track = -1;
  g_autofree char *path = ce_rtsp_uri_path (uri, &track);
  gsize first;

  if (path == NULL)
    return FALSE;
  first = strcspn (path, "/");
  for (guint i = 0; s->virtuals != NULL && i < s->virtuals->len; i++) {
    Provider *p = s->virtuals->pdata[i];

    if (strlen (p->prefix) == first && strncmp (p->prefix, path, first) == 0)
      t->provider = p;
  }
  if (t->provider == NULL)
    return FALSE;
  if (track >= 0) {
    t->track = TRUE;
    t->track_id = track == 0 ? CE_TRACK_VIDEO : CE_TRACK_AUDIO;
  }
  t->path = g_steal_pointer (&path);
  return TRUE;
}

/* Accepts rtsp://host[:port]/cameras/{20 digits}[/trackID=0][?query] and
 * the same as an absolute path, or a virtual stream's path.  Anything
 * else is not ours: 404. */
static gboolean
parse_target (Conn *c, const char *uri, Target *t)
{
  const char *path = uri, *query, *p;
  g_autofree char *path_only = NULL;
  g_auto (GStrv) parts = NULL;
  guint n;

  memset (t, 0, sizeof (*t));
  if (g_ascii_strncasecmp (uri, "rtsp://", 7) == 0 ||
      g_ascii_strncasecmp (uri, "rtsps://", 8) == 0) {
    path = strchr (strstr (uri, "://") + 3, '/');
    if (path == NULL)
      return FALSE;
  }
  if (*path != '/')
    return FALSE;
  query = strchr (path, '?');
  path_only = query != NULL ? g_strndup (path, query - path) : g_strdup (path);
  parts = g_strsplit (path_only + 1, "/", 5);
  n = g_strv_length (parts);
  /* A trailing slash leaves an empty last part. */
  if (n > 0 && *parts[n - 1] == '\0')
    n--;
  if (n > 0 && strcmp (parts[0], "cameras") != 0) {
    if (!parse_virtual (c, uri, t)) {
      target_clear (t);
      memset (t, 0, sizeof (*t));
      return FALSE;
    }
  } else {
    if (n < 2 || n > 3 || strlen (parts[1]) != 20)
      return FALSE;
    for (p = parts[1]; *p != '\0'; p++)
      if (!g_ascii_isdigit (*p))
        return FALSE;
    if (n == 3 && !parse_track (parts[2], t))
      return FALSE;
    t->camera_id = g_strdup (parts[1]);
  }
  t->profile = CE_PROFILE_MAIN;
  if (query != NULL) {
    g_auto (GStrv) params = g_strsplit (query + 1, "&", 32);

    for (guint i = 0; params[i] != NULL; i++) {
      if (strcmp (params[i], "profile=sub") == 0)
        t->profile = CE_PROFILE_SUB;
      /* Only for the authorizer: it never reaches the media key. */
      else if (g_str_has_prefix (params[i], "token=") && t->token == NULL) {
        t->token = g_uri_unescape_string (params[i] + 6, NULL);
        /* A malformed token is a wrong one, not an absent one. */
        if (t->token == NULL)
          t->token = g_strdup ("");
      }
    }
  }
  if (t->path != NULL)
    t->base = g_strdup_printf ("rtsp://%s/%s/", c->local, t->path);
  else
    t->base = g_strdup_printf ("rtsp://%s/cameras/%s/", c->local, t->camera_id);
  return TRUE;
}

typedef struct
{
  Conn *conn;
  int cseq;
  char *method;
  Target target;
  CeRtspRequest *request;
  gint64 deadline; /* a virtual stream's readiness */
} Pending;

static void
pending_free (Pending *p)
{
  target_clear (&p->target);
  g_free (p->method);
  ce_rtsp_request_free (p->request);
  g_free (p);
}

static void handle_describe_ready (Conn *c, Pending *p);
static void handle_setup_ready (Conn *c, Pending *p);

static void
on_stream_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;
  Conn *c = p->conn;
  g_autoptr (GError) error = NULL;

  if (c->closed || c->stream == NULL) {
    pending_free (p);
    conn_unref (c);
    return;
  }
  c->busy = FALSE;
  if (!ce_stream_wait_ready_finish (c->stream, result, &error)) {
    g_message ("RTSP %s %s from %s: %s", p->method, p->target.camera_id,
        c->peer, error->message);
    respond_error (c,
        g_error_matches (error, CE_RELAY_ERROR, CE_RELAY_ERROR_TIMEOUT) ? 504
                                                                        : 503,
        p->cseq, error->message);
    ce_relay_release (c->server->relay, g_steal_pointer (&c->stream));
  } else if (strcmp (p->method, "DESCRIBE") == 0) {
    handle_describe_ready (c, p);
  } else {
    handle_setup_ready (c, p);
  }
  pending_free (p);
  if (!c->closed) {
    conn_process_input (c);
    conn_wake (c);
  }
  conn_unref (c);
}

/* A virtual stream has no "ready" notification: its hub is looked at
 * every VIRTUAL_POLL_MS until it has a keyframe. */
static gboolean
on_virtual_poll (gpointer user_data)
{
  Pending *p = user_data;
  Conn *c = p->conn;
  gboolean ready;

  if (c->closed || c->vhandle == NULL) {
    pending_free (p);
    conn_unref (c);
    return G_SOURCE_REMOVE;
  }
  ready = ce_hub_is_ready (c->vhub);
  if (!ready && g_get_monotonic_time () < p->deadline) {
    g_timeout_add (VIRTUAL_POLL_MS, on_virtual_poll, p);
    return G_SOURCE_REMOVE;
  }
  c->busy = FALSE;
  if (!ready) {
    g_message ("RTSP %s %s from %s: no picture within 10 s", p->method,
        p->target.path, c->peer);
    respond_error (c, 504, p->cseq, "no picture in time");
    conn_release_source (c);
  } else if (strcmp (p->method, "DESCRIBE") == 0) {
    handle_describe_ready (c, p);
  } else {
    handle_setup_ready (c, p);
  }
  pending_free (p);
  if (!c->closed) {
    conn_process_input (c);
    conn_wake (c);
  }
  conn_unref (c);
  return G_SOURCE_REMOVE;
}

/* Opens the virtual stream of @t unless the connection has it; FALSE
 * when a response has been sent. */
static gboolean
conn_open_virtual (Conn *c, int cseq, Target *t)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  CeHub *hub = NULL;
  guint status = 503;
  gpointer handle;
  CeRtspVirtualRequest vreq;

  if (c->vhandle != NULL && strcmp (c->vpath, t->path) == 0)
    return TRUE;
  if (c->viewer != NULL && conn_has_source (c)) {
    respond_error (c, 459, cseq, "one stream per connection");
    return FALSE;
  }
  conn_release_source (c);
  vreq.path = t->path;
  vreq.profile = t->profile;
  vreq.viewer = c->auth_viewer;
  vreq.peer = c->peer;
  handle = t->provider->funcs.open (&vreq, &hub, &name, &status, &error,
      t->provider->user_data);
  if (handle == NULL) {
    const char *why = error != NULL ? error->message : "unavailable";
    g_autofree char *body = g_strconcat (why, "\r\n", NULL);

    if (status < 400 || status > 599)
      status = 503;
    GST_INFO ("%s: %u %s (%s)", c->peer, status, ce_rtsp_reason (status), why);
    /* The reason as text: players show the status line, people the log. */
    respond (c, status, cseq, NULL, "text/plain; charset=utf-8", body);
    return FALSE;
  }
  g_return_val_if_fail (hub != NULL, FALSE);
  c->vprovider = t->provider;
  c->vhandle = handle;
  c->vhub = hub;
  c->vpath = g_strdup (t->path);
  c->vname = name != NULL ? g_steal_pointer (&name) : g_strdup (t->path);
  return TRUE;
}

/* Makes sure the connection holds the stream of @t, then runs the second
 * half of the request once the camera has a picture. */
static void
with_stream (Conn *c, const char *method, int cseq, Target *t,
    const CeRtspRequest *req)
{
  g_autoptr (GError) error = NULL;
  Pending *p;

  if (t->path != NULL) {
    if (c->stream != NULL && c->viewer != NULL) {
      respond_error (c, 459, cseq, "one stream per connection");
      target_clear (t);
      return;
    }
    if (c->stream != NULL)
      ce_relay_release (c->server->relay, g_steal_pointer (&c->stream));
    if (!conn_open_virtual (c, cseq, t)) {
      target_clear (t);
      return;
    }
  } else if (c->vhandle != NULL) {
    if (c->viewer != NULL) {
      respond_error (c, 459, cseq, "one stream per connection");
      target_clear (t);
      return;
    }
    conn_release_source (c);
  }
  if (t->path != NULL) {
    /* Nothing to acquire: wait for the hub below. */
  } else if (c->stream != NULL &&
      (strcmp (ce_stream_get_camera_id (c->stream), t->camera_id) != 0 ||
          (t->profile == CE_PROFILE_SUB &&
              ce_stream_get_profile (c->stream) != CE_PROFILE_SUB &&
              c->viewer == NULL))) {
    if (c->viewer != NULL) {
      respond_error (c, 459, cseq, "one camera per connection");
      target_clear (t);
      return;
    }
    ce_relay_release (c->server->relay, g_steal_pointer (&c->stream));
  }
  if (t->path == NULL && c->stream == NULL && c->server->relay == NULL) {
    respond_error (c, 404, cseq, "no cameras on this server");
    target_clear (t);
    return;
  }
  if (t->path == NULL && c->stream == NULL) {
    c->stream =
        ce_relay_acquire (c->server->relay, t->camera_id, t->profile, &error);
    if (c->stream == NULL) {
      /* A full admission budget: 453 Not Enough Bandwidth (RFC 2326). */
      respond_error (c,
          g_error_matches (error, CE_RELAY_ERROR, CE_RELAY_ERROR_NOT_FOUND)
              ? 404
              : g_error_matches (error, CE_RELAY_ERROR, CE_RELAY_ERROR_REFUSED)
              ? 453
              : 503,
          cseq, error->message);
      target_clear (t);
      return;
    }
  }
  p = g_new0 (Pending, 1);
  p->conn = c;
  c->refs++;
  p->cseq = cseq;
  p->method = g_strdup (method);
  p->target = *t;
  memset (t, 0, sizeof (*t));
  /* Copy what SETUP needs (Transport). */
  if (req != NULL) {
    const char *transport = ce_rtsp_request_get_header (req, "transport");

    p->request = g_new0 (CeRtspRequest, 1);
    p->request->header_names = g_ptr_array_new_with_free_func (g_free);
    p->request->header_values = g_ptr_array_new_with_free_func (g_free);
    if (transport != NULL) {
      g_ptr_array_add (p->request->header_names, g_strdup ("transport"));
      g_ptr_array_add (p->request->header_values, g_strdup (transport));
    }
  }
  c->busy = TRUE;
  if (c->vhandle != NULL) {
    /* Answered from the main loop, never from inside this request. */
    p->deadline = g_get_monotonic_time () + VIRTUAL_READY_TIMEOUT_US;
    g_idle_add (on_virtual_poll, p);
    return;
  }
  /* DESCRIBE and SETUP need only the stream's description: when the
   * camera's SDP carries its parameter sets, the viewer's DESCRIBE, SETUP
   * and PLAY go on while the camera is still being set up, and the first
   * keyframe goes out the moment it arrives. */
  ce_stream_wait_described_async (c->stream, c->cancellable, on_stream_ready,
      p);
}

static void
handle_describe_ready (Conn *c, Pending *p)
{
  CeVideoParams params;
  CeSdpAudio audio;
  gboolean have_audio;
  g_autofree char *sdp = NULL;
  g_autofree char *host = g_strdup (c->local);
  char *colon = strrchr (host, ':');
  const char *headers[] = {"Content-Base", p->target.base, NULL};

  if (colon != NULL)
    *colon = '\0';
  ce_hub_dup_described (conn_source_hub (c), &params);
  have_audio = ce_hub_dup_audio (conn_source_hub (c), &audio);
  sdp = ce_sdp_build_av (&params, have_audio ? &audio : NULL,
      conn_source_name (c), host, g_get_real_time (), "trackID=0", "trackID=1");
  ce_video_params_clear (&params);
  ce_sdp_audio_clear (&audio);
  respond (c, 200, p->cseq, headers, "application/sdp", sdp);
}

static void
handle_setup_ready (Conn *c, Pending *p)
{
  CeRtspServer *s = c->server;
  const char *header = p->request != NULL
      ? ce_rtsp_request_get_header (p->request, "transport")
      : NULL;
  CeRtspTransport tr = {0};
  g_autoptr (GError) error = NULL;
  g_autofree char *reply = NULL;
  CeTrack id = p->target.track ? p->target.track_id : CE_TRACK_VIDEO;
  CeSdpAudio audio = {0};
  Viewer *v;
  Track *t;

  if (id == CE_TRACK_AUDIO && !ce_hub_dup_audio (conn_source_hub (c), &audio)) {
    respond_error (c, 404, p->cseq, "the camera has no audio track");
    return;
  }
  if (header == NULL) {
    respond_error (c, 461, p->cseq, "no Transport header");
    return;
  }
  if (!ce_rtsp_transport_parse (header, &tr, &error)) {
    respond_error (c, 461, p->cseq, error->message);
    return;
  }
  if (c->viewer != NULL && c->viewer->track[1 - id].setup &&
      c->viewer->lower != tr.lower) {
    respond_error (c, 461, p->cseq, "tracks on different transports");
    ce_rtsp_transport_clear (&tr);
    ce_sdp_audio_clear (&audio);
    return;
  }
  if (c->viewer == NULL) {
    v = g_new0 (Viewer, 1);
    v->conn = c;
    g_queue_init (&v->frames);
    c->viewer = v;
  } else {
    v = c->viewer;
    viewer_stop (v);
  }
  v->lower = tr.lower;
  t = &v->track[id];
  t->setup = TRUE;
  if (t->ssrc == 0)
    t->ssrc = g_random_int ();
  if (id == CE_TRACK_AUDIO) {
    t->payload_type = (guint8) ce_sdp_audio_output_pt (&audio);
    t->clock_rate = audio.clock_rate;
    ce_sdp_audio_clear (&audio);
  } else {
    t->payload_type = VIDEO_PAYLOAD_TYPE;
    t->clock_rate = 90000;
  }
  if (tr.lower == CE_RTSP_LOWER_TCP) {
    t->channel[0] = tr.has_interleaved ? tr.interleaved[0] : 2 * id;
    t->channel[1] = tr.has_interleaved ? tr.interleaved[1] : 2 * id + 1;
    reply = g_strdup_printf (
        "RTP/AVP/TCP;unicast;interleaved=%u-%u;ssrc=%08X;mode=\"PLAY\"",
        t->channel[0], t->channel[1], t->ssrc);
  } else {
    g_autoptr (GSocketAddress) peer =
        g_socket_get_remote_address (c->socket, NULL);
    GInetAddress *ip = peer != NULL
        ? g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer))
        : NULL;

    if (ip == NULL || s->udp[0] == NULL) {
      respond_error (c, 461, p->cseq, "UDP is not available");
      ce_rtsp_transport_clear (&tr);
      return;
    }
    /* Always the peer's own address: a Transport destination= is never
     * followed (no reflection to third parties). */
    g_clear_object (&t->udp_addr[0]);
    g_clear_object (&t->udp_addr[1]);
    t->udp_addr[0] = g_inet_socket_address_new (ip, tr.client_port[0]);
    t->udp_addr[1] = g_inet_socket_address_new (ip, tr.client_port[1]);
    reply = g_strdup_printf ("RTP/AVP;unicast;client_port=%u-%u;"
                             "server_port=%u-%u;ssrc=%08X;mode=\"PLAY\"",
        tr.client_port[0], tr.client_port[1], s->udp_port[0], s->udp_port[1],
        t->ssrc);
  }
  ce_rtsp_transport_clear (&tr);
  if (c->session == NULL)
    c->session = g_strdup_printf ("%08X%08X", g_random_int (), g_random_int ());
  {
    const char *headers[] = {"Transport", reply, NULL};
    respond (c, 200, p->cseq, headers, NULL, NULL);
  }
}

static gboolean
check_session (Conn *c, const CeRtspRequest *req, int cseq)
{
  const char *session = ce_rtsp_request_get_header (req, "session");
  gsize len;

  if (c->session == NULL) {
    respond_error (c, 454, cseq, "no session");
    return FALSE;
  }
  if (session == NULL)
    return TRUE; /* lenient: one session per connection */
  len = strcspn (session, ";");
  if (len != strlen (c->session) || strncmp (session, c->session, len) != 0) {
    respond_error (c, 454, cseq, "unknown session");
    return FALSE;
  }
  return TRUE;
}

static void
handle_play (Conn *c, const CeRtspRequest *req, int cseq)
{
  Viewer *v = c->viewer;
  guint16 seq[CE_N_TRACKS];
  guint32 rtptime[CE_N_TRACKS];
  g_autoptr (GString) info = g_string_new (NULL);
  g_autofree char *base = NULL;
  Target t;

  if (!check_session (c, req, cseq))
    return;
  if (v == NULL || !conn_has_source (c)) {
    respond_error (c, 455, cseq, "PLAY before SETUP");
    return;
  }
  if (v->sub_id != 0) {
    /* Already playing: a keep-alive PLAY. */
    respond (c, 200, cseq, NULL, NULL, NULL);
    return;
  }
  if (c->server->authorize != NULL &&
      (c->auth_camera == NULL ||
          strcmp (c->auth_camera, conn_source_id (c)) != 0)) {
    respond_error (c, 401, cseq, "PLAY of a camera not authorized");
    return;
  }
  if (parse_target (c, req->uri, &t))
    base = g_strdup (t.base);
  target_clear (&t);
  /* Subscribing queues the cached GOP; the response still goes first,
   * because the writer sends control messages before media (never inside
   * a packet). */
  viewer_start (v, seq, rtptime);
  for (guint i = 0; i < CE_N_TRACKS; i++) {
    if (!v->track[i].setup)
      continue;
    if (info->len > 0)
      g_string_append_c (info, ',');
    if (base != NULL)
      g_string_append_printf (info, "url=%strackID=%u", base, i);
    else
      g_string_append_printf (info, "url=%s", req->uri);
    g_string_append_printf (info, ";seq=%u;rtptime=%u", seq[i], rtptime[i]);
  }
  {
    const char *headers[] = {"Range", "npt=0.000-", "RTP-Info", info->str,
        NULL};
    respond (c, 200, cseq, headers, NULL, NULL);
  }
}

/* Asks the authorizer about @t unless this connection is already allowed
 * its camera.  FALSE when a response (401/403/404) has been sent. */
static gboolean
conn_authorize (Conn *c, const CeRtspRequest *req, const Target *t)
{
  CeRtspServer *s = c->server;
  g_autoptr (GSocketAddress) peer = NULL;
  g_auto (GStrv) challenges = NULL;
  CeRtspAuthRequest ar = {0};
  CeRtspAuthResult r;
  gpointer viewer = NULL;
  int cseq = req->cseq;
  const char *id = t->camera_id != NULL ? t->camera_id : t->path;

  if (s->authorize == NULL ||
      (c->auth_camera != NULL && strcmp (c->auth_camera, id) == 0))
    return TRUE;
  peer = g_socket_get_remote_address (c->socket, NULL);
  ar.method = req->method;
  ar.uri = req->uri;
  ar.camera_id = t->camera_id;
  ar.path = t->path;
  ar.token = t->token;
  ar.authorization = ce_rtsp_request_get_header (req, "authorization");
  ar.client = G_IS_INET_SOCKET_ADDRESS (peer)
      ? g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer))
      : NULL;
  ar.peer = c->peer;
  r = s->authorize (&ar, &viewer, &challenges, s->auth_data);
  if (r == CE_RTSP_AUTH_ALLOW) {
    if (c->auth_viewer != NULL && s->viewer_free != NULL)
      s->viewer_free (c->auth_viewer);
    c->auth_viewer = viewer;
    g_free (c->auth_camera);
    c->auth_camera = g_strdup (id);
    return TRUE;
  }
  if (viewer != NULL && s->viewer_free != NULL)
    s->viewer_free (viewer);
  if (r == CE_RTSP_AUTH_UNAUTHORIZED) {
    g_autoptr (GPtrArray) h = g_ptr_array_new ();

    for (guint i = 0; challenges != NULL && challenges[i] != NULL; i++) {
      g_ptr_array_add (h, (gpointer) "WWW-Authenticate");
      g_ptr_array_add (h, challenges[i]);
    }
    g_ptr_array_add (h, NULL);
    respond (c, 401, cseq, (const char *const *) h->pdata, NULL, NULL);
  } else {
    respond_error (c,
        r == CE_RTSP_AUTH_FORBIDDEN       ? 403
            : r == CE_RTSP_AUTH_NOT_FOUND ? 404
                                          : 503,
        cseq, "refused by the authorizer");
  }
  return FALSE;
}

static void
handle_request (Conn *c, CeRtspRequest *req)
{
  CeRtspServer *s = c->server;
  int cseq = req->cseq;
  Target t;

  s->stats.requests++;
  /* Without the query: it may carry a token. */
  GST_DEBUG ("%s: %s %.*s", c->peer, req->method, (int) strcspn (req->uri, "?"),
      req->uri);
  if (cseq < 0) {
    respond_error (c, 400, -1, "no CSeq");
    c->closing = TRUE;
    return;
  }
  if (strcmp (req->method, "OPTIONS") == 0) {
    const char *headers[] = {"Public",
        "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, "
        "SET_PARAMETER",
        NULL};
    respond (c, 200, cseq, headers, NULL, NULL);
  } else if (strcmp (req->method, "DESCRIBE") == 0) {
    if (!parse_target (c, req->uri, &t)) {
      respond_error (c, 404, cseq, "not a stream URL");
      return;
    }
    if (!conn_authorize (c, req, &t)) {
      target_clear (&t);
      return;
    }
    with_stream (c, "DESCRIBE", cseq, &t, NULL);
  } else if (strcmp (req->method, "SETUP") == 0) {
    if (!parse_target (c, req->uri, &t)) {
      respond_error (c, 404, cseq, "not a stream URL");
      return;
    }
    if (c->viewer != NULL && c->viewer->sub_id != 0) {
      target_clear (&t);
      respond_error (c, 455, cseq, "SETUP while playing");
      return;
    }
    if (!conn_authorize (c, req, &t)) {
      target_clear (&t);
      return;
    }
    with_stream (c, "SETUP", cseq, &t, req);
  } else if (strcmp (req->method, "PLAY") == 0) {
    handle_play (c, req, cseq);
  } else if (strcmp (req->method, "PAUSE") == 0) {
    if (!check_session (c, req, cseq))
      return;
    if (c->viewer != NULL)
      viewer_stop (c->viewer);
    respond (c, 200, cseq, NULL, NULL, NULL);
  } else if (strcmp (req->method, "TEARDOWN") == 0) {
    if (c->session != NULL && !check_session (c, req, cseq))
      return;
    g_clear_pointer (&c->viewer, viewer_free);
    respond (c, 200, cseq, NULL, NULL, NULL);
    g_clear_pointer (&c->session, g_free);
    conn_release_source (c);
  } else if (strcmp (req->method, "GET_PARAMETER") == 0 ||
      strcmp (req->method, "SET_PARAMETER") == 0) {
    respond (c, 200, cseq, NULL, NULL, NULL);
  } else if (strcmp (req->method, "ANNOUNCE") == 0 ||
      strcmp (req->method, "RECORD") == 0 ||
      strcmp (req->method, "REDIRECT") == 0) {
    const char *headers[] = {"Allow",
        "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, "
        "SET_PARAMETER",
        NULL};
    respond (c, 405, cseq, headers, NULL, NULL);
  } else {
    respond_error (c, 501, cseq, "unknown method");
  }
}

static void
conn_process_input (Conn *c)
{
  while (!c->busy && !c->closing && !c->closed && c->in->len > 0) {
    g_autoptr (CeRtspRequest) req = NULL;
    g_autoptr (GError) error = NULL;
    const guint8 *payload = NULL;
    gsize consumed = 0, payload_size = 0;
    guint8 channel = 0;
    CeRtspParseResult r = ce_rtsp_parse (c->in->data, c->in->len, &consumed,
        &req, &channel, &payload, &payload_size, &error);

    switch (r) {
      case CE_RTSP_PARSE_NEED_MORE:
        return;
      case CE_RTSP_PARSE_INTERLEAVED:
        /* RTCP receiver reports from TCP clients: proof of life. */
        break;
      case CE_RTSP_PARSE_REQUEST:
        break;
      case CE_RTSP_PARSE_ERROR:
      default:
        respond_error (c,
            error != NULL && error->domain == CE_RTSP_ERROR
                ? (guint) error->code
                : 400,
            -1, error != NULL ? error->message : "bad request");
        c->closing = TRUE;
        g_byte_array_set_size (c->in, 0);
        return;
    }
    g_byte_array_remove_range (c->in, 0, (guint) consumed);
    if (req != NULL)
      handle_request (c, req);
  }
}

/* ---- connections ------------------------------------------------------ */

static char *
address_string (GSocketAddress *address)
{
  GInetSocketAddress *inet;
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  inet = G_INET_SOCKET_ADDRESS (address);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  if (g_inet_address_get_family (g_inet_socket_address_get_address (inet)) ==
      G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip,
        g_inet_socket_address_get_port (inet));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (inet));
}

static void
conn_unref (Conn *c)
{
  if (--c->refs > 0)
    return;
  g_assert (c->closed);
  g_queue_clear_full (&c->control, (GDestroyNotify) g_bytes_unref);
  g_mutex_clear (&c->lock);
  g_byte_array_unref (c->in);
  g_object_unref (c->cancellable);
  g_free (c->peer);
  g_free (c->local);
  g_free (c->session);
  g_free (c);
}

static void
conn_close (Conn *c)
{
  CeRtspServer *s = c->server;

  if (c->closed)
    return;
  c->closed = TRUE;
  GST_DEBUG ("%s: connection closed", c->peer);
  g_cancellable_cancel (c->cancellable);
  g_clear_pointer (&c->viewer, viewer_free);
  conn_release_source (c);
  if (c->auth_viewer != NULL && s->viewer_free != NULL)
    s->viewer_free (c->auth_viewer);
  c->auth_viewer = NULL;
  g_clear_pointer (&c->auth_camera, g_free);
  s->conns = g_list_remove (s->conns, c);
  s->stats.connections--;
  g_clear_pointer (&c->watch, ce_poller_watch_remove);
  g_socket_close (c->socket, NULL);
  g_clear_object (&c->socket);
  conn_unref (c);
}

static void
accept_one (CeRtspServer *s, GSocket *socket)
{
  Conn *c = g_new0 (Conn, 1);
  g_autoptr (GSocketAddress) peer = g_socket_get_remote_address (socket, NULL);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  int fd = g_socket_get_fd (socket);
  /* A fixed, small kernel buffer (Linux doubles it: 128 KiB, half a second
   * of a 2 Mb/s camera): with autotuning a stalled viewer would hide
   * megabytes of stale video in the kernel before our own queue, which
   * skips to keyframes, notices. */
  int sndbuf = 64 * 1024;

  c->refs = 1;
  c->server = s;
  c->socket = socket;
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  c->peer = address_string (peer);
  c->local = address_string (local);
  c->in = g_byte_array_new ();
  c->cancellable = g_cancellable_new ();
  c->last_activity = g_get_monotonic_time ();
  g_mutex_init (&c->lock);
  g_queue_init (&c->control);
  c->watch = ce_poller_watch_add (s->poller, fd, G_IO_IN, conn_on_io, c);
  s->conns = g_list_prepend (s->conns, c);
  s->stats.connections++;
  GST_DEBUG ("%s: connected", c->peer);
  if (s->stats.connections > s->config.max_connections) {
    respond_error (c, 503, -1, "too many connections");
    c->closing = TRUE;
  }
}

static gboolean
on_accept (GSocket *listen, GIOCondition cond, gpointer user_data)
{
  CeRtspServer *s = user_data;

  for (guint i = 0; i < 64; i++) {
    g_autoptr (GError) error = NULL;
    GSocket *socket = g_socket_accept (listen, NULL, &error);

    if (socket == NULL) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_warning ("RTSP accept failed: %s", error->message);
      break;
    }
    accept_one (s, socket);
  }
  return G_SOURCE_CONTINUE;
}

/* RTCP from UDP viewers: receiver reports keep their sessions alive. */
static gboolean
on_udp_rtcp (GSocket *socket, GIOCondition cond, gpointer user_data)
{
  CeRtspServer *s = user_data;

  for (;;) {
    guint8 buf[1500];
    g_autoptr (GSocketAddress) from = NULL;
    gssize n = g_socket_receive_from (socket, &from, (char *) buf, sizeof buf,
        NULL, NULL);

    if (n <= 0)
      break;
    for (GList *l = s->conns; l != NULL; l = l->next) {
      Conn *c = l->data;
      Viewer *v = c->viewer;

      if (v == NULL || v->lower != CE_RTSP_LOWER_UDP)
        continue;
      for (guint i = 0; i < CE_N_TRACKS; i++) {
        GSocketAddress *rtcp = v->track[i].udp_addr[1];

        if (rtcp != NULL &&
            g_inet_address_equal (g_inet_socket_address_get_address (
                                      G_INET_SOCKET_ADDRESS (from)),
                g_inet_socket_address_get_address (
                    G_INET_SOCKET_ADDRESS (rtcp))) &&
            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)) ==
                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (rtcp)))
          c->last_activity = g_get_monotonic_time ();
      }
    }
  }
  return G_SOURCE_CONTINUE;
}

/* One sender report per track, with the same wall-clock time: what lets
 * players keep audio and video in step. */
static void
send_sender_report (Conn *c, gint64 now)
{
  Viewer *v = c->viewer;
  guint64 ntp = ce_ntp_now ();

  v->last_sr = now;
  for (guint i = 0; i < CE_N_TRACKS; i++) {
    Track *t = &v->track[i];
    guint8 pkt[4 + 28];
    guint32 rtp;
    gsize n;

    g_mutex_lock (&c->lock);
    if (!t->setup || t->last_rtp_at == 0) {
      g_mutex_unlock (&c->lock);
      continue;
    }
    rtp = t->last_rtp +
        (guint32) gst_util_uint64_scale_int ((guint64) (now - t->last_rtp_at),
            t->clock_rate, G_USEC_PER_SEC);
    n = ce_rtcp_write_sender_report (pkt + 4, t->ssrc, ntp, rtp,
        (guint32) t->packets, (guint32) t->octets);
    g_mutex_unlock (&c->lock);
    if (v->lower == CE_RTSP_LOWER_TCP) {
      pkt[0] = '$';
      pkt[1] = t->channel[1];
      pkt[2] = (guint8) (n >> 8);
      pkt[3] = (guint8) n;
      conn_send (c, g_bytes_new (pkt, n + 4));
    } else if (c->server->udp[1] != NULL) {
      g_socket_send_to (c->server->udp[1], t->udp_addr[1], (char *) pkt + 4, n,
          NULL, NULL);
    }
  }
}

/* Once a second: sender reports, session timeouts, viewers that stayed
 * behind too long. */
static gboolean
on_reap (gpointer user_data)
{
  CeRtspServer *s = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 timeout = (gint64) s->config.session_timeout_s * G_USEC_PER_SEC;
  GList *l = s->conns;

  while (l != NULL) {
    Conn *c = l->data;
    Viewer *v = c->viewer;
    gboolean drop = FALSE;

    l = l->next;
    if (v != NULL && v->sub_id != 0) {
      gint64 drop_after =
          (gint64) s->config.viewer_drop_after_s * G_USEC_PER_SEC;
      gboolean lagging;

      g_mutex_lock (&c->lock);
      /* Caught up and stayed so for a while: the bad spell is over. */
      if (v->lagging_since != 0 && !v->skipping &&
          now - v->resumed_at > drop_after)
        v->lagging_since = 0;
      lagging = v->lagging_since != 0 && now - v->lagging_since > drop_after;
      g_mutex_unlock (&c->lock);
      if (lagging) {
        struct linger reset = {.l_onoff = 1, .l_linger = 0};

        g_message ("RTSP viewer %s of %s dropped: could not keep up for %u s",
            c->peer, v->media_key, s->config.viewer_drop_after_s);
        s->stats.viewers_dropped++;
        /* Reset, not FIN: a FIN would wait behind the stale video in the
         * kernel's send buffer, which a viewer with a closed window may
         * never take, and the orphaned socket would keep that memory. */
        setsockopt (g_socket_get_fd (c->socket), SOL_SOCKET, SO_LINGER, &reset,
            sizeof reset);
        drop = TRUE;
      } else if (v->have_anchor && now - v->last_sr > SR_INTERVAL_US) {
        send_sender_report (c, now);
      }
    }
    /* TCP viewers are alive while their connection is; UDP viewers and
     * idle connections must show signs of life. */
    if (!drop && now - c->last_activity > timeout &&
        (v == NULL || v->sub_id == 0 || v->lower == CE_RTSP_LOWER_UDP) &&
        !c->busy) {
      GST_INFO ("%s: session timed out", c->peer);
      drop = TRUE;
    }
    if (drop)
      conn_close (c);
  }
  return G_SOURCE_CONTINUE;
}

static GSocket *
udp_socket (const char *address, guint16 port, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) sa = NULL;

  if (ip == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "“%s” is not an IP address", address);
    return NULL;
  }
  socket = g_socket_new (g_inet_address_get_family (ip), G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  sa = g_inet_socket_address_new (ip, port);
  if (!g_socket_bind (socket, sa, FALSE, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  {
    int sndbuf = 4 << 20;
    setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_SNDBUF, &sndbuf,
        sizeof sndbuf);
  }
  return g_steal_pointer (&socket);
}

static gboolean
bind_udp_pair (CeRtspServer *s, GError **error)
{
  /* An even/odd pair, as RTP/RTCP convention wants. */
  for (guint attempt = 0; attempt < 64; attempt++) {
    guint16 port = (guint16) (20000 + 2 * g_random_int_range (0, 10000));
    g_autoptr (GSocket) rtp = udp_socket (s->config.address, port, NULL);
    g_autoptr (GSocket) rtcp = NULL;

    if (rtp == NULL)
      continue;
    rtcp = udp_socket (s->config.address, port + 1, NULL);
    if (rtcp == NULL)
      continue;
    s->udp[0] = g_steal_pointer (&rtp);
    s->udp[1] = g_steal_pointer (&rtcp);
    s->udp_port[0] = port;
    s->udp_port[1] = port + 1;
    return TRUE;
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
      "No free UDP port pair on %s for RTP", s->config.address);
  return FALSE;
}

CeRtspServer *
ce_rtsp_server_new (CeRelay *relay, const CeRtspServerConfig *config,
    GError **error)
{
  CeRtspServer *s = g_new0 (CeRtspServer, 1);
  g_autoptr (GInetAddress) ip = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (ce_rtsp_debug, "cityeye-rtsp", 0,
        "cityeye RTSP server");
    g_once_init_leave (&once, 1);
  }
  ce_rtsp_server_config_init (&s->config);
  if (config != NULL)
    s->config = *config;
  s->config.address =
      g_strdup (s->config.address != NULL ? s->config.address : "127.0.0.1");
  s->relay = relay;
  if (relay != NULL)
    s->preempt_id = ce_relay_add_preempt_func (relay, on_preempted, s);
  s->context = g_main_context_ref_thread_default ();
  s->poller = ce_poller_ref_for_context (s->context);
  s->medias = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) ce_rtsp_media_unref);

  ip = g_inet_address_new_from_string (s->config.address);
  if (ip == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "RTSP address “%s” is not an IP address", s->config.address);
    ce_rtsp_server_free (s);
    return NULL;
  }
  s->listen = g_socket_new (g_inet_address_get_family (ip),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (s->listen == NULL) {
    ce_rtsp_server_free (s);
    return NULL;
  }
  sa = g_inet_socket_address_new (ip, (guint16) s->config.port);
  g_socket_set_listen_backlog (s->listen, (gint) s->config.backlog);
  if (!g_socket_bind (s->listen, sa, TRUE, error) ||
      !g_socket_listen (s->listen, error)) {
    g_prefix_error (error,
        "Cannot listen for RTSP on %s:%u: ", s->config.address, s->config.port);
    ce_rtsp_server_free (s);
    return NULL;
  }
  g_socket_set_blocking (s->listen, FALSE);
  bound = g_socket_get_local_address (s->listen, NULL);
  s->config.port =
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  s->listen_source = g_socket_create_source (s->listen, G_IO_IN, NULL);
  g_source_set_callback (s->listen_source, G_SOURCE_FUNC (on_accept), s, NULL);
  g_source_attach (s->listen_source, s->context);

  if (!bind_udp_pair (s, error)) {
    ce_rtsp_server_free (s);
    return NULL;
  }
  s->udp_rtcp_source = g_socket_create_source (s->udp[1], G_IO_IN, NULL);
  g_source_set_callback (s->udp_rtcp_source, G_SOURCE_FUNC (on_udp_rtcp), s,
      NULL);
  g_source_attach (s->udp_rtcp_source, s->context);

  s->reaper = g_timeout_source_new (1000);
  g_source_set_callback (s->reaper, on_reap, s, NULL);
  g_source_attach (s->reaper, s->context);
  return s;
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

void
ce_rtsp_server_free (CeRtspServer *s)
{
  if (s == NULL)
    return;
  if (s->relay != NULL)
    ce_relay_remove_preempt_func (s->relay, s->preempt_id);
  while (s->conns != NULL)
    conn_close (s->conns->data);
  destroy_source (&s->listen_source);
  destroy_source (&s->udp_rtcp_source);
  destroy_source (&s->reaper);
  if (s->listen != NULL)
    g_socket_close (s->listen, NULL);
  g_clear_object (&s->listen);
  g_clear_object (&s->udp[0]);
  g_clear_object (&s->udp[1]);
  g_clear_pointer (&s->medias, g_hash_table_unref);
  g_clear_pointer (&s->virtuals, g_ptr_array_unref);
  g_clear_pointer (&s->poller, ce_poller_unref);
  g_clear_pointer (&s->context, g_main_context_unref);
  g_free (s->config.address);
  g_free (s);
}

guint
ce_rtsp_server_get_port (CeRtspServer *s)
{
  return s->config.port;
}

void
ce_rtsp_server_get_stats (CeRtspServer *s, CeRtspServerStats *stats)
{
  *stats = s->stats;
}

/* ---- for the control API ---------------------------------------------- */

void
ce_rtsp_viewer_info_free (CeRtspViewerInfo *info)
{
  g_free (info->camera_id);
  g_free (info->peer);
  g_free (info);
}

GPtrArray *
ce_rtsp_server_list_viewers (CeRtspServer *s)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ce_rtsp_viewer_info_free);

  for (GList *l = s->conns; l != NULL; l = l->next) {
    Conn *c = l->data;
    CeRtspViewerInfo *info;

    if (c->stream == NULL)
      continue;
    info = g_new0 (CeRtspViewerInfo, 1);
    info->camera_id = g_strdup (ce_stream_get_camera_id (c->stream));
    info->profile = ce_stream_get_profile (c->stream);
    info->peer = g_strdup (c->peer);
    if (c->viewer != NULL) {
      g_mutex_lock (&c->lock);
      info->udp = c->viewer->lower == CE_RTSP_LOWER_UDP;
      info->playing = c->viewer->sub_id != 0;
      info->bytes = c->viewer->track[CE_TRACK_VIDEO].octets +
          c->viewer->track[CE_TRACK_AUDIO].octets;
      g_mutex_unlock (&c->lock);
    }
    g_ptr_array_add (out, info);
  }
  return out;
}

/* A camera stream closed to make room for a higher-priority pull: its
 * viewers' connections are closed (the stream gets no more media). */
static void
on_preempted (CeStream *stream, const char *reason, gpointer user_data)
{
  CeRtspServer *s = user_data;
  GList *victims = NULL;

  for (GList *l = s->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (c->stream == stream)
      victims = g_list_prepend (victims, c);
  }
  for (GList *l = victims; l != NULL; l = l->next) {
    Conn *c = l->data;

    g_message ("RTSP viewer %s of camera %s closed: %s", c->peer,
        ce_stream_get_camera_id (stream), reason);
    conn_close (c);
  }
  g_list_free (victims);
}

guint
ce_rtsp_server_kick (CeRtspServer *s, const char *camera_id, int profile,
    const char *peer)
{
  GList *victims = NULL;
  guint n = 0;

  for (GList *l = s->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (c->stream == NULL ||
        strcmp (ce_stream_get_camera_id (c->stream), camera_id) != 0 ||
        (profile >= 0 && (int) ce_stream_get_profile (c->stream) != profile) ||
        (peer != NULL && strcmp (c->peer, peer) != 0))
      continue;
    victims = g_list_prepend (victims, c);
  }
  for (GList *l = victims; l != NULL; l = l->next) {
    Conn *c = l->data;

    GST_INFO ("%s: closed by the control API (camera %s)", c->peer, camera_id);
    conn_close (c);
    n++;
  }
  g_list_free (victims);
  return n;
}

guint
ce_rtsp_server_kick_hub (CeRtspServer *s, CeHub *hub)
{
  GList *victims = NULL;
  guint n = 0;

  for (GList *l = s->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (conn_has_source (c) && conn_source_hub (c) == hub)
      victims = g_list_prepend (victims, c);
  }
  for (GList *l = victims; l != NULL; l = l->next) {
    Conn *c = l->data;

    GST_INFO ("%s: closed (stream %s dropped)", c->peer, conn_source_id (c));
    conn_close (c);
    n++;
  }
  g_list_free (victims);
  return n;
}

void
ce_rtsp_server_set_auth (CeRtspServer *s, CeRtspAuthorizeFunc authorize,
    CeRtspViewerFunc on_viewer, GDestroyNotify free_viewer, gpointer user_data)
{
  s->authorize = authorize;
  s->viewer_event = on_viewer;
  s->viewer_free = free_viewer;
  s->auth_data = user_data;
}

static void
provider_free (gpointer data)
{
  Provider *p = data;

  g_free (p->prefix);
  g_free (p);
}

void
ce_rtsp_server_add_virtual (CeRtspServer *s, const char *prefix,
    const CeRtspVirtualFuncs *funcs, gpointer user_data)
{
  Provider *p;

  g_return_if_fail (s != NULL && funcs != NULL && funcs->open != NULL &&
      funcs->close != NULL);
  g_return_if_fail (prefix != NULL && *prefix != '\0' &&
      strchr (prefix, '/') == NULL && strcmp (prefix, "cameras") != 0);
  if (s->virtuals == NULL)
    s->virtuals = g_ptr_array_new_with_free_func (provider_free);
  p = g_new0 (Provider, 1);
  p->prefix = g_strdup (prefix);
  p->funcs = *funcs;
  p->user_data = user_data;
  g_ptr_array_add (s->virtuals, p);
}

void
ce_rtsp_server_remove_virtual (CeRtspServer *s, const char *prefix)
{
  GList *victims = NULL;

  g_return_if_fail (s != NULL && prefix != NULL);
  for (guint i = 0; s->virtuals != NULL && i < s->virtuals->len; i++) {
    Provider *p = s->virtuals->pdata[i];

    if (strcmp (p->prefix, prefix) != 0)
      continue;
    for (GList *l = s->conns; l != NULL; l = l->next) {
      Conn *c = l->data;

      if (c->vprovider == p)
        victims = g_list_prepend (victims, c);
    }
    for (GList *l = victims; l != NULL; l = l->next)
      conn_close (l->data);
    g_list_free (victims);
    g_ptr_array_remove_index (s->virtuals, i);
    return;
  }
}
