/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Streaming writers of inventory files (CSV, GB/T 28181 Catalog XML,
 * GeoJSON, KML) whose memory use does not grow with the number of cameras.
 */
#include "ce-export.h"
#include "ce-json-write.h"
#include "ce-import.h"

#include <math.h>
#include <string.h>

/* Output is collected in a GString and handed to the stream in blocks of
 * about this size: one write per block instead of one per field keeps a
 * million-camera export within seconds, and memory stays bounded. */
#define FLUSH_BYTES (64 * 1024)

/* A catalog export is a series of complete Catalog responses of at most
 * this many items each, like a device answering in several packets. */
#define CATALOG_ITEMS_PER_DOCUMENT 500

/* The DeviceID of the Response and the ParentID of every item: cityeye
 * itself, as a platform of 宝山区 (civil code 310113), industry 00, type
 * 200 (中心信令控制服务器), network 0, serial 000001.  A constant on
 * purpose: deriving it from the cameras' ids would make the output depend
 * on their order and on odd ids in the inventory. */
#define CATALOG_PLATFORM_ID "31011300002000000001"

/* The exported fields.  Their order and their keys come from
 * ce_csv_columns, so that every format uses the CSV header's names. */
typedef enum
{
  FIELD_UNKNOWN,
  FIELD_ID,
  FIELD_NAME,
  FIELD_SOURCE,
  FIELD_STREET,
  FIELD_CIVIL_CODE,
  FIELD_ADDRESS,
  FIELD_LON,
  FIELD_LAT,
  FIELD_RTSP_URL,
  FIELD_RTSP_URL_SUB,
  FIELD_USERNAME,
  FIELD_PASSWORD,
  FIELD_SECRECY,
  FIELD_PTZ_TYPE,
  FIELD_AZIMUTH,
  FIELD_TAGS,
  FIELD_STATUS,
} Field;

static const struct
{
  const char *key;
  Field field;
} field_keys[] = {
    {"id", FIELD_ID},
    {"name", FIELD_NAME},
    {"source", FIELD_SOURCE},
    {"street", FIELD_STREET},
    {"civil_code", FIELD_CIVIL_CODE},
    {"address", FIELD_ADDRESS},
    {"lon", FIELD_LON},
    {"lat", FIELD_LAT},
    {"rtsp_url", FIELD_RTSP_URL},
    {"rtsp_url_sub", FIELD_RTSP_URL_SUB},
    {"username", FIELD_USERNAME},
    {"password", FIELD_PASSWORD},
    {"secrecy", FIELD_SECRECY},
    {"ptz_type", FIELD_PTZ_TYPE},
    {"azimuth", FIELD_AZIMUTH},
    {"tags", FIELD_TAGS},
    {"status", FIELD_STATUS},
};

typedef struct
{
  const char *key; /* borrowed from ce_csv_columns */
  Field field;
} Column;

/* KML style ids are the source keys; colours are aabbggrr. */
static const struct
{
  CeSource source;
  const char *color;
} kml_styles[] = {
    {CE_SOURCE_PUBLIC_SECURITY, "ffff641e"}, /* 公安: blue */
    {CE_SOURCE_XUELIANG, "ff00b400"},        /* 雪亮: green */
    {CE_SOURCE_SOCIAL, "ff008cff"},          /* 社会面: orange */
    {CE_SOURCE_MOBILE, "ffc8288c"},          /* 单兵: purple */
};

struct _CeExporter
{
  CeFormat format;
  GOutputStream *out;
  CeCrs crs;
  CeExportFlags flags;

  Column *columns; /* the fields written, in ce_csv_columns order */
  guint n_columns;

  GString *buf; /* not yet written to @out */
  gboolean started;
  gboolean finished;
  gboolean failed; /* a write failed: the output is incomplete */
  guint64 count;   /* cameras added */

  /* Catalog: the items of the document being collected; its header needs
   * their number. */
  GString *items;
  guint doc_items;
  guint doc_sn;
};

typedef enum
{
  VALUE_ABSENT,
  VALUE_TEXT,
  VALUE_NUMBER,
} ValueKind;

