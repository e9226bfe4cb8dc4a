/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Video walls over HTTP: walls (revisions, 409 on a stale one), region
 * locks, presets and their atomic apply after a warm-up, and the walls'
 * live state: the relay acquisitions that keep shown cameras (and each
 * tour's next camera) warm, and the tour clock.
 */
#include "ce-api-private.h"

#include <stdio.h>
#include <string.h>

#include "ce-registry-walls.h"

/* What one owner (a wall, an incident, an apply in progress) holds:
 * "camera/profile" → CeStream (one acquisition each). */
typedef struct
{
  GHashTable *streams;
  GHashTable *priorities; /* "camera/profile" → GUINT_TO_POINTER (CePriority) */
  char *owner;            /* the holder name given to the relay */
} Hold;

/* A wall as shown: the stored state plus where each tour stands. */
typedef struct
{
  CeWall *wall;
  GHashTable *tour_since; /* "monitor/cell" → monotonic µs of the switch */
} Live;

struct _CeApiWalls
{
  CeApi *api;        /* borrowed: owns this */
  GHashTable *holds; /* owner key → Hold */
  GHashTable *live;  /* wall name → Live */
  GList *waits;      /* Wait, in progress */
  guint tour_timer;
  guint presets_timer;  /* [wall] warm_presets: tries the warm-up again */
  GHashTable *watchers; /* wall name → GPtrArray of SoupWebsocketConnection */
  /* For /metrics. */
  guint64 changes, conflicts, tour_steps, applies;
};

typedef struct
{
  CeApiWalls *walls;
  GPtrArray *streams; /* CeStream refs of a hold (not acquisitions) */
  guint pending;      /* streams not ready yet */
  guint ready;
  guint refs;
  gboolean done;
  gint64 start_us;
  guint timeout_id;
  CeApiWarmDone callback;
  gpointer data;
} Wait;

/* How often the tour clock looks at the tours: a tour switches at most
 * this late. */
#define TOUR_TICK_MS 100

/* Warm presets are held by "presets/WALL", at standby priority: any view
 * takes their pull when a budget is full.  What was refused or taken is
 * tried again every [wall] warm_retry. */
#define PRESETS_OWNER "presets/"

static void hold_release_all (CeApiWalls *w, Hold *h);

/* ---- holds -------------------------------------------------------------- */

static gboolean
parse_key (const char *key, char **camera, CeProfile *profile)
{
  const char *slash = strchr (key, '/');

  if (slash == NULL)
    return FALSE;
  *camera = g_strndup (key, slash - key);
  *profile = strcmp (slash + 1, "sub") == 0 ? CE_PROFILE_SUB : CE_PROFILE_MAIN;
  return TRUE;
}

/* Admission priority of what an owner holds: incidents above presets
 * (a wall's shown cameras, an apply's warm-up, warm presets); tour
 * cameras of a wall are given as @tour_keys. */
static CePriority
owner_priority (const char *owner)
{
  if (g_str_has_prefix (owner, "incident/"))
    return CE_PRIORITY_INCIDENT;
  if (g_str_has_prefix (owner, PRESETS_OWNER))
    return CE_PRIORITY_STANDBY;
  return CE_PRIORITY_PRESET;
}

static void
hold_release_one (CeApiWalls *w, Hold *h, const char *key, CeStream *stream)
{
  CeAcquireOptions options = {0};

  options.priority =
      (CePriority) GPOINTER_TO_UINT (g_hash_table_lookup (h->priorities, key));
  options.holder = h->owner;
  ce_relay_release_full (w->api->relay, stream, &options);
}

static void
hold_release_all (CeApiWalls *w, Hold *h)
{
  GHashTableIter it;
  gpointer key, stream;

  g_hash_table_iter_init (&it, h->streams);
  while (g_hash_table_iter_next (&it, &key, &stream))
    hold_release_one (w, h, key, stream);
  g_hash_table_remove_all (h->streams);
  g_hash_table_remove_all (h->priorities);
}

static void
hold_free (gpointer p)
{
  Hold *h = p;

  g_hash_table_unref (h->streams);
  g_hash_table_unref (h->priorities);
  g_free (h->owner);
  g_free (h);
}

/* ce_api_walls_hold() where the keys also in @tour_keys (nullable) are
 * held at tour priority. */
static GPtrArray *
hold_set (CeApi *api, const char *owner, GHashTable *keys,
    GHashTable *tour_keys)
{
  CeApiWalls *w = api->walls;
  Hold *h = g_hash_table_lookup (w->holds, owner);
  GPtrArray *out = g_ptr_array_new ();
  g_autoptr (GPtrArray) replaced = g_ptr_array_new ();
  g_autoptr (GArray) replaced_prio = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter it;
  gpointer key, stream;

  if (h == NULL) {
    if (keys == NULL || g_hash_table_size (keys) == 0)
      return out;
    h = g_new0 (Hold, 1);
    h->streams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    h->priorities =
        g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    h->owner = g_strdup (owner);
    g_hash_table_insert (w->holds, g_strdup (owner), h);
  }
  /* Acquire first, release after: a camera in both sets never stops. */
  if (keys != NULL) {
    g_hash_table_iter_init (&it, keys);
    while (g_hash_table_iter_next (&it, &key, NULL)) {
      g_autofree char *camera = NULL;
      g_autoptr (GError) error = NULL;
      CeProfile profile;
      CeAcquireOptions options = {owner_priority (owner), owner};

      if (tour_keys != NULL && g_hash_table_contains (tour_keys, key))
        options.priority = CE_PRIORITY_TOUR;
      stream = g_hash_table_lookup (h->streams, key);
      if (stream != NULL &&
          GPOINTER_TO_UINT (g_hash_table_lookup (h->priorities, key)) !=
              options.priority) {
        /* A tour camera now shown for good, or the reverse: hold it at
         * the new priority, then give the old acquisition back. */
        g_ptr_array_add (replaced, stream);
        {
          guint prio =
              GPOINTER_TO_UINT (g_hash_table_lookup (h->priorities, key));

          g_array_append_val (replaced_prio, prio);
        }
        g_hash_table_remove (h->streams, key);
        g_hash_table_remove (h->priorities, key);
        stream = NULL;
      }
      if (stream == NULL && parse_key (key, &camera, &profile)) {
        stream = ce_relay_acquire_full (api->relay, camera, profile, &options,
            &error);
        if (stream == NULL) {
          /* A refused warm preset is tried again every [wall] warm_retry:
           * say it at a level that does not fill the log. */
          if (options.priority == CE_PRIORITY_STANDBY)
            g_debug ("Wall %s: cannot warm camera %s: %s", owner, camera,
                error->message);
          else
            g_message ("Wall %s: cannot warm camera %s: %s", owner, camera,
                error->message);
          continue;
        }
        g_hash_table_insert (h->streams, g_strdup (key), stream);
        g_hash_table_insert (h->priorities, g_strdup (key),
            GUINT_TO_POINTER (options.priority));
      }
      if (stream != NULL)
        g_ptr_array_add (out, stream);
    }
  }
  for (guint i = 0; i < replaced->len; i++) {
    CeAcquireOptions options = {
        (CePriority) g_array_index (replaced_prio, guint, i), owner};

    ce_relay_release_full (api->relay, replaced->pdata[i], &options);
  }
  g_hash_table_iter_init (&it, h->streams);
  while (g_hash_table_iter_next (&it, &key, &stream)) {
    if (keys == NULL || !g_hash_table_contains (keys, key)) {
      hold_release_one (w, h, key, stream);
      g_hash_table_remove (h->priorities, key);
      g_hash_table_iter_remove (&it);
    }
  }
  if (g_hash_table_size (h->streams) == 0)
    g_hash_table_remove (w->holds, owner);
  return out;
}

GPtrArray *
ce_api_walls_hold (CeApi *api, const char *owner, GHashTable *keys)
{
  return hold_set (api, owner, keys, NULL);
}

/* Tells a wall's watchers that one of its cameras lost its pull.  Only
 * admins learn which (others may not be allowed to see it). */
static void
preempt_notify (const char *wall, CeApi *api, const char *key,
    const char *reason)
{
  GPtrArray *conns = g_hash_table_lookup (api->walls->watchers, wall);
  g_autofree char *full = NULL;
  g_autofree char *cut = NULL;

  if (conns == NULL || conns->len == 0)
    return;
  for (int admin = 0; admin <= 1; admin++) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, "preempted");
    json_builder_set_member_name (b, "wall");
    json_builder_add_string_value (b, wall);
    if (admin) {
      json_builder_set_member_name (b, "stream");
      json_builder_add_string_value (b, key);
    }
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b,
        admin ? reason
              : "A camera of this wall lost its "
                "pull to a higher-priority one");
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    if (admin)
      full = json_to_string (root, FALSE);
    else
      cut = json_to_string (root, FALSE);
  }
  for (guint i = 0; i < conns->len; i++) {
    const CePrincipal *p =
        g_object_get_data (G_OBJECT (conns->pdata[i]), "ce-principal");

    if (soup_websocket_connection_get_state (conns->pdata[i]) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text (conns->pdata[i],
          ce_principal_is_admin (p) ? full : cut);
  }
}

