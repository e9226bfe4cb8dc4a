/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Paces the pre-encoded loops into the camera media in real time.
 */
#include "ce-camsim-ticker.h"

#include <gst/app/gstappsrc.h>

#include "ce-camsim-private.h"

/* A feed that falls this many frames behind (the machine is overloaded)
 * skips ahead to the present and resumes at the next keyframe. */
#define MAX_BACKLOG_SECONDS 1

struct _CeCamsimFeed
{
  gatomicrefcount ref;
  CeCamsimTicker *ticker; /* borrowed: outlives its feeds */
  gint flowing;           /* atomic: the first unit went through */
  CeCamsimCamera *camera; /* borrowed: records outlive feeds */
  CeCamsimProfile profile;
  CeCamsimStreamStats *stats; /* borrowed: inside @camera */
  GstElement *appsrc;         /* loop feeds */
  GstElement *valve;          /* live feeds */
  GstElement *size_filter;    /* live feeds */

  /* Only touched by the ticker thread after the feed was added. */
  CeCamsimLoop *loop; /* borrowed: loops live as long as the library */
  guint variant;
  gboolean started;
  gboolean sent_any;
  gboolean wait_keyframe;
  gboolean switch_pending;
  gboolean valve_closed;
  gint keyframe_requested; /* atomic: set by the streaming thread */
  gulong request_probe;    /* on the appsrc's pad: keyframe requests */
  guint64 first_frame;
  guint64 next_frame;
  guint64 phase;
};

struct _CeCamsimTicker
{
  const CeCamsimConfig *config; /* borrowed: owned by main */
  CeCamsimLoops *loops;         /* borrowed: owned by main */
  gint64 epoch;                 /* monotonic µs of frame 0 */

  GMutex lock;
  GCond cond;
  GPtrArray *feeds; /* CeCamsimFeed, protected by lock */
  gboolean running; /* protected by lock */
  gboolean kicked;  /* protected by lock: a new feed waits for a frame */
  GThread *thread;
};

static CeCamsimFeed *
feed_ref (CeCamsimFeed *feed)
{
  g_atomic_ref_count_inc (&feed->ref);
  return feed;
}

static void
feed_unref (CeCamsimFeed *feed)
{
  if (!g_atomic_ref_count_dec (&feed->ref))
    return;
  gst_clear_object (&feed->appsrc);
  gst_clear_object (&feed->valve);
  gst_clear_object (&feed->size_filter);
  g_free (feed);
}

/* The frame a feed should start with: a keyframe if asked for, otherwise
 * wherever this camera's own clock is (each camera has a fixed phase from
 * its name, so cameras do not all send their keyframes at once). */
static void
feed_start (CeCamsimTicker *self, CeCamsimFeed *feed, guint64 frame)
{
  guint n = feed->loop->units->len;

  feed->first_frame = frame;
  feed->next_frame = frame;
  if (self->config->start_at_idr)
    feed->phase = (n - frame % n) % n;
  else
    feed->phase = feed->camera->hash % n;
  feed->started = TRUE;
  feed->sent_any = FALSE;
  feed->wait_keyframe = FALSE;
  GST_DEBUG ("camera %s/%s: feed starts at loop position %u of %u%s",
      feed->camera->name, ce_camsim_profile_to_string (feed->profile),
      (guint) ((frame + feed->phase) % n), n,
      ce_camsim_loop_is_keyframe (feed->loop, (frame + feed->phase) % n)
          ? " (keyframe)"
          : " (mid-GOP, parameter sets prepended)");
}

static GstBuffer *
make_unit (CeCamsimTicker *self, CeCamsimFeed *feed, guint64 frame, guint pos)
{
  GstBuffer *unit = g_ptr_array_index (feed->loop->units, pos);
  gboolean keyframe = ce_camsim_loop_is_keyframe (feed->loop, pos);
  GstBuffer *buffer;

  /* Shallow copies: the encoded bytes are shared by every camera. */
  if (!feed->sent_any && !keyframe) {
    /* A viewer joining mid-GOP still gets the parameter sets at once, as
     * from a real camera's SDP; the picture appears at the next IDR. */
    buffer = gst_buffer_append (gst_buffer_copy (feed->loop->headers),
        gst_buffer_copy (unit));
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  } else {
    buffer = gst_buffer_copy (unit);
  }
  /* A feed starts with its media, whose running time starts at 0 when it
   * goes to PLAYING, which waits for this first frame.  (Asking the appsrc
   * for its running time instead can return the absolute clock time: the
   * clock is set before the base time, and frames hours in the future
   * stall any sink that syncs.) */
  GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (frame - feed->first_frame,
      GST_SECOND, self->config->fps);
  GST_BUFFER_DTS (buffer) = GST_BUFFER_PTS (buffer);
  GST_BUFFER_DURATION (buffer) =
      gst_util_uint64_scale (1, GST_SECOND, self->config->fps);
  if (!feed->sent_any)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  return buffer;
}

