#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Video wall benchmark (the wall issue's "Benchmark" section, gateway side),
# on 127.0.0.1 with the camera simulator:
#  1. preset switch on a 16-tile wall (one monitor, layout 16, sub
#     streams): POST .../presets/P/apply until it answers, which is when
#     every tile's camera has a ready hub (its first keyframe) — cold (no
#     camera running), and back to the previous preset while its cameras
#     still linger;
#  2. incident POST until its chosen cameras are ready: 4 cameras without
#     a wall, 8 cameras taking over the wall's monitor.
# Each case runs --rounds times (cameras stop between rounds); the table
# gives the median, min and max of the client's time and the gateway's own
# warm-up figure, and the 1-minute load average.  What the page shows
# (frames presented in a browser) is not measured here.
#
# --start-at-idr makes the simulated cameras start every new session with
# a keyframe (as many IP cameras do on request): a cold switch then waits
# for the connection, not for the camera's next keyframe.
#
# --warm-presets runs the gateway with [wall] warm_presets=true, the
# gateway's default: every preset's cameras are pulled all the time (at
# standby priority).  Without it the bench sets warm_presets=false, the
# worst case, so that the cold figures measure the warm-up itself.
#
# Usage: bash tests/bench/wall/bench-wall.sh [--build DIR] [--rounds N]
#          [--start-at-idr] [--warm-presets] [--keep]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build
rounds=3
keep=0
linger=10
sim_start=--start-anywhere
warm_presets=false

while (($#)); do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --start-at-idr) sim_start=--start-at-idr; shift ;;
    --warm-presets) warm_presets=true; shift ;;
    -h | --help)
      sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "bench-wall: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

cityeye=$build/src/cli/cityeye
gateway=$build/src/daemon/cityeyed
sim=$build/samples/camsim/cityeye-camsim
for f in "$cityeye" "$gateway" "$sim"; do
  [[ -e $f ]] || { echo "bench-wall: missing $f (build first: ninja -C $build)" >&2; exit 1; }
