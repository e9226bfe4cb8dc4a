/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Hubs into hubs (no daemon): the H.265 → H.264 transcode
 * (src/relay/ce-transcode) and the mosaic (src/relay/ce-mosaic).  What
 * comes out is decoded and looked at.
 */
#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <string.h>

#include "ce-hub.h"
#include "ce-mosaic.h"
#include "ce-transcode.h"

/* @n frames of @pattern at @width x @height, 25 fps, a keyframe every 25,
 * as access units of @codec ("h264" or "h265"). */
static GPtrArray *
encode (const char *codec, const char *pattern, guint n, guint width,
    guint height)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc num-buffers=%u pattern=%s "
      "! video/x-raw,width=%u,height=%u,framerate=25/1,format=I420 "
      "! %s key-int-max=25 speed-preset=ultrafast tune=zerolatency "
      "! %sparse config-interval=-1 "
      "! video/x-%s,stream-format=byte-stream,alignment=au "
      "! appsink name=sink sync=false",
      n, pattern, width, height,
      strcmp (codec, "h265") == 0 ? "x265enc" : "x264enc", codec, codec);
  g_autoptr (GstElement) p = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) sink = NULL;
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);

  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  gst_element_set_state (p, GST_STATE_PLAYING);
  for (;;) {
    g_autoptr (GstSample) s = gst_app_sink_pull_sample (GST_APP_SINK (sink));

    if (s == NULL)
      break;
    g_ptr_array_add (aus, gst_buffer_ref (gst_sample_get_buffer (s)));
  }
  gst_element_set_state (p, GST_STATE_NULL);
  g_assert_cmpuint (aus->len, ==, n);
  return aus;
}

typedef struct
{
  GMutex lock;
  GCond cond;
  guint frames;
  guint keyframes;
  gboolean first_is_key;
  GByteArray *stream; /* what came out, Annex B */
} Sink;

static void
sink_params (gpointer data, const CeVideoParams *params)
{
}

static void
sink_au (gpointer data, GstBuffer *au, gboolean cached)
{
  Sink *s = data;
  GstMapInfo map;
  gboolean key = !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);

  g_mutex_lock (&s->lock);
  if (s->frames == 0)
    s->first_is_key = key;
  s->frames++;
  s->keyframes += key;
  if (gst_buffer_map (au, &map, GST_MAP_READ)) {
    g_byte_array_append (s->stream, map.data, (guint) map.size);
    gst_buffer_unmap (au, &map);
  }
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

static gboolean
sink_wait (Sink *s, guint frames, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  gboolean ok = TRUE;

  g_mutex_lock (&s->lock);
  while (s->frames < frames && ok)
    ok = g_cond_wait_until (&s->cond, &s->lock, end);
  ok = s->frames >= frames;
  g_mutex_unlock (&s->lock);
  return ok;
}

/* Decodes @stream (H.264 Annex B) and returns the frames decoded; the
 * last one as GRAY8 in @last (nullable). */
static guint
decode_h264 (GByteArray *stream, guint *width, GstSample **last)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) p = gst_parse_launch (
      "appsrc name=src caps=video/x-h264,stream-format=byte-stream "
      "! h264parse ! avdec_h264 ! videoconvert "
      "! video/x-raw,format=GRAY8 ! appsink name=sink sync=false",
      &error);
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  guint n = 0;

  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (p), "src");
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  gst_element_set_state (p, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (src),
      gst_buffer_new_memdup (stream->data, stream->len));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  for (;;) {
    GstSample *s = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstStructure *st;

    if (s == NULL)
      break;
    st = gst_caps_get_structure (gst_sample_get_caps (s), 0);
    gst_structure_get_int (st, "width", (int *) width);
    n++;
    if (last != NULL) {
      g_clear_pointer (last, gst_sample_unref);
      *last = s;
    } else {
      gst_sample_unref (s);
    }
  }
  gst_element_set_state (p, GST_STATE_NULL);
  return n;
}

/* Mean of the GRAY8 picture in @sample over the rectangle (fractions). */
static double
mean_luma (GstSample *sample, double x, double y, double w, double h)
{
  GstStructure *st = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;
  int width, height, stride;
  guint64 sum = 0, n = 0;

  g_assert_true (gst_structure_get_int (st, "width", &width));
  g_assert_true (gst_structure_get_int (st, "height", &height));
  stride = GST_ROUND_UP_4 (width);
  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (int row = (int) (y * height); row < (int) ((y + h) * height); row++)
    for (int col = (int) (x * width); col < (int) ((x + w) * width); col++) {
      sum += map.data[row * stride + col];
      n++;
    }
  gst_buffer_unmap (buf, &map);
  return n > 0 ? (double) sum / n : 0;
}

