/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The cityeye engine of the simulator (see ce-camsim-lite.h).
 */
#include "ce-camsim-lite.h"

#include <string.h>

#include "ce-camsim-private.h"
#include "ce-hub.h"
#include "ce-rtsp-server.h"

/* A feed that falls this far behind (the machine is overloaded) skips to
 * the present, as the gst-rtsp-server engine's ticker does. */
#define MAX_BACKLOG_SECONDS 1

struct _CeCamsimLite
{
  const CeCamsimConfig *config; /* borrowed */
  CeCamsimCameras *cameras;     /* borrowed */
  CeCamsimLoops *loops;         /* borrowed */
  CeRtspServer *server;
  gint64 epoch;      /* monotonic µs of frame 0 */
  GHashTable *feeds; /* "name/profile" → Feed; main context only */
  guint tick_id;
};

/* One camera stream while someone watches it: the "media" of this engine,
 * shared by every connection to the same camera and profile. */
typedef struct
{
  CeCamsimLite *lite;
  char *key;
  CeCamsimCamera *camera; /* borrowed: camera records live as long as the
                           * engine */
  CeCamsimProfile profile;
  CeCamsimStreamStats *stats; /* inside @camera */
  CeHub *hub;
  CeCamsimLoop *loop;
  guint variant;
  guint viewers;
  gboolean started;
  guint64 first_frame;
  guint64 next_frame;
  guint64 phase;
} Feed;

static void
feed_free (Feed *feed)
{
  g_atomic_int_add (&feed->stats->media_active, -1);
  ce_hub_unref (feed->hub);
  g_free (feed->key);
  g_free (feed);
}

static CeCodec
hub_codec (CeCamsimCodec codec)
{
  return codec == CE_CAMSIM_CODEC_H265 ? CE_CODEC_H265 : CE_CODEC_H264;
}

/* Where a new feed starts in its loop: the camera's own clock (a fixed
 * phase from its name) or, with --start-at-idr, a keyframe. */
static void
feed_start (Feed *feed, guint64 frame)
{
  guint n = feed->loop->units->len;

  feed->first_frame = frame;
  feed->next_frame = frame;
  feed->phase = feed->lite->config->start_at_idr ? (n - frame % n) % n
                                                 : feed->camera->hash % n;
  feed->started = TRUE;
}

static void
feed_tick (Feed *feed, guint64 frame)
{
  const CeCamsimConfig *config = feed->lite->config;
  guint variant = (guint) g_atomic_int_get (&feed->stats->variant);
  gboolean stalled =
      ce_camsim_camera_get_mode (feed->camera) == CE_CAMSIM_FAULT_STALL;
  guint n;

  if (variant != feed->variant) {
    CeCamsimLoop *loop = ce_camsim_loops_peek (feed->lite->loops,
        feed->camera->codec, feed->profile, variant);

    if (loop != NULL) {
      GST_INFO ("camera %s/%s: switching to %ux%u", feed->camera->name,
          ce_camsim_profile_to_string (feed->profile), loop->width,
          loop->height);
      feed->loop = loop;
      feed->variant = variant;
      /* A restarted encoder: the new size starts with an IDR. */
      n = loop->units->len;
      feed->phase = (n - feed->next_frame % n) % n;
    }
  }
  if (!feed->started)
    feed_start (feed, frame);
  n = feed->loop->units->len;
  if (frame > feed->next_frame + MAX_BACKLOG_SECONDS * config->fps) {
    GST_WARNING ("camera %s/%s: %" G_GUINT64_FORMAT " frames behind, "
                 "skipping ahead",
        feed->camera->name, ce_camsim_profile_to_string (feed->profile),
        frame - feed->next_frame);
    feed->next_frame = frame;
  }
  for (; feed->next_frame <= frame; feed->next_frame++) {
    guint64 f = feed->next_frame;
    GstBuffer *unit;

    if (stalled)
      continue;
    /* A shallow copy: the encoded bytes are shared by every camera. */
    unit = gst_buffer_copy (
        g_ptr_array_index (feed->loop->units, (guint) ((f + feed->phase) % n)));
    GST_BUFFER_PTS (unit) =
        gst_util_uint64_scale (f - feed->first_frame, GST_SECOND, config->fps);
    GST_BUFFER_DTS (unit) = GST_BUFFER_PTS (unit);
    GST_BUFFER_DURATION (unit) =
        gst_util_uint64_scale (1, GST_SECOND, config->fps);
    /* The hub drops the units before the first keyframe, as a client of a
     * camera that starts mid-GOP does. */
    ce_hub_push (feed->hub, hub_codec (feed->camera->codec), unit,
        f == feed->first_frame);
    g_atomic_int_inc (&feed->stats->frames_sent);
  }
}

