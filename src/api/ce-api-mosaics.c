/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Wall monitors as RTSP streams for hardware decoders:
 * rtsp://HOST:PORT/walls/{name}/monitors/{index} is one H.264 mosaic
 * (CeMosaic) of what the monitor shows, made while someone watches it,
 * following every change and tour step of the wall in the same hub.
 */
#include "ce-api-private.h"

#include <string.h>

#include "ce-mosaic.h"

#define PREFIX "walls"

/* One mosaic: a monitor as seen with one set of rights (a tile its
 * viewers may not see is black with "no permission", so viewers of
 * different rights cannot share it). */
typedef struct
{
  CeApiMosaics *owner;
  char *key;  /* "wall/monitor/rights" */
  char *path; /* "walls/NAME/monitors/N", for logs and the audit */
  char *wall;
  guint monitor;
  CePrincipal *principal; /* nullable (no authorizer): sees everything */
  CeMosaic *mosaic;
  GPtrArray *streams; /* CeStream: the tiles' cameras, acquired */
  char *signature;    /* what the tiles show now */
  guint viewers;      /* open handles */
  guint linger_id;
} Entry;

struct _CeApiMosaics
{
  CeApi *api;          /* borrowed: owns this */
  GHashTable *entries; /* key → Entry */
  guint64 started;     /* since start */
  guint64 refused;     /* over the cap */
  guint64 relayouts;   /* layouts built for wall changes */
  gboolean registered; /* with the RTSP server */
};

static void
release_streams (CeApi *api, GPtrArray *streams)
{
  for (guint i = 0; streams != NULL && i < streams->len; i++)
    ce_relay_release (api->relay, streams->pdata[i]);
  if (streams != NULL)
    g_ptr_array_unref (streams);
}

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_clear_handle_id (&e->linger_id, g_source_remove);
  /* The mosaic first: its tiles stop consuming before the cameras go. */
  g_clear_pointer (&e->mosaic, ce_mosaic_free);
  release_streams (e->owner->api, g_steal_pointer (&e->streams));
  g_clear_pointer (&e->principal, ce_principal_unref);
  g_free (e->signature);
  g_free (e->key);
  g_free (e->path);
  g_free (e->wall);
  g_free (e);
}

static char *
rights_key (const CePrincipal *p)
{
  if (p == NULL || ce_principal_is_admin (p))
    return g_strdup ("all");
  return g_strdup_printf ("%x-%d", p->sources, p->max_secrecy);
}

typedef struct
{
  CeMosaicTile tile;
  char *label;
  char *camera_id; /* to acquire, or NULL */
  CeProfile profile;
} TileSpec;

static void
tile_spec_clear (gpointer data)
{
  TileSpec *t = data;

  g_free (t->label);
  g_free (t->camera_id);
}

/* What @e's monitor of @wall shows to its rights: rectangles, cameras,
 * labels; and a signature of it.  @wall NULL: the wall is gone. */
static GArray *
entry_specs (Entry *e, const CeWall *wall, char **signature)
{
  CeApi *api = e->owner->api;
  GArray *specs = g_array_new (FALSE, TRUE, sizeof (TileSpec));
  GString *sig = g_string_new (NULL);
  const CeWallMonitor *mon = NULL;

  g_array_set_clear_func (specs, tile_spec_clear);
  if (wall != NULL && e->monitor < wall->monitors->len)
    mon = g_ptr_array_index (wall->monitors, e->monitor);
  if (mon == NULL) {
    TileSpec t = {0};

    t.tile.width = t.tile.height = 1.0;
    t.label = g_strdup (wall == NULL ? "wall removed" : "no such monitor");
    g_string_append (sig, t.label);
    g_array_append_val (specs, t);
    *signature = g_string_free (sig, FALSE);
    return specs;
  }
  for (guint k = 0; k < mon->tiles->len && k < mon->cells->len; k++) {
    const CeWallTile *wt = g_ptr_array_index (mon->tiles, k);
    const CeWallCell *cell = &g_array_index (mon->cells, CeWallCell, k);
    TileSpec t = {0};

    t.tile.x = (double) cell->x / mon->grid;
    t.tile.y = (double) cell->y / mon->grid;
    t.tile.width = (double) cell->w / mon->grid;
    t.tile.height = (double) cell->h / mon->grid;
    if (wt->camera_id != NULL) {
      g_autoptr (CeCamera) camera =
          ce_registry_dup_camera (api->registry, wt->camera_id, NULL);

      if (camera == NULL) {
        t.label = g_strdup ("no such camera");
      } else if (e->principal != NULL &&
          !ce_principal_may_see (e->principal, camera)) {
        t.label = g_strdup ("no permission");
      } else {
        t.camera_id = g_strdup (wt->camera_id);
        t.profile = ce_wall_tile_profile (mon, k) == CE_WALL_PROFILE_MAIN
            ? CE_PROFILE_MAIN
            : CE_PROFILE_SUB;
        t.label = g_strdup (camera->name != NULL && *camera->name != '\0'
                ? camera->name
                : wt->camera_id);
      }
    }
    g_string_append_printf (sig, "%u,%u,%u,%u/%u:%s/%d:%s;", cell->x, cell->y,
        cell->w, cell->h, mon->grid, t.camera_id != NULL ? t.camera_id : "-",
        (int) t.profile, t.label != NULL ? t.label : "");
    g_array_append_val (specs, t);
  }
  *signature = g_string_free (sig, FALSE);
  return specs;
}

