/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Shared pieces of the `cityeye` command line.
 */
#include "ce-config.h"
#include "ce-cli.h"
#include "ce-geo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

CeCliGlobal ce_cli_global;
CeFilterOptions ce_filter_options = {.secrecy = -1};

static const GOptionEntry global_entries[] = {
    {"db", 0, 0, G_OPTION_ARG_FILENAME, &ce_cli_global.db,
        "Registry database (default: $CITYEYE_DB, then [registry] database "
        "in the config file, then " CE_LOCALSTATEDIR "/registry.db)",
        "PATH"},
    {"config", 0, 0, G_OPTION_ARG_FILENAME, &ce_cli_global.config,
        "Configuration file (default: $CITYEYE_CONFIG, then " CE_SYSCONFDIR
        "/cityeye.conf when it exists)",
        "FILE"},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &ce_cli_global.quiet,
        "No progress or summary on stderr", NULL},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry output_entries[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &ce_cli_global.json,
        "Print JSON for scripts", NULL},
    {"csv", 0, 0, G_OPTION_ARG_NONE, &ce_cli_global.csv,
        "Print CSV for "
        "scripts",
        NULL},
    G_OPTION_ENTRY_NULL,
};

GOptionGroup *
ce_cli_global_group (gboolean with_output)
{
  GOptionGroup *group = g_option_group_new ("global",
      "Common options:", "Show the common options", NULL, NULL);

  g_option_group_add_entries (group, global_entries);
  if (with_output)
    g_option_group_add_entries (group, output_entries);
  return group;
}

CeOutput
ce_cli_output (void)
{
  if (ce_cli_global.json)
    return CE_OUTPUT_JSON;
  if (ce_cli_global.csv)
    return CE_OUTPUT_CSV;
  return CE_OUTPUT_TABLE;
}

void
ce_cli_error (const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "cityeye: %s\n", msg);
}

int
ce_cli_usage_error (const char *command, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "cityeye %s: %s\nTry “cityeye %s --help”.\n", command, msg,
      command);
  return CE_EXIT_USAGE;
}

int
ce_cli_dispatch (const char *group, const CeCliCommand *commands,
    gsize n_commands, const char *footer, int argc, char **argv)
{
  g_autoptr (GString) names = g_string_new (NULL);
  int width = 0;

  if (argc >= 2)
    for (gsize i = 0; i < n_commands; i++)
      if (strcmp (argv[1], commands[i].name) == 0)
        return commands[i].run (argc - 1, argv + 1);
  for (gsize i = 0; i < n_commands; i++) {
    const char *usage =
        commands[i].usage ? commands[i].usage : commands[i].name;

    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", commands[i].name);
    width = MAX (width, (int) g_utf8_strlen (usage, -1));
  }
  if (argc < 2)
    return ce_cli_usage_error (group, "give a command: %s", names->str);
  if (strcmp (argv[1], "--help") != 0 && strcmp (argv[1], "-h") != 0 &&
      strcmp (argv[1], "help") != 0)
    return ce_cli_usage_error (group, "unknown command “%s” (one of: %s)",
        argv[1], names->str);
  /* Long usages get their help on the next line. */
  width = MIN (width, 22);
  printf ("Usage: cityeye %s COMMAND [OPTION…]\n\nCommands:\n", group);
  for (gsize i = 0; i < n_commands; i++) {
    const char *usage =
        commands[i].usage ? commands[i].usage : commands[i].name;
    int len = (int) g_utf8_strlen (usage, -1);

    if (len > width)
      printf ("  %s\n  %*s  %s\n", usage, width, "", commands[i].help);
    else
      printf ("  %s%*s  %s\n", usage, width - len, "", commands[i].help);
  }
  printf ("\nRun “cityeye %s COMMAND --help” for its options.\n", group);
  if (footer != NULL)
    printf ("\n%s", footer);
  return CE_EXIT_OK;
}

