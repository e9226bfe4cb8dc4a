/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the camera description cityeyeoverlay reads from
 * the gateway's API: what is kept must be fit for the screen.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ce-camera-info.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_text (const char *s)
{
  if (s == NULL)
    return;
  if (*s == '\0' || strlen (s) > CE_CAMERA_INFO_MAX_TEXT ||
      !g_utf8_validate (s, -1, NULL))
    __builtin_trap ();
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CeCameraInfo info;

  if (ce_camera_info_parse ((const char *) data, size, &info, NULL)) {
    check_text (info.name);
    check_text (info.street);
    if (!isfinite (info.lon) || fabs (info.lon) > 180 || !isfinite (info.lat) ||
        fabs (info.lat) > 90)
      __builtin_trap ();
    ce_camera_info_clear (&info);
  }
  return 0;
}
