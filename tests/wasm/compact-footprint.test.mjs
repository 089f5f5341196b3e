// tests/scenarios/faces/compact_footprint.json through the JavaScript face (issue 15, item 3):
// after fastCompactTier(tier, keep) a block is alive exactly when its footprint (its size
// class, or the large-block granule) ends at or below keep rounded up to the tier's alignment.
// The face must say so in blockInfo, BlockView.valid and the registry, refuse to free a
// released block, and never hand out memory twice; in checked and unchecked instances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Walloc, AssetRegistry, ROOT, fillPattern, samePattern } from './helpers.mjs';

const scenario = JSON.parse(readFileSync(path.join(ROOT, 'tests/scenarios/faces/compact_footprint.json'), 'utf8'));
const TIER = { TOP: 0, MIDDLE: 1, BOTTOM: 2 };

// The core's footprint (walloc_block_size) through the raw export: the test's own yardstick.
const footprint = (w, t, size) => w.exports.wjs_block_size(w.instanceAddress, t, size);

function runCase(c, checked) {
  return async () => {
    const w = await Walloc.create({ capacity: 4 * 1024 * 1024, checked });
    const reg = new AssetRegistry(w);
    const t = TIER[c.tier];
    assert.equal(w.tierStats(t).bumpHead, 0, 'the tier is empty: the first block is at its start');
    const hs = [], views = [];
    c.sizes.forEach((size, i) => {
      const h = w.allocate(size, t);
      assert.notEqual(h, Walloc.NULL);
      if (i > 0) {
        const prev = hs[i - 1], fp = footprint(w, t, c.sizes[i - 1]);
        assert.equal(h, prev + fp, `block ${i} lies right after block ${i - 1}'s footprint (${fp} B)`);
      }
      hs.push(h);
      if (size > 0) w.write(h, fillPattern(new Uint8Array(size), i + 1));
      views.push(w.view(h));
      reg.register(`case/${i}`, { handle: h });
    });
    const liveBefore = w.tierStats(t).liveBlocks;

    w.fastCompactTier(t, c.keep);

    c.alive.forEach((alive, i) => {
      assert.equal(w.blockInfo(hs[i]) !== undefined, alive, `blockInfo of block ${i}`);
      assert.equal(views[i].valid, alive, `BlockView.valid of block ${i}`);
      assert.equal(reg.has(`case/${i}`), alive, `asset of block ${i}`);
      if (alive && c.sizes[i] > 0) assert.ok(samePattern(w.read(hs[i]), i + 1), `block ${i} is intact`);
    });
    const released = c.alive.map((a, i) => (a ? -1 : i)).filter((i) => i >= 0);
    if (checked) assert.equal(w.tierStats(t).liveBlocks, liveBefore - released.length, 'the core released the same blocks');

    // As a user would: x takes the first released block's size, then every block of the case
    // is closed through the face (a released one frees nothing), then one block per footprint.
    const live = []; // [handle, bytes it may use, pattern seed]
    if (released.length > 0) {
      const size = c.sizes[released[0]];
      const x = w.allocate(size, t);
      assert.notEqual(x, Walloc.NULL);
      if (size > 0) w.write(x, fillPattern(new Uint8Array(size), 50));
      live.push([x, size, 50]);
    }
    c.alive.forEach((alive, i) => {
      if (alive) {
        assert.equal(reg.evict(`case/${i}`), true);
      } else {
        const n = w.liveBlocks, core = w.tierStats(t).liveBlocks;
        assert.equal(reg.evict(`case/${i}`), false, 'a released block\'s asset is gone');
        // A handle is a number: where x now starts at the released block's address, free(h)
        // would name x. The asset path above is what closes the released block by identity.
        if (!live.some(([h]) => h === hs[i])) assert.throws(() => w.free(hs[i]), RangeError, 'a released block cannot be freed');
        assert.equal(w.liveBlocks, n);
        assert.equal(w.tierStats(t).liveBlocks, core, 'nothing was freed');
      }
    });
    c.sizes.forEach((size, i) => {
      const fp = footprint(w, t, size);
      const h = w.allocate(fp, t);
      assert.notEqual(h, Walloc.NULL);
      w.write(h, fillPattern(new Uint8Array(fp), 60 + i));
      live.push([h, fp, 60 + i]);
    });
    const ranges = live.map(([h, n]) => [h, h + Math.max(footprint(w, t, n), 1)]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) {
      assert.ok(ranges[i - 1][1] <= ranges[i][0], `blocks at ${ranges[i - 1][0]} and ${ranges[i][0]} overlap`);
    }
    for (const [h, n, seed] of live) if (n > 0) assert.ok(samePattern(w.read(h), seed), `block ${h} is intact`);
    w.destroy();
  };
}

for (const checked of [true, false]) {
  for (const c of scenario.cases) {
    test(`${scenario.name} (${checked ? 'checked' : 'unchecked'}): ${c.name}`, runCase(c, checked));
  }
}
