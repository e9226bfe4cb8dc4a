/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Helpers for the camera simulator tests.
 */
#include "camsim-fixture.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <libsoup/soup.h>

/* Built-in LeakSanitizer suppressions of the test clients, added to the
 * LSAN_OPTIONS file; unused without -Db_sanitize=address.  rtph265depay
 * (gst-plugins-good 1.22) leaks its caps and codec_data when the stream
 * changes size, which the resize test makes it do. */
const char *__lsan_default_suppressions (void);

const char *
__lsan_default_suppressions (void)
{
  return "leak:libgstrtp.so\n";
}

struct _CamsimProcess
{
  GSubprocess *process;
  char *rtsp;    /* "127.0.0.1:PORT" */
  char *control; /* "127.0.0.1:PORT" */
  SoupSession *http;
};

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

CamsimProcess *
camsim_process_start (const char *const *extra_args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *suppressions = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *lsan_options = NULL;
  g_autofree char *line = NULL;
  CamsimProcess *self = g_new0 (CamsimProcess, 1);
  const char *rtsp, *control;

  /* Small pictures and short loops: start-up encodes in well under a
   * second, even under the sanitizers. */
  g_ptr_array_add (argv, (gpointer) CE_CAMSIM_BIN);
  g_ptr_array_add (argv, (gpointer) "--port=0");
  g_ptr_array_add (argv, (gpointer) "--control-port=0");
  g_ptr_array_add (argv, (gpointer) "--size=320x240");
  g_ptr_array_add (argv, (gpointer) "--sub-size=160x120");
  g_ptr_array_add (argv, (gpointer) "--bitrate=400");
  g_ptr_array_add (argv, (gpointer) "--sub-bitrate=150");
  g_ptr_array_add (argv, (gpointer) "--gop=1");
  g_ptr_array_add (argv, (gpointer) "--loop-seconds=2");
  g_ptr_array_add (argv, (gpointer) "--preload=h264,h265");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* A failed assertion aborts the test; the simulator must not outlive
   * it. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* Under the sanitizers the child needs its own suppressions (x265). */
  suppressions =
      g_test_build_filename (G_TEST_DIST, "camsim", "lsan.supp", NULL);
  /* LSan reads a relative path from the executable's directory. */
  absolute = g_canonicalize_filename (suppressions, NULL);
  lsan_options = g_strdup_printf ("suppressions=%s", absolute);
  g_subprocess_launcher_setenv (launcher, "LSAN_OPTIONS", lsan_options, TRUE);
  self->process = g_subprocess_launcher_spawnv (launcher,
      (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_test_message ("simulator: %s", line);
  rtsp = strstr (line, "rtsp=");
  control = strstr (line, "control=");
  g_assert_true (g_str_has_prefix (line, "camsim: "));
  g_assert_nonnull (rtsp);
  g_assert_nonnull (control);
  self->rtsp = g_strndup (rtsp + 5, strcspn (rtsp + 5, " "));
  self->control = g_strdup (control + 8);
  self->http = soup_session_new_with_options ("timeout", 20, NULL);
  return self;
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer data)
{
  gboolean *done = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

int
camsim_process_stop (CamsimProcess *self)
{
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  int status = -1;

  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait_async (self->process, NULL, on_exited, &done);
  while (!done && g_get_monotonic_time () < deadline) {
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  }
  if (done) {
    status = g_subprocess_get_if_exited (self->process)
        ? g_subprocess_get_exit_status (self->process)
        : -1;
  } else {
    g_subprocess_force_exit (self->process);
    while (!done)
      g_main_context_iteration (NULL, TRUE);
  }
  g_object_unref (self->process);
  g_object_unref (self->http);
  g_free (self->rtsp);
  g_free (self->control);
  g_free (self);
  return status;
}

char *
camsim_url (CamsimProcess *self, const char *name, const char *suffix)
{
  return g_strdup_printf ("rtsp://%s/cam/%s%s", self->rtsp, name,
      suffix ? suffix : "");
}

static GBytes *
http_send (CamsimProcess *self, const char *method, const char *path,
    const char *form, guint *status)
{
  g_autofree char *uri = g_strdup_printf ("http://%s%s", self->control, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GError) error = NULL;
  GBytes *body;

  g_assert_nonnull (msg);
  if (form != NULL) {
    g_autoptr (GBytes) bytes = g_bytes_new (form, strlen (form));

    soup_message_set_request_body_from_bytes (msg,
        "application/x-www-form-urlencoded", bytes);
  }
  body = soup_session_send_and_read (self->http, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return body;
}

guint
camsim_set_fault (CamsimProcess *self, const char *name, const char *mode,
    guint ms)
{
  g_autofree char *path = g_strdup_printf ("/cam/%s/fault", name);
  g_autofree char *form = g_strdup_printf ("mode=%s&ms=%u", mode, ms);
  g_autoptr (GBytes) body = NULL;
  guint status = 0;

  body = http_send (self, "POST", path, form, &status);
  g_test_message ("fault %s=%s: HTTP %u", name, mode, status);
  return status;
}

JsonNode *
camsim_http_get (CamsimProcess *self, const char *path, guint *status)
{
  g_autoptr (GBytes) body = http_send (self, "GET", path, NULL, status);
  g_autoptr (GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (body, &size);
  /* GBytes are not NUL-terminated. */
  g_autofree char *text = g_strndup (data, size);
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

guint
camsim_http_status (CamsimProcess *self, const char *method, const char *path)
{
  g_autoptr (GBytes) body = NULL;
  guint status = 0;

  body = http_send (self, method, path, NULL, &status);
  return status;
}

JsonObject *
camsim_camera_stats (CamsimProcess *self, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/cam/%s", name);
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = camsim_http_get (self, path, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

guint
camsim_rtsp_request (CamsimProcess *self, const char *method, const char *path,
    guint timeout_ms, char **head)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) response = g_string_new (NULL);
  g_autofree char *request = NULL;
  GSocket *socket;
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  guint status = 0;

  if (head != NULL)
    *head = NULL;
  conn = g_socket_client_connect_to_host (client, self->rtsp, 0, NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (conn);
  request = g_strdup_printf ("%s rtsp://%s%s RTSP/1.0\r\nCSeq: 1\r\n"
                             "Accept: application/sdp\r\n"
                             "User-Agent: camsim-test\r\n\r\n",
      method, self->rtsp, path);
  g_socket_send (socket, request, strlen (request), NULL, &error);
  g_assert_no_error (error);

  while (strstr (response->str, "\r\n\r\n") == NULL) {
    gint64 left = deadline - g_get_monotonic_time ();
    char buffer[2048];
    gssize n;

    if (left <= 0 ||
        !g_socket_condition_timed_wait (socket, G_IO_IN, left, NULL, NULL))
      break;
    n = g_socket_receive (socket, buffer, sizeof (buffer), NULL, NULL);
    if (n <= 0)
      break;
    g_string_append_len (response, buffer, n);
  }
  if (g_str_has_prefix (response->str, "RTSP/1.0 "))
    status = (guint) g_ascii_strtoull (response->str + 9, NULL, 10);
  if (head != NULL)
    *head = g_strdup (response->str);
  return status;
}

struct _CamsimClient
{
  GstElement *pipeline;
  GstBus *bus;
  gint frames; /* atomic */
  gint width;  /* atomic */
  gint height; /* atomic */
  gboolean ended;
  GMutex lock;
  guint8 luma[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID]; /* protected by lock */
  gboolean have_luma;                               /* protected by lock */
};

/* Block means of the luma plane (the first plane of avdec's I420, in its
 * default layout: rows padded to 4 bytes). */
static void
store_luma (CamsimClient *self, GstBuffer *buffer, int width, int height)
{
  guint8 grid[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID];
  int stride = GST_ROUND_UP_4 (width);
  GstMapInfo map;

  if (width < CAMSIM_LUMA_GRID || height < CAMSIM_LUMA_GRID ||
      !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  if (map.size >= (gsize) stride * height) {
    for (int gy = 0; gy < CAMSIM_LUMA_GRID; gy++) {
      for (int gx = 0; gx < CAMSIM_LUMA_GRID; gx++) {
        int x0 = gx * width / CAMSIM_LUMA_GRID;
        int x1 = (gx + 1) * width / CAMSIM_LUMA_GRID;
        int y0 = gy * height / CAMSIM_LUMA_GRID;
        int y1 = (gy + 1) * height / CAMSIM_LUMA_GRID;
        guint64 sum = 0;

        for (int y = y0; y < y1; y++)
          for (int x = x0; x < x1; x++)
            sum += map.data[(gsize) y * stride + x];
        grid[gy * CAMSIM_LUMA_GRID + gx] =
            (guint8) (sum / ((guint64) (x1 - x0) * (y1 - y0)));
      }
    }
    g_mutex_lock (&self->lock);
    memcpy (self->luma, grid, sizeof (grid));
    self->have_luma = TRUE;
    g_mutex_unlock (&self->lock);
  }
  gst_buffer_unmap (buffer, &map);
}

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer data)
{
  CamsimClient *self = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstCaps *caps = sample ? gst_sample_get_caps (sample) : NULL;

  if (caps != NULL) {
    GstStructure *s = gst_caps_get_structure (caps, 0);
    int width = 0, height = 0;

    gst_structure_get_int (s, "width", &width);
    gst_structure_get_int (s, "height", &height);
    g_atomic_int_set (&self->width, width);
    g_atomic_int_set (&self->height, height);
    store_luma (self, gst_sample_get_buffer (sample), width, height);
  }
  g_atomic_int_inc (&self->frames);
  return GST_FLOW_OK;
}

CamsimClient *
camsim_client_new (const char *url, const char *codec, const char *protocols,
    const char *user, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *description = NULL;
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  CamsimClient *self = g_new0 (CamsimClient, 1);
  GstAppSinkCallbacks callbacks = {.new_sample = on_new_sample};

  g_mutex_init (&self->lock);

  /* Decoders named explicitly: the test is that these frames decode. */
  description = g_strdup_printf (
      "rtspsrc name=src latency=0 protocols=%s ! rtp%sdepay ! %sparse ! "
      "avdec_%s max-threads=1 ! appsink name=sink sync=false",
      protocols, codec, codec, codec);
  self->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (self->pipeline), "src");
  g_object_set (src, "location", url, NULL);
  if (user != NULL)
    g_object_set (src, "user-id", user, "user-pw", password, NULL);
  sink = gst_bin_get_by_name (GST_BIN (self->pipeline), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
  self->bus = gst_element_get_bus (self->pipeline);
  g_assert_cmpint (gst_element_set_state (self->pipeline, GST_STATE_PLAYING),
      !=, GST_STATE_CHANGE_FAILURE);
  g_test_message ("client %s (%s, %s)", url, codec, protocols);
  return self;
}

void
camsim_client_free (CamsimClient *self)
{
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  gst_object_unref (self->bus);
  gst_object_unref (self->pipeline);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static void
poll_bus (CamsimClient *self, guint wait_ms)
{
  g_autoptr (GstMessage) message = gst_bus_timed_pop_filtered (self->bus,
      wait_ms * GST_MSECOND, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);

  if (message == NULL)
    return;
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;

    gst_message_parse_error (message, &error, NULL);
    g_test_message ("client error: %s", error->message);
  } else {
    g_test_message ("client: end of stream");
  }
  self->ended = TRUE;
}

gboolean
camsim_client_wait_frames (CamsimClient *self, guint n, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while ((guint) g_atomic_int_get (&self->frames) < n) {
    if (self->ended || g_get_monotonic_time () > deadline)
      return FALSE;
    poll_bus (self, 20);
  }
  return TRUE;
}

gboolean
camsim_client_wait_size (CamsimClient *self, int width, int height,
    guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_atomic_int_get (&self->width) != width ||
      g_atomic_int_get (&self->height) != height) {
    if (self->ended || g_get_monotonic_time () > deadline)
      return FALSE;
    poll_bus (self, 20);
  }
  return TRUE;
}

gboolean
camsim_client_wait_ended (CamsimClient *self, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (!self->ended && g_get_monotonic_time () < deadline)
    poll_bus (self, 20);
  return self->ended;
}

void
camsim_client_run (CamsimClient *self, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    poll_bus (self, 20);
}

guint
camsim_client_get_frames (CamsimClient *self)
{
  return (guint) g_atomic_int_get (&self->frames);
}

gboolean
camsim_client_has_ended (CamsimClient *self)
{
  return self->ended;
}

void
camsim_client_get_size (CamsimClient *self, int *width, int *height)
{
  *width = g_atomic_int_get (&self->width);
  *height = g_atomic_int_get (&self->height);
}

gboolean
camsim_client_get_luma (CamsimClient *self,
    guint8 grid[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID])
{
  gboolean have;

  g_mutex_lock (&self->lock);
  have = self->have_luma;
  memcpy (grid, self->luma, sizeof (self->luma));
  g_mutex_unlock (&self->lock);
  return have;
}
