/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * ce-live-load: a single-threaded load client for the browser endpoints
 * (live.flv, live.mp4 over chunked HTTP, live.ws over WebSocket) that reads
 * every stream without decoding and counts the bytes; or, with
 * --first-frame, times WebSocket connect → first keyframe fragment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib-unix.h>
#include <gio/gio.h>

#define PROGRAM "ce-live-load"
#define READ_BYTES (64 * 1024)

typedef struct
{
  char *host;
  int port;
  char *path_query;
  gboolean ws;
  GSocketConnection *conn;
  GByteArray *head; /* until the end of the response head */
  gboolean in_body;
  gboolean failed;
  gboolean ended;
  guint64 bytes;
  /* --first-frame: the WebSocket frames of the body */
  GByteArray *frames;
  gint64 t_start, t_first_key;
  guint8 buf[READ_BYTES];
} Conn;

static guint n_started, n_failed, n_ended, n_running;
static GMainLoop *loop;
static gboolean first_frame_mode;

static void conn_read (Conn *c);

static void
conn_fail (Conn *c, const char *why)
{
  if (!c->failed && !c->ended) {
    if (c->in_body)
      n_ended++;
    else
      n_failed++;
    /* Without the query: it may carry a token. */
    g_printerr (PROGRAM ": %s:%d%.*s: %s\n", c->host, c->port,
        (int) strcspn (c->path_query, "?"), c->path_query, why);
  }
  c->failed = TRUE;
  n_running--;
  if (first_frame_mode)
    g_main_loop_quit (loop);
}

/* Server frames are not masked: walk them, note the first binary frame
 * that is an fMP4 fragment (the first after the init segment starts with
 * a keyframe). */
static void
scan_frames (Conn *c)
{
  while (c->frames->len >= 2) {
    const guint8 *p = c->frames->data;
    guint64 len = p[1] & 0x7f;
    guint hdr = 2;

    if (len == 126) {
      if (c->frames->len < 4)
        return;
      len = (p[2] << 8) | p[3];
      hdr = 4;
    } else if (len == 127) {
      if (c->frames->len < 10)
        return;
      len = 0;
      for (int i = 0; i < 8; i++)
        len = (len << 8) | p[2 + i];
      hdr = 10;
    }
    if (c->frames->len < hdr + len)
      return;
    if ((p[0] & 0x0f) == 2 && len >= 8 &&
        memcmp (p + hdr + 4, "moof", 4) == 0) {
      c->t_first_key = g_get_monotonic_time ();
      g_main_loop_quit (loop);
      return;
    }
    g_byte_array_remove_range (c->frames, 0, hdr + len);
  }
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gssize n =
      g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  const guint8 *body = c->buf;

  if (n <= 0) {
    conn_fail (c, n == 0 ? "closed by the server" : error->message);
    return;
  }
  if (!c->in_body) {
    const char *end;
    guint status;

    g_byte_array_append (c->head, c->buf, n);
    g_byte_array_append (c->head, (const guint8 *) "", 1);
    end = strstr ((const char *) c->head->data, "\r\n\r\n");
    g_byte_array_set_size (c->head, c->head->len - 1);
    if (end == NULL) {
      if (c->head->len > 16384) {
        conn_fail (c, "response head too long");
        return;
      }
      conn_read (c);
      return;
    }
    status =
        (guint) g_ascii_strtoull ((const char *) c->head->data + 9, NULL, 10);
    if (status != (c->ws ? 101 : 200)) {
      g_autofree char *why = g_strdup_printf ("HTTP %u", status);

      conn_fail (c, why);
      return;
    }
    c->in_body = TRUE;
    n_started++;
    body = c->head->data + (end + 4 - (const char *) c->head->data);
    n = c->head->len - (body - c->head->data);
  }
  c->bytes += n;
  if (first_frame_mode && c->ws) {
    g_byte_array_append (c->frames, body, n);
    scan_frames (c);
    if (c->t_first_key != 0)
      return;
  }
  conn_read (c);
}

static void
conn_read (Conn *c)
{
  g_input_stream_read_async (
      g_io_stream_get_input_stream (G_IO_STREAM (c->conn)), c->buf,
      sizeof c->buf, G_PRIORITY_DEFAULT, NULL, on_read, c);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *req = NULL;

  c->conn = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source),
      result, &error);
  if (c->conn == NULL) {
    conn_fail (c, error->message);
    return;
  }
  req = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n",
      c->path_query, c->host, c->port,
      c->ws ? "Upgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              "Sec-WebSocket-Version: 13\r\n"
            : "");
  if (!g_output_stream_write_all (
          g_io_stream_get_output_stream (G_IO_STREAM (c->conn)), req,
          strlen (req), NULL, NULL, &error)) {
    conn_fail (c, error->message);
    return;
  }
  conn_read (c);
}

