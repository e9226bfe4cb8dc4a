/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The simulator's debug category.
 */
#include "ce-camsim-private.h"

GST_DEBUG_CATEGORY (ce_camsim_debug);

void
ce_camsim_debug_init (void)
{
  GST_DEBUG_CATEGORY_INIT (ce_camsim_debug, "cityeye-camsim", 0,
      "cityeye RTSP camera simulator");
}
