/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The multiplexed live socket (GET /api/v1/live.ws): one WebSocket per
 * page carrying the fMP4 streams of many cameras, as channels the page
 * opens and closes with TEXT messages.  Each channel is a live viewer of
 * ce-api-live.c; this file authenticates, parses, frames and shares the
 * one connection among the channels, in turn.
 */
#include "ce-api-mux.h"

#include <string.h>
#include <sys/socket.h>

#include "ce-api-live.h"
#include "ce-api-wslink.h"

#define MUX_PROTOCOL "cityeye.live"
#define MUX_HEADER 4 /* channel id, 32-bit big-endian, before each BINARY */
#define MUX_SNDBUF (64 * 1024)
/* Once a channel's first picture is out, the fragments queued behind it
 * (the cached GOP of a new channel, or what piled up while others had
 * their turn) go joined, up to this many bytes a message: a wall switch of
 * 16 tiles is then some 32 messages for the page to handle, not 800. */
#define MUX_BATCH (64 * 1024)
/* A channel over its budget while the socket took nothing for this long:
 * the client stopped reading altogether, and goes. */
#define MUX_STALL_US (2 * G_USEC_PER_SEC)
/* Above one media message in flight, only answers to the client's own
 * messages queue in the connection: a client that sends without reading
 * goes before they grow past this. */
#define MUX_MAX_QUEUED (8 * 1024 * 1024)

struct _CeApiMux
{
  CeApi *api;        /* borrowed: owns us */
  GHashTable *socks; /* MuxSocket * (owned ref) → itself */
  guint64 channels_opened, channels_refused, sockets_dropped;
};

typedef struct _MuxSocket MuxSocket;

typedef struct
{
  MuxSocket *ms; /* borrowed: owns us */
  gint64 ch;
  CeApiLiveChannel *lc; /* NULL once ended */
  GList node;           /* in ms->ring */
  guint64 messages;     /* BINARY messages sent */
} Channel;

struct _MuxSocket
{
  gint refs;
  CeApiMux *mux; /* NULL once ended */
  CePrincipal *principal;
  char *peer;
  GSocket *socket;   /* owned ref, to cut a client off */
  CeApiWsLink *link; /* once upgraded */
  gulong closed_id, message_id;
  GHashTable *channels; /* &ch → Channel (owned) */
  GQueue ring;          /* Channel.node, the next to serve first */
  guint idle_id;
  gboolean upgraded; /* the 101 went: the connection is (becoming) ours */
  gboolean dropped;
};

static MuxSocket *
mux_socket_ref (MuxSocket *ms)
{
  ms->refs++;
  return ms;
}

static void
mux_socket_unref (MuxSocket *ms)
{
  if (--ms->refs > 0)
    return;
  g_clear_pointer (&ms->principal, ce_principal_unref);
  g_clear_object (&ms->socket);
  g_hash_table_unref (ms->channels);
  g_free (ms->peer);
  g_free (ms);
}

/* ---- messages to the page ---------------------------------------------- */

static void
send_json (MuxSocket *ms, JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);

  ce_api_ws_link_send_text (ms->link, text);
}

/* {"type":"error",["ch",]"code","message"}: a refused message; the other
 * channels go on. */
static void
send_error (MuxSocket *ms, gint64 ch, const GError *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  CeApiError code = error->domain == CE_API_ERROR ? (CeApiError) error->code
                                                  : CE_API_ERROR_INTERNAL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "error");
  if (ch >= 0) {
    json_builder_set_member_name (b, "ch");
    json_builder_add_int_value (b, ch);
  }
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, ce_api_error_name (code));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, error->message);
  json_builder_end_object (b);
  send_json (ms, b);
}

static void
send_closed (MuxSocket *ms, gint64 ch, const char *state, const char *reason)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "state");
  json_builder_set_member_name (b, "ch");
  json_builder_add_int_value (b, ch);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_end_object (b);
  send_json (ms, b);
}

/* ---- channels ----------------------------------------------------------- */

static void
channel_forget (Channel *c)
{
  MuxSocket *ms = c->ms;

  g_queue_unlink (&ms->ring, &c->node);
  g_hash_table_remove (ms->channels, &c->ch); /* frees c */
}

static void schedule_pump (MuxSocket *ms);

static void
on_channel_wake (gpointer data)
{
  Channel *c = data;

  schedule_pump (c->ms);
}

