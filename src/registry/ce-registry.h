/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The camera registry: a SQLite database (WAL) of every camera, with an
 * R*Tree spatial index and an FTS5 trigram index for Chinese substrings.
 * A CeRegistry is one connection; use it from one thread at a time.
 * Several processes may open the same file: readers never block the writer.
 */
#pragma once

#include <glib-object.h>

#include "ce-camera.h"

G_BEGIN_DECLS

#define CE_REGISTRY_ERROR (ce_registry_error_quark ())
GQuark ce_registry_error_quark (void);

typedef enum
{
  CE_REGISTRY_ERROR_NOT_FOUND,
  CE_REGISTRY_ERROR_DUPLICATE,
  CE_REGISTRY_ERROR_DATABASE,
  CE_REGISTRY_ERROR_BUSY,      /* locked by another writer too long */
  CE_REGISTRY_ERROR_READ_ONLY, /* file or directory not writable */
  CE_REGISTRY_ERROR_INVALID,   /* a camera or query failed validation */
  CE_REGISTRY_ERROR_SCHEMA,    /* written by a newer cityeye, or damaged */
  CE_REGISTRY_ERROR_CONFLICT,  /* changed since the revision given */
} CeRegistryError;

#define CE_REGISTRY_SCHEMA_VERSION 5

typedef enum
{
  CE_REGISTRY_OPEN_DEFAULT = 0,
  CE_REGISTRY_OPEN_READ_ONLY = 1 << 0,
  /* Fail with NOT_FOUND instead of creating a missing database. */
  CE_REGISTRY_OPEN_NO_CREATE = 1 << 1,
} CeRegistryOpenFlags;

#define CE_TYPE_REGISTRY (ce_registry_get_type ())
G_DECLARE_FINAL_TYPE (CeRegistry, ce_registry, CE, REGISTRY, GObject)

/**
 * ce_registry_open:
 * @path: a file name, or ":memory:" for a private in-memory database
 * Opens (creating and migrating to the current schema unless READ_ONLY)
 * the registry.  Returns: (transfer full): the registry, or %NULL with
 * @error set.
 */
CeRegistry *ce_registry_open (const char *path, CeRegistryOpenFlags flags,
    GError **error);

const char *ce_registry_get_path (CeRegistry *self);
/* How long a write waits for another writer, milliseconds (default 5000). */
void ce_registry_set_busy_timeout (CeRegistry *self, guint timeout_ms);

/* Transactions nest: only the outermost begin/commit reaches SQLite.  A
 * rollback at any depth rolls the whole transaction back. */
gboolean ce_registry_begin (CeRegistry *self, GError **error);
gboolean ce_registry_commit (CeRegistry *self, GError **error);
void ce_registry_rollback (CeRegistry *self);

/* Bulk mode, inside a transaction: index entries of newly inserted
 * cameras are built in one pass by ce_registry_end_bulk() (same
 * transaction) instead of row by row, several times faster for large
 * imports.  Until then, inserted cameras are not found by spatial or text
 * queries, and must not be updated or removed. */
gboolean ce_registry_begin_bulk (CeRegistry *self, GError **error);
gboolean ce_registry_end_bulk (CeRegistry *self, GError **error);

/* Returns: (transfer full): the camera, or %NULL with NOT_FOUND. */
CeCamera *ce_registry_dup_camera (CeRegistry *self, const char *id,
    GError **error);

/* Validates, then inserts; DUPLICATE when the id exists. */
gboolean ce_registry_add_camera (CeRegistry *self, const CeCamera *camera,
    GError **error);

/* Validates, then replaces every field of an existing camera (NOT_FOUND
 * otherwise); timestamps are kept or set by the registry. */
gboolean ce_registry_update_camera (CeRegistry *self, const CeCamera *camera,
    GError **error);

gboolean ce_registry_remove_camera (CeRegistry *self, const char *id,
    GError **error);

typedef enum
{
  CE_PUT_INSERTED,
  CE_PUT_UPDATED,
  CE_PUT_UNCHANGED,
} CePutResult;

/**
 * ce_registry_put_camera:
 * Insert or update by id (an upsert).  @camera must already be valid.  A
 * camera whose status is unknown does not overwrite a known status.  With
 * @allow_update FALSE an existing id is a DUPLICATE error.
 */
