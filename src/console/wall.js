// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The full-screen wall page: wall.html?wall=NAME[&monitor=N].  Renders the
// whole wall (rows × cols monitors) or one monitor, each monitor's layout
// cells as absolutely positioned tiles, each tile a Player (player.js) on
// a channel of the page's one multiplexed live socket (livemux.js) for the
// tile's camera and stream (and incident): no grant and no WebSocket
// handshake per tile, and the gateway says per channel when its camera
// plays.  Follows the wall's events WebSocket (snapshot, then change /
// tour): only tiles whose camera, stream or incident changed are
// re-created; the others keep playing.  A tile shows the camera name,
// "signal lost" when no frame came for 3 s, "no permission" for a hidden
// tile, a red frame for an incident.  Each tile carries data-camera,
// data-state, data-incident for tests; window.cityeyeWall exposes the
// state.

import { Player } from './player.js';
import { LiveMux } from './livemux.js';
import { getToken, setToken, getJSON, grant, ApiError } from './api.js';

const STALL_MS = 3000;        // no new frame for this long: signal lost
const START_GRACE_MS = 5000;  // a cold camera's first frame may take this
const RESTART_MS = 10000;     // lost this long: a new grant and player
const SWAP_MS = 4000;         // an old tile stays at most this long
const EVENTS_RETRY_MAX_MS = 8000;

const params = new URLSearchParams(location.search);
const wallName = params.get('wall') || '';
const monitorOnly = params.has('monitor') ? Number(params.get('monitor')) : null;

const wallEl = document.getElementById('wall');
const statusEl = document.getElementById('status');

function status(text) {
  statusEl.textContent = text || '';
  statusEl.hidden = !text;
}

// Camera names, fetched once per id.
const names = new Map();
function cameraName(id) {
  if (!names.has(id)) {
    names.set(id, getJSON(`/api/v1/cameras/${encodeURIComponent(id)}`)
      .then((c) => c.name || id, () => id));
  }
  return names.get(id);
}

// The page's multiplexed live socket (made by startWall()).
let mux = null;

// Only for a tile on the gateway's H.264 transcode (an H.265 camera the
// browser cannot decode), which plays from its own live.ws URL of a grant:
// a WebSocket to a camera the gateway does not have ready yet is answered
// only when it is (or after the relay's start timeout, 10 s), and a
// browser opens one WebSocket per host and port at a time (RFC 6455
// §4.1): a dead camera's tile would hold up every other tile's socket,
// and the events socket too.  So a tile opens its socket once GET
// /api/v1/streams says its camera plays (polled once a second while a
// tile waits; a camera the gateway does not pull at all is not waited
// for: the socket starts it).  A new waiter cuts the pause short: after a
// preset switch the new tiles' cameras are ready (the gateway warmed them),
// and a dead camera elsewhere on the wall must not delay them by a second.
class Readiness {
  constructor() {
    this.waiting = new Map();  // "camera/profile" → [resolve]
    this.polling = false;
    this.wake = null;          // ends the pause between polls
  }

  wait(id, profile) {
    return new Promise((resolve) => {
      const key = `${id}/${profile}`;
      if (!this.waiting.has(key)) this.waiting.set(key, []);
      this.waiting.get(key).push(resolve);
      if (this.wake) this.wake();
      this.poll();
    });
  }

  async poll() {
    if (this.polling) return;
    this.polling = true;
    while (this.waiting.size > 0) {
      let streams = null;
      try {
        streams = (await getJSON('/api/v1/streams')).streams;
      } catch (_) { /* retried below */ }
      if (streams) {
        const state = new Map(streams.map((st) => [`${st.camera_id}/${st.profile}`, st.state]));
        for (const [key, list] of this.waiting) {
          const st = state.get(key);
          if (st === 'playing' || st === undefined) {
            this.waiting.delete(key);
            list.forEach((resolve) => resolve());
          }
        }
      }
      if (this.waiting.size > 0) {
        await new Promise((r) => {
          // Tiles starting together: one poll for all of them.
          this.wake = () => setTimeout(r, 20);
          setTimeout(r, 1000);
        });
        this.wake = null;
      }
    }
    this.polling = false;
  }
}
const readiness = new Readiness();

