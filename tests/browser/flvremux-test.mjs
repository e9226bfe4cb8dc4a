// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The console's FLV → fMP4 remuxer (src/console/flvremux.js) in node, on
// a real FLV captured from the gateway's live.flv: ffprobe confirms the
// capture is FLV with H.264, the remuxer's init segment + fragments form
// an MP4 that ffprobe decodes to the same number of frames on a
// continuous timeline, fed byte by byte gives the same output, a stream
// cut inside a tag and garbage are errors (FlvError, never another
// exception, never a hang).
//
//   node flvremux-test.mjs BUILD_DIR
// Exit status: 0 passed, 1 failed, 77 skipped (no ffprobe).

import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, H265_ID } from './gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { FlvRemuxer, FlvError } = await import(join(here, '../../src/console/flvremux.js'));
const [build] = process.argv.slice(2);
if (!build) {
  console.error('usage: node flvremux-test.mjs BUILD_DIR');
  process.exit(2);
}
try {
  execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
} catch (_) {
  console.log('1..0 # SKIP ffprobe missing');
  process.exit(77);
}

let n = 0, failed = 0;
async function step(name, fn) {
  n++;
  try {
    await fn();
    console.log(`ok ${n} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}\n# ${String(e.stack || e).split('\n').join('\n# ')}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

// The longest prefix of whole tags of @flv not longer than @max bytes.
function wholeTags(flv, max) {
  let p = 13;
  while (p + 11 <= flv.length) {
    const size = (flv[p + 1] << 16) | (flv[p + 2] << 8) | flv[p + 3];
    if (p + 11 + size + 4 > Math.min(max, flv.length)) break;
    p += 11 + size + 4;
  }
  return flv.subarray(0, p);
}

// Reads live.flv for @ms and returns what arrived, cut at the last whole
// tag (a live stream has no end).
async function capture(url, ms) {
  const ac = new AbortController();
  let res = await fetch(url, { signal: ac.signal });
  // A cold H.265 camera: the simulator encodes its loop on first use.
  for (let i = 0; i < 10 && res.status === 504; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    res = await fetch(url, { signal: ac.signal });
  }
  assert(res.ok, `live.flv: HTTP ${res.status}`);
  assert(/video\/x-flv/.test(res.headers.get('content-type')), `content type ${res.headers.get('content-type')}`);
  const reader = res.body.getReader();
  const parts = [];
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  ac.abort();
  return wholeTags(concat(parts), Infinity);
}

function remuxAll(flv, chunk) {
  const r = new FlvRemuxer();
  const out = [];
  for (let i = 0; i < flv.length; i += chunk) out.push(...r.push(flv.subarray(i, i + chunk)));
  out.push(...r.end());
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'cityeye-flvremux-'));
const gw = await startGateway({ build, probe: false });
try {
  const rows = gw.csv.split('\n').slice(1).filter(Boolean);
  const id = rows[0].split(',')[0];
  let flv;

  await step('capture 3 s of live.flv from the gateway; ffprobe reads FLV/H.264', async () => {
    const r = await fetch(`${gw.base}/api/v1/cameras/${id}/streams`, {
      method: 'POST', body: '{}',
      headers: { Authorization: `Bearer ${gw.adminToken}`, 'Content-Type': 'application/json' },
    });
    assert(r.status === 201, `grant: HTTP ${r.status}`);
    const g = await r.json();
    flv = await capture(g.urls.flv, 3000);
    assert(flv.length > 10000, `captured ${flv.length} bytes`);
    writeFileSync(join(dir, 'live.flv'), flv);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams',
      '-of', 'json', join(dir, 'live.flv')], { encoding: 'utf8' }));
    assert(probe.format.format_name === 'flv', `format ${probe.format.format_name}`);
    assert(probe.streams[0].codec_name === 'h264', `codec ${probe.streams[0].codec_name}`);
    console.log(`# captured ${flv.length} bytes, ${probe.streams[0].width}x${probe.streams[0].height}`);
  });

  await step('remuxed to fMP4: ffprobe decodes every frame, timeline continuous', async () => {
    const out = remuxAll(flv, 65536);
    assert(out[0].mime && /^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/.test(out[0].mime), `mime ${out[0].mime}`);
    assert(out[0].width > 0 && out[0].height > 0, 'size');
    const frags = out.slice(2);
    assert(frags.length > 25, `${frags.length} fragments`);
    assert(frags[0].keyframe, 'first fragment is a keyframe');
    assert(frags[0].dts === 0, `first dts ${frags[0].dts}`);
    for (let i = 1; i < frags.length; i++)
      assert(frags[i].dts > frags[i - 1].dts, `dts ${frags[i - 1].dts} then ${frags[i].dts}`);
    const mp4 = join(dir, 'remuxed.mp4');
    writeFileSync(mp4, concat(out.slice(1).map((o) => new Uint8Array(o.data))));
    const p = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams',
      '-of', 'json', mp4], { encoding: 'utf8' }));
    const s = p.streams[0];
    assert(s.codec_name === 'h264', `codec ${s.codec_name}`);
    assert(s.width === out[0].width && s.height === out[0].height,
      `ffprobe ${s.width}x${s.height}, remuxer ${out[0].width}x${out[0].height}`);
    assert(Number(s.nb_read_frames) === frags.length, `${s.nb_read_frames} frames decoded of ${frags.length}`);
    console.log(`# ${frags.length} fragments, ${s.nb_read_frames} frames decoded, ${s.codec_name} ${s.width}x${s.height}`);
  });

  await step('fed one byte at a time: the same output', async () => {
    const a = remuxAll(flv, 65536), b = remuxAll(wholeTags(flv, 300000), 1);
    const c = remuxAll(flv, 65536);
    assert(b.length > 3, `${b.length} items`);
    for (let i = 0; i < b.length - 1; i++) {   // the last one's duration differs
      const x = a[i].data ? new Uint8Array(a[i].data) : null;
      const y = b[i].data ? new Uint8Array(b[i].data) : null;
      assert((x === null) === (y === null) && (!x || (x.length === y.length && x.every((v, k) => v === y[k]))),
        `item ${i} differs`);
    }
    assert(c.length === a.length, 'deterministic');
  });

  await step('H.265 (codec id 12): an hvc1 init segment, ffprobe decodes the fMP4', async () => {
    const r = await fetch(`${gw.base}/api/v1/cameras/${H265_ID}/streams`, {
      method: 'POST', body: '{}',
      headers: { Authorization: `Bearer ${gw.adminToken}`, 'Content-Type': 'application/json' },
    });
    assert(r.status === 201, `grant: HTTP ${r.status}`);
    const hevc = await capture((await r.json()).urls.flv, 3000);
    assert(hevc[13 + 11 + ((hevc[14] << 16) | (hevc[15] << 8) | hevc[16]) + 4 + 11] === 0x1c,
      'the sequence header tag has codec id 12 (keyframe)');
    const out = remuxAll(hevc, 65536);
    assert(/^video\/mp4; codecs="hvc1\.[0-9]+\.[0-9A-F]+\.[LH][0-9]+(\.[0-9A-F]+)*"$/.test(out[0].mime),
      `mime ${out[0].mime}`);
    const mp4 = join(dir, 'hevc.mp4');
    writeFileSync(mp4, concat(out.slice(1).map((o) => new Uint8Array(o.data))));
    const p = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams',
      '-of', 'json', mp4], { encoding: 'utf8' }));
    const st = p.streams[0];
    assert(st.codec_name === 'hevc' && st.codec_tag_string === 'hvc1', `${st.codec_name} ${st.codec_tag_string}`);
    assert(Number(st.nb_read_frames) === out.length - 2, `${st.nb_read_frames} of ${out.length - 2} frames`);
    assert(st.width === out[0].width && st.height === out[0].height, 'size from onMetaData');
    console.log(`# H.265: ${out[0].mime}, ${st.nb_read_frames} frames decoded, ${st.width}x${st.height}`);
  });

  await step('cut inside a tag: end() throws FlvError', async () => {
    const r = new FlvRemuxer();
    r.push(flv.subarray(0, flv.length - 7));
    let err = null;
    try { r.end(); } catch (e) { err = e; }
    assert(err instanceof FlvError && /truncated/.test(err.message), `error: ${err}`);
    const h = new FlvRemuxer();
    h.push(flv.subarray(0, 5));
    err = null;
    try { h.end(); } catch (e) { err = e; }
    assert(err instanceof FlvError, `header cut: ${err}`);
  });

  await step('garbage: not FLV, a bad tag type, a wrong PreviousTagSize, NAL lengths past the tag', async () => {
    const cases = {
      'not FLV': new TextEncoder().encode('HTTP/1.1 200 OK\r\n\r\n<html>'),
      'tag type': concat([flv.subarray(0, 13), new Uint8Array([0x07, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12])]),
      'PreviousTagSize': (() => { const c = flv.slice(0, 4000); c[13 + 11 + ((c[14] << 16) | (c[15] << 8) | c[16]) + 3] ^= 1; return c; })(),
    };
    // A video tag whose NAL length points past the tag.
    const bad = flv.slice();
    let p = 13, patched = false;
    while (p + 11 < bad.length && !patched) {
      const size = (bad[p + 1] << 16) | (bad[p + 2] << 8) | bad[p + 3];
      if (bad[p] === 9 && bad[p + 12] === 1 && size > 20) { bad[p + 16] = 0x7f; patched = true; }
      p += 11 + size + 4;
    }
    assert(patched, 'found a NALU tag');
    cases['NAL length'] = bad;
    for (const [name, bytes] of Object.entries(cases)) {
      let err = null;
      try { remuxAll(bytes, 4096); } catch (e) { err = e; }
      assert(err instanceof FlvError, `${name}: ${err}`);
    }
  });

  await step('random corruption: FlvError or output, never another exception', async () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const t0 = Date.now();
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const c = wholeTags(flv, 60000).slice();
      const k = 1 + Math.floor(rand() * 8);
      for (let j = 0; j < k; j++) c[Math.floor(rand() * c.length)] = Math.floor(rand() * 256);
      try {
        remuxAll(c, 1 + Math.floor(rand() * 5000));
      } catch (e) {
        if (!(e instanceof FlvError)) throw e;
        errors++;
      }
    }
    assert(errors > 0 && errors < 300, `${errors} of 300 rejected: corruption inside NAL units passes`);
    console.log(`# 300 corrupted streams, ${errors} rejected, ${Date.now() - t0} ms`);
  });
} finally {
  gw.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
