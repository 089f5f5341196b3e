// Asset registry and loading over HTTP from a local server on 127.0.0.1, with faults.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetLoadError, startServer, patternBytes, seedOf, MANIFEST } from './helpers.mjs';

const MiB = 1024 * 1024;
let srv;
const requests = [];

before(async () => { srv = await startServer({ onRequest: (req) => requests.push(req.url) }); });
after(async () => { await srv.close(); });

async function make(opts = {}) {
  const w = await Walloc.create({ capacity: 64 * MiB, ...opts });
  w.setBaseUrl(srv.url);
  return w;
}

function leakFree(w) {
  const m = w.memoryStats();
  assert.equal(m.totals.liveBlocks, w.assets().length, 'every live block belongs to an asset');
  assert.equal(m.loading, 0, 'nothing in flight');
}

describe('registry', () => {
  test('register, get, has, assets, evict, evictBatch', async () => {
    const w = await make();
    const h = w.allocate(100, 'middle');
    const rec = w.register('a.bin', { handle: h, size: 90, type: 'scene' });
    assert.deepEqual({ ...rec }, { path: 'a.bin', type: 'scene', size: 90, tier: 1, tierName: 'middle', handle: h });
    assert.equal(w.get('a.bin'), rec);
    assert.equal(w.has('a.bin'), true);
    assert.deepEqual(w.assets(), [rec]);
    assert.throws(() => w.register('a.bin', { handle: w.allocate(8) }), /already registered/);
    assert.throws(() => w.register('b.bin', { handle: h }), /already holds/);
    assert.throws(() => w.register('', { handle: h }), TypeError);
    assert.throws(() => w.register('c.bin', { handle: 12 }), RangeError);
    assert.throws(() => w.register('c.bin', { handle: h, size: 101 }), RangeError);
    assert.throws(() => w.register('c.bin', { handle: h, type: 5 }), TypeError);
    assert.equal(w.assetView('a.bin').length, 90);
    assert.throws(() => w.assetView('zzz'), RangeError);
    assert.equal(w.evict('a.bin'), true);
    assert.equal(w.blockInfo(h), undefined, 'evict frees the block');
    assert.equal(w.evict('a.bin'), false);
    assert.throws(() => w.evict(1), TypeError);
    const h1 = w.allocate(10), h2 = w.allocate(10);
    w.register('x', { handle: h1 });
    w.register('y', { handle: h2 });
    assert.equal(w.evictBatch(['x', 'y', 'z']), 2);
    assert.throws(() => w.evictBatch('x'), TypeError);
    assert.throws(() => w.evictBatch([1]), TypeError);
    assert.equal(w.memoryStats().totals.liveBlocks, 1); // the block of the failed register
    w.destroy();
  });

  test('resetTier drops the tier\'s assets', async () => {
    const w = await make();
    const rec = await w.loadAsset('assets/textures/ui_atlas.png', 'image');
    assert.equal(rec.tier, 0);
    w.resetTier('top');
    assert.equal(w.get(rec.path), undefined);
    w.destroy();
  });

  test('loadAssetZeroCopy', async () => {
    const w = await make();
    const bytes = patternBytes(3, 5000);
    const rec = w.loadAssetZeroCopy(bytes, 'middle', { path: 'mem/a', type: 'scene' });
    assert.equal(rec.size, 5000);
    assert.equal(rec.tier, 1);
    assert.deepEqual(w.read(rec.handle, 5000), bytes);
    // bytes that already live in a block: registered as they are, no new block
    const h = w.allocate(256, 'top');
    const before = w.liveBlocks;
    const inPlace = w.loadAssetZeroCopy(w.view(h, 200).array);
    assert.equal(inPlace.handle, h);
    assert.equal(inPlace.size, 200);
    assert.equal(w.liveBlocks, before);
    assert.throws(() => w.loadAssetZeroCopy(w.view(h).array.subarray(8)), /do not start at a live block/);
    assert.throws(() => w.loadAssetZeroCopy('nope'), TypeError);
    assert.throws(() => w.loadAssetZeroCopy(bytes, 9), RangeError);
    assert.throws(() => w.loadAssetZeroCopy(bytes, 'top', { path: 'mem/a' }), /already registered/);
    const full = await Walloc.create({ capacity: MiB, maximumMemory: 2 * MiB });
    assert.throws(() => full.loadAssetZeroCopy(new Uint8Array(900 * 1024), 'bottom'), /no room/);
    assert.equal(full.liveBlocks, 0);
    full.destroy();
    w.destroy();
  });
});

