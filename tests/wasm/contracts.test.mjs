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
