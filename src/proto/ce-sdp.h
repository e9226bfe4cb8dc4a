/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * SDP (RFC 4566): the SDP the gateway's RTSP server describes a camera
 * with, and the reading of a camera's SDP for its video track.
 */
#pragma once

#include "ce-nal.h"

G_BEGIN_DECLS

/**
 * ce_sdp_build:
 * @params: complete parameter sets of the video stream
 * @session_name: shown by players (a camera name, UTF-8)
 * @server_address: the address the client connected to ("127.0.0.1")
 * @control: the track's control URL suffix, e.g. "trackID=0"
 * Returns: (transfer full): an SDP with one video media section, dynamic
 * payload type 96, clock rate 90000, packetization-mode=1 and
 * profile-level-id + sprop-parameter-sets for H.264, or sprop-vps/sps/pps
 * for H.265; a=range:npt=now- ; a=recvonly is not written (the server is the
 * sender).  Text fields are sanitised (no CR/LF).
 */
char *ce_sdp_build (const CeVideoParams *params, const char *session_name,
    const char *server_address, guint64 session_id, const char *control);

/* Audio codecs passed through (never transcoded). */
typedef enum
{
  CE_AUDIO_NONE = 0,
  CE_AUDIO_PCMU,     /* G.711 µ-law, static payload type 0 */
  CE_AUDIO_PCMA,     /* G.711 A-law, static payload type 8 */
  CE_AUDIO_AAC,      /* MPEG4-GENERIC (RFC 3640, AAC-hbr/lbr) */
  CE_AUDIO_AAC_LATM, /* MP4A-LATM (RFC 6416) */
} CeAudioCodec;

const char *ce_audio_codec_to_string (CeAudioCodec codec);

/* A camera's audio track, as its SDP describes it. */
typedef struct
{
  CeAudioCodec codec;
  guint payload_type;
  guint clock_rate; /* 8000 for G.711 unless given */
  guint channels;   /* 1 unless given */
  /* The a=fmtp parameters (AAC: config, mode, sizelength …), nullable;
   * printable ASCII only, at most 1024 bytes, so that it can be written
   * into our own SDP as it is. */
  char *fmtp;
  char *control; /* media-level a=control, as CeSdpVideo.control */
} CeSdpAudio;

void ce_sdp_audio_clear (CeSdpAudio *audio);
void ce_sdp_audio_copy (const CeSdpAudio *src, CeSdpAudio *dest);

/* The payload type the gateway sends @audio with: the static one of G.711,
 * 97 for AAC. */
guint ce_sdp_audio_output_pt (const CeSdpAudio *audio);

/**
 * ce_sdp_build_av:
 * As ce_sdp_build(), plus, when @audio is not NULL, an m=audio section
 * (payload type ce_sdp_audio_output_pt(), the camera's rtpmap and fmtp)
 * with @audio_control.
 */
char *ce_sdp_build_av (const CeVideoParams *params, const CeSdpAudio *audio,
    const char *session_name, const char *server_address, guint64 session_id,
    const char *control, const char *audio_control);

#define CE_SDP_ERROR (ce_sdp_error_quark ())
GQuark ce_sdp_error_quark (void);

typedef enum
{
  CE_SDP_ERROR_INVALID,   /* empty, or not text */
  CE_SDP_ERROR_TOO_LARGE, /* more than CE_SDP_MAX_SIZE bytes */
  CE_SDP_ERROR_NO_VIDEO,  /* no H.264/H.265 video track */
} CeSdpError;

/* Largest SDP read; cameras send 0.5-2 kB. */
#define CE_SDP_MAX_SIZE 65536

/* The video track of a camera's SDP. */
typedef struct
{
  CeCodec codec;
  guint payload_type;
  guint clock_rate;
  /* a=control values, nullable; spaces and non-ASCII bytes are
   * percent-encoded, a value with control characters is dropped. */
  char *control;         /* media level */
  char *session_control; /* session level */
  GBytes *vps;           /* nullable; NAL units without start codes */
  GBytes *sps;
  GBytes *pps;
  guint packetization_mode; /* H.264; 0 when not given */
  guint max_don_diff;       /* H.265 sprop-max-don-diff; 0 when not given */
} CeSdpVideo;

void ce_sdp_video_clear (CeSdpVideo *video);

/**
 * ce_sdp_parse_video:
 * @sdp: the DESCRIBE body (need not end with NUL)
 * @out: (out caller-allocates): cleared first; free with
 *   ce_sdp_video_clear()
 * Finds the first m=video section (RTP/AVP, AVPF or AVP/TCP) with an H.264
 * or H.265 payload type, in the order of its format list.  Read leniently,
 * as cameras write it: CRLF, LF or CR line ends, junk lines skipped,
 * attribute names and codec names in any case ("h264", "HEVC"), spaces
 * around "=" and ";" in a=fmtp, "H264/90000/1", a missing clock rate
 * (90000).  A dynamic payload type without a=rtpmap is taken from its
 * a=fmtp (sprop-parameter-sets or packetization-mode: H.264; sprop-vps/
 * sps/pps: H.265); static payload types (0-95) are never H.264/H.265, so
 * without a=rtpmap they are passed over.  If no listed format matches, an
 * H.264/H.265 a=rtpmap of another payload type in the section is used
 * (some cameras list 96 and map 97).  Parameter sets are base64 (padding
 * optional, URL-safe alphabet accepted, a leading start code removed) and
 * filed by their NAL type, the first of each kind; others are ignored.
 * Returns: FALSE with @error (CE_SDP_ERROR) when there is no such track.
 */
gboolean ce_sdp_parse_video (const char *sdp, gsize len, CeSdpVideo *out,
    GError **error);

/**
 * ce_sdp_parse_audio:
 * Finds the first m=audio section with G.711 (PCMU/PCMA) or AAC
 * (MPEG4-GENERIC, MP4A-LATM), read as leniently as the video.
 * Returns: FALSE when there is none (not an error: many cameras have no
 * microphone); @out is then cleared.
 */
gboolean ce_sdp_parse_audio (const char *sdp, gsize len, CeSdpAudio *out);

G_END_DECLS
