/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyed's health sweeps: a timer that runs a CeSweep over every camera
 * of the registry, tells it which cameras the relay is pulling, records
 * the results and logs a summary per sweep; then deep-checks a sample of
 * the online cameras.
 */
#pragma once

#include "ce-daemon-config.h"
#include "ce-deep-check.h"
#include "ce-registry.h"
#include "ce-relay.h"

G_BEGIN_DECLS

typedef struct _CeDaemonProbe CeDaemonProbe;

/* Returns: (transfer full): the scheduler, or NULL when [probe] interval
 * is 0.  @relay and @checker must outlive it; the results go through a
 * registry connection of its own to @database_path (NULL with @error when
 * that cannot be opened).  After each sweep, [probe] deep_sample online
 * cameras are deep-checked through @checker. */
CeDaemonProbe *ce_daemon_probe_new (const CeDaemonConfig *config,
    const char *database_path, CeRelay *relay, CeDeepChecker *checker,
    GError **error);

/* Stops a sweep in flight (its results so far are recorded). */
void ce_daemon_probe_free (CeDaemonProbe *probe);

G_END_DECLS
