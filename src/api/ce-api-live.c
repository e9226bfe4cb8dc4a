/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Browser delivery of a camera: fMP4 over WebSocket (live.ws) and chunked
 * HTTP (live.mp4), HTTP-FLV (live.flv).  Each viewer is a CeViewer on the
 * camera's hub (through the relay), written with flow control of our own:
 * the next message or chunk goes out only once the previous one has
 * reached the socket, so the only queue is the CeViewer's bounded one.
 * The channels of the multiplexed live socket (ce-api-mux.c) are viewers
 * of this file too, without a connection of their own (ce-api-live.h).
 */
#include "ce-api-live.h"

#include <string.h>
#include <sys/socket.h>

#include "ce-api-wslink.h"
#include "ce-transcode.h"
#include "ce-viewer.h"

#define STATE_POLL_S 1
#define LIVE_SNDBUF (64 * 1024)

/* ---- viewers ------------------------------------------------------------ */

/* One H.265 → H.264 transcode, shared by the viewers of a camera stream
 * that asked for ?codec=h264. */
typedef struct
{
  char *key; /* "camera/profile" */
  CeTranscode *transcode;
  guint users;
} Transcode;

struct _CeApiLive
{
  CeApi *api;             /* borrowed: owns us */
  GHashTable *viewers;    /* LiveViewer * (owned ref) → itself */
  GHashTable *transcodes; /* key → Transcode */
  guint state_poll_id;
  CeViewerConfig viewer_config;
  CeApiLiveStats stats; /* totals of the viewers that ended */
};

typedef struct
{
  gint refs;
  CeApiLive *live; /* NULL once ended */
  CeApiLiveProtocol protocol;
  CePrincipal *principal;
  char *camera_id;
  CeProfile profile;
  char *peer;     /* IP:port */
  gint64 open_us; /* real time the viewer asked for the camera */
  gint64 start_us;
  gboolean started; /* audited as started */

  CeStream *stream;     /* owned: released when ended */
  gboolean want_h264;   /* ?codec=h264 */
  Transcode *transcode; /* a use of it, when the camera is H.265 */
  CeViewer *viewer;
  SoupServerMessage *msg; /* owned ref until the response is done */
  GSocket *socket;        /* owned ref, to cut a slow client off */
  gulong finished_id, wrote_chunk_id, wrote_info_id;

  /* chunked HTTP */
  guint chunks_in_flight;
  /* WebSocket */
  CeApiWsLink *link;
  gboolean ws_live;
  gulong ws_closed_id;
  /* A channel of a multiplexed socket (ce-api-mux.c): no connection of
   * its own; the socket takes its media and text. */
  const CeApiLiveSink *sink; /* NULL for a viewer with its own connection */
  gpointer sink_data;
  gint64 ch;
  CePriority priority;
  char *holder;        /* of the relay acquire */
  gboolean final_sent; /* a channel's last state went */

  GMainContext *context; /* owned ref: where the pump runs */
  gint wake_pending;     /* atomic: a pump is scheduled */
  guint idle_id;
  guint64 bytes;
  guint64 skipped; /* frames skipped by the budget, when ended */
  gboolean dropped;
} LiveViewer;

static const char *const protocol_names[] = {"ws", "mp4", "flv", "hls"};

const char *
ce_api_live_protocol_to_string (CeApiLiveProtocol protocol)
{
  return protocol_names[protocol];
}

static LiveViewer *
live_viewer_ref (LiveViewer *lv)
{
  g_atomic_int_inc (&lv->refs);
  return lv;
}

static void
live_viewer_unref (LiveViewer *lv)
{
  if (!g_atomic_int_dec_and_test (&lv->refs))
    return;
  /* Ended before the last ref went: only memory is left. */
  g_main_context_unref (lv->context);
  g_clear_pointer (&lv->principal, ce_principal_unref);
  g_free (lv->camera_id);
  g_free (lv->peer);
  g_free (lv->holder);
  g_free (lv);
}

void
ce_api_live_audit (CeApi *api, const CePrincipal *p, const char *camera_id,
    const char *protocol, const char *peer, const char *action, gint64 start_us,
    gint64 end_us, guint64 bytes)
{
  CeAuditRecord rec = {0};

  rec.user = p->user;
  rec.camera_id = camera_id;
  rec.protocol = protocol;
  rec.client = peer;
  rec.action = action;
  rec.start_us = start_us;
  rec.end_us = end_us;
  rec.bytes = bytes;
  rec.incident = p->incident;
  /* Batched, as for RTSP viewers: a wall switching tiles must not cost
   * an fsync per viewer on the main loop. */
  ce_auth_audit_post (api->auth, &rec);
}

static void
audit (CeApi *api, LiveViewer *lv, const char *action, gint64 end_us)
{
  ce_api_live_audit (api, lv->principal, lv->camera_id,
      protocol_names[lv->protocol], lv->peer, action, lv->start_us, end_us,
      lv->bytes);
}

