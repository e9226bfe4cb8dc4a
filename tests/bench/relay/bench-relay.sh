#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Relay benchmark (the relay issue's "Benchmark" section): first-frame times,
# server CPU, RSS and threads under load, frame loss and the largest load
# held, for cityeyed beside a naive gst-rtsp-server relay (and the simulator
# played directly where that applies), all in one run against the camera
# simulator on 127.0.0.1.
#
# Usage: bash tests/bench/relay/bench-relay.sh [--quick] [--build DIR] [...]
#        bash tests/bench/relay/bench-relay.sh --help
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build-bench

# ---- sizes (defaults: 12-18 minutes on 2 cores; --quick: 5-7) -------------
quick=0
runs=3              # first-frame runs per case (medians of 3, as the reference)
window=15           # seconds of the CPU window per load
warmup=3            # seconds between "all playing" and the window
loads="20x1 20x5 100x1"
max_cameras="50 100 250 500" # cameras x 1 viewer, 2 Mb/s
max_viewers="200 500 1000 2000" # viewer sessions at 1 Mb/s, 10 per camera
viewers_per_camera=10
max_window=12
linger=2            # cityeyed [relay] linger, seconds
ramp_ms=10          # between connects of the load client
slow_cameras=10     # slow-viewer check: cameras x 5 viewers, one slow per camera
slow_after=3
slow_window=20
naive_max=500       # naive relay: largest load step tried
sim_engine=gst      # the simulator's engine (cityeye-camsim --engine)
skip=""             # scenarios to skip: ff,five,load,slow,max,viewers
only=""

usage() {
  cat << EOF
Usage: bash tests/bench/relay/bench-relay.sh [OPTION]...

Runs against the camera simulator, cityeyed and ce-naive-relay, one heavy
load at a time, and prints one table per scenario.  Every figure line
carries the 1-minute load average.

  --build DIR          meson build directory (default: build-bench; set it up
                       with: meson setup build-bench -Dbuildtype=release)
  --quick              smoke sizes (5-7 minutes; the defaults take 12-18)
  --runs N             first-frame runs per case (default $runs)
  --window S           CPU window per load, seconds (default $window)
  --loads "CxV ..."    cameras x viewers for the CPU/RSS table
                       (default "$loads")
  --max-cameras "N ..." steps of cameras x 1 (default "$max_cameras")
  --max-viewers "N ..." steps of viewer sessions at 1 Mb/s, $viewers_per_camera per camera
                       (default "$max_viewers")
  --naive-max N        largest step tried on the naive relay (default $naive_max)
  --sim-engine E       the simulator's engine: gst (gst-rtsp-server, default) or
                       cityeye (its cheap engine, for 250-500 cameras)
  --skip LIST          skip scenarios: ff,five,load,slow,max,viewers
  --only LIST          run only these scenarios
  --keep               keep the work directory (logs, JSON) at the end

Environment: ZLMEDIAKIT_BIN=/path/to/mediamtx adds a MediaMTX relay (built
elsewhere; this script never downloads or builds anything).  Needs jq and
curl; ffmpeg is optional (its rows are left out without it).
EOF
}

keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift ;;
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --window) window=$2; shift ;;
    --loads) loads=$2; shift ;;
    --max-cameras) max_cameras=$2; shift ;;
    --max-viewers) max_viewers=$2; shift ;;
    --naive-max) naive_max=$2; shift ;;
    --sim-engine) sim_engine=$2; shift ;;
    --skip) skip=$2; shift ;;
    --only) only=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-relay: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ $quick == 1 ]]; then
  runs=2 window=5 warmup=2 max_window=5 slow_cameras=4 slow_window=12
  loads="20x1 20x5" max_cameras="100" max_viewers="400"
fi

wanted() { # scenario
  [[ -n $only ]] && { [[ ",$only," == *",$1,"* ]]; return; }
  [[ ",$skip," != *",$1,"* ]]
}

