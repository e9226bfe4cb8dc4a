/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The table of simulated cameras, their faults and their counters.
 */
#include "ce-camsim-cameras.h"

#include <string.h>

struct _CeCamsimCameras
{
  GMutex lock;
  GHashTable *by_name; /* name → CeCamsimCamera, protected by lock */
  CeCamsimCodec default_codec;
  guint default_slow_ms;
  GArray *shares; /* CeCamsimShare, immutable */
};

static void
camera_free (CeCamsimCamera *camera)
{
  g_free (camera->name);
  g_free (camera);
}

CeCamsimCameras *
ce_camsim_cameras_new (CeCamsimCodec default_codec, guint default_slow_ms,
    const CeCamsimShare *shares, guint n_shares)
{
  CeCamsimCameras *self = g_new0 (CeCamsimCameras, 1);

  g_mutex_init (&self->lock);
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) camera_free);
  self->default_codec = default_codec;
  self->default_slow_ms = default_slow_ms;
  self->shares = g_array_new (FALSE, FALSE, sizeof (CeCamsimShare));
  if (shares != NULL)
    g_array_append_vals (self->shares, shares, n_shares);
  return self;
}

void
ce_camsim_cameras_free (CeCamsimCameras *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_name);
  g_array_unref (self->shares);
  g_mutex_clear (&self->lock);
  g_free (self);
}

CeCamsimFaultMode
ce_camsim_cameras_share_fault (CeCamsimCameras *self, const char *name)
{
  double u, edge = 0.0;

  g_return_val_if_fail (self != NULL, CE_CAMSIM_FAULT_NONE);
  g_return_val_if_fail (name != NULL, CE_CAMSIM_FAULT_NONE);

  /* Consecutive intervals of [0, 1), one per share, in the order given:
   * the same name always lands in the same interval. */
  u = ce_camsim_name_unit_hash (name);
  for (guint i = 0; i < self->shares->len; i++) {
    const CeCamsimShare *share =
        &g_array_index (self->shares, CeCamsimShare, i);

    edge += share->share;
    if (u < edge)
      return share->mode;
  }
  return CE_CAMSIM_FAULT_NONE;
}

CeCamsimCamera *
ce_camsim_cameras_get (CeCamsimCameras *self, const char *name)
{
  CeCamsimCamera *camera;

  g_return_val_if_fail (self != NULL, NULL);

  if (!ce_camsim_name_is_valid (name))
    return NULL;

  g_mutex_lock (&self->lock);
  camera = g_hash_table_lookup (self->by_name, name);
  if (camera == NULL) {
    camera = g_new0 (CeCamsimCamera, 1);
    camera->name = g_strdup (name);
    camera->codec = ce_camsim_codec_for_name (name, self->default_codec);
    camera->hash = ce_camsim_name_hash (name);
    camera->mode = ce_camsim_cameras_share_fault (self, name);
    for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++)
      camera->streams[p].variant =
          (gint) ce_camsim_variant_for_fault ((CeCamsimFaultMode) camera->mode);
    camera->slow_ms = self->default_slow_ms;
    g_hash_table_insert (self->by_name, camera->name, camera);
  }
  g_mutex_unlock (&self->lock);
  return camera;
}

void
ce_camsim_cameras_set_fault (CeCamsimCameras *self, CeCamsimCamera *camera,
    CeCamsimFaultMode mode, int slow_ms)
{
  gint variant;

  g_return_if_fail (self != NULL);
  g_return_if_fail (camera != NULL);

  g_atomic_int_set (&camera->slow_ms,
      slow_ms > 0 ? slow_ms : (int) self->default_slow_ms);
  /* Drop is an action, not a state: the camera keeps working afterwards. */
  g_atomic_int_set (&camera->mode,
      mode == CE_CAMSIM_FAULT_DROP ? CE_CAMSIM_FAULT_NONE : mode);
  variant = (gint) ce_camsim_variant_for_fault (mode);
  for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++)
    g_atomic_int_set (&camera->streams[p].variant, variant);
}

void
ce_camsim_cameras_reset (CeCamsimCameras *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    CeCamsimCamera *camera = value;

    CeCamsimFaultMode share =
        ce_camsim_cameras_share_fault (self, camera->name);

    g_atomic_int_set (&camera->mode, share);
    g_atomic_int_set (&camera->slow_ms, self->default_slow_ms);
    g_atomic_int_set (&camera->refused, 0);
    g_atomic_int_set (&camera->tarpitted, 0);
    g_atomic_int_set (&camera->dropped, 0);
    g_atomic_int_set (&camera->auth_failures, 0);
    for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++) {
      CeCamsimStreamStats *s = &camera->streams[p];

      /* The active counts describe live objects and must stay balanced. */
      g_atomic_int_set (&s->connections_total, 0);
      g_atomic_int_set (&s->media_created, 0);
      g_atomic_int_set (&s->frames_sent, 0);
      g_atomic_int_set (&s->keyframe_requests, 0);
      g_atomic_int_set (&s->variant, ce_camsim_variant_for_fault (share));
    }
  }
  g_mutex_unlock (&self->lock);
}

