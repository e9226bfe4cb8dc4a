/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Camera health in the registry: the result of each camera's last probe,
 * its status changes (camera, from, to, at) and the online-rate KPIs
 * (在线率) computed from them.
 */
#pragma once

#include "ce-registry.h"

G_BEGIN_DECLS

/* What a probe found.  The values are stored: never renumber. */
typedef enum
{
  CE_HEALTH_UNKNOWN = 0, /* never probed */
  CE_HEALTH_ONLINE = 1,
  CE_HEALTH_OFFLINE = 2,
  CE_HEALTH_AUTH_FAILED = 3,
  CE_HEALTH_NO_VIDEO = 4,
} CeHealth;

#define CE_HEALTH_LAST CE_HEALTH_NO_VIDEO

/* "unknown", "online", "offline", "auth_failed", "no_video". */
const char *ce_health_to_string (CeHealth health);

/* The camera's status for everything else (maps, the relay): online, or
 * offline for every health an operator cannot watch. */
CeStatus ce_health_to_status (CeHealth health);

/* One probe result, as ce_registry_record_health() stores it.  Strings
 * are nullable. */
typedef struct
{
  CeHealth health;
  const char *reason; /* "refused", "timeout", "relayed" … */
  guint latency_ms;
  const char *codec; /* "h264", "h265" */
  guint width;
  guint height;
  const char *detail; /* for people; must not contain credentials */
} CeHealthReport;

/**
 * ce_registry_record_health:
 * @at: unix seconds
 * Stores @report as camera @id's latest probe.  When the health differs
 * from the previous one, appends a status change (from, to, at) and, when
 * that changes the camera's status (online / offline), sets it with the
 * time.  *changed (nullable) says whether the health changed.  Call it
 * inside ce_registry_begin()/commit() to store many results at once.
 * On error FALSE: NOT_FOUND for an unknown camera, READ_ONLY, DATABASE.
 */
gboolean ce_registry_record_health (CeRegistry *self, const char *id,
    const CeHealthReport *report, gint64 at, gboolean *changed, GError **error);

/* A camera's latest probe. */
typedef struct
{
  char *camera_id;
  CeHealth health;
  char *reason;
  gint64 probed_at;
  gint64 changed_at;
  gint64 down_since; /* 0 while online */
  guint latency_ms;
  char *codec;
  guint width;
  guint height;
  char *detail;
} CeHealthRecord;

void ce_health_record_free (CeHealthRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeHealthRecord, ce_health_record_free)

/* Returns: (transfer full): the record, or NULL with NOT_FOUND when the
 * camera does not exist or was never probed. */
CeHealthRecord *ce_registry_dup_health (CeRegistry *self, const char *id,
    GError **error);

/* Return FALSE to stop early.  @camera_id is valid during the call only. */
typedef gboolean (
    *CeHealthFunc) (const char *camera_id, CeHealth health, gpointer user_data);

/**
 * ce_registry_health_foreach:
 * Calls @func with the latest health of every camera that was ever
 * probed, ordered by camera id (one statement: the map reads 23,000 in a
 * few milliseconds).  On error FALSE with DATABASE.
 */
gboolean ce_registry_health_foreach (CeRegistry *self, CeHealthFunc func,
    gpointer user_data, GError **error);

typedef struct
{
  gint64 at;
  CeHealth from;
  CeHealth to;
} CeStatusChange;

/* Returns: (transfer full) (element-type CeStatusChange): the changes of
 * camera @id with @since <= at < @until, oldest first; NULL on error. */
GArray *ce_registry_dup_status_history (CeRegistry *self, const char *id,
    gint64 since, gint64 until, GError **error);

typedef enum
{
  CE_KPI_BY_CAMERA,
  CE_KPI_BY_SOURCE,
  CE_KPI_BY_STREET,
} CeKpiGroup;

typedef struct
{
  char *key;         /* camera id, source key or street ("" = none) */
  char *name;        /* the camera's name (BY_CAMERA), else NULL */
  guint cameras;     /* registered */
  guint observed;    /* of those, probed at some time in the window */
  guint online_now;  /* status online now */
  gint64 online_s;   /* seconds online in the window */
  gint64 observed_s; /* seconds with a known health in the window */
} CeOnlineRateRow;

void ce_online_rate_row_free (CeOnlineRateRow *row);

/* online_s / observed_s, or -1 when nothing was observed. */
double ce_online_rate_row_get_rate (const CeOnlineRateRow *row);

/**
 * ce_registry_online_rate:
 * @since: window start, unix seconds
 * @until: window end (now, usually)
 * The online rate (在线率) per group over [@since, @until): for each
 * camera, the time it was online divided by the time its health was known
 * (a camera first probed inside the window is observed from its first
 * probe; its last known health lasts until @until).  Groups add up the
 * seconds of their cameras.  Rows are sorted by key.
 * Returns: (transfer full) (element-type CeOnlineRateRow): the rows, or
 * NULL on error.
 */
GPtrArray *ce_registry_online_rate (CeRegistry *self, CeKpiGroup group,
    gint64 since, gint64 until, GError **error);

typedef struct
{
  char *camera_id;
  char *name;
  CeSource source;
  char *street;
  CeHealth health;
  gint64 down_since; /* unix seconds */
  char *detail;
} CeDownCamera;

void ce_down_camera_free (CeDownCamera *camera);

/* Returns: (transfer full) (element-type CeDownCamera): the cameras not
 * online at their last probe, longest first, at most @limit (0 = all). */
GPtrArray *ce_registry_offline_longest (CeRegistry *self, guint limit,
    GError **error);

G_END_DECLS
