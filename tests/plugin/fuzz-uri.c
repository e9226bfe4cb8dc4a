/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for what a pipeline author types: cityeye:// URIs and
 * gateway URLs.  What is accepted must build a URL that parses back.
 */
#include <stdint.h>
#include <string.h>

#include "ce-uri.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *gateway = NULL;
  CeUri uri;

  if (ce_uri_parse (text, &uri, NULL)) {
    g_autofree char *url = NULL;
    g_autofree char *back = ce_uri_build (uri.camera_id, uri.sub);
    CeUri again;

    if (!ce_camera_id_is_valid (uri.camera_id))
      __builtin_trap ();
    url = ce_gateway_camera_url (uri.gateway != NULL ? uri.gateway
                                                     : CE_GATEWAY_DEFAULT,
        uri.camera_id, uri.sub, uri.token);
    if (url == NULL || strchr (url, ' ') != NULL || strchr (url, '#') != NULL)
      __builtin_trap ();
    if (!ce_uri_parse (back, &again, NULL) ||
        strcmp (again.camera_id, uri.camera_id) != 0 || again.sub != uri.sub)
      __builtin_trap ();
    ce_uri_clear (&again);
    ce_uri_clear (&uri);
  }
  gateway = ce_gateway_normalise (text, NULL);
  if (gateway != NULL) {
    g_autofree char *twice = ce_gateway_normalise (gateway, NULL);

    if (twice == NULL || strcmp (twice, gateway) != 0)
      __builtin_trap ();
  }
  return 0;
}
