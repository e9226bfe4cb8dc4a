/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * rtspsrc → depayloader → parser → appsink → hub, for one attempt.
 */
#include "ce-ingest.h"
#include "ce-depay.h"
#include "ce-rtsp-client.h"
#include "ce-rtp.h"

#include <gst/app/gstappsink.h>
#include <gst/rtsp/gstrtsptransport.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (ce_ingest_debug);
#define GST_CAT_DEFAULT ce_ingest_debug

struct _CeIngest
{
  gatomicrefcount ref;
  char *name;
  CeHub *hub;
  GstElement *pipeline;
  GMainContext *context;
  CeIngestCallbacks callbacks;
  gpointer user_data;
  GSource *bus_source;
  GSource *watchdog;
  guint stall_ms;
  guint connect_ms;
  gboolean discont;

  gint stopped;            /* atomic: no callbacks, no pushes */
  gint keyframe_signalled; /* atomic */
  gboolean failed;
  gboolean keyframe_reported;

  /* Native ingest (main context only). */
  CeRtspClient *client;
  CeDepay *depay;
  guint8 payload_type;
  gboolean audio;              /* set up the camera's audio track */
  gboolean keyframe_request;   /* ask for one when the stream starts mid-GOP */
  gboolean first_picture_seen; /* the request is decided on it */
  gint64 video_t0;             /* arrival of the first video packet, µs */
  guint audio_rate;            /* 0: no audio track */
  gboolean audio_started;
  guint32 audio_ssrc;
  guint32 audio_last_ts;
  gint64 audio_ext;     /* extended timestamp since audio_t0 */
  gint64 audio_base_ns; /* audio_ext 0 on the video's source timeline */

  GMutex lock; /* protects what streaming threads write: */
  CeCodec codec;
  gboolean linked;
  gint64 last_data;
  CeIngestTimes times;
};

static GThreadPool *teardown_pool;
static GMutex teardown_lock;
static GCond teardown_cond;
static guint teardown_pending;

static void
ensure_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (ce_ingest_debug, "cityeye-ingest", 0,
        "cityeye camera ingest");
    g_once_init_leave (&once, 1);
  }
}

static CeIngest *
ingest_ref (CeIngest *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

static void
ingest_unref (gpointer data)
{
  CeIngest *self = data;

  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_clear_pointer (&self->depay, ce_depay_free);
  ce_hub_unref (self->hub);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self->name);
  g_free (self);
}

static void
ingest_closure_unref (gpointer data, GClosure *closure)
{
  ingest_unref (data);
}

static void
teardown_func (gpointer data, gpointer user_data)
{
  GstElement *pipeline = data;

  /* Setting an rtspsrc pipeline to NULL sends TEARDOWN and joins its
   * threads: it may take the teardown timeout. */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_mutex_lock (&teardown_lock);
  teardown_pending--;
  g_cond_broadcast (&teardown_cond);
  g_mutex_unlock (&teardown_lock);
}

void
ce_ingest_flush_teardowns (void)
{
  g_mutex_lock (&teardown_lock);
  while (teardown_pending > 0)
    g_cond_wait (&teardown_cond, &teardown_lock);
  g_mutex_unlock (&teardown_lock);
}

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

/* ---- streaming threads ------------------------------------------------ */

