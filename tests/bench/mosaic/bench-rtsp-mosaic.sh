#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# CPU of one wall monitor served as an RTSP mosaic, end to end: the camera
# simulator (9 cameras, 640x360 sub streams at 25 fps), cityeyed with
# [wall] mosaic_size (default 1920x1080), a wall with one monitor in layout
# 9 (the tiles play sub streams), and one RTSP viewer of
# rtsp://127.0.0.1:PORT/walls/bench/monitors/0 (gst-launch rtspsrc,
# depayloaded and parsed, not decoded: the viewer's own cost stays out).
# cityeyed's CPU (utime + stime from /proc) is measured over --seconds
# twice: with the wall's cameras pulled but nobody watching the mosaic,
# then with the viewer; the difference is the mosaic's cost.  Then six
# layout changes while the viewer plays, with the time each held up the
# gateway's main context.  Figures, not pass/fail.
#
# Usage: bash tests/bench/mosaic/bench-rtsp-mosaic.sh [--build DIR]
#          [--seconds S] [--size WxH] [--keep]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build
seconds=20
size=1920x1080
keep=0

while (($#)); do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help)
      sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "bench-rtsp-mosaic: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

cityeye=$build/src/cli/cityeye
gateway=$build/src/daemon/cityeyed
sim=$build/samples/camsim/cityeye-camsim
for f in "$cityeye" "$gateway" "$sim"; do
  [[ -e $f ]] || { echo "bench-rtsp-mosaic: missing $f (build first: meson compile -C $build)" >&2; exit 1; }
done
for t in curl gst-launch-1.0; do
  command -v "$t" > /dev/null || { echo "bench-rtsp-mosaic: needs $t" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/cityeye-bench-rtsp-mosaic.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  wait 2> /dev/null
  if ((keep)); then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }
wait_line() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2> /dev/null && return 0
    sleep 0.1
  done
  return 1
}
# CPU seconds (user + system) of a process so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# ---- set-up ------------------------------------------------------------
"$sim" --port 0 --control-port 0 > "$work/sim.out" 2> "$work/sim.err" &
pids+=($!)
wait_line "$work/sim.out" 'rtsp=' 60 || { log "camsim did not start"; exit 1; }
sim_port=$(sed -n 's/.*rtsp=[^ ]*:\([0-9]*\).*/\1/p' "$work/sim.out" | head -n 1)

{
  echo "id,name,source,street,lon,lat,rtsp_url,rtsp_url_sub,status"
  for ((i = 1; i <= 9; i++)); do
    id=$(printf '310113000013200%05d' "$i")
    url=rtsp://127.0.0.1:$sim_port/cam/m$i
    echo "$id,拼接$i,social,顾村镇,121.40,31.35,$url,$url?profile=sub,online"
  done
} > "$work/cams.csv"
db=$work/registry.db
"$cityeye" db init --db "$db" > /dev/null
"$cityeye" camera import "$work/cams.csv" --db "$db" > /dev/null ||
  { log "import failed"; exit 1; }
"$cityeye" user add bench --role wall --db "$db" > /dev/null
token=$("$cityeye" token create --user bench --label bench --db "$db" | grep -o 'cet_[A-Za-z0-9_-]*' | head -n 1)
[[ -n $token ]] || { log "no token"; exit 1; }

printf '[probe]\ninterval=0\n[wall]\nmosaic_size=%s\nmosaic_max=1\n' "$size" > "$work/gw.conf"
GST_DEBUG=${GST_DEBUG:-} "$gateway" --config "$work/gw.conf" --db "$db" --rtsp-port 0 --http-port 0 \
  > "$work/gw.out" 2> "$work/gw.err" &
gw=$!
pids+=($gw)
wait_line "$work/gw.out" 'http=' 30 || { log "cityeyed did not start"; tail -5 "$work/gw.err" >&2; exit 1; }
http_port=$(sed -n 's/.*http=.*:\([0-9]*\)$/\1/p' "$work/gw.out")
rtsp_port=$(sed -n 's/.*rtsp=.*:\([0-9]*\)$/\1/p' "$work/gw.out")
api=http://127.0.0.1:$http_port

call() {
  curl -s -o "$work/body.json" -w '%{http_code}' -X "$1" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$api$2"
}
admin_token=$("$cityeye" user add root --role admin --db "$db" > /dev/null &&
  "$cityeye" token create --user root --label bench --db "$db" | grep -o 'cet_[A-Za-z0-9_-]*' | head -n 1)
metric() {
  curl -s -H "Authorization: Bearer $admin_token" "$api/metrics" |
    awk -v m="$1" '$1 == m { print $2 }'
}

tiles=""
for ((i = 1; i <= 9; i++)); do tiles+="${tiles:+, }\"$(printf '310113000013200%05d' "$i")\""; done
r=$(curl -s -o "$work/body.json" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  --data '{"name": "bench", "title": "bench", "rows": 1, "cols": 1}' "$api/api/v1/walls")
[[ $r == 201 ]] || { log "wall: $r $(cat "$work/body.json")"; exit 1; }
r=$(call PATCH /api/v1/walls/bench "{\"revision\": 0, \"monitors\": [{\"index\": 0, \"layout\": \"9\", \"tiles\": [$tiles]}]}")
[[ $r == 200 ]] || { log "layout: $r $(cat "$work/body.json")"; exit 1; }

echo "cityeye RTSP mosaic benchmark: $(nproc) cores, 3 x 3 at $size from 640x360 sub streams, ${seconds} s per phase"
# The wall holds its cameras warm: let them start.
sleep 4
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
c0=$(cpu "$gw")
sleep "$seconds"
c1=$(cpu "$gw")
idle=$(echo "scale=3; ($c1 - $c0) / $seconds" | bc)
echo "cityeyed, 9 cameras pulled for the wall, no mosaic: $idle cores"

url=rtsp://bench:$token@127.0.0.1:$rtsp_port/walls/bench/monitors/0
gst-launch-1.0 -q rtspsrc location="$url" protocols=tcp latency=0 ! \
  rtph264depay ! h264parse ! fakesink > "$work/viewer.out" 2>&1 &
pids+=($!)
# Started, first keyframe through, then measured.
sleep 4
f0=$(metric cityeye_mosaic_frames_out)
s0=$(metric cityeye_mosaic_frames_skipped)
c0=$(cpu "$gw")
sleep "$seconds"
c1=$(cpu "$gw")
f1=$(metric cityeye_mosaic_frames_out)
s1=$(metric cityeye_mosaic_frames_skipped)
busy=$(echo "scale=3; ($c1 - $c0) / $seconds" | bc)
echo "cityeyed, the same plus the mosaic and one RTSP viewer: $busy cores"
echo "the mosaic's cost: $(echo "scale=3; $busy - $idle" | bc) cores"
echo "frames encoded: $(echo "scale=1; (${f1:-0} - ${f0:-0}) / $seconds" | bc) per second (goal 25); tile frames skipped: $((${s1%.*} - ${s0%.*}))"
echo "mosaics running: $(metric cityeye_mosaics), viewers: $(metric cityeye_mosaic_viewers)"

# Layout changes while the viewer plays: each builds a new pipeline on the
# gateway's main context; cityeyed logs how long that took.
four=""
for ((i = 1; i <= 4; i++)); do four+="${four:+, }\"$(printf '310113000013200%05d' "$i")\""; done
for ((round = 0; round < 6; round++)); do
  rev=$(curl -s -H "Authorization: Bearer $token" "$api/api/v1/walls/bench" |
    sed -n 's/.*"revision" *: *\([0-9]*\).*/\1/p')
  if ((round % 2 == 0)); then layout=4 t=$four; else layout=9 t=$tiles; fi
  r=$(call PATCH /api/v1/walls/bench "{\"revision\": $rev, \"monitors\": [{\"index\": 0, \"layout\": \"$layout\", \"tiles\": [$t]}]}")
  [[ $r == 200 ]] || log "layout change: $r $(cat "$work/body.json")"
  sleep 2
done
echo "layout changes while playing (main context held up, ms): $(grep -o 'new layout of [0-9]* tiles ([0-9]* ms)' "$work/gw.err" | sed 's/.*(\([0-9]*\) ms)/\1/' | tr '\n' ' ')"
if kill -0 "${pids[-1]}" 2> /dev/null; then echo "the viewer still plays"; else echo "the viewer stopped"; fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
