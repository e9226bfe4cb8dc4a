/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Inside the registry module only: the SQLite connection for the parts of
 * the registry kept in their own files (ce-registry-health.c).
 */
#pragma once

#include <sqlite3.h>

#include "ce-registry.h"

G_BEGIN_DECLS

/* (transfer none) */
sqlite3 *ce_registry_get_db (CeRegistry *self);
/* The connection's last error as a CE_REGISTRY_ERROR a person can act on. */
void ce_registry_set_db_error (CeRegistry *self, GError **error, int rc,
    const char *what);
/* FALSE with READ_ONLY when the registry was opened read-only. */
gboolean ce_registry_check_writable (CeRegistry *self, GError **error);
/* A statement, or NULL with @error; @persistent for ones kept and reused. */
sqlite3_stmt *ce_registry_prepare (CeRegistry *self, const char *sql,
    gboolean persistent, GError **error);
/* Column text, "" for NULL. */
const char *ce_registry_col_text (sqlite3_stmt *stmt, int col);
/* Binds @text (NULL as ""), not copied: it must outlive the step. */
void ce_registry_bind_text (sqlite3_stmt *stmt, int idx, const char *text);

G_END_DECLS
