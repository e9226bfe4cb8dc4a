/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTSP 1.0 on the wire (RFC 2326).  Server side: an incremental request
 * parser that also recognises interleaved binary frames, response
 * building, and the Transport, Range, Session and Authorization headers.
 * Client side: request building, an incremental response parser (with
 * interleaved frames), and the WWW-Authenticate, Session, RTP-Info and
 * Public headers and control URLs.  Pure GLib; every
 * byte it reads comes from the network, so it is bounded and fuzzed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CE_RTSP_ERROR (ce_rtsp_error_quark ())
GQuark ce_rtsp_error_quark (void);

/* Each error carries the RTSP status the server should answer with. */
typedef enum
{
  CE_RTSP_ERROR_BAD_REQUEST = 400,
  CE_RTSP_ERROR_TOO_LARGE = 413, /* Request Entity Too Large */
  CE_RTSP_ERROR_URI_TOO_LONG = 414,
  CE_RTSP_ERROR_HEADER_TOO_LARGE = 431, /* used for header-count/size */
  CE_RTSP_ERROR_NOT_IMPLEMENTED = 501,
  CE_RTSP_ERROR_VERSION = 505,
} CeRtspError;

/* Limits on what one request may be. */
#define CE_RTSP_MAX_LINE 4096
#define CE_RTSP_MAX_HEAD 16384
#define CE_RTSP_MAX_HEADERS 64
#define CE_RTSP_MAX_BODY 65536

typedef struct
{
  char *method;             /* as sent, e.g. "DESCRIBE" */
  char *uri;                /* as sent */
  int cseq;                 /* -1 when absent or not a number */
  GPtrArray *header_names;  /* (element-type utf8) lower-cased, in order */
  GPtrArray *header_values; /* (element-type utf8) trimmed */
  GBytes *body;             /* nullable */
} CeRtspRequest;

void ce_rtsp_request_free (CeRtspRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeRtspRequest, ce_rtsp_request_free)

/* The first header of that name (case-insensitive), or NULL. */
const char *ce_rtsp_request_get_header (const CeRtspRequest *request,
    const char *name);

typedef enum
{
  CE_RTSP_PARSE_NEED_MORE,   /* nothing complete yet; keep the bytes */
  CE_RTSP_PARSE_REQUEST,     /* *request set */
  CE_RTSP_PARSE_INTERLEAVED, /* '$' frame: *channel, *payload/_size set */
  CE_RTSP_PARSE_ERROR,       /* @error set: answer it and close */
  CE_RTSP_PARSE_RESPONSE,    /* *response set (ce_rtsp_parse_response()) */
} CeRtspParseResult;

/**
 * ce_rtsp_parse:
 * Looks at the start of @data (bytes received and not yet consumed) and
 * returns the next complete item; *consumed says how many bytes it used
 * (0 for NEED_MORE).  For INTERLEAVED, *payload points into @data.
 * Requests must be RTSP/1.0; bare CR or LF line ends are accepted.
 */
CeRtspParseResult ce_rtsp_parse (const guint8 *data, gsize size,
    gsize *consumed, CeRtspRequest **request, guint8 *channel,
    const guint8 **payload, gsize *payload_size, GError **error);

/* Standard reason phrase for a status code ("OK", "Not Found", …). */
const char *ce_rtsp_reason (guint status);

/**
 * ce_rtsp_response_new:
 * Starts "RTSP/1.0 <status> <reason>\r\nCSeq: <cseq>\r\n" (no CSeq line
 * when @cseq < 0) followed by "Server: cityeye/<version>" and a Date
 * header; add headers with ce_rtsp_response_add_header() and finish with
 * ce_rtsp_response_finish(), which appends Content-Length and the body.
 */
GString *ce_rtsp_response_new (guint status, int cseq);
/* Refuses (returns FALSE) header names/values containing CR or LF. */
gboolean ce_rtsp_response_add_header (GString *response, const char *name,
    const char *value);
/* (transfer full): the complete message. */
GBytes *ce_rtsp_response_finish (GString *response, const char *content_type,
    const char *body, gsize body_size);

typedef enum
{
  CE_RTSP_LOWER_TCP,
  CE_RTSP_LOWER_UDP,
} CeRtspLower;

typedef struct
{
  CeRtspLower lower;
  gboolean multicast;    /* requested; the server refuses it */
  guint8 interleaved[2]; /* TCP: RTP and RTCP channels */
  gboolean has_interleaved;
  guint16 client_port[2]; /* UDP: RTP and RTCP ports */
  gboolean has_client_port;
  char *mode; /* "PLAY" unless given; nullable */
} CeRtspTransport;

