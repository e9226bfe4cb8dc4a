/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTP depacketisation of one camera's video track into Annex B access
 * units: H.264 (RFC 6184, non-interleaved mode) and H.265 (RFC 7798).
 * Pure GLib, single-threaded, safe on any input (it is fuzzed); it runs for
 * every packet of every camera on the main context.
 */
#pragma once

#include "ce-nal.h"

G_BEGIN_DECLS

/* Largest access unit assembled; a larger one is dropped (and counted). */
#define CE_DEPAY_MAX_AU_SIZE (8 * 1024 * 1024)

typedef struct _CeDepay CeDepay;

typedef struct
{
  guint64 packets;       /* packets with a valid RTP header */
  guint64 bytes;         /* their payload bytes (padding excluded) */
  guint64 lost;          /* missing sequence numbers, plus late or duplicate
                            packets (dropped: there is no jitter buffer) */
  guint64 aus;           /* access units handed to the callback */
  guint64 aus_dropped;   /* assembled or begun, not handed over: damaged by
                            loss or a bad packet, larger than the limit, a
                            delta frame while waiting for a keyframe, or a
                            RASL picture after the CRA resumed at */
  guint64 bad_packets;   /* refused: bad RTP header or malformed payload */
  guint64 skipped_types; /* payloads of unsupported or undefined types */
  guint64 sets_inserted; /* keyframes given the known parameter sets */
  guint64 sets_dropped;  /* parameter sets between the slices of a
                            picture, left out */
} CeDepayStats;

/**
 * CeDepayAuFunc:
 * @au: (transfer none): one complete access unit in Annex B form, every NAL
 *   unit behind a 4-byte start code, without AUD or filler data NAL units;
 *   take a reference (g_bytes_ref()) to keep it.  Its allocation is exactly
 *   its size.
 * @pts_ns: the RTP timestamp in nanoseconds on a timeline that starts at 0
 *   with the first packet and is unwrapped across the 32-bit wrap; a jump
 *   of the camera's clock (more than 60 s forward or 10 s back between two
 *   packets, or a new SSRC) is absorbed, so the timeline stays continuous.
 *   An AU stamped before the first packet (B-frames) is clamped to 0.
 * @keyframe: the AU holds an IDR (H.264) or IRAP (H.265) picture; it then
 *   also holds the parameter sets whenever any are known
 * @discont: the first AU after packets were lost or refused: the AUs in
 *   between were dropped, and this one is a keyframe
 * Called from ce_depay_push(), at most twice per packet.  It must not call
 * ce_depay_push() or ce_depay_free() on the same depayloader.
 */
typedef void (*CeDepayAuFunc) (GBytes *au, guint64 pts_ns, gboolean keyframe,
    gboolean discont, gpointer user_data);

/**
 * ce_depay_new:
 * @codec: %CE_CODEC_H264 or %CE_CODEC_H265
 * @clock_rate: the RTP clock rate from the SDP (90000), not 0
 * Returns: (transfer full): a depayloader, waiting for a keyframe; free it
 * with ce_depay_free().
 */
CeDepay *ce_depay_new (CeCodec codec, guint clock_rate);
void ce_depay_free (CeDepay *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeDepay, ce_depay_free)

/**
 * ce_depay_set_parameter_sets:
 * @vps: (nullable): H.265 video parameter set
 * @sps: (nullable), @pps: (nullable)
 * The parameter sets announced in the SDP (sprop-parameter-sets,
 * sprop-vps/sps/pps), NAL units without start codes (a leading start code
 * is tolerated).  References are taken.  Each set is filed by its own NAL
 * type, whatever argument it came in; one of another type is ignored.
 * Sets seen in-band later replace them.
 */
void ce_depay_set_parameter_sets (CeDepay *self, GBytes *vps, GBytes *sps,
    GBytes *pps);

/**
 * ce_depay_set_max_don_diff:
 * H.265 sprop-max-don-diff from the SDP.  When it is above 0 the packets
 * carry DONL/DOND fields (RFC 7798 §4.4); they are skipped and NAL units
 * are taken in arrival order: cameras send in decoding order, and no
 * de-interleaving buffer is kept.  Ignored for H.264.
 */
void ce_depay_set_max_don_diff (CeDepay *self, guint max_don_diff);

/**
 * ce_depay_push:
 * @packet: one whole RTP packet, header included (the payload type is the
 *   caller's to check)
 * Feeds a packet; @func (nullable) receives the access units it
 * completes.  An AU ends with the marker bit, or when the timestamp
 * changes (for cameras that forget the marker).  After a sequence gap, a
 * malformed payload or an unsupported packet type, the AU in progress and
 * every AU up to the next keyframe are dropped.  Late and duplicate packets
 * are counted as lost and dropped.  Keyframes lacking parameter sets get
 * the known ones (from the SDP or the last seen in-band) put in front of
 * their first slice.  H.265: when delivery resumes at a CRA or BLA, its
 * RASL pictures (which refer to pictures before it) are dropped too, as a
 * decoder starting there would.
 * Returns: FALSE when the packet was refused as malformed (counted in
 * bad_packets); never fails otherwise.
 */
gboolean ce_depay_push (CeDepay *self, const guint8 *packet, gsize size,
    CeDepayAuFunc func, gpointer user_data);

void ce_depay_get_stats (const CeDepay *self, CeDepayStats *stats);

G_END_DECLS
