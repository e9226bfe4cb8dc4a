/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the RTP depacketiser.  Input: one flags byte, then
 * RTP packets, each behind a 2-byte big-endian length; fed to an H.264 and
 * an H.265 depacketiser, and classified as the ingest does
 * (ce_rtp_payload_picture).
 */
#include <stdint.h>
#include <string.h>

#include "ce-depay.h"
#include "ce-rtp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  CeCodec codec;
  guint64 aus;
  guint64 bytes;
} Check;

static void
on_au (GBytes *au, guint64 pts_ns, gboolean keyframe, gboolean discont,
    gpointer user_data)
{
  Check *c = user_data;
  gsize size;
  const guint8 *p = g_bytes_get_data (au, &size);
  gsize offset = 0;
  CeNal nal;
  gboolean key = FALSE;

  /* Annex B with 4-byte start codes, bounded; a discontinuity is always
   * a keyframe. */
  if (size < 4 + (c->codec == CE_CODEC_H265 ? 2 : 1) ||
      size > CE_DEPAY_MAX_AU_SIZE || memcmp (p, "\0\0\0\1", 4) != 0 ||
      (discont && !keyframe))
    __builtin_trap ();
  while (ce_nal_next (c->codec, p, size, &offset, &nal)) {
    if (ce_nal_is_keyframe (c->codec, nal.type))
      key = TRUE;
  }
  /* The keyframe flag comes from the slices' own types, which the bytes
   * still show (a slice's payload may hide more start codes, never fewer
   * keyframe NALs). */
  if (keyframe && !key)
    __builtin_trap ();
  c->aus++;
  c->bytes += size;
  (void) pts_ns;
}

static void
run (CeCodec codec, guint8 flags, const uint8_t *data, size_t size)
{
  g_autoptr (CeDepay) depay = ce_depay_new (codec, flags & 4 ? 1000 : 90000);
  Check check = {codec};
  CeDepayStats st;
  guint64 pushed = 0, refused = 0;

  if (flags & 1)
    ce_depay_set_max_don_diff (depay, 1);
  if (flags & 2) {
    /* Sets as an SDP would give them (tiny but typed right). */
    g_autoptr (GBytes) vps = g_bytes_new_static ("\x40\x01\x0c", 3);
    gboolean h265 = codec == CE_CODEC_H265;
    g_autoptr (GBytes) sps = g_bytes_new_static (
        h265 ? "\x42\x01\x01" : "\x67\x42\x00\x1f", h265 ? 3 : 4);
    /* H.264: with a start code, as some cameras write it. */
    g_autoptr (GBytes) pps = g_bytes_new_static (
        h265 ? "\x44\x01\xc1" : "\x00\x00\x01\x68\xce", h265 ? 3 : 5);

    ce_depay_set_parameter_sets (depay, vps, sps, pps);
  }
  while (size >= 2) {
    gsize len = ((gsize) data[0] << 8) | data[1];

    data += 2, size -= 2;
    len = MIN (len, size);
    /* A copy, so that ASan sees reads past the packet. */
    {
      g_autofree guint8 *pkt = g_memdup2 (data, len);

      CeRtpHeader h;

      /* What the ingest reads of a stream's first packets. */
      if (ce_rtp_parse_header (pkt, len, &h) &&
          ce_rtp_payload_picture (codec, pkt + h.payload_offset,
              h.payload_size) > CE_RTP_PICTURE_DELTA)
        __builtin_trap ();
      if (!ce_depay_push (depay, pkt, len, on_au, &check))
        refused++;
    }
    pushed++;
    data += len, size -= len;
  }
  ce_depay_get_stats (depay, &st);
  /* Refused: a bad header (not counted in packets) or a malformed
   * payload (counted). */
  if (st.aus != check.aus || st.bad_packets != refused || st.packets > pushed ||
      pushed - st.packets > refused)
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint8 flags;

  if (size < 1)
    return 0;
  flags = data[0];
  run (CE_CODEC_H264, flags, data + 1, size - 1);
  run (CE_CODEC_H265, flags, data + 1, size - 1);
  return 0;
}
