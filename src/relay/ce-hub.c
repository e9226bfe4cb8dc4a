/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GOP cache and fan-out of one camera stream.
 */
#include "ce-hub.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (ce_hub_debug);
#define GST_CAT_DEFAULT ce_hub_debug

#define DEFAULT_FRAME_DURATION (40 * GST_MSECOND)

typedef struct
{
  guint id;
  CeHubConsumerFuncs funcs;
  gpointer user_data;
  gboolean params_sent;
} Consumer;

struct _CeHub
{
  gatomicrefcount ref;
  char *name;
  CeHubLimits limits;

  GMutex lock;
  GArray *consumers; /* Consumer, protected by lock */
  guint next_id;
  GPtrArray *cache; /* GstBuffer, since the last keyframe */
  gsize cache_bytes;
  gboolean cache_valid; /* FALSE after an overflow until the next keyframe */
  CeVideoParams params;
  CeVideoParams announced; /* from the SDP; codec UNKNOWN = none */
  CeSdpAudio audio;
  GstClockTime last_audio_pts; /* hub timeline, NONE = none yet */
  gboolean ready;
  gboolean pending_discont; /* drop deltas until a keyframe */

  /* Timeline: hub_pts = src_pts + offset. */
  gboolean have_last;
  GstClockTime last_src_pts;
  GstClockTime last_hub_pts;
  GstClockTimeDiff offset;
  GstClockTime frame_duration;

  /* GOP statistics */
  GstClockTime gop_start;
  guint gop_count;
  gsize gop_bytes;
  CeHubStats stats;
};

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (ce_hub_debug, "cityeye-hub", 0,
        "cityeye GOP cache and fan-out");
    g_once_init_leave (&once, 1);
  }
}

CeHub *
ce_hub_new (const char *name, const CeHubLimits *limits)
{
  CeHub *hub = g_new0 (CeHub, 1);

  ensure_debug ();
  g_atomic_ref_count_init (&hub->ref);
  hub->name = g_strdup (name);
  hub->limits.cache_max_bytes = 16 * 1024 * 1024;
  hub->limits.cache_max_duration = 12 * GST_SECOND;
  if (limits != NULL) {
    if (limits->cache_max_bytes > 0)
      hub->limits.cache_max_bytes = limits->cache_max_bytes;
    if (limits->cache_max_duration > 0)
      hub->limits.cache_max_duration = limits->cache_max_duration;
  }
  g_mutex_init (&hub->lock);
  hub->consumers = g_array_new (FALSE, FALSE, sizeof (Consumer));
  hub->cache =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  hub->frame_duration = DEFAULT_FRAME_DURATION;
  hub->last_audio_pts = GST_CLOCK_TIME_NONE;
  hub->next_id = 1;
  return hub;
}

CeHub *
ce_hub_ref (CeHub *hub)
{
  g_atomic_ref_count_inc (&hub->ref);
  return hub;
}

void
ce_hub_unref (CeHub *hub)
{
  if (hub == NULL || !g_atomic_ref_count_dec (&hub->ref))
    return;
  g_ptr_array_unref (hub->cache);
  g_array_unref (hub->consumers);
  ce_video_params_clear (&hub->announced);
  ce_video_params_clear (&hub->params);
  ce_sdp_audio_clear (&hub->audio);
  g_mutex_clear (&hub->lock);
  g_free (hub->name);
  g_free (hub);
}

const char *
ce_hub_get_name (CeHub *hub)
{
  return hub->name;
}

static void
cache_clear (CeHub *hub)
{
  g_ptr_array_set_size (hub->cache, 0);
  hub->cache_bytes = 0;
}

/* Maps a source timestamp onto the hub's continuous timeline.  A new
 * ingest session (discont) or a jump backwards continues one frame after
 * the last unit; a forward jump of more than 10 s is treated the same, so
 * viewers never see a hole in time. */
