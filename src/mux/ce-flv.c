/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * FLV tags for one video track.
 */
#include "ce-flv.h"

#include "ce-mux-private.h"

#define TAG_VIDEO 9
#define TAG_SCRIPT 18
#define TAG_HEADER_SIZE 11

#define CODEC_ID_AVC 7
#define CODEC_ID_HEVC 12

#define FRAME_KEY 1
#define FRAME_INTER 2

/* Enhanced RTMP packet types */
#define EX_SEQUENCE_START 0
#define EX_CODED_FRAMES_X 3

GBytes *
ce_flv_header (void)
{
  static const guint8 header[] = {'F', 'L', 'V', 1, 0x01, 0, 0, 0, 9,
      /* PreviousTagSize0 */ 0, 0, 0, 0};

  return g_bytes_new_static (header, sizeof header);
}

/* Starts a tag; returns its offset for tag_end(). */
static gsize
tag_begin (GByteArray *out, guint type, guint32 timestamp_ms)
{
  gsize at = out->len;

  ce_put8 (out, type);
  ce_put24 (out, 0); /* DataSize, set by tag_end() */
  ce_put24 (out, timestamp_ms & 0xffffff);
  ce_put8 (out, timestamp_ms >> 24); /* TimestampExtended */
  ce_put24 (out, 0);                 /* StreamID */
  return at;
}

static void
tag_end (GByteArray *out, gsize at)
{
  gsize data_size = out->len - at - TAG_HEADER_SIZE;

  out->data[at + 1] = data_size >> 16;
  out->data[at + 2] = data_size >> 8;
  out->data[at + 3] = data_size;
  ce_put32 (out, out->len - at); /* PreviousTagSize */
}

static void
amf_string (GByteArray *out, const char *s)
{
  ce_put16 (out, strlen (s));
  g_byte_array_append (out, (const guint8 *) s, strlen (s));
}

static void
amf_number_prop (GByteArray *out, const char *name, double value)
{
  guint64 bits;

  amf_string (out, name);
  ce_put8 (out, 0); /* Number */
  memcpy (&bits, &value, sizeof bits);
  ce_put64 (out, bits);
}

static void
amf_bool_prop (GByteArray *out, const char *name, gboolean value)
{
  amf_string (out, name);
  ce_put8 (out, 1); /* Boolean */
  ce_put8 (out, value ? 1 : 0);
}

static void
amf_string_prop (GByteArray *out, const char *name, const char *value)
{
  amf_string (out, name);
  ce_put8 (out, 2); /* String */
  amf_string (out, value);
}

static guint
codec_id (CeCodec codec, CeFlvHevc hevc)
{
  if (codec == CE_CODEC_H264)
    return CODEC_ID_AVC;
  return hevc == CE_FLV_HEVC_CODEC_ID_12 ? CODEC_ID_HEVC : 0;
}

GBytes *
ce_flv_metadata_tag (const CeVideoParams *params, CeFlvHevc hevc,
    guint32 timestamp_ms)
{
  g_autoptr (GByteArray) out = g_byte_array_sized_new (256);
  gsize tag;

  g_return_val_if_fail (params != NULL, NULL);

  tag = tag_begin (out, TAG_SCRIPT, timestamp_ms);
  ce_put8 (out, 2); /* String */
  amf_string (out, "onMetaData");
  ce_put8 (out, 8); /* ECMA array */
  ce_put32 (out, 7);
  amf_number_prop (out, "duration", 0);
  amf_number_prop (out, "width", params->width);
  amf_number_prop (out, "height", params->height);
  amf_number_prop (out, "videocodecid", codec_id (params->codec, hevc));
  amf_bool_prop (out, "hasVideo", TRUE);
  amf_bool_prop (out, "hasAudio", FALSE);
  amf_string_prop (out, "encoder", "cityeye");
  ce_put24 (out, 9); /* object end marker */
  tag_end (out, tag);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* The bytes in front of the payload of a video tag. */
static void
video_tag_header (GByteArray *out, CeCodec codec, CeFlvHevc hevc,
    gboolean keyframe, gboolean sequence)
{
  guint frame = keyframe ? FRAME_KEY : FRAME_INTER;

  if (codec == CE_CODEC_H265 && hevc == CE_FLV_HEVC_ENHANCED) {
    /* CodedFramesX: composition time 0, not written. */
    ce_put8 (out,
        0x80 | frame << 4 | (sequence ? EX_SEQUENCE_START : EX_CODED_FRAMES_X));
    g_byte_array_append (out, (const guint8 *) "hvc1", 4);
    return;
  }
  ce_put8 (out, frame << 4 | codec_id (codec, hevc));
  ce_put8 (out, sequence ? 0 : 1); /* AVCPacketType */
  ce_put24 (out, 0);               /* CompositionTime */
}

GBytes *
ce_flv_sequence_tag (const CeVideoParams *params, CeFlvHevc hevc,
    guint32 timestamp_ms, GError **error)
{
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GByteArray) out = NULL;
  gsize tag;

  g_return_val_if_fail (params != NULL, NULL);

  config = ce_codec_config_new (params, error);
  if (config == NULL)
    return NULL;
  out = g_byte_array_sized_new (32 + g_bytes_get_size (config));
  tag = tag_begin (out, TAG_VIDEO, timestamp_ms);
  video_tag_header (out, params->codec, hevc, TRUE, TRUE);
  g_byte_array_append (out, g_bytes_get_data (config, NULL),
      g_bytes_get_size (config));
  tag_end (out, tag);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
ce_flv_video_tag (CeCodec codec, CeFlvHevc hevc, guint32 timestamp_ms,
    gboolean keyframe, const guint8 *data, gsize size)
{
  g_autoptr (GByteArray) out = g_byte_array_sized_new (32 + size + size / 64);
  gsize tag;

  tag = tag_begin (out, TAG_VIDEO, timestamp_ms);
  video_tag_header (out, codec, hevc, keyframe, FALSE);
  ce_au_append_length_prefixed (codec, data, size, out);
  tag_end (out, tag);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Both dialects put 5 bytes in front of the payload (1 + packet type +
 * composition time, or 1 + FourCC), so the PreviousTagSize at the end of
 * the body depends on the payload only. */
#define VIDEO_TAG_HEADER_SIZE 5

GBytes *
ce_flv_video_tag_head (CeCodec codec, CeFlvHevc hevc, guint32 timestamp_ms,
    gboolean keyframe, gsize payload_size)
{
  GByteArray *out = g_byte_array_sized_new (TAG_HEADER_SIZE + 8);
  gsize tag, data_size = VIDEO_TAG_HEADER_SIZE + payload_size;

  tag = tag_begin (out, TAG_VIDEO, timestamp_ms);
  video_tag_header (out, codec, hevc, keyframe, FALSE);
  g_assert (out->len - tag == TAG_HEADER_SIZE + VIDEO_TAG_HEADER_SIZE);
  out->data[tag + 1] = data_size >> 16;
  out->data[tag + 2] = data_size >> 8;
  out->data[tag + 3] = data_size;
  return g_byte_array_free_to_bytes (out);
}

GBytes *
ce_flv_video_tag_body (const guint8 *payload, gsize payload_size)
{
  GByteArray *out = g_byte_array_sized_new (payload_size + 4);

  g_byte_array_append (out, payload, payload_size);
  ce_put32 (out, TAG_HEADER_SIZE + VIDEO_TAG_HEADER_SIZE + payload_size);
  return g_byte_array_free_to_bytes (out);
}
