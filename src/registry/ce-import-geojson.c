/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GeoJSON reader: a FeatureCollection (or one Feature) of Point features
 * whose properties use the CSV column names.
 */
#include "ce-import-private.h"
#include "ce-json-check.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* GeoJSON is not streamed: json-glib parses a whole document into a tree,
 * and a FeatureCollection is one document.  That is acceptable here
 * because GeoJSON inventories are exports of GIS tools of a few megabytes
 * (23,000 cameras are about 10 MB), the input is read in 64 KiB chunks and
 * refused past CE_IMPORT_MAX_GEOJSON_BYTES before any parsing, and large
 * or streamed inventories come as CSV or catalog XML, which are streamed.
 *
 * The coordinates come from the Point geometry (RFC 7946: WGS-84 lon,
 * lat); lon/lat properties are ignored, and so are properties cityeye does
 * not know (GIS tools add their own, e.g. OBJECTID).  Numeric properties
 * may be JSON numbers or strings. */

#define CHUNK (64 * 1024)

typedef enum
{
  P_ID,
  P_NAME,
  P_SOURCE,
  P_STREET,
  P_CIVIL_CODE,
  P_ADDRESS,
  P_RTSP_URL,
  P_RTSP_URL_SUB,
  P_USERNAME,
  P_PASSWORD,
  P_SECRECY,
  P_PTZ_TYPE,
  P_AZIMUTH,
  P_TAGS,
  P_STATUS,
  P_IGNORED,
} Prop;

static const struct
{
  const char *key;
  Prop prop;
} prop_keys[] = {
    {"id", P_ID},
    {"name", P_NAME},
    {"source", P_SOURCE},
    {"street", P_STREET},
    {"civil_code", P_CIVIL_CODE},
    {"address", P_ADDRESS},
    {"lon", P_IGNORED},
    {"lat", P_IGNORED},
    {"rtsp_url", P_RTSP_URL},
    {"rtsp_url_sub", P_RTSP_URL_SUB},
    {"username", P_USERNAME},
    {"password", P_PASSWORD},
    {"secrecy", P_SECRECY},
    {"ptz_type", P_PTZ_TYPE},
    {"azimuth", P_AZIMUTH},
    {"tags", P_TAGS},
    {"status", P_STATUS},
};

/* A failed read: cancellation stays G_IO_ERROR_CANCELLED, anything else
 * becomes CE_IMPORT_ERROR_IO. */
static void
set_read_error (GError **error, GError *local)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, local);
  else {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_IO,
        "Cannot read the input: %s", local->message);
    g_error_free (local);
  }
}

static gboolean
read_all (GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GByteArray *data, GError **error)
{
  for (;;) {
    GError *local = NULL;
    gssize n;

    if (data->len > CE_IMPORT_MAX_GEOJSON_BYTES) {
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_REFUSED,
          "The GeoJSON document is larger than %" G_GSIZE_FORMAT " MiB "
          "(import large inventories as CSV)",
          CE_IMPORT_MAX_GEOJSON_BYTES >> 20);
      return FALSE;
    }
    g_byte_array_set_size (data, data->len + CHUNK);
    n = g_input_stream_read (in, data->data + data->len - CHUNK, CHUNK,
        cancellable, &local);
    if (n < 0) {
      set_read_error (error, local);
      return FALSE;
    }
    g_byte_array_set_size (data, data->len - CHUNK + n);
    if (parser->progress != NULL && (n == 0 || data->len % CHUNK < (gsize) n))
      parser->progress (data->len, parser->user_data);
    if (n == 0)
      return TRUE;
  }
}

static const char *
node_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
  }
  switch (json_node_get_value_type (node)) {
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_STRING:
      return "a string";
    default:
      return "a number";
  }
}

static gboolean
node_is (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == type;
}

static gboolean
node_is_number (JsonNode *node)
{
  return node_is (node, G_TYPE_INT64) || node_is (node, G_TYPE_DOUBLE);
}

/* A property holding text: strings, and integers (civil_code 310113).
 * json-glib clamps integers beyond 64 bits, so a 20-digit id given as a
 * number would change silently: ids must be strings. */
