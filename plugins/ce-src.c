/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyesrc: plays a registry camera, by id, through cityeyed's RTSP
 * output, and never lets its pipeline see the network fail.
 *
 * Design.  The element is a GstBin: "appsrc ! h26Xparse [! decoder]" behind
 * an always ghost pad.  The appsrc is fed by cityeye's own RTSP client and
 * depayloader (the ones cityeyed uses for cameras), which run on the
 * plugin's one network thread (ce-net.h), shared by every cityeyesrc of
 * the process.  A failed or silent session is simply dropped and a new one
 * opened after a backoff, on that thread; the GStreamer side never changes
 * state, never sees an error or EOS, and keeps one timeline: each access
 * unit is stamped with the camera's timestamps mapped onto the pipeline's
 * running time (see stamp()).  A new resolution reaches downstream as new
 * caps from the parser.
 *
 * Rejected: a bin around rtspsrc whose internals are rebuilt behind the
 * ghost pad.  rtspsrc never reconnects by itself (server close is EOS, a
 * silent server is never noticed), costs four threads per camera, and its
 * teardown may block; rebuilding it means dropping its stream-start and
 * segment events, rewriting timestamps and serialising state changes of a
 * child inside a playing bin — more code than the client, and more
 * threads.  Here a camera costs the appsrc's streaming thread plus its
 * share of the network thread.
 */
#include "ce-config.h"
#include "ce-elements.h"
#include "ce-net.h"
#include "ce-uri.h"
#include "ce-depay.h"
#include "ce-rtsp-client.h"

#include <gst/app/gstappsrc.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (ce_src_debug);
#define GST_CAT_DEFAULT ce_src_debug

#define BACKOFF_INITIAL_MS 500
#define BACKOFF_MAX_MS 10000
/* Per request and for the TCP connect.  cityeyed answers DESCRIBE only once
 * the camera is up (its start_timeout, 10 s by default), or 504. */
#define REQUEST_TIMEOUT_MS 15000
#define WATCHDOG_MS 250
/* Access units kept while the pipeline is not yet PLAYING (no clock). */
#define PENDING_MAX 600
/* Bytes queued in the appsrc before we drop until the next keyframe. */
#define QUEUE_MAX_BYTES (32 * 1024 * 1024)

#define DEFAULT_START_ATTEMPTS 4
#define DEFAULT_STALL_TIMEOUT 10
#define DEFAULT_LATENCY 100

typedef enum
{
  CE_SRC_PROFILE_MAIN,
  CE_SRC_PROFILE_SUB,
} CeSrcProfile;

