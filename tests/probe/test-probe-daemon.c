/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyed's health sweeps end to end: the real gateway sweeping cameras
 * of the real simulator while a viewer watches one of them through the
 * gateway.  The watched camera must never get a second connection; the
 * others are probed at every sweep and their health is recorded.
 */
#include "ce-registry-health.h"
#include "camsim-fixture.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

static char *
cam_id (guint n)
{
  return g_strdup_printf ("310113000013200000%02u", n);
}

static gint64
connections (CamsimProcess *sim, const char *name)
{
  g_autoptr (JsonObject) stats = camsim_camera_stats (sim, name);

  return json_object_get_int_member (stats, "connections_total");
}

static void
wait_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until) {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (10000);
  }
}

static void
test_sweeps_and_relay (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cityeye-probe-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "registry.db", NULL);
  g_autofree char *conf_path = g_build_filename (dir, "cityeye.conf", NULL);
  g_autofree char *conf = NULL;
  g_autofree char *line = NULL;
  g_autofree char *gw_url = NULL;
  g_autofree char *live_id = cam_id (1);
  g_autofree char *idle_id = cam_id (2);
  g_autofree char *off_id = cam_id (3);
  const char *names[] = {"pd-live", "pd-idle", "pd-off"};
  const char *files[] = {"registry.db", "registry.db-wal", "registry.db-shm",
      "cityeye.conf"};
  CamsimProcess *sim = camsim_process_start (NULL);
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GSubprocess) gw = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (CamsimClient) viewer = NULL;
  g_autoptr (CeHealthRecord) live = NULL;
  g_autoptr (CeHealthRecord) off = NULL;
  g_autoptr (GArray) history = NULL;
  g_autoptr (GPtrArray) rate = NULL;
  const char *bin = g_getenv ("CITYEYED_BIN");
  gint64 live0, idle0;

  g_assert_nonnull (bin);
  registry = ce_registry_open (db, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autoptr (CeCamera) c = ce_camera_new ();

    c->id = cam_id (i + 1);
    c->name = g_strdup (names[i]);
    c->source = CE_SOURCE_PUBLIC_SECURITY;
    c->street = g_strdup ("顾村镇");
    c->lon = 121.4;
    c->lat = 31.3;
    c->rtsp_url = camsim_url (sim, names[i], NULL);
    g_assert_true (ce_registry_add_camera (registry, c, &error));
    g_assert_no_error (error);
  }
  g_clear_object (&registry);
  g_assert_cmpuint (camsim_set_fault (sim, "pd-off", "refuse", 0), ==, 200);

  /* Anonymous access: this test is about sweeps, not accounts.  No deep
   * checks: they pull pd-idle through the relay, which then lingers and
   * counts as online without a probe (tests/api/test-deep-check.c). */
  conf = g_strdup_printf ("[registry]\ndatabase=%s\n"
                          "[rtsp]\nport=0\n"
                          "[http]\nport=0\n"
                          "[auth]\nallow_anonymous=true\n"
                          "anonymous_sources=all\nanonymous_secrecy=1\n"
                          "[probe]\ninterval=2\nstart_delay=0\n"
                          "concurrency=2\ntimeout=2\ndeep_sample=0\n",
      db);
  g_assert_true (g_file_set_contents (conf_path, conf, -1, &error));
  gw = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, bin,
      "--config", conf_path, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (gw));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "cityeyed: rtsp="));

  /* A viewer through the gateway: the relay pulls pd-live. */
  gw_url = g_strdup_printf ("rtsp://%s/cameras/%s",
      line + strlen ("cityeyed: rtsp="), live_id);
  viewer = camsim_client_new (gw_url, "h264", "tcp", NULL, NULL);
  g_assert_true (camsim_client_wait_frames (viewer, 5, 20000));
  /* Let a sweep that had already started pass. */
  wait_ms (3000);
  live0 = connections (sim, "pd-live");
  idle0 = connections (sim, "pd-idle");

  /* Three more sweeps or so. */
  camsim_client_run (viewer, 6500);
  g_assert_cmpint (connections (sim, "pd-idle"), >=, idle0 + 2);
  g_assert_cmpint (connections (sim, "pd-live"), ==, live0);
  g_assert_false (camsim_client_has_ended (viewer));

  /* What the gateway recorded. */
  registry = ce_registry_open (db, CE_REGISTRY_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  live = ce_registry_dup_health (registry, live_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (live->health, ==, CE_HEALTH_ONLINE);
  g_assert_cmpstr (live->reason, ==, "relayed");
  off = ce_registry_dup_health (registry, off_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (off->health, ==, CE_HEALTH_OFFLINE);
  g_assert_cmpuint (off->down_since, >, 0);
  history =
      ce_registry_dup_status_history (registry, idle_id, 0, G_MAXINT64, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 1); /* unknown → online, once */
  rate = ce_registry_online_rate (registry, CE_KPI_BY_STREET,
      g_get_real_time () / G_USEC_PER_SEC - 3600,
      g_get_real_time () / G_USEC_PER_SEC + 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rate->len, ==, 1);
  g_assert_cmpuint (((CeOnlineRateRow *) g_ptr_array_index (rate, 0))->observed,
      ==, 3);
  g_assert_cmpuint (
      ((CeOnlineRateRow *) g_ptr_array_index (rate, 0))->online_now, ==, 2);
  g_clear_object (&registry);

  g_clear_pointer (&viewer, camsim_client_free);
  g_subprocess_send_signal (gw, SIGTERM);
  g_assert_true (g_subprocess_wait (gw, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (gw));
  g_assert_cmpint (g_subprocess_get_exit_status (gw), ==, 0);
  camsim_process_stop (sim);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *p = g_build_filename (dir, files[i], NULL);

    g_unlink (p);
  }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/probe/daemon/sweeps-and-relay", test_sweeps_and_relay);
  return g_test_run ();
}
