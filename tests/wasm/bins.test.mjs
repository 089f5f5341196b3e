// The single-threaded build's bins (native/src/bins.h): blocks the one thread freed wait in a
// short stack per tier and class, in front of their spans, which still count them as used.
// Every order of calls must see what it would without them: statistics that count binned blocks
// as free, room that binned blocks hold given back when a tier runs out, resets and compactions
// that never hand out a binned block again, and no block handed out twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, fillPattern, samePattern, rng } from './helpers.mjs';

const TIERS = [0, 1, 2];
// Sizes across the classes (bins hold up to 16 KiB of a class) and a few large blocks.
const SIZES = [1, 8, 24, 64, 100, 128, 200, 500, 1000, 2048, 4000, 8192, 9000, 20000];

const footprint = (w, t, size) => w.exports.wjs_block_size(w.instanceAddress, t, size);

// A model of what the caller did, checked against the core's statistics and memory.
class Model {
  constructor(w) {
    this.w = w;
    this.live = new Map(); // handle -> { size, tier, seed }
    this.allocs = [0, 0, 0];
    this.frees = [0, 0, 0];
    this.seed = 1;
  }

  allocate(size, t) {
    const h = this.w.allocate(size, t);
    if (h === Walloc.NULL) return h;
    assert.ok(!this.live.has(h), `handle ${h} handed out while live`);
    const seed = this.seed++;
    if (size > 0) this.w.write(h, fillPattern(new Uint8Array(size), seed));
    this.live.set(h, { size, tier: t, seed });
    this.allocs[t]++;
    return h;
  }

  free(h) {
    const b = this.live.get(h);
    if (b.size > 0) assert.ok(samePattern(this.w.read(h, b.size), b.seed), `block ${h} (${b.size} B) kept its contents`);
    this.w.free(h);
    this.live.delete(h);
    this.frees[b.tier]++;
  }

  // After a reset or compaction of tier t: the blocks the face still knows survive.
  released(t) {
    for (const [h, b] of this.live) if (b.tier === t && this.w.blockInfo(h) === undefined) this.live.delete(h);
  }

  check(where) {
    for (const t of TIERS) {
      const s = this.w.tierStats(t);
      let blocks = 0, bytes = 0;
      for (const b of this.live.values()) if (b.tier === t) blocks++, bytes += footprint(this.w, t, b.size);
      assert.equal(s.liveBlocks, blocks, `${where}: tier ${t} live blocks`);
      assert.equal(s.liveBytes, bytes, `${where}: tier ${t} live bytes`);
      assert.equal(s.totalAllocs, this.allocs[t], `${where}: tier ${t} allocations`);
      assert.equal(s.totalFrees, this.frees[t], `${where}: tier ${t} frees`);
      assert.equal(s.liveBytes + s.freeBytes + s.wastedBytes, s.bumpHead, `${where}: tier ${t} bytes add up`);
    }
    // No two live blocks overlap (footprints, sorted by handle).
    const spans = [...this.live].map(([h, b]) => [h, h + Math.max(footprint(this.w, b.tier, b.size), 1)]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i - 1][1] <= spans[i][0], `${where}: blocks at ${spans[i - 1][0]} and ${spans[i][0]} overlap`);
    }
  }
}

test('statistics, contents and placement stay exact while bins hold freed blocks, through resets and compactions', async () => {
  const w = await Walloc.create({ capacity: 8 * 1024 * 1024 });
  const m = new Model(w), r = rng(7);
  for (let step = 1; step <= 6000; step++) {
    const op = r.int(100);
    if (op < 55 || m.live.size === 0) {
      m.allocate(Math.max(0, SIZES[r.int(SIZES.length)] - r.int(3)), TIERS[r.int(3)]);
    } else if (op < 98) {
      const hs = [...m.live.keys()];
      m.free(hs[r.int(hs.length)]);
    } else if (op < 99) {
      const t = TIERS[r.int(3)];
      w.resetTier(t);
      m.released(t);
    } else {
      const t = TIERS[r.int(3)];
      w.fastCompactTier(t, r.int(2) === 0 ? 0 : r.int(w.tierStats(t).bumpHead + 1));
      m.released(t);
    }
    if (step % 250 === 0) m.check(`step ${step}`);
  }
  for (const h of [...m.live.keys()]) m.free(h);
  m.check('all freed');
  w.destroy();
});

test('a tier that runs out of room takes back the blocks its bins hold', async () => {
  // Fill a tier with one class, free it all (bins keep some of it), then fill it with another:
  // the second class must get the whole tier, less what its own class size cannot use.
  for (const t of TIERS) {
    for (const [a, b] of [[64, 3000], [3000, 64], [200, 1000]]) {
      const w = await Walloc.create({ capacity: 4 * 1024 * 1024 });
      const cap = w.tierStats(t).capacity;
      const fill = (size) => { const hs = []; for (let h; (h = w.allocate(size, t)) !== Walloc.NULL;) hs.push(h); return hs; };
      const first = fill(a);
      for (const h of first) w.free(h);
      const failedBefore = w.tierStats(t).failedAllocs;
      const second = fill(b);
      const got = second.length * footprint(w, t, b), room = cap - 2 * footprint(w, t, b) - 4096;
      assert.ok(got > room, `tier ${t}: ${second.length} blocks of ${b} B (${got} B) after ${first.length} of ${a} B were freed; want more than ${room} B`);
      assert.equal(w.tierStats(t).failedAllocs - failedBefore, 1, 'only the allocation that found the tier full failed');
      for (const h of second) w.free(h);
      assert.equal(w.tierStats(t).liveBlocks, 0);
      w.destroy();
    }
  }
});

test('a reset or compaction never hands out a block that a bin held, and blocks below keep survive', async () => {
  for (const t of TIERS) {
    const w = await Walloc.create({ capacity: 4 * 1024 * 1024 });
    const m = new Model(w);
    const hs = [];
    for (let i = 0; i < 400; i++) hs.push(m.allocate(SIZES[i % 10], t));
    // Free the upper half (into bins, and spans once a bin is full), keep the lower half.
    const sorted = [...hs].sort((a, b) => a - b);
    const cut = sorted[200];
    for (const h of sorted.slice(200)) m.free(h);
    m.check(`tier ${t} before compaction`);
    const keep = w.tierStats(t).bumpHead - (w.tierStats(t).bumpHead >> 2);
    w.fastCompactTier(t, keep);
    m.released(t);
    m.check(`tier ${t} after compaction`);
    assert.ok(m.live.size > 0 && [...m.live.keys()].every((h) => h < cut), 'the lower blocks survive');
    // Everything allocated now is new memory for the model: no handle of a survivor, no overlap.
    for (let i = 0; i < 600; i++) m.allocate(SIZES[(i * 7) % 10], t);
    m.check(`tier ${t} after refilling`);
    w.resetTier(t);
    m.released(t);
    assert.equal(m.live.size, 0);
    for (let i = 0; i < 300; i++) m.allocate(SIZES[(i * 3) % 10], t);
    m.check(`tier ${t} after reset`);
    w.destroy();
  }
});

test('blocks of one class come back in address order after the first allocation of a span', async () => {
  const w = await Walloc.create({ capacity: 4 * 1024 * 1024 });
  for (const t of TIERS) {
    const size = 96, fp = footprint(w, t, size);
    const first = w.allocate(size, t);
    for (let i = 1; i < 12; i++) assert.equal(w.allocate(size, t), first + i * fp, `tier ${t}: block ${i}`);
  }
  w.destroy();
});
