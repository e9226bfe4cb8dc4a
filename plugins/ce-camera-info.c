/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A camera's label from the gateway's answer (see ce-camera-info.h).
 */
#include "ce-camera-info.h"
#include "ce-json-check.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

void
ce_camera_info_clear (CeCameraInfo *info)
{
  g_clear_pointer (&info->name, g_free);
  g_clear_pointer (&info->street, g_free);
  info->lon = info->lat = 0.0;
}

/* A string member fit for the screen, or NULL. */
static char *
take_text (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);
  const char *s, *end;
  GString *out;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (n);
  if (s == NULL || !g_utf8_validate (s, -1, &end))
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iscntrl (c))
      c = ' ';
    if (out->len + 6 > CE_CAMERA_INFO_MAX_TEXT)
      break;
    g_string_append_unichar (out, c);
  }
  if (out->len == 0) {
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

static gboolean
take_number (JsonObject *o, const char *member, double limit, double *out)
{
  JsonNode *n = json_object_get_member (o, member);
  GType type;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  type = json_node_get_value_type (n);
  if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_double (n);
  return isfinite (*out) && fabs (*out) <= limit;
}

gboolean
ce_camera_info_parse (const char *json, gsize size, CeCameraInfo *out,
    GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;
  JsonObject *o;
  g_autofree char *crs = NULL;
  double lon, lat;

  g_return_val_if_fail (json != NULL || size == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (size > CE_CAMERA_INFO_MAX_SIZE) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Camera description larger than %d bytes", CE_CAMERA_INFO_MAX_SIZE);
    return FALSE;
  }
  if (size == 0 || memchr (json, '\0', size) != NULL ||
      !g_utf8_validate (json, (gssize) size, NULL) ||
      ce_json_check_object (json, &size, NULL) != CE_JSON_CHECK_OK) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Camera description is not one JSON object");
    return FALSE;
  }
  if (!json_parser_load_from_data (parser, json, (gssize) size, &local)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Camera description is not JSON: %s", local->message);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Camera description is not a JSON object");
    return FALSE;
  }
  o = json_node_get_object (root);
  out->name = take_text (o, "name");
  out->street = take_text (o, "street");
  crs = take_text (o, "crs");
  if ((crs == NULL || strcmp (crs, "wgs84") == 0) &&
      take_number (o, "lon", 180.0, &lon) &&
      take_number (o, "lat", 90.0, &lat)) {
    out->lon = lon;
    out->lat = lat;
  }
  return TRUE;
}
