/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Camera records: GB/T 28181 id rules, field validation, URL masking.
 */
#include "ce-camera.h"

#include <math.h>
#include <string.h>

static CeCamera *
good_camera (void)
{
  CeCamera *c = ce_camera_new ();

  c->id = g_strdup ("31011300001320000123");
  c->name = g_strdup ("宝山区顾村镇沪太路菊太路口东北角");
  c->source = CE_SOURCE_PUBLIC_SECURITY;
  c->lon = 121.3845;
  c->lat = 31.3474;
  c->rtsp_url = g_strdup ("rtsp://127.0.0.1:8555/cam/31011300001320000123");
  return c;
}

static void
test_id_valid (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ce_gb_id_validate ("31011300001320000123", &error));
  g_assert_no_error (error);
  /* 131 camera, 118 NVR, 138 mobile, network 8 社会资源接入网 */
  g_assert_true (ce_gb_id_validate ("31011300001310000001", NULL));
  g_assert_true (ce_gb_id_validate ("31011300001180000001", NULL));
  g_assert_true (ce_gb_id_validate ("31011300001388000001", NULL));
  g_assert_cmpint (ce_gb_id_type ("31011300001320000123"), ==, 132);
  g_assert_cmpstr (ce_gb_type_name (132), ==, "网络摄像机");
}

static void
assert_id_invalid (const char *id, const char *fragment)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (ce_gb_id_validate (id, &error));
  g_assert_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s”: message “%s” lacks “%s”", id, error->message, fragment);
}

static void
test_id_invalid (void)
{
  assert_id_invalid ("", "missing");
  assert_id_invalid ("3101130000132000012", "19 digits");
  assert_id_invalid ("310113000013200001234", "21 digits");
  assert_id_invalid ("31011300001320000A23", "character 18");
  assert_id_invalid ("99011300001320000123", "province");
  assert_id_invalid ("31011300991320000123", "industry");
  assert_id_invalid ("31011300001990000123", "type code");
  assert_id_invalid ("31011300001140000123", "解码器");
  assert_id_invalid ("31011300002150000001", "业务分组");
  assert_id_invalid ("31011300002000000001", "not a video source");
  assert_id_invalid ("31011300001329000123", "reserves");
  assert_id_invalid ("3101130000132000012３", "not a digit");
}

