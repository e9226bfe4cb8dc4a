/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Accounts, API tokens, play tokens, roles and the viewing audit.  Users
 * and token hashes live in the registry database; play tokens are HMACs
 * signed with a key made at each daemon start (never stored).  Use from
 * the main context.
 */
#pragma once

#include <gio/gio.h>

#include "ce-registry.h"
#include "ce-registry-accounts.h"

G_BEGIN_DECLS

#define CE_AUTH_ERROR (ce_auth_error_quark ())
GQuark ce_auth_error_quark (void);

typedef enum
{
  CE_AUTH_ERROR_UNAUTHORIZED, /* unknown, revoked, expired or bad token */
  CE_AUTH_ERROR_FORBIDDEN,    /* known principal, not allowed */
  CE_AUTH_ERROR_INVALID,      /* malformed input (names, options) */
  CE_AUTH_ERROR_STALE,        /* Digest nonce too old: retry with a new one */
} CeAuthError;

typedef enum
{
  CE_ROLE_ADMIN,
  CE_ROLE_OPERATOR,
  CE_ROLE_WALL,
  CE_ROLE_VIEWER,
} CeRole;

#define CE_ROLE_LAST CE_ROLE_VIEWER

const char *ce_role_to_string (CeRole role);
gboolean ce_role_from_string (const char *s, CeRole *out);

/* Every source, as a CeQuery.sources mask. */
#define CE_AUTH_ALL_SOURCES \
  (CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY) | \
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) | CE_SOURCE_BIT (CE_SOURCE_SOCIAL) | \
      CE_SOURCE_BIT (CE_SOURCE_MOBILE))

/* A role's defaults, used when a user is added without --sources or
 * --secrecy (see docs/ARCHITECTURE.md, "Accounts and roles"). */
guint ce_role_default_sources (CeRole role);
int ce_role_default_secrecy (CeRole role);

/* Parses "公安,雪亮" or "public_security,xueliang" or "all" into a mask;
 * FALSE with INVALID naming the bad item. */
gboolean ce_auth_parse_sources (const char *s, guint *out, GError **error);
/* "公安,雪亮" (labels, in source order); "" for none.  Free with g_free. */
char *ce_auth_sources_to_string (guint sources);

/* Refcounted, immutable once made. */
typedef struct
{
  char *user; /* "anonymous" for anonymous access */
  CeRole role;
  guint sources;   /* bit (1 << CeSource) per allowed source, as CeQuery */
  int max_secrecy; /* cameras with secrecy > this are invisible */
  gint64 token_id; /* 0 when not from an API token */
  char *incident;  /* NULL, or the incident a play token was issued for */
  /*< private >*/
  gint refs;
} CePrincipal;

/* Returns: (transfer full) a new principal; @incident is nullable. */
CePrincipal *ce_principal_new (const char *user, CeRole role, guint sources,
    int max_secrecy, gint64 token_id, const char *incident);
CePrincipal *ce_principal_ref (CePrincipal *p);
void ce_principal_unref (CePrincipal *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CePrincipal, ce_principal_unref)

gboolean ce_principal_is_admin (const CePrincipal *p);
gboolean ce_principal_may_see (const CePrincipal *p, const CeCamera *camera);
/**
 * ce_principal_restrict_query:
 * Intersects @query's source and secrecy filters with what @p may see.
 * Returns FALSE when the intersection is empty: nothing can match, and
 * the caller must answer with an empty result without running @query
 * (CeQuery has no way to say "nothing").
 */
G_GNUC_WARN_UNUSED_RESULT gboolean ce_principal_restrict_query (
    const CePrincipal *p, CeQuery *query);

typedef struct
{
  gboolean allow_anonymous; /* default FALSE */
  CeRole anonymous_role;    /* default viewer */
  /* Client networks allowed anonymous access ("127.0.0.0/8", "::1");
   * NULL = loopback only.  NULL-terminated. */
  char **anonymous_from;
  guint anonymous_sources;   /* 0 = the anonymous role's default */
  int anonymous_max_secrecy; /* -1 = the anonymous role's default */
  guint play_token_ttl_s;    /* default 60 */
  char *realm;               /* RTSP Digest/Basic realm, default "cityeye" */
} CeAuthConfig;

void ce_auth_config_init (CeAuthConfig *config);
void ce_auth_config_clear (CeAuthConfig *config);

typedef struct _CeAuth CeAuth;

/* @registry: (transfer none): must outlive the auth.  Fails with INVALID
 * for a bad anonymous_from entry. */
CeAuth *ce_auth_new (CeRegistry *registry, const CeAuthConfig *config,
    GError **error);
