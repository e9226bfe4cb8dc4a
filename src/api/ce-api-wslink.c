/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A server WebSocket whose writes are counted: what was given to the
 * connection minus what reached the socket is libsoup's own queue, which
 * the callers keep to about one message.
 */
#include "ce-api-wslink.h"

#include <string.h>

/* ---- a counting output stream ------------------------------------------ */

/* libsoup's WebSocket connection queues every message it is given and
 * says nothing when one has been written.  Between it and the socket sits
 * this stream, which counts what reaches the socket: what was sent minus
 * what was written is the connection's own queue. */
#define CE_TYPE_COUNTING_STREAM (ce_counting_stream_get_type ())
G_DECLARE_FINAL_TYPE (CeCountingStream, ce_counting_stream, CE, COUNTING_STREAM,
    GFilterOutputStream)

struct _CeCountingStream
{
  GFilterOutputStream parent;
  guint64 written;
  void (*notify) (gpointer data);
  gpointer data; /* borrowed: the viewer clears notify before it goes */
};

static void counting_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE (CeCountingStream, ce_counting_stream,
    G_TYPE_FILTER_OUTPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
        counting_pollable_init))

static GOutputStream *
counting_base (gpointer stream)
{
  return g_filter_output_stream_get_base_stream (
      G_FILTER_OUTPUT_STREAM (stream));
}

static void
counting_add (CeCountingStream *self, gssize n)
{
  if (n <= 0)
    return;
  self->written += (guint64) n;
  if (self->notify != NULL)
    self->notify (self->data);
}

static gssize
counting_write (GOutputStream *stream, const void *buffer, gsize count,
    GCancellable *cancellable, GError **error)
{
  gssize n = g_output_stream_write (counting_base (stream), buffer, count,
      cancellable, error);

  counting_add (CE_COUNTING_STREAM (stream), n);
  return n;
}

static gboolean
counting_can_poll (GPollableOutputStream *stream)
{
  GOutputStream *base = counting_base (stream);

  return G_IS_POLLABLE_OUTPUT_STREAM (base) &&
      g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static gboolean
counting_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (
      G_POLLABLE_OUTPUT_STREAM (counting_base (stream)));
}

static GSource *
counting_create_source (GPollableOutputStream *stream,
    GCancellable *cancellable)
{
  return g_pollable_output_stream_create_source (
      G_POLLABLE_OUTPUT_STREAM (counting_base (stream)), cancellable);
}

static gssize
counting_write_nonblocking (GPollableOutputStream *stream, const void *buffer,
    gsize count, GError **error)
{
  gssize n = g_pollable_output_stream_write_nonblocking (
      G_POLLABLE_OUTPUT_STREAM (counting_base (stream)), buffer, count, NULL,
      error);

  counting_add (CE_COUNTING_STREAM (stream), n);
  return n;
}

static void
counting_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = counting_can_poll;
  iface->is_writable = counting_is_writable;
  iface->create_source = counting_create_source;
  iface->write_nonblocking = counting_write_nonblocking;
}

static void
ce_counting_stream_class_init (CeCountingStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = counting_write;
}

static void
ce_counting_stream_init (CeCountingStream *self)
{
}

/* ---- the link ------------------------------------------------------------ */

struct _CeApiWsLink
{
  SoupWebsocketConnection *ws;
  GIOStream *io; /* the stolen connection, closed at the end */
  CeCountingStream *counter;
  guint64 sent; /* frame bytes given to the connection */
  gint64 progress_us;
  CeApiWsLinkWritten written;
  gpointer data;
};

static void
on_link_written (gpointer data)
{
  CeApiWsLink *link = data;

  link->progress_us = g_get_monotonic_time ();
  if (link->written != NULL)
    link->written (link->data);
}

CeApiWsLink *
ce_api_ws_link_steal (SoupServerMessage *msg, guint64 max_incoming,
    CeApiWsLinkWritten written, gpointer data)
{
  CeApiWsLink *link = g_new0 (CeApiWsLink, 1);
  g_autoptr (GIOStream) wrapped = NULL;

  link->io = soup_server_message_steal_connection (msg);
  link->counter = g_object_new (CE_TYPE_COUNTING_STREAM, "base-stream",
      g_io_stream_get_output_stream (link->io), "close-base-stream", FALSE,
      NULL);
  link->counter->notify = on_link_written;
  link->counter->data = link;
  link->written = written;
  link->data = data;
  link->progress_us = g_get_monotonic_time ();
  wrapped = g_simple_io_stream_new (g_io_stream_get_input_stream (link->io),
      G_OUTPUT_STREAM (link->counter));
  link->ws =
      soup_websocket_connection_new (wrapped, soup_server_message_get_uri (msg),
          SOUP_WEBSOCKET_CONNECTION_SERVER, NULL, NULL, NULL);
  soup_websocket_connection_set_max_incoming_payload_size (link->ws,
      max_incoming);
  return link;
}

void
ce_api_ws_link_free (CeApiWsLink *link, const char *why)
{
  if (link == NULL)
    return;
  link->counter->notify = NULL;
  if (soup_websocket_connection_get_state (link->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (link->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
        why);
  g_clear_object (&link->ws);
  /* The close frame goes if the socket takes it; the connection is
   * closed either way. */
  g_io_stream_close_async (link->io, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&link->io);
  g_clear_object (&link->counter);
  g_free (link);
}

SoupWebsocketConnection *
ce_api_ws_link_get_connection (CeApiWsLink *link)
{
  return link->ws;
}

gboolean
ce_api_ws_link_is_open (CeApiWsLink *link)
{
  return link != NULL &&
      soup_websocket_connection_get_state (link->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN;
}

gboolean
ce_api_ws_link_is_idle (CeApiWsLink *link)
{
  return link->counter->written >= link->sent;
}

guint64
ce_api_ws_link_get_queued (CeApiWsLink *link)
{
  return link->sent > link->counter->written
      ? link->sent - link->counter->written
      : 0;
}

gint64
ce_api_ws_link_get_progress_time (CeApiWsLink *link)
{
  return link->progress_us;
}

static gsize
frame_size (gsize payload)
{
  /* Server frames are not masked. */
  return payload + (payload < 126 ? 2 : payload < 65536 ? 4 : 10);
}

void
ce_api_ws_link_send_text (CeApiWsLink *link, const char *text)
{
  if (!ce_api_ws_link_is_open (link))
    return;
  if (ce_api_ws_link_is_idle (link))
    link->progress_us = g_get_monotonic_time ();
  link->sent += frame_size (strlen (text));
  soup_websocket_connection_send_text (link->ws, text);
}

void
ce_api_ws_link_send_binary (CeApiWsLink *link, GBytes *data)
{
  if (!ce_api_ws_link_is_open (link))
    return;
  if (ce_api_ws_link_is_idle (link))
    link->progress_us = g_get_monotonic_time ();
  link->sent += frame_size (g_bytes_get_size (data));
  /* libsoup writes what the socket takes at once; the rest waits. */
  soup_websocket_connection_send_message (link->ws, SOUP_WEBSOCKET_DATA_BINARY,
      data);
}
