// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The wall page in a real browser (Debian's chromium, headless, driven by
// playwright-core): a 3 × 3 wall of monitors (layout 1 each) on small
// simulated cameras.  Nine playing tiles (frames presented, currentTime
// advancing, a picture that is not black); a PATCH that changes nothing
// re-renders within 200 ms and keeps every player; the "emergency" preset
// swaps four tiles (four others keep their players) and shows a police
// camera as "no permission"; an incident takes over the centre monitor
// with four marked tiles and its close brings the previous tile back; a
// tour steps its tile; a camera that stops sending shows "signal lost"
// and plays again when it resumes; the page's events socket reconnects and
// catches up; after the loss of its live socket every tile plays again on
// a new one; a dead camera does not hold up the others; one monitor alone
// (?monitor=N).  Every tile plays from a channel of the page's one
// multiplexed live socket (GET /api/v1/live.ws), without grants.
// Screenshots go to the artifacts directory.
//
//   node wall-test.mjs BUILD_DIR ARTIFACTS_DIR
// Exit status: 0 passed, 1 failed, 77 skipped (no chromium / no npm ci).

import { join } from 'node:path';
import { startGateway } from './gateway.mjs';
import { CAM, PS_ID, DEAD_ID, DEAD_FAULT, INCIDENT_AT, inventory, api, TILES, WATCH_TILES } from './wall-common.mjs';
import { setup, step, assert, finish } from './harness.mjs';

const { build, artifacts, chromium, chromiumPath } = await setup('wall-test.mjs');

const SLOTS = [...Array(9).keys()].map((i) => `${i}:0`);
const layout1 = (cams) => cams.map((c, i) => ({ index: i, layout: '1', tiles: [c] }));

// Small, cheap streams: the page plays 9 to 13 of them on 2 shared cores.
const gw = await startGateway({
  build,
  inventory: inventory(16, { police: true, dead: true }),
  camsimArgs: ['--size=480x270', '--sub-size=320x180', '--fps=15', '--gop=1',
    '--bitrate=300', '--sub-bitrate=150', DEAD_FAULT],
  // Tours step every 2 s; the gateway keeps a silent camera's session for
  // 30 s, so that the stalled camera below resumes on the same session
  // (the page's side of it does not depend on the gateway's backoff).
  conf: '[wall]\nmin_dwell=2\n[relay]\nstall_timeout=30\n',
});
const admin = api(gw.base, gw.adminToken);
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
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
const shot = (name) => page.screenshot({ path: join(artifacts, name) });
const tiles = () => page.evaluate(TILES);
const waitTiles = (fn, arg, timeout = 15000) =>
  page.waitForFunction(fn, arg, { timeout, polling: 100 });

const initial = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(CAM);
const emergency = [CAM(10), CAM(11), CAM(12), CAM(13), CAM(5), CAM(6), CAM(7), CAM(8), PS_ID];