static gboolean
on_keyframe_idle (gpointer user_data)
{
  CeIngest *self = user_data;

  if (g_atomic_int_get (&self->stopped) || self->keyframe_reported)
    return G_SOURCE_REMOVE;
  self->keyframe_reported = TRUE;
  if (self->callbacks.keyframe != NULL)
    self->callbacks.keyframe (self, self->user_data);
  return G_SOURCE_REMOVE;
}

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  CeIngest *self = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer;
  gboolean discont;
  CeCodec codec;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (g_atomic_int_get (&self->stopped)) {
    gst_sample_unref (sample);
    return GST_FLOW_FLUSHING;
  }
  buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);

  g_mutex_lock (&self->lock);
  self->last_data = now_us ();
  discont = self->discont;
  self->discont = FALSE;
  codec = self->codec;
  g_mutex_unlock (&self->lock);

  /* The hub decides what is a keyframe; the first one is reported to the
   * main context at once: viewers are waiting for it. */
  if (ce_hub_push (self->hub, codec, buffer, discont) &&
      !g_atomic_int_get (&self->keyframe_signalled) &&
      ce_hub_is_ready (self->hub) &&
      g_atomic_int_compare_and_exchange (&self->keyframe_signalled, 0, 1)) {
    GSource *idle = g_idle_source_new ();

    g_mutex_lock (&self->lock);
    self->times.first_keyframe = now_us ();
    g_mutex_unlock (&self->lock);
    g_source_set_priority (idle, G_PRIORITY_HIGH);
    g_source_set_callback (idle, on_keyframe_idle, ingest_ref (self),
        ingest_unref);
    g_source_attach (idle, self->context);
    g_source_unref (idle);
  }
  return GST_FLOW_OK;
}

static GstPadProbeReturn
on_first_packet (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CeIngest *self = user_data;

  g_mutex_lock (&self->lock);
  if (self->times.first_packet == 0)
    self->times.first_packet = now_us ();
  self->last_data = now_us ();
  g_mutex_unlock (&self->lock);
  return GST_PAD_PROBE_REMOVE;
}

static void
on_sdp (GstElement *src, gpointer sdp, gpointer user_data)
{
  CeIngest *self = user_data;

  g_mutex_lock (&self->lock);
  if (self->times.described == 0)
    self->times.described = now_us ();
  g_mutex_unlock (&self->lock);
}

static CeCodec
codec_of (GstCaps *caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *media = gst_structure_get_string (s, "media");
  const char *enc = gst_structure_get_string (s, "encoding-name");

  if (g_strcmp0 (media, "video") != 0 || enc == NULL)
    return CE_CODEC_UNKNOWN;
  if (g_ascii_strcasecmp (enc, "H264") == 0)
    return CE_CODEC_H264;
  if (g_ascii_strcasecmp (enc, "H265") == 0 ||
      g_ascii_strcasecmp (enc, "HEVC") == 0)
    return CE_CODEC_H265;
  return CE_CODEC_UNKNOWN;
}

/* Only the first H.264/H.265 video track is set up: audio and metadata
 * tracks would cost a SETUP round trip and four threads each. */
static gboolean
on_select_stream (GstElement *src, guint num, GstCaps *caps, gpointer user_data)
{
  CeIngest *self = user_data;
  gboolean take;

  g_mutex_lock (&self->lock);
  take = self->codec == CE_CODEC_UNKNOWN && codec_of (caps) != CE_CODEC_UNKNOWN;
  if (take)
    self->codec = codec_of (caps);
  g_mutex_unlock (&self->lock);
  GST_DEBUG ("%s: stream %u %" GST_PTR_FORMAT " %s", self->name, num, caps,
      take ? "selected" : "skipped");
  return take;
}

