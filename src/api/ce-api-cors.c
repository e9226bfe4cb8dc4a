/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * CORS for the API and delivery routes: pages of the origins listed in
 * [http] cors_origins (exact "scheme://host[:port]" strings, as browsers
 * send them in Origin) may call the API and read the live streams.  No
 * list (the default): no CORS headers at all.  "*" is refused: every
 * route but three takes a token, and a token held by an operator's
 * browser must not be usable by any page it visits.  No cookies are used,
 * so Access-Control-Allow-Credentials is never sent.
 */
#include "ce-api-private.h"

#include <string.h>

#define CORS_MAX_AGE "600"
#define CORS_HEADERS "Authorization, Content-Type"
#define CORS_EXPOSE "ETag, Allow, WWW-Authenticate"

/* The origin as a browser serializes it, or NULL with @error set. */
static char *
origin_canonical (const char *s, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree char *host = NULL;
  const char *scheme;
  int port;

  uri = g_uri_parse (s, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      g_uri_get_host (uri)[0] == '\0') {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[http] cors_origins: “%s” is not an origin (scheme://host[:port])", s);
    return NULL;
  }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 &&
      g_ascii_strcasecmp (scheme, "https") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[http] cors_origins: “%s” is not an http(s) origin", s);
    return NULL;
  }
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_path (uri)[0] != '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[http] cors_origins: “%s” has more than scheme://host[:port] (no "
        "path, not even “/”)",
        s);
    return NULL;
  }
  port = g_uri_get_port (uri);
  if ((port == 80 && g_ascii_strcasecmp (scheme, "http") == 0) ||
      (port == 443 && g_ascii_strcasecmp (scheme, "https") == 0))
    port = -1;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  if (strchr (host, ':') != NULL) {
    /* IPv6 literal: back in brackets. */
    char *bracketed = g_strdup_printf ("[%s]", host);

    g_free (host);
    host = bracketed;
  }
  scheme = g_ascii_strcasecmp (scheme, "http") == 0 ? "http" : "https";
  if (port > 0)
    return g_strdup_printf ("%s://%s:%d", scheme, host, port);
  return g_strdup_printf ("%s://%s", scheme, host);
}

gboolean
ce_api_cors_init (CeApi *api, GError **error)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  const char *conf = api->config.cors_origins;

  if (conf == NULL)
    return TRUE;
  parts = g_strsplit_set (conf, " ,\t", -1);
  for (guint i = 0; parts[i] != NULL; i++) {
    g_autofree char *canon = NULL;

    if (parts[i][0] == '\0')
      continue;
    if (strcmp (parts[i], "*") == 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "[http] cors_origins: “*” is refused (the API takes tokens): list "
          "the consoles' origins, e.g. https://ops.example.net");
      return FALSE;
    }
    canon = origin_canonical (parts[i], error);
    if (canon == NULL)
      return FALSE;
    if (strcmp (canon, parts[i]) != 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "[http] cors_origins: write “%s” as browsers send it: “%s”", parts[i],
          canon);
      return FALSE;
    }
    g_ptr_array_add (list, g_steal_pointer (&canon));
  }
  if (list->len == 0)
    return TRUE;
  g_ptr_array_add (list, NULL);
  api->cors = (GStrv) g_ptr_array_free (g_steal_pointer (&list), FALSE);
  return TRUE;
}

/* The request's Origin when it is one of the list, else NULL. */
static const char *
allowed_origin (CeApi *api, SoupServerMessage *msg)
{
  const char *origin = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Origin");

  if (origin == NULL || api->cors == NULL ||
      !g_strv_contains ((const char *const *) api->cors, origin))
    return NULL;
  return origin;
}

void
ce_api_cors_headers (CeApi *api, SoupServerMessage *msg)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *origin;

  if (api->cors == NULL)
    return;
  /* The answer depends on Origin whether or not this one is allowed. */
  soup_message_headers_append (out, "Vary", "Origin");
  origin = allowed_origin (api, msg);
  if (origin == NULL)
    return;
  soup_message_headers_replace (out, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace (out, "Access-Control-Expose-Headers",
      CORS_EXPOSE);
}

gboolean
ce_api_cors_preflight (CeApi *api, SoupServerMessage *msg, const char *methods)
{
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *origin = soup_message_headers_get_one (in, "Origin");
  g_autofree char *allow = NULL;

  if (api->cors == NULL || origin == NULL ||
      soup_message_headers_get_one (in, "Access-Control-Request-Method") ==
          NULL)
    return FALSE;
  g_object_set_data_full (G_OBJECT (msg), "ce-route", g_strdup ("preflight"),
      g_free);
  if (allowed_origin (api, msg) == NULL) {
    g_autofree char *m = g_strdup_printf ("Origin %.100s is not allowed "
                                          "(list it in [http] cors_origins)",
        origin);

    ce_api_respond_error (msg, CE_API_ERROR_FORBIDDEN, m);
    return TRUE;
  }
  /* HEAD goes with GET; OPTIONS itself is always allowed. */
  allow = strstr (methods, "GET") != NULL
      ? g_strdup_printf ("%s, HEAD, OPTIONS", methods)
      : g_strdup_printf ("%s, OPTIONS", methods);
  soup_message_headers_replace (out, "Access-Control-Allow-Methods", allow);
  soup_message_headers_replace (out, "Access-Control-Allow-Headers",
      CORS_HEADERS);
  soup_message_headers_replace (out, "Access-Control-Max-Age", CORS_MAX_AGE);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  return TRUE;
}
