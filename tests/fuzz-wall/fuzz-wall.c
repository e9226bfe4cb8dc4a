/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the wall model's JSON: the monitors of a PATCH or a
 * preset, and a stored state.  An accepted change must survive its own
 * round trip through the stored state unchanged.
 */
#include <stdint.h>
#include <string.h>

#include "ce-wall.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (JsonNode) monitors = NULL;
  g_autoptr (CeWall) wall = ce_wall_new ("w", "墙", 2, 3, NULL);
  g_autoptr (CeWall) stored = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *again = NULL;
  guint64 touched = 0;
  const guint region[] = {1, 4};

  stored = ce_wall_from_state ("w", NULL, 2, 3, 1, text, &error);
  if (stored == NULL && (error == NULL || error->domain != CE_WALL_ERROR))
    __builtin_trap ();
  g_clear_error (&error);
  if ((monitors = ce_wall_json_parse (text, '[')) == NULL)
    return 0;
  if (!ce_wall_set_monitors (wall, json_node_get_array (monitors), 5, &touched,
          &error)) {
    if (error == NULL || error->domain != CE_WALL_ERROR)
      __builtin_trap ();
    return 0;
  }
  if (touched == 0 || ce_wall_lock (wall, "op", region, 2, 60, 0, NULL) == NULL)
    __builtin_trap ();
  state = ce_wall_state_to_string (wall);
  g_clear_pointer (&stored, ce_wall_free);
  stored = ce_wall_from_state ("w", NULL, 2, 3, 1, state, &error);
  if (stored == NULL)
    __builtin_trap ();
  again = ce_wall_state_to_string (stored);
  if (strcmp (state, again) != 0)
    __builtin_trap ();
  g_hash_table_unref (ce_wall_wanted_streams (stored, TRUE));
  g_clear_pointer (&state, g_free);
  {
    g_autoptr (JsonNode) out = ce_wall_to_json (stored);
  }
  return 0;
}
