/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTP H.264/H.265 depacketiser: packets in, Annex B access units out.
 */
#include "ce-depay.h"

#include <string.h>

/* RFC 3550 Appendix A.1: a jump forward of more than MAX_DROPOUT or back
 * by more than MAX_MISORDER sequence numbers is a restarted sender, not
 * loss. */
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100

/* Timestamp jumps larger than these (seconds) between two packets are a
 * restarted camera clock: the timeline continues instead. */
#define MAX_TS_FORWARD_S 60
#define MAX_TS_BACKWARD_S 10

/* Bounds on the allocation made ahead for the next access unit. */
#define MIN_AU_RESERVE 4096
#define MAX_AU_RESERVE (1024 * 1024)

enum
{
  SET_VPS,
  SET_SPS,
  SET_PPS,
  N_SETS,
};

struct _CeDepay
{
  CeCodec codec;
  guint clock_rate;
  guint nal_header; /* 1 (H.264) or 2 (H.265) bytes */
  gboolean donl;    /* H.265 packets carry DONL/DOND */
  GBytes *sets[N_SETS];

  /* Sequence and timestamps. */
  gboolean started;
  guint16 next_seq;
  guint32 ssrc;
  gboolean rebase; /* the next timestamp starts a new clock */
  guint32 last_ts;
  gint64 last_ext; /* extended timestamp of last_ts, 0 for the first */
  gint64 frame_delta;
  gint32 max_forward, max_backward;

  /* The access unit in progress. */
  GByteArray *au;
  gboolean in_au;
  guint32 au_ts;
  gint64 au_ext;
  gboolean au_vcl;       /* holds a slice */
  gboolean au_key;       /* holds an IDR/IRAP slice */
  gboolean au_cra;       /* H.265: the IRAP is a CRA or BLA */
  gboolean au_skip;      /* a delta frame while waiting for a keyframe */
  gboolean au_discard;   /* damaged: drop it, then wait for a keyframe */
  gboolean au_head_lost; /* packets were lost just before it */
  guint au_sets;         /* 1 << SET_* for the sets it holds */

  /* Fragmentation unit in progress. */
  gboolean in_fu;
  gboolean fu_keep; /* its bytes go into the AU */
  guint fu_type;
  gsize fu_start; /* offset of its start code in au */

  gboolean need_keyframe;
  gboolean skip_rasl; /* H.265: decoding restarts at a CRA/BLA */
  gboolean discont;
  CeDepayStats stats;
};

static const guint8 start_code[4] = {0, 0, 0, 1};

CeDepay *
ce_depay_new (CeCodec codec, guint clock_rate)
{
  CeDepay *self;

  g_return_val_if_fail (codec == CE_CODEC_H264 || codec == CE_CODEC_H265, NULL);
  g_return_val_if_fail (clock_rate > 0, NULL);

  self = g_new0 (CeDepay, 1);
  self->codec = codec;
  self->clock_rate = clock_rate;
  self->nal_header = codec == CE_CODEC_H265 ? 2 : 1;
  self->max_forward = (gint32) MIN ((gint64) clock_rate * MAX_TS_FORWARD_S,
      (gint64) G_MAXINT32);
  self->max_backward = (gint32) MIN ((gint64) clock_rate * MAX_TS_BACKWARD_S,
      (gint64) G_MAXINT32);
  self->frame_delta = clock_rate / 25;
  self->au = g_byte_array_sized_new (64 * 1024);
  self->need_keyframe = TRUE;
  return self;
}

void
ce_depay_free (CeDepay *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < N_SETS; i++)
    g_clear_pointer (&self->sets[i], g_bytes_unref);
  g_byte_array_unref (self->au);
  g_free (self);
}

static guint
nal_type (const CeDepay *self, const guint8 *header)
{
  if (self->codec == CE_CODEC_H265)
    return (header[0] >> 1) & 0x3f;
  return header[0] & 0x1f;
}

