/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The SDP (RFC 4566) of one camera's video track, with the decoder
 * configuration of RFC 6184 / RFC 7798.
 */
#include "ce-sdp.h"

#include <string.h>

/* Session name: UTF-8 without control characters, never empty. */
static void
append_text (GString *sdp, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  gsize start = sdp->len;

  for (const char *c = valid; *c != '\0'; c++)
    g_string_append_c (sdp, (guint8) *c < 0x20 || *c == 0x7f ? ' ' : *c);
  if (sdp->len == start)
    g_string_append_c (sdp, '-');
}

/* Addresses and the control suffix: visible ASCII without spaces. */
static void
append_word (GString *sdp, const char *word, const char *fallback)
{
  gsize start = sdp->len;

  for (const char *c = word != NULL ? word : ""; *c != '\0'; c++) {
    if (*c > 0x20 && *c < 0x7f)
      g_string_append_c (sdp, *c);
  }
  if (sdp->len == start)
    g_string_append (sdp, fallback);
}

static void
append_base64 (GString *sdp, GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autofree char *b64 = g_base64_encode (data, size);

  g_string_append (sdp, b64);
}

char *
ce_sdp_build (const CeVideoParams *params, const char *session_name,
    const char *server_address, guint64 session_id, const char *control)
{
  return ce_sdp_build_av (params, NULL, session_name, server_address,
      session_id, control, NULL);
}

static void
append_audio (GString *sdp, const CeSdpAudio *audio, const char *control)
{
  guint pt = ce_sdp_audio_output_pt (audio);

  g_string_append_printf (sdp, "m=audio 0 RTP/AVP %u\r\na=rtpmap:%u %s/%u", pt,
      pt, ce_audio_codec_to_string (audio->codec), audio->clock_rate);
  if (audio->channels > 1)
    g_string_append_printf (sdp, "/%u", audio->channels);
  g_string_append (sdp, "\r\n");
  /* Only printable ASCII was kept when the camera's SDP was read; the
   * check is repeated here because the SDP goes to every viewer. */
  if (audio->fmtp != NULL && *audio->fmtp != '\0' &&
      strpbrk (audio->fmtp, "\r\n") == NULL) {
    g_string_append_printf (sdp, "a=fmtp:%u ", pt);
    append_text (sdp, audio->fmtp);
    g_string_append (sdp, "\r\n");
  }
  g_string_append (sdp, "a=control:");
  append_word (sdp, control, "trackID=1");
  g_string_append (sdp, "\r\n");
}

