#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Glass-to-glass latency, camera to picture: the simulator burns the
# capture time into its frames (--burn-clock), cityeyed relays one camera
# (its 640x360 sub stream, 25 fps, GOP 2 s), and the readers decode the
# time back from what each output delivers:
#   camsim     the simulator's RTSP directly (encoder + decoder: the floor)
#   rtsp       the gateway's RTSP
#   flv, mp4   live.flv, live.mp4 (chunked HTTP)
#   hls        hls/index.m3u8 (1 s segments)
#   mse-ws     chromium: the console's Player, MSE over live.ws
#   mse-flv    chromium: the Player over live.flv remuxed in the page
# GStreamer readers take frames as they leave the decoder; the browser
# reads them when presented (requestVideoFrameCallback).
#
#   tests/bench/latency/bench-latency.sh [BUILD_DIR] [SECONDS] [WARMUP]
# (defaults 20 and 8: a new viewer starts a GOP behind and catches up;
# GStreamer's FLV reader holds its first seconds before it plays)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
secs=${2:-20}
warmup=${3:-8}
meson compile -C "$build" cityeyed cityeye cityeye-camsim ce-latency > /dev/null

tmp=$(mktemp -d)
pids=
cleanup() {
  for p in $pids; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# "KEY=host:port" from a line a child prints at start-up.
wait_for() {
  file=$1 key=$2 i=0
  while ! grep -q "$key=" "$file" 2> /dev/null; do
    i=$((i + 1))
    [ $i -lt 300 ] || { echo "no $key= in $file" >&2; exit 1; }
    sleep 0.1
  done
  grep -o "$key=[^ ]*" "$file" | head -n1 | cut -d= -f2
}

"$build/samples/camsim/cityeye-camsim" --port 0 --control-port 0 \
  --burn-clock > "$tmp/sim.out" 2> "$tmp/sim.log" &
pids="$pids $!"
sim=$(wait_for "$tmp/sim.out" rtsp)

id=31011300001320000001
cli="$build/src/cli/cityeye"
db="$tmp/registry.db"
{
  echo "id,name,source,street,civil_code,address,lon,lat,rtsp_url,rtsp_url_sub,username,password,secrecy,ptz_type,azimuth,tags,status"
  echo "$id,latency,social,大场镇,310113,,121.42,31.30,rtsp://$sim/cam/lat,rtsp://$sim/cam/lat?profile=sub,,,0,3,,,"
} > "$tmp/cameras.csv"
"$cli" db init --db "$db" > /dev/null 2>&1
"$cli" camera import "$tmp/cameras.csv" --db "$db" > /dev/null 2>&1
"$cli" user add bench --role admin --db "$db" > /dev/null 2>&1
token=$("$cli" token create --user bench --db "$db" 2> /dev/null)
printf '[registry]\ndatabase=%s\n[probe]\ninterval=0\n[rtsp]\nport=0\n[http]\nport=0\n' \
  "$db" > "$tmp/cityeye.conf"
"$build/src/daemon/cityeyed" --config "$tmp/cityeye.conf" > "$tmp/gw.out" \
  2> "$tmp/gw.log" &
pids="$pids $!"
http=$(wait_for "$tmp/gw.out" http)

# A fresh grant per reader: play tokens live 60 s.
url() {
  curl -sf -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"profile":"sub"}' \
    "http://$http/api/v1/cameras/$id/streams" |
    grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "glass-to-glass latency, ${secs} s per output, first ${warmup} s not counted"
run() {
  "$build/tests/bench/latency/ce-latency" --seconds "$secs" --warmup "$warmup" \
    --label "$1" "$2" || echo "$1: failed"
}
run camsim "rtsp://$sim/cam/lat?profile=sub"
run rtsp "$(url rtsp)"
run flv "$(url flv)"
run mp4 "$(url mp4)"
run hls "$(url hls)"
node "$here/bench-latency-browser.mjs" "http://$http" "$token" "$id" \
  "$secs" "$warmup" || echo "browser: failed or skipped"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
