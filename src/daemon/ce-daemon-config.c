/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Parsing of cityeye.conf for the daemon.  Every key is listed in
 * config/cityeye.conf with its default.
 */
#include "ce-config.h"
#include "ce-daemon-config.h"
#include "ce-camera.h"

#include <math.h>
#include <string.h>

void
ce_daemon_config_init (CeDaemonConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->database = g_strdup (CE_LOCALSTATEDIR "/registry.db");
  config->ingest = g_strdup ("native");
  ce_relay_config_init (&config->relay);
  ce_rtsp_server_config_init (&config->rtsp);
  config->rtsp.address = g_strdup ("127.0.0.1");
  ce_api_config_init (&config->http);
  ce_auth_config_init (&config->auth);
  config->probe_interval_s = 600;
  config->probe_start_delay_s = 60;
  config->probe_timeout_ms = 3000;
  ce_sweep_config_init (&config->probe);
  config->deep_sample = 160;
  ce_deep_check_config_init (&config->deep);
  config->deep.concurrency = 4;
}

void
ce_daemon_config_clear (CeDaemonConfig *config)
{
  g_clear_pointer (&config->database, g_free);
  g_clear_pointer (&config->ingest, g_free);
  g_clear_pointer (&config->rtsp.address, g_free);
  ce_api_config_clear (&config->http);
  ce_auth_config_clear (&config->auth);
  g_clear_pointer (&config->auth_anonymous_role, g_free);
  g_clear_pointer (&config->auth_anonymous_from, g_free);
  g_clear_pointer (&config->auth_anonymous_sources, g_free);
  g_clear_pointer (&config->relay.source_max_pulls, g_hash_table_unref);
}

typedef enum
{
  KEY_STRING,
  KEY_PATH,
  KEY_SECONDS_MS, /* seconds (decimal) in the file, milliseconds in memory */
  KEY_SECONDS,    /* whole seconds */
  KEY_UINT,
  KEY_MEGABYTES,  /* MiB in the file, bytes in memory */
  KEY_SECONDS_NS, /* seconds in the file, GstClockTime in memory */
  KEY_KILOBYTES,  /* KiB in the file, bytes in memory */
  KEY_BOOL,       /* true/false in the file, gboolean in memory */
  KEY_INT,        /* may be negative */
  KEY_DOUBLE,
} KeyType;

typedef struct
{
  const char *group;
  const char *key;
  KeyType type;
  gsize offset;
  double min, max;
} Key;

#define OFF(field) G_STRUCT_OFFSET (CeDaemonConfig, field)

