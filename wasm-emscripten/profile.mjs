// profile.mjs - allocation profiling for walloc.mjs: which code holds the memory of a tier, and
// what was never freed.
//
// The core keeps the counts (walloc_alloc_site, walloc_profile_snapshot in walloc.h): per site and
// tier, the sampled allocations, and the sampled blocks still live with their bytes. Frees, resets
// and compactions take samples off their sites in the core. What only JavaScript can do lives
// here: choosing which allocations are samples, and naming a sample's site.
//
// - Sampling: a countdown. After each sample the gap to the next one is drawn uniformly from
//   [1, 2 * rate - 1] (mean: rate; rate 1 samples every allocation), and so is the first gap, so
//   a loop that allocates with a period does not alias with the sampler. Unsampled allocations
//   take the core's ordinary path: with profiling on they pay one decrement and one compare.
// - Sites: a sampled allocation's site is its JavaScript stack (new Error().stack), without the
//   frames of walloc.mjs and this file, cut to `depth` frames; the same frames give the same site
//   id (1, 2, ...). Frames are the engine's text: V8 names an anonymous function after the
//   receiver it was called on, so one line called as f() and as obj.f() is two sites. The asset
//   loader names the asset instead: frames [`asset:<path>`].
// - The table of sites holds at most maxSites sites, like the core's; the samples of further
//   sites go to one id past the table, which the core counts at WALLOC_SITE_OTHER (its table is
//   full by then), so this side's memory stays bounded too.
//
// The Java face follows the same rules; the options and the snapshot's shape are documented in
// walloc.d.ts (CreateOptions.profile, ProfileSnapshot).

/** The id of the entry that counts the samples of sites beyond the table (WALLOC_SITE_OTHER:
 *  all ones in C, -1L in Java). */
export const SITE_OTHER = -1;
/** The frames shown for SITE_OTHER. */
export const OTHER_FRAMES = Object.freeze(['(other sites: table full)']);

const DEFAULT_SITES = 1024;
const MAX_SITES = 1 << 20;
const DEFAULT_DEPTH = 8;
const MAX_INT = 2 ** 31 - 1;
// Frames of the face's modules (walloc.mjs, assets.mjs, lib/) and this file above the caller's,
// at most: the deepest path is AssetRegistry.registerBytes -> Budgets.allocate -> its closure ->
// allocate -> #sampleSite -> the site function -> stackSite (7; tests/wasm/profile.test.mjs
// checks it). Error.stackTraceLimit is
// raised by this much over the depth for the capture, so the caller keeps `depth` frames after
// they are dropped; a margin costs little, a frame short loses one of the caller's.
const INTERNAL_FRAMES = 10;

function describe(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  return Object.prototype.toString.call(v);
}

