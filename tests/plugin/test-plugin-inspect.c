/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * gst-inspect-1.0 finds libgstcityeye from the build tree (GST_PLUGIN_PATH,
 * as the README tells users), with its elements, their documented
 * properties and the cityeye:// protocol.
 */
#include <gio/gio.h>
#include <string.h>

/* Runs gst-inspect-1.0 @arg; returns its standard output. */
static char *
inspect (const char *arg)
{
  g_autoptr (GError) error = NULL;
  const char *argv[] = {"gst-inspect-1.0", arg, NULL};
  g_autoptr (GSubprocess) p = NULL;
  char *out = NULL;

  p = g_subprocess_newv (argv,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
      &error);
  g_assert_no_error (error);
  g_assert_true (
      g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  return out;
}

static void
assert_has (const char *text, const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("gst-inspect-1.0 output lacks “%s”:\n%s", needle, text);
}

static void
test_plugin (void)
{
  g_autofree char *out = inspect ("cityeye");

  assert_has (out, "libgstcityeye.so");
  assert_has (out, "cityeyesrc");
  assert_has (out, "cityeyeoverlay");
  assert_has (out, "License                  MIT");
}

static void
test_src (void)
{
  g_autofree char *out = inspect ("cityeyesrc");
  static const char *const props[] = {"camera-id", "gateway", "token",
      "profile", "decode", "start-attempts", "stall-timeout", "latency",
      "CITYEYE_GATEWAY", "rtsp://127.0.0.1:8554", "(1): sub",
      "changeable only in NULL or READY state"};

  assert_has (out, "Rank                     primary");
  assert_has (out, "Supported URI protocols:");
  assert_has (out, "cityeye\n");
  assert_has (out, "video/x-h264");
  assert_has (out, "video/x-h265");
  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    assert_has (out, props[i]);
}

static void
test_overlay (void)
{
  g_autofree char *out = inspect ("cityeyeoverlay");
  static const char *const props[] = {"camera-name", "camera-id", "street",
      "lon", "lat", "time-format", "font-desc", "api", "token", "CITYEYE_API",
      "video/x-raw"};

  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    assert_has (out, props[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("GST_PLUGIN_PATH") == NULL)
    g_error ("GST_PLUGIN_PATH must name the plugin's build directory");

  g_test_add_func ("/plugin/inspect/plugin", test_plugin);
  g_test_add_func ("/plugin/inspect/cityeyesrc", test_src);
  g_test_add_func ("/plugin/inspect/cityeyeoverlay", test_overlay);
  return g_test_run ();
}
