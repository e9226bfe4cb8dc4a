/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The multiplexed live socket: GET /api/v1/live.ws, one WebSocket per
 * page carrying many cameras as channels (see docs/ARCHITECTURE.md).
 */
#pragma once

#include "ce-api-private.h"

G_BEGIN_DECLS

typedef struct _CeApiMux CeApiMux;

CeApiMux *ce_api_mux_new (CeApi *api);
/* Ends every socket and its channels. */
void ce_api_mux_free (CeApiMux *mux);
void ce_api_mux_ws (CeApiRequest *req);
void ce_api_mux_append_metrics (CeApi *api, GString *out);

G_END_DECLS
