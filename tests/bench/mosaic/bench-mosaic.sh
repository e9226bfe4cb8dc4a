#!/usr/bin/env bash
# CPU of one wall mosaic (N x N camera tiles composed into one H.264
# stream for a hardware decoder): 2x2 and 3x3 at 1080p from 640x360
# sub streams, and 3x3 from 720p main streams.  Figures, not pass/fail.
# Usage: bash tests/bench/mosaic/bench-mosaic.sh [--build DIR] [--seconds S]
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=build seconds=20
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -h | --help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench=$build/tests/bench/mosaic/ce-mosaic-bench
[[ -x $bench ]] || { echo "build first: meson compile -C $build" >&2; exit 1; }
echo "cityeye mosaic benchmark: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --grid 2 --seconds "$seconds"
"$bench" --grid 3 --seconds "$seconds"
"$bench" --grid 3 --seconds "$seconds" --tile-width 1280 --tile-height 720
