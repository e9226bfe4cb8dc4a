/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye db init|check|backup`.
 */
#include "ce-cli.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

static int
cmd_init (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;

  if (!ce_cli_parse ("db init", NULL,
          "Create the registry (or migrate it to this version's schema).",
          "Example:\n  cityeye db init --db /var/lib/cityeye/registry.db", NULL,
          FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("db init", "unexpected argument “%s”", argv[1]);
  path = ce_cli_database_path (&error);
  if (path == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0750) != 0) {
    ce_cli_error ("Cannot create directory %s: %s", dir, g_strerror (errno));
    return CE_EXIT_RUNTIME;
  }
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_DEFAULT);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Registry ready at %s (schema %d)\n", path,
        CE_REGISTRY_SCHEMA_VERSION);
  return CE_EXIT_OK;
}

static int
cmd_check (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  CeQuery all;
  gint64 count;

  if (!ce_cli_parse ("db check", NULL,
          "Check the registry: SQLite's integrity check, and the spatial "
          "and text indexes against the camera table.  Exit status 1 when "
          "anything is wrong.",
          NULL, NULL, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (!ce_registry_check (registry, report, &error)) {
    if (error != NULL) {
      ce_cli_error ("%s", error->message);
      return CE_EXIT_RUNTIME;
    }
    fputs (report->str, stdout);
    ce_cli_error ("%s: problems found", ce_registry_get_path (registry));
    return CE_EXIT_RUNTIME;
  }
  ce_query_init (&all);
  count = ce_registry_count (registry, &all, NULL);
  printf ("ok: %" G_GINT64_FORMAT " cameras, %" G_GINT64_FORMAT
          " bytes, schema %d\n",
      count, ce_registry_get_size (registry), CE_REGISTRY_SCHEMA_VERSION);
  return CE_EXIT_OK;
}

static void
on_backup_progress (int done, int total, gpointer user_data)
{
  g_autofree char *detail = g_strdup_printf ("%d/%d pages", done, total);

  ce_progress_update (user_data, done, detail);
}

static int
cmd_backup (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeProgress) progress = NULL;

  if (!ce_cli_parse ("db backup", "DEST",
          "Copy the registry to DEST (a new file) while the gateway keeps "
          "using it (SQLite online backup).",
          "Example:\n  cityeye db backup /backup/registry-$(date +%F).db", NULL,
          FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error ("db backup", "give one destination file");
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  progress = ce_progress_new ("backing up", ce_registry_get_size (registry));
  if (!ce_registry_backup (registry, argv[1], on_backup_progress, progress,
          &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  g_clear_pointer (&progress, ce_progress_free);
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Backed up %s to %s\n", ce_registry_get_path (registry),
        argv[1]);
  return CE_EXIT_OK;
}

static const CeCliCommand db_commands[] = {
    {"init", cmd_init, NULL, "Create or migrate the registry"},
    {"check", cmd_check, NULL, "Check the registry and its indexes"},
    {"backup", cmd_backup, NULL, "Online copy to a new file"},
};

int
ce_cli_db (int argc, char **argv)
{
  return ce_cli_dispatch ("db", db_commands, G_N_ELEMENTS (db_commands), NULL,
      argc, argv);
}
