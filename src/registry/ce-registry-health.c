/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Camera health: latest probe per camera (camera_health), status changes
 * (camera_status_log: camera rowid, at, from, to — four integers a row),
 * and the KPIs computed from the changes in SQL.
 */
#include "ce-registry-health.h"
#include "ce-registry-private.h"

#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Statements of the hot path (one probe result), prepared once per
 * registry and kept with it. */
typedef struct
{
  sqlite3_stmt *get;
  sqlite3_stmt *log;
  sqlite3_stmt *put;
} HealthStmts;

static void
health_stmts_free (gpointer data)
{
  HealthStmts *s = data;

  sqlite3_finalize (s->get);
  sqlite3_finalize (s->log);
  sqlite3_finalize (s->put);
  g_free (s);
}

static HealthStmts *
health_stmts (CeRegistry *self, GError **error)
{
  HealthStmts *s = g_object_get_data (G_OBJECT (self), "ce-health-stmts");

  if (s != NULL)
    return s;
  s = g_new0 (HealthStmts, 1);
  s->get = ce_registry_prepare (self,
      "SELECT c.rowid, c.status, h.health, h.changed_at, h.down_since"
      " FROM camera c LEFT JOIN camera_health h ON h.camera = c.rowid"
      " WHERE c.id = ?1",
      TRUE, error);
  s->log = s->get == NULL ? NULL
                          : ce_registry_prepare (self,
                                "INSERT INTO camera_status_log (camera, at,"
                                " from_health, to_health) VALUES (?1, ?2, ?3,"
                                " ?4)",
                                TRUE, error);
  s->put = s->log == NULL
      ? NULL
      : ce_registry_prepare (self,
            "INSERT OR REPLACE INTO camera_health (camera, health,"
            " reason, probed_at, changed_at, down_since,"
            " latency_ms, codec, width, height, detail) VALUES"
            " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            TRUE, error);
  if (s->put == NULL) {
    health_stmts_free (s);
    return NULL;
  }
  g_object_set_data_full (G_OBJECT (self), "ce-health-stmts", s,
      health_stmts_free);
  return s;
}

static gboolean
step_done (CeRegistry *self, sqlite3_stmt *stmt, const char *what,
    GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    ce_registry_set_db_error (self, error, rc, what);
    return FALSE;
  }
  return TRUE;
}

const char *
ce_health_to_string (CeHealth health)
{
  switch (health) {
    case CE_HEALTH_ONLINE:
      return "online";
    case CE_HEALTH_OFFLINE:
      return "offline";
    case CE_HEALTH_AUTH_FAILED:
      return "auth_failed";
    case CE_HEALTH_NO_VIDEO:
      return "no_video";
    case CE_HEALTH_UNKNOWN:
    default:
      return "unknown";
  }
}

CeStatus
ce_health_to_status (CeHealth health)
{
  switch (health) {
    case CE_HEALTH_ONLINE:
      return CE_STATUS_ONLINE;
    case CE_HEALTH_UNKNOWN:
      return CE_STATUS_UNKNOWN;
    default:
      return CE_STATUS_OFFLINE;
  }
}

static CeHealth
health_of (int value)
{
  return value >= CE_HEALTH_ONLINE && value <= CE_HEALTH_LAST
      ? (CeHealth) value
      : CE_HEALTH_UNKNOWN;
}