function contentKey(spec) {
  if (!spec) return 'empty';
  if (spec.hidden) return 'hidden';
  return `${spec.camera_id}/${spec.stream || spec.profile || 'auto'}/${spec.incident || ''}`;
}

function place(el, left, top, width, height) {
  el.style.left = `${left}%`;
  el.style.top = `${top}%`;
  el.style.width = `${width}%`;
  el.style.height = `${height}%`;
}

class Tile {
  constructor(spec, key) {
    this.spec = spec;
    this.key = key;
    this.player = null;
    this.started = 0;
    this.lastFrame = 0;
    this.firstFrameAt = 0;
    this.lostSince = 0;
    this.restartDelay = RESTART_MS;
    this.frameCb = 0;
    this.closed = false;
    this.waiting = false;
    this.onFirstFrame = null;
    const el = (this.el = document.createElement('div'));
    el.className = 'tile';
    this.stateEl = document.createElement('div');
    this.stateEl.className = 'state';
    el.append(this.stateEl);
    if (!spec) {
      this.setState('empty');
      return;
    }
    if (spec.hidden) {
      this.setState('hidden', 'no permission');
      return;
    }
    el.dataset.camera = spec.camera_id;
    el.dataset.stream = spec.stream || '';
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.caption = document.createElement('div');
    this.caption.className = 'caption';
    this.caption.textContent = spec.camera_id;
    el.prepend(this.video);
    el.append(this.caption);
    if (spec.incident) {
      el.classList.add('incident');
      el.dataset.incident = spec.incident;
      const badge = document.createElement('div');
      badge.className = 'badge';
      badge.textContent = `incident ${spec.incident}`;
      el.append(badge);
    }
  }

  get playable() {
    return !!(this.spec && !this.spec.hidden);
  }

  setState(state, text) {
    this.el.dataset.state = state;
    this.stateEl.textContent = text || '';
  }

  // A new player (also after a long stall): a channel of the page's
  // live socket; a grant and a URL of its own only for the transcode.
  async start(profile = this.spec.stream, h264 = false) {
    if (this.player) { this.player.close(); this.player = null; }
    this.closedByAdmin = false;
    const gen = (this.gen = (this.gen || 0) + 1);  // the latest start wins
    const { camera_id: id, incident } = this.spec;
    this.started = performance.now();
    this.lastFrame = this.started + START_GRACE_MS;
    if (this.el.dataset.state !== 'lost') this.setState('connecting', 'connecting…');
    if (!h264 && mux) {
      if (!window.MediaSource) {
        this.setState('failed', 'no MSE in this browser');
        return;
      }
      this.grantMs = 0;
      cameraName(id).then((n) => { this.caption.textContent = n; });
      const purpose = incident ? undefined : this.spec.tour ? 'tour' : 'preset';
      this.attachPlayer(new Player(), { mux, camera: id, profile, incident, purpose }, profile, false, null);
      return;
    }
    let g;
    try {
      this.waiting = true;
      [g] = await Promise.all([grant(id, profile, incident), readiness.wait(id, profile)]);
      this.waiting = false;
      this.grantMs = performance.now() - this.started;
      // A play token lives 60 s: a long wait for the camera needs a new one.
      if (this.grantMs > 30000 && !this.closed) g = await grant(id, profile, incident);
      // The name after the grant: a browser has 6 connections per host,
      // and a switch's grants come first.
      cameraName(id).then((n) => { this.caption.textContent = n; });
    } catch (e) {
      this.waiting = false;
      if (!this.closed && gen === this.gen) this.setState('failed', e.message);
      return;
    }
    const wsUrl = (urls) => (h264 ? urls.ws_h264 : urls.ws);
    if (this.closed || gen !== this.gen) return;
    if (!g.urls || !wsUrl(g.urls) || !window.MediaSource) {
      this.setState('failed', 'no MSE stream for this camera');
      return;
    }
    this.attachPlayer(new Player({
      reconnect: async () => {
        await readiness.wait(id, profile);
        return wsUrl((await grant(id, profile, incident)).urls);
      },
    }), wsUrl(g.urls), profile, h264, g.urls);
  }

