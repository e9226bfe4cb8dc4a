/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The commands that need the gateway's live state (`cityeye wall apply`,
 * `cityeye incident open`, `cityeye camera check`) call cityeyed's HTTP
 * API: --gateway URL (default $CITYEYE_GATEWAY, else
 * http://127.0.0.1:8080) with the API token in $CITYEYE_TOKEN.
 */
#include "ce-cli.h"

#include <libsoup/soup.h>
#include <string.h>

static char *gateway = NULL;

const GOptionEntry ce_cli_gateway_entries[] = {
    {"gateway", 0, 0, G_OPTION_ARG_STRING, &gateway,
        "cityeyed's HTTP API (default $CITYEYE_GATEWAY, else "
        "http://127.0.0.1:8080); the API token is read from $CITYEYE_TOKEN",
        "URL"},
    G_OPTION_ENTRY_NULL,
};

JsonNode *
ce_cli_api_call (const char *method, const char *path, JsonNode *body)
{
  const char *base = gateway != NULL ? gateway : g_getenv ("CITYEYE_GATEWAY");
  const char *token = g_getenv ("CITYEYE_TOKEN");
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *uri = NULL;
  guint status;

  if (base == NULL || *base == '\0')
    base = "http://127.0.0.1:8080";
  if (!g_str_has_prefix (base, "http://") &&
      !g_str_has_prefix (base, "https://")) {
    ce_cli_error ("--gateway: “%s” is not an http:// or https:// URL", base);
    return NULL;
  }
  uri = g_strdup_printf ("%s%s", base, path);
  msg = soup_message_new (method, uri);
  if (msg == NULL) {
    ce_cli_error ("--gateway: “%s” is not a URL", base);
    return NULL;
  }
  if (token != NULL && *token != '\0') {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", token);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
  }
  if (body != NULL) {
    g_autofree char *text = json_to_string (body, FALSE);
    g_autoptr (GBytes) bytes = g_bytes_new_take (text, strlen (text));

    text = NULL;
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }
  session = soup_session_new_with_options ("timeout", 60, NULL);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  if (reply == NULL) {
    ce_cli_error ("Gateway %s: %s", base, error->message);
    return NULL;
  }
  status = soup_message_get_status (msg);
  if (g_bytes_get_size (reply) > 0 &&
      !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
          g_bytes_get_size (reply), NULL)) {
    ce_cli_error ("Gateway %s answered %u with something else than JSON", base,
        status);
    return NULL;
  }
  if (status < 200 || status > 299) {
    JsonNode *root = json_parser_get_root (parser);
    const char *message = NULL;

    if (root != NULL && JSON_NODE_HOLDS_OBJECT (root)) {
      JsonObject *e =
          json_object_get_object_member (json_node_get_object (root), "error");

      if (e != NULL)
        message =
            json_object_get_string_member_with_default (e, "message", NULL);
    }
    ce_cli_error ("%s %s: %u %s%s", method, path, status,
        message != NULL ? message : soup_status_get_phrase (status),
        status == 401 ? " (set CITYEYE_TOKEN to an API token)" : "");
    return NULL;
  }
  if (json_parser_get_root (parser) == NULL)
    return json_node_new (JSON_NODE_NULL);
  return json_node_ref (json_parser_get_root (parser));
}
