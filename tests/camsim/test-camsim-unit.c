/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Unit tests of the camera simulator's pure parts: names, camera URLs,
 * request lines and the stable fault shares.
 */
#include "ce-camsim-cameras.h"
#include "ce-camsim-common.h"

static void
test_names (void)
{
  g_autofree char *longest = g_strnfill (CE_CAMSIM_NAME_MAX, 'a');
  g_autofree char *too_long = g_strnfill (CE_CAMSIM_NAME_MAX + 1, 'a');

  g_assert_true (ce_camsim_name_is_valid ("gate-3"));
  g_assert_true (ce_camsim_name_is_valid ("A.b_c-9"));
  g_assert_true (ce_camsim_name_is_valid (longest));
  g_assert_false (ce_camsim_name_is_valid (too_long));
  g_assert_false (ce_camsim_name_is_valid (""));
  g_assert_false (ce_camsim_name_is_valid (NULL));
  g_assert_false (ce_camsim_name_is_valid ("a/b"));
  g_assert_false (ce_camsim_name_is_valid ("a@sub"));
  g_assert_false (ce_camsim_name_is_valid ("caméra"));

  g_assert_cmpint (ce_camsim_codec_for_name ("x-h265", CE_CAMSIM_CODEC_H264),
      ==, CE_CAMSIM_CODEC_H265);
  g_assert_cmpint (ce_camsim_codec_for_name ("x-h264", CE_CAMSIM_CODEC_H265),
      ==, CE_CAMSIM_CODEC_H264);
  g_assert_cmpint (ce_camsim_codec_for_name ("x", CE_CAMSIM_CODEC_H265), ==,
      CE_CAMSIM_CODEC_H265);
}

static void
test_fault_names (void)
{
  CeCamsimFaultMode mode;

  for (guint i = 0; i < CE_CAMSIM_N_FAULTS; i++) {
    g_assert_true (ce_camsim_fault_from_string (
        ce_camsim_fault_to_string ((CeCamsimFaultMode) i), &mode));
    g_assert_cmpint (mode, ==, i);
  }
  g_assert_true (ce_camsim_fault_from_string ("offline", &mode));
  g_assert_cmpint (mode, ==, CE_CAMSIM_FAULT_REFUSE);
  g_assert_false (ce_camsim_fault_from_string ("bogus", &mode));
  g_assert_false (ce_camsim_fault_from_string (NULL, &mode));
}

static void
check_request_path (const char *abspath, const char *query,
    const char *expected)
{
  g_autofree char *path = ce_camsim_request_path (abspath, query);

  g_assert_cmpstr (path, ==, expected);
}

static void
test_request_paths (void)
{
  /* DESCRIBE, with and without a profile or other query parameters. */
  check_request_path ("/cam/a", NULL, "/cam/a");
  check_request_path ("/cam/a/", NULL, "/cam/a");
  check_request_path ("/cam/a", "profile=sub", "/cam/a/@sub");
  check_request_path ("/cam/a", "token=x&profile=main", "/cam/a");
  check_request_path ("/cam/a", "token=x", "/cam/a");
  /* SETUP, wherever the client put the control part. */
  check_request_path ("/cam/a/stream=0", NULL, "/cam/a/stream=0");
  check_request_path ("/cam/a/stream=0", "profile=sub", "/cam/a/@sub/stream=0");
  check_request_path ("/cam/a", "profile=sub/stream=0", "/cam/a/@sub/stream=0");
  check_request_path ("/cam/a/@sub/stream=0", NULL, "/cam/a/@sub/stream=0");
  /* PLAY on the Content-Base gst-rtsp-server sends. */
  check_request_path ("/cam/a/@sub/", NULL, "/cam/a/@sub");
  check_request_path ("/cam/a", "profile=sub/", "/cam/a/@sub");
  /* Not cameras. */
  check_request_path ("/cam/", NULL, NULL);
  check_request_path ("/camera/a", NULL, NULL);
  check_request_path ("/cam/a b", NULL, NULL);
  check_request_path ("/cam/a", "profile=huge", NULL);
}

static void
test_camera_url (void)
{
  g_autofree char *name = NULL;
  g_autofree char *control = NULL;
  CeCamsimProfile profile;

  g_assert_true (ce_camsim_parse_camera_url ("/cam/gate-3/stream=0",
      "profile=sub", &name, &profile, &control));
  g_assert_cmpstr (name, ==, "gate-3");
  g_assert_cmpint (profile, ==, CE_CAMSIM_PROFILE_SUB);
  g_assert_cmpstr (control, ==, "/stream=0");
}

