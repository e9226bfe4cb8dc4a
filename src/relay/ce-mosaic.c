/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Camera hubs composed into one H.264 stream (see ce-mosaic.h).
 */
#include "ce-mosaic.h"

#include <gst/app/gstappsink.h>
#include <gio/gio.h>
#include <gst/app/gstappsrc.h>

GST_DEBUG_CATEGORY_STATIC (ce_mosaic_debug);
#define GST_CAT_DEFAULT ce_mosaic_debug

#define MAX_TILES 64
/* Queued before a tile's decoder, in access units: about two seconds. */
#define MAX_QUEUED 50

typedef struct _Layout Layout;

typedef struct
{
  Layout *layout;
  CeHub *hub; /* a ref */
  guint consumer;
  GstAppSrc *src;
  GstElement *convert;       /* what decodebin's pad links to */
  gboolean waiting_keyframe; /* under the mosaic's lock */
} Tile;

/* One pipeline: the background, the tiles, the encoder. */
struct _Layout
{
  CeMosaic *mosaic; /* outlives the layout (see retired_layouts) */
  GstElement *pipeline;
  Tile tiles[MAX_TILES];
  guint n_tiles;
  gboolean first_out; /* under the mosaic's lock */
  /* Set when a newer layout took over: from then on this one's output is
   * dropped.  The encoder's output is pushed under the lock, so that once
   * retired no frame of it reaches the hub. */
  GMutex lock;
  gboolean retired;
};

struct _CeMosaic
{
  char *name;
  CeMosaicConfig config;
  CeHub *hub;
  Layout *layout;
  GMutex lock; /* guards the tiles' flags and: */
  CeMosaicStats stats;
  guint retiring; /* old layouts still stopping on the worker thread */
  GCond retired;  /* signalled when one is done */
};

static void
on_params (gpointer user_data, const CeVideoParams *params)
{
  /* The parameter sets travel in front of keyframes. */
}

static void
on_access_unit (gpointer user_data, GstBuffer *au, gboolean cached)
{
  Tile *t = user_data;
  CeMosaic *m = t->layout->mosaic;
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);
  GstBuffer *copy;

  g_mutex_lock (&m->lock);
  m->stats.frames_in++;
  if (GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DISCONT))
    t->waiting_keyframe = TRUE;
  if (gst_app_src_get_current_level_buffers (t->src) >= MAX_QUEUED ||
      (t->waiting_keyframe && !keyframe)) {
    t->waiting_keyframe = TRUE;
    m->stats.frames_skipped++;
    g_mutex_unlock (&m->lock);
    return;
  }
  t->waiting_keyframe = FALSE;
  g_mutex_unlock (&m->lock);

  /* Stamped with the pipeline's running time when pushed (do-timestamp):
   * every camera has its own timeline. */
  copy = gst_buffer_copy (au);
  GST_BUFFER_PTS (copy) = GST_BUFFER_DTS (copy) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_FLAG_UNSET (copy, GST_BUFFER_FLAG_DISCONT);
  gst_app_src_push_buffer (t->src, copy);
}

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  Layout *l = user_data;
  CeMosaic *m = l->mosaic;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample != NULL ? gst_sample_get_buffer (sample) : NULL;
  gboolean discont;

  if (buffer == NULL)
    return sample == NULL ? GST_FLOW_EOS : GST_FLOW_OK;
  g_mutex_lock (&l->lock);
  if (l->retired) {
    g_mutex_unlock (&l->lock);
    return GST_FLOW_OK;
  }
  g_mutex_lock (&m->lock);
  discont = l->first_out;
  l->first_out = FALSE;
  m->stats.frames_out++;
  g_mutex_unlock (&m->lock);
  ce_hub_push (m->hub, CE_CODEC_H264, gst_buffer_ref (buffer), discont);
  g_mutex_unlock (&l->lock);
  return GST_FLOW_OK;
}