static gboolean
on_tick (gpointer data)
{
  CeCamsimLite *self = data;
  guint64 frame = (guint64) (g_get_monotonic_time () - self->epoch) *
      self->config->fps / G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->feeds);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    feed_tick (value, frame);
  return G_SOURCE_CONTINUE;
}

/* ---- the RTSP server's virtual streams: /cam/NAME[?profile=sub] -------- */

static gpointer
lite_open (const CeRtspVirtualRequest *req, CeHub **hub, char **name,
    guint *status, GError **error, gpointer user_data)
{
  CeCamsimLite *self = user_data;
  const char *cam = req->path + strlen ("cam/");
  CeCamsimProfile profile = req->profile == CE_PROFILE_SUB
      ? CE_CAMSIM_PROFILE_SUB
      : CE_CAMSIM_PROFILE_MAIN;
  g_autofree char *key = NULL;
  CeCamsimCamera *camera;
  Feed *feed;

  camera = g_str_has_prefix (req->path, "cam/")
      ? ce_camsim_cameras_get (self->cameras, cam)
      : NULL;
  if (camera == NULL) {
    *status = 404;
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Not a camera: /cam/NAME, NAME 1 to 64 of A-Z a-z 0-9 _ . -");
    return NULL;
  }
  g_atomic_int_inc (&camera->streams[profile].connections_total);
  if (ce_camsim_camera_get_mode (camera) == CE_CAMSIM_FAULT_REFUSE) {
    g_atomic_int_inc (&camera->refused);
    *status = 503;
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Camera %s is offline (refuse fault)", camera->name);
    return NULL;
  }
  key = g_strdup_printf ("%s/%s", camera->name,
      ce_camsim_profile_to_string (profile));
  feed = g_hash_table_lookup (self->feeds, key);
  if (feed == NULL) {
    guint variant =
        (guint) g_atomic_int_get (&camera->streams[profile].variant);
    CeCamsimLoop *loop = ce_camsim_loops_ensure (self->loops, camera->codec,
        profile, variant, error);

    if (loop == NULL) {
      *status = 500;
      return NULL;
    }
    feed = g_new0 (Feed, 1);
    feed->lite = self;
    feed->key = g_steal_pointer (&key);
    feed->camera = camera;
    feed->profile = profile;
    feed->stats = &camera->streams[profile];
    feed->hub = ce_hub_new (feed->key, NULL);
    feed->loop = loop;
    feed->variant = variant;
    g_hash_table_insert (self->feeds, feed->key, feed);
    g_atomic_int_inc (&feed->stats->media_created);
    g_atomic_int_inc (&feed->stats->media_active);
    GST_DEBUG ("camera %s: feed starts", feed->key);
  }
  feed->viewers++;
  g_atomic_int_inc (&feed->stats->connections_active);
  *hub = feed->hub;
  *name = g_strdup_printf ("camsim %s", feed->key);
  return feed;
}

static void
lite_close (gpointer handle, gpointer user_data)
{
  CeCamsimLite *self = user_data;
  Feed *feed = handle;

  g_atomic_int_add (&feed->stats->connections_active, -1);
  if (--feed->viewers == 0) {
    GST_DEBUG ("camera %s: feed stops", feed->key);
    g_hash_table_remove (self->feeds, feed->key);
  }
}

static const CeRtspVirtualFuncs lite_funcs = {lite_open, lite_close};

/* ---- control (any thread) --------------------------------------------- */

gboolean
ce_camsim_lite_supports_fault (CeCamsimFaultMode mode, GError **error)
{
  switch (mode) {
    case CE_CAMSIM_FAULT_NONE:
    case CE_CAMSIM_FAULT_REFUSE:
    case CE_CAMSIM_FAULT_DROP:
    case CE_CAMSIM_FAULT_STALL:
    case CE_CAMSIM_FAULT_RESIZE:
    case CE_CAMSIM_FAULT_BLACK:
    case CE_CAMSIM_FAULT_FROZEN:
      return TRUE;
    default:
      g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
          "Fault %s is not simulated by --engine=cityeye (refuse, drop, "
          "stall, resize, black and frozen are; use --engine=gst)",
          ce_camsim_fault_to_string (mode));
      return FALSE;
  }
}

typedef struct
{
  CeCamsimLite *self;
  CeCamsimCamera *camera;
} DropRequest;

static gboolean
on_drop (gpointer data)
{
  DropRequest *r = data;
  g_autoptr (GPtrArray) hubs =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_hub_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, r->self->feeds);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Feed *feed = value;

    if (feed->camera == r->camera)
      g_ptr_array_add (hubs, ce_hub_ref (feed->hub));
  }
  /* Closing a connection may free its feed: walk a copy. */
  for (guint i = 0; i < hubs->len; i++) {
    guint n = ce_rtsp_server_kick_hub (r->self->server, hubs->pdata[i]);

    g_atomic_int_add (&r->camera->dropped, (gint) n);
  }
  g_free (r);
  return G_SOURCE_REMOVE;
}