void ce_rtsp_transport_clear (CeRtspTransport *transport);

/**
 * ce_rtsp_transport_parse:
 * Reads a Transport header (RFC 2326 §12.39), which may list alternatives
 * separated by commas, and returns the first one this server can serve:
 * RTP/AVP (UDP unicast with client_port) or RTP/AVP/TCP (with or without
 * interleaved).  FALSE with @error when none can be served.
 */
gboolean ce_rtsp_transport_parse (const char *header,
    CeRtspTransport *transport, GError **error);

/* Parsed "Authorization:" header. */
typedef struct
{
  char *scheme;   /* "Basic" / "Digest" */
  char *username; /* Basic: decoded user; Digest: username= */
  char *password; /* Basic only */
  char *realm, *nonce, *uri, *response, *algorithm; /* Digest */
} CeRtspAuth;

void ce_rtsp_auth_clear (CeRtspAuth *auth);
gboolean ce_rtsp_auth_parse (const char *header, CeRtspAuth *auth,
    GError **error);

/* Digest (RFC 2617, MD5, no qop) expected response for @method/@uri.
 * (transfer full) lower-case hex. */
char *ce_rtsp_digest_response (const char *username, const char *realm,
    const char *password, const char *method, const char *uri,
    const char *nonce);

/* ---- Client side ---------------------------------------------------------
 */

/* A response from a server.  (Not related to ce_rtsp_response_new(), which
 * writes the server's own responses as text.) */
typedef struct
{
  guint status;             /* 100-999 */
  char *reason;             /* as sent, "" when missing; UTF-8 */
  int cseq;                 /* -1 when absent or not a number */
  GPtrArray *header_names;  /* (element-type utf8) lower-cased, in order */
  GPtrArray *header_values; /* (element-type utf8) trimmed; control
                               characters made spaces, invalid UTF-8
                               replaced */
  GBytes *body;             /* nullable */
} CeRtspResponse;

void ce_rtsp_response_free (CeRtspResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeRtspResponse, ce_rtsp_response_free)

/* The first header of that name (case-insensitive), or NULL. */
const char *ce_rtsp_response_get_header (const CeRtspResponse *response,
    const char *name);

/**
 * ce_rtsp_parse_response:
 * The client's parser: like ce_rtsp_parse(), with the same limits, for the
 * bytes a server sends: responses (CE_RTSP_PARSE_RESPONSE, *response set,
 * transfer full) and interleaved '$' frames (CE_RTSP_PARSE_INTERLEAVED,
 * *payload points into @data; recognised with a few comparisons and no
 * allocation when @data starts with '$').  Empty lines between messages
 * are skipped.  Status lines must be RTSP/1.x; the reason may be missing.
 * Header lines are read leniently (spaces before the colon, folded lines;
 * a line with no name is skipped).  A request from the server (it starts
 * with a method) gives CE_RTSP_PARSE_ERROR with code
 * CE_RTSP_ERROR_NOT_IMPLEMENTED and *consumed 0: ce_rtsp_parse() reads it
 * from the same bytes, for an answer.
 */
CeRtspParseResult ce_rtsp_parse_response (const guint8 *data, gsize size,
    gsize *consumed, CeRtspResponse **response, guint8 *channel,
    const guint8 **payload, gsize *payload_size, GError **error);

/**
 * ce_rtsp_request_build:
 * @headers: (nullable) (array zero-terminated=1): name, value, name,
 *   value, …, NULL
 * "<method> <uri> RTSP/1.0", "CSeq: <cseq>" (left out when @cseq < 0), the
 * headers, an empty line.  Returns: (transfer full): the request, or NULL
 * when @method is not a token, @uri is empty or has spaces or control
 * characters, or a header name is not a token or a value has control
 * characters (CR/LF injection).
 */
GBytes *ce_rtsp_request_build (const char *method, const char *uri, int cseq,
    const char *const *headers);

/* A WWW-Authenticate challenge the client can answer. */
typedef struct
{
  char *scheme;      /* "Digest" or "Basic" */
  char *realm;       /* nullable for Basic */
  char *nonce;       /* Digest */
  char *opaque;      /* Digest, nullable */
  char *algorithm;   /* Digest, nullable (then MD5); only MD5 is chosen */
  gboolean qop_auth; /* Digest: the server offers qop "auth" */
  gboolean stale;    /* Digest: the nonce expired, the password was right */
  guint nc;          /* nonce count sent so far (qop) */
} CeRtspChallenge;

