/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Importing inventory files into the registry: one transaction for all the
 * files of one import, a report of every rejected record, nothing
 * half-applied.
 */
#pragma once

#include "ce-geo.h"
#include "ce-import.h"
#include "ce-registry.h"

G_BEGIN_DECLS

typedef enum
{
  CE_IMPORT_MODE_UPSERT,      /* insert new ids, update known ones */
  CE_IMPORT_MODE_INSERT_ONLY, /* known ids are rejected */
  CE_IMPORT_MODE_REPLACE_ALL, /* upsert, then delete cameras not in input */
} CeImportMode;

gboolean ce_import_mode_from_string (const char *str, CeImportMode *out);

typedef struct
{
  CeImportMode mode;
  CeCrs crs;               /* of the coordinates in the files */
  const char *encoding;    /* NULL = detect */
  CeSource default_source; /* for records without one; NONE = reject */
  gboolean dry_run;        /* do everything, then roll back */
  gboolean strict;         /* any rejected record refuses the import */
  CeProgressFunc progress; /* nullable: bytes of the current file */
  gpointer user_data;
} CeImportOptions;

void ce_import_options_init (CeImportOptions *options);

typedef struct
{
  char *where; /* "line 12", "catalog.xml: document 2 item 7" */
  char *id;    /* nullable */
  char *reason;
} CeImportReject;

typedef struct
{
  guint records;
  guint inserted;
  guint updated;
  guint unchanged;
  guint rejected;
  guint deleted;      /* replace-all only */
  gboolean applied;   /* committed (FALSE for dry runs and refusals) */
  GPtrArray *rejects; /* (element-type CeImportReject) */
  GPtrArray *notes;   /* (element-type utf8) skipped items, and why */
} CeImportReport;

void ce_import_report_free (CeImportReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeImportReport, ce_import_report_free)

typedef struct _CeImporter CeImporter;

/* Starts a transaction on @registry.  Returns: (transfer full). */
CeImporter *ce_importer_new (CeRegistry *registry,
    const CeImportOptions *options, GError **error);

/**
 * ce_importer_add_stream:
 * @name: (nullable): shown before record positions when several files are
 *   imported together
 * Parses one file into the pending transaction.  A fatal parse error
 * returns FALSE; the importer can then only be freed (which rolls back).
 */
gboolean ce_importer_add_stream (CeImporter *self, GInputStream *in,
    const char *name, CeFormat format, GCancellable *cancellable,
    GError **error);

/**
 * ce_importer_finish:
 * Commits (or, for dry runs, rolls back) and returns the report.  With
 * strict set and any record rejected, rolls back and returns FALSE with
 * INVALID, still filling @report.
 */
gboolean ce_importer_finish (CeImporter *self, CeImportReport **report,
    GError **error);

/* Rolls back an unfinished import. */
void ce_importer_free (CeImporter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeImporter, ce_importer_free)

G_END_DECLS