static const Key keys[] = {
    /* [http]: the control API. */
    {"http", "address", KEY_STRING, OFF (http.address), 0, 0},
    {"http", "port", KEY_UINT, OFF (http.port), 0, 65535},
    {"http", "public_host", KEY_STRING, OFF (http.public_host), 0, 0},
    {"http", "max_body", KEY_KILOBYTES, OFF (http.max_body_bytes), 1, 65536},
    {"http", "max_import", KEY_MEGABYTES, OFF (http.max_import_bytes), 0.01,
        4096},
    {"http", "snapshot_timeout", KEY_SECONDS_MS, OFF (http.snapshot_timeout_ms),
        0.5, 120},
    {"http", "snapshot_cache", KEY_SECONDS_MS, OFF (http.snapshot_cache_ms), 0,
        60},
    {"console", "crs", KEY_STRING, OFF (http.console_crs), 0, 0},
    {"console", "tile_url", KEY_STRING, OFF (http.console_tile_url), 0, 0},
    {"http", "live_max_queue", KEY_KILOBYTES, OFF (http.live_max_bytes), 16,
        1048576},
    {"http", "hls_segment", KEY_SECONDS_MS, OFF (http.hls_segment_ms), 0.5, 10},
    {"http", "hls_idle", KEY_SECONDS_MS, OFF (http.hls_idle_ms), 1, 3600},
    {"http", "transcode_max", KEY_UINT, OFF (http.transcode_max), 0, 64},
    {"http", "mux_max_channels", KEY_UINT, OFF (http.mux_max_channels), 1,
        1024},
    {"http", "cors_origins", KEY_STRING, OFF (http.cors_origins), 0, 0},
    {"registry", "database", KEY_PATH, OFF (database), 0, 0},
    {"rtsp", "address", KEY_STRING, OFF (rtsp.address), 0, 0},
    {"rtsp", "port", KEY_UINT, OFF (rtsp.port), 0, 65535},
    {"rtsp", "backlog", KEY_UINT, OFF (rtsp.backlog), 1, 65535},
    {"rtsp", "max_connections", KEY_UINT, OFF (rtsp.max_connections), 1,
        1000000},
    {"rtsp", "session_timeout", KEY_SECONDS, OFF (rtsp.session_timeout_s), 5,
        3600},
    {"rtsp", "viewer_max_queue", KEY_MEGABYTES, OFF (rtsp.viewer_max_bytes),
        0.1, 256},
    {"rtsp", "viewer_max_delay", KEY_SECONDS_MS, OFF (rtsp.viewer_max_delay_ms),
        0.2, 60},
    {"rtsp", "viewer_drop_after", KEY_SECONDS, OFF (rtsp.viewer_drop_after_s),
        1, 3600},
    {"relay", "ingest", KEY_STRING, OFF (ingest), 0, 0},
    {"relay", "audio", KEY_BOOL, OFF (relay.audio), 0, 0},
    {"relay", "keyframe_request", KEY_BOOL, OFF (relay.keyframe_request), 0, 0},
    {"relay", "linger", KEY_SECONDS_MS, OFF (relay.linger_ms), 0, 3600},
    {"relay", "start_timeout", KEY_SECONDS_MS, OFF (relay.start_timeout_ms),
        0.5, 120},
    {"relay", "stall_timeout", KEY_SECONDS_MS, OFF (relay.stall_timeout_ms), 1,
        120},
    {"relay", "connect_timeout", KEY_SECONDS_MS, OFF (relay.connect_timeout_ms),
        0.5, 120},
    {"relay", "backoff_initial", KEY_SECONDS_MS, OFF (relay.backoff_initial_ms),
        0.05, 60},
    {"relay", "backoff_max", KEY_SECONDS_MS, OFF (relay.backoff_max_ms), 0.1,
        600},
    {"relay", "max_concurrent_connects", KEY_UINT,
        OFF (relay.max_concurrent_connects), 1, 100000},
    {"relay", "gop_cache_max", KEY_MEGABYTES, OFF (relay.hub.cache_max_bytes),
        0.1, 1024},
    {"relay", "gop_cache_max_duration", KEY_SECONDS_NS,
        OFF (relay.hub.cache_max_duration), 1, 120},
    {"auth", "allow_anonymous", KEY_BOOL, OFF (auth.allow_anonymous), 0, 0},
    {"auth", "anonymous_role", KEY_STRING, OFF (auth_anonymous_role), 0, 0},
    {"auth", "anonymous_from", KEY_STRING, OFF (auth_anonymous_from), 0, 0},
    {"auth", "anonymous_sources", KEY_STRING, OFF (auth_anonymous_sources), 0,
        0},
    {"auth", "anonymous_secrecy", KEY_INT, OFF (auth.anonymous_max_secrecy), 0,
        1},
    {"auth", "play_token_ttl", KEY_SECONDS, OFF (auth.play_token_ttl_s), 5,
        86400},
    {"auth", "realm", KEY_STRING, OFF (auth.realm), 0, 0},
    {"probe", "interval", KEY_SECONDS, OFF (probe_interval_s), 0, 86400},
    {"probe", "start_delay", KEY_SECONDS, OFF (probe_start_delay_s), 0, 86400},
    {"probe", "concurrency", KEY_UINT, OFF (probe.concurrency), 1, 4096},
    {"probe", "rate_per_source", KEY_DOUBLE, OFF (probe.rate_per_source), 0,
        100000},
    {"probe", "timeout", KEY_SECONDS_MS, OFF (probe_timeout_ms), 0.1, 60},
    {"probe", "deep_sample", KEY_UINT, OFF (deep_sample), 0, 100000},
    {"probe", "deep_concurrency", KEY_UINT, OFF (deep.concurrency), 1, 64},
    {"probe", "deep_timeout", KEY_SECONDS_MS, OFF (deep.timeout_ms), 0.5, 120},
    {"probe", "deep_frozen_after", KEY_SECONDS_MS, OFF (deep.frozen_after_ms),
        1, 86400},
    {"wall", "min_dwell", KEY_SECONDS, OFF (http.wall_min_dwell_s), 1, 3600},
    {"wall", "warm_timeout", KEY_SECONDS_MS, OFF (http.wall_warm_timeout_ms),
        0.1, 60},
    {"wall", "lock_ttl", KEY_SECONDS, OFF (http.wall_lock_ttl_s), 10, 86400},
    {"wall", "mosaic_max", KEY_UINT, OFF (http.wall_mosaic_max), 0, 64},
    {"wall", "mosaic_size", KEY_STRING, OFF (http.wall_mosaic_size), 0, 0},
    {"wall", "mosaic_linger", KEY_SECONDS_MS, OFF (http.wall_mosaic_linger_ms),
        0, 3600},
    {"wall", "warm_presets", KEY_BOOL, OFF (http.wall_warm_presets), 0, 0},
    {"wall", "warm_retry", KEY_SECONDS, OFF (http.wall_warm_retry_s), 1, 3600},
    {"admission", "max_pulls", KEY_UINT, OFF (relay.max_pulls), 0, 1000000},
    {"admission", "max_pulls_per_camera", KEY_UINT,
        OFF (relay.max_pulls_per_camera), 0, 1000},
};

