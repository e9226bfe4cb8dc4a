/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Decoder configuration records (ISO/IEC 14496-15): the
 * AVCDecoderConfigurationRecord ('avcC') and HEVCDecoderConfigurationRecord
 * ('hvcC') built from a stream's parameter sets, and access units turned
 * from Annex B into the 4-byte length-prefixed form both MP4 and FLV carry.
 * Shared by the fMP4, HLS and FLV writers.  Pure functions on bytes, safe
 * on any input (fuzzed through tests/mux/fuzz-mux.c).
 */
#pragma once

#include "ce-nal.h"

G_BEGIN_DECLS

#define CE_MUX_ERROR (ce_mux_error_quark ())
GQuark ce_mux_error_quark (void);

typedef enum
{
  /* The parameter sets are missing or their SPS cannot be read. */
  CE_MUX_ERROR_PARAMS,
} CeMuxError;

/* The SPS fields a configuration record repeats, beyond CeVideoParams. */
typedef struct
{
  guint8 chroma_format_idc; /* 0..3 */
  guint8 bit_depth_luma_minus8;
  guint8 bit_depth_chroma_minus8;
  /* H.265 only */
  guint8 general_ptl[12]; /* profile_tier_level() general part, raw */
  guint8 num_temporal_layers;
  gboolean temporal_id_nested;
} CeSpsExtra;

/* Reads @sps (a NAL without start code).  On error, FALSE is returned. */
gboolean ce_sps_extra_parse (CeCodec codec, const guint8 *sps, gsize size,
    CeSpsExtra *extra);

/**
 * ce_codec_config_new:
 * The configuration record for @params: an AVCDecoderConfigurationRecord
 * (with the chroma/bit-depth extension for the High profiles) for H.264, an
 * HEVCDecoderConfigurationRecord with complete VPS/SPS/PPS arrays for
 * H.265; NAL length size 4 in both.
 *
 * Returns: (transfer full): the record, or %NULL with @error set
 * (CE_MUX_ERROR_PARAMS) when the parameter sets are incomplete or
 * unreadable.
 */
GBytes *ce_codec_config_new (const CeVideoParams *params, GError **error);

/**
 * ce_au_append_length_prefixed:
 * Appends the NAL units of the Annex B access unit @data to @out, each
 * behind its 4-byte big-endian size.  Access unit delimiters and parameter
 * sets are left out: MP4 and FLV carry the parameter sets in the
 * configuration record, and a new record is sent when they change.
 * Returns the number of bytes appended (0 when the unit holds no other
 * NAL).
 */
gsize ce_au_append_length_prefixed (CeCodec codec, const guint8 *data,
    gsize size, GByteArray *out);

G_END_DECLS
