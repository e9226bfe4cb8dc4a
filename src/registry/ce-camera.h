/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * One registered camera (a GB/T 28181 video channel) and the validation of
 * its fields.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CE_CAMERA_ERROR (ce_camera_error_quark ())
GQuark ce_camera_error_quark (void);

/* Every way a camera record can be wrong; the message names the field. */
typedef enum
{
  CE_CAMERA_ERROR_INVALID_ID,
  CE_CAMERA_ERROR_INVALID_FIELD,
} CeCameraError;

typedef enum
{
  CE_SOURCE_NONE = 0,
  CE_SOURCE_PUBLIC_SECURITY = 1, /* 公安 */
  CE_SOURCE_XUELIANG = 2,        /* 雪亮 */
  CE_SOURCE_SOCIAL = 3,          /* 社会面 */
  CE_SOURCE_MOBILE = 4,          /* 单兵 */
} CeSource;

#define CE_SOURCE_LAST CE_SOURCE_MOBILE

typedef enum
{
  CE_STATUS_UNKNOWN = 0,
  CE_STATUS_ONLINE = 1,
  CE_STATUS_OFFLINE = 2,
} CeStatus;

#define CE_STATUS_LAST CE_STATUS_OFFLINE

/* A plain record: every string is owned by the record (g_free), %NULL or
 * empty when absent.  Coordinates are always WGS-84 here; conversion happens
 * at the edges (see ce-geo.h). */
typedef struct
{
  char *id; /* 20-digit GB/T 28181 code */
  char *name; /* UTF-8, for example 宝山区顾村镇沪太路菊太路口东北角 */
  CeSource source;
  char *street;     /* 街镇, for example 顾村镇 */
  char *civil_code; /* 行政区域 code, 2/4/6/8/9 digits or empty */
  char *address;
  double lon; /* WGS-84 degrees */
  double lat;
  char *rtsp_url;     /* main stream, without userinfo */
  char *rtsp_url_sub; /* optional sub stream */
  char *username;     /* secret: never printed */
  char *password;     /* secret: never printed */
  int secrecy;        /* 0 or 1 */
  int ptz_type; /* 0 unknown, 1 球机 2 半球 3 固定枪机 4 遥控枪机 (2022: up to
                   7) */
  double azimuth; /* degrees clockwise from north, NAN when unknown */
  char *tags;     /* comma separated */
  CeStatus status;
  gint64 status_changed_at; /* unix seconds, 0 when never */
  gint64 created_at;
  gint64 updated_at;

  /* Transient, filled by distance queries only: metres from the query
   * point, NAN otherwise. */
  double distance_m;
} CeCamera;

CeCamera *ce_camera_new (void);
CeCamera *ce_camera_copy (const CeCamera *camera);
void ce_camera_free (CeCamera *camera);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeCamera, ce_camera_free)

/* Compares every stored field except the timestamps and distance_m. */
gboolean ce_camera_equal_content (const CeCamera *a, const CeCamera *b);

/**
 * ce_camera_validate:
 * Checks every field (id, name, source, coordinates, URLs, secrecy,
 * ptz_type, azimuth).  On error, FALSE is returned with @error set in
 * %CE_CAMERA_ERROR; the message names the field and what is wrong with the
 * value, and never contains a password.
 */
gboolean ce_camera_validate (const CeCamera *camera, GError **error);

/**
 * ce_camera_take_url_credentials:
 * Moves a `user:password@` part of rtsp_url / rtsp_url_sub into
 * username/password (when those are empty) so that URLs are stored
 * without secrets.  Percent-escapes in the userinfo are decoded.
 */
void ce_camera_take_url_credentials (CeCamera *camera);

/**
 * ce_gb_id_validate:
 * Checks a 20-digit GB/T 28181 code for a video channel: 20 ASCII digits,
 * a GB/T 2260 province in digits 1–2, a known industry code (9–10), a video
 * source type (11–13: 111–113, 118, 120–122, 130–132, 138) and a network
 * digit (14) other than 9 (reserved).  On error, FALSE is returned and
 * @error says which digits are wrong and why.
 */
gboolean ce_gb_id_validate (const char *id, GError **error);

/* Type code (digits 11–13) of a syntactically valid 20-digit id, or -1. */
int ce_gb_id_type (const char *id);

/* Chinese name of a GB/T 28181 type code (digits 11–13), or NULL. */
const char *ce_gb_type_name (int type_code);

/* "public_security", "xueliang", "social", "mobile". */
const char *ce_source_to_string (CeSource source);
/* Chinese label: 公安, 雪亮, 社会面, 单兵. */
const char *ce_source_to_label (CeSource source);
/* Accepts the English keys and the Chinese labels. */
gboolean ce_source_from_string (const char *str, CeSource *out);

const char *ce_status_to_string (CeStatus status);
/* Accepts online/offline/unknown and ON/OFF (GB/T 28181 catalogs). */
gboolean ce_status_from_string (const char *str, CeStatus *out);

/**
 * ce_url_mask:
 * Returns: (transfer full): @url with any userinfo replaced by `***@`,
 * safe to print or log.  Returns a copy of @url when it has none, and
 * "" for %NULL.
 */
char *ce_url_mask (const char *url);

G_END_DECLS
