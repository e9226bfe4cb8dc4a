// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// Player: one camera's fMP4 stream from the gateway's live.ws into a
// <video> element through Media Source Extensions, with HTTP-FLV
// (live.flv, remuxed to fMP4 in the page by flvremux.js) as the fallback
// when the WebSocket cannot be opened or fails before the first frame
// (proxies that break the upgrade).  Used by the console and by the video
// wall; no dependency on the rest of the console.
//
//   import { Player } from './player.js';
//   const p = new Player({ reconnect: async () => freshWsUrl });
//   p.addEventListener('state', (e) => console.log(e.detail.state));
//   p.attach(videoElement, wsUrl);   // plays (muted), emits events
//   p.freeze();                      // stops, keeps the last picture
//   p.close();                       // stops, frees the element
//
// Options: reconnect() returns a fresh live.ws URL, or the grant's urls
// object ({ ws, flv }); transport: 'ws' (default) or 'flv' (FLV from the
// start, e.g. forced by ?transport=flv).  attach(video, wsUrl, { flvUrl })
// names the FLV URL; without one it is the live.ws URL with live.flv (the
// gateway's URL scheme, the same play token).
//
// A channel of a shared multiplexed socket (livemux.js) instead of a URL:
//   p.attach(video, { mux, camera, profile, incident, purpose });
// the same events; a reconnect opens a new channel on the same socket (no
// reconnect() needed), and there is no FLV fallback.
//
// Events (CustomEvent, data in .detail):
//   'state'       { state: 'connecting' | 'playing' | 'reconnecting' |
//                   'failed' | 'closed', reason }
//   'codec'       { mime, codec }    before each init segment
//   'unsupported' { mime }           the browser cannot play the codec with
//                                    MSE: the caller should fall back
//   'transport'   { transport, reason }  switched to 'flv' (the WebSocket
//                                    failed before the first frame)
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
// MediaSource.  FLV: the same items come out of FlvRemuxer; a tag that is
// not FLV or a stream cut inside a tag ends playback ('failed'), a clean
// end of the stream reconnects like a closed WebSocket.

import { FlvRemuxer } from './flvremux.js';

const MAX_QUEUE = 300;        // fragments waiting for the SourceBuffer
const MAX_LATENCY_S = 3;      // behind the live edge: jump forward
const CATCH_UP_S = 0.5;       // behind: play faster…
const LIVE_S = 0.2;           // …until this close
const KEEP_BEHIND_S = 10;     // buffer kept behind the playhead
const MAX_APPEND = 4 << 20;   // bytes per appendBuffer
const FIRST_MEDIA_MS = 10000; // a connection without media by then failed
const LIVE_CHECK_MS = 500;    // the live edge checked without frames too

// The FLV URL of a live.ws URL: same path, token and parameters.
export function flvUrlOf(wsUrl) {
  try {
    const u = new URL(wsUrl);
    if (!/\/live\.ws$/.test(u.pathname)) return null;
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    u.pathname = u.pathname.replace(/live\.ws$/, 'live.flv');
    return u.toString();
  } catch (_) {
    return null;
  }
}

export class Player extends EventTarget {
  constructor(options = {}) {
    super();
    this.reconnect = options.reconnect || null;
    this.transport = options.transport === 'flv' ? 'flv' : 'ws';
    this._forced = options.transport === 'flv';
    this._urls = { ws: null, flv: null };
    this._chan = null;  // { mux, camera, profile, incident, purpose }
    this.video = null;
    this.state = 'closed';
    this.attempt = 0;
    this.firstFrameSeen = false;
    this._t0 = 0;
    this._retryTimer = 0;
    this._session = null;
  }