#define CE_TYPE_SRC_PROFILE (ce_src_profile_get_type ())
static GType
ce_src_profile_get_type (void)
{
  static GType type;

  if (g_once_init_enter (&type)) {
    static const GEnumValue values[] = {
        {CE_SRC_PROFILE_MAIN, "The camera's main stream", "main"},
        {CE_SRC_PROFILE_SUB,
            "The camera's sub stream (the main one when it has none)", "sub"},
        {0, NULL, NULL},
    };
    GType t = g_enum_register_static ("CeCityeyeProfile", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

#define CE_TYPE_SRC (ce_src_get_type ())
G_DECLARE_FINAL_TYPE (CeSrc, ce_src, CE, SRC, GstBin)

struct _CeSrc
{
  GstBin parent;

  GstPad *srcpad;      /* ghost, always */
  GstElement *appsrc;  /* child, always */
  GstElement *parser;  /* child once the codec is known (network thread) */
  GstElement *decoder; /* with decode=true */

  /* Properties, under the object lock. */
  char *camera_id;
  char *gateway; /* nullable: CITYEYE_GATEWAY, else the default */
  char *token;
  CeSrcProfile profile;
  gboolean decode;
  guint start_attempts;
  guint stall_timeout; /* s */
  guint latency;       /* ms */

  /* Network thread only, between start and stop. */
  gboolean running;
  gboolean failed; /* a fatal error was posted; no more attempts */
  char *url;       /* with the token */
  char *log_url;   /* without */
  char *run_gateway;
  char *run_camera_id;
  gboolean run_decode;
  guint run_start_attempts;
  guint run_stall_ms;
  CeRtspClient *client;
  CeDepay *depay;
  guint8 payload_type;
  CeCodec codec; /* of the chain built; CE_CODEC_UNKNOWN before */
  GSource *retry;
  GSource *watchdog;
  GSource *failure; /* idle: handles the client's failure */
  guint failure_status;
  char *failure_message;
  gboolean failure_reached;
  guint failures;    /* consecutive failed sessions */
  guint unreachable; /* consecutive sessions that never reached the gateway */
  gboolean ever_played;
  gboolean session_playing; /* PLAY answered in this session */
  gboolean session_video;   /* and an access unit arrived */
  gint64 last_activity_us;
  gboolean need_keyframe;
  gboolean need_discont;
  gboolean have_offset;
  gint64 offset; /* running time - camera time, ns */
  GstClockTime last_pts;
  GQueue pending; /* GstBuffer, waiting for the clock */
  guint64 dropped;
};

static void ce_src_uri_handler_init (gpointer g_iface, gpointer iface_data);

G_DEFINE_FINAL_TYPE_WITH_CODE (CeSrc, ce_src, GST_TYPE_BIN,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, ce_src_uri_handler_init));

GST_ELEMENT_REGISTER_DEFINE (cityeyesrc, "cityeyesrc", GST_RANK_PRIMARY,
    CE_TYPE_SRC);

enum
{
  PROP_0,
  PROP_CAMERA_ID,
  PROP_GATEWAY,
  PROP_TOKEN,
  PROP_PROFILE,
  PROP_DECODE,
  PROP_START_ATTEMPTS,
  PROP_STALL_TIMEOUT,
  PROP_LATENCY,
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, stream-format = (string) { byte-stream, "
                     "avc, avc3 }, alignment = (string) au; "
                     "video/x-h265, stream-format = (string) { byte-stream, "
                     "hvc1, hev1 }, alignment = (string) au; "
                     "video/x-raw(ANY)"));

/* ---- state messages ---------------------------------------------------- */

static void
post_state (CeSrc *self, const char *state, const char *reason, guint delay_ms)
{
  GstStructure *s = gst_structure_new ("cityeye-state", "state", G_TYPE_STRING,
      state, "camera-id", G_TYPE_STRING, self->run_camera_id, "reason",
      G_TYPE_STRING, reason != NULL ? reason : "", "attempt", G_TYPE_UINT,
      self->failures, "retry-in-ms", G_TYPE_UINT, delay_ms, NULL);

  GST_INFO_OBJECT (self, "%s %s%s%s", self->run_camera_id, state,
      reason != NULL ? ": " : "", reason != NULL ? reason : "");
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* ---- the GStreamer side ------------------------------------------------- */

static GstElement *
make_decoder (CeCodec codec)
{
  g_autoptr (GstCaps) caps = gst_caps_new_simple (
      codec == CE_CODEC_H265 ? "video/x-h265" : "video/x-h264", "stream-format",
      G_TYPE_STRING, "byte-stream", "alignment", G_TYPE_STRING, "au", NULL);
  GList *all = gst_element_factory_list_get_elements (
      GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO,
      GST_RANK_MARGINAL);
  GList *usable =
      gst_element_factory_list_filter (all, caps, GST_PAD_SINK, FALSE);
  GstElement *decoder = NULL;

  /* Highest rank first, as decodebin would choose. */
  usable = g_list_sort (usable, gst_plugin_feature_rank_compare_func);
  for (GList *l = usable; l != NULL && decoder == NULL; l = l->next)
    decoder = gst_element_factory_create (l->data, NULL);
  gst_plugin_feature_list_free (usable);
  gst_plugin_feature_list_free (all);
  return decoder;
}

/* Builds "appsrc ! parser [! decoder]" for @codec and points the ghost pad
 * at its end.  Network thread. */
static gboolean
build_chain (CeSrc *self, CeCodec codec)
{
  const char *parser_name = codec == CE_CODEC_H265 ? "h265parse" : "h264parse";
  g_autoptr (GstCaps) caps = gst_caps_new_simple (
      codec == CE_CODEC_H265 ? "video/x-h265" : "video/x-h264", "stream-format",
      G_TYPE_STRING, "byte-stream", "alignment", G_TYPE_STRING, "au", NULL);
  GstElement *last;
  g_autoptr (GstPad) pad = NULL;

  self->parser = gst_element_factory_make (parser_name, NULL);
  if (self->parser == NULL) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("Element %s is missing: install gstreamer1.0-plugins-bad",
            parser_name),
        (NULL));
    return FALSE;
  }
  if (self->run_decode) {
    self->decoder = make_decoder (codec);
    if (self->decoder == NULL) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
          ("No %s decoder is installed: install gstreamer1.0-libav, or use "
           "decode=false",
              ce_codec_to_string (codec)),
          (NULL));
      g_clear_pointer (&self->parser, gst_object_unref);
      return FALSE;
    }
  }
  /* Downstream first, each element running before anything reaches it:
   * the appsrc's thread is live and pushes the caps as soon as it has
   * them. */
  gst_bin_add (GST_BIN (self), self->parser);
  last = self->parser;
  if (self->decoder != NULL) {
    gst_bin_add (GST_BIN (self), self->decoder);
    gst_element_link (self->parser, self->decoder);
    last = self->decoder;
  }
  pad = gst_element_get_static_pad (last, "src");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), pad);
  if (self->decoder != NULL)
    gst_element_sync_state_with_parent (self->decoder);
  gst_element_sync_state_with_parent (self->parser);
  gst_element_link (self->appsrc, self->parser);
  g_object_set (self->appsrc, "caps", caps, NULL);
  self->codec = codec;
  GST_DEBUG_OBJECT (self, "chain built for %s", ce_codec_to_string (codec));
  return TRUE;
}