static void
add_stream_members (JsonBuilder *builder, CeCamsimStreamStats *s)
{
  json_builder_set_member_name (builder, "connections_total");
  json_builder_add_int_value (builder,
      (guint) g_atomic_int_get (&s->connections_total));
  json_builder_set_member_name (builder, "connections_active");
  json_builder_add_int_value (builder,
      g_atomic_int_get (&s->connections_active));
  json_builder_set_member_name (builder, "media_created");
  json_builder_add_int_value (builder,
      (guint) g_atomic_int_get (&s->media_created));
  json_builder_set_member_name (builder, "media_active");
  json_builder_add_int_value (builder, g_atomic_int_get (&s->media_active));
  json_builder_set_member_name (builder, "frames_sent");
  json_builder_add_int_value (builder,
      (guint) g_atomic_int_get (&s->frames_sent));
  json_builder_set_member_name (builder, "keyframe_requests");
  json_builder_add_int_value (builder,
      (guint) g_atomic_int_get (&s->keyframe_requests));
}

static void
add_camera (JsonBuilder *builder, CeCamsimCamera *camera)
{
  CeCamsimStreamStats sum = {0};
  g_autofree char *path = g_strconcat ("/cam/", camera->name, NULL);
  CeCamsimFaultMode mode = ce_camsim_camera_get_mode (camera);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, camera->name);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "codec");
  json_builder_add_string_value (builder,
      ce_camsim_codec_to_string (camera->codec));
  json_builder_set_member_name (builder, "fault");
  json_builder_add_string_value (builder, ce_camsim_fault_to_string (mode));
  if (mode == CE_CAMSIM_FAULT_SLOW) {
    json_builder_set_member_name (builder, "slow_ms");
    json_builder_add_int_value (builder, g_atomic_int_get (&camera->slow_ms));
  }

  /* Camera totals first, so that a test can read one number per path. */
  for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++) {
    CeCamsimStreamStats *s = &camera->streams[p];

    sum.connections_total += g_atomic_int_get (&s->connections_total);
    sum.connections_active += g_atomic_int_get (&s->connections_active);
    sum.media_created += g_atomic_int_get (&s->media_created);
    sum.media_active += g_atomic_int_get (&s->media_active);
    sum.frames_sent += g_atomic_int_get (&s->frames_sent);
    sum.keyframe_requests += g_atomic_int_get (&s->keyframe_requests);
  }
  add_stream_members (builder, &sum);
  json_builder_set_member_name (builder, "refused");
  json_builder_add_int_value (builder, g_atomic_int_get (&camera->refused));
  json_builder_set_member_name (builder, "tarpitted");
  json_builder_add_int_value (builder, g_atomic_int_get (&camera->tarpitted));
  json_builder_set_member_name (builder, "dropped");
  json_builder_add_int_value (builder, g_atomic_int_get (&camera->dropped));
  json_builder_set_member_name (builder, "auth_failures");
  json_builder_add_int_value (builder,
      g_atomic_int_get (&camera->auth_failures));

  json_builder_set_member_name (builder, "profiles");
  json_builder_begin_object (builder);
  for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++) {
    CeCamsimStreamStats *s = &camera->streams[p];

    json_builder_set_member_name (builder,
        ce_camsim_profile_to_string ((CeCamsimProfile) p));
    json_builder_begin_object (builder);
    add_stream_members (builder, s);
    json_builder_set_member_name (builder, "resized");
    json_builder_add_boolean_value (builder,
        g_atomic_int_get (&s->variant) == CE_CAMSIM_VARIANT_RESIZED);
    json_builder_end_object (builder);
  }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

JsonNode *
ce_camsim_camera_to_json (CeCamsimCamera *camera)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (camera != NULL, NULL);

  add_camera (builder, camera);
  return json_builder_get_root (builder);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  const CeCamsimCamera *ca = *(CeCamsimCamera *const *) a;
  const CeCamsimCamera *cb = *(CeCamsimCamera *const *) b;

  return strcmp (ca->name, cb->name);
}

JsonNode *
ce_camsim_cameras_to_json (CeCamsimCameras *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GPtrArray) cameras = g_ptr_array_new ();
  gint64 connections_active = 0, media_active = 0;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (cameras, value);
  g_mutex_unlock (&self->lock);
  /* Records are never freed while the table lives, so the pointers stay
   * valid without the lock. */
  g_ptr_array_sort (cameras, compare_names);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cameras");
  json_builder_begin_object (builder);
  for (guint i = 0; i < cameras->len; i++) {
    CeCamsimCamera *camera = g_ptr_array_index (cameras, i);
    g_autofree char *path = g_strconcat ("/cam/", camera->name, NULL);

    for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++) {
      connections_active +=
          g_atomic_int_get (&camera->streams[p].connections_active);
      media_active += g_atomic_int_get (&camera->streams[p].media_active);
    }
    json_builder_set_member_name (builder, path);
    add_camera (builder, camera);
  }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "cameras_seen");
  json_builder_add_int_value (builder, cameras->len);
  json_builder_set_member_name (builder, "connections_active");
  json_builder_add_int_value (builder, connections_active);
  json_builder_set_member_name (builder, "media_active");
  json_builder_add_int_value (builder, media_active);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
