/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The `cityeye` command line, run as a user would run it: exit statuses,
 * help, imports of the committed samples, output formats, secrets never
 * printed, and an import killed with SIGKILL leaving nothing behind.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *db;
} Fixture;

static const char *
bin (void)
{
  const char *b = g_getenv ("CITYEYE_BIN");

  g_assert_nonnull (b);
  return b;
}

static char *
source_path (const char *relative)
{
  const char *root = g_getenv ("CE_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

/* Runs cityeye with @args (NULL-terminated) and returns its exit status;
 * stdout/stderr are returned through @out/@err when given. */
static int
run_full (Fixture *f, const char *stdin_text, char **out, char **err,
    const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *o = NULL, *e = NULL;
  va_list ap;

  g_ptr_array_add (argv, (char *) bin ());
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  if (f != NULL)
    g_subprocess_launcher_setenv (launcher, "CITYEYE_DB", f->db, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "CITYEYE_CONFIG");
  proc = g_subprocess_launcher_spawnv (launcher,
      (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &o, &e, &error));
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("$ cityeye %s …\n%s%s", first, o, e);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

#define run(f, out, err, ...) run_full (f, NULL, out, err, __VA_ARGS__, NULL)

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("cityeye-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "registry.db", NULL);
  g_assert_cmpint (run (f, NULL, NULL, "db", "init"), ==, 0);
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
  g_free (f->db);
  g_free (f->dir);
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected “%s” in:\n%s", needle, haystack);
}

static void
assert_lacks (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    g_error ("unexpected “%s” in:\n%s", needle, haystack);
}

static void
test_help_and_usage (void)
{
  static const char *const commands[][2] = {
      {"camera", "import"},
      {"camera", "export"},
      {"camera", "list"},
      {"camera", "show"},
      {"camera", "add"},
      {"camera", "set"},
      {"camera", "rm"},
      {"camera", "near"},
      {"camera", "search"},
      {"stats", NULL},
      {"db", "init"},
      {"db", "check"},
      {"db", "backup"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++) {
    g_autofree char *out = NULL;
    int status;

    if (commands[i][1] != NULL)
      status = run (NULL, &out, NULL, commands[i][0], commands[i][1], "--help");
    else
      status = run (NULL, &out, NULL, commands[i][0], "--help");
    g_assert_cmpint (status, ==, 0);
    assert_contains (out, "Usage:");
    if (strcmp (commands[i][0], "camera") == 0 &&
        strcmp (commands[i][1], "rm") != 0)
      assert_contains (out, "xample");
  }
  {
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint (run (NULL, &out, NULL, "--help"), ==, 0);
    assert_contains (out, "camera near");
    g_assert_cmpint (run (NULL, NULL, &err, "frobnicate"), ==, 2);
    assert_contains (err, "unknown command");
    g_clear_pointer (&err, g_free);
    /* Command groups list their subcommands. */
    g_assert_cmpint (run (NULL, NULL, &err, "user"), ==, 2);
    assert_contains (err, "give a command: add, list, rm");
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run (NULL, NULL, &err, "token", "frobnicate"), ==, 2);
    assert_contains (err, "unknown command “frobnicate” (one of: create");
    g_clear_pointer (&err, g_free);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run (NULL, &out, NULL, "incident", "help"), ==, 0);
    assert_contains (out, "close ID");
    assert_contains (out, "cityeye incident open --at");
    g_assert_cmpint (run (NULL, NULL, &err, "camera", "near", "abc"), ==, 2);
    assert_contains (err, "not a point");
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (
        run (NULL, NULL, &err, "camera", "list", "--source", "police"), ==, 2);
    assert_contains (err, "“police”");
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run (NULL, NULL, &err, "camera", "list", "--bogus"), ==,
        2);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run (NULL, NULL, &err, "camera", "near", "121.4,31.3",
                         "--radius", "-5"),
        ==, 2);
    assert_contains (err, "radius");
  }
}

