// Type declarations of walloc.mjs, the WebAssembly face of Walloc (the allocator). The assets
// module ('walloc/assets': AssetRegistry, loading, budgets) is declared in assets.d.ts.
//
// They type-check with and without the DOM library (Node projects compile with
// `--lib es2022 --types node`, some with no ambient types at all): the platform's types
// (WebAssembly.Module, WebAssembly.Memory, URL, AbortSignal) are taken from globalThis where
// the libraries declare them, and are structural stand-ins where they do not.

/** The type of globalThis[K]'s instances where a library declares it, else F. */
type GlobalInstance<K extends string, F> = typeof globalThis extends { [P in K]: { prototype: infer I } } ? I : F;
/** WebAssembly.Module, WebAssembly.Memory and an instance's exports where declared. */
type WasmNamespace = typeof globalThis extends { WebAssembly: infer W } ? W : unknown;
export type WasmModule = WasmNamespace extends { Module: { prototype: infer M } } ? M : object;
export type WasmMemory = WasmNamespace extends { Memory: { prototype: infer M } } ? M : { readonly buffer: ArrayBuffer; grow(delta: number): number };
export type WasmExports = WasmNamespace extends { Instance: { prototype: { readonly exports: infer E } } } ? E : Readonly<Record<string, unknown>>;
export type UrlLike = GlobalInstance<'URL', { readonly href: string }>;
export type AbortSignalLike = GlobalInstance<'AbortSignal', {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}>;

/** A block's handle: its unsigned 32-bit address in linear memory. */
export type Handle = number;

/** 0 / 'top' (128-byte aligned), 1 / 'middle' (64), 2 / 'bottom' (8); names are case-insensitive. */
export type Tier = 0 | 1 | 2 | 'top' | 'middle' | 'bottom' | 'TOP' | 'MIDDLE' | 'BOTTOM';

export type TypedArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

export interface CreateOptions {
  /** Bytes for all tiers together: at least 64 KiB (3 wasm pages in practice), below 4 GiB. Default 256 MiB. */
  capacity?: number;
  /** Share of capacity per tier [top, middle, bottom], each in (0, 1], sum at most 1. Default [0.5, 0.3, 0.2]. */
  ratios?: [number, number, number];
  /** Bytes linear memory may grow to (64 KiB .. 4 GiB, default 4 GiB). */
  maximumMemory?: number;
  /** The core's checked mode (detects double frees and size mismatches itself). Loads the
   *  diagnostics module (walloc-diag.wasm), as profile does. */
  checked?: boolean;
  /** 'auto' (default): SIMD128 build when the engine supports it. */
  simd?: 'auto' | boolean;
  /** Where the .wasm is (default: dist/ beside walloc.mjs, the file Walloc.moduleFile names). */
  wasmUrl?: string | UrlLike;
  /** The module's bytes (no fetch / file read). */
  wasmBytes?: ArrayBufferView | ArrayBuffer;
  /** A module compiled before (Walloc.compile). */
  module?: WasmModule;
  /** Asset options are AssetRegistry's ('walloc/assets'): create refuses them (TypeError). */
  baseUrl?: never;
  concurrency?: never;
  typeTiers?: never;
  /**
   * Keep an allocation profile (Walloc.profile, and a leak report at destroy): one allocation in
   * `profile` is sampled on average (1: every one), an integer in [0, 2^31 - 1]; absent or 0: no
   * profile, and allocation costs what it costs without one. The gap from one sample to the next
   * is drawn uniformly from [1, 2 * profile - 1]. A sample's site is its caller's stack
   * (`new Error().stack` without the face's own frames: walloc.mjs, assets.mjs, lib/; cut to
   * profileDepth frames; the same frames are the same site), or for a block an AssetRegistry's
   * load / loadAll fills the asset's path (frames [`asset:<path>`], the path as the load was
   * given it). Every allocating call counts: allocate, allocateBatch (per entry), and an
   * AssetRegistry's registerBytes, load and loadAll.
   */
  profile?: number;
  /** Sites the profile tracks, 1 .. 2^20 (default 1024). Samples from further sites are counted
   *  at the entry Walloc.SITE_OTHER (ProfileSnapshot.overflowSamples). */
  profileSites?: number;
  /** Stack frames kept per site, at least 1 (default 8). */
  profileDepth?: number;
  /** Called at destroy() with the sites whose sampled blocks are still live (not when none is);
   *  default: console.warn of the report's text. */
  onLeak?: (report: LeakReport) => void;
  /** true: a shared instance for Workers (SharedCreateOptions); absent or false: this one. */
  shared?: false;
}