static void
on_channel_text (gpointer data, const char *text)
{
  Channel *c = data;

  ce_api_ws_link_send_text (c->ms->link, text);
}

static void
on_channel_ended (gpointer data)
{
  Channel *c = data;

  c->lc = NULL;
  channel_forget (c);
}

static const CeApiLiveSink channel_sink = {
    on_channel_wake,
    on_channel_text,
    on_channel_ended,
};

static void
channel_close (Channel *c, const char *why, gboolean dropped)
{
  CeApiLiveChannel *lc = g_steal_pointer (&c->lc);

  if (lc != NULL)
    ce_api_live_channel_close (lc, why, dropped);
  channel_forget (c);
}

/* The priority of the channel's relay acquire, as the wall's own holds
 * have it: incident > preset > tour > view.  Above view only for the
 * accounts that run walls. */
static gboolean
channel_priority (MuxSocket *ms, const CeApiMuxMessage *m, CePriority *out,
    GError **error)
{
  gboolean wall =
      ce_api_walls_role_may (ms->principal->role, CE_API_WALL_OPERATE);

  *out = CE_PRIORITY_VIEW;
  if (m->purpose != CE_API_MUX_PURPOSE_VIEW && !wall) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_FORBIDDEN,
        "purpose: %s (%s) may only view; tour and preset are for wall "
        "accounts",
        ms->principal->user, ce_role_to_string (ms->principal->role));
    return FALSE;
  }
  if (!wall)
    return TRUE;
  if (m->incident != NULL)
    *out = CE_PRIORITY_INCIDENT;
  else if (m->purpose == CE_API_MUX_PURPOSE_PRESET)
    *out = CE_PRIORITY_PRESET;
  else if (m->purpose == CE_API_MUX_PURPOSE_TOUR)
    *out = CE_PRIORITY_TOUR;
  return TRUE;
}

static gboolean
channel_open (MuxSocket *ms, const CeApiMuxMessage *m, GError **error)
{
  CeApi *api = ms->mux->api;
  g_autoptr (GError) local = NULL;
  g_autoptr (CeCamera) camera = NULL;
  g_autoptr (CePrincipal) p = NULL;
  g_autofree char *holder = NULL;
  CePriority priority;
  Channel *c;

  if (g_hash_table_contains (ms->channels, &m->ch)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_CONFLICT,
        "Channel %" G_GINT64_FORMAT " is open already: close it first or "
        "use another",
        m->ch);
    return FALSE;
  }
  if (g_hash_table_size (ms->channels) >= api->config.mux_max_channels) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_UNAVAILABLE,
        "This socket has %u channels open, as many as it may have ([http] "
        "mux_max_channels): close one first",
        api->config.mux_max_channels);
    return FALSE;
  }
  camera = ce_registry_dup_camera (api->registry, m->camera, &local);
  if (camera == NULL) {
    if (g_error_matches (local, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND))
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_NOT_FOUND, "No camera %s",
          m->camera);
    else
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_UNAVAILABLE,
          "Camera %s: %s", m->camera, local->message);
    return FALSE;
  }
  /* As the grant: a camera outside the role is refused. */
  if (!ce_principal_may_see (ms->principal, camera)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_FORBIDDEN,
        "%s (%s) may not see camera %s", ms->principal->user,
        ce_role_to_string (ms->principal->role), camera->id);
    return FALSE;
  }
  if (!channel_priority (ms, m, &priority, error))
    return FALSE;
  /* The view is attributed to the incident in the audit, as with a play
   * token granted for it. */
  p = m->incident != NULL
      ? ce_principal_new (ms->principal->user, ms->principal->role,
            ms->principal->sources, ms->principal->max_secrecy,
            ms->principal->token_id, m->incident)
      : ce_principal_ref (ms->principal);
  holder = g_strdup_printf ("ws %s #%" G_GINT64_FORMAT, ms->peer, m->ch);
  c = g_new0 (Channel, 1);
  c->ms = ms;
  c->ch = m->ch;
  c->node.data = c;
  /* In the table before the open: the open may already send. */
  g_hash_table_insert (ms->channels, &c->ch, c);
  g_queue_push_tail_link (&ms->ring, &c->node);
  c->lc = ce_api_live_channel_open (api, p, camera->id,
      m->sub ? CE_PROFILE_SUB : CE_PROFILE_MAIN, priority, holder, ms->peer,
      m->ch, &channel_sink, c, &local);
  if (c->lc == NULL) {
    channel_forget (c);
    g_set_error (error, CE_API_ERROR, ce_api_relay_error_code (local),
        "Camera %s: %s", camera->id, local->message);
    return FALSE;
  }
  return TRUE;
}

