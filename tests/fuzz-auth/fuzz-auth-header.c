/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for Authorization header values (Basic, Digest,
 * Bearer) as RTSP and HTTP clients send them, and for base64url.
 */
#include <stdint.h>
#include <string.h>

#include "ce-auth-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_text (const char *s)
{
  if (s == NULL)
    __builtin_trap ();
  for (const char *c = s; *c != '\0'; c++)
    if ((guint8) *c < 0x20 && *c != '\t')
      __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  CeAuthHeader h;

  if (ce_auth_header_parse (text, &h)) {
    switch (h.scheme) {
      case CE_AUTH_SCHEME_BASIC:
        check_text (h.user);
        if (*h.user == '\0' || strchr (h.user, ':') != NULL ||
            h.password == NULL)
          __builtin_trap ();
        break;
      case CE_AUTH_SCHEME_DIGEST:
        check_text (h.user);
        if (h.params == NULL ||
            g_hash_table_lookup (h.params, "response") == NULL ||
            g_hash_table_lookup (h.params, "nonce") == NULL ||
            g_hash_table_lookup (h.params, "uri") == NULL)
          __builtin_trap ();
        break;
      case CE_AUTH_SCHEME_BEARER:
        check_text (h.token);
        if (*h.token == '\0' || strchr (h.token, ' ') != NULL)
          __builtin_trap ();
        break;
      default:
        __builtin_trap ();
    }
    ce_auth_header_clear (&h);
  }

  /* base64url: what decodes re-encodes to the same text. */
  {
    gsize n = 0;
    g_autofree guint8 *raw = ce_base64url_decode (text, strlen (text), &n);

    if (raw != NULL) {
      g_autofree char *again = ce_base64url_encode (raw, n);

      if (strcmp (again, text) != 0)
        __builtin_trap ();
    }
  }
  return 0;
}
