/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Test helpers for the camera simulator: run cityeye-camsim as a child on
 * ephemeral ports, talk to its control port, send raw RTSP requests and
 * decode its streams with real rtspsrc clients.
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _CamsimProcess CamsimProcess;

/* Starts the simulator with small, fast settings plus @extra_args
 * (NULL-terminated, nullable) and waits for its "camsim:" line. */
CamsimProcess *camsim_process_start (const char *const *extra_args);

/* SIGTERM, then waits; returns the exit status (-1 if it had to be
 * killed).  Frees @self. */
int camsim_process_stop (CamsimProcess *self);

/* "rtsp://127.0.0.1:PORT/cam/NAME" plus @suffix (nullable), g_free. */
char *camsim_url (CamsimProcess *self, const char *name, const char *suffix);

/* POST /cam/NAME/fault; returns the HTTP status. */
guint camsim_set_fault (CamsimProcess *self, const char *name, const char *mode,
    guint ms);

/* GET /cam/NAME: (transfer full) the camera's statistics. */
JsonObject *camsim_camera_stats (CamsimProcess *self, const char *name);

/* GET @path on the control port: (transfer full) the parsed body, with
 * the status in @status. */
JsonNode *camsim_http_get (CamsimProcess *self, const char *path,
    guint *status);

/* A request without body on the control port; returns the HTTP status. */
guint camsim_http_status (CamsimProcess *self, const char *method,
    const char *path);

/* One raw request on a new connection.  Returns the status code, 0 if no
 * answer came within @timeout_ms; the response head goes to @head
 * (nullable, g_free). */
guint camsim_rtsp_request (CamsimProcess *self, const char *method,
    const char *path, guint timeout_ms, char **head);

/* A decoding client: rtspsrc ! depay ! parse ! avdec_h26x ! appsink. */
typedef struct _CamsimClient CamsimClient;

/* @codec "h264" or "h265"; @protocols "tcp" or "udp"; @user and
 * @password nullable. */
CamsimClient *camsim_client_new (const char *url, const char *codec,
    const char *protocols, const char *user, const char *password);
void camsim_client_free (CamsimClient *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CamsimClient, camsim_client_free)

/* Waits until @n frames were decoded (TRUE), or an error, end of stream or
 * @timeout_ms happened (FALSE). */
gboolean camsim_client_wait_frames (CamsimClient *self, guint n,
    guint timeout_ms);

/* Waits until the decoded size is @width x @height. */
gboolean camsim_client_wait_size (CamsimClient *self, int width, int height,
    guint timeout_ms);

/* Waits until the client saw an error or the end of the stream. */
gboolean camsim_client_wait_ended (CamsimClient *self, guint timeout_ms);

/* Lets the client run for @ms, collecting bus messages. */
void camsim_client_run (CamsimClient *self, guint ms);

guint camsim_client_get_frames (CamsimClient *self);
gboolean camsim_client_has_ended (CamsimClient *self);
void camsim_client_get_size (CamsimClient *self, int *width, int *height);

/* The luma of the last decoded frame as a grid of block means. */
#define CAMSIM_LUMA_GRID 8

/* FALSE until a frame was decoded. */
gboolean camsim_client_get_luma (CamsimClient *self,
    guint8 grid[CAMSIM_LUMA_GRID * CAMSIM_LUMA_GRID]);

G_END_DECLS
