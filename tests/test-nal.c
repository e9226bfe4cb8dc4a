/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Tests for Annex B NAL iteration, keyframes and SPS decoding, on real
 * x264/x265 streams from tests/data (see the README there).
 */
#include "ce-nal.h"

#include "ce-test-streams.h"

#include <string.h>

static void
test_iterate_start_codes (void)
{
  static const guint8 stream[] = {0x12, 0x34, 0x00,
      0x01, /* garbage, including a false 00 01 */
      0x00, 0x00, 0x00, 0x01, 0x67, 0xaa, 0xbb, /* 4-byte start code */
      0x00, 0x00, 0x01, 0x68, 0xcc,             /* 3-byte start code */
      0x00, 0x00, 0x00,                         /* trailing zeros */
      0x00, 0x00, 0x01, 0x65, 0xdd, 0x00, 0x00, 0x03, 0xee, 0x00, 0x00};
  gsize offset = 0;
  CeNal nal;

  g_assert_true (
      ce_nal_next (CE_CODEC_H264, stream, sizeof stream, &offset, &nal));
  g_assert_true (nal.data == stream + 8);
  g_assert_cmpuint (nal.size, ==, 3);
  g_assert_cmpuint (nal.type, ==, 7);

  g_assert_true (
      ce_nal_next (CE_CODEC_H264, stream, sizeof stream, &offset, &nal));
  g_assert_true (nal.data == stream + 14);
  g_assert_cmpuint (nal.size, ==, 2);
  g_assert_cmpuint (nal.type, ==, 8);

  g_assert_true (
      ce_nal_next (CE_CODEC_H264, stream, sizeof stream, &offset, &nal));
  g_assert_true (nal.data == stream + 22);
  /* The emulation prevention byte stays: iteration does not unescape. */
  g_assert_cmpmem (nal.data, nal.size, "\x65\xdd\x00\x00\x03\xee", 6);
  g_assert_cmpuint (nal.type, ==, 5);

  g_assert_false (
      ce_nal_next (CE_CODEC_H264, stream, sizeof stream, &offset, &nal));
  g_assert_cmpuint (offset, ==, sizeof stream);
  g_assert_false (
      ce_nal_next (CE_CODEC_H264, stream, sizeof stream, &offset, &nal));
}

static void
test_iterate_edge_cases (void)
{
  static const guint8 garbage[] = {0x01, 0x02, 0x00, 0x00, 0x02, 0x01};
  static const guint8 empty_nals[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00,
      0x00, 0x00, 0x01, 0x00};
  static const guint8 h265_short[] = {0x00, 0x00, 0x01, 0x40, 0x00, 0x00, 0x01,
      0x26, 0x01, 0xaf};
  static const guint8 at_end[] = {0x00, 0x00, 0x01};
  gsize offset = 0;
  CeNal nal;

  g_assert_false (ce_nal_next (CE_CODEC_H264, NULL, 0, &offset, &nal));
  offset = 0;
  g_assert_false (ce_nal_next (CE_CODEC_H264, garbage, 0, &offset, &nal));
  offset = 0;
  g_assert_false (
      ce_nal_next (CE_CODEC_H264, garbage, sizeof garbage, &offset, &nal));
  offset = 0;
  g_assert_false (ce_nal_next (CE_CODEC_H264, empty_nals, sizeof empty_nals,
      &offset, &nal));
  offset = 0;
  g_assert_false (
      ce_nal_next (CE_CODEC_H264, at_end, sizeof at_end, &offset, &nal));

  /* An H.265 NAL needs its 2-byte header; the 1-byte one is skipped. */
  offset = 0;
  g_assert_true (ce_nal_next (CE_CODEC_H265, h265_short, sizeof h265_short,
      &offset, &nal));
  g_assert_cmpuint (nal.type, ==, 19);
  g_assert_cmpuint (nal.size, ==, 3);
  g_assert_false (ce_nal_next (CE_CODEC_H265, h265_short, sizeof h265_short,
      &offset, &nal));
  /* In H.264 the same bytes are two NAL units. */
  offset = 0;
  g_assert_true (ce_nal_next (CE_CODEC_H264, h265_short, sizeof h265_short,
      &offset, &nal));
  g_assert_cmpuint (nal.size, ==, 1);
  g_assert_true (ce_nal_next (CE_CODEC_H264, h265_short, sizeof h265_short,
      &offset, &nal));
  g_assert_cmpuint (nal.size, ==, 3);
}

