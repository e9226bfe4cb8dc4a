/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The simulator's HTTP control port (libsoup 3, on a thread of its own so
 * that a slow request such as encoding a resize loop never delays RTSP):
 *
 *   GET  /healthz                 "ok"
 *   GET  /stats[?pretty=1]        every camera seen so far, keyed by path
 *   GET  /cam/NAME                one camera
 *   POST /cam/NAME/fault          mode=none|refuse|drop|stall|resize|auth|
 *                                 slow|tarpit [ms=N] (query or form body)
 *   POST /reset                   clear faults and counters
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ce-camsim-common.h"

G_BEGIN_DECLS

/* What the control port drives (the gst-rtsp-server engine or the cityeye
 * one); called on the control port's thread. */
typedef struct
{
  gboolean (*set_fault) (gpointer engine, const char *name,
      CeCamsimFaultMode mode, int slow_ms, GError **error);
  void (*reset) (gpointer engine);
  JsonNode *(*dup_stats) (gpointer engine);
  /* NULL when @name is not a camera name. */
  JsonNode *(*dup_camera_stats) (gpointer engine, const char *name);
} CeCamsimEngineFuncs;

typedef struct _CeCamsimControl CeCamsimControl;

/* Listens on @address:@port (0 = ephemeral) and starts the thread.
 * @funcs is copied; @engine is borrowed and must outlive the control
 * port.  On error, NULL is returned. */
CeCamsimControl *ce_camsim_control_new (const CeCamsimEngineFuncs *funcs,
    gpointer engine, const char *address, guint port, GError **error);

guint ce_camsim_control_get_port (CeCamsimControl *self);

/* Stops the thread and closes the port. */
void ce_camsim_control_free (CeCamsimControl *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeCamsimControl, ce_camsim_control_free)

G_END_DECLS
