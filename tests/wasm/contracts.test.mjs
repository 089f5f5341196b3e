// The JavaScript face's documented contracts under hostile arguments and at the edges
// (issue 15, items 8-13).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetRegistry, startServer, fillPattern, samePattern } from './helpers.mjs';

const MiB = 1024 * 1024;

describe('onGrowth reports the real sizes (item 8)', () => {
  test('each event: oldBytes is the size before that growth, newBytes the size after', async () => {
    const w = await Walloc.create({ capacity: 64 * MiB });
    const reg = new AssetRegistry(w);
    const events = [];
    w.onGrowth((e) => events.push({ ...e, now: w.memory.buffer.byteLength }));
    let size = w.memory.buffer.byteLength;
    const grew = (fn) => {
      const n = events.length;
      fn();
      assert.ok(events.length > n, 'the call grew memory');
      for (const e of events.slice(n)) {
        assert.equal(e.oldBytes, size, 'oldBytes is the size before');
        assert.ok(e.newBytes > e.oldBytes);
        assert.equal(e.newBytes, e.now);
        assert.equal(e.pages * 65536, e.newBytes);
        size = e.newBytes;
      }
    };
    // growth through each kind of call that can grow memory
    grew(() => w.allocate(4 * MiB, 'top'));
    grew(() => w.allocateBatch([{ size: 3 * MiB, tier: 'middle' }, { size: 3 * MiB, tier: 'middle' }]));
    grew(() => reg.registerBytes(new Uint8Array(5 * MiB), 'bottom'));
    // growth the wrapper did not see happen (raw exports): reported at the next call
    const raw = w.exports.wjs_alloc(w.instanceAddress, 6 * MiB, 0);
    assert.notEqual(raw >>> 0, Walloc.NULL);
    grew(() => w.memoryStats());
    assert.equal(events.at(-1).growths - events[0].growths, events.length - 1, 'growths counts one per event');
    w.destroy();
  });
});

describe('handles: only a live block\'s exact handle names it (item 9)', () => {
  const notHandles = (h) => [
    ['Walloc.NULL', Walloc.NULL], ['-1', -1], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
    ['2**53', 2 ** 53], ['2**53 + 2', 2 ** 53 + 2], ['h + 0.5', h + 0.5], ['h - 0.5', h - 0.5],
    ['h + 2**32', h + 2 ** 32], ['h - 2**32', h - 2 ** 32], ['h + 2**33', h + 2 ** 33], ['h + 8 (inside)', h + 8],
    ['String(h)', String(h)], ['BigInt(h)', BigInt(h)], ['10n', 10n], ['null', null], ['undefined', undefined],
    ['{}', {}], ['[h]', [h]], ['true', true], ['new Number(h)', new Number(h)], ['{valueOf: () => h}', { valueOf: () => h }],
  ];

  test('blockInfo returns undefined for anything but a live block\'s handle', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const h = w.allocate(100, 'middle');
    assert.deepEqual(w.blockInfo(h), { handle: h, size: 100, tier: 1, tierName: 'middle' });
    for (const [name, x] of notHandles(h)) assert.equal(w.blockInfo(x), undefined, name);
    w.free(h);
    assert.equal(w.blockInfo(h), undefined, 'a freed block');
    w.destroy();
  });

  test('every call that takes a handle refuses the same values: TypeError or RangeError, nothing changes', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const reg = new AssetRegistry(w);
    const h = w.allocate(100, 'middle');
    w.write(h, fillPattern(new Uint8Array(100), 3));
    const calls = {
      free: (x) => w.free(x),
      write: (x) => w.write(x, new Uint8Array(1)),
      read: (x) => w.read(x, 1),
      'copy (dst)': (x) => w.copy(x, h, 1),
      'copy (src)': (x) => w.copy(h, x, 1),
      'bulkCopy (dst)': (x) => w.bulkCopy([[x, h, 1]]),
      'bulkCopy (src)': (x) => w.bulkCopy([{ dst: h, src: x, length: 1 }]),
      view: (x) => w.view(x),
      viewFloat32: (x) => w.viewFloat32(x),
      register: (x) => reg.register('p', { handle: x }),
    };
    for (const [what, call] of Object.entries(calls)) {
      for (const [name, x] of notHandles(h)) {
        const expected = typeof x === 'number' ? RangeError : TypeError;
        assert.throws(() => call(x), (e) => e instanceof expected && e.message.length > 0, `${what}(${name})`);
      }
    }
    assert.equal(w.liveBlocks, 1);
    assert.equal(w.tierStats('middle').liveBlocks, 1);
    assert.equal(reg.list().length, 0);
    assert.ok(samePattern(w.read(h), 3));
    w.destroy();
  });
});

