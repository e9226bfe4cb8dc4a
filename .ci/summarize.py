#!/usr/bin/env python3
"""Counts the results of every meson test run (TAP subtests one by one) and
of the extra CI steps, prints one line "N passed, N failed, N skipped" and
exits non-zero when anything failed.

usage: summarize.py EXTRA_RESULTS_FILE TESTLOG.json...
EXTRA_RESULTS_FILE has lines "pass NAME", "fail NAME" or "skip NAME".
"""
import json
import os
import re
import sys

# Lines of a failing test's output printed before the summary, so that a CI
# log that keeps only its tail still shows why the run failed.
DETAIL_LINES = 25

passed = failed = skipped = 0
failures = []
details = []

with open(sys.argv[1], encoding="utf-8") as extra:
    for line in extra:
        kind, _, name = line.strip().partition(" ")
        if kind == "pass":
            passed += 1
        elif kind == "skip":
            skipped += 1
        elif kind == "fail":
            failed += 1
            failures.append(name)

def failure_detail(test):
    """The last TAP lines of a failed test, then the start of its first
    sanitizer report or GLib error, else the end of its stderr."""
    out = [l for l in (test.get("stdout") or "").splitlines() if l.strip()]
    err = [l for l in (test.get("stderr") or "").splitlines() if l.strip()]
    first = next((i for i, l in enumerate(err)
                  if re.search(r"Sanitizer|runtime error|\*\*|Bail out", l)),
                 None)
    if first is not None:
        err = err[first:first + DETAIL_LINES - 8]
    else:
        err = err[-(DETAIL_LINES - 8):]
    return out[-8:] + err


tap_line = re.compile(r"^(not ok|ok)\b(.*)$")
for path in sys.argv[2:]:
    try:
        log = open(path, encoding="utf-8", errors="replace")
    except OSError:
        failed += 1
        failures.append(f"{path}: no test log (build failed?)")
        continue
    # _ci/<build>/meson-logs/testlog.json -> "<build>"
    build = os.path.basename(os.path.dirname(os.path.dirname(path)))
    with log:
        for raw in log:
            try:
                test = json.loads(raw)
            except ValueError:
                continue
            name = f'{build}: {test.get("name", "?")}'
            result = test.get("result", "")
            counted = 0
            for line in (test.get("stdout") or "").splitlines():
                m = tap_line.match(line.strip())
                if not m:
                    continue
                counted += 1
                rest = m.group(2)
                if "# SKIP" in rest.upper():
                    skipped += 1
                elif m.group(1) == "ok":
                    passed += 1
                else:
                    failed += 1
                    failures.append(f"{name}:{rest.strip()}")
            # A binary that crashed after its last "ok", or produced no TAP
            # at all, is counted by its overall result.
            if result in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS"):
                if counted == 0 or not any(name in f for f in failures):
                    failed += 1
                    failures.append(f"{name}: {result}")
                details.append((name, result, failure_detail(test)))
            elif counted == 0:
                if result == "SKIP":
                    skipped += 1
                elif result in ("OK", "EXPECTEDFAIL"):
                    passed += 1

for name, result, tail in details:
    print(f"--- last lines of {name} ({result})")
    for l in tail:
        print(f"    {l[:300]}")
for f in failures:
    print(f"FAILED: {f}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
