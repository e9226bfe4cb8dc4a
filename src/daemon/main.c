/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyed: reads the configuration, opens the registry, wires the relay
 * and the outputs, runs the main loop.
 */
#include "ce-config.h"
#include "ce-daemon-config.h"
#include "ce-daemon-probe.h"
#include "ce-registry.h"
#include "ce-relay.h"
#include "ce-rtsp-server.h"
#include "ce-ingest.h"

#include <locale.h>
#include <stdio.h>
#include <gst/gst.h>
#include <glib-unix.h>

typedef struct
{
  CeRegistry *registry; /* borrowed from main */
} Resolver;

/* The relay knows cameras only through this function. */
static gboolean
resolve_camera (const char *camera_id, CeProfile profile, CeSourceInfo *info,
    gpointer user_data, GError **error)
{
  Resolver *r = user_data;
  g_autoptr (GError) local = NULL;
  g_autoptr (CeCamera) camera = NULL;

  if (ce_gb_id_type (camera_id) < 0) {
    g_set_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_NOT_FOUND,
        "No camera with id “%.24s”", camera_id);
    return FALSE;
  }
  camera = ce_registry_dup_camera (r->registry, camera_id, &local);
  if (camera == NULL) {
    g_set_error_literal (error, CE_RELAY_ERROR,
        g_error_matches (local, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND)
            ? CE_RELAY_ERROR_NOT_FOUND
            : CE_RELAY_ERROR_UNAVAILABLE,
        local->message);
    return FALSE;
  }
  /* A camera without a sub stream serves its main stream to viewers that
   * ask for the sub stream: walls ask for sub on small tiles, and a picture
   * beats an error.  They share the main stream's upstream. */
  if (profile == CE_PROFILE_SUB && camera->rtsp_url_sub != NULL &&
      *camera->rtsp_url_sub != '\0') {
    info->url = g_strdup (camera->rtsp_url_sub);
    info->profile = CE_PROFILE_SUB;
  } else {
    info->url = g_strdup (camera->rtsp_url);
    info->profile = CE_PROFILE_MAIN;
  }
  if (info->url == NULL || *info->url == '\0') {
    g_clear_pointer (&info->url, g_free);
    g_set_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_UNAVAILABLE,
        "Camera %s has no stream URL in the registry", camera_id);
    return FALSE;
  }
  info->name = g_strdup (camera->name);
  info->username = g_strdup (camera->username);
  info->password = g_strdup (camera->password);
  return TRUE;
}

static gboolean
on_signal (gpointer user_data)
{
  g_message ("Stopping");
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *db_override = NULL;
  g_autofree char *rtsp_address = NULL;
  int rtsp_port = -1;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
          "Configuration file (default: $CITYEYE_CONFIG, then " CE_SYSCONFDIR
          "/cityeye.conf when it exists)",
          "FILE"},
      {"db", 0, 0, G_OPTION_ARG_FILENAME, &db_override,
          "Registry database (overrides [registry] database)", "PATH"},
      {"rtsp-address", 0, 0, G_OPTION_ARG_STRING, &rtsp_address,
          "Address to serve RTSP on (overrides [rtsp] address)", "IP"},
      {"rtsp-port", 0, 0, G_OPTION_ARG_INT, &rtsp_port,
          "RTSP port, 0 = any free port (overrides [rtsp] port)", "PORT"},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  CeDaemonConfig config;
  CeRelay *relay;
  CeRtspServer *rtsp;
  CeDaemonProbe *probe = NULL;
  Resolver resolver;

  setlocale (LC_ALL, "");
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
      "The cityeye gateway: pulls cameras on demand, once, and serves them "
      "to every viewer.");
  g_option_context_set_description (context,
      "Examples:\n"
      "  cityeyed --config /etc/cityeye/cityeye.conf\n"
      "  cityeyed --db registry.db --rtsp-port 8554\n"
      "Then play: ffplay rtsp://127.0.0.1:8554/cameras/<20-digit id>\n"
      "Logs: G_MESSAGES_DEBUG=cityeye-relay, GST_DEBUG=cityeye*:5\n");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "cityeyed: %s\nTry “cityeyed --help”.\n", error->message);
    return 2;
  }
  if (version) {
    printf ("cityeyed %s (GStreamer %s)\n", CE_VERSION, gst_version_string ());
    return 0;
  }
  gst_init (NULL, NULL);

  ce_daemon_config_init (&config);
  if (config_path == NULL && g_getenv ("CITYEYE_CONFIG") != NULL)
    config_path = g_strdup (g_getenv ("CITYEYE_CONFIG"));
  if (config_path == NULL &&
      g_file_test (CE_SYSCONFDIR "/cityeye.conf", G_FILE_TEST_EXISTS))
    config_path = g_strdup (CE_SYSCONFDIR "/cityeye.conf");
  if (config_path != NULL &&
      !ce_daemon_config_load (&config, config_path, &error)) {
    fprintf (stderr, "cityeyed: %s\n", error->message);
    ce_daemon_config_clear (&config);
    return 2;
  }
  if (db_override != NULL) {
    g_free (config.database);
    config.database = g_strdup (db_override);
  }
  if (rtsp_address != NULL) {
    g_free (config.rtsp.address);
    config.rtsp.address = g_strdup (rtsp_address);
  }
  if (rtsp_port >= 0) {
    if (rtsp_port > 65535) {
      fprintf (stderr, "cityeyed: --rtsp-port: %d is not a port\n", rtsp_port);
      return 2;
    }
    config.rtsp.port = (guint) rtsp_port;
  }

  registry =
      ce_registry_open (config.database, CE_REGISTRY_OPEN_NO_CREATE, &error);
  if (registry == NULL) {
    fprintf (stderr, "cityeyed: %s\n", error->message);
    ce_daemon_config_clear (&config);
    return 1;
  }
  resolver.registry = registry;
  loop = g_main_loop_new (NULL, FALSE);
  relay = ce_relay_new (&config.relay, resolve_camera, &resolver, NULL);
  rtsp = ce_rtsp_server_new (relay, &config.rtsp, &error);
  if (rtsp == NULL) {
    fprintf (stderr, "cityeyed: %s\n", error->message);
    ce_relay_free (relay);
    ce_daemon_config_clear (&config);
    return 1;
  }
  if (config.probe_interval_s > 0) {
    probe = ce_daemon_probe_new (&config, config.database, relay, &error);
    if (probe == NULL) {
      fprintf (stderr, "cityeyed: %s\n", error->message);
      ce_rtsp_server_free (rtsp);
      ce_relay_free (relay);
      ce_daemon_config_clear (&config);
      return 1;
    }
  }
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_message ("cityeyed %s: registry %s", CE_VERSION, config.database);
  /* Tests and scripts read this line for the bound port. */
  printf ("cityeyed: rtsp=%s:%u\n", config.rtsp.address,
      ce_rtsp_server_get_port (rtsp));
  fflush (stdout);

  g_main_loop_run (loop);

  ce_daemon_probe_free (probe);
  ce_rtsp_server_free (rtsp);
  ce_relay_free (relay);
  ce_ingest_flush_teardowns ();
  ce_daemon_config_clear (&config);
  return 0;
}