/* Ends the viewing: audit, viewer off the hub, upstream released,
 * connection closed.  Idempotent; main context. */
static void
live_viewer_end (LiveViewer *lv, const char *why)
{
  CeApiLive *live = lv->live;
  CeApi *api;
  gboolean cut = FALSE; /* the connection can only be shut */

  if (live == NULL)
    return;
  api = live->api;
  lv->live = NULL;
  g_clear_handle_id (&lv->idle_id, g_source_remove);
  if (lv->viewer != NULL) {
    CeViewerStats st;

    ce_viewer_get_stats (lv->viewer, &st);
    lv->skipped = st.frames_skipped;
    g_clear_pointer (&lv->viewer, ce_viewer_free);
  }
  if (lv->transcode != NULL) {
    Transcode *tc = g_steal_pointer (&lv->transcode);

    if (--tc->users == 0)
      g_hash_table_remove (live->transcodes, tc->key);
  }
  if (lv->stream != NULL) {
    CeAcquireOptions options = {lv->priority, lv->holder};

    ce_relay_release_full (api->relay, g_steal_pointer (&lv->stream), &options);
  }
  if (lv->link != NULL) {
    g_signal_handler_disconnect (ce_api_ws_link_get_connection (lv->link),
        lv->ws_closed_id);
    ce_api_ws_link_free (g_steal_pointer (&lv->link), why);
  }
  if (lv->msg != NULL) {
    SoupMessageBody *body = soup_server_message_get_response_body (lv->msg);

    if (lv->finished_id != 0)
      g_signal_handler_disconnect (lv->msg, lv->finished_id);
    if (lv->wrote_chunk_id != 0)
      g_signal_handler_disconnect (lv->msg, lv->wrote_chunk_id);
    if (lv->wrote_info_id != 0)
      g_signal_handler_disconnect (lv->msg, lv->wrote_info_id);
    if (lv->protocol != CE_API_LIVE_WS && lv->started) {
      /* Ends the chunked body; a client that no longer reads gets its
       * socket shut below so that libsoup's pending write fails now. */
      soup_message_body_complete (body);
      soup_server_message_unpause (lv->msg);
    } else if (!lv->started && lv->link == NULL) {
      /* Still waiting for the camera, or refused on the way (an admin's
       * kick too): a plain error, as before any upgrade.  A 101 already
       * on its way can be followed by nothing: the connection is cut. */
      guint status = soup_server_message_get_status (lv->msg);

      if (status == 0) {
        g_autofree char *m =
            g_strdup_printf ("Camera %s: %s", lv->camera_id, why);

        ce_api_respond_error (lv->msg, CE_API_ERROR_UNAVAILABLE, m);
      } else if (status == SOUP_STATUS_SWITCHING_PROTOCOLS) {
        cut = TRUE;
      }
      soup_server_message_unpause (lv->msg);
    }
    g_clear_object (&lv->msg);
  }
  if ((lv->dropped || cut) && lv->socket != NULL)
    g_socket_shutdown (lv->socket, TRUE, TRUE, NULL);
  g_clear_object (&lv->socket);

  if (lv->started) {
    gint64 now = g_get_real_time ();

    audit (api, lv, "stop", now);
    live->stats.bytes_out[lv->protocol] += lv->bytes;
    live->stats.frames_skipped += lv->skipped;
    if (lv->dropped)
      live->stats.viewers_dropped++;
    g_message ("HTTP %s viewer %s stopped camera %s from %s after %.1f s, "
               "%" G_GUINT64_FORMAT " bytes (%s, audited)",
        protocol_names[lv->protocol], lv->principal->user, lv->camera_id,
        lv->peer, (now - lv->start_us) / 1e6, lv->bytes, why);
  } else {
    g_message ("HTTP %s viewer %s of camera %s from %s ended after %.1f s "
               "of waiting for the camera, before it started (%s)",
        protocol_names[lv->protocol], lv->principal->user, lv->camera_id,
        lv->peer, (g_get_real_time () - lv->open_us) / 1e6, why);
  }
  if (lv->sink != NULL) {
    const CeApiLiveSink *sink = g_steal_pointer (&lv->sink);

    if (!lv->final_sent) {
      /* Sent by hand: ws_send_text() stops once the viewer has ended. */
      g_autofree char *text =
          g_strdup_printf ("{\"type\":\"state\",\"ch\":%" G_GINT64_FORMAT
                           ",\"state\":\"closed\",\"reason\":\"%s\"}",
              lv->ch, why);

      sink->send_text (lv->sink_data, text);
    }
    sink->ended (lv->sink_data);
  }
  g_hash_table_remove (live->viewers, lv); /* drops the table's ref */
}

/* Nothing more goes once the client or we began to close (a channel:
 * until it ends). */
static gboolean
ws_open (LiveViewer *lv)
{
  if (lv->sink != NULL)
    return lv->live != NULL;
  return ce_api_ws_link_is_open (lv->link);
}

