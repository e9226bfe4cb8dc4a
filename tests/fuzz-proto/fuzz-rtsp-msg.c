/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the RTSP request parser, fed the way the server
 * feeds it, and for the header and path parsers it hands requests to.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz-chunks.h"
#include "ce-rtsp-msg.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_text (const char *s, gboolean allow_empty)
{
  if (s == NULL || (!allow_empty && *s == '\0') ||
      !g_utf8_validate (s, -1, NULL))
    __builtin_trap ();
  for (const char *c = s; *c != '\0'; c++) {
    if ((guint8) *c < 0x20 && *c != '\t')
      __builtin_trap ();
  }
}

static void
check_headers (const CeRtspRequest *req)
{
  const char *transport = ce_rtsp_request_get_header (req, "transport");
  const char *authorization = ce_rtsp_request_get_header (req, "Authorization");

  if (transport != NULL) {
    g_autoptr (GError) error = NULL;
    CeRtspTransport t;

    if (ce_rtsp_transport_parse (transport, &t, &error)) {
      if (error != NULL || t.mode == NULL || t.multicast ||
          (t.lower == CE_RTSP_LOWER_UDP &&
              (!t.has_client_port || t.client_port[0] == 0)) ||
          (t.lower == CE_RTSP_LOWER_TCP && t.has_client_port))
        __builtin_trap ();
      ce_rtsp_transport_clear (&t);
    } else if (error == NULL || error->domain != CE_RTSP_ERROR ||
        t.mode != NULL) {
      __builtin_trap ();
    }
  }
  if (authorization != NULL) {
    g_autoptr (GError) error = NULL;
    CeRtspAuth auth;

    if (ce_rtsp_auth_parse (authorization, &auth, &error)) {
      if (strcmp (auth.scheme, "Digest") == 0) {
        g_autofree char *expected = ce_rtsp_digest_response (auth.username,
            auth.realm, "secret", req->method, auth.uri, auth.nonce);

        if (expected == NULL || strlen (expected) != 32)
          __builtin_trap ();
      } else if (auth.username == NULL || auth.password == NULL) {
        __builtin_trap ();
      }
      ce_rtsp_auth_clear (&auth);
    } else if (error == NULL || auth.scheme != NULL) {
      __builtin_trap ();
    }
  }
}

/* The path of a virtual stream: only what it promises gets through. */
static void
check_path (const char *uri)
{
  int track = 7;
  g_autofree char *path = ce_rtsp_uri_path (uri, &track);
  g_auto (GStrv) parts = NULL;

  if (path == NULL) {
    if (track != -1)
      __builtin_trap ();
    return;
  }
  if (track < -1 || track > 1 || *path == '\0' || *path == '/')
    __builtin_trap ();
  parts = g_strsplit (path, "/", -1);
  if (g_strv_length (parts) > CE_RTSP_PATH_MAX_SEGMENTS)
    __builtin_trap ();
  for (guint i = 0; parts[i] != NULL; i++) {
    if (*parts[i] == '\0' || strlen (parts[i]) > CE_RTSP_PATH_MAX_SEGMENT ||
        strcmp (parts[i], "..") == 0 || strcmp (parts[i], ".") == 0)
      __builtin_trap ();
    for (const char *c = parts[i]; *c != '\0'; c++)
      if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-' && *c != '.')
        __builtin_trap ();
  }
}

/* Answers the request with its own fields echoed in headers: a value the
 * response accepts can never start a new line. */
static void
check_response (const CeRtspRequest *req)
{
  GString *response = ce_rtsp_response_new (200, req->cseq);
  g_autoptr (GBytes) bytes = NULL;
  gsize size;
  const char *text;
  guint lines = 0;

  ce_rtsp_response_add_header (response, "X-Method", req->method);
  ce_rtsp_response_add_header (response, "X-Uri", req->uri);
  for (guint i = 0; i < req->header_names->len && i < 4; i++)
    ce_rtsp_response_add_header (response, req->header_names->pdata[i],
        req->header_values->pdata[i]);
  bytes = ce_rtsp_response_finish (response, NULL, NULL, 0);
  text = g_bytes_get_data (bytes, &size);
  for (gsize i = 0; i < size; i++) {
    if (text[i] == '\n') {
      if (i == 0 || text[i - 1] != '\r')
        __builtin_trap ();
      lines++;
    } else if (text[i] == '\r' && (i + 1 == size || text[i + 1] != '\n')) {
      __builtin_trap ();
    }
  }
  /* status, Server, Date, up to 6 headers, Content-Length, empty line */
  if (lines > 12)
    __builtin_trap ();
}

/* Parses everything in @buf, describing each item in @log; returns FALSE
 * once the parser reported an error (the connection would close). */
static gboolean
drain (GByteArray *buf, GString *log)
{
  for (;;) {
    g_autoptr (GError) error = NULL;
    g_autoptr (CeRtspRequest) req = NULL;
    const guint8 *payload = NULL;
    gsize consumed = 0, payload_size = 0;
    guint8 channel = 0;
    CeRtspParseResult r = ce_rtsp_parse (buf->data, buf->len, &consumed, &req,
        &channel, &payload, &payload_size, &error);

    switch (r) {
      case CE_RTSP_PARSE_NEED_MORE:
        if (consumed != 0 || req != NULL || error != NULL)
          __builtin_trap ();
        return TRUE;
      case CE_RTSP_PARSE_ERROR:
        if (error == NULL || error->domain != CE_RTSP_ERROR || req != NULL ||
            !g_utf8_validate (error->message, -1, NULL))
          __builtin_trap ();
        g_string_append_printf (log, "error %d\n", error->code);
        return FALSE;
      case CE_RTSP_PARSE_INTERLEAVED:
        if (consumed == 0 || consumed > buf->len || payload_size > 65535 ||
            payload + payload_size != buf->data + consumed)
          __builtin_trap ();
        g_string_append_printf (log, "$%u %" G_GSIZE_FORMAT "\n", channel,
            payload_size);
        break;
      case CE_RTSP_PARSE_REQUEST:
        if (req == NULL || consumed == 0 || consumed > buf->len ||
            req->cseq < -1 || req->header_names->len > CE_RTSP_MAX_HEADERS ||
            req->header_names->len != req->header_values->len ||
            (req->body != NULL &&
                (g_bytes_get_size (req->body) == 0 ||
                    g_bytes_get_size (req->body) > CE_RTSP_MAX_BODY)))
          __builtin_trap ();
        check_text (req->method, FALSE);
        check_text (req->uri, FALSE);
        for (guint i = 0; i < req->header_names->len; i++) {
          const char *name = req->header_names->pdata[i];

          check_text (name, FALSE);
          check_text (req->header_values->pdata[i], TRUE);
          for (const char *c = name; *c != '\0'; c++) {
            if (g_ascii_isupper (*c))
              __builtin_trap ();
          }
        }
        g_string_append_printf (log, "%s %s %d %u %" G_GSIZE_FORMAT "\n",
            req->method, req->uri, req->cseq, req->header_names->len,
            req->body != NULL ? g_bytes_get_size (req->body) : 0);
        check_headers (req);
        check_response (req);
        check_path (req->uri);
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
