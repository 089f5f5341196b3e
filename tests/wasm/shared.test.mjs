// Shared mode in Node (worker_threads): Walloc.create({ shared: true }) with Workers attached
// through shareable() / Walloc.attach(). The Workers' side is shared-worker.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Walloc } from './helpers.mjs';

const WORKER = new URL('./shared-worker.mjs', import.meta.url);

function start(job, shared, data = {}) {
  const worker = new Worker(WORKER, { workerData: { job, shared, ...data } });
  // A Worker stuck in a spin (what a broken lock or gate can cause) must not keep this file's
  // process alive after its test timed out: the timeout is the failure.
  worker.unref();
  const inbox = [];
  let wake;
  worker.on('message', (m) => { inbox.push(m); wake?.(); });
  worker.on('error', (e) => { inbox.push({ crashed: String(e.stack || e) }); wake?.(); });
  return {
    worker,
    async next() {
      while (inbox.length === 0) await new Promise((r) => { wake = r; });
      const m = inbox.shift();
      if (m && m.crashed) throw new Error(`worker ${job} crashed: ${m.crashed}`);
      return m;
    },
    post: (m) => worker.postMessage(m),
  };
}

// No two blocks of the list ([handle, size]) overlap.
function assertDisjoint(blocks, when) {
  const sorted = blocks.slice().sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [h0, s0] = sorted[i - 1], [h1] = sorted[i];
    assert.ok(h0 + Math.max(1, s0) <= h1, `${when}: blocks ${h0} (${s0} bytes) and ${h1} overlap`);
  }
}

test('four Workers, over a million operations: blocks cross Workers, contents survive, nothing overlaps, memory grows', { timeout: 90000 }, async () => {
  // Small memory to start with (the module's 2 pages plus each handle's stack), so the tiers
  // grow it while the Workers run.
  const w = await Walloc.create({ shared: true, capacity: 192 << 20, maximumMemory: 512 << 20 });
  const workers = 4, phases = 4, opsPerPhase = 100_000, ringEntries = 4096;
  const rings = Array.from({ length: workers }, () => new SharedArrayBuffer((2 + 4 * ringEntries) * 4));
  const memStart = w.memory.buffer.byteLength;
  const ws = Array.from({ length: workers }, (_, index) =>
    start('stress', w.shareable(), { index, workers, opsPerPhase, phases, rings, ringEntries }));
  let passed = false;
  try {
    for (let phase = 0; phase < phases; phase++) {
      const reports = await Promise.all(ws.map((x) => x.next()));
      const live = [];
      for (const r of reports) {
        assert.deepEqual(r.errors, [], `phase ${phase}`);
        live.push(...r.live);
      }
      // Blocks in flight between Workers are live too: read the rings (every Worker waits now).
      for (const ring of rings) {
        const a = new Int32Array(ring);
        for (let i = a[1]; i < a[0]; i++) { const at = 2 + (i % ringEntries) * 4; live.push([a[at] >>> 0, a[at + 1]]); }
      }
      assertDisjoint(live, `checkpoint ${phase}`);
      const inCore = [0, 1, 2].reduce((n, t) => n + w.tierStats(t).liveBlocks, 0);
      assert.equal(inCore, live.length, `checkpoint ${phase}: the core counts ${inCore} live blocks, the Workers hold ${live.length}`);
      for (const x of ws) x.post(phase + 1 < phases ? 'continue' : 'finish');
    }
    const done = await Promise.all(ws.map((x) => x.next()));
    let allocs = 0, frees = 0, handed = 0, received = 0;
    for (const d of done) {
      assert.deepEqual(d.errors, []);
      allocs += d.allocs; frees += d.frees; handed += d.handed; received += d.received;
    }
    assert.ok(allocs + frees >= 1_000_000, `${allocs + frees} operations`);
    assert.equal(allocs, frees, 'every block was freed');
    assert.equal(handed, received, 'every handed block was freed by the Worker it went to');
    assert.ok(handed > 10_000, `${handed} blocks crossed Workers`);
    const stats = [0, 1, 2].map((t) => w.tierStats(t));
    for (const s of stats) {
      assert.equal(s.liveBlocks, 0, `${s.name}: live blocks`);
      assert.equal(s.liveBytes, 0, `${s.name}: live bytes`);
      assert.equal(s.totalAllocs, s.totalFrees, `${s.name}: allocations and frees`);
    }
    assert.equal(stats.reduce((n, s) => n + s.totalAllocs, 0), allocs, 'the core counted every allocation');
    const memEnd = w.memory.buffer.byteLength;
    assert.ok(memEnd > memStart + (8 << 20), `memory grew during the run (${memStart} -> ${memEnd} bytes)`);
    assert.ok(done.some((d) => d.memEnd > d.memStart), 'a Worker saw the memory grow under its views');
    passed = true;
  } finally {
    await Promise.all(ws.map((x) => x.worker.terminate()));
    if (passed) w.destroy(); // after a failure a Worker may have died inside a call: destroy would wait for it
  }
});