#define SOURCE_PREFIX "source."

/* [admission] source.NAME = N: NAME is a source's key or label
 * (public_security or 公安), N the most pulls its platform serves us. */
static gboolean
admission_sources (CeDaemonConfig *config, GKeyFile *kf, const char *base,
    GError **error)
{
  g_auto (GStrv) names = g_key_file_get_keys (kf, "admission", NULL, NULL);

  for (guint n = 0; names != NULL && names[n] != NULL; n++) {
    g_autofree char *value = NULL;
    const char *name = names[n] + strlen (SOURCE_PREFIX);
    CeSource source;
    guint64 max = 0;

    if (!g_str_has_prefix (names[n], SOURCE_PREFIX))
      continue;
    if (!ce_source_from_string (name, &source)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "%s: [admission] %s: “%s” is not a source (public_security 公安, "
          "xueliang 雪亮, social 社会面 or mobile 单兵)",
          base, names[n], name);
      return FALSE;
    }
    value = g_key_file_get_value (kf, "admission", names[n], NULL);
    g_strstrip (value);
    if (!g_ascii_string_to_unsigned (value, 10, 0, 1000000, &max, NULL)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "%s: [admission] %s: “%s” is not a whole number 0…1000000", base,
          names[n], value);
      return FALSE;
    }
    if (config->relay.source_max_pulls == NULL)
      config->relay.source_max_pulls =
          g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert (config->relay.source_max_pulls,
        g_strdup (ce_source_to_label (source)), GUINT_TO_POINTER ((guint) max));
  }
  return TRUE;
}

static gboolean bad (GError **error, const char *file, const Key *k,
    const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
bad (GError **error, const char *file, const Key *k, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  g_autofree char *base = g_path_get_basename (file);

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
      "%s: [%s] %s: %s", base, k->group, k->key, msg);
  return FALSE;
}

/* The [auth] keys that need more than a number. */
static gboolean
auth_convert (CeDaemonConfig *config, const char *base, GError **error)
{
  CeAuthConfig *auth = &config->auth;

  if (config->auth_anonymous_role != NULL &&
      !ce_role_from_string (config->auth_anonymous_role,
          &auth->anonymous_role)) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "%s: [auth] anonymous_role: “%s” is not admin, operator, wall or "
        "viewer",
        base, config->auth_anonymous_role);
    return FALSE;
  }
  if (config->auth_anonymous_sources != NULL) {
    g_autoptr (GError) local = NULL;

    if (!ce_auth_parse_sources (config->auth_anonymous_sources,
            &auth->anonymous_sources, &local)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "%s: [auth] anonymous_sources: %s", base, local->message);
      return FALSE;
    }
  }
  if (config->auth_anonymous_from != NULL) {
    g_auto (GStrv) items = g_strsplit (config->auth_anonymous_from, ",", 64);
    g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; items[i] != NULL; i++) {
      g_autoptr (GInetAddressMask) mask = NULL;
      g_autoptr (GError) local = NULL;
      char *item = g_strstrip (items[i]);

      if (*item == '\0')
        continue;
      mask = g_inet_address_mask_new_from_string (item, &local);
      if (mask == NULL) {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
            "%s: [auth] anonymous_from: “%s” is not an address or network "
            "(like 127.0.0.1, ::1 or 10.1.0.0/16; host bits of a network must "
            "be 0)",
            base, item);
        return FALSE;
      }
      g_ptr_array_add (list, g_strdup (item));
    }
    g_ptr_array_add (list, NULL);
    g_strfreev (auth->anonymous_from);
    auth->anonymous_from = (char **) g_ptr_array_steal (list, NULL);
  }
  return TRUE;
}

