/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Tests for the RTP depacketiser: the real streams in tests/data, sent by
 * our packetiser and by a hand-written one (aggregation packets, DONL),
 * come back as the same access units; loss, reordering, garbage and camera
 * quirks are handled as documented.  `-m perf` adds a throughput figure.
 */
#include "ce-depay.h"
#include "ce-rtp.h"
#include "ce-test-streams.h"

#include <string.h>

static const guint8 start_code[] = {0, 0, 0, 1};

/* ---- Streams ------------------------------------------------------------- */

/* The access units of @stream as an array of GBytes. */
static GPtrArray *
split_aus (CeCodec codec, GBytes *stream)
{
  g_autoptr (GArray) spans = ce_test_split_aus (codec, stream);
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < spans->len; i++) {
    CeTestSpan *au = &g_array_index (spans, CeTestSpan, i);

    g_ptr_array_add (aus, g_bytes_new (au->data, au->size));
  }
  return aus;
}

/* The access units of a test stream, repeated @times (the depacketiser
 * does not decode, so a repeated GOP is as good as a new one). */
static GPtrArray *
stream_aus (CeCodec codec, const char *file, guint times)
{
  g_autoptr (GBytes) stream =
      ce_test_load (codec == CE_CODEC_H264 ? "h264" : "h265", file);
  g_autoptr (GPtrArray) once = split_aus (codec, stream);
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint t = 0; t < times; t++) {
    for (guint i = 0; i < once->len; i++)
      g_ptr_array_add (aus, g_bytes_ref (once->pdata[i]));
  }
  return aus;
}

/* ---- What should come out ------------------------------------------------ */

/* An independent model of the output: NAL units with 4-byte start codes,
 * without AUD and filler data; the last parameter sets seen put in front
 * of the first slice of a keyframe that lacks one of them. */
typedef struct
{
  CeCodec codec;
  GBytes *sets[3]; /* VPS, SPS, PPS */
} Model;

static void
model_clear (Model *m)
{
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&m->sets[i], g_bytes_unref);
}

static int
model_slot (CeCodec codec, guint type)
{
  if (codec == CE_CODEC_H264)
    return type == 7 ? 1 : type == 8 ? 2 : -1;
  return type >= 32 && type <= 34 ? (int) type - 32 : -1;
}

static gboolean
model_dropped (CeCodec codec, guint type)
{
  return codec == CE_CODEC_H264 ? type == 9 || type == 12
                                : type == 35 || type == 38;
}

static GBytes *
model_au (Model *m, GBytes *au, gboolean *keyframe)
{
  GByteArray *out = g_byte_array_new ();
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (au, &size);
  guint present = 0, need = m->codec == CE_CODEC_H264 ? 6 : 7;
  gboolean key = FALSE;
  CeNal nal;

  while (ce_nal_next (m->codec, data, size, &offset, &nal)) {
    int slot = model_slot (m->codec, nal.type);

    if (model_dropped (m->codec, nal.type))
      continue;
    if (slot >= 0) {
      g_clear_pointer (&m->sets[slot], g_bytes_unref);
      m->sets[slot] = g_bytes_new (nal.data, nal.size);
      present |= 1u << slot;
    }
    if (ce_nal_is_keyframe (m->codec, nal.type) && !key) {
      gboolean missing_known = FALSE;

      key = TRUE;
      for (guint i = 0; i < 3; i++) {
        if (m->sets[i] != NULL && !(present & (1u << i)))
          missing_known = TRUE;
      }
      if ((present & need) != need && missing_known) {
        for (guint i = 0; i < 3; i++) {
          if (m->sets[i] == NULL)
            continue;
          g_byte_array_append (out, start_code, 4);
          g_byte_array_append (out, g_bytes_get_data (m->sets[i], NULL),
              g_bytes_get_size (m->sets[i]));
        }
      }
    }
    g_byte_array_append (out, start_code, 4);
    g_byte_array_append (out, nal.data, nal.size);
  }
  if (keyframe != NULL)
    *keyframe = key;
  return g_byte_array_free_to_bytes (out);
}

/* ---- A packetiser with every option -------------------------------------- */

typedef struct
{
  CeCodec codec;
  gsize mtu;          /* payload budget */
  gboolean ours;      /* use ce_rtp_frame_new() (drops AUDs) */
  gboolean aggregate; /* STAP-A / AP for small NAL units */
  gboolean donl;      /* H.265 DONL/DOND fields */
  gboolean no_marker;
  guint8 pt;
  guint32 ssrc;
  guint16 seq;
  guint16 don;
} Packer;

static void
emit (Packer *pk, GPtrArray *out, guint32 ts, gboolean marker,
    const guint8 *payload, gsize size)
{
  guint8 *pkt = g_malloc (12 + size);

  ce_rtp_write_header (pkt, marker && !pk->no_marker, pk->pt, pk->seq++, ts,
      pk->ssrc);
  memcpy (pkt + 12, payload, size);
  g_ptr_array_add (out, g_bytes_new_take (pkt, 12 + size));
}

static void
put16 (GByteArray *b, guint v)
{
  guint8 x[2] = {v >> 8, v};

  g_byte_array_append (b, x, 2);
}

static void
pack_fu (Packer *pk, GPtrArray *out, guint32 ts, gboolean last_nal,
    const CeNal *nal)
{
  gsize hlen = pk->codec == CE_CODEC_H265 ? 2 : 1;
  const guint8 *p = nal->data + hlen;
  gsize left = nal->size - hlen;
  gboolean first = TRUE;

  while (left > 0) {
    g_autoptr (GByteArray) b = g_byte_array_new ();
    gsize room, n;
    guint8 fu;

    if (pk->codec == CE_CODEC_H264) {
      guint8 ind = (nal->data[0] & 0xe0) | 28;

      g_byte_array_append (b, &ind, 1);
      fu = nal->data[0] & 0x1f;
    } else {
      guint8 ph[2] = {(nal->data[0] & 0x81) | (49 << 1), nal->data[1]};

      g_byte_array_append (b, ph, 2);
      fu = (nal->data[0] >> 1) & 0x3f;
    }
    room = pk->mtu - (b->len + 1) - (pk->donl && first ? 2 : 0);
    n = MIN (room, left);
    if (first)
      fu |= 0x80;
    if (n == left)
      fu |= 0x40;
    g_byte_array_append (b, &fu, 1);
    if (pk->donl && first)
      put16 (b, pk->don);
    g_byte_array_append (b, p, n);
    emit (pk, out, ts, last_nal && n == left, b->data, b->len);
    p += n;
    left -= n;
    first = FALSE;
  }
  pk->don++;
}