typedef struct
{
  ValueKind kind;
  const char *text; /* borrowed; for numbers it points into @num */
  char num[G_ASCII_DTOSTR_BUF_SIZE];
} Value;

/* One camera prepared for writing: coordinates in the output CRS, already
 * formatted (several formats write them twice), and URLs masked unless
 * credentials are wanted. */
typedef struct
{
  const CeCamera *camera;
  Value lon;
  Value lat;
  const char *rtsp_url;
  const char *rtsp_url_sub;
  char *masked_url;
  char *masked_url_sub;
  /* Copies of fields that were not valid UTF-8, made valid (rare). */
  char *fixed[FIELD_STATUS + 1];
} Row;

static const char *
format_label (CeFormat format)
{
  switch (format) {
    case CE_FORMAT_CSV:
      return "CSV";
    case CE_FORMAT_CATALOG:
      return "catalog XML";
    case CE_FORMAT_GEOJSON:
      return "GeoJSON";
    case CE_FORMAT_KML:
      return "KML";
    case CE_FORMAT_AUTO:
    default:
      return "unknown";
  }
}

static gboolean
is_empty (const char *s)
{
  return s == NULL || *s == '\0';
}

static gboolean
with_credentials (const CeExporter *self)
{
  return (self->flags & CE_EXPORT_WITH_CREDENTIALS) != 0;
}

static void
row_clear (Row *row)
{
  g_free (row->masked_url);
  g_free (row->masked_url_sub);
  for (gsize i = 0; i < G_N_ELEMENTS (row->fixed); i++) {
    /* One of them may be a password. */
    if (row->fixed[i] != NULL)
      memset (row->fixed[i], 0, strlen (row->fixed[i]));
    g_free (row->fixed[i]);
  }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Row, row_clear)

/* Coordinates: always six decimals (about 0.1 m), in the C locale. */
static void
set_coordinate (double v, Value *value)
{
  if (!isfinite (v)) {
    value->kind = VALUE_ABSENT;
    value->text = NULL;
    return;
  }
  value->kind = VALUE_NUMBER;
  value->text = g_ascii_formatd (value->num, sizeof (value->num), "%.6f", v);
}

static void
row_init (const CeExporter *self, const CeCamera *camera, Row *row)
{
  double lon, lat;

  memset (row, 0, sizeof (*row));
  row->camera = camera;
  ce_geo_convert (CE_CRS_WGS84, self->crs, camera->lon, camera->lat, &lon,
      &lat);
  set_coordinate (lon, &row->lon);
  set_coordinate (lat, &row->lat);
  /* URLs are stored without userinfo already; masking again costs little
   * and keeps a password that slipped into a URL out of the file. */
  if (with_credentials (self)) {
    row->rtsp_url = camera->rtsp_url;
    row->rtsp_url_sub = camera->rtsp_url_sub;
  } else {
    if (!is_empty (camera->rtsp_url))
      row->rtsp_url = row->masked_url = ce_url_mask (camera->rtsp_url);
    if (!is_empty (camera->rtsp_url_sub))
      row->rtsp_url_sub = row->masked_url_sub =
          ce_url_mask (camera->rtsp_url_sub);
  }
}

/* Every writer relies on valid UTF-8: one bad byte would make the XML and
 * JSON unreadable, and would make the CSV importer take the whole file for
 * GB18030.  Records from the registry are validated, so this is a cheap
 * check that almost never copies. */
static const char *
valid_text (Row *row, Field field, const char *s)
{
  if (row->fixed[field] != NULL)
    return row->fixed[field];
  if (g_utf8_validate (s, -1, NULL))
    return s;
  row->fixed[field] = g_utf8_make_valid (s, -1);
  return row->fixed[field];
}

static void
set_text (Row *row, Field field, const char *s, Value *value)
{
  if (is_empty (s)) {
    value->kind = VALUE_ABSENT;
    value->text = NULL;
    return;
  }
  value->kind = VALUE_TEXT;
  value->text = valid_text (row, field, s);
}