static void
test_validate_fields (void)
{
  g_autoptr (CeCamera) c = good_camera ();
  g_autoptr (GError) error = NULL;

  g_assert_true (ce_camera_validate (c, &error));
  g_assert_no_error (error);

#define EXPECT_INVALID(stmt, fragment) \
  do { \
    g_autoptr (CeCamera) bad = good_camera (); \
    g_autoptr (GError) err = NULL; \
    stmt; \
    g_assert_false (ce_camera_validate (bad, &err)); \
    g_assert_nonnull (err); \
    if (strstr (err->message, fragment) == NULL) \
      g_error ("%s: message “%s” lacks “%s”", #stmt, err->message, fragment); \
  } while (0)

  EXPECT_INVALID (g_clear_pointer (&bad->name, g_free), "name: missing");
  EXPECT_INVALID (bad->source = CE_SOURCE_NONE, "source");
  EXPECT_INVALID (bad->lon = 200, "lon: 200");
  EXPECT_INVALID (bad->lat = -91, "lat: -91");
  EXPECT_INVALID (bad->lon = NAN, "lon: missing");
  EXPECT_INVALID ((bad->lon = 0, bad->lat = 0), "(0, 0)");
  EXPECT_INVALID (bad->lon = INFINITY, "lon");
  EXPECT_INVALID (bad->secrecy = 2, "secrecy");
  EXPECT_INVALID (bad->ptz_type = 9, "ptz_type");
  EXPECT_INVALID (bad->azimuth = 360, "azimuth");
  EXPECT_INVALID (bad->azimuth = -1, "azimuth");
  EXPECT_INVALID (
      (g_free (bad->rtsp_url), bad->rtsp_url = g_strdup ("http://x/y")),
      "not an rtsp://");
  EXPECT_INVALID ((g_free (bad->name), bad->name = g_strdup ("a\001b")),
      "control character");
  EXPECT_INVALID ((g_free (bad->name), bad->name = g_strdup ("\xff\xfe")),
      "UTF-8");
  EXPECT_INVALID (
      (g_free (bad->civil_code), bad->civil_code = g_strdup ("null")),
      "civil_code");
#undef EXPECT_INVALID
}

static void
test_url_credentials (void)
{
  g_autoptr (CeCamera) c = good_camera ();
  g_autofree char *masked = NULL;
  g_autoptr (GError) error = NULL;

  g_free (c->rtsp_url);
  c->rtsp_url = g_strdup ("rtsp://admin:S3cret%21@10.1.2.3:554/Streaming/"
                          "Channels/101");
  c->rtsp_url_sub =
      g_strdup ("rtsp://admin:S3cret%21@10.1.2.3:554/Streaming/Channels/102");
  masked = ce_url_mask (c->rtsp_url);
  g_assert_cmpstr (masked, ==,
      "rtsp://***@10.1.2.3:554/Streaming/Channels/101");

  /* A failed validation never repeats the password. */
  c->lon = 500;
  g_assert_false (ce_camera_validate (c, &error));
  g_assert_null (strstr (error->message, "S3cret"));
  c->lon = 121.4;

  ce_camera_take_url_credentials (c);
  g_assert_cmpstr (c->username, ==, "admin");
  g_assert_cmpstr (c->password, ==, "S3cret!");
  g_assert_cmpstr (c->rtsp_url, ==,
      "rtsp://10.1.2.3:554/Streaming/Channels/101");
  g_assert_cmpstr (c->rtsp_url_sub, ==,
      "rtsp://10.1.2.3:554/Streaming/Channels/102");

  /* URLs without userinfo, and odd strings, pass through untouched. */
  g_free (masked);
  masked = ce_url_mask ("rtsp://10.0.0.1/a@b");
  g_assert_cmpstr (masked, ==, "rtsp://10.0.0.1/a@b");
  g_free (masked);
  masked = ce_url_mask (NULL);
  g_assert_cmpstr (masked, ==, "");
}

static void
test_sources_status (void)
{
  CeSource s;
  CeStatus st;

  g_assert_true (ce_source_from_string ("公安", &s));
  g_assert_cmpint (s, ==, CE_SOURCE_PUBLIC_SECURITY);
  g_assert_true (ce_source_from_string ("XUELIANG", &s));
  g_assert_cmpint (s, ==, CE_SOURCE_XUELIANG);
  g_assert_true (ce_source_from_string ("社会面", &s));
  g_assert_true (ce_source_from_string ("单兵", &s));
  g_assert_cmpint (s, ==, CE_SOURCE_MOBILE);
  g_assert_false (ce_source_from_string ("police", &s));
  g_assert_true (ce_status_from_string ("ON", &st));
  g_assert_cmpint (st, ==, CE_STATUS_ONLINE);
  g_assert_true (ce_status_from_string ("off", &st));
  g_assert_cmpint (st, ==, CE_STATUS_OFFLINE);
  g_assert_false (ce_status_from_string ("maybe", &st));
}

static void
test_copy_equal (void)
{
  g_autoptr (CeCamera) a = good_camera ();
  g_autoptr (CeCamera) b = ce_camera_copy (a);

  g_assert_true (ce_camera_equal_content (a, b));
  b->azimuth = 45;
  g_assert_false (ce_camera_equal_content (a, b));
  b->azimuth = NAN;
  g_free (b->tags);
  b->tags = g_strdup ("");
  /* NULL and "" are both "absent". */
  g_assert_true (ce_camera_equal_content (a, b));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/camera/id/valid", test_id_valid);
  g_test_add_func ("/camera/id/invalid", test_id_invalid);
  g_test_add_func ("/camera/validate/fields", test_validate_fields);
  g_test_add_func ("/camera/url/credentials", test_url_credentials);
  g_test_add_func ("/camera/source-status", test_sources_status);
  g_test_add_func ("/camera/copy-equal", test_copy_equal);
  return g_test_run ();
}