/* Packets for one access unit at RTP time @ts, appended to @out. */
static void
pack_au (Packer *pk, GPtrArray *out, GBytes *au, guint32 ts)
{
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (au, &size);
  gsize hlen = pk->codec == CE_CODEC_H265 ? 2 : 1;
  CeNal nals[256];
  guint n = 0, i = 0;

  if (pk->ours) {
    CeRtpFrame *frame =
        ce_rtp_frame_new (pk->codec, data, size, 0, FALSE, pk->mtu, NULL, NULL);

    g_assert_nonnull (frame);
    for (guint c = 0; c < frame->n_chunks; c++) {
      const CeRtpChunk *ch = &frame->chunks[c];
      g_autoptr (GByteArray) b = g_byte_array_new ();

      g_byte_array_append (b, ch->prefix, ch->prefix_len);
      g_byte_array_append (b, ch->data, ch->size);
      emit (pk, out, ts, ch->marker, b->data, b->len);
    }
    ce_rtp_frame_unref (frame);
    return;
  }

  while (n < G_N_ELEMENTS (nals) &&
      ce_nal_next (pk->codec, data, size, &offset, &nals[n]))
    n++;
  while (i < n) {
    if (pk->aggregate) {
      gsize total = hlen + (pk->donl ? 2 : 0);
      guint j = i;

      while (j < n &&
          total + 2 + nals[j].size + (pk->donl && j > i ? 1 : 0) <= pk->mtu) {
        total += 2 + nals[j].size + (pk->donl && j > i ? 1 : 0);
        j++;
      }
      if (j - i >= 2) {
        g_autoptr (GByteArray) b = g_byte_array_new ();

        if (pk->codec == CE_CODEC_H264) {
          guint8 nri = 0, h;

          for (guint k = i; k < j; k++)
            nri = MAX (nri, nals[k].data[0] & 0x60);
          h = nri | 24;
          g_byte_array_append (b, &h, 1);
        } else {
          guint8 ph[2] = {48 << 1, 1};

          g_byte_array_append (b, ph, 2);
        }
        for (guint k = i; k < j; k++) {
          if (pk->donl && k == i)
            put16 (b, pk->don);
          else if (pk->donl)
            g_byte_array_append (b, (const guint8 *) "\0", 1);
          put16 (b, nals[k].size);
          g_byte_array_append (b, nals[k].data, nals[k].size);
          pk->don++;
        }
        emit (pk, out, ts, j == n, b->data, b->len);
        i = j;
        continue;
      }
    }
    if (nals[i].size + (pk->donl ? 2 : 0) <= pk->mtu) {
      g_autoptr (GByteArray) b = g_byte_array_new ();

      g_byte_array_append (b, nals[i].data, hlen);
      if (pk->donl)
        put16 (b, pk->don++);
      g_byte_array_append (b, nals[i].data + hlen, nals[i].size - hlen);
      emit (pk, out, ts, i + 1 == n, b->data, b->len);
    } else {
      pack_fu (pk, out, ts, i + 1 == n, &nals[i]);
    }
    i++;
  }
}

/* 25 frames/s at 90 kHz, starting just before the 32-bit wrap. */
#define TS_BASE 0xfffff000u
#define TS_STEP 3600u
#define NS_STEP G_GUINT64_CONSTANT (40000000)

static GPtrArray *
pack_stream (Packer *pk, GPtrArray *aus)
{
  GPtrArray *out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < aus->len; i++)
    pack_au (pk, out, aus->pdata[i], TS_BASE + i * TS_STEP);
  return out;
}

/* ---- Running the depacketiser -------------------------------------------- */

typedef struct
{
  GBytes *au;
  guint64 pts;
  gboolean keyframe;
  gboolean discont;
} Out;

static void
out_clear (gpointer data)
{
  g_bytes_unref (((Out *) data)->au);
}

static GArray *
outs_new (void)
{
  GArray *outs = g_array_new (FALSE, TRUE, sizeof (Out));

  g_array_set_clear_func (outs, out_clear);
  return outs;
}

static void
collect (GBytes *au, guint64 pts, gboolean keyframe, gboolean discont,
    gpointer user_data)
{
  Out o = {g_bytes_ref (au), pts, keyframe, discont};

  g_array_append_val ((GArray *) user_data, o);
}

static void
push_all (CeDepay *depay, GPtrArray *packets, GArray *outs)
{
  for (guint i = 0; i < packets->len; i++) {
    gsize size;
    const guint8 *p = g_bytes_get_data (packets->pdata[i], &size);

    g_assert_true (ce_depay_push (depay, p, size, collect, outs));
  }
}

static void
assert_bytes_equal (GBytes *a, GBytes *b)
{
  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a),
      g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

/* @outs are the AUs @first.. of @aus, in order, with the right timestamps,
 * through @model. */
static void
assert_outs (CeCodec codec, GArray *outs, guint out_from, GPtrArray *aus,
    guint au_from, guint n)
{
  Model m = {codec};

  /* The model must see the AUs before too, for the sets it remembers. */
  for (guint i = 0; i < au_from; i++) {
    g_autoptr (GBytes) skip = model_au (&m, aus->pdata[i], NULL);
  }
  g_assert_cmpuint (outs->len, >=, out_from + n);
  for (guint i = 0; i < n; i++) {
    const Out *o = &g_array_index (outs, Out, out_from + i);
    gboolean key;
    g_autoptr (GBytes) expected = model_au (&m, aus->pdata[au_from + i], &key);

    assert_bytes_equal (o->au, expected);
    g_assert_cmpuint (o->pts, ==, (au_from + i) * NS_STEP);
    g_assert_cmpint (o->keyframe, ==, key);
  }
  model_clear (&m);
}

typedef struct
{
  CeCodec codec;
  const char *file;
  gsize mtu;
  gboolean ours, aggregate, donl;
} RoundTrip;

static void
test_roundtrip (gconstpointer data)
{
  const RoundTrip *rt = data;
  g_autoptr (GPtrArray) aus = stream_aus (rt->codec, rt->file, 3);
  Packer pk = {rt->codec, rt->mtu, rt->ours, rt->aggregate, rt->donl, FALSE, 96,
      0x1234, 65500};
  g_autoptr (GPtrArray) packets = pack_stream (&pk, aus);
  g_autoptr (CeDepay) depay = ce_depay_new (rt->codec, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  if (rt->donl)
    ce_depay_set_max_don_diff (depay, 2);
  push_all (depay, packets, outs);
  g_assert_cmpuint (outs->len, ==, aus->len);
  assert_outs (rt->codec, outs, 0, aus, 0, aus->len);
  for (guint i = 0; i < outs->len; i++)
    g_assert_false (g_array_index (outs, Out, i).discont);
  g_assert_true (g_array_index (outs, Out, 0).keyframe);

  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.packets, ==, packets->len);
  g_assert_cmpuint (st.aus, ==, aus->len);
  g_assert_cmpuint (st.lost, ==, 0);
  g_assert_cmpuint (st.aus_dropped, ==, 0);
  g_assert_cmpuint (st.bad_packets, ==, 0);
  g_assert_cmpuint (st.skipped_types, ==, 0);
  /* The H.265 stream's CRA has no parameter sets in-band. */
  g_assert_cmpuint (st.sets_inserted, ==, rt->codec == CE_CODEC_H265 ? 3 : 0);
}

