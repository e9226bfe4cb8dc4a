/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * RTSP 1.0 on the wire (RFC 2326): an incremental request parser that also
 * recognises interleaved binary frames, response building, and the
 * Transport, Range, Session and Authorization headers.  Pure GLib; every
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

G_END_DECLS