static void
test_import_list_show (Fixture *f, gconstpointer data)
{
  g_autofree char *csv = source_path ("samples/data/baoshan-50.csv");
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *first_id = NULL;

  g_assert_cmpint (run (f, &out, &err, "camera", "import", csv), ==, 0);
  assert_contains (out, "50 records: 50 inserted");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (f, &out, NULL, "camera", "list", "--csv"), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 52); /* header, 50, "" */
  first_id = g_strndup (lines[1], 20);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (f, &out, NULL, "camera", "show", first_id), ==, 0);
  assert_contains (out, first_id);
  assert_contains (out, "credentials");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "camera", "show", first_id, "--json"),
      ==, 0);
  assert_contains (out, "\"id\" : \"");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (
      run (f, NULL, &err, "camera", "show", "31011300001329999999"), ==, 1);
  assert_contains (err, "No camera");

  /* Re-import: unchanged. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "camera", "import", csv), ==, 0);
  assert_contains (out, "50 unchanged");

  /* Stats add up. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "stats", "--json"), ==, 0);
  assert_contains (out, "\"key\" : \"total\"");
  assert_contains (out, "\"total\" : 50");
}

static void
test_secrets_never_printed (Fixture *f, gconstpointer data)
{
  const char *password = "Zq9-very-secret-pw";
  g_autofree char *out = NULL, *err = NULL;
  static const char *const formats[] = {"csv", "catalog", "geojson", "kml"};

  g_assert_cmpint (
      run_full (f, "Zq9-very-secret-pw\n", &out, &err, "camera", "add",
          "31011300001320000123", "--name", "宝山区顾村镇沪太路菊太路口东北角",
          "--source", "public_security", "--at", "121.3845,31.3474",
          "--rtsp-url", "rtsp://operator:url-pass-77@127.0.0.1:8555/cam/x",
          "--username", "admin", "--password-stdin", NULL),
      ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  {
    const char *cmds[][4] = {
        {"camera", "list", NULL, NULL},
        {"camera", "list", "--json", NULL},
        {"camera", "list", "--csv", NULL},
        {"camera", "show", "31011300001320000123", NULL},
        {"camera", "show", "31011300001320000123", "--json"},
        {"camera", "near", "121.3845,31.3474", NULL},
        {"camera", "search", "沪太路", NULL},
        {"stats", NULL, NULL, NULL},
    };

    for (gsize i = 0; i < G_N_ELEMENTS (cmds); i++) {
      if (cmds[i][1] == NULL)
        g_assert_cmpint (run (f, &out, &err, cmds[i][0]), ==, 0);
      else if (cmds[i][2] == NULL)
        g_assert_cmpint (run (f, &out, &err, cmds[i][0], cmds[i][1]), ==, 0);
      else if (cmds[i][3] == NULL)
        g_assert_cmpint (
            run (f, &out, &err, cmds[i][0], cmds[i][1], cmds[i][2]), ==, 0);
      else
        g_assert_cmpint (
            run (f, &out, &err, cmds[i][0], cmds[i][1], cmds[i][2], cmds[i][3]),
            ==, 0);
      assert_lacks (out, password);
      assert_lacks (out, "url-pass-77");
      assert_lacks (err, password);
      assert_lacks (err, "url-pass-77");
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
  }
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_assert_cmpint (
        run (f, &out, &err, "camera", "export", "--format", formats[i]), ==, 0);
    assert_lacks (out, password);
    assert_lacks (out, "url-pass-77");
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* Only when asked. */
  g_assert_cmpint (run (f, &out, &err, "camera", "export", "--format", "csv",
                       "--with-credentials"),
      ==, 0);
  assert_contains (out, password);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* An error about the URL masks its userinfo. */
  g_assert_cmpint (run (f, &out, &err, "camera", "set", "31011300001320000123",
                       "--rtsp-url", "http://user:hunter2@10.0.0.1/x"),
      ==, 2);
  assert_lacks (err, "hunter2");
  assert_contains (err, "***@");
}

static void
test_near_and_search (Fixture *f, gconstpointer data)
{
  g_autofree char *csv = source_path ("samples/data/baoshan-50.csv");
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (f, NULL, NULL, "camera", "import", csv), ==, 0);
  g_assert_cmpint (run (f, &out, NULL, "camera", "near", "121.40,31.38",
                       "--radius", "50000", "-k", "3", "--csv"),
      ==, 0);
  {
    g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 5);
  }
  g_clear_pointer (&out, g_free);
  /* Nothing within 1 m of the sea. */
  g_assert_cmpint (run (f, &out, NULL, "camera", "near", "122.5,31.0",
                       "--radius", "1", "--csv"),
      ==, 0);
  {
    g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 2);
  }
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "camera", "search", "宝山区", "--json"),
      ==, 0);
  assert_contains (out, "\"count\" : 50");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "camera", "search",
                       "';DROP TABLE "
                       "camera;--",
                       "--json"),
      ==, 0);
  assert_contains (out, "\"count\" : 0");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "stats", "--json"), ==, 0);
  assert_contains (out, "\"total\" : 50");
}

