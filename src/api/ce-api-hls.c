/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * HLS (CMAF) of a camera.  A play token lives 60 s but an HLS player
 * polls for as long as it plays, so the token is exchanged once:
 * GET .../hls/index.m3u8?token=T answers a master playlist whose one
 * variant is live.m3u8?session=S, S being 128 random bits bound to the
 * user, the camera and the profile.  Playlists and segments carry
 * ?session=S; a session ends after [http] hls_idle without a request, and
 * the camera's segmenter (one per camera and profile, a hub consumer
 * through the relay) ends with its last session.
 */
#include "ce-api-private.h"

#include <string.h>
#include <sys/random.h>

/* One acquisition per segmenter, an ad hoc view for admission. */
static const CeAcquireOptions hls_holder = {CE_PRIORITY_VIEW, "hls"};

#include "ce-viewer.h"

#define SWEEP_S 1
#define WAIT_POLL_MS 50
/* A cold camera: the first segment needs the connection, a keyframe and
 * one target duration of media. */
#define FIRST_SEGMENT_TIMEOUT_US (15 * G_USEC_PER_SEC)

typedef struct _Muxer Muxer;

typedef struct
{
  char *sid;
  Muxer *muxer; /* holds one of its sessions */
  CePrincipal *principal;
  char *camera_id;
  CeProfile profile;
  char *peer;
  gint64 start_us; /* real time */
  gint64 last_us;  /* monotonic: the last request */
  guint64 bytes;
} Session;

typedef struct
{
  SoupServerMessage *msg; /* owned ref, paused */
  char *sid;
  gboolean master;
  gint64 deadline_us;
} Waiter;

struct _Muxer
{
  CeApiHls *owner;
  char *key; /* "camera/profile" */
  CeStream *stream;
  CeHls *hls;
  CeHlsFeed *feed;
  guint sessions;
};

struct _CeApiHls
{
  CeApi *api;           /* borrowed: owns us */
  GHashTable *muxers;   /* key → Muxer (owned) */
  GHashTable *sessions; /* sid → Session (owned) */
  GList *waiters;       /* Waiter (owned) */
  guint sweep_id;
  guint wait_id;
  guint64 bytes_ended;
};

static void
muxer_free (Muxer *m)
{
  g_clear_pointer (&m->feed, ce_hls_feed_free);
  g_clear_pointer (&m->hls, ce_hls_free);
  if (m->stream != NULL)
    ce_relay_release_full (m->owner->api->relay, g_steal_pointer (&m->stream),
        &hls_holder);
  g_free (m->key);
  g_free (m);
}

static void
audit (CeApiHls *h, Session *s, const char *action, gint64 end_us)
{
  ce_api_live_audit (h->api, s->principal, s->camera_id, "hls", s->peer, action,
      s->start_us, end_us, s->bytes);
}

/* Removes @s from the table (which frees it). */
static void
session_end (CeApiHls *h, Session *s, const char *why)
{
  gint64 now = g_get_real_time ();
  Muxer *m = s->muxer;

  audit (h, s, "stop", now);
  h->bytes_ended += s->bytes;
  g_message ("HTTP hls viewer %s stopped camera %s from %s after %.1f s, "
             "%" G_GUINT64_FORMAT " bytes (%s, audited)",
      s->principal->user, s->camera_id, s->peer, (now - s->start_us) / 1e6,
      s->bytes, why);
  if (--m->sessions == 0)
    g_hash_table_remove (h->muxers, m->key);
  g_hash_table_remove (h->sessions, s->sid);
}

static void
session_free (Session *s)
{
  g_free (s->sid);
  ce_principal_unref (s->principal);
  g_free (s->camera_id);
  g_free (s->peer);
  g_free (s);
}

static void
waiter_free (Waiter *w)
{
  g_object_unref (w->msg);
  g_free (w->sid);
  g_free (w);
}

static void
respond_bytes (SoupServerMessage *msg, const char *type, GBytes *bytes)
{
  gsize len;
  gconstpointer data = g_bytes_get_data (bytes, &len);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Cache-Control", "no-store");
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, data, len);
}

static void
respond_text (Session *s, SoupServerMessage *msg, char *text)
{
  g_autoptr (GBytes) bytes = g_bytes_new_take (text, strlen (text));

  s->bytes += g_bytes_get_size (bytes);
  respond_bytes (msg, "application/vnd.apple.mpegurl", bytes);
}