/**
 * Walloc.create({ shared: true }): one instance for several Workers (walloc-mt.wasm over a
 * shared WebAssembly.Memory; see SharedWalloc). In a browser the page must be cross-origin
 * isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`); otherwise create rejects with an Error that says
 * so. Node needs nothing. maximumMemory defaults to 1 GiB here: a shared memory reserves its
 * maximum up front. Checked mode is always on (checked: true is accepted, false is not); profiles
 * are not available.
 */
export interface SharedCreateOptions extends Pick<CreateOptions, 'capacity' | 'ratios' | 'maximumMemory' | 'wasmUrl' | 'wasmBytes' | 'module'> {
  shared: true;
  checked?: true;
}

/** What a Worker needs to attach to a shared instance: plain data plus the compiled module and
 *  the shared memory, all structured-cloneable (postMessage it whole). */
export interface Shareable {
  readonly kind: 'walloc-shared';
  readonly version: 1;
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /** The shared instance's record in linear memory. */
  readonly record: number;
  readonly capacity: number;
  readonly ratios: readonly [number, number, number];
  readonly maximumMemory: number;
}

/**
 * A view of (part of) a live block of a shared instance. get, set, copyFrom, fill and toArray
 * hold the block for the access (no Worker can free it meanwhile) and throw a RangeError once
 * any Worker freed the block, or reset or compacted its tier past it, also when another block
 * has its handle now. `array` is checked when taken and unchecked afterwards: another Worker may
 * free the block at any moment.
 */
export interface SharedBlockView<T extends ArrayBufferView = Uint8Array> {
  readonly handle: Handle;
  readonly byteOffset: number;
  readonly length: number;
  readonly byteLength: number;
  readonly type: TypedArrayConstructor;
  readonly valid: boolean;
  readonly array: T;
  get(i: number): number | bigint;
  set(i: number, v: number | bigint): void;
  copyFrom(src: ArrayLike<number> | ArrayLike<bigint>, at?: number): this;
  fill(v: number | bigint, start?: number, end?: number): this;
  toArray(): T;
}

/**
 * A handle, in one Worker (or the main thread), to a shared instance: Walloc.create({ shared:
 * true }) makes the instance, shareable() describes it, Walloc.attach(shareable) in another Worker
 * gives that Worker its own handle to the same instance. Blocks are the instance's, not a
 * handle's: any Worker may read, write and free a block any Worker allocated.
 *
 * Guarantees: the live blocks are the core's checked table (in the shared memory), so a bad free
 * from any Worker (never allocated, double, wrong size) is a RangeError with the status, and
 * changes nothing; reads, writes and view accesses hold their block for the copy, so no Worker's
 * copy lands in a block another Worker was given meanwhile. resetTier and fastCompactTier run
 * only while no call of any Worker is inside that tier, and otherwise throw TierBusyError
 * (walloc/shared) and change nothing; calls that arrive during a reset wait for it.
 *
 * Limits: only blocks, views, statistics, reset and compaction: assets (an AssetRegistry takes
 * a single-threaded Walloc only), profiles, batches, copies between blocks and onGrowth belong
 * to the single-threaded Walloc. Every allocation takes the core's checked path. A Worker that ends
 * without detach() keeps its cache attached (its spans are reused only after a reset or
 * destroy); a handle's stack and TLS (two 64 KiB pages) are not reused after detach(). A Worker
 * terminated while inside a call can leave the instance locked: end Workers between calls.
 */
