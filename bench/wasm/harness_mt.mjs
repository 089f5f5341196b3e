// harness_mt.mjs - the Workers section: alloc+free pairs per second with 1, 2 and 4 threads,
// Walloc (walloc-bench-mt.wasm, Workers attached to one shared instance) against dlmalloc (a
// -pthread build with Emscripten's glue: peer-dlmalloc-mt.js), interleaved in one run. The same
// code in Node (worker_threads) and in Chromium (Web Workers; the page must be cross-origin
// isolated).
//
// Both sides are driven alike, through nine Int32 control words (CTL below; Walloc's in a
// SharedArrayBuffer, dlmalloc's in its shared linear memory, bench_peer_mt.c): the threads are
// started once and wait; a group = the main thread sets the round's thread count, pattern and
// count, bumps the round number and notifies (the start barrier), then waits until that many
// threads counted themselves done (Atomics.wait in Node, Atomics.waitAsync in a page: neither
// spins on a core the threads need). Its wall time is the group's time. Each thread runs the same
// C loop (bench_mt.c / bench_peer_mt.c) for a fixed count n, calibrated per allocator and pattern
// so that one thread takes about MT_TARGET_MS. Rounds interleave every allocator x pattern x
// thread count (the order rotates); the figures are medians over the rounds.
//
// Checks (a broken build cannot give a fast number): every group's loops report n successful
// allocations per thread; at the end the Walloc instance (Workers detached) has no live block and
// exactly as many allocations as the loops made, and dlmalloc holds as many bytes as before.

export const MT_THREADS = [1, 2, 4];
export const MT_PATTERNS = [
  { key: 'pairs32', label: '32 B pairs', pattern: 0, size: 32 },
  { key: 'window', label: 'window of 256 live, 16-527 B', pattern: 1, size: 0 },
  // The control: no allocation, nothing shared (a multiply-xorshift step per iteration, in the same Workers or
  // pthreads). Its scaling is what the machine gives k threads during the run (2 cores, shared
  // with whatever else runs); its walloc/dlmalloc ratio (~1) checks that both drivers are alike.
  { key: 'control', label: 'control: no allocation', pattern: 2, size: 0, control: true },
];
export const MT_ROUNDS = 15, MT_TARGET_MS = 40;
const MT_QUICK = { rounds: 3, targetMs: 15 };
// Control words (bench_peer_mt.c's struct control; mt-worker.mjs).
const CTL = { round: 0, done: 1, threads: 2, pattern: 3, n: 4, size: 5, ok: 6, ready: 7, ack: 8 };
const TIMEOUT_MS = 120000;

const isNode = typeof process === 'object' && !!process.versions?.node;
const now = () => performance.now();
const median = (xs) => { const a = [...xs].sort((p, q) => p - q); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };

// Waits until i32[base + word] >= target, without spinning.
async function waitAtLeast(i32, base, word, target, what) {
  const deadline = now() + TIMEOUT_MS;
  for (;;) {
    const v = Atomics.load(i32, base + word);
    if (v >= target) return;
    if (now() > deadline) throw new Error(`Workers section: timed out waiting for ${what} (${v} of ${target})`);
    if (isNode) Atomics.wait(i32, base + word, v, 1000);
    else await Atomics.waitAsync(i32, base + word, v, 1000).value;
  }
}

// One group: k threads (of all started) run the loop n times each; its wall time in ms and the
// loops' successes. Every started thread reads the round's words and acknowledges them; the next
// group writes its words only after all did (untimed), so a thread that wakes late never takes
// the next round's words for its own.
async function group(i32, base, k, pattern, n, size, all) {
  i32[base + CTL.threads] = k;
  i32[base + CTL.pattern] = pattern;
  i32[base + CTL.n] = n;
  i32[base + CTL.size] = size;
  Atomics.store(i32, base + CTL.done, 0);
  Atomics.store(i32, base + CTL.ok, 0);
  Atomics.store(i32, base + CTL.ack, 0);
  const t = now();
  Atomics.add(i32, base + CTL.round, 1);
  Atomics.notify(i32, base + CTL.round);
  await waitAtLeast(i32, base, CTL.done, k, `${k} threads' loops`);
  const ms = now() - t;
  await waitAtLeast(i32, base, CTL.ack, all, 'every thread to read the round');
  return { ms, ok: Atomics.load(i32, base + CTL.ok) };
}

