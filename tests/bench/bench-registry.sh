#!/usr/bin/env bash
# Registry benchmark (issue: registry and CLI).  Prints:
#  - import of the 23k sample (CSV and catalog XML), median of 3 runs
#  - nearest-10 within 500 m at 23k and 1,000,000 cameras beside a
#    full-scan baseline, filtered list at 1M, database bytes per camera
# Usage: bash tests/bench/bench-registry.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
if [[ ! -d $build ]]; then meson setup "$build" -Dbuildtype=release > /dev/null; fi
meson compile -C "$build" > /dev/null
cli="$build/src/cli/cityeye"
gen="$build/samples/inventory/cityeye-sample-gen"
bench="$build/tests/bench/ce-bench-registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$gen" --count 23000 --format csv > "$work/23k.csv"
"$gen" --count 23000 --format catalog > "$work/23k.xml"
ls -l "$work/23k.csv" "$work/23k.xml" | awk '{print "input", $9, $5, "bytes"}'

time_import() { # file, extra args…
  local file=$1; shift
  local times=()
  for run in 1 2 3; do
    rm -f "$work/t.db"*
    "$cli" db init --db "$work/t.db" --quiet
    local t0=$(date +%s.%N)
    "$cli" camera import "$file" --db "$work/t.db" --quiet "$@" > "$work/report.txt"
    local t1=$(date +%s.%N)
    times+=("$(awk "BEGIN{print $t1 - $t0}")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}

echo
echo "== import, 23,000 cameras (median of 3, wall clock, new database each run; goal < 1 s)"
printf 'CSV          %.3f s   (%s)\n' "$(time_import "$work/23k.csv")" "$(cat "$work/report.txt")"
printf 'catalog XML  %.3f s   (%s)\n' "$(time_import "$work/23k.xml" --source xueliang)" "$(cat "$work/report.txt")"

echo
echo "== queries at 23,000 cameras (宝山)"
"$bench" "$work/t.db" 500

echo
echo "== 1,000,000 synthetic cameras (Shanghai-wide)"
"$gen" --count 1000000 --area shanghai --format csv > "$work/1m.csv"
rm -f "$work/1m.db"*
"$cli" db init --db "$work/1m.db" --quiet
t0=$(date +%s.%N)
"$cli" camera import "$work/1m.csv" --db "$work/1m.db" --quiet > "$work/report.txt"
t1=$(date +%s.%N)
printf 'import 1M CSV  %.1f s  (%s)\n' "$(awk "BEGIN{print $t1 - $t0}")" "$(cat "$work/report.txt")"
if [[ -x /usr/bin/time ]]; then
  /usr/bin/time -f 'peak RSS of a 1M-row dry-run import: %M KiB' \
    "$cli" camera import "$work/1m.csv" --db "$work/1m.db" --quiet --dry-run > /dev/null
fi
"$bench" "$work/1m.db" 500 shanghai
