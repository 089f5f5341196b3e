// Per-tier byte budgets with least-recently-used eviction (setBudget), as the Java registry has:
// what is evicted and in which order (registration, get and view are uses), what cannot be
// taken, tier isolation, enforceBudget and clearBudget, and loads in flight that stand in the way
// of a budget (the load waits for them instead of failing).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetRegistry, AssetLoadError, DestroyedError, WallocError, startControlServer, until } from './helpers.mjs';

const MiB = 1024 * 1024;
const SIZE = 4000;
let srv;

before(async () => { srv = await startControlServer(); });
after(async () => { await srv.close(); });

async function make() {
  const w = await Walloc.create({ capacity: 16 * MiB });
  return { w, reg: new AssetRegistry(w, { baseUrl: srv.url }) };
}

const bytes = (n, v = 1) => new Uint8Array(n).fill(v);
// The footprint of a block of n bytes in BOTTOM: what tierStats' liveBytes counts for it.
async function footprint(n) {
  const w = await Walloc.create({ capacity: 16 * MiB });
  const reg = new AssetRegistry(w);
  const before = w.tierStats('bottom').liveBytes;
  w.allocate(n, 'bottom');
  const fp = w.tierStats('bottom').liveBytes - before;
  w.destroy();
  return fp;
}
const paths = (reg) => reg.list().map((a) => a.path);