char *
ce_sdp_build_av (const CeVideoParams *params, const CeSdpAudio *audio,
    const char *session_name, const char *server_address, guint64 session_id,
    const char *control, const char *audio_control)
{
  GString *sdp;
  const char *addr_type;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (
      params->codec == CE_CODEC_H264 || params->codec == CE_CODEC_H265, NULL);

  addr_type = server_address != NULL && strchr (server_address, ':') != NULL
      ? "IP6"
      : "IP4";
  sdp = g_string_sized_new (512);
  g_string_append (sdp, "v=0\r\n");
  g_string_append_printf (sdp, "o=- %" G_GUINT64_FORMAT " 1 IN %s ", session_id,
      addr_type);
  append_word (sdp, server_address, "127.0.0.1");
  g_string_append (sdp, "\r\ns=");
  append_text (sdp, session_name);
  /* The connection address of a unicast RTSP session is not used. */
  g_string_append_printf (sdp, "\r\nc=IN %s %s\r\n", addr_type,
      strcmp (addr_type, "IP6") == 0 ? "::" : "0.0.0.0");
  g_string_append (sdp,
      "t=0 0\r\n"
      "a=tool:cityeye\r\n"
      "a=range:npt=now-\r\n"
      "a=control:*\r\n"
      "m=video 0 RTP/AVP 96\r\n");

  if (params->codec == CE_CODEC_H264) {
    gboolean sep = FALSE;

    g_string_append (sdp,
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1");
    if (params->sps != NULL) {
      gsize size;
      const guint8 *sps = g_bytes_get_data (params->sps, &size);

      if (size >= 4)
        g_string_append_printf (sdp, ";profile-level-id=%02x%02x%02x", sps[1],
            sps[2], sps[3]);
    }
    if (params->sps != NULL || params->pps != NULL) {
      g_string_append (sdp, ";sprop-parameter-sets=");
      if (params->sps != NULL) {
        append_base64 (sdp, params->sps);
        sep = TRUE;
      }
      if (params->pps != NULL) {
        if (sep)
          g_string_append_c (sdp, ',');
        append_base64 (sdp, params->pps);
      }
    }
  } else {
    g_autoptr (GString) fmtp = g_string_new (NULL);

    g_string_append (sdp, "a=rtpmap:96 H265/90000");
    if (params->profile_idc != 0)
      g_string_append_printf (fmtp, ";profile-id=%u;tier-flag=%u;level-id=%u",
          params->profile_idc, params->tier_flag, params->level_idc);
    if (params->vps != NULL) {
      g_string_append (fmtp, ";sprop-vps=");
      append_base64 (fmtp, params->vps);
    }
    if (params->sps != NULL) {
      g_string_append (fmtp, ";sprop-sps=");
      append_base64 (fmtp, params->sps);
    }
    if (params->pps != NULL) {
      g_string_append (fmtp, ";sprop-pps=");
      append_base64 (fmtp, params->pps);
    }
    /* Without any parameter the fmtp line is left out. */
    if (fmtp->len > 0)
      g_string_append_printf (sdp, "\r\na=fmtp:96 %s", fmtp->str + 1);
  }
  g_string_append (sdp, "\r\na=control:");
  append_word (sdp, control, "trackID=0");
  g_string_append (sdp, "\r\n");
  if (audio != NULL && audio->codec != CE_AUDIO_NONE && audio->clock_rate > 0)
    append_audio (sdp, audio, audio_control);
  return g_string_free (sdp, FALSE);
}

/* ---- Reading a camera's SDP ------------------------------------------------
 */

G_DEFINE_QUARK (cityeye_sdp_error, ce_sdp_error)

void
ce_sdp_video_clear (CeSdpVideo *video)
{
  g_return_if_fail (video != NULL);

  g_free (video->control);
  g_free (video->session_control);
  g_clear_pointer (&video->vps, g_bytes_unref);
  g_clear_pointer (&video->sps, g_bytes_unref);
  g_clear_pointer (&video->pps, g_bytes_unref);
  memset (video, 0, sizeof *video);
}

typedef struct
{
  const char *p;
  const char *end;
} Span;

/* Formats and attributes kept per media section; more are ignored. */
#define MAX_FORMATS 32
#define MAX_ATTRS 32

typedef struct
{
  gboolean open;
  gboolean video; /* m=video */
  gboolean audio; /* m=audio */
  gboolean rtp;   /* RTP/AVP, RTP/AVPF, RTP/AVP/TCP … */
  Span media;     /* for the error message */
  guint n_fmts;
  guint fmts[MAX_FORMATS];
  guint n_maps;
  struct
  {
    guint pt;
    Span encoding;
    guint clock_rate; /* 0: not given */
    guint channels;   /* 0: not given */
  } maps[MAX_ATTRS];
  guint n_fmtps;
  struct
  {
    guint pt;
    Span params;
  } fmtps[MAX_ATTRS];
  gboolean has_control;
  Span control;
} Section;

static void
span_trim (Span *s)
{
  while (s->p < s->end && g_ascii_isspace (*s->p))
    s->p++;
  while (s->end > s->p && g_ascii_isspace (s->end[-1]))
    s->end--;
}

static gboolean
span_is (Span s, const char *literal)
{
  gsize len = strlen (literal);

  return (gsize) (s.end - s.p) == len &&
      g_ascii_strncasecmp (s.p, literal, len) == 0;
}

static gboolean
span_has_prefix (Span s, const char *literal)
{
  gsize len = strlen (literal);

  return (gsize) (s.end - s.p) >= len &&
      g_ascii_strncasecmp (s.p, literal, len) == 0;
}

/* The next whitespace-separated word of *s. */
static Span
next_word (Span *s)
{
  Span w;

  while (s->p < s->end && g_ascii_isspace (*s->p))
    s->p++;
  w.p = s->p;
  while (s->p < s->end && !g_ascii_isspace (*s->p))
    s->p++;
  w.end = s->p;
  return w;
}

/* Decimal digits at the start of *s, at most @max; advances past them. */
static gboolean
take_uint (Span *s, guint max, guint *out)
{
  guint64 v = 0;
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p) && s->p - start < 10)
    v = v * 10 + (*s->p++ - '0');
  if (s->p == start || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
span_uint (Span s, guint max, guint *out)
{
  span_trim (&s);
  return take_uint (&s, max, out) && s.p == s.end;
}

static CeCodec
codec_of_encoding (Span enc)
{
  if (span_is (enc, "H264"))
    return CE_CODEC_H264;
  if (span_is (enc, "H265") || span_is (enc, "HEVC"))
    return CE_CODEC_H265;
  return CE_CODEC_UNKNOWN;
}

/* Calls @func for each name=value of an a=fmtp parameter list. */
typedef void (*ParamFunc) (Span name, Span value, gpointer data);

static void
foreach_param (Span params, ParamFunc func, gpointer data)
{
  const char *p = params.p;

  while (p < params.end) {
    const char *semi = memchr (p, ';', params.end - p);
    Span item = {p, semi != NULL ? semi : params.end};
    const char *eq = memchr (item.p, '=', item.end - item.p);

    if (eq != NULL) {
      Span name = {item.p, eq}, value = {eq + 1, item.end};

      span_trim (&name);
      span_trim (&value);
      func (name, value, data);
    }
    p = item.end + (semi != NULL);
  }
}

static void
guess_codec (Span name, Span value, gpointer data)
{
  CeCodec *codec = data;

  if (span_is (name, "sprop-vps") || span_is (name, "sprop-sps") ||
      span_is (name, "sprop-pps") || span_is (name, "profile-id") ||
      span_is (name, "tier-flag") || span_is (name, "level-id"))
    *codec = CE_CODEC_H265;
  else if (*codec == CE_CODEC_UNKNOWN &&
      (span_is (name, "sprop-parameter-sets") ||
          span_is (name, "packetization-mode") ||
          span_is (name, "profile-level-id")))
    *codec = CE_CODEC_H264;
}

static const Span *
section_fmtp (const Section *sec, guint pt)
{
  for (guint i = 0; i < sec->n_fmtps; i++) {
    if (sec->fmtps[i].pt == pt)
      return &sec->fmtps[i].params;
  }
  return NULL;
}

/* The codec of payload type @pt in @sec, from its rtpmap or, for a
 * dynamic type without one, from its fmtp. */
static CeCodec
section_codec (const Section *sec, guint pt, guint *clock_rate)
{
  const Span *fmtp;
  CeCodec codec = CE_CODEC_UNKNOWN;

  for (guint i = 0; i < sec->n_maps; i++) {
    if (sec->maps[i].pt == pt) {
      *clock_rate =
          sec->maps[i].clock_rate > 0 ? sec->maps[i].clock_rate : 90000;
      return codec_of_encoding (sec->maps[i].encoding);
    }
  }
  if (pt < 96 || (fmtp = section_fmtp (sec, pt)) == NULL)
    return CE_CODEC_UNKNOWN;
  foreach_param (*fmtp, guess_codec, &codec);
  *clock_rate = 90000;
  return codec;
}

/* base64 (standard or URL-safe alphabet, padding optional) to bytes, a
 * leading start code removed; NULL when it is not base64. */
static GBytes *
decode_nal (Span s)
{
  g_autofree char *text = NULL;
  g_autofree guchar *out = NULL;
  gsize len, n, pad = 0;
  gint state = 0;
  guint save = 0;
  const guchar *nal;

  span_trim (&s);
  while (s.end > s.p && s.end[-1] == '=')
    s.end--;
  len = s.end - s.p;
  if (len == 0 || len % 4 == 1)
    return NULL;
  text = g_malloc (len + 4);
  for (gsize i = 0; i < len; i++) {
    char c = s.p[i];

    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!g_ascii_isalnum (c) && c != '+' && c != '/')
      return NULL;
    text[i] = c;
  }
  for (; (len + pad) % 4 != 0; pad++)
    text[len + pad] = '=';
  out = g_malloc (len + 4);
  n = g_base64_decode_step (text, len + pad, out, &state, &save);
  nal = out;
  if (n >= 4 && memcmp (nal, "\0\0\0\1", 4) == 0)
    nal += 4, n -= 4;
  else if (n >= 3 && memcmp (nal, "\0\0\1", 3) == 0)
    nal += 3, n -= 3;
  if (n == 0)
    return NULL;
  return g_bytes_new (nal, n);
}

