// Loads racing the calls that take their block away (issue 15, items 1 and 2): resetTier,
// fastCompactTier (to 0, to a keep that releases the load's block, to one that spares it),
// destroy and abort, each at every point of a load: before the response headers, after them
// (the block exists when Content-Length is known), between chunks, and after the last chunk but
// before registration; with and without Content-Length; alone or sharing the request with a
// second caller that aborts first. A server that sends each chunk on command fixes the
// interleaving. After each, the user allocates the same size in the same tier and writes a
// pattern: that block must stay intact and live, a failed load registers nothing, and no block
// leaks.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetRegistry, AssetLoadError, DestroyedError, startControlServer, until, patternBytes, seedOf, fillPattern, samePattern } from './helpers.mjs';

const MiB = 1024 * 1024;
const SIZE = 48 * 1024; // the 'temp' asset: 48 KiB in 4 KiB chunks
const CHUNK = 4096;
let srv;
let serial = 0;

before(async () => { srv = await startControlServer(); });
after(async () => { await srv.close(); });

const RELEASES = { resetTier: /its block was released by resetTier while loading/,
  compact0: /its block was released by fastCompactTier while loading/,
  compactRelease: /its block was released by fastCompactTier while loading/ };

// Whether the load still succeeds after `action` at `phase`: a load loses its block only when it
// has one (Content-Length known and headers received) and the call releases it.
function expectOk(action, phase, withLength) {
  if (action === 'destroy' || action.startsWith('abort')) return false;
  if (action === 'compactSpare') return true;
  return !(withLength && phase !== 'headers');
}

function expectedError(action) {
  if (action === 'destroy') return /instance was destroyed while loading/;
  if (action.startsWith('abort')) return /aborted/;
  return RELEASES[action];
}

async function scenario({ action, phase, withLength, waiters, tier = 'bottom', checked = true }) {
  const t = Walloc.TIERS.indexOf(tier);
  const w = await Walloc.create({ capacity: 16 * MiB, checked });
  const reg = new AssetRegistry(w, { baseUrl: srv.url });
  const mem = w.memory;
  const path = `ctl/${action}-${phase}-${withLength}-${waiters}-${++serial}.bin`;
  // A block of the user's before the load, where a compaction keeps something; otherwise the
  // load's block is the tier's first, which is where the user's next block goes after a reset.
  const withPre = action === 'compactRelease' || action === 'compactSpare' || action === 'abort';
  const s = { pre: undefined, preAlive: withPre, mine: undefined, snapshot: undefined, atAbort: undefined, atReject: undefined };
  if (withPre) {
    s.pre = w.allocate(100, t);
    w.write(s.pre, fillPattern(new Uint8Array(100), 1));
  }
  const keepRelease = w.tierStats(t).bumpHead; // the load's block lies at or above this
  const ctlA = new AbortController(), ctlB = new AbortController();
  let loaded = 0;

  const mineNow = () => {
    s.mine = w.allocate(SIZE, t);
    assert.notEqual(s.mine, Walloc.NULL);
    w.write(s.mine, fillPattern(new Uint8Array(SIZE), 9));
  };
  const act = () => {
    if (waiters === 2) ctlA.abort(new Error('A leaves'));
    switch (action) {
      case 'resetTier': w.resetTier(t); s.preAlive = false; mineNow(); break;
      case 'compact0': w.fastCompactTier(t, 0); s.preAlive = false; mineNow(); break;
      case 'compactRelease': w.fastCompactTier(t, keepRelease); mineNow(); break;
      case 'compactSpare': w.fastCompactTier(t, w.tierStats(t).bumpHead); mineNow(); break;
      case 'destroy': w.destroy(); s.snapshot = new Uint8Array(mem.buffer).slice(); break;
      case 'abort': case 'abortReset':
        // abort() rejects the promise before it returns: from here on the block must be free,
        // and a user who resets and allocates at once must not lose the new block to a late
        // clean-up.
        ctlB.abort(new Error('user'));
        s.atAbort = w.tierStats(t).liveBlocks;
        if (action === 'abortReset') { w.resetTier(t); s.preAlive = false; }
        mineNow();
        break;
      default: throw new Error(action);
    }
  };
  const onReject = (e) => {
    if (action.startsWith('abort')) s.atReject = w.tierStats(t).liveBlocks;
    return { err: e };
  };
  const onProgress = (p) => {
    loaded = p.loaded;
    if (phase === 'last' && withLength && p.loaded === SIZE) act(); // after the last write, before registration
  };
  const signal = action.startsWith('abort') ? ctlB.signal : undefined;
  const outB = reg.load(path, 'temp', { tier: t, onProgress, signal }).then((v) => ({ ok: v }), onReject);
  const outA = waiters === 2
    ? reg.load(path, 'temp', { tier: t, signal: ctlA.signal }).then((v) => ({ ok: v }), (e) => ({ err: e }))
    : undefined;

  const call = await srv.next(`/${path}`);
  const allocsBefore = w.tierStats(t).totalAllocs;
  if (phase === 'headers') act();
  call.head(withLength ? SIZE : undefined);
  if (phase === 'first') {
    if (withLength) await until(() => !w.alive || w.tierStats(t).totalAllocs > allocsBefore, 'the load\'s block');
    act();
  }
  call.chunk(CHUNK);
  if (phase === 'between') {
    await until(() => loaded >= CHUNK, 'the first chunk');
    act();
  }
  while (call.sent < SIZE) call.chunk(CHUNK);
  if (phase === 'last' && !withLength) {
    await until(() => loaded === SIZE, 'the last chunk');
    act();
  }
  call.end();

  const b = await outB;
  const a = outA && await outA;
  await call.closed;
  if (w.alive) await until(() => reg.loading === 0, 'the load to settle');
  return { w, reg, t, s, a, b, path, call, mem };
}

