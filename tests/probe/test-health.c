/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Health records, status history and the online-rate arithmetic of the
 * registry, on an in-memory database with chosen timestamps.
 */
#include "ce-registry-health.h"

#include <math.h>
#include <glib/gstdio.h>

static const char *const streets[] = {"顾村镇", "大场镇", "罗店镇"};

typedef struct
{
  CeRegistry *registry;
} Fixture;

static char *
cam_id (guint serial)
{
  return g_strdup_printf ("310113000013200%05u", serial);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->registry = ce_registry_open (":memory:", 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 6; i++) {
    g_autoptr (CeCamera) c = ce_camera_new ();

    c->id = cam_id (i);
    c->name = g_strdup_printf ("宝山区测试路口%u", i);
    c->source = i < 3 ? CE_SOURCE_PUBLIC_SECURITY : CE_SOURCE_XUELIANG;
    c->street = g_strdup (streets[i % 3]);
    c->lon = 121.4 + i * 0.001;
    c->lat = 31.3;
    c->rtsp_url = g_strdup_printf ("rtsp://127.0.0.1:8555/cam/c%u", i);
    g_assert_true (ce_registry_add_camera (f->registry, c, &error));
    g_assert_no_error (error);
  }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->registry);
}

static void
record (Fixture *f, guint serial, CeHealth health, gint64 at)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = cam_id (serial);
  CeHealthReport report = {.health = health, .detail = "test"};

  g_assert_true (
      ce_registry_record_health (f->registry, id, &report, at, NULL, &error));
  g_assert_no_error (error);
}

static CeOnlineRateRow *
find_row (GPtrArray *rows, const char *key)
{
  for (guint i = 0; i < rows->len; i++) {
    CeOnlineRateRow *r = g_ptr_array_index (rows, i);

    if (g_strcmp0 (r->key, key) == 0)
      return r;
  }
  g_assert_not_reached ();
  return NULL;
}

static CeOnlineRateRow *
camera_row (GPtrArray *rows, guint serial)
{
  g_autofree char *id = cam_id (serial);

  return find_row (rows, id);
}

static void
test_record_changes (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = cam_id (0);
  g_autoptr (GArray) history = NULL;
  g_autoptr (CeHealthRecord) rec = NULL;
  g_autoptr (CeCamera) cam = NULL;
  CeHealthReport report = {.health = CE_HEALTH_ONLINE,
      .reason = "",
      .latency_ms = 42,
      .codec = "h264",
      .width = 1280,
      .height = 720,
      .detail = "h264 1280x720"};
  gboolean changed = FALSE;

  g_assert_true (ce_registry_record_health (f->registry, id, &report, 1000,
      &changed, &error));
  g_assert_true (changed);
  /* The same health again: no new change, the probe time moves. */
  g_assert_true (ce_registry_record_health (f->registry, id, &report, 1100,
      &changed, &error));
  g_assert_false (changed);
  report.health = CE_HEALTH_OFFLINE;
  report.reason = "timeout";
  g_assert_true (ce_registry_record_health (f->registry, id, &report, 1200,
      &changed, &error));
  g_assert_true (changed);
  /* offline → auth_failed: a change, but down since 1200 still. */
  report.health = CE_HEALTH_AUTH_FAILED;
  g_assert_true (ce_registry_record_health (f->registry, id, &report, 1300,
      &changed, &error));
  g_assert_true (changed);
  g_assert_no_error (error);

  history =
      ce_registry_dup_status_history (f->registry, id, 0, G_MAXINT64, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 0).from, ==,
      CE_HEALTH_UNKNOWN);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 0).to, ==,
      CE_HEALTH_ONLINE);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 0).at, ==, 1000);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 1).to, ==,
      CE_HEALTH_OFFLINE);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 2).from, ==,
      CE_HEALTH_OFFLINE);
  g_assert_cmpint (g_array_index (history, CeStatusChange, 2).to, ==,
      CE_HEALTH_AUTH_FAILED);

  rec = ce_registry_dup_health (f->registry, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rec->health, ==, CE_HEALTH_AUTH_FAILED);
  g_assert_cmpint (rec->probed_at, ==, 1300);
  g_assert_cmpint (rec->changed_at, ==, 1300);
  g_assert_cmpint (rec->down_since, ==, 1200);
  g_assert_cmpstr (rec->reason, ==, "timeout");

  /* The camera's own status: offline since the first offline probe. */
  cam = ce_registry_dup_camera (f->registry, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cam->status, ==, CE_STATUS_OFFLINE);
  g_assert_cmpint (cam->status_changed_at, ==, 1200);
}

