/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The import driver: parse → normalise → validate → upsert, all inside one
 * transaction, with a report of every record that was not taken.
 */
#include "ce-registry-import.h"

#include <math.h>
#include <string.h>

struct _CeImporter
{
  CeRegistry *registry; /* owned */
  CeImportOptions options;
  char *encoding;
  CeImportReport *report;
  GHashTable *seen;    /* id → where it was first seen */
  const char *current; /* name of the file being read, nullable */
  gboolean in_tx;
  gboolean failed;
  GError *record_error; /* a database failure inside the record callback */
};

/* 9-digit 街镇 codes of 宝山区 (GB/T 10114 统计用区划代码), used to fill in
 * the street of records that carry only a civil code.  The 罗泾镇 and
 * 淞南镇 codes are not confirmed by a primary source. */
static const struct
{
  const char *code;
  const char *street;
} baoshan_streets[] = {
    {"310113003", "友谊路街道"},
    {"310113007", "吴淞街道"},
    {"310113008", "张庙街道"},
    {"310113101", "罗店镇"},
    {"310113102", "大场镇"},
    {"310113103", "杨行镇"},
    {"310113104", "月浦镇"},
    {"310113106", "罗泾镇"},
    {"310113109", "顾村镇"},
    {"310113111", "高境镇"},
    {"310113112", "庙行镇"},
    {"310113113", "淞南镇"},
};

gboolean
ce_import_mode_from_string (const char *str, CeImportMode *out)
{
  if (g_strcmp0 (str, "upsert") == 0)
    *out = CE_IMPORT_MODE_UPSERT;
  else if (g_strcmp0 (str, "insert-only") == 0)
    *out = CE_IMPORT_MODE_INSERT_ONLY;
  else if (g_strcmp0 (str, "replace-all") == 0)
    *out = CE_IMPORT_MODE_REPLACE_ALL;
  else
    return FALSE;
  return TRUE;
}

void
ce_import_options_init (CeImportOptions *options)
{
  memset (options, 0, sizeof (*options));
  options->mode = CE_IMPORT_MODE_UPSERT;
  options->crs = CE_CRS_WGS84;
  options->default_source = CE_SOURCE_NONE;
}

static void
reject_free (CeImportReject *reject)
{
  g_free (reject->where);
  g_free (reject->id);
  g_free (reject->reason);
  g_free (reject);
}

void
ce_import_report_free (CeImportReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->rejects);
  g_ptr_array_unref (report->notes);
  g_free (report);
}

static CeImportReport *
report_new (void)
{
  CeImportReport *report = g_new0 (CeImportReport, 1);

  report->rejects =
      g_ptr_array_new_with_free_func ((GDestroyNotify) reject_free);
  report->notes = g_ptr_array_new_with_free_func (g_free);
  return report;
}

CeImporter *
ce_importer_new (CeRegistry *registry, const CeImportOptions *options,
    GError **error)
{
  CeImporter *self;

  g_return_val_if_fail (CE_IS_REGISTRY (registry), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  if (!ce_registry_begin (registry, error))
    return NULL;
  if (!ce_registry_begin_bulk (registry, error)) {
    ce_registry_rollback (registry);
    return NULL;
  }
  self = g_new0 (CeImporter, 1);
  self->registry = g_object_ref (registry);
  self->options = *options;
  self->encoding = g_strdup (options->encoding);
  self->options.encoding = self->encoding;
  self->report = report_new ();
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->in_tx = TRUE;
  return self;
}

void
ce_importer_free (CeImporter *self)
{
  if (self == NULL)
    return;
  if (self->in_tx)
    ce_registry_rollback (self->registry);
  g_object_unref (self->registry);
  g_free (self->encoding);
  ce_import_report_free (self->report);
  g_hash_table_unref (self->seen);
  g_clear_error (&self->record_error);
  g_free (self);
}

static char *
where_in_file (CeImporter *self, const char *where)
{
  if (self->current != NULL)
    return g_strdup_printf ("%s: %s", self->current, where);
  return g_strdup (where);
}

static void
add_reject (CeImporter *self, const char *where, const char *id,
    const char *reason)
{
  CeImportReject *reject = g_new0 (CeImportReject, 1);

  reject->where = where_in_file (self, where);
  reject->id = id != NULL && *id != '\0' ? g_utf8_make_valid (id, -1) : NULL;
  reject->reason = g_strdup (reason);
  g_ptr_array_add (self->report->rejects, reject);
  self->report->rejected++;
}

/* Brings a parsed record to the registry's conventions before validation:
 * trimmed text, WGS-84 coordinates, credentials out of URLs, a street from
 * the civil code, the default source. */
static void
normalise (CeImporter *self, CeCamera *camera)
{
  char **texts[] = {&camera->id, &camera->name, &camera->street,
      &camera->civil_code, &camera->address, &camera->rtsp_url,
      &camera->rtsp_url_sub, &camera->tags};

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++) {
    if (*texts[i] != NULL) {
      g_strstrip (*texts[i]);
      if (**texts[i] == '\0')
        g_clear_pointer (texts[i], g_free);
    }
  }
  if (camera->source == CE_SOURCE_NONE)
    camera->source = self->options.default_source;
  if (self->options.crs != CE_CRS_WGS84 && !isnan (camera->lon) &&
      !isnan (camera->lat) && !(camera->lon == 0 && camera->lat == 0))
    ce_geo_convert (self->options.crs, CE_CRS_WGS84, camera->lon, camera->lat,
        &camera->lon, &camera->lat);
  ce_camera_take_url_credentials (camera);
  if (camera->street == NULL && camera->civil_code != NULL) {
    for (gsize i = 0; i < G_N_ELEMENTS (baoshan_streets); i++)
      if (strcmp (camera->civil_code, baoshan_streets[i].code) == 0)
        camera->street = g_strdup (baoshan_streets[i].street);
  }
}

