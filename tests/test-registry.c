/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The registry: schema, CRUD, spatial / text / attribute queries checked
 * against brute force, imports, backups, locks and read-only files.
 */
#include "ce-geo.h"
#include "ce-registry-deepcheck.h"
#include "ce-registry-import.h"
#include "ce-registry.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

typedef struct
{
  char *dir;
  char *path;
  CeRegistry *registry;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("cityeye-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "registry.db", NULL);
  f->registry = ce_registry_open (f->path, CE_REGISTRY_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->registry);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    g_autofree char *p = g_build_filename (dir, name, NULL);
    g_chmod (p, 0600);
    g_unlink (p);
  }
  g_chmod (dir, 0700);
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->registry);
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static const char *const streets[] = {"顾村镇", "大场镇", "杨行镇", "罗店镇"};

static CeCamera *
make_camera (guint serial, double lon, double lat)
{
  CeCamera *c = ce_camera_new ();

  c->id = g_strdup_printf ("310113000013200%05u", serial);
  c->name =
      g_strdup_printf ("宝山区%s沪太路%u号路口", streets[serial % 4], serial);
  c->source = (CeSource) (1 + serial % 4);
  c->street = g_strdup (streets[serial % 4]);
  c->lon = lon;
  c->lat = lat;
  c->secrecy = serial % 10 == 0;
  c->status = (CeStatus) (serial % 3);
  c->rtsp_url = g_strdup_printf ("rtsp://127.0.0.1:8555/cam/%s", c->id);
  return c;
}

/* Fills the registry with @n cameras at seeded random positions around
 * 宝山 and returns copies for brute-force comparison. */
static GPtrArray *
populate (CeRegistry *registry, guint n, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  GPtrArray *all =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  g_autoptr (GError) error = NULL;

  g_assert_true (ce_registry_begin (registry, &error));
  for (guint i = 0; i < n; i++) {
    CeCamera *c = make_camera (i, g_rand_double_range (rand, 121.27, 121.53),
        g_rand_double_range (rand, 31.26, 31.52));

    g_assert_true (ce_registry_add_camera (registry, c, &error));
    g_assert_no_error (error);
    g_ptr_array_add (all, c);
  }
  g_assert_true (ce_registry_commit (registry, &error));
  return all;
}

static void
test_open_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) again = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autoptr (GString) report = g_string_new (NULL);

  /* WAL mode leaves its side file while open. */
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  again = ce_registry_open (f->path, CE_REGISTRY_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_true (ce_registry_check (f->registry, report, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report->str, ==, "");
}

static void
test_open_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other = g_build_filename (f->dir, "other.db", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.db", NULL);
  g_autofree char *junk = g_build_filename (f->dir, "junk.db", NULL);
  CeRegistry *r;

  /* Somebody else's SQLite database. */
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x)", NULL, NULL, NULL),
        ==, SQLITE_OK);
    sqlite3_close (db);
  }
  r = ce_registry_open (other, 0, &error);
  g_assert_null (r);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "not a cityeye registry"));
  g_clear_error (&error);

  /* A registry written by a newer cityeye. */
  g_clear_object (&f->registry);
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint (
        sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
        SQLITE_OK);
    sqlite3_close (db);
  }
  r = ce_registry_open (f->path, 0, &error);
  g_assert_null (r);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);

  r = ce_registry_open (missing, CE_REGISTRY_OPEN_READ_ONLY, &error);
  g_assert_null (r);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "db init"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (junk,
      "this is not a database, it is a text file that is long enough to "
      "have a header of one hundred bytes, which sqlite reads first....",
      -1, NULL));
  r = ce_registry_open (junk, 0, &error);
  g_assert_null (r);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_SCHEMA);
  g_clear_error (&error);
}