static GstClockTime
rebase (CeHub *hub, GstClockTime src_pts, gboolean discont)
{
  GstClockTime pts;

  if (!GST_CLOCK_TIME_IS_VALID (src_pts))
    src_pts = hub->have_last ? hub->last_src_pts + hub->frame_duration : 0;
  if (!hub->have_last) {
    hub->offset = 0;
    hub->have_last = TRUE;
  } else if (discont || src_pts < hub->last_src_pts ||
      src_pts - hub->last_src_pts > 10 * GST_SECOND) {
    hub->offset = (GstClockTimeDiff) (hub->last_hub_pts + hub->frame_duration) -
        (GstClockTimeDiff) src_pts;
  } else if (src_pts > hub->last_src_pts) {
    GstClockTime d = src_pts - hub->last_src_pts;

    /* A smoothed frame duration, for gaps and reconnects. */
    if (d < GST_SECOND)
      hub->frame_duration = (hub->frame_duration * 7 + d) / 8;
  }
  pts = (GstClockTime) ((GstClockTimeDiff) src_pts + hub->offset);
  if (hub->last_hub_pts > 0 && pts <= hub->last_hub_pts && !discont)
    pts = hub->last_hub_pts + 1;
  hub->last_src_pts = src_pts;
  hub->last_hub_pts = pts;
  return pts;
}

static void
deliver (CeHub *hub, Consumer *c, GstBuffer *au, gboolean cached)
{
  if (!c->params_sent) {
    if (hub->params.codec == CE_CODEC_UNKNOWN)
      return;
    c->funcs.params (c->user_data, &hub->params);
    c->params_sent = TRUE;
  }
  c->funcs.access_unit (c->user_data, au, cached);
}

gboolean
ce_hub_push (CeHub *hub, CeCodec codec, GstBuffer *au, gboolean discont)
{
  GstMapInfo map;
  gboolean keyframe, params_changed = FALSE;
  gsize size;

  g_return_val_if_fail (hub != NULL && GST_IS_BUFFER (au), FALSE);

  if (!gst_buffer_map (au, &map, GST_MAP_READ)) {
    gst_buffer_unref (au);
    return FALSE;
  }
  keyframe = ce_au_is_keyframe (codec, map.data, map.size);
  size = map.size;

  g_mutex_lock (&hub->lock);
  /* After a reconnect, deltas that refer to frames nobody has are useless
   * to every consumer: wait for a keyframe. */
  if (discont && hub->have_last)
    hub->pending_discont = TRUE;
  if (hub->pending_discont) {
    if (!keyframe) {
      g_mutex_unlock (&hub->lock);
      gst_buffer_unmap (au, &map);
      gst_buffer_unref (au);
      return FALSE;
    }
    discont = TRUE;
    hub->pending_discont = FALSE;
  }
  if (hub->params.codec != codec) {
    ce_video_params_clear (&hub->params);
    hub->params.codec = codec;
  }
  if (keyframe || !ce_video_params_complete (&hub->params))
    params_changed = ce_video_params_update (&hub->params, map.data, map.size);
  gst_buffer_unmap (au, &map);

  au = gst_buffer_make_writable (au);
  GST_BUFFER_PTS (au) = rebase (hub, GST_BUFFER_PTS (au), discont);
  GST_BUFFER_DTS (au) = GST_BUFFER_PTS (au);
  GST_BUFFER_DURATION (au) = hub->frame_duration;
  if (keyframe)
    GST_BUFFER_FLAG_UNSET (au, GST_BUFFER_FLAG_DELTA_UNIT);
  else
    GST_BUFFER_FLAG_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);
  if (discont)
    GST_BUFFER_FLAG_SET (au, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (au, GST_BUFFER_FLAG_DISCONT);

  hub->stats.bytes_in += size;
  hub->stats.frames_in++;

  if (keyframe) {
    hub->stats.keyframes_in++;
    if (hub->gop_count > 0 && GST_BUFFER_PTS (au) > hub->gop_start) {
      GstClockTime d = GST_BUFFER_PTS (au) - hub->gop_start;

      hub->stats.gop_duration = d;
      hub->stats.gop_frames = hub->gop_count;
      hub->stats.bitrate_bps = hub->gop_bytes * 8.0 * GST_SECOND / d;
    }
    hub->gop_start = GST_BUFFER_PTS (au);
    hub->gop_count = 0;
    hub->gop_bytes = 0;
    cache_clear (hub);
    hub->cache_valid = ce_video_params_complete (&hub->params);
    if (hub->cache_valid && !hub->ready) {
      hub->ready = TRUE;
      GST_INFO ("%s: first keyframe, %s %ux%u", hub->name,
          ce_codec_to_string (codec), hub->params.width, hub->params.height);
    }
  }
  hub->gop_count++;
  hub->gop_bytes += size;

  if (hub->cache_valid) {
    if (hub->cache_bytes + size > hub->limits.cache_max_bytes ||
        (hub->cache->len > 0 &&
            GST_BUFFER_PTS (au) -
                    GST_BUFFER_PTS (g_ptr_array_index (hub->cache, 0)) >
                hub->limits.cache_max_duration)) {
      /* Better no cache than a cache that does not start with a keyframe:
       * viewers joining now wait for the next one. */
      GST_INFO ("%s: GOP over the cache limits (%zu bytes, %u frames), "
                "cache dropped until the next keyframe",
          hub->name, hub->cache_bytes, hub->cache->len);
      cache_clear (hub);
      hub->cache_valid = FALSE;
      hub->stats.cache_overflows++;
    } else {
      g_ptr_array_add (hub->cache, gst_buffer_ref (au));
      hub->cache_bytes += size;
    }
  }

  if (hub->ready) {
    for (guint i = 0; i < hub->consumers->len; i++) {
      Consumer *c = &g_array_index (hub->consumers, Consumer, i);

      if (params_changed && c->params_sent)
        c->funcs.params (c->user_data, &hub->params);
      /* A consumer that attached before the first keyframe starts at
       * one. */
      if (!c->params_sent && !keyframe)
        continue;
      deliver (hub, c, au, FALSE);
    }
  }
  g_mutex_unlock (&hub->lock);
  gst_buffer_unref (au);
  return keyframe;
}