async function stop(i32, base) {
  i32[base + CTL.pattern] = -1;
  Atomics.add(i32, base + CTL.round, 1);
  Atomics.notify(i32, base + CTL.round);
}

// A Worker running mt-worker.mjs, with a queue of its messages.
async function spawn(url) {
  const queue = [], waiting = [];
  const deliver = (m) => (waiting.length ? waiting.shift()(m) : queue.push(m));
  let wk;
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    wk = new Worker(url);
    wk.on('message', deliver);
    wk.on('error', (e) => deliver({ error: String(e?.stack ?? e) }));
  } else {
    wk = new Worker(url, { type: 'module' });
    wk.onmessage = (e) => deliver(e.data);
    wk.onerror = (e) => deliver({ error: e.message ?? String(e) });
  }
  return {
    send: (m) => wk.postMessage(m),
    next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r))),
    end: () => wk.terminate(),
  };
}

/**
 * Measures the section. loadModule(name) compiles a module of bench/wasm/out; loadPeer() gives
 * peer-dlmalloc-mt.js's Module (instantiated, its pthread pool started); wallocUrl is walloc.mjs's
 * absolute URL (for the Workers' import). Returns { threads, rounds, patterns: [{ key, label,
 * n: {walloc, dlmalloc}, ms: {walloc: {1: median, ...}, dlmalloc: ...}, samples }], checks }.
 */
