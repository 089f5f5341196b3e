// Randomized workload against a shadow model, and memory growth keeping handles and bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, rng } from './helpers.mjs';

const MiB = 1024 * 1024;
const ALIGN = [128, 64, 8];

function stamp(seed, len) {
  const out = new Uint8Array(len);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; out[i] = s >>> 24; }
  return out;
}

for (const simd of [true, false]) {
  test(`random workload vs shadow model (${simd ? 'SIMD' : 'no SIMD'})`, async () => {
    const w = await Walloc.create({ capacity: 32 * MiB, simd, checked: simd });
    const r = rng(simd ? 12345 : 777);
    const live = new Map(); // handle -> {size, tier, seed}
    let seedCounter = 1, nulls = 0;
    const sizeOf = () => {
      const k = r.int(100);
      if (k < 60) return r.int(257);
      if (k < 90) return 257 + r.int(8000);
      if (k < 99) return 8192 + r.int(120000);
      return 200000 + r.int(600000);
    };
    const checkNoOverlap = (h, size, tier) => {
      assert.equal(h % ALIGN[tier], 0);
      for (const [o, b] of live) {
        assert.ok(h + Math.max(size, 1) <= o || o + Math.max(b.size, 1) <= h, `overlap ${h}+${size} with ${o}+${b.size}`);
      }
    };
    for (let step = 0; step < 6000; step++) {
      const op = r.int(100);
      if (op < 50 || live.size === 0) {
        const size = sizeOf(), tier = r.int(3);
        const h = w.allocate(size, tier);
        if (h === Walloc.NULL) { nulls++; continue; }
        if (step % 16 === 0) checkNoOverlap(h, size, tier);
        const seed = seedCounter++;
        if (size > 0) w.write(h, stamp(seed, size));
        live.set(h, { size, tier, seed });
      } else if (op < 90) {
        const keys = [...live.keys()];
        const h = keys[r.int(keys.length)];
        const b = live.get(h);
        assert.deepEqual(w.read(h), stamp(b.seed, b.size), `bytes of ${h} before free`);
        w.free(h, b.size);
        live.delete(h);
      } else if (op < 97) {
        // copy between two live blocks, mirror it in the model by re-stamping the destination
        const keys = [...live.keys()];
        const d = keys[r.int(keys.length)], s = keys[r.int(keys.length)];
        if (d === s) continue;
        const bd = live.get(d), bs = live.get(s);
        const n = Math.min(bd.size, bs.size);
        w.copy(d, s, n);
        const expect = stamp(bd.seed, bd.size);
        expect.set(stamp(bs.seed, n));
        assert.deepEqual(w.read(d), expect);
        // re-stamp to keep the model simple
        bd.seed = seedCounter++;
        if (bd.size) w.write(d, stamp(bd.seed, bd.size));
      } else {
        // stats agree with the model
        let liveBlocks = 0;
        for (const b of live.values()) liveBlocks++;
        const m = w.memoryStats();
        assert.equal(m.totals.liveBlocks, liveBlocks);
        for (const t of m.tiers) {
          assert.equal(t.liveBytes + t.freeBytes + t.wastedBytes, t.bumpHead, `tier ${t.name} accounting`);
          assert.ok(t.bumpHead <= t.committed && t.committed <= t.capacity);
          let modelBytes = 0;
          for (const b of live.values()) if (b.tier === t.tier) modelBytes += b.size;
          assert.ok(t.liveBytes >= modelBytes, `tier ${t.name}: live ${t.liveBytes} < model ${modelBytes}`);
        }
      }
    }
    for (const [h, b] of live) {
      assert.deepEqual(w.read(h), stamp(b.seed, b.size), `final bytes of ${h}`);
      w.free(h);
    }
    const m = w.memoryStats();
    assert.equal(m.totals.liveBlocks, 0);
    assert.ok(m.growths >= 1, 'the workload grew memory');
    w.destroy();
  });
}

test('growth keeps every handle valid and every byte intact', async () => {
  const w = await Walloc.create({ capacity: 256 * MiB, ratios: [0.4, 0.3, 0.3] });
  const growths = [];
  const growthsAtStart = w.memoryStats().growths;
  w.onGrowth((e) => growths.push(e));
  const blocks = [];
  const views = [];
  let seed = 1;
  const startBytes = w.memory.buffer.byteLength;
  while (w.memory.buffer.byteLength < startBytes + 48 * MiB) {
    const tier = seed % 3, size = 1000 + (seed * 7919) % 300000;
    const h = w.allocate(size, tier);
    assert.notEqual(h, Walloc.NULL);
    w.write(h, stamp(seed, size));
    blocks.push({ h, size, seed, tier });
    if (seed % 10 === 0 && h % 4 === 0) {
      const v = w.viewUint32(h, Math.floor(size / 4));
      views.push({ v, first: v.get(0), last: v.get(v.length - 1) });
    }
    seed++;
  }
  assert.ok(growths.length >= 3, `${growths.length} growths`);
  for (let i = 1; i < growths.length; i++) assert.ok(growths[i].newBytes > growths[i - 1].newBytes);
  for (const b of blocks) {
    assert.equal(w.blockInfo(b.h).size, b.size);
    assert.deepEqual(w.read(b.h), stamp(b.seed, b.size), `block ${b.h} after growth`);
  }
  for (const { v, first, last } of views) {
    assert.equal(v.array.buffer, w.memory.buffer, 'views follow the current buffer');
    assert.equal(v.get(0), first);
    assert.equal(v.get(v.length - 1), last);
  }
  const m = w.memoryStats();
  assert.equal(m.growths - growthsAtStart, growths.length);
  assert.equal(m.memoryBytes, w.memory.buffer.byteLength);
  w.destroy();
});

test('create / destroy many times in one module instance reuses memory', async () => {
  // One wasm instance, many core instances: metadata comes from platform_wasm.c's pool, so the
  // memory stays bounded when instances come and go.
  const { rawModule, rawScratch } = await import('./helpers.mjs');
  const x = await rawModule(true);
  const sc = rawScratch(x, 4096);
  const dv = () => new DataView(x.memory.buffer);
  const sizes = [];
  for (let i = 0; i < 200; i++) {
    dv().setBigUint64(sc, 4n * BigInt(MiB), true);
    [0.5, 0.3, 0.2].forEach((r, j) => dv().setFloat64(sc + 8 + 8 * j, r, true));
    dv().setInt32(sc + 32, i % 2, true);
    const w = x.walloc_create(sc);
    assert.notEqual(w, 0);
    assert.notEqual(x.walloc_alloc(w, 100n, 2), (1n << 64n) - 1n);
    x.walloc_destroy(w);
    sizes.push(x.memory.buffer.byteLength);
  }
  // walloc_destroy gives the tier segments back (wl_platform_release) and platform_wasm.c reuses
  // them and the freed metadata: after the first cycle memory does not grow at all.
  const grownAfterFirst = sizes.at(-1) - sizes[0];
  assert.equal(grownAfterFirst, 0, `memory grew ${grownAfterFirst} bytes over 199 create/destroy cycles`);
});