static void
test_crud (Fixture *f, gconstpointer data)
{
  g_autoptr (CeCamera) c = make_camera (1, 121.3845, 31.3474);
  g_autoptr (CeCamera) got = NULL;
  g_autoptr (GError) error = NULL;
  CePutResult result;

  c->status = CE_STATUS_UNKNOWN;
  g_assert_true (ce_registry_add_camera (f->registry, c, &error));
  g_assert_no_error (error);
  g_assert_false (ce_registry_add_camera (f->registry, c, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE);
  g_clear_error (&error);

  got = ce_registry_dup_camera (f->registry, c->id, &error);
  g_assert_no_error (error);
  g_assert_true (ce_camera_equal_content (got, c));
  g_assert_cmpint (got->created_at, >, 0);
  g_assert_cmpint (got->status_changed_at, ==, 0);

  /* Same content: unchanged. */
  g_assert_true (
      ce_registry_put_camera (f->registry, c, TRUE, &result, &error));
  g_assert_cmpint (result, ==, CE_PUT_UNCHANGED);

  /* An input without status keeps the known one. */
  g_assert_true (ce_registry_set_status (f->registry, c->id, CE_STATUS_ONLINE,
      1700000000, &error));
  c->status = CE_STATUS_UNKNOWN;
  g_assert_true (
      ce_registry_put_camera (f->registry, c, TRUE, &result, &error));
  g_assert_cmpint (result, ==, CE_PUT_UNCHANGED);
  g_clear_pointer (&got, ce_camera_free);
  got = ce_registry_dup_camera (f->registry, c->id, &error);
  g_assert_cmpint (got->status, ==, CE_STATUS_ONLINE);
  g_assert_cmpint (got->status_changed_at, ==, 1700000000);

  /* A moved camera is updated, index included. */
  c->lon = 121.40;
  g_assert_true (
      ce_registry_put_camera (f->registry, c, TRUE, &result, &error));
  g_assert_cmpint (result, ==, CE_PUT_UPDATED);

  /* Invalid records never reach the table. */
  g_free (c->name);
  c->name = NULL;
  g_assert_false (ce_registry_update_camera (f->registry, c, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (ce_registry_remove_camera (f->registry, c->id, &error));
  g_assert_false (ce_registry_remove_camera (f->registry, c->id, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (
      ce_registry_dup_camera (f->registry, "31011300001320000001", &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
}

static int
cmp_distance (gconstpointer a, gconstpointer b)
{
  const CeCamera *ca = *(CeCamera **) a, *cb = *(CeCamera **) b;

  if (ca->distance_m != cb->distance_m)
    return ca->distance_m < cb->distance_m ? -1 : 1;
  return strcmp (ca->id, cb->id);
}

static gboolean
matches_attributes (const CeQuery *q, const CeCamera *c)
{
  return (q->sources == 0 || (q->sources & CE_SOURCE_BIT (c->source))) &&
      (q->street == NULL || g_strcmp0 (q->street, c->street) == 0) &&
      (q->status < 0 || (int) c->status == q->status) &&
      (q->secrecy < 0 || c->secrecy == q->secrecy);
}

static void
test_near_matches_brute_force (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) all = populate (f->registry, 3000, 7);
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);

  for (int round = 0; round < 60; round++) {
    g_autoptr (GPtrArray) expected = g_ptr_array_new ();
    g_autoptr (GPtrArray) got = NULL;
    g_autoptr (GError) error = NULL;
    CeQuery q;

    ce_query_init (&q);
    q.has_near = TRUE;
    q.near_lon = g_rand_double_range (rand, 121.27, 121.53);
    q.near_lat = g_rand_double_range (rand, 31.26, 31.52);
    q.radius_m = g_rand_double_range (rand, 100, 3000);
    q.k = (guint) g_rand_int_range (rand, 0, 25);
    if (round % 3 == 1)
      q.sources = CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY) |
          CE_SOURCE_BIT (CE_SOURCE_SOCIAL);
    if (round % 4 == 2)
      q.status = CE_STATUS_ONLINE;
    if (round % 5 == 3)
      q.street = "大场镇";

    for (guint i = 0; i < all->len; i++) {
      CeCamera *c = g_ptr_array_index (all, i);

      c->distance_m =
          ce_geo_distance_m (q.near_lon, q.near_lat, c->lon, c->lat);
      if (c->distance_m <= q.radius_m && matches_attributes (&q, c))
        g_ptr_array_add (expected, c);
    }
    g_ptr_array_sort (expected, cmp_distance);
    if (q.k > 0 && expected->len > q.k)
      g_ptr_array_set_size (expected, q.k);

    got = ce_registry_query (f->registry, &q, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, expected->len);
    for (guint i = 0; i < got->len; i++) {
      CeCamera *g = g_ptr_array_index (got, i);
      CeCamera *e = g_ptr_array_index (expected, i);

      g_assert_cmpstr (g->id, ==, e->id);
      g_assert_cmpfloat_with_epsilon (g->distance_m, e->distance_m, 1e-6);
    }
  }
}

static void
test_bbox_polygon (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) all = populate (f->registry, 2000, 3);
  /* A concave pentagon over the middle of the district. */
  const double poly[] = {121.30, 31.30, 121.50, 31.30, 121.50, 31.48, 121.40,
      31.38, 121.30, 31.48};
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) got = NULL;
  guint expected = 0;
  CeQuery q;

  ce_query_init (&q);
  q.polygon = poly;
  q.polygon_len = 5;
  got = ce_registry_query (f->registry, &q, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++) {
    CeCamera *c = g_ptr_array_index (all, i);
    expected += ce_geo_point_in_polygon (c->lon, c->lat, poly, 5);
  }
  g_assert_cmpuint (expected, >, 100);
  g_assert_cmpuint (got->len, ==, expected);
  g_assert_cmpint (ce_registry_count (f->registry, &q, NULL), ==, expected);

  /* Polygon with a limit: the first N by id of the same set. */
  q.limit = 7;
  g_clear_pointer (&got, g_ptr_array_unref);
  got = ce_registry_query (f->registry, &q, &error);
  g_assert_cmpuint (got->len, ==, 7);

  ce_query_init (&q);
  q.has_bbox = TRUE;
  q.min_lon = 121.35;
  q.max_lon = 121.40;
  q.min_lat = 31.30;
  q.max_lat = 31.36;
  q.secrecy = 0;
  expected = 0;
  for (guint i = 0; i < all->len; i++) {
    CeCamera *c = g_ptr_array_index (all, i);
    expected += c->lon >= 121.35 && c->lon <= 121.40 && c->lat >= 31.30 &&
        c->lat <= 31.36 && c->secrecy == 0;
  }
  g_assert_cmpint (ce_registry_count (f->registry, &q, NULL), ==, expected);

  /* Nonsense areas are refused with a reason. */
  q.min_lon = 122;
  g_assert_null (ce_registry_query (f->registry, &q, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID);
}

static void
test_paging (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) all = populate (f->registry, 1000, 5);
  g_autoptr (GHashTable) seen =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  CeQuery q;
  guint pages = 0;

  ce_query_init (&q);
  q.sources = CE_SOURCE_BIT (CE_SOURCE_XUELIANG);
  q.limit = 37;
  for (;;) {
    g_autoptr (GPtrArray) page = NULL;
    g_autoptr (GError) error = NULL;

    q.after_id = cursor;
    page = ce_registry_query (f->registry, &q, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < page->len; i++) {
      CeCamera *c = g_ptr_array_index (page, i);

      g_assert_cmpint (c->source, ==, CE_SOURCE_XUELIANG);
      g_assert_true (g_hash_table_add (seen, g_strdup (c->id)));
    }
    pages++;
    if (page->len < q.limit)
      break;
    g_free (cursor);
    cursor =
        g_strdup (((CeCamera *) g_ptr_array_index (page, page->len - 1))->id);
  }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 250);
  g_assert_cmpuint (pages, ==, 7);
}

static guint
count_text (CeRegistry *registry, const char *text)
{
  g_autoptr (GError) error = NULL;
  CeQuery q;
  gint64 n;

  ce_query_init (&q);
  q.text = text;
  n = ce_registry_count (registry, &q, &error);
  g_assert_no_error (error);
  return (guint) n;
}

static void
test_text_search (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) all = populate (f->registry, 400, 9);
  g_autoptr (CeCamera) odd = make_camera (901, 121.4, 31.4);
  g_autoptr (GError) error = NULL;

  g_free (odd->name);
  odd->name = g_strdup ("O'Brien \"100%\" 店_门口; DROP TABLE camera; --");
  g_assert_true (ce_registry_add_camera (f->registry, odd, &error));

  /* Trigram (≥ 3 characters) and LIKE (< 3) find the same substrings. */
  g_assert_cmpuint (count_text (f->registry, "顾村镇"), ==, 100);
  g_assert_cmpuint (count_text (f->registry, "顾村"), ==, 100);
  g_assert_cmpuint (count_text (f->registry, "沪太路"), ==, 400);
  g_assert_cmpuint (count_text (f->registry, "大场镇 沪太路"), ==, 100);
  g_assert_cmpuint (count_text (f->registry, "沪太路12号"), ==, 1);
  /* ids are searchable */
  g_assert_cmpuint (count_text (f->registry, "0013200003"), ==, 100);

  /* Metacharacters of SQL, LIKE and FTS5 are plain text. */
  g_assert_cmpuint (count_text (f->registry, "100%"), ==, 1);
  g_assert_cmpuint (count_text (f->registry, "%"), ==, 1);
  g_assert_cmpuint (count_text (f->registry, "_"), ==, 1);
  g_assert_cmpuint (count_text (f->registry, "店_门"), ==, 1);
  g_assert_cmpuint (count_text (f->registry, "O'Brien"), ==, 1);
  g_assert_cmpuint (count_text (f->registry, "\"100%\""), ==, 1);
  g_assert_cmpuint (count_text (f->registry, "DROP TABLE camera"), ==, 1);
  g_assert_cmpuint (count_text (f->registry, "'; --"), ==, 0);
  g_assert_cmpuint (count_text (f->registry, "NEAR(a b)"), ==, 0);
  g_assert_cmpuint (count_text (f->registry, "沪太* OR 1"), ==, 0);
  g_assert_cmpuint (count_text (f->registry, "^\"*:"), ==, 0);
  /* The table survived all that. */
  g_assert_cmpuint (count_text (f->registry, "宝山区"), ==, 400);
}