static void
tick_loop_feed (CeCamsimTicker *self, CeCamsimFeed *feed, guint64 frame)
{
  guint variant = (guint) g_atomic_int_get (&feed->stats->variant);
  gboolean stalled =
      ce_camsim_camera_get_mode (feed->camera) == CE_CAMSIM_FAULT_STALL;
  guint n;

  if (variant != feed->variant) {
    CeCamsimLoop *loop = ce_camsim_loops_peek (self->loops, feed->camera->codec,
        feed->profile, variant);

    /* The control thread encodes the loop before it sets the variant, so
     * this only waits when the fault came from the command line. */
    if (loop != NULL) {
      GST_INFO ("camera %s/%s: switching to %ux%u", feed->camera->name,
          ce_camsim_profile_to_string (feed->profile), loop->width,
          loop->height);
      feed->loop = loop;
      feed->variant = variant;
      feed->switch_pending = TRUE;
    }
  }
  if (!feed->started)
    feed_start (self, feed, frame);
  n = feed->loop->units->len;
  if (feed->switch_pending) {
    /* A real camera restarts its encoder: the new size starts with an IDR
     * carrying the new SPS. */
    feed->phase = (n - feed->next_frame % n) % n;
    feed->wait_keyframe = FALSE;
    feed->switch_pending = FALSE;
  }
  if (g_atomic_int_compare_and_exchange (&feed->keyframe_requested, 1, 0) &&
      !ce_camsim_loop_is_keyframe (feed->loop,
          (guint) ((feed->next_frame + feed->phase) % n))) {
    /* An encoder asked for a keyframe codes the next frame as one: the
     * loop goes on from its own keyframe. */
    GST_DEBUG ("camera %s/%s: keyframe on request", feed->camera->name,
        ce_camsim_profile_to_string (feed->profile));
    feed->phase = (n - feed->next_frame % n) % n;
    feed->wait_keyframe = FALSE;
  }
  if (frame > feed->next_frame + MAX_BACKLOG_SECONDS * self->config->fps) {
    GST_WARNING ("camera %s/%s: %" G_GUINT64_FORMAT " frames behind, "
                 "skipping to the next keyframe",
        feed->camera->name, ce_camsim_profile_to_string (feed->profile),
        frame - feed->next_frame);
    feed->next_frame = frame;
    feed->wait_keyframe = TRUE;
  }

  for (; feed->next_frame <= frame; feed->next_frame++) {
    guint64 f = feed->next_frame;
    guint pos = (guint) ((f + feed->phase) % n);
    GstFlowReturn ret;

    if (stalled)
      continue;
    if (feed->wait_keyframe) {
      if (!ce_camsim_loop_is_keyframe (feed->loop, pos))
        continue;
      feed->wait_keyframe = FALSE;
    }
    ret = gst_app_src_push_buffer (GST_APP_SRC (feed->appsrc),
        make_unit (self, feed, f, pos));
    if (ret != GST_FLOW_OK) {
      if (!feed->sent_any) {
        /* The media is not running yet: start over on the next tick. */
        feed->started = FALSE;
        return;
      }
      GST_LOG ("camera %s: push returned %s", feed->camera->name,
          gst_flow_get_name (ret));
      continue;
    }
    if (!feed->sent_any) {
      GST_DEBUG ("camera %s/%s: first unit sent", feed->camera->name,
          ce_camsim_profile_to_string (feed->profile));
      g_atomic_int_set (&feed->flowing, TRUE);
    }
    feed->sent_any = TRUE;
    g_atomic_int_inc (&feed->stats->frames_sent);
  }
}

