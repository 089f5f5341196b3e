// lib/asset-load.mjs - one asset request (Load), the checks of an asset's URL, and the steps of
// reading a response: what AssetRegistry (assets.mjs) runs for each load, apart from the
// allocator's side (reserving, committing and freeing the block).

import { describe, checkTier, callListener } from './checks.mjs';

/** Error of an asset load: names the path; `cause` holds the underlying reason. */
export class AssetLoadError extends Error {
  constructor(path, message, options) {
    super(`loading "${path}": ${message}`, options);
    this.name = 'AssetLoadError';
    this.path = path;
    if (options && options.status !== undefined) this.status = options.status;
  }
}

/**
 * The URL of an asset path under base (an http(s) URL ending in /), or a RangeError. A path
 * names a file under the base: relative, without . or .. segments (also escaped: URL parsers
 * read %2e%2e as ..), scheme, host, backslash (read as /), escaped / or \ (some servers decode
 * them), control character or surrounding space (which parsers strip); a query or fragment is
 * passed on. The resolved URL is checked to lie under the base as well.
 */
export function assetUrl(what, path, base) {
  const bad = (why) => new RangeError(`${what}: path ${describe(path)} ${why}; paths are relative to the base URL ${base}`);
  if (/[\u0000-\u0020\u007f]/.test(path[0] ?? '') || /[\u0000-\u001f\u007f\\]/.test(path)) {
    throw bad('contains a backslash, a control character or a leading space');
  }
  const end = path.search(/[?#]/);
  const file = end < 0 ? path : path.slice(0, end);
  if (file === '') throw bad('names no file');
  if (file.startsWith('/')) throw bad('is absolute (starts with /)');
  if (/^[^/]*:/.test(file)) throw bad('has a scheme (a colon before the first /)');
  if (/%(2f|5c|[01][0-9a-f]|7f)/i.test(file)) throw bad('contains an escaped /, \\ or control character');
  for (const seg of file.split('/')) {
    const d = seg.replace(/%2e/gi, '.');
    if (d === '.' || d === '..') throw bad('has a . or .. segment');
  }
  let u;
  try { u = new URL(path, base); } catch { throw bad('is not a valid URL path'); }
  const b = new URL(base);
  if (u.origin !== b.origin || !u.pathname.startsWith(b.pathname) || u.pathname === b.pathname) {
    throw bad(`resolves outside the base URL (${u.href})`);
  }
  return u;
}

/** A base URL as setBaseUrl takes it: http(s), no query or fragment, ending in /. */
export function baseUrlOf(what, url) {
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError(`${what}: expected a string or URL, got ${describe(url)}`);
  let u;
  try { u = new URL(String(url), globalThis.location?.href); } catch {
    throw new TypeError(`${what}: ${describe(String(url))} is not a URL${globalThis.location ? '' : ' (Node needs an absolute URL)'}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`${what}: ${describe(u.href)} is not an http: or https: URL`);
  if (u.search !== '' || u.hash !== '') throw new RangeError(`${what}: ${describe(u.href)} has a query or fragment`);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.href;
}

/** An optional AbortSignal argument (duck-typed: AbortSignals of other realms pass). */
export function checkSignal(what, signal) {
  if (signal !== undefined && !(signal && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function')) {
    throw new TypeError(`${what}: signal must be an AbortSignal`);
  }
  return signal;
}

/**
 * One request for a path, shared by the callers waiting for it. stop() ends it: the request is
 * aborted and every await of the load (race()) returns at once, even a read that an abort does
 * not end; check() throws once stopped. `reservation` is the block it fills, if any (see
 * AssetRegistry's #reserve): that object, not the handle number, is what the load owns.
 */
export class Load {
  constructor(path) {
    this.path = path;
    this.ctrl = new AbortController();
    this.waiters = 0;
    this.progress = new Set();
    this.reservation = undefined;
    this.reader = undefined; // the response body's reader, once there is one
    this.stopped = undefined; // {message, cause} once stopped
    this.halted = new Promise((_, reject) => { this.#halt = reject; });
    this.halted.catch(() => {});
  }
  #halt;
  stop(message, cause) {
    if (this.stopped) return;
    this.stopped = { message, cause: cause ?? new Error(message) };
    this.#halt(this.stopped.cause);
    this.ctrl.abort(this.stopped.cause);
  }
  race(p) { return Promise.race([p, this.halted]); }
  check() { if (this.stopped) throw new Error(this.stopped.message); }

  /** The next chunk of the body ({done, value}); every await may end with the load stopped
   *  (released block, destroy, all callers gone): check() after it, before any write. */
  next() { return this.reader ? this.race(this.reader.read()) : { done: true }; }

  /** Tells the load's progress callbacks. */
  report(loaded, total) {
    for (const fn of this.progress) callListener(fn, { path: this.path, loaded, total });
  }
}

function httpError(path, res, message) {
  res.body?.cancel().catch(() => {});
  return new AssetLoadError(path, message, { cause: new Error(`HTTP ${res.status}`), status: res.status });
}

/**
 * Sends the load's request and returns the response once it is a success with a body to read:
 * its length (NaN when the response gives none usable) and the body's reader on the load.
 * A redirect would leave the base URL as surely as a path could: not followed.
 */
export async function openResponse(load, url) {
  const { path } = load;
  let res;
  try {
    res = await load.race(fetch(url, { signal: load.ctrl.signal, redirect: 'manual' }));
  } catch (e) {
    if (load.stopped) throw e;
    throw new AssetLoadError(path, `request failed: ${e.message}`, { cause: e });
  }
  if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
    throw httpError(path, res, `the server answered with a redirect (HTTP ${res.status}), which is not followed: set the base URL to where the assets are`);
  }
  if (!res.ok) throw httpError(path, res, `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
  const lenHeader = res.headers.get('content-length');
  const encoded = res.headers.get('content-encoding');
  load.reader = res.body?.getReader();
  return lenHeader !== null && !encoded && /^\d+$/.test(lenHeader) ? Number(lenHeader) : NaN;
}

/** Reads a body of unknown length whole: its chunks and their total bytes. */
export async function collectBody(load) {
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await load.next();
    load.check();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (loaded > 0xFFFFFFFF) throw new Error(`too large (more than ${0xFFFFFFFF} bytes)`);
    load.report(loaded, NaN);
  }
  return { chunks, loaded };
}

/**
 * loadAll's entries (paths or {path, type, tier}) as {index, path, type, tier}, every one checked
 * before any request starts: a bad one loads nothing. fetched(path) says whether the entry needs
 * a request (its URL is checked against baseUrl then).
 */
export function batchItems(batch, fetched, baseUrl) {
  if (!Array.isArray(batch)) throw new TypeError(`loadAll: expected an array, got ${describe(batch)}`);
  return batch.map((b, i) => {
    let it;
    if (typeof b === 'string') it = { index: i, path: b, type: 'binary' };
    else if (b !== null && typeof b === 'object' && typeof b.path === 'string') it = { index: i, path: b.path, type: b.type ?? 'binary', tier: b.tier };
    else throw new TypeError(`loadAll: entry ${i} must be a path or {path, type, tier}, got ${describe(b)}`);
    if (it.path === '') throw new TypeError(`loadAll: entry ${i}: path must be a non-empty string`);
    if (typeof it.type !== 'string') throw new TypeError(`loadAll: entry ${i}: type must be a string, got ${describe(it.type)}`);
    if (it.tier !== undefined) checkTier(`loadAll: entry ${i}`, it.tier);
    if (fetched(it.path)) {
      if (baseUrl === undefined) throw new TypeError('loadAll: no base URL (call setBaseUrl first)');
      assetUrl(`loadAll: entry ${i}`, it.path, baseUrl);
    }
    return it;
  });
}

/**
 * Runs loadOne(item) for every item, at most `concurrency` at once; onDone(item, result, error)
 * after each. Stops taking new items once stop() says so.
 */
export async function runPool(items, concurrency, loadOne, onDone, stop) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const it = items[next++];
      let value, error, failed = false;
      try { value = await loadOne(it); } catch (e) { error = e; failed = true; }
      onDone(it, failed, failed ? error : value);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
