/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Encodes the video loops that the simulated cameras replay.
 */
#include "ce-camsim-loop.h"

#include <math.h>
#include <gst/app/gstappsink.h>

#include "ce-camsim-private.h"

#define N_VARIANTS CE_CAMSIM_N_VARIANTS

typedef enum
{
  LOOP_EMPTY,
  LOOP_ENCODING,
  LOOP_READY,
} LoopState;

typedef struct
{
  LoopState state;    /* protected by lock */
  CeCamsimLoop *loop; /* set once when READY, then immutable */
} LoopSlot;

struct _CeCamsimLoops
{
  const CeCamsimConfig *config; /* borrowed: owned by main */
  GMutex lock;
  GCond cond;
  LoopSlot slots[CE_CAMSIM_N_CODECS][CE_CAMSIM_N_PROFILES][N_VARIANTS];
};

void
ce_camsim_config_get_size (const CeCamsimConfig *config,
    CeCamsimProfile profile, guint variant, guint *width, guint *height)
{
  const CeCamsimStreamConfig *stream = &config->streams[profile];

  if (variant != CE_CAMSIM_VARIANT_RESIZED) {
    *width = stream->width;
    *height = stream->height;
  } else {
    *width = MAX (16, (stream->width * 3 / 4) & ~1u);
    *height = MAX (16, (stream->height * 3 / 4) & ~1u);
  }
}

const char *
ce_camsim_codec_encoder (CeCamsimCodec codec)
{
  return codec == CE_CAMSIM_CODEC_H265 ? "x265enc" : "x264enc";
}

const char *
ce_camsim_codec_parser (CeCamsimCodec codec)
{
  return codec == CE_CAMSIM_CODEC_H265 ? "h265parse" : "h264parse";
}

const char *
ce_camsim_codec_payloader (CeCamsimCodec codec)
{
  return codec == CE_CAMSIM_CODEC_H265 ? "rtph265pay" : "rtph264pay";
}

static const char *
codec_media_type (CeCamsimCodec codec)
{
  return codec == CE_CAMSIM_CODEC_H265 ? "video/x-h265" : "video/x-h264";
}

GstElement *
ce_camsim_make_encoder (CeCamsimCodec codec, guint gop, guint bitrate_kbps,
    gboolean live, GError **error)
{
  const char *factory = ce_camsim_codec_encoder (codec);
  GstElement *encoder = gst_element_factory_make (factory, NULL);

  if (encoder == NULL) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_PIPELINE,
        "No “%s” element (install gstreamer1.0-plugins-%s)", factory,
        codec == CE_CAMSIM_CODEC_H265 ? "bad" : "ugly");
    return NULL;
  }
  /* Like an IP camera: no B-frames, fixed GOP, no scene-cut keyframes, no
   * open GOP (every keyframe is an IDR that a new viewer can start at). */
  gst_util_set_object_arg (G_OBJECT (encoder), "tune", "zerolatency");
  g_object_set (encoder, "key-int-max", gop, "bitrate", bitrate_kbps, NULL);
  if (codec == CE_CAMSIM_CODEC_H265) {
    gst_util_set_object_arg (G_OBJECT (encoder), "speed-preset", "ultrafast");
    g_object_set (encoder, "option-string", "scenecut=0:open-gop=0", NULL);
  } else {
    gst_util_set_object_arg (G_OBJECT (encoder), "speed-preset",
        live ? "ultrafast" : "veryfast");
    g_object_set (encoder, "option-string", "scenecut=0", NULL);
    if (live)
      g_object_set (encoder, "threads", 1, NULL);
  }
  return encoder;
}

