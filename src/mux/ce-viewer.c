/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Per-viewer fMP4 / FLV muxing from a hub into a bounded queue, and the
 * hub consumer of the HLS segmenter.
 */
#include "ce-viewer.h"

GST_DEBUG_CATEGORY_STATIC (ce_viewer_debug);
#define GST_CAT_DEFAULT ce_viewer_debug

#define DEFAULT_MAX_BYTES (4 * 1024 * 1024)
#define DEFAULT_MAX_SKIPS 3
#define DEFAULT_SKIP_WINDOW (60 * GST_SECOND)
/* Longest sample duration written: a camera that paused longer resumes
 * with a gap in the decode timeline instead of one frame shown for ages. */
#define MAX_SAMPLE_DURATION GST_SECOND

typedef struct
{
  GBytes *head; /* this viewer's own bytes */
  GBytes *body; /* nullable: payload shared by the camera's viewers */
  CeViewerChunkKind kind;
  gboolean keyframe;
} Chunk;

/* What every viewer of a camera writes the same for one access unit,
 * computed by the first viewer that needs it and kept on the GstBuffer
 * (consumers run one after the other under the hub's lock, so the lazy
 * set-up needs no lock of its own). */
typedef struct
{
  GBytes *payload;  /* length-prefixed NAL units */
  GBytes *flv_body; /* payload + PreviousTagSize, made on demand */
} SharedPayload;

struct _CeViewer
{
  CeHub *hub; /* owned ref */
  guint consumer_id;
  CeViewerFormat format;
  CeViewerConfig config;
  CeViewerWakeFunc wake;
  gpointer user_data;

  GMutex lock;
  GQueue chunks; /* Chunk, protected by lock */
  gsize queued_bytes;
  CeVideoParams params;
  gboolean params_ok;   /* the current sets made a header */
  gboolean header_sent; /* FLV file header */
  gboolean waiting_keyframe;
  gboolean dropped;

  /* Timeline: the viewer's first access unit is time 0. */
  gboolean have_origin;
  GstClockTime origin;
  /* fMP4: the unit waiting for the next one to know its duration. */
  GstBuffer *held;
  GBytes *held_payload;
  guint32 sequence;
  guint32 last_flv_ms; /* FLV: timestamp of the last tag */

  GstClockTime skip_times[8]; /* ring of the last skips' PTS */
  guint n_skips_recorded;
  CeViewerStats stats;
};

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (ce_viewer_debug, "cityeye-mux", 0,
        "cityeye browser muxers");
    g_once_init_leave (&once, 1);
  }
}

static void
chunk_free (Chunk *chunk)
{
  if (chunk->head != NULL)
    g_bytes_unref (chunk->head);
  if (chunk->body != NULL)
    g_bytes_unref (chunk->body);
  g_free (chunk);
}

static gsize
chunk_size (GBytes *head, GBytes *body)
{
  return g_bytes_get_size (head) + (body != NULL ? g_bytes_get_size (body) : 0);
}

static GQuark
payload_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark,
        g_quark_from_static_string ("cityeye-mux-payload"));
  return (GQuark) quark;
}

static void
shared_payload_free (SharedPayload *sp)
{
  g_bytes_unref (sp->payload);
  if (sp->flv_body != NULL)
    g_bytes_unref (sp->flv_body);
  g_free (sp);
}

/* Called from a hub callback (hub lock held).  NULL if unmappable. */
static SharedPayload *
shared_payload (CeCodec codec, GstBuffer *au)
{
  SharedPayload *sp =
      gst_mini_object_get_qdata (GST_MINI_OBJECT_CAST (au), payload_quark ());
  GByteArray *out;
  GstMapInfo map;

  if (sp != NULL)
    return sp;
  if (!gst_buffer_map (au, &map, GST_MAP_READ))
    return NULL;
  out = g_byte_array_sized_new (map.size + map.size / 64 + 16);
  ce_au_append_length_prefixed (codec, map.data, map.size, out);
  gst_buffer_unmap (au, &map);
  sp = g_new0 (SharedPayload, 1);
  sp->payload = g_byte_array_free_to_bytes (out);
  gst_mini_object_set_qdata (GST_MINI_OBJECT_CAST (au), payload_quark (), sp,
      (GDestroyNotify) shared_payload_free);
  return sp;
}

static guint64
ns_to_90k (GstClockTime ns)
{
  return gst_util_uint64_scale (ns, CE_FMP4_TIMESCALE, GST_SECOND);
}

