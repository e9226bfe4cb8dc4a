/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * JSON text written directly into a GString, for outputs too large for
 * json-glib's builder (the GeoJSON export, the console's map columns).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends @text (UTF-8) as a JSON string with its quotes: '"' and '\\'
 * escaped, control characters as JSON demands, U+2028 and U+2029 too
 * (they end lines in JavaScript source). */
void ce_json_append_string (GString *s, const char *text);

G_END_DECLS
