/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeye:// URIs and gateway URLs (see ce-uri.h).
 */
#include "ce-uri.h"

#include <string.h>

#define CE_URI_MAX_LENGTH 4096

G_DEFINE_QUARK (cityeye_uri_error, ce_uri_error)

void
ce_uri_clear (CeUri *uri)
{
  g_clear_pointer (&uri->camera_id, g_free);
  g_clear_pointer (&uri->token, g_free);
  g_clear_pointer (&uri->gateway, g_free);
  uri->sub = FALSE;
}

gboolean
ce_camera_id_is_valid (const char *id)
{
  gsize i;

  if (id == NULL)
    return FALSE;
  for (i = 0; id[i] != '\0'; i++)
    if (!g_ascii_isdigit (id[i]) || i >= 20)
      return FALSE;
  return i == 20;
}

/* One query parameter into @out, refusing repeats. */
static gboolean
take_param (CeUri *out, const char *name, char *value, guint *seen,
    GError **error)
{
  static const char *const names[] = {"profile", "token", "gateway"};
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      break;
  if (i == G_N_ELEMENTS (names)) {
    g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
        "Unknown parameter “%s” (known: profile, token, gateway)", name);
    g_free (value);
    return FALSE;
  }
  if (*seen & (1u << i)) {
    g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
        "Parameter “%s” given twice", name);
    g_free (value);
    return FALSE;
  }
  *seen |= 1u << i;
  switch (i) {
    case 0:
      if (strcmp (value, "sub") != 0 && strcmp (value, "main") != 0) {
        g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
            "Profile must be “main” or “sub”, not “%s”", value);
        g_free (value);
        return FALSE;
      }
      out->sub = strcmp (value, "sub") == 0;
      g_free (value);
      return TRUE;
    case 1:
      if (*value == '\0') {
        g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
            "Empty token");
        g_free (value);
        return FALSE;
      }
      out->token = value;
      return TRUE;
    default:
      out->gateway = ce_gateway_normalise (value, error);
      g_free (value);
      return out->gateway != NULL;
  }
}

gboolean
ce_uri_parse (const char *uri, CeUri *out, GError **error)
{
  const char *p, *q;
  g_auto (GStrv) params = NULL;
  guint seen = 0;
  gsize len;

  g_return_val_if_fail (uri != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  len = strlen (uri);
  if (len > CE_URI_MAX_LENGTH) {
    g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
        "URI longer than %d bytes", CE_URI_MAX_LENGTH);
    return FALSE;
  }
  if (g_ascii_strncasecmp (uri, "cityeye://", 10) != 0) {
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
        "Not a cityeye:// URI (expected cityeye://CAMERA_ID?profile=sub)");
    return FALSE;
  }
  p = uri + 10;
  if (strchr (p, '#') != NULL) {
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
        "A cityeye:// URI has no fragment (“#…”)");
    return FALSE;
  }
  q = strchr (p, '?');
  out->camera_id = q != NULL ? g_strndup (p, (gsize) (q - p)) : g_strdup (p);
  if (!ce_camera_id_is_valid (out->camera_id)) {
    g_autofree char *shown =
        g_utf8_make_valid (out->camera_id, MIN (strlen (out->camera_id), 40));

    g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_CAMERA,
        "Camera id “%s” is not a 20-digit GB/T 28181 code", shown);
    ce_uri_clear (out);
    return FALSE;
  }
  if (q == NULL || q[1] == '\0')
    return TRUE;
  params = g_strsplit (q + 1, "&", 16);
  for (guint i = 0; params[i] != NULL; i++) {
    char *eq = strchr (params[i], '=');
    g_autofree char *name = NULL;
    char *value;

    if (params[i][0] == '\0')
      continue;
    if (eq == NULL) {
      g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
          "Parameter without a value in “%s” (expected name=value)",
          g_utf8_validate (params[i], -1, NULL) ? params[i] : "?");
      ce_uri_clear (out);
      return FALSE;
    }
    *eq = '\0';
    name = g_uri_unescape_string (params[i], NULL);
    value = g_uri_unescape_string (eq + 1, NULL);
    if (name == NULL || value == NULL || !g_utf8_validate (value, -1, NULL) ||
        !g_utf8_validate (name, -1, NULL)) {
      g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_INVALID,
          "Bad percent-encoding or text in the query");
      g_free (value);
      ce_uri_clear (out);
      return FALSE;
    }
    if (!take_param (out, name, value, &seen, error)) {
      ce_uri_clear (out);
      return FALSE;
    }
  }
  return TRUE;
}