/* The master playlist: one variant, the session's media playlist.  NULL
 * until the segmenter has a segment. */
static char *
master_playlist (Session *s)
{
  CeHub *hub = ce_stream_get_hub (s->muxer->stream);
  g_autofree char *media = ce_hls_dup_playlist (s->muxer->hls);
  g_autofree char *codecs = NULL;
  CeVideoParams params;
  CeHubStats st;
  GString *out;

  if (media == NULL)
    return NULL;
  ce_hub_dup_params (hub, &params);
  codecs = ce_video_params_codec_string (&params);
  ce_video_params_clear (&params);
  ce_hub_get_stats (hub, &st);
  out = g_string_new ("#EXTM3U\n#EXT-X-VERSION:7\n"
                      "#EXT-X-INDEPENDENT-SEGMENTS\n");
  g_string_append_printf (out, "#EXT-X-STREAM-INF:BANDWIDTH=%" G_GUINT64_FORMAT,
      st.bitrate_bps > 0 ? (guint64) st.bitrate_bps : 2000000);
  if (codecs != NULL)
    g_string_append_printf (out, ",CODECS=\"%s\"", codecs);
  if (st.width > 0 && st.height > 0)
    g_string_append_printf (out, ",RESOLUTION=%ux%u", st.width, st.height);
  g_string_append_printf (out, "\nlive.m3u8?session=%s\n", s->sid);
  return g_string_free (out, FALSE);
}

/* The segmenter's playlist with ?session= on every URI. */
static char *
media_playlist (Session *s)
{
  g_autofree char *media = ce_hls_dup_playlist (s->muxer->hls);
  g_auto (GStrv) lines = NULL;
  GString *out;

  if (media == NULL)
    return NULL;
  lines = g_strsplit (media, "\n", -1);
  out = g_string_sized_new (strlen (media) + 512);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *l = lines[i];
    const char *uri;

    if (*l == '\0')
      continue;
    if (*l != '#') {
      g_string_append_printf (out, "%s?session=%s\n", l, s->sid);
    } else if ((uri = strstr (l, "URI=\"")) != NULL) {
      const char *end = strchr (uri + 5, '"');

      if (end == NULL) {
        g_string_append_printf (out, "%s\n", l);
        continue;
      }
      g_string_append_len (out, l, end - l);
      g_string_append_printf (out, "?session=%s%s\n", s->sid, end);
    } else {
      g_string_append_printf (out, "%s\n", l);
    }
  }
  return g_string_free (out, FALSE);
}

/* Answers a playlist request now, or FALSE when there is nothing yet. */
static gboolean
try_playlist (Session *s, SoupServerMessage *msg, gboolean master)
{
  char *text = master ? master_playlist (s) : media_playlist (s);

  if (text == NULL)
    return FALSE;
  respond_text (s, msg, text);
  return TRUE;
}

static gboolean
check_waiters (gpointer data)
{
  CeApiHls *h = data;
  gint64 now = g_get_monotonic_time ();
  GList *l = h->waiters;

  while (l != NULL) {
    GList *next = l->next;
    Waiter *w = l->data;
    Session *s = g_hash_table_lookup (h->sessions, w->sid);
    gboolean done = TRUE;

    if (s == NULL) {
      ce_api_respond_error (w->msg, CE_API_ERROR_NOT_FOUND,
          "HLS session ended");
    } else if (try_playlist (s, w->msg, w->master)) {
      s->last_us = now;
    } else if (now >= w->deadline_us) {
      g_autofree char *m = g_strdup_printf (
          "Camera %s did not give a first HLS segment in time", s->camera_id);

      ce_api_respond_error (w->msg, CE_API_ERROR_TIMEOUT, m);
    } else {
      done = FALSE;
    }
    if (done) {
      soup_server_message_unpause (w->msg);
      waiter_free (w);
      h->waiters = g_list_delete_link (h->waiters, l);
    }
    l = next;
  }
  if (h->waiters != NULL)
    return G_SOURCE_CONTINUE;
  h->wait_id = 0;
  return G_SOURCE_REMOVE;
}

