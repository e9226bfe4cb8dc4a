/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for reading a camera's SDP; what it finds must survive
 * a round trip through the SDP our server writes.
 */
#include <stdint.h>
#include <string.h>

#include "ce-depay.h"
#include "ce-sdp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_control (const char *s)
{
  if (s == NULL)
    return;
  /* Fit for a request line: visible ASCII. */
  for (const char *c = s; *c != '\0'; c++) {
    if ((guint8) *c <= 0x20 || (guint8) *c >= 0x7f)
      __builtin_trap ();
  }
}

static guint
set_type (CeCodec codec, GBytes *set)
{
  const guint8 *d = g_bytes_get_data (set, NULL);

  return codec == CE_CODEC_H265 ? (d[0] >> 1) & 0x3f : d[0] & 0x1f;
}

static void
check_set (CeCodec codec, GBytes *set, guint h264_type, guint h265_type)
{
  if (set == NULL)
    return;
  if (g_bytes_get_size (set) == 0 ||
      (codec == CE_CODEC_H265 && g_bytes_get_size (set) < 2) ||
      set_type (codec, set) != (codec == CE_CODEC_H265 ? h265_type : h264_type))
    __builtin_trap ();
}

static gboolean
same (GBytes *a, GBytes *b)
{
  return a == NULL ? b == NULL : b != NULL && g_bytes_equal (a, b);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Not NUL-terminated: ASan sees a read past @size. */
  g_autofree char *sdp = g_memdup2 (data, size);
  g_autoptr (GError) error = NULL;
  CeSdpVideo v;

  /* The audio track, read from the same bytes; what we pass on to
   * viewers must read back the same. */
  {
    CeSdpAudio a, back;
    CeVideoParams none = {CE_CODEC_H264};
    g_autofree char *ours = NULL;

    if (ce_sdp_parse_audio (sdp, size, &a)) {
      if (a.codec == CE_AUDIO_NONE || a.clock_rate < 1000 ||
          a.clock_rate > 192000 || a.channels == 0 || a.channels > 8)
        __builtin_trap ();
      for (const char *c = a.fmtp; c != NULL && *c != '\0'; c++)
        if ((guint8) *c < 0x20 || (guint8) *c >= 0x7f)
          __builtin_trap ();
      check_control (a.control);
      ours = ce_sdp_build_av (&none, &a, "fuzz", "127.0.0.1", 1, "trackID=0",
          "trackID=1");
      if (!ce_sdp_parse_audio (ours, strlen (ours), &back) ||
          back.codec != a.codec || back.clock_rate != a.clock_rate ||
          back.channels != a.channels ||
          g_strcmp0 (back.control, "trackID=1") != 0 ||
          back.payload_type != ce_sdp_audio_output_pt (&a))
        __builtin_trap ();
      ce_sdp_audio_clear (&back);
    } else if (a.codec != CE_AUDIO_NONE || a.fmtp != NULL ||
        a.control != NULL) {
      __builtin_trap ();
    }
    ce_sdp_audio_clear (&a);
  }

  if (!ce_sdp_parse_video (sdp, size, &v, &error)) {
    if (error == NULL || error->domain != CE_SDP_ERROR || v.codec != 0 ||
        v.control != NULL || v.sps != NULL ||
        !g_utf8_validate (error->message, -1, NULL))
      __builtin_trap ();
    return 0;
  }
  if ((v.codec != CE_CODEC_H264 && v.codec != CE_CODEC_H265) ||
      v.payload_type > 127 || v.clock_rate == 0 || error != NULL)
    __builtin_trap ();
  check_control (v.control);
  check_control (v.session_control);
  check_set (v.codec, v.vps, G_MAXUINT, 32);
  check_set (v.codec, v.sps, 7, 33);
  check_set (v.codec, v.pps, 8, 34);
  if (v.codec == CE_CODEC_H264 && v.vps != NULL)
    __builtin_trap ();

  /* The depacketiser takes the sets. */
  {
    g_autoptr (CeDepay) depay = ce_depay_new (v.codec, v.clock_rate);

    ce_depay_set_parameter_sets (depay, v.vps, v.sps, v.pps);
    ce_depay_set_max_don_diff (depay, v.max_don_diff);
  }

  /* Round trip through our own SDP. */
  {
    CeVideoParams params = {v.codec};
    g_autofree char *ours = NULL;
    CeSdpVideo back;

    params.vps = v.vps != NULL ? g_bytes_ref (v.vps) : NULL;
    params.sps = v.sps != NULL ? g_bytes_ref (v.sps) : NULL;
    params.pps = v.pps != NULL ? g_bytes_ref (v.pps) : NULL;
    ours = ce_sdp_build (&params, "fuzz", "127.0.0.1", 1, v.control);
    if (!ce_sdp_parse_video (ours, strlen (ours), &back, NULL) ||
        back.codec != v.codec || back.payload_type != 96 ||
        back.clock_rate != 90000 || !same (back.vps, v.vps) ||
        !same (back.sps, v.sps) || !same (back.pps, v.pps) ||
        g_strcmp0 (back.session_control, "*") != 0)
      __builtin_trap ();
    ce_sdp_video_clear (&back);
    ce_video_params_clear (&params);
  }
  ce_sdp_video_clear (&v);
  return 0;
}
