/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Streaming RFC 4180 CSV reader for camera inventories (UTF-8 or GB18030).
 */
#include "ce-import-private.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Design notes.
 *
 * - Memory is bounded whatever the file size: the raw input is read in
 *   64 KiB chunks, decoded chunk by chunk and fed to a byte-level state
 *   machine that keeps only the current record.  A record keeps at most one
 *   stored cell per header column, each cell at most
 *   CE_IMPORT_MAX_FIELD_BYTES, and the record at most
 *   CE_IMPORT_MAX_RECORD_BYTES; beyond that bytes are only counted and the
 *   record is reported with a problem.
 * - Speed: runs of ordinary bytes are found with a lookup table and copied
 *   with one memcpy; the record buffer is reused from record to record, so
 *   a row costs one allocation per non-empty cell (the CeCamera strings).
 * - Encoding: UTF-8 is passed through and validated chunk by chunk (an
 *   incomplete character at a chunk end is carried over); GB18030 (which
 *   also covers GBK and GB2312) goes through a GCharsetConverter driven
 *   directly, so that the number of raw bytes consumed is known for
 *   progress reports and an invalid byte can be reported with its line:
 *   the decoder hands out the valid bytes before it first, the state
 *   machine consumes them, and the error then names the current line.
 * - Detection (no encoding given): a UTF-8 BOM means UTF-8; otherwise the
 *   first 64 KiB decide (valid UTF-8 → UTF-8, else GB18030).  A UTF-8 file
 *   whose first non-ASCII byte comes after 64 KiB is still read as UTF-8;
 *   a GBK file whose first Chinese character comes that late fails with an
 *   encoding error naming the line and --encoding.
 * - Free-text cells (name, street, address, tags, username, password) are
 *   kept verbatim, as RFC 4180 says; cells holding codes, numbers, keywords
 *   and URLs are trimmed of surrounding blanks, which spreadsheets add.
 * - Rows whose cells are all empty (",,,," as spreadsheets write after the
 *   data) are skipped like blank lines.
 */

#define RAW_CHUNK (64 * 1024)
#define PROGRESS_EVERY (64 * 1024)
/* GB18030 → UTF-8 grows at most 4 bytes → 4 bytes, 2 → 3, 1 → 1. */
#define OUT_CHUNK (RAW_CHUNK * 2 + 16)
/* A header has at most this many cells before we give up reading it. */
#define MAX_HEADER_CELLS 64
/* Bytes of a value quoted in a problem. */

typedef enum
{
  F_ID,
  F_NAME,
  F_SOURCE,
  F_STREET,
  F_CIVIL_CODE,
  F_ADDRESS,
  F_LON,
  F_LAT,
  F_RTSP_URL,
  F_RTSP_URL_SUB,
  F_USERNAME,
  F_PASSWORD,
  F_SECRECY,
  F_PTZ_TYPE,
  F_AZIMUTH,
  F_TAGS,
  F_STATUS,
  N_FIELDS
} Field;

/* English names (the order of ce_csv_columns) and the Chinese aliases
 * spreadsheets from the districts use. */
static const struct
{
  const char *name;
  Field field;
} column_names[] = {
    {"id", F_ID},
    {"name", F_NAME},
    {"source", F_SOURCE},
    {"street", F_STREET},
    {"civil_code", F_CIVIL_CODE},
    {"address", F_ADDRESS},
    {"lon", F_LON},
    {"lat", F_LAT},
    {"rtsp_url", F_RTSP_URL},
    {"rtsp_url_sub", F_RTSP_URL_SUB},
    {"username", F_USERNAME},
    {"password", F_PASSWORD},
    {"secrecy", F_SECRECY},
    {"ptz_type", F_PTZ_TYPE},
    {"azimuth", F_AZIMUTH},
    {"tags", F_TAGS},
    {"status", F_STATUS},
    {"设备编码", F_ID},
    {"国标编码", F_ID},
    {"名称", F_NAME},
    {"设备名称", F_NAME},
    {"来源", F_SOURCE},
    {"街镇", F_STREET},
    {"行政区划", F_CIVIL_CODE},
    {"地址", F_ADDRESS},
    {"安装地址", F_ADDRESS},
    {"经度", F_LON},
    {"纬度", F_LAT},
    {"主码流", F_RTSP_URL},
    {"子码流", F_RTSP_URL_SUB},
    {"用户名", F_USERNAME},
    {"密码", F_PASSWORD},
    {"保密属性", F_SECRECY},
    {"云台类型", F_PTZ_TYPE},
    {"方位角", F_AZIMUTH},
    {"标签", F_TAGS},
    {"状态", F_STATUS},
};

