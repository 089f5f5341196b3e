// Headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): the demo page served
// from 127.0.0.1 loads assets through the real page; bytes, stats, evict, compact; screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { WASM_DIR, ROOT, startServer } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.WALLOC_ARTIFACTS ?? path.join(ROOT, 'tests/wasm/artifacts');
const require = createRequire(path.join(WASM_DIR, 'package.json'));
let chromium;
try { ({ chromium } = require('playwright-core')); } catch { /* reported below */ }
const skip = !chromium ? 'playwright-core missing: npm ci in wasm-emscripten/' : !existsSync(CHROMIUM) ? `${CHROMIUM} missing` : false;

let srv, browser, page;
const consoleErrors = [];

before(async () => {
  if (skip) return;
  srv = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM, chromiumSandbox: false, headless: true,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

test('demo page in headless Chromium: load, verify, evict, compact, screenshot', { skip, timeout: 120000 }, async () => {
  await page.goto(`${srv.url}demo/`);
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 30000 });
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'COOP/COEP served');

  await page.click('#load-batch');
  await page.waitForFunction(() => document.body.dataset.assets === '5' && !window.demo.state.busy);
  await page.click('#load-batch');
  await page.waitForFunction(() => document.body.dataset.assets === '10' && !window.demo.state.busy);
  await page.click('#load-batch');
  await page.waitForFunction(() => document.body.dataset.assets === '15' && !window.demo.state.busy);

  // Bytes: every asset matches the server's pattern, read through the page's own Walloc.
  const check = await page.evaluate(() => {
    const { w, assets, manifest } = window.demo.state;
    const bad = [];
    for (const a of assets.list()) {
      const name = a.path.replace(/\?.*$/, '');
      const m = manifest.find((x) => x.path === name);
      if (!m || m.size !== a.size || !window.demo.patternOk(w.read(a.handle), m.seed)) bad.push(a.path);
    }
    const s = w.memoryStats();
    return { bad, assets: assets.size, live: s.tiers.map((t) => t.liveBytes), blocks: s.totals.liveBlocks,
      verifiedCells: document.querySelectorAll('#asset-rows td.ok').length, growths: s.growths };
  });
  assert.deepEqual(check.bad, []);
  assert.equal(check.assets, 15);
  assert.equal(check.blocks, 15);
  assert.equal(check.verifiedCells, 15, 'the table shows every asset verified');
  assert.ok(check.live.every((x) => x > 0), 'each tier holds assets');
  assert.ok(check.growths >= 1);

  // The hot-sites panel: per tier, the sites with the most live bytes (the page profiles every
  // allocation), against the page's own profile and statistics.
  const hotSites = () => page.evaluate(() => [0, 1, 2].map((t) => [...document.querySelectorAll(`#hot-${t} li[data-site]`)]
    .map((li) => ({ id: Number(li.dataset.site), bytes: Number(li.dataset.bytes), text: li.textContent, title: li.title }))));
  const hotBefore = await hotSites();
  const profiled = await page.evaluate(() => {
    const { w } = window.demo.state;
    const p = w.profile();
    return { rate: p.rate, top: [0, 1, 2].map((t) => p.top(t).map((s) => s.id)), live: [0, 1, 2].map((t) => w.tierStats(t).liveBytes),
      sites: [0, 1, 2].map((t) => p.sites.reduce((a, s) => a + s.liveBytes[t], 0)) };
  });
  assert.equal(profiled.rate, 1, 'the demo profiles every allocation');
  assert.deepEqual(profiled.sites, profiled.live, 'at rate 1 the sites add up to each tier\'s live bytes');
  for (const t of [0, 1, 2]) {
    assert.ok(hotBefore[t].length >= 1 && hotBefore[t].length <= 5, `tier ${t}: 1..5 hot sites shown`);
    assert.ok(hotBefore[t].every((r) => r.bytes > 0), `tier ${t}: every row holds bytes`);
    assert.deepEqual(hotBefore[t].map((r) => r.id), profiled.top[t], `tier ${t}: the rows are the profile's top sites, most bytes first`);
    assert.ok(hotBefore[t].every((r) => /^asset:/.test(r.title)), `tier ${t}: loaded blocks are named by their asset`);
  }

  const liveBefore = await page.evaluate(() => window.demo.state.w.memoryStats().totals.liveBytes);
  const evicted = await page.evaluate(() => window.demo.state.assets.list()[0]);
  await page.click('#evict');
  const afterEvict = await page.evaluate(() => ({ assets: window.demo.state.assets.size, s: window.demo.state.w.memoryStats() }));
  assert.equal(afterEvict.assets, 14);
  assert.ok(afterEvict.s.totals.liveBytes < liveBefore);
  assert.ok(afterEvict.s.totals.freeBytes > 0, 'the evicted block waits for reuse');
  const hotAfterEvict = await hotSites();
  assert.notDeepEqual(hotAfterEvict[evicted.tier], hotBefore[evicted.tier], 'the panel followed the eviction');
  assert.ok(hotAfterEvict.flat().every((r) => r.title !== `asset:${evicted.path}`), 'the evicted asset holds nothing');

  await page.click('#compact');
  const afterCompact = await page.evaluate(() => window.demo.state.assets.list().map((a) => a.path));
  assert.equal(afterCompact.length, 9, 'the last batch (5 assets) was unloaded');
  assert.ok(afterCompact.every((p) => !p.endsWith('batch=3')));
  const rows = await page.locator('#asset-rows tr').count();
  assert.equal(rows, 9);

  // The page's figures against its own asset table (issue 15 item 13): per tier, 'live blocks'
  // is the assets' footprints, also after the evict and compact above.
  const figures = await page.evaluate(() => {
    const { w, assets } = window.demo.state;
    window.demo.render();
    const fp = (t, size) => w.exports.wjs_block_size(w.instanceAddress, t, size);
    return [0, 1, 2].map((t) => {
      const s = w.tierStats(t);
      const el = document.getElementById(`tier-${t}`);
      return {
        assets: assets.list().filter((a) => a.tier === t).reduce((sum, a) => sum + fp(t, a.size), 0),
        blocks: s.liveBytes,
        shownBlocks: el.querySelector('[data-k="blockBytes"]').textContent,
        wantBlocks: window.demo.fmt(s.liveBytes),
      };
    });
  });
  for (const [t, f] of figures.entries()) {
    assert.equal(f.blocks, f.assets, `tier ${t}: live blocks are the assets`);
    assert.equal(f.shownBlocks, f.wantBlocks, `tier ${t}: the page shows the live blocks`);
  }

  // The burst's 400 blocks show as one code site in the bottom tier while they live (400 ms): the
  // click runs the burst's allocations and render before it returns, and the rows are read then.
  const burst = await page.evaluate(() => {
    document.getElementById('scratch').click();
    return [0, 1, 2].map((t) => [...document.querySelectorAll(`#hot-${t} li[data-site]`)].map((li) => ({ text: li.textContent })));
  });
  assert.ok(burst[2].some((r) => /scratchBurst · demo\.mjs:\d+/.test(r.text)), JSON.stringify(burst[2]));
  await page.click('#load-batch');
  await page.waitForFunction(() => document.body.dataset.assets === '14' && !window.demo.state.busy);
  await page.waitForTimeout(700); // bars animate

  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = path.join(ARTIFACTS, 'demo.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(existsSync(shot));
  console.log(`# screenshot: ${shot}`);

  await page.click('#reset');
  assert.equal(await page.evaluate(() => window.demo.state.w.memoryStats().totals.liveBlocks), 0);
  assert.deepEqual(await hotSites(), [[], [], []], 'after a reset no site holds live blocks');
  assert.equal(await page.locator('#hot-sites li.none').count(), 3);
  assert.deepEqual(consoleErrors, []);
});

