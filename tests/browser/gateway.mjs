// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// Starts what the console needs on 127.0.0.1 with free ports: the camera
// simulator, a registry with the 23,000-camera sample (pointed at the
// simulator) plus three cameras nobody answers for, an admin and an
// operator token, and cityeyed.  Used by the browser test and the
// console benchmark.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// Cameras whose URL points at a closed port: offline after a probe.
export const DARK_IDS = ['31011300001320009901', '31011300001320009902', '31011300001320009903'];
export const H265_ID = '31011300001320009904';
// H.265 in both streams: plays through the gateway's H.264 transcode.
export const H265_ONLY_ID = '31011300001320009905';

function firstLine(child, match, what) {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${what}: no "${match}" in 30 s`)), 30000);
    rl.on('line', (line) => {
      if (line.includes(match)) { clearTimeout(timer); resolve(line); }
    });
    child.on('exit', (code) => reject(new Error(`${what} exited (${code}) before "${match}"`)));
  });
}

function cli(bin, args) {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// Options: probe (health sweeps for the console's dark layer);
// inventory(simRtsp) → CSV text with header, instead of the sample (then
// nothing else is added and nothing probed); camsimArgs for the simulator;
// conf, more lines for cityeye.conf.
export async function startGateway({ build, probe = true, inventory = null, camsimArgs = [], conf: extraConf = '' }) {
  const dir = mkdtempSync(join(tmpdir(), 'cityeye-console-'));
  const bins = {
    camsim: join(build, 'samples/camsim/cityeye-camsim'),
    cityeyed: join(build, 'src/daemon/cityeyed'),
    cityeye: join(build, 'src/cli/cityeye'),
  };
  const children = [];
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  // Nothing outlives the test: a failed assertion, an exception or the
  // test runner's timeout (SIGTERM) stops the gateway and the simulator.
  process.on('exit', stop);
  for (const sig of ['SIGTERM', 'SIGINT'])
    process.on(sig, () => { stop(); process.exit(1); });
  try {
    const sim = spawn(bins.camsim, ['--port=0', '--control-port=0', ...camsimArgs], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(sim);
    const simLine = await firstLine(sim, 'rtsp=', 'camsim');
    const simRtsp = /rtsp=(\S+)/.exec(simLine)[1];
    const simControl = `http://${/control=(\S+)/.exec(simLine)[1]}`;

    const db = join(dir, 'registry.db');
    const csv = inventory ? inventory(simRtsp) : readFileSync(join(build, 'samples/inventory/baoshan-23k.csv'), 'utf8')
      .replaceAll('rtsp://127.0.0.1:8555/', `rtsp://${simRtsp}/`);
    const dark = DARK_IDS.map((id, i) =>
      `${id},宝山区罗泾镇测试离线相机${i + 1},social,罗泾镇,310113,,121.3${i}0000,31.5${i}0000,rtsp://127.0.0.1:1/cam/${id},,,,0,3,,,`);
    // An H.265 main stream with an H.264 sub stream.
    const h265 = `${H265_ID},宝山区测试H265相机,social,大场镇,310113,,121.420000,31.300000,` +
      `rtsp://${simRtsp}/cam/${H265_ID}-h265,rtsp://${simRtsp}/cam/${H265_ID}?profile=sub,,,0,3,,,`;
    const h265only = `${H265_ONLY_ID},宝山区测试H265双码流相机,social,大场镇,310113,,121.421000,31.301000,` +
      `rtsp://${simRtsp}/cam/${H265_ONLY_ID}-h265,rtsp://${simRtsp}/cam/${H265_ONLY_ID}-h265?profile=sub,,,0,3,,,`;
    writeFileSync(join(dir, 'cameras.csv'), csv.trimEnd() + '\n' +
      (inventory ? '' : [...dark, h265, h265only].join('\n') + '\n'));
    cli(bins.cityeye, ['db', 'init', '--db', db]);
    cli(bins.cityeye, ['camera', 'import', join(dir, 'cameras.csv'), '--db', db]);
    cli(bins.cityeye, ['user', 'add', 'admin1', '--role', 'admin', '--db', db]);
    cli(bins.cityeye, ['user', 'add', 'op1', '--role', 'operator', '--db', db]);
    cli(bins.cityeye, ['user', 'add', 'wall1', '--role', 'wall', '--db', db]);
    const adminToken = cli(bins.cityeye, ['token', 'create', '--user', 'admin1', '--db', db]).trim();
    const operatorToken = cli(bins.cityeye, ['token', 'create', '--user', 'op1', '--db', db]).trim();
    const wallToken = cli(bins.cityeye, ['token', 'create', '--user', 'wall1', '--db', db]).trim();
    // Health for the dark layer and the online-rate chart: the three dead
    // cameras and the 460 body-worn ones (every street has some).
    if (probe && !inventory) {
      cli(bins.cityeye, ['camera', 'probe', ...DARK_IDS, '--timeout', '1000', '--db', db]);
      cli(bins.cityeye, ['camera', 'probe', '--source', 'mobile', '--all', '-j', '128', '--db', db]);
    }

    const conf = join(dir, 'cityeye.conf');
    writeFileSync(conf, `[registry]\ndatabase=${db}\n[probe]\ninterval=0\n[rtsp]\nport=0\n[http]\nport=0\ntranscode_max=1\n${extraConf}`);
    const gw = spawn(bins.cityeyed, ['--config', conf], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(gw);
    let log = '';
    gw.stderr.on('data', (d) => { log += d; if (log.length > 1 << 20) log = log.slice(-(1 << 19)); });
    const httpLine = await firstLine(gw, 'http=', 'cityeyed');
    const http = /http=(\S+)/.exec(httpLine)[1];
    return {
      base: `http://${http}`, adminToken, operatorToken, wallToken, simControl, dir, db, stop,
      log: () => log, csv,
    };
  } catch (e) {
    stop();
    throw e;
  }
}
