/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for play token payloads (the parser must round-trip
 * what it accepts) and for the whole verification of play tokens, API
 * tokens and Authorization headers against an in-memory registry: no
 * input may be accepted, since no token was ever issued.
 */
#include <stdint.h>
#include <string.h>

#include "ce-auth.h"
#include "ce-auth-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static CeAuth *auth;

static void
set_up (void)
{
  static CeRegistry *registry;
  CeAuthConfig config;
  CeUser user = {0};

  registry = ce_registry_open (":memory:", 0, NULL);
  if (registry == NULL)
    __builtin_trap ();
  user.name = (char *) "alice";
  user.role = (char *) "operator";
  user.sources = CE_AUTH_ALL_SOURCES;
  ce_registry_add_user (registry, &user, NULL, NULL);
  ce_auth_config_init (&config);
  auth = ce_auth_new (registry, &config, NULL);
  ce_auth_config_clear (&config);
  if (auth == NULL)
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  CePlayTokenFields f;

  if (auth == NULL)
    set_up ();

  if (ce_play_token_payload_parse ((const char *) data, size, &f)) {
    g_autofree char *again = ce_play_token_payload_build (&f);
    CePlayTokenFields g;

    if (!ce_play_token_payload_parse (again, strlen (again), &g) ||
        strcmp (f.user, g.user) != 0 ||
        strcmp (f.camera_id, g.camera_id) != 0 ||
        f.expires_us != g.expires_us || f.sources != g.sources ||
        (f.incident == NULL) != (g.incident == NULL))
      __builtin_trap ();
    ce_play_token_fields_clear (&g);
    ce_play_token_fields_clear (&f);
  }

  {
    g_autoptr (GError) error = NULL;
    CePrincipal *p = NULL;

    p = ce_auth_verify_play_token (auth, text, "31011300001320000001", &error);
    if (p != NULL)
      __builtin_trap ();
    g_clear_error (&error);
    p = ce_auth_verify_token (auth, text, &error);
    if (p != NULL)
      __builtin_trap ();
    g_clear_error (&error);
    p = ce_auth_verify_authorization (auth, text, "DESCRIBE",
        "rtsp://127.0.0.1:8554/cameras/31011300001320000001", &error);
    if (p != NULL)
      __builtin_trap ();
  }
  return 0;
}
