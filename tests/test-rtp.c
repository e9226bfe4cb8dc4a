/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Tests for the RTP packetiser: fragments reassemble to the NAL units byte
 * for byte, and GStreamer's own depayloaders decode what it sends to the
 * same pictures as the original stream.
 */
#include "ce-rtp.h"

#include <glib/gstdio.h>
#include "ce-test-streams.h"

#include <string.h>

static const guint8 start_code[] = {0, 0, 0, 1};

/* The NAL units an RTP sender must send: everything but AUDs. */
static GByteArray *
expected_nals (CeCodec codec, const guint8 *data, gsize size)
{
  GByteArray *out = g_byte_array_new ();
  gsize offset = 0;
  CeNal nal;

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    if (ce_nal_is_aud (codec, nal.type))
      continue;
    g_byte_array_append (out, start_code, 4);
    g_byte_array_append (out, nal.data, nal.size);
  }
  return out;
}

/* What a depayloader does, checking every header on the way.  Returns the
 * NAL units with start codes. */
static GByteArray *
reassemble (CeCodec codec, const CeRtpFrame *frame, gsize mtu)
{
  GByteArray *out = g_byte_array_new ();
  gboolean in_fu = FALSE;
  guint fu_type = 0;
  guint8 fu_hdr0 = 0, fu_hdr1 = 0;
  gsize payload_bytes = 0;

  for (guint i = 0; i < frame->n_chunks; i++) {
    const CeRtpChunk *c = &frame->chunks[i];

    g_assert_cmpuint (c->prefix_len + c->size, <=, mtu);
    g_assert_cmpuint (c->size, >, 0);
    g_assert_cmpint (c->marker, ==, i + 1 == frame->n_chunks);
    payload_bytes += c->prefix_len + c->size;

    if (c->prefix_len == 0) {
      guint type =
          codec == CE_CODEC_H264 ? c->data[0] & 0x1f : (c->data[0] >> 1) & 0x3f;

      g_assert_false (in_fu);
      g_assert_false (ce_nal_is_aud (codec, type));
      g_byte_array_append (out, start_code, 4);
      g_byte_array_append (out, c->data, c->size);
      continue;
    }

    if (codec == CE_CODEC_H264) {
      guint8 indicator = c->prefix[0], fu = c->prefix[1];
      gboolean s = fu & 0x80, e = fu & 0x40;

      g_assert_cmpuint (c->prefix_len, ==, 2);
      g_assert_cmpuint (indicator & 0x1f, ==, 28);
      g_assert_cmpuint (fu & 0x20, ==, 0); /* R */
      g_assert_false (s && e);
      if (s) {
        guint8 header = (indicator & 0xe0) | (fu & 0x1f);

        g_assert_false (in_fu);
        in_fu = TRUE;
        fu_type = fu & 0x1f;
        fu_hdr0 = indicator;
        g_byte_array_append (out, start_code, 4);
        g_byte_array_append (out, &header, 1);
      } else {
        g_assert_true (in_fu);
        g_assert_cmpuint (fu & 0x1f, ==, fu_type);
        g_assert_cmpuint (indicator, ==, fu_hdr0);
      }
      if (e)
        in_fu = FALSE;
    } else {
      guint8 p0 = c->prefix[0], p1 = c->prefix[1], fu = c->prefix[2];
      gboolean s = fu & 0x80, e = fu & 0x40;

      g_assert_cmpuint (c->prefix_len, ==, 3);
      g_assert_cmpuint ((p0 >> 1) & 0x3f, ==, 49);
      g_assert_false (s && e);
      if (s) {
        guint8 header[2] = {(p0 & 0x81) | ((fu & 0x3f) << 1), p1};

        g_assert_false (in_fu);
        in_fu = TRUE;
        fu_type = fu & 0x3f;
        fu_hdr0 = p0;
        fu_hdr1 = p1;
        g_byte_array_append (out, start_code, 4);
        g_byte_array_append (out, header, 2);
      } else {
        g_assert_true (in_fu);
        g_assert_cmpuint (fu & 0x3f, ==, fu_type);
        g_assert_cmpuint (p0, ==, fu_hdr0);
        g_assert_cmpuint (p1, ==, fu_hdr1);
      }
      if (e)
        in_fu = FALSE;
    }
    g_byte_array_append (out, c->data, c->size);
  }
  g_assert_false (in_fu);
  g_assert_cmpuint (payload_bytes, ==, frame->payload_bytes);
  return out;
}

