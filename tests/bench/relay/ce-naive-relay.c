/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * ce-naive-relay: the reference relay for the benchmarks, a plain
 * gst-rtsp-server with one shared rtspsrc media per camera path.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#define PROGRAM "ce-naive-relay"

/* Splits one CSV record (RFC 4180 quoting, no newlines inside fields). */
static GPtrArray *
csv_split (const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *c = line; *c != '\0' && *c != '\r' && *c != '\n'; c++) {
    if (quoted) {
      if (*c == '"' && c[1] == '"') {
        g_string_append_c (field, '"');
        c++;
      } else if (*c == '"') {
        quoted = FALSE;
      } else {
        g_string_append_c (field, *c);
      }
    } else if (*c == '"') {
      quoted = TRUE;
    } else if (*c == ',') {
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      field = g_string_new (NULL);
    } else {
      g_string_append_c (field, *c);
    }
  }
  g_ptr_array_add (fields, g_string_free (field, FALSE));
  return fields;
}

static char *
launch_line (const char *url, const char *codec)
{
  gboolean h265 = g_str_equal (codec, "h265") ||
      (g_str_equal (codec, "auto") && g_str_has_suffix (url, "-h265"));
  const char *c = h265 ? "h265" : "h264";
  g_autofree char *quoted = g_strescape (url, NULL);

  return g_strdup_printf ("( rtspsrc location=\"%s\" protocols=tcp latency=0 "
                          "! rtp%sdepay ! rtp%spay name=pay0 pt=96 "
                          "config-interval=-1 )",
      quoted, c, c);
}

static void
mount (GstRTSPMountPoints *mounts, const char *path, const char *url,
    const char *codec)
{
  g_autoptr (GstRTSPMediaFactory) factory = gst_rtsp_media_factory_new ();
  g_autofree char *launch = launch_line (url, codec);

  gst_rtsp_media_factory_set_launch (factory, launch);
  gst_rtsp_media_factory_set_shared (factory, TRUE);
  gst_rtsp_mount_points_add_factory (mounts, path, g_steal_pointer (&factory));
}

/* Mounts /cameras/{id} for each row of a camera CSV (columns id and
 * rtsp_url, as written by cityeye-sample-gen and `cityeye camera export`). */
static guint
mount_csv (GstRTSPMountPoints *mounts, const char *path, const char *codec,
    GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) header = NULL;
  gint id_col = -1, url_col = -1;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, error))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: empty", path);
    return 0;
  }
  /* Skip a UTF-8 byte order mark. */
  header = csv_split (
      g_str_has_prefix (lines[0], "\xef\xbb\xbf") ? lines[0] + 3 : lines[0]);
  for (guint i = 0; i < header->len; i++) {
    const char *name = g_ptr_array_index (header, i);

    if (g_str_equal (name, "id"))
      id_col = (gint) i;
    else if (g_str_equal (name, "rtsp_url"))
      url_col = (gint) i;
  }
  if (id_col < 0 || url_col < 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: no id or rtsp_url column", path);
    return 0;
  }
  for (guint l = 1; lines[l] != NULL; l++) {
    g_autoptr (GPtrArray) row = NULL;
    g_autofree char *mount_path = NULL;
    const char *id, *url;

    if (lines[l][0] == '\0' || lines[l][0] == '\r')
      continue;
    row = csv_split (lines[l]);
    if ((gint) row->len <= MAX (id_col, url_col))
      continue;
    id = g_ptr_array_index (row, id_col);
    url = g_ptr_array_index (row, url_col);
    if (id[0] == '\0' || url[0] == '\0')
      continue;
    mount_path = g_strconcat ("/cameras/", id, NULL);
    mount (mounts, mount_path, url, codec);
    n++;
  }
  return n;
}

/* Mounts each PATH=URL line. */
static guint
mount_map (GstRTSPMountPoints *mounts, const char *path, const char *codec,
    GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, error))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint l = 0; lines[l] != NULL; l++) {
    char *line = g_strstrip (lines[l]);
    char *eq = strchr (line, '=');

    if (line[0] == '\0' || line[0] == '#')
      continue;
    if (eq == NULL || line[0] != '/') {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
          "%s:%u: expected /PATH=URL", path, l + 1);
      return 0;
    }
    *eq = '\0';
    mount (mounts, line, eq + 1, codec);
    n++;
  }
  return n;
}

