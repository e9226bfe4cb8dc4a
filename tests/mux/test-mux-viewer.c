/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The per-viewer adaptor and the HLS feed on a real hub: fed from encoded
 * streams (cached-GOP start, SPS change, the byte budget with a viewer
 * that stops reading), then live from the camera simulator through the
 * native ingest, with the output read back by ffprobe, ffmpeg and
 * GStreamer's demuxers.
 */
#include "ce-ingest.h"
#include "ce-viewer.h"

#include "camsim-fixture.h"
#include "mux-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define FRAME_NS (40 * GST_MSECOND)

static CamsimProcess *sim;

/* ---- helpers ---------------------------------------------------------- */

typedef struct
{
  guint wakes;
} Waker;

static void
on_wake (gpointer user_data)
{
  Waker *w = user_data;

  g_atomic_int_inc (&w->wakes);
}

static void
push_aus (CeHub *hub, CeCodec codec, GPtrArray *aus, guint64 *frame,
    guint first, guint n)
{
  for (guint i = first; i < first + n; i++, (*frame)++) {
    gsize size;
    const guint8 *data = g_bytes_get_data (g_ptr_array_index (aus, i), &size);
    GstBuffer *buf = gst_buffer_new_memdup (data, size);

    GST_BUFFER_PTS (buf) = *frame * FRAME_NS;
    ce_hub_push (hub, codec, buf, FALSE);
  }
}

typedef struct
{
  GPtrArray *files; /* GByteArray: one per header chunk */
  guint media;      /* media chunks in the last file */
  guint total_media;
  gboolean first_media_key; /* of every file */
} Collected;

static void
collected_clear (Collected *c)
{
  g_clear_pointer (&c->files, g_ptr_array_unref);
}

/* Pops everything; a header chunk starts a new file (an fMP4 init segment
 * after an SPS change; the FLV header is always the first chunk). */
static void
drain (CeViewer *viewer, Collected *c, CeViewerFormat format)
{
  GBytes *chunk, *body;
  CeViewerChunkKind kind;
  gboolean key;

  if (c->files == NULL) {
    c->files =
        g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
    c->first_media_key = TRUE;
  }
  /* Head, then the shared body, as chunked HTTP writes them. */
  while ((chunk = ce_viewer_pop (viewer, &body, &kind, &key)) != NULL) {
    GByteArray *file;

    if (kind == CE_VIEWER_CHUNK_HEADER &&
        (format == CE_VIEWER_FMP4 || c->files->len == 0)) {
      g_ptr_array_add (c->files, g_byte_array_new ());
      c->media = 0;
    }
    g_assert_cmpuint (c->files->len, >, 0);
    file = g_ptr_array_index (c->files, c->files->len - 1);
    if (kind == CE_VIEWER_CHUNK_MEDIA) {
      if (c->media == 0 && !key)
        c->first_media_key = FALSE;
      c->media++;
      c->total_media++;
    }
    g_byte_array_append (file, g_bytes_get_data (chunk, NULL),
        g_bytes_get_size (chunk));
    g_bytes_unref (chunk);
    g_assert_true ((body != NULL) == (kind == CE_VIEWER_CHUNK_MEDIA));
    if (body != NULL) {
      g_byte_array_append (file, g_bytes_get_data (body, NULL),
          g_bytes_get_size (body));
      g_bytes_unref (body);
    }
  }
}

/* ---- from encoded streams --------------------------------------------- */

/* A viewer attached mid-GOP starts at the cached keyframe, then follows
 * live; the output decodes from its first frame. */
