// Shared mode in headless Chromium: refused with a clear error in a page that is not cross-origin
// isolated; in an isolated page (COOP/COEP), three Web Workers allocate, hand blocks on through the
// page and free each other's blocks, contents checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { WASM_DIR } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const require = createRequire(path.join(WASM_DIR, 'package.json'));
let chromium;
try { ({ chromium } = require('playwright-core')); } catch { /* reported below */ }
const skip = !chromium ? 'playwright-core missing: npm ci in wasm-emscripten/' : !existsSync(CHROMIUM) ? `${CHROMIUM} missing` : false;

// The page: makes the shared instance and relays each Worker's blocks to the next Worker.
const PAGE = `<!doctype html><meta charset="utf-8"><title>shared</title><script type="module">
import { Walloc } from './walloc.mjs';
window.tryCreate = async () => {
  try { const w = await Walloc.create({ shared: true, capacity: 8 << 20, maximumMemory: 64 << 20 }); w.destroy(); return 'created'; }
  catch (e) { return e.message; }
};
window.run = async (workers, rounds, perRound) => {
  const w = await Walloc.create({ shared: true, capacity: 48 << 20, maximumMemory: 256 << 20 });
  const memStart = w.memory.buffer.byteLength;
  const ws = [];
  const inbox = Array.from({ length: workers }, () => []);
  let wakers = [];
  const wake = () => { const ws = wakers; wakers = []; for (const f of ws) f(); };
  for (let i = 0; i < workers; i++) {
    const x = new Worker('./shared-worker-web.mjs', { type: 'module' });
    x.onmessage = (e) => { inbox[i].push(e.data); wake(); };
    x.onerror = (e) => { inbox[i].push({ crashed: e.message }); wake(); };
    x.postMessage({ shared: w.shareable(), index: i, perRound });
    ws.push(x);
  }
  const next = async (i) => {
    while (inbox[i].length === 0) await new Promise((r) => { wakers.push(r); });
    const m = inbox[i].shift();
    if (m.crashed) throw new Error('worker ' + i + ': ' + m.crashed);
    return m;
  };
  const errors = [];
  let overlaps = 0, moved = 0;
  let lists = await Promise.all(ws.map((_, i) => next(i)));
  for (let r = 0; r < rounds; r++) {
    // Every block in flight is live: none may overlap another.
    const all = lists.flatMap((m) => m.blocks).sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < all.length; k++) if (all[k - 1][0] + all[k - 1][1] > all[k][0]) overlaps++;
    // Worker i checks and frees what Worker i-1 allocated, and allocates its next list.
    for (let i = 0; i < workers; i++) ws[i].postMessage({ free: lists[(i + workers - 1) % workers].blocks, last: r === rounds - 1 });
    moved += all.length;
    lists = await Promise.all(ws.map((_, i) => next(i)));
    for (const m of lists) errors.push(...m.errors);
  }
  const stats = [0, 1, 2].map((t) => w.tierStats(t));
  const memEnd = w.memory.buffer.byteLength;
  for (const x of ws) x.terminate();
  w.destroy();
  return { errors, overlaps, moved, live: stats.map((s) => s.liveBlocks), liveBytes: stats.map((s) => s.liveBytes),
    allocs: stats.reduce((a, s) => a + s.totalAllocs, 0), frees: stats.reduce((a, s) => a + s.totalFrees, 0),
    memStart, memEnd, isolated: self.crossOriginIsolated };
};
window.ready = true;
</script>`;

