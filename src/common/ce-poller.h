/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Socket readiness for hundreds of connections on one GLib main context,
 * at a cost that does not grow with their number.
 *
 * A GSource per socket makes every main-loop iteration poll() all of
 * them and walk all of their sources: with a few hundred camera and viewer
 * sockets that overhead, paid on every packet burst, was most of the
 * relay's CPU.  A CePoller keeps the sockets in one epoll set, seen by the
 * main context as a single fd, and dispatches only the ready ones.
 *
 * Batching: under heavy traffic (at least CE_POLLER_BATCH_ON dispatches
 * that did work within CE_POLLER_RATE_PERIOD_US), after a dispatch that
 * did work the poller waits CE_POLLER_BATCH_US before looking again, so
 * one wakeup serves every socket that became ready meanwhile (bursts of
 * many cameras and viewers coalesce).  Light traffic, such as one
 * camera's RTSP handshake, is answered at once: a window there would add
 * its delay to every round trip.  The cost of batching is at most
 * CE_POLLER_BATCH_US of added latency, and only under load.
 *
 * Threads: watches are added, changed and removed on the context's thread
 * (callbacks run there); ce_poller_watch_wake() may be called from any
 * thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CePoller CePoller;
typedef struct _CePollerWatch CePollerWatch;

/* @cond: the ready conditions (G_IO_IN, G_IO_OUT, G_IO_HUP, G_IO_ERR), or 0
 * for a ce_poller_watch_wake().  A callback may remove any watch,
 * its own included. */
typedef void (*CePollerFunc) (int fd, GIOCondition cond, gpointer user_data);

#define CE_POLLER_BATCH_US 4000
#define CE_POLLER_RATE_PERIOD_US 100000
#define CE_POLLER_BATCH_ON 20  /* busy dispatches per period: batching on */
#define CE_POLLER_BATCH_OFF 10 /* fewer in a whole period: off again */

/* The poller of @context (NULL: the global default context), made on
 * first use with a batch of CE_POLLER_BATCH_US and shared by every
 * caller; released with ce_poller_unref().  (transfer full) */
CePoller *ce_poller_ref_for_context (GMainContext *context);
void ce_poller_unref (CePoller *poller);

/* Watches @fd (non-blocking, open until the watch is removed) for
 * @events (G_IO_IN and/or G_IO_OUT; HUP and ERR are always reported).
 * (transfer none: the watch lives until ce_poller_watch_remove()) */
CePollerWatch *ce_poller_watch_add (CePoller *poller, int fd,
    GIOCondition events, CePollerFunc func, gpointer user_data);
void ce_poller_watch_set_events (CePollerWatch *watch, GIOCondition events);
/* Stops the watch: no callback of it runs after this returns (on the
 * context's thread).  Call it before closing the fd. */
void ce_poller_watch_remove (CePollerWatch *watch);

/* Thread-safe: runs the watch's callback with @cond 0 on the next
 * dispatch (several wakes before it make one call). */
void ce_poller_watch_wake (CePollerWatch *watch);

G_END_DECLS