static void
test_cached_start (gconstpointer data)
{
  CeViewerFormat format = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) stream = NULL;
  g_autoptr (GPtrArray) aus = NULL;
  g_autoptr (CeHub) hub = ce_hub_new ("cached", NULL);
  g_autoptr (CeViewer) viewer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *type = NULL;
  g_autofree char *pipeline = NULL;
  Collected c = {0};
  Waker w = {0};
  guint64 frame = 0;
  GByteArray *file;
  CeViewerStats stats;

  if (!mux_test_have_tools ())
    return;
  stream = mux_test_encode (CE_CODEC_H264, 320, 240, 75, 25);
  aus = mux_test_split_aus (CE_CODEC_H264, stream);
  g_assert_cmpuint (aus->len, ==, 75);
  /* Frames 0..34: the cache holds 25..34 when the viewer arrives. */
  push_aus (hub, CE_CODEC_H264, aus, &frame, 0, 35);
  viewer = ce_viewer_new (hub, format, NULL, on_wake, &w);
  g_assert_cmpuint (w.wakes, >=, 1);
  type = ce_viewer_dup_content_type (viewer);
  if (format == CE_VIEWER_FMP4)
    g_assert_true (g_str_has_prefix (type, "video/mp4; codecs=\"avc1."));
  else
    g_assert_cmpstr (type, ==, "video/x-flv");
  drain (viewer, &c, format);
  push_aus (hub, CE_CODEC_H264, aus, &frame, 35, 40);
  ce_viewer_finish (viewer);
  drain (viewer, &c, format);

  ce_viewer_get_stats (viewer, &stats);
  g_assert_cmpuint (stats.frames_in, ==, 50);
  g_assert_cmpuint (stats.skips, ==, 0);
  g_assert_cmpuint (stats.bytes_queued, ==, 0);
  g_assert_false (stats.should_drop);
  g_assert_cmpuint (c.files->len, ==, 1);
  g_assert_cmpuint (c.total_media, ==, 50);
  g_assert_true (c.first_media_key);

  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  file = g_ptr_array_index (c.files, 0);
  path = mux_test_write_file (dir, format == CE_VIEWER_FMP4 ? "v.mp4" : "v.flv",
      file->data, file->len);
  mux_test_check_file (path, NULL, "h264", 320, 240, 50);
  pipeline = g_strdup_printf ("filesrc location=%s ! %s ! h264parse ! "
                              "avdec_h264 ! fakesink",
      path, format == CE_VIEWER_FMP4 ? "qtdemux" : "flvdemux");
  mux_test_gst_launch (pipeline);
  collected_clear (&c);
  mux_test_remove_dir (dir);
}

/* ce_viewer_pop_media(): the media chunks at the head, joined (at least
 * one, then within the bound), never the header before them; what it
 * gives is the same stream as chunk by chunk. */
static void
test_pop_media (void)
{
  g_autoptr (GBytes) stream = NULL;
  g_autoptr (GPtrArray) aus = NULL;
  g_autoptr (CeHub) hub = ce_hub_new ("joined", NULL);
  g_autoptr (CeViewer) viewer = NULL;
  g_autoptr (GByteArray) file = g_byte_array_new ();
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  CeViewerChunkKind kind;
  CeViewerStats stats;
  guint64 frame = 0;
  gsize one, rest;

  if (!mux_test_have_tools ())
    return;
  stream = mux_test_encode (CE_CODEC_H264, 320, 240, 50, 25);
  aus = mux_test_split_aus (CE_CODEC_H264, stream);
  /* Frames 0..34: the cache holds 25..34 when the viewer arrives. */
  push_aus (hub, CE_CODEC_H264, aus, &frame, 0, 35);
  viewer = ce_viewer_new (hub, CE_VIEWER_FMP4, NULL, NULL, NULL);
  /* The init segment first: not media. */
  g_assert_cmpuint (ce_viewer_pop_media (viewer, file, G_MAXSIZE), ==, 0);
  init = ce_viewer_pop (viewer, NULL, &kind, NULL);
  g_assert_nonnull (init);
  g_assert_cmpint (kind, ==, CE_VIEWER_CHUNK_HEADER);
  g_byte_array_append (file, g_bytes_get_data (init, NULL),
      g_bytes_get_size (init));
  /* A bound smaller than a fragment still gives one. */
  one = ce_viewer_pop_media (viewer, file, 1);
  g_assert_cmpuint (one, >, 0);
  g_assert_cmpuint (file->len, ==, g_bytes_get_size (init) + one);
  /* The other nine (the cached frames but the keyframe) within 1 MiB. */
  rest = ce_viewer_pop_media (viewer, file, 1 << 20);
  g_assert_cmpuint (rest, >, one / 10);
  g_assert_cmpuint (ce_viewer_pop_media (viewer, file, 1 << 20), ==, 0);
  ce_viewer_get_stats (viewer, &stats);
  g_assert_cmpuint (stats.bytes_queued, ==, 0);
  g_assert_cmpuint (stats.bytes_out, ==, file->len);
  /* The last frame is held until the next gives its duration. */
  ce_viewer_finish (viewer);
  g_assert_cmpuint (ce_viewer_pop_media (viewer, file, 1 << 20), >, 0);

  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  path = mux_test_write_file (dir, "joined.mp4", file->data, file->len);
  mux_test_check_file (path, NULL, "h264", 320, 240, 10);
  mux_test_remove_dir (dir);
}

/* The camera changes resolution: a second init segment (fMP4) or sequence
 * header (FLV), and both parts decode at their size. */