static void
count_destroy (gpointer data)
{
  (*(guint *) data)++;
}

static void
check_stream (CeCodec codec, const char *dir, const char *file, gsize mtu)
{
  g_autoptr (GBytes) stream = ce_test_load (dir, file);
  g_autoptr (GArray) aus = ce_test_split_aus (codec, stream);

  g_assert_cmpuint (aus->len, ==, 4);
  for (guint i = 0; i < aus->len; i++) {
    CeTestSpan *au = &g_array_index (aus, CeTestSpan, i);
    guint destroyed = 0;
    g_autoptr (GByteArray) expected = expected_nals (codec, au->data, au->size);
    g_autoptr (GByteArray) got = NULL;
    CeRtpFrame *frame = ce_rtp_frame_new (codec, au->data, au->size,
        i * 40000000ull, i == 0, mtu, &destroyed, count_destroy);

    g_assert_nonnull (frame);
    g_assert_cmpuint (frame->pts, ==, i * 40000000ull);
    g_assert_cmpint (frame->keyframe, ==, i == 0);
    /* The payloads point into the access unit: nothing was copied. */
    for (guint c = 0; c < frame->n_chunks; c++) {
      g_assert_true (frame->chunks[c].data >= au->data);
      g_assert_true (
          frame->chunks[c].data + frame->chunks[c].size <= au->data + au->size);
    }
    got = reassemble (codec, frame, mtu);
    g_assert_cmpmem (got->data, got->len, expected->data, expected->len);
    g_assert_cmpuint (destroyed, ==, 0);
    ce_rtp_frame_unref (frame);
    g_assert_cmpuint (destroyed, ==, 1);
  }
}

/* The 320x240 IDRs are 3-4 KB: several FU-A at the default MTU, dozens at
 * small ones, one packet each at a huge one. */
static void
test_h264_reassemble (void)
{
  static const gsize mtus[] = {3, 4, 64, 500, CE_RTP_DEFAULT_MTU, 100000};

  for (gsize m = 0; m < G_N_ELEMENTS (mtus); m++) {
    check_stream (CE_CODEC_H264, "h264", "320x240-baseline.h264", mtus[m]);
    check_stream (CE_CODEC_H264, "h264", "320x240-main.h264", mtus[m]);
    check_stream (CE_CODEC_H264, "h264", "320x240-high.h264", mtus[m]);
  }
}

static void
test_h265_reassemble (void)
{
  static const gsize mtus[] = {4, 5, 64, 500, CE_RTP_DEFAULT_MTU, 100000};

  for (gsize m = 0; m < G_N_ELEMENTS (mtus); m++)
    check_stream (CE_CODEC_H265, "h265", "320x240.h265", mtus[m]);
}

