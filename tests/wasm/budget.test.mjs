// Per-tier byte budgets with least-recently-used eviction (setBudget), as the Java registry has:
// what is evicted and in which order (registration, get and assetView are uses), what cannot be
// taken, tier isolation, enforceBudget and clearBudget, and loads in flight that stand in the way
// of a budget (the load waits for them instead of failing).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetLoadError, DestroyedError, WallocError, startControlServer, until } from './helpers.mjs';

const MiB = 1024 * 1024;
const SIZE = 4000;
let srv;

before(async () => { srv = await startControlServer(); });
after(async () => { await srv.close(); });

async function make() {
  const w = await Walloc.create({ capacity: 16 * MiB });
  w.setBaseUrl(srv.url);
  return w;
}

const bytes = (n, v = 1) => new Uint8Array(n).fill(v);
// The footprint of a block of n bytes in BOTTOM: what tierStats' liveBytes counts for it.
async function footprint(n) {
  const w = await Walloc.create({ capacity: 16 * MiB });
  const before = w.tierStats('bottom').liveBytes;
  w.allocate(n, 'bottom');
  const fp = w.tierStats('bottom').liveBytes - before;
  w.destroy();
  return fp;
}
const paths = (w) => w.assets().map((a) => a.path);

describe('budgets', () => {
  test('arguments: a non-negative integer per tier; -1 without one; refused after destroy', async () => {
    const w = await make();
    assert.equal(w.budget('bottom'), -1);
    assert.throws(() => w.setBudget('bottom', -1), RangeError);
    assert.throws(() => w.setBudget('bottom', 1.5), RangeError);
    assert.throws(() => w.setBudget('bottom', 2 ** 53), RangeError);
    assert.throws(() => w.setBudget('bottom', '5'), TypeError);
    assert.throws(() => w.setBudget('nope', 5), RangeError);
    assert.throws(() => w.budget(3), RangeError);
    w.setBudget(2, 12345);
    assert.equal(w.budget('bottom'), 12345);
    w.clearBudget('bottom');
    assert.equal(w.budget(2), -1);
    assert.equal(w.budgetEvictions(), 0);
    w.destroy();
    assert.throws(() => w.setBudget('bottom', 5), DestroyedError);
    assert.throws(() => w.enforceBudget('bottom'), DestroyedError);
  });

  test('the least recently used asset of the tier goes first; get and assetView are uses', async () => {
    const fp = await footprint(SIZE);
    const w = await make();
    w.setBudget('bottom', 3 * fp);
    for (const p of ['a', 'b', 'c']) w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: p });
    w.get('a'); // order of use now: b, c, a
    w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: 'd' });
    assert.deepEqual(paths(w), ['c', 'a', 'd']);
    w.assetView('c'); // a, d, c
    w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: 'e' });
    assert.deepEqual(paths(w), ['d', 'c', 'e']);
    assert.equal(w.budgetEvictions(), 2);
    assert.ok(w.tierStats('bottom').liveBytes <= 3 * fp);
    w.has('d'); // not a use
    w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: 'f' });
    assert.deepEqual(paths(w), ['c', 'e', 'f']);
  });

  test('a block larger than the budget, or a budget full of blocks that are not assets, is refused and nothing is evicted', async () => {
    const fp = await footprint(SIZE);
    const w = await make();
    w.setBudget('bottom', 2 * fp);
    w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: 'a' });
    assert.throws(() => w.loadAssetZeroCopy(bytes(3 * SIZE), 'bottom', { path: 'big' }),
      (e) => e instanceof WallocError && e.status === 5 && /larger than the budget/.test(e.message));
    assert.deepEqual(paths(w), ['a']);
    w.evict('a');
    w.allocate(SIZE, 'bottom');
    w.allocate(SIZE, 'bottom'); // the budget is full of plain blocks
    assert.throws(() => w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: 'b' }),
      (e) => e instanceof WallocError && /none of them is an asset/.test(e.message));
    assert.equal(w.has('b'), false);
    assert.equal(w.budgetEvictions(), 0);
  });

  test('other tiers are not evicted; registering an existing block is not checked', async () => {
    const fp = await footprint(SIZE);
    const w = await make();
    w.setBudget('bottom', fp);
    w.loadAssetZeroCopy(bytes(SIZE), 'middle', { path: 'm' });
    w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: 'b1' });
    w.register('b0', { handle: w.allocate(SIZE, 'bottom'), size: SIZE }); // over the budget: allowed
    w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: 'b2' }); // evicts b1, then b0
    assert.deepEqual(paths(w), ['m', 'b2']);
    assert.equal(w.budgetEvictions(), 2);
  });

  test('enforceBudget evicts down to a lowered budget; clearBudget stops eviction', async () => {
    const fp = await footprint(SIZE);
    const w = await make();
    for (const p of ['a', 'b', 'c', 'd']) w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: p });
    assert.equal(w.enforceBudget('bottom'), 0); // no budget
    w.setBudget('bottom', 2 * fp);
    assert.deepEqual(paths(w), ['a', 'b', 'c', 'd'], 'lowering a budget evicts nothing by itself');
    assert.equal(w.enforceBudget('bottom'), 2);
    assert.deepEqual(paths(w), ['c', 'd']);
    w.clearBudget('bottom');
    for (const p of ['e', 'f']) w.loadAssetZeroCopy(bytes(SIZE), 'bottom', { path: p });
    assert.deepEqual(paths(w), ['c', 'd', 'e', 'f']);
    assert.equal(w.budgetEvictions(), 2);
  });

  test('loadAsset evicts what the budget needs; a body larger than the budget fails the load', async () => {
    const fp = await footprint(4096);
    const w = await make();
    w.setBudget('bottom', 2 * fp);
    for (const p of ['l1', 'l2', 'l3']) {
      const loading = w.loadAsset(p, 'binary', { tier: 'bottom' });
      const call = await srv.next('/' + p);
      call.head(4096); call.chunk(4096); call.end();
      await loading;
    }
    assert.deepEqual(paths(w), ['l2', 'l3']);
    const big = w.loadAsset('big', 'binary', { tier: 'bottom' });
    const call = await srv.next('/big');
    call.head(3 * 4096);
    await assert.rejects(big, (e) => e instanceof AssetLoadError && /larger than the budget/.test(e.message));
    assert.deepEqual(paths(w), ['l2', 'l3']);
    assert.equal(w.memoryStats().loading, 0);
  });

  test('a load that only loads in flight stand in the way of waits for them, then evicts', async () => {
    const fp = await footprint(4096);
    const w = await make();
    w.setBudget('bottom', 2 * fp);
    const x = w.loadAsset('x', 'binary', { tier: 'bottom' });
    const y = w.loadAsset('y', 'binary', { tier: 'bottom' });
    const cx = await srv.next('/x'), cy = await srv.next('/y');
    cx.head(4096); cy.head(4096); // both reserve: the budget is full of blocks in flight
    await until(() => w.tierStats('bottom').liveBytes === 2 * fp, 'x and y reserved');
    const z = w.loadAsset('z', 'binary', { tier: 'bottom' });
    const cz = await srv.next('/z');
    cz.head(4096);
    let zDone = false;
    z.then(() => { zDone = true; }, () => { zDone = true; });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(zDone, false, 'z waits');
    cx.chunk(4096); cx.end();
    await x; // x registered: z evicts it and goes on
    const t0 = Date.now();
    await until(() => !w.has('x'), 'x evicted for z');
    assert.ok(Date.now() - t0 < 5000, 'z went on when x was registered, not when its wait ran out');
    cz.chunk(4096); cz.end();
    cy.chunk(4096); cy.end();
    await Promise.all([y, z]);
    assert.deepEqual(paths(w).sort(), ['y', 'z']);
    assert.equal(w.budgetEvictions(), 1);
    assert.ok(w.tierStats('bottom').liveBytes <= 2 * fp);
  });
});
