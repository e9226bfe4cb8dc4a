/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The operator console over HTTP: "/" redirects to /console/, whose files
 * come from src/console with a strict Content-Security-Policy, ETags and
 * no directory listing.  The page is public (it holds no data); everything
 * it shows comes from the API with the operator's token.
 */
#include "ce-api-private.h"
#include "ce-console.h"

#include <string.h>

/* Origin (scheme://host[:port]) of a tile URL template, or NULL with
 * @error: the CSP lets the page load images from there only. */
static char *
tile_origin (const char *url, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;
  const char *host;

  /* The {z}/{x}/{y} placeholders are not valid in a URL: check them
   * first, then parse with them replaced. */
  g_autoptr (GString) probe = g_string_new (url);

  if (strstr (url, "{z}") == NULL || strstr (url, "{x}") == NULL ||
      strstr (url, "{y}") == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[console] tile_url: needs {z}, {x} and {y} placeholders");
    return NULL;
  }
  g_string_replace (probe, "{z}", "0", 0);
  g_string_replace (probe, "{x}", "0", 0);
  g_string_replace (probe, "{y}", "0", 0);
  uri = g_uri_parse (probe->str, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 &&
          g_ascii_strcasecmp (scheme, "https") != 0) ||
      host == NULL || *host == '\0' || g_uri_get_userinfo (uri) != NULL ||
      strspn (host,
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
          "0123456789.-:") != strlen (host)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[console] tile_url: not an http(s) URL without credentials");
    return NULL;
  }
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s://%s:%d", scheme, host, g_uri_get_port (uri));
  return g_strdup_printf ("%s://%s", scheme, host);
}

gboolean
ce_api_console_init (CeApi *self, GError **error)
{
  g_autofree char *origin = NULL;
  const char *crs = self->config.console_crs;

  if (crs == NULL)
    self->console_crs = CE_CRS_WGS84;
  else if (!ce_crs_from_string (crs, &self->console_crs)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "[console] crs: “%s” is not wgs84, gcj02 or bd09", crs);
    return FALSE;
  }
  if (self->config.console_tile_url != NULL &&
      *self->config.console_tile_url != '\0') {
    origin = tile_origin (self->config.console_tile_url, error);
    if (origin == NULL)
      return FALSE;
  }
  /* Scripts, styles and connections (HTTP and WebSocket: CSP 3's 'self'
   * covers ws: of the same host) only from the gateway; video from blob:
   * (MSE); images from the gateway (snapshots are fetched, then shown as
   * blob:) and the tile server. */
  self->console_csp = g_strdup_printf ("default-src 'none'; "
                                       "script-src 'self'; style-src 'self'; "
                                       "img-src 'self' blob: data:%s%s; "
                                       "media-src 'self' blob:; "
                                       "connect-src 'self'; "
                                       "base-uri 'none'; form-action 'none'; "
                                       "frame-ancestors 'none'",
      origin != NULL ? " " : "", origin != NULL ? origin : "");
  return TRUE;
}

static void
redirect (SoupServerMessage *msg)
{
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, "/console/");
  g_object_set_data_full (G_OBJECT (msg), "ce-route", g_strdup ("GET /"),
      g_free);
}

static void
not_found (SoupServerMessage *msg)
{
  ce_api_respond_error (msg, CE_API_ERROR_NOT_FOUND,
      "No such console file (open /console/)");
}

gboolean
ce_api_console_handle (CeApi *self, SoupServerMessage *msg, const char *path)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *match;
  const char *content_type = NULL;
  g_autofree char *etag = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  if (strcmp (path, "/") != 0 && strcmp (path, "/console") != 0 &&
      !g_str_has_prefix (path, "/console/"))
    return FALSE;
  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0) {
    g_object_set_data_full (G_OBJECT (msg), "ce-route",
        g_strdup ("method_not_allowed"), g_free);
    soup_message_headers_replace (out, "Allow", "GET, HEAD");
    ce_api_respond_error (msg, CE_API_ERROR_METHOD,
        "The console is read-only; use GET");
    return TRUE;
  }
  if (strcmp (path, "/") == 0 || strcmp (path, "/console") == 0) {
    redirect (msg);
    return TRUE;
  }
  g_object_set_data_full (G_OBJECT (msg), "ce-route",
      g_strdup ("GET /console/"), g_free);
  /* libsoup has decoded unreserved escapes only: the name check refuses
   * '%' (any escape left), '/' and "..". */
  bytes = ce_console_dup_file (path + strlen ("/console/"), &content_type,
      &etag, &error);
  if (bytes == NULL) {
    not_found (msg);
    return TRUE;
  }
  soup_message_headers_replace (out, "Content-Security-Policy",
      self->console_csp);
  soup_message_headers_replace (out, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (out, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (out, "X-Frame-Options", "DENY");
  /* The files change with the daemon: always revalidate (cheap, 304). */
  soup_message_headers_replace (out, "Cache-Control", "no-cache");
  soup_message_headers_replace (out, "ETag", etag);
  match = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "If-None-Match");
  if (match != NULL && strstr (match, etag) != NULL) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
    return TRUE;
  }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
      g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return TRUE;
}
