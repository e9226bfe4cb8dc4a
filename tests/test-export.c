/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Tests of the inventory writers: CSV, catalog XML, GeoJSON and KML.
 */
#include "ce-export.h"
#include "ce-import.h"

#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

static const CeFormat all_formats[] = {CE_FORMAT_CSV, CE_FORMAT_CATALOG,
    CE_FORMAT_GEOJSON, CE_FORMAT_KML};

/* Every credential the fixtures hold; none may appear without the flag. */
static const char *const secrets[] = {"ce-user-a1", "ce-pass-a1", "ce-user-b2",
    "ce-pass-b2", "ce-user-d4", "p\"w,d"};

static CeCamera *
make_camera (const char *id, const char *name, CeSource source, double lon,
    double lat)
{
  CeCamera *camera = ce_camera_new ();

  camera->id = g_strdup (id);
  camera->name = g_strdup (name);
  camera->source = source;
  camera->lon = lon;
  camera->lat = lat;
  return camera;
}

/* Four cameras with the awkward cases: Chinese text, quotes, commas,
 * newlines, CR, TAB, U+2028, NAN azimuth, secrecy 1, credentials. */
static GPtrArray *
make_cameras (void)
{
  GPtrArray *cameras =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  CeCamera *c;

  c = make_camera ("31011300001320000001", "宝山区顾村镇沪太路菊太路口东北角",
      CE_SOURCE_PUBLIC_SECURITY, 121.38448, 31.34741);
  c->street = g_strdup ("顾村镇");
  c->civil_code = g_strdup ("310113");
  c->address = g_strdup ("沪太路, 菊太路口 \"东北角\"");
  c->rtsp_url = g_strdup ("rtsp://10.1.1.1:554/Streaming/Channels/101");
  c->rtsp_url_sub = g_strdup ("rtsp://10.1.1.1:554/Streaming/Channels/102");
  c->username = g_strdup ("ce-user-a1");
  c->password = g_strdup ("ce-pass-a1");
  c->secrecy = 1;
  c->ptz_type = 1;
  c->azimuth = 45.5;
  c->tags = g_strdup ("路口,治安");
  c->status = CE_STATUS_ONLINE;
  g_ptr_array_add (cameras, c);

  c = make_camera ("31011300001310000002", "友谊路 \"北门\", 东侧\n第二杆",
      CE_SOURCE_XUELIANG, 121.48522, 31.40719);
  c->street = g_strdup ("友谊路街道");
  c->civil_code = g_strdup ("31011300");
  c->address = g_strdup ("密山路5号 <宝山区政府> & 'x'");
  c->rtsp_url = g_strdup ("rtsp://10.1.1.2/live");
  c->username = g_strdup ("ce-user-b2");
  c->password = g_strdup ("ce-pass-b2");
  c->ptz_type = 3;
  c->status = CE_STATUS_OFFLINE;
  g_ptr_array_add (cameras, c);

  c = make_camera ("31011300001320000003", "Line1\r\nLine2\tTab 吴淞",
      CE_SOURCE_SOCIAL, 121.49554, 31.37695);
  c->rtsp_url = g_strdup ("rtsp://10.1.1.3/a");
  c->rtsp_url_sub = g_strdup ("rtsp://10.1.1.3/b");
  c->azimuth = 0;
  c->tags = g_strdup ("=SUM(A1)");
  g_ptr_array_add (cameras, c);

  c = make_camera ("31011300001380000004", "单兵\u2028分隔 -1",
      CE_SOURCE_MOBILE, 121.42, 31.39404);
  c->username = g_strdup ("ce-user-d4");
  c->password = g_strdup ("p\"w,d\n4");
  c->ptz_type = 7;
  c->azimuth = 359.999999;
  c->status = CE_STATUS_ONLINE;
  g_ptr_array_add (cameras, c);

  for (guint i = 0; i < cameras->len; i++) {
    g_autoptr (GError) error = NULL;

    g_assert_true (ce_camera_validate (cameras->pdata[i], &error));
    g_assert_no_error (error);
  }
  return cameras;
}