void
ce_hub_set_audio (CeHub *hub, const CeSdpAudio *audio)
{
  g_mutex_lock (&hub->lock);
  ce_sdp_audio_clear (&hub->audio);
  if (audio != NULL && audio->codec != CE_AUDIO_NONE)
    ce_sdp_audio_copy (audio, &hub->audio);
  g_mutex_unlock (&hub->lock);
}

gboolean
ce_hub_dup_audio (CeHub *hub, CeSdpAudio *out)
{
  gboolean have;

  g_mutex_lock (&hub->lock);
  have = hub->audio.codec != CE_AUDIO_NONE;
  if (have)
    ce_sdp_audio_copy (&hub->audio, out);
  else
    memset (out, 0, sizeof *out);
  g_mutex_unlock (&hub->lock);
  return have;
}

void
ce_hub_push_audio (CeHub *hub, GstBuffer *payload)
{
  GstClockTimeDiff pts;

  g_return_if_fail (hub != NULL && GST_IS_BUFFER (payload));

  g_mutex_lock (&hub->lock);
  hub->stats.audio_packets_in++;
  /* Before the session's first keyframe the video timeline offset of this
   * session is not known yet. */
  if (!hub->ready || hub->pending_discont || !hub->have_last ||
      !GST_BUFFER_PTS_IS_VALID (payload) || hub->audio.codec == CE_AUDIO_NONE) {
    GST_LOG ("%s: audio before the first keyframe of the session dropped",
        hub->name);
    g_mutex_unlock (&hub->lock);
    gst_buffer_unref (payload);
    return;
  }
  pts = (GstClockTimeDiff) GST_BUFFER_PTS (payload) + hub->offset;
  if (pts < 0 ||
      (GST_CLOCK_TIME_IS_VALID (hub->last_audio_pts) &&
          (GstClockTime) pts <= hub->last_audio_pts)) {
    /* Right after a reconnect the new session's audio may start before
     * where the old one stopped: those packets are dropped. */
    GST_LOG ("%s: audio at %" G_GINT64_FORMAT " ns goes back in time, dropped",
        hub->name, (gint64) pts);
    g_mutex_unlock (&hub->lock);
    gst_buffer_unref (payload);
    return;
  }
  payload = gst_buffer_make_writable (payload);
  GST_BUFFER_PTS (payload) = (GstClockTime) pts;
  hub->last_audio_pts = (GstClockTime) pts;
  for (guint i = 0; i < hub->consumers->len; i++) {
    Consumer *c = &g_array_index (hub->consumers, Consumer, i);

    /* Audio follows the video a consumer has started with. */
    if (c->funcs.audio != NULL && c->params_sent)
      c->funcs.audio (c->user_data, payload);
  }
  g_mutex_unlock (&hub->lock);
  gst_buffer_unref (payload);
}

