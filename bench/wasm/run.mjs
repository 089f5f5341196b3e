// run.mjs - runs the wasm benchmarks in Node and in headless Chromium, side by side, and writes
// bench/wasm/results/<cpu>.md for the CPU it runs on (named as bench/native names its files:
// report.py's cpu_slug), the index bench/wasm/RESULTS.md, and out/results.json.
//
//   bench/wasm/build.sh && wasm-emscripten/build.sh     (scripts: bench/wasm/run.sh does both)
//   node bench/wasm/run.mjs [--quick] [--no-chromium]
//   node bench/wasm/run.mjs --render     results/<cpu>.md again from out/results.json (after
//                                        NOTES.md changed), without measuring
//   node bench/wasm/run.mjs --profile [--baseline REV] [--render]
//                                        the allocation-profiling rows only (harness.mjs,
//                                        runProfileBench): they replace that section of
//                                        results/<cpu>.md and leave the rest as measured.
//                                        --baseline REV adds the face of git revision REV
//                                        (its walloc.mjs over today's walloc.wasm) to the A/B.
//   node bench/wasm/run.mjs --workers [--quick] [--no-chromium] [--render]
//                                        the Workers section only (harness_mt.mjs: pairs per
//                                        second with 1, 2 and 4 Workers/pthreads, Walloc against
//                                        dlmalloc): it replaces that section of results/<cpu>.md
//                                        and leaves the rest as measured (as --profile does).
import http from 'node:http';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { runBench, runProfileBench, COPY_SIZES, THRESHOLDS, TARGET_MS, REPS, QUICK, ALLOC_SECONDS, PROFILE_ROUNDS } from './harness.mjs';
import { runWorkersBench, MT_THREADS } from './harness_mt.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const render = process.argv.includes('--render');
const profileOnly = process.argv.includes('--profile');
const workersOnly = process.argv.includes('--workers');
if (profileOnly && workersOnly) throw new Error('run.mjs: --profile and --workers are separate runs');
const sectionJson = profileOnly ? 'out/profile.json' : workersOnly ? 'out/workers.json' : 'out/results.json';
const baselineAt = process.argv.indexOf('--baseline');
const baselineRev = baselineAt > 0 ? process.argv[baselineAt + 1] : undefined;
const withChromium = !process.argv.includes('--no-chromium');
// This CPU's name and machine line, from bench/native/report.py (one naming for every bench).
const [slug, machineLine] = execFileSync('python3', ['-c',
  'import sys; sys.path.insert(0, sys.argv[1]); import report; print(report.cpu_slug()); print(report.machine_line())',
  path.join(root, 'bench/native')], { encoding: 'utf8' }).trim().split('\n');
