/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the client messages of the multiplexed live socket
 * (GET /api/v1/live.ws).  An accepted message must hold what the socket
 * relies on: a channel in range, a valid camera id for an open, an
 * incident of 1–128 bytes of UTF-8; a refused one sets an API error.
 */
#include <stdint.h>
#include <string.h>

#include "ce-api-params.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  CeApiMuxMessage m;
  gboolean ok =
      ce_api_mux_parse_message ((const char *) data, size, &m, &error);

  if (!ok) {
    if (error == NULL || error->domain != CE_API_ERROR || m.camera != NULL ||
        m.incident != NULL || m.ch < -1 || m.ch > CE_API_MUX_MAX_CH)
      __builtin_trap ();
    ce_api_mux_message_clear (&m);
    return 0;
  }
  if (error != NULL || size > CE_API_MUX_MAX_MESSAGE || m.ch < 0 ||
      m.ch > CE_API_MUX_MAX_CH)
    __builtin_trap ();
  if (m.op == CE_API_MUX_OPEN) {
    if (m.camera == NULL || !ce_api_check_id (m.camera, NULL))
      __builtin_trap ();
    if (m.incident != NULL &&
        (*m.incident == '\0' || strlen (m.incident) > 128 ||
            !g_utf8_validate (m.incident, -1, NULL)))
      __builtin_trap ();
    if (m.purpose > CE_API_MUX_PURPOSE_PRESET)
      __builtin_trap ();
  } else if (m.op != CE_API_MUX_CLOSE || m.camera != NULL ||
      m.incident != NULL) {
    __builtin_trap ();
  }
  ce_api_mux_message_clear (&m);
  return 0;
}