test('tiers that grow at once in three Workers keep every block findable (the page map never moves under a reader)', { timeout: 60000 }, async () => {
  // Each round a fresh instance, so its page map grows from nothing while the three tiers fill.
  for (let round = 0; round < 20; round++) {
    const w = await Walloc.create({ shared: true, capacity: 96 << 20, maximumMemory: 256 << 20 });
    const ws = ['top', 'middle', 'bottom'].map((tier, i) => start('grow', w.shareable(), { tier, ops: 4000, seed: round * 3 + i + 1 }));
    try {
      const results = await Promise.all(ws.map((x) => x.next()));
      for (const r of results) assert.deepEqual(r.errors, [], `round ${round}`);
      assert.ok(results.every((r) => r.allocs > 100), `round ${round}: ${results.map((r) => r.allocs)} blocks`);
      for (const t of [0, 1, 2]) assert.equal(w.tierStats(t).liveBlocks, 0, `round ${round}: tier ${t} emptied`);
    } finally {
      await Promise.all(ws.map((x) => x.worker.terminate()));
    }
    w.destroy();
  }
});

test('reset and compact are refused while another Worker allocates in that tier, and never corrupt it', { timeout: 30000 }, async () => {
  const w = await Walloc.create({ shared: true, capacity: 32 << 20, maximumMemory: 128 << 20 });
  const stop = new SharedArrayBuffer(4);
  const x = start('churn', w.shareable(), { tier: 'bottom', stop });
  let passed = false;
  try {
    assert.equal(await x.next(), 'ready');
    // The main thread's own blocks in the other tiers must come through untouched.
    const mine = w.allocate(4096, 'middle');
    w.write(mine, new Uint8Array(4096).fill(0x5A));
    // The resets run in a Worker too: a broken gate may leave a call spinning, and this thread
    // must stay free to report the time-out.
    const y = start('resetter', w.shareable(), { tier: 'bottom', other: 'top', ms: 1500 });
    const { busy, done, otherTier, errors } = await y.next();
    Atomics.store(new Int32Array(stop), 0, 1);
    const r = await x.next();
    assert.deepEqual(errors, []);
    assert.deepEqual(r.errors, []);
    assert.ok(busy > 0, `a reset of the tier in use was refused (${busy} refused, ${done} ran, ${r.ops} worker operations)`);
    assert.ok(r.ops > 100, `the Worker kept allocating (${r.ops})`);
    assert.ok(w.read(mine).every((b) => b === 0x5A), 'the middle tier block is intact');
    assert.ok(otherTier > 0);
    await y.worker.terminate();
    // Quiet now: the reset runs, and the tier is empty and usable.
    w.resetTier('bottom');
    const s = w.tierStats('bottom');
    assert.equal(s.liveBlocks, 0);
    assert.equal(s.liveBytes, 0);
    const hs = Array.from({ length: 64 }, (_, i) => { const h = w.allocate(100 + i, 'bottom'); w.write(h, new Uint8Array(100 + i).fill(i)); return h; });
    hs.forEach((h, i) => assert.ok(w.read(h).every((b) => b === i)));
    assertDisjoint(hs.map((h, i) => [h, 100 + i]), 'after the reset');
    passed = true;
  } finally {
    await x.worker.terminate();
    if (passed) w.destroy(); // after a failure a Worker may have died inside a call: destroy would wait for it
  }
});