static char *
prop_text (JsonNode *node, const char *key, GString **problems)
{
  if (node_is (node, G_TYPE_STRING)) {
    const char *s = json_node_get_string (node);

    return *s != '\0' ? g_strdup (s) : NULL;
  }
  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (strcmp (key, "id") == 0 && node_is_number (node)) {
    ce_import_add_problem (problems,
        "id: a number; write the 20-digit code as a string");
    return NULL;
  }
  if (node_is (node, G_TYPE_INT64) && json_node_get_int (node) != G_MAXINT64 &&
      json_node_get_int (node) != G_MININT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  ce_import_add_problem (problems, "%s: %s, not a string", key,
      node_kind (node));
  return NULL;
}

/* Number properties: JSON numbers or strings holding one; "" and null are
 * absent.  Returns FALSE with a problem added. */
static gboolean
prop_number (JsonNode *node, const char *key, double *out, gboolean *present,
    GString **problems)
{
  *present = FALSE;
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (node_is_number (node)) {
    *out = json_node_get_double (node);
    *present = TRUE;
    return TRUE;
  }
  if (node_is (node, G_TYPE_STRING)) {
    g_autofree char *s = g_strstrip (g_strdup (json_node_get_string (node)));
    g_autofree char *show = NULL;

    if (*s == '\0')
      return TRUE;
    if (ce_import_parse_double (s, out)) {
      *present = TRUE;
      return TRUE;
    }
    show = ce_import_shown (s);
    ce_import_add_problem (problems, "%s: “%s” is not a number", key, show);
    return FALSE;
  }
  ce_import_add_problem (problems, "%s: %s, not a number", key,
      node_kind (node));
  return FALSE;
}

static void
set_property (CeCamera *camera, Prop prop, const char *key, JsonNode *node,
    GString **problems)
{
  g_autofree char *text = NULL;
  g_autofree char *show = NULL;
  double d = 0;
  gboolean present;

  switch (prop) {
    case P_ID:
      g_free (camera->id);
      camera->id = prop_text (node, key, problems);
      if (camera->id != NULL)
        g_strstrip (camera->id);
      break;
    case P_NAME:
      g_free (camera->name);
      camera->name = prop_text (node, key, problems);
      break;
    case P_STREET:
      g_free (camera->street);
      camera->street = prop_text (node, key, problems);
      break;
    case P_CIVIL_CODE:
      g_free (camera->civil_code);
      camera->civil_code = prop_text (node, key, problems);
      break;
    case P_ADDRESS:
      g_free (camera->address);
      camera->address = prop_text (node, key, problems);
      break;
    case P_RTSP_URL:
      g_free (camera->rtsp_url);
      camera->rtsp_url = prop_text (node, key, problems);
      break;
    case P_RTSP_URL_SUB:
      g_free (camera->rtsp_url_sub);
      camera->rtsp_url_sub = prop_text (node, key, problems);
      break;
    case P_USERNAME:
      g_free (camera->username);
      camera->username = prop_text (node, key, problems);
      break;
    case P_PASSWORD:
      g_free (camera->password);
      camera->password = prop_text (node, key, problems);
      break;
    case P_TAGS:
      g_free (camera->tags);
      camera->tags = NULL;
      if (JSON_NODE_HOLDS_ARRAY (node)) {
        /* ["路口", "治安"] as well as "路口,治安". */
        JsonArray *array = json_node_get_array (node);
        g_autoptr (GString) tags = g_string_new (NULL);

        for (guint i = 0; i < json_array_get_length (array); i++) {
          JsonNode *e = json_array_get_element (array, i);

          if (!node_is (e, G_TYPE_STRING)) {
            ce_import_add_problem (problems,
                "tags: element %u is %s, not a string", i + 1, node_kind (e));
            return;
          }
          if (*json_node_get_string (e) == '\0')
            continue;
          g_string_append_printf (tags, "%s%s", tags->len > 0 ? "," : "",
              json_node_get_string (e));
        }
        if (tags->len > 0)
          camera->tags = g_string_free (g_steal_pointer (&tags), FALSE);
      } else {
        camera->tags = prop_text (node, key, problems);
      }
      break;
    case P_SOURCE:
      camera->source = CE_SOURCE_NONE;
      text = prop_text (node, key, problems);
      if (text != NULL &&
          !ce_source_from_string (g_strstrip (text), &camera->source)) {
        show = ce_import_shown (text);
        ce_import_add_problem (problems,
            "source: “%s” is not one of public_security, xueliang, social, "
            "mobile",
            show);
      }
      break;
    case P_STATUS:
      camera->status = CE_STATUS_UNKNOWN;
      text = prop_text (node, key, problems);
      if (text != NULL &&
          !ce_status_from_string (g_strstrip (text), &camera->status)) {
        show = ce_import_shown (text);
        ce_import_add_problem (problems,
            "status: “%s” is not one of online, offline, unknown", show);
      }
      break;
    case P_AZIMUTH:
      camera->azimuth = NAN;
      if (prop_number (node, key, &d, &present, problems) && present)
        camera->azimuth = d;
      break;
    case P_SECRECY:
      if (node_is (node, G_TYPE_BOOLEAN)) {
        camera->secrecy = json_node_get_boolean (node) ? 1 : 0;
        break;
      }
      if (node_is (node, G_TYPE_STRING)) {
        text = g_strstrip (g_strdup (json_node_get_string (node)));
        if (strcmp (text, "是") == 0) {
          camera->secrecy = 1;
          break;
        }
        if (strcmp (text, "否") == 0) {
          camera->secrecy = 0;
          break;
        }
      }
      if (!prop_number (node, key, &d, &present, problems))
        break;
      if (present && (d == 0 || d == 1)) {
        camera->secrecy = (int) d;
      } else if (present) {
        g_autofree char *json = json_to_string (node, FALSE);

        show = ce_import_shown (text != NULL ? text : json);
        ce_import_add_problem (problems, "secrecy: “%s” is not 0 or 1", show);
      }
      break;
    case P_PTZ_TYPE:
      if (!prop_number (node, key, &d, &present, problems))
        break;
      if (present && d == floor (d) && d >= G_MININT && d <= G_MAXINT) {
        camera->ptz_type = (int) d;
      } else if (present) {
        g_autofree char *json = json_to_string (node, FALSE);

        show = ce_import_shown (
            node_is (node, G_TYPE_STRING) ? json_node_get_string (node) : json);
        ce_import_add_problem (problems, "ptz_type: “%s” is not an integer",
            show);
      }
      break;
    case P_IGNORED:
    default:
      break;
  }
}

/* Sets lon/lat from a Point geometry, or adds a problem. */
static void
set_geometry (CeCamera *camera, JsonObject *feature, GString **problems)
{
  JsonNode *node = json_object_get_member (feature, "geometry");
  JsonObject *geometry;
  JsonNode *type, *coords;
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    ce_import_add_problem (problems,
        "no geometry; only Point features are imported");
    return;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    ce_import_add_problem (problems, "geometry is %s, not an object",
        node_kind (node));
    return;
  }
  geometry = json_node_get_object (node);
  type = json_object_get_member (geometry, "type");
  if (type == NULL || !node_is (type, G_TYPE_STRING)) {
    ce_import_add_problem (problems, "geometry has no type");
    return;
  }
  if (strcmp (json_node_get_string (type), "Point") != 0) {
    g_autofree char *show = ce_import_shown (json_node_get_string (type));

    ce_import_add_problem (problems, "geometry is %s, only Point is imported",
        show);
    return;
  }
  coords = json_object_get_member (geometry, "coordinates");
  if (coords == NULL || !JSON_NODE_HOLDS_ARRAY (coords) ||
      json_array_get_length (array = json_node_get_array (coords)) < 2 ||
      !node_is_number (json_array_get_element (array, 0)) ||
      !node_is_number (json_array_get_element (array, 1))) {
    ce_import_add_problem (problems,
        "coordinates are not a [lon, lat] position");
    return;
  }
  camera->lon = json_array_get_double_element (array, 0);
  camera->lat = json_array_get_double_element (array, 1);
}

