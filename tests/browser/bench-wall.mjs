// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// Wall page figures (run by tests/bench/wall/bench-wall-page.sh): on a
// 16-tile wall (one monitor, layout 16, sub streams) in headless chromium,
// the time from the request being sent (by the page itself, one clock) to
// every tile presenting a frame of its new camera:
//   cold   apply a preset whose 16 cameras the gateway does not pull
//   warm   apply back the previous preset while its cameras still linger
//   incident  POST /api/v1/incidents (4 cameras, taking over the monitor)
//             until the 4 incident tiles present frames
// with the API's answer and the change event's arrival on the way, and
// "switched": from the change event (the wall changes once the gateway
// has warmed the new cameras) to every tile presenting.
//
//   node bench-wall.mjs BUILD_DIR [ROUNDS] [--start-at-idr] [--warm-presets]
//                       [--keyframe-on-request]
//
// --keyframe-on-request makes the simulated cameras honour the gateway's
// RTCP keyframe request (PLI/FIR, sent when a stream starts mid-GOP), as
// encoders that support it do; without it they ignore it, as many do.
//
// The gateway runs with [wall] warm_presets=false unless --warm-presets is
// given: the cold figures are the worst case (a gateway configured so, or
// whose warm preset pulls views took when a budget was full).  The
// gateway's default is warm_presets=true: with --warm-presets the preset
// switches are measured as a default gateway makes them.

import { chromium } from 'playwright-core';
import { startGateway } from './gateway.mjs';
import { CAM, INCIDENT_AT, inventory, api } from './wall-common.mjs';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const [build, roundsArg] = args.filter((a) => !a.startsWith('--'));
const rounds = Number(roundsArg || 3);
const LINGER_S = 30;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (a) => a.length === 0 ? 'no data'
  : `median ${median(a).toFixed(0)} ms, min ${Math.min(...a).toFixed(0)}, max ${Math.max(...a).toFixed(0)} (n=${a.length})`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const camsimArgs = ['--sub-size=320x180', '--sub-bitrate=256'];
if (flags.has('--start-at-idr')) camsimArgs.push('--start-at-idr');
if (flags.has('--keyframe-on-request')) camsimArgs.push('--keyframe-on-request');
const gw = await startGateway({
  build,
  inventory: inventory(36),
  camsimArgs,
  conf: `[relay]\nlinger=${LINGER_S}\n[wall]\nwarm_timeout=10\nwarm_presets=${flags.has('--warm-presets')}\n`,
});
const admin = api(gw.base, gw.adminToken);
const A = [...Array(16).keys()].map((i) => CAM(i + 1));
const B = [...Array(16).keys()].map((i) => CAM(i + 17));
const mon = (cams) => [{ index: 0, layout: '16', tiles: cams }];

