// harness.mjs - the wasm benchmarks, the same code in Node and in Chromium.
//
// runBench({ loadModule, Walloc, log }) measures, in the engine it runs in:
//   - alloc+free pairs inside wasm: Walloc vs Emscripten's dlmalloc and emmalloc (same loops),
//     and the floor of the call pattern (two calls to a minimal pop/push, bench_floor.c);
//   - per JS call: Walloc's façade (checked), its raw exports, dlmalloc/emmalloc exports, an
//     empty call;
//   - allocation profiling (runProfileBench): the façade's allocate+free pair without a profile,
//     sampling one in 1000 and every allocation, interleaved in one run (A/B); medians;
//   - copies inside wasm at 6 B..64 KiB: walloc_memcpy (as built), inline only, memory.copy, and
//     walloc_memcpy with other memory.copy thresholds; copies from JS: Uint8Array.set,
//     copyWithin, and Walloc's copy().
// Each figure is in ns per operation: the minimum over REPS runs of a loop calibrated to
// >= TARGET_MS (other jobs on a shared machine only ever add time). The candidates of one row
// (Walloc and its peers, the copy variants of one size, ...) run interleaved, round by round, so
// a burst of load hits all of them alike; short runs make a quiet window likelier.

export const COPY_SIZES = [6, 16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2048, 4096, 16384, 65536];
export const THRESHOLDS = [1, 64, 128, 512, 1024];
const INLINE_ONLY = 1073741824;

export const TARGET_MS = 2, REPS = 50, ALLOC_SECONDS = 3;
export const QUICK = { targetMs: 1, reps: 8 };

const now = () => performance.now();

// The iterations that make fn(iterations) last at least targetMs, counted up from n after one
// warm-up call (JIT tier-up, first touch).
function calibrate(fn, n, targetMs) {
  fn(n);
  for (;;) {
    const t = now();
    fn(n);
    const dt = now() - t;
    if (dt >= targetMs || n >= 1 << 30) return n;
    n = Math.min(1 << 30, Math.ceil(n * Math.max(2, (targetMs * 1.2) / Math.max(dt, 0.05))));
  }
}

// Minimum ns per iteration of each fn(iterations), the fns interleaved round by round: reps
// rounds, and more until minSeconds have passed.
function measureSet(fns, { targetMs = TARGET_MS, reps = REPS, minSeconds = 0 } = {}) {
  const iters = fns.map((fn) => calibrate(fn, 256, targetMs));
  const best = fns.map(() => Infinity);
  const until = now() + minSeconds * 1000;
  for (let r = 0; r < reps || now() < until; r++) {
    fns.forEach((fn, k) => {
      const t = now();
      fn(iters[k]);
      best[k] = Math.min(best[k], ((now() - t) * 1e6) / iters[k]);
    });
  }
  return best;
}

// Every round's ns per iteration of each fn(iterations), the fns interleaved round by round (as
// measureSet, which keeps only the minimum): for medians of candidates that differ by a few %.
function sampleSet(fns, { targetMs = TARGET_MS, rounds }) {
  const iters = fns.map((fn) => calibrate(fn, 64, targetMs));
  const samples = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Each round starts with the next candidate: none always runs right after the same one
    // (the rate-1 candidate leaves garbage for whoever follows).
    for (let j = 0; j < fns.length; j++) {
      const k = (r + j) % fns.length;
      const t = now();
      fns[k](iters[k]);
      samples[k].push(((now() - t) * 1e6) / iters[k]);
    }
  }
  return samples;
}

const median = (xs) => { const a = [...xs].sort((p, q) => p - q); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };

export const PROFILE_RATES = [0, 1000, 1];
export const PROFILE_ROUNDS = 400;

/**
 * The façade's allocate+free pair (one JS iteration: w.allocate(size) then w.free(h), bottom
 * tier) on instances of one module: no profile, create({ profile: 1000 }) and
 * create({ profile: 1 }), and, when Baseline is given (another walloc.mjs, e.g. the face before
 * profiling existed), an instance of it: all interleaved round by round. Then the raw exports'
 * pair without a profile and with one (the core keeps a profile but samples nothing itself: what
 * an unsampled allocation costs there). Returns {rates, baseline, rows}; a row holds the median
 * and minimum ns per pair over the rounds for each candidate ('base' for the baseline).
 */
