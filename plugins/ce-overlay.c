/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyeoverlay: burns the camera's name and id, its street and position,
 * and the wall-clock time into raw video, for wall mosaics and evidence
 * clips.  A bin of "textoverlay ! clockoverlay" (pango, in
 * gst-plugins-base): the time at the top left, name and position at the
 * bottom left, as camera OSDs place them.
 *
 * The text comes from properties; with camera-id set, what they leave
 * unset is fetched once per start from the gateway's HTTP API
 * (GET /api/v1/cameras/{id}, Bearer token) on a short-lived thread, so
 * that a slow or absent API never holds up the video: the label appears
 * when the answer comes, and a failure is a warning, not an error.
 */
#include "ce-camera-info.h"
#include "ce-config.h"
#include "ce-elements.h"
#include "ce-uri.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (ce_overlay_debug);
#define GST_CAT_DEFAULT ce_overlay_debug

#define DEFAULT_TIME_FORMAT "%Y-%m-%d %H:%M:%S"
#define DEFAULT_FONT "Sans, 12"
#define API_ENV "CITYEYE_API"
#define API_DEFAULT "http://127.0.0.1:8080"
#define API_TIMEOUT_S 5

#define CE_TYPE_OVERLAY (ce_overlay_get_type ())
G_DECLARE_FINAL_TYPE (CeOverlay, ce_overlay, CE, OVERLAY, GstBin)

struct _CeOverlay
{
  GstBin parent;

  GstElement *text;  /* textoverlay: name, street, position */
  GstElement *clock; /* clockoverlay: time */

  /* Under the object lock. */
  char *camera_id;
  char *camera_name;
  char *street;
  double lon, lat; /* WGS-84; 0,0 = unknown */
  char *api;       /* nullable: CITYEYE_API, else the default */
  char *token;

  /* The fetch of the label (application thread: start and stop). */
  GThread *fetch;
  GCancellable *cancel;
};

G_DEFINE_FINAL_TYPE (CeOverlay, ce_overlay, GST_TYPE_BIN);

GST_ELEMENT_REGISTER_DEFINE (cityeyeoverlay, "cityeyeoverlay", GST_RANK_NONE,
    CE_TYPE_OVERLAY);

enum
{
  PROP_0,
  PROP_CAMERA_ID,
  PROP_CAMERA_NAME,
  PROP_STREET,
  PROP_LON,
  PROP_LAT,
  PROP_TIME_FORMAT,
  PROP_FONT_DESC,
  PROP_API,
  PROP_TOKEN,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

/* "Name (id)\nStreet · 121.40000°E 31.35000°N", parts left out when
 * unknown.  Called with the object lock held. */
static char *
compose_text (CeOverlay *self)
{
  GString *s = g_string_new (NULL);
  gboolean name = self->camera_name != NULL && *self->camera_name != '\0';
  gboolean id = self->camera_id != NULL && *self->camera_id != '\0';
  gboolean street = self->street != NULL && *self->street != '\0';
  gboolean position = self->lon != 0.0 || self->lat != 0.0;

  if (name)
    g_string_append (s, self->camera_name);
  if (id)
    g_string_append_printf (s, name ? " (%s)" : "%s", self->camera_id);
  if ((name || id) && (street || position))
    g_string_append_c (s, '\n');
  if (street)
    g_string_append (s, self->street);
  if (street && position)
    g_string_append (s, " · ");
  if (position) {
    char lon[G_ASCII_DTOSTR_BUF_SIZE], lat[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (lon, sizeof lon, "%.5f", fabs (self->lon));
    g_ascii_formatd (lat, sizeof lat, "%.5f", fabs (self->lat));
    g_string_append_printf (s, "%s°%c %s°%c", lon, self->lon < 0 ? 'W' : 'E',
        lat, self->lat < 0 ? 'S' : 'N');
  }
  return g_string_free (s, FALSE);
}

static void
update_text (CeOverlay *self)
{
  g_autofree char *text = NULL;

  GST_OBJECT_LOCK (self);
  text = compose_text (self);
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "text: %s", text);
  g_object_set (self->text, "text", text, "silent", *text == '\0', NULL);
}

static void
ce_overlay_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  CeOverlay *self = CE_OVERLAY (object);

