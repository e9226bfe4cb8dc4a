/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The camera simulator seen by real clients: rtspsrc over TCP and UDP
 * decodes H.264 and H.265, ffprobe reads codec and size, clients of one
 * camera share one media, unknown paths get 404, and the process exits
 * cleanly on SIGTERM.
 */
#include <string.h>

#include "camsim-fixture.h"

static CamsimProcess *sim;

static gboolean
have_elements (const char *codec)
{
  g_autofree char *decoder = g_strdup_printf ("avdec_%s", codec);
  g_autofree char *depay = g_strdup_printf ("rtp%sdepay", codec);
  const char *needed[] = {"rtspsrc", "appsink", decoder, depay};

  for (guint i = 0; i < G_N_ELEMENTS (needed); i++) {
    g_autoptr (GstElementFactory) factory =
        gst_element_factory_find (needed[i]);

    if (factory == NULL) {
      g_autofree char *why = g_strdup_printf ("no %s element", needed[i]);

      g_test_skip (why);
      return FALSE;
    }
  }
  return TRUE;
}

typedef struct
{
  const char *camera;
  const char *suffix;
  const char *codec;
  const char *protocols;
  int width;
  int height;
} DecodeCase;

static void
test_decode (gconstpointer data)
{
  const DecodeCase *c = data;
  g_autofree char *url = camsim_url (sim, c->camera, c->suffix);
  g_autoptr (CamsimClient) client = NULL;
  int width, height;

  if (!have_elements (c->codec))
    return;
  client = camsim_client_new (url, c->codec, c->protocols, NULL, NULL);
  /* The first viewer may join mid-GOP (1 s GOP here). */
  g_assert_true (camsim_client_wait_frames (client, 25, 20000));
  camsim_client_get_size (client, &width, &height);
  g_assert_cmpint (width, ==, c->width);
  g_assert_cmpint (height, ==, c->height);
}

static const DecodeCase decode_cases[] = {
    {"dec-tcp", NULL, "h264", "tcp", 320, 240},
    {"dec-udp", NULL, "h264", "udp", 320, 240},
    {"dec-tcp-h265", NULL, "h265", "tcp", 320, 240},
    {"dec-udp-h265", NULL, "h265", "udp", 320, 240},
    {"dec-sub", "?token=abc&profile=sub", "h264", "tcp", 160, 120},
    {"dec-sub-h265", "?profile=sub", "h265", "udp", 160, 120},
};