/* The first AU of the high stream: AUD, SPS, PPS, SEI, IDR. */
static void
test_h264_layout (void)
{
  g_autoptr (GBytes) stream = ce_test_load ("h264", "320x240-high.h264");
  g_autoptr (GArray) aus = ce_test_split_aus (CE_CODEC_H264, stream);
  CeTestSpan *au = &g_array_index (aus, CeTestSpan, 0);
  g_autoptr (CeRtpFrame) frame = ce_rtp_frame_new (CE_CODEC_H264, au->data,
      au->size, 0, TRUE, CE_RTP_DEFAULT_MTU, NULL, NULL);
  gsize idr_size = 0, offset = 0;
  guint n_fu;
  CeNal nal;

  while (ce_nal_next (CE_CODEC_H264, au->data, au->size, &offset, &nal)) {
    if (nal.type == 5)
      idr_size = nal.size;
  }
  g_assert_cmpuint (idr_size, >, 2 * CE_RTP_DEFAULT_MTU);
  n_fu = (idr_size - 1 + CE_RTP_DEFAULT_MTU - 3) / (CE_RTP_DEFAULT_MTU - 2);

  /* SPS, PPS and SEI as single NAL unit packets, the AUD dropped. */
  g_assert_cmpuint (frame->n_chunks, ==, 3 + n_fu);
  g_assert_cmpuint (frame->chunks[0].prefix_len, ==, 0);
  g_assert_cmpuint (frame->chunks[0].data[0] & 0x1f, ==, 7);
  g_assert_cmpuint (frame->chunks[1].data[0] & 0x1f, ==, 8);
  g_assert_cmpuint (frame->chunks[2].data[0] & 0x1f, ==, 6);
  for (guint i = 3; i < frame->n_chunks; i++) {
    const CeRtpChunk *c = &frame->chunks[i];

    g_assert_cmpuint (c->prefix_len, ==, 2);
    /* nal_ref_idc 3 of the IDR kept in the indicator */
    g_assert_cmphex (c->prefix[0], ==, 0x60 | 28);
    g_assert_cmphex (c->prefix[1], ==,
        (i == 3 ? 0x80 : 0) | (i + 1 == frame->n_chunks ? 0x40 : 0) | 5);
    if (i + 1 < frame->n_chunks)
      g_assert_cmpuint (c->prefix_len + c->size, ==, CE_RTP_DEFAULT_MTU);
    g_assert_cmpint (c->marker, ==, i + 1 == frame->n_chunks);
  }
  g_assert_false (frame->chunks[0].marker);
}

/* H.265 FU (RFC 7798 §4.4.3): payload header type 49 with the NAL's F,
 * LayerId and TID; FU header S, E and the 6-bit type. */
static void
test_h265_fu_headers (void)
{
  /* IDR_W_RADL (19), nuh_layer_id 33 (its top bit is in the first byte),
   * nuh_temporal_id_plus1 3: 27 0b. */
  static const guint8 header[] = {0x00, 0x00, 0x00, 0x01, 0x27, 0x0b};
  g_autoptr (GByteArray) au = g_byte_array_new ();
  g_autoptr (CeRtpFrame) frame = NULL;

  g_byte_array_append (au, header, sizeof header);
  for (guint i = 0; i < 250; i++) {
    guint8 b = 0x80 | (i & 0x7f);

    g_byte_array_append (au, &b, 1);
  }
  frame = ce_rtp_frame_new (CE_CODEC_H265, au->data, au->len, 0, TRUE, 100,
      NULL, NULL);
  /* 250 payload bytes in fragments of 97 */
  g_assert_cmpuint (frame->n_chunks, ==, 3);
  for (guint i = 0; i < 3; i++) {
    const CeRtpChunk *c = &frame->chunks[i];

    g_assert_cmpuint (c->prefix_len, ==, 3);
    g_assert_cmphex (c->prefix[0], ==, (49 << 1) | 0x01);
    g_assert_cmphex (c->prefix[1], ==, 0x0b);
    g_assert_cmphex (c->prefix[2], ==,
        (i == 0 ? 0x80 : 0) | (i == 2 ? 0x40 : 0) | 19);
    g_assert_true (c->data == au->data + 6 + i * 97);
    g_assert_cmpuint (c->size, ==, i < 2 ? 97 : 250 - 2 * 97);
  }
  g_assert_cmpuint (frame->payload_bytes, ==, 250 + 3 * 3);
}

/* A NAL of exactly the MTU is one packet; one byte more needs two. */
static void
test_mtu_boundary (void)
{
  guint8 au[4 + 101];
  g_autoptr (CeRtpFrame) single = NULL;
  g_autoptr (CeRtpFrame) split = NULL;

  memset (au, 0xab, sizeof au);
  memcpy (au, "\x00\x00\x00\x01\x65", 5);
  single =
      ce_rtp_frame_new (CE_CODEC_H264, au, 4 + 100, 0, TRUE, 100, NULL, NULL);
  g_assert_cmpuint (single->n_chunks, ==, 1);
  g_assert_cmpuint (single->chunks[0].prefix_len, ==, 0);
  g_assert_cmpuint (single->chunks[0].size, ==, 100);
  g_assert_true (single->chunks[0].marker);

  split =
      ce_rtp_frame_new (CE_CODEC_H264, au, 4 + 101, 0, TRUE, 100, NULL, NULL);
  g_assert_cmpuint (split->n_chunks, ==, 2);
  g_assert_cmpuint (split->chunks[0].prefix_len + split->chunks[0].size, ==,
      100);
  g_assert_cmpuint (split->chunks[1].size, ==, 2);
  g_assert_false (split->chunks[0].marker);
  g_assert_true (split->chunks[1].marker);
}