  attach(video, wsUrl, opts = {}) {
    this.close();
    this.video = video;
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    this.firstFrameSeen = false;
    this._t0 = performance.now();
    this.timing = {};
    if (!this._forced) this.transport = 'ws';
    if (wsUrl && typeof wsUrl === 'object' && wsUrl.mux) {
      this._chan = wsUrl;
      this.transport = 'ws';
      this._setUrls({});
    } else {
      this._chan = null;
      this._setUrls({ ws: wsUrl, flv: opts.flvUrl });
    }
    this._open();
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

  // closedByAdmin: an admin closed this viewer (only with 'failed'):
  // whoever drives the player should not start it again by itself.
  _setState(state, reason, closedByAdmin = false) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state, reason: reason || '', closedByAdmin });
  }

  _setUrls(u) {
    if (typeof u === 'string') u = { ws: u };
    this._urls = { ws: u.ws || null, flv: u.flv || (u.ws ? flvUrlOf(u.ws) : null) };
  }

  _open() {
    this._setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const flv = !this._chan && (this.transport === 'flv' || !this._urls.ws);
    if (flv && !this._urls.flv) {
      this._fail('no stream URL');
      return;
    }
    if (flv) this.transport = 'flv';
    const s = {
      transport: this.transport,
      ws: null,
      chan: null,
      abort: null,
      ms: new MediaSource(),
      sb: null,
      mime: null,
      queue: [],
      objectUrl: null,
      pendingMime: null,
      frameCb: 0,
      media: false,
      watchdog: 0,
      liveTimer: 0,
      ended: false,
    };
    this._session = s;
    // The live edge is kept from each presented frame, and from this timer
    // too: a video stuck before a gap in the timeline (a camera that paused
    // sending, then resumed) presents no frame that would move it.
    s.liveTimer = setInterval(() => this._keepLive(s), LIVE_CHECK_MS);
    s.objectUrl = URL.createObjectURL(s.ms);
    this.video.src = s.objectUrl;
    s.ms.addEventListener('sourceopen', () => this._pump(s), { once: true });
    // Media, not frames: a hidden tab presents no frames.
    s.watchdog = setTimeout(() => {
      if (this._session === s && !s.media) this._onClose(s, { code: 'no media' });
    }, FIRST_MEDIA_MS);
    if (this._chan) {
      const { mux, camera, profile, incident, purpose } = this._chan;
      s.chan = mux.open({ camera, profile, incident, purpose }, {
        sent: () => this._mark('open'),
        message: (data) => this._onMessage(s, { data }),
        closed: (reason, retry) => {
          s.chan = null;
          if (retry === false) {
            if (this._session === s) this._fail(reason, true);
            return;
          }
          this._onClose(s, { code: reason });
        },
        refused: (code, message) => {
          s.chan = null;
          if (this._session === s) this._fail(message || code);
        },
      });
    } else if (s.transport === 'flv') {
      this._readFlv(s, this._urls.flv);
    } else {
      s.ws = new WebSocket(this._urls.ws);
      s.ws.binaryType = 'arraybuffer';
      s.ws.onopen = () => this._mark('open');
      s.ws.onmessage = (ev) => this._onMessage(s, ev);
      s.ws.onclose = (ev) => this._onClose(s, ev);
      s.ws.onerror = () => { /* onclose follows */ };
    }
    this._watchFrames(s);
  }

  // live.flv as a stream: FLV tags → FlvRemuxer → the same queue items as
  // the WebSocket's messages.
  async _readFlv(s, url) {
    s.abort = new AbortController();
    const remux = new FlvRemuxer();
    let reader;
    try {
      const res = await fetch(url, { signal: s.abort.signal, cache: 'no-store' });
      if (this._session !== s) return;
      if (!res.ok || !res.body) {
        this._onClose(s, { code: `HTTP ${res.status}` });
        return;
      }
      this._mark('open');
      reader = res.body.getReader();
    } catch (e) {
      if (this._session === s) this._onClose(s, { code: e.message });
      return;
    }
    for (;;) {
      let r;
      try {
        r = await reader.read();
      } catch (e) {
        if (this._session === s) this._onClose(s, { code: e.message });
        return;
      }
      if (this._session !== s) return;
      let items;
      try {
        items = r.done ? remux.end() : remux.push(r.value);
      } catch (e) {
        reader.cancel().catch(() => {});
        this._fail(`FLV: ${e.message}`);
        return;
      }
      if (!r.done && r.value.length > 0) {
        s.media = true;
        this._mark('media');
      }
      for (const it of items) {
        if (it.mime !== undefined) {
          if (!this._codec(s, it.mime, it.codec)) return;
        } else {
          this._media(s, it.data);
          if (this._session !== s) return;
        }
      }
      this._pump(s);
      if (r.done) {
        this._onClose(s, { code: 'end of stream' });
        return;
      }
    }
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
    if (typeof ev.data !== 'string') {
      s.media = true;
      this._mark('media');
    }
    if (typeof ev.data === 'string') {
      let m;
      try { m = JSON.parse(ev.data); } catch (_) { return; }
      if (m.type === 'codec' && typeof m.mime === 'string') {
        if (!this._codec(s, m.mime, m.codec)) return;
      } else if (m.type === 'state' && m.state === 'reconnecting') {
        this._setState('reconnecting', 'camera');
      } else if (m.type === 'state' && m.state === 'closed' && m.retry === false) {
        // An admin closed this viewer: opening it again would undo that.
        this._fail(typeof m.reason === 'string' ? m.reason : 'closed', true);
        return;
      } else if (m.type === 'state' && m.state === 'preempted') {
        // A higher-priority pull (incident, preset) took the camera's
        // place in an admission budget: retrying would only be refused.
        this._fail(typeof m.reason === 'string' ? m.reason : 'preempted');
        return;
      }
    } else {
      this._media(s, ev.data);
      if (this._session !== s) return;
    }
    this._pump(s);
  }

  // A decoder configuration: FALSE (and failed) when MSE cannot play it.
  _codec(s, mime, codec) {
    this._emit('codec', { mime, codec });
    if (!window.MediaSource || !MediaSource.isTypeSupported(mime)) {
      this._emit('unsupported', { mime });
      this._fail('codec not supported: ' + mime);
      return false;
    }
    s.queue.push({ mime });
    return true;
  }

  _media(s, data) {
    if (s.queue.length > MAX_QUEUE) {
      // The decoder cannot keep up: start again at a keyframe.
      this._onClose(s, { code: 'queue full' });
      return;
    }
    s.queue.push(data);
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
    if (this._session !== s || !v || v.paused || !s.sb || s.sb.updating ||
        v.buffered.length === 0) return;
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
    clearTimeout(s.watchdog);
    clearInterval(s.liveTimer);
    if (s.ws) {
      s.ws.onopen = s.ws.onmessage = s.ws.onclose = s.ws.onerror = null;
      if (s.ws.readyState <= WebSocket.OPEN) s.ws.close();
    }
    if (s.chan) {
      s.chan.close();
      s.chan = null;
    }
    if (s.abort) s.abort.abort();
    if (s.frameCb && this.video && this.video.cancelVideoFrameCallback)
      this.video.cancelVideoFrameCallback(s.frameCb);
    URL.revokeObjectURL(s.objectUrl);
  }

  _onClose(s, ev) {
    if (this._session !== s) return;
    this._endSession();
    if (s.transport === 'ws' && !this._chan && !s.media && !this.firstFrameSeen &&
        this._urls.flv) {
      // No media over the WebSocket before the first frame (a proxy that
      // breaks it, or one that stalls it): HTTP-FLV from now on, at once.
      this.transport = 'flv';
      this._emit('transport', { transport: 'flv', reason: `WebSocket: ${ev.code}` });
      this._open();
      return;
    }
    if (!this.reconnect && !this._chan) {
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
      if (this._chan) {
        // A new channel on the shared socket (sent when it is up).
        if (!this._session) this._open();
        return;
      }
      let urls;
      try {
        urls = await this.reconnect();
      } catch (e) {
        if (this.video && !this._session) this._retry(e.message);
        return;
      }
      if (this.video && !this._session) {
        this._setUrls(urls);
        this._open();
      }
    }, delay);
  }

  _fail(reason, closedByAdmin = false) {
    this._endSession();
    this._setState('failed', reason, closedByAdmin);
  }
}
