/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Fragmented MP4 (ISO BMFF, as Media Source Extensions and CMAF/HLS read
 * it) for one video track: the init segment (ftyp + moov with avcC/hvcC,
 * mvex/trex) and media fragments (moof + mdat).  Timescale 90 kHz.
 * Stateless: the caller keeps the sequence numbers and the timeline.
 */
#pragma once

#include "ce-codec-config.h"

G_BEGIN_DECLS

#define CE_FMP4_TIMESCALE 90000
#define CE_FMP4_TRACK_ID 1

/* One access unit of a fragment. */
typedef struct
{
  const guint8 *data; /* Annex B */
  gsize size;
  guint32 duration; /* in CE_FMP4_TIMESCALE units */
  gboolean keyframe;
} CeFmp4Sample;

/**
 * ce_fmp4_init_segment:
 * ftyp + moov for @params: an 'avc1' or 'hvc1' sample entry of the coded
 * size, with the configuration record (parameter sets out of band, which
 * is why the samples carry none and a new SPS needs a new init segment).
 *
 * Returns: (transfer full): the segment, or %NULL with @error set
 * (CE_MUX_ERROR_PARAMS).
 */
GBytes *ce_fmp4_init_segment (const CeVideoParams *params, GError **error);

/**
 * ce_fmp4_fragment:
 * moof (mfhd @sequence, traf with tfhd default-base-is-moof, tfdt
 * @base_decode_time, trun with duration, size and flags per sample) +
 * mdat holding @samples in decoding order, converted to length-prefixed
 * NAL units without AUDs and parameter sets.  Sync samples are flagged
 * "depends on no other", the others "non-sync".  Composition equals
 * decoding time (cameras send no B-frames; see docs/ARCHITECTURE.md).
 *
 * Returns: (transfer full): the fragment.  This function can't fail.
 */
GBytes *ce_fmp4_fragment (CeCodec codec, guint32 sequence,
    guint64 base_decode_time, const CeFmp4Sample *samples, guint n_samples);

/**
 * ce_fmp4_fragment_head:
 * The same fragment without its payload: moof and the 8-byte mdat header,
 * for samples whose length-prefixed payloads (ce_au_append_length_prefixed())
 * are @samples[i].size bytes long (@samples[i].data is not read).  The
 * payloads follow on the wire, in order.  This lets viewers of one camera
 * share the payload bytes and write only this head of their own.
 *
 * Returns: (transfer full): the head.  This function can't fail.
 */
GBytes *ce_fmp4_fragment_head (guint32 sequence, guint64 base_decode_time,
    const CeFmp4Sample *samples, guint n_samples);

/* "video/mp4; codecs=\"avc1.64001f\"" for MediaSource.isTypeSupported(),
 * or NULL when the SPS is unknown.  (transfer full) */
char *ce_fmp4_mime_type (const CeVideoParams *params);

G_END_DECLS