/* Appends the parameter-set NAL units of @unit (byte-stream) to @out. */
static void
collect_parameter_sets (CeCamsimCodec codec, const guint8 *data, gsize size,
    GByteArray *out)
{
  static const guint8 start_code[] = {0, 0, 0, 1};
  gsize i = 0;

  while (i + 3 < size) {
    gsize nal_start, nal_end;
    guint type;
    gboolean is_ps;

    /* Find the next 00 00 01. */
    if (!(data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1)) {
      i++;
      continue;
    }
    nal_start = i + 3;
    nal_end = nal_start;
    while (nal_end + 2 < size &&
        !(data[nal_end] == 0 && data[nal_end + 1] == 0 &&
            (data[nal_end + 2] == 1 ||
                (data[nal_end + 2] == 0 && nal_end + 3 < size &&
                    data[nal_end + 3] == 1))))
      nal_end++;
    if (nal_end + 2 >= size)
      nal_end = size;
    if (nal_start >= size)
      break;

    if (codec == CE_CAMSIM_CODEC_H265) {
      type = (data[nal_start] >> 1) & 0x3f;
      is_ps = type >= 32 && type <= 34; /* VPS, SPS, PPS */
    } else {
      type = data[nal_start] & 0x1f;
      is_ps = type == 7 || type == 8; /* SPS, PPS */
    }
    if (is_ps) {
      g_byte_array_append (out, start_code, sizeof (start_code));
      g_byte_array_append (out, data + nal_start, nal_end - nal_start);
    }
    i = nal_end;
  }
}

static void
loop_free (CeCamsimLoop *loop)
{
  if (loop == NULL)
    return;
  g_ptr_array_unref (loop->units);
  gst_clear_buffer (&loop->headers);
  gst_clear_caps (&loop->caps);
  g_free (loop);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeCamsimLoop, loop_free)

/* Makes an element from @factory inside @bin.
 * Returns: (transfer none): the element, or %NULL with @error set. */
static GstElement *
add_element (GstBin *bin, const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_PIPELINE,
        "No “%s” element", factory);
    return NULL;
  }
  gst_bin_add (bin, element);
  return element;
}

