/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * gst-rtsp-server subclasses of the camera simulator.
 */
#include "ce-camsim-rtsp.h"

#include <gst/app/gstappsrc.h>
#include "ce-camsim-clock.h"

#include "ce-camsim-private.h"

/* A camera stream stays mounted this long after its last media went away,
 * so that a DESCRIBE that has just passed make_path never finds its mount
 * gone. */
#define UNMOUNT_GRACE_SECONDS 5

/* The role of the Digest user in the factories' permissions. */
#define AUTH_ROLE "admin"

/* ------------------------------------------------------------------------
 * Factory: one per camera stream (camera + profile), mounted on demand.
 */

#define CE_TYPE_CAMSIM_FACTORY (ce_camsim_factory_get_type ())
G_DECLARE_FINAL_TYPE (CeCamsimFactory, ce_camsim_factory, CE, CAMSIM_FACTORY,
    GstRTSPMediaFactory)

struct _CeCamsimFactory
{
  GstRTSPMediaFactory parent;

  CeCamsimShared *shared;  /* borrowed: owned by the server */
  CeCamsimCamera *camera;  /* borrowed: records outlive factories */
  CeCamsimProfile profile; /* immutable */
  char *path;              /* immutable mount path */

  /* Protected by shared->lock. */
  guint active_media;
  gint64 last_used; /* monotonic µs */
  gboolean mounted;
  gboolean unmount_scheduled;
};

G_DEFINE_FINAL_TYPE (CeCamsimFactory, ce_camsim_factory,
    GST_TYPE_RTSP_MEDIA_FACTORY)

/* Everything needed to undo what configure did, run once when the media is
 * unprepared or, failing that, finalized. */
typedef struct
{
  CeCamsimFactory *factory; /* owned */
  CeCamsimFeed *feed;       /* owned */
  char *media_name;
} MediaLink;

static gboolean unmount_if_idle (gpointer data);

/* With shared->lock.  Checks every few seconds whether the stream can be
 * unmounted, until it is or a media uses it again. */
static void
schedule_unmount_locked (CeCamsimFactory *factory)
{
  g_autoptr (GSource) source = NULL;

  if (factory->unmount_scheduled)
    return;
  factory->unmount_scheduled = TRUE;
  source = g_timeout_source_new_seconds (UNMOUNT_GRACE_SECONDS);
  g_source_set_callback (source, unmount_if_idle, g_object_ref (factory),
      g_object_unref);
  g_source_attach (source, factory->shared->main_context);
}

static void
media_link_free (MediaLink *link)
{
  CeCamsimFactory *factory = link->factory;
  CeCamsimShared *shared = factory->shared;
  CeCamsimStreamStats *stats = &factory->camera->streams[factory->profile];

  GST_DEBUG ("camera %s/%s: media %s gone", factory->camera->name,
      ce_camsim_profile_to_string (factory->profile), link->media_name);
  if (link->feed != NULL)
    ce_camsim_ticker_remove (shared->ticker, link->feed);
  g_atomic_int_add (&stats->media_active, -1);

  g_mutex_lock (&shared->lock);
  factory->active_media--;
  factory->last_used = g_get_monotonic_time ();
  if (factory->active_media == 0)
    schedule_unmount_locked (factory);
  g_mutex_unlock (&shared->lock);

  g_object_unref (factory);
  g_free (link->media_name);
  g_free (link);
}

static gboolean
unmount_if_idle (gpointer data)
{
  CeCamsimFactory *factory = data;
  CeCamsimShared *shared = factory->shared;
  gboolean again = FALSE;

  g_mutex_lock (&shared->lock);
  if (factory->mounted && factory->active_media == 0) {
    gint64 idle_us = g_get_monotonic_time () - factory->last_used;

    if (idle_us >= (UNMOUNT_GRACE_SECONDS - 1) * G_USEC_PER_SEC) {
      GST_DEBUG ("unmounting idle %s", factory->path);
      gst_rtsp_mount_points_remove_factory (shared->mounts, factory->path);
      factory->mounted = FALSE;
      g_hash_table_remove (shared->factories, factory->path);
    } else {
      /* Asked for recently (a DESCRIBE that got 401, say): look again. */
      again = TRUE;
    }
  }
  factory->unmount_scheduled = again;
  g_mutex_unlock (&shared->lock);
  return again ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gchar *
factory_gen_key (GstRTSPMediaFactory *base, const GstRTSPUrl *url)
{
  CeCamsimFactory *self = CE_CAMSIM_FACTORY (base);

  /* One shared media per camera stream whatever else is in the query
   * (tokens, cache busters): one "upstream" per camera, as a relay test
   * expects. */
  return g_strdup (self->path);
}

/* Makes an element from @factory, named @name (nullable), inside @bin.
 * Returns: (transfer none): the element, or %NULL with @error set. */
static GstElement *
add_element (GstBin *bin, const char *factory, const char *name, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_PIPELINE,
        "No “%s” element", factory);
    return NULL;
  }
  gst_bin_add (bin, element);
  return element;
}