static const char *const field_names[N_FIELDS] = {"id", "name", "source",
    "street", "civil_code", "address", "lon", "lat", "rtsp_url", "rtsp_url_sub",
    "username", "password", "secrecy", "ptz_type", "azimuth", "tags", "status"};

/* Decoder */

typedef enum
{
  DEC_DATA,
  DEC_EOF,
  DEC_INVALID, /* bytes not valid in the encoding at the current point */
  DEC_ERROR,   /* I/O error or cancelled, error set */
} DecResult;

typedef struct
{
  GInputStream *in;
  GCancellable *cancellable;
  const CeImportParser *parser;
  GConverter *conv; /* NULL: UTF-8 passed through */
  const char *encoding;
  guint8 *raw;
  gsize raw_pos, raw_len;
  gboolean raw_eof;
  char *out;
  gboolean invalid_pending;
  gboolean at_start;
  goffset consumed;
  goffset last_progress;
} Decoder;

static void
decoder_clear (Decoder *d)
{
  g_clear_object (&d->conv);
  g_free (d->raw);
  g_free (d->out);
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

/* Appends raw bytes after raw_len until @want bytes are buffered or the end
 * of the input. */
static gboolean
decoder_read (Decoder *d, gsize want, GError **error)
{
  if (d->raw_pos > 0) {
    memmove (d->raw, d->raw + d->raw_pos, d->raw_len - d->raw_pos);
    d->raw_len -= d->raw_pos;
    d->raw_pos = 0;
  }
  want = MIN (want, RAW_CHUNK);
  while (!d->raw_eof && d->raw_len < want) {
    GError *local = NULL;
    gssize n = g_input_stream_read (d->in, d->raw + d->raw_len,
        RAW_CHUNK - d->raw_len, d->cancellable, &local);

    if (n < 0) {
      set_read_error (error, local);
      return FALSE;
    }
    if (n == 0)
      d->raw_eof = TRUE;
    d->raw_len += n;
    d->consumed += n;
  }
  if (d->parser->progress != NULL &&
      (d->consumed - d->last_progress >= PROGRESS_EVERY || d->raw_eof)) {
    d->last_progress = d->consumed;
    d->parser->progress (d->consumed, d->parser->user_data);
  }
  return TRUE;
}

/* TRUE when @p[0..n) is the start of a UTF-8 sequence longer than @n. */
static gboolean
utf8_incomplete (const guint8 *p, gsize n)
{
  gsize need;

  if (n == 0 || n > 3)
    return FALSE;
  if (p[0] >= 0xC2 && p[0] <= 0xDF)
    need = 2;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF)
    need = 3;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4)
    need = 4;
  else
    return FALSE;
  if (n >= need)
    return FALSE;
  for (gsize i = 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80)
      return FALSE;
  return TRUE;
}

/* Valid UTF-8 in @p[0..n), allowing an incomplete last character when more
 * input follows. */
static gboolean
utf8_valid_prefix (const guint8 *p, gsize n, gboolean at_end)
{
  const char *end;

  if (g_utf8_validate_len ((const char *) p, n, &end))
    return TRUE;
  return !at_end &&
      utf8_incomplete ((const guint8 *) end, n - ((const guint8 *) end - p));
}