function check({ w, reg, t, s, a, b, path, mem }, { action, phase, withLength, waiters }) {
  const ok = expectOk(action, phase, withLength);
  if (waiters === 2) {
    assert.ok(a.err instanceof AssetLoadError, `the caller that aborted first: ${a.err ?? 'resolved'}`);
    assert.match(a.err.message, /aborted/);
  }
  if (ok) {
    assert.ok(b.ok, `the load should succeed: ${b.err}`);
  } else {
    assert.ok(b.err instanceof AssetLoadError, `the load should fail with an AssetLoadError, got ${b.err ?? 'an asset'}`);
    assert.match(b.err.message, expectedError(action));
    assert.equal(b.err.path, path);
  }
  if (action === 'destroy') {
    assert.ok(b.err.cause instanceof DestroyedError, 'the cause is a DestroyedError');
    assert.equal(w.alive, false);
    assert.ok(Buffer.compare(new Uint8Array(mem.buffer), s.snapshot) === 0, 'nothing wrote into memory after destroy');
    return;
  }
  assert.ok(w.blockInfo(s.mine), 'the user\'s block is still live');
  assert.equal(w.blockInfo(s.mine).size, SIZE);
  assert.ok(samePattern(w.read(s.mine), 9), 'the user\'s block is intact');
  if (s.preAlive) assert.ok(samePattern(w.read(s.pre), 1), 'the block allocated before the load is intact');
  const live = (s.preAlive ? 1 : 0) + 1 + (ok ? 1 : 0);
  if (action.startsWith('abort')) {
    assert.equal(s.atAbort, action === 'abort' ? 1 : 0, 'when abort() returns (its promise rejected), the load\'s block is already free');
    assert.equal(s.atReject, s.preAlive ? 2 : 1, 'when the rejection is seen, only the user\'s blocks are live');
  }
  if (ok) {
    const rec = reg.get(path);
    assert.ok(rec, 'registered');
    assert.equal(rec.size, SIZE);
    assert.notEqual(rec.handle, s.mine);
    assert.ok(rec.handle + SIZE <= s.mine || s.mine + SIZE <= rec.handle, 'the asset and the user\'s block do not overlap');
    assert.deepEqual(w.read(rec.handle), patternBytes(seedOf(path), SIZE));
  } else {
    assert.equal(reg.get(path), undefined, 'a failed load registers nothing');
    assert.equal(reg.list().length, 0);
  }
  assert.equal(w.liveBlocks, live, 'the wrapper knows exactly the live blocks');
  assert.equal(w.tierStats(t).liveBlocks, live, 'the core counts no leaked block');
  const fp = (size) => w.exports.wjs_block_size(w.instanceAddress, t, size);
  const st = w.tierStats(t);
  assert.equal(st.liveBytes, (s.preAlive ? fp(100) : 0) + fp(SIZE) * (ok ? 2 : 1),
    'live bytes are the live blocks\' footprints');
  assert.equal(reg.loading, 0);
  if (ok) {
    reg.evict(path);
    assert.ok(samePattern(w.read(s.mine), 9), 'evicting the asset leaves the user\'s block alone');
  }
  w.free(s.mine);
  assert.equal(w.blockInfo(s.mine), undefined);
  w.destroy();
}

