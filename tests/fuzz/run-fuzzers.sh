#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Runs each built libFuzzer target for a while on a copy of its seed corpus.
# Usage: run-fuzzers.sh DIR [SECONDS]   (default 30 seconds each)
# DIR is a build configured with -Dfuzzing=true, or one of its fuzzer
# directories (BUILD/tests/fuzz, BUILD/tests/fuzz-proto).  Every fuzz-NAME
# executable in it runs with the seeds in tests/<dir>/corpus/NAME and the
# dictionary tests/<dir>/NAME.dict when they exist.
# Prints one line per fuzzer and exits non-zero if any of them failed; the
# crashing inputs and the log are kept in the work directory it names.
# FUZZ_JOBS=N runs N fuzzers at a time (default 1; CI gives one per core).
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 DIR [SECONDS]" >&2
  exit 2
fi
dir=$1
seconds=${2:-30}
case $seconds in
  '' | *[!0-9]*)
    echo "$0: SECONDS must be a number" >&2
    exit 2
    ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
if [ -d "$dir/tests/fuzz" ]; then
  dir=$dir/tests/fuzz
fi
# BUILD/tests/X holds the fuzzers whose sources are in tests/X.
src=$here/../$(basename "$dir")
jobs=${FUZZ_JOBS:-1}
case $jobs in
  '' | *[!0-9]* | 0)
    echo "$0: FUZZ_JOBS must be a number above 0" >&2
    exit 2
    ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/cityeye-fuzz.XXXXXX") || exit 1
status=0
found=0

# Runs fuzzer $1 for $seconds; its exit status goes to $work/NAME/rc.
run_one() {
  exe=$1
  name=${exe##*/fuzz-}
  seeds=$src/corpus/$name
  [ -d "$seeds" ] || seeds=$src/corpus/${name%%-*}
  dictfile=$src/$name.dict
  [ -f "$dictfile" ] || dictfile=$src/${name%%-*}.dict
  # The committed corpus is only read: new inputs go to the copy.
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  cp "$seeds/"* "$work/$name/corpus/" 2>/dev/null
  dict=
  if [ -f "$dictfile" ]; then
    dict=-dict=$dictfile
  fi
  # Fast unwinding keeps the fuzzers quick; for a full stack of a leak in
  # GLib, rerun an input with ASAN_OPTIONS=fast_unwind_on_malloc=0.
  # shellcheck disable=SC2086
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  G_SLICE=always-malloc \
    "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 $dict \
    -artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" \
    >"$work/$name/log" 2>&1
  echo $? >"$work/$name/rc"
}

# Prints fuzzer NAME's line (and its report when it failed).
report_one() {
  name=$1
  rc=$(cat "$work/$name/rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/log" |
    tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "fuzz-$name: ok (${runs:-?} runs)"
  else
    echo "fuzz-$name: FAILED (exit $rc; log and inputs in $work/$name)"
    # The report and the input, so that a CI log alone can reproduce it.
    grep -E '^(==[0-9]+==|SUMMARY|    #[0-9] |Base64:)' "$work/$name/log" |
      head -n 40 | sed "s/^/  fuzz-$name: /"
    status=1
  fi
}

# In batches of $jobs, each reported in order once the batch is done.
batch=
n=0
for exe in "$dir"/fuzz-*; do
  if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then
    continue
  fi
  found=1
  run_one "$exe" &
  # Fuzzer names are target names: no spaces.
  batch="$batch ${exe##*/fuzz-}"
  n=$((n + 1))
  if [ $n -ge "$jobs" ]; then
    wait
    for e in $batch; do report_one "$e"; done
    batch=
    n=0
  fi
done
wait
for e in $batch; do report_one "$e"; done

if [ $found -eq 0 ]; then
  echo "$0: no fuzzers in $dir" >&2
  status=1
fi
if [ $status -eq 0 ]; then
  rm -rf "$work"
fi
exit $status
