/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * ce-first-frame: plays one RTSP URL with a decoding GStreamer pipeline,
 * repeatedly, and prints the time from start to the first decoded frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>

#define PROGRAM "ce-first-frame"

typedef struct
{
  GstElement *pipeline;
  GMainLoop *loop;
  gboolean allow_corrupt;
  gint64 t_start;
  /* Written by streaming threads, read after the loop stopped. */
  gint64 t_first_rtp;
  gint64 t_first_frame;
  gint64 t_first_clean;
  gint frames;
  gboolean linked;
  guint timer;
  char *error;
} Run;

static gint64 process_start;

static GstPadProbeReturn
on_first_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Run *run = data;

  if (run->t_first_rtp == 0)
    run->t_first_rtp = g_get_monotonic_time ();
  return GST_PAD_PROBE_REMOVE;
}

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer data)
{
  Run *run = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample != NULL ? gst_sample_get_buffer (sample) : NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean clean;

  if (buffer == NULL)
    return GST_FLOW_OK;
  clean = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_CORRUPTED);
  run->frames++;
  if (run->t_first_frame == 0)
    run->t_first_frame = now;
  if (clean && run->t_first_clean == 0) {
    run->t_first_clean = now;
    /* Tell the main loop; the bus is thread-safe. */
    gst_element_post_message (GST_ELEMENT (sink),
        gst_message_new_application (GST_OBJECT (sink),
            gst_structure_new_empty ("first-clean-frame")));
  }
  return GST_FLOW_OK;
}

