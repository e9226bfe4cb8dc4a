// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// What the wall page's test and benchmark share: a small inventory on the
// simulator (cameras about 1 km apart, the last four clustered around
// INCIDENT_AT for incidents), an API helper, and page-side probes.

// Camera n (1-based) and a police camera a wall account may not see.
export const CAM = (n) => '310113000013200001' + String(n).padStart(2, '0');
export const PS_ID = '31011300001320000201';
// A camera that accepts connections and never answers: start the
// simulator with DEAD_FAULT.
export const DEAD_ID = '31011300001320000301';
export const DEAD_FAULT = `--fault=${DEAD_ID}=tarpit`;
export const INCIDENT_AT = { lon: 121.5, lat: 31.4 };

// n cameras, all online; with police, one public_security camera too;
// with dead, DEAD_ID (see DEAD_FAULT).
export function inventory(n, { police = false, dead = false } = {}) {
  return (sim) => {
    const rows = ['id,name,source,street,civil_code,address,lon,lat,rtsp_url,rtsp_url_sub,' +
      'username,password,secrecy,ptz_type,azimuth,tags,status'];
    const row = (id, name, source, lon, lat) =>
      `${id},${name},${source},大场镇,310113,,${lon.toFixed(6)},${lat.toFixed(6)},` +
      `rtsp://${sim}/cam/${id},rtsp://${sim}/cam/${id}?profile=sub,,,0,3,,,online`;
    for (let i = 1; i <= n; i++) {
      const cluster = i > n - 4;
      const lon = cluster ? INCIDENT_AT.lon + (i - n + 2) * 0.0004 : 121.3 + i * 0.01;
      const lat = cluster ? INCIDENT_AT.lat + 0.0003 : 31.3;
      rows.push(row(CAM(i), `宝山区测试墙相机${String(i).padStart(2, '0')}号`, 'social', lon, lat));
    }
    if (police) rows.push(row(PS_ID, '宝山区测试公安相机', 'public_security', 121.2, 31.2));
    if (dead) rows.push(row(DEAD_ID, '宝山区测试断线相机', 'social', 121.1, 31.1));
    return rows.join('\n') + '\n';
  };
}

// fetch with a Bearer token; JSON in and out; throws on an error status.
export function api(base, token) {
  return async (method, path, body) => {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

// Page side: the tiles now on screen (leaving ones excluded).
export const TILES = () => [...document.querySelectorAll('.tile:not(.leaving)')].map((e) => ({
  slot: e.dataset.slot, camera: e.dataset.camera || null, state: e.dataset.state,
  incident: e.dataset.incident || null, text: e.querySelector('.state').textContent,
  caption: (e.querySelector('.caption') || {}).textContent || null,
}));

// Page side: for each tile of [slots], frames presented and currentTime
// advanced over ms, and whether a canvas sample of the picture is not
// all black.
export const WATCH_TILES = async ([slots, ms]) => Promise.all(slots.map(async (slot) => {
  const el = document.querySelector(`.tile:not(.leaving)[data-slot="${slot}"]`);
  const v = el && el.querySelector('video');
  if (!v) return { slot, frames: 0, advanced: 0, lit: 0 };
  const t0 = v.currentTime;
  let frames = 0;
  await new Promise((resolve) => {
    const cb = () => { frames++; v.requestVideoFrameCallback(cb); };
    v.requestVideoFrameCallback(cb);
    setTimeout(resolve, ms);
  });
  const c = document.createElement('canvas');
  c.width = 64;
  c.height = 36;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0, c.width, c.height);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let lit = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 60) lit++;
  return { slot, frames, advanced: v.currentTime - t0, lit, width: v.videoWidth };
}));
