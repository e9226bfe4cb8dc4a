/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Lookup of the console's compiled-in files: a strict name check first,
 * then the resource, its Content-Type and a content hash as ETag.
 */
#include "ce-console.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_QUARK (cityeye_console_error, ce_console_error)

static const struct
{
  const char *suffix;
  const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
};

static const char *
type_of (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (name, types[i].suffix))
      return types[i].type;
  return NULL;
}

gboolean
ce_console_name_is_valid (const char *name)
{
  gsize len;
  const char *dot;

  g_return_val_if_fail (name != NULL, FALSE);
  len = strlen (name);
  if (len == 0)
    return TRUE;
  if (len > 64)
    return FALSE;
  dot = strchr (name, '.');
  /* One dot, not first, and a known suffix after it. */
  if (dot == NULL || dot == name || strchr (dot + 1, '.') != NULL ||
      type_of (name) == NULL)
    return FALSE;
  for (const char *p = name; p < dot; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

GBytes *
ce_console_dup_file (const char *name, const char **content_type, char **etag,
    GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *sum = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (!ce_console_name_is_valid (name)) {
    g_set_error (error, CE_CONSOLE_ERROR, CE_CONSOLE_ERROR_INVALID_NAME,
        "No console file called “%.64s”", name);
    return NULL;
  }
  if (*name == '\0')
    name = "index.html";
  path = g_strconcat ("/org/cityeye/console/", name, NULL);
  bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL) {
    g_set_error (error, CE_CONSOLE_ERROR, CE_CONSOLE_ERROR_NOT_FOUND,
        "No console file called “%s”", name);
    return NULL;
  }
  if (content_type != NULL)
    *content_type = type_of (name);
  if (etag != NULL) {
    sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
    *etag = g_strdup_printf ("\"%.24s\"", sum);
  }
  return g_steal_pointer (&bytes);
}
