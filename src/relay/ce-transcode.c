/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * H.265 → H.264 for browsers without HEVC (see ce-transcode.h).
 */
#include "ce-transcode.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

GST_DEBUG_CATEGORY_STATIC (ce_transcode_debug);
#define GST_CAT_DEFAULT ce_transcode_debug

/* Queued before the decoder, in access units: about two seconds. */
#define MAX_QUEUED 50

struct _CeTranscode
{
  CeHub *source; /* a ref */
  guint consumer;
  CeHub *hub; /* ours */
  GstElement *pipeline;
  GstAppSrc *appsrc;
  GMutex lock; /* guards: */
  gboolean waiting_keyframe;
  gboolean discont_out; /* the next output unit starts a new session */
  CeTranscodeStats stats;
};

static void
on_params (gpointer user_data, const CeVideoParams *params)
{
  /* The parameter sets travel in front of keyframes. */
}

static void
on_access_unit (gpointer user_data, GstBuffer *au, gboolean cached)
{
  CeTranscode *t = user_data;
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);
  GstBuffer *copy;

  g_mutex_lock (&t->lock);
  t->stats.frames_in++;
  if (GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DISCONT))
    t->waiting_keyframe = TRUE;
  if (gst_app_src_get_current_level_buffers (t->appsrc) >= MAX_QUEUED) {
    /* The encoder cannot keep up: never block the camera's thread. */
    t->waiting_keyframe = TRUE;
    t->stats.frames_skipped++;
    g_mutex_unlock (&t->lock);
    return;
  }
  if (t->waiting_keyframe && !keyframe) {
    t->stats.frames_skipped++;
    g_mutex_unlock (&t->lock);
    return;
  }
  t->waiting_keyframe = FALSE;
  g_mutex_unlock (&t->lock);

  copy = gst_buffer_copy (au);
  GST_BUFFER_DTS (copy) = GST_BUFFER_PTS (copy);
  gst_app_src_push_buffer (t->appsrc, copy);
}

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  CeTranscode *t = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer;
  gboolean discont;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  if (buffer == NULL)
    return GST_FLOW_OK;
  g_mutex_lock (&t->lock);
  discont = t->discont_out;
  t->discont_out = FALSE;
  t->stats.frames_out++;
  g_mutex_unlock (&t->lock);
  ce_hub_push (t->hub, CE_CODEC_H264, gst_buffer_ref (buffer), discont);
  return GST_FLOW_OK;
}

/* Nobody reads the pipeline's bus: log its errors and warnings and drop
 * every message (queued, they would pile up for as long as it runs). */
static GstBusSyncReply
on_bus (GstBus *bus, GstMessage *message, gpointer user_data)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR ||
      GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING) {
    g_autoptr (GError) error = NULL;

    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
      gst_message_parse_error (message, &error, NULL);
    else
      gst_message_parse_warning (message, &error, NULL);
    GST_WARNING ("%s: %s from %s: %s", (const char *) user_data,
        GST_MESSAGE_TYPE_NAME (message), GST_MESSAGE_SRC_NAME (message),
        error->message);
  }
  gst_message_unref (message);
  return GST_BUS_DROP;
}

static GstElement *
make (GstElement *bin, const char *factory, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "The H.265 → H.264 transcode needs the GStreamer element %s "
        "(packages gstreamer1.0-libav and gstreamer1.0-plugins-ugly)",
        factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (bin), e);
  return e;
}