  attachPlayer(p, source, profile, h264, urls) {
    this.player = p;
    p.addEventListener('state', (e) => {
      if (this.player !== p) return;
      const s = e.detail.state;
      if (s === 'playing') this.playing();
      else if (s === 'reconnecting') this.lost();
      else if (s === 'failed') {
        this.setState('failed', e.detail.reason || 'failed');
        // An admin closed it: the tile stays closed until the wall changes
        // (the stall detector would start it again).
        if (e.detail.closedByAdmin) this.closedByAdmin = true;
      }
    });
    // Where a tile's start went (the benchmark reads it): ms from start()
    // to the grant, and from attach() to the socket open, first media
    // message, first append, first frame.
    p.addEventListener('firstframe', (e) => {
      this.timing = { grant: this.grantMs, ...e.detail.timing, frame: e.detail.ms };
    });
    p.addEventListener('unsupported', (e) => {
      if (this.player !== p) return;
      // H.265 the browser cannot decode: the sub stream, then the
      // gateway's H.264 transcode when it offers one.
      // (Over the live socket the transcode's URL comes from a grant.)
      if (!h264 && profile !== 'sub') this.start('sub');
      else if (!h264 && (urls ? urls.ws_h264 : true)) this.start('sub', true);
      else this.setState('failed', 'codec not supported: ' + e.detail.mime);
    });
    if (this.frameCb && this.video.cancelVideoFrameCallback) this.video.cancelVideoFrameCallback(this.frameCb);
    this.frameCb = 0;
    p.attach(this.video, source);
    this.watchFrames();
  }

  watchFrames() {
    const v = this.video;
    if (!v.requestVideoFrameCallback || this.frameCb) return;
    const cb = () => {
      if (this.closed) return;
      const now = performance.now();
      this.lastFrame = now;
      if (!this.firstFrameAt) {
        this.firstFrameAt = now;
        this.el.dataset.firstFrameMs = (now - this.started).toFixed(1);
        this.el.classList.remove('entering');
        if (this.onFirstFrame) this.onFirstFrame();
      }
      if (this.el.dataset.state === 'lost' && this.player && this.player.state === 'playing')
        this.playing();
      this.frameCb = v.requestVideoFrameCallback(cb);
    };
    this.frameCb = v.requestVideoFrameCallback(cb);
  }

  playing() {
    this.lostSince = 0;
    this.restartDelay = RESTART_MS;
    this.setState('playing');
  }

  lost() {
    if (!this.lostSince) this.lostSince = performance.now();
    this.setState('lost', 'signal lost · reconnecting');
  }

  // The stall detector (called every 500 ms).
  check(now) {
    if (this.closed || this.closedByAdmin || (!this.player && !this.waiting)) return;
    if (now - this.lastFrame > STALL_MS) {
      this.lost();
      if (this.waiting) return;  // for its camera: nothing to restart
      if (now - this.lostSince > this.restartDelay) {
        // Frames stopped without the socket closing: start again.
        this.lostSince = now;
        this.restartDelay = Math.min(this.restartDelay * 2, 60000);
        this.start();
      }
    }
  }

  // Keeps the last picture and stops the player: a replaced tile shows it
  // until its successor has a frame, without decoding (a preset switching
  // 16 tiles would otherwise decode 32 streams).
  freeze() {
    if (this.player) this.player.freeze();
  }

