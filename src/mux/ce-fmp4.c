/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * ISO BMFF init segments and fragments for one video track.
 */
#include "ce-fmp4.h"

#include "ce-mux-private.h"

/* ISO/IEC 14496-12 8.8.3.1: sample_depends_on 2 (an I picture) for sync
 * samples; depends_on 1 and sample_is_non_sync_sample for the others. */
#define SAMPLE_FLAGS_SYNC 0x02000000
#define SAMPLE_FLAGS_DELTA 0x01010000

static void
put_matrix (GByteArray *out)
{
  static const guint32 unity[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0,
      0x40000000};

  for (guint i = 0; i < 9; i++)
    ce_put32 (out, unity[i]);
}

static void
put_sample_entry (GByteArray *out, const CeVideoParams *params, GBytes *config)
{
  gboolean hevc = params->codec == CE_CODEC_H265;
  gsize entry, box;
  guint8 compressor[32] = {0};
  const char *name = hevc ? "cityeye HEVC" : "cityeye AVC";

  entry = ce_box_begin (out, hevc ? "hvc1" : "avc1");
  ce_put_zeros (out, 6);  /* reserved */
  ce_put16 (out, 1);      /* data_reference_index */
  ce_put_zeros (out, 16); /* pre_defined, reserved, pre_defined[3] */
  ce_put16 (out, params->width);
  ce_put16 (out, params->height);
  ce_put32 (out, 0x00480000); /* 72 dpi */
  ce_put32 (out, 0x00480000);
  ce_put32 (out, 0); /* reserved */
  ce_put16 (out, 1); /* frame_count */
  compressor[0] = strlen (name);
  memcpy (compressor + 1, name, compressor[0]);
  g_byte_array_append (out, compressor, sizeof compressor);
  ce_put16 (out, 0x0018); /* depth */
  ce_put16 (out, 0xffff); /* pre_defined = -1 */
  box = ce_box_begin (out, hevc ? "hvcC" : "avcC");
  g_byte_array_append (out, g_bytes_get_data (config, NULL),
      g_bytes_get_size (config));
  ce_box_end (out, box);
  ce_box_end (out, entry);
}