/* Back to a bare appsrc (READY, any thread holding the state lock). */
static void
remove_chain (CeSrc *self)
{
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), NULL);
  if (self->decoder != NULL) {
    gst_element_set_state (self->decoder, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), self->decoder);
    self->decoder = NULL;
  }
  if (self->parser != NULL) {
    gst_element_set_state (self->parser, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), self->parser);
    self->parser = NULL;
  }
  self->codec = CE_CODEC_UNKNOWN;
}

/* Maps a camera timestamp onto the running time.  The offset follows the
 * smallest transport delay seen: it drops at once when a frame arrives
 * "early" (so a timestamp is never ahead of the clock: the GOP burst that
 * cityeyed sends to a new viewer is played at once, not in real time) and
 * creeps up by 1/64 of the difference otherwise (so clock drift between
 * the camera and this machine never piles up latency).  Timestamps only
 * grow: a new session starts on the running time at its first frame, so
 * the timeline is continuous across reconnects.  Cameras with B-frames are
 * not supported (their presentation order is not monotonic). */
static GstClockTime
stamp (CeSrc *self, guint64 camera_ns, GstClockTime now)
{
  gint64 offset = (gint64) now - (gint64) camera_ns;
  GstClockTime pts;

  if (!self->have_offset || offset < self->offset)
    self->offset = offset;
  else
    self->offset += (offset - self->offset) / 64;
  self->have_offset = TRUE;
  pts = (GstClockTime) MAX ((gint64) camera_ns + self->offset, 0);
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts) && pts <= self->last_pts)
    pts = self->last_pts + GST_USECOND;
  self->last_pts = pts;
  return pts;
}

static void
push_buffer (CeSrc *self, GstBuffer *buffer, GstClockTime pts)
{
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = pts;
  gst_app_src_push_buffer (GST_APP_SRC (self->appsrc), buffer);
}

/* Pending buffers, once the pipeline has a clock: stamped "now", in order. */
static void
flush_pending (CeSrc *self, GstClockTime now)
{
  GstBuffer *buffer;

  while ((buffer = g_queue_pop_head (&self->pending)) != NULL) {
    GstClockTime pts = now;

    if (GST_CLOCK_TIME_IS_VALID (self->last_pts) && pts <= self->last_pts)
      pts = self->last_pts + GST_USECOND;
    self->last_pts = pts;
    push_buffer (self, buffer, pts);
  }
}

static gboolean
flush_pending_now (gpointer data)
{
  CeSrc *self = data;
  GstClockTime now = gst_element_get_current_running_time (GST_ELEMENT (self));

  if (self->running && GST_CLOCK_TIME_IS_VALID (now))
    flush_pending (self, now);
  return G_SOURCE_REMOVE;
}

/* ---- sessions (network thread) ------------------------------------------ */

static void schedule_retry (CeSrc *self, const char *reason);

static void
end_session (CeSrc *self)
{
  g_clear_pointer (&self->client, ce_rtsp_client_free);
  g_clear_pointer (&self->depay, ce_depay_free);
  if (self->failure != NULL) {
    g_source_destroy (self->failure);
    g_clear_pointer (&self->failure, g_source_unref);
  }
  g_clear_pointer (&self->failure_message, g_free);
  self->session_playing = FALSE;
  self->session_video = FALSE;
}

