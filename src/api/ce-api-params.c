/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Parsers of the HTTP API's outside input (see ce-api-params.h).
 */
#include "ce-api-params.h"

#include "ce-json-check.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (cityeye_api_error, ce_api_error)

static const struct
{
  guint status;
  const char *name;
} error_table[] = {
    [CE_API_ERROR_BAD_REQUEST] = {400, "bad_request"},
    [CE_API_ERROR_INVALID_JSON] = {400, "invalid_json"},
    [CE_API_ERROR_UNKNOWN_FIELD] = {400, "unknown_field"},
    [CE_API_ERROR_INVALID_ID] = {400, "invalid_id"},
    [CE_API_ERROR_OUT_OF_RANGE] = {422, "out_of_range"},
    [CE_API_ERROR_UNAUTHORIZED] = {401, "unauthorized"},
    [CE_API_ERROR_FORBIDDEN] = {403, "forbidden"},
    [CE_API_ERROR_NOT_FOUND] = {404, "not_found"},
    [CE_API_ERROR_METHOD] = {405, "method_not_allowed"},
    [CE_API_ERROR_CONFLICT] = {409, "conflict"},
    [CE_API_ERROR_LENGTH_REQUIRED] = {411, "length_required"},
    [CE_API_ERROR_TOO_LARGE] = {413, "body_too_large"},
    [CE_API_ERROR_MEDIA_TYPE] = {415, "unsupported_media_type"},
    [CE_API_ERROR_INTERNAL] = {500, "internal"},
    [CE_API_ERROR_UNAVAILABLE] = {503, "unavailable"},
    [CE_API_ERROR_TIMEOUT] = {504, "camera_timeout"},
    [CE_API_ERROR_ADMISSION] = {503, "admission_refused"},
};

guint
ce_api_error_status (CeApiError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_table))
    return 500;
  return error_table[code].status;
}

const char *
ce_api_error_name (CeApiError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_table))
    return "internal";
  return error_table[code].name;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Form decoding of one name or value: '+' is a space, %XX a byte; the
 * result must be UTF-8 without NUL. */
static char *
form_unescape (const char *s, gsize len, GError **error)
{
  g_autoptr (GString) out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++) {
    char c = s[i];

    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int hi = i + 2 < len ? hex_value (s[i + 1]) : -1;
      int lo = i + 2 < len ? hex_value (s[i + 2]) : -1;

      if (hi < 0 || lo < 0) {
        g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
            "Query: a % is not followed by two hex digits");
        return NULL;
      }
      c = (char) (hi * 16 + lo);
      i += 2;
      if (c == '\0') {
        g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
            "Query: %00 is not allowed");
        return NULL;
      }
    }
    g_string_append_c (out, c);
  }
  if (!g_utf8_validate (out->str, out->len, NULL)) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Query: not valid UTF-8");
    return NULL;
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

GHashTable *
ce_api_query_parse (const char *query, GError **error)
{
  g_autoptr (GHashTable) params =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *p = query;

  if (query == NULL || *query == '\0')
    return g_steal_pointer (&params);
  if (strlen (query) > CE_API_MAX_QUERY_BYTES) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Query: longer than %d bytes", CE_API_MAX_QUERY_BYTES);
    return NULL;
  }
  while (*p != '\0') {
    const char *end = strchr (p, '&');
    const char *eq;
    gsize len = end != NULL ? (gsize) (end - p) : strlen (p);
    g_autofree char *name = NULL;
    g_autofree char *value = NULL;

    if (len == 0) {
      p = end != NULL ? end + 1 : p + len;
      continue;
    }
    eq = memchr (p, '=', len);
    name = form_unescape (p, eq != NULL ? (gsize) (eq - p) : len, error);
    if (name == NULL)
      return NULL;
    value = eq != NULL ? form_unescape (eq + 1, len - (eq + 1 - p), error)
                       : g_strdup ("");
    if (value == NULL)
      return NULL;
    if (*name == '\0') {
      g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "Query: a parameter has no name");
      return NULL;
    }
    if (g_hash_table_contains (params, name)) {
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "Query: %.64s given more than once", name);
      return NULL;
    }
    if (g_hash_table_size (params) >= CE_API_MAX_PARAMS) {
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "Query: more than %d parameters", CE_API_MAX_PARAMS);
      return NULL;
    }
    g_hash_table_insert (params, g_steal_pointer (&name),
        g_steal_pointer (&value));
    p = end != NULL ? end + 1 : p + len;
  }
  return g_steal_pointer (&params);
}

