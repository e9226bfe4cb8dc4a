/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * HTTP control and statistics of the camera simulator.
 */
#include "ce-camsim-control.h"

#include <string.h>
#include <libsoup/soup.h>

#include "ce-camsim-private.h"

struct _CeCamsimControl
{
  CeCamsimEngineFuncs funcs;
  gpointer engine; /* borrowed: owned by main */
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  SoupServer *soup; /* only used on @context once the thread runs */
  GSocket *listener;
  GSource *accept_source;
  guint port;
};

static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node,
    gboolean pretty)
{
  char *text = json_to_string (node, pretty);
  gsize len = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
      text, len);
}

static void
respond_error (SoupServerMessage *msg, guint status, const char *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, status, node, FALSE);
}

static void
respond_text (SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text,
      strlen (text));
}

/* Query parameters, overridden by a form body. */
static GHashTable *
collect_params (SoupServerMessage *msg, GHashTable *query)
{
  GHashTable *params =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *content_type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (msg), NULL);

  if (query != NULL) {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, query);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_hash_table_insert (params, g_strdup (key), g_strdup (value));
  }
  if (body != NULL && body->length > 0 &&
      (content_type == NULL ||
          g_str_equal (content_type, "application/x-www-form-urlencoded"))) {
    g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
    g_autofree char *text =
        g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_autoptr (GHashTable) form = soup_form_decode (text);
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, form);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_hash_table_insert (params, g_strdup (key), g_strdup (value));
  }
  return params;
}

static void
handle_fault (CeCamsimControl *self, SoupServerMessage *msg, const char *name,
    GHashTable *query)
{
  g_autoptr (GHashTable) params = collect_params (msg, query);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  const char *mode_text = g_hash_table_lookup (params, "mode");
  const char *ms_text = g_hash_table_lookup (params, "ms");
  CeCamsimFaultMode mode;
  gint64 ms = 0;

  if (!ce_camsim_fault_from_string (mode_text, &mode)) {
    respond_error (msg, SOUP_STATUS_BAD_REQUEST,
        "mode must be one of none, refuse, drop, stall, resize, auth, slow, "
        "tarpit, black, frozen");
    return;
  }
  if (ms_text != NULL &&
      (!g_ascii_string_to_signed (ms_text, 10, 0, 600000, &ms, NULL))) {
    respond_error (msg, SOUP_STATUS_BAD_REQUEST,
        "ms must be a number of milliseconds (0 to 600000)");
    return;
  }
  if (!self->funcs.set_fault (self->engine, name, mode, (int) ms, &error)) {
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
    return;
  }
  node = self->funcs.dup_camera_stats (self->engine, name);
  respond_json (msg, SOUP_STATUS_OK, node, TRUE);
}

