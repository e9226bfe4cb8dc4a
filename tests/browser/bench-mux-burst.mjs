// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The gateway's side of a warm wall switch, without a browser: one live
// socket (GET /api/v1/live.ws) opens 16 channels at once on cameras the
// gateway is already pulling; per channel, the time from the open to its
// first media message and to the end of its cached-GOP burst, and the
// messages it took.  Node's own WebSocket (node >= 20.10 with
// --experimental-websocket, or >= 22).
//
//   node --experimental-websocket bench-mux-burst.mjs BUILD_DIR [ROUNDS]

import { startGateway } from './gateway.mjs';
import { CAM, inventory } from './wall-common.mjs';

const [build, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 5);
const N = 16;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const gw = await startGateway({
  build, inventory: inventory(N), camsimArgs: ['--sub-size=320x180', '--sub-bitrate=256'],
  conf: '[relay]\nlinger=120\n',
});

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(gw.base.replace('http:', 'ws:') + '/api/v1/live.ws',
      ['cityeye.live', 'cityeye.bearer.' + gw.adminToken]);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error('live socket: ' + e.message));
  });
}

// Opens N channels at once; resolves with per-channel figures 1.5 s after
// the last channel's first media.
async function round(ws, base) {
  const ch = new Map();
  const t0 = performance.now();
  ws.onmessage = (ev) => {
    const now = performance.now() - t0;
    let id;
    if (typeof ev.data === 'string') {
      id = JSON.parse(ev.data).ch;
    } else {
      id = new DataView(ev.data).getUint32(0);
      const c = ch.get(id);
      if (!c) return;
      c.messages++;
      c.bytes += ev.data.byteLength;
      if (c.first < 0) c.first = now;
      c.last = now;
    }
  };
  for (let i = 0; i < N; i++) {
    const id = base + i;
    ch.set(id, { first: -1, last: -1, messages: 0, bytes: 0 });
    ws.send(JSON.stringify({ op: 'open', ch: id, camera: CAM(i + 1), profile: 'sub' }));
  }
  for (;;) {
    await sleep(50);
    const now = performance.now() - t0;
    const all = [...ch.values()];
    if (all.every((c) => c.first >= 0) && now - Math.max(...all.map((c) => c.first)) > 1500) break;
    if (now > 20000) throw new Error('channels without media after 20 s');
  }
  for (const id of ch.keys()) ws.send(JSON.stringify({ op: 'close', ch: id }));
  return [...ch.values()];
}

try {
  const ws = await connect();
  // Warm every camera, then the rounds.
  await round(ws, 1000);
  const firsts = [], msgs = [];
  for (let r = 0; r < rounds; r++) {
    await sleep(500);
    const res = await round(ws, 2000 + r * 100);
    const f = Math.max(...res.map((c) => c.first));
    firsts.push(f);
    msgs.push(res.reduce((n, c) => n + c.messages, 0));
    console.log(`# round ${r + 1}: last channel's first media ${f.toFixed(1)} ms, ` +
      `first media per channel ${res.map((c) => c.first.toFixed(0)).join(' ')}, ` +
      `${msgs[msgs.length - 1]} messages, load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  }
  console.log(`last channel's first media: median ${median(firsts).toFixed(1)} ms, ` +
    `min ${Math.min(...firsts).toFixed(1)}, max ${Math.max(...firsts).toFixed(1)}`);
  ws.close();
} finally {
  gw.stop();
}
