// lib/checks.mjs - the argument checks and constants both faces (walloc.mjs, walloc-shared.mjs)
// and the assets module share, so they all say the same thing about the same mistake.

export const NULL_HANDLE = 0xFFFFFFFF;
export const WASM_PAGE = 65536;
export const MAX_MEMORY = 4 * 1024 * 1024 * 1024;
export const TIER_NAMES = Object.freeze(['top', 'middle', 'bottom']);
const TIER_BY_NAME = { top: 0, middle: 1, bottom: 2 };

/** A value as an error message shows it. */
export function describe(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  return Object.prototype.toString.call(v);
}

export function checkUint32(what, v, max = 0xFFFFFFFF) {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${what} must be an integer in [0, ${max}], got ${describe(v)}`);
  }
  return v;
}

/** An allocation's size: an integer Number in [0, 2^32 - 1]. */
export function checkSize(what, size) {
  if (typeof size !== 'number') throw new TypeError(`${what}: size must be a number, got ${describe(size)}`);
  if (!Number.isInteger(size) || size < 0 || size > 0xFFFFFFFF) throw new RangeError(`${what}: size must be an integer in [0, 4294967295], got ${describe(size)}`);
  return size;
}

/** A compaction's keepBytes: a non-negative safe integer. */
export function checkKeepBytes(what, keepBytes) {
  if (typeof keepBytes !== 'number') throw new TypeError(`${what}: keepBytes must be a number, got ${describe(keepBytes)}`);
  if (!Number.isInteger(keepBytes) || keepBytes < 0 || keepBytes > Number.MAX_SAFE_INTEGER) throw new RangeError(`${what}: keepBytes must be a non-negative integer, got ${describe(keepBytes)}`);
  return keepBytes;
}

// A value that can be a block's handle: an integer Number in [0, NULL_HANDLE). Only these may
// reach the block table or the core (the table's hashing truncates to 32 bits: h + 0.5 or
// h + 2**32 would find h).
export function isHandle(h) { return typeof h === 'number' && (h >>> 0) === h && h !== NULL_HANDLE; }

/** A handle argument: TypeError for a non-number, RangeError for anything but a handle. */
export function checkHandle(what, h) {
  if (typeof h !== 'number') throw new TypeError(`${what}: handle must be a number, got ${describe(h)}`);
  if (!isHandle(h)) throw new RangeError(`${what}: ${h === NULL_HANDLE ? 'Walloc.NULL is not a block' : `invalid handle ${describe(h)}`}`);
  return h;
}

/** A tier argument (0, 1, 2 or a tier name, any case) as its number. */
export function checkTier(what, t) {
  if (typeof t === 'string') {
    const n = TIER_BY_NAME[t.toLowerCase()];
    if (n === undefined) throw new RangeError(`${what}: unknown tier ${describe(t)} (top, middle, bottom)`);
    return n;
  }
  if (typeof t !== 'number') throw new TypeError(`${what}: tier must be 0, 1, 2 or a tier name, got ${describe(t)}`);
  if (t !== 0 && t !== 1 && t !== 2) throw new RangeError(`${what}: tier must be 0 (top), 1 (middle) or 2 (bottom), got ${describe(t)}`);
  return t;
}

/** An options argument: an object (TypeError otherwise). */
export function checkObject(what, o) {
  if (o === null || typeof o !== 'object') throw new TypeError(`${what} must be an object, got ${describe(o)}`);
  return o;
}

// The engine's own accessors of typed arrays, DataViews and buffers. A subclass or an own
// property can make `length` or `byteLength` say anything: a 128-byte array that claims 8 bytes
// would pass a bounds check and then be copied whole. Taken once, when the module loads.
const TA_PROTO = Object.getPrototypeOf(Uint8Array.prototype);
const getterOf = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
export const TA_NAME = getterOf(TA_PROTO, Symbol.toStringTag); // the kind of a typed array, else undefined
export const TA_BUFFER = getterOf(TA_PROTO, 'buffer'), TA_OFFSET = getterOf(TA_PROTO, 'byteOffset');
export const TA_LENGTH = getterOf(TA_PROTO, 'length');
const TA_BYTES = getterOf(TA_PROTO, 'byteLength');
const DV_BUFFER = getterOf(DataView.prototype, 'buffer'), DV_OFFSET = getterOf(DataView.prototype, 'byteOffset');
const DV_BYTES = getterOf(DataView.prototype, 'byteLength');
const BUFFER_BYTES = [getterOf(ArrayBuffer.prototype, 'byteLength')];
if (typeof SharedArrayBuffer !== 'undefined') BUFFER_BYTES.push(getterOf(SharedArrayBuffer.prototype, 'byteLength'));

/** The length of a Uint8Array made by toBytes, as the engine knows it. */
export const byteCount = (bytes) => TA_LENGTH.call(bytes);

function isBuffer(x) {
  for (const bytes of BUFFER_BYTES) { try { bytes.call(x); return true; } catch { /* not this kind */ } }
  return false;
}

/** A Uint8Array over the bytes of data (a typed array, DataView or (Shared)ArrayBuffer): data
 *  itself when it is one. Take its length with byteCount(), never from .length. */
export function toBytes(what, data) {
  const name = TA_NAME.call(data);
  if (name === 'Uint8Array') return data;
  if (name !== undefined) return new Uint8Array(TA_BUFFER.call(data), TA_OFFSET.call(data), TA_BYTES.call(data));
  if (ArrayBuffer.isView(data)) return new Uint8Array(DV_BUFFER.call(data), DV_OFFSET.call(data), DV_BYTES.call(data));
  if (isBuffer(data)) return new Uint8Array(data);
  throw new TypeError(`${what}: expected a Uint8Array, another ArrayBufferView or an ArrayBuffer, got ${describe(data)}`);
}

/** Calls fn(arg), reporting an exception it throws later, uncaught, instead of to the caller
 *  (listeners and progress callbacks: user code that must not break the library's state). */
export function callListener(fn, arg) {
  try { fn(arg); } catch (e) { queueMicrotask(() => { throw e; }); }
}
