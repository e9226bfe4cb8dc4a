/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The RTSP listener, the tarpit and the session-level faults of the camera
 * simulator.
 */
#include "ce-camsim-server.h"

#include <string.h>

#include "ce-camsim-private.h"
#include "ce-camsim-rtsp.h"
#include "ce-nal.h"
#include "ce-sdp.h"

/* The first request of a connection must arrive within this time and fit
 * in this many bytes. */
#define FIRST_REQUEST_TIMEOUT_SECONDS 20
#define FIRST_REQUEST_MAX 8192

/* How long stop() waits for the media to shut down. */
#define STOP_TIMEOUT_SECONDS 5

/* A TCP connection whose first request is being read, or a tarpitted one. */
typedef struct
{
  CeCamsimServer *server; /* borrowed: owns the connection */
  GSocket *socket;
  GSource *source;
  GString *head;
  gint64 deadline; /* monotonic µs, 0 for tarpitted connections */
  gboolean tarpit;
  /* The stream a DESCRIBE answered here counted this connection for; the
   * count goes with the connection to gst-rtsp-server. */
  CeCamsimStreamStats *counted;
  CeCamsimCamera *counted_camera; /* and its camera and profile */
  CeCamsimProfile counted_profile;
} Connection;

struct _CeCamsimServer
{
  GstRTSPServer parent;

  CeCamsimShared shared;
  const CeCamsimConfig *config; /* borrowed: owned by main */
  CeCamsimThreadPool *pool;
  GMainContext *context;
  gint64 started;

  /* Only touched on @context. */
  GSocket *listener;
  GSource *accept_source;
  GSource *cleanup_source;
  GHashTable *connections; /* Connection, owned */
  guint port;
  gboolean stopped;
  /* Passed from the acceptor to create_client, which
   * gst_rtsp_server_transfer_connection() calls synchronously. */
  CeCamsimCamera *next_camera;
  gboolean next_dedicated;
  CeCamsimStreamStats *next_counted;

  /* SDP answered by the fast DESCRIBE path, per codec and profile (normal
   * size); only touched on @context. */
  char *sdp[CE_CAMSIM_N_CODECS][CE_CAMSIM_N_PROFILES];

  /* Atomic, for the statistics. */
  gint pending_count;
  gint tarpit_count;
};

G_DEFINE_FINAL_TYPE (CeCamsimServer, ce_camsim_server, GST_TYPE_RTSP_SERVER)

static void
connection_free (Connection *conn)
{
  if (conn->source != NULL) {
    g_source_destroy (conn->source);
    g_source_unref (conn->source);
  }
  if (conn->socket != NULL) {
    g_socket_close (conn->socket, NULL);
    g_object_unref (conn->socket);
  }
  g_atomic_int_add (conn->tarpit ? &conn->server->tarpit_count
                                 : &conn->server->pending_count,
      -1);
  if (conn->counted != NULL)
    g_atomic_int_add (&conn->counted->connections_active, -1);
  g_string_free (conn->head, TRUE);
  g_free (conn);
}

static void
connection_close (Connection *conn)
{
  /* The table's free function does the work. */
  g_hash_table_remove (conn->server->connections, conn);
}

/* A tarpitted connection: read and forget, answer nothing, until the
 * client gives up. */