# Absolute: the binaries are run through symbolic links in the work
# directory.
build=$(cd "$build" 2> /dev/null && pwd) || {
  echo "bench-relay: no build directory (meson setup build-bench -Dbuildtype=release)" >&2
  exit 2
}
camsim=$build/samples/camsim/cityeye-camsim
gen=$build/samples/inventory/cityeye-sample-gen
cli=$build/src/cli/cityeye
gateway=$build/src/daemon/cityeyed
load=$build/tests/bench/relay/ce-rtsp-load
firstframe=$build/tests/bench/relay/ce-first-frame
naive=$build/tests/bench/relay/ce-naive-relay
for f in "$camsim" "$gen" "$cli" "$gateway" "$load" "$firstframe" "$naive"; do
  if [[ ! -x $f ]]; then
    echo "bench-relay: $f is missing: meson setup $build -Dbuildtype=release && ninja -C $build" >&2
    exit 2
  fi
done
for tool in jq curl; do
  command -v $tool > /dev/null || { echo "bench-relay: needs $tool" >&2; exit 2; }
done
have_ffmpeg=0
command -v ffmpeg > /dev/null && have_ffmpeg=1
mediamtx=""
if [[ -n ${ZLMEDIAKIT_BIN:-} ]]; then
  if [[ -x $ZLMEDIAKIT_BIN && $(basename "$ZLMEDIAKIT_BIN") == *mediamtx* ]]; then
    mediamtx=$ZLMEDIAKIT_BIN
  else
    echo "bench-relay: ZLMEDIAKIT_BIN: only a MediaMTX binary is supported (ZLMediaKit pulls through its HTTP API); left out" >&2
  fi