describe('batch calls need no memory the user did not ask for (item 10)', () => {
  // An instance whose linear memory is at its maximum, with room left in grown segments: the
  // bottom tier's first segment and a block in each tier were taken before filling the top tier.
  async function atMaximum() {
    const max = 4 * MiB;
    const w = await Walloc.create({ capacity: 64 * MiB, maximumMemory: max });
    const a = w.allocate(64, 'bottom'), b = w.allocate(64, 'bottom');
    // Each size class keeps its blocks in spans of its own: give the classes the batches below
    // use one each (emptied again, they stay with the class) while memory can still grow.
    for (const size of [16, 24, 100]) w.free(w.allocate(size, 'bottom'));
    w.write(a, fillPattern(new Uint8Array(64), 1));
    w.write(b, fillPattern(new Uint8Array(64), 2));
    while (w.allocate(64 * 1024, 'top') !== Walloc.NULL);
    // The top tier stops when a segment no longer fits; take the pages that are left too.
    const rest = (max - w.memory.buffer.byteLength) / 65536;
    if (rest > 0) w.memory.grow(rest);
    assert.equal(w.memory.buffer.byteLength, max, 'memory is at its maximum');
    const probe = w.allocate(16, 'bottom');
    assert.notEqual(probe, Walloc.NULL, 'a single allocation still fits');
    w.free(probe);
    return { w, a, b };
  }

  test('allocateBatch works wherever the same allocate calls work', async () => {
    const { w } = await atMaximum();
    const before = w.liveBlocks;
    const hs = w.allocateBatch([16, { size: 24, tier: 'bottom' }, 100]);
    assert.ok(hs.every((h) => h !== Walloc.NULL), `${hs}`);
    assert.equal(new Set(hs).size, 3);
    assert.equal(w.liveBlocks, before + 3);
    for (const h of hs) w.free(h);
    w.destroy();
  });

  test('bulkCopy works wherever the same copy calls work, and still checks every entry first', async () => {
    const { w, a, b } = await atMaximum();
    w.copy(a, b, 8);
    w.bulkCopy([[a, b, 16], { dst: b, src: a, length: 8, dstOffset: 32 }]);
    assert.deepEqual(w.read(a, 16), fillPattern(new Uint8Array(64), 2).subarray(0, 16));
    assert.deepEqual(w.read(b, 8, 32), fillPattern(new Uint8Array(64), 2).subarray(0, 8));
    const snapshot = [w.read(a), w.read(b)];
    assert.throws(() => w.bulkCopy([[a, b, 8], [b, a, 65]]), /entry 1/);
    assert.deepEqual([w.read(a), w.read(b)], snapshot, 'nothing copied when one entry is bad');
    w.destroy();
  });
});