static void
test_iterate_real (void)
{
  static const guint h264_types[] = {9, 7, 8, 6, 5, 9, 1, 9, 7, 8, 5, 9, 1};
  static const guint h265_types[] = {32, 33, 34, 39, 20, 21, 8, 1};
  g_autoptr (GBytes) h264 = ce_test_load ("h264", "320x240-high.h264");
  g_autoptr (GBytes) h265 = ce_test_load ("h265", "320x240.h265");
  gsize size, offset = 0, total = 0;
  const guint8 *data = g_bytes_get_data (h264, &size);
  guint i = 0;
  CeNal nal;

  while (ce_nal_next (CE_CODEC_H264, data, size, &offset, &nal)) {
    g_assert_cmpuint (i, <, G_N_ELEMENTS (h264_types));
    g_assert_cmpuint (nal.type, ==, h264_types[i]);
    total += nal.size;
    i++;
  }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (h264_types));
  /* Every byte is a start code or a NAL byte (x264 writes no padding). */
  g_assert_cmpuint (total, <, size);
  g_assert_cmpuint (total + 4 * i, >=, size);

  data = g_bytes_get_data (h265, &size);
  offset = 0;
  i = 0;
  while (ce_nal_next (CE_CODEC_H265, data, size, &offset, &nal)) {
    g_assert_cmpuint (i, <, G_N_ELEMENTS (h265_types));
    g_assert_cmpuint (nal.type, ==, h265_types[i]);
    i++;
  }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (h265_types));
}

static void
test_types (void)
{
  g_assert_cmpstr (ce_codec_to_string (CE_CODEC_H264), ==, "h264");
  g_assert_cmpstr (ce_codec_to_string (CE_CODEC_H265), ==, "h265");

  g_assert_true (ce_nal_is_keyframe (CE_CODEC_H264, 5));
  g_assert_false (ce_nal_is_keyframe (CE_CODEC_H264, 1));
  g_assert_false (ce_nal_is_keyframe (CE_CODEC_H264, 7));
  for (guint t = 0; t < 64; t++)
    g_assert_cmpint (ce_nal_is_keyframe (CE_CODEC_H265, t), ==,
        t >= 16 && t <= 23);
  g_assert_false (ce_nal_is_keyframe (CE_CODEC_UNKNOWN, 5));

  g_assert_true (ce_nal_is_parameter_set (CE_CODEC_H264, 7));
  g_assert_true (ce_nal_is_parameter_set (CE_CODEC_H264, 8));
  g_assert_false (ce_nal_is_parameter_set (CE_CODEC_H264, 6));
  g_assert_true (ce_nal_is_parameter_set (CE_CODEC_H265, 32));
  g_assert_true (ce_nal_is_parameter_set (CE_CODEC_H265, 33));
  g_assert_true (ce_nal_is_parameter_set (CE_CODEC_H265, 34));
  g_assert_false (ce_nal_is_parameter_set (CE_CODEC_H265, 35));

  g_assert_true (ce_nal_is_aud (CE_CODEC_H264, 9));
  g_assert_false (ce_nal_is_aud (CE_CODEC_H264, 35));
  g_assert_true (ce_nal_is_aud (CE_CODEC_H265, 35));
  g_assert_false (ce_nal_is_aud (CE_CODEC_H265, 9));
}

static void
test_au_keyframe (void)
{
  static const struct
  {
    CeCodec codec;
    const char *dir, *file;
    gboolean keyframes[4];
  } streams[] = {
      {CE_CODEC_H264, "h264", "320x240-baseline.h264", {1, 0, 1, 0}},
      {CE_CODEC_H264, "h264", "320x240-main.h264", {1, 0, 1, 0}},
      {CE_CODEC_H264, "h264", "320x240-high.h264", {1, 0, 1, 0}},
      /* IDR_N_LP, CRA, RASL_N, TRAIL_R */
      {CE_CODEC_H265, "h265", "320x240.h265", {1, 1, 0, 0}},
  };

  for (gsize s = 0; s < G_N_ELEMENTS (streams); s++) {
    g_autoptr (GBytes) stream = ce_test_load (streams[s].dir, streams[s].file);
    g_autoptr (GArray) aus = ce_test_split_aus (streams[s].codec, stream);

    g_assert_cmpuint (aus->len, ==, 4);
    for (guint i = 0; i < aus->len; i++) {
      CeTestSpan *au = &g_array_index (aus, CeTestSpan, i);

      g_assert_cmpint (ce_au_is_keyframe (streams[s].codec, au->data, au->size),
          ==, streams[s].keyframes[i]);
    }
  }
  g_assert_false (ce_au_is_keyframe (CE_CODEC_H264, NULL, 0));
}

