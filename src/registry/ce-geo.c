/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Great-circle distance, polygons and the WGS-84 / GCJ-02 / BD-09
 * conversions (the formulas published with coordtransform and gcoord).
 */
#include "ce-geo.h"
#include "ce-camera.h"

#include <math.h>

#define DEG (M_PI / 180.0)

gboolean
ce_crs_from_string (const char *str, CeCrs *out)
{
  if (str == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (str, "wgs84") == 0 ||
      g_ascii_strcasecmp (str, "wgs-84") == 0) {
    *out = CE_CRS_WGS84;
    return TRUE;
  }
  if (g_ascii_strcasecmp (str, "gcj02") == 0 ||
      g_ascii_strcasecmp (str, "gcj-02") == 0) {
    *out = CE_CRS_GCJ02;
    return TRUE;
  }
  if (g_ascii_strcasecmp (str, "bd09") == 0 ||
      g_ascii_strcasecmp (str, "bd-09") == 0) {
    *out = CE_CRS_BD09;
    return TRUE;
  }
  return FALSE;
}

const char *
ce_crs_to_string (CeCrs crs)
{
  switch (crs) {
    case CE_CRS_GCJ02:
      return "gcj02";
    case CE_CRS_BD09:
      return "bd09";
    case CE_CRS_WGS84:
    default:
      return "wgs84";
  }
}

double
ce_geo_distance_m (double lon1, double lat1, double lon2, double lat2)
{
  double dlat = (lat2 - lat1) * DEG;
  double dlon = (lon2 - lon1) * DEG;
  double a = sin (dlat / 2) * sin (dlat / 2) +
      cos (lat1 * DEG) * cos (lat2 * DEG) * sin (dlon / 2) * sin (dlon / 2);

  return 2 * CE_EARTH_RADIUS_M * asin (MIN (1.0, sqrt (a)));
}

double
ce_geo_bearing_deg (double lon1, double lat1, double lon2, double lat2)
{
  double y = sin ((lon2 - lon1) * DEG) * cos (lat2 * DEG);
  double x = cos (lat1 * DEG) * sin (lat2 * DEG) -
      sin (lat1 * DEG) * cos (lat2 * DEG) * cos ((lon2 - lon1) * DEG);
  double b = atan2 (y, x) / DEG;

  return fmod (b + 360.0, 360.0);
}

void
ce_geo_radius_bbox (double lon, double lat, double radius_m, double *min_lon,
    double *min_lat, double *max_lon, double *max_lat)
{
  /* The angular radius, padded by 0.1 % so that float rounding in the
   * R*Tree never excludes a point on the circle. */
  double dlat = radius_m / CE_EARTH_RADIUS_M / DEG * 1.001;
  double coslat = cos (MIN (89.9, fabs (lat) + dlat) * DEG);
  double dlon = dlat / MAX (coslat, 1e-6);

  *min_lat = MAX (-90.0, lat - dlat);
  *max_lat = MIN (90.0, lat + dlat);
  if (dlon >= 180.0) {
    *min_lon = -180.0;
    *max_lon = 180.0;
  } else {
    *min_lon = MAX (-180.0, lon - dlon);
    *max_lon = MIN (180.0, lon + dlon);
  }
}

gboolean
ce_geo_point_in_polygon (double lon, double lat, const double *xy, guint n)
{
  gboolean inside = FALSE;

  g_return_val_if_fail (xy != NULL || n == 0, FALSE);

  for (guint i = 0, j = n - 1; i < n; j = i++) {
    double xi = xy[2 * i], yi = xy[2 * i + 1];
    double xj = xy[2 * j], yj = xy[2 * j + 1];

    if (((yi > lat) != (yj > lat)) &&
        (lon < (xj - xi) * (lat - yi) / (yj - yi) + xi))
      inside = !inside;
  }
  return inside;
}

gboolean
ce_geo_in_china (double lon, double lat)
{
  return lon > 73.66 && lon < 135.05 && lat > 3.86 && lat < 53.55;
}

/* Krasovsky 1940, as used by GCJ-02. */
static const double kr_a = 6378245.0;
static const double kr_ee = 0.00669342162296594323;

