/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Walls (state text + revision), presets and incidents: tables wall,
 * wall_preset and incident of schema version 4.  Every value is bound.
 */
#include "ce-registry-walls.h"
#include "ce-registry-private.h"

#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

void
ce_wall_record_free (CeWallRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->title);
  g_free (r->state);
  g_free (r->updated_by);
  g_free (r);
}

void
ce_preset_record_free (CePresetRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->wall);
  g_free (r->name);
  g_free (r->title);
  g_free (r->monitors);
  g_free (r->updated_by);
  g_free (r);
}

void
ce_incident_record_free (CeIncidentRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->id);
  g_free (r->kind);
  g_free (r->title);
  g_free (r->cameras);
  g_free (r->wall);
  g_free (r->takeover);
  g_free (r->opened_by);
  g_free (r->closed_by);
  g_free (r);
}

/* Steps a write statement to its end; DUPLICATE for a taken key. */
static gboolean
run (CeRegistry *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  if (sqlite3_extended_errcode (ce_registry_get_db (self)) ==
          SQLITE_CONSTRAINT_PRIMARYKEY ||
      sqlite3_extended_errcode (ce_registry_get_db (self)) ==
          SQLITE_CONSTRAINT_UNIQUE) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE,
        "%s: the name is taken", what);
    return FALSE;
  }
  ce_registry_set_db_error (self, error, rc, what);
  return FALSE;
}

/* ---- walls -------------------------------------------------------------- */

#define WALL_COLS \
  "name, title, rows, cols, revision, state, updated_at," \
  " updated_by"

static CeWallRecord *
wall_from_row (sqlite3_stmt *s)
{
  CeWallRecord *r = g_new0 (CeWallRecord, 1);

  r->name = g_strdup (ce_registry_col_text (s, 0));
  r->title = g_strdup (ce_registry_col_text (s, 1));
  r->rows = (guint) sqlite3_column_int (s, 2);
  r->cols = (guint) sqlite3_column_int (s, 3);
  r->revision = sqlite3_column_int64 (s, 4);
  r->state = g_strdup (ce_registry_col_text (s, 5));
  r->updated_at = sqlite3_column_int64 (s, 6);
  r->updated_by = g_strdup (ce_registry_col_text (s, 7));
  return r;
}

gboolean
ce_registry_add_wall (CeRegistry *self, const CeWallRecord *wall,
    GError **error)
{
  g_autoptr (sqlite3_stmt) s = NULL;

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  s = ce_registry_prepare (self,
      "INSERT INTO wall (" WALL_COLS ") VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7)",
      FALSE, error);
  if (s == NULL)
    return FALSE;
  ce_registry_bind_text (s, 1, wall->name);
  ce_registry_bind_text (s, 2, wall->title);
  sqlite3_bind_int (s, 3, (int) wall->rows);
  sqlite3_bind_int (s, 4, (int) wall->cols);
  ce_registry_bind_text (s, 5, wall->state);
  sqlite3_bind_int64 (s, 6, g_get_real_time () / G_USEC_PER_SEC);
  ce_registry_bind_text (s, 7, wall->updated_by);
  if (!run (self, s, "Adding a wall", error)) {
    g_prefix_error (error, "Wall %s: ", wall->name);
    return FALSE;
  }
  return TRUE;
}

CeWallRecord *
ce_registry_dup_wall (CeRegistry *self, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ce_registry_prepare (self,
      "SELECT " WALL_COLS " FROM wall WHERE name = ?1", FALSE, error);
  int rc;

  if (s == NULL)
    return NULL;
  ce_registry_bind_text (s, 1, name);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    return wall_from_row (s);
  if (rc == SQLITE_DONE)
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "No wall called “%s”", name);
  else
    ce_registry_set_db_error (self, error, rc, "Reading a wall");
  return NULL;
}

GPtrArray *
ce_registry_list_walls (CeRegistry *self, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ce_registry_prepare (self,
      "SELECT " WALL_COLS " FROM wall ORDER BY name", FALSE, error);
  g_autoptr (GPtrArray) out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_wall_record_free);
  int rc;

  if (s == NULL)
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (out, wall_from_row (s));
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Listing walls");
    return NULL;
  }
  return g_steal_pointer (&out);
}