/* Called with the lock held; returns TRUE when the queue was empty. */
static gboolean
queue_chunk (CeViewer *self, GBytes *head, GBytes *body, CeViewerChunkKind kind,
    gboolean keyframe)
{
  Chunk *chunk = g_new (Chunk, 1);
  gboolean was_empty = g_queue_is_empty (&self->chunks);

  chunk->head = head;
  chunk->body = body;
  chunk->kind = kind;
  chunk->keyframe = keyframe;
  self->queued_bytes += chunk_size (head, body);
  g_queue_push_tail (&self->chunks, chunk);
  if (kind == CE_VIEWER_CHUNK_HEADER)
    self->stats.headers++;
  return was_empty;
}

/* The budget is exceeded: drop the queued media (keep the headers the
 * player still needs) and wait for a keyframe.  Lock held. */
static void
skip (CeViewer *self, GstClockTime pts)
{
  GList *l = self->chunks.head;
  guint in_window = 0;

  while (l != NULL) {
    GList *next = l->next;
    Chunk *chunk = l->data;

    if (chunk->kind == CE_VIEWER_CHUNK_MEDIA) {
      self->queued_bytes -= chunk_size (chunk->head, chunk->body);
      self->stats.frames_skipped++;
      chunk_free (chunk);
      g_queue_delete_link (&self->chunks, l);
    }
    l = next;
  }
  if (self->held != NULL) {
    self->stats.frames_skipped++;
    gst_clear_buffer (&self->held);
    g_clear_pointer (&self->held_payload, g_bytes_unref);
  }
  self->waiting_keyframe = TRUE;
  self->stats.skips++;
  self->skip_times[self->n_skips_recorded++ % G_N_ELEMENTS (self->skip_times)] =
      pts;
  for (guint i = 0;
       i < MIN (self->n_skips_recorded, G_N_ELEMENTS (self->skip_times)); i++) {
    if (pts < self->skip_times[i] + self->config.skip_window)
      in_window++;
  }
  GST_DEBUG ("viewer %p of %s: over its budget of %zu bytes, skipping to the "
             "next keyframe (%u skips in the window)",
      self, ce_hub_get_name (self->hub), self->config.max_bytes, in_window);
  if (in_window > self->config.max_skips && !self->dropped) {
    self->dropped = TRUE;
    GST_INFO ("viewer %p of %s: too slow (%u skips), to be dropped", self,
        ce_hub_get_name (self->hub), in_window);
  }
}

/* Queues one media chunk (takes @head and @body) under the budget.  Lock
 * held; returns TRUE when the writer should be woken. */
static gboolean
queue_media (CeViewer *self, GBytes *head, GBytes *body, gboolean keyframe,
    GstClockTime pts)
{
  gsize size = chunk_size (head, body);

  if (self->waiting_keyframe && !keyframe) {
    self->stats.frames_skipped++;
    g_bytes_unref (head);
    g_bytes_unref (body);
    return FALSE;
  }
  self->waiting_keyframe = FALSE;
  if (self->queued_bytes + size > self->config.max_bytes) {
    gboolean was_dropped = self->dropped;

    skip (self, pts);
    if (!keyframe || self->dropped) {
      self->stats.frames_skipped++;
      g_bytes_unref (head);
      g_bytes_unref (body);
      return self->dropped && !was_dropped;
    }
    /* A keyframe starts the viewer again. */
    self->waiting_keyframe = FALSE;
  }
  return queue_chunk (self, head, body, CE_VIEWER_CHUNK_MEDIA, keyframe);
}

static guint32
flv_time (CeViewer *self, GstClockTime pts)
{
  self->last_flv_ms = (guint32) ((pts - self->origin) / GST_MSECOND);
  return self->last_flv_ms;
}

/* Muxes the held fMP4 unit, lasting @duration ns.  Lock held. */
static gboolean
emit_held (CeViewer *self, GstClockTime duration)
{
  g_autoptr (GstBuffer) au = g_steal_pointer (&self->held);
  GBytes *payload = g_steal_pointer (&self->held_payload);
  CeFmp4Sample sample = {0};
  GstClockTime pts = GST_BUFFER_PTS (au);
  GBytes *head;
  guint64 start = ns_to_90k (pts - self->origin);
  guint64 end = ns_to_90k (pts - self->origin + duration);

  sample.size = g_bytes_get_size (payload);
  sample.duration = MAX (1, end - start);
  sample.keyframe = !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);
  head = ce_fmp4_fragment_head (++self->sequence, start, &sample, 1);
  return queue_media (self, head, payload, sample.keyframe, pts);
}

static GstClockTime
nominal_duration (GstBuffer *au)
{
  GstClockTime d = GST_BUFFER_DURATION (au);

  return GST_CLOCK_TIME_IS_VALID (d) && d > 0 ? MIN (d, MAX_SAMPLE_DURATION)
                                              : 40 * GST_MSECOND;
}

