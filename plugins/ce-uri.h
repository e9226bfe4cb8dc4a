/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeye:// URIs and gateway URLs for the GStreamer plugin: parsing and
 * validation of what a pipeline author types.  Pure GLib, fuzzed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CE_URI_ERROR (ce_uri_error_quark ())
GQuark ce_uri_error_quark (void);

typedef enum
{
  CE_URI_ERROR_INVALID, /* not a cityeye:// URI, or a bad part */
  CE_URI_ERROR_CAMERA,  /* the camera id is not 20 digits */
  CE_URI_ERROR_GATEWAY, /* not a usable rtsp:// base URL */
} CeUriError;

/* The default gateway when neither the property nor CITYEYE_GATEWAY give
 * one: cityeyed on this machine. */
#define CE_GATEWAY_DEFAULT "rtsp://127.0.0.1:8554"
#define CE_GATEWAY_ENV "CITYEYE_GATEWAY"

typedef struct
{
  char *camera_id; /* 20 digits */
  gboolean sub;    /* profile=sub */
  char *token;     /* nullable */
  char *gateway;   /* nullable: from ?gateway=, normalised */
} CeUri;

void ce_uri_clear (CeUri *uri);

/**
 * ce_uri_parse:
 * @uri: cityeye://CAMERA_ID[?profile=main|sub][&token=T][&gateway=URL]
 * @out: (out caller-allocates): cleared first; free with ce_uri_clear()
 * Query values are percent-decoded; an unknown or repeated parameter is
 * refused, so that a typo never silently plays something else.
 * Returns: FALSE with @error (CE_URI_ERROR) naming the bad part.
 */
gboolean ce_uri_parse (const char *uri, CeUri *out, GError **error);

/* Exactly 20 ASCII digits (a GB/T 28181 code). */
gboolean ce_camera_id_is_valid (const char *id);

/**
 * ce_gateway_normalise:
 * @gateway: rtsp://HOST[:PORT][/PREFIX]
 * Returns: (transfer full): the URL without a trailing slash, or %NULL
 * with @error when it is not rtsp://, has no host, carries user
 * information (tokens go in the token property), a query or a fragment.
 */
char *ce_gateway_normalise (const char *gateway, GError **error);

/**
 * ce_gateway_camera_url:
 * @gateway: normalised (ce_gateway_normalise())
 * @token: (nullable): appended percent-encoded as ?token=; pass %NULL for
 *   a URL fit for logs
 * Returns: (transfer full): GATEWAY/cameras/ID[?profile=sub][&token=T]
 */
char *ce_gateway_camera_url (const char *gateway, const char *camera_id,
    gboolean sub, const char *token);

/**
 * ce_uri_build:
 * Returns: (transfer full): cityeye://ID[?profile=sub] (never the token:
 * the URI is shown by players and in logs).
 */
char *ce_uri_build (const char *camera_id, gboolean sub);

G_END_DECLS
