/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The strict JSON lexis check that guards json-glib (src/common).
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "ce-json-check.h"

typedef struct
{
  const char *text;
  CeJsonCheck result;
  gsize object_len; /* expected cut length on OK, 0 = whole text */
} Case;

static const Case cases[] = {
    {"{}", CE_JSON_CHECK_OK, 0},
    {"  {\"a\": [1, -2.5e3, true, false, null]}\n", CE_JSON_CHECK_OK, 39},
    {"{\"s\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"}", CE_JSON_CHECK_OK,
        0},
    {"{\"名\": \"顾村镇\"}", CE_JSON_CHECK_OK, 0},
    {"{\"a\": 1", CE_JSON_CHECK_OK, 0}, /* unclosed: json-glib says so */
    {"", CE_JSON_CHECK_EMPTY, 0},
    {" \n\t", CE_JSON_CHECK_EMPTY, 0},
    {"[1]", CE_JSON_CHECK_NOT_OBJECT, 0},
    {"0{}", CE_JSON_CHECK_NOT_OBJECT, 0},
    {"{}{}", CE_JSON_CHECK_TRAILING, 0},
    {"{} x", CE_JSON_CHECK_TRAILING, 0},
    {"{\"a\": 1 /* c */}", CE_JSON_CHECK_BAD_CHAR, 0},
    {"{\"a\": 1 # c\n}", CE_JSON_CHECK_BAD_CHAR, 0},
    {"{'a': 1}", CE_JSON_CHECK_BAD_CHAR, 0},
    {"{\"a\": \"x\ny\"}", CE_JSON_CHECK_CONTROL, 0},
    {"{\"a\": \"\\x41\"}", CE_JSON_CHECK_BAD_ESCAPE, 0},
    {"{\"a\": \"\\u16\"}", CE_JSON_CHECK_BAD_ESCAPE, 0},
    {"{\"a\": \"\\", CE_JSON_CHECK_BAD_ESCAPE, 0},
    /* found by fuzz-camera-info: json-glib took "\u16"" for one escape and
     * leaked the second object */
    {"{\"name\":\"a\\u16\"x\"}{\"name\":\"aunx\"}", CE_JSON_CHECK_BAD_ESCAPE,
        0},
    {"{\"a\": \"\\uD83D\\uDE00\"}", CE_JSON_CHECK_OK, 0},
    /* found by fuzz-camera-info: json-glib leaks on lone surrogates */
    {"{\"name\":\"A\\uDDDA\\uDDDDD\"}", CE_JSON_CHECK_BAD_ESCAPE, 0},
    {"{\"a\": \"\\uD83D\"}", CE_JSON_CHECK_BAD_ESCAPE, 0},
    {"{\"a\": \"\\uD83Dx\\uDE00\"}", CE_JSON_CHECK_BAD_ESCAPE, 0},
    /* found by fuzz-api-json: comments */
    {"{\"\"/{o/:\"\"}{\"\"/{o/:\"\"}", CE_JSON_CHECK_BAD_CHAR, 0},
};

static void
test_cases (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    const Case *c = &cases[i];
    gsize len = strlen (c->text);
    CeJsonCheck r = ce_json_check_object (c->text, &len, NULL);

    g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, c->text);
    g_assert_cmpint (r, ==, c->result);
    if (r == CE_JSON_CHECK_OK)
      g_assert_cmpuint (len, ==,
          c->object_len != 0 ? c->object_len : strlen (c->text));
    g_assert_nonnull (ce_json_check_describe (r));
  }
}

/* What passes the check, json-glib parses as exactly that object. */
static void
test_accepted_parse (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    gsize len = strlen (cases[i].text);
    g_autoptr (JsonParser) parser = json_parser_new_immutable ();

    if (cases[i].result != CE_JSON_CHECK_OK ||
        ce_json_check_object (cases[i].text, &len, NULL) != CE_JSON_CHECK_OK ||
        strchr (cases[i].text, '}') == NULL)
      continue;
    g_assert_true (
        json_parser_load_from_data (parser, cases[i].text, (gssize) len, NULL));
    g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  }
}

static void
test_line (void)
{
  const char *text = "{\n\"a\": 1,\n\"b\": /x/\n}";
  gsize len = strlen (text);
  guint64 line = 0;

  g_assert_cmpint (ce_json_check_object (text, &len, &line), ==,
      CE_JSON_CHECK_BAD_CHAR);
  g_assert_cmpuint (line, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-check/cases", test_cases);
  g_test_add_func ("/json-check/accepted-parse", test_accepted_parse);
  g_test_add_func ("/json-check/line", test_line);
  return g_test_run ();
}