test('a copy racing another Worker\'s free never lands in the block given out next', { timeout: 60000 }, async () => {
  const w = await Walloc.create({ shared: true, capacity: 64 << 20, maximumMemory: 128 << 20 });
  const sync = new SharedArrayBuffer(16);
  const writer = start('raceWriter', w.shareable(), { sync });
  const owner = start('raceOwner', w.shareable(), { sync, rounds: 100 });
  let passed = false;
  try {
    const r = await owner.next();
    const wr = await writer.next();
    assert.equal(r.hits, 0, `the writer's copy landed in the next block in ${r.hits} of 100 rounds`);
    assert.ok(r.sameAddress > 60, `the new block mostly takes the freed one's address (${r.sameAddress} of 100)`);
    assert.ok(r.waited > 60, `the writer was copying when the free came (${r.waited} of 100)`);
    assert.ok(wr.ended > 60, `the writer's view stopped at the free (${wr.ended})`);
    passed = true;
  } finally {
    await Promise.all([writer.worker.terminate(), owner.worker.terminate()]);
    if (passed) w.destroy();
  }
});

test('bad frees from a Worker are errors and change nothing; a good cross-Worker free works', { timeout: 30000 }, async () => {
  const w = await Walloc.create({ shared: true, capacity: 8 << 20, maximumMemory: 64 << 20 });
  const aSize = 200;
  const a = w.allocate(aSize, 'middle');
  const b = w.allocate(300, 'middle');
  w.write(a, new Uint8Array(aSize).fill(7));
  w.write(b, new Uint8Array(300).fill(9));
  const before = w.tierStats('middle');
  // The slot after a in its span: handed out to the tier, never allocated.
  const next = a + w.exports.wjs_block_size(w.instanceAddress, 1, aSize);
  const x = start('badfree', w.shareable(), { a, aSize, next });
  let passed = false;
  try {
    const r = await x.next();
    assert.deepEqual(r, {
      wrongSize: 'RangeError:7', // SIZE_MISMATCH
      misaligned: 'RangeError:3', // INVALID_HANDLE: not aligned for the tier
      inside: 'RangeError:8', // NOT_A_BLOCK
      insideNoSize: 'RangeError:8',
      neverAllocated: 'RangeError:8',
      outsideTiers: 'RangeError:3', // INVALID_HANDLE
      writePastEnd: 'RangeError:4', // OUT_OF_BOUNDS
      writeAtEnd: 'RangeError:4',
      good: 'ok',
      double: 'RangeError:6', // DOUBLE_FREE
      doubleNoSize: 'RangeError:8', // the table says: not a live block
    });
    const after = w.tierStats('middle');
    assert.equal(after.liveBlocks, before.liveBlocks - 1, 'one block freed, by the good free only');
    assert.equal(after.totalFrees, before.totalFrees + 1);
    assert.ok(w.read(b).every((v) => v === 9), 'the other block is intact');
    assert.throws(() => w.read(a), RangeError, 'the freed block is not readable from the creator either');
    w.free(b);
    assert.equal(w.tierStats('middle').liveBlocks, 0);
    passed = true;
  } finally {
    await x.worker.terminate();
    if (passed) w.destroy(); // after a failure a Worker may have died inside a call: destroy would wait for it
  }
});