/* create_element hands over a floating reference, as gst_parse_launch()
 * does: the media sinks it. */
static GstElement *
return_floating (GstElement *element)
{
  g_object_force_floating (G_OBJECT (element));
  return element;
}

/* A camera with a microphone: a live tone, encoded and payloaded as
 * "pay1" next to the video.  One small live source per audio camera:
 * audio cameras are for correctness tests, not for load. */
static gboolean
add_audio (GstBin *bin, CeCamsimAudio audio, GError **error)
{
  g_autoptr (GstCaps) caps = NULL;
  GstElement *src, *filter, *convert, *encoder, *pay;
  const char *enc_name, *pay_name;
  int rate = 8000;
  guint pt;

  switch (audio) {
    case CE_CAMSIM_AUDIO_PCMA:
      enc_name = "alawenc";
      pay_name = "rtppcmapay";
      pt = 8;
      break;
    case CE_CAMSIM_AUDIO_PCMU:
      enc_name = "mulawenc";
      pay_name = "rtppcmupay";
      pt = 0;
      break;
    case CE_CAMSIM_AUDIO_AAC:
      enc_name = "avenc_aac";
      pay_name = "rtpmp4gpay";
      pt = 97;
      rate = 16000;
      break;
    case CE_CAMSIM_AUDIO_NONE:
    default:
      return TRUE;
  }
  if (!(src = add_element (bin, "audiotestsrc", NULL, error)) ||
      !(filter = add_element (bin, "capsfilter", NULL, error)) ||
      !(convert = add_element (bin, "audioconvert", NULL, error)) ||
      !(encoder = add_element (bin, enc_name, NULL, error)) ||
      !(pay = add_element (bin, pay_name, "pay1", error)))
    return FALSE;
  caps = gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, rate,
      "channels", G_TYPE_INT, 1, NULL);
  g_object_set (filter, "caps", caps, NULL);
  /* 20 ms packets, as cameras send G.711. */
  g_object_set (src, "is-live", TRUE, "freq", 440.0, "volume", 0.3,
      "samplesperbuffer", rate / 50, NULL);
  g_object_set (pay, "pt", pt, NULL);
  if (!gst_element_link_many (src, filter, convert, encoder, pay, NULL)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_PIPELINE,
        "Cannot link the %s audio branch", enc_name);
    return FALSE;
  }
  return TRUE;
}

/* appsrc ! parse ! pay: the camera replays a shared loop. */
static GstElement *
make_loop_bin (CeCamsimFactory *self, GError **error)
{
  CeCamsimCamera *camera = self->camera;
  guint variant =
      (guint) g_atomic_int_get (&camera->streams[self->profile].variant);
  CeCamsimLoop *loop;
  g_autoptr (GstElement) bin = NULL;
  GstElement *src, *parse, *pay;

  loop = ce_camsim_loops_ensure (self->shared->loops, camera->codec,
      self->profile, variant, error);
  if (loop == NULL)
    return NULL;

  bin = gst_object_ref_sink (gst_bin_new (NULL));
  if (!(src = add_element (GST_BIN (bin), "appsrc", "src", error)) ||
      !(parse = add_element (GST_BIN (bin),
            ce_camsim_codec_parser (camera->codec), NULL, error)) ||
      !(pay = add_element (GST_BIN (bin),
            ce_camsim_codec_payloader (camera->codec), "pay0", error)))
    return NULL;
  if (!gst_element_link_many (src, parse, pay, NULL)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_PIPELINE,
        "Cannot link the %s camera pipeline",
        ce_camsim_codec_to_string (camera->codec));
    return NULL;
  }
  /* Bounded and leaky: a blocked media (DESCRIBE without PLAY) loses old
   * frames instead of growing or blocking the ticker. */
  g_object_set (src, "caps", loop->caps, "is-live", TRUE, "format",
      GST_FORMAT_TIME, "do-timestamp", FALSE, "max-bytes",
      (guint64) 8 * 1024 * 1024, "max-time", (guint64) 2 * GST_SECOND,
      "max-buffers", (guint64) 0, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "leaky-type", "downstream");
  g_object_set_data (G_OBJECT (src), "camsim-loop", loop);
  g_object_set (pay, "pt", 96, "config-interval", -1, "mtu",
      self->shared->config->mtu, NULL);
  if (!add_audio (GST_BIN (bin), ce_camsim_audio_for_name (camera->name),
          error))
    return NULL;
  return return_floating (g_steal_pointer (&bin));
}