describe('allocateBatch and allocate agree on sizes (item 11)', () => {
  test('an entry larger than its tier: every entry Walloc.NULL, like allocate\'s NULL; nothing stays allocated', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const cap = w.tierStats('top').capacity;
    assert.equal(w.allocate(cap + 1, 'top'), Walloc.NULL);
    assert.equal(w.allocate(0xFFFFFFFF, 'top'), Walloc.NULL);
    for (const batch of [
      [{ size: cap + 1, tier: 'top' }],
      [{ size: 16, tier: 'top' }, { size: 0xFFFFFFFF, tier: 'top' }],
      [{ size: cap + 1, tier: 'top' }, 16, { size: 100, tier: 'middle' }],
      [16, 32, { size: 100, tier: 'middle' }, { size: w.tierStats('bottom').capacity + 8 }],
    ]) {
      const live = w.liveBlocks, core = [0, 1, 2].map((t) => w.tierStats(t).liveBlocks);
      assert.deepEqual(w.allocateBatch(batch), batch.map(() => Walloc.NULL), JSON.stringify(batch));
      assert.equal(w.liveBlocks, live);
      assert.deepEqual([0, 1, 2].map((t) => w.tierStats(t).liveBlocks), core);
    }
    w.destroy();
  });

  test('sizes allocate refuses are refused for the entry, named, before anything is allocated', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    for (const [bad, Err] of [[-1, RangeError], [2 ** 32, RangeError], [1.5, RangeError], [NaN, RangeError], ['16', TypeError], [16n, TypeError], [null, TypeError]]) {
      assert.throws(() => w.allocate(bad), Err);
      assert.throws(() => w.allocateBatch([16, { size: bad }]), (e) => e instanceof Err && /entry 1/.test(e.message), String(bad));
      assert.equal(w.liveBlocks, 0);
    }
    w.destroy();
  });
});