typedef struct
{
  CeCodec codec;
  const char *file;
  guint width, height;
  guint8 profile_idc, level_idc;
  /* What GStreamer's gst_codec_utils_caps_get_mime_codec() gives for the
   * same stream (h264parse/h265parse to avc/hvc1 caps); hex case aside. */
  const char *codec_string;
} SpsCase;

static const SpsCase sps_cases[] = {
    {CE_CODEC_H264, "ps-1280x720-baseline.h264", 1280, 720, 66, 31,
        "avc1.42C01F"},
    {CE_CODEC_H264, "ps-1280x720-main.h264", 1280, 720, 77, 31, "avc1.4D401F"},
    {CE_CODEC_H264, "ps-1280x720-high.h264", 1280, 720, 100, 31, "avc1.64001F"},
    /* 1080 lines are 68 macroblock rows cropped by 8 */
    {CE_CODEC_H264, "ps-1920x1080-baseline.h264", 1920, 1080, 66, 40,
        "avc1.42C028"},
    {CE_CODEC_H264, "ps-1920x1080-main.h264", 1920, 1080, 77, 40,
        "avc1.4D4028"},
    {CE_CODEC_H264, "ps-1920x1080-high.h264", 1920, 1080, 100, 40,
        "avc1.640028"},
    /* High 4:2:2 (chroma_format_idc 2) */
    {CE_CODEC_H264, "ps-320x240-422.h264", 320, 240, 122, 13, "avc1.7A000D"},
    /* High with seq_scaling_matrix_present_flag: explicit, default and
     * fall-back lists (x264 puts its matrices in the PPS, so these SPSs
     * were rewritten; ffmpeg decodes them with the original slices). */
    {CE_CODEC_H264, "ps-1280x720-scaling.h264", 1280, 720, 100, 31,
        "avc1.64001F"},
    {CE_CODEC_H264, "ps-322x242-444-scaling.h264", 322, 242, 244, 13,
        "avc1.F4000D"},
    /* frame_mbs_only_flag 0: 8 map units of 2 macroblock rows each */
    {CE_CODEC_H264, "ps-320x240-interlaced.h264", 320, 240, 100, 21,
        "avc1.640015"},
    /* High 4:4:4 (chroma_format_idc 3): cropping in luma samples */
    {CE_CODEC_H264, "ps-322x242-444.h264", 322, 242, 244, 13, "avc1.F4000D"},
    {CE_CODEC_H265, "ps-1280x720.h265", 1280, 720, 1, 93, "hvc1.1.6.L93.90"},
    {CE_CODEC_H265, "ps-1920x1080.h265", 1920, 1080, 1, 120,
        "hvc1.1.6.L120.90"},
    /* conformance window on both axes */
    {CE_CODEC_H265, "ps-330x250.h265", 330, 250, 1, 63, "hvc1.1.6.L63.90"},
    /* Main 4:4:4 (format range extensions) */
    {CE_CODEC_H265, "ps-322x242-444.h265", 322, 242, 4, 63,
        "hvc1.4.10.L63.9E.08"},
};

static void
test_sps (gconstpointer user_data)
{
  const SpsCase *c = user_data;
  g_autoptr (GBytes) ps =
      ce_test_load (c->codec == CE_CODEC_H264 ? "h264" : "h265", c->file);
  CeVideoParams params = {.codec = c->codec};
  g_autofree char *codec_string = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (ps, &size);

  g_assert_true (ce_video_params_update (&params, data, size));
  g_assert_true (ce_video_params_complete (&params));
  g_assert_cmpuint (params.width, ==, c->width);
  g_assert_cmpuint (params.height, ==, c->height);
  g_assert_cmpuint (params.profile_idc, ==, c->profile_idc);
  g_assert_cmpuint (params.level_idc, ==, c->level_idc);
  g_assert_cmpuint (params.tier_flag, ==, 0);
  codec_string = ce_video_params_codec_string (&params);
  g_assert_nonnull (codec_string);
  g_assert_cmpint (g_ascii_strcasecmp (codec_string, c->codec_string), ==, 0);
  if (c->codec == CE_CODEC_H264) {
    const guint8 *sps = g_bytes_get_data (params.sps, NULL);

    /* "avc1." and the SPS bytes 1-3 in lower-case hex */
    g_assert_cmpuint (params.constraint_flags, ==, sps[2]);
    g_assert_true (g_str_has_prefix (codec_string, "avc1."));
    for (const char *p = codec_string; *p != '\0'; p++)
      g_assert_false (g_ascii_isupper (*p) && p > codec_string + 4);
    g_assert_null (params.vps);
  } else {
    g_assert_nonnull (params.vps);
    g_assert_cmpstr (codec_string, ==, c->codec_string);
  }
  ce_video_params_clear (&params);
  g_assert_null (params.sps);
  g_assert_cmpuint (params.width, ==, 0);
}

