/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTP payloads for H.264/H.265 access units, built once per camera.
 */
#include "ce-rtp.h"

#include <string.h>

/* The frame and its chunk array in one allocation: this runs for every
 * access unit of every watched camera. */
typedef struct
{
  CeRtpFrame frame;
  gint ref_count;
  CeRtpChunk chunks[];
} CeRtpFrameImpl;

/* NAL units remembered from the counting pass so that the filling pass
 * does not scan the access unit again; AUs with more NALs (many slices)
 * are scanned twice. */
#define MAX_REMEMBERED_NALS 32

/* FU-A (RFC 6184 §5.8): 1 byte NAL header, 2 bytes of FU prefix.
 * FU (RFC 7798 §4.4.3): 2 bytes NAL header, 3 bytes of FU prefix. */
static guint
nal_chunk_count (gsize nal_size, gsize header, gsize mtu)
{
  gsize fragment;

  if (nal_size <= mtu)
    return 1;
  fragment = mtu - (header + 1);
  return (nal_size - header + fragment - 1) / fragment;
}

static CeRtpChunk *
add_nal_chunks (CeCodec codec, const CeNal *nal, gsize mtu, CeRtpChunk *out,
    gsize *payload_bytes)
{
  gsize header = codec == CE_CODEC_H265 ? 2 : 1;
  gsize fragment, remaining;
  const guint8 *p;
  guint8 prefix[3] = {0};
  guint8 prefix_len;
  guint8 type_bits;

  if (nal->size <= mtu) {
    out->prefix_len = 0;
    out->marker = FALSE;
    out->data = nal->data;
    out->size = nal->size;
    *payload_bytes += nal->size;
    return out + 1;
  }

  if (codec == CE_CODEC_H265) {
    /* Payload header: the NAL's F bit, LayerId and TID with type 49. */
    prefix[0] = (nal->data[0] & 0x81) | (49 << 1);
    prefix[1] = nal->data[1];
    type_bits = (nal->data[0] >> 1) & 0x3f;
    prefix_len = 3;
  } else {
    /* FU indicator: the NAL's F and NRI bits with type 28. */
    prefix[0] = (nal->data[0] & 0xe0) | 28;
    type_bits = nal->data[0] & 0x1f;
    prefix_len = 2;
  }
  fragment = mtu - prefix_len;
  p = nal->data + header;
  remaining = nal->size - header;
  for (gboolean first = TRUE; remaining > 0; first = FALSE) {
    gsize n = MIN (remaining, fragment);

    remaining -= n;
    /* FU header: S, E, R = 0, then the NAL unit type. */
    prefix[prefix_len - 1] =
        (first ? 0x80 : 0) | (remaining == 0 ? 0x40 : 0) | type_bits;
    memcpy (out->prefix, prefix, sizeof out->prefix);
    out->prefix_len = prefix_len;
    out->marker = FALSE;
    out->data = p;
    out->size = n;
    *payload_bytes += prefix_len + n;
    p += n;
    out++;
  }
  return out;
}

CeRtpFrame *
ce_rtp_frame_new (CeCodec codec, const guint8 *data, gsize size, guint64 pts,
    gboolean keyframe, gsize mtu, gpointer owner, GDestroyNotify owner_destroy)
{
  CeNal nals[MAX_REMEMBERED_NALS];
  guint n_nals = 0;
  gboolean all_remembered = TRUE;
  gsize header = codec == CE_CODEC_H265 ? 2 : 1;
  gsize offset = 0;
  gsize n_chunks = 0;
  CeRtpFrameImpl *impl;
  CeRtpChunk *out;
  CeNal nal;

  /* Room for the FU prefix and at least one byte of NAL.  The owner is
   * released on every NULL return, programmer errors included. */
  if (G_UNLIKELY ((codec != CE_CODEC_H264 && codec != CE_CODEC_H265) ||
          mtu <= header + 1)) {
    if (owner_destroy != NULL)
      owner_destroy (owner);
    g_return_val_if_reached (NULL);
  }

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    if (ce_nal_is_aud (codec, nal.type))
      continue;
    n_chunks += nal_chunk_count (nal.size, header, mtu);
    if (n_nals < MAX_REMEMBERED_NALS)
      nals[n_nals++] = nal;
    else
      all_remembered = FALSE;
  }
  if (n_chunks == 0) {
    if (owner_destroy != NULL)
      owner_destroy (owner);
    return NULL;
  }

  impl = g_malloc (sizeof (CeRtpFrameImpl) + n_chunks * sizeof (CeRtpChunk));
  impl->ref_count = 1;
  impl->frame.pts = pts;
  impl->frame.keyframe = keyframe;
  impl->frame.track = CE_TRACK_VIDEO;
  impl->frame.payload_bytes = 0;
  impl->frame.n_chunks = n_chunks;
  impl->frame.chunks = impl->chunks;
  impl->frame.owner = owner;
  impl->frame.owner_destroy = owner_destroy;

  out = impl->chunks;
  if (all_remembered) {
    for (guint i = 0; i < n_nals; i++)
      out = add_nal_chunks (codec, &nals[i], mtu, out,
          &impl->frame.payload_bytes);
  } else {
    offset = 0;
    while (ce_nal_next (codec, data, size, &offset, &nal)) {
      if (!ce_nal_is_aud (codec, nal.type))
        out =
            add_nal_chunks (codec, &nal, mtu, out, &impl->frame.payload_bytes);
    }
  }
  g_assert (out == impl->chunks + n_chunks);
  impl->chunks[n_chunks - 1].marker = TRUE;
  return &impl->frame;
}

