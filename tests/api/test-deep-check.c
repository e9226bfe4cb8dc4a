/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The deep picture check end to end (about 15 s): the camera simulator
 * with a normal, a black, a frozen and a tarpit camera (never answers),
 * cityeyed with a 2 s frozen interval and a 2 s keyframe timeout, POST …/check
 * and GET …/health as operators and others, /metrics, a restart, and a second
 * gateway whose sweeps deep-check a sample of the online cameras.
 */
#include "ce-auth.h"
#include "ce-registry.h"
#include "camsim-fixture.h"
#include "gateway-fixture.h"

#include <string.h>

#define CAM(n) "3101130000132000040" n
#define CAM_NORMAL CAM ("1")
#define CAM_BLACK CAM ("2")
#define CAM_FROZEN CAM ("3")
#define CAM_TARPIT CAM ("4") /* accepts TCP, never answers */
#define CAM_OTHER CAM ("5")  /* 雪亮: outside the operator's sources */
#define CAM_NONE "31011300001320000499"

/* A keyframe every second (the simulator's --gop=1): two checks this far
 * apart see keyframes at least the frozen interval (2 s) apart. */
#define FROZEN_WAIT_MS 3500

typedef struct
{
  CamsimProcess *sim;
  GatewayProcess *gw;
  char *admin, *op, *viewer, *op_other;
} Env;

static Env env;

typedef GatewayReply Reply;

static Reply *
call_on (GatewayProcess *gw, const char *method, const char *path,
    const char *token)
{
  return gateway_process_request (gw, method, path, token, NULL);
}

static Reply *
call (const char *method, const char *path, const char *token)
{
  return call_on (env.gw, method, path, token);
}

static JsonObject *
obj (Reply *r)
{
  return gateway_reply_object (r);
}

static const char *
error_code (Reply *r)
{
  return json_object_get_string_member (
      json_object_get_object_member (obj (r), "error"), "code");
}

/* POST /api/v1/cameras/ID/check as @token; the reply. */
static Reply *
check (const char *id, const char *token)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/cameras/%s/check", id);

  return call ("POST", path, token);
}

/* The "deep_check" object of a 200 reply. */
static JsonObject *
deep (Reply *r)
{
  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_object_member (obj (r), "deep_check");
}

static const char *
result_of (Reply *r)
{
  return json_object_get_string_member (deep (r), "result");
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
add_camera (GatewayProcess *gw, const char *id, const char *cam,
    CeSource source)
{
  g_autofree char *url = camsim_url (env.sim, cam, NULL);
  g_autoptr (CeCamera) c = gateway_camera_new (id, cam, source, url);

  c->status = CE_STATUS_ONLINE;
  gateway_process_add_camera (gw, c);
}

static void
test_normal (void)
{
  g_autoptr (GatewayReply) first = check (CAM_NORMAL, env.op);
  g_autoptr (GatewayReply) frozen1 = NULL;
  g_autoptr (GatewayReply) second = NULL;
  g_autoptr (GatewayReply) frozen2 = NULL;
  JsonObject *d;

  g_assert_cmpstr (result_of (first), ==, "ok");
  d = deep (first);
  /* Nothing to compare with yet. */
  g_assert_true (json_object_get_null_member (d, "distance"));
  g_assert_cmpfloat (json_object_get_double_member (d, "luma_spread"), >, 10);
  g_assert_nonnull (json_object_get_string_member (d, "reference_at"));

  /* The frozen camera's first check is ok too: nothing to compare with. */
  frozen1 = check (CAM_FROZEN, env.admin);
  g_assert_cmpstr (result_of (frozen1), ==, "ok");
  g_assert_true (json_object_get_null_member (deep (frozen1), "distance"));

  wait_ms (FROZEN_WAIT_MS);
  /* The moving picture: another picture, still ok. */
  second = check (CAM_NORMAL, env.op);
  g_assert_cmpstr (result_of (second), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (deep (second), "distance"), >,
      5);
  /* The still one: the same picture, now frozen. */
  frozen2 = check (CAM_FROZEN, env.op);
  g_assert_cmpstr (result_of (frozen2), ==, "frozen");
  g_assert_cmpint (json_object_get_int_member (deep (frozen2), "distance"), <=,
      5);
}

static void
test_black (void)
{
  g_autoptr (GatewayReply) r = check (CAM_BLACK, env.op);
  g_autoptr (GatewayReply) health = NULL;
  JsonObject *d;

  g_assert_cmpstr (result_of (r), ==, "black");
  d = deep (r);
  g_assert_cmpfloat (json_object_get_double_member (d, "luma_mean"), <=, 40);
  g_assert_cmpfloat (json_object_get_double_member (d, "luma_spread"), <=, 4);

  /* GET …/health shows it (a viewer may read what it may see). */
  health = call ("GET", "/api/v1/cameras/" CAM_BLACK "/health", env.viewer);
  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (obj (health), "deep_check"), "result"),
      ==, "black");
}

