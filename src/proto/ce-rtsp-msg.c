/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTSP 1.0 requests from the network, responses to it, and the headers the
 * server reads.  Every function here sees hostile bytes.
 */
#include "ce-rtsp-msg.h"

#include "ce-config.h"

#include <string.h>

G_DEFINE_QUARK (cityeye_rtsp_error, ce_rtsp_error)

/* A Content-Length value longer than this (whitespace included) is
 * refused; it keeps the per-call work bounded while a body trickles in. */
#define MAX_CONTENT_LENGTH_VALUE 64

void
ce_rtsp_request_free (CeRtspRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->uri);
  g_clear_pointer (&request->header_names, g_ptr_array_unref);
  g_clear_pointer (&request->header_values, g_ptr_array_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

const char *
ce_rtsp_request_get_header (const CeRtspRequest *request, const char *name)
{
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < request->header_names->len; i++) {
    if (g_ascii_strcasecmp (request->header_names->pdata[i], name) == 0)
      return request->header_values->pdata[i];
  }
  return NULL;
}

/* RFC 7230 tchar. */
static gboolean
is_tchar (guint8 c)
{
  if (g_ascii_isalnum (c))
    return TRUE;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return TRUE;
    default:
      return FALSE;
  }
}

static gboolean
is_token (const guint8 *p, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!is_tchar (p[i]))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_ctl (guint8 c)
{
  return c < 0x20 || c == 0x7f;
}

static gboolean
is_ows (guint8 c)
{
  return c == ' ' || c == '\t';
}

/* Printable text: no control characters but HT, valid UTF-8. */
static gboolean
is_text (const guint8 *p, gsize len)
{
  gboolean ascii = TRUE;

  for (gsize i = 0; i < len; i++) {
    if (is_ctl (p[i]) && p[i] != '\t')
      return FALSE;
    if (p[i] >= 0x80)
      ascii = FALSE;
  }
  return ascii || g_utf8_validate_len ((const char *) p, len, NULL);
}

/* ---- Finding lines ------------------------------------------------------ */

/* Finds line ends (CRLF, LF or bare CR) in data[0, lim) with two memchr()s
 * per line at most; the next LF is remembered across lines so that a head
 * without LFs is still scanned once. */
typedef struct
{
  const guint8 *end;
  const guint8 *lf; /* next LF at or after the last position, or NULL */
  gboolean lf_known;
} LineFinder;

typedef enum
{
  EOL_NONE,      /* no line end before lim */
  EOL_FOUND,     /* *eol, *eol_len set */
  EOL_AMBIGUOUS, /* a CR is the last byte: an LF may follow */
} EolResult;

static EolResult
find_eol (LineFinder *f, const guint8 *p, const guint8 **eol, gsize *eol_len)
{
  const guint8 *cr;

  if (!f->lf_known || (f->lf != NULL && f->lf < p)) {
    f->lf = memchr (p, '\n', f->end - p);
    f->lf_known = TRUE;
  }
  cr = memchr (p, '\r', (f->lf != NULL ? f->lf : f->end) - p);
  if (cr != NULL) {
    *eol = cr;
    if (cr + 1 == f->end) {
      *eol_len = 1;
      return EOL_AMBIGUOUS;
    }
    *eol_len = cr[1] == '\n' ? 2 : 1;
    return EOL_FOUND;
  }
  if (f->lf != NULL) {
    *eol = f->lf;
    *eol_len = 1;
    return EOL_FOUND;
  }
  return EOL_NONE;
}

/* ---- The incremental parser -------------------------------------------- */

typedef struct
{
  gsize start;        /* first byte of the request line */
  gsize head_end;     /* first byte after the empty line */
  gboolean tentative; /* the empty line is a CR at the end of the data */
  const guint8 *content_length; /* value of the Content-Length line */
  gsize content_length_len;
} HeadScan;

/* @what names the message in errors: "request" or "response". */
static void
set_line_error (GError **error, guint line_no, const char *what)
{
  if (line_no == 0 && g_str_equal (what, "request"))
    g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_URI_TOO_LONG,
        "RTSP request line is longer than %d bytes", CE_RTSP_MAX_LINE);
  else if (line_no == 0)
    g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_HEADER_TOO_LARGE,
        "RTSP status line is longer than %d bytes", CE_RTSP_MAX_LINE);
  else
    g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_HEADER_TOO_LARGE,
        "RTSP header line is longer than %d bytes", CE_RTSP_MAX_LINE);
}

/* Finds the end of the head without parsing it: this runs again each time
 * bytes arrive, so it touches each byte with memchr() only.  Returns 1
 * when the head is complete, 0 when more bytes are needed, -1 on error. */
static int
scan_head (const guint8 *data, gsize size, HeadScan *hs, const char *what,
    GError **error)
{
  gsize lim = MIN (size, (gsize) CE_RTSP_MAX_HEAD + 1);
  LineFinder finder = {data + lim, NULL, FALSE};
  const guint8 *p = data + hs->start;
  const guint8 *end = data + lim;
  guint line_no = 0;
  guint n_headers = 0;

  while (p < end) {
    const guint8 *eol = NULL;
    gsize eol_len = 0, len;
    EolResult r = find_eol (&finder, p, &eol, &eol_len);

    len = (r == EOL_NONE ? end : eol) - p;
    /* NUL bytes are refused as soon as they arrive, other control
     * characters once the head is complete.  Only the bytes within the
     * line limit are looked at, so that the error is the same whether the
     * line arrives at once or piece by piece. */
    if (memchr (p, '\0', MIN (len, (gsize) CE_RTSP_MAX_LINE + 1)) != NULL) {
      g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
          "RTSP %s contains a NUL byte", what);
      return -1;
    }
    if (len > CE_RTSP_MAX_LINE) {
      set_line_error (error, line_no, what);
      return -1;
    }
    if (r == EOL_NONE)
      break;
    if (len == 0) {
      hs->head_end = (eol + eol_len) - data;
      hs->tentative = r == EOL_AMBIGUOUS;
      /* The LF of the final CRLF is not counted: the limit must not
       * depend on whether it has arrived yet. */
      if ((gsize) (eol + 1 - data) > CE_RTSP_MAX_HEAD)
        break;
      return 1;
    }
    if (r == EOL_AMBIGUOUS)
      break;
    if (line_no > 0) {
      if (++n_headers > CE_RTSP_MAX_HEADERS) {
        g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_HEADER_TOO_LARGE,
            "RTSP %s has more than %d headers", what, CE_RTSP_MAX_HEADERS);
        return -1;
      }
      if (len >= 15 &&
          g_ascii_strncasecmp ((const char *) p, "content-length:", 15) == 0) {
        if (hs->content_length != NULL) {
          g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
              "RTSP %s has more than one Content-Length header", what);
          return -1;
        }
        hs->content_length = p + 15;
        hs->content_length_len = len - 15;
      }
    }
    line_no++;
    p = eol + eol_len;
  }
  if (size > CE_RTSP_MAX_HEAD) {
    g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_HEADER_TOO_LARGE,
        "RTSP %s head is larger than %d bytes", what, CE_RTSP_MAX_HEAD);
    return -1;
  }
  return 0;
}

static gboolean
parse_content_length (const guint8 *v, gsize len, gsize *out, const char *what,
    GError **error)
{
  guint64 value = 0;

  if (len > MAX_CONTENT_LENGTH_VALUE) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP Content-Length header is too long");
    return FALSE;
  }
  while (len > 0 && is_ows (v[0]))
    v++, len--;
  while (len > 0 && is_ows (v[len - 1]))
    len--;
  if (len == 0) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP Content-Length header is empty");
    return FALSE;
  }
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit (v[i])) {
      g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
          "RTSP Content-Length header is not a number");
      return FALSE;
    }
    value = value * 10 + (v[i] - '0');
    if (value > CE_RTSP_MAX_BODY) {
      g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_TOO_LARGE,
          "RTSP %s body is larger than %d bytes", what, CE_RTSP_MAX_BODY);
      return FALSE;
    }
  }
  *out = value;
  return TRUE;
}

