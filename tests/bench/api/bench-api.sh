#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# HTTP API benchmark (the API issue's "Benchmark" section), on 127.0.0.1:
#  1. list and near latency (p50/p99) at the 23,000-camera sample inventory,
#     one connection, then throughput with several connections;
#  2. snapshot latency, cold (idle camera pulled for it) and hot (decoded
#     from a running camera's GOP cache);
#  3. API throughput and latency while N streams are relayed to RTSP
#     viewers (tests/bench/relay/ce-rtsp-load), with those viewers' packet
#     loss.
# Every figure line carries the 1-minute load average.
#
# Usage: bash tests/bench/api/bench-api.sh [--build DIR] [--streams N]
#          [--seconds S] [--snapshots N] [--keep]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build
streams=200
seconds=15
snapshots=10
keep=0

while (($#)); do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --snapshots) snapshots=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help)
      sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "bench-api: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

cityeye=$build/src/cli/cityeye
gateway=$build/src/daemon/cityeyed
sim=$build/samples/camsim/cityeye-camsim
load=$build/tests/bench/relay/ce-rtsp-load
csv=$build/samples/inventory/baoshan-23k.csv
for f in "$cityeye" "$gateway" "$sim" "$load" "$csv"; do
  [[ -e $f ]] || { echo "bench-api: missing $f (build first: ninja -C $build)" >&2; exit 1; }
done
command -v curl > /dev/null || { echo "bench-api: needs curl" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cityeye-bench-api.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  wait 2> /dev/null
  if ((keep)); then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

loadavg() { cut -d' ' -f1 /proc/loadavg; }
log() { printf '%s\n' "$*" >&2; }
# Waits for a line matching $2 in file $1 (at most $3 seconds).
wait_line() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2> /dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---- set-up ------------------------------------------------------------
"$sim" --port 0 --control-port 0 --size 640x360 --bitrate 800 --gop 2 \
  > "$work/sim.out" 2> "$work/sim.err" &
pids+=($!)
wait_line "$work/sim.out" 'rtsp=' 60 || { log "camsim did not start"; exit 1; }
sim_port=$(sed -n 's/.*rtsp=[^ ]*:\([0-9]*\).*/\1/p' "$work/sim.out" | head -n 1)

# The sample inventory points at a simulator on 8555: use ours.
sed "s#rtsp://127.0.0.1:8555/#rtsp://127.0.0.1:$sim_port/#g" "$csv" > "$work/inv.csv"
db=$work/registry.db
"$cityeye" db init --db "$db" > /dev/null
t0=$(date +%s.%N)
"$cityeye" camera import "$work/inv.csv" --db "$db" > /dev/null ||
  { log "import failed"; exit 1; }
log "imported $(wc -l < "$work/inv.csv") lines in $(echo "$(date +%s.%N) - $t0" | bc) s"
"$cityeye" user add bench --role admin --db "$db" > /dev/null
token=$("$cityeye" token create --user bench --label bench --db "$db" | grep -o 'cet_[A-Za-z0-9_-]*' | head -n 1)
[[ -n $token ]] || { log "no token"; exit 1; }

printf '[relay]\nlinger=10\n[rtsp]\nmax_connections=100000\n[probe]\ninterval=0\n' > "$work/gw.conf"
"$gateway" --config "$work/gw.conf" --db "$db" --rtsp-port 0 --http-port 0 \
  > "$work/gw.out" 2> "$work/gw.err" &
gw_pid=$!
pids+=("$gw_pid")
wait_line "$work/gw.out" 'http=' 30 || { log "cityeyed did not start"; tail -5 "$work/gw.err" >&2; exit 1; }
http_port=$(sed -n 's/.*http=.*:\([0-9]*\)$/\1/p' "$work/gw.out")
rtsp_port=$(sed -n 's/.*rtsp=.*:\([0-9]*\)$/\1/p' "$work/gw.out")
api=http://127.0.0.1:$http_port
auth="Authorization: Bearer $token"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gw_pid/stat"; }
clk=$(getconf CLK_TCK)

apiload() { python3 "$here/api-load.py" --port "$http_port" --token "$token" "$@"; }
j() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(" ".join(str(d[k]) for k in sys.argv[2:]))' "$@"; }

echo "# cityeye HTTP API benchmark ($(nproc) cores, $(date -u +%FT%TZ))"
echo
echo "## 1. list / near at $(("$(wc -l < "$work/inv.csv")" - 1)) cameras"
echo
echo "| query | connections | requests | req/s | p50 ms | p99 ms | max ms | errors | gateway CPU % | load avg |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for spec in "list 1" "near 1" "list 4" "near 4"; do
  set -- $spec
  c0=$(cpu_ticks); w0=$(date +%s.%N)
  r=$(apiload --mode "$1" --connections "$2" --duration "$seconds")
  c1=$(cpu_ticks); w1=$(date +%s.%N)
  cpu=$(echo "scale=1; ($c1 - $c0) * 100 / $clk / ($w1 - $w0)" | bc)
  read -r n rps p50 p99 mx err <<< "$(j "$r" requests rps p50_ms p99_ms max_ms errors)"
  echo "| $1 | $2 | $n | $rps | $p50 | $p99 | $mx | $err | $cpu | $(loadavg) |"
done

echo
echo "## 2. snapshots (JPEG of the latest keyframe, 640x360 H.264, GOP 2 s)"
echo
mapfile -t ids < <("$cityeye" camera list --db "$db" --limit "$snapshots" --csv --quiet --source social | tail -n +2 | cut -d, -f1)
cold=() hot=()
for id in "${ids[@]}"; do
  t=$(curl -s -o "$work/snap.jpg" -w '%{http_code} %{time_total}' -H "$auth" "$api/api/v1/cameras/$id/snapshot.jpg")
  [[ ${t%% *} == 200 ]] && cold+=("${t#* }")
done
sleep 1.2 # past the 1 s JPEG cache: the next ones decode the hub's cache
for id in "${ids[@]}"; do
  t=$(curl -s -o "$work/snap.jpg" -w '%{http_code} %{time_total}' -H "$auth" "$api/api/v1/cameras/$id/snapshot.jpg?width=320")
  [[ ${t%% *} == 200 ]] && hot+=("${t#* }")
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1*1000} END {if (NR==0) {print "- - -"; exit} printf "%.1f %.1f %.1f\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
echo "| case | n | p50 ms | min ms | max ms | load avg |"
echo "|---|---|---|---|---|---|"
read -r p mn mx <<< "$(stats "${cold[@]}")"
echo "| cold (camera idle: pulled, first keyframe, decoded) | ${#cold[@]} | $p | $mn | $mx | $(loadavg) |"
read -r p mn mx <<< "$(stats "${hot[@]}")"
echo "| hot (camera running: GOP cache decoded, scaled to 320) | ${#hot[@]} | $p | $mn | $mx | $(loadavg) |"

echo
echo "## 3. API while $streams streams are relayed (1 RTSP viewer each)"
echo
"$cityeye" camera list --db "$db" --limit "$streams" --csv --quiet --source social | tail -n +2 | cut -d, -f1 |
  sed "s#^#rtsp://127.0.0.1:$rtsp_port/cameras/#; s#\$#?token=$token#" > "$work/urls.txt"
relay_seconds=$(echo "$seconds * 2 + 120" | bc) # stopped early, below
"$load" --urls "$work/urls.txt" --duration "$relay_seconds" --ramp 20 --json \
  > "$work/load.json" 2> "$work/load.err" &
load_pid=$!
pids+=("$load_pid")
wait_line "$work/load.err" 'sessions started' 60 || log "ce-rtsp-load: not all sessions started in 60 s"
sleep 3
active=$(curl -s -H "$auth" "$api/metrics" | sed -n 's/^cityeye_upstreams_active //p')
echo "| query | connections | requests | req/s | p50 ms | p99 ms | max ms | errors | gateway CPU % | load avg |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for spec in "list 1" "near 4"; do
  set -- $spec
  c0=$(cpu_ticks); w0=$(date +%s.%N)
  r=$(apiload --mode "$1" --connections "$2" --duration "$seconds")
  c1=$(cpu_ticks); w1=$(date +%s.%N)
  cpu=$(echo "scale=1; ($c1 - $c0) * 100 / $clk / ($w1 - $w0)" | bc)
  read -r n rps p50 p99 mx err <<< "$(j "$r" requests rps p50_ms p99_ms max_ms errors)"
  echo "| $1 | $2 | $n | $rps | $p50 | $p99 | $mx | $err | $cpu | $(loadavg) |"
done
kill -INT "$load_pid" 2> /dev/null # it prints its summary and exits
wait "$load_pid"
echo
echo "Relayed during the API load: $active upstreams active (from /metrics, at the start)."
python3 - "$work/load.json" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
keys = ["sessions", "playing", "failed", "frames", "gaps", "gap_events", "lossy_sessions",
        "zero_frame_sessions", "short_sessions", "min_frame_ratio", "mbit_s"]
print("RTSP viewers: " + ", ".join("%s=%s" % (k, d[k]) for k in keys if k in d))
PY
