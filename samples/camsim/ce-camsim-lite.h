/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The simulator's second engine (`--engine=cityeye`), for load: the same
 * pre-encoded loops served by cityeye's own RTSP server (src/serve: one
 * epoll set, packets made once per camera, one writev per batch) instead
 * of a gst-rtsp-server media per camera.  Video only; the faults refuse,
 * drop, stall and resize; no Digest auth, slow, tarpit, audio or burn-id.
 *
 * The default engine stays gst-rtsp-server: it is an RTSP implementation
 * independent of the gateway's, which is what correctness tests want.
 * This one shares the server code with the gateway's viewer side, and
 * exists because gst-rtsp-server costs 200-340 µs of CPU per frame and
 * cannot feed 500 cameras at 25 fps on two cores.
 *
 * Runs on the main context; the control functions may be called from any
 * thread.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ce-camsim-cameras.h"
#include "ce-camsim-config.h"
#include "ce-camsim-control.h"
#include "ce-camsim-loop.h"

G_BEGIN_DECLS

typedef struct _CeCamsimLite CeCamsimLite;

/* Binds config->address:config->rtsp_port.  Everything is borrowed and
 * must outlive the engine. */
CeCamsimLite *ce_camsim_lite_new (const CeCamsimConfig *config,
    CeCamsimCameras *cameras, CeCamsimLoops *loops, GError **error);
void ce_camsim_lite_free (CeCamsimLite *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeCamsimLite, ce_camsim_lite_free)

guint ce_camsim_lite_get_port (CeCamsimLite *self);

/* FALSE (with a message naming what is supported) for the faults this
 * engine does not simulate. */
gboolean ce_camsim_lite_supports_fault (CeCamsimFaultMode mode, GError **error);

/* For ce_camsim_control_new(). */
extern const CeCamsimEngineFuncs ce_camsim_lite_engine;

G_END_DECLS
