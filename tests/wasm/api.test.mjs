// Every call of walloc.mjs and its errors.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetRegistry, BlockView, WallocError, Status, fillPattern, samePattern } from './helpers.mjs';

const MiB = 1024 * 1024;

describe('create', () => {
  test('defaults and properties', async () => {
    const w = await Walloc.create();
    assert.equal(w.capacity, 256 * MiB);
    assert.deepEqual([...w.ratios], [0.5, 0.3, 0.2]);
    assert.equal(w.alive, true);
    assert.equal(w.checked, false);
    assert.ok(w.memory instanceof WebAssembly.Memory);
    w.destroy();
    assert.equal(w.alive, false);
    w.destroy(); // idempotent
  });

  test('constants', () => {
    assert.equal(Walloc.NULL, 0xFFFFFFFF);
    assert.equal(Walloc.TIER_TOP, 0);
    assert.equal(Walloc.TIER_MIDDLE, 1);
    assert.equal(Walloc.TIER_BOTTOM, 2);
    assert.deepEqual([...Walloc.TIERS], ['top', 'middle', 'bottom']);
    assert.equal(typeof Walloc.simdSupported, 'boolean');
    assert.equal(Walloc.simdSupported, true, 'V8 in Node 20 has SIMD128');
  });

  test('options are checked', async () => {
    await assert.rejects(Walloc.create(null), TypeError);
    await assert.rejects(Walloc.create({ capacity: '1' }), TypeError);
    await assert.rejects(Walloc.create({ capacity: 1000 }), RangeError);
    await assert.rejects(Walloc.create({ capacity: 1.5 * MiB + 0.5 }), RangeError);
    await assert.rejects(Walloc.create({ capacity: 2 ** 32 }), RangeError);
    await assert.rejects(Walloc.create({ ratios: [0.5, 0.5] }), TypeError);
    await assert.rejects(Walloc.create({ ratios: [0.5, 0.5, 'x'] }), TypeError);
    await assert.rejects(Walloc.create({ ratios: [0.5, 0.5, 0.5] }), RangeError);
    await assert.rejects(Walloc.create({ ratios: [0, 0.5, 0.5] }), RangeError);
    await assert.rejects(Walloc.create({ maximumMemory: 'big' }), TypeError);
    await assert.rejects(Walloc.create({ maximumMemory: 2 ** 33 }), RangeError);
    await assert.rejects(Walloc.create({ maximumMemory: 65536 }), RangeError, 'below initial memory');
    await assert.rejects(Walloc.create({ simd: 'yes' }), TypeError);
    // Asset options belong to the assets module: refused here, checked there.
    await assert.rejects(Walloc.create({ concurrency: 0 }), TypeError);
    const reg = new AssetRegistry(await Walloc.create({ capacity: MiB }), { concurrency: 2 });
    assert.throws(() => new AssetRegistry(reg.walloc, { concurrency: 0 }), RangeError);
    assert.throws(() => new AssetRegistry(reg.walloc, { typeTiers: { texture: 7 } }), RangeError);
    assert.throws(() => new AssetRegistry(reg.walloc, null), TypeError);
    assert.throws(() => new AssetRegistry({}), TypeError);
    reg.walloc.destroy();
    assert.throws(() => new Walloc({}, {}), TypeError);
  });

  test('non-SIMD build works the same', async () => {
    const w = await Walloc.create({ simd: false, capacity: 4 * MiB });
    const h = w.allocate(1000, 'top');
    w.write(h, fillPattern(new Uint8Array(1000), 3));
    assert.ok(samePattern(w.read(h), 3));
    const h2 = w.allocate(1000, 'middle');
    w.copy(h2, h, 1000);
    assert.ok(samePattern(w.read(h2), 3));
    w.destroy();
  });

  test('wasmBytes and module options', async () => {
    const mod = await Walloc.compile();
    const w = await Walloc.create({ module: mod, capacity: MiB });
    assert.notEqual(w.allocate(10), Walloc.NULL);
    w.destroy();
  });

  test('instances are independent', async () => {
    const a = await Walloc.create({ capacity: MiB });
    const b = await Walloc.create({ capacity: MiB });
    const ha = a.allocate(64, 'bottom');
    const hb = b.allocate(64, 'bottom');
    a.write(ha, new Uint8Array(64).fill(1));
    b.write(hb, new Uint8Array(64).fill(2));
    assert.equal(a.read(ha)[0], 1);
    assert.equal(b.read(hb)[0], 2);
    a.destroy();
    assert.equal(b.read(hb)[63], 2);
    b.destroy();
  });

  test('calls after destroy throw', async () => {
    const w = await Walloc.create({ capacity: MiB });
    const reg = new AssetRegistry(w);
    const h = w.allocate(16);
    const v = w.view(h);
    w.destroy();
    assert.throws(() => w.allocate(16), /destroyed/);
    assert.throws(() => w.free(h), /destroyed/);
    assert.throws(() => w.tierStats(0), /destroyed/);
    assert.throws(() => w.memoryStats(), /destroyed/);
    assert.throws(() => v.array, RangeError);
    assert.equal(v.valid, false);
    await assert.rejects(reg.load('x'), /destroyed/);
  });
});