/* The burn-id mode: a live encoder per camera with the name and a clock in
 * the picture, for tests that must tell cameras apart. */
static GstElement *
make_live_bin (CeCamsimFactory *self, GError **error)
{
  const CeCamsimConfig *config = self->shared->config;
  CeCamsimCamera *camera = self->camera;
  guint variant =
      (guint) g_atomic_int_get (&camera->streams[self->profile].variant);
  guint width, height, gop;
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autofree char *label = NULL;
  GstElement *src, *size, *overlay, *encoder, *valve, *parse, *pay;

  ce_camsim_config_get_size (config, self->profile, variant, &width, &height);
  gop = MAX (1, (guint) (config->gop_seconds * config->fps + 0.5));
  bin = gst_object_ref_sink (gst_bin_new (NULL));
  if (!(src = add_element (GST_BIN (bin), "videotestsrc", NULL, error)) ||
      !(size = add_element (GST_BIN (bin), "capsfilter", "size", error)) ||
      !(overlay = add_element (GST_BIN (bin), "timeoverlay", NULL, error)))
    return NULL;
  encoder = ce_camsim_make_encoder (camera->codec, gop,
      config->streams[self->profile].bitrate_kbps, TRUE, error);
  if (encoder == NULL)
    return NULL;
  gst_bin_add (GST_BIN (bin), encoder);
  if (!(valve = add_element (GST_BIN (bin), "valve", "valve", error)) ||
      !(parse = add_element (GST_BIN (bin),
            ce_camsim_codec_parser (camera->codec), NULL, error)) ||
      !(pay = add_element (GST_BIN (bin),
            ce_camsim_codec_payloader (camera->codec), "pay0", error)))
    return NULL;
  if (!gst_element_link_many (src, size, overlay, encoder, valve, parse, pay,
          NULL)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_PIPELINE,
        "Cannot link the live %s camera pipeline",
        ce_camsim_codec_to_string (camera->codec));
    return NULL;
  }
  g_object_set (src, "is-live", TRUE, "horizontal-speed", 4, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "pattern", "smpte");
  caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, width,
      "height", G_TYPE_INT, height, "framerate", GST_TYPE_FRACTION, config->fps,
      1, NULL);
  if (config->burn_clock) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (overlay, "src");

    /* The capture time, painted after the text (which it may cover),
     * just before the encoder. */
    gst_caps_set_simple (caps, "format", G_TYPE_STRING, "I420", NULL);
    ce_clock_code_attach (pad);
  }
  g_object_set (size, "caps", caps, NULL);
  label = g_strdup_printf ("%s %s", camera->name,
      ce_camsim_profile_to_string (self->profile));
  g_object_set (overlay, "text", label, "shaded-background", TRUE, "font-desc",
      "Sans 28", NULL);
  gst_util_set_object_arg (G_OBJECT (overlay), "time-mode", "running-time");
  g_object_set (pay, "pt", 96, "config-interval", -1, "mtu", config->mtu, NULL);
  if (!add_audio (GST_BIN (bin), ce_camsim_audio_for_name (camera->name),
          error))
    return NULL;
  return return_floating (g_steal_pointer (&bin));
}

static GstElement *
factory_create_element (GstRTSPMediaFactory *base, const GstRTSPUrl *url)
{
  CeCamsimFactory *self = CE_CAMSIM_FACTORY (base);
  g_autoptr (GError) error = NULL;
  GstElement *bin;

  if (self->shared->config->burn_id)
    bin = make_live_bin (self, &error);
  else
    bin = make_loop_bin (self, &error);
  if (bin == NULL) {
    g_warning ("Camera %s: %s", self->camera->name, error->message);
    return NULL;
  }
  GST_DEBUG ("camera %s/%s: media element built", self->camera->name,
      ce_camsim_profile_to_string (self->profile));
  return bin;
}

static void
on_media_unprepared (GstRTSPMedia *media, gpointer data)
{
  /* Runs media_link_free() now rather than at finalization. */
  g_object_set_data (G_OBJECT (media), "camsim-link", NULL);
}

