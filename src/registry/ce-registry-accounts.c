/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Accounts, API token records and the viewing audit in the registry
 * database.  Bound parameters only; the audit table refuses UPDATE and
 * DELETE through triggers (schema version 2).
 */
#include "ce-registry-accounts.h"
#include "ce-registry-private.h"

#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static sqlite3_stmt *
prepare (CeRegistry *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (ce_registry_get_db (self), sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK) {
    ce_registry_set_db_error (self, error, rc, "Preparing a query");
    return NULL;
  }
  return stmt;
}

static void
bind_text0 (sqlite3_stmt *stmt, int idx, const char *text)
{
  sqlite3_bind_text (stmt, idx, text != NULL ? text : "", -1, SQLITE_STATIC);
}

static char *
column_dup (sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return g_strdup (text != NULL ? (const char *) text : "");
}

/* Runs a statement that returns no rows. */
static gboolean
step_done (CeRegistry *self, sqlite3_stmt *stmt, const char *what,
    GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    ce_registry_set_db_error (self, error, rc, what);
    return FALSE;
  }
  return TRUE;
}

/* A name as shown in messages: valid UTF-8, bounded. */
static char *
shown (const char *s)
{
  return g_utf8_make_valid (s, MIN (strlen (s), 64));
}

/* ---- users ------------------------------------------------------------ */

void
ce_user_free (CeUser *user)
{
  if (user == NULL)
    return;
  g_free (user->name);
  g_free (user->role);
  g_free (user);
}

#define USER_COLUMNS \
  "id, name, role, sources, max_secrecy, created_at, disabled"

static CeUser *
user_from_row (sqlite3_stmt *stmt)
{
  CeUser *u = g_new0 (CeUser, 1);

  u->id = sqlite3_column_int64 (stmt, 0);
  u->name = column_dup (stmt, 1);
  u->role = column_dup (stmt, 2);
  u->sources = (guint) sqlite3_column_int64 (stmt, 3);
  u->max_secrecy = sqlite3_column_int (stmt, 4);
  u->created_us = sqlite3_column_int64 (stmt, 5);
  u->disabled = sqlite3_column_int (stmt, 6) != 0;
  return u;
}

gboolean
ce_registry_add_user (CeRegistry *self, const CeUser *user, gint64 *id,
    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (user != NULL && user->name != NULL, FALSE);

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  stmt = prepare (self,
      "INSERT INTO account (name, role, sources, max_secrecy, created_at,"
      " disabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      error);
  if (stmt == NULL)
    return FALSE;
  bind_text0 (stmt, 1, user->name);
  bind_text0 (stmt, 2, user->role);
  sqlite3_bind_int64 (stmt, 3, user->sources);
  sqlite3_bind_int (stmt, 4, user->max_secrecy);
  sqlite3_bind_int64 (stmt, 5,
      user->created_us != 0 ? user->created_us : g_get_real_time ());
  sqlite3_bind_int (stmt, 6, user->disabled ? 1 : 0);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE) {
    g_autofree char *name = shown (user->name);

    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE,
        "A user called “%s” already exists", name);
    return FALSE;
  }
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Adding a user");
    return FALSE;
  }
  if (id != NULL)
    *id = sqlite3_last_insert_rowid (ce_registry_get_db (self));
  return TRUE;
}

CeUser *
ce_registry_dup_user (CeRegistry *self, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  stmt = prepare (self, "SELECT " USER_COLUMNS " FROM account WHERE name = ?1",
      error);
  if (stmt == NULL)
    return NULL;
  bind_text0 (stmt, 1, name);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc == SQLITE_DONE) {
    g_autofree char *n = shown (name);

    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "No user called “%s”", n);
  } else {
    ce_registry_set_db_error (self, error, rc, "Looking up a user");
  }
  return NULL;
}

GPtrArray *
ce_registry_list_users (CeRegistry *self, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) users = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);

  stmt = prepare (self, "SELECT " USER_COLUMNS " FROM account ORDER BY name",
      error);
  if (stmt == NULL)
    return NULL;
  users = g_ptr_array_new_with_free_func ((GDestroyNotify) ce_user_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, user_from_row (stmt));
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Listing users");
    return NULL;
  }
  return g_steal_pointer (&users);
}

