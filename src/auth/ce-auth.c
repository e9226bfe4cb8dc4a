/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Roles, principals, API tokens (SHA-256 at rest, Digest HA1 beside it),
 * play tokens (HMAC-SHA256, key made at start), anonymous access and the
 * viewing audit.  Nothing here ever logs a token or a password.
 */
#include "ce-auth.h"
#include "ce-auth-private.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

G_DEFINE_QUARK (cityeye_auth_error, ce_auth_error)

#define TOKEN_PREFIX "cet_"
#define TOKEN_BYTES 32
#define KEY_BYTES 32
/* A Digest nonce is good this long; then the client is told stale=true. */
#define NONCE_TTL_US (300 * G_USEC_PER_SEC)
/* last_used_at is written at most this often per token: a write per
 * request would be an fsync per request. */
#define TOUCH_INTERVAL_US (60 * G_USEC_PER_SEC)

struct _CeAuth
{
  CeRegistry *registry; /* borrowed */
  CeAuthConfig config;
  GPtrArray *anonymous_from; /* GInetAddressMask; empty = loopback */
  guint8 key[KEY_BYTES];     /* play tokens and nonces; never stored */
  GHashTable *touched;       /* token id → last_used written (µs) */
};

/* ---- roles ------------------------------------------------------------ */

static const char *const role_names[] = {"admin", "operator", "wall", "viewer"};

const char *
ce_role_to_string (CeRole role)
{
  if ((guint) role > CE_ROLE_LAST)
    return "viewer";
  return role_names[role];
}

gboolean
ce_role_from_string (const char *s, CeRole *out)
{
  if (s == NULL)
    return FALSE;
  for (guint i = 0; i <= CE_ROLE_LAST; i++) {
    if (g_ascii_strcasecmp (s, role_names[i]) == 0) {
      *out = (CeRole) i;
      return TRUE;
    }
  }
  return FALSE;
}

/* Defaults (docs/ARCHITECTURE.md, "Accounts and roles"): 公安 cameras are
 * the police's, shared by agreement, so only admins see them unless a
 * user is granted them; 涉密 (secrecy 1) likewise. */
guint
ce_role_default_sources (CeRole role)
{
  switch (role) {
    case CE_ROLE_ADMIN:
      return CE_AUTH_ALL_SOURCES;
    case CE_ROLE_OPERATOR:
    case CE_ROLE_WALL:
      return CE_SOURCE_BIT (CE_SOURCE_XUELIANG) |
          CE_SOURCE_BIT (CE_SOURCE_SOCIAL) | CE_SOURCE_BIT (CE_SOURCE_MOBILE);
    case CE_ROLE_VIEWER:
    default:
      return CE_SOURCE_BIT (CE_SOURCE_SOCIAL);
  }
}

int
ce_role_default_secrecy (CeRole role)
{
  return role == CE_ROLE_ADMIN ? 1 : 0;
}

gboolean
ce_auth_parse_sources (const char *s, guint *out, GError **error)
{
  g_auto (GStrv) items = NULL;
  guint mask = 0;

  g_return_val_if_fail (s != NULL, FALSE);

  if (g_ascii_strcasecmp (s, "all") == 0) {
    *out = CE_AUTH_ALL_SOURCES;
    return TRUE;
  }
  /* Both ASCII and full-width commas (typed with a Chinese IME). */
  {
    g_autofree char *norm = NULL;
    GString *g = g_string_new (s);

    g_string_replace (g, "，", ",", 0);
    g_string_replace (g, "、", ",", 0);
    norm = g_string_free (g, FALSE);
    items = g_strsplit (norm, ",", 16);
  }
  for (guint i = 0; items[i] != NULL; i++) {
    CeSource src;
    char *item = g_strstrip (items[i]);

    if (*item == '\0')
      continue;
    if (!ce_source_from_string (item, &src)) {
      g_autofree char *shown =
          g_utf8_make_valid (item, MIN (strlen (item), 32));

      g_set_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
          "Unknown source “%s” (use 公安, 雪亮, 社会面, 单兵, their keys "
          "public_security, xueliang, social, mobile, or all)",
          shown);
      return FALSE;
    }
    mask |= CE_SOURCE_BIT (src);
  }
  *out = mask;
  return TRUE;
}

