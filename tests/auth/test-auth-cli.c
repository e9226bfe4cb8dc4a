/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye user`, `token` and `audit`: outputs, exit statuses (0 ok, 1
 * runtime error, 2 usage error) and that a token is shown exactly once.
 */
#include "ce-auth.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  char *dir;
  char *db;
} Fixture;

typedef struct
{
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs `cityeye ARGS… --db DB` (@db nullable: no --db). */
static void
cli (Run *r, const char *db, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  const char *bin = g_getenv ("CITYEYE_BIN");

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (gpointer) bin);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  if (db != NULL) {
    g_ptr_array_add (argv, (gpointer) "--db");
    g_ptr_array_add (argv, (gpointer) db);
  }
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_newv ((const char *const *) argv->pdata,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (p, NULL, NULL, &r->out, &r->err, &error));
  g_assert_no_error (error);
  r->status = g_subprocess_get_exit_status (p);
}

#define CLI(f, ...) \
  do { \
    const char *a_[] = {__VA_ARGS__, NULL}; \
    run_clear (&r); \
    memset (&r, 0, sizeof r); \
    cli (&r, (f)->db, a_); \
  } while (0)

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_auto (Run) r = {0};

  f->dir = g_dir_make_tmp ("cityeye-auth-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "registry.db", NULL);
  CLI (f, "db", "init");
  g_assert_cmpint (r.status, ==, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (f->dir, name, NULL);
    g_unlink (p);
  }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  g_auto (Run) r = {0};

  CLI (f, "user", "add");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "user", "add", "alice", "--role", "boss");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "boss"));
  CLI (f, "user", "add", "alice", "--sources", "公安,交警");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "交警"));
  CLI (f, "user", "add", "alice", "--secrecy", "5");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "user", "add", "al ice");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "user", "add", "anonymous");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "user", "frobnicate");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "token", "create");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--user"));
  CLI (f, "token", "create", "--user", "alice", "--expires", "5x");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "token", "create", "--user", "alice", "--expires", "0d");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "token", "revoke", "abc");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "audit", "--camera", "123");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "audit", "--since", "yesterday");
  g_assert_cmpint (r.status, ==, 2);
  CLI (f, "audit", "--json", "--csv");
  g_assert_cmpint (r.status, ==, 2);
  /* Help: examples, status 0. */
  CLI (f, "user", "add", "--help");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "cityeye user add alice --role operator"));
  CLI (f, "token", "create", "--help");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Examples"));
  CLI (f, "audit", "--help");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "--since 1d --csv"));
}

static void
test_runtime_errors (Fixture *f, gconstpointer data)
{
  g_auto (Run) r = {0};
  g_autofree char *missing = g_build_filename (f->dir, "none.db", NULL);

  CLI (f, "user", "add", "alice");
  g_assert_cmpint (r.status, ==, 0);
  CLI (f, "user", "add", "alice");
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "already exists"));
  CLI (f, "user", "rm", "bob");
  g_assert_cmpint (r.status, ==, 1);
  CLI (f, "token", "create", "--user", "bob");
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "bob"));
  CLI (f, "token", "revoke", "99");
  g_assert_cmpint (r.status, ==, 1);
  /* No registry: not created by mistake. */
  {
    const char *a[] = {"user", "add", "carol", "--db", missing, NULL};

    run_clear (&r);
    memset (&r, 0, sizeof r);
    cli (&r, NULL, a);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  }
}

static void
test_flow (Fixture *f, gconstpointer data)
{
  g_auto (Run) r = {0};
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  JsonArray *a;
  JsonObject *o;

  CLI (f, "user", "add", "alice", "--role", "operator", "--sources",
      "雪亮,社会面", "--secrecy", "0");
  g_assert_cmpint (r.status, ==, 0);
  CLI (f, "user", "add", "wall1", "--role", "wall");
  g_assert_cmpint (r.status, ==, 0);
  CLI (f, "user", "list", "--json");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  a = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (a), ==, 2);
  o = json_array_get_object_element (a, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "operator");
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (o, "sources")), ==,
      2);
  /* The wall role's defaults. */
  o = json_array_get_object_element (a, 1);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (o, "sources")), ==,
      3);
  CLI (f, "user", "list");
  g_assert_nonnull (strstr (r.out, "雪亮,社会面"));

  /* The token: stdout holds exactly it; stderr says it is shown once. */
  CLI (f, "token", "create", "--user", "alice", "--label", "控制台",
      "--expires", "30d");
  g_assert_cmpint (r.status, ==, 0);
  token = g_strdup (r.out);
  g_strchomp (token);
  g_assert_true (g_str_has_prefix (token, "cet_"));
  g_assert_cmpuint (strlen (token), ==, 47);
  g_assert_null (strchr (token, '\n'));
  g_assert_nonnull (strstr (r.err, "not shown again"));
  CLI (f, "token", "list", "--json");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.out, token + 4));
  g_assert_nonnull (strstr (r.out, "\"active\""));
  g_assert_nonnull (strstr (r.out, "控制台"));
  CLI (f, "token", "revoke", "1");
  g_assert_cmpint (r.status, ==, 0);
  CLI (f, "token", "list", "--csv");
  g_assert_nonnull (strstr (r.out, ",revoked"));
  /* Audit: empty but well-formed. */
  CLI (f, "audit", "--since", "1d", "--csv");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "id,at,user,camera_id,protocol,"));
  CLI (f, "audit", "--json");
  g_assert_cmpstr (r.out, ==, "[]\n");
  /* Removing a user removes its tokens. */
  CLI (f, "user", "rm", "alice");
  g_assert_cmpint (r.status, ==, 0);
  CLI (f, "token", "list", "--csv");
  g_assert_null (strstr (r.out, "alice"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/auth-cli/usage", test_usage);
  ADD ("/auth-cli/runtime-errors", test_runtime_errors);
  ADD ("/auth-cli/flow", test_flow);
  return g_test_run ();
}
