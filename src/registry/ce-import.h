/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Parsers of outside inventory files (CSV, GB/T 28181 Catalog XML, GeoJSON).
 * They turn bytes into CeCamera records and say where each record came
 * from; they do not validate fields beyond what the format demands, convert
 * coordinates or touch the database: the import driver (ce-registry-import.h)
 * does that.
 */
#pragma once

#include <gio/gio.h>

#include "ce-camera.h"
#include "ce-format.h"

G_BEGIN_DECLS

#define CE_IMPORT_ERROR (ce_import_error_quark ())
GQuark ce_import_error_quark (void);

typedef enum
{
  CE_IMPORT_ERROR_SYNTAX,   /* the file is not well formed */
  CE_IMPORT_ERROR_ENCODING, /* bytes not valid in the declared encoding */
  CE_IMPORT_ERROR_REFUSED,  /* DTD/entities, oversize input, nesting … */
  CE_IMPORT_ERROR_HEADER,   /* CSV header missing or unknown columns */
  CE_IMPORT_ERROR_IO,
} CeImportError;

/**
 * CeRecordFunc:
 * @camera: (transfer full) (nullable): the record, or %NULL when it could
 *   not be turned into a camera at all
 * @where: "line 12" (CSV, the physical line the record starts on),
 *   "item 7" or "document 2 item 7" (catalog), "feature 3" (GeoJSON)
 * @problem: (nullable): why @camera is %NULL, or a field-level problem
 *   found while parsing (e.g. "lon: “abc” is not a number"); when set the
 *   record must be rejected
 * Returns: FALSE (with @error set) to abort the whole parse.
 */
typedef gboolean (*CeRecordFunc) (CeCamera *camera, const char *where,
    const char *problem, gpointer user_data, GError **error);

/* An item skipped on purpose (a 业务分组 in a catalog, say), for the
 * report. */
typedef void (
    *CeNoteFunc) (const char *where, const char *note, gpointer user_data);

/* Called now and then with the number of input bytes consumed so far. */
typedef void (*CeProgressFunc) (goffset bytes_read, gpointer user_data);

typedef struct
{
  CeFormat format;      /* never AUTO here: the caller decides */
  const char *encoding; /* NULL: detect (BOM / XML declaration / UTF-8
                         * validity, else GB18030); "utf-8", "gb18030",
                         * "gbk", "gb2312" */
  CeRecordFunc record;
  CeNoteFunc note;         /* nullable */
  CeProgressFunc progress; /* nullable */
  gpointer user_data;
} CeImportParser;

/* Hard limits that keep hostile input bounded in time and memory. */
#define CE_IMPORT_MAX_FIELD_BYTES (64 * 1024)
#define CE_IMPORT_MAX_RECORD_BYTES (1024 * 1024)
#define CE_IMPORT_MAX_XML_DEPTH 64
#define CE_IMPORT_MAX_GEOJSON_BYTES ((gsize) 1 << 30)

/**
 * ce_import_parse:
 * Reads @in to the end and calls @parser->record for every record.
 * Fields absent from the input are left as ce_camera_new() makes them
 * (strings NULL, source CE_SOURCE_NONE, lon/lat/azimuth NAN, secrecy 0,
 * status unknown).  On a fatal error (malformed file, refused XML,
 * unknown CSV column, I/O) FALSE is returned with @error set; the message
 * says where ("line 3: …").
 */
gboolean ce_import_parse (GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GError **error);

/* The documented CSV header, in export order. */
extern const char *const ce_csv_columns[];

G_END_DECLS
