// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// Player: one camera's fMP4 stream from the gateway's live.ws into a
// <video> element through Media Source Extensions.  Used by the console
// and by the video wall; no dependency on the rest of the console.
//
//   import { Player } from './player.js';
//   const p = new Player({ reconnect: async () => freshWsUrl });
//   p.addEventListener('state', (e) => console.log(e.detail.state));
//   p.attach(videoElement, wsUrl);   // plays (muted), emits events
//   p.freeze();                      // stops, keeps the last picture
//   p.close();                       // stops, frees the element
//
// Events (CustomEvent, data in .detail):
//   'state'       { state: 'connecting' | 'playing' | 'reconnecting' |
//                   'failed' | 'closed', reason }
//   'codec'       { mime, codec }    before each init segment
//   'unsupported' { mime }           the browser cannot play the codec with
//                                    MSE: the caller should fall back
//   'firstframe'  { ms, timing }     attach() → first frame presented;
//                                    timing: ms from attach() to the socket
//                                    open, the first media message, the
//                                    first append
//
// The wire (the gateway's contract): TEXT {"type":"codec","mime","codec"}
// before every init segment (start, and again when the camera's SPS
// changes), then BINARY messages: the init segment, then one fMP4 fragment
// each, the first a keyframe; optional TEXT {"type":"state","state"}.
// Each connection starts its timeline at 0, so a reconnect gets a fresh
// MediaSource.

const MAX_QUEUE = 300;        // fragments waiting for the SourceBuffer
const MAX_LATENCY_S = 3;      // behind the live edge: jump forward
const CATCH_UP_S = 0.5;       // behind: play faster…
const LIVE_S = 0.2;           // …until this close
const KEEP_BEHIND_S = 10;     // buffer kept behind the playhead
const MAX_APPEND = 4 << 20;   // bytes per appendBuffer

export class Player extends EventTarget {
  constructor(options = {}) {
    super();
    this.reconnect = options.reconnect || null;
    this.video = null;
    this.state = 'closed';
    this.attempt = 0;
    this.firstFrameSeen = false;
    this._t0 = 0;
    this._retryTimer = 0;
    this._session = null;
  }

  attach(video, wsUrl) {
    this.close();
    this.video = video;
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    this.firstFrameSeen = false;
    this._t0 = performance.now();
    this.timing = {};
    this._open(wsUrl);
    return this;
  }

  // Stops the stream but leaves the last picture on the element (no more
  // data, nothing decoded); close() frees it later.  The wall shows a
  // replaced tile this way until its successor has a frame.
  freeze() {
    clearTimeout(this._retryTimer);
    this._retryTimer = 0;
    this._endSession();
    if (this.video) this.video.pause();
  }

