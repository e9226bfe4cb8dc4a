/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Fault injection of the camera simulator, each fault seen by a real
 * client: refuse, drop, stall, resize, auth, slow, tarpit, black and
 * frozen.
 */
#include <string.h>

#include "camsim-fixture.h"

#define PASSWORD "s3cret"

static CamsimProcess *sim;

static gboolean
have_decoder (void)
{
  g_autoptr (GstElementFactory) factory =
      gst_element_factory_find ("avdec_h264");

  if (factory == NULL)
    g_test_skip ("no avdec_h264 element");
  return factory != NULL;
}

static gint64
camera_stat (const char *camera, const char *member)
{
  g_autoptr (JsonObject) stats = camsim_camera_stats (sim, camera);

  return json_object_get_int_member (stats, member);
}

static void
test_refuse (void)
{
  g_assert_cmpuint (camsim_set_fault (sim, "refuse", "refuse", 0), ==, 200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/refuse", 5000, NULL), ==,
      503);
  g_assert_cmpint (camera_stat ("refuse", "refused"), ==, 1);
  /* The server itself is alive. */
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "OPTIONS", "/cam/refuse", 5000, NULL), ==, 200);
  g_assert_cmpuint (camsim_set_fault (sim, "refuse", "none", 0), ==, 200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/refuse", 5000, NULL), ==,
      200);
}

static void
test_drop (void)
{
  g_autofree char *url = camsim_url (sim, "drop", NULL);
  g_autoptr (CamsimClient) client = NULL;
  g_autoptr (CamsimClient) again = NULL;

  if (!have_decoder ())
    return;
  client = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (client, 5, 20000));
  g_assert_cmpuint (camsim_set_fault (sim, "drop", "drop", 0), ==, 200);
  /* rtspsrc over TCP reports a closed connection as end of stream. */
  g_assert_true (camsim_client_wait_ended (client, 10000));
  g_assert_cmpint (camera_stat ("drop", "dropped"), ==, 1);

  /* The camera keeps accepting. */
  again = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (again, 5, 20000));
}

static void
test_stall (void)
{
  g_autofree char *url = camsim_url (sim, "stall", NULL);
  g_autoptr (CamsimClient) client = NULL;
  guint before;

  if (!have_decoder ())
    return;
  client = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (client, 5, 20000));
  g_assert_cmpuint (camsim_set_fault (sim, "stall", "stall", 0), ==, 200);
  /* Let the frames already on the way arrive. */
  camsim_client_run (client, 500);
  before = camsim_client_get_frames (client);
  camsim_client_run (client, 3200);
  g_assert_cmpuint (camsim_client_get_frames (client), ==, before);
  g_assert_false (camsim_client_has_ended (client));
  g_assert_cmpint (camera_stat ("stall", "connections_active"), ==, 1);
  /* The session is still there: a keep-alive-style request on the same
   * camera is answered, and media resumes. */
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "OPTIONS", "/cam/stall", 5000, NULL), ==, 200);
  g_assert_cmpuint (camsim_set_fault (sim, "stall", "none", 0), ==, 200);
  g_assert_true (camsim_client_wait_frames (client, before + 5, 20000));
}

typedef struct
{
  const char *camera;
  const char *codec;
} ResizeCase;