char *
ce_auth_sources_to_string (guint sources)
{
  GString *s = g_string_new (NULL);

  for (int src = CE_SOURCE_PUBLIC_SECURITY; src <= CE_SOURCE_LAST; src++) {
    if (!(sources & CE_SOURCE_BIT (src)))
      continue;
    if (s->len > 0)
      g_string_append_c (s, ',');
    g_string_append (s, ce_source_to_label ((CeSource) src));
  }
  return g_string_free (s, FALSE);
}

/* ---- principals ------------------------------------------------------- */

CePrincipal *
ce_principal_new (const char *user, CeRole role, guint sources, int max_secrecy,
    gint64 token_id, const char *incident)
{
  CePrincipal *p = g_new0 (CePrincipal, 1);

  g_return_val_if_fail (user != NULL, NULL);

  p->refs = 1;
  p->user = g_strdup (user);
  p->role = role;
  p->sources = sources & CE_AUTH_ALL_SOURCES;
  p->max_secrecy = max_secrecy;
  p->token_id = token_id;
  p->incident = g_strdup (incident);
  return p;
}

CePrincipal *
ce_principal_ref (CePrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  g_atomic_int_inc (&p->refs);
  return p;
}

void
ce_principal_unref (CePrincipal *p)
{
  if (p == NULL || !g_atomic_int_dec_and_test (&p->refs))
    return;
  g_free (p->user);
  g_free (p->incident);
  g_free (p);
}

gboolean
ce_principal_is_admin (const CePrincipal *p)
{
  return p != NULL && p->role == CE_ROLE_ADMIN;
}

gboolean
ce_principal_may_see (const CePrincipal *p, const CeCamera *camera)
{
  g_return_val_if_fail (p != NULL, FALSE);
  g_return_val_if_fail (camera != NULL, FALSE);

  if (camera->source < CE_SOURCE_PUBLIC_SECURITY ||
      camera->source > CE_SOURCE_LAST)
    return p->role == CE_ROLE_ADMIN;
  return (p->sources & CE_SOURCE_BIT (camera->source)) != 0 &&
      camera->secrecy <= p->max_secrecy;
}

gboolean
ce_principal_restrict_query (const CePrincipal *p, CeQuery *query)
{
  g_return_val_if_fail (p != NULL, FALSE);
  g_return_val_if_fail (query != NULL, FALSE);

  if ((p->sources & CE_AUTH_ALL_SOURCES) == 0)
    return FALSE;
  if (query->sources == 0)
    query->sources = p->sources;
  else
    query->sources &= p->sources;
  if (query->sources == 0)
    return FALSE;
  if (p->max_secrecy < 1) {
    if (query->secrecy > p->max_secrecy)
      return FALSE;
    query->secrecy = MAX (p->max_secrecy, 0);
  }
  return TRUE;
}

/* ---- configuration ---------------------------------------------------- */

void
ce_auth_config_init (CeAuthConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->allow_anonymous = FALSE;
  config->anonymous_role = CE_ROLE_VIEWER;
  config->anonymous_max_secrecy = -1;
  config->play_token_ttl_s = 60;
  config->realm = g_strdup ("cityeye");
}

void
ce_auth_config_clear (CeAuthConfig *config)
{
  g_clear_pointer (&config->anonymous_from, g_strfreev);
  g_clear_pointer (&config->realm, g_free);
}

/* ---- helpers ---------------------------------------------------------- */

static gboolean
random_bytes (guint8 *buf, gsize len)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = getrandom (buf + done, len - done, 0);

    if (n < 0) {
      if (errno == EINTR)
        continue;
      return FALSE;
    }
    done += (gsize) n;
  }
  return TRUE;
}

/* Compares without an early exit: the time taken says nothing about how
 * much of a MAC or response matched. */
