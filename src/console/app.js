// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The operator console: login with an API token, the camera map, search
// and filters, the player panel, hover snapshots, "cameras near here",
// the dark-cameras layer and the online-rate chart (admins).

import * as api from './api.js';
import { CameraMap, SOURCE_COLORS, HEALTH_COLORS } from './map.js';
import { PlayerGrid } from './grid.js';
import { drawOnlineChart } from './chart.js';

const SOURCE_LABELS = {
  public_security: '公安', xueliang: '雪亮', social: '社会面', mobile: '单兵',
};
const HEALTH_LABELS = { offline: '离线 offline', auth_failed: '认证失败 auth', no_video: '无视频 no video' };
const RESULT_LIMIT = 100;
// ?transport=flv: play over HTTP-FLV from the start (tests; otherwise FLV
// is the fallback when the WebSocket fails).
const TRANSPORT = new URLSearchParams(location.search).get('transport') === 'flv' ? 'flv' : 'ws';

const $ = (id) => document.getElementById(id);
let map = null;
let grid = null;
let data = null;
let indexById = new Map();
let results = [];          // [{id, name, street, source, status}]
let hoverTimer = 0;
let hoverUrl = null;
let nearAt = null;

// Exposed for tests and the benchmark (read-only use).
window.cityeye = { get map() { return map; }, get grid() { return grid; }, get data() { return data; } };

function showLogin(message) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('token').focus();
}

async function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  if (!map) setup();
  try {
    await loadMap();
  } catch (e) {
    if (e.status === 401) { api.setToken(null); showLogin(e.message); return; }
    $('map-status').textContent = e.message;
    return;
  }
  loadChart();
}

function setup() {
  map = new CameraMap($('map'));
  grid = new PlayerGrid($('players'), { transport: TRANSPORT });
  map.addEventListener('select', (e) => play(cameraAt(e.detail.index)));
  map.addEventListener('hover', (e) => hover(e.detail));
  map.addEventListener('near', (e) => openNearMenu(e.detail));
  map.addEventListener('drawn', (e) => {
    $('map-status').textContent = `${data ? data.count : 0} cameras · ${e.detail.dots} drawn in ${e.detail.ms.toFixed(1)} ms`;
  });
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  for (const id of ['f-source', 'f-street', 'f-status'])
    $(id).addEventListener('change', () => { applyFilters(); search(); });
  $('dark').addEventListener('change', () => { map.setDark($('dark').checked); legend(); });
  for (const b of document.querySelectorAll('.layouts button'))
    b.addEventListener('click', () => setLayout(Number(b.dataset.layout)));
  $('logout').addEventListener('click', () => {
    for (const t of grid.tiles) t.stop();
    api.setToken(null);
    showLogin();
  });
  for (const b of $('ctx').querySelectorAll('button'))
    b.addEventListener('click', () => near(Number(b.dataset.radius)));
  document.addEventListener('click', (e) => { if (!$('ctx').contains(e.target)) $('ctx').hidden = true; });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') $('ctx').hidden = true; });
}

async function loadMap() {
  const t0 = performance.now();
  data = await api.mapCameras();
  const fetched = performance.now();
  indexById = new Map(data.id.map((id, i) => [id, i]));
  map.setData(data);
  window.cityeye.mapLoad = { fetchMs: fetched - t0, totalMs: performance.now() - t0, count: data.count };
  const src = $('f-source');
  src.length = 1;
  data.sources.forEach((k, i) => {
    if (i > 0) src.add(new Option(`${SOURCE_LABELS[k] || k}`, k));
  });
  const st = $('f-street');
  st.length = 1;
  [...data.streets].filter((s) => s).sort((a, b) => a.localeCompare(b, 'zh')).forEach((s) => st.add(new Option(s, s)));
  legend();
  document.body.dataset.mapReady = String(data.count);
}

function legend() {
  const el = $('legend');
  el.textContent = '';
  const item = (color, label) => {
    const dot = document.createElement('span');
    dot.className = 'dot';
    dot.style.background = color;
    el.append(dot, label);
  };
  if (map.dark) {
    const counts = {};
    data.health.forEach((h) => { counts[h] = (counts[h] || 0) + 1; });
    data.healths.forEach((name, h) => {
      if (HEALTH_COLORS[h]) item(HEALTH_COLORS[h], `${HEALTH_LABELS[name] || name} ${counts[h] || 0}`);
    });
  } else {
    data.sources.forEach((k, i) => { if (i > 0) item(SOURCE_COLORS[i], SOURCE_LABELS[k] || k); });
    item('#5d6672', 'offline');
  }
}

function cameraAt(i) {
  return {
    id: data.id[i], name: data.name[i], street: data.streets[data.street[i]],
    source: data.sources[data.source[i]], status: data.statuses[data.status[i]],
  };
}

function filters() {
  return { source: $('f-source').value, street: $('f-street').value, status: $('f-status').value };
}

