/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The browser muxers without a hub: box and tag layouts checked field by
 * field, then whole streams (the sample streams in tests/data and streams
 * encoded on the spot with x264/x265) written as .mp4, .flv and HLS to a
 * temporary directory and read back by ffprobe, ffmpeg and GStreamer's
 * demuxers.
 */
#define _GNU_SOURCE
#include "ce-flv.h"
#include "ce-fmp4.h"
#include "ce-hls.h"

#include "mux-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define FRAME_NS (40 * G_GUINT64_CONSTANT (1000000))
#define FRAME_90K 3600

/* ---- helpers ---------------------------------------------------------- */

/* Parameter sets of a stream, from its first access units. */
static void
params_from (CeCodec codec, GBytes *stream, CeVideoParams *params)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (stream, &size);

  memset (params, 0, sizeof *params);
  params->codec = codec;
  ce_video_params_update (params, data, size);
  g_assert_true (ce_video_params_complete (params));
}

static GBytes *
make_fmp4 (CeCodec codec, const CeVideoParams *params, GPtrArray *aus,
    guint first, guint n)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) init = ce_fmp4_init_segment (params, &error);

  g_assert_no_error (error);
  g_byte_array_append (out, g_bytes_get_data (init, NULL),
      g_bytes_get_size (init));
  for (guint i = first; i < first + n; i++) {
    GBytes *au = g_ptr_array_index (aus, i);
    CeFmp4Sample s = {0};
    g_autoptr (GBytes) frag = NULL;

    s.data = g_bytes_get_data (au, &s.size);
    s.duration = FRAME_90K;
    s.keyframe = ce_au_is_keyframe (codec, s.data, s.size);
    frag = ce_fmp4_fragment (codec, i + 1, (guint64) i * FRAME_90K, &s, 1);
    g_byte_array_append (out, g_bytes_get_data (frag, NULL),
        g_bytes_get_size (frag));
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
make_flv (CeCodec codec, CeFlvHevc hevc, const CeVideoParams *params,
    GPtrArray *aus)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) header = ce_flv_header ();
  g_autoptr (GBytes) meta = ce_flv_metadata_tag (params, hevc, 0);
  g_autoptr (GBytes) seq = ce_flv_sequence_tag (params, hevc, 0, &error);

  g_assert_no_error (error);
  g_byte_array_append (out, g_bytes_get_data (header, NULL),
      g_bytes_get_size (header));
  g_byte_array_append (out, g_bytes_get_data (meta, NULL),
      g_bytes_get_size (meta));
  g_byte_array_append (out, g_bytes_get_data (seq, NULL),
      g_bytes_get_size (seq));
  for (guint i = 0; i < aus->len; i++) {
    gsize size;
    const guint8 *data = g_bytes_get_data (g_ptr_array_index (aus, i), &size);
    g_autoptr (GBytes) tag = ce_flv_video_tag (codec, hevc, i * 40,
        ce_au_is_keyframe (codec, data, size), data, size);

    g_byte_array_append (out, g_bytes_get_data (tag, NULL),
        g_bytes_get_size (tag));
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* ---- configuration records ------------------------------------------- */

static void
check_avcc (const char *file, guint8 chroma)
{
  g_autoptr (GBytes) stream = mux_test_load ("h264", file);
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GError) error = NULL;
  CeVideoParams params;
  const guint8 *c, *sps, *pps;
  gsize size, sps_size, pps_size, at;

  params_from (CE_CODEC_H264, stream, &params);
  config = ce_codec_config_new (&params, &error);
  g_assert_no_error (error);
  c = g_bytes_get_data (config, &size);
  sps = g_bytes_get_data (params.sps, &sps_size);
  pps = g_bytes_get_data (params.pps, &pps_size);
  g_assert_cmpuint (c[0], ==, 1);
  g_assert_cmpmem (c + 1, 3, sps + 1, 3); /* profile, compat, level */
  g_assert_cmpuint (c[4], ==, 0xff);      /* 4-byte NAL lengths */
  g_assert_cmpuint (c[5], ==, 0xe1);      /* one SPS */
  g_assert_cmpuint (mux_rd16 (c + 6), ==, sps_size);
  g_assert_cmpmem (c + 8, sps_size, sps, sps_size);
  at = 8 + sps_size;
  g_assert_cmpuint (c[at], ==, 1);
  g_assert_cmpuint (mux_rd16 (c + at + 1), ==, pps_size);
  g_assert_cmpmem (c + at + 3, pps_size, pps, pps_size);
  at += 3 + pps_size;
  if (sps[1] == 100 || sps[1] == 244) {
    /* High profiles: chroma format and bit depths follow. */
    if (sps[1] == 100) {
      g_assert_cmpuint (size, ==, at + 4);
      g_assert_cmpuint (c[at], ==, 0xfc | chroma);
      g_assert_cmpuint (c[at + 1], ==, 0xf8);
      g_assert_cmpuint (c[at + 2], ==, 0xf8);
      g_assert_cmpuint (c[at + 3], ==, 0);
    } else {
      /* 4:4:4 Predictive (244) has no extension in ISO/IEC 14496-15. */
      g_assert_cmpuint (size, ==, at);
    }
  } else {
    g_assert_cmpuint (size, ==, at);
  }
  ce_video_params_clear (&params);
}

