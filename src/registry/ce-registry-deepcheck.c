/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The last deep picture check per camera (camera_deep_check, keyed by the
 * camera's rowid and removed with the camera).
 */
#include "ce-registry-deepcheck.h"
#include "ce-registry-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static const char *const result_names[] = {NULL, "ok", "black", "frozen",
    "undecodable", "no_picture"};

G_STATIC_ASSERT (G_N_ELEMENTS (result_names) == CE_DEEP_LAST + 1);

const char *
ce_deep_result_to_string (CeDeepResult result)
{
  if (result < CE_DEEP_OK || result > CE_DEEP_LAST)
    return "unknown";
  return result_names[result];
}

void
ce_deep_record_free (CeDeepRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->camera_id);
  g_clear_pointer (&record->signature, g_bytes_unref);
  g_free (record->detail);
  g_free (record);
}

gboolean
ce_registry_record_deep_check (CeRegistry *self, const CeDeepRecord *record,
    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (record != NULL && record->camera_id != NULL, FALSE);

  if (record->result < CE_DEEP_OK || record->result > CE_DEEP_LAST) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID,
        "Deep check of %s: unknown result %d", record->camera_id,
        (int) record->result);
    return FALSE;
  }
  if (record->signature != NULL &&
      g_bytes_get_size (record->signature) != CE_DEEP_SIGNATURE_SIZE) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID,
        "Deep check of %s: a signature has %d bytes, not %" G_GSIZE_FORMAT,
        record->camera_id, CE_DEEP_SIGNATURE_SIZE,
        g_bytes_get_size (record->signature));
    return FALSE;
  }
  if (!ce_registry_check_writable (self, error))
    return FALSE;
  stmt = ce_registry_prepare (self,
      "INSERT OR REPLACE INTO camera_deep_check (camera, result, checked_at,"
      " luma_mean, luma_spread, distance, signature, signature_at, detail)"
      " SELECT rowid, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM camera"
      " WHERE id = ?1",
      FALSE, error);
  if (stmt == NULL)
    return FALSE;
  ce_registry_bind_text (stmt, 1, record->camera_id);
  sqlite3_bind_int (stmt, 2, (int) record->result);
  sqlite3_bind_int64 (stmt, 3, record->checked_at);
  sqlite3_bind_double (stmt, 4, record->luma_mean);
  sqlite3_bind_double (stmt, 5, record->luma_spread);
  sqlite3_bind_int (stmt, 6, record->distance);
  if (record->signature != NULL)
    sqlite3_bind_blob (stmt, 7, g_bytes_get_data (record->signature, NULL),
        (int) g_bytes_get_size (record->signature), SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 7);
  sqlite3_bind_int64 (stmt, 8, record->signature_at_ms);
  ce_registry_bind_text (stmt, 9, record->detail);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Recording a deep check");
    return FALSE;
  }
  if (sqlite3_changes (ce_registry_get_db (self)) == 0) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "Camera “%s” does not exist", record->camera_id);
    return FALSE;
  }
  return TRUE;
}

CeDeepRecord *
ce_registry_dup_deep_check (CeRegistry *self, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  CeDeepRecord *r;
  int rc, result;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  stmt = ce_registry_prepare (self,
      "SELECT d.result, d.checked_at, d.luma_mean, d.luma_spread,"
      " d.distance, d.signature, d.signature_at, d.detail"
      " FROM camera c JOIN camera_deep_check d ON d.camera = c.rowid"
      " WHERE c.id = ?1",
      FALSE, error);
  if (stmt == NULL)
    return NULL;
  ce_registry_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "Camera “%s” does not exist or was never deep-checked", id);
    return NULL;
  }
  if (rc != SQLITE_ROW) {
    ce_registry_set_db_error (self, error, rc, "Reading a deep check");
    return NULL;
  }
  r = g_new0 (CeDeepRecord, 1);
  r->camera_id = g_strdup (id);
  result = sqlite3_column_int (stmt, 0);
  r->result = result >= CE_DEEP_OK && result <= CE_DEEP_LAST
      ? (CeDeepResult) result
      : CE_DEEP_UNDECODABLE;
  r->checked_at = sqlite3_column_int64 (stmt, 1);
  r->luma_mean = sqlite3_column_double (stmt, 2);
  r->luma_spread = sqlite3_column_double (stmt, 3);
  r->distance = sqlite3_column_int (stmt, 4);
  if (sqlite3_column_type (stmt, 5) == SQLITE_BLOB &&
      sqlite3_column_bytes (stmt, 5) == CE_DEEP_SIGNATURE_SIZE)
    r->signature =
        g_bytes_new (sqlite3_column_blob (stmt, 5), CE_DEEP_SIGNATURE_SIZE);
  r->signature_at_ms =
      r->signature != NULL ? sqlite3_column_int64 (stmt, 6) : 0;
  r->detail = g_strdup (ce_registry_col_text (stmt, 7));
  return r;
}

GPtrArray *
ce_registry_deep_check_candidates (CeRegistry *self, guint limit,
    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);

  /* One pass over the online cameras (the status index) and a sort of
   * those: a few milliseconds at 23,000 cameras, once per sweep. */
  stmt = ce_registry_prepare (self,
      "SELECT c.id FROM camera c"
      " LEFT JOIN camera_deep_check d ON d.camera = c.rowid"
      " WHERE c.status = 'online'"
      " ORDER BY coalesce (d.checked_at, -1), c.id LIMIT ?1",
      FALSE, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup (ce_registry_col_text (stmt, 0)));
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Listing cameras to check");
    return NULL;
  }
  return g_steal_pointer (&ids);
}
