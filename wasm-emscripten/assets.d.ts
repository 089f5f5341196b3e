// Type declarations of assets.mjs ('walloc/assets'): the asset registry over a Walloc, loading
// over HTTP into its blocks, and per-tier budgets. The allocator is declared in walloc.d.ts.
import type { Walloc, Tier, Handle, BlockView, TypedArrayConstructor, UrlLike, AbortSignalLike } from './walloc.js';

export interface Asset {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly tier: 0 | 1 | 2;
  readonly tierName: 'top' | 'middle' | 'bottom';
  readonly handle: Handle;
}

export interface AssetRegistryOptions {
  /** Base URL of asset paths: an http(s) URL without query or fragment (browser default: the
   *  page's directory when the page is served over http(s)). See AssetRegistry.load. */
  baseUrl?: string | UrlLike;
  /** Parallel requests of loadAll (1..64, default 4). */
  concurrency?: number;
  /** Tier per asset type, over AssetRegistry.DEFAULT_TYPE_TIERS. */
  typeTiers?: Record<string, Tier>;
  /** Budget in bytes per tier, keyed by tier name (see AssetRegistry.setBudget), e.g. { top: 64 << 20 }. */
  budgets?: Partial<Record<'top' | 'middle' | 'bottom', number>>;
}

export interface LoadOptions {
  tier?: Tier;
  signal?: AbortSignalLike;
  /** Per chunk; total is NaN without Content-Length. */
  onProgress?: (p: { path: string; loaded: number; total: number }) => void;
}

export interface BatchItem { path: string; type?: string; tier?: Tier; }

export interface BatchOptions {
  concurrency?: number;
  signal?: AbortSignalLike;
  onProgress?: (p: { path: string; done: number; total: number; bytes: number }) => void;
  /** Resolve with one result per item instead of rejecting on the first failure. */
  settle?: boolean;
}

export type Settled =
  | { path: string; status: 'fulfilled'; value: Asset }
  | { path: string; status: 'rejected'; reason: AssetLoadError };

export class AssetLoadError extends Error {
  readonly path: string;
  /** HTTP status, when the server answered with an error. */
  readonly status?: number;
  readonly cause: unknown;
}

/**
 * Named assets in a Walloc's blocks: path -> {type, size, tier, handle}. Registration, get and
 * view are uses; list() is least recently used first. An asset's block is the registry's: the
 * Walloc's free() refuses it (evict() frees it), and the Walloc's resetTier / fastCompactTier
 * unregister the assets whose blocks they release. After the Walloc's destroy() every method
 * throws DestroyedError (load and loadAll reject with it).
 */
export class AssetRegistry {
  /** The tier of each known asset type (DESIGN.md's table). */
  static readonly DEFAULT_TYPE_TIERS: Readonly<Record<string, 0 | 1 | 2>>;
  /** The tier of a type the table does not name: 1 (middle). */
  static readonly UNKNOWN_TYPE_TIER: 1;
  /** TypeError for anything but a single-threaded Walloc; options are checked before the
   *  registry attaches to it. */
  constructor(walloc: Walloc, options?: AssetRegistryOptions);
  readonly walloc: Walloc;
  readonly baseUrl: string | undefined;
  readonly concurrency: number;
  /** Registered assets. */
  readonly size: number;
  /** Loads not settled yet (one per request, however many callers share it). */
  readonly loading: number;

  /** RangeError for a URL that is not http(s) or has a query or fragment; a missing trailing /
   *  is added. To load from another origin on purpose, set the base URL to it. */
  setBaseUrl(url: string | UrlLike): void;
  setConcurrency(n: number): void;
  tierForType(type: string): 0 | 1 | 2;
  /** Registers a live block of the Walloc as it is (no copy). */
  register(path: string, block: { handle: Handle; size?: number; type?: string }): Asset;
  get(path: string): Asset | undefined;
  has(path: string): boolean;
  list(): Asset[];
  evict(path: string): boolean;
  evictBatch(paths: string[]): number;
  view<C extends TypedArrayConstructor = Uint8ArrayConstructor>(path: string, type?: C): BlockView<InstanceType<C>>;
  /** Bounds the tier's live bytes (Walloc.tierStats().liveBytes) by evicting its least recently
   *  used assets before each asset's block; a load that only other loads' blocks stand in the way
   *  of waits for them (at most 10 s). */
  setBudget(tier: Tier, bytes: number): void;
  clearBudget(tier: Tier): void;
  /** The tier's budget in bytes, -1 without one. */
  budget(tier: Tier): number;
  /** Evicts least recently used assets until the tier is within its budget; how many. */
  enforceBudget(tier: Tier): number;
  /** Assets evicted to keep budgets, since creation. */
  budgetEvictions(): number;
  /** Registers bytes without fetching: a view of the Walloc's memory that starts at a live block
   *  registers that block (no copy); anything else is copied once into a new block of tier
   *  (default bottom). */
  registerBytes(bytes: ArrayBufferView | ArrayBuffer, tier?: Tier, options?: { path?: string; type?: string }): Asset;
  /**
   * Streams baseUrl + path into a block of the type's tier and registers it under path.
   * path names a file under the base URL: relative, without `.`/`..` segments (escaped ones
   * included), scheme, host, leading `/`, backslash, escaped `/` or `\`, control character or
   * leading space; its query and fragment are passed on. Anything else rejects with a
   * RangeError before any request. A redirect is not followed: the load rejects with an
   * AssetLoadError (status: the redirect's, 0 in browsers). To load from another origin, set
   * the base URL to it.
   */
  load(path: string, type?: string, options?: LoadOptions): Promise<Asset>;
  /** Every entry is checked (path, type, tier) before any request starts. */
  loadAll(batch: Array<string | BatchItem>, options?: BatchOptions & { settle?: false }): Promise<Asset[]>;
  loadAll(batch: Array<string | BatchItem>, options: BatchOptions & { settle: true }): Promise<Settled[]>;
}

export default AssetRegistry;