static void
factory_configure (GstRTSPMediaFactory *base, GstRTSPMedia *media)
{
  CeCamsimFactory *self = CE_CAMSIM_FACTORY (base);
  CeCamsimShared *shared = self->shared;
  CeCamsimStreamStats *stats = &self->camera->streams[self->profile];
  g_autoptr (GstElement) element = gst_rtsp_media_get_element (media);
  g_autoptr (GstElement) appsrc = NULL;
  MediaLink *link;

  GST_RTSP_MEDIA_FACTORY_CLASS (ce_camsim_factory_parent_class)
      ->configure (base, media);

  /* The ticker paces the frames; letting every media also sync them on
   * the clock would only add work. */
  gst_rtsp_media_set_rate_control (media, FALSE);

  link = g_new0 (MediaLink, 1);
  link->factory = g_object_ref (self);
  link->media_name = g_strdup_printf ("%p", (void *) media);
  appsrc = gst_bin_get_by_name (GST_BIN (element), "src");
  if (appsrc != NULL) {
    link->feed =
        ce_camsim_ticker_add_loop (shared->ticker, self->camera, self->profile,
            appsrc, g_object_get_data (G_OBJECT (appsrc), "camsim-loop"));
  } else {
    g_autoptr (GstElement) valve =
        gst_bin_get_by_name (GST_BIN (element), "valve");
    g_autoptr (GstElement) size =
        gst_bin_get_by_name (GST_BIN (element), "size");

    link->feed = ce_camsim_ticker_add_live (shared->ticker, self->camera,
        self->profile, valve, size);
  }

  g_atomic_int_inc (&stats->media_created);
  g_atomic_int_inc (&stats->media_active);
  g_mutex_lock (&shared->lock);
  self->active_media++;
  self->last_used = g_get_monotonic_time ();
  g_mutex_unlock (&shared->lock);

  g_object_set_data (G_OBJECT (media), "camsim-camera", self->camera);
  g_object_set_data_full (G_OBJECT (media), "camsim-link", link,
      (GDestroyNotify) media_link_free);
  g_signal_connect (media, "unprepared", G_CALLBACK (on_media_unprepared),
      NULL);
  GST_INFO ("camera %s/%s: new shared media %p (%s)", self->camera->name,
      ce_camsim_profile_to_string (self->profile), (void *) media,
      ce_camsim_codec_to_string (self->camera->codec));
}

CeCamsimCamera *
ce_camsim_media_get_camera (GstRTSPMedia *media)
{
  g_return_val_if_fail (GST_IS_RTSP_MEDIA (media), NULL);
  return g_object_get_data (G_OBJECT (media), "camsim-camera");
}

static void
ce_camsim_factory_finalize (GObject *object)
{
  CeCamsimFactory *self = CE_CAMSIM_FACTORY (object);

  g_free (self->path);
  G_OBJECT_CLASS (ce_camsim_factory_parent_class)->finalize (object);
}

static void
ce_camsim_factory_class_init (CeCamsimFactoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstRTSPMediaFactoryClass *factory_class =
      GST_RTSP_MEDIA_FACTORY_CLASS (klass);

  object_class->finalize = ce_camsim_factory_finalize;
  factory_class->gen_key = factory_gen_key;
  factory_class->create_element = factory_create_element;
  factory_class->configure = factory_configure;
}

static void
ce_camsim_factory_init (CeCamsimFactory *self)
{
}

static CeCamsimFactory *
factory_new (CeCamsimShared *shared, CeCamsimCamera *camera,
    CeCamsimProfile profile, const char *path)
{
  CeCamsimFactory *self = g_object_new (CE_TYPE_CAMSIM_FACTORY, NULL);
  GstRTSPMediaFactory *base = GST_RTSP_MEDIA_FACTORY (self);

  self->shared = shared;
  self->camera = camera;
  self->profile = profile;
  self->path = g_strdup (path);
  gst_rtsp_media_factory_set_shared (base, TRUE);
  gst_rtsp_media_factory_set_suspend_mode (base, GST_RTSP_SUSPEND_MODE_NONE);
  gst_rtsp_media_factory_set_protocols (base,
      GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP);
  gst_rtsp_media_factory_set_stop_on_disconnect (base, TRUE);
  /* Only consulted for cameras with the auth fault (see auth_check). */
  gst_rtsp_media_factory_add_role (base, AUTH_ROLE,
      GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
      GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, NULL);
  return self;
}

/* Mounts the stream if needed and returns its path (g_free). */
static char *
shared_mount (CeCamsimShared *shared, CeCamsimCamera *camera,
    CeCamsimProfile profile)
{
  char *path = ce_camsim_mount_path (camera->name, profile);
  CeCamsimFactory *factory;

  g_mutex_lock (&shared->lock);
  factory = g_hash_table_lookup (shared->factories, path);
  if (factory == NULL) {
    factory = factory_new (shared, camera, profile, path);
    g_hash_table_insert (shared->factories, factory->path, factory);
    factory->mounted = TRUE;
    gst_rtsp_mount_points_add_factory (shared->mounts, path,
        GST_RTSP_MEDIA_FACTORY (g_object_ref (factory)));
    GST_DEBUG ("mounted %s (%u mounted)", path,
        g_hash_table_size (shared->factories));
    /* Also unmounted if no media ever comes (refused by auth, say). */
    schedule_unmount_locked (factory);
  }
  factory->last_used = g_get_monotonic_time ();
  g_mutex_unlock (&shared->lock);
  return path;
}

