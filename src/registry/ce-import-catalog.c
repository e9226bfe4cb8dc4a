/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GB/T 28181 MANSCDP Catalog reader: one or many XML documents in a stream,
 * each parsed with its own libxml2 streaming reader.
 */
#include "ce-import-private.h"

#include <errno.h>
#include <libxml/xmlreader.h>
#include <math.h>
#include <string.h>

/* Design notes.
 *
 * - A catalog file is often the concatenation of many MESSAGE bodies, each
 *   a whole XML document ("<?xml …?><Response>…</Response><?xml …").  A
 *   small byte-level lexer (the splitter) follows the markup (tags, quoted
 *   attribute values, comments, PIs, CDATA) and ends a document where a new
 *   "<?xml" declaration or a new root element starts at the top level.  It
 *   feeds the bytes of one document to an xmlTextReader through
 *   xmlReaderForIO and reports end of input at the boundary; the next
 *   document gets a new reader.  Nothing is buffered beyond one 64 KiB
 *   window, whatever the size of the file or of a document.
 * - The lexer is also the first line of defence: a DOCTYPE (or any other
 *   DTD declaration) and a reference to an entity other than the five
 *   predefined ones and character references refuse the document before
 *   libxml2 sees those bytes, and so do nesting deeper than
 *   CE_IMPORT_MAX_XML_DEPTH and a text run, tag, comment or PI longer than
 *   CE_IMPORT_MAX_FIELD_BYTES.  The reader runs without XML_PARSE_NOENT,
 *   DTDLOAD, DTDATTR, DTDVALID or XINCLUDE and with XML_PARSE_NONET, and
 *   the reader loop refuses DOCTYPE and entity nodes again, in case the
 *   lexer is ever wrong.  No libxml2 global is changed: errors go to a
 *   structured handler set on each reader.
 * - The lexer works on the raw bytes.  UTF-8 multi-byte sequences never
 *   contain ASCII bytes; GBK/GB18030 trail bytes can be ASCII (0x40–0x7E,
 *   including ']', which ends a CDATA section), so in a GB document the
 *   lexer steps over whole multi-byte characters.  UTF-16 is refused.
 * - Encodings: libxml2 always gets UTF-8 (and XML_PARSE_IGNORE_ENC).  A
 *   document in another encoding is decoded by a GCharsetConverter between
 *   the lexer and libxml2: libxml2's own conversion errors go to its global
 *   error handler (stderr) instead of the reader's, and without a line.  A
 *   declared GB2312, GBK or CP936 is decoded as GB18030, because devices
 *   that declare GB2312 send GBK-only characters.  A document without a
 *   declaration is read in parser->encoding when given, else UTF-8 as XML
 *   says; a UTF-8 BOM means UTF-8 whatever the declaration says.
 * - Items are mapped leniently: unknown elements are ignored, 2016 and 2022
 *   fields are read as a union, PTZType is taken from <Info> or the item,
 *   and unparsable coordinates, PTZType or status are left unset (devices
 *   send junk there).  Secrecy, and the cityeye elements Source and Azimuth,
 *   give a record problem instead: guessing there would be wrong.
 * - 业务分组 (215) and 虚拟组织 (216) items become tags of the camera items
 *   that name them in ParentID or BusinessGroupID later in the stream
 *   (groups normally come first; a group that comes after its cameras is
 *   not applied to them).
 */

#define BUF_SIZE (64 * 1024)
#define PROGRESS_EVERY (64 * 1024)
/* Bytes the lexer may look at past the current one. */
#define LOOKAHEAD 16
/* Bytes searched for the XML declaration of a document. */
#define DECL_PEEK 512
/* Raw bytes of a non-UTF-8 document decoded at a time. */
#define STAGE_SIZE 4096
/* Group names remembered for tags, at most. */
#define MAX_GROUPS 100000

#define REFUSED_DTD \
  "DTDs and entities are not accepted (XXE / entity expansion protection)"

/* Splitter: cuts the stream into documents and feeds one to libxml2. */

typedef enum
{
  LX_TEXT,
  LX_START_TAG,
  LX_END_TAG,
  LX_PI,
  LX_COMMENT,
  LX_CDATA,
  LX_DECL,
} LexState;

typedef enum
{
  LEX_OK,
  LEX_BOUNDARY,
  LEX_FAIL,
} LexResult;

typedef struct
{
  GInputStream *in;
  GCancellable *cancellable;
  const CeImportParser *parser;
  guint8 *buf;
  gsize pos, len;
  gboolean eof;
  goffset consumed;
  goffset last_progress;
  guint64 line; /* file line of buf[pos] */

  /* The current document. */
  guint doc_no;
  guint64 doc_line; /* file line it starts on */
  gboolean doc_done;
  LexState state;
  int depth;
  gboolean root_seen;
  gboolean root_closed;
  gboolean has_markup;
  gsize run;    /* bytes of the current text run or markup */
  guint skip;   /* bytes of the markup opener still to pass */
  guint marks;  /* '-' before "-->", ']' before "]]>", '?' before "?>" */
  guint8 quote; /* inside a quoted attribute value */
  gboolean last_slash;
  gboolean gb;    /* the raw bytes are GB18030 */
  guint gb_trail; /* trail bytes of a GB18030 character still to pass */

  /* Decoding of a non-UTF-8 document: lexed raw bytes wait in stage until
   * the converter has turned them into UTF-8 for libxml2. */
  GConverter *conv;
  const char *conv_name;
  guint8 stage[STAGE_SIZE];
  gsize stage_len;
  guint64 stage_line; /* file line of stage[0] */

  GError *error; /* refusal, I/O error or cancellation; wins over libxml2's */
} Splitter;

