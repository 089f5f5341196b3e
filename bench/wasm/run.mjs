// run.mjs - runs the wasm benchmarks in Node and in headless Chromium, side by side, and writes
// bench/wasm/RESULTS.md (and out/results.json).
//
//   bench/wasm/build.sh && wasm-emscripten/build.sh     (scripts: bench/wasm/run.sh does both)
//   node bench/wasm/run.mjs [--quick] [--no-chromium]
//   node bench/wasm/run.mjs --render     RESULTS.md again from out/results.json (after NOTES.md
//                                        changed), without measuring
import http from 'node:http';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import { runBench, COPY_SIZES, THRESHOLDS, TARGET_MS, REPS, QUICK, ALLOC_SECONDS } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const render = process.argv.includes('--render');
const withChromium = !process.argv.includes('--no-chromium');
const log = (s) => console.log(s);
let nodeRes, chromeRes = null, sizes = [], meta;
if (render) {
  ({ node: nodeRes, chromium: chromeRes, sizes, meta } = JSON.parse(await readFile(path.join(here, 'out/results.json'), 'utf8')));
} else {
  meta = {
    date: new Date().toISOString().slice(0, 16), cpu: os.cpus()[0]?.model ?? 'unknown CPU', cores: os.cpus().length,
    node: process.version, chromium: null, quick: process.argv.includes('--quick'), loadAtStart: os.loadavg(),
  };
  await measure();
}
const { quick, loadAtStart } = meta;
const chromeVersion = meta.chromium;

