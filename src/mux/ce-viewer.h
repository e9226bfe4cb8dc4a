/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * One browser viewer of a camera: a hub consumer that muxes the access
 * units into fMP4 (for MSE over WebSocket or chunked HTTP) or HTTP-FLV and
 * queues the bytes in a bounded buffer, so the HTTP/WebSocket side only
 * writes what ce_viewer_pop() returns.  A new viewer starts at the hub's
 * cached keyframe.
 *
 * Budget: when the queued bytes would exceed the budget, the queued media
 * is dropped and the viewer skips to the next keyframe (headers and init
 * segments are kept: the player needs them); after too many skips in a
 * window of stream time it reports that it should be dropped.
 *
 * Threads: the hub runs the consumer on its streaming thread with its
 * lock held: the viewer only muxes and queues there (no blocking), under
 * its own lock, and calls the wake function.  Everything else may be
 * called from any thread.  ce_viewer_free() detaches from the hub first,
 * so no callback runs after it returns.
 */
#pragma once

#include "ce-flv.h"
#include "ce-fmp4.h"
#include "ce-hls.h"
#include "ce-hub.h"

G_BEGIN_DECLS

typedef enum
{
  CE_VIEWER_FMP4,
  CE_VIEWER_FLV,
} CeViewerFormat;

typedef enum
{
  /* fMP4 init segment; FLV file header, onMetaData and sequence header. */
  CE_VIEWER_CHUNK_HEADER,
  /* One fMP4 fragment (moof + mdat) or one FLV video tag. */
  CE_VIEWER_CHUNK_MEDIA,
} CeViewerChunkKind;

typedef struct
{
  gsize max_bytes;          /* queued bytes, default 4 MiB */
  guint max_skips;          /* default 3 skips (at most 7) ... */
  GstClockTime skip_window; /* ... within 60 s of stream time, then drop */
  CeFlvHevc flv_hevc;       /* default codec id 12 */
} CeViewerConfig;

typedef struct
{
  guint64 frames_in;      /* access units received from the hub */
  guint64 frames_skipped; /* dropped by the budget (queued or incoming) */
  guint64 skips;          /* times the viewer was cut back to a keyframe */
  guint64 headers;        /* init segments / sequence headers queued */
  guint64 bytes_out;      /* handed out by ce_viewer_pop() */
  gsize bytes_queued;
  guint chunks_queued;
  gboolean should_drop;
} CeViewerStats;

/* Called when the queue becomes non-empty or the viewer should be
 * dropped; runs on the hub's streaming thread with the hub's lock held, and
 * already inside ce_viewer_new() for the cached GOP: wake a writer (for
 * example g_main_context_invoke() towards the connection), nothing more. */
typedef void (*CeViewerWakeFunc) (gpointer user_data);

/* Attaches to @hub at once (the cached GOP is muxed from inside this
 * call).  @config nullable for the defaults.  (transfer full) */
typedef struct _CeViewer CeViewer;
CeViewer *ce_viewer_new (CeHub *hub, CeViewerFormat format,
    const CeViewerConfig *config, CeViewerWakeFunc wake, gpointer user_data);
void ce_viewer_free (CeViewer *viewer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeViewer, ce_viewer_free)

/* The next chunk, oldest first, or NULL when the queue is empty: its
 * viewer-specific head, then in @body the payload shared with the other
 * viewers of the camera (NULL for headers), to be written after it.  With
 * @body NULL the two come joined in one buffer (a copy, for a WebSocket
 * message).  @kind and @keyframe nullable.  (transfer full) */
GBytes *ce_viewer_pop (CeViewer *viewer, GBytes **body, CeViewerChunkKind *kind,
    gboolean *keyframe);

/* Pops the media chunks at the head of the queue, each joined with its
 * body, onto @out: the first one whatever its size, the next ones while
 * @out stays within @max bytes; stops before a header chunk.  Returns the
 * bytes appended (0 when the queue is empty or starts with a header).
 * For a writer that sends a burst (the cached GOP) in few messages. */
gsize ce_viewer_pop_media (CeViewer *viewer, GByteArray *out, gsize max);

/* Ends the stream: an fMP4 viewer holds each access unit until the next
 * one gives its duration; this queues the held one with its nominal
 * duration.  Detaches from the hub. */
void ce_viewer_finish (CeViewer *viewer);

/* TRUE once the viewer skipped too often: close its connection. */
gboolean ce_viewer_should_drop (CeViewer *viewer);

/* The Content-Type: "video/mp4; codecs=\"avc1.64001f\"" (NULL before the
 * first parameter sets) or "video/x-flv".  (transfer full) */
char *ce_viewer_dup_content_type (CeViewer *viewer);

void ce_viewer_get_stats (CeViewer *viewer, CeViewerStats *stats);

/* Feeds an HLS segmenter from @hub until freed (the muxer runs only while
 * someone watches: the HTTP side creates it on the first playlist request
 * and frees it when nobody asked for a while).  (transfer full) */
typedef struct _CeHlsFeed CeHlsFeed;
CeHlsFeed *ce_hls_feed_new (CeHub *hub, CeHls *hls);
void ce_hls_feed_free (CeHlsFeed *feed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeHlsFeed, ce_hls_feed_free)

G_END_DECLS