describe('loadAsset', () => {
  test('streams the body into the block; bytes, tier, stats', async () => {
    const w = await make();
    const a = MANIFEST[0];
    const progress = [];
    const rec = await w.loadAsset(`assets/${a.path}`, a.type, { onProgress: (p) => progress.push(p) });
    assert.equal(rec.size, a.size);
    assert.equal(rec.tier, 0, 'textures go to the top tier');
    assert.deepEqual(w.read(rec.handle), patternBytes(seedOf(a.path), a.size));
    assert.ok(progress.length >= 2, 'progress per chunk');
    assert.equal(progress.at(-1).loaded, a.size);
    assert.equal(progress.at(-1).total, a.size);
    assert.ok(w.tierStats('top').liveBytes >= a.size);
    assert.equal(await w.loadAsset(`assets/${a.path}`), rec, 'a registered path resolves at once');
    assert.equal(w.tierForType('scene'), 1);
    assert.equal(w.tierForType('temp'), 2);
    assert.equal(w.tierForType('unknown'), 1);
    const t = await w.loadAsset('assets/temp/x.bin?size=1000', 'whatever', { tier: 'bottom' });
    assert.equal(t.tier, 2);
    leakFree(w);
    w.destroy();
  });

  test('without Content-Length', async () => {
    const w = await make();
    const rec = await w.loadAsset('fault/nolength?size=200000', 'mesh');
    assert.equal(rec.size, 200000);
    assert.deepEqual(w.read(rec.handle), patternBytes(seedOf('fault/nolength'), 200000));
    w.destroy();
  });

  test('absolute URLs are refused; setBaseUrl', async () => {
    const w = await Walloc.create({ capacity: 8 * MiB });
    await assert.rejects(w.loadAsset('assets/x?size=1'), /no base URL/);
    await assert.rejects(w.loadAsset(`${srv.url}assets/abs.bin?size=10`), /no base URL/);
    w.setBaseUrl(`${srv.url}assets`); // no trailing slash: added
    await assert.rejects(w.loadAsset(`${srv.url}assets/abs.bin?size=10`), RangeError, 'paths are relative to the base URL (see paths.test.mjs)');
    assert.equal(w.baseUrl, `${srv.url}assets/`);
    assert.equal((await w.loadAsset('rel.bin?size=20')).size, 20);
    assert.throws(() => w.setBaseUrl(5), TypeError);
    assert.throws(() => w.setBaseUrl('not a url'), TypeError);
    w.destroy();
  });

  test('bad arguments reject', async () => {
    const w = await make();
    await assert.rejects(w.loadAsset(''), TypeError);
    await assert.rejects(w.loadAsset(5), TypeError);
    await assert.rejects(w.loadAsset('a', 7), TypeError);
    await assert.rejects(w.loadAsset('a', 'x', { tier: 5 }), RangeError);
    await assert.rejects(w.loadAsset('a', 'x', { signal: {} }), TypeError);
    await assert.rejects(w.loadAsset('a', 'x', { onProgress: 1 }), TypeError);
    await assert.rejects(w.loadAsset('a', 'x', null), TypeError);
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
      const w = await make({ capacity: 32 * MiB });
      if (base) w.setBaseUrl(base);
      const err = await w.loadAsset(path, 'binary').then(() => null, (e) => e);
      assert.ok(err instanceof AssetLoadError, `${err}`);
      assert.match(err.message, re);
      assert.equal(err.path, path);
      assert.ok(err.cause !== undefined, 'has a cause');
      assert.equal(w.get(path), undefined);
      assert.equal(w.memoryStats().totals.liveBlocks, 0, 'no block leaked');
      assert.equal(w.memoryStats().loading, 0);
      if (name === '404') assert.equal(err.status, 404);
      // the instance stays usable
      w.setBaseUrl(srv.url);
      assert.equal((await w.loadAsset('assets/after.bin?size=100')).size, 100);
      w.destroy();
    });
  }

  test('abort: before, during, and one of two waiters', async () => {
    const w = await make();
    const pre = AbortSignal.abort(new Error('stop'));
    const e1 = await w.loadAsset('fault/slow?size=1000000&ms=20', 'x', { signal: pre }).then(() => null, (e) => e);
    assert.ok(e1 instanceof AssetLoadError);
    assert.match(e1.message, /aborted/);

    const ctrl = new AbortController();
    let progressed = 0;
    const p = w.loadAsset('fault/slow?size=2000000&ms=20', 'x', {
      signal: ctrl.signal, onProgress: () => { if (++progressed === 2) ctrl.abort(new Error('user')); },
    });
    const e2 = await p.then(() => null, (e) => e);
    assert.ok(e2 instanceof AssetLoadError, String(e2));
    assert.match(e2.message, /aborted/);
    assert.equal(e2.cause.message, 'user');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.memoryStats().totals.liveBlocks, 0, 'the partly filled block was freed');
    assert.equal(w.memoryStats().loading, 0);

    // two waiters share one request; one aborts, the other still gets the asset
    const c1 = new AbortController();
    const before = requests.length;
    const a = w.loadAsset('fault/slow?size=300000&ms=5', 'x', { signal: c1.signal });
    const b = w.loadAsset('fault/slow?size=300000&ms=5', 'x');
    c1.abort();
    await assert.rejects(a, /aborted/);
    const rec = await b;
    assert.equal(rec.size, 300000);
    assert.equal(requests.length - before, 1, 'one request for both');
    w.destroy();
  });

  test('shared in-flight requests for the same path', async () => {
    const w = await make();
    const before = requests.length;
    const ps = Array.from({ length: 5 }, () => w.loadAsset('assets/shared.bin?size=500000', 'mesh'));
    const recs = await Promise.all(ps);
    assert.equal(requests.length - before, 1);
    for (const r of recs) assert.equal(r, recs[0]);
    assert.equal(w.liveBlocks, 1);
    w.destroy();
  });
});