static gboolean
feature_record (const CeImportParser *parser, JsonNode *node, guint index,
    GError **error)
{
  g_autoptr (CeCamera) camera = NULL;
  g_autofree char *where = g_strdup_printf ("feature %u", index);
  g_autofree char *problem = NULL;
  GString *problems = NULL;
  JsonObject *feature;
  JsonNode *props;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    problem = g_strdup_printf ("%s, not a Feature object", node_kind (node));
    return parser->record (NULL, where, problem, parser->user_data, error);
  }
  feature = json_node_get_object (node);
  props = json_object_get_member (feature, "properties");
  if (props == NULL || !JSON_NODE_HOLDS_OBJECT (props))
    return parser->record (NULL, where,
        "no properties (the camera id and fields are GeoJSON properties)",
        parser->user_data, error);

  camera = ce_camera_new ();
  json_object_iter_init (&iter, json_node_get_object (props));
  while (json_object_iter_next (&iter, &key, &value)) {
    for (gsize i = 0; i < G_N_ELEMENTS (prop_keys); i++) {
      if (g_ascii_strcasecmp (key, prop_keys[i].key) == 0) {
        set_property (camera, prop_keys[i].prop, prop_keys[i].key, value,
            &problems);
        break;
      }
    }
  }
  set_geometry (camera, feature, &problems);
  if (problems != NULL)
    problem = g_string_free (problems, FALSE);
  return parser->record (g_steal_pointer (&camera), where, problem,
      parser->user_data, error);
}