gboolean
ce_api_params_check (GHashTable *params, const char *const *known,
    GError **error)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (known == NULL || !g_strv_contains (known, key)) {
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_UNKNOWN_FIELD,
          "Unknown parameter “%.64s”", (const char *) key);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
ce_api_param_int (GHashTable *params, const char *name, gint64 min, gint64 max,
    gint64 *out, GError **error)
{
  const char *value = g_hash_table_lookup (params, name);
  gint64 v;

  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &v, NULL)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "%s: “%.32s” is not a whole number", name, value);
    return FALSE;
  }
  if (v < min || v > max) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "%s: %" G_GINT64_FORMAT " is outside %" G_GINT64_FORMAT
        "…%" G_GINT64_FORMAT,
        name, v, min, max);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

gboolean
ce_api_param_crs (GHashTable *params, CeCrs *out, GError **error)
{
  const char *value = g_hash_table_lookup (params, "crs");

  *out = CE_CRS_WGS84;
  if (value != NULL && !ce_crs_from_string (value, out)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "crs: “%.32s” is not wgs84, gcj02 or bd09", value);
    return FALSE;
  }
  return TRUE;
}

gboolean
ce_api_check_id (const char *id, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!ce_gb_id_validate (id, &local)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_INVALID_ID, "Camera id: %s",
        local->message);
    return FALSE;
  }
  return TRUE;
}

#define MAX_PROTOCOL_HEADER 4096
#define MAX_PROTOCOL_TOKEN 128

char *
ce_api_ws_protocol_token (const char *header, GError **error)
{
  g_auto (GStrv) entries = NULL;
  g_autofree char *token = NULL;

  if (header == NULL)
    return NULL;
  if (strlen (header) > MAX_PROTOCOL_HEADER) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Sec-WebSocket-Protocol: longer than 4096 bytes");
    return NULL;
  }
  entries = g_strsplit (header, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++) {
    const char *e = g_strstrip (entries[i]);
    gsize len;

    if (!g_str_has_prefix (e, CE_API_WS_BEARER_PREFIX))
      continue;
    e += strlen (CE_API_WS_BEARER_PREFIX);
    len = strlen (e);
    if (token != NULL || len == 0 || len > MAX_PROTOCOL_TOKEN ||
        strspn (e,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            "0123456789_-") != len) {
      g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "Sec-WebSocket-Protocol: expected one “" CE_API_WS_BEARER_PREFIX
          "<API token>” entry");
      return NULL;
    }
    token = g_strdup (e);
  }
  return g_steal_pointer (&token);
}

#define CURSOR_TAG "c1:"

char *
ce_api_cursor_encode (const char *after_id)
{
  g_autofree char *raw = g_strconcat (CURSOR_TAG, after_id, NULL);
  char *b64 = g_base64_encode ((const guchar *) raw, strlen (raw));

  /* base64url without padding: safe in a query string as is. */
  for (char *p = b64; *p != '\0'; p++) {
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
    else if (*p == '=')
      *p = '\0';
  }
  return b64;
}