static gboolean
on_tarpit_ready (GSocket *socket, GIOCondition condition, gpointer data)
{
  Connection *conn = data;
  g_autoptr (GError) error = NULL;
  char buffer[4096];
  gssize n;

  n = g_socket_receive_with_blocking (socket, buffer, sizeof (buffer), FALSE,
      NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0) {
    GST_DEBUG ("tarpitted connection %p closed by the client", (void *) conn);
    g_clear_pointer (&conn->source, g_source_unref);
    connection_close (conn);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
start_tarpit (Connection *conn, CeCamsimCamera *camera)
{
  g_atomic_int_inc (&camera->tarpitted);
  g_atomic_int_add (&conn->server->pending_count, -1);
  g_atomic_int_inc (&conn->server->tarpit_count);
  conn->tarpit = TRUE;
  conn->deadline = 0;
  GST_INFO ("camera %s: tarpitting a connection", camera->name);
  conn->source = g_socket_create_source (conn->socket,
      G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (conn->source, G_SOURCE_FUNC (on_tarpit_ready), conn,
      NULL);
  g_source_attach (conn->source, conn->server->context);
}

/* Hands the connection and what was read of it to gst-rtsp-server. */
static void
transfer (Connection *conn, CeCamsimCamera *camera)
{
  CeCamsimServer *self = conn->server;
  g_autoptr (GSocketAddress) remote = NULL;
  g_autofree char *ip = NULL;
  guint16 port = 0;

  remote = g_socket_get_remote_address (conn->socket, NULL);
  if (G_IS_INET_SOCKET_ADDRESS (remote)) {
    GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (remote);

    ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
    port = g_inet_socket_address_get_port (inet);
  }
  self->next_camera = camera;
  self->next_dedicated = camera != NULL &&
      ce_camsim_camera_get_mode (camera) == CE_CAMSIM_FAULT_SLOW;
  if (conn->counted != NULL) {
    /* Our DESCRIBE did not mount the stream (that is what makes it
     * cheap): do it now, for the SETUP that usually follows. */
    g_free (ce_camsim_shared_mount (&self->shared, conn->counted_camera,
        conn->counted_profile));
  }
  self->next_counted = g_steal_pointer (&conn->counted);
  GST_DEBUG ("connection from %s:%u for %s%s", ip ? ip : "?", port,
      camera ? camera->name : "(no camera)",
      self->next_dedicated ? " on a thread of its own" : "");
  if (!gst_rtsp_server_transfer_connection (GST_RTSP_SERVER (self),
          g_steal_pointer (&conn->socket), ip ? ip : "0.0.0.0", port,
          conn->head->str))
    g_warning ("Cannot hand a connection to the RTSP server");
  self->next_camera = NULL;
  self->next_dedicated = FALSE;
  self->next_counted = NULL;
  connection_close (conn);
}

/* ------------------------------------------------------------------------
 * The fast path: OPTIONS and DESCRIBE of a camera without a fault (or with
 * the refuse fault) are answered here, on the acceptor's thread, from an
 * SDP built once per codec and profile.  Through gst-rtsp-server a DESCRIBE
 * prepares the camera's media (a pipeline and its threads), which made a
 * health sweep of thousands of cameras (DESCRIBE only) crawl.  Everything
 * else (SETUP, auth, slow and resized cameras …) goes to gst-rtsp-server
 * with the bytes not yet answered; SETUP there finds or builds the media
 * from the URL as after its own DESCRIBE.
 */

/* Length of the first complete request head in @head, 0 if none yet. */
static gsize
head_length (const GString *head)
{
  const char *crlf = strstr (head->str, "\r\n\r\n");
  const char *lf = strstr (head->str, "\n\n");

  if (crlf != NULL && (lf == NULL || crlf < lf))
    return (gsize) (crlf - head->str) + 4;
  if (lf != NULL)
    return (gsize) (lf - head->str) + 2;
  return 0;
}

/* The value of header @name (lower case, with the colon) in @head, or -1. */
static int
header_int (const char *head, const char *name)
{
  g_autofree char *lower = g_ascii_strdown (head, -1);
  g_autofree char *needle = g_strconcat ("\n", name, NULL);
  const char *p = strstr (lower, needle);

  if (p == NULL)
    return -1;
  p += strlen (needle);
  while (*p == ' ' || *p == '\t')
    p++;
  if (!g_ascii_isdigit (*p))
    return -1;
  return (int) MIN (g_ascii_strtoll (p, NULL, 10), G_MAXINT);
}

static const char *
fast_sdp (CeCamsimServer *self, CeCamsimCamera *camera, CeCamsimProfile profile)
{
  CeCamsimLoop *loop;
  CeVideoParams params = {0};
  GstMapInfo map;

  if (self->sdp[camera->codec][profile] != NULL)
    return self->sdp[camera->codec][profile];
  loop = ce_camsim_loops_peek (self->shared.loops, camera->codec, profile, 0);
  if (loop == NULL || loop->headers == NULL)
    return NULL; /* not encoded yet: gst-rtsp-server will */
  params.codec =
      camera->codec == CE_CAMSIM_CODEC_H265 ? CE_CODEC_H265 : CE_CODEC_H264;
  if (!gst_buffer_map (loop->headers, &map, GST_MAP_READ))
    return NULL;
  ce_video_params_update (&params, map.data, map.size);
  gst_buffer_unmap (loop->headers, &map);
  if (ce_video_params_complete (&params))
    self->sdp[camera->codec][profile] =
        ce_sdp_build (&params, "Session streamed by cityeye-camsim",
            self->config->address, g_random_int (), "stream=0");
  ce_video_params_clear (&params);
  return self->sdp[camera->codec][profile];
}

/* Answers the request of @len bytes at the start of conn->head here, if it
 * can; FALSE leaves it to gst-rtsp-server. */
static gboolean
fast_answer (Connection *conn, gsize len)
{
  CeCamsimServer *self = conn->server;
  g_autofree char *head = g_strndup (conn->head->str, len);
  g_autofree char *path = NULL, *query = NULL, *name = NULL, *control = NULL;
  g_autofree char *base = NULL, *mount = NULL, *answer = NULL;
  g_auto (GStrv) words = NULL;
  CeCamsimProfile profile;
  CeCamsimCamera *camera;
  CeCamsimFaultMode mode;
  CeCamsimStreamStats *stats;
  const char *sdp = NULL, *end;
  gboolean describe;
  int cseq;

  words = g_strsplit (head, " ", 3);
  if (g_strv_length (words) < 3 || !g_str_has_prefix (words[2], "RTSP/1.0"))
    return FALSE;
  describe = strcmp (words[0], "DESCRIBE") == 0;
  if (!describe && strcmp (words[0], "OPTIONS") != 0)
    return FALSE;
  cseq = header_int (head, "cseq:");
  if (cseq < 0 || header_int (head, "content-length:") > 0 ||
      !g_str_has_prefix (words[1], "rtsp://"))
    return FALSE;
  if (!ce_camsim_parse_request_line (head, &path, &query) ||
      !ce_camsim_parse_camera_url (path, query, &name, &profile, &control) ||
      (control != NULL && *control != '\0'))
    return FALSE;
  camera = ce_camsim_cameras_get (self->shared.cameras, name);
  if (camera == NULL)
    return FALSE;
  mode = ce_camsim_camera_get_mode (camera);
  stats = &camera->streams[profile];
  /* Cameras with audio: the prepared SDP is video only. */
  if ((mode != CE_CAMSIM_FAULT_NONE && mode != CE_CAMSIM_FAULT_REFUSE) ||
      ce_camsim_audio_for_name (camera->name) != CE_CAMSIM_AUDIO_NONE ||
      g_atomic_int_get (&stats->variant) != 0 ||
      (conn->counted != NULL && conn->counted != stats))
    return FALSE;

  if (!describe) {
    answer = g_strdup_printf ("RTSP/1.0 200 OK\r\nCSeq: %d\r\n"
                              "Public: OPTIONS, DESCRIBE, ANNOUNCE, "
                              "GET_PARAMETER, PAUSE, PLAY, RECORD, SETUP, "
                              "SET_PARAMETER, TEARDOWN\r\n"
                              "Server: cityeye-camsim\r\n\r\n",
        cseq);
  } else {
    if (mode == CE_CAMSIM_FAULT_NONE) {
      sdp = fast_sdp (self, camera, profile);
      if (sdp == NULL)
        return FALSE;
    }
    if (conn->counted == NULL) {
      conn->counted = stats;
      conn->counted_camera = camera;
      conn->counted_profile = profile;
      g_atomic_int_inc (&stats->connections_total);
      g_atomic_int_inc (&stats->connections_active);
    }
    if (mode == CE_CAMSIM_FAULT_REFUSE) {
      g_atomic_int_inc (&camera->refused);
      GST_INFO ("camera %s: refusing DESCRIBE", camera->name);
      answer = g_strdup_printf ("RTSP/1.0 503 Service Unavailable\r\n"
                                "CSeq: %d\r\nServer: cityeye-camsim\r\n\r\n",
          cseq);
    } else {
      /* As gst-rtsp-server: the base is the internal mount path, which
       * SETUP then names. */
      end = strchr (words[1] + strlen ("rtsp://"), '/');
      base = g_strndup (words[1],
          end != NULL ? (gsize) (end - words[1]) : strlen (words[1]));
      mount = ce_camsim_mount_path (name, profile);
      answer = g_strdup_printf ("RTSP/1.0 200 OK\r\nCSeq: %d\r\n"
                                "Content-Type: application/sdp\r\n"
                                "Content-Base: %s%s/\r\n"
                                "Server: cityeye-camsim\r\n"
                                "Content-Length: %zu\r\n\r\n%s",
          cseq, base, mount, strlen (sdp), sdp);
    }
  }
  if (g_socket_send_with_blocking (conn->socket, answer, strlen (answer), TRUE,
          NULL, NULL) < 0)
    return FALSE;
  GST_DEBUG ("camera %s: answered %s here", camera->name, words[0]);
  g_string_erase (conn->head, 0, (gssize) len);
  return TRUE;
}

static gboolean
on_connection_ready (GSocket *socket, GIOCondition condition, gpointer data)
{
  Connection *conn = data;
  CeCamsimServer *self = conn->server;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;
  g_autofree char *name = NULL;
  g_autofree char *rest = NULL;
  CeCamsimCamera *camera = NULL;
  char buffer[2048];
  gssize n;

  n = g_socket_receive_with_blocking (socket, buffer, sizeof (buffer), FALSE,
      NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  /* Whatever happens next, this source is done. */
  g_clear_pointer (&conn->source, g_source_unref);
  if (n <= 0) {
    GST_DEBUG ("connection %p closed before its first request", (void *) conn);
    connection_close (conn);
    return G_SOURCE_REMOVE;
  }
  g_string_append_len (conn->head, buffer, n);
  for (;;) {
    gsize len = head_length (conn->head);

    if (len == 0 && conn->head->len < FIRST_REQUEST_MAX) {
      /* Keep reading with a fresh source. */
      conn->source = g_socket_create_source (conn->socket,
          G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (conn->source, G_SOURCE_FUNC (on_connection_ready),
          conn, NULL);
      g_source_attach (conn->source, self->context);
      return G_SOURCE_REMOVE;
    }
    g_clear_pointer (&path, g_free);
    g_clear_pointer (&query, g_free);
    g_clear_pointer (&name, g_free);
    g_clear_pointer (&rest, g_free);
    camera = NULL;
    if (ce_camsim_parse_request_line (conn->head->str, &path, &query) &&
        ce_camsim_split_camera_path (path, &name, &rest))
      camera = ce_camsim_cameras_get (self->shared.cameras, name);
    if (camera != NULL &&
        ce_camsim_camera_get_mode (camera) == CE_CAMSIM_FAULT_TARPIT) {
      start_tarpit (conn, camera);
      return G_SOURCE_REMOVE;
    }
    if (len == 0 || !fast_answer (conn, len))
      break;
    /* Answered: the client has as long again for its next request. */
    conn->deadline = g_get_monotonic_time () +
        FIRST_REQUEST_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  }
  transfer (conn, camera);
  return G_SOURCE_REMOVE;
}

static gboolean
on_accept (GSocket *listener, GIOCondition condition, gpointer data)
{
  CeCamsimServer *self = data;

  for (;;) {
    g_autoptr (GError) error = NULL;
    GSocket *socket = g_socket_accept (listener, NULL, &error);
    Connection *conn;

    if (socket == NULL) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_warning ("Cannot accept an RTSP connection: %s", error->message);
      break;
    }
    conn = g_new0 (Connection, 1);
    conn->server = self;
    conn->socket = socket;
    conn->head = g_string_new (NULL);
    conn->deadline = g_get_monotonic_time () +
        FIRST_REQUEST_TIMEOUT_SECONDS * G_USEC_PER_SEC;
    g_atomic_int_inc (&self->pending_count);
    g_hash_table_add (self->connections, conn);
    conn->source =
        g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback (conn->source, G_SOURCE_FUNC (on_connection_ready),
        conn, NULL);
    g_source_attach (conn->source, self->context);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_cleanup (gpointer data)
{
  CeCamsimServer *self = data;
  g_autoptr (GstRTSPSessionPool) pool =
      gst_rtsp_server_get_session_pool (GST_RTSP_SERVER (self));
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key;
  guint removed;

  /* gst-rtsp-server only expires sessions when asked to. */
  removed = gst_rtsp_session_pool_cleanup (pool);
  if (removed > 0)
    GST_DEBUG ("%u sessions timed out", removed);

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    Connection *conn = key;

    if (conn->deadline != 0 && now > conn->deadline) {
      GST_DEBUG ("connection %p sent no request in time", (void *) conn);
      g_hash_table_iter_remove (&iter);
    }
  }
  return G_SOURCE_CONTINUE;
}

static GstRTSPClient *
server_create_client (GstRTSPServer *base)
{
  CeCamsimServer *self = CE_CAMSIM_SERVER (base);
  CeCamsimClient *client;
  g_autoptr (GstRTSPSessionPool) sessions =
      gst_rtsp_server_get_session_pool (base);
  g_autoptr (GstRTSPAuth) auth = gst_rtsp_server_get_auth (base);
  g_autoptr (GstRTSPThreadPool) threads =
      gst_rtsp_server_get_thread_pool (base);

  client = ce_camsim_client_new (&self->shared, self->next_camera,
      self->next_dedicated);
  if (self->next_counted != NULL)
    ce_camsim_client_adopt_count (client, self->next_counted);
  gst_rtsp_client_set_session_pool (GST_RTSP_CLIENT (client), sessions);
  gst_rtsp_client_set_mount_points (GST_RTSP_CLIENT (client),
      self->shared.mounts);
  gst_rtsp_client_set_auth (GST_RTSP_CLIENT (client), auth);
  gst_rtsp_client_set_thread_pool (GST_RTSP_CLIENT (client), threads);
  return GST_RTSP_CLIENT (client);
}

static void
ce_camsim_server_finalize (GObject *object)
{
  CeCamsimServer *self = CE_CAMSIM_SERVER (object);

  ce_camsim_server_stop (self);
  g_hash_table_unref (self->connections);
  for (guint c = 0; c < CE_CAMSIM_N_CODECS; c++)
    for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++)
      g_free (self->sdp[c][p]);
  g_clear_object (&self->pool);
  ce_camsim_shared_clear (&self->shared);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (ce_camsim_server_parent_class)->finalize (object);
}

static void
ce_camsim_server_class_init (CeCamsimServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ce_camsim_server_finalize;
  GST_RTSP_SERVER_CLASS (klass)->create_client = server_create_client;
}

static void
ce_camsim_server_init (CeCamsimServer *self)
{
  self->connections = g_hash_table_new_full (NULL, NULL,
      (GDestroyNotify) connection_free, NULL);
}

CeCamsimServer *
ce_camsim_server_new (const CeCamsimConfig *config, CeCamsimCameras *cameras,
    CeCamsimLoops *loops, CeCamsimTicker *ticker, GMainContext *context)
{
  CeCamsimServer *self;
  g_autoptr (GstRTSPAuth) auth = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (cameras != NULL, NULL);
  g_return_val_if_fail (loops != NULL, NULL);
  g_return_val_if_fail (ticker != NULL, NULL);
  g_return_val_if_fail (context != NULL, NULL);

  self = g_object_new (CE_TYPE_CAMSIM_SERVER, NULL);
  self->config = config;
  self->context = g_main_context_ref (context);
  self->started = g_get_monotonic_time ();
  ce_camsim_shared_init (&self->shared, config, cameras, loops, ticker,
      context);
  gst_rtsp_server_set_mount_points (GST_RTSP_SERVER (self),
      self->shared.mounts);
  auth = ce_camsim_auth_new (config->auth_user, config->auth_password);
  gst_rtsp_server_set_auth (GST_RTSP_SERVER (self), auth);
  self->pool = CE_CAMSIM_THREAD_POOL (ce_camsim_thread_pool_new (
      config->media_threads, config->client_threads));
  gst_rtsp_server_set_thread_pool (GST_RTSP_SERVER (self),
      GST_RTSP_THREAD_POOL (self->pool));
  /* The listen backlog is ours (see start); this only keeps the property
   * truthful. */
  gst_rtsp_server_set_backlog (GST_RTSP_SERVER (self), config->backlog);
  return self;
}

gboolean
ce_camsim_server_start (CeCamsimServer *self, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GSocketAddress) bind_address = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocket) listener = NULL;

  g_return_val_if_fail (CE_IS_CAMSIM_SERVER (self), FALSE);
  g_return_val_if_fail (self->listener == NULL, FALSE);

  address = g_inet_address_new_from_string (self->config->address);
  if (address == NULL) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Not an IP address: “%s”", self->config->address);
    return FALSE;
  }
  bind_address = g_inet_socket_address_new (address, self->config->rtsp_port);
  listener = g_socket_new (g_inet_address_get_family (address),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return FALSE;
  g_socket_set_blocking (listener, FALSE);
  /* The gst-rtsp-server default of 5 loses connections when hundreds of
   * cameras are opened at once. */
  g_socket_set_listen_backlog (listener, (gint) self->config->backlog);
  if (!g_socket_bind (listener, bind_address, TRUE, error) ||
      !g_socket_listen (listener, error)) {
    g_prefix_error (error, "Cannot listen on %s:%u: ", self->config->address,
        self->config->rtsp_port);
    return FALSE;
  }
  local = g_socket_get_local_address (listener, error);
  if (local == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  {
    g_autofree char *service = g_strdup_printf ("%u", self->port);

    gst_rtsp_server_set_address (GST_RTSP_SERVER (self), self->config->address);
    gst_rtsp_server_set_service (GST_RTSP_SERVER (self), service);
  }

  self->listener = g_steal_pointer (&listener);
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_accept), self,
      NULL);
  g_source_attach (self->accept_source, self->context);
  self->cleanup_source = g_timeout_source_new_seconds (2);
  g_source_set_callback (self->cleanup_source, on_cleanup, self, NULL);
  g_source_attach (self->cleanup_source, self->context);
  GST_INFO ("listening on %s:%u (backlog %u, %u media threads, %d client "
            "threads)",
      self->config->address, self->port, self->config->backlog,
      self->config->media_threads, self->config->client_threads);
  return TRUE;
}

guint
ce_camsim_server_get_port (CeCamsimServer *self)
{
  g_return_val_if_fail (CE_IS_CAMSIM_SERVER (self), 0);
  return self->port;
}

static GstRTSPFilterResult
drop_client (GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
  CeCamsimCamera *camera = data;

  if (camera == NULL)
    return GST_RTSP_FILTER_REMOVE;
  if (CE_IS_CAMSIM_CLIENT (client) &&
      ce_camsim_client_uses_camera (CE_CAMSIM_CLIENT (client), camera)) {
    g_atomic_int_inc (&camera->dropped);
    GST_INFO ("camera %s: dropping client %p", camera->name, (void *) client);
    return GST_RTSP_FILTER_REMOVE;
  }
  return GST_RTSP_FILTER_KEEP;
}

typedef struct
{
  CeCamsimCamera *camera; /* NULL: every camera */
  gboolean found;
} SessionMatch;

static GstRTSPFilterResult
match_session_media (GstRTSPSession *session, GstRTSPSessionMedia *sessmedia,
    gpointer data)
{
  SessionMatch *match = data;
  GstRTSPMedia *media = gst_rtsp_session_media_get_media (sessmedia);

  if (match->camera == NULL ||
      ce_camsim_media_get_camera (media) == match->camera)
    match->found = TRUE;
  return GST_RTSP_FILTER_KEEP;
}

static GstRTSPFilterResult
drop_session (GstRTSPSessionPool *pool, GstRTSPSession *session, gpointer data)
{
  SessionMatch match = {data, FALSE};

  /* Sessions outlive connections (UDP viewers), so they go separately. */
  gst_rtsp_session_filter (session, match_session_media, &match);
  return match.found ? GST_RTSP_FILTER_REMOVE : GST_RTSP_FILTER_KEEP;
}

static void
drop_all (CeCamsimServer *self, CeCamsimCamera *camera)
{
  g_autoptr (GstRTSPSessionPool) sessions =
      gst_rtsp_server_get_session_pool (GST_RTSP_SERVER (self));
  GList *kept;

  kept = gst_rtsp_server_client_filter (GST_RTSP_SERVER (self), drop_client,
      camera);
  g_list_free_full (kept, g_object_unref);
  kept = gst_rtsp_session_pool_filter (sessions, drop_session, camera);
  g_list_free_full (kept, g_object_unref);
}

gboolean
ce_camsim_server_set_fault (CeCamsimServer *self, const char *name,
    CeCamsimFaultMode mode, int slow_ms, GError **error)
{
  CeCamsimCamera *camera;
  CeCamsimVariant variant;

  g_return_val_if_fail (CE_IS_CAMSIM_SERVER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  camera = ce_camsim_cameras_get (self->shared.cameras, name);
  if (camera == NULL) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Not a camera name: “%s” (1 to 64 of A-Z a-z 0-9 _ . -)", name);
    return FALSE;
  }
  variant = ce_camsim_variant_for_fault (mode);
  if (self->config->burn_id && variant != CE_CAMSIM_VARIANT_NORMAL &&
      variant != CE_CAMSIM_VARIANT_RESIZED) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Fault %s needs the pre-encoded loops, not --burn-id",
        ce_camsim_fault_to_string (mode));
    return FALSE;
  }
  if (variant != CE_CAMSIM_VARIANT_NORMAL && !self->config->burn_id) {
    /* The normal loop and the fault's, so that the ticker can switch
     * either way without waiting for an encoder. */
    for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++) {
      guint variants[] = {CE_CAMSIM_VARIANT_NORMAL, variant};

      for (guint v = 0; v < G_N_ELEMENTS (variants); v++) {
        if (!ce_camsim_loops_ensure (self->shared.loops, camera->codec,
                (CeCamsimProfile) p, variants[v], error)) {
          g_prefix_error (error, "Camera %s: ", name);
          return FALSE;
        }
      }
    }
  }
  ce_camsim_cameras_set_fault (self->shared.cameras, camera, mode, slow_ms);
  GST_INFO ("camera %s: fault %s", name, ce_camsim_fault_to_string (mode));
  if (mode == CE_CAMSIM_FAULT_DROP)
    drop_all (self, camera);
  return TRUE;
}