/* Azimuth: six decimals at most, trailing zeros dropped ("45", "45.5"). */
static void
set_decimal (double v, Value *value)
{
  gsize len;

  set_coordinate (v, value);
  if (value->kind == VALUE_ABSENT)
    return;
  len = strlen (value->num);
  while (len > 0 && value->num[len - 1] == '0')
    value->num[--len] = '\0';
  if (len > 0 && value->num[len - 1] == '.')
    value->num[--len] = '\0';
  if (strcmp (value->num, "-0") == 0)
    strcpy (value->num, "0");
}

static void
set_int (int v, Value *value)
{
  value->kind = VALUE_NUMBER;
  g_snprintf (value->num, sizeof (value->num), "%d", v);
  value->text = value->num;
}

static void
get_value (const CeExporter *self, Row *row, Field field, Value *value)
{
  const CeCamera *camera = row->camera;

  switch (field) {
    case FIELD_ID:
      set_text (row, field, camera->id, value);
      break;
    case FIELD_NAME:
      set_text (row, field, camera->name, value);
      break;
    case FIELD_SOURCE:
      /* CE_SOURCE_NONE has a key ("none") that no importer accepts. */
      if (camera->source >= CE_SOURCE_PUBLIC_SECURITY &&
          camera->source <= CE_SOURCE_LAST)
        set_text (row, field, ce_source_to_string (camera->source), value);
      else
        set_text (row, field, NULL, value);
      break;
    case FIELD_STREET:
      set_text (row, field, camera->street, value);
      break;
    case FIELD_CIVIL_CODE:
      set_text (row, field, camera->civil_code, value);
      break;
    case FIELD_ADDRESS:
      set_text (row, field, camera->address, value);
      break;
    case FIELD_LON:
      value->kind = row->lon.kind;
      value->text = row->lon.text;
      break;
    case FIELD_LAT:
      value->kind = row->lat.kind;
      value->text = row->lat.text;
      break;
    case FIELD_RTSP_URL:
      set_text (row, field, row->rtsp_url, value);
      break;
    case FIELD_RTSP_URL_SUB:
      set_text (row, field, row->rtsp_url_sub, value);
      break;
    case FIELD_USERNAME:
      /* Checked again here although the column list already leaves the
       * credentials out: a secret must need two mistakes to leak. */
      set_text (row, field, with_credentials (self) ? camera->username : NULL,
          value);
      break;
    case FIELD_PASSWORD:
      set_text (row, field, with_credentials (self) ? camera->password : NULL,
          value);
      break;
    case FIELD_SECRECY:
      set_int (camera->secrecy, value);
      break;
    case FIELD_PTZ_TYPE:
      set_int (camera->ptz_type, value);
      break;
    case FIELD_AZIMUTH:
      set_decimal (camera->azimuth, value);
      break;
    case FIELD_TAGS:
      set_text (row, field, camera->tags, value);
      break;
    case FIELD_STATUS:
      set_text (row, field, ce_status_to_string (camera->status), value);
      break;
    case FIELD_UNKNOWN:
    default:
      set_text (row, field, NULL, value);
      break;
  }
}

/* Escaping.  Each appends @text (valid UTF-8) to @s. */

/* RFC 4180: a field with a comma, quote, CR or LF is quoted and its quotes
 * doubled.  Fields with leading or trailing blanks are quoted too, so that
 * a reader that trims unquoted fields still gets them back unchanged. */
static void
csv_append (GString *s, const char *text)
{
  gsize len = strlen (text);
  const char *p;

  if (text[strcspn (text, ",\"\r\n")] == '\0' && text[0] != ' ' &&
      text[0] != '\t' && text[len - 1] != ' ' && text[len - 1] != '\t') {
    g_string_append_len (s, text, len);
    return;
  }
  g_string_append_c (s, '"');
  while ((p = strchr (text, '"')) != NULL) {
    g_string_append_len (s, text, p - text + 1);
    g_string_append_c (s, '"');
    text = p + 1;
  }
  g_string_append (s, text);
  g_string_append_c (s, '"');
}

