/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Video walls, their presets and incidents in the registry.  A wall's
 * state is an opaque text (the wall model's JSON) with a revision: every
 * update names the revision it was made against and bumps it, so that two
 * operators cannot silently overwrite each other.
 */
#pragma once

#include "ce-registry.h"

G_BEGIN_DECLS

typedef struct
{
  char *name;
  char *title;
  guint rows, cols;
  gint64 revision;
  char *state;
  gint64 updated_at; /* unix seconds */
  char *updated_by;
} CeWallRecord;

void ce_wall_record_free (CeWallRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeWallRecord, ce_wall_record_free)

/* Inserts at revision 0; DUPLICATE when the name exists. */
gboolean ce_registry_add_wall (CeRegistry *self, const CeWallRecord *wall,
    GError **error);
/* Returns: (transfer full): the wall, or %NULL with NOT_FOUND. */
CeWallRecord *ce_registry_dup_wall (CeRegistry *self, const char *name,
    GError **error);
/* Returns: (transfer full) (element-type CeWallRecord): by name. */
GPtrArray *ce_registry_list_walls (CeRegistry *self, GError **error);

/**
 * ce_registry_update_wall:
 * Stores @state as the wall's new state if its revision is still
 * @revision, and sets it to @revision + 1 (*new_revision).  CONFLICT
 * (with the current revision in *new_revision) when it moved on,
 * NOT_FOUND for an unknown wall.
 */
gboolean ce_registry_update_wall (CeRegistry *self, const char *name,
    gint64 revision, const char *state, const char *user, gint64 *new_revision,
    GError **error);
/* The wall and its presets; NOT_FOUND when there is no such wall. */
gboolean ce_registry_remove_wall (CeRegistry *self, const char *name,
    GError **error);

typedef struct
{
  char *wall;
  char *name;
  char *title;
  char *monitors; /* the wall model's monitors array, JSON */
  gint64 updated_at;
  char *updated_by;
} CePresetRecord;

void ce_preset_record_free (CePresetRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CePresetRecord, ce_preset_record_free)

/* Insert or replace; NOT_FOUND when the wall does not exist. */
gboolean ce_registry_put_preset (CeRegistry *self, const CePresetRecord *preset,
    GError **error);
CePresetRecord *ce_registry_dup_preset (CeRegistry *self, const char *wall,
    const char *name, GError **error);
GPtrArray *ce_registry_list_presets (CeRegistry *self, const char *wall,
    GError **error);
gboolean ce_registry_remove_preset (CeRegistry *self, const char *wall,
    const char *name, GError **error);

typedef struct
{
  char *id;
  char *kind;
  char *title;
  double lon, lat; /* WGS-84 */
  double radius_m;
  char *cameras;  /* comma separated ids, nearest first */
  char *wall;     /* "" when no wall region was taken over */
  char *takeover; /* what the region showed before (monitors JSON) */
  gint64 opened_at, closed_at; /* unix seconds; closed_at 0 = open */
  char *opened_by, *closed_by;
} CeIncidentRecord;

void ce_incident_record_free (CeIncidentRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeIncidentRecord, ce_incident_record_free)

gboolean ce_registry_add_incident (CeRegistry *self,
    const CeIncidentRecord *incident, GError **error);
CeIncidentRecord *ce_registry_dup_incident (CeRegistry *self, const char *id,
    GError **error);
/* Newest first; @open_only skips closed ones; @limit 0 = all. */
GPtrArray *ce_registry_list_incidents (CeRegistry *self, gboolean open_only,
    guint limit, GError **error);
/* CONFLICT when it is closed already, NOT_FOUND when unknown. */
gboolean ce_registry_close_incident (CeRegistry *self, const char *id,
    const char *user, gint64 at, GError **error);

G_END_DECLS