void
ce_camsim_server_reset (CeCamsimServer *self)
{
  g_return_if_fail (CE_IS_CAMSIM_SERVER (self));

  ce_camsim_cameras_reset (self->shared.cameras);
  GST_INFO ("faults and counters reset");
}

JsonNode *
ce_camsim_server_dup_stats (CeCamsimServer *self)
{
  JsonNode *root;
  JsonObject *object;

  g_return_val_if_fail (CE_IS_CAMSIM_SERVER (self), NULL);

  root = ce_camsim_cameras_to_json (self->shared.cameras);
  object = json_node_get_object (root);
  json_object_set_int_member (object, "rtsp_port", self->port);
  json_object_set_double_member (object, "uptime_seconds",
      (g_get_monotonic_time () - self->started) / 1e6);
  json_object_set_int_member (object, "mounts",
      ce_camsim_shared_get_n_mounts (&self->shared));
  json_object_set_int_member (object, "feeds",
      ce_camsim_ticker_get_n_feeds (self->shared.ticker));
  json_object_set_int_member (object, "pending_connections",
      g_atomic_int_get (&self->pending_count));
  json_object_set_int_member (object, "tarpitted_connections",
      g_atomic_int_get (&self->tarpit_count));
  return root;
}

JsonNode *
ce_camsim_server_dup_camera_stats (CeCamsimServer *self, const char *name)
{
  CeCamsimCamera *camera;

  g_return_val_if_fail (CE_IS_CAMSIM_SERVER (self), NULL);

  camera = ce_camsim_cameras_get (self->shared.cameras, name);
  return camera != NULL ? ce_camsim_camera_to_json (camera) : NULL;
}

