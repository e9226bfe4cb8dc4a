/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GET /metrics in the Prometheus text format (version 0.0.4).  Counters
 * that the relay keeps per stream (bytes in, GOP-cache hits, first-frame
 * times) are folded into process-wide counters by a one-second poll, so
 * that they do not go down when a stream closes.
 */
#include "ce-api-private.h"
#include "ce-api-mux.h"

#include <string.h>

#define POLL_MS 1000

static const double ff_buckets[] = {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10};
static const double snap_buckets[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
    5};

typedef struct
{
  guint64 counts[16]; /* per bucket, then +Inf */
  guint64 n;
  double sum;
} Histogram;

typedef struct
{
  gint64 since_us;
  guint64 bytes_in;
  guint64 cache_hits;
  gboolean ff_seen;
  gboolean alive;
} StreamMark;

struct _CeApiMetrics
{
  CeApi *api;           /* borrowed: owns us */
  GHashTable *requests; /* "route\nstatus" → guint64 * */
  GHashTable *marks;    /* "camera/profile" → StreamMark */
  guint poll_id;
  guint64 bytes_in;
  guint64 cache_hits;
  Histogram first_frame;
  Histogram snapshot[2]; /* cold, hot */
};

static void
observe (Histogram *h, const double *bounds, guint n_bounds, double v)
{
  guint i;

  for (i = 0; i < n_bounds && v > bounds[i]; i++)
    ;
  h->counts[i]++;
  h->n++;
  h->sum += v;
}

static gboolean
poll_streams (gpointer data)
{
  CeApiMetrics *m = data;
  g_autoptr (GPtrArray) streams = ce_relay_list_streams (m->api->relay);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, m->marks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((StreamMark *) value)->alive = FALSE;
  for (guint i = 0; i < streams->len; i++) {
    const CeStreamSnapshot *s = g_ptr_array_index (streams, i);
    g_autofree char *key = g_strdup_printf ("%s/%s", s->camera_id,
        ce_profile_to_string (s->profile));
    StreamMark *mark = g_hash_table_lookup (m->marks, key);

    if (mark == NULL || mark->since_us != s->since_us) {
      mark = g_new0 (StreamMark, 1);
      mark->since_us = s->since_us;
      g_hash_table_replace (m->marks, g_steal_pointer (&key), mark);
    }
    mark->alive = TRUE;
    if (s->hub.bytes_in >= mark->bytes_in)
      m->bytes_in += s->hub.bytes_in - mark->bytes_in;
    mark->bytes_in = s->hub.bytes_in;
    if (s->hub.cache_hits >= mark->cache_hits)
      m->cache_hits += s->hub.cache_hits - mark->cache_hits;
    mark->cache_hits = s->hub.cache_hits;
    if (!mark->ff_seen && s->first_frame.total_ms >= 0) {
      mark->ff_seen = TRUE;
      observe (&m->first_frame, ff_buckets, G_N_ELEMENTS (ff_buckets),
          s->first_frame.total_ms / 1000);
    }
  }
  g_hash_table_iter_init (&iter, m->marks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((StreamMark *) value)->alive)
      g_hash_table_iter_remove (&iter);
  return G_SOURCE_CONTINUE;
}

CeApiMetrics *
ce_api_metrics_new (CeApi *api)
{
  CeApiMetrics *m = g_new0 (CeApiMetrics, 1);

  m->api = api;
  m->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m->marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m->poll_id = g_timeout_add (POLL_MS, poll_streams, m);
  return m;
}

void
ce_api_metrics_free (CeApiMetrics *m)
{
  g_clear_handle_id (&m->poll_id, g_source_remove);
  g_hash_table_unref (m->requests);
  g_hash_table_unref (m->marks);
  g_free (m);
}

void
ce_api_metrics_count_request (CeApiMetrics *m, const char *route, guint status)
{
  g_autofree char *key = g_strdup_printf ("%s\n%u", route, status);
  guint64 *count = g_hash_table_lookup (m->requests, key);

  if (count == NULL) {
    count = g_new0 (guint64, 1);
    g_hash_table_insert (m->requests, g_steal_pointer (&key), count);
  }
  (*count)++;
}

void
ce_api_metrics_observe_snapshot (CeApiMetrics *m, double seconds, gboolean hot)
{
  observe (&m->snapshot[hot ? 1 : 0], snap_buckets, G_N_ELEMENTS (snap_buckets),
      seconds);
}

