// walloc-shared.mjs - shared mode: one Walloc instance used by several Workers at once.
//
//   // main thread (or any Worker)
//   const w = await Walloc.create({ shared: true, capacity: 64 << 20 });
//   worker.postMessage(w.shareable());
//   // in the Worker (Node worker_threads or a Web Worker)
//   const w = await Walloc.attach(shared);   // the SAME allocator: blocks go both ways
//   const h = w.allocate(256, 'middle');     // ... freed by any other Worker with w.free(h)
//   w.detach();                              // this Worker is done: its cache is retired
//
// How it works. walloc-mt.wasm (wasm-emscripten/build.sh) is the core built with wasm threads; it
// imports its memory. create() makes a shared WebAssembly.Memory, instantiates the module over it
// and creates the core instance; attach() instantiates the same compiled module over the same
// memory in another Worker. Every handle (create's or attach's) takes fresh pages of the shared
// memory (memory.grow, atomic) for its own stack and TLS block before its first call: wasm
// instances share memory but not their stack pointer or thread-local data.
//
// Safety (the single-threaded face's guarantee holds here too: nothing reachable from JavaScript
// writes outside the live block it names, in any order of calls from any Workers):
//   - the authority on live blocks is the core's checked table, in the shared memory under the
//     core's lock (always on in shared mode), not a table of this Worker's: a Worker frees a block
//     another Worker allocated, and a bad free (never allocated, double, wrong size) is a
//     RangeError that changes nothing;
//   - every read, write and view access holds the block in the core (walloc_js_mt.c, wjs_mt_hold)
//     for the copy: another Worker's free of that block waits until the copy is done, so a copy
//     never lands in a block someone else was given meanwhile. A view remembers the block's serial,
//     so a view of a freed block stays invalid even when another block gets its handle;
//   - resetTier/fastCompactTier keep the core's rule (never while that tier allocates or frees):
//     every call that touches a tier enters the tier's gate, a count of calls inside, in the
//     shared memory; a reset or compaction runs only when no call is inside and otherwise throws
//     TierBusyError without changing anything (it does not wait: calls keep coming, and a waiting
//     reset could starve). Calls that arrive during a reset wait for it (microseconds).
//
// Limits (see README and walloc.d.ts): blocks, views, statistics, reset/compact only. Assets,
// the registry, the loader, budgets, profiles and onGrowth are per-handle features of the
// single-threaded face and are not offered here. Every allocation takes the core's checked path
// (the price of the shared authority). A view's `array` is the engine's own typed array and
// unchecked once taken (another Worker may free the block at any time): use get/set/copyFrom/
// fill/toArray, which hold the block. A Worker that ends without detach() leaves its cache
// attached (its spans are not reused until a reset or destroy). A handle's stack and TLS pages
// (2 pages) are not reused after detach(): linear memory never shrinks. A Worker terminated
// while inside a call can leave a lock held: end Workers between calls.

import { WallocError, DestroyedError, statusError, learnStatusText } from './lib/status.mjs';
import {
  NULL_HANDLE, WASM_PAGE, TIER_NAMES, describe, checkUint32, checkSize, checkKeepBytes,
  checkHandle, checkTier, isHandle, toBytes, byteCount,
} from './lib/checks.mjs';
import { validateConfig } from './lib/config.mjs';
import { compileModule } from './lib/module.mjs';
import { checkViewType, viewFields, viewIndex, viewValue, viewSource, viewFillArgs } from './lib/views.mjs';

// walloc_js_mt.c's answers beyond walloc_status.
const JS_CLOSED = 0xFFFFFFFE;
const WJS_BUSY = 100, WJS_CLOSED = 101, WJS_STALE = 102;
// The module's own initial memory (wasm-emscripten/build.sh, mt_initial_pages).
const MT_INITIAL_PAGES = 2;
const STACK_BYTES = 65536;
const SCRATCH_BYTES = 256; // walloc_stats (104 bytes) at 0, a hold's answer (2 doubles) at 128
const HOLD_OUT = 128;
const KIND = 'walloc-shared';
const VERSION = 1;
const TOKEN = Symbol('SharedWalloc');

/** Thrown by resetTier/fastCompactTier of a shared instance while another call (any Worker's)
 *  is inside that tier: nothing was reset. Try again when the tier is quiet. */
export class TierBusyError extends Error {
  constructor(what, tier) {
    super(`${what}: tier ${TIER_NAMES[tier]} is in use by another call (a Worker allocates, frees or reads in it): ` +
      'reset and compaction never run concurrently with allocation in their tier; nothing was changed');
    this.name = 'TierBusyError';
    this.tier = tier;
  }
}

