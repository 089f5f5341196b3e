// mt-worker.mjs - one Walloc Worker of the Workers section (harness_mt.mjs), in Node
// (worker_threads) and in a page (a module Web Worker): the same code.
//
// The first message: { shared: w.shareable(), ctl: SharedArrayBuffer, id, instance, wallocUrl }.
// The Worker attaches to the shared instance (Walloc.attach: its own stack and TLS in the shared
// memory), counts itself ready, then serves rounds from the control words (harness_mt.mjs, CTL):
// it waits for the round number to change (Atomics.wait), reads the round's words and
// acknowledges them, runs its loop on the unchecked core
// instance `instance` (bench_mt.c) if its id is below the round's thread count, adds the loop's
// successful allocations and counts itself done (Atomics.notify). Pattern -1: detach (retires
// its thread cache) and say 'bye'.
const isNode = typeof process === 'object' && !!process.versions?.node;
const port = isNode ? (await import('node:worker_threads')).parentPort : self;
const send = (m) => port.postMessage(m);
const first = new Promise((resolve) => {
  if (isNode) port.once('message', resolve);
  else self.onmessage = (e) => resolve(e.data);
});

const { shared, ctl: sab, id, instance, wallocUrl } = await first;
try {
  const { Walloc } = await import(wallocUrl);
  const w = await Walloc.attach(shared);
  const x = w.exports;
  const ctl = new Int32Array(sab);
  Atomics.add(ctl, 7, 1);
  Atomics.notify(ctl, 7);
  let seen = 0;
  for (;;) {
    let r;
    while ((r = Atomics.load(ctl, 0)) === seen) Atomics.wait(ctl, 0, seen);
    seen = r;
    // This round's words, then the acknowledgement (the next round's are written only after
    // every thread's: harness_mt.mjs, group).
    const threads = ctl[2], pattern = ctl[3], n = ctl[4], size = ctl[5];
    Atomics.add(ctl, 8, 1);
    Atomics.notify(ctl, 8);
    if (pattern < 0) break;
    if (id >= threads) continue;
    const ok = pattern === 1 ? x.wbm_window(instance, n, 2)
      : pattern === 2 ? x.wbm_spin(n) : x.wbm_pairs(instance, n, size, 2);
    Atomics.add(ctl, 6, ok);
    Atomics.add(ctl, 1, 1);
    Atomics.notify(ctl, 1);
  }
  w.detach();
  send({ bye: true });
} catch (e) {
  send({ error: String(e?.stack ?? e) });
}
if (isNode) port.close();
else self.close();