/* Text content for XML 1.0: the five special characters as entities, CR
 * as a character reference (a parser would turn a literal CR into LF), and
 * characters XML 1.0 does not allow (C0 controls other than TAB/LF/CR,
 * U+FFFE, U+FFFF) dropped. */
static void
xml_append (GString *s, const char *text)
{
  const char *run = text;
  const char *p = text;

  while (*p != '\0') {
    guchar c = (guchar) *p;
    const char *rep = NULL;
    gsize skip = 1;

    if (c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>' && c != '"' &&
        c != '\'') {
      p++;
      continue;
    }
    if (c >= 0x80) {
      /* U+FFFE and U+FFFF are EF BF BE and EF BF BF; every other byte of
       * valid UTF-8 is copied as it is. */
      if (c != 0xEF || (guchar) p[1] != 0xBF ||
          ((guchar) p[2] != 0xBE && (guchar) p[2] != 0xBF)) {
        p++;
        continue;
      }
      rep = "";
      skip = 3;
    } else {
      switch (c) {
        case '&':
          rep = "&amp;";
          break;
        case '<':
          rep = "&lt;";
          break;
        case '>':
          rep = "&gt;";
          break;
        case '"':
          rep = "&quot;";
          break;
        case '\'':
          rep = "&apos;";
          break;
        case '\r':
          rep = "&#13;";
          break;
        case '\t':
        case '\n':
          p++;
          continue;
        default:
          rep = ""; /* other C0 controls */
          break;
      }
    }
    g_string_append_len (s, run, p - run);
    g_string_append (s, rep);
    p += skip;
    run = p;
  }
  g_string_append_len (s, run, p - run);
}

/* Output. */

static gboolean
flush_buffer (CeExporter *self, gboolean force, GError **error)
{
  if (self->buf->len == 0 || (!force && self->buf->len < FLUSH_BYTES))
    return TRUE;
  if (!g_output_stream_write_all (self->out, self->buf->str, self->buf->len,
          NULL, NULL, error)) {
    self->failed = TRUE;
    g_prefix_error (error,
        "Cannot write the %s export: ", format_label (self->format));
    return FALSE;
  }
  g_string_truncate (self->buf, 0);
  return TRUE;
}

/* CSV.
 *
 * cityeye's CSV is a data interchange file, not a spreadsheet: cells are
 * written exactly as stored.  Cells that begin with = + - @ TAB or CR are
 * NOT defused with a leading apostrophe against spreadsheet formula
 * injection, because that would change the data on every export/import
 * round trip (a name like "-1号杆" is real data).
 * Open it in a spreadsheet only through an import dialog that treats every
 * column as text. */

static void
csv_write_header (CeExporter *self)
{
  for (guint i = 0; i < self->n_columns; i++) {
    if (i > 0)
      g_string_append_c (self->buf, ',');
    g_string_append (self->buf, self->columns[i].key);
  }
  g_string_append_c (self->buf, '\n');
}

static void
csv_write_camera (CeExporter *self, Row *row)
{
  for (guint i = 0; i < self->n_columns; i++) {
    Value value;

    if (i > 0)
      g_string_append_c (self->buf, ',');
    get_value (self, row, self->columns[i].field, &value);
    if (value.kind == VALUE_TEXT)
      csv_append (self->buf, value.text);
    else if (value.kind == VALUE_NUMBER)
      g_string_append (self->buf, value.text);
  }
  g_string_append_c (self->buf, '\n');
}

/* GB/T 28181 Catalog XML.
 *
 * The number of cameras is not known while streaming, and the stream need
 * not be seekable, so the single-document form (SumNum = total up front)
 * is impossible without holding the whole inventory.  Instead the output is
 * a series of complete Catalog responses, each with its own XML
 * declaration, SN 1, 2, 3 …, and at most CATALOG_ITEMS_PER_DOCUMENT items;
 * only the items of the document being collected are held in memory.
 * Deviation from a device's multi-packet answer (one SN, SumNum = grand
 * total, Num = items in the packet): here SumNum = Num = the document's own
 * item count, so every document is valid and complete on its own and a
 * reader that waits for SumNum items never waits for items that are in the
 * next document.  An empty export is one document with SumNum 0.  The
 * file as a whole is therefore not one XML document: a reader splits it
 * before each "<?xml" declaration (cityeye's importer does; each document
 * ends with "</Response>\n").
 *
 * Longitude/Latitude are WGS-84 in the standard; with another CRS they are
 * written in that CRS, which only a reader told so can use. */