/* A stream held by some owners was closed to make room for a
 * higher-priority pull: the holds drop it, and a wall's watchers are told
 * (the tile stays as it is; the next change of the wall warms it again,
 * if the budget then allows).  Returns how many holds dropped it. */
guint
ce_api_walls_preempted (CeApi *api, CeStream *stream, const char *reason)
{
  CeApiWalls *w = api->walls;
  g_autoptr (GPtrArray) empty = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it, si;
  gpointer owner, hold, key, value;
  guint n = 0;

  g_hash_table_iter_init (&it, w->holds);
  while (g_hash_table_iter_next (&it, &owner, &hold)) {
    Hold *h = hold;

    g_hash_table_iter_init (&si, h->streams);
    while (g_hash_table_iter_next (&si, &key, &value)) {
      g_autofree char *dropped = NULL;

      if (value != stream)
        continue;
      dropped = g_strdup (key);
      g_message ("Hold %s dropped camera %s: %s", (const char *) owner, dropped,
          reason);
      hold_release_one (w, h, dropped, stream);
      g_hash_table_remove (h->priorities, dropped);
      g_hash_table_iter_remove (&si);
      n++;
      if (g_str_has_prefix (owner, "wall/"))
        preempt_notify ((const char *) owner + strlen ("wall/"), api, dropped,
            reason);
    }
    if (g_hash_table_size (h->streams) == 0)
      g_ptr_array_add (empty, g_strdup (owner));
  }
  for (guint i = 0; i < empty->len; i++)
    g_hash_table_remove (w->holds, empty->pdata[i]);
  return n;
}

/* ---- waiting for warm streams ------------------------------------------- */

static void
wait_unref (Wait *wt)
{
  if (--wt->refs > 0)
    return;
  g_ptr_array_unref (wt->streams);
  g_free (wt);
}

static void
wait_finish (Wait *wt, gboolean shutdown)
{
  double ms;

  if (wt->done)
    return;
  wt->done = TRUE;
  g_clear_handle_id (&wt->timeout_id, g_source_remove);
  if (wt->walls != NULL)
    wt->walls->waits = g_list_remove (wt->walls->waits, wt);
  ms = (g_get_monotonic_time () - wt->start_us) / 1000.0;
  wt->callback (wt->data, shutdown, wt->ready, wt->streams->len, ms);
  wait_unref (wt);
}

static void
on_stream_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wt = data;
  gboolean ok = ce_stream_wait_ready_finish (NULL, result, NULL);

  if (!wt->done) {
    wt->pending--;
    if (ok)
      wt->ready++;
    if (wt->pending == 0)
      wait_finish (wt, FALSE);
  }
  wait_unref (wt);
}

static gboolean
on_wait_timeout (gpointer data)
{
  Wait *wt = data;

  wt->timeout_id = 0;
  wait_finish (wt, FALSE);
  return G_SOURCE_REMOVE;
}

void
ce_api_walls_wait (CeApi *api, GPtrArray *streams, CeApiWarmDone callback,
    gpointer data)
{
  Wait *wt = g_new0 (Wait, 1);

  wt->walls = api->walls;
  wt->streams = g_ptr_array_ref (streams);
  wt->callback = callback;
  wt->data = data;
  wt->refs = 1;
  wt->start_us = g_get_monotonic_time ();
  api->walls->waits = g_list_prepend (api->walls->waits, wt);
  if (streams->len == 0) {
    wait_finish (wt, FALSE);
    return;
  }
  wt->pending = streams->len;
  wt->timeout_id =
      g_timeout_add (api->config.wall_warm_timeout_ms, on_wait_timeout, wt);
  for (guint i = 0; i < streams->len && !wt->done; i++) {
    wt->refs++;
    ce_stream_wait_ready_async (streams->pdata[i], NULL, on_stream_ready, wt);
  }
}

/* ---- live walls and tours ----------------------------------------------- */

static void
live_free (gpointer p)
{
  Live *l = p;

  ce_wall_free (l->wall);
  g_hash_table_unref (l->tour_since);
  g_free (l);
}

static char *
hold_owner (const char *wall)
{
  return g_strconcat ("wall/", wall, NULL);
}

/* The cameras of a wall that only tours show (or show next): they are
 * held at tour priority, the others at preset priority. */
static GHashTable *
tour_only_keys (const CeWall *wall, GHashTable *keys)
{
  GHashTable *tour =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) fixed =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < wall->monitors->len; i++) {
    const CeWallMonitor *m = g_ptr_array_index (wall->monitors, i);

    for (guint k = 0; k < m->tiles->len; k++) {
      const CeWallTile *t = g_ptr_array_index (m->tiles, k);
      const char *profile =
          ce_wall_profile_to_string (ce_wall_tile_profile (m, k));

      if (t->tour != NULL) {
        for (guint c = 0; t->tour[c] != NULL; c++)
          g_hash_table_add (tour,
              g_strdup_printf ("%s/%s", t->tour[c], profile));
      } else if (t->camera_id != NULL) {
        g_hash_table_add (fixed,
            g_strdup_printf ("%s/%s", t->camera_id, profile));
      }
    }
  }
  {
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init (&it, tour);
    while (g_hash_table_iter_next (&it, &key, NULL))
      if (g_hash_table_contains (fixed, key) ||
          !g_hash_table_contains (keys, key))
        g_hash_table_iter_remove (&it);
  }
  return tour;
}

static void
live_rewarm (CeApi *api, Live *l)
{
  g_autofree char *owner = hold_owner (l->wall->name);
  g_autoptr (GHashTable) keys = ce_wall_wanted_streams (l->wall, TRUE);
  g_autoptr (GHashTable) tour = tour_only_keys (l->wall, keys);

  g_ptr_array_unref (hold_set (api, owner, keys, tour));
}

