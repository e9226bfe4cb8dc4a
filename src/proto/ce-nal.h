/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * H.264 / H.265 access units in Annex B byte-stream form: finding NAL
 * units, telling keyframes and parameter sets, and the few SPS fields the
 * gateway needs (profile, level, resolution).  Pure functions on bytes,
 * safe on any input (they are fuzzed).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CE_CODEC_UNKNOWN = 0,
  CE_CODEC_H264,
  CE_CODEC_H265,
} CeCodec;

const char *ce_codec_to_string (CeCodec codec); /* "h264", "h265" */

/* One NAL unit inside a buffer, without its start code. */
typedef struct
{
  const guint8 *data;
  gsize size;
  guint type; /* nal_unit_type: H.264 5 bits, H.265 6 bits */
} CeNal;

/* Iterates the NAL units of an Annex B buffer (3- or 4-byte start codes).
 * Initialise @offset to 0; returns FALSE when there are no more.  Bytes
 * before the first start code are skipped.  Trailing zero bytes of a NAL
 * (before the next start code) are not part of it. */
gboolean ce_nal_next (CeCodec codec, const guint8 *data, gsize size,
    gsize *offset, CeNal *nal);

/* H.264: IDR (5); H.265: IRAP (16–23). */
gboolean ce_nal_is_keyframe (CeCodec codec, guint type);
/* H.264: SPS 7, PPS 8; H.265: VPS 32, SPS 33, PPS 34. */
gboolean ce_nal_is_parameter_set (CeCodec codec, guint type);
/* Access unit delimiters (H.264 9, H.265 35), which RTP senders drop. */
gboolean ce_nal_is_aud (CeCodec codec, guint type);

/* Whether an access unit holds a keyframe NAL. */
gboolean ce_au_is_keyframe (CeCodec codec, const guint8 *data, gsize size);

/* What the gateway needs from the parameter sets of a stream. */
typedef struct
{
  CeCodec codec;
  guint width; /* 0 when unknown */
  guint height;
  guint8 profile_idc;      /* H.264 profile_idc / H.265 general_profile_idc */
  guint8 constraint_flags; /* H.264 byte 2 of the SPS */
  guint8 level_idc;        /* H.264 level_idc / H.265 general_level_idc */
  guint8 tier_flag;        /* H.265 */
  GBytes *vps;             /* H.265 only; NAL without start code */
  GBytes *sps;
  GBytes *pps;
} CeVideoParams;

void ce_video_params_clear (CeVideoParams *params);

/**
 * ce_video_params_update:
 * Scans an access unit for parameter sets and stores copies of the ones it
 * finds (the last of each kind), decoding width/height/profile/level from
 * the SPS.  Returns TRUE when anything changed (a new SPS means viewers
 * need new decoder configuration).  Malformed SPS bits leave the old
 * decoded fields and return what changed in the raw sets only.
 */
gboolean ce_video_params_update (CeVideoParams *params, const guint8 *data,
    gsize size);

/* TRUE when every parameter set the codec needs is known. */
gboolean ce_video_params_complete (const CeVideoParams *params);

/* RFC 6381 codec string for MSE: "avc1.64001f", "hvc1.1.6.L93.B0";
 * NULL when the SPS is unknown.  (transfer full) */
char *ce_video_params_codec_string (const CeVideoParams *params);

G_END_DECLS