/* "<data>:3:17: Parse error: …" → "line 3: …". */
static void
set_json_error (GError **error, const GError *json_error)
{
  /* json-glib quotes input cut at a byte count, maybe inside a character. */
  g_autofree char *valid = g_utf8_make_valid (json_error->message, -1);
  const char *msg = valid;
  const char *p = msg + strlen ("<data>:");
  const char *rest;
  char *end;
  guint64 line;

  if (g_str_has_prefix (msg, "<data>:") &&
      (line = g_ascii_strtoull (p, &end, 10)) > 0 && *end == ':' &&
      (rest = strstr (end, ": ")) != NULL)
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "line %" G_GUINT64_FORMAT ": not valid JSON: %s", line, rest + 2);
  else
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "Not valid JSON: %s", msg);
}

/* A GeoJSON document is one JSON object, and json-glib must see it in
 * strict JSON lexis (ce-json-check.h).  On success @len is cut to the
 * object. */
static gboolean
check_one_object (const char *text, gsize *len, GError **error)
{
  guint64 line = 1;
  CeJsonCheck result = ce_json_check_object (text, len, &line);

  switch (result) {
    case CE_JSON_CHECK_OK:
      return TRUE;
    case CE_JSON_CHECK_EMPTY:
      g_set_error_literal (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
          "The GeoJSON document is empty");
      return FALSE;
    case CE_JSON_CHECK_NOT_OBJECT:
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
          "line %" G_GUINT64_FORMAT ": not a GeoJSON object (a "
          "FeatureCollection starts with “{”)",
          line);
      return FALSE;
    default:
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
          "line %" G_GUINT64_FORMAT ": %s", line,
          ce_json_check_describe (result));
      return FALSE;
  }
}

gboolean
ce_import_geojson_parse (GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autoptr (JsonParser) json = NULL;
  g_autoptr (GError) json_error = NULL;
  const char *text, *end;
  gsize len;
  JsonNode *root;
  JsonObject *object;
  JsonNode *type;
  const char *type_name;

  if (!read_all (in, parser, cancellable, data, error))
    return FALSE;
  text = (const char *) data->data;
  len = data->len;
  /* RFC 7946 says UTF-8; a BOM is tolerated. */
  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0) {
    text += 3;
    len -= 3;
  }
  if (!g_utf8_validate_len (text, len, &end)) {
    guint64 line = 1;

    for (const char *p = text; p < end; p++)
      line += *p == '\n';
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING,
        "line %" G_GUINT64_FORMAT ": bytes that are not valid UTF-8 (GeoJSON "
        "must be UTF-8)",
        line);
    return FALSE;
  }

  if (!check_one_object (text, &len, error))
    return FALSE;

  json = json_parser_new_immutable ();
  if (!json_parser_load_from_data (json, text, len, &json_error)) {
    set_json_error (error, json_error);
    return FALSE;
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  root = json_parser_get_root (json);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "The GeoJSON document is %s, not a FeatureCollection object",
        root != NULL ? node_kind (root) : "empty");
    return FALSE;
  }
  object = json_node_get_object (root);
  type = json_object_get_member (object, "type");
  type_name = type != NULL && node_is (type, G_TYPE_STRING)
      ? json_node_get_string (type)
      : NULL;
  if (g_strcmp0 (type_name, "Feature") == 0)
    return feature_record (parser, root, 1, error);
  if (g_strcmp0 (type_name, "FeatureCollection") == 0) {
    JsonNode *features = json_object_get_member (object, "features");
    JsonArray *array;

    if (features == NULL || !JSON_NODE_HOLDS_ARRAY (features)) {
      g_set_error_literal (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
          "The FeatureCollection has no “features” array");
      return FALSE;
    }
    array = json_node_get_array (features);
    for (guint i = 0; i < json_array_get_length (array); i++) {
      if (i % 1024 == 1023 &&
          g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!feature_record (parser, json_array_get_element (array, i), i + 1,
              error))
        return FALSE;
    }
    return TRUE;
  }
  if (type_name != NULL) {
    g_autofree char *show = ce_import_shown (type_name);

    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "The GeoJSON document is a “%s”, not a FeatureCollection or Feature",
        show);
  } else {
    g_set_error_literal (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "The JSON document is not GeoJSON (no “type” member)");
  }
  return FALSE;
}