gboolean
ce_cli_parse (const char *command, const char *parameter, const char *summary,
    const char *examples, const GOptionEntry *entries, gboolean with_output,
    int *argc, char ***argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  g_autoptr (GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("cityeye %s", command);

  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  if (examples != NULL)
    g_option_context_set_description (context, examples);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, ce_cli_global_group (with_output));
  if (!g_option_context_parse (context, argc, argv, &error)) {
    ce_cli_usage_error (command, "%s", error->message);
    return FALSE;
  }
  if (ce_cli_global.json && ce_cli_global.csv) {
    ce_cli_usage_error (command, "--json and --csv exclude each other");
    return FALSE;
  }
  return TRUE;
}

char *
ce_cli_database_path (GError **error)
{
  const char *env;
  g_autofree char *config = NULL;

  if (ce_cli_global.db != NULL)
    return g_strdup (ce_cli_global.db);
  env = g_getenv ("CITYEYE_DB");
  if (env != NULL && *env != '\0')
    return g_strdup (env);

  if (ce_cli_global.config != NULL)
    config = g_strdup (ce_cli_global.config);
  else if (g_getenv ("CITYEYE_CONFIG") != NULL)
    config = g_strdup (g_getenv ("CITYEYE_CONFIG"));
  else if (g_file_test (CE_SYSCONFDIR "/cityeye.conf", G_FILE_TEST_EXISTS))
    config = g_strdup (CE_SYSCONFDIR "/cityeye.conf");

  if (config != NULL) {
    g_autoptr (GKeyFile) kf = g_key_file_new ();
    g_autoptr (GError) local = NULL;
    g_autofree char *path = NULL;

    if (!g_key_file_load_from_file (kf, config, G_KEY_FILE_NONE, &local)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", config,
          local->message);
      return NULL;
    }
    path = g_key_file_get_string (kf, "registry", "database", NULL);
    if (path != NULL && *path != '\0') {
      /* Relative paths in the config are relative to the config file. */
      if (!g_path_is_absolute (path)) {
        g_autofree char *dir = g_path_get_dirname (config);
        return g_build_filename (dir, path, NULL);
      }
      return g_steal_pointer (&path);
    }
  }
  return g_strdup (CE_LOCALSTATEDIR "/registry.db");
}

CeRegistry *
ce_cli_open_registry (CeRegistryOpenFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ce_cli_database_path (&error);
  CeRegistry *registry;

  if (path == NULL) {
    ce_cli_error ("%s", error->message);
    return NULL;
  }
  registry = ce_registry_open (path, flags, &error);
  if (registry == NULL)
    ce_cli_error ("%s", error->message);
  return registry;
}

/* ---- tables ----------------------------------------------------------- */

struct _CeTable
{
  guint columns;
  GPtrArray *rows; /* GStrv */
};

/* Display width: East Asian wide and full-width characters take two
 * terminal cells. */
static gsize
display_width (const char *text)
{
  gsize width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iszerowidth (c))
      continue;
    width += g_unichar_iswide (c) ? 2 : 1;
  }
  return width;
}

CeTable *
ce_table_new (const char *const *headers)
{
  CeTable *table = g_new0 (CeTable, 1);

  table->columns = g_strv_length ((char **) headers);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (table->rows, g_strdupv ((char **) headers));
  return table;
}

void
ce_table_add_row (CeTable *table, const char *const *cells)
{
  char **row = g_new0 (char *, table->columns + 1);

  for (guint i = 0; i < table->columns; i++) {
    const char *cell = cells[i] != NULL ? cells[i] : "";
    /* No control characters reach the terminal. */
    row[i] = g_strdelimit (g_utf8_make_valid (cell, -1), "\t\r\n\033", ' ');
  }
  g_ptr_array_add (table->rows, row);
}

