#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Health-sweep benchmark (the health issue's "Benchmark" section): a full
# sweep of the 23,000-camera sample at several concurrencies, with its wall
# time and CPU, first from the command line, then inside the gateway while
# it relays 50 cameras to a load client that counts their frames.
#
# Usage: bash tests/bench/probe/bench-probe.sh [--build DIR] [...]
#        bash tests/bench/probe/bench-probe.sh --help
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build
concurrency="64 256"
relayed=50
port=8555
timeout=3
view=70
shares="--share-offline 0.03 --share-auth 0.02 --share-slow 0.01 --share-tarpit 0.01"
skip=""
keep=0

usage() {
  cat << EOF
Usage: bash tests/bench/probe/bench-probe.sh [OPTION]...

Imports build/samples/inventory/baoshan-23k.csv (its URLs point at
127.0.0.1:$port) into a fresh registry, starts the camera simulator on that
port with shares of faulty cameras, and runs:

  cli    cityeye camera probe --all at each concurrency: wall time, CPU,
         results by outcome
  daemon cityeyed sweeping all cameras at each concurrency while it relays
         $relayed cameras to ce-rtsp-load (one viewer each): sweep wall time,
         gateway CPU during the sweep, and the viewers' frames and losses

Every figure line carries the 1-minute load average.

  --build DIR          meson build directory (default: build)
  --concurrency "N ..." sweep concurrencies (default "$concurrency")
  --relayed N          cameras relayed during the daemon sweeps, 0 = none
                       (default $relayed)
  --timeout S          probe timeout: connect and each answer (default $timeout)
  --view S             seconds the viewers play, from before the sweep to
                       after it (default $view; the sweep starts after 12)
  --shares "ARGS"      simulator share options (default "$shares")
  --skip LIST          skip scenarios: cli,daemon
  --keep               keep the work directory (logs, registry) at the end

Needs curl, jq and GNU time (/usr/bin/time).  Port $port must be free: the sample's URLs name it.
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift ;;
    --concurrency) concurrency=$2; shift ;;
    --relayed) relayed=$2; shift ;;
    --timeout) timeout=$2; shift ;;
    --view) view=$2; shift ;;
    --shares) shares=$2; shift ;;
    --skip) skip=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench-probe: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

cityeye=$build/src/cli/cityeye
cityeyed=$build/src/daemon/cityeyed
camsim=$build/samples/camsim/cityeye-camsim
load=$build/tests/bench/relay/ce-rtsp-load
sample=$build/samples/inventory/baoshan-23k.csv
for f in "$cityeye" "$cityeyed" "$camsim" "$sample"; do
  [[ -e $f ]] || { echo "bench-probe: $f missing: build first (ninja -C $build)" >&2; exit 1; }
done
for tool in curl jq /usr/bin/time; do
  command -v $tool > /dev/null || { echo "bench-probe: needs $tool" >&2; exit 1; }
done
if ss -ltn 2> /dev/null | awk '{print $4}' | grep -q ":$port\$"; then
  echo "bench-probe: port $port is in use; the sample's camera URLs need it" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-probe.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null; done
  wait 2> /dev/null
  if [[ $keep == 1 ]]; then echo "work directory: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

loadavg() { cut -d' ' -f1 /proc/loadavg; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
skipped() { [[ ",$skip," == *",$1,"* ]]; }
# CPU seconds (user + system) of a process so far.
cpu_of() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
    "/proc/$1/stat" 2> /dev/null || echo 0
}

echo "== setup (load $(loadavg))"
"$cityeye" camera import "$sample" --db "$work/registry.db" -q || exit 1
# shellcheck disable=SC2086
"$camsim" --port "$port" --control-port 0 --size 320x240 --sub-size 160x120 \
  --bitrate 300 $shares > "$work/camsim.out" 2> "$work/camsim.log" &
pids+=($!)
for _ in $(seq 100); do
  grep -q '^camsim:' "$work/camsim.out" 2> /dev/null && break
  sleep 0.1
done
control=$(sed -n 's/.*control=\([0-9.:]*\).*/\1/p' "$work/camsim.out")
[[ -n $control ]] || { echo "bench-probe: the simulator did not start" >&2; exit 1; }
echo "simulator on 127.0.0.1:$port (control $control), shares: $shares"

# ---- cli ------------------------------------------------------------------
if ! skipped cli; then
  echo
  echo "== cityeye camera probe --all (23,000 cameras)"
  printf '%-12s %9s %9s %8s %8s %8s %8s %8s %6s\n' concurrency wall_s cpu_s \
    online offline auth no_video changes load
  for c in $concurrency; do
    /usr/bin/time -f '%e %U %S' -o "$work/time-$c" \
      "$cityeye" camera probe --all --db "$work/registry.db" \
      --concurrency "$c" --timeout "$((timeout * 1000))" --json -q > "$work/cli-$c.json"
    read -r wall user sys < "$work/time-$c"
    jq -r --arg c "$c" --arg wall "$wall" \
      --arg cpu "$(calc "$user + $sys")" --arg load "$(loadavg)" \
      '.summary | [$c, $wall, $cpu, .online, .offline, .auth_failed,
        .no_video, .changes, $load] | @tsv' "$work/cli-$c.json" |
      awk -F'\t' '{ printf "%-12s %9s %9s %8s %8s %8s %8s %8s %6s\n",
        $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
  done
  echo "(wall and CPU of the cityeye process; the simulator's CPU is not counted)"
