/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The wall model: layouts, tiles, locks and their JSON (bounded, fuzzed by
 * tests/fuzz-wall).
 */
#include "ce-wall.h"

#include <string.h>

#include "ce-camera.h"
#include "ce-json-check.h"

G_DEFINE_QUARK (cityeye_wall_error, ce_wall_error)

static void
tile_clear (CeWallTile *t)
{
  g_clear_pointer (&t->camera_id, g_free);
  g_clear_pointer (&t->incident, g_free);
  g_clear_pointer (&t->tour, g_strfreev);
}

static void
tile_free (gpointer p)
{
  CeWallTile *t = p;

  tile_clear (t);
  g_free (t);
}

static CeWallTile *
tile_copy (const CeWallTile *t)
{
  CeWallTile *c = g_new0 (CeWallTile, 1);

  *c = *t;
  c->camera_id = g_strdup (t->camera_id);
  c->incident = g_strdup (t->incident);
  c->tour = g_strdupv (t->tour);
  return c;
}

static void
monitor_free (gpointer p)
{
  CeWallMonitor *m = p;

  g_free (m->layout);
  g_array_unref (m->cells);
  g_ptr_array_unref (m->tiles);
  g_free (m);
}

static CeWallMonitor *
monitor_new_empty (void)
{
  CeWallMonitor *m = g_new0 (CeWallMonitor, 1);

  m->cells = g_array_new (FALSE, TRUE, sizeof (CeWallCell));
  m->tiles = g_ptr_array_new_with_free_func (tile_free);
  return m;
}

static CeWallMonitor *
monitor_copy (const CeWallMonitor *m)
{
  CeWallMonitor *c = monitor_new_empty ();

  c->layout = g_strdup (m->layout);
  c->grid = m->grid;
  g_array_append_vals (c->cells, m->cells->data, m->cells->len);
  for (guint i = 0; i < m->tiles->len; i++)
    g_ptr_array_add (c->tiles, tile_copy (g_ptr_array_index (m->tiles, i)));
  return c;
}

static void
lock_free (gpointer p)
{
  CeWallLock *l = p;

  g_free (l->id);
  g_free (l->owner);
  g_array_unref (l->monitors);
  g_free (l);
}

static CeWallLock *
lock_copy (const CeWallLock *l)
{
  CeWallLock *c = g_new0 (CeWallLock, 1);

  c->id = g_strdup (l->id);
  c->owner = g_strdup (l->owner);
  c->expires_us = l->expires_us;
  c->monitors = g_array_copy (l->monitors);
  return c;
}

gboolean
ce_wall_name_valid (const char *name, const char *what, GError **error)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > CE_WALL_MAX_NAME) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "%s: must be 1 to %d characters", what, CE_WALL_MAX_NAME);
    return FALSE;
  }
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (name[i]) && name[i] != '-' && name[i] != '_') {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%s: only letters, digits, “-” and “_” are allowed", what);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
title_valid (const char *title, GError **error)
{
  if (title != NULL &&
      (strlen (title) > CE_WALL_MAX_TITLE ||
          !g_utf8_validate (title, -1, NULL))) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "title: must be UTF-8 of at most %d bytes", CE_WALL_MAX_TITLE);
    return FALSE;
  }
  return TRUE;
}

static void
monitor_set_layout (CeWallMonitor *m, const char *layout)
{
  g_free (m->layout);
  m->layout = g_strdup (layout);
  g_array_set_size (m->cells, 0);
  ce_wall_layout_cells (layout, &m->grid, m->cells);
  g_ptr_array_set_size (m->tiles, 0);
  for (guint i = 0; i < m->cells->len; i++)
    g_ptr_array_add (m->tiles, g_new0 (CeWallTile, 1));
}

CeWall *
ce_wall_new (const char *name, const char *title, guint rows, guint cols,
    GError **error)
{
  CeWall *w;

  if (!ce_wall_name_valid (name, "name", error) || !title_valid (title, error))
    return NULL;
  if (rows < 1 || rows > CE_WALL_MAX_ROWS || cols < 1 ||
      cols > CE_WALL_MAX_COLS) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "rows and cols: each must be 1 to %d", CE_WALL_MAX_ROWS);
    return NULL;
  }
  w = g_new0 (CeWall, 1);
  w->name = g_strdup (name);
  w->title = g_strdup (title != NULL ? title : "");
  w->rows = rows;
  w->cols = cols;
  w->monitors = g_ptr_array_new_with_free_func (monitor_free);
  w->locks = g_ptr_array_new_with_free_func (lock_free);
  for (guint i = 0; i < rows * cols; i++) {
    CeWallMonitor *m = monitor_new_empty ();

    monitor_set_layout (m, "1");
    g_ptr_array_add (w->monitors, m);
  }
  return w;
}