static gboolean
lite_set_fault (gpointer engine, const char *name, CeCamsimFaultMode mode,
    int slow_ms, GError **error)
{
  CeCamsimLite *self = engine;
  CeCamsimCamera *camera = ce_camsim_cameras_get (self->cameras, name);

  if (camera == NULL) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Not a camera name: “%s” (1 to 64 of A-Z a-z 0-9 _ . -)", name);
    return FALSE;
  }
  if (!ce_camsim_lite_supports_fault (mode, error))
    return FALSE;
  if (ce_camsim_variant_for_fault (mode) != CE_CAMSIM_VARIANT_NORMAL) {
    /* The normal loop and the fault's first, so that the tick switches
     * without waiting for an encoder. */
    for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++) {
      guint variants[] = {CE_CAMSIM_VARIANT_NORMAL,
          ce_camsim_variant_for_fault (mode)};

      for (guint v = 0; v < G_N_ELEMENTS (variants); v++) {
        if (!ce_camsim_loops_ensure (self->loops, camera->codec,
                (CeCamsimProfile) p, variants[v], error)) {
          g_prefix_error (error, "Camera %s: ", name);
          return FALSE;
        }
      }
    }
  }
  ce_camsim_cameras_set_fault (self->cameras, camera, mode, slow_ms);
  GST_INFO ("camera %s: fault %s", name, ce_camsim_fault_to_string (mode));
  if (mode == CE_CAMSIM_FAULT_DROP) {
    DropRequest *r = g_new0 (DropRequest, 1);

    r->self = self;
    r->camera = camera;
    g_main_context_invoke (NULL, on_drop, r);
  }
  return TRUE;
}

static void
lite_reset (gpointer engine)
{
  CeCamsimLite *self = engine;

  ce_camsim_cameras_reset (self->cameras);
  GST_INFO ("faults and counters reset");
}

static JsonNode *
lite_dup_stats (gpointer engine)
{
  CeCamsimLite *self = engine;
  JsonNode *root = ce_camsim_cameras_to_json (self->cameras);
  JsonObject *object = json_node_get_object (root);

  json_object_set_string_member (object, "engine", "cityeye");
  json_object_set_int_member (object, "rtsp_port",
      ce_rtsp_server_get_port (self->server));
  return root;
}

static JsonNode *
lite_dup_camera_stats (gpointer engine, const char *name)
{
  CeCamsimLite *self = engine;
  CeCamsimCamera *camera = ce_camsim_cameras_get (self->cameras, name);

  return camera != NULL ? ce_camsim_camera_to_json (camera) : NULL;
}

const CeCamsimEngineFuncs ce_camsim_lite_engine = {
    lite_set_fault,
    lite_reset,
    lite_dup_stats,
    lite_dup_camera_stats,
};

/* ---- life ------------------------------------------------------------- */

CeCamsimLite *
ce_camsim_lite_new (const CeCamsimConfig *config, CeCamsimCameras *cameras,
    CeCamsimLoops *loops, GError **error)
{
  g_autoptr (CeCamsimLite) self = g_new0 (CeCamsimLite, 1);
  CeRtspServerConfig server_config;

  self->config = config;
  self->cameras = cameras;
  self->loops = loops;
  self->feeds = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) feed_free);
  self->epoch = g_get_monotonic_time ();
  ce_rtsp_server_config_init (&server_config);
  g_free (server_config.address);
  server_config.address = g_strdup (config->address);
  server_config.port = config->rtsp_port;
  server_config.backlog = config->backlog;
  server_config.session_timeout_s = config->session_timeout;
  self->server = ce_rtsp_server_new (NULL, &server_config, error);
  g_free (server_config.address);
  if (self->server == NULL)
    return NULL;
  ce_rtsp_server_add_virtual (self->server, "cam", &lite_funcs, self);
  /* One timer for every camera: each tick pushes the frames that are due
   * (with --tick-ms, in batches of that length). */
  self->tick_id = g_timeout_add (
      config->tick_ms > 0 ? config->tick_ms : MAX (1, 1000 / config->fps),
      on_tick, self);
  GST_INFO ("cityeye engine on %s:%u", config->address,
      ce_rtsp_server_get_port (self->server));
  return g_steal_pointer (&self);
}

guint
ce_camsim_lite_get_port (CeCamsimLite *self)
{
  return ce_rtsp_server_get_port (self->server);
}

void
ce_camsim_lite_free (CeCamsimLite *self)
{
  if (self == NULL)
    return;
  if (self->tick_id != 0)
    g_source_remove (self->tick_id);
  /* Closing the connections closes their feeds. */
  if (self->server != NULL)
    ce_rtsp_server_remove_virtual (self->server, "cam");
  g_clear_pointer (&self->server, ce_rtsp_server_free);
  g_hash_table_unref (self->feeds);
  g_free (self);
}