/* With [wall] warm_presets (the default), every preset's cameras are
 * held too, so that applying one switches at once even to cameras with
 * long GOPs.  A pull per camera is the price, paid only from spare
 * budget: the holds are at standby priority, below any view. */
static void
presets_rewarm (CeApi *api, const CeWall *wall)
{
  g_autofree char *owner = g_strconcat (PRESETS_OWNER, wall->name, NULL);
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GPtrArray) presets = NULL;

  if (!api->config.wall_warm_presets)
    return;
  keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  presets = ce_registry_list_presets (api->registry, wall->name, NULL);
  for (guint i = 0; presets != NULL && i < presets->len; i++) {
    const CePresetRecord *p = presets->pdata[i];
    g_autoptr (JsonNode) monitors = ce_wall_json_parse (p->monitors, '[');
    g_autoptr (CeWall) shown = ce_wall_copy (wall);
    guint64 touched = 0;

    if (monitors == NULL ||
        !ce_wall_set_monitors (shown, json_node_get_array (monitors), 0,
            &touched, NULL))
      continue;
    for (guint m = 0; m < shown->monitors->len; m++) {
      CeWallMonitor *mon = g_ptr_array_index (shown->monitors, m);

      if ((touched & ce_wall_monitor_bit (m)) == 0)
        continue;
      for (guint t = 0; t < mon->tiles->len; t++) {
        CeWallTile *tile = g_ptr_array_index (mon->tiles, t);

        if (tile->camera_id != NULL)
          g_hash_table_add (keys,
              g_strdup_printf ("%s/%s", tile->camera_id,
                  ce_wall_profile_to_string (ce_wall_tile_profile (mon, t))));
      }
    }
  }
  g_ptr_array_unref (ce_api_walls_hold (api, owner, keys));
}

static gboolean on_tour_tick (gpointer data);

static void
update_tour_timer (CeApiWalls *w)
{
  GHashTableIter it;
  gpointer value;
  gboolean any = FALSE;

  g_hash_table_iter_init (&it, w->live);
  while (!any && g_hash_table_iter_next (&it, NULL, &value))
    any = g_hash_table_size (((Live *) value)->tour_since) > 0;
  if (any && w->tour_timer == 0)
    w->tour_timer = g_timeout_add (TOUR_TICK_MS, on_tour_tick, w);
  else if (!any)
    g_clear_handle_id (&w->tour_timer, g_source_remove);
}

/* Installs @wall as what @name shows.  Tours whose definition did not
 * change keep their position and clock. */
static void
live_set (CeApiWalls *w, CeWall *wall)
{
  Live *old = g_hash_table_lookup (w->live, wall->name);
  Live *l = g_new0 (Live, 1);
  gint64 now = g_get_monotonic_time ();

  l->wall = wall;
  l->tour_since =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < wall->monitors->len; i++) {
    CeWallMonitor *m = g_ptr_array_index (wall->monitors, i);

    for (guint k = 0; k < m->tiles->len; k++) {
      CeWallTile *t = g_ptr_array_index (m->tiles, k);
      g_autofree char *key = NULL;
      CeWallTile *was;
      gint64 *since;

      if (t->tour == NULL)
        continue;
      key = g_strdup_printf ("%u/%u", i, k);
      since = g_new (gint64, 1);
      *since = now;
      was = old != NULL ? ce_wall_get_tile (old->wall, i, k) : NULL;
      if (was != NULL && was->tour != NULL &&
          g_strv_equal ((const char *const *) was->tour,
              (const char *const *) t->tour) &&
          was->dwell_s == t->dwell_s) {
        gint64 *was_since = g_hash_table_lookup (old->tour_since, key);

        t->tour_position = was->tour_position;
        g_free (t->camera_id);
        t->camera_id = g_strdup (was->camera_id);
        if (was_since != NULL)
          *since = *was_since;
      }
      g_hash_table_insert (l->tour_since, g_steal_pointer (&key), since);
    }
  }
  g_hash_table_insert (w->live, g_strdup (wall->name), l);
  live_rewarm (w->api, l);
  update_tour_timer (w);
}

static gboolean
on_tour_tick (gpointer data)
{
  CeApiWalls *w = data;
  GHashTableIter it;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&it, w->live);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Live *l = value;
    GHashTableIter ti;
    gpointer key, since;
    gboolean moved = FALSE;

    g_hash_table_iter_init (&ti, l->tour_since);
    while (g_hash_table_iter_next (&ti, &key, &since)) {
      guint monitor, cell;
      CeWallTile *t;

      if (sscanf (key, "%u/%u", &monitor, &cell) != 2 ||
          (t = ce_wall_get_tile (l->wall, monitor, cell)) == NULL)
        continue;
      if (now - *(gint64 *) since < (gint64) t->dwell_s * G_USEC_PER_SEC)
        continue;
      ce_wall_tour_advance (t);
      *(gint64 *) since = now;
      moved = TRUE;
      w->tour_steps++;
      g_debug ("Wall %s: monitor %u tile %u tours to camera %s", l->wall->name,
          monitor, cell, t->camera_id);
    }
    /* The camera after the new one is warmed now, a whole dwell before
     * its turn. */
    if (moved) {
      live_rewarm (w->api, l);
      ce_api_walls_notify (w->api, l->wall, "tour");
    }
  }
  return G_SOURCE_CONTINUE;
}

static CeWall *
load_wall (CeApi *api, const char *name, GError **error)
{
  g_autoptr (CeWallRecord) rec =
      ce_registry_dup_wall (api->registry, name, error);

  if (rec == NULL)
    return NULL;
  return ce_wall_from_state (rec->name, rec->title, rec->rows, rec->cols,
      rec->revision, rec->state, error);
}

/* The wall as shown now (stored state with the tours' positions).
 * (transfer full) */
CeWall *
ce_api_walls_dup_live (CeApi *api, const char *name, GError **error)
{
  Live *l = g_hash_table_lookup (api->walls->live, name);
  g_autoptr (CeWall) stored = NULL;

  stored = load_wall (api, name, error);
  if (stored == NULL)
    return NULL;
  /* Another process (the CLI) may have changed it: the database wins. */
  if (l == NULL || l->wall->revision != stored->revision) {
    live_set (api->walls, ce_wall_copy (stored));
    l = g_hash_table_lookup (api->walls->live, name);
  }
  return ce_wall_copy (l->wall);
}

gboolean
ce_api_walls_commit (CeApi *api, CeWall *wall, gint64 base_revision,
    const char *user, GError **error)
{
  g_autofree char *state = ce_wall_state_to_string (wall);
  g_autoptr (GError) local = NULL;
  gint64 revision = 0;

  if (!ce_registry_update_wall (api->registry, wall->name, base_revision, state,
          user, &revision, &local)) {
    if (g_error_matches (local, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_CONFLICT))
      api->walls->conflicts++;
    g_propagate_error (error, g_steal_pointer (&local));
    wall->revision = revision;
    return FALSE;
  }
  api->walls->changes++;
  wall->revision = revision;
  live_set (api->walls, ce_wall_copy (wall));
  g_message ("Wall %s: revision %" G_GINT64_FORMAT " by %s", wall->name,
      revision, user);
  ce_api_walls_notify (api, wall, "change");
  return TRUE;
}

/* Warm preset pulls that a view took, or that a full budget refused, are
 * taken up again once there is room. */