describe('allocate / free', () => {
  test('tiers, alignment, names and numbers', async () => {
    const w = await Walloc.create({ capacity: 8 * MiB });
    for (const [tier, align] of [[0, 128], [1, 64], [2, 8], ['top', 128], ['MIDDLE', 64], ['bottom', 8]]) {
      for (const size of [0, 1, 7, 100, 4096, 100000]) {
        const h = w.allocate(size, tier);
        assert.notEqual(h, Walloc.NULL);
        assert.equal(typeof h, 'number');
        assert.equal(h % align, 0, `tier ${tier} size ${size}: ${h}`);
        const info = w.blockInfo(h);
        assert.equal(info.size, size);
        assert.equal(info.tierName, Walloc.TIERS[typeof tier === 'number' ? tier : ['top', 'middle', 'bottom'].indexOf(tier.toLowerCase())]);
        w.free(h, size);
        assert.equal(w.blockInfo(h), undefined);
      }
    }
    assert.equal(w.liveBlocks, 0);
    w.destroy();
  });

  test('default tier is bottom and free size is optional', async () => {
    const w = await Walloc.create({ capacity: MiB });
    const h = w.allocate(24);
    assert.equal(w.blockInfo(h).tier, 2);
    w.free(h);
    w.destroy();
  });

  test('bad arguments', async () => {
    const w = await Walloc.create({ capacity: MiB });
    assert.throws(() => w.allocate('1'), TypeError);
    assert.throws(() => w.allocate(1n), TypeError);
    assert.throws(() => w.allocate(-1), RangeError);
    assert.throws(() => w.allocate(1.5), RangeError);
    assert.throws(() => w.allocate(NaN), RangeError);
    assert.throws(() => w.allocate(2 ** 32), RangeError);
    assert.throws(() => w.allocate(8, 3), RangeError);
    assert.throws(() => w.allocate(8, -1), RangeError);
    assert.throws(() => w.allocate(8, 'gpu'), RangeError);
    assert.throws(() => w.allocate(8, null), TypeError);
    const h = w.allocate(64, 'middle');
    assert.throws(() => w.free('1'), TypeError);
    assert.throws(() => w.free(Walloc.NULL), /NULL/);
    assert.throws(() => w.free(h + 64), /not a live block/);
    assert.throws(() => w.free(h, 65), /has 64 bytes/);
    assert.throws(() => w.free(-5), RangeError);
    w.free(h);
    assert.throws(() => w.free(h), /not a live block/, 'double free');
    w.destroy();
  });

  test('a tier that is full returns NULL and counts the failure', async () => {
    const w = await Walloc.create({ capacity: MiB, ratios: [0.25, 0.25, 0.25] });
    const cap = w.tierStats('bottom').capacity;
    assert.equal(w.allocate(cap + 1, 'bottom'), Walloc.NULL);
    const hs = [];
    for (;;) { const h = w.allocate(60000, 'bottom'); if (h === Walloc.NULL) break; hs.push(h); }
    assert.ok(hs.length >= 1);
    assert.ok(w.tierStats('bottom').failedAllocs >= 2);
    for (const h of hs) w.free(h);
    assert.notEqual(w.allocate(60000, 'bottom'), Walloc.NULL, 'room again after frees');
    w.destroy();
  });

  test('allocateBatch', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const hs = w.allocateBatch([{ size: 100, tier: 'top' }, { size: 200, tier: 1 }, 300, { size: 0 }]);
    assert.equal(hs.length, 4);
    assert.equal(hs[0] % 128, 0);
    assert.equal(hs[1] % 64, 0);
    assert.equal(w.blockInfo(hs[2]).size, 300);
    assert.equal(w.blockInfo(hs[3]).tier, 2);
    assert.equal(new Set(hs).size, 4);
    assert.deepEqual(w.allocateBatch([]), []);
    const live = w.liveBlocks;
    const big = w.tierStats('top').capacity;
    const none = w.allocateBatch([{ size: 64, tier: 'top' }, { size: big, tier: 'top' }]);
    assert.deepEqual(none, [Walloc.NULL, Walloc.NULL], 'all or nothing');
    assert.equal(w.liveBlocks, live);
    assert.throws(() => w.allocateBatch('x'), TypeError);
    assert.throws(() => w.allocateBatch([{ size: -1 }]), RangeError);
    assert.throws(() => w.allocateBatch([{ size: 1, tier: 9 }]), RangeError);
    assert.throws(() => w.allocateBatch([null]), TypeError);
    assert.throws(() => w.allocateBatch([{ size: '1' }]), TypeError);
    for (const h of hs) w.free(h);
    w.destroy();
  });
});

