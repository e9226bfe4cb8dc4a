/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Camera records, GB/T 28181 id rules and field validation.
 */
#include "ce-camera.h"
#include "ce-geo.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (cityeye_camera_error, ce_camera_error)

CeCamera *
ce_camera_new (void)
{
  CeCamera *camera = g_new0 (CeCamera, 1);

  camera->lon = NAN;
  camera->lat = NAN;
  camera->azimuth = NAN;
  camera->distance_m = NAN;
  camera->status = CE_STATUS_UNKNOWN;
  return camera;
}

CeCamera *
ce_camera_copy (const CeCamera *camera)
{
  CeCamera *copy;

  g_return_val_if_fail (camera != NULL, NULL);

  copy = g_memdup2 (camera, sizeof (*camera));
  copy->id = g_strdup (camera->id);
  copy->name = g_strdup (camera->name);
  copy->street = g_strdup (camera->street);
  copy->civil_code = g_strdup (camera->civil_code);
  copy->address = g_strdup (camera->address);
  copy->rtsp_url = g_strdup (camera->rtsp_url);
  copy->rtsp_url_sub = g_strdup (camera->rtsp_url_sub);
  copy->username = g_strdup (camera->username);
  copy->password = g_strdup (camera->password);
  copy->tags = g_strdup (camera->tags);
  return copy;
}

void
ce_camera_free (CeCamera *camera)
{
  if (camera == NULL)
    return;
  g_free (camera->id);
  g_free (camera->name);
  g_free (camera->street);
  g_free (camera->civil_code);
  g_free (camera->address);
  g_free (camera->rtsp_url);
  g_free (camera->rtsp_url_sub);
  g_free (camera->username);
  if (camera->password != NULL)
    memset (camera->password, 0, strlen (camera->password));
  g_free (camera->password);
  g_free (camera->tags);
  g_free (camera);
}