static void
test_avcc (void)
{
  check_avcc ("320x240-baseline.h264", 1);
  check_avcc ("320x240-main.h264", 1);
  check_avcc ("320x240-high.h264", 1);
  check_avcc ("ps-1920x1080-high.h264", 1);
  check_avcc ("ps-1280x720-scaling.h264", 1);
  check_avcc ("ps-322x242-444.h264", 3);
}

static void
check_hvcc (const char *file, guint profile, guint chroma)
{
  g_autoptr (GBytes) stream = mux_test_load ("h265", file);
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GError) error = NULL;
  CeVideoParams params;
  const guint8 *c;
  gsize size, at = 23;
  GBytes *sets[3];

  params_from (CE_CODEC_H265, stream, &params);
  sets[0] = params.vps;
  sets[1] = params.sps;
  sets[2] = params.pps;
  config = ce_codec_config_new (&params, &error);
  g_assert_no_error (error);
  c = g_bytes_get_data (config, &size);
  g_assert_cmpuint (c[0], ==, 1);
  g_assert_cmpuint (c[1] & 0x1f, ==, profile); /* general_profile_idc */
  g_assert_cmpuint (c[1] & 0x1f, ==, params.profile_idc);
  g_assert_cmpuint ((c[1] >> 5) & 1, ==, params.tier_flag);
  /* The compatibility flag of the profile itself is set. */
  g_assert_cmpuint ((mux_rd32 (c + 2) >> (31 - profile)) & 1, ==, 1);
  g_assert_cmpuint (c[12], ==, params.level_idc);
  g_assert_cmpuint (mux_rd16 (c + 13), ==, 0xf000);
  g_assert_cmpuint (c[15], ==, 0xfc);
  g_assert_cmpuint (c[16], ==, 0xfc | chroma);
  g_assert_cmpuint (c[17], ==, 0xf8); /* 8-bit */
  g_assert_cmpuint (c[18], ==, 0xf8);
  g_assert_cmpuint (c[21] & 3, ==, 3);        /* 4-byte NAL lengths */
  g_assert_cmpuint ((c[21] >> 3) & 7, ==, 1); /* one temporal layer */
  g_assert_cmpuint (c[22], ==, 3);
  for (guint i = 0; i < 3; i++) {
    gsize set_size;
    const guint8 *set = g_bytes_get_data (sets[i], &set_size);

    g_assert_cmpuint (c[at], ==, 0x80 | (32 + i));
    g_assert_cmpuint (mux_rd16 (c + at + 1), ==, 1);
    g_assert_cmpuint (mux_rd16 (c + at + 3), ==, set_size);
    g_assert_cmpmem (c + at + 5, set_size, set, set_size);
    at += 5 + set_size;
  }
  g_assert_cmpuint (at, ==, size);
  ce_video_params_clear (&params);
}

static void
test_hvcc (void)
{
  check_hvcc ("320x240.h265", 1, 1);
  check_hvcc ("ps-1920x1080.h265", 1, 1);
  check_hvcc ("ps-330x250.h265", 1, 1);
  check_hvcc ("ps-322x242-444.h265", 4, 3);
}

static void
test_config_incomplete (void)
{
  static const guint8 only_pps[] = {0, 0, 0, 1, 0x68, 0xce, 0x38, 0x80};
  static const guint8 bad_sps[] = {0, 0, 0, 1, 0x67, 0x64, 0, 0x1f, 0, 0, 0, 1,
      0x68, 0xce, 0x38, 0x80};
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GBytes) init = NULL;
  CeVideoParams params = {.codec = CE_CODEC_H264};

  ce_video_params_update (&params, only_pps, sizeof only_pps);
  config = ce_codec_config_new (&params, &error);
  g_assert_null (config);
  g_assert_error (error, CE_MUX_ERROR, CE_MUX_ERROR_PARAMS);
  g_clear_error (&error);
  /* An SPS cut short after the level: unreadable. */
  ce_video_params_update (&params, bad_sps, sizeof bad_sps);
  init = ce_fmp4_init_segment (&params, &error);
  g_assert_null (init);
  g_assert_error (error, CE_MUX_ERROR, CE_MUX_ERROR_PARAMS);
  ce_video_params_clear (&params);
}