static const RoundTrip roundtrips[] = {
    {CE_CODEC_H264, "320x240-baseline.h264", 1400, TRUE},
    {CE_CODEC_H264, "320x240-main.h264", 1400, TRUE},
    {CE_CODEC_H264, "320x240-high.h264", 1400, TRUE},
    {CE_CODEC_H264, "320x240-high.h264", 60, TRUE},
    {CE_CODEC_H264, "320x240-high.h264", 9000, TRUE},
    {CE_CODEC_H264, "320x240-high.h264", 1400, FALSE, TRUE},
    {CE_CODEC_H264, "320x240-baseline.h264", 800, FALSE, TRUE},
    {CE_CODEC_H264, "320x240-main.h264", 45, FALSE, FALSE},
    {CE_CODEC_H265, "320x240.h265", 1400, TRUE},
    {CE_CODEC_H265, "320x240.h265", 61, TRUE},
    {CE_CODEC_H265, "320x240.h265", 1400, FALSE, TRUE},
    {CE_CODEC_H265, "320x240.h265", 1400, FALSE, TRUE, TRUE},
    {CE_CODEC_H265, "320x240.h265", 100, FALSE, FALSE, TRUE},
};

/* ---- Hand-made packets ----------------------------------------------------
 */

static GBytes *
rtp (guint16 seq, guint32 ts, gboolean marker, const char *payload, gsize size)
{
  guint8 *pkt = g_malloc (12 + size);

  ce_rtp_write_header (pkt, marker, 96, seq, ts, 0xabcdef);
  memcpy (pkt + 12, payload, size);
  return g_bytes_new_take (pkt, 12 + size);
}

static gboolean
push_bytes (CeDepay *depay, GBytes *packet, GArray *outs)
{
  gsize size;
  const guint8 *p = g_bytes_get_data (packet, &size);

  return ce_depay_push (depay, p, size, collect, outs);
}

#define PUSH(d, o, seq, ts, m, lit) \
  do { \
    g_autoptr (GBytes) pkt_ = rtp (seq, ts, m, lit, sizeof lit - 1); \
    g_assert_true (push_bytes (d, pkt_, o)); \
  } while (0)

static void
assert_out (GArray *outs, guint i, const char *annexb, gsize size, guint64 pts,
    gboolean key, gboolean discont)
{
  const Out *o;

  g_assert_cmpuint (outs->len, >, i);
  o = &g_array_index (outs, Out, i);
  g_assert_cmpmem (g_bytes_get_data (o->au, NULL), g_bytes_get_size (o->au),
      annexb, size);
  g_assert_cmpuint (o->pts, ==, pts);
  g_assert_cmpint (o->keyframe, ==, key);
  g_assert_cmpint (o->discont, ==, discont);
}

#define ASSERT_OUT(o, i, lit, pts, key, disc) \
  assert_out (o, i, lit, sizeof lit - 1, pts, key, disc)

#define SC "\x00\x00\x00\x01"

/* Single NAL units, STAP-A with AUD and filler, FU-A with S and E in one
 * fragment, an undefined type ignored. */
static void
test_h264_packets (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  /* STAP-A: AUD, SPS, PPS, SEI; then IDR in FU-A; filler alone. */
  PUSH (depay, outs, 1, 1000, FALSE,
      "\x18"
      "\x00\x02\x09\xf0"
      "\x00\x04\x67\x42\x00\x1f"
      "\x00\x02\x68\xce"
      "\x00\x03\x06\x05\x01");
  PUSH (depay, outs, 2, 1000, FALSE, "\x7c\x85\x88\x84");
  PUSH (depay, outs, 3, 1000, FALSE, "\x7c\x05\x21");
  PUSH (depay, outs, 4, 1000, FALSE, "\x0c\xff\xff");
  PUSH (depay, outs, 5, 1000, FALSE, "\x1e\x01\x02"); /* type 30 */
  PUSH (depay, outs, 6, 1000, TRUE, "\x7c\x45\x22");
  g_assert_cmpuint (outs->len, ==, 1);
  ASSERT_OUT (outs, 0,
      SC "\x67\x42\x00\x1f" SC "\x68\xce" SC "\x06\x05\x01" SC
         "\x65\x88\x84\x21\x22",
      0, TRUE, FALSE);

  /* A P slice as a single NAL unit; then S and E in one fragment. */
  PUSH (depay, outs, 7, 4600, TRUE, "\x41\x9a\x01");
  PUSH (depay, outs, 8, 8200, TRUE, "\x5c\xc1\x9b\x02");
  g_assert_cmpuint (outs->len, ==, 3);
  ASSERT_OUT (outs, 1, SC "\x41\x9a\x01", 40000000, FALSE, FALSE);
  ASSERT_OUT (outs, 2, SC "\x41\x9b\x02", 80000000, FALSE, FALSE);

  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.packets, ==, 8);
  g_assert_cmpuint (st.skipped_types, ==, 1);
  g_assert_cmpuint (st.aus, ==, 3);
  g_assert_cmpuint (st.bad_packets, ==, 0);
}

/* A two-slice IDR with the parameter sets repeated before its second
 * slice (rtph264pay config-interval=-1 does that): one set of each, in
 * front of the picture, so that parsers downstream see one picture. */
static void
test_h264_sets_between_slices (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  PUSH (depay, outs, 1, 1000, FALSE, "\x67\x42\x00\x1f");
  PUSH (depay, outs, 2, 1000, FALSE, "\x68\xce");
  PUSH (depay, outs, 3, 1000, FALSE, "\x65\x88\x84");
  PUSH (depay, outs, 4, 1000, FALSE, "\x67\x42\x00\x1f");
  PUSH (depay, outs, 5, 1000, FALSE, "\x68\xce");
  PUSH (depay, outs, 6, 1000, TRUE, "\x65\x4a\x21");
  g_assert_cmpuint (outs->len, ==, 1);
  ASSERT_OUT (outs, 0,
      SC "\x67\x42\x00\x1f" SC "\x68\xce" SC "\x65\x88\x84" SC "\x65\x4a\x21",
      0, TRUE, FALSE);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.sets_dropped, ==, 2);
}