function integerOption(name, v, min, max) {
  if (typeof v !== 'number') throw new TypeError(`Walloc.create: ${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`Walloc.create: ${name} must be an integer in [${min}, ${max}], got ${describe(v)}`);
  }
  return v;
}

/**
 * The profiling options of Walloc.create, checked: undefined when profiling is off (profile
 * absent or 0), else {rate, sites, depth, onLeak}. profileSites, profileDepth and onLeak are
 * checked also when profiling is off, so a mistake there never waits for the day it is turned on.
 */
export function profileOptions(options) {
  const { profile = 0, profileSites = DEFAULT_SITES, profileDepth = DEFAULT_DEPTH, onLeak } = options;
  const rate = integerOption('profile', profile, 0, MAX_INT);
  const sites = integerOption('profileSites', profileSites, 1, MAX_SITES);
  const depth = integerOption('profileDepth', profileDepth, 1, MAX_INT);
  if (onLeak !== undefined && typeof onLeak !== 'function') throw new TypeError(`Walloc.create: onLeak must be a function, got ${describe(onLeak)}`);
  return rate === 0 ? undefined : { rate, sites, depth, onLeak };
}

/** A frame of a stack trace as shown: V8's "    at f (url:1:2)" as "f (url:1:2)";
 *  SpiderMonkey's and JavaScriptCore's "f@url:1:2" as they are. */
function frameText(line) {
  const t = line.trim();
  return t.startsWith('at ') ? t.slice(3) : t;
}

/**
 * The sampler of one instance: the countdown, and the table of sites (id -> frames). walloc.mjs
 * decrements `countdown[0]` itself on every allocation (the hot path stays in one method); when
 * it reaches 0 the allocation is a sample: rearm() draws the next gap and stackSite() or
 * assetSite(path) gives the site id to pass to wjs_alloc_site.
 *
 * The countdown lives in a Uint32Array: a gap reaches 2^32 - 3, and in an object's field a number
 * beyond V8's small integers (or any result of Math.floor) is a heap number, which every
 * decrement would allocate anew (measured: it doubled the allocate+free pair, samples or not).
 */
export class Sampler {
  /** @param internalUrls URLs of the modules whose frames a site leaves out (the face's own:
   *  walloc.mjs, assets.mjs and the lib/ modules they call through). */
  constructor({ rate, sites, depth }, internalUrls) {
    this.rate = rate;
    this.maxSites = sites;
    this.depth = depth;
    this.#internal = [...internalUrls, import.meta.url].map((u) => `${u}:`);
    this.countdown[0] = this.#gap();
  }

  countdown = new Uint32Array(1);
  #internal;
  #frames = [undefined];     // id -> frames (id 0 unused)
  #byKey = new Map();        // frames joined by '\n' -> id
  #byStack = new Map();      // a raw stack -> id: most samples come from a few stacks

  #gap() { return this.rate === 1 ? 1 : 1 + Math.floor(Math.random() * (2 * this.rate - 1)); }

  /** Draws the gap to the next sample (after countdown reached 0). */
  rearm() { this.countdown[0] = this.#gap(); }

  /** The site of the calling code: the id of its stack. */
  stackSite() {
    const limit = Error.stackTraceLimit;
    const settable = typeof limit === 'number';
    if (settable) Error.stackTraceLimit = this.depth + INTERNAL_FRAMES;
    const stack = String(new Error().stack ?? '');
    if (settable) Error.stackTraceLimit = limit;
    let id = this.#byStack.get(stack);
    if (id === undefined) {
      id = this.#intern(this.#framesOf(stack));
      // Remember raw stacks of sites in the table only, and not without bound: stacks that differ
      // beyond `depth` frames are one site but many strings.
      if (id <= this.maxSites && this.#byStack.size < 4 * this.maxSites) this.#byStack.set(stack, id);
    }
    return id;
  }

  /** The site of an asset load: the asset's path. */
  assetSite(path) { return this.#intern([`asset:${path}`]); }

  /** The frames of site id, as a frozen array: OTHER_FRAMES for SITE_OTHER and for an id this
   *  table never gave out (only the id past a full table reaches the core unnamed). */
  framesOf(id) { return (id > 0 && this.#frames[id]) || OTHER_FRAMES; }

  #framesOf(stack) {
    const lines = stack.split('\n');
    const frames = [];
    // V8 starts with the message line ("Error"); other engines list frames only.
    for (let i = lines[0].startsWith('Error') ? 1 : 0; i < lines.length && frames.length < this.depth; i++) {
      const line = lines[i];
      if (line.trim() === '' || this.#internal.some((u) => line.includes(u))) continue;
      frames.push(frameText(line));
    }
    if (frames.length === 0) frames.push('(no frames outside walloc.mjs)');
    return frames;
  }

  #intern(frames) {
    const key = frames.join('\n');
    let id = this.#byKey.get(key);
    if (id !== undefined) return id;
    if (this.#frames.length > this.maxSites) return this.maxSites + 1; // the core counts it at OTHER
    id = this.#frames.length;
    this.#frames.push(Object.freeze(frames));
    this.#byKey.set(key, id);
    return id;
  }
}

const TIERS = ['top', 'middle', 'bottom'];

/**
 * The snapshot object w.profile() returns, read from the core's records in linear memory
 * (buffer): n walloc_profile_site records at sitesAt (site, allocs[3], live_blocks[3],
 * live_bytes[3]: uint64 as two uint32, low first) and the profile's info at infoAt (rate,
 * max_sites, sites, overflow, lost).
 */
export function readSnapshot(sampler, buffer, sitesAt, n, infoAt) {
  const u64 = (u, i) => u[i] + u[i + 1] * 4294967296;
  const u = new Uint32Array(buffer, sitesAt, n * 20);
  const sites = [];
  for (let k = 0; k < n; k++) {
    const o = k * 20;
    const tiers = (at) => [u64(u, o + at), u64(u, o + at + 2), u64(u, o + at + 4)];
    const other = u[o] === 0xFFFFFFFF && u[o + 1] === 0xFFFFFFFF;
    sites.push({ site: other ? SITE_OTHER : u64(u, o), allocs: tiers(2), liveBlocks: tiers(8), liveBytes: tiers(14) });
  }
  const i = new Uint32Array(buffer, infoAt, 8);
  return makeSnapshot(sampler, sites, { maxSites: i[1], overflowSamples: u64(i, 4), lostSamples: u64(i, 6) });
}

// The snapshot from the core's figures: sites = [{site, allocs, liveBlocks, liveBytes}] (site:
// the core's id, SITE_OTHER for WALLOC_SITE_OTHER; per-tier arrays [top, middle, bottom]) and
// info = {maxSites, overflowSamples, lostSamples}.
function makeSnapshot(sampler, sites, info) {
  const list = sites.map((s) => Object.freeze({
    id: s.site,
    frames: sampler.framesOf(s.site),
    allocs: Object.freeze(s.allocs),
    liveBlocks: Object.freeze(s.liveBlocks),
    liveBytes: Object.freeze(s.liveBytes),
  }));
  list.sort((a, b) => (a.id === SITE_OTHER) - (b.id === SITE_OTHER) || a.id - b.id);
  return Object.freeze({
    rate: sampler.rate,
    maxSites: info.maxSites,
    overflowSamples: info.overflowSamples,
    lostSamples: info.lostSamples,
    sites: Object.freeze(list),
    /** The n sites (default 5) with the most live bytes in tier (0..2), most first; sites
     *  without live bytes there are left out. */
    top(tier, n = 5) {
      const t = typeof tier === 'string' ? TIERS.indexOf(tier.toLowerCase()) : tier;
      if (t !== 0 && t !== 1 && t !== 2) throw new RangeError(`profile().top: tier must be 0, 1, 2 or a tier name, got ${describe(tier)}`);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RangeError(`profile().top: n must be a non-negative integer, got ${describe(n)}`);
      return list.filter((s) => s.liveBytes[t] > 0)
        .sort((a, b) => b.liveBytes[t] - a.liveBytes[t] || a.id - b.id)
        .slice(0, n);
    },
  });
}

/**
 * The leak report of a snapshot taken at destroy(): the sites that still have live sampled
 * blocks, or undefined when none has. text is the readable form console.warn shows by default.
 */
export function leakReport(snapshot) {
  const sites = snapshot.sites.filter((s) => s.liveBlocks.some((b) => b > 0));
  if (sites.length === 0) return undefined;
  const sum = (key) => sites.reduce((a, s) => a + s[key][0] + s[key][1] + s[key][2], 0);
  const liveBlocks = sum('liveBlocks'), liveBytes = sum('liveBytes');
  const scaled = snapshot.rate > 1 ? ` (sampled one in ${snapshot.rate}: about ${liveBytes * snapshot.rate} bytes in all)` : '';
  const lines = [`Walloc: destroyed with ${liveBlocks} sampled block(s) still live, ${liveBytes} bytes${scaled}, from ${sites.length} site(s):`];
  for (const s of sites) {
    const per = [0, 1, 2].filter((t) => s.liveBlocks[t] > 0)
      .map((t) => `${TIERS[t]}: ${s.liveBlocks[t]} block(s), ${s.liveBytes[t]} bytes`).join('; ');
    lines.push(`  site ${s.id === SITE_OTHER ? 'other' : s.id} (${per})`);
    for (const f of s.frames) lines.push(`      at ${f}`);
  }
  return Object.freeze({ rate: snapshot.rate, liveBlocks, liveBytes, sites: Object.freeze(sites), text: lines.join('\n') });
}