describe('data', () => {
  test('write / read, offsets, bounds', async () => {
    const w = await Walloc.create({ capacity: MiB });
    const h = w.allocate(100, 'top');
    w.write(h, fillPattern(new Uint8Array(100), 5));
    assert.ok(samePattern(w.read(h, 100), 5));
    w.write(h, new Uint8Array([1, 2, 3]), 97);
    assert.deepEqual([...w.read(h, 3, 97)], [1, 2, 3]);
    assert.deepEqual([...w.read(h, 2, 98)], [2, 3]);
    assert.equal(w.read(h).length, 100);
    assert.equal(w.read(h, undefined, 90).length, 10);
    w.write(h, new Uint16Array([0x0201]), 0); // other views and ArrayBuffers
    w.write(h, new Uint8Array([9]).buffer, 2);
    assert.deepEqual([...w.read(h, 3)], [1, 2, 9]);
    assert.throws(() => w.write(h, new Uint8Array(101)), RangeError);
    assert.throws(() => w.write(h, new Uint8Array(4), 97), /outside block/);
    assert.throws(() => w.write(h, [1, 2]), TypeError);
    assert.throws(() => w.write(h, 'abc'), TypeError);
    assert.throws(() => w.write(h + 8, new Uint8Array(1)), /not a live block/);
    assert.throws(() => w.read(h, 101), RangeError);
    assert.throws(() => w.read(h, 1, 100), RangeError);
    assert.throws(() => w.read(h, -1), RangeError);
    assert.throws(() => w.read(h, 1, 1.5), RangeError);
    assert.throws(() => w.read(12345), RangeError);
    const before = w.read(h);
    assert.throws(() => w.write(h, new Uint8Array(200)));
    assert.deepEqual(w.read(h), before, 'a rejected write changes nothing');
    w.destroy();
  });

  test('copy and bulkCopy', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const a = w.allocate(4096, 'top');
    const b = w.allocate(4096, 'middle');
    const c = w.allocate(64, 'bottom');
    w.write(a, fillPattern(new Uint8Array(4096), 7));
    w.copy(b, a, 4096);
    assert.ok(samePattern(w.read(b), 7));
    w.copy(c, a, 16, 8, 0);
    assert.deepEqual(w.read(c, 16, 8), w.read(a, 16));
    // overlapping, memmove semantics
    w.copy(a, a, 4000, 10, 0);
    assert.deepEqual(w.read(a, 4000, 10), w.read(b, 4000));
    w.bulkCopy([{ dst: c, src: b, length: 64 }, [a, c, 64]]);
    assert.deepEqual(w.read(a, 64), w.read(b, 64));
    const snapshot = w.read(c);
    assert.throws(() => w.bulkCopy([{ dst: c, src: b, length: 8 }, { dst: c, src: b, length: 65 }]), /entry 1/);
    assert.deepEqual(w.read(c), snapshot, 'nothing copied when one entry is bad');
    assert.throws(() => w.bulkCopy([{ dst: c, src: Walloc.NULL, length: 1 }]), /entry 0/);
    assert.throws(() => w.bulkCopy('x'), TypeError);
    assert.throws(() => w.bulkCopy([5]), TypeError);
    assert.throws(() => w.copy(c, a, 65), RangeError);
    w.bulkCopy([]);
    w.destroy();
  });

  test('views and typed views', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const h = w.allocate(1024, 'top');
    const v8 = w.view(h);
    assert.ok(v8 instanceof BlockView);
    assert.equal(v8.length, 1024);
    v8.fill(0);
    const f = w.viewFloat32(h, 256);
    f.set(3, 1.5);
    assert.equal(f.get(3), 1.5);
    assert.equal(f.array.length, 256);
    assert.equal(w.viewUint32(h, 4, 16).byteOffset, 16);
    const d = w.viewFloat64(h);
    assert.equal(d.length, 128);
    f.copyFrom([1, 2, 3], 10);
    assert.deepEqual([...f.toArray().subarray(10, 13)], [1, 2, 3]);
    assert.equal(w.viewInt16(h, 2).array.constructor, Int16Array);
    assert.equal(w.viewBigUint64(h, 1).array.constructor, BigUint64Array);
    assert.throws(() => w.view(h, 1025), RangeError);
    assert.throws(() => w.viewFloat32(h, 257), RangeError);
    assert.throws(() => w.viewFloat32(h, 1, 2), /alignment/);
    assert.throws(() => w.view(h, 1, Array), TypeError);
    assert.throws(() => w.view(h + 1), RangeError);
    w.free(h);
    assert.equal(f.valid, false);
    assert.throws(() => f.array, /no longer valid/);
    assert.throws(() => f.set(0, 1), /no longer valid/);
    w.destroy();
  });
});