static gboolean handle_failure (gpointer data);

/* The session ends in an idle callback, never inside the client's own. */
static void
defer_failure (CeSrc *self, guint status, const char *message, gboolean reached)
{
  if (self->failure != NULL)
    return;
  self->failure_status = status;
  self->failure_reached = reached;
  g_free (self->failure_message);
  self->failure_message = g_strdup (message);
  self->failure = g_idle_source_new ();
  g_source_set_callback (self->failure, handle_failure, self, NULL);
  g_source_attach (self->failure, ce_net_get_context ());
}

/* A fatal error: posted once, and no more attempts. */
static void
fatal (CeSrc *self, GQuark domain, gint code, const char *text,
    const char *debug)
{
  self->failed = TRUE;
  defer_failure (self, 0, text, TRUE);
  post_state (self, "failed", text, 0);
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, domain, code,
      g_strdup (text), g_strdup (debug), __FILE__, GST_FUNCTION, __LINE__);
}

static void
on_au (GBytes *au, guint64 pts_ns, gboolean keyframe, gboolean discont,
    gpointer user_data)
{
  CeSrc *self = user_data;
  g_autoptr (GBytes) bytes = NULL;
  GstBuffer *buffer;
  GstClockTime now;

  self->last_activity_us = g_get_monotonic_time ();
  if (!self->session_video) {
    self->session_video = TRUE;
    self->failures = 0;
    self->unreachable = 0;
    self->ever_played = TRUE;
    post_state (self, "playing", NULL, 0);
  }
  if (!keyframe && self->need_keyframe) {
    self->dropped++;
    return;
  }
  if (gst_app_src_get_current_level_bytes (GST_APP_SRC (self->appsrc)) >
      QUEUE_MAX_BYTES) {
    /* Downstream does not keep up: resume at a keyframe rather than play
     * damaged pictures. */
    GST_WARNING_OBJECT (self,
        "downstream is too slow, skipping to the next "
        "keyframe");
    self->need_keyframe = TRUE;
    self->need_discont = TRUE;
    self->dropped++;
    return;
  }
  self->need_keyframe = FALSE;
  /* The buffer takes its own reference.  Parameter sets repeated between
   * the slices of a picture were left out by the depayloader. */
  bytes = g_bytes_ref (au);
  buffer = gst_buffer_new_wrapped_bytes (bytes);
  if (!keyframe)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  if (discont || self->need_discont)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  self->need_discont = FALSE;

  now = gst_element_get_current_running_time (GST_ELEMENT (self));
  if (!GST_CLOCK_TIME_IS_VALID (now)) {
    if (g_queue_get_length (&self->pending) >= PENDING_MAX) {
      g_queue_clear_full (&self->pending, (GDestroyNotify) gst_buffer_unref);
      self->need_keyframe = TRUE;
    }
    g_queue_push_tail (&self->pending, buffer);
    return;
  }
  flush_pending (self, now);
  push_buffer (self, buffer, stamp (self, pts_ns, now));
}

static void
on_playing (CeRtspClient *client, const CeSdpVideo *video,
    const CeSdpAudio *audio, gpointer user_data)
{
  CeSrc *self = user_data;

  if (self->codec != CE_CODEC_UNKNOWN && self->codec != video->codec) {
    g_autofree char *text = g_strdup_printf (
        "Camera %s changed its codec from %s to %s; restart the pipeline",
        self->run_camera_id, ce_codec_to_string (self->codec),
        ce_codec_to_string (video->codec));

    fatal (self, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, text, NULL);
    return;
  }
  if (self->codec == CE_CODEC_UNKNOWN && !build_chain (self, video->codec)) {
    self->failed = TRUE;
    defer_failure (self, 0, "no chain", TRUE);
    return;
  }
  self->session_playing = TRUE;
  self->last_activity_us = g_get_monotonic_time ();
  self->payload_type = (guint8) video->payload_type;
  g_clear_pointer (&self->depay, ce_depay_free);
  self->depay = ce_depay_new (video->codec, video->clock_rate);
  ce_depay_set_parameter_sets (self->depay, video->vps, video->sps, video->pps);
  ce_depay_set_max_don_diff (self->depay, video->max_don_diff);
}

static void
on_rtp (CeRtspClient *client, guint track, const guint8 *packet, gsize size,
    gpointer user_data)
{
  CeSrc *self = user_data;
  guint8 pt;

  if (self->depay == NULL || self->failure != NULL || size < 12)
    return;
  pt = packet[1] & 0x7f;
  if (pt >= 72 && pt <= 76) /* RTCP on the RTP channel */
    return;
  ce_depay_push (self->depay, packet, size, on_au, self);
}