/* `cityeye camera check` through the API: a table of results, JSON, and
 * the gateway's refusal passed on with exit status 1. */
static void
test_cli (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *a;

  g_assert_cmpint (gateway_process_run_cli (env.gw, env.op, &out, NULL,
                       "camera", "check", CAM_BLACK, CAM_NORMAL, NULL),
      ==, 0);
  g_assert_nonnull (strstr (out, "RESULT"));
  g_assert_true (g_regex_match_simple ("^" CAM_BLACK " +black ", out,
      G_REGEX_MULTILINE, 0));
  g_assert_true (
      g_regex_match_simple ("^" CAM_NORMAL " +ok ", out, G_REGEX_MULTILINE, 0));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (gateway_process_run_cli (env.gw, env.op, &out, NULL,
                       "camera", "check", "--json", CAM_BLACK, NULL),
      ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  a = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (a), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (
                           json_array_get_object_element (a, 0), "deep_check"),
                       "result"),
      ==, "black");
  g_clear_pointer (&out, g_free);

  /* A viewer may not run checks: the gateway's reason, exit 1. */
  g_assert_cmpint (gateway_process_run_cli (env.gw, env.viewer, &out, &err,
                       "camera", "check", CAM_NORMAL, NULL),
      ==, 1);
  g_assert_nonnull (strstr (err, ": 403 "));
  g_assert_nonnull (strstr (err, "1 of 1 cameras could not be checked"));
}

static void
test_no_picture (void)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GatewayReply) r = check (CAM_TARPIT, env.op);
  g_autoptr (GatewayReply) health = NULL;
  double elapsed = (g_get_monotonic_time () - start) / 1e6;

  g_test_message ("no picture: %u after %.2f s", r->status, elapsed);
  g_assert_cmpuint (r->status, ==, 504);
  g_assert_cmpstr (error_code (r), ==, "camera_timeout");
  /* [probe] deep_timeout=2, plus the connection. */
  g_assert_cmpfloat (elapsed, >=, 1.9);
  g_assert_cmpfloat (elapsed, <, 6);
  /* Recorded as such. */
  health = call ("GET", "/api/v1/cameras/" CAM_TARPIT "/health", env.op);
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (obj (health), "deep_check"), "result"),
      ==, "no_picture");
}

static void
test_refusals (void)
{
  g_autoptr (GatewayReply) unknown = check (CAM_NONE, env.op);
  g_autoptr (GatewayReply) other = check (CAM_OTHER, env.op);
  g_autoptr (GatewayReply) viewer = check (CAM_NORMAL, env.viewer);
  g_autoptr (GatewayReply) bad =
      call ("POST", "/api/v1/cameras/" CAM_NORMAL "/check?x=1", env.op);
  g_autoptr (GatewayReply) get =
      call ("GET", "/api/v1/cameras/" CAM_NORMAL "/check", env.op);
  g_autoptr (GatewayReply) never = NULL;

  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_cmpuint (other->status, ==, 403);
  g_assert_cmpuint (viewer->status, ==, 403);
  g_assert_cmpuint (bad->status, ==, 400);
  g_assert_cmpuint (get->status, ==, 405);
  /* A camera never checked: null. */
  never = call ("GET", "/api/v1/cameras/" CAM_OTHER "/health", env.admin);
  g_assert_cmpuint (never->status, ==, 200);
  g_assert_true (json_object_get_null_member (obj (never), "deep_check"));
}

static void
test_metrics_and_restart (void)
{
  g_autoptr (GatewayReply) metrics = call ("GET", "/metrics", env.admin);
  g_autoptr (GatewayReply) health = NULL;
  JsonObject *d;

  g_assert_cmpuint (metrics->status, ==, 200);
  /* The CLI's checks count too: black twice more, ok once more. */
  g_assert_nonnull (strstr (metrics->body,
      "cityeye_deep_checks_total{result=\"black\"} 3\n"));
  g_assert_nonnull (strstr (metrics->body,
      "cityeye_deep_checks_total{result=\"frozen\"} 1\n"));
  g_assert_nonnull (strstr (metrics->body,
      "cityeye_deep_checks_total{result=\"no_picture\"} 1\n"));
  g_assert_nonnull (
      strstr (metrics->body, "cityeye_deep_checks_total{result=\"ok\"} 4\n"));

  /* The registry keeps the results across a restart. */
  gateway_process_restart (env.gw, FALSE);
  health = call ("GET", "/api/v1/cameras/" CAM_FROZEN "/health", env.op);
  g_assert_cmpuint (health->status, ==, 200);
  d = json_object_get_object_member (obj (health), "deep_check");
  g_assert_cmpstr (json_object_get_string_member (d, "result"), ==, "frozen");
  g_assert_nonnull (json_object_get_string_member (d, "checked_at"));
}

