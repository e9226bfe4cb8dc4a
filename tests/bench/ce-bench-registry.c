/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Query timings on an existing registry: nearest-k within a radius through
 * the R*Tree beside a full-scan baseline, and a filtered list.
 */
#include "ce-geo.h"
#include "ce-registry.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
summary (const char *what, double *ms, int n)
{
  qsort (ms, (size_t) n, sizeof (double), cmp_double);
  printf ("%-34s median %8.3f ms   p90 %8.3f ms   p99 %8.3f ms   (n=%d)\n",
      what, ms[n / 2], ms[n * 9 / 10], ms[(n * 99) / 100], n);
}

static void
distance_fn (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  sqlite3_result_double (ctx,
      ce_geo_distance_m (sqlite3_value_double (argv[0]),
          sqlite3_value_double (argv[1]), sqlite3_value_double (argv[2]),
          sqlite3_value_double (argv[3])));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  const char *path;
  int n = 200, n_scan = 20;
  double min_lon = 121.27, max_lon = 121.53, min_lat = 31.26, max_lat = 31.52;
  double *near_ms, *scan_ms, *list_ms;
  gint64 total_found = 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *scan = NULL;
  CeQuery all;
  gint64 count;

  if (argc < 2) {
    fprintf (stderr, "usage: ce-bench-registry DB [QUERIES] [shanghai]\n");
    return 2;
  }
  path = argv[1];
  if (argc > 2)
    n = atoi (argv[2]);
  if (argc > 3 && g_strcmp0 (argv[3], "shanghai") == 0) {
    min_lon = 121.10;
    max_lon = 121.90;
    min_lat = 30.90;
    max_lat = 31.50;
  }
  registry = ce_registry_open (path, CE_REGISTRY_OPEN_READ_ONLY, &error);
  if (registry == NULL) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  ce_query_init (&all);
  count = ce_registry_count (registry, &all, NULL);
  printf ("registry %s: %" G_GINT64_FORMAT " cameras, %.0f bytes/camera\n",
      path, count, (double) ce_registry_get_size (registry) / MAX (count, 1));

  near_ms = g_new (double, n);
  scan_ms = g_new (double, n_scan);
  list_ms = g_new (double, n);

  /* Warm the page cache as a running daemon would have it. */
  for (int i = 0; i < 20; i++) {
    CeQuery q;
    g_autoptr (GPtrArray) r = NULL;

    ce_query_init (&q);
    q.has_near = TRUE;
    q.near_lon = g_rand_double_range (rand, min_lon, max_lon);
    q.near_lat = g_rand_double_range (rand, min_lat, max_lat);
    q.radius_m = 500;
    q.k = 10;
    r = ce_registry_query (registry, &q, NULL);
  }

  for (int i = 0; i < n; i++) {
    CeQuery q;
    g_autoptr (GPtrArray) r = NULL;
    gint64 t0;

    ce_query_init (&q);
    q.has_near = TRUE;
    q.near_lon = g_rand_double_range (rand, min_lon, max_lon);
    q.near_lat = g_rand_double_range (rand, min_lat, max_lat);
    q.radius_m = 500;
    q.k = 10;
    t0 = g_get_monotonic_time ();
    r = ce_registry_query (registry, &q, &error);
    near_ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    g_assert_nonnull (r);
    total_found += r->len;
  }
  summary ("near k=10 r=500m (R*Tree)", near_ms, n);
  printf ("%-34s %.1f cameras per query on average\n", "",
      (double) total_found / n);

  /* Baseline: every row's distance, sorted, the first ten. */
  sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  sqlite3_create_function (db, "dist", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
      NULL, distance_fn, NULL, NULL);
  sqlite3_prepare_v2 (db,
      "SELECT id FROM (SELECT id, dist (?1, ?2, lon, lat) AS d FROM camera) "
      "WHERE d <= 500 ORDER BY d LIMIT 10",
      -1, &scan, NULL);
  for (int i = 0; i < n_scan; i++) {
    gint64 t0;

    sqlite3_bind_double (scan, 1, g_rand_double_range (rand, min_lon, max_lon));
    sqlite3_bind_double (scan, 2, g_rand_double_range (rand, min_lat, max_lat));
    t0 = g_get_monotonic_time ();
    while (sqlite3_step (scan) == SQLITE_ROW)
      ;
    scan_ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    sqlite3_reset (scan);
  }
  summary ("near k=10 r=500m (full scan)", scan_ms, n_scan);
  printf ("%-34s R*Tree is %.0fx faster (medians)\n", "",
      scan_ms[n_scan / 2] / near_ms[n / 2]);
  sqlite3_finalize (scan);
  sqlite3_close (db);

  for (int i = 0; i < n; i++) {
    static const char *const streets[] = {"顾村镇", "大场镇", "杨行镇",
        "罗店镇", "月浦镇", "友谊路街道"};
    CeQuery q;
    g_autoptr (GPtrArray) r = NULL;
    gint64 t0;

    ce_query_init (&q);
    q.sources = CE_SOURCE_BIT (1 + i % 3);
    q.street = streets[i % 6];
    q.secrecy = 0;
    q.limit = 100;
    if (i % 2)
      q.text = "路口";
    t0 = g_get_monotonic_time ();
    r = ce_registry_query (registry, &q, &error);
    list_ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    g_assert_nonnull (r);
  }
  summary ("list source+street(+text) limit 100", list_ms, n);
  g_free (near_ms);
  g_free (scan_ms);
  g_free (list_ms);
  return 0;
}