CeWall *
ce_wall_copy (const CeWall *wall)
{
  CeWall *w = g_new0 (CeWall, 1);

  w->name = g_strdup (wall->name);
  w->title = g_strdup (wall->title);
  w->rows = wall->rows;
  w->cols = wall->cols;
  w->revision = wall->revision;
  w->monitors = g_ptr_array_new_with_free_func (monitor_free);
  w->locks = g_ptr_array_new_with_free_func (lock_free);
  for (guint i = 0; i < wall->monitors->len; i++)
    g_ptr_array_add (w->monitors,
        monitor_copy (g_ptr_array_index (wall->monitors, i)));
  for (guint i = 0; i < wall->locks->len; i++)
    g_ptr_array_add (w->locks, lock_copy (g_ptr_array_index (wall->locks, i)));
  return w;
}

void
ce_wall_free (CeWall *wall)
{
  if (wall == NULL)
    return;
  g_free (wall->name);
  g_free (wall->title);
  g_ptr_array_unref (wall->monitors);
  g_ptr_array_unref (wall->locks);
  g_free (wall);
}

static void
add_cell (GArray *cells, guint x, guint y, guint w, guint h)
{
  CeWallCell c = {x, y, w, h};

  g_array_append_val (cells, c);
}

gboolean
ce_wall_layout_cells (const char *layout, guint *grid, GArray *cells)
{
  guint n = 0;

  if (strcmp (layout, "1") == 0)
    n = 1;
  else if (strcmp (layout, "4") == 0)
    n = 2;
  else if (strcmp (layout, "9") == 0)
    n = 3;
  else if (strcmp (layout, "16") == 0)
    n = 4;
  if (n > 0) {
    *grid = n;
    for (guint y = 0; y < n; y++)
      for (guint x = 0; x < n; x++)
        add_cell (cells, x, y, 1, 1);
    return TRUE;
  }
  /* One large cell in the top left corner, the small ones down the right
   * side, then along the bottom. */
  if (strcmp (layout, "1+5") == 0)
    n = 3;
  else if (strcmp (layout, "1+7") == 0)
    n = 4;
  if (n == 0)
    return FALSE;
  *grid = n;
  add_cell (cells, 0, 0, n - 1, n - 1);
  for (guint y = 0; y < n - 1; y++)
    add_cell (cells, n - 1, y, 1, 1);
  for (guint x = 0; x < n; x++)
    add_cell (cells, x, n - 1, 1, 1);
  return TRUE;
}

CeWallProfile
ce_wall_tile_profile (const CeWallMonitor *monitor, guint cell)
{
  const CeWallTile *t;
  const CeWallCell *c;
  double share;

  g_return_val_if_fail (cell < monitor->tiles->len, CE_WALL_PROFILE_MAIN);
  t = g_ptr_array_index (monitor->tiles, cell);
  if (t->profile != CE_WALL_PROFILE_AUTO)
    return t->profile;
  c = &g_array_index (monitor->cells, CeWallCell, cell);
  share = (double) (c->w * c->h) / (double) (monitor->grid * monitor->grid);
  return share >= CE_WALL_MAIN_MIN_SHARE ? CE_WALL_PROFILE_MAIN
                                         : CE_WALL_PROFILE_SUB;
}

const char *
ce_wall_profile_to_string (CeWallProfile profile)
{
  switch (profile) {
    case CE_WALL_PROFILE_MAIN:
      return "main";
    case CE_WALL_PROFILE_SUB:
      return "sub";
    default:
      return "auto";
  }
}

guint64
ce_wall_monitor_bit (guint index)
{
  return G_GUINT64_CONSTANT (1) << MIN (index, 63u);
}

/* ---- JSON in ------------------------------------------------------------ */