static gboolean
on_record (CeCamera *camera_in, const char *where, const char *problem,
    gpointer user_data, GError **error)
{
  CeImporter *self = user_data;
  g_autoptr (CeCamera) camera = camera_in;
  g_autoptr (GError) local = NULL;
  const char *first;
  CePutResult result;

  self->report->records++;
  if (camera == NULL || problem != NULL) {
    add_reject (self, where, camera != NULL ? camera->id : NULL,
        problem != NULL ? problem : "not a camera record");
    return TRUE;
  }
  normalise (self, camera);
  if (!ce_camera_validate (camera, &local)) {
    add_reject (self, where, camera->id, local->message);
    return TRUE;
  }
  first = g_hash_table_lookup (self->seen, camera->id);
  if (first != NULL) {
    g_autofree char *reason = g_strdup_printf (
        "duplicate id %s, first seen at %s", camera->id, first);
    add_reject (self, where, camera->id, reason);
    return TRUE;
  }
  g_hash_table_insert (self->seen, g_strdup (camera->id),
      where_in_file (self, where));

  if (!ce_registry_put_camera (self->registry, camera,
          self->options.mode != CE_IMPORT_MODE_INSERT_ONLY, &result, &local)) {
    if (g_error_matches (local, CE_REGISTRY_ERROR,
            CE_REGISTRY_ERROR_DUPLICATE)) {
      add_reject (self, where, camera->id,
          "already registered (insert-only import)");
      return TRUE;
    }
    /* A database failure ends the import: nothing is applied. */
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", where);
    return FALSE;
  }
  switch (result) {
    case CE_PUT_INSERTED:
      self->report->inserted++;
      break;
    case CE_PUT_UPDATED:
      self->report->updated++;
      break;
    case CE_PUT_UNCHANGED:
    default:
      self->report->unchanged++;
      break;
  }
  return TRUE;
}

static void
on_note (const char *where, const char *note, gpointer user_data)
{
  CeImporter *self = user_data;
  g_autofree char *w = where_in_file (self, where);

  g_ptr_array_add (self->report->notes, g_strdup_printf ("%s: %s", w, note));
}

/* The caller's progress callback gets the caller's data. */
static void
on_progress (goffset bytes, gpointer user_data)
{
  CeImporter *self = user_data;

  self->options.progress (bytes, self->options.user_data);
}

gboolean
ce_importer_add_stream (CeImporter *self, GInputStream *in, const char *name,
    CeFormat format, GCancellable *cancellable, GError **error)
{
  CeImportParser parser = {0};
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->failed, FALSE);

  parser.format = format;
  parser.encoding = self->options.encoding;
  parser.record = on_record;
  parser.note = on_note;
  parser.progress = self->options.progress != NULL ? on_progress : NULL;
  parser.user_data = self;
  self->current = name;
  ok = ce_import_parse (in, &parser, cancellable, error);
  self->current = NULL;
  if (!ok) {
    self->failed = TRUE;
    if (name != NULL)
      g_prefix_error (error, "%s: ", name);
  }
  return ok;
}

/* replace-all: delete every camera the input did not mention.  Ids that
 * appeared only in rejected records are kept: a typo in one row must not
 * delete a working camera. */
static gboolean
delete_unseen (CeImporter *self, GError **error)
{
  g_autoptr (GHashTable) keep = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer id;
  guint deleted = 0;

  g_hash_table_iter_init (&iter, self->seen);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_hash_table_add (keep, id);
  for (guint i = 0; i < self->report->rejects->len; i++) {
    CeImportReject *r = g_ptr_array_index (self->report->rejects, i);

    if (r->id != NULL)
      g_hash_table_add (keep, r->id);
  }
  if (!ce_registry_remove_all_except (self->registry, keep, &deleted, error))
    return FALSE;
  self->report->deleted = deleted;
  return TRUE;
}

gboolean
ce_importer_finish (CeImporter *self, CeImportReport **report, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->in_tx, FALSE);

  if (self->failed) {
    g_set_error_literal (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID,
        "The import failed earlier; nothing was applied");
    return FALSE;
  }
  if (self->options.strict && self->report->rejected > 0) {
    self->in_tx = FALSE;
    ce_registry_rollback (self->registry);
    if (report != NULL)
      *report = g_steal_pointer (&self->report);
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID,
        "%u record(s) rejected; --strict refuses the whole import, nothing "
        "was applied",
        report != NULL ? (*report)->rejected : self->report->rejected);
    return FALSE;
  }
  if (!ce_registry_end_bulk (self->registry, error))
    return FALSE;
  if (self->options.mode == CE_IMPORT_MODE_REPLACE_ALL &&
      !delete_unseen (self, error))
    return FALSE;

  self->in_tx = FALSE;
  if (self->options.dry_run) {
    ce_registry_rollback (self->registry);
    self->report->applied = FALSE;
  } else {
    if (!ce_registry_commit (self->registry, error))
      return FALSE;
    self->report->applied = TRUE;
  }
  if (report != NULL)
    *report = g_steal_pointer (&self->report);
  return TRUE;
}
