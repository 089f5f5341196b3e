// walloc.mjs - the WebAssembly face of Walloc, a tiered memory allocator.
//
// Hand-written ES module (no Emscripten glue). Works in browsers (fetch + streaming compile) and
// in Node (reads the .wasm from disk). One Walloc object = one wasm instance with its own linear
// memory and one allocator instance inside it.
//
//   import { Walloc } from 'walloc';
//   const w = await Walloc.create({ capacity: 64 << 20 });
//   const h = w.allocate(1024, 'top');          // a Number: the block's address in linear memory
//   w.write(h, new Uint8Array([1, 2, 3]));
//   const v = w.viewFloat32(h, 256);             // survives memory growth: use v.array each time
//   w.free(h);
//
// Safety: the wrapper keeps a table of live blocks (handle -> size, tier, and an id no later
// block gets: a handle number comes back after a free or reset). Every call that reads or writes
// memory checks that the range lies inside the live block it names, and what outlives a call (a
// view, a load's block) is tied to that block's identity, so nothing reachable from JavaScript
// writes outside the memory it names, in any order of calls. Bad input throws TypeError (wrong
// type) or RangeError (wrong value), never coerced. allocate() returns Walloc.NULL when the tier
// is full. After destroy() every call throws DestroyedError.
//
// Profiling (create({ profile: rate })): profile.mjs samples allocations and names their sites;
// the core counts them (w.profile(), and a leak report at destroy()).
//
// Memory growth: linear memory grows in 64 KiB pages as tiers fill. Growth detaches the old
// ArrayBuffer; every view this module hands out (BlockView) re-derives itself from the current
// buffer on each access, and onGrowth() listeners are told after each growth.

import { Sampler, SITE_OTHER, profileOptions, makeSnapshot, leakReport } from './profile.mjs';

const NULL_HANDLE = 0xFFFFFFFF;
const WASM_PAGE = 65536;
const MAX_MEMORY = 4 * 1024 * 1024 * 1024;
const MIN_CAPACITY = 64 * 1024;
const SHARED_MAX_MEMORY = 1024 * 1024 * 1024;
const TIER_NAMES = Object.freeze(['top', 'middle', 'bottom']);
const TIER_ALIGN = Object.freeze([128, 64, 8]);
const TIER_BY_NAME = { top: 0, middle: 1, bottom: 2 };
const stackSite = (sampler) => sampler.stackSite(); // allocate()'s site: its caller's stack
// How long a load waits for other loads' blocks to leave a full budget (as the Java registry).
const ROOM_WAIT_MS = 10000;

/** walloc_status values (stable numbers from walloc.h). */
const Status = Object.freeze({
  OK: 0, INVALID_ARGUMENT: 1, INVALID_TIER: 2, INVALID_HANDLE: 3, OUT_OF_BOUNDS: 4,
  OUT_OF_MEMORY: 5, DOUBLE_FREE: 6, SIZE_MISMATCH: 7, NOT_A_BLOCK: 8, INVALID_CONFIG: 9,
  INVALID_SIZE: 10,
});
const STATUS_TEXT = ['ok', 'invalid argument', 'invalid tier', 'invalid handle', 'out of bounds',
  'out of memory', 'double free', 'size mismatch', 'not a block', 'invalid configuration',
  'invalid size'];

/** Default tier for an asset type (override with create({typeTiers})). */
const DEFAULT_TYPE_TIERS = Object.freeze({
  texture: 0, image: 0, mesh: 0, geometry: 0, shader: 0, gpu: 0,
  scene: 1, json: 1, audio: 1, model: 1, font: 1,
  text: 2, temp: 2, scratch: 2, binary: 2,
});

// A minimal module using a v128 constant: validates only where SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);

let simdCache;
function simdSupported() {
  if (simdCache === undefined) {
    try { simdCache = WebAssembly.validate(SIMD_PROBE); } catch { simdCache = false; }
  }
  return simdCache;
}

const moduleCache = new Map(); // URL -> Promise<WebAssembly.Module>

function isNodeFileUrl(url) { return url.protocol === 'file:'; }

async function compileFrom(url) {
  if (isNodeFileUrl(url)) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  if (typeof WebAssembly.compileStreaming === 'function') {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`Walloc: cannot fetch ${url.href}: HTTP ${res.status}`);
    try {
      return await WebAssembly.compileStreaming(res.clone());
    } catch (e) {
      // Served with the wrong MIME type: compile from bytes instead.
      if (!(e instanceof TypeError)) throw e;
      return WebAssembly.compile(await res.arrayBuffer());
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Walloc: cannot fetch ${url.href}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

function importsFor(module) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    const ns = (imports[imp.module] ??= {});
    if (imp.name === 'emscripten_notify_memory_growth') ns[imp.name] = () => {};
    else ns[imp.name] = () => { throw new Error(`Walloc: unexpected call to import ${imp.module}.${imp.name}`); };
  }
  return imports;
}

/** Error of an asset load: names the path; `cause` holds the underlying reason. */
export class AssetLoadError extends Error {
  constructor(path, message, options) {
    super(`loading "${path}": ${message}`, options);
    this.name = 'AssetLoadError';
    this.path = path;
    if (options && options.status !== undefined) this.status = options.status;
  }
}

/** Thrown by every call on an instance after its destroy() (loads reject with it; in-flight
 *  loads reject with an AssetLoadError whose cause it is). */
export class DestroyedError extends Error {
  constructor(message = 'Walloc: this instance was destroyed') {
    super(message);
    this.name = 'DestroyedError';
  }
}

/** Error for a failed core call that is not a caller mistake. */
export class WallocError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'WallocError';
    this.status = status;
  }
}

function statusError(what, status) {
  const text = STATUS_TEXT[status] ?? `status ${status}`;
  switch (status) {
    case Status.INVALID_ARGUMENT: return new TypeError(`${what}: ${text}`);
    case Status.INVALID_TIER: case Status.INVALID_HANDLE: case Status.OUT_OF_BOUNDS:
    case Status.DOUBLE_FREE: case Status.SIZE_MISMATCH: case Status.NOT_A_BLOCK:
    case Status.INVALID_CONFIG: case Status.INVALID_SIZE:
      return Object.assign(new RangeError(`${what}: ${text}`), { status });
    default: return new WallocError(`${what}: ${text}`, status);
  }
}

function describe(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  return Object.prototype.toString.call(v);
}

