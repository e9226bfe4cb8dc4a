// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// Console figures (run by tests/bench/console/bench-console.sh): the map
// endpoint with 23,000 cameras (200 and 304), the page load until the
// dots are drawn, a full redraw, and the hot first-frame time in the
// browser (click → first presented frame, the camera already pulled by the
// gateway).  Prints one line per figure.
//
//   node bench-console.mjs BUILD_DIR [ROUNDS]

import { chromium } from 'playwright-core';
import { startGateway } from './gateway.mjs';

const [build, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 7);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (a) => `median ${median(a).toFixed(1)} ms, min ${Math.min(...a).toFixed(1)}, max ${Math.max(...a).toFixed(1)} (n=${a.length})`;

const gw = await startGateway({ build, probe: false });
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
try {
  // The endpoint, from node (no browser in the way).
  const auth = { Authorization: `Bearer ${gw.adminToken}` };
  const full = [], notModified = [];
  let etag = null, bytes = 0;
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    const r = await fetch(gw.base + '/api/v1/map/cameras', { headers: auth });
    const body = await r.arrayBuffer();
    full.push(performance.now() - t0);
    bytes = body.byteLength;
    etag = r.headers.get('etag');
    t0 = performance.now();
    const r2 = await fetch(gw.base + '/api/v1/map/cameras', { headers: { ...auth, 'If-None-Match': etag } });
    await r2.arrayBuffer();
    if (r2.status !== 304) throw new Error(`expected 304, got ${r2.status}`);
    notModified.push(performance.now() - t0);
  }
  console.log(`map endpoint, 23,004 cameras, ${(bytes / 1e6).toFixed(2)} MB: ${fmt(full)}`);
  console.log(`map endpoint, 304: ${fmt(notModified)}`);

  // Page load: navigation → the dots drawn.
  const loads = [], draws = [];
  for (let i = 0; i < Math.min(rounds, 5); i++) {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const t0 = Date.now();
    await page.goto(`${gw.base}/console/#token=${gw.adminToken}`);
    await page.waitForFunction(() => document.body.dataset.mapReady && window.cityeye.map.drawn > 0, null, { timeout: 30000 });
    loads.push(Date.now() - t0);
    const d = await page.evaluate(async () => {
      const m = window.cityeye.map;
      const out = [];
      for (let k = 0; k < 5; k++) {
        m.cx += 1e-6;
        m.redraw();
        await new Promise((r) => m.addEventListener('drawn', r, { once: true }));
        out.push(m.lastDrawMs);
      }
      return out;
    });
    draws.push(...d);
    await page.close();
  }
  console.log(`page load to 23,004 dots drawn (navigation, map fetch, index, first frame): ${fmt(loads)}`);
  console.log(`full redraw of 23,004 dots (pan): ${fmt(draws)}`);

  // Hot first frame: the camera is playing in tile 1, the same camera is
  // clicked into tile 2 (the gateway has its GOP cache).
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(`${gw.base}/console/#token=${gw.adminToken}`);
  await page.waitForFunction(() => document.body.dataset.mapReady);
  const ids = await page.evaluate(() => window.cityeye.data.id.slice(0, 3));
  await page.click('.layouts button[data-layout="4"]');
  const hot = [], attach = [], timings = [];
  for (const id of ids) {
    const cam = { id, name: id };
    // Warm: tile 1 plays it (cold start, not counted).
    await page.evaluate((c) => { const g = window.cityeye.grid; g.select(g.tiles[0]); g.play(c); }, cam);
    await page.waitForSelector('.tile:nth-child(1)[data-state="playing"]', { timeout: 20000 });
    for (let i = 0; i < rounds; i++) {
      await page.evaluate((c) => { const g = window.cityeye.grid; g.tiles[1].stop(); g.select(g.tiles[1]); g.play(c); }, cam);
      await page.waitForSelector('.tile:nth-child(2)[data-first-frame-ms]', { timeout: 20000 });
      hot.push(Number(await page.getAttribute('.tile:nth-child(2)', 'data-first-frame-ms')));
      attach.push(Number(await page.getAttribute('.tile:nth-child(2)', 'data-attach-to-frame-ms')));
      timings.push(JSON.parse(await page.getAttribute('.tile:nth-child(2)', 'data-timing')));
    }
  }
  console.log(`hot first frame in the browser, click → first presented frame (grant included): ${fmt(hot)}`);
  console.log(`  of which WebSocket created → first presented frame: ${fmt(attach)}`);
  for (const k of ['open', 'media', 'appendInit', 'append']) {
    const v = timings.map((t) => t[k]).filter((x) => x !== undefined);
    if (v.length) console.log(`    WebSocket created → ${k}: ${fmt(v)}`);
  }
} finally {
  await browser.close();
  gw.stop();
}