/* ---- fMP4 layout ------------------------------------------------------ */

static void
test_fmp4_init (void)
{
  g_autoptr (GBytes) stream = mux_test_load ("h264", "320x240-high.h264");
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *mime = NULL;
  CeVideoParams params;
  const guint8 *d, *box;
  gsize size, bs, ftyp_size, moov_size;

  params_from (CE_CODEC_H264, stream, &params);
  init = ce_fmp4_init_segment (&params, &error);
  g_assert_no_error (error);
  config = ce_codec_config_new (&params, NULL);
  d = g_bytes_get_data (init, &size);

  box = mux_test_find_box (d, size, "ftyp", &ftyp_size);
  g_assert_true (box == d);
  g_assert_cmpmem (box + 8, 4, "iso5", 4);
  box = mux_test_find_box (d, size, "moov", &moov_size);
  g_assert_nonnull (box);
  g_assert_cmpuint (ftyp_size + moov_size, ==, size);

  box = mux_test_find_box (d, size, "moov/trak/tkhd", &bs);
  g_assert_nonnull (box);
  g_assert_cmpuint (bs, ==, 92);
  g_assert_cmpuint (mux_rd32 (box + 8) & 0xffffff, ==, 3);
  g_assert_cmpuint (mux_rd32 (box + 20), ==, CE_FMP4_TRACK_ID);
  g_assert_cmpuint (mux_rd32 (box + 84), ==, 320 << 16);
  g_assert_cmpuint (mux_rd32 (box + 88), ==, 240 << 16);

  box = mux_test_find_box (d, size, "moov/trak/mdia/mdhd", &bs);
  g_assert_nonnull (box);
  g_assert_cmpuint (mux_rd32 (box + 20), ==, 90000);
  box = mux_test_find_box (d, size, "moov/trak/mdia/hdlr", &bs);
  g_assert_cmpmem (box + 16, 4, "vide", 4);

  box = mux_test_find_box (d, size, "moov/trak/mdia/minf/stbl/stsd/avc1", &bs);
  g_assert_nonnull (box);
  g_assert_cmpuint (mux_rd16 (box + 32), ==, 320);
  g_assert_cmpuint (mux_rd16 (box + 34), ==, 240);
  box = mux_test_find_box (d, size, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC",
      &bs);
  g_assert_nonnull (box);
  g_assert_cmpmem (box + 8, bs - 8, g_bytes_get_data (config, NULL),
      g_bytes_get_size (config));
  g_assert_nonnull (
      mux_test_find_box (d, size, "moov/trak/mdia/minf/dinf/dref/url ", &bs));

  box = mux_test_find_box (d, size, "moov/mvex/trex", &bs);
  g_assert_nonnull (box);
  g_assert_cmpuint (bs, ==, 32);
  g_assert_cmpuint (mux_rd32 (box + 12), ==, CE_FMP4_TRACK_ID);
  g_assert_cmpuint (mux_rd32 (box + 16), ==, 1);

  mime = ce_fmp4_mime_type (&params);
  g_assert_cmpstr (mime, ==, "video/mp4; codecs=\"avc1.64000d\"");
  ce_video_params_clear (&params);
}