static void
test_aud_and_empty (void)
{
  static const guint8 aud_only[] = {0x00, 0x00, 0x00, 0x01, 0x09, 0xf0};
  static const guint8 h265_aud[] = {0x00, 0x00, 0x01, 0x46, 0x01, 0x50};
  static const guint8 garbage[] = {0x12, 0x34, 0x56};
  guint destroyed = 0;

  g_assert_null (ce_rtp_frame_new (CE_CODEC_H264, aud_only, sizeof aud_only, 0,
      FALSE, CE_RTP_DEFAULT_MTU, &destroyed, count_destroy));
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_null (ce_rtp_frame_new (CE_CODEC_H265, h265_aud, sizeof h265_aud, 0,
      FALSE, CE_RTP_DEFAULT_MTU, &destroyed, count_destroy));
  g_assert_cmpuint (destroyed, ==, 2);
  g_assert_null (ce_rtp_frame_new (CE_CODEC_H264, garbage, sizeof garbage, 0,
      FALSE, CE_RTP_DEFAULT_MTU, &destroyed, count_destroy));
  g_assert_cmpuint (destroyed, ==, 3);
  g_assert_null (ce_rtp_frame_new (CE_CODEC_H264, NULL, 0, 0, FALSE,
      CE_RTP_DEFAULT_MTU, &destroyed, count_destroy));
  g_assert_cmpuint (destroyed, ==, 4);
  /* No owner at all is fine too. */
  g_assert_null (ce_rtp_frame_new (CE_CODEC_H264, NULL, 0, 0, FALSE,
      CE_RTP_DEFAULT_MTU, NULL, NULL));
}

/* More NAL units than the packetiser remembers between its two passes
 * (many slices per picture). */
static void
test_many_nals (void)
{
  g_autoptr (GByteArray) au = g_byte_array_new ();
  g_autoptr (GByteArray) expected = NULL;
  g_autoptr (GByteArray) got = NULL;
  g_autoptr (CeRtpFrame) frame = NULL;

  for (guint i = 0; i < 100; i++) {
    guint8 nal[40];

    memset (nal, i + 1, sizeof nal);
    nal[0] = i % 3 == 0 ? 0x09 : 0x41; /* AUDs among the slices */
    g_byte_array_append (au, start_code, 4);
    g_byte_array_append (au, nal, 10 + i % 30);
  }
  frame = ce_rtp_frame_new (CE_CODEC_H264, au->data, au->len, 0, FALSE, 16,
      NULL, NULL);
  expected = expected_nals (CE_CODEC_H264, au->data, au->len);
  got = reassemble (CE_CODEC_H264, frame, 16);
  g_assert_cmpmem (got->data, got->len, expected->data, expected->len);
}

static void
test_refcount (void)
{
  static const guint8 au[] = {0x00, 0x00, 0x01, 0x65, 0x88, 0x84};
  guint destroyed = 0;
  CeRtpFrame *frame = ce_rtp_frame_new (CE_CODEC_H264, au, sizeof au, 0, TRUE,
      CE_RTP_DEFAULT_MTU, &destroyed, count_destroy);

  g_assert_true (ce_rtp_frame_ref (frame) == frame);
  ce_rtp_frame_unref (frame);
  g_assert_cmpuint (destroyed, ==, 0);
  g_assert_true (frame->owner == &destroyed);
  ce_rtp_frame_unref (frame);
  g_assert_cmpuint (destroyed, ==, 1);
}