static CeCamsimLoop *
encode_loop (const CeCamsimConfig *config, CeCamsimCodec codec,
    CeCamsimProfile profile, guint variant, GError **error)
{
  g_autoptr (CeCamsimLoop) loop = g_new0 (CeCamsimLoop, 1);
  g_autoptr (GstElement) pipeline =
      gst_object_ref_sink (gst_pipeline_new ("camsim-encoder"));
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GstCaps) raw_caps = NULL;
  g_autoptr (GstCaps) coded_caps = NULL;
  g_autoptr (GByteArray) headers = g_byte_array_new ();
  GstElement *src, *raw_filter, *encoder, *parser, *coded_filter, *sink;
  guint frames, keyframes = 0;
  gint64 started = g_get_monotonic_time ();

  loop->codec = codec;
  loop->fps = config->fps;
  ce_camsim_config_get_size (config, profile, variant, &loop->width,
      &loop->height);
  loop->gop = MAX (1, (guint) lround (config->gop_seconds * config->fps));
  frames = loop->gop *
      MAX (1, (guint) ceil (config->loop_seconds * config->fps / loop->gop));
  loop->units =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);

  if (!(src = add_element (GST_BIN (pipeline), "videotestsrc", error)) ||
      !(raw_filter = add_element (GST_BIN (pipeline), "capsfilter", error)))
    return NULL;
  encoder = ce_camsim_make_encoder (codec, loop->gop,
      config->streams[profile].bitrate_kbps, FALSE, error);
  if (encoder == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pipeline), encoder);
  if (!(parser = add_element (GST_BIN (pipeline),
            ce_camsim_codec_parser (codec), error)) ||
      !(coded_filter = add_element (GST_BIN (pipeline), "capsfilter", error)) ||
      !(sink = add_element (GST_BIN (pipeline), "appsink", error)))
    return NULL;

  /* Moving colour bars: enough detail for the encoder to reach its
   * bitrate, and motion that shows a frozen picture at a glance (the
   * pattern's corner of random noise moves too).  The black fault sends
   * black frames, the frozen fault 75 % bars standing still, a pattern
   * without the noise corner: every frame is the same picture. */
  if (variant == CE_CAMSIM_VARIANT_BLACK)
    gst_util_set_object_arg (G_OBJECT (src), "pattern", "black");
  else if (variant == CE_CAMSIM_VARIANT_STILL)
    gst_util_set_object_arg (G_OBJECT (src), "pattern", "smpte75");
  else
    gst_util_set_object_arg (G_OBJECT (src), "pattern", "smpte");
  g_object_set (src, "horizontal-speed",
      variant == CE_CAMSIM_VARIANT_STILL || variant == CE_CAMSIM_VARIANT_BLACK
          ? 0
          : 4,
      "num-buffers", (gint) frames, NULL);
  raw_caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      "I420", "width", G_TYPE_INT, loop->width, "height", G_TYPE_INT,
      loop->height, "framerate", GST_TYPE_FRACTION, loop->fps, 1, NULL);
  g_object_set (raw_filter, "caps", raw_caps, NULL);
  /* Parameter sets in front of every keyframe, so that a viewer can start
   * at any IDR of the loop. */
  g_object_set (parser, "config-interval", -1, NULL);
  coded_caps = gst_caps_new_simple (codec_media_type (codec), "stream-format",
      G_TYPE_STRING, "byte-stream", "alignment", G_TYPE_STRING, "au", NULL);
  g_object_set (coded_filter, "caps", coded_caps, NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  if (!gst_element_link_many (src, raw_filter, encoder, parser, coded_filter,
          sink, NULL)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_PIPELINE,
        "Cannot link the %s encoder pipeline",
        ce_camsim_codec_to_string (codec));
    return NULL;
  }

  GST_INFO ("encoding %s %s loop %ux%u@%u, %u frames, GOP %u, %u kbit/s",
      ce_camsim_codec_to_string (codec), ce_camsim_profile_to_string (profile),
      loop->width, loop->height, loop->fps, frames, loop->gop,
      config->streams[profile].bitrate_kbps);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state (pipeline, GST_STATE_NULL);
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_ENCODE,
        "Cannot start the %s encoder", ce_camsim_codec_to_string (codec));
    return NULL;
  }
  for (;;) {
    g_autoptr (GstSample) sample =
        gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstBuffer *unit;

    if (sample == NULL)
      break;
    unit = gst_sample_get_buffer (sample);
    if (loop->units->len == 0 && loop->caps == NULL) {
      GstStructure *s;

      loop->caps = gst_caps_copy (gst_sample_get_caps (sample));
      /* The appsrc announces only what stays the same across a resize;
       * the parser finds the size in the stream. */
      s = gst_caps_get_structure (loop->caps, 0);
      gst_structure_remove_fields (s, "width", "height", "profile", "level",
          "tier", "chroma-format", "bit-depth-luma", "bit-depth-chroma",
          "colorimetry", "chroma-site", "pixel-aspect-ratio", "interlace-mode",
          "parsed", "codec_data", NULL);
    }
    unit = gst_buffer_copy (unit);
    GST_BUFFER_PTS (unit) = GST_BUFFER_DTS (unit) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET (unit) = GST_BUFFER_OFFSET_END (unit) =
        GST_BUFFER_OFFSET_NONE;
    if (!GST_BUFFER_FLAG_IS_SET (unit, GST_BUFFER_FLAG_DELTA_UNIT))
      keyframes++;
    loop->bytes += gst_buffer_get_size (unit);
    g_ptr_array_add (loop->units, unit);
  }

  bus = gst_element_get_bus (pipeline);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (message != NULL) {
    g_autoptr (GError) gerror = NULL;

    gst_message_parse_error (message, &gerror, NULL);
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_ENCODE,
        "Encoding the %s loop failed: %s", ce_camsim_codec_to_string (codec),
        gerror->message);
    return NULL;
  }

  /* Keep whole GOPs only, so the wrap lands on a keyframe. */
  if (loop->units->len > loop->gop)
    g_ptr_array_set_size (loop->units,
        loop->units->len - loop->units->len % loop->gop);
  if (loop->units->len == 0 || loop->caps == NULL ||
      !ce_camsim_loop_is_keyframe (loop, 0)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_ENCODE,
        "The %s encoder produced no usable loop (%u units)",
        ce_camsim_codec_to_string (codec), loop->units->len);
    return NULL;
  }
  {
    GstMapInfo map;
    GstBuffer *first = g_ptr_array_index (loop->units, 0);

    if (gst_buffer_map (first, &map, GST_MAP_READ)) {
      collect_parameter_sets (codec, map.data, map.size, headers);
      gst_buffer_unmap (first, &map);
    }
  }
  if (headers->len == 0) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_ENCODE,
        "The first %s keyframe carries no parameter sets",
        ce_camsim_codec_to_string (codec));
    return NULL;
  }
  loop->headers = gst_buffer_new_memdup (headers->data, headers->len);
  gst_caps_set_simple (loop->caps, "framerate", GST_TYPE_FRACTION, loop->fps, 1,
      NULL);

  GST_INFO (
      "encoded %s %s loop %ux%u: %u units, %u keyframes, %" G_GUINT64_FORMAT
      " bytes (%.0f kbit/s) in %.2f s",
      ce_camsim_codec_to_string (codec), ce_camsim_profile_to_string (profile),
      loop->width, loop->height, loop->units->len, keyframes, loop->bytes,
      loop->bytes * 8.0 * loop->fps / loop->units->len / 1000.0,
      (g_get_monotonic_time () - started) / 1e6);
  return g_steal_pointer (&loop);
}

