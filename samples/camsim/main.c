/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeye-camsim: serves any number of simulated RTSP cameras for the relay
 * tests and benchmarks, with faults controlled over HTTP.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib-unix.h>
#include <gst/gst.h>

#include "ce-camsim-cameras.h"
#include "ce-camsim-control.h"
#include "ce-camsim-lite.h"
#include "ce-camsim-loop.h"
#include "ce-camsim-private.h"
#include "ce-camsim-server.h"
#include "ce-camsim-ticker.h"

#define PROGRAM "cityeye-camsim"

#define USAGE_ERROR 2
#define RUNTIME_ERROR 1

static const char description[] =
    "Every path /cam/NAME (NAME: 1 to 64 of A-Z a-z 0-9 _ . -) is a camera;\n"
    "add ?profile=sub for its smaller sub stream.  Names ending in -h265 or\n"
    "-h264 use that codec, the others --codec.  Each camera+profile is one\n"
    "shared media, whoever connects.  A new media starts wherever the\n"
    "camera's own clock is in its GOP, as real cameras do, so a first viewer\n"
    "may wait up to one GOP for a picture; --start-at-idr starts every new\n"
    "media at a keyframe instead.  With --keyframe-on-request a camera\n"
    "answers a client's RTCP keyframe request (PLI or FIR, RFC 4585/5104)\n"
    "with a keyframe at its next frame, as encoders that honour them do\n"
    "(gst engine only).\n"
    "\n"
    "Once listening it prints one line and flushes it:\n"
    "  camsim: rtsp=127.0.0.1:8554 control=127.0.0.1:8555\n"
    "\n"
    "Control port (HTTP):\n"
    "  GET  /stats                 counters of every camera seen, by path\n"
    "  GET  /cam/NAME              one camera\n"
    "  POST /cam/NAME/fault        mode=MODE [ms=N]\n"
    "  POST /reset                 clear faults and counters\n"
    "  GET  /healthz\n"
    "Fault modes: none, refuse (503 to DESCRIBE/SETUP; alias offline),\n"
    "drop (close the camera's connections now), stall (sessions stay, no\n"
    "media), resize (switch to 3/4 size, new SPS), auth (Digest, user admin),\n"
    "slow (delay each response by ms, new connections), tarpit (new\n"
    "connections are accepted and never answered), black (black picture),\n"
    "frozen (the same still picture in every frame).\n"
    "\n"
    "Examples:\n"
    "  " PROGRAM "\n"
    "  " PROGRAM " --port 0 --control-port 0 --size 640x360 --sub-size "
    "320x180\n"
    "  " PROGRAM " --codec h265 --gop 1 --bitrate 4000 --start-at-idr\n"
    "  " PROGRAM " --fault gate-3=auth --fault lobby=slow:2000\n"
    "  " PROGRAM " --share-offline 0.05 --share-auth 0.02 --share-slow 0.01 "
    "--share-tarpit 0.01\n"
    "  " PROGRAM " --burn-id --size 640x360      (at most ~10 cameras)\n"
    "  " PROGRAM " --burn-clock                  (glass-to-glass latency)\n"
    "  ffprobe rtsp://127.0.0.1:8554/cam/gate-3?profile=sub\n"
    "  curl -d mode=stall http://127.0.0.1:8555/cam/gate-3/fault\n"
    "  curl http://127.0.0.1:8555/stats?pretty=1\n"
    "\n"
    "GST_DEBUG=cityeye-camsim:5 logs what the simulator does.";

typedef struct
{
  char *name;
  CeCamsimFaultMode mode;
  int slow_ms;
} StartupFault;

static void
startup_fault_free (StartupFault *fault)
{
  g_free (fault->name);
  g_free (fault);
}

typedef struct
{
  CeCamsimConfig config;
  GPtrArray *faults; /* StartupFault */
  GArray *shares;    /* CeCamsimShare */
  gboolean lite;     /* --engine=cityeye */
} Options;

static void
options_clear (Options *options)
{
  g_free (options->config.address);
  g_free (options->config.auth_user);
  g_free (options->config.auth_password);
  g_clear_pointer (&options->faults, g_ptr_array_unref);
  g_clear_pointer (&options->shares, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse_uint (const char *text, guint64 min, guint64 max, guint *out,
    const char *what, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "%s: not a number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
        ": “%s”",
        what, min, max, text);
    return FALSE;
  }
  *out = (guint) value;
  return TRUE;
}

