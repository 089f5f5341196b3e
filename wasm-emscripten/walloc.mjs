// walloc.mjs - the WebAssembly face of Walloc, a tiered memory allocator.
//
// Hand-written ES module (no Emscripten glue). Works in browsers (fetch + streaming compile) and
// in Node (reads the .wasm from disk). One Walloc object = one wasm instance with its own linear
// memory and one allocator instance inside it. Assets (registry, loading, budgets) are the
// assets module's ('walloc/assets', assets.mjs), which takes a Walloc.
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
//
// Layout: lib/ holds one concept per file (status.mjs: statuses, their text and the errors;
// checks.mjs: argument checks; config.mjs: the configuration; module.mjs: compiling the .wasm;
// block-table.mjs; views.mjs: BlockView; host.mjs: what the assets module may call).

import { Sampler, SITE_OTHER, profileOptions, readSnapshot, leakReport } from './profile.mjs';
import { Status, WallocError, DestroyedError, statusError, learnStatusText } from './lib/status.mjs';
import {
  NULL_HANDLE, WASM_PAGE, TIER_NAMES, describe, checkUint32, checkSize, checkKeepBytes, checkHandle,
  checkTier, isHandle, toBytes, byteCount, callListener,
} from './lib/checks.mjs';
import { createOptions, validateConfig } from './lib/config.mjs';
import { simdSupported, moduleFile, compileModule, importsFor } from './lib/module.mjs';
import { BlockTable } from './lib/block-table.mjs';
import { BlockView, VIEW_TOKEN, VIEW_TYPES, checkViewType } from './lib/views.mjs';
import { HOST } from './lib/host.mjs';

const stackSite = (sampler) => sampler.stackSite(); // allocate()'s site: its caller's stack
// Modules whose frames are not an allocation's site: this one and the assets module's.
const INTERNAL_URLS = ['./walloc.mjs', './assets.mjs', './lib/asset-load.mjs', './lib/asset-budgets.mjs']
  .map((file) => new URL(file, import.meta.url).href);

export class Walloc {
  static NULL = NULL_HANDLE;
  static TIER_TOP = 0;
  static TIER_MIDDLE = 1;
  static TIER_BOTTOM = 2;
  static TIERS = TIER_NAMES;
  static Status = Status;
  static PAGE_SIZE = WASM_PAGE;
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
  static moduleFile(options = {}) { return moduleFile(options); }

  /** Compiles (and caches) the module create() would use (moduleFile). */
  static compile(options = {}) { return compileModule(options); }

  /**
   * Creates an allocator in a fresh wasm instance.
   * @param {object} [options]
   *   capacity (bytes for all tiers, default 256 MiB; at least 64 KiB, below 4 GiB),
   *   ratios ([top, middle, bottom], default [0.5, 0.3, 0.2]),
   *   maximumMemory (bytes linear memory may grow to, default 4 GiB),
   *   checked (core's checked mode), simd ('auto' | true | false), wasmUrl, wasmBytes, module,
   *   profile (sample one allocation in this many, 1: every one; absent or 0: no profile),
   *   profileSites (sites the profile tracks, default 1024), profileDepth (frames kept per
   *   site, default 8), onLeak (called with the leak report at destroy; default console.warn).
   *   Asset options (baseUrl, concurrency, typeTiers) are AssetRegistry's (assets.mjs).
   */
  static async create(options = {}) {
    const config = createOptions(options);
    if (config.shared) {
      const { SharedWalloc } = await import('./walloc-shared.mjs');
      return SharedWalloc.create(config);
    }
    const profiling = profileOptions(config);
    const module = await compileModule(config);
    const instance = await WebAssembly.instantiate(module, importsFor(module));
    return new Walloc(instance, { ...config, profiling });
  }

