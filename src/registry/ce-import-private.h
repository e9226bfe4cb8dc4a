/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Shared between the inventory parsers; not for other modules.
 */
#pragma once

#include "ce-import.h"

G_BEGIN_DECLS

gboolean ce_import_csv_parse (GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GError **error);
gboolean ce_import_catalog_parse (GInputStream *in,
    const CeImportParser *parser, GCancellable *cancellable, GError **error);
gboolean ce_import_geojson_parse (GInputStream *in,
    const CeImportParser *parser, GCancellable *cancellable, GError **error);

/* Canonical name for iconv of a user-given encoding ("gbk" → "GBK",
 * "gb2312" → "GB18030" since GB18030 is a superset), or NULL when it is not
 * one cityeye accepts. */
const char *ce_import_canonical_encoding (const char *encoding);

/* A value for a problem message: at most 48 bytes, cut at a character
 * boundary (@value is valid UTF-8), "…" when cut. */
char *ce_import_shown (const char *value);

/* Appends a problem to a row's list ("; " between them). */
void ce_import_add_problem (GString **problems, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

/* A whole string as a finite number (C locale); FALSE otherwise. */
gboolean ce_import_parse_double (const char *value, double *out);

G_END_DECLS
