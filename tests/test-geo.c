/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Distances, polygons and the WGS-84 / GCJ-02 / BD-09 conversions.
 */
#include "ce-geo.h"

#include <math.h>
#include <string.h>

static void
test_distance (void)
{
  /* One degree of latitude is 111.195 km on the mean sphere. */
  g_assert_cmpfloat_with_epsilon (ce_geo_distance_m (121.0, 31.0, 121.0, 32.0),
      111195.08, 1.0);
  /* One degree of longitude at 31°N: 111195 × cos 31° = 95313 m. */
  g_assert_cmpfloat_with_epsilon (ce_geo_distance_m (121.0, 31.0, 122.0, 31.0),
      95305.0, 20.0);
  g_assert_cmpfloat (ce_geo_distance_m (121.38, 31.35, 121.38, 31.35), ==, 0);
  /* Symmetric. */
  g_assert_cmpfloat_with_epsilon (
      ce_geo_distance_m (121.3845, 31.3474, 121.4, 31.36),
      ce_geo_distance_m (121.4, 31.36, 121.3845, 31.3474), 1e-6);
}

static void
test_bearing (void)
{
  g_assert_cmpfloat_with_epsilon (ce_geo_bearing_deg (121.0, 31.0, 121.0, 31.1),
      0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (ce_geo_bearing_deg (121.0, 31.0, 121.1, 31.0),
      90.0, 0.1);
  g_assert_cmpfloat_with_epsilon (ce_geo_bearing_deg (121.0, 31.0, 121.0, 30.9),
      180.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (ce_geo_bearing_deg (121.0, 31.0, 120.9, 31.0),
      270.0, 0.1);
}

static void
test_radius_bbox (void)
{
  double min_lon, min_lat, max_lon, max_lat;

  ce_geo_radius_bbox (121.38, 31.35, 300, &min_lon, &min_lat, &max_lon,
      &max_lat);
  /* Every point of the circle is inside the box. */
  for (int deg = 0; deg < 360; deg += 5) {
    double a = deg * M_PI / 180;
    double lat = 31.35 + 300 * cos (a) / 111195.08;
    double lon =
        121.38 + 300 * sin (a) / (111195.08 * cos (31.35 * M_PI / 180));

    g_assert_cmpfloat (lon, >=, min_lon);
    g_assert_cmpfloat (lon, <=, max_lon);
    g_assert_cmpfloat (lat, >=, min_lat);
    g_assert_cmpfloat (lat, <=, max_lat);
  }
  /* And the box is not much bigger than the circle. */
  g_assert_cmpfloat (ce_geo_distance_m (121.38, 31.35, 121.38, max_lat), <,
      301);
}

static void
test_polygon (void)
{
  /* A concave "L" shape. */
  const double l[] = {0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2};

  g_assert_true (ce_geo_point_in_polygon (0.5, 0.5, l, 6));
  g_assert_true (ce_geo_point_in_polygon (0.5, 1.5, l, 6));
  g_assert_true (ce_geo_point_in_polygon (1.5, 0.5, l, 6));
  g_assert_false (ce_geo_point_in_polygon (1.5, 1.5, l, 6));
  g_assert_false (ce_geo_point_in_polygon (-0.5, 0.5, l, 6));
  g_assert_false (ce_geo_point_in_polygon (3, 3, l, 6));
}

static void
test_gcj02 (void)
{
  double lon, lat, back_lon, back_lat;

  /* Published reference pair (gcoord's tests): WGS-84 116.404, 39.915 →
   * GCJ-02 116.41024449916938, 39.91640428150164. */
  ce_geo_convert (CE_CRS_WGS84, CE_CRS_GCJ02, 116.404, 39.915, &lon, &lat);
  g_assert_cmpfloat_with_epsilon (lon, 116.41024449916938, 1e-8);
  g_assert_cmpfloat_with_epsilon (lat, 39.91640428150164, 1e-8);

  /* In 宝山 the offset is about +0.0045° lon, −0.0019° lat (≈ 476 m). */
  ce_geo_convert (CE_CRS_WGS84, CE_CRS_GCJ02, 121.3845, 31.3474, &lon, &lat);
  g_assert_cmpfloat_with_epsilon (lon - 121.3845, 0.0045, 0.0005);
  g_assert_cmpfloat_with_epsilon (lat - 31.3474, -0.0019, 0.0005);
  g_assert_cmpfloat_with_epsilon (
      ce_geo_distance_m (121.3845, 31.3474, lon, lat), 476, 40);

  /* The inverse comes back to within a millimetre. */
  ce_geo_convert (CE_CRS_GCJ02, CE_CRS_WGS84, lon, lat, &back_lon, &back_lat);
  g_assert_cmpfloat (ce_geo_distance_m (121.3845, 31.3474, back_lon, back_lat),
      <, 0.001);

  /* Outside China the offset does not apply. */
  ce_geo_convert (CE_CRS_WGS84, CE_CRS_GCJ02, 2.35, 48.85, &lon, &lat);
  g_assert_cmpfloat (lon, ==, 2.35);
  g_assert_cmpfloat (lat, ==, 48.85);
}

static void
test_bd09 (void)
{
  double lon, lat, back_lon, back_lat;

  /* gcoord: GCJ-02 116.41024449916938, 39.91640428150164 → BD-09
   * 116.41662724378733, 39.922699552216216. */
  ce_geo_convert (CE_CRS_GCJ02, CE_CRS_BD09, 116.41024449916938,
      39.91640428150164, &lon, &lat);
  g_assert_cmpfloat_with_epsilon (lon, 116.41662724378733, 1e-7);
  g_assert_cmpfloat_with_epsilon (lat, 39.922699552216216, 1e-7);

  /* WGS-84 → BD-09 → WGS-84 in 宝山, within a metre (BD-09's own inverse
   * is approximate). */
  ce_geo_convert (CE_CRS_WGS84, CE_CRS_BD09, 121.48522, 31.40719, &lon, &lat);
  g_assert_cmpfloat_with_epsilon (
      ce_geo_distance_m (121.48522, 31.40719, lon, lat), 1130, 150);
  ce_geo_convert (CE_CRS_BD09, CE_CRS_WGS84, lon, lat, &back_lon, &back_lat);
  g_assert_cmpfloat (
      ce_geo_distance_m (121.48522, 31.40719, back_lon, back_lat), <, 1.0);
}

static void
test_validate (void)
{
  g_autoptr (GError) error = NULL;
  CeCrs crs;

  g_assert_true (ce_geo_validate (121.4, 31.3, NULL));
  g_assert_false (ce_geo_validate (0, 0, &error));
  g_assert_nonnull (strstr (error->message, "placeholder"));
  g_assert_false (ce_geo_validate (181, 31, NULL));
  g_assert_false (ce_geo_validate (121, NAN, NULL));
  g_assert_true (ce_crs_from_string ("GCJ02", &crs));
  g_assert_cmpint (crs, ==, CE_CRS_GCJ02);
  g_assert_true (ce_crs_from_string ("bd-09", &crs));
  g_assert_cmpint (crs, ==, CE_CRS_BD09);
  g_assert_false (ce_crs_from_string ("utm", &crs));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/geo/distance", test_distance);
  g_test_add_func ("/geo/bearing", test_bearing);
  g_test_add_func ("/geo/radius-bbox", test_radius_bbox);
  g_test_add_func ("/geo/polygon", test_polygon);
  g_test_add_func ("/geo/gcj02", test_gcj02);
  g_test_add_func ("/geo/bd09", test_bd09);
  g_test_add_func ("/geo/validate", test_validate);
  return g_test_run ();
}
