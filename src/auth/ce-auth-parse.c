/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Parsers of outside input for src/auth: Authorization header values
 * (Basic, Digest, Bearer) and play token payloads.  Bounded and strict;
 * fuzzed (tests/fuzz-auth).
 */
#include "ce-auth-private.h"

#include <string.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
ce_base64url_encode (const guint8 *data, gsize len)
{
  GString *out = g_string_sized_new (len * 4 / 3 + 4);

  for (gsize i = 0; i < len; i += 3) {
    guint32 v = (guint32) data[i] << 16;
    gsize n = MIN (3, len - i);

    if (n > 1)
      v |= (guint32) data[i + 1] << 8;
    if (n > 2)
      v |= data[i + 2];
    g_string_append_c (out, b64url[(v >> 18) & 63]);
    g_string_append_c (out, b64url[(v >> 12) & 63]);
    if (n > 1)
      g_string_append_c (out, b64url[(v >> 6) & 63]);
    if (n > 2)
      g_string_append_c (out, b64url[v & 63]);
  }
  return g_string_free (out, FALSE);
}

static int
b64url_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

guint8 *
ce_base64url_decode (const char *text, gsize text_len, gsize *len)
{
  g_autofree guint8 *out = NULL;
  gsize n = 0;
  guint32 acc = 0;
  guint bits = 0;

  if (text_len % 4 == 1)
    return NULL;
  out = g_malloc (text_len * 3 / 4 + 1);
  for (gsize i = 0; i < text_len; i++) {
    int v = b64url_value (text[i]);

    if (v < 0)
      return NULL;
    acc = (acc << 6) | (guint32) v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (guint8) (acc >> bits);
    }
  }
  /* Leftover bits must be zero: one encoding per byte string. */
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
    return NULL;
  *len = n;
  return g_steal_pointer (&out);
}

void
ce_auth_header_clear (CeAuthHeader *h)
{
  g_clear_pointer (&h->user, g_free);
  if (h->password != NULL) {
    memset (h->password, 0, strlen (h->password));
    g_clear_pointer (&h->password, g_free);
  }
  g_clear_pointer (&h->token, g_free);
  g_clear_pointer (&h->params, g_hash_table_unref);
}

static gboolean
has_ctl (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] < 0x20 || s[i] == 0x7f)
      return TRUE;
  return FALSE;
}

static gboolean
parse_basic (const char *p, CeAuthHeader *out)
{
  g_autofree guint8 *raw = NULL;
  g_autofree char *text = NULL;
  gsize len = 0, plen = strlen (p);
  const char *colon;

  /* Standard base64 with padding. */
  if (plen == 0 || plen % 4 != 0)
    return FALSE;
  for (gsize i = 0; i < plen; i++)
    if (!g_ascii_isalnum (p[i]) && p[i] != '+' && p[i] != '/' &&
        !(p[i] == '=' && i >= plen - 2))
      return FALSE;
  raw = g_base64_decode (p, &len);
  if (raw == NULL || len == 0 || memchr (raw, '\0', len) != NULL ||
      has_ctl ((const char *) raw, len))
    return FALSE;
  text = g_strndup ((const char *) raw, len);
  memset (raw, 0, len);
  colon = strchr (text, ':');
  if (colon == NULL || colon == text ||
      !g_utf8_validate (text, (gssize) len, NULL)) {
    memset (text, 0, len);
    return FALSE;
  }
  out->scheme = CE_AUTH_SCHEME_BASIC;
  out->user = g_strndup (text, colon - text);
  out->password = g_strdup (colon + 1);
  memset (text, 0, len);
  return TRUE;
}

/* auth-param list: name=token or name="quoted", separated by commas. */
static gboolean
parse_digest (const char *p, CeAuthHeader *out)
{
  g_autoptr (GHashTable) params =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *user;

  for (;;) {
    const char *name;
    gsize name_len;
    GString *value;

    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (*p == '\0')
      break;
    name = p;
    while (g_ascii_isalnum (*p) || *p == '-' || *p == '_')
      p++;
    name_len = (gsize) (p - name);
    if (name_len == 0 || name_len > 32)
      return FALSE;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p != '=')
      return FALSE;
    p++;
    while (*p == ' ' || *p == '\t')
      p++;
    value = g_string_new (NULL);
    if (*p == '"') {
      p++;
      while (*p != '"') {
        if (*p == '\0' || (guchar) *p < 0x20) {
          g_string_free (value, TRUE);
          return FALSE;
        }
        if (*p == '\\' && p[1] != '\0')
          p++;
        g_string_append_c (value, *p++);
      }
      p++;
    } else {
      while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t') {
        if ((guchar) *p < 0x20 || *p == '"') {
          g_string_free (value, TRUE);
          return FALSE;
        }
        g_string_append_c (value, *p++);
      }
    }
    if (g_hash_table_size (params) >= 16) {
      g_string_free (value, TRUE);
      return FALSE;
    }
    /* A repeated parameter is ambiguous: refuse. */
    {
      char *key = g_ascii_strdown (name, (gssize) name_len);

      if (g_hash_table_contains (params, key)) {
        g_free (key);
        g_string_free (value, TRUE);
        return FALSE;
      }
      g_hash_table_insert (params, key, g_string_free (value, FALSE));
    }
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p != ',' && *p != '\0')
      return FALSE;
  }
  user = g_hash_table_lookup (params, "username");
  if (user == NULL || *user == '\0' ||
      g_hash_table_lookup (params, "response") == NULL ||
      g_hash_table_lookup (params, "nonce") == NULL ||
      g_hash_table_lookup (params, "uri") == NULL ||
      !g_utf8_validate (user, -1, NULL))
    return FALSE;
  out->scheme = CE_AUTH_SCHEME_DIGEST;
  out->user = g_strdup (user);
  out->params = g_steal_pointer (&params);
  return TRUE;
}

