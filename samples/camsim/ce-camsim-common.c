/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Names, camera paths and hashes of the camera simulator.
 */
#include "ce-camsim-common.h"

#include <string.h>

G_DEFINE_QUARK (cityeye_camsim_error, ce_camsim_error)

static const char *const codec_names[CE_CAMSIM_N_CODECS] = {"h264", "h265"};
static const char *const profile_names[CE_CAMSIM_N_PROFILES] = {"main", "sub"};
static const char *const fault_names[CE_CAMSIM_N_FAULTS] = {
    "none",
    "refuse",
    "drop",
    "stall",
    "resize",
    "auth",
    "slow",
    "tarpit",
    "black",
    "frozen",
};

CeCamsimVariant
ce_camsim_variant_for_fault (CeCamsimFaultMode mode)
{
  switch (mode) {
    case CE_CAMSIM_FAULT_RESIZE:
      return CE_CAMSIM_VARIANT_RESIZED;
    case CE_CAMSIM_FAULT_BLACK:
      return CE_CAMSIM_VARIANT_BLACK;
    case CE_CAMSIM_FAULT_FROZEN:
      return CE_CAMSIM_VARIANT_STILL;
    default:
      return CE_CAMSIM_VARIANT_NORMAL;
  }
}

const char *
ce_camsim_codec_to_string (CeCamsimCodec codec)
{
  g_return_val_if_fail ((guint) codec < CE_CAMSIM_N_CODECS, "?");
  return codec_names[codec];
}

gboolean
ce_camsim_codec_from_string (const char *str, CeCamsimCodec *codec)
{
  g_return_val_if_fail (codec != NULL, FALSE);

  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < CE_CAMSIM_N_CODECS; i++) {
    if (g_ascii_strcasecmp (str, codec_names[i]) == 0) {
      *codec = (CeCamsimCodec) i;
      return TRUE;
    }
  }
  /* The names people type for the same thing. */
  if (g_ascii_strcasecmp (str, "avc") == 0) {
    *codec = CE_CAMSIM_CODEC_H264;
    return TRUE;
  }
  if (g_ascii_strcasecmp (str, "hevc") == 0) {
    *codec = CE_CAMSIM_CODEC_H265;
    return TRUE;
  }
  return FALSE;
}

const char *
ce_camsim_profile_to_string (CeCamsimProfile profile)
{
  g_return_val_if_fail ((guint) profile < CE_CAMSIM_N_PROFILES, "?");
  return profile_names[profile];
}

const char *
ce_camsim_fault_to_string (CeCamsimFaultMode mode)
{
  g_return_val_if_fail ((guint) mode < CE_CAMSIM_N_FAULTS, "?");
  return fault_names[mode];
}

gboolean
ce_camsim_fault_from_string (const char *str, CeCamsimFaultMode *mode)
{
  g_return_val_if_fail (mode != NULL, FALSE);

  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < CE_CAMSIM_N_FAULTS; i++) {
    if (g_ascii_strcasecmp (str, fault_names[i]) == 0) {
      *mode = (CeCamsimFaultMode) i;
      return TRUE;
    }
  }
  if (g_ascii_strcasecmp (str, "offline") == 0) {
    *mode = CE_CAMSIM_FAULT_REFUSE;
    return TRUE;
  }
  return FALSE;
}

gboolean
ce_camsim_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len == 0 || len > CE_CAMSIM_NAME_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    char c = name[i];

    if (!g_ascii_isalnum (c) && c != '_' && c != '.' && c != '-')
      return FALSE;
  }
  return TRUE;
}

CeCamsimCodec
ce_camsim_codec_for_name (const char *name, CeCamsimCodec default_codec)
{
  g_return_val_if_fail (name != NULL, default_codec);

  if (g_str_has_suffix (name, "-h265"))
    return CE_CAMSIM_CODEC_H265;
  if (g_str_has_suffix (name, "-h264"))
    return CE_CAMSIM_CODEC_H264;
  return default_codec;
}

static gboolean
has_part (const char *name, const char *part)
{
  gsize len = strlen (part);

  for (const char *p = strstr (name, part); p != NULL;
       p = strstr (p + 1, part)) {
    if (p[len] == '\0' || p[len] == '-')
      return TRUE;
  }
  return FALSE;
}

CeCamsimAudio
ce_camsim_audio_for_name (const char *name)
{
  g_return_val_if_fail (name != NULL, CE_CAMSIM_AUDIO_NONE);

  if (has_part (name, "-pcma"))
    return CE_CAMSIM_AUDIO_PCMA;
  if (has_part (name, "-pcmu"))
    return CE_CAMSIM_AUDIO_PCMU;
  if (has_part (name, "-aac"))
    return CE_CAMSIM_AUDIO_AAC;
  return CE_CAMSIM_AUDIO_NONE;
}

guint64
ce_camsim_name_hash (const char *name)
{
  guint64 hash = G_GUINT64_CONSTANT (14695981039346656037);

  g_return_val_if_fail (name != NULL, 0);

  for (const guchar *p = (const guchar *) name; *p != '\0'; p++) {
    hash ^= *p;
    hash *= G_GUINT64_CONSTANT (1099511628211);
  }
  /* FNV leaves the high bits of similar names (numbered camera codes)
   * alike; the MurmurHash3 finalizer spreads them. */
  hash ^= hash >> 33;
  hash *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  hash ^= hash >> 33;
  hash *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  hash ^= hash >> 33;
  return hash;
}

