/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Entry point of the inventory parsers: picks the parser for the format.
 */
#include "ce-import.h"
#include "ce-import-private.h"

#include <errno.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (cityeye_import_error, ce_import_error)

const char *const ce_csv_columns[] = {"id", "name", "source", "street",
    "civil_code", "address", "lon", "lat", "rtsp_url", "rtsp_url_sub",
    "username", "password", "secrecy", "ptz_type", "azimuth", "tags", "status",
    NULL};

#define SHOWN_BYTES 48

char *
ce_import_shown (const char *value)
{
  gsize len = strlen (value);
  const char *cut;

  if (len <= SHOWN_BYTES)
    return g_strdup (value);
  cut = g_utf8_find_prev_char (value, value + SHOWN_BYTES + 1);
  return g_strdup_printf ("%.*s…", (int) (cut - value), value);
}

void
ce_import_add_problem (GString **problems, const char *format, ...)
{
  va_list args;

  if (*problems == NULL)
    *problems = g_string_new (NULL);
  else
    g_string_append (*problems, "; ");
  va_start (args, format);
  g_string_append_vprintf (*problems, format, args);
  va_end (args);
}

gboolean
ce_import_parse_double (const char *value, double *out)
{
  char *end;
  double v;

  errno = 0;
  v = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || errno == ERANGE || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

const char *
ce_import_canonical_encoding (const char *encoding)
{
  if (encoding == NULL)
    return NULL;
  if (g_ascii_strcasecmp (encoding, "utf-8") == 0 ||
      g_ascii_strcasecmp (encoding, "utf8") == 0)
    return "UTF-8";
  /* GB2312 and GBK are subsets of GB18030; decoding with the superset
   * accepts files that claim the smaller set but use a few more
   * characters, which is what devices in the field do. */
  if (g_ascii_strcasecmp (encoding, "gb18030") == 0 ||
      g_ascii_strcasecmp (encoding, "gbk") == 0 ||
      g_ascii_strcasecmp (encoding, "gb2312") == 0 ||
      g_ascii_strcasecmp (encoding, "cp936") == 0)
    return "GB18030";
  return NULL;
}

gboolean
ce_import_parse (GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (G_IS_INPUT_STREAM (in), FALSE);
  g_return_val_if_fail (parser != NULL && parser->record != NULL, FALSE);

  if (parser->encoding != NULL &&
      ce_import_canonical_encoding (parser->encoding) == NULL) {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING,
        "Unsupported encoding “%s” (use utf-8, gb18030, gbk or gb2312)",
        parser->encoding);
    return FALSE;
  }
  switch (parser->format) {
    case CE_FORMAT_CSV:
      return ce_import_csv_parse (in, parser, cancellable, error);
    case CE_FORMAT_CATALOG:
      return ce_import_catalog_parse (in, parser, cancellable, error);
    case CE_FORMAT_GEOJSON:
      return ce_import_geojson_parse (in, parser, cancellable, error);
    case CE_FORMAT_KML:
      g_set_error_literal (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
          "KML is an export format only; import CSV, catalog XML or GeoJSON");
      return FALSE;
    case CE_FORMAT_AUTO:
    default:
      g_return_val_if_reached (FALSE);
  }
}