describe('tiers', () => {
  test('resetTier forgets the tier only', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const t = w.allocate(1000, 'top');
    const b = w.allocate(1000, 'bottom');
    w.write(b, new Uint8Array(1000).fill(4));
    const vt = w.view(t);
    w.resetTier('top');
    assert.equal(w.blockInfo(t), undefined);
    assert.throws(() => vt.array, RangeError);
    assert.equal(w.read(b)[999], 4);
    const s = w.tierStats('top');
    assert.equal(s.liveBlocks, 0);
    assert.equal(s.bumpHead, 0);
    assert.equal(s.resets, 1);
    assert.throws(() => w.resetTier(5), RangeError);
    assert.throws(() => w.resetTier({}), TypeError);
    w.destroy();
  });

  test('fastCompactTier keeps blocks below keepBytes', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const keep1 = w.allocate(64 * 1024, 'middle'); // the tier's first block: at its start
    w.write(keep1, fillPattern(new Uint8Array(65536), 1));
    const gone = w.allocate(64 * 1024, 'middle');
    const vg = w.view(gone);
    const head = 64 * 1024; // keep1's end, and gone's start
    w.fastCompactTier('middle', head);
    assert.ok(w.blockInfo(keep1), 'block below keep stays');
    assert.ok(samePattern(w.read(keep1), 1), 'and keeps its bytes');
    assert.equal(w.blockInfo(gone), undefined, 'block above keep is released');
    assert.equal(vg.valid, false);
    assert.equal(w.tierStats('middle').bumpHead, head);
    w.fastCompactTier('middle');
    assert.equal(w.blockInfo(keep1), undefined);
    assert.equal(w.tierStats('middle').bumpHead, 0);
    assert.throws(() => w.fastCompactTier('middle', -1), RangeError);
    assert.throws(() => w.fastCompactTier('middle', '1'), TypeError);
    assert.throws(() => w.fastCompactTier(7), RangeError);
    w.destroy();
  });

  test('tierStats and memoryStats', async () => {
    const w = await Walloc.create({ capacity: 8 * MiB, ratios: [0.5, 0.25, 0.25] });
    const h = w.allocate(1000, 'top');
    const s = w.tierStats('top');
    for (const k of ['capacity', 'committed', 'bumpHead', 'used', 'peak', 'highWater', 'liveBytes',
      'liveBlocks', 'freeBytes', 'wastedBytes', 'totalAllocs', 'totalFrees', 'failedAllocs', 'resets',
      'alignment', 'maxClassSize', 'utilisation']) assert.equal(typeof s[k], 'number', k);
    assert.equal(s.name, 'top');
    assert.equal(s.alignment, 128);
    assert.ok(s.capacity <= 4 * MiB && s.capacity >= 4 * MiB - 65536);
    assert.equal(s.liveBlocks, 1);
    assert.ok(s.liveBytes >= 1000);
    assert.equal(s.liveBytes + s.freeBytes + s.wastedBytes, s.bumpHead);
    assert.ok(s.committed >= s.bumpHead && s.committed <= s.capacity);
    assert.equal(w.tierStats(1).alignment, 64);
    assert.equal(w.tierStats(2).alignment, 8);
    const m = w.memoryStats();
    assert.equal(m.tiers.length, 3);
    assert.equal(m.totals.liveBlocks, 1);
    assert.equal(m.memoryBytes, w.memory.buffer.byteLength);
    assert.equal(m.pages * 65536, m.memoryBytes);
    assert.equal(m.maximumMemory, 4 * 1024 ** 3);
    assert.ok(m.utilisation > 0 && m.utilisation <= 1);
    assert.throws(() => w.tierStats(3), RangeError);
    w.free(h);
    assert.equal(w.tierStats('top').totalFrees, 1);
    w.destroy();
  });

  test('tierStats reads every walloc_stats field as the C API returns it', async () => {
    // walloc.mjs reads the C struct in place (uint64 as two uint32 halves): a wrong offset or
    // order shows up as a mismatch with the BigInt fields of walloc_tier_stats.
    const w = await Walloc.create({ capacity: 8 * MiB, ratios: [0.5, 0.25, 0.25] });
    const x = w.exports;
    for (let i = 0; i < 5; i++) w.allocate(1000 + i, 'top');
    w.free(w.allocate(40, 'bottom'));
    w.allocate(100000, 'middle');
    assert.equal(w.allocate(3 * MiB, 'middle'), Walloc.NULL);
    w.resetTier('bottom');
    w.allocate(24, 'bottom');
    const out = w.allocate(104, 'bottom'); // room for the C API's walloc_stats
    for (const t of [0, 1, 2]) {
      assert.equal(x.walloc_tier_stats(w.instanceAddress, t, out), 0);
      const dv = new DataView(w.memory.buffer, out, 104);
      const c = [];
      for (let i = 0; i < 12; i++) c.push(Number(dv.getBigUint64(8 * i, true)));
      c.push(dv.getUint32(96, true), dv.getUint32(100, true));
      const s = w.tierStats(t);
      assert.deepEqual([s.capacity, s.committed, s.bumpHead, s.peak, s.liveBytes, s.liveBlocks,
        s.freeBytes, s.wastedBytes, s.totalAllocs, s.totalFrees, s.failedAllocs, s.resets,
        s.alignment, s.maxClassSize], c, `tier ${t}`);
    }
    const [top, middle, bottom] = [0, 1, 2].map((t) => w.tierStats(t));
    assert.equal(top.totalAllocs, 5);
    assert.equal(middle.failedAllocs, 1);
    assert.equal(bottom.resets, 1);
    assert.equal(bottom.totalFrees, 1);
    assert.equal(bottom.maxClassSize > bottom.alignment, true);
    w.destroy();
  });
});