  switch (prop_id) {
    case PROP_TIME_FORMAT:
      g_object_set_property (G_OBJECT (self->clock), "time-format", value);
      return;
    case PROP_FONT_DESC:
      g_object_set_property (G_OBJECT (self->clock), "font-desc", value);
      g_object_set_property (G_OBJECT (self->text), "font-desc", value);
      return;
    default:
      break;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CAMERA_ID:
      g_free (self->camera_id);
      self->camera_id = g_value_dup_string (value);
      break;
    case PROP_CAMERA_NAME:
      g_free (self->camera_name);
      self->camera_name = g_value_dup_string (value);
      break;
    case PROP_STREET:
      g_free (self->street);
      self->street = g_value_dup_string (value);
      break;
    case PROP_LON:
      self->lon = g_value_get_double (value);
      break;
    case PROP_LAT:
      self->lat = g_value_get_double (value);
      break;
    case PROP_API:
      g_free (self->api);
      self->api = g_value_dup_string (value);
      break;
    case PROP_TOKEN:
      g_free (self->token);
      self->token = g_value_dup_string (value);
      break;
    default:
      GST_OBJECT_UNLOCK (self);
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }
  GST_OBJECT_UNLOCK (self);
  update_text (self);
}

static void
ce_overlay_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  CeOverlay *self = CE_OVERLAY (object);

  switch (prop_id) {
    case PROP_TIME_FORMAT:
      g_object_get_property (G_OBJECT (self->clock), "time-format", value);
      return;
    case PROP_FONT_DESC:
      g_object_get_property (G_OBJECT (self->clock), "font-desc", value);
      return;
    default:
      break;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CAMERA_ID:
      g_value_set_string (value, self->camera_id);
      break;
    case PROP_CAMERA_NAME:
      g_value_set_string (value, self->camera_name);
      break;
    case PROP_STREET:
      g_value_set_string (value, self->street);
      break;
    case PROP_LON:
      g_value_set_double (value, self->lon);
      break;
    case PROP_LAT:
      g_value_set_double (value, self->lat);
      break;
    case PROP_API:
      g_value_set_string (value, self->api);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- the label from the gateway ----------------------------------------- */

/* Fills what the properties left unset. */
static void
apply_info (CeOverlay *self, CeCameraInfo *info)
{
  GST_OBJECT_LOCK (self);
  if ((self->camera_name == NULL || *self->camera_name == '\0') &&
      info->name != NULL) {
    g_free (self->camera_name);
    self->camera_name = g_steal_pointer (&info->name);
  }
  if ((self->street == NULL || *self->street == '\0') && info->street != NULL) {
    g_free (self->street);
    self->street = g_steal_pointer (&info->street);
  }
  if (self->lon == 0.0 && self->lat == 0.0) {
    self->lon = info->lon;
    self->lat = info->lat;
  }
  GST_OBJECT_UNLOCK (self);
  update_text (self);
}

static gpointer
fetch_thread (gpointer data)
{
  CeOverlay *self = data;
  g_autofree char *camera_id = NULL, *api = NULL, *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autofree char *body = g_malloc (CE_CAMERA_INFO_MAX_SIZE + 1);
  CeCameraInfo info;
  gsize size = 0;
  guint status;

  GST_OBJECT_LOCK (self);
  camera_id = g_strdup (self->camera_id);
  api = g_strdup (self->api);
  token = g_strdup (self->token);
  GST_OBJECT_UNLOCK (self);
  if (api == NULL)
    api = g_strdup (g_getenv (API_ENV) != NULL && *g_getenv (API_ENV) != '\0'
            ? g_getenv (API_ENV)
            : API_DEFAULT);
  while (g_str_has_suffix (api, "/"))
    api[strlen (api) - 1] = '\0';

  uri = g_uri_parse (api, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
          g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("The api property must be the gateway's http:// base URL (such as "
         "%s), without user, query or fragment: the label of camera %s is "
         "not fetched",
            API_DEFAULT, camera_id),
        (NULL));
    return NULL;
  }
  url = g_strdup_printf ("%s/api/v1/cameras/%s", api, camera_id);
  msg = soup_message_new ("GET", url);
  if (msg == NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Cannot build a request to %s", api), (NULL));
    return NULL;
  }
  if (token != NULL && *token != '\0') {
    g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", bearer);
    memset (bearer, 0, strlen (bearer));
  }
  session = soup_session_new_with_options ("timeout", API_TIMEOUT_S,
      "user-agent", "cityeye-overlay/" CE_VERSION, NULL);
  in = soup_session_send (session, msg, self->cancel, &error);
  if (in != NULL)
    g_input_stream_read_all (in, body, CE_CAMERA_INFO_MAX_SIZE + 1, &size,
        self->cancel, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  status = soup_message_get_status (msg);
  if (error != NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        ("Cannot fetch the label of camera %s from the gateway's API at %s: "
         "%s; check the api property or " API_ENV,
            camera_id, api, error->message),
        (NULL));
    return NULL;
  }
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN) {
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
        ("The gateway's API refused to describe camera %s (HTTP %u): set "
         "cityeyeoverlay's token to an API token that may see it",
            camera_id, status),
        (NULL));
    return NULL;
  }
  if (status == SOUP_STATUS_NOT_FOUND) {
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
        ("Camera %s is not in the registry of %s: only its id is shown",
            camera_id, api),
        (NULL));
    return NULL;
  }
  if (status != SOUP_STATUS_OK ||
      !ce_camera_info_parse (body, size, &info, &error)) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("The gateway's API gave no usable description of camera %s "
         "(HTTP %u%s%s)",
            camera_id, status, error != NULL ? ": " : "",
            error != NULL ? error->message : ""),
        (NULL));
    return NULL;
  }
  GST_DEBUG_OBJECT (self, "label of %s fetched from %s", camera_id, api);
  apply_info (self, &info);
  ce_camera_info_clear (&info);
  return NULL;
}

