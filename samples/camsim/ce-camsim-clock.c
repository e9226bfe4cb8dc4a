/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The burned-in clock: see ce-camsim-clock.h for the code and layout.
 */
#include "ce-camsim-clock.h"

#include <string.h>

#define WHITE 235
#define BLACK 16

gboolean
ce_clock_code_geometry (guint width, guint height, guint *side, guint *y0)
{
  guint s = (width / CE_CLOCK_CODE_COLUMNS) & ~7u;

  if (s < 8 || height < CE_CLOCK_CODE_ROWS * s)
    return FALSE;
  *side = s;
  *y0 = (height - CE_CLOCK_CODE_ROWS * s) & ~7u;
  return TRUE;
}

guint8
ce_clock_code_crc (guint64 ms)
{
  guint8 crc = 0xff;

  for (int i = 4; i >= 0; i--) {
    crc ^= (guint8) (ms >> (8 * i));
    for (int b = 0; b < 8; b++)
      crc = (guint8) (crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
  }
  return crc;
}

static guint64
code_of (guint64 ms)
{
  ms %= CE_CLOCK_CODE_MODULUS;
  return (ms << 8) | ce_clock_code_crc (ms);
}

static void
fill (guint8 *plane, gsize stride, guint x, guint y, guint w, guint h,
    guint8 value)
{
  for (guint r = 0; r < h; r++)
    memset (plane + (gsize) (y + r) * stride + x, value, w);
}

gboolean
ce_clock_code_paint (GstVideoFrame *frame, guint64 ms)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (frame);
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint64 code = code_of (ms);
  guint side, y0;

  if ((format != GST_VIDEO_FORMAT_I420 && format != GST_VIDEO_FORMAT_GRAY8) ||
      !ce_clock_code_geometry (width, height, &side, &y0))
    return FALSE;
  for (guint i = 0; i < CE_CLOCK_CODE_BITS; i++) {
    guint x = (i % CE_CLOCK_CODE_COLUMNS) * side;
    guint y = y0 + (i / CE_CLOCK_CODE_COLUMNS) * side;
    gboolean one = (code >> (CE_CLOCK_CODE_BITS - 1 - i)) & 1;

    fill (GST_VIDEO_FRAME_PLANE_DATA (frame, 0),
        GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0), x, y, side, side,
        one ? WHITE : BLACK);
    if (format == GST_VIDEO_FORMAT_I420) {
      for (guint p = 1; p <= 2; p++)
        fill (GST_VIDEO_FRAME_PLANE_DATA (frame, p),
            GST_VIDEO_FRAME_PLANE_STRIDE (frame, p), x / 2, y / 2, side / 2,
            side / 2, 128);
    }
  }
  return TRUE;
}

gboolean
ce_clock_code_read (const guint8 *luma, gsize stride, guint width, guint height,
    guint64 *ms)
{
  guint64 code = 0;
  guint side, y0, m;

  if (!ce_clock_code_geometry (width, height, &side, &y0))
    return FALSE;
  m = side / 4;
  for (guint i = 0; i < CE_CLOCK_CODE_BITS; i++) {
    guint x = (i % CE_CLOCK_CODE_COLUMNS) * side + m;
    guint y = y0 + (i / CE_CLOCK_CODE_COLUMNS) * side + m;
    guint64 sum = 0;

    for (guint r = 0; r < side / 2; r++)
      for (guint c = 0; c < side / 2; c++)
        sum += luma[(gsize) (y + r) * stride + x + c];
    code = (code << 1) | (sum > 128u * (side / 2) * (side / 2));
  }
  if (ce_clock_code_crc (code >> 8) != (guint8) (code & 0xff))
    return FALSE;
  *ms = code >> 8;
  return TRUE;
}

gint64
ce_clock_code_age_ms (guint64 burned_ms, guint64 now_ms)
{
  guint64 d;

  now_ms %= CE_CLOCK_CODE_MODULUS;
  d = (now_ms + CE_CLOCK_CODE_MODULUS - burned_ms % CE_CLOCK_CODE_MODULUS) %
      CE_CLOCK_CODE_MODULUS;
  return d < CE_CLOCK_CODE_MODULUS / 2
      ? (gint64) d
      : (gint64) d - (gint64) CE_CLOCK_CODE_MODULUS;
}

static GstPadProbeReturn
paint_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstVideoInfo *vinfo = data;
  GstBuffer *buffer;
  GstVideoFrame frame;

  if (GST_VIDEO_INFO_FORMAT (vinfo) == GST_VIDEO_FORMAT_UNKNOWN) {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

    if (caps == NULL || !gst_video_info_from_caps (vinfo, caps))
      return GST_PAD_PROBE_OK;
  }
  buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (gst_video_frame_map (&frame, vinfo, buffer, GST_MAP_WRITE)) {
    ce_clock_code_paint (&frame, (guint64) (g_get_real_time () / 1000));
    gst_video_frame_unmap (&frame);
  }
  return GST_PAD_PROBE_OK;
}

void
ce_clock_code_attach (GstPad *pad)
{
  GstVideoInfo *vinfo = gst_video_info_new ();

  /* The format is read from the pad's caps at the first frame (a caps
   * change would need a new probe: the simulator's caps are fixed). */
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, paint_probe, vinfo,
      (GDestroyNotify) gst_video_info_free);
}