// In the page: sends the request, then waits until the wanted tiles all
// present a frame.  want: cameras by cell, or null for the incident's.
const MEASURE = async ([path, body, token, want]) => {
  const view = window.cityeyeWall.view;
  const t0 = performance.now();
  const r = await fetch(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answered = performance.now() - t0;
  const j = await r.json();
  if (!r.ok) return { error: JSON.stringify(j) };
  const incident = want ? null : j.incident.id;
  const deadline = t0 + 20000;
  for (;;) {
    const tiles = [...view.tiles.values()];
    const mine = want
      ? want.map((id, k) => { const t = view.tiles.get(`0:${k}`); return t && t.spec && t.spec.camera_id === id ? t : null; })
      : tiles.filter((t) => t.spec && t.spec.incident === incident);
    const n = want ? want.length : j.incident.cameras.length;
    if (mine.length === n && mine.every((t) => t && t.firstFrameAt > 0)) {
      return {
        answered, incident,
        event: view.lastEvent ? view.lastEvent.at - t0 : -1,
        render: view.lastEvent ? view.lastEvent.renderMs : -1,
        presented: Math.max(...mine.map((t) => t.firstFrameAt)) - t0,
        firstTile: Math.min(...mine.map((t) => t.firstFrameAt)) - t0,
        // The last tile: when its start() ran (after t0) and where it went.
        last: (() => {
          const t = mine.reduce((a, b) => (a.firstFrameAt >= b.firstFrameAt ? a : b));
          return { start: t.started - t0, ...t.timing };
        })(),
      };
    }
    if (performance.now() > deadline) return { error: 'tiles not presenting after 20 s' };
    await new Promise((res) => setTimeout(res, 5));
  }
};

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu'],
  });
} catch (e) {
  gw.stop();
  throw e;
}
const figures = {};
const add = (name, r) => {
  if (r.error) { console.log(`# ${name}: ${r.error}`); return; }
  // The switch itself: from the change event (the wall changed, after
  // the gateway's warm-up of the new cameras) to the last tile presenting.
  r.switched = r.event >= 0 ? r.presented - r.event : -1;
  for (const k of ['answered', 'event', 'presented', 'switched']) {
    if (r[k] >= 0) (figures[`${name}: ${k}`] ||= []).push(r[k]);
  }
  console.log(`# ${name}: answer ${r.answered.toFixed(0)} ms, event ${r.event.toFixed(0)} ms (render ${r.render.toFixed(0)} ms), ` +
    `first tile ${r.firstTile.toFixed(0)} ms, all tiles presenting ${r.presented.toFixed(0)} ms ` +
    `(${r.switched.toFixed(0)} ms after the event); ` +
    `last tile: ${Object.entries(r.last).map(([k, v]) => `${k} ${Number(v).toFixed(0)}`).join(', ')}`);
};
try {
  await admin('POST', '/api/v1/walls', { name: 'bench', rows: 1, cols: 1 });
  await admin('PUT', '/api/v1/walls/bench/presets/a', { monitors: mon(A) });
  await admin('PUT', '/api/v1/walls/bench/presets/b', { monitors: mon(B) });
  if (flags.has('--warm-presets')) await sleep(3000);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(`${gw.base}/console/wall.html?wall=bench#token=${gw.wallToken}`);
  await page.waitForFunction(() => document.body.dataset.events === 'open');
  const apply = (p) => [`/api/v1/walls/bench/presets/${p}/apply`, null, gw.adminToken, p === 'a' ? A : B];
  for (let r = 0; r < rounds; r++) {
    console.log(`# round ${r + 1}, load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
    const state = flags.has('--warm-presets') ? 'kept warm (warm_presets)' : 'cold';
    add(`preset A, ${state}${state === 'cold' ? ' (16 cameras not pulled)' : ''}`, await page.evaluate(MEASURE, apply('a')));
    await sleep(1000);
    add(`preset B, ${state}`, await page.evaluate(MEASURE, apply('b')));
    await sleep(1000);
    add('back to A, warm (its cameras lingering)', await page.evaluate(MEASURE, apply('a')));
    await sleep(1000);
    const inc = await page.evaluate(MEASURE, ['/api/v1/incidents',
      { ...INCIDENT_AT, radius_m: 300, k: 4, wall: 'bench', monitor: 0 }, gw.adminToken, null]);
    add('incident, 4 cold cameras taking over the monitor', inc);
    if (inc.incident) await admin('POST', `/api/v1/incidents/${inc.incident}/close`);
    // An empty wall, then every camera no preset keeps warm stops (linger)
    // before the next round: the incident's cameras are cold in every round.
    const w = await admin('GET', '/api/v1/walls/bench');
    await admin('PATCH', '/api/v1/walls/bench', { revision: w.revision, monitors: [{ index: 0, layout: '1' }] });
    if (r + 1 < rounds) await sleep((LINGER_S + 3) * 1000);
  }
} finally {
  await browser.close();
  gw.stop();
}
console.log(`camsim ${camsimArgs.join(' ')}${flags.has('--warm-presets') ? ', [wall] warm_presets=true' : ''}`);
for (const [k, v] of Object.entries(figures)) console.log(`${k}: ${fmt(v)}`);
