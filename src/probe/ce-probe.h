/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * One camera health probe: RTSP OPTIONS + DESCRIBE (answering a Digest or
 * Basic challenge) on one non-blocking connection, bounded in time and in
 * bytes, on the thread-default main context.  Thousands may be in flight
 * on one thread: a probe is a socket, a timer and a few kilobytes.
 */
#pragma once

#include <gio/gio.h>

#include "ce-nal.h"

G_BEGIN_DECLS

typedef enum
{
  CE_PROBE_ONLINE = 1,      /* DESCRIBE answered with a video track */
  CE_PROBE_OFFLINE = 2,     /* refused, unreachable, timeout, error status */
  CE_PROBE_AUTH_FAILED = 3, /* 401 with our credentials, or none given */
  CE_PROBE_NO_VIDEO = 4,    /* DESCRIBE answered without H.264/H.265 video */
} CeProbeOutcome;

#define CE_PROBE_OUTCOME_LAST CE_PROBE_NO_VIDEO

/* "online", "offline", "auth_failed", "no_video"; "unknown" otherwise. */
const char *ce_probe_outcome_to_string (CeProbeOutcome outcome);
gboolean ce_probe_outcome_from_string (const char *str, CeProbeOutcome *out);

/* Why a probe ended as it did. */
typedef enum
{
  CE_PROBE_REASON_NONE = 0,
  CE_PROBE_REASON_REFUSED,     /* TCP connection refused */
  CE_PROBE_REASON_UNREACHABLE, /* no route to the host, name not resolved */
  CE_PROBE_REASON_TIMEOUT,     /* connect, a request or the whole probe */
  CE_PROBE_REASON_PROTOCOL,    /* garbage, too large, closed mid-answer */
  CE_PROBE_REASON_STATUS,      /* an RTSP error status (404, 503 …) */
  CE_PROBE_REASON_RELAYED,     /* not probed: the relay is receiving it */
} CeProbeReason;

const char *ce_probe_reason_to_string (CeProbeReason reason);

typedef struct
{
  CeProbeOutcome outcome;
  CeProbeReason reason;
  guint status;     /* the camera's last RTSP status, 0 when none */
  guint latency_ms; /* from the start to the DESCRIBE answer (or the end) */
  guint connect_ms; /* TCP connect; 0 when not connected */
  CeCodec codec;    /* from the SDP; UNKNOWN unless online */
  guint width;      /* from the SDP's SPS; 0 when unknown */
  guint height;
  const char *detail; /* for people; never contains credentials */
} CeProbeResult;

typedef struct
{
  guint connect_timeout_ms; /* default 3000 */
  guint request_timeout_ms; /* each request's answer; default 3000 */
  guint total_timeout_ms;   /* the whole probe; default 8000 */
  gsize max_bytes;          /* read from the camera; default 128 KiB */
} CeProbeLimits;

void ce_probe_limits_init (CeProbeLimits *limits);

typedef struct _CeProbe CeProbe;

/* Called once with the result (valid during the call); the probe is freed
 * when the callback returns. */
typedef void (*CeProbeDoneFunc) (CeProbe *probe, const CeProbeResult *result,
    gpointer user_data);

/**
 * ce_probe_start:
 * @url: rtsp://host[:port]/path, without userinfo
 * @username: (nullable): used only when the camera asks
 * @password: (nullable)
 * @limits: (nullable): defaults when NULL
 * Starts probing at once.  @done is always called from the main context,
 * never from within this function.  Returns: (transfer none): the probe,
 * valid until @done returns or ce_probe_cancel() is called.
 */
CeProbe *ce_probe_start (const char *url, const char *username,
    const char *password, const CeProbeLimits *limits, CeProbeDoneFunc done,
    gpointer user_data);

/* Stops a probe that has not finished, closing its connection; @done is
 * not called. */
void ce_probe_cancel (CeProbe *probe);

G_END_DECLS