static void
ws_send_text (LiveViewer *lv, const char *text)
{
  if (!ws_open (lv))
    return;
  if (lv->sink != NULL)
    lv->sink->send_text (lv->sink_data, text);
  else
    ce_api_ws_link_send_text (lv->link, text);
}

/* A TEXT message begun: {"type", ["ch",] … (g_object_unref). */
static JsonBuilder *
message_begin (LiveViewer *lv, const char *type)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  if (lv->sink != NULL) {
    json_builder_set_member_name (b, "ch");
    json_builder_add_int_value (b, lv->ch);
  }
  return b;
}

/* Ends the message begun with message_begin() and sends it. */
static void
message_send (LiveViewer *lv, JsonBuilder *b)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  ws_send_text (lv, text);
}

/* A TEXT message {"type", ["ch",] k1: v1, k2: v2} (pairs nullable). */
static void
ws_send_message (LiveViewer *lv, const char *type, const char *k1,
    const char *v1, const char *k2, const char *v2)
{
  g_autoptr (JsonBuilder) b = message_begin (lv, type);

  if (k1 != NULL) {
    json_builder_set_member_name (b, k1);
    json_builder_add_string_value (b, v1);
  }
  if (k2 != NULL) {
    json_builder_set_member_name (b, k2);
    json_builder_add_string_value (b, v2);
  }
  message_send (lv, b);
}

/* Before an init segment: what the page needs for
 * MediaSource.isTypeSupported() and addSourceBuffer(). */
static void
ws_send_codec (LiveViewer *lv)
{
  g_autofree char *mime = ce_viewer_dup_content_type (lv->viewer);
  g_autofree char *codec = NULL;
  const char *q;

  if (mime == NULL)
    return;
  if ((q = strchr (mime, '"')) != NULL)
    codec = g_strndup (q + 1, strcspn (q + 1, "\""));
  ws_send_message (lv, "codec", "mime", mime, "codec",
      codec != NULL ? codec : "");
}

/* A state: a live.ws viewer has "live" and "reconnecting" (its socket
 * opens when the camera plays); a channel also "connecting", and
 * "playing" for live, and a reason for people with the final ones. */
static void
ws_send_state (LiveViewer *lv, const char *state, const char *reason)
{
  if (lv->sink == NULL && strcmp (state, "playing") == 0)
    state = "live";
  ws_send_message (lv, "state", "state", state,
      reason != NULL ? "reason" : NULL, reason);
}

/* An admin closed the viewer: "closed" with "retry": false, so that a
 * page does not open it again at once (it would after a plain close, as
 * after any lost connection). */
static void
ws_send_kicked (LiveViewer *lv, const char *reason)
{
  g_autoptr (JsonBuilder) b = message_begin (lv, "state");

  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, "closed");
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_set_member_name (b, "retry");
  json_builder_add_boolean_value (b, FALSE);
  message_send (lv, b);
}

static void
ws_send_live (LiveViewer *lv, gboolean live)
{
  lv->ws_live = live;
  ws_send_state (lv, live ? "playing" : "reconnecting", NULL);
}

/* Writes what the viewer has queued, one message or chunk at a time.
 * Main context. */
static void
pump (LiveViewer *lv)
{
  if (lv->live == NULL || lv->viewer == NULL)
    return;
  if (lv->sink != NULL) {
    /* The socket serves its channels in turn, and decides on drops. */
    lv->sink->wake (lv->sink_data);
    return;
  }
  if (ce_viewer_should_drop (lv->viewer)) {
    g_message ("HTTP %s viewer of camera %s from %s is too slow: dropped",
        protocol_names[lv->protocol], lv->camera_id, lv->peer);
    lv->dropped = TRUE;
    live_viewer_end (lv, "too slow");
    return;
  }
  if (lv->protocol == CE_API_LIVE_WS) {
    while (ws_open (lv) && ce_api_ws_link_is_idle (lv->link)) {
      CeViewerChunkKind kind;
      g_autoptr (GBytes) data = ce_viewer_pop (lv->viewer, NULL, &kind, NULL);

      if (data == NULL)
        break;
      if (kind == CE_VIEWER_CHUNK_HEADER)
        ws_send_codec (lv);
      lv->bytes += g_bytes_get_size (data);
      ce_api_ws_link_send_binary (lv->link, data);
    }
    return;
  }
  if (lv->chunks_in_flight == 0) {
    g_autoptr (GBytes) body = NULL;
    g_autoptr (GBytes) head = ce_viewer_pop (lv->viewer, &body, NULL, NULL);
    SoupMessageBody *out = soup_server_message_get_response_body (lv->msg);

    if (head == NULL)
      return;
    lv->bytes += g_bytes_get_size (head);
    soup_message_body_append_bytes (out, head);
    lv->chunks_in_flight++;
    if (body != NULL) {
      lv->bytes += g_bytes_get_size (body);
      soup_message_body_append_bytes (out, body);
      lv->chunks_in_flight++;
    }
    soup_server_message_unpause (lv->msg);
  }
}

