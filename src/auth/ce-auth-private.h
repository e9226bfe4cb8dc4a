/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The auth module's parsers of outside input (Authorization headers, play
 * token payloads) and encoding helpers, shared with the tests and the
 * fuzzers.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bounds on what a parser accepts. */
#define CE_AUTH_MAX_HEADER 4096
#define CE_AUTH_MAX_INCIDENT 128

/* base64url (RFC 4648 §5) without padding. */
char *ce_base64url_encode (const guint8 *data, gsize len);
/* Returns: (transfer full): the bytes, or %NULL when @text is not
 * unpadded base64url. */
guint8 *ce_base64url_decode (const char *text, gsize text_len, gsize *len);

typedef enum
{
  CE_AUTH_SCHEME_BASIC,
  CE_AUTH_SCHEME_DIGEST,
  CE_AUTH_SCHEME_BEARER,
} CeAuthScheme;

typedef struct
{
  CeAuthScheme scheme;
  char *user;         /* Basic, Digest */
  char *password;     /* Basic */
  char *token;        /* Bearer */
  GHashTable *params; /* Digest: lower-case name → unquoted value */
} CeAuthHeader;

void ce_auth_header_clear (CeAuthHeader *h);
/* Parses an Authorization header value; FALSE for anything malformed,
 * oversized or of another scheme. */
gboolean ce_auth_header_parse (const char *value, CeAuthHeader *out);

typedef struct
{
  char *user;
  int role;
  guint sources;
  int max_secrecy;
  gint64 token_id;
  char *camera_id;
  gint64 expires_us;
  char *incident; /* NULL when none */
} CePlayTokenFields;

void ce_play_token_fields_clear (CePlayTokenFields *f);
/* The signed payload: fields joined by '\n'.  Free with g_free. */
char *ce_play_token_payload_build (const CePlayTokenFields *f);
/* FALSE for anything but exactly the fields build() writes. */
gboolean ce_play_token_payload_parse (const char *payload, gsize len,
    CePlayTokenFields *out);

G_END_DECLS