static void
on_decoded_pad (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  Tile *t = user_data;
  g_autoptr (GstPad) sink = gst_element_get_static_pad (t->convert, "sink");
  g_autoptr (GstCaps) caps = gst_pad_query_caps (pad, NULL);

  if (gst_pad_is_linked (sink) || caps == NULL ||
      !g_str_has_prefix (
          gst_structure_get_name (gst_caps_get_structure (caps, 0)),
          "video/x-raw"))
    return;
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING ("%s: cannot link a decoded tile", t->layout->mosaic->name);
}

static GstBusSyncReply
on_bus (GstBus *bus, GstMessage *message, gpointer user_data)
{
  Layout *l = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR ||
      GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING) {
    g_autoptr (GError) error = NULL;

    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
      gst_message_parse_error (message, &error, NULL);
    else
      gst_message_parse_warning (message, &error, NULL);
    GST_WARNING ("%s: %s from %s: %s", l->mosaic->name,
        GST_MESSAGE_TYPE_NAME (message), GST_MESSAGE_SRC_NAME (message),
        error->message);
  }
  /* Nobody reads this bus: a dropped message is the handler's to free. */
  gst_message_unref (message);
  return GST_BUS_DROP;
}

static GstElement *
add (GstElement *bin, const char *factory, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "The mosaic needs the GStreamer element %s (packages "
        "gstreamer1.0-plugins-base, -good, -ugly and gstreamer1.0-libav)",
        factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (bin), e);
  return e;
}

static GstCaps *
raw_caps (guint width, guint height, guint fps)
{
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      "I420", "width", G_TYPE_INT, (int) width, "height", G_TYPE_INT,
      (int) height, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);

  if (fps > 0)
    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, (int) fps, 1,
        NULL);
  return caps;
}

/* Stops the tiles' feeding (nothing calls into @l any more), then the
 * pipeline. */
static void
layout_free (Layout *l)
{
  if (l == NULL)
    return;
  for (guint i = 0; i < l->n_tiles; i++) {
    if (l->tiles[i].hub != NULL) {
      if (l->tiles[i].consumer != 0)
        ce_hub_detach (l->tiles[i].hub, l->tiles[i].consumer);
      ce_hub_unref (l->tiles[i].hub);
    }
    l->tiles[i].hub = NULL;
  }
  if (l->pipeline != NULL) {
    gst_element_set_state (l->pipeline, GST_STATE_NULL);
    gst_object_unref (l->pipeline);
  }
  g_mutex_clear (&l->lock);
  g_free (l);
}

static void
retire_one (gpointer data, gpointer user_data)
{
  Layout *l = data;
  CeMosaic *m = l->mosaic;

  layout_free (l);
  g_mutex_lock (&m->lock);
  m->retiring--;
  g_cond_broadcast (&m->retired);
  g_mutex_unlock (&m->lock);
}

/* Stopping a pipeline waits for its threads (about 100 ms for a 3 x 3
 * layout): an old layout is stopped on a worker thread so that a new
 * layout does not hold up the caller's main context that long.  The
 * mosaic waits for its old layouts before it is freed. */
static void
layout_retire (CeMosaic *m, Layout *l)
{
  static GThreadPool *pool;
  static gsize once;

  if (g_once_init_enter (&once)) {
    pool = g_thread_pool_new (retire_one, NULL, 2, FALSE, NULL);
    g_once_init_leave (&once, 1);
  }
  g_mutex_lock (&l->lock);
  l->retired = TRUE;
  g_mutex_unlock (&l->lock);
  /* The tiles stop feeding it at once (their hubs are the cameras'). */
  for (guint i = 0; i < l->n_tiles; i++) {
    if (l->tiles[i].hub != NULL && l->tiles[i].consumer != 0) {
      ce_hub_detach (l->tiles[i].hub, l->tiles[i].consumer);
      l->tiles[i].consumer = 0;
    }
  }
  g_mutex_lock (&m->lock);
  m->retiring++;
  g_mutex_unlock (&m->lock);
  g_thread_pool_push (pool, l, NULL);
}

