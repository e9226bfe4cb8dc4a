/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Tests for reading a camera's SDP: what gst-rtsp-server sends (recorded
 * from the camera simulator), SDPs written like those of Hikvision, Dahua
 * and Uniview cameras, the quirks seen in the field, junk, and the round
 * trip through ce_sdp_build().
 */
#include "ce-sdp.h"

#include <string.h>

/* Parameter sets of tests/data, in base64. */
#define H264_1080_SPS "Z01AKOygPAET8uAtQEBAUAAAAwAQAAADAyjxgxlg"
#define H264_1080_PPS "aOvssg=="
#define H264_720_SPS "Z0LAH9kAUAW7AWoCAgKAAAADAIAAABlHjBkk"
#define H264_720_PPS "aMuMsg=="
#define H265_1080_VPS "QAEMAf//AWAAAAMAkAAAAwAAAwB4lZgJ"
#define H265_1080_SPS \
  "QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDlllZpJMr/8AAQABagICAggAAAAwCAAAAMhA=="
#define H265_1080_PPS "RAHBcrRiQA=="

typedef struct
{
  const char *name;
  const char *sdp;
  CeCodec codec; /* UNKNOWN: refused */
  guint pt, clock_rate;
  const char *control, *session_control;
  const char *vps, *sps, *pps; /* base64 */
  guint packetization_mode, max_don_diff;
} SdpCase;

