/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The burned-in clock of --burn-clock: the wall-clock time of capture in
 * milliseconds, written into the picture as black/white blocks that
 * survive H.264/H.265 at the sub stream's size and bitrate, and read back
 * from decoded frames to measure glass-to-glass latency.
 *
 * Code: 48 bits, most significant first: the Unix time in ms modulo 2^40
 * (34.8 years), then a CRC-8 (polynomial 0x07, initial value 0xFF) of
 * those 5 bytes.  Picture: 16 columns × 3 rows of square blocks along the
 * bottom edge, block side = width / 16 rounded down to a multiple of 8
 * (40 px at 640 wide), top at height − 3 × side rounded down to a
 * multiple of 8; bit i is row i / 16, column i % 16; white (Y 235) is 1,
 * black (Y 16) is 0, chroma neutral.  A reader averages the central half
 * of each block and compares with 128.  tests/bench/latency/ has a
 * JavaScript copy of the reader for the browser; keep them in step.
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define CE_CLOCK_CODE_BITS 48
#define CE_CLOCK_CODE_COLUMNS 16
#define CE_CLOCK_CODE_ROWS 3
#define CE_CLOCK_CODE_MODULUS (G_GUINT64_CONSTANT (1) << 40)

/* Where the blocks go in a @width × @height picture; FALSE when the
 * picture is too small (under 128 × 24). */
gboolean ce_clock_code_geometry (guint width, guint height, guint *side,
    guint *y0);

/* The 8-bit check of the 40-bit @ms. */
guint8 ce_clock_code_crc (guint64 ms);

/* Paints @ms (taken modulo 2^40) into @frame (I420 or GRAY8, mapped for
 * writing).  FALSE for another format or a picture too small. */
gboolean ce_clock_code_paint (GstVideoFrame *frame, guint64 ms);

/* Reads the code from a luma plane; FALSE when there is none (no blocks,
 * or the check does not match). */
gboolean ce_clock_code_read (const guint8 *luma, gsize stride, guint width,
    guint height, guint64 *ms);

/* @now_ms − @burned_ms on the 2^40 circle, in ms (negative when the
 * burned time is ahead of @now_ms). */
gint64 ce_clock_code_age_ms (guint64 burned_ms, guint64 now_ms);

/* Installs a buffer probe on @pad (raw video, I420 or GRAY8) that paints
 * the real time (g_get_real_time ()) into every frame passing. */
void ce_clock_code_attach (GstPad *pad);

G_END_DECLS