export async function runWorkersBench({ Walloc, wallocUrl, loadModule, loadPeer, log = () => {}, quick = false }) {
  const { rounds, targetMs } = quick ? MT_QUICK : { rounds: MT_ROUNDS, targetMs: MT_TARGET_MS };
  const maxK = Math.max(...MT_THREADS);
  const MiB = 1024 * 1024;

  // ------------------------------------------------------------ Walloc: Workers on one instance
  const module = await loadModule('walloc-bench-mt.wasm');
  const w = await Walloc.create({ shared: true, module, capacity: 64 * MiB });
  const inst = w.exports.wbm_create(256 * MiB) >>> 0;
  if (inst === 0) throw new Error('Workers section: wbm_create failed');
  const wCtl = new Int32Array(new SharedArrayBuffer(64));
  const workerUrl = new URL('./mt-worker.mjs', import.meta.url);
  const workers = [];
  for (let id = 0; id < maxK; id++) {
    const wk = await spawn(workerUrl);
    wk.send({ shared: w.shareable(), ctl: wCtl.buffer, id, instance: inst, wallocUrl });
    workers.push(wk);
  }
  // A Worker's one message comes at its end: 'bye', or an error (also one before it attached).
  const ends = workers.map((wk) => wk.next());
  const failed = Promise.all(ends).then((ms) => ms.find((m) => m.error));
  await Promise.race([waitAtLeast(wCtl, 0, CTL.ready, maxK, 'the Walloc Workers to attach'),
    failed.then((m) => { if (m) throw new Error(`Walloc Worker: ${m.error}`); })]);

  // ------------------------------------------------------------ dlmalloc: pthreads
  const M = await loadPeer();
  const dI32 = new Int32Array(M.wasmMemory.buffer);
  const dBase = M._pm_control() >>> 2;
  const dlInUse = M._pm_in_use();
  const e = M._pm_start(maxK);
  if (e !== 0) throw new Error(`Workers section: pthread_create failed (${e})`);
  await waitAtLeast(dI32, dBase, CTL.ready, maxK, 'the dlmalloc pthreads to start');

  const sides = { walloc: [wCtl, 0], dlmalloc: [dI32, dBase] };
  let expectedAllocs = 0; // Walloc's: every loop's pairs, plus the window's 256
  const run = async (alloc, k, p, n) => {
    const [i32, base] = sides[alloc];
    const r = await group(i32, base, k, p.pattern, n, p.size, maxK);
    if (r.ok !== k * n) throw new Error(`Workers section: ${alloc} ${p.label} with ${k} threads: ${r.ok} of ${k * n} allocations succeeded`);
    if (alloc === 'walloc' && !p.control) expectedAllocs += k * (n + (p.pattern === 1 ? 256 : 0));
    return r.ms;
  };

  const res = { threads: MT_THREADS, rounds, targetMs, patterns: [], checks: {} };
  for (const p of MT_PATTERNS) {
    // n: one thread's loop lasts about targetMs (after warm-up runs at every thread count).
    const n = {};
    for (const alloc of ['walloc', 'dlmalloc']) {
      let m = 1 << 16;
      for (const k of MT_THREADS) await run(alloc, k, p, m);
      for (;;) {
        let ms = await run(alloc, 1, p, m);
        if (ms >= targetMs / 2 || m >= 1 << 28) {
          // The fastest of three (a burst of outside load during one would make n too small).
          for (let j = 0; j < 2; j++) ms = Math.min(ms, await run(alloc, 1, p, m));
          m = Math.max(1024, Math.round((m * targetMs) / Math.max(ms, 0.01)));
          break;
        }
        m *= 4;
      }
      n[alloc] = m;
    }
    res.patterns.push({ key: p.key, label: p.label, size: p.size, control: !!p.control, n, samples: { walloc: {}, dlmalloc: {} } });
  }
  // Rounds: every (pattern, threads, allocator), the order rotated round by round.
  const cells = [];
  res.patterns.forEach((p, i) => MT_THREADS.forEach((k) => ['walloc', 'dlmalloc'].forEach((alloc) => cells.push([i, k, alloc]))));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < cells.length; j++) {
      const [i, k, alloc] = cells[(r + j) % cells.length];
      const p = res.patterns[i];
      const ms = await run(alloc, k, MT_PATTERNS[i], p.n[alloc]);
      (p.samples[alloc][k] ??= []).push(ms);
    }
  }
  for (const p of res.patterns) {
    p.ms = { walloc: {}, dlmalloc: {} };
    for (const alloc of ['walloc', 'dlmalloc']) for (const k of MT_THREADS) p.ms[alloc][k] = median(p.samples[alloc][k]);
    log(`workers ${p.label}: ${MT_THREADS.map((k) => `${k}: walloc ${(p.ms.walloc[k] * 1e6 / p.n.walloc).toFixed(2)} dlmalloc ${(p.ms.dlmalloc[k] * 1e6 / p.n.dlmalloc).toFixed(2)}`).join(', ')} ns per pair per thread (medians of ${rounds})`);
  }

  // ------------------------------------------------------------ checks, then stop everything
  await stop(wCtl, 0);
  const byes = await Promise.all(ends);
  for (const wk of workers) wk.end();
  const bad = byes.find((m) => !m.bye);
  if (bad) throw new Error(`Walloc Worker: ${bad.error ?? JSON.stringify(bad)}`);
  const x = w.exports;
  const live = x.wbm_stat(inst, 0), allocs = x.wbm_stat(inst, 1), fails = x.wbm_stat(inst, 2);
  res.checks.walloc = { live, allocs, expectedAllocs, fails };
  if (live !== 0 || allocs !== expectedAllocs || fails !== 0) {
    throw new Error(`Workers section: the Walloc instance after the run has ${live} live blocks, ${allocs} allocations (the loops made ${expectedAllocs}), ${fails} failed`);
  }
  x.wbm_destroy(inst);
  w.destroy();
  await stop(dI32, dBase);
  M._pm_join();
  const dlAfter = M._pm_in_use();
  res.checks.dlmalloc = { inUseBefore: dlInUse, inUseAfter: dlAfter };
  M.PThread?.terminateAllThreads?.();
  if (dlAfter !== dlInUse) throw new Error(`Workers section: dlmalloc holds ${dlAfter} bytes after the run, ${dlInUse} before`);
  log(`workers checks: walloc ${allocs} allocations, 0 live; dlmalloc ${dlAfter} bytes in use before and after`);
  return res;
}
