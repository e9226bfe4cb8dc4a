/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The operator console's files (HTML, ES modules, CSS), compiled into the
 * daemon with GResource; the HTTP API serves them under /console/.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CE_CONSOLE_ERROR (ce_console_error_quark ())
GQuark ce_console_error_quark (void);

typedef enum
{
  CE_CONSOLE_ERROR_INVALID_NAME,
  CE_CONSOLE_ERROR_NOT_FOUND,
} CeConsoleError;

/* TRUE for a name the console may have: "" (the page) or one path
 * segment of [a-z0-9-] with a .html, .js, .css or .svg suffix, at most 64
 * bytes.  Everything else ("..", "/", "%", dot files, directories) is
 * refused before any lookup. */
gboolean ce_console_name_is_valid (const char *name);

/**
 * ce_console_dup_file:
 * @name: as in ce_console_name_is_valid(), "" for index.html
 * @content_type: (out): the file's Content-Type, static
 * @etag: (out) (transfer full): a strong ETag for the content, quoted
 * Returns: (transfer full): the file's bytes.  On error NULL with
 * INVALID_NAME or NOT_FOUND.
 */
GBytes *ce_console_dup_file (const char *name, const char **content_type,
    char **etag, GError **error);

G_END_DECLS
