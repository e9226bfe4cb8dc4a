/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Names of the inventory formats, and guessing one from a file.
 */
#include "ce-format.h"

#include <string.h>

gboolean
ce_format_from_string (const char *str, CeFormat *out)
{
  static const struct
  {
    const char *name;
    CeFormat format;
  } names[] = {
      {"csv", CE_FORMAT_CSV},
      {"catalog", CE_FORMAT_CATALOG},
      {"xml", CE_FORMAT_CATALOG},
      {"gb28181", CE_FORMAT_CATALOG},
      {"geojson", CE_FORMAT_GEOJSON},
      {"json", CE_FORMAT_GEOJSON},
      {"kml", CE_FORMAT_KML},
  };

  if (str == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++) {
    if (g_ascii_strcasecmp (str, names[i].name) == 0) {
      *out = names[i].format;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
ce_format_to_string (CeFormat format)
{
  switch (format) {
    case CE_FORMAT_CSV:
      return "csv";
    case CE_FORMAT_CATALOG:
      return "catalog";
    case CE_FORMAT_GEOJSON:
      return "geojson";
    case CE_FORMAT_KML:
      return "kml";
    case CE_FORMAT_AUTO:
    default:
      return "auto";
  }
}

CeFormat
ce_format_from_filename (const char *filename)
{
  const char *dot;

  if (filename == NULL)
    return CE_FORMAT_AUTO;
  dot = strrchr (filename, '.');
  if (dot == NULL || strchr (dot, '/') != NULL)
    return CE_FORMAT_AUTO;
  if (g_ascii_strcasecmp (dot, ".csv") == 0)
    return CE_FORMAT_CSV;
  if (g_ascii_strcasecmp (dot, ".xml") == 0)
    return CE_FORMAT_CATALOG;
  if (g_ascii_strcasecmp (dot, ".geojson") == 0 ||
      g_ascii_strcasecmp (dot, ".json") == 0)
    return CE_FORMAT_GEOJSON;
  if (g_ascii_strcasecmp (dot, ".kml") == 0)
    return CE_FORMAT_KML;
  return CE_FORMAT_AUTO;
}

CeFormat
ce_format_sniff (const guint8 *data, gsize len)
{
  gsize i = 0;

  if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
    i = 3;
  while (i < len &&
      (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
    i++;
  if (i < len && data[i] == '<')
    return CE_FORMAT_CATALOG;
  if (i < len && (data[i] == '{' || data[i] == '['))
    return CE_FORMAT_GEOJSON;
  return CE_FORMAT_CSV;
}
