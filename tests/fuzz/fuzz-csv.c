/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the CSV parser.
 */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_parse (CE_FORMAT_CSV, data, size, NULL);
  /* Odd-sized inputs also go through the GB18030 decoder. */
  if (size % 2 == 1)
    fuzz_parse (CE_FORMAT_CSV, data, size, "gb18030");
  return 0;
}
