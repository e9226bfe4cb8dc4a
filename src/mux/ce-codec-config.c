/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * avcC / hvcC records and length-prefixed access units.
 */
#include "ce-codec-config.h"

#include "ce-mux-private.h"

G_DEFINE_QUARK (cityeye_mux_error, ce_mux_error)

/* The fields read here sit before the VUI, within the first few hundred
 * bytes of any SPS (scaling lists are skipped only in H.264, where they
 * come after the fields we need). */
#define MAX_RBSP 1024

typedef struct
{
  guint8 data[MAX_RBSP];
  gsize size; /* bytes */
  gsize pos;  /* bits */
  gboolean error;
} Bits;

/* Removes emulation prevention bytes (00 00 03 → 00 00). */
static void
bits_init (Bits *b, const guint8 *nal, gsize size)
{
  guint zeros = 0;

  b->size = 0;
  b->pos = 0;
  b->error = FALSE;
  for (gsize i = 0; i < size && b->size < MAX_RBSP; i++) {
    if (zeros >= 2 && nal[i] == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? zeros + 1 : 0;
    b->data[b->size++] = nal[i];
  }
}

static guint32
bits_read (Bits *b, guint n)
{
  guint32 v = 0;

  if (b->error || n > b->size * 8 - b->pos) {
    b->error = TRUE;
    return 0;
  }
  for (guint i = 0; i < n; i++, b->pos++)
    v = (v << 1) | ((b->data[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
  return v;
}

/* ue(v), refusing values above @max (corrupt for our purposes). */
static guint32
bits_ue (Bits *b, guint32 max)
{
  guint zeros = 0;
  guint32 v;

  while (!b->error && bits_read (b, 1) == 0) {
    if (++zeros > 30) {
      b->error = TRUE;
      return 0;
    }
  }
  v = ((1u << zeros) - 1) + bits_read (b, zeros);
  if (v > max)
    b->error = TRUE;
  return b->error ? 0 : v;
}

static gboolean
h264_high_profile (guint profile)
{
  switch (profile) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return TRUE;
    default:
      return FALSE;
  }
}

/* H.264 7.3.2.1.1 up to bit_depth_chroma_minus8. */
static gboolean
h264_extra (Bits *b, CeSpsExtra *extra)
{
  guint profile;

  bits_read (b, 8); /* NAL header */
  profile = bits_read (b, 8);
  bits_read (b, 16); /* constraint flags, level_idc */
  bits_ue (b, 31);   /* seq_parameter_set_id */
  extra->chroma_format_idc = 1;
  if (h264_high_profile (profile)) {
    extra->chroma_format_idc = bits_ue (b, 3);
    if (extra->chroma_format_idc == 3)
      bits_read (b, 1); /* separate_colour_plane_flag */
    extra->bit_depth_luma_minus8 = bits_ue (b, 6);
    extra->bit_depth_chroma_minus8 = bits_ue (b, 6);
  }
  return !b->error;
}

/* H.265 7.3.2.2.1 up to bit_depth_chroma_minus8. */
static gboolean
h265_extra (Bits *b, CeSpsExtra *extra)
{
  guint max_sub_layers_minus1;
  guint8 profile_present[8] = {0}, level_present[8] = {0};

  bits_read (b, 16); /* NAL header */
  bits_read (b, 4);  /* sps_video_parameter_set_id */
  max_sub_layers_minus1 = bits_read (b, 3);
  if (max_sub_layers_minus1 > 6)
    return FALSE;
  extra->num_temporal_layers = max_sub_layers_minus1 + 1;
  extra->temporal_id_nested = bits_read (b, 1);
  /* The general profile_tier_level is byte-aligned here: 12 bytes. */
  for (guint i = 0; i < 12; i++)
    extra->general_ptl[i] = bits_read (b, 8);
  for (guint i = 0; i < max_sub_layers_minus1; i++) {
    profile_present[i] = bits_read (b, 1);
    level_present[i] = bits_read (b, 1);
  }
  if (max_sub_layers_minus1 > 0) {
    for (guint i = max_sub_layers_minus1; i < 8; i++)
      bits_read (b, 2); /* reserved_zero_2bits */
  }
  for (guint i = 0; i < max_sub_layers_minus1; i++) {
    if (profile_present[i]) {
      bits_read (b, 32);
      bits_read (b, 32);
      bits_read (b, 24);
    }
    if (level_present[i])
      bits_read (b, 8);
  }
  bits_ue (b, 15); /* sps_seq_parameter_set_id */
  extra->chroma_format_idc = bits_ue (b, 3);
  if (extra->chroma_format_idc == 3)
    bits_read (b, 1); /* separate_colour_plane_flag */
  bits_ue (b, 16384); /* pic_width_in_luma_samples */
  bits_ue (b, 16384); /* pic_height_in_luma_samples */
  if (bits_read (b, 1)) {
    /* conformance_window_flag */
    for (guint i = 0; i < 4; i++)
      bits_ue (b, 16384);
  }
  extra->bit_depth_luma_minus8 = bits_ue (b, 8);
  extra->bit_depth_chroma_minus8 = bits_ue (b, 8);
  return !b->error;
}

gboolean
ce_sps_extra_parse (CeCodec codec, const guint8 *sps, gsize size,
    CeSpsExtra *extra)
{
  g_autofree Bits *b = g_new (Bits, 1);

  g_return_val_if_fail (extra != NULL, FALSE);

  memset (extra, 0, sizeof *extra);
  if (sps == NULL)
    return FALSE;
  bits_init (b, sps, size);
  switch (codec) {
    case CE_CODEC_H264:
      return h264_extra (b, extra);
    case CE_CODEC_H265:
      return h265_extra (b, extra);
    case CE_CODEC_UNKNOWN:
    default:
      return FALSE;
  }
}

static void
append_nal_array (GByteArray *out, guint nal_type, GBytes *nal)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (nal, &size);

  ce_put8 (out, 0x80 | nal_type); /* array_completeness = 1 */
  ce_put16 (out, 1);              /* numNalus */
  ce_put16 (out, size);
  g_byte_array_append (out, data, size);
}

GBytes *
ce_codec_config_new (const CeVideoParams *params, GError **error)
{
  g_autoptr (GByteArray) out = NULL;
  const guint8 *sps;
  gsize sps_size, pps_size, vps_size = 0;
  CeSpsExtra extra;

  g_return_val_if_fail (params != NULL, NULL);

  if (!ce_video_params_complete (params)) {
    g_set_error (error, CE_MUX_ERROR, CE_MUX_ERROR_PARAMS,
        "The %s stream has not sent all its parameter sets yet",
        ce_codec_to_string (params->codec));
    return NULL;
  }
  sps = g_bytes_get_data (params->sps, &sps_size);
  g_bytes_get_data (params->pps, &pps_size);
  if (params->vps != NULL)
    g_bytes_get_data (params->vps, &vps_size);
  /* Each set is written with a 16-bit size. */
  if (sps_size < 4 || sps_size > G_MAXUINT16 || pps_size > G_MAXUINT16 ||
      vps_size > G_MAXUINT16 ||
      !ce_sps_extra_parse (params->codec, sps, sps_size, &extra)) {
    g_set_error (error, CE_MUX_ERROR, CE_MUX_ERROR_PARAMS,
        "Unreadable %s sequence parameter set (%zu bytes)",
        ce_codec_to_string (params->codec), sps_size);
    return NULL;
  }

  out = g_byte_array_sized_new (32 + sps_size + pps_size + vps_size);
  if (params->codec == CE_CODEC_H264) {
    ce_put8 (out, 1);        /* configurationVersion */
    ce_put8 (out, sps[1]);   /* AVCProfileIndication */
    ce_put8 (out, sps[2]);   /* profile_compatibility */
    ce_put8 (out, sps[3]);   /* AVCLevelIndication */
    ce_put8 (out, 0xff);     /* reserved 111111, lengthSizeMinusOne 3 */
    ce_put8 (out, 0xe0 | 1); /* reserved 111, numOfSequenceParameterSets */
    ce_put16 (out, sps_size);
    g_byte_array_append (out, sps, sps_size);
    ce_put8 (out, 1); /* numOfPictureParameterSets */
    ce_put16 (out, pps_size);
    g_byte_array_append (out, g_bytes_get_data (params->pps, NULL), pps_size);
    if (sps[1] == 100 || sps[1] == 110 || sps[1] == 122 || sps[1] == 144) {
      ce_put8 (out, 0xfc | extra.chroma_format_idc);
      ce_put8 (out, 0xf8 | extra.bit_depth_luma_minus8);
      ce_put8 (out, 0xf8 | extra.bit_depth_chroma_minus8);
      ce_put8 (out, 0); /* numOfSequenceParameterSetExt */
    }
  } else {
    ce_put8 (out, 1); /* configurationVersion */
    /* profile_space, tier, profile_idc, compatibility flags, constraint
     * flags, level: the general profile_tier_level as coded. */
    g_byte_array_append (out, extra.general_ptl, 12);
    ce_put16 (out, 0xf000); /* min_spatial_segmentation_idc 0 */
    ce_put8 (out, 0xfc);    /* parallelismType 0 (unknown) */
    ce_put8 (out, 0xfc | extra.chroma_format_idc);
    ce_put8 (out, 0xf8 | extra.bit_depth_luma_minus8);
    ce_put8 (out, 0xf8 | extra.bit_depth_chroma_minus8);
    ce_put16 (out, 0); /* avgFrameRate unknown */
    /* constantFrameRate 0, numTemporalLayers, temporalIdNested,
     * lengthSizeMinusOne 3 */
    ce_put8 (out,
        (extra.num_temporal_layers & 7) << 3 |
            (extra.temporal_id_nested ? 1 : 0) << 2 | 3);
    ce_put8 (out, 3); /* numOfArrays */
    append_nal_array (out, 32, params->vps);
    append_nal_array (out, 33, params->sps);
    append_nal_array (out, 34, params->pps);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gsize
ce_au_append_length_prefixed (CeCodec codec, const guint8 *data, gsize size,
    GByteArray *out)
{
  gsize offset = 0, before;
  CeNal nal;

  g_return_val_if_fail (out != NULL, 0);

  before = out->len;
  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    if (ce_nal_is_aud (codec, nal.type) ||
        ce_nal_is_parameter_set (codec, nal.type))
      continue;
    ce_put32 (out, nal.size);
    g_byte_array_append (out, nal.data, nal.size);
  }
  return out->len - before;
}