/* "RTSP/1.0" is served; anything shaped like a version gets 505. */
static gboolean
check_version (const guint8 *v, gsize len, GError **error)
{
  gsize slash, i;

  if (len == 8 && memcmp (v, "RTSP/1.0", 8) == 0)
    return TRUE;
  for (slash = 0; slash < len && g_ascii_isalpha (v[slash]); slash++)
    ;
  i = slash + 1;
  if (slash > 0 && slash < len && v[slash] == '/' && i < len &&
      g_ascii_isdigit (v[i])) {
    while (i < len && g_ascii_isdigit (v[i]))
      i++;
    if (i + 1 < len && v[i] == '.') {
      for (i++; i < len && g_ascii_isdigit (v[i]); i++)
        ;
      if (i == len && len <= 32) {
        g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_VERSION,
            "Protocol version %.*s is not supported (only RTSP/1.0)", (int) len,
            (const char *) v);
        return FALSE;
      }
    }
  }
  g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
      "Malformed RTSP request line");
  return FALSE;
}

static gboolean
parse_request_line (const guint8 *p, gsize len, CeRtspRequest *request,
    GError **error)
{
  const guint8 *sp1, *sp2, *end = p + len;

  for (gsize i = 0; i < len; i++) {
    if (is_ctl (p[i])) {
      g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
          "RTSP request line contains a control character");
      return FALSE;
    }
  }
  sp1 = memchr (p, ' ', len);
  sp2 = sp1 != NULL ? memchr (sp1 + 1, ' ', end - (sp1 + 1)) : NULL;
  if (sp2 == NULL || memchr (sp2 + 1, ' ', end - (sp2 + 1)) != NULL ||
      sp2 == sp1 + 1) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Malformed RTSP request line");
    return FALSE;
  }
  if (!is_token (p, sp1 - p)) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP method is not a token");
    return FALSE;
  }
  if (!is_text (sp1 + 1, sp2 - (sp1 + 1))) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP request URI is not valid UTF-8");
    return FALSE;
  }
  if (!check_version (sp2 + 1, end - (sp2 + 1), error))
    return FALSE;
  request->method = g_strndup ((const char *) p, sp1 - p);
  request->uri = g_strndup ((const char *) sp1 + 1, sp2 - (sp1 + 1));
  return TRUE;
}

static gboolean
parse_header_line (const guint8 *p, gsize len, CeRtspRequest *request,
    GError **error)
{
  const guint8 *colon = memchr (p, ':', len);
  const guint8 *v, *end = p + len;

  if (is_ows (p[0])) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Folded RTSP header lines are not accepted");
    return FALSE;
  }
  if (colon == NULL || !is_token (p, colon - p)) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Malformed RTSP header line");
    return FALSE;
  }
  v = colon + 1;
  while (v < end && is_ows (*v))
    v++;
  while (end > v && is_ows (end[-1]))
    end--;
  if (!is_text (v, end - v)) {
    g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP header %.*s has a control character or invalid UTF-8",
        (int) MIN (colon - p, 64), (const char *) p);
    return FALSE;
  }
  g_ptr_array_add (request->header_names,
      g_ascii_strdown ((const char *) p, colon - p));
  g_ptr_array_add (request->header_values,
      g_strndup ((const char *) v, end - v));
  return TRUE;
}

static int
parse_cseq (const char *value)
{
  gint64 n = 0;

  if (*value == '\0')
    return -1;
  for (const char *c = value; *c != '\0'; c++) {
    if (!g_ascii_isdigit (*c))
      return -1;
    n = n * 10 + (*c - '0');
    if (n > G_MAXINT)
      return -1;
  }
  return (int) n;
}

/* Parses a complete head; the bytes were already checked for NUL and the
 * line limits by scan_head(). */
static CeRtspRequest *
parse_head (const guint8 *data, gsize start, gsize head_end, GError **error)
{
  g_autoptr (CeRtspRequest) request = g_new0 (CeRtspRequest, 1);
  LineFinder finder = {data + head_end, NULL, FALSE};
  const guint8 *p = data + start;
  const char *cseq;
  gboolean first = TRUE;

  request->header_names = g_ptr_array_new_with_free_func (g_free);
  request->header_values = g_ptr_array_new_with_free_func (g_free);
  for (;;) {
    const guint8 *eol = NULL;
    gsize eol_len = 0;
    EolResult r = find_eol (&finder, p, &eol, &eol_len);

    g_assert (r != EOL_NONE);
    if (eol == p)
      break;
    if (first) {
      if (!parse_request_line (p, eol - p, request, error))
        return NULL;
      first = FALSE;
    } else if (!parse_header_line (p, eol - p, request, error)) {
      return NULL;
    }
    p = eol + eol_len;
  }
  cseq = ce_rtsp_request_get_header (request, "cseq");
  request->cseq = cseq != NULL ? parse_cseq (cseq) : -1;
  return g_steal_pointer (&request);
}

/* Where the message at hs->start ends: its head is scanned (bounded) and
 * its Content-Length read.  CE_RTSP_PARSE_REQUEST (for requests and
 * responses alike) once head and body are all in @data, with the body's
 * length in @body_len; NEED_MORE or ERROR otherwise. */
static CeRtspParseResult
message_extent (const guint8 *data, gsize size, HeadScan *hs, const char *what,
    gsize *body_len, GError **error)
{
  int r = scan_head (data, size, hs, what, error);

  if (r < 0)
    return CE_RTSP_PARSE_ERROR;
  if (r == 0)
    return CE_RTSP_PARSE_NEED_MORE;
  *body_len = 0;
  if (hs->content_length != NULL &&
      !parse_content_length (hs->content_length, hs->content_length_len,
          body_len, what, error))
    return CE_RTSP_PARSE_ERROR;
  /* A head ended by a CR that is the last byte received: an LF may still
   * come, and it would not belong to the body. */
  if (hs->tentative && *body_len > 0)
    return CE_RTSP_PARSE_NEED_MORE;
  if (size - hs->head_end < *body_len)
    return CE_RTSP_PARSE_NEED_MORE;
  return CE_RTSP_PARSE_REQUEST;
}

