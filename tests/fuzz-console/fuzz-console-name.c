/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the console's file names (the part of a /console/
 * URL path after the prefix): a name accepted must be one segment without
 * dots other than its suffix's, and a lookup must either find a file or
 * fail cleanly.
 */
#include <stdint.h>
#include <string.h>

#include "ce-console.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *name = g_strndup ((const char *) data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *etag = NULL;
  const char *type = NULL;
  gboolean valid = ce_console_name_is_valid (name);

  if (valid &&
      (strchr (name, '/') != NULL || strstr (name, "..") != NULL ||
          strchr (name, '%') != NULL || name[0] == '.'))
    __builtin_trap ();
  bytes = ce_console_dup_file (name, &type, &etag, &error);
  if (bytes != NULL && (!valid || type == NULL || etag == NULL))
    __builtin_trap ();
  if (bytes == NULL && error == NULL)
    __builtin_trap ();
  return 0;
}
