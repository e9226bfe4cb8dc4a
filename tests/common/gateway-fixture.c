/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Helpers for the tests that run cityeyed end to end.
 */
#include "gateway-fixture.h"

#include "ce-auth.h"
#include "ce-registry-accounts.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

struct _GatewayProcess
{
  char *dir;
  char *db;
  char *conf;
  char *log;
  char *extra;          /* the caller's config text */
  CeRegistry *registry; /* open until the first start */
  GPtrArray *secrets;   /* char *: never in the log */
  GPtrArray *env;       /* char *: variable, value, variable, value… */
  GSubprocess *process;
  guint http_port;
  guint rtsp_port;
  SoupSession *session;
};

/* A failed assertion aborts the test: the gateway must not outlive it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GatewayProcess *
gateway_process_new (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("cityeye-%s-XXXXXX", name);
  GatewayProcess *self = g_new0 (GatewayProcess, 1);

  g_assert_nonnull (g_getenv ("CITYEYED_BIN"));
  self->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  self->db = g_build_filename (self->dir, "registry.db", NULL);
  self->conf = g_build_filename (self->dir, "cityeye.conf", NULL);
  self->log = g_build_filename (self->dir, "cityeyed.log", NULL);
  self->secrets = g_ptr_array_new_with_free_func (g_free);
  self->env = g_ptr_array_new_with_free_func (g_free);
  self->registry = ce_registry_open (self->db, 0, &error);
  g_assert_no_error (error);
  return self;
}

CeCamera *
gateway_camera_new (const char *id, const char *name, CeSource source,
    const char *url)
{
  CeCamera *c = ce_camera_new ();

  c->id = g_strdup (id);
  c->name = g_strdup (name);
  c->source = source;
  c->lon = 121.40;
  c->lat = 31.35;
  c->rtsp_url = g_strdup (url);
  return c;
}

static CeRegistry *
registry (GatewayProcess *self)
{
  g_autoptr (GError) error = NULL;

  if (self->registry == NULL) {
    self->registry = ce_registry_open (self->db, 0, &error);
    g_assert_no_error (error);
  }
  return self->registry;
}

void
gateway_process_add_camera (GatewayProcess *self, const CeCamera *camera)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ce_registry_add_camera (registry (self), camera, &error));
  g_assert_no_error (error);
}

char *
gateway_process_add_user (GatewayProcess *self, const char *name,
    const char *role, guint sources, int max_secrecy)
{
  g_autoptr (GError) error = NULL;
  CeUser u = {0, (char *) name, (char *) role, sources, max_secrecy, 0, FALSE};
  char *token;

  g_assert_true (ce_registry_add_user (registry (self), &u, NULL, &error));
  g_assert_no_error (error);
  token = ce_auth_create_token_in (registry (self), "cityeye", name, "test", 0,
      NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  return token;
}

void
gateway_process_add_secret (GatewayProcess *self, const char *secret)
{
  g_ptr_array_add (self->secrets, g_strdup (secret));
}

void
gateway_process_setenv (GatewayProcess *self, const char *variable,
    const char *value)
{
  g_ptr_array_add (self->env, g_strdup (variable));
  g_ptr_array_add (self->env, g_strdup (value));
}

/* Sets group/key to @value unless the caller's text set it. */
static void
set_default (GKeyFile *kf, const char *group, const char *key,
    const char *value)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    g_key_file_set_value (kf, group, key, value);
}

/* The caller's text with the fixture's keys filled in. */
static void
write_config (GatewayProcess *self, guint rtsp_port, guint http_port)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *rtsp = g_strdup_printf ("%u", rtsp_port);
  g_autofree char *http = g_strdup_printf ("%u", http_port);
  g_autofree char *text = NULL;

  if (self->extra != NULL) {
    g_key_file_load_from_data (kf, self->extra, -1, G_KEY_FILE_NONE, &error);
    g_assert_no_error (error);
  }
  set_default (kf, "registry", "database", self->db);
  set_default (kf, "probe", "interval", "0");
  set_default (kf, "rtsp", "port", rtsp);
  set_default (kf, "http", "port", http);
  if (rtsp_port != 0)
    g_key_file_set_value (kf, "rtsp", "port", rtsp);
  if (http_port != 0)
    g_key_file_set_value (kf, "http", "port", http);
  text = g_key_file_to_data (kf, NULL, NULL);
  g_assert_true (g_file_set_contents (self->conf, text, -1, &error));
  g_assert_no_error (error);
}

/* The port in "…=ADDRESS:PORT" after @key in @line, 0 if none. */
static guint
port_of (const char *line, const char *key)
{
  const char *p = strstr (line, key);
  const char *colon;

  if (p == NULL || (colon = strrchr (p, ':')) == NULL)
    return 0;
  return (guint) g_ascii_strtoull (colon + 1, NULL, 10);
}

