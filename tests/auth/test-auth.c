/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * src/auth and the account/audit storage: roles and their defaults,
 * principals, API tokens (hash at rest, revocation, expiry), play tokens
 * (expiry, binding, tampering, another key), Authorization headers
 * (Basic, Digest, Bearer), anonymous access, the append-only audit.
 */
#include "ce-auth.h"
#include "ce-auth-private.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#define CAM_SOCIAL "31011300001320000001"
#define CAM_POLICE "31011300001320000002"
#define CAM_SECRET "31011300001320000003"

typedef struct
{
  char *dir;
  char *path;
  CeRegistry *registry;
  CeAuth *auth;
} Fixture;

static void
add_camera (Fixture *f, const char *id, CeSource source, int secrecy)
{
  g_autoptr (CeCamera) c = ce_camera_new ();
  g_autoptr (GError) error = NULL;

  c->id = g_strdup (id);
  c->name = g_strdup ("测试");
  c->source = source;
  c->secrecy = secrecy;
  c->lon = 121.4;
  c->lat = 31.3;
  c->rtsp_url = g_strdup ("rtsp://127.0.0.1:9/cam/x");
  g_assert_true (ce_registry_add_camera (f->registry, c, &error));
  g_assert_no_error (error);
}

static void
add_user (Fixture *f, const char *name, CeRole role, guint sources, int secrecy)
{
  CeUser u = {0};
  g_autoptr (GError) error = NULL;

  u.name = (char *) name;
  u.role = (char *) ce_role_to_string (role);
  u.sources = sources;
  u.max_secrecy = secrecy;
  g_assert_true (ce_registry_add_user (f->registry, &u, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  CeAuthConfig config;

  f->dir = g_dir_make_tmp ("cityeye-auth-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "registry.db", NULL);
  f->registry = ce_registry_open (f->path, 0, &error);
  g_assert_no_error (error);
  ce_auth_config_init (&config);
  f->auth = ce_auth_new (f->registry, &config, &error);
  g_assert_no_error (error);
  ce_auth_config_clear (&config);
  add_camera (f, CAM_SOCIAL, CE_SOURCE_SOCIAL, 0);
  add_camera (f, CAM_POLICE, CE_SOURCE_PUBLIC_SECURITY, 0);
  add_camera (f, CAM_SECRET, CE_SOURCE_SOCIAL, 1);
  add_user (f, "alice", CE_ROLE_OPERATOR,
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) | CE_SOURCE_BIT (CE_SOURCE_SOCIAL), 0);
  add_user (f, "root", CE_ROLE_ADMIN, CE_AUTH_ALL_SOURCES, 1);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) d = NULL;
  const char *name;

  ce_auth_free (f->auth);
  g_object_unref (f->registry);
  d = g_dir_open (f->dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (f->dir, name, NULL);
    g_unlink (p);
  }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* strstr over binary data (a database file has NUL bytes). */
static gboolean
contains (const char *data, gsize len, const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static CeCamera *
camera (Fixture *f, const char *id)
{
  g_autoptr (GError) error = NULL;
  CeCamera *c = ce_registry_dup_camera (f->registry, id, &error);

  g_assert_no_error (error);
  return c;
}

static char *
create_token (Fixture *f, const char *user, gint64 expires, gint64 *id)
{
  g_autoptr (GError) error = NULL;
  char *t = ce_auth_create_token (f->auth, user, "test", expires, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

/* ---- roles and principals --------------------------------------------- */

static void
test_roles (void)
{
  CeRole r;
  g_autoptr (GError) error = NULL;
  guint mask = 0;
  g_autofree char *s = NULL;

  for (CeRole i = CE_ROLE_ADMIN; i <= CE_ROLE_LAST; i++) {
    g_assert_true (ce_role_from_string (ce_role_to_string (i), &r));
    g_assert_cmpint (r, ==, i);
  }
  g_assert_false (ce_role_from_string ("root", &r));
  g_assert_false (ce_role_from_string (NULL, &r));
  /* The documented defaults. */
  g_assert_cmpuint (ce_role_default_sources (CE_ROLE_ADMIN), ==,
      CE_AUTH_ALL_SOURCES);
  g_assert_cmpint (ce_role_default_secrecy (CE_ROLE_ADMIN), ==, 1);
  g_assert_false (ce_role_default_sources (CE_ROLE_OPERATOR) &
      CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY));
  g_assert_true (ce_role_default_sources (CE_ROLE_OPERATOR) &
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG));
  g_assert_cmpuint (ce_role_default_sources (CE_ROLE_WALL), ==,
      ce_role_default_sources (CE_ROLE_OPERATOR));
  g_assert_cmpuint (ce_role_default_sources (CE_ROLE_VIEWER), ==,
      CE_SOURCE_BIT (CE_SOURCE_SOCIAL));
  for (CeRole i = CE_ROLE_OPERATOR; i <= CE_ROLE_LAST; i++)
    g_assert_cmpint (ce_role_default_secrecy (i), ==, 0);

  g_assert_true (ce_auth_parse_sources ("雪亮，社会面", &mask, &error));
  g_assert_cmpuint (mask, ==,
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) | CE_SOURCE_BIT (CE_SOURCE_SOCIAL));
  g_assert_true (
      ce_auth_parse_sources ("public_security, mobile", &mask, &error));
  g_assert_cmpuint (mask, ==,
      CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY) |
          CE_SOURCE_BIT (CE_SOURCE_MOBILE));
  g_assert_true (ce_auth_parse_sources ("all", &mask, &error));
  g_assert_cmpuint (mask, ==, CE_AUTH_ALL_SOURCES);
  g_assert_false (ce_auth_parse_sources ("公安,交警", &mask, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "交警"));
  s = ce_auth_sources_to_string (CE_AUTH_ALL_SOURCES);
  g_assert_cmpstr (s, ==, "公安,雪亮,社会面,单兵");
}

static void
test_principal (Fixture *f, gconstpointer data)
{
  g_autoptr (CePrincipal) op = ce_principal_new ("alice", CE_ROLE_OPERATOR,
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) | CE_SOURCE_BIT (CE_SOURCE_SOCIAL), 0,
      0, NULL);
  g_autoptr (CePrincipal) admin =
      ce_principal_new ("root", CE_ROLE_ADMIN, CE_AUTH_ALL_SOURCES, 1, 0, NULL);
  g_autoptr (CeCamera) social = camera (f, CAM_SOCIAL);
  g_autoptr (CeCamera) police = camera (f, CAM_POLICE);
  g_autoptr (CeCamera) secret = camera (f, CAM_SECRET);
  g_autoptr (GPtrArray) seen = NULL;
  g_autoptr (GError) error = NULL;
  CeQuery q;

  g_assert_true (ce_principal_may_see (op, social));
  g_assert_false (ce_principal_may_see (op, police));
  g_assert_false (ce_principal_may_see (op, secret));
  g_assert_true (ce_principal_may_see (admin, police));
  g_assert_true (ce_principal_may_see (admin, secret));
  g_assert_false (ce_principal_is_admin (op));
  g_assert_true (ce_principal_is_admin (admin));

  /* No filter: the operator's list holds exactly what it may see. */
  ce_query_init (&q);
  g_assert_true (ce_principal_restrict_query (op, &q));
  seen = ce_registry_query (f->registry, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpstr (((CeCamera *) seen->pdata[0])->id, ==, CAM_SOCIAL);
  /* Asking for 公安 only, or for secret cameras only: nothing. */
  ce_query_init (&q);
  q.sources = CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY);
  g_assert_false (ce_principal_restrict_query (op, &q));
  ce_query_init (&q);
  q.secrecy = 1;
  g_assert_false (ce_principal_restrict_query (op, &q));
  /* A partly allowed filter is narrowed. */
  ce_query_init (&q);
  q.sources = CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY) |
      CE_SOURCE_BIT (CE_SOURCE_SOCIAL);
  g_assert_true (ce_principal_restrict_query (op, &q));
  g_assert_cmpuint (q.sources, ==, CE_SOURCE_BIT (CE_SOURCE_SOCIAL));
  g_assert_cmpint (q.secrecy, ==, 0);
  /* The admin's query is unchanged. */
  ce_query_init (&q);
  g_assert_true (ce_principal_restrict_query (admin, &q));
  g_assert_cmpint (q.secrecy, ==, -1);
  g_clear_pointer (&seen, g_ptr_array_unref);
  seen = ce_registry_query (f->registry, &q, &error);
  g_assert_cmpuint (seen->len, ==, 3);
}

