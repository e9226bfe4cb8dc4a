/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The H.265 → H.264 transcode (src/relay/ce-transcode): an H.265 stream
 * pushed into a camera's hub comes out of the transcode's hub as H.264
 * that a decoder accepts, scaled down, with the GOP cache working.
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "ce-hub.h"
#include "ce-transcode.h"

/* 50 frames of 640x360 H.265 at 25 fps, a keyframe every 25. */
static GPtrArray *
encode_h265 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) p = gst_parse_launch (
      "videotestsrc num-buffers=50 pattern=ball "
      "! video/x-raw,width=640,height=360,framerate=25/1,format=I420 "
      "! x265enc key-int-max=25 speed-preset=ultrafast tune=zerolatency "
      "! h265parse config-interval=-1 "
      "! video/x-h265,stream-format=byte-stream,alignment=au "
      "! appsink name=sink sync=false",
      &error);
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
  g_assert_cmpuint (aus->len, ==, 50);
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

/* Decodes @stream (H.264 Annex B) and returns the frames decoded. */
static guint
decode_h264 (GByteArray *stream, guint *width)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) p = gst_parse_launch (
      "appsrc name=src caps=video/x-h264,stream-format=byte-stream "
      "! h264parse ! avdec_h264 ! appsink name=sink sync=false",
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
    g_autoptr (GstSample) s = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstStructure *st;

    if (s == NULL)
      break;
    st = gst_caps_get_structure (gst_sample_get_caps (s), 0);
    gst_structure_get_int (st, "width", (int *) width);
    n++;
  }
  gst_element_set_state (p, GST_STATE_NULL);
  return n;
}

static void
test_h265_to_h264 (void)
{
  static const CeHubConsumerFuncs funcs = {sink_params, sink_au, NULL};
  g_autoptr (GPtrArray) aus = encode_h265 ();
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
  g_assert_cmpuint (decode_h264 (s.stream, &width), >=, 40);
  g_assert_cmpuint (width, ==, 320);
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
  return g_test_run ();
}
