// assets.mjs - the assets module of Walloc's WebAssembly face ('walloc/assets'): a registry of
// named blocks (path -> type, size, tier, handle) over a Walloc, loading over HTTP with fetch
// into its blocks, and per-tier budgets. The allocator (walloc.mjs) knows nothing of assets; as
// Java's io.walloc.assets.AssetRegistry takes an io.walloc.Walloc, this takes a Walloc.
//
//   import { Walloc } from 'walloc';
//   import { AssetRegistry } from 'walloc/assets';
//   const w = await Walloc.create({ capacity: 64 << 20 });
//   const assets = new AssetRegistry(w, { baseUrl: 'https://example.com/assets/' });
//   const rec = await assets.load('hero.ktx2', 'texture');   // streamed into a block of tier top
//   const px = assets.view('hero.ktx2');                      // a BlockView of its bytes
//   assets.evict('hero.ktx2');                                // unregisters and frees the block
//
// The type -> tier policy (DEFAULT_TYPE_TIERS) is DESIGN.md's table, the one in
// tests/scenarios/faces/asset_types.json; a type it does not name goes to the middle tier.

import { Walloc } from './walloc.mjs';
import { WallocError, DestroyedError, Status } from './lib/status.mjs';
import {
  NULL_HANDLE, TIER_NAMES, describe, checkUint32, checkTier, checkObject, toBytes, byteCount,
  TA_BUFFER, TA_OFFSET, callListener,
} from './lib/checks.mjs';
import { checkViewType } from './lib/views.mjs';
import { HOST } from './lib/host.mjs';
import { Budgets } from './lib/asset-budgets.mjs';
import {
  AssetLoadError, Load, assetUrl, baseUrlOf, checkSignal, openResponse, collectBody, batchItems, runPool,
} from './lib/asset-load.mjs';

/** The tier of each asset type the registry knows (typeTiers overrides it per registry). */
const DEFAULT_TYPE_TIERS = Object.freeze({
  texture: 0, image: 0, mesh: 0, geometry: 0, shader: 0, gpu: 0,
  scene: 1, json: 1, model: 1, audio: 1, font: 1, binary: 1,
  temp: 2, scratch: 2, text: 2,
});
/** The tier of a type DEFAULT_TYPE_TIERS (and typeTiers) does not name. */
const UNKNOWN_TYPE_TIER = 1;
const DEFAULT_CONCURRENCY = 4;

// Parallel requests: an integer in [1, 64].
function checkConcurrency(what, n) {
  checkUint32(what, n, 64);
  if (n < 1) throw new RangeError(`${what}: at least 1`);
  return n;
}

// A budget in bytes: a non-negative safe integer.
function checkBudget(what, bytes) {
  if (typeof bytes !== 'number') throw new TypeError(`${what} must be a number, got ${describe(bytes)}`);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`${what} must be a non-negative integer, got ${describe(bytes)}`);
  return bytes;
}

export class AssetRegistry {
  static DEFAULT_TYPE_TIERS = DEFAULT_TYPE_TIERS;
  static UNKNOWN_TYPE_TIER = UNKNOWN_TYPE_TIER;

  #w; #host; #registry = new Map(); #assetAt = new Map(); #inflight = new Map();
  #reserved = new Set(); #loading = 0; #baseUrl; #concurrency = DEFAULT_CONCURRENCY; #typeTiers;
  #budgets = new Budgets({
    liveBytes: (t) => this.#w.tierStats(t).liveBytes,
    footprint: (t, size) => this.#host.footprint(t, size),
    evictLeastUsed: (t) => this.#evictLeastUsed(t),
    loadsIn: (t) => { for (const r of this.#reserved) if (r.tier === t) return true; return false; },
  });

