/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The simulated cameras: one record per camera name that was ever asked
 * for, holding its fault and its counters.  Records are created on first
 * use, so any number of camera paths can be served, and live as long as
 * the table, so other threads may keep plain pointers to them.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ce-camsim-common.h"

G_BEGIN_DECLS

/* Counters of one profile of one camera.  All fields are atomic ints. */
typedef struct
{
  gint connections_total;  /* clients that sent DESCRIBE or SETUP */
  gint connections_active; /* of those, the ones still connected */
  gint media_created;      /* shared media built (one per upstream) */
  gint media_active;       /* media currently prepared */
  gint frames_sent;        /* access units fed into the media */
  gint keyframe_requests;  /* RTCP PLI/FIR that reached the feed */
  gint variant;            /* CeCamsimVariant: the loop it replays */
} CeCamsimStreamStats;

typedef struct
{
  char *name; /* immutable */
  CeCamsimCodec codec;
  guint64 hash;

  /* Atomic: read by the streaming and RTSP threads on every frame and
   * request, written by the control thread. */
  gint mode;    /* CeCamsimFaultMode */
  gint slow_ms; /* delay of the slow fault */
  gint refused;
  gint tarpitted;
  gint dropped;
  gint auth_failures;

  CeCamsimStreamStats streams[CE_CAMSIM_N_PROFILES];
} CeCamsimCamera;

/* A share of all camera names that get a fault without being named. */
typedef struct
{
  CeCamsimFaultMode mode;
  double share; /* 0..1 */
} CeCamsimShare;

typedef struct _CeCamsimCameras CeCamsimCameras;

/* @shares: (nullable): array of CeCamsimShare, copied; their sum must not
 * exceed 1. */
CeCamsimCameras *ce_camsim_cameras_new (CeCamsimCodec default_codec,
    guint default_slow_ms, const CeCamsimShare *shares, guint n_shares);
void ce_camsim_cameras_free (CeCamsimCameras *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeCamsimCameras, ce_camsim_cameras_free)

/* Returns: (transfer none): the record of @name, created on first use, or
 * %NULL if @name is not a valid camera name.  The record stays valid until
 * the table is freed. */
CeCamsimCamera *ce_camsim_cameras_get (CeCamsimCameras *self, const char *name);

/* The fault a camera has without an explicit setting (from the shares). */
CeCamsimFaultMode ce_camsim_cameras_share_fault (CeCamsimCameras *self,
    const char *name);

/* Sets the fault state of @camera.  @slow_ms <= 0 keeps the default
 * delay.  Does not act on sessions (see ce_camsim_server_set_fault()). */
void ce_camsim_cameras_set_fault (CeCamsimCameras *self, CeCamsimCamera *camera,
    CeCamsimFaultMode mode, int slow_ms);

/* Back to the share faults; counters of active things are kept, totals are
 * zeroed. */
void ce_camsim_cameras_reset (CeCamsimCameras *self);

static inline CeCamsimFaultMode
ce_camsim_camera_get_mode (CeCamsimCamera *camera)
{
  return (CeCamsimFaultMode) g_atomic_int_get (&camera->mode);
}

/* Returns: (transfer full): the statistics of every camera seen so far,
 * keyed by path. */
JsonNode *ce_camsim_cameras_to_json (CeCamsimCameras *self);

/* Returns: (transfer full): the statistics of one camera. */
JsonNode *ce_camsim_camera_to_json (CeCamsimCamera *camera);

G_END_DECLS