  close() {
    this.closed = true;
    if (this.frameCb && this.video && this.video.cancelVideoFrameCallback)
      this.video.cancelVideoFrameCallback(this.frameCb);
    if (this.player) { this.player.close(); this.player = null; }
    this.el.remove();
  }
}

// The wall on screen: monitors and tiles, re-laid out per event.
class WallView {
  constructor(root) {
    this.root = root;
    this.monitors = new Map();  // index → element
    this.tiles = new Map();     // "monitor:cell" → Tile
    this.wall = null;
    this.renders = 0;
    setInterval(() => {
      const now = performance.now();
      for (const t of this.tiles.values()) t.check(now);
    }, 500);
  }

  monitorEl(index, wall) {
    let el = this.monitors.get(index);
    if (!el) {
      el = document.createElement('div');
      el.className = 'monitor';
      el.dataset.monitor = String(index);
      this.root.append(el);
      this.monitors.set(index, el);
    }
    if (monitorOnly !== null) {
      place(el, 0, 0, 100, 100);
    } else {
      const r = Math.floor(index / wall.cols), c = index % wall.cols;
      place(el, (100 * c) / wall.cols, (100 * r) / wall.rows, 100 / wall.cols, 100 / wall.rows);
    }
    return el;
  }

  clear() {
    for (const t of this.tiles.values()) t.close();
    this.tiles = new Map();
    for (const el of this.monitors.values()) el.remove();
    this.monitors = new Map();
  }

  render(wall) {
    this.wall = wall;
    this.renders++;
    const shown = wall.monitors.filter((m) => monitorOnly === null || m.index === monitorOnly);
    if (monitorOnly !== null && shown.length === 0) status(`wall ${wall.name} has no monitor ${monitorOnly}`);
    for (const [i, el] of this.monitors)
      if (!shown.some((m) => m.index === i)) { el.remove(); this.monitors.delete(i); }

    const slots = [];
    for (const m of shown) {
      const mel = this.monitorEl(m.index, wall);
      m.cells.forEach((cell, k) => {
        const spec = m.tiles[k] || null;
        slots.push({ slot: `${m.index}:${k}`, mel, cell, grid: m.grid, spec, key: contentKey(spec) });
      });
    }
    // Tiles whose content stays where it is are kept; the others may be
    // reused elsewhere (same camera moved) before new ones are made.
    const old = this.tiles;
    const kept = new Set();
    for (const s of slots) {
      const t = old.get(s.slot);
      if (t && t.key === s.key) kept.add(s.slot);
    }
    const pool = new Map();
    for (const [slot, t] of old) {
      if (kept.has(slot) || !t.playable) continue;
      if (!pool.has(t.key)) pool.set(t.key, []);
      pool.get(t.key).push(t);
    }
    const next = new Map();
    for (const s of slots) {
      let t = kept.has(s.slot) ? old.get(s.slot) : null;
      if (!t && pool.has(s.key) && pool.get(s.key).length > 0) {
        t = pool.get(s.key).pop();
        s.mel.append(t.el);
      }
      if (t) next.set(s.slot, t);
    }
    const live = new Set(next.values());
    for (const s of slots) {
      let t = next.get(s.slot);
      if (!t) {
        t = new Tile(s.spec, s.key);
        const prev = old.get(s.slot);
        if (t.playable && prev && !live.has(prev) && prev.firstFrameAt && !prev.closed) {
          // Keep the old picture under the new tile until it shows a frame.
          t.el.classList.add('entering');
          prev.el.classList.add('leaving');
          prev.leaving = true;
          prev.freeze();
          const done = () => { if (prev.leaving) { prev.leaving = false; prev.close(); } };
          t.onFirstFrame = done;
          setTimeout(done, SWAP_MS);
        }
        s.mel.append(t.el);
        if (t.playable) t.start();
        next.set(s.slot, t);
        live.add(t);
      }
      const { cell, grid } = s;
      place(t.el, (100 * cell[0]) / grid, (100 * cell[1]) / grid, (100 * cell[2]) / grid, (100 * cell[3]) / grid);
      t.el.dataset.slot = s.slot;
    }
    for (const t of old.values())
      if (!live.has(t) && !t.leaving) t.close();
    this.tiles = next;
    document.body.dataset.revision = String(wall.revision);
  }
}

