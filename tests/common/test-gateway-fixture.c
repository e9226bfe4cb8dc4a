/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The cityeyed test fixture itself: the config it writes from the
 * caller's text, a user's token that works, restarts on new and on the
 * same ports, and the directory gone after the stop.
 */
#include "gateway-fixture.h"

#include "ce-auth.h"

#include <string.h>

static guint
get (GatewayProcess *gw, const char *path, const char *token)
{
  g_autofree char *uri = gateway_process_http_url (gw, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", auth);
  body = soup_session_send_and_read (gateway_process_session (gw), msg, NULL,
      &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

static void
test_lifecycle (void)
{
  GatewayProcess *gw = gateway_process_new ("fixture");
  g_autoptr (CeCamera) c = gateway_camera_new ("31011300001320000001",
      "测试相机 cam1", CE_SOURCE_SOCIAL, "rtsp://127.0.0.1:1/cam/none");
  g_autofree char *token =
      gateway_process_add_user (gw, "root", "admin", CE_AUTH_ALL_SOURCES, 1);
  g_autofree char *dir = g_strdup (gateway_process_dir (gw));
  g_autofree char *conf = g_build_filename (dir, "cityeye.conf", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *value = NULL;
  guint http, rtsp;

  gateway_process_add_camera (gw, c);
  gateway_process_add_secret (gw, token);
  /* [http] again, and a key of the fixture's own group set by the caller. */
  gateway_process_start (gw,
      "[relay]\nlinger=1\n[http]\nmax_body=4\n"
      "[probe]\ninterval=0\n");
  g_assert_true (g_key_file_load_from_file (kf, conf, 0, &error));
  g_assert_no_error (error);
  value = g_key_file_get_value (kf, "http", "max_body", NULL);
  g_assert_cmpstr (value, ==, "4");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_value (kf, "http", "port", NULL);
  g_assert_cmpstr (value, ==, "0");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_value (kf, "registry", "database", NULL);
  g_assert_cmpstr (value, ==, gateway_process_db (gw));

  http = gateway_process_http_port (gw);
  rtsp = gateway_process_rtsp_port (gw);
  g_assert_cmpuint (http, !=, 0);
  g_assert_cmpuint (rtsp, !=, 0);
  g_assert_cmpuint (get (gw, "/api/v1/cameras", token), ==, 200);
  g_assert_cmpuint (get (gw, "/api/v1/cameras", "cet_not-a-token"), ==, 401);

  gateway_process_restart (gw, TRUE);
  g_assert_cmpuint (gateway_process_http_port (gw), ==, http);
  g_assert_cmpuint (gateway_process_rtsp_port (gw), ==, rtsp);
  g_assert_cmpuint (get (gw, "/api/v1/cameras", token), ==, 200);

  /* Back to the ports the system picks. */
  gateway_process_restart (gw, FALSE);
  g_assert_cmpuint (get (gw, "/api/v1/cameras", token), ==, 200);

  gateway_process_stop (gw);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gateway-fixture/lifecycle", test_lifecycle);
  return g_test_run ();
}
