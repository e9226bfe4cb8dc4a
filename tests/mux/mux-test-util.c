/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Helpers for the muxer tests.
 */
#include "mux-test-util.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

GBytes *
mux_test_load (const char *codec_dir, const char *name)
{
  g_autofree char *path =
      g_test_build_filename (G_TEST_DIST, "data", codec_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize size = 0;

  if (!g_file_get_contents (path, &contents, &size, &error))
    g_error ("%s", error->message);
  return g_bytes_new_take (contents, size);
}

static gboolean
is_vcl (CeCodec codec, guint type)
{
  return codec == CE_CODEC_H264 ? type >= 1 && type <= 5 : type < 32;
}

/* An AU starts at an AUD, a parameter set or prefix SEI after a slice, or
 * at a slice that starts a new picture (single-layer encoder output). */
GPtrArray *
mux_test_split_aus (CeCodec codec, GBytes *stream)
{
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (stream, &size);
  const guint8 *au_start = NULL;
  gboolean seen_vcl = FALSE;
  CeNal nal;

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    const guint8 *sc = nal.data - 3;
    gboolean starts_au;

    if (sc > data && sc[-1] == 0)
      sc--;
    if (is_vcl (codec, nal.type)) {
      gboolean first_slice = codec == CE_CODEC_H264 ? (nal.data[1] & 0x80) != 0
                                                    : (nal.data[2] & 0x80) != 0;

      starts_au = seen_vcl && first_slice;
    } else {
      starts_au = seen_vcl &&
          (ce_nal_is_aud (codec, nal.type) ||
              ce_nal_is_parameter_set (codec, nal.type) ||
              (codec == CE_CODEC_H264 ? nal.type == 6 : nal.type == 39));
    }
    if (au_start == NULL) {
      au_start = sc;
    } else if (starts_au) {
      g_ptr_array_add (aus, g_bytes_new (au_start, sc - au_start));
      au_start = sc;
      seen_vcl = FALSE;
    }
    if (is_vcl (codec, nal.type))
      seen_vcl = TRUE;
  }
  if (au_start != NULL)
    g_ptr_array_add (aus, g_bytes_new (au_start, data + size - au_start));
  return aus;
}

gboolean
mux_test_have (const char *program)
{
  g_autofree char *path = g_find_program_in_path (program);

  return path != NULL;
}

gboolean
mux_test_run (const char *const *argv, char **out, char **err)
{
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, out, err, &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  return g_spawn_check_wait_status (status, NULL);
}

GBytes *
mux_test_encode (CeCodec codec, guint width, guint height, guint frames,
    guint gop)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *launch = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) argv = NULL;
  GBytes *bytes;
  char *contents;
  gsize size;

  g_assert_no_error (error);
  path = g_build_filename (dir, "stream", NULL);
  if (codec == CE_CODEC_H264)
    launch = g_strdup_printf (
        "gst-launch-1.0 -q videotestsrc num-buffers=%u pattern=ball ! "
        "video/x-raw,format=I420,width=%u,height=%u,framerate=25/1 ! "
        "x264enc key-int-max=%u bitrate=600 speed-preset=ultrafast "
        "tune=zerolatency ! video/x-h264,stream-format=byte-stream,"
        "alignment=au,profile=high ! filesink location=%s",
        frames, width, height, gop, path);
  else
    launch = g_strdup_printf (
        "gst-launch-1.0 -q videotestsrc num-buffers=%u pattern=ball ! "
        "video/x-raw,format=I420,width=%u,height=%u,framerate=25/1 ! "
        "x265enc key-int-max=%u bitrate=600 speed-preset=ultrafast "
        "tune=zerolatency ! h265parse ! video/x-h265,"
        "stream-format=byte-stream,alignment=au ! filesink location=%s",
        frames, width, height, gop, path);
  argv = g_strsplit (launch, " ", -1);
  if (!mux_test_run ((const char *const *) argv, NULL, &err))
    g_error ("Encoding failed: %s", err);
  if (!g_file_get_contents (path, &contents, &size, &error))
    g_error ("%s", error->message);
  bytes = g_bytes_new_take (contents, size);
  g_unlink (path);
  g_rmdir (dir);
  return bytes;
}

void
mux_probe_clear (MuxProbe *probe)
{
  g_clear_pointer (&probe->codec, g_free);
}