static void
test_fmp4_fragment (void)
{
  g_autoptr (GBytes) stream = mux_test_load ("h264", "320x240-high.h264");
  g_autoptr (GPtrArray) aus = mux_test_split_aus (CE_CODEC_H264, stream);
  g_autoptr (GBytes) frag = NULL;
  CeFmp4Sample samples[2] = {0};
  const guint8 *d, *moof, *box, *mdat, *p;
  gsize size, moof_size, mdat_size, bs;
  gsize nal_bytes = 0;

  g_assert_cmpuint (aus->len, ==, 4);
  for (guint i = 0; i < 2; i++) {
    samples[i].data =
        g_bytes_get_data (g_ptr_array_index (aus, i), &samples[i].size);
    samples[i].duration = 3600 + i;
    samples[i].keyframe = i == 0;
  }
  frag = ce_fmp4_fragment (CE_CODEC_H264, 7, G_GUINT64_CONSTANT (1) << 33,
      samples, 2);
  d = g_bytes_get_data (frag, &size);

  moof = mux_test_find_box (d, size, "moof", &moof_size);
  g_assert_true (moof == d);
  mdat = mux_test_find_box (d, size, "mdat", &mdat_size);
  g_assert_true (mdat == d + moof_size);
  g_assert_cmpuint (moof_size + mdat_size, ==, size);
  box = mux_test_find_box (d, size, "moof/mfhd", &bs);
  g_assert_cmpuint (mux_rd32 (box + 12), ==, 7);
  box = mux_test_find_box (d, size, "moof/traf/tfhd", &bs);
  g_assert_cmpuint (mux_rd32 (box + 8), ==, 0x020000);
  g_assert_cmpuint (mux_rd32 (box + 12), ==, CE_FMP4_TRACK_ID);
  box = mux_test_find_box (d, size, "moof/traf/tfdt", &bs);
  g_assert_cmpuint (box[8], ==, 1); /* version 1: 64-bit time */
  g_assert_cmpuint (mux_rd32 (box + 12), ==, 2);
  g_assert_cmpuint (mux_rd32 (box + 16), ==, 0);
  box = mux_test_find_box (d, size, "moof/traf/trun", &bs);
  g_assert_cmpuint (mux_rd32 (box + 8), ==, 0x000701);
  g_assert_cmpuint (mux_rd32 (box + 12), ==, 2);
  g_assert_cmpuint (mux_rd32 (box + 16), ==, moof_size + 8);
  g_assert_cmpuint (bs, ==, 20 + 2 * 12);
  g_assert_cmpuint (mux_rd32 (box + 20), ==, 3600);
  g_assert_cmpuint (mux_rd32 (box + 32), ==, 3601);
  g_assert_cmpuint (mux_rd32 (box + 28), ==, 0x02000000);
  g_assert_cmpuint (mux_rd32 (box + 40), ==, 0x01010000);
  g_assert_cmpuint (mux_rd32 (box + 24) + mux_rd32 (box + 36), ==,
      mdat_size - 8);

  /* The payload: length-prefixed slices and SEI, no AUD, SPS or PPS. */
  for (p = mdat + 8; p < mdat + mdat_size;) {
    guint32 len = mux_rd32 (p);
    guint type = p[4] & 0x1f;

    g_assert_true (type != 7 && type != 8 && type != 9);
    nal_bytes += 4 + len;
    p += 4 + len;
  }
  g_assert_true (p == mdat + mdat_size);
  g_assert_cmpuint (nal_bytes, ==, mdat_size - 8);
}

/* ---- FLV layout ------------------------------------------------------- */

typedef struct
{
  guint type;
  guint32 timestamp;
  const guint8 *data;
  gsize size;
} FlvTag;

/* Walks an FLV file, checking every PreviousTagSize. */
static GArray *
flv_tags (GBytes *flv)
{
  GArray *tags = g_array_new (FALSE, FALSE, sizeof (FlvTag));
  gsize size;
  const guint8 *d = g_bytes_get_data (flv, &size);
  gsize at = 13;

  g_assert_cmpmem (d, 9, "FLV\x01\x01\x00\x00\x00\x09", 9);
  g_assert_cmpuint (mux_rd32 (d + 9), ==, 0);
  while (at < size) {
    FlvTag tag;
    gsize data_size;

    g_assert_cmpuint (at + 11, <=, size);
    data_size = mux_rd32 (d + at) & 0xffffff;
    tag.type = d[at];
    tag.timestamp = (mux_rd32 (d + at + 4) >> 8) | (guint32) d[at + 7] << 24;
    g_assert_cmpuint (mux_rd32 (d + at + 7) & 0xffffff, ==, 0); /* stream */
    tag.data = d + at + 11;
    tag.size = data_size;
    g_assert_cmpuint (at + 11 + data_size + 4, <=, size);
    g_assert_cmpuint (mux_rd32 (d + at + 11 + data_size), ==, 11 + data_size);
    g_array_append_val (tags, tag);
    at += 11 + data_size + 4;
  }
  g_assert_cmpuint (at, ==, size);
  return tags;
}