/* Returns: (transfer full): the whole output, NUL-terminated. */
static char *
export_cameras (CeFormat format, CeCrs crs, CeExportFlags flags,
    GPtrArray *cameras)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (CeExporter) exporter = NULL;
  g_autoptr (GError) error = NULL;

  exporter = ce_exporter_new (format, out, crs, flags, &error);
  g_assert_no_error (error);
  g_assert_nonnull (exporter);
  for (guint i = 0; i < cameras->len; i++) {
    g_assert_true (ce_exporter_add (exporter, cameras->pdata[i], &error));
    g_assert_no_error (error);
  }
  g_assert_true (ce_exporter_finish (exporter, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static char *
coord (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof (buf), "%.6f", v));
}

/* A strict RFC 4180 reader, enough to check what the writer produced:
 * returns one GStrv per record. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0') {
    if (*p == '"') {
      for (p++;; p++) {
        g_assert_true (*p != '\0');
        if (*p == '"' && p[1] == '"') {
          g_string_append_c (field, '"');
          p++;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          g_string_append_c (field, *p);
        }
      }
      g_assert_true (*p == ',' || *p == '\n');
    }
    while (*p != ',' && *p != '\n') {
      g_assert_true (*p != '\0' && *p != '"' && *p != '\r');
      g_string_append_c (field, *p++);
    }
    g_ptr_array_add (fields, g_strdup (field->str));
    g_string_truncate (field, 0);
    if (*p++ == '\n') {
      g_ptr_array_add (fields, NULL);
      g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
    }
  }
  return rows;
}

static const char *
csv_cell (GPtrArray *rows, guint row, const char *column)
{
  char **header = rows->pdata[0];
  char **cells = rows->pdata[row];

  for (guint i = 0; header[i] != NULL; i++)
    if (strcmp (header[i], column) == 0)
      return cells[i];
  return NULL;
}

static void
test_csv_basic (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autofree char *out =
      export_cameras (CE_FORMAT_CSV, CE_CRS_WGS84, 0, cameras);
  g_autoptr (GPtrArray) rows = parse_csv (out);

  g_assert_true (g_str_has_prefix (out,
      "id,name,source,street,civil_code,address,lon,lat,rtsp_url,"
      "rtsp_url_sub,secrecy,ptz_type,azimuth,tags,status\n"));
  /* LF line ends: parse_csv() refuses a CR outside quotes. */
  g_assert_cmpuint (rows->len, ==, cameras->len + 1);
  for (guint i = 0; i < cameras->len; i++) {
    const CeCamera *c = cameras->pdata[i];
    char **cells = rows->pdata[i + 1];
    g_autofree char *lon = coord (c->lon);
    g_autofree char *lat = coord (c->lat);

    g_assert_cmpuint (g_strv_length (cells), ==, 15);
    g_assert_cmpstr (csv_cell (rows, i + 1, "id"), ==, c->id);
    g_assert_cmpstr (csv_cell (rows, i + 1, "name"), ==, c->name);
    g_assert_cmpstr (csv_cell (rows, i + 1, "source"), ==,
        ce_source_to_string (c->source));
    g_assert_cmpstr (csv_cell (rows, i + 1, "lon"), ==, lon);
    g_assert_cmpstr (csv_cell (rows, i + 1, "lat"), ==, lat);
    g_assert_cmpstr (csv_cell (rows, i + 1, "status"), ==,
        ce_status_to_string (c->status));
  }
  /* Quoting, numbers, empty cells and the formula-looking cell kept. */
  g_assert_nonnull (strstr (out, ",\"沪太路, 菊太路口 \"\"东北角\"\"\","));
  g_assert_nonnull (strstr (out, "\"友谊路 \"\"北门\"\", 东侧\n第二杆\""));
  g_assert_cmpstr (csv_cell (rows, 1, "azimuth"), ==, "45.5");
  g_assert_cmpstr (csv_cell (rows, 2, "azimuth"), ==, "");
  g_assert_cmpstr (csv_cell (rows, 3, "azimuth"), ==, "0");
  g_assert_cmpstr (csv_cell (rows, 4, "azimuth"), ==, "359.999999");
  g_assert_cmpstr (csv_cell (rows, 1, "secrecy"), ==, "1");
  g_assert_cmpstr (csv_cell (rows, 3, "street"), ==, "");
  g_assert_cmpstr (csv_cell (rows, 3, "tags"), ==, "=SUM(A1)");
  g_assert_cmpstr (csv_cell (rows, 1, "tags"), ==, "路口,治安");
}