static void
test_sps_change (void)
{
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) b = NULL;
  g_autoptr (GPtrArray) aus_a = NULL;
  g_autoptr (GPtrArray) aus_b = NULL;
  g_autoptr (CeHub) hub = ce_hub_new ("resize", NULL);
  g_autoptr (CeViewer) viewer = NULL;
  g_autoptr (CeViewer) flv = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  Collected c = {0}, cf = {0};
  guint64 frame = 0;
  CeViewerStats stats;

  if (!mux_test_have_tools ())
    return;
  a = mux_test_encode (CE_CODEC_H264, 320, 240, 50, 25);
  b = mux_test_encode (CE_CODEC_H264, 240, 176, 50, 25);
  aus_a = mux_test_split_aus (CE_CODEC_H264, a);
  aus_b = mux_test_split_aus (CE_CODEC_H264, b);
  viewer = ce_viewer_new (hub, CE_VIEWER_FMP4, NULL, NULL, NULL);
  flv = ce_viewer_new (hub, CE_VIEWER_FLV, NULL, NULL, NULL);
  push_aus (hub, CE_CODEC_H264, aus_a, &frame, 0, aus_a->len);
  push_aus (hub, CE_CODEC_H264, aus_b, &frame, 0, aus_b->len);
  ce_viewer_finish (viewer);
  ce_viewer_finish (flv);
  drain (viewer, &c, CE_VIEWER_FMP4);
  drain (flv, &cf, CE_VIEWER_FLV);
  ce_viewer_get_stats (viewer, &stats);
  g_assert_cmpuint (stats.headers, ==, 2);
  ce_viewer_get_stats (flv, &stats);
  g_assert_cmpuint (stats.headers, ==, 2);

  g_assert_cmpuint (c.files->len, ==, 2);
  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++) {
    GByteArray *file = g_ptr_array_index (c.files, i);
    g_autofree char *name = g_strdup_printf ("part%u.mp4", i);
    g_autofree char *path =
        mux_test_write_file (dir, name, file->data, file->len);

    mux_test_check_file (path, NULL, "h264", i == 0 ? 320 : 240,
        i == 0 ? 240 : 176, 50);
  }
  /* FLV carries both in one stream: the new sequence header switches the
   * decoder, which ffmpeg follows without an error. */
  {
    GByteArray *file = g_ptr_array_index (cf.files, 0);
    g_autofree char *path =
        mux_test_write_file (dir, "v.flv", file->data, file->len);

    mux_test_ffmpeg_decode (path, NULL);
  }
  collected_clear (&c);
  collected_clear (&cf);
  mux_test_remove_dir (dir);
}

/* A viewer that stops reading: the queue stays under the budget, the
 * viewer skips to keyframes, then reports it should be dropped; what it
 * was given still decodes, from a keyframe.  A reading viewer beside it
 * never notices. */
