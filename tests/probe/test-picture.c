/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The deep check's picture analysis on synthetic pictures: black ones
 * (with and without an OSD), dark but real scenes, coding noise, a
 * burned-in clock that moves on, and the verdicts against a previous check.
 */
#include "ce-picture.h"

#include <string.h>

#define W CE_PICTURE_WIDTH
#define H CE_PICTURE_HEIGHT
/* Pictures are drawn at 1280 × 720 and reduced by block averaging, as the
 * decoder's scaler does. */
#define BIG_W 1280
#define BIG_H 720

typedef struct
{
  guint8 pixels[BIG_W * BIG_H];
} Big;

static void
fill_rect (Big *big, int x, int y, int w, int h, guint8 value)
{
  for (int j = MAX (0, y); j < MIN (BIG_H, y + h); j++)
    memset (big->pixels + (gsize) j * BIG_W + MAX (0, x), value,
        MIN (BIG_W, x + w) - MAX (0, x));
}

/* A seven-segment digit of 24 × 40 pixels with 4-pixel strokes, the size
 * of a 720p camera's OSD clock. */
static void
draw_digit (Big *big, int x, int y, int digit, guint8 value)
{
  /* a b c d e f g, as in the usual segment naming */
  static const guint8 segments[10] = {0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d,
      0x07, 0x7f, 0x6f};
  guint8 s = segments[digit];

  if (s & 0x01)
    fill_rect (big, x, y, 24, 4, value);
  if (s & 0x02)
    fill_rect (big, x + 20, y, 4, 20, value);
  if (s & 0x04)
    fill_rect (big, x + 20, y + 20, 4, 20, value);
  if (s & 0x08)
    fill_rect (big, x, y + 36, 24, 4, value);
  if (s & 0x10)
    fill_rect (big, x, y + 20, 4, 20, value);
  if (s & 0x20)
    fill_rect (big, x, y, 4, 20, value);
  if (s & 0x40)
    fill_rect (big, x, y + 18, 24, 4, value);
}

/* "HH:MM:SS" at the top left, white, like a camera's OSD. */
static void
draw_clock (Big *big, int seconds_of_day)
{
  int digits[6] = {seconds_of_day / 36000 % 10, seconds_of_day / 3600 % 10,
      seconds_of_day / 600 % 6, seconds_of_day / 60 % 10,
      seconds_of_day / 10 % 6, seconds_of_day % 10};

  for (int i = 0; i < 6; i++)
    draw_digit (big, 40 + i * 32 + (i / 2) * 16, 30, digits[i], 235);
}

/* A street-like scene: a gradient sky, a road, a few objects, plus seeded
 * noise of ±@noise. */
static void
draw_scene (Big *big, guint8 dark, int noise, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (int y = 0; y < BIG_H; y++)
    for (int x = 0; x < BIG_W; x++) {
      int v = dark ? dark + (x * 7 + y * 3) % 23 + ((x / 37 + y / 29) % 3) * 9
                   : 90 + y / 8 + (x / 160) * 6;

      if (noise > 0)
        v += g_rand_int_range (rand, -noise, noise + 1);
      big->pixels[y * BIG_W + x] = (guint8) CLAMP (v, 0, 255);
    }
  if (!dark) {
    fill_rect (big, 300, 400, 200, 120, 60);
    fill_rect (big, 800, 380, 90, 200, 200);
  }
}

static void
reduce (const Big *big, guint8 *small)
{
  const int bx = BIG_W / W, by = BIG_H / H;

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      guint sum = 0;

      for (int j = 0; j < by; j++)
        for (int i = 0; i < bx; i++)
          sum += big->pixels[(y * by + j) * BIG_W + x * bx + i];
      small[y * W + x] = (guint8) ((sum + bx * by / 2) / (bx * by));
    }
}

static void
analyse_big (const Big *big, CePictureFigures *out)
{
  guint8 small[W * H];

  reduce (big, small);
  g_assert_true (ce_picture_analyse (small, W, H, W, out));
}