  /**
   * A registry of assets in walloc's blocks. options: baseUrl (where paths load from; in a page
   * served over http(s), the page's directory by default), concurrency (parallel requests of
   * loadAll, 1..64, default 4), typeTiers (tier per type, over DEFAULT_TYPE_TIERS), budgets
   * ({top, middle, bottom}: bytes, see setBudget).
   */
  constructor(walloc, options = {}) {
    if (!(walloc instanceof Walloc)) throw new TypeError(`AssetRegistry: expected a Walloc (a shared instance has no assets), got ${describe(walloc)}`);
    checkObject('AssetRegistry: options', options);
    const { concurrency, typeTiers, baseUrl, budgets } = options;
    // Every option is checked before the registry attaches to walloc: a bad one leaves nothing.
    if (concurrency !== undefined) this.#concurrency = checkConcurrency('AssetRegistry: concurrency', concurrency);
    this.#typeTiers = { ...DEFAULT_TYPE_TIERS };
    if (typeTiers !== undefined) {
      checkObject('AssetRegistry: typeTiers', typeTiers);
      for (const [k, v] of Object.entries(typeTiers)) this.#typeTiers[k] = checkTier(`typeTiers.${k}`, v);
    }
    // In a page served over http(s), assets load from the page's directory by default.
    const loc = globalThis.location?.href;
    if (baseUrl !== undefined) this.#baseUrl = baseUrlOf('AssetRegistry: baseUrl', baseUrl);
    else if (loc && /^https?:/i.test(loc)) this.#baseUrl = new URL('./', loc).href;
    if (budgets !== undefined) {
      checkObject('AssetRegistry: budgets', budgets);
      for (const [k, v] of Object.entries(budgets)) this.#budgets.set(checkTier(`budgets.${k}`, k), checkBudget(`budgets.${k}`, v));
    }
    this.#w = walloc;
    this.#host = walloc[HOST]({
      holder: (h) => (this.#assetAt.has(h) ? `asset "${this.#assetAt.get(h)}"` : undefined),
      pending: (h) => { for (const r of this.#reserved) if (r.handle === h) return `a load in progress ("${r.path}")`; },
      released: (tier, by, keepIf) => this.#released(tier, by, keepIf),
      destroyed: () => this.#destroyed(),
    });
  }

  #live() { this.#host.live(); }

  // After the Walloc released (part of) a tier: forgets the assets whose blocks went, and fails
  // the loads whose blocks keepIf(handle, size) does not keep.
  #released(tier, by, keepIf) {
    for (const [path, rec] of this.#registry) {
      if (rec.tier === tier && this.#host.blockKey(rec.handle) === undefined) {
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

  #destroyed() {
    for (const r of this.#reserved) r.released = 'destroyed';
    this.#reserved.clear();
    this.#registry.clear();
    this.#assetAt.clear();
    const loads = [...this.#inflight.values()];
    this.#inflight.clear();
    for (const load of loads) load.stop('the instance was destroyed while loading', new DestroyedError());
  }

  // ------------------------------------------------------------------ settings

  /** The Walloc whose blocks hold the assets. */
  get walloc() { return this.#w; }

  /** Sets the URL asset paths are loaded from (resolved against the page in browsers): http(s),
   *  no query or fragment (RangeError); a missing trailing / is added. */
  setBaseUrl(url) {
    this.#live();
    this.#baseUrl = baseUrlOf('setBaseUrl', url);
  }

  get baseUrl() { return this.#baseUrl; }

  /** Sets how many loads loadAll runs at once (default 4). */
  setConcurrency(n) {
    this.#live();
    this.#concurrency = checkConcurrency('setConcurrency', n);
  }

  get concurrency() { return this.#concurrency; }

  /** The tier an asset type goes to (UNKNOWN_TYPE_TIER for a type the table does not name). */
  tierForType(type) {
    this.#live();
    if (typeof type !== 'string') throw new TypeError(`tierForType: type must be a string, got ${describe(type)}`);
    return Object.hasOwn(this.#typeTiers, type) ? this.#typeTiers[type] : UNKNOWN_TYPE_TIER;
  }

  // ------------------------------------------------------------------ registry

  /** Registers a live block of the Walloc as an asset (no copy). */
  register(path, block = {}) {
    this.#live();
    if (block === null || typeof block !== 'object') throw new TypeError(`register: expected {handle, size, type}, got ${describe(block)}`);
    const { handle, type = 'binary' } = block;
    let { size } = block;
    if (typeof path !== 'string' || path === '') throw new TypeError(`register: path must be a non-empty string, got ${describe(path)}`);
    if (typeof type !== 'string') throw new TypeError(`register: type must be a string, got ${describe(type)}`);
    const key = this.#host.block(`register "${path}"`, handle);
    const blockSize = Math.floor(key / 4);
    if (size === undefined) size = blockSize;
    checkUint32(`register "${path}": size`, size);
    if (size > blockSize) throw new RangeError(`register "${path}": size ${size} is larger than block ${handle} (${blockSize} bytes)`);
    if (this.#registry.has(path)) throw new RangeError(`register: "${path}" is already registered`);
    const holder = this.#host.holder(handle); // this registry's asset, or another registry's
    if (holder !== undefined) throw new RangeError(`register "${path}": block ${handle} already holds ${holder}`);
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
  /** All registered assets, least recently used first (registration, get and view are uses). */
  list() { this.#live(); return [...this.#registry.values()]; }
  /** Registered assets (0 after the Walloc's destroy). */
  get size() { return this.#registry.size; }
  /** Loads not settled yet (one per request, however many callers share it). */
  get loading() { return this.#loading; }

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
    // An asset's block is live while it is registered: Walloc.free refuses it, and resetTier
    // and fastCompactTier unregister the assets whose blocks they release.
    this.#registry.delete(path);
    this.#assetAt.delete(rec.handle);
    this.#w.free(rec.handle);
    this.#budgets.wake();
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

  #evictLeastUsed(t) {
    for (const [path, rec] of this.#registry) {
      if (rec.tier === t) return this.evict(path);
    }
    return false;
  }

  /** A view over an asset's bytes (see Walloc.view). */
  view(path, Type = Uint8Array) {
    this.#live();
    if (typeof path !== 'string') throw new TypeError(`view: path must be a string, got ${describe(path)}`);
    checkViewType('view', Type);
    const rec = this.#registry.get(path);
    if (!rec) throw new RangeError(`view: "${path}" is not registered`);
    this.#touch(rec);
    return this.#w.view(rec.handle, Math.floor(rec.size / Type.BYTES_PER_ELEMENT), Type);
  }

  // ------------------------------------------------------------------ budgets

  /**
   * Bounds tier's live bytes (Walloc.tierStats(tier).liveBytes: blocks at their footprint) to
   * bytes, as the Java registry's setBudget does: before each asset's block in the tier (load,
   * loadAll, registerBytes's copy) the tier's least recently used assets are evicted until the
   * block fits, and, when the tier still has no room (free space in pieces too small), until it
   * is allocated. A block larger than the budget, or a budget filled by what is not an asset,
   * fails the load (AssetLoadError) or registerBytes (WallocError, out of memory). Blocks of
   * loads in flight count as live and are never evicted: a load they stand in the way of waits
   * (at most 10 s) for them to be registered (then evictable) or given back; registerBytes,
   * synchronous, fails instead. Registering a block that exists takes no memory and is not
   * checked. Lowering a budget evicts nothing until the next asset or enforceBudget().
   */
  setBudget(tier, bytes) {
    this.#live();
    this.#budgets.set(checkTier('setBudget', tier), checkBudget('setBudget: bytes', bytes));
  }

  /** Removes tier's budget. */
  clearBudget(tier) {
    this.#live();
    this.#budgets.clear(checkTier('clearBudget', tier));
  }

  /** Tier's budget in bytes, or -1 when it has none. */
  budget(tier) { this.#live(); return this.#budgets.get(checkTier('budget', tier)); }

  /** Evicts tier's least recently used assets until its live bytes are within its budget (or no
   *  asset of the tier is left); how many it evicted. */
  enforceBudget(tier) {
    this.#live();
    return this.#budgets.enforce(checkTier('enforceBudget', tier));
  }

  /** Assets evicted to keep budgets, since creation. */
  budgetEvictions() { this.#live(); return this.#budgets.evictions; }

  // ------------------------------------------------------------------ loading

  /**
   * Registers bytes without fetching. When bytes is a view of the Walloc's memory starting at a
   * live block, that block is registered as is (no copy). Otherwise one block is allocated in
   * tier (default bottom) and the bytes copied once. Returns the asset record.
   */
  registerBytes(bytes, tier = 2, options = {}) {
    this.#live();
    const src = toBytes('registerBytes', bytes);
    const t = checkTier('registerBytes', tier);
    checkObject('registerBytes: options', options);
    const { path, type = 'binary' } = options;
    const n = byteCount(src);
    if (TA_BUFFER.call(src) === this.#host.memoryBuffer()) {
      const at = TA_OFFSET.call(src);
      if (this.#host.blockKey(at) === undefined) throw new RangeError(`registerBytes: bytes lie in this instance's memory but do not start at a live block (address ${at})`);
      return this.register(path ?? `memory:${at}`, { handle: at, size: n, type });
    }
    if (path !== undefined && (typeof path !== 'string' || path === '')) throw new TypeError('registerBytes: path must be a non-empty string');
    if (path !== undefined && this.#registry.has(path)) throw new RangeError(`registerBytes: "${path}" is already registered`);
    if (!this.#budgets.roomFor(t, n, 'registerBytes')) {
      throw new WallocError(`registerBytes: the budget of tier ${TIER_NAMES[t]} is full of blocks of loads in flight`, Status.OUT_OF_MEMORY);
    }
    const h = this.#budgets.allocate(t, () => this.#w.allocate(n, t));
    if (h === NULL_HANDLE) throw new WallocError(`registerBytes: no room for ${n} bytes in tier ${TIER_NAMES[t]}`, Status.OUT_OF_MEMORY);
    this.#host.heap().set(src, h);
    return this.register(path ?? `memory:${h}`, { handle: h, size: n, type });
  }

  /**
   * Fetches baseUrl + path and streams the body into a block of the type's tier (or
   * options.tier). Resolves to the asset record. path must name a file under the base URL
   * (see lib/asset-load.mjs, assetUrl: no scheme, host, absolute path, dot segments,
   * backslashes...); anything else rejects with a RangeError before any request, and redirects
   * are not followed. To load from another origin on purpose, set the base URL to it.
   * Concurrent loads of the same path share one request; an already registered path resolves at
   * once. options: {tier, signal, onProgress}. onProgress({path, loaded, total}) is called per
   * chunk (total is NaN without Content-Length). Failures reject with an AssetLoadError naming
   * the path and cause; nothing is registered or leaked.
   *
   * The block being filled belongs to the load until it is registered: no call reaches it
   * through its handle. resetTier, fastCompactTier and destroy that release it fail the load
   * ("its block was released by resetTier while loading"), which then never touches memory
   * again. A load without Content-Length collects the body and takes its block at the end, so
   * a reset while it streams does not fail it. When every caller of a load has aborted, its
   * block is freed before the last caller's promise rejects.
   */
  load(path, type = 'binary', options = {}) {
    try {
      this.#live();
      if (typeof path !== 'string' || path === '') throw new TypeError(`load: path must be a non-empty string, got ${describe(path)}`);
      if (typeof type !== 'string') throw new TypeError(`load: type must be a string, got ${describe(type)}`);
      checkObject('load: options', options);
      const { signal, onProgress } = options;
      checkSignal('load', signal);
      if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('load: onProgress must be a function');
      const tier = options.tier === undefined ? this.tierForType(type) : checkTier('load', options.tier);
      const done = this.#registry.get(path); // also a path registered without loading ('memory:...')
      if (done) return Promise.resolve(done);
      if (this.#baseUrl === undefined) throw new TypeError('load: no base URL (call setBaseUrl first)');
      const url = assetUrl('load', path, this.#baseUrl);
      let load = this.#inflight.get(path);
      if (!load) load = this.#start(path, url, type, tier);
      return this.#wait(load, signal, onProgress);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #start(path, url, type, tier) {
    const load = new Load(path);
    this.#inflight.set(path, load);
    this.#loading++;
    load.promise = this.#load(load, url, type, tier).finally(() => {
      this.#loading--;
      if (this.#inflight.get(path) === load) this.#inflight.delete(path);
    });
    load.promise.catch(() => {});
    return load;
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

  // Every caller of the load aborted: a new load of the path starts a new request.
  #abandon(load, reason) {
    if (this.#inflight.get(load.path) === load) this.#inflight.delete(load.path);
    const r = load.reservation;
    if (r && r.released === undefined) this.#freeReservation(r, 'aborted');
    load.stop('aborted', reason);
  }

  // A block of size bytes in tier for the load, owned by it (not in the block table) until
  // #commit; first, room under the tier's budget.
  async #reserve(load, size, tier) {
    await this.#budgets.waitForRoom(load, tier, size);
    load.check();
    // A load's site is its asset: the stack would name this module's loader.
    const site = this.#host.sample((s) => s.assetSite(load.path));
    const h = this.#budgets.allocate(tier, () => this.#host.allocRaw(size, tier, site));
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
    this.#budgets.wake();
  }

  #freeReservation(r, why) {
    this.#dropReservation(r, why);
    this.#host.freeRaw(r.handle, r.size);
  }

  #commit(load, r, type) {
    if (this.#registry.has(load.path)) throw new Error('the path was registered by another call while loading');
    this.#reserved.delete(r);
    r.released = 'registered';
    this.#host.addBlock(r.handle, r.size, r.tier);
    const rec = this.register(load.path, { handle: r.handle, size: r.size, type });
    this.#budgets.wake(); // an asset now: evictable
    return rec;
  }

  // One load: the request, the body into a block, the registration; on failure, clean-up.
  async #load(load, url, type, tier) {
    try {
      const total = await openResponse(load, url);
      const r = Number.isFinite(total) ? await this.#stream(load, total, tier) : await this.#collect(load, tier);
      load.check(); // a progress callback may have released the block
      return this.#commit(load, r, type);
    } catch (e) {
      throw this.#failed(load, e);
    }
  }

  // A body of known length: its block first, then each chunk straight into it.
  async #stream(load, total, tier) {
    if (total > 0xFFFFFFFF) throw new AssetLoadError(load.path, `too large (${total} bytes)`, { cause: new RangeError('size') });
    const r = await this.#reserve(load, total, tier);
    let loaded = 0;
    for (;;) {
      const { done, value } = await load.next();
      load.check();
      if (done) break;
      if (loaded + value.length > total) throw new Error(`body longer than Content-Length ${total}`);
      this.#host.heap().set(value, r.handle + loaded);
      loaded += value.length;
      load.report(loaded, total);
    }
    if (loaded !== total) throw new Error(`truncated body: ${loaded} of ${total} bytes`);
    return r;
  }

  // No usable length: collect the chunks, then one block and one copy.
  async #collect(load, tier) {
    const { chunks, loaded } = await collectBody(load);
    const r = await this.#reserve(load, loaded, tier);
    load.check(); // a call queued meanwhile (by onGrowth, say) may have released the block
    const heap = this.#host.heap();
    let at = r.handle;
    for (const c of chunks) { heap.set(c, at); at += c.length; }
    return r;
  }

  // A failed load gives its block back; the error the caller sees names the path.
  #failed(load, e) {
    const { stopped, path } = load; // why the load was stopped from outside, if it was
    load.reader?.cancel().catch(() => {});
    const r = load.reservation;
    if (r && r.released === undefined) this.#freeReservation(r, 'failed');
    if (stopped) return new AssetLoadError(path, stopped.message, { cause: stopped.cause });
    if (e instanceof AssetLoadError) return e;
    return new AssetLoadError(path, e?.message || String(e), { cause: e });
  }

  /**
   * Loads several assets with at most `concurrency` requests at once. batch: paths or
   * {path, type, tier}. options: {concurrency, signal, onProgress}; onProgress({path, done,
   * total, bytes}) after each asset. Resolves to the records in batch order. On the first
   * failure the remaining loads are cancelled and the promise rejects with that failure (assets
   * that completed stay registered). With {settle: true} it never rejects for a load failure
   * and resolves to [{path, status: 'fulfilled' | 'rejected', value | reason}].
   */
  async loadAll(batch, options = {}) {
    this.#live();
    const items = batchItems(batch, (path) => !this.#registry.has(path), this.#baseUrl);
    if (options === null || typeof options !== 'object') throw new TypeError('loadAll: options must be an object');
    const concurrency = checkConcurrency('loadAll: concurrency', options.concurrency ?? this.#concurrency);
    const { onProgress, settle = false } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('loadAll: onProgress must be a function');
    if (typeof settle !== 'boolean') throw new TypeError(`loadAll: settle must be true or false, got ${describe(settle)}`);
    const outer = checkSignal('loadAll', options.signal);
    const ctrl = new AbortController();
    const onOuter = () => ctrl.abort(outer.reason);
    if (outer?.aborted) onOuter(); else outer?.addEventListener('abort', onOuter, { once: true });
    const results = new Array(items.length);
    let done = 0, bytes = 0, failure;
    const loadOne = (it) => this.load(it.path, it.type, { tier: it.tier, signal: ctrl.signal });
    const onDone = (it, failed, value) => {
      if (failed && !settle) {
        if (failure === undefined) { failure = value; ctrl.abort(value); }
        return;
      }
      if (!failed) bytes += value.size;
      results[it.index] = !settle ? value
        : failed ? { path: it.path, status: 'rejected', reason: value } : { path: it.path, status: 'fulfilled', value };
      done++;
      if (onProgress) callListener(onProgress, { path: it.path, done, total: items.length, bytes });
    };
    try {
      await runPool(items, concurrency, loadOne, onDone, () => failure !== undefined);
    } finally {
      outer?.removeEventListener('abort', onOuter);
    }
    if (failure !== undefined) throw failure;
    return results;
  }
}

export { AssetLoadError };
export default AssetRegistry;