static void
test_budget (void)
{
  g_autoptr (GBytes) stream = NULL;
  g_autoptr (GPtrArray) aus = NULL;
  g_autoptr (CeHub) hub = ce_hub_new ("budget", NULL);
  g_autoptr (CeViewer) slow = NULL;
  g_autoptr (CeViewer) fast = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  CeViewerConfig config = {0};
  CeViewerStats stats, fast_stats;
  Collected c = {0}, cf = {0};
  Waker w = {0};
  guint64 frame = 0;
  gsize gop_bytes = 0;
  GBytes *chunk;
  CeViewerChunkKind kind;
  gboolean key;
  guint skips_before;

  if (!mux_test_have_tools ())
    return;
  stream = mux_test_encode (CE_CODEC_H264, 320, 240, 250, 25);
  aus = mux_test_split_aus (CE_CODEC_H264, stream);
  for (guint i = 0; i < 25; i++)
    gop_bytes += g_bytes_get_size (g_ptr_array_index (aus, i));
  /* Room for about one and a half GOPs. */
  config.max_bytes = gop_bytes * 3 / 2;
  config.max_skips = 3;
  config.skip_window = 60 * GST_SECOND;
  slow = ce_viewer_new (hub, CE_VIEWER_FMP4, &config, on_wake, &w);
  fast = ce_viewer_new (hub, CE_VIEWER_FMP4, &config, NULL, NULL);

  /* Three GOPs without reading. */
  for (guint g = 0; g < 3; g++) {
    push_aus (hub, CE_CODEC_H264, aus, &frame, g * 25, 25);
    drain (fast, &cf, CE_VIEWER_FMP4);
    ce_viewer_get_stats (slow, &stats);
    g_assert_cmpuint (stats.bytes_queued, <=, config.max_bytes);
  }
  ce_viewer_get_stats (slow, &stats);
  g_assert_cmpuint (stats.skips, >=, 1);
  g_assert_cmpuint (stats.frames_skipped, >, 0);
  g_assert_false (stats.should_drop);
  g_assert_false (ce_viewer_should_drop (slow));

  /* What is queued starts with the init segment, then a keyframe. */
  chunk = ce_viewer_pop (slow, NULL, &kind, &key);
  g_assert_cmpint (kind, ==, CE_VIEWER_CHUNK_HEADER);
  g_bytes_unref (chunk);
  chunk = ce_viewer_pop (slow, NULL, &kind, &key);
  g_assert_cmpint (kind, ==, CE_VIEWER_CHUNK_MEDIA);
  g_assert_true (key);
  g_bytes_unref (chunk);

  /* Still not reading: more skips, then "drop". */
  skips_before = stats.skips;
  for (guint g = 3; g < 10 && !ce_viewer_should_drop (slow); g++) {
    push_aus (hub, CE_CODEC_H264, aus, &frame, g * 25, 25);
    drain (fast, &cf, CE_VIEWER_FMP4);
  }
  g_assert_true (ce_viewer_should_drop (slow));
  ce_viewer_get_stats (slow, &stats);
  g_assert_cmpuint (stats.skips, >, skips_before);
  g_assert_cmpuint (stats.skips, ==, config.max_skips + 1);
  g_assert_true (stats.should_drop);
  g_assert_cmpuint (stats.bytes_queued, <=, config.max_bytes);
  g_assert_cmpuint (w.wakes, >=, 2);

  /* The reading viewer got every frame, and it decodes. */
  ce_viewer_finish (fast);
  drain (fast, &cf, CE_VIEWER_FMP4);
  ce_viewer_get_stats (fast, &fast_stats);
  g_assert_cmpuint (fast_stats.skips, ==, 0);
  g_assert_cmpuint (cf.total_media, ==, frame);
  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  {
    GByteArray *file = g_ptr_array_index (cf.files, 0);

    path = mux_test_write_file (dir, "fast.mp4", file->data, file->len);
    mux_test_check_file (path, NULL, "h264", 320, 240, frame);
  }
  collected_clear (&c);
  collected_clear (&cf);
  mux_test_remove_dir (dir);
}

/* The slow viewer's leftovers after a skip decode cleanly (the gap in
 * decode time is the skipped media). */
static void
test_budget_output_decodes (void)
{
  g_autoptr (GBytes) stream = NULL;
  g_autoptr (GPtrArray) aus = NULL;
  g_autoptr (CeHub) hub = ce_hub_new ("skip", NULL);
  g_autoptr (CeViewer) slow = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  CeViewerConfig config = {0};
  CeViewerStats stats;
  Collected c = {0};
  guint64 frame = 0;
  gsize gop_bytes = 0;
  MuxProbe probe;

  if (!mux_test_have_tools ())
    return;
  stream = mux_test_encode (CE_CODEC_H264, 320, 240, 100, 25);
  aus = mux_test_split_aus (CE_CODEC_H264, stream);
  for (guint i = 0; i < 25; i++)
    gop_bytes += g_bytes_get_size (g_ptr_array_index (aus, i));
  config.max_bytes = gop_bytes * 3 / 2;
  slow = ce_viewer_new (hub, CE_VIEWER_FLV, &config, NULL, NULL);
  /* Read the headers and the first GOP, then stall for two GOPs, then
   * read again. */
  push_aus (hub, CE_CODEC_H264, aus, &frame, 0, 25);
  drain (slow, &c, CE_VIEWER_FLV);
  push_aus (hub, CE_CODEC_H264, aus, &frame, 25, 50);
  push_aus (hub, CE_CODEC_H264, aus, &frame, 75, 25);
  drain (slow, &c, CE_VIEWER_FLV);
  ce_viewer_get_stats (slow, &stats);
  g_assert_cmpuint (stats.skips, >=, 1);
  g_assert_cmpuint (c.total_media, <, 100);
  g_assert_cmpuint (c.total_media + stats.frames_skipped, ==, 100);

  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  {
    GByteArray *file = g_ptr_array_index (c.files, 0);

    path = mux_test_write_file (dir, "slow.flv", file->data, file->len);
  }
  mux_test_ffprobe (path, NULL, &probe);
  g_assert_cmpuint (probe.frames, ==, c.total_media);
  g_assert_true (probe.monotonic);
  mux_probe_clear (&probe);
  mux_test_ffmpeg_decode (path, NULL);
  collected_clear (&c);
  mux_test_remove_dir (dir);
}