// The Worker: attaches, then per message frees (after checking) the blocks it is given and
// allocates and fills a new list, unless it was the last round.
const WORKER = `import { Walloc } from './walloc.mjs';
let w, index, perRound, seq = 0, s = 1;
const rand = (n) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % n; };
const fill = (size, seed) => { const b = new Uint8Array(size); for (let i = 0; i < size; i++) b[i] = (seed * 31 + i * 7) & 255; return b; };
const allocList = () => {
  const blocks = [];
  for (let k = 0; k < perRound; k++) {
    const size = 1 + rand(k % 50 === 0 ? 65536 : 1500), seed = index * 1000003 + seq++;
    const h = w.allocate(size, ['top', 'middle', 'bottom'][rand(3)]);
    if (h === Walloc.NULL) throw new Error('tier full');
    w.write(h, fill(size, seed));
    blocks.push([h, size, seed]);
  }
  return blocks;
};
self.onmessage = async (e) => {
  try {
    if (e.data.shared) {
      w = await Walloc.attach(e.data.shared);
      ({ index, perRound } = e.data);
      s = 7 + index * 7919;
      postMessage({ blocks: allocList(), errors: [] });
      return;
    }
    const errors = [];
    for (const [h, size, seed] of e.data.free) {
      const got = w.read(h, size), want = fill(size, seed);
      for (let i = 0; i < size; i++) if (got[i] !== want[i]) { errors.push('block ' + h + ' byte ' + i); break; }
      w.free(h, size);
    }
    const blocks = e.data.last ? [] : allocList();
    if (e.data.last) w.detach();
    postMessage({ blocks, errors });
  } catch (err) { postMessage({ crashed: String(err && err.stack || err) }); }
};
`;

const FILES = {
  'walloc.mjs': path.join(WASM_DIR, 'walloc.mjs'),
  'walloc-shared.mjs': path.join(WASM_DIR, 'walloc-shared.mjs'),
  'profile.mjs': path.join(WASM_DIR, 'profile.mjs'),
  'dist/walloc-mt.wasm': path.join(WASM_DIR, 'dist/walloc-mt.wasm'),
  // walloc.mjs's own modules (lib/: one concept per file)
  ...Object.fromEntries(readdirSync(path.join(WASM_DIR, 'lib')).map((f) => [`lib/${f}`, path.join(WASM_DIR, 'lib', f)])),
};
const TYPES = { '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };

// /iso/... is served cross-origin isolated (COOP + COEP), /plain/... is not.
function serve() {
  return new Promise((resolve) => {
    const server = http.createServer(async (req, res) => {
      const m = /^\/(iso|plain)\/(.*)$/.exec(new URL(req.url, 'http://x').pathname);
      const name = m?.[2];
      let body;
      if (name === 'index.html') body = PAGE;
      else if (name === 'shared-worker-web.mjs') body = WORKER;
      else if (FILES[name]) body = await readFile(FILES[name]);
      if (body === undefined) { res.writeHead(404); res.end(); return; }
      const h = { 'Content-Type': TYPES[path.extname(name)], 'Cache-Control': 'no-store' };
      if (m[1] === 'iso') {
        h['Cross-Origin-Opener-Policy'] = 'same-origin';
        h['Cross-Origin-Embedder-Policy'] = 'require-corp';
        h['Cross-Origin-Resource-Policy'] = 'same-origin';
      }
      res.writeHead(200, h);
      res.end(body);
    });
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) }));
  });
}

let srv, browser;

before(async () => {
  if (skip) return;
  srv = await serve();
  browser = await chromium.launch({
    executablePath: CHROMIUM, chromiumSandbox: false, headless: true,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

async function open(kind) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${srv.url}${kind}/index.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  return { page, errors };
}

test('create({ shared: true }) in a page that is not cross-origin isolated: a clear error', { skip, timeout: 60000 }, async () => {
  const { page } = await open('plain');
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
  const msg = await page.evaluate(() => window.tryCreate());
  assert.match(msg, /cross-origin isolated/);
  assert.match(msg, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(msg, /Cross-Origin-Embedder-Policy: require-corp/);
  await page.close();
});

test('three Web Workers share one instance: blocks allocated in one are checked and freed in another', { skip, timeout: 90000 }, async () => {
  const { page, errors } = await open('iso');
  assert.equal(await page.evaluate(() => window.tryCreate()), 'created');
  const r = await page.evaluate(() => window.run(3, 30, 300));
  await page.close();
  assert.deepEqual(errors, []);
  assert.equal(r.isolated, true);
  assert.deepEqual(r.errors, []);
  assert.equal(r.overlaps, 0);
  assert.equal(r.moved, 3 * 30 * 300);
  assert.deepEqual(r.live, [0, 0, 0], 'every block was freed by the Worker it went to');
  assert.deepEqual(r.liveBytes, [0, 0, 0]);
  assert.equal(r.allocs, r.frees);
  assert.equal(r.allocs, 3 * 30 * 300);
  assert.ok(r.memEnd > r.memStart, `memory grew (${r.memStart} -> ${r.memEnd})`);
});
