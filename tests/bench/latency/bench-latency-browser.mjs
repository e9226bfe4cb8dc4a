// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// Glass-to-glass latency in the browser: Debian's chromium (headless,
// playwright-core from tests/browser) plays a camera of the simulator
// started with --burn-clock through the console's Player (MSE over
// live.ws, and over live.flv remuxed in the page); for every presented
// frame (requestVideoFrameCallback) the picture is drawn on a canvas, the
// burned capture time decoded, and latency = performance.timeOrigin +
// expectedDisplayTime − burned time.  Prints one line per transport in
// the format of ce-latency.
//
//   node bench-latency-browser.mjs BASE_URL API_TOKEN CAMERA_ID [SECONDS] [WARMUP]
// Exit 77 when chromium or playwright-core is missing.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [base, token, id, secArg, warmArg] = process.argv.slice(2);
const seconds = Number(secArg || 12), warmup = Number(warmArg || 4);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base || !token || !id) {
  console.error('usage: node bench-latency-browser.mjs BASE_URL API_TOKEN CAMERA_ID [SECONDS] [WARMUP]');
  process.exit(2);
}
const pw = join(here, '../../browser/node_modules/playwright-core/index.mjs');
if (!existsSync(chromiumPath) || !existsSync(pw)) {
  console.error('browser: skipped (chromium or playwright-core missing: npm ci in tests/browser)');
  process.exit(77);
}
const { chromium } = await import(pathToFileURL(pw));

// Runs in the page: the reader of ce-camsim-clock.h, in JavaScript.
const MEASURE = async ({ id, transport, seconds, warmup }) => {
  const MOD = 2 ** 40;
  const crc8 = (ms) => {
    let crc = 0xff;
    for (let i = 4; i >= 0; i--) {
      crc ^= Math.floor(ms / 2 ** (8 * i)) & 0xff;
      for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  };
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const read = (video, w, h) => {
    const side = Math.floor(w / 16) & ~7;
    if (side < 8 || h < 3 * side) return null;
    const y0 = (h - 3 * side) & ~7;
    canvas.width = w;
    canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h);
    const img = ctx.getImageData(0, y0, 16 * side, 3 * side);
    const m = side / 4, half = side / 2;
    let code = 0;
    for (let i = 0; i < 48; i++) {
      const bx = (i % 16) * side + m, by = Math.floor(i / 16) * side + m;
      let sum = 0;
      for (let r = 0; r < half; r++) {
        let o = ((by + r) * img.width + bx) * 4;
        for (let c = 0; c < half; c++, o += 4) sum += img.data[o] + img.data[o + 1] + img.data[o + 2];
      }
      code = code * 2 + (sum / 3 > 128 * half * half ? 1 : 0);
    }
    const ms = Math.floor(code / 256), check = code % 256;
    return crc8(ms) === check ? ms : null;
  };
  const { Player } = await import('/console/player.js');
  const { grant } = await import('/console/api.js');
  const g = await grant(id, 'sub');
  const video = document.createElement('video');
  video.style.cssText = 'position:fixed;left:0;top:0;width:640px;height:360px;z-index:1000';
  document.body.append(video);
  const player = new Player({ transport, reconnect: async () => (await grant(id, 'sub')).urls.ws });
  const ages = [];
  let frames = 0, unreadable = 0, state = '';
  player.addEventListener('state', (e) => { state = e.detail.state + ' ' + e.detail.reason; });
  player.attach(video, g.urls.ws);
  const t0 = performance.now();
  await new Promise((resolve) => {
    const cb = (now, meta) => {
      frames++;
      const ms = read(video, meta.width, meta.height);
      if (ms === null) unreadable++;
      else if (now - t0 >= warmup * 1000) {
        const at = (performance.timeOrigin + meta.expectedDisplayTime) % MOD;
        let age = (at - ms + MOD) % MOD;
        if (age > MOD / 2) age -= MOD;
        ages.push(age);
      }
      if (now - t0 >= seconds * 1000) resolve();
      else video.requestVideoFrameCallback(cb);
    };
    video.requestVideoFrameCallback(cb);
    setTimeout(resolve, (seconds + 15) * 1000);
  });
  player.close();
  video.remove();
  return { ages, frames, unreadable, state };
};

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu'],
});
let status = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}/console/#token=${token}`);
  await page.waitForFunction(() => window.cityeye && window.cityeye.grid, null, { timeout: 20000 });
  for (const transport of ['ws', 'flv']) {
    const r = await page.evaluate(MEASURE, { id, transport, seconds, warmup });
    const label = `mse-${transport}`;
    if (r.ages.length === 0) {
      console.error(`${label}: no frame with a burned clock (${r.frames} frames, ${r.unreadable} unreadable; player ${r.state})`);
      status = 1;
      continue;
    }
    const a = r.ages.sort((x, y) => x - y);
    const pct = (p) => Math.round(a[Math.round(p * (a.length - 1))]);
    const f = (n) => String(n).padStart(5);
    console.log(`${label.padEnd(8)} frames ${String(r.frames).padStart(5)} unreadable ${String(r.unreadable).padStart(4)}` +
      `  p50 ${f(pct(0.5))} ms  p95 ${f(pct(0.95))} ms  min ${f(Math.round(a[0]))} ms  max ${f(Math.round(a[a.length - 1]))} ms`);
  }
} finally {
  await browser.close();
}
process.exit(status);