/* Files each NAL of a comma-separated base64 list by its type. */
static void
add_sets (CeSdpVideo *out, Span list)
{
  const char *p = list.p;

  while (p < list.end) {
    const char *comma = memchr (p, ',', list.end - p);
    Span item = {p, comma != NULL ? comma : list.end};
    g_autoptr (GBytes) nal = decode_nal (item);
    GBytes **slot = NULL;

    if (nal != NULL) {
      const guint8 *d = g_bytes_get_data (nal, NULL);
      guint type;

      if (out->codec == CE_CODEC_H264) {
        type = d[0] & 0x1f;
        slot = type == 7 ? &out->sps : type == 8 ? &out->pps : NULL;
      } else if (g_bytes_get_size (nal) >= 2) {
        type = (d[0] >> 1) & 0x3f;
        slot = type == 32 ? &out->vps
            : type == 33  ? &out->sps
            : type == 34  ? &out->pps
                          : NULL;
      }
      if (slot != NULL && *slot == NULL)
        *slot = g_steal_pointer (&nal);
    }
    p = item.end + (comma != NULL);
  }
}

static void
read_param (Span name, Span value, gpointer data)
{
  CeSdpVideo *out = data;

  if (span_is (name, "sprop-parameter-sets") || span_is (name, "sprop-vps") ||
      span_is (name, "sprop-sps") || span_is (name, "sprop-pps"))
    add_sets (out, value);
  else if (span_is (name, "packetization-mode"))
    span_uint (value, 2, &out->packetization_mode);
  else if (span_is (name, "sprop-max-don-diff"))
    span_uint (value, 32767, &out->max_don_diff);
}