fi

# ---- daemon ----------------------------------------------------------------
if ! skipped daemon; then
  echo
  echo "== cityeyed sweeping 23,000 cameras while relaying $relayed"
  printf '%-12s %8s %9s %9s %7s %8s %8s %12s %6s %9s %6s\n' concurrency \
    sweep_s gw_cpu_s relay_cpu online relayed viewers frames gaps min_ratio \
    load
  # Relayed cameras: healthy ones (no share fault in the simulator).
  ids=""
  n=0
  for id in $("$cityeye" camera list --db "$work/registry.db" --limit 1000 \
      --json | jq -r '.cameras[].id'); do
    [[ $n -ge $relayed ]] && break
    fault=$(curl -s "http://$control/cam/$id" | jq -r .fault)
    [[ $fault == none ]] || continue
    ids="$ids $id"
    n=$((n + 1))
  done
  for c in $concurrency; do
    conf=$work/cityeye-$c.conf
    cat > "$conf" << EOF
[registry]
database=$work/registry.db
[rtsp]
port=0
[http]
port=0
[auth]
allow_anonymous=true
anonymous_sources=all
anonymous_secrecy=1
[probe]
interval=3600
start_delay=12
concurrency=$c
timeout=$timeout
# The sweep alone: no deep-check sample pulling cameras after it.
deep_sample=0
EOF
    "$cityeyed" --config "$conf" > "$work/gw-$c.out" 2> "$work/gw-$c.log" &
    gw=$!
    pids+=($gw)
    for _ in $(seq 100); do
      grep -q '^cityeyed: rtsp=' "$work/gw-$c.out" 2> /dev/null && break
      sleep 0.1
    done
    gwaddr=$(sed -n 's/^cityeyed: rtsp=//p' "$work/gw-$c.out")
    [[ -n $gwaddr ]] || { echo "bench-probe: cityeyed did not start" >&2; cat "$work/gw-$c.log" >&2; exit 1; }
    viewers=0
    if [[ $relayed -gt 0 && -x $load ]]; then
      for id in $ids; do echo "rtsp://$gwaddr/cameras/$id"; done > "$work/urls"
      # Viewers start before the sweep (start_delay) and end after it.
      "$load" --urls "$work/urls" --per-url 1 --duration "$view" --ramp 20 \
        --json > "$work/load-$c.json" 2> "$work/load-$c.log" &
      loadpid=$!
      pids+=($loadpid)
      viewers=$relayed
    fi
    # The relay's own CPU rate before the sweep (viewers playing).
    sleep 5
    base0=$(cpu_of $gw)
    sleep 5
    base1=$(cpu_of $gw)
    # The sweep: from its start line to its summary line.
    for _ in $(seq 100); do
      grep -q 'Probe sweep 1: [0-9]* cameras,' "$work/gw-$c.log" && break
      sleep 0.1
    done
    cpu0=$(cpu_of $gw)
    for _ in $(seq 1200); do
      grep -q 'Probe sweep 1: .* in [0-9.]* s' "$work/gw-$c.log" && break
      sleep 0.1
    done
    cpu1=$(cpu_of $gw)
    summary=$(grep -o 'Probe sweep 1: .* in [0-9.]* s:.*' "$work/gw-$c.log")
    sweep_s=$(sed -n 's/.* in \([0-9.]*\) s:.*/\1/p' <<< "$summary")
    online=$(sed -n 's/.* s: \([0-9]*\) online.*/\1/p' <<< "$summary")
    relayed_n=$(sed -n 's/.* online (\([0-9]*\) relayed).*/\1/p' <<< "$summary")
    frames=- gaps=- ratio=-
    if [[ $viewers -gt 0 ]]; then
      wait $loadpid
      frames=$(jq -r '"\(.frames)/\(.frames_expected)"' "$work/load-$c.json" 2> /dev/null)
      gaps=$(jq -r '.gaps' "$work/load-$c.json" 2> /dev/null)
      ratio=$(jq -r '.min_frame_ratio' "$work/load-$c.json" 2> /dev/null)
    fi
    # What relaying alone would have cost over the sweep's duration.
    relay_cpu=$(calc "($base1 - $base0) / 5 * ${sweep_s:-0}")
    printf '%-12s %8s %9s %9s %7s %8s %8s %12s %6s %9s %6s\n' "$c" \
      "${sweep_s:--}" "$(calc "$cpu1 - $cpu0")" "$relay_cpu" \
      "${online:--}" "${relayed_n:--}" "$viewers" "$frames" "$gaps" "$ratio" \
      "$(loadavg)"
    echo "  $summary"
    kill $gw 2> /dev/null
    wait $gw 2> /dev/null
  done
  echo "(gw_cpu_s: cityeyed CPU during the sweep, relaying included;"
  echo " relay_cpu: its CPU rate before the sweep times the sweep's duration;"
  echo " frames: received/expected RTP frames of the $relayed viewers over the"
  echo " $view s that include the sweep; gaps: RTP sequence gaps; min_ratio: the"
  echo " worst viewer's received/expected frames)"
fi