fi

ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
work=$(mktemp -d -t cityeye-bench-relay.XXXXXX)
# Run the shared binaries under names of their own: a broad kill by name
# from another job on the machine must not take down this run's servers.
ln -s "$camsim" "$work/relay-bench-sim" && camsim=$work/relay-bench-sim
ln -s "$gateway" "$work/relay-bench-gw" && gateway=$work/relay-bench-gw
clk=$(getconf CLK_TCK)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2> /dev/null
  done
  for p in "${pids[@]}"; do
    wait "$p" 2> /dev/null
  done
  if [[ $keep == 1 ]]; then
    echo "bench-relay: logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench-relay: $*" >&2; }
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
threads() { ls "/proc/$1/task" 2> /dev/null | wc -l; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# Waits until FILE has a line matching REGEX; fails after SECONDS or when
# PID died.
wait_line() { # file regex seconds pid
  local deadline=$(($(now_ms) + $3 * 1000))
  while (($(now_ms) < deadline)); do
    grep -qE "$2" "$1" 2> /dev/null && return 0
    [[ -n ${4:-} ]] && ! kill -0 "$4" 2> /dev/null && return 1
    sleep 0.1
  done
  return 1
}

stop() { # pid: TERM, then KILL after 5 s
  local p=$1 _
  kill -TERM "$p" 2> /dev/null
  for _ in $(seq 50); do
    kill -0 "$p" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL "$p" 2> /dev/null
  wait "$p" 2> /dev/null
  local keep_pids=() q
  for q in "${pids[@]}"; do [[ $q != "$p" ]] && keep_pids+=("$q"); done
  pids=("${keep_pids[@]}")
}

# ---- servers -----------------------------------------------------------------
# Each start_* sets <name>_pid and <name>_port.

start_sim() { # name gop kbit/s [rtsp-port control-port]
  local name=$1
  "$camsim" --port "${4:-0}" --control-port "${5:-0}" --gop "$2" --bitrate "$3" \
    --start-at-idr --engine="$sim_engine" > "$work/$name.out" 2>> "$work/$name.err" &
  local pid=$!
  pids+=("$pid")
  if ! wait_line "$work/$name.out" 'camsim: rtsp=' 60 "$pid"; then
    log "simulator $name did not start:"; tail -5 "$work/$name.err" >&2; exit 1
  fi
  sim_pid=$pid sim_args=("$@")
  sim_port=$(sed -n 's/.*rtsp=[0-9.]*:\([0-9]*\).*/\1/p' "$work/$name.out")
  sim_ctl=$(sed -n 's/.*control=[0-9.]*:\([0-9]*\).*/\1/p' "$work/$name.out")
}

# Restarts the simulator on the same ports if it is gone (it has been seen
# to vanish without a word while other jobs ran on the machine).
sim_restarts=0
ensure_sim() {
  kill -0 "$sim_pid" 2> /dev/null && return 0
  sim_restarts=$((sim_restarts + 1))
  echo "NOTE: the simulator (pid $sim_pid) exited during the run; restarted on the same ports" | tee -a "$work/notes" >&2
  wait "$sim_pid" 2> /dev/null
  start_sim "${sim_args[0]}" "${sim_args[1]}" "${sim_args[2]}" "$sim_port" "$sim_ctl"
}

make_registry() { # name count sim_port  -> $work/name.csv, .db, .ids
  local name=$1
  "$gen" --count "$2" --sim-url "rtsp://127.0.0.1:$3/cam/" > "$work/$name.csv"
  rm -f "$work/$name.db"*
  "$cli" db init --db "$work/$name.db" > /dev/null
  "$cli" camera import "$work/$name.csv" --db "$work/$name.db" > /dev/null
  tail -n +2 "$work/$name.csv" | cut -d, -f1 > "$work/$name.ids"
}

start_gw() { # registry-name
  local n=$1 conf=$work/gw.conf
  printf '[relay]\nlinger=%s\n[rtsp]\nmax_connections=100000\n[probe]\ninterval=0\n[auth]\nallow_anonymous=true\nanonymous_sources=all\nanonymous_secrecy=1\n' "$linger" > "$conf"
  "$gateway" --config "$conf" --db "$work/$n.db" --rtsp-port 0 --http-port 0 \
    > "$work/gw.out" 2>> "$work/gw.err" &
  gw_pid=$!
  pids+=("$gw_pid")
  if ! wait_line "$work/gw.out" 'rtsp=' 30 "$gw_pid"; then
    log "cityeyed did not start:"; tail -5 "$work/gw.err" >&2; exit 1
  fi
  gw_port=$(sed -n 's/.*rtsp=[0-9.]*:\([0-9]*\).*/\1/p' "$work/gw.out")
}

start_naive() { # registry-name
  "$naive" --port 0 --csv "$work/$1.csv" > "$work/naive.out" 2>> "$work/naive.err" &
  naive_pid=$!
  pids+=("$naive_pid")
  if ! wait_line "$work/naive.out" 'rtsp=' 30 "$naive_pid"; then
    log "ce-naive-relay did not start:"; tail -5 "$work/naive.err" >&2; exit 1
  fi
  naive_port=$(sed -n 's/.*rtsp=[0-9.]*:\([0-9]*\).*/\1/p' "$work/naive.out")
}

# MediaMTX, untested here: a minimal configuration that pulls each camera on
# demand.
start_mtx() { # registry-name
  local conf=$work/mediamtx.yml id url
  mtx_port=$((20000 + RANDOM % 20000))
  {
    echo "logLevel: warn"
    echo "rtspAddress: 127.0.0.1:$mtx_port"
    echo "rtmp: no"
    echo "hls: no"
    echo "webrtc: no"
    echo "srt: no"
    echo "paths:"
    tail -n +2 "$work/$1.csv" | cut -d, -f1,9 | while IFS=, read -r id url; do
      echo "  cameras/$id:"
      echo "    source: $url"
      echo "    sourceOnDemand: yes"
    done
  } > "$conf"
  "$mediamtx" "$conf" > "$work/mtx.out" 2> "$work/mtx.err" &
  mtx_pid=$!
  pids+=("$mtx_pid")
  sleep 2
  kill -0 "$mtx_pid" 2> /dev/null || { log "MediaMTX did not start"; mediamtx=""; }
}

# Starts the relay called TARGET (cityeyed, naive, mediamtx) and sets
# srv_pid and srv_base (URL prefix before the camera id).
start_target() { # target registry-name
  ensure_sim
  case $1 in
    cityeyed) start_gw "$2"; srv_pid=$gw_pid; srv_base=rtsp://127.0.0.1:$gw_port/cameras/ ;;
    naive) start_naive "$2"; srv_pid=$naive_pid; srv_base=rtsp://127.0.0.1:$naive_port/cameras/ ;;
    mediamtx) start_mtx "$2"; srv_pid=$mtx_pid; srv_base=rtsp://127.0.0.1:$mtx_port/cameras/ ;;
    direct) srv_pid=$sim_pid; srv_base=rtsp://127.0.0.1:$sim_port/cam/ ;;
  esac
}
stop_target() { [[ $1 != direct ]] && stop "$srv_pid"; }