static char *
describe_failure (guint status, const char *message)
{
  /* The client words its messages for cameras; here it is the gateway. */
  if (status != 0)
    return g_strdup_printf ("gateway answered RTSP %u", status);
  if (g_str_has_prefix (message, "cannot connect to the camera: "))
    return g_strdup_printf ("cannot connect: %s",
        message + strlen ("cannot connect to the camera: "));
  if (strcmp (message, "camera closed the connection") == 0)
    return g_strdup ("the gateway closed the connection");
  return g_strdup (message);
}

static gboolean
handle_failure (gpointer data)
{
  CeSrc *self = data;
  guint status = self->failure_status;
  gboolean reached = self->failure_reached;
  g_autofree char *message = g_steal_pointer (&self->failure_message);
  g_autofree char *reason = describe_failure (status, message);
  g_autofree char *text = NULL;
  g_autofree char *debug = NULL;

  g_clear_pointer (&self->failure, g_source_unref);
  end_session (self);
  if (self->failed || !self->running)
    return G_SOURCE_REMOVE;
  debug = g_strdup_printf ("%s: %s", self->log_url, message);
  switch (status) {
    case 404:
      text = g_strdup_printf ("Camera %s is not in the registry of the gateway "
                              "%s (RTSP 404): check the camera id",
          self->run_camera_id, self->run_gateway);
      fatal (self, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, text,
          debug);
      return G_SOURCE_REMOVE;
    case 401:
      text = g_strdup_printf (strstr (self->url, "token=") != NULL
              ? "The gateway refused the token for camera %s (RTSP 401): "
                "the token is unknown, revoked or expired; set a valid one "
                "with the token property or ?token= in the URI"
              : "The gateway wants a token for camera %s (RTSP 401): set the "
                "token property or add ?token= to the URI",
          self->run_camera_id);
      fatal (self, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED, text,
          debug);
      return G_SOURCE_REMOVE;
    case 403:
      text = g_strdup_printf ("The token may not view camera %s (RTSP 403): "
                              "ask an administrator for access, or use "
                              "another token",
          self->run_camera_id);
      fatal (self, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED, text,
          debug);
      return G_SOURCE_REMOVE;
    case 400:
      text = g_strdup_printf ("The gateway %s refused the request for camera "
                              "%s (RTSP 400): check the gateway property",
          self->run_gateway, self->run_camera_id);
      fatal (self, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, text,
          debug);
      return G_SOURCE_REMOVE;
    default:
      break;
  }
  self->failures++;
  if (!reached)
    self->unreachable++;
  else
    self->unreachable = 0;
  /* An unreachable gateway at start is a configuration error to report;
   * once the camera played, a gateway that goes away is waited for. */
  if (!self->ever_played && self->run_start_attempts > 0 &&
      self->unreachable >= self->run_start_attempts) {
    text = g_strdup_printf ("Cannot reach the cityeye gateway at %s after %u "
                            "attempts (%s): is cityeyed running there? Check "
                            "the gateway property or " CE_GATEWAY_ENV,
        self->run_gateway, self->unreachable, reason);
    fatal (self, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, text, debug);
    return G_SOURCE_REMOVE;
  }
  if (self->failures == 1) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Camera %s: %s; reconnecting", self->run_camera_id, reason),
        ("%s", debug));
  }
  schedule_retry (self, reason);
  return G_SOURCE_REMOVE;
}

static void
on_failed (CeRtspClient *client, guint status, const char *message,
    gpointer user_data)
{
  CeSrc *self = user_data;
  CeRtspClientTimes times = {0};

  if (!self->running)
    return;
  if (client != NULL)
    ce_rtsp_client_get_times (client, &times);
  defer_failure (self, status, message, times.connected != 0);
}

static const CeRtspClientFuncs client_funcs = {
    .playing = on_playing,
    .rtp = on_rtp,
    .failed = on_failed,
};

static void
open_session (CeSrc *self)
{
  self->session_playing = FALSE;
  self->session_video = FALSE;
  self->need_keyframe = TRUE;
  self->need_discont = TRUE;
  self->have_offset = FALSE;
  self->last_activity_us = g_get_monotonic_time ();
  /* Video only: the element has one (video) source pad. */
  self->client = ce_rtsp_client_new (self->url, NULL, NULL, REQUEST_TIMEOUT_MS,
      FALSE, &client_funcs, self);
}