static gboolean
json_uint (JsonObject *o, const char *name, guint max, guint *out,
    const char *where, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);
  gint64 v;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_INT64 ||
      (v = json_node_get_int (n)) < 0 || v > max) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "%s%s: must be an integer from 0 to %u", where, name, max);
    return FALSE;
  }
  *out = (guint) v;
  return TRUE;
}

static const char *
json_string (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
only_members (JsonObject *o, const char *const *known, const char *where,
    GError **error)
{
  g_autoptr (GList) names = json_object_get_members (o);

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data)) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%sunknown member “%.64s”", where, (const char *) l->data);
      return FALSE;
    }
  return TRUE;
}

static gboolean
camera_id_valid (const char *id, const char *where, GError **error)
{
  if (id == NULL || ce_gb_id_type (id) < 0) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "%scamera_id: not a 20-digit GB/T 28181 camera id", where);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_tile (JsonNode *node, CeWallTile *t, guint min_dwell_s, const char *where,
    GError **error)
{
  static const char *const known[] = {"camera_id", "profile", "tour",
      "incident", "tour_position", NULL};
  static const char *const tour_known[] = {"cameras", "dwell_s", NULL};
  JsonObject *o;
  JsonNode *n;
  const char *s;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING) {
    if (!camera_id_valid (json_node_get_string (node), where, error))
      return FALSE;
    t->camera_id = g_strdup (json_node_get_string (node));
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "%smust be null, a camera id or an object", where);
    return FALSE;
  }
  o = json_node_get_object (node);
  if (!only_members (o, known, where, error))
    return FALSE;
  if ((n = json_object_get_member (o, "profile")) != NULL) {
    s = json_string (o, "profile");
    if (g_strcmp0 (s, "auto") == 0)
      t->profile = CE_WALL_PROFILE_AUTO;
    else if (g_strcmp0 (s, "main") == 0)
      t->profile = CE_WALL_PROFILE_MAIN;
    else if (g_strcmp0 (s, "sub") == 0)
      t->profile = CE_WALL_PROFILE_SUB;
    else {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%sprofile: must be auto, main or sub", where);
      return FALSE;
    }
  }
  if ((n = json_object_get_member (o, "incident")) != NULL &&
      !JSON_NODE_HOLDS_NULL (n)) {
    s = json_string (o, "incident");
    if (s == NULL || !ce_wall_name_valid (s, "incident", error))
      return FALSE;
    t->incident = g_strdup (s);
  }
  if ((n = json_object_get_member (o, "tour")) != NULL &&
      !JSON_NODE_HOLDS_NULL (n)) {
    JsonObject *to;
    JsonArray *cams;
    guint len;

    if (!JSON_NODE_HOLDS_OBJECT (n)) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%stour: must be an object", where);
      return FALSE;
    }
    to = json_node_get_object (n);
    if (!only_members (to, tour_known, where, error) ||
        !json_uint (to, "dwell_s", CE_WALL_MAX_DWELL_S, &t->dwell_s, where,
            error))
      return FALSE;
    if (t->dwell_s < MAX (min_dwell_s, 1u)) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%sdwell_s: a tour stays at least %u s on each camera", where,
          MAX (min_dwell_s, 1u));
      return FALSE;
    }
    n = json_object_get_member (to, "cameras");
    if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n) ||
        (len = json_array_get_length (cams = json_node_get_array (n))) < 2 ||
        len > CE_WALL_MAX_TOUR) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%stour.cameras: must be an array of 2 to %d camera ids", where,
          CE_WALL_MAX_TOUR);
      return FALSE;
    }
    t->tour = g_new0 (char *, len + 1);
    for (guint i = 0; i < len; i++) {
      JsonNode *c = json_array_get_element (cams, i);

      const char *id = JSON_NODE_HOLDS_VALUE (c) &&
              json_node_get_value_type (c) == G_TYPE_STRING
          ? json_node_get_string (c)
          : NULL;

      if (!camera_id_valid (id, where, error))
        return FALSE;
      t->tour[i] = g_strdup (json_node_get_string (c));
    }
    if (json_object_has_member (o, "tour_position")) {
      if (!json_uint (o, "tour_position", len - 1, &t->tour_position, where,
              error))
        return FALSE;
    }
    t->camera_id = g_strdup (t->tour[t->tour_position]);
    return TRUE;
  }
  if ((n = json_object_get_member (o, "camera_id")) != NULL &&
      !JSON_NODE_HOLDS_NULL (n)) {
    if (!camera_id_valid (json_string (o, "camera_id"), where, error))
      return FALSE;
    t->camera_id = g_strdup (json_string (o, "camera_id"));
  }
  return TRUE;
}