char *
ce_api_cursor_decode (const char *cursor, GError **error)
{
  g_autoptr (GString) b64 = NULL;
  g_autofree guchar *raw = NULL;
  gsize len = 0;

  if (strlen (cursor) > 64)
    goto bad;
  b64 = g_string_new (cursor);
  for (gsize i = 0; i < b64->len; i++) {
    char c = b64->str[i];

    if (c == '-')
      b64->str[i] = '+';
    else if (c == '_')
      b64->str[i] = '/';
    else if (!g_ascii_isalnum (c))
      goto bad;
  }
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  raw = g_base64_decode (b64->str, &len);
  if (raw == NULL || len != strlen (CURSOR_TAG) + 20 ||
      memcmp (raw, CURSOR_TAG, strlen (CURSOR_TAG)) != 0)
    goto bad;
  for (gsize i = strlen (CURSOR_TAG); i < len; i++)
    if (!g_ascii_isdigit (raw[i]))
      goto bad;
  return g_strndup ((const char *) raw + strlen (CURSOR_TAG), 20);

bad:
  g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
      "cursor: not a cursor returned by this API");
  return NULL;
}

void
ce_api_camera_query_clear (CeApiCameraQuery *q)
{
  g_clear_pointer (&q->street, g_free);
  g_clear_pointer (&q->text, g_free);
  g_clear_pointer (&q->after_id, g_free);
  g_clear_pointer (&q->polygon, g_free);
}

/* "a,b,c" of exactly @n (n > 0) or at least @min_n numbers (n == 0, even
 * count).  Returns: (transfer full) the numbers, count in *out_n. */
static double *
parse_numbers (const char *name, const char *value, guint n, guint min_n,
    guint max_n, guint *out_n, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);
  guint count = g_strv_length (parts);
  g_autofree double *v = NULL;

  if ((n > 0 && count != n) ||
      (n == 0 && (count < min_n || count > max_n || count % 2 != 0))) {
    if (n > 0)
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "%s: expected %u comma-separated numbers", name, n);
    else
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "%s: expected lon,lat pairs (%u to %u numbers)", name, min_n, max_n);
    return NULL;
  }
  v = g_new (double, count);
  for (guint i = 0; i < count; i++) {
    char *end = NULL;

    v[i] = g_ascii_strtod (parts[i], &end);
    if (*parts[i] == '\0' || end == parts[i] || *end != '\0' ||
        !isfinite (v[i])) {
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "%s: “%.32s” is not a number", name, parts[i]);
      return NULL;
    }
  }
  *out_n = count;
  return g_steal_pointer (&v);
}