/* A control URL as a string: spaces and bytes beyond ASCII
 * percent-encoded (an RTSP request line holds neither), or NULL if it
 * holds control bytes. */
static char *
span_url (Span s)
{
  GString *url = g_string_sized_new (s.end - s.p);

  for (const char *c = s.p; c < s.end; c++) {
    guint8 b = *c;

    if (b < 0x20 || b == 0x7f) {
      g_string_free (url, TRUE);
      return NULL;
    }
    if (b == ' ' || b >= 0x80)
      g_string_append_printf (url, "%%%02X", b);
    else
      g_string_append_c (url, b);
  }
  return g_string_free (url, FALSE);
}

/* Fills @out from the section if it has a usable video track. */
static gboolean
section_pick (const Section *sec, CeSdpVideo *out)
{
  CeCodec codec = CE_CODEC_UNKNOWN;
  guint pt = 0, clock_rate = 0;
  const Span *fmtp;

  if (!sec->video || !sec->rtp)
    return FALSE;
  for (guint i = 0; i < sec->n_fmts && codec == CE_CODEC_UNKNOWN; i++) {
    pt = sec->fmts[i];
    codec = section_codec (sec, pt, &clock_rate);
  }
  for (guint i = 0; i < sec->n_maps && codec == CE_CODEC_UNKNOWN; i++) {
    pt = sec->maps[i].pt;
    codec = section_codec (sec, pt, &clock_rate);
  }
  if (codec == CE_CODEC_UNKNOWN)
    return FALSE;
  out->codec = codec;
  out->payload_type = pt;
  out->clock_rate = clock_rate;
  if (sec->has_control)
    out->control = span_url (sec->control);
  fmtp = section_fmtp (sec, pt);
  if (fmtp != NULL)
    foreach_param (*fmtp, read_param, out);
  return TRUE;
}

