// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// The console's access to the HTTP API: the token (sessionStorage, this
// tab only), JSON requests with "Authorization: Bearer", snapshots as blob
// URLs, and viewing grants.

const KEY = 'cityeye.token';

export function getToken() {
  return sessionStorage.getItem(KEY);
}

export function setToken(token) {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body, extraHeaders) {
  const headers = { ...extraHeaders };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: 'no-cache' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (!r.ok && r.status !== 304) {
    let code = 'http_' + r.status;
    let message = `${method} ${path.split('?')[0]}: HTTP ${r.status}`;
    try {
      const e = (await r.json()).error;
      if (e) { code = e.code; message = e.message; }
    } catch (_) { /* not JSON */ }
    throw new ApiError(r.status, code, message);
  }
  return r;
}

export async function getJSON(path) {
  return (await request('GET', path)).json();
}

export async function postJSON(path, body) {
  return (await request('POST', path, body)).json();
}

// A query string from an object; empty values are left out.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

// The snapshot of a camera as a blob: URL (the caller revokes it).
export async function snapshotURL(id, width) {
  const r = await request('GET',
    `/api/v1/cameras/${encodeURIComponent(id)}/snapshot.jpg${query({ width })}`);
  return URL.createObjectURL(await r.blob());
}

// A viewing grant: { token, expires_at, urls: { ws, flv, … } }.  Relative
// URLs are made absolute, http(s) WebSocket URLs get the ws(s) scheme.
// incident (optional): the views are attributed to it in the audit.
export async function grant(id, profile, incident) {
  const body = {};
  if (profile) body.profile = profile;
  if (incident) body.incident = incident;
  const g = await postJSON(`/api/v1/cameras/${encodeURIComponent(id)}/streams`, body);
  if (g.urls && g.urls.ws) {
    const u = new URL(g.urls.ws, location.href);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    if (u.protocol === 'https:') u.protocol = 'wss:';
    g.urls.ws = u.href;
  }
  return g;
}

// The map's columns, revalidated with the ETag of the last answer.
let mapCache = null;
export async function mapCameras() {
  const headers = {};
  if (mapCache) headers['If-None-Match'] = mapCache.etag;
  const r = await request('GET', '/api/v1/map/cameras', undefined, headers);
  if (r.status === 304 && mapCache) return mapCache.data;
  const data = await r.json();
  mapCache = { etag: r.headers.get('ETag'), data };
  return data;
}