static const SdpCase cases[] = {
    /* gst-rtsp-server 1.22, recorded from the camera simulator. */
    {"gst-rtsp-server-h264",
        "v=0\r\n"
        "o=- 7589454435574696931 1 IN IP4 127.0.0.1\r\n"
        "s=Session streamed with GStreamer\r\n"
        "i=rtsp-server\r\n"
        "t=0 0\r\n"
        "a=tool:GStreamer\r\n"
        "a=type:broadcast\r\n"
        "a=control:*\r\n"
        "a=range:npt=now-\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=framerate:25\r\n"
        "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QAH6y0AoAt2AtQ"
        "EBAUAAADAAQAAAMAyjxgyoA=,aO88sA==;profile-level-id=64001f;level-"
        "asymmetry-allowed=1\r\n"
        "a=control:stream=0\r\n"
        "a=ts-refclk:local\r\n"
        "a=mediaclk:sender\r\n"
        "a=ssrc:3222807071 cname:user1058357220@host-6a7e9cc3\r\n",
        CE_CODEC_H264, 96, 90000, "stream=0", "*", NULL,
        "Z2QAH6y0AoAt2AtQEBAUAAADAAQAAAMAyjxgyoA=", "aO88sA==", 1},
    {"gst-rtsp-server-h265",
        "v=0\r\n"
        "o=- 13538147290837517653 1 IN IP4 127.0.0.1\r\n"
        "s=Session streamed with GStreamer\r\n"
        "i=rtsp-server\r\n"
        "t=0 0\r\n"
        "a=tool:GStreamer\r\n"
        "a=type:broadcast\r\n"
        "a=control:*\r\n"
        "a=range:npt=now-\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=rtpmap:96 H265/90000\r\n"
        "a=framerate:25\r\n"
        "a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwBdugJA;sprop-sps=QgEBAW"
        "AAAAMAkAAAAwAAAwBdoAKAgC0WW6Skwv/wABAAFqAgICCAAAADAIAAAAyE;sprop-pps="
        "RAHAcYMS\r\n"
        "a=control:stream=0\r\n"
        "a=ts-refclk:local\r\n"
        "a=mediaclk:sender\r\n"
        "a=ssrc:2959847165 cname:user2255225692@host-c7acb35a\r\n",
        CE_CODEC_H265, 96, 90000, "stream=0", "*",
        "QAEMAf//AWAAAAMAkAAAAwAAAwBdugJA",
        "QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WW6Skwv/wABAAFqAgICCAAAADAIAAAAyE",
        "RAHAcYMS"},
    /* Hikvision: absolute controls with a query, "; " in fmtp, audio. */
    {"hikvision-h264",
        "v=0\r\n"
        "o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64\r\n"
        "s=Media Presentation\r\n"
        "e=NONE\r\n"
        "b=AS:5050\r\n"
        "t=0 0\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/"
        "?transportmode=unicast\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:5000\r\n"
        "a=recvonly\r\n"
        "a=x-dimensions:1920,1080\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1"
        "?transportmode=unicast\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 profile-level-id=420029; packetization-mode=1; "
        "sprop-parameter-sets=" H264_1080_SPS "," H264_1080_PPS "\r\n"
        "m=audio 0 RTP/AVP 8\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:50\r\n"
        "a=recvonly\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2"
        "?transportmode=unicast\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=Media_header:MEDIAINFO=494D4B48010200000400000111710110401F00000"
        "0FA000000000000000000000000000000000000;\r\n"
        "a=appversion:1.0\r\n",
        CE_CODEC_H264, 96, 90000,
        "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1"
        "?transportmode=unicast",
        "rtsp://192.168.1.64:554/Streaming/Channels/101/"
        "?transportmode=unicast",
        NULL, H264_1080_SPS, H264_1080_PPS, 1},
    {"hikvision-h265",
        "v=0\r\n"
        "o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64\r\n"
        "s=Media Presentation\r\n"
        "e=NONE\r\n"
        "b=AS:5050\r\n"
        "t=0 0\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/"
        "?transportmode=unicast\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:5000\r\n"
        "a=recvonly\r\n"
        "a=x-dimensions:1920,1080\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1"
        "?transportmode=unicast\r\n"
        "a=rtpmap:96 H265/90000\r\n"
        "a=fmtp:96 profile-id=1; sprop-sps=" H265_1080_SPS
        "; sprop-pps=" H265_1080_PPS "; sprop-vps=" H265_1080_VPS "\r\n"
        "a=Media_header:MEDIAINFO=494D4B48010300000400050000000000000000000"
        "00000000000000000000000000000000000000000;\r\n"
        "a=appversion:1.0\r\n",
        CE_CODEC_H265, 96, 90000,
        "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1"
        "?transportmode=unicast",
        "rtsp://192.168.1.64:554/Streaming/Channels/101/"
        "?transportmode=unicast",
        H265_1080_VPS, H265_1080_SPS, H265_1080_PPS},
    /* Dahua: "*" at session level, trackID=0, private attributes. */
    {"dahua-h264",
        "v=0\r\n"
        "o=- 2251938202 2251938202 IN IP4 0.0.0.0\r\n"
        "s=Media Server\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "t=0 0\r\n"
        "a=control:*\r\n"
        "a=packetization-supported:DH\r\n"
        "a=rtppayload-supported:DH\r\n"
        "a=range:npt=now-\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=control:trackID=0\r\n"
        "a=framerate:25.000000\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1;profile-level-id=42C01F;"
        "sprop-parameter-sets=" H264_720_SPS "," H264_720_PPS "\r\n"
        "a=recvonly\r\n"
        "m=audio 0 RTP/AVP 8\r\n"
        "a=control:trackID=1\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=recvonly\r\n",
        CE_CODEC_H264, 96, 90000, "trackID=0", "*", NULL, H264_720_SPS,
        H264_720_PPS, 1},
    {"dahua-h265",
        "v=0\r\n"
        "o=- 2251938202 2251938202 IN IP4 0.0.0.0\r\n"
        "s=Media Server\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "t=0 0\r\n"
        "a=control:*\r\n"
        "a=range:npt=now-\r\n"
        "m=video 0 RTP/AVP 98\r\n"
        "a=control:trackID=0\r\n"
        "a=framerate:25.000000\r\n"
        "a=rtpmap:98 H265/90000\r\n"
        "a=fmtp:98 profile-id=1;sprop-sps=" H265_1080_SPS
        ";sprop-pps=" H265_1080_PPS ";sprop-vps=" H265_1080_VPS "\r\n"
        "a=recvonly\r\n",
        CE_CODEC_H265, 98, 90000, "trackID=0", "*", H265_1080_VPS,
        H265_1080_SPS, H265_1080_PPS},
    /* Uniview: payload type 105, ONVIF metadata after the video. */
    {"uniview-h264",
        "v=0\r\n"
        "o=- 1001 1 IN IP4 192.168.0.13\r\n"
        "s=VCP IPC Realtime stream\r\n"
        "m=video 0 RTP/AVP 105\r\n"
        "c=IN IP4 192.168.0.13\r\n"
        "a=control:rtsp://192.168.0.13/media/video1/video\r\n"
        "a=rtpmap:105 H264/90000\r\n"
        "a=fmtp:105 profile-level-id=4d0028; packetization-mode=1; "
        "sprop-parameter-sets=" H264_1080_SPS "," H264_1080_PPS "\r\n"
        "a=recvonly\r\n"
        "m=application 0 RTP/AVP 107\r\n"
        "c=IN IP4 192.168.0.13\r\n"
        "a=control:rtsp://192.168.0.13/media/video1/metadata\r\n"
        "a=rtpmap:107 vnd.onvif.metadata/90000\r\n"
        "a=fmtp:107 DecoderTag=h3c-v3 RTCP=0\r\n"
        "a=recvonly\r\n",
        CE_CODEC_H264, 105, 90000, "rtsp://192.168.0.13/media/video1/video",
        NULL, NULL, H264_1080_SPS, H264_1080_PPS, 1},
    /* Quirks: LF only, lower case, "/1", spaces around '=' and ';',
     * start codes in the sets, no padding, a set list with an SEI. */
    {"quirks-lf-lowercase",
        "v=0\n"
        "s=IPCamera\n"
        "m=video 0 RTP/AVP 96\n"
        "A=RTPMAP:96 h264/90000/1\n"
        "a=fmtp:96 Packetization-Mode = 1 ;  sprop-parameter-sets = "
        "AAAAAWdCwB/ZAFAFuwFqAgICgAAAAwCAAAAZR4wZJA , AAABaMuMsg,BgUB\n"
        "a=control: track1 \n",
        CE_CODEC_H264, 96, 90000, "track1", NULL, NULL, H264_720_SPS,
        H264_720_PPS, 1},
    /* CR only; "HEVC"; DONL announced; URL-safe base64. */
    {"quirks-cr-hevc",
        "v=0\rm=video 0 RTP/AVP 97\ra=rtpmap:97 HEVC/90000\r"
        "a=fmtp:97 "
        "sprop-max-don-diff=2;sprop-vps=QAEMAf__AWAAAAMAkAAAAwAAAwB4lZgJ;"
        "sprop-sps=" H265_1080_SPS ";sprop-pps=" H265_1080_PPS "\r"
        "a=control:trackID=1\r",
        CE_CODEC_H265, 97, 90000, "trackID=1", NULL, H265_1080_VPS,
        H265_1080_SPS, H265_1080_PPS, 0, 2},
    /* No rtpmap: the dynamic payload type's fmtp says H.264. */
    {"no-rtpmap-h264",
        "v=0\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=" H264_720_SPS
        "," H264_720_PPS "\r\n",
        CE_CODEC_H264, 96, 90000, NULL, NULL, NULL, H264_720_SPS, H264_720_PPS,
        1},
    {"no-rtpmap-h265",
        "v=0\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=fmtp:96 sprop-vps=" H265_1080_VPS ";sprop-sps=" H265_1080_SPS
        ";sprop-pps=" H265_1080_PPS "\r\n",
        CE_CODEC_H265, 96, 90000, NULL, NULL, H265_1080_VPS, H265_1080_SPS,
        H265_1080_PPS},
    /* Two video sections: MJPEG (static 26) first, then H.264; clock rate
     * missing. */
    {"mjpeg-then-h264",
        "v=0\r\n"
        "a=control:rtsp://10.1.1.1/live\r\n"
        "m=video 0 RTP/AVP 26\r\n"
        "a=control:track0\r\n"
        "m=video 0 RTP/AVP 97 96\r\n"
        "a=rtpmap:96 H264\r\n"
        "a=rtpmap:97 MP4V-ES/90000\r\n"
        "a=control:track1\r\n",
        CE_CODEC_H264, 96, 90000, "track1", "rtsp://10.1.1.1/live"},
    /* The format list says 96, the rtpmap 97. */
    {"mismatched-payload-type",
        "v=0\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=rtpmap:97 H264/90000\r\n"
        "a=fmtp:97 sprop-parameter-sets=" H264_720_SPS "," H264_720_PPS "\r\n",
        CE_CODEC_H264, 97, 90000, NULL, NULL, NULL, H264_720_SPS, H264_720_PPS},
    /* The fmtp of another payload type is not ours; junk lines; an odd
     * clock rate; bad base64 ignored. */
    {"junk",
        "garbage line\r\n"
        "v=0\r\n"
        "x\r\n"
        "=\r\n"
        "a=\r\n"
        "m=video\r\n"
        "m=video 0 RTP/AVP 96 97\r\n"
        "a=rtpmap:96 H264/45000\r\n"
        "a=rtpmap:97 H265/90000\r\n"
        "a=rtpmap:200 H265/90000\r\n"
        "a=fmtp:97 sprop-parameter-sets=" H264_720_SPS "\r\n"
        "a=fmtp:96 sprop-parameter-sets=!!!!,=,,aMuMsg==\r\n"
        "a=fmtp:96 sprop-parameter-sets=" H264_720_SPS "\r\n",
        CE_CODEC_H264, 96, 45000, NULL, NULL, NULL, NULL, H264_720_PPS},
    /* SRTP is not for us; the plain section after is. */
    {"savp-then-avp",
        "v=0\r\n"
        "m=video 0 RTP/SAVP 96\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=control:secure\r\n"
        "m=video 0 RTP/AVP/TCP 96\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=control:plain\r\n",
        CE_CODEC_H264, 96, 90000, "plain"},
    /* A control with a space and UTF-8: percent-encoded for the request
     * line. */
    {"control-encoding",
        "v=0\r\n"
        "a=control: rtsp://h/caf\xc3\xa9 \r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=control:track 1\r\n",
        CE_CODEC_H264, 96, 90000, "track%201", "rtsp://h/caf%C3%A9"},
    /* Refused. */
    {"audio-only", "v=0\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"},
    {"mjpeg-only", "v=0\r\nm=video 0 RTP/AVP 26\r\n"},
    {"mpeg4", "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\n"},
    {"static-payload-with-fmtp",
        "v=0\r\nm=video 0 RTP/AVP 34\r\na=fmtp:34 packetization-mode=1\r\n"},
    {"no-media", "v=0\r\ns=x\r\na=control:*\r\n"},
    {"h264-outside-video",
        "v=0\r\nm=application 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"},
};