static DecResult
decoder_next_utf8 (Decoder *d, const char **data, gsize *len, GError **error)
{
  for (;;) {
    gsize avail = d->raw_len - d->raw_pos;
    const char *end;
    gsize valid;

    if (avail == 0 && d->raw_eof)
      return DEC_EOF;
    if (avail == 0 ||
        (!d->raw_eof && utf8_incomplete (d->raw + d->raw_pos, avail))) {
      if (!decoder_read (d, RAW_CHUNK, error))
        return DEC_ERROR;
      continue;
    }
    if (g_utf8_validate_len ((const char *) d->raw + d->raw_pos, avail, &end)) {
      valid = avail;
    } else {
      valid = (const guint8 *) end - (d->raw + d->raw_pos);
      /* An incomplete last character is completed by the next read;
       * anything else (or a character cut by the end of the file) is an
       * invalid byte. */
      if (d->raw_eof || !utf8_incomplete ((const guint8 *) end, avail - valid))
        d->invalid_pending = TRUE;
      if (valid == 0)
        return DEC_INVALID;
    }
    *data = (const char *) d->raw + d->raw_pos;
    *len = valid;
    d->raw_pos += valid;
    return DEC_DATA;
  }
}

static DecResult
decoder_next_converted (Decoder *d, const char **data, gsize *len,
    GError **error)
{
  for (;;) {
    g_autoptr (GError) local = NULL;
    GConverterResult res;
    gsize nread = 0, nwritten = 0;

    if (d->raw_pos == d->raw_len && !d->raw_eof &&
        !decoder_read (d, RAW_CHUNK, error))
      return DEC_ERROR;
    res = g_converter_convert (d->conv, d->raw + d->raw_pos,
        d->raw_len - d->raw_pos, d->out, OUT_CHUNK,
        d->raw_eof ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS, &nread,
        &nwritten, &local);
    d->raw_pos += nread;
    if (res == G_CONVERTER_ERROR) {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
          !d->raw_eof) {
        if (!decoder_read (d, d->raw_len - d->raw_pos + 8, error))
          return DEC_ERROR;
        continue;
      }
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) ||
          g_error_matches (local, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
        return DEC_INVALID;
      g_propagate_error (error, g_steal_pointer (&local));
      return DEC_ERROR;
    }
    if (nwritten > 0) {
      /* iconv turns a NUL byte into U+0000, which no cell may hold. */
      const char *nul = memchr (d->out, '\0', nwritten);

      if (nul != NULL) {
        nwritten = nul - d->out;
        d->invalid_pending = TRUE;
        if (nwritten == 0)
          return DEC_INVALID;
      }
      *data = d->out;
      *len = nwritten;
      return DEC_DATA;
    }
    if (res == G_CONVERTER_FINISHED)
      return DEC_EOF;
  }
}

/* Next decoded UTF-8 bytes.  After DEC_DATA that ended at an invalid byte
 * the following call returns DEC_INVALID. */
static DecResult
decoder_next (Decoder *d, const char **data, gsize *len, GError **error)
{
  DecResult res;

  if (d->invalid_pending)
    return DEC_INVALID;
  if (g_cancellable_set_error_if_cancelled (d->cancellable, error))
    return DEC_ERROR;
  if (d->conv != NULL)
    res = decoder_next_converted (d, data, len, error);
  else
    res = decoder_next_utf8 (d, data, len, error);
  /* A decoded U+FEFF at the very start is a byte order mark. */
  if (res == DEC_DATA && d->at_start) {
    d->at_start = FALSE;
    if (*len >= 3 && memcmp (*data, "\xEF\xBB\xBF", 3) == 0) {
      *data += 3;
      *len -= 3;
    }
  }
  return res;
}

static gboolean
decoder_init (Decoder *d, GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GError **error)
{
  const char *encoding = ce_import_canonical_encoding (parser->encoding);
  gboolean bom;

  d->in = in;
  d->parser = parser;
  d->cancellable = cancellable;
  d->raw = g_malloc (RAW_CHUNK);
  d->at_start = TRUE;

  /* The first 64 KiB decide the encoding when none was given. */
  if (!decoder_read (d, RAW_CHUNK, error))
    return FALSE;
  bom = d->raw_len >= 3 && memcmp (d->raw, "\xEF\xBB\xBF", 3) == 0;
  if (encoding == NULL) {
    if (bom || utf8_valid_prefix (d->raw, d->raw_len, d->raw_eof))
      encoding = "UTF-8";
    else
      encoding = "GB18030";
  } else if (bom && strcmp (encoding, "UTF-8") != 0) {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING,
        "line 1: the file starts with a UTF-8 byte order mark but the "
        "encoding %s was asked for (import it with --encoding utf-8)",
        parser->encoding);
    return FALSE;
  }
  d->encoding = encoding;
  if (strcmp (encoding, "UTF-8") != 0) {
    d->conv = G_CONVERTER (g_charset_converter_new ("UTF-8", encoding, error));
    if (d->conv == NULL)
      return FALSE;
    d->out = g_malloc (OUT_CHUNK);
  }
  return TRUE;
}