static gboolean
check_range (int value, int min, int max, const char *what, GError **error)
{
  if (value < min || value > max) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "%s: expected a number from %d to %d, got %d", what, min, max, value);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_double (const char *text, double min, double max, double *out,
    const char *what, GError **error)
{
  char *end = NULL;
  double value;

  errno = 0;
  value = g_ascii_strtod (text, &end);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "%s: not a number from %g to %g: “%s”", what, min, max, text);
    return FALSE;
  }
  *out = value;
  return TRUE;
}

static gboolean
parse_size (const char *text, CeCamsimStreamConfig *stream, const char *what,
    GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "x", 3);

  if (g_strv_length (parts) != 2 ||
      !parse_uint (parts[0], 16, 7680, &stream->width, what, NULL) ||
      !parse_uint (parts[1], 16, 4320, &stream->height, what, NULL) ||
      stream->width % 2 != 0 || stream->height % 2 != 0) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "%s: expected WIDTHxHEIGHT, even numbers from 16x16 to 7680x4320: "
        "“%s”",
        what, text);
    return FALSE;
  }
  return TRUE;
}

static gboolean
add_share (Options *options, CeCamsimFaultMode mode, const char *value,
    const char *what, GError **error)
{
  CeCamsimShare share = {mode, 0.0};

  if (!parse_double (value, 0.0, 1.0, &share.share, what, error))
    return FALSE;
  if (mode == CE_CAMSIM_FAULT_DROP || mode == CE_CAMSIM_FAULT_RESIZE) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "%s: %s is an action, not a state a share of cameras can be in", what,
        ce_camsim_fault_to_string (mode));
    return FALSE;
  }
  g_array_append_val (options->shares, share);
  return TRUE;
}

/* The option callbacks add to the Options being parsed (one parse per
 * process). */
static Options *the_options;

#define SHARE_CALLBACK(function, mode, flag) \
  static gboolean function (const char *option, const char *value, \
      gpointer data, GError **error) \
  { \
    return add_share (the_options, mode, value, flag, error); \
  }

SHARE_CALLBACK (on_share_offline, CE_CAMSIM_FAULT_REFUSE, "--share-offline")
SHARE_CALLBACK (on_share_auth, CE_CAMSIM_FAULT_AUTH, "--share-auth")
SHARE_CALLBACK (on_share_slow, CE_CAMSIM_FAULT_SLOW, "--share-slow")
SHARE_CALLBACK (on_share_tarpit, CE_CAMSIM_FAULT_TARPIT, "--share-tarpit")
SHARE_CALLBACK (on_share_stall, CE_CAMSIM_FAULT_STALL, "--share-stall")

static gboolean
on_share (const char *option, const char *value, gpointer data, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, "=", 2);
  CeCamsimFaultMode mode;

  if (g_strv_length (parts) != 2 ||
      !ce_camsim_fault_from_string (parts[0], &mode)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--share: expected MODE=FRACTION, for example offline=0.05: “%s”",
        value);
    return FALSE;
  }
  return add_share (the_options, mode, parts[1], "--share", error);
}

static gboolean
on_fault (const char *option, const char *value, gpointer data, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, "=", 2);
  g_auto (GStrv) mode_parts = NULL;
  StartupFault *fault;
  guint ms = 0;
  CeCamsimFaultMode mode;

  if (g_strv_length (parts) != 2 || !ce_camsim_name_is_valid (parts[0])) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--fault: expected NAME=MODE[:MS], for example gate-3=slow:2000: "
        "“%s”",
        value);
    return FALSE;
  }
  mode_parts = g_strsplit (parts[1], ":", 2);
  if (!ce_camsim_fault_from_string (mode_parts[0], &mode)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--fault: unknown mode “%s”", mode_parts[0]);
    return FALSE;
  }
  if (mode_parts[1] != NULL &&
      !parse_uint (mode_parts[1], 0, 600000, &ms, "--fault", error))
    return FALSE;
  fault = g_new0 (StartupFault, 1);
  fault->name = g_strdup (parts[0]);
  fault->mode = mode;
  fault->slow_ms = (int) ms;
  g_ptr_array_add (the_options->faults, fault);
  return TRUE;
}