describe('a load and the calls that release its block, in every order', () => {
  for (const action of ['resetTier', 'compact0', 'compactRelease', 'compactSpare', 'destroy', 'abort', 'abortReset']) {
    for (const phase of ['headers', 'first', 'between', 'last']) {
      for (const withLength of [true, false]) {
        for (const waiters of [1, 2]) {
          const o = { action, phase, withLength, waiters };
          const name = `${action} at ${phase}, ${withLength ? 'Content-Length' : 'no length'}, ${waiters === 2 ? 'shared with a caller that aborts' : 'one caller'}`;
          test(name, { timeout: 30000 }, async () => check(await scenario(o), o));
        }
      }
    }
  }
});

describe('the issue\'s examples', () => {
  test('item 1: resetTier after the first chunk, unchecked instance; the asset never takes the user\'s block', { timeout: 30000 }, async () => {
    const o = { action: 'resetTier', phase: 'between', withLength: true, waiters: 1 };
    check(await scenario({ ...o, checked: false }), o);
  });
  test('item 1: fastCompactTier(bottom, 0) after the first chunk, unchecked instance', { timeout: 30000 }, async () => {
    const o = { action: 'compact0', phase: 'between', withLength: true, waiters: 1 };
    check(await scenario({ ...o, checked: false }), o);
  });
  for (const tier of ['top', 'middle']) {
    test(`compact to a keep that releases the load's block, ${tier} tier`, { timeout: 30000 }, async () => {
      const o = { action: 'compactRelease', phase: 'between', withLength: true, waiters: 1 };
      check(await scenario({ ...o, tier }), o);
    });
  }
});