static void
on_pad_added (GstElement *src, GstPad *pad, gpointer user_data)
{
  CeIngest *self = user_data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstElement *depay, *parse, *filter, *sink;
  /* The pipeline through the element that emits, never the ingest's
   * pointer: ce_ingest_stop() may hand that to the teardown thread while
   * this runs on rtspsrc's streaming thread. */
  g_autoptr (GstObject) parent = gst_object_get_parent (GST_OBJECT (src));
  GstElement *pipeline = parent != NULL ? GST_ELEMENT (parent) : NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  g_autoptr (GstCaps) au_caps = NULL;
  GstAppSinkCallbacks cb = {0};
  CeCodec codec;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  codec = codec_of (caps);
  g_mutex_lock (&self->lock);
  if (self->linked || codec == CE_CODEC_UNKNOWN || pipeline == NULL ||
      g_atomic_int_get (&self->stopped)) {
    g_mutex_unlock (&self->lock);
    return;
  }
  self->linked = TRUE;
  self->codec = codec;
  g_mutex_unlock (&self->lock);

  if (codec == CE_CODEC_H264) {
    depay = gst_element_factory_make ("rtph264depay", NULL);
    parse = gst_element_factory_make ("h264parse", NULL);
    au_caps = gst_caps_from_string (
        "video/x-h264,stream-format=byte-stream,alignment=au");
  } else {
    depay = gst_element_factory_make ("rtph265depay", NULL);
    parse = gst_element_factory_make ("h265parse", NULL);
    au_caps = gst_caps_from_string (
        "video/x-h265,stream-format=byte-stream,alignment=au");
  }
  filter = gst_element_factory_make ("capsfilter", NULL);
  sink = gst_element_factory_make ("appsink", NULL);
  if (depay == NULL || parse == NULL || filter == NULL || sink == NULL) {
    GstElement *made[] = {depay, parse, filter, sink};

    for (guint i = 0; i < G_N_ELEMENTS (made); i++)
      if (made[i] != NULL)
        gst_object_unref (gst_object_ref_sink (made[i]));
    GST_ELEMENT_ERROR (pipeline, CORE, MISSING_PLUGIN,
        ("GStreamer elements for %s are missing", ce_codec_to_string (codec)),
        (NULL));
    return;
  }
  /* Parameter sets in front of every keyframe: the GOP cache and late
   * joiners need them in-band. */
  g_object_set (parse, "config-interval", -1, NULL);
  g_object_set (filter, "caps", au_caps, NULL);
  g_object_set (sink, "sync", FALSE, "emit-signals", FALSE, "max-buffers", 8,
      "drop", FALSE, "enable-last-sample", FALSE, NULL);
  cb.new_sample = on_new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, ingest_ref (self),
      ingest_unref);

  gst_bin_add_many (GST_BIN (pipeline), depay, parse, filter, sink, NULL);
  if (!gst_element_link_many (depay, parse, filter, sink, NULL)) {
    GST_ELEMENT_ERROR (pipeline, CORE, NEGOTIATION,
        ("Cannot link the %s parser", ce_codec_to_string (codec)), (NULL));
    return;
  }
  sinkpad = gst_element_get_static_pad (depay, "sink");
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, on_first_packet,
      ingest_ref (self), ingest_unref);
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (parse);
  gst_element_sync_state_with_parent (depay);
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR (pipeline, CORE, NEGOTIATION,
        ("Cannot link the camera's %s track", ce_codec_to_string (codec)),
        (NULL));
}

/* ---- main context ----------------------------------------------------- */

static void
fail (CeIngest *self, CeIngestFailure failure, const char *message)
{
  if (self->failed || g_atomic_int_get (&self->stopped))
    return;
  self->failed = TRUE;
  GST_INFO ("%s: %s", self->name, message);
  if (self->callbacks.failed != NULL)
    self->callbacks.failed (self, failure, message, self->user_data);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  CeIngest *self = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR: {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;
      const GstStructure *details = NULL;
      g_autofree char *text = NULL;
      guint status = 0;

      gst_message_parse_error (msg, &error, &debug);
      gst_message_parse_error_details (msg, &details);
      if (details != NULL)
        gst_structure_get_uint (details, "rtsp-status-code", &status);
      if (status == 401)
        text = g_strdup ("camera refused the credentials (401)");
      else if (status != 0)
        text =
            g_strdup_printf ("camera answered %u: %s", status, error->message);
      else
        text = g_strdup (error->message);
      GST_DEBUG ("%s: error %s (%s)", self->name, error->message, debug);
      fail (self, CE_INGEST_FAILED_ERROR, text);
      break;
    }
    case GST_MESSAGE_EOS:
      fail (self, CE_INGEST_FAILED_EOS, "camera closed the stream");
      break;
    case GST_MESSAGE_WARNING: {
      g_autoptr (GError) error = NULL;

      gst_message_parse_warning (msg, &error, NULL);
      GST_INFO ("%s: warning: %s", self->name, error->message);
      break;
    }
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (msg, "GstRTSPSrcTimeout"))
        fail (self, CE_INGEST_FAILED_STALL, "camera RTCP timeout");
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_watchdog (gpointer user_data)
{
  CeIngest *self = user_data;
  gint64 now = now_us (), last, limit, described;
  gboolean linked, have_data;

  g_mutex_lock (&self->lock);
  have_data = self->last_data != 0;
  last = have_data ? self->last_data : self->times.started;
  described = self->times.described;
  linked = self->linked;
  g_mutex_unlock (&self->lock);

  /* Before any media, allow for connecting as well. */
  limit = (gint64) self->stall_ms * 1000;
  if (!have_data)
    limit += (gint64) self->connect_ms * 1000;
  if (now - last > limit) {
    if (!linked && described != 0)
      fail (self, CE_INGEST_FAILED_CODEC,
          "camera has no H.264 or H.265 video track");
    else
      fail (self, CE_INGEST_FAILED_STALL,
          have_data ? "camera stopped sending media"
                    : "no media from the camera");
  }
  return G_SOURCE_CONTINUE;
}