char *
ce_camsim_shared_mount (CeCamsimShared *shared, CeCamsimCamera *camera,
    CeCamsimProfile profile)
{
  return shared_mount (shared, camera, profile);
}

void
ce_camsim_shared_init (CeCamsimShared *shared, const CeCamsimConfig *config,
    CeCamsimCameras *cameras, CeCamsimLoops *loops, CeCamsimTicker *ticker,
    GMainContext *context)
{
  shared->config = config;
  shared->cameras = cameras;
  shared->loops = loops;
  shared->ticker = ticker;
  shared->main_context = g_main_context_ref (context);
  g_mutex_init (&shared->lock);
  shared->factories =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  shared->mounts = ce_camsim_mounts_new (shared);
}

void
ce_camsim_shared_clear (CeCamsimShared *shared)
{
  g_clear_object (&shared->mounts);
  g_clear_pointer (&shared->factories, g_hash_table_unref);
  g_clear_pointer (&shared->main_context, g_main_context_unref);
  g_mutex_clear (&shared->lock);
}

guint
ce_camsim_shared_get_n_mounts (CeCamsimShared *shared)
{
  guint n;

  g_mutex_lock (&shared->lock);
  n = g_hash_table_size (shared->factories);
  g_mutex_unlock (&shared->lock);
  return n;
}

/* ------------------------------------------------------------------------
 * Mount points: any /cam/NAME is a camera.
 */

struct _CeCamsimMounts
{
  GstRTSPMountPoints parent;
  CeCamsimShared *shared; /* borrowed: owns this object */
};

G_DEFINE_FINAL_TYPE (CeCamsimMounts, ce_camsim_mounts,
    GST_TYPE_RTSP_MOUNT_POINTS)

/* Called for DESCRIBE: the URL must name exactly one camera stream. */
static gchar *
mounts_make_path (GstRTSPMountPoints *base, const GstRTSPUrl *url)
{
  CeCamsimMounts *self = CE_CAMSIM_MOUNTS (base);
  g_autofree char *name = NULL;
  g_autofree char *control = NULL;
  CeCamsimProfile profile;
  CeCamsimCamera *camera;

  if (!ce_camsim_parse_camera_url (url->abspath, url->query, &name, &profile,
          &control) ||
      control[0] != '\0') {
    GST_DEBUG ("not a camera: %s%s%s", url->abspath, url->query ? "?" : "",
        url->query ? url->query : "");
    return NULL;
  }
  camera = ce_camsim_cameras_get (self->shared->cameras, name);
  return shared_mount (self->shared, camera, profile);
}

static void
ce_camsim_mounts_class_init (CeCamsimMountsClass *klass)
{
  GST_RTSP_MOUNT_POINTS_CLASS (klass)->make_path = mounts_make_path;
}

static void
ce_camsim_mounts_init (CeCamsimMounts *self)
{
}

GstRTSPMountPoints *
ce_camsim_mounts_new (CeCamsimShared *shared)
{
  CeCamsimMounts *self = g_object_new (CE_TYPE_CAMSIM_MOUNTS, NULL);

  self->shared = shared;
  return GST_RTSP_MOUNT_POINTS (self);
}

/* ------------------------------------------------------------------------
 * Client: counts connections per camera stream, refuses, slows down.
 */

struct _CeCamsimClient
{
  GstRTSPClient parent;
  CeCamsimShared *shared; /* borrowed: owned by the server */
  CeCamsimCamera *camera; /* nullable, borrowed: first request's camera */
  gboolean dedicated;     /* immutable */

  GMutex lock;
  GHashTable *counted; /* CeCamsimStreamStats *, protected by lock */
  gboolean closed;     /* protected by lock */
};

G_DEFINE_FINAL_TYPE (CeCamsimClient, ce_camsim_client, GST_TYPE_RTSP_CLIENT)

static gchar *
client_make_path_from_uri (GstRTSPClient *base, const GstRTSPUrl *uri)
{
  char *path = ce_camsim_request_path (uri->abspath, uri->query);

  if (path != NULL)
    return path;
  return GST_RTSP_CLIENT_CLASS (ce_camsim_client_parent_class)
      ->make_path_from_uri (base, uri);
}

/* The camera and profile named by a request, or NULL. */
static CeCamsimCamera *
client_camera_of (CeCamsimClient *self, const GstRTSPUrl *uri,
    CeCamsimProfile *profile)
{
  g_autofree char *name = NULL;
  g_autofree char *control = NULL;

  if (uri == NULL ||
      !ce_camsim_parse_camera_url (uri->abspath, uri->query, &name, profile,
          &control))
    return NULL;
  return ce_camsim_cameras_get (self->shared->cameras, name);
}