static gboolean
add_tile (Layout *l, GstElement *comp, const CeMosaicTile *spec, guint index,
    GError **error)
{
  CeMosaic *m = l->mosaic;
  Tile *t = &l->tiles[l->n_tiles];
  guint x = (guint) (spec->x * m->config.width + 0.5);
  guint y = (guint) (spec->y * m->config.height + 0.5);
  guint w = (guint) (spec->width * m->config.width + 0.5) & ~1u;
  guint h = (guint) (spec->height * m->config.height + 0.5) & ~1u;
  GstElement *src, *dec, *scale, *filter, *last;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  g_autoptr (GstPad) srcpad = NULL;

  t->layout = l;
  t->waiting_keyframe = TRUE;
  if ((src = add (l->pipeline, "appsrc", error)) == NULL ||
      (dec = add (l->pipeline, "decodebin", error)) == NULL ||
      (t->convert = add (l->pipeline, "videoconvert", error)) == NULL ||
      (scale = add (l->pipeline, "videoscale", error)) == NULL ||
      (filter = add (l->pipeline, "capsfilter", error)) == NULL)
    return FALSE;
  t->src = GST_APP_SRC (src);
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp",
      TRUE, "max-buffers", (guint64) (MAX_QUEUED * 2), NULL);
  caps = raw_caps (w, h, 0);
  g_object_set (filter, "caps", caps, NULL);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_decoded_pad), t);
  if (!gst_element_link (src, dec) ||
      !gst_element_link_many (t->convert, scale, filter, NULL))
    goto link_failed;
  last = filter;
  if (spec->label != NULL && *spec->label != '\0') {
    GstElement *text = add (l->pipeline, "textoverlay", error);

    if (text == NULL)
      return FALSE;
    g_object_set (text, "text", spec->label, "font-desc", "Sans 12",
        "shaded-background", TRUE, NULL);
    gst_util_set_object_arg (G_OBJECT (text), "valignment", "bottom");
    gst_util_set_object_arg (G_OBJECT (text), "halignment", "left");
    if (!gst_element_link (filter, text))
      goto link_failed;
    last = text;
  }
  sinkpad = gst_element_request_pad_simple (comp, "sink_%u");
  g_object_set (sinkpad, "xpos", (int) x, "ypos", (int) y, "zorder", index + 1,
      NULL);
  srcpad = gst_element_get_static_pad (last, "src");
  if (gst_pad_link (srcpad, sinkpad) != GST_PAD_LINK_OK)
    goto link_failed;
  t->hub = ce_hub_ref (spec->hub);
  l->n_tiles++;
  return TRUE;

link_failed:
  g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
      "Cannot link a mosaic tile");
  return FALSE;
}

/* An empty tile with a label ("no permission", "no signal"): black at a
 * few frames per second, the compositor repeats it. */
static gboolean
add_label_tile (Layout *l, GstElement *comp, const CeMosaicTile *spec,
    guint index, GError **error)
{
  CeMosaic *m = l->mosaic;
  guint x = (guint) (spec->x * m->config.width + 0.5);
  guint y = (guint) (spec->y * m->config.height + 0.5);
  guint w = (guint) (spec->width * m->config.width + 0.5) & ~1u;
  guint h = (guint) (spec->height * m->config.height + 0.5) & ~1u;
  GstElement *src, *filter, *text;
  g_autoptr (GstCaps) caps = raw_caps (w, h, 5);
  g_autoptr (GstPad) sinkpad = NULL;
  g_autoptr (GstPad) srcpad = NULL;

  if ((src = add (l->pipeline, "videotestsrc", error)) == NULL ||
      (filter = add (l->pipeline, "capsfilter", error)) == NULL ||
      (text = add (l->pipeline, "textoverlay", error)) == NULL)
    return FALSE;
  g_object_set (src, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "pattern", "black");
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (text, "text", spec->label, "font-desc", "Sans 12", NULL);
  gst_util_set_object_arg (G_OBJECT (text), "valignment", "center");
  gst_util_set_object_arg (G_OBJECT (text), "halignment", "center");
  if (!gst_element_link_many (src, filter, text, NULL))
    goto link_failed;
  sinkpad = gst_element_request_pad_simple (comp, "sink_%u");
  g_object_set (sinkpad, "xpos", (int) x, "ypos", (int) y, "zorder", index + 1,
      NULL);
  srcpad = gst_element_get_static_pad (text, "src");
  if (gst_pad_link (srcpad, sinkpad) != GST_PAD_LINK_OK)
    goto link_failed;
  return TRUE;

link_failed:
  g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
      "Cannot link a mosaic tile");
  return FALSE;
}

