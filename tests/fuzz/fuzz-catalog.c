/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the GB/T 28181 Catalog XML parser.
 */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Odd-sized inputs read documents without a declaration as GBK. */
  fuzz_parse (CE_FORMAT_CATALOG, data, size, size % 2 == 1 ? "gbk" : NULL);
  return 0;
}