static gboolean
on_cleanup (gpointer data)
{
  gst_rtsp_session_pool_cleanup (GST_RTSP_SESSION_POOL (data));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GstRTSPServer) server = NULL;
  g_autoptr (GstRTSPMountPoints) mounts = NULL;
  g_autoptr (GstRTSPSessionPool) pool = NULL;
  g_autofree char *address = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *map = NULL;
  g_autofree char *codec = NULL;
  g_autofree char *service = NULL;
  gint port = 8554, backlog = 1024, client_threads = 1;
  guint mounted = 0, sigint, sigterm, cleanup;
  const GOptionEntry entries[] = {
      {"address", 'a', 0, G_OPTION_ARG_STRING, &address,
          "Listen address (default 127.0.0.1)", "ADDR"},
      {"port", 'p', 0, G_OPTION_ARG_INT, &port,
          "RTSP port, 0 = any free port (default 8554)", "PORT"},
      {"csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
          "Camera CSV with id and rtsp_url columns: mounts /cameras/{id}",
          "FILE"},
      {"map", 0, 0, G_OPTION_ARG_FILENAME, &map,
          "File of /PATH=URL lines to mount", "FILE"},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &codec,
          "h264, h265 or auto (URLs ending in -h265 are H.265; default auto)",
          "CODEC"},
      {"backlog", 0, 0, G_OPTION_ARG_INT, &backlog,
          "listen(2) backlog (default 1024; gst-rtsp-server's own is 5)", "N"},
      {"client-threads", 0, 0, G_OPTION_ARG_INT, &client_threads,
          "Client thread pool size, -1 = one per client (default 1, as "
          "gst-rtsp-server)",
          "N"},
      G_OPTION_ENTRY_NULL,
  };

  context = g_option_context_new ("- naive gst-rtsp-server relay");
  g_option_context_set_description (context,
      "Each path is a shared media factory with the launch line\n"
      "  ( rtspsrc location=URL protocols=tcp latency=0 ! rtph264depay !\n"
      "    rtph264pay name=pay0 pt=96 config-interval=-1 )\n"
      "and the session pool is cleaned every 2 s.  Once listening it prints\n"
      "  naive: rtsp=127.0.0.1:PORT\n"
      "\n"
      "Example:\n"
      "  " PROGRAM " --port 0 --csv cameras.csv");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return 2;
  }
  if (argc > 1 || (csv == NULL && map == NULL) || port < 0 || port > 65535 ||
      backlog < 1 || client_threads < -1 ||
      (codec != NULL && !g_str_equal (codec, "h264") &&
          !g_str_equal (codec, "h265") && !g_str_equal (codec, "auto"))) {
    g_printerr (PROGRAM ": expected --csv or --map and sane options "
                        "(see --help)\n");
    return 2;
  }
  if (codec == NULL)
    codec = g_strdup ("auto");
  if (address == NULL)
    address = g_strdup ("127.0.0.1");
  signal (SIGPIPE, SIG_IGN);

  server = gst_rtsp_server_new ();
  service = g_strdup_printf ("%d", port);
  g_object_set (server, "address", address, "service", service, "backlog",
      backlog, NULL);
  {
    g_autoptr (GstRTSPThreadPool) threads =
        gst_rtsp_server_get_thread_pool (server);

    gst_rtsp_thread_pool_set_max_threads (threads, client_threads);
  }

  mounts = gst_rtsp_server_get_mount_points (server);
  if (csv != NULL)
    mounted += mount_csv (mounts, csv, codec, &error);
  if (error == NULL && map != NULL)
    mounted += mount_map (mounts, map, codec, &error);
  if (error != NULL) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return 1;
  }
  if (mounted == 0) {
    g_printerr (PROGRAM ": no camera to mount\n");
    return 1;
  }

  loop = g_main_loop_new (NULL, FALSE);
  if (gst_rtsp_server_attach (server, NULL) == 0) {
    g_printerr (PROGRAM ": cannot listen on %s:%d\n", address, port);
    return 1;
  }
  pool = gst_rtsp_server_get_session_pool (server);
  cleanup = g_timeout_add_seconds (2, on_cleanup, pool);
  sigint = g_unix_signal_add (SIGINT, on_quit, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_quit, loop);

  g_print ("naive: rtsp=%s:%d\n", address,
      gst_rtsp_server_get_bound_port (server));
  fflush (stdout);
  g_printerr (PROGRAM ": %u cameras mounted\n", mounted);
  g_main_loop_run (loop);

  g_source_remove (cleanup);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  return 0;
}