static void
check_request_line (const char *head, const char *path, const char *query)
{
  g_autofree char *got_path = NULL;
  g_autofree char *got_query = NULL;
  gboolean ok = ce_camsim_parse_request_line (head, &got_path, &got_query);

  g_assert_true (ok == (path != NULL));
  g_assert_cmpstr (got_path, ==, path);
  g_assert_cmpstr (got_query, ==, query);
}

static void
test_request_lines (void)
{
  check_request_line ("OPTIONS rtsp://127.0.0.1:8554/cam/a RTSP/1.0\r\n"
                      "CSeq: 1\r\n\r\n",
      "/cam/a", NULL);
  check_request_line ("DESCRIBE rtsp://u:p@h/cam/a?profile=sub RTSP/1.0\r\n",
      "/cam/a", "profile=sub");
  check_request_line ("GET /cam/b HTTP/1.0\r\n", "/cam/b", NULL);
  check_request_line ("OPTIONS rtsp://h:1 RTSP/1.0\r\n", "/", NULL);
  check_request_line ("OPTIONS * RTSP/1.0\r\n", NULL, NULL);
  check_request_line ("garbage\r\n", NULL, NULL);
  check_request_line ("", NULL, NULL);
}

static void
test_shares (void)
{
  CeCamsimShare shares[] = {
      {CE_CAMSIM_FAULT_REFUSE, 0.05},
      {CE_CAMSIM_FAULT_AUTH, 0.02},
      {CE_CAMSIM_FAULT_TARPIT, 0.01},
  };
  g_autoptr (CeCamsimCameras) cameras = ce_camsim_cameras_new (
      CE_CAMSIM_CODEC_H264, 1000, shares, G_N_ELEMENTS (shares));
  guint counts[CE_CAMSIM_N_FAULTS] = {0};
  const guint n = 23000;

  for (guint i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf ("34020000001310%06u", i);
    CeCamsimFaultMode mode = ce_camsim_cameras_share_fault (cameras, name);

    /* Stable: the same name always gets the same fault. */
    g_assert_cmpint (ce_camsim_cameras_share_fault (cameras, name), ==, mode);
    counts[mode]++;
  }
  g_test_message ("refuse %u auth %u tarpit %u none %u",
      counts[CE_CAMSIM_FAULT_REFUSE], counts[CE_CAMSIM_FAULT_AUTH],
      counts[CE_CAMSIM_FAULT_TARPIT], counts[CE_CAMSIM_FAULT_NONE]);
  /* Within a few standard deviations of the asked shares. */
  g_assert_cmpuint (counts[CE_CAMSIM_FAULT_REFUSE], >, n * 0.05 - 150);
  g_assert_cmpuint (counts[CE_CAMSIM_FAULT_REFUSE], <, n * 0.05 + 150);
  g_assert_cmpuint (counts[CE_CAMSIM_FAULT_AUTH], >, n * 0.02 - 100);
  g_assert_cmpuint (counts[CE_CAMSIM_FAULT_AUTH], <, n * 0.02 + 100);
  g_assert_cmpuint (counts[CE_CAMSIM_FAULT_TARPIT], >, n * 0.01 - 70);
  g_assert_cmpuint (counts[CE_CAMSIM_FAULT_TARPIT], <, n * 0.01 + 70);
  g_assert_cmpuint (counts[CE_CAMSIM_FAULT_SLOW], ==, 0);
}