export interface SharedWalloc {
  readonly shared: true;
  readonly memory: WasmMemory;
  readonly capacity: number;
  readonly ratios: readonly [number, number, number];
  readonly checked: true;
  /** False once this handle is detached or the instance destroyed (by any Worker). */
  readonly alive: boolean;
  /** Live blocks of the whole instance (every Worker's). */
  readonly liveBlocks: number;
  readonly exports: WasmExports;
  readonly instanceAddress: number;
  shareable(): Shareable;
  allocate(size: number, tier?: Tier): Handle;
  /** Frees a block whichever Worker allocated it; size defaults to its allocated size. A handle
   *  freed and given out again names the new block (as in any allocator). */
  free(handle: Handle, size?: number): void;
  blockInfo(handle: Handle): BlockInfo | undefined;
  resetTier(tier: Tier): void;
  fastCompactTier(tier: Tier, keepBytes?: number): void;
  tierStats(tier: Tier): TierStats;
  write(handle: Handle, data: ArrayBufferView | ArrayBuffer, offset?: number): void;
  read(handle: Handle, length?: number, offset?: number): Uint8Array;
  view(handle: Handle, length?: number): SharedBlockView<Uint8Array>;
  view<C extends TypedArrayConstructor>(handle: Handle, length: number | undefined, type: C, byteOffset?: number): SharedBlockView<InstanceType<C>>;
  /** This Worker is done: its cache is retired (the core's thread-exit path: Workers run no
   *  thread destructors) and this handle throws DestroyedError afterwards. Idempotent. */
  detach(): void;
  /** detach(). */
  close(): void;
  /** Destroys the instance for every Worker, once no call is inside it. */
  destroy(): void;
}

/** One figure per tier: [top, middle, bottom]. */
export type PerTier = readonly [top: number, middle: number, bottom: number];

/** One site of an allocation profile. Figures count SAMPLED blocks only, as the core counts them:
 *  multiply by ProfileSnapshot.rate for an estimate of all blocks. */
export interface ProfileSite {
  /** 1, 2, ... in the order sites were first sampled; Walloc.SITE_OTHER (-1) for the entry
   *  that counts samples from sites beyond the table. */
  readonly id: number;
  /** Innermost first, e.g. "loadLevel (https://example.com/app.mjs:12:7)", or
   *  ["asset:<path>"] for a loaded asset, or ["(other sites: table full)"] for SITE_OTHER. */
  readonly frames: readonly string[];
  /** Sampled allocations since creation (resets and compactions keep them). */
  readonly allocs: PerTier;
  /** Sampled blocks still live: neither freed nor released by resetTier or fastCompactTier. */
  readonly liveBlocks: PerTier;
  /** Their bytes, at each block's footprint as TierStats.liveBytes counts it: at rate 1 the
   *  sites of a tier add up to its liveBytes and liveBlocks. */
  readonly liveBytes: PerTier;
}

/** What Walloc.profile() returns: plain data, taken at the call. */
export interface ProfileSnapshot {
  /** The profile option: one allocation in rate is sampled. */
  readonly rate: number;
  /** profileSites as the core applies it. */
  readonly maxSites: number;
  /** Samples counted at SITE_OTHER because the table of sites was full. */
  readonly overflowSamples: number;
  /** Samples not recorded at all (no memory for their record; the blocks were still handed out). */
  readonly lostSamples: number;
  /** Every site sampled so far (ordered by id, SITE_OTHER last), also those without live blocks. */
  readonly sites: readonly ProfileSite[];
  /** The n sites (default 5) with the most live bytes in tier, most first; sites without live
   *  bytes in that tier are left out. */
  top(tier: Tier, n?: number): ProfileSite[];
}

/** What destroy() hands onLeak: the sites whose sampled blocks were still live (sampled
 *  figures, as in ProfileSnapshot) and their totals, and the same as readable text. */
