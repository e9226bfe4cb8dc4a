/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The simulator's cityeye engine (--engine=cityeye), seen by real clients:
 * streams of both codecs and profiles, one feed per camera however many
 * clients, the faults it simulates, and a clear refusal of the others.
 */
#include <string.h>

#include "camsim-fixture.h"

static CamsimProcess *sim;

static gboolean
have_decoders (void)
{
  g_autoptr (GstElementFactory) h264 = gst_element_factory_find ("avdec_h264");
  g_autoptr (GstElementFactory) h265 = gst_element_factory_find ("avdec_h265");

  if (h264 == NULL || h265 == NULL)
    g_test_skip ("no avdec_h264 or avdec_h265 element");
  return h264 != NULL && h265 != NULL;
}

static JsonObject *
profile_stats (const char *camera, const char *profile)
{
  g_autoptr (JsonObject) stats = camsim_camera_stats (sim, camera);

  return json_object_ref (json_object_get_object_member (
      json_object_get_object_member (stats, "profiles"), profile));
}

static void
test_streams (void)
{
  g_autofree char *main_url = camsim_url (sim, "lite", NULL);
  g_autofree char *sub_url = camsim_url (sim, "lite", "?profile=sub");
  g_autofree char *h265_url = camsim_url (sim, "lite-h265", NULL);
  g_autoptr (CamsimClient) a = NULL;
  g_autoptr (CamsimClient) b = NULL;
  g_autoptr (CamsimClient) sub = NULL;
  g_autoptr (CamsimClient) h265 = NULL;
  g_autoptr (JsonObject) main_stats = NULL;
  g_autoptr (JsonObject) sub_stats = NULL;
  int width, height;

  if (!have_decoders ())
    return;
  a = camsim_client_new (main_url, "h264", "tcp", NULL, NULL);
  b = camsim_client_new (main_url, "h264", "udp", NULL, NULL);
  sub = camsim_client_new (sub_url, "h264", "tcp", NULL, NULL);
  h265 = camsim_client_new (h265_url, "h265", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (a, 25, 20000));
  g_assert_true (camsim_client_wait_frames (b, 25, 20000));
  g_assert_true (camsim_client_wait_frames (sub, 25, 20000));
  g_assert_true (camsim_client_wait_frames (h265, 25, 20000));
  camsim_client_get_size (a, &width, &height);
  g_assert_cmpint (width, ==, 320);
  camsim_client_get_size (sub, &width, &height);
  g_assert_cmpint (width, ==, 160);
  /* Two clients of the main stream share one feed. */
  main_stats = profile_stats ("lite", "main");
  g_assert_cmpint (json_object_get_int_member (main_stats, "connections_total"),
      ==, 2);
  g_assert_cmpint (json_object_get_int_member (main_stats, "media_created"), ==,
      1);
  g_assert_cmpint (json_object_get_int_member (main_stats, "media_active"), ==,
      1);
  sub_stats = profile_stats ("lite", "sub");
  g_assert_cmpint (json_object_get_int_member (sub_stats, "media_created"), ==,
      1);
}

static void
test_feed_stops (void)
{
  g_autoptr (JsonObject) stats = NULL;
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  /* The clients of test_streams are gone: so is the feed. */
  do {
    g_clear_pointer (&stats, json_object_unref);
    stats = profile_stats ("lite", "main");
    if (json_object_get_int_member (stats, "media_active") == 0)
      break;
    g_usleep (50000);
  } while (g_get_monotonic_time () < end);
  g_assert_cmpint (json_object_get_int_member (stats, "media_active"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (stats, "connections_active"), ==,
      0);
}

static void
test_refuse_and_unknown (void)
{
  g_assert_cmpuint (camsim_set_fault (sim, "lite-refuse", "refuse", 0), ==,
      200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/lite-refuse", 5000, NULL), ==,
      503);
  g_assert_cmpuint (camsim_set_fault (sim, "lite-refuse", "none", 0), ==, 200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/cam/lite-refuse", 5000, NULL), ==,
      200);
  g_assert_cmpuint (
      camsim_rtsp_request (sim, "DESCRIBE", "/other/x", 5000, NULL), ==, 404);
  /* Faults this engine does not simulate are refused, not ignored. */
  g_assert_cmpuint (camsim_set_fault (sim, "lite-refuse", "auth", 0), ==, 400);
}

static void
test_drop_stall_resize (void)
{
  g_autofree char *url = camsim_url (sim, "lite-faults", NULL);
  g_autoptr (CamsimClient) client = NULL;
  g_autoptr (CamsimClient) again = NULL;
  guint before;

  if (!have_decoders ())
    return;
  client = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_size (client, 320, 240, 20000));
  /* Stall: the session stays, nothing comes; then it resumes. */
  g_assert_cmpuint (camsim_set_fault (sim, "lite-faults", "stall", 0), ==, 200);
  camsim_client_run (client, 500);
  before = camsim_client_get_frames (client);
  camsim_client_run (client, 2000);
  g_assert_cmpuint (camsim_client_get_frames (client), ==, before);
  g_assert_false (camsim_client_has_ended (client));
  g_assert_cmpuint (camsim_set_fault (sim, "lite-faults", "none", 0), ==, 200);
  g_assert_true (camsim_client_wait_frames (client, before + 25, 20000));
  /* Resize: a new SPS in the same session. */
  g_assert_cmpuint (camsim_set_fault (sim, "lite-faults", "resize", 0), ==,
      200);
  g_assert_true (camsim_client_wait_size (client, 240, 180, 20000));
  g_assert_cmpuint (camsim_set_fault (sim, "lite-faults", "none", 0), ==, 200);
  g_assert_true (camsim_client_wait_size (client, 320, 240, 20000));
  /* Drop: the connection closes; the camera keeps accepting. */
  g_assert_cmpuint (camsim_set_fault (sim, "lite-faults", "drop", 0), ==, 200);
  g_assert_true (camsim_client_wait_ended (client, 10000));
  again = camsim_client_new (url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (again, 10, 20000));
}

static void
test_clean_exit (void)
{
  g_assert_cmpint (camsim_process_stop (g_steal_pointer (&sim)), ==, 0);
}

int
main (int argc, char **argv)
{
  const char *args[] = {"--engine=cityeye", NULL};
  int result;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  sim = camsim_process_start (args);

  g_test_add_func ("/camsim/lite/streams", test_streams);
  g_test_add_func ("/camsim/lite/feed-stops", test_feed_stops);
  g_test_add_func ("/camsim/lite/refuse-and-unknown", test_refuse_and_unknown);
  g_test_add_func ("/camsim/lite/drop-stall-resize", test_drop_stall_resize);
  g_test_add_func ("/camsim/lite/zz/clean-exit", test_clean_exit);
  result = g_test_run ();
  if (sim != NULL)
    camsim_process_stop (sim);
  return result;
}
