/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The last deep picture check of each camera (black or frozen picture):
 * its result, the figures of the picture, and the reference signature a
 * later check compares with to see a frozen picture.
 */
#pragma once

#include "ce-registry.h"

G_BEGIN_DECLS

/* What a deep check found.  The values are stored: never renumber. */
typedef enum
{
  CE_DEEP_OK = 1,          /* a picture that is neither black nor frozen */
  CE_DEEP_BLACK = 2,       /* dark and flat */
  CE_DEEP_FROZEN = 3,      /* the same picture as a check N s earlier */
  CE_DEEP_UNDECODABLE = 4, /* a keyframe came, the decoder refused it */
  CE_DEEP_NO_PICTURE = 5,  /* no keyframe in time (or the camera is down) */
} CeDeepResult;

#define CE_DEEP_LAST CE_DEEP_NO_PICTURE

/* "ok", "black", "frozen", "undecodable", "no_picture". */
const char *ce_deep_result_to_string (CeDeepResult result);

/* The size of a picture signature in bytes (a 64 × 36 grid of block
 * means; see src/probe/ce-picture.h). */
#define CE_DEEP_SIGNATURE_SIZE (64 * 36)

typedef struct
{
  char *camera_id;
  CeDeepResult result;
  gint64 checked_at;  /* unix seconds */
  double luma_mean;   /* 0..255, of the picture checked (0 without one) */
  double luma_spread; /* its standard deviation */
  gint distance;      /* to the reference signature; -1: not compared */
  /* The reference signature (CE_DEEP_SIGNATURE_SIZE bytes, NULL: none yet)
   * and the time its keyframe arrived, unix milliseconds. */
  GBytes *signature;
  gint64 signature_at_ms;
  char *detail; /* for people; "" when nothing to add */
} CeDeepRecord;

void ce_deep_record_free (CeDeepRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CeDeepRecord, ce_deep_record_free)

/**
 * ce_registry_record_deep_check:
 * Stores @record (its camera_id names the camera) as the camera's last
 * deep check, replacing the previous one.  On error FALSE: NOT_FOUND for
 * an unknown camera, INVALID for a signature of the wrong size,
 * READ_ONLY, DATABASE.
 */
gboolean ce_registry_record_deep_check (CeRegistry *self,
    const CeDeepRecord *record, GError **error);

/* Returns: (transfer full): the camera's last deep check, or NULL with
 * NOT_FOUND when the camera does not exist or was never checked. */
CeDeepRecord *ce_registry_dup_deep_check (CeRegistry *self, const char *id,
    GError **error);

/**
 * ce_registry_deep_check_candidates:
 * Returns: (transfer full) (element-type utf8): the ids of at most @limit
 * cameras whose status is online, the ones never deep-checked first, then
 * the ones checked longest ago; NULL on error.
 */
GPtrArray *ce_registry_deep_check_candidates (CeRegistry *self, guint limit,
    GError **error);

G_END_DECLS
