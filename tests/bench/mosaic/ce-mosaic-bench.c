/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * CPU of one mosaic (src/relay/ce-mosaic): N x N tiles of H.264 sub
 * streams fed in real time from a pre-encoded loop, composed into one
 * H.264 stream.  Prints one JSON object: the process's CPU per second of
 * mosaic (the feeding threads only copy buffer references), output frames
 * per second, tiles' units skipped.  Run by bench-mosaic.sh.
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <sys/resource.h>

#include "ce-hub.h"
#include "ce-mosaic.h"

static guint grid = 3, seconds = 20, out_width = 1920, out_height = 1080;
static guint tile_width = 640, tile_height = 360, tile_kbps = 512;
static volatile gint stop;

static GPtrArray *
encode_loop (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc num-buffers=100 pattern=ball "
      "! video/x-raw,width=%u,height=%u,framerate=25/1,format=I420 "
      "! x264enc key-int-max=50 bitrate=%u speed-preset=veryfast "
      "tune=zerolatency ! h264parse config-interval=-1 "
      "! video/x-h264,stream-format=byte-stream,alignment=au "
      "! appsink name=sink sync=false",
      tile_width, tile_height, tile_kbps);
  g_autoptr (GstElement) p = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) sink = NULL;
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);

  if (p == NULL)
    g_error ("%s", error->message);
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  gst_element_set_state (p, GST_STATE_PLAYING);
  for (;;) {
    g_autoptr (GstSample) s = gst_app_sink_pull_sample (GST_APP_SINK (sink));

    if (s == NULL)
      break;
    g_ptr_array_add (aus, gst_buffer_ref (gst_sample_get_buffer (s)));
  }
  gst_element_set_state (p, GST_STATE_NULL);
  return aus;
}

typedef struct
{
  CeHub *hub;
  GPtrArray *aus;
  guint phase;
} Feed;

static gpointer
feed (gpointer data)
{
  Feed *f = data;
  gint64 start = g_get_monotonic_time ();

  for (guint64 n = 0; !g_atomic_int_get (&stop); n++) {
    /* Cameras start at different points of the loop, on a keyframe. */
    guint i = (guint) ((n + f->phase) % f->aus->len);
    GstBuffer *au = gst_buffer_copy (f->aus->pdata[i]);
    gint64 due = start + (gint64) (n + 1) * 40000;

    GST_BUFFER_PTS (au) = n * 40 * GST_MSECOND;
    ce_hub_push (f->hub, CE_CODEC_H264, au, n == 0);
    if (due > g_get_monotonic_time ())
      g_usleep ((gulong) (due - g_get_monotonic_time ()));
  }
  return NULL;
}

static double
cpu_ms (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
      ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
      {"grid", 'n', 0, G_OPTION_ARG_INT, &grid, "N x N tiles (default 3)", "N"},
      {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
          "Measured seconds (default 20)", "S"},
      {"width", 0, 0, G_OPTION_ARG_INT, &out_width,
          "Mosaic width (default 1920)", "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &out_height,
          "Mosaic height (default 1080)", "H"},
      {"tile-width", 0, 0, G_OPTION_ARG_INT, &tile_width,
          "Tile stream width (default 640: a sub stream)", "W"},
      {"tile-height", 0, 0, G_OPTION_ARG_INT, &tile_height,
          "Tile stream height (default 360)", "H"},
      {NULL},
  };
  g_autoptr (GOptionContext) ctx =
      g_option_context_new ("- CPU of one N x N mosaic");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) aus = NULL;
  g_autoptr (CeMosaic) m = NULL;
  CeMosaicConfig config = {0};
  CeMosaicTile tiles[64];
  CeHub *hubs[64];
  Feed feeds[64];
  GThread *threads[64];
  CeMosaicStats s0, s1;
  double c0, c1;
  guint n;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || grid < 1 ||
      grid > 8 || seconds < 1) {
    g_printerr ("%s\n", error != NULL ? error->message : "bad arguments");
    return 2;
  }
  n = grid * grid;
  aus = encode_loop ();
  config.width = out_width;
  config.height = out_height;
  m = ce_mosaic_new ("bench", &config, &error);
  if (m == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++) {
    hubs[i] = ce_hub_new ("tile", NULL);
    tiles[i] = (CeMosaicTile){(double) (i % grid) / grid,
        (double) (i / grid) / grid, 1.0 / grid, 1.0 / grid, hubs[i], "cam"};
  }
  if (!ce_mosaic_set_tiles (m, tiles, n, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++) {
    feeds[i] = (Feed){hubs[i], aus, (i * 50) % aus->len};
    threads[i] = g_thread_new ("feed", feed, &feeds[i]);
  }
  g_usleep (3 * G_USEC_PER_SEC); /* warm-up */
  ce_mosaic_get_stats (m, &s0);
  c0 = cpu_ms ();
  g_usleep ((gulong) seconds * G_USEC_PER_SEC);
  c1 = cpu_ms ();
  ce_mosaic_get_stats (m, &s1);
  g_atomic_int_set (&stop, 1);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
  g_print ("{\"grid\":\"%ux%u\",\"mosaic\":\"%ux%u\",\"tiles\":\"%ux%u\","
           "\"seconds\":%u,\"cpu_ms_per_s\":%.1f,\"cpu_percent_of_core\":%.1f,"
           "\"fps_out\":%.1f,\"tile_units_skipped\":%" G_GUINT64_FORMAT "}\n",
      grid, grid, out_width, out_height, tile_width, tile_height, seconds,
      (c1 - c0) / seconds, (c1 - c0) / seconds / 10.0,
      (double) (s1.frames_out - s0.frames_out) / seconds,
      s1.frames_skipped - s0.frames_skipped);
  g_clear_pointer (&m, ce_mosaic_free);
  for (guint i = 0; i < n; i++)
    ce_hub_unref (hubs[i]);
  return 0;
}