static void
probe (const char *url, const char *expected_codec, int width, int height)
{
  g_autofree char *ffprobe = g_find_program_in_path ("ffprobe");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  const char *argv[] = {ffprobe, "-v", "error", "-rtsp_transport", "tcp",
      "-timeout", "10000000", "-select_streams", "v:0", "-show_entries",
      "stream=codec_name,width,height", "-of", "compact=p=0", url, NULL};

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
      &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("ffprobe %s: %s%s", url, out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  expected = g_strdup_printf ("codec_name=%s|width=%d|height=%d",
      expected_codec, width, height);
  g_assert_nonnull (strstr (out, expected));
}

static void
test_ffprobe (void)
{
  g_autofree char *ffprobe = g_find_program_in_path ("ffprobe");
  g_autofree char *h264 = camsim_url (sim, "probe", NULL);
  g_autofree char *h265 = camsim_url (sim, "probe-h265", "?profile=sub");

  if (ffprobe == NULL) {
    g_test_skip ("ffprobe not installed");
    return;
  }
  probe (h264, "h264", 320, 240);
  probe (h265, "hevc", 160, 120);
}

static gint64
stat_int (JsonObject *stats, const char *member)
{
  return json_object_get_int_member (stats, member);
}

/* Polls the camera's statistics until @member reaches @value. */
static gboolean
wait_stat (const char *camera, const char *member, gint64 value,
    guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  for (;;) {
    g_autoptr (JsonObject) stats = camsim_camera_stats (sim, camera);

    if (stat_int (stats, member) == value)
      return TRUE;
    if (g_get_monotonic_time () > deadline) {
      g_test_message ("%s %s = %" G_GINT64_FORMAT
                      ", expected %" G_GINT64_FORMAT,
          camera, member, stat_int (stats, member), value);
      return FALSE;
    }
    g_usleep (100 * 1000);
  }
}

static void
test_shared (void)
{
  g_autofree char *url = camsim_url (sim, "shared", NULL);
  g_autofree char *url_token = camsim_url (sim, "shared", "?token=1");
  g_autoptr (CamsimClient) first = NULL;
  g_autoptr (CamsimClient) second = NULL;
  g_autoptr (JsonObject) stats = NULL;
  g_autoptr (JsonNode) all = NULL;
  JsonObject *cameras;
  guint status = 0;

  if (!have_elements ("h264"))
    return;
  first = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (first, 5, 20000));
  /* Another query string, same camera, same media. */
  second = camsim_client_new (url_token, "h264", "udp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (second, 5, 20000));

  stats = camsim_camera_stats (sim, "shared");
  g_assert_cmpint (stat_int (stats, "media_created"), ==, 1);
  g_assert_cmpint (stat_int (stats, "media_active"), ==, 1);
  g_assert_cmpint (stat_int (stats, "connections_total"), ==, 2);
  g_assert_cmpint (stat_int (stats, "connections_active"), ==, 2);
  g_assert_cmpint (stat_int (stats, "frames_sent"), >, 5);

  /* GET /stats has the same numbers, keyed by path. */
  all = camsim_http_get (sim, "/stats", &status);
  g_assert_cmpuint (status, ==, 200);
  cameras =
      json_object_get_object_member (json_node_get_object (all), "cameras");
  g_assert_nonnull (cameras);
  g_assert_true (json_object_has_member (cameras, "/cam/shared"));
  g_assert_cmpint (
      stat_int (json_object_get_object_member (cameras, "/cam/shared"),
          "media_created"),
      ==, 1);

  /* When the viewers leave, the media goes. */
  g_clear_pointer (&first, camsim_client_free);
  g_clear_pointer (&second, camsim_client_free);
  g_assert_true (wait_stat ("shared", "connections_active", 0, 10000));
  g_assert_true (wait_stat ("shared", "media_active", 0, 10000));
}

static void
test_not_found (void)
{
  g_autofree char *head = NULL;

  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/nope/a", 5000, NULL), ==, 404);
  g_assert_cmpuint (camsim_rtsp_request (sim, "DESCRIBE", "/cam/", 5000, NULL),
      ==, 404);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/a%20b", 5000, NULL), ==, 404);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/nf?profile=huge", 5000, NULL),
      ==, 404);
  /* And a real camera answers with an SDP. */
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/nf", 5000, &head), ==, 200);
  g_assert_nonnull (strstr (head, "application/sdp"));
}

static void
test_control_errors (void)
{
  g_autoptr (JsonNode) node = NULL;
  guint status = 0;

  node = camsim_http_get (sim, "/nothing-here", &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpuint (camsim_set_fault (sim, "x", "bogus", 0), ==, 400);
  g_assert_cmpuint (camsim_set_fault (sim, "bad!name", "none", 0), ==, 404);
}

static void
test_clean_exit (void)
{
  /* SIGTERM closes every session and exits 0 (also under the sanitizers:
   * a leak at exit would fail here). */
  g_assert_cmpint (camsim_process_stop (g_steal_pointer (&sim)), ==, 0);
}

int
main (int argc, char **argv)
{
  int result;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  sim = camsim_process_start (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (decode_cases); i++) {
    g_autofree char *path =
        g_strdup_printf ("/camsim/stream/decode/%s", decode_cases[i].camera);

    g_test_add_data_func (path, &decode_cases[i], test_decode);
  }
  g_test_add_func ("/camsim/stream/ffprobe", test_ffprobe);
  g_test_add_func ("/camsim/stream/shared", test_shared);
  g_test_add_func ("/camsim/stream/not-found", test_not_found);
  g_test_add_func ("/camsim/stream/control-errors", test_control_errors);
  /* Last: sub-suites run after the plain tests of a suite, in order. */
  g_test_add_func ("/camsim/stream/zz/clean-exit", test_clean_exit);
  result = g_test_run ();
  if (sim != NULL)
    camsim_process_stop (sim);
  return result;
}
