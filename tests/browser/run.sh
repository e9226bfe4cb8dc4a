#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# A browser test ($BROWSER_TEST, default console-test.mjs), or exit 77
# (skipped) when node, chromium or the npm packages (npm ci in this
# directory) are missing.
#   run.sh BUILD_DIR ARTIFACTS_DIR
here=$(dirname "$0")
command -v node > /dev/null 2>&1 || { echo "1..0 # SKIP node missing"; exit 77; }
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -f "$chromium" ] && [ -x "$chromium" ] || { echo "1..0 # SKIP chromium missing"; exit 77; }
[ -d "$here/node_modules/playwright-core" ] ||
  { echo "1..0 # SKIP playwright-core missing: (cd tests/browser && npm ci)"; exit 77; }
exec node "$here/${BROWSER_TEST:-console-test.mjs}" "$@"