static void
xml_element (GString *s, const char *indent, const char *name, const char *text)
{
  g_string_append (s, indent);
  g_string_append_c (s, '<');
  g_string_append (s, name);
  g_string_append_c (s, '>');
  if (text != NULL)
    xml_append (s, text);
  g_string_append (s, "</");
  g_string_append (s, name);
  g_string_append (s, ">\n");
}

/* Writes the element only when the field has a value. */
static void
xml_element_value (CeExporter *self, GString *s, const char *indent,
    const char *name, Row *row, Field field)
{
  Value value;

  get_value (self, row, field, &value);
  if (value.kind != VALUE_ABSENT)
    xml_element (s, indent, name, value.text);
}

static void
catalog_write_document (CeExporter *self)
{
  GString *s = self->buf;

  self->doc_sn++;
  g_string_append (s,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Response>\n"
      "  <CmdType>Catalog</CmdType>\n");
  g_string_append_printf (s,
      "  <SN>%u</SN>\n"
      "  <DeviceID>" CATALOG_PLATFORM_ID "</DeviceID>\n"
      "  <SumNum>%u</SumNum>\n"
      "  <DeviceList Num=\"%u\">\n",
      self->doc_sn, self->doc_items, self->doc_items);
  g_string_append_len (s, self->items->str, self->items->len);
  g_string_append (s,
      "  </DeviceList>\n"
      "</Response>\n");
  g_string_truncate (self->items, 0);
  self->doc_items = 0;
}

static void
catalog_write_camera (CeExporter *self, Row *row)
{
  const CeCamera *camera = row->camera;
  GString *s = self->items;
  const char *in = "      ";
  Value value;

  g_string_append (s, "    <Item>\n");
  get_value (self, row, FIELD_ID, &value);
  xml_element (s, in, "DeviceID", value.text);
  get_value (self, row, FIELD_NAME, &value);
  xml_element (s, in, "Name", value.text);
  xml_element (s, in, "Manufacturer", NULL);
  xml_element (s, in, "Model", NULL);
  xml_element (s, in, "Owner", NULL);
  get_value (self, row, FIELD_CIVIL_CODE, &value);
  xml_element (s, in, "CivilCode", value.text);
  get_value (self, row, FIELD_ADDRESS, &value);
  xml_element (s, in, "Address", value.text);
  xml_element (s, in, "Parental", "0");
  xml_element (s, in, "ParentID", CATALOG_PLATFORM_ID);
  xml_element (s, in, "SafetyWay", "0");
  xml_element (s, in, "RegisterWay", "1");
  xml_element_value (self, s, in, "Secrecy", row, FIELD_SECRECY);
  if (with_credentials (self))
    xml_element_value (self, s, in, "Password", row, FIELD_PASSWORD);
  if (camera->status == CE_STATUS_ONLINE)
    xml_element (s, in, "Status", "ON");
  else if (camera->status == CE_STATUS_OFFLINE)
    xml_element (s, in, "Status", "OFF");
  xml_element_value (self, s, in, "Longitude", row, FIELD_LON);
  xml_element_value (self, s, in, "Latitude", row, FIELD_LAT);
  if (camera->ptz_type > 0)
    g_string_append_printf (s, "%s<Info><PTZType>%d</PTZType></Info>\n", in,
        camera->ptz_type);
  /* cityeye extensions; standard readers ignore unknown elements. */
  xml_element_value (self, s, in, "Source", row, FIELD_SOURCE);
  xml_element_value (self, s, in, "Street", row, FIELD_STREET);
  xml_element_value (self, s, in, "StreamURL", row, FIELD_RTSP_URL);
  xml_element_value (self, s, in, "SubStreamURL", row, FIELD_RTSP_URL_SUB);
  xml_element_value (self, s, in, "Azimuth", row, FIELD_AZIMUTH);
  xml_element_value (self, s, in, "Tags", row, FIELD_TAGS);
  if (with_credentials (self))
    xml_element_value (self, s, in, "Username", row, FIELD_USERNAME);
  g_string_append (s, "    </Item>\n");

  if (++self->doc_items == CATALOG_ITEMS_PER_DOCUMENT)
    catalog_write_document (self);
}

