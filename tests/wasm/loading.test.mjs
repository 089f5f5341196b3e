// Asset registry and loading over HTTP from a local server on 127.0.0.1, with faults.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetRegistry, AssetLoadError, DestroyedError, startServer, patternBytes, seedOf, MANIFEST } from './helpers.mjs';

const MiB = 1024 * 1024;
let srv;
const requests = [];

before(async () => { srv = await startServer({ onRequest: (req) => requests.push(req.url) }); });
after(async () => { await srv.close(); });

async function make(opts = {}) {
  const w = await Walloc.create({ capacity: 64 * MiB, ...opts });
  return { w, reg: new AssetRegistry(w, { baseUrl: srv.url }) };
}

function leakFree(w, reg) {
  const m = w.memoryStats();
  assert.equal(m.totals.liveBlocks, reg.list().length, 'every live block belongs to an asset');
  assert.equal(reg.loading, 0, 'nothing in flight');
}

describe('registry', () => {
  test('two registries over one Walloc: one block is one asset, whichever registry holds it', async () => {
    const { w, reg } = await make();
    const other = new AssetRegistry(w);
    const h = w.allocate(100, 'middle');
    reg.register('a.bin', { handle: h });
    assert.throws(() => other.register('b.bin', { handle: h }), /already holds asset "a.bin"/);
    assert.throws(() => w.free(h), /holds asset "a.bin"/);
    const g = w.allocate(100, 'middle');
    other.register('b.bin', { handle: g });
    w.resetTier('middle');
    assert.equal(reg.size + other.size, 0, 'a reset releases the assets of every registry');
    w.destroy();
    assert.throws(() => other.list(), DestroyedError);
  });

  test('register, get, has, assets, evict, evictBatch', async () => {
    const { w, reg } = await make();
    const h = w.allocate(100, 'middle');
    const rec = reg.register('a.bin', { handle: h, size: 90, type: 'scene' });
    assert.deepEqual({ ...rec }, { path: 'a.bin', type: 'scene', size: 90, tier: 1, tierName: 'middle', handle: h });
    assert.equal(reg.get('a.bin'), rec);
    assert.equal(reg.has('a.bin'), true);
    assert.deepEqual(reg.list(), [rec]);
    assert.throws(() => reg.register('a.bin', { handle: w.allocate(8) }), /already registered/);
    assert.throws(() => reg.register('b.bin', { handle: h }), /already holds/);
    assert.throws(() => reg.register('', { handle: h }), TypeError);
    assert.throws(() => reg.register('c.bin', { handle: 12 }), RangeError);
    assert.throws(() => reg.register('c.bin', { handle: h, size: 101 }), RangeError);
    assert.throws(() => reg.register('c.bin', { handle: h, type: 5 }), TypeError);
    assert.equal(reg.view('a.bin').length, 90);
    assert.throws(() => reg.view('zzz'), RangeError);
    assert.equal(reg.evict('a.bin'), true);
    assert.equal(w.blockInfo(h), undefined, 'evict frees the block');
    assert.equal(reg.evict('a.bin'), false);
    assert.throws(() => reg.evict(1), TypeError);
    const h1 = w.allocate(10), h2 = w.allocate(10);
    reg.register('x', { handle: h1 });
    reg.register('y', { handle: h2 });
    assert.equal(reg.evictBatch(['x', 'y', 'z']), 2);
    assert.throws(() => reg.evictBatch('x'), TypeError);
    assert.throws(() => reg.evictBatch([1]), TypeError);
    assert.equal(w.memoryStats().totals.liveBlocks, 1); // the block of the failed register
    w.destroy();
  });

  test('resetTier drops the tier\'s assets', async () => {
    const { w, reg } = await make();
    const rec = await reg.load('assets/textures/ui_atlas.png', 'image');
    assert.equal(rec.tier, 0);
    w.resetTier('top');
    assert.equal(reg.get(rec.path), undefined);
    w.destroy();
  });

  test('registerBytes', async () => {
    const { w, reg } = await make();
    const bytes = patternBytes(3, 5000);
    const rec = reg.registerBytes(bytes, 'middle', { path: 'mem/a', type: 'scene' });
    assert.equal(rec.size, 5000);
    assert.equal(rec.tier, 1);
    assert.deepEqual(w.read(rec.handle, 5000), bytes);
    // bytes that already live in a block: registered as they are, no new block
    const h = w.allocate(256, 'top');
    const before = w.liveBlocks;
    const inPlace = reg.registerBytes(w.view(h, 200).array);
    assert.equal(inPlace.handle, h);
    assert.equal(inPlace.size, 200);
    assert.equal(w.liveBlocks, before);
    assert.throws(() => reg.registerBytes(w.view(h).array.subarray(8)), /do not start at a live block/);
    assert.throws(() => reg.registerBytes('nope'), TypeError);
    assert.throws(() => reg.registerBytes(bytes, 9), RangeError);
    assert.throws(() => reg.registerBytes(bytes, 'top', { path: 'mem/a' }), /already registered/);
    const full = await Walloc.create({ capacity: MiB, maximumMemory: 2 * MiB });
    const fullReg = new AssetRegistry(full);
    assert.throws(() => fullReg.registerBytes(new Uint8Array(900 * 1024), 'bottom'), /no room/);
    assert.equal(full.liveBlocks, 0);
    full.destroy();
    w.destroy();
  });
});