function checkUint32(what, v, max = 0xFFFFFFFF) {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${what} must be an integer in [0, ${max}], got ${describe(v)}`);
  }
  return v;
}

// A value that can be a block's handle: an integer Number in [0, NULL_HANDLE). Only these may
// reach the block table or the core (the table's hashing truncates to 32 bits: h + 0.5 or
// h + 2**32 would find h).
function isHandle(h) { return typeof h === 'number' && (h >>> 0) === h && h !== NULL_HANDLE; }

function checkTier(what, t) {
  if (typeof t === 'string') {
    const n = TIER_BY_NAME[t.toLowerCase()];
    if (n === undefined) throw new RangeError(`${what}: unknown tier ${describe(t)} (top, middle, bottom)`);
    return n;
  }
  if (typeof t !== 'number') throw new TypeError(`${what}: tier must be 0, 1, 2 or a tier name, got ${describe(t)}`);
  if (t !== 0 && t !== 1 && t !== 2) throw new RangeError(`${what}: tier must be 0 (top), 1 (middle) or 2 (bottom), got ${describe(t)}`);
  return t;
}

// The engine's own accessors of typed arrays, DataViews and buffers. A subclass or an own
// property can make `length` or `byteLength` say anything: a 128-byte array that claims 8 bytes
// would pass a bounds check and then be copied whole. Taken once, when the module loads.
const TA_PROTO = Object.getPrototypeOf(Uint8Array.prototype);
const getterOf = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const TA_NAME = getterOf(TA_PROTO, Symbol.toStringTag); // the kind of a typed array, else undefined
const TA_BUFFER = getterOf(TA_PROTO, 'buffer'), TA_OFFSET = getterOf(TA_PROTO, 'byteOffset');
const TA_BYTES = getterOf(TA_PROTO, 'byteLength'), TA_LENGTH = getterOf(TA_PROTO, 'length');
const DV_BUFFER = getterOf(DataView.prototype, 'buffer'), DV_OFFSET = getterOf(DataView.prototype, 'byteOffset');
const DV_BYTES = getterOf(DataView.prototype, 'byteLength');
const BUFFER_BYTES = [getterOf(ArrayBuffer.prototype, 'byteLength')];
if (typeof SharedArrayBuffer !== 'undefined') BUFFER_BYTES.push(getterOf(SharedArrayBuffer.prototype, 'byteLength'));

const byteCount = (bytes) => TA_LENGTH.call(bytes);

function isBuffer(x) {
  for (const bytes of BUFFER_BYTES) { try { bytes.call(x); return true; } catch { /* not this kind */ } }
  return false;
}

/** A Uint8Array over the bytes of data (a typed array, DataView or (Shared)ArrayBuffer): data
 *  itself when it is one. Take its length with byteCount(), never from .length. */
function toBytes(what, data) {
  const name = TA_NAME.call(data);
  if (name === 'Uint8Array') return data;
  if (name !== undefined) return new Uint8Array(TA_BUFFER.call(data), TA_OFFSET.call(data), TA_BYTES.call(data));
  if (ArrayBuffer.isView(data)) return new Uint8Array(DV_BUFFER.call(data), DV_OFFSET.call(data), DV_BYTES.call(data));
  if (isBuffer(data)) return new Uint8Array(data);
  throw new TypeError(`${what}: expected a Uint8Array, another ArrayBufferView or an ArrayBuffer, got ${describe(data)}`);
}

/**
 * The URL of an asset path under base (an http(s) URL ending in /), or a RangeError. A path
 * names a file under the base: relative, without . or .. segments (also escaped: URL parsers
 * read %2e%2e as ..), scheme, host, backslash (read as /), escaped / or \ (some servers decode
 * them), control character or surrounding space (which parsers strip); a query or fragment is
 * passed on. The resolved URL is checked to lie under the base as well.
 */
function assetUrl(what, path, base) {
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

/**
 * Live blocks known to the wrapper: handle -> size * 4 + tier, and an id that no other block of
 * this table ever gets (a handle is not an identity: a freed or reset block's handle soon comes
 * back for someone else). Open addressing with linear probing and backward-shift deletion over
 * typed arrays: ~3x faster than a Map under the allocate/free churn of an allocator (a Map's
 * deletes leave holes that force rehashes). Callers pass valid handles (integers below
 * NULL_HANDLE); an empty slot never matches.
 */
class BlockTable {
  constructor(capacity = 1024) { this.#init(capacity); }
  #keys; #vals; #ids; #mask; #lastId = 0; size = 0;
  #init(cap) {
    this.#keys = new Uint32Array(cap); this.#vals = new Float64Array(cap); this.#ids = new Float64Array(cap);
    this.#mask = cap - 1; this.size = 0;
  }
  #slot(h) { return Math.imul((h >>> 3) ^ (h >>> 17), 0x9E3779B1) >>> 0 & this.#mask; }
  #find(h) {
    const keys = this.#keys, k = (h + 1) >>> 0, mask = this.#mask;
    for (let i = this.#slot(h); ; i = (i + 1) & mask) {
      const x = keys[i];
      if (x === 0) return -1;
      if (x === k) return i;
    }
  }
  get(h) { const i = this.#find(h); return i < 0 ? undefined : this.#vals[i]; }
  /** The block's id, undefined when h is not live. */
  idOf(h) { const i = this.#find(h); return i < 0 ? undefined : this.#ids[i]; }
  has(h) { return this.#find(h) >= 0; }
  /** Adds a new block (h must not be live); returns its id. */
  add(h, v) { const id = ++this.#lastId; this.#insert(h, v, id); return id; }
  #insert(h, v, id) {
    if ((this.size + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys, k = (h + 1) >>> 0, mask = this.#mask;
    let i = this.#slot(h);
    for (; keys[i] !== 0 && keys[i] !== k; i = (i + 1) & mask);
    if (keys[i] === 0) { keys[i] = k; this.size++; }
    this.#vals[i] = v;
    this.#ids[i] = id;
  }
  delete(h) {
    const keys = this.#keys, vals = this.#vals, ids = this.#ids, mask = this.#mask;
    let i = this.#find(h);
    if (i < 0) return false;
    // Backward-shift: move later entries of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const home = this.#slot(keys[j] - 1);
      if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
        keys[i] = keys[j]; vals[i] = vals[j]; ids[i] = ids[j]; i = j;
      }
    }
    keys[i] = 0;
    this.size--;
    return true;
  }
  #grow() {
    const keys = this.#keys, vals = this.#vals, ids = this.#ids;
    this.#init(keys.length * 2);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.#insert(keys[i] - 1, vals[i], ids[i]);
  }
  clear() { this.#init(1024); }
  /** [handle, value] pairs (a snapshot: safe to delete while iterating it). */
  entries() {
    const out = [], keys = this.#keys, vals = this.#vals;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) out.push([keys[i] - 1, vals[i]]);
    return out;
  }
}

// The argument checks of a view's methods (BlockView here, SharedBlockView in
// walloc-shared.mjs): an index is an integer Number in [0, max], a value is a Number (a BigInt in
// BigInt views), a copy's source is an Array or a typed array of the view's kind that fits.
function viewIndex(what, i, max) {
  if (typeof i !== 'number') throw new TypeError(`BlockView.${what} must be a number, got ${describe(i)}`);
  if (!Number.isInteger(i) || i < 0 || i > max) throw new RangeError(`BlockView.${what} must be an integer in [0, ${max}], got ${describe(i)}`);
  return i;
}

function viewValue(view, what, v) {
  const big = view.type === VIEW_TYPES.BigInt64 || view.type === VIEW_TYPES.BigUint64;
  if (typeof v !== (big ? 'bigint' : 'number')) {
    throw new TypeError(`BlockView.${what} must be a ${big ? 'BigInt' : 'Number'} in a ${view.type.name} view, got ${describe(v)}`);
  }
  return v;
}

// copyFrom's source as a typed array of the view's kind, checked to fit at `at`. An Array's
// elements are all read (and checked) here, before the caller writes anything.
function viewSource(view, src, at) {
  let n, data;
  const name = TA_NAME.call(src);
  if (name !== undefined) {
    const big = view.type === VIEW_TYPES.BigInt64 || view.type === VIEW_TYPES.BigUint64;
    if ((name === 'BigInt64Array' || name === 'BigUint64Array') !== big) {
      throw new TypeError(`BlockView.copyFrom: a ${name} cannot be copied into a ${view.type.name} view`);
    }
    n = TA_LENGTH.call(src);
    data = src;
  } else if (Array.isArray(src)) {
    n = src.length;
  } else {
    throw new TypeError(`BlockView.copyFrom: source must be an Array or a typed array, got ${describe(src)}`);
  }
  viewIndex('copyFrom: at', at, view.length);
  if (n > view.length - at) throw new RangeError(`BlockView.copyFrom: ${n} elements at ${at} do not fit a view of ${view.length}`);
  if (data === undefined) {
    data = new view.type(n);
    for (let k = 0; k < n; k++) data[k] = viewValue(view, `copyFrom: element ${k}`, src[k]);
  }
  return data;
}

// fill's arguments, checked.
function viewFillArgs(view, v, start, end) {
  viewValue(view, 'fill: value', v);
  viewIndex('fill: start', start, view.length);
  viewIndex('fill: end', end, view.length);
  if (start > end) throw new RangeError(`BlockView.fill: start ${start} is after end ${end}`);
}

// Only Walloc.view makes BlockViews: a view is as safe as the range it was checked for.
const VIEW_TOKEN = Symbol('BlockView');

/**
 * A view over (part of) a live block that stays correct across memory growth: `array` returns a
 * typed array over the current buffer, re-created after growth. Accessing a view whose block was
 * freed (or whose tier was reset or compacted past it) throws a RangeError, also when another
 * block has since been given the same handle.
 *
 * get, set, copyFrom and fill check their arguments instead of coercing them as typed arrays
 * do: an index is an integer Number in range (TypeError for other types, RangeError for
 * fractions and out-of-range values), a value is a Number (a BigInt in BigInt64/BigUint64
 * views; TypeError otherwise, no strings, null or objects). A Number is stored as the typed
 * array stores it (wrapped to the integer type's range, rounded to float32, ...).
 */
export class BlockView {
  #owner; #id; #addr; #arr; #gen;
  constructor(token, owner, handle, id, byteOffset, length, Type) {
    if (token !== VIEW_TOKEN) throw new TypeError('BlockView: use Walloc.view() (or viewFloat32 ...) to make a view');
    this.#owner = owner;
    this.#id = id;
    this.handle = handle;
    this.byteOffset = byteOffset;
    this.length = length;
    this.type = Type;
    this.byteLength = length * Type.BYTES_PER_ELEMENT;
    this.#addr = handle + byteOffset;
    this.#arr = new Type(owner._buffer(), this.#addr, length);
    this.#gen = owner._generation();
    Object.freeze(this);
  }

  /** True while the block is live. */
  get valid() { return this.#owner._idOf(this.handle) === this.#id; }

  /** The typed array over the block, over the current memory buffer. It is the engine's own
   *  array, unchecked once taken: take it again after any call that may grow memory, free,
   *  reset or compact (a kept one goes empty on growth, and after a free it would reach
   *  whatever block is given that address next). */
  get array() {
    const owner = this.#owner;
    if (owner._idOf(this.handle) !== this.#id) {
      throw new RangeError(`view of block ${this.handle} is no longer valid (block freed, tier reset or compacted, or instance destroyed)`);
    }
    const gen = owner._generation();
    if (gen !== this.#gen) {
      this.#arr = new this.type(owner._buffer(), this.#addr, this.length);
      this.#gen = gen;
    }
    return this.#arr;
  }

  get(i) { return this.array[viewIndex('get: index', i, this.length - 1)]; }
  set(i, v) { viewIndex('set: index', i, this.length - 1); viewValue(this, 'set: value', v); this.array[i] = v; }

  /**
   * Copies src (an Array, or a typed array of the view's kind: numbers or BigInts) into the
   * view from index `at`. RangeError when it does not fit. An Array's elements are all read
   * (and checked) before the first write: element getters are user code, and the view is
   * checked for validity after them.
   */
  copyFrom(src, at = 0) {
    const data = viewSource(this, src, at);
    this.array.set(data, at);
    return this;
  }

  /** Sets elements [start, end) (default: all) to v; 0 <= start <= end <= length. */
  fill(v, start = 0, end = this.length) {
    viewFillArgs(this, v, start, end);
    this.array.fill(v, start, end);
    return this;
  }

  /** A copy of the contents, independent of linear memory. */
  toArray() { return this.array.slice(); }
}

/**
 * One request for a path, shared by the callers waiting for it. stop() ends it: the request is
 * aborted and every await of the load (race()) returns at once, even a read that an abort does
 * not end; check() throws once stopped. `reservation` is the block it fills, if any (see
 * Walloc#reserve): that object, not the handle number, is what the load owns.
 */
class Load {
  constructor(path) {
    this.path = path;
    this.ctrl = new AbortController();
    this.waiters = 0;
    this.progress = new Set();
    this.reservation = undefined;
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
}

const VIEW_TYPES = {
  Int8: Int8Array, Uint8: Uint8Array, Int16: Int16Array, Uint16: Uint16Array,
  Int32: Int32Array, Uint32: Uint32Array, Float32: Float32Array, Float64: Float64Array,
  BigInt64: typeof BigInt64Array !== 'undefined' ? BigInt64Array : undefined,
  BigUint64: typeof BigUint64Array !== 'undefined' ? BigUint64Array : undefined,
};
const VIEW_CTORS = new Set(Object.values(VIEW_TYPES).filter(Boolean));

export class Walloc {
  static NULL = NULL_HANDLE;
  static TIER_TOP = 0;
  static TIER_MIDDLE = 1;
  static TIER_BOTTOM = 2;
  static TIERS = TIER_NAMES;
  static Status = Status;
  static PAGE_SIZE = WASM_PAGE;
  static DEFAULT_TYPE_TIERS = DEFAULT_TYPE_TIERS;
  /** The id of the profile entry that counts the samples of sites beyond the table. */
  static SITE_OTHER = SITE_OTHER;

  /** True when this engine runs WebAssembly SIMD128 (create() then loads walloc.wasm, else
   *  walloc-nosimd.wasm). */
  static get simdSupported() { return simdSupported(); }

  /** A handle, in this Worker, to the shared instance another Worker made with
   *  create({ shared: true }) and passed here as its shareable(). See walloc-shared.mjs. */
  static async attach(shared) {
    const { SharedWalloc } = await import('./walloc-shared.mjs');
    return SharedWalloc.attach(shared);
  }

  /** The file in dist/ that compile() and create() load for these options: walloc.wasm, or the
   *  diagnostics module walloc-diag.wasm (checked mode and profiles, which walloc.wasm leaves out
   *  to stay small) when they ask for checked or profile; the -nosimd build of either when the
   *  engine has no SIMD128 (or simd is false); walloc-mt.wasm for shared: true. */
  static moduleFile(options = {}) {
    // Shared mode: the threads build (SIMD128 too: every engine with wasm threads has it).
    if (options.shared === true) return 'walloc-mt.wasm';
    let simd = options.simd ?? 'auto';
    if (simd === 'auto') simd = simdSupported();
    return `walloc${options.checked || options.profile ? '-diag' : ''}${simd ? '' : '-nosimd'}.wasm`;
  }

  /** Compiles (and caches) the module create() would use (moduleFile). */
  static async compile(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`Walloc.compile: options must be an object, got ${describe(options)}`);
    if (options.module instanceof WebAssembly.Module) return options.module;
    if (options.wasmBytes !== undefined) return WebAssembly.compile(toBytes('wasmBytes', options.wasmBytes));
    const url = options.wasmUrl !== undefined ? new URL(String(options.wasmUrl), import.meta.url)
      : new URL(`./dist/${Walloc.moduleFile(options)}`, import.meta.url);
    let p = moduleCache.get(url.href);
    if (!p) {
      p = compileFrom(url);
      moduleCache.set(url.href, p);
      p.catch(() => moduleCache.delete(url.href));
    }
    return p;
  }

  /**
   * Creates an allocator in a fresh wasm instance.
   * @param {object} [options]
   *   capacity (bytes for all tiers, default 256 MiB; at least 64 KiB, below 4 GiB),
   *   ratios ([top, middle, bottom], default [0.5, 0.3, 0.2]),
   *   maximumMemory (bytes linear memory may grow to, default 4 GiB),
   *   checked (core's checked mode), simd ('auto' | true | false), wasmUrl, wasmBytes, module,
   *   baseUrl (for assets), concurrency (parallel loads, default 4), typeTiers,
   *   profile (sample one allocation in this many, 1: every one; absent or 0: no profile),
   *   profileSites (sites the profile tracks, default 1024), profileDepth (frames kept per
   *   site, default 8), onLeak (called with the leak report at destroy; default console.warn).
   */
  static async create(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`Walloc.create: options must be an object, got ${describe(options)}`);
    const capacity = options.capacity ?? 256 * 1024 * 1024;
    if (typeof capacity !== 'number') throw new TypeError(`Walloc.create: capacity must be a number, got ${describe(capacity)}`);
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity >= MAX_MEMORY) {
      throw new RangeError(`Walloc.create: capacity must be an integer in [65536, 4 GiB), got ${describe(capacity)}`);
    }
    const ratios = options.ratios ?? [0.5, 0.3, 0.2];
    if (!Array.isArray(ratios) || ratios.length !== 3) throw new TypeError(`Walloc.create: ratios must be an array of 3 numbers [top, middle, bottom], got ${describe(ratios)}`);
    let sum = 0;
    for (const r of ratios) {
      if (typeof r !== 'number') throw new TypeError(`Walloc.create: ratios must be numbers, got ${describe(r)}`);
      if (!(r > 0 && r <= 1)) throw new RangeError(`Walloc.create: each ratio must be in (0, 1], got ${r}`);
      sum += r;
    }
    if (sum > 1 + 1e-9) throw new RangeError(`Walloc.create: ratios add up to ${sum}, more than 1`);
    // A shared memory reserves its maximum up front: shared mode defaults to 1 GiB.
    const maximumMemory = options.maximumMemory ?? (options.shared === true ? SHARED_MAX_MEMORY : MAX_MEMORY);
    if (typeof maximumMemory !== 'number') throw new TypeError(`Walloc.create: maximumMemory must be a number, got ${describe(maximumMemory)}`);
    if (!Number.isInteger(maximumMemory) || maximumMemory < WASM_PAGE || maximumMemory > MAX_MEMORY) {
      throw new RangeError(`Walloc.create: maximumMemory must be an integer in [64 KiB, 4 GiB], got ${describe(maximumMemory)}`);
    }
    const simd = options.simd ?? 'auto';
    if (simd !== 'auto' && typeof simd !== 'boolean') throw new TypeError(`Walloc.create: simd must be 'auto', true or false`);
    if (options.shared !== undefined && typeof options.shared !== 'boolean') throw new TypeError(`Walloc.create: shared must be true or false, got ${describe(options.shared)}`);
    if (options.shared) {
      const { SharedWalloc } = await import('./walloc-shared.mjs');
      return SharedWalloc.create({ ...options, capacity, ratios, maximumMemory });
    }
    const profiling = profileOptions(options);
    const module = await Walloc.compile(options);
    const instance = await WebAssembly.instantiate(module, importsFor(module));
    return new Walloc(instance, { ...options, capacity, ratios, maximumMemory, profiling });
  }

  #x; #w; #memory; #buf; #bufBytes; #u8; #blocks = new BlockTable(); #growListeners = new Set();
  #growths = 0; #maximumMemory; #registry = new Map(); #assetAt = new Map(); #inflight = new Map();
  #reserved = new Set(); #loading = 0;
  #budgets = [-1, -1, -1]; #budgetEvictions = 0; #roomWaiters = []; // setBudget
  #baseUrl; #concurrency; #typeTiers; #capacity; #ratios; #checked;
  #sampler; #onLeak; // profiling on: the Sampler (profile.mjs) and the leak callback


  /** Use Walloc.create(). */
  constructor(instance, options) {
    if (!(instance instanceof WebAssembly.Instance)) throw new TypeError('use Walloc.create()');
    const x = instance.exports;
    this.#x = x;
    if (typeof x._initialize === 'function') x._initialize();
    this.#memory = x.memory;
    this.#buf = this.#memory.buffer;
    this.#bufBytes = this.#buf.byteLength;
    this.#u8 = new Uint8Array(this.#buf);
    const current = this.#buf.byteLength;
    this.#maximumMemory = Math.floor(options.maximumMemory / WASM_PAGE) * WASM_PAGE;
    if (this.#maximumMemory < current) {
      throw new RangeError(`Walloc.create: maximumMemory ${options.maximumMemory} is below the module's initial memory (${current} bytes)`);
    }
    x.wjs_set_max_bytes(this.#maximumMemory);
    const [r0, r1, r2] = options.ratios;
    const checked = options.checked ? 1 : 0;
    const { profiling } = options; // checked by create (profileOptions)
    const has = x.wjs_diagnostics(); // 1: checked mode, 2: profiles (walloc-diag.wasm has both)
    for (const [asked, bit, what] of [[checked, 1, 'checked mode'], [profiling, 2, 'allocation profiles']]) {
      if (asked && !(has & bit)) throw new Error(`Walloc.create: this module has no ${what}: load walloc-diag.wasm (the default when options ask for checked or profile)`);
    }
    const sites = profiling ? profiling.sites : 0;
    const st = x.wjs_config_validate(options.capacity, r0, r1, r2, checked, sites);
    if (st !== 0) throw new RangeError(`Walloc.create: invalid configuration (capacity ${options.capacity}, ratios ${options.ratios.join('/')}): ${STATUS_TEXT[st] ?? st}`);
    this.#w = x.wjs_create(options.capacity, r0, r1, r2, checked, sites) >>> 0;
    if (this.#w === 0) throw new WallocError('Walloc.create: the core could not create an instance (memory limit too low?)', Status.OUT_OF_MEMORY);
    this.#capacity = options.capacity;
    this.#ratios = Object.freeze([r0, r1, r2]);
    this.#checked = !!checked;
    if (profiling) {
      this.#sampler = new Sampler(profiling, [import.meta.url]);
      this.#onLeak = profiling.onLeak;
    }
    this.#concurrency = 4;
    if (options.concurrency !== undefined) this.setConcurrency(options.concurrency);
    this.#typeTiers = { ...DEFAULT_TYPE_TIERS };
    if (options.typeTiers !== undefined) {
      if (options.typeTiers === null || typeof options.typeTiers !== 'object') throw new TypeError('Walloc.create: typeTiers must be an object');
      for (const [k, v] of Object.entries(options.typeTiers)) this.#typeTiers[k] = checkTier(`typeTiers.${k}`, v);
    }
    // In a page served over http(s), assets load from the page's directory by default.
    const loc = globalThis.location?.href;
    if (loc && /^https?:/i.test(loc)) this.#baseUrl = new URL('./', loc).href;
    if (options.baseUrl !== undefined) this.setBaseUrl(options.baseUrl);
    this.#checkGrowth();
  }

  // ------------------------------------------------------------------ internals

  #live() {
    if (this.#w === 0) throw new DestroyedError();
  }

  // Growth detaches the old ArrayBuffer: a zero-length #u8 (memory is never empty) means the
  // memory grew. Much cheaper than reading memory.buffer on every call.
  #heap() {
    if (this.#u8.length === 0) this.#checkGrowth();
    return this.#u8;
  }

  #checkGrowth() {
    const buf = this.#memory.buffer;
    if (buf === this.#buf) return;
    const oldBytes = this.#bufBytes; // the old buffer is detached: its byteLength reads 0 now
    this.#buf = buf;
    this.#bufBytes = buf.byteLength;
    this.#u8 = new Uint8Array(buf);
    this.#growths++;
    const ev = { oldBytes, newBytes: buf.byteLength, pages: buf.byteLength / WASM_PAGE, growths: this.#growths };
    for (const fn of this.#growListeners) {
      try { fn(ev); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  }

  /** @internal current buffer (for BlockView). */
  _buffer() { return this.#heap().buffer; }
  /** @internal number of growths seen so far, after checking for a new one (for BlockView). */
  _generation() { if (this.#u8.length === 0) this.#checkGrowth(); return this.#growths; }
  /** @internal id of the live block at handle (a valid handle), undefined when not live. */
  _idOf(handle) { return this.#w === 0 ? undefined : this.#blocks.idOf(handle); }

  #handle(what, h) {
    if (typeof h !== 'number') throw new TypeError(`${what}: handle must be a number, got ${describe(h)}`);
    if (!isHandle(h)) {
      throw new RangeError(`${what}: ${h === NULL_HANDLE ? 'Walloc.NULL is not a block' : `invalid handle ${describe(h)}`}`);
    }
    const key = this.#blocks.get(h);
    if (key === undefined) {
      for (const r of this.#reserved) {
        if (r.handle === h) throw new RangeError(`${what}: handle ${h} is the block of a load in progress ("${r.path}")`);
      }
      throw new RangeError(`${what}: handle ${h} is not a live block`);
    }
    return key;
  }

  // Checks [handle + offset, + length) against the live block; returns the address.
  #range(what, handle, offset, length) {
    const key = this.#handle(what, handle);
    const size = Math.floor(key / 4);
    checkUint32(`${what}: offset`, offset);
    checkUint32(`${what}: length`, length);
    if (offset + length > size) {
      throw new RangeError(`${what}: range [${offset}, ${offset + length}) is outside block ${handle} of ${size} bytes`);
    }
    return handle + offset;
  }

  // After the core released (part of) a tier: forgets the blocks, assets and loads' blocks of
  // the tier that keepIf(handle, size) does not keep; `by` names the call for the loads.
  #forgetTier(tier, by, keepIf) {
    for (const [h, key] of this.#blocks.entries()) {
      if (key % 4 === tier && !(keepIf && keepIf(h, Math.floor(key / 4)))) this.#blocks.delete(h);
    }
    for (const [path, rec] of this.#registry) {
      if (rec.tier === tier && !this.#blocks.has(rec.handle)) {
        this.#registry.delete(path);
        this.#assetAt.delete(rec.handle);
      }
    }
    for (const r of this.#reserved) {
      if (r.tier === tier && !(keepIf && keepIf(r.handle, r.size))) {
        this.#dropReservation(r, `its block was released by ${by} while loading`);
      }
    }
  }

  // ------------------------------------------------------------------ properties

  /** The WebAssembly.Memory (its buffer changes on growth). */
  get memory() { this.#live(); return this.#memory; }
  /** The instance's capacity in bytes, tier ratios and checked mode (also after destroy). */
  get capacity() { return this.#capacity; }
  get ratios() { return this.#ratios; }
  get checked() { return this.#checked; }
  /** True until destroy(). */
  get alive() { return this.#w !== 0; }
  /** Number of live blocks known to this wrapper (0 after destroy). */
  get liveBlocks() { return this.#blocks.size; }
  /** The raw wasm exports (benchmarks, diagnostics). They do no JS-side checks. */
  get exports() { this.#live(); return this.#x; }
  /** The raw core instance address (for the raw exports). */
  get instanceAddress() { this.#live(); return this.#w; }
  /** One in how many allocations the profile samples (1: every one); 0 without a profile. */
  get profileRate() { return this.#sampler ? this.#sampler.rate : 0; }

  // ------------------------------------------------------------------ blocks

  /** Allocates size bytes in tier (0/'top', 1/'middle', 2/'bottom'; default bottom). Returns the
   *  handle, or Walloc.NULL when the tier has no room. */
  allocate(size, tier = 2) {
    this.#live();
    if (typeof size !== 'number') throw new TypeError(`allocate: size must be a number, got ${describe(size)}`);
    if (!Number.isInteger(size) || size < 0 || size > 0xFFFFFFFF) throw new RangeError(`allocate: size must be an integer in [0, 4294967295], got ${describe(size)}`);
    const t = (tier === 0 || tier === 1 || tier === 2) ? tier : checkTier('allocate', tier);
    const h = this.#coreAlloc(size, t, this.#sampleSite(stackSite));
    if (this.#u8.length === 0) this.#checkGrowth();
    if (h !== NULL_HANDLE) this.#blocks.add(h, size * 4 + t);
    return h;
  }

  // The site of the next allocation when the sampler counts it as a sample (siteOf(sampler)
  // names it: ids start at 1), else 0. Every allocating call counts here once.
  #sampleSite(siteOf) {
    const s = this.#sampler;
    if (s === undefined || --s.countdown[0] !== 0) return 0;
    s.rearm();
    return siteOf(s);
  }

  // One block from the core: a sample recorded at site, or (site 0) not a sample.
  #coreAlloc(size, t, site) {
    return (site === 0 ? this.#x.wjs_alloc(this.#w, size, t) : this.#x.wjs_alloc_site(this.#w, size, t, site)) >>> 0;
  }

  /** Frees a block. size defaults to the size it was allocated with; a different size throws.
   *  The block of a registered asset is freed by evict(), not here (RangeError). */
  free(handle, size) {
    this.#live();
    const key = this.#handle('free', handle);
    if (this.#assetAt.size !== 0 && this.#assetAt.has(handle)) {
      throw new RangeError(`free: block ${handle} holds asset "${this.#assetAt.get(handle)}": evict it instead`);
    }
    const have = Math.floor(key / 4);
    if (size !== undefined) {
      checkUint32('free: size', size);
      if (size !== have) throw new RangeError(`free: block ${handle} has ${have} bytes, not ${size}`);
    }
    const st = this.#x.wjs_free(this.#w, handle, have);
    if (st !== 0) throw statusError(`free(${handle}, ${have})`, st);
    this.#blocks.delete(handle);
  }

  /** Size and tier of the live block at handle; undefined for anything else (any value). */
  blockInfo(handle) {
    this.#live();
    const key = isHandle(handle) ? this.#blocks.get(handle) : undefined;
    return key === undefined ? undefined : { handle: handle >>> 0, size: Math.floor(key / 4), tier: key % 4, tierName: TIER_NAMES[key % 4] };
  }

  /**
   * Allocates several blocks, all or nothing. requests: [{size, tier}] or sizes (tier defaults
   * to bottom). Every entry is checked first, as allocate() checks its arguments (TypeError,
   * RangeError naming the entry). Returns the handles; when one entry does not fit (its tier is
   * full, or it is larger than its tier: where allocate() returns Walloc.NULL), every entry is
   * Walloc.NULL and nothing stays allocated. Needs no memory beyond the blocks themselves.
   */
  allocateBatch(requests) {
    this.#live();
    if (!Array.isArray(requests)) throw new TypeError(`allocateBatch: expected an array of {size, tier}, got ${describe(requests)}`);
    const n = requests.length;
    const sizes = new Array(n), tiers = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = requests[i];
      let size, tier = 2;
      if (typeof r === 'number') size = r;
      else if (r !== null && typeof r === 'object') { size = r.size; if (r.tier !== undefined) tier = r.tier; }
      else throw new TypeError(`allocateBatch: entry ${i} must be {size, tier} or a size, got ${describe(r)}`);
      if (typeof size !== 'number') throw new TypeError(`allocateBatch: entry ${i}: size must be a number, got ${describe(size)}`);
      if (!Number.isInteger(size) || size < 0 || size > 0xFFFFFFFF) throw new RangeError(`allocateBatch: entry ${i}: size must be an integer in [0, 4294967295], got ${describe(size)}`);
      sizes[i] = size;
      tiers[i] = checkTier(`allocateBatch: entry ${i}`, tier);
    }
    // One core call per entry, as allocate() makes: the core's batch entry point would need
    // its arrays in linear memory, which may have no room left for them.
    const out = new Array(n);
    let site; // the batch's caller, taken at its first sample
    const batchSite = (s) => (site ??= s.stackSite());
    for (let i = 0; i < n; i++) {
      const h = this.#coreAlloc(sizes[i], tiers[i], this.#sampleSite(batchSite));
      if (this.#u8.length === 0) this.#checkGrowth();
      if (h === NULL_HANDLE) {
        for (let j = i - 1; j >= 0; j--) this.#x.wjs_free(this.#w, out[j], sizes[j]);
        return out.fill(NULL_HANDLE);
      }
      out[i] = h;
    }
    for (let i = 0; i < n; i++) this.#blocks.add(out[i], sizes[i] * 4 + tiers[i]);
    return out;
  }

  /** Forgets every block of a tier (their handles, views and assets become invalid). */
  resetTier(tier) {
    this.#live();
    const t = checkTier('resetTier', tier);
    const st = this.#x.walloc_reset_tier(this.#w, t);
    if (st !== 0) throw statusError('resetTier', st);
    this.#forgetTier(t, 'resetTier');
  }

  /**
   * Moves the tier's bump head back to keepBytes from the tier's start (default 0, rounded up
   * to the tier's alignment), in O(spans of the tier). A block stays valid when its footprint
   * (its size class, or the 4 KiB pages of a large block; see walloc_block_size) ends at or
   * below that point; every other block, its views and assets, and the block of any load in
   * flight that it releases, are released. So a block whose request ends below keepBytes but
   * whose class does not is released: the core hands its tail out again. Free blocks below
   * keepBytes stay free for reuse.
   */
  fastCompactTier(tier, keepBytes = 0) {
    this.#live();
    const t = checkTier('fastCompactTier', tier);
    if (typeof keepBytes !== 'number') throw new TypeError(`fastCompactTier: keepBytes must be a number, got ${describe(keepBytes)}`);
    if (!Number.isInteger(keepBytes) || keepBytes < 0 || keepBytes > Number.MAX_SAFE_INTEGER) throw new RangeError(`fastCompactTier: keepBytes must be a non-negative integer, got ${describe(keepBytes)}`);
    const st = this.#x.wjs_compact_tier(this.#w, t, keepBytes);
    if (st !== 0) throw statusError('fastCompactTier', st);
    // What the tier has handed out is now exactly what lies below the new head: a block
    // survives when the last byte of its footprint is still handed out in this tier.
    const x = this.#x, w = this.#w;
    this.#forgetTier(t, 'fastCompactTier', (h, size) => {
      const last = h + x.wjs_block_size(w, t, size) - 1;
      return x.wjs_ptr(w, last) !== 0 && x.wjs_tier_of(w, last) === t;
    });
  }

  // The core's walloc_stats of tier t, read in place: 12 uint64 (low, high uint32 halves), then
  // alignment and max_class_size.
  #coreStats(t) {
    const st = this.#x.wjs_tier_stats(this.#w, t);
    if (st !== 0) throw statusError('tierStats', st);
    const u = new Uint32Array(this.#heap().buffer, this.#x.wjs_stats_buffer() >>> 0, 26);
    const f = [];
    for (let i = 0; i < 12; i++) f.push(u[2 * i] + u[2 * i + 1] * 4294967296);
    f.push(u[24], u[25]);
    return f;
  }

  /** Statistics of one tier. */
  tierStats(tier) {
    this.#live();
    const t = checkTier('tierStats', tier);
    const f = this.#coreStats(t);
    return {
      tier: t, name: TIER_NAMES[t],
      capacity: f[0], committed: f[1], bumpHead: f[2], used: f[2], peak: f[3], highWater: f[3],
      liveBytes: f[4], liveBlocks: f[5], freeBytes: f[6], wastedBytes: f[7],
      totalAllocs: f[8], totalFrees: f[9], failedAllocs: f[10], resets: f[11],
      alignment: f[12], maxClassSize: f[13],
      utilisation: f[0] > 0 ? f[4] / f[0] : 0,
    };
  }

  /** Statistics of all tiers, totals, and linear memory. */
  memoryStats() {
    this.#live();
    const tiers = [0, 1, 2].map((t) => this.tierStats(t));
    const sum = (k) => tiers.reduce((a, s) => a + s[k], 0);
    const totals = {
      capacity: sum('capacity'), committed: sum('committed'), used: sum('used'), peak: sum('peak'),
      liveBytes: sum('liveBytes'), liveBlocks: sum('liveBlocks'), freeBytes: sum('freeBytes'),
      wastedBytes: sum('wastedBytes'), totalAllocs: sum('totalAllocs'), totalFrees: sum('totalFrees'),
      failedAllocs: sum('failedAllocs'),
    };
    const memoryBytes = this.#heap().byteLength;
    return {
      tiers, totals,
      memoryBytes, pages: memoryBytes / WASM_PAGE,
      maximumMemory: this.#maximumMemory, maximumPages: this.#maximumMemory / WASM_PAGE,
      growths: this.#growths,
      utilisation: totals.committed > 0 ? totals.liveBytes / totals.committed : 0,
      memoryUtilisation: totals.liveBytes / memoryBytes,
      assets: this.#registry.size, loading: this.#loading, wrapperLiveBlocks: this.#blocks.size,
    };
  }

  /**
   * The allocation profile (create({ profile: rate })): a snapshot of plain data, {rate,
   * maxSites, overflowSamples, lostSamples, sites, top(tier, n)}, each site {id, frames, allocs,
   * liveBlocks, liveBytes} with per-tier arrays [top, middle, bottom] of the SAMPLED figures as
   * the core counts them (multiply by rate for an estimate). WallocError (status INVALID_CONFIG)
   * when the instance keeps no profile. See walloc.d.ts, ProfileSnapshot.
   */
  profile() {
    this.#live();
    return this.#profileSnapshot('profile');
  }

  #profileSnapshot(what) {
    const x = this.#x;
    if (!this.#sampler) {
      throw new WallocError(`${what}: this instance keeps no profile (create it with { profile: rate })`, Status.INVALID_CONFIG);
    }
    const n = x.wjs_profile_snapshot(this.#w);
    if (n < 0) throw statusError(what, -n);
    try {
      const buf = this.#heap().buffer; // the copy may have grown memory
      const u64 = (u, i) => u[i] + u[i + 1] * 4294967296;
      const u = new Uint32Array(buf, x.wjs_profile_sites() >>> 0, n * 20);
      const sites = [];
      for (let k = 0; k < n; k++) {
        const o = k * 20; // walloc_profile_site: site, allocs[3], live_blocks[3], live_bytes[3]
        const tiers = (at) => [u64(u, o + at), u64(u, o + at + 2), u64(u, o + at + 4)];
        const other = u[o] === 0xFFFFFFFF && u[o + 1] === 0xFFFFFFFF;
        sites.push({ site: other ? SITE_OTHER : u64(u, o), allocs: tiers(2), liveBlocks: tiers(8), liveBytes: tiers(14) });
      }
      const i = new Uint32Array(buf, x.wjs_profile_info() >>> 0, 8); // rate, max_sites, sites, overflow, lost
      return makeSnapshot(this.#sampler, sites, { maxSites: i[1], overflowSamples: u64(i, 4), lostSamples: u64(i, 6) });
    } finally {
      x.wjs_profile_release();
    }
  }

  /** Calls listener({oldBytes, newBytes, pages, growths}) after each memory growth. Returns a
   *  function that removes the listener. */
  onGrowth(listener) {
    this.#live();
    if (typeof listener !== 'function') throw new TypeError('onGrowth: listener must be a function');
    this.#growListeners.add(listener);
    return () => this.#growListeners.delete(listener);
  }

  // ------------------------------------------------------------------ data

  /** Copies bytes into the block at handle (+ offset). */
  write(handle, data, offset = 0) {
    this.#live();
    const bytes = toBytes('write', data);
    const addr = this.#range('write', handle, offset, byteCount(bytes));
    this.#heap().set(bytes, addr);
  }

  /** Copies length bytes (default: to the block's end) out of the block at handle (+ offset). */
  read(handle, length, offset = 0) {
    this.#live();
    const key = this.#handle('read', handle);
    if (length === undefined) length = Math.max(0, Math.floor(key / 4) - (typeof offset === 'number' ? offset : 0));
    const addr = this.#range('read', handle, offset, length);
    return this.#heap().slice(addr, addr + length);
  }

  /** Copies length bytes between blocks (memmove semantics). */
  copy(dst, src, length, dstOffset = 0, srcOffset = 0) {
    this.bulkCopy([{ dst, src, length, dstOffset, srcOffset }]);
  }

  /**
   * Performs several copies, in order: ops = [{dst, src, length, dstOffset?, srcOffset?}] or
   * [[dst, src, length], ...]. Every entry is checked before any byte moves. Needs no memory
   * beyond the blocks it names.
   */
  bulkCopy(ops) {
    this.#live();
    if (!Array.isArray(ops)) throw new TypeError(`bulkCopy: expected an array of {dst, src, length}, got ${describe(ops)}`);
    const n = ops.length;
    const triples = new Array(3 * n);
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      let dst, src, length, dOff = 0, sOff = 0;
      if (Array.isArray(op)) [dst, src, length] = op;
      else if (op !== null && typeof op === 'object') ({ dst, src, length, dstOffset: dOff = 0, srcOffset: sOff = 0 } = op);
      else throw new TypeError(`bulkCopy: entry ${i} must be {dst, src, length}, got ${describe(op)}`);
      triples[3 * i] = this.#range(`bulkCopy: entry ${i} (dst)`, dst, dOff, length);
      triples[3 * i + 1] = this.#range(`bulkCopy: entry ${i} (src)`, src, sOff, length);
      triples[3 * i + 2] = length;
    }
    // Every range lies in a live block (checked above), so the core accepts each copy; one call
    // per entry, since the core's bulk entry point would need the list in linear memory.
    for (let i = 0; i < n; i++) {
      const st = this.#x.wjs_copy(this.#w, triples[3 * i], triples[3 * i + 1], triples[3 * i + 2]);
      if (st !== 0) throw statusError(`bulkCopy: entry ${i}`, st);
    }
  }

  /**
   * A view of length elements of Type (default Uint8Array) at byteOffset in the block. The view
   * stays correct across memory growth (see BlockView). length defaults to the rest of the block.
   */
  view(handle, length, Type = Uint8Array, byteOffset = 0) {
    this.#live();
    if (!VIEW_CTORS.has(Type)) throw new TypeError(`view: type must be a typed array constructor (Uint8Array, Float32Array, ...), got ${describe(Type)}`);
    const key = this.#handle('view', handle);
    const el = Type.BYTES_PER_ELEMENT;
    checkUint32('view: byteOffset', byteOffset);
    if (length === undefined) length = Math.floor(Math.max(0, Math.floor(key / 4) - byteOffset) / el);
    checkUint32('view: length', length);
    this.#range('view', handle, byteOffset, length * el);
    if ((handle + byteOffset) % el !== 0) throw new RangeError(`view: ${Type.name} needs ${el}-byte alignment, address ${handle + byteOffset} is not`);
    return new BlockView(VIEW_TOKEN, this, handle, this.#blocks.idOf(handle), byteOffset, length, Type);
  }

  // ------------------------------------------------------------------ assets

  /** Sets the URL asset paths are loaded from (resolved against the page in browsers): http(s),
   *  no query or fragment (RangeError); a missing trailing / is added. */
  setBaseUrl(url) {
    this.#live();
    if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError(`setBaseUrl: expected a string or URL, got ${describe(url)}`);
    let u;
    try { u = new URL(String(url), globalThis.location?.href); } catch {
      throw new TypeError(`setBaseUrl: ${describe(String(url))} is not a URL${globalThis.location ? '' : ' (Node needs an absolute URL)'}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`setBaseUrl: ${describe(u.href)} is not an http: or https: URL`);
    if (u.search !== '' || u.hash !== '') throw new RangeError(`setBaseUrl: ${describe(u.href)} has a query or fragment`);
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    this.#baseUrl = u.href;
  }

  get baseUrl() { return this.#baseUrl; }

  /** Sets how many loads loadAssets runs at once (default 4). */
  setConcurrency(n) {
    this.#live();
    checkUint32('setConcurrency', n, 64);
    if (n < 1) throw new RangeError('setConcurrency: at least 1');
    this.#concurrency = n;
  }

  /** The tier an asset type goes to. */
  tierForType(type) {
    this.#live();
    if (typeof type !== 'string') throw new TypeError(`tierForType: type must be a string, got ${describe(type)}`);
    return this.#typeTiers[type] ?? 1;
  }

  /** Registers a live block as an asset. */
  register(path, block = {}) {
    this.#live();
    if (block === null || typeof block !== 'object') throw new TypeError(`register: expected {handle, size, type}, got ${describe(block)}`);
    const { handle, type = 'binary' } = block;
    let { size } = block;
    if (typeof path !== 'string' || path === '') throw new TypeError(`register: path must be a non-empty string, got ${describe(path)}`);
    if (typeof type !== 'string') throw new TypeError(`register: type must be a string, got ${describe(type)}`);
    const key = this.#handle(`register "${path}"`, handle);
    const blockSize = Math.floor(key / 4);
    if (size === undefined) size = blockSize;
    checkUint32(`register "${path}": size`, size);
    if (size > blockSize) throw new RangeError(`register "${path}": size ${size} is larger than block ${handle} (${blockSize} bytes)`);
    if (this.#registry.has(path)) throw new RangeError(`register: "${path}" is already registered`);
    const holder = this.#assetAt.get(handle);
    if (holder !== undefined) throw new RangeError(`register "${path}": block ${handle} already holds asset "${holder}"`);
    const rec = Object.freeze({ path, type, size, tier: key % 4, tierName: TIER_NAMES[key % 4], handle });
    this.#registry.set(path, rec);
    this.#assetAt.set(handle, path);
    return rec;
  }

  /** The asset registered under path, or undefined. Counts as a use of the asset (setBudget). */
  get(path) {
    this.#live();
    const rec = this.#registry.get(path);
    if (rec) this.#touch(rec);
    return rec;
  }
  has(path) { this.#live(); return this.#registry.has(path); }
  /** All registered assets, least recently used first (registration, get and assetView are uses). */
  assets() { this.#live(); return [...this.#registry.values()]; }

  // The registry's order is its least-recently-used order: a use moves the asset to the end.
  #touch(rec) {
    this.#registry.delete(rec.path);
    this.#registry.set(rec.path, rec);
  }

  /** Unregisters an asset and frees its block. Returns false when path is not registered. */
  evict(path) {
    this.#live();
    if (typeof path !== 'string') throw new TypeError(`evict: path must be a string, got ${describe(path)}`);
    const rec = this.#registry.get(path);
    if (!rec) return false;
    // An asset's block is live while it is registered: free() refuses it, and resetTier and
    // fastCompactTier unregister the assets whose blocks they release.
    this.#registry.delete(path);
    this.#assetAt.delete(rec.handle);
    this.free(rec.handle);
    this.#wakeRoomWaiters();
    return true;
  }

  /** Evicts several assets; returns how many were registered. */
  evictBatch(paths) {
    this.#live();
    if (!Array.isArray(paths)) throw new TypeError(`evictBatch: expected an array of paths, got ${describe(paths)}`);
    for (const p of paths) if (typeof p !== 'string') throw new TypeError(`evictBatch: paths must be strings, got ${describe(p)}`);
    let n = 0;
    for (const p of paths) if (this.evict(p)) n++;
    return n;
  }

  /** A view over an asset's bytes (see view()). */
  assetView(path, Type = Uint8Array) {
    this.#live();
    if (typeof path !== 'string') throw new TypeError(`assetView: path must be a string, got ${describe(path)}`);
    if (!VIEW_CTORS.has(Type)) throw new TypeError(`assetView: type must be a typed array constructor (Uint8Array, Float32Array, ...), got ${describe(Type)}`);
    const rec = this.#registry.get(path);
    if (!rec) throw new RangeError(`assetView: "${path}" is not registered`);
    this.#touch(rec);
    return this.view(rec.handle, Math.floor(rec.size / Type.BYTES_PER_ELEMENT), Type);
  }

  // ------------------------------------------------------------------ budgets

  /**
   * Bounds tier's live bytes (tierStats(tier).liveBytes: blocks at their footprint) to bytes, as
   * the Java registry's setBudget does: before each asset's block in the tier (loadAsset,
   * loadAssets, loadAssetZeroCopy's copy) the tier's least recently used assets are evicted until
   * the block fits, and, when the tier still has no room (free space in pieces too small), until
   * it is allocated. A block larger than the budget, or a budget filled by what is not an asset,
   * fails the load (AssetLoadError) or loadAssetZeroCopy (WallocError, out of memory). Blocks of
   * loads in flight count as live and are never evicted: a load they stand in the way of waits
   * (at most 10 s) for them to be registered (then evictable) or given back; loadAssetZeroCopy,
   * synchronous, fails instead. Registering a block that exists takes no memory and is not
   * checked. Lowering a budget evicts nothing until the next asset or enforceBudget().
   */
  setBudget(tier, bytes) {
    this.#live();
    const t = checkTier('setBudget', tier);
    if (typeof bytes !== 'number') throw new TypeError(`setBudget: bytes must be a number, got ${describe(bytes)}`);
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`setBudget: bytes must be a non-negative integer, got ${describe(bytes)}`);
    this.#budgets[t] = bytes;
  }

  /** Removes tier's budget. */
  clearBudget(tier) {
    this.#live();
    this.#budgets[checkTier('clearBudget', tier)] = -1;
    this.#wakeRoomWaiters();
  }

  /** Tier's budget in bytes, or -1 when it has none. */
  budget(tier) { this.#live(); return this.#budgets[checkTier('budget', tier)]; }

  /** Evicts tier's least recently used assets until its live bytes are within its budget (or no
   *  asset of the tier is left); how many it evicted. */
  enforceBudget(tier) {
    this.#live();
    const t = checkTier('enforceBudget', tier);
    let n = 0;
    while (this.#budgets[t] >= 0 && this.tierStats(t).liveBytes > this.#budgets[t] && this.#evictLeastUsed(t)) n++;
    return n;
  }

  /** Assets evicted to keep budgets, since creation. */
  budgetEvictions() { this.#live(); return this.#budgetEvictions; }

  #evictLeastUsed(t) {
    for (const [path, rec] of this.#registry) {
      if (rec.tier === t) {
        this.evict(path);
        this.#budgetEvictions++;
        return true;
      }
    }
    return false;
  }

  // Makes room under tier t's budget for a block of size bytes by evicting the tier's least
  // recently used assets: true when it fits, false when only blocks of loads in flight stand in
  // the way; throws when the budget cannot take it.
  #roomUnderBudget(t, size, what) {
    const budget = this.#budgets[t];
    if (budget < 0) return true;
    const need = this.#x.wjs_block_size(this.#w, t, size);
    if (need > budget) {
      throw new WallocError(`${what}: ${size} bytes (${need} with size-class rounding) is larger than the budget of tier ${TIER_NAMES[t]} (${budget} bytes)`, Status.OUT_OF_MEMORY);
    }
    for (;;) {
      const live = this.tierStats(t).liveBytes;
      if (live + need <= budget) return true;
      if (this.#evictLeastUsed(t)) continue;
      for (const r of this.#reserved) if (r.tier === t) return false;
      throw new WallocError(`${what}: the budget of tier ${TIER_NAMES[t]} (${budget} bytes) cannot take ${need} more bytes: ${live} bytes are live and none of them is an asset to evict`, Status.OUT_OF_MEMORY);
    }
  }

  // A block of size bytes for an asset in tier t, evicting least recently used assets of a tier
  // with a budget while it has no room; NULL_HANDLE when there is none.
  #allocateForAsset(size, t, alloc) {
    let h = alloc();
    while (h === NULL_HANDLE && this.#budgets[t] >= 0 && this.#evictLeastUsed(t)) h = alloc();
    return h;
  }

  // A load waits here until tier's budget has room for size bytes (see setBudget).
  async #roomFor(load, size, t) {
    const deadline = Date.now() + ROOM_WAIT_MS;
    while (!this.#roomUnderBudget(t, size, `loadAsset "${load.path}"`)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new WallocError(`the budget of tier ${TIER_NAMES[t]} stayed full of other loads' blocks for ${ROOM_WAIT_MS / 1000} s`, Status.OUT_OF_MEMORY);
      }
      let timer;
      await load.race(new Promise((resolve) => {
        this.#roomWaiters.push(resolve);
        timer = setTimeout(resolve, left);
      })).finally(() => clearTimeout(timer));
      load.check();
    }
  }

  #wakeRoomWaiters() {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Registers bytes without fetching. When bytes is a view of this instance's memory starting at
   * a live block, that block is registered as is (no copy). Otherwise one block is allocated in
   * tier and the bytes copied once. Returns the asset record.
   */
  loadAssetZeroCopy(bytes, tier = 2, options = {}) {
    this.#live();
    const src = toBytes('loadAssetZeroCopy', bytes);
    const t = checkTier('loadAssetZeroCopy', tier);
    if (options === null || typeof options !== 'object') throw new TypeError(`loadAssetZeroCopy: options must be an object, got ${describe(options)}`);
    const { path, type = 'binary' } = options;
    const n = byteCount(src);
    if (TA_BUFFER.call(src) === this.#memory.buffer) {
      const at = TA_OFFSET.call(src);
      const key = isHandle(at) ? this.#blocks.get(at) : undefined;
      if (key === undefined) throw new RangeError(`loadAssetZeroCopy: bytes lie in this instance's memory but do not start at a live block (address ${at})`);
      return this.register(path ?? `memory:${at}`, { handle: at, size: n, type });
    }
    if (path !== undefined && (typeof path !== 'string' || path === '')) throw new TypeError('loadAssetZeroCopy: path must be a non-empty string');
    if (path !== undefined && this.#registry.has(path)) throw new RangeError(`loadAssetZeroCopy: "${path}" is already registered`);
    if (!this.#roomUnderBudget(t, n, 'loadAssetZeroCopy')) {
      throw new WallocError(`loadAssetZeroCopy: the budget of tier ${TIER_NAMES[t]} is full of blocks of loads in flight`, Status.OUT_OF_MEMORY);
    }
    const h = this.#allocateForAsset(n, t, () => this.allocate(n, t));
    if (h === NULL_HANDLE) throw new WallocError(`loadAssetZeroCopy: no room for ${n} bytes in tier ${TIER_NAMES[t]}`, Status.OUT_OF_MEMORY);
    this.#heap().set(src, h);
    return this.register(path ?? `memory:${h}`, { handle: h, size: n, type });
  }

  /**
   * Fetches baseUrl + path and streams the body into a block of the type's tier (or
   * options.tier). Resolves to the asset record. path must name a file under the base URL
   * (see assetUrl: no scheme, host, absolute path, dot segments, backslashes...); anything
   * else rejects with a RangeError before any request, and redirects are not followed. To load
   * from another origin on purpose, set the base URL to it. Concurrent loads of the same path share one
   * request; an already registered path resolves at once. options: {tier, signal, onProgress}.
   * onProgress({path, loaded, total}) is called per chunk (total is NaN without Content-Length).
   * Failures reject with an AssetLoadError naming the path and cause; nothing is registered or
   * leaked.
   *
   * The block being filled belongs to the load until it is registered: no call reaches it
   * through its handle. resetTier, fastCompactTier and destroy that release it fail the load
   * ("its block was released by resetTier while loading"), which then never touches memory
   * again. A load without Content-Length collects the body and takes its block at the end, so
   * a reset while it streams does not fail it. When every caller of a load has aborted, its
   * block is freed before the last caller's promise rejects.
   */
  loadAsset(path, type = 'binary', options = {}) {
    try {
      this.#live();
      if (typeof path !== 'string' || path === '') throw new TypeError(`loadAsset: path must be a non-empty string, got ${describe(path)}`);
      if (typeof type !== 'string') throw new TypeError(`loadAsset: type must be a string, got ${describe(type)}`);
      if (options === null || typeof options !== 'object') throw new TypeError('loadAsset: options must be an object');
      const { signal, onProgress } = options;
      if (signal !== undefined && !(signal && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function')) throw new TypeError('loadAsset: signal must be an AbortSignal');
      if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('loadAsset: onProgress must be a function');
      const tier = options.tier === undefined ? this.tierForType(type) : checkTier('loadAsset', options.tier);
      const done = this.#registry.get(path); // also a path registered without loading ('memory:...')
      if (done) return Promise.resolve(done);
      if (this.#baseUrl === undefined) throw new TypeError('loadAsset: no base URL (call setBaseUrl first)');
      const url = assetUrl('loadAsset', path, this.#baseUrl);
      let load = this.#inflight.get(path);
      if (!load) {
        load = new Load(path);
        this.#inflight.set(path, load);
        this.#loading++;
        load.promise = this.#load(load, url, type, tier).finally(() => {
          this.#loading--;
          if (this.#inflight.get(path) === load) this.#inflight.delete(path);
        });
        load.promise.catch(() => {});
      }
      return this.#wait(load, signal, onProgress);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #wait(load, signal, onProgress) {
    load.waiters++;
    if (onProgress) load.progress.add(onProgress);
    return new Promise((resolve, reject) => {
      let settled = false;
      const leave = () => {
        settled = true;
        if (onProgress) load.progress.delete(onProgress);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        leave();
        // The last caller is gone: free the block before this promise rejects, so nothing the
        // caller does next can meet a late clean-up.
        if (--load.waiters === 0) this.#abandon(load, signal.reason);
        reject(new AssetLoadError(load.path, 'aborted', { cause: signal.reason }));
      };
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      load.promise.then(
        (rec) => { if (!settled) { leave(); load.waiters--; resolve(rec); } },
        (err) => { if (!settled) { leave(); load.waiters--; reject(err); } });
    });
  }

  // Every caller of the load aborted: a new loadAsset of the path starts a new request.
  #abandon(load, reason) {
    if (this.#inflight.get(load.path) === load) this.#inflight.delete(load.path);
    const r = load.reservation;
    if (r && r.released === undefined) this.#freeReservation(r, 'aborted');
    load.stop('aborted', reason);
  }

  // A block for the load, owned by it (not in the block table) until #commit.
  #reserve(load, size, tier) {
    // A load's site is its asset: the stack would name this module's loader.
    const site = this.#sampleSite((s) => s.assetSite(load.path));
    const h = this.#allocateForAsset(size, tier, () => this.#coreAlloc(size, tier, site));
    if (this.#u8.length === 0) this.#checkGrowth();
    if (h === NULL_HANDLE) {
      throw new AssetLoadError(load.path, `no room for ${size} bytes in tier ${TIER_NAMES[tier]}`, { cause: new WallocError('out of memory', Status.OUT_OF_MEMORY) });
    }
    const r = { handle: h, size, tier, path: load.path, load, released: undefined };
    this.#reserved.add(r);
    load.reservation = r;
    return r;
  }

  // The block is no longer the load's (the core released it, or it is being freed): the load
  // stops, and must not touch it again.
  #dropReservation(r, why) {
    this.#reserved.delete(r);
    r.released = why;
    r.load.stop(why);
    this.#wakeRoomWaiters();
  }

  #freeReservation(r, why) {
    this.#dropReservation(r, why);
    const st = this.#x.wjs_free(this.#w, r.handle, r.size);
    if (st !== 0) throw statusError(`free(${r.handle}, ${r.size})`, st);
  }

  #commit(load, r, type) {
    if (this.#registry.has(load.path)) throw new Error('the path was registered by another call while loading');
    this.#reserved.delete(r);
    r.released = 'registered';
    this.#blocks.add(r.handle, r.size * 4 + r.tier);
    const rec = this.register(load.path, { handle: r.handle, size: r.size, type });
    this.#wakeRoomWaiters(); // an asset now: evictable
    return rec;
  }

  async #load(load, url, type, tier) {
    const { path } = load;
    let reader;
    try {
      let res;
      try {
        // A redirect would leave the base URL as surely as a path could: not followed.
        res = await load.race(fetch(url, { signal: load.ctrl.signal, redirect: 'manual' }));
      } catch (e) {
        if (load.stopped) throw e;
        throw new AssetLoadError(path, `request failed: ${e.message}`, { cause: e });
      }
      if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
        res.body?.cancel().catch(() => {});
        throw new AssetLoadError(path, `the server answered with a redirect (HTTP ${res.status}), which is not followed: set the base URL to where the assets are`,
          { cause: new Error(`HTTP ${res.status}`), status: res.status });
      }
      if (!res.ok) {
        res.body?.cancel().catch(() => {});
        throw new AssetLoadError(path, `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`, { cause: new Error(`HTTP ${res.status}`), status: res.status });
      }
      const lenHeader = res.headers.get('content-length');
      const encoded = res.headers.get('content-encoding');
      const total = lenHeader !== null && !encoded && /^\d+$/.test(lenHeader) ? Number(lenHeader) : NaN;
      const report = (loaded) => {
        for (const fn of load.progress) { try { fn({ path, loaded, total }); } catch (e) { queueMicrotask(() => { throw e; }); } }
      };
      reader = res.body?.getReader();
      // Every await may end with the load stopped (released block, destroy, all callers gone):
      // load.check() after each one, before any write into memory.
      const next = () => (reader ? load.race(reader.read()) : { done: true });
      let loaded = 0, r;
      if (Number.isFinite(total)) {
        if (total > 0xFFFFFFFF) throw new AssetLoadError(path, `too large (${total} bytes)`, { cause: new RangeError('size') });
        await this.#roomFor(load, total, tier);
        load.check();
        r = this.#reserve(load, total, tier);
        for (;;) {
          const { done, value } = await next();
          load.check();
          if (done) break;
          if (loaded + value.length > total) throw new Error(`body longer than Content-Length ${total}`);
          this.#heap().set(value, r.handle + loaded);
          loaded += value.length;
          report(loaded);
        }
        if (loaded !== total) throw new Error(`truncated body: ${loaded} of ${total} bytes`);
      } else {
        // No usable length: collect the chunks, then one block and one copy.
        const chunks = [];
        for (;;) {
          const { done, value } = await next();
          load.check();
          if (done) break;
          chunks.push(value);
          loaded += value.length;
          if (loaded > 0xFFFFFFFF) throw new Error(`too large (more than ${0xFFFFFFFF} bytes)`);
          report(loaded);
        }
        await this.#roomFor(load, loaded, tier);
        load.check();
        r = this.#reserve(load, loaded, tier);
        const heap = this.#heap();
        let at = r.handle;
        for (const c of chunks) { heap.set(c, at); at += c.length; }
      }
      load.check(); // a progress callback may have released the block
      return this.#commit(load, r, type);
    } catch (e) {
      const { stopped } = load; // why the load was stopped from outside, if it was
      reader?.cancel().catch(() => {});
      const r = load.reservation;
      if (r && r.released === undefined) this.#freeReservation(r, 'failed');
      if (stopped) throw new AssetLoadError(path, stopped.message, { cause: stopped.cause });
      if (e instanceof AssetLoadError) throw e;
      throw new AssetLoadError(path, e?.message || String(e), { cause: e });
    }
  }

  /**
   * Loads several assets with at most `concurrency` requests at once. batch: paths or
   * {path, type, tier}. options: {concurrency, signal, onProgress}; onProgress({path, done,
   * total, bytes}) after each asset. Resolves to the records in batch order. On the first
   * failure the remaining loads are cancelled and the promise rejects with that failure (assets
   * that completed stay registered). With {settle: true} it never rejects for a load failure
   * and resolves to [{path, status: 'fulfilled' | 'rejected', value | reason}].
   */
  async loadAssets(batch, options = {}) {
    this.#live();
    if (!Array.isArray(batch)) throw new TypeError(`loadAssets: expected an array, got ${describe(batch)}`);
    if (options === null || typeof options !== 'object') throw new TypeError('loadAssets: options must be an object');
    // Every entry is checked before any request starts: a bad one loads nothing.
    const items = batch.map((b, i) => {
      let it;
      if (typeof b === 'string') it = { path: b, type: 'binary' };
      else if (b !== null && typeof b === 'object' && typeof b.path === 'string') it = { path: b.path, type: b.type ?? 'binary', tier: b.tier };
      else throw new TypeError(`loadAssets: entry ${i} must be a path or {path, type, tier}, got ${describe(b)}`);
      if (it.path === '') throw new TypeError(`loadAssets: entry ${i}: path must be a non-empty string`);
      if (typeof it.type !== 'string') throw new TypeError(`loadAssets: entry ${i}: type must be a string, got ${describe(it.type)}`);
      if (it.tier !== undefined) checkTier(`loadAssets: entry ${i}`, it.tier);
      if (!this.#registry.has(it.path)) {
        if (this.#baseUrl === undefined) throw new TypeError('loadAssets: no base URL (call setBaseUrl first)');
        assetUrl(`loadAssets: entry ${i}`, it.path, this.#baseUrl);
      }
      return it;
    });
    const concurrency = options.concurrency ?? this.#concurrency;
    checkUint32('loadAssets: concurrency', concurrency, 64);
    if (concurrency < 1) throw new RangeError('loadAssets: concurrency must be at least 1');
    const { onProgress, settle = false } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('loadAssets: onProgress must be a function');
    if (typeof settle !== 'boolean') throw new TypeError(`loadAssets: settle must be true or false, got ${describe(settle)}`);
    const ctrl = new AbortController();
    const outer = options.signal;
    if (outer !== undefined && !(outer && typeof outer.aborted === 'boolean' && typeof outer.addEventListener === 'function')) throw new TypeError('loadAssets: signal must be an AbortSignal');
    const onOuter = () => ctrl.abort(outer.reason);
    if (outer?.aborted) onOuter(); else outer?.addEventListener('abort', onOuter, { once: true });
    const results = new Array(items.length);
    let next = 0, done = 0, bytes = 0, failure;
    const worker = async () => {
      while (next < items.length && failure === undefined) {
        const i = next++;
        const it = items[i];
        try {
          const rec = await this.loadAsset(it.path, it.type, { tier: it.tier, signal: ctrl.signal });
          results[i] = settle ? { path: it.path, status: 'fulfilled', value: rec } : rec;
          bytes += rec.size;
        } catch (e) {
          if (!settle) {
            if (failure === undefined) { failure = e; ctrl.abort(e); }
            continue;
          }
          results[i] = { path: it.path, status: 'rejected', reason: e };
        }
        done++;
        if (onProgress) { try { onProgress({ path: it.path, done, total: items.length, bytes }); } catch (e) { queueMicrotask(() => { throw e; }); } }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    } finally {
      outer?.removeEventListener('abort', onOuter);
    }
    if (failure !== undefined) throw failure;
    return results;
  }

  /** Destroys the instance: every handle, view and asset becomes invalid; loads in flight
   *  reject ("the instance was destroyed while loading") without touching memory again. With a
   *  profile, the sites of sampled blocks still live are reported first (the leak report:
   *  create's onLeak, else console.warn of its text). */
  destroy() {
    if (this.#w === 0) return;
    let report, failed;
    if (this.#sampler) {
      try { report = leakReport(this.#profileSnapshot('destroy')); } catch (e) { failed = e; }
    }
    for (const r of this.#reserved) r.released = 'destroyed';
    this.#reserved.clear();
    this.#x.walloc_destroy(this.#w);
    this.#w = 0;
    this.#blocks.clear();
    this.#registry.clear();
    this.#assetAt.clear();
    this.#growListeners.clear();
    const loads = [...this.#inflight.values()];
    this.#inflight.clear();
    for (const load of loads) load.stop('the instance was destroyed while loading', new DestroyedError());
    // Told once the instance is gone, so a callback that throws cannot leave it half destroyed.
    if (failed) console.warn(`Walloc: no leak report: ${failed.message}`);
    if (report) {
      if (this.#onLeak) {
        try { this.#onLeak(report); } catch (e) { queueMicrotask(() => { throw e; }); }
      } else {
        console.warn(report.text);
      }
    }
  }
}

for (const [name, Type] of Object.entries(VIEW_TYPES)) {
  if (!Type) continue;
  Object.defineProperty(Walloc.prototype, `view${name}`, {
    value: function (handle, length, byteOffset = 0) { return this.view(handle, length, Type, byteOffset); },
    writable: true, configurable: true,
  });
}

/** The name DESIGN.md uses for the wrapper class. */
export { Walloc as WallocWrapper, Status, simdSupported };
export default Walloc;

/** @internal What walloc-shared.mjs (shared mode) shares with this module: argument checks,
 *  status errors and constants, so both faces say the same thing. Not part of the API. */
export const _facade = Object.freeze({
  NULL_HANDLE, WASM_PAGE, MAX_MEMORY, TIER_NAMES, STATUS_TEXT, VIEW_CTORS, VIEW_TYPES,
  describe, checkUint32, checkTier, isHandle, toBytes, byteCount, statusError, TA_NAME, TA_LENGTH,
  viewIndex, viewValue, viewSource, viewFillArgs,
});
