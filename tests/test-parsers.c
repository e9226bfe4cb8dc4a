/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Tests of the inventory parsers: CSV, GB/T 28181 Catalog XML, GeoJSON.
 */
#include "ce-import.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

/* What one parse handed to the callbacks. */
typedef struct
{
  GPtrArray *cameras;  /* CeCamera *, NULL entries for NULL records */
  GPtrArray *wheres;   /* char * */
  GPtrArray *problems; /* char *, NULL when none */
  GPtrArray *notes;    /* "where: note" */
  goffset progress;
  guint progress_calls;
  guint abort_after; /* 0: never */
} Result;

static Result *
result_new (void)
{
  Result *r = g_new0 (Result, 1);

  r->cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  r->wheres = g_ptr_array_new_with_free_func (g_free);
  r->problems = g_ptr_array_new_with_free_func (g_free);
  r->notes = g_ptr_array_new_with_free_func (g_free);
  return r;
}

static void
result_free (Result *r)
{
  g_ptr_array_unref (r->cameras);
  g_ptr_array_unref (r->wheres);
  g_ptr_array_unref (r->problems);
  g_ptr_array_unref (r->notes);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static gboolean
on_record (CeCamera *camera, const char *where, const char *problem,
    gpointer user_data, GError **error)
{
  Result *r = user_data;

  g_assert_nonnull (where);
  g_assert_true (camera != NULL || problem != NULL);
  g_ptr_array_add (r->cameras, camera);
  g_ptr_array_add (r->wheres, g_strdup (where));
  g_ptr_array_add (r->problems, g_strdup (problem));
  if (r->abort_after > 0 && r->cameras->len >= r->abort_after) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Stop here");
    return FALSE;
  }
  return TRUE;
}

static void
on_note (const char *where, const char *note, gpointer user_data)
{
  Result *r = user_data;

  g_ptr_array_add (r->notes, g_strdup_printf ("%s: %s", where, note));
}

static void
on_progress (goffset bytes_read, gpointer user_data)
{
  Result *r = user_data;

  g_assert_cmpint (bytes_read, >=, r->progress);
  r->progress = bytes_read;
  r->progress_calls++;
}

static gboolean
parse_stream (CeFormat format, GInputStream *in, const char *encoding,
    GCancellable *cancellable, Result *r, GError **error)
{
  CeImportParser parser = {
      .format = format,
      .encoding = encoding,
      .record = on_record,
      .note = on_note,
      .progress = on_progress,
      .user_data = r,
  };

  return ce_import_parse (in, &parser, cancellable, error);
}

static gboolean
parse_bytes (CeFormat format, const char *data, gssize len,
    const char *encoding, Result *r, GError **error)
{
  g_autoptr (GInputStream) in = NULL;

  if (len < 0)
    len = strlen (data);
  in = g_memory_input_stream_new_from_data (data, len, NULL);
  return parse_stream (format, in, encoding, NULL, r, error);
}

/* Path of a committed sample, or NULL (and the test skipped) when it is not
 * there. */
static char *
sample_path (const char *name)
{
  const char *root = g_getenv ("CE_SOURCE_ROOT");
  g_autofree char *path = NULL;

  if (root == NULL) {
    g_test_skip ("CE_SOURCE_ROOT is not set");
    return NULL;
  }
  path = g_build_filename (root, "samples", "data", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_autofree char *msg = g_strdup_printf ("%s is missing", path);

    g_test_skip (msg);
    return NULL;
  }
  return g_steal_pointer (&path);
}

static gboolean
parse_sample (CeFormat format, const char *path, const char *encoding,
    Result *r, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, error);

  if (in == NULL)
    return FALSE;
  return parse_stream (format, G_INPUT_STREAM (in), encoding, NULL, r, error);
}

static CeCamera *
camera_at (Result *r, guint i)
{
  g_assert_cmpuint (i, <, r->cameras->len);
  return r->cameras->pdata[i];
}

static const char *
where_at (Result *r, guint i)
{
  g_assert_cmpuint (i, <, r->wheres->len);
  return r->wheres->pdata[i];
}

static const char *
problem_at (Result *r, guint i)
{
  g_assert_cmpuint (i, <, r->problems->len);
  return r->problems->pdata[i];
}

/* Index of the record with @id, or -1. */
static int
find_id (Result *r, const char *id)
{
  for (guint i = 0; i < r->cameras->len; i++) {
    CeCamera *c = r->cameras->pdata[i];

    if (c != NULL && g_strcmp0 (c->id, id) == 0)
      return (int) i;
  }
  return -1;
}

