#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Measures what cityeye-camsim costs: for each camera count, one simulator
# and one client process holding one "rtspsrc protocols=tcp ! fakesink"
# per camera; after a warm-up, CPU (percent of one core), RSS and threads
# of both processes, what the simulator sent and what the client read.
#
#   samples/camsim/bench-camsim.sh [--camsim PATH] [--cameras "100 500"]
#       [--seconds 20] [--warmup 10] [--profile main|sub] [--clients N]
#       [-- extra simulator options]
#
# --clients N splits the cameras over N client processes (default 1).
# Everything runs on 127.0.0.1 with ephemeral ports.
set -eu

camsim=""
cameras="100 500"
seconds=20
warmup=10
profile=main
clients=1
while [ $# -gt 0 ]; do
  case "$1" in
    --camsim) camsim=$2; shift 2 ;;
    --cameras) cameras=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-camsim: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$camsim" ]; then
  for candidate in build/samples/camsim/cityeye-camsim \
      build-*/samples/camsim/cityeye-camsim; do
    if [ -x "$candidate" ]; then camsim=$candidate; break; fi
  done
fi
if [ -z "$camsim" ] || [ ! -x "$camsim" ]; then
  echo "bench-camsim: no cityeye-camsim binary, use --camsim PATH" >&2
  exit 2
fi
for tool in gst-launch-1.0 curl python3; do
  command -v "$tool" > /dev/null || {
    echo "bench-camsim: $tool is needed" >&2; exit 2; }
done
query=""
[ "$profile" = sub ] && query="?profile=sub"

work=$(mktemp -d)
pids=""
cleanup() {
  for pid in $pids; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

hz=$(getconf CLK_TCK)
# utime+stime in clock ticks, summed over the given processes.
ticks() {
  local total=0 pid
  for pid in "$@"; do
    set -- $(cut -d' ' -f14,15 "/proc/$pid/stat")
    total=$((total + $1 + $2))
  done
  echo $total
}
rss_kb() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")))
  done
  echo $total
}
threads() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(ls "/proc/$pid/task" | wc -l)))
  done
  echo $total
}
# Bytes received on the RTSP connections (TCP payload, all clients).
read_bytes() {
  local port=${rtsp##*:}
  ss -tinH state established "( dport = :$port )" 2> /dev/null |
    grep -o 'bytes_received:[0-9]*' | cut -d: -f2 |
    awk '{ total += $1 } END { printf "%d\n", total }'
}
stat_field() {
  curl -s "http://$control/stats" | python3 -c \
    "import json, sys; d = json.load(sys.stdin); print($1)"
}

printf '%-8s %-5s %9s %9s %8s %9s %9s %8s %10s %10s %7s\n' cameras \
  profile "sim_cpu%" sim_rss_MB sim_thr "cli_cpu%" cli_rss_MB cli_thr \
  sent_fps read_Mb/s active
for n in $cameras; do
  "$camsim" --port 0 --control-port 0 "$@" > "$work/camsim.out" \
    2> "$work/camsim.err" &
  sim=$!
  pids="$pids $sim"
  for _ in $(seq 1 120); do
    [ -s "$work/camsim.out" ] && break
    sleep 0.5
  done
  line=$(head -n 1 "$work/camsim.out")
  rtsp=$(echo "$line" | sed 's/.*rtsp=\([^ ]*\).*/\1/')
  control=$(echo "$line" | sed 's/.*control=\([^ ]*\).*/\1/')
  idle_rss=$(rss_kb $sim)

  client_pids=""
  per_client=$(( (n + clients - 1) / clients ))
  i=0
  for c in $(seq 1 "$clients"); do
    description=""
    for _ in $(seq 1 "$per_client"); do
      [ $i -ge "$n" ] && break
      i=$((i + 1))
      description="$description rtspsrc location=rtsp://$rtsp/cam/bench-$i$query protocols=tcp latency=200 ! fakesink sync=false"
    done
    [ -z "$description" ] && break
    # shellcheck disable=SC2086
    gst-launch-1.0 -q $description > "$work/client-$c.log" 2>&1 &
    client_pids="$client_pids $!"
  done
  pids="$pids $client_pids"
  sleep "$warmup"

  # Each rate uses its own pair of timestamps: reading the statistics
  # takes a moment and must not count as part of the window.
  # Frames and the simulator's clock from the same snapshot.
  frames_now="'%d %f' % (sum(c['frames_sent'] for c in d['cameras'].values()), d['uptime_seconds'])"
  read -r sent0 tsent0 <<< "$(stat_field "$frames_now")"
  bytes0=$(read_bytes)
  tbytes0=$(date +%s.%N)
  sim0=$(ticks $sim)
  cli0=$(ticks $client_pids)
  tcpu0=$(date +%s.%N)
  sleep "$seconds"
  sim1=$(ticks $sim)
  cli1=$(ticks $client_pids)
  tcpu1=$(date +%s.%N)
  bytes1=$(read_bytes)
  tbytes1=$(date +%s.%N)
  read -r sent1 tsent1 <<< "$(stat_field "$frames_now")"
  active=$(stat_field "d['connections_active']")

  python3 - "$n" "$profile" "$sim0" "$sim1" "$cli0" "$cli1" "$hz" \
    "$tcpu0" "$tcpu1" "$(rss_kb $sim)" "$(threads $sim)" \
    "$(rss_kb $client_pids)" "$(threads $client_pids)" "$bytes0" "$bytes1" \
    "$tbytes0" "$tbytes1" "$active" "$idle_rss" "$sent0" "$sent1" "$tsent0" \
    "$tsent1" << 'EOF'
import sys
(n, profile, s0, s1, c0, c1, hz, tc0, tc1, rss, thr, crss, cthr, b0, b1,
 tb0, tb1, active, idle_rss, sent0, sent1, ts0, ts1) = sys.argv[1:]
hz = float(hz)
cpu_window = float(tc1) - float(tc0)
sim_cpu = (int(s1) - int(s0)) / hz / cpu_window * 100
cli_cpu = (int(c1) - int(c0)) / hz / cpu_window * 100
read = (int(b1) - int(b0)) * 8 / (float(tb1) - float(tb0)) / 1e6
frames = (int(sent1) - int(sent0)) / (float(ts1) - float(ts0))
print("%-8s %-5s %9.1f %9.1f %8s %9.1f %9.1f %8s %10.0f %10.1f %7s" % (
    n, profile, sim_cpu, int(rss) / 1024, thr, cli_cpu, int(crss) / 1024,
    cthr, frames, read, active))
print("         simulator RSS before clients: %.1f MB" % (int(idle_rss) / 1024))
EOF
  for pid in $client_pids $sim; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  pids=""
done