/* The SET_* slot of a parameter set NAL type, or -1. */
static int
set_index (const CeDepay *self, guint type)
{
  if (self->codec == CE_CODEC_H264)
    return type == 7 ? SET_SPS : type == 8 ? SET_PPS : -1;
  switch (type) {
    case 32:
      return SET_VPS;
    case 33:
      return SET_SPS;
    case 34:
      return SET_PPS;
    default:
      return -1;
  }
}

static gboolean
is_vcl (const CeDepay *self, guint type)
{
  if (self->codec == CE_CODEC_H264)
    return type >= 1 && type <= 5;
  return type < 32;
}

/* AUD and filler data (H.264 9, 12; H.265 35, 38). */
static gboolean
is_dropped (const CeDepay *self, guint type)
{
  if (self->codec == CE_CODEC_H264)
    return type == 9 || type == 12;
  return type == 35 || type == 38;
}

/* Replaces the known set in @slot with @nal when they differ. */
static void
store_set (CeDepay *self, int slot, const guint8 *nal, gsize size)
{
  GBytes *old = self->sets[slot];

  if (old != NULL && g_bytes_get_size (old) == size &&
      memcmp (g_bytes_get_data (old, NULL), nal, size) == 0)
    return;
  g_clear_pointer (&self->sets[slot], g_bytes_unref);
  self->sets[slot] = g_bytes_new (nal, size);
}

void
ce_depay_set_parameter_sets (CeDepay *self, GBytes *vps, GBytes *sps,
    GBytes *pps)
{
  GBytes *given[] = {vps, sps, pps};

  g_return_if_fail (self != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (given); i++) {
    gsize size;
    const guint8 *nal;
    int slot;

    if (given[i] == NULL)
      continue;
    nal = g_bytes_get_data (given[i], &size);
    /* Some cameras base64-encode the start code too. */
    if (size >= 4 && memcmp (nal, start_code, 4) == 0) {
      nal += 4;
      size -= 4;
    } else if (size >= 3 && memcmp (nal, start_code + 1, 3) == 0) {
      nal += 3;
      size -= 3;
    }
    if (size < self->nal_header)
      continue;
    slot = set_index (self, nal_type (self, nal));
    if (slot < 0)
      continue;
    if (nal == g_bytes_get_data (given[i], NULL)) {
      g_clear_pointer (&self->sets[slot], g_bytes_unref);
      self->sets[slot] = g_bytes_ref (given[i]);
    } else {
      store_set (self, slot, nal, size);
    }
  }
}

void
ce_depay_set_max_don_diff (CeDepay *self, guint max_don_diff)
{
  g_return_if_fail (self != NULL);

  self->donl = self->codec == CE_CODEC_H265 && max_don_diff > 0;
}

void
ce_depay_get_stats (const CeDepay *self, CeDepayStats *stats)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}

/* ---- The access unit ----------------------------------------------------- */

/* A malformed payload, an unsupported packet or an AU too large: the AU
 * in progress cannot be decoded, nor anything until the next keyframe. */
static void
damage (CeDepay *self)
{
  self->au_discard = TRUE;
  self->need_keyframe = TRUE;
  self->discont = TRUE;
}

static gboolean
keeping (const CeDepay *self)
{
  return !self->au_discard && !self->au_skip;
}

static void
au_append (CeDepay *self, const guint8 *data, gsize size)
{
  if (self->au_discard)
    return;
  if (G_UNLIKELY (size > CE_DEPAY_MAX_AU_SIZE - self->au->len)) {
    damage (self);
    g_byte_array_set_size (self->au, 0);
    return;
  }
  g_byte_array_append (self->au, data, size);
}

/* Puts the known parameter sets in front of the first slice of a keyframe
 * that lacks some.  All of them go in, in order, even those already
 * present: a PPS is parsed against its SPS, so the SPS must come first. */