CeTranscode *
ce_transcode_new (CeHub *source, const CeTranscodeConfig *config,
    GError **error)
{
  static const CeHubConsumerFuncs funcs = {on_params, on_access_unit, NULL};
  CeTranscodeConfig cfg = {1280, 2000, 50};
  g_autoptr (CeTranscode) t = g_new0 (CeTranscode, 1);
  g_autofree char *name = NULL;
  GstElement *src, *parse, *dec, *scale, *filter, *enc, *parse_out, *sink;
  g_autoptr (GstCaps) in_caps = NULL;
  g_autoptr (GstCaps) out_caps = NULL;
  GstAppSinkCallbacks callbacks = {NULL, NULL, on_new_sample};

  g_return_val_if_fail (source != NULL, NULL);

  if (ce_transcode_debug == NULL)
    GST_DEBUG_CATEGORY_INIT (ce_transcode_debug, "cityeye-transcode", 0,
        "cityeye H.265 to H.264 transcode");
  if (config != NULL) {
    cfg.max_width = config->max_width;
    if (config->bitrate_kbps > 0)
      cfg.bitrate_kbps = config->bitrate_kbps;
    if (config->gop_frames > 0)
      cfg.gop_frames = config->gop_frames;
  }
  g_mutex_init (&t->lock);
  t->waiting_keyframe = TRUE;
  t->discont_out = TRUE;
  name = g_strdup_printf ("%s/h264", ce_hub_get_name (source));
  t->hub = ce_hub_new (name, NULL);
  t->pipeline = gst_pipeline_new (name);
  {
    g_autoptr (GstBus) bus = gst_element_get_bus (t->pipeline);

    gst_bus_set_sync_handler (bus, on_bus, g_strdup (name), g_free);
  }

  if ((src = make (t->pipeline, "appsrc", error)) == NULL ||
      (parse = make (t->pipeline, "h265parse", error)) == NULL ||
      (dec = make (t->pipeline, "avdec_h265", error)) == NULL ||
      (scale = make (t->pipeline, "videoscale", error)) == NULL ||
      (filter = make (t->pipeline, "capsfilter", error)) == NULL ||
      (enc = make (t->pipeline, "x264enc", error)) == NULL ||
      (parse_out = make (t->pipeline, "h264parse", error)) == NULL ||
      (sink = make (t->pipeline, "appsink", error)) == NULL)
    return NULL;

  t->appsrc = GST_APP_SRC (src);
  in_caps = gst_caps_new_simple ("video/x-h265", "stream-format", G_TYPE_STRING,
      "byte-stream", "alignment", G_TYPE_STRING, "au", NULL);
  g_object_set (src, "caps", in_caps, "format", GST_FORMAT_TIME, "is-live",
      TRUE, "max-buffers", (guint64) (MAX_QUEUED * 2), NULL);
  g_object_set (dec, "max-threads", 1, NULL);
  if (cfg.max_width > 0) {
    /* Down to max_width, never up; the height follows the aspect ratio. */
    g_autoptr (GstCaps) scaled = gst_caps_from_string ("video/x-raw");

    gst_caps_set_simple (scaled, "width", GST_TYPE_INT_RANGE, 16,
        (int) cfg.max_width, NULL);
    g_object_set (filter, "caps", scaled, NULL);
  }
  gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
  g_object_set (enc, "bitrate", cfg.bitrate_kbps, "key-int-max", cfg.gop_frames,
      "b-adapt", FALSE, "bframes", 0, "threads", 1, NULL);
  g_object_set (parse_out, "config-interval", -1, NULL);
  out_caps = gst_caps_new_simple ("video/x-h264", "stream-format",
      G_TYPE_STRING, "byte-stream", "alignment", G_TYPE_STRING, "au", NULL);
  g_object_set (sink, "caps", out_caps, "sync", FALSE, "max-buffers", 64, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, t, NULL);
  if (!gst_element_link_many (src, parse, dec, scale, filter, enc, parse_out,
          sink, NULL)) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Cannot link the H.265 → H.264 transcode pipeline");
    return NULL;
  }
  if (gst_element_set_state (t->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "Cannot start the H.265 → H.264 transcode pipeline");
    return NULL;
  }
  t->source = ce_hub_ref (source);
  t->consumer = ce_hub_attach (source, &funcs, t);
  GST_INFO ("%s: transcoding to H.264 (max width %u, %u kbit/s)", name,
      cfg.max_width, cfg.bitrate_kbps);
  return g_steal_pointer (&t);
}

void
ce_transcode_free (CeTranscode *t)
{
  if (t == NULL)
    return;
  if (t->source != NULL) {
    ce_hub_detach (t->source, t->consumer);
    ce_hub_unref (t->source);
  }
  if (t->pipeline != NULL) {
    gst_element_set_state (t->pipeline, GST_STATE_NULL);
    gst_object_unref (t->pipeline);
  }
  if (t->hub != NULL)
    ce_hub_unref (t->hub);
  g_mutex_clear (&t->lock);
  g_free (t);
}

CeHub *
ce_transcode_get_hub (CeTranscode *t)
{
  return t->hub;
}

void
ce_transcode_get_stats (CeTranscode *t, CeTranscodeStats *stats)
{
  g_mutex_lock (&t->lock);
  *stats = t->stats;
  g_mutex_unlock (&t->lock);
}