guint
ce_hub_attach (CeHub *hub, const CeHubConsumerFuncs *funcs, gpointer user_data)
{
  Consumer c = {0};
  guint id;

  g_return_val_if_fail (hub != NULL && funcs != NULL, 0);

  g_mutex_lock (&hub->lock);
  c.id = id = hub->next_id++;
  c.funcs = *funcs;
  c.user_data = user_data;
  if (hub->ready && hub->cache_valid && hub->cache->len > 0) {
    hub->stats.cache_hits++;
    for (guint i = 0; i < hub->cache->len; i++)
      deliver (hub, &c, g_ptr_array_index (hub->cache, i), TRUE);
  }
  g_array_append_val (hub->consumers, c);
  g_mutex_unlock (&hub->lock);
  return id;
}

void
ce_hub_detach (CeHub *hub, guint id)
{
  g_mutex_lock (&hub->lock);
  for (guint i = 0; i < hub->consumers->len; i++) {
    if (g_array_index (hub->consumers, Consumer, i).id == id) {
      g_array_remove_index (hub->consumers, i);
      break;
    }
  }
  g_mutex_unlock (&hub->lock);
}

static GBytes *
bytes_ref0 (GBytes *b)
{
  return b != NULL ? g_bytes_ref (b) : NULL;
}

void
ce_hub_dup_params (CeHub *hub, CeVideoParams *out)
{
  g_mutex_lock (&hub->lock);
  *out = hub->params;
  out->vps = bytes_ref0 (hub->params.vps);
  out->sps = bytes_ref0 (hub->params.sps);
  out->pps = bytes_ref0 (hub->params.pps);
  g_mutex_unlock (&hub->lock);
}

static void
params_copy (const CeVideoParams *from, CeVideoParams *to)
{
  *to = *from;
  to->vps = bytes_ref0 (from->vps);
  to->sps = bytes_ref0 (from->sps);
  to->pps = bytes_ref0 (from->pps);
}

void
ce_hub_announce (CeHub *hub, const CeVideoParams *params)
{
  g_mutex_lock (&hub->lock);
  ce_video_params_clear (&hub->announced);
  params_copy (params, &hub->announced);
  g_mutex_unlock (&hub->lock);
}

gboolean
ce_hub_dup_described (CeHub *hub, CeVideoParams *out)
{
  gboolean found = TRUE;

  g_mutex_lock (&hub->lock);
  if (hub->ready)
    params_copy (&hub->params, out);
  else if (hub->announced.codec != CE_CODEC_UNKNOWN)
    params_copy (&hub->announced, out);
  else {
    memset (out, 0, sizeof (*out));
    found = FALSE;
  }
  g_mutex_unlock (&hub->lock);
  return found;
}

gboolean
ce_hub_is_ready (CeHub *hub)
{
  gboolean ready;

  g_mutex_lock (&hub->lock);
  ready = hub->ready;
  g_mutex_unlock (&hub->lock);
  return ready;
}

void
ce_hub_get_stats (CeHub *hub, CeHubStats *stats)
{
  g_mutex_lock (&hub->lock);
  *stats = hub->stats;
  stats->cache_frames = hub->cache->len;
  stats->cache_bytes = hub->cache_bytes;
  stats->consumers = hub->consumers->len;
  stats->codec = hub->params.codec;
  stats->width = hub->params.width;
  stats->height = hub->params.height;
  g_mutex_unlock (&hub->lock);
}

GPtrArray *
ce_hub_dup_cache (CeHub *hub)
{
  GPtrArray *copy =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);

  g_mutex_lock (&hub->lock);
  if (hub->cache_valid)
    for (guint i = 0; i < hub->cache->len; i++)
      g_ptr_array_add (copy,
          gst_buffer_ref (g_ptr_array_index (hub->cache, i)));
  g_mutex_unlock (&hub->lock);
  return copy;
}
