#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# A small HTTP load client for the cityeye API (standard library only):
# N keep-alive connections, each sending requests back to back, for a
# duration or a number of requests; prints one JSON summary line with the
# request rate and latency percentiles measured by the client.
import argparse
import http.client
import json
import random
import threading
import time
import urllib.parse

# The 宝山 district (the sample inventory's area).
LON = (121.25, 121.55)
LAT = (31.27, 31.51)
STREETS = ["顾村镇", "大场镇", "月浦镇", "罗店镇", "杨行镇", "淞南镇", "高境镇",
           "庙行镇", "友谊路街道", "吴淞街道", "张庙街道"]
SOURCES = ["public_security", "xueliang", "social", "mobile"]


def path_for(mode, rng):
    if mode == "near":
        lon = rng.uniform(*LON)
        lat = rng.uniform(*LAT)
        return "/api/v1/cameras?near=%.6f,%.6f&radius=500&k=10" % (lon, lat)
    if mode == "list":
        choice = rng.randrange(4)
        if choice == 0:
            q = {"limit": "100"}
        elif choice == 1:
            q = {"limit": "100", "source": rng.choice(SOURCES)}
        elif choice == 2:
            q = {"limit": "100", "street": rng.choice(STREETS)}
        else:
            lon = rng.uniform(LON[0], LON[1] - 0.02)
            lat = rng.uniform(LAT[0], LAT[1] - 0.02)
            q = {"limit": "100",
                 "bbox": "%.5f,%.5f,%.5f,%.5f" % (lon, lat, lon + 0.02, lat + 0.02)}
        return "/api/v1/cameras?" + urllib.parse.urlencode(q)
    if mode == "stats":
        return "/api/v1/stats"
    raise SystemExit("unknown mode " + mode)


def worker(args, deadline, budget, out, seed):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(args.host, args.port, timeout=30)
    headers = {"Authorization": "Bearer " + args.token}
    lat = []
    errors = 0
    while time.monotonic() < deadline:
        with budget["lock"]:
            if budget["left"] == 0:
                break
            if budget["left"] > 0:
                budget["left"] -= 1
        path = path_for(rng.choice(args.mode.split(",")), rng)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(args.host, args.port, timeout=30)
        lat.append(time.perf_counter() - t0)
        if not ok:
            errors += 1
    conn.close()
    out.append((lat, errors))


def pct(sorted_values, p):
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, int(round(p / 100.0 * (len(sorted_values) - 1))))
    return sorted_values[i]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--mode", default="list", help="list, near, stats (comma list: mixed)")
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--requests", type=int, default=-1, help="stop after N (default: duration only)")
    args = ap.parse_args()

    deadline = time.monotonic() + args.duration
    budget = {"lock": threading.Lock(), "left": args.requests}
    out = []
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(args, deadline, budget, out, i))
               for i in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lat = sorted(x for l, _ in out for x in l)
    errors = sum(e for _, e in out)
    print(json.dumps({
        "mode": args.mode, "connections": args.connections,
        "requests": len(lat), "errors": errors,
        "rps": round(len(lat) / elapsed, 1) if elapsed > 0 else 0,
        "p50_ms": round(pct(lat, 50) * 1000, 2),
        "p99_ms": round(pct(lat, 99) * 1000, 2),
        "max_ms": round((lat[-1] if lat else 0) * 1000, 2),
    }))


if __name__ == "__main__":
    main()
