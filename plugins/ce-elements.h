/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The elements of libgstcityeye.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* cityeyesrc: a camera of the registry, by id, through cityeyed. */
GST_ELEMENT_REGISTER_DECLARE (cityeyesrc);
/* cityeyeoverlay: camera name, time and position burnt into raw video. */
GST_ELEMENT_REGISTER_DECLARE (cityeyeoverlay);

G_END_DECLS