static gboolean
parse_cells (JsonArray *a, CeWallMonitor *m, const char *where, GError **error)
{
  guint len = json_array_get_length (a);
  guint8 used[CE_WALL_MAX_GRID][CE_WALL_MAX_GRID] = {{0}};

  if (len < 1 || len > CE_WALL_MAX_CELLS) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "%scells: 1 to %d cells", where, CE_WALL_MAX_CELLS);
    return FALSE;
  }
  for (guint i = 0; i < len; i++) {
    JsonNode *n = json_array_get_element (a, i);
    JsonArray *c;
    gint64 v[4];

    if (!JSON_NODE_HOLDS_ARRAY (n) ||
        json_array_get_length (c = json_node_get_array (n)) != 4)
      goto bad;
    for (guint k = 0; k < 4; k++) {
      JsonNode *e = json_array_get_element (c, k);

      if (!JSON_NODE_HOLDS_VALUE (e) ||
          json_node_get_value_type (e) != G_TYPE_INT64)
        goto bad;
      v[k] = json_node_get_int (e);
    }
    if (v[0] < 0 || v[1] < 0 || v[2] < 1 || v[3] < 1 || v[0] + v[2] > m->grid ||
        v[1] + v[3] > m->grid)
      goto bad;
    for (gint64 y = v[1]; y < v[1] + v[3]; y++)
      for (gint64 x = v[0]; x < v[0] + v[2]; x++) {
        if (used[y][x]) {
          g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
              "%scells[%u]: overlaps another cell", where, i);
          return FALSE;
        }
        used[y][x] = 1;
      }
    add_cell (m->cells, (guint) v[0], (guint) v[1], (guint) v[2], (guint) v[3]);
  }
  return TRUE;

bad:
  g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
      "%scells: each cell is [x, y, w, h] inside the %u × %u grid", where,
      m->grid, m->grid);
  return FALSE;
}

static CeWallMonitor *
parse_monitor (JsonObject *o, guint min_dwell_s, const char *where,
    GError **error)
{
  static const char *const known[] = {"index", "layout", "grid", "cells",
      "tiles", NULL};
  g_autoptr (GPtrArray) holder = g_ptr_array_new_with_free_func (monitor_free);
  CeWallMonitor *m = monitor_new_empty ();
  const char *layout = json_string (o, "layout");
  JsonNode *n;

  g_ptr_array_add (holder, m);
  if (!only_members (o, known, where, error))
    return NULL;
  if (layout == NULL) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "%slayout: one of 1, 4, 9, 16, 1+5, 1+7, custom", where);
    return NULL;
  }
  if (strcmp (layout, "custom") == 0) {
    m->layout = g_strdup ("custom");
    if (!json_uint (o, "grid", CE_WALL_MAX_GRID, &m->grid, where, error))
      return NULL;
    if (m->grid < 1) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%sgrid: must be 1 to %d", where, CE_WALL_MAX_GRID);
      return NULL;
    }
    n = json_object_get_member (o, "cells");
    if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n)) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%scells: a custom layout lists its cells", where);
      return NULL;
    }
    if (!parse_cells (json_node_get_array (n), m, where, error))
      return NULL;
  } else if (ce_wall_layout_cells (layout, &m->grid, m->cells)) {
    m->layout = g_strdup (layout);
    if (json_object_has_member (o, "cells") ||
        json_object_has_member (o, "grid")) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%scells and grid: only with layout custom", where);
      return NULL;
    }
  } else {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "%slayout: “%.16s” is not one of 1, 4, 9, 16, 1+5, 1+7, custom", where,
        layout);
    return NULL;
  }
  for (guint i = 0; i < m->cells->len; i++)
    g_ptr_array_add (m->tiles, g_new0 (CeWallTile, 1));
  if ((n = json_object_get_member (o, "tiles")) != NULL) {
    JsonArray *tiles;

    if (!JSON_NODE_HOLDS_ARRAY (n) ||
        json_array_get_length (tiles = json_node_get_array (n)) >
            m->cells->len) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%stiles: an array of at most %u tiles (one per cell)", where,
          m->cells->len);
      return NULL;
    }
    for (guint i = 0; i < json_array_get_length (tiles); i++) {
      g_autofree char *w = g_strdup_printf ("%stiles[%u]: ", where, i);

      if (!parse_tile (json_array_get_element (tiles, i),
              g_ptr_array_index (m->tiles, i), min_dwell_s, w, error))
        return NULL;
    }
  }
  return g_ptr_array_steal_index (holder, 0);
}

