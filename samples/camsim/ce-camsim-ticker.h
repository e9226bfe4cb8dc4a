/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The simulator's frame clock: one thread that, once per frame interval,
 * hands the next access unit of its loop to every camera media (a "feed"),
 * and applies the stall and resize faults.  One thread for all cameras
 * instead of one timer or encoder per camera.
 */
#pragma once

#include <gst/gst.h>

#include "ce-camsim-cameras.h"
#include "ce-camsim-loop.h"

G_BEGIN_DECLS

typedef struct _CeCamsimTicker CeCamsimTicker;
typedef struct _CeCamsimFeed CeCamsimFeed;

/* Starts the thread.  @config and @loops are borrowed and must outlive the
 * ticker. */
CeCamsimTicker *ce_camsim_ticker_new (const CeCamsimConfig *config,
    CeCamsimLoops *loops);

/* Stops the thread and drops every feed. */
void ce_camsim_ticker_free (CeCamsimTicker *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeCamsimTicker, ce_camsim_ticker_free)

/* Feeds @appsrc from @loop, which must match the camera's codec and the
 * stream's current size variant.  @camera is borrowed (camera records live
 * as long as the table).  Returns: (transfer full): the feed, for
 * ce_camsim_ticker_remove(). */
CeCamsimFeed *ce_camsim_ticker_add_loop (CeCamsimTicker *self,
    CeCamsimCamera *camera, CeCamsimProfile profile, GstElement *appsrc,
    CeCamsimLoop *loop);

/* A live-encoded camera (burn-id mode): the ticker only applies the faults,
 * closing @valve on stall and changing the caps of @size_filter on
 * resize; frames are counted on @valve's source pad. */
CeCamsimFeed *ce_camsim_ticker_add_live (CeCamsimTicker *self,
    CeCamsimCamera *camera, CeCamsimProfile profile, GstElement *valve,
    GstElement *size_filter);

/* Stops feeding and drops @feed (transfer full). */
void ce_camsim_ticker_remove (CeCamsimTicker *self, CeCamsimFeed *feed);

guint ce_camsim_ticker_get_n_feeds (CeCamsimTicker *self);

G_END_DECLS