/* CSV state machine */

typedef enum
{
  ST_FIELD_START,
  ST_UNQUOTED,
  ST_QUOTED,
  ST_QUOTED_QUOTE, /* a '"' inside a quoted field: "" or the end */
} CsvState;

typedef struct
{
  const CeImportParser *parser;
  CsvState state;
  guint64 line;       /* physical line of the next byte, 1-based */
  guint64 rec_line;   /* line the current record started on */
  guint64 quote_line; /* line the current quoted field started on */
  gboolean prev_cr;
  gboolean rec_started;
  gboolean header_done;

  /* The current record: stored cells are NUL-terminated in rec. */
  char *rec;
  gsize rec_len, rec_cap;
  gsize *cell_start;
  guint cell_cap; /* cells stored; later cells are only counted */
  guint ncells;   /* cells seen so far in this record */
  gsize rec_bytes;
  gsize field_bytes;
  gboolean rec_too_long;
  int long_cell; /* first cell longer than the limit, or -1 */

  /* Header: the field of each column. */
  Field *columns;
  guint ncols;
} Csv;

/* Bytes that end a run in an unquoted and in a quoted field. */
static guint8 special_unquoted[256];
static guint8 special_quoted[256];

static void
init_tables (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    special_unquoted[','] = special_unquoted['"'] = 1;
    special_unquoted['\r'] = special_unquoted['\n'] = 1;
    special_quoted['"'] = special_quoted['\r'] = special_quoted['\n'] = 1;
    g_once_init_leave (&done, 1);
  }
}

static inline void
rec_reserve (Csv *csv, gsize n)
{
  if (csv->rec_len + n > csv->rec_cap) {
    csv->rec_cap = MAX (csv->rec_cap * 2, csv->rec_len + n + 256);
    csv->rec = g_realloc (csv->rec, csv->rec_cap);
  }
}

static inline void
field_append (Csv *csv, const char *s, gsize n)
{
  csv->rec_bytes += n;
  csv->field_bytes += n;
  if (csv->rec_bytes > CE_IMPORT_MAX_RECORD_BYTES)
    csv->rec_too_long = TRUE;
  if (csv->ncells >= csv->cell_cap || csv->rec_too_long)
    return;
  if (csv->field_bytes > CE_IMPORT_MAX_FIELD_BYTES) {
    if (csv->long_cell < 0)
      csv->long_cell = csv->ncells;
    return;
  }
  rec_reserve (csv, n);
  memcpy (csv->rec + csv->rec_len, s, n);
  csv->rec_len += n;
}

static inline void
field_end (Csv *csv)
{
  if (csv->ncells < csv->cell_cap && !csv->rec_too_long) {
    rec_reserve (csv, 1);
    csv->rec[csv->rec_len++] = '\0';
    csv->cell_start[csv->ncells + 1] = csv->rec_len;
  }
  csv->ncells++;
  csv->field_bytes = 0;
}

static inline void
record_start (Csv *csv)
{
  if (!csv->rec_started) {
    csv->rec_started = TRUE;
    csv->rec_line = csv->line;
  }
}

static void
record_reset (Csv *csv)
{
  csv->rec_started = FALSE;
  csv->rec_len = 0;
  csv->ncells = 0;
  csv->rec_bytes = 0;
  csv->field_bytes = 0;
  csv->rec_too_long = FALSE;
  csv->long_cell = -1;
  csv->cell_start[0] = 0;
}

static const char *
cell (Csv *csv, guint i)
{
  return csv->rec + csv->cell_start[i];
}

static char *
header_known_list (void)
{
  GString *list = g_string_new (NULL);

  for (gsize i = 0; ce_csv_columns[i] != NULL; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? ", " : "", ce_csv_columns[i]);
  g_string_append (list, "; or in Chinese");
  for (gsize i = 0; i < G_N_ELEMENTS (column_names); i++)
    if (!g_str_is_ascii (column_names[i].name))
      g_string_append_printf (list, " %s", column_names[i].name);
  return g_string_free (list, FALSE);
}