double
ce_camsim_name_unit_hash (const char *name)
{
  /* The top 53 bits make an exact double in [0, 1). */
  return (double) (ce_camsim_name_hash (name) >> 11) / 9007199254740992.0;
}

gboolean
ce_camsim_parse_profile (const char *query, CeCamsimProfile *profile,
    char **suffix)
{
  g_autofree char *params = NULL;
  g_auto (GStrv) parts = NULL;
  char *control;
  gsize len;

  g_return_val_if_fail (profile != NULL, FALSE);

  *profile = CE_CAMSIM_PROFILE_MAIN;
  if (suffix != NULL)
    *suffix = NULL;
  if (query == NULL || *query == '\0')
    return TRUE;

  /* Clients build the SETUP URL by appending "stream=0" to the base URL,
   * and with a query in the base URL it ends up in the query. */
  params = g_strdup (query);
  control = strstr (params, "/stream=");
  if (control != NULL) {
    if (suffix != NULL)
      *suffix = g_strdup (control);
    *control = '\0';
  }
  len = strlen (params);
  if (len > 0 && params[len - 1] == '/')
    params[len - 1] = '\0';

  parts = g_strsplit (params, "&", -1);
  for (guint i = 0; parts[i] != NULL; i++) {
    const char *value;

    if (!g_str_has_prefix (parts[i], "profile="))
      continue;
    value = parts[i] + strlen ("profile=");
    if (g_ascii_strcasecmp (value, "main") == 0) {
      *profile = CE_CAMSIM_PROFILE_MAIN;
    } else if (g_ascii_strcasecmp (value, "sub") == 0) {
      *profile = CE_CAMSIM_PROFILE_SUB;
    } else {
      if (suffix != NULL)
        g_clear_pointer (suffix, g_free);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
ce_camsim_split_camera_path (const char *abspath, char **name, char **rest)
{
  const char *start, *end;
  g_autofree char *candidate = NULL;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (rest != NULL, FALSE);

  *name = NULL;
  *rest = NULL;
  if (abspath == NULL || !g_str_has_prefix (abspath, "/cam/"))
    return FALSE;
  start = abspath + strlen ("/cam/");
  end = strchr (start, '/');
  if (end == NULL)
    end = start + strlen (start);
  candidate = g_strndup (start, end - start);
  if (!ce_camsim_name_is_valid (candidate))
    return FALSE;
  *name = g_steal_pointer (&candidate);
  /* "/cam/a/" is the same as "/cam/a". */
  *rest = g_strdup (g_str_equal (end, "/") ? "" : end);
  return TRUE;
}

char *
ce_camsim_mount_path (const char *name, CeCamsimProfile profile)
{
  g_return_val_if_fail (name != NULL, NULL);

  if (profile == CE_CAMSIM_PROFILE_SUB)
    return g_strconcat ("/cam/", name, "/@sub", NULL);
  return g_strconcat ("/cam/", name, NULL);
}

gboolean
ce_camsim_parse_camera_url (const char *abspath, const char *query, char **name,
    CeCamsimProfile *profile, char **control)
{
  g_autofree char *camera = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *suffix = NULL;
  const char *tail;
  CeCamsimProfile query_profile;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (control != NULL, FALSE);

  *name = NULL;
  *control = NULL;
  if (!ce_camsim_split_camera_path (abspath, &camera, &rest))
    return FALSE;
  if (!ce_camsim_parse_profile (query, &query_profile, &suffix))
    return FALSE;
  tail = rest;
  *profile = query_profile;
  if (g_str_has_prefix (tail, "/@sub") && (tail[5] == '\0' || tail[5] == '/')) {
    *profile = CE_CAMSIM_PROFILE_SUB;
    tail += 5;
  }
  if (g_str_equal (tail, "/"))
    tail = "";
  *name = g_steal_pointer (&camera);
  *control = g_strconcat (tail, suffix ? suffix : "", NULL);
  return TRUE;
}

char *
ce_camsim_request_path (const char *abspath, const char *query)
{
  g_autofree char *name = NULL;
  g_autofree char *control = NULL;
  g_autofree char *mount = NULL;
  CeCamsimProfile profile;

  if (!ce_camsim_parse_camera_url (abspath, query, &name, &profile, &control))
    return NULL;
  mount = ce_camsim_mount_path (name, profile);
  return g_strconcat (mount, control, NULL);
}

gboolean
ce_camsim_parse_request_line (const char *head, char **path, char **query)
{
  g_autofree char *line = NULL;
  g_auto (GStrv) tokens = NULL;
  const char *uri, *slash, *mark;
  const char *line_end;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (query != NULL, FALSE);

  *path = NULL;
  *query = NULL;
  if (head == NULL)
    return FALSE;
  line_end = strpbrk (head, "\r\n");
  line = line_end ? g_strndup (head, line_end - head) : g_strdup (head);
  tokens = g_strsplit (line, " ", 4);
  if (g_strv_length (tokens) != 3)
    return FALSE;
  uri = tokens[1];

  if (uri[0] == '/') {
    slash = uri;
  } else {
    const char *authority = strstr (uri, "://");

    if (authority == NULL)
      return FALSE;
    slash = strchr (authority + 3, '/');
    if (slash == NULL)
      slash = "/";
  }
  mark = strchr (slash, '?');
  if (mark != NULL) {
    *path = g_strndup (slash, mark - slash);
    *query = g_strdup (mark + 1);
  } else {
    *path = g_strdup (slash);
  }
  return TRUE;
}