/* Queues the header for the current parameter sets; FALSE if they cannot
 * make one (then media is held back until they can).  Lock held. */
static gboolean
make_header (CeViewer *self, gboolean *wake)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) out = NULL;
  g_autoptr (GBytes) seq = NULL;
  g_autoptr (GBytes) meta = NULL;
  GBytes *init;

  if (self->format == CE_VIEWER_FMP4) {
    init = ce_fmp4_init_segment (&self->params, &error);
    if (init == NULL) {
      GST_WARNING ("viewer %p of %s: %s", self, ce_hub_get_name (self->hub),
          error->message);
      return FALSE;
    }
    *wake = queue_chunk (self, init, NULL, CE_VIEWER_CHUNK_HEADER, FALSE);
    return TRUE;
  }
  /* Headers take the time of the last tag: FLV time never goes back. */
  seq = ce_flv_sequence_tag (&self->params, self->config.flv_hevc,
      self->last_flv_ms, &error);
  if (seq == NULL) {
    GST_WARNING ("viewer %p of %s: %s", self, ce_hub_get_name (self->hub),
        error->message);
    return FALSE;
  }
  meta = ce_flv_metadata_tag (&self->params, self->config.flv_hevc,
      self->last_flv_ms);
  out = g_byte_array_new ();
  if (!self->header_sent) {
    g_autoptr (GBytes) header = ce_flv_header ();

    g_byte_array_append (out, g_bytes_get_data (header, NULL),
        g_bytes_get_size (header));
    self->header_sent = TRUE;
  }
  g_byte_array_append (out, g_bytes_get_data (meta, NULL),
      g_bytes_get_size (meta));
  g_byte_array_append (out, g_bytes_get_data (seq, NULL),
      g_bytes_get_size (seq));
  *wake =
      queue_chunk (self, g_byte_array_free_to_bytes (g_steal_pointer (&out)),
          NULL, CE_VIEWER_CHUNK_HEADER, FALSE);
  return TRUE;
}

static void
on_params (gpointer user_data, const CeVideoParams *params)
{
  CeViewer *self = user_data;
  gboolean wake = FALSE;

  g_mutex_lock (&self->lock);
  if (!self->dropped) {
    /* The held unit belongs to the old configuration. */
    if (self->held != NULL)
      wake |= emit_held (self, nominal_duration (self->held));
    ce_video_params_clear (&self->params);
    self->params = *params;
    self->params.vps = params->vps ? g_bytes_ref (params->vps) : NULL;
    self->params.sps = params->sps ? g_bytes_ref (params->sps) : NULL;
    self->params.pps = params->pps ? g_bytes_ref (params->pps) : NULL;
    if (ce_video_params_complete (params)) {
      gboolean woke = FALSE;

      self->params_ok = make_header (self, &woke);
      wake |= woke;
    } else {
      self->params_ok = FALSE;
    }
    /* Decoding restarts at a keyframe with the new sets. */
    self->waiting_keyframe = TRUE;
  }
  g_mutex_unlock (&self->lock);
  if (wake && self->wake != NULL)
    self->wake (self->user_data);
}

static void
on_access_unit (gpointer user_data, GstBuffer *au, gboolean cached)
{
  CeViewer *self = user_data;
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);
  GstClockTime pts = GST_BUFFER_PTS (au);
  gboolean wake = FALSE;
  SharedPayload *sp;

  g_mutex_lock (&self->lock);
  self->stats.frames_in++;
  if (self->dropped || !self->params_ok || !GST_CLOCK_TIME_IS_VALID (pts) ||
      (self->waiting_keyframe && !keyframe)) {
    self->stats.frames_skipped++;
    goto out;
  }
  if (keyframe)
    self->waiting_keyframe = FALSE;
  if (!self->have_origin) {
    self->origin = pts;
    self->have_origin = TRUE;
  }
  sp = shared_payload (self->params.codec, au);
  if (pts < self->origin || sp == NULL) {
    self->stats.frames_skipped++;
    goto out;
  }
  if (self->format == CE_VIEWER_FMP4) {
    if (self->held != NULL) {
      GstClockTime held_pts = GST_BUFFER_PTS (self->held);
      GstClockTime d = pts > held_pts ? pts - held_pts : 1;

      wake |= emit_held (self, MIN (d, MAX_SAMPLE_DURATION));
    }
    /* emit_held() may have started a skip. */
    if (self->dropped || (self->waiting_keyframe && !keyframe)) {
      self->stats.frames_skipped++;
      goto out;
    }
    self->waiting_keyframe = FALSE;
    self->held = gst_buffer_ref (au);
    self->held_payload = g_bytes_ref (sp->payload);
  } else {
    GBytes *head;

    if (sp->flv_body == NULL)
      sp->flv_body = ce_flv_video_tag_body (
          g_bytes_get_data (sp->payload, NULL), g_bytes_get_size (sp->payload));
    head = ce_flv_video_tag_head (self->params.codec, self->config.flv_hevc,
        flv_time (self, pts), keyframe, g_bytes_get_size (sp->payload));
    wake |= queue_media (self, head, g_bytes_ref (sp->flv_body), keyframe, pts);
  }
