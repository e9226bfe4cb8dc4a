/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * What cityeyeoverlay shows of a camera, read from the gateway's
 * GET /api/v1/cameras/{id} answer.  Pure GLib + json-glib, fuzzed.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Longest text kept of a field (bytes); longer ones are cut at a
 * character boundary. */
#define CE_CAMERA_INFO_MAX_TEXT 256
/* Largest answer read. */
#define CE_CAMERA_INFO_MAX_SIZE (64 * 1024)

typedef struct
{
  char *name;      /* nullable */
  char *street;    /* nullable */
  double lon, lat; /* WGS-84; both 0 when absent */
} CeCameraInfo;

void ce_camera_info_clear (CeCameraInfo *info);

/**
 * ce_camera_info_parse:
 * @json: the answer body (need not end with NUL)
 * @crs: (out): cleared first; free with ce_camera_info_clear()
 * Takes "name", "street", "lon", "lat" of a JSON object; a position is
 * taken only when both are numbers in range and the object's "crs" is
 * absent or "wgs84".  Text is valid UTF-8 without control characters.
 * Returns: FALSE with @error (G_IO_ERROR_INVALID_DATA) when the body is
 * not a JSON object or is too large.
 */
gboolean ce_camera_info_parse (const char *json, gsize size, CeCameraInfo *out,
    GError **error);

G_END_DECLS