static void
test_flv_tags (void)
{
  g_autoptr (GBytes) stream = mux_test_load ("h264", "320x240-high.h264");
  g_autoptr (GPtrArray) aus = mux_test_split_aus (CE_CODEC_H264, stream);
  g_autoptr (GBytes) h265 = mux_test_load ("h265", "320x240.h265");
  g_autoptr (GPtrArray) aus265 = mux_test_split_aus (CE_CODEC_H265, h265);
  g_autoptr (GBytes) flv = NULL;
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GArray) tags = NULL;
  CeVideoParams params, params265;
  FlvTag *t;

  params_from (CE_CODEC_H264, stream, &params);
  flv = make_flv (CE_CODEC_H264, CE_FLV_HEVC_CODEC_ID_12, &params, aus);
  config = ce_codec_config_new (&params, NULL);
  tags = flv_tags (flv);
  g_assert_cmpuint (tags->len, ==, 2 + aus->len);
  t = &g_array_index (tags, FlvTag, 0);
  g_assert_cmpuint (t->type, ==, 18);
  g_assert_nonnull (memmem (t->data, t->size, "onMetaData", 10));
  g_assert_nonnull (memmem (t->data, t->size, "videocodecid", 12));
  t = &g_array_index (tags, FlvTag, 1);
  g_assert_cmpuint (t->type, ==, 9);
  g_assert_cmpuint (t->data[0], ==, 0x17); /* keyframe, AVC */
  g_assert_cmpuint (t->data[1], ==, 0);    /* sequence header */
  g_assert_cmpmem (t->data + 5, t->size - 5, g_bytes_get_data (config, NULL),
      g_bytes_get_size (config));
  for (guint i = 0; i < aus->len; i++) {
    t = &g_array_index (tags, FlvTag, 2 + i);
    g_assert_cmpuint (t->type, ==, 9);
    g_assert_cmpuint (t->timestamp, ==, i * 40);
    g_assert_cmpuint (t->data[0], ==, i % 2 == 0 ? 0x17 : 0x27);
    g_assert_cmpuint (t->data[1], ==, 1);
    g_assert_cmpuint (mux_rd32 (t->data + 1) & 0xffffff, ==, 0); /* CTS */
  }
  g_clear_pointer (&tags, g_array_unref);
  g_clear_pointer (&flv, g_bytes_unref);
  g_clear_pointer (&config, g_bytes_unref);

  /* H.265, codec id 12: the AVC layout around an hvcC. */
  params_from (CE_CODEC_H265, h265, &params265);
  config = ce_codec_config_new (&params265, NULL);
  flv = make_flv (CE_CODEC_H265, CE_FLV_HEVC_CODEC_ID_12, &params265, aus265);
  tags = flv_tags (flv);
  t = &g_array_index (tags, FlvTag, 1);
  g_assert_cmpuint (t->data[0], ==, 0x1c);
  g_assert_cmpuint (t->data[1], ==, 0);
  g_assert_cmpmem (t->data + 5, t->size - 5, g_bytes_get_data (config, NULL),
      g_bytes_get_size (config));
  t = &g_array_index (tags, FlvTag, 3);
  g_assert_cmpuint (t->data[0] & 0x0f, ==, 12);
  g_assert_cmpuint (t->data[1], ==, 1);
  g_clear_pointer (&tags, g_array_unref);
  g_clear_pointer (&flv, g_bytes_unref);

  /* Enhanced RTMP: ex-header, packet type, FourCC. */
  flv = make_flv (CE_CODEC_H265, CE_FLV_HEVC_ENHANCED, &params265, aus265);
  tags = flv_tags (flv);
  t = &g_array_index (tags, FlvTag, 1);
  g_assert_cmpuint (t->data[0], ==, 0x90); /* ex, keyframe, SequenceStart */
  g_assert_cmpmem (t->data + 1, 4, "hvc1", 4);
  g_assert_cmpmem (t->data + 5, t->size - 5, g_bytes_get_data (config, NULL),
      g_bytes_get_size (config));
  t = &g_array_index (tags, FlvTag, 2);
  g_assert_cmpuint (t->data[0], ==, 0x93); /* ex, keyframe, CodedFramesX */
  t = &g_array_index (tags, FlvTag, 4);    /* RASL_N */
  g_assert_cmpuint (t->data[0] & 0xf0, ==, 0xa0); /* inter frame */
  ce_video_params_clear (&params);
  ce_video_params_clear (&params265);
}

/* ---- HLS playlist ----------------------------------------------------- */

/* Pushes @gops repetitions of the 4-frame sample (IDR every 2 frames,
 * each GOP decodable on its own) from frame @first. */
static void
push_sample_gops (CeHls *hls, GPtrArray *aus, guint first, guint frames)
{
  for (guint i = 0; i < frames; i++) {
    gsize size;
    const guint8 *data =
        g_bytes_get_data (g_ptr_array_index (aus, i % aus->len), &size);

    ce_hls_push (hls, data, size, (first + i) * FRAME_NS, FRAME_NS,
        ce_au_is_keyframe (CE_CODEC_H264, data, size));
  }
}