test('walloc.mjs in the page: streaming compile, growth, views, errors, paths', { skip, timeout: 60000 }, async () => {
  const pageRequests = [];
  page.on('request', (req) => pageRequests.push(req.url()));
  await page.goto(`${srv.url}demo/`);
  const r = await page.evaluate(async () => {
    const { Walloc } = await import('/walloc.mjs');
    const { AssetRegistry } = await import('/assets.mjs');
    const w = await Walloc.create({ capacity: 64 << 20 });
    const h = w.allocate(4096, 'top');
    const v = w.viewFloat32(h);
    v.array.fill(2.5);
    const buf = w.memory.buffer;
    const hs = [];
    while (w.memory.buffer === buf) hs.push(w.allocate(1 << 20, 'bottom'));
    const errors = [];
    try { w.allocate(-1); } catch (e) { errors.push(e.constructor.name); }
    try { w.write(h, new Uint8Array(5000)); } catch (e) { errors.push(e.constructor.name); }
    try { w.allocate('x'); } catch (e) { errors.push(e.constructor.name); }
    const reg = new AssetRegistry(w, { baseUrl: new URL('/assets/', location.href) });
    const rec = await reg.load('meshes/castle.glb', 'mesh');
    // Paths that leave the base URL are refused before any request (issue 15 item 7).
    const refused = [];
    for (const p of ['../x', '%2e%2e/x', '/x', 'http://evil.example/x', '//evil.example/x', '..\\x', ' /x']) {
      refused.push(await reg.load(p).then(() => 'loaded', (e) => e.constructor.name));
    }
    return { simd: Walloc.simdSupported, after: v.get(1023), len: v.array.length, errors, rec: { size: rec.size, tier: rec.tier }, refused };
  });
  assert.deepEqual(r.refused, Array(7).fill('RangeError'));
  assert.deepEqual(pageRequests.filter((u) => /evil|\/x$/.test(u)), [], 'no request for a refused path');
  assert.equal(r.simd, true);
  assert.equal(r.after, 2.5);
  assert.equal(r.len, 1024);
  assert.deepEqual(r.errors, ['RangeError', 'RangeError', 'TypeError']);
  assert.deepEqual(r.rec, { size: 1280 * 1024, tier: 0 });
});