static double
transform_lat (double x, double y)
{
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y +
      0.2 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * M_PI) + 20.0 * sin (2.0 * x * M_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (y * M_PI) + 40.0 * sin (y / 3.0 * M_PI)) * 2.0 / 3.0;
  r +=
      (160.0 * sin (y / 12.0 * M_PI) + 320 * sin (y * M_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

static double
transform_lon (double x, double y)
{
  double r =
      300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * M_PI) + 20.0 * sin (2.0 * x * M_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (x * M_PI) + 40.0 * sin (x / 3.0 * M_PI)) * 2.0 / 3.0;
  r += (150.0 * sin (x / 12.0 * M_PI) + 300.0 * sin (x / 30.0 * M_PI)) * 2.0 /
      3.0;
  return r;
}

static void
wgs84_to_gcj02 (double lon, double lat, double *out_lon, double *out_lat)
{
  double dlat, dlon, radlat, magic, sqrtmagic;

  if (!ce_geo_in_china (lon, lat)) {
    *out_lon = lon;
    *out_lat = lat;
    return;
  }
  dlat = transform_lat (lon - 105.0, lat - 35.0);
  dlon = transform_lon (lon - 105.0, lat - 35.0);
  radlat = lat * DEG;
  magic = sin (radlat);
  magic = 1 - kr_ee * magic * magic;
  sqrtmagic = sqrt (magic);
  dlat = (dlat * 180.0) / ((kr_a * (1 - kr_ee)) / (magic * sqrtmagic) * M_PI);
  dlon = (dlon * 180.0) / (kr_a / sqrtmagic * cos (radlat) * M_PI);
  *out_lat = lat + dlat;
  *out_lon = lon + dlon;
}

/* The inverse has no closed form: iterate the forward transform (as gcoord
 * does) until the error is far below a centimetre. */
static void
gcj02_to_wgs84 (double lon, double lat, double *out_lon, double *out_lat)
{
  double wlon = lon, wlat = lat;

  if (!ce_geo_in_china (lon, lat)) {
    *out_lon = lon;
    *out_lat = lat;
    return;
  }
  for (int i = 0; i < 30; i++) {
    double glon, glat, dlon, dlat;

    wgs84_to_gcj02 (wlon, wlat, &glon, &glat);
    dlon = glon - lon;
    dlat = glat - lat;
    wlon -= dlon;
    wlat -= dlat;
    if (fabs (dlon) < 1e-9 && fabs (dlat) < 1e-9)
      break;
  }
  *out_lon = wlon;
  *out_lat = wlat;
}

static const double x_pi = M_PI * 3000.0 / 180.0;

static void
gcj02_to_bd09 (double lon, double lat, double *out_lon, double *out_lat)
{
  double z = sqrt (lon * lon + lat * lat) + 0.00002 * sin (lat * x_pi);
  double theta = atan2 (lat, lon) + 0.000003 * cos (lon * x_pi);

  *out_lon = z * cos (theta) + 0.0065;
  *out_lat = z * sin (theta) + 0.006;
}

static void
bd09_to_gcj02 (double lon, double lat, double *out_lon, double *out_lat)
{
  double x = lon - 0.0065, y = lat - 0.006;
  double z = sqrt (x * x + y * y) - 0.00002 * sin (y * x_pi);
  double theta = atan2 (y, x) - 0.000003 * cos (x * x_pi);

  *out_lon = z * cos (theta);
  *out_lat = z * sin (theta);
}

void
ce_geo_convert (CeCrs from, CeCrs to, double lon, double lat, double *out_lon,
    double *out_lat)
{
  double glon, glat;

  if (from == to || isnan (lon) || isnan (lat)) {
    *out_lon = lon;
    *out_lat = lat;
    return;
  }
  /* Go through GCJ-02, the hub between the other two. */
  switch (from) {
    case CE_CRS_WGS84:
      wgs84_to_gcj02 (lon, lat, &glon, &glat);
      break;
    case CE_CRS_BD09:
      bd09_to_gcj02 (lon, lat, &glon, &glat);
      break;
    case CE_CRS_GCJ02:
    default:
      glon = lon;
      glat = lat;
      break;
  }
  switch (to) {
    case CE_CRS_WGS84:
      gcj02_to_wgs84 (glon, glat, out_lon, out_lat);
      break;
    case CE_CRS_BD09:
      gcj02_to_bd09 (glon, glat, out_lon, out_lat);
      break;
    case CE_CRS_GCJ02:
    default:
      *out_lon = glon;
      *out_lat = glat;
      break;
  }
}

gboolean
ce_geo_validate (double lon, double lat, GError **error)
{
  if (!isfinite (lon) || lon < -180.0 || lon > 180.0) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "lon: %g is outside -180…180 degrees", lon);
    return FALSE;
  }
  if (!isfinite (lat) || lat < -90.0 || lat > 90.0) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "lat: %g is outside -90…90 degrees", lat);
    return FALSE;
  }
  if (lon == 0.0 && lat == 0.0) {
    g_set_error_literal (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "lon/lat: (0, 0) is a placeholder, not a camera position");
    return FALSE;
  }
  return TRUE;
}