static gboolean
on_retry (gpointer data)
{
  CeSrc *self = data;

  g_clear_pointer (&self->retry, g_source_unref);
  if (!self->running || self->failed)
    return G_SOURCE_REMOVE;
  open_session (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (CeSrc *self, const char *reason)
{
  guint exp = MIN (self->failures, 8) - 1;
  guint base = MIN ((guint) BACKOFF_INITIAL_MS << exp, BACKOFF_MAX_MS);
  /* ±25 % jitter: pipelines dropped together do not come back together. */
  guint delay = (guint) (base * g_random_double_range (0.75, 1.25));

  post_state (self, "reconnecting", reason, delay);
  self->retry = g_timeout_source_new (delay);
  g_source_set_callback (self->retry, on_retry, self, NULL);
  g_source_attach (self->retry, ce_net_get_context ());
}

/* A session whose gateway stopped sending video is dropped, like a failed
 * one.  The gateway keeps viewers connected while it reconnects to a
 * camera, so this fires only when the gateway itself is stuck or the
 * camera stays away longer than stall-timeout. */
static gboolean
on_watchdog (gpointer data)
{
  CeSrc *self = data;
  gint64 idle = g_get_monotonic_time () - self->last_activity_us;

  g_autofree char *message = NULL;

  if (self->client == NULL || !self->session_playing || self->failure != NULL ||
      idle < (gint64) self->run_stall_ms * 1000)
    return G_SOURCE_CONTINUE;
  message = g_strdup_printf ("no video from the gateway for %u s",
      self->run_stall_ms / 1000);
  defer_failure (self, 0, message, TRUE);
  return G_SOURCE_CONTINUE;
}

static gboolean
start_on_net (gpointer data)
{
  CeSrc *self = data;

  self->running = TRUE;
  self->failed = FALSE;
  self->failures = 0;
  self->unreachable = 0;
  self->ever_played = FALSE;
  self->last_pts = GST_CLOCK_TIME_NONE;
  post_state (self, "connecting", NULL, 0);
  open_session (self);
  self->watchdog = g_timeout_source_new (WATCHDOG_MS);
  g_source_set_callback (self->watchdog, on_watchdog, self, NULL);
  g_source_attach (self->watchdog, ce_net_get_context ());
  return G_SOURCE_REMOVE;
}

static gboolean
stop_on_net (gpointer data)
{
  CeSrc *self = data;

  self->running = FALSE;
  end_session (self);
  if (self->retry != NULL) {
    g_source_destroy (self->retry);
    g_clear_pointer (&self->retry, g_source_unref);
  }
  if (self->watchdog != NULL) {
    g_source_destroy (self->watchdog);
    g_clear_pointer (&self->watchdog, g_source_unref);
  }
  g_queue_clear_full (&self->pending, (GDestroyNotify) gst_buffer_unref);
  return G_SOURCE_REMOVE;
}

/* ---- element ------------------------------------------------------------ */

/* Copies the properties for a run and checks them. */
static gboolean
prepare_run (CeSrc *self)
{
  g_autofree char *gateway = NULL;
  g_autofree char *normalised = NULL;
  g_autofree char *camera_id = NULL;
  g_autofree char *token = NULL;
  g_autoptr (GError) error = NULL;
  gboolean sub;

  GST_OBJECT_LOCK (self);
  camera_id = g_strdup (self->camera_id);
  token = g_strdup (self->token);
  gateway = g_strdup (self->gateway);
  sub = self->profile == CE_SRC_PROFILE_SUB;
  self->run_decode = self->decode;
  self->run_start_attempts = self->start_attempts;
  self->run_stall_ms = self->stall_timeout * 1000;
  GST_OBJECT_UNLOCK (self);

  if (gateway == NULL)
    gateway = g_strdup (
        g_getenv (CE_GATEWAY_ENV) != NULL && *g_getenv (CE_GATEWAY_ENV) != '\0'
            ? g_getenv (CE_GATEWAY_ENV)
            : CE_GATEWAY_DEFAULT);
  if (camera_id == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("No camera: set the camera-id property (20 digits) or play a "
         "cityeye://CAMERA_ID URI"),
        (NULL));
    return FALSE;
  }
  if (!ce_camera_id_is_valid (camera_id)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Camera id “%s” is not a 20-digit GB/T 28181 code", camera_id),
        (NULL));
    return FALSE;
  }
  normalised = ce_gateway_normalise (gateway, &error);
  if (normalised == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        (NULL));
    return FALSE;
  }
  g_free (self->run_camera_id);
  self->run_camera_id = g_steal_pointer (&camera_id);
  g_free (self->url);
  self->url = ce_gateway_camera_url (normalised, self->run_camera_id, sub,
      token != NULL && *token != '\0' ? token : NULL);
  g_free (self->log_url);
  self->log_url =
      ce_gateway_camera_url (normalised, self->run_camera_id, sub, NULL);
  g_free (self->run_gateway);
  self->run_gateway = g_steal_pointer (&normalised);
  return TRUE;
}