static void
assert_set (GBytes *set, const char *b64)
{
  gsize size = 0;
  g_autofree guchar *expected = NULL;

  if (b64 == NULL) {
    g_assert_null (set);
    return;
  }
  expected = g_base64_decode (b64, &size);
  g_assert_nonnull (set);
  g_assert_cmpmem (g_bytes_get_data (set, NULL), g_bytes_get_size (set),
      expected, size);
}

static void
test_case (gconstpointer data)
{
  const SdpCase *c = data;
  g_autoptr (GError) error = NULL;
  CeSdpVideo v;
  gboolean ok = ce_sdp_parse_video (c->sdp, strlen (c->sdp), &v, &error);

  if (c->codec == CE_CODEC_UNKNOWN) {
    g_assert_false (ok);
    g_assert_error (error, CE_SDP_ERROR, CE_SDP_ERROR_NO_VIDEO);
    g_assert_null (v.control);
    g_assert_null (v.sps);
    g_test_message ("%s", error->message);
    return;
  }
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (v.codec, ==, c->codec);
  g_assert_cmpuint (v.payload_type, ==, c->pt);
  g_assert_cmpuint (v.clock_rate, ==, c->clock_rate);
  g_assert_cmpstr (v.control, ==, c->control);
  g_assert_cmpstr (v.session_control, ==, c->session_control);
  assert_set (v.vps, c->vps);
  assert_set (v.sps, c->sps);
  assert_set (v.pps, c->pps);
  g_assert_cmpuint (v.packetization_mode, ==, c->packetization_mode);
  g_assert_cmpuint (v.max_don_diff, ==, c->max_don_diff);
  ce_sdp_video_clear (&v);
}

