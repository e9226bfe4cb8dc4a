// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The operator console in a real browser (Debian's chromium, headless,
// driven by playwright-core; no browser download): log in, the map with
// the sample's 23,000 dots, search by a Chinese substring, play through
// MSE (video.currentTime advances, frames presented per
// requestVideoFrameCallback), snapshot on hover, cameras near a point,
// a 3×3 grid of 9 playing tiles, the dark-cameras layer and the online
// chart.  Screenshots go to the artifacts directory.
//
//   node console-test.mjs BUILD_DIR ARTIFACTS_DIR
// Exit status: 0 passed, 1 failed, 77 skipped (no chromium / no npm ci).

import { join } from 'node:path';
import { startGateway, DARK_IDS, H265_ID, H265_ONLY_ID } from './gateway.mjs';
import { setup, step, assert, finish } from './harness.mjs';

const { build, artifacts, chromium, chromiumPath } = await setup('console-test.mjs');

// Frames presented and time advanced on a <video> over a short window.
const WATCH = async ([sel, wantFrames, ms]) => {
  const v = document.querySelector(sel);
  if (!v) return { frames: 0, advanced: 0, error: 'no video' };
  const t0 = v.currentTime;
  let frames = 0;
  await new Promise((resolve) => {
    const cb = () => {
      frames++;
      if (frames >= wantFrames) resolve();
      else v.requestVideoFrameCallback(cb);
    };
    v.requestVideoFrameCallback(cb);
    setTimeout(resolve, ms);
  });
  return { frames, advanced: v.currentTime - t0, width: v.videoWidth, height: v.videoHeight };
};

const gw = await startGateway({ build });
let browser;
try {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu'],
  });
} catch (e) {
  gw.stop();
  throw e;
}
const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
const shot = (name) => page.screenshot({ path: join(artifacts, name) });

// A camera of the sample and a Chinese substring of its name.
const rows = gw.csv.split('\n').slice(1).filter(Boolean);
const [wantId, wantName] = rows[0].split(',');
const needle = wantName.slice(5, 11);