test('an engine without SIMD128 gets the -nosimd module (the demo profiles: walloc-diag-nosimd.wasm)', { skip, timeout: 60000 }, async () => {
  const p = await browser.newPage();
  // Pretend the engine lacks SIMD128: the probe module fails validation.
  await p.addInitScript(() => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => {
      const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
      for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xfd) return false; // SIMD opcode prefix
      return validate(bytes);
    };
  });
  await p.goto(`${srv.url}demo/`);
  await p.waitForSelector('#status[data-state="ready"]', { timeout: 30000 });
  const r = await p.evaluate(() => ({
    simd: window.demo.state.w.constructor.simdSupported,
    module: document.getElementById('mem-module').textContent,
    fetched: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')),
  }));
  assert.equal(r.simd, false);
  assert.equal(r.module, 'walloc-diag-nosimd.wasm');
  assert.ok(r.fetched.some((n) => n.endsWith('/dist/walloc-diag-nosimd.wasm')), r.fetched.join());
  assert.ok(!r.fetched.some((n) => /\/dist\/walloc(-diag)?\.wasm$/.test(n)), r.fetched.join());
  await p.click('#load-batch');
  await p.waitForFunction(() => document.body.dataset.assets === '5' && !window.demo.state.busy);
  assert.equal(await p.locator('#asset-rows td.ok').count(), 5);
  await p.close();
});

// Workers mode (issue 20): four module Workers attach to one shared instance and allocate, hand
// on and free blocks at once. Everything is read from the page's data attributes: per Worker
// (#wk-row-i: ops, allocs, frees, crossFrees, lost, errors, live) and per tier of the shared
// instance (#wk-tier-t: liveBytes, liveBlocks, committed, capacity, allocs, frees, resets).
const OPS = 3000;         // operations each Worker must reach
const CROSS = 100;        // cross-worker frees each must reach

