// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// LiveMux: the gateway's multiplexed live socket (GET /api/v1/live.ws),
// one WebSocket per page carrying every camera the page shows, as
// channels.  A page with many players (the wall) opens it once: no grant
// per camera, and no queue of WebSocket handshakes (browsers open one at
// a time per host), the socket being answered at once whatever the
// cameras do.
//
//   const mux = new LiveMux({ token });          // connects, reconnects
//   const ch = mux.open({ camera, profile, incident, purpose },
//     { message: (data) => …,  // a text message (string) or media (ArrayBuffer)
//       closed: (reason, retry) => …, // the channel is gone (socket lost,
//                              // closed by the gateway): open a new one to
//                              // go on, unless retry is false (an admin
//                              // closed it)
//       refused: (code, message) => … });  // the open was refused
//   ch.close();
//
// The wire: client TEXT {"op":"open","ch",…} / {"op":"close","ch"};
// gateway TEXT messages carry "ch" (codec, state, error), BINARY ones
// start with the channel id (4 bytes, big-endian) before the fMP4 data
// (an init segment, or one or more whole fragments: one append).
// Channel ids are never reused, so that a late message of a closed
// channel cannot reach a new one.  While the socket is down, opens wait;
// it reconnects with backoff (0.5 s → 8 s) and then sends them.

const RETRY_MAX_MS = 8000;
const MAX_CH = 0x7fffffff;

export class LiveMux extends EventTarget {
  constructor({ token, url } = {}) {
    super();
    const u = new URL(url || '/api/v1/live.ws', location.href);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    if (u.protocol === 'https:') u.protocol = 'wss:';
    this.url = u.href;
    this.token = token;
    this.ws = null;
    this.connected = false;
    this.delay = 500;
    this.nextCh = 1;
    this.channels = new Map();  // ch → channel
    this.closed = false;
    this._timer = 0;
    this._connect();
  }

  _connect() {
    if (this.closed) return;
    const protocols = ['cityeye.live'];
    if (this.token) protocols.push('cityeye.bearer.' + this.token);
    const ws = (this.ws = new WebSocket(this.url, protocols));
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.connected = true;
      this.delay = 500;
      this.dispatchEvent(new CustomEvent('open'));
      for (const c of this.channels.values()) this._send(c);
    };
    ws.onmessage = (ev) => this._onMessage(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.connected = false;
      this.dispatchEvent(new CustomEvent('close', { detail: { code: ev.code } }));
      // Every channel is gone with the socket; their players open new
      // ones (queued until the socket is back).
      const all = [...this.channels.values()];
      this.channels.clear();
      for (const c of all) if (c.handlers.closed) c.handlers.closed('socket closed');
      const d = this.delay;
      this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
      this._timer = setTimeout(() => { this._timer = 0; this._connect(); }, d);
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  _send(c) {
    if (!this.connected || c.sent) return;
    c.sent = true;
    const m = { op: 'open', ch: c.ch, camera: c.spec.camera };
    if (c.spec.profile) m.profile = c.spec.profile;
    if (c.spec.incident) m.incident = c.spec.incident;
    if (c.spec.purpose) m.purpose = c.spec.purpose;
    this.ws.send(JSON.stringify(m));
    if (c.handlers.sent) c.handlers.sent();
  }

  _onMessage(data) {
    let ch, payload;
    if (typeof data === 'string') {
      let m;
      try { m = JSON.parse(data); } catch (_) { return; }
      if (typeof m.ch !== 'number') {
        // An error about no channel in particular (a bad message of ours).
        console.warn('live socket:', m.message || data);
        return;
      }
      ch = m.ch;
      const c = this.channels.get(ch);
      if (!c) return;
      if (m.type === 'error') {
        this.channels.delete(ch);
        if (c.handlers.refused) c.handlers.refused(m.code, m.message);
        return;
      }
      if (m.type === 'state' && (m.state === 'closed' || m.state === 'failed')) {
        this.channels.delete(ch);
        // retry false: an admin closed it; the page should not reopen it.
        if (c.handlers.closed) c.handlers.closed(m.reason || m.state, m.retry !== false);
        return;
      }
      payload = data;
    } else {
      if (data.byteLength < 4) return;
      ch = new DataView(data).getUint32(0);
      payload = data.slice(4);
    }
    const c = this.channels.get(ch);
    if (c && c.handlers.message) c.handlers.message(payload);
  }

  // Opens a channel (now, or when the socket is up).  Returns { ch, close }.
  open(spec, handlers = {}) {
    const ch = this.nextCh;
    this.nextCh = this.nextCh >= MAX_CH ? 1 : this.nextCh + 1;
    const c = { ch, spec, handlers, sent: false };
    this.channels.set(ch, c);
    this._send(c);
    return {
      ch,
      close: () => {
        if (this.channels.get(ch) !== c) return;
        this.channels.delete(ch);
        if (c.sent && this.connected) this.ws.send(JSON.stringify({ op: 'close', ch }));
      },
    };
  }

  // Closes the socket for good.
  close() {
    this.closed = true;
    clearTimeout(this._timer);
    this.channels.clear();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.close();
    }
  }
}