relays="cityeyed naive"
[[ -n $mediamtx ]] && relays="$relays mediamtx"

# ---- first frame -------------------------------------------------------------

ffmpeg_ms() { # url [extra ffmpeg input options] -> wall ms of the whole process, or "fail"
  local t0 t1 url=$1
  [[ $have_ffmpeg == 1 ]] || { echo "-"; return; }
  shift
  t0=$(date +%s%N)
  if timeout 20 ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport tcp "$@" \
    -i "$url" -frames:v 1 -f null - > /dev/null 2>> "$work/ffmpeg.err"; then
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
  else
    echo fail
  fi
}

gst_ms() { # url -> "pipeline_ms init_ms" or "fail"
  local j
  j=$("$firstframe" --runs 1 --timeout 15 --json "$1" 2>> "$work/ff.err")
  if [[ $(jq -r '.ok' <<< "$j" 2> /dev/null) == 1 ]]; then
    jq -r '"\(.runs[0].first_clean_ms) \(.init_ms)"' <<< "$j"
  else
    echo fail
  fi
}

median() { # numbers on stdin ("fail" and "-" ignored)
  grep -E '^[0-9.]+$' | sort -n | awk '{a[NR]=$1} END {
    if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2];
    else printf "%.1f\n", (a[NR/2] + a[NR/2+1]) / 2 }'
}

ids_from() { # registry-name first count
  tail -n +"$2" "$work/$1.ids" | head -n "$3"
}

declare -A ff_f ff_q ff_g ff_gi ff_all