function applyFilters() {
  const f = filters();
  const si = f.source ? data.sources.indexOf(f.source) : -1;
  const ti = f.street ? data.streets.indexOf(f.street) : -1;
  const ui = f.status ? data.statuses.indexOf(f.status) : -1;
  map.setFilter(si < 0 && ti < 0 && ui < 0 ? null : (i) =>
    (si < 0 || data.source[i] === si) && (ti < 0 || data.street[i] === ti) && (ui < 0 || data.status[i] === ui));
}

async function search() {
  const f = filters();
  const q = $('q').value.trim();
  nearAt = null;
  map.setNearCircle(null);
  try {
    const r = await api.getJSON('/api/v1/cameras' + api.query({
      q, source: f.source, street: f.street, status: f.status, crs: data.crs, limit: RESULT_LIMIT,
    }));
    showResults(r.cameras, `${r.cameras.length}${r.next ? '+' : ''} result${r.cameras.length === 1 ? '' : 's'}${q ? ` for “${q}”` : ''}`);
  } catch (e) {
    showResults([], e.message);
  }
}

function showResults(cameras, head) {
  results = cameras;
  $('results-head').textContent = head;
  const ol = $('results');
  ol.textContent = '';
  for (const c of cameras) {
    const li = document.createElement('li');
    li.dataset.camera = c.id;
    li.textContent = c.name || c.id;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = [c.street, SOURCE_LABELS[c.source] || c.source, c.status,
      c.distance_m !== undefined ? `${Math.round(c.distance_m)} m` : ''].filter(Boolean).join(' · ');
    li.append(meta);
    li.addEventListener('click', () => {
      const i = indexById.get(c.id);
      if (i !== undefined) map.centerOn(i, 2 ** 21);
      play(c);
    });
    ol.append(li);
  }
  map.setHighlight(cameras.map((c) => indexById.get(c.id)).filter((i) => i !== undefined));
}

function play(camera) {
  if (!camera) return;
  grid.play(camera);
}

function setLayout(n) {
  for (const b of document.querySelectorAll('.layouts button'))
    b.classList.toggle('active', Number(b.dataset.layout) === n);
  grid.setLayout(n);
  // Empty tiles take the next cameras of the result list.
  grid.fill(results);
}

// Snapshot on hover (after a short rest on the dot: a snapshot may start
// the camera's upstream).
function hover({ index, x, y }) {
  clearTimeout(hoverTimer);
  const box = $('hover');
  if (index < 0) { box.hidden = true; return; }
  const c = cameraAt(index);
  const img = box.querySelector('img');
  box.querySelector('.label').textContent = `${c.name} · ${c.street || ''} · ${SOURCE_LABELS[c.source] || c.source} · ${data.healths[data.health[index]]}`;
  img.removeAttribute('src');
  const wrap = $('map-wrap').getBoundingClientRect();
  box.style.left = Math.min(x + 14, wrap.width - 260) + 'px';
  box.style.top = Math.min(y + 14, wrap.height - 200) + 'px';
  box.hidden = false;
  hoverTimer = setTimeout(async () => {
    try {
      const url = await api.snapshotURL(c.id, 320);
      if (map.hoverIndex !== index) { URL.revokeObjectURL(url); return; }
      if (hoverUrl) URL.revokeObjectURL(hoverUrl);
      hoverUrl = url;
      img.src = url;
    } catch (e) {
      box.querySelector('.label').textContent += ` · ${e.message}`;
    }
  }, 250);
}

function openNearMenu({ lon, lat, x, y, px, py }) {
  nearAt = { lon, lat, x, y };
  const ctx = $('ctx');
  ctx.style.left = px + 'px';
  ctx.style.top = py + 'px';
  ctx.hidden = false;
}

async function near(radius) {
  $('ctx').hidden = true;
  if (!nearAt) return;
  const { lon, lat, x, y } = nearAt;
  const worldRadius = radius / (40075016.686 * Math.cos((lat * Math.PI) / 180));
  map.setNearCircle({ x, y, radiusPx: worldRadius });
  const f = filters();
  try {
    const r = await api.getJSON('/api/v1/cameras' + api.query({
      near: `${lon.toFixed(6)},${lat.toFixed(6)}`, radius, k: 50, crs: data.crs,
      source: f.source, street: f.street, status: f.status,
    }));
    showResults(r.cameras, `${r.cameras.length} camera${r.cameras.length === 1 ? '' : 's'} within ${radius} m`);
  } catch (e) {
    showResults([], e.message);
  }
}

async function loadChart() {
  const since = Math.floor(Date.now() / 1000) - 7 * 86400;
  try {
    const r = await api.getJSON('/api/v1/stats/online' + api.query({ by: 'street', since }));
    $('chart-panel').hidden = false;
    drawOnlineChart($('online-chart'), r.rows);
  } catch (e) {
    // Not an admin (403): the KPI covers cameras outside the role.
    $('chart-panel').hidden = true;
  }
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  api.setToken($('token').value.trim());
  $('token').value = '';
  start();
});

// A link may carry the token in its fragment (never sent to the server):
// /console/#token=cet_…; it is moved to sessionStorage and removed from
// the address bar.
{
  const m = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (m) {
    api.setToken(m[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
}
if (api.getToken()) start();
else showLogin();