gboolean
ce_registry_record_health (CeRegistry *self, const char *id,
    const CeHealthReport *report, gint64 at, gboolean *changed, GError **error)
{
  HealthStmts *s;
  gint64 rowid, changed_at, down_since;
  CeHealth old;
  gboolean differs;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (report->health >= CE_HEALTH_ONLINE &&
          report->health <= CE_HEALTH_LAST,
      FALSE);

  if (changed != NULL)
    *changed = FALSE;
  if (!ce_registry_check_writable (self, error))
    return FALSE;
  s = health_stmts (self, error);
  if (s == NULL)
    return FALSE;

  ce_registry_bind_text (s->get, 1, id);
  rc = sqlite3_step (s->get);
  if (rc != SQLITE_ROW) {
    sqlite3_reset (s->get);
    sqlite3_clear_bindings (s->get);
    if (rc == SQLITE_DONE)
      g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
          "No camera with id “%s”", id);
    else
      ce_registry_set_db_error (self, error, rc, "Reading a camera's health");
    return FALSE;
  }
  rowid = sqlite3_column_int64 (s->get, 0);
  old = health_of (sqlite3_column_int (s->get, 2));
  changed_at = sqlite3_column_int64 (s->get, 3);
  down_since = sqlite3_column_type (s->get, 4) == SQLITE_NULL
      ? 0
      : sqlite3_column_int64 (s->get, 4);
  sqlite3_reset (s->get);
  sqlite3_clear_bindings (s->get);

  differs = old != report->health;
  if (differs) {
    changed_at = at;
    sqlite3_bind_int64 (s->log, 1, rowid);
    sqlite3_bind_int64 (s->log, 2, at);
    sqlite3_bind_int (s->log, 3, old);
    sqlite3_bind_int (s->log, 4, report->health);
    if (!step_done (self, s->log, "Recording a status change", error))
      return FALSE;
  }
  /* Down since the last probe that was not online after one that was (or
   * the first probe): offline → auth_failed does not restart the clock. */
  if (report->health == CE_HEALTH_ONLINE)
    down_since = 0;
  else if (old == CE_HEALTH_ONLINE || old == CE_HEALTH_UNKNOWN ||
      down_since == 0)
    down_since = at;

  sqlite3_bind_int64 (s->put, 1, rowid);
  sqlite3_bind_int (s->put, 2, report->health);
  ce_registry_bind_text (s->put, 3, report->reason);
  sqlite3_bind_int64 (s->put, 4, at);
  sqlite3_bind_int64 (s->put, 5, changed_at);
  if (down_since > 0)
    sqlite3_bind_int64 (s->put, 6, down_since);
  else
    sqlite3_bind_null (s->put, 6);
  sqlite3_bind_int64 (s->put, 7, report->latency_ms);
  ce_registry_bind_text (s->put, 8, report->codec);
  sqlite3_bind_int64 (s->put, 9, report->width);
  sqlite3_bind_int64 (s->put, 10, report->height);
  ce_registry_bind_text (s->put, 11, report->detail);
  if (!step_done (self, s->put, "Recording a probe result", error))
    return FALSE;

  /* The camera's own status changes only between online and offline. */
  if (!ce_registry_set_status (self, id, ce_health_to_status (report->health),
          at, error))
    return FALSE;
  if (changed != NULL)
    *changed = differs;
  return TRUE;
}

void
ce_health_record_free (CeHealthRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->camera_id);
  g_free (record->reason);
  g_free (record->codec);
  g_free (record->detail);
  g_free (record);
}

CeHealthRecord *
ce_registry_dup_health (CeRegistry *self, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  CeHealthRecord *r;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  stmt = ce_registry_prepare (self,
      "SELECT h.health, h.reason, h.probed_at, h.changed_at, h.down_since,"
      " h.latency_ms, h.codec, h.width, h.height, h.detail"
      " FROM camera c JOIN camera_health h ON h.camera = c.rowid"
      " WHERE c.id = ?1",
      FALSE, error);
  if (stmt == NULL)
    return NULL;
  ce_registry_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "Camera “%s” does not exist or was never probed", id);
    return NULL;
  }
  if (rc != SQLITE_ROW) {
    ce_registry_set_db_error (self, error, rc, "Reading a camera's health");
    return NULL;
  }
  r = g_new0 (CeHealthRecord, 1);
  r->camera_id = g_strdup (id);
  r->health = health_of (sqlite3_column_int (stmt, 0));
  r->reason = g_strdup (ce_registry_col_text (stmt, 1));
  r->probed_at = sqlite3_column_int64 (stmt, 2);
  r->changed_at = sqlite3_column_int64 (stmt, 3);
  r->down_since = sqlite3_column_int64 (stmt, 4);
  r->latency_ms = (guint) sqlite3_column_int64 (stmt, 5);
  r->codec = g_strdup (ce_registry_col_text (stmt, 6));
  r->width = (guint) sqlite3_column_int64 (stmt, 7);
  r->height = (guint) sqlite3_column_int64 (stmt, 8);
  r->detail = g_strdup (ce_registry_col_text (stmt, 9));
  return r;
}

