/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The API's parsers of outside input, without a server.
 */
#include "ce-api-params.h"

#include <math.h>
#include <string.h>

static void
test_query_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) p = ce_api_query_parse (
      "q=%E9%A1%BE%E6%9D%91+park&limit=5&flag&&x=a%2Bb", &error);
  const char *bad[] = {"a=1&a=2", "=1", "a=%", "a=%4", "a=%zz", "a=%00",
      "a=%ff", "%ff=1"};

  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (p, "q"), ==, "顾村 park");
  g_assert_cmpstr (g_hash_table_lookup (p, "limit"), ==, "5");
  g_assert_cmpstr (g_hash_table_lookup (p, "flag"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (p, "x"), ==, "a+b");
  g_assert_cmpuint (g_hash_table_size (p), ==, 4);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GHashTable) t = ce_api_query_parse (bad[i], &error);

    g_assert_null (t);
    g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
    g_clear_error (&error);
  }
  {
    g_autoptr (GString) many = g_string_new (NULL);
    g_autoptr (GHashTable) t = NULL;

    for (int i = 0; i <= CE_API_MAX_PARAMS; i++)
      g_string_append_printf (many, "p%d=1&", i);
    t = ce_api_query_parse (many->str, &error);
    g_assert_null (t);
    g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
  }
}

static void
test_cursor (void)
{
  g_autofree char *c = ce_api_cursor_encode ("31011300001320000101");
  g_autofree char *id = ce_api_cursor_decode (c, NULL);
  g_autoptr (GError) error = NULL;
  char *bad = ce_api_cursor_decode ("MzEwMTEz", &error);

  g_assert_cmpstr (id, ==, "31011300001320000101");
  g_assert_null (strchr (c, '='));
  g_assert_null (bad);
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
}

static gboolean
parse_query (const char *qs, CeApiCameraQuery *q, GError **error)
{
  g_autoptr (GHashTable) p = ce_api_query_parse (qs, error);

  memset (q, 0, sizeof (*q));
  return p != NULL && ce_api_camera_query_parse (p, q, error);
}

