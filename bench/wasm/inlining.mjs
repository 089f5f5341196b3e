// inlining.mjs - what engine inlining does to allocate+free pairs inside wasm: the loops of
// bench_walloc.c, bench_peer.c and bench_floor.c, in Node and headless Chromium, each with the
// engine's default flags and with wasm inlining turned off and forced on (V8 flags). Prints a
// Markdown table of ns per pair (minimum over interleaved rounds).
//   bench/wasm/build.sh && node bench/wasm/inlining.mjs
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

// Runs in Node and in the page. Returns ns per pair for each loop.
async function measure(load) {
  const inst = async (name) => {
    const m = await load(name);
    const imports = {};
    for (const imp of WebAssembly.Module.imports(m)) if (imp.kind === 'function') (imports[imp.module] ??= {})[imp.name] = () => 0;
    const x = (await WebAssembly.instantiate(m, imports)).exports;
    x._initialize?.();
    return x;
  };
  const wb = await inst('walloc-bench.wasm'), dl = await inst('peer-dlmalloc.wasm'), fl = await inst('call-floor.wasm');
  const w = wb.wb_create(256 * 1024 * 1024) >>> 0, f = fl.wb_create(0) >>> 0;
  const loops = {
    'Walloc 32 B': (n) => wb.wb_pairs(w, n, 32, 2),
    'dlmalloc 32 B': (n) => dl.pb_pairs(n, 32),
    'floor, two counters': (n) => fl.wb_pairs(f, n, 32, 2),
    'floor, one index': (n) => fl.wb_pairs_top(n, 32),
    'Walloc window': (n) => wb.wb_window(w, n, 2),
    'dlmalloc window': (n) => dl.pb_window(n),
  };
  const best = Object.fromEntries(Object.keys(loops).map((k) => [k, Infinity]));
  const n = 1 << 19;
  for (const fn of Object.values(loops)) fn(n); // tier-up
  const until = performance.now() + 4000;
  while (performance.now() < until) {
    for (const [k, fn] of Object.entries(loops)) {
      const t = performance.now();
      fn(n);
      best[k] = Math.min(best[k], ((performance.now() - t) * 1e6) / n);
    }
  }
  return best;
}

const configs = [];
if (process.argv[2] === '--child') {
  const best = await measure(async (name) => WebAssembly.compile(await readFile(path.join(here, 'out', name))));
  console.log(JSON.stringify(best));
  process.exit(0);
}

// Node: one child process per flag set.
for (const [label, flags] of [['Node, default', []], ['Node, --experimental-wasm-inlining', ['--experimental-wasm-inlining']]]) {
  const out = execFileSync(process.execPath, [...flags, fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' });
  configs.push([label, JSON.parse(out.trim().split('\n').pop())]);
}

// Chromium: one browser per flag set.
const require = createRequire(path.join(root, 'wasm-emscripten/package.json'));
const { chromium } = require('playwright-core');
const server = http.createServer(async (req, res) => {
  const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p === '/') { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<!doctype html><title>inlining</title>'); return; }
  try {
    const body = await readFile(path.join(here, 'out', path.basename(p)));
    res.writeHead(200, { 'Content-Type': 'application/wasm' }); res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
for (const [label, jsFlags] of [
  ['Chromium, default', null],
  ['Chromium, --no-wasm-inlining', '--no-wasm-inlining'],
  ['Chromium, inlining budget unlimited', '--wasm-inlining-budget=100000 --wasm-inlining-max-size=2000 --wasm-inlining-factor=100'],
]) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', chromiumSandbox: false,
    args: ['--disable-gpu', ...(jsFlags ? [`--js-flags=${jsFlags}`] : [])],
  });
  const page = await browser.newPage();
  await page.goto(url);
  const best = await page.evaluate(`(${measure})((name) => WebAssembly.compileStreaming(fetch('/' + name)))`);
  configs.push([label, best]);
  await browser.close();
}
server.close();

const keys = Object.keys(configs[0][1]);
console.log(`| engine, flags | ${keys.join(' | ')} |`);
console.log(`|---|${keys.map(() => '---:').join('|')}|`);
for (const [label, best] of configs) console.log(`| ${label} | ${keys.map((k) => best[k].toFixed(2)).join(' | ')} |`);