static void
test_resize (gconstpointer data)
{
  const ResizeCase *c = data;
  g_autofree char *url = camsim_url (sim, c->camera, NULL);
  g_autofree char *decoder = g_strdup_printf ("avdec_%s", c->codec);
  g_autoptr (GstElementFactory) factory = gst_element_factory_find (decoder);
  g_autoptr (CamsimClient) client = NULL;
  g_autoptr (JsonObject) stats = NULL;

  if (factory == NULL) {
    g_test_skip ("no decoder");
    return;
  }
  client = camsim_client_new (url, c->codec, "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_size (client, 320, 240, 20000));
  g_assert_cmpuint (camsim_set_fault (sim, c->camera, "resize", 0), ==, 200);
  /* Three quarters of the size, same session. */
  g_assert_true (camsim_client_wait_size (client, 240, 180, 20000));
  stats = camsim_camera_stats (sim, c->camera);
  g_assert_true (json_object_get_boolean_member (
      json_object_get_object_member (
          json_object_get_object_member (stats, "profiles"), "main"),
      "resized"));
  /* And back. */
  g_assert_cmpuint (camsim_set_fault (sim, c->camera, "none", 0), ==, 200);
  g_assert_true (camsim_client_wait_size (client, 320, 240, 20000));
  g_assert_false (camsim_client_has_ended (client));
}

/* The largest difference between two luma grids. */
static guint
luma_distance (const guint8 *a, const guint8 *b)
{
  guint worst = 0;

  for (guint i = 0; i < CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID; i++)
    worst = MAX (worst, (guint) ABS ((int) a[i] - (int) b[i]));
  return worst;
}

/* Two grids of the client's pictures @ms apart. */
static void
two_pictures (CamsimClient *client, guint ms, guint8 *first, guint8 *second)
{
  g_assert_true (camsim_client_get_luma (client, first));
  camsim_client_run (client, ms);
  g_assert_true (camsim_client_get_luma (client, second));
}

static void
test_black (void)
{
  g_autofree char *url = camsim_url (sim, "black", NULL);
  g_autoptr (CamsimClient) client = NULL;
  guint8 grid[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID];
  guint8 later[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID];
  guint before;

  if (!have_decoder ())
    return;
  client = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (client, 5, 20000));
  /* Colour bars: some blocks are bright. */
  g_assert_true (camsim_client_get_luma (client, grid));
  g_assert_cmpuint (luma_distance (grid, (guint8[64]){0}), >, 100);

  g_assert_cmpuint (camsim_set_fault (sim, "black", "black", 0), ==, 200);
  /* The switch comes at the next keyframe (GOP 1 s). */
  camsim_client_run (client, 1500);
  before = camsim_client_get_frames (client);
  two_pictures (client, 500, grid, later);
  /* Black in video range is Y = 16: every block is dark, and frames keep
   * coming at the same rate. */
  for (guint i = 0; i < G_N_ELEMENTS (grid); i++)
    g_assert_cmpuint (later[i], <=, 24);
  g_assert_cmpuint (camsim_client_get_frames (client), >=, before + 8);
  g_assert_false (camsim_client_has_ended (client));

  g_assert_cmpuint (camsim_set_fault (sim, "black", "none", 0), ==, 200);
  camsim_client_run (client, 1500);
  g_assert_true (camsim_client_get_luma (client, grid));
  g_assert_cmpuint (luma_distance (grid, later), >, 100);
}

static void
test_frozen (void)
{
  g_autofree char *url = camsim_url (sim, "frozen", NULL);
  g_autoptr (CamsimClient) client = NULL;
  guint8 a[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID];
  guint8 b[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID];
  guint before;

  if (!have_decoder ())
    return;
  client = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (client, 5, 20000));
  /* A normal camera's picture moves. */
  two_pictures (client, 400, a, b);
  g_assert_cmpuint (luma_distance (a, b), >, 20);

  g_assert_cmpuint (camsim_set_fault (sim, "frozen", "frozen", 0), ==, 200);
  camsim_client_run (client, 1500);
  before = camsim_client_get_frames (client);
  /* Across a keyframe: the same picture, not a dark one. */
  two_pictures (client, 1300, a, b);
  /* Coding noise only (P frames against the keyframe). */
  g_assert_cmpuint (luma_distance (a, b), <=, 8);
  g_assert_cmpuint (luma_distance (a, (guint8[64]){0}), >, 100);
  g_assert_cmpuint (camsim_client_get_frames (client), >=, before + 20);

  g_assert_cmpuint (camsim_set_fault (sim, "frozen", "none", 0), ==, 200);
  camsim_client_run (client, 1500);
  two_pictures (client, 400, a, b);
  g_assert_cmpuint (luma_distance (a, b), >, 20);
}

static void
test_startup_black (void)
{
  g_autofree char *url = camsim_url (sim, "boot-black", NULL);
  g_autoptr (CamsimClient) client = NULL;
  g_autoptr (JsonObject) stats = camsim_camera_stats (sim, "boot-black");
  guint8 grid[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID];

  g_assert_cmpstr (json_object_get_string_member (stats, "fault"), ==, "black");
  if (!have_decoder ())
    return;
  client = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (client, 5, 20000));
  /* Past the first keyframe: frames before it decode to grey. */
  camsim_client_run (client, 1200);
  g_assert_true (camsim_client_get_luma (client, grid));
  for (guint i = 0; i < G_N_ELEMENTS (grid); i++)
    g_assert_cmpuint (grid[i], <=, 24);
}

static const ResizeCase resize_cases[] = {
    {"resize", "h264"},
    {"resize-h265", "h265"},
};