# One run of each client per index of the URL arrays f_urls, q_urls and
# g_urls (set by the caller): the same URL for a hot camera, a fresh camera
# per run and client for a cold one.
ff_case() { # case target
  local c=$1 t=$2 i r g
  local fs=() qs=() gs=() gis=()
  for i in "${!f_urls[@]}"; do
    fs+=("$(ffmpeg_ms "${f_urls[$i]}")")
    sleep 0.$((RANDOM % 5))
    qs+=("$(ffmpeg_ms "${q_urls[$i]}" -probesize 32 -analyzeduration 0)")
    sleep 0.$((RANDOM % 5))
    r=$(gst_ms "${g_urls[$i]}")
    if [[ $r == fail ]]; then
      gs+=(fail) gis+=(fail)
    else
      g=${r% *}
      gs+=("$g")
      gis+=("$(calc '%.1f' "$g + ${r#* }")")
    fi
    sleep 0.$((RANDOM % 5))
  done
  ff_f[$c,$t]=$(printf '%s\n' "${fs[@]}" | median)
  ff_q[$c,$t]=$(printf '%s\n' "${qs[@]}" | median)
  ff_g[$c,$t]=$(printf '%s\n' "${gs[@]}" | median)
  ff_gi[$c,$t]=$(printf '%s\n' "${gis[@]}" | median)
  ff_all[$c,$t]="${fs[*]} | ${qs[*]} | ${gs[*]}"
}

scenario_first_frame() { # gop registry-name first-free-camera
  local gop=$1 reg=$2 next=$3 t id hold
  local targets="direct $relays"
  local f_urls=() q_urls=() g_urls=()
  log "first frame, GOP $gop s: cold"
  for t in $targets; do
    start_target "$t" "$reg"
    f_urls=() q_urls=() g_urls=()
    for id in $(ids_from "$reg" "$next" "$runs"); do f_urls+=("$srv_base$id"); done
    next=$((next + runs))
    for id in $(ids_from "$reg" "$next" "$runs"); do q_urls+=("$srv_base$id"); done
    next=$((next + runs))
    for id in $(ids_from "$reg" "$next" "$runs"); do g_urls+=("$srv_base$id"); done
    next=$((next + runs))
    ff_case cold "$t"
    stop_target "$t"
  done
  log "first frame, GOP $gop s: hot (camera already pulled by another viewer)"
  for t in $targets; do
    start_target "$t" "$reg"
    id=$(ids_from "$reg" "$next" 1)
    next=$((next + 1))
    "$load" --duration 600 --fps 0 "$srv_base$id" > /dev/null 2> "$work/hold.err" &
    hold=$!
    pids+=("$hold")
    wait_line "$work/hold.err" 'all 1 sessions started' 20 "$hold"
    sleep "$(calc '%.1f' "$gop + 1")"
    f_urls=() q_urls=() g_urls=()
    for _ in $(seq "$runs"); do
      f_urls+=("$srv_base$id") q_urls+=("$srv_base$id") g_urls+=("$srv_base$id")
    done
    ff_case hot "$t"
    stop "$hold"
    stop_target "$t"
  done
  echo
  echo "== First frame, GOP $gop s, 2 Mb/s 720p25 (median of $runs; load $(loadavg))"
  echo "   ffmpeg: wall time of 'ffmpeg -rtsp_transport tcp -i URL -frames:v 1 -f null -' incl. its start-up"
  echo "     (~${ffmpeg_startup} ms alone) and its stream probing (about 20 frames); ffmpeg-fast adds -probesize 32 -analyzeduration 0"
  echo "   gst: rtspsrc ! depay ! parse ! avdec output-corrupt=false, pipeline start to first frame; +init adds the"
  echo "     process start-up (gst_init and plugin loading)"
  printf '%-5s %-9s %9s %11s %8s %9s   %s\n' case target ffmpeg_ms ffmpeg-fast gst_ms gst+init "runs: ffmpeg | fast | gst"
  for c in cold hot; do
    for t in $targets; do
      printf '%-5s %-9s %9s %11s %8s %9s   %s\n' "$c" "$t" "${ff_f[$c,$t]}" "${ff_q[$c,$t]}" \
        "${ff_g[$c,$t]}" "${ff_gi[$c,$t]}" "${ff_all[$c,$t]}"
    done
  done
  for t in $relays; do
    printf 'cold overhead %s vs direct: ffmpeg %s ms, ffmpeg-fast %s ms, gst %s ms (goal <= 20 ms)\n' "$t" \
      "$(diff_ms "${ff_f[cold,$t]}" "${ff_f[cold,direct]}")" \
      "$(diff_ms "${ff_q[cold,$t]}" "${ff_q[cold,direct]}")" \
      "$(diff_ms "${ff_g[cold,$t]}" "${ff_g[cold,direct]}")"
  done
  ff_next=$next
}

diff_ms() { # a b -> a - b, or "-"
  if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]]; then calc '%+.1f' "$1 - $2"; else echo -; fi
}