gboolean
ce_registry_update_wall (CeRegistry *self, const char *name, gint64 revision,
    const char *state, const char *user, gint64 *new_revision, GError **error)
{
  g_autoptr (sqlite3_stmt) s = NULL;
  g_autoptr (CeWallRecord) now = NULL;

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  /* One statement: the check and the write cannot be separated by another
   * writer. */
  s = ce_registry_prepare (self,
      "UPDATE wall SET state = ?3, revision = revision + 1, updated_at = ?4,"
      " updated_by = ?5 WHERE name = ?1 AND revision = ?2",
      FALSE, error);
  if (s == NULL)
    return FALSE;
  ce_registry_bind_text (s, 1, name);
  sqlite3_bind_int64 (s, 2, revision);
  ce_registry_bind_text (s, 3, state);
  sqlite3_bind_int64 (s, 4, g_get_real_time () / G_USEC_PER_SEC);
  ce_registry_bind_text (s, 5, user);
  if (!run (self, s, "Updating a wall", error))
    return FALSE;
  if (sqlite3_changes (ce_registry_get_db (self)) == 1) {
    if (new_revision != NULL)
      *new_revision = revision + 1;
    return TRUE;
  }
  now = ce_registry_dup_wall (self, name, error);
  if (now == NULL)
    return FALSE;
  if (new_revision != NULL)
    *new_revision = now->revision;
  g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_CONFLICT,
      "Wall %s changed since revision %" G_GINT64_FORMAT
      " (now %" G_GINT64_FORMAT "): reload it and apply the change again",
      name, revision, now->revision);
  return FALSE;
}

static gboolean
delete_where (CeRegistry *self, const char *sql, const char *a, const char *b,
    const char *what, GError **error)
{
  g_autoptr (sqlite3_stmt) s = NULL;

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  s = ce_registry_prepare (self, sql, FALSE, error);
  if (s == NULL)
    return FALSE;
  ce_registry_bind_text (s, 1, a);
  if (b != NULL)
    ce_registry_bind_text (s, 2, b);
  if (!run (self, s, "Removing", error))
    return FALSE;
  if (sqlite3_changes (ce_registry_get_db (self)) == 0) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "No %s called “%s”", what, b != NULL ? b : a);
    return FALSE;
  }
  return TRUE;
}

gboolean
ce_registry_remove_wall (CeRegistry *self, const char *name, GError **error)
{
  return delete_where (self, "DELETE FROM wall WHERE name = ?1", name, NULL,
      "wall", error);
}

/* ---- presets ------------------------------------------------------------ */

#define PRESET_COLS "wall, name, title, monitors, updated_at, updated_by"

static CePresetRecord *
preset_from_row (sqlite3_stmt *s)
{
  CePresetRecord *r = g_new0 (CePresetRecord, 1);

  r->wall = g_strdup (ce_registry_col_text (s, 0));
  r->name = g_strdup (ce_registry_col_text (s, 1));
  r->title = g_strdup (ce_registry_col_text (s, 2));
  r->monitors = g_strdup (ce_registry_col_text (s, 3));
  r->updated_at = sqlite3_column_int64 (s, 4);
  r->updated_by = g_strdup (ce_registry_col_text (s, 5));
  return r;
}

gboolean
ce_registry_put_preset (CeRegistry *self, const CePresetRecord *p,
    GError **error)
{
  g_autoptr (sqlite3_stmt) s = NULL;
  g_autoptr (CeWallRecord) wall = NULL;

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  wall = ce_registry_dup_wall (self, p->wall, error);
  if (wall == NULL)
    return FALSE;
  s = ce_registry_prepare (self,
      "INSERT OR REPLACE INTO wall_preset (" PRESET_COLS
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      FALSE, error);
  if (s == NULL)
    return FALSE;
  ce_registry_bind_text (s, 1, p->wall);
  ce_registry_bind_text (s, 2, p->name);
  ce_registry_bind_text (s, 3, p->title);
  ce_registry_bind_text (s, 4, p->monitors);
  sqlite3_bind_int64 (s, 5, g_get_real_time () / G_USEC_PER_SEC);
  ce_registry_bind_text (s, 6, p->updated_by);
  return run (self, s, "Saving a preset", error);
}

CePresetRecord *
ce_registry_dup_preset (CeRegistry *self, const char *wall, const char *name,
    GError **error)
{
  g_autoptr (sqlite3_stmt) s = ce_registry_prepare (self,
      "SELECT " PRESET_COLS " FROM wall_preset WHERE wall = ?1 AND name = ?2",
      FALSE, error);
  int rc;

  if (s == NULL)
    return NULL;
  ce_registry_bind_text (s, 1, wall);
  ce_registry_bind_text (s, 2, name);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    return preset_from_row (s);
  if (rc == SQLITE_DONE)
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "Wall %s has no preset called “%s”", wall, name);
  else
    ce_registry_set_db_error (self, error, rc, "Reading a preset");
  return NULL;
}

GPtrArray *
ce_registry_list_presets (CeRegistry *self, const char *wall, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ce_registry_prepare (self,
      "SELECT " PRESET_COLS " FROM wall_preset WHERE wall = ?1 ORDER BY name",
      FALSE, error);
  g_autoptr (GPtrArray) out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_preset_record_free);
  int rc;

  if (s == NULL)
    return NULL;
  ce_registry_bind_text (s, 1, wall);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (out, preset_from_row (s));
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Listing presets");
    return NULL;
  }
  return g_steal_pointer (&out);
}

