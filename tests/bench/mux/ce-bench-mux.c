/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * CPU cost of the browser muxers per muxed stream-second: the bare fMP4
 * and FLV writers, then whole viewers on a hub (mux + queue + pop), and
 * the HLS segmenter.  Input: an H.264/H.265 Annex B file with an AUD in
 * front of every access unit (bench-mux.sh encodes one).
 * Usage: ce-bench-mux FILE h264|h265 FPS [VIEWERS]
 */
#include "ce-viewer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Splits at access unit delimiters. */
static GPtrArray *
split (CeCodec codec, GBytes *stream)
{
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (stream, &size);
  const guint8 *start = NULL;
  CeNal nal;

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    if (ce_nal_is_aud (codec, nal.type)) {
      const guint8 *sc = nal.data - 3;

      if (sc > data && sc[-1] == 0)
        sc--;
      if (start != NULL)
        g_ptr_array_add (aus, g_bytes_new (start, sc - start));
      start = sc;
    }
  }
  if (start != NULL)
    g_ptr_array_add (aus, g_bytes_new (start, data + size - start));
  return aus;
}

static void
report (const char *what, double cpu, double stream_seconds, double units)
{
  g_print ("%-34s %8.1f us CPU per stream-second (%.0f stream-seconds, "
           "%.3f s CPU)\n",
      what, cpu * 1e6 / (stream_seconds * units), stream_seconds * units, cpu);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) aus = NULL;
  g_autoptr (GBytes) stream = NULL;
  CeVideoParams params = {0};
  CeCodec codec;
  char *contents;
  gsize size, total = 0;
  guint fps, viewers, rounds;
  double seconds, t0, cpu;

  if (argc < 4) {
    g_printerr ("usage: %s FILE h264|h265 FPS [VIEWERS]\n", argv[0]);
    return 2;
  }
  gst_init (NULL, NULL);
  codec = strcmp (argv[2], "h265") == 0 ? CE_CODEC_H265 : CE_CODEC_H264;
  fps = atoi (argv[3]);
  viewers = argc > 4 ? atoi (argv[4]) : 50;
  if (!g_file_get_contents (argv[1], &contents, &size, &error)) {
    g_printerr ("ce-bench-mux: %s\n", error->message);
    return 1;
  }
  stream = g_bytes_new_take (contents, size);
  aus = split (codec, stream);
  params.codec = codec;
  for (guint i = 0; i < aus->len; i++) {
    gsize n;
    const guint8 *d = g_bytes_get_data (g_ptr_array_index (aus, i), &n);

    ce_video_params_update (&params, d, n);
    total += n;
  }
  seconds = (double) aus->len / fps;
  g_print ("input: %u access units, %.1f s, %.0f kbit/s, %ux%u %s\n", aus->len,
      seconds, total * 8 / seconds / 1000, params.width, params.height,
      ce_codec_to_string (codec));

  /* Bare writers: enough rounds for about a second of CPU. */
  rounds = 200;
  t0 = cpu_seconds ();
  for (guint r = 0; r < rounds; r++) {
    for (guint i = 0; i < aus->len; i++) {
      CeFmp4Sample s = {0};
      GBytes *frag;

      s.data = g_bytes_get_data (g_ptr_array_index (aus, i), &s.size);
      s.duration = 90000 / fps;
      s.keyframe = ce_au_is_keyframe (codec, s.data, s.size);
      frag = ce_fmp4_fragment (codec, i + 1, (guint64) i * s.duration, &s, 1);
      g_bytes_unref (frag);
    }
  }
  report ("fMP4 fragment per access unit", cpu_seconds () - t0, seconds,
      rounds);

  t0 = cpu_seconds ();
  for (guint r = 0; r < rounds; r++) {
    for (guint i = 0; i < aus->len; i++) {
      gsize n;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (aus, i), &n);
      GBytes *tag = ce_flv_video_tag (codec, CE_FLV_HEVC_CODEC_ID_12,
          i * 1000 / fps, ce_au_is_keyframe (codec, d, n), d, n);

      g_bytes_unref (tag);
    }
  }
  report ("FLV tag per access unit", cpu_seconds () - t0, seconds, rounds);

  /* Viewers on a hub: what a camera with N browser viewers costs beyond
   * the hub itself (measured alone first). */
  for (guint format = 0; format < 3; format++) {
    g_autoptr (CeHub) hub = ce_hub_new ("bench", NULL);
    g_autoptr (GPtrArray) list =
        g_ptr_array_new_with_free_func ((GDestroyNotify) ce_viewer_free);
    guint n = format == 0 ? 0 : viewers;
    guint64 bytes = 0;

    for (guint v = 0; v < n; v++)
      g_ptr_array_add (list,
          ce_viewer_new (hub, format == 1 ? CE_VIEWER_FMP4 : CE_VIEWER_FLV,
              NULL, NULL, NULL));
    t0 = cpu_seconds ();
    for (guint i = 0; i < aus->len; i++) {
      gsize len;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (aus, i), &len);
      GstBuffer *buf = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
          (gpointer) d, len, 0, len, NULL, NULL);

      GST_BUFFER_PTS (buf) = gst_util_uint64_scale (i, GST_SECOND, fps);
      ce_hub_push (hub, codec, buf, FALSE);
      /* The writer side drains after every unit. */
      for (guint v = 0; v < n; v++) {
        GBytes *chunk, *body;

        /* Head and shared body, as chunked HTTP writes them. */
        while ((chunk = ce_viewer_pop (g_ptr_array_index (list, v), &body, NULL,
                    NULL)) != NULL) {
          bytes += g_bytes_get_size (chunk);
          g_bytes_unref (chunk);
          if (body != NULL) {
            bytes += g_bytes_get_size (body);
            g_bytes_unref (body);
          }
        }
      }
    }
    cpu = cpu_seconds () - t0;
    if (format == 0) {
      report ("hub alone (no viewer), per camera", cpu, seconds, 1);
    } else {
      g_autofree char *what = g_strdup_printf ("%u %s viewers, per viewer", n,
          format == 1 ? "fMP4" : "FLV");

      report (what, cpu, seconds, n);
      g_print ("%-34s %8.1f%% bytes over the input\n", "  muxing overhead",
          (bytes / (double) n - total) * 100.0 / total);
    }
  }

  {
    g_autoptr (CeHls) hls = ce_hls_new (NULL);

    ce_hls_set_params (hls, &params, NULL);
    t0 = cpu_seconds ();
    for (guint r = 0; r < 20; r++) {
      for (guint i = 0; i < aus->len; i++) {
        gsize len;
        const guint8 *d = g_bytes_get_data (g_ptr_array_index (aus, i), &len);
        guint64 frame = (guint64) r * aus->len + i;

        ce_hls_push (hls, d, len,
            gst_util_uint64_scale (frame, GST_SECOND, fps), GST_SECOND / fps,
            ce_au_is_keyframe (codec, d, len));
      }
    }
    report ("HLS segmenter, per camera", cpu_seconds () - t0, seconds, 20);
  }
  ce_video_params_clear (&params);
  return 0;
}