/* Counts each client once per camera stream, however many requests. */
static void
client_count (CeCamsimClient *self, CeCamsimCamera *camera,
    CeCamsimProfile profile)
{
  CeCamsimStreamStats *stats = &camera->streams[profile];
  gboolean added = FALSE;

  g_mutex_lock (&self->lock);
  if (!self->closed && !g_hash_table_contains (self->counted, stats)) {
    g_hash_table_add (self->counted, stats);
    added = TRUE;
  }
  g_mutex_unlock (&self->lock);
  if (added) {
    g_atomic_int_inc (&stats->connections_total);
    g_atomic_int_inc (&stats->connections_active);
    GST_DEBUG_OBJECT (self, "camera %s/%s: new connection (%d active)",
        camera->name, ce_camsim_profile_to_string (profile),
        g_atomic_int_get (&stats->connections_active));
  }
}

static GstRTSPStatusCode
client_check_request (CeCamsimClient *self, GstRTSPContext *ctx,
    const char *what)
{
  CeCamsimProfile profile;
  CeCamsimCamera *camera = client_camera_of (self, ctx->uri, &profile);

  if (camera == NULL)
    return GST_RTSP_STS_OK;
  client_count (self, camera, profile);
  if (ce_camsim_camera_get_mode (camera) == CE_CAMSIM_FAULT_REFUSE) {
    g_atomic_int_inc (&camera->refused);
    GST_INFO_OBJECT (self, "camera %s: refusing %s", camera->name, what);
    return GST_RTSP_STS_SERVICE_UNAVAILABLE;
  }
  return GST_RTSP_STS_OK;
}

static GstRTSPStatusCode
client_pre_describe (GstRTSPClient *base, GstRTSPContext *ctx)
{
  return client_check_request (CE_CAMSIM_CLIENT (base), ctx, "DESCRIBE");
}

static GstRTSPStatusCode
client_pre_setup (GstRTSPClient *base, GstRTSPContext *ctx)
{
  return client_check_request (CE_CAMSIM_CLIENT (base), ctx, "SETUP");
}

static void
client_send_message (GstRTSPClient *base, GstRTSPContext *ctx,
    GstRTSPMessage *message)
{
  CeCamsimClient *self = CE_CAMSIM_CLIENT (base);
  GstRTSPClientClass *parent =
      GST_RTSP_CLIENT_CLASS (ce_camsim_client_parent_class);

  /* Sleeping is fine here: only this client lives on this thread. */
  if (self->dedicated && self->camera != NULL &&
      gst_rtsp_message_get_type (message) == GST_RTSP_MESSAGE_RESPONSE &&
      ce_camsim_camera_get_mode (self->camera) == CE_CAMSIM_FAULT_SLOW) {
    gint ms = g_atomic_int_get (&self->camera->slow_ms);

    GST_DEBUG_OBJECT (self, "camera %s: delaying a response by %d ms",
        self->camera->name, ms);
    g_usleep ((gulong) ms * 1000);
  }
  if (parent->send_message != NULL)
    parent->send_message (base, ctx, message);
}

/* Gives back the connection counts, once. */
static void
client_release_counts (CeCamsimClient *self)
{
  GHashTableIter iter;
  gpointer key;

  g_mutex_lock (&self->lock);
  if (!self->closed) {
    self->closed = TRUE;
    g_hash_table_iter_init (&iter, self->counted);
    while (g_hash_table_iter_next (&iter, &key, NULL)) {
      CeCamsimStreamStats *stats = key;

      g_atomic_int_add (&stats->connections_active, -1);
    }
  }
  g_mutex_unlock (&self->lock);
}

static void
client_closed (GstRTSPClient *base)
{
  CeCamsimClient *self = CE_CAMSIM_CLIENT (base);
  GstRTSPClientClass *parent =
      GST_RTSP_CLIENT_CLASS (ce_camsim_client_parent_class);

  GST_DEBUG_OBJECT (self, "closed");
  client_release_counts (self);
  if (parent->closed != NULL)
    parent->closed (base);
}

static void
client_new_session (GstRTSPClient *base, GstRTSPSession *session)
{
  CeCamsimClient *self = CE_CAMSIM_CLIENT (base);
  GstRTSPClientClass *parent =
      GST_RTSP_CLIENT_CLASS (ce_camsim_client_parent_class);

  gst_rtsp_session_set_timeout (session, self->shared->config->session_timeout);
  if (parent->new_session != NULL)
    parent->new_session (base, session);
}

static void
ce_camsim_client_finalize (GObject *object)
{
  CeCamsimClient *self = CE_CAMSIM_CLIENT (object);

  /* A client that never got as far as "closed" still leaves the counts
   * balanced. */
  client_release_counts (self);
  g_hash_table_unref (self->counted);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ce_camsim_client_parent_class)->finalize (object);
}