CeRtpFrame *
ce_rtp_frame_new_payload (const guint8 *data, gsize size, guint64 pts,
    gboolean marker, gpointer owner, GDestroyNotify owner_destroy)
{
  CeRtpFrameImpl *impl;

  if (G_UNLIKELY (data == NULL || size == 0 || size > 65535 - 12)) {
    if (owner_destroy != NULL)
      owner_destroy (owner);
    return NULL;
  }
  impl = g_malloc (sizeof (CeRtpFrameImpl) + sizeof (CeRtpChunk));
  impl->ref_count = 1;
  impl->frame.pts = pts;
  impl->frame.keyframe = FALSE;
  impl->frame.track = CE_TRACK_AUDIO;
  impl->frame.payload_bytes = size;
  impl->frame.n_chunks = 1;
  impl->frame.chunks = impl->chunks;
  impl->frame.owner = owner;
  impl->frame.owner_destroy = owner_destroy;
  memset (impl->chunks, 0, sizeof (CeRtpChunk));
  impl->chunks[0].marker = marker;
  impl->chunks[0].data = data;
  impl->chunks[0].size = size;
  return &impl->frame;
}

gboolean
ce_rtp_parse_header (const guint8 *packet, gsize size, CeRtpHeader *out)
{
  gsize header = 12, end = size;

  if (packet == NULL || size < 12 || (packet[0] >> 6) != 2)
    return FALSE;
  header += (gsize) (packet[0] & 0x0f) * 4;
  if (packet[0] & 0x10) {
    if (size < header + 4)
      return FALSE;
    header += 4 + (gsize) ((packet[header + 2] << 8) | packet[header + 3]) * 4;
  }
  if (packet[0] & 0x20) {
    guint8 pad = packet[size - 1];

    if (pad == 0 || pad > size)
      return FALSE;
    end = size - pad;
  }
  if (header > end)
    return FALSE;
  out->payload_type = packet[1] & 0x7f;
  out->marker = (packet[1] & 0x80) != 0;
  out->seq = (guint16) ((packet[2] << 8) | packet[3]);
  out->timestamp = ((guint32) packet[4] << 24) | ((guint32) packet[5] << 16) |
      ((guint32) packet[6] << 8) | packet[7];
  out->ssrc = ((guint32) packet[8] << 24) | ((guint32) packet[9] << 16) |
      ((guint32) packet[10] << 8) | packet[11];
  out->payload_offset = header;
  out->payload_size = end - header;
  return TRUE;
}

CeRtpFrame *
ce_rtp_frame_ref (CeRtpFrame *frame)
{
  CeRtpFrameImpl *impl = (CeRtpFrameImpl *) frame;

  g_return_val_if_fail (frame != NULL, NULL);

  g_atomic_int_inc (&impl->ref_count);
  return frame;
}

void
ce_rtp_frame_unref (CeRtpFrame *frame)
{
  CeRtpFrameImpl *impl = (CeRtpFrameImpl *) frame;

  g_return_if_fail (frame != NULL);

  if (!g_atomic_int_dec_and_test (&impl->ref_count))
    return;
  if (frame->owner_destroy != NULL)
    frame->owner_destroy (frame->owner);
  g_free (impl);
}

static void
put_be16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

void
ce_rtp_write_header (guint8 out[12], gboolean marker, guint8 payload_type,
    guint16 seq, guint32 timestamp, guint32 ssrc)
{
  out[0] = 0x80; /* V=2, P=0, X=0, CC=0 */
  out[1] = (marker ? 0x80 : 0) | (payload_type & 0x7f);
  put_be16 (out + 2, seq);
  put_be32 (out + 4, timestamp);
  put_be32 (out + 8, ssrc);
}

