/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Admission of upstream pulls: budgets (the whole gateway, each camera,
 * each source platform) and the choice of what goes when one is full.
 * Pure GLib: the relay describes its pulls, this decides.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Why a camera is pulled, lowest first.  A pull has the priority of its
 * highest holder. */
typedef enum
{
  /* kept warm for later, serving nobody yet: a wall's presets
   * ([wall] warm_presets), the deep-check sample.  Yields to any view. */
  CE_PRIORITY_STANDBY = 0,
  CE_PRIORITY_VIEW, /* ad hoc operator view: RTSP, browser, snapshot */
  CE_PRIORITY_TOUR,
  CE_PRIORITY_PRESET,
  CE_PRIORITY_INCIDENT,
} CePriority;

#define CE_PRIORITY_N (CE_PRIORITY_INCIDENT + 1)

/* "standby", "view", "tour", "preset", "incident". */
const char *ce_priority_to_string (CePriority priority);

#define CE_ADMISSION_ERROR (ce_admission_error_quark ())
GQuark ce_admission_error_quark (void);

typedef enum
{
  CE_ADMISSION_ERROR_FULL, /* a budget is full of equal or higher priority */
} CeAdmissionError;

typedef struct _CeAdmission CeAdmission;

/* @max_pulls: the whole gateway; @max_per_camera: main and sub of one
 * camera together; 0 = unlimited. */
CeAdmission *ce_admission_new (guint max_pulls, guint max_per_camera);
void ce_admission_free (CeAdmission *adm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeAdmission, ce_admission_free)

/* Caps the pulls of cameras whose source is @source (0 = unlimited). */
void ce_admission_set_source_limit (CeAdmission *adm, const char *source,
    guint max);
guint ce_admission_get_max_pulls (const CeAdmission *adm);
guint ce_admission_get_max_per_camera (const CeAdmission *adm);
/* 0 when @source has no cap. */
guint ce_admission_get_source_limit (const CeAdmission *adm,
    const char *source);
/* (transfer container): the sources with a cap, sorted. */
GPtrArray *ce_admission_list_sources (const CeAdmission *adm);

/* One running upstream pull, as the relay sees it. */
typedef struct
{
  const char *camera_id;
  const char *source;  /* nullable: no source budget applies */
  CePriority priority; /* the highest of its holders */
  gint64 since_us;     /* when the pull started: larger is younger */
  gboolean lingering;  /* no holder left, kept for the linger time */
} CeAdmissionPull;

typedef struct
{
  guint index;  /* into the pulls given to ce_admission_decide() */
  char *budget; /* the budget it makes room in: "camera", "gateway",
                   "source/NAME" */
} CeAdmissionVictim;

void ce_admission_victim_clear (CeAdmissionVictim *victim);

/**
 * ce_admission_decide:
 * Whether a new pull of @camera_id (@source nullable) at @priority fits,
 * given the @n running @pulls.  Each full budget (the camera's first,
 * then its source's, then the gateway's) needs one pull to go: a
 * lingering one first (they serve nobody; the oldest of them), else the
 * lowest-priority pull below @priority, the youngest among equals.  Returns
 * TRUE with @victims (element-type CeAdmissionVictim, cleared by the array)
 * filled with what must be closed first (possibly none); FALSE with
 * CE_ADMISSION_ERROR_FULL naming the budget ("source 公安: 2 of 2 pulls in use
 * by equal or higher-priority views") and *@budget (nullable, transfer full)
 * set to its metric label,
 * @victims left empty.
 */
gboolean ce_admission_decide (const CeAdmission *adm,
    const CeAdmissionPull *pulls, guint n, const char *camera_id,
    const char *source, CePriority priority, GArray *victims, char **budget,
    GError **error);

/* A GArray for ce_admission_decide(). (transfer full) */
GArray *ce_admission_victims_new (void);

G_END_DECLS