test('detach() retires the Worker\'s cache: blocks it allocated and another Worker freed are reused', { timeout: 30000 }, async () => {
  const headAfter = async (detach) => {
    const w = await Walloc.create({ shared: true, capacity: 32 << 20, maximumMemory: 128 << 20 });
    const x = start('fill', w.shareable(), { count: 4000, size: 48, tier: 'bottom', detach });
    const hs = await x.next();
    const before = w.tierStats('bottom').bumpHead;
    for (const h of hs) w.free(h, 48);
    const mine = Array.from({ length: 4000 }, () => w.allocate(48, 'bottom'));
    const after = w.tierStats('bottom').bumpHead;
    for (const h of mine) w.free(h, 48);
    await x.worker.terminate();
    w.destroy();
    return { before, after };
  };
  const detached = await headAfter(true);
  assert.equal(detached.after, detached.before, 'the detached Worker\'s spans came back to the tier and were reused');
  // Without detach (a Worker runs no thread destructors) its spans stay its own: new ones are cut.
  const kept = await headAfter(false);
  assert.ok(kept.after > kept.before, `without detach the tier's head moves on (${kept.before} -> ${kept.after})`);
});

test('four Workers create and destroy instances of their own in the shared memory: the platform layer hands nothing out twice', { timeout: 20000 }, async () => {
  const w = await Walloc.create({ shared: true, capacity: 1 << 20, maximumMemory: 512 << 20 });
  const ws = Array.from({ length: 4 }, (_, index) => start('instances', w.shareable(), { index, rounds: 1500 }));
  let passed = false;
  try {
    const reports = await Promise.all(ws.map((x) => x.next()));
    for (const r of reports) assert.deepEqual(r.bad, []);
    passed = true;
  } finally {
    await Promise.all(ws.map((x) => x.worker.terminate()));
    if (passed) w.destroy();
  }
});

test('shareable(), attach() and life: detach retires one handle, destroy closes every one', { timeout: 30000 }, async () => {
  const w = await Walloc.create({ shared: true, capacity: 4 << 20, maximumMemory: 32 << 20 });
  assert.equal(w.shared, true);
  assert.equal(w.checked, true);
  await assert.rejects(Walloc.attach({}), TypeError);
  await assert.rejects(Walloc.create({ shared: true, profile: 16 }), TypeError);
  const s = w.shareable();
  assert.ok(s.module instanceof WebAssembly.Module && s.memory instanceof WebAssembly.Memory);
  structuredClone({ s: { ...s, module: undefined, memory: undefined } }); // the rest is plain data
  const other = await Walloc.attach(s); // a second handle in this thread: its own stack and TLS
  const h = other.allocate(1000, 'top');
  assert.equal(h % 128, 0);
  const v = w.view(h, 250, Float32Array);
  v.fill(1.5);
  assert.equal(other.view(h, 250, Float32Array).get(249), 1.5);
  other.detach();
  assert.throws(() => other.allocate(8), /detached/);
  assert.equal(v.get(0), 1.5, 'blocks outlive the handle that allocated them');
  w.free(h);
  assert.equal(v.valid, false);
  assert.throws(() => v.get(0), RangeError);
  // The same address given out again is another block: the old view stays invalid.
  const again = [];
  while (again.length < 64 && again.at(-1) !== h) again.push(w.allocate(1000, 'top'));
  assert.equal(again.at(-1), h, 'the freed address came back');
  assert.equal(v.valid, false);
  assert.throws(() => v.get(0), RangeError);
  assert.throws(() => v.set(0, 1), RangeError);
  assert.equal(w.view(h, 250, Float32Array).length, 250, 'a new view of the new block works');
  for (const x of again) w.free(x);
  const third = await Walloc.attach(s);
  w.destroy();
  assert.throws(() => third.allocate(8), /destroyed/);
  assert.equal(third.alive, false);
});