# ---- load measurement ---------------------------------------------------------
# Runs ce-rtsp-load against SRV_PID/SRV_BASE and measures the server.  Sets
# m_* variables.
measure_load() { # target registry cameras viewers_per_camera window [extra load args]
  local t=$1 reg=$2 cams=$3 per=$4 win=$5
  shift 5
  local urlfile=$work/urls.txt lp c0 c1 s0 s1 l0 l1 t0 t1 start_s
  # Fresh cameras for every measurement: a camera another relay has just
  # left may still have a session at the simulator.
  ids_from "$reg" "$cam_cursor" "$cams" | sed "s|^|$srv_base|" > "$urlfile"
  cam_cursor=$((cam_cursor + cams))
  sleep 1
  m_rss0=$(rss_kb "$srv_pid") m_thr0=$(threads "$srv_pid")
  : > "$work/load.err"
  # Reads every 20 ms (cheaper at thousands of sessions); a generous start
  # timeout because gst-rtsp-server prepares media one at a time on its
  # single client thread.
  "$load" --urls "$urlfile" --per-url "$per" --ramp "$ramp_ms" --duration 900 \
    --batch-ms 20 --start-timeout 60 --json "$@" > "$work/load.json" 2> "$work/load.err" &
  lp=$!
  pids+=("$lp")
  start_s=$((cams * per * ramp_ms / 1000 + 70))
  if ! wait_line "$work/load.err" 'sessions started' "$start_s" "$lp"; then
    log "$t: sessions did not start within $start_s s"
  fi
  sleep "$warmup"
  c0=$(cpu_ms "$srv_pid") s0=$(cpu_ms "$sim_pid") l0=$(cpu_ms "$lp") t0=$(now_ms)
  sleep "$(calc '%.1f' "$win / 2")"
  m_rss1=$(rss_kb "$srv_pid") m_thr1=$(threads "$srv_pid")
  sleep "$(calc '%.1f' "$win / 2")"
  c1=$(cpu_ms "$srv_pid") s1=$(cpu_ms "$sim_pid") l1=$(cpu_ms "$lp") t1=$(now_ms)
  m_load=$(loadavg)
  stop "$lp"
  m_win=$(calc '%.2f' "($t1 - $t0) / 1000")
  m_cpu=$((c1 - c0)) m_sim_cpu=$((s1 - s0)) m_client_cpu=$((l1 - l0))
  m_alive=1
  kill -0 "$srv_pid" 2> /dev/null || { m_alive=0; log "$t DIED during the load (see $work)"; }
  if ! kill -0 "$sim_pid" 2> /dev/null; then
    m_alive=0
    echo "NOTE: the simulator exited during the $t load: figures void" | tee -a "$work/notes" >&2
  fi
  if ! jq -e . "$work/load.json" > /dev/null 2>&1; then
    echo '{}' > "$work/load.json"
  fi
  m_json=$work/load-$t-${cams}x$per.json
  cp "$work/load.json" "$m_json"
  m_playing=$(jq -r '.playing // 0' "$m_json")
  m_sessions=$(jq -r '.sessions // 0' "$m_json")
  m_gaps=$(jq -r '.gaps // 0' "$m_json")
  m_lossy=$(jq -r '.lossy_sessions // 0' "$m_json")
  m_ratio=$(jq -r '.min_frame_ratio // -1' "$m_json")
  m_key50=$(jq -r '.first_key_ms.p50 // -1' "$m_json")
  m_errors=$(jq -c '.errors // {}' "$m_json")
  sleep "$((linger + 3))"
  m_rss2=$(rss_kb "$srv_pid") m_thr2=$(threads "$srv_pid")
  m_per_view=$(calc '%.2f' "$m_cpu / ($m_playing > 0 ? $m_playing * $m_win : 1)")
  m_per_up=$(calc '%.2f' "$m_cpu / ($cams * $m_win)")
  m_mb_cam=$(calc '%.2f' "($m_rss1 - $m_rss0) / 1024 / $cams")
  # Held: no lost packet, no lossy session, and at least 98 % of the
  # sessions started (start failures are listed under the row).
  m_held=0
  [[ $m_alive == 1 && $m_sessions -gt 0 && $((m_playing * 100)) -ge $((m_sessions * 98)) &&
    $m_gaps == 0 && $m_lossy == 0 ]] && m_held=1
}