static void
test_stats (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) all = populate (f->registry, 120, 1);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  CeQuery q;

  rows = ce_registry_stats (f->registry, CE_STATS_BY_SOURCE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);
  for (guint i = 0; i < rows->len; i++) {
    CeStatsRow *r = g_ptr_array_index (rows, i);

    g_assert_cmpint (r->total, ==, 30);
    g_assert_cmpint (r->online + r->offline + r->unknown, ==, 30);
  }
  ce_query_init (&q);
  q.street = "顾村镇";
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = ce_registry_stats (f->registry, CE_STATS_BY_STATUS, &q, &error);
  g_assert_no_error (error);
  {
    gint64 sum = 0;
    for (guint i = 0; i < rows->len; i++)
      sum += ((CeStatsRow *) g_ptr_array_index (rows, i))->total;
    g_assert_cmpint (sum, ==, 30);
  }
}

static void
test_backup (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) all = populate (f->registry, 300, 2);
  g_autofree char *dest = g_build_filename (f->dir, "backup.db", NULL);
  g_autoptr (CeRegistry) copy = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  CeQuery q;

  g_assert_true (ce_registry_backup (f->registry, dest, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ce_registry_backup (f->registry, dest, NULL, NULL, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE);
  g_clear_error (&error);
  copy = ce_registry_open (dest, CE_REGISTRY_OPEN_NO_CREATE, &error);
  g_assert_no_error (error);
  ce_query_init (&q);
  g_assert_cmpint (ce_registry_count (copy, &q, NULL), ==, 300);
  g_assert_true (ce_registry_check (copy, report, &error));
}

static void
test_locked (Fixture *f, gconstpointer data)
{
  g_autoptr (CeRegistry) other = NULL;
  g_autoptr (CeCamera) c = make_camera (5, 121.4, 31.4);
  g_autoptr (GError) error = NULL;
  CeQuery q;

  other = ce_registry_open (f->path, 0, &error);
  g_assert_no_error (error);
  ce_registry_set_busy_timeout (f->registry, 100);
  /* Another writer holds the write lock. */
  g_assert_true (ce_registry_begin (other, &error));
  g_assert_false (ce_registry_add_camera (f->registry, c, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "locked by another writer"));
  g_clear_error (&error);
  /* Readers are not blocked by the writer (WAL). */
  ce_query_init (&q);
  g_assert_cmpint (ce_registry_count (f->registry, &q, &error), ==, 0);
  g_assert_no_error (error);
  ce_registry_rollback (other);
  g_assert_true (ce_registry_add_camera (f->registry, c, &error));
}

static void
test_read_only (Fixture *f, gconstpointer data)
{
  g_autoptr (CeCamera) c = make_camera (5, 121.4, 31.4);
  g_autoptr (CeRegistry) ro = NULL;
  g_autoptr (GError) error = NULL;
  CeQuery q;

  g_assert_true (ce_registry_add_camera (f->registry, c, &error));
  g_clear_object (&f->registry);

  ro = ce_registry_open (f->path, CE_REGISTRY_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  ce_query_init (&q);
  g_assert_cmpint (ce_registry_count (ro, &q, NULL), ==, 1);
  c->lon = 121.41;
  g_assert_false (ce_registry_update_camera (ro, c, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_clear_object (&ro);

  /* File permissions (root ignores them, so only as a normal user). */
  if (geteuid () != 0) {
    g_assert_cmpint (g_chmod (f->path, 0444), ==, 0);
    ro = ce_registry_open (f->path, CE_REGISTRY_OPEN_DEFAULT, &error);
    if (ro != NULL) {
      g_assert_false (ce_registry_update_camera (ro, c, &error));
    }
    g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_READ_ONLY);
  }
}

/* ---- import driver ---------------------------------------------------- */

static CeImportReport *
import_text (CeRegistry *registry, const char *text, CeFormat format,
    const CeImportOptions *options, GError **error)
{
  g_autoptr (CeImporter) importer = ce_importer_new (registry, options, error);
  g_autoptr (GInputStream) in = NULL;
  CeImportReport *report = NULL;

  if (importer == NULL)
    return NULL;
  in = g_memory_input_stream_new_from_data (text, -1, NULL);
  if (!ce_importer_add_stream (importer, in, NULL, format, NULL, error))
    return NULL;
  if (!ce_importer_finish (importer, &report, error)) {
    ce_import_report_free (report);
    return NULL;
  }
  return report;
}

static const char csv_header[] =
    "id,name,source,street,civil_code,address,lon,lat,rtsp_url,tags\n";

static void
test_import_csv (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strconcat (csv_header,
      "31011300001320000001,宝山区顾村镇沪太路菊太路口东北角,public_security,"
      ",310113109,,121.3845,31.3474,rtsp://admin:pw%40x@127.0.0.1:8555/cam/1,"
      "\"主干道,路口\"\n"
      "31011300001320000002,second,雪亮,大场镇,,,121.40,31.31,,\n"
      "3101130000132000000X,bad id,social,,,,121.4,31.3,,\n"
      "31011300001320000001,duplicate,social,,,,121.4,31.3,,\n"
      "31011300001320000003,zero,social,,,,0,0,,\n",
      NULL);
  g_autoptr (CeImportReport) report = NULL;
  g_autoptr (CeCamera) c = NULL;
  g_autoptr (GError) error = NULL;
  CeImportOptions options;

  ce_import_options_init (&options);
  report = import_text (f->registry, text, CE_FORMAT_CSV, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->records, ==, 5);
  g_assert_cmpuint (report->inserted, ==, 2);
  g_assert_cmpuint (report->rejected, ==, 3);
  g_assert_true (report->applied);
  {
    CeImportReject *r0 = g_ptr_array_index (report->rejects, 0);
    CeImportReject *r1 = g_ptr_array_index (report->rejects, 1);
    CeImportReject *r2 = g_ptr_array_index (report->rejects, 2);

    g_assert_cmpstr (r0->where, ==, "line 4");
    g_assert_nonnull (strstr (r0->reason, "not a digit"));
    g_assert_cmpstr (r1->where, ==, "line 5");
    g_assert_nonnull (strstr (r1->reason, "duplicate id"));
    g_assert_nonnull (strstr (r1->reason, "line 2"));
    g_assert_nonnull (strstr (r2->reason, "(0, 0)"));
  }

  /* Credentials moved out of the URL; street from the civil code. */
  c = ce_registry_dup_camera (f->registry, "31011300001320000001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->username, ==, "admin");
  g_assert_cmpstr (c->password, ==, "pw@x");
  g_assert_cmpstr (c->rtsp_url, ==, "rtsp://127.0.0.1:8555/cam/1");
  g_assert_cmpstr (c->street, ==, "顾村镇");
  g_assert_cmpstr (c->tags, ==, "主干道,路口");

  /* Again: unchanged. */
  g_clear_pointer (&report, ce_import_report_free);
  report = import_text (f->registry, text, CE_FORMAT_CSV, &options, &error);
  g_assert_cmpuint (report->unchanged, ==, 2);
  g_assert_cmpuint (report->inserted, ==, 0);
}

static void
test_import_modes (Fixture *f, gconstpointer data)
{
  g_autofree char *first = g_strconcat (csv_header,
      "31011300001320000001,one,social,,,,121.40,31.30,,\n"
      "31011300001320000002,two,social,,,,121.41,31.31,,\n"
      "31011300001320000003,three,social,,,,121.42,31.32,,\n",
      NULL);
  g_autofree char *second = g_strconcat (csv_header,
      "31011300001320000001,one renamed,social,,,,121.40,31.30,,\n"
      "31011300001320000004,four,social,,,,121.43,31.33,,\n"
      "31011300001320000003,three but bad,social,,,,500,31.32,,\n",
      NULL);
  g_autoptr (GError) error = NULL;
  CeImportOptions options;
  CeImportReport *report;
  CeQuery all;

  ce_query_init (&all);
  ce_import_options_init (&options);
  report = import_text (f->registry, first, CE_FORMAT_CSV, &options, &error);
  ce_import_report_free (report);

  /* dry run: full report, nothing changes */
  options.dry_run = TRUE;
  report = import_text (f->registry, second, CE_FORMAT_CSV, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->updated, ==, 1);
  g_assert_cmpuint (report->inserted, ==, 1);
  g_assert_false (report->applied);
  ce_import_report_free (report);
  g_assert_cmpint (ce_registry_count (f->registry, &all, NULL), ==, 3);

  /* strict: one bad row refuses everything */
  options.dry_run = FALSE;
  options.strict = TRUE;
  report = import_text (f->registry, second, CE_FORMAT_CSV, &options, &error);
  g_assert_null (report);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (ce_registry_count (f->registry, &all, NULL), ==, 3);

  /* insert-only: known ids are rejected */
  options.strict = FALSE;
  options.mode = CE_IMPORT_MODE_INSERT_ONLY;
  report = import_text (f->registry, second, CE_FORMAT_CSV, &options, &error);
  g_assert_cmpuint (report->inserted, ==, 1);
  g_assert_cmpuint (report->rejected, ==, 2);
  ce_import_report_free (report);

  /* replace-all: 002 goes; 003 stays although its row was rejected */
  options.mode = CE_IMPORT_MODE_REPLACE_ALL;
  report = import_text (f->registry, second, CE_FORMAT_CSV, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->deleted, ==, 1);
  g_assert_cmpuint (report->updated, ==, 1);
  ce_import_report_free (report);
  g_assert_cmpint (ce_registry_count (f->registry, &all, NULL), ==, 3);
  g_assert_null (
      ce_registry_dup_camera (f->registry, "31011300001320000002", NULL));
}

static void
test_import_crs_and_source (Fixture *f, gconstpointer data)
{
  const char *text = "id,name,lon,lat\n"
                     "31011300001320000001,gcj point,121.3890,31.3455\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) c = NULL;
  CeImportOptions options;
  CeImportReport *report;
  double wlon, wlat;

  ce_import_options_init (&options);
  options.crs = CE_CRS_GCJ02;
  report = import_text (f->registry, text, CE_FORMAT_CSV, &options, &error);
  g_assert_cmpuint (report->rejected, ==, 1);
  g_assert_nonnull (strstr (
      ((CeImportReject *) g_ptr_array_index (report->rejects, 0))->reason,
      "source"));
  ce_import_report_free (report);

  options.default_source = CE_SOURCE_XUELIANG;
  report = import_text (f->registry, text, CE_FORMAT_CSV, &options, &error);
  g_assert_cmpuint (report->inserted, ==, 1);
  ce_import_report_free (report);
  c = ce_registry_dup_camera (f->registry, "31011300001320000001", &error);
  g_assert_cmpint (c->source, ==, CE_SOURCE_XUELIANG);
  ce_geo_convert (CE_CRS_GCJ02, CE_CRS_WGS84, 121.3890, 31.3455, &wlon, &wlat);
  g_assert_cmpfloat_with_epsilon (c->lon, wlon, 1e-9);
  g_assert_cmpfloat_with_epsilon (c->lat, wlat, 1e-9);
  g_assert_cmpfloat (c->lon, <, 121.3890 - 0.004);
}

static void
test_import_fatal_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr (CeImporter) importer = NULL;
  g_autoptr (GInputStream) good = NULL;
  g_autoptr (GInputStream) bad = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strconcat (csv_header,
      "31011300001320000001,one,social,,,,121.40,31.30,,\n", NULL);
  CeImportOptions options;
  CeQuery all;

  ce_import_options_init (&options);
  importer = ce_importer_new (f->registry, &options, &error);
  good = g_memory_input_stream_new_from_data (text, -1, NULL);
  g_assert_true (ce_importer_add_stream (importer, good, "a.csv", CE_FORMAT_CSV,
      NULL, &error));
  bad = g_memory_input_stream_new_from_data ("id,colour\n1,red\n", -1, NULL);
  g_assert_false (ce_importer_add_stream (importer, bad, "b.csv", CE_FORMAT_CSV,
      NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "b.csv"));
  g_clear_pointer (&importer, ce_importer_free);
  ce_query_init (&all);
  g_assert_cmpint (ce_registry_count (f->registry, &all, NULL), ==, 0);
}

static CeDeepRecord *
make_deep_record (const char *id, CeDeepResult result, gint64 at, guint8 fill)
{
  CeDeepRecord *r = g_new0 (CeDeepRecord, 1);
  guint8 sig[CE_DEEP_SIGNATURE_SIZE];

  memset (sig, fill, sizeof (sig));
  r->camera_id = g_strdup (id);
  r->result = result;
  r->checked_at = at;
  r->luma_mean = 16.5;
  r->luma_spread = 1.25;
  r->distance = 3;
  r->signature = g_bytes_new (sig, sizeof (sig));
  r->signature_at_ms = at * 1000 - 400;
  r->detail = g_strdup ("");
  return r;
}

static void
test_deep_check (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = populate (f->registry, 12, 7);
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (CeDeepRecord) r = NULL;
  g_autoptr (CeDeepRecord) got = NULL;
  g_autoptr (CeDeepRecord) bad = NULL;
  const char *first_online = NULL, *second_online = NULL;
  guint online = 0;

  for (guint i = 0; i < all->len; i++) {
    CeCamera *c = g_ptr_array_index (all, i);

    if (c->status != CE_STATUS_ONLINE)
      continue;
    online++;
    if (first_online == NULL)
      first_online = c->id;
    else if (second_online == NULL)
      second_online = c->id;
  }
  g_assert_nonnull (second_online);

  got = ce_registry_dup_deep_check (f->registry, first_online, &error);
  g_assert_null (got);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Never checked first, in id order; only online cameras. */
  candidates = ce_registry_deep_check_candidates (f->registry, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (candidates->len, ==, online);
  g_assert_cmpstr (g_ptr_array_index (candidates, 0), ==, first_online);
  g_clear_pointer (&candidates, g_ptr_array_unref);

  r = make_deep_record (first_online, CE_DEEP_FROZEN, 1000, 0x42);
  g_assert_true (ce_registry_record_deep_check (f->registry, r, &error));
  g_assert_no_error (error);
  got = ce_registry_dup_deep_check (f->registry, first_online, &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->result, ==, CE_DEEP_FROZEN);
  g_assert_cmpstr (ce_deep_result_to_string (got->result), ==, "frozen");
  g_assert_cmpint (got->checked_at, ==, 1000);
  g_assert_cmpfloat (got->luma_mean, ==, 16.5);
  g_assert_cmpfloat (got->luma_spread, ==, 1.25);
  g_assert_cmpint (got->distance, ==, 3);
  g_assert_cmpint (got->signature_at_ms, ==, 999600);
  g_assert_true (g_bytes_equal (got->signature, r->signature));
  g_clear_pointer (&got, ce_deep_record_free);

  /* The checked camera goes to the end of the queue. */
  candidates = ce_registry_deep_check_candidates (f->registry, 1, &error);
  g_assert_cmpuint (candidates->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (candidates, 0), ==, second_online);
  g_clear_pointer (&candidates, g_ptr_array_unref);

  /* Replaced, not added; a check without a picture keeps no signature. */
  g_clear_pointer (&r->signature, g_bytes_unref);
  r->result = CE_DEEP_NO_PICTURE;
  r->checked_at = 2000;
  g_assert_true (ce_registry_record_deep_check (f->registry, r, &error));
  got = ce_registry_dup_deep_check (f->registry, first_online, &error);
  g_assert_cmpint (got->result, ==, CE_DEEP_NO_PICTURE);
  g_assert_null (got->signature);
  g_assert_cmpint (got->signature_at_ms, ==, 0);
  g_clear_pointer (&got, ce_deep_record_free);

  /* Refusals. */
  bad = make_deep_record ("31011300001320099999", CE_DEEP_OK, 1, 0);
  g_assert_false (ce_registry_record_deep_check (f->registry, bad, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&bad->camera_id, g_free);
  bad->camera_id = g_strdup (first_online);
  g_bytes_unref (bad->signature);
  bad->signature = g_bytes_new ("short", 5);
  g_assert_false (ce_registry_record_deep_check (f->registry, bad, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID);
  g_clear_error (&error);

  /* Removed with its camera. */
  g_assert_true (ce_registry_remove_camera (f->registry, first_online, &error));
  g_assert_null (
      ce_registry_dup_deep_check (f->registry, first_online, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
}

/* A registry of schema 4 (before deep checks) migrates on its first
 * writable open and keeps its cameras; a read-only open asks for that. */
static void
test_migrate_deep_check (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = populate (f->registry, 5, 11);
  g_autoptr (CeDeepRecord) r = NULL;
  g_autoptr (CeCamera) kept = NULL;
  CeCamera *first = g_ptr_array_index (all, 0);
  CeRegistry *reopened;
  sqlite3 *db = NULL;

  g_clear_object (&f->registry);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                       "DROP TRIGGER camera_ad_deep_check;"
                       "DROP TABLE camera_deep_check;"
                       "PRAGMA user_version = 4",
                       NULL, NULL, NULL),
      ==, SQLITE_OK);
  sqlite3_close (db);

  reopened = ce_registry_open (f->path, CE_REGISTRY_OPEN_READ_ONLY, &error);
  g_assert_null (reopened);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "needs migrating to 5"));
  g_clear_error (&error);

  f->registry = ce_registry_open (f->path, CE_REGISTRY_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  kept = ce_registry_dup_camera (f->registry, first->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept->name, ==, first->name);
  r = make_deep_record (first->id, CE_DEEP_BLACK, 5, 0);
  g_assert_true (ce_registry_record_deep_check (f->registry, r, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (
        sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==,
        SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 5);
    sqlite3_finalize (stmt);
  }
  sqlite3_close (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/registry/open/schema", test_open_schema);
  ADD ("/registry/open/refusals", test_open_refusals);
  ADD ("/registry/crud", test_crud);
  ADD ("/registry/query/near-brute-force", test_near_matches_brute_force);
  ADD ("/registry/query/bbox-polygon", test_bbox_polygon);
  ADD ("/registry/query/paging", test_paging);
  ADD ("/registry/query/text", test_text_search);
  ADD ("/registry/stats", test_stats);
  ADD ("/registry/backup", test_backup);
  ADD ("/registry/locked", test_locked);
  ADD ("/registry/read-only", test_read_only);
  ADD ("/registry/import/csv", test_import_csv);
  ADD ("/registry/import/modes", test_import_modes);
  ADD ("/registry/import/crs-source", test_import_crs_and_source);
  ADD ("/registry/import/fatal-rolls-back", test_import_fatal_rolls_back);
  ADD ("/registry/deep-check", test_deep_check);
  ADD ("/registry/migrate/deep-check", test_migrate_deep_check);
#undef ADD
  return g_test_run ();
}
