/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libgstcityeye without a gateway: cityeye:// URIs and gateway URLs, the
 * URI handler, property validation of cityeyesrc, and cityeyeoverlay on
 * raw frames (GstHarness).  Elements are registered from the static
 * library, without a plugin scan.
 */
#include "ce-camera-info.h"
#include "ce-elements.h"
#include "ce-uri.h"

#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <string.h>

#define CAMERA "31011300001320000123"

/* ---- URIs -------------------------------------------------------------- */

static void
test_uri_parse (void)
{
  CeUri u;
  g_autoptr (GError) error = NULL;

  g_assert_true (ce_uri_parse ("cityeye://" CAMERA, &u, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (u.camera_id, ==, CAMERA);
  g_assert_false (u.sub);
  g_assert_null (u.token);
  g_assert_null (u.gateway);
  ce_uri_clear (&u);

  g_assert_true (
      ce_uri_parse ("CityEye://" CAMERA "?profile=sub&token=a%20b%26c"
                    "&gateway=rtsp%3A%2F%2Fgw.example%3A8554%2F",
          &u, &error));
  g_assert_no_error (error);
  g_assert_true (u.sub);
  g_assert_cmpstr (u.token, ==, "a b&c");
  g_assert_cmpstr (u.gateway, ==, "rtsp://gw.example:8554");
  ce_uri_clear (&u);

  g_assert_true (ce_uri_parse ("cityeye://" CAMERA "?profile=main", &u, NULL));
  g_assert_false (u.sub);
  ce_uri_clear (&u);
}

static void
test_uri_refused (void)
{
  static const struct
  {
    const char *uri;
    int code;
    const char *message;
  } cases[] = {
      {"rtsp://127.0.0.1/cameras/" CAMERA, CE_URI_ERROR_INVALID,
          "Not a cityeye:// URI"},
      {"cityeye://3101130000132000012", CE_URI_ERROR_CAMERA, "20-digit"},
      {"cityeye://310113000013200001234", CE_URI_ERROR_CAMERA, "20-digit"},
      {"cityeye://3101130000132000012x", CE_URI_ERROR_CAMERA, "20-digit"},
      {"cityeye://", CE_URI_ERROR_CAMERA, "20-digit"},
      {"cityeye://" CAMERA "/x", CE_URI_ERROR_CAMERA, "20-digit"},
      {"cityeye://" CAMERA "?profil=sub", CE_URI_ERROR_INVALID,
          "Unknown parameter “profil”"},
      {"cityeye://" CAMERA "?profile=sub&profile=main", CE_URI_ERROR_INVALID,
          "given twice"},
      {"cityeye://" CAMERA "?profile=hd", CE_URI_ERROR_INVALID,
          "“main” or “sub”"},
      {"cityeye://" CAMERA "?token", CE_URI_ERROR_INVALID, "without a value"},
      {"cityeye://" CAMERA "?token=", CE_URI_ERROR_INVALID, "Empty token"},
      {"cityeye://" CAMERA "#frag", CE_URI_ERROR_INVALID, "fragment"},
      {"cityeye://" CAMERA "?token=%ff", CE_URI_ERROR_INVALID,
          "percent-encoding"},
      {"cityeye://" CAMERA "?gateway=http%3A%2F%2Fgw%3A8080",
          CE_URI_ERROR_GATEWAY, "rtsp://"},
      {"cityeye://" CAMERA "?gateway=rtsp%3A%2F%2Fu%3Asecret%40gw",
          CE_URI_ERROR_GATEWAY, "user:password@"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    CeUri u;
    g_autoptr (GError) error = NULL;

    g_test_message ("%s", cases[i].uri);
    g_assert_false (ce_uri_parse (cases[i].uri, &u, &error));
    g_assert_error (error, CE_URI_ERROR, cases[i].code);
    g_assert_nonnull (strstr (error->message, cases[i].message));
    /* A password given by mistake is never repeated. */
    g_assert_null (strstr (error->message, "secret"));
    g_assert_null (u.camera_id);
    g_assert_null (u.token);
  }
}

static void
test_gateway_url (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *a = ce_gateway_normalise ("rtsp://gw:8554/", &error);
  g_autofree char *b = ce_gateway_normalise ("RTSP://gw/edge/", NULL);
  g_autofree char *c = ce_gateway_normalise ("rtsp://[::1]:8554", NULL);
  g_autofree char *main_url = NULL, *sub_url = NULL, *log_url = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "rtsp://gw:8554");
  g_assert_cmpstr (b, ==, "rtsp://gw:554/edge");
  g_assert_cmpstr (c, ==, "rtsp://[::1]:8554");
  main_url = ce_gateway_camera_url (a, CAMERA, FALSE, "t/k n");
  g_assert_cmpstr (main_url, ==,
      "rtsp://gw:8554/cameras/" CAMERA "?token=t%2Fk%20n");
  sub_url = ce_gateway_camera_url (a, CAMERA, TRUE, "tok");
  g_assert_cmpstr (sub_url, ==,
      "rtsp://gw:8554/cameras/" CAMERA "?profile=sub&token=tok");
  log_url = ce_gateway_camera_url (a, CAMERA, TRUE, NULL);
  g_assert_cmpstr (log_url, ==,
      "rtsp://gw:8554/cameras/" CAMERA "?profile=sub");

  for (guint i = 0; i < 6; i++) {
    static const char *const bad[] = {"http://gw:8080", "rtsp://gw?x=1",
        "gw:8554", "rtsp:///path", "rtsp://ma%3A%2F%2Fie/",
        "rtsp://g%20w:8554"};
    g_autoptr (GError) e = NULL;

    g_assert_null (ce_gateway_normalise (bad[i], &e));
    g_assert_error (e, CE_URI_ERROR, CE_URI_ERROR_GATEWAY);
  }
}

/* ---- the camera's label from the API ---------------------------------- */

static void
test_camera_info (void)
{
  static const char good[] =
      "{\"id\":\"" CAMERA "\",\"name\":\"沪太路\\u0007口\",\"street\":"
      "\"顾村镇\",\"lon\":121.3845,\"lat\":31,\"crs\":\"wgs84\"}";
  static const char gcj[] =
      "{\"name\":\"a\",\"lon\":121.39,\"lat\":31.34,\"crs\":\"gcj02\"}";
  static const char odd[] =
      "{\"name\":5,\"street\":\"\",\"lon\":\"121\",\"lat\":1e999}";
  CeCameraInfo info;
  g_autoptr (GError) error = NULL;

  g_assert_true (ce_camera_info_parse (good, sizeof good - 1, &info, &error));
  g_assert_no_error (error);
  /* Control characters never reach the picture. */
  g_assert_cmpstr (info.name, ==, "沪太路 口");
  g_assert_cmpstr (info.street, ==, "顾村镇");
  g_assert_cmpfloat (info.lon, ==, 121.3845);
  g_assert_cmpfloat (info.lat, ==, 31.0);
  ce_camera_info_clear (&info);

  /* A position in another datum is not shown as WGS-84. */
  g_assert_true (ce_camera_info_parse (gcj, sizeof gcj - 1, &info, NULL));
  g_assert_cmpfloat (info.lon, ==, 0.0);
  ce_camera_info_clear (&info);

  g_assert_true (ce_camera_info_parse (odd, sizeof odd - 1, &info, NULL));
  g_assert_null (info.name);
  g_assert_null (info.street);
  g_assert_cmpfloat (info.lon, ==, 0.0);
  ce_camera_info_clear (&info);

  g_assert_false (ce_camera_info_parse ("[1]", 3, &info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (ce_camera_info_parse ("{", 1, &info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  /* One object only (json-glib would take the first and leak the rest). */
  g_assert_false (
      ce_camera_info_parse ("{\"a\":1} {\"a\":2}", 15, &info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_true (ce_camera_info_parse ("{\"name\":\"}\"} \n", 14, &info, NULL));
  g_assert_cmpstr (info.name, ==, "}");
  ce_camera_info_clear (&info);
}

/* ---- cityeyesrc without a gateway -------------------------------------- */

static void
test_uri_handler (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) src = gst_element_make_from_uri (GST_URI_SRC,
      "cityeye://" CAMERA "?profile=sub&token=secret", NULL, &error);
  g_autofree char *id = NULL, *token = NULL, *uri = NULL;
  g_autoptr (GstElement) bad = NULL;
  int profile = -1;

  g_assert_no_error (error);
  g_assert_nonnull (src);
  g_assert_cmpstr (GST_OBJECT_NAME (gst_element_get_factory (src)), ==,
      "cityeyesrc");
  g_object_get (src, "camera-id", &id, "token", &token, "profile", &profile,
      NULL);
  g_assert_cmpstr (id, ==, CAMERA);
  g_assert_cmpstr (token, ==, "secret");
  g_assert_cmpint (profile, ==, 1);
  /* Players show the URI: it never carries the token. */
  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (src));
  g_assert_cmpstr (uri, ==, "cityeye://" CAMERA "?profile=sub");
  g_assert_true (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
      "cityeye://" CAMERA, NULL));
  g_object_get (src, "profile", &profile, NULL);
  g_assert_cmpint (profile, ==, 0);

  bad = gst_element_make_from_uri (GST_URI_SRC, "cityeye://123", NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI);
  g_assert_nonnull (strstr (error->message, "20-digit"));
}

/* Starting with @desc must fail with an error whose text has @expect. */
static void
expect_start_error (const char *desc, const char *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GError) gerror = NULL;

  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), ==,
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &gerror, NULL);
  g_test_message ("error: %s", gerror->message);
  g_assert_error (gerror, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
  g_assert_nonnull (strstr (gerror->message, expect));
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static void
test_src_bad_properties (void)
{
  expect_start_error ("cityeyesrc ! fakesink", "set the camera-id property");
  expect_start_error ("cityeyesrc camera-id=12345 ! fakesink",
      "“12345” is not a 20-digit");
  expect_start_error ("cityeyesrc camera-id=" CAMERA
                      " gateway=http://127.0.0.1:8080 ! fakesink",
      "must be an rtsp:// URL");
  expect_start_error ("cityeyesrc camera-id=" CAMERA
                      " gateway=rtsp://admin:pw@127.0.0.1 ! fakesink",
      "must not carry user:password@");
}

/* ---- cityeyeoverlay ---------------------------------------------------- */

#define W 320
#define H 240

/* Bright luma pixels in rows [y0, y1) of an I420 frame. */
static guint
bright_pixels (GstBuffer *buffer, guint y0, guint y1)
{
  GstMapInfo map;
  guint n = 0;

  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  for (guint y = y0; y < y1; y++)
    for (guint x = 0; x < W; x++)
      if (map.data[y * W + x] > 128)
        n++;
  gst_buffer_unmap (buffer, &map);
  return n;
}

/* One black frame through an overlay set up by @props. */
static GstBuffer *
overlay_frame (const char *props)
{
  g_autofree char *desc = g_strdup_printf ("cityeyeoverlay %s", props);
  GstHarness *h = gst_harness_new_parse (desc);
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstMapInfo map;

  gst_harness_set_src_caps_str (h,
      "video/x-raw, format=I420, width=320, "
      "height=240, framerate=25/1");
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, W, H);
  in = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_map (in, &map, GST_MAP_WRITE);
  memset (map.data, 16, W * H);                      /* black luma */
  memset (map.data + W * H, 128, info.size - W * H); /* neutral chroma */
  gst_buffer_unmap (in, &map);
  GST_BUFFER_PTS (in) = 0;
  GST_BUFFER_DURATION (in) = GST_SECOND / 25;
  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  g_assert_nonnull (out);
  gst_harness_teardown (h);
  return out;
}

static void
test_overlay_burns_text (void)
{
  GstBuffer *plain = overlay_frame ("");
  GstBuffer *named = overlay_frame (
      "camera-name=Gate camera-id=" CAMERA " street=Gucun lon=121.4 lat=31.35");

  /* The time is always at the top; name and position only when known. */
  g_assert_cmpuint (bright_pixels (plain, 0, H / 4), >, 20);
  g_assert_cmpuint (bright_pixels (named, 0, H / 4), >, 20);
  g_assert_cmpuint (bright_pixels (plain, H / 2, H), ==, 0);
  g_assert_cmpuint (bright_pixels (named, H / 2, H), >, 50);
  gst_buffer_unref (plain);
  gst_buffer_unref (named);
}

static void
test_overlay_text (void)
{
  g_autoptr (GstElement) overlay =
      gst_element_factory_make ("cityeyeoverlay", NULL);
  g_autoptr (GstElement) text = NULL;
  g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL;

  g_assert_nonnull (overlay);
  text = gst_bin_get_by_name (GST_BIN (overlay), "text");
  g_assert_nonnull (text);
  g_object_set (overlay, "camera-name", "沪太路菊太路口", "camera-id", CAMERA,
      "street", "顾村镇", "lon", 121.3845, "lat", 31.3474, NULL);
  g_object_get (text, "text", &s1, NULL);
  g_assert_cmpstr (s1, ==,
      "沪太路菊太路口 (" CAMERA ")\n顾村镇 · 121.38450°E 31.34740°N");
  g_object_set (overlay, "street", NULL, "lon", -0.5, "lat", -33.0, NULL);
  g_object_get (text, "text", &s2, NULL);
  g_assert_cmpstr (s2, ==, "沪太路菊太路口 (" CAMERA ")\n0.50000°W 33.00000°S");
  g_object_set (overlay, "camera-name", NULL, "camera-id", NULL, "lon", 0.0,
      "lat", 0.0, NULL);
  g_object_get (text, "text", &s3, NULL);
  g_assert_cmpstr (s3, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  GST_ELEMENT_REGISTER (cityeyesrc, NULL);
  GST_ELEMENT_REGISTER (cityeyeoverlay, NULL);

  g_test_add_func ("/plugin/uri/parse", test_uri_parse);
  g_test_add_func ("/plugin/uri/refused", test_uri_refused);
  g_test_add_func ("/plugin/uri/gateway-url", test_gateway_url);
  g_test_add_func ("/plugin/camera-info", test_camera_info);
  g_test_add_func ("/plugin/src/uri-handler", test_uri_handler);
  g_test_add_func ("/plugin/src/bad-properties", test_src_bad_properties);
  g_test_add_func ("/plugin/overlay/burns-text", test_overlay_burns_text);
  g_test_add_func ("/plugin/overlay/text", test_overlay_text);
  return g_test_run ();
}