static void
test_record_unknown_camera (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeHealthRecord) rec = NULL;
  CeHealthReport report = {.health = CE_HEALTH_ONLINE};

  g_assert_false (ce_registry_record_health (f->registry,
      "31011300001320099999", &report, 1, NULL, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  rec = ce_registry_dup_health (f->registry, "31011300001320000001", &error);
  g_assert_null (rec);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
}

/* Window [1000, 2000) for every case below. */
static void
test_rate_arithmetic (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  CeOnlineRateRow *r;

  /* 0: online before the window, never changed: 1000/1000. */
  record (f, 0, CE_HEALTH_ONLINE, 500);
  /* 1: online before, offline at 1500, online again at 1800: 700/1000. */
  record (f, 1, CE_HEALTH_ONLINE, 100);
  record (f, 1, CE_HEALTH_OFFLINE, 1500);
  record (f, 1, CE_HEALTH_ONLINE, 1800);
  /* 2: first seen inside the window at 1600, online: 400/400. */
  record (f, 2, CE_HEALTH_ONLINE, 1600);
  /* 3: offline before the window, online at exactly 1000 (the boundary):
   * 1000/1000; and a change at 2000 (the end) does not count. */
  record (f, 3, CE_HEALTH_OFFLINE, 900);
  record (f, 3, CE_HEALTH_ONLINE, 1000);
  record (f, 3, CE_HEALTH_NO_VIDEO, 2000);
  /* 4: online, then offline at 1200 and still offline now: 200/1000;
   * auth_failed later is still not online. */
  record (f, 4, CE_HEALTH_ONLINE, 0);
  record (f, 4, CE_HEALTH_OFFLINE, 1200);
  record (f, 4, CE_HEALTH_AUTH_FAILED, 1900);
  /* 5: never probed: not observed. */

  rows = ce_registry_online_rate (f->registry, CE_KPI_BY_CAMERA, 1000, 2000,
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 6);

  r = camera_row (rows, 0);
  g_assert_cmpint (r->online_s, ==, 1000);
  g_assert_cmpint (r->observed_s, ==, 1000);
  g_assert_cmpstr (r->name, ==, "宝山区测试路口0");
  r = camera_row (rows, 1);
  g_assert_cmpint (r->online_s, ==, 700);
  g_assert_cmpint (r->observed_s, ==, 1000);
  g_assert_cmpfloat_with_epsilon (ce_online_rate_row_get_rate (r), 0.7, 1e-9);
  r = camera_row (rows, 2);
  g_assert_cmpint (r->online_s, ==, 400);
  g_assert_cmpint (r->observed_s, ==, 400);
  g_assert_cmpuint (r->observed, ==, 1);
  r = camera_row (rows, 3);
  g_assert_cmpint (r->online_s, ==, 1000);
  g_assert_cmpint (r->observed_s, ==, 1000);
  r = camera_row (rows, 4);
  g_assert_cmpint (r->online_s, ==, 200);
  g_assert_cmpint (r->observed_s, ==, 1000);
  r = camera_row (rows, 5);
  g_assert_cmpint (r->online_s, ==, 0);
  g_assert_cmpint (r->observed_s, ==, 0);
  g_assert_cmpuint (r->observed, ==, 0);
  g_assert_cmpfloat (ce_online_rate_row_get_rate (r), <, 0);

  /* A window that ends before camera 2 was first seen. */
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = ce_registry_online_rate (f->registry, CE_KPI_BY_CAMERA, 1000, 1500,
      &error);
  g_assert_no_error (error);
  r = camera_row (rows, 2);
  g_assert_cmpint (r->observed_s, ==, 0);
  r = camera_row (rows, 1);
  g_assert_cmpint (r->online_s, ==, 500);
  g_assert_cmpint (r->observed_s, ==, 500);
  r = camera_row (rows, 4);
  g_assert_cmpint (r->online_s, ==, 200);
  g_assert_cmpint (r->observed_s, ==, 500);

  /* Groups add their cameras' seconds. */
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = ce_registry_online_rate (f->registry, CE_KPI_BY_SOURCE, 1000, 2000,
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  r = find_row (rows, "public_security"); /* cameras 0, 1, 2 */
  g_assert_cmpuint (r->cameras, ==, 3);
  g_assert_cmpuint (r->observed, ==, 3);
  g_assert_cmpint (r->online_s, ==, 1000 + 700 + 400);
  g_assert_cmpint (r->observed_s, ==, 1000 + 1000 + 400);
  g_assert_cmpuint (r->online_now, ==, 3);
  r = find_row (rows, "xueliang"); /* cameras 3, 4, 5 */
  g_assert_cmpuint (r->cameras, ==, 3);
  g_assert_cmpuint (r->observed, ==, 2);
  g_assert_cmpint (r->online_s, ==, 1000 + 200);
  g_assert_cmpint (r->observed_s, ==, 2000);
  g_assert_cmpuint (r->online_now, ==, 0);

  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = ce_registry_online_rate (f->registry, CE_KPI_BY_STREET, 1000, 2000,
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  r = find_row (rows, "顾村镇"); /* cameras 0 and 3 */
  g_assert_cmpint (r->online_s, ==, 2000);
  g_assert_cmpint (r->observed_s, ==, 2000);
  r = find_row (rows, "大场镇"); /* cameras 1 and 4 */
  g_assert_cmpint (r->online_s, ==, 900);
  g_assert_cmpint (r->observed_s, ==, 2000);
  r = find_row (rows, "罗店镇"); /* cameras 2 and 5 */
  g_assert_cmpint (r->online_s, ==, 400);
  g_assert_cmpint (r->observed_s, ==, 400);

  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = ce_registry_online_rate (f->registry, CE_KPI_BY_SOURCE, 2000, 2000,
      &error);
  g_assert_null (rows);
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID);
}

static void
test_offline_longest (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autofree char *id1 = cam_id (1);
  g_autofree char *id2 = cam_id (2);
  g_autofree char *id4 = cam_id (4);
  CeDownCamera *d;

  record (f, 0, CE_HEALTH_ONLINE, 100);
  record (f, 1, CE_HEALTH_OFFLINE, 300);
  record (f, 2, CE_HEALTH_AUTH_FAILED, 200);
  record (f, 2, CE_HEALTH_OFFLINE, 400); /* still down since 200 */
  record (f, 3, CE_HEALTH_OFFLINE, 50);
  record (f, 3, CE_HEALTH_ONLINE, 500); /* back: not listed */
  record (f, 4, CE_HEALTH_NO_VIDEO, 350);

  rows = ce_registry_offline_longest (f->registry, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  d = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (d->camera_id, ==, id2);
  g_assert_cmpint (d->down_since, ==, 200);
  g_assert_cmpint (d->health, ==, CE_HEALTH_OFFLINE);
  g_assert_cmpstr (d->street, ==, "罗店镇");
  d = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (d->camera_id, ==, id1);
  d = g_ptr_array_index (rows, 2);
  g_assert_cmpstr (d->camera_id, ==, id4);
  g_assert_cmpint (d->health, ==, CE_HEALTH_NO_VIDEO);

  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = ce_registry_offline_longest (f->registry, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
}

static void
test_remove_camera (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GArray) history = NULL;
  g_autofree char *id = cam_id (5);
  g_autoptr (CeCamera) c = ce_camera_new ();

  record (f, 5, CE_HEALTH_OFFLINE, 10);
  g_assert_true (ce_registry_remove_camera (f->registry, id, &error));
  g_assert_no_error (error);
  rows = ce_registry_offline_longest (f->registry, 0, &error);
  g_assert_cmpuint (rows->len, ==, 0);

  /* A new camera under the same id starts with a clean history. */
  c->id = g_strdup (id);
  c->name = g_strdup ("新摄像机");
  c->source = CE_SOURCE_SOCIAL;
  c->lon = 121.4;
  c->lat = 31.3;
  g_assert_true (ce_registry_add_camera (f->registry, c, &error));
  g_assert_no_error (error);
  history =
      ce_registry_dup_status_history (f->registry, id, 0, G_MAXINT64, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 0);
}

static void
test_read_only (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ce-health-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "r.db", NULL);
  g_autoptr (CeRegistry) rw = NULL;
  g_autoptr (CeRegistry) ro = NULL;
  CeHealthReport report = {.health = CE_HEALTH_ONLINE};

  rw = ce_registry_open (path, 0, &error);
  g_assert_no_error (error);
  g_clear_object (&rw);
  ro = ce_registry_open (path, CE_REGISTRY_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_false (ce_registry_record_health (ro, "31011300001320000000",
      &report, 1, NULL, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_READ_ONLY);
  g_clear_object (&ro);
  g_remove (path);
  g_rmdir (dir);
}

/* The latest health of every probed camera, in id order, and an early
 * stop. */
typedef struct
{
  GPtrArray *ids;
  GArray *healths;
  guint stop_after;
} Seen;

static gboolean
collect (const char *camera_id, CeHealth health, gpointer user_data)
{
  Seen *seen = user_data;

  g_ptr_array_add (seen->ids, g_strdup (camera_id));
  g_array_append_val (seen->healths, health);
  return seen->ids->len != seen->stop_after;
}

static void
test_health_foreach (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) healths = g_array_new (FALSE, FALSE, sizeof (CeHealth));
  Seen seen = {ids, healths, 0};
  g_autofree char *id1 = cam_id (1);
  g_autofree char *id4 = cam_id (4);
  g_autofree char *id5 = cam_id (5);

  record (f, 5, CE_HEALTH_ONLINE, 100);
  record (f, 1, CE_HEALTH_ONLINE, 100);
  record (f, 1, CE_HEALTH_AUTH_FAILED, 200);
  record (f, 4, CE_HEALTH_NO_VIDEO, 150);
  g_assert_true (
      ce_registry_health_foreach (f->registry, collect, &seen, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, id1);
  g_assert_cmpstr (g_ptr_array_index (ids, 1), ==, id4);
  g_assert_cmpstr (g_ptr_array_index (ids, 2), ==, id5);
  g_assert_cmpint (g_array_index (healths, CeHealth, 0), ==,
      CE_HEALTH_AUTH_FAILED);
  g_assert_cmpint (g_array_index (healths, CeHealth, 1), ==,
      CE_HEALTH_NO_VIDEO);
  g_assert_cmpint (g_array_index (healths, CeHealth, 2), ==, CE_HEALTH_ONLINE);

  g_ptr_array_set_size (ids, 0);
  seen.stop_after = 2;
  g_assert_true (
      ce_registry_health_foreach (f->registry, collect, &seen, &error));
  g_assert_cmpuint (ids->len, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/health/record/changes", test_record_changes);
  ADD ("/health/record/unknown-camera", test_record_unknown_camera);
  ADD ("/health/rate/arithmetic", test_rate_arithmetic);
  ADD ("/health/offline-longest", test_offline_longest);
  ADD ("/health/remove-camera", test_remove_camera);
  ADD ("/health/read-only", test_read_only);
  ADD ("/health/foreach", test_health_foreach);
  return g_test_run ();
}