done
command -v curl > /dev/null || { echo "bench-wall: needs curl" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cityeye-bench-wall.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  wait 2> /dev/null
  if ((keep)); then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

loadavg() { cut -d' ' -f1 /proc/loadavg; }
log() { printf '%s\n' "$*" >&2; }
wait_line() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2> /dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---- set-up ------------------------------------------------------------
"$sim" --port 0 --control-port 0 "$sim_start" > "$work/sim.out" 2> "$work/sim.err" &
pids+=($!)
wait_line "$work/sim.out" 'rtsp=' 60 || { log "camsim did not start"; exit 1; }
sim_port=$(sed -n 's/.*rtsp=[^ ]*:\([0-9]*\).*/\1/p' "$work/sim.out" | head -n 1)

# 48 cameras (社会面, online, with sub streams) in three clusters 2 km
# apart: 1–32 (presets A and B), 33–40 (incident 1), 41–48 (incident 2).
{
  echo "id,name,source,street,lon,lat,rtsp_url,rtsp_url_sub,status"
  for ((i = 1; i <= 48; i++)); do
    id=$(printf '310113000013200%05d' "$i")
    c=$((i <= 32 ? 0 : (i <= 40 ? 2 : 3)))
    lon=$(echo "scale=6; 121.40 + $c * 0.02 + ($i % 4) * 0.0003" | bc)
    lat=$(echo "scale=6; 31.35 + (($i % 12) / 4) * 0.0003" | bc)
    url=rtsp://127.0.0.1:$sim_port/cam/w$i
    echo "$id,墙测$i,social,顾村镇,$lon,$lat,$url,$url?profile=sub,online"
  done
} > "$work/cams.csv"
db=$work/registry.db
"$cityeye" db init --db "$db" > /dev/null
"$cityeye" camera import "$work/cams.csv" --db "$db" > /dev/null ||
  { log "import failed"; exit 1; }
"$cityeye" user add bench --role admin --db "$db" > /dev/null
token=$("$cityeye" token create --user bench --label bench --db "$db" | grep -o 'cet_[A-Za-z0-9_-]*' | head -n 1)
[[ -n $token ]] || { log "no token"; exit 1; }

printf '[relay]\nlinger=%s\n[probe]\ninterval=0\n[wall]\nwarm_timeout=10\nwarm_presets=%s\n' \
  "$linger" "$warm_presets" > "$work/gw.conf"
"$gateway" --config "$work/gw.conf" --db "$db" --rtsp-port 0 --http-port 0 \
  > "$work/gw.out" 2> "$work/gw.err" &
pids+=($!)
wait_line "$work/gw.out" 'http=' 30 || { log "cityeyed did not start"; tail -5 "$work/gw.err" >&2; exit 1; }
http_port=$(sed -n 's/.*http=.*:\([0-9]*\)$/\1/p' "$work/gw.out")
api=http://127.0.0.1:$http_port
auth="Authorization: Bearer $token"

# call METHOD PATH [BODY]: prints "HTTP_CODE SECONDS" and keeps the body.
call() {
  curl -s -o "$work/body.json" -w '%{http_code} %{time_total}' -X "$1" \
    -H "$auth" -H 'Content-Type: application/json' ${3:+--data "$3"} "$api$2"
}
j() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d[k] if not k.isdigit() else d[int(k)]
print(d)' "$work/body.json" "$@"; }
tiles() {
  local out="" i
  for ((i = $1; i <= $2; i++)); do out+="${out:+, }\"$(printf '310113000013200%05d' "$i")\""; done
  echo "$out"
}

call POST /api/v1/walls '{"name": "bench", "title": "bench", "rows": 1, "cols": 1}' > /dev/null
for p in "a 1 16" "b 17 32"; do
  set -- $p
  r=$(call PUT "/api/v1/walls/bench/presets/$1" "{\"monitors\": [{\"index\": 0, \"layout\": \"16\", \"tiles\": [$(tiles "$2" "$3")]}]}")
  [[ ${r%% *} == 201 ]] || { log "preset $1: $r $(cat "$work/body.json")"; exit 1; }
done

# Held presets need their first keyframes before the first round.
[[ $warm_presets == true ]] && sleep 3

declare -A client server ready
record() { client[$1]+="${2} "; server[$1]+="${3} "; ready[$1]+="${4} "; }
apply() {
  local r
  r=$(call POST "/api/v1/walls/bench/presets/$2/apply")
  [[ ${r%% *} == 200 ]] || { log "apply $2: $r $(cat "$work/body.json")"; return 1; }
  record "$1" "${r#* }" "$(j warm ms)" "$(j warm ready)/$(j warm cameras)"
}
incident() {
  local r id
  r=$(call POST /api/v1/incidents "$2")
  [[ ${r%% *} == 201 ]] || { log "incident: $r $(cat "$work/body.json")"; return 1; }
  record "$1" "${r#* }" "$(j warm ms)" "$(j warm ready)/$(j warm cameras)"
  id=$(j incident id)
  call POST "/api/v1/incidents/$id/close" > /dev/null
}

loads=()
for ((round = 1; round <= rounds; round++)); do
  log "round $round of $rounds"
  loads+=("$(loadavg)")
  # The wall starts empty: without warm_presets every preset is cold.
  apply "preset A, 16 tiles, not shown before" a
  apply "preset B, 16 tiles, not shown before" b
  apply "back to A (its cameras lingering)" a
  incident "incident, 4 cameras, no wall" '{"lon": 121.44, "lat": 31.3503, "radius_m": 300, "k": 4}'
  incident "incident, 8 cameras, wall takeover" '{"lon": 121.46, "lat": 31.3503, "radius_m": 300, "k": 8, "wall": "bench", "monitor": 0}'
  # An empty wall, then wait until every camera stopped (linger).
  call PATCH /api/v1/walls/bench "{\"revision\": $(call GET /api/v1/walls/bench > /dev/null; j revision), \"monitors\": [{\"index\": 0, \"layout\": \"1\"}]}" > /dev/null
  sleep $((linger + 3))
done

stats() { printf '%s\n' $1 | sort -n | awk -v f="$2" '{a[NR]=$1*f} END {printf "%.0f | %.0f | %.0f", a[int((NR+1)/2)], a[1], a[NR]}'; }
echo "# cityeye wall benchmark ($(nproc) cores, $(date -u +%FT%TZ), $rounds rounds, load avg at round starts: ${loads[*]})"
echo
echo "Camera simulator ($sim_start), warm_presets=$warm_presets: 1280x720 main / 640x360 sub, 25 fps, GOP 2 s; tiles of"
echo "the 16 layout play the sub stream.  Client = curl's total time of the"
echo "POST (it answers when every camera is ready); gateway = its own warm-up"
echo "figure (the wait for the first keyframes)."
echo
echo "| case | client p50 ms | min | max | gateway p50 ms | min | max | ready |"
echo "|---|---|---|---|---|---|---|---|"
for k in "preset A, 16 tiles, not shown before" "preset B, 16 tiles, not shown before" "back to A (its cameras lingering)" \
  "incident, 4 cameras, no wall" "incident, 8 cameras, wall takeover"; do
  echo "| $k | $(stats "${client[$k]}" 1000) | $(stats "${server[$k]}" 1) | ${ready[$k]} |"
done