/* A gateway whose sweeps deep-check the online cameras after each one. */
static void
test_sample (void)
{
  GatewayProcess *gw = gateway_process_new ("deep-sample");
  g_autofree char *admin = NULL;
  const char *ids[] = {CAM ("6"), CAM ("7")};
  const char *expect[] = {"ok", "black"};
  gint64 deadline;

  add_camera (gw, ids[0], "dc-sample", CE_SOURCE_PUBLIC_SECURITY);
  add_camera (gw, ids[1], "dc-black", CE_SOURCE_PUBLIC_SECURITY);
  admin =
      gateway_process_add_user (gw, "root", "admin", CE_AUTH_ALL_SOURCES, 1);
  gateway_process_start (gw,
      "[probe]\ninterval=2\nstart_delay=0\n"
      "timeout=2\ndeep_sample=8\ndeep_concurrency=2\n"
      "deep_timeout=4\n");
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    g_autofree char *path =
        g_strdup_printf ("/api/v1/cameras/%s/health", ids[i]);

    for (;;) {
      g_autoptr (GatewayReply) r = call_on (gw, "GET", path, admin);
      JsonNode *d;

      g_assert_cmpuint (r->status, ==, 200);
      d = json_object_get_member (obj (r), "deep_check");
      if (d != NULL && !JSON_NODE_HOLDS_NULL (d)) {
        g_assert_cmpstr (
            json_object_get_string_member (json_node_get_object (d), "result"),
            ==, expect[i]);
        break;
      }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      wait_ms (200);
    }
  }
  {
    g_autofree char *log = gateway_process_read_log (gw);

    g_assert_nonnull (strstr (log, "Deep check sample 1: 2 online cameras"));
  }
  gateway_process_stop (gw);
}

int
main (int argc, char **argv)
{
  const char *args[] = {"--loop-seconds=15", "--preload=h264",
      "--fault=dc-black=black", "--fault=dc-frozen=frozen",
      "--fault=dc-tarpit=tarpit", NULL};
  int result;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  /* Fifteen distinct keyframes (moving bars, a GOP of 1 s, a loop of 15 s):
   * checks a few seconds apart never see the same picture of a normal
   * camera. */
  env.sim = camsim_process_start (args);
  env.gw = gateway_process_new ("deep-check");
  add_camera (env.gw, CAM_NORMAL, "dc-normal", CE_SOURCE_PUBLIC_SECURITY);
  add_camera (env.gw, CAM_BLACK, "dc-black", CE_SOURCE_PUBLIC_SECURITY);
  add_camera (env.gw, CAM_FROZEN, "dc-frozen", CE_SOURCE_PUBLIC_SECURITY);
  add_camera (env.gw, CAM_TARPIT, "dc-tarpit", CE_SOURCE_PUBLIC_SECURITY);
  add_camera (env.gw, CAM_OTHER, "dc-other", CE_SOURCE_XUELIANG);
  env.admin = gateway_process_add_user (env.gw, "root", "admin",
      CE_AUTH_ALL_SOURCES, 1);
  env.op = gateway_process_add_user (env.gw, "op1", "operator",
      CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY), 0);
  env.viewer = gateway_process_add_user (env.gw, "view1", "viewer",
      CE_SOURCE_BIT (CE_SOURCE_PUBLIC_SECURITY), 0);
  gateway_process_start (env.gw,
      "[probe]\ndeep_frozen_after=2\ndeep_timeout=2\n[relay]\nlinger=1\n");

  g_test_add_func ("/deep-check/sample", test_sample);
  g_test_add_func ("/deep-check/normal-and-frozen", test_normal);
  g_test_add_func ("/deep-check/black", test_black);
  g_test_add_func ("/deep-check/cli", test_cli);
  g_test_add_func ("/deep-check/no-picture", test_no_picture);
  g_test_add_func ("/deep-check/refusals", test_refusals);
  g_test_add_func ("/deep-check/metrics-and-restart", test_metrics_and_restart);
  result = g_test_run ();
  gateway_process_stop (env.gw);
  camsim_process_stop (env.sim);
  g_free (env.admin);
  g_free (env.op);
  g_free (env.viewer);
  g_free (env.op_other);
  return result;
}