static gboolean
on_pump_idle (gpointer data)
{
  LiveViewer *lv = data;

  lv->idle_id = 0;
  pump (lv);
  return G_SOURCE_REMOVE;
}

/* The socket took more of the WebSocket's bytes (inside libsoup's write:
 * the pump runs from an idle, never re-entering the connection). */
static void
on_ws_written (gpointer data)
{
  LiveViewer *lv = data;

  if (lv->idle_id == 0 && lv->link != NULL && ce_api_ws_link_is_idle (lv->link))
    lv->idle_id = g_idle_add (on_pump_idle, lv);
}

static gboolean
on_wake_main (gpointer data)
{
  LiveViewer *lv = data;

  g_atomic_int_set (&lv->wake_pending, 0);
  pump (lv);
  return G_SOURCE_REMOVE;
}

/* With the hub's lock held, on its streaming thread or (native ingest)
 * on the main thread itself: only schedule, never run the pump here. */
static void
on_viewer_wake (gpointer data)
{
  LiveViewer *lv = data;
  GSource *source;

  if (!g_atomic_int_compare_and_exchange (&lv->wake_pending, 0, 1))
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, on_wake_main, live_viewer_ref (lv),
      (GDestroyNotify) live_viewer_unref);
  g_source_attach (source, lv->context);
  g_source_unref (source);
}

static void
on_wrote_chunk (SoupServerMessage *msg, gpointer data)
{
  LiveViewer *lv = data;

  if (lv->chunks_in_flight > 0)
    lv->chunks_in_flight--;
  if (lv->chunks_in_flight == 0)
    pump (lv);
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  LiveViewer *lv = data;

  /* The response is over: nothing more may be written or unpaused. */
  lv->finished_id = 0;
  if (lv->wrote_chunk_id != 0)
    g_signal_handler_disconnect (msg, lv->wrote_chunk_id);
  lv->wrote_chunk_id = 0;
  if (lv->wrote_info_id != 0)
    g_signal_handler_disconnect (msg, lv->wrote_info_id);
  lv->wrote_info_id = 0;
  g_clear_object (&lv->msg);
  live_viewer_end (lv, "connection closed");
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer data)
{
  LiveViewer *lv = data;

  live_viewer_end (lv, "connection closed");
}

static void
transcode_free (Transcode *tc)
{
  ce_transcode_free (tc->transcode);
  g_free (tc->key);
  g_free (tc);
}

/* The hub the viewer plays: the camera's, or its H.264 transcode's. */
static CeHub *
live_hub (LiveViewer *lv)
{
  return lv->transcode != NULL ? ce_transcode_get_hub (lv->transcode->transcode)
                               : ce_stream_get_hub (lv->stream);
}

/* With ?codec=h264 and an H.265 camera (known once its hub is ready): a
 * use of the camera's transcode, made on demand under [http]
 * transcode_max.  FALSE when refused: answered and ended. */
static gboolean
live_choose_hub (LiveViewer *lv)
{
  CeApiLive *live = lv->live;
  CeVideoParams params;
  CeCodec codec;
  g_autofree char *key = NULL;
  g_autoptr (GError) error = NULL;
  Transcode *tc;

  if (!lv->want_h264)
    return TRUE;
  ce_hub_dup_params (ce_stream_get_hub (lv->stream), &params);
  codec = params.codec;
  ce_video_params_clear (&params);
  if (codec != CE_CODEC_H265)
    return TRUE; /* H.264 already: nothing to do */
  key = g_strdup_printf ("%s/%d", lv->camera_id, lv->profile);
  tc = g_hash_table_lookup (live->transcodes, key);
  if (tc == NULL) {
    guint max = live->api->config.transcode_max;
    CeTranscode *t = NULL;

    if (g_hash_table_size (live->transcodes) >= max) {
      g_autofree char *m = max == 0
          ? g_strdup_printf ("Camera %s is H.265 and this gateway does not "
                             "transcode ([http] transcode_max=0): play its "
                             "sub stream or use a browser that plays HEVC",
                lv->camera_id)
          : g_strdup_printf ("Camera %s is H.265 and all %u H.264 "
                             "transcodes of this gateway are in use",
                lv->camera_id, max);

      live->stats.transcodes_refused++;
      g_message ("HTTP: %s", m);
      ce_api_respond_error (lv->msg, CE_API_ERROR_UNAVAILABLE, m);
      live_viewer_end (lv, "transcode refused");
      return FALSE;
    }
    t = ce_transcode_new (ce_stream_get_hub (lv->stream), NULL, &error);
    if (t == NULL) {
      g_warning ("HTTP: camera %s: %s", lv->camera_id, error->message);
      ce_api_respond_error (lv->msg, CE_API_ERROR_UNAVAILABLE, error->message);
      live_viewer_end (lv, "transcode failed");
      return FALSE;
    }
    tc = g_new0 (Transcode, 1);
    tc->key = g_steal_pointer (&key);
    tc->transcode = t;
    g_hash_table_insert (live->transcodes, tc->key, tc);
    live->stats.transcodes_started++;
    g_message ("HTTP: transcoding camera %s to H.264 (%u of %u)", lv->camera_id,
        g_hash_table_size (live->transcodes), live->api->config.transcode_max);
  }
  tc->users++;
  lv->transcode = tc;
  return TRUE;
}