static void
playlist (CeApiHls *h, Session *s, SoupServerMessage *msg, gboolean master)
{
  Waiter *w;

  if (try_playlist (s, msg, master))
    return;
  w = g_new0 (Waiter, 1);
  w->msg = g_object_ref (msg);
  w->sid = g_strdup (s->sid);
  w->master = master;
  w->deadline_us = g_get_monotonic_time () + FIRST_SEGMENT_TIMEOUT_US;
  soup_server_message_pause (msg);
  h->waiters = g_list_append (h->waiters, w);
  if (h->wait_id == 0)
    h->wait_id = g_timeout_add (WAIT_POLL_MS, check_waiters, h);
}

static gboolean
sweep (gpointer data)
{
  CeApiHls *h = data;
  gint64 now = g_get_monotonic_time ();
  gint64 idle = (gint64) h->api->config.hls_idle_ms * 1000;
  GList *all = g_hash_table_get_values (h->sessions);

  for (GList *l = all; l != NULL; l = l->next) {
    Session *s = l->data;

    if (now - s->last_us > idle)
      session_end (h, s, "no request for a while");
  }
  g_list_free (all);
  return G_SOURCE_CONTINUE;
}

static char *
new_session_id (void)
{
  guint8 raw[16];
  GString *hex = g_string_sized_new (33);

  /* The id is the credential of the session: from the kernel's CSPRNG. */
  if (getrandom (raw, sizeof (raw), 0) != sizeof (raw))
    g_error ("getrandom() failed: %s", g_strerror (errno));
  for (guint i = 0; i < sizeof (raw); i++)
    g_string_append_printf (hex, "%02x", raw[i]);
  return g_string_free (hex, FALSE);
}

void
ce_api_hls_index (CeApiRequest *req)
{
  static const char *const known[] = {"token", "profile", NULL};
  CeApiHls *h = req->api->hls;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamera) camera = NULL;
  g_autofree char *key = NULL;
  CeProfile profile;
  Muxer *m;
  Session *s;

  if (!ce_api_params_check (req->params, known, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (!ce_api_live_parse_profile (req, &profile))
    return;
  camera = ce_api_request_camera (req, &error);
  if (camera == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  key = g_strdup_printf ("%s/%s", camera->id, ce_profile_to_string (profile));
  m = g_hash_table_lookup (h->muxers, key);
  if (m == NULL) {
    CeHlsConfig hc = {req->api->config.hls_segment_ms, 6};
    CeStream *stream = ce_relay_acquire_full (req->api->relay, camera->id,
        profile, &hls_holder, &error);

    if (stream == NULL) {
      ce_api_respond_error (req->msg, ce_api_relay_error_code (error),
          error->message);
      return;
    }
    m = g_new0 (Muxer, 1);
    m->owner = h;
    m->key = g_strdup (key);
    m->stream = stream;
    m->hls = ce_hls_new (&hc);
    m->feed = ce_hls_feed_new (ce_stream_get_hub (stream), m->hls);
    g_hash_table_insert (h->muxers, m->key, m);
    ce_stream_note_first_out (stream);
  }
  s = g_new0 (Session, 1);
  s->sid = new_session_id ();
  s->muxer = m;
  m->sessions++;
  s->principal = ce_principal_ref (req->principal);
  s->camera_id = g_strdup (camera->id);
  s->profile = profile;
  s->peer = ce_api_peer (req->msg);
  s->start_us = g_get_real_time ();
  s->last_us = g_get_monotonic_time ();
  g_hash_table_insert (h->sessions, s->sid, s);
  audit (h, s, "start", 0);
  g_message ("HTTP hls viewer %s started camera %s from %s", s->principal->user,
      s->camera_id, s->peer);
  playlist (h, s, req->msg, TRUE);
}

static gboolean
file_name_valid (const char *name)
{
  gsize n = strlen (name);

  if (n == 0 || n > 40)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

void
ce_api_hls_file (CeApiRequest *req)
{
  static const char *const known[] = {"session", NULL};
  CeApiHls *h = req->api->hls;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const char *sid = g_hash_table_lookup (req->params, "session");
  Session *s;

  if (!ce_api_params_check (req->params, known, &error)) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  if (!file_name_valid (req->file)) {
    ce_api_respond_error (req->msg, CE_API_ERROR_NOT_FOUND, "No such file");
    return;
  }
  s = sid != NULL ? g_hash_table_lookup (h->sessions, sid) : NULL;
  /* An unknown session and one of another camera look the same. */
  if (s == NULL || strcmp (s->camera_id, req->id) != 0) {
    ce_api_respond_error (req->msg, CE_API_ERROR_UNAUTHORIZED,
        "No such HLS session (ended after a while without requests): load "
        "hls/index.m3u8 again with a new play token");
    return;
  }
  s->last_us = g_get_monotonic_time ();
  if (strcmp (req->file, "live.m3u8") == 0) {
    playlist (h, s, req->msg, FALSE);
    return;
  }
  bytes = ce_hls_dup_file (s->muxer->hls, req->file);
  if (bytes == NULL) {
    ce_api_respond_error (req->msg, CE_API_ERROR_NOT_FOUND,
        "No such segment (left the window, or never was)");
    return;
  }
  s->bytes += g_bytes_get_size (bytes);
  respond_bytes (req->msg, "video/mp4", bytes);
}

CeApiHls *
ce_api_hls_new (CeApi *api)
{
  CeApiHls *h = g_new0 (CeApiHls, 1);

  h->api = api;
  h->muxers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) muxer_free);
  h->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) session_free);
  h->sweep_id = g_timeout_add_seconds (SWEEP_S, sweep, h);
  return h;
}