static void
assert_contains_ci (const char *haystack, const char *needle)
{
  g_autofree char *h = NULL;
  g_autofree char *n = NULL;

  g_assert_nonnull (haystack);
  h = g_utf8_casefold (haystack, -1);
  n = g_utf8_casefold (needle, -1);
  if (strstr (h, n) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

static void
assert_no_problems (Result *r)
{
  for (guint i = 0; i < r->problems->len; i++)
    if (r->problems->pdata[i] != NULL)
      g_error ("%s: unexpected problem: %s", where_at (r, i),
          problem_at (r, i));
}

static char *
to_gbk (const char *utf8)
{
  g_autoptr (GError) error = NULL;
  char *out = g_convert (utf8, -1, "GBK", "UTF-8", NULL, NULL, &error);

  g_assert_no_error (error);
  return out;
}

/* CSV */

static const char csv_quoting[] =
    "id,name,address,tags\n"
    "31011300001320000001,\"沪太路, 菊太路口\",\"a \"\"quoted\"\" word\","
    "\"路口,治安\"\n"
    "31011300001320000002,\"two\nlines\",\"crlf\r\ninside\",x\n"
    "31011300001320000003,plain,,\n";

static void
test_csv_quoting (void)
{
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  g_assert_true (parse_bytes (CE_FORMAT_CSV, csv_quoting, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 3);
  assert_no_problems (r);

  c = camera_at (r, 0);
  g_assert_cmpstr (where_at (r, 0), ==, "line 2");
  g_assert_cmpstr (c->id, ==, "31011300001320000001");
  g_assert_cmpstr (c->name, ==, "沪太路, 菊太路口");
  g_assert_cmpstr (c->address, ==, "a \"quoted\" word");
  g_assert_cmpstr (c->tags, ==, "路口,治安");

  c = camera_at (r, 1);
  g_assert_cmpstr (where_at (r, 1), ==, "line 3");
  g_assert_cmpstr (c->name, ==, "two\nlines");
  g_assert_cmpstr (c->address, ==, "crlf\r\ninside");

  /* The embedded newlines count: this record starts on line 6. */
  c = camera_at (r, 2);
  g_assert_cmpstr (where_at (r, 2), ==, "line 6");
  g_assert_cmpstr (c->name, ==, "plain");
  g_assert_null (c->address);
  g_assert_null (c->tags);
  g_assert_null (c->street);
  g_assert_true (isnan (c->lon));
  g_assert_cmpint (c->source, ==, CE_SOURCE_NONE);
}

static void
test_csv_crlf_bom_blank (void)
{
  static const char data[] = "\xEF\xBB\xBFid,name\r\n"
                             "\r\n"
                             "31011300001320000001,a\r\n"
                             ",\r\n"
                             "\r\n"
                             "31011300001320000002,\"b\r\nc\"\r\n"
                             "31011300001320000003,d"; /* no final line break */
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (parse_bytes (CE_FORMAT_CSV, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 3);
  g_assert_cmpstr (where_at (r, 0), ==, "line 3");
  g_assert_cmpstr (camera_at (r, 0)->name, ==, "a");
  g_assert_cmpstr (where_at (r, 1), ==, "line 6");
  g_assert_cmpstr (camera_at (r, 1)->name, ==, "b\r\nc");
  g_assert_cmpstr (where_at (r, 2), ==, "line 8");
  g_assert_cmpstr (camera_at (r, 2)->id, ==, "31011300001320000003");
  g_assert_cmpstr (camera_at (r, 2)->name, ==, "d");
}

static void
test_csv_columns (void)
{
  g_autoptr (GString) data = g_string_new (NULL);
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  /* Every documented column is accepted, in upper case and with blanks. */
  for (guint i = 0; ce_csv_columns[i] != NULL; i++) {
    g_autofree char *upper = g_ascii_strup (ce_csv_columns[i], -1);

    g_string_append_printf (data, "%s %s ", i > 0 ? "," : "", upper);
  }
  g_string_append (data,
      "\n31011300001320000001,名字,social,顾村镇,"
      "310113109,地址,121.5,31.3,rtsp://h/1,rtsp://h/2,"
      "u,p,1,3,90.5,\"a,b\",online\n");
  g_assert_true (parse_bytes (CE_FORMAT_CSV, data->str, -1, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 1);
  c = camera_at (r, 0);
  g_assert_cmpstr (c->id, ==, "31011300001320000001");
  g_assert_cmpstr (c->name, ==, "名字");
  g_assert_cmpint (c->source, ==, CE_SOURCE_SOCIAL);
  g_assert_cmpstr (c->street, ==, "顾村镇");
  g_assert_cmpstr (c->civil_code, ==, "310113109");
  g_assert_cmpstr (c->address, ==, "地址");
  g_assert_cmpfloat (c->lon, ==, 121.5);
  g_assert_cmpfloat (c->lat, ==, 31.3);
  g_assert_cmpstr (c->rtsp_url, ==, "rtsp://h/1");
  g_assert_cmpstr (c->rtsp_url_sub, ==, "rtsp://h/2");
  g_assert_cmpstr (c->username, ==, "u");
  g_assert_cmpstr (c->password, ==, "p");
  g_assert_cmpint (c->secrecy, ==, 1);
  g_assert_cmpint (c->ptz_type, ==, 3);
  g_assert_cmpfloat (c->azimuth, ==, 90.5);
  g_assert_cmpstr (c->tags, ==, "a,b");
  g_assert_cmpint (c->status, ==, CE_STATUS_ONLINE);
}

static void
test_csv_chinese_header (void)
{
  static const char data[] =
      "国标编码,设备名称,来源,街镇,行政区划,安装地址,经度,纬度,主码流,子码流,"
      "用户名,密码,保密属性,云台类型,方位角,标签,状态\n"
      "31011300001320000001,名字,公安,顾村镇,310113109,地址, 121.5 ,31.3,"
      "rtsp://h/1,,,,是,1,,,离线\n"
      "31011300001320000002,名字2,雪亮,,,,,,,,,,否,,,,offline\n";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  g_assert_true (parse_bytes (CE_FORMAT_CSV, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 2);
  c = camera_at (r, 0);
  g_assert_cmpint (c->source, ==, CE_SOURCE_PUBLIC_SECURITY);
  g_assert_cmpfloat (c->lon, ==, 121.5);
  g_assert_cmpint (c->secrecy, ==, 1);
  /* "离线" is not a status keyword. */
  assert_contains_ci (problem_at (r, 0), "status: “离线”");
  c = camera_at (r, 1);
  g_assert_null (problem_at (r, 1));
  g_assert_cmpint (c->source, ==, CE_SOURCE_XUELIANG);
  g_assert_cmpint (c->secrecy, ==, 0);
  g_assert_cmpint (c->status, ==, CE_STATUS_OFFLINE);
}

static void
test_csv_field_problems (void)
{
  static const char data[] =
      "id,lon,lat,azimuth,secrecy,ptz_type,source,status\n"
      "31011300001320000001,abc,31.3,,x,2.5,police,maybe\n"
      "31011300001320000002,121.5x,nan,1e999,2,,,\n"
      "31011300001320000003,-121.5,+31.25,0,0,7,mobile,unknown\n";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  const char *p;
  CeCamera *c;

  g_assert_true (parse_bytes (CE_FORMAT_CSV, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 3);

  p = problem_at (r, 0);
  assert_contains_ci (p, "lon: “abc” is not a number");
  assert_contains_ci (p, "secrecy: “x” is not 0 or 1");
  assert_contains_ci (p, "ptz_type: “2.5”");
  assert_contains_ci (p,
      "source: “police” is not one of public_security, "
      "xueliang, social, mobile");
  assert_contains_ci (p, "status: “maybe”");
  g_assert_nonnull (camera_at (r, 0));
  g_assert_cmpfloat (camera_at (r, 0)->lat, ==, 31.3);

  p = problem_at (r, 1);
  assert_contains_ci (p, "lon: “121.5x”");
  assert_contains_ci (p, "lat: “nan”");
  assert_contains_ci (p, "azimuth: “1e999”");
  assert_contains_ci (p, "secrecy: “2”");

  g_assert_null (problem_at (r, 2));
  c = camera_at (r, 2);
  g_assert_cmpfloat (c->lon, ==, -121.5);
  g_assert_cmpfloat (c->lat, ==, 31.25);
  g_assert_cmpfloat (c->azimuth, ==, 0);
  g_assert_cmpint (c->ptz_type, ==, 7);
  g_assert_cmpint (c->source, ==, CE_SOURCE_MOBILE);
  g_assert_cmpint (c->status, ==, CE_STATUS_UNKNOWN);
}

static void
test_csv_cell_count (void)
{
  static const char data[] = "id,name,tags\n"
                             "31011300001320000001,a,b,c,d\n"
                             "31011300001320000002\n"
                             "31011300001320000003,\"x\",\"y\",\"\"\n";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (parse_bytes (CE_FORMAT_CSV, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 3);
  g_assert_cmpstr (problem_at (r, 0), ==, "5 cells, the header has 3");
  g_assert_cmpstr (camera_at (r, 0)->id, ==, "31011300001320000001");
  /* Fewer cells: the missing ones are absent values. */
  g_assert_null (problem_at (r, 1));
  g_assert_null (camera_at (r, 1)->name);
  g_assert_cmpstr (problem_at (r, 2), ==, "4 cells, the header has 3");
}

static void
test_csv_oversize (void)
{
  g_autoptr (GString) data = g_string_new ("id,name,tags\n");
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  /* Line 2: a name over the field limit; line 3: fine; line 4: a record
   * over the record limit in extra cells; line 5: fine. */
  g_string_append (data, "31011300001320000001,\"");
  for (int i = 0; i < CE_IMPORT_MAX_FIELD_BYTES + 10; i++)
    g_string_append_c (data, i % 1000 == 999 ? '\n' : 'n');
  g_string_append (data, "\",t\n31011300001320000002,ok,t\n");
  g_string_append (data, "31011300001320000003,x");
  for (int i = 0; i < 20; i++) {
    g_string_append_c (data, ',');
    for (int j = 0; j < 60000; j++)
      g_string_append_c (data, 'c');
  }
  g_string_append (data, "\n31011300001320000004,ok2,t\n");

  g_assert_true (
      parse_bytes (CE_FORMAT_CSV, data->str, data->len, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 4);

  g_assert_cmpstr (where_at (r, 0), ==, "line 2");
  assert_contains_ci (problem_at (r, 0), "name: longer than 65536 bytes");
  g_assert_cmpstr (camera_at (r, 0)->id, ==, "31011300001320000001");
  g_assert_null (camera_at (r, 0)->name);
  g_assert_cmpstr (camera_at (r, 0)->tags, ==, "t");

  /* The 65 embedded newlines of the long name count. */
  g_assert_cmpstr (where_at (r, 1), ==, "line 68");
  g_assert_null (problem_at (r, 1));
  g_assert_cmpstr (camera_at (r, 1)->name, ==, "ok");

  g_assert_cmpstr (where_at (r, 2), ==, "line 69");
  g_assert_null (camera_at (r, 2));
  assert_contains_ci (problem_at (r, 2), "longer than 1048576 bytes");

  g_assert_cmpstr (where_at (r, 3), ==, "line 70");
  g_assert_null (problem_at (r, 3));
  g_assert_cmpstr (camera_at (r, 3)->name, ==, "ok2");
}

static void
test_csv_unterminated_quote (void)
{
  static const char data[] = "id,name\n"
                             "31011300001320000001,a\n"
                             "31011300001320000002,\"never closed\n"
                             "31011300001320000003,b\n";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (parse_bytes (CE_FORMAT_CSV, data, -1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, "line 3: "));
  assert_contains_ci (error->message, "quote");
}

static void
test_csv_header_errors (void)
{
  static const struct
  {
    const char *data;
    const char *prefix;
    const char *keyword;
  } cases[] = {
      {"id,name,camera_color\n1,2,3\n", "line 1: ", "“camera_color”"},
      {"\n\nid,name,Colour\n", "line 3: ", "“Colour”"},
      {"id,设备编码\n", "line 1: ", "duplicate column “设备编码”"},
      {"id,Name, NAME \n", "line 1: ", "duplicate"},
      {"name,lon,lat\nx,1,2\n", "line 1: ", "no id column"},
      {"id,,name\n", "line 1: ", "column 2 has no name"},
      {"", "line 1: ", "empty"},
      {"\n\r\n,,,\n", "line 1: ", "empty"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (Result) r = result_new ();
    g_autoptr (GError) error = NULL;

    g_test_message ("case %zu", i);
    g_assert_false (
        parse_bytes (CE_FORMAT_CSV, cases[i].data, -1, NULL, r, &error));
    g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER);
    g_assert_true (g_str_has_prefix (error->message, cases[i].prefix));
    assert_contains_ci (error->message, cases[i].keyword);
    g_assert_cmpuint (r->cameras->len, ==, 0);
  }
}

static void
test_csv_unknown_column_lists_known (void)
{
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (parse_bytes (CE_FORMAT_CSV, "id,foo\n", -1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER);
  for (guint i = 0; ce_csv_columns[i] != NULL; i++)
    assert_contains_ci (error->message, ce_csv_columns[i]);
  assert_contains_ci (error->message, "设备编码");
}

static const char csv_chinese[] =
    "id,name,street,address,tags\n"
    "31011300001320000001,宝山区顾村镇沪太路菊太路口东北角,顾村镇,"
    "上海市宝山区沪太路近菊太路,\"路口,治安\"\n"
    "31011300001320000002,吴淞口国际邮轮港,吴淞街道,宝杨路1588号,码头\n";

static void
test_csv_gbk_detected (void)
{
  g_autofree char *gbk = to_gbk (csv_chinese);
  g_autoptr (Result) utf8 = result_new ();
  const char *encodings[] = {NULL, "gbk", "gb18030", "GB2312"};
  g_autoptr (GError) error = NULL;

  g_assert_true (
      parse_bytes (CE_FORMAT_CSV, csv_chinese, -1, NULL, utf8, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (utf8->cameras->len, ==, 2);

  for (gsize e = 0; e < G_N_ELEMENTS (encodings); e++) {
    g_autoptr (Result) r = result_new ();

    g_test_message ("encoding %s", encodings[e]);
    g_assert_true (
        parse_bytes (CE_FORMAT_CSV, gbk, -1, encodings[e], r, &error));
    g_assert_no_error (error);
    assert_no_problems (r);
    g_assert_cmpuint (r->cameras->len, ==, 2);
    for (guint i = 0; i < 2; i++)
      g_assert_true (
          ce_camera_equal_content (camera_at (r, i), camera_at (utf8, i)));
  }
}

static void
test_csv_wrong_encoding (void)
{
  g_autofree char *gbk = to_gbk (csv_chinese);
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (parse_bytes (CE_FORMAT_CSV, gbk, -1, "utf-8", r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "line 2: "));
  assert_contains_ci (error->message, "--encoding");
  g_assert_cmpuint (r->cameras->len, ==, 0);
}

static void
test_csv_invalid_gb18030 (void)
{
  /* 0xFF is never valid in GB18030; 0x81 at the end is a cut character. */
  static const char bad[] = "id,name\n31011300001320000001,a\n"
                            "31011300001320000002,\xFF\xFF\n";
  static const char cut[] = "id,name\n31011300001320000001,\x81";
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) r2 = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (parse_bytes (CE_FORMAT_CSV, bad, -1, "gb18030", r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "line 3: "));
  assert_contains_ci (error->message, "GB18030");
  g_assert_cmpuint (r->cameras->len, ==, 1);
  g_clear_error (&error);

  g_assert_false (parse_bytes (CE_FORMAT_CSV, cut, -1, "gbk", r2, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "line 2: "));
}

static void
test_csv_bom_conflict (void)
{
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (
      parse_bytes (CE_FORMAT_CSV, "\xEF\xBB\xBFid\n1\n", -1, "gbk", r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  assert_contains_ci (error->message, "byte order mark");
}

static void
test_csv_nul_byte (void)
{
  static const char data[] = "id,name\n31011300001320000001,a\0b\n";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (
      parse_bytes (CE_FORMAT_CSV, data, sizeof (data) - 1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "line 2: "));
}

/* A large file: chunk boundaries fall inside multi-byte characters and
 * quoted fields; UTF-8 and GBK give the same records, and progress is
 * reported. */
static void
test_csv_large (void)
{
  g_autoptr (GString) data = g_string_new ("id,name,address,lon,lat\n");
  g_autofree char *gbk = NULL;
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) g = result_new ();
  g_autoptr (GError) error = NULL;
  const guint rows = 5000;

  for (guint i = 0; i < rows; i++)
    g_string_append_printf (data,
        "310113000013200%05u,宝山区顾村镇沪太路%u号,\"上海市宝山区\n沪太路, "
        "%u号\",121.%u,31.%u\n",
        i, i, i, 300000 + i, 300000 + i);
  g_assert_cmpuint (data->len, >, 4 * 64 * 1024);
  gbk = to_gbk (data->str);

  g_assert_true (
      parse_bytes (CE_FORMAT_CSV, data->str, data->len, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_true (parse_bytes (CE_FORMAT_CSV, gbk, -1, NULL, g, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  assert_no_problems (g);
  g_assert_cmpuint (r->cameras->len, ==, rows);
  g_assert_cmpuint (g->cameras->len, ==, rows);
  for (guint i = 0; i < rows; i++) {
    g_autofree char *line = g_strdup_printf ("line %u", 2 + 2 * i);

    g_assert_cmpstr (where_at (r, i), ==, line);
    g_assert_cmpstr (where_at (g, i), ==, line);
    g_assert_true (
        ce_camera_equal_content (camera_at (r, i), camera_at (g, i)));
  }
  g_assert_cmpint (r->progress, ==, (goffset) data->len);
  g_assert_cmpuint (r->progress_calls, >=, 4);
  g_assert_cmpint (g->progress, ==, (goffset) strlen (gbk));
}

/* A GBK file whose first Chinese character comes after the 64 KiB used for
 * detection is read as UTF-8 and fails with the line. */
static void
test_csv_late_gbk (void)
{
  g_autoptr (GString) data = g_string_new ("id,name\n");
  g_autofree char *gbk = NULL;
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  guint line = 2;

  while (data->len < 70 * 1024) {
    g_string_append (data, "31011300001320000001,ascii name only\n");
    line++;
  }
  g_string_append (data, "31011300001320000002,宝山\n");
  gbk = to_gbk (data->str);
  g_assert_false (parse_bytes (CE_FORMAT_CSV, gbk, -1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  {
    g_autofree char *prefix = g_strdup_printf ("line %u: ", line);

    g_assert_true (g_str_has_prefix (error->message, prefix));
  }
  assert_contains_ci (error->message, "--encoding gb18030");
  g_assert_cmpuint (r->cameras->len, ==, line - 2);
}

static void
test_csv_cancel_and_abort (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GInputStream) in =
      g_memory_input_stream_new_from_data (csv_quoting, -1, NULL);
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) r2 = result_new ();
  g_autoptr (GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (
      parse_stream (CE_FORMAT_CSV, in, NULL, cancellable, r, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  r2->abort_after = 2;
  g_assert_false (
      parse_bytes (CE_FORMAT_CSV, csv_quoting, -1, NULL, r2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (r2->cameras->len, ==, 2);
}

static void
test_csv_sample (void)
{
  g_autofree char *path = sample_path ("baoshan-50.csv");
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  guint sources[CE_SOURCE_LAST + 1] = {0};
  guint secret = 0, sub = 0, azimuth = 0, comma_tags = 0, gucun = 0;

  if (path == NULL)
    return;
  g_assert_true (parse_sample (CE_FORMAT_CSV, path, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 50);
  for (guint i = 0; i < r->cameras->len; i++) {
    CeCamera *c = camera_at (r, i);
    g_autoptr (GError) invalid = NULL;

    g_assert_true (ce_camera_validate (c, &invalid));
    g_assert_no_error (invalid);
    sources[c->source]++;
    secret += c->secrecy;
    sub += c->rtsp_url_sub != NULL;
    azimuth += !isnan (c->azimuth);
    comma_tags += c->tags != NULL && strchr (c->tags, ',') != NULL;
    gucun += g_strcmp0 (c->street, "顾村镇") == 0;
    g_assert_null (c->username);
    g_assert_null (c->password);
    g_assert_cmpint (c->status, ==, CE_STATUS_UNKNOWN);
  }
  g_assert_cmpuint (sources[CE_SOURCE_XUELIANG], ==, 20);
  g_assert_cmpuint (sources[CE_SOURCE_PUBLIC_SECURITY], ==, 18);
  g_assert_cmpuint (sources[CE_SOURCE_SOCIAL], ==, 11);
  g_assert_cmpuint (sources[CE_SOURCE_MOBILE], ==, 1);
  g_assert_cmpuint (secret, ==, 2);
  g_assert_cmpuint (sub, ==, 22);
  g_assert_cmpuint (azimuth, ==, 28);
  g_assert_cmpuint (comma_tags, ==, 14);
  g_assert_cmpuint (gucun, ==, 6);
}

static void
test_csv_sample_gbk (void)
{
  g_autofree char *path = sample_path ("baoshan-50.csv");
  g_autofree char *gbk_path = sample_path ("baoshan-50-gbk.csv");
  const char *encodings[] = {NULL, "gbk", "gb18030"};
  g_autoptr (Result) utf8 = result_new ();
  g_autoptr (GError) error = NULL;

  if (path == NULL || gbk_path == NULL)
    return;
  g_assert_true (parse_sample (CE_FORMAT_CSV, path, NULL, utf8, &error));
  g_assert_no_error (error);
  for (gsize e = 0; e < G_N_ELEMENTS (encodings); e++) {
    g_autoptr (Result) r = result_new ();

    g_assert_true (
        parse_sample (CE_FORMAT_CSV, gbk_path, encodings[e], r, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (r->cameras->len, ==, 50);
    for (guint i = 0; i < 50; i++) {
      g_assert_cmpstr (where_at (r, i), ==, where_at (utf8, i));
      g_assert_true (
          ce_camera_equal_content (camera_at (r, i), camera_at (utf8, i)));
    }
  }
}

/* samples/data/bad/README.md, bad-rows.csv */
static void
test_csv_bad_rows (void)
{
  static const struct
  {
    const char *where;
    const char *id;
    int code; /* -1 accepted, -2 duplicate (the driver's job) */
    const char *keyword;
  } rows[] = {
      {"line 2", "31011309001320000001", -1, NULL},
      {"line 3", "3101130900132000002", CE_CAMERA_ERROR_INVALID_ID, "20"},
      {"line 4", "31011309AB1320000003", CE_CAMERA_ERROR_INVALID_ID, "id"},
      {"line 5", "31011309991320000004", CE_CAMERA_ERROR_INVALID_ID,
          "industry"},
      {"line 6", "31011309001140000005", CE_CAMERA_ERROR_INVALID_ID, "type"},
      {"line 7", "31011309001320000006", CE_CAMERA_ERROR_INVALID_FIELD, "200"},
      {"line 8", "31011309001320000007", CE_CAMERA_ERROR_INVALID_FIELD, "0"},
      {"line 9", "31011309001320000008", CE_CAMERA_ERROR_INVALID_FIELD,
          "traffic"},
      {"line 10", "31011309011326000009", -1, NULL},
      {"line 12", "31011309001320000001", -2, NULL},
      {"line 13", "31011309081328000010", -1, NULL},
      {"line 14", "31011309081328000011", -1, NULL},
  };
  g_autofree char *path = sample_path ("bad/bad-rows.csv");
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  if (path == NULL)
    return;
  g_assert_true (parse_sample (CE_FORMAT_CSV, path, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, G_N_ELEMENTS (rows));
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (GError) invalid = NULL;

    c = camera_at (r, i);
    g_test_message ("%s", rows[i].where);
    g_assert_cmpstr (where_at (r, i), ==, rows[i].where);
    g_assert_nonnull (c);
    g_assert_cmpstr (c->id, ==, rows[i].id);
    if (problem_at (r, i) != NULL) {
      /* Only the source is a parser problem. */
      g_assert_cmpstr (rows[i].where, ==, "line 9");
      assert_contains_ci (problem_at (r, i), "source");
      assert_contains_ci (problem_at (r, i), rows[i].keyword);
      continue;
    }
    if (rows[i].code >= 0) {
      g_assert_false (ce_camera_validate (c, &invalid));
      g_assert_error (invalid, CE_CAMERA_ERROR, rows[i].code);
      assert_contains_ci (invalid->message, rows[i].keyword);
    } else {
      g_assert_true (ce_camera_validate (c, &invalid));
      g_assert_no_error (invalid);
    }
  }
  c = camera_at (r, 8);
  g_assert_cmpstr (c->name, ==, "宝山区顾村镇\"沪太路,菊太路\"路口\n东北角");
  c = camera_at (r, 10);
  g_assert_cmpstr (c->name, ==, "'; DROP TABLE camera; --");
  c = camera_at (r, 11);
  ce_camera_take_url_credentials (c);
  g_assert_cmpstr (c->username, ==, "admin");
  g_assert_cmpstr (c->password, ==, "S3cret!");
  g_assert_cmpstr (c->rtsp_url, ==, "rtsp://127.0.0.1:8555/cam/x");
}

static void
test_csv_bad_header_samples (void)
{
  g_autofree char *unknown = sample_path ("bad/unknown-column.csv");
  g_autofree char *wrong = sample_path ("bad/wrong-encoding.csv");
  static const char *const ids[] = {"31011303011326000133",
      "31011311001310000148", "31011300001320000210", "31011309011326000244",
      "31011303011326000134"};
  const char *encodings[] = {NULL, "gbk", "gb18030"};
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  if (unknown == NULL || wrong == NULL)
    return;
  g_assert_false (parse_sample (CE_FORMAT_CSV, unknown, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER);
  g_assert_true (g_str_has_prefix (error->message, "line 1: "));
  assert_contains_ci (error->message, "camera_color");
  g_assert_cmpuint (r->cameras->len, ==, 0);
  g_clear_error (&error);

  g_assert_false (parse_sample (CE_FORMAT_CSV, wrong, "utf-8", r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "line 2: "));
  g_assert_cmpuint (r->cameras->len, ==, 0);
  g_clear_error (&error);

  for (gsize e = 0; e < G_N_ELEMENTS (encodings); e++) {
    g_autoptr (Result) g = result_new ();

    g_assert_true (
        parse_sample (CE_FORMAT_CSV, wrong, encodings[e], g, &error));
    g_assert_no_error (error);
    assert_no_problems (g);
    g_assert_cmpuint (g->cameras->len, ==, G_N_ELEMENTS (ids));
    for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
      g_assert_cmpstr (camera_at (g, i)->id, ==, ids[i]);
  }
}

/* Catalog XML */

#define RESPONSE_HEAD \
  "<Response>\n<CmdType>Catalog</CmdType>\n<SN>1</SN>\n" \
  "<DeviceID>31011300002000000001</DeviceID>\n<SumNum>9</SumNum>\n" \
  "<DeviceList Num=\"1\">\n"
#define RESPONSE_TAIL "</DeviceList>\n</Response>\n"
#define DECL_UTF8 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static const char catalog_full[] = DECL_UTF8 RESPONSE_HEAD
    "<Item>\n"
    "<DeviceID> 31011309001320000001 </DeviceID>\n"
    "<Name>宝山区顾村镇沪太路菊太路口 &lt;东北角&gt; &amp; &#x4E1C;</Name>\n"
    "<Manufacturer>Hikvision</Manufacturer>\n"
    "<CivilCode>310113109</CivilCode>\n"
    "<Address><![CDATA[沪太路 <近> 菊太路]]></Address>\n"
    "<Secrecy>1</Secrecy>\n"
    "<Status>OFF</Status>\n"
    "<Longitude>121.379010</Longitude><Latitude>31.360240</Latitude>\n"
    "<IPAddress>10.1.1.1</IPAddress><Password>pw</Password>\n"
    "<Info><PTZType>2</PTZType><Resolution>1/2</Resolution></Info>\n"
    "<Source>xueliang</Source><Street>顾村镇</Street>\n"
    "<StreamURL>rtsp://10.1.1.1/main</StreamURL>\n"
    "<SubStreamURL>rtsp://10.1.1.1/sub</SubStreamURL>\n"
    "<Azimuth>45.5</Azimuth><Tags>路口,治安</Tags><Username>u</Username>\n"
    "<Unknown><Nested>x</Nested></Unknown><SecurityLevelCode>B</"
    "SecurityLevelCode>\n"
    "</Item>\n" RESPONSE_TAIL;

static void
test_catalog_fields (void)
{
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  g_assert_true (
      parse_bytes (CE_FORMAT_CATALOG, catalog_full, -1, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 1);
  g_assert_cmpstr (where_at (r, 0), ==, "document 1 item 1 (line 8)");
  c = camera_at (r, 0);
  g_assert_cmpstr (c->id, ==, "31011309001320000001");
  g_assert_cmpstr (c->name, ==, "宝山区顾村镇沪太路菊太路口 <东北角> & 东");
  g_assert_cmpstr (c->civil_code, ==, "310113109");
  g_assert_cmpstr (c->address, ==, "沪太路 <近> 菊太路");
  g_assert_cmpint (c->secrecy, ==, 1);
  g_assert_cmpint (c->status, ==, CE_STATUS_OFFLINE);
  g_assert_cmpfloat (c->lon, ==, 121.37901);
  g_assert_cmpfloat (c->lat, ==, 31.36024);
  g_assert_cmpstr (c->password, ==, "pw");
  g_assert_cmpint (c->ptz_type, ==, 2);
  g_assert_cmpint (c->source, ==, CE_SOURCE_XUELIANG);
  g_assert_cmpstr (c->street, ==, "顾村镇");
  g_assert_cmpstr (c->rtsp_url, ==, "rtsp://10.1.1.1/main");
  g_assert_cmpstr (c->rtsp_url_sub, ==, "rtsp://10.1.1.1/sub");
  g_assert_cmpfloat (c->azimuth, ==, 45.5);
  g_assert_cmpstr (c->tags, ==, "路口,治安");
  g_assert_cmpstr (c->username, ==, "u");
}

/* domain.md Sample A: CivilCode "null", no coordinates. */
static const char catalog_sample_a[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Response>\n"
    "    <CmdType>Catalog</CmdType>\n"
    "    <SN>204070</SN>\n"
    "    <DeviceID>11010800001181000110</DeviceID>\n"
    "    <SumNum>1</SumNum>\n"
    "    <DeviceList Num=\"1\">\n"
    "        <Item>\n"
    "            <DeviceID>11010800001311000054</DeviceID>\n"
    "            <Name>Camera 01</Name>\n"
    "            <Parental>0</Parental>\n"
    "            <Manufacturer>Hikvision</Manufacturer>\n"
    "            <Secrecy>0</Secrecy>\n"
    "            <RegisterWay>1</RegisterWay>\n"
    "            <Status>ON</Status>\n"
    "            <Model>IP Camera</Model>\n"
    "            <Owner> Owner</Owner>\n"
    "            <CivilCode>null</CivilCode>\n"
    "            <Address>Address</Address>\n"
    "        </Item>\n"
    "    </DeviceList>\n"
    "</Response>\n";

/* domain.md Sample B: GB2312, one item per packet, RTSP URL in IPAddress. */
static const char catalog_sample_b[] =
    "<?xml version=\"1.0\" encoding=\"GB2312\" standalone=\"yes\" ?>"
    "<Response><CmdType>Catalog</CmdType><SN>4</SN>\n"
    "<DeviceID>34020000001180000001</DeviceID><SumNum>4</SumNum>"
    "<DeviceList Num=\"1\"><Item>\n"
    "<DeviceID>34020000001310000002</DeviceID><Name>通道二 GB_Chn_002</Name>"
    "<Manufacturer>General</Manufacturer>\n"
    "<Model>DH-IVSS708-S1</Model><Owner>0</Owner><CivilCode>340200</CivilCode>"
    "<Address>axy</Address><Parental>0</Parental>\n"
    "<ParentID>34020000001180000001</ParentID><RegisterWay>1</RegisterWay>"
    "<Secrecy>0</Secrecy><StreamNum>2</StreamNum>\n"
    "<IPAddress>rtsp://admin@192.168.1.64:554/Streaming/Channels/101"
    "</IPAddress><Port>554</Port><Password></Password>\n"
    "<Status>ON</Status><Info><PTZType>3</PTZType><DownloadSpeed>1/2/4/8"
    "</DownloadSpeed></Info></Item></DeviceList></Response>\n";

static void
test_catalog_sample_a (void)
{
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  g_assert_true (
      parse_bytes (CE_FORMAT_CATALOG, catalog_sample_a, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 1);
  g_assert_null (problem_at (r, 0));
  c = camera_at (r, 0);
  g_assert_cmpstr (c->id, ==, "11010800001311000054");
  g_assert_cmpstr (c->name, ==, "Camera 01");
  g_assert_null (c->civil_code);
  g_assert_true (isnan (c->lon) && isnan (c->lat));
  g_assert_cmpint (c->source, ==, CE_SOURCE_NONE);
  g_assert_cmpint (c->status, ==, CE_STATUS_ONLINE);
  g_assert_cmpstr (where_at (r, 0), ==, "document 1 item 1 (line 8)");
}

static void
test_catalog_gb2312 (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *gb2312 =
      g_convert (catalog_sample_b, -1, "GB2312", "UTF-8", NULL, NULL, &error);
  g_autoptr (Result) r = result_new ();
  CeCamera *c;

  g_assert_no_error (error);
  g_assert_true (parse_bytes (CE_FORMAT_CATALOG, gb2312, -1, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 1);
  c = camera_at (r, 0);
  g_assert_cmpstr (c->id, ==, "34020000001310000002");
  g_assert_cmpstr (c->name, ==, "通道二 GB_Chn_002");
  g_assert_cmpstr (c->civil_code, ==, "340200");
  g_assert_cmpint (c->ptz_type, ==, 3);
  g_assert_null (c->password);
  g_assert_cmpstr (c->rtsp_url, ==,
      "rtsp://admin@192.168.1.64:554/Streaming/Channels/101");
  g_assert_cmpstr (where_at (r, 0), ==, "document 1 item 1 (line 2)");
}

/* A document that declares GB2312 but holds GBK-only characters (镕 and
 * 堃 are not in GB2312), as devices send them. */
static void
test_catalog_gb2312_with_gbk_chars (void)
{
  static const char utf8[] =
      "<?xml version=\"1.0\" encoding=\"GB2312\"?>\n" RESPONSE_HEAD
      "<Item><DeviceID>31011309001320000001</DeviceID>"
      "<Name>朱镕基路堃园</Name></Item>\n" RESPONSE_TAIL;
  g_autoptr (GError) error = NULL;
  g_autofree char *gbk = to_gbk (utf8);
  g_autofree char *strict =
      g_convert (utf8, -1, "GB2312", "UTF-8", NULL, NULL, &error);
  g_autoptr (Result) r = result_new ();

  /* The characters are really outside GB2312. */
  g_assert_null (strict);
  g_clear_error (&error);
  g_assert_true (parse_bytes (CE_FORMAT_CATALOG, gbk, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 1);
  g_assert_cmpstr (camera_at (r, 0)->name, ==, "朱镕基路堃园");
}

/* The GBK bytes of 乚 are 0x81 0x5D: the trail byte is "]", which must not
 * end a CDATA section in the splitter. */
static void
test_catalog_gbk_trail_bytes (void)
{
  static const char utf8[] =
      "<?xml version=\"1.0\" encoding=\"GBK\"?>\n" RESPONSE_HEAD
      "<Item><DeviceID>31011309001320000001</DeviceID>"
      "<Name><![CDATA[乚]> <b>]]></Name></Item>\n" RESPONSE_TAIL
      "<?xml version=\"1.0\" encoding=\"GBK\"?>\n" RESPONSE_HEAD
      "<Item><DeviceID>31011309001320000002</DeviceID></Item>\n" RESPONSE_TAIL;
  g_autofree char *gbk = to_gbk (utf8);
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (strstr (gbk, "\x81]]> <b>"));
  g_assert_true (parse_bytes (CE_FORMAT_CATALOG, gbk, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 2);
  g_assert_cmpstr (camera_at (r, 0)->name, ==, "乚]> <b>");
  g_assert_true (g_str_has_prefix (where_at (r, 1), "document 2 item 1"));
}

static void
test_catalog_undeclared_gbk (void)
{
  static const char utf8[] =
      RESPONSE_HEAD "<Item><DeviceID>31011309001320000001</DeviceID>"
                    "<Name>顾村公园</Name></Item>\n" RESPONSE_TAIL;
  g_autofree char *gbk = to_gbk (utf8);
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) r2 = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (parse_bytes (CE_FORMAT_CATALOG, gbk, -1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "document 1: line 7: "));
  assert_contains_ci (error->message, "--encoding");
  g_clear_error (&error);

  /* parser->encoding applies to a document without a declaration ... */
  g_assert_true (parse_bytes (CE_FORMAT_CATALOG, gbk, -1, "gbk", r2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r2->cameras->len, ==, 1);
  g_assert_cmpstr (camera_at (r2, 0)->name, ==, "顾村公园");
}

static void
test_catalog_declaration_wins (void)
{
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  /* ... but not to one that declares UTF-8. */
  g_assert_true (
      parse_bytes (CE_FORMAT_CATALOG, catalog_full, -1, "gbk", r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (camera_at (r, 0)->street, ==, "顾村镇");
}

static void
test_catalog_invalid_gb_bytes (void)
{
  static const char data[] =
      "<?xml version=\"1.0\" encoding=\"GBK\"?>\n" RESPONSE_HEAD
      "<Item><DeviceID>31011309001320000001</DeviceID>\n"
      "<Name>\x80\xFF</Name></Item>\n" RESPONSE_TAIL;
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (parse_bytes (CE_FORMAT_CATALOG, data, -1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "document 1: line 9: "));
}

static void
test_catalog_unsupported_encoding (void)
{
  static const char data[] =
      "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<Response/>\n";
  static const char utf16[] = "\xFF\xFE<\0?\0x\0m\0l\0";
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) r2 = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (parse_bytes (CE_FORMAT_CATALOG, data, -1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  assert_contains_ci (error->message, "Shift_JIS");
  g_clear_error (&error);
  g_assert_false (parse_bytes (CE_FORMAT_CATALOG, utf16, sizeof (utf16) - 1,
      NULL, r2, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING);
  assert_contains_ci (error->message, "UTF-16");
}

static void
test_catalog_many_documents (void)
{
  g_autoptr (GString) data = g_string_new (NULL);
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) gb_error = NULL;
  g_autofree char *gb = g_convert (catalog_sample_b, -1, "GB2312", "UTF-8",
      NULL, NULL, &gb_error);

  g_assert_no_error (gb_error);
  /* UTF-8 with a declaration, then GB2312, then two without any
   * declaration back to back on one line, then a comment and blank lines
   * before the next declaration. */
  g_string_append (data, catalog_full);
  g_string_append (data, gb);
  g_string_append (data,
      RESPONSE_HEAD "<Item><DeviceID>31011309001320000003"
                    "</DeviceID></Item>" RESPONSE_TAIL);
  g_string_truncate (data, data->len - 1);
  g_string_append (data,
      RESPONSE_HEAD "<Item><DeviceID>31011309001320000004"
                    "</DeviceID></Item><Item><DeviceID>"
                    "31011309001320000005</DeviceID>"
                    "</Item>" RESPONSE_TAIL);
  g_string_append (data, "<!-- next packet -->\n\n\n");
  g_string_append (data, catalog_sample_a);

  g_assert_true (
      parse_bytes (CE_FORMAT_CATALOG, data->str, data->len, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 6);
  g_assert_cmpstr (where_at (r, 0), ==, "document 1 item 1 (line 8)");
  g_assert_cmpstr (where_at (r, 1), ==, "document 2 item 1 (line 28)");
  g_assert_cmpstr (camera_at (r, 1)->name, ==, "通道二 GB_Chn_002");
  g_assert_cmpstr (where_at (r, 2), ==, "document 3 item 1 (line 40)");
  g_assert_cmpstr (where_at (r, 3), ==, "document 4 item 1 (line 47)");
  g_assert_cmpstr (camera_at (r, 3)->id, ==, "31011309001320000004");
  g_assert_cmpstr (where_at (r, 4), ==, "document 4 item 2 (line 47)");
  g_assert_cmpstr (where_at (r, 5), ==, "document 5 item 1 (line 59)");
  g_assert_cmpstr (camera_at (r, 5)->id, ==, "11010800001311000054");
}

static void
test_catalog_one_item_per_packet (void)
{
  g_autoptr (GString) data = g_string_new (NULL);
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  const guint n = 300;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (data,
        "<?xml version=\"1.0\" encoding=\"GB2312\" standalone=\"yes\" ?>"
        "<Response><CmdType>Catalog</CmdType><SN>%u</SN><SumNum>%u</SumNum>"
        "<DeviceList Num=\"1\"><Item><DeviceID>31011309001320%06u</DeviceID>"
        "<Name>cam %u</Name><Longitude>121.%u</Longitude>"
        "<Latitude>31.%u</Latitude></Item></DeviceList></Response>",
        i, n, i, i, 300 + i, 300 + i);
  g_assert_true (
      parse_bytes (CE_FORMAT_CATALOG, data->str, data->len, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *where =
        g_strdup_printf ("document %u item 1 (line 1)", i + 1);
    g_autofree char *name = g_strdup_printf ("cam %u", i);

    g_assert_cmpstr (where_at (r, i), ==, where);
    g_assert_cmpstr (camera_at (r, i)->name, ==, name);
  }
  g_assert_cmpint (r->progress, ==, (goffset) data->len);
}

static void
test_catalog_groups (void)
{
  static const char data[] = DECL_UTF8 RESPONSE_HEAD
      "<Item><DeviceID>31011300002150000001</DeviceID><Name>宝山区城运中心"
      "</Name></Item>\n"
      "<Item><DeviceID>31011300002160000001</DeviceID><Name>公安视频</Name>"
      "<ParentID>31011300002150000001</ParentID></Item>\n"
      "<Item><DeviceID>31011300002160000002</DeviceID><Name>a,b</Name>"
      "</Item>\n"
      "<Item><DeviceID>31011300002160000003</DeviceID></Item>\n"
      "<Item><DeviceID>31011309001320000001</DeviceID><Tags>路口</Tags>"
      "<ParentID>31011300002000000001/31011300002160000001</ParentID>"
      "<BusinessGroupID>31011300002150000001</BusinessGroupID></Item>\n"
      "<Item><DeviceID>31011309001320000002</DeviceID>"
      "<Info><BusinessGroupID>31011300002160000002</BusinessGroupID></Info>"
      "<ParentID>31011300002160000009</ParentID></Item>\n"
      "<Item><DeviceID>31011309001320000003</DeviceID>"
      "<ParentID>31011300002160000004</ParentID></Item>\n"
      "<Item><DeviceID>31011300002160000004</DeviceID><Name>late</Name>"
      "</Item>\n" RESPONSE_TAIL;
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (parse_bytes (CE_FORMAT_CATALOG, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 3);
  g_assert_cmpuint (r->notes->len, ==, 5);
  g_assert_cmpstr (r->notes->pdata[0], ==,
      "document 1 item 1 (line 8): 业务分组 31011300002150000001 "
      "宝山区城运中心 "
      "used as a tag");
  g_assert_cmpstr (r->notes->pdata[1], ==,
      "document 1 item 2 (line 9): 虚拟组织 31011300002160000001 公安视频 used "
      "as a tag");
  assert_contains_ci (r->notes->pdata[3], "no name");
  g_assert_cmpstr (where_at (r, 0), ==, "document 1 item 5 (line 12)");
  g_assert_cmpstr (camera_at (r, 0)->tags, ==, "路口,公安视频,宝山区城运中心");
  /* A comma in a group name would split the tag. */
  g_assert_cmpstr (camera_at (r, 1)->tags, ==, "a;b");
  /* A group that comes after its camera is not applied. */
  g_assert_null (camera_at (r, 2)->tags);
}

static void
test_catalog_not_cameras (void)
{
  static const char data[] = DECL_UTF8 RESPONSE_HEAD
      "<Item><DeviceID>31011300002000000001</DeviceID><Name>信令</Name>"
      "</Item>\n"
      "<Item><DeviceID>310113</DeviceID><Name>宝山区</Name></Item>\n"
      "<Item><DeviceID>31011300001140000001</DeviceID></Item>\n"
      "<Item><DeviceID>31011300003000000001</DeviceID></Item>\n"
      "<Item><DeviceID>31011309001320000001</DeviceID></Item>\n"
      "<Item><DeviceID>31011309009990000001</DeviceID></Item>\n" RESPONSE_TAIL
      "<Notify><CmdType>Catalog</CmdType><DeviceList Num=\"2\">"
      "<Item><DeviceID>31011309001320000002</DeviceID><Event>DEL</Event>"
      "</Item><Item><DeviceID>31011309001320000003</DeviceID>"
      "<Event>OFF</Event></Item></DeviceList></Notify>\n"
      "<Notify><CmdType>Keepalive</CmdType><DeviceList><Item><DeviceID>"
      "31011309001320000004</DeviceID></Item></DeviceList></Notify>\n"
      "<Query><CmdType>Catalog</CmdType><SN>1</SN></Query>\n"
      "<Response><CmdType>Catalog</CmdType><SumNum>0</SumNum>"
      "<DeviceList Num=\"0\"/></Response>";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (parse_bytes (CE_FORMAT_CATALOG, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 3);
  g_assert_cmpstr (camera_at (r, 0)->id, ==, "31011309001320000001");
  /* An unknown type is the driver's to reject. */
  g_assert_cmpstr (camera_at (r, 1)->id, ==, "31011309009990000001");
  g_assert_cmpstr (camera_at (r, 2)->id, ==, "31011309001320000003");
  g_assert_cmpint (camera_at (r, 2)->status, ==, CE_STATUS_OFFLINE);
  g_assert_cmpuint (r->notes->len, ==, 7);
  g_assert_cmpstr (r->notes->pdata[0], ==,
      "document 1 item 1 (line 8): skipped: type 200 (中心信令控制服务器) is "
      "not a camera");
  assert_contains_ci (r->notes->pdata[1], "行政区划 310113 宝山区");
  assert_contains_ci (r->notes->pdata[2], "type 114 (解码器)");
  assert_contains_ci (r->notes->pdata[3], "type 300 (中心用户)");
  g_assert_true (g_str_has_prefix (r->notes->pdata[4], "document 2 item 1"));
  assert_contains_ci (r->notes->pdata[4], "DEL");
  g_assert_true (g_str_has_prefix (r->notes->pdata[5], "document 3: "));
  assert_contains_ci (r->notes->pdata[5], "Keepalive");
  g_assert_true (g_str_has_prefix (r->notes->pdata[6], "document 4: "));
  assert_contains_ci (r->notes->pdata[6], "Query");
}

static void
test_catalog_values (void)
{
  static const char data[] = DECL_UTF8 RESPONSE_HEAD
      "<Item><DeviceID>31011309001320000001</DeviceID>"
      "<Longitude>0</Longitude><Latitude>0</Latitude>"
      "<PTZType>4</PTZType><Status>Status1</Status></Item>\n"
      "<Item><DeviceID>31011309001320000002</DeviceID>"
      "<Longitude>abc</Longitude><Latitude></Latitude>"
      "<Info><PTZType>1/2</PTZType></Info><PTZType>4</PTZType>"
      "<CivilCode>CivilCode</CivilCode></Item>\n"
      "<Item><DeviceID>31011309001320000003</DeviceID>"
      "<Secrecy>yes</Secrecy><Source>police</Source><Azimuth>east</Azimuth>"
      "<Info><PTZType>x</PTZType></Info></Item>\n"
      "<Item><DeviceID>31011309001320000004</DeviceID>"
      "<IPAddress>rtsp://192.168.1.64/a</IPAddress>"
      "<StreamURL>rtsp://10.0.0.1/b</StreamURL><Password/></Item>\n"
      "<Item/>\n" RESPONSE_TAIL;
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  g_assert_true (parse_bytes (CE_FORMAT_CATALOG, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 5);

  c = camera_at (r, 0);
  g_assert_null (problem_at (r, 0));
  g_assert_cmpfloat (c->lon, ==, 0);
  g_assert_cmpfloat (c->lat, ==, 0);
  g_assert_cmpint (c->ptz_type, ==, 4);
  g_assert_cmpint (c->status, ==, CE_STATUS_UNKNOWN);

  c = camera_at (r, 1);
  g_assert_null (problem_at (r, 1));
  g_assert_true (isnan (c->lon) && isnan (c->lat));
  g_assert_cmpint (c->ptz_type, ==, 1);
  g_assert_null (c->civil_code);

  c = camera_at (r, 2);
  assert_contains_ci (problem_at (r, 2), "secrecy: “yes” is not 0 or 1");
  assert_contains_ci (problem_at (r, 2), "source: “police”");
  assert_contains_ci (problem_at (r, 2), "azimuth: “east”");
  g_assert_cmpint (c->ptz_type, ==, 0);

  c = camera_at (r, 3);
  g_assert_cmpstr (c->rtsp_url, ==, "rtsp://10.0.0.1/b");
  g_assert_null (c->password);

  /* An empty item is still a record (the driver rejects it: no id). */
  g_assert_null (camera_at (r, 4)->id);
}

static void
test_catalog_xxe (void)
{
  static const char *const docs[] = {
      "<?xml version=\"1.0\"?>\n<!DOCTYPE Response [\n"
      "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
      "<Response><CmdType>Catalog</CmdType><DeviceList><Item><DeviceID>"
      "31011309001320000001</DeviceID><Name>&xxe;</Name></Item></DeviceList>"
      "</Response>",
      /* The same without the DTD: an undeclared entity. */
      "<?xml version=\"1.0\"?>\n<Response><CmdType>Catalog</CmdType>"
      "<DeviceList><Item><DeviceID>31011309001320000001</DeviceID>"
      "<Name>&xxe;</Name></Item></DeviceList></Response>",
      /* In an attribute value. */
      ("<Response><CmdType>Catalog</CmdType><DeviceList Num=\"&n;\">"
       "</DeviceList></Response>"),
      /* A DTD in the second document. */
      "<Response/>\n<!doctype Response SYSTEM \"x.dtd\"><Response/>",
      /* A long entity name the lexer does not catch: libxml2 does. */
      "<Response><CmdType>&averyveryverylongentityname;</CmdType></Response>",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (docs); i++) {
    g_autoptr (Result) r = result_new ();
    g_autoptr (GError) error = NULL;

    g_test_message ("case %zu", i);
    g_assert_false (
        parse_bytes (CE_FORMAT_CATALOG, docs[i], -1, NULL, r, &error));
    g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_REFUSED);
    g_assert_true (g_str_has_prefix (error->message, "document "));
    assert_contains_ci (error->message, "entit");
    g_assert_cmpuint (r->cameras->len, ==, 0);
    g_assert_null (strstr (error->message, "root:"));
  }
}

static void
test_catalog_billion_laughs (void)
{
  g_autoptr (GString) data =
      g_string_new ("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
                    "<!ENTITY lol \"lol\">\n");
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  gint64 start;

  for (int i = 1; i <= 9; i++) {
    g_string_append_printf (data, "<!ENTITY lol%d \"", i);
    for (int j = 0; j < 10; j++) {
      if (i == 1)
        g_string_append (data, "&lol;");
      else
        g_string_append_printf (data, "&lol%d;", i - 1);
    }
    g_string_append (data, "\">\n");
  }
  g_string_append (data,
      "]>\n<Response><CmdType>Catalog</CmdType>"
      "<DeviceList><Item><DeviceID>31011309001320000302"
      "</DeviceID><Name>&lol9;</Name></Item></DeviceList>"
      "</Response>\n");
  start = g_get_monotonic_time ();
  g_assert_false (
      parse_bytes (CE_FORMAT_CATALOG, data->str, data->len, NULL, r, &error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_REFUSED);
  assert_contains_ci (error->message, "DTD");
  g_assert_cmpuint (r->cameras->len, ==, 0);
}

/* A listening socket that must see no connection: the DTD is refused
 * before anything could fetch it. */
static void
test_catalog_external_dtd (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4,
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) accepted = NULL;
  g_autoptr (Result) r = result_new ();
  g_autofree char *data = NULL;
  guint16 port;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, TRUE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  data = g_strdup_printf ("<?xml version=\"1.0\"?>\n"
                          "<!DOCTYPE Response SYSTEM "
                          "\"http://127.0.0.1:%u/x.dtd\">\n"
                          "<Response><CmdType>Catalog</CmdType></Response>\n",
      port);

  g_assert_false (parse_bytes (CE_FORMAT_CATALOG, data, -1, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_REFUSED);
  assert_contains_ci (error->message, "DTD");
  g_clear_error (&error);

  g_socket_set_blocking (socket, FALSE);
  accepted = g_socket_accept (socket, NULL, &error);
  g_assert_null (accepted);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

static void
test_catalog_truncated (void)
{
  g_autoptr (GString) data = g_string_new (catalog_full);
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  /* The second document stops in the middle of an item. */
  g_string_append (data,
      DECL_UTF8 RESPONSE_HEAD
      "<Item><DeviceID>31011309001320000002</DeviceID><Name>cut he");
  g_assert_false (
      parse_bytes (CE_FORMAT_CATALOG, data->str, data->len, NULL, r, &error));
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, "document 2: line 34: "));
  assert_contains_ci (error->message, "truncated");
  g_assert_cmpuint (r->cameras->len, ==, 1);
}

static void
test_catalog_malformed (void)
{
  static const struct
  {
    const char *data;
    const char *prefix;
  } cases[] = {
      {DECL_UTF8 RESPONSE_HEAD "<Item></Itm>" RESPONSE_TAIL,
          "document 1: line 8: "},
      {"<Response/>\n<Response><a b=\"1\" b=\"2\"/></Response>",
          "document 2: line 2: "},
      {"<Response/>trailing text", "document 1: line 1: "},
      {"\n\n  not xml", "document 1: line 3: "},
      {"", "line 1: "},
      {" \n\t ", "line 1: "},
      {"<?xml version=\"1.0\"?><?xml version=\"1.0\"?><Response/>",
          "document 1: line 1: "},
      {"<Response>\x01</Response>", "document 1: line 1: "},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (Result) r = result_new ();
    g_autoptr (GError) error = NULL;

    g_test_message ("case %zu", i);
    g_assert_false (
        parse_bytes (CE_FORMAT_CATALOG, cases[i].data, -1, NULL, r, &error));
    g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX);
    if (!g_str_has_prefix (error->message, cases[i].prefix))
      g_error ("“%s” does not start with “%s”", error->message,
          cases[i].prefix);
  }
}

static void
test_catalog_depth_bomb (void)
{
  g_autoptr (GString) data = g_string_new ("<Response>");
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) r2 = result_new ();
  g_autoptr (GError) error = NULL;
  gint64 start;

  for (int i = 0; i < 1000000; i++)
    g_string_append (data, "<a>");
  start = g_get_monotonic_time ();
  g_assert_false (
      parse_bytes (CE_FORMAT_CATALOG, data->str, data->len, NULL, r, &error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_REFUSED);
  assert_contains_ci (error->message, "64");

  /* 64 levels are fine. */
  g_string_assign (data, "<Response>");
  for (int i = 1; i < CE_IMPORT_MAX_XML_DEPTH; i++)
    g_string_append (data, "<a>");
  for (int i = 1; i < CE_IMPORT_MAX_XML_DEPTH; i++)
    g_string_append (data, "</a>");
  g_string_append (data, "</Response>");
  g_clear_error (&error);
  g_assert_true (
      parse_bytes (CE_FORMAT_CATALOG, data->str, data->len, NULL, r2, &error));
  g_assert_no_error (error);
}

static void
test_catalog_long_text (void)
{
  const char *const wrappers[][2] = {
      {"<Response><CmdType>", "</CmdType></Response>"},
      {"<Response><!--", "--></Response>"},
      {"<Response a=\"", "\"/>"},
      {"<Response><![CDATA[", "]]></Response>"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (wrappers); i++) {
    g_autoptr (GString) data = g_string_new (wrappers[i][0]);
    g_autoptr (Result) r = result_new ();
    g_autoptr (GError) error = NULL;

    g_test_message ("case %zu", i);
    for (int j = 0; j < CE_IMPORT_MAX_FIELD_BYTES + 1; j++)
      g_string_append_c (data, 'x');
    g_string_append (data, wrappers[i][1]);
    g_assert_false (
        parse_bytes (CE_FORMAT_CATALOG, data->str, data->len, NULL, r, &error));
    g_assert_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_REFUSED);
  }
}

/* libxml2 must not print anything, whatever the input. */
static void
test_catalog_silent (void)
{
  static const char *const inputs[] = {
      "<?xml version=\"1.0\" encoding=\"GB2312\"?><Response>\x80\xFF"
      "</Response>",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\xB1\xA6"
      "</Response>",
      "<Response><a></b></Response>",
      "<Response xmlns:x=\"y\"><x:a/><z:a/></Response>",
      "<?xml version=\"1.0\" encoding=\"EBCDIC\"?><Response/>",
      "<Response>&#0;</Response>",
  };

  if (g_test_subprocess ()) {
    for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++) {
      g_autoptr (Result) r = result_new ();
      g_autoptr (GError) error = NULL;

      parse_bytes (CE_FORMAT_CATALOG, inputs[i], -1, NULL, r, &error);
    }
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("");
  g_test_trap_assert_stderr ("");
}

static void
test_catalog_sample_utf8 (void)
{
  g_autofree char *path = sample_path ("catalog-utf8.xml");
  g_autofree char *csv = sample_path ("baoshan-50.csv");
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) c = result_new ();
  g_autoptr (GError) error = NULL;
  guint groups = 0;

  if (path == NULL || csv == NULL)
    return;
  g_assert_true (parse_sample (CE_FORMAT_CATALOG, path, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 50);
  g_assert_cmpuint (r->notes->len, ==, 18);
  for (guint i = 0; i < r->notes->len; i++)
    groups += strstr (r->notes->pdata[i], "used as a tag") != NULL;
  g_assert_cmpuint (groups, ==, 18);
  g_assert_true (g_str_has_prefix (r->notes->pdata[0],
      "document 1 item 1 (line 8): 业务分组 31011300002150000001 "
      "宝山区城运中心"));
  g_assert_true (g_str_has_prefix (where_at (r, 49), "document 4 item 8 "));

  /* The same cameras as the CSV form (the catalog adds the status). */
  g_assert_true (parse_sample (CE_FORMAT_CSV, csv, NULL, c, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < c->cameras->len; i++) {
    CeCamera *want = camera_at (c, i);
    int j = find_id (r, want->id);
    g_autoptr (CeCamera) got = NULL;
    g_autoptr (GError) invalid = NULL;

    g_assert_cmpint (j, >=, 0);
    got = ce_camera_copy (camera_at (r, j));
    g_assert_true (ce_camera_validate (got, &invalid));
    g_assert_no_error (invalid);
    got->status = CE_STATUS_UNKNOWN;
    if (!ce_camera_equal_content (got, want))
      g_error ("%s differs between catalog and CSV", want->id);
  }
}

static void
test_catalog_sample_gb2312 (void)
{
  g_autofree char *path = sample_path ("catalog-gb2312.xml");
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;
  int i;

  if (path == NULL)
    return;
  g_assert_true (parse_sample (CE_FORMAT_CATALOG, path, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 20);
  for (guint k = 0; k < 20; k++) {
    g_autofree char *prefix = g_strdup_printf ("document %u item 1 ", k + 1);
    g_autoptr (GError) invalid = NULL;
    g_autoptr (CeCamera) copy = ce_camera_copy (camera_at (r, k));

    g_assert_true (g_str_has_prefix (where_at (r, k), prefix));
    g_assert_cmpstr (copy->street, ==, "顾村镇");
    ce_camera_take_url_credentials (copy);
    g_assert_true (ce_camera_validate (copy, &invalid));
    g_assert_no_error (invalid);
  }
  i = find_id (r, "31011309001320000293");
  g_assert_cmpint (i, ==, 4);
  c = camera_at (r, i);
  g_assert_cmpstr (c->rtsp_url, ==,
      "rtsp://admin@127.0.0.1:8555/cam/31011309001320000293");
  g_assert_null (c->password);
  ce_camera_take_url_credentials (c);
  g_assert_cmpstr (c->username, ==, "admin");
  g_assert_cmpstr (c->rtsp_url, ==,
      "rtsp://127.0.0.1:8555/cam/31011309001320000293");
}

static void
test_catalog_sample_field (void)
{
  g_autofree char *path = sample_path ("catalog-field-sample.xml");
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) invalid = NULL;
  CeCamera *c;

  if (path == NULL)
    return;
  g_assert_true (parse_sample (CE_FORMAT_CATALOG, path, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 2);

  g_assert_true (g_str_has_prefix (where_at (r, 0), "document 1 item 1"));
  c = camera_at (r, 0);
  g_assert_cmpstr (c->id, ==, "11010800001311000054");
  g_assert_null (c->civil_code);
  g_assert_false (ce_camera_validate (c, &invalid));
  g_assert_error (invalid, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD);
  g_assert_true (strstr (invalid->message, "lon") != NULL ||
      strstr (invalid->message, "lat") != NULL ||
      strstr (invalid->message, "position") != NULL ||
      strstr (invalid->message, "source") != NULL);
  g_clear_error (&invalid);

  g_assert_true (g_str_has_prefix (where_at (r, 1), "document 2 item 1"));
  c = camera_at (r, 1);
  g_assert_cmpstr (c->id, ==, "31011312001320000054");
  g_assert_cmpstr (c->name, ==, "宝山区淞南镇长江南路逸仙路口东南角");
  g_assert_cmpstr (c->civil_code, ==, "310113");
  g_assert_cmpfloat (c->lon, ==, 121.4873);
  g_assert_cmpfloat (c->lat, ==, 31.3342);
  g_assert_cmpint (c->ptz_type, ==, 1);
  g_assert_cmpint (c->source, ==, CE_SOURCE_PUBLIC_SECURITY);
  g_assert_true (ce_camera_validate (c, &invalid));
  g_assert_no_error (invalid);
}

static void
test_catalog_sample_bad (void)
{
  static const struct
  {
    const char *file;
    int code;
    const char *keyword;
  } cases[] = {
      {"bad/xxe.xml", CE_IMPORT_ERROR_REFUSED, "DTD"},
      {"bad/billion-laughs.xml", CE_IMPORT_ERROR_REFUSED, "DTD"},
      {"bad/external-dtd.xml", CE_IMPORT_ERROR_REFUSED, "DTD"},
      {"bad/truncated.xml", CE_IMPORT_ERROR_SYNTAX, "truncated"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = sample_path (cases[i].file);
    g_autoptr (Result) r = result_new ();
    g_autoptr (GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    if (path == NULL)
      return;
    g_test_message ("%s", cases[i].file);
    g_assert_false (parse_sample (CE_FORMAT_CATALOG, path, NULL, r, &error));
    g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
    g_assert_error (error, CE_IMPORT_ERROR, cases[i].code);
    assert_contains_ci (error->message, cases[i].keyword);
    g_assert_null (strstr (error->message, "root:"));
    if (cases[i].code == CE_IMPORT_ERROR_REFUSED)
      g_assert_cmpuint (r->cameras->len, ==, 0);
  }
}

/* GeoJSON */

static const char geojson_good[] =
    "{\"type\": \"FeatureCollection\", \"features\": [\n"
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
    "\"coordinates\": [121.3798, 31.3476, 4.5]}, \"properties\": {"
    "\"id\": \"31011309001320000201\", \"name\": \"顾村公园南门\", "
    "\"source\": \"public_security\", \"street\": \"顾村镇\", "
    "\"civil_code\": 310113109, \"address\": \"沪太路4788号\", "
    "\"rtsp_url\": \"rtsp://h/1\", \"rtsp_url_sub\": null, "
    "\"username\": \"u\", \"password\": \"p\", \"secrecy\": 1, "
    "\"ptz_type\": \"3\", \"azimuth\": 270.5, \"tags\": [\"公园\", \"门口\"], "
    "\"status\": \"ON\", \"OBJECTID\": 7, \"lon\": 1, \"lat\": 2}},\n"
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
    "\"coordinates\": [121, 31]}, \"properties\": {"
    "\"ID\": \"31011309001320000202\", \"secrecy\": \"0\", "
    "\"azimuth\": \"\", \"ptz_type\": 2, \"tags\": \"a,b\", "
    "\"source\": \"雪亮\"}}\n"
    "]}";

static void
test_geojson_good (void)
{
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;
  CeCamera *c;

  g_assert_true (
      parse_bytes (CE_FORMAT_GEOJSON, geojson_good, -1, NULL, r, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 2);
  g_assert_cmpstr (where_at (r, 0), ==, "feature 1");
  c = camera_at (r, 0);
  g_assert_cmpstr (c->id, ==, "31011309001320000201");
  g_assert_cmpstr (c->name, ==, "顾村公园南门");
  g_assert_cmpint (c->source, ==, CE_SOURCE_PUBLIC_SECURITY);
  g_assert_cmpstr (c->street, ==, "顾村镇");
  g_assert_cmpstr (c->civil_code, ==, "310113109");
  g_assert_cmpstr (c->address, ==, "沪太路4788号");
  g_assert_cmpfloat (c->lon, ==, 121.3798);
  g_assert_cmpfloat (c->lat, ==, 31.3476);
  g_assert_cmpstr (c->rtsp_url, ==, "rtsp://h/1");
  g_assert_null (c->rtsp_url_sub);
  g_assert_cmpstr (c->username, ==, "u");
  g_assert_cmpstr (c->password, ==, "p");
  g_assert_cmpint (c->secrecy, ==, 1);
  g_assert_cmpint (c->ptz_type, ==, 3);
  g_assert_cmpfloat (c->azimuth, ==, 270.5);
  g_assert_cmpstr (c->tags, ==, "公园,门口");
  g_assert_cmpint (c->status, ==, CE_STATUS_ONLINE);

  g_assert_cmpstr (where_at (r, 1), ==, "feature 2");
  c = camera_at (r, 1);
  g_assert_cmpstr (c->id, ==, "31011309001320000202");
  g_assert_cmpfloat (c->lon, ==, 121);
  g_assert_cmpfloat (c->lat, ==, 31);
  g_assert_cmpint (c->secrecy, ==, 0);
  g_assert_true (isnan (c->azimuth));
  g_assert_cmpint (c->ptz_type, ==, 2);
  g_assert_cmpstr (c->tags, ==, "a,b");
  g_assert_cmpint (c->source, ==, CE_SOURCE_XUELIANG);
}

static void
test_geojson_single_feature (void)
{
  static const char data[] =
      "\xEF\xBB\xBF{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\","
      " \"coordinates\": [121.5, 31.4]}, \"properties\": {\"id\": "
      "\"31011309001320000201\"}}";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (parse_bytes (CE_FORMAT_GEOJSON, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 1);
  g_assert_cmpstr (where_at (r, 0), ==, "feature 1");
  g_assert_cmpfloat (camera_at (r, 0)->lon, ==, 121.5);
}

static void
test_geojson_bad_features (void)
{
  static const char data[] =
      "{\"type\": \"FeatureCollection\", \"features\": [\n"
      "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", "
      "\"coordinates\": [[121, 31], [121.1, 31.1]]}, \"properties\": "
      "{\"id\": \"31011309001320000201\"}},\n"
      "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
      "\"coordinates\": [121.3829]}, \"properties\": {\"id\": "
      "\"31011309001320000202\"}},\n"
      "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
      "\"coordinates\": [121, 31]}},\n"
      "{\"type\": \"Feature\", \"geometry\": null, \"properties\": "
      "{\"id\": \"31011309001320000204\"}},\n"
      "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
      "\"coordinates\": [\"121\", 31]}, \"properties\": {\"id\": "
      "31011309001320000205, \"name\": true, \"secrecy\": 3, "
      "\"azimuth\": \"east\", \"source\": \"police\", \"status\": 1}},\n"
      "[1, 2]\n"
      "]}";
  g_autoptr (Result) r = result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (parse_bytes (CE_FORMAT_GEOJSON, data, -1, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->cameras->len, ==, 6);
  g_assert_cmpstr (problem_at (r, 0), ==,
      "geometry is LineString, only Point is imported");
  g_assert_cmpstr (camera_at (r, 0)->id, ==, "31011309001320000201");
  assert_contains_ci (problem_at (r, 1), "coordinates");
  g_assert_null (camera_at (r, 2));
  assert_contains_ci (problem_at (r, 2), "properties");
  assert_contains_ci (problem_at (r, 3), "geometry");
  assert_contains_ci (problem_at (r, 4), "coordinates");
  assert_contains_ci (problem_at (r, 4), "id: a number");
  assert_contains_ci (problem_at (r, 4), "name: a boolean, not a string");
  assert_contains_ci (problem_at (r, 4), "secrecy: “3”");
  assert_contains_ci (problem_at (r, 4), "azimuth: “east”");
  assert_contains_ci (problem_at (r, 4), "source: “police”");
  assert_contains_ci (problem_at (r, 4), "status: “1”");
  g_assert_null (camera_at (r, 5));
  g_assert_cmpstr (where_at (r, 5), ==, "feature 6");
}

static void
test_geojson_not_geojson (void)
{
  static const struct
  {
    const char *data;
    int code;
    const char *keyword;
  } cases[] = {
      {"{\"type\": \"FeatureCollection\",\n \"features\": [,]}",
          CE_IMPORT_ERROR_SYNTAX, "line 2: not valid JSON"},
      {"id,name\n1,2\n", CE_IMPORT_ERROR_SYNTAX, "line 1: not a GeoJSON"},
      {"", CE_IMPORT_ERROR_SYNTAX, "empty"},
      {" \n [1, 2]", CE_IMPORT_ERROR_SYNTAX, "line 2: not a GeoJSON object"},
      {"0{\"type\": \"Feature\"}", CE_IMPORT_ERROR_SYNTAX, "not a GeoJSON"},
      {"{\"type\": \"Feature\"} {}", CE_IMPORT_ERROR_SYNTAX, "JSON"},
      {"{\"type\": \"Polygon\", \"coordinates\": []}", CE_IMPORT_ERROR_SYNTAX,
          "Polygon"},
      {"{\"type\": \"FeatureCollection\"}", CE_IMPORT_ERROR_SYNTAX, "features"},
      {"{\"a\": 1}", CE_IMPORT_ERROR_SYNTAX, "type"},
      {"{\"type\": \"Feature\",\n\"name\": \"\xB1\xA6\"}",
          CE_IMPORT_ERROR_ENCODING, "line 2"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (Result) r = result_new ();
    g_autoptr (GError) error = NULL;

    g_test_message ("case %zu", i);
    g_assert_false (
        parse_bytes (CE_FORMAT_GEOJSON, cases[i].data, -1, NULL, r, &error));
    g_assert_error (error, CE_IMPORT_ERROR, cases[i].code);
    assert_contains_ci (error->message, cases[i].keyword);
  }
}

static void
test_geojson_samples (void)
{
  g_autofree char *path = sample_path ("baoshan-50.geojson");
  g_autofree char *csv = sample_path ("baoshan-50.csv");
  g_autofree char *bad = sample_path ("bad/bad.geojson");
  g_autoptr (Result) r = result_new ();
  g_autoptr (Result) c = result_new ();
  g_autoptr (Result) b = result_new ();
  g_autoptr (GError) error = NULL;

  if (path == NULL || csv == NULL || bad == NULL)
    return;
  g_assert_true (parse_sample (CE_FORMAT_GEOJSON, path, NULL, r, &error));
  g_assert_no_error (error);
  g_assert_true (parse_sample (CE_FORMAT_CSV, csv, NULL, c, &error));
  g_assert_no_error (error);
  assert_no_problems (r);
  g_assert_cmpuint (r->cameras->len, ==, 50);
  for (guint i = 0; i < 50; i++) {
    g_autofree char *where = g_strdup_printf ("feature %u", i + 1);

    g_assert_cmpstr (where_at (r, i), ==, where);
    if (!ce_camera_equal_content (camera_at (r, i), camera_at (c, i)))
      g_error ("%s differs between GeoJSON and CSV", camera_at (c, i)->id);
  }

  g_assert_true (parse_sample (CE_FORMAT_GEOJSON, bad, NULL, b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (b->cameras->len, ==, 4);
  g_assert_null (problem_at (b, 0));
  g_assert_cmpstr (camera_at (b, 0)->id, ==, "31011309001320000201");
  g_assert_cmpfloat (camera_at (b, 0)->lon, ==, 121.3798);
  g_assert_cmpfloat (camera_at (b, 0)->lat, ==, 31.3476);
  assert_contains_ci (problem_at (b, 1), "Point");
  assert_contains_ci (problem_at (b, 2), "coordinates");
  assert_contains_ci (problem_at (b, 3), "properties");
  g_assert_cmpstr (where_at (b, 3), ==, "feature 4");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/parsers/csv/quoting", test_csv_quoting);
  g_test_add_func ("/parsers/csv/crlf-bom-blank", test_csv_crlf_bom_blank);
  g_test_add_func ("/parsers/csv/columns", test_csv_columns);
  g_test_add_func ("/parsers/csv/chinese-header", test_csv_chinese_header);
  g_test_add_func ("/parsers/csv/field-problems", test_csv_field_problems);
  g_test_add_func ("/parsers/csv/cell-count", test_csv_cell_count);
  g_test_add_func ("/parsers/csv/oversize", test_csv_oversize);
  g_test_add_func ("/parsers/csv/unterminated-quote",
      test_csv_unterminated_quote);
  g_test_add_func ("/parsers/csv/header-errors", test_csv_header_errors);
  g_test_add_func ("/parsers/csv/unknown-column-lists-known",
      test_csv_unknown_column_lists_known);
  g_test_add_func ("/parsers/csv/gbk-detected", test_csv_gbk_detected);
  g_test_add_func ("/parsers/csv/wrong-encoding", test_csv_wrong_encoding);
  g_test_add_func ("/parsers/csv/invalid-gb18030", test_csv_invalid_gb18030);
  g_test_add_func ("/parsers/csv/bom-conflict", test_csv_bom_conflict);
  g_test_add_func ("/parsers/csv/nul-byte", test_csv_nul_byte);
  g_test_add_func ("/parsers/csv/large", test_csv_large);
  g_test_add_func ("/parsers/csv/late-gbk", test_csv_late_gbk);
  g_test_add_func ("/parsers/csv/cancel-and-abort", test_csv_cancel_and_abort);
  g_test_add_func ("/parsers/csv/sample", test_csv_sample);
  g_test_add_func ("/parsers/csv/sample-gbk", test_csv_sample_gbk);
  g_test_add_func ("/parsers/csv/sample-bad-rows", test_csv_bad_rows);
  g_test_add_func ("/parsers/csv/sample-bad-header",
      test_csv_bad_header_samples);

  g_test_add_func ("/parsers/catalog/fields", test_catalog_fields);
  g_test_add_func ("/parsers/catalog/sample-a", test_catalog_sample_a);
  g_test_add_func ("/parsers/catalog/gb2312", test_catalog_gb2312);
  g_test_add_func ("/parsers/catalog/gb2312-with-gbk-chars",
      test_catalog_gb2312_with_gbk_chars);
  g_test_add_func ("/parsers/catalog/gbk-trail-bytes",
      test_catalog_gbk_trail_bytes);
  g_test_add_func ("/parsers/catalog/undeclared-gbk",
      test_catalog_undeclared_gbk);
  g_test_add_func ("/parsers/catalog/declaration-wins",
      test_catalog_declaration_wins);
  g_test_add_func ("/parsers/catalog/invalid-gb-bytes",
      test_catalog_invalid_gb_bytes);
  g_test_add_func ("/parsers/catalog/unsupported-encoding",
      test_catalog_unsupported_encoding);
  g_test_add_func ("/parsers/catalog/many-documents",
      test_catalog_many_documents);
  g_test_add_func ("/parsers/catalog/one-item-per-packet",
      test_catalog_one_item_per_packet);
  g_test_add_func ("/parsers/catalog/groups", test_catalog_groups);
  g_test_add_func ("/parsers/catalog/not-cameras", test_catalog_not_cameras);
  g_test_add_func ("/parsers/catalog/values", test_catalog_values);
  g_test_add_func ("/parsers/catalog/xxe", test_catalog_xxe);
  g_test_add_func ("/parsers/catalog/billion-laughs",
      test_catalog_billion_laughs);
  g_test_add_func ("/parsers/catalog/external-dtd", test_catalog_external_dtd);
  g_test_add_func ("/parsers/catalog/truncated", test_catalog_truncated);
  g_test_add_func ("/parsers/catalog/malformed", test_catalog_malformed);
  g_test_add_func ("/parsers/catalog/depth-bomb", test_catalog_depth_bomb);
  g_test_add_func ("/parsers/catalog/long-text", test_catalog_long_text);
  g_test_add_func ("/parsers/catalog/silent", test_catalog_silent);
  g_test_add_func ("/parsers/catalog/sample-utf8", test_catalog_sample_utf8);
  g_test_add_func ("/parsers/catalog/sample-gb2312",
      test_catalog_sample_gb2312);
  g_test_add_func ("/parsers/catalog/sample-field", test_catalog_sample_field);
  g_test_add_func ("/parsers/catalog/sample-bad", test_catalog_sample_bad);

  g_test_add_func ("/parsers/geojson/good", test_geojson_good);
  g_test_add_func ("/parsers/geojson/single-feature",
      test_geojson_single_feature);
  g_test_add_func ("/parsers/geojson/bad-features", test_geojson_bad_features);
  g_test_add_func ("/parsers/geojson/not-geojson", test_geojson_not_geojson);
  g_test_add_func ("/parsers/geojson/samples", test_geojson_samples);

  return g_test_run ();
}
