// lib/views.mjs - views over a block (BlockView) and the argument checks of a view's methods,
// which SharedBlockView (walloc-shared.mjs) shares.

import { describe, TA_NAME, TA_LENGTH } from './checks.mjs';

export const VIEW_TYPES = {
  Int8: Int8Array, Uint8: Uint8Array, Int16: Int16Array, Uint16: Uint16Array,
  Int32: Int32Array, Uint32: Uint32Array, Float32: Float32Array, Float64: Float64Array,
  BigInt64: typeof BigInt64Array !== 'undefined' ? BigInt64Array : undefined,
  BigUint64: typeof BigUint64Array !== 'undefined' ? BigUint64Array : undefined,
};
const VIEW_CTORS = new Set(Object.values(VIEW_TYPES).filter(Boolean));

/** A view's element type argument: one of the typed array constructors. */
export function checkViewType(what, Type) {
  if (!VIEW_CTORS.has(Type)) throw new TypeError(`${what}: type must be a typed array constructor (Uint8Array, Float32Array, ...), got ${describe(Type)}`);
  return Type;
}

// The argument checks of a view's methods (BlockView here, SharedBlockView in
// walloc-shared.mjs): an index is an integer Number in [0, max], a value is a Number (a BigInt in
// BigInt views), a copy's source is an Array or a typed array of the view's kind that fits.
export function viewIndex(what, i, max) {
  if (typeof i !== 'number') throw new TypeError(`BlockView.${what} must be a number, got ${describe(i)}`);
  if (!Number.isInteger(i) || i < 0 || i > max) throw new RangeError(`BlockView.${what} must be an integer in [0, ${max}], got ${describe(i)}`);
  return i;
}

export function viewValue(view, what, v) {
  const big = view.type === VIEW_TYPES.BigInt64 || view.type === VIEW_TYPES.BigUint64;
  if (typeof v !== (big ? 'bigint' : 'number')) {
    throw new TypeError(`BlockView.${what} must be a ${big ? 'BigInt' : 'Number'} in a ${view.type.name} view, got ${describe(v)}`);
  }
  return v;
}

// copyFrom's source as a typed array of the view's kind, checked to fit at `at`. An Array's
// elements are all read (and checked) here, before the caller writes anything.
export function viewSource(view, src, at) {
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
export function viewFillArgs(view, v, start, end) {
  viewValue(view, 'fill: value', v);
  viewIndex('fill: start', start, view.length);
  viewIndex('fill: end', end, view.length);
  if (start > end) throw new RangeError(`BlockView.fill: start ${start} is after end ${end}`);
}

/** The public fields every view has (BlockView, SharedBlockView): what it covers, of which type. */
export function viewFields(view, handle, byteOffset, length, Type) {
  view.handle = handle;
  view.byteOffset = byteOffset;
  view.length = length;
  view.type = Type;
  view.byteLength = length * Type.BYTES_PER_ELEMENT;
}

// Only Walloc.view makes BlockViews: a view is as safe as the range it was checked for.
export const VIEW_TOKEN = Symbol('BlockView');

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
    viewFields(this, handle, byteOffset, length, Type);
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