/* GeoJSON.
 *
 * RFC 7946 coordinates are WGS-84 by definition.  When the exporter's CRS
 * is another one the coordinates are still written in it (that is what a
 * GCJ-02 web map wants), and a top-level foreign member "cityeye_crs"
 * names it so that the file does not pass for WGS-84 silently. */

static void
geojson_write_header (CeExporter *self)
{
  g_string_append (self->buf, "{\"type\":\"FeatureCollection\",");
  if (self->crs != CE_CRS_WGS84)
    g_string_append_printf (self->buf, "\"cityeye_crs\":\"%s\",",
        ce_crs_to_string (self->crs));
  g_string_append (self->buf, "\"features\":[\n");
}

static void
geojson_write_camera (CeExporter *self, Row *row)
{
  GString *s = self->buf;
  gboolean first = TRUE;
  Value id;

  if (self->count > 0)
    g_string_append (s, ",\n");
  g_string_append (s, "{\"type\":\"Feature\",");
  get_value (self, row, FIELD_ID, &id);
  if (id.kind != VALUE_ABSENT) {
    g_string_append (s, "\"id\":");
    ce_json_append_string (s, id.text);
    g_string_append_c (s, ',');
  }
  if (row->lon.kind != VALUE_ABSENT && row->lat.kind != VALUE_ABSENT) {
    g_string_append (s, "\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
    g_string_append (s, row->lon.text);
    g_string_append_c (s, ',');
    g_string_append (s, row->lat.text);
    g_string_append (s, "]},");
  } else
    g_string_append (s, "\"geometry\":null,");
  g_string_append (s, "\"properties\":{");
  for (guint i = 0; i < self->n_columns; i++) {
    Value value;

    get_value (self, row, self->columns[i].field, &value);
    if (value.kind == VALUE_ABSENT)
      continue;
    if (!first)
      g_string_append_c (s, ',');
    first = FALSE;
    ce_json_append_string (s, self->columns[i].key);
    g_string_append_c (s, ':');
    if (value.kind == VALUE_TEXT)
      ce_json_append_string (s, value.text);
    else
      g_string_append (s, value.text);
  }
  g_string_append (s, "}}");
}

/* KML 2.2.
 *
 * One folder per source would need the input sorted by source, which a
 * streaming writer cannot ask for; each placemark points at its source's
 * style instead (#public_security, #xueliang, #social, #mobile).  The
 * description is for people and never holds credentials; ExtendedData
 * holds the fields under their CSV keys (credentials only with
 * CE_EXPORT_WITH_CREDENTIALS).  KML is WGS-84 by definition too: another
 * CRS is named in the Document's ExtendedData ("cityeye_crs"). */

static void
kml_write_header (CeExporter *self)
{
  GString *s = self->buf;

  g_string_append (s,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n"
      "<Document>\n"
      "<name>cityeye</name>\n");
  for (gsize i = 0; i < G_N_ELEMENTS (kml_styles); i++)
    g_string_append_printf (s,
        "<Style id=\"%s\"><IconStyle><color>%s</color>"
        /* No icon URL: the command hall's network is closed, so viewers
         * use their default pin, tinted with the style's colour. */
        "</IconStyle></Style>\n",
        ce_source_to_string (kml_styles[i].source), kml_styles[i].color);
  if (self->crs != CE_CRS_WGS84)
    g_string_append_printf (s,
        "<ExtendedData><Data name=\"cityeye_crs\"><value>%s</value></Data>"
        "</ExtendedData>\n",
        ce_crs_to_string (self->crs));
}

static void
kml_description_line (GString *s, gboolean *first, const char *label,
    const char *text)
{
  if (is_empty (text))
    return;
  if (!*first)
    g_string_append_c (s, '\n');
  *first = FALSE;
  g_string_append (s, label);
  xml_append (s, text);
}

static void
kml_write_camera (CeExporter *self, Row *row)
{
  const CeCamera *camera = row->camera;
  GString *s = self->buf;
  gboolean first = TRUE;
  Value name, value;

  g_string_append (s, "<Placemark>\n<name>");
  get_value (self, row, FIELD_NAME, &name);
  if (name.kind == VALUE_ABSENT)
    get_value (self, row, FIELD_ID, &name);
  if (name.kind != VALUE_ABSENT)
    xml_append (s, name.text);
  g_string_append (s, "</name>\n<description>");
  get_value (self, row, FIELD_STREET, &value);
  kml_description_line (s, &first, "街镇: ", value.text);
  get_value (self, row, FIELD_ADDRESS, &value);
  kml_description_line (s, &first, "地址: ", value.text);
  if (camera->source >= CE_SOURCE_PUBLIC_SECURITY &&
      camera->source <= CE_SOURCE_LAST)
    kml_description_line (s, &first,
        "来源: ", ce_source_to_label (camera->source));
  get_value (self, row, FIELD_ID, &value);
  kml_description_line (s, &first, "编码: ", value.text);
  g_string_append (s, "</description>\n");
  if (camera->source >= CE_SOURCE_PUBLIC_SECURITY &&
      camera->source <= CE_SOURCE_LAST)
    g_string_append_printf (s, "<styleUrl>#%s</styleUrl>\n",
        ce_source_to_string (camera->source));
  g_string_append (s, "<ExtendedData>\n");
  for (guint i = 0; i < self->n_columns; i++) {
    get_value (self, row, self->columns[i].field, &value);
    if (value.kind == VALUE_ABSENT)
      continue;
    g_string_append (s, "<Data name=\"");
    g_string_append (s, self->columns[i].key);
    g_string_append (s, "\"><value>");
    xml_append (s, value.text);
    g_string_append (s, "</value></Data>\n");
  }
  g_string_append (s, "</ExtendedData>\n");
  if (row->lon.kind != VALUE_ABSENT && row->lat.kind != VALUE_ABSENT) {
    g_string_append (s, "<Point><coordinates>");
    g_string_append (s, row->lon.text);
    g_string_append_c (s, ',');
    g_string_append (s, row->lat.text);
    g_string_append (s, ",0</coordinates></Point>\n");
  }
  g_string_append (s, "</Placemark>\n");
}

/* Dispatch. */

static void
write_header (CeExporter *self)
{
  self->started = TRUE;
  switch (self->format) {
    case CE_FORMAT_CSV:
      csv_write_header (self);
      break;
    case CE_FORMAT_GEOJSON:
      geojson_write_header (self);
      break;
    case CE_FORMAT_KML:
      kml_write_header (self);
      break;
    case CE_FORMAT_CATALOG:
    case CE_FORMAT_AUTO:
    default:
      /* Catalog headers are written per document. */
      break;
  }
}

static void
write_trailer (CeExporter *self)
{
  switch (self->format) {
    case CE_FORMAT_CATALOG:
      if (self->doc_items > 0 || self->doc_sn == 0)
        catalog_write_document (self);
      break;
    case CE_FORMAT_GEOJSON:
      g_string_append (self->buf, self->count > 0 ? "\n]}\n" : "]}\n");
      break;
    case CE_FORMAT_KML:
      g_string_append (self->buf, "</Document>\n</kml>\n");
      break;
    case CE_FORMAT_CSV:
    case CE_FORMAT_AUTO:
    default:
      break;
  }
}

static Field
field_from_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (field_keys); i++)
    if (strcmp (field_keys[i].key, key) == 0)
      return field_keys[i].field;
  return FIELD_UNKNOWN;
}