static gboolean
parse_options (Options *options, int *argc, char ***argv, GError **error)
{
  g_autofree char *codec = NULL;
  g_autofree char *size = NULL;
  g_autofree char *sub_size = NULL;
  g_autofree char *preload = NULL;
  gint port = 8554, control_port = 8555, backlog = 1024, fps = 25;
  gint bitrate = 2000, sub_bitrate = 512, slow_ms = 1000;
  gint media_threads = 2, client_threads = 2, session_timeout = 60;
  gint tick_ms = 0, mtu = 1400;
  double gop = 2.0, loop_seconds = 4.0;
  gboolean start_at_idr = FALSE, start_anywhere = FALSE, burn_id = FALSE;
  gboolean burn_clock = FALSE;
  double share_sum = 0.0;
  g_autofree char *engine = NULL;
  CeCamsimConfig *config = &options->config;
  g_autoptr (GOptionContext) context = NULL;
  const GOptionEntry entries[] = {
      {"address", 'a', 0, G_OPTION_ARG_STRING, &config->address,
          "Listen address of both ports (default 127.0.0.1)", "ADDR"},
      {"port", 'p', 0, G_OPTION_ARG_INT, &port,
          "RTSP port, 0 = any free port (default 8554)", "PORT"},
      {"rtsp-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &port, NULL,
          NULL},
      {"control-port", 'c', 0, G_OPTION_ARG_INT, &control_port,
          "HTTP control port, 0 = any free port (default 8555)", "PORT"},
      {"backlog", 0, 0, G_OPTION_ARG_INT, &backlog,
          "listen(2) backlog of the RTSP port (default 1024)", "N"},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &codec,
          "h264 or h265 for names without a -h264/-h265 suffix (default h264)",
          "CODEC"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size,
          "Main stream size (default 1280x720)", "WxH"},
      {"sub-size", 0, 0, G_OPTION_ARG_STRING, &sub_size,
          "Sub stream size (default 640x360)", "WxH"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate (default 25)", "N"},
      {"gop", 0, 0, G_OPTION_ARG_DOUBLE, &gop,
          "Seconds from one keyframe to the next (default 2)", "SECONDS"},
      {"bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate,
          "Main stream bitrate (default 2000)", "KBIT/S"},
      {"sub-bitrate", 0, 0, G_OPTION_ARG_INT, &sub_bitrate,
          "Sub stream bitrate (default 512)", "KBIT/S"},
      {"loop-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &loop_seconds,
          "Length of the pre-encoded loops, rounded up to whole GOPs "
          "(default 4)",
          "SECONDS"},
      {"preload", 0, 0, G_OPTION_ARG_STRING, &preload,
          "Codecs to encode at start-up, e.g. h264,h265 or none; others are "
          "encoded on first use (default: --codec)",
          "LIST"},
      {"mtu", 0, 0, G_OPTION_ARG_INT, &mtu,
          "RTP packet size; up to 65000 over TCP and loopback UDP means about "
          "one packet per frame, much cheaper for hundreds of cameras "
          "(default 1400, as cameras send)",
          "BYTES"},
      {"tick-ms", 0, 0, G_OPTION_ARG_INT, &tick_ms,
          "Send frames in batches every MS milliseconds instead of each on "
          "time: far fewer thread wake-ups for hundreds of cameras, bursty "
          "arrival (default 0 = each frame on time)",
          "MS"},
      {"start-at-idr", 0, 0, G_OPTION_ARG_NONE, &start_at_idr,
          "Start every new media at a keyframe", NULL},
      {"keyframe-on-request", 0, 0, G_OPTION_ARG_NONE,
          &config->keyframe_on_request,
          "Answer RTCP keyframe requests (PLI, FIR) with a keyframe at the "
          "next frame (gst engine; default: ignore them, as many cameras do)",
          NULL},
      {"start-anywhere", 0, 0, G_OPTION_ARG_NONE, &start_anywhere,
          "Start a new media wherever the camera's clock is (the default)",
          NULL},
      {"burn-id", 0, 0, G_OPTION_ARG_NONE, &burn_id,
          "Live-encode each camera with its name and a clock in the picture "
          "(costly: for a few cameras)",
          NULL},
      {"burn-clock", 0, 0, G_OPTION_ARG_NONE, &burn_clock,
          "As --burn-id, plus the capture time in ms as black/white blocks "
          "along the bottom (read back by the latency benchmark)",
          NULL},
      {"auth-password", 0, 0, G_OPTION_ARG_STRING, &config->auth_password,
          "Digest password of user admin for the auth fault (default camsim)",
          "PASSWORD"},
      {"slow-ms", 0, 0, G_OPTION_ARG_INT, &slow_ms,
          "Default response delay of the slow fault (default 1000)", "MS"},
      {"fault", 0, 0, G_OPTION_ARG_CALLBACK, on_fault,
          "Start with a fault on one camera (repeatable)", "NAME=MODE[:MS]"},
      {"share", 0, 0, G_OPTION_ARG_CALLBACK, on_share,
          "Give a share of all camera names a fault, chosen by a stable hash "
          "of the name (repeatable)",
          "MODE=FRACTION"},
      {"share-offline", 0, 0, G_OPTION_ARG_CALLBACK, on_share_offline,
          "Same as --share offline=FRACTION", "FRACTION"},
      {"share-auth", 0, 0, G_OPTION_ARG_CALLBACK, on_share_auth,
          "Same as --share auth=FRACTION", "FRACTION"},
      {"share-slow", 0, 0, G_OPTION_ARG_CALLBACK, on_share_slow,
          "Same as --share slow=FRACTION", "FRACTION"},
      {"share-tarpit", 0, 0, G_OPTION_ARG_CALLBACK, on_share_tarpit,
          "Same as --share tarpit=FRACTION", "FRACTION"},
      {"share-stall", 0, 0, G_OPTION_ARG_CALLBACK, on_share_stall,
          "Same as --share stall=FRACTION", "FRACTION"},
      {"media-threads", 0, 0, G_OPTION_ARG_INT, &media_threads,
          "Threads shared by all media, 0 = one per media (default 2)", "N"},
      {"client-threads", 0, 0, G_OPTION_ARG_INT, &client_threads,
          "Threads shared by RTSP connections, -1 = one per connection "
          "(default 2)",
          "N"},
      {"session-timeout", 0, 0, G_OPTION_ARG_INT, &session_timeout,
          "RTSP session timeout (default 60)", "SECONDS"},
      {"engine", 0, 0, G_OPTION_ARG_STRING, &engine,
          "gst: gst-rtsp-server, every fault (the default); cityeye: the "
          "gateway's own RTSP server, about ten times cheaper per frame, for "
          "load tests (video only; faults refuse, drop, stall, resize, black, "
          "frozen)",
          "ENGINE"},
      G_OPTION_ENTRY_NULL,
  };

  options->faults =
      g_ptr_array_new_with_free_func ((GDestroyNotify) startup_fault_free);
  options->shares = g_array_new (FALSE, FALSE, sizeof (CeCamsimShare));
  the_options = options;

  context = g_option_context_new ("- simulated RTSP cameras");
  g_option_context_set_summary (context,
      "Serves simulated cameras at rtsp://ADDR:PORT/cam/NAME from "
      "pre-encoded H.264/H.265 loops.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc > 1) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "Unexpected argument “%s” (see --help)", (*argv)[1]);
    return FALSE;
  }

  if (config->address == NULL)
    config->address = g_strdup ("127.0.0.1");
  config->auth_user = g_strdup ("admin");
  if (config->auth_password == NULL)
    config->auth_password = g_strdup ("camsim");
  config->codec = CE_CAMSIM_CODEC_H264;
  if (codec != NULL && !ce_camsim_codec_from_string (codec, &config->codec)) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--codec: expected h264 or h265: “%s”", codec);
    return FALSE;
  }
  config->streams[CE_CAMSIM_PROFILE_MAIN] =
      (CeCamsimStreamConfig){1280, 720, 0};
  config->streams[CE_CAMSIM_PROFILE_SUB] = (CeCamsimStreamConfig){640, 360, 0};
  if (size != NULL &&
      !parse_size (size, &config->streams[CE_CAMSIM_PROFILE_MAIN], "--size",
          error))
    return FALSE;
  if (sub_size != NULL &&
      !parse_size (sub_size, &config->streams[CE_CAMSIM_PROFILE_SUB],
          "--sub-size", error))
    return FALSE;

  if (!check_range (port, 0, 65535, "--port", error) ||
      !check_range (control_port, 0, 65535, "--control-port", error) ||
      !check_range (backlog, 1, 65535, "--backlog", error) ||
      !check_range (fps, 1, 120, "--fps", error) ||
      !check_range (bitrate, 16, 100000, "--bitrate", error) ||
      !check_range (sub_bitrate, 16, 100000, "--sub-bitrate", error) ||
      !check_range (slow_ms, 0, 600000, "--slow-ms", error) ||
      !check_range (media_threads, 0, 64, "--media-threads", error) ||
      !check_range (client_threads, -1, 1024, "--client-threads", error) ||
      !check_range (session_timeout, 5, 3600, "--session-timeout", error) ||
      !check_range (tick_ms, 0, 1000, "--tick-ms", error) ||
      !check_range (mtu, 256, 65000, "--mtu", error))
    return FALSE;
  if (gop < 0.04 || gop > 60.0 || loop_seconds < 0.04 || loop_seconds > 120.0) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--gop and --loop-seconds: expected 0.04 to 60 and 0.04 to 120 "
        "seconds");
    return FALSE;
  }
  if (start_at_idr && start_anywhere) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--start-at-idr and --start-anywhere exclude each other");
    return FALSE;
  }
  if (engine != NULL && strcmp (engine, "cityeye") == 0) {
    options->lite = TRUE;
  } else if (engine != NULL && strcmp (engine, "gst") != 0) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--engine: expected gst or cityeye: “%s”", engine);
    return FALSE;
  }
  if (options->lite) {
    if (burn_id || burn_clock) {
      g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
          "--burn-id and --burn-clock need --engine=gst");
      return FALSE;
    }
    if (options->config.keyframe_on_request) {
      g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
          "--keyframe-on-request needs --engine=gst");
      return FALSE;
    }
    for (guint i = 0; i < options->faults->len; i++)
      if (!ce_camsim_lite_supports_fault (
              ((StartupFault *) g_ptr_array_index (options->faults, i))->mode,
              error))
        return FALSE;
    for (guint i = 0; i < options->shares->len; i++)
      if (!ce_camsim_lite_supports_fault (
              g_array_index (options->shares, CeCamsimShare, i).mode, error))
        return FALSE;
  }
  if (client_threads == 0) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "--client-threads: 0 is not possible, use -1 or a positive number");
    return FALSE;
  }
  for (guint i = 0; i < options->shares->len; i++)
    share_sum += g_array_index (options->shares, CeCamsimShare, i).share;
  if (share_sum > 1.0 + 1e-9) {
    g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
        "The fault shares add up to %g, more than 1", share_sum);
    return FALSE;
  }

  config->rtsp_port = (guint) port;
  config->control_port = (guint) control_port;
  config->backlog = (guint) backlog;
  config->fps = (guint) fps;
  config->gop_seconds = gop;
  config->loop_seconds = loop_seconds;
  config->streams[CE_CAMSIM_PROFILE_MAIN].bitrate_kbps = (guint) bitrate;
  config->streams[CE_CAMSIM_PROFILE_SUB].bitrate_kbps = (guint) sub_bitrate;
  config->tick_ms = (guint) tick_ms;
  config->mtu = (guint) mtu;
  config->start_at_idr = start_at_idr;
  config->burn_id = burn_id || burn_clock;
  config->burn_clock = burn_clock;
  config->slow_ms = (guint) slow_ms;
  config->media_threads = (guint) media_threads;
  config->client_threads = client_threads;
  config->session_timeout = (guint) session_timeout;

  if (preload == NULL) {
    config->preload[config->codec] = TRUE;
  } else if (!g_str_equal (preload, "none")) {
    g_auto (GStrv) names = g_strsplit (preload, ",", -1);

    for (guint i = 0; names[i] != NULL; i++) {
      CeCamsimCodec c;

      if (!ce_camsim_codec_from_string (g_strstrip (names[i]), &c)) {
        g_set_error (error, CE_CAMSIM_ERROR, CE_CAMSIM_ERROR_INVALID,
            "--preload: expected h264, h265 or none: “%s”", names[i]);
        return FALSE;
      }
      config->preload[c] = TRUE;
    }
  }
  return TRUE;
}