static void
test_rtp_header (void)
{
  static const guint8 expected[12] = {0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe,
      0xef, 0x01, 0x02, 0x03, 0x04};
  static const guint8 expected_no_marker[12] = {0x80, 0x60, 0xff, 0xff, 0x00,
      0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
  guint8 out[12];

  ce_rtp_write_header (out, TRUE, 96, 0x1234, 0xdeadbeef, 0x01020304);
  g_assert_cmpmem (out, 12, expected, 12);
  ce_rtp_write_header (out, FALSE, 96, 0xffff, 0, 0xffffffff);
  g_assert_cmpmem (out, 12, expected_no_marker, 12);
  /* The payload type cannot spill into the marker bit. */
  ce_rtp_write_header (out, FALSE, 0xff, 0, 0, 0);
  g_assert_cmphex (out[1], ==, 0x7f);
}

/* RFC 3550 §6.4.1: V=2, RC=0, PT=200, length 6 (in 32-bit words minus
 * one), SSRC, NTP (MSW, LSW), RTP timestamp, packets, octets. */
static void
test_sender_report (void)
{
  static const guint8 expected[28] = {0x80, 0xc8, 0x00, 0x06, 0x01, 0x02, 0x03,
      0x04, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0xb2, 0xc3,
      0xd4, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00};
  guint8 out[28];

  g_assert_cmpuint (ce_rtcp_write_sender_report (out, 0x01020304,
                        G_GUINT64_CONSTANT (0x0123456789abcdef), 0xa1b2c3d4, 7,
                        0x10000),
      ==, 28);
  g_assert_cmpmem (out, 28, expected, 28);
}

/* RR (empty), PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1) in one
 * compound packet, byte for byte. */
static void
test_keyframe_request (void)
{
  static const guint8 expected[40] = {
      /* RR, no report block, sender 0x01020304 */
      0x80, 0xc9, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,
      /* PSFB FMT 1 (PLI), length 2, sender, media 0xa1b2c3d4 */
      0x81, 0xce, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0xa1, 0xb2, 0xc3, 0xd4,
      /* PSFB FMT 4 (FIR), length 4, sender, media 0, FCI: SSRC, seq 7 */
      0x84, 0xce, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
      0xa1, 0xb2, 0xc3, 0xd4, 0x07, 0x00, 0x00, 0x00};
  guint8 out[40];

  g_assert_cmpuint (
      ce_rtcp_write_keyframe_request (out, 0x01020304, 0xa1b2c3d4, 7), ==, 40);
  g_assert_cmpmem (out, 40, expected, 40);
}

/* Which picture a packet's payload starts, as the ingest reads the first
 * packets of a stream. */
static void
test_payload_picture (void)
{
  static const struct
  {
    CeCodec codec;
    const char *bytes;
    gsize size;
    CeRtpPicture want;
  } cases[] = {
      {CE_CODEC_H264, "\x65\x88", 2, CE_RTP_PICTURE_KEY},   /* IDR */
      {CE_CODEC_H264, "\x41\x9a", 2, CE_RTP_PICTURE_DELTA}, /* P slice */
      {CE_CODEC_H264, "\x67\x42", 2, CE_RTP_PICTURE_NONE},  /* SPS */
      {CE_CODEC_H264, "\x06\x05", 2, CE_RTP_PICTURE_NONE},  /* SEI */
      /* STAP-A: SPS, PPS, IDR; SPS, PPS only; SPS then a P slice. */
      {CE_CODEC_H264, "\x18\x00\x02\x67\x42\x00\x02\x68\xce\x00\x02\x65\x88",
          13, CE_RTP_PICTURE_KEY},
      {CE_CODEC_H264, "\x18\x00\x02\x67\x42\x00\x02\x68\xce", 9,
          CE_RTP_PICTURE_NONE},
      {CE_CODEC_H264, "\x18\x00\x02\x67\x42\x00\x02\x41\x9a", 9,
          CE_RTP_PICTURE_DELTA},
      /* STAP-A whose second size runs past the packet: the first only. */
      {CE_CODEC_H264, "\x18\x00\x02\x67\x42\x00\x09\x65", 8,
          CE_RTP_PICTURE_NONE},
      /* FU-A: an IDR's start, its continuation, a P slice's start. */
      {CE_CODEC_H264, "\x7c\x85\x88", 3, CE_RTP_PICTURE_KEY},
      {CE_CODEC_H264, "\x7c\x05\x88", 3, CE_RTP_PICTURE_NONE},
      {CE_CODEC_H264, "\x7c\x81\x9a", 3, CE_RTP_PICTURE_DELTA},
      {CE_CODEC_H264, "\x7c", 1, CE_RTP_PICTURE_NONE},          /* truncated */
      {CE_CODEC_H265, "\x26\x01\xaf", 3, CE_RTP_PICTURE_KEY},   /* IDR_W_RADL */
      {CE_CODEC_H265, "\x2a\x01\xaf", 3, CE_RTP_PICTURE_KEY},   /* CRA */
      {CE_CODEC_H265, "\x02\x01\xd0", 3, CE_RTP_PICTURE_DELTA}, /* TRAIL_R */
      {CE_CODEC_H265, "\x40\x01\x0c", 3, CE_RTP_PICTURE_NONE},  /* VPS */
      /* AP: VPS, then IDR. */
      {CE_CODEC_H265, "\x60\x01\x00\x02\x40\x01\x00\x03\x26\x01\xaf", 11,
          CE_RTP_PICTURE_KEY},
      /* FU: an IDR's start, a TRAIL_R's continuation. */
      {CE_CODEC_H265, "\x62\x01\x93\xaf", 4, CE_RTP_PICTURE_KEY},
      {CE_CODEC_H265, "\x62\x01\x01\xaf", 4, CE_RTP_PICTURE_NONE},
      {CE_CODEC_H265, "\x62\x01", 2, CE_RTP_PICTURE_NONE}, /* truncated */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    /* A copy of the exact size, so that ASan sees any read past it. */
    g_autofree guint8 *p = g_memdup2 (cases[i].bytes, cases[i].size);

    if (ce_rtp_payload_picture (cases[i].codec, p, cases[i].size) !=
        cases[i].want)
      g_error ("case %u: expected %d, got %d", i, cases[i].want,
          ce_rtp_payload_picture (cases[i].codec, p, cases[i].size));
  }
  g_assert_cmpint (ce_rtp_payload_picture (CE_CODEC_H264, NULL, 0), ==,
      CE_RTP_PICTURE_NONE);
}

static void
test_ntp (void)
{
  gint64 before = g_get_real_time ();
  guint64 ntp = ce_ntp_now ();
  gint64 after = g_get_real_time ();
  /* 1900 → 1970 */
  gint64 us =
      ((gint64) (ntp >> 32) - G_GINT64_CONSTANT (2208988800)) * G_USEC_PER_SEC +
      (gint64) (((ntp & 0xffffffff) * G_USEC_PER_SEC) >> 32);

  g_assert_cmpint (us, >=, before - 1);
  g_assert_cmpint (us, <=, after + 1);
}

/* ---- End to end through GStreamer's depayloaders ------------------------- */

/* Runs gst-launch-1.0 and returns the checksum column of checksumsink's
 * output (one line per decoded picture), or NULL when the elements are
 * missing (the test is then skipped). */
static char *
decode_checksums (const char *pipeline)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) argv = NULL;
  g_autofree char *cmd =
      g_strdup_printf ("gst-launch-1.0 -q %s ! checksumsink", pipeline);
  g_auto (GStrv) lines = NULL;
  GString *sums = g_string_new (NULL);
  int status = 0;

  if (!g_shell_parse_argv (cmd, NULL, &argv, &error))
    g_error ("%s", error->message);
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
          &err, &status, &error))
    g_error ("%s", error->message);
  if (strstr (err, "no element") != NULL) {
    g_test_message ("%s", err);
    g_string_free (sums, TRUE);
    return NULL;
  }
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s\n%s", cmd, error->message, err);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *sp = strrchr (lines[i], ' ');

    if (sp != NULL)
      g_string_append_printf (sums, "%s\n", sp + 1);
  }
  return g_string_free (sums, FALSE);
}

