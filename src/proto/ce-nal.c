/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Annex B NAL iteration and the SPS fields the gateway needs.
 */
#include "ce-nal.h"

#include <string.h>

/* Largest picture side accepted from an SPS; anything larger is corrupt for
 * a camera gateway, and the bound keeps the arithmetic far from overflow. */
#define MAX_PICTURE_SIDE 16384
/* The SPS fields we read end before the VUI; scaling lists are the longest
 * part before it (at most ~1.5 KB of RBSP). */
#define MAX_SPS_RBSP 4096

const char *
ce_codec_to_string (CeCodec codec)
{
  switch (codec) {
    case CE_CODEC_H264:
      return "h264";
    case CE_CODEC_H265:
      return "h265";
    case CE_CODEC_UNKNOWN:
    default:
      return "unknown";
  }
}

/* Returns the first 00 00 01 at or after @p, or NULL.  memchr() for the
 * 0x01 byte is the fast part: slice data rarely contains it. */
static const guint8 *
find_start_code (const guint8 *p, const guint8 *end)
{
  while (end - p >= 3) {
    const guint8 *one = memchr (p + 2, 0x01, end - (p + 2));

    if (one == NULL)
      return NULL;
    if (one[-1] == 0 && one[-2] == 0)
      return one - 2;
    p = one - 1;
  }
  return NULL;
}

static guint
nal_header_size (CeCodec codec)
{
  return codec == CE_CODEC_H265 ? 2 : 1;
}

static guint
nal_type (CeCodec codec, const guint8 *nal)
{
  if (codec == CE_CODEC_H265)
    return (nal[0] >> 1) & 0x3f;
  return nal[0] & 0x1f;
}

gboolean
ce_nal_next (CeCodec codec, const guint8 *data, gsize size, gsize *offset,
    CeNal *nal)
{
  const guint8 *end;
  const guint8 *p;

  g_return_val_if_fail (offset != NULL, FALSE);
  g_return_val_if_fail (nal != NULL, FALSE);

  if (data == NULL || *offset >= size)
    return FALSE;
  end = data + size;
  p = data + *offset;
  for (;;) {
    const guint8 *sc = find_start_code (p, end);
    const guint8 *start, *next, *stop;

    if (sc == NULL) {
      *offset = size;
      return FALSE;
    }
    start = sc + 3;
    next = find_start_code (start, end);
    stop = next != NULL ? next : end;
    *offset = stop - data;
    while (stop > start && stop[-1] == 0)
      stop--;
    /* A NAL too short for its header is noise; skip it. */
    if ((gsize) (stop - start) >= nal_header_size (codec)) {
      nal->data = start;
      nal->size = stop - start;
      nal->type = nal_type (codec, start);
      return TRUE;
    }
    if (next == NULL)
      return FALSE;
    p = next;
  }
}

gboolean
ce_nal_is_keyframe (CeCodec codec, guint type)
{
  if (codec == CE_CODEC_H264)
    return type == 5;
  if (codec == CE_CODEC_H265)
    return type >= 16 && type <= 23;
  return FALSE;
}

gboolean
ce_nal_is_parameter_set (CeCodec codec, guint type)
{
  if (codec == CE_CODEC_H264)
    return type == 7 || type == 8;
  if (codec == CE_CODEC_H265)
    return type >= 32 && type <= 34;
  return FALSE;
}

gboolean
ce_nal_is_aud (CeCodec codec, guint type)
{
  if (codec == CE_CODEC_H264)
    return type == 9;
  if (codec == CE_CODEC_H265)
    return type == 35;
  return FALSE;
}

gboolean
ce_au_is_keyframe (CeCodec codec, const guint8 *data, gsize size)
{
  gsize offset = 0;
  CeNal nal;

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    if (ce_nal_is_keyframe (codec, nal.type))
      return TRUE;
  }
  return FALSE;
}

/* ---- Bit reading over RBSP ---------------------------------------------- */

typedef struct
{
  const guint8 *data;
  gsize size; /* bytes */
  gsize pos;  /* bits */
  gboolean error;
} BitReader;