static void
on_pad_added (GstElement *src, GstPad *pad, gpointer data)
{
  Run *run = data;
  g_autoptr (GstCaps) caps = gst_pad_query_caps (pad, NULL);
  GstStructure *s;
  const char *media, *encoding;
  gboolean h265;
  GstElement *depay, *parse, *dec, *sink;
  g_autoptr (GstPad) sinkpad = NULL;
  GstAppSinkCallbacks callbacks = {0};

  if (run->linked || caps == NULL || gst_caps_is_empty (caps))
    return;
  s = gst_caps_get_structure (caps, 0);
  media = gst_structure_get_string (s, "media");
  encoding = gst_structure_get_string (s, "encoding-name");
  if (g_strcmp0 (media, "video") != 0 || encoding == NULL)
    return;
  if (g_ascii_strcasecmp (encoding, "H264") == 0)
    h265 = FALSE;
  else if (g_ascii_strcasecmp (encoding, "H265") == 0)
    h265 = TRUE;
  else
    return;

  depay =
      gst_element_factory_make (h265 ? "rtph265depay" : "rtph264depay", NULL);
  parse = gst_element_factory_make (h265 ? "h265parse" : "h264parse", NULL);
  dec = gst_element_factory_make (h265 ? "avdec_h265" : "avdec_h264", NULL);
  sink = gst_element_factory_make ("appsink", NULL);
  if (depay == NULL || parse == NULL || dec == NULL || sink == NULL) {
    run->error = g_strdup ("missing element (gst-plugins-good, gst-libav?)");
    g_clear_object (&depay);
    g_clear_object (&parse);
    g_clear_object (&dec);
    g_clear_object (&sink);
    g_main_loop_quit (run->loop);
    return;
  }
  callbacks.new_sample = on_new_sample;
  g_object_set (dec, "output-corrupt", run->allow_corrupt, NULL);
  g_object_set (sink, "sync", FALSE, "max-buffers", 4, "drop", TRUE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, run, NULL);
  gst_bin_add_many (GST_BIN (run->pipeline), depay, parse, dec, sink, NULL);
  if (!gst_element_link_many (depay, parse, dec, sink, NULL)) {
    run->error = g_strdup ("cannot link the decoding chain");
    g_main_loop_quit (run->loop);
    return;
  }
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (dec);
  gst_element_sync_state_with_parent (parse);
  gst_element_sync_state_with_parent (depay);
  sinkpad = gst_element_get_static_pad (depay, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_first_rtp, run, NULL);
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK) {
    run->error = g_strdup ("cannot link rtspsrc");
    g_main_loop_quit (run->loop);
    return;
  }
  run->linked = TRUE;
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  Run *run = data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR: {
      g_autoptr (GError) err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      if (run->error == NULL)
        run->error = g_strdup (err->message);
      g_main_loop_quit (run->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      if (run->error == NULL)
        run->error = g_strdup ("end of stream before a clean frame");
      g_main_loop_quit (run->loop);
      break;
    case GST_MESSAGE_APPLICATION:
      g_main_loop_quit (run->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer data)
{
  Run *run = data;

  run->timer = 0;
  if (run->error == NULL)
    run->error = g_strdup ("timeout");
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

static double
ms_since (gint64 start, gint64 t)
{
  return t == 0 ? -1.0 : (double) (t - start) / 1000.0;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  guint n = values->len;

  if (n == 0)
    return -1;
  g_array_sort (values, compare_doubles);
  if (n % 2 == 1)
    return g_array_index (values, double, n / 2);
  return (g_array_index (values, double, n / 2 - 1) +
             g_array_index (values, double, n / 2)) /
      2.0;
}

/* Loads the plugins of the elements a run uses, so that run 1 does not pay
 * for loading libav and the RTP plugins (init_ms includes it). */
static void
preload_plugins (void)
{
  const char *names[] = {"rtspsrc", "rtph264depay", "rtph265depay", "h264parse",
      "h265parse", "avdec_h264", "avdec_h265", "appsink", "rtpbin",
      "rtpjitterbuffer", "rtpsession", "rtpssrcdemux", "rtpptdemux", NULL};

  for (guint i = 0; names[i] != NULL; i++) {
    GstElement *e = gst_element_factory_make (names[i], NULL);

    if (e != NULL)
      gst_object_unref (e);
  }
}

/* Builds and plays one fresh pipeline until the first clean frame, an
 * error or the timeout. */
static void
run_once (Run *run, const char *url, double timeout_s)
{
  GstElement *src;
  g_autoptr (GstBus) bus = NULL;
  guint watch;

  run->t_start = g_get_monotonic_time ();
  run->pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("rtspsrc", NULL);
  if (src == NULL) {
    run->error = g_strdup ("no rtspsrc (gst-plugins-good)");
    gst_object_unref (run->pipeline);
    return;
  }
  g_object_set (src, "location", url, "latency", 0, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "protocols", "tcp");
  g_signal_connect (src, "pad-added", G_CALLBACK (on_pad_added), run);
  gst_bin_add (GST_BIN (run->pipeline), src);

  bus = gst_element_get_bus (run->pipeline);
  watch = gst_bus_add_watch (bus, on_bus, run);
  run->timer = g_timeout_add ((guint) (timeout_s * 1000), on_timeout, run);
  if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    run->error = g_strdup ("cannot start the pipeline");
  } else {
    g_main_loop_run (run->loop);
  }
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  g_source_remove (watch);
  g_clear_handle_id (&run->timer, g_source_remove);
  gst_clear_object (&run->pipeline);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GArray) clean_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GString) json_runs = g_string_new (NULL);
  gint runs = 3, pause_ms = 500;
  double timeout_s = 15;
  gboolean allow_corrupt = FALSE, json = FALSE, no_preload = FALSE;
  guint failed = 0;
  double init_ms;
  const GOptionEntry entries[] = {
      {"runs", 'n', 0, G_OPTION_ARG_INT, &runs,
          "Fresh pipelines to play one after the other, 1 to 1000 "
          "(default 3)",
          "N"},
      {"timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout_s,
          "Seconds to wait for a clean frame per run, 0.5 to 120 (default 15)",
          "S"},
      {"pause", 'p', 0, G_OPTION_ARG_INT, &pause_ms,
          "Milliseconds between runs (default 500)", "MS"},
      {"allow-corrupt", 0, 0, G_OPTION_ARG_NONE, &allow_corrupt,
          "Let the decoder output corrupt frames too (output-corrupt=true) "
          "and report the first frame of any kind besides the first clean "
          "one",
          NULL},
      {"no-preload", 0, 0, G_OPTION_ARG_NONE, &no_preload,
          "Load the plugins in run 1 instead of before it", NULL},
      {"json", 'j', 0, G_OPTION_ARG_NONE, &json,
          "Print one JSON object instead of text", NULL},
      G_OPTION_ENTRY_NULL,
  };

  process_start = g_get_monotonic_time ();
  context = g_option_context_new ("URL - time to the first decoded frame");
  g_option_context_set_description (context,
      "Each run builds rtspsrc protocols=tcp latency=0 ! rtph26Xdepay !\n"
      "h26Xparse ! avdec_h26X output-corrupt=false ! appsink, plays it and\n"
      "measures from the start of the run to the first decoded frame without\n"
      "the CORRUPTED flag.  first_rtp is the first RTP buffer out of\n"
      "rtspsrc; init_ms is the process start-up before run 1 (gst_init and\n"
      "loading the plugins the runs use).\n"
      "\n"
      "Example:\n"
      "  " PROGRAM " --runs 5 rtsp://127.0.0.1:8554/cameras/"
      "31011300001320000001");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return 2;
  }
  if (argc != 2 || runs < 1 || runs > 1000 || timeout_s < 0.5 ||
      timeout_s > 120 || pause_ms < 0 || pause_ms > 60000) {
    g_printerr (PROGRAM ": expected one URL and sane options (see --help)\n");
    return 2;
  }
  gst_init (NULL, NULL);
  if (!no_preload)
    preload_plugins ();
  init_ms = ms_since (process_start, g_get_monotonic_time ());
  loop = g_main_loop_new (NULL, FALSE);

  for (gint i = 0; i < runs; i++) {
    Run run = {0};
    double first_ms, clean, rtp;

    run.loop = loop;
    run.allow_corrupt = allow_corrupt;
    run_once (&run, argv[1], timeout_s);
    first_ms = ms_since (run.t_start, run.t_first_frame);
    clean = ms_since (run.t_start, run.t_first_clean);
    rtp = ms_since (run.t_start, run.t_first_rtp);
    if (run.t_first_clean != 0)
      g_array_append_val (clean_ms, clean);
    else
      failed++;
    if (json) {
      g_string_append_printf (json_runs,
          "%s{\"run\":%d,\"first_rtp_ms\":%.1f,\"first_frame_ms\":%.1f,"
          "\"first_clean_ms\":%.1f,\"frames\":%d,\"error\":",
          i > 0 ? "," : "", i + 1, rtp, first_ms, clean, run.frames);
      if (run.error != NULL) {
        g_autofree char *escaped = g_strescape (run.error, NULL);

        g_string_append_printf (json_runs, "\"%s\"}", escaped);
      } else
        g_string_append (json_runs, "null}");
    } else if (run.error != NULL) {
      g_print ("run %d: no clean frame: %s (first rtp %.1f ms)\n", i + 1,
          run.error, rtp);
    } else {
      g_print ("run %d: first clean frame %.1f ms (first rtp %.1f ms", i + 1,
          clean, rtp);
      if (allow_corrupt)
        g_print (", first frame of any kind %.1f ms", first_ms);
      g_print (")\n");
    }
    g_free (run.error);
    if (i + 1 < runs && pause_ms > 0)
      g_usleep ((gulong) pause_ms * 1000);
  }

  if (json) {
    g_print ("{\"url\":\"%s\",\"init_ms\":%.1f,\"runs\":[%s],\"ok\":%u,"
             "\"failed\":%u,\"median_ms\":%.1f}\n",
        argv[1], init_ms, json_runs->str, clean_ms->len, failed,
        median (clean_ms));
  } else {
    g_print ("%s: %u clean, %u failed, median %.1f ms (start-up %.1f ms)\n",
        argv[1], clean_ms->len, failed, median (clean_ms), init_ms);
  }
  return failed > 0 ? 1 : 0;
}
