/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 */
#include "ce-test-streams.h"

GBytes *
ce_test_load (const char *codec_dir, const char *name)
{
  g_autofree char *path =
      g_test_build_filename (G_TEST_DIST, "data", codec_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize size = 0;

  if (!g_file_get_contents (path, &contents, &size, &error))
    g_error ("%s", error->message);
  return g_bytes_new_take (contents, size);
}

gboolean
ce_test_is_vcl (CeCodec codec, guint type)
{
  return codec == CE_CODEC_H264 ? type >= 1 && type <= 5 : type < 32;
}

GArray *
ce_test_split_aus (CeCodec codec, GBytes *stream)
{
  GArray *aus = g_array_new (FALSE, FALSE, sizeof (CeTestSpan));
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (stream, &size);
  const guint8 *au_start = NULL;
  gboolean seen_vcl = FALSE;
  CeNal nal;

  while (ce_nal_next (codec, data, size, &offset, &nal)) {
    /* The start code in front of this NAL. */
    const guint8 *sc = nal.data - 3;
    gboolean starts_au;

    if (sc > data && sc[-1] == 0)
      sc--;
    if (ce_test_is_vcl (codec, nal.type)) {
      gboolean first_slice = codec == CE_CODEC_H264 ? (nal.data[1] & 0x80) != 0
                                                    : (nal.data[2] & 0x80) != 0;

      starts_au = seen_vcl && first_slice;
    } else {
      gboolean prefix = ce_nal_is_aud (codec, nal.type) ||
          ce_nal_is_parameter_set (codec, nal.type) ||
          (codec == CE_CODEC_H264 ? nal.type == 6 : nal.type == 39);

      starts_au = seen_vcl && prefix;
    }
    if (au_start == NULL) {
      au_start = sc;
    } else if (starts_au) {
      CeTestSpan au = {au_start, sc - au_start};

      g_array_append_val (aus, au);
      au_start = sc;
      seen_vcl = FALSE;
    }
    if (ce_test_is_vcl (codec, nal.type))
      seen_vcl = TRUE;
  }
  if (au_start != NULL) {
    CeTestSpan au = {au_start, data + size - au_start};

    g_array_append_val (aus, au);
  }
  return aus;
}