static void
fetch_stop (CeOverlay *self)
{
  if (self->fetch == NULL)
    return;
  g_cancellable_cancel (self->cancel);
  g_thread_join (self->fetch);
  self->fetch = NULL;
  g_clear_object (&self->cancel);
}

static GstStateChangeReturn
ce_overlay_change_state (GstElement *element, GstStateChange transition)
{
  CeOverlay *self = CE_OVERLAY (element);
  gboolean fetch;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      GST_OBJECT_LOCK (self);
      fetch = ce_camera_id_is_valid (self->camera_id);
      GST_OBJECT_UNLOCK (self);
      if (fetch && self->fetch == NULL) {
        self->cancel = g_cancellable_new ();
        self->fetch = g_thread_new ("cityeye-label", fetch_thread, self);
      }
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      fetch_stop (self);
      break;
    default:
      break;
  }
  return GST_ELEMENT_CLASS (ce_overlay_parent_class)
      ->change_state (element, transition);
}

static void
ce_overlay_dispose (GObject *object)
{
  fetch_stop (CE_OVERLAY (object));
  G_OBJECT_CLASS (ce_overlay_parent_class)->dispose (object);
}

static void
ce_overlay_finalize (GObject *object)
{
  CeOverlay *self = CE_OVERLAY (object);

  g_free (self->camera_id);
  g_free (self->camera_name);
  g_free (self->street);
  g_free (self->api);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  G_OBJECT_CLASS (ce_overlay_parent_class)->finalize (object);
}