/* NULL and "" are the same "absent" value. */
static gboolean
str_equal0 (const char *a, const char *b)
{
  return g_strcmp0 (a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static gboolean
double_equal (double a, double b)
{
  if (isnan (a) || isnan (b))
    return isnan (a) && isnan (b);
  return fabs (a - b) < 1e-9;
}

gboolean
ce_camera_equal_content (const CeCamera *a, const CeCamera *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return str_equal0 (a->id, b->id) && str_equal0 (a->name, b->name) &&
      a->source == b->source && str_equal0 (a->street, b->street) &&
      str_equal0 (a->civil_code, b->civil_code) &&
      str_equal0 (a->address, b->address) && double_equal (a->lon, b->lon) &&
      double_equal (a->lat, b->lat) && str_equal0 (a->rtsp_url, b->rtsp_url) &&
      str_equal0 (a->rtsp_url_sub, b->rtsp_url_sub) &&
      str_equal0 (a->username, b->username) &&
      str_equal0 (a->password, b->password) && a->secrecy == b->secrecy &&
      a->ptz_type == b->ptz_type && double_equal (a->azimuth, b->azimuth) &&
      str_equal0 (a->tags, b->tags) && a->status == b->status;
}

/* GB/T 2260 province-level codes (digits 1–2). */
static const char *const provinces[] = {"11", "12", "13", "14", "15", "21",
    "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82"};

/* Industry codes (digits 9–10), as implemented by the GB/T 28181 platforms
 * in the field (wvp-GB28181-pro IndustryCodeTypeEnum). */
static const char *const industries[] = {"00", "01", "02", "03", "04", "05",
    "06", "07", "08", "09", "10", "11", "12", "13", "14", "40", "41", "42",
    "43", "44", "45"};

typedef struct
{
  int code;
  const char *name;
  gboolean video; /* can be a registry camera */
} GbType;

static const GbType gb_types[] = {
    {111, "DVR", TRUE},
    {112, "视频服务器", TRUE},
    {113, "编码器", TRUE},
    {114, "解码器", FALSE},
    {115, "视频切换矩阵", FALSE},
    {116, "音频切换矩阵", FALSE},
    {117, "报警控制器", FALSE},
    {118, "NVR", TRUE},
    {120, "在线视频图像信息采集系统", TRUE},
    {121, "视频卡口", TRUE},
    {122, "多目设备", TRUE},
    {123, "停车场出入口控制设备", FALSE},
    {124, "人员出入口控制设备", FALSE},
    {125, "安检设备", FALSE},
    {130, "HVR", TRUE},
    {131, "摄像机", TRUE},
    {132, "网络摄像机", TRUE},
    {133, "显示器", FALSE},
    {134, "报警输入设备", FALSE},
    {135, "报警输出设备", FALSE},
    {136, "语音输入设备", FALSE},
    {137, "语音输出设备", FALSE},
    {138, "移动传输设备", TRUE},
    {139, "其他外围设备", FALSE},
    {140, "报警输出设备", FALSE},
    {141, "道闸", FALSE},
    {142, "智能门", FALSE},
    {143, "凭证识别单元", FALSE},
    {200, "中心信令控制服务器", FALSE},
    {201, "Web应用服务器", FALSE},
    {203, "代理服务器", FALSE},
    {204, "安全服务器", FALSE},
    {205, "报警服务器", FALSE},
    {206, "数据库服务器", FALSE},
    {207, "GIS服务器", FALSE},
    {208, "管理服务器", FALSE},
    {209, "接入网关", FALSE},
    {210, "媒体存储服务器", FALSE},
    {211, "信令安全路由网关", FALSE},
    {215, "业务分组", FALSE},
    {216, "虚拟组织", FALSE},
    {300, "中心用户", FALSE},
    {400, "终端用户", FALSE},
    {500, "视频图像信息综合应用平台", FALSE},
    {501, "运维管理平台", FALSE},
    {502, "视频图像分析系统", FALSE},
    {503, "视频图像信息数据库", FALSE},
    {505, "视频图像分析设备", FALSE},
};

static const GbType *
gb_type_lookup (int code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (gb_types); i++)
    if (gb_types[i].code == code)
      return &gb_types[i];
  return NULL;
}

const char *
ce_gb_type_name (int type_code)
{
  const GbType *type = gb_type_lookup (type_code);

  return type != NULL ? type->name : NULL;
}

static gboolean
in_list (const char *id, const char *const *list, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (strncmp (id, list[i], 2) == 0)
      return TRUE;
  return FALSE;
}

int
ce_gb_id_type (const char *id)
{
  if (id == NULL || strlen (id) != 20)
    return -1;
  for (int i = 0; i < 20; i++)
    if (!g_ascii_isdigit (id[i]))
      return -1;
  return (id[10] - '0') * 100 + (id[11] - '0') * 10 + (id[12] - '0');
}

gboolean
ce_gb_id_validate (const char *id, GError **error)
{
  gsize len;
  int type_code;
  const GbType *type;

  if (id == NULL || *id == '\0') {
    g_set_error_literal (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
        "id: missing (a 20-digit GB/T 28181 code is required)");
    return FALSE;
  }
  len = strlen (id);
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit (id[i])) {
      g_autofree char *shown = g_utf8_make_valid (id, MIN (len, 40));
      g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
          "id “%s”: character %zu is not a digit (a GB/T 28181 code is 20 "
          "digits)",
          shown, i + 1);
      return FALSE;
    }
  }
  if (len != 20) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
        "id “%.40s”: %zu digits, a GB/T 28181 code has 20", id, len);
    return FALSE;
  }
  if (!in_list (id, provinces, G_N_ELEMENTS (provinces))) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
        "id “%s”: digits 1–2 “%.2s” are not a GB/T 2260 province code", id, id);
    return FALSE;
  }
  if (!in_list (id + 8, industries, G_N_ELEMENTS (industries))) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
        "id “%s”: digits 9–10 “%.2s” are not a GB/T 28181 industry code", id,
        id + 8);
    return FALSE;
  }
  type_code = ce_gb_id_type (id);
  type = gb_type_lookup (type_code);
  if (type == NULL) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
        "id “%s”: digits 11–13 “%03d” are not a GB/T 28181 type code", id,
        type_code);
    return FALSE;
  }
  if (!type->video) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
        "id “%s”: type %03d (%s) in digits 11–13 is not a video source", id,
        type_code, type->name);
    return FALSE;
  }
  if (id[13] == '9') {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_ID,
        "id “%s”: network digit 14 is 9, which GB/T 28181 reserves", id);
    return FALSE;
  }
  return TRUE;
}

static const char *const source_keys[] = {NULL, "public_security", "xueliang",
    "social", "mobile"};
static const char *const source_labels[] = {NULL, "公安", "雪亮", "社会面",
    "单兵"};

const char *
ce_source_to_string (CeSource source)
{
  if (source < CE_SOURCE_PUBLIC_SECURITY || source > CE_SOURCE_LAST)
    return "none";
  return source_keys[source];
}

