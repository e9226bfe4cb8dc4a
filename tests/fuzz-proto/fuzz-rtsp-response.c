/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the client side of RTSP: the response parser fed
 * the way the client feeds it (whole and in pieces, the same items either
 * way), the header parsers it hands responses to, and request building
 * from what a camera sent.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz-chunks.h"
#include "ce-rtsp-msg.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_text (const char *s)
{
  if (s == NULL || !g_utf8_validate (s, -1, NULL))
    __builtin_trap ();
  for (const char *c = s; *c != '\0'; c++) {
    if ((guint8) *c < 0x20 && *c != '\t')
      __builtin_trap ();
  }
}

/* A request line and headers built from camera text: CRLF only at line
 * ends, or nothing at all. */
static void
check_request (GBytes *req, guint lines)
{
  gsize size;
  const char *text;
  guint n = 0;

  if (req == NULL)
    return;
  text = g_bytes_get_data (req, &size);
  for (gsize i = 0; i < size; i++) {
    if (text[i] == '\n') {
      if (i == 0 || text[i - 1] != '\r')
        __builtin_trap ();
      n++;
    } else if (text[i] == '\r' && (i + 1 == size || text[i + 1] != '\n')) {
      __builtin_trap ();
    }
  }
  if (n != lines)
    __builtin_trap ();
}

static void
check_headers (const CeRtspResponse *r)
{
  const char *session = ce_rtsp_response_get_header (r, "session");
  const char *rtp_info = ce_rtsp_response_get_header (r, "rtp-info");
  const char *base = ce_rtsp_response_get_header (r, "content-base");
  CeRtspChallenge ch;

  if (ce_rtsp_response_get_challenge (r, &ch, NULL)) {
    g_autofree char *auth = NULL;

    if (ch.scheme == NULL ||
        (strcmp (ch.scheme, "Digest") == 0 &&
            (ch.realm == NULL || ch.nonce == NULL)))
      __builtin_trap ();
    auth = ce_rtsp_challenge_authorization (&ch, "admin", "pw", "DESCRIBE",
        "rtsp://127.0.0.1/cam/1");
    if (auth != NULL) {
      const char *headers[] = {"Authorization", auth, NULL};
      g_autoptr (GBytes) req = ce_rtsp_request_build ("DESCRIBE",
          "rtsp://127.0.0.1/cam/1", 3, headers);

      check_text (auth);
      if (req == NULL)
        __builtin_trap ();
      check_request (req, 4);
    }
    ce_rtsp_challenge_clear (&ch);
  } else if (ch.scheme != NULL) {
    __builtin_trap ();
  }
  if (session != NULL) {
    CeRtspSession s;

    if (ce_rtsp_session_parse (session, &s, NULL)) {
      const char *headers[] = {"Session", s.id, NULL};
      g_autoptr (GBytes) req =
          ce_rtsp_request_build ("PLAY", "rtsp://h/", 5, headers);

      if (s.id == NULL || *s.id == '\0' || strlen (s.id) > 256 ||
          s.timeout > 24 * 3600 || req == NULL)
        __builtin_trap ();
      check_request (req, 4);
      ce_rtsp_session_clear (&s);
    } else if (s.id != NULL) {
      __builtin_trap ();
    }
  }
  if (rtp_info != NULL) {
    CeRtspRtpInfo info;

    if (ce_rtsp_rtp_info_parse (rtp_info, &info, NULL)) {
      if (info.url == NULL || *info.url == '\0')
        __builtin_trap ();
      check_text (info.url);
      ce_rtsp_rtp_info_clear (&info);
    }
  }
  ce_rtsp_public_has_method (ce_rtsp_response_get_header (r, "public"),
      "GET_PARAMETER");
  if (base != NULL) {
    g_autofree char *url = ce_rtsp_resolve_control (base, "trackID=0");
    g_autofree char *same = ce_rtsp_resolve_control (base, "*");
    g_autofree char *abs = ce_rtsp_resolve_control ("rtsp://h:554/a", base);
    g_autoptr (GBytes) req = ce_rtsp_request_build ("SETUP", url, 4, NULL);

    if (strcmp (same, base) != 0)
      __builtin_trap ();
    check_text (url);
    check_text (abs);
    check_request (req, 3);
  }
}

static gboolean
drain (GByteArray *buf, GString *log)
{
  for (;;) {
    g_autoptr (GError) error = NULL;
    g_autoptr (CeRtspResponse) r = NULL;
    const guint8 *payload = NULL;
    gsize consumed = 0, payload_size = 0;
    guint8 channel = 0;
    CeRtspParseResult res = ce_rtsp_parse_response (buf->data, buf->len,
        &consumed, &r, &channel, &payload, &payload_size, &error);

    switch (res) {
      case CE_RTSP_PARSE_NEED_MORE:
        if (consumed != 0 || r != NULL || error != NULL)
          __builtin_trap ();
        return TRUE;
      case CE_RTSP_PARSE_ERROR:
        if (error == NULL || error->domain != CE_RTSP_ERROR || r != NULL ||
            consumed != 0 || !g_utf8_validate (error->message, -1, NULL))
          __builtin_trap ();
        g_string_append_printf (log, "error %d\n", error->code);
        return FALSE;
      case CE_RTSP_PARSE_INTERLEAVED:
        if (consumed == 0 || consumed > buf->len || payload_size > 65535 ||
            payload + payload_size != buf->data + consumed || r != NULL)
          __builtin_trap ();
        g_string_append_printf (log, "$%u %" G_GSIZE_FORMAT "\n", channel,
            payload_size);
        break;
      case CE_RTSP_PARSE_RESPONSE:
        if (r == NULL || consumed == 0 || consumed > buf->len ||
            r->status < 100 || r->status > 999 || r->cseq < -1 ||
            r->header_names->len > CE_RTSP_MAX_HEADERS ||
            r->header_names->len != r->header_values->len ||
            (r->body != NULL &&
                (g_bytes_get_size (r->body) == 0 ||
                    g_bytes_get_size (r->body) > CE_RTSP_MAX_BODY)))
          __builtin_trap ();
        check_text (r->reason);
        for (guint i = 0; i < r->header_names->len; i++) {
          check_text (r->header_names->pdata[i]);
          check_text (r->header_values->pdata[i]);
        }
        g_string_append_printf (log, "%u %s %d %u %" G_GSIZE_FORMAT "\n",
            r->status, r->reason, r->cseq, r->header_names->len,
            r->body != NULL ? g_bytes_get_size (r->body) : 0);
        check_headers (r);
        break;
      default:
        __builtin_trap ();
    }
    g_byte_array_remove_range (buf, 0, consumed);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_check_chunked (data, size, drain);
  return 0;
}
