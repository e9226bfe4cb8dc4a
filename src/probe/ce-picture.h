/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The deep picture check's analysis: from one small decoded GRAY8 picture,
 * whether it is black (dark and flat), and a signature that a later check
 * compares with to see a frozen picture.  Pure C, no GStreamer.
 */
#pragma once

#include <glib.h>

#include "ce-registry-deepcheck.h"

G_BEGIN_DECLS

/* The size the keyframe is decoded to: small, and 16:9 like most cameras
 * (other shapes are stretched, which the analysis does not mind). */
#define CE_PICTURE_WIDTH 128
#define CE_PICTURE_HEIGHT 72

/* The signature: a grid of block means, 2 × 2 pixels of the small picture
 * each (20 × 20 of a 1280 × 720 picture).  Coarser blocks lose a moving
 * OSD clock: when one digit's segments turn on where another's turn off
 * inside one block, its mean hardly moves (with 40 × 40 blocks, half of
 * the clock changes tried in tests/probe/test-picture.c stayed within the
 * tolerance; with 20 × 20 none did). */
#define CE_PICTURE_GRID_WIDTH 64
#define CE_PICTURE_GRID_HEIGHT 36

G_STATIC_ASSERT (
    CE_PICTURE_GRID_WIDTH *CE_PICTURE_GRID_HEIGHT == CE_DEEP_SIGNATURE_SIZE);

/* Black: the darkest 90 % of the picture (the brightest tenth may be the
 * camera's OSD: time, name) has a mean luma at most this … */
#define CE_PICTURE_BLACK_MEAN 40.0
/* … and a standard deviation at most this (flat: a night scene has
 * texture, a capped lens or a dead sensor only noise, which the reduction
 * to 128 × 72 averages away: it stays below 2). */
#define CE_PICTURE_BLACK_SPREAD 4.0
/* Two signatures show the same picture when no block mean differs by more
 * than this: coding noise of a repeated picture moves them by a step or
 * two; one segment of a 720p OSD digit (4 × 20 pixels, white on a scene)
 * changes its block by 8 or more. */
#define CE_PICTURE_SAME_MAX 5

typedef struct
{
  double mean;   /* luma of the darkest 90 % of the pixels, 0..255 */
  double spread; /* their standard deviation */
  guint8 signature[CE_DEEP_SIGNATURE_SIZE];
} CePictureFigures;

/**
 * ce_picture_analyse:
 * @pixels: GRAY8 rows of @width bytes each, @stride apart
 * The figures of one picture.  @width and @height must be multiples of the
 * grid size (32 × 18); FALSE otherwise.
 */
gboolean ce_picture_analyse (const guint8 *pixels, guint width, guint height,
    gsize stride, CePictureFigures *out);

gboolean ce_picture_is_black (const CePictureFigures *figures);

/* The largest difference of two signatures' block means. */
guint ce_picture_distance (const guint8 *a, const guint8 *b);

typedef struct
{
  CeDeepResult result; /* OK, BLACK or FROZEN */
  gint distance;       /* to the reference; -1 when there is none */
  /* The picture becomes the camera's reference (its signature and
   * keyframe time are stored); otherwise the reference stays. */
  gboolean new_reference;
} CePictureVerdict;

/**
 * ce_picture_judge:
 * @keyframe_at_ms: when the picture's keyframe arrived, unix ms
 * @previous: (nullable): the camera's last stored check
 * @min_interval_ms: how far apart two keyframes must be for the same
 *   picture to mean "frozen"
 * Black wins over frozen.  Frozen means: the signature matches the
 * reference taken from a keyframe at least @min_interval_ms earlier (a
 * live camera's picture changes in that time, if only its OSD clock).  A
 * reference younger than that is kept and not judged, except that a
 * camera already found frozen stays frozen while its picture still
 * matches.  With no reference the picture is OK and becomes the reference.
 */
void ce_picture_judge (const CePictureFigures *figures, gint64 keyframe_at_ms,
    const CeDeepRecord *previous, gint64 min_interval_ms,
    CePictureVerdict *out);

G_END_DECLS
