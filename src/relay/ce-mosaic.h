/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A mosaic: several camera hubs composed into one H.264 stream, for the
 * hardware decoders of a video wall that take one stream per monitor.
 * Each tile's access units are decoded (avdec), scaled into the tile's
 * rectangle with borders that keep the aspect ratio, labelled, and
 * composed over a black live background that sets the output's pace
 * (a tile whose camera stalls keeps its last picture; an empty tile is
 * black); the result is encoded once (x264, zerolatency, no B-frames) and
 * pushed into a hub of its own, which any output serves like a camera.
 *
 * Cost: a decoder per tile and one encoder (see the mosaic benchmark);
 * whoever creates mosaics caps their number.  Use sub streams for small
 * tiles.
 *
 * Threads: decoding, composing and encoding run on the pipeline's threads;
 * the tiles' hub callbacks only queue.  A new layout (ce_mosaic_set_tiles)
 * builds a new pipeline that pushes into the same hub: viewers stay; the
 * old pipeline is stopped on a worker thread (ce_mosaic_free waits for
 * it).
 */
#pragma once

#include "ce-hub.h"

G_BEGIN_DECLS

typedef struct
{
  /* The tile's rectangle as fractions of the picture (0..1). */
  double x, y, width, height;
  CeHub *hub;        /* nullable: an empty (black) tile; borrowed */
  const char *label; /* nullable: drawn at the tile's bottom left, or in
                        the middle of an empty tile */
} CeMosaicTile;

typedef struct
{
  guint width, height; /* default 1920 x 1080 */
  guint fps;           /* default 25 */
  guint bitrate_kbps;  /* default 4000 */
} CeMosaicConfig;

typedef struct
{
  guint64 frames_in;      /* access units taken from the tiles' hubs */
  guint64 frames_out;     /* H.264 access units pushed into our hub */
  guint64 frames_skipped; /* tile units dropped: the decoder fell behind */
  guint64 layouts;        /* pipelines built */
} CeMosaicStats;

typedef struct _CeMosaic CeMosaic;

/* @config nullable for the defaults.  The mosaic starts empty (black).
 * (transfer full) */
CeMosaic *ce_mosaic_new (const char *name, const CeMosaicConfig *config,
    GError **error);
void ce_mosaic_free (CeMosaic *mosaic);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeMosaic, ce_mosaic_free)

/* Shows @tiles (at most 64; the hubs are referenced while shown).  FALSE
 * with @error when a rectangle is out of the picture or an element is
 * missing; the previous layout then stays. */
gboolean ce_mosaic_set_tiles (CeMosaic *mosaic, const CeMosaicTile *tiles,
    guint n_tiles, GError **error);

/* (transfer none): lives as long as @mosaic. */
CeHub *ce_mosaic_get_hub (CeMosaic *mosaic);

void ce_mosaic_get_stats (CeMosaic *mosaic, CeMosaicStats *stats);

G_END_DECLS