static void
handle_request (SoupServer *soup, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer data)
{
  CeCamsimControl *self = data;
  const char *method = soup_server_message_get_method (msg);
  gboolean is_get = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  gboolean is_post = g_str_equal (method, "POST");

  GST_DEBUG ("control: %s %s", method, path);
  /* One request per connection: libsoup 3.2 leaks idle connections that
   * the client closes, and control requests are rare anyway. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Connection", "close");

  if (g_str_equal (path, "/healthz")) {
    if (!is_get)
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use GET");
    else
      respond_text (msg, SOUP_STATUS_OK, "ok\n");
    return;
  }
  if (g_str_equal (path, "/stats")) {
    g_autoptr (JsonNode) node = NULL;
    const char *pretty = query ? g_hash_table_lookup (query, "pretty") : NULL;

    if (!is_get) {
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use GET");
      return;
    }
    node = self->funcs.dup_stats (self->engine);
    respond_json (msg, SOUP_STATUS_OK, node,
        pretty != NULL && !g_str_equal (pretty, "0"));
    return;
  }
  if (g_str_equal (path, "/reset")) {
    if (!is_post) {
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use POST");
      return;
    }
    self->funcs.reset (self->engine);
    respond_text (msg, SOUP_STATUS_OK, "ok\n");
    return;
  }
  if (g_str_has_prefix (path, "/cam/")) {
    g_auto (GStrv) parts = g_strsplit (path + strlen ("/cam/"), "/", 3);
    guint n = g_strv_length (parts);
    const char *name = parts[0];

    if (name == NULL || !ce_camsim_name_is_valid (name)) {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, "not a camera name");
      return;
    }
    if (n == 2 && g_str_equal (parts[1], "fault")) {
      if (!is_post)
        respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use POST");
      else
        handle_fault (self, msg, name, query);
      return;
    }
    if (n == 1 || (n == 2 && g_str_equal (parts[1], "stats"))) {
      g_autoptr (JsonNode) node = NULL;

      if (!is_get) {
        respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use GET");
        return;
      }
      node = self->funcs.dup_camera_stats (self->engine, name);
      respond_json (msg, SOUP_STATUS_OK, node, TRUE);
      return;
    }
  }
  respond_error (msg, SOUP_STATUS_NOT_FOUND,
      "try /stats, /healthz, /reset or /cam/NAME/fault");
}

/* Runs on the control thread: connections are handed to libsoup there. */
static gboolean
on_accept (GSocket *listener, GIOCondition condition, gpointer data)
{
  CeCamsimControl *self = data;

  for (;;) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSocket) socket = g_socket_accept (listener, NULL, &error);
    g_autoptr (GSocketConnection) conn = NULL;
    g_autoptr (GSocketAddress) local = NULL;
    g_autoptr (GSocketAddress) remote = NULL;

    if (socket == NULL) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_warning ("Cannot accept a control connection: %s", error->message);
      break;
    }
    conn = g_socket_connection_factory_create_connection (socket);
    local = g_socket_get_local_address (socket, NULL);
    remote = g_socket_get_remote_address (socket, NULL);
    if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (conn), local,
            remote, &error))
      g_warning ("Cannot serve a control connection: %s", error->message);
  }
  return G_SOURCE_CONTINUE;
}

static gpointer
control_thread (gpointer data)
{
  CeCamsimControl *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

CeCamsimControl *
ce_camsim_control_new (const CeCamsimEngineFuncs *funcs, gpointer engine,
    const char *address, guint port, GError **error)
{
  g_autoptr (CeCamsimControl) self = g_new0 (CeCamsimControl, 1);
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (GSocketAddress) local = NULL;

  g_return_val_if_fail (funcs != NULL && engine != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  self->funcs = *funcs;
  self->engine = engine;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Not an IP address: “%s”", address);
    return NULL;
  }
  socket_address = g_inet_socket_address_new (inet, port);

  /* The listening socket is ours: libsoup 3.2's own listener leaks every
   * accepted socket (and soup_server_get_uris() leaks an address). */
  self->listener = g_socket_new (g_inet_address_get_family (inet),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (self->listener == NULL)
    return NULL;
  g_socket_set_blocking (self->listener, FALSE);
  if (!g_socket_bind (self->listener, socket_address, TRUE, error) ||
      !g_socket_listen (self->listener, error)) {
    g_prefix_error (error, "Cannot listen on %s:%u: ", address, port);
    return NULL;
  }
  local = g_socket_get_local_address (self->listener, error);
  if (local == NULL)
    return NULL;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  self->soup = soup_server_new ("server-header", "cityeye-camsim", NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_accept), self,
      NULL);
  g_source_attach (self->accept_source, self->context);

  self->thread = g_thread_new ("camsim-control", control_thread, self);
  GST_INFO ("control port %s:%u", address, self->port);
  return g_steal_pointer (&self);
}

guint
ce_camsim_control_get_port (CeCamsimControl *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

void
ce_camsim_control_free (CeCamsimControl *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL) {
    g_main_loop_quit (self->loop);
    g_thread_join (self->thread);
  }
  if (self->accept_source != NULL) {
    g_source_destroy (self->accept_source);
    g_source_unref (self->accept_source);
  }
  if (self->listener != NULL) {
    g_socket_close (self->listener, NULL);
    g_object_unref (self->listener);
  }
  if (self->soup != NULL) {
    g_main_context_push_thread_default (self->context);
    soup_server_disconnect (self->soup);
    g_clear_object (&self->soup);
    /* Let the closed listeners and connections finish on their context. */
    while (g_main_context_iteration (self->context, FALSE))
      ;
    g_main_context_pop_thread_default (self->context);
  }
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self);
}