describe('index, offset and length arguments are checked, not coerced (item 12)', () => {
  const notIndices = [['NaN', NaN], ['null', null], ['{}', {}], ["'16'", '16'], ['1.5', 1.5], ['-1', -1],
    ['10n', 10n], ['true', true], ['Infinity', Infinity], ['2**32', 2 ** 32], ['new Number(1)', new Number(1)],
    ['{valueOf: () => 1}', { valueOf: () => 1 }]];
  const errFor = (x) => (typeof x === 'number' ? RangeError : TypeError);

  // A block with a neighbour on each side, all three filled; nothing may change them.
  async function setup(Type = Float32Array) {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const reg = new AssetRegistry(w);
    const [lo, h, hi] = [w.allocate(64, 'top'), w.allocate(64, 'top'), w.allocate(64, 'top')];
    for (const [x, seed] of [[lo, 1], [h, 2], [hi, 3]]) w.write(x, fillPattern(new Uint8Array(64), seed));
    const v = w.view(h, 64 / Type.BYTES_PER_ELEMENT, Type);
    const intact = () => {
      assert.ok(samePattern(w.read(lo), 1), 'the block before is intact');
      assert.ok(samePattern(w.read(h), 2), 'the block is unchanged');
      assert.ok(samePattern(w.read(hi), 3), 'the block after is intact');
    };
    return { w, reg, lo, h, hi, v, intact };
  }

  test('BlockView.get and set: the index is an integer in [0, length)', async () => {
    const { w, v, intact } = await setup();
    for (const [name, i] of [...notIndices, ['length', 16], ['undefined', undefined]]) {
      assert.throws(() => v.get(i), errFor(i), `get(${name})`);
      assert.throws(() => v.set(i, 1), errFor(i), `set(${name}, 1)`);
    }
    intact();
    assert.equal(typeof v.get(15), 'number');
    w.destroy();
  });

  test('BlockView.set and fill: the value is a number (a bigint in BigInt views), never coerced', async () => {
    const { w, v, intact } = await setup();
    for (const [name, x] of [["'16'", '16'], ['null', null], ['undefined', undefined], ['{}', {}], ['true', true], ['10n', 10n],
      ['{valueOf: () => 1}', { valueOf: () => 1 }], ['[1]', [1]]]) {
      assert.throws(() => v.set(0, x), TypeError, `set(0, ${name})`);
      assert.throws(() => v.fill(x), TypeError, `fill(${name})`);
    }
    intact();
    const b = w.viewBigInt64(v.handle);
    for (const x of [1, '1', null, 1.5]) {
      assert.throws(() => b.set(0, x), TypeError, `BigInt64 set(0, ${x})`);
      assert.throws(() => b.fill(x), TypeError);
    }
    intact();
    b.set(0, 5n);
    assert.equal(b.get(0), 5n);
    v.set(1, 2.5);
    assert.equal(v.get(1), 2.5);
    w.destroy();
  });

  test('BlockView.fill: start and end are integers with 0 <= start <= end <= length', async () => {
    const { w, v, intact } = await setup();
    for (const [name, x] of [...notIndices, ['17', 17]]) {
      assert.throws(() => v.fill(0, x), errFor(x), `fill(0, ${name})`);
      assert.throws(() => v.fill(0, 0, x), errFor(x), `fill(0, 0, ${name})`);
    }
    assert.throws(() => v.fill(0, 5, 4), RangeError, 'start after end');
    intact();
    v.fill(7, 2, 4);
    assert.deepEqual([...v.toArray().subarray(1, 5)], [v.get(1), 7, 7, v.get(4)]);
    w.destroy();
  });

  test('BlockView.copyFrom: at is checked, the source is an array or typed array of the view\'s kind', async () => {
    const { w, v, intact } = await setup();
    for (const [name, at] of [...notIndices, ['15 (3 do not fit)', 15], ['17', 17]]) {
      assert.throws(() => v.copyFrom([1, 2, 3], at), errFor(at), `copyFrom([1, 2, 3], ${name})`);
    }
    for (const [name, src] of [["'abc'", 'abc'], ['null', null], ['42', 42], ['{length: 2}', { length: 2 }],
      ["[1, '2']", [1, '2']], ['[1, 2n]', [1, 2n]], ['[1, , 3]', [1, , 3]], ['[{}]', [{}]],
      ['BigInt64Array', new BigInt64Array(2)], ['DataView', new DataView(new ArrayBuffer(8))]]) {
      assert.throws(() => v.copyFrom(src), TypeError, `copyFrom(${name})`);
    }
    intact();
    v.copyFrom([1, 2, 3], 13);
    v.copyFrom(new Float64Array([4.5]), 0);
    v.copyFrom(new Uint8Array([9]));
    assert.deepEqual([v.get(0), v.get(13), v.get(14), v.get(15)], [9, 1, 2, 3]);
    w.destroy();
  });

  test('copyFrom reads its source before it writes: a getter that frees the block cannot redirect the copy', async () => {
    const { w, h, v } = await setup(Uint8Array);
    let other;
    const src = [1, 2, 3];
    Object.defineProperty(src, 1, { get() { w.free(h); other = w.allocate(64, 'top'); w.write(other, new Uint8Array(64).fill(0xEE)); return 2; } });
    assert.throws(() => v.copyFrom(src), RangeError, 'the view is no longer valid');
    assert.equal(other, h, 'the same block came back to someone else');
    assert.deepEqual([...w.read(other)], Array(64).fill(0xEE), 'and the copy did not write into it');
    w.destroy();
  });

  test('write, registerBytes: a source\'s own length, buffer or offset properties are not believed', async () => {
    const { w, reg, h, intact } = await setup();
    const lying = new Uint8Array(128).fill(0xAB);
    Object.defineProperty(lying, 'length', { value: 8 });
    Object.defineProperty(lying, 'byteLength', { value: 8 });
    assert.throws(() => w.write(h, lying), RangeError, '128 bytes do not fit a 64-byte block');
    class Liar extends Uint16Array { get byteLength() { return 2; } get length() { return 1; } get byteOffset() { return 0; } }
    assert.throws(() => w.write(h, new Liar(64)), RangeError);
    intact();
    const live = w.liveBlocks;
    const rec = reg.registerBytes(lying, 'top');
    assert.equal(rec.size, 128, 'the asset has the bytes the array really holds');
    assert.deepEqual([...w.read(rec.handle)], Array(128).fill(0xAB));
    assert.equal(w.liveBlocks, live + 1);
    intact();
    w.destroy();
  });

  test('the other calls\' offsets and lengths', async () => {
    const { w, reg, lo, h, hi, intact } = await setup();
    const data = new Uint8Array(4);
    for (const [name, x] of notIndices) {
      const E = errFor(x);
      assert.throws(() => w.write(h, data, x), E, `write offset ${name}`);
      assert.throws(() => w.read(h, x), E, `read length ${name}`);
      assert.throws(() => w.read(h, 4, x), E, `read offset ${name}`);
      assert.throws(() => w.copy(lo, hi, x), E, `copy length ${name}`);
      assert.throws(() => w.copy(lo, hi, 4, x), E, `copy dstOffset ${name}`);
      assert.throws(() => w.copy(lo, hi, 4, 0, x), E, `copy srcOffset ${name}`);
      assert.throws(() => w.view(h, x), E, `view length ${name}`);
      assert.throws(() => w.view(h, 4, Uint8Array, x), E, `view byteOffset ${name}`);
      assert.throws(() => w.free(h, x), E, `free size ${name}`);
      assert.throws(() => reg.register('p', { handle: h, size: x }), E, `register size ${name}`);
    }
    intact();
    reg.register('p', { handle: h });
    assert.throws(() => reg.view('p', Array), TypeError);
    assert.throws(() => reg.view('p', null), TypeError);
    assert.throws(() => reg.view(5), TypeError);
    assert.throws(() => reg.registerBytes(w.view(lo).array, 'garbage'), RangeError, 'the tier is checked on every path');
    assert.throws(() => reg.registerBytes(new Uint8Array(4), 'top', null), TypeError);
    assert.throws(() => reg.register('q', null), TypeError);
    w.destroy();
  });

  test('option objects are checked, not coerced', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB });
    const reg = new AssetRegistry(w, { baseUrl: 'http://127.0.0.1:9/' });
    await assert.rejects(reg.loadAll(['a'], { signal: { aborted: false } }), TypeError);
    await assert.rejects(reg.loadAll(['a'], { settle: 'yes' }), TypeError);
    await assert.rejects(reg.loadAll(['a'], { concurrency: '2' }), TypeError);
    await assert.rejects(reg.load('a', 'binary', { signal: { aborted: false } }), TypeError);
    await assert.rejects(Walloc.compile(null), TypeError);
    assert.equal(reg.loading, 0, 'nothing started');
    w.destroy();
  });

  test('BlockView cannot be constructed outside Walloc.view', async () => {
    const { w, h } = await setup();
    const { BlockView } = await import('./helpers.mjs');
    assert.throws(() => new BlockView(w, h, 1, 0, 4096, Uint8Array), TypeError, 'a view over 4 KiB of someone else\'s memory');
    w.destroy();
  });
});