/* Spawns the daemon on the config as it is and reads its ports. */
static void
spawn (GatewayProcess *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) out = NULL;

  self->http_port = 0;
  self->rtsp_port = 0;
  g_subprocess_launcher_set_stderr_file_path (launcher, self->log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  for (guint i = 0; i + 1 < self->env->len; i += 2)
    g_subprocess_launcher_setenv (launcher, self->env->pdata[i],
        self->env->pdata[i + 1], TRUE);
  self->process = g_subprocess_launcher_spawn (launcher, &error,
      g_getenv ("CITYEYED_BIN"), "--config", self->conf, NULL);
  g_assert_no_error (error);
  /* "cityeyed: rtsp=ADDRESS:PORT", then "cityeyed: http=ADDRESS:PORT". */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  while (self->http_port == 0) {
    g_autofree char *line =
        g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

    g_assert_no_error (error);
    if (line == NULL)
      g_error ("cityeyed exited before printing its ports; see %s", self->log);
    if (self->rtsp_port == 0)
      self->rtsp_port = port_of (line, "rtsp=");
    self->http_port = port_of (line, "http=");
  }
  g_assert_cmpuint (self->rtsp_port, !=, 0);
  /* Streams hold their connections: more than the default 2 per host. */
  self->session = soup_session_new_with_options ("timeout", 30,
      "proxy-resolver", NULL, "max-conns-per-host", 32, "max-conns", 64, NULL);
}

void
gateway_process_start (GatewayProcess *self, const char *extra)
{
  g_assert_null (self->process);
  /* The daemon opens the registry itself. */
  g_clear_object (&self->registry);
  g_free (self->extra);
  self->extra = g_strdup (extra);
  write_config (self, 0, 0);
  spawn (self);
}

char *
gateway_process_read_log (GatewayProcess *self)
{
  char *log = NULL;

  g_assert_true (g_file_get_contents (self->log, &log, NULL, NULL));
  return log;
}

/* SIGTERM, exit status 0, and a clean log. */
static void
terminate (GatewayProcess *self)
{
  g_autofree char *log = NULL;

  g_assert_nonnull (self->process);
  g_clear_object (&self->session);
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (self->process));
  g_assert_cmpint (g_subprocess_get_exit_status (self->process), ==, 0);
  g_clear_object (&self->process);
  log = gateway_process_read_log (self);
  if (strstr (log, "CRITICAL") != NULL || strstr (log, "runtime check failed"))
    g_error ("cityeyed logged a critical:\n%s", log);
  for (guint i = 0; i < self->secrets->len; i++)
    if (strstr (log, self->secrets->pdata[i]) != NULL)
      g_error ("a secret is in cityeyed's log: %s", self->log);
}

void
gateway_process_restart (GatewayProcess *self, gboolean same_ports)
{
  guint rtsp = self->rtsp_port, http = self->http_port;

  terminate (self);
  write_config (self, same_ports ? rtsp : 0, same_ports ? http : 0);
  spawn (self);
  if (same_ports) {
    g_assert_cmpuint (self->rtsp_port, ==, rtsp);
    g_assert_cmpuint (self->http_port, ==, http);
  }
}

void
gateway_process_stop (GatewayProcess *self)
{
  g_autoptr (GDir) d = NULL;
  const char *name;

  if (self->process != NULL)
    terminate (self);
  g_clear_object (&self->registry);
  d = g_dir_open (self->dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (self->dir, name, NULL);

    g_unlink (p);
  }
  g_rmdir (self->dir);
  g_free (self->dir);
  g_free (self->db);
  g_free (self->conf);
  g_free (self->log);
  g_free (self->extra);
  g_ptr_array_unref (self->secrets);
  g_ptr_array_unref (self->env);
  g_free (self);
}

guint
gateway_process_http_port (GatewayProcess *self)
{
  return self->http_port;
}

guint
gateway_process_rtsp_port (GatewayProcess *self)
{
  return self->rtsp_port;
}

char *
gateway_process_http_url (GatewayProcess *self, const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->http_port,
      path != NULL ? path : "");
}

SoupSession *
gateway_process_session (GatewayProcess *self)
{
  g_assert_nonnull (self->session);
  return self->session;
}

const char *
gateway_process_dir (GatewayProcess *self)
{
  return self->dir;
}

const char *
gateway_process_db (GatewayProcess *self)
{
  return self->db;
}

/* ---- the HTTP API -------------------------------------------------------- */

/* @method @path as @bearer (nullable) with the JSON text @body
 * (nullable): the response body, *@status. */