static void
mark_started (LiveViewer *lv)
{
  lv->started = TRUE;
  lv->start_us = g_get_real_time ();
  audit (lv->live->api, lv, "start", 0);
  g_message ("HTTP %s viewer %s started camera %s from %s",
      protocol_names[lv->protocol], lv->principal->user, lv->camera_id,
      lv->peer);
}

/* 101 written: the connection is ours. */
static void
on_wrote_informational (SoupServerMessage *msg, gpointer data)
{
  LiveViewer *lv = data;
  if (lv->live == NULL ||
      soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  /* Stealing ends the message: that is not the end of the viewer. */
  g_signal_handler_disconnect (msg, lv->wrote_info_id);
  lv->wrote_info_id = 0;
  g_signal_handler_disconnect (msg, lv->finished_id);
  lv->finished_id = 0;
  /* Clients only close or ping. */
  lv->link = ce_api_ws_link_steal (msg, 4096, on_ws_written, lv);
  lv->ws_closed_id = g_signal_connect (ce_api_ws_link_get_connection (lv->link),
      "closed", G_CALLBACK (on_ws_closed), lv);
  lv->ws_live = TRUE;
  mark_started (lv);
  lv->viewer = ce_viewer_new (live_hub (lv), CE_VIEWER_FMP4,
      &lv->live->viewer_config, on_viewer_wake, lv);
  ce_stream_note_first_out (lv->stream);
  pump (lv);
}

static void
respond_ready (LiveViewer *lv)
{
  SoupMessageHeaders *h;
  g_autofree char *type = NULL;

  if (lv->sink != NULL) {
    mark_started (lv);
    lv->ws_live = TRUE;
    ws_send_state (lv, "playing", NULL);
    lv->viewer = ce_viewer_new (live_hub (lv), CE_VIEWER_FMP4,
        &lv->live->viewer_config, on_viewer_wake, lv);
    ce_stream_note_first_out (lv->stream);
    pump (lv);
    return;
  }
  if (!live_choose_hub (lv))
    return;
  if (lv->protocol == CE_API_LIVE_WS) {
    /* No extensions: video does not deflate, and no protocol. */
    if (!soup_websocket_server_process_handshake (lv->msg, NULL, NULL, NULL,
            NULL)) {
      live_viewer_end (lv, "bad handshake");
      return;
    }
    lv->wrote_info_id = g_signal_connect (lv->msg, "wrote-informational",
        G_CALLBACK (on_wrote_informational), lv);
    soup_server_message_unpause (lv->msg);
    return;
  }
  lv->viewer = ce_viewer_new (live_hub (lv),
      lv->protocol == CE_API_LIVE_FLV ? CE_VIEWER_FLV : CE_VIEWER_FMP4,
      &lv->live->viewer_config, on_viewer_wake, lv);
  type = ce_viewer_dup_content_type (lv->viewer);
  h = soup_server_message_get_response_headers (lv->msg);
  soup_server_message_set_status (lv->msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (h, "Content-Type",
      type != NULL ? type : "video/mp4");
  soup_message_headers_replace (h, "Cache-Control", "no-store");
  soup_message_body_set_accumulate (
      soup_server_message_get_response_body (lv->msg), FALSE);
  lv->wrote_chunk_id = g_signal_connect (lv->msg, "wrote-chunk",
      G_CALLBACK (on_wrote_chunk), lv);
  mark_started (lv);
  ce_stream_note_first_out (lv->stream);
  /* The body is empty until the pump appends: libsoup pauses by itself.
   * The pump may end the viewer: hold it across. */
  live_viewer_ref (lv);
  pump (lv);
  if (lv->msg != NULL)
    soup_server_message_unpause (lv->msg);
  live_viewer_unref (lv);
}

static void
on_stream_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  LiveViewer *lv = data;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (lv->live == NULL || lv->stream == NULL) {
    live_viewer_unref (lv);
    return;
  }
  ok = ce_stream_wait_ready_finish (lv->stream, result, &error);
  if (!ok) {
    g_autofree char *m =
        g_strdup_printf ("Camera %s did not send a picture in time: %s",
            lv->camera_id, error->message);

    /* Answered and unpaused by the end; a channel is told. */
    if (lv->sink != NULL) {
      ws_send_state (lv, "failed", m);
      lv->final_sent = TRUE;
    } else {
      ce_api_respond_error (lv->msg, CE_API_ERROR_TIMEOUT, m);
    }
    live_viewer_end (lv, "camera timeout");
  } else {
    respond_ready (lv);
  }
  live_viewer_unref (lv);
}

/* Sends the state of the camera's upstream to WebSocket viewers when it
 * changes (the hub itself does not say when its camera drops). */
static gboolean
poll_states (gpointer data)
{
  CeApiLive *live = data;
  g_autoptr (GPtrArray) streams = NULL;
  g_autoptr (GHashTable) playing = NULL;
  GHashTableIter iter;
  gpointer key;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, live->viewers);
  while (!any && g_hash_table_iter_next (&iter, &key, NULL))
    any = ((LiveViewer *) key)->link != NULL ||
        ((LiveViewer *) key)->sink != NULL;
  if (!any)
    return G_SOURCE_CONTINUE;
  streams = ce_relay_list_streams (live->api->relay);
  playing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < streams->len; i++) {
    const CeStreamSnapshot *s = g_ptr_array_index (streams, i);

    g_hash_table_insert (playing,
        g_strdup_printf ("%s/%d", s->camera_id, s->profile),
        GINT_TO_POINTER (s->state == CE_STREAM_PLAYING ? 2 : 1));
  }
  g_hash_table_iter_init (&iter, live->viewers);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    LiveViewer *lv = key;
    g_autofree char *k = NULL;
    gboolean up;

    if (!ws_open (lv) || !lv->started)
      continue;
    k = g_strdup_printf ("%s/%d", lv->camera_id, lv->profile);
    up = GPOINTER_TO_INT (g_hash_table_lookup (playing, k)) == 2;
    if (up != lv->ws_live)
      ws_send_live (lv, up);
  }
  return G_SOURCE_CONTINUE;
}