/* ---- native ingest (main context) ------------------------------------- */

static void
signal_keyframe (CeIngest *self)
{
  if (g_atomic_int_compare_and_exchange (&self->keyframe_signalled, 0, 1)) {
    g_mutex_lock (&self->lock);
    self->times.first_keyframe = now_us ();
    g_mutex_unlock (&self->lock);
    self->keyframe_reported = TRUE;
    if (self->callbacks.keyframe != NULL)
      self->callbacks.keyframe (self, self->user_data);
  }
}

static void
on_native_au (GBytes *au, guint64 pts_ns, gboolean keyframe, gboolean discont,
    gpointer user_data)
{
  CeIngest *self = user_data;
  GstBuffer *buffer;
  gboolean first;

  if (g_atomic_int_get (&self->stopped))
    return;
  buffer = gst_buffer_new_wrapped_bytes (au);
  GST_BUFFER_PTS (buffer) = pts_ns;
  g_mutex_lock (&self->lock);
  self->last_data = now_us ();
  first = self->discont;
  self->discont = FALSE;
  g_mutex_unlock (&self->lock);
  /* A loss inside the session keeps the camera's timeline (the
   * depayloader already skipped to a keyframe); only a new session needs
   * the hub to rebase. */
  if (ce_hub_push (self->hub, self->codec, buffer, first) &&
      ce_hub_is_ready (self->hub))
    signal_keyframe (self);
}

/* The parameter sets of the camera's SDP (sprop-*) as the hub's
 * description of the stream, when they are complete. */
static void
on_client_described (CeRtspClient *client, const CeSdpVideo *video,
    const CeSdpAudio *audio, gpointer user_data)
{
  CeIngest *self = user_data;
  static const guint8 start_code[] = {0, 0, 0, 1};
  GBytes *sets[] = {video->vps, video->sps, video->pps};
  g_autoptr (GByteArray) annexb = g_byte_array_new ();
  CeVideoParams params = {.codec = video->codec};

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++) {
    gsize size = 0;
    const guint8 *data =
        sets[i] != NULL ? g_bytes_get_data (sets[i], &size) : NULL;

    if (size == 0)
      continue;
    g_byte_array_append (annexb, start_code, sizeof (start_code));
    g_byte_array_append (annexb, data, (guint) size);
  }
  ce_video_params_update (&params, annexb->data, annexb->len);
  if (ce_video_params_complete (&params) && params.width > 0) {
    ce_hub_set_audio (self->hub, audio);
    ce_hub_announce (self->hub, &params);
    GST_DEBUG ("%s: described by the camera's SDP (%ux%u)", self->name,
        params.width, params.height);
    if (self->callbacks.described != NULL && !g_atomic_int_get (&self->stopped))
      self->callbacks.described (self, self->user_data);
  }
  ce_video_params_clear (&params);
}