describe('load', () => {
  test('streams the body into the block; bytes, tier, stats', async () => {
    const { w, reg } = await make();
    const a = MANIFEST[0];
    const progress = [];
    const rec = await reg.load(`assets/${a.path}`, a.type, { onProgress: (p) => progress.push(p) });
    assert.equal(rec.size, a.size);
    assert.equal(rec.tier, 0, 'textures go to the top tier');
    assert.deepEqual(w.read(rec.handle), patternBytes(seedOf(a.path), a.size));
    assert.ok(progress.length >= 2, 'progress per chunk');
    assert.equal(progress.at(-1).loaded, a.size);
    assert.equal(progress.at(-1).total, a.size);
    assert.ok(w.tierStats('top').liveBytes >= a.size);
    assert.equal(await reg.load(`assets/${a.path}`), rec, 'a registered path resolves at once');
    assert.equal(reg.tierForType('scene'), 1);
    assert.equal(reg.tierForType('temp'), 2);
    assert.equal(reg.tierForType('unknown'), 1);
    const t = await reg.load('assets/temp/x.bin?size=1000', 'whatever', { tier: 'bottom' });
    assert.equal(t.tier, 2);
    leakFree(w, reg);
    w.destroy();
  });

  test('without Content-Length', async () => {
    const { w, reg } = await make();
    const rec = await reg.load('fault/nolength?size=200000', 'mesh');
    assert.equal(rec.size, 200000);
    assert.deepEqual(w.read(rec.handle), patternBytes(seedOf('fault/nolength'), 200000));
    w.destroy();
  });

  test('absolute URLs are refused; setBaseUrl', async () => {
    const w = await Walloc.create({ capacity: 8 * MiB });
    const reg = new AssetRegistry(w);
    await assert.rejects(reg.load('assets/x?size=1'), /no base URL/);
    await assert.rejects(reg.load(`${srv.url}assets/abs.bin?size=10`), /no base URL/);
    reg.setBaseUrl(`${srv.url}assets`); // no trailing slash: added
    await assert.rejects(reg.load(`${srv.url}assets/abs.bin?size=10`), RangeError, 'paths are relative to the base URL (see paths.test.mjs)');
    assert.equal(reg.baseUrl, `${srv.url}assets/`);
    assert.equal((await reg.load('rel.bin?size=20')).size, 20);
    assert.throws(() => reg.setBaseUrl(5), TypeError);
    assert.throws(() => reg.setBaseUrl('not a url'), TypeError);
    w.destroy();
  });

  test('bad arguments reject', async () => {
    const { w, reg } = await make();
    await assert.rejects(reg.load(''), TypeError);
    await assert.rejects(reg.load(5), TypeError);
    await assert.rejects(reg.load('a', 7), TypeError);
    await assert.rejects(reg.load('a', 'x', { tier: 5 }), RangeError);
    await assert.rejects(reg.load('a', 'x', { signal: {} }), TypeError);
    await assert.rejects(reg.load('a', 'x', { onProgress: 1 }), TypeError);
    await assert.rejects(reg.load('a', 'x', null), TypeError);
    w.destroy();
  });

  for (const [name, path, re, base] of [
    ['404', 'fault/404', /"fault\/404": HTTP 404/],
    ['500', 'fault/500', /"fault\/500": HTTP 500/],
    ['truncated body', 'fault/truncated?size=300000', /"fault\/truncated\?size=300000": /],
    ['no room', 'assets/big?size=60000000', /no room for 60000000 bytes/],
    ['connection refused', 'x', /request failed/, 'http://127.0.0.1:9/'],
  ]) {
    test(`failure: ${name} rejects naming the path; nothing registered or leaked`, async () => {
      const { w, reg } = await make({ capacity: 32 * MiB });
      if (base) reg.setBaseUrl(base);
      const err = await reg.load(path, 'binary').then(() => null, (e) => e);
      assert.ok(err instanceof AssetLoadError, `${err}`);
      assert.match(err.message, re);
      assert.equal(err.path, path);
      assert.ok(err.cause !== undefined, 'has a cause');
      assert.equal(reg.get(path), undefined);
      assert.equal(w.memoryStats().totals.liveBlocks, 0, 'no block leaked');
      assert.equal(reg.loading, 0);
      if (name === '404') assert.equal(err.status, 404);
      // the instance stays usable
      reg.setBaseUrl(srv.url);
      assert.equal((await reg.load('assets/after.bin?size=100')).size, 100);
      w.destroy();
    });
  }

  test('abort: before, during, and one of two waiters', async () => {
    const { w, reg } = await make();
    const pre = AbortSignal.abort(new Error('stop'));
    const e1 = await reg.load('fault/slow?size=1000000&ms=20', 'x', { signal: pre }).then(() => null, (e) => e);
    assert.ok(e1 instanceof AssetLoadError);
    assert.match(e1.message, /aborted/);

    const ctrl = new AbortController();
    let progressed = 0;
    const p = reg.load('fault/slow?size=2000000&ms=20', 'x', {
      signal: ctrl.signal, onProgress: () => { if (++progressed === 2) ctrl.abort(new Error('user')); },
    });
    const e2 = await p.then(() => null, (e) => e);
    assert.ok(e2 instanceof AssetLoadError, String(e2));
    assert.match(e2.message, /aborted/);
    assert.equal(e2.cause.message, 'user');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.memoryStats().totals.liveBlocks, 0, 'the partly filled block was freed');
    assert.equal(reg.loading, 0);

    // two waiters share one request; one aborts, the other still gets the asset
    const c1 = new AbortController();
    const before = requests.length;
    const a = reg.load('fault/slow?size=300000&ms=5', 'x', { signal: c1.signal });
    const b = reg.load('fault/slow?size=300000&ms=5', 'x');
    c1.abort();
    await assert.rejects(a, /aborted/);
    const rec = await b;
    assert.equal(rec.size, 300000);
    assert.equal(requests.length - before, 1, 'one request for both');
    w.destroy();
  });

  test('shared in-flight requests for the same path', async () => {
    const { w, reg } = await make();
    const before = requests.length;
    const ps = Array.from({ length: 5 }, () => reg.load('assets/shared.bin?size=500000', 'mesh'));
    const recs = await Promise.all(ps);
    assert.equal(requests.length - before, 1);
    for (const r of recs) assert.equal(r, recs[0]);
    assert.equal(w.liveBlocks, 1);
    w.destroy();
  });
});