gboolean
ce_api_live_parse_profile (CeApiRequest *req, CeProfile *profile)
{
  const char *p = g_hash_table_lookup (req->params, "profile");

  *profile = CE_PROFILE_MAIN;
  if (p == NULL || strcmp (p, "main") == 0)
    return TRUE;
  if (strcmp (p, "sub") == 0) {
    *profile = CE_PROFILE_SUB;
    return TRUE;
  }
  ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE,
      "profile: not main or sub");
  return FALSE;
}

static void
live_start (CeApiRequest *req, CeApiLiveProtocol protocol)
{
  static const char *const known[] = {"token", "profile", "codec", NULL};
  CeApiLive *live = req->api->live;
  const char *codec;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  g_autofree char *holder = NULL;
  CeProfile profile;
  CeStream *stream;
  LiveViewer *lv;

  if (!ce_api_params_check (req->params, known, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (!ce_api_live_parse_profile (req, &profile))
    return;
  codec = g_hash_table_lookup (req->params, "codec");
  if (codec != NULL && strcmp (codec, "h264") != 0) {
    ce_api_respond_error (req->msg, CE_API_ERROR_OUT_OF_RANGE,
        "codec: only h264 may be asked for (an H.265 camera is then "
        "transcoded, if the gateway allows it)");
    return;
  }
  camera = ce_api_request_camera (req, &error);
  if (camera == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (protocol == CE_API_LIVE_WS &&
      !soup_websocket_server_check_handshake (req->msg, NULL, NULL, NULL,
          &error)) {
    g_autofree char *m =
        g_strdup_printf ("Not a WebSocket handshake: %s", error->message);

    ce_api_respond_error (req->msg, CE_API_ERROR_BAD_REQUEST, m);
    return;
  }
  {
    g_autofree char *peer = ce_api_peer (req->msg);

    holder = g_strconcat (protocol_names[protocol], " ", peer, NULL);
  }
  {
    CeAcquireOptions options = {CE_PRIORITY_VIEW, holder};

    stream = ce_relay_acquire_full (req->api->relay, camera->id, profile,
        &options, &error);
  }
  if (stream == NULL) {
    ce_api_respond_error (req->msg, ce_api_relay_error_code (error),
        error->message);
    return;
  }
  lv = g_new0 (LiveViewer, 1);
  lv->refs = 1;
  lv->context = g_main_context_ref_thread_default ();
  lv->live = live;
  lv->protocol = protocol;
  lv->principal = ce_principal_ref (req->principal);
  lv->camera_id = g_strdup (camera->id);
  lv->profile = profile;
  lv->want_h264 = codec != NULL;
  lv->peer = ce_api_peer (req->msg);
  lv->open_us = g_get_real_time ();
  lv->stream = stream;
  lv->priority = CE_PRIORITY_VIEW;
  lv->holder = g_steal_pointer (&holder);
  lv->msg = g_object_ref (req->msg);
  lv->socket = ce_api_peer_socket (req->api, req->msg);
  if (lv->socket != NULL) {
    g_object_ref (lv->socket);
    /* As for RTSP viewers: a fixed, small kernel buffer (Linux doubles
     * it), else autotuning lets a stalled client hide megabytes of stale
     * video in the kernel before the viewer's budget notices. */
    g_socket_set_option (lv->socket, SOL_SOCKET, SO_SNDBUF, LIVE_SNDBUF, NULL);
  }
  lv->finished_id =
      g_signal_connect (req->msg, "finished", G_CALLBACK (on_finished), lv);
  g_hash_table_add (live->viewers, lv);
  soup_server_message_pause (req->msg);
  if (ce_hub_is_ready (ce_stream_get_hub (stream)))
    respond_ready (lv);
  else
    ce_stream_wait_ready_async (stream, NULL, on_stream_ready,
        live_viewer_ref (lv));
}

/* ---- channels of a multiplexed socket ----------------------------------- */

CeApiLiveChannel *
ce_api_live_channel_open (CeApi *api, const CePrincipal *p,
    const char *camera_id, CeProfile profile, CePriority priority,
    const char *holder, const char *peer, gint64 ch, const CeApiLiveSink *sink,
    gpointer data, GError **error)
{
  CeAcquireOptions options = {priority, holder};
  CeStream *stream;
  LiveViewer *lv;

  stream =
      ce_relay_acquire_full (api->relay, camera_id, profile, &options, error);
  if (stream == NULL)
    return NULL;
  lv = g_new0 (LiveViewer, 1);
  lv->refs = 1;
  lv->context = g_main_context_ref_thread_default ();
  lv->live = api->live;
  lv->protocol = CE_API_LIVE_WS;
  lv->principal = ce_principal_ref ((CePrincipal *) p);
  lv->camera_id = g_strdup (camera_id);
  lv->profile = profile;
  lv->peer = g_strdup (peer);
  lv->open_us = g_get_real_time ();
  lv->stream = stream;
  lv->priority = priority;
  lv->holder = g_strdup (holder);
  lv->sink = sink;
  lv->sink_data = data;
  lv->ch = ch;
  g_hash_table_add (api->live->viewers, lv);
  if (ce_hub_is_ready (ce_stream_get_hub (stream))) {
    respond_ready (lv);
  } else {
    ws_send_state (lv, "connecting", NULL);
    ce_stream_wait_ready_async (stream, NULL, on_stream_ready,
        live_viewer_ref (lv));
  }
  return (CeApiLiveChannel *) lv;
}

GBytes *
ce_api_live_channel_pop (CeApiLiveChannel *c, GBytes **body)
{
  LiveViewer *lv = (LiveViewer *) c;
  CeViewerChunkKind kind;
  GBytes *head;

  *body = NULL;
  if (lv->live == NULL || lv->viewer == NULL)
    return NULL;
  head = ce_viewer_pop (lv->viewer, body, &kind, NULL);
  if (head == NULL)
    return NULL;
  if (kind == CE_VIEWER_CHUNK_HEADER)
    ws_send_codec (lv);
  lv->bytes += g_bytes_get_size (head);
  if (*body != NULL)
    lv->bytes += g_bytes_get_size (*body);
  return head;
}

gsize
ce_api_live_channel_pop_media (CeApiLiveChannel *c, GByteArray *out, gsize max)
{
  LiveViewer *lv = (LiveViewer *) c;
  gsize n;

  if (lv->live == NULL || lv->viewer == NULL)
    return 0;
  n = ce_viewer_pop_media (lv->viewer, out, max);
  lv->bytes += n;
  return n;
}

gboolean
ce_api_live_channel_should_drop (CeApiLiveChannel *c)
{
  LiveViewer *lv = (LiveViewer *) c;

  return lv->viewer != NULL && ce_viewer_should_drop (lv->viewer);
}

void
ce_api_live_channel_close (CeApiLiveChannel *c, const char *why,
    gboolean dropped)
{
  LiveViewer *lv = (LiveViewer *) c;

  lv->sink = NULL;
  lv->dropped = dropped;
  /* The table's ref is dropped by the end: hold one across it. */
  live_viewer_ref (lv);
  live_viewer_end (lv, why);
  live_viewer_unref (lv);
}

void
ce_api_live_ws (CeApiRequest *req)
{
  live_start (req, CE_API_LIVE_WS);
}

void
ce_api_live_mp4 (CeApiRequest *req)
{
  live_start (req, CE_API_LIVE_MP4);
}

void
ce_api_live_flv (CeApiRequest *req)
{
  live_start (req, CE_API_LIVE_FLV);
}

CeApiLive *
ce_api_live_new (CeApi *api)
{
  CeApiLive *live = g_new0 (CeApiLive, 1);

  live->api = api;
  live->viewer_config.max_bytes = api->config.live_max_bytes;
  live->viewer_config.flv_hevc = CE_FLV_HEVC_CODEC_ID_12;
  live->viewers = g_hash_table_new_full (g_direct_hash, g_direct_equal,
      (GDestroyNotify) live_viewer_unref, NULL);
  live->transcodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) transcode_free);
  live->state_poll_id = g_timeout_add_seconds (STATE_POLL_S, poll_states, live);
  return live;
}

void
ce_api_live_free (CeApiLive *live)
{
  GList *all;

  if (live == NULL)
    return;
  g_clear_handle_id (&live->state_poll_id, g_source_remove);
  all = g_hash_table_get_keys (live->viewers);
  for (GList *l = all; l != NULL; l = l->next)
    live_viewer_end (l->data, "gateway stopping");
  g_list_free (all);
  g_hash_table_unref (live->viewers);
  g_hash_table_unref (live->transcodes);
  g_free (live);
}

void
ce_api_live_get_stats (CeApi *api, CeApiLiveStats *stats)
{
  CeApiLive *live = api->live;
  GHashTableIter iter;
  gpointer key;

  *stats = live->stats;
  stats->transcodes = g_hash_table_size (live->transcodes);
  g_hash_table_iter_init (&iter, live->viewers);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    LiveViewer *lv = key;

    if (!lv->started)
      continue;
    stats->viewers[lv->protocol]++;
    stats->bytes_out[lv->protocol] += lv->bytes;
    if (lv->viewer != NULL) {
      CeViewerStats st;

      ce_viewer_get_stats (lv->viewer, &st);
      stats->frames_skipped += st.frames_skipped;
    }
  }
  ce_api_hls_add_stats (api, stats);
}

