/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * One keyframe to one still picture (JPEG or GRAY8).
 */
#include "ce-keyframe.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include "ce-relay.h"

#define DECODE_TIMEOUT_NS (3 * GST_SECOND)

GBytes *
ce_keyframe_decode (GstBuffer *keyframe, CeCodec codec, CeKeyframeFormat format,
    guint width, guint height, guint src_width, guint src_height,
    GError **error)
{
  const char *parse = codec == CE_CODEC_H265 ? "h265parse" : "h264parse";
  const char *dec = codec == CE_CODEC_H265 ? "avdec_h265" : "avdec_h264";
  const char *caps = codec == CE_CODEC_H265 ? "video/x-h265" : "video/x-h264";
  g_autofree char *tail = NULL;
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstSample) sample = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) emsg = NULL;
  GstMapInfo map;
  GBytes *out;

  g_return_val_if_fail (keyframe != NULL, NULL);
  g_return_val_if_fail (codec == CE_CODEC_H264 || codec == CE_CODEC_H265, NULL);
  g_return_val_if_fail (format != CE_KEYFRAME_GRAY8 ||
          (width > 0 && width % 4 == 0 && height > 0),
      NULL);

  if (format == CE_KEYFRAME_GRAY8) {
    /* bilinear2 (multi-tap) averages every source pixel: a plain bilinear
     * reduction by 10 or more would sample a few and alias.  Other shapes
     * than @width × @height are stretched, not framed in black borders. */
    tail = g_strdup_printf ("videoscale method=bilinear2 add-borders=false ! "
                            "video/x-raw,format=GRAY8,width=%u,height=%u,"
                            "pixel-aspect-ratio=1/1",
        width, height);
  } else if (width > 0 && src_width > 0 && src_height > 0) {
    guint h = (guint) ((guint64) src_height * width / src_width);

    tail = g_strdup_printf ("videoscale ! video/x-raw,width=%u,height=%u,"
                            "pixel-aspect-ratio=1/1 ! jpegenc quality=85",
        width, MAX (2, h & ~1u));
  } else {
    tail = g_strdup ("videoscale ! jpegenc quality=85");
  }
  desc = g_strdup_printf ("appsrc name=src format=time caps=%s,"
                          "stream-format=byte-stream,alignment=au ! %s ! %s ! "
                          "videoconvert ! %s ! appsink name=sink sync=false",
      caps, parse, dec, tail);
  pipeline = gst_parse_launch (desc, error);
  if (pipeline == NULL)
    return NULL;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error_literal (error, CE_RELAY_ERROR, CE_RELAY_ERROR_UNAVAILABLE,
        "The keyframe decoder did not start");
    return NULL;
  }
  gst_app_src_push_buffer (GST_APP_SRC (src), gst_buffer_ref (keyframe));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  sample =
      gst_app_sink_try_pull_sample (GST_APP_SINK (sink), DECODE_TIMEOUT_NS);
  bus = gst_element_get_bus (pipeline);
  emsg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (sample == NULL) {
    g_autoptr (GError) gerr = NULL;

    if (emsg != NULL)
      gst_message_parse_error (emsg, &gerr, NULL);
    g_set_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_UNAVAILABLE,
        "The keyframe could not be decoded%s%s", gerr != NULL ? ": " : "",
        gerr != NULL ? gerr->message : "");
    return NULL;
  }
  if (!gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ)) {
    g_set_error_literal (error, CE_RELAY_ERROR, CE_RELAY_ERROR_UNAVAILABLE,
        "Cannot read the decoded picture");
    return NULL;
  }
  if (format == CE_KEYFRAME_GRAY8 && map.size != (gsize) width * height) {
    gsize size = map.size;

    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    g_set_error (error, CE_RELAY_ERROR, CE_RELAY_ERROR_UNAVAILABLE,
        "The decoder gave %" G_GSIZE_FORMAT " bytes for a %ux%u picture", size,
        width, height);
    return NULL;
  }
  out = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  return out;
}

GstBuffer *
ce_keyframe_from_hub (CeHub *hub, CeCodec *codec, guint *src_width,
    guint *src_height, GstClockTime *age)
{
  g_autoptr (GPtrArray) cache = ce_hub_dup_cache (hub);
  GstClockTime key_pts = GST_CLOCK_TIME_NONE;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  GstBuffer *keyframe = NULL;
  CeHubStats stats;

  ce_hub_get_stats (hub, &stats);
  *codec = stats.codec;
  *src_width = stats.width;
  *src_height = stats.height;
  if (age != NULL)
    *age = 0;
  if (stats.codec != CE_CODEC_H264 && stats.codec != CE_CODEC_H265)
    return NULL;
  for (guint i = 0; cache != NULL && i < cache->len; i++) {
    GstBuffer *b = g_ptr_array_index (cache, i);

    if (keyframe == NULL &&
        !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT)) {
      keyframe = gst_buffer_ref (b);
      key_pts = GST_BUFFER_PTS (b);
    }
    if (GST_BUFFER_PTS_IS_VALID (b))
      last_pts = GST_BUFFER_PTS (b);
  }
  if (age != NULL && keyframe != NULL && GST_CLOCK_TIME_IS_VALID (key_pts) &&
      GST_CLOCK_TIME_IS_VALID (last_pts) && last_pts > key_pts)
    *age = last_pts - key_pts;
  return keyframe;
}