function requireIsolation() {
  if (typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated === false) {
    throw new Error('Walloc.create({ shared: true }): shared WebAssembly memory needs a cross-origin isolated page ' +
      '(crossOriginIsolated is false): serve the page with the headers "Cross-Origin-Opener-Policy: same-origin" ' +
      'and "Cross-Origin-Embedder-Policy: require-corp" (COOP/COEP)');
  }
}

export class SharedWalloc {
  static NULL = NULL_HANDLE;

  /** Use Walloc.create({ shared: true, ... }): options checked there (lib/config.mjs:
   *  capacity, ratios, maximumMemory), plus wasmUrl / wasmBytes / module for walloc-mt.wasm. */
  static async create(options) {
    requireIsolation();
    for (const k of ['profile', 'checked']) {
      if (options[k] !== undefined && !(k === 'checked' && options[k] === true)) {
        throw new TypeError(`Walloc.create: ${k} is not an option of shared mode (checked mode is always on there; profiles are single-threaded)`);
      }
    }
    const module = await compileModule({ ...options, shared: true });
    const maxPages = Math.floor(options.maximumMemory / WASM_PAGE);
    if (maxPages < MT_INITIAL_PAGES + 4) throw new RangeError(`Walloc.create: maximumMemory ${options.maximumMemory} is too small for shared mode`);
    const memory = new WebAssembly.Memory({ initial: MT_INITIAL_PAGES, maximum: maxPages, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const x = instance.exports;
    x.__wasm_call_ctors?.(); // once per memory: the creator's instance only
    learnStatusText(x, memory.buffer);
    const self = new SharedWalloc(TOKEN, instance, memory, module, 0, options);
    const [r0, r1, r2] = options.ratios;
    x.wjs_set_max_bytes(maxPages * WASM_PAGE);
    validateConfig(x, options, true, 0);
    const rec = x.wjs_mt_create(options.capacity, r0, r1, r2) >>> 0;
    if (rec === 0) throw new WallocError('Walloc.create: the core could not create an instance (memory limit too low?)', 5);
    self.#rec = rec;
    return self;
  }

  /** A handle, in the calling Worker, to the instance whose shareable() shared is. */
  static async attach(shared) {
    if (shared === null || typeof shared !== 'object' || shared.kind !== KIND) {
      throw new TypeError(`Walloc.attach: expected the object a shared instance's shareable() returned, got ${describe(shared)}`);
    }
    if (shared.version !== VERSION) throw new TypeError(`Walloc.attach: shareable() of version ${shared.version}, this module reads ${VERSION}`);
    if (!(shared.module instanceof WebAssembly.Module) || !(shared.memory instanceof WebAssembly.Memory)) {
      throw new TypeError('Walloc.attach: shareable() lost its module or memory (pass it with postMessage, whole)');
    }
    requireIsolation();
    const instance = await WebAssembly.instantiate(shared.module, { env: { memory: shared.memory } });
    learnStatusText(instance.exports, shared.memory.buffer);
    return new SharedWalloc(TOKEN, instance, shared.memory, shared.module, shared.record, shared);
  }

  #x; #rec; #memory; #module; #u8; #scratch; #capacity; #ratios; #maximumMemory;
  #detached = false;

  /** Use Walloc.create({ shared: true }) or Walloc.attach(). */
  constructor(token, instance, memory, module, rec, options) {
    if (token !== TOKEN) throw new TypeError('use Walloc.create({ shared: true }) or Walloc.attach()');
    const x = instance.exports;
    this.#x = x;
    this.#rec = rec;
    this.#memory = memory;
    this.#module = module;
    this.#capacity = options.capacity;
    this.#ratios = Object.freeze([...options.ratios]);
    this.#maximumMemory = options.maximumMemory;
    // This thread's stack, TLS block and scratch, in fresh pages nobody else is given: memory.grow
    // is atomic and answers the old size, so concurrent growth (the core's, other Workers') is
    // harmless. Stack first (it grows down to the region's start), then TLS, then scratch.
    const tlsSize = x.__tls_size.value >>> 0, tlsAlign = Math.max(16, x.__tls_align.value >>> 0);
    const bytes = STACK_BYTES + tlsAlign + tlsSize + 16 + SCRATCH_BYTES;
    let old;
    try { old = memory.grow(Math.ceil(bytes / WASM_PAGE)); } catch (e) {
      throw new WallocError(`Walloc: no room in the shared memory (maximum ${options.maximumMemory} bytes) for this handle's stack and TLS (${bytes} bytes)`, 5);
    }
    const base = old * WASM_PAGE;
    const tls = Math.ceil((base + STACK_BYTES) / tlsAlign) * tlsAlign;
    this.#scratch = Math.ceil((tls + tlsSize) / 16) * 16;
    x.__stack_pointer.value = base + STACK_BYTES;
    x.__wasm_init_tls(tls);
    this.#u8 = new Uint8Array(memory.buffer);
  }

  // ------------------------------------------------------------------ internals

  #live() {
    if (this.#detached) throw new DestroyedError('Walloc: this handle was detached (detach()/close())');
    if (this.#rec === 0) throw new DestroyedError();
  }

  // A shared memory's buffer is never detached: after growth, memory.buffer is a longer
  // SharedArrayBuffer and the old one keeps its length. Refresh when an address lies beyond it.
  #heap(end) {
    if (end > this.#u8.length) this.#u8 = new Uint8Array(this.#memory.buffer);
    return this.#u8;
  }

  #closed(what) {
    this.#rec = 0;
    return new DestroyedError(`Walloc: ${what}: the shared instance was destroyed`);
  }

  /** @internal Holds [handle + offset, + length) of the live block (of that serial unless 0)
   *  and returns {size, serial}; the caller must #release(). Throws (holding nothing) else. */
  _hold(what, handle, offset, length, serial = 0) {
    this.#live();
    const x = this.#x;
    const st = x.wjs_mt_hold(this.#rec, handle, offset, length, serial, this.#scratch + HOLD_OUT);
    if (st !== 0) {
      if (st === WJS_CLOSED) throw this.#closed(what);
      if (st === WJS_STALE || st === 8 /* NOT_A_BLOCK */ || st === 3 /* INVALID_HANDLE */) {
        throw Object.assign(new RangeError(serial !== 0
          ? `${what}: the block at ${handle} is no longer valid (freed, or its tier reset or compacted, by this or another Worker)`
          : `${what}: handle ${handle} is not a live block`), { status: st === WJS_STALE ? 8 : st });
      }
      if (st === 4) throw Object.assign(new RangeError(`${what}: range [${offset}, ${offset + length}) is outside block ${handle}`), { status: st });
      throw statusError(what, st);
    }
    const d = new Float64Array(this.#heap(this.#scratch + HOLD_OUT + 16).buffer, this.#scratch + HOLD_OUT, 2);
    return { size: d[0], serial: d[1] };
  }

  /** @internal */
  _release() { this.#x.wjs_mt_release(this.#rec); }

  /** @internal The heap, long enough to reach end. */
  _heap(end) { return this.#heap(end); }

  // ------------------------------------------------------------------ properties

  /** True: this is a handle to a shared instance. */
  get shared() { return true; }
  /** The shared WebAssembly.Memory (its buffer is replaced by a longer one on growth). */
  get memory() { this.#live(); return this.#memory; }
  get capacity() { return this.#capacity; }
  get ratios() { return this.#ratios; }
  /** Always true: the core's checked table is the shared authority on live blocks. */
  get checked() { return true; }
  /** True until this handle is detached or the instance destroyed (by any Worker, once seen). */
  get alive() { return !this.#detached && this.#rec !== 0 && this.#x.wjs_mt_instance(this.#rec) !== 0; }
  /** The raw wasm exports of this Worker's instance (benchmarks, diagnostics; no checks). */
  get exports() { this.#live(); return this.#x; }
  /** The raw core instance address (for the raw exports). */
  get instanceAddress() { this.#live(); return this.#x.wjs_mt_instance(this.#rec) >>> 0; }
  /** Live blocks of the instance (every Worker's), from the core's statistics. */
  get liveBlocks() { return [0, 1, 2].reduce((n, t) => n + this.tierStats(t).liveBlocks, 0); }

  /**
   * What another Worker needs to attach (Walloc.attach): the compiled module, the shared memory
   * and the instance's address, plus its configuration. Structured-cloneable: postMessage it.
   */
  shareable() {
    this.#live();
    return {
      kind: KIND, version: VERSION, module: this.#module, memory: this.#memory, record: this.#rec,
      capacity: this.#capacity, ratios: [...this.#ratios], maximumMemory: this.#maximumMemory,
    };
  }

  // ------------------------------------------------------------------ blocks

  /** Allocates size bytes in tier (default bottom): the handle, or Walloc.NULL when full. */
  allocate(size, tier = 2) {
    this.#live();
    checkSize('allocate', size);
    const t = (tier === 0 || tier === 1 || tier === 2) ? tier : checkTier('allocate', tier);
    const h = this.#x.wjs_mt_alloc(this.#rec, size, t) >>> 0;
    if (h === JS_CLOSED) throw this.#closed('allocate');
    return h;
  }

  /**
   * Frees a block, whichever Worker allocated it. size defaults to the size it was allocated
   * with (read from the core's table); a different size, a handle that is not a live block, or a
   * second free is a RangeError (status SIZE_MISMATCH, NOT_A_BLOCK, DOUBLE_FREE...) and changes
   * nothing. As in any allocator, a handle freed and handed out again is a new block: freeing an
   * old copy of the number frees the new block (use views, which know their block, to tell).
   */
  free(handle, size) {
    this.#live();
    checkHandle('free', handle);
    if (size === undefined) {
      ({ size } = this._hold('free', handle, 0, 0));
      this._release();
    } else {
      checkUint32('free: size', size);
    }
    const st = this.#x.wjs_mt_free(this.#rec, handle, size);
    if (st === WJS_CLOSED) throw this.#closed('free');
    if (st !== 0) throw statusError(`free(${handle}, ${size})`, st);
  }

  /** Size and tier of the live block at handle; undefined for anything else. */
  blockInfo(handle) {
    this.#live();
    if (!isHandle(handle)) return undefined;
    let size;
    try { ({ size } = this._hold('blockInfo', handle, 0, 0)); } catch (e) {
      if (e instanceof RangeError) return undefined;
      throw e;
    }
    this._release();
    const tier = this.#x.wjs_tier_of(this.#x.wjs_mt_instance(this.#rec), handle);
    return { handle, size, tier, tierName: TIER_NAMES[tier] };
  }

  /** Forgets every block of a tier (every Worker's): TierBusyError while a call is inside it. */
  resetTier(tier) {
    this.#live();
    const t = checkTier('resetTier', tier);
    this.#tierStatus('resetTier', t, this.#x.wjs_mt_reset_tier(this.#rec, t));
  }

  /** The core's compaction (see Walloc.fastCompactTier): TierBusyError while a call is inside
   *  the tier. */
  fastCompactTier(tier, keepBytes = 0) {
    this.#live();
    const t = checkTier('fastCompactTier', tier);
    checkKeepBytes('fastCompactTier', keepBytes);
    this.#tierStatus('fastCompactTier', t, this.#x.wjs_mt_compact_tier(this.#rec, t, keepBytes));
  }

  #tierStatus(what, t, st) {
    if (st === 0) return;
    if (st === WJS_BUSY) throw new TierBusyError(what, t);
    if (st === WJS_CLOSED) throw this.#closed(what);
    throw statusError(what, st);
  }

  /** Statistics of one tier (the whole instance's, every Worker's blocks). */
  tierStats(tier) {
    this.#live();
    const t = checkTier('tierStats', tier);
    const st = this.#x.wjs_mt_tier_stats(this.#rec, t, this.#scratch);
    if (st === WJS_CLOSED) throw this.#closed('tierStats');
    if (st !== 0) throw statusError('tierStats', st);
    const u = new Uint32Array(this.#heap(this.#scratch + 104).buffer, this.#scratch, 26);
    const f = [];
    for (let i = 0; i < 12; i++) f.push(u[2 * i] + u[2 * i + 1] * 4294967296);
    return {
      tier: t, name: TIER_NAMES[t],
      capacity: f[0], committed: f[1], bumpHead: f[2], used: f[2], peak: f[3], highWater: f[3],
      liveBytes: f[4], liveBlocks: f[5], freeBytes: f[6], wastedBytes: f[7],
      totalAllocs: f[8], totalFrees: f[9], failedAllocs: f[10], resets: f[11],
      alignment: u[24], maxClassSize: u[25],
      utilisation: f[0] > 0 ? f[4] / f[0] : 0,
    };
  }

  // ------------------------------------------------------------------ data

  /** Copies bytes into the block at handle (+ offset), holding the block for the copy. */
  write(handle, data, offset = 0) {
    this.#live();
    checkHandle('write', handle);
    const bytes = toBytes('write', data);
    const n = byteCount(bytes);
    checkUint32('write: offset', offset);
    this._hold('write', handle, offset, n);
    try { this.#heap(handle + offset + n).set(bytes, handle + offset); } finally { this._release(); }
  }

  /** Copies length bytes (default: to the block's end) out of the block at handle (+ offset). */
  read(handle, length, offset = 0) {
    this.#live();
    checkHandle('read', handle);
    checkUint32('read: offset', offset);
    if (length !== undefined) checkUint32('read: length', length);
    const { size } = this._hold('read', handle, offset, length ?? 0);
    try {
      if (length === undefined) length = Math.max(0, size - offset);
      if (offset + length > size) throw new RangeError(`read: range [${offset}, ${offset + length}) is outside block ${handle} of ${size} bytes`);
      return this.#heap(handle + offset + length).slice(handle + offset, handle + offset + length);
    } finally { this._release(); }
  }

  /** A view of length elements of Type (default Uint8Array) at byteOffset in the block (length
   *  defaults to the rest of the block). See SharedBlockView. */
  view(handle, length, Type = Uint8Array, byteOffset = 0) {
    this.#live();
    checkViewType('view', Type);
    checkHandle('view', handle);
    checkUint32('view: byteOffset', byteOffset);
    const el = Type.BYTES_PER_ELEMENT;
    const { size, serial } = this._hold('view', handle, byteOffset, 0);
    this._release();
    if (length === undefined) length = Math.floor(Math.max(0, size - byteOffset) / el);
    checkUint32('view: length', length);
    if (byteOffset + length * el > size) throw new RangeError(`view: range [${byteOffset}, ${byteOffset + length * el}) is outside block ${handle} of ${size} bytes`);
    if ((handle + byteOffset) % el !== 0) throw new RangeError(`view: ${Type.name} needs ${el}-byte alignment, address ${handle + byteOffset} is not`);
    return new SharedBlockView(TOKEN, this, handle, serial, byteOffset, length, Type);
  }

  // ------------------------------------------------------------------ life

  /** This Worker is done with the instance: retires its cache (its spans go back to the tiers,
   *  the core's thread-exit path) and makes this handle unusable. The instance and every other
   *  handle stay. Idempotent. */
  detach() {
    if (this.#detached) return;
    this.#detached = true;
    this.#x.walloc_thread_exit();
  }

  /** Same as detach(). */
  close() { this.detach(); }

  /** Destroys the instance for every Worker (their later calls throw DestroyedError), once no
   *  call is inside it. Blocks still live are released with it. */
  destroy() {
    if (this.#detached || this.#rec === 0) return;
    this.#x.walloc_thread_exit();
    this.#x.wjs_mt_destroy(this.#rec);
    this.#rec = 0;
  }
}

/**
 * A view of (part of) a live block of a shared instance. get, set, copyFrom, fill and toArray
 * hold the block for the access (no other Worker frees it meanwhile) and throw a RangeError once
 * the block was freed, reset or compacted away by any Worker, also when another block has its
 * handle now. `array` is the engine's typed array over the current buffer, checked when taken and
 * unchecked afterwards.
 */
export class SharedBlockView {
  #owner; #serial;
  constructor(token, owner, handle, serial, byteOffset, length, Type) {
    if (token !== TOKEN) throw new TypeError('SharedBlockView: use view() of a shared Walloc');
    this.#owner = owner;
    this.#serial = serial;
    viewFields(this, handle, byteOffset, length, Type);
    Object.freeze(this);
  }

  // Runs fn(array) with the block held; array is over the current buffer.
  #with(what, fn) {
    const o = this.#owner, addr = this.handle + this.byteOffset;
    o._hold(`BlockView.${what}`, this.handle, this.byteOffset, this.byteLength, this.#serial);
    try { return fn(new this.type(o._heap(addr + this.byteLength).buffer, addr, this.length)); } finally { o._release(); }
  }

  /** True while the block is live (in any Worker's eyes). */
  get valid() {
    try { return this.#with('valid', () => true); } catch (e) { if (e instanceof RangeError) return false; throw e; }
  }

  get array() { return this.#with('array', (a) => a); }

  get(i) { viewIndex('get: index', i, this.length - 1); return this.#with('get', (a) => a[i]); }
  set(i, v) { viewIndex('set: index', i, this.length - 1); viewValue(this, 'set: value', v); this.#with('set', (a) => { a[i] = v; }); }

  /** Copies src (an Array or a typed array of the view's kind) into the view from index at. */
  copyFrom(src, at = 0) {
    const data = viewSource(this, src, at);
    this.#with('copyFrom', (a) => a.set(data, at));
    return this;
  }

  /** Sets elements [start, end) (default: all) to v. */
  fill(v, start = 0, end = this.length) {
    viewFillArgs(this, v, start, end);
    this.#with('fill', (a) => a.fill(v, start, end));
    return this;
  }

  /** A copy of the contents, independent of linear memory. */
  toArray() { return this.#with('toArray', (a) => a.slice()); }
}