  #x; #w; #memory; #buf; #bufBytes; #u8; #blocks = new BlockTable(); #growListeners = new Set();
  #growths = 0; #maximumMemory; #capacity; #ratios; #checked;
  #sampler; #onLeak; // profiling on: the Sampler (profile.mjs) and the leak callback
  #clients = new Set(); // attached asset registries (lib/host.mjs)

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
    learnStatusText(x, this.#buf);
    const current = this.#buf.byteLength;
    this.#maximumMemory = Math.floor(options.maximumMemory / WASM_PAGE) * WASM_PAGE;
    if (this.#maximumMemory < current) {
      throw new RangeError(`Walloc.create: maximumMemory ${options.maximumMemory} is below the module's initial memory (${current} bytes)`);
    }
    x.wjs_set_max_bytes(this.#maximumMemory);
    const { capacity, ratios, profiling } = options; // checked by create (createOptions, profileOptions)
    const checked = options.checked ? 1 : 0;
    const has = x.wjs_diagnostics(); // 1: checked mode, 2: profiles (walloc-diag.wasm has both)
    for (const [asked, bit, what] of [[checked, 1, 'checked mode'], [profiling, 2, 'allocation profiles']]) {
      if (asked && !(has & bit)) throw new Error(`Walloc.create: this module has no ${what}: load walloc-diag.wasm (the default when options ask for checked or profile)`);
    }
    const sites = profiling ? profiling.sites : 0;
    validateConfig(x, options, checked, sites);
    this.#w = x.wjs_create(capacity, ratios[0], ratios[1], ratios[2], checked, sites) >>> 0;
    if (this.#w === 0) throw new WallocError('Walloc.create: the core could not create an instance (memory limit too low?)', Status.OUT_OF_MEMORY);
    this.#capacity = capacity;
    this.#ratios = Object.freeze([...ratios]);
    this.#checked = !!checked;
    if (profiling) {
      this.#sampler = new Sampler(profiling, INTERNAL_URLS);
      this.#onLeak = profiling.onLeak;
    }
    this.#checkGrowth();
  }

  // ------------------------------------------------------------------ internals

  #live() {
    if (this.#w === 0) throw new DestroyedError();
  }

  // Growth detaches the old ArrayBuffer: a zero-length #u8 (memory is never empty) means the
  // memory grew. Cheaper than reading memory.buffer on every call.
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
    for (const fn of this.#growListeners) callListener(fn, ev);
  }

  /** @internal current buffer (for BlockView). */
  _buffer() { return this.#heap().buffer; }
  /** @internal number of growths seen so far, after checking for a new one (for BlockView). */
  _generation() { if (this.#u8.length === 0) this.#checkGrowth(); return this.#growths; }
  /** @internal id of the live block at handle (a valid handle), undefined when not live. */
  _idOf(handle) { return this.#w === 0 ? undefined : this.#blocks.idOf(handle); }

  /** @internal Attaches an assets client (lib/host.mjs) and returns the calls it may make. */
  [HOST](client) {
    this.#live();
    this.#clients.add(client);
    return Object.freeze({
      live: () => this.#live(),
      heap: () => this.#heap(),
      memoryBuffer: () => this.#memory.buffer,
      block: (what, h) => this.#handle(what, h),
      holder: (h) => this.#holder(h),
      blockKey: (h) => (isHandle(h) ? this.#blocks.get(h) : undefined),
      addBlock: (h, size, tier) => this.#blocks.add(h, size * 4 + tier),
      // The site of the next allocation when it is a sample (see #sampleSite), else 0.
      sample: (siteOf) => this.#sampleSite(siteOf),
      // A block outside the table (a load's), recorded at site; NULL_HANDLE when full.
      allocRaw: (size, tier, site) => {
        const h = this.#coreAlloc(size, tier, site);
        if (this.#u8.length === 0) this.#checkGrowth();
        return h;
      },
      freeRaw: (h, size) => {
        const st = this.#x.wjs_free(this.#w, h, size);
        if (st !== 0) throw statusError(`free(${h}, ${size})`, st);
      },
      footprint: (tier, size) => this.#x.wjs_block_size(this.#w, tier, size),
    });
  }

  // What holds the live block at h (an asset of any attached registry), undefined when nothing.
  #holder(h) {
    for (const c of this.#clients) {
      const holder = c.holder(h);
      if (holder !== undefined) return holder;
    }
    return undefined;
  }

  #handle(what, h) {
    checkHandle(what, h);
    const key = this.#blocks.get(h);
    if (key === undefined) {
      for (const c of this.#clients) {
        const owner = c.pending(h);
        if (owner !== undefined) throw new RangeError(`${what}: handle ${h} is the block of ${owner}`);
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

  // After the core released (part of) a tier: forgets the blocks of the tier that keepIf(handle,
  // size) does not keep, and tells the asset clients; `by` names the call.
  #forgetTier(tier, by, keepIf) {
    for (const [h, key] of this.#blocks.entries()) {
      if (key % 4 === tier && !(keepIf && keepIf(h, Math.floor(key / 4)))) this.#blocks.delete(h);
    }
    for (const c of this.#clients) c.released(tier, by, keepIf);
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
    checkSize('allocate', size);
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
   *  The block of a registered asset is freed by its registry's evict(), not here (RangeError). */
  free(handle, size) {
    this.#live();
    const key = this.#handle('free', handle);
    const holder = this.#holder(handle);
    if (holder !== undefined) throw new RangeError(`free: block ${handle} holds ${holder}: evict it instead`);

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
      sizes[i] = checkSize(`allocateBatch: entry ${i}`, size);
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
    checkKeepBytes('fastCompactTier', keepBytes);
    const st = this.#x.wjs_compact_tier(this.#w, t, keepBytes);
    if (st !== 0) throw statusError('fastCompactTier', st);
    // A block survives when its whole footprint is still handed out: the core's range check
    // (walloc_check_range). Tiers never share an address, so a range handed out is tier t's.
    const x = this.#x, w = this.#w;
    this.#forgetTier(t, 'fastCompactTier', (h, size) => x.wjs_check_range(w, h, x.wjs_block_size(w, t, size)) === 0);
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
      wrapperLiveBlocks: this.#blocks.size,
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
      // The copy may have grown memory: the buffer is taken after it.
      return readSnapshot(this.#sampler, this.#heap().buffer, x.wjs_profile_sites() >>> 0, n, x.wjs_profile_info() >>> 0);
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
    checkViewType('view', Type);
    const key = this.#handle('view', handle);
    const el = Type.BYTES_PER_ELEMENT;
    checkUint32('view: byteOffset', byteOffset);
    if (length === undefined) length = Math.floor(Math.max(0, Math.floor(key / 4) - byteOffset) / el);
    checkUint32('view: length', length);
    this.#range('view', handle, byteOffset, length * el);
    if ((handle + byteOffset) % el !== 0) throw new RangeError(`view: ${Type.name} needs ${el}-byte alignment, address ${handle + byteOffset} is not`);
    return new BlockView(VIEW_TOKEN, this, handle, this.#blocks.idOf(handle), byteOffset, length, Type);
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
    this.#x.walloc_destroy(this.#w);
    this.#w = 0;
    this.#blocks.clear();
    this.#growListeners.clear();
    const clients = [...this.#clients];
    this.#clients.clear();
    for (const c of clients) c.destroyed();
    // Told once the instance is gone, so a callback that throws cannot leave it half destroyed.
    if (failed) console.warn(`Walloc: no leak report: ${failed.message}`);
    if (report) {
      if (this.#onLeak) callListener(this.#onLeak, report);
      else console.warn(report.text);
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

export { BlockView, WallocError, DestroyedError, Status, simdSupported };
/** The name DESIGN.md uses for the wrapper class. */
export { Walloc as WallocWrapper };
export default Walloc;