const workerRows = (p) => p.evaluate(() => [0, 1, 2, 3].map((i) => {
  const d = document.getElementById(`wk-row-${i}`).dataset;
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Number(v)]));
}));
const sharedTiers = (p) => p.evaluate(() => [0, 1, 2].map((t) => {
  const d = { ...document.getElementById(`wk-tier-${t}`).dataset };
  delete d.tier;
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Number(v)]));
}));
const sum = (rows, k) => rows.reduce((a, r) => a + r[k], 0);

test('demo workers mode: four Workers share one instance, free each other\'s blocks; reset refused while they run; Stop frees everything', { skip, timeout: 30000 }, async () => {
  const p = await browser.newPage({ viewport: { width: 1440, height: 1400 } });
  const errors = [];
  p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  p.on('pageerror', (e) => errors.push(String(e)));
  try {
    await p.goto(`${srv.url}demo/`);
    await p.waitForSelector('#workers[data-state="idle"]', { timeout: 10000 });
    assert.equal(await p.evaluate(() => self.crossOriginIsolated), true, 'COOP/COEP on every resource');
    assert.deepEqual(await sharedTiers(p), [{}, {}, {}], 'no shared instance before Start');

    await p.click('#wk-start');
    await p.waitForSelector('#workers:is([data-state="running"], [data-state="failed"])', { timeout: 10000 });
    assert.equal(await p.getAttribute('#workers', 'data-state'), 'running', await p.textContent('#wk-error'));
    await p.waitForFunction(({ ops, cross }) => [0, 1, 2, 3].every((i) => {
      const d = document.getElementById(`wk-row-${i}`).dataset;
      return Number(d.ops) >= ops && Number(d.crossFrees) >= cross;
    }), { ops: OPS, cross: CROSS }, { timeout: 10000 });
    const rows = await workerRows(p);
    assert.deepEqual(rows.map((r) => r.errors), [0, 0, 0, 0], 'no Worker saw a bad block or a failed call');
    assert.ok(rows.every((r) => r.handedOff > 0 && r.frees > r.crossFrees), JSON.stringify(rows));

    // The bars follow the shared instance while the Workers run: every tier holds blocks, and
    // the figures keep moving from frame to frame.
    const t1 = await sharedTiers(p);
    for (const [t, s] of t1.entries()) {
      assert.ok(s.liveBlocks > 0 && s.liveBytes > 0 && s.allocs > 0 && s.frees > 0, `tier ${t}: ${JSON.stringify(s)}`);
      assert.ok(s.committed > 0 && s.committed <= s.capacity, `tier ${t}: committed within capacity`);
    }
    await p.waitForFunction((before) => [0, 1, 2].every((t) => Number(document.getElementById(`wk-tier-${t}`).dataset.allocs) > before[t]),
      t1.map((s) => s.allocs), { timeout: 10000 });
    const width = await p.evaluate(() => getComputedStyle(document.querySelector('#wk-tier-0 .live')).width);
    assert.notEqual(width, '0px', 'the top tier\'s live bar is drawn');

    // The rule: while the Workers run, a reset of the bottom tier is refused (TierBusyError)
    // whenever one of them is inside it (most of the time, not always: try a few times); paused,
    // it goes through. Each click does both.
    let refused = 0;
    for (let k = 0; k < 12 && refused === 0; k++) {
      await p.click('#wk-reset');
      await p.waitForSelector('#workers[data-state="running"]', { timeout: 10000 });
      refused = Number(await p.getAttribute('#workers', 'data-refused'));
    }
    assert.ok(refused >= 1, 'a reset attempt was refused while the Workers ran');
    const ruleText = await p.textContent('#wk-rule');
    assert.match(ruleText, /TierBusyError: resetTier: tier bottom is in use by another call/);
    assert.match(ruleText, /Paused: the reset succeeded/);
    // The bottom tier counts the page's resets (the bars are redrawn on the next frame).
    const resets = Number(await p.getAttribute('#workers', 'data-resets'));
    assert.ok(resets >= 1);
    await p.waitForFunction((n) => document.getElementById('wk-tier-2').dataset.resets === String(n), resets, { timeout: 10000 });
    // The Workers go on after the reset, still without errors.
    const opsAfterReset = (await workerRows(p)).map((r) => r.ops);
    await p.waitForFunction((before) => [0, 1, 2, 3].every((i) => Number(document.getElementById(`wk-row-${i}`).dataset.ops) > before[i] + 500),
      opsAfterReset, { timeout: 10000 });
    assert.deepEqual((await workerRows(p)).map((r) => r.errors), [0, 0, 0, 0]);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'demo-workers.png');
    await p.locator('#workers').screenshot({ path: shot });
    console.log(`# screenshot: ${shot}`);

    // Stop: every Worker checks and frees what it holds, detaches; the page reports what is left
    // in the shared instance (from tierStats) before it destroys it.
    await p.click('#wk-stop');
    await p.waitForSelector('#workers[data-state="stopped"]', { timeout: 10000 });
    assert.equal(await p.getAttribute('#workers', 'data-left'), '0', 'no live block left in the shared instance');
    const end = await workerRows(p), tiers = await sharedTiers(p);
    assert.deepEqual(end.map((r) => r.errors), [0, 0, 0, 0]);
    assert.deepEqual(end.map((r) => r.live), [0, 0, 0, 0], 'no Worker holds a block');
    assert.deepEqual(tiers.map((s) => s.liveBlocks), [0, 0, 0]);
    assert.deepEqual(tiers.map((s) => s.liveBytes), [0, 0, 0]);
    // Every block handed on arrived (Stop flushes the MessagePorts before the Workers free)...
    assert.equal(sum(end, 'received'), sum(end, 'handedOff'));
    assert.equal(await p.getAttribute('#workers', 'data-in-flight'), '0');
    // ...and every block allocated was freed by some Worker or taken by a reset; the core agrees.
    assert.equal(sum(end, 'allocs'), sum(end, 'frees') + sum(end, 'lost'), JSON.stringify(end));
    assert.equal(sum(tiers, 'allocs'), sum(end, 'allocs'));
    assert.equal(sum(tiers, 'frees'), sum(end, 'frees'));
    assert.equal(await p.evaluate(() => window.demo.workers.state.w), null, 'the instance was destroyed');
    assert.equal(await p.isEnabled('#wk-start'), true, 'workers mode can start again');
    assert.deepEqual(errors, []);
  } finally {
    await p.close();
  }
});

