#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Browser delivery benchmark (issue 5's "Benchmark" section, server side):
# WebSocket connect → first keyframe fragment on a hot camera, and the
# gateway's CPU and RSS for N viewers over M cameras over HTTP-FLV, fMP4
# over WebSocket and, for comparison, RTSP, all against the camera
# simulator on 127.0.0.1.
#
# Usage: bash tests/bench/live/bench-live.sh [--quick] [--build DIR] [...]
#        bash tests/bench/live/bench-live.sh --help
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build-bench

runs=20               # first-frame runs (median, p90, max)
window=15             # seconds of the CPU window per load
warmup=3              # seconds between "all started" and the window
loads="10x10 50x10"   # cameras x viewers per camera
protocols="flv ws rtsp"
bitrate=1000          # kbit/s per camera
ramp_ms=5

usage() {
  cat << EOF
Usage: bash tests/bench/live/bench-live.sh [OPTION]...

Starts the camera simulator and cityeyed (anonymous access on loopback),
then prints the WebSocket first-keyframe times and one row per load and
protocol: gateway CPU (% of one core), RSS, streams playing, throughput.
Every figure line carries the 1-minute load average.

  --build DIR          meson build directory (default: build-bench; set it up
                       with: meson setup build-bench -Dbuildtype=release)
  --quick              smoke sizes (about a minute)
  --runs N             first-frame runs (default $runs)
  --window S           CPU window per load, seconds (default $window)
  --loads "CxV ..."    cameras x viewers per camera (default "$loads")
  --protocols "P ..."  among flv mp4 ws rtsp (default "$protocols")
  --bitrate K          camera bitrate, kbit/s (default $bitrate)
  --keep               keep the work directory (logs) at the end

Needs curl; the load clients are ce-live-load (HTTP-FLV, fMP4, WebSocket)
and ce-rtsp-load (RTSP over TCP) from the build directory.
EOF
}

keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift ;;
    --quick) runs=5 window=5 warmup=2 loads="5x4" ;;
    --runs) runs=$2; shift ;;
    --window) window=$2; shift ;;
    --loads) loads=$2; shift ;;
    --protocols) protocols=$2; shift ;;
    --bitrate) bitrate=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-live: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build=$(cd "$build" 2> /dev/null && pwd) || {
  echo "bench-live: no build directory (meson setup build-bench -Dbuildtype=release)" >&2
  exit 2
}
camsim=$build/samples/camsim/cityeye-camsim
gen=$build/samples/inventory/cityeye-sample-gen
cli=$build/src/cli/cityeye
gateway=$build/src/daemon/cityeyed
liveload=$build/tests/bench/live/ce-live-load
rtspload=$build/tests/bench/relay/ce-rtsp-load
for f in "$camsim" "$gen" "$cli" "$gateway" "$liveload" "$rtspload"; do
  if [[ ! -x $f ]]; then
    echo "bench-live: $f is missing: meson setup $build -Dbuildtype=release && ninja -C $build" >&2
    exit 2
  fi
done
command -v curl > /dev/null || { echo "bench-live: needs curl" >&2; exit 2; }

ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
work=$(mktemp -d -t cityeye-bench-live.XXXXXX)
# Own names for the shared binaries: a kill by name elsewhere on the
# machine must not take this run's servers down.
ln -s "$camsim" "$work/live-bench-sim" && camsim=$work/live-bench-sim
ln -s "$gateway" "$work/live-bench-gw" && gateway=$work/live-bench-gw
clk=$(getconf CLK_TCK)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2> /dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null; done
  if [[ $keep == 1 ]]; then
    echo "bench-live: logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench-live: $*" >&2; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }
now_ms() { date +%s%3N; }
cpu_ms() { # pid: utime+stime in ms
  local s
  s=$(cat "/proc/$1/stat" 2> /dev/null) || { echo -1; return; }
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo $(((${12} + ${13}) * 1000 / clk))
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2> /dev/null || echo -1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
wait_line() { # file regex seconds pid
  local deadline=$(($(now_ms) + $3 * 1000))
  while (($(now_ms) < deadline)); do
    grep -qE "$2" "$1" 2> /dev/null && return 0
    [[ -n ${4:-} ]] && ! kill -0 "$4" 2> /dev/null && return 1
    sleep 0.1
  done
  return 1
}

# ---- servers -----------------------------------------------------------------
# Fresh cameras for every row (a camera just left may still linger), and
# one for the first-frame runs.
nprot=$(echo $protocols | wc -w)
ncams=1
for l in $loads; do
  ncams=$((ncams + ${l%x*} * nprot))
done

"$camsim" --port 0 --control-port 0 --gop 1 --bitrate "$bitrate" --start-at-idr \
  > "$work/sim.out" 2> "$work/sim.err" &
sim_pid=$!
pids+=("$sim_pid")
wait_line "$work/sim.out" 'camsim: rtsp=' 60 "$sim_pid" || { log "simulator did not start"; exit 1; }
sim_port=$(sed -n 's/.*rtsp=[0-9.]*:\([0-9]*\).*/\1/p' "$work/sim.out")

"$gen" --count "$ncams" --sim-url "rtsp://127.0.0.1:$sim_port/cam/" > "$work/cams.csv"
"$cli" db init --db "$work/reg.db" > /dev/null
"$cli" camera import "$work/cams.csv" --db "$work/reg.db" > /dev/null
tail -n +2 "$work/cams.csv" | cut -d, -f1 > "$work/ids"

printf '[relay]\nlinger=2\n[rtsp]\nmax_connections=100000\n[probe]\ninterval=0\n[auth]\nallow_anonymous=true\nanonymous_sources=all\nanonymous_secrecy=1\n' > "$work/gw.conf"
"$gateway" --config "$work/gw.conf" --db "$work/reg.db" --rtsp-port 0 --http-port 0 \
  > "$work/gw.out" 2> "$work/gw.err" &
gw_pid=$!
pids+=("$gw_pid")
wait_line "$work/gw.out" 'http=' 30 "$gw_pid" || { log "cityeyed did not start"; exit 1; }
rtsp_port=$(sed -n 's/.*rtsp=[0-9.]*:\([0-9]*\).*/\1/p' "$work/gw.out")
http_port=$(sed -n 's/.*http=[0-9.]*:\([0-9]*\).*/\1/p' "$work/gw.out")

url_of() { # protocol id
  case $1 in
    flv) echo "http://127.0.0.1:$http_port/api/v1/cameras/$2/live.flv" ;;
    mp4) echo "http://127.0.0.1:$http_port/api/v1/cameras/$2/live.mp4" ;;
    ws) echo "ws://127.0.0.1:$http_port/api/v1/cameras/$2/live.ws" ;;
    rtsp) echo "rtsp://127.0.0.1:$rtsp_port/cameras/$2" ;;
  esac
}