try {
  await step('the wall, its emergency preset (admin API)', async () => {
    await admin('POST', '/api/v1/walls', { name: 'hall', title: '指挥大厅', rows: 3, cols: 3 });
    await admin('PATCH', '/api/v1/walls/hall', { revision: 0, monitors: layout1(initial) });
    await admin('PUT', '/api/v1/walls/hall/presets/emergency', { monitors: layout1(emergency) });
  });

  await step('a wall account opens the page with #token=: 9 playing tiles', async () => {
    const t0 = Date.now();
    await page.goto(`${gw.base}/console/wall.html?wall=hall#token=${gw.wallToken}`);
    assert(!page.url().includes('token'), `token left in the address bar: ${page.url()}`);
    const stored = await page.evaluate(() => sessionStorage.getItem('cityeye.token'));
    assert(stored === gw.wallToken, 'token kept in sessionStorage');
    await waitTiles(() => document.querySelectorAll('.tile[data-state="playing"]').length === 9,
      null, 20000);
    console.log(`# 9 tiles playing ${Date.now() - t0} ms after opening the page (cold cameras)`);
    const t = await tiles();
    assert(t.length === 9, `${t.length} tiles`);
    assert(t.every((x, i) => x.camera === initial[i]), `cameras ${t.map((x) => x.camera)}`);
    await waitTiles(() => [...document.querySelectorAll('.caption')].every((c) => /测试墙相机/.test(c.textContent)));
    const w = await page.evaluate(WATCH_TILES, [SLOTS, 1500]);
    for (const x of w)
      assert(x.frames >= 5 && x.advanced > 0.3 && x.lit > 500,
        `tile ${x.slot}: ${x.frames} frames, +${x.advanced.toFixed(2)} s, ${x.lit} lit pixels`);
    console.log(`# frames per tile in 1.5 s: ${w.map((x) => x.frames).join(' ')}`);
    assert(await page.evaluate(() => document.body.dataset.events === 'open'), 'events socket open');
    // Every tile on the page's one multiplexed live socket: one socket,
    // one ws viewer per tile, and no grant asked for any of them.
    const metrics = await (await fetch(`${gw.base}/metrics`,
      { headers: { Authorization: `Bearer ${gw.adminToken}` } })).text();
    const sockets = Number((/^cityeye_live_sockets (\d+)$/m.exec(metrics) || [])[1]);
    assert(sockets === 1, `live sockets: ${sockets}`);
    const audit = await admin('GET', '/api/v1/audit?user=wall1');
    const grants = audit.rows.filter((r) => r.action === 'grant').length;
    assert(grants === 0, `${grants} grants for tiles`);
    await shot('wall-3x3.png');
  });

  // Players of slots 4..7 are marked: the preset keeps those cameras.
  const mark = () => page.evaluate(() => {
    for (const v of document.querySelectorAll('.tile video')) v.dataset.mark = '1';
  });
  const marked = (slots) => page.evaluate((s) => s.map((slot) => {
    const v = document.querySelector(`.tile:not(.leaving)[data-slot="${slot}"] video`);
    return !!(v && v.dataset.mark === '1');
  }), slots);

  await step('a PATCH is on the page within 200 ms; unchanged tiles keep playing', async () => {
    await mark();
    const wall = await admin('GET', '/api/v1/walls/hall');
    const sent = Date.now();
    const r = await admin('PATCH', '/api/v1/walls/hall',
      { revision: wall.revision, monitors: layout1([initial[8]]).map((m) => ({ ...m, index: 8 })) });
    await waitTiles((rev) => document.body.dataset.revision === String(rev), r.revision, 2000);
    const renderedAt = await page.evaluate(() => performance.timeOrigin + window.cityeyeWall.view.lastEvent.at);
    console.log(`# PATCH sent → page re-laid out: ${(renderedAt - sent).toFixed(0)} ms`);
    assert(renderedAt - sent < 200, `${(renderedAt - sent).toFixed(0)} ms`);
    assert((await marked(SLOTS)).every(Boolean), 'every player kept');
  });

  await step('the emergency preset: 4 tiles change, 4 keep playing, a police camera is "no permission"', async () => {
    await mark();
    const t0 = Date.now();
    const r = await admin('POST', '/api/v1/walls/hall/presets/emergency/apply');
    const answered = Date.now() - t0;
    await waitTiles((want) => {
      const t = [...document.querySelectorAll('.tile:not(.leaving)')];
      return t.length === 9 && want.every((id, i) => i === 8
        ? t[i].dataset.state === 'hidden'
        : t[i].dataset.camera === id && t[i].dataset.state === 'playing');
    }, emergency, 15000);
    console.log(`# preset applied: answer ${answered} ms (${JSON.stringify(r.warm || {})}), all tiles playing ${Date.now() - t0} ms`);
    const t = await tiles();
    assert(t[8].text === 'no permission' && !t[8].camera, `hidden tile: ${JSON.stringify(t[8])}`);
    const keep = await marked(SLOTS);
    assert(keep.slice(4, 8).every(Boolean), `cameras 5–8 kept their players: ${keep}`);
    assert(!keep.slice(0, 4).some(Boolean), `tiles 0–3 are new players: ${keep}`);
    const w = await page.evaluate(WATCH_TILES, [SLOTS.slice(0, 8), 1000]);
    for (const x of w)
      assert(x.frames >= 3 && x.lit > 500, `tile ${x.slot}: ${x.frames} frames, ${x.lit} lit`);
    await shot('wall-emergency.png');
  });

  let incident;
  await step('an incident takes over the centre monitor: 4 marked tiles', async () => {
    const t0 = Date.now();
    const r = await admin('POST', '/api/v1/incidents', {
      ...INCIDENT_AT, radius_m: 300, k: 4, wall: 'hall', monitor: 4, title: '测试事件',
    });
    incident = r.incident.id;
    const cams = r.incident.cameras;
    assert(cams.length === 4, `${cams.length} cameras`);
    await waitTiles(([id, want]) => {
      const t = [...document.querySelectorAll('.tile:not(.leaving)[data-incident]')];
      return t.length === 4 && t.every((e) => e.dataset.incident === id && e.dataset.state === 'playing' &&
        want.includes(e.dataset.camera) && e.dataset.slot.startsWith('4:'));
    }, [incident, cams], 15000);
    console.log(`# incident ${incident}: 4 tiles playing ${Date.now() - t0} ms after the POST`);
    const t = await tiles();
    assert(t.length === 12, `${t.length} tiles`);
    const badges = await page.$$eval('.tile.incident .badge', (b) => b.map((e) => e.textContent));
    assert(badges.length === 4 && badges.every((b) => b.includes(incident)), `badges ${badges}`);
    // The other monitors are untouched.
    assert(t.filter((x) => !x.incident).map((x) => x.camera).join() ===
      emergency.slice(0, 4).concat(emergency.slice(5, 8)).join() + ',', `others: ${t.map((x) => x.camera)}`);
    await shot('wall-incident.png');
  });

  await step('closing the incident brings the previous tile back', async () => {
    await admin('POST', `/api/v1/incidents/${incident}/close`);
    await waitTiles((want) => {
      const t = [...document.querySelectorAll('.tile:not(.leaving)')];
      return t.length === 9 && !document.querySelector('.tile:not(.leaving)[data-incident]') &&
        t[4].dataset.camera === want && t[4].dataset.state === 'playing';
    }, emergency[4], 15000);
    await shot('wall-incident-closed.png');
  });

  await step('a tour switches its tile from camera to camera', async () => {
    const wall = await admin('GET', '/api/v1/walls/hall');
    const tour = [CAM(14), CAM(15)];
    await admin('PATCH', '/api/v1/walls/hall', { revision: wall.revision, monitors: [
      { index: 8, layout: '1', tiles: [{ tour: { cameras: tour, dwell_s: 2 } }] }] });
    const seen = await waitTiles(() => {
      const e = document.querySelector('.tile:not(.leaving)[data-slot="8:0"]');
      return e && e.dataset.state === 'playing' && e.dataset.camera;
    }, null, 10000).then((h) => h.jsonValue());
    const other = tour.find((c) => c !== seen);
    assert(tour.includes(seen), `tile shows ${seen}`);
    const t0 = Date.now();
    await waitTiles((id) => {
      const e = document.querySelector('.tile:not(.leaving)[data-slot="8:0"]');
      return e && e.dataset.state === 'playing' && e.dataset.camera === id;
    }, other, 8000);
    console.log(`# tour step ${seen} → ${other} playing ${Date.now() - t0} ms after the wait began`);
  });

  await step('a camera that stops sending shows "signal lost"', async () => {
    const cam = emergency[5];
    const r = await fetch(`${gw.simControl}/cam/${cam}/fault`, { method: 'POST', body: 'mode=stall',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert(r.ok, `camsim fault: ${r.status}`);
    const t0 = Date.now();
    await waitTiles((id) => {
      const e = document.querySelector(`.tile:not(.leaving)[data-camera="${id}"]`);
      return e && e.dataset.state === 'lost';
    }, cam, 10000);
    const t = (await tiles()).find((x) => x.camera === cam);
    assert(/signal lost/.test(t.text), `text: ${t.text}`);
    console.log(`# signal lost shown ${Date.now() - t0} ms after the camera stalled`);
    await shot('wall-signal-lost.png');
    // (Slot 8 tours: it may be between two cameras.)
    const others = (await tiles()).filter((x) => x.camera && x.camera !== cam && x.slot !== '8:0');
    assert(others.every((x) => x.state === 'playing'), `others: ${others.map((x) => x.state)}`);
    // The camera sends again: the tile plays again by itself.
    await fetch(`${gw.simControl}/cam/${cam}/fault`, { method: 'POST', body: 'mode=none',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const t1 = Date.now();
    await waitTiles((id) => {
      const e = document.querySelector(`.tile:not(.leaving)[data-camera="${id}"]`);
      return e && e.dataset.state === 'playing';
    }, cam, 10000);
    console.log(`# playing again ${Date.now() - t1} ms after the camera resumed`);
  });

  await step('the events socket drops: the page reconnects and catches up', async () => {
    await page.evaluate(() => window.cityeyeWall.events.ws.close());
    await waitTiles(() => document.body.dataset.events === 'closed', null, 2000);
    // A change while the page is away.
    const wall = await admin('GET', '/api/v1/walls/hall');
    const r = await admin('PATCH', '/api/v1/walls/hall', { revision: wall.revision, monitors: [
      { index: 8, layout: '1', tiles: [CAM(16)] }] });
    await waitTiles((rev) => document.body.dataset.events === 'open' &&
      document.body.dataset.revision === String(rev), r.revision, 5000);
    await waitTiles((id) => {
      const e = document.querySelector('.tile:not(.leaving)[data-slot="8:0"]');
      return e && e.dataset.camera === id && e.dataset.state === 'playing';
    }, CAM(16), 10000);
  });

  await step('the live socket drops: every tile plays again on a new one', async () => {
    const shown = (await tiles()).filter((x) => x.camera);
    assert(shown.length === 9 && shown.every((x) => x.state === 'playing'),
      `before: ${shown.map((x) => x.state)}`);
    const t0 = Date.now();
    await page.evaluate(() => {
      const mux = window.cityeyeWall.mux;
      window.muxOpens = 0;
      mux.addEventListener('open', () => window.muxOpens++);
      mux.ws.close();
    });
    await waitTiles(() => window.muxOpens > 0, null, 5000);
    // Every tile leaves its old channel: each shows new frames, and its
    // currentTime advances, only if it reopened a channel on the new socket.
    await waitTiles(() => [...document.querySelectorAll('.tile:not(.leaving)')]
      .every((e) => e.dataset.state === 'playing'), null, 10000);
    const w = await page.evaluate(WATCH_TILES, [SLOTS, 3000]);
    for (const x of w)
      assert(x.frames >= 10 && x.advanced > 1, `tile ${x.slot}: ${x.frames} frames, +${x.advanced.toFixed(2)} s`);
    console.log(`# every tile playing on the new live socket ${Date.now() - t0} ms after the old one closed (3 s of watching included)`);
    // On the gateway: one socket again, and one channel per camera (the
    // old socket's channels ended with it, none was opened twice).
    const metrics = await (await fetch(`${gw.base}/metrics`,
      { headers: { Authorization: `Bearer ${gw.adminToken}` } })).text();
    const sockets = Number((/^cityeye_live_sockets (\d+)$/m.exec(metrics) || [])[1]);
    assert(sockets === 1, `live sockets: ${sockets}`);
    const streams = (await admin('GET', '/api/v1/streams')).streams;
    for (const x of shown) {
      const s = streams.filter((y) => y.camera_id === x.camera);
      const ws = s.reduce((n, y) => n + y.viewers.ws, 0);
      assert(ws === 1, `${x.camera}: ${ws} ws viewers`);
    }
  });

  await step('an admin closes one tile\'s channel: it stays closed, the others play', async () => {
    const slot = '0:0';
    const cam = await page.evaluate((s) => document.querySelector(`.tile:not(.leaving)[data-slot="${s}"]`).dataset.camera, slot);
    const streams = (await admin('GET', '/api/v1/streams')).streams;
    const c = streams.filter((s) => s.camera_id === cam).flatMap((s) => s.clients)
      .find((x) => x.protocol === 'ws' && x.channel !== undefined);
    assert(c, `no channel of ${cam} listed`);
    const r = await admin('DELETE', `/api/v1/streams/${cam}?viewer=${encodeURIComponent(c.peer)}&channel=${c.channel}`);
    assert(r.closed === 1, `closed: ${JSON.stringify(r)}`);
    await waitTiles((s) => {
      const e = document.querySelector(`.tile:not(.leaving)[data-slot="${s}"]`);
      return e && e.dataset.state === 'failed' && e.textContent.includes('closed by an admin');
    }, slot, 3000);
    // The player would have opened a new channel at once after a plain
    // close: still closed, no viewer of that camera came back, the other
    // tiles play on.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const after = await tiles();
    const t = after.find((x) => x.slot === slot);
    assert(t && t.state === 'failed', `tile ${slot}: ${t && t.state}`);
    assert(after.filter((x) => x.camera && x.slot !== slot).every((x) => x.state === 'playing'),
      `others: ${after.map((x) => `${x.slot} ${x.state}`)}`);
    const again = (await admin('GET', '/api/v1/streams')).streams.filter((s) => s.camera_id === cam);
    const ws = again.reduce((n, y) => n + y.viewers.ws, 0);
    assert(ws === 0, `${cam}: ${ws} ws viewers after the kick`);
  });

  await step('a dead camera does not hold up the other tiles; empty cells', async () => {
    // A browser opens one WebSocket per host at a time, and the gateway
    // answers a camera's socket only when the camera is ready: the page
    // must not open one for a camera that is not.
    const wall = await admin('GET', '/api/v1/walls/hall');
    const t0 = Date.now();
    await admin('PATCH', '/api/v1/walls/hall', { revision: wall.revision, monitors: [
      { index: 0, layout: '1', tiles: [DEAD_ID] }, { index: 8, layout: '1', tiles: [CAM(14)] },
      { index: 7, layout: '4', tiles: [CAM(8)] }] });
    const answered = Date.now() - t0;
    await waitTiles((id) => {
      const e = document.querySelector('.tile:not(.leaving)[data-slot="8:0"]');
      return e && e.dataset.camera === id && e.dataset.state === 'playing';
    }, CAM(14), 4000);
    console.log(`# beside a dead camera, a new tile played ${Date.now() - t0} ms after the PATCH (answered after ${answered} ms)`);
    // Monitor 7 split in four: its camera in the first cell (now its sub
    // stream), three empty cells.
    await waitTiles((id) => {
      const t = [...document.querySelectorAll('.tile:not(.leaving)')].filter((e) => e.dataset.slot.startsWith('7:'));
      return t.length === 4 && t[0].dataset.camera === id && t[0].dataset.stream === 'sub' &&
        t[0].dataset.state === 'playing' && t.slice(1).every((e) => e.dataset.state === 'empty' && !e.dataset.camera);
    }, CAM(8), 8000);
    const dead = (await tiles()).find((x) => x.slot === '0:0');
    assert(dead.camera === DEAD_ID && dead.state !== 'playing', `dead tile: ${JSON.stringify(dead)}`);
    assert(await page.evaluate(() => document.body.dataset.events === 'open'), 'events socket open');
  });

  await step('one monitor alone (?monitor=2), logging in with the form', async () => {
    const p2 = await browser.newPage({ viewport: { width: 640, height: 360 } });
    p2.on('pageerror', (e) => consoleErrors.push(String(e)));
    await p2.goto(`${gw.base}/console/wall.html?wall=hall&monitor=2`);
    await p2.waitForSelector('#login:not([hidden])');
    await p2.fill('#token', 'cet_wrong');
    await p2.click('#login-form button');
    await p2.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
    await p2.fill('#token', gw.wallToken);
    await p2.click('#login-form button');
    await p2.waitForFunction(() => document.querySelectorAll('.tile').length === 1 &&
      document.querySelector('.tile').dataset.state === 'playing', null, { timeout: 15000 });
    assert(await p2.evaluate(() => document.querySelector('.tile').dataset.camera) === emergency[2], 'camera of monitor 2');
    await p2.close();
  });

  await step('no errors in the page console (CSP included)', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
    assert(!gw.log().includes(gw.wallToken), 'the token is in the gateway log');
  });
} finally {
  await browser.close();
  gw.stop();
}
finish();