gboolean
ce_daemon_config_load (CeDaemonConfig *config, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  g_autofree char *base = g_path_get_basename (path);

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error)) {
    g_prefix_error (error, "%s: ", path);
    return FALSE;
  }
  /* Refuse what we do not know: a misspelt key would otherwise be
   * silently ignored. */
  groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g] != NULL; g++) {
    g_auto (GStrv) names = g_key_file_get_keys (kf, groups[g], NULL, NULL);
    gboolean known_group = FALSE;

    for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
      known_group = known_group || strcmp (keys[i].group, groups[g]) == 0;
    if (!known_group && strcmp (groups[g], "daemon") != 0) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
          "%s: unknown group [%s]", base, groups[g]);
      return FALSE;
    }
    for (guint n = 0; names != NULL && names[n] != NULL; n++) {
      gboolean known = FALSE;

      for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
        known = known ||
            (strcmp (keys[i].group, groups[g]) == 0 &&
                strcmp (keys[i].key, names[n]) == 0);
      known = known ||
          (strcmp (groups[g], "admission") == 0 &&
              g_str_has_prefix (names[n], SOURCE_PREFIX));
      if (!known) {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
            "%s: [%s] %s: unknown key", base, groups[g], names[n]);
        return FALSE;
      }
    }
  }

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    const Key *k = &keys[i];
    g_autofree char *value = NULL;
    gpointer field = G_STRUCT_MEMBER_P (config, k->offset);
    double number = 0;
    char *end = NULL;

    value = g_key_file_get_value (kf, k->group, k->key, NULL);
    if (value == NULL)
      continue;
    g_strstrip (value);
    if (k->type == KEY_STRING || k->type == KEY_PATH) {
      char **str = field;

      if (*value == '\0')
        return bad (error, path, k, "empty");
      g_free (*str);
      if (k->type == KEY_PATH && !g_path_is_absolute (value)) {
        g_autofree char *dir = g_path_get_dirname (path);
        *str = g_build_filename (dir, value, NULL);
      } else {
        *str = g_strdup (value);
      }
      continue;
    }
    if (k->type == KEY_BOOL) {
      if (strcmp (value, "true") == 0)
        *(gboolean *) field = TRUE;
      else if (strcmp (value, "false") == 0)
        *(gboolean *) field = FALSE;
      else
        return bad (error, path, k, "“%s” is not true or false", value);
      continue;
    }
    number = g_ascii_strtod (value, &end);
    if (end == value || *end != '\0' || !isfinite (number))
      return bad (error, path, k, "“%s” is not a number", value);
    if (number < k->min || number > k->max)
      return bad (error, path, k, "%s is outside %g…%g", value, k->min, k->max);
    switch (k->type) {
      case KEY_SECONDS_MS:
        *(guint *) field = (guint) llround (number * 1000);
        break;
      case KEY_INT:
        if (number != floor (number))
          return bad (error, path, k, "“%s” is not a whole number", value);
        *(int *) field = (int) number;
        break;
      case KEY_SECONDS:
      case KEY_UINT:
        if (number != floor (number))
          return bad (error, path, k, "“%s” is not a whole number", value);
        *(guint *) field = (guint) number;
        break;
      case KEY_MEGABYTES:
        *(gsize *) field = (gsize) (number * 1024 * 1024);
        break;
      case KEY_SECONDS_NS:
        *(guint64 *) field = (guint64) (number * 1e9);
        break;
      case KEY_KILOBYTES:
        *(gsize *) field = (gsize) (number * 1024);
        break;
      case KEY_DOUBLE:
        *(double *) field = number;
        break;
      case KEY_STRING:
      case KEY_PATH:
      case KEY_BOOL:
      default:
        break;
    }
  }
  if (strcmp (config->ingest, "native") != 0 &&
      strcmp (config->ingest, "rtspsrc") != 0) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "%s: [relay] ingest: “%s” is not native or rtspsrc", base,
        config->ingest);
    return FALSE;
  }
  config->relay.use_rtspsrc = strcmp (config->ingest, "rtspsrc") == 0;
  if (!admission_sources (config, kf, base, error))
    return FALSE;
  return auth_convert (config, base, error);
}