static gboolean
check_usable (CeExporter *self, GError **error)
{
  if (!self->failed)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
      "Cannot continue the %s export: an earlier write failed",
      format_label (self->format));
  return FALSE;
}

CeExporter *
ce_exporter_new (CeFormat format, GOutputStream *out, CeCrs crs,
    CeExportFlags flags, GError **error)
{
  CeExporter *self;
  guint n = 0;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (format != CE_FORMAT_CSV && format != CE_FORMAT_CATALOG &&
      format != CE_FORMAT_GEOJSON && format != CE_FORMAT_KML) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Cannot export to format “%s”: choose csv, catalog, geojson or kml",
        ce_format_to_string (format));
    return NULL;
  }
  if (crs != CE_CRS_WGS84 && crs != CE_CRS_GCJ02 && crs != CE_CRS_BD09) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Cannot export in coordinate system %d: choose wgs84, gcj02 or bd09",
        (int) crs);
    return NULL;
  }

  self = g_new0 (CeExporter, 1);
  self->format = format;
  self->out = g_object_ref (out);
  self->crs = crs;
  self->flags = flags;
  self->buf = g_string_sized_new (FLUSH_BYTES + FLUSH_BYTES / 4);
  if (format == CE_FORMAT_CATALOG)
    self->items = g_string_sized_new (FLUSH_BYTES);

  while (ce_csv_columns[n] != NULL)
    n++;
  self->columns = g_new0 (Column, n);
  for (guint i = 0; i < n; i++) {
    Field field = field_from_key (ce_csv_columns[i]);

    if ((field == FIELD_USERNAME || field == FIELD_PASSWORD) &&
        !with_credentials (self))
      continue;
    /* A column added to the header without a field here is written empty
     * rather than dropped, so the header stays the documented one. */
    if (field == FIELD_UNKNOWN)
      g_warning ("CSV column “%s” has no exporter field; it is written empty",
          ce_csv_columns[i]);
    self->columns[self->n_columns].key = ce_csv_columns[i];
    self->columns[self->n_columns].field = field;
    self->n_columns++;
  }
  return self;
}

