/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the HTTP API's query strings: decoding, the camera
 * filters and cursors, and (the same bytes) a Sec-WebSocket-Protocol
 * header carrying a bearer token.  What is accepted must be valid by the
 * registry's rules, and cursors must round-trip.
 */
#include <stdint.h>
#include <string.h>

#include "ce-api-params.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (GHashTable) params = NULL;
  g_autoptr (GError) error = NULL;
  CeApiCameraQuery q;
  GHashTableIter iter;
  gpointer key, value;
  gint64 n = -1;
  CeCrs crs;
  const char *cursor;

  /* The same bytes as a wall monitor's RTSP path. */
  {
    g_autofree char *wall = NULL;
    guint monitor = G_MAXUINT;

    if (ce_api_parse_monitor_path (text, &wall, &monitor)) {
      g_autofree char *again =
          g_strdup_printf ("walls/%s/monitors/%u", wall, monitor);

      if (monitor > 255 || *wall == '\0' || strlen (wall) > 64 ||
          strcmp (again, text) != 0)
        __builtin_trap ();
    } else if (wall != NULL) {
      __builtin_trap ();
    }
  }

  /* The same bytes as a Sec-WebSocket-Protocol header: a token found is
   * base64url, and an error is the API's. */
  {
    g_autofree char *token = ce_api_ws_protocol_token (text, &error);

    if (token != NULL &&
        (*token == '\0' || strlen (token) > 128 ||
            strspn (token,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                "0123456789_-") != strlen (token)))
      __builtin_trap ();
    if (token == NULL && error != NULL && error->domain != CE_API_ERROR)
      __builtin_trap ();
    g_clear_error (&error);
  }
  params = ce_api_query_parse (text, &error);
  if (params == NULL) {
    if (error == NULL || error->domain != CE_API_ERROR)
      __builtin_trap ();
    return 0;
  }
  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (!g_utf8_validate (key, -1, NULL) ||
        !g_utf8_validate (value, -1, NULL) || *(const char *) key == '\0')
      __builtin_trap ();
  }
  if (g_hash_table_size (params) > CE_API_MAX_PARAMS)
    __builtin_trap ();

  if (ce_api_camera_query_parse (params, &q, &error)) {
    if (!ce_query_validate (&q.query, NULL) || q.limit < 1 ||
        q.limit > CE_API_MAX_PAGE)
      __builtin_trap ();
    if (q.after_id != NULL) {
      g_autofree char *again = ce_api_cursor_encode (q.after_id);
      g_autofree char *back = ce_api_cursor_decode (again, NULL);

      if (back == NULL || strcmp (back, q.after_id) != 0)
        __builtin_trap ();
    }
  } else if (error == NULL || error->domain != CE_API_ERROR) {
    __builtin_trap ();
  }
  ce_api_camera_query_clear (&q);
  g_clear_error (&error);

  if (ce_api_param_int (params, "width", 16, 3840, &n, NULL) && n != -1 &&
      (n < 16 || n > 3840))
    __builtin_trap ();
  ce_api_param_crs (params, &crs, NULL);
  if ((cursor = g_hash_table_lookup (params, "cursor")) != NULL) {
    g_autofree char *id = ce_api_cursor_decode (cursor, NULL);

    if (id != NULL && strlen (id) != 20)
      __builtin_trap ();
  }
  return 0;
}