describe('core checks behind the facade', () => {
  // walloc.mjs never passes the core a handle it did not hand out; the raw exports can. The
  // core's free fast path must still refuse blocks its tier has not handed out (unchecked mode),
  // or the next allocation would hand the same memory out twice.
  test('free of a block past the bump head or in a segment after a reset is refused', async () => {
    // 1 MiB in quarters: the bottom tier's per-thread chunk is 16 KiB, so its first 64 KiB
    // segment is handed out only up to 16 KiB.
    const w = await Walloc.create({ capacity: MiB, ratios: [0.25, 0.25, 0.25] });
    const x = w.exports, wp = w.instanceAddress;
    const first = x.wjs_alloc(wp, 32, 2) >>> 0;
    assert.equal(first % 65536, 0, 'the first block opens the tier\'s first segment');
    x.wjs_free(wp, x.wjs_alloc(wp, 32, 2) >>> 0, 32); // the bin exists: frees take the fast path
    const beyond = first + 32768;
    assert.equal(x.wjs_free(wp, beyond, 32), Status.OUT_OF_BOUNDS);
    for (let i = 0; i < 64; i++) assert.notEqual(x.wjs_alloc(wp, 32, 2) >>> 0, beyond);

    // Fill past the first segment, reset (the tier goes back to segment 0), allocate once (the
    // cache is current again), then free a block of segment 1: refused.
    const later = [];
    for (let i = 0; i < 40; i++) later.push(x.wjs_alloc(wp, 4096, 2) >>> 0);
    assert.equal(x.wjs_free(wp, later.pop(), 4096), Status.OK);
    const inSeg1 = later.find((h) => h !== Walloc.NULL && h - first >= 65536);
    assert.ok(inSeg1 !== undefined, 'a block in a later segment');
    x.walloc_reset_tier(wp, 2);
    assert.notEqual(x.wjs_alloc(wp, 4096, 2) >>> 0, Walloc.NULL);
    assert.equal(x.wjs_free(wp, inSeg1, 4096), Status.OUT_OF_BOUNDS);
    const next = x.wjs_alloc(wp, 4096, 2) >>> 0; // had the free been taken, the bin's top
    assert.ok(next - first < 65536, `next block ${next} comes from segment 0 again`);
    w.destroy();
  });
});