static void
test_cameras (void)
{
  CeCamsimShare everyone[] = {{CE_CAMSIM_FAULT_AUTH, 1.0}};
  g_autoptr (CeCamsimCameras) cameras =
      ce_camsim_cameras_new (CE_CAMSIM_CODEC_H264, 1000, everyone, 1);
  CeCamsimCamera *camera = ce_camsim_cameras_get (cameras, "a-h265");
  g_autoptr (JsonNode) stats = NULL;
  JsonObject *object;

  g_assert_nonnull (camera);
  g_assert_null (ce_camsim_cameras_get (cameras, "not/valid"));
  g_assert_true (ce_camsim_cameras_get (cameras, "a-h265") == camera);
  g_assert_cmpint (camera->codec, ==, CE_CAMSIM_CODEC_H265);
  g_assert_cmpint (ce_camsim_camera_get_mode (camera), ==,
      CE_CAMSIM_FAULT_AUTH);

  /* An explicit fault wins over the share, drop is only an action, and
   * reset goes back to the share. */
  ce_camsim_cameras_set_fault (cameras, camera, CE_CAMSIM_FAULT_RESIZE, 0);
  g_assert_cmpint (ce_camsim_camera_get_mode (camera), ==,
      CE_CAMSIM_FAULT_RESIZE);
  g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_SUB].variant, ==, 1);
  ce_camsim_cameras_set_fault (cameras, camera, CE_CAMSIM_FAULT_DROP, 0);
  g_assert_cmpint (ce_camsim_camera_get_mode (camera), ==,
      CE_CAMSIM_FAULT_NONE);
  g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_SUB].variant, ==, 0);
  ce_camsim_cameras_set_fault (cameras, camera, CE_CAMSIM_FAULT_SLOW, 250);
  g_assert_cmpint (camera->slow_ms, ==, 250);
  camera->streams[CE_CAMSIM_PROFILE_MAIN].frames_sent = 42;
  camera->streams[CE_CAMSIM_PROFILE_MAIN].connections_active = 1;

  stats = ce_camsim_cameras_to_json (cameras);
  object = json_object_get_object_member (
      json_object_get_object_member (json_node_get_object (stats), "cameras"),
      "/cam/a-h265");
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "fault"), ==, "slow");
  g_assert_cmpint (json_object_get_int_member (object, "frames_sent"), ==, 42);
  g_assert_cmpint (json_object_get_int_member (object, "slow_ms"), ==, 250);

  ce_camsim_cameras_reset (cameras);
  g_assert_cmpint (ce_camsim_camera_get_mode (camera), ==,
      CE_CAMSIM_FAULT_AUTH);
  g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_MAIN].frames_sent, ==, 0);
  /* Live objects keep being counted. */
  g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_MAIN].connections_active,
      ==, 1);
}

/* A share of black or frozen cameras replays the fault's loop from the
 * camera's first use; reset goes back to it. */
static void
test_picture_shares (void)
{
  CeCamsimShare shares[] = {
      {CE_CAMSIM_FAULT_BLACK, 0.5},
      {CE_CAMSIM_FAULT_FROZEN, 0.5},
  };
  g_autoptr (CeCamsimCameras) cameras = ce_camsim_cameras_new (
      CE_CAMSIM_CODEC_H264, 1000, shares, G_N_ELEMENTS (shares));
  guint seen[CE_CAMSIM_N_VARIANTS] = {0};
  CeCamsimFaultMode mode;

  g_assert_true (ce_camsim_fault_from_string ("black", &mode));
  g_assert_cmpint (mode, ==, CE_CAMSIM_FAULT_BLACK);
  g_assert_true (ce_camsim_fault_from_string ("frozen", &mode));
  g_assert_cmpstr (ce_camsim_fault_to_string (mode), ==, "frozen");
  for (guint i = 0; i < 64; i++) {
    g_autofree char *name = g_strdup_printf ("cam-%u", i);
    CeCamsimCamera *camera = ce_camsim_cameras_get (cameras, name);
    CeCamsimVariant variant =
        ce_camsim_variant_for_fault (ce_camsim_camera_get_mode (camera));

    g_assert_cmpint (variant, !=, CE_CAMSIM_VARIANT_NORMAL);
    g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_MAIN].variant, ==,
        variant);
    g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_SUB].variant, ==,
        variant);
    seen[variant]++;
    ce_camsim_cameras_set_fault (cameras, camera, CE_CAMSIM_FAULT_NONE, 0);
    g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_MAIN].variant, ==,
        CE_CAMSIM_VARIANT_NORMAL);
  }
  g_assert_cmpuint (seen[CE_CAMSIM_VARIANT_BLACK], >, 10);
  g_assert_cmpuint (seen[CE_CAMSIM_VARIANT_STILL], >, 10);
  ce_camsim_cameras_reset (cameras);
  for (guint i = 0; i < 64; i++) {
    g_autofree char *name = g_strdup_printf ("cam-%u", i);
    CeCamsimCamera *camera = ce_camsim_cameras_get (cameras, name);

    g_assert_cmpint (camera->streams[CE_CAMSIM_PROFILE_MAIN].variant, !=,
        CE_CAMSIM_VARIANT_NORMAL);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/camsim/unit/names", test_names);
  g_test_add_func ("/camsim/unit/fault-names", test_fault_names);
  g_test_add_func ("/camsim/unit/request-paths", test_request_paths);
  g_test_add_func ("/camsim/unit/camera-url", test_camera_url);
  g_test_add_func ("/camsim/unit/request-lines", test_request_lines);
  g_test_add_func ("/camsim/unit/shares", test_shares);
  g_test_add_func ("/camsim/unit/cameras", test_cameras);
  g_test_add_func ("/camsim/unit/picture-shares", test_picture_shares);
  return g_test_run ();
}