/* Sends the stream through ce_rtp_frame_new() and the RTP header writer
 * into an RFC 4571 framed file (16-bit length before each packet), which
 * rtpstreamdepay reads. */
static void
write_rtp_stream (CeCodec codec, GBytes *stream, gsize mtu, const char *path)
{
  g_autoptr (GArray) aus = ce_test_split_aus (codec, stream);
  g_autoptr (GByteArray) file = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  guint16 seq = 0xfff0; /* wraps during the stream */

  for (guint i = 0; i < aus->len; i++) {
    CeTestSpan *au = &g_array_index (aus, CeTestSpan, i);
    g_autoptr (CeRtpFrame) frame = ce_rtp_frame_new (codec, au->data, au->size,
        i * 40000000ull, FALSE, mtu, NULL, NULL);
    guint32 ts = 0x7ffff000u + (guint32) (frame->pts * 9 / 100000);

    for (guint c = 0; c < frame->n_chunks; c++) {
      const CeRtpChunk *chunk = &frame->chunks[c];
      guint16 len = 12 + chunk->prefix_len + chunk->size;
      guint8 framing[2] = {len >> 8, len & 0xff};
      guint8 header[12];

      ce_rtp_write_header (header, chunk->marker, 96, seq++, ts, 0x5eed);
      g_byte_array_append (file, framing, 2);
      g_byte_array_append (file, header, 12);
      g_byte_array_append (file, chunk->prefix, chunk->prefix_len);
      g_byte_array_append (file, chunk->data, chunk->size);
    }
  }
  if (!g_file_set_contents (path, (const char *) file->data, file->len, &error))
    g_error ("%s", error->message);
}