static gboolean
on_presets_rewarm (gpointer data)
{
  CeApiWalls *w = data;
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, w->live);
  while (g_hash_table_iter_next (&it, NULL, &value))
    presets_rewarm (w->api, ((Live *) value)->wall);
  return G_SOURCE_CONTINUE;
}

CeApiWalls *
ce_api_walls_new (CeApi *api)
{
  CeApiWalls *w = g_new0 (CeApiWalls, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) walls = NULL;

  w->api = api;
  w->holds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, hold_free);
  w->live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, live_free);
  w->watchers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  api->walls = w;
  /* Every wall shows again what it showed, warm, with its tours running. */
  walls = ce_registry_list_walls (api->registry, &error);
  if (walls == NULL) {
    g_warning ("Walls: cannot read them: %s", error->message);
    return w;
  }
  for (guint i = 0; i < walls->len; i++) {
    const CeWallRecord *r = walls->pdata[i];
    g_autoptr (GError) local = NULL;
    CeWall *wall = ce_wall_from_state (r->name, r->title, r->rows, r->cols,
        r->revision, r->state, &local);

    if (wall == NULL) {
      g_warning ("Walls: %s", local->message);
      continue;
    }
    live_set (w, wall);
    presets_rewarm (api, wall);
  }
  if (api->config.wall_warm_presets)
    w->presets_timer = g_timeout_add_seconds (
        MAX (api->config.wall_warm_retry_s, 1), on_presets_rewarm, w);
  ce_api_incidents_resume (api);
  return w;
}

void
ce_api_walls_free (CeApiWalls *w)
{
  GHashTableIter it;
  gpointer value;

  if (w == NULL)
    return;
  g_clear_handle_id (&w->tour_timer, g_source_remove);
  g_clear_handle_id (&w->presets_timer, g_source_remove);
  while (w->waits != NULL) {
    Wait *wt = w->waits->data;

    wt->walls = NULL;
    w->waits = g_list_delete_link (w->waits, w->waits);
    wait_finish (wt, TRUE);
  }
  /* Watchers see the gateway go away. */
  g_hash_table_iter_init (&it, w->watchers);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    GPtrArray *conns = value;

    for (guint i = 0; i < conns->len; i++) {
      g_signal_handlers_disconnect_by_data (conns->pdata[i], w);
      soup_websocket_connection_close (conns->pdata[i],
          SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "The gateway is stopping");
    }
  }
  g_hash_table_unref (w->watchers);
  g_hash_table_iter_init (&it, w->holds);
  while (g_hash_table_iter_next (&it, NULL, &value))
    hold_release_all (w, value);
  g_hash_table_unref (w->holds);
  g_hash_table_unref (w->live);
  g_free (w);
}

/* ---- request helpers ---------------------------------------------------- */

gboolean
ce_api_walls_role_may (CeRole role, CeApiWallAccess access)
{
  switch (access) {
    case CE_API_WALL_OPERATE:
      return role == CE_ROLE_ADMIN || role == CE_ROLE_OPERATOR ||
          role == CE_ROLE_WALL;
    case CE_API_WALL_EDIT:
    default:
      return role == CE_ROLE_ADMIN || role == CE_ROLE_OPERATOR;
  }
}

gboolean
ce_api_walls_check_role (CeApiRequest *req, CeApiWallAccess access)
{
  CeRole role = req->principal->role;
  g_autofree char *message = NULL;

  if (ce_api_walls_role_may (role, access))
    return TRUE;
  message = g_strdup_printf ("%s (%s) may not do this: %s",
      req->principal->user, ce_role_to_string (role),
      access == CE_API_WALL_OPERATE ? "admin, operator or wall only"
                                    : "admin or operator only");
  ce_api_respond_error (req->msg, CE_API_ERROR_FORBIDDEN, message);
  return FALSE;
}

void
ce_api_respond_conflict (SoupServerMessage *msg, const char *message,
    gint64 revision)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, ce_api_error_name (CE_API_ERROR_CONFLICT));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  if (revision >= 0) {
    json_builder_set_member_name (b, "revision");
    json_builder_add_int_value (b, revision);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  ce_api_respond_json (msg, SOUP_STATUS_CONFLICT, node);
}

void
ce_api_walls_respond_error (SoupServerMessage *msg, const GError *error,
    gint64 revision)
{
  if (error->domain == CE_WALL_ERROR) {
    switch (error->code) {
      case CE_WALL_ERROR_LOCKED:
        ce_api_respond_conflict (msg, error->message, revision);
        return;
      case CE_WALL_ERROR_NOT_FOUND:
        ce_api_respond_error (msg, CE_API_ERROR_NOT_FOUND, error->message);
        return;
      default:
        ce_api_respond_error (msg, CE_API_ERROR_OUT_OF_RANGE, error->message);
        return;
    }
  }
  if (error->domain == CE_REGISTRY_ERROR) {
    switch (error->code) {
      case CE_REGISTRY_ERROR_CONFLICT:
        ce_api_respond_conflict (msg, error->message, revision);
        return;
      case CE_REGISTRY_ERROR_DUPLICATE:
        ce_api_respond_conflict (msg, error->message, -1);
        return;
      case CE_REGISTRY_ERROR_NOT_FOUND:
        ce_api_respond_error (msg, CE_API_ERROR_NOT_FOUND, error->message);
        return;
      default:
        break;
    }
  }
  ce_api_respond_gerror (msg, error);
}

gboolean
ce_api_walls_check_cameras (CeApiRequest *req, const CeWall *wall,
    guint64 touched, GError **error)
{
  for (guint i = 0; i < wall->monitors->len; i++) {
    const CeWallMonitor *m = g_ptr_array_index (wall->monitors, i);

    if ((touched & ce_wall_monitor_bit (i)) == 0)
      continue;
    for (guint k = 0; k < m->tiles->len; k++) {
      const CeWallTile *t = g_ptr_array_index (m->tiles, k);
      const char *one[] = {t->camera_id, NULL};
      const char *const *ids =
          t->tour != NULL ? (const char *const *) t->tour : one;

      for (guint c = 0; ids[c] != NULL; c++) {
        g_autoptr (GError) local = NULL;
        g_autoptr (CeCamera) camera =
            ce_registry_dup_camera (req->api->registry, ids[c], &local);

        if (camera == NULL) {
          if (g_error_matches (local, CE_REGISTRY_ERROR,
                  CE_REGISTRY_ERROR_NOT_FOUND))
            g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
                "Monitor %u tile %u: no camera %s", i, k, ids[c]);
          else
            g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
        if (!ce_principal_may_see (req->principal, camera)) {
          g_set_error (error, CE_API_ERROR, CE_API_ERROR_FORBIDDEN,
              "Monitor %u tile %u: camera %s is outside what %s may see", i, k,
              ids[c], req->principal->user);
          return FALSE;
        }
      }
    }
  }
  return TRUE;
}

/* Tiles showing a camera @p may not see (or touring one) become
 * {"hidden": true}: a wall may be shared by roles of different sources,
 * and a camera outside a caller's sources never appears in what it gets.
 * @monitors is a monitors array of the wall's JSON. */
