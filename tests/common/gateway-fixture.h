/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Test helpers for cityeyed end to end: a temporary directory with a
 * registry, a config file and a log, the daemon ($CITYEYED_BIN) as a child
 * on ephemeral ports, a libsoup session for its HTTP API, and the checks
 * every test makes when it stops (clean exit, no critical, no secret in
 * the log).  The cameras are usually the simulator's (camsim-fixture.h).
 */
#pragma once

#include "ce-registry.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _GatewayProcess GatewayProcess;

/* Makes the directory "cityeye-@name-XXXXXX" under the temporary directory
 * with an empty registry in it.  Nothing runs yet. */
GatewayProcess *gateway_process_new (const char *name);

/* A camera with the tests' defaults (at 121.40, 31.35), for the caller to
 * complete before gateway_process_add_camera.  @url nullable. */
CeCamera *gateway_camera_new (const char *id, const char *name, CeSource source,
    const char *url);

/* Adds @camera to the registry (fails the test if it is refused). */
void gateway_process_add_camera (GatewayProcess *self, const CeCamera *camera);

/* Adds user @name (@sources a CE_SOURCE_BIT mask, @max_secrecy 0 or 1) and
 * returns a new API token of it (g_free). */
char *gateway_process_add_user (GatewayProcess *self, const char *name,
    const char *role, guint sources, int max_secrecy);

/* @secret (copied) must never be in the daemon's log: checked when it
 * stops. */
void gateway_process_add_secret (GatewayProcess *self, const char *secret);

/* An environment variable of the daemon (set before the first start). */
void gateway_process_setenv (GatewayProcess *self, const char *variable,
    const char *value);

/* Writes the config and starts the daemon, waiting for its ports.
 *
 * The config is @extra (GKeyFile text, nullable) plus the fixture's own
 * keys: [registry] database, [probe] interval=0, [rtsp] port=0 and [http]
 * port=0.  A key that @extra sets wins over the fixture's; a group that
 * both have is one group (GKeyFile merges repeated groups, so @extra may
 * name [rtsp] or [http] again for further keys). */
void gateway_process_start (GatewayProcess *self, const char *extra);

/* Stops the daemon (checked as gateway_process_stop checks it, keeping the
 * directory) and starts it again on the same config, where the ports are
 * the ones the last run had with @same_ports (for clients that must find
 * the daemon where it was), else the caller's or the system's choice. */
void gateway_process_restart (GatewayProcess *self, gboolean same_ports);

/* SIGTERM; the daemon must exit with status 0, its log must have no
 * CRITICAL, no "runtime check failed" and none of the secrets.  Then
 * removes the directory and frees @self. */
void gateway_process_stop (GatewayProcess *self);

guint gateway_process_http_port (GatewayProcess *self);
guint gateway_process_rtsp_port (GatewayProcess *self);

/* "http://127.0.0.1:PORT" plus @path (g_free). */
char *gateway_process_http_url (GatewayProcess *self, const char *path);

/* (transfer none) A session for the API (timeout 30 s, no proxy, enough
 * connections for streams that hold theirs), new at every start. */
SoupSession *gateway_process_session (GatewayProcess *self);

/* (transfer none) The temporary directory and the registry in it. */
const char *gateway_process_dir (GatewayProcess *self);
const char *gateway_process_db (GatewayProcess *self);

/* The daemon's log so far (stderr): g_free. */
char *gateway_process_read_log (GatewayProcess *self);

/* ---- the HTTP API -------------------------------------------------------- */

/* @method @path with "Authorization: Bearer @bearer" (nullable) and no
 * body; returns the status, the response body in @body (nullable). */
guint gateway_process_call (GatewayProcess *self, const char *method,
    const char *path, const char *bearer, GBytes **body);

/* An answer of the HTTP API: its status, its body as text ("" when empty)
 * and, when the body is JSON, parsed. */
typedef struct
{
  guint status;
  char *body;
  JsonNode *json; /* nullable */
} GatewayReply;

void gateway_reply_free (GatewayReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GatewayReply, gateway_reply_free)

/* @method @path with "Authorization: Bearer @bearer" (nullable) and the
 * JSON text @body (nullable); prints the exchange with --verbose. */
GatewayReply *gateway_process_request (GatewayProcess *self, const char *method,
    const char *path, const char *bearer, const char *body);

/* The reply's JSON object; fails the test when it has none. */
JsonObject *gateway_reply_object (GatewayReply *reply);

/* GET @path: the JSON body (json_node_unref); fails the test unless the
 * answer is 200 with JSON. */
JsonNode *gateway_process_get_json (GatewayProcess *self, const char *path,
    const char *bearer);

/* The client of @camera_id's @profile ("main" or "sub") stream in GET
 * /api/v1/streams as @bearer (an admin: only they see clients) that has
 * @protocol and, when @channel >= 0, that live-socket channel
 * (json_object_unref); NULL when none is listed.  The stream's state in
 * @stream_state (nullable, g_free) when the stream is listed. */
JsonObject *gateway_process_find_client (GatewayProcess *self,
    const char *bearer, const char *camera_id, const char *profile,
    const char *protocol, gint64 channel, char **stream_state);

/* The value of the /metrics sample @sample (name and labels as in the
 * text, e.g. cityeye_viewers{protocol="ws"}), -1 when absent. */
gint64 gateway_process_metric (GatewayProcess *self, const char *bearer,
    const char *sample);

/* ---- the command line ---------------------------------------------------- */

/* Runs the `cityeye` command line ($CITYEYE_CLI) on this gateway's
 * registry and HTTP API as @token's holder, with the NULL-terminated
 * arguments; returns its exit status, its standard output in *@out and
 * its standard error in *@err (both nullable, g_free). */
int gateway_process_run_cli (GatewayProcess *self, const char *token,
    char **out, char **err, ...) G_GNUC_NULL_TERMINATED;

/* A raw TCP client of the HTTP port with a 4 KiB receive buffer (a client
 * that will stop reading): sends @request and checks that the answer
 * begins with @status_line ("HTTP/1.1 101"), read and nothing more. */
GSocket *gateway_process_raw_request (GatewayProcess *self, const char *request,
    const char *status_line);

/* Runs the thread-default main context for @ms milliseconds. */
void gateway_spin (guint ms);

G_END_DECLS