static void
test_auth (void)
{
  g_autofree char *url = camsim_url (sim, "auth", NULL);
  g_autofree char *head = NULL;
  g_autoptr (CamsimClient) good = NULL;
  g_autoptr (CamsimClient) bad = NULL;

  g_assert_cmpuint (camsim_set_fault (sim, "auth", "auth", 0), ==, 200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/auth", 5000, &head), ==, 401);
  g_assert_nonnull (strstr (head, "WWW-Authenticate: Digest "));
  if (!have_decoder ())
    return;
  /* rtspsrc answers the challenge with Digest. */
  good = camsim_client_new (url, "h264", "tcp", "admin", PASSWORD);
  g_assert_true (camsim_client_wait_frames (good, 5, 20000));
  bad = camsim_client_new (url, "h264", "tcp", "admin", "wrong");
  g_assert_true (camsim_client_wait_ended (bad, 20000));
  g_assert_cmpuint (camsim_client_get_frames (bad), ==, 0);
  g_assert_cmpint (camera_stat ("auth", "auth_failures"), >=, 2);
}

static void
test_slow (void)
{
  gint64 start;

  g_assert_cmpuint (camsim_set_fault (sim, "slow", "slow", 600), ==, 200);
  start = g_get_monotonic_time ();
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "OPTIONS", "/cam/slow", 5000, NULL), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 550 * 1000);
  /* Other cameras are not slowed down. */
  start = g_get_monotonic_time ();
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "OPTIONS", "/cam/fast", 5000, NULL), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * 1000);
}

static void
test_tarpit (void)
{
  g_assert_cmpuint (camsim_set_fault (sim, "tarpit", "tarpit", 0), ==, 200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "OPTIONS", "/cam/tarpit", 1500, NULL), ==, 0);
  g_assert_cmpint (camera_stat ("tarpit", "tarpitted"), ==, 1);
}

static void
test_reset (void)
{
  g_autoptr (JsonObject) stats = NULL;

  g_assert_cmpuint (camsim_set_fault (sim, "reset", "refuse", 0), ==, 200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/reset", 5000, NULL), ==, 503);
  g_assert_cmpuint (camsim_http_status (sim, "GET", "/healthz"), ==, 200);
  g_assert_cmpuint (camsim_http_status (sim, "POST", "/reset"), ==, 200);
  stats = camsim_camera_stats (sim, "reset");
  g_assert_cmpstr (json_object_get_string_member (stats, "fault"), ==, "none");
  g_assert_cmpint (json_object_get_int_member (stats, "refused"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (stats, "connections_total"), ==,
      0);
}

static void
test_startup_fault (void)
{
  g_autoptr (JsonObject) stats = NULL;

  /* Given with --fault on the command line. */
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/boot-refused", 5000, NULL),
      ==, 503);
  stats = camsim_camera_stats (sim, "boot-refused");
  g_assert_cmpstr (json_object_get_string_member (stats, "fault"), ==,
      "refuse");
}

static void
test_clean_exit (void)
{
  g_assert_cmpint (camsim_process_stop (g_steal_pointer (&sim)), ==, 0);
}

int
main (int argc, char **argv)
{
  const char *args[] = {"--auth-password=" PASSWORD,
      "--fault=boot-refused=refuse", "--fault=boot-black=black", NULL};
  int result;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  sim = camsim_process_start (args);

  g_test_add_func ("/camsim/faults/startup", test_startup_fault);
  g_test_add_func ("/camsim/faults/refuse", test_refuse);
  g_test_add_func ("/camsim/faults/drop", test_drop);
  g_test_add_func ("/camsim/faults/stall", test_stall);
  for (guint i = 0; i < G_N_ELEMENTS (resize_cases); i++) {
    g_autofree char *path =
        g_strdup_printf ("/camsim/faults/resize/%s", resize_cases[i].codec);

    g_test_add_data_func (path, &resize_cases[i], test_resize);
  }
  g_test_add_func ("/camsim/faults/black", test_black);
  g_test_add_func ("/camsim/faults/frozen", test_frozen);
  g_test_add_func ("/camsim/faults/startup-black", test_startup_black);
  g_test_add_func ("/camsim/faults/auth", test_auth);
  g_test_add_func ("/camsim/faults/slow", test_slow);
  g_test_add_func ("/camsim/faults/tarpit", test_tarpit);
  g_test_add_func ("/camsim/faults/reset", test_reset);
  /* Last: sub-suites run after the plain tests of a suite, in order. */
  g_test_add_func ("/camsim/faults/zz/clean-exit", test_clean_exit);
  result = g_test_run ();
  if (sim != NULL)
    camsim_process_stop (sim);
  return result;
}