static void
test_hls_feed (void)
{
  g_autoptr (GBytes) stream = NULL;
  g_autoptr (GPtrArray) aus = NULL;
  g_autoptr (CeHub) hub = ce_hub_new ("hls", NULL);
  g_autoptr (CeHls) hls = ce_hls_new (NULL);
  g_autoptr (CeHlsFeed) feed = NULL;
  g_autofree char *playlist = NULL;
  guint64 frame = 0;

  stream = mux_test_encode (CE_CODEC_H264, 320, 240, 100, 25);
  aus = mux_test_split_aus (CE_CODEC_H264, stream);
  push_aus (hub, CE_CODEC_H264, aus, &frame, 0, 10);
  /* Joins with the cached GOP: ten frames from the keyframe. */
  feed = ce_hls_feed_new (hub, hls);
  push_aus (hub, CE_CODEC_H264, aus, &frame, 10, 90);
  g_clear_pointer (&feed, ce_hls_feed_free);
  /* Detached: nothing more arrives. */
  push_aus (hub, CE_CODEC_H264, aus, &frame, 0, 50);
  g_assert_cmpuint (ce_hls_get_segments_produced (hls), ==, 3);
  playlist = ce_hls_dup_playlist (hls);
  g_assert_nonnull (strstr (playlist, "#EXTINF:1.000,\nseg-2.m4s\n"));
}

/* Viewers come and go on other threads while the hub pushes: each one's
 * output starts with its header and a keyframe, and what it popped is
 * what it muxed (run under ASan/UBSan in CI). */
typedef struct
{
  CeHub *hub;
  gint stop;
  guint viewers_made;
} ThreadShared;

static gpointer
viewer_thread (gpointer data)
{
  ThreadShared *t = data;

  while (!g_atomic_int_get (&t->stop)) {
    CeViewerFormat format =
        g_random_boolean () ? CE_VIEWER_FMP4 : CE_VIEWER_FLV;
    g_autoptr (CeViewer) viewer =
        ce_viewer_new (t->hub, format, NULL, NULL, NULL);
    guint pops = g_random_int_range (1, 200);
    guint64 popped = 0;
    gboolean first = TRUE, seen_media = FALSE;
    CeViewerStats stats;

    for (guint i = 0; i < pops && !g_atomic_int_get (&t->stop); i++) {
      GBytes *body = NULL;
      CeViewerChunkKind kind;
      gboolean key;
      GBytes *head = ce_viewer_pop (viewer, &body, &kind, &key);

      if (head == NULL) {
        g_usleep (200);
        continue;
      }
      if (first)
        g_assert_cmpint (kind, ==, CE_VIEWER_CHUNK_HEADER);
      if (kind == CE_VIEWER_CHUNK_MEDIA && !seen_media) {
        g_assert_true (key);
        seen_media = TRUE;
      }
      first = FALSE;
      popped += g_bytes_get_size (head) + (body ? g_bytes_get_size (body) : 0);
      g_bytes_unref (head);
      if (body != NULL)
        g_bytes_unref (body);
    }
    ce_viewer_get_stats (viewer, &stats);
    g_assert_cmpuint (stats.bytes_out, ==, popped);
    g_atomic_int_inc (&t->viewers_made);
  }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (GBytes) stream =
      mux_test_encode (CE_CODEC_H264, 320, 240, 100, 10);
  g_autoptr (GPtrArray) aus = mux_test_split_aus (CE_CODEC_H264, stream);
  g_autoptr (CeHub) hub = ce_hub_new ("threads", NULL);
  ThreadShared t = {hub, 0, 0};
  GThread *threads[4];
  guint64 frame = 0;

  push_aus (hub, CE_CODEC_H264, aus, &frame, 0, 10);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("viewer", viewer_thread, &t);
  for (guint round = 0; round < 5; round++) {
    guint64 start = frame;

    for (guint i = 0; i < aus->len; i++, frame++) {
      gsize size;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (aus, i), &size);
      GstBuffer *buf = gst_buffer_new_memdup (d, size);

      GST_BUFFER_PTS (buf) = frame * FRAME_NS;
      ce_hub_push (hub, CE_CODEC_H264, buf, FALSE);
      g_usleep (500);
    }
    g_assert_cmpuint (frame - start, ==, aus->len);
  }
  g_atomic_int_set (&t.stop, 1);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (t.viewers_made, >=, G_N_ELEMENTS (threads));
}

/* ---- live from the camera simulator ----------------------------------- */

