/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The burned-in clock of cityeye-camsim --burn-clock: painted by the
 * simulator's probe, read by the latency benchmark's reader.  Exact round
 * trips on raw frames, rejection of damaged codes, and the whole path
 * through H.264 at the sub stream's size and a low bitrate.
 */
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "ce-camsim-clock.h"

static void
test_raw_round_trip (void)
{
  const GstVideoFormat formats[] = {GST_VIDEO_FORMAT_I420,
      GST_VIDEO_FORMAT_GRAY8};
  const guint sizes[][2] = {{640, 360}, {1280, 720}, {1920, 1080}, {352, 288}};
  const guint64 values[] = {0, 1, 1764547200123ull, (1ull << 40) - 1,
      0xAAAAAAAAAAull, 0x5555555555ull};

  for (gsize f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++) {
      GstVideoInfo info;
      g_autoptr (GstBuffer) buffer = NULL;
      GstVideoFrame frame;

      gst_video_info_set_format (&info, formats[f], sizes[s][0], sizes[s][1]);
      buffer = gst_buffer_new_allocate (NULL, info.size, NULL);
      gst_buffer_memset (buffer, 0, 0x80, info.size);
      g_assert_true (
          gst_video_frame_map (&frame, &info, buffer, GST_MAP_WRITE));
      for (gsize v = 0; v < G_N_ELEMENTS (values); v++) {
        guint64 ms = 0;
        guint side, y0;
        guint8 *luma = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
        gsize stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

        g_assert_true (ce_clock_code_paint (&frame, values[v]));
        g_assert_true (
            ce_clock_code_read (luma, stride, sizes[s][0], sizes[s][1], &ms));
        g_assert_cmpuint (ms, ==, values[v] % CE_CLOCK_CODE_MODULUS);
        /* One block inverted: the check refuses it. */
        g_assert_true (
            ce_clock_code_geometry (sizes[s][0], sizes[s][1], &side, &y0));
        for (guint r = 0; r < side; r++)
          for (guint c = 0; c < side; c++)
            luma[(y0 + side + r) * stride + 5 * side + c] ^= 0xff;
        g_assert_false (
            ce_clock_code_read (luma, stride, sizes[s][0], sizes[s][1], &ms));
      }
      /* A picture without blocks (all grey, all black) has no code. */
      memset (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), 16,
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) * sizes[s][1]);
      {
        guint64 ms;

        g_assert_false (
            ce_clock_code_read (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), sizes[s][0],
                sizes[s][1], &ms));
      }
      gst_video_frame_unmap (&frame);
    }
  }
}

static void
test_geometry_and_age (void)
{
  guint side, y0;

  g_assert_true (ce_clock_code_geometry (640, 360, &side, &y0));
  g_assert_cmpuint (side, ==, 40);
  g_assert_cmpuint (y0, ==, 240);
  g_assert_false (ce_clock_code_geometry (100, 100, &side, &y0));
  g_assert_false (ce_clock_code_geometry (640, 100, &side, &y0));
  g_assert_cmpint (ce_clock_code_age_ms (1000, 1250), ==, 250);
  g_assert_cmpint (ce_clock_code_age_ms (1250, 1000), ==, -250);
  /* Across the 2^40 wrap. */
  g_assert_cmpint (ce_clock_code_age_ms (CE_CLOCK_CODE_MODULUS - 10,
                       CE_CLOCK_CODE_MODULUS + 30),
      ==, 40);
  g_assert_cmpint (ce_clock_code_age_ms (5, CE_CLOCK_CODE_MODULUS - 5), ==,
      -10);
}

/* The simulator's probe → x264 at 640x360, 200 kbit/s → avdec_h264 →
 * the reader: every decoded frame carries a time from the run, in order. */
static void
test_through_h264 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) paint = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) pad = NULL;
  guint64 t0 = (guint64) (g_get_real_time () / 1000), t1, last = 0;
  guint frames = 0;

  if (gst_element_factory_find ("x264enc") == NULL ||
      gst_element_factory_find ("avdec_h264") == NULL) {
    g_test_skip ("x264enc or avdec_h264 missing");
    return;
  }
  pipeline = gst_parse_launch (
      "videotestsrc num-buffers=30 pattern=ball is-live=true ! "
      "video/x-raw,format=I420,width=640,height=360,framerate=25/1 ! "
      "identity name=paint ! x264enc tune=zerolatency bitrate=200 "
      "speed-preset=ultrafast key-int-max=25 ! avdec_h264 ! videoconvert ! "
      "video/x-raw,format=GRAY8 ! appsink name=sink sync=false",
      &error);
  g_assert_no_error (error);
  paint = gst_bin_get_by_name (GST_BIN (pipeline), "paint");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (paint, "src");
  ce_clock_code_attach (pad);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
    GstVideoInfo info;
    GstVideoFrame frame;
    guint64 ms;

    if (sample == NULL)
      break;
    g_assert_true (
        gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
    g_assert_true (gst_video_frame_map (&frame, &info,
        gst_sample_get_buffer (sample), GST_MAP_READ));
    g_assert_true (ce_clock_code_read (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
        GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), 640, 360, &ms));
    gst_video_frame_unmap (&frame);
    t1 = (guint64) (g_get_real_time () / 1000);
    /* Burned between the start and now (the code is modulo 2^40). */
    g_assert_cmpint (ce_clock_code_age_ms (ms, t0), <=, 0);
    g_assert_cmpint (ce_clock_code_age_ms (ms, t1), >=, 0);
    if (frames > 0)
      g_assert_cmpint (ce_clock_code_age_ms (last, ms), >=, 0);
    last = ms;
    frames++;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_cmpuint (frames, ==, 30);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clock-code/raw-round-trip", test_raw_round_trip);
  g_test_add_func ("/clock-code/geometry-and-age", test_geometry_and_age);
  g_test_add_func ("/clock-code/through-h264", test_through_h264);
  return g_test_run ();
}