/* H.265: single, AP, FU; PACI skipped and the AU dropped. */
static void
test_h265_packets (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H265, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  /* AP: AUD (35), VPS, SPS, PPS; IDR_W_RADL (19) in FU. */
  PUSH (depay, outs, 10, 0, FALSE,
      "\x60\x01"
      "\x00\x03\x46\x01\x10"
      "\x00\x03\x40\x01\x0c"
      "\x00\x03\x42\x01\x01"
      "\x00\x03\x44\x01\xc1");
  PUSH (depay, outs, 11, 0, FALSE, "\x62\x01\x93\xaf\x01");
  PUSH (depay, outs, 12, 0, TRUE, "\x62\x01\x53\x02");
  /* TRAIL_R (1) single. */
  PUSH (depay, outs, 13, 3600, TRUE, "\x02\x01\xd0\x03");
  g_assert_cmpuint (outs->len, ==, 2);
  ASSERT_OUT (outs, 0,
      SC "\x40\x01\x0c" SC "\x42\x01\x01" SC "\x44\x01\xc1" SC
         "\x26\x01\xaf\x01\x02",
      0, TRUE, FALSE);
  ASSERT_OUT (outs, 1, SC "\x02\x01\xd0\x03", 40000000, FALSE, FALSE);

  /* PACI (50): the AU it belongs to is lost, and the next delta frame. */
  PUSH (depay, outs, 14, 7200, FALSE, "\x64\x01\x00\x00");
  PUSH (depay, outs, 15, 7200, TRUE, "\x02\x01\xd0\x04");
  PUSH (depay, outs, 16, 10800, TRUE, "\x02\x01\xd0\x05");
  /* Unspecified (55) ignored. */
  PUSH (depay, outs, 17, 14400, FALSE, "\x6e\x01\x00");
  PUSH (depay, outs, 18, 14400, TRUE, "\x28\x01\xaf\x06"); /* IDR_N_LP */
  g_assert_cmpuint (outs->len, ==, 3);
  ASSERT_OUT (outs, 2,
      SC "\x40\x01\x0c" SC "\x42\x01\x01" SC "\x44\x01\xc1" SC
         "\x28\x01\xaf\x06",
      160000000, TRUE, TRUE);

  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.skipped_types, ==, 2);
  g_assert_cmpuint (st.aus_dropped, ==, 2);
  g_assert_cmpuint (st.sets_inserted, ==, 1);

  /* TID 0 is forbidden; truncated FU and AP. */
  {
    g_autoptr (GBytes) a = rtp (19, 18000, TRUE, "\x02\x00\xd0", 3);
    g_autoptr (GBytes) b = rtp (20, 18000, TRUE, "\x62\x01", 2);
    g_autoptr (GBytes) c = rtp (21, 18000, TRUE, "\x60\x01\x00\x09\x02", 5);

    g_assert_false (push_bytes (depay, a, outs));
    g_assert_false (push_bytes (depay, b, outs));
    g_assert_false (push_bytes (depay, c, outs));
  }
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.bad_packets, ==, 3);
  g_assert_cmpuint (outs->len, ==, 3);
}

/* When decoding restarts at a CRA, its RASL pictures refer to pictures
 * before it: they are dropped, as a decoder would; not in the middle of a
 * stream. */
static void
test_h265_rasl (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H265, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  PUSH (depay, outs, 1, 0, TRUE, "\x2a\x01\xaf\x01");     /* CRA */
  PUSH (depay, outs, 2, 3600, TRUE, "\x10\x01\xd0\x02");  /* RASL_N */
  PUSH (depay, outs, 3, 7200, TRUE, "\x12\x01\xd0\x03");  /* RASL_R */
  PUSH (depay, outs, 4, 10800, TRUE, "\x02\x01\xd0\x04"); /* TRAIL_R */
  PUSH (depay, outs, 5, 14400, TRUE, "\x2a\x01\xaf\x05"); /* CRA */
  PUSH (depay, outs, 6, 18000, TRUE, "\x10\x01\xd0\x06"); /* RASL_N */
  /* seq 7 lost */
  PUSH (depay, outs, 8, 25200, TRUE, "\x2a\x01\xaf\x08");  /* CRA */
  PUSH (depay, outs, 9, 28800, TRUE, "\x10\x01\xd0\x09");  /* RASL_N */
  PUSH (depay, outs, 10, 32400, TRUE, "\x02\x01\xd0\x0a"); /* TRAIL_R */
  g_assert_cmpuint (outs->len, ==, 6);
  ASSERT_OUT (outs, 0, SC "\x2a\x01\xaf\x01", 0, TRUE, FALSE);
  ASSERT_OUT (outs, 1, SC "\x02\x01\xd0\x04", 120000000, FALSE, FALSE);
  ASSERT_OUT (outs, 2, SC "\x2a\x01\xaf\x05", 160000000, TRUE, FALSE);
  ASSERT_OUT (outs, 3, SC "\x10\x01\xd0\x06", 200000000, FALSE, FALSE);
  ASSERT_OUT (outs, 4, SC "\x2a\x01\xaf\x08", 280000000, TRUE, TRUE);
  ASSERT_OUT (outs, 5, SC "\x02\x01\xd0\x0a", 360000000, FALSE, FALSE);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.aus_dropped, ==, 3);
}

/* STAP-B, MTAP16/24, FU-B: interleaved mode, refused with a counter; the
 * AU is lost. */
static void
test_h264_unsupported (void)
{
  static const char *const kinds[] = {"\x19\x00\x01\x00\x02\x41\x9a",
      "\x1a\x00\x01\x00\x02\x41\x9a", "\x1b\x00\x01\x00\x02\x41\x9a",
      "\x1d\x81\x00\x01\x9a\x00\x00"};

  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++) {
    g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
    g_autoptr (GArray) outs = outs_new ();
    g_autoptr (GBytes) odd = rtp (2, 0, TRUE, kinds[k], 7);
    CeDepayStats st;

    PUSH (depay, outs, 1, 0, FALSE, "\x65\x88\x01");
    g_assert_true (push_bytes (depay, odd, outs));
    PUSH (depay, outs, 3, 3600, TRUE, "\x41\x9a\x02");
    PUSH (depay, outs, 4, 7200, TRUE, "\x65\x88\x03");
    g_assert_cmpuint (outs->len, ==, 1);
    ASSERT_OUT (outs, 0, SC "\x65\x88\x03", 80000000, TRUE, TRUE);
    ce_depay_get_stats (depay, &st);
    g_assert_cmpuint (st.skipped_types, ==, 1);
    g_assert_cmpuint (st.aus_dropped, ==, 2);
  }
}

/* ---- Sequence and timing ------------------------------------------------- */

static GPtrArray *
long_gop_aus (CeCodec codec, const char *file, guint gops, guint gop_len)
{
  /* The test streams alternate keyframe and delta frame: repeat the delta
   * frame to make longer GOPs. */
  g_autoptr (GPtrArray) base = stream_aus (codec, file, 1);
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint g = 0; g < gops; g++) {
    g_ptr_array_add (aus, g_bytes_ref (base->pdata[(g % 2) * 2]));
    for (guint i = 1; i < gop_len; i++)
      g_ptr_array_add (aus, g_bytes_ref (base->pdata[(g % 2) * 2 + 1]));
  }
  return aus;
}

/* Returns the index of the first packet of AU @au in @packets, given
 * their timestamps. */
static guint
first_packet_of (GPtrArray *packets, guint au)
{
  for (guint i = 0; i < packets->len; i++) {
    const guint8 *p = g_bytes_get_data (packets->pdata[i], NULL);
    guint32 ts = ((guint32) p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7];

    if (ts == TS_BASE + au * TS_STEP)
      return i;
  }
  g_assert_not_reached ();
}