static void
on_client_playing (CeRtspClient *client, const CeSdpVideo *video,
    const CeSdpAudio *audio, gpointer user_data)
{
  CeIngest *self = user_data;

  /* The hub describes the audio to viewers; a session without it (a
   * camera whose microphone was switched off) clears it. */
  ce_hub_set_audio (self->hub, audio);
  self->audio_rate = audio != NULL ? audio->clock_rate : 0;
  self->audio_started = FALSE;
  self->video_t0 = 0;

  g_mutex_lock (&self->lock);
  self->codec = video->codec;
  self->linked = TRUE;
  g_mutex_unlock (&self->lock);
  self->payload_type = video->payload_type;
  g_clear_pointer (&self->depay, ce_depay_free);
  self->depay = ce_depay_new (video->codec, video->clock_rate);
  ce_depay_set_parameter_sets (self->depay, video->vps, video->sps, video->pps);
}

/* Audio RTP is passed through: only its timestamp is translated onto the
 * video's source timeline.  Cameras' audio and video clocks start at
 * unrelated values; the two are aligned by arrival time of the first
 * packet of each (RTCP sender reports are not read), which is exact to
 * within the camera's packetisation delay, tens of milliseconds. */
static gint64
ticks_to_ns (gint64 ticks, guint rate)
{
  gint64 ns = (gint64) gst_util_uint64_scale_int_round ((guint64) ABS (ticks),
      GST_SECOND, (gint) rate);

  return ticks < 0 ? -ns : ns;
}

static void
push_audio (CeIngest *self, const guint8 *packet, gsize size, gint64 now)
{
  CeRtpHeader h;
  GstBuffer *buffer;
  gint64 pts;

  /* Payload types 72–76 are RTCP on the wrong channel. */
  if (self->audio_rate == 0 || self->video_t0 == 0 ||
      !ce_rtp_parse_header (packet, size, &h) || h.payload_size == 0 ||
      (h.payload_type >= 72 && h.payload_type <= 76))
    return;
  if (!self->audio_started || h.ssrc != self->audio_ssrc) {
    self->audio_started = TRUE;
    self->audio_ssrc = h.ssrc;
    self->audio_ext = 0;
    self->audio_base_ns = (now - self->video_t0) * 1000;
  } else {
    gint32 delta = (gint32) (h.timestamp - self->audio_last_ts);

    /* A jump of more than ten seconds either way is a new clock. */
    if (delta > (gint32) self->audio_rate * 10 ||
        delta < -(gint32) self->audio_rate * 10) {
      self->audio_ext = 0;
      self->audio_base_ns = (now - self->video_t0) * 1000;
    } else {
      self->audio_ext += delta;
    }
  }
  self->audio_last_ts = h.timestamp;
  pts = self->audio_base_ns + ticks_to_ns (self->audio_ext, self->audio_rate);
  if (pts < 0)
    return;
  buffer = gst_buffer_new_memdup (packet + h.payload_offset, h.payload_size);
  GST_BUFFER_PTS (buffer) = (GstClockTime) pts;
  if (h.marker)
    GST_BUFFER_FLAG_SET (buffer, CE_HUB_BUFFER_FLAG_MARKER);
  ce_hub_push_audio (self->hub, buffer);
}

/* A camera's stream usually starts wherever its encoder is in the GOP:
 * the first picture would wait up to a GOP (2–4 s) for the next keyframe.
 * When the first slice is not a keyframe's, the camera is asked for one
 * (RTCP PLI + FIR): encoders that honour it send one at once, the others
 * ignore the packet. */