static void
redact_monitors (CeApi *api, const CePrincipal *p, JsonArray *monitors)
{
  g_autoptr (GHashTable) seen =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (ce_principal_is_admin (p))
    return;
  for (guint i = 0; i < json_array_get_length (monitors); i++) {
    JsonObject *m = json_array_get_object_element (monitors, i);
    JsonArray *tiles = m != NULL && json_object_has_member (m, "tiles")
        ? json_object_get_array_member (m, "tiles")
        : NULL;

    for (guint k = 0; tiles != NULL && k < json_array_get_length (tiles); k++) {
      JsonNode *t = json_array_get_element (tiles, k);
      JsonObject *o;
      JsonArray *tour = NULL;
      GPtrArray *ids = g_ptr_array_new ();
      gboolean hide = FALSE;

      /* The model writes tiles as null or objects. */
      if (JSON_NODE_HOLDS_OBJECT (t)) {
        o = json_node_get_object (t);
        if (json_object_has_member (o, "camera_id"))
          g_ptr_array_add (ids,
              (gpointer) json_object_get_string_member (o, "camera_id"));
        if (json_object_has_member (o, "tour"))
          tour = json_object_get_array_member (
              json_object_get_object_member (o, "tour"), "cameras");
        for (guint c = 0; tour != NULL && c < json_array_get_length (tour); c++)
          g_ptr_array_add (ids,
              (gpointer) json_array_get_string_element (tour, c));
      }
      for (guint c = 0; c < ids->len && !hide; c++) {
        const char *id = ids->pdata[c];
        gpointer known;

        if (id == NULL)
          continue;
        if (!g_hash_table_lookup_extended (seen, id, NULL, &known)) {
          g_autoptr (CeCamera) camera =
              ce_registry_dup_camera (api->registry, id, NULL);

          known = GINT_TO_POINTER (
              camera != NULL && ce_principal_may_see (p, camera));
          g_hash_table_insert (seen, g_strdup (id), known);
        }
        hide = !GPOINTER_TO_INT (known);
      }
      g_ptr_array_unref (ids);
      if (hide) {
        JsonObject *h = json_object_new ();

        json_object_set_boolean_member (h, "hidden", TRUE);
        /* An object tile: json_node_set_object() swaps the objects
         * (json_node_init() would release the old one twice in
         * json-glib 1.6). */
        json_node_set_object (t, h);
        json_object_unref (h);
      }
    }
  }
}

/* The wall's JSON as @p may see it.  (transfer full) */
static JsonNode *
wall_json_for (CeApi *api, const CePrincipal *p, const CeWall *wall)
{
  JsonNode *node = ce_wall_to_json (wall);

  redact_monitors (api, p,
      json_object_get_array_member (json_node_get_object (node), "monitors"));
  return node;
}

static void
respond_wall (CeApiRequest *req, guint status, const CeWall *wall)
{
  g_autoptr (JsonNode) node = wall_json_for (req->api, req->principal, wall);

  ce_api_respond_json (req->msg, status, node);
}

/* Optional integer member; FALSE with BAD_REQUEST for another type. */
static gboolean
member_int (JsonObject *o, const char *name, gint64 min, gint64 max,
    gint64 *out, gboolean required, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n)) {
    if (required)
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "Body: %s is required", name);
    return !required;
  }
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_INT64) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Body: %s must be an integer", name);
    return FALSE;
  }
  *out = json_node_get_int (n);
  if (*out < min || *out > max) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: %s must be %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, name, min,
        max);
    return FALSE;
  }
  return TRUE;
}

static const char *
member_string (JsonObject *o, const char *name, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Body: %s must be a string", name);
    return NULL;
  }
  return json_node_get_string (n);
}

static JsonArray *
member_array (JsonObject *o, const char *name, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Body: %s must be an array", name);
    return NULL;
  }
  return json_node_get_array (n);
}

/* ---- walls -------------------------------------------------------------- */

void
ce_api_walls_list (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) walls = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (walls = ce_registry_list_walls (req->api->registry, &error)) == NULL) {
    ce_api_respond_gerror (req->msg, error);
    return;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "walls");
  json_builder_begin_array (b);
  for (guint i = 0; i < walls->len; i++) {
    const CeWallRecord *r = walls->pdata[i];

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, r->name);
    json_builder_set_member_name (b, "title");
    json_builder_add_string_value (b, r->title);
    json_builder_set_member_name (b, "rows");
    json_builder_add_int_value (b, r->rows);
    json_builder_set_member_name (b, "cols");
    json_builder_add_int_value (b, r->cols);
    json_builder_set_member_name (b, "revision");
    json_builder_add_int_value (b, r->revision);
    ce_api_json_add_time (b, "updated_at", r->updated_at * G_USEC_PER_SEC);
    ce_api_json_add_string (b, "updated_by", r->updated_by);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}

void
ce_api_walls_create (CeApiRequest *req)
{
  static const char *const known[] = {"name", "title", "rows", "cols", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (CeWall) wall = NULL;
  g_autofree char *state = NULL;
  JsonObject *o;
  const char *name, *title;
  gint64 rows = 0, cols = 0;
  CeWallRecord rec = {0};

  if (!ce_api_params_check (req->params, NULL, &error) ||
      (body = ce_api_request_json (req, known, &error)) == NULL)
    goto fail;
  o = json_node_get_object (body);
  name = member_string (o, "name", &error);
  if (error != NULL)
    goto fail;
  title = member_string (o, "title", &error);
  if (error != NULL ||
      !member_int (o, "rows", 1, CE_WALL_MAX_ROWS, &rows, TRUE, &error) ||
      !member_int (o, "cols", 1, CE_WALL_MAX_COLS, &cols, TRUE, &error))
    goto fail;
  wall = ce_wall_new (name, title, (guint) rows, (guint) cols, &error);
  if (wall == NULL)
    goto fail;
  state = ce_wall_state_to_string (wall);
  rec.name = wall->name;
  rec.title = wall->title;
  rec.rows = wall->rows;
  rec.cols = wall->cols;
  rec.state = state;
  rec.updated_by = req->principal->user;
  if (!ce_registry_add_wall (req->api->registry, &rec, &error))
    goto fail;
  live_set (req->api->walls, ce_wall_copy (wall));
  g_message ("Wall %s (%u × %u) created by %s", wall->name, wall->rows,
      wall->cols, req->principal->user);
  respond_wall (req, SOUP_STATUS_CREATED, wall);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error, -1);
}

void
ce_api_walls_show (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWall) wall = NULL;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (wall = ce_api_walls_dup_live (req->api, req->name, &error)) == NULL) {
    ce_api_walls_respond_error (req->msg, error, -1);
    return;
  }
  ce_wall_expire_locks (wall, g_get_real_time ());
  respond_wall (req, SOUP_STATUS_OK, wall);
}

/* Applies @monitors to @wall as @req's caller: locks, cameras. */
static gboolean
apply_monitors (CeApiRequest *req, CeWall *wall, JsonArray *monitors,
    GError **error)
{
  guint64 touched = 0;

  ce_wall_expire_locks (wall, g_get_real_time ());
  return ce_wall_set_monitors (wall, monitors,
             req->api->config.wall_min_dwell_s, &touched, error) &&
      ce_wall_check_locks (wall, touched, req->principal->user, error) &&
      ce_api_walls_check_cameras (req, wall, touched, error);
}