/* ---- the socket ---------------------------------------------------------- */

static void mux_socket_end (MuxSocket *ms, const char *why);

/* The client stopped reading: its connection is dropped, every channel
 * with it.  TRUE when it was. */
static gboolean
drop_if_stalled (MuxSocket *ms)
{
  if (ce_api_ws_link_get_queued (ms->link) <= MUX_MAX_QUEUED &&
      (ce_api_ws_link_is_idle (ms->link) ||
          g_get_monotonic_time () -
                  ce_api_ws_link_get_progress_time (ms->link) <=
              MUX_STALL_US))
    return FALSE;
  g_message ("HTTP live socket of %s from %s stopped reading: dropped",
      ms->principal->user, ms->peer);
  ms->dropped = TRUE;
  ms->mux->sockets_dropped++;
  mux_socket_end (ms, "client stopped reading");
  return TRUE;
}

/* Ends every channel and the connection.  Idempotent; main context. */
static void
mux_socket_end (MuxSocket *ms, const char *why)
{
  CeApiMux *mux = ms->mux;
  guint n = g_hash_table_size (ms->channels);

  if (mux == NULL)
    return;
  ms->mux = NULL;
  g_clear_handle_id (&ms->idle_id, g_source_remove);
  while (ms->ring.head != NULL)
    channel_close (ms->ring.head->data, why, FALSE);
  if (ms->link != NULL) {
    SoupWebsocketConnection *ws = ce_api_ws_link_get_connection (ms->link);

    g_signal_handler_disconnect (ws, ms->closed_id);
    g_signal_handler_disconnect (ws, ms->message_id);
    ce_api_ws_link_free (g_steal_pointer (&ms->link), why);
  }
  if (ms->dropped && ms->socket != NULL)
    g_socket_shutdown (ms->socket, TRUE, TRUE, NULL);
  g_message ("HTTP live socket of %s from %s closed (%s, %u channels open)",
      ms->principal->user, ms->peer, why, n);
  g_hash_table_remove (mux->socks, ms); /* drops the table's ref */
}

/* Writes @c's next chunk as one BINARY message: the channel id, then the
 * data: an init segment alone, the first fragment alone, then the queued
 * fragments joined (MUX_BATCH).  FALSE when it has none. */
static gboolean
send_one (MuxSocket *ms, Channel *c)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) head = NULL;
  g_autoptr (GBytes) msg = NULL;
  GByteArray *frame;
  guint8 id[MUX_HEADER] = {(guint8) (c->ch >> 24), (guint8) (c->ch >> 16),
      (guint8) (c->ch >> 8), (guint8) c->ch};

  if (c->lc == NULL)
    return FALSE;
  frame = g_byte_array_new ();
  g_byte_array_append (frame, id, MUX_HEADER);
  if (c->messages < 2 ||
      ce_api_live_channel_pop_media (c->lc, frame, MUX_BATCH + MUX_HEADER) ==
          0) {
    head = ce_api_live_channel_pop (c->lc, &body);
    if (head == NULL) {
      g_byte_array_unref (frame);
      return FALSE;
    }
    g_byte_array_append (frame, g_bytes_get_data (head, NULL),
        g_bytes_get_size (head));
    if (body != NULL)
      g_byte_array_append (frame, g_bytes_get_data (body, NULL),
          g_bytes_get_size (body));
  }
  msg = g_byte_array_free_to_bytes (frame);
  ce_api_ws_link_send_binary (ms->link, msg);
  c->messages++;
  return TRUE;
}

/* Checks the budgets, then writes one message of the next channel that
 * has one, in turn, whenever the socket took everything it was given. */