// The wall's events: snapshot first, then change / tour; reconnects with
// backoff and checks the token and the wall over HTTP before each try.
class Events {
  constructor(view) {
    this.view = view;
    this.ws = null;
    this.delay = 500;
    this.connected = false;
  }

  async connect() {
    let wall;
    try {
      wall = await getJSON(`/api/v1/walls/${encodeURIComponent(wallName)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        // A revoked or expired token: nothing plays until a new login.
        setToken(null);
        if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
        this.view.clear();
        showLogin(e.message);
        return;
      }
      status(e instanceof ApiError ? e.message : 'gateway unreachable: retrying');
      this.retry();
      return;
    }
    this.view.render(wall);
    const u = new URL(`/api/v1/walls/${encodeURIComponent(wallName)}/events`, location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    // The token rides as a subprotocol: a browser cannot set Authorization
    // on a WebSocket, and URLs end up in logs.
    const ws = (this.ws = new WebSocket(u.href, ['cityeye.events', 'cityeye.bearer.' + getToken()]));
    ws.onopen = () => {
      this.connected = true;
      this.delay = 500;
      document.body.dataset.events = 'open';
      status('');
    };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (_) { return; }
      if ((m.type === 'snapshot' || m.type === 'change' || m.type === 'tour') && m.wall) {
        const at = performance.now();
        this.view.render(m.wall);
        this.view.lastEvent = { type: m.type, revision: m.revision, at, renderMs: performance.now() - at };
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.connected = false;
      document.body.dataset.events = 'closed';
      status('wall updates: reconnecting…');
      this.retry();
    };
  }

  retry() {
    const d = this.delay;
    this.delay = Math.min(this.delay * 2, EVENTS_RETRY_MAX_MS);
    setTimeout(() => this.connect(), d);
  }
}

function showLogin(message) {
  wallEl.hidden = true;
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('token').focus();
}

function startWall() {
  document.getElementById('login').hidden = true;
  wallEl.hidden = false;
  mux = new LiveMux({ token: getToken() });
  const view = new WallView(wallEl);
  const events = new Events(view);
  window.cityeyeWall = { view, events, mux };
  events.connect();
}

// A wall PC's link may carry the token as #token= (fragments are never
// sent to the server): kept in this tab's sessionStorage, then removed
// from the address bar.
const frag = new URLSearchParams(location.hash.slice(1));
if (frag.get('token')) {
  setToken(frag.get('token'));
  history.replaceState(null, '', location.pathname + location.search);
}

document.getElementById('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = document.getElementById('token').value.trim();
  setToken(token);
  try {
    await getJSON(`/api/v1/walls/${encodeURIComponent(wallName)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) setToken(null);
    document.getElementById('login-error').textContent = err.message;
    return;
  }
  if (window.cityeyeWall) {
    document.getElementById('login').hidden = true;
    wallEl.hidden = false;
    window.cityeyeWall.events.connect();
  } else {
    startWall();
  }
});

if (!/^[A-Za-z0-9_-]{1,64}$/.test(wallName)) {
  status('');
  document.body.textContent = 'Open wall.html?wall=NAME[&monitor=N]';
} else if (monitorOnly !== null && !(Number.isInteger(monitorOnly) && monitorOnly >= 0 && monitorOnly < 256)) {
  document.body.textContent = 'monitor= must be a monitor index (0, 1, …)';
} else if (getToken()) {
  startWall();
} else {
  showLogin('');
}