describe('more orders of the same kind', () => {
  test('a released load fails at once, even when the server sends nothing more', { timeout: 30000 }, async () => {
    const w = await Walloc.create({ capacity: 16 * MiB });
    const reg = new AssetRegistry(w, { baseUrl: srv.url });
    const path = `ctl/stall-${++serial}.bin`;
    let loaded = 0;
    const p = reg.load(path, 'temp', { onProgress: (e) => { loaded = e.loaded; } }).then(() => null, (e) => e);
    const call = await srv.next(`/${path}`);
    call.head(SIZE);
    call.chunk(CHUNK);
    await until(() => loaded === CHUNK, 'the first chunk');
    w.resetTier('bottom');
    const err = await p; // the server never sends the rest: only the load noticing can end this
    assert.ok(err instanceof AssetLoadError);
    assert.match(err.message, /released by resetTier/);
    await call.closed; // and its request was stopped
    w.destroy();
  });

  test('a compaction whose keep ends inside a loading block\'s size class releases it (footprint, not request)', { timeout: 30000 }, async () => {
    // 1100 B takes a 1280 B class at the middle tier's start; keep 1152 is past the request
    // but inside the class: the head moves into the block, and the next block starts there.
    const w = await Walloc.create({ capacity: 4 * MiB, checked: true });
    const reg = new AssetRegistry(w, { baseUrl: srv.url });
    const path = `ctl/class-${++serial}.bin`;
    let loaded = 0;
    const p = reg.load(path, 'scene', { onProgress: (e) => { loaded = e.loaded; } }).then(() => null, (e) => e);
    const call = await srv.next(`/${path}`);
    call.head(1100);
    call.chunk(100);
    await until(() => loaded === 100, 'the first chunk');
    w.fastCompactTier('middle', 1152);
    const x = w.allocate(1100, 'middle');
    w.write(x, fillPattern(new Uint8Array(1100), 7));
    call.chunk(1000);
    call.end();
    const err = await p;
    assert.ok(err instanceof AssetLoadError, `${err}`);
    assert.match(err.message, /released by fastCompactTier/);
    assert.ok(samePattern(w.read(x), 7), 'the block after the new head is intact');
    assert.equal(reg.list().length, 0);
    assert.equal(w.tierStats('middle').liveBlocks, 1);
    w.destroy();
  });

  test('an aborted path can be loaded again at once: the new caller does not inherit the abort', { timeout: 30000 }, async () => {
    const w = await Walloc.create({ capacity: 16 * MiB });
    const reg = new AssetRegistry(w, { baseUrl: srv.url });
    const path = `ctl/again-${++serial}.bin`;
    const ctl = new AbortController();
    const first = reg.load(path, 'temp', { signal: ctl.signal }).then(() => null, (e) => e);
    const c1 = await srv.next(`/${path}`);
    c1.head(SIZE);
    c1.chunk(CHUNK);
    ctl.abort();
    assert.match((await first).message, /aborted/);
    const second = reg.load(path, 'temp');
    const c2 = await srv.next(`/${path}`);
    c2.head(SIZE);
    while (c2.sent < SIZE) c2.chunk(CHUNK);
    c2.end();
    const rec = await second;
    assert.equal(rec.size, SIZE);
    assert.deepEqual(w.read(rec.handle), patternBytes(seedOf(path), SIZE));
    await c1.closed;
    await until(() => reg.loading === 0);
    assert.equal(w.tierStats('bottom').liveBlocks, 1);
    w.destroy();
  });

  test('a loading block cannot be freed, written, viewed or registered through its handle', { timeout: 30000 }, async () => {
    const w = await Walloc.create({ capacity: 16 * MiB, checked: true });
    const reg = new AssetRegistry(w, { baseUrl: srv.url });
    // The load's block takes the place a freed block of its size leaves: its handle is known.
    const probe = w.allocate(SIZE, 'bottom');
    w.free(probe);
    const path = `ctl/owned-${++serial}.bin`;
    let loaded = 0;
    const p = reg.load(path, 'temp', { onProgress: (e) => { loaded = e.loaded; } });
    const call = await srv.next(`/${path}`);
    call.head(SIZE);
    call.chunk(CHUNK);
    await until(() => loaded === CHUNK, 'the first chunk');
    assert.equal(w.blockInfo(probe), undefined, 'not a block the user owns');
    assert.throws(() => w.free(probe), /block of a load in progress/);
    assert.throws(() => w.write(probe, new Uint8Array(4)), RangeError);
    assert.throws(() => w.view(probe), RangeError);
    assert.throws(() => reg.register('stolen', { handle: probe }), RangeError);
    assert.throws(() => w.bulkCopy([[probe, probe, 1]]), RangeError);
    const mine = w.allocate(SIZE, 'bottom');
    assert.notEqual(mine, probe, 'the loading block is not handed out twice');
    w.write(mine, fillPattern(new Uint8Array(SIZE), 4));
    while (call.sent < SIZE) call.chunk(CHUNK);
    call.end();
    const rec = await p;
    assert.equal(rec.handle, probe);
    assert.ok(samePattern(w.read(mine), 4));
    assert.deepEqual(w.read(rec.handle), patternBytes(seedOf(path), SIZE));
    w.destroy();
  });

  test('a view of a freed block stays invalid when the same handle, size and tier come back', { timeout: 30000 }, async () => {
    const w = await Walloc.create({ capacity: 16 * MiB });
    for (const [size, tier] of [[64, 'bottom'], [1000, 'middle'], [SIZE, 'top']]) {
      const h = w.allocate(size, tier);
      const v = w.view(h);
      w.free(h);
      const again = w.allocate(size, tier);
      assert.equal(again, h, 'the freelist hands the same block back');
      assert.equal(v.valid, false, 'the old view does not name the new block');
      assert.throws(() => v.array, RangeError);
      assert.throws(() => v.set(0, 1), RangeError);
      w.allocate(size, tier);
      w.resetTier(tier);
      assert.equal(w.allocate(size, tier), again, 'after a reset the tier starts over');
      assert.equal(w.view(again).valid, true);
      assert.equal(v.valid, false);
    }
    w.destroy();
  });

  test('free() of an asset\'s block is refused: the registry never names a block someone else gets', { timeout: 30000 }, async () => {
    const w = await Walloc.create({ capacity: 16 * MiB });
    const reg = new AssetRegistry(w);
    const h = w.allocate(256, 'middle');
    reg.register('a', { handle: h });
    assert.throws(() => w.free(h), /holds asset "a"/);
    assert.ok(w.blockInfo(h));
    const other = w.allocate(256, 'middle');
    assert.notEqual(other, h);
    assert.equal(reg.evict('a'), true);
    assert.equal(w.blockInfo(h), undefined);
    assert.ok(w.blockInfo(other), 'evict freed the asset\'s block only');
    w.destroy();
  });
});