static void split_fail (Splitter *s, CeImportError code, const char *format,
    ...) G_GNUC_PRINTF (3, 4);

static void
split_fail (Splitter *s, CeImportError code, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (s->error != NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (&s->error, CE_IMPORT_ERROR, code,
      "document %u: line %" G_GUINT64_FORMAT ": %s", s->doc_no, s->line, msg);
}

/* A failed read: cancellation stays G_IO_ERROR_CANCELLED, anything else
 * becomes CE_IMPORT_ERROR_IO. */
static void
set_read_error (GError **error, GError *local)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, local);
  else {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_IO,
        "Cannot read the input: %s", local->message);
    g_error_free (local);
  }
}

/* Reads until @want bytes are buffered from pos, or the end of input. */
static gboolean
split_fill (Splitter *s, gsize want)
{
  if (s->error != NULL)
    return FALSE;
  if (s->pos > 0) {
    memmove (s->buf, s->buf + s->pos, s->len - s->pos);
    s->len -= s->pos;
    s->pos = 0;
  }
  want = MIN (want, BUF_SIZE);
  while (!s->eof && s->len < want) {
    GError *local = NULL;
    gssize n = g_input_stream_read (s->in, s->buf + s->len, BUF_SIZE - s->len,
        s->cancellable, &local);

    if (n < 0) {
      set_read_error (&s->error, local);
      return FALSE;
    }
    if (n == 0)
      s->eof = TRUE;
    s->len += n;
    s->consumed += n;
  }
  if (s->parser->progress != NULL &&
      (s->consumed - s->last_progress >= PROGRESS_EVERY || s->eof)) {
    s->last_progress = s->consumed;
    s->parser->progress (s->consumed, s->parser->user_data);
  }
  return TRUE;
}

static gboolean
looking_at (Splitter *s, const char *literal)
{
  gsize n = strlen (literal);

  return s->len - s->pos >= n && memcmp (s->buf + s->pos, literal, n) == 0;
}

static gboolean
is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* At '&': only the predefined entities and character references pass. */
static gboolean
check_reference (Splitter *s)
{
  static const char *const predefined[] = {"&lt;", "&gt;", "&amp;", "&quot;",
      "&apos;"};
  const guint8 *p = s->buf + s->pos;
  gsize avail = s->len - s->pos;
  gsize n;

  if (avail >= 2 && p[1] == '#')
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (predefined); i++)
    if (looking_at (s, predefined[i]))
      return TRUE;
  /* "&name;" within the lookahead: an entity we do not accept.  Anything
   * else is not a reference; libxml2 reports it as malformed, or as an
   * undeclared entity, which is refused too (see error_code). */
  for (n = 1; n < avail && n < LOOKAHEAD; n++)
    if (p[n] == ';' || is_space (p[n]) || p[n] == '<' || p[n] == '&')
      break;
  if (n > 1 && n < avail && p[n] == ';') {
    g_autofree char *name = g_utf8_make_valid ((const char *) p, n + 1);

    split_fail (s, CE_IMPORT_ERROR_REFUSED,
        "entity reference “%s” refused: " REFUSED_DTD, name);
    return FALSE;
  }
  return TRUE;
}

/* Lexes the byte at pos, which is then handed to libxml2, or says that a
 * new document starts there. */
