/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Helpers for the muxer tests: sample streams as access units, streams
 * encoded on the spot with GStreamer's encoders, an ISO BMFF box finder,
 * and the real tools (ffprobe, ffmpeg, gst-launch-1.0) run on the output.
 */
#pragma once

#include "ce-nal.h"

G_BEGIN_DECLS

/* tests/data/@codec_dir/@name.  (transfer full) */
GBytes *mux_test_load (const char *codec_dir, const char *name);

/* Access units of an Annex B stream, in order: (element-type GBytes). */
GPtrArray *mux_test_split_aus (CeCodec codec, GBytes *stream);

/* @frames of moving test pattern, @width x @height, IDR every @gop frames,
 * no B-frames, encoded with x264enc / x265enc through gst-launch-1.0.
 * (transfer full) */
GBytes *mux_test_encode (CeCodec codec, guint width, guint height, guint frames,
    guint gop);

/* Whether a program is on PATH (tests that need it skip otherwise). */
gboolean mux_test_have (const char *program);

/* Runs @argv; TRUE when it exited 0.  @out and @err nullable. */
gboolean mux_test_run (const char *const *argv, char **out, char **err);

typedef struct
{
  char *codec; /* ffprobe's codec_name */
  guint width, height;
  guint frames; /* decoded (nb_read_frames) */
  guint packets;
  gboolean first_key; /* first packet a keyframe */
  gboolean monotonic; /* packet DTS strictly increasing */
  double duration;    /* last DTS - first DTS, seconds */
} MuxProbe;

void mux_probe_clear (MuxProbe *probe);

/* ffprobe -count_frames -show_streams -show_packets on @path (extra input
 * options before -i in @opts, nullable); asserts it ran cleanly. */
void mux_test_ffprobe (const char *path, const char *const *opts,
    MuxProbe *probe);

/* ffmpeg -v error -i @path -f null -: asserts exit 0 and an empty stderr. */
void mux_test_ffmpeg_decode (const char *path, const char *const *opts);

/* gst-launch-1.0 -q with @pipeline (split on spaces); asserts exit 0. */
void mux_test_gst_launch (const char *pipeline);

/* The box at @path ("moov/trak/mdia"), searching from @data; NULL if
 * absent.  Returns the start of the box (its size field), @size set to its
 * size. */
const guint8 *mux_test_find_box (const guint8 *data, gsize size,
    const char *path, gsize *box_size);

/* Skips the test (TRUE: tools there) unless ffprobe, ffmpeg and
 * gst-launch-1.0 are installed. */
gboolean mux_test_have_tools (void);

/* Writes @dir/@name; returns the path.  (transfer full) */
char *mux_test_write_file (const char *dir, const char *name,
    const guint8 *data, gsize size);
char *mux_test_write_bytes (const char *dir, const char *name, GBytes *bytes);

/* Removes @dir and the files in it. */
void mux_test_remove_dir (const char *dir);

/* ffprobe: one stream of @codec, @width x @height, @frames frames and
 * packets, the first a keyframe, packet DTS increasing (unless @opts are
 * given: a raw elementary stream has no timestamps); then ffmpeg decodes
 * it without a word on stderr. */
void mux_test_check_file (const char *path, const char *const *opts,
    const char *codec, guint width, guint height, guint frames);

guint32 mux_rd32 (const guint8 *p);
guint16 mux_rd16 (const guint8 *p);

G_END_DECLS