static void
check_gst_decode (CeCodec codec, const char *dir, const char *file, gsize mtu)
{
  const char *name = codec == CE_CODEC_H264 ? "h264" : "h265";
  const char *enc = codec == CE_CODEC_H264 ? "H264" : "H265";
  g_autofree char *src =
      g_test_build_filename (G_TEST_DIST, "data", dir, file, NULL);
  g_autoptr (GBytes) stream = ce_test_load (dir, file);
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *direct = NULL;
  g_autofree char *via_rtp = NULL;
  g_autofree char *direct_pipeline = NULL;
  g_autofree char *rtp_pipeline = NULL;
  g_autofree char *gst_launch = g_find_program_in_path ("gst-launch-1.0");
  int fd;

  if (gst_launch == NULL) {
    g_test_skip ("gst-launch-1.0 is not installed");
    return;
  }
  fd = g_file_open_tmp ("ce-test-rtp-XXXXXX.rtp", &tmp, &error);
  g_assert_no_error (error);
  g_close (fd, NULL);
  write_rtp_stream (codec, stream, mtu, tmp);

  direct_pipeline = g_strdup_printf ("filesrc location=%s ! %sparse ! avdec_%s",
      src, name, name);
  rtp_pipeline = g_strdup_printf (
      "filesrc location=%s "
      "! application/x-rtp-stream,media=video,clock-rate=90000,"
      "encoding-name=%s,payload=96 "
      "! rtpstreamdepay ! rtp%sdepay ! %sparse ! avdec_%s",
      tmp, enc, name, name, name);
  direct = decode_checksums (direct_pipeline);
  via_rtp = direct != NULL ? decode_checksums (rtp_pipeline) : NULL;
  g_unlink (tmp);
  if (direct == NULL || via_rtp == NULL) {
    g_test_skip ("A GStreamer element for the check is missing");
    return;
  }
  /* Four pictures, identical whichever way they came. */
  g_assert_cmpuint (strlen (direct), ==, 4 * 41);
  g_assert_cmpstr (via_rtp, ==, direct);
}

static void
test_gst_h264 (void)
{
  check_gst_decode (CE_CODEC_H264, "h264", "320x240-high.h264",
      CE_RTP_DEFAULT_MTU);
  if (!g_test_failed ())
    check_gst_decode (CE_CODEC_H264, "h264", "320x240-baseline.h264", 200);
}