void ce_auth_free (CeAuth *auth);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeAuth, ce_auth_free)

CeRegistry *ce_auth_get_registry (CeAuth *auth);
const CeAuthConfig *ce_auth_get_config (CeAuth *auth);

/**
 * ce_auth_verify_token:
 * An API token ("Authorization: Bearer T" over HTTP; Basic/Digest
 * password or ?token= over RTSP).  Updates its last-used time.
 * Returns: (transfer full): the principal, or %NULL with UNAUTHORIZED for
 * unknown, revoked or expired tokens and disabled users.
 */
CePrincipal *ce_auth_verify_token (CeAuth *auth, const char *token,
    GError **error);

/* Anonymous principal when the config allows it for this client address,
 * else NULL. */
CePrincipal *ce_auth_anonymous (CeAuth *auth, GInetAddress *client);

/**
 * ce_auth_issue_play_token:
 * A short-lived token bound to @p and @camera_id (HMAC-SHA256, not
 * stored), base64url; ttl from the config.  @incident nullable.
 * Returns: (transfer full): the token; *expires_at_us (nullable) gets its
 * expiry, real time in µs.
 */
char *ce_auth_issue_play_token (CeAuth *auth, const CePrincipal *p,
    const char *camera_id, const char *incident, gint64 *expires_at_us);
/* Returns: (transfer full): the principal the token was issued to, or
 * %NULL with UNAUTHORIZED (bad signature, expired, other camera, user
 * since disabled or removed). */
CePrincipal *ce_auth_verify_play_token (CeAuth *auth, const char *token,
    const char *camera_id, GError **error);

/* ---- RTSP (and HTTP) Authorization headers ---------------------------- */

/**
 * ce_auth_verify_authorization:
 * Checks an RTSP/HTTP "Authorization" header value: "Basic b64(user:T)"
 * or "Digest username=…, response=…" where T is one of the user's API
 * tokens, or "Bearer T".  @method and @uri are those of the request
 * (Digest signs them).
 * Returns: (transfer full): the principal, or %NULL with UNAUTHORIZED or
 * STALE (Digest nonce expired: challenge again with stale=true).
 */
CePrincipal *ce_auth_verify_authorization (CeAuth *auth, const char *header,
    const char *method, const char *uri, GError **error);

/* The WWW-Authenticate values to send with a 401 (Digest first, then
 * Basic), NULL-terminated; @stale marks the Digest one stale=true. */
GStrv ce_auth_challenges (CeAuth *auth, gboolean stale);

/* ---- account administration (CLI, admin API) -------------------------- */

/* User names: 1–64 of [A-Za-z0-9._-] and not "anonymous". */
gboolean ce_auth_user_name_valid (const char *name, GError **error);

/**
 * ce_auth_create_token:
 * Makes a 256-bit random API token for @user (must exist and be enabled),
 * stores its SHA-256 and its Digest HA1, and returns the token: the only
 * time it is ever seen.  @label nullable; @expires_at_us 0 = never.
 * Returns: (transfer full): the token, or %NULL with @error; *id gets its
 * row id.
 */
char *ce_auth_create_token (CeAuth *auth, const char *user, const char *label,
    gint64 expires_at_us, gint64 *id, GError **error);

/* Same, without a CeAuth (the CLI): @realm as in the daemon's config. */
char *ce_auth_create_token_in (CeRegistry *registry, const char *realm,
    const char *user, const char *label, gint64 expires_at_us, gint64 *id,
    GError **error);

/* SHA-256 of a token, lower-case hex: what the database keeps. */
char *ce_auth_hash_token (const char *token);

/* ---- viewing audit ---------------------------------------------------- */

typedef struct
{
  const char *user;
  const char *camera_id;
  const char
      *protocol; /* "rtsp", "http", "ws", "flv", "hls", "jpeg", "grant" */
  const char *client;
  const char *action;      /* "grant", "start", "stop", "snapshot", "deny" */
  gint64 start_us, end_us; /* real time; 0 = not applicable */
  guint64 bytes;
  const char *incident;
  const char *reason;
} CeAuditRecord;

/* Appends a row; returns its id, or -1 with @error. */
gint64 ce_auth_audit_append (CeAuth *auth, const CeAuditRecord *rec,
    GError **error);

/* Query: ce_audit_query_init() then set filters; see
 * ce-registry-accounts.h for CeAuditQuery and CeAuditRow. */
GPtrArray *ce_auth_audit_query (CeAuth *auth, const CeAuditQuery *query,
    GError **error);

G_END_DECLS
