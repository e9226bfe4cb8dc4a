#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Wall page benchmark: preset switch on a 16-tile wall to every tile
# presenting a frame of its new camera in headless chromium (goal < 1 s),
# cold and warm, and incident POST to its tiles presenting (goal < 1.5 s).
# Needs chromium and `npm ci` in tests/browser.
#   tests/bench/wall/bench-wall-page.sh [BUILD_DIR] [ROUNDS] [--start-at-idr]
#       [--warm-presets] [--keyframe-on-request]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rounds=${2:-3}
[ $# -gt 2 ] && shift 2 || set --
meson compile -C "$build" cityeyed cityeye cityeye-camsim > /dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
node "$root/tests/browser/bench-wall.mjs" "$build" "$rounds" "$@"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