static void
pump (MuxSocket *ms)
{
  GList *l, *next;

  if (ms->mux == NULL || ms->link == NULL)
    return;
  for (l = ms->ring.head; l != NULL; l = next) {
    Channel *c = l->data;
    g_autofree char *reason = NULL;

    next = l->next;
    if (c->lc == NULL || !ce_api_live_channel_should_drop (c->lc))
      continue;
    if (drop_if_stalled (ms))
      return;
    reason = g_strdup_printf ("Too slow: the channel fell behind its camera "
                              "more than its budget allows ([http] "
                              "live_max_queue) several times");
    g_message ("HTTP live socket of %s from %s: channel %" G_GINT64_FORMAT
               " too slow: closed",
        ms->principal->user, ms->peer, c->ch);
    send_closed (ms, c->ch, "failed", reason);
    channel_close (c, "too slow", TRUE);
  }
  while (
      ce_api_ws_link_is_open (ms->link) && ce_api_ws_link_is_idle (ms->link)) {
    guint n = ms->ring.length;
    gboolean sent = FALSE;

    /* A channel's first picture (init segment and keyframe) goes before
     * the others' queues: after a switch every tile shows a frame before
     * any catches up on its cached GOP. */
    for (l = ms->ring.head; l != NULL && !sent; l = l->next) {
      Channel *c = l->data;

      if (c->messages < 2)
        sent = send_one (ms, c);
    }
    for (guint i = 0; i < n && !sent; i++) {
      GList *node = g_queue_pop_head_link (&ms->ring);

      g_queue_push_tail_link (&ms->ring, node);
      sent = send_one (ms, node->data);
    }
    if (!sent)
      break;
  }
}

static gboolean
on_pump_idle (gpointer data)
{
  MuxSocket *ms = data;

  ms->idle_id = 0;
  pump (ms);
  return G_SOURCE_REMOVE;
}

static void
schedule_pump (MuxSocket *ms)
{
  if (ms->mux != NULL && ms->idle_id == 0)
    ms->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, on_pump_idle, ms, NULL);
}

/* Inside libsoup's write: only schedule. */
static void
on_link_written (gpointer data)
{
  MuxSocket *ms = data;

  if (ce_api_ws_link_is_idle (ms->link))
    schedule_pump (ms);
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message,
    gpointer data)
{
  MuxSocket *ms = data;
  g_autoptr (GError) error = NULL;
  CeApiMuxMessage m;
  const char *text;
  gsize len;

  if (ms->mux == NULL || drop_if_stalled (ms))
    return;
  memset (&m, 0, sizeof m);
  m.ch = -1;
  text = g_bytes_get_data (message, &len);
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Only TEXT messages (JSON) are accepted on this socket");
  } else if (ce_api_mux_parse_message (text, len, &m, &error)) {
    if (m.op == CE_API_MUX_CLOSE) {
      Channel *c = g_hash_table_lookup (ms->channels, &m.ch);

      if (c == NULL) {
        g_set_error (&error, CE_API_ERROR, CE_API_ERROR_NOT_FOUND,
            "Channel %" G_GINT64_FORMAT " is not open", m.ch);
      } else {
        channel_close (c, "closed by the client", FALSE);
        send_closed (ms, m.ch, "closed", "closed by the client");
      }
    } else if (channel_open (ms, &m, &error)) {
      ms->mux->channels_opened++;
    } else {
      ms->mux->channels_refused++;
      g_message ("HTTP live socket of %s from %s: channel %" G_GINT64_FORMAT
                 " refused: %s",
          ms->principal->user, ms->peer, m.ch, error->message);
    }
  }
  if (error != NULL && ms->mux != NULL)
    send_error (ms, m.ch, error);
  ce_api_mux_message_clear (&m);
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer data)
{
  MuxSocket *ms = data;

  mux_socket_ref (ms);
  mux_socket_end (ms, "connection closed");
  mux_socket_unref (ms);
}

/* 101 written: the connection is ours. */
static void
on_upgraded (SoupServerMessage *msg, gpointer data)
{
  MuxSocket *ms = data;
  SoupWebsocketConnection *ws;

  if (ms->mux == NULL || ms->upgraded ||
      soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  /* Stealing ends the message: that is not the end of the socket. */
  ms->upgraded = TRUE;
  ms->link =
      ce_api_ws_link_steal (msg, CE_API_MUX_MAX_MESSAGE, on_link_written, ms);
  ws = ce_api_ws_link_get_connection (ms->link);
  ms->message_id =
      g_signal_connect (ws, "message", G_CALLBACK (on_message), ms);
  ms->closed_id = g_signal_connect (ws, "closed", G_CALLBACK (on_closed), ms);
  g_message ("HTTP live socket of %s from %s open", ms->principal->user,
      ms->peer);
}

/* The request ended without an upgrade (a client gone before the 101). */
static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  MuxSocket *ms = data;

  if (!ms->upgraded && ms->mux != NULL)
    g_hash_table_remove (ms->mux->socks, ms);
}

