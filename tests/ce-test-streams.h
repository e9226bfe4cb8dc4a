/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The sample H.264/H.265 streams of tests/data for the codec tests: loading
 * them and splitting them into access units.
 */
#pragma once

#include "ce-nal.h"

G_BEGIN_DECLS

typedef struct
{
  const guint8 *data;
  gsize size;
} CeTestSpan;

/* tests/data/@codec_dir/@name; aborts the test when it cannot be read. */
GBytes *ce_test_load (const char *codec_dir, const char *name);

gboolean ce_test_is_vcl (CeCodec codec, guint type);

/* Splits a byte stream into access units (H.264 7.4.1.2.3, H.265
 * 7.4.2.4.4, simplified for single-layer encoder output): an AU starts at
 * an AUD, at a parameter set or prefix SEI after a slice, or at a slice
 * that starts a new picture.  Returns CeTestSpans pointing into @stream. */
GArray *ce_test_split_aus (CeCodec codec, GBytes *stream);

G_END_DECLS