CeRtspParseResult
ce_rtsp_parse (const guint8 *data, gsize size, gsize *consumed,
    CeRtspRequest **request, guint8 *channel, const guint8 **payload,
    gsize *payload_size, GError **error)
{
  HeadScan hs = {0};
  gsize body_len = 0;
  CeRtspRequest *req;
  CeRtspParseResult r;

  g_return_val_if_fail (data != NULL || size == 0, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (consumed != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (request != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (channel != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (payload != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (payload_size != NULL, CE_RTSP_PARSE_ERROR);

  *consumed = 0;
  *request = NULL;

  /* Empty lines between messages are ignored (RFC 2616 §4.1). */
  while (hs.start < size && hs.start <= CE_RTSP_MAX_HEAD &&
      (data[hs.start] == '\r' || data[hs.start] == '\n'))
    hs.start++;
  if (hs.start == size)
    return CE_RTSP_PARSE_NEED_MORE;

  if (data[hs.start] == '$') {
    gsize len;

    if (size - hs.start < 4)
      return CE_RTSP_PARSE_NEED_MORE;
    len = ((gsize) data[hs.start + 2] << 8) | data[hs.start + 3];
    if (size - hs.start - 4 < len)
      return CE_RTSP_PARSE_NEED_MORE;
    *channel = data[hs.start + 1];
    *payload = data + hs.start + 4;
    *payload_size = len;
    *consumed = hs.start + 4 + len;
    return CE_RTSP_PARSE_INTERLEAVED;
  }

  /* Fail early on what cannot be RTSP at all (TLS, binary noise). */
  if (!is_tchar (data[hs.start])) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP request does not start with a method");
    return CE_RTSP_PARSE_ERROR;
  }

  r = message_extent (data, size, &hs, "request", &body_len, error);
  if (r != CE_RTSP_PARSE_REQUEST)
    return r;

  req = parse_head (data, hs.start, hs.head_end, error);
  if (req == NULL)
    return CE_RTSP_PARSE_ERROR;
  if (body_len > 0)
    req->body = g_bytes_new (data + hs.head_end, body_len);
  *request = req;
  *consumed = hs.head_end + body_len;
  return CE_RTSP_PARSE_REQUEST;
}

/* ---- Responses ----------------------------------------------------------- */

const char *
ce_rtsp_reason (guint status)
{
  /* RFC 2326 §7.1.1, and 431 from RFC 6585. */
  static const struct
  {
    guint status;
    const char *reason;
  } reasons[] = {
      {100, "Continue"},
      {200, "OK"},
      {201, "Created"},
      {250, "Low on Storage Space"},
      {300, "Multiple Choices"},
      {301, "Moved Permanently"},
      {302, "Moved Temporarily"},
      {303, "See Other"},
      {304, "Not Modified"},
      {305, "Use Proxy"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {402, "Payment Required"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {408, "Request Timeout"},
      {410, "Gone"},
      {411, "Length Required"},
      {412, "Precondition Failed"},
      {413, "Request Entity Too Large"},
      {414, "Request-URI Too Long"},
      {415, "Unsupported Media Type"},
      {431, "Request Header Fields Too Large"},
      {451, "Parameter Not Understood"},
      {452, "Conference Not Found"},
      {453, "Not Enough Bandwidth"},
      {454, "Session Not Found"},
      {455, "Method Not Valid in This State"},
      {456, "Header Field Not Valid for Resource"},
      {457, "Invalid Range"},
      {458, "Parameter Is Read-Only"},
      {459, "Aggregate Operation Not Allowed"},
      {460, "Only Aggregate Operation Allowed"},
      {461, "Unsupported Transport"},
      {462, "Destination Unreachable"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
      {505, "RTSP Version Not Supported"},
      {551, "Option Not Supported"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (reasons); i++) {
    if (reasons[i].status == status)
      return reasons[i].reason;
  }
  /* An unknown code is understood as the x00 of its class. */
  switch (status / 100) {
    case 1:
      return "Continue";
    case 2:
      return "OK";
    case 3:
      return "Multiple Choices";
    case 4:
      return "Bad Request";
    default:
      return "Internal Server Error";
  }
}

GString *
ce_rtsp_response_new (guint status, int cseq)
{
  static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
      "Sun"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  GString *response;

  g_return_val_if_fail (status >= 100 && status <= 999, NULL);

  response = g_string_sized_new (256);
  g_string_append_printf (response, "RTSP/1.0 %u %s\r\n", status,
      ce_rtsp_reason (status));
  if (cseq >= 0)
    g_string_append_printf (response, "CSeq: %d\r\n", cseq);
  g_string_append (response, "Server: cityeye/" CE_VERSION "\r\n");
  /* RFC 1123 date, in English whatever the locale. */
  g_string_append_printf (response,
      "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
      days[g_date_time_get_day_of_week (now) - 1],
      g_date_time_get_day_of_month (now),
      months[g_date_time_get_month (now) - 1], g_date_time_get_year (now),
      g_date_time_get_hour (now), g_date_time_get_minute (now),
      g_date_time_get_second (now));
  return response;
}

static gboolean
is_header_value (const char *value)
{
  return is_text ((const guint8 *) value, strlen (value));
}

gboolean
ce_rtsp_response_add_header (GString *response, const char *name,
    const char *value)
{
  g_return_val_if_fail (response != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!is_token ((const guint8 *) name, strlen (name)) ||
      !is_header_value (value))
    return FALSE;
  g_string_append_printf (response, "%s: %s\r\n", name, value);
  return TRUE;
}

GBytes *
ce_rtsp_response_finish (GString *response, const char *content_type,
    const char *body, gsize body_size)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (body != NULL || body_size == 0, NULL);

  if (body_size > 0 && content_type != NULL) {
    if (is_header_value (content_type))
      g_string_append_printf (response, "Content-Type: %s\r\n", content_type);
    else
      g_critical ("Content type with control characters left out");
  }
  g_string_append_printf (response,
      "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", body_size);
  if (body_size > 0)
    g_string_append_len (response, body, body_size);
  return g_string_free_to_bytes (response);
}

/* ---- Transport ------------------------------------------------------------
 */

void
ce_rtsp_transport_clear (CeRtspTransport *transport)
{
  g_return_if_fail (transport != NULL);

  g_free (transport->mode);
  memset (transport, 0, sizeof *transport);
}

/* The next @sep in [p, end) outside double quotes, or @end. */
static const char *
find_unquoted (const char *p, const char *end, char sep)
{
  gboolean quoted = FALSE;

  for (; p < end; p++) {
    if (*p == '"')
      quoted = !quoted;
    else if (*p == sep && !quoted)
      return p;
  }
  return p;
}

/* [p, end) without surrounding whitespace. */
static void
trim (const char **p, const char **end)
{
  while (*p < *end && g_ascii_isspace (**p))
    (*p)++;
  while (*end > *p && g_ascii_isspace ((*end)[-1]))
    (*end)--;
}

/* A decimal number in [0, max], digits only. */
static gboolean
parse_uint (const char *p, const char *end, guint max, guint *out)
{
  guint64 v = 0;

  if (p == end || end - p > 10)
    return FALSE;
  for (; p < end; p++) {
    if (!g_ascii_isdigit (*p))
      return FALSE;
    v = v * 10 + (*p - '0');
  }
  if (v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* "a-b" or "a" (then b = a + 1), both within [min, max]. */
static gboolean
parse_pair (const char *p, const char *end, guint min, guint max, guint out[2])
{
  const char *dash = memchr (p, '-', end - p);

  if (dash != NULL) {
    if (!parse_uint (p, dash, max, &out[0]) ||
        !parse_uint (dash + 1, end, max, &out[1]))
      return FALSE;
  } else {
    if (!parse_uint (p, end, max - 1, &out[0]))
      return FALSE;
    out[1] = out[0] + 1;
  }
  return out[0] >= min && out[1] >= min;
}

static gboolean
span_equal (const char *p, const char *end, const char *literal)
{
  gsize len = strlen (literal);

  return (gsize) (end - p) == len && g_ascii_strncasecmp (p, literal, len) == 0;
}

typedef enum
{
  ALT_MALFORMED,
  ALT_REFUSED,
  ALT_OK,
} AltResult;

/* One transport-spec: profile, then ';'-separated parameters. */
static AltResult
parse_alternative (const char *p, const char *end, CeRtspTransport *t,
    const char **why)
{
  const char *seg_end = find_unquoted (p, end, ';');
  const char *sp = p, *sp_end = seg_end;
  gboolean tcp, udp_profile, known_profile;
  gboolean multicast = FALSE, play = TRUE;
  guint interleaved[2] = {0, 0}, ports[2] = {0, 0};
  gboolean has_interleaved = FALSE, has_ports = FALSE;

  trim (&sp, &sp_end);
  tcp = span_equal (sp, sp_end, "RTP/AVP/TCP");
  udp_profile = span_equal (sp, sp_end, "RTP/AVP") ||
      span_equal (sp, sp_end, "RTP/AVP/UDP");
  known_profile = tcp || udp_profile;
  if (!known_profile) {
    /* transport-protocol/profile[/lower-transport], each a token */
    guint slashes = 0;

    if (sp == sp_end)
      return ALT_MALFORMED;
    for (const char *c = sp; c < sp_end; c++) {
      if (*c == '/')
        slashes++;
      else if (!is_tchar (*c))
        return ALT_MALFORMED;
    }
    if (slashes < 1 || slashes > 2)
      return ALT_MALFORMED;
  }

  for (p = seg_end; p < end && *p == ';'; p = seg_end) {
    const char *name = p + 1, *name_end, *value = NULL, *value_end = NULL;
    const char *eq;

    seg_end = find_unquoted (name, end, ';');
    eq = memchr (name, '=', seg_end - name);
    name_end = eq != NULL ? eq : seg_end;
    trim (&name, &name_end);
    if (name == name_end && eq == NULL)
      continue; /* "a;;b" or a trailing ';' */
    if (!is_token ((const guint8 *) name, name_end - name))
      return ALT_MALFORMED;
    if (eq != NULL) {
      value = eq + 1;
      value_end = seg_end;
      trim (&value, &value_end);
      if (value_end - value >= 2 && value[0] == '"' && value_end[-1] == '"') {
        value++;
        value_end--;
      } else if (memchr (value, '"', value_end - value) != NULL) {
        return ALT_MALFORMED;
      }
    }

    if (span_equal (name, name_end, "unicast")) {
      multicast = FALSE;
    } else if (span_equal (name, name_end, "multicast")) {
      multicast = TRUE;
    } else if (span_equal (name, name_end, "interleaved")) {
      if (value == NULL || !parse_pair (value, value_end, 0, 255, interleaved))
        return ALT_MALFORMED;
      has_interleaved = TRUE;
    } else if (span_equal (name, name_end, "client_port")) {
      if (value == NULL || !parse_pair (value, value_end, 1, 65535, ports))
        return ALT_MALFORMED;
      has_ports = TRUE;
    } else if (span_equal (name, name_end, "mode")) {
      if (value == NULL)
        return ALT_MALFORMED;
      play = span_equal (value, value_end, "PLAY");
    }
    /* destination, ttl, ssrc, port, source, append, layers: ignored.  In
     * particular a destination is never honoured: the server sends to
     * the peer of the RTSP connection only. */
  }

  if (!known_profile) {
    *why = "only RTP/AVP and RTP/AVP/TCP are supported";
    return ALT_REFUSED;
  }
  if (multicast) {
    *why = "multicast is not supported";
    return ALT_REFUSED;
  }
  if (!play) {
    *why = "only mode PLAY is supported";
    return ALT_REFUSED;
  }
  if (!tcp && !has_ports) {
    *why = "UDP needs client_port";
    return ALT_REFUSED;
  }
  memset (t, 0, sizeof *t);
  t->lower = tcp ? CE_RTSP_LOWER_TCP : CE_RTSP_LOWER_UDP;
  if (tcp && has_interleaved) {
    t->interleaved[0] = interleaved[0];
    t->interleaved[1] = interleaved[1];
    t->has_interleaved = TRUE;
  }
  if (!tcp) {
    t->client_port[0] = ports[0];
    t->client_port[1] = ports[1];
    t->has_client_port = TRUE;
  }
  t->mode = g_strdup ("PLAY");
  return ALT_OK;
}

gboolean
ce_rtsp_transport_parse (const char *header, CeRtspTransport *transport,
    GError **error)
{
  const char *why = NULL;
  const char *p = header, *header_end;

  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (transport != NULL, FALSE);

  memset (transport, 0, sizeof *transport);
  header_end = header + strlen (header);
  for (;;) {
    const char *end = find_unquoted (p, header_end, ',');
    const char *a = p, *a_end = end;

    trim (&a, &a_end);
    if (a < a_end) {
      switch (parse_alternative (a, a_end, transport, &why)) {
        case ALT_OK:
          return TRUE;
        case ALT_REFUSED:
        case ALT_MALFORMED:
        default:
          break;
      }
    }
    if (end == header_end)
      break;
    p = end + 1;
  }
  if (why != NULL)
    /* 461 Unsupported Transport; the enum has no name for it. */
    g_set_error (error, CE_RTSP_ERROR, 461,
        "No usable transport in the Transport header: %s", why);
  else
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Malformed Transport header");
  return FALSE;
}

/* ---- Authorization ----------------------------------------------------- */

void
ce_rtsp_auth_clear (CeRtspAuth *auth)
{
  g_return_if_fail (auth != NULL);

  g_free (auth->scheme);
  g_free (auth->username);
  if (auth->password != NULL)
    memset (auth->password, 0, strlen (auth->password));
  g_free (auth->password);
  g_free (auth->realm);
  g_free (auth->nonce);
  g_free (auth->uri);
  g_free (auth->response);
  g_free (auth->algorithm);
  memset (auth, 0, sizeof *auth);
}

static gboolean
parse_basic (const char *p, const char *end, CeRtspAuth *auth, GError **error)
{
  gsize len = end - p, pad = 0, out_len = 0;
  g_autofree char *padded = NULL;
  g_autofree guchar *decoded = NULL;
  gint state = 0;
  guint save = 0;
  const guchar *colon;

  /* g_base64_decode() skips what it does not know, so check first; and
   * accept credentials without their '=' padding. */
  while (pad < 2 && len > 0 && p[len - 1] == '=')
    len--, pad++;
  if (len == 0 || len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
    goto bad;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (p[i]) && p[i] != '+' && p[i] != '/')
      goto bad;
  }
  padded = g_malloc (len + 4);
  memcpy (padded, p, len);
  for (pad = 0; (len + pad) % 4 != 0; pad++)
    padded[len + pad] = '=';
  decoded = g_malloc0 (len + 4);
  out_len = g_base64_decode_step (padded, len + pad, decoded, &state, &save);
  if (memchr (decoded, '\0', out_len) != NULL ||
      !g_utf8_validate_len ((const char *) decoded, out_len, NULL))
    goto bad;
  colon = memchr (decoded, ':', out_len);
  if (colon == NULL)
    goto bad;
  auth->scheme = g_strdup ("Basic");
  auth->username = g_strndup ((const char *) decoded, colon - decoded);
  auth->password =
      g_strndup ((const char *) colon + 1, out_len - (colon + 1 - decoded));
  memset (decoded, 0, out_len);
  return TRUE;

bad:
  if (decoded != NULL)
    memset (decoded, 0, out_len);
  g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
      "Malformed Basic credentials in the Authorization header");
  return FALSE;
}

/* An auth-param value: a token-like run or a quoted-string with
 * backslash escapes.  Returns the position after it, or NULL. */
static const char *
parse_param_value (const char *p, const char *end, char **out)
{
  if (p < end && *p == '"') {
    GString *s = g_string_new (NULL);

    for (p++; p < end && *p != '"'; p++) {
      if (*p == '\\' && p + 1 < end)
        p++;
      g_string_append_c (s, *p);
    }
    if (p == end) {
      g_string_free (s, TRUE);
      return NULL;
    }
    *out = g_string_free (s, FALSE);
    return p + 1;
  } else {
    const char *start = p;

    while (p < end && *p != ',' && !g_ascii_isspace (*p) && *p != '"')
      p++;
    if (p == start)
      return NULL;
    *out = g_strndup (start, p - start);
    return p;
  }
}

static gboolean
parse_digest (const char *p, const char *end, CeRtspAuth *auth, GError **error)
{
  const struct
  {
    const char *name;
    char **slot;
    gboolean required;
  } fields[] = {
      {"username", &auth->username, TRUE},
      {"realm", &auth->realm, TRUE},
      {"nonce", &auth->nonce, TRUE},
      {"uri", &auth->uri, TRUE},
      {"response", &auth->response, TRUE},
      {"algorithm", &auth->algorithm, FALSE},
  };

  for (;;) {
    const char *name;
    gsize name_len;
    g_autofree char *value = NULL;

    while (p < end && (g_ascii_isspace (*p) || *p == ','))
      p++;
    if (p == end)
      break;
    name = p;
    while (p < end && is_tchar (*p))
      p++;
    name_len = p - name;
    while (p < end && g_ascii_isspace (*p))
      p++;
    if (name_len == 0 || p == end || *p != '=')
      goto bad;
    p++;
    while (p < end && g_ascii_isspace (*p))
      p++;
    p = parse_param_value (p, end, &value);
    if (p == NULL)
      goto bad;
    while (p < end && g_ascii_isspace (*p))
      p++;
    if (p < end && *p != ',')
      goto bad;

    for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
      if (strlen (fields[i].name) != name_len ||
          g_ascii_strncasecmp (name, fields[i].name, name_len) != 0)
        continue;
      /* Two values for one field would leave the check ambiguous. */
      if (*fields[i].slot != NULL) {
        g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
            "Digest parameter %s given twice in the Authorization header",
            fields[i].name);
        return FALSE;
      }
      *fields[i].slot = g_steal_pointer (&value);
      break;
    }
  }
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    if (fields[i].required && *fields[i].slot == NULL) {
      g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
          "Digest authorization has no %s parameter", fields[i].name);
      return FALSE;
    }
  }
  auth->scheme = g_strdup ("Digest");
  return TRUE;

bad:
  g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
      "Malformed Digest parameters in the Authorization header");
  return FALSE;
}

gboolean
ce_rtsp_auth_parse (const char *header, CeRtspAuth *auth, GError **error)
{
  const char *p = header, *end, *scheme;
  gsize scheme_len;
  gboolean ok;

  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (auth != NULL, FALSE);

  memset (auth, 0, sizeof *auth);
  end = header + strlen (header);
  while (p < end && g_ascii_isspace (*p))
    p++;
  scheme = p;
  while (p < end && is_tchar (*p))
    p++;
  scheme_len = p - scheme;
  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;

  if (scheme_len == 5 && g_ascii_strncasecmp (scheme, "Basic", 5) == 0)
    ok = parse_basic (p, end, auth, error);
  else if (scheme_len == 6 && g_ascii_strncasecmp (scheme, "Digest", 6) == 0)
    ok = parse_digest (p, end, auth, error);
  else {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Authorization scheme is neither Basic nor Digest");
    return FALSE;
  }
  if (!ok)
    ce_rtsp_auth_clear (auth);
  return ok;
}

static char *
md5_hex (const char *a, const char *b, const char *c)
{
  g_autoptr (GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);

  g_checksum_update (md5, (const guchar *) a, strlen (a));
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) b, strlen (b));
  if (c != NULL) {
    g_checksum_update (md5, (const guchar *) ":", 1);
    g_checksum_update (md5, (const guchar *) c, strlen (c));
  }
  return g_strdup (g_checksum_get_string (md5));
}