void
ce_camsim_server_stop (CeCamsimServer *self)
{
  gint64 deadline;

  g_return_if_fail (CE_IS_CAMSIM_SERVER (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  GST_INFO ("stopping");

  if (self->accept_source != NULL) {
    g_source_destroy (self->accept_source);
    g_clear_pointer (&self->accept_source, g_source_unref);
  }
  if (self->cleanup_source != NULL) {
    g_source_destroy (self->cleanup_source);
    g_clear_pointer (&self->cleanup_source, g_source_unref);
  }
  if (self->listener != NULL) {
    g_socket_close (self->listener, NULL);
    g_clear_object (&self->listener);
  }
  g_hash_table_remove_all (self->connections);

  /* Every client and session goes; the media follow on their threads. */
  drop_all (self, NULL);
  deadline = g_get_monotonic_time () + STOP_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  while (ce_camsim_ticker_get_n_feeds (self->shared.ticker) > 0 &&
      g_get_monotonic_time () < deadline) {
    while (g_main_context_iteration (self->context, FALSE))
      ;
    g_usleep (10 * 1000);
  }
  if (ce_camsim_ticker_get_n_feeds (self->shared.ticker) > 0)
    g_warning ("%u camera media still running at shutdown",
        ce_camsim_ticker_get_n_feeds (self->shared.ticker));
  ce_camsim_thread_pool_stop (self->pool);
}

static gboolean
engine_set_fault (gpointer engine, const char *name, CeCamsimFaultMode mode,
    int slow_ms, GError **error)
{
  return ce_camsim_server_set_fault (engine, name, mode, slow_ms, error);
}

static void
engine_reset (gpointer engine)
{
  ce_camsim_server_reset (engine);
}

static JsonNode *
engine_dup_stats (gpointer engine)
{
  return ce_camsim_server_dup_stats (engine);
}

static JsonNode *
engine_dup_camera_stats (gpointer engine, const char *name)
{
  return ce_camsim_server_dup_camera_stats (engine, name);
}

const CeCamsimEngineFuncs ce_camsim_server_engine = {
    engine_set_fault,
    engine_reset,
    engine_dup_stats,
    engine_dup_camera_stats,
};