try {
  await step('login with an API token (a wrong one is refused)', async () => {
    await page.goto(gw.base + '/');
    assert(page.url().endsWith('/console/'), `redirected to ${page.url()}`);
    await page.fill('#token', 'cet_wrong');
    await page.click('#login-form button');
    await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
    await page.fill('#token', gw.adminToken);
    await page.click('#login-form button');
    await page.waitForSelector('#app:not([hidden])');
    const stored = await page.evaluate(() => sessionStorage.getItem('cityeye.token'));
    assert(stored === gw.adminToken, 'token kept in sessionStorage');
    consoleErrors.length = 0;  // the wrong token's 401
  });

  await step('the map draws the sample\'s 23,000 dots and street labels', async () => {
    await page.waitForFunction(() => document.body.dataset.mapReady, null, { timeout: 20000 });
    const m = await page.evaluate(() => ({
      count: window.cityeye.data.count, drawn: window.cityeye.map.drawn,
      labels: window.cityeye.map.labels.length, load: window.cityeye.mapLoad,
    }));
    // The sample's 23,000, three dark cameras and two H.265 ones.
    assert(m.count === 23005, `count ${m.count}`);
    assert(m.drawn > 20000, `drawn ${m.drawn}`);
    assert(m.labels >= 12, `labels ${m.labels}`);
    console.log(`# map: ${m.count} cameras, fetch ${m.load.fetchMs.toFixed(0)} ms, load+index ${m.load.totalMs.toFixed(0)} ms`);
    // Pixels of the dots' colours are on the canvas (not just a background).
    const colored = await page.evaluate(() => {
      const c = document.getElementById('map');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let k = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 200) k++;
      return k;
    });
    assert(colored > 5000, `coloured pixels ${colored}`);
    // Zoom in and pan: fewer dots drawn, still quick.
    const box = await page.locator('#map').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -400);
    await page.waitForTimeout(200);
    const zoomed = await page.evaluate(() => ({ drawn: window.cityeye.map.drawn, ms: window.cityeye.map.lastDrawMs }));
    assert(zoomed.drawn < m.drawn, `zoomed in draws fewer dots (${zoomed.drawn})`);
    console.log(`# map: zoomed in, ${zoomed.drawn} dots drawn in ${zoomed.ms.toFixed(1)} ms`);
    await page.evaluate(() => window.cityeye.map.fit());
    await page.waitForTimeout(100);
    await shot('console-map.png');
  });

  await step(`search by a Chinese substring (“${needle}”)`, async () => {
    await page.fill('#q', needle);
    await page.click('#search-form button');
    await page.waitForSelector(`#results li[data-camera="${wantId}"]`, { timeout: 10000 });
  });

  await step('play it: MSE over live.ws, currentTime advances, frames presented', async () => {
    await page.click(`#results li[data-camera="${wantId}"]`);
    const tile = `.tile[data-camera="${wantId}"]`;
    await page.waitForSelector(`${tile}[data-state="playing"]`, { timeout: 15000 });
    const w = await page.evaluate(WATCH, [`${tile} video`, 25, 6000]);
    assert(w.frames >= 10, `frames presented: ${w.frames}`);
    assert(w.advanced > 0.3, `currentTime advanced by ${w.advanced}`);
    const ff = await page.getAttribute(tile, 'data-first-frame-ms');
    console.log(`# first frame ${ff} ms after the click (cold camera); ${w.frames} frames, ${w.width}x${w.height}`);
    await shot('console-play.png');
  });

  await step('HTTP-FLV forced (?transport=flv): the page remuxes live.flv, frames presented', async () => {
    const p2 = await browser.newPage();
    const errs = [];
    p2.on('pageerror', (e) => errs.push(String(e)));
    await p2.goto(`${gw.base}/console/?transport=flv#token=${gw.adminToken}`);
    await p2.waitForFunction(() => window.cityeye.grid, null, { timeout: 20000 });
    await p2.evaluate((id) => window.cityeye.grid.play({ id, name: 'FLV' }), wantId);
    const tile = `.tile[data-camera="${wantId}"]`;
    await p2.waitForSelector(`${tile}[data-state="playing"]`, { timeout: 15000 });
    assert(await p2.getAttribute(tile, 'data-transport') === 'flv', 'transport flv');
    const w = await p2.evaluate(WATCH, [`${tile} video`, 12, 4000]);
    assert(w.frames >= 10, `frames presented: ${w.frames}`);
    assert(w.advanced > 0.3, `currentTime advanced by ${w.advanced}`);
    console.log(`# FLV: first frame ${await p2.getAttribute(tile, 'data-first-frame-ms')} ms after the click; ${w.frames} frames, ${w.width}x${w.height}`);
    await p2.screenshot({ path: join(artifacts, 'console-flv.png') });
    assert(errs.length === 0, errs.join('\n'));
    await p2.close();
  });

  await step('a proxy that breaks WebSocket: the player falls back to HTTP-FLV', async () => {
    const p2 = await browser.newPage();
    // Every WebSocket closes before it opens, as behind such a proxy.
    await p2.addInitScript(() => {
      window.WebSocket = class extends EventTarget {
        static OPEN = 1;
        constructor() {
          super();
          this.readyState = 0;
          setTimeout(() => { this.readyState = 3; if (this.onclose) this.onclose({ code: 1006 }); }, 20);
        }
        close() { this.readyState = 3; }
      };
    });
    await p2.goto(`${gw.base}/console/#token=${gw.adminToken}`);
    await p2.waitForFunction(() => window.cityeye.grid, null, { timeout: 20000 });
    await p2.evaluate((id) => window.cityeye.grid.play({ id, name: 'fallback' }), wantId);
    const tile = `.tile[data-camera="${wantId}"]`;
    await p2.waitForSelector(`${tile}[data-state="playing"]`, { timeout: 15000 });
    assert(await p2.getAttribute(tile, 'data-transport') === 'flv', 'fell back to flv');
    const w = await p2.evaluate(WATCH, [`${tile} video`, 10, 5000]);
    assert(w.frames >= 5 && w.advanced > 0, `frames presented: ${w.frames}, +${w.advanced} s`);
    await p2.close();
  });

  await step('snapshot on hover', async () => {
    const i = await page.evaluate((id) => {
      const m = window.cityeye.map;
      const k = window.cityeye.data.id.indexOf(id);
      m.centerOn(k, 2 ** 22);
      return k;
    }, wantId);
    await page.waitForTimeout(100);
    const [x, y] = await page.evaluate((k) => window.cityeye.map.screenOf(k), i);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.move(box.x + x + 20, box.y + y + 20);
    await page.mouse.move(box.x + x, box.y + y);
    await page.waitForFunction(() => {
      const img = document.querySelector('#hover img');
      return img && img.src.startsWith('blob:') && img.naturalWidth > 0;
    }, null, { timeout: 10000 });
    await shot('console-hover.png');
  });

  await step('right click: cameras within 300 m', async () => {
    const k = await page.evaluate((id) => window.cityeye.data.id.indexOf(id), wantId);
    const [x, y] = await page.evaluate((j) => window.cityeye.map.screenOf(j), k);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + x + 3, box.y + y + 3, { button: 'right' });
    await page.click('#ctx button[data-radius="300"]');
    await page.waitForFunction(() => /within 300 m/.test(document.getElementById('results-head').textContent));
    const ids = await page.$$eval('#results li', (l) => l.map((e) => e.dataset.camera));
    assert(ids.includes(wantId), `the camera itself is near (${ids.length} results)`);
  });

  await step('3×3 grid: 9 playing tiles', async () => {
    const ts = Date.now();
    await page.fill('#q', '宝山区');
    await page.click('#search-form button');
    await page.waitForFunction(() => document.querySelectorAll('#results li').length >= 9);
    const t0 = Date.now();
    console.log(`# search for the grid: ${t0 - ts} ms`);
    await page.click('.layouts button[data-layout="9"]');
    await page.waitForFunction(() => document.querySelectorAll('.tile[data-state="playing"]').length === 9,
      null, { timeout: 30000 });
    console.log(`# 9 tiles playing ${Date.now() - t0} ms after the click`);
    const tiles = await page.$$eval('.tile', (t) => t.map((e) => e.dataset.camera));
    assert(tiles.length === 9 && new Set(tiles).size === 9, `9 different cameras: ${tiles}`);
    const watched = await Promise.all([...Array(9).keys()].map((i) =>
      page.evaluate(WATCH, [`.tile:nth-child(${i + 1}) video`, 5, 5000])));
    watched.forEach((w, i) =>
      assert(w.frames >= 3 && w.advanced > 0, `tile ${i + 1}: ${w.frames} frames, +${w.advanced} s`));
    console.log(`# frames per tile in the watch: ${watched.map((w) => w.frames).join(' ')}`);
    await shot('console-grid.png');
    // Stop them (the × of each tile): the rest of the test runs lighter.
    await page.$$eval('.tile .close', (buttons) => buttons.forEach((b) => b.click()));
    assert((await page.$$('.tile[data-state="empty"]')).length === 9, 'all tiles stopped');
  });

  await step('an H.265 camera plays (hvc1 through MSE, or its H.264 sub stream)', async () => {
    await page.click('.layouts button[data-layout="1"]');
    await page.evaluate((id) => window.cityeye.grid.play({ id, name: 'H.265' }), H265_ID);
    const tile = `.tile[data-camera="${H265_ID}"]`;
    await page.waitForSelector(`${tile}[data-state="playing"]`, { timeout: 30000 });
    const w = await page.evaluate(WATCH, [`${tile} video`, 5, 5000]);
    assert(w.frames >= 3, `frames presented: ${w.frames}`);
    const hevc = await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"'));
    console.log(`# H.265 camera: ${w.width}x${w.height}, ${hevc ? 'hvc1 supported: main stream' : 'no hvc1 in this browser: sub stream'}`);
    if (!hevc) assert(w.width === 640, `the sub stream (${w.width}x${w.height})`);
    await page.$$eval('.tile .close', (buttons) => buttons.forEach((b) => b.click()));
  });

  await step('an H.265-only camera plays (hvc1, or the gateway\'s H.264 transcode)', async () => {
    await page.evaluate((id) => window.cityeye.grid.play({ id, name: 'H.265 only' }), H265_ONLY_ID);
    const tile = `.tile[data-camera="${H265_ONLY_ID}"]`;
    await page.waitForSelector(`${tile}[data-state="playing"]`, { timeout: 30000 });
    const w = await page.evaluate(WATCH, [`${tile} video`, 5, 5000]);
    assert(w.frames >= 3 && w.advanced > 0, `frames presented: ${w.frames}, +${w.advanced} s`);
    const hevc = await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"'));
    const metrics = await (await fetch(gw.base + '/metrics',
      { headers: { Authorization: `Bearer ${gw.adminToken}` } })).text();
    const running = Number((/^cityeye_transcodes (\d+)$/m.exec(metrics) || [])[1]);
    console.log(`# H.265-only camera: ${w.width}x${w.height}, ${hevc ? 'hvc1' : 'H.264 transcode'}, transcodes running: ${running}`);
    if (!hevc) assert(running === 1, `one transcode running (${running})`);
    await page.$$eval('.tile .close', (buttons) => buttons.forEach((b) => b.click()));
  });

  await step('dark-cameras layer and the online-rate chart (admin)', async () => {
    await page.check('#dark');
    const legend = await page.textContent('#legend');
    assert(/offline 3\b/.test(legend), `legend: ${legend}`);
    await page.waitForSelector('#chart-panel:not([hidden])');
    const k = await page.evaluate((ids) => ids.map((id) => window.cityeye.data.id.indexOf(id)), DARK_IDS);
    assert(k.every((i) => i >= 0), 'dark cameras on the map');
    await shot('console-dark.png');
    await page.uncheck('#dark');
  });

  await step('an operator sees no chart and fewer cameras', async () => {
    const p2 = await browser.newPage();
    await p2.goto(gw.base + '/console/');
    await p2.fill('#token', gw.operatorToken);
    await p2.click('#login-form button');
    await p2.waitForFunction(() => document.body.dataset.mapReady, null, { timeout: 20000 });
    const count = await p2.evaluate(() => window.cityeye.data.count);
    assert(count > 0 && count < 23004, `operator sees ${count}`);
    await p2.waitForTimeout(500);
    assert(await p2.isHidden('#chart-panel'), 'no chart for an operator');
    await p2.close();
  });

  await step('no errors in the page console (CSP included)', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
  });
} finally {
  await browser.close();
  gw.stop();
}
finish();