char *
ce_rtsp_digest_response (const char *username, const char *realm,
    const char *password, const char *method, const char *uri,
    const char *nonce)
{
  g_autofree char *ha1 = NULL;
  g_autofree char *ha2 = NULL;

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (realm != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (nonce != NULL, NULL);

  /* RFC 2617 §3.2.2.1 without qop: MD5(HA1:nonce:HA2). */
  ha1 = md5_hex (username, realm, password);
  ha2 = md5_hex (method, uri, NULL);
  return md5_hex (ha1, nonce, ha2);
}

/* ---- The client side: requests out, responses in ------------------------ */

void
ce_rtsp_response_free (CeRtspResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->reason);
  g_clear_pointer (&response->header_names, g_ptr_array_unref);
  g_clear_pointer (&response->header_values, g_ptr_array_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

const char *
ce_rtsp_response_get_header (const CeRtspResponse *response, const char *name)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < response->header_names->len; i++) {
    if (g_ascii_strcasecmp (response->header_names->pdata[i], name) == 0)
      return response->header_values->pdata[i];
  }
  return NULL;
}

/* A copy of bytes from a camera as printable UTF-8: control characters
 * become spaces, invalid sequences U+FFFD.  Cameras are not all careful,
 * and a cosmetic header must not end the session. */
