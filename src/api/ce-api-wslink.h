/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A server WebSocket with flow control of our own, shared by live.ws and
 * the multiplexed live socket: libsoup's connection queues every message
 * without bound and says nothing when one has been written, so the
 * connection writes through a stream that counts what reaches the socket.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _CeApiWsLink CeApiWsLink;

/* Called (inside libsoup's write, main context) when the socket took
 * more bytes: schedule, never send from here. */
typedef void (*CeApiWsLinkWritten) (gpointer data);

/**
 * ce_api_ws_link_steal:
 * After the 101 of @msg was written: takes its connection.  @written and
 * @data stay valid until ce_api_ws_link_free().  Incoming messages are
 * limited to @max_incoming bytes.
 * Returns: (transfer full): the link.
 */
CeApiWsLink *ce_api_ws_link_steal (SoupServerMessage *msg, guint64 max_incoming,
    CeApiWsLinkWritten written, gpointer data);
/* Closes the WebSocket (if open, with @why) and the connection. */
void ce_api_ws_link_free (CeApiWsLink *link, const char *why);

SoupWebsocketConnection *ce_api_ws_link_get_connection (CeApiWsLink *link);
/* Open: neither side began to close. */
gboolean ce_api_ws_link_is_open (CeApiWsLink *link);
/* Everything given to the connection has reached the socket. */
gboolean ce_api_ws_link_is_idle (CeApiWsLink *link);
/* Bytes given to the connection that have not reached the socket. */
guint64 ce_api_ws_link_get_queued (CeApiWsLink *link);
/* Monotonic time of the socket's last progress (or of the link's
 * creation). */
gint64 ce_api_ws_link_get_progress_time (CeApiWsLink *link);
void ce_api_ws_link_send_text (CeApiWsLink *link, const char *text);
void ce_api_ws_link_send_binary (CeApiWsLink *link, GBytes *data);

G_END_DECLS
