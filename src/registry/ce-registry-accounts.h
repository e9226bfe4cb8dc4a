/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Accounts, API token records and the append-only viewing audit, stored in
 * the registry database.  Plain storage: no hashing, no policy (that is
 * src/auth).  Times are real time in microseconds, 0 = none.
 */
#pragma once

#include "ce-registry.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 id;
  char *name;
  char *role;      /* "admin", "operator", "wall", "viewer" */
  guint sources;   /* CE_SOURCE_BIT mask */
  int max_secrecy; /* 0 or 1 */
  gint64 created_us;
  gboolean disabled;
} CeUser;

void ce_user_free (CeUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeUser, ce_user_free)

/* DUPLICATE when the name exists; @user->id is ignored. */
gboolean ce_registry_add_user (CeRegistry *self, const CeUser *user, gint64 *id,
    GError **error);
/* Returns: (transfer full): the user, or %NULL with NOT_FOUND. */
CeUser *ce_registry_dup_user (CeRegistry *self, const char *name,
    GError **error);
/* Returns: (transfer full) (element-type CeUser): every user, by name. */
GPtrArray *ce_registry_list_users (CeRegistry *self, GError **error);
/* Removes the user and its tokens (audit rows keep the name). */
gboolean ce_registry_remove_user (CeRegistry *self, const char *name,
    GError **error);

typedef struct
{
  gint64 id;
  char *user;
  char *label;
  char *digest_ha1; /* MD5(user:realm:token), hex */
  gint64 created_us;
  gint64 expires_us;
  gint64 last_used_us;
  gint64 revoked_us;
} CeTokenRecord;

void ce_token_record_free (CeTokenRecord *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeTokenRecord, ce_token_record_free)

/* @user must exist (NOT_FOUND); @hash unique (DUPLICATE). */
gboolean ce_registry_add_token (CeRegistry *self, const char *user,
    const char *label, const char *hash, const char *digest_ha1,
    gint64 expires_us, gint64 *id, GError **error);
/* Returns: (transfer full): the token with this SHA-256 (hex), revoked or
 * not, or %NULL with NOT_FOUND. */
CeTokenRecord *ce_registry_dup_token_by_hash (CeRegistry *self,
    const char *hash, GError **error);
/* Returns: (transfer full) (element-type CeTokenRecord): tokens of @user
 * (nullable: all), by id. */
GPtrArray *ce_registry_list_tokens (CeRegistry *self, const char *user,
    GError **error);
/* NOT_FOUND for an unknown id; revoking twice keeps the first time. */
gboolean ce_registry_revoke_token (CeRegistry *self, gint64 id, GError **error);
gboolean ce_registry_touch_token (CeRegistry *self, gint64 id, gint64 at_us,
    GError **error);

typedef struct
{
  gint64 id;
  gint64 at_us; /* when the row was appended */
  char *user;
  char *camera_id;
  char *protocol;
  char *client;
  char *action;
  gint64 start_us, end_us;
  guint64 bytes;
  char *incident;
  char *reason;
} CeAuditRow;

void ce_audit_row_free (CeAuditRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeAuditRow, ce_audit_row_free)

/* Appends @row (id and at_us are set by the registry; NULL strings are
 * stored as ""); returns the new id or -1 with @error.  The table refuses
 * UPDATE and DELETE (triggers). */
gint64 ce_registry_audit_append (CeRegistry *self, const CeAuditRow *row,
    GError **error);

typedef struct
{
  const char *user;      /* nullable */
  const char *camera_id; /* nullable */
  gint64 since_us;       /* at_us >= since, 0 = any */
  gint64 until_us;       /* at_us < until, 0 = any */
  gint64 after_id;       /* cursor: rows with id > after_id */
  guint limit;           /* 0 = no limit */
} CeAuditQuery;

void ce_audit_query_init (CeAuditQuery *query);

/* Returns: (transfer full) (element-type CeAuditRow): matches by id. */
GPtrArray *ce_registry_audit_query (CeRegistry *self, const CeAuditQuery *query,
    GError **error);

G_END_DECLS