static char *
text_dup (const guint8 *p, gsize len)
{
  char *s = g_strndup ((const char *) p, len);

  for (char *c = s; *c != '\0'; c++) {
    if (is_ctl (*c) && *c != '\t')
      *c = ' ';
  }
  if (!g_utf8_validate (s, -1, NULL)) {
    char *valid = g_utf8_make_valid (s, -1);

    g_free (s);
    s = valid;
  }
  return s;
}

/* "RTSP/1.0 200 OK"; the reason may be missing. */
static gboolean
parse_status_line (const guint8 *p, gsize len, CeRtspResponse *response,
    GError **error)
{
  const guint8 *end = p + len, *v;
  gsize vlen;
  guint status = 0;

  v = p;
  while (p < end && *p != ' ' && *p != '\t')
    p++;
  vlen = p - v;
  if (vlen < 8 || memcmp (v, "RTSP/", 5) != 0) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Malformed RTSP status line");
    return FALSE;
  }
  /* RTSP/1.0, and servers that say 1.1 mean the same. */
  if (vlen != 8 || v[5] != '1' || v[6] != '.' || !g_ascii_isdigit (v[7])) {
    char shown[33];
    gsize n = MIN (vlen, sizeof shown - 1);

    /* Camera bytes in a message: printable ASCII only. */
    for (gsize i = 0; i < n; i++)
      shown[i] = v[i] > 0x20 && v[i] < 0x7f ? (char) v[i] : '?';
    shown[n] = '\0';
    g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_VERSION,
        "Protocol version %s is not supported (only RTSP/1.0)", shown);
    return FALSE;
  }
  while (p < end && is_ows (*p))
    p++;
  for (guint i = 0; i < 3; i++, p++) {
    if (p == end || !g_ascii_isdigit (*p)) {
      g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
          "RTSP status line has no status code");
      return FALSE;
    }
    status = status * 10 + (*p - '0');
  }
  if ((p < end && !is_ows (*p)) || status < 100) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP status line has a malformed status code");
    return FALSE;
  }
  while (p < end && is_ows (*p))
    p++;
  while (end > p && is_ows (end[-1]))
    end--;
  response->status = status;
  response->reason = text_dup (p, end - p);
  return TRUE;
}

/* A header line of a response, read leniently: a line without a name is
 * skipped, spaces before the colon are allowed, a folded line continues
 * the previous value. */
static void
add_response_header (const guint8 *p, gsize len, CeRtspResponse *response)
{
  const guint8 *colon, *name_end, *v, *end = p + len;

  if (is_ows (p[0])) {
    GPtrArray *values = response->header_values;
    g_autofree char *more = NULL;
    char *joined;

    while (p < end && is_ows (*p))
      p++;
    while (end > p && is_ows (end[-1]))
      end--;
    if (values->len == 0 || p == end)
      return;
    more = text_dup (p, end - p);
    joined = g_strconcat (values->pdata[values->len - 1], " ", more, NULL);
    g_free (values->pdata[values->len - 1]);
    values->pdata[values->len - 1] = joined;
    return;
  }
  colon = memchr (p, ':', len);
  if (colon == NULL)
    return;
  name_end = colon;
  while (name_end > p && is_ows (name_end[-1]))
    name_end--;
  if (!is_token (p, name_end - p))
    return;
  v = colon + 1;
  while (v < end && is_ows (*v))
    v++;
  while (end > v && is_ows (end[-1]))
    end--;
  g_ptr_array_add (response->header_names,
      g_ascii_strdown ((const char *) p, name_end - p));
  g_ptr_array_add (response->header_values, text_dup (v, end - v));
}

static CeRtspResponse *
parse_response_head (const guint8 *data, gsize start, gsize head_end,
    GError **error)
{
  g_autoptr (CeRtspResponse) response = g_new0 (CeRtspResponse, 1);
  LineFinder finder = {data + head_end, NULL, FALSE};
  const guint8 *p = data + start;
  const char *cseq;
  gboolean first = TRUE;

  response->header_names = g_ptr_array_new_with_free_func (g_free);
  response->header_values = g_ptr_array_new_with_free_func (g_free);
  for (;;) {
    const guint8 *eol = NULL;
    gsize eol_len = 0;
    EolResult r = find_eol (&finder, p, &eol, &eol_len);

    g_assert (r != EOL_NONE);
    if (eol == p)
      break;
    if (first) {
      if (!parse_status_line (p, eol - p, response, error))
        return NULL;
      first = FALSE;
    } else {
      add_response_header (p, eol - p, response);
    }
    p = eol + eol_len;
  }
  cseq = ce_rtsp_response_get_header (response, "cseq");
  response->cseq = cseq != NULL ? parse_cseq (cseq) : -1;
  return g_steal_pointer (&response);
}

