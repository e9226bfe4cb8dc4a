/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The plugin's network thread: one GMainContext, shared by every
 * cityeyesrc in the process, on which their RTSP clients, depayloaders and
 * timers run.  It is started on first use and lives as long as the process
 * (like GStreamer's own global task pools).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* (transfer none): the context of the network thread, started if needed. */
GMainContext *ce_net_get_context (void);

/* Runs @func (@data) on the network thread and waits for it to return; runs
 * it directly when called from that thread. */
void ce_net_run_sync (GSourceFunc func, gpointer data);

G_END_DECLS