static Layout *
layout_new (CeMosaic *m, const CeMosaicTile *tiles, guint n, GError **error)
{
  static const CeHubConsumerFuncs funcs = {on_params, on_access_unit, NULL};
  Layout *l = g_new0 (Layout, 1);
  GstElement *bg, *bgcaps, *comp, *convert, *enc, *parse, *outcaps, *sink;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) h264 = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstAppSinkCallbacks callbacks = {NULL, NULL, on_new_sample};

  l->mosaic = m;
  l->first_out = TRUE;
  g_mutex_init (&l->lock);
  l->pipeline = gst_pipeline_new (m->name);
  bus = gst_element_get_bus (l->pipeline);
  gst_bus_set_sync_handler (bus, on_bus, l, NULL);
  if ((bg = add (l->pipeline, "videotestsrc", error)) == NULL ||
      (bgcaps = add (l->pipeline, "capsfilter", error)) == NULL ||
      (comp = add (l->pipeline, "compositor", error)) == NULL ||
      (convert = add (l->pipeline, "videoconvert", error)) == NULL ||
      (enc = add (l->pipeline, "x264enc", error)) == NULL ||
      (parse = add (l->pipeline, "h264parse", error)) == NULL ||
      (outcaps = add (l->pipeline, "capsfilter", error)) == NULL ||
      (sink = add (l->pipeline, "appsink", error)) == NULL)
    goto fail;
  /* A black live background paces the output: empty and stalled tiles
   * never hold it up. */
  g_object_set (bg, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (bg), "pattern", "black");
  caps = raw_caps (m->config.width, m->config.height, m->config.fps);
  g_object_set (bgcaps, "caps", caps, NULL);
  g_object_set (comp, "latency", (guint64) (100 * GST_MSECOND), NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
  g_object_set (enc, "bitrate", m->config.bitrate_kbps, "key-int-max",
      m->config.fps * 2, "bframes", 0, NULL);
  g_object_set (parse, "config-interval", -1, NULL);
  h264 = gst_caps_new_simple ("video/x-h264", "stream-format", G_TYPE_STRING,
      "byte-stream", "alignment", G_TYPE_STRING, "au", NULL);
  g_object_set (outcaps, "caps", h264, NULL);
  g_object_set (sink, "sync", FALSE, "max-buffers", 64, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, l, NULL);
  if (!gst_element_link_many (bg, bgcaps, comp, convert, enc, parse, outcaps,
          sink, NULL)) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Cannot link the mosaic pipeline");
    goto fail;
  }
  for (guint i = 0; i < n; i++) {
    if (tiles[i].hub == NULL) {
      if (tiles[i].label != NULL && *tiles[i].label != '\0' &&
          !add_label_tile (l, comp, &tiles[i], i, error))
        goto fail;
      continue;
    }
    if (!add_tile (l, comp, &tiles[i], i, error))
      goto fail;
  }
  if (gst_element_set_state (l->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "Cannot start the mosaic pipeline");
    goto fail;
  }
  for (guint i = 0; i < l->n_tiles; i++)
    l->tiles[i].consumer =
        ce_hub_attach (l->tiles[i].hub, &funcs, &l->tiles[i]);
  return l;