gsize
ce_rtcp_write_sender_report (guint8 out[28], guint32 ssrc, guint64 ntp_time,
    guint32 rtp_time, guint32 packet_count, guint32 octet_count)
{
  out[0] = 0x80; /* V=2, P=0, RC=0 */
  out[1] = 200;  /* SR */
  put_be16 (out + 2, 28 / 4 - 1);
  put_be32 (out + 4, ssrc);
  put_be32 (out + 8, ntp_time >> 32);
  put_be32 (out + 12, (guint32) ntp_time);
  put_be32 (out + 16, rtp_time);
  put_be32 (out + 20, packet_count);
  put_be32 (out + 24, octet_count);
  return 28;
}

gsize
ce_rtcp_write_keyframe_request (guint8 out[40], guint32 sender_ssrc,
    guint32 media_ssrc, guint8 fir_seq)
{
  /* RR without report blocks: a compound packet starts with SR or RR. */
  out[0] = 0x80;
  out[1] = 201;
  put_be16 (out + 2, 8 / 4 - 1);
  put_be32 (out + 4, sender_ssrc);
  /* PSFB, FMT 1: PLI. */
  out[8] = 0x80 | 1;
  out[9] = 206;
  put_be16 (out + 10, 12 / 4 - 1);
  put_be32 (out + 12, sender_ssrc);
  put_be32 (out + 16, media_ssrc);
  /* PSFB, FMT 4: FIR, the media source in its FCI (the header's is 0). */
  out[20] = 0x80 | 4;
  out[21] = 206;
  put_be16 (out + 22, 20 / 4 - 1);
  put_be32 (out + 24, sender_ssrc);
  put_be32 (out + 28, 0);
  put_be32 (out + 32, media_ssrc);
  out[36] = fir_seq;
  out[37] = out[38] = out[39] = 0;
  return 40;
}

static CeRtpPicture
nal_picture (CeCodec codec, guint type)
{
  if (ce_nal_is_keyframe (codec, type))
    return CE_RTP_PICTURE_KEY;
  if ((codec == CE_CODEC_H264 && type >= 1 && type <= 5) ||
      (codec == CE_CODEC_H265 && type <= 31))
    return CE_RTP_PICTURE_DELTA;
  return CE_RTP_PICTURE_NONE;
}

static guint
nal_type (CeCodec codec, guint8 first)
{
  return codec == CE_CODEC_H264 ? first & 0x1f : (first >> 1) & 0x3f;
}

CeRtpPicture
ce_rtp_payload_picture (CeCodec codec, const guint8 *payload, gsize size)
{
  /* H.264 STAP-A: header (1), then size (2) + NAL unit…; H.265 AP:
   * header (2), then the same. */
  guint agg = codec == CE_CODEC_H264 ? 24 : 48;
  guint fu_a = codec == CE_CODEC_H264 ? 28 : 49;
  gsize head = codec == CE_CODEC_H264 ? 1 : 2;
  guint type;

  if (payload == NULL || size < head + 1 ||
      (codec != CE_CODEC_H264 && codec != CE_CODEC_H265))
    return CE_RTP_PICTURE_NONE;
  type = nal_type (codec, payload[0]);
  if (type == agg) {
    CeRtpPicture found = CE_RTP_PICTURE_NONE;

    for (gsize off = head; off + 2 < size;) {
      gsize n = ((gsize) payload[off] << 8) | payload[off + 1];
      CeRtpPicture p;

      if (n == 0 || off + 2 + n > size)
        break;
      p = nal_picture (codec, nal_type (codec, payload[off + 2]));
      if (p == CE_RTP_PICTURE_KEY)
        return p;
      if (p != CE_RTP_PICTURE_NONE)
        found = p;
      off += 2 + n;
    }
    return found;
  }
  if (type == fu_a || (codec == CE_CODEC_H264 && type == 29)) {
    guint8 fu = payload[head];

    if ((fu & 0x80) == 0) /* not the fragment's start */
      return CE_RTP_PICTURE_NONE;
    return nal_picture (codec, codec == CE_CODEC_H264 ? fu & 0x1f : fu & 0x3f);
  }
  return nal_picture (codec, type);
}

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

guint64
ce_ntp_now (void)
{
  gint64 us = g_get_real_time ();
  guint64 seconds = (guint64) (us / G_USEC_PER_SEC) + NTP_UNIX_OFFSET;
  guint64 fraction = ((guint64) (us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;

  return (seconds << 32) | fraction;
}