static void
insert_sets (CeDepay *self)
{
  guint need = self->codec == CE_CODEC_H265
      ? (1u << SET_VPS) | (1u << SET_SPS) | (1u << SET_PPS)
      : (1u << SET_SPS) | (1u << SET_PPS);
  gboolean useful = FALSE;

  if ((self->au_sets & need) == need)
    return;
  for (guint i = 0; i < N_SETS; i++) {
    if (self->sets[i] != NULL && !(self->au_sets & (1u << i)))
      useful = TRUE;
  }
  if (!useful)
    return;
  for (guint i = 0; i < N_SETS; i++) {
    gsize size;
    const guint8 *nal;

    if (self->sets[i] == NULL)
      continue;
    nal = g_bytes_get_data (self->sets[i], &size);
    au_append (self, start_code, 4);
    au_append (self, nal, size);
    self->au_sets |= 1u << i;
  }
  self->stats.sets_inserted++;
}

/* Whether a slice is the first of its picture: H.264 first_mb_in_slice
 * is 0, H.265 first_slice_segment_in_pic_flag is 1; both are then a
 * leading 1 bit after the NAL header.  @first_byte is that byte, or -1. */
static gboolean
is_first_slice (int first_byte)
{
  return first_byte >= 0 && (first_byte & 0x80) != 0;
}

/* Begins a NAL unit of @type whose header is @header (nal_header bytes)
 * and whose next byte is @first_byte (-1 if none): decides whether it goes
 * into the AU and, if so, appends its start code and header.  Returns
 * whether its bytes are kept. */
static gboolean
nal_begin (CeDepay *self, guint type, const guint8 *header, int first_byte)
{
  if (!keeping (self) || is_dropped (self, type))
    return FALSE;
  /* Parameter sets between the slices of a picture (GStreamer's
   * payloaders with config-interval=-1 repeat them before every slice of a
   * multi-slice IDR; some cameras do too) would start a new access unit
   * for any parser downstream (H.264 7.4.1.2.3, H.265 7.4.2.4.4) and split
   * the picture: the sets before the first slice are the ones that
   * count. */
  if (self->au_vcl && set_index (self, type) >= 0) {
    self->stats.sets_dropped++;
    return FALSE;
  }
  if (is_vcl (self, type)) {
    /* After a gap between AUs, an AU is whole only if nothing before its
     * first slice but parameter sets or SEI was lost; the sets are
     * inserted below. */
    if (!self->au_vcl && self->au_head_lost && !is_first_slice (first_byte)) {
      damage (self);
      return FALSE;
    }
    if (ce_nal_is_keyframe (self->codec, type)) {
      if (!self->au_key) {
        self->au_key = TRUE;
        /* BLA 16-18, CRA 21: may be followed by RASL pictures that refer
         * to pictures before it. */
        self->au_cra =
            self->codec == CE_CODEC_H265 && (type <= 18 || type == 21);
        insert_sets (self);
      }
    } else if (!self->au_vcl &&
        (self->need_keyframe ||
            (self->skip_rasl && (type == 8 || type == 9)))) {
      /* A delta frame nobody can decode (RASL after the CRA decoding
       * restarted at, as a decoder would skip them): stop copying it. */
      self->au_skip = TRUE;
      self->au_vcl = TRUE;
      g_byte_array_set_size (self->au, 0);
      return FALSE;
    }
    self->au_vcl = TRUE;
  }
  au_append (self, start_code, 4);
  au_append (self, header, self->nal_header);
  return keeping (self);
}

/* A kept NAL unit that began at @start in the AU is complete. */
static void
nal_end (CeDepay *self, guint type, gsize start)
{
  int slot = set_index (self, type);

  if (slot < 0 || !keeping (self))
    return;
  self->au_sets |= 1u << slot;
  store_set (self, slot, self->au->data + start + 4,
      self->au->len - (start + 4));
}

/* A whole NAL unit, @size bytes including its header. */
static void
add_nal (CeDepay *self, const guint8 *nal, gsize size)
{
  guint type = nal_type (self, nal);
  gsize start = self->au->len;

  if (!nal_begin (self, type, nal,
          size > self->nal_header ? nal[self->nal_header] : -1))
    return;
  au_append (self, nal + self->nal_header, size - self->nal_header);
  nal_end (self, type, start);
}

