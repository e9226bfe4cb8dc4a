/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Reading the gateway's fMP4 in tests.
 */
#include "fmp4-check.h"

#include <string.h>

guint32
fmp4_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) |
      ((guint32) p[2] << 8) | p[3];
}

const guint8 *
fmp4_find_box (const guint8 *p, gsize len, const char *type, gsize *box_len)
{
  while (len >= 8) {
    guint32 size = fmp4_be32 (p);

    if (size < 8 || size > len)
      return NULL;
    if (memcmp (p + 4, type, 4) == 0) {
      *box_len = size;
      return p;
    }
    p += size;
    len -= size;
  }
  return NULL;
}

gboolean
fmp4_is_init (const guint8 *p, gsize len)
{
  return len >= 8 && memcmp (p + 4, "ftyp", 4) == 0;
}

gboolean
fmp4_parse_fragment (const guint8 *data, gsize len, Fmp4Fragment *f)
{
  const guint8 *moof, *mfhd, *traf, *tfdt, *trun, *p, *end;
  gsize moof_len, l, traf_len, trun_len;
  guint32 flags, n;

  memset (f, 0, sizeof (*f));
  moof = fmp4_find_box (data, len, "moof", &moof_len);
  if (moof == NULL || moof != data)
    return FALSE;
  if ((mfhd = fmp4_find_box (moof + 8, moof_len - 8, "mfhd", &l)) == NULL ||
      l < 16)
    return FALSE;
  f->sequence = fmp4_be32 (mfhd + 12);
  if ((traf = fmp4_find_box (moof + 8, moof_len - 8, "traf", &traf_len)) ==
          NULL ||
      (tfdt = fmp4_find_box (traf + 8, traf_len - 8, "tfdt", &l)) == NULL ||
      (trun = fmp4_find_box (traf + 8, traf_len - 8, "trun", &trun_len)) ==
          NULL)
    return FALSE;
  if (l < 16 || (tfdt[8] == 1 && l < 20) || trun_len < 16)
    return FALSE;
  f->decode_time = tfdt[8] == 1
      ? ((guint64) fmp4_be32 (tfdt + 12) << 32) | fmp4_be32 (tfdt + 16)
      : fmp4_be32 (tfdt + 12);
  flags = fmp4_be32 (trun + 8) & 0xffffff;
  n = fmp4_be32 (trun + 12);
  p = trun + 16;
  end = trun + trun_len;
  /* Without first-sample or per-sample flags the fragment says nothing
   * of its keyframes: not what the gateway writes. */
  if (!(flags & 0x4) && !(flags & 0x400))
    return FALSE;
  if (flags & 0x1)
    p += 4;
  if (flags & 0x4) {
    if (p + 4 > end)
      return FALSE;
    f->keyframe = !(fmp4_be32 (p) & 0x10000);
    p += 4;
  }
  for (guint32 i = 0; i < n; i++) {
    if (flags & 0x100) {
      if (p + 4 > end)
        return FALSE;
      f->duration += fmp4_be32 (p), p += 4;
    }
    if (flags & 0x200)
      p += 4;
    if (flags & 0x400) {
      if (p + 4 > end)
        return FALSE;
      /* Not a non-sync sample, and depends on no other (I picture). */
      if (i == 0 && !(flags & 0x4))
        f->keyframe =
            !(fmp4_be32 (p) & 0x10000) && (fmp4_be32 (p) >> 24 & 3) == 2;
      p += 4;
    }
    if (flags & 0x800)
      p += 4;
  }
  return fmp4_find_box (data + moof_len, len - moof_len, "mdat", &l) != NULL;
}

void
fmp4_stream_codec (Fmp4Stream *s)
{
  s->codecs++;
  s->expect_init = TRUE;
}

/* One fragment of a message, counted. */
static gboolean
stream_fragment (Fmp4Stream *s, const guint8 *data, gsize len, Fmp4Fragment *f)
{
  if (!fmp4_parse_fragment (data, len, f))
    return FALSE;
  if (s->inits == 0 || s->expect_init)
    s->order_errors++;
  if (s->expect_key && !f->keyframe)
    s->order_errors++;
  s->expect_key = FALSE;
  if (s->have_prev && f->decode_time != s->next_decode_time)
    s->gaps++;
  s->have_prev = TRUE;
  s->next_decode_time = f->decode_time + f->duration;
  s->fragments++;
  if (f->keyframe)
    s->keyframes++;
  return TRUE;
}

gsize
fmp4_fragment_size (const guint8 *data, gsize len)
{
  gsize moof_len, mdat_len;

  if (fmp4_find_box (data, len, "moof", &moof_len) != data ||
      fmp4_find_box (data + moof_len, len - moof_len, "mdat", &mdat_len) !=
          data + moof_len)
    return 0;
  return moof_len + mdat_len;
}

gboolean
fmp4_stream_push (Fmp4Stream *s, const guint8 *data, gsize len, Fmp4Fragment *f)
{
  Fmp4Fragment local, next;
  gsize size;

  if (f == NULL)
    f = &local;
  if (fmp4_is_init (data, len)) {
    memset (f, 0, sizeof (*f));
    if (!s->expect_init)
      s->order_errors++;
    s->expect_init = FALSE;
    s->expect_key = TRUE;
    s->inits++;
    /* A new timeline may start with a new init segment. */
    s->have_prev = FALSE;
    return TRUE;
  }
  /* One fragment, or several back to back (a burst joined in one
   * message): each whole. */
  if ((size = fmp4_fragment_size (data, len)) == 0 ||
      !stream_fragment (s, data, size, f))
    return FALSE;
  s->messages_multi += size < len;
  for (data += size, len -= size; len > 0; data += size, len -= size)
    if ((size = fmp4_fragment_size (data, len)) == 0 ||
        !stream_fragment (s, data, size, &next))
      return FALSE;
  return TRUE;
}