static void
test_h265_to_h264 (void)
{
  static const CeHubConsumerFuncs funcs = {sink_params, sink_au, NULL};
  g_autoptr (GPtrArray) aus = encode ("h265", "ball", 50, 640, 360);
  g_autoptr (CeHub) camera = ce_hub_new ("cam-h265", NULL);
  g_autoptr (GError) error = NULL;
  CeTranscodeConfig config = {320, 500, 25};
  g_autoptr (CeTranscode) t = NULL;
  CeTranscodeStats stats;
  CeVideoParams params;
  Sink s = {0};
  guint id = 0, width = 0;

  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  s.stream = g_byte_array_new ();

  /* The first 10 frames reach the camera's hub before the transcode
   * starts: it begins from the cached GOP. */
  for (guint i = 0; i < aus->len; i++) {
    GstBuffer *au = gst_buffer_copy (aus->pdata[i]);

    GST_BUFFER_PTS (au) = i * 40 * GST_MSECOND;
    ce_hub_push (camera, CE_CODEC_H265, au, i == 0);
    if (i == 9) {
      t = ce_transcode_new (camera, &config, &error);
      g_assert_no_error (error);
      id = ce_hub_attach (ce_transcode_get_hub (t), &funcs, &s);
    }
  }
  g_assert_true (sink_wait (&s, 40, 20000));
  ce_transcode_get_stats (t, &stats);
  g_test_message ("in %" G_GUINT64_FORMAT ", out %" G_GUINT64_FORMAT
                  ", skipped %" G_GUINT64_FORMAT,
      stats.frames_in, stats.frames_out, stats.frames_skipped);
  g_assert_cmpuint (stats.frames_in, ==, 50);
  g_assert_true (s.first_is_key);
  g_assert_cmpuint (s.keyframes, >=, 2); /* every 25 frames */

  ce_hub_dup_params (ce_transcode_get_hub (t), &params);
  g_assert_cmpint (params.codec, ==, CE_CODEC_H264);
  ce_video_params_clear (&params);

  ce_hub_detach (ce_transcode_get_hub (t), id);
  g_clear_pointer (&t, ce_transcode_free);
  /* Real H.264 at the capped width. */
  g_assert_cmpuint (decode_h264 (s.stream, &width, NULL), >=, 40);
  g_assert_cmpuint (width, ==, 320);
  g_byte_array_unref (s.stream);
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.cond);
}

/* Feeds @aus into @hub in real time (25 fps) from a thread, in a loop
 * until @stop. */
typedef struct
{
  CeHub *hub;
  GPtrArray *aus;
  gint stop;
} Feed;

static gpointer
feed_thread (gpointer data)
{
  Feed *f = data;
  guint n = 0;

  while (!g_atomic_int_get (&f->stop))
    for (guint i = 0; i < f->aus->len && !g_atomic_int_get (&f->stop);
         i++, n++) {
      GstBuffer *au = gst_buffer_copy (f->aus->pdata[i]);

      GST_BUFFER_PTS (au) = n * 40 * GST_MSECOND;
      ce_hub_push (f->hub, CE_CODEC_H264, au, n == 0);
      g_usleep (40000);
    }
  return NULL;
}

/* Waits (up to @timeout_ms: decoders start slowly under sanitizers) until
 * the newest picture of the mosaic's output has @bright bright and @dark
 * dark (rectangles as x, y, w, h); the picture's width in @width. */
static gboolean
wait_picture (Sink *s, const double *bright, const double *dark,
    guint timeout_ms, guint *width)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  do {
    g_autoptr (GByteArray) copy = g_byte_array_new ();
    GstSample *last = NULL;
    double b = -1, d = -1;

    g_usleep (500000);
    g_mutex_lock (&s->lock);
    g_byte_array_append (copy, s->stream->data, s->stream->len);
    g_mutex_unlock (&s->lock);
    if (copy->len == 0 || decode_h264 (copy, width, &last) == 0)
      continue;
    b = mean_luma (last, bright[0], bright[1], bright[2], bright[3]);
    d = mean_luma (last, dark[0], dark[1], dark[2], dark[3]);
    gst_sample_unref (last);
    g_test_message ("bright region %.0f, dark region %.0f", b, d);
    if (b > 200 && d < 40)
      return TRUE;
  } while (g_get_monotonic_time () < deadline);
  return FALSE;
}