gboolean
ce_auth_header_parse (const char *value, CeAuthHeader *out)
{
  const char *p;
  gsize len;

  memset (out, 0, sizeof (*out));
  if (value == NULL)
    return FALSE;
  len = strlen (value);
  if (len > CE_AUTH_MAX_HEADER)
    return FALSE;
  p = value;
  while (*p == ' ' || *p == '\t')
    p++;
  if (g_ascii_strncasecmp (p, "Basic ", 6) == 0) {
    p += 6;
    while (*p == ' ')
      p++;
    return parse_basic (p, out);
  }
  if (g_ascii_strncasecmp (p, "Digest ", 7) == 0) {
    gboolean ok = parse_digest (p + 7, out);

    if (!ok)
      ce_auth_header_clear (out);
    return ok;
  }
  if (g_ascii_strncasecmp (p, "Bearer ", 7) == 0) {
    p += 7;
    while (*p == ' ')
      p++;
    len = strcspn (p, " \t");
    if (len == 0 || p[len] != '\0' || has_ctl (p, len))
      return FALSE;
    out->scheme = CE_AUTH_SCHEME_BEARER;
    out->token = g_strndup (p, len);
    return TRUE;
  }
  return FALSE;
}

/* ---- play token payloads ---------------------------------------------- */

#define PAYLOAD_VERSION "1"
#define PAYLOAD_FIELDS 9

void
ce_play_token_fields_clear (CePlayTokenFields *f)
{
  g_clear_pointer (&f->user, g_free);
  g_clear_pointer (&f->camera_id, g_free);
  g_clear_pointer (&f->incident, g_free);
}

char *
ce_play_token_payload_build (const CePlayTokenFields *f)
{
  g_autofree char *incident = NULL;

  /* The incident is free text from the API: base64url keeps the field
   * separator out of it. */
  if (f->incident != NULL)
    incident = ce_base64url_encode ((const guint8 *) f->incident,
        MIN (strlen (f->incident), CE_AUTH_MAX_INCIDENT));
  return g_strdup_printf (PAYLOAD_VERSION "\n%s\n%d\n%u\n%d\n%" G_GINT64_FORMAT
                                          "\n%s\n%" G_GINT64_FORMAT "\n%s",
      f->user, f->role, f->sources, f->max_secrecy, f->token_id, f->camera_id,
      f->expires_us, incident != NULL ? incident : "");
}

static gboolean
parse_int64 (const char *s, gint64 min, gint64 max, gint64 *out)
{
  guint64 v = 0;
  gboolean neg = FALSE;

  if (*s == '-') {
    neg = TRUE;
    s++;
  }
  if (*s == '\0' || strlen (s) > 19)
    return FALSE;
  for (; *s != '\0'; s++) {
    if (!g_ascii_isdigit (*s))
      return FALSE;
    v = v * 10 + (guint64) (*s - '0');
  }
  if (v > (guint64) G_MAXINT64)
    return FALSE;
  *out = neg ? -(gint64) v : (gint64) v;
  return *out >= min && *out <= max;
}

gboolean
ce_play_token_payload_parse (const char *payload, gsize len,
    CePlayTokenFields *out)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) f = NULL;
  gint64 role, sources, secrecy;

  memset (out, 0, sizeof (*out));
  if (len == 0 || len > 1024 || memchr (payload, '\0', len) != NULL)
    return FALSE;
  text = g_strndup (payload, len);
  f = g_strsplit (text, "\n", PAYLOAD_FIELDS + 1);
  if (g_strv_length (f) != PAYLOAD_FIELDS ||
      strcmp (f[0], PAYLOAD_VERSION) != 0)
    return FALSE;
  if (*f[1] == '\0' || strlen (f[1]) > 64 || has_ctl (f[1], strlen (f[1])) ||
      !g_utf8_validate (f[1], -1, NULL))
    return FALSE;
  if (!parse_int64 (f[2], 0, 16, &role) ||
      !parse_int64 (f[3], 0, G_MAXUINT32, &sources) ||
      !parse_int64 (f[4], 0, 1, &secrecy) ||
      !parse_int64 (f[5], 0, G_MAXINT64, &out->token_id) ||
      !parse_int64 (f[7], 0, G_MAXINT64, &out->expires_us))
    return FALSE;
  if (strlen (f[6]) != 20)
    return FALSE;
  for (const char *p = f[6]; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  if (*f[8] != '\0') {
    gsize n = 0;
    g_autofree guint8 *raw = ce_base64url_decode (f[8], strlen (f[8]), &n);

    if (raw == NULL || n == 0 || n > CE_AUTH_MAX_INCIDENT ||
        memchr (raw, '\0', n) != NULL)
      return FALSE;
    out->incident = g_strndup ((const char *) raw, n);
  }
  out->user = g_strdup (f[1]);
  out->role = (int) role;
  out->sources = (guint) sources;
  out->max_secrecy = (int) secrecy;
  out->camera_id = g_strdup (f[6]);
  return TRUE;
}