static gboolean
param_double (GHashTable *params, const char *name, double *out, GError **error)
{
  const char *value = g_hash_table_lookup (params, name);
  char *end = NULL;
  double v;

  if (value == NULL)
    return TRUE;
  v = g_ascii_strtod (value, &end);
  if (*value == '\0' || end == value || *end != '\0' || !isfinite (v)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "%s: “%.32s” is not a number", name, value);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

/* Input coordinates in @crs to WGS-84; values outside the valid range
 * are passed through for the registry's range check. */
static void
to_wgs84 (CeCrs crs, double *lon, double *lat)
{
  if (crs == CE_CRS_WGS84 || fabs (*lon) > 180 || fabs (*lat) > 90)
    return;
  ce_geo_convert (crs, CE_CRS_WGS84, *lon, *lat, lon, lat);
}

gboolean
ce_api_camera_query_parse (GHashTable *params, CeApiCameraQuery *out,
    GError **error)
{
  static const char *const known[] = {"source", "street", "status", "secrecy",
      "q", "bbox", "polygon", "near", "radius", "k", "crs", "limit", "cursor",
      NULL};
  CeQuery *q = &out->query;
  const char *v;
  gint64 n;
  g_autoptr (GError) local = NULL;

  memset (out, 0, sizeof (*out));
  ce_query_init (q);
  out->limit = CE_API_DEFAULT_PAGE;
  if (!ce_api_params_check (params, known, error) ||
      !ce_api_param_crs (params, &out->crs, error))
    return FALSE;

  if ((v = g_hash_table_lookup (params, "source")) != NULL) {
    g_auto (GStrv) parts = g_strsplit (v, ",", 8);

    for (guint i = 0; parts[i] != NULL; i++) {
      CeSource s;

      if (!ce_source_from_string (parts[i], &s)) {
        g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
            "source: “%.32s” is not public_security, xueliang, social or "
            "mobile",
            parts[i]);
        return FALSE;
      }
      q->sources |= CE_SOURCE_BIT (s);
    }
  }
  if ((v = g_hash_table_lookup (params, "street")) != NULL) {
    if (*v == '\0' || strlen (v) > 128) {
      g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "street: must be 1 to 128 bytes");
      return FALSE;
    }
    out->street = g_strdup (v);
    q->street = out->street;
  }
  if ((v = g_hash_table_lookup (params, "status")) != NULL) {
    CeStatus s;

    if (strcmp (v, "online") != 0 && strcmp (v, "offline") != 0 &&
        strcmp (v, "unknown") != 0) {
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "status: “%.32s” is not online, offline or unknown", v);
      return FALSE;
    }
    ce_status_from_string (v, &s);
    q->status = (int) s;
  }
  n = -1;
  if (!ce_api_param_int (params, "secrecy", 0, 1, &n, error))
    return FALSE;
  q->secrecy = (int) n;
  if ((v = g_hash_table_lookup (params, "q")) != NULL) {
    if (*v == '\0' || strlen (v) > 256) {
      g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "q: must be 1 to 256 bytes");
      return FALSE;
    }
    out->text = g_strdup (v);
    q->text = out->text;
  }
  if ((v = g_hash_table_lookup (params, "bbox")) != NULL) {
    guint count;
    g_autofree double *b = parse_numbers ("bbox", v, 4, 0, 0, &count, error);

    if (b == NULL)
      return FALSE;
    to_wgs84 (out->crs, &b[0], &b[1]);
    to_wgs84 (out->crs, &b[2], &b[3]);
    q->has_bbox = TRUE;
    q->min_lon = b[0];
    q->min_lat = b[1];
    q->max_lon = b[2];
    q->max_lat = b[3];
  }
  if ((v = g_hash_table_lookup (params, "polygon")) != NULL) {
    guint count = 0;

    out->polygon = parse_numbers ("polygon", v, 0, 6, 20000, &count, error);
    if (out->polygon == NULL)
      return FALSE;
    for (guint i = 0; i < count; i += 2)
      to_wgs84 (out->crs, &out->polygon[i], &out->polygon[i + 1]);
    q->polygon = out->polygon;
    q->polygon_len = count / 2;
  }
  if ((v = g_hash_table_lookup (params, "near")) != NULL) {
    guint count;
    g_autofree double *p = parse_numbers ("near", v, 2, 0, 0, &count, error);
    gint64 k = 10;

    if (p == NULL)
      return FALSE;
    to_wgs84 (out->crs, &p[0], &p[1]);
    q->has_near = TRUE;
    q->near_lon = p[0];
    q->near_lat = p[1];
    q->radius_m = 1000;
    if (!param_double (params, "radius", &q->radius_m, error) ||
        !ce_api_param_int (params, "k", 1, CE_API_MAX_PAGE, &k, error))
      return FALSE;
    q->k = (guint) k;
  } else if (g_hash_table_contains (params, "radius") ||
      g_hash_table_contains (params, "k")) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "radius and k need near=lon,lat");
    return FALSE;
  }
  n = CE_API_DEFAULT_PAGE;
  if (!ce_api_param_int (params, "limit", 1, CE_API_MAX_PAGE, &n, error))
    return FALSE;
  out->limit = (guint) n;
  if ((v = g_hash_table_lookup (params, "cursor")) != NULL) {
    if (q->has_near) {
      g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "cursor: nearest queries have a single page (use k)");
      return FALSE;
    }
    out->after_id = ce_api_cursor_decode (v, error);
    if (out->after_id == NULL)
      return FALSE;
    q->after_id = out->after_id;
  }
  if (!ce_query_validate (q, &local)) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        local->message);
    return FALSE;
  }
  return TRUE;
}

