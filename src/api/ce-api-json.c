/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Times and optional strings, in query parameters and JSON answers.
 */
#include "ce-api-private.h"

/* ISO 8601 with a zone, or unix seconds. */
gboolean
ce_api_param_time (GHashTable *params, const char *name, gint64 *out_us,
    GError **error)
{
  const char *v = g_hash_table_lookup (params, name);
  g_autoptr (GDateTime) dt = NULL;
  gint64 secs;

  if (v == NULL)
    return TRUE;
  if (g_ascii_string_to_signed (v, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &secs,
          NULL)) {
    *out_us = secs * G_USEC_PER_SEC;
    return TRUE;
  }
  dt = g_date_time_new_from_iso8601 (v, NULL);
  if (dt == NULL) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "%s: “%.40s” is neither ISO 8601 with a time zone nor unix seconds",
        name, v);
    return FALSE;
  }
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC +
      g_date_time_get_microsecond (dt);
  return TRUE;
}

void
ce_api_json_add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL && *value != '\0')
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
ce_api_json_add_time (JsonBuilder *b, const char *name, gint64 us)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autofree char *s = NULL;

  json_builder_set_member_name (b, name);
  if (us <= 0 ||
      (dt = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC)) == NULL) {
    json_builder_add_null_value (b);
    return;
  }
  s = g_date_time_format_iso8601 (dt);
  json_builder_add_string_value (b, s);
}