/* One fragment of a NAL unit; @header is the NAL header it rebuilt. */
static void
add_fragment (CeDepay *self, gboolean s, gboolean e, const guint8 *header,
    const guint8 *data, gsize size)
{
  guint type = nal_type (self, header);

  if (s) {
    if (self->in_fu)
      damage (self); /* the previous one never ended */
    self->in_fu = TRUE;
    self->fu_type = type;
    self->fu_start = self->au->len;
    self->fu_keep = nal_begin (self, type, header, size > 0 ? data[0] : -1);
  } else if (!self->in_fu || type != self->fu_type) {
    /* Its beginning is missing. */
    self->in_fu = FALSE;
    damage (self);
    return;
  }
  if (self->fu_keep && keeping (self))
    au_append (self, data, size);
  if (e) {
    self->in_fu = FALSE;
    if (self->fu_keep)
      nal_end (self, type, self->fu_start);
  }
}

static void
reset_au (CeDepay *self)
{
  g_byte_array_set_size (self->au, 0);
  self->in_au = FALSE;
  self->in_fu = FALSE;
  self->au_vcl = FALSE;
  self->au_key = FALSE;
  self->au_cra = FALSE;
  self->au_skip = FALSE;
  self->au_discard = FALSE;
  self->au_head_lost = FALSE;
  self->au_sets = 0;
}

static guint64
to_ns (const CeDepay *self, gint64 ext)
{
  guint64 t;

  if (ext <= 0)
    return 0;
  t = (guint64) ext;
  return t / self->clock_rate * G_GUINT64_CONSTANT (1000000000) +
      t % self->clock_rate * G_GUINT64_CONSTANT (1000000000) / self->clock_rate;
}

/* The AU in progress is over (marker, or a new timestamp). */
static void
au_end (CeDepay *self, CeDepayAuFunc func, gpointer user_data)
{
  GBytes *bytes;
  guint8 *data;
  gsize len = 0, reserve;
  gboolean discont;

  if (!self->in_au)
    return;
  if (self->in_fu) {
    self->in_fu = FALSE;
    damage (self);
  }
  if (self->au_discard || self->au_skip ||
      (self->au_vcl && self->need_keyframe && !self->au_key)) {
    self->stats.aus_dropped++;
    reset_au (self);
    return;
  }
  if (!self->au_vcl) {
    /* Parameter sets or SEI sent apart (some cameras mark them, or stamp
     * them differently): they lead the next AU.  Nothing at all (only
     * AUDs): forget it. */
    if (self->au->len == 0)
      reset_au (self);
    return;
  }

  if (self->au_key) {
    self->skip_rasl = self->need_keyframe && self->au_cra;
    self->need_keyframe = FALSE;
  } else {
    self->skip_rasl = FALSE;
  }
  discont = self->discont;
  self->discont = FALSE;
  /* The bytes are handed over without a copy, in a block of their exact
   * size (shrinking with realloc does not move them), so that what the GOP
   * cache counts is what it holds. */
  data = g_byte_array_steal (self->au, &len);
  bytes = g_bytes_new_take (g_realloc (data, len), len);
  reserve = CLAMP (len + len / 4, MIN_AU_RESERVE, MAX_AU_RESERVE);
  g_byte_array_set_size (self->au, reserve);
  g_byte_array_set_size (self->au, 0);
  self->stats.aus++;
  {
    gboolean key = self->au_key;
    guint64 pts = to_ns (self, self->au_ext);

    reset_au (self);
    if (func != NULL)
      func (bytes, pts, key, discont, user_data);
  }
  g_bytes_unref (bytes);
}

/* ---- Payloads ------------------------------------------------------------ */