static LexResult
lex_byte (Splitter *s)
{
  guint8 c = s->buf[s->pos];

  if (++s->run > CE_IMPORT_MAX_FIELD_BYTES) {
    split_fail (s, CE_IMPORT_ERROR_REFUSED,
        "a text or markup run longer than %d bytes is refused",
        CE_IMPORT_MAX_FIELD_BYTES);
    return LEX_FAIL;
  }
  if (s->skip > 0) {
    s->skip--;
    return LEX_OK;
  }
  if (s->gb_trail > 0) {
    s->gb_trail--;
    return LEX_OK;
  }
  if (s->gb && c >= 0x81 && c <= 0xFE) {
    /* A two-byte character, or a four-byte one (digit second byte). */
    guint8 next = s->pos + 1 < s->len ? s->buf[s->pos + 1] : 0;

    /* An invalid sequence is left to the converter, which stops there. */
    if (next >= 0x30 && next <= 0x39)
      s->gb_trail = 3;
    else if (next >= 0x40 && next != 0x7F && next != 0xFF)
      s->gb_trail = 1;
    s->marks = 0;
    if (s->state == LX_START_TAG && s->quote == 0)
      s->last_slash = FALSE;
    return LEX_OK;
  }

  switch (s->state) {
    case LX_TEXT:
      if (c == '&')
        return check_reference (s) ? LEX_OK : LEX_FAIL;
      if (c != '<')
        return LEX_OK;
      if (looking_at (s, "<?xml") && s->len - s->pos > 5 &&
          (is_space (s->buf[s->pos + 5]) || s->buf[s->pos + 5] == '?')) {
        if (s->depth == 0 && s->has_markup)
          return LEX_BOUNDARY;
        s->state = LX_PI;
        s->skip = 1;
      } else if (looking_at (s, "<?")) {
        s->state = LX_PI;
        s->skip = 1;
      } else if (looking_at (s, "<!--")) {
        s->state = LX_COMMENT;
        s->skip = 3;
      } else if (looking_at (s, "<![CDATA[")) {
        s->state = LX_CDATA;
        s->skip = 8;
      } else if (looking_at (s, "<!")) {
        static const char *const dtd[] = {"DOCTYPE", "ENTITY", "ELEMENT",
            "ATTLIST", "NOTATION"};

        for (gsize i = 0; i < G_N_ELEMENTS (dtd); i++) {
          gsize n = strlen (dtd[i]);

          if (s->len - s->pos >= n + 2 &&
              g_ascii_strncasecmp ((const char *) s->buf + s->pos + 2, dtd[i],
                  n) == 0) {
            split_fail (s, CE_IMPORT_ERROR_REFUSED, REFUSED_DTD);
            return LEX_FAIL;
          }
        }
        s->state = LX_DECL;
        s->skip = 1;
      } else if (looking_at (s, "</")) {
        s->state = LX_END_TAG;
        s->skip = 1;
      } else {
        if (s->depth == 0 && s->root_closed)
          return LEX_BOUNDARY;
        s->state = LX_START_TAG;
        s->last_slash = FALSE;
        s->quote = 0;
      }
      s->has_markup = TRUE;
      s->marks = 0;
      s->run = 1;
      return LEX_OK;

    case LX_START_TAG:
      if (s->quote != 0) {
        if (c == s->quote)
          s->quote = 0;
        else if (c == '&' && !check_reference (s))
          return LEX_FAIL;
        return LEX_OK;
      }
      if (c == '"' || c == '\'') {
        s->quote = c;
      } else if (c == '>') {
        if (!s->last_slash && ++s->depth > CE_IMPORT_MAX_XML_DEPTH) {
          split_fail (s, CE_IMPORT_ERROR_REFUSED,
              "elements nested deeper than %d levels are refused",
              CE_IMPORT_MAX_XML_DEPTH);
          return LEX_FAIL;
        }
        s->root_seen = TRUE;
        if (s->depth == 0)
          s->root_closed = TRUE;
        s->state = LX_TEXT;
        s->run = 0;
      }
      s->last_slash = c == '/';
      return LEX_OK;

    case LX_END_TAG:
      if (c == '>') {
        if (s->depth > 0)
          s->depth--;
        if (s->depth == 0 && s->root_seen)
          s->root_closed = TRUE;
        s->state = LX_TEXT;
        s->run = 0;
      }
      return LEX_OK;

    case LX_PI:
      if (c == '>' && s->marks > 0) {
        s->state = LX_TEXT;
        s->run = 0;
      }
      s->marks = c == '?';
      return LEX_OK;

    case LX_COMMENT:
    case LX_CDATA:
      if (c == (s->state == LX_COMMENT ? '-' : ']')) {
        s->marks++;
      } else {
        if (c == '>' && s->marks >= 2) {
          s->state = LX_TEXT;
          s->run = 0;
        }
        s->marks = 0;
      }
      return LEX_OK;

    case LX_DECL:
      if (c == '>') {
        s->state = LX_TEXT;
        s->run = 0;
      }
      return LEX_OK;

    default:
      g_assert_not_reached ();
  }
}

/* The next raw bytes of the current document; 0 at its end, -1 on error. */
static int
split_lex (Splitter *s, char *out, int size)
{
  int n = 0;

  if (s->error != NULL)
    return -1;
  while (n < size && !s->doc_done) {
    LexResult res;

    if (s->len - s->pos < LOOKAHEAD && !s->eof && !split_fill (s, BUF_SIZE))
      return -1;
    if (s->pos == s->len)
      break;
    res = lex_byte (s);
    if (res == LEX_FAIL)
      return -1;
    if (res == LEX_BOUNDARY) {
      s->doc_done = TRUE;
      break;
    }
    out[n] = (char) s->buf[s->pos++];
    if (out[n++] == '\n')
      s->line++;
  }
  return n;
}

static guint64
count_lines (const guint8 *p, gsize n)
{
  guint64 lines = 0;

  for (const guint8 *end = p + n; (p = memchr (p, '\n', end - p)) != NULL; p++)
    lines++;
  return lines;
}

/* xmlInputReadCallback: the current document, in UTF-8.  Documents in
 * other encodings are decoded here rather than by libxml2, so that an
 * invalid byte is reported with its line (libxml2's encoding errors go to
 * its global error handler, i.e. stderr, not to the reader's). */
static int
split_read (void *context, char *out, int size)
{
  Splitter *s = context;

  if (s->conv == NULL)
    return split_lex (s, out, size);
  if (s->error != NULL)
    return -1;
  for (;;) {
    g_autoptr (GError) local = NULL;
    /* UTF-8 is at most 3/2 of GB18030 and 2 × ISO-8859-1. */
    gsize room = MAX (MIN ((gsize) size / 2, STAGE_SIZE), 4);
    gsize nread = 0, nwritten = 0;
    GConverterResult res;
    gboolean at_end;

    if (room > s->stage_len && !s->doc_done) {
      int n =
          split_lex (s, (char *) s->stage + s->stage_len, room - s->stage_len);

      if (n < 0)
        return -1;
      s->stage_len += n;
    }
    at_end = s->doc_done || (s->eof && s->pos == s->len);
    res = g_converter_convert (s->conv, s->stage, s->stage_len, out, size,
        at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS, &nread,
        &nwritten, &local);
    if (res == G_CONVERTER_ERROR) {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
          !at_end && s->stage_len < room)
        continue;
      s->line = s->stage_line;
      split_fail (s, CE_IMPORT_ERROR_ENCODING,
          "bytes that are not valid %s (check the declared encoding, or give "
          "--encoding for a document without a declaration)",
          s->conv_name);
      return -1;
    }
    s->stage_line += count_lines (s->stage, nread);
    memmove (s->stage, s->stage + nread, s->stage_len - nread);
    s->stage_len -= nread;
    if (nwritten > 0 || res == G_CONVERTER_FINISHED)
      return (int) nwritten;
  }
}

/* Passes the rest of the current document through the lexer. */
static gboolean
split_drain (Splitter *s)
{
  char scratch[4096];
  int n;

  while ((n = split_lex (s, scratch, sizeof (scratch))) > 0)
    ;
  return n == 0;
}