void
ce_api_walls_update (CeApiRequest *req)
{
  static const char *const known[] = {"revision", "monitors", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (CeWall) wall = NULL;
  JsonArray *monitors;
  JsonObject *o;
  gint64 revision = -1, base;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (body = ce_api_request_json (req, known, &error)) == NULL)
    goto fail;
  o = json_node_get_object (body);
  if (!member_int (o, "revision", 0, G_MAXINT64, &revision, TRUE, &error) ||
      (monitors = member_array (o, "monitors", &error)) == NULL)
    goto fail;
  wall = ce_api_walls_dup_live (req->api, req->name, &error);
  if (wall == NULL)
    goto fail;
  base = wall->revision;
  if (revision != base) {
    g_autofree char *m = g_strdup_printf (
        "Wall %s is at revision %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT
        ": reload it and apply the change again",
        wall->name, base, revision);

    req->api->walls->conflicts++;
    ce_api_respond_conflict (req->msg, m, base);
    return;
  }
  if (!apply_monitors (req, wall, monitors, &error) ||
      !ce_api_walls_commit (req->api, wall, base, req->principal->user, &error))
    goto fail;
  respond_wall (req, SOUP_STATUS_OK, wall);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error,
      wall != NULL ? wall->revision : -1);
}

void
ce_api_walls_delete (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = hold_owner (req->name);

  if (!ce_api_params_check (req->params, NULL, &error) ||
      !ce_registry_remove_wall (req->api->registry, req->name, &error)) {
    ce_api_walls_respond_error (req->msg, error, -1);
    return;
  }
  g_ptr_array_unref (ce_api_walls_hold (req->api, owner, NULL));
  g_free (owner);
  owner = g_strconcat (PRESETS_OWNER, req->name, NULL);
  g_ptr_array_unref (ce_api_walls_hold (req->api, owner, NULL));
  g_hash_table_remove (req->api->walls->live, req->name);
  update_tour_timer (req->api->walls);
  ce_api_mosaics_wall_changed (req->api, req->name);
  g_message ("Wall %s removed by %s", req->name, req->principal->user);
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
ce_api_walls_lock (CeApiRequest *req)
{
  static const char *const known[] = {"monitors", "ttl_s", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (CeWall) wall = NULL;
  g_autoptr (GArray) indexes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *lock_id = NULL;
  JsonArray *monitors;
  JsonObject *o;
  const CeWallLock *lock;
  gint64 ttl = req->api->config.wall_lock_ttl_s;
  gint64 base, expires;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (body = ce_api_request_json (req, known, &error)) == NULL)
    goto fail;
  o = json_node_get_object (body);
  if ((monitors = member_array (o, "monitors", &error)) == NULL ||
      !member_int (o, "ttl_s", 1, 86400, &ttl, FALSE, &error))
    goto fail;
  for (guint i = 0; i < json_array_get_length (monitors) && i < 256; i++) {
    JsonNode *n = json_array_get_element (monitors, i);
    guint v;

    if (!JSON_NODE_HOLDS_VALUE (n) ||
        json_node_get_value_type (n) != G_TYPE_INT64 ||
        json_node_get_int (n) < 0 || json_node_get_int (n) > G_MAXINT) {
      g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "Body: monitors must be an array of monitor indexes");
      goto fail;
    }
    v = (guint) json_node_get_int (n);
    g_array_append_val (indexes, v);
  }
  wall = ce_api_walls_dup_live (req->api, req->name, &error);
  if (wall == NULL)
    goto fail;
  base = wall->revision;
  ce_wall_expire_locks (wall, g_get_real_time ());
  lock = ce_wall_lock (wall, req->principal->user, (guint *) indexes->data,
      indexes->len, (guint) ttl, g_get_real_time (), &error);
  if (lock == NULL)
    goto fail;
  lock_id = g_strdup (lock->id);
  expires = lock->expires_us;
  if (!ce_api_walls_commit (req->api, wall, base, req->principal->user, &error))
    goto fail;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, lock_id);
  json_builder_set_member_name (b, "owner");
  json_builder_add_string_value (b, req->principal->user);
  ce_api_json_add_time (b, "expires", expires);
  json_builder_set_member_name (b, "revision");
  json_builder_add_int_value (b, wall->revision);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_CREATED, root);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error,
      wall != NULL ? wall->revision : -1);
}

void
ce_api_walls_unlock (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWall) wall = NULL;
  gint64 base;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (wall = ce_api_walls_dup_live (req->api, req->name, &error)) == NULL)
    goto fail;
  base = wall->revision;
  /* Admins may break anyone's lock. */
  if (!ce_wall_unlock (wall, req->sub, req->principal->user,
          ce_principal_is_admin (req->principal), &error) ||
      !ce_api_walls_commit (req->api, wall, base, req->principal->user, &error))
    goto fail;
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error,
      wall != NULL ? wall->revision : -1);
}

void
ce_api_walls_append_metrics (CeApi *api, GString *out)
{
  CeApiWalls *w = api->walls;
  g_autoptr (GHashTable) distinct =
      g_hash_table_new (g_direct_hash, g_direct_equal);
  GHashTableIter it;
  gpointer key, value;
  guint incidents = 0, watchers = 0;

  g_hash_table_iter_init (&it, w->holds);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    GHashTableIter si;
    gpointer stream;

    if (g_str_has_prefix (key, "incident/"))
      incidents++;
    g_hash_table_iter_init (&si, ((Hold *) value)->streams);
    while (g_hash_table_iter_next (&si, NULL, &stream))
      g_hash_table_add (distinct, stream);
  }
  g_hash_table_iter_init (&it, w->watchers);
  while (g_hash_table_iter_next (&it, NULL, &value))
    watchers += ((GPtrArray *) value)->len;
  g_string_append_printf (out,
      "# HELP cityeye_walls Video walls shown by the gateway.\n"
      "# TYPE cityeye_walls gauge\n"
      "cityeye_walls %u\n"
      "# HELP cityeye_wall_warm_streams Streams held warm for walls, tours "
      "and incidents.\n"
      "# TYPE cityeye_wall_warm_streams gauge\n"
      "cityeye_wall_warm_streams %u\n"
      "# HELP cityeye_incidents_warm Open incidents holding cameras.\n"
      "# TYPE cityeye_incidents_warm gauge\n"
      "cityeye_incidents_warm %u\n"
      "# HELP cityeye_wall_watchers WebSocket watchers of walls.\n"
      "# TYPE cityeye_wall_watchers gauge\n"
      "cityeye_wall_watchers %u\n"
      "# HELP cityeye_wall_changes_total Wall revisions written.\n"
      "# TYPE cityeye_wall_changes_total counter\n"
      "cityeye_wall_changes_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_wall_conflicts_total Wall changes refused for a stale "
      "revision.\n"
      "# TYPE cityeye_wall_conflicts_total counter\n"
      "cityeye_wall_conflicts_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_wall_preset_applies_total Presets applied.\n"
      "# TYPE cityeye_wall_preset_applies_total counter\n"
      "cityeye_wall_preset_applies_total %" G_GUINT64_FORMAT "\n"
      "# HELP cityeye_wall_tour_steps_total Tour steps.\n"
      "# TYPE cityeye_wall_tour_steps_total counter\n"
      "cityeye_wall_tour_steps_total %" G_GUINT64_FORMAT "\n",
      g_hash_table_size (w->live), g_hash_table_size (distinct), incidents,
      watchers, w->changes, w->conflicts, w->applies, w->tour_steps);
}

/* ---- change push over WebSocket ---------------------------------------- */

/* At most this many watchers per wall (a wall page per monitor, operator
 * consoles): a bound on what a wall's changes cost. */
#define MAX_WATCHERS 256

