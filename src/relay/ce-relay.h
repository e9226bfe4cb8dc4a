/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The session manager: one upstream per camera and profile, however many
 * viewers; started on the first acquire, kept through camera faults with
 * exponential backoff and a global cap on concurrent connects, lingering
 * after the last viewer leaves.  Cameras are known only through a resolver
 * function (the daemon wires it to the registry).
 *
 * Every function runs on the main context the relay was created on.
 */
#pragma once

#include <gio/gio.h>

#include "ce-admission.h"
#include "ce-hub.h"

G_BEGIN_DECLS

#define CE_RELAY_ERROR (ce_relay_error_quark ())
GQuark ce_relay_error_quark (void);

typedef enum
{
  CE_RELAY_ERROR_NOT_FOUND,   /* no such camera */
  CE_RELAY_ERROR_UNAVAILABLE, /* camera known but cannot be pulled now */
  CE_RELAY_ERROR_TIMEOUT,     /* no picture within the start timeout */
  CE_RELAY_ERROR_SHUTDOWN,
  CE_RELAY_ERROR_REFUSED,   /* an admission budget is full */
  CE_RELAY_ERROR_PREEMPTED, /* the pull made room for a higher priority */
} CeRelayError;

typedef enum
{
  CE_PROFILE_MAIN = 0,
  CE_PROFILE_SUB = 1,
} CeProfile;

const char *ce_profile_to_string (CeProfile profile);

typedef struct
{
  char *name;        /* for logs and SDP; UTF-8 */
  char *url;         /* rtsp:// without userinfo */
  char *username;    /* secret */
  char *password;    /* secret */
  CeProfile profile; /* what @url really is (sub may fall back to main) */
  char *source;      /* platform for the admission budgets; nullable */
} CeSourceInfo;

void ce_source_info_clear (CeSourceInfo *info);

/* Fills @info for a camera id; FALSE with CE_RELAY_ERROR_NOT_FOUND when
 * there is no such camera. */
typedef gboolean (*CeRelayResolveFunc) (const char *camera_id,
    CeProfile profile, CeSourceInfo *info, gpointer user_data, GError **error);

typedef struct
{
  guint linger_ms;               /* default 10000 */
  guint start_timeout_ms;        /* default 10000 */
  guint stall_timeout_ms;        /* default 5000 */
  guint connect_timeout_ms;      /* default 5000 */
  guint backoff_initial_ms;      /* default 500 */
  guint backoff_max_ms;          /* default 10000 */
  guint max_concurrent_connects; /* default 32 */
  gboolean use_rtspsrc;      /* camera side: rtspsrc instead of our client */
  gboolean audio;            /* pass camera audio through, default TRUE */
  gboolean keyframe_request; /* RTCP PLI/FIR on a mid-GOP start, TRUE */
  CeHubLimits hub;
  /* Admission budgets ([admission]), 0 = unlimited. */
  guint max_pulls;            /* the whole gateway */
  guint max_pulls_per_camera; /* main and sub of one camera together */
  /* source name → GUINT_TO_POINTER (cap); nullable; read (not kept) by
   * ce_relay_new(). */
  GHashTable *source_max_pulls;
} CeRelayConfig;

void ce_relay_config_init (CeRelayConfig *config);

typedef struct _CeRelay CeRelay;
typedef struct _CeStream CeStream;

CeRelay *ce_relay_new (const CeRelayConfig *config, CeRelayResolveFunc resolve,
    gpointer user_data, GDestroyNotify destroy);
/* Stops every upstream and frees the relay; streams still held by viewers
 * stay valid (their hubs stop receiving) until released. */
void ce_relay_free (CeRelay *relay);

/**
 * ce_relay_acquire:
 * Counts one more viewer of @camera_id/@profile, starting the upstream if
 * it is not running.  Returns: (transfer full): the stream, to be given
 * back with ce_relay_release(); NULL with @error for an unknown camera.
 */
CeStream *ce_relay_acquire (CeRelay *relay, const char *camera_id,
    CeProfile profile, GError **error);
void ce_relay_release (CeRelay *relay, CeStream *stream);

/* Who acquires and why: ce_relay_acquire() is a CE_PRIORITY_VIEW with no
 * holder name. */
typedef struct
{
  CePriority priority;
  const char *holder; /* for GET /api/v1/admission: "wall/hall"; nullable */
} CeAcquireOptions;

/**
 * ce_relay_acquire_full:
 * ce_relay_acquire() with a priority.  When the camera is not pulled yet
 * and an admission budget is full, pulls of lower priority (lingering
 * ones first) are closed to make room, and their holders are told through
 * the preempt functions; when that cannot be done, NULL is returned with
 * CE_RELAY_ERROR_REFUSED and a message that names the budget.
 */
CeStream *ce_relay_acquire_full (CeRelay *relay, const char *camera_id,
    CeProfile profile, const CeAcquireOptions *options, GError **error);
/* Gives back an acquisition made with the same @options (nullable). */
void ce_relay_release_full (CeRelay *relay, CeStream *stream,
    const CeAcquireOptions *options);