/* The SDP our server writes reads back to the same parameter sets. */
static void
test_roundtrip (gconstpointer data)
{
  const char *file = data;
  gboolean h265 = g_str_has_suffix (file, ".h265");
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data",
      h265 ? "h265" : "h264", file, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *sdp = NULL;
  gsize size = 0;
  CeVideoParams params = {h265 ? CE_CODEC_H265 : CE_CODEC_H264};
  CeSdpVideo v;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  g_assert_true (
      ce_video_params_update (&params, (const guint8 *) contents, size));
  sdp = ce_sdp_build (&params, "Gate 3", "127.0.0.1", 42, "trackID=0");
  g_assert_true (ce_sdp_parse_video (sdp, strlen (sdp), &v, &error));
  g_assert_no_error (error);
  g_assert_cmpint (v.codec, ==, params.codec);
  g_assert_cmpuint (v.payload_type, ==, 96);
  g_assert_cmpuint (v.clock_rate, ==, 90000);
  g_assert_cmpstr (v.control, ==, "trackID=0");
  g_assert_cmpstr (v.session_control, ==, "*");
  g_assert_true (
      params.vps == NULL ? v.vps == NULL : g_bytes_equal (params.vps, v.vps));
  g_assert_true (g_bytes_equal (params.sps, v.sps));
  g_assert_true (g_bytes_equal (params.pps, v.pps));
  g_assert_cmpuint (v.packetization_mode, ==, h265 ? 0 : 1);
  ce_sdp_video_clear (&v);
  ce_video_params_clear (&params);
}

