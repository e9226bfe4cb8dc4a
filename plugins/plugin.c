/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libgstcityeye: open any registry camera by id from any pipeline.
 */
#include "ce-config.h"
#include "ce-elements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (cityeyesrc, plugin);
  ret |= GST_ELEMENT_REGISTER (cityeyeoverlay, plugin);
  return ret;
}

#define PACKAGE "cityeye"
GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, cityeye,
    "cityeye gateway cameras: a resilient source by camera id and an "
    "overlay for walls and evidence clips",
    plugin_init, CE_VERSION, "MIT", "cityeye", "cityeye")