typedef enum
{
  GAP_MIDDLE_OF_DELTA, /* one packet inside AU 3 */
  GAP_MIDDLE_OF_KEY,   /* one packet inside AU 0's IDR slice */
  GAP_WHOLE_AU,        /* all of AU 2 */
  GAP_KEY_HEAD,        /* AUD, SPS and PPS packets of the AU 5 keyframe */
  GAP_REORDER,         /* two packets of AU 3 swapped */
  GAP_DUPLICATE,       /* a packet of AU 3 twice: harmless */
} GapKind;

/* The NAL units of @au of the given types, in order, in Annex B. */
static void
append_nals (GByteArray *out, GBytes *au, int type_a, int type_b)
{
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (au, &size);
  CeNal nal;

  while (ce_nal_next (CE_CODEC_H264, data, size, &offset, &nal)) {
    if ((int) nal.type == type_a || (int) nal.type == type_b) {
      g_byte_array_append (out, start_code, 4);
      g_byte_array_append (out, nal.data, nal.size);
    }
  }
}

/* AUs 0, 5 and 10 are keyframes (AUD, SPS, PPS, SEI, IDR in pieces), the
 * others delta frames (AUD, slice in pieces). */
static void
test_gap (gconstpointer data)
{
  GapKind kind = GPOINTER_TO_INT (data);
  g_autoptr (GPtrArray) aus =
      long_gop_aus (CE_CODEC_H264, "320x240-high.h264", 3, 5);
  Packer pk = {CE_CODEC_H264, 500, FALSE, FALSE, FALSE, FALSE, 96, 7, 100};
  g_autoptr (GPtrArray) packets = pack_stream (&pk, aus);
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  /* AUs delivered before the gap; the AU delivered next; dropped. */
  guint before = aus->len, resume = aus->len, dropped = 0;
  guint64 lost = 0;
  CeDepayStats st;
  guint p;

  switch (kind) {
    case GAP_MIDDLE_OF_DELTA:
      g_ptr_array_remove_index (packets, first_packet_of (packets, 3) + 1);
      before = 3, resume = 5, dropped = 2, lost = 1;
      break;
    case GAP_MIDDLE_OF_KEY:
      g_ptr_array_remove_index (packets, first_packet_of (packets, 1) - 2);
      before = 0, resume = 5, dropped = 5, lost = 1;
      break;
    case GAP_WHOLE_AU:
      p = first_packet_of (packets, 2);
      while (first_packet_of (packets, 3) != p)
        g_ptr_array_remove_index (packets, p), lost++;
      before = 2, resume = 5, dropped = 2;
      break;
    case GAP_KEY_HEAD:
      g_ptr_array_remove_range (packets, first_packet_of (packets, 5), 3);
      before = 5, resume = 5, lost = 3;
      break;
    case GAP_REORDER: {
      gpointer tmp;

      p = first_packet_of (packets, 3);
      tmp = packets->pdata[p];
      packets->pdata[p] = packets->pdata[p + 1];
      packets->pdata[p + 1] = tmp;
      before = 3, resume = 5, dropped = 2, lost = 2;
      break;
    }
    case GAP_DUPLICATE:
    default:
      p = first_packet_of (packets, 3);
      g_ptr_array_insert (packets, p + 1, g_bytes_ref (packets->pdata[p]));
      lost = 1;
      break;
  }
  push_all (depay, packets, outs);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.lost, ==, lost);
  g_assert_cmpuint (st.aus_dropped, ==, dropped);
  g_assert_cmpuint (st.bad_packets, ==, 0);
  g_assert_cmpuint (outs->len, ==, before + (aus->len - resume));
  g_assert_cmpuint (st.aus, ==, outs->len);

  assert_outs (CE_CODEC_H264, outs, 0, aus, 0, before);
  for (guint i = 0; i < before; i++)
    g_assert_false (g_array_index (outs, Out, i).discont);
  if (before == aus->len)
    return;

  /* The first AU after the gap is a keyframe, flagged. */
  g_assert_true (g_array_index (outs, Out, before).keyframe);
  g_assert_true (g_array_index (outs, Out, before).discont);
  for (guint i = before + 1; i < outs->len; i++)
    g_assert_false (g_array_index (outs, Out, i).discont);
  if (kind == GAP_KEY_HEAD) {
    /* Without its AUD, SPS and PPS, then the known sets put back in front
     * of the slice, after the SEI. */
    g_autoptr (GByteArray) expected = g_byte_array_new ();
    const Out *o = &g_array_index (outs, Out, 5);

    append_nals (expected, aus->pdata[5], 6, -1);
    append_nals (expected, aus->pdata[5], 7, 8);
    append_nals (expected, aus->pdata[5], 5, -1);
    g_assert_cmpmem (g_bytes_get_data (o->au, NULL), g_bytes_get_size (o->au),
        expected->data, expected->len);
    g_assert_cmpuint (o->pts, ==, 5 * NS_STEP);
    g_assert_cmpuint (st.sets_inserted, ==, 1);
    assert_outs (CE_CODEC_H264, outs, 6, aus, 6, aus->len - 6);
  } else {
    assert_outs (CE_CODEC_H264, outs, before, aus, resume, aus->len - resume);
  }
}

/* Packets lost between AUs: the AU after them is whole only if its first
 * slice is there. */
static void
test_lost_first_slice (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  PUSH (depay, outs, 1, 0, TRUE, "\x65\x88\x00");
  PUSH (depay, outs, 2, 3600, TRUE, "\x41\x9a\x01");
  /* seq 3: the first slice of a two-slice IDR, lost. */
  PUSH (depay, outs, 4, 7200, TRUE, "\x65\x08\x02");
  PUSH (depay, outs, 5, 10800, TRUE, "\x41\x9a\x03");
  /* seq 6: lost, but only an SEI before the IDR's first slice. */
  PUSH (depay, outs, 7, 14400, FALSE, "\x65\x88\x04");
  PUSH (depay, outs, 8, 14400, TRUE, "\x65\x08\x05");
  g_assert_cmpuint (outs->len, ==, 3);
  ASSERT_OUT (outs, 2, SC "\x65\x88\x04" SC "\x65\x08\x05", 160000000, TRUE,
      TRUE);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.aus_dropped, ==, 2);
  g_assert_cmpuint (st.lost, ==, 2);
}

/* Without marker bits, an AU ends when the timestamp changes: the last one
 * waits for the next packet. */
static void
test_no_marker (void)
{
  g_autoptr (GPtrArray) aus = stream_aus (CE_CODEC_H265, "320x240.h265", 2);
  Packer pk = {CE_CODEC_H265, 1000, FALSE, TRUE, FALSE, TRUE, 96, 1, 0};
  g_autoptr (GPtrArray) packets = pack_stream (&pk, aus);
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H265, 90000);
  g_autoptr (GArray) outs = outs_new ();

  push_all (depay, packets, outs);
  g_assert_cmpuint (outs->len, ==, aus->len - 1);
  assert_outs (CE_CODEC_H265, outs, 0, aus, 0, aus->len - 1);
}

