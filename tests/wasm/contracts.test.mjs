// The JavaScript face's documented contracts under hostile arguments and at the edges
// (issue 15, items 8-13).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, startServer, fillPattern, samePattern } from './helpers.mjs';

const MiB = 1024 * 1024;

describe('onGrowth reports the real sizes (item 8)', () => {
  test('each event: oldBytes is the size before that growth, newBytes the size after', async () => {
    const w = await Walloc.create({ capacity: 64 * MiB });
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
    grew(() => w.loadAssetZeroCopy(new Uint8Array(5 * MiB), 'bottom'));
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
      register: (x) => w.register('p', { handle: x }),
    };
    for (const [what, call] of Object.entries(calls)) {
      for (const [name, x] of notHandles(h)) {
        const expected = typeof x === 'number' ? RangeError : TypeError;
        assert.throws(() => call(x), (e) => e instanceof expected && e.message.length > 0, `${what}(${name})`);
      }
    }
    assert.equal(w.liveBlocks, 1);
    assert.equal(w.tierStats('middle').liveBlocks, 1);
    assert.equal(w.assets().length, 0);
    assert.ok(samePattern(w.read(h), 3));
    w.destroy();
  });
});
