// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// FlvRemuxer: HTTP-FLV (the gateway's live.flv) → fMP4 for Media Source
// Extensions, for when a WebSocket cannot be opened (proxies that break
// the upgrade).  Video only: H.264 (codec id 7), H.265 as codec id 12 (the
// Chinese extension, the gateway's default) or as Enhanced RTMP ('hvc1' /
// 'avc1' FourCC).  No dependency on the DOM: node runs its tests.
//
//   const r = new FlvRemuxer();
//   for (const out of r.push(bytes)) …   // bytes: a Uint8Array of the stream
//   r.end();                              // the stream ended: the last frame
//
// push() returns what became ready, in order:
//   { mime, codec, width, height }   a decoder configuration: the next
//                                    { data } is its init segment
//   { data, keyframe, dts }          data: an ArrayBuffer (init segment or
//                                    one fragment: moof + mdat, one sample)
// and throws FlvError on input that is not FLV (bad signature, unknown tag
// type, a PreviousTagSize that does not match, a video tag before its
// sequence header, a record that does not parse): the caller ends playback
// with an error.  end() throws FlvError when the stream stopped inside a
// tag (truncated).
//
// Each sample is held until the next one arrives, so that its duration is
// the real timestamp difference (what the gateway's own fMP4 does): one
// frame interval of added latency.  Timescale 1000 (FLV's milliseconds);
// the first tag is time 0; a timestamp that goes back or jumps more than
// MAX_GAP_MS continues the timeline instead (a camera reconnect).

const MAX_TAG = 8 << 20;      // bytes of one tag's data: more is garbage
const MAX_GAP_MS = 10000;
const DEFAULT_DURATION_MS = 40;

export class FlvError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FlvError';
  }
}

const hex2 = (n) => n.toString(16).padStart(2, '0');

// ---- box writer -------------------------------------------------------

function u8(n) { return [n & 0xff]; }
function u16(n) { return [(n >>> 8) & 0xff, n & 0xff]; }
function u24(n) { return [(n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]; }
function u32(n) { return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]; }
function u64(n) {
  const hi = Math.floor(n / 2 ** 32);
  return [...u32(hi), ...u32(n >>> 0)];
}
function fourcc(s) { return [...s].map((c) => c.charCodeAt(0)); }

