/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Reading what the gateway's fMP4 writer sends, for the tests of browser
 * delivery: boxes, init segments and moof+mdat fragments (decode time,
 * duration, whether the first sample is a sync sample).  Pure GLib.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A 32-bit big-endian number at @p. */
guint32 fmp4_be32 (const guint8 *p);

/* The box @type among the boxes in [@p, @p + @len) (its size in
 * @box_len), NULL when absent or when a box size is out of bounds. */
const guint8 *fmp4_find_box (const guint8 *p, gsize len, const char *type,
    gsize *box_len);

/* Whether @p starts with an ftyp box (an init segment). */
gboolean fmp4_is_init (const guint8 *p, gsize len);

typedef struct
{
  guint32 sequence;
  guint64 decode_time;
  guint32 duration;  /* of all samples */
  gboolean keyframe; /* the first sample is a sync sample */
} Fmp4Fragment;

/* moof(mfhd, traf(tfhd, tfdt, trun)) + mdat, as the gateway writes it;
 * the sample flags of trun (first-sample or per-sample) say whether the
 * first sample is a sync sample.  FALSE when @data is not such a
 * fragment. */
gboolean fmp4_parse_fragment (const guint8 *data, gsize len, Fmp4Fragment *f);

/* The size of the moof+mdat fragment at @data, 0 when @data does not
 * start with one that fits in @len. */
gsize fmp4_fragment_size (const guint8 *data, gsize len);

/* What an MSE page relies on in one stream of codec messages, init
 * segments and fragments: a codec message before each init segment, an
 * init segment before any fragment, a keyframe first after each init
 * segment, and fragments that follow each other without a hole in the
 * decode timeline (a new init segment may start a new one).  Zero it to
 * start. */
typedef struct
{
  guint codecs;         /* codec messages */
  guint inits;          /* init segments */
  guint fragments;      /* fragments */
  guint keyframes;      /* fragments that begin with a sync sample */
  guint gaps;           /* fragments not starting where the last one ended */
  guint order_errors;   /* any other rule above broken */
  guint messages_multi; /* messages that held several fragments */

  /* private */
  gboolean expect_init, expect_key, have_prev;
  guint64 next_decode_time;
} Fmp4Stream;

/* A codec message came: an init segment is due. */
void fmp4_stream_codec (Fmp4Stream *s);

/* An init segment, or one or more whole fragments back to back (the
 * first in @f, nullable), came and is counted; FALSE when @data is
 * neither. */
gboolean fmp4_stream_push (Fmp4Stream *s, const guint8 *data, gsize len,
    Fmp4Fragment *f);

G_END_DECLS