/* Up to 32 bytes of @s for a message: printable ASCII, '?' for others. */
static void
append_printable (GString *out, Span s)
{
  for (const char *c = s.p; c < s.end && c - s.p < 32; c++)
    g_string_append_c (out, *c > 0x20 && *c < 0x7f ? *c : '?');
}

/* "video H264, audio PCMA": what the SDP offered, for the error. */
static void
describe_section (const Section *sec, GString *found)
{
  if (found->len > 200)
    return;
  if (found->len > 0)
    g_string_append (found, ", ");
  append_printable (found, sec->media);
  if (sec->n_fmts > 0) {
    for (guint i = 0; i < sec->n_maps; i++) {
      if (sec->maps[i].pt == sec->fmts[0]) {
        g_string_append_c (found, ' ');
        append_printable (found, sec->maps[i].encoding);
        return;
      }
    }
    g_string_append_printf (found, " payload %u", sec->fmts[0]);
  }
}

static void
section_start (Section *sec, Span value)
{
  Span proto;

  memset (sec, 0, sizeof *sec);
  sec->open = TRUE;
  sec->media = next_word (&value);
  sec->video = span_is (sec->media, "video");
  sec->audio = span_is (sec->media, "audio");
  next_word (&value); /* port[/count] */
  proto = next_word (&value);
  sec->rtp = span_has_prefix (proto, "RTP/AVP");
  while (sec->n_fmts < MAX_FORMATS) {
    Span fmt = next_word (&value);
    guint pt;

    if (fmt.p == fmt.end)
      break;
    if (span_uint (fmt, 127, &pt))
      sec->fmts[sec->n_fmts++] = pt;
  }
}

static void
section_attribute (Section *sec, Span name, Span value)
{
  guint pt;

  if (span_is (name, "rtpmap")) {
    Span enc;

    if (sec->n_maps == MAX_ATTRS || !take_uint (&value, 127, &pt))
      return;
    span_trim (&value);
    enc.p = value.p;
    while (
        value.p < value.end && *value.p != '/' && !g_ascii_isspace (*value.p))
      value.p++;
    enc.end = value.p;
    sec->maps[sec->n_maps].pt = pt;
    sec->maps[sec->n_maps].encoding = enc;
    sec->maps[sec->n_maps].clock_rate = 0;
    sec->maps[sec->n_maps].channels = 0;
    if (value.p < value.end && *value.p == '/') {
      value.p++;
      take_uint (&value, G_MAXINT32, &sec->maps[sec->n_maps].clock_rate);
      if (value.p < value.end && *value.p == '/') {
        value.p++;
        take_uint (&value, 255, &sec->maps[sec->n_maps].channels);
      }
    }
    sec->n_maps++;
  } else if (span_is (name, "fmtp")) {
    if (sec->n_fmtps == MAX_ATTRS || !take_uint (&value, 127, &pt))
      return;
    sec->fmtps[sec->n_fmtps].pt = pt;
    sec->fmtps[sec->n_fmtps].params = value;
    sec->n_fmtps++;
  } else if (span_is (name, "control") && !sec->has_control) {
    sec->has_control = TRUE;
    sec->control = value;
  }
}

typedef gboolean (*PickFunc) (const Section *sec, gpointer out);

