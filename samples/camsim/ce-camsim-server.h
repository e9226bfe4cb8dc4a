/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The simulator's RTSP server: accepts connections itself (so that a
 * tarpitted camera can swallow a connection without an answer), hands the
 * others to gst-rtsp-server, and applies the faults that act on sessions.
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>
#include <json-glib/json-glib.h>

#include "ce-camsim-cameras.h"
#include "ce-camsim-control.h"
#include "ce-camsim-loop.h"
#include "ce-camsim-ticker.h"

G_BEGIN_DECLS

#define CE_TYPE_CAMSIM_SERVER (ce_camsim_server_get_type ())
G_DECLARE_FINAL_TYPE (CeCamsimServer, ce_camsim_server, CE, CAMSIM_SERVER,
    GstRTSPServer)

/* Everything but @context is borrowed and must outlive the server.  The
 * server runs its listener and timers on @context. */
CeCamsimServer *ce_camsim_server_new (const CeCamsimConfig *config,
    CeCamsimCameras *cameras, CeCamsimLoops *loops, CeCamsimTicker *ticker,
    GMainContext *context);

/* Binds and listens on config->address:config->rtsp_port.  On error, FALSE
 * is returned. */
gboolean ce_camsim_server_start (CeCamsimServer *self, GError **error);

/* The bound port, valid after a successful start. */
guint ce_camsim_server_get_port (CeCamsimServer *self);

/* Sets the fault of camera @name and acts on it: encodes the resized loop
 * first for resize, closes the camera's connections and sessions for
 * drop.  Callable from any thread except the server's own context. */
gboolean ce_camsim_server_set_fault (CeCamsimServer *self, const char *name,
    CeCamsimFaultMode mode, int slow_ms, GError **error);

/* Clears every fault and counter. */
void ce_camsim_server_reset (CeCamsimServer *self);

/* Returns: (transfer full): the per-camera statistics plus server-wide
 * numbers. */
JsonNode *ce_camsim_server_dup_stats (CeCamsimServer *self);

/* Returns: (transfer full) (nullable): the statistics of camera @name, or
 * %NULL if @name is not a camera name. */
JsonNode *ce_camsim_server_dup_camera_stats (CeCamsimServer *self,
    const char *name);

/* Stops listening, closes every connection and session and waits (a few
 * seconds at most) for the media to shut down.  Call from the thread that
 * runs @context. */
void ce_camsim_server_stop (CeCamsimServer *self);

/* For ce_camsim_control_new(): the functions above on a CeCamsimServer. */
extern const CeCamsimEngineFuncs ce_camsim_server_engine;

G_END_DECLS
