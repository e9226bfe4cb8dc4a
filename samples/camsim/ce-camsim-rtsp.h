/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The gst-rtsp-server subclasses behind the simulator: lazily mounted
 * camera factories feeding shared media from the loops, a client that
 * counts connections and plays the request-level faults, an auth that asks
 * for Digest only on cameras with the auth fault, and a thread pool that
 * shares a few media threads among all cameras.
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "ce-camsim-cameras.h"
#include "ce-camsim-loop.h"
#include "ce-camsim-ticker.h"

G_BEGIN_DECLS

/* What every RTSP object of one server needs; owned by the server. */
typedef struct
{
  const CeCamsimConfig *config; /* borrowed: owned by main */
  CeCamsimCameras *cameras;     /* borrowed: owned by main */
  CeCamsimLoops *loops;         /* borrowed: owned by main */
  CeCamsimTicker *ticker;       /* borrowed: owned by main */
  GstRTSPMountPoints *mounts;   /* owned */
  GMainContext *main_context;   /* owned: runs the delayed unmounts */

  GMutex lock;
  GHashTable *factories; /* mount path → CeCamsimFactory, protected by lock */
} CeCamsimShared;

void ce_camsim_shared_init (CeCamsimShared *shared,
    const CeCamsimConfig *config, CeCamsimCameras *cameras,
    CeCamsimLoops *loops, CeCamsimTicker *ticker, GMainContext *context);
void ce_camsim_shared_clear (CeCamsimShared *shared);

/* Number of camera streams currently mounted. */
guint ce_camsim_shared_get_n_mounts (CeCamsimShared *shared);

/* Mounts one camera stream if needed (as a DESCRIBE through
 * gst-rtsp-server does), so that a SETUP naming it finds it.  Returns the
 * mount path (g_free). */
char *ce_camsim_shared_mount (CeCamsimShared *shared, CeCamsimCamera *camera,
    CeCamsimProfile profile);

/* Returns: (transfer none) (nullable): the camera a media belongs to. */
CeCamsimCamera *ce_camsim_media_get_camera (GstRTSPMedia *media);

#define CE_TYPE_CAMSIM_CLIENT (ce_camsim_client_get_type ())
G_DECLARE_FINAL_TYPE (CeCamsimClient, ce_camsim_client, CE, CAMSIM_CLIENT,
    GstRTSPClient)

/* @camera: (nullable): the camera named by the connection's first request;
 * @dedicated: the client gets a thread of its own (the slow fault sleeps
 * in it). */
CeCamsimClient *ce_camsim_client_new (CeCamsimShared *shared,
    CeCamsimCamera *camera, gboolean dedicated);

/* TRUE if the client asked for a stream of @camera. */
/* Takes over a connection count made before the hand-over (the server's
 * own DESCRIBE answers): @stats is not counted again, and its active count
 * is given back when the client closes. */
void ce_camsim_client_adopt_count (CeCamsimClient *self,
    CeCamsimStreamStats *stats);

gboolean ce_camsim_client_uses_camera (CeCamsimClient *self,
    CeCamsimCamera *camera);
gboolean ce_camsim_client_is_dedicated (CeCamsimClient *self);

#define CE_TYPE_CAMSIM_MOUNTS (ce_camsim_mounts_get_type ())
G_DECLARE_FINAL_TYPE (CeCamsimMounts, ce_camsim_mounts, CE, CAMSIM_MOUNTS,
    GstRTSPMountPoints)

GstRTSPMountPoints *ce_camsim_mounts_new (CeCamsimShared *shared);

#define CE_TYPE_CAMSIM_AUTH (ce_camsim_auth_get_type ())
G_DECLARE_FINAL_TYPE (CeCamsimAuth, ce_camsim_auth, CE, CAMSIM_AUTH,
    GstRTSPAuth)

GstRTSPAuth *ce_camsim_auth_new (const char *user, const char *password);

#define CE_TYPE_CAMSIM_THREAD_POOL (ce_camsim_thread_pool_get_type ())
G_DECLARE_FINAL_TYPE (CeCamsimThreadPool, ce_camsim_thread_pool, CE,
    CAMSIM_THREAD_POOL, GstRTSPThreadPool)

/* @media_threads: shared media threads (0 = the gst-rtsp-server default of
 * one thread per media); @client_threads: threads shared by the clients
 * (-1 = one per client).  Dedicated clients always get their own. */
GstRTSPThreadPool *ce_camsim_thread_pool_new (guint media_threads,
    gint client_threads);

/* Quits the shared media threads and waits for them. */
void ce_camsim_thread_pool_stop (CeCamsimThreadPool *self);

G_END_DECLS