describe('memory growth', () => {
  test('onGrowth, maximumMemory and NULL at the limit', async () => {
    const limit = 4 * MiB;
    const w = await Walloc.create({ capacity: 64 * MiB, maximumMemory: limit });
    const events = [];
    const off = w.onGrowth((e) => events.push(e));
    assert.throws(() => w.onGrowth(1), TypeError);
    const hs = [];
    for (;;) { const h = w.allocate(256 * 1024, 'top'); if (h === Walloc.NULL) break; hs.push(h); }
    assert.ok(hs.length >= 4, `${hs.length} blocks under a 4 MiB limit`);
    assert.ok(events.length >= 1);
    assert.ok(events.at(-1).newBytes <= limit);
    assert.ok(w.memory.buffer.byteLength <= limit);
    const m = w.memoryStats();
    assert.equal(m.maximumMemory, limit);
    assert.ok(m.growths >= events.length);
    off();
    for (const h of hs) w.free(h);
    w.destroy();
  });

  test('views re-derive after growth; handles and bytes survive', async () => {
    const w = await Walloc.create({ capacity: 512 * MiB });
    const h = w.allocate(4096, 'top');
    const v = w.viewUint32(h);
    v.array.fill(0xA5A5A5A5);
    const before = v.array;
    const oldBuffer = w.memory.buffer;
    const hs = [];
    while (w.memory.buffer === oldBuffer) hs.push(w.allocate(1024 * 1024, 'bottom'));
    assert.equal(before.length, 0, 'the old typed array is detached by growth');
    assert.equal(v.array.length, 1024, 'the BlockView re-derived itself');
    assert.equal(v.get(1023), 0xA5A5A5A5);
    v.set(0, 7);
    assert.equal(w.read(h, 4)[0], 7);
    for (const x of hs) w.free(x);
    w.destroy();
  });
});