void
ce_table_print (CeTable *table, FILE *out)
{
  g_autofree gsize *widths = g_new0 (gsize, table->columns);

  for (guint r = 0; r < table->rows->len; r++) {
    char **row = g_ptr_array_index (table->rows, r);

    for (guint c = 0; c < table->columns; c++)
      widths[c] = MAX (widths[c], display_width (row[c]));
  }
  for (guint r = 0; r < table->rows->len; r++) {
    char **row = g_ptr_array_index (table->rows, r);

    for (guint c = 0; c < table->columns; c++) {
      gboolean last = c + 1 == table->columns;

      fputs (row[c], out);
      if (!last)
        for (gsize pad = display_width (row[c]); pad < widths[c] + 2; pad++)
          fputc (' ', out);
    }
    fputc ('\n', out);
  }
}

void
ce_table_free (CeTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->rows);
  g_free (table);
}

void
ce_csv_print_row (FILE *out, const char *const *cells)
{
  for (guint i = 0; cells[i] != NULL; i++) {
    const char *cell = cells[i];

    if (i > 0)
      fputc (',', out);
    if (strpbrk (cell, ",\"\r\n") != NULL) {
      fputc ('"', out);
      for (const char *p = cell; *p != '\0'; p++) {
        if (*p == '"')
          fputc ('"', out);
        fputc (*p, out);
      }
      fputc ('"', out);
    } else {
      fputs (cell, out);
    }
  }
  fputc ('\n', out);
}

void
ce_json_print (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  puts (text);
}

/* ---- progress --------------------------------------------------------- */

struct _CeProgress
{
  char *what;
  goffset total;
  gint64 started;
  gint64 last_draw;
  gboolean drawn;
  gboolean enabled;
};

CeProgress *
ce_progress_new (const char *what, goffset total)
{
  CeProgress *progress = g_new0 (CeProgress, 1);

  progress->what = g_strdup (what);
  progress->total = total;
  progress->started = g_get_monotonic_time ();
  progress->enabled = !ce_cli_global.quiet && isatty (STDERR_FILENO);
  return progress;
}

void
ce_progress_update (CeProgress *progress, goffset done, const char *detail)
{
  gint64 now = g_get_monotonic_time ();

  if (!progress->enabled || now - progress->started < G_USEC_PER_SEC ||
      now - progress->last_draw < G_USEC_PER_SEC / 10)
    return;
  progress->last_draw = now;
  progress->drawn = TRUE;
  if (progress->total > 0) {
    int pct = (int) MIN (100, done * 100 / progress->total);
    char bar[31];

    memset (bar, '#', (gsize) pct * 30 / 100);
    memset (bar + pct * 30 / 100, '.', 30 - (gsize) pct * 30 / 100);
    bar[30] = '\0';
    fprintf (stderr, "\r%s [%s] %3d%% %s\033[K", progress->what, bar, pct,
        detail != NULL ? detail : "");
  } else {
    fprintf (stderr, "\r%s %s\033[K", progress->what,
        detail != NULL ? detail : "");
  }
  fflush (stderr);
}

void
ce_progress_free (CeProgress *progress)
{
  if (progress == NULL)
    return;
  if (progress->drawn)
    fprintf (stderr, "\r\033[K");
  g_free (progress->what);
  g_free (progress);
}

/* ---- parsing ---------------------------------------------------------- */

gboolean
ce_parse_double (const char *text, const char *what, double *out,
    GError **error)
{
  char *end = NULL;
  double v;

  if (text == NULL || *text == '\0') {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "%s: missing number", what);
    return FALSE;
  }
  v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (v)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "%s: “%s” is not a number", what, text);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

gboolean
ce_parse_point (const char *text, double *lon, double *lat, GError **error)
{
  g_auto (GStrv) parts = NULL;

  if (text == NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "missing point, give LON,LAT");
    return FALSE;
  }
  parts = g_strsplit (text, ",", -1);
  if (g_strv_length (parts) != 2) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "“%s” is not a point, give LON,LAT such as 121.3845,31.3474", text);
    return FALSE;
  }
  return ce_parse_double (g_strstrip (parts[0]), "lon", lon, error) &&
      ce_parse_double (g_strstrip (parts[1]), "lat", lat, error) &&
      ce_geo_validate (*lon, *lat, error);
}

