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
#include "ce-api.h"
#include "ce-auth.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
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
  /* The admission budgets name sources by their label (公安). */
  info->source = g_strdup (ce_source_to_label (camera->source));
  info->username = g_strdup (camera->username);
  info->password = g_strdup (camera->password);
  return TRUE;
}

/* ---- RTSP access control and the viewing audit ------------------------- */

static void
audit (CeAuth *auth, const CePrincipal *p, const char *camera_id,
    const char *peer, const char *action, gint64 start_us, gint64 end_us,
    guint64 bytes, const char *reason)
{
  CeAuditRecord rec = {0};

  rec.user = p->user;
  rec.camera_id = camera_id;
  rec.protocol = "rtsp";
  rec.client = peer;
  rec.action = action;
  rec.start_us = start_us;
  rec.end_us = end_us;
  rec.bytes = bytes;
  rec.incident = p->incident;
  rec.reason = reason;
  /* Batched: a wall switching 64 tiles costs one fsync, not 128, on the
   * main loop.  A viewing that cannot be audited is still served, but
   * loudly (the batch warns). */
  ce_auth_audit_post (auth, &rec);
}

/* Credentials, in order: ?token= (a play token for this camera, or an API
 * token), then the Authorization header (Basic/Digest with an API token as
 * the password); anonymous only when none was given.  Unauthenticated
 * clients get 401 whether the camera exists or not; only an authenticated
 * principal learns 404 (unknown) or 403 (outside its role). */
static CeRtspAuthResult
authorize_rtsp (const CeRtspAuthRequest *req, gpointer *viewer,
    GStrv *challenges, gpointer user_data)
{
  CeAuth *auth = user_data;
  g_autoptr (CePrincipal) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (CeCamera) camera = NULL;
  gboolean stale = FALSE;

  const char *what = req->camera_id != NULL ? req->camera_id : req->path;

  if (req->token != NULL) {
    if (strchr (req->token, '.') != NULL && req->camera_id == NULL)
      g_set_error_literal (&error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED,
          "Play tokens are for cameras; use an API token");
    else if (strchr (req->token, '.') != NULL)
      p = ce_auth_verify_play_token (auth, req->token, req->camera_id, &error);
    else
      p = ce_auth_verify_token (auth, req->token, &error);
  } else if (req->authorization != NULL) {
    p = ce_auth_verify_authorization (auth, req->authorization, req->method,
        req->uri, &error);
    stale = g_error_matches (error, CE_AUTH_ERROR, CE_AUTH_ERROR_STALE);
  } else {
    p = ce_auth_anonymous (auth, req->client);
  }
  if (p == NULL) {
    /* The first request of a Digest or Basic client comes without
     * credentials: that is the handshake, not worth a message. */
    if (error != NULL)
      g_message ("RTSP %s %s from %s: 401 (%s)", req->method, what, req->peer,
          error->message);
    *challenges = ce_auth_challenges (auth, stale);
    return CE_RTSP_AUTH_UNAUTHORIZED;
  }
  /* A virtual stream (a wall monitor's mosaic): its provider decides what
   * this principal may see. */
  if (req->camera_id == NULL) {
    *viewer = g_steal_pointer (&p);
    return CE_RTSP_AUTH_ALLOW;
  }
  camera = ce_registry_dup_camera (ce_auth_get_registry (auth), req->camera_id,
      &local);
  if (camera == NULL) {
    if (g_error_matches (local, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND))
      return CE_RTSP_AUTH_NOT_FOUND;
    g_warning ("RTSP %s %s from %s: %s", req->method, req->camera_id, req->peer,
        local->message);
    return CE_RTSP_AUTH_UNAVAILABLE;
  }
  if (!ce_principal_may_see (p, camera)) {
    g_message ("RTSP %s %s from %s: 403 (user %s, role %s)", req->method,
        req->camera_id, req->peer, p->user, ce_role_to_string (p->role));
    audit (auth, p, req->camera_id, req->peer, "deny", g_get_real_time (), 0, 0,
        "outside the user's sources or secrecy");
    return CE_RTSP_AUTH_FORBIDDEN;
  }
  *viewer = g_steal_pointer (&p);
  return CE_RTSP_AUTH_ALLOW;
}