describe('after destroy() (item 13)', () => {
  test('every call throws the exported DestroyedError; loads reject with it; destroy() stays a no-op', async () => {
    const mod = await import('../../wasm-emscripten/walloc.mjs');
    const { DestroyedError } = mod;
    assert.equal(typeof DestroyedError, 'function', 'walloc.mjs exports DestroyedError');
    const w = await Walloc.create({ capacity: 4 * MiB });
    const reg = new AssetRegistry(w, { baseUrl: 'http://127.0.0.1:9/' });
    const h = w.allocate(64, 'top');
    reg.register('a', { handle: h });
    const v = w.view(h);
    w.destroy();
    const calls = {
      allocate: () => w.allocate(8), free: () => w.free(h), blockInfo: () => w.blockInfo(h),
      allocateBatch: () => w.allocateBatch([8]), resetTier: () => w.resetTier(0), fastCompactTier: () => w.fastCompactTier(0),
      tierStats: () => w.tierStats(0), memoryStats: () => w.memoryStats(), onGrowth: () => w.onGrowth(() => {}),
      write: () => w.write(h, new Uint8Array(1)), read: () => w.read(h), copy: () => w.copy(h, h, 1),
      bulkCopy: () => w.bulkCopy([]), view: () => w.view(h), viewFloat32: () => w.viewFloat32(h),
      setBaseUrl: () => reg.setBaseUrl('http://127.0.0.1:9/'), setConcurrency: () => reg.setConcurrency(2),
      tierForType: () => reg.tierForType('mesh'), register: () => reg.register('b', { handle: h }), get: () => reg.get('a'),
      has: () => reg.has('a'), assets: () => reg.list(), evict: () => reg.evict('a'), evictBatch: () => reg.evictBatch(['a']),
      assetView: () => reg.view('a'), loadAssetZeroCopy: () => reg.registerBytes(new Uint8Array(4)),
      memory: () => w.memory, exports: () => w.exports, instanceAddress: () => w.instanceAddress,
    };
    for (const [name, call] of Object.entries(calls)) {
      assert.throws(call, (e) => e instanceof DestroyedError && e.name === 'DestroyedError' && /destroyed/.test(e.message), name);
    }
    await assert.rejects(reg.load('x'), DestroyedError);
    await assert.rejects(reg.loadAll(['x']), DestroyedError);
    // What the instance was still answers; its views are invalid (RangeError, like any invalid view).
    assert.equal(w.alive, false);
    assert.equal(w.liveBlocks, 0);
    assert.equal(w.capacity, 4 * MiB);
    assert.deepEqual([...w.ratios], [0.5, 0.3, 0.2]);
    assert.equal(w.checked, false);
    assert.equal(reg.baseUrl, 'http://127.0.0.1:9/');
    assert.equal(v.valid, false);
    assert.throws(() => v.array, RangeError);
    w.destroy();
  });
});