static void
test_encodings_and_catalogs (Fixture *f, gconstpointer data)
{
  g_autofree char *gbk = source_path ("samples/data/baoshan-50-gbk.csv");
  g_autofree char *utf = source_path ("samples/data/baoshan-50.csv");
  g_autofree char *cat = source_path ("samples/data/catalog-gb2312.xml");
  g_autofree char *cat8 = source_path ("samples/data/catalog-utf8.xml");
  g_autofree char *out = NULL, *err = NULL;

  /* GBK detected on its own; same content as the UTF-8 file. */
  g_assert_cmpint (run (f, &out, &err, "camera", "import", gbk), ==, 0);
  assert_contains (out, "50 inserted");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, &err, "camera", "import", utf), ==, 0);
  assert_contains (out, "50 unchanged");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* Declared UTF-8 but GBK bytes: refused, nothing applied. */
  g_assert_cmpint (
      run (f, &out, &err, "camera", "import", gbk, "--encoding", "utf-8"), ==,
      1);
  assert_contains (err, "nothing was imported");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (f, &out, &err, "camera", "import", cat, cat8,
                       "--source", "xueliang"),
      ==, 0);
  assert_contains (out, "inserted");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "camera", "search", "宝山区", "--json",
                       "--limit", "0"),
      ==, 0);
}

static void
test_hostile_xml (Fixture *f, gconstpointer data)
{
  static const char *const files[] = {"samples/data/bad/xxe.xml",
      "samples/data/bad/billion-laughs.xml",
      "samples/data/bad/external-dtd.xml"};

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = source_path (files[i]);
    g_autofree char *out = NULL, *err = NULL;
    gint64 start = g_get_monotonic_time ();

    g_assert_cmpint (
        run (f, &out, &err, "camera", "import", path, "--source", "social"), ==,
        1);
    assert_contains (err, "nothing was imported");
    assert_lacks (err, "root:");
    assert_lacks (out, "root:");
    /* Refused at once, not after expanding anything. */
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  }
}

/* samples/data/bad/README.md says what each row of bad-rows.csv must give. */
static void
test_bad_rows (Fixture *f, gconstpointer data)
{
  g_autofree char *csv = source_path ("samples/data/bad/bad-rows.csv");
  g_autofree char *unknown =
      source_path ("samples/data/bad/unknown-column.csv");
  g_autofree char *out = NULL, *err = NULL;
  static const struct
  {
    const char *where;
    const char *keyword;
  } rejects[] = {
      {"line 3:", "20"},
      {"line 4:", "id"},
      {"line 5:", "industry"},
      {"line 6:", "type"},
      {"line 7:", "200"},
      {"line 8:", "(0, 0)"},
      {"line 9:", "traffic"},
      {"line 12:", "duplicate"},
  };

  g_assert_cmpint (run (f, &out, &err, "camera", "import", csv), ==, 0);
  assert_contains (out,
      "12 records: 4 inserted, 0 updated, 0 unchanged, 8 "
      "rejected");
  for (gsize i = 0; i < G_N_ELEMENTS (rejects); i++) {
    g_autofree char *needle = g_strdup_printf ("rejected %s", rejects[i].where);
    const char *line = strstr (err, needle);
    g_autofree char *text = NULL;

    if (line == NULL)
      g_error ("no “%s” in:\n%s", needle, err);
    text = g_strndup (line, strcspn (line, "\n"));
    assert_contains (text, rejects[i].keyword);
  }
  assert_lacks (out, "S3cret!");
  assert_lacks (err, "S3cret!");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The embedded newline, quote and comma survive; SQL stays data. */
  g_assert_cmpint (
      run (f, &out, NULL, "camera", "show", "31011309011326000009", "--json"),
      ==, 0);
  assert_contains (out, "宝山区顾村镇\\\"沪太路,菊太路\\\"路口\\n东北角");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
      run (f, &out, NULL, "camera", "show", "31011309081328000010", "--json"),
      ==, 0);
  assert_contains (out, "'; DROP TABLE camera; --");
  g_clear_pointer (&out, g_free);

  /* --strict: all or nothing. */
  g_assert_cmpint (run (f, NULL, NULL, "db", "init"), ==, 0);
  g_assert_cmpint (run (f, &out, &err, "camera", "import", csv, "--strict",
                       "--mode", "replace-all"),
      ==, 1);
  assert_contains (err, "--strict");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A header naming an unknown column refuses the file. */
  g_assert_cmpint (run (f, &out, &err, "camera", "import", unknown), ==, 1);
  assert_contains (err, "camera_color");
  assert_contains (err, "nothing was imported");
}