/* ---- storage and API tokens -------------------------------------------- */

static void
test_users (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) users = NULL;
  g_autoptr (GPtrArray) tokens = NULL;
  g_autoptr (CeUser) alice = NULL;
  g_autofree char *t = NULL;
  CeUser dup = {0};

  alice = ce_registry_dup_user (f->registry, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alice->role, ==, "operator");
  g_assert_cmpint (alice->max_secrecy, ==, 0);
  g_assert_cmpint (alice->created_us, >, 0);
  dup.name = (char *) "alice";
  dup.role = (char *) "viewer";
  g_assert_false (ce_registry_add_user (f->registry, &dup, NULL, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE);
  g_clear_error (&error);
  /* The schema refuses unknown roles. */
  dup.name = (char *) "bob";
  dup.role = (char *) "superuser";
  g_assert_false (ce_registry_add_user (f->registry, &dup, NULL, &error));
  g_clear_error (&error);
  users = ce_registry_list_users (f->registry, &error);
  g_assert_cmpuint (users->len, ==, 2);
  g_assert_cmpstr (((CeUser *) users->pdata[0])->name, ==, "alice");

  g_assert_true (ce_auth_user_name_valid ("wall-1.hall_2", NULL));
  g_assert_false (ce_auth_user_name_valid ("anonymous", NULL));
  g_assert_false (ce_auth_user_name_valid ("a b", NULL));
  g_assert_false (ce_auth_user_name_valid ("", NULL));
  g_assert_false (ce_auth_user_name_valid ("alice:x", NULL));

  /* Removing a user removes its tokens. */
  t = create_token (f, "alice", 0, NULL);
  g_assert_true (ce_registry_remove_user (f->registry, "alice", &error));
  g_assert_no_error (error);
  tokens = ce_registry_list_tokens (f->registry, NULL, &error);
  g_assert_cmpuint (tokens->len, ==, 0);
  g_assert_null (ce_auth_verify_token (f->auth, t, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  g_assert_false (ce_registry_remove_user (f->registry, "alice", &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (
      ce_auth_create_token (f->auth, "nobody", NULL, 0, NULL, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
}

/* The database never holds a token: only its SHA-256 and the Digest HA1. */
static void
test_token_hashed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *t = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (CePrincipal) p = NULL;
  g_autoptr (CeTokenRecord) rec = NULL;
  g_autofree char *abc = ce_auth_hash_token ("abc");
  gsize len = 0;
  gint64 id = 0;

  /* FIPS 180-2 test vector. */
  g_assert_cmpstr (abc, ==,
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  t = create_token (f, "alice", 0, &id);
  g_assert_cmpint (id, >, 0);
  g_assert_true (g_str_has_prefix (t, "cet_"));
  g_assert_cmpuint (strlen (t), ==, 4 + 43); /* 256 bits */
  hash = ce_auth_hash_token (t);
  rec = ce_registry_dup_token_by_hash (f->registry, hash, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rec->id, ==, id);
  g_assert_cmpstr (rec->user, ==, "alice");
  g_assert_cmpuint (strlen (rec->digest_ha1), ==, 32);

  g_assert_cmpint (rec->last_used_us, ==, 0);
  p = ce_auth_verify_token (f->auth, t, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p->user, ==, "alice");
  g_assert_cmpint (p->role, ==, CE_ROLE_OPERATOR);
  /* Its use is recorded. */
  {
    g_autoptr (CeTokenRecord) used =
        ce_registry_dup_token_by_hash (f->registry, hash, &error);

    g_assert_cmpint (used->last_used_us, >=, used->created_us);
  }
  g_assert_cmpint (p->token_id, ==, id);
  g_assert_cmpuint (p->sources, ==,
      CE_SOURCE_BIT (CE_SOURCE_XUELIANG) | CE_SOURCE_BIT (CE_SOURCE_SOCIAL));

  /* Not in the file (checkpoint the WAL first so every page is there). */
  g_clear_object (&f->registry);
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close (db);
  }
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_false (contains (contents, len, t + 4));
  g_assert_true (contains (contents, len, hash));
  /* The fixture's auth borrows the registry: reopen for tear-down. */
  f->registry = ce_registry_open (f->path, 0, &error);
  g_assert_no_error (error);
  ce_auth_free (f->auth);
  {
    CeAuthConfig config;

    ce_auth_config_init (&config);
    f->auth = ce_auth_new (f->registry, &config, &error);
    ce_auth_config_clear (&config);
  }
  g_clear_pointer (&p, ce_principal_unref);
  p = ce_auth_verify_token (f->auth, t, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p);
}

static void
test_token_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *t = NULL;
  g_autofree char *expired = NULL;
  g_autofree char *wrong = NULL;
  g_autoptr (GPtrArray) list = NULL;
  gint64 id = 0;
  const char *bad[] = {"", "cet_", "x", "Bearer x", "cet_!!!", NULL};

  t = create_token (f, "alice", 0, &id);
  /* A token of the right shape that was never issued. */
  wrong = g_strdup (t);
  wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
  g_assert_null (ce_auth_verify_token (f->auth, wrong, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  for (guint i = 0; bad[i] != NULL; i++) {
    g_assert_null (ce_auth_verify_token (f->auth, bad[i], &error));
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
  }
  /* Expired. */
  expired = create_token (f, "alice", g_get_real_time () - 1, NULL);
  g_assert_null (ce_auth_verify_token (f->auth, expired, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (error->message, "expired"));
  g_clear_error (&error);
  /* Revoked: refused at once; revoking twice keeps the first time. */
  g_assert_true (ce_registry_revoke_token (f->registry, id, &error));
  g_assert_null (ce_auth_verify_token (f->auth, t, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (error->message, "revoked"));
  g_clear_error (&error);
  g_assert_true (ce_registry_revoke_token (f->registry, id, &error));
  g_assert_false (ce_registry_revoke_token (f->registry, 999, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  list = ce_registry_list_tokens (f->registry, "alice", &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((CeTokenRecord *) list->pdata[0])->revoked_us, >, 0);
}

/* ---- play tokens ------------------------------------------------------ */

static void
test_play_token (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CePrincipal) alice = NULL;
  g_autoptr (CePrincipal) p = NULL;
  g_autofree char *t = NULL;
  g_autofree char *api = create_token (f, "alice", 0, NULL);
  gint64 expires = 0;

  alice = ce_auth_verify_token (f->auth, api, &error);
  g_assert_no_error (error);
  t = ce_auth_issue_play_token (f->auth, alice, CAM_SOCIAL,
      "INC-2026-0042 火情", &expires);
  g_assert_nonnull (t);
  /* URL-safe as it is: no escaping needed in ?token=. */
  for (const char *c = t; c != NULL && *c != '\0'; c++)
    g_assert_true (g_ascii_isalnum (*c) || *c == '-' || *c == '_' || *c == '.');
  g_assert_cmpint (expires, >, g_get_real_time () + 55 * G_USEC_PER_SEC);
  g_assert_cmpint (expires, <=, g_get_real_time () + 60 * G_USEC_PER_SEC);

  p = ce_auth_verify_play_token (f->auth, t, CAM_SOCIAL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p->user, ==, "alice");
  g_assert_cmpint (p->role, ==, CE_ROLE_OPERATOR);
  g_assert_cmpstr (p->incident, ==, "INC-2026-0042 火情");
  g_assert_cmpint (p->token_id, ==, alice->token_id);
  /* Bound to the camera. */
  g_assert_null (ce_auth_verify_play_token (f->auth, t, CAM_POLICE, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  /* Not an API token. */
  g_assert_null (ce_auth_verify_token (f->auth, t, &error));
  g_clear_error (&error);
  /* The user removed since: refused. */
  g_assert_true (ce_registry_remove_user (f->registry, "alice", &error));
  g_assert_null (ce_auth_verify_play_token (f->auth, t, CAM_SOCIAL, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
}

static void
test_play_token_tampered (Fixture *f, gconstpointer data)
{
  g_autoptr (CePrincipal) root =
      ce_principal_new ("root", CE_ROLE_ADMIN, CE_AUTH_ALL_SOURCES, 1, 0, NULL);
  g_autoptr (CePrincipal) viewer = ce_principal_new ("alice", CE_ROLE_OPERATOR,
      CE_SOURCE_BIT (CE_SOURCE_SOCIAL), 0, 0, NULL);
  g_autofree char *t =
      ce_auth_issue_play_token (f->auth, viewer, CAM_SOCIAL, NULL, NULL);
  g_autofree char *rt =
      ce_auth_issue_play_token (f->auth, root, CAM_SOCIAL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  const char *dot = strchr (t, '.');
  gsize plen = (gsize) (dot - t);

  g_assert_nonnull (dot);
  /* Every single-character change anywhere is refused. */
  for (gsize i = 0; t[i] != '\0'; i++) {
    g_autofree char *bad = g_strdup (t);
    g_autoptr (CePrincipal) p = NULL;

    if (bad[i] == '.')
      continue;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    p = ce_auth_verify_play_token (f->auth, bad, CAM_SOCIAL, &error);
    g_assert_null (p);
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
  }
  /* Splicing root's signature onto alice's payload (or the reverse). */
  {
    const char *rdot = strchr (rt, '.');
    g_autofree char *splice = g_strdup_printf ("%.*s%s", (int) plen, t, rdot);

    g_assert_null (
        ce_auth_verify_play_token (f->auth, splice, CAM_SOCIAL, &error));
    g_clear_error (&error);
  }
  /* A payload re-encoded with admin rights but the old MAC. */
  {
    CePlayTokenFields fields = {0};
    g_autofree char *payload = NULL;
    g_autofree char *b64 = NULL;
    g_autofree char *forged = NULL;

    fields.user = (char *) "alice";
    fields.role = CE_ROLE_ADMIN;
    fields.sources = CE_AUTH_ALL_SOURCES;
    fields.max_secrecy = 1;
    fields.camera_id = (char *) CAM_SOCIAL;
    fields.expires_us = G_MAXINT64 / 2;
    payload = ce_play_token_payload_build (&fields);
    b64 = ce_base64url_encode ((const guint8 *) payload, strlen (payload));
    forged = g_strdup_printf ("%s%s", b64, dot);
    g_assert_null (
        ce_auth_verify_play_token (f->auth, forged, CAM_SOCIAL, &error));
    g_clear_error (&error);
  }
  /* Another gateway start (another key) does not accept it. */
  {
    CeAuthConfig config;
    g_autoptr (CeAuth) other = NULL;

    ce_auth_config_init (&config);
    other = ce_auth_new (f->registry, &config, &error);
    ce_auth_config_clear (&config);
    g_assert_null (ce_auth_verify_play_token (other, t, CAM_SOCIAL, &error));
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
  }
  /* Garbage. */
  g_assert_null (ce_auth_verify_play_token (f->auth, "", CAM_SOCIAL, &error));
  g_clear_error (&error);
  g_assert_null (ce_auth_verify_play_token (f->auth, ".", CAM_SOCIAL, &error));
  g_clear_error (&error);
  g_assert_null (ce_auth_verify_play_token (f->auth, NULL, CAM_SOCIAL, &error));
  g_clear_error (&error);
}

static void
test_play_token_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeAuth) quick = NULL;
  g_autoptr (CePrincipal) p = NULL;
  g_autoptr (CePrincipal) ok = NULL;
  g_autofree char *t = NULL;
  CeAuthConfig config;

  ce_auth_config_init (&config);
  config.play_token_ttl_s = 1;
  quick = ce_auth_new (f->registry, &config, &error);
  ce_auth_config_clear (&config);
  g_assert_no_error (error);
  p = ce_principal_new ("root", CE_ROLE_ADMIN, CE_AUTH_ALL_SOURCES, 1, 0, NULL);
  t = ce_auth_issue_play_token (quick, p, CAM_POLICE, NULL, NULL);
  ok = ce_auth_verify_play_token (quick, t, CAM_POLICE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
  g_usleep (1200 * 1000);
  g_assert_null (ce_auth_verify_play_token (quick, t, CAM_POLICE, &error));
  g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (error->message, "expired"));
}

/* ---- Authorization headers -------------------------------------------- */

static char *
md5 (const char *s)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, s, -1);
}

static char *
nonce_of (const char *challenge)
{
  const char *p = strstr (challenge, "nonce=\"");

  g_assert_nonnull (p);
  p += 7;
  return g_strndup (p, strcspn (p, "\""));
}

static char *
digest_header (const char *user, const char *token, const char *nonce,
    const char *method, const char *uri, gboolean qop)
{
  g_autofree char *a1 = g_strdup_printf ("%s:cityeye:%s", user, token);
  g_autofree char *ha1 = md5 (a1);
  g_autofree char *a2 = g_strdup_printf ("%s:%s", method, uri);
  g_autofree char *ha2 = md5 (a2);
  g_autofree char *kd = qop
      ? g_strdup_printf ("%s:%s:00000001:abcdef:auth:%s", ha1, nonce, ha2)
      : g_strdup_printf ("%s:%s:%s", ha1, nonce, ha2);
  g_autofree char *response = md5 (kd);

  return g_strdup_printf (
      "Digest username=\"%s\", realm=\"cityeye\", nonce=\"%s\", uri=\"%s\", "
      "response=\"%s\"%s",
      user, nonce, uri, response,
      qop ? ", qop=auth, nc=00000001, cnonce=\"abcdef\"" : "");
}

static void
test_headers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *t = create_token (f, "alice", 0, NULL);
  g_autofree char *other = create_token (f, "root", 0, NULL);
  g_auto (GStrv) ch = ce_auth_challenges (f->auth, FALSE);
  g_autofree char *nonce = NULL;
  const char *uri = "rtsp://127.0.0.1:8554/cameras/" CAM_SOCIAL;

  g_assert_cmpuint (g_strv_length (ch), ==, 2);
  g_assert_true (g_str_has_prefix (ch[0], "Digest realm=\"cityeye\""));
  g_assert_true (g_str_has_prefix (ch[1], "Basic realm=\"cityeye\""));
  nonce = nonce_of (ch[0]);

  /* Basic: user name must be the token's. */
  {
    g_autofree char *up = g_strdup_printf ("alice:%s", t);
    g_autofree char *b64 = g_base64_encode ((const guchar *) up, strlen (up));
    g_autofree char *h = g_strdup_printf ("Basic %s", b64);
    g_autofree char *up2 = g_strdup_printf ("root:%s", t);
    g_autofree char *b642 =
        g_base64_encode ((const guchar *) up2, strlen (up2));
    g_autofree char *h2 = g_strdup_printf ("Basic %s", b642);
    g_autoptr (CePrincipal) p =
        ce_auth_verify_authorization (f->auth, h, "DESCRIBE", uri, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (p->user, ==, "alice");
    g_assert_null (
        ce_auth_verify_authorization (f->auth, h2, "DESCRIBE", uri, &error));
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
  }
  /* Bearer. */
  {
    g_autofree char *h = g_strdup_printf ("Bearer %s", t);
    g_autoptr (CePrincipal) p =
        ce_auth_verify_authorization (f->auth, h, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (p->user, ==, "alice");
  }
  /* Digest, RFC 2069 style and with qop=auth; any of the user's tokens. */
  for (int qop = 0; qop < 2; qop++) {
    g_autofree char *h =
        digest_header ("alice", t, nonce, "DESCRIBE", uri, qop);
    g_autoptr (CePrincipal) p =
        ce_auth_verify_authorization (f->auth, h, "DESCRIBE", uri, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (p->user, ==, "alice");
  }
  /* Digest refusals: another user's token, another method or URI,
   * a nonce we did not make, a wrong token. */
  {
    g_autofree char *h1 =
        digest_header ("alice", other, nonce, "DESCRIBE", uri, FALSE);
    g_autofree char *h2 =
        digest_header ("alice", t, nonce, "DESCRIBE", uri, FALSE);
    g_autofree char *h3 = digest_header ("alice", t,
        "123.AAAAAAAAAAAAAAAAAAAAAA", "DESCRIBE", uri, FALSE);
    g_autofree char *h4 =
        digest_header ("alice", "cet_nope", nonce, "DESCRIBE", uri, FALSE);

    g_assert_null (
        ce_auth_verify_authorization (f->auth, h1, "DESCRIBE", uri, &error));
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
    g_assert_null (
        ce_auth_verify_authorization (f->auth, h2, "SETUP", uri, &error));
    g_clear_error (&error);
    g_assert_null (ce_auth_verify_authorization (f->auth, h2, "DESCRIBE",
        "rtsp://127.0.0.1:8554/cameras/" CAM_POLICE, &error));
    g_clear_error (&error);
    g_assert_null (
        ce_auth_verify_authorization (f->auth, h3, "DESCRIBE", uri, &error));
    g_clear_error (&error);
    g_assert_null (
        ce_auth_verify_authorization (f->auth, h4, "DESCRIBE", uri, &error));
    g_clear_error (&error);
  }
  /* A nonce of ours, but ten minutes old: stale, and the challenge says
   * so (clients retry with the new nonce without asking the user). */
  {
    g_autofree char *old =
        ce_auth_nonce_at (f->auth, g_get_real_time () - 600 * G_USEC_PER_SEC);
    g_autofree char *h =
        digest_header ("alice", t, old, "DESCRIBE", uri, FALSE);
    g_auto (GStrv) stale = ce_auth_challenges (f->auth, TRUE);

    g_assert_null (
        ce_auth_verify_authorization (f->auth, h, "DESCRIBE", uri, &error));
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_STALE);
    g_clear_error (&error);
    g_assert_nonnull (strstr (stale[0], "stale=true"));
    g_assert_null (strstr (ch[0], "stale"));
  }
  /* A revoked token no longer answers Digest. */
  {
    g_autoptr (GPtrArray) tokens =
        ce_registry_list_tokens (f->registry, "alice", &error);
    g_autofree char *h =
        digest_header ("alice", t, nonce, "DESCRIBE", uri, FALSE);

    g_assert_true (ce_registry_revoke_token (f->registry,
        ((CeTokenRecord *) tokens->pdata[0])->id, &error));
    g_assert_null (
        ce_auth_verify_authorization (f->auth, h, "DESCRIBE", uri, &error));
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
  }
  /* Malformed. */
  {
    const char *bad[] = {"", "Basic", "Basic !!!!", "Basic Zm9v",
        "Digest username=", "Digest username=\"a\", username=\"a\"",
        "Negotiate abc", "Bearer", "Bearer a b", NULL};

    for (guint i = 0; bad[i] != NULL; i++) {
      g_assert_null (ce_auth_verify_authorization (f->auth, bad[i], "DESCRIBE",
          uri, &error));
      g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_UNAUTHORIZED);
      g_clear_error (&error);
    }
  }
}

/* ---- anonymous -------------------------------------------------------- */

static void
test_anonymous (Fixture *f, gconstpointer data)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GInetAddress) lo6 = g_inet_address_new_from_string ("::1");
  g_autoptr (GInetAddress) lan = g_inet_address_new_from_string ("10.1.2.3");
  g_autoptr (GError) error = NULL;
  g_autoptr (CePrincipal) p = NULL;
  CeAuthConfig config;

  /* Off by default. */
  g_assert_null (ce_auth_anonymous (f->auth, lo));
  /* On: loopback only unless configured. */
  {
    g_autoptr (CeAuth) a = NULL;

    ce_auth_config_init (&config);
    config.allow_anonymous = TRUE;
    a = ce_auth_new (f->registry, &config, &error);
    ce_auth_config_clear (&config);
    p = ce_auth_anonymous (a, lo);
    g_assert_nonnull (p);
    g_assert_cmpstr (p->user, ==, "anonymous");
    g_assert_cmpint (p->role, ==, CE_ROLE_VIEWER);
    g_assert_cmpuint (p->sources, ==, CE_SOURCE_BIT (CE_SOURCE_SOCIAL));
    g_clear_pointer (&p, ce_principal_unref);
    p = ce_auth_anonymous (a, lo6);
    g_assert_nonnull (p);
    g_clear_pointer (&p, ce_principal_unref);
    g_assert_null (ce_auth_anonymous (a, lan));
  }
  /* A configured network, with rights of its own. */
  {
    g_autoptr (CeAuth) a = NULL;
    const char *from[] = {"10.1.0.0/16", NULL};

    ce_auth_config_init (&config);
    config.allow_anonymous = TRUE;
    config.anonymous_from = g_strdupv ((char **) from);
    config.anonymous_sources = CE_AUTH_ALL_SOURCES;
    config.anonymous_max_secrecy = 1;
    a = ce_auth_new (f->registry, &config, &error);
    ce_auth_config_clear (&config);
    g_assert_no_error (error);
    p = ce_auth_anonymous (a, lan);
    g_assert_nonnull (p);
    g_assert_cmpuint (p->sources, ==, CE_AUTH_ALL_SOURCES);
    g_assert_cmpint (p->max_secrecy, ==, 1);
    g_assert_null (ce_auth_anonymous (a, lo));
  }
  /* A bad network is a configuration error. */
  {
    const char *from[] = {"10.1.2.3/16", NULL};

    ce_auth_config_init (&config);
    config.anonymous_from = g_strdupv ((char **) from);
    g_assert_null (ce_auth_new (f->registry, &config, &error));
    g_assert_error (error, CE_AUTH_ERROR, CE_AUTH_ERROR_INVALID);
    ce_auth_config_clear (&config);
  }
}

/* ---- audit ------------------------------------------------------------ */

static void
test_audit (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  CeAuditRecord rec = {0};
  CeAuditQuery q;
  gint64 id1, id2, id3;
  sqlite3 *db = NULL;
  char *msg = NULL;
  const char *sql[] = {"UPDATE audit SET user_name = 'mallory'",
      "UPDATE audit SET bytes = 0 WHERE id = 1", "DELETE FROM audit",
      "DELETE FROM audit WHERE id = 2",
      "INSERT OR REPLACE INTO audit (id, "
      "at, user_name, protocol, action) VALUES (1, 0, 'x', 'rtsp', 'start')",
      NULL};

  rec.user = "alice";
  rec.camera_id = CAM_SOCIAL;
  rec.protocol = "rtsp";
  rec.client = "127.0.0.1:40000";
  rec.action = "start";
  rec.start_us = g_get_real_time ();
  rec.incident = "INC-1";
  id1 = ce_auth_audit_append (f->auth, &rec, &error);
  g_assert_no_error (error);
  rec.action = "stop";
  rec.end_us = rec.start_us + 5 * G_USEC_PER_SEC;
  rec.bytes = 123456;
  id2 = ce_auth_audit_append (f->auth, &rec, &error);
  rec.user = "root";
  rec.camera_id = CAM_POLICE;
  rec.action = "grant";
  rec.protocol = "grant";
  rec.incident = NULL;
  rec.reason = "drill";
  id3 = ce_auth_audit_append (f->auth, &rec, &error);
  g_assert_cmpint (id1, <, id2);
  g_assert_cmpint (id2, <, id3);

  ce_audit_query_init (&q);
  rows = ce_auth_audit_query (f->auth, &q, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_clear_pointer (&rows, g_ptr_array_unref);
  q.user = "alice";
  rows = ce_auth_audit_query (f->auth, &q, &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((CeAuditRow *) rows->pdata[1])->action, ==, "stop");
  g_assert_cmpuint (((CeAuditRow *) rows->pdata[1])->bytes, ==, 123456);
  g_assert_cmpstr (((CeAuditRow *) rows->pdata[1])->incident, ==, "INC-1");
  g_clear_pointer (&rows, g_ptr_array_unref);
  ce_audit_query_init (&q);
  q.camera_id = CAM_POLICE;
  rows = ce_auth_audit_query (f->auth, &q, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((CeAuditRow *) rows->pdata[0])->reason, ==, "drill");
  g_clear_pointer (&rows, g_ptr_array_unref);
  ce_audit_query_init (&q);
  q.after_id = id1;
  q.limit = 1;
  rows = ce_auth_audit_query (f->auth, &q, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (((CeAuditRow *) rows->pdata[0])->id, ==, id2);
  g_clear_pointer (&rows, g_ptr_array_unref);
  ce_audit_query_init (&q);
  q.since_us = g_get_real_time () + G_USEC_PER_SEC;
  rows = ce_auth_audit_query (f->auth, &q, &error);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Append-only, whoever opens the file. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  for (guint i = 0; sql[i] != NULL; i++) {
    g_assert_cmpint (sqlite3_exec (db, sql[i], NULL, NULL, &msg), !=,
        SQLITE_OK);
    g_assert_nonnull (strstr (msg, "append-only"));
    sqlite3_free (msg);
    msg = NULL;
  }
  sqlite3_close (db);
  ce_audit_query_init (&q);
  rows = ce_auth_audit_query (f->auth, &q, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpstr (((CeAuditRow *) rows->pdata[0])->user, ==, "alice");
  g_assert_cmpuint (((CeAuditRow *) rows->pdata[1])->bytes, ==, 123456);
}

/* Posted rows are written in one batch: by the timer, a query or free. */
static void
test_audit_batched (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  CeAuditRecord rec = {0};
  CeAuditQuery q;
  gint64 before = g_get_real_time ();
  gint64 deadline;

  rec.user = "alice";
  rec.camera_id = CAM_SOCIAL;
  rec.protocol = "rtsp";
  rec.action = "start";
  for (int i = 0; i < 3; i++)
    ce_auth_audit_post (f->auth, &rec);
  ce_audit_query_init (&q);
  /* Not yet in the database... */
  rows = ce_registry_audit_query (f->registry, &q, &error);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);
  /* ...but a query through the auth sees them, stamped when posted. */
  rows = ce_auth_audit_query (f->auth, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpint (((CeAuditRow *) rows->pdata[0])->at_us, >=, before);
  g_clear_pointer (&rows, g_ptr_array_unref);
  /* The timer writes them on its own. */
  rec.action = "stop";
  ce_auth_audit_post (f->auth, &rec);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  do {
    g_main_context_iteration (NULL, FALSE);
    g_clear_pointer (&rows, g_ptr_array_unref);
    rows = ce_registry_audit_query (f->registry, &q, &error);
    if (rows->len < 4)
      g_usleep (20 * 1000);
  } while (rows->len < 4 && g_get_monotonic_time () < deadline);
  g_assert_cmpuint (rows->len, ==, 4);
  /* And ce_auth_free() writes what is left. */
  ce_auth_audit_post (f->auth, &rec);
  {
    CeAuthConfig config;

    ce_auth_free (f->auth);
    ce_auth_config_init (&config);
    f->auth = ce_auth_new (f->registry, &config, &error);
    ce_auth_config_clear (&config);
  }
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = ce_registry_audit_query (f->registry, &q, &error);
  g_assert_cmpuint (rows->len, ==, 5);
}

/* ---- parsers ---------------------------------------------------------- */

static void
test_base64url (void)
{
  for (gsize len = 0; len < 40; len++) {
    guint8 in[40];
    g_autofree char *enc = NULL;
    g_autofree guint8 *dec = NULL;
    gsize n = 0;

    for (gsize i = 0; i < len; i++)
      in[i] = (guint8) (i * 37 + 250);
    enc = ce_base64url_encode (in, len);
    g_assert_null (strchr (enc, '='));
    dec = ce_base64url_decode (enc, strlen (enc), &n);
    g_assert_nonnull (dec);
    g_assert_cmpmem (dec, n, in, len);
  }
  {
    gsize n;

    g_assert_null (ce_base64url_decode ("A", 1, &n));
    g_assert_null (ce_base64url_decode ("AB+/", 4, &n));
    g_assert_null (ce_base64url_decode ("AB=", 3, &n));
    /* Non-canonical trailing bits. */
    g_assert_null (ce_base64url_decode ("AB", 2, &n));
  }
}

static void
test_payload (void)
{
  CePlayTokenFields f = {0}, out;
  g_autofree char *p = NULL;
  const char *bad[] = {"", "1", "2\nalice\n1\n6\n0\n0\n" CAM_SOCIAL "\n9\n",
      "1\nalice\n1\n6\n0\n0\n" CAM_SOCIAL "\n9\n\nextra",
      "1\nalice\n1\n6\n2\n0\n" CAM_SOCIAL "\n9\n",
      "1\nalice\n1\n6\n0\n0\n3101\n9\n",
      "1\nalice\n1\n6\n0\n-1\n" CAM_SOCIAL "\n9\n",
      "1\nalice\n1\n6\n0\n0\n" CAM_SOCIAL "\n99999999999999999999\n",
      "1\n\n1\n6\n0\n0\n" CAM_SOCIAL "\n9\n", NULL};

  f.user = (char *) "alice";
  f.role = 1;
  f.sources = 6;
  f.max_secrecy = 0;
  f.token_id = 7;
  f.camera_id = (char *) CAM_SOCIAL;
  f.expires_us = 9;
  f.incident = (char *) "a\nb";
  p = ce_play_token_payload_build (&f);
  g_assert_true (ce_play_token_payload_parse (p, strlen (p), &out));
  g_assert_cmpstr (out.incident, ==, "a\nb");
  g_assert_cmpint (out.token_id, ==, 7);
  ce_play_token_fields_clear (&out);
  for (guint i = 0; bad[i] != NULL; i++) {
    g_assert_false (
        ce_play_token_payload_parse (bad[i], strlen (bad[i]), &out));
    ce_play_token_fields_clear (&out);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  g_test_add_func ("/auth/roles", test_roles);
  g_test_add_func ("/auth/base64url", test_base64url);
  g_test_add_func ("/auth/play-token/payload", test_payload);
  ADD ("/auth/principal", test_principal);
  ADD ("/auth/users", test_users);
  ADD ("/auth/token/hashed", test_token_hashed);
  ADD ("/auth/token/refused", test_token_refused);
  ADD ("/auth/play-token/verify", test_play_token);
  ADD ("/auth/play-token/tampered", test_play_token_tampered);
  ADD ("/auth/play-token/expiry", test_play_token_expiry);
  ADD ("/auth/headers", test_headers);
  ADD ("/auth/anonymous", test_anonymous);
  ADD ("/auth/audit", test_audit);
  ADD ("/auth/audit/batched", test_audit_batched);
  return g_test_run ();
}