// A box from its type and parts (arrays of bytes or Uint8Arrays).
function box(type, ...parts) {
  let size = 8;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  out.set(u32(size), 0);
  out.set(fourcc(type), 4);
  let off = 8;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
function fullbox(type, version, flags, ...parts) {
  return box(type, [version, ...u24(flags)], ...parts);
}

const MATRIX = [
  ...u32(0x00010000), ...u32(0), ...u32(0),
  ...u32(0), ...u32(0x00010000), ...u32(0),
  ...u32(0), ...u32(0), ...u32(0x40000000),
];

function initSegment(cfg) {
  const entry = box(cfg.sampleEntry,
    new Array(6).fill(0), u16(1),                  // reserved, data_reference_index
    new Array(16).fill(0),                         // pre_defined, reserved
    u16(cfg.width), u16(cfg.height),
    u32(0x00480000), u32(0x00480000), u32(0),      // 72 dpi, reserved
    u16(1), new Array(32).fill(0),                 // frame_count, compressorname
    u16(0x0018), u16(0xffff),                      // depth, pre_defined = -1
    box(cfg.recordBox, cfg.record));
  const stbl = box('stbl',
    fullbox('stsd', 0, 0, u32(1), entry),
    fullbox('stts', 0, 0, u32(0)),
    fullbox('stsc', 0, 0, u32(0)),
    fullbox('stsz', 0, 0, u32(0), u32(0)),
    fullbox('stco', 0, 0, u32(0)));
  const minf = box('minf',
    fullbox('vmhd', 0, 1, new Array(8).fill(0)),
    box('dinf', fullbox('dref', 0, 0, u32(1), fullbox('url ', 0, 1))),
    stbl);
  const mdia = box('mdia',
    fullbox('mdhd', 0, 0, u32(0), u32(0), u32(1000), u32(0), u16(0x55c4), u16(0)),
    fullbox('hdlr', 0, 0, u32(0), fourcc('vide'), new Array(12).fill(0),
      [...fourcc('VideoHandler'), 0]),
    minf);
  const tkhd = fullbox('tkhd', 0, 3,
    u32(0), u32(0), u32(1), u32(0), u32(0),        // times, track 1, reserved, duration
    new Array(8).fill(0), u16(0), u16(0), u16(0), u16(0),
    MATRIX, u32(cfg.width << 16), u32(cfg.height << 16));
  const moov = box('moov',
    fullbox('mvhd', 0, 0, u32(0), u32(0), u32(1000), u32(0),
      u32(0x00010000), u16(0x0100), new Array(10).fill(0), MATRIX,
      new Array(24).fill(0), u32(2)),
    box('trak', tkhd, mdia),
    box('mvex', fullbox('trex', 0, 0, u32(1), u32(1), u32(0), u32(0), u32(0))));
  const ftyp = box('ftyp', fourcc('iso5'), u32(0), fourcc('iso5'), fourcc('iso6'), fourcc('mp41'));
  return concat([ftyp, moov]);
}

function fragment(seq, sample, duration) {
  const flags = sample.keyframe ? 0x02000000 : 0x01010000;
  // trun v1: data offset, duration, size, flags, signed composition offset.
  const trun = (offset) => fullbox('trun', 1, 0x000f01, u32(1), u32(offset),
    u32(duration), u32(sample.data.length), u32(flags), u32(sample.cts | 0));
  const traf = (offset) => box('traf',
    fullbox('tfhd', 0, 0x020000, u32(1)),
    fullbox('tfdt', 1, 0, u64(sample.dts)),
    trun(offset));
  const moofSize = box('moof', fullbox('mfhd', 0, 0, u32(seq)), traf(0)).length;
  const moof = box('moof', fullbox('mfhd', 0, 0, u32(seq)), traf(moofSize + 8));
  return concat([moof, box('mdat', sample.data)]);
}

function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// ---- decoder configuration records -------------------------------------

// Exp-Golomb reader over an RBSP (emulation prevention bytes removed).
class Bits {
  constructor(nal) {
    const b = [];
    let zeros = 0;
    for (const x of nal) {
      if (zeros >= 2 && x === 3) {                 // 00 00 03: drop the 03
        zeros = 0;
        continue;
      }
      b.push(x);
      zeros = x === 0 ? zeros + 1 : 0;
    }
    this.b = b;
    this.pos = 0;
  }
  bit() {
    if (this.pos >= this.b.length * 8) throw new FlvError('SPS: truncated');
    const v = (this.b[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
  bits(n) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  ue() {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new FlvError('SPS: bad exp-Golomb code');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se() {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -k / 2;
  }
}

// Width and height from an H.264 SPS NAL unit (with its header byte).
export function avcSpsSize(nal) {
  const r = new Bits(nal.subarray(1));
  const profile = r.bits(8);
  r.bits(16);                                      // constraints, level
  r.ue();                                          // seq_parameter_set_id
  let chroma = 1;
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
    chroma = r.ue();
    if (chroma === 3) r.bit();
    r.ue(); r.ue(); r.bit();                       // bit depths, bypass
    if (r.bit()) {                                 // scaling matrices
      for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) {
        if (!r.bit()) continue;
        let last = 8, next = 8;
        for (let j = 0; j < (i < 6 ? 16 : 64); j++) {
          if (next !== 0) next = (last + r.se() + 256) % 256;
          last = next === 0 ? last : next;
        }
      }
    }
  }
  r.ue();                                          // log2_max_frame_num
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit(); r.se(); r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); r.bit();                                 // max_num_ref_frames, gaps
  const wMbs = r.ue() + 1;
  const hMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit();
  r.bit();                                         // direct_8x8_inference
  let width = wMbs * 16;
  let height = (2 - frameMbsOnly) * hMapUnits * 16;
  if (r.bit()) {                                   // frame cropping
    const [l, rt, t, b] = [r.ue(), r.ue(), r.ue(), r.ue()];
    const cx = chroma === 0 || chroma === 3 ? 1 : 2;
    const cy = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
    width -= (l + rt) * cx;
    height -= (t + b) * cy;
  }
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    throw new FlvError(`SPS: bad picture size ${width}x${height}`);
  return { width, height };
}

// AVCDecoderConfigurationRecord → codec string and the first SPS's size.
function avcConfig(rec) {
  if (rec.length < 7 || rec[0] !== 1) throw new FlvError('avcC: not a version 1 record');
  const codec = 'avc1.' + hex2(rec[1]) + hex2(rec[2]) + hex2(rec[3]);
  const nSps = rec[5] & 0x1f;
  if (nSps < 1 || rec.length < 8) throw new FlvError('avcC: no SPS');
  const len = (rec[6] << 8) | rec[7];
  if (8 + len > rec.length || len < 4) throw new FlvError('avcC: truncated SPS');
  const size = avcSpsSize(rec.subarray(8, 8 + len));
  return { codec, sampleEntry: 'avc1', recordBox: 'avcC', record: rec, lengthSize: (rec[4] & 3) + 1, ...size };
}

// HEVCDecoderConfigurationRecord → codec string (ISO/IEC 14496-15 E.3).
// The picture size comes from onMetaData (parsing an H.265 SPS for it is
// not worth its code here).
function hevcConfig(rec, meta) {
  if (rec.length < 23 || rec[0] !== 1) throw new FlvError('hvcC: not a version 1 record');
  const space = rec[1] >> 6, tier = (rec[1] >> 5) & 1, profile = rec[1] & 0x1f;
  let compat = ((rec[2] << 24) | (rec[3] << 16) | (rec[4] << 8) | rec[5]) >>> 0;
  let rev = 0;
  for (let i = 0; i < 32; i++) {
    rev = (rev * 2) + (compat & 1);
    compat >>>= 1;
  }
  const cons = [...rec.subarray(6, 12)];
  while (cons.length > 0 && cons[cons.length - 1] === 0) cons.pop();
  let codec = `hvc1.${['', 'A', 'B', 'C'][space]}${profile}.${rev.toString(16).toUpperCase()}.` +
    `${tier ? 'H' : 'L'}${rec[12]}`;
  for (const c of cons) codec += '.' + c.toString(16).toUpperCase();
  if (!(meta.width > 0 && meta.height > 0))
    throw new FlvError('H.265 without a picture size in onMetaData');
  return {
    codec, sampleEntry: 'hvc1', recordBox: 'hvcC', record: rec,
    lengthSize: (rec[21] & 3) + 1, width: meta.width, height: meta.height,
  };
}

// ---- AMF0 onMetaData: only the numbers (width, height) ------------------

function parseMetadata(d) {
  const meta = {};
  let p = 0;
  const str = () => {
    if (p + 2 > d.length) throw new FlvError('onMetaData: truncated');
    const n = (d[p] << 8) | d[p + 1];
    if (p + 2 + n > d.length) throw new FlvError('onMetaData: truncated');
    const s = String.fromCharCode(...d.subarray(p + 2, p + 2 + n));
    p += 2 + n;
    return s;
  };
  if (d[p++] !== 2) return meta;                   // not a string: not ours
  if (str() !== 'onMetaData') return meta;
  const type = d[p++];
  if (type === 8) p += 4;                          // ECMA array: count
  else if (type !== 3) return meta;                // object
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  for (let guard = 0; guard < 256 && p + 3 <= d.length; guard++) {
    const key = str();
    const t = d[p++];
    if (key === '' && t === 9) break;              // object end
    if (t === 0) {                                 // number
      if (p + 8 > d.length) throw new FlvError('onMetaData: truncated');
      meta[key] = view.getFloat64(p);
      p += 8;
    } else if (t === 1) p += 1;                    // boolean
    else if (t === 2) str();                       // string
    else break;                                    // anything else: stop here
  }
  return meta;
}

// ---- the remuxer ---------------------------------------------------------

export class FlvRemuxer {
  constructor() {
    this.parts = [];        // unread input
    this.have = 0;          // its bytes
    this.need = 13;         // bytes needed before parsing is worth it
    this.headerDone = false;
    this.config = null;
    this.meta = {};
    this.seq = 0;
    this.held = null;       // the sample waiting for its successor
    this.firstTs = null;
    this.offset = 0;        // added to FLV timestamps (reconnect jumps)
    this.lastDts = -1;
    this.lastDuration = DEFAULT_DURATION_MS;
    this.tags = 0;
  }

  push(chunk) {
    const out = [];
    if (chunk.length === 0) return out;
    this.parts.push(chunk);
    this.have += chunk.length;
    if (this.have < this.need) return out;
    const b = this.parts.length === 1 ? this.parts[0] : concat(this.parts);
    let p = 0;
    this.need = 11;
    if (!this.headerDone) {
      if (b[0] !== 0x46 || b[1] !== 0x4c || b[2] !== 0x56) throw new FlvError('not FLV (no "FLV" signature)');
      if (b[3] !== 1) throw new FlvError(`FLV version ${b[3]}`);
      const dataOffset = ((b[5] << 24) | (b[6] << 16) | (b[7] << 8) | b[8]) >>> 0;
      if (dataOffset < 9 || dataOffset > 1024) throw new FlvError(`FLV header size ${dataOffset}`);
      if (b.length < dataOffset + 4) {
        this.need = dataOffset + 4;
        this.parts = [b];
        return out;
      }
      p = dataOffset + 4;                          // PreviousTagSize0 skipped
      this.headerDone = true;
    }
    while (b.length - p >= 11) {
      const type = b[p] & 0x1f;
      if (b[p] & 0xc0) throw new FlvError(`FLV tag with reserved bits set (0x${hex2(b[p])})`);
      if (type !== 8 && type !== 9 && type !== 18) throw new FlvError(`FLV tag type ${type}`);
      const size = (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
      if (size > MAX_TAG) throw new FlvError(`FLV tag of ${size} bytes`);
      if (b.length - p < 11 + size + 4) {
        this.need = 11 + size + 4;
        break;
      }
      const ts = (((b[p + 7] << 24) | (b[p + 4] << 16) | (b[p + 5] << 8) | b[p + 6]) >>> 0);
      const prev = ((b[p + 11 + size] << 24) | (b[p + 12 + size] << 16) |
        (b[p + 13 + size] << 8) | b[p + 14 + size]) >>> 0;
      if (prev !== 11 + size)
        throw new FlvError(`FLV PreviousTagSize ${prev} after a tag of ${11 + size} bytes`);
      const data = b.subarray(p + 11, p + 11 + size);
      if (type === 9) this._video(data, ts, out);
      else if (type === 18) Object.assign(this.meta, parseMetadata(data));
      this.tags++;
      p += 11 + size + 4;
    }
    // Keep the unread tail (a copy: the chunk's buffer may be large).
    const rest = p === 0 ? b : b.slice(p);
    this.parts = rest.length > 0 ? [rest] : [];
    this.have = rest.length;
    return out;
  }

  // The stream ended: the held sample goes out with the last duration.
  end() {
    if (!this.headerDone) throw new FlvError('FLV truncated before its header');
    if (this.have > 0)
      throw new FlvError(`FLV truncated inside a tag (${this.have} bytes left)`);
    const out = [];
    this._flush(null, out);
    return out;
  }

  _video(d, ts, out) {
    if (d.length < 1) throw new FlvError('empty video tag');
    let packet, frameType, cts = 0, payload, codecId;
    if (d[0] & 0x80) {                             // Enhanced RTMP
      if (d.length < 5) throw new FlvError('short enhanced video tag');
      frameType = (d[0] >> 4) & 7;
      const pt = d[0] & 0x0f;
      const fc = String.fromCharCode(d[1], d[2], d[3], d[4]);
      if (fc !== 'hvc1' && fc !== 'avc1') throw new FlvError(`FLV video FourCC ${fc}`);
      codecId = fc === 'hvc1' ? 12 : 7;
      if (pt === 0) { packet = 0; payload = d.subarray(5); }
      else if (pt === 1) {
        if (d.length < 8) throw new FlvError('short enhanced video tag');
        packet = 1;
        cts = ((d[5] << 16) | (d[6] << 8) | d[7]) << 8 >> 8;
        payload = d.subarray(8);
      } else if (pt === 3) { packet = 1; payload = d.subarray(5); }
      else if (pt === 2) packet = 2;
      else return;                                 // metadata, MPEG-2 TS config
    } else {
      frameType = d[0] >> 4;
      codecId = d[0] & 0x0f;
      if (codecId !== 7 && codecId !== 12) throw new FlvError(`FLV video codec id ${codecId}`);
      if (d.length < 5) throw new FlvError('short video tag');
      packet = d[1];
      cts = ((d[2] << 16) | (d[3] << 8) | d[4]) << 8 >> 8;
      payload = d.subarray(5);
    }
    if (frameType === 5) return;                   // video info / command frame
    if (packet === 0) {
      const cfg = codecId === 7 ? avcConfig(payload.slice()) : hevcConfig(payload.slice(), this.meta);
      const mime = `video/mp4; codecs="${cfg.codec}"`;
      const same = this.config && this.config.mime === mime &&
        this.config.record.length === cfg.record.length &&
        this.config.record.every((v, i) => v === cfg.record[i]);
      if (same) return;
      this._flush(ts, out);
      this.config = { ...cfg, mime };
      out.push({ mime, codec: cfg.codec, width: cfg.width, height: cfg.height });
      out.push({ data: initSegment(this.config).buffer });
      return;
    }
    if (packet === 2) return;                      // end of sequence
    if (packet !== 1) throw new FlvError(`FLV AVC packet type ${packet}`);
    if (!this.config) throw new FlvError('FLV video before its sequence header');
    if (payload.length === 0) return;
    this._checkNalus(payload);
    this._flush(ts, out);
    const dts = this._dts(ts);
    this.held = { dts, cts, keyframe: frameType === 1, data: payload.slice() };
  }

  // The payload is length-prefixed NAL units that fill it exactly.
  _checkNalus(p) {
    const n = this.config.lengthSize;
    let off = 0;
    while (off < p.length) {
      if (off + n > p.length) throw new FlvError('NAL unit length past the tag');
      let len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + p[off + i];
      off += n + len;
      if (len === 0 || off > p.length) throw new FlvError('NAL unit length past the tag');
    }
  }

  _dts(ts) {
    if (this.firstTs === null) {
      this.firstTs = ts;
      this.offset = -ts;
    }
    let dts = ts + this.offset;
    if (this.lastDts >= 0 && (dts <= this.lastDts || dts - this.lastDts > MAX_GAP_MS)) {
      // Back in time or a long jump: continue the timeline.
      this.offset += this.lastDts + this.lastDuration - dts;
      dts = this.lastDts + this.lastDuration;
    }
    return dts;
  }

  // Sends the held sample, its duration up to @nextTs (or the last one).
  _flush(nextTs, out) {
    const h = this.held;
    if (!h) return;
    this.held = null;
    let duration = this.lastDuration;
    if (nextTs !== null) {
      const d = nextTs + this.offset - h.dts;
      if (d > 0 && d <= MAX_GAP_MS) duration = d;
    }
    this.lastDuration = duration;
    this.lastDts = h.dts;
    this.seq++;
    out.push({ data: fragment(this.seq, h, duration).buffer, keyframe: h.keyframe, dts: h.dts });
  }
}