gboolean
ce_registry_health_foreach (CeRegistry *self, CeHealthFunc func,
    gpointer user_data, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  stmt = ce_registry_prepare (self,
      "SELECT c.id, h.health FROM camera c"
      " JOIN camera_health h ON h.camera = c.rowid ORDER BY c.id",
      FALSE, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (!func (ce_registry_col_text (stmt, 0),
            health_of (sqlite3_column_int (stmt, 1)), user_data))
      return TRUE;
  }
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Reading the cameras' health");
    return FALSE;
  }
  return TRUE;
}

GArray *
ce_registry_dup_status_history (CeRegistry *self, const char *id, gint64 since,
    gint64 until, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GArray) changes = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  stmt = ce_registry_prepare (self,
      "SELECT l.at, l.from_health, l.to_health FROM camera c"
      " JOIN camera_status_log l ON l.camera = c.rowid"
      " WHERE c.id = ?1 AND l.at >= ?2 AND l.at < ?3"
      " ORDER BY l.at, l.rowid",
      FALSE, error);
  if (stmt == NULL)
    return NULL;
  ce_registry_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, until);
  changes = g_array_new (FALSE, FALSE, sizeof (CeStatusChange));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    CeStatusChange c = {
        .at = sqlite3_column_int64 (stmt, 0),
        .from = health_of (sqlite3_column_int (stmt, 1)),
        .to = health_of (sqlite3_column_int (stmt, 2)),
    };

    g_array_append_val (changes, c);
  }
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Reading a status history");
    return NULL;
  }
  return g_steal_pointer (&changes);
}

void
ce_online_rate_row_free (CeOnlineRateRow *row)
{
  if (row == NULL)
    return;
  g_free (row->key);
  g_free (row->name);
  g_free (row);
}

double
ce_online_rate_row_get_rate (const CeOnlineRateRow *row)
{
  if (row->observed_s <= 0)
    return -1;
  return (double) row->online_s / (double) row->observed_s;
}

/* Per camera: the health at @since (the last change before it), then every
 * change inside the window; each state lasts until the next change or the
 * window's end.  Online seconds are the states equal to 1, observed
 * seconds every state but 0 (unknown).  The start row (seq 0) sorts before
 * a change at exactly @since, so it then lasts zero seconds. */
#define KPI_CTE \
  "WITH ev AS (" \
  "  SELECT c.rowid AS cam, ?1 AS at, 0 AS seq," \
  "    (SELECT l.to_health FROM camera_status_log l" \
  "     WHERE l.camera = c.rowid AND l.at < ?1" \
  "     ORDER BY l.at DESC, l.rowid DESC LIMIT 1) AS st" \
  "  FROM camera c" \
  "  UNION ALL" \
  "  SELECT camera, at, rowid, to_health FROM camera_status_log" \
  "  WHERE at >= ?1 AND at < ?2)," \
  "seg AS (" \
  "  SELECT cam, st, at AS t0," \
  "    lead (at, 1, ?2) OVER (PARTITION BY cam ORDER BY at, seq) AS t1" \
  "  FROM ev WHERE st IS NOT NULL)," \
  "kpi AS (" \
  "  SELECT cam," \
  "    sum (CASE WHEN st = 1 THEN t1 - t0 ELSE 0 END) AS online_s," \
  "    sum (CASE WHEN st <> 0 THEN t1 - t0 ELSE 0 END) AS observed_s" \
  "  FROM seg GROUP BY cam) "