export interface LeakReport {
  readonly rate: number;
  readonly liveBlocks: number;
  readonly liveBytes: number;
  readonly sites: readonly ProfileSite[];
  readonly text: string;
}

export interface TierStats {
  tier: 0 | 1 | 2;
  name: 'top' | 'middle' | 'bottom';
  capacity: number;
  /** Bytes of grown segments backing the tier. */
  committed: number;
  /** Bytes handed out by the bump head (also `used`). */
  bumpHead: number;
  used: number;
  /** High-water mark of bumpHead (also `highWater`). */
  peak: number;
  highWater: number;
  /** Bytes of live blocks, each at its footprint (size class, or the 4 KiB pages of a large
   *  block): walloc.h's live_bytes. */
  liveBytes: number;
  liveBlocks: number;
  freeBytes: number;
  wastedBytes: number;
  totalAllocs: number;
  totalFrees: number;
  failedAllocs: number;
  resets: number;
  alignment: number;
  maxClassSize: number;
  /** liveBytes / capacity. */
  utilisation: number;
}

export interface MemoryStats {
  tiers: [TierStats, TierStats, TierStats];
  totals: {
    capacity: number; committed: number; used: number; peak: number; liveBytes: number;
    liveBlocks: number; freeBytes: number; wastedBytes: number; totalAllocs: number;
    totalFrees: number; failedAllocs: number;
  };
  /** Size of linear memory in bytes and 64 KiB pages. */
  memoryBytes: number;
  pages: number;
  maximumMemory: number;
  maximumPages: number;
  /** Memory growths seen since creation. */
  growths: number;
  /** liveBytes / committed. */
  utilisation: number;
  /** liveBytes / memoryBytes. */
  memoryUtilisation: number;
  /** Live blocks this wrapper knows (the blocks of AssetRegistry loads in flight are not among
   *  them). Assets and loads are counted by their registry (AssetRegistry.size, .loading). */
  wrapperLiveBlocks: number;
}

/** One growth of linear memory as the wrapper saw it: the size before and after in bytes, the
 *  pages now, and the growths seen since creation. Growth through the raw exports is reported
 *  at the wrapper's next call, several growths then as one event. */
export interface GrowthEvent { oldBytes: number; newBytes: number; pages: number; growths: number; }

export interface BlockInfo { handle: Handle; size: number; tier: 0 | 1 | 2; tierName: 'top' | 'middle' | 'bottom'; }

export interface CopyOp { dst: Handle; src: Handle; length: number; dstOffset?: number; srcOffset?: number; }

/**
 * A view that stays correct across memory growth: read `array` each time you use it. Made by
 * Walloc.view (and viewFloat32 ...) only. Once its block is freed, its tier reset or compacted
 * past it, or the instance destroyed, the view is invalid for good (also when another block
 * gets the same handle) and every access throws a RangeError.
 *
 * get, set, copyFrom and fill check their arguments instead of coercing them as typed arrays
 * do: an index is an integer Number in range (TypeError for another type, RangeError for a
 * fraction or a value out of range); a value is a Number, a BigInt in BigInt64/BigUint64
 * views (TypeError otherwise: no strings, null, booleans or objects). A Number is stored as the
 * typed array stores it (wrapped to an integer type's range, rounded to float32, ...). For hot
 * loops, index `array` directly.
 */
export class BlockView<T extends ArrayBufferView = Uint8Array> {
  private constructor();
  readonly handle: Handle;
  readonly byteOffset: number;
  readonly length: number;
  readonly byteLength: number;
  readonly type: TypedArrayConstructor;
  /** False once the block is freed, its tier reset or compacted past it, or the instance destroyed. */
  readonly valid: boolean;
  /** A typed array over the current buffer (throws RangeError when the view is no longer
   *  valid). It is the engine's own array, unchecked once taken: take it again after any call
   *  that may grow memory, free, reset or compact; a kept one goes empty on growth, and after a
   *  free it would reach whatever block gets that address next. */
  readonly array: T;
  /** Element i, 0 <= i < length. */
  get(i: number): number | bigint;
  /** Sets element i, 0 <= i < length. */
  set(i: number, v: number | bigint): void;
  /** Copies an Array or a typed array of the view's kind (numbers or BigInts) from index at
   *  (default 0); RangeError when it does not fit. An Array's elements are all read and checked
   *  before anything is written. */
  copyFrom(src: ArrayLike<number> | ArrayLike<bigint>, at?: number): this;
  /** Sets elements [start, end) (default: all); 0 <= start <= end <= length. */
  fill(v: number | bigint, start?: number, end?: number): this;
  toArray(): T;
}