/* ---- filters ---------------------------------------------------------- */

const GOptionEntry ce_filter_entries[] = {
    {"source", 's', 0, G_OPTION_ARG_STRING_ARRAY, &ce_filter_options.sources,
        "Only this source: public_security (公安), xueliang (雪亮), social "
        "(社会面), mobile (单兵); repeat for several",
        "SOURCE"},
    {"street", 0, 0, G_OPTION_ARG_STRING, &ce_filter_options.street,
        "Only this 街镇, for example 顾村镇", "NAME"},
    {"status", 0, 0, G_OPTION_ARG_STRING, &ce_filter_options.status,
        "Only online, offline or unknown", "STATUS"},
    {"secrecy", 0, 0, G_OPTION_ARG_INT, &ce_filter_options.secrecy,
        "Only secrecy 0 (不涉密) or 1 (涉密)", "0|1"},
    {"text", 't', 0, G_OPTION_ARG_STRING, &ce_filter_options.text,
        "Only cameras whose id, name, street, address or tags contain TEXT",
        "TEXT"},
    {"bbox", 0, 0, G_OPTION_ARG_STRING, &ce_filter_options.bbox,
        "Only inside MINLON,MINLAT,MAXLON,MAXLAT", "BOX"},
    {"polygon", 0, 0, G_OPTION_ARG_STRING, &ce_filter_options.polygon,
        "Only inside the polygon LON,LAT;LON,LAT;… (3 points or more)",
        "POINTS"},
    {"crs", 0, 0, G_OPTION_ARG_STRING, &ce_filter_options.crs,
        "Coordinate system of given and printed coordinates: wgs84 "
        "(default), gcj02, bd09",
        "CRS"},
    G_OPTION_ENTRY_NULL,
};

gboolean
ce_filter_crs (CeCrs *crs, GError **error)
{
  *crs = CE_CRS_WGS84;
  if (ce_filter_options.crs != NULL &&
      !ce_crs_from_string (ce_filter_options.crs, crs)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--crs: “%s” is not wgs84, gcj02 or bd09", ce_filter_options.crs);
    return FALSE;
  }
  return TRUE;
}

gboolean
ce_filter_to_query (CeQuery *q, GArray **polygon_storage, GError **error)
{
  CeCrs crs;

  ce_query_init (q);
  if (!ce_filter_crs (&crs, error))
    return FALSE;
  for (guint i = 0; ce_filter_options.sources != NULL &&
       ce_filter_options.sources[i] != NULL;
       i++) {
    g_auto (GStrv) names = g_strsplit (ce_filter_options.sources[i], ",", -1);

    for (guint j = 0; names[j] != NULL; j++) {
      CeSource source;

      if (!ce_source_from_string (g_strstrip (names[j]), &source)) {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
            "--source: “%s” is not public_security, xueliang, social or "
            "mobile",
            names[j]);
        return FALSE;
      }
      q->sources |= CE_SOURCE_BIT (source);
    }
  }
  q->street = ce_filter_options.street;
  if (ce_filter_options.status != NULL) {
    CeStatus status;

    if (!ce_status_from_string (ce_filter_options.status, &status) ||
        *ce_filter_options.status == '\0') {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--status: “%s” is not online, offline or unknown",
          ce_filter_options.status);
      return FALSE;
    }
    q->status = (int) status;
  }
  if (ce_filter_options.secrecy != -1 && ce_filter_options.secrecy != 0 &&
      ce_filter_options.secrecy != 1) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--secrecy: %d is not 0 or 1", ce_filter_options.secrecy);
    return FALSE;
  }
  q->secrecy = ce_filter_options.secrecy;
  q->text = ce_filter_options.text;
  if (ce_filter_options.bbox != NULL) {
    g_auto (GStrv) parts = g_strsplit (ce_filter_options.bbox, ",", -1);
    double v[4];

    if (g_strv_length (parts) != 4) {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--bbox: give MINLON,MINLAT,MAXLON,MAXLAT");
      return FALSE;
    }
    for (int i = 0; i < 4; i++)
      if (!ce_parse_double (g_strstrip (parts[i]), "--bbox", &v[i], error))
        return FALSE;
    /* Convert the corners; at district scale the box stays a box. */
    ce_geo_convert (crs, CE_CRS_WGS84, v[0], v[1], &v[0], &v[1]);
    ce_geo_convert (crs, CE_CRS_WGS84, v[2], v[3], &v[2], &v[3]);
    q->has_bbox = TRUE;
    q->min_lon = v[0];
    q->min_lat = v[1];
    q->max_lon = v[2];
    q->max_lat = v[3];
  }
  if (ce_filter_options.polygon != NULL) {
    g_auto (GStrv) points = g_strsplit (ce_filter_options.polygon, ";", -1);
    GArray *xy = g_array_new (FALSE, FALSE, sizeof (double));

    for (guint i = 0; points[i] != NULL; i++) {
      double lon, lat;

      if (*g_strstrip (points[i]) == '\0')
        continue;
      if (!ce_parse_point (points[i], &lon, &lat, error)) {
        g_prefix_error (error, "--polygon: ");
        g_array_unref (xy);
        return FALSE;
      }
      ce_geo_convert (crs, CE_CRS_WGS84, lon, lat, &lon, &lat);
      g_array_append_val (xy, lon);
      g_array_append_val (xy, lat);
    }
    q->polygon = (const double *) xy->data;
    q->polygon_len = xy->len / 2;
    *polygon_storage = xy;
  }
  return TRUE;
}