gboolean
ce_wall_set_monitors (CeWall *wall, JsonArray *monitors, guint min_dwell_s,
    guint64 *touched, GError **error)
{
  guint len = json_array_get_length (monitors);
  g_autoptr (GPtrArray) parsed = g_ptr_array_new_with_free_func (monitor_free);
  g_autoptr (GArray) indexes = g_array_new (FALSE, FALSE, sizeof (guint));
  guint64 bits = 0;

  if (len < 1 || len > wall->monitors->len) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "monitors: an array of 1 to %u monitors", wall->monitors->len);
    return FALSE;
  }
  for (guint i = 0; i < len; i++) {
    JsonNode *n = json_array_get_element (monitors, i);
    g_autofree char *where = g_strdup_printf ("monitors[%u].", i);
    CeWallMonitor *m;
    guint index;

    if (!JSON_NODE_HOLDS_OBJECT (n)) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "%s: must be an object", where);
      return FALSE;
    }
    if (!json_uint (json_node_get_object (n), "index", wall->monitors->len - 1,
            &index, where, error))
      return FALSE;
    for (guint k = 0; k < indexes->len; k++)
      if (g_array_index (indexes, guint, k) == index) {
        g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
            "%sindex: monitor %u is given twice", where, index);
        return FALSE;
      }
    m = parse_monitor (json_node_get_object (n), min_dwell_s, where, error);
    if (m == NULL)
      return FALSE;
    g_ptr_array_add (parsed, m);
    g_array_append_val (indexes, index);
    bits |= ce_wall_monitor_bit (index);
  }
  for (guint i = 0; i < len; i++) {
    guint index = g_array_index (indexes, guint, i);

    monitor_free (g_ptr_array_index (wall->monitors, index));
    g_ptr_array_index (wall->monitors, index) = g_ptr_array_index (parsed, i);
    g_ptr_array_index (parsed, i) = NULL;
  }
  g_ptr_array_set_free_func (parsed, NULL);
  if (touched != NULL)
    *touched = bits;
  return TRUE;
}

/* ---- JSON out ----------------------------------------------------------- */

static void
add_tile (JsonBuilder *b, const CeWallMonitor *m, guint i, gboolean effective)
{
  const CeWallTile *t = g_ptr_array_index (m->tiles, i);

  if (t->camera_id == NULL) {
    json_builder_add_null_value (b);
    return;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "camera_id");
  json_builder_add_string_value (b, t->camera_id);
  json_builder_set_member_name (b, "profile");
  json_builder_add_string_value (b, ce_wall_profile_to_string (t->profile));
  if (effective) {
    json_builder_set_member_name (b, "stream");
    json_builder_add_string_value (b,
        ce_wall_profile_to_string (ce_wall_tile_profile (m, i)));
  }
  if (t->incident != NULL) {
    json_builder_set_member_name (b, "incident");
    json_builder_add_string_value (b, t->incident);
  }
  if (t->tour != NULL) {
    json_builder_set_member_name (b, "tour");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "cameras");
    json_builder_begin_array (b);
    for (guint k = 0; t->tour[k] != NULL; k++)
      json_builder_add_string_value (b, t->tour[k]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "dwell_s");
    json_builder_add_int_value (b, t->dwell_s);
    json_builder_end_object (b);
    json_builder_set_member_name (b, "tour_position");
    json_builder_add_int_value (b, t->tour_position);
  }
  json_builder_end_object (b);
}