/* Parameter sets sent with a marker bit of their own, or stamped apart,
 * lead the next access unit. */
static void
test_sets_apart (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();

  PUSH (depay, outs, 1, 500, TRUE, "\x67\x42\x00\x1f");
  PUSH (depay, outs, 2, 700, TRUE, "\x68\xce");
  PUSH (depay, outs, 3, 900, TRUE, "\x09\xf0"); /* AUD alone */
  PUSH (depay, outs, 4, 900, TRUE, "\x65\x88\x01");
  g_assert_cmpuint (outs->len, ==, 1);
  ASSERT_OUT (outs, 0, SC "\x67\x42\x00\x1f" SC "\x68\xce" SC "\x65\x88\x01",
      400 * G_GUINT64_CONSTANT (1000000000) / 90000, TRUE, FALSE);
}

/* Delta frames before the first keyframe are dropped; the first AU
 * delivered is not a discontinuity. */
static void
test_wait_keyframe (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  PUSH (depay, outs, 1, 0, FALSE, "\x7c\x01\x9a"); /* FU without start */
  PUSH (depay, outs, 2, 0, TRUE, "\x7c\x41\x9b");
  PUSH (depay, outs, 3, 3600, TRUE, "\x41\x9a\x01");
  PUSH (depay, outs, 4, 7200, TRUE, "\x65\x88\x02");
  PUSH (depay, outs, 5, 10800, TRUE, "\x41\x9a\x03");
  g_assert_cmpuint (outs->len, ==, 2);
  /* The FU without a start is damage: the keyframe is flagged. */
  ASSERT_OUT (outs, 0, SC "\x65\x88\x02", 80000000, TRUE, TRUE);
  ASSERT_OUT (outs, 1, SC "\x41\x9a\x03", 120000000, FALSE, FALSE);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.aus_dropped, ==, 2);

  {
    g_autoptr (CeDepay) d2 = ce_depay_new (CE_CODEC_H264, 90000);
    g_autoptr (GArray) o2 = outs_new ();

    PUSH (d2, o2, 9, 0, TRUE, "\x41\x9a\x01");
    PUSH (d2, o2, 10, 3600, TRUE, "\x65\x88\x02");
    g_assert_cmpuint (o2->len, ==, 1);
    ASSERT_OUT (o2, 0, SC "\x65\x88\x02", 40000000, TRUE, FALSE);
  }
}

/* FU errors: a start while another is open, an end missing at the marker,
 * a type change inside; each loses the AU. */
static void
test_fu_errors (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  CeDepayStats st;

  PUSH (depay, outs, 1, 0, TRUE, "\x65\x88\x00");
  PUSH (depay, outs, 2, 3600, FALSE, "\x7c\x85\x01");
  PUSH (depay, outs, 3, 3600, TRUE, "\x7c\x85\x02"); /* second start */
  PUSH (depay, outs, 4, 7200, TRUE, "\x7c\x85\x03"); /* no end */
  PUSH (depay, outs, 5, 10800, FALSE, "\x7c\x85\x04");
  PUSH (depay, outs, 6, 10800, TRUE, "\x7c\x41\x05"); /* type change */
  PUSH (depay, outs, 7, 14400, TRUE, "\x65\x88\x06");
  g_assert_cmpuint (outs->len, ==, 2);
  ASSERT_OUT (outs, 0, SC "\x65\x88\x00", 0, TRUE, FALSE);
  ASSERT_OUT (outs, 1, SC "\x65\x88\x06", 160000000, TRUE, TRUE);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.aus_dropped, ==, 3);
  g_assert_cmpuint (st.bad_packets, ==, 0);
}

/* A sender restart (new SSRC, new timestamps) and a clock jump: the
 * timeline goes on, one frame later. */
static void
test_timeline (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  guint8 pkt[15];

  PUSH (depay, outs, 1, 0xfffffe00u, TRUE, "\x65\x88\x00");
  PUSH (depay, outs, 2, 0xfffffe00u + 3600, TRUE, "\x41\x9a\x01");
  /* Clock jumps 1 hour ahead. */
  PUSH (depay, outs, 3, 3400 + 90000 * 3600, TRUE, "\x41\x9a\x02");
  PUSH (depay, outs, 4, 7000 + 90000 * 3600, TRUE, "\x41\x9a\x03");
  /* B-frame order: back by one frame is real. */
  PUSH (depay, outs, 5, 3400 + 90000 * 3600, TRUE, "\x41\x9a\x04");
  /* New SSRC: waits for a keyframe; continues one frame after. */
  ce_rtp_write_header (pkt, TRUE, 96, 5000, 77, 0x55);
  memcpy (pkt + 12, "\x65\x88\x05", 3);
  g_assert_true (ce_depay_push (depay, pkt, sizeof pkt, collect, outs));
  g_assert_cmpuint (outs->len, ==, 6);
  ASSERT_OUT (outs, 0, SC "\x65\x88\x00", 0, TRUE, FALSE);
  ASSERT_OUT (outs, 1, SC "\x41\x9a\x01", 40000000, FALSE, FALSE);
  ASSERT_OUT (outs, 2, SC "\x41\x9a\x02", 80000000, FALSE, FALSE);
  ASSERT_OUT (outs, 3, SC "\x41\x9a\x03", 120000000, FALSE, FALSE);
  ASSERT_OUT (outs, 4, SC "\x41\x9a\x04", 80000000, FALSE, FALSE);
  ASSERT_OUT (outs, 5, SC "\x65\x88\x05", 120000000, TRUE, TRUE);

  /* Before the first packet: clamped to 0. */
  {
    g_autoptr (CeDepay) d2 = ce_depay_new (CE_CODEC_H264, 90000);
    g_autoptr (GArray) o2 = outs_new ();

    PUSH (d2, o2, 1, 9000, TRUE, "\x65\x88\x00");
    PUSH (d2, o2, 2, 5400, TRUE, "\x41\x9a\x01");
    ASSERT_OUT (o2, 1, SC "\x41\x9a\x01", 0, FALSE, FALSE);
  }
  /* An odd clock rate: exact nanoseconds. */
  {
    g_autoptr (CeDepay) d3 = ce_depay_new (CE_CODEC_H264, 1000);
    g_autoptr (GArray) o3 = outs_new ();

    PUSH (d3, o3, 1, 0xffffff00u, TRUE, "\x65\x88\x00");
    PUSH (d3, o3, 2, 0x00000100u, TRUE, "\x41\x9a\x01");
    ASSERT_OUT (o3, 1, SC "\x41\x9a\x01", 512 * G_GUINT64_CONSTANT (1000000),
        FALSE, FALSE);
  }
}

/* ---- Headers --------------------------------------------------------------
 */

/* Valid headers with CSRCs, an extension and padding give the same AUs;
 * garbage between packets is refused and changes nothing. */
