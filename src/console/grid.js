// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The player panel: 1, 2×2 or 3×3 tiles, each a Player on a <video>.  A
// camera whose codec the browser cannot play through MSE tries its sub
// stream, then (or for a grant without a WebSocket URL) falls back to a
// snapshot refreshed every second.  The Player falls back to HTTP-FLV when
// the WebSocket fails before the first frame; the grid's transport 'flv'
// (the console's ?transport=flv) uses FLV from the start.  Each tile
// carries data-camera, data-state and data-transport for tests.

import { Player } from './player.js';
import { grant, snapshotURL } from './api.js';

const SNAPSHOT_PERIOD_MS = 1000;

class Tile {
  constructor(grid, el) {
    this.grid = grid;
    this.el = el;
    this.camera = null;
    this.player = null;
    this.snapTimer = 0;
    this.snapUrl = null;
    el.className = 'tile';
    el.innerHTML = '';
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.caption = document.createElement('div');
    this.caption.className = 'caption';
    this.stateEl = document.createElement('div');
    this.stateEl.className = 'state';
    this.closeBtn = document.createElement('button');
    this.closeBtn.className = 'close';
    this.closeBtn.type = 'button';
    this.closeBtn.textContent = '×';
    this.closeBtn.title = 'stop';
    this.closeBtn.hidden = true;
    this.closeBtn.addEventListener('click', (e) => { e.stopPropagation(); this.stop(); });
    el.append(this.video, this.caption, this.stateEl, this.closeBtn);
    el.addEventListener('click', () => grid.select(this));
    this.setState('empty');
  }

  setState(state, reason) {
    this.el.dataset.state = state;
    this.stateEl.textContent = state === 'empty' ? '' : state;
    this.stateEl.title = reason || '';
  }

  // h264: ask the gateway for an H.264 transcode of an H.265 stream (the
  // grant lists ws_h264 only when the gateway allows transcodes).
  async play(camera, profile, h264 = false) {
    this.stop();
    this.camera = camera;
    this.el.dataset.camera = camera.id;
    this.caption.textContent = `${camera.name || camera.id}`;
    this.caption.title = camera.id;
    this.closeBtn.hidden = false;
    this.setState('connecting');
    const started = performance.now();
    let g;
    try {
      g = await grant(camera.id, profile);
    } catch (e) {
      if (this.camera === camera) this.setState('failed', e.message);
      return;
    }
    if (this.camera !== camera) return;
    const wsUrl = (urls) => (h264 ? urls.ws_h264 : urls.ws);
    if (!g.urls || !wsUrl(g.urls) || !window.MediaSource) {
      this.startSnapshots('no MSE stream');
      return;
    }
    const p = (this.player = new Player({
      reconnect: async () => wsUrl((await grant(camera.id, profile)).urls),
      transport: this.grid.transport,
    }));
    p.addEventListener('transport', (e) => {
      if (this.player === p) this.el.dataset.transport = e.detail.transport;
    });
    p.addEventListener('state', (e) => {
      if (this.player === p) this.setState(e.detail.state, e.detail.reason);
    });
    p.addEventListener('unsupported', (e) => {
      if (this.player !== p) return;
      // An H.265 main stream the browser cannot decode: its sub stream is
      // often H.264 (a camera without one serves the main stream again);
      // then the gateway's H.264 transcode of the sub stream when it
      // offers one, and the snapshots last.
      if (!h264 && profile !== 'sub') this.play(camera, 'sub');
      else if (!h264 && g.urls.ws_h264) this.play(camera, 'sub', true);
      else this.startSnapshots('codec ' + e.detail.mime);
    });
    p.addEventListener('firstframe', (e) => {
      // From the click (grant included), for the benchmark.
      this.el.dataset.firstFrameMs = (performance.now() - started).toFixed(1);
      this.el.dataset.attachToFrameMs = e.detail.ms.toFixed(1);
      this.el.dataset.timing = JSON.stringify(e.detail.timing);
    });
    p.attach(this.video, wsUrl(g.urls));
    this.el.dataset.transport = p.transport;
  }

  // The fallback: a JPEG of the latest keyframe, refreshed.
  startSnapshots(reason) {
    if (this.player) { this.player.close(); this.player = null; }
    const camera = this.camera;
    this.video.hidden = true;
    let img = this.el.querySelector('img');
    if (!img) {
      img = document.createElement('img');
      img.alt = '';
      this.el.prepend(img);
    }
    this.setState('snapshot', reason);
    const tick = async () => {
      if (this.camera !== camera) return;
      try {
        const url = await snapshotURL(camera.id, 640);
        if (this.camera !== camera) { URL.revokeObjectURL(url); return; }
        if (this.snapUrl) URL.revokeObjectURL(this.snapUrl);
        this.snapUrl = url;
        img.src = url;
      } catch (e) {
        this.stateEl.title = e.message;
      }
      if (this.camera === camera) this.snapTimer = setTimeout(tick, SNAPSHOT_PERIOD_MS);
    };
    tick();
  }

  stop() {
    clearTimeout(this.snapTimer);
    this.snapTimer = 0;
    if (this.player) { this.player.close(); this.player = null; }
    const img = this.el.querySelector('img');
    if (img) img.remove();
    if (this.snapUrl) { URL.revokeObjectURL(this.snapUrl); this.snapUrl = null; }
    this.video.hidden = false;
    this.camera = null;
    delete this.el.dataset.camera;
    delete this.el.dataset.firstFrameMs;
    delete this.el.dataset.attachToFrameMs;
    delete this.el.dataset.timing;
    delete this.el.dataset.transport;
    this.caption.textContent = '';
    this.closeBtn.hidden = true;
    this.setState('empty');
  }
}

export class PlayerGrid {
  // options.transport: 'flv' plays every tile over HTTP-FLV.
  constructor(container, options = {}) {
    this.container = container;
    this.transport = options.transport === 'flv' ? 'flv' : 'ws';
    this.tiles = [];
    this.selected = 0;
    this.setLayout(1);
  }

  setLayout(n) {
    while (this.tiles.length > n) {
      const t = this.tiles.pop();
      t.stop();
      t.el.remove();
    }
    while (this.tiles.length < n) {
      const el = document.createElement('div');
      this.container.append(el);
      this.tiles.push(new Tile(this, el));
    }
    this.container.className = `layout-${n}`;
    if (this.selected >= n) this.selected = 0;
    this._mark();
  }

  get size() { return this.tiles.length; }

  // Several tiles at once: the cameras' sub streams (a camera without one
  // serves its main stream).
  profile() { return this.tiles.length > 1 ? 'sub' : undefined; }

  select(tile) {
    this.selected = this.tiles.indexOf(tile);
    this._mark();
  }

  _mark() {
    this.tiles.forEach((t, i) => t.el.classList.toggle('selected', i === this.selected && this.tiles.length > 1));
  }

  playing() { return this.tiles.filter((t) => t.camera).map((t) => t.camera.id); }

  // Plays in the selected tile (one tile: replaces), then selects the
  // next tile so that consecutive clicks fill the grid.
  play(camera) {
    const tile = this.tiles[this.selected];
    tile.play(camera, this.profile());
    if (this.tiles.length > 1) {
      this.selected = (this.selected + 1) % this.tiles.length;
      this._mark();
    }
  }

  // Empty tiles take the given cameras (not already shown), in order.
  fill(cameras) {
    const shown = new Set(this.playing());
    const queue = cameras.filter((c) => !shown.has(c.id));
    for (const t of this.tiles) {
      if (t.camera || queue.length === 0) continue;
      t.play(queue.shift(), this.profile());
    }
  }
}