/* RFC 6184 §5.2.  Returns FALSE for a malformed payload. */
static gboolean
push_h264 (CeDepay *self, const guint8 *p, gsize n)
{
  guint type = p[0] & 0x1f;

  switch (type) {
    case 24: /* STAP-A */
      p++, n--;
      while (n > 0) {
        gsize size;

        if (n < 2)
          return FALSE;
        size = ((gsize) p[0] << 8) | p[1];
        p += 2, n -= 2;
        if (size == 0 || size > n || (p[0] & 0x1f) == 0 || (p[0] & 0x1f) > 23)
          return FALSE;
        add_nal (self, p, size);
        p += size, n -= size;
      }
      return TRUE;
    case 28: { /* FU-A */
      guint8 header;

      if (n < 2 || (p[1] & 0x1f) == 0 || (p[1] & 0x1f) > 23)
        return FALSE;
      header = (p[0] & 0xe0) | (p[1] & 0x1f);
      add_fragment (self, p[1] & 0x80, p[1] & 0x40, &header, p + 2, n - 2);
      return TRUE;
    }
    case 25: /* STAP-B */
    case 26: /* MTAP16 */
    case 27: /* MTAP24 */
    case 29: /* FU-B */
      /* Interleaved mode only, which we never ask for: NAL units are
       * missing from the AU. */
      self->stats.skipped_types++;
      damage (self);
      return TRUE;
    case 0:
    case 30:
    case 31:
      /* Undefined: ignored (RFC 6184 §5.4). */
      self->stats.skipped_types++;
      return TRUE;
    default:
      add_nal (self, p, n);
      return TRUE;
  }
}

/* RFC 7798 §4.4.  Returns FALSE for a malformed payload. */
static gboolean
push_h265 (CeDepay *self, const guint8 *p, gsize n)
{
  guint type;

  if (n < 2 || (p[1] & 0x07) == 0) /* TID 0 is forbidden */
    return FALSE;
  type = (p[0] >> 1) & 0x3f;
  if (type < 48) {
    if (self->donl) {
      guint8 header[2] = {p[0], p[1]};
      gsize start = self->au->len;

      /* The DONL field sits between the header and the rest. */
      if (n < 4)
        return FALSE;
      if (nal_begin (self, type, header, n > 4 ? p[4] : -1)) {
        au_append (self, p + 4, n - 4);
        nal_end (self, type, start);
      }
      return TRUE;
    }
    add_nal (self, p, n);
    return TRUE;
  }
  switch (type) {
    case 48: { /* AP */
      gboolean first = TRUE;

      p += 2, n -= 2;
      while (n > 0) {
        gsize size, skip = self->donl ? (first ? 2 : 1) : 0;

        if (n < skip + 2)
          return FALSE;
        p += skip, n -= skip;
        size = ((gsize) p[0] << 8) | p[1];
        p += 2, n -= 2;
        if (size < 2 || size > n || ((p[0] >> 1) & 0x3f) >= 48 ||
            (p[1] & 0x07) == 0)
          return FALSE;
        add_nal (self, p, size);
        p += size, n -= size;
        first = FALSE;
      }
      return TRUE;
    }
    case 49: { /* FU */
      guint8 fu, header[2];
      gsize skip;

      if (n < 3)
        return FALSE;
      fu = p[2];
      if ((fu & 0x3f) >= 48)
        return FALSE;
      skip = 3 + (self->donl && (fu & 0x80) ? 2 : 0);
      if (n < skip)
        return FALSE;
      header[0] = (p[0] & 0x81) | ((fu & 0x3f) << 1);
      header[1] = p[1];
      add_fragment (self, fu & 0x80, fu & 0x40, header, p + skip, n - skip);
      return TRUE;
    }
    case 50: /* PACI */
      self->stats.skipped_types++;
      damage (self);
      return TRUE;
    default:
      /* 51-63: unspecified, ignored (RFC 7798 §4.4). */
      self->stats.skipped_types++;
      return TRUE;
  }
}

/* ---- Packets --------------------------------------------------------------
 */

