/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * HTTP-FLV for one video track, as the Chinese web players read it
 * (flv.js, mpegts.js, jessibuca): the file header, an onMetaData script
 * tag, the decoder configuration as a sequence header tag, and one video
 * tag per access unit with composition time 0.
 *
 * H.265 comes in one of two dialects (see CeFlvHevc); the default is
 * codec id 12, which is what the deployed players of our operators read.
 */
#pragma once

#include "ce-codec-config.h"

G_BEGIN_DECLS

typedef enum
{
  /* VideoTagHeader codec id 12 with the AVC packet layout (packet type,
   * composition time) and an HEVCDecoderConfigurationRecord: the de-facto
   * Chinese extension, read by the flv.js forks, mpegts.js, jessibuca,
   * SRS, ZLMediaKit and nginx-http-flv. */
  CE_FLV_HEVC_CODEC_ID_12,
  /* Enhanced RTMP v1 (Veovera): IsExHeader bit, packet type in the low
   * nibble and FourCC 'hvc1'; read by FFmpeg 6.1+, OBS and newer
   * mpegts.js. */
  CE_FLV_HEVC_ENHANCED,
} CeFlvHevc;

/* "FLV", version 1, video only, header size 9, PreviousTagSize0.
 * (transfer full) */
GBytes *ce_flv_header (void);

/* An onMetaData script tag at @timestamp_ms: width, height, videocodecid
 * (7, 12, or 0 for enhanced H.265 since the id lives in the FourCC),
 * hasVideo, hasAudio false.  (transfer full) */
GBytes *ce_flv_metadata_tag (const CeVideoParams *params, CeFlvHevc hevc,
    guint32 timestamp_ms);

/**
 * ce_flv_sequence_tag:
 * The sequence header (AVC: AVCPacketType 0 with the
 * AVCDecoderConfigurationRecord; H.265: as @hevc says) at @timestamp_ms.
 *
 * Returns: (transfer full): the tag with its PreviousTagSize, or %NULL with
 * @error set (CE_MUX_ERROR_PARAMS).
 */
GBytes *ce_flv_sequence_tag (const CeVideoParams *params, CeFlvHevc hevc,
    guint32 timestamp_ms, GError **error);

/* One video tag (with its PreviousTagSize) for the Annex B access unit
 * @data at @timestamp_ms (FLV's 32-bit millisecond clock): NAL units with
 * 4-byte lengths, no AUDs or parameter sets, composition time 0.
 * (transfer full) */
GBytes *ce_flv_video_tag (CeCodec codec, CeFlvHevc hevc, guint32 timestamp_ms,
    gboolean keyframe, const guint8 *data, gsize size);

/* The same tag in two parts, so that viewers of one camera share the
 * payload: the per-viewer head (tag header, timestamp, video tag header)
 * and the shared body (the length-prefixed NAL units of
 * ce_au_append_length_prefixed(), then the PreviousTagSize), the same for
 * every viewer and either H.265 dialect.  (transfer full) */
GBytes *ce_flv_video_tag_head (CeCodec codec, CeFlvHevc hevc,
    guint32 timestamp_ms, gboolean keyframe, gsize payload_size);
GBytes *ce_flv_video_tag_body (const guint8 *payload, gsize payload_size);

G_END_DECLS
