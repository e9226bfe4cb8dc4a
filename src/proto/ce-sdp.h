/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The SDP the gateway's RTSP server describes a camera with.
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

G_END_DECLS
