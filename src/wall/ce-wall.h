/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The command-hall video wall as a pure model: monitors in rows × columns,
 * each split by a layout into cells, a tile per cell showing one camera (or
 * a tour of cameras) or nothing; region locks; the tile-size → profile
 * rule; JSON in and out.  No GStreamer, no database, no clock of its own.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CE_WALL_ERROR (ce_wall_error_quark ())
GQuark ce_wall_error_quark (void);

typedef enum
{
  CE_WALL_ERROR_INVALID,   /* malformed or out of range; message names it */
  CE_WALL_ERROR_LOCKED,    /* a monitor is locked by someone else */
  CE_WALL_ERROR_NOT_FOUND, /* no such monitor or lock */
} CeWallError;

/* Upper bounds on what a wall may hold. */
#define CE_WALL_MAX_ROWS 16
#define CE_WALL_MAX_COLS 16
#define CE_WALL_MAX_GRID 8       /* custom layouts: cells on an 8 × 8 grid */
#define CE_WALL_MAX_CELLS 64     /* per monitor */
#define CE_WALL_MAX_TOUR 64      /* cameras in one tour */
#define CE_WALL_MAX_DWELL_S 3600 /* a tour's dwell, at most one hour */
#define CE_WALL_MAX_LOCKS 64
#define CE_WALL_MAX_NAME 64 /* names and lock owners, bytes */
#define CE_WALL_MAX_TITLE 256

/* What a tile asks the relay for.  AUTO follows the tile's size. */
typedef enum
{
  CE_WALL_PROFILE_AUTO,
  CE_WALL_PROFILE_MAIN,
  CE_WALL_PROFILE_SUB,
} CeWallProfile;

/* A cell covering at least this share of its monitor shows the main
 * stream under AUTO; smaller cells the sub stream (the relay serves the
 * main stream to a camera that has no sub stream). */
#define CE_WALL_MAIN_MIN_SHARE 0.4

typedef struct
{
  guint x, y, w, h; /* in grid units */
} CeWallCell;

typedef struct
{
  char *camera_id; /* NULL: empty tile */
  CeWallProfile profile;
  char *incident;      /* set while an incident holds this tile; nullable */
  GStrv tour;          /* NULL, or the tour's cameras (≥ 2) */
  guint dwell_s;       /* with tour */
  guint tour_position; /* index in tour of camera_id */
} CeWallTile;

typedef struct
{
  char *layout;     /* "1", "4", "9", "16", "1+5", "1+7" or "custom" */
  guint grid;       /* cells live on a grid × grid square */
  GArray *cells;    /* CeWallCell */
  GPtrArray *tiles; /* CeWallTile, one per cell */
} CeWallMonitor;

typedef struct
{
  char *id;
  char *owner;
  gint64 expires_us; /* real time */
  GArray *monitors;  /* guint indexes */
} CeWallLock;

typedef struct
{
  char *name;  /* [a-z0-9_-], 1–64 */
  char *title; /* UTF-8 */
  guint rows, cols;
  gint64 revision;
  GPtrArray *monitors; /* CeWallMonitor, rows × cols, row-major */
  GPtrArray *locks;    /* CeWallLock */
} CeWall;

/* Names of walls, presets, incidents and locks in URLs: 1–64 bytes of
 * [A-Za-z0-9_-]. */
gboolean ce_wall_name_valid (const char *name, const char *what,
    GError **error);

/* A new wall, every monitor "1" and empty, revision 0.
 * Returns: (transfer full): the wall, or %NULL with INVALID. */
CeWall *ce_wall_new (const char *name, const char *title, guint rows,
    guint cols, GError **error);
CeWall *ce_wall_copy (const CeWall *wall);
void ce_wall_free (CeWall *wall);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeWall, ce_wall_free)

/* The cells of a standard layout on its grid; FALSE for an unknown name
 * (or "custom"). */
