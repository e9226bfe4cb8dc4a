/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The SDP (RFC 4566) of one camera's video track, with the decoder
 * configuration of RFC 6184 / RFC 7798.
 */
#include "ce-sdp.h"

#include <string.h>

/* Session name: UTF-8 without control characters, never empty. */
static void
append_text (GString *sdp, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  gsize start = sdp->len;

  for (const char *c = valid; *c != '\0'; c++)
    g_string_append_c (sdp, (guint8) *c < 0x20 || *c == 0x7f ? ' ' : *c);
  if (sdp->len == start)
    g_string_append_c (sdp, '-');
}

/* Addresses and the control suffix: visible ASCII without spaces. */
static void
append_word (GString *sdp, const char *word, const char *fallback)
{
  gsize start = sdp->len;

  for (const char *c = word != NULL ? word : ""; *c != '\0'; c++) {
    if (*c > 0x20 && *c < 0x7f)
      g_string_append_c (sdp, *c);
  }
  if (sdp->len == start)
    g_string_append (sdp, fallback);
}

static void
append_base64 (GString *sdp, GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autofree char *b64 = g_base64_encode (data, size);

  g_string_append (sdp, b64);
}

char *
ce_sdp_build (const CeVideoParams *params, const char *session_name,
    const char *server_address, guint64 session_id, const char *control)
{
  GString *sdp;
  const char *addr_type;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (
      params->codec == CE_CODEC_H264 || params->codec == CE_CODEC_H265, NULL);

  addr_type = server_address != NULL && strchr (server_address, ':') != NULL
      ? "IP6"
      : "IP4";
  sdp = g_string_sized_new (512);
  g_string_append (sdp, "v=0\r\n");
  g_string_append_printf (sdp, "o=- %" G_GUINT64_FORMAT " 1 IN %s ", session_id,
      addr_type);
  append_word (sdp, server_address, "127.0.0.1");
  g_string_append (sdp, "\r\ns=");
  append_text (sdp, session_name);
  /* The connection address of a unicast RTSP session is not used. */
  g_string_append_printf (sdp, "\r\nc=IN %s %s\r\n", addr_type,
      strcmp (addr_type, "IP6") == 0 ? "::" : "0.0.0.0");
  g_string_append (sdp,
      "t=0 0\r\n"
      "a=tool:cityeye\r\n"
      "a=range:npt=now-\r\n"
      "a=control:*\r\n"
      "m=video 0 RTP/AVP 96\r\n");

  if (params->codec == CE_CODEC_H264) {
    gboolean sep = FALSE;

    g_string_append (sdp,
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1");
    if (params->sps != NULL) {
      gsize size;
      const guint8 *sps = g_bytes_get_data (params->sps, &size);

      if (size >= 4)
        g_string_append_printf (sdp, ";profile-level-id=%02x%02x%02x", sps[1],
            sps[2], sps[3]);
    }
    if (params->sps != NULL || params->pps != NULL) {
      g_string_append (sdp, ";sprop-parameter-sets=");
      if (params->sps != NULL) {
        append_base64 (sdp, params->sps);
        sep = TRUE;
      }
      if (params->pps != NULL) {
        if (sep)
          g_string_append_c (sdp, ',');
        append_base64 (sdp, params->pps);
      }
    }
  } else {
    g_autoptr (GString) fmtp = g_string_new (NULL);

    g_string_append (sdp, "a=rtpmap:96 H265/90000");
    if (params->profile_idc != 0)
      g_string_append_printf (fmtp, ";profile-id=%u;tier-flag=%u;level-id=%u",
          params->profile_idc, params->tier_flag, params->level_idc);
    if (params->vps != NULL) {
      g_string_append (fmtp, ";sprop-vps=");
      append_base64 (fmtp, params->vps);
    }
    if (params->sps != NULL) {
      g_string_append (fmtp, ";sprop-sps=");
      append_base64 (fmtp, params->sps);
    }
    if (params->pps != NULL) {
      g_string_append (fmtp, ";sprop-pps=");
      append_base64 (fmtp, params->pps);
    }
    /* Without any parameter the fmtp line is left out. */
    if (fmtp->len > 0)
      g_string_append_printf (sdp, "\r\na=fmtp:96 %s", fmtp->str + 1);
  }
  g_string_append (sdp, "\r\na=control:");
  append_word (sdp, control, "trackID=0");
  g_string_append (sdp, "\r\n");
  return g_string_free (sdp, FALSE);
}