static void
add_monitors (JsonBuilder *b, const CeWall *wall, guint64 touched,
    gboolean effective)
{
  json_builder_begin_array (b);
  for (guint i = 0; i < wall->monitors->len; i++) {
    const CeWallMonitor *m = g_ptr_array_index (wall->monitors, i);

    if (touched != 0 && (touched & ce_wall_monitor_bit (i)) == 0)
      continue;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "index");
    json_builder_add_int_value (b, i);
    json_builder_set_member_name (b, "layout");
    json_builder_add_string_value (b, m->layout);
    if (effective || strcmp (m->layout, "custom") == 0) {
      json_builder_set_member_name (b, "grid");
      json_builder_add_int_value (b, m->grid);
      json_builder_set_member_name (b, "cells");
      json_builder_begin_array (b);
      for (guint k = 0; k < m->cells->len; k++) {
        const CeWallCell *c = &g_array_index (m->cells, CeWallCell, k);

        json_builder_begin_array (b);
        json_builder_add_int_value (b, c->x);
        json_builder_add_int_value (b, c->y);
        json_builder_add_int_value (b, c->w);
        json_builder_add_int_value (b, c->h);
        json_builder_end_array (b);
      }
      json_builder_end_array (b);
    }
    json_builder_set_member_name (b, "tiles");
    json_builder_begin_array (b);
    for (guint k = 0; k < m->tiles->len; k++)
      add_tile (b, m, k, effective);
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

JsonNode *
ce_wall_monitors_to_json (const CeWall *wall, guint64 touched)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  add_monitors (b, wall, touched, FALSE);
  return json_builder_get_root (b);
}

static void
add_locks (JsonBuilder *b, const CeWall *wall, gboolean iso)
{
  json_builder_begin_array (b);
  for (guint i = 0; i < wall->locks->len; i++) {
    const CeWallLock *l = g_ptr_array_index (wall->locks, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, l->id);
    json_builder_set_member_name (b, "owner");
    json_builder_add_string_value (b, l->owner);
    json_builder_set_member_name (b, "expires");
    if (iso) {
      g_autoptr (GDateTime) dt =
          g_date_time_new_from_unix_utc (l->expires_us / G_USEC_PER_SEC);
      g_autofree char *s =
          dt != NULL ? g_date_time_format_iso8601 (dt) : g_strdup ("");

      json_builder_add_string_value (b, s);
    } else {
      json_builder_add_int_value (b, l->expires_us);
    }
    json_builder_set_member_name (b, "monitors");
    json_builder_begin_array (b);
    for (guint k = 0; k < l->monitors->len; k++)
      json_builder_add_int_value (b, g_array_index (l->monitors, guint, k));
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

JsonNode *
ce_wall_to_json (const CeWall *wall)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, wall->name);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, wall->title);
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, wall->rows);
  json_builder_set_member_name (b, "cols");
  json_builder_add_int_value (b, wall->cols);
  json_builder_set_member_name (b, "revision");
  json_builder_add_int_value (b, wall->revision);
  json_builder_set_member_name (b, "monitors");
  add_monitors (b, wall, 0, TRUE);
  json_builder_set_member_name (b, "locks");
  add_locks (b, wall, TRUE);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
ce_wall_state_to_string (const CeWall *wall)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "monitors");
  add_monitors (b, wall, 0, FALSE);
  json_builder_set_member_name (b, "locks");
  add_locks (b, wall, FALSE);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static gboolean
parse_locks (CeWall *w, JsonArray *a, GError **error)
{
  static const char *const known[] = {"id", "owner", "expires", "monitors",
      NULL};

  if (json_array_get_length (a) > CE_WALL_MAX_LOCKS)
    goto bad;
  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonNode *n = json_array_get_element (a, i);
    JsonObject *o;
    JsonNode *e, *mn;
    CeWallLock *l;

    if (!JSON_NODE_HOLDS_OBJECT (n))
      goto bad;
    o = json_node_get_object (n);
    e = json_object_get_member (o, "expires");
    mn = json_object_get_member (o, "monitors");
    if (!only_members (o, known, "locks: ", error))
      return FALSE;
    if (json_string (o, "id") == NULL || json_string (o, "owner") == NULL ||
        e == NULL || !JSON_NODE_HOLDS_VALUE (e) ||
        json_node_get_value_type (e) != G_TYPE_INT64 || mn == NULL ||
        !JSON_NODE_HOLDS_ARRAY (mn))
      goto bad;
    l = g_new0 (CeWallLock, 1);
    l->id = g_strdup (json_string (o, "id"));
    l->owner = g_strdup (json_string (o, "owner"));
    l->expires_us = json_node_get_int (e);
    l->monitors = g_array_new (FALSE, FALSE, sizeof (guint));
    g_ptr_array_add (w->locks, l);
    for (guint k = 0; k < json_array_get_length (json_node_get_array (mn));
         k++) {
      JsonNode *x = json_array_get_element (json_node_get_array (mn), k);
      gint64 v;
      guint u;

      if (!JSON_NODE_HOLDS_VALUE (x) ||
          json_node_get_value_type (x) != G_TYPE_INT64 ||
          (v = json_node_get_int (x)) < 0 || v >= w->monitors->len)
        goto bad;
      u = (guint) v;
      g_array_append_val (l->monitors, u);
    }
  }
  return TRUE;