gboolean ce_wall_layout_cells (const char *layout, guint *grid, GArray *cells);

/* The profile a tile of @monitor's cell @cell plays: its own unless
 * AUTO, else MAIN for a cell covering ≥ CE_WALL_MAIN_MIN_SHARE of the
 * monitor, SUB otherwise. */
CeWallProfile ce_wall_tile_profile (const CeWallMonitor *monitor, guint cell);
const char *ce_wall_profile_to_string (CeWallProfile profile);

/**
 * ce_wall_set_monitors:
 * @monitors: a JSON array of {"index", "layout", "cells"?, "tiles"?}
 * Replaces the monitors named by "index" (the others stay as they are).
 * Tiles are null, a camera id string, or {"camera_id", "profile",
 * "tour": {"cameras": [...], "dwell_s"}}; fewer tiles than cells leave
 * the rest empty.  Tours shorter than @min_dwell_s are INVALID.  On error
 * (INVALID, naming the member) @wall is left as it was.  *touched
 * (nullable) gets a bit per monitor replaced (monitors ≥ 64 share bit 63).
 */
gboolean ce_wall_set_monitors (CeWall *wall, JsonArray *monitors,
    guint min_dwell_s, guint64 *touched, GError **error);

/* The monitors (all of them, or those in @touched) as the array that
 * ce_wall_set_monitors() reads.  (transfer full) */
JsonNode *ce_wall_monitors_to_json (const CeWall *wall, guint64 touched);

/* The whole wall for the API: name, title, rows, cols, revision,
 * monitors (each tile with its effective profile), locks. */
JsonNode *ce_wall_to_json (const CeWall *wall);

/* Parses @text (NUL-terminated) as one JSON value opening with @open
 * ('{' or '['), behind the project's guard in front of json-glib
 * (ce-json-check.h).  Returns: (transfer full): the value, or %NULL. */
JsonNode *ce_wall_json_parse (const char *text, char open);

/* The stored state (monitors and locks) as text, and back.  Returns:
 * (transfer full) the wall, or %NULL with INVALID for a damaged text. */
char *ce_wall_state_to_string (const CeWall *wall);
CeWall *ce_wall_from_state (const char *name, const char *title, guint rows,
    guint cols, gint64 revision, const char *state, GError **error);

/* Locks: a region is a set of monitors.  Expired locks are dropped by
 * ce_wall_expire_locks(). */
gboolean ce_wall_expire_locks (CeWall *wall, gint64 now_us);
/* LOCKED naming the owner when a monitor in @touched is locked by another
 * owner than @owner. */
gboolean ce_wall_check_locks (const CeWall *wall, guint64 touched,
    const char *owner, GError **error);
/* Returns: (transfer none): the new lock, or %NULL with LOCKED (another
 * owner holds one of the monitors) or INVALID. */
const CeWallLock *ce_wall_lock (CeWall *wall, const char *owner,
    const guint *monitors, guint n_monitors, guint ttl_s, gint64 now_us,
    GError **error);
/* NOT_FOUND for an unknown lock; LOCKED when @owner does not hold it and
 * @force is FALSE. */
gboolean ce_wall_unlock (CeWall *wall, const char *lock_id, const char *owner,
    gboolean force, GError **error);

/* A bit per monitor index, as @touched above. */
guint64 ce_wall_monitor_bit (guint index);

/* Every camera shown now, and every tour's next camera (what a wall wants
 * warm): "camera_id/main" or "camera_id/sub" keys.  (transfer full) */
GHashTable *ce_wall_wanted_streams (const CeWall *wall, gboolean with_next);

/* Moves a tile's tour to its next camera (the caller's clock decides
 * when).  Returns FALSE when the tile has no tour. */
gboolean ce_wall_tour_advance (CeWallTile *tile);

/* The tile at (monitor, cell), or NULL. */
CeWallTile *ce_wall_get_tile (CeWall *wall, guint monitor, guint cell);

G_END_DECLS