/* Moves to the next document; FALSE at the end of input or on error. */
static gboolean
split_next (Splitter *s)
{
  for (;;) {
    if (s->len - s->pos < LOOKAHEAD && !s->eof && !split_fill (s, BUF_SIZE))
      return FALSE;
    if (s->pos == s->len)
      return FALSE;
    if (!is_space (s->buf[s->pos]))
      break;
    if (s->buf[s->pos++] == '\n')
      s->line++;
  }
  s->doc_no++;
  s->doc_line = s->line;
  s->doc_done = FALSE;
  s->state = LX_TEXT;
  s->depth = 0;
  s->root_seen = s->root_closed = s->has_markup = FALSE;
  s->run = s->skip = s->marks = s->gb_trail = 0;
  s->quote = 0;
  s->gb = FALSE;
  /* Look at the start: declaration, BOM, UTF-16 and non-XML. */
  return split_fill (s, DECL_PEEK);
}

/* The encoding named in the XML declaration at pos, or NULL. */
static char *
split_declared_encoding (Splitter *s)
{
  const char *p = (const char *) s->buf + s->pos;
  const char *end = (const char *) s->buf + s->len;
  const char *close, *q;

  if (end - p >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  if (end - p < 6 || memcmp (p, "<?xml", 5) != 0)
    return NULL;
  close = g_strstr_len (p, end - p, "?>");
  if (close == NULL)
    return NULL;
  q = g_strstr_len (p, close - p, "encoding");
  if (q == NULL)
    return NULL;
  q += strlen ("encoding");
  while (q < close && is_space (*q))
    q++;
  if (q == close || *q++ != '=')
    return NULL;
  while (q < close && is_space (*q))
    q++;
  if (q < close && (*q == '"' || *q == '\'')) {
    const char *v = q + 1;
    const char *v_end = memchr (v, *q, close - v);

    if (v_end != NULL && v_end - v < 40)
      return g_utf8_make_valid (v, v_end - v);
  }
  return NULL;
}

/* Items */

typedef enum
{
  I_DEVICE_ID,
  I_NAME,
  I_CIVIL_CODE,
  I_ADDRESS,
  I_LONGITUDE,
  I_LATITUDE,
  I_SECRECY,
  I_STATUS,
  I_PTZ_TYPE,
  I_INFO_PTZ_TYPE,
  I_IP_ADDRESS,
  I_PASSWORD,
  I_PARENT_ID,
  I_BUSINESS_GROUP_ID,
  I_INFO_BUSINESS_GROUP_ID,
  I_EVENT,
  /* cityeye extensions, written by our exporter */
  I_SOURCE,
  I_STREET,
  I_STREAM_URL,
  I_SUB_STREAM_URL,
  I_AZIMUTH,
  I_TAGS,
  I_USERNAME,
  N_SLOTS,
  I_NONE = -1,
} Slot;

typedef struct
{
  const char *element;
  Slot slot;
} SlotName;

static const SlotName item_slots[] = {
    {"DeviceID", I_DEVICE_ID},
    {"Name", I_NAME},
    {"CivilCode", I_CIVIL_CODE},
    {"Address", I_ADDRESS},
    {"Longitude", I_LONGITUDE},
    {"Latitude", I_LATITUDE},
    {"Secrecy", I_SECRECY},
    {"Status", I_STATUS},
    {"PTZType", I_PTZ_TYPE},
    {"IPAddress", I_IP_ADDRESS},
    {"Password", I_PASSWORD},
    {"ParentID", I_PARENT_ID},
    {"BusinessGroupID", I_BUSINESS_GROUP_ID},
    {"Event", I_EVENT},
    {"Source", I_SOURCE},
    {"Street", I_STREET},
    {"StreamURL", I_STREAM_URL},
    {"SubStreamURL", I_SUB_STREAM_URL},
    {"Azimuth", I_AZIMUTH},
    {"Tags", I_TAGS},
    {"Username", I_USERNAME},
};

static const SlotName info_slots[] = {
    {"PTZType", I_INFO_PTZ_TYPE},
    {"BusinessGroupID", I_INFO_BUSINESS_GROUP_ID},
};

static Slot
slot_lookup (const SlotName *names, gsize n, const char *element)
{
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (element, names[i].element) == 0)
      return names[i].slot;
  return I_NONE;
}

/* Parse state of the whole stream and of the current document. */
typedef struct
{
  Splitter *s;
  const CeImportParser *parser;
  GCancellable *cancellable;
  GHashTable *groups; /* id → name of 业务分组/虚拟组织, for tags */
  char *declared;     /* encoding declared by the current document */

  /* First libxml2 error of the current document. */
  int xml_level;
  int xml_code;
  int xml_domain;
  int xml_line;
  char *xml_message;

  /* Reader walk */
  gboolean skip_document;
  gboolean in_list;
  gboolean in_item;
  gboolean in_info;
  guint item_no;
  guint64 item_line;
  int collect_depth; /* depth of the element whose text is collected */
  Slot collect_slot; /* I_NONE with collect_depth >= 0: CmdType */
  GString *text;
  char *slots[N_SLOTS];
} Catalog;

static void
catalog_clear_item (Catalog *cat)
{
  for (int i = 0; i < N_SLOTS; i++)
    g_clear_pointer (&cat->slots[i], g_free);
}

static void
catalog_clear_xml_error (Catalog *cat)
{
  cat->xml_level = XML_ERR_NONE;
  g_clear_pointer (&cat->xml_message, g_free);
}

/* xmlStructuredErrorFunc, per reader: keeps the first error, and prefers a
 * fatal one; warnings are dropped.  Nothing reaches stderr. */