static void
ce_camsim_client_class_init (CeCamsimClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstRTSPClientClass *client_class = GST_RTSP_CLIENT_CLASS (klass);

  object_class->finalize = ce_camsim_client_finalize;
  client_class->make_path_from_uri = client_make_path_from_uri;
  client_class->pre_describe_request = client_pre_describe;
  client_class->pre_setup_request = client_pre_setup;
  client_class->send_message = client_send_message;
  client_class->closed = client_closed;
  client_class->new_session = client_new_session;
}

static void
ce_camsim_client_init (CeCamsimClient *self)
{
  g_mutex_init (&self->lock);
  self->counted = g_hash_table_new (NULL, NULL);
}

CeCamsimClient *
ce_camsim_client_new (CeCamsimShared *shared, CeCamsimCamera *camera,
    gboolean dedicated)
{
  CeCamsimClient *self = g_object_new (CE_TYPE_CAMSIM_CLIENT, NULL);

  self->shared = shared;
  self->camera = camera;
  self->dedicated = dedicated;
  return self;
}

void
ce_camsim_client_adopt_count (CeCamsimClient *self, CeCamsimStreamStats *stats)
{
  g_return_if_fail (CE_IS_CAMSIM_CLIENT (self));

  g_mutex_lock (&self->lock);
  g_hash_table_add (self->counted, stats);
  g_mutex_unlock (&self->lock);
}

gboolean
ce_camsim_client_uses_camera (CeCamsimClient *self, CeCamsimCamera *camera)
{
  gboolean uses = FALSE;

  g_return_val_if_fail (CE_IS_CAMSIM_CLIENT (self), FALSE);

  g_mutex_lock (&self->lock);
  for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++)
    uses |= g_hash_table_contains (self->counted, &camera->streams[p]);
  g_mutex_unlock (&self->lock);
  return uses;
}

gboolean
ce_camsim_client_is_dedicated (CeCamsimClient *self)
{
  g_return_val_if_fail (CE_IS_CAMSIM_CLIENT (self), FALSE);
  return self->dedicated;
}

/* ------------------------------------------------------------------------
 * Auth: Digest only for cameras with the auth fault.
 */

struct _CeCamsimAuth
{
  GstRTSPAuth parent;
};

G_DEFINE_FINAL_TYPE (CeCamsimAuth, ce_camsim_auth, GST_TYPE_RTSP_AUTH)

static gboolean
auth_check (GstRTSPAuth *base, GstRTSPContext *ctx, const gchar *check)
{
  CeCamsimCamera *camera;
  gboolean allowed;

  if (g_str_equal (check, GST_RTSP_AUTH_CHECK_TRANSPORT_CLIENT_SETTINGS))
    return FALSE; /* as without any auth: no client-chosen destinations */
  if (!g_str_has_prefix (check, "auth.check.media.factory."))
    return TRUE;
  if (!CE_IS_CAMSIM_FACTORY (ctx->factory))
    return TRUE;
  camera = CE_CAMSIM_FACTORY (ctx->factory)->camera;
  if (ce_camsim_camera_get_mode (camera) != CE_CAMSIM_FAULT_AUTH)
    return TRUE;

  /* The parent checks the Digest response and sends the 401 challenge. */
  allowed = GST_RTSP_AUTH_CLASS (ce_camsim_auth_parent_class)
                ->check (base, ctx, check);
  if (!allowed) {
    g_atomic_int_inc (&camera->auth_failures);
    GST_INFO ("camera %s: %s not authorized", camera->name, check);
  }
  return allowed;
}

static void
ce_camsim_auth_class_init (CeCamsimAuthClass *klass)
{
  GST_RTSP_AUTH_CLASS (klass)->check = auth_check;
}

static void
ce_camsim_auth_init (CeCamsimAuth *self)
{
}

GstRTSPAuth *
ce_camsim_auth_new (const char *user, const char *password)
{
  GstRTSPAuth *auth = g_object_new (CE_TYPE_CAMSIM_AUTH, NULL);
  g_autoptr (GstRTSPToken) token = gst_rtsp_token_new (
      GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, AUTH_ROLE, NULL);

  g_return_val_if_fail (user != NULL && password != NULL, NULL);

  gst_rtsp_auth_set_supported_methods (auth, GST_RTSP_AUTH_DIGEST);
  gst_rtsp_auth_set_realm (auth, "cityeye-camsim");
  gst_rtsp_auth_add_digest (auth, user, password, token);
  return auth;
}

/* ------------------------------------------------------------------------
 * Thread pool: a few media threads for all media.
 */

struct _CeCamsimThreadPool
{
  GstRTSPThreadPool parent;