gboolean
ce_depay_push (CeDepay *self, const guint8 *packet, gsize size,
    CeDepayAuFunc func, gpointer user_data)
{
  gsize header, payload_size;
  guint16 seq;
  guint32 ts, ssrc;
  gboolean marker, ok = TRUE, gap = FALSE;
  gint64 ext;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (packet != NULL || size == 0, FALSE);

  /* RFC 3550 §5.1: version 2, CSRCs, extension, padding, all within the
   * packet. */
  if (G_UNLIKELY (size < 12 || (packet[0] >> 6) != 2))
    goto bad;
  header = 12 + 4 * (packet[0] & 0x0f);
  if (G_UNLIKELY (header > size))
    goto bad;
  if (packet[0] & 0x10) {
    if (G_UNLIKELY (size - header < 4))
      goto bad;
    header += 4 + 4 * (((gsize) packet[header + 2] << 8) | packet[header + 3]);
    if (G_UNLIKELY (header > size))
      goto bad;
  }
  payload_size = size - header;
  if (packet[0] & 0x20) {
    guint8 pad = packet[size - 1];

    if (G_UNLIKELY (pad == 0 || pad > payload_size))
      goto bad;
    payload_size -= pad;
  }
  marker = (packet[1] & 0x80) != 0;
  seq = ((guint16) packet[2] << 8) | packet[3];
  ts = ((guint32) packet[4] << 24) | ((guint32) packet[5] << 16) |
      ((guint32) packet[6] << 8) | packet[7];
  ssrc = ((guint32) packet[8] << 24) | ((guint32) packet[9] << 16) |
      ((guint32) packet[10] << 8) | packet[11];

  self->stats.packets++;
  self->stats.bytes += payload_size;

  /* Sequence. */
  if (G_UNLIKELY (!self->started)) {
    self->ssrc = ssrc;
  } else if (G_UNLIKELY (ssrc != self->ssrc)) {
    /* A new sender: new sequence and clock. */
    self->ssrc = ssrc;
    self->rebase = TRUE;
    gap = TRUE;
  } else if (G_UNLIKELY (seq != self->next_seq)) {
    gint16 delta = (gint16) (seq - self->next_seq);

    if (delta < 0 && delta >= -MAX_MISORDER) {
      /* Late or repeated: its place in the AU is gone. */
      self->stats.lost++;
      return TRUE;
    }
    if (delta > 0 && delta <= MAX_DROPOUT)
      self->stats.lost += delta;
    gap = TRUE;
  }
  self->next_seq = seq + 1;

  /* Timestamp, extended to 64 bits. */
  if (G_UNLIKELY (!self->started)) {
    self->started = TRUE;
    ext = 0;
  } else {
    gint32 delta = (gint32) (ts - self->last_ts);

    if (G_UNLIKELY (self->rebase || delta > self->max_forward ||
            delta < -self->max_backward)) {
      ext = self->last_ext + self->frame_delta;
      self->rebase = FALSE;
    } else {
      ext = self->last_ext + delta;
      if (delta > 0)
        self->frame_delta = delta;
    }
  }
  self->last_ts = ts;
  self->last_ext = ext;

  /* The packets lost may have been the end of the AU in progress and the
   * beginning of the next. */
  if (G_UNLIKELY (gap)) {
    if (self->in_au)
      self->au_discard = TRUE;
    self->need_keyframe = TRUE;
    self->discont = TRUE;
  }
  if (self->in_au && ts != self->au_ts)
    au_end (self, func, user_data);
  if (!self->in_au) {
    self->in_au = TRUE;
    self->au_head_lost = gap;
  }
  self->au_ts = ts;
  self->au_ext = ext;

  if (payload_size > 0) {
    const guint8 *payload = packet + header;

    if (self->codec == CE_CODEC_H264)
      ok = push_h264 (self, payload, payload_size);
    else
      ok = push_h265 (self, payload, payload_size);
    if (G_UNLIKELY (!ok)) {
      self->stats.bad_packets++;
      damage (self);
    }
  }
  if (marker)
    au_end (self, func, user_data);
  return ok;

bad:
  self->stats.bad_packets++;
  return FALSE;
}