void
mux_test_ffprobe (const char *path, const char *const *opts, MuxProbe *probe)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject *root, *stream;
  JsonArray *packets;
  double first_dts = 0, last_dts = -1;

  memset (probe, 0, sizeof *probe);
  g_ptr_array_add (argv, (gpointer) "ffprobe");
  g_ptr_array_add (argv, (gpointer) "-v");
  g_ptr_array_add (argv, (gpointer) "error");
  for (guint i = 0; opts != NULL && opts[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) opts[i]);
  g_ptr_array_add (argv, (gpointer) "-count_frames");
  g_ptr_array_add (argv, (gpointer) "-show_streams");
  g_ptr_array_add (argv, (gpointer) "-show_packets");
  g_ptr_array_add (argv, (gpointer) "-of");
  g_ptr_array_add (argv, (gpointer) "json");
  g_ptr_array_add (argv, (gpointer) "-i");
  g_ptr_array_add (argv, (gpointer) path);
  g_ptr_array_add (argv, NULL);
  if (!mux_test_run ((const char *const *) argv->pdata, &out, &err))
    g_error ("ffprobe %s failed: %s", path, err);
  if (err[0] != '\0')
    g_error ("ffprobe %s complained: %s", path, err);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (root, "streams")),
      ==, 1);
  stream = json_array_get_object_element (
      json_object_get_array_member (root, "streams"), 0);
  probe->codec =
      g_strdup (json_object_get_string_member (stream, "codec_name"));
  probe->width = json_object_get_int_member (stream, "width");
  probe->height = json_object_get_int_member (stream, "height");
  probe->frames = g_ascii_strtoull (
      json_object_get_string_member (stream, "nb_read_frames"), NULL, 10);
  packets = json_object_get_array_member (root, "packets");
  probe->packets = json_array_get_length (packets);
  probe->monotonic = TRUE;
  for (guint i = 0; i < probe->packets; i++) {
    JsonObject *pkt = json_array_get_object_element (packets, i);
    const char *flags = json_object_get_string_member (pkt, "flags");
    double dts = g_ascii_strtod (
        json_object_get_string_member_with_default (pkt, "dts_time", "-1"),
        NULL);

    if (i == 0) {
      probe->first_key = flags != NULL && flags[0] == 'K';
      first_dts = dts;
    } else if (dts <= last_dts) {
      probe->monotonic = FALSE;
    }
    last_dts = dts;
  }
  probe->duration = last_dts - first_dts;
}

void
mux_test_ffmpeg_decode (const char *path, const char *const *opts)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (gpointer) "ffmpeg");
  g_ptr_array_add (argv, (gpointer) "-nostdin");
  g_ptr_array_add (argv, (gpointer) "-v");
  g_ptr_array_add (argv, (gpointer) "error");
  for (guint i = 0; opts != NULL && opts[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) opts[i]);
  g_ptr_array_add (argv, (gpointer) "-i");
  g_ptr_array_add (argv, (gpointer) path);
  g_ptr_array_add (argv, (gpointer) "-f");
  g_ptr_array_add (argv, (gpointer) "null");
  g_ptr_array_add (argv, (gpointer) "-");
  g_ptr_array_add (argv, NULL);
  if (!mux_test_run ((const char *const *) argv->pdata, NULL, &err))
    g_error ("ffmpeg could not decode %s: %s", path, err);
  if (err[0] != '\0')
    g_error ("ffmpeg decoding %s complained: %s", path, err);
}

void
mux_test_gst_launch (const char *pipeline)
{
  g_autofree char *line = g_strconcat ("gst-launch-1.0 -q ", pipeline, NULL);
  g_auto (GStrv) argv = g_strsplit (line, " ", -1);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!mux_test_run ((const char *const *) argv, &out, &err))
    g_error ("%s failed: %s%s", line, out, err);
}

guint32
mux_rd32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 |
      p[3];
}

guint16
mux_rd16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

/* Bytes between a box header and its first child. */
static gsize
children_offset (const char *type)
{
  if (strcmp (type, "stsd") == 0 || strcmp (type, "dref") == 0)
    return 16;
  if (strcmp (type, "avc1") == 0 || strcmp (type, "hvc1") == 0)
    return 86;
  return 8;
}

const guint8 *
mux_test_find_box (const guint8 *data, gsize size, const char *path,
    gsize *box_size)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  const guint8 *p = data;
  gsize avail = size;

  for (guint i = 0; parts[i] != NULL; i++) {
    const guint8 *found = NULL;
    gsize found_size = 0;

    while (avail >= 8) {
      gsize bs = mux_rd32 (p);

      g_assert_cmpuint (bs, >=, 8);
      g_assert_cmpuint (bs, <=, avail);
      if (memcmp (p + 4, parts[i], 4) == 0) {
        found = p;
        found_size = bs;
        break;
      }
      p += bs;
      avail -= bs;
    }
    if (found == NULL)
      return NULL;
    if (parts[i + 1] == NULL) {
      *box_size = found_size;
      return found;
    }
    p = found + children_offset (parts[i]);
    avail = found_size - children_offset (parts[i]);
  }
  return NULL;
}

gboolean
mux_test_have_tools (void)
{
  if (!mux_test_have ("ffprobe") || !mux_test_have ("ffmpeg") ||
      !mux_test_have ("gst-launch-1.0")) {
    g_test_skip ("ffprobe, ffmpeg or gst-launch-1.0 is not installed");
    return FALSE;
  }
  return TRUE;
}

char *
mux_test_write_file (const char *dir, const char *name, const guint8 *data,
    gsize size)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  return path;
}

char *
mux_test_write_bytes (const char *dir, const char *name, GBytes *bytes)
{
  return mux_test_write_file (dir, name, g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
}

void
mux_test_remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = g_build_filename (dir, name, NULL);

    g_unlink (path);
  }
  g_rmdir (dir);
}

void
mux_test_check_file (const char *path, const char *const *opts,
    const char *codec, guint width, guint height, guint frames)
{
  MuxProbe probe;

  mux_test_ffprobe (path, opts, &probe);
  g_assert_cmpstr (probe.codec, ==, codec);
  g_assert_cmpuint (probe.width, ==, width);
  g_assert_cmpuint (probe.height, ==, height);
  g_assert_cmpuint (probe.frames, ==, frames);
  g_assert_cmpuint (probe.packets, ==, frames);
  g_assert_true (probe.first_key);
  if (opts == NULL && !probe.monotonic)
    g_error ("%s: packet DTS not increasing", path);
  mux_probe_clear (&probe);
  mux_test_ffmpeg_decode (path, opts);
}