/* json-glib must see one object in strict JSON lexis (ce-json-check.h). */
static gboolean
check_one_object (const char *text, gsize *len, GError **error)
{
  CeJsonCheck result = ce_json_check_object (text, len, NULL);

  if (result == CE_JSON_CHECK_OK)
    return TRUE;
  g_set_error (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON, "Body: %s",
      result == CE_JSON_CHECK_EMPTY ? "expected a JSON object"
                                    : ce_json_check_describe (result));
  return FALSE;
}

JsonNode *
ce_api_json_parse_object (const char *data, gsize len, const char *const *known,
    GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;
  JsonObjectIter iter;
  const char *name;

  if (len == 0) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON,
        "Body: empty, expected a JSON object");
    return NULL;
  }
  /* json-glib stops at a NUL byte; a body with one is not JSON. */
  if (memchr (data, '\0', len) != NULL ||
      !g_utf8_validate (data, (gssize) len, NULL)) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON,
        "Body: not UTF-8 text");
    return NULL;
  }
  if (!check_one_object (data, &len, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON,
        "Body: not valid JSON: %s", local->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_INVALID_JSON,
        "Body: expected a JSON object");
    return NULL;
  }
  if (known != NULL) {
    json_object_iter_init (&iter, json_node_get_object (root));
    while (json_object_iter_next (&iter, &name, NULL)) {
      if (!g_strv_contains (known, name)) {
        g_set_error (error, CE_API_ERROR, CE_API_ERROR_UNKNOWN_FIELD,
            "Body: unknown field “%.64s”", name);
        return NULL;
      }
    }
  }
  return json_node_ref (root);
}

typedef enum
{
  F_STRING,
  F_NUMBER,
  F_INT,
  F_SOURCE,
  F_STATUS,
} FieldType;

static const struct
{
  const char *name;
  FieldType type;
  gsize offset;
} camera_fields[] = {
    {"id", F_STRING, G_STRUCT_OFFSET (CeCamera, id)},
    {"name", F_STRING, G_STRUCT_OFFSET (CeCamera, name)},
    {"source", F_SOURCE, G_STRUCT_OFFSET (CeCamera, source)},
    {"street", F_STRING, G_STRUCT_OFFSET (CeCamera, street)},
    {"civil_code", F_STRING, G_STRUCT_OFFSET (CeCamera, civil_code)},
    {"address", F_STRING, G_STRUCT_OFFSET (CeCamera, address)},
    {"lon", F_NUMBER, G_STRUCT_OFFSET (CeCamera, lon)},
    {"lat", F_NUMBER, G_STRUCT_OFFSET (CeCamera, lat)},
    {"rtsp_url", F_STRING, G_STRUCT_OFFSET (CeCamera, rtsp_url)},
    {"rtsp_url_sub", F_STRING, G_STRUCT_OFFSET (CeCamera, rtsp_url_sub)},
    {"username", F_STRING, G_STRUCT_OFFSET (CeCamera, username)},
    {"password", F_STRING, G_STRUCT_OFFSET (CeCamera, password)},
    {"secrecy", F_INT, G_STRUCT_OFFSET (CeCamera, secrecy)},
    {"ptz_type", F_INT, G_STRUCT_OFFSET (CeCamera, ptz_type)},
    {"azimuth", F_NUMBER, G_STRUCT_OFFSET (CeCamera, azimuth)},
    {"tags", F_STRING, G_STRUCT_OFFSET (CeCamera, tags)},
    {"status", F_STATUS, G_STRUCT_OFFSET (CeCamera, status)},
};