static void
test_csv_credentials (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autofree char *out = export_cameras (CE_FORMAT_CSV, CE_CRS_WGS84,
      CE_EXPORT_WITH_CREDENTIALS, cameras);
  g_autoptr (GPtrArray) rows = parse_csv (out);
  g_autofree char *header = g_strjoinv (",", (char **) ce_csv_columns);

  g_assert_true (g_str_has_prefix (out, header));
  g_assert_cmpuint (g_strv_length (rows->pdata[0]), ==,
      g_strv_length ((char **) ce_csv_columns));
  g_assert_cmpstr (csv_cell (rows, 1, "username"), ==, "ce-user-a1");
  g_assert_cmpstr (csv_cell (rows, 1, "password"), ==, "ce-pass-a1");
  g_assert_cmpstr (csv_cell (rows, 3, "password"), ==, "");
  g_assert_cmpstr (csv_cell (rows, 4, "password"), ==, "p\"w,d\n4");
}

static void
test_credentials_absent (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  CeCamera *leaky = make_camera ("31011300001320000005", "URL with userinfo",
      CE_SOURCE_SOCIAL, 121.4, 31.35);

  /* Not what the registry stores, but the writer masks URLs anyway. */
  leaky->rtsp_url = g_strdup ("rtsp://leaky:ce-pass-url@10.1.1.5/x");
  leaky->rtsp_url_sub = g_strdup ("rtsp://leaky:ce-pass-url@10.1.1.5/y");
  g_ptr_array_add (cameras, leaky);

  for (gsize f = 0; f < G_N_ELEMENTS (all_formats); f++) {
    g_autofree char *out =
        export_cameras (all_formats[f], CE_CRS_WGS84, 0, cameras);
    g_autofree char *with = export_cameras (all_formats[f], CE_CRS_WGS84,
        CE_EXPORT_WITH_CREDENTIALS, cameras);

    g_test_message ("format %s", ce_format_to_string (all_formats[f]));
    for (gsize i = 0; i < G_N_ELEMENTS (secrets); i++)
      g_assert_null (strstr (out, secrets[i]));
    g_assert_null (strstr (out, "ce-pass-url"));
    g_assert_null (strstr (out, "leaky"));
    g_assert_null (strstr (out, "assword"));
    g_assert_null (strstr (out, "sername"));
    g_assert_nonnull (strstr (out, "rtsp://***@10.1.1.5/x"));
    g_assert_nonnull (strstr (out, "rtsp://***@10.1.1.5/y"));

    /* With the flag: the plain-ASCII ones appear verbatim. */
    for (gsize i = 0; i < 5; i++)
      g_assert_nonnull (strstr (with, secrets[i]));
    g_assert_nonnull (strstr (with, "rtsp://leaky:ce-pass-url@10.1.1.5/x"));
  }
}

/* cityeye's own parser */

static gboolean
collect_record (CeCamera *camera, const char *where, const char *problem,
    gpointer user_data, GError **error)
{
  GPtrArray *cameras = user_data;

  if (problem != NULL)
    g_test_message ("%s: %s", where, problem);
  g_assert_null (problem);
  g_assert_nonnull (camera);
  g_ptr_array_add (cameras, camera);
  return TRUE;
}

/* Returns: (transfer full): the cameras ce_import_parse() reads back. */
static GPtrArray *
import_all (CeFormat format, const char *text)
{
  GPtrArray *cameras =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  g_autoptr (GInputStream) in =
      g_memory_input_stream_new_from_data (text, strlen (text), NULL);
  g_autoptr (GError) error = NULL;
  CeImportParser parser = {
      .format = format,
      .record = collect_record,
      .user_data = cameras,
  };

  g_assert_true (ce_import_parse (in, &parser, NULL, &error));
  g_assert_no_error (error);
  return cameras;
}

/* Catalog XML */

static const char *
child_text (xmlNode *node, const char *name, char **owned)
{
  for (xmlNode *n = node->children; n != NULL; n = n->next) {
    if (n->type == XML_ELEMENT_NODE &&
        strcmp ((const char *) n->name, name) == 0) {
      xmlChar *content = xmlNodeGetContent (n);

      g_free (*owned);
      *owned = g_strdup ((const char *) content);
      xmlFree (content);
      return *owned;
    }
  }
  return NULL;
}