load_header() {
  printf '%-8s %5s %9s %8s %8s %9s %12s %14s %6s %6s %5s %6s %7s %6s %6s %5s\n' \
    target cams viewers cpu_ms ms/up-s ms/view-s threads rss_MB MB/cam lostpk lossy ratio key50 simcpu clicpu load
}
load_row() { # target cams
  printf '%-8s %5s %9s %8s %8s %9s %12s %14s %6s %6s %5s %6s %7s %6s %6s %5s\n' \
    "$1" "$2" "$m_playing/$m_sessions" "$m_cpu" "$m_per_up" "$m_per_view" \
    "$m_thr0/$m_thr1/$m_thr2" \
    "$(calc '%.0f' "$m_rss0 / 1024")/$(calc '%.0f' "$m_rss1 / 1024")/$(calc '%.0f' "$m_rss2 / 1024")" \
    "$m_mb_cam" "$m_gaps" "$m_lossy" "$m_ratio" "$m_key50" \
    "$(calc '%.0f' "100 * $m_sim_cpu / ($m_win * 1000)")%" \
    "$(calc '%.0f' "100 * $m_client_cpu / ($m_win * 1000)")%" "$m_load"
  [[ $m_errors != "{}" ]] && echo "         errors: $m_errors"
  [[ $m_alive == 0 ]] && echo "         $1 exited during the load"
  return 0
}
load_legend() {
  echo "   cpu_ms: server utime+stime over the window; ms/up-s: per upstream camera-second; ms/view-s: per viewer stream-second"
  echo "   threads and rss_MB: idle before / under load / after the viewers left + linger ${linger}s + 3 s; MB/cam: (load - idle) / cameras"
  echo "   lostpk: RTP sequence gaps; lossy: sessions with gaps, no frame or < 98% of 25 fps x time; ratio: lowest frames/expected;"
  echo "   key50: median ms from connect to the first keyframe packet (+-20 ms); simcpu/clicpu: simulator / load client CPU (100% = one core); load: loadavg at the end"
}