CeRtspParseResult
ce_rtsp_parse_response (const guint8 *data, gsize size, gsize *consumed,
    CeRtspResponse **response, guint8 *channel, const guint8 **payload,
    gsize *payload_size, GError **error)
{
  HeadScan hs = {0};
  gsize body_len = 0, n;
  CeRtspResponse *resp;
  CeRtspParseResult r;

  g_return_val_if_fail (data != NULL || size == 0, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (consumed != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (response != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (channel != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (payload != NULL, CE_RTSP_PARSE_ERROR);
  g_return_val_if_fail (payload_size != NULL, CE_RTSP_PARSE_ERROR);

  *consumed = 0;
  *response = NULL;

  /* The hot path: media between responses.  A few comparisons, no
   * allocation. */
  if (G_LIKELY (size >= 4 && data[0] == '$')) {
    gsize len = ((gsize) data[2] << 8) | data[3];

    if (size - 4 < len)
      return CE_RTSP_PARSE_NEED_MORE;
    *channel = data[1];
    *payload = data + 4;
    *payload_size = len;
    *consumed = 4 + len;
    return CE_RTSP_PARSE_INTERLEAVED;
  }

  while (hs.start < size && hs.start <= CE_RTSP_MAX_HEAD &&
      (data[hs.start] == '\r' || data[hs.start] == '\n'))
    hs.start++;
  if (hs.start == size)
    return CE_RTSP_PARSE_NEED_MORE;

  if (data[hs.start] == '$') {
    gsize len;

    if (size - hs.start < 4)
      return CE_RTSP_PARSE_NEED_MORE;
    len = ((gsize) data[hs.start + 2] << 8) | data[hs.start + 3];
    if (size - hs.start - 4 < len)
      return CE_RTSP_PARSE_NEED_MORE;
    *channel = data[hs.start + 1];
    *payload = data + hs.start + 4;
    *payload_size = len;
    *consumed = hs.start + 4 + len;
    return CE_RTSP_PARSE_INTERLEAVED;
  }

  n = MIN (size - hs.start, (gsize) 5);
  if (memcmp (data + hs.start, "RTSP/", n) != 0) {
    const guint8 *m = data + hs.start;
    gsize len = 0;

    /* A server may send requests too (ANNOUNCE, GET_PARAMETER, …): the
     * caller can read it with ce_rtsp_parse(). */
    while (hs.start + len < size && len < 32 && is_tchar (m[len]))
      len++;
    /* Decided on the same bytes however they arrive: wait for the one
     * after a method-like token. */
    if (hs.start + len == size)
      return CE_RTSP_PARSE_NEED_MORE;
    if (len > 0 && m[len] == ' ') {
      g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_NOT_IMPLEMENTED,
          "RTSP server sent a request (%.*s) where a response was expected",
          (int) len, (const char *) m);
      return CE_RTSP_PARSE_ERROR;
    }
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP response does not start with RTSP/");
    return CE_RTSP_PARSE_ERROR;
  }
  if (n < 5)
    return CE_RTSP_PARSE_NEED_MORE;

  r = message_extent (data, size, &hs, "response", &body_len, error);
  if (r != CE_RTSP_PARSE_REQUEST)
    return r;

  resp = parse_response_head (data, hs.start, hs.head_end, error);
  if (resp == NULL)
    return CE_RTSP_PARSE_ERROR;
  if (body_len > 0)
    resp->body = g_bytes_new (data + hs.head_end, body_len);
  *response = resp;
  *consumed = hs.head_end + body_len;
  return CE_RTSP_PARSE_RESPONSE;
}

/* A request URI: printable, no spaces. */
static gboolean
is_request_uri (const char *uri)
{
  gsize len = strlen (uri);

  if (len == 0 || len > CE_RTSP_MAX_LINE - 32 ||
      !is_text ((const guint8 *) uri, len))
    return FALSE;
  return strpbrk (uri, " \t") == NULL;
}

GBytes *
ce_rtsp_request_build (const char *method, const char *uri, int cseq,
    const char *const *headers)
{
  g_autoptr (GString) request = NULL;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  if (!is_token ((const guint8 *) method, strlen (method)) ||
      !is_request_uri (uri))
    return NULL;
  request = g_string_sized_new (256);
  g_string_append_printf (request, "%s %s RTSP/1.0\r\n", method, uri);
  if (cseq >= 0)
    g_string_append_printf (request, "CSeq: %d\r\n", cseq);
  for (gsize i = 0; headers != NULL && headers[i] != NULL; i += 2) {
    const char *name = headers[i], *value = headers[i + 1];

    g_return_val_if_fail (value != NULL, NULL);
    if (!is_token ((const guint8 *) name, strlen (name)) ||
        !is_header_value (value))
      return NULL;
    g_string_append_printf (request, "%s: %s\r\n", name, value);
  }
  g_string_append (request, "\r\n");
  return g_string_free_to_bytes (g_steal_pointer (&request));
}

/* ---- WWW-Authenticate ---------------------------------------------------- */

void
ce_rtsp_challenge_clear (CeRtspChallenge *challenge)
{
  g_return_if_fail (challenge != NULL);

  g_free (challenge->scheme);
  g_free (challenge->realm);
  g_free (challenge->nonce);
  g_free (challenge->opaque);
  g_free (challenge->algorithm);
  memset (challenge, 0, sizeof *challenge);
}

/* One challenge being read. */
typedef struct
{
  const char *scheme;
  gsize scheme_len;
  char *realm, *nonce, *opaque, *algorithm, *qop, *stale;
} Offer;

static void
offer_clear (Offer *o)
{
  g_free (o->realm);
  g_free (o->nonce);
  g_free (o->opaque);
  g_free (o->algorithm);
  g_free (o->qop);
  g_free (o->stale);
  memset (o, 0, sizeof *o);
}

static gboolean
offer_is (const Offer *o, const char *scheme)
{
  return o->scheme != NULL && strlen (scheme) == o->scheme_len &&
      g_ascii_strncasecmp (o->scheme, scheme, o->scheme_len) == 0;
}

/* Rank of an offer: 2 Digest MD5, 1 Basic, 0 unusable. */
static int
offer_rank (const Offer *o)
{
  if (offer_is (o, "Digest"))
    return o->realm != NULL && o->nonce != NULL &&
            (o->algorithm == NULL ||
                g_ascii_strcasecmp (o->algorithm, "MD5") == 0)
        ? 2
        : 0;
  if (offer_is (o, "Basic"))
    return 1;
  return 0;
}

/* Whether the comma-separated list @list holds @item. */
static gboolean
list_has (const char *list, const char *item)
{
  const char *p = list, *end = list + strlen (list);

  for (;;) {
    const char *e = find_unquoted (p, end, ','), *a = p, *a_end = e;

    trim (&a, &a_end);
    if (span_equal (a, a_end, item))
      return TRUE;
    if (e == end)
      return FALSE;
    p = e + 1;
  }
}

static void
offer_take (Offer *best, CeRtspChallenge *challenge)
{
  challenge->scheme = g_strdup (offer_is (best, "Digest") ? "Digest" : "Basic");
  challenge->realm = g_steal_pointer (&best->realm);
  challenge->nonce = g_steal_pointer (&best->nonce);
  challenge->opaque = g_steal_pointer (&best->opaque);
  challenge->algorithm = g_steal_pointer (&best->algorithm);
  challenge->qop_auth = best->qop != NULL && list_has (best->qop, "auth");
  challenge->stale =
      best->stale != NULL && g_ascii_strcasecmp (best->stale, "true") == 0;
}

gboolean
ce_rtsp_challenge_parse (const char *header, CeRtspChallenge *challenge,
    GError **error)
{
  const char *p = header, *end;
  Offer cur = {0}, best = {0};
  g_autoptr (GString) offered = g_string_new (NULL);
  gboolean ok = TRUE;

  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (challenge != NULL, FALSE);

  memset (challenge, 0, sizeof *challenge);
  end = header + strlen (header);
  /* challenge = scheme 1*SP [ auth-param *( "," auth-param ) ], several
   * of them separated by commas: after a comma, "token =" continues the
   * current challenge and "token" alone starts the next. */
  while (ok) {
    const char *tok;
    gsize tok_len;

    while (p < end && (g_ascii_isspace (*p) || *p == ','))
      p++;
    if (p == end)
      break;
    tok = p;
    while (p < end && is_tchar (*p))
      p++;
    tok_len = p - tok;
    if (tok_len == 0) {
      ok = FALSE;
      break;
    }
    while (p < end && g_ascii_isspace (*p))
      p++;
    if (p < end && *p == '=' && cur.scheme != NULL) {
      g_autofree char *value = NULL;
      struct
      {
        const char *name;
        char **slot;
      } fields[] = {
          {"realm", &cur.realm},
          {"nonce", &cur.nonce},
          {"opaque", &cur.opaque},
          {"algorithm", &cur.algorithm},
          {"qop", &cur.qop},
          {"stale", &cur.stale},
      };

      p++;
      while (p < end && g_ascii_isspace (*p))
        p++;
      p = parse_param_value (p, end, &value);
      if (p == NULL) {
        ok = FALSE;
        break;
      }
      for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
        if (strlen (fields[i].name) == tok_len &&
            g_ascii_strncasecmp (tok, fields[i].name, tok_len) == 0 &&
            *fields[i].slot == NULL) {
          *fields[i].slot = g_steal_pointer (&value);
          break;
        }
      }
      continue;
    }
    /* A new challenge (or a token68, which no scheme we use has). */
    if (offer_rank (&cur) > offer_rank (&best)) {
      offer_clear (&best);
      best = cur;
      memset (&cur, 0, sizeof cur);
    } else {
      offer_clear (&cur);
    }
    cur.scheme = tok;
    cur.scheme_len = tok_len;
    if (offered->len < 128)
      g_string_append_printf (offered, "%s%.*s", offered->len > 0 ? ", " : "",
          (int) MIN (tok_len, 32), tok);
    /* Skip a token68 ("abc==") if one follows. */
    if (p < end && *p == '=') {
      while (p < end && *p == '=')
        p++;
    }
  }
  if (ok && offer_rank (&cur) > offer_rank (&best)) {
    offer_clear (&best);
    best = cur;
    memset (&cur, 0, sizeof cur);
  }
  offer_clear (&cur);
  if (!ok) {
    offer_clear (&best);
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Malformed WWW-Authenticate header");
    return FALSE;
  }
  if (offer_rank (&best) == 0) {
    g_set_error (error, CE_RTSP_ERROR, CE_RTSP_ERROR_NOT_IMPLEMENTED,
        "WWW-Authenticate offers no Digest (MD5) or Basic challenge (%s)",
        offered->len > 0 ? offered->str : "none");
    return FALSE;
  }
  offer_take (&best, challenge);
  offer_clear (&best);
  return TRUE;
}

gboolean
ce_rtsp_response_get_challenge (const CeRtspResponse *response,
    CeRtspChallenge *challenge, GError **error)
{
  g_autoptr (GString) all = g_string_new (NULL);

  g_return_val_if_fail (response != NULL, FALSE);
  g_return_val_if_fail (challenge != NULL, FALSE);

  for (guint i = 0; i < response->header_names->len; i++) {
    if (strcmp (response->header_names->pdata[i], "www-authenticate") != 0)
      continue;
    if (all->len > 0)
      g_string_append (all, ", ");
    g_string_append (all, response->header_values->pdata[i]);
  }
  if (all->len == 0) {
    memset (challenge, 0, sizeof *challenge);
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTSP response has no WWW-Authenticate header");
    return FALSE;
  }
  return ce_rtsp_challenge_parse (all->str, challenge, error);
}

/* Appends name="value" with RFC 7230 quoting. */
static void
append_quoted (GString *s, const char *name, const char *value)
{
  g_string_append_printf (s, ", %s=\"", name);
  for (const char *c = value; *c != '\0'; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_c (s, '\\');
    g_string_append_c (s, *c);
  }
  g_string_append_c (s, '"');
}

char *
ce_rtsp_challenge_authorization (CeRtspChallenge *challenge,
    const char *username, const char *password, const char *method,
    const char *uri)
{
  g_autoptr (GString) h = NULL;
  g_autofree char *response = NULL;
  g_autofree char *cnonce = NULL;
  char nc[9] = "";

  g_return_val_if_fail (challenge != NULL && challenge->scheme != NULL, NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  if (!is_header_value (username) || !is_header_value (uri))
    return NULL;
  if (strcmp (challenge->scheme, "Basic") == 0) {
    g_autofree char *pair = g_strconcat (username, ":", password, NULL);
    g_autofree char *b64 =
        g_base64_encode ((const guchar *) pair, strlen (pair));

    memset (pair, 0, strlen (pair));
    return g_strconcat ("Basic ", b64, NULL);
  }

  g_return_val_if_fail (challenge->realm != NULL, NULL);
  g_return_val_if_fail (challenge->nonce != NULL, NULL);
  if (challenge->qop_auth) {
    /* RFC 2617 §3.2.2.1 with qop=auth:
     * MD5(HA1:nonce:nc:cnonce:auth:HA2). */
    g_autofree char *ha1 = md5_hex (username, challenge->realm, password);
    g_autofree char *ha2 = md5_hex (method, uri, NULL);
    g_autofree char *tail = NULL;
    g_autofree char *mid = NULL;

    challenge->nc++;
    g_snprintf (nc, sizeof nc, "%08x", challenge->nc);
    cnonce = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
    mid = g_strconcat (nc, ":", cnonce, ":auth", NULL);
    tail = g_strconcat (challenge->nonce, ":", mid, NULL);
    response = md5_hex (ha1, tail, ha2);
  } else {
    response = ce_rtsp_digest_response (username, challenge->realm, password,
        method, uri, challenge->nonce);
  }
  h = g_string_new ("Digest username=\"");
  for (const char *c = username; *c != '\0'; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_c (h, '\\');
    g_string_append_c (h, *c);
  }
  g_string_append_c (h, '"');
  append_quoted (h, "realm", challenge->realm);
  append_quoted (h, "nonce", challenge->nonce);
  append_quoted (h, "uri", uri);
  append_quoted (h, "response", response);
  if (challenge->opaque != NULL)
    append_quoted (h, "opaque", challenge->opaque);
  if (challenge->algorithm != NULL)
    g_string_append (h, ", algorithm=MD5");
  if (challenge->qop_auth) {
    g_string_append_printf (h, ", qop=auth, nc=%s", nc);
    append_quoted (h, "cnonce", cnonce);
  }
  /* Realm, nonce and opaque come from the camera: nothing they hold may
   * start a new header line. */
  if (!is_header_value (h->str))
    return NULL;
  return g_string_free (g_steal_pointer (&h), FALSE);
}

/* ---- Session, RTP-Info, Public, control URLs ---------------------------- */

void
ce_rtsp_session_clear (CeRtspSession *session)
{
  g_return_if_fail (session != NULL);

  g_free (session->id);
  memset (session, 0, sizeof *session);
}

/* Longest session id kept; it is sent back in every request. */
#define MAX_SESSION_ID 256

gboolean
ce_rtsp_session_parse (const char *header, CeRtspSession *session,
    GError **error)
{
  const char *p = header, *end, *id_end;

  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (session != NULL, FALSE);

  memset (session, 0, sizeof *session);
  end = header + strlen (header);
  id_end = find_unquoted (p, end, ';');
  trim (&p, &id_end);
  if (p == id_end || id_end - p > MAX_SESSION_ID) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "Session header has no usable session id");
    return FALSE;
  }
  for (const char *c = p; c < id_end; c++) {
    if ((guint8) *c <= 0x20 || (guint8) *c >= 0x7f || *c == ',') {
      g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
          "Session id has characters other than visible ASCII");
      return FALSE;
    }
  }
  session->id = g_strndup (p, id_end - p);

  /* Parameters; a timeout that is not a number is ignored. */
  for (p = id_end; p < end;) {
    const char *seg = p + (*p == ';'), *seg_end = find_unquoted (seg, end, ';');
    const char *eq = memchr (seg, '=', seg_end - seg);

    if (eq != NULL) {
      const char *name = seg, *name_end = eq, *v = eq + 1, *v_end = seg_end;
      guint timeout;

      trim (&name, &name_end);
      trim (&v, &v_end);
      if (span_equal (name, name_end, "timeout") &&
          parse_uint (v, v_end, 24 * 3600, &timeout))
        session->timeout = timeout;
    }
    p = seg_end;
  }
  return TRUE;
}

