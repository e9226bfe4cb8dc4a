/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Shared by the libFuzzer targets: feeds bytes to ce_import_parse().
 */
#pragma once

#include <stdint.h>
#include <string.h>

#include "ce-import.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
fuzz_on_record (CeCamera *camera, const char *where, const char *problem,
    gpointer user_data, GError **error)
{
  /* The contract: a where always, and a problem when there is no camera. */
  if (where == NULL || (camera == NULL && problem == NULL))
    __builtin_trap ();
  if (camera != NULL && camera->name != NULL &&
      !g_utf8_validate (camera->name, -1, NULL))
    __builtin_trap ();
  ce_camera_free (camera);
  return TRUE;
}

static void
fuzz_on_note (const char *where, const char *note, gpointer user_data)
{
  if (where == NULL || note == NULL)
    __builtin_trap ();
}

static void
fuzz_parse (CeFormat format, const uint8_t *data, size_t size,
    const char *encoding)
{
  g_autoptr (GInputStream) in =
      g_memory_input_stream_new_from_data (data, size, NULL);
  g_autoptr (GError) error = NULL;
  CeImportParser parser = {
      .format = format,
      .encoding = encoding,
      .record = fuzz_on_record,
      .note = fuzz_on_note,
  };

  if (!ce_import_parse (in, &parser, NULL, &error) &&
      (error == NULL || error->domain != CE_IMPORT_ERROR ||
          !g_utf8_validate (error->message, -1, NULL)))
    __builtin_trap ();
}