static void
request_keyframe_if_mid_gop (CeIngest *self, CeRtspClient *client,
    const guint8 *packet, gsize size)
{
  CeRtpHeader h;
  CeRtpPicture picture;
  guint8 rtcp[40];
  gsize n;

  if (!self->keyframe_request || self->first_picture_seen ||
      !ce_rtp_parse_header (packet, size, &h))
    return;
  picture = ce_rtp_payload_picture (self->codec, packet + h.payload_offset,
      h.payload_size);
  if (picture == CE_RTP_PICTURE_NONE)
    return;
  self->first_picture_seen = TRUE;
  if (picture == CE_RTP_PICTURE_KEY)
    return;
  n = ce_rtcp_write_keyframe_request (rtcp, g_random_int (), h.ssrc, 0);
  if (ce_rtsp_client_send_rtcp (client, CE_TRACK_VIDEO, rtcp, n))
    GST_DEBUG ("%s: stream starts mid-GOP, keyframe requested", self->name);
}

static void
on_client_rtp (CeRtspClient *client, guint track, const guint8 *packet,
    gsize size, gpointer user_data)
{
  CeIngest *self = user_data;

  guint8 pt;

  if (self->depay == NULL || size < 12)
    return;
  if (track == CE_TRACK_AUDIO) {
    g_mutex_lock (&self->lock);
    self->last_data = now_us ();
    g_mutex_unlock (&self->lock);
    push_audio (self, packet, size, now_us ());
    return;
  }
  if (self->video_t0 == 0)
    self->video_t0 = now_us ();
  /* Payload types 72–76 are RTCP packets sent on the wrong channel.  Any
   * other type is taken: some cameras list one type in m= and map
   * another. */
  pt = packet[1] & 0x7f;
  if (pt >= 72 && pt <= 76)
    return;
  if (self->times.first_packet == 0) {
    g_mutex_lock (&self->lock);
    self->times.first_packet = now_us ();
    g_mutex_unlock (&self->lock);
  }
  request_keyframe_if_mid_gop (self, client, packet, size);
  g_mutex_lock (&self->lock);
  self->last_data = now_us ();
  g_mutex_unlock (&self->lock);
  ce_depay_push (self->depay, packet, size, on_native_au, self);
}

static void fail (CeIngest *self, CeIngestFailure failure, const char *message);

static void
on_client_failed (CeRtspClient *client, guint status, const char *message,
    gpointer user_data)
{
  CeIngest *self = user_data;

  if (status == 0 && self->codec == CE_CODEC_UNKNOWN &&
      strstr (message, "no usable video") != NULL)
    fail (self, CE_INGEST_FAILED_CODEC, message);
  else
    fail (self, CE_INGEST_FAILED_ERROR, message);
}