describe('misc', () => {
  test('compile from bytes, setConcurrency, tierForType, exports, blockInfo', async () => {
    const { readFile } = await import('node:fs/promises');
    const { DIST } = await import('./helpers.mjs');
    const bytes = await readFile(`${DIST}/walloc-nosimd.wasm`);
    const w = await Walloc.create({ wasmBytes: bytes, capacity: MiB });
    const reg = new AssetRegistry(w, { typeTiers: { texture: 'bottom' } });
    assert.equal(reg.tierForType('texture'), 2, 'typeTiers override');
    assert.equal(reg.tierForType('mesh'), 0);
    assert.throws(() => reg.tierForType(3), TypeError);
    reg.setConcurrency(8);
    assert.throws(() => reg.setConcurrency(0), RangeError);
    assert.throws(() => reg.setConcurrency(65), RangeError);
    assert.throws(() => reg.setConcurrency('2'), TypeError);
    assert.equal(typeof w.exports.wjs_alloc, 'function');
    assert.ok(w.instanceAddress > 0);
    assert.equal(w.blockInfo(123), undefined);
    await assert.rejects(Walloc.create({ wasmBytes: 'nope' }), TypeError);
    await assert.rejects(Walloc.create({ wasmUrl: './dist/missing.wasm' }));
    w.destroy();
  });

  test('onGrowth unsubscribe and listener errors do not break allocation', async () => {
    const w = await Walloc.create({ capacity: 256 * MiB });
    let calls = 0;
    const off = w.onGrowth(() => { calls++; });
    off();
    const hs = [];
    for (let i = 0; i < 40; i++) hs.push(w.allocate(1 << 20, 'top'));
    assert.equal(calls, 0);
    assert.ok(hs.every((h) => h !== Walloc.NULL));
    for (const h of hs) w.free(h);
    w.destroy();
  });

  test('many blocks: the block table grows and shrinks correctly', async () => {
    const w = await Walloc.create({ capacity: 64 * MiB });
    const hs = [];
    for (let i = 0; i < 20000; i++) hs.push(w.allocate(8 + (i % 50) * 8, i % 3));
    assert.equal(w.liveBlocks, 20000);
    for (let i = 0; i < hs.length; i += 2) w.free(hs[i]);
    assert.equal(w.liveBlocks, 10000);
    for (let i = 1; i < hs.length; i += 2) assert.equal(w.blockInfo(hs[i]).size, 8 + (i % 50) * 8);
    for (let i = 0; i < hs.length; i += 2) assert.equal(w.blockInfo(hs[i]), undefined);
    w.resetTier('middle');
    for (let i = 1; i < hs.length; i += 2) assert.equal(w.blockInfo(hs[i]) === undefined, i % 3 === 1);
    w.destroy();
  });
});