export async function runProfileBench({ Walloc, loadFace, Baseline, log = () => {}, quick = false }) {
  const rounds = quick ? 20 : PROFILE_ROUNDS;
  const MiB = 1024 * 1024;
  const ws = [];
  // loadFace(tag): walloc.mjs imported once more (another URL: a class of its own) for each
  // candidate, so the engine's feedback for allocate() in one candidate is not the others'
  // (instances with and without a profile of one class share it; an application has one kind).
  for (const rate of PROFILE_RATES) {
    const Face = loadFace ? await loadFace(`profile-${rate}`) : Walloc;
    ws.push(await Face.create({ capacity: 64 * MiB, profile: rate, onLeak: () => {} }));
  }
  const keys = [...PROFILE_RATES];
  if (Baseline) {
    ws.push(await Baseline.create({ capacity: 64 * MiB, module: await Walloc.compile() }));
    keys.push('base');
  }
  const rows = [];
  // Each candidate's loop is a function of its own (new Function: its own type feedback): one
  // loop shared by the faces would see two classes at its call sites and be compiled for both.
  const own = (body) => (w, size) => new Function('w', 'size', `return (n) => { ${body} };`)(w, size);
  for (const size of [32, 4096]) {
    const pair = (w) => own('for (let i = 0; i < n; i++) w.free(w.allocate(size));')(w, size);
    const samples = sampleSet(ws.map(pair), { rounds });
    const row = { label: `allocate+free ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`} (façade)`, size, rounds, median: {}, min: {} };
    keys.forEach((key, k) => { row.median[key] = median(samples[k]); row.min[key] = Math.min(...samples[k]); });
    rows.push(row);
    log(`profile ${row.label}: ${keys.map((r) => `${r || 'off'} ${row.median[r].toFixed(2)}`).join(', ')} ns (medians of ${rounds})`);
  }
  {
    const raw = (w) => own('const x = w.exports, a = w.instanceAddress; for (let i = 0; i < n; i++) x.wjs_free(a, x.wjs_alloc(a, size, 2), size);')(w, 32);
    const samples = sampleSet([raw(ws[0]), raw(ws[1])], { rounds });
    const row = { label: 'wjs_alloc+wjs_free 32 B (raw exports; the core keeps a profile at 1000)', size: 32, rounds, raw: true, median: {}, min: {} };
    [0, 1000].forEach((rate, k) => { row.median[rate] = median(samples[k]); row.min[rate] = Math.min(...samples[k]); });
    rows.push(row);
    log(`profile ${row.label}: off ${row.median[0].toFixed(2)}, on ${row.median[1000].toFixed(2)} ns`);
  }
  for (const w of ws) w.destroy();
  return { rates: PROFILE_RATES, baseline: !!Baseline, rows };
}

async function instantiate(module) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'function') (imports[imp.module] ??= {})[imp.name] = () => 0;
  }
  const inst = await WebAssembly.instantiate(module, imports);
  inst.exports._initialize?.();
  return inst.exports;
}

export async function runBench({ loadModule, Walloc, loadFace, Baseline, log = () => {}, quick = false }) {
  const opt = quick ? QUICK : {};
  const ms = (fns) => measureSet(fns, opt);
  // The allocation rows are the headline figures: run them longer (quiet windows are rare on a
  // loaded machine).
  const msLong = (fns) => measureSet(fns, quick ? opt : { minSeconds: ALLOC_SECONDS });
  const res = { alloc: [], jsCall: [], copyWasm: [], copyJs: [], thresholds: THRESHOLDS };

  const wb = await instantiate(await loadModule('walloc-bench.wasm'));
  const dl = await instantiate(await loadModule('peer-dlmalloc.wasm'));
  const em = await instantiate(await loadModule('peer-emmalloc.wasm'));
  const fl = await instantiate(await loadModule('call-floor.wasm'));
  const fw = fl.wb_create(0) >>> 0;
  const w = wb.wb_create(256 * 1024 * 1024) >>> 0;
  if (!w) throw new Error('wb_create failed');

  // ---------------------------------------------------------------- alloc+free inside wasm
  for (const [label, size, tier] of [['32 B', 32, 2], ['256 B', 256, 2], ['4 KiB', 4096, 2], ['256 B, top tier', 256, 0]]) {
    // The call floor (bench_floor.c) runs interleaved with the first row.
    const floor = res.alloc.length === 0 ? [(n) => fl.wb_pairs(fw, n, 32, 2), (n) => fl.wb_pairs_top(n, 32)] : [];
    const [wallocNs, dlNs, emNs, floorNs, floorTopNs] = msLong([(n) => wb.wb_pairs(w, n, size, tier), (n) => dl.pb_pairs(n, size), (n) => em.pb_pairs(n, size), ...floor]);
    const row = { label, walloc: wallocNs, dlmalloc: dlNs, emmalloc: emNs };
    if (floorNs !== undefined) {
      res.callFloor = floorNs;
      res.callFloorTop = floorTopNs;
      log(`alloc+free call floor: ${floorNs.toFixed(2)} ns (bin as one index: ${floorTopNs.toFixed(2)} ns)`);
    }
    res.alloc.push(row);
    log(`alloc+free ${label}: walloc ${row.walloc.toFixed(2)} dlmalloc ${row.dlmalloc.toFixed(2)} emmalloc ${row.emmalloc.toFixed(2)} ns`);
  }
  {
    const [wallocNs, dlNs, emNs] = msLong([(n) => wb.wb_window(w, n, 2), (n) => dl.pb_window(n), (n) => em.pb_window(n)]);
    const row = { label: 'window of 256 live, 16-527 B', walloc: wallocNs, dlmalloc: dlNs, emmalloc: emNs };
    res.alloc.push(row);
    log(`alloc+free window: walloc ${row.walloc.toFixed(2)} dlmalloc ${row.dlmalloc.toFixed(2)} emmalloc ${row.emmalloc.toFixed(2)} ns`);
  }

  // ---------------------------------------------------------------- per JS call
  const wa = await Walloc.create({ capacity: 64 * 1024 * 1024 });
  const x = wa.exports, wp = wa.instanceAddress;
  let sink = 0;
  const rows = [
    ['empty JS→wasm call', (n) => { for (let i = 0; i < n; i++) sink += x.walloc_tier_alignment(2); }, 1],
    ['Walloc allocate+free (façade, checked in JS)', (n) => { for (let i = 0; i < n; i++) { const h = wa.allocate(32); wa.free(h); } }, 2],
    ['Walloc wjs_alloc+wjs_free (raw exports)', (n) => { for (let i = 0; i < n; i++) { const h = x.wjs_alloc(wp, 32, 2); x.wjs_free(wp, h, 32); } }, 2],
    ['dlmalloc malloc+free (exports)', (n) => { for (let i = 0; i < n; i++) dl.pb_free(dl.pb_malloc(32)); }, 2],
    ['emmalloc malloc+free (exports)', (n) => { for (let i = 0; i < n; i++) em.pb_free(em.pb_malloc(32)); }, 2],
  ];
  const jsNs = msLong(rows.map(([, fn]) => fn));
  rows.forEach(([label, , calls], k) => {
    res.jsCall.push({ label, ns: jsNs[k], calls });
    log(`per JS call: ${label} ${jsNs[k].toFixed(2)} ns`);
  });

  // ---------------------------------------------------------------- copies inside wasm
  // Modules linked so that walloc_memcpy is inlined into the copy loop (bench/wasm/build.sh).
  const cw = await instantiate(await loadModule('walloc-copy.wasm'));
  const variants = {};
  for (const t of [...THRESHOLDS, INLINE_ONLY]) variants[t] = await instantiate(await loadModule(`walloc-bench-t${t}.wasm`));
  const prep = (mod) => {
    const buf = mod.wb_buffer() >>> 0;
    const u8 = new Uint8Array(mod.memory.buffer, buf, 2 * 65536 + 1024);
    for (let i = 0; i < u8.length; i++) u8[i] = i * 7;
    return { src: buf, dst: buf + 65536 + 64 };
  };
  const pw = prep(cw);
  const pv = {};
  for (const [t, mod] of Object.entries(variants)) pv[t] = prep(mod);
  for (const size of COPY_SIZES) {
    const ns = ms([
      (n) => cw.wb_copy(n, size, pw.dst, pw.src),
      (n) => variants[INLINE_ONLY].wb_copy(n, size, pv[INLINE_ONLY].dst, pv[INLINE_ONLY].src),
      (n) => cw.wb_memory_copy(n, size, pw.dst, pw.src),
      ...THRESHOLDS.map((t) => (n) => variants[t].wb_copy(n, size, pv[t].dst, pv[t].src)),
    ]);
    const row = { size, walloc: ns[0], inline: ns[1], memoryCopy: ns[2], byThreshold: {} };
    THRESHOLDS.forEach((t, k) => { row.byThreshold[t] = ns[3 + k]; });
    res.copyWasm.push(row);
    log(`copy in wasm ${size} B: walloc ${row.walloc.toFixed(2)} inline ${row.inline.toFixed(2)} memory.copy ${row.memoryCopy.toFixed(2)} ns`);
  }

  // ---------------------------------------------------------------- copies from JS
  const a = wa.allocate(65536 + 64, 'top'), b = wa.allocate(65536 + 64, 'top');
  wa.write(a, new Uint8Array(65536).fill(3));
  for (const size of COPY_SIZES) {
    const heap = () => new Uint8Array(wa.memory.buffer);
    const h = heap();
    const src = h.subarray(a, a + size);
    const ns = ms([
      (n) => { for (let i = 0; i < n; i++) h.set(src, b + (i & 7) * 8); },
      (n) => { for (let i = 0; i < n; i++) h.set(h.subarray(a, a + size), b + (i & 7) * 8); },
      (n) => { for (let i = 0; i < n; i++) h.copyWithin(b + (i & 7) * 8, a, a + size); },
      (n) => { for (let i = 0; i < n; i++) wa.copy(b, a, size, (i & 7) * 8); },
      (n) => { for (let i = 0; i < n; i++) x.wjs_copy(wp, b + (i & 7) * 8, a, size); },
    ]);
    const row = { size, set: ns[0], setSubarray: ns[1], copyWithin: ns[2], wallocCopy: ns[3], rawCopy: ns[4] };
    res.copyJs.push(row);
    log(`copy from JS ${size} B: set ${row.set.toFixed(1)} copyWithin ${row.copyWithin.toFixed(1)} Walloc.copy ${row.wallocCopy.toFixed(1)} ns`);
  }
  wa.destroy();
  res.sink = sink;
  res.profile = await runProfileBench({ Walloc, loadFace, Baseline, log, quick });
  return res;
}
