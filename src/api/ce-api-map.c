/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GET /api/v1/map/cameras: every camera the caller may see, in columns
 * (id, name, lon, lat, source, street, status, health) for the console's
 * map.  One pass over the registry and one over the health table, JSON
 * written directly (json-glib would build 200,000 nodes for 23,000
 * cameras), a content ETag for 304s.
 */
#include "ce-api-private.h"
#include "ce-json-write.h"
#include "ce-registry-health.h"

#include <math.h>
#include <string.h>

typedef struct
{
  CeCrs crs;
  GString *id, *name, *lon, *lat, *source, *street, *status, *health;
  GHashTable *street_index; /* street → index + 1 (borrowed keys) */
  GPtrArray *streets;       /* owned strings */
  GPtrArray *health_ids;    /* ids of probed cameras, sorted */
  GByteArray *health_values;
  guint health_pos;
  guint count;
} MapColumns;

/* Absent or (never expected) invalid UTF-8: an empty string. */
static void
append_json_string (GString *out, const char *s)
{
  ce_json_append_string (out,
      s != NULL && g_utf8_validate (s, -1, NULL) ? s : "");
}

/* Degrees with 6 decimals (0.1 m) in integer arithmetic: printf's
 * floating-point formatting was a tenth of the endpoint's time. */
static void
append_degrees (GString *out, double v)
{
  gint64 micro = (gint64) llround (fabs (v) * 1e6);
  gint64 whole = micro / 1000000, frac = micro % 1000000;
  char buf[32];
  gsize n = sizeof buf;

  for (int i = 0; i < 6; i++) {
    buf[--n] = (char) ('0' + frac % 10);
    frac /= 10;
  }
  buf[--n] = '.';
  do {
    buf[--n] = (char) ('0' + whole % 10);
    whole /= 10;
  } while (whole > 0);
  if (v < 0 && micro != 0)
    buf[--n] = '-';
  g_string_append_len (out, buf + n, sizeof buf - n);
}

/* A small non-negative integer (legend indexes). */
static void
append_index (GString *out, guint v)
{
  if (v < 10)
    g_string_append_c (out, (char) ('0' + v));
  else
    g_string_append_printf (out, "%u", v);
}

static void
sep (GString *column, guint count)
{
  if (count > 0)
    g_string_append_c (column, ',');
}

static gboolean
collect_health (const char *camera_id, CeHealth health, gpointer user_data)
{
  MapColumns *m = user_data;

  g_ptr_array_add (m->health_ids, g_strdup (camera_id));
  g_byte_array_append (m->health_values, (const guint8 *) &health, 1);
  return TRUE;
}

/* Both passes are ordered by id: a merge finds each camera's health. */
static CeHealth
health_of (MapColumns *m, const char *id)
{
  while (m->health_pos < m->health_ids->len) {
    int cmp = strcmp (g_ptr_array_index (m->health_ids, m->health_pos), id);

    if (cmp == 0)
      return m->health_values->data[m->health_pos];
    if (cmp > 0)
      break;
    m->health_pos++;
  }
  return CE_HEALTH_UNKNOWN;
}

static gboolean
collect_camera (const CeCamera *camera, gpointer user_data)
{
  MapColumns *m = user_data;
  const char *street = camera->street != NULL ? camera->street : "";
  guint street_idx;
  double lon = camera->lon, lat = camera->lat;

  street_idx = GPOINTER_TO_UINT (g_hash_table_lookup (m->street_index, street));
  if (street_idx == 0) {
    char *copy = g_strdup (street);

    g_ptr_array_add (m->streets, copy);
    street_idx = m->streets->len;
    g_hash_table_insert (m->street_index, copy, GUINT_TO_POINTER (street_idx));
  }
  if (m->crs != CE_CRS_WGS84)
    ce_geo_convert (CE_CRS_WGS84, m->crs, camera->lon, camera->lat, &lon, &lat);

  sep (m->id, m->count);
  append_json_string (m->id, camera->id);
  sep (m->name, m->count);
  append_json_string (m->name, camera->name);
  sep (m->lon, m->count);
  append_degrees (m->lon, lon);
  sep (m->lat, m->count);
  append_degrees (m->lat, lat);
  sep (m->source, m->count);
  append_index (m->source, camera->source);
  sep (m->street, m->count);
  append_index (m->street, street_idx - 1);
  sep (m->status, m->count);
  append_index (m->status, camera->status);
  sep (m->health, m->count);
  append_index (m->health, health_of (m, camera->id));
  m->count++;
  return TRUE;
}

static void
map_columns_clear (MapColumns *m)
{
  GString **cols[] = {&m->id, &m->name, &m->lon, &m->lat, &m->source,
      &m->street, &m->status, &m->health};

  for (gsize i = 0; i < G_N_ELEMENTS (cols); i++)
    if (*cols[i] != NULL)
      g_string_free (g_steal_pointer (cols[i]), TRUE);
  g_clear_pointer (&m->street_index, g_hash_table_unref);
  g_clear_pointer (&m->streets, g_ptr_array_unref);
  g_clear_pointer (&m->health_ids, g_ptr_array_unref);
  g_clear_pointer (&m->health_values, g_byte_array_unref);
}

static void
append_column (GString *body, const char *name, GString *column)
{
  g_string_append_printf (body, ",\"%s\":[", name);
  g_string_append_len (body, column->str, column->len);
  g_string_append_c (body, ']');
}

/* gzip of @body at a fast level: 23,000 cameras are 2.3 MB of JSON and
 * about a fifth of that compressed, which the browser receives and
 * decodes faster than the plain text.  NULL on failure (then sent plain). */
