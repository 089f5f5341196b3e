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
    const { w, manifest } = window.demo.state;
    const bad = [];
    for (const a of w.assets()) {
      const name = a.path.replace(/\?.*$/, '');
      const m = manifest.find((x) => x.path === name);
      if (!m || m.size !== a.size || !window.demo.patternOk(w.read(a.handle), m.seed)) bad.push(a.path);
    }
    const s = w.memoryStats();
    return { bad, assets: s.assets, live: s.tiers.map((t) => t.liveBytes), blocks: s.totals.liveBlocks,
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
  const evicted = await page.evaluate(() => window.demo.state.w.assets()[0]);
  await page.click('#evict');
  const afterEvict = await page.evaluate(() => ({ assets: window.demo.state.w.assets().length, s: window.demo.state.w.memoryStats() }));
  assert.equal(afterEvict.assets, 14);
  assert.ok(afterEvict.s.totals.liveBytes < liveBefore);
  assert.ok(afterEvict.s.totals.freeBytes > 0, 'the evicted block waits for reuse');
  const hotAfterEvict = await hotSites();
  assert.notDeepEqual(hotAfterEvict[evicted.tier], hotBefore[evicted.tier], 'the panel followed the eviction');
  assert.ok(hotAfterEvict.flat().every((r) => r.title !== `asset:${evicted.path}`), 'the evicted asset holds nothing');

  await page.click('#compact');
  const afterCompact = await page.evaluate(() => window.demo.state.w.assets().map((a) => a.path));
  assert.equal(afterCompact.length, 9, 'the last batch (5 assets) was unloaded');
  assert.ok(afterCompact.every((p) => !p.endsWith('batch=3')));
  const rows = await page.locator('#asset-rows tr').count();
  assert.equal(rows, 9);

  // The page's figures against its own asset table (issue 15 item 13): per tier, 'live blocks'
  // is the assets' footprints, also after the evict and compact above.
  const figures = await page.evaluate(() => {
    const { w } = window.demo.state;
    window.demo.render();
    const fp = (t, size) => w.exports.wjs_block_size(w.instanceAddress, t, size);
    return [0, 1, 2].map((t) => {
      const s = w.tierStats(t);
      const el = document.getElementById(`tier-${t}`);
      return {
        assets: w.assets().filter((a) => a.tier === t).reduce((sum, a) => sum + fp(t, a.size), 0),
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
    w.setBaseUrl(new URL('/assets/', location.href));
    const rec = await w.loadAsset('meshes/castle.glb', 'mesh');
    // Paths that leave the base URL are refused before any request (issue 15 item 7).
    const refused = [];
    for (const p of ['../x', '%2e%2e/x', '/x', 'http://evil.example/x', '//evil.example/x', '..\\x', ' /x']) {
      refused.push(await w.loadAsset(p).then(() => 'loaded', (e) => e.constructor.name));
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