gboolean ce_registry_put_camera (CeRegistry *self, const CeCamera *camera,
    gboolean allow_update, CePutResult *result, GError **error);

/* Removes every camera whose id is not a key of @keep (a set of ids);
 * *deleted says how many went. */
gboolean ce_registry_remove_all_except (CeRegistry *self, GHashTable *keep,
    guint *deleted, GError **error);

/* Records a status change (and its time, unix seconds) when it differs. */
gboolean ce_registry_set_status (CeRegistry *self, const char *id,
    CeStatus status, gint64 at, GError **error);

/* Bit for CeQuery.sources. */
#define CE_SOURCE_BIT(s) (1u << (s))

/* Every filter is optional; set fields after ce_query_init(). */
typedef struct
{
  guint sources;      /* CE_SOURCE_BIT mask, 0 = any */
  const char *street; /* exact 街镇 name */
  int status;         /* CeStatus, -1 = any */
  int secrecy;        /* 0/1, -1 = any */
  const char *text;   /* substring search (FTS5 trigram, LIKE for < 3 chars) */
  gboolean has_bbox;  /* WGS-84 box */
  double min_lon, min_lat, max_lon, max_lat;
  const double *polygon; /* polygon_len (lon, lat) pairs, WGS-84 */
  guint polygon_len;
  gboolean has_near; /* nearest first, within radius_m */
  double near_lon, near_lat, radius_m;
  guint k;              /* with has_near: at most k results, 0 = no cap */
  const char *after_id; /* cursor: only ids after it (not with has_near) */
  guint limit;          /* 0 = no limit */
} CeQuery;

void ce_query_init (CeQuery *query);

/* Checks ranges and combinations.  On error FALSE with INVALID. */
gboolean ce_query_validate (const CeQuery *query, GError **error);

/* Return FALSE to stop the iteration early. */
typedef gboolean (*CeCameraFunc) (const CeCamera *camera, gpointer user_data);

/**
 * ce_registry_query_foreach:
 * Calls @func for each matching camera: ordered by distance for a near
 * query (distance_m set), by id otherwise.  Streams: memory does not grow
 * with the result size, except for near queries (bounded by k).
 */
gboolean ce_registry_query_foreach (CeRegistry *self, const CeQuery *query,
    CeCameraFunc func, gpointer user_data, GError **error);

/* Returns: (transfer full) (element-type CeCamera): the matches. */
GPtrArray *ce_registry_query (CeRegistry *self, const CeQuery *query,
    GError **error);

/* Number of matches (limit, after_id and k are ignored), or -1 on error. */
gint64 ce_registry_count (CeRegistry *self, const CeQuery *query,
    GError **error);

typedef enum
{
  CE_STATS_BY_SOURCE,
  CE_STATS_BY_STREET,
  CE_STATS_BY_STATUS,
} CeStatsGroup;

typedef struct
{
  char *key; /* source key, street name ("" = none) or status */
  gint64 total;
  gint64 online;
  gint64 offline;
  gint64 unknown;
} CeStatsRow;

void ce_stats_row_free (CeStatsRow *row);

/* Returns: (transfer full) (element-type CeStatsRow): one row per group,
 * sorted by key, for the cameras matching @filter (nullable). */
GPtrArray *ce_registry_stats (CeRegistry *self, CeStatsGroup group,
    const CeQuery *filter, GError **error);

/* Runs SQLite's integrity check and cross-checks the spatial and text
 * indexes against the camera table.  Problems are appended to @report,
 * one per line; returns TRUE when there are none. */
gboolean ce_registry_check (CeRegistry *self, GString *report, GError **error);

typedef void (*CeBackupProgressFunc) (int pages_done, int pages_total,
    gpointer user_data);

/* Online backup to @dest (must not exist) while others keep using the
 * database. */
gboolean ce_registry_backup (CeRegistry *self, const char *dest,
    CeBackupProgressFunc progress, gpointer user_data, GError **error);

/* Database size in bytes (page_count × page_size). */
gint64 ce_registry_get_size (CeRegistry *self);

G_END_DECLS