static Conn *
conn_new (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  Conn *c;

  if (uri == NULL) {
    g_printerr (PROGRAM ": not a URL: %s\n", url);
    exit (2);
  }
  c = g_new0 (Conn, 1);
  c->ws = strcmp (g_uri_get_scheme (uri), "ws") == 0;
  c->host = g_strdup (g_uri_get_host (uri));
  c->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 80;
  c->path_query = g_strdup_printf ("%s%s%s", g_uri_get_path (uri),
      g_uri_get_query (uri) ? "?" : "",
      g_uri_get_query (uri) ? g_uri_get_query (uri) : "");
  c->head = g_byte_array_new ();
  c->frames = g_byte_array_new ();
  return c;
}

static void
conn_start (GSocketClient *client, Conn *c)
{
  c->t_start = g_get_monotonic_time ();
  n_running++;
  g_socket_client_connect_to_host_async (client, c->host, c->port, NULL,
      on_connected, c);
}

static gboolean
on_timeout (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree char *url_file = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) urls = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GPtrArray) conns = g_ptr_array_new ();
  int per_url = 1, runs = 0, ramp_ms = 0;
  double duration = 10;
  guint64 bytes = 0;
  const GOptionEntry entries[] = {
      {"urls", 'u', 0, G_OPTION_ARG_FILENAME, &url_file,
          "URLs, one a line (http://…/live.flv, …/live.mp4, ws://…/live.ws)",
          "FILE"},
      {"per-url", 0, 0, G_OPTION_ARG_INT, &per_url, "Streams per URL", "N"},
      {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration,
          "Seconds to run (default 10)", "S"},
      {"ramp", 'r', 0, G_OPTION_ARG_INT, &ramp_ms,
          "Milliseconds between two connects (default 0)", "MS"},
      {"first-frame", 0, 0, G_OPTION_ARG_INT, &runs,
          "Instead: connect N times in turn to the first (ws://) URL and print "
          "connect → first keyframe fragment in ms",
          "N"},
      G_OPTION_ENTRY_NULL,
  };

  ctx = g_option_context_new ("- load the browser endpoints of cityeyed");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || url_file == NULL ||
      !g_file_get_contents (url_file, &text, NULL, &error)) {
    g_printerr (PROGRAM ": %s\n",
        error != NULL ? error->message : "--urls FILE is required");
    return 2;
  }
  urls = g_strsplit (g_strstrip (text), "\n", -1);
  g_socket_client_set_enable_proxy (client, FALSE);
  loop = g_main_loop_new (NULL, FALSE);

  if (runs > 0) {
    first_frame_mode = TRUE;
    for (int i = 0; i < runs; i++) {
      Conn *c = conn_new (urls[0]);

      conn_start (client, c);
      g_timeout_add (10000, on_timeout, NULL);
      g_main_loop_run (loop);
      if (c->t_first_key == 0) {
        g_printerr (PROGRAM ": no keyframe fragment within 10 s\n");
        return 1;
      }
      printf ("%.2f\n", (c->t_first_key - c->t_start) / 1000.0);
      g_io_stream_close (G_IO_STREAM (c->conn), NULL, NULL);
      /* Let the gateway see the close before the next connect. */
      g_usleep (200000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
    return 0;
  }

  for (guint i = 0; urls[i] != NULL; i++) {
    if (*urls[i] == '\0')
      continue;
    for (int k = 0; k < per_url; k++) {
      Conn *c = conn_new (g_strstrip (urls[i]));

      g_ptr_array_add (conns, c);
      conn_start (client, c);
      if (ramp_ms > 0) {
        g_usleep (ramp_ms * 1000);
        while (g_main_context_iteration (NULL, FALSE))
          ;
      }
    }
  }
  g_printerr (PROGRAM ": %u streams started\n", conns->len);
  g_timeout_add ((guint) (duration * 1000), on_timeout, NULL);
  g_main_loop_run (loop);
  for (guint i = 0; i < conns->len; i++)
    bytes += ((Conn *) g_ptr_array_index (conns, i))->bytes;
  printf ("{\"streams\": %u, \"playing\": %u, \"failed\": %u, "
          "\"ended_early\": %u, \"bytes\": %" G_GUINT64_FORMAT "}\n",
      conns->len, n_started - n_ended, n_failed, n_ended, bytes);
  return 0;
}
