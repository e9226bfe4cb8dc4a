/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * GET /api/v1/stats: camera counts and online rate (在线率) by source and
 * by street, over the cameras the caller may see.
 */
#include "ce-api-private.h"

#include <math.h>

/* online / total, 4 decimals; cameras never probed count as not online. */
static double
online_rate (gint64 online, gint64 total)
{
  return total > 0 ? round ((double) online / (double) total * 1e4) / 1e4 : 0;
}

static void
add_counts (JsonBuilder *b, gint64 total, gint64 online, gint64 offline,
    gint64 unknown)
{
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, total);
  json_builder_set_member_name (b, "online");
  json_builder_add_int_value (b, online);
  json_builder_set_member_name (b, "offline");
  json_builder_add_int_value (b, offline);
  json_builder_set_member_name (b, "unknown");
  json_builder_add_int_value (b, unknown);
  json_builder_set_member_name (b, "online_rate");
  json_builder_add_double_value (b, online_rate (online, total));
}

static gboolean
add_group (CeApiRequest *req, JsonBuilder *b, CeStatsGroup group,
    const CeQuery *filter, gboolean visible, gint64 *totals, GError **error)
{
  g_autoptr (GPtrArray) rows = NULL;

  json_builder_begin_array (b);
  if (visible) {
    rows = ce_registry_stats (req->api->registry, group, filter, error);
    if (rows == NULL)
      return FALSE;
  }
  for (guint i = 0; rows != NULL && i < rows->len; i++) {
    const CeStatsRow *r = g_ptr_array_index (rows, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "key");
    json_builder_add_string_value (b, r->key);
    if (group == CE_STATS_BY_SOURCE) {
      CeSource s;

      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b,
          ce_source_from_string (r->key, &s) ? ce_source_to_label (s) : r->key);
    }
    add_counts (b, r->total, r->online, r->offline, r->unknown);
    json_builder_end_object (b);
    if (totals != NULL) {
      totals[0] += r->total;
      totals[1] += r->online;
      totals[2] += r->offline;
      totals[3] += r->unknown;
    }
  }
  json_builder_end_array (b);
  return TRUE;
}

void
ce_api_stats_get (CeApiRequest *req)
{
  static const char *const known[] = {"source", "street", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  CeApiCameraQuery q;
  gint64 totals[4] = {0};
  gboolean visible;

  if (!ce_api_params_check (req->params, known, &error) ||
      !ce_api_camera_query_parse (req->params, &q, &error)) {
    ce_api_respond_gerror (req->msg, error);
    ce_api_camera_query_clear (&q);
    return;
  }
  visible = ce_principal_restrict_query (req->principal, &q.query);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "by_source");
  if (!add_group (req, b, CE_STATS_BY_SOURCE, &q.query, visible, totals,
          &error))
    goto fail;
  json_builder_set_member_name (b, "by_street");
  if (!add_group (req, b, CE_STATS_BY_STREET, &q.query, visible, NULL, &error))
    goto fail;
  json_builder_set_member_name (b, "all");
  json_builder_begin_object (b);
  add_counts (b, totals[0], totals[1], totals[2], totals[3]);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
  ce_api_camera_query_clear (&q);
  return;

fail:
  ce_api_respond_gerror (req->msg, error);
  ce_api_camera_query_clear (&q);
}
