/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the browser muxers: the first byte picks the codec
 * and the FLV H.265 dialect, the rest is an access unit holding whatever
 * parameter sets and slices the camera sent.  Exercises the SPS reading of
 * the configuration records, the init segment, a fragment, the FLV tags
 * and the HLS segmenter, and checks the fragment's own arithmetic.
 */
#include <stdint.h>
#include <string.h>

#include "ce-flv.h"
#include "ce-fmp4.h"
#include "ce-hls.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 |
      p[3];
}

/* The trun sample size must equal the mdat payload, which must be a
 * sequence of length-prefixed NAL units. */
static void
check_fragment (GBytes *frag)
{
  gsize size;
  const guint8 *d = g_bytes_get_data (frag, &size);
  guint32 moof = rd32 (d);
  const guint8 *trun = d + 8 + 16 + 8 + 16 + 20; /* mfhd, traf, tfhd, tfdt */
  guint32 sample_size, at;

  if (moof + 8 > size || memcmp (trun + 4, "trun", 4) != 0 ||
      rd32 (trun + 16) != moof + 8)
    __builtin_trap ();
  sample_size = rd32 (trun + 24);
  if (rd32 (d + moof) != size - moof || moof + 8 + sample_size != size)
    __builtin_trap ();
  for (at = moof + 8; at < size;) {
    if (size - at < 4 || rd32 (d + at) > size - at - 4)
      __builtin_trap ();
    at += 4 + rd32 (d + at);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CeVideoParams params = {0};
  CeCodec codec;
  CeFlvHevc hevc;
  CeFmp4Sample sample = {0};
  CeSpsExtra extra;
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) frag = NULL;
  g_autoptr (GBytes) tag = NULL;
  g_autoptr (GBytes) seq = NULL;
  g_autoptr (GBytes) meta = NULL;
  g_autoptr (CeHls) hls = NULL;
  g_autofree char *playlist = NULL;
  gsize offset = 0;
  CeNal nal;

  if (size < 1)
    return 0;
  codec = (data[0] & 1) ? CE_CODEC_H265 : CE_CODEC_H264;
  hevc = (data[0] & 2) ? CE_FLV_HEVC_ENHANCED : CE_FLV_HEVC_CODEC_ID_12;
  data++;
  size--;

  /* Every NAL as an SPS, whatever its type. */
  while (ce_nal_next (codec, data, size, &offset, &nal))
    ce_sps_extra_parse (codec, nal.data, nal.size, &extra);

  params.codec = codec;
  ce_video_params_update (&params, data, size);
  config = ce_codec_config_new (&params, NULL);
  init = ce_fmp4_init_segment (&params, NULL);
  if (init != NULL && config == NULL)
    __builtin_trap ();
  /* ftyp comes first and the moov follows it. */
  if (init != NULL &&
      rd32 (g_bytes_get_data (init, NULL)) >= g_bytes_get_size (init))
    __builtin_trap ();

  sample.data = data;
  sample.size = size;
  sample.duration = 3600;
  sample.keyframe = ce_au_is_keyframe (codec, data, size);
  frag = ce_fmp4_fragment (codec, 1, 0, &sample, 1);
  check_fragment (frag);

  tag = ce_flv_video_tag (codec, hevc, 40, sample.keyframe, data, size);
  seq = ce_flv_sequence_tag (&params, hevc, 0, NULL);
  meta = ce_flv_metadata_tag (&params, hevc, 0);

  hls = ce_hls_new (NULL);
  if (ce_hls_set_params (hls, &params, NULL)) {
    for (guint i = 0; i < 3; i++)
      ce_hls_push (hls, data, size, i * G_GUINT64_CONSTANT (1000000000),
          G_GUINT64_CONSTANT (40000000), TRUE);
    ce_hls_flush (hls);
    playlist = ce_hls_dup_playlist (hls);
    if (playlist == NULL)
      __builtin_trap ();
  }
  ce_video_params_clear (&params);
  return 0;
}
