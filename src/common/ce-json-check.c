/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Strict JSON lexis before json-glib (see ce-json-check.h).
 */
#include "ce-json-check.h"

#include <string.h>

/* Outside strings: what JSON has there (structure, numbers, literals). */
static gboolean
allowed_outside (char c)
{
  return g_ascii_isspace (c) || g_ascii_isalnum (c) ||
      (c != '\0' && strchr ("{}[],:-+.", c) != NULL);
}

/* The code unit of a "uXXXX" escape at @p, or -1. */
static gint
unicode_escape (const char *p, const char *end)
{
  gint unit = 0;

  if (end - p < 5 || *p != 'u')
    return -1;
  for (int i = 1; i <= 4; i++) {
    if (!g_ascii_isxdigit (p[i]))
      return -1;
    unit = unit * 16 + g_ascii_xdigit_value (p[i]);
  }
  return unit;
}

/* The length of the escape at @p (just after the backslash), or 0.  A
 * UTF-16 surrogate must come in a pair ("\uD83D\uDE00"): json-glib leaks
 * on lone ones. */
static gsize
escape_length (const char *p, const char *end)
{
  gint unit, low;

  if (p == end)
    return 0;
  if (*p != '\0' && strchr ("\"\\/bfnrt", *p) != NULL)
    return 1;
  unit = unicode_escape (p, end);
  if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
    return 0;
  if (unit < 0xD800 || unit > 0xDBFF)
    return 5;
  if (end - p < 7 || p[5] != '\\')
    return 0;
  low = unicode_escape (p + 6, end);
  return low >= 0xDC00 && low <= 0xDFFF ? 11 : 0;
}

CeJsonCheck
ce_json_check_object (const char *text, gsize *len, guint64 *line)
{
  const char *p = text, *end = text + *len;
  guint64 lines = 1;
  gsize depth = 0;
  gboolean in_string = FALSE;
  CeJsonCheck result = CE_JSON_CHECK_OK;

  for (; p < end && g_ascii_isspace (*p); p++)
    lines += *p == '\n';
  if (p == end) {
    result = CE_JSON_CHECK_EMPTY;
    goto out;
  }
  if (*p != '{') {
    result = CE_JSON_CHECK_NOT_OBJECT;
    goto out;
  }
  for (; p < end; p++) {
    if (in_string) {
      if ((guchar) *p < 0x20) {
        result = CE_JSON_CHECK_CONTROL;
        goto out;
      } else if (*p == '\\') {
        gsize n = escape_length (p + 1, end);

        if (n == 0) {
          result = CE_JSON_CHECK_BAD_ESCAPE;
          goto out;
        }
        p += n;
      } else if (*p == '"') {
        in_string = FALSE;
      }
    } else if (*p == '"') {
      in_string = TRUE;
    } else if (!allowed_outside (*p)) {
      result = CE_JSON_CHECK_BAD_CHAR;
      goto out;
    } else if (*p == '\n') {
      lines++;
    } else if (*p == '{' || *p == '[') {
      depth++;
    } else if ((*p == '}' || *p == ']') && --depth == 0) {
      break;
    }
  }
  if (p == end)
    goto out; /* not closed: json-glib says so */
  *len = (gsize) (++p - text);
  for (; p < end && g_ascii_isspace (*p); p++)
    lines += *p == '\n';
  if (p < end)
    result = CE_JSON_CHECK_TRAILING;

out:
  if (line != NULL)
    *line = lines;
  return result;
}

const char *
ce_json_check_describe (CeJsonCheck result)
{
  switch (result) {
    case CE_JSON_CHECK_OK:
      return "valid";
    case CE_JSON_CHECK_EMPTY:
      return "empty";
    case CE_JSON_CHECK_NOT_OBJECT:
      return "not a JSON object (an object starts with “{”)";
    case CE_JSON_CHECK_BAD_CHAR:
      return "not JSON (a character JSON does not allow outside strings, "
             "such as a comment or a quote other than “\"”)";
    case CE_JSON_CHECK_CONTROL:
      return "not JSON (a control character inside a string: escape it)";
    case CE_JSON_CHECK_BAD_ESCAPE:
      return "not JSON (a “\\” escape JSON does not have)";
    case CE_JSON_CHECK_TRAILING:
      return "content after the end of the JSON object";
  }
  return "not JSON";
}