CeCamsimLoops *
ce_camsim_loops_new (const CeCamsimConfig *config)
{
  CeCamsimLoops *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_new0 (CeCamsimLoops, 1);
  self->config = config;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  return self;
}

void
ce_camsim_loops_free (CeCamsimLoops *self)
{
  if (self == NULL)
    return;
  for (guint c = 0; c < CE_CAMSIM_N_CODECS; c++)
    for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++)
      for (guint v = 0; v < N_VARIANTS; v++)
        loop_free (self->slots[c][p][v].loop);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}

CeCamsimLoop *
ce_camsim_loops_peek (CeCamsimLoops *self, CeCamsimCodec codec,
    CeCamsimProfile profile, guint variant)
{
  LoopSlot *slot;
  CeCamsimLoop *loop;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (variant < N_VARIANTS, NULL);

  slot = &self->slots[codec][profile][variant];
  g_mutex_lock (&self->lock);
  loop = slot->state == LOOP_READY ? slot->loop : NULL;
  g_mutex_unlock (&self->lock);
  return loop;
}

CeCamsimLoop *
ce_camsim_loops_ensure (CeCamsimLoops *self, CeCamsimCodec codec,
    CeCamsimProfile profile, guint variant, GError **error)
{
  LoopSlot *slot;
  CeCamsimLoop *loop;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (variant < N_VARIANTS, NULL);

  slot = &self->slots[codec][profile][variant];
  g_mutex_lock (&self->lock);
  while (slot->state == LOOP_ENCODING)
    g_cond_wait (&self->cond, &self->lock);
  if (slot->state == LOOP_READY) {
    loop = slot->loop;
    g_mutex_unlock (&self->lock);
    return loop;
  }
  slot->state = LOOP_ENCODING;
  g_mutex_unlock (&self->lock);

  /* Encode without the lock: other loops stay available meanwhile. */
  loop = encode_loop (self->config, codec, profile, variant, error);

  g_mutex_lock (&self->lock);
  slot->loop = loop;
  slot->state = loop != NULL ? LOOP_READY : LOOP_EMPTY;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return loop;
}