static void
test_export_roundtrip (Fixture *f, gconstpointer data)
{
  g_autofree char *csv = source_path ("samples/data/baoshan-50.csv");
  g_autofree char *exported = g_build_filename (f->dir, "out.csv", NULL);
  g_autofree char *kml = g_build_filename (f->dir, "out.kml", NULL);
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (f, NULL, NULL, "camera", "import", csv), ==, 0);
  g_assert_cmpint (run (f, NULL, &err, "camera", "export", "-o", exported), ==,
      0);
  g_assert_cmpint (run (f, &out, NULL, "camera", "import", exported), ==, 0);
  assert_contains (out, "50 unchanged");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, &err, "camera", "export", "-o", kml), ==, 0);
  {
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (kml, &text, NULL, NULL));
    assert_contains (text, "<kml");
    assert_contains (text, "<Placemark>");
  }
}

static void
test_backup_and_check (Fixture *f, gconstpointer data)
{
  g_autofree char *csv = source_path ("samples/data/baoshan-50.csv");
  g_autofree char *dest = g_build_filename (f->dir, "copy.db", NULL);
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (f, NULL, NULL, "camera", "import", csv), ==, 0);
  g_assert_cmpint (run (f, &out, NULL, "db", "check"), ==, 0);
  assert_contains (out, "ok: 50 cameras");
  g_assert_cmpint (run (f, NULL, &err, "db", "backup", dest), ==, 0);
  g_assert_true (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, &err, "db", "backup", dest), ==, 1);
  assert_contains (err, "already exists");
}

/* Holds the write lock from this process: cityeye must say so and give up
 * after its busy timeout instead of hanging or half-writing. */
static void
test_locked_database (Fixture *f, gconstpointer data)
{
  sqlite3 *db = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==,
      SQLITE_OK);
  g_assert_cmpint (run (f, NULL, &err, "camera", "add", "31011300001320000123",
                       "--name", "x", "--source", "social", "--at",
                       "121.4,31.3"),
      ==, 1);
  assert_contains (err, "locked by another writer");
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (db);
}

/* SIGKILL in the middle of a large import leaves the registry exactly as it
 * was (one transaction), and intact. */
static void
test_kill_during_import (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_build_filename (f->dir, "big.csv", NULL);
  g_autofree char *out = NULL;
  g_autoptr (GString) text =
      g_string_new ("id,name,source,street,lon,lat,rtsp_url\n");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *csv = source_path ("samples/data/baoshan-50.csv");
  const char *argv[] = {bin (), "camera", "import", big, "--quiet", NULL};

  g_assert_cmpint (run (f, NULL, NULL, "camera", "import", csv), ==, 0);
  for (guint i = 0; i < 300000; i++)
    g_string_append_printf (text,
        "31011300011320%06u,宝山区大场镇上大路%u号,social,大场镇,"
        "%.6f,%.6f,rtsp://127.0.0.1:8555/cam/%u\n",
        i, i, 121.30 + (i % 1000) * 0.0002, 31.30 + (i / 1000) * 0.0002, i);
  g_assert_true (g_file_set_contents (big, text->str, text->len, NULL));

  launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "CITYEYE_DB", f->db, TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  /* Let it write for a while (the whole import takes seconds). */
  g_usleep (G_USEC_PER_SEC / 2);
  g_subprocess_send_signal (proc, SIGKILL);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (proc));

  g_assert_cmpint (run (f, &out, NULL, "db", "check"), ==, 0);
  assert_contains (out, "ok: 50 cameras");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/cli/help-and-usage", test_help_and_usage);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/cli/import-list-show", test_import_list_show);
  ADD ("/cli/secrets-never-printed", test_secrets_never_printed);
  ADD ("/cli/near-and-search", test_near_and_search);
  ADD ("/cli/encodings-and-catalogs", test_encodings_and_catalogs);
  ADD ("/cli/hostile-xml", test_hostile_xml);
  ADD ("/cli/bad-rows", test_bad_rows);
  ADD ("/cli/export-roundtrip", test_export_roundtrip);
  ADD ("/cli/backup-and-check", test_backup_and_check);
  ADD ("/cli/locked-database", test_locked_database);
  ADD ("/cli/kill-during-import", test_kill_during_import);
#undef ADD
  return g_test_run ();
}