const char *
ce_source_to_label (CeSource source)
{
  if (source < CE_SOURCE_PUBLIC_SECURITY || source > CE_SOURCE_LAST)
    return "未知";
  return source_labels[source];
}

gboolean
ce_source_from_string (const char *str, CeSource *out)
{
  if (str == NULL)
    return FALSE;
  for (int s = CE_SOURCE_PUBLIC_SECURITY; s <= CE_SOURCE_LAST; s++) {
    if (g_ascii_strcasecmp (str, source_keys[s]) == 0 ||
        strcmp (str, source_labels[s]) == 0) {
      *out = (CeSource) s;
      return TRUE;
    }
  }
  return FALSE;
}

static const char *const status_keys[] = {"unknown", "online", "offline"};

const char *
ce_status_to_string (CeStatus status)
{
  if (status > CE_STATUS_LAST)
    return "unknown";
  return status_keys[status];
}

gboolean
ce_status_from_string (const char *str, CeStatus *out)
{
  if (str == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (str, "online") == 0 ||
      g_ascii_strcasecmp (str, "on") == 0) {
    *out = CE_STATUS_ONLINE;
    return TRUE;
  }
  if (g_ascii_strcasecmp (str, "offline") == 0 ||
      g_ascii_strcasecmp (str, "off") == 0) {
    *out = CE_STATUS_OFFLINE;
    return TRUE;
  }
  if (g_ascii_strcasecmp (str, "unknown") == 0 || *str == '\0') {
    *out = CE_STATUS_UNKNOWN;
    return TRUE;
  }
  return FALSE;
}

/* Returns the offset of the authority (after "scheme://"), or -1. */
static gssize
authority_offset (const char *url)
{
  const char *p = strstr (url, "://");

  if (p == NULL)
    return -1;
  for (const char *s = url; s < p; s++)
    if (!g_ascii_isalnum (*s) && *s != '+' && *s != '-' && *s != '.')
      return -1;
  return (p - url) + 3;
}

/* Length of the authority starting at @auth. */
static gsize
authority_length (const char *auth)
{
  return strcspn (auth, "/?#");
}

/* The position of the last '@' inside the authority, or NULL. */
static const char *
userinfo_end (const char *auth)
{
  gsize n = authority_length (auth);
  const char *at = NULL;

  for (gsize i = 0; i < n; i++)
    if (auth[i] == '@')
      at = auth + i;
  return at;
}

char *
ce_url_mask (const char *url)
{
  gssize off;
  const char *at;

  if (url == NULL)
    return g_strdup ("");
  off = authority_offset (url);
  if (off < 0)
    return g_strdup (url);
  at = userinfo_end (url + off);
  if (at == NULL)
    return g_strdup (url);
  return g_strdup_printf ("%.*s***%s", (int) off, url, at);
}

/* Splits userinfo off *url into user/password when they are empty; the
 * URL is rewritten without it either way, because a URL with a password in
 * it must never be stored where it can be printed. */
static void
take_credentials (char **url, char **username, char **password)
{
  gssize off;
  const char *at;
  g_autofree char *userinfo = NULL;
  char *colon;
  char *stripped;

  if (*url == NULL ||
      (g_ascii_strncasecmp (*url, "rtsp://", 7) != 0 &&
          g_ascii_strncasecmp (*url, "rtsps://", 8) != 0))
    return; /* not a stream URL: validation rejects it, masked */
  off = authority_offset (*url);
  if (off < 0)
    return;
  at = userinfo_end (*url + off);
  if (at == NULL)
    return;
  userinfo = g_strndup (*url + off, at - (*url + off));
  colon = strchr (userinfo, ':');
  if (colon != NULL)
    *colon = '\0';
  if (*username == NULL || **username == '\0') {
    g_free (*username);
    *username = g_uri_unescape_string (userinfo, NULL);
    if (*username == NULL)
      *username = g_strdup (userinfo);
    if (colon != NULL) {
      g_free (*password);
      *password = g_uri_unescape_string (colon + 1, NULL);
      if (*password == NULL)
        *password = g_strdup (colon + 1);
    }
  }
  if (colon != NULL)
    memset (colon + 1, 0, strlen (colon + 1));
  stripped = g_strdup_printf ("%.*s%s", (int) off, *url, at + 1);
  memset (*url, 0, strlen (*url));
  g_free (*url);
  *url = stripped;
}

void
ce_camera_take_url_credentials (CeCamera *camera)
{
  g_return_if_fail (camera != NULL);

  take_credentials (&camera->rtsp_url, &camera->username, &camera->password);
  /* The sub stream shares the camera's account. */
  take_credentials (&camera->rtsp_url_sub, &camera->username,
      &camera->password);
}