static void
on_xml_error (void *user_data, xmlErrorPtr err)
{
  Catalog *cat = user_data;

  if (err == NULL || err->level < XML_ERR_ERROR)
    return;
  if (cat->xml_message != NULL &&
      (cat->xml_level == XML_ERR_FATAL || err->level != XML_ERR_FATAL))
    return;
  g_free (cat->xml_message);
  /* libxml2 quotes input in some messages: keep them valid UTF-8. */
  cat->xml_message = g_strchomp (g_utf8_make_valid (
      err->message != NULL ? err->message : "malformed XML", -1));
  /* "Input is not proper UTF-8, indicate encoding !\nBytes: 0xB1 …" */
  g_strdelimit (cat->xml_message, "\n", ' ');
  cat->xml_level = err->level;
  cat->xml_code = err->code;
  cat->xml_domain = err->domain;
  cat->xml_line = err->line;
}

static gboolean
is_digits (const char *str)
{
  if (str == NULL || *str == '\0')
    return FALSE;
  for (; *str != '\0'; str++)
    if (!g_ascii_isdigit (*str))
      return FALSE;
  return TRUE;
}

/* Non-empty trimmed value of a slot, or NULL; the slot keeps ownership. */
static const char *
slot_trimmed (Catalog *cat, Slot slot)
{
  char *v = cat->slots[slot];

  if (v == NULL)
    return NULL;
  g_strstrip (v);
  return *v != '\0' ? v : NULL;
}

/* Non-empty verbatim value of a slot, or NULL. */
static const char *
slot_text (Catalog *cat, Slot slot)
{
  const char *v = cat->slots[slot];

  return v != NULL && *v != '\0' ? v : NULL;
}

/* Video source types (digits 11–13) that can be registry cameras; see
 * ce_gb_id_validate(). */
static gboolean
is_video_type (int type)
{
  return (type >= 111 && type <= 113) || type == 118 ||
      (type >= 120 && type <= 122) || (type >= 130 && type <= 132) ||
      type == 138;
}

static void
tag_add (GPtrArray *tags, const char *tag)
{
  g_autofree char *t = g_strstrip (g_strdup (tag));

  if (*t == '\0')
    return;
  for (guint i = 0; i < tags->len; i++)
    if (strcmp (tags->pdata[i], t) == 0)
      return;
  g_ptr_array_add (tags, g_steal_pointer (&t));
}

/* Group names of the ids in @refs ("id" or "id/id/…"). */
static void
tags_add_groups (Catalog *cat, GPtrArray *tags, const char *refs)
{
  g_auto (GStrv) ids = NULL;

  if (refs == NULL)
    return;
  ids = g_strsplit (refs, "/", 64);
  for (guint i = 0; ids[i] != NULL; i++) {
    const char *name = g_hash_table_lookup (cat->groups, g_strstrip (ids[i]));

    if (name != NULL)
      tag_add (tags, name);
  }
}

