/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Black and frozen pictures: luma figures, block-mean signatures, and the
 * verdict of one deep check against the camera's previous one.
 */
#include "ce-picture.h"

#include <math.h>
#include <string.h>

gboolean
ce_picture_analyse (const guint8 *pixels, guint width, guint height,
    gsize stride, CePictureFigures *out)
{
  guint64 histogram[256] = {0};
  guint64 total, keep, taken = 0;
  double sum = 0, sum2 = 0, n = 0;
  guint bw, bh;

  g_return_val_if_fail (pixels != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (width == 0 || height == 0 || width % CE_PICTURE_GRID_WIDTH != 0 ||
      height % CE_PICTURE_GRID_HEIGHT != 0 || stride < width)
    return FALSE;
  bw = width / CE_PICTURE_GRID_WIDTH;
  bh = height / CE_PICTURE_GRID_HEIGHT;

  memset (out, 0, sizeof (*out));
  for (guint gy = 0; gy < CE_PICTURE_GRID_HEIGHT; gy++) {
    for (guint gx = 0; gx < CE_PICTURE_GRID_WIDTH; gx++) {
      guint block = 0;

      for (guint y = gy * bh; y < (gy + 1) * bh; y++) {
        const guint8 *row = pixels + (gsize) y * stride + gx * bw;

        for (guint x = 0; x < bw; x++) {
          block += row[x];
          histogram[row[x]]++;
        }
      }
      /* Rounded, so that noise around a .5 does not flip a step. */
      out->signature[gy * CE_PICTURE_GRID_WIDTH + gx] =
          (guint8) ((block + bw * bh / 2) / (bw * bh));
    }
  }

  /* The darkest 90 %: an OSD (white text, up to a tenth of the picture)
   * must not make a black picture look bright or textured. */
  total = (guint64) width * height;
  keep = total - total / 10;
  for (guint v = 0; v < 256 && taken < keep; v++) {
    guint64 count = MIN (histogram[v], keep - taken);

    sum += (double) v * count;
    sum2 += (double) v * v * count;
    n += count;
    taken += count;
  }
  out->mean = sum / n;
  out->spread = sqrt (MAX (0.0, sum2 / n - out->mean * out->mean));
  return TRUE;
}

gboolean
ce_picture_is_black (const CePictureFigures *figures)
{
  g_return_val_if_fail (figures != NULL, FALSE);

  return figures->mean <= CE_PICTURE_BLACK_MEAN &&
      figures->spread <= CE_PICTURE_BLACK_SPREAD;
}

guint
ce_picture_distance (const guint8 *a, const guint8 *b)
{
  guint worst = 0;

  g_return_val_if_fail (a != NULL && b != NULL, G_MAXUINT);

  for (guint i = 0; i < CE_DEEP_SIGNATURE_SIZE; i++)
    worst = MAX (worst, (guint) ABS ((int) a[i] - (int) b[i]));
  return worst;
}

void
ce_picture_judge (const CePictureFigures *figures, gint64 keyframe_at_ms,
    const CeDeepRecord *previous, gint64 min_interval_ms, CePictureVerdict *out)
{
  gboolean has_reference, old_enough, same = FALSE;

  g_return_if_fail (figures != NULL);
  g_return_if_fail (out != NULL);

  out->result = CE_DEEP_OK;
  out->distance = -1;
  out->new_reference = TRUE;

  has_reference = previous != NULL && previous->signature != NULL &&
      g_bytes_get_size (previous->signature) == CE_DEEP_SIGNATURE_SIZE;
  if (has_reference) {
    old_enough = keyframe_at_ms - previous->signature_at_ms >= min_interval_ms;
    out->distance = (gint) ce_picture_distance (figures->signature,
        g_bytes_get_data (previous->signature, NULL));
    same = out->distance <= CE_PICTURE_SAME_MAX;
    if (old_enough) {
      if (same)
        out->result = CE_DEEP_FROZEN;
    } else {
      /* Too close to tell a frozen camera from a live one: keep the
       * reference for a later check. */
      out->new_reference = FALSE;
      if (same && previous->result == CE_DEEP_FROZEN)
        out->result = CE_DEEP_FROZEN;
    }
  }
  if (ce_picture_is_black (figures))
    out->result = CE_DEEP_BLACK;
}
