/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the HTTP API's JSON request bodies: a camera to
 * create, the same as a patch of a stored camera, and a grant request.
 * An accepted camera must be valid, and its public JSON must not carry
 * credentials or stream URLs.
 */
#include <stdint.h>
#include <string.h>

#include "ce-api-params.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_camera (CeCamera *c)
{
  g_autoptr (JsonNode) out = NULL;
  JsonObject *o;

  if (c == NULL)
    return;
  if (!ce_camera_validate (c, NULL))
    __builtin_trap ();
  out = ce_api_camera_to_json (c, CE_CRS_GCJ02);
  o = json_node_get_object (out);
  if (json_object_has_member (o, "password") ||
      json_object_has_member (o, "username") ||
      json_object_has_member (o, "rtsp_url") ||
      json_object_has_member (o, "rtsp_url_sub"))
    __builtin_trap ();
  ce_camera_free (c);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const grant[] = {"profile", "incident", "reason", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node =
      ce_api_json_parse_object ((const char *) data, size, NULL, &error);
  g_autoptr (JsonNode) strict = NULL;
  g_autoptr (CeCamera) base = ce_camera_new ();

  if (node == NULL) {
    if (error == NULL || error->domain != CE_API_ERROR)
      __builtin_trap ();
    return 0;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    __builtin_trap ();
  check_camera (ce_api_camera_from_json (json_node_get_object (node), NULL,
      CE_CRS_BD09, NULL));

  base->id = g_strdup ("31011300001320000101");
  base->name = g_strdup ("基准");
  base->source = CE_SOURCE_SOCIAL;
  base->lon = 121.4;
  base->lat = 31.3;
  base->rtsp_url = g_strdup ("rtsp://10.0.0.1/main");
  check_camera (ce_api_camera_from_json (json_node_get_object (node), base,
      CE_CRS_WGS84, NULL));

  strict = ce_api_json_parse_object ((const char *) data, size, grant, NULL);
  if (strict != NULL) {
    JsonObjectIter iter;
    const char *name;

    json_object_iter_init (&iter, json_node_get_object (strict));
    while (json_object_iter_next (&iter, &name, NULL))
      if (!g_strv_contains (grant, name))
        __builtin_trap ();
  }
  return 0;
}