static void
test_black (void)
{
  g_autofree Big *big = g_new0 (Big, 1);
  CePictureFigures f;

  /* Video-range black (Y = 16) and full-range black. */
  memset (big->pixels, 16, sizeof (big->pixels));
  analyse_big (big, &f);
  g_assert_cmpfloat (f.mean, ==, 16.0);
  g_assert_cmpfloat (f.spread, ==, 0.0);
  g_assert_true (ce_picture_is_black (&f));
  memset (big->pixels, 0, sizeof (big->pixels));
  analyse_big (big, &f);
  g_assert_true (ce_picture_is_black (&f));

  /* A capped lens still shows the OSD clock and some sensor noise. */
  draw_scene (big, 0, 0, 1);
  memset (big->pixels, 18, sizeof (big->pixels));
  draw_clock (big, 12 * 3600 + 34 * 60 + 56);
  fill_rect (big, 900, 660, 320, 40, 235); /* the camera's name */
  analyse_big (big, &f);
  g_test_message ("capped lens with OSD: mean %.1f spread %.1f", f.mean,
      f.spread);
  g_assert_true (ce_picture_is_black (&f));
}

static void
test_not_black (void)
{
  g_autofree Big *big = g_new0 (Big, 1);
  CePictureFigures f;

  /* A dark night street: dark, but with texture. */
  draw_scene (big, 12, 6, 2);
  analyse_big (big, &f);
  g_test_message ("night scene: mean %.1f spread %.1f", f.mean, f.spread);
  g_assert_cmpfloat (f.mean, <=, CE_PICTURE_BLACK_MEAN);
  g_assert_false (ce_picture_is_black (&f));

  /* Flat but grey (fog, a wall): not dark. */
  memset (big->pixels, 128, sizeof (big->pixels));
  analyse_big (big, &f);
  g_assert_false (ce_picture_is_black (&f));

  /* A day scene. */
  draw_scene (big, 0, 3, 3);
  analyse_big (big, &f);
  g_assert_false (ce_picture_is_black (&f));
}

static void
test_signature (void)
{
  g_autofree Big *a = g_new0 (Big, 1);
  g_autofree Big *b = g_new0 (Big, 1);
  CePictureFigures fa, fb;
  int t = 12 * 3600 + 34 * 60 + 56;

  /* The same frozen picture, encoded twice: coding noise only. */
  draw_scene (a, 0, 4, 10);
  draw_clock (a, t);
  draw_scene (b, 0, 4, 11);
  draw_clock (b, t);
  analyse_big (a, &fa);
  analyse_big (b, &fb);
  g_test_message ("noise only: distance %u",
      ce_picture_distance (fa.signature, fb.signature));
  g_assert_cmpuint (ce_picture_distance (fa.signature, fb.signature), <=,
      CE_PICTURE_SAME_MAX);

  /* A live camera: only the OSD clock moved on, by a few seconds or a
   * minute. */
  for (guint i = 0; i < 6; i++) {
    static const int later[] = {1, 3, 5, 10, 11, 60};

    draw_scene (b, 0, 4, 11);
    draw_clock (b, t + later[i]);
    analyse_big (b, &fb);
    g_test_message ("clock +%d s: distance %u", later[i],
        ce_picture_distance (fa.signature, fb.signature));
    g_assert_cmpuint (ce_picture_distance (fa.signature, fb.signature), >,
        CE_PICTURE_SAME_MAX);
  }
}

static void
test_sizes (void)
{
  guint8 small[W * H + 64];
  CePictureFigures f;

  memset (small, 77, sizeof (small));
  /* A stride wider than the rows, and other multiples of the grid. */
  g_assert_true (ce_picture_analyse (small, 64, 36, 80, &f));
  g_assert_cmpfloat (f.mean, ==, 77.0);
  g_assert_cmpuint (f.signature[0], ==, 77);
  g_assert_false (ce_picture_analyse (small, 100, 72, 100, &f));
  g_assert_false (ce_picture_analyse (small, 128, 70, 128, &f));
  g_assert_false (ce_picture_analyse (small, 128, 72, 64, &f));
}

