/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The fMP4 reader of the browser-delivery tests on fragments built by
 * hand: what it reads, that a cut or damaged one is refused rather than
 * read past its end, and the order rules of Fmp4Stream.
 */
#include "fmp4-check.h"

#include <string.h>

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 p[4] = {v >> 24, v >> 16, v >> 8, v};

  g_byte_array_append (b, p, 4);
}

/* Starts a box: its size is patched by box_end. */
static guint
box_begin (GByteArray *b, const char *type)
{
  guint at = b->len;

  put32 (b, 0);
  g_byte_array_append (b, (const guint8 *) type, 4);
  return at;
}

static void
box_end (GByteArray *b, guint at)
{
  guint32 size = b->len - at;

  b->data[at] = size >> 24;
  b->data[at + 1] = size >> 16;
  b->data[at + 2] = size >> 8;
  b->data[at + 3] = size;
}

/* moof(mfhd, traf(tfhd, tfdt v1, trun)) + mdat of two samples of 40 ms
 * (90 kHz) starting at @time; the first sample a sync one when @key,
 * told in the first-sample flags or, with @per_sample, in each
 * sample's. */
static GByteArray *
fragment (guint32 seq, guint64 time, gboolean key, gboolean per_sample)
{
  GByteArray *b = g_byte_array_new ();
  guint moof = box_begin (b, "moof"), box, traf;
  guint32 sync = 0x02000000, non_sync = 0x01010000;

  box = box_begin (b, "mfhd");
  put32 (b, 0);
  put32 (b, seq);
  box_end (b, box);
  traf = box_begin (b, "traf");
  box = box_begin (b, "tfhd");
  put32 (b, 0x020000);
  put32 (b, 1);
  box_end (b, box);
  box = box_begin (b, "tfdt");
  put32 (b, 0x01000000);
  put32 (b, (guint32) (time >> 32));
  put32 (b, (guint32) time);
  box_end (b, box);
  box = box_begin (b, "trun");
  put32 (b, per_sample ? 0x000700 : 0x000304);
  put32 (b, 2);
  if (!per_sample)
    put32 (b, key ? sync : non_sync);
  for (guint i = 0; i < 2; i++) {
    put32 (b, 3600);
    put32 (b, 4);
    if (per_sample)
      put32 (b, i == 0 && key ? sync : non_sync);
  }
  box_end (b, box);
  box_end (b, traf);
  box_end (b, moof);
  box = box_begin (b, "mdat");
  put32 (b, 0x11111111);
  put32 (b, 0x22222222);
  box_end (b, box);
  return b;
}

static GByteArray *
init_segment (void)
{
  GByteArray *b = g_byte_array_new ();
  guint box = box_begin (b, "ftyp");

  g_byte_array_append (b, (const guint8 *) "iso6", 4);
  put32 (b, 0);
  box_end (b, box);
  box = box_begin (b, "moov");
  box_end (b, box);
  return b;
}

static void
test_read (void)
{
  for (int per_sample = 0; per_sample <= 1; per_sample++) {
    g_autoptr (GByteArray) k =
        fragment (7, G_GUINT64_CONSTANT (1) << 33, TRUE, per_sample);
    g_autoptr (GByteArray) d = fragment (8, 90000, FALSE, per_sample);
    Fmp4Fragment f;

    g_assert_true (fmp4_parse_fragment (k->data, k->len, &f));
    g_assert_cmpuint (f.sequence, ==, 7);
    g_assert_cmpuint (f.decode_time, ==, G_GUINT64_CONSTANT (1) << 33);
    g_assert_cmpuint (f.duration, ==, 7200);
    g_assert_true (f.keyframe);
    g_assert_true (fmp4_parse_fragment (d->data, d->len, &f));
    g_assert_cmpuint (f.sequence, ==, 8);
    g_assert_false (f.keyframe);
    g_assert_false (fmp4_is_init (k->data, k->len));
  }
}