void
ce_rtsp_rtp_info_clear (CeRtspRtpInfo *info)
{
  g_return_if_fail (info != NULL);

  g_free (info->url);
  memset (info, 0, sizeof *info);
}

gboolean
ce_rtsp_rtp_info_parse (const char *header, CeRtspRtpInfo *info, GError **error)
{
  const char *p = header, *end, *elem_end;
  g_autoptr (GString) url = g_string_new (NULL);
  gboolean have_url = FALSE;

  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  memset (info, 0, sizeof *info);
  end = header + strlen (header);
  /* The first stream: up to a comma that starts another "url=".  URLs may
   * hold commas and semicolons; parameters are the ';' segments that are
   * "seq=" or "rtptime=" (or "ssrc="), the rest is the URL. */
  elem_end = p;
  for (;;) {
    const char *comma = find_unquoted (elem_end, end, ','), *q = comma + 1;

    if (comma == end) {
      elem_end = end;
      break;
    }
    while (q < end && g_ascii_isspace (*q))
      q++;
    if (end - q >= 4 && g_ascii_strncasecmp (q, "url=", 4) == 0) {
      elem_end = comma;
      break;
    }
    elem_end = comma + 1;
  }
  while (p < elem_end) {
    const char *seg = p, *seg_end = find_unquoted (p, elem_end, ';');
    const char *eq = memchr (seg, '=', seg_end - seg);
    const char *name = seg, *name_end = eq != NULL ? eq : seg_end;
    const char *v = eq != NULL ? eq + 1 : seg_end, *v_end = seg_end;
    guint value;

    trim (&name, &name_end);
    trim (&v, &v_end);
    if (!have_url && span_equal (name, name_end, "url")) {
      g_string_append_len (url, v, v_end - v);
      have_url = TRUE;
    } else if (have_url && span_equal (name, name_end, "seq")) {
      /* An out-of-range value is ignored. */
      if (parse_uint (v, v_end, 65535, &value)) {
        info->seq = value;
        info->has_seq = TRUE;
      }
    } else if (have_url && span_equal (name, name_end, "rtptime")) {
      if (parse_uint (v, v_end, G_MAXUINT32, &value)) {
        info->rtptime = value;
        info->has_rtptime = TRUE;
      }
    } else if (have_url && span_equal (name, name_end, "ssrc")) {
      /* RTSP 2.0; not needed. */
    } else if (have_url && !info->has_seq && !info->has_rtptime) {
      const char *a = seg, *a_end = seg_end;

      trim (&a, &a_end);
      g_string_append_c (url, ';');
      g_string_append_len (url, a, a_end - a);
    }
    p = seg_end + (seg_end < elem_end);
  }
  if (!have_url || url->len == 0) {
    g_set_error_literal (error, CE_RTSP_ERROR, CE_RTSP_ERROR_BAD_REQUEST,
        "RTP-Info header does not start with url=");
    return FALSE;
  }
  info->url = g_string_free (g_steal_pointer (&url), FALSE);
  return TRUE;
}