out:
  g_mutex_unlock (&self->lock);
  if (wake && self->wake != NULL)
    self->wake (self->user_data);
}

CeViewer *
ce_viewer_new (CeHub *hub, CeViewerFormat format, const CeViewerConfig *config,
    CeViewerWakeFunc wake, gpointer user_data)
{
  static const CeHubConsumerFuncs funcs = {on_params, on_access_unit};
  CeViewer *self;

  g_return_val_if_fail (hub != NULL, NULL);
  g_return_val_if_fail (format == CE_VIEWER_FMP4 || format == CE_VIEWER_FLV,
      NULL);

  ensure_debug ();
  self = g_new0 (CeViewer, 1);
  self->hub = ce_hub_ref (hub);
  self->format = format;
  self->config.max_bytes = DEFAULT_MAX_BYTES;
  self->config.max_skips = DEFAULT_MAX_SKIPS;
  self->config.skip_window = DEFAULT_SKIP_WINDOW;
  self->config.flv_hevc = CE_FLV_HEVC_CODEC_ID_12;
  if (config != NULL) {
    if (config->max_bytes > 0)
      self->config.max_bytes = config->max_bytes;
    /* The window remembers the last few skips only. */
    if (config->max_skips > 0)
      self->config.max_skips =
          MIN (config->max_skips, G_N_ELEMENTS (self->skip_times) - 1);
    if (config->skip_window > 0)
      self->config.skip_window = config->skip_window;
    self->config.flv_hevc = config->flv_hevc;
  }
  self->wake = wake;
  self->user_data = user_data;
  g_mutex_init (&self->lock);
  g_queue_init (&self->chunks);
  self->consumer_id = ce_hub_attach (hub, &funcs, self);
  return self;
}

static void
detach (CeViewer *self)
{
  if (self->consumer_id != 0) {
    ce_hub_detach (self->hub, self->consumer_id);
    self->consumer_id = 0;
  }
}

void
ce_viewer_free (CeViewer *viewer)
{
  if (viewer == NULL)
    return;
  detach (viewer);
  g_queue_clear_full (&viewer->chunks, (GDestroyNotify) chunk_free);
  gst_clear_buffer (&viewer->held);
  g_clear_pointer (&viewer->held_payload, g_bytes_unref);
  ce_video_params_clear (&viewer->params);
  g_mutex_clear (&viewer->lock);
  ce_hub_unref (viewer->hub);
  g_free (viewer);
}

void
ce_viewer_finish (CeViewer *viewer)
{
  g_return_if_fail (viewer != NULL);

  detach (viewer);
  g_mutex_lock (&viewer->lock);
  if (viewer->held != NULL && !viewer->dropped)
    emit_held (viewer, nominal_duration (viewer->held));
  gst_clear_buffer (&viewer->held);
  g_clear_pointer (&viewer->held_payload, g_bytes_unref);
  g_mutex_unlock (&viewer->lock);
}

GBytes *
ce_viewer_pop (CeViewer *viewer, GBytes **body, CeViewerChunkKind *kind,
    gboolean *keyframe)
{
  Chunk *chunk;
  GBytes *head;

  g_return_val_if_fail (viewer != NULL, NULL);

  g_mutex_lock (&viewer->lock);
  chunk = g_queue_pop_head (&viewer->chunks);
  if (chunk == NULL) {
    g_mutex_unlock (&viewer->lock);
    if (body != NULL)
      *body = NULL;
    return NULL;
  }
  viewer->queued_bytes -= chunk_size (chunk->head, chunk->body);
  viewer->stats.bytes_out += chunk_size (chunk->head, chunk->body);
  g_mutex_unlock (&viewer->lock);
  if (kind != NULL)
    *kind = chunk->kind;
  if (keyframe != NULL)
    *keyframe = chunk->keyframe;
  head = g_steal_pointer (&chunk->head);
  if (body != NULL) {
    *body = g_steal_pointer (&chunk->body);
  } else if (chunk->body != NULL) {
    /* One buffer wanted (a WebSocket message): join the parts. */
    GByteArray *joined = g_bytes_unref_to_array (head);

    g_byte_array_append (joined, g_bytes_get_data (chunk->body, NULL),
        g_bytes_get_size (chunk->body));
    head = g_byte_array_free_to_bytes (joined);
  }
  chunk_free (chunk);
  return head;
}

