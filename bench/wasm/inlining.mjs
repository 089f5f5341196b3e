// inlining.mjs - what engine inlining does to allocate+free pairs inside wasm: the loops of
// bench_walloc.c, bench_peer.c and bench_floor.c, in Node and headless Chromium, each with the
// engine's default flags and with wasm inlining turned off and forced on (V8 flags). Prints a
// Markdown table of ns per pair (minimum over interleaved rounds).
//   bench/wasm/build.sh && node bench/wasm/inlining.mjs [--default] [--runs N]
// --default: the engines' default flags only. --runs N: each configuration in N fresh processes
// (browsers), and the table gives the median of their minima, with the range: one process's
// figure for the same module varies between processes (code placement) by more than the
// differences being measured (bench/wasm/NOTES.md).
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

const defaultOnly = process.argv.includes('--default');
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 1;
// Median of each loop's figures over the runs, with their range.
const combine = (results) => Object.fromEntries(Object.keys(results[0]).map((k) => {
  const v = results.map((r) => r[k]).sort((a, b) => a - b);
  return [k, { median: v[(v.length - 1) >> 1], min: v[0], max: v[v.length - 1] }];
}));

// Node: one child process per flag set and run.
for (const [label, flags] of [['Node, default', []], ['Node, --experimental-wasm-inlining', ['--experimental-wasm-inlining']]].slice(0, defaultOnly ? 1 : 2)) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const out = execFileSync(process.execPath, [...flags, fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' });
    results.push(JSON.parse(out.trim().split('\n').pop()));
  }
  configs.push([label, combine(results)]);
}

// Chromium: one browser per flag set.
const require = createRequire(path.join(root, 'wasm-emscripten/package.json'));
const { chromium } = require('playwright-core');
const server = http.createServer(async (req, res) => {
  const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  // Cross-origin isolated: performance.now() then ticks in 5 us, not 100 us.
  if (p === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    res.end('<!doctype html><title>inlining</title>');
    return;
  }
  try {
    const body = await readFile(path.join(here, 'out', path.basename(p)));
    res.writeHead(200, { 'Content-Type': 'application/wasm', 'Cross-Origin-Resource-Policy': 'same-origin' }); res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
for (const [label, jsFlags] of [
  ['Chromium, default', null],
  ['Chromium, --no-wasm-inlining', '--no-wasm-inlining'],
  ['Chromium, inlining budget unlimited', '--wasm-inlining-budget=100000 --wasm-inlining-max-size=2000 --wasm-inlining-factor=100'],
].slice(0, defaultOnly ? 1 : 3)) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', chromiumSandbox: false,
      args: ['--disable-gpu', ...(jsFlags ? [`--js-flags=${jsFlags}`] : [])],
    });
    const page = await browser.newPage();
    await page.goto(url);
    results.push(await page.evaluate(`(${measure})((name) => WebAssembly.compileStreaming(fetch('/' + name)))`));
    await browser.close();
  }
  configs.push([label, combine(results)]);
}
server.close();

const keys = Object.keys(configs[0][1]);
console.log(`| engine, flags | ${keys.join(' | ')} |`);
console.log(`|---|${keys.map(() => '---:').join('|')}|`);
const cell = ({ median, min, max }) => (runs > 1 ? `${median.toFixed(2)} (${min.toFixed(2)}–${max.toFixed(2)})` : median.toFixed(2));
for (const [label, best] of configs) console.log(`| ${label} | ${keys.map((k) => cell(best[k])).join(' | ')} |`);
if (runs > 1) console.log(`\nMedian of ${runs} fresh processes (browsers) per row, each the minimum over 4 s of interleaved rounds; range in brackets.`);