static gboolean
lookup_column (const char *name, Field *out)
{
  for (gsize i = 0; i < G_N_ELEMENTS (column_names); i++) {
    if (g_ascii_strcasecmp (name, column_names[i].name) == 0) {
      *out = column_names[i].field;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
header_parse (Csv *csv, GError **error)
{
  const char *names[N_FIELDS] = {NULL};
  gboolean have_id = FALSE;

  if (csv->rec_too_long || csv->long_cell >= 0 || csv->ncells > csv->cell_cap) {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER,
        "line %" G_GUINT64_FORMAT ": the header is not a list of column "
        "names (%u cells)",
        csv->rec_line, csv->ncells);
    return FALSE;
  }
  csv->ncols = csv->ncells;
  csv->columns = g_new (Field, csv->ncols);
  for (guint i = 0; i < csv->ncols; i++) {
    g_autofree char *name = g_strstrip (g_strdup (cell (csv, i)));
    Field field;

    if (*name == '\0') {
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER,
          "line %" G_GUINT64_FORMAT ": column %u has no name", csv->rec_line,
          i + 1);
      return FALSE;
    }
    if (!lookup_column (name, &field)) {
      g_autofree char *known = header_known_list ();
      g_autofree char *show = ce_import_shown (name);

      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER,
          "line %" G_GUINT64_FORMAT ": unknown column “%s” (known columns: "
          "%s)",
          csv->rec_line, show, known);
      return FALSE;
    }
    if (names[field] != NULL) {
      g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER,
          "line %" G_GUINT64_FORMAT ": duplicate column “%s” (“%s” is "
          "already the %s column)",
          csv->rec_line, name, names[field], field_names[field]);
      return FALSE;
    }
    names[field] = cell (csv, i);
    csv->columns[i] = field;
    have_id |= field == F_ID;
  }
  if (!have_id) {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER,
        "line %" G_GUINT64_FORMAT ": no id column (设备编码/国标编码); the "
        "header must name the 20-digit GB/T 28181 code",
        csv->rec_line);
    return FALSE;
  }
  /* From now on store one cell per column. */
  csv->cell_cap = csv->ncols;
  return TRUE;
}

static void
set_field (CeCamera *camera, Field field, char *value, GString **problems)
{
  g_autofree char *show = NULL;

  switch (field) {
    case F_NAME:
    case F_STREET:
    case F_ADDRESS:
    case F_USERNAME:
    case F_PASSWORD:
    case F_TAGS:
      break;
    default:
      g_strstrip (value);
      break;
  }
  if (*value == '\0')
    return;

  switch (field) {
    case F_ID:
      camera->id = g_strdup (value);
      break;
    case F_NAME:
      camera->name = g_strdup (value);
      break;
    case F_STREET:
      camera->street = g_strdup (value);
      break;
    case F_CIVIL_CODE:
      camera->civil_code = g_strdup (value);
      break;
    case F_ADDRESS:
      camera->address = g_strdup (value);
      break;
    case F_RTSP_URL:
      camera->rtsp_url = g_strdup (value);
      break;
    case F_RTSP_URL_SUB:
      camera->rtsp_url_sub = g_strdup (value);
      break;
    case F_USERNAME:
      camera->username = g_strdup (value);
      break;
    case F_PASSWORD:
      camera->password = g_strdup (value);
      break;
    case F_TAGS:
      camera->tags = g_strdup (value);
      break;
    case F_SOURCE:
      if (!ce_source_from_string (value, &camera->source)) {
        show = ce_import_shown (value);
        ce_import_add_problem (problems,
            "source: “%s” is not one of public_security, xueliang, social, "
            "mobile",
            show);
      }
      break;
    case F_STATUS:
      if (!ce_status_from_string (value, &camera->status)) {
        show = ce_import_shown (value);
        ce_import_add_problem (problems,
            "status: “%s” is not one of online, offline, unknown", show);
      }
      break;
    case F_LON:
    case F_LAT:
    case F_AZIMUTH: {
      double *target = field == F_LON ? &camera->lon
          : field == F_LAT            ? &camera->lat
                                      : &camera->azimuth;

      if (!ce_import_parse_double (value, target)) {
        show = ce_import_shown (value);
        ce_import_add_problem (problems, "%s: “%s” is not a number",
            field_names[field], show);
      }
      break;
    }
    case F_SECRECY:
      if (strcmp (value, "0") == 0 || strcmp (value, "否") == 0) {
        camera->secrecy = 0;
      } else if (strcmp (value, "1") == 0 || strcmp (value, "是") == 0) {
        camera->secrecy = 1;
      } else {
        show = ce_import_shown (value);
        ce_import_add_problem (problems, "secrecy: “%s” is not 0 or 1", show);
      }
      break;
    case F_PTZ_TYPE: {
      char *end;
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (value, &end, 10);
      if (end == value || *end != '\0' || errno != 0 || v < G_MININT ||
          v > G_MAXINT) {
        show = ce_import_shown (value);
        ce_import_add_problem (problems, "ptz_type: “%s” is not an integer",
            show);
      } else {
        camera->ptz_type = (int) v;
      }
      break;
    }
    case N_FIELDS:
    default:
      g_assert_not_reached ();
  }
}