static void
test_headers (void)
{
  g_autoptr (GPtrArray) aus =
      stream_aus (CE_CODEC_H264, "320x240-main.h264", 2);
  Packer pk = {CE_CODEC_H264, 1200, TRUE, FALSE, FALSE, FALSE, 96, 3, 9};
  g_autoptr (GPtrArray) packets = pack_stream (&pk, aus);
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  guint refused = 0;
  CeDepayStats st;

  for (guint i = 0; i < packets->len; i++) {
    gsize size;
    const guint8 *p = g_bytes_get_data (packets->pdata[i], &size);
    g_autoptr (GByteArray) fancy = g_byte_array_new ();
    guint8 b0;
    static const guint8 csrc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const guint8 ext[12] = {0xbe, 0xde, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
    static const guint8 pad[5] = {0, 0, 0, 0, 5};

    /* Garbage first, every time a different kind. */
    {
      guint8 junk[20] = {0};
      gsize junk_size = sizeof junk;

      memcpy (junk, p, MIN (size, sizeof junk));
      switch (i % 7) {
        case 0:
          junk_size = 11; /* short */
          break;
        case 1:
          junk[0] = 0x40; /* version 1 */
          break;
        case 2:
          junk[0] = 0x8f; /* 15 CSRCs in 20 bytes */
          break;
        case 3:
          junk[0] = 0x90; /* extension header cut */
          junk_size = 14;
          break;
        case 4:
          junk[0] = 0x90; /* extension longer than the packet */
          junk[12] = 0, junk[13] = 0, junk[14] = 0, junk[15] = 9;
          break;
        case 5:
          junk[0] = 0xa0; /* padding 0 */
          junk[19] = 0;
          break;
        case 6:
        default:
          junk[0] = 0xa0; /* padding beyond the payload */
          junk[19] = 9;
          break;
      }
      g_assert_false (ce_depay_push (depay, junk, junk_size, collect, outs));
      refused++;
    }

    b0 = 0x80 | 0x20 | 0x10 | 2; /* padding, extension, 2 CSRCs */
    g_byte_array_append (fancy, &b0, 1);
    g_byte_array_append (fancy, p + 1, 11);
    g_byte_array_append (fancy, csrc, 8);
    g_byte_array_append (fancy, ext, 12);
    g_byte_array_append (fancy, p + 12, size - 12);
    g_byte_array_append (fancy, pad, 5);
    g_assert_true (
        ce_depay_push (depay, fancy->data, fancy->len, collect, outs));
  }
  g_assert_cmpuint (outs->len, ==, aus->len);
  assert_outs (CE_CODEC_H264, outs, 0, aus, 0, aus->len);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.bad_packets, ==, refused);
  g_assert_cmpuint (st.packets, ==, packets->len);
  g_assert_cmpuint (st.lost, ==, 0);

  /* Only padding: valid, empty. */
  {
    guint8 only_pad[16];

    ce_rtp_write_header (only_pad, FALSE, 96, pk.seq, 0, 3);
    only_pad[0] |= 0x20;
    only_pad[15] = 4;
    g_assert_true (ce_depay_push (depay, only_pad, 16, collect, outs));
  }
}

/* ---- Parameter sets --------------------------------------------------------
 */

/* An IDR without in-band SPS/PPS gets the SDP's sets; in-band sets replace
 * the SDP's for the keyframes after. */
static void
test_sdp_sets (void)
{
  g_autoptr (GBytes) ps = ce_test_load ("h264", "ps-1280x720-high.h264");
  CeVideoParams params = {CE_CODEC_H264};
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  g_autoptr (GBytes) sps_sc = NULL;
  g_autoptr (GBytes) bogus = g_bytes_new ("\x41\x9a", 2);
  g_autoptr (GByteArray) expected = g_byte_array_new ();
  CeDepayStats st;

  g_assert_true (ce_video_params_update (&params, g_bytes_get_data (ps, NULL),
      g_bytes_get_size (ps)));
  /* With a start code, as some cameras encode it; the PPS passed as the
   * VPS (filed by type); a slice refused. */
  {
    g_autoptr (GByteArray) b = g_byte_array_new ();

    g_byte_array_append (b, start_code, 4);
    g_byte_array_append (b, g_bytes_get_data (params.sps, NULL),
        g_bytes_get_size (params.sps));
    sps_sc = g_byte_array_free_to_bytes (g_steal_pointer (&b));
  }
  ce_depay_set_parameter_sets (depay, params.pps, sps_sc, bogus);

  PUSH (depay, outs, 1, 0, FALSE, "\x06\x05\x01"); /* SEI first */
  PUSH (depay, outs, 2, 0, TRUE, "\x65\x88\x01");
  g_byte_array_append (expected, (const guint8 *) SC "\x06\x05\x01", 7);
  g_byte_array_append (expected, start_code, 4);
  g_byte_array_append (expected, g_bytes_get_data (params.sps, NULL),
      g_bytes_get_size (params.sps));
  g_byte_array_append (expected, start_code, 4);
  g_byte_array_append (expected, g_bytes_get_data (params.pps, NULL),
      g_bytes_get_size (params.pps));
  g_byte_array_append (expected, (const guint8 *) SC "\x65\x88\x01", 7);
  assert_out (outs, 0, (const char *) expected->data, expected->len, 0, TRUE,
      FALSE);

  /* In-band sets; then a keyframe without. */
  PUSH (depay, outs, 3, 3600, FALSE, "\x67\x4d\x00\x1e");
  PUSH (depay, outs, 4, 3600, FALSE, "\x68\xee");
  PUSH (depay, outs, 5, 3600, TRUE, "\x65\x88\x02");
  PUSH (depay, outs, 6, 7200, TRUE, "\x65\x88\x03");
  ASSERT_OUT (outs, 1, SC "\x67\x4d\x00\x1e" SC "\x68\xee" SC "\x65\x88\x02",
      40000000, TRUE, FALSE);
  ASSERT_OUT (outs, 2, SC "\x67\x4d\x00\x1e" SC "\x68\xee" SC "\x65\x88\x03",
      80000000, TRUE, FALSE);

  /* Only a new PPS in-band: all the sets go in front, SPS first. */
  PUSH (depay, outs, 7, 10800, FALSE, "\x68\xef");
  PUSH (depay, outs, 8, 10800, TRUE, "\x65\x88\x04");
  ASSERT_OUT (outs, 3,
      SC "\x68\xef" SC "\x67\x4d\x00\x1e" SC "\x68\xef" SC "\x65\x88\x04",
      120000000, TRUE, FALSE);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.sets_inserted, ==, 3);

  /* No sets known at all: delivered as it is. */
  {
    g_autoptr (CeDepay) d2 = ce_depay_new (CE_CODEC_H264, 90000);
    g_autoptr (GArray) o2 = outs_new ();

    PUSH (d2, o2, 1, 0, TRUE, "\x65\x88\x01");
    ASSERT_OUT (o2, 0, SC "\x65\x88\x01", 0, TRUE, FALSE);
  }
  ce_video_params_clear (&params);
}