fail:
  layout_free (l);
  return NULL;
}

CeMosaic *
ce_mosaic_new (const char *name, const CeMosaicConfig *config, GError **error)
{
  g_autoptr (CeMosaic) m = g_new0 (CeMosaic, 1);

  g_return_val_if_fail (name != NULL, NULL);
  if (ce_mosaic_debug == NULL)
    GST_DEBUG_CATEGORY_INIT (ce_mosaic_debug, "cityeye-mosaic", 0,
        "cityeye mosaic of camera tiles");
  m->name = g_strdup (name);
  m->config.width = 1920;
  m->config.height = 1080;
  m->config.fps = 25;
  m->config.bitrate_kbps = 4000;
  if (config != NULL) {
    if (config->width >= 64 && config->height >= 64) {
      m->config.width = config->width & ~1u;
      m->config.height = config->height & ~1u;
    }
    if (config->fps > 0 && config->fps <= 60)
      m->config.fps = config->fps;
    if (config->bitrate_kbps > 0)
      m->config.bitrate_kbps = config->bitrate_kbps;
  }
  g_mutex_init (&m->lock);
  g_cond_init (&m->retired);
  m->hub = ce_hub_new (name, NULL);
  if (!ce_mosaic_set_tiles (m, NULL, 0, error))
    return NULL;
  return g_steal_pointer (&m);
}

void
ce_mosaic_free (CeMosaic *m)
{
  if (m == NULL)
    return;
  layout_free (m->layout);
  g_mutex_lock (&m->lock);
  while (m->retiring > 0)
    g_cond_wait (&m->retired, &m->lock);
  g_mutex_unlock (&m->lock);
  if (m->hub != NULL)
    ce_hub_unref (m->hub);
  g_cond_clear (&m->retired);
  g_mutex_clear (&m->lock);
  g_free (m->name);
  g_free (m);
}

gboolean
ce_mosaic_set_tiles (CeMosaic *m, const CeMosaicTile *tiles, guint n,
    GError **error)
{
  Layout *l, *old;
  gint64 t0, t1;

  if (n > MAX_TILES) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "A mosaic has at most %d tiles, not %u", MAX_TILES, n);
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    const CeMosaicTile *t = &tiles[i];

    if (!(t->x >= 0 && t->y >= 0 && t->width > 0 && t->height > 0 &&
            t->x + t->width <= 1.0 + 1e-9 && t->y + t->height <= 1.0 + 1e-9) ||
        t->width * m->config.width < 16 || t->height * m->config.height < 16) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "Mosaic tile %u: the rectangle %.3f,%.3f %.3fx%.3f is not inside "
          "the picture or smaller than 16 pixels",
          i + 1, t->x, t->y, t->width, t->height);
      return FALSE;
    }
  }
  t0 = g_get_monotonic_time ();
  l = layout_new (m, tiles, n, error);
  if (l == NULL)
    return FALSE;
  old = m->layout;
  m->layout = l;
  g_mutex_lock (&m->lock);
  m->stats.layouts++;
  g_mutex_unlock (&m->lock);
  t1 = g_get_monotonic_time ();
  if (old != NULL)
    layout_retire (m, old);
  GST_INFO ("%s: %u tiles at %ux%u (built in %.1f ms, the old one retired "
            "in %.1f ms)",
      m->name, l->n_tiles, m->config.width, m->config.height,
      (t1 - t0) / 1000.0, (g_get_monotonic_time () - t1) / 1000.0);
  return TRUE;
}

CeHub *
ce_mosaic_get_hub (CeMosaic *m)
{
  return m->hub;
}

void
ce_mosaic_get_stats (CeMosaic *m, CeMosaicStats *stats)
{
  g_mutex_lock (&m->lock);
  *stats = m->stats;
  g_mutex_unlock (&m->lock);
}