static char *
event_text (CeApi *api, const CePrincipal *p, const CeWall *wall,
    const char *type)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "revision");
  json_builder_add_int_value (b, wall->revision);
  json_builder_set_member_name (b, "wall");
  json_builder_add_value (b, wall_json_for (api, p, wall));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

void
ce_api_walls_notify (CeApi *api, const CeWall *wall, const char *type)
{
  GPtrArray *conns = g_hash_table_lookup (api->walls->watchers, wall->name);
  g_autofree char *shared = NULL;

  ce_api_mosaics_wall_changed (api, wall->name);
  if (conns == NULL || conns->len == 0)
    return;
  for (guint i = 0; i < conns->len; i++) {
    const CePrincipal *p =
        g_object_get_data (G_OBJECT (conns->pdata[i]), "ce-principal");
    g_autofree char *own = NULL;

    if (soup_websocket_connection_get_state (conns->pdata[i]) !=
        SOUP_WEBSOCKET_STATE_OPEN)
      continue;
    /* Admins see everything: one text for all of them. */
    if (ce_principal_is_admin (p)) {
      if (shared == NULL)
        shared = event_text (api, p, wall, type);
      soup_websocket_connection_send_text (conns->pdata[i], shared);
    } else {
      own = event_text (api, p, wall, type);
      soup_websocket_connection_send_text (conns->pdata[i], own);
    }
  }
}

static void
on_watcher_closed (SoupWebsocketConnection *conn, gpointer data)
{
  CeApiWalls *w = data;
  const char *name = g_object_get_data (G_OBJECT (conn), "ce-wall");
  GPtrArray *conns = g_hash_table_lookup (w->watchers, name);

  g_signal_handlers_disconnect_by_data (conn, w);
  if (conns != NULL)
    g_ptr_array_remove (conns, conn);
}

typedef struct
{
  CeApi *api;
  char *wall;
  CePrincipal *principal;
} Upgrade;

static void
upgrade_free (gpointer data, GClosure *closure)
{
  Upgrade *u = data;

  g_free (u->wall);
  ce_principal_unref (u->principal);
  g_free (u);
}

/* After the 101 went out, the connection is the WebSocket's. */
static void
on_upgraded (SoupServerMessage *msg, gpointer data)
{
  Upgrade *u = data;
  CeApiWalls *w = u->api->walls;
  g_autoptr (GIOStream) stream = soup_server_message_steal_connection (msg);
  g_autoptr (CeWall) wall = NULL;
  g_autofree char *text = NULL;
  SoupWebsocketConnection *conn;
  GPtrArray *conns;

  if (stream == NULL)
    return;
  conn = soup_websocket_connection_new (stream,
      soup_server_message_get_uri (msg), SOUP_WEBSOCKET_CONNECTION_SERVER,
      soup_message_headers_get_one (
          soup_server_message_get_request_headers (msg), "Origin"),
      NULL, NULL);
  /* Dead peers are noticed within a minute. */
  soup_websocket_connection_set_keepalive_interval (conn, 30);
  g_object_set_data_full (G_OBJECT (conn), "ce-wall", g_strdup (u->wall),
      g_free);
  g_object_set_data_full (G_OBJECT (conn), "ce-principal",
      ce_principal_ref (u->principal), (GDestroyNotify) ce_principal_unref);
  conns = g_hash_table_lookup (w->watchers, u->wall);
  if (conns == NULL) {
    conns = g_ptr_array_new_with_free_func (g_object_unref);
    g_hash_table_insert (w->watchers, g_strdup (u->wall), conns);
  }
  g_ptr_array_add (conns, conn);
  g_signal_connect (conn, "closed", G_CALLBACK (on_watcher_closed), w);
  /* The first message is the whole wall; then one per change. */
  wall = ce_api_walls_dup_live (u->api, u->wall, NULL);
  if (wall != NULL) {
    text = event_text (u->api, u->principal, wall, "snapshot");
    soup_websocket_connection_send_text (conn, text);
  }
}

void
ce_api_walls_events (CeApiRequest *req)
{
  /* A client offering subprotocols (the wall page: its token rides in
   * one, see ce_api_ws_protocol_token()) must offer this one, and only
   * this one is echoed; a client offering none gets none. */
  static char protocol[] = CE_API_WS_PROTOCOL;
  char *protocols[] = {protocol, NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWall) wall = NULL;
  GPtrArray *conns;
  Upgrade *u;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (wall = ce_api_walls_dup_live (req->api, req->name, &error)) == NULL) {
    ce_api_walls_respond_error (req->msg, error, -1);
    return;
  }
  conns = g_hash_table_lookup (req->api->walls->watchers, req->name);
  if (conns != NULL && conns->len >= MAX_WATCHERS) {
    ce_api_respond_error (req->msg, CE_API_ERROR_UNAVAILABLE,
        "This wall has as many watchers as it may have");
    return;
  }
  if (!soup_websocket_server_check_handshake (req->msg, NULL, protocols, NULL,
          &error)) {
    g_autofree char *m =
        g_strdup_printf ("Not a WebSocket handshake (%s)", error->message);

    ce_api_respond_error (req->msg, CE_API_ERROR_BAD_REQUEST, m);
    return;
  }
  soup_websocket_server_process_handshake (req->msg, NULL, protocols, NULL,
      NULL);
  u = g_new0 (Upgrade, 1);
  u->api = req->api;
  u->wall = g_strdup (req->name);
  u->principal = ce_principal_ref (req->principal);
  g_signal_connect_data (req->msg, "wrote-informational",
      G_CALLBACK (on_upgraded), u, upgrade_free, 0);
}

/* ---- presets ------------------------------------------------------------ */

static void
add_preset (CeApiRequest *req, JsonBuilder *b, const CePresetRecord *p)
{
  JsonNode *monitors = ce_wall_json_parse (p->monitors, '[');

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, p->name);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, p->title);
  ce_api_json_add_time (b, "updated_at", p->updated_at * G_USEC_PER_SEC);
  ce_api_json_add_string (b, "updated_by", p->updated_by);
  json_builder_set_member_name (b, "monitors");
  if (monitors != NULL) {
    redact_monitors (req->api, req->principal, json_node_get_array (monitors));
    json_builder_add_value (b, monitors);
  } else {
    json_builder_add_null_value (b);
  }
  json_builder_end_object (b);
}

void
ce_api_presets_list (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) presets = NULL;
  g_autoptr (CeWallRecord) wall = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (wall = ce_registry_dup_wall (req->api->registry, req->name, &error)) ==
          NULL ||
      (presets = ce_registry_list_presets (req->api->registry, req->name,
           &error)) == NULL) {
    ce_api_walls_respond_error (req->msg, error, -1);
    return;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "presets");
  json_builder_begin_array (b);
  for (guint i = 0; i < presets->len; i++)
    add_preset (req, b, presets->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}

