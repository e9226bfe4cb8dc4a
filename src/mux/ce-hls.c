/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * CMAF segments and the HLS media playlist, in memory.
 */
#include "ce-hls.h"

#define EXTRA_SEGMENTS 2

typedef struct
{
  guint id;
  char *name;
  GBytes *data;
} InitSegment;

typedef struct
{
  guint64 sequence;
  char *name;
  GBytes *data;
  double duration; /* seconds */
  guint init_id;
  gboolean discontinuity; /* first segment after a new init segment */
} Segment;

typedef struct
{
  GBytes *data;
  guint64 dts; /* 90 kHz, from the origin */
  gboolean keyframe;
} Pending;

struct _CeHls
{
  CeHlsConfig config;
  GMutex lock;

  CeCodec codec;
  GPtrArray *inits;    /* InitSegment, oldest first */
  guint next_init_id;  /* 0 = none yet */
  gboolean params_ok;  /* the last set was usable */
  gboolean new_init;   /* next segment starts behind a discontinuity */
  GBytes *last_config; /* avcC/hvcC of the current init segment */

  gboolean have_origin;
  guint64 origin;        /* ns */
  GArray *pending;       /* Pending: the open segment */
  guint64 last_duration; /* 90 kHz, of the last unit pushed */

  GPtrArray *segments; /* Segment, oldest first */
  guint64 next_sequence;
  guint64 discontinuity_sequence; /* of the segments dropped */
  guint target_duration;          /* seconds, never decreases */
};

static void
init_segment_free (InitSegment *init)
{
  g_free (init->name);
  g_bytes_unref (init->data);
  g_free (init);
}

static void
segment_free (Segment *seg)
{
  g_free (seg->name);
  g_bytes_unref (seg->data);
  g_free (seg);
}

static void
pending_clear (Pending *p)
{
  g_bytes_unref (p->data);
}

CeHls *
ce_hls_new (const CeHlsConfig *config)
{
  CeHls *hls = g_new0 (CeHls, 1);

  hls->config.target_duration_ms = 1000;
  hls->config.playlist_segments = 6;
  if (config != NULL) {
    if (config->target_duration_ms > 0)
      hls->config.target_duration_ms = config->target_duration_ms;
    if (config->playlist_segments > 0)
      hls->config.playlist_segments = config->playlist_segments;
  }
  g_mutex_init (&hls->lock);
  hls->inits =
      g_ptr_array_new_with_free_func ((GDestroyNotify) init_segment_free);
  hls->segments =
      g_ptr_array_new_with_free_func ((GDestroyNotify) segment_free);
  hls->pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  g_array_set_clear_func (hls->pending, (GDestroyNotify) pending_clear);
  hls->target_duration = MAX (1, (hls->config.target_duration_ms + 999) / 1000);
  return hls;
}

void
ce_hls_free (CeHls *hls)
{
  if (hls == NULL)
    return;
  g_ptr_array_unref (hls->inits);
  g_ptr_array_unref (hls->segments);
  g_array_unref (hls->pending);
  g_clear_pointer (&hls->last_config, g_bytes_unref);
  g_mutex_clear (&hls->lock);
  g_free (hls);
}

static guint64
to_90k (guint64 ns)
{
  return ns / 100000 * 9 + (ns % 100000) * 9 / 100000;
}

