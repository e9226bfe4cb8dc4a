/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A lexical check of JSON text from outside, run before json-glib sees it.
 *
 * json-glib 1.6 (Debian 12) parses with GScanner: it accepts several
 * top-level values ("{…}{…}") and leaks all but the first, reads C and "#"
 * comments, and reads string escapes its own way ("\u16" eats the quote
 * after it).  Wherever its idea of where a string ends differs from JSON's,
 * a second object can hide behind the first and leak.  So the text must be
 * one object in strict JSON lexis: outside strings only blanks,
 * structural characters, numbers and the letters of true/false/null;
 * inside strings no raw control characters and only JSON's escapes.
 * Grammar (a missing colon, an unclosed object) is left to json-glib.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CE_JSON_CHECK_OK,
  CE_JSON_CHECK_EMPTY,      /* nothing but blanks */
  CE_JSON_CHECK_NOT_OBJECT, /* the first value does not start with "{" */
  CE_JSON_CHECK_BAD_CHAR,   /* a character JSON has not outside strings */
  CE_JSON_CHECK_CONTROL,    /* a raw control character inside a string */
  CE_JSON_CHECK_BAD_ESCAPE, /* "\" not followed by a JSON escape */
  CE_JSON_CHECK_TRAILING,   /* more than blanks after the object */
} CeJsonCheck;

/* Checks @text (@len bytes, UTF-8 already checked by the caller).  On
 * CE_JSON_CHECK_OK, @len is cut to the object when it is closed (an
 * unclosed one is left whole: json-glib reports it).  @line (nullable)
 * gets the 1-based line of the problem, or of the end. */
CeJsonCheck ce_json_check_object (const char *text, gsize *len, guint64 *line);

/* A short English phrase for @result, e.g. "content after the end of the
 * JSON object". */
const char *ce_json_check_describe (CeJsonCheck result);

G_END_DECLS