echo "# cityeye browser delivery benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
echo "# camera simulator: ${bitrate} kbit/s, GOP 1 s, 25 fps; all on 127.0.0.1"

# ---- first keyframe over WebSocket, hot camera ------------------------------
first=$(head -n 1 "$work/ids")
url_of ws "$first" > "$work/ff.txt"
"$liveload" --urls "$work/ff.txt" --duration 3600 > /dev/null 2> "$work/warm.err" &
warm_pid=$!
pids+=("$warm_pid")
sleep 3
if "$liveload" --urls "$work/ff.txt" --first-frame "$runs" > "$work/ff.out" 2> "$work/ff.err"; then
  sort -n "$work/ff.out" | awk -v la="$(loadavg)" '
    { v[NR] = $1 }
    END { printf "ws connect -> first keyframe fragment, hot: median %.1f ms, p90 %.1f ms, max %.1f ms (%d runs) [load %s]\n",
          v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], v[NR], NR, la }'
else
  log "first-frame runs failed: $(tail -1 "$work/ff.err")"
fi
kill "$warm_pid" 2> /dev/null
wait "$warm_pid" 2> /dev/null
sleep 3

# ---- CPU and RSS per load and protocol -----------------------------------------
printf '%-6s %-10s %8s %9s %9s %10s %8s %s\n' protocol load "cpu%" "rss MiB" playing "Mbit/s" failed "[load]"
idle_rss=$(rss_kb "$gw_pid")
echo "gateway idle RSS: $(calc '%.1f' "$idle_rss / 1024") MiB"
cursor=2
for l in $loads; do
  cams=${l%x*} per=${l#*x}
  for p in $protocols; do
    ids=$(tail -n +"$cursor" "$work/ids" | head -n "$cams")
    : > "$work/urls"
    for id in $ids; do url_of "$p" "$id" >> "$work/urls"; done
    dur=$((warmup + window + cams * per * ramp_ms / 1000 + 15))
    if [[ $p == rtsp ]]; then
      "$rtspload" --urls "$work/urls" --per-url "$per" --ramp "$ramp_ms" \
        --duration "$dur" --json > "$work/load.json" 2> "$work/load.err" &
    else
      "$liveload" --urls "$work/urls" --per-url "$per" --ramp "$ramp_ms" \
        --duration "$dur" > "$work/load.json" 2> "$work/load.err" &
    fi
    lp=$!
    pids+=("$lp")
    wait_line "$work/load.err" 'started' 120 "$lp"
    sleep "$warmup"
    c0=$(cpu_ms "$gw_pid") t0=$(now_ms)
    sleep "$window"
    c1=$(cpu_ms "$gw_pid") t1=$(now_ms)
    rss=$(rss_kb "$gw_pid")
    la=$(loadavg)
    wait "$lp" 2> /dev/null
    if [[ $p == rtsp ]]; then
      playing=$(grep -o '"playing": *[0-9]*' "$work/load.json" | grep -o '[0-9]*$' | head -1)
      failed=$(grep -o '"failed": *[0-9]*' "$work/load.json" | grep -o '[0-9]*$' | head -1)
      bytes=$(grep -o '"bytes": *[0-9]*' "$work/load.json" | grep -o '[0-9]*$' | head -1)
    else
      playing=$(grep -o '"playing": [0-9]*' "$work/load.json" | grep -o '[0-9]*$')
      failed=$(grep -o '"failed": [0-9]*' "$work/load.json" | grep -o '[0-9]*$')
      bytes=$(grep -o '"bytes": [0-9]*' "$work/load.json" | grep -o '[0-9]*$')
    fi
    printf '%-6s %-10s %8s %9s %9s %10s %8s [load %s]\n' "$p" "${cams}x$per" \
      "$(calc '%.1f' "($c1 - $c0) * 100 / ($t1 - $t0)")" \
      "$(calc '%.1f' "$rss / 1024")" "${playing:-?}/$((cams * per))" \
      "$(calc '%.1f' "${bytes:-0} * 8 / $dur / 1000000")" "${failed:-?}" "$la"
    cursor=$((cursor + cams))
    sleep 3 # linger: the cameras of this row are released before the next
  done
done
curl -s "http://127.0.0.1:$http_port/metrics" | grep -E '^cityeye_(viewers_dropped|viewer_frames_skipped)_total' | sed 's/^/# /'
