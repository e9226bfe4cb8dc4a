/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye camera probe`: probe cameras now (RTSP OPTIONS + DESCRIBE) and
 * record the results in the registry; `cityeye stats online` and
 * `cityeye stats offline`: the online rate over a window and the cameras
 * down longest.
 */
#include "ce-cli.h"
#include "ce-sweep.h"
#include "ce-registry-deepcheck.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* Results are listed one per camera up to this many cameras; beyond, only
 * the cameras that are not online (the summary says the rest). */
#define LIST_ALL_UP_TO 100

typedef struct
{
  GMainLoop *loop;
  CeProgress *progress;
  CeHealthWriter *writer; /* nullable: --dry-run */
  GError *write_error;
  gboolean list_all;
  CeTable *table;
  JsonBuilder *json;
  CeSweepSummary summary;
} ProbeRun;

static void
probe_result (CeSweep *sweep, const CeCamera *camera,
    const CeProbeResult *result, gpointer data)
{
  ProbeRun *run = data;
  CeOutput output = ce_cli_output ();
  char latency[32], video[64];

  if (run->writer != NULL && run->write_error == NULL)
    ce_health_writer_add (run->writer, camera->id, result,
        g_get_real_time () / G_USEC_PER_SEC, &run->write_error);

  g_snprintf (latency, sizeof latency, "%u", result->latency_ms);
  if (result->codec != CE_CODEC_UNKNOWN && result->width > 0)
    g_snprintf (video, sizeof video, "%s %ux%u",
        ce_codec_to_string (result->codec), result->width, result->height);
  else if (result->codec != CE_CODEC_UNKNOWN)
    g_snprintf (video, sizeof video, "%s", ce_codec_to_string (result->codec));
  else
    video[0] = '\0';

  if (output == CE_OUTPUT_JSON) {
    JsonBuilder *b = run->json;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, camera->id);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, camera->name);
    json_builder_set_member_name (b, "result");
    json_builder_add_string_value (b,
        ce_probe_outcome_to_string (result->outcome));
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b,
        ce_probe_reason_to_string (result->reason));
    json_builder_set_member_name (b, "status");
    json_builder_add_int_value (b, result->status);
    json_builder_set_member_name (b, "latency_ms");
    json_builder_add_int_value (b, result->latency_ms);
    json_builder_set_member_name (b, "codec");
    if (result->codec != CE_CODEC_UNKNOWN)
      json_builder_add_string_value (b, ce_codec_to_string (result->codec));
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "width");
    json_builder_add_int_value (b, result->width);
    json_builder_set_member_name (b, "height");
    json_builder_add_int_value (b, result->height);
    json_builder_set_member_name (b, "detail");
    json_builder_add_string_value (b, result->detail);
    json_builder_end_object (b);
  } else if (run->list_all || result->outcome != CE_PROBE_ONLINE) {
    const char *cells[] = {camera->id, camera->name,
        ce_probe_outcome_to_string (result->outcome), latency, video,
        result->detail != NULL ? result->detail : "", NULL};

    if (output == CE_OUTPUT_CSV)
      ce_csv_print_row (stdout, cells);
    else
      ce_table_add_row (run->table, cells);
  }
}

static void
probe_progress (CeSweep *sweep, const CeSweepSummary *s, gpointer data)
{
  ProbeRun *run = data;
  char detail[128];

  g_snprintf (detail, sizeof detail,
      "%u/%u  online %u  offline %u  auth %u  no video %u", s->done, s->total,
      s->online, s->offline, s->auth_failed, s->no_video);
  ce_progress_update (run->progress, s->done, detail);
}

static void
probe_done (CeSweep *sweep, const CeSweepSummary *summary, gpointer data)
{
  ProbeRun *run = data;

  run->summary = *summary;
  g_main_loop_quit (run->loop);
}

/* Each probe in flight holds a socket: raises the soft limit on open files
 * towards the hard one when @needed is above it.  Returns the limit. */
static guint64
ensure_open_files (guint64 needed)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return needed;
  if (rl.rlim_cur < needed && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = MIN (rl.rlim_max, needed);
    if (setrlimit (RLIMIT_NOFILE, &rl) != 0 ||
        getrlimit (RLIMIT_NOFILE, &rl) != 0)
      return 0;
  }
  return rl.rlim_cur;
}

static gboolean
collect (const CeCamera *camera, gpointer data)
{
  g_ptr_array_add (data, ce_camera_copy (camera));
  return TRUE;
}

int
ce_cli_camera_probe (int argc, char **argv)
{
  static gboolean all = FALSE, dry_run = FALSE;
  static int concurrency = 64, timeout_ms = 3000;
  static double rate = 0;
  static const GOptionEntry own[] = {
      {"all", 'a', 0, G_OPTION_ARG_NONE, &all,
          "Every camera matching the filters (without filters: every "
          "registered camera)",
          NULL},
      {"concurrency", 'j', 0, G_OPTION_ARG_INT, &concurrency,
          "Probes in flight at most (default 64)", "N"},
      {"rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate,
          "Probes started per second per source, 0 = no limit (default)", "N"},
      {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_ms,
          "Milliseconds for the connection and each answer (default 3000; "
          "a probe takes at most 2.5 times as long)",
          "MS"},
      {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
          "Probe and print, but write nothing to the registry", NULL},
      G_OPTION_ENTRY_NULL,
  };
  GOptionEntry entries[32];
  guint n = 0;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GArray) polygon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cameras =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (CeProgress) progress = NULL;
  g_autoptr (CeHealthWriter) writer = NULL;
  g_autoptr (CeTable) table = NULL;
  g_autoptr (JsonBuilder) json = NULL;
  CeSweepConfig config;
  CeSweepFuncs funcs = {
      .result = probe_result,
      .progress = probe_progress,
      .done = probe_done,
  };
  ProbeRun run = {0};
  CeSweep *sweep;
  CeQuery q;
  gboolean filtered;
  static const char *const headers[] = {"ID", "NAME", "RESULT", "LATENCY_MS",
      "VIDEO", "DETAIL", NULL};

  /* Attribute filters only (source, street, status, secrecy). */
  for (guint i = 0; i < 4; i++)
    entries[n++] = ce_filter_entries[i];
  for (guint i = 0; own[i].long_name != NULL; i++)
    entries[n++] = own[i];
  entries[n] = (GOptionEntry) G_OPTION_ENTRY_NULL;

  if (!ce_cli_parse ("camera probe", "[ID…]",
          "Probe cameras now with RTSP OPTIONS + DESCRIBE (answering the "
          "camera's Digest or Basic challenge with its registered "
          "credentials) and record each result in the registry: online, "
          "offline (refused, unreachable, timeout, error status), "
          "auth_failed or no_video, with the latency and the codec and "
          "resolution of the camera's SDP.",
          "Examples:\n"
          "  cityeye camera probe 31011300001320000001\n"
          "  cityeye camera probe --street 顾村镇\n"
          "  cityeye camera probe --all --concurrency 256 --json > "
          "sweep.json\n"
          "  cityeye camera probe --source xueliang --status offline "
          "--dry-run\n"
          "\n"
          "The gateway (cityeyed) sweeps every camera on its own schedule "
          "([probe] interval) and never opens a second connection to a "
          "camera it is relaying; this command does not know what the "
          "gateway is relaying.",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (concurrency < 1 || concurrency > 4096)
    return ce_cli_usage_error ("camera probe",
        "--concurrency: %d is not between 1 and 4096", concurrency);
  if (timeout_ms < 100 || timeout_ms > 60000)
    return ce_cli_usage_error ("camera probe",
        "--timeout: %d ms is not between 100 and 60000", timeout_ms);
  if (rate < 0 || rate > 100000)
    return ce_cli_usage_error ("camera probe",
        "--rate: %g is not between 0 and 100000", rate);
  if (!ce_filter_to_query (&q, &polygon, &error))
    return ce_cli_usage_error ("camera probe", "%s", error->message);
  filtered = ce_filter_options.sources != NULL ||
      ce_filter_options.street != NULL || ce_filter_options.status != NULL ||
      ce_filter_options.secrecy >= 0;
  if (argc > 1 && (all || filtered))
    return ce_cli_usage_error ("camera probe",
        "give camera ids, or filters / --all, not both");
  if (argc <= 1 && !all && !filtered)
    return ce_cli_usage_error ("camera probe",
        "which cameras? Give ids, a filter such as --street, or --all");

  if (ensure_open_files ((guint64) concurrency + 64) <
      (guint64) concurrency + 64) {
    ce_cli_error ("--concurrency %d needs %d open files and the limit is "
                  "lower: raise it (ulimit -n) or probe fewer at a time",
        concurrency, concurrency + 64);
    return CE_EXIT_RUNTIME;
  }
  registry = ce_cli_open_registry (
      dry_run ? CE_REGISTRY_OPEN_READ_ONLY : CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  for (int i = 1; i < argc; i++) {
    CeCamera *camera = ce_registry_dup_camera (registry, argv[i], &error);

    if (camera == NULL) {
      ce_cli_error ("%s", error->message);
      return CE_EXIT_RUNTIME;
    }
    g_ptr_array_add (cameras, camera);
  }
  if (argc <= 1 &&
      !ce_registry_query_foreach (registry, &q, collect, cameras, &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (cameras->len == 0) {
    ce_cli_error ("no camera matches");
    return CE_EXIT_RUNTIME;
  }

  ce_sweep_config_init (&config);
  config.concurrency = (guint) concurrency;
  config.rate_per_source = rate;
  config.limits.connect_timeout_ms = (guint) timeout_ms;
  config.limits.request_timeout_ms = (guint) timeout_ms;
  config.limits.total_timeout_ms = (guint) timeout_ms * 5 / 2;

  loop = g_main_loop_new (NULL, FALSE);
  progress = ce_progress_new ("probing", cameras->len);
  if (!dry_run)
    writer = ce_health_writer_new (registry);
  table = ce_table_new (headers);
  json = json_builder_new ();
  run.loop = loop;
  run.progress = progress;
  run.writer = writer;
  run.table = table;
  run.json = json;
  run.list_all = cameras->len <= LIST_ALL_UP_TO;
  if (ce_cli_output () == CE_OUTPUT_CSV) {
    static const char *const csv[] = {"id", "name", "result", "latency_ms",
        "video", "detail", NULL};

    ce_csv_print_row (stdout, csv);
  }
  json_builder_begin_object (json);
  json_builder_set_member_name (json, "results");
  json_builder_begin_array (json);

  sweep = ce_sweep_start (cameras, &config, &funcs, &run);
  g_main_loop_run (loop);
  ce_sweep_free (sweep);
  g_clear_pointer (&progress, ce_progress_free);

  if (writer != NULL && run.write_error == NULL)
    ce_health_writer_flush (writer, &run.write_error);

  json_builder_end_array (json);
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonNode) root = NULL;
    const struct
    {
      const char *name;
      guint value;
    } counts[] = {
        {"total", run.summary.total},
        {"online", run.summary.online},
        {"offline", run.summary.offline},
        {"auth_failed", run.summary.auth_failed},
        {"no_video", run.summary.no_video},
        {"changes", writer != NULL ? ce_health_writer_get_changes (writer) : 0},
    };

    json_builder_set_member_name (json, "summary");
    json_builder_begin_object (json);
    for (gsize i = 0; i < G_N_ELEMENTS (counts); i++) {
      json_builder_set_member_name (json, counts[i].name);
      json_builder_add_int_value (json, counts[i].value);
    }
    json_builder_set_member_name (json, "elapsed_ms");
    json_builder_add_int_value (json, run.summary.elapsed_ms);
    json_builder_set_member_name (json, "recorded");
    json_builder_add_boolean_value (json,
        writer != NULL && run.write_error == NULL);
    json_builder_end_object (json);
    json_builder_end_object (json);
    root = json_builder_get_root (json);
    ce_json_print (root);
  } else if (ce_cli_output () == CE_OUTPUT_TABLE) {
    ce_table_print (table, stdout);
  }

  if (!ce_cli_global.quiet) {
    fprintf (stderr,
        "Probed %u cameras in %.1f s: %u online, %u offline, %u auth_failed, "
        "%u no_video",
        run.summary.total, run.summary.elapsed_ms / 1000.0, run.summary.online,
        run.summary.offline, run.summary.auth_failed, run.summary.no_video);
    if (writer != NULL && run.write_error == NULL)
      fprintf (stderr, "; %u status changes recorded\n",
          ce_health_writer_get_changes (writer));
    else
      fprintf (stderr, "; nothing recorded%s\n", dry_run ? " (--dry-run)" : "");
  }
  if (run.write_error != NULL) {
    ce_cli_error ("results not recorded: %s", run.write_error->message);
    g_clear_error (&run.write_error);
    return CE_EXIT_RUNTIME;
  }
  return CE_EXIT_OK;
}

/* ---- stats online / offline ---------------------------------------------- */

/* "7d", "12h", "30m", "90s" or an ISO 8601 time ("2026-11-01T00:00:00+08:00",
 * or a date, local midnight) → unix seconds. */
static gboolean
parse_since (const char *text, gint64 now, gint64 *out, GError **error)
{
  char *end = NULL;
  gint64 n;

  if (text == NULL || *text == '\0')
    goto bad;
  if (g_ascii_isdigit (*text)) {
    n = g_ascii_strtoll (text, &end, 10);
    if (end != text && end[0] != '\0' && end[1] == '\0' && n > 0 &&
        n < 100000) {
      gint64 unit = 0;

      switch (*end) {
        case 'd':
          unit = 86400;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'm':
          unit = 60;
          break;
        case 's':
          unit = 1;
          break;
      }
      if (unit > 0) {
        *out = now - n * unit;
        return TRUE;
      }
    }
  }
  {
    g_autoptr (GTimeZone) local = g_time_zone_new_local ();
    g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (text, local);

    if (dt == NULL && strlen (text) == 10) {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);

      dt = g_date_time_new_from_iso8601 (midnight, local);
    }
    if (dt != NULL) {
      *out = g_date_time_to_unix (dt);
      return TRUE;
    }
  }
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "--since: “%s” is not a duration (7d, 12h, 30m) or a date "
      "(2026-11-01, 2026-11-01T08:00:00+08:00)",
      text != NULL ? text : "");
  return FALSE;
}

static void
format_rate (char *buf, gsize size, double rate, gboolean csv)
{
  if (rate < 0)
    g_snprintf (buf, size, csv ? "" : "-");
  else if (csv)
    g_snprintf (buf, size, "%.4f", rate);
  else
    g_snprintf (buf, size, "%.2f%%", rate * 100);
}

static int
compare_worst_first (gconstpointer a, gconstpointer b)
{
  const CeOnlineRateRow *ra = *(CeOnlineRateRow *const *) a;
  const CeOnlineRateRow *rb = *(CeOnlineRateRow *const *) b;
  double x = ce_online_rate_row_get_rate (ra);
  double y = ce_online_rate_row_get_rate (rb);

  if (x < 0 || y < 0) /* unobserved after everything else */
    return (x < 0) - (y < 0);
  if (x != y)
    return x < y ? -1 : 1;
  return strcmp (ra->key, rb->key);
}

int
ce_cli_stats_online (int argc, char **argv)
{
  static char *by = NULL, *since_text = NULL;
  static int limit = 0;
  static const GOptionEntry entries[] = {
      {"by", 'b', 0, G_OPTION_ARG_STRING, &by,
          "Group by street (default), source or camera", "GROUP"},
      {"since", 0, 0, G_OPTION_ARG_STRING, &since_text,
          "Window start: 7d (default), 12h, 30m, or a date", "WHEN"},
      {"limit", 'l', 0, G_OPTION_ARG_INT, &limit,
          "With --by camera: only the N worst cameras", "N"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  CeKpiGroup group = CE_KPI_BY_STREET;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC, since;
  CeOnlineRateRow total = {.key = (char *) "total"};
  CeOutput output;

  if (!ce_cli_parse ("stats online", NULL,
          "The online rate (在线率) over a window: for each camera, the "
          "time it answered probes as online divided by the time its "
          "health was known (a camera first probed inside the window "
          "counts from then; cameras never probed are not counted), added "
          "up per street, source or camera.",
          "Examples:\n"
          "  cityeye stats online --by street --since 7d\n"
          "  cityeye stats online --by source --since 2026-11-01 --csv\n"
          "  cityeye stats online --by camera --since 24h --limit 20",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("stats online", "unexpected argument “%s”",
        argv[1]);
  if (by == NULL || strcmp (by, "street") == 0)
    group = CE_KPI_BY_STREET;
  else if (strcmp (by, "source") == 0)
    group = CE_KPI_BY_SOURCE;
  else if (strcmp (by, "camera") == 0)
    group = CE_KPI_BY_CAMERA;
  else
    return ce_cli_usage_error ("stats online",
        "--by: “%s” is not street, source or camera", by);
  if (limit < 0)
    return ce_cli_usage_error ("stats online", "--limit: %d is negative",
        limit);
  if (!parse_since (since_text != NULL ? since_text : "7d", now, &since,
          &error))
    return ce_cli_usage_error ("stats online", "%s", error->message);
  if (since >= now)
    return ce_cli_usage_error ("stats online",
        "--since: the window starts in the future");

  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  /* The window ends after the current second: a camera probed just now
   * counts as observed. */
  rows = ce_registry_online_rate (registry, group, since, now + 1, &error);
  if (rows == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (group == CE_KPI_BY_CAMERA) {
    /* Worst first: cameras never observed last. */
    g_ptr_array_sort (rows, compare_worst_first);
  }
  for (guint i = 0; i < rows->len; i++) {
    CeOnlineRateRow *r = g_ptr_array_index (rows, i);

    total.cameras += r->cameras;
    total.observed += r->observed;
    total.online_now += r->online_now;
    total.online_s += r->online_s;
    total.observed_s += r->observed_s;
  }

  output = ce_cli_output ();
  if (output == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "by");
    json_builder_add_string_value (b, by != NULL ? by : "street");
    json_builder_set_member_name (b, "since");
    json_builder_add_int_value (b, since);
    json_builder_set_member_name (b, "until");
    json_builder_add_int_value (b, now + 1);
    json_builder_set_member_name (b, "groups");
    json_builder_begin_array (b);
    for (guint i = 0; i <= rows->len; i++) {
      CeOnlineRateRow *r = i < rows->len ? g_ptr_array_index (rows, i) : &total;
      double rate = ce_online_rate_row_get_rate (r);

      if (i == rows->len && group == CE_KPI_BY_CAMERA)
        break;
      if (i < rows->len && limit > 0 && i >= (guint) limit)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, r->key);
      if (r->name != NULL) {
        json_builder_set_member_name (b, "name");
        json_builder_add_string_value (b, r->name);
      }
      json_builder_set_member_name (b, "cameras");
      json_builder_add_int_value (b, r->cameras);
      json_builder_set_member_name (b, "observed");
      json_builder_add_int_value (b, r->observed);
      json_builder_set_member_name (b, "online_now");
      json_builder_add_int_value (b, r->online_now);
      json_builder_set_member_name (b, "online_seconds");
      json_builder_add_int_value (b, r->online_s);
      json_builder_set_member_name (b, "observed_seconds");
      json_builder_add_int_value (b, r->observed_s);
      json_builder_set_member_name (b, "online_rate");
      if (rate >= 0)
        json_builder_add_double_value (b, rate);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }
  {
    static const char *const headers[] = {"GROUP", "CAMERAS", "OBSERVED",
        "ONLINE_NOW", "ONLINE_RATE", NULL};
    static const char *const camera_headers[] = {"ID", "NAME", "ONLINE_NOW",
        "ONLINE_RATE", NULL};
    gboolean by_camera = group == CE_KPI_BY_CAMERA;
    g_autoptr (CeTable) table =
        ce_table_new (by_camera ? camera_headers : headers);

    if (output == CE_OUTPUT_CSV) {
      static const char *const csv[] = {"group", "cameras", "observed",
          "online_now", "online_rate", NULL};
      static const char *const camera_csv[] = {"id", "name", "online_now",
          "online_rate", NULL};

      ce_csv_print_row (stdout, by_camera ? camera_csv : csv);
    }
    for (guint i = 0; i <= rows->len; i++) {
      CeOnlineRateRow *r = i < rows->len ? g_ptr_array_index (rows, i) : &total;
      char nums[4][32];
      g_autofree char *key = NULL;
      const char *cells[6];
      CeSource source;

      if (i == rows->len && by_camera)
        break;
      if (i < rows->len && limit > 0 && i >= (guint) limit)
        continue;
      if (group == CE_KPI_BY_SOURCE && i < rows->len &&
          ce_source_from_string (r->key, &source) && output == CE_OUTPUT_TABLE)
        key = g_strdup_printf ("%s %s", ce_source_to_label (source), r->key);
      else
        key = g_strdup (*r->key != '\0' ? r->key : "(none)");
      g_snprintf (nums[0], 32, "%u", r->cameras);
      g_snprintf (nums[1], 32, "%u", r->observed);
      g_snprintf (nums[2], 32, "%u", r->online_now);
      format_rate (nums[3], 32, ce_online_rate_row_get_rate (r),
          output == CE_OUTPUT_CSV);
      if (by_camera) {
        cells[0] = key;
        cells[1] = r->name != NULL ? r->name : "";
        cells[2] = r->online_now > 0 ? "yes" : "no";
        cells[3] = nums[3];
        cells[4] = NULL;
      } else {
        cells[0] = key;
        for (int c = 0; c < 4; c++)
          cells[c + 1] = nums[c];
        cells[5] = NULL;
      }
      if (output == CE_OUTPUT_CSV)
        ce_csv_print_row (stdout, cells);
      else
        ce_table_add_row (table, cells);
    }
    if (output == CE_OUTPUT_TABLE)
      ce_table_print (table, stdout);
  }
  return CE_EXIT_OK;
}

static char *
format_duration (gint64 seconds)
{
  if (seconds >= 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT "d %" G_GINT64_FORMAT "h",
        seconds / 86400, seconds % 86400 / 3600);
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h %" G_GINT64_FORMAT "m",
        seconds / 3600, seconds % 3600 / 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "m", MAX (seconds, 0) / 60);
}

int
ce_cli_stats_offline (int argc, char **argv)
{
  static int limit = 20;
  static const GOptionEntry entries[] = {
      {"limit", 'l', 0, G_OPTION_ARG_INT, &limit,
          "At most N cameras (default 20, 0 = all)", "N"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  CeOutput output;

  if (!ce_cli_parse ("stats offline", NULL,
          "The cameras not online at their last probe, down longest first "
          "(offline, auth_failed or no_video; the clock starts when a "
          "camera stopped being online).",
          "Examples:\n"
          "  cityeye stats offline\n"
          "  cityeye stats offline --limit 0 --csv > dark.csv",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("stats offline", "unexpected argument “%s”",
        argv[1]);
  if (limit < 0)
    return ce_cli_usage_error ("stats offline", "--limit: %d is negative",
        limit);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  rows = ce_registry_offline_longest (registry, (guint) limit, &error);
  if (rows == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  output = ce_cli_output ();
  if (output == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_array (b);
    for (guint i = 0; i < rows->len; i++) {
      CeDownCamera *d = g_ptr_array_index (rows, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, d->camera_id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, d->name);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, ce_source_to_string (d->source));
      json_builder_set_member_name (b, "street");
      json_builder_add_string_value (b, d->street);
      json_builder_set_member_name (b, "health");
      json_builder_add_string_value (b, ce_health_to_string (d->health));
      json_builder_set_member_name (b, "down_since");
      json_builder_add_int_value (b, d->down_since);
      json_builder_set_member_name (b, "detail");
      json_builder_add_string_value (b, d->detail);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }
  {
    static const char *const headers[] = {"ID", "NAME", "STREET", "HEALTH",
        "DOWN_SINCE", "DOWN_FOR", "DETAIL", NULL};
    g_autoptr (CeTable) table = ce_table_new (headers);

    if (output == CE_OUTPUT_CSV) {
      static const char *const csv[] = {"id", "name", "street", "health",
          "down_since", "down_for_seconds", "detail", NULL};

      ce_csv_print_row (stdout, csv);
    }
    for (guint i = 0; i < rows->len; i++) {
      CeDownCamera *d = g_ptr_array_index (rows, i);
      g_autoptr (GDateTime) dt =
          g_date_time_new_from_unix_local (d->down_since);
      g_autofree char *since = dt != NULL
          ? g_date_time_format (dt, "%Y-%m-%d %H:%M")
          : g_strdup ("");
      g_autofree char *down_for = NULL;
      const char *cells[8];

      if (output == CE_OUTPUT_CSV)
        down_for = g_strdup_printf ("%" G_GINT64_FORMAT, now - d->down_since);
      else
        down_for = format_duration (now - d->down_since);
      cells[0] = d->camera_id;
      cells[1] = d->name;
      cells[2] = d->street;
      cells[3] = ce_health_to_string (d->health);
      cells[4] = since;
      cells[5] = down_for;
      cells[6] = d->detail;
      cells[7] = NULL;
      if (output == CE_OUTPUT_CSV)
        ce_csv_print_row (stdout, cells);
      else
        ce_table_add_row (table, cells);
    }
    if (output == CE_OUTPUT_TABLE)
      ce_table_print (table, stdout);
  }
  return CE_EXIT_OK;
}

static char *
format_time (gint64 t)
{
  g_autoptr (GDateTime) dt = t > 0 ? g_date_time_new_from_unix_local (t) : NULL;

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S")
                    : g_strdup ("-");
}

int
ce_cli_camera_health (int argc, char **argv)
{
  static char *since_text = NULL;
  static const GOptionEntry entries[] = {
      {"since", 0, 0, G_OPTION_ARG_STRING, &since_text,
          "History from: 30d (default), 12h, or a date", "WHEN"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  g_autoptr (CeHealthRecord) rec = NULL;
  g_autoptr (CeDeepRecord) deep = NULL;
  g_autoptr (GArray) history = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC, since;

  if (!ce_cli_parse ("camera health", "ID",
          "A camera's last probe, its last deep picture check (black or "
          "frozen picture: the gateway's sweeps and POST "
          "/api/v1/cameras/ID/check) and its status changes (from the "
          "health sweeps and `cityeye camera probe`).",
          "Examples:\n"
          "  cityeye camera health 31011300001320000001\n"
          "  cityeye camera health 31011300001320000001 --since 7d --json",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error ("camera health", "give one camera id");
  if (!parse_since (since_text != NULL ? since_text : "30d", now, &since,
          &error))
    return ce_cli_usage_error ("camera health", "%s", error->message);

  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  camera = ce_registry_dup_camera (registry, argv[1], &error);
  if (camera == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  rec = ce_registry_dup_health (registry, argv[1], &error);
  if (rec == NULL &&
      !g_error_matches (error, CE_REGISTRY_ERROR,
          CE_REGISTRY_ERROR_NOT_FOUND)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  g_clear_error (&error);
  deep = ce_registry_dup_deep_check (registry, argv[1], &error);
  if (deep == NULL &&
      !g_error_matches (error, CE_REGISTRY_ERROR,
          CE_REGISTRY_ERROR_NOT_FOUND)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  g_clear_error (&error);
  history = ce_registry_dup_status_history (registry, argv[1], since, now + 1,
      &error);
  if (history == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }

  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, camera->id);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, camera->name);
    json_builder_set_member_name (b, "health");
    json_builder_add_string_value (b,
        ce_health_to_string (rec != NULL ? rec->health : CE_HEALTH_UNKNOWN));
    if (rec != NULL) {
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, rec->reason);
      json_builder_set_member_name (b, "probed_at");
      json_builder_add_int_value (b, rec->probed_at);
      json_builder_set_member_name (b, "changed_at");
      json_builder_add_int_value (b, rec->changed_at);
      json_builder_set_member_name (b, "down_since");
      if (rec->down_since > 0)
        json_builder_add_int_value (b, rec->down_since);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "latency_ms");
      json_builder_add_int_value (b, rec->latency_ms);
      json_builder_set_member_name (b, "codec");
      json_builder_add_string_value (b, rec->codec);
      json_builder_set_member_name (b, "width");
      json_builder_add_int_value (b, rec->width);
      json_builder_set_member_name (b, "height");
      json_builder_add_int_value (b, rec->height);
      json_builder_set_member_name (b, "detail");
      json_builder_add_string_value (b, rec->detail);
    }
    json_builder_set_member_name (b, "deep_check");
    if (deep != NULL) {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "result");
      json_builder_add_string_value (b,
          ce_deep_result_to_string (deep->result));
      json_builder_set_member_name (b, "checked_at");
      json_builder_add_int_value (b, deep->checked_at);
      json_builder_set_member_name (b, "luma_mean");
      json_builder_add_double_value (b, deep->luma_mean);
      json_builder_set_member_name (b, "luma_spread");
      json_builder_add_double_value (b, deep->luma_spread);
      json_builder_set_member_name (b, "distance");
      if (deep->distance >= 0)
        json_builder_add_int_value (b, deep->distance);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "detail");
      json_builder_add_string_value (b, deep->detail);
      json_builder_end_object (b);
    } else {
      json_builder_add_null_value (b);
    }
    json_builder_set_member_name (b, "history");
    json_builder_begin_array (b);
    for (guint i = 0; i < history->len; i++) {
      CeStatusChange *c = &g_array_index (history, CeStatusChange, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "at");
      json_builder_add_int_value (b, c->at);
      json_builder_set_member_name (b, "from");
      json_builder_add_string_value (b, ce_health_to_string (c->from));
      json_builder_set_member_name (b, "to");
      json_builder_add_string_value (b, ce_health_to_string (c->to));
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }

  printf ("%s  %s\n", camera->id, camera->name);
  if (rec == NULL) {
    printf ("Never probed.\n");
  } else {
    g_autofree char *probed = format_time (rec->probed_at);
    g_autofree char *changed = format_time (rec->changed_at);

    printf ("Health:     %s%s%s%s since %s\n",
        ce_health_to_string (rec->health), *rec->reason != '\0' ? " (" : "",
        rec->reason, *rec->reason != '\0' ? ")" : "", changed);
    if (rec->down_since > 0) {
      g_autofree char *down = format_time (rec->down_since);
      g_autofree char *down_for = format_duration (now - rec->down_since);

      printf ("Down since: %s (%s)\n", down, down_for);
    }
    printf ("Last probe: %s, %u ms: %s\n", probed, rec->latency_ms,
        rec->detail);
  }
  if (deep == NULL) {
    printf ("Deep check: never\n");
  } else {
    g_autofree char *checked = format_time (deep->checked_at);

    printf ("Deep check: %s at %s (luma %.1f ± %.1f%s%s)\n",
        ce_deep_result_to_string (deep->result), checked, deep->luma_mean,
        deep->luma_spread, *deep->detail != '\0' ? "; " : "", deep->detail);
  }
  {
    static const char *const headers[] = {"AT", "FROM", "TO", NULL};
    g_autoptr (CeTable) table = ce_table_new (headers);

    for (guint i = 0; i < history->len; i++) {
      CeStatusChange *c = &g_array_index (history, CeStatusChange, i);
      g_autofree char *at = format_time (c->at);
      const char *cells[] = {at, ce_health_to_string (c->from),
          ce_health_to_string (c->to), NULL};

      ce_table_add_row (table, cells);
    }
    printf ("\n%u status changes in the window:\n", history->len);
    if (history->len > 0)
      ce_table_print (table, stdout);
  }
  return CE_EXIT_OK;
}

/* ---- camera check ---------------------------------------------------------
 */

int
ce_cli_camera_check (int argc, char **argv)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  static const char *const headers[] = {"ID", "RESULT", "LUMA", "SPREAD",
      "DISTANCE", "DETAIL", NULL};
  g_autoptr (CeTable) table = ce_table_new (headers);
  guint failed = 0, checked = 0;

  if (!ce_cli_parse ("camera check", "ID…",
          "Check cameras' pictures now, on the gateway (POST "
          "/api/v1/cameras/ID/check): it pulls a keyframe (the cached one "
          "of a camera being watched), decodes it and says whether the "
          "picture is black (covered lens, dead sensor) or frozen (the "
          "same picture as the camera's reference from an earlier check, "
          "the burned-in clock standing still).  The result is recorded, as "
          "for the "
          "gateway's own sample after each sweep.  Needs an operator or "
          "admin token.  Exits 0 when every camera was checked, whatever "
          "the result, 1 when one could not be (no picture in time, "
          "unknown camera, refused).",
          "Examples:\n"
          "  CITYEYE_TOKEN=… cityeye camera check 31011300001320000001\n"
          "  cityeye camera check --gateway http://10.0.0.5:8080 --json \\\n"
          "      31011300001320000001 31011300001320000002",
          ce_cli_gateway_entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc < 2)
    return ce_cli_usage_error ("camera check", "give one camera id or more");
  for (int i = 1; i < argc; i++)
    if (ce_gb_id_type (argv[i]) < 0)
      return ce_cli_usage_error ("camera check",
          "“%s” is not a camera id (20 digits)", argv[i]);

  json_builder_begin_array (b);
  for (int i = 1; i < argc; i++) {
    g_autofree char *path =
        g_strdup_printf ("/api/v1/cameras/%s/check", argv[i]);
    g_autoptr (JsonNode) reply = ce_cli_api_call ("POST", path, NULL);
    JsonObject *d;
    char luma[32], spread[32], distance[32];

    if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply) ||
        !json_object_has_member (json_node_get_object (reply), "deep_check")) {
      failed++;
      continue;
    }
    d = json_object_get_object_member (json_node_get_object (reply),
        "deep_check");
    checked++;
    if (ce_cli_output () == CE_OUTPUT_JSON) {
      json_builder_add_value (b, json_node_copy (reply));
      continue;
    }
    g_snprintf (luma, sizeof (luma), "%.1f",
        json_object_get_double_member_with_default (d, "luma_mean", 0));
    g_snprintf (spread, sizeof (spread), "%.1f",
        json_object_get_double_member_with_default (d, "luma_spread", 0));
    if (json_object_get_null_member (d, "distance"))
      g_strlcpy (distance, "-", sizeof (distance));
    else
      g_snprintf (distance, sizeof (distance), "%" G_GINT64_FORMAT,
          json_object_get_int_member_with_default (d, "distance", 0));
    {
      const char *cells[] = {argv[i],
          json_object_get_string_member_with_default (d, "result", "?"), luma,
          spread, distance,
          json_object_get_string_member_with_default (d, "detail", ""), NULL};

      if (ce_cli_output () == CE_OUTPUT_CSV) {
        if (checked == 1)
          ce_csv_print_row (stdout, headers);
        ce_csv_print_row (stdout, cells);
      } else {
        ce_table_add_row (table, cells);
      }
    }
  }
  json_builder_end_array (b);
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    root = json_builder_get_root (b);
    ce_json_print (root);
  } else if (ce_cli_output () == CE_OUTPUT_TABLE && checked > 0) {
    ce_table_print (table, stdout);
  }
  if (failed > 0 && !ce_cli_global.quiet)
    fprintf (stderr, "%u of %d cameras could not be checked\n", failed,
        argc - 1);
  return failed > 0 ? CE_EXIT_RUNTIME : CE_EXIT_OK;
}
