/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * For the fuzzers of stream parsers: the same bytes fed at once and in
 * pieces of 1 to 64 bytes (as the network delivers them) must give the
 * same items.
 */
#pragma once

#include <glib.h>

/* Parses what it can from the front of @buf, removes it, and logs each
 * item in @log; FALSE when the stream is broken (stop feeding). */
typedef gboolean (*FuzzDrainFunc) (GByteArray *buf, GString *log);

static inline void
fuzz_check_chunked (const guint8 *data, gsize size, FuzzDrainFunc drain)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GString) all = g_string_new (NULL);
  g_autoptr (GString) pieces = g_string_new (NULL);
  guint32 state = 2166136261u;
  gsize fed = 0;

  g_byte_array_append (buf, data, size);
  drain (buf, all);

  /* Piece sizes from a hash of the input: reproducible per input. */
  for (gsize i = 0; i < size; i++)
    state = (state ^ data[i]) * 16777619u;
  g_byte_array_set_size (buf, 0);
  while (fed < size) {
    gsize n;

    state = state * 1103515245u + 12345u;
    n = MIN (size - fed, 1 + ((state >> 16) & 63));
    g_byte_array_append (buf, data + fed, n);
    fed += n;
    if (!drain (buf, pieces))
      break;
  }
  if (!g_str_equal (all->str, pieces->str))
    __builtin_trap ();
}
