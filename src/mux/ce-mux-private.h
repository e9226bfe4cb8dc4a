/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Big-endian writers over a GByteArray, shared by the muxers of this
 * module (not a public header).
 */
#pragma once

#include <glib.h>
#include <string.h>

static inline void
ce_put8 (GByteArray *out, guint v)
{
  guint8 b = v;

  g_byte_array_append (out, &b, 1);
}

static inline void
ce_put16 (GByteArray *out, guint v)
{
  guint8 b[2] = {v >> 8, v};

  g_byte_array_append (out, b, 2);
}

static inline void
ce_put24 (GByteArray *out, guint32 v)
{
  guint8 b[3] = {v >> 16, v >> 8, v};

  g_byte_array_append (out, b, 3);
}

static inline void
ce_put32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = {v >> 24, v >> 16, v >> 8, v};

  g_byte_array_append (out, b, 4);
}

static inline void
ce_put64 (GByteArray *out, guint64 v)
{
  ce_put32 (out, v >> 32);
  ce_put32 (out, v);
}

static inline void
ce_put_zeros (GByteArray *out, guint n)
{
  guint8 zero[32] = {0};

  while (n > 0) {
    guint k = MIN (n, sizeof zero);

    g_byte_array_append (out, zero, k);
    n -= k;
  }
}

static inline void
ce_set32 (GByteArray *out, gsize at, guint32 v)
{
  out->data[at] = v >> 24;
  out->data[at + 1] = v >> 16;
  out->data[at + 2] = v >> 8;
  out->data[at + 3] = v;
}

/* Opens an ISO BMFF box: size placeholder and type; returns its offset
 * for ce_box_end(). */
static inline gsize
ce_box_begin (GByteArray *out, const char *type)
{
  gsize at = out->len;

  ce_put32 (out, 0);
  g_byte_array_append (out, (const guint8 *) type, 4);
  return at;
}

/* A full box: version and flags follow the type. */
static inline gsize
ce_fullbox_begin (GByteArray *out, const char *type, guint version,
    guint32 flags)
{
  gsize at = ce_box_begin (out, type);

  ce_put32 (out, (version << 24) | (flags & 0xffffff));
  return at;
}

static inline void
ce_box_end (GByteArray *out, gsize at)
{
  ce_set32 (out, at, out->len - at);
}