/* A DNS name or an IPv4/IPv6 address: what may go into a URL as is. */
static gboolean
host_is_valid (const char *host)
{
  if (strchr (host, ':') != NULL)
    return g_hostname_is_ip_address (host);
  for (const char *c = host; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '-' && *c != '_')
      return FALSE;
  return TRUE;
}

/* An encoded path: RFC 3986 pchar and "/". */
static gboolean
path_is_valid (const char *path)
{
  for (const char *c = path; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && strchr ("-._~!$&'()*+,;=:@/%", *c) == NULL)
      return FALSE;
  return TRUE;
}

char *
ce_gateway_normalise (const char *gateway, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local = NULL;
  const char *path;
  g_autofree char *trimmed = NULL;
  int port;

  g_return_val_if_fail (gateway != NULL, NULL);

  if (strlen (gateway) > CE_URI_MAX_LENGTH) {
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway URL too long");
    return NULL;
  }
  /* Encoded: the path is kept as given (the host is decoded, and checked
   * below). */
  uri = g_uri_parse (gateway, G_URI_FLAGS_ENCODED, &local);
  if (uri == NULL) {
    g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway “%s” is not a URL (expected rtsp://HOST:PORT): %s",
        g_utf8_validate (gateway, -1, NULL) ? gateway : "?", local->message);
    return NULL;
  }
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "rtsp") != 0) {
    g_set_error (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway must be an rtsp:// URL of cityeyed (such as %s), not %s://",
        CE_GATEWAY_DEFAULT, g_uri_get_scheme (uri));
    return NULL;
  }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway URL has no host");
    return NULL;
  }
  if (!host_is_valid (g_uri_get_host (uri))) {
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway URL has an invalid host name");
    return NULL;
  }
  if (g_uri_get_userinfo (uri) != NULL) {
    /* Never echo it: it may hold a password. */
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway URL must not carry user:password@; use the token "
        "property");
    return NULL;
  }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL) {
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway URL must not have a query or fragment");
    return NULL;
  }
  path = g_uri_get_path (uri);
  if (path != NULL && !path_is_valid (path)) {
    g_set_error_literal (error, CE_URI_ERROR, CE_URI_ERROR_GATEWAY,
        "Gateway URL has an invalid path");
    return NULL;
  }
  trimmed = g_strdup (path != NULL ? path : "");
  while (*trimmed != '\0' && trimmed[strlen (trimmed) - 1] == '/')
    trimmed[strlen (trimmed) - 1] = '\0';
  port = g_uri_get_port (uri);
  return g_uri_join (G_URI_FLAGS_ENCODED, "rtsp", NULL, g_uri_get_host (uri),
      port > 0 ? port : 554, trimmed, NULL, NULL);
}

char *
ce_gateway_camera_url (const char *gateway, const char *camera_id, gboolean sub,
    const char *token)
{
  GString *s;

  g_return_val_if_fail (gateway != NULL, NULL);
  g_return_val_if_fail (ce_camera_id_is_valid (camera_id), NULL);

  s = g_string_new (gateway);
  g_string_append_printf (s, "/cameras/%s", camera_id);
  if (sub)
    g_string_append (s, "?profile=sub");
  if (token != NULL) {
    g_autofree char *escaped = g_uri_escape_string (token, NULL, FALSE);

    g_string_append_printf (s, "%stoken=%s", sub ? "&" : "?", escaped);
  }
  return g_string_free (s, FALSE);
}

char *
ce_uri_build (const char *camera_id, gboolean sub)
{
  g_return_val_if_fail (camera_id != NULL, NULL);

  return g_strdup_printf ("cityeye://%s%s", camera_id,
      sub ? "?profile=sub" : "");
}