GPtrArray *
ce_registry_online_rate (CeRegistry *self, CeKpiGroup group, gint64 since,
    gint64 until, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autofree char *sql = NULL;
  const char *key, *name;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);

  if (until <= since) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID,
        "The KPI window is empty: it must end after it starts");
    return NULL;
  }
  switch (group) {
    case CE_KPI_BY_CAMERA:
      key = "c.id";
      name = "c.name";
      break;
    case CE_KPI_BY_SOURCE:
      key = "c.source";
      name = "NULL";
      break;
    case CE_KPI_BY_STREET:
    default:
      key = "c.street";
      name = "NULL";
      break;
  }
  /* Only constant fragments go into the SQL text. */
  sql = g_strdup_printf (KPI_CTE
      "SELECT %s, %s, count (*),"
      " sum (coalesce (k.observed_s, 0) > 0),"
      " sum (c.status = 'online'),"
      " coalesce (sum (k.online_s), 0), coalesce (sum (k.observed_s), 0)"
      " FROM camera c LEFT JOIN kpi k ON k.cam = c.rowid"
      " GROUP BY %s ORDER BY %s",
      key, group == CE_KPI_BY_CAMERA ? "min (c.name)" : name, key, key);
  stmt = ce_registry_prepare (self, sql, FALSE, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, since);
  sqlite3_bind_int64 (stmt, 2, until);
  rows =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_online_rate_row_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    CeOnlineRateRow *r = g_new0 (CeOnlineRateRow, 1);

    r->key = g_strdup (ce_registry_col_text (stmt, 0));
    r->name = sqlite3_column_type (stmt, 1) == SQLITE_NULL
        ? NULL
        : g_strdup (ce_registry_col_text (stmt, 1));
    r->cameras = (guint) sqlite3_column_int64 (stmt, 2);
    r->observed = (guint) sqlite3_column_int64 (stmt, 3);
    r->online_now = (guint) sqlite3_column_int64 (stmt, 4);
    r->online_s = sqlite3_column_int64 (stmt, 5);
    r->observed_s = sqlite3_column_int64 (stmt, 6);
    g_ptr_array_add (rows, r);
  }
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Computing the online rate");
    return NULL;
  }
  return g_steal_pointer (&rows);
}

void
ce_down_camera_free (CeDownCamera *camera)
{
  if (camera == NULL)
    return;
  g_free (camera->camera_id);
  g_free (camera->name);
  g_free (camera->street);
  g_free (camera->detail);
  g_free (camera);
}

GPtrArray *
ce_registry_offline_longest (CeRegistry *self, guint limit, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);

  stmt = ce_registry_prepare (self,
      "SELECT c.id, c.name, c.source, c.street, h.health, h.down_since,"
      " h.detail FROM camera_health h JOIN camera c ON c.rowid = h.camera"
      " WHERE h.down_since IS NOT NULL ORDER BY h.down_since, c.id"
      " LIMIT ?1",
      FALSE, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ce_down_camera_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    CeDownCamera *d = g_new0 (CeDownCamera, 1);

    d->camera_id = g_strdup (ce_registry_col_text (stmt, 0));
    d->name = g_strdup (ce_registry_col_text (stmt, 1));
    if (!ce_source_from_string (ce_registry_col_text (stmt, 2), &d->source))
      d->source = 0;
    d->street = g_strdup (ce_registry_col_text (stmt, 3));
    d->health = health_of (sqlite3_column_int (stmt, 4));
    d->down_since = sqlite3_column_int64 (stmt, 5);
    d->detail = g_strdup (ce_registry_col_text (stmt, 6));
    g_ptr_array_add (rows, d);
  }
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc,
        "Listing the cameras offline longest");
    return NULL;
  }
  return g_steal_pointer (&rows);
}