GBytes *
ce_fmp4_init_segment (const CeVideoParams *params, GError **error)
{
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GByteArray) out = NULL;
  gsize ftyp, moov, trak, mdia, minf, dinf, dref, stbl, stsd, box, mvex;

  g_return_val_if_fail (params != NULL, NULL);

  config = ce_codec_config_new (params, error);
  if (config == NULL)
    return NULL;
  if (params->width == 0 || params->height == 0 || params->width > 0xffff ||
      params->height > 0xffff) {
    g_set_error (error, CE_MUX_ERROR, CE_MUX_ERROR_PARAMS,
        "The %s sequence parameter set gives no picture size",
        ce_codec_to_string (params->codec));
    return NULL;
  }
  out = g_byte_array_sized_new (1024);

  ftyp = ce_box_begin (out, "ftyp");
  g_byte_array_append (out, (const guint8 *) "iso5", 4); /* major_brand */
  ce_put32 (out, 512);                                   /* minor_version */
  g_byte_array_append (out, (const guint8 *) "iso5iso6mp41", 12);
  ce_box_end (out, ftyp);

  moov = ce_box_begin (out, "moov");
  box = ce_fullbox_begin (out, "mvhd", 0, 0);
  ce_put32 (out, 0);          /* creation_time */
  ce_put32 (out, 0);          /* modification_time */
  ce_put32 (out, 1000);       /* timescale */
  ce_put32 (out, 0);          /* duration: unknown (fragmented) */
  ce_put32 (out, 0x00010000); /* rate 1.0 */
  ce_put16 (out, 0x0100);     /* volume 1.0 */
  ce_put_zeros (out, 10);     /* reserved */
  put_matrix (out);
  ce_put_zeros (out, 24);               /* pre_defined */
  ce_put32 (out, CE_FMP4_TRACK_ID + 1); /* next_track_ID */
  ce_box_end (out, box);

  trak = ce_box_begin (out, "trak");
  box = ce_fullbox_begin (out, "tkhd", 0, 0x3); /* enabled, in movie */
  ce_put32 (out, 0);                            /* creation_time */
  ce_put32 (out, 0);                            /* modification_time */
  ce_put32 (out, CE_FMP4_TRACK_ID);
  ce_put32 (out, 0);     /* reserved */
  ce_put32 (out, 0);     /* duration */
  ce_put_zeros (out, 8); /* reserved */
  ce_put16 (out, 0);     /* layer */
  ce_put16 (out, 0);     /* alternate_group */
  ce_put16 (out, 0);     /* volume: video */
  ce_put16 (out, 0);     /* reserved */
  put_matrix (out);
  ce_put32 (out, params->width << 16);
  ce_put32 (out, params->height << 16);
  ce_box_end (out, box);

  mdia = ce_box_begin (out, "mdia");
  box = ce_fullbox_begin (out, "mdhd", 0, 0);
  ce_put32 (out, 0); /* creation_time */
  ce_put32 (out, 0); /* modification_time */
  ce_put32 (out, CE_FMP4_TIMESCALE);
  ce_put32 (out, 0);      /* duration */
  ce_put16 (out, 0x55c4); /* language "und" */
  ce_put16 (out, 0);      /* pre_defined */
  ce_box_end (out, box);
  box = ce_fullbox_begin (out, "hdlr", 0, 0);
  ce_put32 (out, 0); /* pre_defined */
  g_byte_array_append (out, (const guint8 *) "vide", 4);
  ce_put_zeros (out, 12); /* reserved */
  g_byte_array_append (out, (const guint8 *) "VideoHandler", 13);
  ce_box_end (out, box);

  minf = ce_box_begin (out, "minf");
  box = ce_fullbox_begin (out, "vmhd", 0, 1);
  ce_put_zeros (out, 8); /* graphicsmode, opcolor */
  ce_box_end (out, box);
  dinf = ce_box_begin (out, "dinf");
  dref = ce_fullbox_begin (out, "dref", 0, 0);
  ce_put32 (out, 1);                          /* entry_count */
  box = ce_fullbox_begin (out, "url ", 0, 1); /* media in this file */
  ce_box_end (out, box);
  ce_box_end (out, dref);
  ce_box_end (out, dinf);

  stbl = ce_box_begin (out, "stbl");
  stsd = ce_fullbox_begin (out, "stsd", 0, 0);
  ce_put32 (out, 1); /* entry_count */
  put_sample_entry (out, params, config);
  ce_box_end (out, stsd);
  /* Empty sample tables: the samples are in the fragments. */
  box = ce_fullbox_begin (out, "stts", 0, 0);
  ce_put32 (out, 0);
  ce_box_end (out, box);
  box = ce_fullbox_begin (out, "stsc", 0, 0);
  ce_put32 (out, 0);
  ce_box_end (out, box);
  box = ce_fullbox_begin (out, "stsz", 0, 0);
  ce_put32 (out, 0); /* sample_size */
  ce_put32 (out, 0); /* sample_count */
  ce_box_end (out, box);
  box = ce_fullbox_begin (out, "stco", 0, 0);
  ce_put32 (out, 0);
  ce_box_end (out, box);
  ce_box_end (out, stbl);
  ce_box_end (out, minf);
  ce_box_end (out, mdia);
  ce_box_end (out, trak);

  mvex = ce_box_begin (out, "mvex");
  box = ce_fullbox_begin (out, "trex", 0, 0);
  ce_put32 (out, CE_FMP4_TRACK_ID);
  ce_put32 (out, 1); /* default_sample_description_index */
  ce_put32 (out, 0); /* default_sample_duration */
  ce_put32 (out, 0); /* default_sample_size */
  ce_put32 (out, 0); /* default_sample_flags */
  ce_box_end (out, box);
  ce_box_end (out, mvex);
  ce_box_end (out, moov);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Writes moof + mdat header into @out for payloads of the given sizes. */