const resultsDir = path.join(here, 'results');
const resultsFile = path.join(resultsDir, `${slug}.md`);
const log = (s) => console.log(s);
let nodeRes, chromeRes = null, sizes = [], meta;
if (render) {
  ({ node: nodeRes, chromium: chromeRes, sizes, meta } = JSON.parse(await readFile(path.join(here, sectionJson), 'utf8')));
} else {
  meta = {
    date: new Date().toISOString().slice(0, 16), cpu: os.cpus()[0]?.model ?? 'unknown CPU', cores: os.cpus().length,
    node: process.version, chromium: null, quick: process.argv.includes('--quick'), loadAtStart: os.loadavg(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
    baseline: undefined,
  };
  await measure();
}
const { quick, loadAtStart } = meta;
const chromeVersion = meta.chromium;

async function measure() {
const { quick } = meta;
const { Walloc } = await import(pathToFileURL(path.join(root, 'wasm-emscripten/walloc.mjs')).href);
// The baseline face: REV's walloc.mjs (and the modules it imports, when REV has them) beside the
// benchmark modules (it gets today's module passed).
const baselineFile = path.join(here, 'out/walloc-baseline.mjs');
let Baseline;
if (baselineRev) {
  mkdirSync(path.dirname(baselineFile), { recursive: true });
  writeFileSync(baselineFile, execFileSync('git', ['show', `${baselineRev}:wasm-emscripten/walloc.mjs`], { cwd: root }));
  try {
    writeFileSync(path.join(here, 'out/profile.mjs'),
      execFileSync('git', ['show', `${baselineRev}:wasm-emscripten/profile.mjs`], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch { /* REV is older than profile.mjs: its walloc.mjs does not import it */ }
  // REV's lib/ (walloc.mjs's own modules since the split of issue 21), when it has one.
  let lib = [];
  try {
    lib = execFileSync('git', ['ls-tree', '--name-only', `${baselineRev}:wasm-emscripten/lib/`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').filter(Boolean);
  } catch { /* REV is older than the split: its walloc.mjs is one file */ }
  mkdirSync(path.join(here, 'out/lib'), { recursive: true });
  for (const f of lib) {
    writeFileSync(path.join(here, 'out/lib', f), execFileSync('git', ['show', `${baselineRev}:wasm-emscripten/lib/${f}`], { cwd: root }));
  }
  meta.baseline = execFileSync('git', ['rev-parse', '--short', baselineRev], { cwd: root, encoding: 'utf8' }).trim();
  ({ Walloc: Baseline } = await import(pathToFileURL(baselineFile).href));
}

// ------------------------------------------------------------------ Node
console.log(`# Node ${process.version}`);
const wallocUrl = pathToFileURL(path.join(root, 'wasm-emscripten/walloc.mjs')).href;
const loadFace = async (tag) => (await import(`${wallocUrl}?${tag}`)).Walloc;
const nodeLoadModule = async (name) => WebAssembly.compile(await readFile(path.join(here, 'out', name)));
// The Workers section (harness_mt.mjs): the dlmalloc peer is Emscripten's CommonJS factory; its
// wasm is handed over (3.1.6's glue would fetch() a file path in Node 18+ and fail).
const nodeWorkers = () => runWorkersBench({
  Walloc, wallocUrl, loadModule: nodeLoadModule, log: (s) => log(`node: ${s}`), quick,
  loadPeer: () => createRequire(import.meta.url)('./out/peer-dlmalloc-mt.js')({ wasmBinary: readFileSync(path.join(here, 'out/peer-dlmalloc-mt.wasm')) }),
});
if (profileOnly) nodeRes = { profile: await runProfileBench({ Walloc, loadFace, Baseline, log: (s) => log(`node: ${s}`), quick }) };
else if (workersOnly) nodeRes = { workers: await nodeWorkers() };
else {
  nodeRes = await runBench({ Walloc, loadFace, Baseline, log: (s) => log(`node: ${s}`), quick, loadModule: nodeLoadModule });
  nodeRes.workers = await nodeWorkers();
}

// ------------------------------------------------------------------ Chromium
if (withChromium) {
  const require = createRequire(path.join(root, 'wasm-emscripten/package.json'));
  const { chromium } = require('playwright-core');
  const server = http.createServer(async (req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.resolve(root, '.' + p);
    const ok = file.startsWith(path.join(root, 'bench/wasm') + path.sep) || file.startsWith(path.join(root, 'wasm-emscripten') + path.sep);
    const type = p.endsWith('.wasm') ? 'application/wasm' : /\.m?js$/.test(p) ? 'text/javascript' : 'text/html';
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
  chromeRes = await page.evaluate(async ([q, profileOnly, workersOnly, baseline]) => {
    const { runBench, runProfileBench } = await import('/bench/wasm/harness.mjs');
    const { runWorkersBench } = await import('/bench/wasm/harness_mt.mjs');
    const { Walloc } = await import('/wasm-emscripten/walloc.mjs');
    const Baseline = baseline ? (await import('/bench/wasm/out/walloc-baseline.mjs')).Walloc : undefined;
    const loadFace = async (tag) => (await import(`/wasm-emscripten/walloc.mjs?${tag}`)).Walloc;
    const loadModule = (name) => WebAssembly.compileStreaming(fetch(`/bench/wasm/out/${name}`));
    const log = (s) => console.log(s);
    // The dlmalloc peer: Emscripten's classic script (it finds its .wasm and .worker.js beside
    // itself), then its factory.
    const loadPeer = async () => {
      await new Promise((resolve, reject) => {
        const el = Object.assign(document.createElement('script'), { src: '/bench/wasm/out/peer-dlmalloc-mt.js', onload: resolve, onerror: reject });
        document.head.append(el);
      });
      return globalThis.createPeerMt();
    };
    const workers = () => runWorkersBench({ Walloc, wallocUrl: new URL('/wasm-emscripten/walloc.mjs', location.href).href, loadModule, loadPeer, log, quick: q });
    if (profileOnly) return { profile: await runProfileBench({ Walloc, loadFace, Baseline, quick: q, log }) };
    if (workersOnly) return { workers: await workers() };
    const res = await runBench({ Walloc, loadFace, Baseline, quick: q, log, loadModule });
    res.workers = await workers();
    return res;
  }, [quick, profileOnly, workersOnly, !!baselineRev]);
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
  'bench/wasm/out/peer-dlmalloc.wasm', 'bench/wasm/out/peer-emmalloc.wasm', 'bench/wasm/out/walloc-bench-mt.wasm',
  'bench/wasm/out/peer-dlmalloc-mt.wasm']) {
  try { await stat(path.join(root, rel)); sizes.push(await size(rel)); } catch { /* missing */ }
}

await writeFile(path.join(here, sectionJson), JSON.stringify({ node: nodeRes, chromium: chromeRes, sizes, meta }, null, 1));
} // measure

// ------------------------------------------------------------------ profiling section
const PROFILE_BEGIN = '<!-- profile: written by run.mjs --profile or a full run -->';
const PROFILE_END = '<!-- /profile -->';
// The 1/1000 target (issue: "<= 5 % on the pair benchmarks") and what "unchanged within noise"
// is taken to mean for the off/baseline A/B (medians of interleaved rounds): not slower by more
// than NOISE (faster is no regression; V8 compiles two copies of one loop differently by 10-20 %).
const PROFILE_TARGET = 1.05, NOISE = 0.03;

function profileSection() {
  const engines = [['Node', nodeRes], ...(chromeRes ? [['Chromium', chromeRes]] : [])].filter(([, r]) => r?.profile);
  if (engines.length === 0) return [];
  const f2 = (x) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  const r2 = (x) => `${x.toFixed(2)}×`;
  const base = meta.baseline;
  const L = [PROFILE_BEGIN, '## Allocation profiling (JavaScript face)', '',
    `Measured ${meta.date} UTC at commit ${meta.commit}, \`node bench/wasm/run.mjs --profile${base ? ` --baseline ${base}` : ''}\``,
    `(${meta.quick ? '**quick mode**, ' : ''}${engines[0][1].profile.rows[0].rounds} interleaved rounds of ~${TARGET_MS} ms loops per candidate; **medians** of the rounds, ns per iteration;`,
    `load average at the start ${meta.loadAtStart.map((x) => x.toFixed(2)).join(', ')} on ${meta.cores} cores${meta.loadAtStart[0] > 1 ? ': **other builds were running**, absolute times are inflated, ratios within one run hold better' : ''}).`,
    'One iteration = `w.free(w.allocate(size))` through the façade (bottom tier). "off": no profile; "1/1000": `create({ profile: 1000 })`;',
    '"every": `create({ profile: 1 })` (a `new Error().stack` per allocation);' + (base ? ` "${base}": the face before profiling (its walloc.mjs over today's walloc.wasm).` : ''),
    'Ratios are against "off" in the same run. The raw row calls the exports without the façade: the core with a profile it samples nothing for itself (rate 0), against none.', ''];
  const cols = ['off', '1000', '1', ...(base ? ['base'] : [])];
  const title = { off: 'off', 1000: '1/1000', 1: 'every', base };
  L.push(`| row | ${engines.map(([e]) => cols.map((c) => `${e} ${title[c]}`).concat([`${e} 1/1000 ÷ off`, `${e} every ÷ off`], base ? [`${e} off ÷ ${base}`] : []).join(' | ')).join(' | ')} |`);
  L.push(`|---|${engines.map(() => Array(cols.length + 2 + (base ? 1 : 0)).fill('---:').join('|')).join('|')}|`);
  const key = (c) => (c === 'off' ? 0 : c === 'base' ? 'base' : Number(c));
  engines[0][1].profile.rows.forEach((row0, i) => {
    L.push(`| ${row0.label} | ${engines.map(([, r]) => {
      const m = r.profile.rows[i].median;
      const cells = cols.map((c) => (m[key(c)] === undefined ? '–' : f2(m[key(c)])));
      cells.push(m[1000] !== undefined ? r2(m[1000] / m[0]) : '–', m[1] !== undefined ? r2(m[1] / m[0]) : '–');
      if (base) cells.push(m.base !== undefined ? r2(m[0] / m.base) : '–');
      return cells.join(' | ');
    }).join(' | ')} |`);
  });
  L.push('');
  const facade = (r) => r.profile.rows.filter((x) => !x.raw);
  const verdict = (ok) => (ok ? 'met' : '**NOT MET**');
  if (base) {
    const ratios = engines.flatMap(([e, r]) => facade(r).map((x) => [e, x.label, x.median[0] / x.median.base]));
    L.push(`- Profiling off: the façade pair no slower than the face at ${base} (within ${NOISE * 100} %, same run): ${verdict(ratios.every(([, , q]) => q <= 1 + NOISE))} (${ratios.map(([e, l, q]) => `${e} ${l.replace(/allocate\+free |\s*\(façade\)/g, '')}: ${r2(q)}`).join(', ')})`);
  }
  const at1000 = engines.flatMap(([e, r]) => facade(r).map((x) => [e, x.label, x.median[1000] / x.median[0]]));
  L.push(`- Profiling at 1/1000: the façade pair within 5 % of the pair without a profile: ${verdict(at1000.every(([, , q]) => q <= PROFILE_TARGET))} (${at1000.map(([e, l, q]) => `${e} ${l.replace(/allocate\+free |\s*\(façade\)/g, '')}: ${r2(q)}`).join(', ')})`);
  const every = engines.flatMap(([e, r]) => facade(r).map((x) => [e, x.label, x.median[1], x.median[0]]));
  L.push(`- Profiling every allocation (rate 1), measured: ${every.map(([e, l, on, off]) => `${e} ${l.replace(/allocate\+free |\s*\(façade\)/g, '')}: ${f2(on / 1000)} µs per pair (${f2(on / off)}× off)`).join(', ')}; the stack capture (\`new Error().stack\`) is nearly all of it`);
  L.push('', PROFILE_END);
  return L;
}

// ------------------------------------------------------------------ Workers section
const WORKERS_BEGIN = '<!-- workers: written by run.mjs --workers or a full run -->';
const WORKERS_END = '<!-- /workers -->';

function workersSection() {
  const engines = [['Node', nodeRes], ...(chromeRes ? [['Chromium', chromeRes]] : [])].filter(([, r]) => r?.workers);
  if (engines.length === 0) return [];
  const w0 = engines[0][1].workers;
  const f3 = (x) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  const mps = (p, alloc, k) => (k * p.n[alloc]) / (p.ms[alloc][k] * 1e3); // million pairs per second
  const nsPer = (p, alloc, k) => (p.ms[alloc][k] * 1e6) / p.n[alloc]; // wall ns per pair of one thread
  const L = [WORKERS_BEGIN, '## Workers: pairs per second with 1, 2 and 4 threads (Walloc against dlmalloc)', '',
    `Measured ${meta.date} UTC at commit ${meta.commit}, \`node bench/wasm/run.mjs --workers\`${meta.quick ? ' (**quick mode**: few short rounds, noisy)' : ''};`,
    `${engines.map(([e]) => (e === 'Node' ? `Node ${meta.node}` : `Chromium ${chromeVersion} (headless)`)).join(', ')}; load average at the start ${meta.loadAtStart.map((x) => x.toFixed(2)).join(', ')}`,
    `on **${meta.cores} cores: 4 threads oversubscribe them** (shown on purpose: what happens past the cores).`,
    'Walloc: 1, 2 or 4 Workers (worker_threads in Node, Web Workers in Chromium), each attached to one shared instance',
    '(`Walloc.create({ shared: true, module: walloc-bench-mt.wasm })`, `Walloc.attach(w.shareable())`), all running',
    '`bench_mt.c`\'s loop on one **unchecked** core instance (`walloc_create` from C: the core\'s per-thread caches, no lock on',
    'the fast path; bottom tier). dlmalloc: the same loops (`bench_peer_mt.c`) over Emscripten 3.1.6\'s `-sMALLOC=dlmalloc` in',
    'a `-pthread` build (its JS glue, pthreads from a pool started before timing; dlmalloc takes one global lock per call).',
    'The threads are started once and wait on a start word; each group releases them together (Atomics.notify) and ends',
    'when the last one is done. Every thread runs a fixed count n (one thread ≈ ' + `${w0.targetMs} ms; n per allocator and pattern below),`,
    `${w0.rounds} rounds interleave every allocator × pattern × thread count (order rotated); **medians** of the rounds.`,
    '"Mpairs/s" = all threads\' pairs / wall time (in parentheses: × the 1-thread figure); "ns/pair" = wall time / n, per',
    'thread (flat = perfect scaling). walloc/dlmalloc is the ratio of pairs per second (above 1: Walloc faster).',
    'The control rows run no allocation at all (a multiply-xorshift step per iteration; "pairs" = iterations) in the same Workers and',
    'pthreads: their scaling is what the machine gave k threads during this run, the ceiling for the allocators\' scaling,',
    'and their walloc/dlmalloc column (Workers against pthreads) should be about 1; "÷ control" divides an allocator row\'s',
    'ratio by the control\'s at the same thread count (what is left when the two drivers\' own difference is taken out).',
    `Checked after the run: every loop's allocations succeeded; Walloc's instance had 0 live blocks and exactly the loops'`,
    'allocations (its statistics, Workers detached); dlmalloc held the bytes it held before. How to read it: NOTES.md, "Workers".', ''];
  // The drivers' own difference at k threads (control row: Workers against pthreads, no
  // allocation): a ratio divided by it is the allocators' alone.
  const ctlRatio = (r, k) => { const c = r.workers.patterns.find((p) => p.control); return c ? mps(c, 'walloc', k) / mps(c, 'dlmalloc', k) : NaN; };
  L.push(`| pattern | threads | ${engines.map(([e]) => `${e} walloc Mpairs/s | ${e} dlmalloc Mpairs/s | ${e} walloc/dlmalloc | ${e} ÷ control | ${e} walloc ns/pair | ${e} dlmalloc ns/pair`).join(' | ')} |`);
  L.push(`|---|---:|${engines.map(() => '---:|---:|---:|---:|---:|---:').join('|')}|`);
  w0.patterns.forEach((p0, i) => {
    for (const k of MT_THREADS) {
      L.push(`| ${p0.label} | ${k} | ${engines.map(([, r]) => {
        const p = r.workers.patterns[i];
        const cell = (alloc) => `${f3(mps(p, alloc, k))}${k > 1 ? ` (×${(mps(p, alloc, k) / mps(p, alloc, 1)).toFixed(2)})` : ''}`;
        const q = mps(p, 'walloc', k) / mps(p, 'dlmalloc', k);
        return `${cell('walloc')} | ${cell('dlmalloc')} | **${q.toFixed(2)}×** | ${p.control ? '–' : `${(q / ctlRatio(r, k)).toFixed(2)}×`} | ${f3(nsPer(p, 'walloc', k))} | ${f3(nsPer(p, 'dlmalloc', k))}`;
      }).join(' | ')} |`);
    }
  });
  L.push('', `n per thread: ${engines.map(([e, r]) => `${e} ${r.workers.patterns.map((p) => `${p.label}: walloc ${p.n.walloc}, dlmalloc ${p.n.dlmalloc}`).join('; ')}`).join('; ')}.`, '');
  const at = (k) => engines.flatMap(([e, r]) => r.workers.patterns.filter((p) => !p.control).map((p) => `${e} ${p.label} ${(mps(p, 'walloc', k) / mps(p, 'dlmalloc', k)).toFixed(2)}× (÷ control ${(mps(p, 'walloc', k) / mps(p, 'dlmalloc', k) / ctlRatio(r, k)).toFixed(2)}×)`)).join(', ');
  L.push(`- Workers: walloc/dlmalloc pairs per second at 1 thread: ${at(1)}; at 2: ${at(2)}; at 4 (2 cores): ${at(4)}`, '', WORKERS_END);
  return L;
}

// ------------------------------------------------------------------ RESULTS.md
if (profileOnly || workersOnly) {
  // Only this section is new: the rest of the CPU's file stays as measured.
  mkdirSync(resultsDir, { recursive: true });
  const old = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : `# WebAssembly benchmarks\n\n- Machine: ${machineLine.replace(/^- Machine: /, '')}\n`;
  const [begin, end, lines] = profileOnly ? [PROFILE_BEGIN, PROFILE_END, profileSection()] : [WORKERS_BEGIN, WORKERS_END, workersSection()];
  const section = lines.join('\n');
  const a = old.indexOf(begin), b = old.indexOf(end);
  const text = a >= 0 && b > a ? old.slice(0, a) + section + old.slice(b + end.length)
    : old.replace(/\n*$/, '\n\n') + section + '\n';
  writeFileSync(resultsFile, text);
  console.log(`wrote ${resultsFile}`);
  writeIndex();
  process.exit(0);
}

const f = (x, d = 2) => (x === undefined || x === null ? '–' : x < 10 ? x.toFixed(d) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const engines = [['Node', nodeRes], ...(chromeRes ? [['Chromium', chromeRes]] : [])];
const L = [];
L.push('# WebAssembly benchmarks', '', `- Machine: ${machineLine.replace(/^- Machine: /, '')}`, `- Date: ${meta.date} UTC (full run)`, '');
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

L.push(...profileSection(), '');
L.push(...workersSection(), '');

L.push('## Sizes', '', '| file | bytes | gzip -9 |', '|---|---:|---:|');
for (const s of sizes) L.push(`| \`${s.rel}\` | ${s.raw} | ${s.gzip} |`);
L.push('');
const notesFile = path.join(here, 'NOTES.md');
try { L.push((await readFile(notesFile, 'utf8')).trim(), ''); } catch { /* no notes */ }

mkdirSync(resultsDir, { recursive: true });
await writeFile(resultsFile, L.join('\n'));
console.log(`wrote ${resultsFile}`);
writeIndex();

// RESULTS.md: one entry per CPU's file, with its machine, date and verdict lines.
function writeIndex() {
  const I = ['# WebAssembly benchmarks, per CPU', '',
    '`bench/wasm/run.sh` (`run.mjs`) writes `results/<cpu>.md` for the CPU it runs on (named as `bench/native` names its',
    'files) and leaves the other files alone; `run.mjs --profile` rewrites only the allocation-profiling section of this',
    'CPU\'s file, `run.mjs --workers` only its Workers section. This index is rewritten from them.', ''];
  for (const name of readdirSync(resultsDir).filter((n) => n.endsWith('.md')).sort()) {
    const text = readFileSync(path.join(resultsDir, name), 'utf8');
    const machine = /^- Machine: (.*)$/m.exec(text)?.[1] ?? name;
    const date = /^- Date: (.*)$/m.exec(text)?.[1];
    I.push(`- [\`results/${name}\`](results/${name}): ${machine}${date ? `, ${date}` : ''}`);
    for (const m of text.matchAll(/^- ((?:Profiling|Workers)\b.*)$/gm)) I.push(`  - ${m[1]}`);
  }
  writeFileSync(path.join(here, 'RESULTS.md'), I.join('\n') + '\n');
  console.log(`wrote ${path.join(here, 'RESULTS.md')}`);
}
