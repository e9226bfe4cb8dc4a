/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye token create|list|revoke`: API tokens.  A token is printed
 * once, at creation; the registry keeps only its SHA-256 (and the Digest
 * HA1 that RTSP Digest needs).
 */
#include "ce-config.h"
#include "ce-cli.h"
#include "ce-auth.h"

#include <stdio.h>
#include <string.h>

gboolean
ce_cli_parse_duration (const char *text, gint64 *us, GError **error)
{
  char *end = NULL;
  guint64 n;
  gint64 unit;

  if (text == NULL || !g_ascii_isdigit (*text)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "“%s” is not a duration (like 30d, 12h, 90m or 3600s)",
        text != NULL ? text : "");
    return FALSE;
  }
  n = g_ascii_strtoull (text, &end, 10);
  if (strcmp (end, "s") == 0 || *end == '\0')
    unit = G_USEC_PER_SEC;
  else if (strcmp (end, "m") == 0)
    unit = 60 * G_USEC_PER_SEC;
  else if (strcmp (end, "h") == 0)
    unit = 3600 * (gint64) G_USEC_PER_SEC;
  else if (strcmp (end, "d") == 0)
    unit = 86400 * (gint64) G_USEC_PER_SEC;
  else if (strcmp (end, "w") == 0)
    unit = 7 * 86400 * (gint64) G_USEC_PER_SEC;
  else
    unit = 0;
  /* Ten years is plenty; the bound keeps the arithmetic in range. */
  if (unit == 0 || n == 0 ||
      n > (guint64) 3650 * 86400 * G_USEC_PER_SEC / (guint64) unit) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "“%s” is not a duration between 1s and 3650d (like 30d, 12h, 90m "
        "or 3600s)",
        text);
    return FALSE;
  }
  *us = (gint64) n * unit;
  return TRUE;
}

/* [auth] realm from the configuration file, as the daemon reads it. */
static char *
config_realm (void)
{
  g_autofree char *config = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  char *realm;

  if (ce_cli_global.config != NULL)
    config = g_strdup (ce_cli_global.config);
  else if (g_getenv ("CITYEYE_CONFIG") != NULL)
    config = g_strdup (g_getenv ("CITYEYE_CONFIG"));
  else if (g_file_test (CE_SYSCONFDIR "/cityeye.conf", G_FILE_TEST_EXISTS))
    config = g_strdup (CE_SYSCONFDIR "/cityeye.conf");
  if (config == NULL ||
      !g_key_file_load_from_file (kf, config, G_KEY_FILE_NONE, NULL))
    return g_strdup ("cityeye");
  realm = g_key_file_get_string (kf, "auth", "realm", NULL);
  if (realm != NULL)
    g_strstrip (realm);
  if (realm == NULL || *realm == '\0') {
    g_free (realm);
    return g_strdup ("cityeye");
  }
  return realm;
}

static int
cmd_create (int argc, char **argv)
{
  static char *user = NULL;
  static char *label = NULL;
  static char *expires = NULL;
  static const GOptionEntry entries[] = {
      {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "The token's user (needed)",
          "NAME"},
      {"label", 'l', 0, G_OPTION_ARG_STRING, &label,
          "What the token is for (shown by “token list”)", "TEXT"},
      {"expires", 'e', 0, G_OPTION_ARG_STRING, &expires,
          "Lifetime, like 30d, 12h, 90m (default: until revoked)", "DURATION"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *realm = NULL;
  g_autofree char *token = NULL;
  gint64 expires_at = 0, id = 0;

  if (!ce_cli_parse ("token create", NULL,
          "Create an API token for a user and print it: this is the only "
          "time it is shown (the registry keeps a hash).  Use it as "
          "“Authorization: Bearer TOKEN” over HTTP, and over RTSP as "
          "rtsp://HOST:8554/cameras/ID?token=TOKEN or as the password of "
          "the token's user (Basic or Digest).",
          "Examples:\n"
          "  cityeye token create --user wall1 --label \"hall wall\"\n"
          "  cityeye token create --user alice --expires 30d\n"
          "  ffprobe rtsp://alice:TOKEN@127.0.0.1:8554/cameras/ID",
          entries, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("token create", "unexpected argument “%s”",
        argv[1]);
  if (user == NULL)
    return ce_cli_usage_error ("token create", "--user is needed");
  if (expires != NULL) {
    gint64 ttl;

    if (!ce_cli_parse_duration (expires, &ttl, &error))
      return ce_cli_usage_error ("token create", "--expires: %s",
          error->message);
    expires_at = g_get_real_time () + ttl;
  }
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  realm = config_realm ();
  token = ce_auth_create_token_in (registry, realm, user, label, expires_at,
      &id, &error);
  if (token == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!ce_cli_global.quiet) {
    g_autofree char *when = ce_cli_time_string (expires_at);

    fprintf (stderr,
        "Token %" G_GINT64_FORMAT " for %s (expires: %s).  Store it now: "
        "it is not shown again.\n",
        id, user, expires_at != 0 ? when : "never");
  }
  printf ("%s\n", token);
  memset (token, 0, strlen (token));
  return CE_EXIT_OK;
}

static int
cmd_list (int argc, char **argv)
{
  static char *user = NULL;
  static const GOptionEntry entries[] = {
      {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "Only this user's tokens",
          "NAME"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tokens = NULL;
  gint64 now = g_get_real_time ();

  if (!ce_cli_parse ("token list", NULL,
          "List API tokens (never the tokens themselves).",
          "Examples:\n  cityeye token list\n  cityeye token list --user "
          "alice --json",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("token list", "unexpected argument “%s”",
        argv[1]);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  tokens = ce_registry_list_tokens (registry, user, &error);
  if (tokens == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_array (b);
    for (guint i = 0; i < tokens->len; i++) {
      const CeTokenRecord *t = tokens->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, t->id);
      json_builder_set_member_name (b, "user");
      json_builder_add_string_value (b, t->user);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, t->label);
      json_builder_set_member_name (b, "created_us");
      json_builder_add_int_value (b, t->created_us);
      json_builder_set_member_name (b, "expires_us");
      json_builder_add_int_value (b, t->expires_us);
      json_builder_set_member_name (b, "last_used_us");
      json_builder_add_int_value (b, t->last_used_us);
      json_builder_set_member_name (b, "revoked_us");
      json_builder_add_int_value (b, t->revoked_us);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b,
          t->revoked_us != 0                               ? "revoked"
              : t->expires_us != 0 && t->expires_us <= now ? "expired"
                                                           : "active");
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }
  {
    static const char *const headers[] = {"ID", "USER", "LABEL", "CREATED",
        "EXPIRES", "LAST_USED", "STATE", NULL};
    g_autoptr (CeTable) table = ce_table_new (headers);

    if (ce_cli_output () == CE_OUTPUT_CSV) {
      static const char *const csv[] = {"id", "user", "label", "created",
          "expires", "last_used", "state", NULL};
      ce_csv_print_row (stdout, csv);
    }
    for (guint i = 0; i < tokens->len; i++) {
      const CeTokenRecord *t = tokens->pdata[i];
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, t->id);
      g_autofree char *created = ce_cli_time_string (t->created_us);
      g_autofree char *expires = ce_cli_time_string (t->expires_us);
      g_autofree char *used = ce_cli_time_string (t->last_used_us);
      const char *cells[] = {id, t->user, t->label, created, expires, used,
          t->revoked_us != 0                               ? "revoked"
              : t->expires_us != 0 && t->expires_us <= now ? "expired"
                                                           : "active",
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

static int
cmd_revoke (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  gint64 id;
  char *end = NULL;

  if (!ce_cli_parse ("token revoke", "ID",
          "Revoke a token (by the id “token list” shows).  It stops working "
          "at once for new requests; the gateway's play tokens derived from "
          "it expire within their lifetime (60 s by default).",
          "Example:\n  cityeye token revoke 3", NULL, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error ("token revoke", "give one token id");
  id = g_ascii_strtoll (argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || id <= 0)
    return ce_cli_usage_error ("token revoke", "“%s” is not a token id",
        argv[1]);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (!ce_registry_revoke_token (registry, id, &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Revoked token %" G_GINT64_FORMAT "\n", id);
  return CE_EXIT_OK;
}

static const CeCliCommand token_commands[] = {
    {"create", cmd_create, NULL,
        "New API token for a user, printed once (--user, --label, --expires)"},
    {"list", cmd_list, NULL, "List tokens (not their values)"},
    {"revoke", cmd_revoke, "revoke ID", "Revoke a token"},
};

int
ce_cli_token (int argc, char **argv)
{
  return ce_cli_dispatch ("token", token_commands,
      G_N_ELEMENTS (token_commands),
      "Examples:\n"
      "  cityeye token create --user alice --label console --expires 30d\n"
      "  cityeye token list --user alice\n"
      "  cityeye token revoke 3\n",
      argc, argv);
}
