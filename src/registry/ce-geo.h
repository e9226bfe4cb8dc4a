/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Geodesy for the registry: great-circle distance, point in polygon, and the
 * WGS-84 / GCJ-02 / BD-09 conversions used by Chinese map front ends.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CE_CRS_WGS84 = 0,
  CE_CRS_GCJ02 = 1,
  CE_CRS_BD09 = 2,
} CeCrs;

/* "wgs84", "gcj02", "bd09" (case-insensitive). */
gboolean ce_crs_from_string (const char *str, CeCrs *out);
const char *ce_crs_to_string (CeCrs crs);

/* Mean Earth radius used for every distance (IUGG), metres. */
#define CE_EARTH_RADIUS_M 6371008.8

/* Haversine great-circle distance in metres between two WGS-84 points. */
double ce_geo_distance_m (double lon1, double lat1, double lon2, double lat2);

/* Initial bearing from point 1 to point 2, degrees clockwise from north
 * in [0, 360). */
double ce_geo_bearing_deg (double lon1, double lat1, double lon2, double lat2);

/* A box that contains every point within @radius_m of (lon, lat). */
void ce_geo_radius_bbox (double lon, double lat, double radius_m,
    double *min_lon, double *min_lat, double *max_lon, double *max_lat);

/* Even-odd rule; @xy holds @n (lon, lat) pairs, the ring need not be
 * closed. */
gboolean ce_geo_point_in_polygon (double lon, double lat, const double *xy,
    guint n);

/* TRUE when the point is inside the area the GCJ-02 offset applies to. */
gboolean ce_geo_in_china (double lon, double lat);

/* Conversions between the three systems.  Outside China the GCJ-02 offset
 * is the identity, as in the published formulas.  GCJ-02 → WGS-84 is solved
 * iteratively to better than 1e-7°. */
void ce_geo_convert (CeCrs from, CeCrs to, double lon, double lat,
    double *out_lon, double *out_lat);

/* Validates WGS-84-range coordinates: finite, |lon| ≤ 180, |lat| ≤ 90, and
 * not (0, 0) (the usual "no position" placeholder).  On error, FALSE with a
 * message naming the value. */
gboolean ce_geo_validate (double lon, double lat, GError **error);

G_END_DECLS