/** A core call that failed without a caller mistake (e.g. out of memory where that is an error). */
export class WallocError extends Error {
  readonly status: number;
}

/**
 * Thrown by every method of a Walloc after its destroy(), and by its memory, exports and
 * instanceAddress properties; also by every method of its AssetRegistry (load and loadAll
 * reject with it). destroy() itself does nothing the second time; alive, liveBlocks (0),
 * capacity, ratios and checked still answer (and a registry's baseUrl, size and loading). Loads
 * in flight at destroy() reject with an AssetLoadError whose cause is a DestroyedError.
 */
export class DestroyedError extends Error {
  readonly name: 'DestroyedError';
}

export declare const Status: Readonly<{
  OK: 0; INVALID_ARGUMENT: 1; INVALID_TIER: 2; INVALID_HANDLE: 3; OUT_OF_BOUNDS: 4;
  OUT_OF_MEMORY: 5; DOUBLE_FREE: 6; SIZE_MISMATCH: 7; NOT_A_BLOCK: 8; INVALID_CONFIG: 9;
  INVALID_SIZE: 10;
}>;

export declare function simdSupported(): boolean;

export class Walloc {
  /** The null handle, 0xFFFFFFFF. */
  static readonly NULL: 4294967295;
  static readonly TIER_TOP: 0;
  static readonly TIER_MIDDLE: 1;
  static readonly TIER_BOTTOM: 2;
  static readonly TIERS: readonly ['top', 'middle', 'bottom'];
  static readonly Status: typeof Status;
  static readonly PAGE_SIZE: 65536;
  /** ProfileSite.id of the entry that counts the samples of sites beyond the table. */
  static readonly SITE_OTHER: -1;
  static readonly simdSupported: boolean;
  /** The file in dist/ these options load: walloc.wasm, or the diagnostics module
   *  walloc-diag.wasm when they ask for checked or profile; '-nosimd' builds without SIMD128. */
  static moduleFile(options?: Pick<CreateOptions, 'simd' | 'checked' | 'profile'> & { shared?: boolean }): string;
  static compile(options?: Pick<CreateOptions, 'simd' | 'wasmUrl' | 'wasmBytes' | 'module' | 'checked' | 'profile'> & { shared?: boolean }): Promise<WasmModule>;
  static create(options: SharedCreateOptions): Promise<SharedWalloc>;
  static create(options?: CreateOptions): Promise<Walloc>;
  /** In a Worker: a handle to the shared instance another thread made (its shareable()). */
  static attach(shared: Shareable): Promise<SharedWalloc>;

  private constructor();

  readonly memory: WasmMemory;
  readonly capacity: number;
  readonly ratios: readonly [number, number, number];
  readonly checked: boolean;
  readonly alive: boolean;
  readonly liveBlocks: number;
  /** Raw wasm exports (no checks): for benchmarks and diagnostics. */
  readonly exports: WasmExports;
  readonly instanceAddress: number;
  /** CreateOptions.profile: one in how many allocations is sampled; 0 without a profile. */
  readonly profileRate: number;