/* Turns the pending units into a segment.  Called with the lock held. */
static void
close_segment (CeHls *hls)
{
  g_autofree CeFmp4Sample *samples = NULL;
  Pending *first;
  Segment *seg;
  guint64 total = 0;
  guint n = hls->pending->len;

  if (n == 0)
    return;
  samples = g_new0 (CeFmp4Sample, n);
  for (guint i = 0; i < n; i++) {
    Pending *p = &g_array_index (hls->pending, Pending, i);
    guint64 next = i + 1 < n ? g_array_index (hls->pending, Pending, i + 1).dts
                             : p->dts + hls->last_duration;

    samples[i].data = g_bytes_get_data (p->data, &samples[i].size);
    samples[i].duration = next > p->dts ? MIN (next - p->dts, G_MAXUINT32) : 1;
    samples[i].keyframe = p->keyframe;
    total += samples[i].duration;
  }
  first = &g_array_index (hls->pending, Pending, 0);
  seg = g_new0 (Segment, 1);
  seg->sequence = hls->next_sequence++;
  seg->name = g_strdup_printf ("seg-%" G_GUINT64_FORMAT ".m4s", seg->sequence);
  /* One fragment per segment; its sequence number is the segment's. */
  seg->data = ce_fmp4_fragment (hls->codec, (guint32) (seg->sequence + 1),
      first->dts, samples, n);
  seg->duration = (double) total / CE_FMP4_TIMESCALE;
  seg->init_id = hls->next_init_id - 1;
  seg->discontinuity = hls->new_init;
  hls->new_init = FALSE;
  /* EXT-X-TARGETDURATION bounds every EXTINF rounded to the nearest
   * integer; a GOP longer than the target makes it grow. */
  hls->target_duration =
      MAX (hls->target_duration, (guint) (seg->duration + 0.5));
  g_array_set_size (hls->pending, 0);
  g_ptr_array_add (hls->segments, seg);

  while (hls->segments->len > hls->config.playlist_segments + EXTRA_SEGMENTS) {
    Segment *old = g_ptr_array_index (hls->segments, 0);

    if (old->discontinuity)
      hls->discontinuity_sequence++;
    g_ptr_array_remove_index (hls->segments, 0);
  }
  /* Init segments no kept segment refers to are gone too (the current
   * one always stays). */
  while (hls->inits->len > 1) {
    InitSegment *init = g_ptr_array_index (hls->inits, 0);
    Segment *oldest = g_ptr_array_index (hls->segments, 0);

    if (init->id >= oldest->init_id)
      break;
    g_ptr_array_remove_index (hls->inits, 0);
  }
}

gboolean
ce_hls_set_params (CeHls *hls, const CeVideoParams *params, GError **error)
{
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GBytes) data = NULL;
  InitSegment *init;

  g_return_val_if_fail (hls != NULL && params != NULL, FALSE);

  config = ce_codec_config_new (params, NULL);
  data = ce_fmp4_init_segment (params, error);
  g_mutex_lock (&hls->lock);
  if (data == NULL) {
    hls->params_ok = FALSE;
    g_mutex_unlock (&hls->lock);
    return FALSE;
  }
  hls->params_ok = TRUE;
  if (hls->last_config != NULL && g_bytes_equal (hls->last_config, config) &&
      hls->codec == params->codec) {
    g_mutex_unlock (&hls->lock);
    return TRUE;
  }
  /* Units of the old configuration cannot share a segment with the new. */
  close_segment (hls);
  g_clear_pointer (&hls->last_config, g_bytes_unref);
  hls->last_config = g_steal_pointer (&config);
  hls->codec = params->codec;
  init = g_new0 (InitSegment, 1);
  init->id = hls->next_init_id++;
  init->name = g_strdup_printf ("init-%u.mp4", init->id);
  init->data = g_steal_pointer (&data);
  g_ptr_array_add (hls->inits, init);
  hls->new_init = hls->segments->len > 0;
  g_mutex_unlock (&hls->lock);
  return TRUE;
}

void
ce_hls_push (CeHls *hls, const guint8 *data, gsize size, guint64 dts,
    guint64 duration, gboolean keyframe)
{
  Pending p;

  g_return_if_fail (hls != NULL);

  g_mutex_lock (&hls->lock);
  if (!hls->params_ok || (hls->pending->len == 0 && !keyframe)) {
    g_mutex_unlock (&hls->lock);
    return;
  }
  if (!hls->have_origin) {
    hls->origin = dts;
    hls->have_origin = TRUE;
  }
  /* A timeline going backwards would break the playlist's: start over one
   * frame after the last unit. */
  if (dts < hls->origin)
    dts = hls->origin;
  p.dts = to_90k (dts - hls->origin);
  if (hls->pending->len > 0) {
    Pending *last =
        &g_array_index (hls->pending, Pending, hls->pending->len - 1);

    if (p.dts <= last->dts)
      p.dts = last->dts + MAX (1, hls->last_duration);
    if (keyframe &&
        p.dts - g_array_index (hls->pending, Pending, 0).dts >=
            (guint64) hls->config.target_duration_ms * 90)
      close_segment (hls);
  }
  hls->last_duration = MAX (1, to_90k (duration));
  p.data = g_bytes_new (data, size);
  p.keyframe = keyframe;
  g_array_append_val (hls->pending, p);
  g_mutex_unlock (&hls->lock);
}