static gboolean
record_end (Csv *csv, GError **error)
{
  g_autoptr (CeCamera) camera = NULL;
  GString *problems = NULL;
  g_autofree char *problem = NULL;
  char where[48];
  guint stored = MIN (csv->ncells, csv->cell_cap);

  if (!csv->rec_started) /* a blank line */
    return TRUE;
  if (csv->rec_bytes == 0) {
    /* Only empty cells: skipped like a blank line. */
    record_reset (csv);
    return TRUE;
  }
  if (!csv->header_done) {
    if (!header_parse (csv, error))
      return FALSE;
    csv->header_done = TRUE;
    record_reset (csv);
    return TRUE;
  }

  g_snprintf (where, sizeof (where), "line %" G_GUINT64_FORMAT, csv->rec_line);
  if (csv->rec_too_long) {
    g_autofree char *msg = g_strdup_printf (
        "the record is longer than %d bytes", CE_IMPORT_MAX_RECORD_BYTES);

    record_reset (csv);
    return csv->parser->record (NULL, where, msg, csv->parser->user_data,
        error);
  }

  camera = ce_camera_new ();
  for (guint i = 0; i < stored; i++) {
    if ((int) i == csv->long_cell)
      continue;
    set_field (camera, csv->columns[i], csv->rec + csv->cell_start[i],
        &problems);
  }
  if (csv->long_cell >= 0)
    ce_import_add_problem (&problems, "%s: longer than %d bytes",
        field_names[csv->columns[csv->long_cell]], CE_IMPORT_MAX_FIELD_BYTES);
  if (csv->ncells > csv->ncols)
    ce_import_add_problem (&problems, "%u cells, the header has %u",
        csv->ncells, csv->ncols);
  if (problems != NULL)
    problem = g_string_free (problems, FALSE);
  record_reset (csv);
  return csv->parser->record (g_steal_pointer (&camera), where, problem,
      csv->parser->user_data, error);
}

static inline void
newline (Csv *csv, char c)
{
  if (c == '\n') {
    if (!csv->prev_cr)
      csv->line++;
    csv->prev_cr = FALSE;
  } else {
    csv->line++;
    csv->prev_cr = TRUE;
  }
}

