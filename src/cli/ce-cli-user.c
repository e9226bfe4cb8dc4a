/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye user add|list|rm`: the gateway's accounts.
 */
#include "ce-cli.h"
#include "ce-auth.h"

#include <stdio.h>
#include <string.h>

char *
ce_cli_time_string (gint64 us)
{
  g_autoptr (GDateTime) dt = NULL;

  if (us == 0)
    return g_strdup ("-");
  dt = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  return dt != NULL ? g_date_time_format (dt, "%F %T") : g_strdup ("?");
}

static int
cmd_add (int argc, char **argv)
{
  static char *role_name = NULL;
  static char *sources_text = NULL;
  static int secrecy = -1;
  static const GOptionEntry entries[] = {
      {"role", 'r', 0, G_OPTION_ARG_STRING, &role_name,
          "admin, operator, wall or viewer (default viewer)", "ROLE"},
      {"sources", 's', 0, G_OPTION_ARG_STRING, &sources_text,
          "Sources the user may see: 公安,雪亮,社会面,单兵 (or their keys, "
          "or all); default: the role's",
          "LIST"},
      {"secrecy", 0, 0, G_OPTION_ARG_INT, &secrecy,
          "Highest secrecy level the user may see, 0 or 1; default: the "
          "role's",
          "N"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = NULL;
  CeUser user = {0};
  CeRole role = CE_ROLE_VIEWER;

  if (!ce_cli_parse ("user add", "NAME",
          "Add a user.  Role defaults: admin sees every source and secrecy "
          "level and may administer; operator and wall see 雪亮, 社会面, 单兵 "
          "at secrecy 0; viewer sees 社会面 at secrecy 0.  公安 and secrecy 1 "
          "must be granted explicitly.  Then give the user a token with "
          "“cityeye token create”.",
          "Examples:\n"
          "  cityeye user add alice --role operator --sources 雪亮,社会面 "
          "--secrecy 0\n"
          "  cityeye user add wall1 --role wall\n"
          "  cityeye user add root --role admin",
          entries, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error ("user add", "give one user name");
  if (!ce_auth_user_name_valid (argv[1], &error))
    return ce_cli_usage_error ("user add", "%s", error->message);
  if (role_name != NULL && !ce_role_from_string (role_name, &role))
    return ce_cli_usage_error ("user add",
        "--role: “%s” is not admin, operator, wall or viewer", role_name);
  user.name = argv[1];
  user.role = (char *) ce_role_to_string (role);
  user.sources = ce_role_default_sources (role);
  user.max_secrecy = ce_role_default_secrecy (role);
  if (sources_text != NULL &&
      !ce_auth_parse_sources (sources_text, &user.sources, &error))
    return ce_cli_usage_error ("user add", "--sources: %s", error->message);
  if (secrecy != -1) {
    if (secrecy < 0 || secrecy > 1)
      return ce_cli_usage_error ("user add", "--secrecy: %d is not 0 or 1",
          secrecy);
    user.max_secrecy = secrecy;
  }
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (!ce_registry_add_user (registry, &user, NULL, &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  shown = ce_auth_sources_to_string (user.sources);
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Added user %s: role %s, sources %s, secrecy ≤ %d\n",
        user.name, user.role, *shown != '\0' ? shown : "(none)",
        user.max_secrecy);
  return CE_EXIT_OK;
}

static int
cmd_list (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) users = NULL;

  if (!ce_cli_parse ("user list", NULL, "List the users.",
          "Examples:\n  cityeye user list\n  cityeye user list --json", NULL,
          TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("user list", "unexpected argument “%s”",
        argv[1]);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  users = ce_registry_list_users (registry, &error);
  if (users == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_array (b);
    for (guint i = 0; i < users->len; i++) {
      const CeUser *u = users->pdata[i];
      g_autofree char *created = ce_cli_time_string (u->created_us);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, u->name);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, u->role);
      json_builder_set_member_name (b, "sources");
      json_builder_begin_array (b);
      for (int s = CE_SOURCE_PUBLIC_SECURITY; s <= CE_SOURCE_LAST; s++)
        if (u->sources & CE_SOURCE_BIT (s))
          json_builder_add_string_value (b, ce_source_to_string ((CeSource) s));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "max_secrecy");
      json_builder_add_int_value (b, u->max_secrecy);
      json_builder_set_member_name (b, "created");
      json_builder_add_string_value (b, created);
      json_builder_set_member_name (b, "disabled");
      json_builder_add_boolean_value (b, u->disabled);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }
  {
    static const char *const headers[] = {"NAME", "ROLE", "SOURCES", "SECRECY",
        "CREATED", "DISABLED", NULL};
    g_autoptr (CeTable) table = ce_table_new (headers);

    if (ce_cli_output () == CE_OUTPUT_CSV) {
      static const char *const csv[] = {"name", "role", "sources",
          "max_secrecy", "created", "disabled", NULL};
      ce_csv_print_row (stdout, csv);
    }
    for (guint i = 0; i < users->len; i++) {
      const CeUser *u = users->pdata[i];
      g_autofree char *sources = ce_auth_sources_to_string (u->sources);
      g_autofree char *created = ce_cli_time_string (u->created_us);
      char secrecy[16];
      const char *cells[7];

      g_snprintf (secrecy, sizeof secrecy, "%d", u->max_secrecy);
      cells[0] = u->name;
      cells[1] = u->role;
      cells[2] = sources;
      cells[3] = secrecy;
      cells[4] = created;
      cells[5] = u->disabled ? "yes" : "no";
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

static int
cmd_rm (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;

  if (!ce_cli_parse ("user rm", "NAME",
          "Remove a user and its tokens (the audit keeps its name).",
          "Example:\n  cityeye user rm alice", NULL, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error ("user rm", "give one user name");
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (!ce_registry_remove_user (registry, argv[1], &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Removed user %s and its tokens\n", argv[1]);
  return CE_EXIT_OK;
}

static const CeCliCommand user_commands[] = {
    {"add", cmd_add, "add NAME", "Add a user (--role, --sources, --secrecy)"},
    {"list", cmd_list, NULL, "List users (--json, --csv)"},
    {"rm", cmd_rm, "rm NAME", "Remove a user and its tokens"},
};

int
ce_cli_user (int argc, char **argv)
{
  return ce_cli_dispatch ("user", user_commands, G_N_ELEMENTS (user_commands),
      "Examples:\n"
      "  cityeye user add alice --role operator --sources 雪亮,社会面 "
      "--secrecy 0\n"
      "  cityeye user list --json\n",
      argc, argv);
}
