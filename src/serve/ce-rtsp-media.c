/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Packetise once per camera, fan out to RTSP viewers.
 */
#include "ce-rtsp-media.h"

typedef struct
{
  guint id;
  CeRtspMediaFuncs funcs;
  gpointer subscriber;
} Sub;

struct _CeRtspMedia
{
  gatomicrefcount ref;
  CeHub *hub;
  guint consumer_id;
  gsize cache_max_bytes;

  GMutex lock;
  CeCodec codec;
  GPtrArray *cache; /* CeRtpFrame, since the last keyframe */
  gsize cache_bytes;
  gboolean cache_valid;
  GArray *subs; /* Sub */
  guint next_id;
};

static void
on_params (gpointer user_data, const CeVideoParams *params)
{
  CeRtspMedia *media = user_data;

  g_mutex_lock (&media->lock);
  media->codec = params->codec;
  g_mutex_unlock (&media->lock);
}

static void
unmap_buffer (gpointer data)
{
  GstMapInfo *map = data;
  GstBuffer *buffer = map->user_data[0];

  gst_buffer_unmap (buffer, map);
  gst_buffer_unref (buffer);
  g_free (map);
}

static void
on_access_unit (gpointer user_data, GstBuffer *au, gboolean cached)
{
  CeRtspMedia *media = user_data;
  GstMapInfo *map = g_new0 (GstMapInfo, 1);
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);
  CeRtpFrame *frame;

  if (!gst_buffer_map (au, map, GST_MAP_READ)) {
    g_free (map);
    return;
  }
  map->user_data[0] = gst_buffer_ref (au);

  g_mutex_lock (&media->lock);
  frame = ce_rtp_frame_new (media->codec, map->data, map->size,
      GST_BUFFER_PTS (au), keyframe, CE_RTP_DEFAULT_MTU, map, unmap_buffer);
  if (frame == NULL) {
    g_mutex_unlock (&media->lock);
    return;
  }
  if (keyframe) {
    g_ptr_array_set_size (media->cache, 0);
    media->cache_bytes = 0;
    media->cache_valid = TRUE;
  }
  if (media->cache_valid) {
    if (media->cache_bytes + frame->payload_bytes > media->cache_max_bytes) {
      g_ptr_array_set_size (media->cache, 0);
      media->cache_bytes = 0;
      media->cache_valid = FALSE;
    } else {
      g_ptr_array_add (media->cache, ce_rtp_frame_ref (frame));
      media->cache_bytes += frame->payload_bytes;
    }
  }
  /* Frames replayed by the hub at attach only build the cache: there are
   * no subscribers yet. */
  for (guint i = 0; i < media->subs->len; i++) {
    Sub *s = &g_array_index (media->subs, Sub, i);

    s->funcs.frame (s->subscriber, frame, FALSE);
  }
  g_mutex_unlock (&media->lock);
  ce_rtp_frame_unref (frame);
}

/* Audio is passed through and live only: a viewer's audio starts with
 * the first packet after it subscribed. */
static void
on_audio (gpointer user_data, GstBuffer *payload)
{
  CeRtspMedia *media = user_data;
  GstMapInfo *map = g_new0 (GstMapInfo, 1);
  CeRtpFrame *frame;

  if (!gst_buffer_map (payload, map, GST_MAP_READ)) {
    g_free (map);
    return;
  }
  map->user_data[0] = gst_buffer_ref (payload);
  frame =
      ce_rtp_frame_new_payload (map->data, map->size, GST_BUFFER_PTS (payload),
          GST_BUFFER_FLAG_IS_SET (payload, CE_HUB_BUFFER_FLAG_MARKER), map,
          unmap_buffer);
  if (frame == NULL)
    return;
  g_mutex_lock (&media->lock);
  for (guint i = 0; i < media->subs->len; i++) {
    Sub *s = &g_array_index (media->subs, Sub, i);

    s->funcs.frame (s->subscriber, frame, FALSE);
  }
  g_mutex_unlock (&media->lock);
  ce_rtp_frame_unref (frame);
}

CeRtspMedia *
ce_rtsp_media_new (CeHub *hub, gsize cache_max_bytes)
{
  static const CeHubConsumerFuncs funcs = {on_params, on_access_unit, on_audio};
  CeRtspMedia *media = g_new0 (CeRtspMedia, 1);

  g_atomic_ref_count_init (&media->ref);
  g_mutex_init (&media->lock);
  media->hub = ce_hub_ref (hub);
  media->cache_max_bytes = cache_max_bytes > 0 ? cache_max_bytes : 16 << 20;
  media->cache =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_rtp_frame_unref);
  media->subs = g_array_new (FALSE, FALSE, sizeof (Sub));
  media->next_id = 1;
  media->consumer_id = ce_hub_attach (hub, &funcs, media);
  return media;
}

CeRtspMedia *
ce_rtsp_media_ref (CeRtspMedia *media)
{
  g_atomic_ref_count_inc (&media->ref);
  return media;
}

void
ce_rtsp_media_unref (CeRtspMedia *media)
{
  if (media == NULL || !g_atomic_ref_count_dec (&media->ref))
    return;
  /* After detach returns, no streaming thread is inside our callbacks. */
  ce_hub_detach (media->hub, media->consumer_id);
  ce_hub_unref (media->hub);
  g_ptr_array_unref (media->cache);
  g_array_unref (media->subs);
  g_mutex_clear (&media->lock);
  g_free (media);
}

guint
ce_rtsp_media_subscribe (CeRtspMedia *media, const CeRtspMediaFuncs *funcs,
    gpointer subscriber)
{
  Sub s;

  g_mutex_lock (&media->lock);
  s.id = media->next_id++;
  s.funcs = *funcs;
  s.subscriber = subscriber;
  if (media->cache_valid)
    for (guint i = 0; i < media->cache->len; i++)
      funcs->frame (subscriber, g_ptr_array_index (media->cache, i), TRUE);
  g_array_append_val (media->subs, s);
  g_mutex_unlock (&media->lock);
  return s.id;
}

void
ce_rtsp_media_unsubscribe (CeRtspMedia *media, guint id)
{
  g_mutex_lock (&media->lock);
  for (guint i = 0; i < media->subs->len; i++) {
    if (g_array_index (media->subs, Sub, i).id == id) {
      g_array_remove_index_fast (media->subs, i);
      break;
    }
  }
  g_mutex_unlock (&media->lock);
}

guint
ce_rtsp_media_get_subscribers (CeRtspMedia *media)
{
  guint n;

  g_mutex_lock (&media->lock);
  n = media->subs->len;
  g_mutex_unlock (&media->lock);
  return n;
}