gboolean
ce_exporter_add (CeExporter *self, const CeCamera *camera, GError **error)
{
  g_auto (Row) row = {NULL};

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (camera != NULL, FALSE);
  g_return_val_if_fail (!self->finished, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_usable (self, error))
    return FALSE;
  if (!self->started)
    write_header (self);
  row_init (self, camera, &row);
  switch (self->format) {
    case CE_FORMAT_CSV:
      csv_write_camera (self, &row);
      break;
    case CE_FORMAT_CATALOG:
      catalog_write_camera (self, &row);
      break;
    case CE_FORMAT_GEOJSON:
      geojson_write_camera (self, &row);
      break;
    case CE_FORMAT_KML:
      kml_write_camera (self, &row);
      break;
    case CE_FORMAT_AUTO:
    default:
      g_assert_not_reached ();
  }
  self->count++;
  return flush_buffer (self, FALSE, error);
}

gboolean
ce_exporter_finish (CeExporter *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->finished, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_usable (self, error))
    return FALSE;
  if (!self->started)
    write_header (self);
  write_trailer (self);
  self->finished = TRUE;
  if (!flush_buffer (self, TRUE, error))
    return FALSE;
  if (!g_output_stream_flush (self->out, NULL, error)) {
    self->failed = TRUE;
    g_prefix_error (error,
        "Cannot write the %s export: ", format_label (self->format));
    return FALSE;
  }
  return TRUE;
}

/* Clears a buffer that may have held passwords before freeing it. */
static void
wipe_string (GString *s, gboolean secret)
{
  if (s == NULL)
    return;
  if (secret)
    memset (s->str, 0, s->allocated_len);
  g_string_free (s, TRUE);
}

void
ce_exporter_free (CeExporter *self)
{
  if (self == NULL)
    return;
  wipe_string (self->buf, with_credentials (self));
  wipe_string (self->items, with_credentials (self));
  g_free (self->columns);
  g_object_unref (self->out);
  g_free (self);
}