CeIngest *
ce_ingest_start (const char *name, const CeIngestSource *source, CeHub *hub,
    gboolean discont, const CeIngestCallbacks *callbacks, gpointer user_data)
{
  CeIngest *self;
  GstElement *src;
  g_autoptr (GstBus) bus = NULL;

  g_return_val_if_fail (source != NULL && source->url != NULL, NULL);
  ensure_init ();

  g_mutex_lock (&teardown_lock);
  if (teardown_pool == NULL)
    teardown_pool = g_thread_pool_new (teardown_func, NULL, 2, FALSE, NULL);
  g_mutex_unlock (&teardown_lock);

  self = g_new0 (CeIngest, 1);
  g_atomic_ref_count_init (&self->ref);
  g_mutex_init (&self->lock);
  self->name = g_strdup (name);
  self->hub = ce_hub_ref (hub);
  self->context = g_main_context_ref_thread_default ();
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->stall_ms =
      source->stall_timeout_ms > 0 ? source->stall_timeout_ms : 5000;
  self->connect_ms =
      source->connect_timeout_ms > 0 ? source->connect_timeout_ms : 5000;
  self->discont = discont;

  /* Whole seconds: GLib wakes every such timer of the process at once, so
   * hundreds of cameras cost one wakeup a second (the timeouts are set in
   * seconds, a second late at most). */
  self->watchdog = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->watchdog, on_watchdog, ingest_ref (self),
      ingest_unref);
  g_source_attach (self->watchdog, self->context);

  if (!source->use_rtspsrc) {
    static const CeRtspClientFuncs funcs = {on_client_playing, on_client_rtp,
        on_client_failed, on_client_described};

    self->times.started = now_us ();
    self->keyframe_request = source->keyframe_request;
    self->client = ce_rtsp_client_new (source->url, source->username,
        source->password, self->connect_ms, source->audio, &funcs, self);
    GST_DEBUG ("%s: connecting to %s", name, source->url);
    return self;
  }

  self->pipeline = gst_pipeline_new (name);
  src = gst_element_factory_make ("rtspsrc", NULL);
  if (src == NULL) {
    g_critical ("rtspsrc is missing (gstreamer1.0-plugins-good)");
    gst_object_unref (self->pipeline);
    ingest_unref (self);
    return NULL;
  }
  /* TCP: no 5 s UDP probe, fewer threads, NAT-proof.  No jitterbuffer
   * delay: TCP does not reorder. */
  g_object_set (src, "location", source->url, "protocols",
      GST_RTSP_LOWER_TRANS_TCP, "latency", 0, "tcp-timeout",
      (guint64) self->connect_ms * 1000, "do-rtsp-keep-alive", TRUE,
      "teardown-timeout", (guint64) 100 * GST_MSECOND, "user-agent", "cityeye",
      NULL);
  if (source->username != NULL && *source->username != '\0')
    g_object_set (src, "user-id", source->username, NULL);
  if (source->password != NULL && *source->password != '\0')
    g_object_set (src, "user-pw", source->password, NULL);
  g_signal_connect_data (src, "select-stream", G_CALLBACK (on_select_stream),
      ingest_ref (self), ingest_closure_unref, 0);
  g_signal_connect_data (src, "on-sdp", G_CALLBACK (on_sdp), ingest_ref (self),
      ingest_closure_unref, 0);
  g_signal_connect_data (src, "pad-added", G_CALLBACK (on_pad_added),
      ingest_ref (self), ingest_closure_unref, 0);
  gst_bin_add (GST_BIN (self->pipeline), src);

  bus = gst_element_get_bus (self->pipeline);
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, G_SOURCE_FUNC (on_bus_message),
      ingest_ref (self), ingest_unref);
  g_source_attach (self->bus_source, self->context);

  /* Whole seconds: GLib wakes every such timer of the process at once, so
   * hundreds of cameras cost one wakeup a second (the timeouts are set in
   * seconds, a second late at most). */
  self->watchdog = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->watchdog, on_watchdog, ingest_ref (self),
      ingest_unref);
  g_source_attach (self->watchdog, self->context);

  self->times.started = now_us ();
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    GST_WARNING ("%s: cannot start the pipeline", name);
  GST_DEBUG ("%s: connecting to %s", name, source->url);
  return self;
}

void
ce_ingest_stop (CeIngest *self)
{
  if (self == NULL)
    return;
  g_atomic_int_set (&self->stopped, 1);
  if (self->bus_source != NULL) {
    g_source_destroy (self->bus_source);
    g_source_unref (self->bus_source);
  }
  if (self->watchdog != NULL) {
    g_source_destroy (self->watchdog);
    g_source_unref (self->watchdog);
  }
  if (self->client != NULL) {
    /* Sends TEARDOWN without waiting; safe from inside its callbacks. */
    g_clear_pointer (&self->client, ce_rtsp_client_free);
    ingest_unref (self);
    return;
  }
  g_mutex_lock (&teardown_lock);
  teardown_pending++;
  g_mutex_unlock (&teardown_lock);
  g_thread_pool_push (teardown_pool, g_steal_pointer (&self->pipeline), NULL);
  ingest_unref (self);
}

void
ce_ingest_get_times (CeIngest *self, CeIngestTimes *times)
{
  g_mutex_lock (&self->lock);
  *times = self->times;
  g_mutex_unlock (&self->lock);
  if (self->client != NULL) {
    CeRtspClientTimes ct;

    ce_rtsp_client_get_times (self->client, &ct);
    times->described = ct.described;
  }
}