void ce_rtsp_challenge_clear (CeRtspChallenge *challenge);

/**
 * ce_rtsp_challenge_parse:
 * Reads a WWW-Authenticate value, which may hold several challenges, and
 * keeps the best one: Digest with MD5 (or no algorithm), else Basic.
 * Digest with another algorithm (SHA-256, MD5-sess) and other schemes are
 * passed over.  FALSE with @error (CE_RTSP_ERROR_NOT_IMPLEMENTED when
 * nothing usable is offered, naming what was) otherwise.
 */
gboolean ce_rtsp_challenge_parse (const char *header,
    CeRtspChallenge *challenge, GError **error);

/* The same over every WWW-Authenticate header of @response (cameras send
 * Digest and Basic in two headers). */
gboolean ce_rtsp_response_get_challenge (const CeRtspResponse *response,
    CeRtspChallenge *challenge, GError **error);

/**
 * ce_rtsp_challenge_authorization:
 * The Authorization value answering @challenge for one request: "Basic
 * …", or "Digest username=…, realm, nonce, uri, response[, opaque]
 * [, algorithm][, qop=auth, nc, cnonce]" (RFC 2617; with qop, nc is
 * counted in @challenge).  Returns: (transfer full): the value, or NULL
 * when @username, @uri or the camera's parameters hold control characters.
 */
char *ce_rtsp_challenge_authorization (CeRtspChallenge *challenge,
    const char *username, const char *password, const char *method,
    const char *uri);

/* "Session: <id>[;timeout=<seconds>]" from SETUP. */
typedef struct
{
  char *id;      /* visible ASCII, at most 256 bytes */
  guint timeout; /* seconds; 0 when not given (RFC 2326 default: 60) */
} CeRtspSession;

void ce_rtsp_session_clear (CeRtspSession *session);
/* FALSE with @error when there is no usable id; a malformed timeout is
 * ignored. */
gboolean ce_rtsp_session_parse (const char *header, CeRtspSession *session,
    GError **error);

/* The first stream of an "RTP-Info:" header from PLAY. */
typedef struct
{
  char *url;
  guint16 seq;
  guint32 rtptime;
  gboolean has_seq;
  gboolean has_rtptime;
} CeRtspRtpInfo;

void ce_rtsp_rtp_info_clear (CeRtspRtpInfo *info);
/* FALSE with @error unless the header starts with url=. */
gboolean ce_rtsp_rtp_info_parse (const char *header, CeRtspRtpInfo *info,
    GError **error);

/* Whether a "Public:" header (nullable) lists @method (case-insensitive),
 * e.g. "GET_PARAMETER" for keep-alives. */
gboolean ce_rtsp_public_has_method (const char *header, const char *method);

/**
 * ce_rtsp_resolve_control:
 * @base: the Content-Base, else Content-Location, else the request URL of
 *   DESCRIBE
 * @control: (nullable): an a=control value
 * RFC 2326 §C.1.1: "*" or nothing is @base; an absolute URL ("rtsp://…",
 * any scheme) is itself; "/path" replaces the path of @base; anything else
 * is appended to @base with one '/' between them, as cameras expect (a
 * query in @base stays put: "rtsp://h/x?ch=1/" + "trackID=0").
 * Returns: (transfer full): the URL.
 */
char *ce_rtsp_resolve_control (const char *base, const char *control);

#define CE_RTSP_PATH_MAX_SEGMENTS 8
#define CE_RTSP_PATH_MAX_SEGMENT 64

/**
 * ce_rtsp_uri_path:
 * @uri: a request URI: "rtsp://host[:port]/a/b[/trackID=N][?query]" (any
 *   scheme) or the same from its path
 * @track: (out): the track a last "trackID=N" / "trackN" segment names
 *   (0 or 1), -1 when there is none
 * The URI's path without the leading '/', the query, a trailing slash and
 * the track segment ("walls/hall/monitors/1"), checked: 1 to
 * CE_RTSP_PATH_MAX_SEGMENTS segments of 1 to CE_RTSP_PATH_MAX_SEGMENT
 * bytes of [A-Za-z0-9_.-], never "." or "..", no percent-escapes.
 * Returns: (transfer full) (nullable): the path, or %NULL when it is not
 *   one.
 */
char *ce_rtsp_uri_path (const char *uri, int *track);

G_END_DECLS