static gboolean
equal_ct (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  for (gsize i = 0; i < la && i < lb; i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

static char *
md5_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
}

static char *
digest_ha1 (const char *user, const char *realm, const char *token)
{
  g_autofree char *a1 = g_strdup_printf ("%s:%s:%s", user, realm, token);
  char *ha1 = md5_hex (a1);

  memset (a1, 0, strlen (a1));
  return ha1;
}

static char *
hmac_b64 (CeAuth *auth, const char *data, gsize len)
{
  g_autoptr (GHmac) hmac =
      g_hmac_new (G_CHECKSUM_SHA256, auth->key, sizeof auth->key);
  guint8 mac[32];
  gsize mac_len = sizeof mac;

  g_hmac_update (hmac, (const guchar *) data, (gssize) len);
  g_hmac_get_digest (hmac, mac, &mac_len);
  return ce_base64url_encode (mac, mac_len);
}

char *
ce_auth_hash_token (const char *token)
{
  g_return_val_if_fail (token != NULL, NULL);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* API tokens are "cet_" + 43 base64url characters: anything else is not
 * worth a database lookup. */
static gboolean
token_shaped (const char *token)
{
  gsize len = strlen (token);

  if (len != strlen (TOKEN_PREFIX) + 43 ||
      strncmp (token, TOKEN_PREFIX, strlen (TOKEN_PREFIX)) != 0)
    return FALSE;
  for (const char *p = token + strlen (TOKEN_PREFIX); *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
unauthorized (GError **error, const char *why)
{
  g_set_error_literal (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED, why);
  return FALSE;
}

/* ---- the auth --------------------------------------------------------- */

CeAuth *
ce_auth_new (CeRegistry *registry, const CeAuthConfig *config, GError **error)
{
  g_autoptr (CeAuth) auth = NULL;

  g_return_val_if_fail (CE_IS_REGISTRY (registry), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  auth = g_new0 (CeAuth, 1);
  auth->registry = registry;
  auth->config = *config;
  auth->config.anonymous_from = g_strdupv (config->anonymous_from);
  auth->config.realm =
      g_strdup (config->realm != NULL ? config->realm : "cityeye");
  auth->anonymous_from = g_ptr_array_new_with_free_func (g_object_unref);
  auth->touched =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  if (auth->config.play_token_ttl_s == 0)
    auth->config.play_token_ttl_s = 60;
  for (guint i = 0;
       config->anonymous_from != NULL && config->anonymous_from[i] != NULL;
       i++) {
    g_autoptr (GError) local = NULL;
    GInetAddressMask *mask =
        g_inet_address_mask_new_from_string (config->anonymous_from[i], &local);

    if (mask == NULL) {
      g_set_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
          "anonymous_from: “%s” is not an address or network (%s)",
          config->anonymous_from[i], local->message);
      return NULL;
    }
    g_ptr_array_add (auth->anonymous_from, mask);
  }
  if (!random_bytes (auth->key, sizeof auth->key)) {
    g_set_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
        "Cannot read random bytes for the play token key: %s",
        g_strerror (errno));
    return NULL;
  }
  return g_steal_pointer (&auth);
}

void
ce_auth_free (CeAuth *auth)
{
  if (auth == NULL)
    return;
  memset (auth->key, 0, sizeof auth->key);
  ce_auth_config_clear (&auth->config);
  g_ptr_array_unref (auth->anonymous_from);
  g_hash_table_unref (auth->touched);
  g_free (auth);
}

CeRegistry *
ce_auth_get_registry (CeAuth *auth)
{
  return auth->registry;
}

const CeAuthConfig *
ce_auth_get_config (CeAuth *auth)
{
  return &auth->config;
}

gboolean
ce_auth_user_name_valid (const char *name, GError **error)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > 64) {
    g_set_error_literal (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
        "User names are 1 to 64 characters long");
    return FALSE;
  }
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' &&
        name[i] != '-') {
      g_set_error_literal (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
          "User names may only contain letters, digits, '.', '_' and '-'");
      return FALSE;
    }
  }
  if (g_ascii_strcasecmp (name, "anonymous") == 0) {
    g_set_error_literal (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
        "“anonymous” is reserved for anonymous access");
    return FALSE;
  }
  return TRUE;
}