static void
ce_overlay_init (CeOverlay *self)
{
  GstPadTemplate *templ;
  GstPad *ghost;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) src = NULL;

  self->text = gst_element_factory_make ("textoverlay", "text");
  self->clock = gst_element_factory_make ("clockoverlay", "clock");
  if (self->text == NULL || self->clock == NULL) {
    /* Without pango the element has no pads: linking it fails, and the log
     * says why. */
    GST_ERROR_OBJECT (self,
        "textoverlay/clockoverlay are missing: install "
        "gstreamer1.0-plugins-base (pango)");
    g_clear_pointer (&self->text, gst_object_unref);
    g_clear_pointer (&self->clock, gst_object_unref);
    return;
  }
  gst_util_set_object_arg (G_OBJECT (self->text), "valignment", "bottom");
  gst_util_set_object_arg (G_OBJECT (self->text), "halignment", "left");
  gst_util_set_object_arg (G_OBJECT (self->text), "line-alignment", "left");
  g_object_set (self->text, "shaded-background", TRUE, "font-desc",
      DEFAULT_FONT, "silent", TRUE, "wait-text", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (self->clock), "valignment", "top");
  gst_util_set_object_arg (G_OBJECT (self->clock), "halignment", "left");
  g_object_set (self->clock, "shaded-background", TRUE, "font-desc",
      DEFAULT_FONT, "time-format", DEFAULT_TIME_FORMAT, NULL);
  gst_bin_add_many (GST_BIN (self), self->text, self->clock, NULL);
  gst_element_link_pads (self->text, "src", self->clock, "video_sink");

  sink = gst_element_get_static_pad (self->text, "video_sink");
  src = gst_element_get_static_pad (self->clock, "src");
  templ = gst_static_pad_template_get (&sink_template);
  ghost = gst_ghost_pad_new_from_template ("sink", sink, templ);
  gst_object_unref (templ);
  gst_element_add_pad (GST_ELEMENT (self), ghost);
  templ = gst_static_pad_template_get (&src_template);
  ghost = gst_ghost_pad_new_from_template ("src", src, templ);
  gst_object_unref (templ);
  gst_element_add_pad (GST_ELEMENT (self), ghost);
}

static void
ce_overlay_class_init (CeOverlayClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (ce_overlay_debug, "cityeye-overlay", 0,
      "cityeye overlay");

  gobject_class->set_property = ce_overlay_set_property;
  gobject_class->get_property = ce_overlay_get_property;
  gobject_class->dispose = ce_overlay_dispose;
  gobject_class->finalize = ce_overlay_finalize;
  element_class->change_state = ce_overlay_change_state;

  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "The camera's id, shown after its name; when valid, what the other "
          "properties leave unset is fetched from the gateway's API at start",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_CAMERA_NAME,
      g_param_spec_string ("camera-name", "Camera name",
          "The camera's name (UTF-8, Chinese included)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STREET,
      g_param_spec_string ("street", "Street",
          "The camera's street or town (街镇)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LON,
      g_param_spec_double ("lon", "Longitude",
          "WGS-84 longitude in degrees (0 with lat 0: no position shown)",
          -180.0, 180.0, 0.0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LAT,
      g_param_spec_double ("lat", "Latitude", "WGS-84 latitude in degrees",
          -90.0, 90.0, 0.0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_TIME_FORMAT,
      g_param_spec_string ("time-format", "Time format",
          "strftime format of the local wall-clock time", DEFAULT_TIME_FORMAT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_FONT_DESC,
      g_param_spec_string ("font-desc", "Font",
          "Pango font description of all the text", DEFAULT_FONT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_API,
      g_param_spec_string ("api", "API",
          "Base HTTP URL of cityeyed's API, for the camera's name, street and "
          "position; when unset, the environment variable " API_ENV
          ", else " API_DEFAULT,
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TOKEN,
      g_param_spec_string ("token", "Token",
          "API token for the gateway's HTTP API (sent as a Bearer token; "
          "never logged)",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "cityeye overlay",
      "Filter/Editor/Video",
      "Burns a camera's name, position and the time into raw video",
      "cityeye developers");
}