static gboolean
type_error (const char *name, const char *what, GError **error)
{
  g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
      "Body: %s must be %s", name, what);
  return FALSE;
}

static gboolean
set_field (CeCamera *c, const char *name, FieldType type, gsize offset,
    JsonNode *node, GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (c, offset);
  GType vt;
  const char *s;

  if (JSON_NODE_HOLDS_NULL (node)) {
    /* null clears optional fields; required ones fail validation. */
    switch (type) {
      case F_STRING:
        g_clear_pointer ((char **) field, g_free);
        return TRUE;
      case F_NUMBER:
        *(double *) field = NAN;
        return TRUE;
      case F_INT:
      case F_SOURCE:
      case F_STATUS:
      default:
        return type_error (name, "given (not null)", error);
    }
  }
  if (!JSON_NODE_HOLDS_VALUE (node))
    return type_error (name, type == F_STRING ? "a string" : "a number", error);
  vt = json_node_get_value_type (node);
  switch (type) {
    case F_STRING:
      if (vt != G_TYPE_STRING)
        return type_error (name, "a string", error);
      s = json_node_get_string (node);
      if (strlen (s) > 4096)
        return type_error (name, "at most 4096 bytes", error);
      g_free (*(char **) field);
      *(char **) field = g_strdup (s);
      return TRUE;
    case F_NUMBER:
      if (vt != G_TYPE_DOUBLE && vt != G_TYPE_INT64)
        return type_error (name, "a number", error);
      *(double *) field = json_node_get_double (node);
      return TRUE;
    case F_INT: {
      gint64 v;

      if (vt != G_TYPE_INT64)
        return type_error (name, "a whole number", error);
      v = json_node_get_int (node);
      if (v < G_MININT || v > G_MAXINT) {
        g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
            "Body: %s is out of range", name);
        return FALSE;
      }
      *(int *) field = (int) v;
      return TRUE;
    }
    case F_SOURCE:
      if (vt != G_TYPE_STRING)
        return type_error (name, "a string", error);
      if (!ce_source_from_string (json_node_get_string (node),
              (CeSource *) field)) {
        g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
            "Body: source: “%.32s” is not public_security, xueliang, "
            "social or mobile",
            json_node_get_string (node));
        return FALSE;
      }
      return TRUE;
    case F_STATUS:
      if (vt != G_TYPE_STRING)
        return type_error (name, "a string", error);
      if (!ce_status_from_string (json_node_get_string (node),
              (CeStatus *) field)) {
        g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
            "Body: status: “%.32s” is not online, offline or unknown",
            json_node_get_string (node));
        return FALSE;
      }
      return TRUE;
    default:
      g_assert_not_reached ();
  }
}