static gboolean
csv_feed (Csv *csv, const char *data, gsize len, GError **error)
{
  const char *p = data;
  const char *end = data + len;

  while (p < end) {
    const char *s = p;
    char c;

    switch (csv->state) {
      case ST_FIELD_START:
        c = *p++;
        if (c == '\n' || c == '\r') {
          gboolean started = csv->rec_started;

          if (started)
            field_end (csv);
          newline (csv, c);
          if (started && !record_end (csv, error))
            return FALSE;
          break;
        }
        record_start (csv);
        csv->prev_cr = FALSE;
        if (c == ',') {
          field_end (csv);
        } else if (c == '"') {
          csv->quote_line = csv->line;
          csv->state = ST_QUOTED;
        } else {
          field_append (csv, s, 1);
          csv->state = ST_UNQUOTED;
        }
        break;

      case ST_UNQUOTED:
        while (p < end && !special_unquoted[(guchar) *p])
          p++;
        if (p > s) {
          field_append (csv, s, p - s);
          csv->prev_cr = FALSE;
        }
        if (p == end)
          break;
        c = *p++;
        if (c == '"') {
          /* A quote inside an unquoted field is kept (lenient). */
          field_append (csv, p - 1, 1);
        } else if (c == ',') {
          field_end (csv);
          csv->state = ST_FIELD_START;
        } else {
          field_end (csv);
          newline (csv, c);
          csv->state = ST_FIELD_START;
          if (!record_end (csv, error))
            return FALSE;
        }
        break;

      case ST_QUOTED:
        while (p < end && !special_quoted[(guchar) *p])
          p++;
        if (p > s) {
          field_append (csv, s, p - s);
          csv->prev_cr = FALSE;
        }
        if (p == end)
          break;
        c = *p++;
        if (c == '"') {
          csv->state = ST_QUOTED_QUOTE;
          csv->prev_cr = FALSE;
        } else {
          /* An embedded line break, kept as written. */
          field_append (csv, p - 1, 1);
          newline (csv, c);
        }
        break;

      case ST_QUOTED_QUOTE:
        c = *p++;
        if (c == '"') {
          field_append (csv, p - 1, 1);
          csv->state = ST_QUOTED;
        } else if (c == ',') {
          field_end (csv);
          csv->state = ST_FIELD_START;
        } else if (c == '\r' || c == '\n') {
          field_end (csv);
          newline (csv, c);
          csv->state = ST_FIELD_START;
          if (!record_end (csv, error))
            return FALSE;
        } else {
          /* "abc"def: keep the rest of the cell (lenient). */
          field_append (csv, p - 1, 1);
          csv->state = ST_UNQUOTED;
        }
        break;

      default:
        g_assert_not_reached ();
    }
  }
  return TRUE;
}

static gboolean
csv_finish (Csv *csv, GError **error)
{
  if (csv->state == ST_QUOTED) {
    g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_SYNTAX,
        "line %" G_GUINT64_FORMAT ": the quoted field opened here is never "
        "closed",
        csv->quote_line);
    return FALSE;
  }
  if (csv->rec_started) {
    field_end (csv);
    csv->state = ST_FIELD_START;
    if (!record_end (csv, error))
      return FALSE;
  }
  if (!csv->header_done) {
    g_set_error_literal (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_HEADER,
        "line 1: the file is empty (a header line naming the columns is "
        "required)");
    return FALSE;
  }
  return TRUE;
}

gboolean
ce_import_csv_parse (GInputStream *in, const CeImportParser *parser,
    GCancellable *cancellable, GError **error)
{
  Decoder dec = {0};
  Csv csv = {0};
  gboolean ok = FALSE;

  init_tables ();
  csv.parser = parser;
  csv.line = 1;
  csv.cell_cap = MAX_HEADER_CELLS;
  csv.cell_start = g_new (gsize, MAX (MAX_HEADER_CELLS, N_FIELDS) + 1);
  record_reset (&csv);

  if (!decoder_init (&dec, in, parser, cancellable, error))
    goto out;
  for (;;) {
    const char *data = NULL;
    gsize len = 0;
    DecResult res = decoder_next (&dec, &data, &len, error);

    if (res == DEC_ERROR)
      goto out;
    if (res == DEC_EOF)
      break;
    if (res == DEC_INVALID) {
      if (strcmp (dec.encoding, "UTF-8") == 0)
        g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING,
            "line %" G_GUINT64_FORMAT ": bytes that are not valid UTF-8 (if "
            "the file is GBK or GB18030, import it with --encoding gb18030)",
            csv.line);
      else
        g_set_error (error, CE_IMPORT_ERROR, CE_IMPORT_ERROR_ENCODING,
            "line %" G_GUINT64_FORMAT ": bytes that are not valid %s (check "
            "the file's encoding and give it with --encoding)",
            csv.line, dec.encoding);
      goto out;
    }
    if (!csv_feed (&csv, data, len, error))
      goto out;
  }
  ok = csv_finish (&csv, error);

out:
  decoder_clear (&dec);
  g_free (csv.rec);
  g_free (csv.cell_start);
  g_free (csv.columns);
  return ok;
}