gboolean
ce_registry_remove_preset (CeRegistry *self, const char *wall, const char *name,
    GError **error)
{
  return delete_where (self,
      "DELETE FROM wall_preset WHERE wall = ?1 AND name = ?2", wall, name,
      "preset", error);
}

/* ---- incidents ---------------------------------------------------------- */

#define INCIDENT_COLS \
  "id, kind, title, lon, lat, radius_m, cameras, wall, takeover," \
  " opened_at, opened_by, closed_at, closed_by"

static CeIncidentRecord *
incident_from_row (sqlite3_stmt *s)
{
  CeIncidentRecord *r = g_new0 (CeIncidentRecord, 1);

  r->id = g_strdup (ce_registry_col_text (s, 0));
  r->kind = g_strdup (ce_registry_col_text (s, 1));
  r->title = g_strdup (ce_registry_col_text (s, 2));
  r->lon = sqlite3_column_double (s, 3);
  r->lat = sqlite3_column_double (s, 4);
  r->radius_m = sqlite3_column_double (s, 5);
  r->cameras = g_strdup (ce_registry_col_text (s, 6));
  r->wall = g_strdup (ce_registry_col_text (s, 7));
  r->takeover = g_strdup (ce_registry_col_text (s, 8));
  r->opened_at = sqlite3_column_int64 (s, 9);
  r->opened_by = g_strdup (ce_registry_col_text (s, 10));
  r->closed_at = sqlite3_column_int64 (s, 11);
  r->closed_by = g_strdup (ce_registry_col_text (s, 12));
  return r;
}

gboolean
ce_registry_add_incident (CeRegistry *self, const CeIncidentRecord *i,
    GError **error)
{
  g_autoptr (sqlite3_stmt) s = NULL;

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  s = ce_registry_prepare (self,
      "INSERT INTO incident (" INCIDENT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5,"
      " ?6, ?7, ?8, ?9, ?10, ?11, 0, '')",
      FALSE, error);
  if (s == NULL)
    return FALSE;
  ce_registry_bind_text (s, 1, i->id);
  ce_registry_bind_text (s, 2, i->kind);
  ce_registry_bind_text (s, 3, i->title);
  sqlite3_bind_double (s, 4, i->lon);
  sqlite3_bind_double (s, 5, i->lat);
  sqlite3_bind_double (s, 6, i->radius_m);
  ce_registry_bind_text (s, 7, i->cameras);
  ce_registry_bind_text (s, 8, i->wall);
  ce_registry_bind_text (s, 9, i->takeover);
  sqlite3_bind_int64 (s, 10, i->opened_at);
  ce_registry_bind_text (s, 11, i->opened_by);
  return run (self, s, "Recording an incident", error);
}

CeIncidentRecord *
ce_registry_dup_incident (CeRegistry *self, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ce_registry_prepare (self,
      "SELECT " INCIDENT_COLS " FROM incident WHERE id = ?1", FALSE, error);
  int rc;

  if (s == NULL)
    return NULL;
  ce_registry_bind_text (s, 1, id);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    return incident_from_row (s);
  if (rc == SQLITE_DONE)
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "No incident “%s”", id);
  else
    ce_registry_set_db_error (self, error, rc, "Reading an incident");
  return NULL;
}

GPtrArray *
ce_registry_list_incidents (CeRegistry *self, gboolean open_only, guint limit,
    GError **error)
{
  g_autoptr (sqlite3_stmt) s = ce_registry_prepare (self,
      "SELECT " INCIDENT_COLS " FROM incident WHERE (?1 = 0 OR closed_at = 0)"
      " ORDER BY opened_at DESC, id LIMIT ?2",
      FALSE, error);
  g_autoptr (GPtrArray) out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_incident_record_free);
  int rc;

  if (s == NULL)
    return NULL;
  sqlite3_bind_int (s, 1, open_only ? 1 : 0);
  sqlite3_bind_int64 (s, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (out, incident_from_row (s));
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Listing incidents");
    return NULL;
  }
  return g_steal_pointer (&out);
}

gboolean
ce_registry_close_incident (CeRegistry *self, const char *id, const char *user,
    gint64 at, GError **error)
{
  g_autoptr (sqlite3_stmt) s = NULL;
  g_autoptr (CeIncidentRecord) now = NULL;

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  s = ce_registry_prepare (self,
      "UPDATE incident SET closed_at = ?2, closed_by = ?3"
      " WHERE id = ?1 AND closed_at = 0",
      FALSE, error);
  if (s == NULL)
    return FALSE;
  ce_registry_bind_text (s, 1, id);
  sqlite3_bind_int64 (s, 2, MAX (at, 1));
  ce_registry_bind_text (s, 3, user);
  if (!run (self, s, "Closing an incident", error))
    return FALSE;
  if (sqlite3_changes (ce_registry_get_db (self)) == 1)
    return TRUE;
  now = ce_registry_dup_incident (self, id, error);
  if (now != NULL)
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_CONFLICT,
        "Incident %s is closed already", id);
  return FALSE;
}