scenario_loads() { # registry
  local size cams per t
  echo
  echo "== CPU / RSS / threads under load: 2 Mb/s, GOP 2 s, window ${window}s"
  load_legend
  load_header
  for size in $loads; do
    cams=${size%x*} per=${size#*x}
    for t in $relays; do
      log "load ${cams}x$per on $t"
      start_target "$t" "$1"
      measure_load "$t" "$1" "$cams" "$per" "$window"
      load_row "$t" "$cams"
      stop_target "$t"
    done
  done
}

scenario_five() { # registry first-free-camera
  local t id before j cam=$2
  echo
  echo "== Five clients open the same cold camera at once (load $(loadavg))"
  printf '%-8s %8s %11s %16s %16s %8s %s\n' target playing zero_frames upstream_conns media_created key_max result
  for t in $relays; do
    id=$(ids_from "$1" "$cam" 1)
    cam=$((cam + 1))
    start_target "$t" "$1"
    before=$(curl -s "http://127.0.0.1:$sim_ctl/cam/$id" | jq -r '.connections_total // 0')
    local mb
    mb=$(curl -s "http://127.0.0.1:$sim_ctl/cam/$id" | jq -r '.media_created // 0')
    j=$("$load" --per-url 5 --ramp 0 --duration 6 --json "$srv_base$id" 2> /dev/null)
    local conns media
    conns=$(($(curl -s "http://127.0.0.1:$sim_ctl/cam/$id" | jq -r '.connections_total // 0') - before))
    media=$(($(curl -s "http://127.0.0.1:$sim_ctl/cam/$id" | jq -r '.media_created // 0') - mb))
    local playing zero result=PASS
    playing=$(jq -r .playing <<< "$j") zero=$(jq -r .zero_frame_sessions <<< "$j")
    [[ $playing == 5 && $zero == 0 && $conns == 1 ]] || result=FAIL
    printf '%-8s %8s %11s %16s %16s %8s %s\n' "$t" "$playing/5" "$zero" "$conns" "$media" \
      "$(jq -r .first_key_ms.max <<< "$j")" "$result"
    stop_target "$t"
  done
}

scenario_slow() { # registry
  local t cams=$slow_cameras
  echo
  echo "== Slow viewers: $cams cameras x 5 viewers, the last viewer of each camera stops reading ${slow_after}s after PLAY; window ${slow_window}s"
  printf '%-8s %8s %8s %6s %12s %13s %15s %14s %5s\n' target playing lostpk lossy slow_closed slow_pending rss_MB threads load
  for t in $relays; do
    log "slow viewers on $t"
    start_target "$t" "$1"
    measure_load "$t" "$1" "$cams" 5 "$slow_window" --slow "$cams" --stop-reading-after "$slow_after"
    printf '%-8s %8s %8s %6s %12s %13s %15s %14s %5s\n' "$t" "$m_playing/$m_sessions" "$m_gaps" \
      "$m_lossy" "$(jq -r '.slow_closed_by_server // 0' "$m_json")/$cams" \
      "$(jq -r '.slow_pending_bytes // 0' "$m_json")" \
      "$(calc '%.0f' "$m_rss0 / 1024")/$(calc '%.0f' "$m_rss1 / 1024")/$(calc '%.0f' "$m_rss2 / 1024")" \
      "$m_thr0/$m_thr1/$m_thr2" "$m_load"
    stop_target "$t"
  done
  echo "   lostpk/lossy count the viewers that kept reading; slow_closed: stalled viewers the server hung up on by the end"
}

scenario_max() { # registry label per-camera steps
  local reg=$1 label=$2 per=$3 steps=$4 t n cams
  echo
  echo "== Largest load held without frame loss: $label (window ${max_window}s)"
  load_legend
  load_header
  for t in $relays; do
    for n in $steps; do
      cams=$((n / per))
      if [[ $t != cityeyed && $n -gt $naive_max ]]; then
        echo "$t: $n sessions not tried (--naive-max $naive_max)"
        break
      fi
      log "max load: $n sessions on $cams cameras, $t"
      start_target "$t" "$reg"
      measure_load "$t" "$reg" "$cams" "$per" "$max_window"
      load_row "$t" "$cams"
      stop_target "$t"
      if [[ $m_held == 0 ]]; then
        echo "$t: loss, or fewer than 98% of sessions started, at $n sessions: stopping here"
        break
      fi
    done
  done
}

# ---- run ---------------------------------------------------------------------

echo "cityeye relay benchmark: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "build $build; simulator engine $sim_engine; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
ffmpeg_startup=-
if [[ $have_ffmpeg == 1 ]]; then
  ffmpeg_startup=$(for _ in 1 2 3; do
    t0=$(date +%s%N)
    ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i nullsrc=s=16x16 -frames:v 1 -f null - > /dev/null 2>&1
    echo $((($(date +%s%N) - t0) / 1000000))
  done | median)
fi
started=$(now_ms)

n_targets=$(wc -w <<< "$relays")
need=0
for size in $loads; do need=$((need + ${size%x*} * n_targets)); done
need=$((need + slow_cameras * n_targets))
for n in $max_cameras; do need=$((need + n * n_targets)); done
n_reg=$((need + 20 * runs + 40)) # first frame: up to 4 targets x (3 runs + 1)
if wanted ff || wanted five || wanted load || wanted slow || wanted max; then
  log "simulator: GOP 2 s, 2 Mb/s; registry of $n_reg cameras"
  start_sim sim2 2 2000
  make_registry gop2 "$n_reg" "$sim_port"
  ff_next=$((need + 1)) cam_cursor=1
  wanted ff && scenario_first_frame 2 gop2 "$ff_next"
  wanted five && { scenario_five gop2 "$ff_next"; ff_next=$((ff_next + 4)); }
  wanted load && scenario_loads gop2
  wanted slow && scenario_slow gop2
  wanted max && scenario_max gop2 "cameras x 1 viewer, 2 Mb/s, GOP 2 s" 1 "$max_cameras"
  stop "$sim_pid"
fi
if wanted ff; then
  log "simulator: GOP 4 s, 2 Mb/s"
  start_sim sim4 4 2000
  make_registry gop4 $((20 * runs + 10)) "$sim_port"
  scenario_first_frame 4 gop4 1
  stop "$sim_pid"
fi
if wanted viewers; then
  log "simulator: GOP 2 s, 1 Mb/s"
  start_sim sim1 2 1000
  need=0
  for n in $max_viewers; do need=$((need + n / viewers_per_camera * n_targets)); done
  make_registry mbit1 $((need + 10)) "$sim_port"
  cam_cursor=1
  scenario_max mbit1 "viewer sessions at 1 Mb/s, $viewers_per_camera per camera, GOP 2 s" \
    "$viewers_per_camera" "$max_viewers"
  stop "$sim_pid"
fi
echo
[[ -s $work/notes ]] && cat "$work/notes"
echo "done in $((($(now_ms) - started) / 1000)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