static GBytes *
send_request (GatewayProcess *self, const char *method, const char *path,
    const char *bearer, const char *body, guint *status)
{
  g_autofree char *uri = gateway_process_http_url (self, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GError) error = NULL;
  GBytes *b;

  g_assert_nonnull (msg);
  if (bearer != NULL) {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", bearer);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
  }
  if (body != NULL) {
    g_autoptr (GBytes) req = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", req);
  }
  b = soup_session_send_and_read (gateway_process_session (self), msg, NULL,
      &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return b;
}

guint
gateway_process_call (GatewayProcess *self, const char *method,
    const char *path, const char *bearer, GBytes **body)
{
  guint status;
  g_autoptr (GBytes) b =
      send_request (self, method, path, bearer, NULL, &status);

  if (body != NULL)
    *body = g_steal_pointer (&b);
  return status;
}

void
gateway_reply_free (GatewayReply *reply)
{
  if (reply == NULL)
    return;
  if (reply->json != NULL)
    json_node_unref (reply->json);
  g_free (reply->body);
  g_free (reply);
}

GatewayReply *
gateway_process_request (GatewayProcess *self, const char *method,
    const char *path, const char *bearer, const char *body)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  GatewayReply *r = g_new0 (GatewayReply, 1);
  g_autoptr (GBytes) bytes =
      send_request (self, method, path, bearer, body, &r->status);

  /* An empty body (204) has no data at all. */
  r->body = g_bytes_get_size (bytes) > 0
      ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes))
      : g_strdup ("");
  if (g_test_verbose ())
    g_printerr ("%s %s -> %u %.600s\n", method, path, r->status, r->body);
  if (json_parser_load_from_data (parser, r->body, -1, NULL) &&
      json_parser_get_root (parser) != NULL)
    r->json = json_node_ref (json_parser_get_root (parser));
  return r;
}

JsonObject *
gateway_reply_object (GatewayReply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));
  return json_node_get_object (reply->json);
}

JsonNode *
gateway_process_get_json (GatewayProcess *self, const char *path,
    const char *bearer)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  guint status = gateway_process_call (self, "GET", path, bearer, &body);

  if (status != 200)
    g_error ("GET %s: %u %.*s", path, status, (int) g_bytes_get_size (body),
        (const char *) g_bytes_get_data (body, NULL));
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
      g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

JsonObject *
gateway_process_find_client (GatewayProcess *self, const char *bearer,
    const char *camera_id, const char *profile, const char *protocol,
    gint64 channel, char **stream_state)
{
  g_autoptr (JsonNode) list =
      gateway_process_get_json (self, "/api/v1/streams", bearer);
  JsonArray *a =
      json_object_get_array_member (json_node_get_object (list), "streams");

  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *s = json_array_get_object_element (a, i);
    JsonArray *clients;

    if (strcmp (json_object_get_string_member (s, "camera_id"), camera_id) !=
            0 ||
        strcmp (json_object_get_string_member (s, "profile"), profile) != 0)
      continue;
    if (stream_state != NULL)
      *stream_state = g_strdup (json_object_get_string_member (s, "state"));
    clients = json_object_get_array_member (s, "clients");
    for (guint k = 0; clients != NULL && k < json_array_get_length (clients);
         k++) {
      JsonObject *c = json_array_get_object_element (clients, k);

      if (strcmp (json_object_get_string_member (c, "protocol"), protocol) ==
              0 &&
          (channel < 0 ||
              json_object_get_int_member_with_default (c, "channel", -1) ==
                  channel))
        return json_object_ref (c);
    }
  }
  return NULL;
}

gint64
gateway_process_metric (GatewayProcess *self, const char *bearer,
    const char *sample)
{
  g_autoptr (GBytes) body = NULL;
  g_autofree char *text = NULL;
  gsize n = strlen (sample);

  g_assert_cmpuint (
      gateway_process_call (self, "GET", "/metrics", bearer, &body), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  for (const char *p = text; (p = strstr (p, sample)) != NULL; p++)
    if ((p == text || p[-1] == '\n') && p[n] == ' ')
      return g_ascii_strtoll (p + n + 1, NULL, 10);
  return -1;
}

int
gateway_process_run_cli (GatewayProcess *self, const char *token, char **out,
    char **err, ...)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *gw = gateway_process_http_url (self, "");
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  const char *arg;
  va_list ap;

  g_assert_nonnull (g_getenv ("CITYEYE_CLI"));
  g_ptr_array_add (argv, g_strdup (g_getenv ("CITYEYE_CLI")));
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (l, "CITYEYE_DB", gateway_process_db (self),
      TRUE);
  g_subprocess_launcher_setenv (l, "CITYEYE_GATEWAY", gw, TRUE);
  g_subprocess_launcher_setenv (l, "CITYEYE_TOKEN", token, TRUE);
  p = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata,
      &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &o, &e, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("cityeye %s -> %d\n%s%s", (char *) argv->pdata[1],
        g_subprocess_get_exit_status (p), o, e);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return g_subprocess_get_exit_status (p);
}

GSocket *
gateway_process_raw_request (GatewayProcess *self, const char *request,
    const char *status_line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr =
      g_inet_socket_address_new (lo, (guint16) self->http_port);
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, &error);
  gsize n = strlen (status_line);
  g_autofree char *buf = g_malloc (n);
  gsize got = 0;

  g_assert_no_error (error);
  g_assert_true (g_socket_set_option (s, SOL_SOCKET, SO_RCVBUF, 4096, NULL));
  g_assert_true (g_socket_connect (s, addr, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send (s, request, strlen (request), NULL, &error),
      ==, (gssize) strlen (request));
  while (got < n) {
    gssize r = g_socket_receive (s, buf + got, n - got, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (r, >, 0);
    got += r;
  }
  g_assert_cmpmem (buf, n, status_line, n);
  return s;
}

void
gateway_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}
