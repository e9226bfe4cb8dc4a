/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A WebSocket client for tests.
 */
#include "ws-client.h"

static void
on_message (SoupWebsocketConnection *conn, gint type, GBytes *message,
    gpointer data)
{
  TestWs *ws = data;

  ws->func (ws, type, message, ws->data);
}

static void
on_closed (SoupWebsocketConnection *conn, gpointer data)
{
  ((TestWs *) data)->closed = TRUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  TestWs *ws = data;

  ws->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source),
      result, &ws->error);
  ws->status = soup_message_get_status (ws->msg);
  ws->done = TRUE;
  if (ws->conn == NULL)
    return;
  soup_websocket_connection_set_max_incoming_payload_size (ws->conn,
      16 * 1024 * 1024);
  g_signal_connect (ws->conn, "message", G_CALLBACK (on_message), ws);
  g_signal_connect (ws->conn, "closed", G_CALLBACK (on_closed), ws);
}

TestWs *
test_ws_connect (SoupSession *session, const char *uri, const char *bearer,
    const char *const *protocols, TestWsMessageFunc func, gpointer data,
    guint timeout_ms)
{
  TestWs *ws = g_new0 (TestWs, 1);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  ws->func = func;
  ws->data = data;
  ws->msg = soup_message_new ("GET", uri);
  g_assert_nonnull (ws->msg);
  if (bearer != NULL) {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", bearer);

    soup_message_headers_replace (soup_message_get_request_headers (ws->msg),
        "Authorization", auth);
  }
  ws->t_connect = g_get_monotonic_time ();
  soup_session_websocket_connect_async (session, ws->msg, NULL,
      (char **) protocols, G_PRIORITY_DEFAULT, NULL, on_connected, ws);
  while (!ws->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!ws->done)
    g_error ("no answer to the WebSocket handshake of %s in %u ms", uri,
        timeout_ms);
  return ws;
}

void
test_ws_free (TestWs *ws)
{
  if (ws->conn != NULL) {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    if (soup_websocket_connection_get_state (ws->conn) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL,
          NULL);
    while (!ws->closed && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_signal_handlers_disconnect_by_data (ws->conn, ws);
    g_object_unref (ws->conn);
  }
  g_clear_error (&ws->error);
  g_object_unref (ws->msg);
  g_free (ws);
}
