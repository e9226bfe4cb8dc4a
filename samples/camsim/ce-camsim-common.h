/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Shared vocabulary of the camera simulator: codecs, profiles, fault modes,
 * camera path parsing and the stable name hash used for fault shares.  Pure
 * functions only, so the unit tests can use them without GStreamer running.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CE_CAMSIM_ERROR (ce_camsim_error_quark ())
GQuark ce_camsim_error_quark (void);

typedef enum
{
  CE_CAMSIM_ERROR_INVALID,  /* bad option or request value */
  CE_CAMSIM_ERROR_ENCODE,   /* the loop encoder failed */
  CE_CAMSIM_ERROR_NETWORK,  /* bind or listen failed */
  CE_CAMSIM_ERROR_PIPELINE, /* a GStreamer element is missing */
} CeCamsimError;

typedef enum
{
  CE_CAMSIM_CODEC_H264,
  CE_CAMSIM_CODEC_H265,
} CeCamsimCodec;

#define CE_CAMSIM_N_CODECS 2

typedef enum
{
  CE_CAMSIM_PROFILE_MAIN,
  CE_CAMSIM_PROFILE_SUB,
} CeCamsimProfile;

#define CE_CAMSIM_N_PROFILES 2

/* What a camera does wrong.  DROP is an action (close the sessions now),
 * the others are states that last until changed. */
typedef enum
{
  CE_CAMSIM_FAULT_NONE,
  CE_CAMSIM_FAULT_REFUSE, /* 503 to DESCRIBE and SETUP */
  CE_CAMSIM_FAULT_DROP,   /* close the camera's RTSP connections */
  CE_CAMSIM_FAULT_STALL,  /* keep sessions, answer keep-alives, send nothing */
  CE_CAMSIM_FAULT_RESIZE, /* switch to the other resolution (new SPS) */
  CE_CAMSIM_FAULT_AUTH,   /* require Digest authentication */
  CE_CAMSIM_FAULT_SLOW,   /* delay every RTSP response */
  CE_CAMSIM_FAULT_TARPIT, /* accept TCP, never answer */
  CE_CAMSIM_FAULT_BLACK,  /* a black picture, timing and GOP unchanged */
  CE_CAMSIM_FAULT_FROZEN, /* the same still picture in every frame */
} CeCamsimFaultMode;

#define CE_CAMSIM_N_FAULTS 10

/* The picture a camera stream sends: which pre-encoded loop it replays. */
typedef enum
{
  CE_CAMSIM_VARIANT_NORMAL,  /* moving colour bars, normal size */
  CE_CAMSIM_VARIANT_RESIZED, /* the same at 3/4 size (resize fault) */
  CE_CAMSIM_VARIANT_BLACK,   /* black frames (black fault) */
  CE_CAMSIM_VARIANT_STILL,   /* one still picture (frozen fault) */
} CeCamsimVariant;

#define CE_CAMSIM_N_VARIANTS 4

/* The loop variant a camera with fault @mode replays. */
CeCamsimVariant ce_camsim_variant_for_fault (CeCamsimFaultMode mode);

/* The longest camera name, in bytes. */
#define CE_CAMSIM_NAME_MAX 64

const char *ce_camsim_codec_to_string (CeCamsimCodec codec);
gboolean ce_camsim_codec_from_string (const char *str, CeCamsimCodec *codec);
const char *ce_camsim_profile_to_string (CeCamsimProfile profile);
const char *ce_camsim_fault_to_string (CeCamsimFaultMode mode);

/* Accepts the mode names above and "offline" as an alias of "refuse". */
gboolean ce_camsim_fault_from_string (const char *str, CeCamsimFaultMode *mode);

/* 1 to 64 characters of [A-Za-z0-9_.-]. */
gboolean ce_camsim_name_is_valid (const char *name);

/* The codec a camera uses: names ending in "-h265" or "-h264" pick that
 * codec, every other name gets @default_codec. */
/* Audio a camera sends besides its video, from its name: a "-pcma",
 * "-pcmu" or "-aac" part ("gate-aac", "door-pcma-h265"); none otherwise. */
typedef enum
{
  CE_CAMSIM_AUDIO_NONE,
  CE_CAMSIM_AUDIO_PCMA,
  CE_CAMSIM_AUDIO_PCMU,
  CE_CAMSIM_AUDIO_AAC,
} CeCamsimAudio;

CeCamsimAudio ce_camsim_audio_for_name (const char *name);

CeCamsimCodec ce_camsim_codec_for_name (const char *name,
    CeCamsimCodec default_codec);

/* A number in [0, 1) that depends only on @name (FNV-1a), used to give a
 * stable share of the cameras a fault and each camera its own GOP phase
 * (FNV-1a with a MurmurHash3 finalizer). */
double ce_camsim_name_unit_hash (const char *name);
guint64 ce_camsim_name_hash (const char *name);

/* Finds the profile in a URL query ("a=b&profile=sub").  A missing profile
 * means main; an unknown value returns FALSE.  A value may carry a trailing
 * control suffix ("profile=sub/stream=0"): it is returned in @suffix
 * (nullable, g_free) so that it can be moved back into the path. */
gboolean ce_camsim_parse_profile (const char *query, CeCamsimProfile *profile,
    char **suffix);

/* Splits an absolute path "/cam/NAME[/rest]" into its camera name and the
 * rest ("" or starting with '/').  Returns FALSE for any other path. */
gboolean ce_camsim_split_camera_path (const char *abspath, char **name,
    char **rest);

/* The internal mount path of one camera stream: "/cam/NAME" for main and
 * "/cam/NAME/@sub" for sub ('@' never appears in a camera name, so no
 * request path can collide with it). */
char *ce_camsim_mount_path (const char *name, CeCamsimProfile profile);

/* Parses the path and query of a request for a camera stream: the camera
 * name, the profile (from "?profile=" or from the "/@sub" of the internal
 * path, which gst-rtsp-server puts in the Content-Base it sends) and the
 * control part ("" or "/stream=0"), wherever the client put it.  Returns
 * FALSE when the request does not name a camera or names an unknown
 * profile. */
gboolean ce_camsim_parse_camera_url (const char *abspath, const char *query,
    char **name, CeCamsimProfile *profile, char **control);

/* The internal mount path plus the control part of a request, or NULL
 * (see ce_camsim_parse_camera_url()). */
char *ce_camsim_request_path (const char *abspath, const char *query);

/* Extracts the path and query of the request line of an RTSP or HTTP
 * request head ("DESCRIBE rtsp://host:port/cam/a?x=y RTSP/1.0").  Returns
 * FALSE if the head has no parseable request line. */
gboolean ce_camsim_parse_request_line (const char *head, char **path,
    char **query);

G_END_DECLS