/* Walks the media sections one line at a time; the section in progress is
 * judged by @pick when the next m= line or the end comes.  Stops at the
 * first section @pick takes.  Sections passed over are described in
 * @found; the session-level a=control goes to @session_control. */
static gboolean
walk_sections (const char *sdp, gsize len, PickFunc pick, gpointer out,
    GString *found, char **session_control)
{
  const char *p = sdp, *end = sdp + len;
  Section sec = {0};

  for (;;) {
    Span line, name, value;
    const char *eol, *colon;

    while (p < end && (*p == '\r' || *p == '\n'))
      p++;
    if (p == end) {
      if (sec.open && pick (&sec, out))
        return TRUE;
      if (sec.open)
        describe_section (&sec, found);
      return FALSE;
    }
    for (eol = p; eol < end && *eol != '\r' && *eol != '\n'; eol++)
      ;
    line.p = p;
    line.end = eol;
    p = eol;
    span_trim (&line);
    if (line.end - line.p < 2 || line.p[1] != '=')
      continue;
    value.p = line.p + 2;
    value.end = line.end;
    span_trim (&value);
    switch (g_ascii_tolower (line.p[0])) {
      case 'm':
        if (sec.open) {
          if (pick (&sec, out))
            return TRUE;
          describe_section (&sec, found);
        }
        section_start (&sec, value);
        break;
      case 'a':
        colon = memchr (value.p, ':', value.end - value.p);
        name.p = value.p;
        name.end = colon != NULL ? colon : value.end;
        span_trim (&name);
        value.p = colon != NULL ? colon + 1 : value.end;
        span_trim (&value);
        if (sec.open)
          section_attribute (&sec, name, value);
        else if (span_is (name, "control") && *session_control == NULL)
          *session_control = span_url (value);
        break;
      default:
        break;
    }
  }
}

static gboolean
pick_video (const Section *sec, gpointer out)
{
  return section_pick (sec, out);
}

static gboolean
check_size (gsize len, GError **error)
{
  if (len > CE_SDP_MAX_SIZE) {
    g_set_error (error, CE_SDP_ERROR, CE_SDP_ERROR_TOO_LARGE,
        "SDP is larger than %d bytes", CE_SDP_MAX_SIZE);
    return FALSE;
  }
  if (len == 0) {
    g_set_error_literal (error, CE_SDP_ERROR, CE_SDP_ERROR_INVALID,
        "SDP is empty");
    return FALSE;
  }
  return TRUE;
}

