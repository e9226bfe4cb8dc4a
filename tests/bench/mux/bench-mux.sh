#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# CPU per muxed stream-second of the browser muxers (fMP4, FLV, HLS) at
# camera bitrates: encodes 20 s of 1280x720 at 2 Mbit/s (GOP 2 s, no
# B-frames, as the camera simulator does) for H.264 and H.265 and runs
# ce-bench-mux on each.  Prints the load average next to the figures.
# Usage: bash tests/bench/mux/bench-mux.sh [BUILD_DIR] [VIEWERS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=${1:-build}
viewers=${2:-50}
if [[ ! -d $build ]]; then meson setup "$build" -Dbuildtype=release > /dev/null; fi
meson compile -C "$build" tests/bench/mux/ce-bench-mux > /dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
src="videotestsrc num-buffers=500 pattern=smpte ! video/x-raw,format=I420,width=1280,height=720,framerate=25/1 ! timeoverlay"
gst-launch-1.0 -q $src ! x264enc bitrate=2000 key-int-max=50 bframes=0 \
  speed-preset=veryfast aud=true ! video/x-h264,stream-format=byte-stream,alignment=au \
  ! filesink location="$work/cam.h264"
gst-launch-1.0 -q $src ! x265enc bitrate=2000 key-int-max=50 \
  speed-preset=veryfast option-string="bframes=0:aud=1:repeat-headers=1" \
  ! h265parse ! video/x-h265,stream-format=byte-stream,alignment=au \
  ! filesink location="$work/cam.h265"
for codec in h264 h265; do
  echo "== $codec (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$build/tests/bench/mux/ce-bench-mux" "$work/cam.$codec" "$codec" 25 "$viewers"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
