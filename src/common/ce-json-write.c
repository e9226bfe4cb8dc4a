/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * JSON text written directly (for outputs too large for json-glib's
 * builder: exports, the console's map).
 */
#include "ce-json-write.h"

void
ce_json_append_string (GString *s, const char *text)
{
  const char *run = text;
  const char *p = text;

  g_string_append_c (s, '"');
  while (*p != '\0') {
    guchar c = (guchar) *p;
    gsize skip = 1;

    if (c == 0xE2 && (guchar) p[1] == 0x80 &&
        ((guchar) p[2] == 0xA8 || (guchar) p[2] == 0xA9)) {
      g_string_append_len (s, run, p - run);
      g_string_append (s, (guchar) p[2] == 0xA8 ? "\\u2028" : "\\u2029");
      skip = 3;
    } else if (c == '"' || c == '\\') {
      g_string_append_len (s, run, p - run);
      g_string_append_c (s, '\\');
      g_string_append_c (s, c);
    } else if (c < 0x20) {
      g_string_append_len (s, run, p - run);
      switch (c) {
        case '\b':
          g_string_append (s, "\\b");
          break;
        case '\f':
          g_string_append (s, "\\f");
          break;
        case '\n':
          g_string_append (s, "\\n");
          break;
        case '\r':
          g_string_append (s, "\\r");
          break;
        case '\t':
          g_string_append (s, "\\t");
          break;
        default:
          g_string_append_printf (s, "\\u%04x", c);
          break;
      }
    } else {
      p++;
      continue;
    }
    p += skip;
    run = p;
  }
  g_string_append_len (s, run, p - run);
  g_string_append_c (s, '"');
}