static void
tick_live_feed (CeCamsimTicker *self, CeCamsimFeed *feed)
{
  guint variant = (guint) g_atomic_int_get (&feed->stats->variant);
  gboolean stalled =
      ce_camsim_camera_get_mode (feed->camera) == CE_CAMSIM_FAULT_STALL;

  if (stalled != feed->valve_closed) {
    GST_INFO ("camera %s: %s", feed->camera->name,
        stalled ? "stalling" : "resuming");
    g_object_set (feed->valve, "drop", stalled, NULL);
    feed->valve_closed = stalled;
  }
  if (variant != feed->variant) {
    g_autoptr (GstCaps) caps = NULL;
    guint width, height;

    ce_camsim_config_get_size (self->config, feed->profile, variant, &width,
        &height);
    GST_INFO ("camera %s: switching to %ux%u", feed->camera->name, width,
        height);
    caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, width,
        "height", G_TYPE_INT, height, NULL);
    g_object_set (feed->size_filter, "caps", caps, NULL);
    feed->variant = variant;
  }
}

static gpointer
ticker_thread (gpointer data)
{
  CeCamsimTicker *self = data;
  guint fps = self->config->fps;
  gint64 tick_us = (gint64) self->config->tick_ms * 1000;

  g_mutex_lock (&self->lock);
  while (self->running) {
    gint64 now = g_get_monotonic_time ();
    guint64 frame = (guint64) (now - self->epoch) * fps / G_USEC_PER_SEC;
    g_autoptr (GPtrArray) feeds =
        g_ptr_array_new_full (self->feeds->len, (GDestroyNotify) feed_unref);
    gint64 next;

    for (guint i = 0; i < self->feeds->len; i++)
      g_ptr_array_add (feeds, feed_ref (g_ptr_array_index (self->feeds, i)));
    g_mutex_unlock (&self->lock);

    /* Pushing never blocks (the appsrc queues are bounded and leaky), so a
     * slow media cannot hold up the others. */
    for (guint i = 0; i < feeds->len; i++) {
      CeCamsimFeed *feed = g_ptr_array_index (feeds, i);

      if (feed->appsrc != NULL)
        tick_loop_feed (self, feed, frame);
      else
        tick_live_feed (self, feed);
    }
    g_clear_pointer (&feeds, g_ptr_array_unref);

    g_mutex_lock (&self->lock);
    if (tick_us > 0) {
      /* Batched: every media gets all its due frames at once, which costs
       * one thread wake-up per batch instead of per frame. */
      next = self->epoch + ((now - self->epoch) / tick_us + 1) * tick_us;
    } else {
      next = self->epoch + (gint64) ((frame + 1) * G_USEC_PER_SEC / fps);
    }
    while (self->running && !self->kicked && g_get_monotonic_time () < next)
      g_cond_wait_until (&self->cond, &self->lock, next);
    self->kicked = FALSE;
  }
  g_mutex_unlock (&self->lock);
  return NULL;
}

CeCamsimTicker *
ce_camsim_ticker_new (const CeCamsimConfig *config, CeCamsimLoops *loops)
{
  CeCamsimTicker *self;

  g_return_val_if_fail (config != NULL && config->fps > 0, NULL);
  g_return_val_if_fail (loops != NULL, NULL);

  self = g_new0 (CeCamsimTicker, 1);
  self->config = config;
  self->loops = loops;
  self->epoch = g_get_monotonic_time ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->feeds = g_ptr_array_new_with_free_func ((GDestroyNotify) feed_unref);
  self->running = TRUE;
  self->thread = g_thread_new ("camsim-ticker", ticker_thread, self);
  return self;
}

void
ce_camsim_ticker_free (CeCamsimTicker *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->running = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  g_ptr_array_unref (self->feeds);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static CeCamsimFeed *
feed_new (CeCamsimTicker *ticker, CeCamsimCamera *camera,
    CeCamsimProfile profile)
{
  CeCamsimFeed *feed = g_new0 (CeCamsimFeed, 1);

  g_atomic_ref_count_init (&feed->ref);
  feed->ticker = ticker;
  feed->camera = camera;
  feed->profile = profile;
  feed->stats = &camera->streams[profile];
  return feed;
}

static CeCamsimFeed *
add_feed (CeCamsimTicker *self, CeCamsimFeed *feed)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->feeds, feed_ref (feed));
  g_mutex_unlock (&self->lock);
  return feed;
}

/* Runs the ticker now instead of at the next frame boundary.  Feeds that
 * already sent the current frame have nothing due and send nothing. */
