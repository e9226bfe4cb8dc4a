/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for NAL iteration, parameter sets, the SDP and the RTP
 * packetiser: each input is an access unit, tried as H.264 and as H.265.
 */
#include <stdint.h>
#include <string.h>

#include "ce-rtp.h"
#include "ce-sdp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
count_destroy (gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Rebuilds the NAL units (header included) from the chunks and compares
 * them with the ones ce_nal_next() finds, AUDs left out. */
static void
check_frame (CeCodec codec, const uint8_t *data, size_t size,
    const CeRtpFrame *frame, gsize mtu)
{
  gsize header = codec == CE_CODEC_H265 ? 2 : 1;
  gsize offset = 0, payload_bytes = 0;
  guint c = 0;
  CeNal nal;

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    gsize done;

    if (ce_nal_is_aud (codec, nal.type))
      continue;
    if (c >= frame->n_chunks ||
        (frame->chunks[c].prefix_len == 0) != (nal.size <= mtu))
      __builtin_trap ();
    if (frame->chunks[c].prefix_len == 0) {
      if (frame->chunks[c].data != nal.data ||
          frame->chunks[c].size != nal.size || nal.size > mtu)
        __builtin_trap ();
      payload_bytes += nal.size;
      c++;
      continue;
    }
    /* Fragments: S on the first, E on the last, contiguous data. */
    for (done = header; done < nal.size; c++) {
      const CeRtpChunk *chunk = &frame->chunks[c];
      guint8 fu;

      if (c >= frame->n_chunks || chunk->prefix_len != header + 1 ||
          chunk->prefix_len + chunk->size > mtu || chunk->size == 0 ||
          chunk->data != nal.data + done)
        __builtin_trap ();
      fu = chunk->prefix[header];
      if (((fu & 0x80) != 0) != (done == header))
        __builtin_trap ();
      done += chunk->size;
      if (((fu & 0x40) != 0) != (done == nal.size))
        __builtin_trap ();
      if (codec == CE_CODEC_H264) {
        /* FU indicator: F and NRI of the NAL, type 28 */
        if (chunk->prefix[0] != ((nal.data[0] & 0xe0) | 28) ||
            (fu & 0x1f) != nal.type)
          __builtin_trap ();
      } else {
        /* payload header: F, LayerId and TID of the NAL, type 49 */
        if (chunk->prefix[0] != ((nal.data[0] & 0x81) | (49 << 1)) ||
            chunk->prefix[1] != nal.data[1] || (fu & 0x3f) != nal.type)
          __builtin_trap ();
      }
      payload_bytes += chunk->prefix_len + chunk->size;
    }
    if (done != nal.size)
      __builtin_trap ();
  }
  if (c != frame->n_chunks || payload_bytes != frame->payload_bytes)
    __builtin_trap ();
  for (guint i = 0; i < frame->n_chunks; i++) {
    if (frame->chunks[i].marker != (i + 1 == frame->n_chunks))
      __builtin_trap ();
  }
}

static void
fuzz_codec (CeCodec codec, const uint8_t *data, size_t size)
{
  static const gsize mtus[] = {CE_RTP_DEFAULT_MTU, 4, 17, 200, 1500};
  gsize mtu = mtus[size % G_N_ELEMENTS (mtus)];
  CeVideoParams params = {.codec = codec};
  gsize offset = 0, last = 0;
  guint destroyed = 0;
  CeRtpFrame *frame;
  CeNal nal;

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    if (nal.data < data || nal.data + nal.size > data + size ||
        nal.data < data + last || nal.size == 0 || offset > size)
      __builtin_trap ();
    last = nal.data + nal.size - data;
  }
  ce_au_is_keyframe (codec, data, size);

  if (ce_video_params_update (&params, data, size)) {
    g_autofree char *codec_string = ce_video_params_codec_string (&params);

    if (codec_string != NULL &&
        !g_str_has_prefix (codec_string,
            codec == CE_CODEC_H264 ? "avc1." : "hvc1."))
      __builtin_trap ();
    if ((params.width == 0) != (params.height == 0) || params.width > 16384 ||
        params.height > 32768)
      __builtin_trap ();
    if (ce_video_params_complete (&params)) {
      g_autofree char *sdp =
          ce_sdp_build (&params, "cam", "127.0.0.1", 1, "trackID=0");

      if (sdp == NULL || !g_str_has_prefix (sdp, "v=0\r\n"))
        __builtin_trap ();
    }
  }
  /* The same sets again are no change. */
  if (ce_video_params_update (&params, data, size))
    __builtin_trap ();
  ce_video_params_clear (&params);

  frame = ce_rtp_frame_new (codec, data, size, 0, FALSE, mtu, &destroyed,
      count_destroy);
  if (frame == NULL) {
    if (destroyed != 1)
      __builtin_trap ();
    return;
  }
  check_frame (codec, data, size, frame, mtu);
  ce_rtp_frame_unref (frame);
  if (destroyed != 1)
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_codec (CE_CODEC_H264, data, size);
  fuzz_codec (CE_CODEC_H265, data, size);
  return 0;
}