/* Shows what @wall's monitor shows now, in the same hub.  New cameras are
 * acquired before the old ones are released, so a camera on both sides
 * never stops.  On failure the previous layout stays. */
static gboolean
entry_update (Entry *e, const CeWall *wall, GError **error)
{
  CeApi *api = e->owner->api;
  g_autofree char *signature = NULL;
  g_autoptr (GArray) specs = entry_specs (e, wall, &signature);
  g_autoptr (GPtrArray) streams = g_ptr_array_new ();
  g_autoptr (GArray) tiles = g_array_new (FALSE, TRUE, sizeof (CeMosaicTile));
  gint64 start = g_get_monotonic_time ();

  if (e->signature != NULL && strcmp (e->signature, signature) == 0)
    return TRUE;
  for (guint i = 0; i < specs->len; i++) {
    TileSpec *t = &g_array_index (specs, TileSpec, i);

    if (t->camera_id != NULL) {
      g_autoptr (GError) local = NULL;
      CeStream *s =
          ce_relay_acquire (api->relay, t->camera_id, t->profile, &local);

      if (s == NULL) {
        g_message ("Mosaic %s: camera %s: %s", e->path, t->camera_id,
            local->message);
        g_free (t->label);
        t->label = g_strdup ("no signal");
      } else {
        g_ptr_array_add (streams, s);
        t->tile.hub = ce_stream_get_hub (s);
      }
    }
    t->tile.label = t->label;
    g_array_append_val (tiles, t->tile);
  }
  if (!ce_mosaic_set_tiles (e->mosaic, (CeMosaicTile *) tiles->data, tiles->len,
          error)) {
    release_streams (api, g_steal_pointer (&streams));
    return FALSE;
  }
  if (e->signature != NULL) {
    e->owner->relayouts++;
    /* Built on the main context: the time is what it held up. */
    g_message ("Mosaic %s: new layout of %u tiles (%.0f ms)", e->path,
        tiles->len, (g_get_monotonic_time () - start) / 1000.0);
  }
  release_streams (api, e->streams);
  e->streams = g_steal_pointer (&streams);
  g_free (e->signature);
  e->signature = g_steal_pointer (&signature);
  return TRUE;
}

static gboolean
on_linger_done (gpointer data)
{
  Entry *e = data;

  e->linger_id = 0;
  g_message ("Mosaic %s: stopped (no viewer)", e->path);
  g_hash_table_remove (e->owner->entries, e->key);
  return G_SOURCE_REMOVE;
}

/* Makes room under the cap by stopping a lingering mosaic, if any. */
static gboolean
evict_one (CeApiMosaics *m)
{
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, m->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;

    if (e->viewers == 0) {
      g_message ("Mosaic %s: stopped early to make room for another", e->path);
      g_hash_table_iter_remove (&it);
      return TRUE;
    }
  }
  return FALSE;
}

static void
audit_deny (CeApi *api, const CePrincipal *p, const char *path,
    const char *peer, const char *reason)
{
  CeAuditRecord rec = {0};

  rec.user = p->user;
  rec.camera_id = path;
  rec.protocol = "rtsp";
  rec.client = peer;
  rec.action = "deny";
  rec.start_us = g_get_real_time ();
  rec.incident = p->incident;
  rec.reason = reason;
  ce_auth_audit_post (api->auth, &rec);
}

