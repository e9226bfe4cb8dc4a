/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Shared pieces of the `cityeye` command line: options every command
 * takes, opening the registry, output as tables / JSON / CSV, progress.
 */
#pragma once

#include <stdio.h>
#include <json-glib/json-glib.h>

#include "ce-geo.h"
#include "ce-registry.h"

G_BEGIN_DECLS

/* Exit statuses (STYLE.md): usage errors 2, runtime errors 1. */
#define CE_EXIT_OK 0
#define CE_EXIT_RUNTIME 1
#define CE_EXIT_USAGE 2

typedef enum
{
  CE_OUTPUT_TABLE,
  CE_OUTPUT_JSON,
  CE_OUTPUT_CSV,
} CeOutput;

/* Options shared by every command, filled by GOption. */
typedef struct
{
  char *db;
  char *config;
  gboolean json;
  gboolean csv;
  gboolean quiet;
} CeCliGlobal;

extern CeCliGlobal ce_cli_global;

/* Entries for --db, --config, --json, --csv, --quiet. */
GOptionGroup *ce_cli_global_group (gboolean with_output);

CeOutput ce_cli_output (void);

/* Parses @argv with @entries plus the global ones.  On a usage error,
 * prints it with a hint and returns FALSE. */
gboolean ce_cli_parse (const char *command, const char *parameter,
    const char *summary, const char *examples, const GOptionEntry *entries,
    gboolean with_output, int *argc, char ***argv);

/* Which database: --db, $CITYEYE_DB, [registry] database in the config
 * file, then the built-in default. */
char *ce_cli_database_path (GError **error);

/* Opens the registry or prints why not (returns NULL). */
CeRegistry *ce_cli_open_registry (CeRegistryOpenFlags flags);

/* `cityeye: message` on stderr. */
void ce_cli_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
int ce_cli_usage_error (const char *command, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

/* --gateway URL, for the commands that call cityeyed's HTTP API. */
extern const GOptionEntry ce_cli_gateway_entries[];

/* One request to the gateway (--gateway, else $CITYEYE_GATEWAY, else
 * http://127.0.0.1:8080; token from $CITYEYE_TOKEN).  Prints the
 * gateway's error and returns NULL unless the status is 2xx; an empty
 * body is a JSON null.  (transfer full) */
JsonNode *ce_cli_api_call (const char *method, const char *path,
    JsonNode *body);

/* One subcommand of a command group (`cityeye camera list`). */
typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv); /* argv[0] is the subcommand */
  const char *usage; /* shown in the help, e.g. "show NAME"; NULL: the name */
  const char *help;  /* one line */
} CeCliCommand;

/* Runs the subcommand of @group named by argv[1].  `help`, `--help` and
 * `-h` print the subcommands and @footer (examples, environment; may be
 * NULL) on stdout; no subcommand or an unknown one is a usage error. */
int ce_cli_dispatch (const char *group, const CeCliCommand *commands,
    gsize n_commands, const char *footer, int argc, char **argv);

/* A table printed with columns aligned for CJK text (wide characters take
 * two cells). */
typedef struct _CeTable CeTable;
CeTable *ce_table_new (const char *const *headers);
void ce_table_add_row (CeTable *table, const char *const *cells);
void ce_table_print (CeTable *table, FILE *out);
void ce_table_free (CeTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeTable, ce_table_free)

/* Writes one CSV row (RFC 4180) to @out. */
void ce_csv_print_row (FILE *out, const char *const *cells);

/* Prints @node as pretty JSON to stdout. */
void ce_json_print (JsonNode *node);

/* A progress line on stderr, only when stderr is a terminal and the work
 * has run longer than a second. */
typedef struct _CeProgress CeProgress;
CeProgress *ce_progress_new (const char *what, goffset total);
void ce_progress_update (CeProgress *progress, goffset done,
    const char *detail);
void ce_progress_free (CeProgress *progress);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeProgress, ce_progress_free)

/* Parses "lon,lat". */
gboolean ce_parse_point (const char *text, double *lon, double *lat,
    GError **error);
/* Parses a number, the whole string. */
gboolean ce_parse_double (const char *text, const char *what, double *out,
    GError **error);

/* Camera filters shared by list, export, near, search and stats. */
typedef struct
{
  char **sources;
  char *street;
  char *status;
  int secrecy;
  char *bbox;
  char *polygon;
  char *crs;
  char *text;
} CeFilterOptions;

extern CeFilterOptions ce_filter_options;
extern const GOptionEntry ce_filter_entries[];

/* Builds @query from the filter options (coordinates converted to
 * WGS-84).  @polygon_storage keeps the polygon alive as long as the
 * query. */
gboolean ce_filter_to_query (CeQuery *query, GArray **polygon_storage,
    GError **error);

/* The output CRS from --crs (default WGS-84). */
gboolean ce_filter_crs (CeCrs *crs, GError **error);

/* JSON object for one camera, without credentials; coordinates in @crs. */
JsonNode *ce_camera_to_json (const CeCamera *camera, CeCrs crs);

/* Commands. */
int ce_cli_camera (int argc, char **argv);
int ce_cli_db (int argc, char **argv);
int ce_cli_stats (int argc, char **argv);
int ce_cli_user (int argc, char **argv);
int ce_cli_token (int argc, char **argv);
int ce_cli_audit (int argc, char **argv);
/* Walls and incidents (ce-cli-wall.c). */
int ce_cli_wall (int argc, char **argv);
int ce_cli_incident (int argc, char **argv);

/* Accounts commands' helpers: local time "YYYY-MM-DD HH:MM:SS" ("-" for
 * 0); durations like 30d, 12h, 90m, 3600s. */
char *ce_cli_time_string (gint64 us);
gboolean ce_cli_parse_duration (const char *text, gint64 *us, GError **error);
/* Camera health (ce-cli-probe.c). */
int ce_cli_camera_probe (int argc, char **argv);
int ce_cli_camera_health (int argc, char **argv);
int ce_cli_camera_check (int argc, char **argv);
int ce_cli_stats_online (int argc, char **argv);
int ce_cli_stats_offline (int argc, char **argv);

G_END_DECLS