void
ce_api_mux_ws (CeApiRequest *req)
{
  /* A client offering subprotocols (a page: its token rides in one) must
   * offer this one, and only this one is echoed; a client offering none
   * gets none. */
  static char protocol[] = MUX_PROTOCOL;
  char *protocols[] = {protocol, NULL};
  CeApiMux *mux = req->api->mux;
  g_autoptr (GError) error = NULL;
  MuxSocket *ms;

  if (!ce_api_params_check (req->params, NULL, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (!soup_websocket_server_check_handshake (req->msg, NULL, protocols, NULL,
          &error)) {
    g_autofree char *m =
        g_strdup_printf ("Not a WebSocket handshake offering the "
                         "“" MUX_PROTOCOL "” subprotocol: %s",
            error->message);

    ce_api_respond_error (req->msg, CE_API_ERROR_BAD_REQUEST, m);
    return;
  }
  ms = g_new0 (MuxSocket, 1);
  ms->refs = 1;
  ms->mux = mux;
  ms->principal = ce_principal_ref (req->principal);
  ms->peer = ce_api_peer (req->msg);
  ms->channels =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  ms->socket = ce_api_peer_socket (req->api, req->msg);
  if (ms->socket != NULL) {
    g_object_ref (ms->socket);
    /* As live.ws: a small fixed kernel buffer, so that a client that
     * stops reading shows in our counts within a budget. */
    g_socket_set_option (ms->socket, SOL_SOCKET, SO_SNDBUF, MUX_SNDBUF, NULL);
  }
  g_hash_table_add (mux->socks, ms);
  /* Answered at once: cameras are waited for per channel. */
  soup_websocket_server_process_handshake (req->msg, NULL, protocols, NULL,
      NULL);
  g_signal_connect_data (req->msg, "wrote-informational",
      G_CALLBACK (on_upgraded), mux_socket_ref (ms),
      (GClosureNotify) (void (*) (void)) mux_socket_unref, 0);
  g_signal_connect_data (req->msg, "finished", G_CALLBACK (on_finished),
      mux_socket_ref (ms), (GClosureNotify) (void (*) (void)) mux_socket_unref,
      0);
}

CeApiMux *
ce_api_mux_new (CeApi *api)
{
  CeApiMux *mux = g_new0 (CeApiMux, 1);

  mux->api = api;
  mux->socks = g_hash_table_new_full (g_direct_hash, g_direct_equal,
      (GDestroyNotify) mux_socket_unref, NULL);
  return mux;
}

void
ce_api_mux_free (CeApiMux *mux)
{
  GList *all;

  if (mux == NULL)
    return;
  all = g_hash_table_get_keys (mux->socks);
  for (GList *l = all; l != NULL; l = l->next) {
    MuxSocket *ms = l->data;

    mux_socket_ref (ms);
    if (ms->link != NULL)
      mux_socket_end (ms, "gateway stopping");
    else
      ms->mux = NULL;
    mux_socket_unref (ms);
  }
  g_list_free (all);
  g_hash_table_unref (mux->socks);
  g_free (mux);
}

void
ce_api_mux_append_metrics (CeApi *api, GString *out)
{
  CeApiMux *mux = api->mux;
  guint open = 0;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, mux->socks);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    open += ((MuxSocket *) key)->link != NULL;
  g_string_append_printf (out,
      "# HELP cityeye_live_sockets Multiplexed live sockets open.\n"
      "# TYPE cityeye_live_sockets gauge\n"
      "cityeye_live_sockets %u\n"
      "# HELP cityeye_live_channels_total Channels opened on multiplexed "
      "live sockets, by outcome.\n"
      "# TYPE cityeye_live_channels_total counter\n"
      "cityeye_live_channels_total{outcome=\"opened\"} %" G_GUINT64_FORMAT "\n"
      "cityeye_live_channels_total{outcome=\"refused\"} %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_live_sockets_dropped_total Multiplexed live sockets "
      "dropped for not reading.\n"
      "# TYPE cityeye_live_sockets_dropped_total counter\n"
      "cityeye_live_sockets_dropped_total %" G_GUINT64_FORMAT "\n",
      open, mux->channels_opened, mux->channels_refused, mux->sockets_dropped);
}