static gpointer
mosaic_open (const CeRtspVirtualRequest *req, CeHub **hub, char **name,
    guint *status, GError **error, gpointer user_data)
{
  CeApiMosaics *m = user_data;
  CeApi *api = m->api;
  const CePrincipal *p = req->viewer;
  g_autofree char *wall_name = NULL;
  g_autofree char *rights = NULL;
  g_autofree char *key = NULL;
  g_autoptr (CeWall) wall = NULL;
  g_autoptr (GError) local = NULL;
  CeMosaicConfig config = {0};
  guint monitor = 0;
  Entry *e;

  if (!ce_api_parse_monitor_path (req->path, &wall_name, &monitor)) {
    *status = 404;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "Not a monitor: the path is /walls/NAME/monitors/INDEX");
    return NULL;
  }
  /* Watching a monitor is operating the wall. */
  if (p != NULL && !ce_api_walls_role_may (p->role, CE_API_WALL_OPERATE)) {
    g_autofree char *why = g_strdup_printf ("%s (%s) may not watch wall "
                                            "monitors: admin, operator or wall "
                                            "only",
        p->user, ce_role_to_string (p->role));

    g_message ("RTSP %s from %s: 403 (%s)", req->path, req->peer, why);
    audit_deny (api, p, req->path, req->peer, "role may not watch walls");
    *status = 403;
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, why);
    return NULL;
  }
  wall = ce_api_walls_dup_live (api, wall_name, &local);
  if (wall == NULL) {
    if (g_error_matches (local, CE_REGISTRY_ERROR,
            CE_REGISTRY_ERROR_NOT_FOUND)) {
      *status = 404;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
          "No wall called “%s”", wall_name);
    } else {
      g_warning ("Mosaic %s: %s", req->path, local->message);
      *status = 503;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
          "The wall cannot be read now");
    }
    return NULL;
  }
  if (monitor >= wall->monitors->len) {
    *status = 404;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "Wall “%s” has monitors 0 to %u", wall_name, wall->monitors->len - 1);
    return NULL;
  }
  rights = rights_key (p);
  key = g_strdup_printf ("%s/%u/%s", wall_name, monitor, rights);
  e = g_hash_table_lookup (m->entries, key);
  if (e == NULL) {
    if (g_hash_table_size (m->entries) >= api->config.wall_mosaic_max &&
        !evict_one (m)) {
      m->refused++;
      g_message ("RTSP %s from %s: 453 (all %u mosaics in use)", req->path,
          req->peer, api->config.wall_mosaic_max);
      *status = 453;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
          "All %u monitor mosaics of the gateway are in use ([wall] "
          "mosaic_max); a mosaic costs a decoder per tile and an encoder",
          api->config.wall_mosaic_max);
      return NULL;
    }
    e = g_new0 (Entry, 1);
    e->owner = m;
    e->key = g_steal_pointer (&key);
    e->path = g_strdup (req->path);
    e->wall = g_strdup (wall_name);
    e->monitor = monitor;
    e->principal = p != NULL ? ce_principal_ref ((CePrincipal *) p) : NULL;
    config.width = api->config.wall_mosaic_width;
    config.height = api->config.wall_mosaic_height;
    config.fps = 25;
    e->mosaic = ce_mosaic_new (e->path, &config, &local);
    if (e->mosaic == NULL || !entry_update (e, wall, &local)) {
      g_warning ("Mosaic %s: %s", req->path, local->message);
      entry_free (e);
      *status = 503;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
          "The mosaic cannot be made on this gateway (see its log)");
      return NULL;
    }
    g_hash_table_insert (m->entries, e->key, e);
    m->started++;
    g_message ("Mosaic %s: started (%ux%u)", e->path,
        api->config.wall_mosaic_width, api->config.wall_mosaic_height);
  }
  g_clear_handle_id (&e->linger_id, g_source_remove);
  e->viewers++;
  *hub = ce_mosaic_get_hub (e->mosaic);
  *name = g_strdup_printf ("%s monitor %u",
      wall->title != NULL && *wall->title != '\0' ? wall->title : wall->name,
      monitor);
  return e;
}

static void
mosaic_close (gpointer handle, gpointer user_data)
{
  Entry *e = handle;

  g_return_if_fail (e->viewers > 0);
  if (--e->viewers > 0)
    return;
  /* Lingers like a camera: a decoder that reconnects finds it running. */
  e->linger_id = g_timeout_add (
      MAX (e->owner->api->config.wall_mosaic_linger_ms, 1), on_linger_done, e);
}

