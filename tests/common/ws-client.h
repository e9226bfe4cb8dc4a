/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A libsoup WebSocket client for the tests of the gateway's sockets
 * (live.ws, the multiplexed live socket): connect and wait for the
 * handshake, hand each message to the caller, close and wait on free.
 * Runs on the thread-default main context.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _TestWs TestWs;

/* A message of type SOUP_WEBSOCKET_DATA_TEXT or _BINARY. */
typedef void (
    *TestWsMessageFunc) (TestWs *ws, gint type, GBytes *message, gpointer data);

struct _TestWs
{
  SoupWebsocketConnection *conn; /* NULL when the handshake failed */
  SoupMessage *msg;              /* the handshake */
  GError *error;                 /* why it failed */
  guint status;                  /* HTTP status of the handshake */
  gboolean closed;               /* the connection closed */
  gint64 t_connect;              /* monotonic µs when the connect began */

  /* private */
  gboolean done;
  TestWsMessageFunc func;
  gpointer data;
};

/* Connects to @uri (ws://…) through @session, with "Authorization:
 * Bearer @bearer" (nullable), offering @protocols (nullable), and waits up
 * to @timeout_ms for the answer: fails the test when none came.  A
 * refused handshake leaves @conn NULL with @status and @error set.
 * Messages up to 16 MiB go to @func. */
TestWs *test_ws_connect (SoupSession *session, const char *uri,
    const char *bearer, const char *const *protocols, TestWsMessageFunc func,
    gpointer data, guint timeout_ms);

/* Closes the connection if it is open, waits up to 5 s for the close and
 * frees @ws.  No more messages go to the caller. */
void test_ws_free (TestWs *ws);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestWs, test_ws_free)

G_END_DECLS