static void
test_hls_playlist (void)
{
  g_autoptr (GBytes) stream = mux_test_load ("h264", "320x240-high.h264");
  g_autoptr (GPtrArray) aus = mux_test_split_aus (CE_CODEC_H264, stream);
  g_autoptr (GBytes) other = mux_test_load ("h264", "320x240-main.h264");
  g_autoptr (GPtrArray) other_aus = mux_test_split_aus (CE_CODEC_H264, other);
  CeHlsConfig config = {.target_duration_ms = 1000, .playlist_segments = 3};
  g_autoptr (CeHls) hls = ce_hls_new (&config);
  g_autoptr (GError) error = NULL;
  g_autofree char *playlist = NULL;
  g_autoptr (GBytes) file = NULL;
  CeVideoParams params, params2;

  params_from (CE_CODEC_H264, stream, &params);
  params_from (CE_CODEC_H264, other, &params2);
  g_assert_null (ce_hls_dup_playlist (hls));
  /* No parameter sets yet: refused. */
  push_sample_gops (hls, aus, 0, 30);
  g_assert_cmpuint (ce_hls_get_segments_produced (hls), ==, 0);

  g_assert_true (ce_hls_set_params (hls, &params, &error));
  /* Setting the same sets again changes nothing. */
  g_assert_true (ce_hls_set_params (hls, &params, &error));
  /* 1.04 s segments: the first keyframe at or after 1 s closes one. */
  push_sample_gops (hls, aus, 30, 27);
  g_assert_cmpuint (ce_hls_get_segments_produced (hls), ==, 1);
  playlist = ce_hls_dup_playlist (hls);
  g_assert_cmpstr (playlist, ==,
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n"
      "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MAP:URI=\"init-0.mp4\"\n#EXTINF:1.040,\nseg-0.m4s\n");
  g_clear_pointer (&playlist, g_free);
  file = ce_hls_dup_file (hls, "seg-0.m4s");
  g_assert_nonnull (file);
  g_clear_pointer (&file, g_bytes_unref);

  /* Six more segments: the playlist lists three, memory keeps five. */
  push_sample_gops (hls, aus, 57, 26 * 6);
  g_assert_cmpuint (ce_hls_get_segments_produced (hls), ==, 7);
  playlist = ce_hls_dup_playlist (hls);
  g_assert_nonnull (strstr (playlist, "#EXT-X-MEDIA-SEQUENCE:4\n"));
  g_assert_nonnull (strstr (playlist, "seg-6.m4s"));
  g_assert_null (strstr (playlist, "seg-3.m4s"));
  g_clear_pointer (&playlist, g_free);
  file = ce_hls_dup_file (hls, "seg-2.m4s");
  g_assert_nonnull (file); /* kept for clients of the last playlist */
  g_clear_pointer (&file, g_bytes_unref);
  g_assert_null (ce_hls_dup_file (hls, "seg-1.m4s"));
  g_assert_null (ce_hls_dup_file (hls, "../seg-2.m4s"));
  g_assert_null (ce_hls_dup_file (hls, "seg-2.m4s/"));
  g_assert_null (ce_hls_dup_file (hls, ""));

  /* A new SPS: a discontinuity, a new map. */
  g_assert_true (ce_hls_set_params (hls, &params2, &error));
  push_sample_gops (hls, other_aus, 57 + 26 * 6, 27);
  ce_hls_flush (hls);
  playlist = ce_hls_dup_playlist (hls);
  g_assert_nonnull (strstr (playlist,
      "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\"\n"));
  g_clear_pointer (&playlist, g_free);
  file = ce_hls_dup_file (hls, "init-1.mp4");
  g_assert_nonnull (file);
  g_clear_pointer (&file, g_bytes_unref);

  /* Once the discontinuity scrolls to the top it is counted. */
  push_sample_gops (hls, other_aus, 57 + 26 * 7 + 1, 26 * 4);
  playlist = ce_hls_dup_playlist (hls);
  g_assert_nonnull (strstr (playlist, "#EXT-X-DISCONTINUITY-SEQUENCE:1\n"));
  g_assert_null (strstr (playlist, "#EXT-X-DISCONTINUITY\n"));
  g_assert_null (strstr (playlist, "init-0.mp4"));
  g_clear_pointer (&playlist, g_free);
  ce_video_params_clear (&params);
  ce_video_params_clear (&params2);
}

/* ---- whole streams through the real tools ----------------------------- */

static const char *
gst_decoder (CeCodec codec)
{
  return codec == CE_CODEC_H264 ? "h264parse ! avdec_h264"
                                : "h265parse ! avdec_h265";
}

/* Rebuilds an Annex B stream from an FLV file (configuration record arrays
 * in front, then every NAL): what a player does with the tags. */