static char *
camera_tags (Catalog *cat)
{
  g_autoptr (GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  const char *own = slot_text (cat, I_TAGS);

  if (own != NULL) {
    g_auto (GStrv) parts = g_strsplit (own, ",", -1);

    for (guint i = 0; parts[i] != NULL; i++)
      tag_add (tags, parts[i]);
  }
  tags_add_groups (cat, tags, slot_trimmed (cat, I_PARENT_ID));
  tags_add_groups (cat, tags, slot_trimmed (cat, I_BUSINESS_GROUP_ID));
  tags_add_groups (cat, tags, slot_trimmed (cat, I_INFO_BUSINESS_GROUP_ID));
  if (tags->len == 0)
    return NULL;
  g_ptr_array_add (tags, NULL);
  return g_strjoinv (",", (char **) tags->pdata);
}

static int
parse_ptz_type (const char *value)
{
  char *end;
  gint64 v;

  if (value == NULL)
    return 0;
  /* 2022 allows several values ("1/2"): the first one is taken. */
  errno = 0;
  v = g_ascii_strtoll (value, &end, 10);
  if (end == value || (*end != '\0' && *end != '/') || errno != 0 || v < 0 ||
      v > 99)
    return 0;
  return (int) v;
}

static gboolean
has_rtsp_scheme (const char *url)
{
  return url != NULL &&
      (g_ascii_strncasecmp (url, "rtsp://", 7) == 0 ||
          g_ascii_strncasecmp (url, "rtsps://", 8) == 0);
}

static gboolean
item_to_camera (Catalog *cat, const char *where, GError **error)
{
  g_autoptr (CeCamera) camera = ce_camera_new ();
  GString *problems = NULL;
  g_autofree char *problem = NULL;
  const char *v;
  double d;

  camera->id = g_strdup (slot_trimmed (cat, I_DEVICE_ID));
  camera->name = g_strdup (slot_text (cat, I_NAME));
  v = slot_trimmed (cat, I_CIVIL_CODE);
  /* Devices send "null", "CivilCode" and the like: only digits count. */
  if (is_digits (v))
    camera->civil_code = g_strdup (v);
  camera->address = g_strdup (slot_text (cat, I_ADDRESS));
  /* Missing or junk coordinates stay NAN; 0/0 stays 0/0 and the driver's
   * validation rejects it. */
  v = slot_trimmed (cat, I_LONGITUDE);
  if (v != NULL && ce_import_parse_double (v, &d))
    camera->lon = d;
  v = slot_trimmed (cat, I_LATITUDE);
  if (v != NULL && ce_import_parse_double (v, &d))
    camera->lat = d;

  v = slot_trimmed (cat, I_SECRECY);
  if (v != NULL) {
    if (strcmp (v, "0") == 0)
      camera->secrecy = 0;
    else if (strcmp (v, "1") == 0)
      camera->secrecy = 1;
    else
      ce_import_add_problem (&problems, "secrecy: “%.40s” is not 0 or 1", v);
  }

  v = slot_trimmed (cat, I_STATUS);
  if (v == NULL || !ce_status_from_string (v, &camera->status)) {
    /* A Notify item may carry only an ON/OFF event. */
    v = slot_trimmed (cat, I_EVENT);
    if (v != NULL && g_ascii_strcasecmp (v, "ON") == 0)
      camera->status = CE_STATUS_ONLINE;
    else if (v != NULL && g_ascii_strcasecmp (v, "OFF") == 0)
      camera->status = CE_STATUS_OFFLINE;
  }

  v = slot_trimmed (cat, I_INFO_PTZ_TYPE);
  camera->ptz_type = parse_ptz_type (v);
  if (camera->ptz_type == 0)
    camera->ptz_type = parse_ptz_type (slot_trimmed (cat, I_PTZ_TYPE));

  v = slot_trimmed (cat, I_STREAM_URL);
  if (v == NULL && has_rtsp_scheme (slot_trimmed (cat, I_IP_ADDRESS)))
    v = slot_trimmed (cat, I_IP_ADDRESS);
  camera->rtsp_url = g_strdup (v);
  camera->rtsp_url_sub = g_strdup (slot_trimmed (cat, I_SUB_STREAM_URL));
  camera->username = g_strdup (slot_text (cat, I_USERNAME));
  camera->password = g_strdup (slot_text (cat, I_PASSWORD));

  v = slot_trimmed (cat, I_SOURCE);
  if (v != NULL && !ce_source_from_string (v, &camera->source))
    ce_import_add_problem (&problems,
        "source: “%.40s” is not one of public_security, xueliang, social, "
        "mobile",
        v);
  camera->street = g_strdup (slot_text (cat, I_STREET));
  v = slot_trimmed (cat, I_AZIMUTH);
  if (v != NULL && !ce_import_parse_double (v, &camera->azimuth))
    ce_import_add_problem (&problems, "azimuth: “%.40s” is not a number", v);
  camera->tags = camera_tags (cat);

  if (problems != NULL)
    problem = g_string_free (problems, FALSE);
  return cat->parser->record (g_steal_pointer (&camera), where, problem,
      cat->parser->user_data, error);
}

static void note (Catalog *cat, const char *where, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
note (Catalog *cat, const char *where, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (cat->parser->note == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  cat->parser->note (where, msg, cat->parser->user_data);
}

static gboolean
item_end (Catalog *cat, GError **error)
{
  g_autofree char *where = NULL;
  const char *id = slot_trimmed (cat, I_DEVICE_ID);
  const char *name = slot_text (cat, I_NAME);
  const char *event = slot_trimmed (cat, I_EVENT);
  int type = ce_gb_id_type (id);
  gboolean ok = TRUE;

  where = g_strdup_printf ("document %u item %u (line %" G_GUINT64_FORMAT ")",
      cat->s->doc_no, cat->item_no, cat->item_line);
  if (event != NULL && g_ascii_strcasecmp (event, "DEL") == 0) {
    note (cat, where,
        "%s deleted by the device (Event DEL): import does not delete, "
        "skipped",
        id != NULL ? id : "item");
  } else if (type == 215 || type == 216) {
    if (name == NULL) {
      note (cat, where, "%s %s has no name, not used as a tag",
          ce_gb_type_name (type), id);
    } else if (g_hash_table_size (cat->groups) >= MAX_GROUPS &&
        !g_hash_table_contains (cat->groups, id)) {
      note (cat, where, "%s %s not used as a tag: more than %d groups",
          ce_gb_type_name (type), id, MAX_GROUPS);
    } else {
      /* A comma would split the name into two tags. */
      char *tag = g_strstrip (g_strdup (name));

      g_strdelimit (tag, ",", ';');
      g_hash_table_replace (cat->groups, g_strdup (id), tag);
      note (cat, where, "%s %s %s used as a tag", ce_gb_type_name (type), id,
          tag);
    }
  } else if (type >= 0 && ce_gb_type_name (type) != NULL &&
      !is_video_type (type)) {
    note (cat, where, "skipped: type %03d (%s) is not a camera", type,
        ce_gb_type_name (type));
  } else if (is_digits (id) && strlen (id) <= 8 && strlen (id) % 2 == 0) {
    note (cat, where, "skipped: 行政区划 %s %s is not a camera", id,
        name != NULL ? name : "");
  } else {
    ok = item_to_camera (cat, where, error);
  }
  catalog_clear_item (cat);
  return ok;
}

static void
collect_start (Catalog *cat, int depth, Slot slot)
{
  cat->collect_depth = depth;
  cat->collect_slot = slot;
  g_string_truncate (cat->text, 0);
}

static gboolean
on_element (Catalog *cat, xmlTextReaderPtr reader, int depth, GError **error)
{
  const char *name = (const char *) xmlTextReaderConstLocalName (reader);

  if (name == NULL)
    return TRUE;
  if (depth == 0) {
    if (strcmp (name, "Response") != 0 && strcmp (name, "Notify") != 0) {
      g_autofree char *where = g_strdup_printf ("document %u", cat->s->doc_no);

      note (cat, where,
          "a %s document is not a catalog (Response or Notify), skipped", name);
      cat->skip_document = TRUE;
    }
  } else if (depth == 1) {
    if (strcmp (name, "CmdType") == 0)
      collect_start (cat, depth, I_NONE);
    else if (strcmp (name, "DeviceList") == 0)
      cat->in_list = TRUE;
  } else if (depth == 2 && cat->in_list) {
    if (strcmp (name, "Item") == 0) {
      cat->in_item = TRUE;
      cat->item_no++;
      /* The node's own line: the parser's is ahead of the reader. */
      cat->item_line = cat->s->doc_line +
          MAX (xmlGetLineNo (xmlTextReaderCurrentNode (reader)), 1) - 1;
      catalog_clear_item (cat);
    }
  } else if (depth == 3 && cat->in_item) {
    Slot slot = slot_lookup (item_slots, G_N_ELEMENTS (item_slots), name);

    if (strcmp (name, "Info") == 0)
      cat->in_info = TRUE;
    else if (slot != I_NONE)
      collect_start (cat, depth, slot);
  } else if (depth == 4 && cat->in_info) {
    Slot slot = slot_lookup (info_slots, G_N_ELEMENTS (info_slots), name);

    if (slot != I_NONE)
      collect_start (cat, depth, slot);
  }
  return TRUE;
}

static gboolean
on_end_element (Catalog *cat, int depth, GError **error)
{
  if (depth == cat->collect_depth) {
    cat->collect_depth = -1;
    if (cat->collect_slot == I_NONE) {
      /* CmdType */
      g_autofree char *cmd = g_strstrip (g_strdup (cat->text->str));

      if (g_ascii_strcasecmp (cmd, "Catalog") != 0) {
        g_autofree char *where =
            g_strdup_printf ("document %u", cat->s->doc_no);

        note (cat, where, "CmdType %.40s is not Catalog, skipped", cmd);
        cat->skip_document = TRUE;
      }
    } else {
      g_free (cat->slots[cat->collect_slot]);
      cat->slots[cat->collect_slot] = g_strdup (cat->text->str);
    }
    return TRUE;
  }
  if (depth == 4 && cat->in_info)
    return TRUE;
  if (depth == 3 && cat->in_info) {
    cat->in_info = FALSE;
  } else if (depth == 2 && cat->in_item) {
    cat->in_item = FALSE;
    cat->in_info = FALSE;
    return item_end (cat, error);
  } else if (depth == 1 && cat->in_list) {
    cat->in_list = FALSE;
  }
  return TRUE;
}

static CeImportError
error_code (Catalog *cat)
{
  switch (cat->xml_code) {
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
    case XML_ERR_ENTITY_LOOP:
      return CE_IMPORT_ERROR_REFUSED;
    case XML_ERR_INVALID_ENCODING:
    case XML_ERR_UNSUPPORTED_ENCODING:
    case XML_ERR_UNKNOWN_ENCODING:
      return CE_IMPORT_ERROR_ENCODING;
    default:
      break;
  }
  if (cat->xml_domain == XML_FROM_I18N ||
      (cat->xml_message != NULL &&
          strstr (cat->xml_message, "not proper UTF-8") != NULL))
    return CE_IMPORT_ERROR_ENCODING;
  return CE_IMPORT_ERROR_SYNTAX;
}

/* What the bytes of a document are decoded from ("UTF-8": not decoded),
 * given its declared encoding, or parser->encoding when it declares none;
 * NULL when not supported.  Only ASCII-compatible encodings, for which the
 * byte-level lexer is right. */
static const char *
document_encoding (const char *name)
{
  const char *canonical;

  if (name == NULL)
    return "UTF-8";
  canonical = ce_import_canonical_encoding (name);
  if (canonical != NULL)
    return canonical;
  if (g_ascii_strcasecmp (name, "US-ASCII") == 0 ||
      g_ascii_strcasecmp (name, "ASCII") == 0)
    return "UTF-8";
  if (g_ascii_strcasecmp (name, "ISO-8859-1") == 0 ||
      g_ascii_strcasecmp (name, "Latin1") == 0)
    return "ISO-8859-1";
  return NULL;
}

static gboolean
parse_document (Catalog *cat, GError **error)
{
  Splitter *s = cat->s;
  xmlTextReaderPtr reader;
  /* No XML_PARSE_NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE.
   * libxml2 gets UTF-8 in every case: the declaration must not make it
   * decode again. */
  const int options =
      XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC;
  int ret = 0;
  gboolean ok = TRUE;

  catalog_clear_xml_error (cat);
  catalog_clear_item (cat);
  cat->skip_document = cat->in_list = cat->in_item = cat->in_info = FALSE;
  cat->item_no = 0;
  cat->collect_depth = -1;

  reader = xmlReaderForIO (split_read, NULL, s, NULL, NULL, options);
  if (reader == NULL) {
    if (s->error != NULL) {
      g_propagate_error (error, g_steal_pointer (&s->error));
      return FALSE;
    }
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "document %u: line %" G_GUINT64_FORMAT ": cannot start an XML reader",
        s->doc_no, s->doc_line);
    return FALSE;
  }
  xmlTextReaderSetStructuredErrorHandler (reader, on_xml_error, cat);

  while (ok && !cat->skip_document && (ret = xmlTextReaderRead (reader)) == 1) {
    int type = xmlTextReaderNodeType (reader);
    int depth = xmlTextReaderDepth (reader);

    if (depth > CE_IMPORT_MAX_XML_DEPTH) {
      split_fail (s, CE_IMPORT_ERROR_REFUSED,
          "elements nested deeper than %d levels are refused",
          CE_IMPORT_MAX_XML_DEPTH);
      ok = FALSE;
      break;
    }
    switch (type) {
      case XML_READER_TYPE_DOCUMENT_TYPE:
      case XML_READER_TYPE_ENTITY_REFERENCE:
      case XML_READER_TYPE_ENTITY:
        split_fail (s, CE_IMPORT_ERROR_REFUSED, REFUSED_DTD);
        ok = FALSE;
        break;
      case XML_READER_TYPE_ELEMENT:
        ok = on_element (cat, reader, depth, error);
        if (ok && xmlTextReaderIsEmptyElement (reader) == 1) {
          if (cat->collect_depth == depth)
            g_string_truncate (cat->text, 0);
          ok = on_end_element (cat, depth, error);
        }
        break;
      case XML_READER_TYPE_END_ELEMENT:
        ok = on_end_element (cat, depth, error);
        break;
      case XML_READER_TYPE_TEXT:
      case XML_READER_TYPE_CDATA:
      case XML_READER_TYPE_WHITESPACE:
      case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        if (cat->collect_depth >= 0 && depth == cat->collect_depth + 1) {
          const char *value = (const char *) xmlTextReaderConstValue (reader);

          if (value != NULL) {
            if (cat->text->len + strlen (value) > CE_IMPORT_MAX_FIELD_BYTES) {
              split_fail (s, CE_IMPORT_ERROR_REFUSED,
                  "a text node longer than %d bytes is refused",
                  CE_IMPORT_MAX_FIELD_BYTES);
              ok = FALSE;
              break;
            }
            g_string_append (cat->text, value);
          }
        }
        break;
      default:
        break;
    }
    if (ok && g_cancellable_set_error_if_cancelled (cat->cancellable, error))
      ok = FALSE;
  }
  if (ok && !cat->skip_document && ret < 0) {
    ok = FALSE;
    if (s->error == NULL) {
      CeImportError code = error_code (cat);
      g_autofree char *hint = NULL;
      guint64 line = s->doc_line + MAX (cat->xml_line, 1) - 1;

      if (s->eof && s->pos == s->len && s->depth > 0) {
        /* libxml2 says "Extra content at the end of the document". */
        g_clear_pointer (&cat->xml_message, g_free);
        cat->xml_message = g_strdup_printf ("the document is truncated: %d "
                                            "element%s still open at the end "
                                            "of the input",
            s->depth, s->depth > 1 ? "s" : "");
        line = s->line;
      } else if (code == CE_IMPORT_ERROR_ENCODING && cat->declared == NULL)
        hint = g_strdup (" (the document declares no encoding; if it is GBK "
                         "or GB18030, import it with --encoding gb18030)");
      else if (code == CE_IMPORT_ERROR_ENCODING)
        hint = g_strdup_printf (" (the document declares encoding “%s”)",
            cat->declared);
      g_set_error (error, CE_IMPORT_ERROR, code,
          "document %u: line %" G_GUINT64_FORMAT ": %s%s", s->doc_no, line,
          cat->xml_message != NULL ? cat->xml_message : "malformed XML",
          hint != NULL ? hint : "");
    }
  }
  xmlFreeTextReader (reader);
  if (ok && !split_drain (s))
    ok = FALSE;
  if (!ok && s->error != NULL) {
    g_clear_error (error);
    g_propagate_error (error, g_steal_pointer (&s->error));
  }
  return ok;
}

gboolean
ce_import_catalog_parse (GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GError **error)
{
  g_autoptr (GHashTable) groups =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree guint8 *buf = g_malloc (BUF_SIZE);
  Splitter s = {0};
  Catalog cat = {0};
  gboolean ok = TRUE;

  s.in = in;
  s.cancellable = cancellable;
  s.parser = parser;
  s.buf = buf;
  s.line = 1;
  cat.s = &s;
  cat.parser = parser;
  cat.cancellable = cancellable;
  cat.groups = groups;
  cat.text = text;

  while (ok && split_next (&s)) {
    const guint8 *p = s.buf + s.pos;
    gsize avail = s.len - s.pos;
    const char *encoding;

    if ((avail >= 2 &&
            ((p[0] == 0xFE && p[1] == 0xFF) ||
                (p[0] == 0xFF && p[1] == 0xFE))) ||
        (avail >= 2 && p[0] == '<' && p[1] == '\0')) {
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING,
          "document %u: line %" G_GUINT64_FORMAT ": UTF-16 is not supported "
          "(convert the file to UTF-8 or GB18030)",
          s.doc_no, s.line);
      ok = FALSE;
      break;
    }
    if (p[0] != '<' && !(avail >= 4 && memcmp (p, "\xEF\xBB\xBF<", 4) == 0)) {
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
          "document %u: line %" G_GUINT64_FORMAT ": not XML (a document "
          "must start with “<”)",
          s.doc_no, s.line);
      ok = FALSE;
      break;
    }
    g_free (cat.declared);
    cat.declared = split_declared_encoding (&s);
    if (p[0] == 0xEF)
      encoding = "UTF-8"; /* the BOM */
    else
      encoding = document_encoding (
          cat.declared != NULL ? cat.declared : parser->encoding);
    if (encoding == NULL) {
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING,
          "document %u: line %" G_GUINT64_FORMAT ": encoding “%s” is not "
          "supported (use UTF-8, GB18030, GBK or GB2312)",
          s.doc_no, s.line, cat.declared);
      ok = FALSE;
      break;
    }
    g_clear_object (&s.conv);
    s.stage_len = 0;
    s.stage_line = s.line;
    s.gb = strcmp (encoding, "GB18030") == 0;
    if (strcmp (encoding, "UTF-8") != 0) {
      s.conv_name = encoding;
      s.conv = G_CONVERTER (g_charset_converter_new ("UTF-8", encoding, error));
      if (s.conv == NULL) {
        ok = FALSE;
        break;
      }
    }
    ok = parse_document (&cat, error);
  }
  if (ok && s.error != NULL) {
    g_propagate_error (error, g_steal_pointer (&s.error));
    ok = FALSE;
  }
  if (ok && s.doc_no == 0) {
    g_set_error_literal (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "line 1: no XML document in the input");
    ok = FALSE;
  }
  catalog_clear_item (&cat);
  catalog_clear_xml_error (&cat);
  g_free (cat.declared);
  g_clear_object (&s.conv);
  g_clear_error (&s.error);
  return ok;
}