CeCamera *
ce_api_camera_from_json (JsonObject *object, const CeCamera *base, CeCrs crs,
    GError **error)
{
  g_autoptr (CeCamera) c =
      base != NULL ? ce_camera_copy (base) : ce_camera_new ();
  g_autoptr (GError) local = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  gboolean moved = FALSE;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node)) {
    gsize i;

    for (i = 0; i < G_N_ELEMENTS (camera_fields); i++)
      if (strcmp (camera_fields[i].name, name) == 0)
        break;
    if (i == G_N_ELEMENTS (camera_fields)) {
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_UNKNOWN_FIELD,
          "Body: unknown field “%.64s”", name);
      return NULL;
    }
    if (!set_field (c, name, camera_fields[i].type, camera_fields[i].offset,
            node, error))
      return NULL;
    if (strcmp (name, "lon") == 0 || strcmp (name, "lat") == 0)
      moved = TRUE;
  }
  if (base != NULL && g_strcmp0 (c->id, base->id) != 0) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Body: id cannot be changed (create a new camera instead)");
    return NULL;
  }
  if (c->id == NULL) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: id is required");
    return NULL;
  }
  if (!ce_api_check_id (c->id, error))
    return NULL;
  if ((base == NULL || moved) && crs != CE_CRS_WGS84 && isfinite (c->lon) &&
      isfinite (c->lat))
    to_wgs84 (crs, &c->lon, &c->lat);
  ce_camera_take_url_credentials (c);
  if (!ce_camera_validate (c, &local)) {
    g_set_error (error, CE_API_ERROR,
        g_error_matches (local, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID)
            ? CE_API_ERROR_INVALID_ID
            : CE_API_ERROR_OUT_OF_RANGE,
        "Body: %s", local->message);
    return NULL;
  }
  return g_steal_pointer (&c);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL && *value != '\0')
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
ce_api_camera_to_json (const CeCamera *c, CeCrs crs)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  double lon, lat;

  ce_geo_convert (CE_CRS_WGS84, crs, c->lon, c->lat, &lon, &lat);
  json_builder_begin_object (b);
  add_string (b, "id", c->id);
  add_string (b, "name", c->name);
  add_string (b, "source", ce_source_to_string (c->source));
  add_string (b, "source_label", ce_source_to_label (c->source));
  add_string (b, "street", c->street);
  add_string (b, "civil_code", c->civil_code);
  add_string (b, "address", c->address);
  json_builder_set_member_name (b, "lon");
  json_builder_add_double_value (b, round (lon * 1e7) / 1e7);
  json_builder_set_member_name (b, "lat");
  json_builder_add_double_value (b, round (lat * 1e7) / 1e7);
  json_builder_set_member_name (b, "crs");
  json_builder_add_string_value (b, ce_crs_to_string (crs));
  /* Stream URLs hold the camera's address and credentials live beside
   * them: clients get play URLs from a viewing grant instead. */
  json_builder_set_member_name (b, "has_sub_stream");
  json_builder_add_boolean_value (b,
      c->rtsp_url_sub != NULL && *c->rtsp_url_sub != '\0');
  json_builder_set_member_name (b, "secrecy");
  json_builder_add_int_value (b, c->secrecy);
  json_builder_set_member_name (b, "ptz_type");
  json_builder_add_int_value (b, c->ptz_type);
  json_builder_set_member_name (b, "azimuth");
  if (isnan (c->azimuth))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, c->azimuth);
  add_string (b, "tags", c->tags);
  add_string (b, "status", ce_status_to_string (c->status));
  json_builder_set_member_name (b, "status_changed_at");
  json_builder_add_int_value (b, c->status_changed_at);
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, c->created_at);
  json_builder_set_member_name (b, "updated_at");
  json_builder_add_int_value (b, c->updated_at);
  if (!isnan (c->distance_m)) {
    json_builder_set_member_name (b, "distance_m");
    json_builder_add_double_value (b, round (c->distance_m * 10) / 10);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
ce_api_parse_monitor_path (const char *path, char **wall, guint *monitor)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", 5);
  const char *name, *index;
  guint64 n = 0;

  if (g_strv_length (parts) != 4 || strcmp (parts[0], "walls") != 0 ||
      strcmp (parts[2], "monitors") != 0)
    return FALSE;
  name = parts[1];
  index = parts[3];
  if (*name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *c = name; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-')
      return FALSE;
  if (*index == '\0' || strlen (index) > 3 ||
      (index[0] == '0' && index[1] != '\0'))
    return FALSE;
  for (const char *c = index; *c != '\0'; c++)
    if (!g_ascii_isdigit (*c))
      return FALSE;
  n = g_ascii_strtoull (index, NULL, 10);
  if (n > 255)
    return FALSE;
  *wall = g_strdup (name);
  *monitor = (guint) n;
  return TRUE;
}

/* ---- the multiplexed live socket's client messages ---------------------- */

static const char *
mux_string (JsonObject *o, const char *name, gboolean required, guint max,
    GError **error)
{
  JsonNode *n = json_object_get_member (o, name);
  const char *v;

  if (n == NULL) {
    if (required)
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST, "%s: missing",
          name);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "%s: must be a string", name);
    return NULL;
  }
  v = json_node_get_string (n);
  if (*v == '\0' || strlen (v) > max) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "%s: must be 1 to %u bytes", name, max);
    return NULL;
  }
  return v;
}

