/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Shared inside the registry module only: the connection and its error
 * helpers, for the files that store more than cameras.
 */
#pragma once

#include "ce-registry.h"

#include <sqlite3.h>

G_BEGIN_DECLS

sqlite3 *ce_registry_get_db (CeRegistry *self);
gboolean ce_registry_check_writable (CeRegistry *self, GError **error);
void ce_registry_set_db_error (CeRegistry *self, GError **error, int rc,
    const char *what);

G_END_DECLS
