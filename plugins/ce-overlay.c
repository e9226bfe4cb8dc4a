/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeyeoverlay: burns the camera's name and id, its street and position,
 * and the wall-clock time into raw video, for wall mosaics and evidence
 * clips.  A bin of "textoverlay ! clockoverlay" (pango, in
 * gst-plugins-base): the time at the top left, name and position at the
 * bottom left, as camera OSDs place them.
 *
 * The text comes from properties.  Fetching name and position from the
 * gateway's HTTP API by camera-id is not done yet: cityeyed has no HTTP API
 * so far (open issue); until then the application sets them (it knows them
 * from the registry: `cityeye camera show ID --json`).
 */
#include "ce-elements.h"

#include <math.h>

GST_DEBUG_CATEGORY_STATIC (ce_overlay_debug);
#define GST_CAT_DEFAULT ce_overlay_debug

#define DEFAULT_TIME_FORMAT "%Y-%m-%d %H:%M:%S"
#define DEFAULT_FONT "Sans, 12"

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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
ce_overlay_finalize (GObject *object)
{
  CeOverlay *self = CE_OVERLAY (object);

  g_free (self->camera_id);
  g_free (self->camera_name);
  g_free (self->street);
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
  gobject_class->finalize = ce_overlay_finalize;

  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "The camera's id, shown after its name", NULL,
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

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "cityeye overlay",
      "Filter/Editor/Video",
      "Burns a camera's name, position and the time into raw video",
      "cityeye developers");
}