static CeDeepRecord *
previous_check (const CePictureFigures *f, CeDeepResult result, gint64 at_ms)
{
  CeDeepRecord *r = g_new0 (CeDeepRecord, 1);

  r->camera_id = g_strdup ("31011300001320000001");
  r->result = result;
  r->signature = g_bytes_new (f->signature, sizeof (f->signature));
  r->signature_at_ms = at_ms;
  return r;
}

static void
test_judge (void)
{
  g_autofree Big *big = g_new0 (Big, 1);
  CePictureFigures scene, moved, black;
  CePictureVerdict v;
  const gint64 t0 = 1700000000000, n = 10000;

  draw_scene (big, 0, 0, 20);
  draw_clock (big, 100);
  analyse_big (big, &scene);
  draw_clock (big, 111);
  analyse_big (big, &moved);
  memset (big->pixels, 16, sizeof (big->pixels));
  analyse_big (big, &black);

  /* Nothing to compare with: ok, and the reference. */
  ce_picture_judge (&scene, t0, NULL, n, &v);
  g_assert_cmpint (v.result, ==, CE_DEEP_OK);
  g_assert_cmpint (v.distance, ==, -1);
  g_assert_true (v.new_reference);

  {
    g_autoptr (CeDeepRecord) prev = previous_check (&scene, CE_DEEP_OK, t0);
    g_autoptr (CeDeepRecord) frozen =
        previous_check (&scene, CE_DEEP_FROZEN, t0);
    g_autoptr (CeDeepRecord) none = previous_check (&scene, CE_DEEP_OK, t0);

    /* The same picture N s later: frozen. */
    ce_picture_judge (&scene, t0 + n, prev, n, &v);
    g_assert_cmpint (v.result, ==, CE_DEEP_FROZEN);
    g_assert_cmpint (v.distance, ==, 0);
    g_assert_true (v.new_reference);
    /* The clock moved: ok. */
    ce_picture_judge (&moved, t0 + n, prev, n, &v);
    g_assert_cmpint (v.result, ==, CE_DEEP_OK);
    g_assert_cmpint (v.distance, >, CE_PICTURE_SAME_MAX);
    /* Too soon (the same cached keyframe, or a GOP later): no verdict,
     * the reference stays … */
    ce_picture_judge (&scene, t0 + n - 1, prev, n, &v);
    g_assert_cmpint (v.result, ==, CE_DEEP_OK);
    g_assert_false (v.new_reference);
    /* … but frozen stays frozen while the picture has not changed. */
    ce_picture_judge (&scene, t0 + 2000, frozen, n, &v);
    g_assert_cmpint (v.result, ==, CE_DEEP_FROZEN);
    ce_picture_judge (&moved, t0 + 2000, frozen, n, &v);
    g_assert_cmpint (v.result, ==, CE_DEEP_OK);
    /* Black wins; a black camera is also the same picture. */
    ce_picture_judge (&black, t0 + n, prev, n, &v);
    g_assert_cmpint (v.result, ==, CE_DEEP_BLACK);
    /* A stored check without a picture has no reference. */
    g_clear_pointer (&none->signature, g_bytes_unref);
    ce_picture_judge (&scene, t0 + n, none, n, &v);
    g_assert_cmpint (v.result, ==, CE_DEEP_OK);
    g_assert_cmpint (v.distance, ==, -1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/picture/black", test_black);
  g_test_add_func ("/picture/not-black", test_not_black);
  g_test_add_func ("/picture/signature", test_signature);
  g_test_add_func ("/picture/sizes", test_sizes);
  g_test_add_func ("/picture/judge", test_judge);
  return g_test_run ();
}