/* The SPS decoder must read the RBSP: real H.265 SPSs carry emulation
 * prevention bytes inside profile_tier_level (the compatibility flags
 * 0x60000000 are written 60 00 00 03 00). */
static void
test_sps_emulation_prevention (void)
{
  g_autoptr (GBytes) ps = ce_test_load ("h265", "ps-1280x720.h265");
  CeVideoParams params = {.codec = CE_CODEC_H265};
  gsize size, sps_size;
  const guint8 *data = g_bytes_get_data (ps, &size);
  const guint8 *sps;
  gboolean has_epb = FALSE;

  g_assert_true (ce_video_params_update (&params, data, size));
  sps = g_bytes_get_data (params.sps, &sps_size);
  for (gsize i = 2; i < sps_size; i++)
    has_epb |= sps[i - 2] == 0 && sps[i - 1] == 0 && sps[i] == 3;
  g_assert_true (has_epb);
  g_assert_cmpuint (params.width, ==, 1280);
  ce_video_params_clear (&params);
}

static void
test_params_updates (void)
{
  g_autoptr (GBytes) main_stream = ce_test_load ("h264", "320x240-main.h264");
  g_autoptr (GBytes) high_stream = ce_test_load ("h264", "320x240-high.h264");
  g_autoptr (GBytes) hd = ce_test_load ("h264", "ps-1280x720-high.h264");
  g_autoptr (GArray) main_aus = ce_test_split_aus (CE_CODEC_H264, main_stream);
  g_autoptr (GArray) high_aus = ce_test_split_aus (CE_CODEC_H264, high_stream);
  CeVideoParams params = {.codec = CE_CODEC_H264};
  g_autofree char *codec_string = NULL;
  CeTestSpan *au;
  gsize size;
  const guint8 *data;

  g_assert_false (ce_video_params_complete (&params));
  g_assert_null (ce_video_params_codec_string (&params));

  /* First AU: SPS and PPS appear. */
  au = &g_array_index (main_aus, CeTestSpan, 0);
  g_assert_true (ce_video_params_update (&params, au->data, au->size));
  g_assert_true (ce_video_params_complete (&params));
  g_assert_cmpuint (params.profile_idc, ==, 77);
  /* The same sets again (in the next IDR AU) and no sets at all: no
   * change. */
  for (guint i = 0; i < main_aus->len; i++) {
    au = &g_array_index (main_aus, CeTestSpan, i);
    g_assert_false (ce_video_params_update (&params, au->data, au->size));
  }
  /* Another encoder configuration: a change. */
  au = &g_array_index (high_aus, CeTestSpan, 0);
  g_assert_true (ce_video_params_update (&params, au->data, au->size));
  g_assert_cmpuint (params.profile_idc, ==, 100);
  g_assert_cmpuint (params.width, ==, 320);
  au = &g_array_index (high_aus, CeTestSpan, 2);
  g_assert_false (ce_video_params_update (&params, au->data, au->size));
  /* A new resolution. */
  data = g_bytes_get_data (hd, &size);
  g_assert_true (ce_video_params_update (&params, data, size));
  g_assert_cmpuint (params.width, ==, 1280);
  codec_string = ce_video_params_codec_string (&params);
  g_assert_cmpstr (codec_string, ==, "avc1.64001f");
  g_assert_false (ce_video_params_update (&params, data, size));
  g_assert_false (ce_video_params_update (&params, NULL, 0));
  ce_video_params_clear (&params);
}

/* An AU carrying two SPSs keeps the last; repeating that AU is no change
 * even though its first SPS differs from the stored one. */
