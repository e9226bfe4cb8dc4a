#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Measures what cityeye-camsim costs: for each camera count, one simulator
# and client processes holding one "rtspsrc protocols=tcp ! fakesink" per
# camera; after a warm-up, CPU (percent of one core), RSS and threads of the
# simulator and of the clients, the frames the simulator fed and the bytes
# the clients received.
#
#   samples/camsim/bench-camsim.sh [--camsim PATH] [--cameras "100 500"]
#       [--seconds 20] [--warmup 20] [--profile main|sub] [--clients N]
#       [--protocols tcp|udp] [-- extra simulator options]
#
# --clients N spreads the cameras over N client processes (default 1).
# Everything runs on 127.0.0.1 with ephemeral ports.
set -eu

camsim=""
cameras="100 500"
seconds=20
warmup=20
profile=main
clients=1
protocols=tcp
while [ $# -gt 0 ]; do
  case "$1" in
    --camsim) camsim=$2; shift 2 ;;
    --cameras) cameras=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --protocols) protocols=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
for tool in gst-launch-1.0 curl python3 ss; do
  command -v "$tool" > /dev/null || {
    echo "bench-camsim: $tool is needed" >&2; exit 2; }
done
query=""
[ "$profile" = sub ] && query="?profile=sub"

work=$(mktemp -d)
all_pids=()
cleanup() {
  for pid in "${all_pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

hz=$(getconf CLK_TCK)
now() { date +%s.%N; }
# utime+stime in clock ticks, summed over the given processes.
ticks() {
  local total=0 pid fields
  for pid in "$@"; do
    # A client that gave up (UDP timeout) no longer counts.
    [ -r "/proc/$pid/stat" ] || continue
    read -r -a fields < "/proc/$pid/stat"
    total=$((total + fields[13] + fields[14]))
  done
  echo "$total"
}
rss_kb() {
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/status" ] || continue
    total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")))
  done
  echo "$total"
}
threads() {
  local total=0 pid tasks
  for pid in "$@"; do
    [ -d "/proc/$pid/task" ] || continue
    tasks=("/proc/$pid/task"/*)
    total=$((total + ${#tasks[@]}))
  done
  echo "$total"
}
# TCP payload received from the RTSP port by all clients (interleaved
# media); with UDP clients this stays near zero.
received_bytes() {
  ss -tinH state established "( dport = :${rtsp##*:} )" 2> /dev/null |
    grep -o 'bytes_received:[0-9]*' | cut -d: -f2 |
    awk '{ total += $1 } END { printf "%d\n", total }'
}
# Frames fed so far and the simulator's own clock, from one snapshot.
frames_and_uptime() {
  curl -s "http://$control/stats" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(c["frames_sent"] for c in d["cameras"].values()),
      d["uptime_seconds"], d["connections_active"])'
}

printf '%-8s %-5s %-4s %8s %10s %8s %8s %10s %8s %9s %9s %7s\n' cameras \
  profile prot "sim_cpu%" sim_rss_MB sim_thr "cli_cpu%" cli_rss_MB \
  cli_thr sent_fps rx_Mbit/s active
for n in $cameras; do
  "$camsim" --port 0 --control-port 0 "$@" > "$work/camsim.out" \
    2> "$work/camsim.err" &
  sim=$!
  all_pids+=("$sim")
  for _ in $(seq 1 240); do
    [ -s "$work/camsim.out" ] && break
    sleep 0.5
  done
  line=$(head -n 1 "$work/camsim.out")
  rtsp=${line#*rtsp=}
  rtsp=${rtsp%% *}
  control=${line#*control=}
  idle_rss=$(rss_kb "$sim")

  client_pids=()
  per_client=$(((n + clients - 1) / clients))
  i=0
  for c in $(seq 1 "$clients"); do
    description=()
    for _ in $(seq 1 "$per_client"); do
      [ "$i" -ge "$n" ] && break
      i=$((i + 1))
      description+=(rtspsrc "location=rtsp://$rtsp/cam/bench-$i$query"
        "protocols=$protocols" latency=200 ! fakesink sync=false)
    done
    [ ${#description[@]} -eq 0 ] && break
    gst-launch-1.0 -q "${description[@]}" > "$work/client-$c.log" 2>&1 &
    client_pids+=("$!")
  done
  all_pids+=("${client_pids[@]}")
  sleep "$warmup"
  for c in "${!client_pids[@]}"; do
    if ! kill -0 "${client_pids[$c]}" 2> /dev/null; then
      echo "bench-camsim: client $((c + 1)) exited:" \
        "$(tail -n 3 "$work/client-$((c + 1)).log")" >&2
      exit 1
    fi
  done

  read -r sent0 up0 _ <<< "$(frames_and_uptime)"
  bytes0=$(received_bytes)
  tbytes0=$(now)
  sim0=$(ticks "$sim")
  cli0=$(ticks "${client_pids[@]}")
  tcpu0=$(now)
  sleep "$seconds"
  sim1=$(ticks "$sim")
  cli1=$(ticks "${client_pids[@]}")
  tcpu1=$(now)
  bytes1=$(received_bytes)
  tbytes1=$(now)
  read -r sent1 up1 active <<< "$(frames_and_uptime)"

  python3 - "$n" "$profile" "$protocols" "$hz" "$sim0" "$sim1" "$cli0" \
    "$cli1" "$tcpu0" "$tcpu1" "$(rss_kb "$sim")" "$(threads "$sim")" \
    "$(rss_kb "${client_pids[@]}")" "$(threads "${client_pids[@]}")" \
    "$bytes0" "$bytes1" "$tbytes0" "$tbytes1" "$sent0" "$sent1" "$up0" \
    "$up1" "$active" "$idle_rss" << 'EOF'
import sys
(n, profile, protocols, hz, s0, s1, c0, c1, tc0, tc1, rss, thr, crss, cthr,
 b0, b1, tb0, tb1, f0, f1, up0, up1, active, idle_rss) = sys.argv[1:]
window = float(tc1) - float(tc0)
sim_cpu = (int(s1) - int(s0)) / float(hz) / window * 100
cli_cpu = (int(c1) - int(c0)) / float(hz) / window * 100
rx = (int(b1) - int(b0)) * 8 / (float(tb1) - float(tb0)) / 1e6
fps = (int(f1) - int(f0)) / (float(up1) - float(up0))
print("%-8s %-5s %-4s %8.1f %10.1f %8s %8.1f %10.1f %8s %9.0f %9.1f %7s" % (
    n, profile, protocols, sim_cpu, int(rss) / 1024, thr, cli_cpu,
    int(crss) / 1024, cthr, fps, rx, active))
print("         simulator RSS before the clients: %.1f MB; "
      "CPU per fed frame: %.0f us" % (int(idle_rss) / 1024,
                                       sim_cpu * 1e4 / fps if fps else 0))
EOF
  for pid in "${client_pids[@]}" "$sim"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  all_pids=()
done
