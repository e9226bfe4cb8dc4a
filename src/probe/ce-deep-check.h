/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The deep picture check of one camera: acquire it through the relay like
 * any viewer (one upstream per camera; a running camera answers from the
 * keyframe its hub caches), take that keyframe, release, decode it to a
 * small GRAY8 picture on a worker thread (ce-keyframe, as snapshots), and
 * judge it black, frozen or ok (ce-picture) against the camera's previous
 * check, which the registry keeps.  Bounded in time (a camera without a
 * keyframe in time is "no_picture") and in concurrency (checks beyond it
 * wait in a bounded queue).  Main context only.
 */
#pragma once

#include <gio/gio.h>

#include "ce-registry-deepcheck.h"
#include "ce-relay.h"

G_BEGIN_DECLS

typedef struct
{
  guint timeout_ms;      /* for the keyframe, default 8000 */
  guint concurrency;     /* checks at once, default 2 */
  guint queue_max;       /* waiting checks beyond that, default 64 */
  guint frozen_after_ms; /* the same picture this far apart: frozen, 10000 */
} CeDeepCheckConfig;

void ce_deep_check_config_init (CeDeepCheckConfig *config);

typedef struct _CeDeepChecker CeDeepChecker;

/* @relay and @registry are borrowed and must outlive the checker. */
CeDeepChecker *ce_deep_checker_new (CeRelay *relay, CeRegistry *registry,
    const CeDeepCheckConfig *config);

/* Checks waiting in the queue complete with G_IO_ERROR_CANCELLED; checks
 * in flight finish without recording. */
void ce_deep_checker_free (CeDeepChecker *self);

/**
 * ce_deep_checker_run_async:
 * @holder: how the relay sees the check (priority, name in admission)
 * Checks camera @camera_id and stores the result.  Completes with the
 * stored record (a camera that sent no keyframe in time gives a record
 * with CE_DEEP_NO_PICTURE), or an error: CE_RELAY_ERROR (unknown camera,
 * admission refused …), G_IO_ERROR_BUSY when the queue is full,
 * CE_REGISTRY_ERROR when the result could not be stored.
 */
void ce_deep_checker_run_async (CeDeepChecker *self, const char *camera_id,
    const CeAcquireOptions *holder, GAsyncReadyCallback callback,
    gpointer user_data);

/* Returns: (transfer full): the record, or NULL with @error. */
CeDeepRecord *ce_deep_checker_run_finish (CeDeepChecker *self,
    GAsyncResult *result, GError **error);

/* Checks completed since start, per result (index CeDeepResult; 0 counts
 * checks that ended in an error). */
void ce_deep_checker_get_counts (CeDeepChecker *self,
    guint64 counts[CE_DEEP_LAST + 1]);

/* Checks in flight and waiting. */
guint ce_deep_checker_get_pending (CeDeepChecker *self);

G_END_DECLS