  /** A handle, or Walloc.NULL when the tier has no room. Default tier: bottom. */
  allocate(size: number, tier?: Tier): Handle;
  /** size, when given, must equal the allocated size. The block of a registered asset is
   *  refused (RangeError): its AssetRegistry's evict() frees it, so a registry never names a
   *  freed block. */
  free(handle: Handle, size?: number): void;
  /** The record of the live block at handle; undefined for anything else (Walloc.NULL, a
   *  freed block, an address inside a block, a non-integer, a value past 32 bits, a string,
   *  a BigInt...); it throws only after destroy() (DestroyedError). */
  blockInfo(handle: Handle): BlockInfo | undefined;
  /** All or nothing: every entry Walloc.NULL when one does not fit (its tier is full, or it is
   *  larger than its tier: where allocate returns Walloc.NULL). Entries are checked first, as
   *  allocate checks its arguments (TypeError / RangeError naming the entry). Works wherever
   *  the same allocate calls work: it needs no memory beyond the blocks. */
  allocateBatch(requests: Array<number | { size: number; tier?: Tier }>): Handle[];
  resetTier(tier: Tier): void;
  /**
   * Moves the tier's head back to keepBytes (rounded up to the tier's alignment). A block stays
   * valid when its footprint (its size class, or the 4 KiB granules of a large block) ends at
   * or below that point; the others, their views and assets, and the blocks of loads in flight
   * are released (such a load rejects). A block whose request ends below keepBytes but whose
   * class does not is released.
   */
  fastCompactTier(tier: Tier, keepBytes?: number): void;
  tierStats(tier: Tier): TierStats;
  memoryStats(): MemoryStats;
  /** The allocation profile now (see ProfileSnapshot). WallocError with status
   *  Status.INVALID_CONFIG when the instance was created without `profile`. */
  profile(): ProfileSnapshot;
  onGrowth(listener: (e: GrowthEvent) => void): () => void;

  /** Copies data's bytes into the block at offset. The length is the engine's own (a
   *  typed array's own or overridden `length` is not believed). */
  write(handle: Handle, data: ArrayBufferView | ArrayBuffer, offset?: number): void;
  read(handle: Handle, length?: number, offset?: number): Uint8Array;
  copy(dst: Handle, src: Handle, length: number, dstOffset?: number, srcOffset?: number): void;
  /** The copies in order (memmove each); every entry is checked before any byte moves. Works
   *  wherever the same copy calls work: it needs no memory beyond the blocks. */
  bulkCopy(ops: Array<CopyOp | [Handle, Handle, number]>): void;

  view(handle: Handle, length?: number): BlockView<Uint8Array>;
  view<C extends TypedArrayConstructor>(handle: Handle, length: number | undefined, type: C, byteOffset?: number): BlockView<InstanceType<C>>;
  viewInt8(handle: Handle, length?: number, byteOffset?: number): BlockView<Int8Array>;
  viewUint8(handle: Handle, length?: number, byteOffset?: number): BlockView<Uint8Array>;
  viewInt16(handle: Handle, length?: number, byteOffset?: number): BlockView<Int16Array>;
  viewUint16(handle: Handle, length?: number, byteOffset?: number): BlockView<Uint16Array>;
  viewInt32(handle: Handle, length?: number, byteOffset?: number): BlockView<Int32Array>;
  viewUint32(handle: Handle, length?: number, byteOffset?: number): BlockView<Uint32Array>;
  viewFloat32(handle: Handle, length?: number, byteOffset?: number): BlockView<Float32Array>;
  viewFloat64(handle: Handle, length?: number, byteOffset?: number): BlockView<Float64Array>;
  viewBigInt64(handle: Handle, length?: number, byteOffset?: number): BlockView<BigInt64Array>;
  viewBigUint64(handle: Handle, length?: number, byteOffset?: number): BlockView<BigUint64Array>;

  /** Frees the instance: every handle, view and asset becomes invalid, loads in flight reject.
   *  Afterwards every method throws DestroyedError (see there). With a profile, the sites of
   *  sampled blocks still live are reported first (CreateOptions.onLeak). */
  destroy(): void;
}

/** The name DESIGN.md uses for the wrapper class. */
export { Walloc as WallocWrapper };
export default Walloc;