static GBytes *
flv_to_annexb (GBytes *flv, CeCodec codec, gsize payload_offset)
{
  g_autoptr (GArray) tags = flv_tags (flv);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  static const guint8 sc[] = {0, 0, 0, 1};

  for (guint i = 1; i < tags->len; i++) {
    FlvTag *t = &g_array_index (tags, FlvTag, i);
    const guint8 *p = t->data + payload_offset;
    const guint8 *end = t->data + t->size;

    if (i == 1) {
      /* hvcC: arrays from byte 23 */
      g_assert_true (codec == CE_CODEC_H265);
      p += 22;
      for (guint a = 0, n = *p++; a < n; a++) {
        guint count;

        p++;
        count = mux_rd16 (p);
        p += 2;
        for (guint k = 0; k < count; k++) {
          guint len = mux_rd16 (p);

          g_byte_array_append (out, sc, 4);
          g_byte_array_append (out, p + 2, len);
          p += 2 + len;
        }
      }
      g_assert_true (p == end);
      continue;
    }
    while (p < end) {
      guint32 len = mux_rd32 (p);

      g_assert_cmpuint (len, <=, end - p - 4);
      g_byte_array_append (out, sc, 4);
      g_byte_array_append (out, p + 4, len);
      p += 4 + len;
    }
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* .mp4, .flv and HLS of @aus (all with the same parameter sets). */
static void
check_stream (CeCodec codec, GBytes *stream, guint width, guint height)
{
  g_autoptr (GPtrArray) aus = mux_test_split_aus (codec, stream);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  const char *name = codec == CE_CODEC_H264 ? "h264" : "hevc";
  g_autoptr (GBytes) mp4 = NULL;
  g_autoptr (GBytes) flv = NULL;
  g_autofree char *mp4_path = NULL;
  g_autofree char *flv_path = NULL;
  g_autofree char *pipeline = NULL;
  CeHlsConfig hls_config = {.playlist_segments = 100};
  g_autoptr (CeHls) hls = ce_hls_new (&hls_config);
  g_autofree char *playlist = NULL;
  g_autofree char *m3u8_path = NULL;
  g_autoptr (GBytes) m3u8 = NULL;
  g_auto (GStrv) lines = NULL;
  CeVideoParams params;

  g_assert_no_error (error);
  params_from (codec, stream, &params);
  g_assert_cmpuint (params.width, ==, width);
  g_assert_cmpuint (params.height, ==, height);

  mp4 = make_fmp4 (codec, &params, aus, 0, aus->len);
  mp4_path = mux_test_write_bytes (dir, "live.mp4", mp4);
  mux_test_check_file (mp4_path, NULL, name, width, height, aus->len);
  pipeline = g_strdup_printf ("filesrc location=%s ! qtdemux ! %s ! fakesink",
      mp4_path, gst_decoder (codec));
  mux_test_gst_launch (pipeline);
  g_clear_pointer (&pipeline, g_free);

  flv = make_flv (codec, CE_FLV_HEVC_CODEC_ID_12, &params, aus);
  if (codec == CE_CODEC_H264) {
    flv_path = mux_test_write_bytes (dir, "live.flv", flv);
    mux_test_check_file (flv_path, NULL, name, width, height, aus->len);
    pipeline =
        g_strdup_printf ("filesrc location=%s ! flvdemux ! %s ! fakesink",
            flv_path, gst_decoder (codec));
    mux_test_gst_launch (pipeline);
    g_clear_pointer (&pipeline, g_free);
  } else {
    /* FFmpeg 5.1 and GStreamer 1.22 read no H.265 in FLV: decode what a
     * player would extract from the tags. */
    g_autoptr (GBytes) annexb = flv_to_annexb (flv, codec, 5);
    const char *const opts[] = {"-f", "hevc", NULL};

    flv_path = mux_test_write_bytes (dir, "flv-extracted.h265", annexb);
    mux_test_check_file (flv_path, opts, name, width, height, aus->len);
  }

  g_assert_true (ce_hls_set_params (hls, &params, &error));
  for (guint i = 0; i < aus->len; i++) {
    gsize size;
    const guint8 *data = g_bytes_get_data (g_ptr_array_index (aus, i), &size);

    ce_hls_push (hls, data, size,
        1000 * G_GUINT64_CONSTANT (1000000000) + i * FRAME_NS, FRAME_NS,
        ce_au_is_keyframe (codec, data, size));
  }
  ce_hls_flush (hls);
  playlist = ce_hls_dup_playlist (hls);
  lines = g_strsplit (playlist, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    if (g_str_has_prefix (lines[i], "init-") ||
        g_str_has_prefix (lines[i], "seg-") ||
        g_str_has_prefix (lines[i], "#EXT-X-MAP:URI=\"")) {
      const char *file = lines[i][0] == '#' ? lines[i] + 16 : lines[i];
      g_autofree char *clean = g_strndup (file, strcspn (file, "\""));
      g_autoptr (GBytes) bytes = ce_hls_dup_file (hls, clean);
      g_autofree char *path = NULL;

      g_assert_nonnull (bytes);
      path = mux_test_write_bytes (dir, clean, bytes);
    }
  }
  /* The live playlist, closed for offline reading (a live one makes the
   * tools wait for more segments). */
  {
    g_autofree char *vod = g_strconcat (playlist, "#EXT-X-ENDLIST\n", NULL);

    m3u8 = g_bytes_new (vod, strlen (vod));
  }
  m3u8_path = mux_test_write_bytes (dir, "index.m3u8", m3u8);
  mux_test_check_file (m3u8_path, NULL, name, width, height, aus->len);
  pipeline = g_strdup_printf (
      "filesrc location=%s ! hlsdemux ! qtdemux ! %s ! fakesink", m3u8_path,
      gst_decoder (codec));
  mux_test_gst_launch (pipeline);

  ce_video_params_clear (&params);
  mux_test_remove_dir (dir);
}

static void
test_files_samples (void)
{
  g_autoptr (GBytes) high = NULL;
  g_autoptr (GBytes) baseline = NULL;

  /* tests/data/h265/320x240.h265 has a RASL picture shown before the CRA
   * it follows: the muxers write composition = decoding time, as the hub
   * delivers it (cameras send no B-frames), so that sample would decode
   * with its frames out of order; the H.265 streams encoded below have no
   * reordering. */
  if (!mux_test_have_tools ())
    return;
  high = mux_test_load ("h264", "320x240-high.h264");
  baseline = mux_test_load ("h264", "320x240-baseline.h264");
  check_stream (CE_CODEC_H264, high, 320, 240);
  check_stream (CE_CODEC_H264, baseline, 320, 240);
}

static void
test_files_encoded (gconstpointer data)
{
  CeCodec codec = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) stream = NULL;

  if (!mux_test_have_tools ())
    return;
  /* 4 s, IDR every second: four HLS segments. */
  stream = mux_test_encode (codec, 352, 288, 100, 25);
  check_stream (codec, stream, 352, 288);
}

/* Two resolutions back to back: two init segments, each decodable with
 * its fragments; HLS puts a discontinuity between them. */
static void
test_sps_change (void)
{
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) b = NULL;
  g_autoptr (GPtrArray) aus_a = NULL;
  g_autoptr (GPtrArray) aus_b = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  CeHlsConfig config = {.playlist_segments = 100};
  g_autoptr (CeHls) hls = ce_hls_new (&config);
  g_autofree char *playlist = NULL;
  CeVideoParams pa, pb;
  guint frame = 0;

  if (!mux_test_have_tools ())
    return;
  dir = g_dir_make_tmp ("cityeye-mux-XXXXXX", &error);
  g_assert_no_error (error);
  a = mux_test_encode (CE_CODEC_H264, 320, 240, 50, 25);
  b = mux_test_encode (CE_CODEC_H264, 240, 176, 50, 25);
  aus_a = mux_test_split_aus (CE_CODEC_H264, a);
  aus_b = mux_test_split_aus (CE_CODEC_H264, b);
  params_from (CE_CODEC_H264, a, &pa);
  params_from (CE_CODEC_H264, b, &pb);

  for (guint part = 0; part < 2; part++) {
    GPtrArray *aus = part == 0 ? aus_a : aus_b;
    CeVideoParams *p = part == 0 ? &pa : &pb;
    g_autoptr (GBytes) mp4 = make_fmp4 (CE_CODEC_H264, p, aus, 0, aus->len);
    g_autofree char *name = g_strdup_printf ("part%u.mp4", part);
    g_autofree char *path = mux_test_write_bytes (dir, name, mp4);

    mux_test_check_file (path, NULL, "h264", p->width, p->height, aus->len);
    g_assert_true (ce_hls_set_params (hls, p, &error));
    for (guint i = 0; i < aus->len; i++, frame++) {
      gsize size;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (aus, i), &size);

      ce_hls_push (hls, d, size, frame * FRAME_NS, FRAME_NS,
          ce_au_is_keyframe (CE_CODEC_H264, d, size));
    }
  }
  ce_hls_flush (hls);
  playlist = ce_hls_dup_playlist (hls);
  g_assert_nonnull (strstr (playlist, "#EXT-X-MAP:URI=\"init-0.mp4\"\n"));
  g_assert_nonnull (strstr (playlist,
      "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\"\n"));
  g_assert_cmpuint (ce_hls_get_segments_produced (hls), ==, 4);
  ce_video_params_clear (&pa);
  ce_video_params_clear (&pb);
  mux_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/mux/config/avcc", test_avcc);
  g_test_add_func ("/mux/config/hvcc", test_hvcc);
  g_test_add_func ("/mux/config/incomplete", test_config_incomplete);
  g_test_add_func ("/mux/fmp4/init", test_fmp4_init);
  g_test_add_func ("/mux/fmp4/fragment", test_fmp4_fragment);
  g_test_add_func ("/mux/flv/tags", test_flv_tags);
  g_test_add_func ("/mux/hls/playlist", test_hls_playlist);
  g_test_add_func ("/mux/files/samples", test_files_samples);
  g_test_add_data_func ("/mux/files/h264", GINT_TO_POINTER (CE_CODEC_H264),
      test_files_encoded);
  g_test_add_data_func ("/mux/files/h265", GINT_TO_POINTER (CE_CODEC_H265),
      test_files_encoded);
  g_test_add_func ("/mux/files/sps-change", test_sps_change);
  return g_test_run ();
}