describe('live figures (item 13)', () => {
  test('liveBytes is exactly the footprint of the live blocks, through frees, compactions and resets', async () => {
    const w = await Walloc.create({ capacity: 32 * MiB });
    const fp = (t, size) => w.exports.wjs_block_size(w.instanceAddress, t, size);
    const live = new Map(); // handle -> [tier, size]
    const alloc = (size, t) => { const h = w.allocate(size, t); assert.notEqual(h, Walloc.NULL); live.set(h, [t, size]); return h; };
    const free = (h) => { w.free(h); live.delete(h); };
    const check = (what) => {
      for (const t of [0, 1, 2]) {
        for (const [h] of live) if (!w.blockInfo(h)) live.delete(h);
        let sum = 0;
        for (const [, [bt, size]] of live) if (bt === t) sum += fp(t, size);
        const s = w.tierStats(t);
        assert.equal(s.liveBytes, sum, `${what}: tier ${t}: live ${s.liveBytes}, blocks ${sum}`);
      }
      const m = w.memoryStats();
      assert.equal(m.totals.liveBytes, m.tiers.reduce((a, s) => a + s.liveBytes, 0));
    };
    const sizes = [0, 8, 100, 1100, 4096, 20000, 100000, 300000];
    for (const t of [0, 1, 2]) {
      const hs = sizes.flatMap((s) => [alloc(s, t), alloc(s + 8, t)]);
      check('allocated');
      hs.filter((_, i) => i % 3 === 0).forEach(free);
      check('some freed');
      const mark = w.tierStats(t).bumpHead;
      const later = [alloc(5000, t), alloc(200000, t)];
      free(later[0]);
      w.fastCompactTier(t, mark);
      check('compacted to a mark: the freed blocks below it stay free');
      alloc(64, t); alloc(150000, t);
      free(hs[1]);
      check('allocations and frees after the compaction');
      w.fastCompactTier(t, Math.floor(mark / 3));
      check('compacted again, lower');
      w.fastCompactTier(t, w.tierStats(t).bumpHead + 4096);
      check('compacted past the head');
      w.resetTier(t);
      check('reset');
    }
    w.destroy();
  });
});