gboolean
ce_registry_remove_user (CeRegistry *self, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) tokens = NULL;
  g_autoptr (sqlite3_stmt) account = NULL;
  sqlite3 *db = ce_registry_get_db (self);

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!ce_registry_check_writable (self, error) ||
      !ce_registry_begin (self, error))
    return FALSE;
  tokens = prepare (self,
      "DELETE FROM api_token WHERE account_id IN"
      " (SELECT id FROM account WHERE name = ?1)",
      error);
  account = tokens != NULL
      ? prepare (self, "DELETE FROM account WHERE name = ?1", error)
      : NULL;
  if (account == NULL)
    goto fail;
  bind_text0 (tokens, 1, name);
  bind_text0 (account, 1, name);
  if (!step_done (self, tokens, "Removing a user's tokens", error) ||
      !step_done (self, account, "Removing a user", error))
    goto fail;
  if (sqlite3_changes (db) == 0) {
    g_autofree char *n = shown (name);

    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "No user called “%s”", n);
    goto fail;
  }
  return ce_registry_commit (self, error);

fail:
  ce_registry_rollback (self);
  return FALSE;
}

/* ---- tokens ----------------------------------------------------------- */

void
ce_token_record_free (CeTokenRecord *token)
{
  if (token == NULL)
    return;
  g_free (token->user);
  g_free (token->label);
  g_free (token->digest_ha1);
  g_free (token);
}

#define TOKEN_COLUMNS \
  "t.id, a.name, t.label, t.digest_ha1, t.created_at, t.expires_at," \
  " t.last_used_at, t.revoked_at"

static CeTokenRecord *
token_from_row (sqlite3_stmt *stmt)
{
  CeTokenRecord *t = g_new0 (CeTokenRecord, 1);

  t->id = sqlite3_column_int64 (stmt, 0);
  t->user = column_dup (stmt, 1);
  t->label = column_dup (stmt, 2);
  t->digest_ha1 = column_dup (stmt, 3);
  t->created_us = sqlite3_column_int64 (stmt, 4);
  t->expires_us = sqlite3_column_int64 (stmt, 5);
  t->last_used_us = sqlite3_column_int64 (stmt, 6);
  t->revoked_us = sqlite3_column_int64 (stmt, 7);
  return t;
}

gboolean
ce_registry_add_token (CeRegistry *self, const char *user, const char *label,
    const char *hash, const char *digest_ha1, gint64 expires_us, gint64 *id,
    GError **error)
{
  g_autoptr (CeUser) u = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (user != NULL && hash != NULL, FALSE);
  g_return_val_if_fail (digest_ha1 != NULL, FALSE);

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  u = ce_registry_dup_user (self, user, error);
  if (u == NULL)
    return FALSE;
  stmt = prepare (self,
      "INSERT INTO api_token (account_id, label, hash, digest_ha1,"
      " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, u->id);
  bind_text0 (stmt, 2, label);
  bind_text0 (stmt, 3, hash);
  bind_text0 (stmt, 4, digest_ha1);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 6, expires_us);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE) {
    g_set_error_literal (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE,
        "A token with this hash already exists");
    return FALSE;
  }
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Adding a token");
    return FALSE;
  }
  if (id != NULL)
    *id = sqlite3_last_insert_rowid (ce_registry_get_db (self));
  return TRUE;
}

CeTokenRecord *
ce_registry_dup_token_by_hash (CeRegistry *self, const char *hash,
    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (hash != NULL, NULL);

  stmt = prepare (self,
      "SELECT " TOKEN_COLUMNS " FROM api_token t JOIN account a"
      " ON a.id = t.account_id WHERE t.hash = ?1",
      error);
  if (stmt == NULL)
    return NULL;
  bind_text0 (stmt, 1, hash);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return token_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "No such token");
  else
    ce_registry_set_db_error (self, error, rc, "Looking up a token");
  return NULL;
}

GPtrArray *
ce_registry_list_tokens (CeRegistry *self, const char *user, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) tokens = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);

  stmt = prepare (self,
      "SELECT " TOKEN_COLUMNS " FROM api_token t JOIN account a"
      " ON a.id = t.account_id WHERE ?1 IS NULL OR a.name = ?1 ORDER BY t.id",
      error);
  if (stmt == NULL)
    return NULL;
  if (user != NULL)
    bind_text0 (stmt, 1, user);
  tokens =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_token_record_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (tokens, token_from_row (stmt));
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Listing tokens");
    return NULL;
  }
  return g_steal_pointer (&tokens);
}

gboolean
ce_registry_revoke_token (CeRegistry *self, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  stmt = prepare (self,
      "UPDATE api_token SET revoked_at = CASE WHEN revoked_at = 0 THEN ?2"
      " ELSE revoked_at END WHERE id = ?1",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  if (!step_done (self, stmt, "Revoking a token", error))
    return FALSE;
  if (sqlite3_changes (ce_registry_get_db (self)) == 0) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND,
        "No token with id %" G_GINT64_FORMAT, id);
    return FALSE;
  }
  return TRUE;
}

