/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye stats`: camera counts and the online rate by source, street or
 * status.
 */
#include "ce-cli.h"

#include <stdio.h>
#include <string.h>

int
ce_cli_stats (int argc, char **argv)
{
  static char *by = NULL;
  static const GOptionEntry own[] = {
      {"by", 'b', 0, G_OPTION_ARG_STRING, &by,
          "Group by source (default), street or status", "GROUP"},
      G_OPTION_ENTRY_NULL,
  };
  GOptionEntry entries[32];
  guint n = 0;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GArray) polygon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  CeStatsGroup group = CE_STATS_BY_SOURCE;
  CeStatsRow total = {.key = (char *) "total"};
  CeQuery q;

  /* Health KPIs from the probes' history (ce-cli-probe.c). */
  if (argc >= 2 && strcmp (argv[1], "online") == 0)
    return ce_cli_stats_online (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "offline") == 0)
    return ce_cli_stats_offline (argc - 1, argv + 1);

  /* Attribute filters only (the first four), no areas. */
  for (guint i = 0; i < 4; i++)
    entries[n++] = ce_filter_entries[i];
  for (guint i = 0; own[i].long_name != NULL; i++)
    entries[n++] = own[i];
  entries[n] = (GOptionEntry) G_OPTION_ENTRY_NULL;

  if (!ce_cli_parse ("stats", NULL,
          "Count cameras by source, street or status, with the share "
          "online (在线率: online / registered, as of the last status "
          "each camera reported).",
          "Examples:\n"
          "  cityeye stats\n"
          "  cityeye stats --by street --source xueliang\n"
          "  cityeye stats --by street --csv > streets.csv\n"
          "\n"
          "Online rate over time, from the probes' history:\n"
          "  cityeye stats online --by street --since 7d\n"
          "  cityeye stats offline   (cameras down longest)",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("stats", "unexpected argument “%s”", argv[1]);
  if (by == NULL || strcmp (by, "source") == 0)
    group = CE_STATS_BY_SOURCE;
  else if (strcmp (by, "street") == 0)
    group = CE_STATS_BY_STREET;
  else if (strcmp (by, "status") == 0)
    group = CE_STATS_BY_STATUS;
  else
    return ce_cli_usage_error ("stats",
        "--by: “%s” is not source, street or status", by);
  if (!ce_filter_to_query (&q, &polygon, &error))
    return ce_cli_usage_error ("stats", "%s", error->message);

  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  rows = ce_registry_stats (registry, group, &q, &error);
  if (rows == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  for (guint i = 0; i < rows->len; i++) {
    CeStatsRow *r = g_ptr_array_index (rows, i);

    total.total += r->total;
    total.online += r->online;
    total.offline += r->offline;
    total.unknown += r->unknown;
  }

  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "by");
    json_builder_add_string_value (b, by != NULL ? by : "source");
    json_builder_set_member_name (b, "groups");
    json_builder_begin_array (b);
    for (guint i = 0; i <= rows->len; i++) {
      CeStatsRow *r = i < rows->len ? g_ptr_array_index (rows, i) : &total;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, r->key);
      json_builder_set_member_name (b, "total");
      json_builder_add_int_value (b, r->total);
      json_builder_set_member_name (b, "online");
      json_builder_add_int_value (b, r->online);
      json_builder_set_member_name (b, "offline");
      json_builder_add_int_value (b, r->offline);
      json_builder_set_member_name (b, "unknown");
      json_builder_add_int_value (b, r->unknown);
      json_builder_set_member_name (b, "online_rate");
      json_builder_add_double_value (b,
          r->total > 0 ? (double) r->online / r->total : 0.0);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }
  {
    static const char *const headers[] = {"GROUP", "TOTAL", "ONLINE", "OFFLINE",
        "UNKNOWN", "ONLINE_RATE", NULL};
    g_autoptr (CeTable) table = ce_table_new (headers);

    if (ce_cli_output () == CE_OUTPUT_CSV) {
      static const char *const csv[] = {"group", "total", "online", "offline",
          "unknown", "online_rate", NULL};
      ce_csv_print_row (stdout, csv);
    }
    for (guint i = 0; i <= rows->len; i++) {
      CeStatsRow *r = i < rows->len ? g_ptr_array_index (rows, i) : &total;
      char nums[5][32];
      g_autofree char *key = NULL;
      const char *cells[7];
      CeSource source;

      if (group == CE_STATS_BY_SOURCE && i < rows->len &&
          ce_source_from_string (r->key, &source) &&
          ce_cli_output () == CE_OUTPUT_TABLE)
        key = g_strdup_printf ("%s %s", ce_source_to_label (source), r->key);
      else
        key = g_strdup (*r->key != '\0' ? r->key : "(none)");
      g_snprintf (nums[0], 32, "%" G_GINT64_FORMAT, r->total);
      g_snprintf (nums[1], 32, "%" G_GINT64_FORMAT, r->online);
      g_snprintf (nums[2], 32, "%" G_GINT64_FORMAT, r->offline);
      g_snprintf (nums[3], 32, "%" G_GINT64_FORMAT, r->unknown);
      if (ce_cli_output () == CE_OUTPUT_CSV)
        g_snprintf (nums[4], 32, "%.4f",
            r->total > 0 ? (double) r->online / r->total : 0.0);
      else
        g_snprintf (nums[4], 32, "%.1f%%",
            r->total > 0 ? 100.0 * r->online / r->total : 0.0);
      cells[0] = key;
      for (int c = 0; c < 5; c++)
        cells[c + 1] = nums[c];
      cells[6] = NULL;
      if (ce_cli_output () == CE_OUTPUT_CSV)
        ce_csv_print_row (stdout, cells);
      else
        ce_table_add_row (table, cells);
    }
    if (ce_cli_output () == CE_OUTPUT_TABLE)
      ce_table_print (table, stdout);
  }
  return CE_EXIT_OK;
}