/* Copies a NAL without its emulation prevention bytes (00 00 03 → 00 00),
 * up to @max bytes of output.  Returns the RBSP size. */
static gsize
nal_to_rbsp (const guint8 *nal, gsize size, guint8 *out, gsize max)
{
  gsize n = 0;
  guint zeros = 0;

  for (gsize i = 0; i < size && n < max; i++) {
    guint8 b = nal[i];

    if (zeros >= 2 && b == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out[n++] = b;
  }
  return n;
}

static guint32
br_bits (BitReader *br, guint n)
{
  guint32 v = 0;

  g_assert (n <= 32);
  if (br->error || n > br->size * 8 - br->pos) {
    br->error = TRUE;
    return 0;
  }
  for (guint i = 0; i < n; i++) {
    guint8 byte = br->data[br->pos >> 3];

    v = (v << 1) | ((byte >> (7 - (br->pos & 7))) & 1);
    br->pos++;
  }
  return v;
}

static void
br_skip (BitReader *br, gsize n)
{
  if (br->error || n > br->size * 8 - br->pos) {
    br->error = TRUE;
    return;
  }
  br->pos += n;
}

/* ue(v); values above 2^31 - 2 are refused as corrupt. */
static guint32
br_ue (BitReader *br)
{
  guint zeros = 0;

  while (!br->error && br_bits (br, 1) == 0) {
    if (++zeros > 31) {
      br->error = TRUE;
      return 0;
    }
  }
  if (br->error)
    return 0;
  if (zeros == 31) {
    br->error = TRUE;
    return 0;
  }
  return ((1u << zeros) - 1) + br_bits (br, zeros);
}

static gint32
br_se (BitReader *br)
{
  guint32 k = br_ue (br);

  if (k & 1)
    return (gint32) ((k + 1) / 2);
  return -(gint32) (k / 2);
}

/* ue(v) that must not exceed @max. */
static guint32
br_ue_max (BitReader *br, guint32 max)
{
  guint32 v = br_ue (br);

  if (v > max)
    br->error = TRUE;
  return v;
}

typedef struct
{
  guint width, height;
  guint8 profile_idc, constraint_flags, level_idc, tier_flag;
} SpsInfo;

static void
h264_skip_scaling_list (BitReader *br, guint size)
{
  gint last = 8, next = 8;

  for (guint j = 0; j < size && !br->error; j++) {
    if (next != 0) {
      gint32 delta = br_se (br);

      if (delta < -128 || delta > 127) {
        br->error = TRUE;
        return;
      }
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
}

/* H.264 7.3.2.1.1, up to frame cropping. */
static gboolean
h264_parse_sps (const guint8 *nal, gsize size, SpsInfo *info)
{
  guint8 rbsp[MAX_SPS_RBSP];
  BitReader br = {rbsp, 0, 0, FALSE};
  guint chroma_format_idc = 1, separate_colour_plane = 0;
  guint profile, frame_mbs_only, width_mbs, height_units;
  guint crop_unit_x, crop_unit_y;
  guint crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  guint width, height;

  br.size = nal_to_rbsp (nal, size, rbsp, sizeof rbsp);
  br_skip (&br, 8); /* NAL header */
  profile = br_bits (&br, 8);
  info->constraint_flags = br_bits (&br, 8);
  info->level_idc = br_bits (&br, 8);
  br_ue_max (&br, 31); /* seq_parameter_set_id */
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
      chroma_format_idc = br_ue_max (&br, 3);
      if (chroma_format_idc == 3)
        separate_colour_plane = br_bits (&br, 1);
      br_ue_max (&br, 6); /* bit_depth_luma_minus8 */
      br_ue_max (&br, 6); /* bit_depth_chroma_minus8 */
      br_skip (&br, 1);   /* qpprime_y_zero_transform_bypass_flag */
      if (br_bits (&br, 1)) {
        /* seq_scaling_matrix_present_flag */
        guint n = chroma_format_idc != 3 ? 8 : 12;

        for (guint i = 0; i < n && !br.error; i++) {
          if (br_bits (&br, 1))
            h264_skip_scaling_list (&br, i < 6 ? 16 : 64);
        }
      }
      break;
    default:
      break;
  }
  br_ue_max (&br, 12); /* log2_max_frame_num_minus4 */
  switch (br_ue_max (&br, 2)) {
    /* pic_order_cnt_type */
    case 0:
      br_ue_max (&br, 12); /* log2_max_pic_order_cnt_lsb_minus4 */
      break;
    case 1: {
      guint cycle;

      br_skip (&br, 1); /* delta_pic_order_always_zero_flag */
      br_se (&br);      /* offset_for_non_ref_pic */
      br_se (&br);      /* offset_for_top_to_bottom_field */
      cycle = br_ue_max (&br, 255);
      for (guint i = 0; i < cycle && !br.error; i++)
        br_se (&br);
      break;
    }
    default:
      break;
  }
  br_ue_max (&br, 32); /* max_num_ref_frames */
  br_skip (&br, 1);    /* gaps_in_frame_num_value_allowed_flag */
  width_mbs = br_ue_max (&br, MAX_PICTURE_SIDE / 16 - 1) + 1;
  height_units = br_ue_max (&br, MAX_PICTURE_SIDE / 16 - 1) + 1;
  frame_mbs_only = br_bits (&br, 1);
  if (!frame_mbs_only)
    br_skip (&br, 1); /* mb_adaptive_frame_field_flag */
  br_skip (&br, 1);   /* direct_8x8_inference_flag */
  if (br_bits (&br, 1)) {
    /* frame_cropping_flag */
    crop_left = br_ue_max (&br, MAX_PICTURE_SIDE);
    crop_right = br_ue_max (&br, MAX_PICTURE_SIDE);
    crop_top = br_ue_max (&br, MAX_PICTURE_SIDE);
    crop_bottom = br_ue_max (&br, MAX_PICTURE_SIDE);
  }
  if (br.error)
    return FALSE;

  /* Table 6-1 and equations 7-19 .. 7-22. */
  if (separate_colour_plane || chroma_format_idc == 0) {
    crop_unit_x = 1;
    crop_unit_y = 2 - frame_mbs_only;
  } else {
    guint sub_width_c = chroma_format_idc == 3 ? 1 : 2;
    guint sub_height_c = chroma_format_idc == 1 ? 2 : 1;

    crop_unit_x = sub_width_c;
    crop_unit_y = sub_height_c * (2 - frame_mbs_only);
  }
  width = width_mbs * 16;
  height = (2 - frame_mbs_only) * height_units * 16;
  if (crop_unit_x * (crop_left + crop_right) >= width ||
      crop_unit_y * (crop_top + crop_bottom) >= height)
    return FALSE;
  info->width = width - crop_unit_x * (crop_left + crop_right);
  info->height = height - crop_unit_y * (crop_top + crop_bottom);
  info->profile_idc = profile;
  info->tier_flag = 0;
  return TRUE;
}

/* The general part of H.265 profile_tier_level(): 12 bytes. */
typedef struct
{
  guint8 profile_space, tier_flag, profile_idc, level_idc;
  guint32 compatibility_flags;
  guint8 constraint[6];
} H265Ptl;

static void
h265_parse_ptl (BitReader *br, guint max_sub_layers_minus1, H265Ptl *ptl)
{
  guint8 profile_present[8], level_present[8];

  ptl->profile_space = br_bits (br, 2);
  ptl->tier_flag = br_bits (br, 1);
  ptl->profile_idc = br_bits (br, 5);
  ptl->compatibility_flags = br_bits (br, 32);
  for (guint i = 0; i < 6; i++)
    ptl->constraint[i] = br_bits (br, 8);
  ptl->level_idc = br_bits (br, 8);
  for (guint i = 0; i < max_sub_layers_minus1; i++) {
    profile_present[i] = br_bits (br, 1);
    level_present[i] = br_bits (br, 1);
  }
  if (max_sub_layers_minus1 > 0) {
    for (guint i = max_sub_layers_minus1; i < 8; i++)
      br_skip (br, 2); /* reserved_zero_2bits */
  }
  for (guint i = 0; i < max_sub_layers_minus1; i++) {
    if (profile_present[i])
      br_skip (br, 88);
    if (level_present[i])
      br_skip (br, 8);
  }
}

/* H.265 7.3.2.2.1, up to the conformance window.  @ptl may be NULL. */
static gboolean
h265_parse_sps (const guint8 *nal, gsize size, SpsInfo *info, H265Ptl *ptl)
{
  guint8 rbsp[MAX_SPS_RBSP];
  BitReader br = {rbsp, 0, 0, FALSE};
  H265Ptl local;
  guint max_sub_layers_minus1, chroma_format_idc, separate_colour_plane = 0;
  guint width, height, sub_width_c, sub_height_c;
  guint left = 0, right = 0, top = 0, bottom = 0;

  if (ptl == NULL)
    ptl = &local;
  br.size = nal_to_rbsp (nal, size, rbsp, sizeof rbsp);
  br_skip (&br, 16); /* NAL header */
  br_skip (&br, 4);  /* sps_video_parameter_set_id */
  max_sub_layers_minus1 = br_bits (&br, 3);
  if (max_sub_layers_minus1 > 6)
    return FALSE;
  br_skip (&br, 1); /* sps_temporal_id_nesting_flag */
  h265_parse_ptl (&br, max_sub_layers_minus1, ptl);
  br_ue_max (&br, 15); /* sps_seq_parameter_set_id */
  chroma_format_idc = br_ue_max (&br, 3);
  if (chroma_format_idc == 3)
    separate_colour_plane = br_bits (&br, 1);
  width = br_ue_max (&br, MAX_PICTURE_SIDE);
  height = br_ue_max (&br, MAX_PICTURE_SIDE);
  if (br_bits (&br, 1)) {
    /* conformance_window_flag */
    left = br_ue_max (&br, MAX_PICTURE_SIDE);
    right = br_ue_max (&br, MAX_PICTURE_SIDE);
    top = br_ue_max (&br, MAX_PICTURE_SIDE);
    bottom = br_ue_max (&br, MAX_PICTURE_SIDE);
  }
  if (br.error || width == 0 || height == 0)
    return FALSE;

  /* Table 6-1: ChromaArrayType 0 (monochrome or separate planes) has no
   * subsampling. */
  if (separate_colour_plane || chroma_format_idc == 0) {
    sub_width_c = 1;
    sub_height_c = 1;
  } else {
    sub_width_c = chroma_format_idc == 3 ? 1 : 2;
    sub_height_c = chroma_format_idc == 1 ? 2 : 1;
  }
  if (sub_width_c * (left + right) >= width ||
      sub_height_c * (top + bottom) >= height)
    return FALSE;
  info->width = width - sub_width_c * (left + right);
  info->height = height - sub_height_c * (top + bottom);
  info->profile_idc = ptl->profile_idc;
  info->constraint_flags = 0;
  info->level_idc = ptl->level_idc;
  info->tier_flag = ptl->tier_flag;
  return TRUE;
}

/* ---- Parameter sets --------------------------------------------------------
 */

void
ce_video_params_clear (CeVideoParams *params)
{
  g_return_if_fail (params != NULL);

  g_clear_pointer (&params->vps, g_bytes_unref);
  g_clear_pointer (&params->sps, g_bytes_unref);
  g_clear_pointer (&params->pps, g_bytes_unref);
  memset (params, 0, sizeof *params);
}

/* Replaces *@slot with a copy of @nal when it differs; TRUE if it did. */
static gboolean
replace_set (GBytes **slot, const CeNal *nal)
{
  if (nal->data == NULL)
    return FALSE;
  if (*slot != NULL) {
    gsize size;
    const guint8 *old = g_bytes_get_data (*slot, &size);

    if (size == nal->size && memcmp (old, nal->data, size) == 0)
      return FALSE;
    g_bytes_unref (*slot);
  }
  *slot = g_bytes_new (nal->data, nal->size);
  return TRUE;
}

gboolean
ce_video_params_update (CeVideoParams *params, const guint8 *data, gsize size)
{
  CeNal nal, vps = {NULL}, sps = {NULL}, pps = {NULL};
  gsize offset = 0;
  gboolean changed = FALSE;
  CeCodec codec;

  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (
      params->codec == CE_CODEC_H264 || params->codec == CE_CODEC_H265, FALSE);

  codec = params->codec;
  /* Most access units hold no parameter set: find the last of each kind
   * first, so that an AU repeating the known sets costs one memcmp each. */
  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    if (codec == CE_CODEC_H264) {
      if (nal.type == 7)
        sps = nal;
      else if (nal.type == 8)
        pps = nal;
    } else {
      if (nal.type == 32)
        vps = nal;
      else if (nal.type == 33)
        sps = nal;
      else if (nal.type == 34)
        pps = nal;
    }
  }

  if (codec == CE_CODEC_H265)
    changed |= replace_set (&params->vps, &vps);
  changed |= replace_set (&params->pps, &pps);
  if (replace_set (&params->sps, &sps)) {
    SpsInfo info = {0};
    gboolean ok;

    changed = TRUE;
    if (codec == CE_CODEC_H264)
      ok = h264_parse_sps (sps.data, sps.size, &info);
    else
      ok = h265_parse_sps (sps.data, sps.size, &info, NULL);
    if (ok) {
      params->width = info.width;
      params->height = info.height;
      params->profile_idc = info.profile_idc;
      params->constraint_flags = info.constraint_flags;
      params->level_idc = info.level_idc;
      params->tier_flag = info.tier_flag;
    }
  }
  return changed;
}

gboolean
ce_video_params_complete (const CeVideoParams *params)
{
  g_return_val_if_fail (params != NULL, FALSE);

  switch (params->codec) {
    case CE_CODEC_H264:
      return params->sps != NULL && params->pps != NULL;
    case CE_CODEC_H265:
      return params->vps != NULL && params->sps != NULL && params->pps != NULL;
    case CE_CODEC_UNKNOWN:
    default:
      return FALSE;
  }
}

/* ISO/IEC 14496-15 Annex E, as GStreamer's codec utils write it. */
static char *
h265_codec_string (const guint8 *nal, gsize size)
{
  static const char *const spaces[] = {"", "A", "B", "C"};
  SpsInfo info;
  H265Ptl ptl;
  GString *s;
  guint32 flags = 0;
  guint n;

  if (!h265_parse_sps (nal, size, &info, &ptl))
    return NULL;
  /* The 32 compatibility flags, bit 0 first, as a hex number. */
  for (guint i = 0; i < 32; i++) {
    if (ptl.compatibility_flags & (1u << i))
      flags |= 1u << (31 - i);
  }
  s = g_string_new (NULL);
  g_string_append_printf (s, "hvc1.%s%u.%X.%c%u", spaces[ptl.profile_space],
      ptl.profile_idc, flags, ptl.tier_flag ? 'H' : 'L', ptl.level_idc);
  /* Constraint bytes, trailing zero bytes left out. */
  for (n = 6; n > 0 && ptl.constraint[n - 1] == 0; n--)
    ;
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, ".%02X", ptl.constraint[i]);
  return g_string_free (s, FALSE);
}

char *
ce_video_params_codec_string (const CeVideoParams *params)
{
  const guint8 *sps;
  gsize size;

  g_return_val_if_fail (params != NULL, NULL);

  if (params->sps == NULL)
    return NULL;
  sps = g_bytes_get_data (params->sps, &size);
  switch (params->codec) {
    case CE_CODEC_H264:
      if (size < 4)
        return NULL;
      return g_strdup_printf ("avc1.%02x%02x%02x", sps[1], sps[2], sps[3]);
    case CE_CODEC_H265:
      return h265_codec_string (sps, size);
    case CE_CODEC_UNKNOWN:
    default:
      return NULL;
  }
}