bad:
  g_set_error_literal (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
      "locks: damaged");
  return FALSE;
}

JsonNode *
ce_wall_json_parse (const char *text, char open)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *wrapped = NULL;
  const char *p = text;
  JsonNode *root, *value;
  gsize len;

  for (; g_ascii_isspace (*p); p++)
    ;
  if (*p != open || !g_utf8_validate (text, -1, NULL))
    return NULL;
  /* The project's guard checks one object: the value is checked, and
   * parsed, as the member of one.  Two values in a row are then a
   * grammar error inside it, not a second top-level value. */
  wrapped = g_strconcat ("{\"v\":", text, "}", NULL);
  len = strlen (wrapped);
  if (ce_json_check_object (wrapped, &len, NULL) != CE_JSON_CHECK_OK ||
      !json_parser_load_from_data (parser, wrapped, (gssize) len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      json_object_get_size (json_node_get_object (root)) != 1 ||
      (value = json_object_get_member (json_node_get_object (root), "v")) ==
          NULL ||
      json_node_get_node_type (value) !=
          (open == '{' ? JSON_NODE_OBJECT : JSON_NODE_ARRAY))
    return NULL;
  return json_node_copy (value);
}

CeWall *
ce_wall_from_state (const char *name, const char *title, guint rows, guint cols,
    gint64 revision, const char *state, GError **error)
{
  g_autoptr (CeWall) w = ce_wall_new (name, title, rows, cols, error);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o;
  JsonNode *n;

  if (w == NULL)
    return NULL;
  w->revision = revision;
  if (state == NULL || *state == '\0')
    return g_steal_pointer (&w);
  if ((root = ce_wall_json_parse (state, '{')) == NULL) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "Wall %s: the stored state is not a JSON object", name);
    return NULL;
  }
  o = json_node_get_object (root);
  n = json_object_get_member (o, "monitors");
  if (n != NULL && JSON_NODE_HOLDS_ARRAY (n) &&
      json_array_get_length (json_node_get_array (n)) > 0 &&
      !ce_wall_set_monitors (w, json_node_get_array (n), 0, NULL, error)) {
    g_prefix_error (error, "Wall %s: ", name);
    return NULL;
  }
  n = json_object_get_member (o, "locks");
  if (n != NULL && JSON_NODE_HOLDS_ARRAY (n) &&
      !parse_locks (w, json_node_get_array (n), error)) {
    g_prefix_error (error, "Wall %s: ", name);
    return NULL;
  }
  return g_steal_pointer (&w);
}

/* ---- locks -------------------------------------------------------------- */

gboolean
ce_wall_expire_locks (CeWall *wall, gint64 now_us)
{
  gboolean changed = FALSE;

  for (guint i = wall->locks->len; i > 0; i--) {
    const CeWallLock *l = g_ptr_array_index (wall->locks, i - 1);

    if (l->expires_us <= now_us) {
      g_ptr_array_remove_index (wall->locks, i - 1);
      changed = TRUE;
    }
  }
  return changed;
}

static guint64
lock_bits (const CeWallLock *l)
{
  guint64 bits = 0;

  for (guint k = 0; k < l->monitors->len; k++)
    bits |= ce_wall_monitor_bit (g_array_index (l->monitors, guint, k));
  return bits;
}

gboolean
ce_wall_check_locks (const CeWall *wall, guint64 touched, const char *owner,
    GError **error)
{
  for (guint i = 0; i < wall->locks->len; i++) {
    const CeWallLock *l = g_ptr_array_index (wall->locks, i);

    if ((lock_bits (l) & touched) != 0 && g_strcmp0 (l->owner, owner) != 0) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_LOCKED,
          "Wall %s: monitors of this change are locked by %s (lock %s)",
          wall->name, l->owner, l->id);
      return FALSE;
    }
  }
  return TRUE;
}