gboolean
ce_rtsp_public_has_method (const char *header, const char *method)
{
  g_return_val_if_fail (method != NULL, FALSE);

  return header != NULL && list_has (header, method);
}

/* The length of "scheme://authority" at the start of @url, or 0. */
static gsize
url_origin_len (const char *url)
{
  const char *p = strstr (url, "://");

  if (p == NULL)
    return 0;
  for (const char *c = url; c < p; c++) {
    if (!g_ascii_isalnum (*c) && *c != '+' && *c != '-' && *c != '.')
      return 0;
  }
  p += 3;
  return (p + strcspn (p, "/?#")) - url;
}

char *
ce_rtsp_resolve_control (const char *base, const char *control)
{
  const char *c = control, *c_end;
  gsize origin;

  g_return_val_if_fail (base != NULL, NULL);

  if (c == NULL)
    return g_strdup (base);
  c_end = c + strlen (c);
  trim (&c, &c_end);
  /* RFC 2326 §C.1.1: "*" (or nothing) is the base itself. */
  if (c == c_end || span_equal (c, c_end, "*"))
    return g_strdup (base);
  /* Absolute: any "scheme://". */
  origin = url_origin_len (c);
  if (origin > 0 && (gsize) (c_end - c) >= origin)
    return g_strndup (c, c_end - c);
  /* An absolute path replaces the base's path. */
  if (*c == '/') {
    origin = url_origin_len (base);
    return g_strdup_printf ("%.*s%.*s", (int) origin, base, (int) (c_end - c),
        c);
  }
  /* Relative: appended to the base with one '/', as cameras, ffmpeg and
   * live555 expect; a strict RFC 3986 merge would drop the base's last
   * segment ("rtsp://h/live" + "track1" → "rtsp://h/track1"), which no
   * camera wants.  A query in the base stays where it is. */
  return g_strdup_printf ("%s%s%.*s", base,
      g_str_has_suffix (base, "/") ? "" : "/", (int) (c_end - c), c);
}

static gboolean
path_segment_valid (const char *s)
{
  gsize len = strlen (s);

  if (len == 0 || len > CE_RTSP_PATH_MAX_SEGMENT || strcmp (s, ".") == 0 ||
      strcmp (s, "..") == 0)
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && *s != '_' && *s != '-' && *s != '.')
      return FALSE;
  return TRUE;
}

char *
ce_rtsp_uri_path (const char *uri, int *track)
{
  const char *path = uri, *scheme;
  g_autofree char *path_only = NULL;
  g_auto (GStrv) parts = NULL;
  guint n;

  g_return_val_if_fail (uri != NULL && track != NULL, NULL);
  *track = -1;
  scheme = strstr (uri, "://");
  if (scheme != NULL && strchr (uri, '/') > scheme) {
    path = strchr (scheme + 3, '/');
    if (path == NULL)
      return NULL;
  }
  if (*path != '/')
    return NULL;
  path_only = g_strndup (path + 1, strcspn (path + 1, "?#"));
  parts = g_strsplit (path_only, "/", CE_RTSP_PATH_MAX_SEGMENTS + 3);
  n = g_strv_length (parts);
  if (n > 1 && *parts[n - 1] == '\0') {
    g_free (parts[n - 1]);
    parts[--n] = NULL;
  }
  if (n > 1) {
    const char *last = parts[n - 1];

    if (strcmp (last, "trackID=0") == 0 || strcmp (last, "track0") == 0)
      *track = 0;
    else if (strcmp (last, "trackID=1") == 0 || strcmp (last, "track1") == 0)
      *track = 1;
    if (*track >= 0) {
      g_free (parts[n - 1]);
      parts[--n] = NULL;
    }
  }
  if (n < 1 || n > CE_RTSP_PATH_MAX_SEGMENTS) {
    *track = -1;
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    if (!path_segment_valid (parts[i])) {
      *track = -1;
      return NULL;
    }
  }
  return g_strjoinv ("/", parts);
}
