/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye audit`: the viewing audit (append-only) as a table, CSV or
 * JSON.
 */
#include "ce-cli.h"
#include "ce-auth.h"

#include <stdio.h>
#include <string.h>

int
ce_cli_audit (int argc, char **argv)
{
  static char *since = NULL;
  static char *user = NULL;
  static char *camera = NULL;
  static int limit = 0;
  static const GOptionEntry entries[] = {
      {"since", 0, 0, G_OPTION_ARG_STRING, &since,
          "Only rows of the last DURATION (like 1d, 12h, 30m)", "DURATION"},
      {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "Only this user", "NAME"},
      {"camera", 0, 0, G_OPTION_ARG_STRING, &camera, "Only this camera id",
          "ID"},
      {"limit", 'n', 0, G_OPTION_ARG_INT, &limit,
          "At most N rows, oldest first (default: all)", "N"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  CeAuditQuery q;

  if (!ce_cli_parse ("audit", NULL,
          "Show the viewing audit: every grant, stream start and stop and "
          "refusal, with user, camera, protocol, client, times, bytes and "
          "incident.  The table is append-only: nothing can change or "
          "delete its rows.",
          "Examples:\n"
          "  cityeye audit --since 1d --csv > audit.csv\n"
          "  cityeye audit --user alice --since 12h\n"
          "  cityeye audit --camera 31011300001320000123 --json",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("audit", "unexpected argument “%s”", argv[1]);
  ce_audit_query_init (&q);
  if (since != NULL) {
    gint64 span;

    if (!ce_cli_parse_duration (since, &span, &error))
      return ce_cli_usage_error ("audit", "--since: %s", error->message);
    q.since_us = g_get_real_time () - span;
  }
  if (limit < 0)
    return ce_cli_usage_error ("audit", "--limit: %d is negative", limit);
  if (camera != NULL && ce_gb_id_type (camera) < 0)
    return ce_cli_usage_error ("audit",
        "--camera: “%s” is not a 20-digit camera id", camera);
  q.user = user;
  q.camera_id = camera;
  q.limit = (guint) limit;
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  rows = ce_registry_audit_query (registry, &q, &error);
  if (rows == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_array (b);
    for (guint i = 0; i < rows->len; i++) {
      const CeAuditRow *r = rows->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, r->id);
      json_builder_set_member_name (b, "at_us");
      json_builder_add_int_value (b, r->at_us);
      json_builder_set_member_name (b, "user");
      json_builder_add_string_value (b, r->user);
      json_builder_set_member_name (b, "camera_id");
      json_builder_add_string_value (b, r->camera_id);
      json_builder_set_member_name (b, "protocol");
      json_builder_add_string_value (b, r->protocol);
      json_builder_set_member_name (b, "client");
      json_builder_add_string_value (b, r->client);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, r->action);
      json_builder_set_member_name (b, "start_us");
      json_builder_add_int_value (b, r->start_us);
      json_builder_set_member_name (b, "end_us");
      json_builder_add_int_value (b, r->end_us);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) r->bytes);
      json_builder_set_member_name (b, "incident");
      json_builder_add_string_value (b, r->incident);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, r->reason);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }
  {
    static const char *const headers[] = {"ID", "AT", "USER", "CAMERA",
        "PROTOCOL", "CLIENT", "ACTION", "START", "END", "BYTES", "INCIDENT",
        "REASON", NULL};
    g_autoptr (CeTable) table = ce_table_new (headers);

    if (ce_cli_output () == CE_OUTPUT_CSV) {
      static const char *const csv[] = {"id", "at", "user", "camera_id",
          "protocol", "client", "action", "start", "end", "bytes", "incident",
          "reason", NULL};
      ce_csv_print_row (stdout, csv);
    }
    for (guint i = 0; i < rows->len; i++) {
      const CeAuditRow *r = rows->pdata[i];
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, r->id);
      g_autofree char *at = ce_cli_time_string (r->at_us);
      g_autofree char *start = ce_cli_time_string (r->start_us);
      g_autofree char *end = ce_cli_time_string (r->end_us);
      g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, r->bytes);
      const char *cells[] = {id, at, r->user, r->camera_id, r->protocol,
          r->client, r->action, start, end, bytes, r->incident, r->reason,
          NULL};

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
