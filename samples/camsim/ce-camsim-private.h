/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The GStreamer debug category shared by the simulator's files
 * (GST_DEBUG=cityeye-camsim:5).
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (ce_camsim_debug);
#define GST_CAT_DEFAULT ce_camsim_debug

/* Registers the category; call once before anything logs. */
void ce_camsim_debug_init (void);

G_END_DECLS