describe('budgets', () => {
  test('arguments: a non-negative integer per tier; -1 without one; refused after destroy', async () => {
    const { w, reg } = await make();
    assert.equal(reg.budget('bottom'), -1);
    assert.throws(() => reg.setBudget('bottom', -1), RangeError);
    assert.throws(() => reg.setBudget('bottom', 1.5), RangeError);
    assert.throws(() => reg.setBudget('bottom', 2 ** 53), RangeError);
    assert.throws(() => reg.setBudget('bottom', '5'), TypeError);
    assert.throws(() => reg.setBudget('nope', 5), RangeError);
    assert.throws(() => reg.budget(3), RangeError);
    reg.setBudget(2, 12345);
    assert.equal(reg.budget('bottom'), 12345);
    reg.clearBudget('bottom');
    assert.equal(reg.budget(2), -1);
    assert.equal(reg.budgetEvictions(), 0);
    w.destroy();
    assert.throws(() => reg.setBudget('bottom', 5), DestroyedError);
    assert.throws(() => reg.enforceBudget('bottom'), DestroyedError);
  });

  test('the least recently used asset of the tier goes first; get and view are uses', async () => {
    const fp = await footprint(SIZE);
    const { w, reg } = await make();
    reg.setBudget('bottom', 3 * fp);
    for (const p of ['a', 'b', 'c']) reg.registerBytes(bytes(SIZE), 'bottom', { path: p });
    reg.get('a'); // order of use now: b, c, a
    reg.registerBytes(bytes(SIZE), 'bottom', { path: 'd' });
    assert.deepEqual(paths(reg), ['c', 'a', 'd']);
    reg.view('c'); // a, d, c
    reg.registerBytes(bytes(SIZE), 'bottom', { path: 'e' });
    assert.deepEqual(paths(reg), ['d', 'c', 'e']);
    assert.equal(reg.budgetEvictions(), 2);
    assert.ok(w.tierStats('bottom').liveBytes <= 3 * fp);
    reg.has('d'); // not a use
    reg.registerBytes(bytes(SIZE), 'bottom', { path: 'f' });
    assert.deepEqual(paths(reg), ['c', 'e', 'f']);
  });

  test('a block larger than the budget, or a budget full of blocks that are not assets, is refused and nothing is evicted', async () => {
    const fp = await footprint(SIZE);
    const { w, reg } = await make();
    reg.setBudget('bottom', 2 * fp);
    reg.registerBytes(bytes(SIZE), 'bottom', { path: 'a' });
    assert.throws(() => reg.registerBytes(bytes(3 * SIZE), 'bottom', { path: 'big' }),
      (e) => e instanceof WallocError && e.status === 5 && /larger than the budget/.test(e.message));
    assert.deepEqual(paths(reg), ['a']);
    reg.evict('a');
    w.allocate(SIZE, 'bottom');
    w.allocate(SIZE, 'bottom'); // the budget is full of plain blocks
    assert.throws(() => reg.registerBytes(bytes(SIZE), 'bottom', { path: 'b' }),
      (e) => e instanceof WallocError && /none of them is an asset/.test(e.message));
    assert.equal(reg.has('b'), false);
    assert.equal(reg.budgetEvictions(), 0);
  });

  test('other tiers are not evicted; registering an existing block is not checked', async () => {
    const fp = await footprint(SIZE);
    const { w, reg } = await make();
    reg.setBudget('bottom', fp);
    reg.registerBytes(bytes(SIZE), 'middle', { path: 'm' });
    reg.registerBytes(bytes(SIZE), 'bottom', { path: 'b1' });
    reg.register('b0', { handle: w.allocate(SIZE, 'bottom'), size: SIZE }); // over the budget: allowed
    reg.registerBytes(bytes(SIZE), 'bottom', { path: 'b2' }); // evicts b1, then b0
    assert.deepEqual(paths(reg), ['m', 'b2']);
    assert.equal(reg.budgetEvictions(), 2);
  });

  test('enforceBudget evicts down to a lowered budget; clearBudget stops eviction', async () => {
    const fp = await footprint(SIZE);
    const { w, reg } = await make();
    for (const p of ['a', 'b', 'c', 'd']) reg.registerBytes(bytes(SIZE), 'bottom', { path: p });
    assert.equal(reg.enforceBudget('bottom'), 0); // no budget
    reg.setBudget('bottom', 2 * fp);
    assert.deepEqual(paths(reg), ['a', 'b', 'c', 'd'], 'lowering a budget evicts nothing by itself');
    assert.equal(reg.enforceBudget('bottom'), 2);
    assert.deepEqual(paths(reg), ['c', 'd']);
    reg.clearBudget('bottom');
    for (const p of ['e', 'f']) reg.registerBytes(bytes(SIZE), 'bottom', { path: p });
    assert.deepEqual(paths(reg), ['c', 'd', 'e', 'f']);
    assert.equal(reg.budgetEvictions(), 2);
  });

  test('load evicts what the budget needs; a body larger than the budget fails the load', async () => {
    const fp = await footprint(4096);
    const { w, reg } = await make();
    reg.setBudget('bottom', 2 * fp);
    for (const p of ['l1', 'l2', 'l3']) {
      const loading = reg.load(p, 'binary', { tier: 'bottom' });
      const call = await srv.next('/' + p);
      call.head(4096); call.chunk(4096); call.end();
      await loading;
    }
    assert.deepEqual(paths(reg), ['l2', 'l3']);
    const big = reg.load('big', 'binary', { tier: 'bottom' });
    const call = await srv.next('/big');
    call.head(3 * 4096);
    await assert.rejects(big, (e) => e instanceof AssetLoadError && /larger than the budget/.test(e.message));
    assert.deepEqual(paths(reg), ['l2', 'l3']);
    assert.equal(reg.loading, 0);
  });

  test('a load that only loads in flight stand in the way of waits for them, then evicts', async () => {
    const fp = await footprint(4096);
    const { w, reg } = await make();
    reg.setBudget('bottom', 2 * fp);
    const x = reg.load('x', 'binary', { tier: 'bottom' });
    const y = reg.load('y', 'binary', { tier: 'bottom' });
    const cx = await srv.next('/x'), cy = await srv.next('/y');
    cx.head(4096); cy.head(4096); // both reserve: the budget is full of blocks in flight
    await until(() => w.tierStats('bottom').liveBytes === 2 * fp, 'x and y reserved');
    const z = reg.load('z', 'binary', { tier: 'bottom' });
    const cz = await srv.next('/z');
    cz.head(4096);
    let zDone = false;
    z.then(() => { zDone = true; }, () => { zDone = true; });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(zDone, false, 'z waits');
    cx.chunk(4096); cx.end();
    await x; // x registered: z evicts it and goes on
    const t0 = Date.now();
    await until(() => !reg.has('x'), 'x evicted for z');
    assert.ok(Date.now() - t0 < 5000, 'z went on when x was registered, not when its wait ran out');
    cz.chunk(4096); cz.end();
    cy.chunk(4096); cy.end();
    await Promise.all([y, z]);
    assert.deepEqual(paths(reg).sort(), ['y', 'z']);
    assert.equal(reg.budgetEvictions(), 1);
    assert.ok(w.tierStats('bottom').liveBytes <= 2 * fp);
  });
});