void
ce_api_mux_message_clear (CeApiMuxMessage *msg)
{
  g_clear_pointer (&msg->camera, g_free);
  g_clear_pointer (&msg->incident, g_free);
}

gboolean
ce_api_mux_parse_message (const char *data, gsize len, CeApiMuxMessage *msg,
    GError **error)
{
  static const char *const known[] = {"op", "ch", "camera", "profile",
      "incident", "purpose", NULL};
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;
  JsonObject *o;
  JsonNode *n;
  const char *op, *camera, *profile, *incident, *purpose;

  memset (msg, 0, sizeof *msg);
  msg->ch = -1;
  if (len > CE_API_MUX_MAX_MESSAGE) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_TOO_LARGE,
        "Message: longer than %u bytes", CE_API_MUX_MAX_MESSAGE);
    return FALSE;
  }
  root = ce_api_json_parse_object (data, len, known, &local);
  if (root == NULL) {
    /* Its text says "Body": here it is a message. */
    g_set_error (error, local->domain, local->code, "Message%s",
        g_str_has_prefix (local->message, "Body")
            ? local->message + strlen ("Body")
            : local->message);
    return FALSE;
  }
  o = json_node_get_object (root);
  n = json_object_get_member (o, "ch");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0 || json_node_get_int (n) > CE_API_MUX_MAX_CH) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "ch: must be an integer from 0 to %" G_GINT64_FORMAT,
        CE_API_MUX_MAX_CH);
    return FALSE;
  }
  msg->ch = json_node_get_int (n);
  if ((op = mux_string (o, "op", TRUE, 8, error)) == NULL)
    return FALSE;
  if (strcmp (op, "close") == 0) {
    msg->op = CE_API_MUX_CLOSE;
    if (json_object_get_size (o) != 2) {
      g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_UNKNOWN_FIELD,
          "close: takes only op and ch");
      return FALSE;
    }
    return TRUE;
  }
  if (strcmp (op, "open") != 0) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "op: must be open or close");
    return FALSE;
  }
  msg->op = CE_API_MUX_OPEN;
  if ((camera = mux_string (o, "camera", TRUE, 64, error)) == NULL)
    return FALSE;
  if (!ce_api_check_id (camera, error))
    return FALSE;
  profile = mux_string (o, "profile", FALSE, 8, &local);
  if (local == NULL)
    incident = mux_string (o, "incident", FALSE, 128, &local);
  if (local == NULL)
    purpose = mux_string (o, "purpose", FALSE, 8, &local);
  if (local != NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (profile != NULL && strcmp (profile, "main") != 0 &&
      strcmp (profile, "sub") != 0) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "profile: must be main or sub");
    return FALSE;
  }
  if (purpose == NULL || strcmp (purpose, "view") == 0) {
    msg->purpose = CE_API_MUX_PURPOSE_VIEW;
  } else if (strcmp (purpose, "tour") == 0) {
    msg->purpose = CE_API_MUX_PURPOSE_TOUR;
  } else if (strcmp (purpose, "preset") == 0) {
    msg->purpose = CE_API_MUX_PURPOSE_PRESET;
  } else {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "purpose: must be view, tour or preset");
    return FALSE;
  }
  if (incident != NULL && !g_utf8_validate (incident, -1, NULL)) {
    g_set_error_literal (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "incident: not UTF-8");
    return FALSE;
  }
  msg->camera = g_strdup (camera);
  msg->sub = profile != NULL && strcmp (profile, "sub") == 0;
  msg->incident = g_strdup (incident);
  return TRUE;
}