static GBytes *
gzip_body (const char *body, gsize len)
{
  g_autoptr (GZlibCompressor) z =
      g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) out =
      g_converter_output_stream_new (mem, G_CONVERTER (z));

  if (!g_output_stream_write_all (out, body, len, NULL, NULL, NULL) ||
      !g_output_stream_close (out, NULL, NULL))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static gboolean
accepts_gzip (SoupServerMessage *msg)
{
  const char *ae = soup_message_headers_get_list (
      soup_server_message_get_request_headers (msg), "Accept-Encoding");

  return ae != NULL && soup_header_contains (ae, "gzip");
}

void
ce_api_map_cameras (CeApiRequest *req)
{
  static const char *const known[] = {"crs", NULL};
  SoupMessageHeaders *out = soup_server_message_get_response_headers (req->msg);
  g_autoptr (GError) error = NULL;
  MapColumns m = {0};
  CeQuery query;
  GString *body;
  g_autofree char *sum = NULL;
  g_autofree char *etag = NULL;
  const char *match;
  gboolean visible;
  g_autoptr (GBytes) gz = NULL;

  m.crs = req->api->console_crs;
  if (!ce_api_params_check (req->params, known, &error) ||
      (g_hash_table_contains (req->params, "crs") &&
          !ce_api_param_crs (req->params, &m.crs, &error))) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  m.id = g_string_sized_new (512 * 1024);
  m.name = g_string_sized_new (1024 * 1024);
  m.lon = g_string_sized_new (256 * 1024);
  m.lat = g_string_sized_new (256 * 1024);
  m.source = g_string_sized_new (64 * 1024);
  m.street = g_string_sized_new (64 * 1024);
  m.status = g_string_sized_new (64 * 1024);
  m.health = g_string_sized_new (64 * 1024);
  m.street_index = g_hash_table_new (g_str_hash, g_str_equal);
  m.streets = g_ptr_array_new_with_free_func (g_free);
  m.health_ids = g_ptr_array_new_with_free_func (g_free);
  m.health_values = g_byte_array_new ();

  ce_query_init (&query);
  visible = ce_api_restrict_query (req, &query);
  if (visible &&
      (!ce_registry_health_foreach (req->api->registry, collect_health, &m,
           &error) ||
          !ce_registry_query_foreach (req->api->registry, &query,
              collect_camera, &m, &error))) {
    ce_api_respond_gerror (req->msg, error);
    map_columns_clear (&m);
    return;
  }

  body = g_string_sized_new (m.id->len + m.name->len + m.lon->len + m.lat->len +
      4 * m.source->len + 1024);
  g_string_append_printf (body,
      "{\"count\":%u,\"crs\":\"%s\",\"tile_url\":", m.count,
      ce_crs_to_string (m.crs));
  if (req->api->config.console_tile_url != NULL &&
      *req->api->config.console_tile_url != '\0')
    append_json_string (body, req->api->config.console_tile_url);
  else
    g_string_append (body, "null");
  /* Legends: the columns hold indexes into these. */
  g_string_append (body, ",\"sources\":[");
  for (int s = 0; s <= CE_SOURCE_LAST; s++) {
    if (s > 0)
      g_string_append_c (body, ',');
    append_json_string (body, s == 0 ? "" : ce_source_to_string (s));
  }
  g_string_append (body, "],\"statuses\":[");
  for (int s = 0; s <= CE_STATUS_LAST; s++) {
    if (s > 0)
      g_string_append_c (body, ',');
    append_json_string (body, ce_status_to_string (s));
  }
  g_string_append (body, "],\"healths\":[");
  for (int h = 0; h <= CE_HEALTH_LAST; h++) {
    if (h > 0)
      g_string_append_c (body, ',');
    append_json_string (body, ce_health_to_string (h));
  }
  g_string_append (body, "],\"streets\":[");
  for (guint i = 0; i < m.streets->len; i++) {
    if (i > 0)
      g_string_append_c (body, ',');
    append_json_string (body, g_ptr_array_index (m.streets, i));
  }
  g_string_append_c (body, ']');
  append_column (body, "id", m.id);
  append_column (body, "name", m.name);
  append_column (body, "lon", m.lon);
  append_column (body, "lat", m.lat);
  append_column (body, "source", m.source);
  append_column (body, "street", m.street);
  append_column (body, "status", m.status);
  append_column (body, "health", m.health);
  g_string_append (body, "}");
  map_columns_clear (&m);

  /* The body depends on the caller's rights: the ETag is of the body
   * itself, the cache private to the token. */
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1,
      (const guchar *) body->str, body->len);
  etag = g_strdup_printf ("\"%.32s\"", sum);
  soup_message_headers_replace (out, "ETag", etag);
  soup_message_headers_replace (out, "Cache-Control", "private, no-cache");
  /* Appended: CORS may have put Origin there. */
  soup_message_headers_append (out, "Vary", "Authorization, Accept-Encoding");
  match = soup_message_headers_get_one (
      soup_server_message_get_request_headers (req->msg), "If-None-Match");
  if (match != NULL && strstr (match, etag) != NULL) {
    soup_server_message_set_status (req->msg, SOUP_STATUS_NOT_MODIFIED, NULL);
    g_string_free (body, TRUE);
    return;
  }
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  if (accepts_gzip (req->msg) &&
      (gz = gzip_body (body->str, body->len)) != NULL) {
    soup_message_headers_replace (out, "Content-Encoding", "gzip");
    soup_server_message_set_response (req->msg, "application/json",
        SOUP_MEMORY_COPY, g_bytes_get_data (gz, NULL), g_bytes_get_size (gz));
    g_string_free (body, TRUE);
    return;
  }
  {
    gsize len = body->len;

    soup_server_message_set_response (req->msg, "application/json",
        SOUP_MEMORY_TAKE, g_string_free (body, FALSE), len);
  }
}
