/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Writers of inventory files: CSV, GB/T 28181 Catalog XML, GeoJSON, KML.
 */
#pragma once

#include <gio/gio.h>

#include "ce-camera.h"
#include "ce-format.h"
#include "ce-geo.h"

G_BEGIN_DECLS

typedef enum
{
  CE_EXPORT_FLAGS_NONE = 0,
  /* Write username/password columns/elements.  Without it credentials are
   * never written, in any format. */
  CE_EXPORT_WITH_CREDENTIALS = 1 << 0,
} CeExportFlags;

typedef struct _CeExporter CeExporter;

/**
 * ce_exporter_new:
 * @out: (transfer none): kept referenced until ce_exporter_free()
 * @crs: coordinate system of the written coordinates (input is WGS-84)
 * Returns: (transfer full): a writer; the header (if any) is written on the
 * first ce_exporter_add() or at ce_exporter_finish().  On error NULL.
 */
CeExporter *ce_exporter_new (CeFormat format, GOutputStream *out, CeCrs crs,
    CeExportFlags flags, GError **error);
gboolean ce_exporter_add (CeExporter *self, const CeCamera *camera,
    GError **error);
/* Writes the trailer and flushes; the stream is not closed. */
gboolean ce_exporter_finish (CeExporter *self, GError **error);
void ce_exporter_free (CeExporter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeExporter, ce_exporter_free)

G_END_DECLS