static GstStateChangeReturn
ce_src_change_state (GstElement *element, GstStateChange transition)
{
  CeSrc *self = CE_SRC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!prepare_run (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      ce_net_run_sync (stop_on_net, self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (ce_src_parent_class)
            ->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      ce_net_run_sync (start_on_net, self);
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      ce_net_run_sync (flush_pending_now, self);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      remove_chain (self);
      break;
    default:
      break;
  }
  return ret;
}

static void
ce_src_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  CeSrc *self = CE_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CAMERA_ID:
      g_free (self->camera_id);
      self->camera_id = g_value_dup_string (value);
      break;
    case PROP_GATEWAY:
      g_free (self->gateway);
      self->gateway = g_value_dup_string (value);
      break;
    case PROP_TOKEN:
      g_free (self->token);
      self->token = g_value_dup_string (value);
      break;
    case PROP_PROFILE:
      self->profile = g_value_get_enum (value);
      break;
    case PROP_DECODE:
      self->decode = g_value_get_boolean (value);
      break;
    case PROP_START_ATTEMPTS:
      self->start_attempts = g_value_get_uint (value);
      break;
    case PROP_STALL_TIMEOUT:
      self->stall_timeout = g_value_get_uint (value);
      break;
    case PROP_LATENCY:
      self->latency = g_value_get_uint (value);
      g_object_set (self->appsrc, "min-latency",
          (gint64) self->latency * GST_MSECOND, NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
ce_src_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  CeSrc *self = CE_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CAMERA_ID:
      g_value_set_string (value, self->camera_id);
      break;
    case PROP_GATEWAY:
      g_value_set_string (value, self->gateway);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_PROFILE:
      g_value_set_enum (value, self->profile);
      break;
    case PROP_DECODE:
      g_value_set_boolean (value, self->decode);
      break;
    case PROP_START_ATTEMPTS:
      g_value_set_uint (value, self->start_attempts);
      break;
    case PROP_STALL_TIMEOUT:
      g_value_set_uint (value, self->stall_timeout);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
ce_src_dispose (GObject *object)
{
  CeSrc *self = CE_SRC (object);

  /* Normally done by PAUSED→READY; this is for an element dropped while
   * running, so that no callback outlives it. */
  if (self->running)
    ce_net_run_sync (stop_on_net, self);
  G_OBJECT_CLASS (ce_src_parent_class)->dispose (object);
}

static void
ce_src_finalize (GObject *object)
{
  CeSrc *self = CE_SRC (object);

  g_free (self->camera_id);
  g_free (self->gateway);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  if (self->url != NULL)
    memset (self->url, 0, strlen (self->url));
  g_free (self->url);
  g_free (self->log_url);
  g_free (self->run_gateway);
  g_free (self->run_camera_id);
  g_free (self->failure_message);
  G_OBJECT_CLASS (ce_src_parent_class)->finalize (object);
}

static void
ce_src_init (CeSrc *self)
{
  GstPadTemplate *templ = gst_static_pad_template_get (&src_template);

  self->start_attempts = DEFAULT_START_ATTEMPTS;
  self->stall_timeout = DEFAULT_STALL_TIMEOUT;
  self->latency = DEFAULT_LATENCY;
  self->codec = CE_CODEC_UNKNOWN;
  self->last_pts = GST_CLOCK_TIME_NONE;
  g_queue_init (&self->pending);

  self->appsrc = gst_element_factory_make ("appsrc", "source");
  g_object_set (self->appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME,
      "do-timestamp", FALSE, "block", FALSE, "max-bytes",
      (guint64) QUEUE_MAX_BYTES * 2, "min-latency",
      (gint64) DEFAULT_LATENCY * GST_MSECOND, NULL);
  gst_bin_add (GST_BIN (self), self->appsrc);

  self->srcpad = gst_ghost_pad_new_no_target_from_template ("src", templ);
  gst_object_unref (templ);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}

static void
ce_src_class_init (CeSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (ce_src_debug, "cityeye-src", 0,
      "cityeye camera source");

  gobject_class->set_property = ce_src_set_property;
  gobject_class->get_property = ce_src_get_property;
  gobject_class->dispose = ce_src_dispose;
  gobject_class->finalize = ce_src_finalize;
  element_class->change_state = ce_src_change_state;

  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "The camera's 20-digit GB/T 28181 id in the gateway's registry", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_GATEWAY,
      g_param_spec_string ("gateway", "Gateway",
          "Base RTSP URL of cityeyed, rtsp://HOST:PORT; when unset, the "
          "environment variable " CE_GATEWAY_ENV ", else " CE_GATEWAY_DEFAULT,
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TOKEN,
      g_param_spec_string ("token", "Token",
          "API or play token for the gateway (sent as ?token=; never logged)",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_PROFILE,
      g_param_spec_enum ("profile", "Profile", "Which stream of the camera",
          CE_TYPE_SRC_PROFILE, CE_SRC_PROFILE_MAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_DECODE,
      g_param_spec_boolean ("decode", "Decode",
          "Output raw video (true) instead of parsed H.264/H.265 access "
          "units (false)",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_START_ATTEMPTS,
      g_param_spec_uint ("start-attempts", "Start attempts",
          "Failed attempts to reach the gateway before the first picture "
          "after which the element fails (0 = retry for ever); once playing, "
          "a lost gateway is retried for ever",
          0, G_MAXUINT, DEFAULT_START_ATTEMPTS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STALL_TIMEOUT,
      g_param_spec_uint ("stall-timeout", "Stall timeout",
          "Seconds without video after which the session to the gateway is "
          "reopened",
          1, 3600, DEFAULT_STALL_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "Latency reported to the pipeline, in milliseconds", 0, 10000,
          DEFAULT_LATENCY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "cityeye camera",
      "Source/Video/Network",
      "Plays a camera of the cityeye registry by its id through the gateway, "
      "reconnecting by itself; posts cityeye-state element messages",
      "cityeye developers");
  gst_type_mark_as_plugin_api (CE_TYPE_SRC_PROFILE, 0);
}

/* ---- URI handler -------------------------------------------------------- */

static GstURIType
ce_src_uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const char *const *
ce_src_uri_get_protocols (GType type)
{
  static const char *const protocols[] = {"cityeye", NULL};

  return protocols;
}

static char *
ce_src_uri_get_uri (GstURIHandler *handler)
{
  CeSrc *self = CE_SRC (handler);
  char *uri = NULL;

  GST_OBJECT_LOCK (self);
  if (self->camera_id != NULL)
    uri = ce_uri_build (self->camera_id, self->profile == CE_SRC_PROFILE_SUB);
  GST_OBJECT_UNLOCK (self);
  return uri;
}

static gboolean
ce_src_uri_set_uri (GstURIHandler *handler, const char *uri, GError **error)
{
  CeSrc *self = CE_SRC (handler);
  CeUri parsed;
  g_autoptr (GError) local = NULL;

  if (GST_STATE (self) > GST_STATE_READY) {
    g_set_error_literal (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
        "The URI can only be changed in the NULL or READY state");
    return FALSE;
  }
  if (!ce_uri_parse (uri, &parsed, &local)) {
    g_set_error_literal (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        local->message);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  g_free (self->camera_id);
  self->camera_id = g_steal_pointer (&parsed.camera_id);
  self->profile = parsed.sub ? CE_SRC_PROFILE_SUB : CE_SRC_PROFILE_MAIN;
  if (parsed.token != NULL) {
    g_free (self->token);
    self->token = g_steal_pointer (&parsed.token);
  }
  if (parsed.gateway != NULL) {
    g_free (self->gateway);
    self->gateway = g_steal_pointer (&parsed.gateway);
  }
  GST_OBJECT_UNLOCK (self);
  ce_uri_clear (&parsed);
  return TRUE;
}

static void
ce_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = ce_src_uri_get_type;
  iface->get_protocols = ce_src_uri_get_protocols;
  iface->get_uri = ce_src_uri_get_uri;
  iface->set_uri = ce_src_uri_set_uri;
}