void
ce_api_presets_save (CeApiRequest *req)
{
  static const char *const known[] = {"title", "monitors", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (CeWall) wall = NULL;
  g_autoptr (JsonNode) normal = NULL;
  g_autoptr (CePresetRecord) had = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  JsonArray *monitors;
  JsonObject *o;
  const char *title;
  guint64 touched = 0;
  CePresetRecord rec = {0};

  if (!ce_api_walls_check_role (req, CE_API_WALL_EDIT))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (body = ce_api_request_json (req, known, &error)) == NULL)
    goto fail;
  o = json_node_get_object (body);
  title = member_string (o, "title", &error);
  if (error != NULL ||
      (monitors = member_array (o, "monitors", &error)) == NULL)
    goto fail;
  if (title != NULL &&
      (strlen (title) > CE_WALL_MAX_TITLE ||
          !g_utf8_validate (title, -1, NULL))) {
    g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: title must be UTF-8 of at most %d bytes", CE_WALL_MAX_TITLE);
    goto fail;
  }
  /* Validated against the wall it belongs to; stored as the model
   * writes it.  Locks matter when it is applied, not now. */
  wall = ce_api_walls_dup_live (req->api, req->name, &error);
  if (wall == NULL ||
      !ce_wall_set_monitors (wall, monitors, req->api->config.wall_min_dwell_s,
          &touched, &error) ||
      !ce_api_walls_check_cameras (req, wall, touched, &error))
    goto fail;
  normal = ce_wall_monitors_to_json (wall, touched);
  text = json_to_string (normal, FALSE);
  had = ce_registry_dup_preset (req->api->registry, req->name, req->sub, NULL);
  rec.wall = (char *) req->name;
  rec.name = (char *) req->sub;
  rec.title = (char *) (title != NULL ? title : "");
  rec.monitors = text;
  rec.updated_by = req->principal->user;
  if (!ce_registry_put_preset (req->api->registry, &rec, &error))
    goto fail;
  rec.updated_at = g_get_real_time () / G_USEC_PER_SEC;
  presets_rewarm (req->api, wall);
  add_preset (req, b, &rec);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg,
      had != NULL ? SOUP_STATUS_OK : SOUP_STATUS_CREATED, root);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error, -1);
}

void
ce_api_presets_delete (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;

  if (!ce_api_walls_check_role (req, CE_API_WALL_EDIT))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      !ce_registry_remove_preset (req->api->registry, req->name, req->sub,
          &error)) {
    ce_api_walls_respond_error (req->msg, error, -1);
    return;
  }
  if (req->api->config.wall_warm_presets) {
    g_autoptr (CeWall) wall = ce_api_walls_dup_live (req->api, req->name, NULL);

    if (wall != NULL)
      presets_rewarm (req->api, wall);
  }
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

typedef struct
{
  CeApi *api;
  SoupServerMessage *msg;
  gulong disconnected_id;
  gboolean gone;
  CeWall *wall; /* the wall with the preset applied */
  gint64 base;  /* the revision it was applied to */
  char *user;
  CePrincipal *principal;
  char *owner; /* the apply's own hold */
  char *preset;
} ApplyJob;

static void
on_apply_disconnected (SoupServerMessage *msg, gpointer data)
{
  ((ApplyJob *) data)->gone = TRUE;
}

static void
apply_job_free (ApplyJob *job)
{
  g_clear_signal_handler (&job->disconnected_id, job->msg);
  g_object_unref (job->msg);
  ce_wall_free (job->wall);
  g_free (job->user);
  ce_principal_unref (job->principal);
  g_free (job->owner);
  g_free (job->preset);
  g_free (job);
}

static void
on_apply_warm (gpointer data, gboolean shutdown, guint ready, guint total,
    double ms)
{
  ApplyJob *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) wall_json = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (shutdown) {
    if (!job->gone) {
      ce_api_respond_error (job->msg, CE_API_ERROR_UNAVAILABLE,
          "The gateway is stopping");
      soup_server_message_unpause (job->msg);
    }
    apply_job_free (job);
    return;
  }
  /* One write against the revision the preset was checked on: either the
   * whole preset shows, or nothing changed. */
  if (!ce_api_walls_commit (job->api, job->wall, job->base, job->user,
          &error)) {
    g_message ("Wall %s: preset %s not applied: %s", job->wall->name,
        job->preset, error->message);
    if (!job->gone)
      ce_api_walls_respond_error (job->msg, error, job->wall->revision);
  } else {
    job->api->walls->applies++;
    g_message ("Wall %s: preset %s applied by %s (%u of %u cameras ready "
               "after %.0f ms)",
        job->wall->name, job->preset, job->user, ready, total, ms);
    wall_json = wall_json_for (job->api, job->principal, job->wall);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "wall");
    json_builder_add_value (b, g_steal_pointer (&wall_json));
    json_builder_set_member_name (b, "warm");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "cameras");
    json_builder_add_int_value (b, total);
    json_builder_set_member_name (b, "ready");
    json_builder_add_int_value (b, ready);
    json_builder_set_member_name (b, "ms");
    json_builder_add_double_value (b, ms);
    json_builder_end_object (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    if (!job->gone)
      ce_api_respond_json (job->msg, SOUP_STATUS_OK, root);
  }
  if (!job->gone)
    soup_server_message_unpause (job->msg);
  /* The wall's own hold has the new cameras now (commit): the apply's
   * hold goes without stopping any of them. */
  g_ptr_array_unref (ce_api_walls_hold (job->api, job->owner, NULL));
  apply_job_free (job);
}

void
ce_api_presets_apply (CeApiRequest *req)
{
  static const char *const known[] = {"revision", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (CeWall) wall = NULL;
  g_autoptr (CePresetRecord) preset = NULL;
  g_autoptr (JsonNode) monitors = NULL;
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GPtrArray) streams = NULL;
  SoupMessageBody *raw = soup_server_message_get_request_body (req->msg);
  ApplyJob *job;
  gint64 revision = -1;
  static guint serial;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, NULL, &error))
    goto fail;
  if (raw != NULL && raw->length > 0) {
    if ((body = ce_api_request_json (req, known, &error)) == NULL ||
        !member_int (json_node_get_object (body), "revision", 0, G_MAXINT64,
            &revision, FALSE, &error))
      goto fail;
  }
  wall = ce_api_walls_dup_live (req->api, req->name, &error);
  if (wall == NULL)
    goto fail;
  if (revision >= 0 && revision != wall->revision) {
    g_autofree char *m = g_strdup_printf (
        "Wall %s is at revision %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT,
        wall->name, wall->revision, revision);

    ce_api_respond_conflict (req->msg, m, wall->revision);
    return;
  }
  preset =
      ce_registry_dup_preset (req->api->registry, req->name, req->sub, &error);
  if (preset == NULL)
    goto fail;
  if ((monitors = ce_wall_json_parse (preset->monitors, '[')) == NULL) {
    g_set_error (&error, CE_API_ERROR, CE_API_ERROR_INTERNAL,
        "Preset %s of wall %s is damaged", req->sub, req->name);
    goto fail;
  }
  if (!apply_monitors (req, wall, json_node_get_array (monitors), &error))
    goto fail;

  job = g_new0 (ApplyJob, 1);
  job->api = req->api;
  job->msg = g_object_ref (req->msg);
  job->base = wall->revision;
  job->wall = g_steal_pointer (&wall);
  job->user = g_strdup (req->principal->user);
  job->principal = ce_principal_ref (req->principal);
  job->preset = g_strdup (req->sub);
  job->owner = g_strdup_printf ("apply/%s/%u", req->name, ++serial);
  job->disconnected_id = g_signal_connect (req->msg, "disconnected",
      G_CALLBACK (on_apply_disconnected), job);
  /* Warm first: every camera of the new state is pulled and has its first
   * keyframe (or the warm-up timeout passed) before the switch. */
  keys = ce_wall_wanted_streams (job->wall, FALSE);
  streams = ce_api_walls_hold (req->api, job->owner, keys);
  soup_server_message_pause (req->msg);
  ce_api_walls_wait (req->api, streams, on_apply_warm, job);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error,
      wall != NULL ? wall->revision : -1);
}