async function measure() {
const { quick } = meta;
const { Walloc } = await import(pathToFileURL(path.join(root, 'wasm-emscripten/walloc.mjs')).href);

// ------------------------------------------------------------------ Node
console.log(`# Node ${process.version}`);
nodeRes = await runBench({
  Walloc, log: (s) => log(`node: ${s}`), quick,
  loadModule: async (name) => WebAssembly.compile(await readFile(path.join(here, 'out', name))),
});

// ------------------------------------------------------------------ Chromium
if (withChromium) {
  const require = createRequire(path.join(root, 'wasm-emscripten/package.json'));
  const { chromium } = require('playwright-core');
  const server = http.createServer(async (req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.resolve(root, '.' + p);
    const ok = file.startsWith(path.join(root, 'bench/wasm') + path.sep) || file.startsWith(path.join(root, 'wasm-emscripten') + path.sep);
    const type = p.endsWith('.wasm') ? 'application/wasm' : p.endsWith('.mjs') ? 'text/javascript' : 'text/html';
    const h = { 'Content-Type': type, 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    if (p === '/') { res.writeHead(200, h); res.end('<!doctype html><title>walloc bench</title>'); return; }
    try { if (!ok) throw new Error(); const body = await readFile(file); res.writeHead(200, h); res.end(body); } catch { res.writeHead(404); res.end(); }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  meta.chromium = browser.version();
  console.log(`# Chromium ${meta.chromium}`);
  const page = await browser.newPage();
  page.on('console', (m) => log(`chromium: ${m.text()}`));
  await page.goto(url);
  chromeRes = await page.evaluate(async (q) => {
    const { runBench } = await import('/bench/wasm/harness.mjs');
    const { Walloc } = await import('/wasm-emscripten/walloc.mjs');
    return runBench({
      Walloc, quick: q, log: (s) => console.log(s),
      loadModule: (name) => WebAssembly.compileStreaming(fetch(`/bench/wasm/out/${name}`)),
    });
  }, quick);
  await browser.close();
  server.close();
}

// ------------------------------------------------------------------ sizes
async function size(rel) {
  const file = path.join(root, rel);
  const body = await readFile(file);
  return { rel, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
}
for (const rel of ['wasm-emscripten/dist/walloc.wasm', 'wasm-emscripten/dist/walloc-nosimd.wasm',
  'wasm-emscripten/walloc.mjs', 'wasm-emscripten/walloc.d.ts', 'bench/wasm/out/walloc-bench.wasm',
  'bench/wasm/out/peer-dlmalloc.wasm', 'bench/wasm/out/peer-emmalloc.wasm']) {
  try { await stat(path.join(root, rel)); sizes.push(await size(rel)); } catch { /* missing */ }
}

await writeFile(path.join(here, 'out/results.json'), JSON.stringify({ node: nodeRes, chromium: chromeRes, sizes, meta }, null, 1));
} // measure

// ------------------------------------------------------------------ RESULTS.md
const f = (x, d = 2) => (x === undefined || x === null ? '–' : x < 10 ? x.toFixed(d) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const engines = [['Node', nodeRes], ...(chromeRes ? [['Chromium', chromeRes]] : [])];
const L = [];
L.push('# WebAssembly benchmarks', '');
L.push(`Generated by \`bench/wasm/run.sh\` (${meta.date} UTC) on ${meta.cpu}, ${meta.cores} cores;`,
  `Node ${meta.node}${chromeVersion ? `, Chromium ${chromeVersion} (headless)` : ''}. Minimum of ${quick ? QUICK.reps : REPS} interleaved runs of loops calibrated to ≥ ${quick ? QUICK.targetMs : TARGET_MS} ms${quick ? '' : ` (allocation and per-call rows: rounds for ≥ ${ALLOC_SECONDS} s)`};`,
  'ns per operation. Same harness code (`harness.mjs`) in both engines.' + (quick ? ' **Quick mode: short loops, noisy.**' : ''),
  `Load average when the run started: ${loadAtStart.map((x) => x.toFixed(2)).join(', ')} (2 cores; other jobs on the machine inflate absolute times, ratios within one run hold better).`, '');

L.push('## Allocate + free inside wasm', '',
  'One alloc+free pair per operation, identical C loops (`bench_walloc.c`, `bench_peer.c`); peers are Emscripten 3.1.6\'s',
  '`-sMALLOC=dlmalloc` and `-sMALLOC=emmalloc`. Walloc: bottom tier unless noted, unchecked mode.', '');
L.push(`| pattern | ${engines.map(([e]) => `${e} walloc | ${e} dlmalloc | ${e} emmalloc | ${e} dlmalloc/walloc`).join(' | ')} |`);
L.push(`|---|${engines.map(() => '---:|---:|---:|---:').join('|')}`);
nodeRes.alloc.forEach((row, i) => {
  L.push(`| ${row.label} | ${engines.map(([, r]) => { const x = r.alloc[i]; return `${f(x.walloc)} | ${f(x.dlmalloc)} | ${f(x.emmalloc)} | ${f(x.dlmalloc / x.walloc)}x`; }).join(' | ')} |`);
});
L.push('');
if (nodeRes.callFloor !== undefined) {
  L.push('Call floor (`bench_floor.c`): the same loop calling two out-of-line functions with walloc_alloc\'s and',
    'walloc_free\'s signatures that only pop and push a handle, no checks, 32 B: ' +
    `${engines.map(([e, r]) => `${e} ${f(r.callFloor)} ns`).join(', ')}. What the engine charges for the call pattern itself.`,
    'The same with the bin kept as one index instead of Walloc\'s two counters (pushes, pops), `wb_pairs_top`: ' +
    `${engines.map(([e, r]) => `${e} ${f(r.callFloorTop)} ns`).join(', ')}.`, '');
}

L.push('## Per JS call', '', 'A loop in JavaScript calling into wasm; ns per loop iteration (calls per iteration in the second column).', '');
L.push(`| call | calls | ${engines.map(([e]) => e).join(' | ')} |`);
L.push(`|---|---:|${engines.map(() => '---:').join('|')}|`);
nodeRes.jsCall.forEach((row, i) => L.push(`| ${row.label} | ${row.calls} | ${engines.map(([, r]) => f(r.jsCall[i].ns)).join(' | ')} |`));
L.push('');

L.push('## Copies inside wasm', '',
  '`walloc_memcpy` as built (inline SIMD128 below `WALLOC_WASM_MEMORY_COPY_MIN`, `memory.copy` from it on), the same',
  'routine with `memory.copy` never used ("inline only"), and a plain `memory.copy` loop. "best" is the faster of inline',
  'and memory.copy; walloc/best above 1 means walloc lost at that size. The routine is inlined into the loop, as',
  '`memory.copy` is an instruction in it (`walloc-copy.wasm`, see bench/wasm/build.sh): these rows compare copy strategies,',
  'not the cost of calling a function.', '');
L.push(`| size | ${engines.map(([e]) => `${e} walloc | ${e} inline | ${e} memory.copy | ${e} walloc/best`).join(' | ')} |`);
L.push(`|---:|${engines.map(() => '---:|---:|---:|---:').join('|')}`);
COPY_SIZES.forEach((s, i) => {
  L.push(`| ${s} | ${engines.map(([, r]) => { const x = r.copyWasm[i]; const best = Math.min(x.inline, x.memoryCopy); return `${f(x.walloc)} | ${f(x.inline)} | ${f(x.memoryCopy)} | ${f(x.walloc / best)}`; }).join(' | ')} |`);
});
L.push('');

// Threshold choice: for each candidate T (a measured size), predict every size s as inline(s)
// when s < T and memory.copy(s) otherwise; score T by the sum over sizes and engines of
// log(predicted / best). The lowest score wins (robust to single noisy points).
const score = (T) => engines.reduce((acc, [, r]) => acc + r.copyWasm.reduce((a, x) => {
  const pred = x.size < T ? x.inline : x.memoryCopy;
  return a + Math.log(pred / Math.min(x.inline, x.memoryCopy));
}, 0), 0);
const candidates = [...COPY_SIZES, COPY_SIZES.at(-1) * 2];
const scored = candidates.map((T) => [T, score(T)]).sort((p, q) => p[1] - q[1]);
const chosen = scored[0][0];
const perEngine = engines.map(([e, r]) => {
  const one = (T) => r.copyWasm.reduce((a, x) => a + Math.log((x.size < T ? x.inline : x.memoryCopy) / Math.min(x.inline, x.memoryCopy)), 0);
  return [e, candidates.map((T) => [T, one(T)]).sort((p, q) => p[1] - q[1])[0][0]];
});
L.push('### Threshold sweep', '', 'walloc_memcpy rebuilt with other thresholds (`-DWALLOC_WASM_MEMORY_COPY_MIN=N`), ns per copy:', '');
L.push(`| size | ${engines.map(([e]) => THRESHOLDS.map((t) => `${e} t=${t}`).join(' | ')).join(' | ')} |`);
L.push(`|---:|${engines.map(() => THRESHOLDS.map(() => '---:').join('|')).join('|')}|`);
COPY_SIZES.forEach((s, i) => L.push(`| ${s} | ${engines.map(([, r]) => THRESHOLDS.map((t) => f(r.copyWasm[i].byThreshold[t])).join(' | ')).join(' | ')} |`));
L.push('', 'Threshold choice: predict each size as inline below T and memory.copy from T on, score T by the summed',
  'log(predicted / best) over all sizes; lower is better (0 = always the faster of the two).', '',
  `| T | ${candidates.map((T) => T).join(' | ')} |`, `|---|${candidates.map(() => '---:').join('|')}|`,
  `| score (both engines) | ${candidates.map((T) => score(T).toFixed(2)).join(' | ')} |`, '',
  `This run's table: best per engine ${perEngine.map(([e, t]) => `${e} ${t} B`).join(', ')}; best for both ${chosen} B. ` +
  'One full run is noisy between 256 and 768 B (the two paths are within 1-2 ns there); the interleaved',
  'head-to-head measurement in the notes below (`threshold.mjs`) decides copy.c\'s WALLOC_WASM_MEMORY_COPY_MIN.', '');

L.push('## Copies from JavaScript', '', 'Copying `size` bytes between two blocks of linear memory from JS: `Uint8Array.set` of a prepared',
  'subarray, `set` with a fresh `subarray` each time, `copyWithin`, Walloc\'s checked `copy()` and the raw `wjs_copy` export.', '');
L.push(`| size | ${engines.map(([e]) => `${e} set | ${e} set(subarray) | ${e} copyWithin | ${e} Walloc.copy | ${e} wjs_copy`).join(' | ')} |`);
L.push(`|---:|${engines.map(() => '---:|---:|---:|---:|---:').join('|')}`);
COPY_SIZES.forEach((s, i) => L.push(`| ${s} | ${engines.map(([, r]) => { const x = r.copyJs[i]; return `${f(x.set)} | ${f(x.setSubarray)} | ${f(x.copyWithin)} | ${f(x.wallocCopy)} | ${f(x.rawCopy)}`; }).join(' | ')} |`));
L.push('');

L.push('## Sizes', '', '| file | bytes | gzip -9 |', '|---|---:|---:|');
for (const s of sizes) L.push(`| \`${s.rel}\` | ${s.raw} | ${s.gzip} |`);
L.push('');
const notesFile = path.join(here, 'NOTES.md');
try { L.push((await readFile(notesFile, 'utf8')).trim(), ''); } catch { /* no notes */ }

await writeFile(path.join(here, 'RESULTS.md'), L.join('\n'));
console.log(`wrote ${path.join(here, 'RESULTS.md')}`);