static void
test_params_last_of_each (void)
{
  g_autoptr (GBytes) a = ce_test_load ("h264", "ps-1280x720-main.h264");
  g_autoptr (GBytes) b = ce_test_load ("h264", "ps-1920x1080-high.h264");
  g_autoptr (GByteArray) both = g_byte_array_new ();
  CeVideoParams params = {.codec = CE_CODEC_H264};

  g_byte_array_append (both, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  g_byte_array_append (both, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_assert_true (ce_video_params_update (&params, both->data, both->len));
  g_assert_cmpuint (params.width, ==, 1920);
  g_assert_false (ce_video_params_update (&params, both->data, both->len));
  ce_video_params_clear (&params);
}

static void
test_params_malformed_sps (void)
{
  g_autoptr (GBytes) good = ce_test_load ("h264", "ps-1280x720-high.h264");
  /* An SPS cut off inside seq_parameter_set_id, and one whose
   * seq_parameter_set_id is absurd (ue(v) with 19 leading zeros). */
  static const guint8 truncated[] = {0x00, 0x00, 0x01, 0x67, 0x64, 0x00, 0x1f};
  static const guint8 absurd[] = {0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x1f,
      0x00, 0x00, 0x10, 0xff};
  CeVideoParams params = {.codec = CE_CODEC_H264};
  gsize size;
  const guint8 *data = g_bytes_get_data (good, &size);

  g_assert_true (ce_video_params_update (&params, data, size));
  g_assert_cmpuint (params.width, ==, 1280);
  g_assert_cmpuint (params.profile_idc, ==, 100);

  /* The raw set changed; the decoded fields stay. */
  g_assert_true (ce_video_params_update (&params, truncated, sizeof truncated));
  g_assert_cmpuint (g_bytes_get_size (params.sps), ==, 4);
  g_assert_cmpuint (params.width, ==, 1280);
  g_assert_cmpuint (params.height, ==, 720);
  g_assert_cmpuint (params.profile_idc, ==, 100);
  g_assert_true (ce_video_params_update (&params, absurd, sizeof absurd));
  g_assert_cmpuint (params.width, ==, 1280);
  ce_video_params_clear (&params);

  /* A codec string needs an SPS long enough for the three bytes. */
  params.codec = CE_CODEC_H264;
  g_assert_true (ce_video_params_update (&params, truncated, 6));
  g_assert_null (ce_video_params_codec_string (&params));
  g_assert_false (ce_video_params_complete (&params));
  ce_video_params_clear (&params);
}

static void
test_params_h265 (void)
{
  g_autoptr (GBytes) stream = ce_test_load ("h265", "320x240.h265");
  g_autoptr (GArray) aus = ce_test_split_aus (CE_CODEC_H265, stream);
  CeVideoParams params = {.codec = CE_CODEC_H265};
  g_autofree char *codec_string = NULL;
  CeTestSpan *au = &g_array_index (aus, CeTestSpan, 0);

  g_assert_true (ce_video_params_update (&params, au->data, au->size));
  g_assert_true (ce_video_params_complete (&params));
  g_assert_cmpuint (params.width, ==, 320);
  g_assert_cmpuint (params.height, ==, 240);
  codec_string = ce_video_params_codec_string (&params);
  g_assert_cmpstr (codec_string, ==, "hvc1.1.6.L60.90");
  for (guint i = 1; i < aus->len; i++) {
    au = &g_array_index (aus, CeTestSpan, i);
    g_assert_false (ce_video_params_update (&params, au->data, au->size));
  }
  /* Without a VPS an H.265 stream is not complete. */
  g_clear_pointer (&params.vps, g_bytes_unref);
  g_assert_false (ce_video_params_complete (&params));
  ce_video_params_clear (&params);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nal/iterate/start-codes", test_iterate_start_codes);
  g_test_add_func ("/nal/iterate/edge-cases", test_iterate_edge_cases);
  g_test_add_func ("/nal/iterate/real", test_iterate_real);
  g_test_add_func ("/nal/types", test_types);
  g_test_add_func ("/nal/au-keyframe", test_au_keyframe);
  for (gsize i = 0; i < G_N_ELEMENTS (sps_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/nal/sps/%s/%s",
        ce_codec_to_string (sps_cases[i].codec), sps_cases[i].file);

    g_test_add_data_func (path, &sps_cases[i], test_sps);
  }
  g_test_add_func ("/nal/sps/emulation-prevention",
      test_sps_emulation_prevention);
  g_test_add_func ("/nal/params/updates", test_params_updates);
  g_test_add_func ("/nal/params/last-of-each", test_params_last_of_each);
  g_test_add_func ("/nal/params/malformed-sps", test_params_malformed_sps);
  g_test_add_func ("/nal/params/h265", test_params_h265);
  return g_test_run ();
}