static gboolean
check_text (const char *field, const char *value, gsize max_chars,
    gboolean required, GError **error)
{
  if (value == NULL || *value == '\0') {
    if (required) {
      g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
          "%s: missing", field);
      return FALSE;
    }
    return TRUE;
  }
  if (!g_utf8_validate (value, -1, NULL)) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "%s: not valid UTF-8 (give the file's encoding with --encoding)",
        field);
    return FALSE;
  }
  if (g_utf8_strlen (value, -1) > (glong) max_chars) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "%s: longer than %zu characters", field, max_chars);
    return FALSE;
  }
  for (const char *p = value; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
      g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
          "%s: contains control character 0x%02x", field, (guchar) *p);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_url (const char *field, const char *url, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local = NULL;
  const char *scheme;

  if (url == NULL || *url == '\0')
    return TRUE;
  if (!check_text (field, url, 2048, FALSE, error))
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local);
  if (uri == NULL) {
    g_autofree char *masked = ce_url_mask (url);
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "%s: “%s” is not a valid URL", field, masked);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "rtsp") != 0 &&
      g_ascii_strcasecmp (scheme, "rtsps") != 0) {
    g_autofree char *masked = ce_url_mask (url);
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "%s: “%s” is not an rtsp:// or rtsps:// URL", field, masked);
    return FALSE;
  }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_autofree char *masked = ce_url_mask (url);
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "%s: “%s” has no host", field, masked);
    return FALSE;
  }
  return TRUE;
}

gboolean
ce_camera_validate (const CeCamera *camera, GError **error)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (camera != NULL, FALSE);

  if (!ce_gb_id_validate (camera->id, error))
    return FALSE;
  if (!check_text ("name", camera->name, 256, TRUE, error))
    return FALSE;
  if (camera->source < CE_SOURCE_PUBLIC_SECURITY ||
      camera->source > CE_SOURCE_LAST) {
    g_set_error_literal (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "source: missing (one of public_security 公安, xueliang 雪亮, social "
        "社会面, mobile 单兵)");
    return FALSE;
  }
  if (!check_text ("street", camera->street, 64, FALSE, error) ||
      !check_text ("address", camera->address, 512, FALSE, error) ||
      !check_text ("tags", camera->tags, 512, FALSE, error) ||
      !check_text ("username", camera->username, 256, FALSE, error) ||
      !check_text ("password", camera->password, 256, FALSE, error))
    return FALSE;
  if (camera->civil_code != NULL && *camera->civil_code != '\0') {
    gsize n = strlen (camera->civil_code);
    gboolean digits = TRUE;

    for (gsize i = 0; i < n; i++)
      digits = digits && g_ascii_isdigit (camera->civil_code[i]);
    if (!digits || n < 2 || n > 12) {
      g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
          "civil_code: “%.20s” is not a 2–12 digit administrative code",
          camera->civil_code);
      return FALSE;
    }
  }
  if (isnan (camera->lon) || isnan (camera->lat)) {
    g_set_error_literal (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        isnan (camera->lon) ? "lon: missing" : "lat: missing");
    return FALSE;
  }
  if (!ce_geo_validate (camera->lon, camera->lat, &local)) {
    g_set_error_literal (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        local->message);
    return FALSE;
  }
  if (!check_url ("rtsp_url", camera->rtsp_url, error) ||
      !check_url ("rtsp_url_sub", camera->rtsp_url_sub, error))
    return FALSE;
  if (camera->secrecy != 0 && camera->secrecy != 1) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "secrecy: %d is not 0 (不涉密) or 1 (涉密)", camera->secrecy);
    return FALSE;
  }
  if (camera->ptz_type < 0 || camera->ptz_type > 7) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "ptz_type: %d is not 0 (unknown) or a GB/T 28181 PTZType 1–7",
        camera->ptz_type);
    return FALSE;
  }
  if (!isnan (camera->azimuth) &&
      (!isfinite (camera->azimuth) || camera->azimuth < 0 ||
          camera->azimuth >= 360)) {
    g_set_error (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "azimuth: %g is not in [0, 360) degrees", camera->azimuth);
    return FALSE;
  }
  if (camera->status > CE_STATUS_LAST) {
    g_set_error_literal (error, CE_CAMERA_ERROR, CE_CAMERA_ERROR_INVALID_FIELD,
        "status: not online, offline or unknown");
    return FALSE;
  }
  return TRUE;
}