test('demo workers mode without COOP/COEP: create()\'s error is shown, the page goes on', { skip, timeout: 30000 }, async () => {
  const p = await browser.newPage();
  // The same server, its isolation headers taken out of every response.
  await p.route('**/*', async (route) => {
    const res = await route.fetch();
    const headers = res.headers();
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response: res, headers });
  });
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  try {
    await p.goto(`${srv.url}demo/`);
    await p.waitForSelector('#status[data-state="ready"]', { timeout: 10000 });
    assert.equal(await p.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(await p.textContent('#wk-isolated'), 'not cross-origin isolated');
    await p.click('#wk-start');
    await p.waitForSelector('#workers[data-state="unavailable"]', { timeout: 10000 });
    const msg = await p.textContent('#wk-error');
    assert.match(msg, /cross-origin isolated/);
    assert.match(msg, /Cross-Origin-Opener-Policy: same-origin/);
    assert.match(msg, /Cross-Origin-Embedder-Policy: require-corp/);
    assert.equal(await p.isEnabled('#wk-stop'), false);
    // The single-threaded page does not need isolation.
    await p.click('#load-batch');
    await p.waitForFunction(() => document.body.dataset.assets === '5' && !window.demo.state.busy);
    assert.deepEqual(errors, []);
  } finally {
    await p.close();
  }
});