static void
on_rtsp_viewer (gboolean started, const CeRtspViewerEvent *ev,
    gpointer user_data)
{
  CeAuth *auth = user_data;
  const CePrincipal *p = ev->viewer;

  if (p == NULL)
    return;
  g_message ("RTSP viewer %s %s camera %s from %s%s", p->user,
      started ? "started" : "stopped", ev->camera_id, ev->peer,
      started ? "" : " (audited)");
  audit (auth, p, ev->camera_id, ev->peer, started ? "start" : "stop",
      ev->start_us, ev->end_us, ev->bytes, NULL);
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
  g_autofree char *http_address = NULL;
  int http_port = -1;
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
      {"http-address", 0, 0, G_OPTION_ARG_STRING, &http_address,
          "Address of the HTTP API (overrides [http] address)", "IP"},
      {"http-port", 0, 0, G_OPTION_ARG_INT, &http_port,
          "HTTP API port, 0 = any free port (overrides [http] port)", "PORT"},
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
  CeAuth *auth;
  CeDaemonProbe *probe = NULL;
  Resolver resolver;
  CeApi *api = NULL;
  CeDeepChecker *checker = NULL;
  CeApiDeps api_deps = {0};

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
  if (http_address != NULL) {
    g_free (config.http.address);
    config.http.address = g_strdup (http_address);
  }
  if (http_port >= 0) {
    if (http_port > 65535) {
      fprintf (stderr, "cityeyed: --http-port: %d is not a port\n", http_port);
      return 2;
    }
    config.http.port = (guint) http_port;
  }

  registry =
      ce_registry_open (config.database, CE_REGISTRY_OPEN_NO_CREATE, &error);
  if (registry == NULL) {
    fprintf (stderr, "cityeyed: %s\n", error->message);
    ce_daemon_config_clear (&config);
    return 1;
  }
  auth = ce_auth_new (registry, &config.auth, &error);
  if (auth == NULL) {
    fprintf (stderr, "cityeyed: [auth] %s\n", error->message);
    ce_daemon_config_clear (&config);
    return 2;
  }
  if (config.auth.allow_anonymous) {
    g_autofree char *from = config.auth.anonymous_from != NULL
        ? g_strjoinv (",", config.auth.anonymous_from)
        : g_strdup ("loopback only");
    g_autofree char *sources =
        ce_auth_sources_to_string (config.auth.anonymous_sources != 0
                ? config.auth.anonymous_sources
                : ce_role_default_sources (config.auth.anonymous_role));

    g_warning ("ANONYMOUS ACCESS IS ON ([auth] allow_anonymous=true): "
               "clients from %s play cameras WITHOUT credentials as role %s "
               "(sources %s); never use this outside a demo or a closed "
               "test bench",
        from, ce_role_to_string (config.auth.anonymous_role), sources);
  }
  resolver.registry = registry;
  loop = g_main_loop_new (NULL, FALSE);
  relay = ce_relay_new (&config.relay, resolve_camera, &resolver, NULL);
  rtsp = ce_rtsp_server_new (relay, &config.rtsp, &error);
  if (rtsp == NULL) {
    fprintf (stderr, "cityeyed: %s\n", error->message);
    ce_relay_free (relay);
    ce_auth_free (auth);
    ce_daemon_config_clear (&config);
    return 1;
  }
  ce_rtsp_server_set_auth (rtsp, authorize_rtsp, on_rtsp_viewer,
      (GDestroyNotify) ce_principal_unref, auth);
  checker = ce_deep_checker_new (relay, registry, &config.deep);
  /* ---- HTTP API ---- */
  api_deps.checker = checker;
  api_deps.registry = registry;
  api_deps.relay = relay;
  api_deps.rtsp = rtsp;
  api_deps.auth = auth;
  api_deps.rtsp_address = config.rtsp.address;
  api = ce_api_new (&config.http, &api_deps, &error);
  if (api == NULL) {
    fprintf (stderr, "cityeyed: %s\n", error->message);
    ce_deep_checker_free (checker);
    ce_rtsp_server_free (rtsp);
    ce_relay_free (relay);
    ce_auth_free (auth);
    ce_daemon_config_clear (&config);
    return 1;
  }
  /* ---- end HTTP API ---- */
  if (config.probe_interval_s > 0) {
    probe =
        ce_daemon_probe_new (&config, config.database, relay, checker, &error);
    if (probe == NULL) {
      fprintf (stderr, "cityeyed: %s\n", error->message);
      ce_api_free (api);
      ce_deep_checker_free (checker);
      ce_rtsp_server_free (rtsp);
      ce_relay_free (relay);
      ce_auth_free (auth);
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
  printf ("cityeyed: http=%s:%u\n", config.http.address, ce_api_get_port (api));
  fflush (stdout);

  g_main_loop_run (loop);

  ce_daemon_probe_free (probe);
  ce_api_free (api);
  ce_deep_checker_free (checker);
  ce_rtsp_server_free (rtsp);
  ce_relay_free (relay);
  ce_auth_free (auth);
  ce_ingest_flush_teardowns ();
  ce_daemon_config_clear (&config);
  return 0;
}