/* ---- Bounds ----------------------------------------------------------------
 */

static void
test_too_large (void)
{
  g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
  g_autoptr (GArray) outs = outs_new ();
  gsize frag = 1400;
  g_autofree guint8 *pkt = g_malloc0 (12 + 2 + frag);
  guint16 seq = 0;
  CeDepayStats st;

  PUSH (depay, outs, seq++, 0, TRUE, "\x65\x88\x00");
  /* A 9 MB IDR slice. */
  memset (pkt + 14, 0xab, frag);
  for (gsize sent = 0; sent < 9 * 1024 * 1024; sent += frag) {
    gboolean last = sent + frag >= 9 * 1024 * 1024;

    ce_rtp_write_header (pkt, last, 96, seq++, 3600, 0xabcdef);
    pkt[12] = 0x7c;
    pkt[13] = (sent == 0 ? 0x80 : 0) | (last ? 0x40 : 0) | 5;
    g_assert_true (ce_depay_push (depay, pkt, 14 + frag, collect, outs));
  }
  PUSH (depay, outs, seq++, 7200, TRUE, "\x41\x9a\x01");
  PUSH (depay, outs, seq++, 10800, TRUE, "\x65\x88\x02");
  g_assert_cmpuint (outs->len, ==, 2);
  ASSERT_OUT (outs, 1, SC "\x65\x88\x02", 120000000, TRUE, TRUE);
  ce_depay_get_stats (depay, &st);
  g_assert_cmpuint (st.aus_dropped, ==, 2);
}

/* ---- Throughput ------------------------------------------------------------
 */

/* A 720p camera at 2 Mb/s: 25 frames/s, a 45 kB IDR every 2 s and 9 kB
 * delta frames (1.94 Mb/s), 1400-byte payloads. */
static void
test_perf (void)
{
  const guint seconds = 60, fps = 25, gop = 50;
  GPtrArray *aus =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  Packer pk = {CE_CODEC_H264, CE_RTP_DEFAULT_MTU, TRUE, FALSE, FALSE, FALSE, 96,
      1, 0};
  g_autoptr (GPtrArray) packets = NULL;
  GRand *rand = g_rand_new_with_seed (42);
  double best = G_MAXDOUBLE;
  guint64 payload = 0;

  for (guint i = 0; i < seconds * fps; i++) {
    gboolean key = i % gop == 0;
    gsize size = key ? 45000 : 9000;
    GByteArray *au = g_byte_array_new ();
    guint8 *slice;

    if (key) {
      g_byte_array_append (au, (const guint8 *) SC "\x67\x64\x00\x1f\xac", 9);
      g_byte_array_append (au, (const guint8 *) SC "\x68\xeb\xec", 7);
    }
    g_byte_array_append (au, start_code, 4);
    g_byte_array_set_size (au, au->len + size);
    slice = au->data + au->len - size;
    slice[0] = key ? 0x65 : 0x41;
    slice[1] = 0x88;
    for (gsize b = 2; b < size; b++)
      slice[b] = 1 + g_rand_int_range (rand, 0, 255);
    g_ptr_array_add (aus, g_byte_array_free_to_bytes (au));
  }
  g_rand_free (rand);
  packets = pack_stream (&pk, aus);
  for (guint i = 0; i < packets->len; i++)
    payload += g_bytes_get_size (packets->pdata[i]);

  for (guint pass = 0; pass < 5; pass++) {
    g_autoptr (CeDepay) depay = ce_depay_new (CE_CODEC_H264, 90000);
    CeDepayStats st;
    double t;

    g_test_timer_start ();
    for (guint i = 0; i < packets->len; i++) {
      gsize size;
      const guint8 *p = g_bytes_get_data (packets->pdata[i], &size);

      ce_depay_push (depay, p, size, NULL, NULL);
    }
    t = g_test_timer_elapsed ();
    best = MIN (best, t);
    ce_depay_get_stats (depay, &st);
    g_assert_cmpuint (st.aus, ==, aus->len);
  }
  g_test_minimized_result (best,
      "%u packets (%.1f s of a %.2f Mb/s stream) in %.2f ms: %.0f packets/s, "
      "%.0f MB/s, one camera = %.4f%% of a core",
      packets->len, (double) seconds, payload * 8.0 / seconds / 1e6, best * 1e3,
      packets->len / best, payload / best / 1e6, 100.0 * best / seconds);
  g_ptr_array_unref (aus);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (roundtrips); i++) {
    const RoundTrip *rt = &roundtrips[i];
    g_autofree char *path =
        g_strdup_printf ("/depay/roundtrip/%s/%s-%s%s-%" G_GSIZE_FORMAT,
            ce_codec_to_string (rt->codec), rt->file,
            rt->ours            ? "ce-rtp"
                : rt->aggregate ? "aggregate"
                                : "single",
            rt->donl ? "-donl" : "", rt->mtu);

    g_test_add_data_func (path, rt, test_roundtrip);
  }
  g_test_add_func ("/depay/h264/packets", test_h264_packets);
  g_test_add_func ("/depay/h264/sets-between-slices",
      test_h264_sets_between_slices);
  g_test_add_func ("/depay/h264/unsupported", test_h264_unsupported);
  g_test_add_func ("/depay/h265/packets", test_h265_packets);
  g_test_add_func ("/depay/h265/rasl", test_h265_rasl);
  g_test_add_data_func ("/depay/gap/middle-of-delta",
      GINT_TO_POINTER (GAP_MIDDLE_OF_DELTA), test_gap);
  g_test_add_data_func ("/depay/gap/middle-of-key",
      GINT_TO_POINTER (GAP_MIDDLE_OF_KEY), test_gap);
  g_test_add_data_func ("/depay/gap/whole-au", GINT_TO_POINTER (GAP_WHOLE_AU),
      test_gap);
  g_test_add_data_func ("/depay/gap/key-head", GINT_TO_POINTER (GAP_KEY_HEAD),
      test_gap);
  g_test_add_data_func ("/depay/gap/reorder", GINT_TO_POINTER (GAP_REORDER),
      test_gap);
  g_test_add_data_func ("/depay/gap/duplicate", GINT_TO_POINTER (GAP_DUPLICATE),
      test_gap);
  g_test_add_func ("/depay/gap/lost-first-slice", test_lost_first_slice);
  g_test_add_func ("/depay/no-marker", test_no_marker);
  g_test_add_func ("/depay/sets-apart", test_sets_apart);
  g_test_add_func ("/depay/wait-keyframe", test_wait_keyframe);
  g_test_add_func ("/depay/fu-errors", test_fu_errors);
  g_test_add_func ("/depay/timeline", test_timeline);
  g_test_add_func ("/depay/headers", test_headers);
  g_test_add_func ("/depay/sdp-sets", test_sdp_sets);
  g_test_add_func ("/depay/too-large", test_too_large);
  if (g_test_perf ())
    g_test_add_func ("/depay/perf", test_perf);
  return g_test_run ();
}