static void
ticker_kick (CeCamsimTicker *self)
{
  g_mutex_lock (&self->lock);
  self->kicked = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* The appsrc's streaming thread started and waits for data.  A media being
 * prepared answers DESCRIBE only once its first frame went through, so
 * the first frame goes now; after that this is a cheap no-op. */
static void
on_need_data (GstAppSrc *appsrc, guint length, gpointer data)
{
  CeCamsimFeed *feed = data;

  if (!g_atomic_int_get (&feed->flowing))
    ticker_kick (feed->ticker);
}

/* A client's RTCP PLI or FIR becomes, in the server's RTP session, an
 * upstream force-key-unit event that the payloader and parser pass up to
 * the appsrc. */
static GstPadProbeReturn
on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  CeCamsimFeed *feed = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  const GstStructure *s = gst_event_get_structure (event);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_UPSTREAM && s != NULL &&
      gst_structure_has_name (s, "GstForceKeyUnit")) {
    g_atomic_int_inc (&feed->stats->keyframe_requests);
    g_atomic_int_set (&feed->keyframe_requested, 1);
    return GST_PAD_PROBE_HANDLED;
  }
  return GST_PAD_PROBE_OK;
}

CeCamsimFeed *
ce_camsim_ticker_add_loop (CeCamsimTicker *self, CeCamsimCamera *camera,
    CeCamsimProfile profile, GstElement *appsrc, CeCamsimLoop *loop)
{
  GstAppSrcCallbacks callbacks = {.need_data = on_need_data};
  CeCamsimFeed *feed;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (camera != NULL, NULL);
  g_return_val_if_fail (GST_IS_APP_SRC (appsrc), NULL);
  g_return_val_if_fail (loop != NULL, NULL);

  feed = feed_new (self, camera, profile);
  feed->appsrc = gst_object_ref (appsrc);
  feed->loop = loop;
  feed->variant = (guint) g_atomic_int_get (&feed->stats->variant);
  /* The callbacks hold a reference; removing the feed drops them. */
  gst_app_src_set_callbacks (GST_APP_SRC (appsrc), &callbacks, feed_ref (feed),
      (GDestroyNotify) feed_unref);
  if (self->config->keyframe_on_request) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (appsrc, "src");

    feed->request_probe =
        gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
            on_upstream_event, feed_ref (feed), (GDestroyNotify) feed_unref);
  }
  return add_feed (self, feed);
}

static GstPadProbeReturn
count_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  CeCamsimStreamStats *stats = data;

  g_atomic_int_inc (&stats->frames_sent);
  return GST_PAD_PROBE_OK;
}

CeCamsimFeed *
ce_camsim_ticker_add_live (CeCamsimTicker *self, CeCamsimCamera *camera,
    CeCamsimProfile profile, GstElement *valve, GstElement *size_filter)
{
  g_autoptr (GstPad) pad = NULL;
  CeCamsimFeed *feed;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (camera != NULL, NULL);
  g_return_val_if_fail (GST_IS_ELEMENT (valve), NULL);
  g_return_val_if_fail (GST_IS_ELEMENT (size_filter), NULL);

  feed = feed_new (self, camera, profile);
  feed->valve = gst_object_ref (valve);
  feed->size_filter = gst_object_ref (size_filter);
  /* The variant the caps filter was built with. */
  feed->variant = (guint) g_atomic_int_get (&feed->stats->variant);
  pad = gst_element_get_static_pad (valve, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, feed->stats,
      NULL);
  return add_feed (self, feed);
}

void
ce_camsim_ticker_remove (CeCamsimTicker *self, CeCamsimFeed *feed)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (feed != NULL);

  g_mutex_lock (&self->lock);
  g_ptr_array_remove_fast (self->feeds, feed);
  g_mutex_unlock (&self->lock);
  if (feed->appsrc != NULL) {
    GstAppSrcCallbacks none = {NULL};

    gst_app_src_set_callbacks (GST_APP_SRC (feed->appsrc), &none, NULL, NULL);
    if (feed->request_probe != 0) {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (feed->appsrc, "src");

      gst_pad_remove_probe (pad, feed->request_probe);
      feed->request_probe = 0;
    }
  }
  feed_unref (feed);
}

guint
ce_camsim_ticker_get_n_feeds (CeCamsimTicker *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->lock);
  n = self->feeds->len;
  g_mutex_unlock (&self->lock);
  return n;
}