/* Called on the main context, after the acquire that caused it has
 * returned, for a stream that was closed to make room: its holders should
 * stop and release it (it gets no more media).  @reason is for people. */
typedef void (*CeRelayPreemptFunc) (CeStream *stream, const char *reason,
    gpointer user_data);
guint ce_relay_add_preempt_func (CeRelay *relay, CeRelayPreemptFunc func,
    gpointer user_data);
void ce_relay_remove_preempt_func (CeRelay *relay, guint id);

/* Why @stream was preempted, or NULL while it is not; the brief reason
 * leaves out the camera that took the pull, which a viewer of @stream may
 * not be allowed to know of (a budget spans sources and secrecy levels).
 * (transfer none) */
const char *ce_stream_get_preempted (CeStream *stream);
const char *ce_stream_get_preempted_brief (CeStream *stream);

CeHub *ce_stream_get_hub (CeStream *stream);
const char *ce_stream_get_camera_id (CeStream *stream);
const char *ce_stream_get_name (CeStream *stream);
CeProfile ce_stream_get_profile (CeStream *stream);

/**
 * ce_stream_wait_ready_async:
 * Completes when the stream has its first keyframe (at once if it has), or
 * with CE_RELAY_ERROR_TIMEOUT when the start timeout passes first; the
 * error says why the camera could not be reached.
 */
void ce_stream_wait_ready_async (CeStream *stream, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data);
gboolean ce_stream_wait_ready_finish (CeStream *stream, GAsyncResult *result,
    GError **error);

/**
 * ce_stream_wait_described_async:
 * As ce_stream_wait_ready_async(), but also completes as soon as the
 * camera's SDP gave complete parameter sets (ce_hub_dup_described()): an
 * RTSP viewer can be answered DESCRIBE and SETUP while the camera is still
 * being set up, and gets the first keyframe when it comes.  Finish with
 * ce_stream_wait_ready_finish().
 */
void ce_stream_wait_described_async (CeStream *stream,
    GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data);

/* The output side reports when it sent its first packet of a start, for
 * the first-frame breakdown. */
void ce_stream_note_first_out (CeStream *stream);

typedef enum
{
  CE_STREAM_CONNECTING,
  CE_STREAM_PLAYING,
  CE_STREAM_RETRYING,
} CeStreamState;

const char *ce_stream_state_to_string (CeStreamState state);

/* First-frame time breakdown of the latest start, milliseconds (-1 = not
 * reached). */
typedef struct
{
  double lookup_ms;   /* resolving the camera */
  double connect_ms;  /* TCP + OPTIONS + DESCRIBE (SDP received) */
  double setup_ms;    /* SETUP + PLAY until the first RTP payload */
  double keyframe_ms; /* first payload to the first keyframe */
  double out_ms;      /* keyframe to the first packet sent to a viewer */
  double total_ms;    /* acquire to the first packet out */
} CeFirstFrame;

typedef struct
{
  CePriority priority;
  char *holder; /* nullable */
} CeStreamHolder;

typedef struct
{
  char *camera_id;
  char *name;
  CeProfile profile;
  CeStreamState state;
  guint viewers;
  gint64 since_us; /* monotonic time of the first acquire */
  guint reconnects;
  char *last_error; /* nullable */
  CeFirstFrame first_frame;
  CeHubStats hub;
  char *source;        /* nullable */
  CePriority priority; /* the highest holder's */
  GArray *holders;     /* CeStreamHolder, one per acquisition */
} CeStreamSnapshot;

void ce_stream_snapshot_free (CeStreamSnapshot *snapshot);

/* (transfer full) (element-type CeStreamSnapshot) */
GPtrArray *ce_relay_list_streams (CeRelay *relay);

typedef struct
{
  guint streams;
  guint connecting;
  guint waiting_for_slot;
  guint64 reconnects;
  guint64 starts;
} CeRelayStats;

void ce_relay_get_stats (CeRelay *relay, CeRelayStats *stats);

/* The budgets (borrowed: lives as long as the relay). */
const CeAdmission *ce_relay_get_admission (CeRelay *relay);

/* Refusals and preemptions since start, by budget and priority (of the
 * refused request, of the preempted pull). */
typedef struct
{
  char *budget; /* "gateway", "camera", "source/NAME" */
  CePriority priority;
  guint64 refused;
  guint64 preempted;
} CeAdmissionCount;

void ce_admission_count_free (CeAdmissionCount *count);
/* (transfer full) (element-type CeAdmissionCount) */
GPtrArray *ce_relay_list_admission_counts (CeRelay *relay);

/* Whether the relay holds an upstream of @camera_id (any profile) right
 * now; *playing (nullable) says whether one of them is playing, that is
 * receiving media: the stall watchdog ends an upstream that stops
 * delivering for stall_timeout.  For health sweeps, which must not open a
 * second connection to a camera being relayed. */
gboolean ce_relay_has_camera (CeRelay *relay, const char *camera_id,
    gboolean *playing);

G_END_DECLS
