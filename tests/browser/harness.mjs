// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// What the browser tests share: their arguments (BUILD_DIR ARTIFACTS_DIR),
// a skip (exit 77) when chromium or playwright-core is missing, and TAP
// steps and assertions.

import { existsSync, mkdirSync, statSync } from 'node:fs';

// Returns { build, artifacts, chromium (playwright's), chromiumPath }.
export async function setup(script) {
  const [build, artifacts] = process.argv.slice(2);
  const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!build || !artifacts) {
    console.error(`usage: node ${script} BUILD_DIR ARTIFACTS_DIR`);
    process.exit(2);
  }
  if (!existsSync(chromiumPath) || !statSync(chromiumPath).isFile()) {
    console.log(`1..0 # SKIP no chromium at ${chromiumPath} (apt-get install chromium)`);
    process.exit(77);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (_) {
    console.log('1..0 # SKIP playwright-core missing (run npm ci in tests/browser)');
    process.exit(77);
  }
  mkdirSync(artifacts, { recursive: true });
  return { build, artifacts, chromium, chromiumPath };
}

let n = 0, failed = 0;

export async function step(name, fn) {
  n++;
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok ${n} - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}\n# ${String(e.stack || e).split('\n').join('\n# ')}`);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// The plan line and the exit status.
export function finish() {
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}