static void
print_histogram (GString *out, const char *name, const char *labels,
    const Histogram *h, const double *bounds, guint n_bounds)
{
  guint64 cumulative = 0;
  const char *sep = labels[0] != '\0' ? "," : "";

  for (guint i = 0; i < n_bounds; i++) {
    cumulative += h->counts[i];
    g_string_append_printf (out,
        "%s_bucket{%s%sle=\"%g\"} %" G_GUINT64_FORMAT "\n", name, labels, sep,
        bounds[i], cumulative);
  }
  g_string_append_printf (out,
      "%s_bucket{%s%sle=\"+Inf\"} %" G_GUINT64_FORMAT "\n", name, labels, sep,
      h->n);
  g_string_append_printf (out, "%s_sum{%s} %.6f\n", name, labels, h->sum);
  g_string_append_printf (out, "%s_count{%s} %" G_GUINT64_FORMAT "\n", name,
      labels, h->n);
}

/* Label values: the route patterns and statuses are ours; escape anyway. */
void
ce_api_metrics_append_label (GString *out, const char *v)
{
  for (; *v != '\0'; v++) {
    if (*v == '\\' || *v == '"')
      g_string_append_c (out, '\\');
    if (*v == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *v);
  }
}

void
ce_api_metrics_get (CeApiRequest *req)
{
  CeApiMetrics *m = req->api->metrics;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_sized_new (4096);
  g_autoptr (GList) keys = NULL;
  CeRelayStats relay;
  CeRtspServerStats rtsp;
  CeApiLiveStats live;
  gsize len;

  if (!ce_api_params_check (req->params, NULL, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  poll_streams (m);
  ce_relay_get_stats (req->api->relay, &relay);
  ce_rtsp_server_get_stats (req->api->rtsp, &rtsp);
  ce_api_live_get_stats (req->api, &live);

  g_string_append_printf (out,
      "# HELP cityeye_upstreams_active Camera upstreams held by the relay.\n"
      "# TYPE cityeye_upstreams_active gauge\n"
      "cityeye_upstreams_active %u\n"
      "# HELP cityeye_upstreams_connecting Upstreams connecting or retrying.\n"
      "# TYPE cityeye_upstreams_connecting gauge\n"
      "cityeye_upstreams_connecting %u\n"
      "# HELP cityeye_upstream_starts_total Upstreams started.\n"
      "# TYPE cityeye_upstream_starts_total counter\n"
      "cityeye_upstream_starts_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_upstream_reconnects_total Camera reconnects.\n"
      "# TYPE cityeye_upstream_reconnects_total counter\n"
      "cityeye_upstream_reconnects_total %" G_GUINT64_FORMAT "\n",
      relay.streams, relay.connecting, relay.starts, relay.reconnects);
  g_string_append_printf (out,
      "# HELP cityeye_viewers Viewers connected, by protocol.\n"
      "# TYPE cityeye_viewers gauge\n"
      "cityeye_viewers{protocol=\"rtsp\",transport=\"tcp\"} %u\n"
      "cityeye_viewers{protocol=\"rtsp\",transport=\"udp\"} %u\n"
      "cityeye_viewers{protocol=\"ws\"} %u\n"
      "cityeye_viewers{protocol=\"mp4\"} %u\n"
      "cityeye_viewers{protocol=\"flv\"} %u\n"
      "cityeye_viewers{protocol=\"hls\"} %u\n"
      "# HELP cityeye_rtsp_connections Open RTSP connections.\n"
      "# TYPE cityeye_rtsp_connections gauge\n"
      "cityeye_rtsp_connections %u\n"
      "# HELP cityeye_bytes_in_total Media bytes received from cameras.\n"
      "# TYPE cityeye_bytes_in_total counter\n"
      "cityeye_bytes_in_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_bytes_out_total Media bytes sent to viewers.\n"
      "# TYPE cityeye_bytes_out_total counter\n"
      "cityeye_bytes_out_total{protocol=\"rtsp\"} %" G_GUINT64_FORMAT "\n"
      "cityeye_bytes_out_total{protocol=\"ws\"} %" G_GUINT64_FORMAT "\n"
      "cityeye_bytes_out_total{protocol=\"mp4\"} %" G_GUINT64_FORMAT "\n"
      "cityeye_bytes_out_total{protocol=\"flv\"} %" G_GUINT64_FORMAT "\n"
      "cityeye_bytes_out_total{protocol=\"hls\"} %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_gop_cache_hits_total Viewers started from the cached "
      "GOP.\n"
      "# TYPE cityeye_gop_cache_hits_total counter\n"
      "cityeye_gop_cache_hits_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_viewer_frames_skipped_total Frames skipped for slow "
      "viewers (RTSP and browser).\n"
      "# TYPE cityeye_viewer_frames_skipped_total counter\n"
      "cityeye_viewer_frames_skipped_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_viewers_dropped_total Viewers dropped for being too "
      "slow.\n"
      "# TYPE cityeye_viewers_dropped_total counter\n"
      "cityeye_viewers_dropped_total %" G_GUINT64_FORMAT "\n",
      rtsp.viewers_tcp, rtsp.viewers_udp, live.viewers[CE_API_LIVE_WS],
      live.viewers[CE_API_LIVE_MP4], live.viewers[CE_API_LIVE_FLV],
      live.viewers[CE_API_LIVE_HLS], rtsp.connections, m->bytes_in,
      rtsp.bytes_out, live.bytes_out[CE_API_LIVE_WS],
      live.bytes_out[CE_API_LIVE_MP4], live.bytes_out[CE_API_LIVE_FLV],
      live.bytes_out[CE_API_LIVE_HLS], m->cache_hits,
      rtsp.frames_skipped + live.frames_skipped,
      rtsp.viewers_dropped + live.viewers_dropped);
  ce_api_walls_append_metrics (req->api, out);
  ce_api_mosaics_append_metrics (req->api, out);
  ce_api_mux_append_metrics (req->api, out);
  ce_api_checks_append_metrics (req->api, out);
  g_string_append_printf (out,
      "# HELP cityeye_transcodes H.265 to H.264 transcodes running "
      "([http] transcode_max).\n"
      "# TYPE cityeye_transcodes gauge\n"
      "cityeye_transcodes %u\n"
      "# HELP cityeye_transcodes_started_total H.265 to H.264 transcodes "
      "started.\n"
      "# TYPE cityeye_transcodes_started_total counter\n"
      "cityeye_transcodes_started_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_transcodes_refused_total Browser viewers refused an "
      "H.264 transcode (off, or all in use).\n"
      "# TYPE cityeye_transcodes_refused_total counter\n"
      "cityeye_transcodes_refused_total %" G_GUINT64_FORMAT "\n",
      live.transcodes, live.transcodes_started, live.transcodes_refused);

  g_string_append (out,
      "# HELP cityeye_first_frame_seconds From the first viewer's request "
      "to the first packet out, per upstream start.\n"
      "# TYPE cityeye_first_frame_seconds histogram\n");
  print_histogram (out, "cityeye_first_frame_seconds", "", &m->first_frame,
      ff_buckets, G_N_ELEMENTS (ff_buckets));
  g_string_append (out,
      "# HELP cityeye_snapshot_seconds Snapshot latency; hot = decoded from "
      "a running camera's cache, cold = camera pulled for it.\n"
      "# TYPE cityeye_snapshot_seconds histogram\n");
  print_histogram (out, "cityeye_snapshot_seconds", "cache=\"cold\"",
      &m->snapshot[0], snap_buckets, G_N_ELEMENTS (snap_buckets));
  print_histogram (out, "cityeye_snapshot_seconds", "cache=\"hot\"",
      &m->snapshot[1], snap_buckets, G_N_ELEMENTS (snap_buckets));

  g_string_append (out,
      "# HELP cityeye_http_requests_total HTTP requests, by route and "
      "status.\n"
      "# TYPE cityeye_http_requests_total counter\n");
  keys = g_hash_table_get_keys (m->requests);
  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  for (GList *l = keys; l != NULL; l = l->next) {
    const char *key = l->data;
    const char *nl = strchr (key, '\n');
    g_autofree char *route = g_strndup (key, nl - key);
    guint64 *count = g_hash_table_lookup (m->requests, key);

    g_string_append (out, "cityeye_http_requests_total{route=\"");
    ce_api_metrics_append_label (out, route);
    g_string_append_printf (out, "\",status=\"%s\"} %" G_GUINT64_FORMAT "\n",
        nl + 1, *count);
  }

  /* Registered cameras by source and status, as the health sweeps last
   * saw them (在线率 at a glance; history is in /api/v1/stats/online). */
  {
    g_autoptr (GError) stats_error = NULL;
    g_autoptr (GPtrArray) rows = ce_registry_stats (req->api->registry,
        CE_STATS_BY_SOURCE, NULL, &stats_error);

    if (rows == NULL) {
      g_warning ("Metrics: camera counts: %s", stats_error->message);
    } else {
      g_string_append (out,
          "# HELP cityeye_cameras Registered cameras, by source and status "
          "(online, offline, unknown = never probed).\n"
          "# TYPE cityeye_cameras gauge\n");
      for (guint i = 0; i < rows->len; i++) {
        const CeStatsRow *r = g_ptr_array_index (rows, i);
        const char *status[] = {"online", "offline", "unknown"};
        gint64 n[] = {r->online, r->offline, r->unknown};

        for (guint k = 0; k < G_N_ELEMENTS (status); k++) {
          g_string_append (out, "cityeye_cameras{source=\"");
          ce_api_metrics_append_label (out, r->key);
          g_string_append_printf (out,
              "\",status=\"%s\"} %" G_GINT64_FORMAT "\n", status[k], n[k]);
        }
      }
    }
  }

  ce_api_admission_append_metrics (req->api, out);
  len = out->len;
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg,
      "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_TAKE,
      g_string_free (g_steal_pointer (&out), FALSE), len);
}