static void
test_camera_query (void)
{
  CeApiCameraQuery q;
  g_autoptr (GError) error = NULL;
  double wlon, wlat;

  g_assert_true (parse_query ("source=xueliang,%E5%85%AC%E5%AE%89&status="
                              "offline&secrecy=1&near=121.4,31.3&radius=500"
                              "&k=3&crs=gcj02",
      &q, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (q.query.sources, ==,
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) |
          CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY));
  g_assert_cmpint (q.query.status, ==, CE_STATUS_OFFLINE);
  g_assert_cmpint (q.query.secrecy, ==, 1);
  g_assert_true (q.query.has_near);
  g_assert_cmpuint (q.query.k, ==, 3);
  ce_geo_convert (CE_CRS_GCJ02, CE_CRS_WGS84, 121.4, 31.3, &wlon, &wlat);
  g_assert_cmpfloat_with_epsilon (q.query.near_lon, wlon, 1e-9);
  g_assert_cmpfloat (fabs (q.query.near_lon - 121.4), >, 1e-3);
  ce_api_camera_query_clear (&q);

  g_assert_true (
      parse_query ("polygon=121,31,122,31,122,32&limit=7", &q, &error));
  g_assert_cmpuint (q.query.polygon_len, ==, 3);
  g_assert_cmpuint (q.limit, ==, 7);
  ce_api_camera_query_clear (&q);

  g_assert_false (parse_query ("near=1,2&cursor=abc", &q, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  ce_api_camera_query_clear (&q);
  g_assert_false (parse_query ("status=broken", &q, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  ce_api_camera_query_clear (&q);
  g_assert_false (parse_query ("bbox=nan,1,2,3", &q, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
  ce_api_camera_query_clear (&q);
}

static void
test_camera_json (void)
{
  const char *body =
      "{\"id\":\"31011300001320000101\",\"name\":\"n\",\"source\":\"social\","
      "\"lon\":121.4,\"lat\":31.3,\"rtsp_url\":\"rtsp://u:p%40ss@10.0.0.1/s\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node =
      ce_api_json_parse_object (body, strlen (body), NULL, &error);
  g_autoptr (CeCamera) c = NULL;
  g_autoptr (CeCamera) patched = NULL;
  g_autoptr (JsonNode) patch = NULL;
  g_autoptr (JsonNode) out = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  c = ce_api_camera_from_json (json_node_get_object (node), NULL, CE_CRS_WGS84,
      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->password, ==, "p@ss");
  g_assert_cmpstr (c->rtsp_url, ==, "rtsp://10.0.0.1/s");
  out = ce_api_camera_to_json (c, CE_CRS_WGS84);
  text = json_to_string (out, FALSE);
  g_assert_null (strstr (text, "p@ss"));
  g_assert_null (strstr (text, "10.0.0.1"));

  patch = ce_api_json_parse_object ("{\"secrecy\":1}", 13, NULL, &error);
  patched = ce_api_camera_from_json (json_node_get_object (patch), c,
      CE_CRS_WGS84, &error);
  g_assert_no_error (error);
  g_assert_cmpint (patched->secrecy, ==, 1);
  g_assert_cmpstr (patched->name, ==, "n");

  g_assert_null (ce_api_json_parse_object ("{} {}", 5, NULL, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON);
  g_clear_error (&error);
  g_assert_null (ce_api_json_parse_object ("true{}", 6, NULL, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON);
  g_clear_error (&error);
  g_assert_null (ce_api_json_parse_object ("{\"a\":1}\0", 8, NULL, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON);
  g_clear_error (&error);
  {
    const char *const known[] = {"a", NULL};

    g_assert_null (ce_api_json_parse_object ("{\"b\":1}", 7, known, &error));
    g_assert_error (error, CE_API_ERROR, CE_API_ERROR_UNKNOWN_FIELD);
  }
}

static void
test_monitor_path (void)
{
  static const char *const bad[] = {"walls/hall/monitors", "walls/hall/x/1",
      "cameras/hall/monitors/1", "walls//monitors/1", "walls/h.l/monitors/1",
      "walls/hall/monitors/01", "walls/hall/monitors/256",
      "walls/hall/monitors/-1", "walls/hall/monitors/+1",
      "walls/hall/monitors/1/x", "walls/hall/monitors/", "walls/墙/monitors/1",
      ""};
  g_autofree char *wall = NULL;
  guint monitor = 99;

  g_assert_true (
      ce_api_parse_monitor_path ("walls/hall-1_B/monitors/0", &wall, &monitor));
  g_assert_cmpstr (wall, ==, "hall-1_B");
  g_assert_cmpuint (monitor, ==, 0);
  g_clear_pointer (&wall, g_free);
  g_assert_true (
      ce_api_parse_monitor_path ("walls/hall/monitors/255", &wall, &monitor));
  g_assert_cmpuint (monitor, ==, 255);
  g_clear_pointer (&wall, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_false (ce_api_parse_monitor_path (bad[i], &wall, &monitor));
    g_assert_null (wall);
  }
}

/* The wall page's token in Sec-WebSocket-Protocol. */
static void
test_ws_protocol_token (void)
{
  const char *const bad[] = {"cityeye.bearer.", "cityeye.bearer.a.b",
      "cityeye.bearer.a b",
      "cityeye.events, cityeye.bearer.x, cityeye.bearer.y",
      "cityeye.bearer.%41"};
  g_autofree char *t1 = NULL;
  g_autofree char *t2 = NULL;
  g_autofree char *t3 = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *long_token = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_null (ce_api_ws_protocol_token (NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ce_api_ws_protocol_token ("cityeye.events", &error));
  g_assert_no_error (error);
  t1 = ce_api_ws_protocol_token ("cityeye.events, cityeye.bearer.cet_AbC-9_z",
      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (t1, ==, "cet_AbC-9_z");
  t2 = ce_api_ws_protocol_token ("cityeye.bearer.tok,cityeye.events", &error);
  g_assert_cmpstr (t2, ==, "tok");
  t3 = ce_api_ws_protocol_token ("  cityeye.bearer.tok  ", &error);
  g_assert_cmpstr (t3, ==, "tok");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_null (ce_api_ws_protocol_token (bad[i], &error));
    g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
    g_clear_error (&error);
  }
  long_token = g_strnfill (129, 'a');
  huge = g_strconcat ("cityeye.bearer.", long_token, NULL);
  g_assert_null (ce_api_ws_protocol_token (huge, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_clear_pointer (&huge, g_free);
  huge = g_strnfill (5000, 'x');
  g_assert_null (ce_api_ws_protocol_token (huge, &error));
  g_assert_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST);
}

/* The live socket's client messages: what is accepted, and the channel
 * an error names. */
static void
test_mux_message (void)
{
  static const struct
  {
    const char *text;
    gint64 ch; /* of the message, -1 when it cannot be read */
    int code;  /* CeApiError, or -1 when accepted */
  } cases[] = {
      {"{\"op\":\"open\",\"ch\":7,\"camera\":\"31011300001320000001\","
       "\"profile\":\"sub\",\"incident\":\"INC-1\",\"purpose\":\"tour\"}",
          7, -1},
      {"{\"op\":\"close\",\"ch\":2147483647}", 2147483647, -1},
      {"{\"op\":\"close\",\"ch\":2147483648}", -1, CE_API_ERROR_BAD_REQUEST},
      {"{\"op\":\"close\",\"ch\":-1}", -1, CE_API_ERROR_BAD_REQUEST},
      {"{\"op\":\"close\",\"ch\":\"1\"}", -1, CE_API_ERROR_BAD_REQUEST},
      {"{\"op\":\"close\",\"ch\":1,\"camera\":\"x\"}", 1,
          CE_API_ERROR_UNKNOWN_FIELD},
      {"{\"op\":\"open\",\"ch\":1,\"camera\":\"x\",\"extra\":1}", -1,
          CE_API_ERROR_UNKNOWN_FIELD},
      {"{\"op\":\"open\",\"ch\":3,\"camera\":\"123\"}", 3,
          CE_API_ERROR_INVALID_ID},
      {"{\"op\":\"open\",\"ch\":3}", 3, CE_API_ERROR_BAD_REQUEST},
      {"{\"op\":\"open\",\"ch\":3,\"camera\":\"31011300001320000001\","
       "\"profile\":\"hd\"}",
          3, CE_API_ERROR_OUT_OF_RANGE},
      {"{\"op\":\"open\",\"ch\":3,\"camera\":\"31011300001320000001\","
       "\"purpose\":\"incident\"}",
          3, CE_API_ERROR_OUT_OF_RANGE},
      {"{\"op\":\"open\",\"ch\":3,\"camera\":\"31011300001320000001\","
       "\"incident\":\"\"}",
          3, CE_API_ERROR_OUT_OF_RANGE},
      {"{\"op\":\"pause\",\"ch\":3}", 3, CE_API_ERROR_OUT_OF_RANGE},
      {"{\"op\":\"close\",\"ch\":1}{\"op\":\"close\",\"ch\":2}", -1,
          CE_API_ERROR_INVALID_JSON},
      {"", -1, CE_API_ERROR_INVALID_JSON},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    CeApiMuxMessage m;
    gboolean ok = ce_api_mux_parse_message (cases[i].text,
        strlen (cases[i].text), &m, &error);

    g_test_message ("%s", cases[i].text);
    g_assert_cmpint (m.ch, ==, cases[i].ch);
    if (cases[i].code < 0) {
      g_assert_no_error (error);
      g_assert_true (ok);
    } else {
      g_assert_error (error, CE_API_ERROR, cases[i].code);
      g_assert_false (ok);
      g_assert_null (m.camera);
    }
    ce_api_mux_message_clear (&m);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *big = g_strnfill (CE_API_MUX_MAX_MESSAGE + 1, ' ');
    CeApiMuxMessage m;

    g_assert_false (ce_api_mux_parse_message (big, strlen (big), &m, &error));
    g_assert_error (error, CE_API_ERROR, CE_API_ERROR_TOO_LARGE);
    ce_api_mux_message_clear (&m);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api/params/query", test_query_parse);
  g_test_add_func ("/api/params/cursor", test_cursor);
  g_test_add_func ("/api/params/camera-query", test_camera_query);
  g_test_add_func ("/api/params/camera-json", test_camera_json);
  g_test_add_func ("/api/params/monitor-path", test_monitor_path);
  g_test_add_func ("/api/params/ws-protocol-token", test_ws_protocol_token);
  g_test_add_func ("/api/params/mux-message", test_mux_message);
  return g_test_run ();
}