const CeWallLock *
ce_wall_lock (CeWall *wall, const char *owner, const guint *monitors,
    guint n_monitors, guint ttl_s, gint64 now_us, GError **error)
{
  CeWallLock *l;
  guint64 bits = 0;
  guint32 r[3];

  if (n_monitors == 0 || n_monitors > wall->monitors->len) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "monitors: 1 to %u monitor indexes", wall->monitors->len);
    return NULL;
  }
  if (ttl_s < 1 || ttl_s > 86400) {
    g_set_error_literal (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "ttl_s: must be 1 to 86400 seconds");
    return NULL;
  }
  if (wall->locks->len >= CE_WALL_MAX_LOCKS) {
    g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
        "Wall %s: at most %d locks", wall->name, CE_WALL_MAX_LOCKS);
    return NULL;
  }
  for (guint i = 0; i < n_monitors; i++) {
    if (monitors[i] >= wall->monitors->len) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID,
          "monitors: %u is not a monitor of wall %s (0 to %u)", monitors[i],
          wall->name, wall->monitors->len - 1);
      return NULL;
    }
    bits |= ce_wall_monitor_bit (monitors[i]);
  }
  if (!ce_wall_check_locks (wall, bits, owner, error))
    return NULL;
  l = g_new0 (CeWallLock, 1);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    r[i] = g_random_int ();
  l->id = g_strdup_printf ("lk-%08x%08x%08x", r[0], r[1], r[2]);
  l->owner = g_strdup (owner);
  l->expires_us = now_us + (gint64) ttl_s * G_USEC_PER_SEC;
  l->monitors = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (l->monitors, monitors, n_monitors);
  g_ptr_array_add (wall->locks, l);
  return l;
}

gboolean
ce_wall_unlock (CeWall *wall, const char *lock_id, const char *owner,
    gboolean force, GError **error)
{
  for (guint i = 0; i < wall->locks->len; i++) {
    const CeWallLock *l = g_ptr_array_index (wall->locks, i);

    if (strcmp (l->id, lock_id) != 0)
      continue;
    if (!force && g_strcmp0 (l->owner, owner) != 0) {
      g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_LOCKED,
          "Lock %s belongs to %s", l->id, l->owner);
      return FALSE;
    }
    g_ptr_array_remove_index (wall->locks, i);
    return TRUE;
  }
  g_set_error (error, CE_WALL_ERROR, CE_WALL_ERROR_NOT_FOUND,
      "Wall %s has no lock “%.64s”", wall->name, lock_id);
  return FALSE;
}

/* ---- what a wall wants warm --------------------------------------------- */

static void
want (GHashTable *set, const char *camera, CeWallProfile profile)
{
  g_hash_table_add (set,
      g_strdup_printf ("%s/%s", camera, ce_wall_profile_to_string (profile)));
}

GHashTable *
ce_wall_wanted_streams (const CeWall *wall, gboolean with_next)
{
  GHashTable *set =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < wall->monitors->len; i++) {
    const CeWallMonitor *m = g_ptr_array_index (wall->monitors, i);

    for (guint k = 0; k < m->tiles->len; k++) {
      const CeWallTile *t = g_ptr_array_index (m->tiles, k);
      CeWallProfile p = ce_wall_tile_profile (m, k);

      if (t->camera_id != NULL)
        want (set, t->camera_id, p);
      if (with_next && t->tour != NULL) {
        guint n = g_strv_length (t->tour);

        want (set, t->tour[(t->tour_position + 1) % n], p);
      }
    }
  }
  return set;
}

gboolean
ce_wall_tour_advance (CeWallTile *tile)
{
  if (tile->tour == NULL)
    return FALSE;
  tile->tour_position = (tile->tour_position + 1) % g_strv_length (tile->tour);
  g_free (tile->camera_id);
  tile->camera_id = g_strdup (tile->tour[tile->tour_position]);
  return TRUE;
}

CeWallTile *
ce_wall_get_tile (CeWall *wall, guint monitor, guint cell)
{
  CeWallMonitor *m;

  if (monitor >= wall->monitors->len)
    return NULL;
  m = g_ptr_array_index (wall->monitors, monitor);
  if (cell >= m->tiles->len)
    return NULL;
  return g_ptr_array_index (m->tiles, cell);
}