static void
add_string (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  if (value != NULL && *value != '\0')
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
ce_camera_to_json (const CeCamera *c, CeCrs crs)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  double lon, lat;

  ce_geo_convert (CE_CRS_WGS84, crs, c->lon, c->lat, &lon, &lat);
  json_builder_begin_object (b);
  add_string (b, "id", c->id);
  add_string (b, "name", c->name);
  add_string (b, "source", ce_source_to_string (c->source));
  add_string (b, "street", c->street);
  add_string (b, "civil_code", c->civil_code);
  add_string (b, "address", c->address);
  json_builder_set_member_name (b, "lon");
  json_builder_add_double_value (b, round (lon * 1e7) / 1e7);
  json_builder_set_member_name (b, "lat");
  json_builder_add_double_value (b, round (lat * 1e7) / 1e7);
  json_builder_set_member_name (b, "crs");
  json_builder_add_string_value (b, ce_crs_to_string (crs));
  /* Stream URLs carry the camera's address; they are shown (without
   * userinfo, which the registry never stores) to administrators of the
   * inventory.  Credentials themselves are only said to exist. */
  json_builder_set_member_name (b, "has_sub_stream");
  json_builder_add_boolean_value (b,
      c->rtsp_url_sub != NULL && *c->rtsp_url_sub != '\0');
  json_builder_set_member_name (b, "has_credentials");
  json_builder_add_boolean_value (b,
      (c->username != NULL && *c->username) ||
          (c->password != NULL && *c->password));
  json_builder_set_member_name (b, "secrecy");
  json_builder_add_int_value (b, c->secrecy);
  json_builder_set_member_name (b, "ptz_type");
  json_builder_add_int_value (b, c->ptz_type);
  json_builder_set_member_name (b, "azimuth");
  if (isnan (c->azimuth))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, c->azimuth);
  add_string (b, "tags", c->tags);
  add_string (b, "status", ce_status_to_string (c->status));
  json_builder_set_member_name (b, "status_changed_at");
  json_builder_add_int_value (b, c->status_changed_at);
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, c->created_at);
  json_builder_set_member_name (b, "updated_at");
  json_builder_add_int_value (b, c->updated_at);
  if (!isnan (c->distance_m)) {
    json_builder_set_member_name (b, "distance_m");
    json_builder_add_double_value (b, round (c->distance_m * 10) / 10);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
