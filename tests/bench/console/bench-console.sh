#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Console benchmark: map endpoint time with the 23,000-camera sample (200
# and 304), page load until the dots are drawn, a full redraw, and the hot
# first-frame time in the browser (click → first presented frame; goal
# < 150 ms).  Needs chromium and `npm ci` in tests/browser.
#   tests/bench/console/bench-console.sh [BUILD_DIR] [ROUNDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rounds=${2:-7}
meson compile -C "$build" cityeyed cityeye cityeye-camsim baoshan-23k.csv > /dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
node "$root/tests/browser/bench-console.mjs" "$build" "$rounds"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
