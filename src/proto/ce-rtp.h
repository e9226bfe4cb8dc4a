/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTP packetisation of H.264 (RFC 6184, single NAL unit and FU-A) and H.265
 * (RFC 7798, single NAL unit and FU) access units, done once per camera and
 * shared by every viewer: a frame is a list of payload chunks that point
 * into the access unit; each viewer adds its own 12-byte RTP header.  Also
 * RTCP sender reports.  Pure GLib.
 */
#pragma once

#include "ce-nal.h"

G_BEGIN_DECLS

/* RTP payload budget per packet: fits a 1500-byte MTU with IP/UDP/RTP and
 * leaves room for TCP interleaving headers. */
#define CE_RTP_DEFAULT_MTU 1400

typedef struct
{
  guint8 prefix[3];   /* FU indicator/header (H.264: 2 bytes, H.265: 3) */
  guint8 prefix_len;  /* 0 for a single NAL unit packet */
  gboolean marker;    /* last packet of the access unit */
  const guint8 *data; /* points into the access unit */
  gsize size;
} CeRtpChunk;

/* Tracks of a camera stream, in SDP order. */
typedef enum
{
  CE_TRACK_VIDEO = 0,
  CE_TRACK_AUDIO = 1,
} CeTrack;

#define CE_N_TRACKS 2

/* An access unit packetised (or an audio packet's payload); immutable
 * once built, shared by refcount. */
typedef struct
{
  guint64 pts; /* nanoseconds, the hub's continuous timeline */
  gboolean keyframe;
  CeTrack track;
  gsize payload_bytes; /* sum of prefix_len + size over the chunks */
  guint n_chunks;
  CeRtpChunk *chunks;
  /* private */
  gpointer owner; /* keeps the AU bytes alive */
  GDestroyNotify owner_destroy;
} CeRtpFrame;

/**
 * ce_rtp_frame_new:
 * @owner/@owner_destroy: what keeps @data alive (a GstBuffer map, GBytes…);
 *   released with the frame
 * Packetises an Annex B access unit: parameter sets and slices become
 * single NAL unit packets or fragments of at most @mtu bytes of payload;
 * access unit delimiters are dropped.  Returns NULL when the access unit
 * holds no NAL unit (then @owner_destroy is still called).
 * (transfer full)
 */
CeRtpFrame *ce_rtp_frame_new (CeCodec codec, const guint8 *data, gsize size,
    guint64 pts, gboolean keyframe, gsize mtu, gpointer owner,
    GDestroyNotify owner_destroy);
/**
 * ce_rtp_frame_new_payload:
 * An audio frame: one RTP payload passed through as it came from the
 * camera (G.711 samples, RFC 3640 AU headers + AAC frames, LATM), one
 * packet, on CE_TRACK_AUDIO.  @owner is released with the frame.
 * (transfer full)
 */
CeRtpFrame *ce_rtp_frame_new_payload (const guint8 *data, gsize size,
    guint64 pts, gboolean marker, gpointer owner, GDestroyNotify owner_destroy);
CeRtpFrame *ce_rtp_frame_ref (CeRtpFrame *frame);
void ce_rtp_frame_unref (CeRtpFrame *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeRtpFrame, ce_rtp_frame_unref)

/* Writes a 12-byte RTP header (version 2, no padding/extension/CSRC). */
void ce_rtp_write_header (guint8 out[12], gboolean marker, guint8 payload_type,
    guint16 seq, guint32 timestamp, guint32 ssrc);

/* The fixed fields of a received RTP packet. */
typedef struct
{
  guint8 payload_type;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  gsize payload_offset; /* after CSRCs and the header extension */
  gsize payload_size;   /* without padding */
} CeRtpHeader;

/* Reads an RTP header (version 2; CSRC list, extension and padding
 * honoured).  FALSE for anything that is not a well-formed RTP packet. */
gboolean ce_rtp_parse_header (const guint8 *packet, gsize size,
    CeRtpHeader *out);

/* Writes an RTCP sender report (28 bytes) into @out and returns its size.
 * @ntp_time: NTP 64-bit timestamp; @rtp_time: the RTP timestamp of that
 * instant. */
gsize ce_rtcp_write_sender_report (guint8 out[28], guint32 ssrc,
    guint64 ntp_time, guint32 rtp_time, guint32 packet_count,
    guint32 octet_count);

/* Writes a keyframe request as one compound RTCP packet (40 bytes): an
 * empty receiver report, a Picture Loss Indication (RFC 4585) and a Full
 * Intra Request (RFC 5104, command sequence number @fir_seq) for the
 * stream @media_ssrc, from @sender_ssrc.  Returns its size. */
gsize ce_rtcp_write_keyframe_request (guint8 out[40], guint32 sender_ssrc,
    guint32 media_ssrc, guint8 fir_seq);

typedef enum
{
  CE_RTP_PICTURE_NONE,  /* no slice starts here (parameter sets, SEI, a
                           fragment's continuation …) */
  CE_RTP_PICTURE_KEY,   /* a keyframe's slice (IDR, CRA, BLA) */
  CE_RTP_PICTURE_DELTA, /* another picture's slice */
} CeRtpPicture;

/* What picture the RTP @payload (RFC 6184 / RFC 7798: a single NAL unit,
 * an aggregation packet, or a fragment) starts a slice of, if any: enough
 * to tell whether a stream joined mid-GOP.  (H.265 aggregation packets are
 * read without DONL.) */
CeRtpPicture ce_rtp_payload_picture (CeCodec codec, const guint8 *payload,
    gsize size);

/* Wall-clock time as a 64-bit NTP timestamp. */
guint64 ce_ntp_now (void);

G_END_DECLS