/* A white camera top left, an empty tile top right, a black camera bottom
 * left with a label, the bottom right unused: the output shows each where
 * it belongs, then a new layout moves the white camera to the bottom
 * right without losing the output hub's viewers. */
static void
test_mosaic (void)
{
  static const CeHubConsumerFuncs funcs = {sink_params, sink_au, NULL};
  g_autoptr (GPtrArray) white = encode ("h264", "white", 25, 320, 180);
  g_autoptr (GPtrArray) black = encode ("h264", "black", 25, 320, 180);
  g_autoptr (CeHub) cam_white = ce_hub_new ("cam-white", NULL);
  g_autoptr (CeHub) cam_black = ce_hub_new ("cam-black", NULL);
  CeMosaicConfig config = {640, 360, 25, 1000};
  g_autoptr (GError) error = NULL;
  g_autoptr (CeMosaic) m = ce_mosaic_new ("wall/1", &config, &error);
  CeMosaicTile tiles[] = {
      {0, 0, 0.5, 0.5, cam_white, NULL},
      {0.5, 0, 0.5, 0.5, NULL, NULL},
      {0, 0.5, 0.5, 0.5, cam_black, "南门 Gate"},
  };
  CeMosaicTile moved[] = {{0.5, 0.5, 0.5, 0.5, cam_white, NULL}};
  CeMosaicTile outside[] = {{0.6, 0.6, 0.5, 0.5, cam_white, NULL}};
  static const double top_left[] = {0.1, 0.1, 0.3, 0.3};
  static const double top_right[] = {0.6, 0.1, 0.3, 0.3};
  static const double bottom_left[] = {0.1, 0.55, 0.3, 0.2};
  static const double bottom_right[] = {0.6, 0.6, 0.3, 0.3};
  Feed fw = {cam_white, white, 0}, fb = {cam_black, black, 0};
  GThread *tw, *tb;
  CeMosaicStats stats;
  Sink s = {0};
  guint id, width = 0;

  g_assert_no_error (error);
  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  s.stream = g_byte_array_new ();
  id = ce_hub_attach (ce_mosaic_get_hub (m), &funcs, &s);
  g_assert_true (ce_mosaic_set_tiles (m, tiles, G_N_ELEMENTS (tiles), &error));
  g_assert_no_error (error);
  tw = g_thread_new ("white", feed_thread, &fw);
  tb = g_thread_new ("black", feed_thread, &fb);

  /* Paced by the live background: about 25 frames a second. */
  g_assert_true (sink_wait (&s, 40, 10000));
  g_assert_true (s.first_is_key);
  /* The white camera where it belongs; the empty tile and the black
   * camera dark. */
  g_assert_true (wait_picture (&s, top_left, top_right, 20000, &width));
  g_assert_true (wait_picture (&s, top_left, bottom_left, 5000, &width));
  g_assert_cmpuint (width, ==, 640);

  /* A rectangle outside the picture is refused; the layout stays. */
  g_assert_false (ce_mosaic_set_tiles (m, outside, 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A new layout: same hub, same consumer. */
  g_mutex_lock (&s.lock);
  g_byte_array_set_size (s.stream, 0);
  s.frames = 0;
  g_mutex_unlock (&s.lock);
  g_assert_true (ce_mosaic_set_tiles (m, moved, 1, &error));
  g_assert_true (sink_wait (&s, 30, 10000));
  g_assert_true (wait_picture (&s, bottom_right, top_left, 20000, &width));

  ce_mosaic_get_stats (m, &stats);
  g_assert_cmpuint (stats.layouts, ==, 3); /* empty, tiles, moved */
  g_assert_cmpuint (stats.frames_in, >, 0);
  g_atomic_int_set (&fw.stop, 1);
  g_atomic_int_set (&fb.stop, 1);
  g_thread_join (tw);
  g_thread_join (tb);
  ce_hub_detach (ce_mosaic_get_hub (m), id);
  g_clear_pointer (&m, ce_mosaic_free);
  g_byte_array_unref (s.stream);
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.cond);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/transcode/h265-to-h264", test_h265_to_h264);
  g_test_add_func ("/mosaic/tiles", test_mosaic);
  return g_test_run ();
}