static const CeRtspVirtualFuncs funcs = {mosaic_open, mosaic_close};

CeApiMosaics *
ce_api_mosaics_new (CeApi *api)
{
  CeApiMosaics *m = g_new0 (CeApiMosaics, 1);

  m->api = api;
  m->entries =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  if (api->rtsp != NULL && api->config.wall_mosaic_max > 0) {
    ce_rtsp_server_add_virtual (api->rtsp, PREFIX, &funcs, m);
    m->registered = TRUE;
  }
  return m;
}

void
ce_api_mosaics_free (CeApiMosaics *m)
{
  if (m == NULL)
    return;
  /* Its viewers are closed first: they hold entries. */
  if (m->registered)
    ce_rtsp_server_remove_virtual (m->api->rtsp, PREFIX);
  g_hash_table_unref (m->entries);
  g_free (m);
}

void
ce_api_mosaics_wall_changed (CeApi *api, const char *name)
{
  CeApiMosaics *m = api->mosaics;
  g_autoptr (CeWall) wall = NULL;
  g_autoptr (GError) error = NULL;
  GHashTableIter it;
  gpointer value;
  gboolean any = FALSE, gone = FALSE;

  if (m == NULL)
    return;
  g_hash_table_iter_init (&it, m->entries);
  while (!any && g_hash_table_iter_next (&it, NULL, &value))
    any = strcmp (((Entry *) value)->wall, name) == 0;
  if (!any)
    return;
  /* The wall as shown (tour positions included). */
  wall = ce_api_walls_dup_live (api, name, &error);
  if (wall == NULL) {
    gone =
        g_error_matches (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
    if (!gone) {
      g_warning ("Mosaics of wall %s: %s", name, error->message);
      return;
    }
  }
  g_hash_table_iter_init (&it, m->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    g_autoptr (GError) local = NULL;

    if (strcmp (e->wall, name) != 0)
      continue;
    if (!entry_update (e, wall, &local))
      g_warning ("Mosaic %s: the new layout failed, the old one stays: %s",
          e->path, local->message);
  }
}

void
ce_api_mosaics_append_metrics (CeApi *api, GString *out)
{
  CeApiMosaics *m = api->mosaics;
  GHashTableIter it;
  gpointer value;
  guint viewers = 0;
  guint64 frames = 0, skipped = 0;

  if (m == NULL)
    return;
  g_hash_table_iter_init (&it, m->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    CeMosaicStats stats;

    ce_mosaic_get_stats (e->mosaic, &stats);
    viewers += e->viewers;
    frames += stats.frames_out;
    skipped += stats.frames_skipped;
  }
  g_string_append_printf (out,
      "# HELP cityeye_mosaics Wall monitor mosaics running (each a decoder "
      "per tile and an encoder: CPU).\n"
      "# TYPE cityeye_mosaics gauge\n"
      "cityeye_mosaics %u\n"
      "# HELP cityeye_mosaic_viewers RTSP viewers of wall monitor mosaics.\n"
      "# TYPE cityeye_mosaic_viewers gauge\n"
      "cityeye_mosaic_viewers %u\n"
      "# HELP cityeye_mosaics_started_total Mosaics started.\n"
      "# TYPE cityeye_mosaics_started_total counter\n"
      "cityeye_mosaics_started_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_mosaics_refused_total Mosaics refused: all in use "
      "([wall] mosaic_max).\n"
      "# TYPE cityeye_mosaics_refused_total counter\n"
      "cityeye_mosaics_refused_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_mosaic_relayouts_total Mosaic layouts rebuilt for wall "
      "changes and tour steps.\n"
      "# TYPE cityeye_mosaic_relayouts_total counter\n"
      "cityeye_mosaic_relayouts_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_mosaic_frames_out Frames encoded by the running "
      "mosaics.\n"
      "# TYPE cityeye_mosaic_frames_out gauge\n"
      "cityeye_mosaic_frames_out %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_mosaic_frames_skipped Tile frames the running mosaics "
      "dropped (decoders behind).\n"
      "# TYPE cityeye_mosaic_frames_skipped gauge\n"
      "cityeye_mosaic_frames_skipped %" G_GUINT64_FORMAT "\n",
      g_hash_table_size (m->entries), viewers, m->started, m->refused,
      m->relayouts, frames, skipped);
}