/* Pointers to each "<?xml" declaration: the documents in a catalog file. */
static GPtrArray *
split_documents (const char *text)
{
  GPtrArray *docs = g_ptr_array_new ();

  for (const char *p = strstr (text, "<?xml"); p != NULL;
       p = strstr (p + 1, "<?xml"))
    g_ptr_array_add (docs, (gpointer) p);
  g_ptr_array_add (docs, (gpointer) (text + strlen (text)));
  return docs;
}

static xmlDoc *
parse_xml (const char *start, const char *end)
{
  xmlDoc *doc = xmlReadMemory (start, (int) (end - start), "export.xml", NULL,
      XML_PARSE_NONET);

  g_assert_nonnull (doc);
  g_assert_nonnull (xmlDocGetRootElement (doc));
  return doc;
}

static void
test_catalog_items (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autofree char *out =
      export_cameras (CE_FORMAT_CATALOG, CE_CRS_WGS84, 0, cameras);
  g_autoptr (GPtrArray) docs = split_documents (out);
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *text = NULL;
  xmlNode *root, *list = NULL;
  xmlChar *num;
  guint n = 0;

  g_assert_true (g_str_has_prefix (out,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"));
  g_assert_cmpuint (docs->len, ==, 2);
  doc = parse_xml (docs->pdata[0], docs->pdata[1]);
  root = xmlDocGetRootElement (doc);
  g_assert_cmpstr ((const char *) root->name, ==, "Response");
  g_assert_cmpstr (child_text (root, "CmdType", &text), ==, "Catalog");
  g_assert_cmpstr (child_text (root, "SN", &text), ==, "1");
  g_assert_cmpstr (child_text (root, "DeviceID", &text), ==,
      "31011300002000000001");
  g_assert_cmpstr (child_text (root, "SumNum", &text), ==, "4");
  for (xmlNode *c = root->children; c != NULL; c = c->next)
    if (c->type == XML_ELEMENT_NODE &&
        strcmp ((const char *) c->name, "DeviceList") == 0)
      list = c;
  g_assert_nonnull (list);
  num = xmlGetProp (list, (const xmlChar *) "Num");
  g_assert_cmpstr ((const char *) num, ==, "4");
  xmlFree (num);

  for (xmlNode *item = list->children; item != NULL; item = item->next) {
    const CeCamera *c;
    g_autofree char *lon = NULL;
    g_autofree char *lat = NULL;

    if (item->type != XML_ELEMENT_NODE)
      continue;
    c = cameras->pdata[n++];
    lon = coord (c->lon);
    lat = coord (c->lat);
    g_assert_cmpstr ((const char *) item->name, ==, "Item");
    g_assert_cmpstr (child_text (item, "DeviceID", &text), ==, c->id);
    /* CR, TAB, LF, quotes and & < > come back exactly. */
    g_assert_cmpstr (child_text (item, "Name", &text), ==, c->name);
    g_assert_cmpstr (child_text (item, "Parental", &text), ==, "0");
    g_assert_cmpstr (child_text (item, "ParentID", &text), ==,
        "31011300002000000001");
    g_assert_cmpstr (child_text (item, "RegisterWay", &text), ==, "1");
    g_assert_cmpstr (child_text (item, "SafetyWay", &text), ==, "0");
    g_assert_cmpint (atoi (child_text (item, "Secrecy", &text)), ==,
        c->secrecy);
    g_assert_cmpstr (child_text (item, "Longitude", &text), ==, lon);
    g_assert_cmpstr (child_text (item, "Latitude", &text), ==, lat);
    g_assert_cmpstr (child_text (item, "Source", &text), ==,
        ce_source_to_string (c->source));
    g_assert_cmpstr (child_text (item, "Manufacturer", &text), ==, "");
    g_assert_null (child_text (item, "Password", &text));
    g_assert_null (child_text (item, "Username", &text));
    if (c->status == CE_STATUS_UNKNOWN)
      g_assert_null (child_text (item, "Status", &text));
    else
      g_assert_cmpstr (child_text (item, "Status", &text), ==,
          c->status == CE_STATUS_ONLINE ? "ON" : "OFF");
    if (isnan (c->azimuth))
      g_assert_null (child_text (item, "Azimuth", &text));
    if (c->ptz_type > 0)
      g_assert_cmpint (atoi (child_text (item, "Info", &text)), ==,
          c->ptz_type);
    else
      g_assert_null (child_text (item, "Info", &text));
  }
  g_assert_cmpuint (n, ==, cameras->len);
  g_assert_nonnull (strstr (out,
      "<Address>密山路5号 &lt;宝山区政府&gt; &amp; "
      "&apos;x&apos;</Address>"));
  g_assert_nonnull (strstr (out, "<Azimuth>359.999999</Azimuth>"));
}

static void
test_catalog_documents (void)
{
  g_autoptr (GPtrArray) base = make_cameras ();
  g_autoptr (GPtrArray) cameras =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) docs = NULL;
  g_autoptr (GPtrArray) back = NULL;
  const guint expected[] = {500, 500, 201};
  guint total = 0;

  for (guint i = 0; i < 1201; i++) {
    CeCamera *c = ce_camera_copy (base->pdata[i % base->len]);

    g_free (c->id);
    c->id = g_strdup_printf ("310113000013200%05u", i);
    g_ptr_array_add (cameras, c);
  }
  out = export_cameras (CE_FORMAT_CATALOG, CE_CRS_WGS84,
      CE_EXPORT_WITH_CREDENTIALS, cameras);
  docs = split_documents (out);
  g_assert_cmpuint (docs->len, ==, G_N_ELEMENTS (expected) + 1);
  for (guint d = 0; d < G_N_ELEMENTS (expected); d++) {
    g_autoptr (xmlDoc) doc = parse_xml (docs->pdata[d], docs->pdata[d + 1]);
    xmlNode *root = xmlDocGetRootElement (doc);
    g_autofree char *text = NULL;
    g_autofree char *sn = g_strdup_printf ("%u", d + 1);
    guint items = 0;

    g_assert_cmpstr (child_text (root, "SN", &text), ==, sn);
    g_assert_cmpuint (atoi (child_text (root, "SumNum", &text)), ==,
        expected[d]);
    for (xmlNode *c = root->children; c != NULL; c = c->next) {
      if (c->type != XML_ELEMENT_NODE ||
          strcmp ((const char *) c->name, "DeviceList") != 0)
        continue;
      for (xmlNode *item = c->children; item != NULL; item = item->next) {
        g_autofree char *id = NULL;

        if (item->type != XML_ELEMENT_NODE)
          continue;
        id = g_strdup_printf ("310113000013200%05u", total + items);
        g_assert_cmpstr (child_text (item, "DeviceID", &text), ==, id);
        items++;
      }
    }
    g_assert_cmpuint (items, ==, expected[d]);
    total += items;
  }
  g_assert_cmpuint (total, ==, 1201);

  /* cityeye's importer reads the documents back, one after the other. */
  back = import_all (CE_FORMAT_CATALOG, out);
  g_assert_cmpuint (back->len, ==, cameras->len);
  for (guint i = 0; i < cameras->len; i++)
    g_assert_true (ce_camera_equal_content (cameras->pdata[i], back->pdata[i]));
}

/* GeoJSON */

static JsonParser *
parse_json (const char *text)
{
  JsonParser *parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return parser;
}

static void
test_geojson (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autofree char *out =
      export_cameras (CE_FORMAT_GEOJSON, CE_CRS_WGS84, 0, cameras);
  g_autoptr (JsonParser) parser = parse_json (out);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  JsonArray *features;

  g_assert_cmpstr (json_object_get_string_member (root, "type"), ==,
      "FeatureCollection");
  g_assert_false (json_object_has_member (root, "cityeye_crs"));
  features = json_object_get_array_member (root, "features");
  g_assert_cmpuint (json_array_get_length (features), ==, cameras->len);
  for (guint i = 0; i < cameras->len; i++) {
    const CeCamera *c = cameras->pdata[i];
    JsonObject *feature = json_array_get_object_element (features, i);
    JsonObject *props = json_object_get_object_member (feature, "properties");
    JsonArray *xy = json_object_get_array_member (
        json_object_get_object_member (feature, "geometry"), "coordinates");

    g_assert_cmpstr (json_object_get_string_member (feature, "type"), ==,
        "Feature");
    g_assert_cmpstr (json_object_get_string_member (feature, "id"), ==, c->id);
    g_assert_cmpfloat_with_epsilon (json_array_get_double_element (xy, 0),
        c->lon, 1e-9);
    g_assert_cmpfloat_with_epsilon (json_array_get_double_element (xy, 1),
        c->lat, 1e-9);
    g_assert_cmpstr (json_object_get_string_member (props, "name"), ==,
        c->name);
    g_assert_cmpstr (json_object_get_string_member (props, "source"), ==,
        ce_source_to_string (c->source));
    g_assert_cmpint (
        json_node_get_value_type (json_object_get_member (props, "secrecy")),
        ==, G_TYPE_INT64);
    g_assert_cmpint (json_object_get_int_member (props, "secrecy"), ==,
        c->secrecy);
    g_assert_cmpint (json_object_get_int_member (props, "ptz_type"), ==,
        c->ptz_type);
    g_assert_cmpstr (json_object_get_string_member (props, "status"), ==,
        ce_status_to_string (c->status));
    if (isnan (c->azimuth))
      g_assert_false (json_object_has_member (props, "azimuth"));
    else
      g_assert_cmpfloat_with_epsilon (
          json_object_get_double_member (props, "azimuth"), c->azimuth, 1e-9);
    g_assert_false (json_object_has_member (props, "username"));
    g_assert_false (json_object_has_member (props, "password"));
  }
  /* Absent values are omitted, not null or "". */
  g_assert_false (json_object_has_member (
      json_object_get_object_member (
          json_array_get_object_element (features, 2), "properties"),
      "street"));
  g_assert_null (strstr (out, "null"));
  /* U+2028 is escaped, never written raw. */
  g_assert_nonnull (strstr (out, "单兵\\u2028分隔"));
  g_assert_null (strstr (out, "\u2028"));
  g_assert_nonnull (strstr (out, "Line1\\r\\nLine2\\tTab"));
}

/* WGS-84 → GCJ-02 in Baoshan: about +0.0045° lon, −0.0019° lat. */
static void
test_geojson_gcj02 (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autofree char *out =
      export_cameras (CE_FORMAT_GEOJSON, CE_CRS_GCJ02, 0, cameras);
  g_autofree char *csv =
      export_cameras (CE_FORMAT_CSV, CE_CRS_GCJ02, 0, cameras);
  g_autoptr (JsonParser) parser = parse_json (out);
  g_autoptr (GPtrArray) rows = parse_csv (csv);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  JsonArray *features = json_object_get_array_member (root, "features");

  g_assert_cmpstr (json_object_get_string_member (root, "cityeye_crs"), ==,
      "gcj02");
  for (guint i = 0; i < cameras->len; i++) {
    const CeCamera *c = cameras->pdata[i];
    JsonArray *xy = json_object_get_array_member (
        json_object_get_object_member (
            json_array_get_object_element (features, i), "geometry"),
        "coordinates");
    double lon = json_array_get_double_element (xy, 0);
    double lat = json_array_get_double_element (xy, 1);
    double want_lon, want_lat;
    g_autofree char *lon_text = NULL;

    g_assert_cmpfloat (lon - c->lon, >, 0.0040);
    g_assert_cmpfloat (lon - c->lon, <, 0.0050);
    g_assert_cmpfloat (lat - c->lat, <, -0.0014);
    g_assert_cmpfloat (lat - c->lat, >, -0.0024);
    ce_geo_convert (CE_CRS_WGS84, CE_CRS_GCJ02, c->lon, c->lat, &want_lon,
        &want_lat);
    g_assert_cmpfloat_with_epsilon (lon, want_lon, 5e-7);
    g_assert_cmpfloat_with_epsilon (lat, want_lat, 5e-7);
    lon_text = coord (want_lon);
    g_assert_cmpstr (csv_cell (rows, i + 1, "lon"), ==, lon_text);
  }
}

/* KML */

static void
test_kml (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autofree char *out = export_cameras (CE_FORMAT_KML, CE_CRS_WGS84,
      CE_EXPORT_WITH_CREDENTIALS, cameras);
  g_autoptr (xmlDoc) doc = parse_xml (out, out + strlen (out));
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *document = NULL;
  g_autofree char *text = NULL;
  guint styles = 0, n = 0;

  g_assert_cmpstr ((const char *) root->name, ==, "kml");
  g_assert_cmpstr ((const char *) root->ns->href, ==,
      "http://www.opengis.net/kml/2.2");
  for (xmlNode *c = root->children; c != NULL; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      document = c;
  g_assert_nonnull (document);
  g_assert_cmpstr ((const char *) document->name, ==, "Document");
  for (xmlNode *c = document->children; c != NULL; c = c->next) {
    const CeCamera *cam;
    g_autofree char *style = NULL;
    g_autofree char *point = NULL;
    g_autofree char *lon = NULL;
    g_autofree char *lat = NULL;
    const char *description;

    if (c->type != XML_ELEMENT_NODE)
      continue;
    if (strcmp ((const char *) c->name, "Style") == 0)
      styles++;
    if (strcmp ((const char *) c->name, "Placemark") != 0)
      continue;
    cam = cameras->pdata[n++];
    g_assert_cmpstr (child_text (c, "name", &text), ==, cam->name);
    style = g_strdup_printf ("#%s", ce_source_to_string (cam->source));
    g_assert_cmpstr (child_text (c, "styleUrl", &text), ==, style);
    description = child_text (c, "description", &text);
    g_assert_nonnull (strstr (description, cam->id));
    g_assert_nonnull (strstr (description, ce_source_to_label (cam->source)));
    /* Never credentials in what people read, even with the flag. */
    for (gsize i = 0; i < G_N_ELEMENTS (secrets); i++)
      g_assert_null (strstr (description, secrets[i]));
    lon = coord (cam->lon);
    lat = coord (cam->lat);
    point = g_strdup_printf ("%s,%s,0", lon, lat);
    g_assert_cmpstr (child_text (c, "Point", &text), ==, point);
  }
  g_assert_cmpuint (styles, ==, 4);
  g_assert_cmpuint (n, ==, cameras->len);
  g_assert_nonnull (
      strstr (out, "<Data name=\"password\"><value>ce-pass-a1</value></Data>"));
  g_assert_nonnull (strstr (out,
      "<description>街镇: 顾村镇\n地址: 沪太路, "
      "菊太路口 &quot;东北角&quot;\n来源: 公安\n"
      "编码: 31011300001320000001</description>"));
}

static void
test_empty (void)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  g_autofree char *csv = export_cameras (CE_FORMAT_CSV, CE_CRS_WGS84, 0, none);
  g_autofree char *catalog =
      export_cameras (CE_FORMAT_CATALOG, CE_CRS_WGS84, 0, none);
  g_autofree char *geojson =
      export_cameras (CE_FORMAT_GEOJSON, CE_CRS_GCJ02, 0, none);
  g_autofree char *kml = export_cameras (CE_FORMAT_KML, CE_CRS_BD09, 0, none);
  g_autoptr (xmlDoc) catalog_doc =
      parse_xml (catalog, catalog + strlen (catalog));
  g_autoptr (xmlDoc) kml_doc = parse_xml (kml, kml + strlen (kml));
  g_autoptr (JsonParser) parser = parse_json (geojson);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  g_autofree char *text = NULL;

  g_assert_cmpstr (csv, ==,
      "id,name,source,street,civil_code,address,lon,lat,rtsp_url,"
      "rtsp_url_sub,secrecy,ptz_type,azimuth,tags,status\n");
  g_assert_cmpstr (
      child_text (xmlDocGetRootElement (catalog_doc), "SumNum", &text), ==,
      "0");
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (root, "features")),
      ==, 0);
  g_assert_cmpstr ((const char *) xmlDocGetRootElement (kml_doc)->name, ==,
      "kml");
  g_assert_nonnull (strstr (kml, "<value>bd09</value>"));
}