static void
put_fragment_head (GByteArray *out, guint32 sequence, guint64 base_decode_time,
    const CeFmp4Sample *samples, guint n_samples, gsize payload)
{
  gsize moof, traf, box, data_offset_at;

  moof = ce_box_begin (out, "moof");
  box = ce_fullbox_begin (out, "mfhd", 0, 0);
  ce_put32 (out, sequence);
  ce_box_end (out, box);
  traf = ce_box_begin (out, "traf");
  box = ce_fullbox_begin (out, "tfhd", 0, 0x020000); /* default-base-is-moof */
  ce_put32 (out, CE_FMP4_TRACK_ID);
  ce_box_end (out, box);
  box = ce_fullbox_begin (out, "tfdt", 1, 0);
  ce_put64 (out, base_decode_time);
  ce_box_end (out, box);
  /* data-offset, sample-duration, sample-size, sample-flags present */
  box = ce_fullbox_begin (out, "trun", 0, 0x000701);
  ce_put32 (out, n_samples);
  data_offset_at = out->len;
  ce_put32 (out, 0);
  for (guint i = 0; i < n_samples; i++) {
    ce_put32 (out, samples[i].duration);
    ce_put32 (out, samples[i].size);
    ce_put32 (out,
        samples[i].keyframe ? SAMPLE_FLAGS_SYNC : SAMPLE_FLAGS_DELTA);
  }
  ce_box_end (out, box);
  ce_box_end (out, traf);
  ce_box_end (out, moof);
  ce_set32 (out, data_offset_at, out->len - moof + 8);
  /* A 32-bit mdat: fragments of a camera stream stay far below 4 GiB. */
  ce_put32 (out, 8 + payload);
  g_byte_array_append (out, (const guint8 *) "mdat", 4);
}

GBytes *
ce_fmp4_fragment_head (guint32 sequence, guint64 base_decode_time,
    const CeFmp4Sample *samples, guint n_samples)
{
  GByteArray *out;
  gsize payload = 0;

  g_return_val_if_fail (samples != NULL || n_samples == 0, NULL);

  for (guint i = 0; i < n_samples; i++)
    payload += samples[i].size;
  out = g_byte_array_sized_new (112 + 12 * n_samples);
  put_fragment_head (out, sequence, base_decode_time, samples, n_samples,
      payload);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
ce_fmp4_fragment (CeCodec codec, guint32 sequence, guint64 base_decode_time,
    const CeFmp4Sample *samples, guint n_samples)
{
  g_autoptr (GByteArray) payload = NULL;
  g_autofree CeFmp4Sample *sized = NULL;
  GByteArray *out;
  gsize annexb = 0;

  g_return_val_if_fail (samples != NULL || n_samples == 0, NULL);

  for (guint i = 0; i < n_samples; i++)
    annexb += samples[i].size;
  /* Length prefixes replace start codes: the payload is at most the Annex
   * B size plus one byte per NAL, so this rarely reallocates. */
  payload = g_byte_array_sized_new (annexb + annexb / 64 + 16);
  sized = g_new (CeFmp4Sample, MAX (n_samples, 1));
  for (guint i = 0; i < n_samples; i++) {
    sized[i] = samples[i];
    sized[i].size = ce_au_append_length_prefixed (codec, samples[i].data,
        samples[i].size, payload);
  }
  out = g_byte_array_sized_new (112 + 12 * n_samples + payload->len);
  put_fragment_head (out, sequence, base_decode_time, sized, n_samples,
      payload->len);
  g_byte_array_append (out, payload->data, payload->len);
  return g_byte_array_free_to_bytes (out);
}

char *
ce_fmp4_mime_type (const CeVideoParams *params)
{
  g_autofree char *codecs = NULL;

  g_return_val_if_fail (params != NULL, NULL);

  codecs = ce_video_params_codec_string (params);
  if (codecs == NULL)
    return NULL;
  return g_strdup_printf ("video/mp4; codecs=\"%s\"", codecs);
}
