// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The camera map, drawn on a canvas by the page itself (closed networks:
// no public tiles).  Web Mercator; optional tiles from the city's own
// server ([console] tile_url).  23,000 dots: positions are projected once,
// a uniform grid over the cameras' extent gives the dots of the visible
// cells (drawing) and of the cells around the pointer (hit tests), and
// frames are drawn only when something changed (one per animation frame).
//
// Events: 'hover' { index, x, y } (index -1 when none), 'select' { index },
// 'near' { lon, lat, x, y } (right click), 'view' (zoom or pan).

const GRID = 128;
const TILE = 256;

export const SOURCE_COLORS = ['#9aa5b1', '#4ea1ff', '#3ecf8e', '#f2c14e', '#d77bff'];
export const HEALTH_COLORS = {
  2: '#ff5a4f',  // offline
  3: '#ff9f1c',  // auth_failed
  4: '#b57bff',  // no_video
};
const OFFLINE_COLOR = '#5d6672';
const DIM_COLOR = '#2a323b';

// '#rrggbb' → a little-endian RGBA pixel, cached.
const packed = new Map();
function packColor(hex) {
  let v = packed.get(hex);
  if (v === undefined) {
    const n = parseInt(hex.slice(1, 7), 16);
    v = ((0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0;
    packed.set(hex, v);
  }
  return v;
}

function project(lon, lat) {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
}

function unproject(x, y) {
  const lon = x * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;
  return [lon, lat];
}

export class CameraMap extends EventTarget {
  constructor(canvas) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.data = null;
    this.n = 0;
    this.visible = null;      // Uint8Array: passes the filters
    this.highlight = new Set();
    this.dark = false;
    this.cx = 0.5; this.cy = 0.5; this.scale = 1024;  // px per world unit
    this.tileUrl = null;
    this.tiles = new Map();
    this.hoverIndex = -1;
    this.nearCircle = null;
    this._frame = 0;
    this.lastDrawMs = 0;
    this.drawn = 0;
    this._bindEvents();
    new ResizeObserver(() => this._resize()).observe(canvas);
    this._resize();
  }

  setData(data) {
    this.data = data;
    const n = (this.n = data.id.length);
    this.wx = new Float64Array(n);
    this.wy = new Float64Array(n);
    let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    for (let i = 0; i < n; i++) {
      const [x, y] = project(data.lon[i], data.lat[i]);
      this.wx[i] = x; this.wy[i] = y;
      if (x < minx) minx = x; if (x > maxx) maxx = x;
      if (y < miny) miny = y; if (y > maxy) maxy = y;
    }
    if (n === 0) { minx = miny = 0.49; maxx = maxy = 0.51; }
    const pad = Math.max(maxx - minx, maxy - miny, 1e-6) * 0.02;
    this.ext = { minx: minx - pad, miny: miny - pad, maxx: maxx + pad, maxy: maxy + pad };
    this._buildGrid();
    this._buildLabels();
    this.visible = new Uint8Array(n).fill(1);
    this.tileUrl = data.tile_url || null;
    this.fit();
  }

  _buildGrid() {
    const { minx, miny, maxx, maxy } = this.ext;
    this.cellW = (maxx - minx) / GRID;
    this.cellH = (maxy - miny) / GRID;
    const cellOf = new Int32Array(this.n);
    const count = new Int32Array(GRID * GRID + 1);
    for (let i = 0; i < this.n; i++) {
      const gx = Math.min(GRID - 1, Math.floor((this.wx[i] - minx) / this.cellW));
      const gy = Math.min(GRID - 1, Math.floor((this.wy[i] - miny) / this.cellH));
      cellOf[i] = gy * GRID + gx;
      count[cellOf[i] + 1]++;
    }
    for (let c = 0; c < GRID * GRID; c++) count[c + 1] += count[c];
    this.cellStart = count;
    this.cellItems = new Int32Array(this.n);
    const fill = count.slice(0, GRID * GRID);
    for (let i = 0; i < this.n; i++) this.cellItems[fill[cellOf[i]]++] = i;
  }

  _buildLabels() {
    const sums = new Map();
    const { street, lon, lat } = this.data;
    for (let i = 0; i < this.n; i++) {
      let s = sums.get(street[i]);
      if (!s) sums.set(street[i], (s = { x: 0, y: 0, n: 0 }));
      s.x += this.wx[i]; s.y += this.wy[i]; s.n++;
    }
    this.labels = [];
    for (const [k, s] of sums) {
      const name = this.data.streets[k];
      if (name) this.labels.push({ name, x: s.x / s.n, y: s.y / s.n, n: s.n });
    }
  }

  // Which cameras pass: a function (index → boolean), or null for all.
  setFilter(pass) {
    for (let i = 0; i < this.n; i++) this.visible[i] = !pass || pass(i) ? 1 : 0;
    this.redraw();
  }

  setDark(dark) { this.dark = dark; this.redraw(); }

  setHighlight(indexes) { this.highlight = new Set(indexes); this.redraw(); }

  setNearCircle(circle) { this.nearCircle = circle; this.redraw(); }

  fit() {
    const { minx, miny, maxx, maxy } = this.ext;
    this.cx = (minx + maxx) / 2;
    this.cy = (miny + maxy) / 2;
    this.scale = Math.min(this.w / (maxx - minx), this.h / (maxy - miny)) * 0.95;
    this.redraw();
  }

  centerOn(index, minScale) {
    this.cx = this.wx[index]; this.cy = this.wy[index];
    if (minScale && this.scale < minScale) this.scale = minScale;
    this.redraw();
  }

  // Screen ↔ world ↔ lon/lat (in the CRS of the data).
  toScreen(x, y) {
    return [(x - this.cx) * this.scale + this.w / 2, (y - this.cy) * this.scale + this.h / 2];
  }
  toWorld(px, py) {
    return [(px - this.w / 2) / this.scale + this.cx, (py - this.h / 2) / this.scale + this.cy];
  }
  lonLatAt(px, py) { return unproject(...this.toWorld(px, py)); }
  screenOf(index) { return this.toScreen(this.wx[index], this.wy[index]); }
  metresPerPixel() {
    const lat = unproject(this.cx, this.cy)[1];
    return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / this.scale;
  }

  // Cameras in cells that intersect the world box, through fn(index).
  _eachInBox(x0, y0, x1, y1, fn) {
    const { minx, miny } = this.ext;
    const gx0 = Math.max(0, Math.floor((x0 - minx) / this.cellW));
    const gx1 = Math.min(GRID - 1, Math.floor((x1 - minx) / this.cellW));
    const gy0 = Math.max(0, Math.floor((y0 - miny) / this.cellH));
    const gy1 = Math.min(GRID - 1, Math.floor((y1 - miny) / this.cellH));
    for (let gy = gy0; gy <= gy1; gy++)
      for (let gx = gx0; gx <= gx1; gx++) {
        const c = gy * GRID + gx;
        for (let k = this.cellStart[c]; k < this.cellStart[c + 1]; k++)
          fn(this.cellItems[k]);
      }
  }

  hitTest(px, py, radius = 7) {
    if (!this.n) return -1;
    const [x0, y0] = this.toWorld(px - radius, py - radius);
    const [x1, y1] = this.toWorld(px + radius, py + radius);
    let best = -1, bestD = radius * radius;
    this._eachInBox(x0, y0, x1, y1, (i) => {
      if (!this.visible[i] || (this.dark && !HEALTH_COLORS[this.data.health[i]])) return;
      const [sx, sy] = this.toScreen(this.wx[i], this.wy[i]);
      const d = (sx - px) ** 2 + (sy - py) ** 2;
      if (d <= bestD) { bestD = d; best = i; }
    });
    return best;
  }

  redraw() {
    if (!this._frame) this._frame = requestAnimationFrame(() => this._draw());
  }

  _resize() {
    const r = this.canvas.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.w = Math.max(1, r.width);
    this.h = Math.max(1, r.height);
    this.canvas.width = Math.round(this.w * this.dpr);
    this.canvas.height = Math.round(this.h * this.dpr);
    this.redraw();
  }

  _drawTiles(ctx) {
    const z = Math.max(0, Math.min(19, Math.round(Math.log2(this.scale / TILE))));
    const n = 2 ** z, size = (this.scale / n);
    const [x0, y0] = this.toWorld(0, 0);
    const [x1, y1] = this.toWorld(this.w, this.h);
    for (let ty = Math.max(0, Math.floor(y0 * n)); ty <= Math.min(n - 1, Math.floor(y1 * n)); ty++)
      for (let tx = Math.max(0, Math.floor(x0 * n)); tx <= Math.min(n - 1, Math.floor(x1 * n)); tx++) {
        const key = `${z}/${tx}/${ty}`;
        let img = this.tiles.get(key);
        if (!img) {
          if (this.tiles.size > 512) this.tiles.clear();
          img = new Image();
          img.onload = () => this.redraw();
          img.src = this.tileUrl.replace('{z}', z).replace('{x}', tx).replace('{y}', ty);
          this.tiles.set(key, img);
        }
        if (img.complete && img.naturalWidth) {
          const [sx, sy] = this.toScreen(tx / n, ty / n);
          ctx.drawImage(img, sx, sy, size + 0.5, size + 0.5);
        }
      }
  }

  // The overview: dots of a few device pixels written straight into an
  // ImageData (one typed-array store per pixel; Path2D rectangles cost
  // ~35 ms for 23,000 dots in a software-rendered canvas), then drawn over
  // the background and tiles in one drawImage.
  _drawPixels(x0, y0, x1, y1, colorOf, sizeOf) {
    const W = this.canvas.width, H = this.canvas.height, dpr = this.dpr;
    if (!this._layer || this._layer.width !== W || this._layer.height !== H) {
      this._layer = document.createElement('canvas');
      this._layer.width = W;
      this._layer.height = H;
      this._image = new ImageData(W, H);
      this._pixels = new Uint32Array(this._image.data.buffer);
    }
    const px = this._pixels;
    px.fill(0);
    let drawn = 0;
    const onTop = [];
    const paint = (i, color) => {
      const [sx, sy] = this.toScreen(this.wx[i], this.wy[i]);
      const cx = Math.round(sx * dpr), cy = Math.round(sy * dpr);
      const rr = Math.max(1, Math.round(sizeOf(color) * dpr));
      const xa = Math.max(0, cx - rr), xb = Math.min(W, cx + rr);
      const ya = Math.max(0, cy - rr), yb = Math.min(H, cy + rr);
      if (xa >= xb || ya >= yb) return;
      drawn++;
      const v = packColor(color);
      for (let y = ya; y < yb; y++) px.fill(v, y * W + xa, y * W + xb);
    };
    this._eachInBox(x0, y0, x1, y1, (i) => {
      if (!this.visible[i]) return;
      const color = colorOf(i);
      if (color === DIM_COLOR || color === OFFLINE_COLOR) paint(i, color);
      else onTop.push(i);
    });
    for (const i of onTop) paint(i, colorOf(i));
    this._layer.getContext('2d').putImageData(this._image, 0, 0);
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.drawImage(this._layer, 0, 0);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return drawn;
  }

  _draw() {
    this._frame = 0;
    const t0 = performance.now();
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#0d1014';
    ctx.fillRect(0, 0, this.w, this.h);
    if (!this.data) return;
    if (this.tileUrl) this._drawTiles(ctx);

    const d = this.data;
    // Dot half-size in CSS pixels: small in the overview, larger zoomed in.
    const r = Math.max(1, Math.min(5, Math.log2(this.scale) - 19.5));
    const [x0, y0] = this.toWorld(-8, -8);
    const [x1, y1] = this.toWorld(this.w + 8, this.h + 8);
    const colorOf = (i) => {
      if (this.dark) return HEALTH_COLORS[d.health[i]] || DIM_COLOR;
      if (d.status[i] === 2) return OFFLINE_COLOR;
      return SOURCE_COLORS[d.source[i]] || SOURCE_COLORS[0];
    };
    const sizeOf = (color) => (color === DIM_COLOR ? Math.max(1, r - 1)
      : this.dark ? r + 1 : color === OFFLINE_COLOR ? r * 0.8 : r);
    let drawn = 0;
    if (r * this.dpr <= 3) {
      drawn = this._drawPixels(x0, y0, x1, y1, colorOf, sizeOf);
    } else {
      // Zoomed in (few dots visible): one Path2D per colour.
      const paths = new Map();
      this._eachInBox(x0, y0, x1, y1, (i) => {
        if (!this.visible[i]) return;
        const [sx, sy] = this.toScreen(this.wx[i], this.wy[i]);
        if (sx < -8 || sy < -8 || sx > this.w + 8 || sy > this.h + 8) return;
        drawn++;
        const color = colorOf(i), rr = sizeOf(color);
        let p = paths.get(color);
        if (!p) paths.set(color, (p = new Path2D()));
        p.rect(sx - rr, sy - rr, 2 * rr, 2 * rr);
      });
      // Dimmed ones first, the dark ones on top.
      const order = [...paths.keys()].sort((a, b) => (a === DIM_COLOR ? -1 : b === DIM_COLOR ? 1 : 0));
      for (const color of order) { ctx.fillStyle = color; ctx.fill(paths.get(color)); }
    }
    this.drawn = drawn;

    if (this.nearCircle) {
      const { x, y, radiusPx } = this.nearCircle;
      const [sx, sy] = this.toScreen(x, y);
      ctx.strokeStyle = '#ffffffaa';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(sx, sy, radiusPx * this.scale, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.lineWidth = 2;
    for (const i of this.highlight) {
      const [sx, sy] = this.toScreen(this.wx[i], this.wy[i]);
      ctx.strokeStyle = '#ffffff';
      ctx.beginPath();
      ctx.arc(sx, sy, r + 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (this.hoverIndex >= 0) {
      const [sx, sy] = this.toScreen(this.wx[this.hoverIndex], this.wy[this.hoverIndex]);
      ctx.strokeStyle = '#ffe082';
      ctx.beginPath();
      ctx.arc(sx, sy, r + 3, 0, 2 * Math.PI);
      ctx.stroke();
    }
    // Street labels over the dots.
    ctx.font = '13px system-ui, "Noto Sans CJK SC", sans-serif';
    ctx.textAlign = 'center';
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#0d1014';
    ctx.fillStyle = '#e8edf2';
    for (const l of this.labels) {
      const [sx, sy] = this.toScreen(l.x, l.y);
      if (sx < -50 || sy < -20 || sx > this.w + 50 || sy > this.h + 20) continue;
      ctx.strokeText(l.name, sx, sy);
      ctx.fillText(l.name, sx, sy);
    }
    this.lastDrawMs = performance.now() - t0;
    this.dispatchEvent(new CustomEvent('drawn', { detail: { ms: this.lastDrawMs, dots: drawn } }));
  }

  _bindEvents() {
    const c = this.canvas;
    let drag = null;
    const pos = (e) => {
      const r = c.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const [px, py] = pos(e);
      const [wx, wy] = this.toWorld(px, py);
      const f = Math.exp(-e.deltaY * 0.0015);
      this.scale = Math.max(256, Math.min(2 ** 29, this.scale * f));
      // Keep the point under the pointer where it is.
      this.cx = wx - (px - this.w / 2) / this.scale;
      this.cy = wy - (py - this.h / 2) / this.scale;
      this.redraw();
      this.dispatchEvent(new Event('view'));
    }, { passive: false });
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      const [px, py] = pos(e);
      drag = { px, py, cx: this.cx, cy: this.cy, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const [px, py] = pos(e);
      if (drag) {
        if (Math.abs(px - drag.px) + Math.abs(py - drag.py) > 3) {
          drag.moved = true;
          c.classList.add('dragging');
        }
        if (drag.moved) {
          this.cx = drag.cx - (px - drag.px) / this.scale;
          this.cy = drag.cy - (py - drag.py) / this.scale;
          this.redraw();
          return;
        }
      }
      const i = this.hitTest(px, py);
      if (i !== this.hoverIndex) {
        this.hoverIndex = i;
        this.redraw();
        this.dispatchEvent(new CustomEvent('hover', { detail: { index: i, x: px, y: py } }));
      }
    });
    c.addEventListener('pointerup', (e) => {
      const d = drag;
      drag = null;
      c.classList.remove('dragging');
      if (!d) return;
      if (d.moved) { this.dispatchEvent(new Event('view')); return; }
      const [px, py] = pos(e);
      const i = this.hitTest(px, py);
      if (i >= 0) this.dispatchEvent(new CustomEvent('select', { detail: { index: i } }));
    });
    c.addEventListener('pointerleave', () => {
      if (this.hoverIndex !== -1) {
        this.hoverIndex = -1;
        this.redraw();
        this.dispatchEvent(new CustomEvent('hover', { detail: { index: -1 } }));
      }
    });
    c.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      const [px, py] = pos(e);
      const [lon, lat] = this.lonLatAt(px, py);
      const [x, y] = this.toWorld(px, py);
      this.dispatchEvent(new CustomEvent('near', { detail: { lon, lat, x, y, px, py } }));
    });
  }
}