/* Cameras' audio sections, and what we describe them with. */
static void
test_audio (void)
{
  static const struct
  {
    const char *sdp;
    CeAudioCodec codec;
    guint pt, rate, channels;
    const char *fmtp;
  } audio_cases[] = {
      /* Hikvision: static G.711 A-law without rtpmap. */
      {"v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
       "m=audio 0 RTP/AVP 8\r\na=control:trackID=2\r\n",
          CE_AUDIO_PCMA, 8, 8000, 1, NULL},
      {"v=0\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=control:track2\r\n",
          CE_AUDIO_PCMU, 0, 8000, 1, NULL},
      /* Dahua: AAC-hbr. */
      {"v=0\nm=audio 0 RTP/AVP 97\na=rtpmap:97 mpeg4-generic/16000/2\n"
       "a=fmtp:97 streamtype=5;profile-level-id=15;mode=AAC-hbr;"
       "config=1410;SizeLength=13;IndexLength=3;IndexDeltaLength=3\n"
       "a=control:trackID=1\n",
          CE_AUDIO_AAC, 97, 16000, 2,
          "streamtype=5;profile-level-id=15;mode=AAC-hbr;config=1410;"
          "SizeLength=13;IndexLength=3;IndexDeltaLength=3"},
      {"v=0\r\nm=audio 0 RTP/AVP 98\r\na=rtpmap:98 MP4A-LATM/44100\r\n"
       "a=fmtp:98 cpresent=0;config=400024203fc0\r\na=control:a\r\n",
          CE_AUDIO_AAC_LATM, 98, 44100, 1, "cpresent=0;config=400024203fc0"},
      /* Unusable: G.726, AAC without config, absurd rate, no audio. */
      {"v=0\r\nm=audio 0 RTP/AVP 2\r\na=rtpmap:2 G726-32/8000\r\n",
          CE_AUDIO_NONE},
      {"v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/16000\r\n",
          CE_AUDIO_NONE},
      {"v=0\r\nm=audio 0 RTP/AVP 96\r\na=rtpmap:96 PCMA/9999999\r\n",
          CE_AUDIO_NONE},
      {"v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n",
          CE_AUDIO_NONE},
  };

  for (guint i = 0; i < G_N_ELEMENTS (audio_cases); i++) {
    CeSdpAudio a, back;
    gboolean ok = ce_sdp_parse_audio (audio_cases[i].sdp,
        strlen (audio_cases[i].sdp), &a);
    CeVideoParams v = {CE_CODEC_H264};
    g_autofree char *ours = NULL;

    g_assert_cmpint (ok, ==, audio_cases[i].codec != CE_AUDIO_NONE);
    g_assert_cmpint (a.codec, ==, audio_cases[i].codec);
    if (!ok)
      continue;
    g_assert_cmpuint (a.payload_type, ==, audio_cases[i].pt);
    g_assert_cmpuint (a.clock_rate, ==, audio_cases[i].rate);
    g_assert_cmpuint (a.channels, ==, audio_cases[i].channels);
    g_assert_cmpstr (a.fmtp, ==, audio_cases[i].fmtp);
    ours = ce_sdp_build_av (&v, &a, "门", "127.0.0.1", 1, "trackID=0",
        "trackID=1");
    g_assert_true (ce_sdp_parse_audio (ours, strlen (ours), &back));
    g_assert_cmpint (back.codec, ==, a.codec);
    g_assert_cmpuint (back.payload_type, ==, ce_sdp_audio_output_pt (&a));
    g_assert_cmpuint (back.clock_rate, ==, a.clock_rate);
    g_assert_cmpuint (back.channels, ==, a.channels);
    g_assert_cmpstr (back.fmtp, ==, a.fmtp);
    g_assert_cmpstr (back.control, ==, "trackID=1");
    ce_sdp_audio_clear (&back);
    ce_sdp_audio_clear (&a);
  }
}