void
ce_hls_flush (CeHls *hls)
{
  g_return_if_fail (hls != NULL);

  g_mutex_lock (&hls->lock);
  close_segment (hls);
  g_mutex_unlock (&hls->lock);
}

char *
ce_hls_dup_playlist (CeHls *hls)
{
  GString *s;
  guint first, prev_init = G_MAXUINT;
  guint64 disc_seq;

  g_return_val_if_fail (hls != NULL, NULL);

  g_mutex_lock (&hls->lock);
  if (hls->segments->len == 0) {
    g_mutex_unlock (&hls->lock);
    return NULL;
  }
  first = hls->segments->len > hls->config.playlist_segments
      ? hls->segments->len - hls->config.playlist_segments
      : 0;
  /* EXT-X-DISCONTINUITY-SEQUENCE counts the discontinuities before the
   * first listed segment (whose own is implied by its EXT-X-MAP). */
  disc_seq = hls->discontinuity_sequence;
  for (guint i = 0; i <= first; i++) {
    if (((Segment *) g_ptr_array_index (hls->segments, i))->discontinuity)
      disc_seq++;
  }
  s = g_string_new ("#EXTM3U\n#EXT-X-VERSION:7\n");
  g_string_append_printf (s, "#EXT-X-TARGETDURATION:%u\n",
      hls->target_duration);
  g_string_append_printf (s, "#EXT-X-MEDIA-SEQUENCE:%" G_GUINT64_FORMAT "\n",
      ((Segment *) g_ptr_array_index (hls->segments, first))->sequence);
  if (disc_seq > 0)
    g_string_append_printf (s,
        "#EXT-X-DISCONTINUITY-SEQUENCE:%" G_GUINT64_FORMAT "\n", disc_seq);
  g_string_append (s, "#EXT-X-INDEPENDENT-SEGMENTS\n");
  for (guint i = first; i < hls->segments->len; i++) {
    Segment *seg = g_ptr_array_index (hls->segments, i);

    if (seg->discontinuity && i > first)
      g_string_append (s, "#EXT-X-DISCONTINUITY\n");
    if (seg->init_id != prev_init) {
      g_string_append_printf (s, "#EXT-X-MAP:URI=\"init-%u.mp4\"\n",
          seg->init_id);
      prev_init = seg->init_id;
    }
    g_string_append_printf (s, "#EXTINF:%.3f,\n%s\n", seg->duration, seg->name);
  }
  g_mutex_unlock (&hls->lock);
  return g_string_free (s, FALSE);
}

GBytes *
ce_hls_dup_file (CeHls *hls, const char *name)
{
  GBytes *found = NULL;

  g_return_val_if_fail (hls != NULL, NULL);

  if (name == NULL)
    return NULL;
  g_mutex_lock (&hls->lock);
  for (guint i = 0; i < hls->segments->len && found == NULL; i++) {
    Segment *seg = g_ptr_array_index (hls->segments, i);

    if (strcmp (seg->name, name) == 0)
      found = g_bytes_ref (seg->data);
  }
  for (guint i = 0; i < hls->inits->len && found == NULL; i++) {
    InitSegment *init = g_ptr_array_index (hls->inits, i);

    if (strcmp (init->name, name) == 0)
      found = g_bytes_ref (init->data);
  }
  g_mutex_unlock (&hls->lock);
  return found;
}

guint64
ce_hls_get_segments_produced (CeHls *hls)
{
  guint64 n;

  g_return_val_if_fail (hls != NULL, 0);

  g_mutex_lock (&hls->lock);
  n = hls->next_sequence;
  g_mutex_unlock (&hls->lock);
  return n;
}