/* Text the registry would refuse (bad UTF-8, control characters, XML
 * non-characters) still gives files that parse. */
static void
test_invalid_text (void)
{
  g_autoptr (GPtrArray) cameras =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  CeCamera *c = make_camera ("31011300001320000009", "bad \xff\xfe bytes \xe5",
      CE_SOURCE_NONE, 121.4, 31.35);

  c->address = g_strdup ("bell\x07 nul-ish\x01 esc\x1b \xef\xbf\xbe end");
  c->tags = g_strdup ("]]> <![CDATA[ </Item>");
  g_ptr_array_add (cameras, c);

  for (gsize f = 0; f < G_N_ELEMENTS (all_formats); f++) {
    g_autofree char *out =
        export_cameras (all_formats[f], CE_CRS_WGS84, 0, cameras);

    g_test_message ("format %s", ce_format_to_string (all_formats[f]));
    g_assert_true (g_utf8_validate (out, -1, NULL));
    if (all_formats[f] == CE_FORMAT_CATALOG ||
        all_formats[f] == CE_FORMAT_KML) {
      g_autoptr (xmlDoc) doc = parse_xml (out, out + strlen (out));

      g_assert_nonnull (xmlDocGetRootElement (doc));
      g_assert_null (strstr (out, "\x07"));
      g_assert_null (strstr (out, "\xef\xbf\xbe"));
      g_assert_nonnull (strstr (out, "]]&gt; &lt;![CDATA[ &lt;/Item&gt;"));
    } else if (all_formats[f] == CE_FORMAT_GEOJSON) {
      g_autoptr (JsonParser) parser = parse_json (out);

      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      g_assert_nonnull (strstr (out, "bell\\u0007 nul-ish\\u0001"));
      /* No source: the key is left out rather than written as "none". */
      g_assert_null (strstr (out, "\"source\""));
    } else {
      g_autoptr (GPtrArray) rows = parse_csv (out);

      g_assert_cmpstr (csv_cell (rows, 1, "source"), ==, "");
    }
  }
}