static void
test_limits (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) big = g_string_new ("v=0\r\nm=video 0 RTP/AVP 96\r\n"
                                          "a=rtpmap:96 H264/90000\r\n");
  CeSdpVideo v;

  g_assert_false (ce_sdp_parse_video ("", 0, &v, &error));
  g_assert_error (error, CE_SDP_ERROR, CE_SDP_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ce_sdp_parse_video (NULL, 0, &v, &error));
  g_clear_error (&error);

  /* Exactly the limit is read; one byte more is refused. */
  while (big->len < CE_SDP_MAX_SIZE - 4)
    g_string_append (big, "a=x-pad:0123456789abcdef0123456789\r\n");
  g_string_truncate (big, CE_SDP_MAX_SIZE - 2);
  g_string_append (big, "\r\n");
  g_assert_cmpuint (big->len, ==, CE_SDP_MAX_SIZE);
  g_assert_true (ce_sdp_parse_video (big->str, big->len, &v, &error));
  g_assert_no_error (error);
  ce_sdp_video_clear (&v);
  g_string_append_c (big, '\n');
  g_assert_false (ce_sdp_parse_video (big->str, big->len, &v, &error));
  g_assert_error (error, CE_SDP_ERROR, CE_SDP_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Not NUL-terminated: only @len bytes are read.  NUL bytes and control
   * characters inside are junk; a control URL holding one is dropped. */
  {
    static const char text[] = "v=0\r\nm=video 0 RTP/AVP 96\r\n"
                               "a=rtpmap:96 H264/90000\r\n"
                               "a=control:tr\0ack\r\n"
                               "a=control:x\r\n"
                               "\0\0\0\xff\xfe\r\n"
                               "m=video 0 RTP/AVP 97\r\n";
    g_autofree char *copy = g_memdup2 (text, sizeof text - 1);

    g_assert_true (ce_sdp_parse_video (copy, sizeof text - 1, &v, &error));
    g_assert_null (v.control);
    ce_sdp_video_clear (&v);
    g_assert_false (ce_sdp_parse_video (copy, 30, &v, &error));
    g_assert_error (error, CE_SDP_ERROR, CE_SDP_ERROR_NO_VIDEO);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = g_strdup_printf ("/sdp/parse/%s", cases[i].name);

    g_test_add_data_func (path, &cases[i], test_case);
  }
  g_test_add_data_func ("/sdp/roundtrip/h264-high", "ps-1280x720-high.h264",
      test_roundtrip);
  g_test_add_data_func ("/sdp/roundtrip/h264-444-scaling",
      "ps-322x242-444-scaling.h264", test_roundtrip);
  g_test_add_data_func ("/sdp/roundtrip/h265", "ps-1920x1080.h265",
      test_roundtrip);
  g_test_add_data_func ("/sdp/roundtrip/h265-444", "ps-322x242-444.h265",
      test_roundtrip);
  g_test_add_func ("/sdp/limits", test_limits);
  g_test_add_func ("/sdp/audio", test_audio);
  return g_test_run ();
}