GPtrArray *
ce_api_live_list (CeApi *api)
{
  GPtrArray *out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_api_live_info_free);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, api->live->viewers);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    LiveViewer *lv = key;
    CeApiLiveInfo *info;

    /* Connecting viewers too: an admin sees who waits for a camera. */
    info = g_new0 (CeApiLiveInfo, 1);
    info->protocol = lv->protocol;
    info->camera_id = g_strdup (lv->camera_id);
    info->profile = lv->profile;
    info->peer = g_strdup (lv->peer);
    info->user = g_strdup (lv->principal->user);
    info->bytes = lv->bytes;
    info->channel = lv->sink != NULL ? lv->ch : -1;
    info->connecting = !lv->started;
    info->since_us = lv->open_us;
    g_ptr_array_add (out, info);
  }
  ce_api_hls_list (api, out);
  return out;
}

void
ce_api_live_info_free (CeApiLiveInfo *info)
{
  g_free (info->camera_id);
  g_free (info->peer);
  g_free (info->user);
  g_free (info);
}

/* The camera stream of these viewers was closed to make room for a
 * higher-priority pull: a WebSocket viewer (or a live socket's channel)
 * gets a "preempted" state with the reason before the close; the others'
 * responses end. */
guint
ce_api_live_preempted (CeApi *api, CeStream *stream, const char *reason)
{
  GList *all = g_hash_table_get_keys (api->live->viewers);
  guint n = 0;

  for (GList *l = all; l != NULL; l = l->next) {
    LiveViewer *lv = l->data;

    if (lv->stream != stream)
      continue;
    g_message ("HTTP %s viewer %s of camera %s from %s: %s",
        protocol_names[lv->protocol], lv->principal->user, lv->camera_id,
        lv->peer, reason);
    if (ws_open (lv)) {
      /* Only admins are told which camera took the pull. */
      const char *brief = ce_stream_get_preempted_brief (stream);

      ws_send_state (lv, "preempted",
          ce_principal_is_admin (lv->principal) || brief == NULL ? reason
                                                                 : brief);
      lv->final_sent = TRUE;
    }
    live_viewer_ref (lv);
    live_viewer_end (lv, "preempted");
    live_viewer_unref (lv);
    n++;
  }
  g_list_free (all);
  return n + ce_api_hls_preempted (api, stream, reason);
}