void
ce_api_hls_free (CeApiHls *h)
{
  GList *all;

  if (h == NULL)
    return;
  g_clear_handle_id (&h->sweep_id, g_source_remove);
  g_clear_handle_id (&h->wait_id, g_source_remove);
  for (GList *l = h->waiters; l != NULL; l = l->next) {
    Waiter *w = l->data;

    ce_api_respond_error (w->msg, CE_API_ERROR_UNAVAILABLE,
        "The gateway is shutting down");
    soup_server_message_unpause (w->msg);
    waiter_free (w);
  }
  g_list_free (h->waiters);
  all = g_hash_table_get_values (h->sessions);
  for (GList *l = all; l != NULL; l = l->next)
    session_end (h, l->data, "gateway stopping");
  g_list_free (all);
  g_hash_table_unref (h->sessions);
  g_hash_table_unref (h->muxers);
  g_free (h);
}

void
ce_api_hls_add_stats (CeApi *api, CeApiLiveStats *stats)
{
  CeApiHls *h = api->hls;
  GHashTableIter iter;
  gpointer value;

  stats->viewers[CE_API_LIVE_HLS] = g_hash_table_size (h->sessions);
  stats->bytes_out[CE_API_LIVE_HLS] = h->bytes_ended;
  g_hash_table_iter_init (&iter, h->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    stats->bytes_out[CE_API_LIVE_HLS] += ((Session *) value)->bytes;
}

void
ce_api_hls_list (CeApi *api, GPtrArray *out)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, api->hls->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Session *s = value;
    CeApiLiveInfo *info = g_new0 (CeApiLiveInfo, 1);

    info->protocol = CE_API_LIVE_HLS;
    info->channel = -1;
    info->camera_id = g_strdup (s->camera_id);
    info->profile = s->profile;
    info->peer = g_strdup (s->peer);
    info->user = g_strdup (s->principal->user);
    info->bytes = s->bytes;
    info->since_us = s->start_us;
    /* Its first playlist waits for the first segment. */
    info->connecting = ce_hls_get_segments_produced (s->muxer->hls) == 0;
    g_ptr_array_add (out, info);
  }
}

/* The segmenter's camera stream was closed for a higher-priority pull:
 * its sessions end (their next request is a 404). */
guint
ce_api_hls_preempted (CeApi *api, CeStream *stream, const char *reason)
{
  CeApiHls *h = api->hls;
  GList *all = g_hash_table_get_values (h->sessions);
  guint n = 0;

  for (GList *l = all; l != NULL; l = l->next) {
    Session *s = l->data;

    if (s->muxer->stream != stream)
      continue;
    session_end (h, s, reason);
    n++;
  }
  g_list_free (all);
  return n;
}

guint
ce_api_hls_kick (CeApi *api, const char *camera_id, int profile,
    const char *peer)
{
  CeApiHls *h = api->hls;
  GList *all = g_hash_table_get_values (h->sessions);
  guint n = 0;

  for (GList *l = all; l != NULL; l = l->next) {
    Session *s = l->data;

    if (strcmp (s->camera_id, camera_id) != 0 ||
        (profile >= 0 && (int) s->profile != profile) ||
        (peer != NULL && strcmp (s->peer, peer) != 0))
      continue;
    session_end (h, s, "closed by an admin");
    n++;
  }
  g_list_free (all);
  return n;
}
