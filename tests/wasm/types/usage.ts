// Compiled by tests/wasm/types.test.mjs with and without the DOM library and @types/node: the
// declarations must type-check everywhere and still catch misuse (@ts-expect-error lines fail
// the compile when the error they expect does not happen).
import { Walloc, BlockView, WallocError, DestroyedError, Status, WallocWrapper } from 'walloc';
import type { BlockInfo, GrowthEvent, MemoryStats, TierStats, Handle, ProfileSnapshot, ProfileSite, LeakReport } from 'walloc';
import { AssetRegistry, AssetLoadError } from 'walloc/assets';
import type { Asset, Settled } from 'walloc/assets';
import type { SharedWalloc, SharedBlockView, Shareable } from 'walloc';
import { TierBusyError } from 'walloc/shared';

export async function tour(): Promise<number> {
  const w: Walloc = await Walloc.create({ capacity: 64 << 20, ratios: [0.5, 0.3, 0.2], checked: true, wasmBytes: new Uint8Array(8) });
  const h: Handle = w.allocate(1024, 'top');
  if (h === Walloc.NULL) return 0;
  w.write(h, new Uint8Array([1, 2, 3]), 4);
  const v: BlockView<Float32Array> = w.viewFloat32(h);
  v.set(0, 1.5);
  const first: number | bigint = v.get(0);
  v.copyFrom([1, 2, 3], 1).fill(0, 4, 8);
  const big: BlockView<BigInt64Array> = w.viewBigInt64(h, 2);
  big.set(0, 5n);
  const info: BlockInfo | undefined = w.blockInfo(h);
  const stats: TierStats = w.tierStats('bottom');
  const live: number = stats.liveBytes + w.memoryStats().totals.liveBytes;
  const m: MemoryStats = w.memoryStats();
  const off: () => void = w.onGrowth((e: GrowthEvent) => e.oldBytes + e.newBytes);
  off();
  const hs: Handle[] = w.allocateBatch([16, { size: 32, tier: 1 }]);
  w.bulkCopy([[hs[0], hs[1], 8], { dst: hs[1], src: hs[0], length: 4, dstOffset: 4 }]);
  const reg = new AssetRegistry(w, { concurrency: 2, typeTiers: { mesh: 'middle' }, budgets: { bottom: 1 << 20 } });
  reg.setBaseUrl('https://cdn.example.com/assets/');
  reg.setBudget('top', 64 << 20);
  const evicted: number = reg.enforceBudget(0) + reg.budgetEvictions() + reg.budget('top') + reg.size + reg.loading;
  reg.clearBudget('top');
  // @ts-expect-error a budget is a number of bytes
  reg.setBudget('top', '64M');
  // @ts-expect-error the budgets option is keyed by tier name (an object's keys are strings)
  new AssetRegistry(w, { budgets: { 0: 1 << 20 } });
  const a: Asset = await reg.load('meshes/castle.glb', 'mesh', { onProgress: (p) => p.loaded / p.total });
  const all: Settled[] = await reg.loadAll(['a.bin', { path: 'b.bin', type: 'scene', tier: 'middle' }], { settle: true });
  const recs: Asset[] = await reg.loadAll(['a.bin'], { concurrency: 2 });
  const bytes: BlockView<Float32Array> = reg.view('meshes/castle.glb', Float32Array);
  const copied: Asset = reg.registerBytes(new Uint8Array(4), 'bottom', { path: 'mem.bin' });
  // @ts-expect-error asset options are the registry's
  await Walloc.create({ baseUrl: 'https://cdn.example.com/' });
  const mod = await Walloc.compile({ simd: false });
  const w2 = await WallocWrapper.create({ module: mod });
  const buf: ArrayBuffer = w.memory.buffer;
  const leaks: LeakReport[] = [];
  const wp = await Walloc.create({ profile: 1000, profileSites: 64, profileDepth: 4, onLeak: (r) => { leaks.push(r); } });
  const snap: ProfileSnapshot = wp.profile();
  const hot: ProfileSite[] = snap.top('top', 3).concat(snap.top(2));
  const other: boolean = hot.some((s) => s.id === Walloc.SITE_OTHER);
  const estimate: number = snap.sites.reduce((sum, s) => sum + s.liveBytes[0] + s.liveBlocks[1] + s.allocs[2], 0) * snap.rate
    + snap.maxSites + snap.overflowSamples + snap.lostSamples + wp.profileRate + (other ? 1 : 0) + hot[0].frames.length;
  // @ts-expect-error the figures are plain data, not to be written
  snap.sites[0].liveBytes[0] = 1;
  // @ts-expect-error profile is a rate, not a flag
  await Walloc.create({ profile: true });
  wp.destroy();
  w.destroy();
  try { w.allocate(8); } catch (e) {
    if (e instanceof DestroyedError) return e.message.length;
    if (e instanceof AssetLoadError) return e.path.length + (e.status ?? 0);
    if (e instanceof WallocError) return e.status === Status.OUT_OF_MEMORY ? 1 : 2;
  }
  // @ts-expect-error sizes are numbers
  w.allocate('16');
  // @ts-expect-error no such tier
  w.allocate(16, 'gpu');
  // @ts-expect-error views are made by Walloc.view only
  new BlockView();
  // @ts-expect-error a Float32 view holds numbers
  const wrong: BlockView<Float32Array> = w.viewBigInt64(h);
  return Number(first) + (info?.size ?? 0) + live + m.pages + a.size + all.length + recs.length + buf.byteLength
    + w2.capacity + Number(big.get(0)) + wrong.length + estimate + leaks.length + evicted + bytes.length + copied.size;
}

// Shared mode: Walloc.create({ shared: true }) and Walloc.attach() give a SharedWalloc.
export async function sharedTour(): Promise<number> {
  const w: SharedWalloc = await Walloc.create({ shared: true, capacity: 16 << 20, maximumMemory: 64 << 20 });
  const s: Shareable = w.shareable();
  const other: SharedWalloc = await Walloc.attach(s);
  const h: Handle = other.allocate(256, 'middle');
  w.write(h, new Uint8Array(4));
  const v: SharedBlockView<Float32Array> = w.view(h, 64, Float32Array);
  v.fill(1).set(0, 2);
  const read: Uint8Array = w.read(h, 4);
  w.free(h);
  const stats: TierStats = w.tierStats('bottom');
  try { w.resetTier('bottom'); } catch (e) { if (e instanceof TierBusyError) return e.tier; }
  other.detach();
  // @ts-expect-error a registry takes a single-threaded Walloc
  new AssetRegistry(w);
  // @ts-expect-error checked mode is always on in shared mode
  await Walloc.create({ shared: true, checked: false });
  // @ts-expect-error attach takes a shareable(), not options
  await Walloc.attach({ shared: true });
  w.destroy();
  return read.length + stats.liveBlocks + v.length + Number(v.get(0));
}