guint
ce_api_live_kick (CeApi *api, const char *camera_id, int profile,
    const char *peer, gint64 channel)
{
  GList *all = g_hash_table_get_keys (api->live->viewers);
  guint n = 0;

  for (GList *l = all; l != NULL; l = l->next) {
    LiveViewer *lv = l->data;

    if (strcmp (lv->camera_id, camera_id) != 0 ||
        (profile >= 0 && (int) lv->profile != profile) ||
        (peer != NULL && strcmp (lv->peer, peer) != 0) ||
        (channel >= 0 && (lv->sink == NULL || lv->ch != channel)))
      continue;
    /* The table's ref is dropped by the end: hold one across it.  A
     * channel is told why and ends alone; its socket goes on.  A viewer
     * still waiting for its camera ends the same way (a live.ws or HTTP
     * one is answered with an error, as before any upgrade): its hold on
     * the stream goes now, its wait returns into an ended viewer. */
    live_viewer_ref (lv);
    if (ws_open (lv)) {
      ws_send_kicked (lv, "closed by an admin");
      lv->final_sent = TRUE;
    }
    live_viewer_end (lv, "closed by an admin");
    live_viewer_unref (lv);
    n++;
  }
  g_list_free (all);
  if (channel >= 0)
    return n; /* only channels have one */
  return n + ce_api_hls_kick (api, camera_id, profile, peer);
}