gboolean
ce_registry_touch_token (CeRegistry *self, gint64 id, gint64 at_us,
    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (CE_IS_REGISTRY (self), FALSE);

  if (!ce_registry_check_writable (self, error))
    return FALSE;
  stmt = prepare (self, "UPDATE api_token SET last_used_at = ?2 WHERE id = ?1",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, at_us);
  return step_done (self, stmt, "Recording a token's use", error);
}

/* ---- audit ------------------------------------------------------------ */

void
ce_audit_row_free (CeAuditRow *row)
{
  if (row == NULL)
    return;
  g_free (row->user);
  g_free (row->camera_id);
  g_free (row->protocol);
  g_free (row->client);
  g_free (row->action);
  g_free (row->incident);
  g_free (row->reason);
  g_free (row);
}

gint64
ce_registry_audit_append (CeRegistry *self, const CeAuditRow *row,
    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (CE_IS_REGISTRY (self), -1);
  g_return_val_if_fail (row != NULL, -1);
  g_return_val_if_fail (row->user != NULL && row->action != NULL, -1);
  g_return_val_if_fail (row->protocol != NULL, -1);

  if (!ce_registry_check_writable (self, error))
    return -1;
  stmt = prepare (self,
      "INSERT INTO audit (at, user_name, camera_id, protocol, client, action,"
      " start_at, end_at, bytes, incident, reason)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
      error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  bind_text0 (stmt, 2, row->user);
  bind_text0 (stmt, 3, row->camera_id);
  bind_text0 (stmt, 4, row->protocol);
  bind_text0 (stmt, 5, row->client);
  bind_text0 (stmt, 6, row->action);
  sqlite3_bind_int64 (stmt, 7, row->start_us);
  sqlite3_bind_int64 (stmt, 8, row->end_us);
  sqlite3_bind_int64 (stmt, 9, (sqlite3_int64) MIN (row->bytes, G_MAXINT64));
  bind_text0 (stmt, 10, row->incident);
  bind_text0 (stmt, 11, row->reason);
  if (!step_done (self, stmt, "Appending to the viewing audit", error))
    return -1;
  return sqlite3_last_insert_rowid (ce_registry_get_db (self));
}

void
ce_audit_query_init (CeAuditQuery *query)
{
  memset (query, 0, sizeof (*query));
}

GPtrArray *
ce_registry_audit_query (CeRegistry *self, const CeAuditQuery *q,
    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (CE_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (q != NULL, NULL);

  stmt = prepare (self,
      "SELECT id, at, user_name, camera_id, protocol, client, action,"
      " start_at, end_at, bytes, incident, reason FROM audit"
      " WHERE (?1 IS NULL OR user_name = ?1)"
      " AND (?2 IS NULL OR camera_id = ?2)"
      " AND (?3 = 0 OR at >= ?3) AND (?4 = 0 OR at < ?4)"
      " AND id > ?5 ORDER BY id LIMIT ?6",
      error);
  if (stmt == NULL)
    return NULL;
  if (q->user != NULL)
    bind_text0 (stmt, 1, q->user);
  if (q->camera_id != NULL)
    bind_text0 (stmt, 2, q->camera_id);
  sqlite3_bind_int64 (stmt, 3, q->since_us);
  sqlite3_bind_int64 (stmt, 4, q->until_us);
  sqlite3_bind_int64 (stmt, 5, q->after_id);
  sqlite3_bind_int64 (stmt, 6, q->limit > 0 ? (sqlite3_int64) q->limit : -1);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ce_audit_row_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    CeAuditRow *r = g_new0 (CeAuditRow, 1);

    r->id = sqlite3_column_int64 (stmt, 0);
    r->at_us = sqlite3_column_int64 (stmt, 1);
    r->user = column_dup (stmt, 2);
    r->camera_id = column_dup (stmt, 3);
    r->protocol = column_dup (stmt, 4);
    r->client = column_dup (stmt, 5);
    r->action = column_dup (stmt, 6);
    r->start_us = sqlite3_column_int64 (stmt, 7);
    r->end_us = sqlite3_column_int64 (stmt, 8);
    r->bytes = (guint64) sqlite3_column_int64 (stmt, 9);
    r->incident = column_dup (stmt, 10);
    r->reason = column_dup (stmt, 11);
    g_ptr_array_add (rows, r);
  }
  if (rc != SQLITE_DONE) {
    ce_registry_set_db_error (self, error, rc, "Reading the viewing audit");
    return NULL;
  }
  return g_steal_pointer (&rows);
}
