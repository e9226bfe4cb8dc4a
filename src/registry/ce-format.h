/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The inventory file formats cityeye reads and writes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CE_FORMAT_AUTO = 0,
  CE_FORMAT_CSV,
  CE_FORMAT_CATALOG, /* GB/T 28181 MANSCDP Catalog XML */
  CE_FORMAT_GEOJSON,
  CE_FORMAT_KML, /* export only */
} CeFormat;

/* "csv", "catalog" (also "xml", "gb28181"), "geojson" (also "json"),
 * "kml". */
gboolean ce_format_from_string (const char *str, CeFormat *out);
const char *ce_format_to_string (CeFormat format);

/* Guesses from a file name's extension (.csv, .xml, .geojson/.json, .kml);
 * CE_FORMAT_AUTO when unknown. */
CeFormat ce_format_from_filename (const char *filename);

/* Guesses from the first bytes of a file: '<' → catalog, '{' → GeoJSON,
 * anything else → CSV.  A UTF-8 BOM is skipped. */
CeFormat ce_format_sniff (const guint8 *data, gsize len);

G_END_DECLS