gboolean
ce_sdp_parse_video (const char *sdp, gsize len, CeSdpVideo *out, GError **error)
{
  g_autoptr (GString) found = g_string_new (NULL);
  g_autofree char *session_control = NULL;

  g_return_val_if_fail (sdp != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (!check_size (len, error))
    return FALSE;
  if (!walk_sections (sdp, len, pick_video, out, found, &session_control)) {
    ce_sdp_video_clear (out);
    g_set_error (error, CE_SDP_ERROR, CE_SDP_ERROR_NO_VIDEO,
        "SDP has no H.264 or H.265 video track (%s)",
        found->len > 0 ? found->str : "no media sections");
    return FALSE;
  }
  out->session_control = g_steal_pointer (&session_control);
  return TRUE;
}

/* ---- audio -------------------------------------------------------------- */

const char *
ce_audio_codec_to_string (CeAudioCodec codec)
{
  switch (codec) {
    case CE_AUDIO_PCMU:
      return "PCMU";
    case CE_AUDIO_PCMA:
      return "PCMA";
    case CE_AUDIO_AAC:
      return "MPEG4-GENERIC";
    case CE_AUDIO_AAC_LATM:
      return "MP4A-LATM";
    case CE_AUDIO_NONE:
    default:
      return "none";
  }
}

void
ce_sdp_audio_clear (CeSdpAudio *audio)
{
  g_return_if_fail (audio != NULL);

  g_free (audio->fmtp);
  g_free (audio->control);
  memset (audio, 0, sizeof *audio);
}

void
ce_sdp_audio_copy (const CeSdpAudio *src, CeSdpAudio *dest)
{
  *dest = *src;
  dest->fmtp = g_strdup (src->fmtp);
  dest->control = g_strdup (src->control);
}

guint
ce_sdp_audio_output_pt (const CeSdpAudio *audio)
{
  switch (audio->codec) {
    case CE_AUDIO_PCMU:
      return 0;
    case CE_AUDIO_PCMA:
      return 8;
    default:
      return 97;
  }
}

static CeAudioCodec
audio_codec_of (Span enc)
{
  if (span_is (enc, "PCMU"))
    return CE_AUDIO_PCMU;
  if (span_is (enc, "PCMA"))
    return CE_AUDIO_PCMA;
  if (span_is (enc, "MPEG4-GENERIC"))
    return CE_AUDIO_AAC;
  if (span_is (enc, "MP4A-LATM"))
    return CE_AUDIO_AAC_LATM;
  return CE_AUDIO_NONE;
}

/* The fmtp parameters when they are safe to copy into our SDP. */
static char *
safe_fmtp (Span s)
{
  span_trim (&s);
  if (s.p == s.end || s.end - s.p > 1024)
    return NULL;
  for (const char *c = s.p; c < s.end; c++)
    if ((guint8) *c < 0x20 || (guint8) *c >= 0x7f)
      return NULL;
  return g_strndup (s.p, s.end - s.p);
}

static gboolean
pick_audio (const Section *sec, gpointer data)
{
  CeSdpAudio *out = data;

  if (!sec->audio || !sec->rtp)
    return FALSE;
  for (guint i = 0; i < sec->n_fmts; i++) {
    guint pt = sec->fmts[i], rate = 0, channels = 1;
    CeAudioCodec codec = CE_AUDIO_NONE;
    const Span *fmtp;

    for (guint m = 0; m < sec->n_maps; m++) {
      if (sec->maps[m].pt == pt) {
        codec = audio_codec_of (sec->maps[m].encoding);
        rate = sec->maps[m].clock_rate;
        channels = sec->maps[m].channels > 0 ? sec->maps[m].channels : 1;
        break;
      }
    }
    /* Static payload types need no rtpmap. */
    if (codec == CE_AUDIO_NONE && (pt == 0 || pt == 8)) {
      codec = pt == 0 ? CE_AUDIO_PCMU : CE_AUDIO_PCMA;
      rate = 8000;
    }
    if (codec == CE_AUDIO_NONE || channels > 8)
      continue;
    if (rate == 0) {
      /* AAC without a clock rate cannot be timed. */
      if (codec != CE_AUDIO_PCMU && codec != CE_AUDIO_PCMA)
        continue;
      rate = 8000;
    }
    if (rate < 1000 || rate > 192000)
      continue;
    out->codec = codec;
    out->payload_type = pt;
    out->clock_rate = rate;
    out->channels = channels;
    fmtp = section_fmtp (sec, pt);
    if (fmtp != NULL)
      out->fmtp = safe_fmtp (*fmtp);
    /* AAC cannot be decoded without its configuration. */
    if ((codec == CE_AUDIO_AAC || codec == CE_AUDIO_AAC_LATM) &&
        out->fmtp == NULL) {
      ce_sdp_audio_clear (out);
      continue;
    }
    if (sec->has_control)
      out->control = span_url (sec->control);
    return TRUE;
  }
  return FALSE;
}

gboolean
ce_sdp_parse_audio (const char *sdp, gsize len, CeSdpAudio *out)
{
  g_autoptr (GString) found = g_string_new (NULL);
  g_autofree char *session_control = NULL;

  g_return_val_if_fail (sdp != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (!check_size (len, NULL) ||
      !walk_sections (sdp, len, pick_audio, out, found, &session_control)) {
    ce_sdp_audio_clear (out);
    return FALSE;
  }
  return TRUE;
}