describe('loadAll', () => {
  test('the whole manifest with bounded parallelism and progress', async () => {
    const { w, reg } = await make();
    const progress = [];
    srv.stats.maxActive = srv.stats.active;
    const recs = await reg.loadAll(MANIFEST.map((a) => ({ path: `assets/${a.path}`, type: a.type })),
      { concurrency: 3, onProgress: (p) => progress.push(p) });
    const maxInFlight = srv.stats.maxActive;
    assert.ok(maxInFlight <= 3, `max in flight ${maxInFlight}`);
    assert.equal(recs.length, MANIFEST.length);
    MANIFEST.forEach((a, i) => {
      assert.equal(recs[i].path, `assets/${a.path}`);
      assert.equal(recs[i].tier, reg.tierForType(a.type));
      assert.deepEqual(w.read(recs[i].handle), patternBytes(seedOf(a.path), a.size));
    });
    assert.equal(progress.length, MANIFEST.length);
    assert.equal(progress.at(-1).done, MANIFEST.length);
    assert.equal(progress.at(-1).bytes, MANIFEST.reduce((s, a) => s + a.size, 0));
    const m = w.memoryStats();
    assert.equal(reg.size, MANIFEST.length);
    assert.ok(m.tiers[0].liveBytes > 0 && m.tiers[1].liveBytes > 0 && m.tiers[2].liveBytes > 0);
    assert.equal(reg.evictBatch(recs.map((r) => r.path)), MANIFEST.length);
    assert.equal(w.memoryStats().totals.liveBlocks, 0);
    w.destroy();
  });

  test('first failure rejects and cancels the rest; settle mode reports each', async () => {
    const { w, reg } = await make();
    const batch = ['assets/a?size=1000', 'fault/404', 'fault/slow?size=3000000&ms=30', 'assets/b?size=1000'];
    const err = await reg.loadAll(batch, { concurrency: 4 }).then(() => null, (e) => e);
    assert.ok(err instanceof AssetLoadError);
    assert.equal(err.path, 'fault/404');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(reg.loading, 0, 'slow load cancelled');
    assert.equal(reg.get('fault/slow?size=3000000&ms=30'), undefined);
    leakFree(w, reg);
    const res = await reg.loadAll(['assets/c?size=10', 'fault/500'], { settle: true });
    assert.equal(res[0].status, 'fulfilled');
    assert.equal(res[0].value.size, 10);
    assert.equal(res[1].status, 'rejected');
    assert.match(res[1].reason.message, /HTTP 500/);
    const ctrl = new AbortController();
    const p = reg.loadAll(['fault/slow?size=3000000&ms=30'], { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 30);
    await assert.rejects(p, /aborted/);
    await assert.rejects(reg.loadAll('x'), TypeError);
    await assert.rejects(reg.loadAll([5]), TypeError);
    await assert.rejects(reg.loadAll([], { concurrency: 0 }), RangeError);
    await new Promise((r) => setTimeout(r, 50));
    leakFree(w, reg);
    w.destroy();
  });

  test('destroy while loading rejects and leaks nothing', async () => {
    const { w, reg } = await make();
    const p = reg.load('fault/slow?size=2000000&ms=20', 'x');
    await new Promise((r) => setTimeout(r, 60));
    w.destroy();
    await assert.rejects(p, AssetLoadError);
  });
});