/* Every cut of a fragment, and a box size past the end, is refused. */
static void
test_refused (void)
{
  g_autoptr (GByteArray) k = fragment (1, 0, TRUE, TRUE);
  g_autoptr (GByteArray) init = init_segment ();
  Fmp4Fragment f;

  for (guint n = 0; n < k->len; n++) {
    guint8 *cut = g_memdup2 (k->data, n);

    g_assert_false (fmp4_parse_fragment (cut, n, &f));
    g_free (cut);
  }
  k->data[3] += 1; /* moof one byte longer than the data */
  g_assert_false (fmp4_parse_fragment (k->data, k->len, &f));
  g_assert_true (fmp4_is_init (init->data, init->len));
  g_assert_false (fmp4_parse_fragment (init->data, init->len, &f));
}

static void
push (Fmp4Stream *s, GByteArray *b)
{
  g_assert_true (fmp4_stream_push (s, b->data, b->len, NULL));
  g_byte_array_unref (b);
}

static void
test_stream (void)
{
  Fmp4Stream s = {0};
  Fmp4Stream bad = {0};
  guint8 junk[16] = {0};

  /* codec → init → key → the next in time: all well. */
  fmp4_stream_codec (&s);
  push (&s, init_segment ());
  push (&s, fragment (1, 0, TRUE, FALSE));
  push (&s, fragment (2, 7200, FALSE, FALSE));
  g_assert_cmpuint (s.order_errors + s.gaps, ==, 0);
  /* A hole in the timeline. */
  push (&s, fragment (3, 20000, FALSE, FALSE));
  g_assert_cmpuint (s.gaps, ==, 1);
  /* A new init segment may restart the timeline, with a keyframe. */
  fmp4_stream_codec (&s);
  push (&s, init_segment ());
  push (&s, fragment (4, 0, TRUE, TRUE));
  g_assert_cmpuint (s.order_errors, ==, 0);
  g_assert_cmpuint (s.gaps, ==, 1);
  g_assert_cmpuint (s.codecs, ==, 2);
  g_assert_cmpuint (s.inits, ==, 2);
  g_assert_cmpuint (s.fragments, ==, 4);
  g_assert_cmpuint (s.keyframes, ==, 2);
  g_assert_cmpuint (s.messages_multi, ==, 0);
  /* Three fragments joined in one message (a burst), in time. */
  {
    g_autoptr (GByteArray) joined = fragment (5, 7200, FALSE, TRUE);
    g_autoptr (GByteArray) b = fragment (6, 14400, FALSE, TRUE);
    g_autoptr (GByteArray) c = fragment (7, 21600, FALSE, TRUE);

    g_byte_array_append (joined, b->data, b->len);
    g_byte_array_append (joined, c->data, c->len);
    g_assert_true (fmp4_stream_push (&s, joined->data, joined->len, NULL));
    g_assert_cmpuint (s.fragments, ==, 7);
    g_assert_cmpuint (s.messages_multi, ==, 1);
    g_assert_cmpuint (s.gaps + s.order_errors, ==, 1);
    /* A joined message with a cut fragment at its end is refused. */
    g_assert_false (fmp4_stream_push (&s, joined->data, joined->len - 1, NULL));
  }

  /* A fragment before any init segment, an init segment without its
   * codec message, a first fragment that is not a keyframe. */
  push (&bad, fragment (1, 0, TRUE, FALSE));
  g_assert_cmpuint (bad.order_errors, ==, 1);
  push (&bad, init_segment ());
  g_assert_cmpuint (bad.order_errors, ==, 2);
  push (&bad, fragment (2, 7200, FALSE, FALSE));
  g_assert_cmpuint (bad.order_errors, ==, 3);
  g_assert_false (fmp4_stream_push (&bad, junk, sizeof junk, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fmp4-check/read", test_read);
  g_test_add_func ("/fmp4-check/refused", test_refused);
  g_test_add_func ("/fmp4-check/stream", test_stream);
  return g_test_run ();
}