describe('loadAssets', () => {
  test('the whole manifest with bounded parallelism and progress', async () => {
    const w = await make();
    const progress = [];
    srv.stats.maxActive = srv.stats.active;
    const recs = await w.loadAssets(MANIFEST.map((a) => ({ path: `assets/${a.path}`, type: a.type })),
      { concurrency: 3, onProgress: (p) => progress.push(p) });
    const maxInFlight = srv.stats.maxActive;
    assert.ok(maxInFlight <= 3, `max in flight ${maxInFlight}`);
    assert.equal(recs.length, MANIFEST.length);
    MANIFEST.forEach((a, i) => {
      assert.equal(recs[i].path, `assets/${a.path}`);
      assert.equal(recs[i].tier, w.tierForType(a.type));
      assert.deepEqual(w.read(recs[i].handle), patternBytes(seedOf(a.path), a.size));
    });
    assert.equal(progress.length, MANIFEST.length);
    assert.equal(progress.at(-1).done, MANIFEST.length);
    assert.equal(progress.at(-1).bytes, MANIFEST.reduce((s, a) => s + a.size, 0));
    const m = w.memoryStats();
    assert.equal(m.assets, MANIFEST.length);
    assert.ok(m.tiers[0].liveBytes > 0 && m.tiers[1].liveBytes > 0 && m.tiers[2].liveBytes > 0);
    assert.equal(w.evictBatch(recs.map((r) => r.path)), MANIFEST.length);
    assert.equal(w.memoryStats().totals.liveBlocks, 0);
    w.destroy();
  });

  test('first failure rejects and cancels the rest; settle mode reports each', async () => {
    const w = await make();
    const batch = ['assets/a?size=1000', 'fault/404', 'fault/slow?size=3000000&ms=30', 'assets/b?size=1000'];
    const err = await w.loadAssets(batch, { concurrency: 4 }).then(() => null, (e) => e);
    assert.ok(err instanceof AssetLoadError);
    assert.equal(err.path, 'fault/404');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.memoryStats().loading, 0, 'slow load cancelled');
    assert.equal(w.get('fault/slow?size=3000000&ms=30'), undefined);
    leakFree(w);
    const res = await w.loadAssets(['assets/c?size=10', 'fault/500'], { settle: true });
    assert.equal(res[0].status, 'fulfilled');
    assert.equal(res[0].value.size, 10);
    assert.equal(res[1].status, 'rejected');
    assert.match(res[1].reason.message, /HTTP 500/);
    const ctrl = new AbortController();
    const p = w.loadAssets(['fault/slow?size=3000000&ms=30'], { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 30);
    await assert.rejects(p, /aborted/);
    await assert.rejects(w.loadAssets('x'), TypeError);
    await assert.rejects(w.loadAssets([5]), TypeError);
    await assert.rejects(w.loadAssets([], { concurrency: 0 }), RangeError);
    await new Promise((r) => setTimeout(r, 50));
    leakFree(w);
    w.destroy();
  });

  test('destroy while loading rejects and leaks nothing', async () => {
    const w = await make();
    const p = w.loadAsset('fault/slow?size=2000000&ms=20', 'x');
    await new Promise((r) => setTimeout(r, 60));
    w.destroy();
    await assert.rejects(p, AssetLoadError);
  });
});