/* The user behind a token or play token, if it still may log in. */
static CePrincipal *
principal_for_user (CeAuth *auth, const char *name, gint64 token_id,
    const char *incident, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (CeUser) user = ce_registry_dup_user (auth->registry, name, &local);
  CeRole role;

  if (user == NULL) {
    if (g_error_matches (local, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND))
      unauthorized (error, "Unknown user");
    else
      g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  if (user->disabled) {
    unauthorized (error, "The user is disabled");
    return NULL;
  }
  if (!ce_role_from_string (user->role, &role)) {
    unauthorized (error, "The user has an unknown role");
    return NULL;
  }
  return ce_principal_new (user->name, role, user->sources, user->max_secrecy,
      token_id, incident);
}

/* Checks a token record's state; on success makes the principal. */
static CePrincipal *
principal_for_token (CeAuth *auth, const CeTokenRecord *t, GError **error)
{
  gint64 now = g_get_real_time ();
  gint64 *last;

  if (t->revoked_us != 0) {
    unauthorized (error, "The token has been revoked");
    return NULL;
  }
  if (t->expires_us != 0 && t->expires_us <= now) {
    unauthorized (error, "The token has expired");
    return NULL;
  }
  last = g_hash_table_lookup (auth->touched, &t->id);
  if (last == NULL || now - *last >= TOUCH_INTERVAL_US) {
    g_autoptr (GError) local = NULL;

    /* Best effort: a read-only or busy database must not refuse a
     * valid viewer. */
    if (!ce_registry_touch_token (auth->registry, t->id, now, &local))
      g_debug ("token %" G_GINT64_FORMAT ": last use not recorded: %s", t->id,
          local->message);
    g_hash_table_insert (auth->touched, g_memdup2 (&t->id, sizeof t->id),
        g_memdup2 (&now, sizeof now));
  }
  return principal_for_user (auth, t->user, t->id, NULL, error);
}

CePrincipal *
ce_auth_verify_token (CeAuth *auth, const char *token, GError **error)
{
  g_autofree char *hash = NULL;
  g_autoptr (CeTokenRecord) t = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (auth != NULL, NULL);

  if (token == NULL || !token_shaped (token)) {
    unauthorized (error, "Not an API token");
    return NULL;
  }
  hash = ce_auth_hash_token (token);
  t = ce_registry_dup_token_by_hash (auth->registry, hash, &local);
  if (t == NULL) {
    if (g_error_matches (local, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND))
      unauthorized (error, "Unknown token");
    else
      g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  return principal_for_token (auth, t, error);
}

CePrincipal *
ce_auth_anonymous (CeAuth *auth, GInetAddress *client)
{
  gboolean allowed = FALSE;

  g_return_val_if_fail (auth != NULL, NULL);

  if (!auth->config.allow_anonymous || client == NULL)
    return NULL;
  if (auth->anonymous_from->len == 0) {
    allowed = g_inet_address_get_is_loopback (client);
  } else {
    for (guint i = 0; i < auth->anonymous_from->len && !allowed; i++)
      allowed =
          g_inet_address_mask_matches (auth->anonymous_from->pdata[i], client);
  }
  if (!allowed)
    return NULL;
  return ce_principal_new ("anonymous", auth->config.anonymous_role,
      auth->config.anonymous_sources != 0
          ? auth->config.anonymous_sources
          : ce_role_default_sources (auth->config.anonymous_role),
      auth->config.anonymous_max_secrecy >= 0
          ? auth->config.anonymous_max_secrecy
          : ce_role_default_secrecy (auth->config.anonymous_role),
      0, NULL);
}

/* ---- play tokens ------------------------------------------------------ */

char *
ce_auth_issue_play_token (CeAuth *auth, const CePrincipal *p,
    const char *camera_id, const char *incident, gint64 *expires_at_us)
{
  CePlayTokenFields f = {0};
  g_autofree char *payload = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *incident_ok = NULL;

  g_return_val_if_fail (auth != NULL && p != NULL, NULL);
  g_return_val_if_fail (camera_id != NULL && strlen (camera_id) == 20, NULL);

  if (incident == NULL)
    incident = p->incident;
  if (incident != NULL && *incident != '\0') {
    /* Valid UTF-8, cut at a character boundary within the bound. */
    g_autofree char *valid = g_utf8_make_valid (incident, -1);
    const char *end = valid;

    while (*end != '\0') {
      const char *next = g_utf8_next_char (end);

      if ((gsize) (next - valid) > CE_AUTH_MAX_INCIDENT)
        break;
      end = next;
    }
    incident_ok = g_strndup (valid, (gsize) (end - valid));
  }
  f.user = p->user;
  f.role = (int) p->role;
  f.sources = p->sources;
  f.max_secrecy = CLAMP (p->max_secrecy, 0, 1);
  f.token_id = MAX (p->token_id, 0);
  f.camera_id = (char *) camera_id;
  f.expires_us = g_get_real_time () +
      (gint64) auth->config.play_token_ttl_s * G_USEC_PER_SEC;
  f.incident = incident_ok;
  payload = ce_play_token_payload_build (&f);
  payload_b64 =
      ce_base64url_encode ((const guint8 *) payload, strlen (payload));
  mac = hmac_b64 (auth, payload_b64, strlen (payload_b64));
  if (expires_at_us != NULL)
    *expires_at_us = f.expires_us;
  return g_strdup_printf ("%s.%s", payload_b64, mac);
}

CePrincipal *
ce_auth_verify_play_token (CeAuth *auth, const char *token,
    const char *camera_id, GError **error)
{
  const char *dot;
  g_autofree char *mac = NULL;
  g_autofree guint8 *payload = NULL;
  gsize payload_len = 0;
  CePlayTokenFields f;
  CePrincipal *p = NULL;

  g_return_val_if_fail (auth != NULL, NULL);

  if (token == NULL || strlen (token) > 2048 ||
      (dot = strchr (token, '.')) == NULL) {
    unauthorized (error, "Not a play token");
    return NULL;
  }
  mac = hmac_b64 (auth, token, (gsize) (dot - token));
  if (!equal_ct (mac, dot + 1)) {
    unauthorized (error,
        "Bad play token signature (or issued before the "
        "gateway restarted)");
    return NULL;
  }
  payload = ce_base64url_decode (token, (gsize) (dot - token), &payload_len);
  if (payload == NULL ||
      !ce_play_token_payload_parse ((const char *) payload, payload_len, &f)) {
    unauthorized (error, "Malformed play token");
    return NULL;
  }
  if (f.expires_us <= g_get_real_time ()) {
    unauthorized (error, "The play token has expired");
  } else if (camera_id == NULL || strcmp (camera_id, f.camera_id) != 0) {
    unauthorized (error, "The play token is for another camera");
  } else if (strcmp (f.user, "anonymous") == 0) {
    p = ce_principal_new (f.user, (CeRole) MIN (f.role, CE_ROLE_LAST),
        f.sources, f.max_secrecy, 0, f.incident);
  } else {
    /* Current rights: a user disabled or narrowed since issue gets no
     * more than it has now. */
    p = principal_for_user (auth, f.user, f.token_id, f.incident, error);
  }
  ce_play_token_fields_clear (&f);
  return p;
}

/* ---- Authorization headers -------------------------------------------- */

static char *
make_nonce (CeAuth *auth, gint64 at)
{
  g_autofree char *ts = g_strdup_printf ("%" G_GINT64_MODIFIER "x", at);
  g_autofree char *mac = hmac_b64 (auth, ts, strlen (ts));

  /* 22 characters of MAC: 132 bits. */
  mac[22] = '\0';
  return g_strdup_printf ("%s.%s", ts, mac);
}

/* TRUE when the nonce is ours; *stale when it is ours but too old. */
static gboolean
check_nonce (CeAuth *auth, const char *nonce, gboolean *stale)
{
  const char *dot = strchr (nonce, '.');
  g_autofree char *ts = NULL;
  g_autofree char *expected = NULL;
  gint64 at;
  char *end = NULL;

  *stale = FALSE;
  if (dot == NULL || dot == nonce || dot - nonce > 16)
    return FALSE;
  ts = g_strndup (nonce, (gsize) (dot - nonce));
  for (const char *p = ts; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  at = (gint64) g_ascii_strtoull (ts, &end, 16);
  expected = make_nonce (auth, at);
  if (!equal_ct (expected, nonce))
    return FALSE;
  if (g_get_real_time () - at > NONCE_TTL_US || at > g_get_real_time ())
    *stale = TRUE;
  return TRUE;
}

GStrv
ce_auth_challenges (CeAuth *auth, gboolean stale)
{
  g_autofree char *nonce = make_nonce (auth, g_get_real_time ());
  GStrv out = g_new0 (char *, 3);

  out[0] = g_strdup_printf ("Digest realm=\"%s\", nonce=\"%s\", "
                            "algorithm=MD5%s",
      auth->config.realm, nonce, stale ? ", stale=true" : "");
  out[1] = g_strdup_printf ("Basic realm=\"%s\"", auth->config.realm);
  return out;
}

static CePrincipal *
verify_digest (CeAuth *auth, const CeAuthHeader *h, const char *method,
    const char *uri, GError **error)
{
  GHashTable *params = h->params;
  const char *realm = g_hash_table_lookup (params, "realm");
  const char *nonce = g_hash_table_lookup (params, "nonce");
  const char *duri = g_hash_table_lookup (params, "uri");
  const char *response = g_hash_table_lookup (params, "response");
  const char *algorithm = g_hash_table_lookup (params, "algorithm");
  const char *qop = g_hash_table_lookup (params, "qop");
  const char *nc = g_hash_table_lookup (params, "nc");
  const char *cnonce = g_hash_table_lookup (params, "cnonce");
  g_autofree char *a2 = NULL;
  g_autofree char *ha2 = NULL;
  g_autoptr (GPtrArray) tokens = NULL;
  g_autoptr (GError) local = NULL;
  gboolean stale = FALSE;

  if (realm == NULL || strcmp (realm, auth->config.realm) != 0) {
    unauthorized (error, "Digest: wrong realm");
    return NULL;
  }
  if (algorithm != NULL && g_ascii_strcasecmp (algorithm, "MD5") != 0) {
    unauthorized (error, "Digest: only MD5 is supported");
    return NULL;
  }
  if (qop != NULL &&
      (strcmp (qop, "auth") != 0 || nc == NULL || cnonce == NULL)) {
    unauthorized (error, "Digest: unsupported qop");
    return NULL;
  }
  /* The response signs the URI: it must be this request's. */
  if (uri == NULL || strcmp (duri, uri) != 0) {
    unauthorized (error, "Digest: the signed URI is not the request's");
    return NULL;
  }
  if (!check_nonce (auth, nonce, &stale)) {
    unauthorized (error, "Digest: unknown nonce");
    return NULL;
  }
  a2 = g_strdup_printf ("%s:%s", method, duri);
  ha2 = md5_hex (a2);
  tokens = ce_registry_list_tokens (auth->registry, h->user, &local);
  if (tokens == NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  /* One user may hold several tokens: any of them may be the password. */
  for (guint i = 0; i < tokens->len; i++) {
    const CeTokenRecord *t = tokens->pdata[i];
    g_autofree char *kd = NULL;
    g_autofree char *expected = NULL;

    if (qop != NULL)
      kd = g_strdup_printf ("%s:%s:%s:%s:%s:%s", t->digest_ha1, nonce, nc,
          cnonce, qop, ha2);
    else
      kd = g_strdup_printf ("%s:%s:%s", t->digest_ha1, nonce, ha2);
    expected = md5_hex (kd);
    if (!equal_ct (expected, response))
      continue;
    if (stale) {
      g_set_error_literal (error, CE_AUTH_ERROR, CE_AUTH_ERROR_STALE,
          "Digest: stale nonce");
      return NULL;
    }
    return principal_for_token (auth, t, error);
  }
  unauthorized (error, "Digest: wrong user name or token");
  return NULL;
}

CePrincipal *
ce_auth_verify_authorization (CeAuth *auth, const char *header,
    const char *method, const char *uri, GError **error)
{
  CeAuthHeader h;
  CePrincipal *p = NULL;

  g_return_val_if_fail (auth != NULL, NULL);

  if (!ce_auth_header_parse (header, &h)) {
    unauthorized (error, "Malformed Authorization header");
    return NULL;
  }
  switch (h.scheme) {
    case CE_AUTH_SCHEME_BASIC:
      p = ce_auth_verify_token (auth, h.password, error);
      /* The user name must be the token's: a token found under another
       * name is a mistake or a probe. */
      if (p != NULL && strcmp (p->user, h.user) != 0) {
        g_clear_pointer (&p, ce_principal_unref);
        unauthorized (error, "Basic: the token belongs to another user");
      }
      break;
    case CE_AUTH_SCHEME_BEARER:
      p = ce_auth_verify_token (auth, h.token, error);
      break;
    case CE_AUTH_SCHEME_DIGEST:
      if (method == NULL) {
        unauthorized (error, "Digest needs the request method");
        break;
      }
      p = verify_digest (auth, &h, method, uri, error);
      break;
    default:
      unauthorized (error, "Unknown scheme");
      break;
  }
  ce_auth_header_clear (&h);
  return p;
}

/* ---- administration --------------------------------------------------- */

char *
ce_auth_create_token_in (CeRegistry *registry, const char *realm,
    const char *user, const char *label, gint64 expires_at_us, gint64 *id,
    GError **error)
{
  guint8 raw[TOKEN_BYTES];
  g_autofree char *b64 = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *ha1 = NULL;
  g_autoptr (CeUser) u = NULL;

  g_return_val_if_fail (CE_IS_REGISTRY (registry), NULL);
  g_return_val_if_fail (user != NULL, NULL);

  if (realm == NULL)
    realm = "cityeye";
  u = ce_registry_dup_user (registry, user, error);
  if (u == NULL)
    return NULL;
  if (u->disabled) {
    g_set_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
        "User “%s” is disabled", user);
    return NULL;
  }
  if (label != NULL &&
      (strlen (label) > 128 || !g_utf8_validate (label, -1, NULL))) {
    g_set_error_literal (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
        "Labels are valid UTF-8, at most 128 bytes");
    return NULL;
  }
  if (!random_bytes (raw, sizeof raw)) {
    g_set_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID,
        "Cannot read random bytes: %s", g_strerror (errno));
    return NULL;
  }
  b64 = ce_base64url_encode (raw, sizeof raw);
  memset (raw, 0, sizeof raw);
  token = g_strconcat (TOKEN_PREFIX, b64, NULL);
  memset (b64, 0, strlen (b64));
  hash = ce_auth_hash_token (token);
  ha1 = digest_ha1 (u->name, realm, token);
  if (!ce_registry_add_token (registry, u->name, label, hash, ha1,
          expires_at_us, id, error)) {
    memset (token, 0, strlen (token));
    return NULL;
  }
  return g_steal_pointer (&token);
}

char *
ce_auth_create_token (CeAuth *auth, const char *user, const char *label,
    gint64 expires_at_us, gint64 *id, GError **error)
{
  g_return_val_if_fail (auth != NULL, NULL);
  return ce_auth_create_token_in (auth->registry, auth->config.realm, user,
      label, expires_at_us, id, error);
}

/* ---- audit ------------------------------------------------------------ */

gint64
ce_auth_audit_append (CeAuth *auth, const CeAuditRecord *rec, GError **error)
{
  CeAuditRow row = {0};

  g_return_val_if_fail (auth != NULL && rec != NULL, -1);
  g_return_val_if_fail (rec->action != NULL && rec->protocol != NULL, -1);

  row.user = (char *) (rec->user != NULL ? rec->user : "");
  row.camera_id = (char *) rec->camera_id;
  row.protocol = (char *) rec->protocol;
  row.client = (char *) rec->client;
  row.action = (char *) rec->action;
  row.start_us = rec->start_us;
  row.end_us = rec->end_us;
  row.bytes = rec->bytes;
  row.incident = (char *) rec->incident;
  row.reason = (char *) rec->reason;
  return ce_registry_audit_append (auth->registry, &row, error);
}

GPtrArray *
ce_auth_audit_query (CeAuth *auth, const CeAuditQuery *query, GError **error)
{
  g_return_val_if_fail (auth != NULL, NULL);
  return ce_registry_audit_query (auth->registry, query, error);
}