static gboolean
on_quit_signal (gpointer data)
{
  GMainLoop *loop = data;

  GST_INFO ("signal received, stopping");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_auto (Options) options = {0};
  g_autoptr (GError) error = NULL;
  g_autoptr (CeCamsimCameras) cameras = NULL;
  g_autoptr (CeCamsimLoops) loops = NULL;
  g_autoptr (CeCamsimTicker) ticker = NULL;
  g_autoptr (CeCamsimServer) server = NULL;
  g_autoptr (CeCamsimControl) control = NULL;
  g_autoptr (CeCamsimLite) lite = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  const CeCamsimEngineFuncs *funcs;
  gpointer engine;
  guint rtsp_port;
  const CeCamsimConfig *config = &options.config;
  guint sigint, sigterm;

  if (!parse_options (&options, &argc, &argv, &error)) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return USAGE_ERROR;
  }
  if (!gst_init_check (NULL, NULL, &error)) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return RUNTIME_ERROR;
  }
  ce_camsim_debug_init ();
  /* Writes to a vanished client must fail, not kill the process. */
  signal (SIGPIPE, SIG_IGN);

  cameras = ce_camsim_cameras_new (config->codec, config->slow_ms,
      (const CeCamsimShare *) options.shares->data, options.shares->len);
  loops = ce_camsim_loops_new (config);
  if (!config->burn_id) {
    for (guint c = 0; c < CE_CAMSIM_N_CODECS; c++) {
      if (!config->preload[c])
        continue;
      for (guint p = 0; p < CE_CAMSIM_N_PROFILES; p++) {
        if (!ce_camsim_loops_ensure (loops, (CeCamsimCodec) c,
                (CeCamsimProfile) p, 0, &error)) {
          g_printerr (PROGRAM ": %s\n", error->message);
          return RUNTIME_ERROR;
        }
      }
    }
  }

  if (options.lite) {
    lite = ce_camsim_lite_new (config, cameras, loops, &error);
    if (lite == NULL) {
      g_printerr (PROGRAM ": %s\n", error->message);
      return RUNTIME_ERROR;
    }
    funcs = &ce_camsim_lite_engine;
    engine = lite;
    rtsp_port = ce_camsim_lite_get_port (lite);
  } else {
    ticker = ce_camsim_ticker_new (config, loops);
    server = ce_camsim_server_new (config, cameras, loops, ticker,
        g_main_context_default ());
    if (!ce_camsim_server_start (server, &error)) {
      g_printerr (PROGRAM ": %s\n", error->message);
      return RUNTIME_ERROR;
    }
    funcs = &ce_camsim_server_engine;
    engine = server;
    rtsp_port = ce_camsim_server_get_port (server);
  }
  for (guint i = 0; i < options.faults->len; i++) {
    StartupFault *fault = g_ptr_array_index (options.faults, i);

    if (!funcs->set_fault (engine, fault->name, fault->mode, fault->slow_ms,
            &error)) {
      g_printerr (PROGRAM ": %s\n", error->message);
      return RUNTIME_ERROR;
    }
  }
  control = ce_camsim_control_new (funcs, engine, config->address,
      config->control_port, &error);
  if (control == NULL) {
    g_printerr (PROGRAM ": %s\n", error->message);
    return RUNTIME_ERROR;
  }

  printf ("camsim: rtsp=%s:%u control=%s:%u\n", config->address, rtsp_port,
      config->address, ce_camsim_control_get_port (control));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_quit_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  g_clear_pointer (&control, ce_camsim_control_free);
  g_clear_pointer (&lite, ce_camsim_lite_free);
  if (server != NULL)
    ce_camsim_server_stop (server);
  g_clear_object (&server);
  g_clear_pointer (&ticker, ce_camsim_ticker_free);
  g_clear_pointer (&loops, ce_camsim_loops_free);
  g_clear_pointer (&cameras, ce_camsim_cameras_free);
  gst_deinit ();
  return EXIT_SUCCESS;
}