static void
test_gst_h265 (void)
{
  check_gst_decode (CE_CODEC_H265, "h265", "320x240.h265", CE_RTP_DEFAULT_MTU);
  if (!g_test_failed ())
    check_gst_decode (CE_CODEC_H265, "h265", "320x240.h265", 200);
}

/* Reading received RTP headers (the audio passthrough) and audio frames. */
static void
test_parse_header (void)
{
  guint8 pkt[64] = {0};
  CeRtpHeader h;
  g_autoptr (CeRtpFrame) f = NULL;

  ce_rtp_write_header (pkt, TRUE, 8, 0x1234, 0xdeadbeef, 0xcafe0001);
  memset (pkt + 12, 0xd5, 20);
  g_assert_true (ce_rtp_parse_header (pkt, 32, &h));
  g_assert_cmpuint (h.payload_type, ==, 8);
  g_assert_true (h.marker);
  g_assert_cmpuint (h.seq, ==, 0x1234);
  g_assert_cmpuint (h.timestamp, ==, 0xdeadbeef);
  g_assert_cmpuint (h.ssrc, ==, 0xcafe0001);
  g_assert_cmpuint (h.payload_offset, ==, 12);
  g_assert_cmpuint (h.payload_size, ==, 20);

  /* Two CSRCs, a one-word extension and 4 bytes of padding. */
  pkt[0] = 0x80 | 0x20 | 0x10 | 2;
  pkt[20] = 0xbe, pkt[21] = 0xde, pkt[22] = 0, pkt[23] = 1;
  pkt[47] = 4;
  g_assert_true (ce_rtp_parse_header (pkt, 48, &h));
  g_assert_cmpuint (h.payload_offset, ==, 12 + 8 + 8);
  g_assert_cmpuint (h.payload_size, ==, 48 - 28 - 4);

  /* Not RTP: short, version 1, padding longer than the packet, an
   * extension running past the end. */
  g_assert_false (ce_rtp_parse_header (pkt, 11, &h));
  pkt[0] = 0x40;
  g_assert_false (ce_rtp_parse_header (pkt, 32, &h));
  pkt[0] = 0x80 | 0x20;
  pkt[31] = 40;
  g_assert_false (ce_rtp_parse_header (pkt, 32, &h));
  pkt[0] = 0x80 | 0x10;
  pkt[14] = 0xff, pkt[15] = 0xff;
  g_assert_false (ce_rtp_parse_header (pkt, 32, &h));

  f = ce_rtp_frame_new_payload (pkt + 12, 20, 5, TRUE, NULL, NULL);
  g_assert_cmpint (f->track, ==, CE_TRACK_AUDIO);
  g_assert_cmpuint (f->n_chunks, ==, 1);
  g_assert_cmpuint (f->payload_bytes, ==, 20);
  g_assert_true (f->chunks[0].marker);
  g_assert_cmpuint (f->chunks[0].prefix_len, ==, 0);
  g_assert_null (ce_rtp_frame_new_payload (pkt, 0, 0, FALSE, NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rtp/h264/reassemble", test_h264_reassemble);
  g_test_add_func ("/rtp/h264/layout", test_h264_layout);
  g_test_add_func ("/rtp/h265/reassemble", test_h265_reassemble);
  g_test_add_func ("/rtp/h265/fu-headers", test_h265_fu_headers);
  g_test_add_func ("/rtp/mtu-boundary", test_mtu_boundary);
  g_test_add_func ("/rtp/aud-and-empty", test_aud_and_empty);
  g_test_add_func ("/rtp/many-nals", test_many_nals);
  g_test_add_func ("/rtp/refcount", test_refcount);
  g_test_add_func ("/rtp/header", test_rtp_header);
  g_test_add_func ("/rtp/parse-header", test_parse_header);
  g_test_add_func ("/rtp/sender-report", test_sender_report);
  g_test_add_func ("/rtp/keyframe-request", test_keyframe_request);
  g_test_add_func ("/rtp/payload-picture", test_payload_picture);
  g_test_add_func ("/rtp/ntp", test_ntp);
  g_test_add_func ("/rtp/gst/h264", test_gst_h264);
  g_test_add_func ("/rtp/gst/h265", test_gst_h265);
  return g_test_run ();
}