gsize
ce_viewer_pop_media (CeViewer *viewer, GByteArray *out, gsize max)
{
  gsize appended = 0;
  Chunk *chunk;

  g_return_val_if_fail (viewer != NULL && out != NULL, 0);

  g_mutex_lock (&viewer->lock);
  while ((chunk = g_queue_peek_head (&viewer->chunks)) != NULL &&
      chunk->kind == CE_VIEWER_CHUNK_MEDIA) {
    gsize size = chunk_size (chunk->head, chunk->body);

    if (appended > 0 && out->len + size > max)
      break;
    g_queue_pop_head (&viewer->chunks);
    g_byte_array_append (out, g_bytes_get_data (chunk->head, NULL),
        g_bytes_get_size (chunk->head));
    if (chunk->body != NULL)
      g_byte_array_append (out, g_bytes_get_data (chunk->body, NULL),
          g_bytes_get_size (chunk->body));
    viewer->queued_bytes -= size;
    viewer->stats.bytes_out += size;
    appended += size;
    chunk_free (chunk);
  }
  g_mutex_unlock (&viewer->lock);
  return appended;
}

gboolean
ce_viewer_should_drop (CeViewer *viewer)
{
  gboolean dropped;

  g_return_val_if_fail (viewer != NULL, TRUE);

  g_mutex_lock (&viewer->lock);
  dropped = viewer->dropped;
  g_mutex_unlock (&viewer->lock);
  return dropped;
}

char *
ce_viewer_dup_content_type (CeViewer *viewer)
{
  char *type = NULL;

  g_return_val_if_fail (viewer != NULL, NULL);

  if (viewer->format == CE_VIEWER_FLV)
    return g_strdup ("video/x-flv");
  g_mutex_lock (&viewer->lock);
  if (viewer->params_ok)
    type = ce_fmp4_mime_type (&viewer->params);
  g_mutex_unlock (&viewer->lock);
  return type;
}

void
ce_viewer_get_stats (CeViewer *viewer, CeViewerStats *stats)
{
  g_return_if_fail (viewer != NULL && stats != NULL);

  g_mutex_lock (&viewer->lock);
  *stats = viewer->stats;
  stats->bytes_queued = viewer->queued_bytes;
  stats->chunks_queued = g_queue_get_length (&viewer->chunks);
  stats->should_drop = viewer->dropped;
  g_mutex_unlock (&viewer->lock);
}

/* ---- HLS ---------------------------------------------------------------- */

struct _CeHlsFeed
{
  CeHub *hub;
  CeHls *hls; /* borrowed: must outlive the feed */
  guint consumer_id;
};

static void
on_hls_params (gpointer user_data, const CeVideoParams *params)
{
  CeHlsFeed *feed = user_data;
  g_autoptr (GError) error = NULL;

  if (!ce_hls_set_params (feed->hls, params, &error) &&
      ce_video_params_complete (params))
    GST_WARNING ("HLS of %s: %s", ce_hub_get_name (feed->hub), error->message);
}

static void
on_hls_access_unit (gpointer user_data, GstBuffer *au, gboolean cached)
{
  CeHlsFeed *feed = user_data;
  GstMapInfo map;

  if (!GST_BUFFER_PTS_IS_VALID (au) || !gst_buffer_map (au, &map, GST_MAP_READ))
    return;
  ce_hls_push (feed->hls, map.data, map.size, GST_BUFFER_PTS (au),
      nominal_duration (au),
      !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unmap (au, &map);
}

CeHlsFeed *
ce_hls_feed_new (CeHub *hub, CeHls *hls)
{
  static const CeHubConsumerFuncs funcs = {on_hls_params, on_hls_access_unit};
  CeHlsFeed *feed;

  g_return_val_if_fail (hub != NULL && hls != NULL, NULL);

  ensure_debug ();
  feed = g_new0 (CeHlsFeed, 1);
  feed->hub = ce_hub_ref (hub);
  feed->hls = hls;
  feed->consumer_id = ce_hub_attach (hub, &funcs, feed);
  return feed;
}

void
ce_hls_feed_free (CeHlsFeed *feed)
{
  if (feed == NULL)
    return;
  ce_hub_detach (feed->hub, feed->consumer_id);
  ce_hub_unref (feed->hub);
  g_free (feed);
}