  guint n_media;
  GstRTSPThread **media;   /* owned: one reuse each, held by the pool */
  GThread **media_threads; /* joined in stop */
  GMutex lock;
  guint next;       /* protected by lock */
  gboolean stopped; /* protected by lock */
};

G_DEFINE_FINAL_TYPE (CeCamsimThreadPool, ce_camsim_thread_pool,
    GST_TYPE_RTSP_THREAD_POOL)

static gpointer
run_thread_loop (gpointer data)
{
  GstRTSPThread *thread = data;

  g_main_loop_run (thread->loop);
  gst_rtsp_thread_unref (thread);
  return NULL;
}

static GstRTSPThread *
pool_get_thread (GstRTSPThreadPool *base, GstRTSPThreadType type,
    GstRTSPContext *ctx)
{
  CeCamsimThreadPool *self = CE_CAMSIM_THREAD_POOL (base);

  if (type == GST_RTSP_THREAD_TYPE_MEDIA && self->n_media > 0) {
    GstRTSPThread *thread = NULL;

    g_mutex_lock (&self->lock);
    if (!self->stopped) {
      thread = self->media[self->next++ % self->n_media];
      if (!gst_rtsp_thread_reuse (thread))
        thread = NULL;
    }
    g_mutex_unlock (&self->lock);
    if (thread != NULL)
      return thread;
  }
  if (type == GST_RTSP_THREAD_TYPE_CLIENT && ctx != NULL &&
      CE_IS_CAMSIM_CLIENT (ctx->client) &&
      ce_camsim_client_is_dedicated (CE_CAMSIM_CLIENT (ctx->client))) {
    GstRTSPThread *thread = gst_rtsp_thread_new (type);

    /* The thread ends when the server stops the client's thread and the
     * loop quits; it holds its own reference until then. */
    g_thread_unref (g_thread_new ("camsim-client", run_thread_loop,
        gst_rtsp_thread_ref (thread)));
    return thread;
  }
  return GST_RTSP_THREAD_POOL_CLASS (ce_camsim_thread_pool_parent_class)
      ->get_thread (base, type, ctx);
}

static void
ce_camsim_thread_pool_finalize (GObject *object)
{
  CeCamsimThreadPool *self = CE_CAMSIM_THREAD_POOL (object);

  ce_camsim_thread_pool_stop (self);
  g_free (self->media);
  g_free (self->media_threads);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ce_camsim_thread_pool_parent_class)->finalize (object);
}

static void
ce_camsim_thread_pool_class_init (CeCamsimThreadPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ce_camsim_thread_pool_finalize;
  GST_RTSP_THREAD_POOL_CLASS (klass)->get_thread = pool_get_thread;
}

static void
ce_camsim_thread_pool_init (CeCamsimThreadPool *self)
{
  g_mutex_init (&self->lock);
}

GstRTSPThreadPool *
ce_camsim_thread_pool_new (guint media_threads, gint client_threads)
{
  CeCamsimThreadPool *self = g_object_new (CE_TYPE_CAMSIM_THREAD_POOL, NULL);

  gst_rtsp_thread_pool_set_max_threads (GST_RTSP_THREAD_POOL (self),
      client_threads);
  self->n_media = media_threads;
  self->media = g_new0 (GstRTSPThread *, media_threads);
  self->media_threads = g_new0 (GThread *, media_threads);
  for (guint i = 0; i < media_threads; i++) {
    self->media[i] = gst_rtsp_thread_new (GST_RTSP_THREAD_TYPE_MEDIA);
    self->media_threads[i] = g_thread_new ("camsim-media", run_thread_loop,
        gst_rtsp_thread_ref (self->media[i]));
  }
  return GST_RTSP_THREAD_POOL (self);
}

void
ce_camsim_thread_pool_stop (CeCamsimThreadPool *self)
{
  g_return_if_fail (CE_IS_CAMSIM_THREAD_POOL (self));

  g_mutex_lock (&self->lock);
  if (self->stopped) {
    g_mutex_unlock (&self->lock);
    return;
  }
  self->stopped = TRUE;
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < self->n_media; i++) {
    GstRTSPThread *probe = gst_rtsp_thread_ref (self->media[i]);

    /* Drops the pool's use: the loop quits when no media uses it. */
    gst_rtsp_thread_stop (g_steal_pointer (&self->media[i]));
    if (gst_rtsp_thread_reuse (probe)) {
      /* A media still holds the thread (the server waits for them, so this
       * is a leak elsewhere): quit anyway and leave the reference. */
      GST_WARNING ("media thread %u still in use at shutdown", i);
      g_main_loop_quit (probe->loop);
    }
    g_thread_join (self->media_threads[i]);
    self->media_threads[i] = NULL;
    gst_rtsp_thread_unref (probe);
  }
}