/* Round trips through cityeye's own parsers */

static void
test_round_trip (gconstpointer data)
{
  CeFormat format = GPOINTER_TO_INT (data);
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autofree char *out = export_cameras (format, CE_CRS_WGS84,
      CE_EXPORT_WITH_CREDENTIALS, cameras);
  g_autoptr (GPtrArray) back = import_all (format, out);

  g_assert_cmpuint (back->len, ==, cameras->len);
  for (guint i = 0; i < cameras->len; i++) {
    const CeCamera *a = cameras->pdata[i];
    const CeCamera *b = back->pdata[i];

    g_test_message ("camera %s", a->id);
    g_assert_cmpstr (b->id, ==, a->id);
    g_assert_cmpstr (b->name, ==, a->name);
    g_assert_cmpstr (b->password, ==, a->password);
    g_assert_true (ce_camera_equal_content (a, b));
  }
}

static void
test_write_error (void)
{
  g_autoptr (GPtrArray) cameras = make_cameras ();
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (CeExporter) exporter = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_output_stream_close (out, NULL, NULL));
  exporter = ce_exporter_new (CE_FORMAT_CSV, out, CE_CRS_WGS84, 0, &error);
  g_assert_no_error (error);
  g_assert_true (ce_exporter_add (exporter, cameras->pdata[0], &error));
  g_assert_false (ce_exporter_finish (exporter, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_true (g_str_has_prefix (error->message, "Cannot write the CSV"));
}

static void
test_bad_format (void)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  CeExporter *exporter =
      ce_exporter_new (CE_FORMAT_AUTO, out, CE_CRS_WGS84, 0, &error);

  g_assert_null (exporter);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/registry/export/csv/basic", test_csv_basic);
  g_test_add_func ("/registry/export/csv/credentials", test_csv_credentials);
  g_test_add_func ("/registry/export/credentials/absent",
      test_credentials_absent);
  g_test_add_func ("/registry/export/catalog/items", test_catalog_items);
  g_test_add_func ("/registry/export/catalog/documents",
      test_catalog_documents);
  g_test_add_func ("/registry/export/geojson/basic", test_geojson);
  g_test_add_func ("/registry/export/geojson/gcj02", test_geojson_gcj02);
  g_test_add_func ("/registry/export/kml", test_kml);
  g_test_add_func ("/registry/export/empty", test_empty);
  g_test_add_func ("/registry/export/invalid-text", test_invalid_text);
  g_test_add_func ("/registry/export/write-error", test_write_error);
  g_test_add_func ("/registry/export/bad-format", test_bad_format);
  g_test_add_data_func ("/registry/export/round-trip/csv",
      GINT_TO_POINTER (CE_FORMAT_CSV), test_round_trip);
  g_test_add_data_func ("/registry/export/round-trip/catalog",
      GINT_TO_POINTER (CE_FORMAT_CATALOG), test_round_trip);
  g_test_add_data_func ("/registry/export/round-trip/geojson",
      GINT_TO_POINTER (CE_FORMAT_GEOJSON), test_round_trip);
  return g_test_run ();
}
