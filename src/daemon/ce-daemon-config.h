/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyed's configuration file, parsed once into the modules' structs.
 */
#pragma once

#include "ce-relay.h"
#include "ce-rtsp-server.h"
#include "ce-api.h"
#include "ce-auth.h"
#include "ce-sweep.h"
#include "ce-deep-check.h"

G_BEGIN_DECLS

typedef struct
{
  char *database;
  char *ingest; /* "native" or "rtspsrc" */
  CeRelayConfig relay;
  CeRtspServerConfig rtsp;
  CeApiConfig http; /* [http] */
  CeAuthConfig auth;
  /* [auth] keys kept as written, converted into @auth by load() */
  char *auth_anonymous_role;
  char *auth_anonymous_from;
  char *auth_anonymous_sources;
  /* [probe]: health sweeps (ce-daemon-probe.c) */
  guint probe_interval_s;    /* between sweep starts; 0 = no sweeps */
  guint probe_start_delay_s; /* the first sweep after start-up */
  guint probe_timeout_ms;    /* connect and each answer; total 2.5× */
  CeSweepConfig probe;       /* concurrency, rate_per_source */
  /* The deep picture check: cameras checked after each sweep (0 = none),
   * and the checker's bounds (deep_concurrency, deep_timeout,
   * deep_frozen_after), which on-demand checks share. */
  guint deep_sample;
  CeDeepCheckConfig deep;
} CeDaemonConfig;

void ce_daemon_config_init (CeDaemonConfig *config);
void ce_daemon_config_clear (CeDaemonConfig *config);

/**
 * ce_daemon_config_load:
 * Reads @path (a GKeyFile) over the defaults.  Unknown groups or keys and
 * bad values are errors that name the file, group, key and problem:
 * "cityeye.conf: [relay] linger: “ten” is not a number".
 */
gboolean ce_daemon_config_load (CeDaemonConfig *config, const char *path,
    GError **error);

G_END_DECLS
