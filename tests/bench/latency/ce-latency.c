/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Glass-to-glass latency of one stream URL whose pictures carry the
 * simulator's burned-in clock (cityeye-camsim --burn-clock): uridecodebin
 * (rtsp://, http:// live.flv / live.mp4, HLS) → GRAY8 frames → the block
 * code → latency = now − burned capture time, per decoded frame.
 *
 *   ce-latency [--seconds 10] [--warmup 3] [--label NAME] URL
 *
 * Prints one line: label, frames read, frames without a code, then p50,
 * p95, min and max in ms over the frames after the warm-up (a new viewer
 * starts with the cached GOP, up to a GOP old).  Frames are taken as
 * they leave the decoder (appsink sync=false): what a player adds by
 * waiting for its clock is not counted.  RTSP is read with rtspsrc
 * latency=0 and decoders run with one thread (frame threading holds
 * frames back).  Exit 1 when no frame carried a code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "ce-camsim-clock.h"

typedef struct
{
  GMainLoop *loop;
  GArray *ages; /* gint64 ms */
  gint64 start_us;
  gint64 warmup_us;
  guint frames;
  guint unreadable;
  gboolean trace;
  char *error;
} Bench;

static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  Bench *b = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  guint64 now_ms = (guint64) (g_get_real_time () / 1000);
  GstVideoInfo info;
  GstVideoFrame frame;
  guint64 burned;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
          GST_MAP_READ))
    return GST_FLOW_OK;
  b->frames++;
  if (ce_clock_code_read (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
          GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame),
          &burned)) {
    gint64 age = ce_clock_code_age_ms (burned, now_ms);

    if (b->trace)
      fprintf (stderr, "%.3f s: %" G_GINT64_FORMAT " ms\n",
          (g_get_monotonic_time () - b->start_us) / 1e6, age);
    if (g_get_monotonic_time () - b->start_us >= b->warmup_us) {

      g_array_append_val (b->ages, age);
    }
  } else {
    b->unreadable++;
  }
  gst_video_frame_unmap (&frame);
  return GST_FLOW_OK;
}

static void
on_source_setup (GstElement *uridecodebin, GstElement *source, gpointer data)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (source), "latency"))
    g_object_set (source, "latency", 0, NULL);
}

static void
on_deep_element_added (GstBin *bin, GstBin *sub, GstElement *element,
    gpointer data)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f != NULL &&
      g_str_has_prefix (gst_plugin_feature_get_name (f), "avdec_") &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (element),
          "max-threads"))
    g_object_set (element, "max-threads", 1, NULL);
}

/* The first video pad of uridecodebin goes to videoconvert; the others
 * (audio) stay unlinked. */
static void
on_pad_added (GstElement *decode, GstPad *pad, gpointer data)
{
  GstElement *convert = data;
  g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (convert, "sink");
  g_autoptr (GstCaps) caps = gst_pad_query_caps (pad, NULL);
  const char *name;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_pad_is_linked (sinkpad))
    return;
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  if (g_str_has_prefix (name, "video/"))
    gst_pad_link (pad, sinkpad);
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  Bench *b = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    if (b->error == NULL)
      b->error = g_strdup (error->message);
    g_main_loop_quit (b->loop);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    g_main_loop_quit (b->loop);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer data)
{
  g_main_loop_quit (((Bench *) data)->loop);
  return G_SOURCE_REMOVE;
}

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gint64
percentile (GArray *sorted, double p)
{
  guint i = (guint) (p * (sorted->len - 1) + 0.5);

  return g_array_index (sorted, gint64, i);
}

int
main (int argc, char **argv)
{
  Bench b = {0};
  double seconds = 10, warmup = 3;
  g_autofree char *label = NULL;
  GOptionEntry entries[] = {{"seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds,
                                "How long to read (default 10)", "S"},
      {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup,
          "Frames of the first S seconds are not counted (default 3)", "S"},
      {"trace", 0, 0, G_OPTION_ARG_NONE, &b.trace,
          "Print each frame's latency to stderr", NULL},
      {"label", 0, 0, G_OPTION_ARG_STRING, &label,
          "Name printed in front (default: the URL's scheme)", "NAME"},
      {NULL}};
  g_autoptr (GOptionContext) ctx = g_option_context_new ("URL");
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstElement *decode, *convert, *filter, *sink;
  g_autoptr (GstCaps) caps = NULL;
  g_autofree char *uri = NULL;
  guint watch;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 ||
      seconds <= 0 || warmup < 0 || warmup >= seconds) {
    fprintf (stderr, "ce-latency: %s\n",
        error != NULL ? error->message
                      : "usage: ce-latency [--seconds S] [--warmup S] URL");
    return 2;
  }
  uri = g_strdup (argv[1]);
  if (label == NULL)
    label = g_uri_parse_scheme (uri);
  if (label == NULL) {
    fprintf (stderr, "ce-latency: “%s” is not a URL\n", uri);
    return 2;
  }

  pipeline = gst_object_ref_sink (gst_pipeline_new (NULL));
  decode = gst_element_factory_make ("uridecodebin", NULL);
  convert = gst_element_factory_make ("videoconvert", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  sink = gst_element_factory_make ("appsink", NULL);
  if (decode == NULL || convert == NULL || filter == NULL || sink == NULL) {
    fprintf (stderr, "ce-latency: GStreamer base plugins are missing\n");
    return 1;
  }
  gst_bin_add_many (GST_BIN (pipeline), decode, convert, filter, sink, NULL);
  if (!gst_element_link_many (convert, filter, sink, NULL))
    g_error ("cannot link videoconvert ! capsfilter ! appsink");
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "GRAY8",
      NULL);
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (sink, "sync", FALSE, "max-buffers", 4, "drop", FALSE, NULL);
  g_object_set (decode, "uri", uri, NULL);
  g_signal_connect (decode, "source-setup", G_CALLBACK (on_source_setup), NULL);
  g_signal_connect (pipeline, "deep-element-added",
      G_CALLBACK (on_deep_element_added), NULL);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), convert);
  {
    GstAppSinkCallbacks callbacks = {.new_sample = on_sample};

    gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, &b, NULL);
  }

  b.loop = g_main_loop_new (NULL, FALSE);
  b.ages = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.warmup_us = (gint64) (warmup * G_USEC_PER_SEC);
  bus = gst_element_get_bus (pipeline);
  watch = gst_bus_add_watch (bus, on_bus, &b);
  b.start_us = g_get_monotonic_time ();
  g_timeout_add ((guint) (seconds * 1000), on_timeout, &b);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (b.loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_source_remove (watch);

  if (b.error != NULL)
    fprintf (stderr, "ce-latency: %s: %s\n", label, b.error);
  if (b.ages->len == 0) {
    fprintf (stderr,
        "ce-latency: %s: no frame with a burned clock after the warm-up "
        "(%u frames, %u without a code; is the simulator started with "
        "--burn-clock?)\n",
        label, b.frames, b.unreadable);
    return 1;
  }
  g_array_sort (b.ages, cmp_i64);
  printf ("%-8s frames %5u unreadable %4u  p50 %5" G_GINT64_FORMAT
          " ms  p95 %5" G_GINT64_FORMAT " ms  min %5" G_GINT64_FORMAT
          " ms  max %5" G_GINT64_FORMAT " ms\n",
      label, b.frames, b.unreadable, percentile (b.ages, 0.5),
      percentile (b.ages, 0.95), g_array_index (b.ages, gint64, 0),
      g_array_index (b.ages, gint64, b.ages->len - 1));
  g_array_unref (b.ages);
  g_main_loop_unref (b.loop);
  g_free (b.error);
  return 0;
}