// The load's own allocation can grow memory, and an onGrowth listener can queue a reset, a
// compaction or destroy that runs before the load's next step: the load must not write into the
// block it no longer owns (found in review: the body without a length was copied in after the
// reservation's await without a check).
describe('a release queued by the load\'s own allocation (onGrowth), before the body is copied in', () => {
  for (const action of ['resetTier', 'compact0', 'destroy']) {
    for (const withLength of [false, true]) {
      test(`${action}, ${withLength ? 'Content-Length' : 'no length'}`, { timeout: 30000 }, async () => {
        const N = 4096;
        const realFetch = globalThis.fetch;
        globalThis.fetch = async () => new Response(new ReadableStream({
          start(c) { c.enqueue(new Uint8Array(N).fill(0xAB)); c.close(); },
        }), { status: 200, headers: withLength ? { 'content-length': String(N) } : {} });
        try {
          const w = await Walloc.create({ capacity: 1 * MiB });
          const mem = w.memory;
          const reg = new AssetRegistry(w, { baseUrl: 'http://example.invalid/' });
          let mine, snapshot, acted = false;
          w.onGrowth(() => queueMicrotask(() => {
            if (acted || !w.alive) return;
            acted = true;
            if (action === 'destroy') {
              w.destroy();
              snapshot = new Uint8Array(mem.buffer).slice();
              return;
            }
            if (action === 'resetTier') w.resetTier('bottom'); else w.fastCompactTier('bottom', 0);
            mine = w.allocate(N, 'bottom');
            w.write(mine, fillPattern(new Uint8Array(N), 9));
          }));
          const err = await reg.load('a.bin', 'temp').then(() => undefined, (e) => e);
          assert.ok(acted, 'the load\'s allocation grew memory and the queued call ran');
          assert.ok(err instanceof AssetLoadError, `the load fails: ${err ?? 'it resolved'}`);
          if (action === 'destroy') {
            assert.match(err.message, /instance was destroyed while loading/);
            assert.ok(Buffer.compare(new Uint8Array(mem.buffer), snapshot) === 0, 'nothing wrote into memory after destroy');
            return;
          }
          assert.match(err.message, RELEASES[action]);
          assert.ok(samePattern(w.read(mine), 9), 'the block allocated after the release is intact');
          assert.equal(reg.list().length, 0, 'a failed load registers nothing');
          assert.equal(w.tierStats('bottom').liveBlocks, 1, 'only the user\'s block is live');
          w.destroy();
        } finally {
          globalThis.fetch = realFetch;
        }
      });
    }
  }
});