  close() {
    clearTimeout(this._retryTimer);
    this._retryTimer = 0;
    this._endSession();
    if (this.video) {
      this.video.removeAttribute('src');
      this.video.load();
      this.video = null;
    }
    if (this.state !== 'closed') this._setState('closed');
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _setState(state, reason) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state, reason: reason || '' });
  }

  _open(wsUrl) {
    this._setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const s = {
      ws: new WebSocket(wsUrl),
      ms: new MediaSource(),
      sb: null,
      mime: null,
      queue: [],
      objectUrl: null,
      pendingMime: null,
      frameCb: 0,
      ended: false,
    };
    this._session = s;
    s.ws.binaryType = 'arraybuffer';
    s.objectUrl = URL.createObjectURL(s.ms);
    this.video.src = s.objectUrl;
    s.ms.addEventListener('sourceopen', () => this._pump(s), { once: true });
    s.ws.onopen = () => this._mark('open');
    s.ws.onmessage = (ev) => this._onMessage(s, ev);
    s.ws.onclose = (ev) => this._onClose(s, ev);
    s.ws.onerror = () => { /* onclose follows */ };
    this._watchFrames(s);
  }

  _watchFrames(s) {
    const v = this.video;
    if (!v || !v.requestVideoFrameCallback) return;
    const cb = () => {
      if (this._session !== s) return;
      if (!this.firstFrameSeen) {
        this.firstFrameSeen = true;
        this._emit('firstframe', { ms: performance.now() - this._t0, timing: this.timing });
      }
      this.attempt = 0;
      this._setState('playing');
      this._keepLive(s);
      s.frameCb = v.requestVideoFrameCallback(cb);
    };
    s.frameCb = v.requestVideoFrameCallback(cb);
  }

  _mark(what) {
    if (!this.firstFrameSeen && this.timing[what] === undefined)
      this.timing[what] = performance.now() - this._t0;
  }

  _onMessage(s, ev) {
    if (this._session !== s) return;
    if (typeof ev.data !== 'string') this._mark('media');
    if (typeof ev.data === 'string') {
      let m;
      try { m = JSON.parse(ev.data); } catch (_) { return; }
      if (m.type === 'codec' && typeof m.mime === 'string') {
        this._emit('codec', { mime: m.mime, codec: m.codec });
        if (!window.MediaSource || !MediaSource.isTypeSupported(m.mime)) {
          this._emit('unsupported', { mime: m.mime });
          this._fail('codec not supported: ' + m.mime);
          return;
        }
        s.queue.push({ mime: m.mime });
      } else if (m.type === 'state' && m.state === 'reconnecting') {
        this._setState('reconnecting', 'camera');
      } else if (m.type === 'state' && m.state === 'preempted') {
        // A higher-priority pull (incident, preset) took the camera's
        // place in an admission budget: retrying would only be refused.
        this._fail(typeof m.reason === 'string' ? m.reason : 'preempted');
        return;
      }
    } else {
      if (s.queue.length > MAX_QUEUE) {
        // The decoder cannot keep up: start again at a keyframe.
        s.ws.close();
        return;
      }
      s.queue.push(ev.data);
    }
    this._pump(s);
  }

  _pump(s) {
    if (s.ms.readyState !== 'open') return;
    while (s.queue.length > 0 && !(s.sb && s.sb.updating)) {
      const item = s.queue[0];
      if (item.mime !== undefined) {
        s.queue.shift();
        if (!s.sb) {
          s.sb = s.ms.addSourceBuffer(item.mime);
          s.sb.mode = 'segments';
          s.sb.addEventListener('updateend', () => this._pump(s));
        } else if (item.mime !== s.mime && s.sb.changeType) {
          s.sb.changeType(item.mime);
        }
        s.mime = item.mime;
        continue;
      }
      if (!s.sb) { s.queue.shift(); continue; }  // data before any codec
      // Consecutive fragments go in one append (the GOP burst of a new
      // viewer is dozens of them): one updateend round trip, not dozens.
      let k = 1, bytes = item.byteLength;
      while (k < s.queue.length && s.queue[k] instanceof ArrayBuffer && bytes < MAX_APPEND) {
        bytes += s.queue[k].byteLength;
        k++;
      }
      let chunk = item;
      if (k > 1) {
        chunk = new Uint8Array(bytes);
        for (let j = 0, off = 0; j < k; j++) {
          chunk.set(new Uint8Array(s.queue[j]), off);
          off += s.queue[j].byteLength;
        }
      }
      try {
        s.sb.appendBuffer(chunk);
        s.queue.splice(0, k);
        this._mark(k > 1 ? 'append' : 'appendInit');
      } catch (e) {
        if (e.name === 'QuotaExceededError' && this.video) {
          const t = this.video.currentTime;
          if (t > 2) { s.sb.remove(0, t - 1); return; }
        }
        this._fail('append: ' + e.message);
        return;
      }
      if (this.video && this.video.paused) this.video.play().catch(() => {});
      return;  // updateend continues
    }
  }

  // Stays near the live edge and keeps the buffer short.  A new viewer
  // starts at the cached GOP's keyframe (shown at once), up to a GOP behind
  // the camera: it catches up by playing faster, and jumps when far behind.
  _keepLive(s) {
    const v = this.video;
    if (!v || !s.sb || s.sb.updating || v.buffered.length === 0) return;
    const end = v.buffered.end(v.buffered.length - 1);
    const behind = end - v.currentTime;
    if (behind > MAX_LATENCY_S) v.currentTime = end - 0.1;
    else if (behind > CATCH_UP_S) v.playbackRate = 1.25;
    else if (behind < LIVE_S) v.playbackRate = 1;
    const start = v.buffered.start(0);
    if (v.currentTime - start > 2 * KEEP_BEHIND_S)
      s.sb.remove(start, v.currentTime - KEEP_BEHIND_S);
  }

  _endSession() {
    const s = this._session;
    if (!s) return;
    this._session = null;
    s.ended = true;
    s.ws.onopen = s.ws.onmessage = s.ws.onclose = s.ws.onerror = null;
    if (s.ws.readyState <= WebSocket.OPEN) s.ws.close();
    if (s.frameCb && this.video && this.video.cancelVideoFrameCallback)
      this.video.cancelVideoFrameCallback(s.frameCb);
    URL.revokeObjectURL(s.objectUrl);
  }

  _onClose(s, ev) {
    if (this._session !== s) return;
    this._endSession();
    if (!this.reconnect) {
      this._fail(`connection closed (${ev.code})`);
      return;
    }
    this._retry(`connection closed (${ev.code})`);
  }

  // A new grant each time: play tokens are short-lived.
  _retry(reason) {
    const delay = Math.min(8000, 500 * 2 ** this.attempt);
    this.attempt++;
    this._setState('reconnecting', reason);
    this._retryTimer = setTimeout(async () => {
      this._retryTimer = 0;
      if (!this.video) return;
      let url;
      try {
        url = await this.reconnect();
      } catch (e) {
        if (this.video && !this._session) this._retry(e.message);
        return;
      }
      if (this.video && !this._session) this._open(url);
    }, delay);
  }

  _fail(reason) {
    this._endSession();
    this._setState('failed', reason);
  }
}