typedef struct
{
  gboolean failed;
} IngestState;

static void
on_ingest_keyframe (CeIngest *ingest, gpointer user_data)
{
}

static void
on_ingest_failed (CeIngest *ingest, CeIngestFailure failure,
    const char *message, gpointer user_data)
{
  IngestState *s = user_data;

  g_test_message ("ingest failed: %s", message);
  s->failed = TRUE;
}

static void
run_until_frames (CeViewer *viewer, guint frames, guint timeout_ms,
    IngestState *state)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  CeViewerStats stats;

  do {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (2000);
    ce_viewer_get_stats (viewer, &stats);
  } while (stats.frames_in < frames && !state->failed &&
      g_get_monotonic_time () < deadline);
  g_assert_false (state->failed);
  g_assert_cmpuint (stats.frames_in, >=, frames);
}

/* fMP4, FLV and HLS of a live camera, through the native ingest and a
 * hub; with @resize, the camera switches to 3/4 of its size half way. */
static void
run_live (const char *camera, const char *codec, gboolean resize)
{
  static const CeIngestCallbacks callbacks = {on_ingest_keyframe,
      on_ingest_failed};
  g_autofree char *url = camsim_url (sim, camera, NULL);
  g_autoptr (CeHub) hub = ce_hub_new (camera, NULL);
  g_autoptr (CeHls) hls = ce_hls_new (NULL);
  g_autoptr (CeHlsFeed) feed = NULL;
  g_autoptr (CeViewer) mp4 = NULL;
  g_autoptr (CeViewer) flv = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *playlist = NULL;
  CeIngestSource source = {0};
  IngestState state = {0};
  Collected c = {0}, cf = {0};
  CeIngest *ingest;
  const char *ffname = strcmp (codec, "h264") == 0 ? "h264" : "hevc";
  const char *dec = strcmp (codec, "h264") == 0 ? "h264parse ! avdec_h264"
                                                : "h265parse ! avdec_h265";

  source.url = url;
  source.stall_timeout_ms = 10000;
  source.connect_timeout_ms = 10000;
  /* The viewers attach before the camera starts: they begin at its first
   * keyframe. */
  mp4 = ce_viewer_new (hub, CE_VIEWER_FMP4, NULL, NULL, NULL);
  flv = ce_viewer_new (hub, CE_VIEWER_FLV, NULL, NULL, NULL);
  feed = ce_hls_feed_new (hub, hls);
  ingest = ce_ingest_start (camera, &source, hub, FALSE, &callbacks, &state);
  run_until_frames (mp4, 50, 30000, &state);
  if (resize) {
    g_assert_cmpuint (camsim_set_fault (sim, camera, "resize", 0), ==, 200);
    run_until_frames (mp4, 100, 30000, &state);
    camsim_set_fault (sim, camera, "none", 0);
  } else {
    run_until_frames (mp4, 100, 30000, &state);
  }
  ce_ingest_stop (ingest);
  ce_ingest_flush_teardowns ();
  ce_viewer_finish (mp4);
  ce_viewer_finish (flv);
  g_clear_pointer (&feed, ce_hls_feed_free);
  ce_hls_flush (hls);
  drain (mp4, &c, CE_VIEWER_FMP4);
  drain (flv, &cf, CE_VIEWER_FLV);
  g_assert_true (c.first_media_key);
  g_assert_true (cf.first_media_key);

  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c.files->len, ==, resize ? 2 : 1);
  for (guint i = 0; i < c.files->len; i++) {
    GByteArray *file = g_ptr_array_index (c.files, i);
    g_autofree char *name = g_strdup_printf ("live%u.mp4", i);
    g_autofree char *path =
        mux_test_write_file (dir, name, file->data, file->len);
    g_autofree char *pipeline = g_strdup_printf (
        "filesrc location=%s ! qtdemux ! %s ! fakesink", path, dec);
    MuxProbe probe;

    mux_test_ffprobe (path, NULL, &probe);
    g_assert_cmpstr (probe.codec, ==, ffname);
    /* The fixture's cameras are 320x240; resized, 3/4 of that. */
    g_assert_cmpuint (probe.width, ==, i == 0 ? 320 : 240);
    g_assert_cmpuint (probe.height, ==, i == 0 ? 240 : 180);
    g_assert_true (probe.first_key);
    g_assert_true (probe.monotonic);
    g_assert_cmpuint (probe.frames, ==, probe.packets);
    if (!resize)
      g_assert_cmpuint (probe.frames, ==, c.total_media);
    mux_probe_clear (&probe);
    mux_test_ffmpeg_decode (path, NULL);
    mux_test_gst_launch (pipeline);
  }
  if (strcmp (codec, "h264") == 0) {
    GByteArray *file = g_ptr_array_index (cf.files, 0);
    g_autofree char *path =
        mux_test_write_file (dir, "live.flv", file->data, file->len);
    g_autofree char *pipeline = g_strdup_printf (
        "filesrc location=%s ! flvdemux ! %s ! fakesink", path, dec);
    MuxProbe probe;

    /* After a resize, ffprobe lists the new sequence header as a second
     * stream: only the decode is checked then. */
    if (!resize) {
      mux_test_ffprobe (path, NULL, &probe);
      g_assert_cmpstr (probe.codec, ==, "h264");
      g_assert_cmpuint (probe.width, ==, 320);
      g_assert_cmpuint (probe.height, ==, 240);
      g_assert_true (probe.first_key);
      g_assert_true (probe.monotonic);
      g_assert_cmpuint (probe.packets, ==, cf.total_media);
      g_assert_cmpuint (probe.frames, ==, cf.total_media);
      mux_probe_clear (&probe);
    }
    mux_test_ffmpeg_decode (path, NULL);
    mux_test_gst_launch (pipeline);
  }

  playlist = ce_hls_dup_playlist (hls);
  g_assert_nonnull (playlist);
  {
    g_auto (GStrv) lines = g_strsplit (playlist, "\n", -1);
    g_autofree char *vod = g_strconcat (playlist, "#EXT-X-ENDLIST\n", NULL);
    g_autofree char *m3u8 = mux_test_write_file (dir, "index.m3u8",
        (const guint8 *) vod, strlen (vod));
    g_autofree char *pipeline = g_strdup_printf (
        "filesrc location=%s ! hlsdemux ! qtdemux ! %s ! fakesink", m3u8, dec);
    g_autoptr (GPtrArray) parts =
        g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
    guint segments = 0;

    for (guint i = 0; lines[i] != NULL; i++) {
      const char *name = lines[i];
      gboolean map = g_str_has_prefix (name, "#EXT-X-MAP:URI=\"");
      g_autofree char *clean = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autofree char *path = NULL;

      if (map)
        name += 16;
      else if (!g_str_has_prefix (name, "seg-"))
        continue;
      else
        segments++;
      clean = g_strndup (name, strcspn (name, "\""));
      bytes = ce_hls_dup_file (hls, clean);
      g_assert_nonnull (bytes);
      path = mux_test_write_file (dir, clean, g_bytes_get_data (bytes, NULL),
          g_bytes_get_size (bytes));
      /* Each map with its segments is a playable file of its own. */
      if (map)
        g_ptr_array_add (parts, g_byte_array_new ());
      g_byte_array_append (g_ptr_array_index (parts, parts->len - 1),
          g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
    /* 100 frames at 25 fps with a 1 s GOP: at least three segments. */
    g_assert_cmpuint (segments, >=, 3);
    g_assert_cmpuint (parts->len, ==, resize ? 2 : 1);
    for (guint i = 0; i < parts->len; i++) {
      GByteArray *part = g_ptr_array_index (parts, i);
      g_autofree char *name = g_strdup_printf ("hls-part%u.mp4", i);
      g_autofree char *path =
          mux_test_write_file (dir, name, part->data, part->len);
      MuxProbe probe;

      mux_test_ffprobe (path, NULL, &probe);
      g_assert_cmpuint (probe.width, ==, i == 0 ? 320 : 240);
      g_assert_true (probe.first_key);
      g_assert_true (probe.monotonic);
      mux_probe_clear (&probe);
      mux_test_ffmpeg_decode (path, NULL);
    }
    /* GStreamer's hlsdemux follows the new map after a discontinuity;
     * FFmpeg 5.1's HLS reader keeps the first map's decoder configuration
     * (decode errors), so it reads the whole playlist only without one. */
    mux_test_gst_launch (pipeline);
    if (!resize)
      mux_test_ffmpeg_decode (m3u8, NULL);
  }
  collected_clear (&c);
  collected_clear (&cf);
  mux_test_remove_dir (dir);
}

static void
test_live (gconstpointer data)
{
  const char *codec = data;
  g_autofree char *camera = g_strdup_printf ("mux-%s", codec);

  if (!mux_test_have_tools ())
    return;
  run_live (camera, codec, FALSE);
}

static void
test_live_resize (void)
{
  if (!mux_test_have_tools ())
    return;
  run_live ("mux-resize-h264", "h264", TRUE);
}

/* The camera drops its connection; a new ingest continues the hub with a
 * discontinuity.  The viewers keep one stream: one init segment / header,
 * monotonic timestamps, every frame decodable. */
static void
test_live_reconnect (void)
{
  static const CeIngestCallbacks callbacks = {on_ingest_keyframe,
      on_ingest_failed};
  const char *camera = "mux-reconnect-h264";
  g_autofree char *url = camsim_url (sim, camera, NULL);
  g_autoptr (CeHub) hub = ce_hub_new (camera, NULL);
  g_autoptr (CeViewer) mp4 = NULL;
  g_autoptr (CeViewer) flv = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  CeIngestSource source = {0};
  IngestState state = {0};
  Collected c = {0}, cf = {0};
  CeViewerStats stats;
  CeIngest *ingest;
  gint64 deadline;
  guint reconnects = 0;

  if (!mux_test_have_tools ())
    return;
  source.url = url;
  source.stall_timeout_ms = 10000;
  source.connect_timeout_ms = 10000;
  mp4 = ce_viewer_new (hub, CE_VIEWER_FMP4, NULL, NULL, NULL);
  flv = ce_viewer_new (hub, CE_VIEWER_FLV, NULL, NULL, NULL);
  ingest = ce_ingest_start (camera, &source, hub, FALSE, &callbacks, &state);
  run_until_frames (mp4, 40, 30000, &state);
  g_assert_cmpuint (camsim_set_fault (sim, camera, "drop", 0), ==, 200);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  do {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (2000);
    if (state.failed) {
      /* What the relay does: a new attempt, marked discontinuous. */
      ce_ingest_stop (ingest);
      state.failed = FALSE;
      reconnects++;
      ingest = ce_ingest_start (camera, &source, hub, TRUE, &callbacks, &state);
    }
    ce_viewer_get_stats (mp4, &stats);
  } while ((reconnects == 0 || stats.frames_in < 100) &&
      g_get_monotonic_time () < deadline);
  g_assert_cmpuint (reconnects, >=, 1);
  g_assert_cmpuint (stats.frames_in, >=, 100);
  ce_ingest_stop (ingest);
  ce_ingest_flush_teardowns ();
  ce_viewer_finish (mp4);
  ce_viewer_finish (flv);
  drain (mp4, &c, CE_VIEWER_FMP4);
  drain (flv, &cf, CE_VIEWER_FLV);
  ce_viewer_get_stats (mp4, &stats);
  g_assert_cmpuint (stats.skips, ==, 0);
  /* The camera came back with the same parameter sets: no new init. */
  g_assert_cmpuint (c.files->len, ==, 1);
  g_assert_cmpuint (cf.files->len, ==, 1);

  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  {
    GByteArray *file = g_ptr_array_index (c.files, 0);
    g_autofree char *path =
        mux_test_write_file (dir, "live.mp4", file->data, file->len);

    mux_test_check_file (path, NULL, "h264", 320, 240, c.total_media);
  }
  {
    GByteArray *file = g_ptr_array_index (cf.files, 0);
    g_autofree char *path =
        mux_test_write_file (dir, "live.flv", file->data, file->len);

    mux_test_check_file (path, NULL, "h264", 320, 240, cf.total_media);
  }
  collected_clear (&c);
  collected_clear (&cf);
  mux_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  static const char *const args[] = {"--start-at-idr", NULL};
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gst_init (NULL, NULL);
  g_test_add_data_func ("/mux/viewer/cached-start/fmp4",
      GINT_TO_POINTER (CE_VIEWER_FMP4), test_cached_start);
  g_test_add_data_func ("/mux/viewer/cached-start/flv",
      GINT_TO_POINTER (CE_VIEWER_FLV), test_cached_start);
  g_test_add_func ("/mux/viewer/pop-media", test_pop_media);
  g_test_add_func ("/mux/viewer/sps-change", test_sps_change);
  g_test_add_func ("/mux/viewer/budget", test_budget);
  g_test_add_func ("/mux/viewer/budget-output", test_budget_output_decodes);
  g_test_add_func ("/mux/viewer/hls-feed", test_hls_feed);
  g_test_add_func ("/mux/viewer/threads", test_threads);
  g_test_add_data_func ("/mux/live/h264", "h264", test_live);
  g_test_add_data_func ("/mux/live/h265", "h265", test_live);
  g_test_add_func ("/mux/live/resize", test_live_resize);
  g_test_add_func ("/mux/live/reconnect", test_live_reconnect);
  sim = camsim_process_start (args);
  status = g_test_run ();
  camsim_process_stop (sim);
  return status;
}
