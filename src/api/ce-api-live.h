/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * A browser viewer without a connection of its own: one channel of the
 * multiplexed live socket (ce-api-mux.c).  ce-api-live.c does for it what
 * it does for a live.ws viewer (relay acquire, CeViewer, codec and state
 * text, audit, metrics, admission, kicks and preemptions); the socket
 * carries its text and takes its media when its turn comes.
 */
#pragma once

#include "ce-api-private.h"

G_BEGIN_DECLS

typedef struct _CeApiLiveChannel CeApiLiveChannel;

/* What a channel needs from its socket; all on the main context. */
typedef struct
{
  /* Media is queued, or the channel should be dropped: schedule. */
  void (*wake) (gpointer data);
  /* A TEXT message for the page (it already carries "ch"). */
  void (*send_text) (gpointer data, const char *text);
  /* The gateway ended the channel (its last state message is sent):
   * forget it, never touch it again. */
  void (*ended) (gpointer data);
} CeApiLiveSink;

/**
 * ce_api_live_channel_open:
 * Acquires @camera_id for @p (whose incident, if any, attributes the
 * view), with @priority and @holder for the admission, and starts a
 * viewer as soon as the camera is ready; states "connecting" then
 * "playing" go to @sink with @ch.  The caller checked that @p may see the
 * camera.
 * Returns: (transfer none): the channel, owned by the live module until
 * ce_api_live_channel_close() or @sink's ended; %NULL with @error when the
 * relay refuses (admission, unknown camera).
 */
CeApiLiveChannel *ce_api_live_channel_open (CeApi *api, const CePrincipal *p,
    const char *camera_id, CeProfile profile, CePriority priority,
    const char *holder, const char *peer, gint64 ch, const CeApiLiveSink *sink,
    gpointer data, GError **error);
/* The next chunk (head, and the shared body or %NULL): a codec message
 * went to the sink before an init segment.  %NULL when none is queued. */
GBytes *ce_api_live_channel_pop (CeApiLiveChannel *c, GBytes **body);
/* The media chunks (fMP4 fragments) queued next, appended to @out while
 * it stays within @max bytes (at least one); stops before an init
 * segment, which ce_api_live_channel_pop() gives with its codec message.
 * Returns the bytes appended, 0 when none is queued next. */
gsize ce_api_live_channel_pop_media (CeApiLiveChannel *c, GByteArray *out,
    gsize max);

/* Over its byte budget too often: it should be closed. */
gboolean ce_api_live_channel_should_drop (CeApiLiveChannel *c);
/* Ends the channel (audit, release) without calling the sink's ended;
 * @dropped counts it as a viewer dropped for being too slow. */
void ce_api_live_channel_close (CeApiLiveChannel *c, const char *why,
    gboolean dropped);

G_END_DECLS
