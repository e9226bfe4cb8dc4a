/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye camera probe`, `cityeye stats online` and `cityeye stats
 * offline`: the real binary against the real camera simulator.
 */
#include "ce-registry-health.h"
#include "ce-registry-deepcheck.h"
#include "camsim-fixture.h"

#include <string.h>
#include <glib/gstdio.h>

typedef struct
{
  CamsimProcess *sim;
  char *dir;
  char *db;
} Fixture;

static const struct
{
  const char *id;
  const char *name;
  const char *street;
} cameras[] = {
    {"31011300001320000001", "cli-a", "顾村镇"},
    {"31011300001320000002", "cli-b", "顾村镇"},
    {"31011300001320000003", "cli-off", "顾村镇"},
    {"31011300001320000004", "cli-c", "大场镇"},
};

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) registry = NULL;

  f->sim = camsim_process_start (NULL);
  f->dir = g_dir_make_tmp ("cityeye-probe-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "registry.db", NULL);
  registry = ce_registry_open (f->db, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cameras); i++) {
    g_autoptr (CeCamera) c = ce_camera_new ();

    c->id = g_strdup (cameras[i].id);
    c->name = g_strdup (cameras[i].name);
    c->source = CE_SOURCE_XUELIANG;
    c->street = g_strdup (cameras[i].street);
    c->lon = 121.4;
    c->lat = 31.3;
    c->rtsp_url = camsim_url (f->sim, cameras[i].name, NULL);
    g_assert_true (ce_registry_add_camera (registry, c, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (camsim_set_fault (f->sim, "cli-off", "refuse", 0), ==, 200);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  const char *files[] = {"registry.db", "registry.db-wal", "registry.db-shm"};

  camsim_process_stop (f->sim);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *p = g_build_filename (f->dir, files[i], NULL);

    g_unlink (p);
  }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

/* Runs cityeye with @args (NULL-terminated) and --db; returns the exit
 * status, the output in *out (g_free). */
static int
run (Fixture *f, char **out, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *db_arg = g_strdup_printf ("--db=%s", f->db);
  const char *arg;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("CITYEYE_BIN"));
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, db_arg);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL,
      G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static JsonNode *
parse (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
test_probe_and_stats (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (CeHealthRecord) rec = NULL;
  JsonObject *summary, *first;
  JsonArray *results, *groups, *down;

  /* One camera by id: a table with its result. */
  g_assert_cmpint (run (f, &out, &err, "camera", "probe", cameras[0].id, NULL),
      ==, 0);
  g_assert_nonnull (strstr (out, cameras[0].id));
  g_assert_nonnull (strstr (out, "online"));
  g_assert_nonnull (strstr (out, "h264 320x240"));
  g_assert_nonnull (strstr (err, "Probed 1 cameras"));
  g_assert_nonnull (strstr (err, "1 status changes recorded"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A street, as JSON. */
  g_assert_cmpint (run (f, &out, &err, "camera", "probe", "--street", "顾村镇",
                       "--json", "--concurrency", "2", NULL),
      ==, 0);
  root = parse (out);
  results =
      json_object_get_array_member (json_node_get_object (root), "results");
  summary =
      json_object_get_object_member (json_node_get_object (root), "summary");
  g_assert_cmpuint (json_array_get_length (results), ==, 3);
  g_assert_cmpint (json_object_get_int_member (summary, "online"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (summary, "offline"), ==, 1);
  /* cli-a was probed before: only cli-b and cli-off changed. */
  g_assert_cmpint (json_object_get_int_member (summary, "changes"), ==, 2);
  g_assert_true (json_object_get_boolean_member (summary, "recorded"));
  for (guint i = 0; i < 3; i++) {
    first = json_array_get_object_element (results, i);
    if (g_str_equal (json_object_get_string_member (first, "id"),
            cameras[2].id)) {
      g_assert_cmpstr (json_object_get_string_member (first, "result"), ==,
          "offline");
      g_assert_cmpint (json_object_get_int_member (first, "status"), ==, 503);
    }
  }
  g_clear_pointer (&root, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --dry-run writes nothing: cli-c stays unprobed. */
  g_assert_cmpint (
      run (f, &out, &err, "camera", "probe", "--dry-run", cameras[3].id, NULL),
      ==, 0);
  g_assert_nonnull (strstr (err, "nothing recorded"));
  registry = ce_registry_open (f->db, CE_REGISTRY_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  rec = ce_registry_dup_health (registry, cameras[3].id, &error);
  g_assert_null (rec);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&registry);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The online rate by street. */
  g_assert_cmpint (run (f, &out, &err, "stats", "online", "--by", "street",
                       "--since", "1h", "--json", NULL),
      ==, 0);
  root = parse (out);
  groups = json_object_get_array_member (json_node_get_object (root), "groups");
  g_assert_cmpuint (json_array_get_length (groups), ==, 3); /* 2 + total */
  for (guint i = 0; i < json_array_get_length (groups); i++) {
    JsonObject *g = json_array_get_object_element (groups, i);
    const char *key = json_object_get_string_member (g, "key");

    if (g_str_equal (key, "顾村镇")) {
      g_assert_cmpint (json_object_get_int_member (g, "cameras"), ==, 3);
      g_assert_cmpint (json_object_get_int_member (g, "observed"), ==, 3);
      g_assert_cmpint (json_object_get_int_member (g, "online_now"), ==, 2);
    } else if (g_str_equal (key, "大场镇")) {
      g_assert_cmpint (json_object_get_int_member (g, "observed"), ==, 0);
      g_assert_true (json_object_get_null_member (g, "online_rate"));
    }
  }
  g_clear_pointer (&root, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (
      run (f, &out, &err, "stats", "online", "--by", "source", "--csv", NULL),
      ==, 0);
  g_assert_true (g_str_has_prefix (out,
      "group,cameras,observed,online_now,online_rate\n"));
  g_assert_nonnull (strstr (out, "xueliang,4,3,2,"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The cameras down longest. */
  g_assert_cmpint (run (f, &out, &err, "stats", "offline", "--json", NULL), ==,
      0);
  root = parse (out);
  down = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (down), ==, 1);
  first = json_array_get_object_element (down, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==,
      cameras[2].id);
  g_assert_cmpstr (json_object_get_string_member (first, "health"), ==,
      "offline");
  g_clear_pointer (&root, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* One camera's health and history. */
  g_assert_cmpint (
      run (f, &out, &err, "camera", "health", cameras[2].id, "--json", NULL),
      ==, 0);
  root = parse (out);
  first = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (first, "health"), ==,
      "offline");
  g_assert_cmpstr (json_object_get_string_member (first, "reason"), ==,
      "status");
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (first, "history")),
      ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "camera", "health", cameras[3].id, NULL),
      ==, 0);
  g_assert_nonnull (strstr (out, "Never probed."));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "camera", "health", cameras[0].id, NULL),
      ==, 0);
  g_assert_nonnull (strstr (out, "Health:     online"));
  g_assert_nonnull (strstr (out, "Deep check: never"));
  g_assert_nonnull (strstr (out, "1 status changes in the window"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The last deep picture check, as the gateway stores it. */
  {
    CeDeepRecord d = {(char *) cameras[0].id, CE_DEEP_BLACK, 1700000000, 16.0,
        0.5, -1, NULL, 0, (char *) "dark and flat picture"};

    registry = ce_registry_open (f->db, 0, &error);
    g_assert_no_error (error);
    g_assert_true (ce_registry_record_deep_check (registry, &d, &error));
    g_assert_no_error (error);
    g_clear_object (&registry);
  }
  g_assert_cmpint (run (f, &out, &err, "camera", "health", cameras[0].id, NULL),
      ==, 0);
  g_assert_nonnull (strstr (out, "Deep check: black at "));
  g_assert_nonnull (strstr (out, "(luma 16.0 ± 0.5; dark and flat picture)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (
      run (f, &out, &err, "camera", "health", cameras[0].id, "--json", NULL),
      ==, 0);
  g_clear_pointer (&root, json_node_unref);
  root = parse (out);
  first =
      json_object_get_object_member (json_node_get_object (root), "deep_check");
  g_assert_cmpstr (json_object_get_string_member (first, "result"), ==,
      "black");
  g_assert_cmpint (json_object_get_int_member (first, "checked_at"), ==,
      1700000000);
  g_assert_true (json_object_get_null_member (first, "distance"));
  g_clear_pointer (&root, json_node_unref);
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  const char *const bad[][6] = {
      {"camera", "probe", NULL},
      {"camera", "probe", "--all", cameras[0].id, NULL},
      {"camera", "probe", "--all", "--concurrency", "0", NULL},
      {"stats", "online", "--since", "tomorrow", NULL},
      {"stats", "online", "--by", "town", NULL},
      {"stats", "offline", "--limit", "-1", NULL},
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *out = NULL, *err = NULL;
    int status = run (f, &out, &err, bad[i][0], bad[i][1], bad[i][2], bad[i][3],
        bad[i][4], bad[i][5], NULL);

    g_test_message ("%s %s %s: %s", bad[i][0], bad[i][1],
        bad[i][2] != NULL ? bad[i][2] : "", err);
    g_assert_cmpint (status, ==, 2);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gst_init (&argc, &argv);
  g_test_add ("/probe/cli/probe-and-stats", Fixture, NULL, fixture_setup,
      test_probe_and_stats, fixture_teardown);
  g_test_add ("/probe/cli/usage", Fixture, NULL, fixture_setup, test_usage,
      fixture_teardown);
  return g_test_run ();
}
