// The Worker side of shared.test.mjs (Node worker_threads): attaches to the shared instance in
// workerData.shared and runs the job workerData.job names. Reports with postMessage; the test
// decides pass or fail.
import { parentPort, workerData } from 'node:worker_threads';
import { Walloc } from '../../wasm-emscripten/walloc.mjs';

const { job, shared } = workerData;
const w = await Walloc.attach(shared);
const port = parentPort;
const nextMessage = () => new Promise((resolve) => port.once('message', resolve));

// xorshift32
function rng(seed) {
  let s = seed >>> 0 || 1;
  return (n) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % n; };
}

// A block's contents: an 8-byte stamp (worker, sequence number) then bytes (seed + i) & 255,
// written with one copy from RAMP.
const RAMP = new Uint8Array(256 * 1024 + 256);
for (let i = 0; i < RAMP.length; i++) RAMP[i] = i & 255;
function expected(size, worker, seq) {
  const seed = (worker * 131 + seq * 7) & 255;
  const b = RAMP.slice(seed, seed + size);
  if (size >= 8) { const d = new DataView(b.buffer); d.setUint32(0, worker, true); d.setUint32(4, seq, true); }
  return b;
}
const same = (a, b) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

// ---------------------------------------------------------------------------------------------
// stress: allocate, fill, check, free, hand blocks to the next Worker (an SPSC ring in a
// SharedArrayBuffer: [head, tail, then (handle, size, worker, seq) entries]), in phases; at each
// phase end, report the live set (own blocks) and wait for the test's next command.
async function stress() {
  const { index, workers, opsPerPhase, phases, rings, ringEntries } = workerData;
  const inbox = new Int32Array(rings[index]);
  const outbox = new Int32Array(rings[(index + 1) % workers]);
  const rand = rng(0x9E3779B9 ^ (index + 1) * 7919);
  const live = []; // [handle, size, worker, seq]
  let seq = 0, allocs = 0, frees = 0, handed = 0, received = 0, nulls = 0;
  const errors = [];
  const tiers = ['top', 'middle', 'bottom'];
  // A long-lived block with a view that must survive memory growth in this Worker.
  const keep = w.allocate(64 * 8, 'middle');
  const kv = w.view(keep, 64, Float64Array);
  for (let i = 0; i < 64; i++) kv.set(i, index * 1000 + i);
  const memStart = w.memory.buffer.byteLength;

  const check = (h, size, worker, s, by) => {
    const got = w.read(h, size);
    if (!same(got, expected(size, worker, s))) errors.push(`${by}: block ${h} (${size} bytes, worker ${worker} #${s}) was overwritten`);
  };
  const freeOne = (h, size) => { w.free(h, size); frees++; };
  const drain = () => {
    for (;;) {
      const tail = Atomics.load(inbox, 1);
      if (tail === Atomics.load(inbox, 0)) return;
      const at = 2 + (tail % ringEntries) * 4;
      const [h, size, worker, s] = [inbox[at] >>> 0, inbox[at + 1], inbox[at + 2], inbox[at + 3]];
      Atomics.store(inbox, 1, tail + 1);
      check(h, size, worker, s, `worker ${index} (received)`);
      freeOne(h, size);
      received++;
    }
  };

  for (let phase = 0; phase < phases; phase++) {
    for (let op = 0; op < opsPerPhase; op++) {
      const r = rand(100);
      if (live.length < 8 || (r < 52 && live.length < 400)) {
        // Mostly small blocks; 1 in 200 a large one (32-160 KiB) so memory grows during the run.
        const size = rand(200) === 0 ? 32768 + rand(131072) : 1 + rand(rand(4) === 0 ? 2048 : 192);
        const h = w.allocate(size, tiers[rand(3)]);
        if (h === Walloc.NULL) { nulls++; continue; }
        allocs++;
        w.write(h, expected(size, index, seq));
        live.push([h, size, index, seq++]);
      } else if (r < 80) {
        const [h, size, worker, s] = live.splice(rand(live.length), 1)[0];
        check(h, size, worker, s, `worker ${index}`);
        freeOne(h, size);
      } else if (r < 95) {
        // Hand it to the next Worker, which checks and frees it; when its inbox is full, free it.
        const [h, size, worker, s] = live.splice(rand(live.length), 1)[0];
        const head = Atomics.load(outbox, 0);
        if (head - Atomics.load(outbox, 1) >= ringEntries) { check(h, size, worker, s, `worker ${index}`); freeOne(h, size); continue; }
        const at = 2 + (head % ringEntries) * 4;
        outbox[at] = h; outbox[at + 1] = size; outbox[at + 2] = worker; outbox[at + 3] = s;
        Atomics.store(outbox, 0, head + 1);
        handed++;
      } else {
        drain();
      }
    }
    // The view of the long-lived block, read after whatever growth happened meanwhile.
    for (let i = 0; i < 64; i++) if (kv.get(i) !== index * 1000 + i) errors.push(`worker ${index}: view of the long-lived block reads ${kv.get(i)} at ${i}`);
    port.postMessage({ phase, live: live.map(([h, size]) => [h, size]).concat([[keep, 64 * 8]]), errors: errors.splice(0) });
    const cmd = await nextMessage();
    if (cmd !== 'continue') break;
  }
  // finish: nobody sends any more; check and free everything.
  drain();
  for (const [h, size, worker, s] of live) { check(h, size, worker, s, `worker ${index} (end)`); freeOne(h, size); }
  kv.array; // checked once more, then freed
  freeOne(keep, 64 * 8);
  allocs++;
  const memEnd = w.memory.buffer.byteLength;
  w.detach();
  port.postMessage({ done: true, allocs, frees, handed, received, nulls, memStart, memEnd, errors });
}

// ---------------------------------------------------------------------------------------------
// churn: allocate, write, check and free in one tier until the stop flag is set; blocks a reset
// released meanwhile are expected (their free reports "not a live block"), anything else is an
// error. Then reports.
async function churn() {
  const { tier, stop } = workerData;
  const flag = new Int32Array(stop);
  const rand = rng(77);
  let ops = 0, lost = 0;
  const errors = [];
  const held = [];
  port.postMessage('ready');
  while (Atomics.load(flag, 0) === 0) {
    const size = 16 + rand(512);
    const h = w.allocate(size, tier);
    if (h === Walloc.NULL) { errors.push('tier full'); break; }
    const data = expected(size, 1, ops);
    // A view knows its block (its serial): after a reset it throws, also when this Worker has
    // been given the same handle again since.
    try {
      const v = w.view(h, size);
      v.copyFrom(data);
      held.push([h, size, ops, v]);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      lost++; // reset between allocate and write: the block is gone, as documented
    }
    if (held.length > 16) {
      const [hh, ss, s, v] = held.shift();
      try {
        if (!same(v.toArray(), expected(ss, 1, s))) errors.push(`block ${hh} overwritten`);
        w.free(hh, ss);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        lost++;
      }
    }
    ops++;
  }
  for (const [hh, ss, , v] of held) { try { v.toArray(); w.free(hh, ss); } catch (e) { if (!(e instanceof RangeError)) throw e; lost++; } }
  w.detach();
  port.postMessage({ ops, lost, errors });
}

// ---------------------------------------------------------------------------------------------
// resetter: resets (and compacts) tier `tier` over and over while another Worker churns in it,
// and the unused tier `other` each time, for up to ms or until enough of both outcomes were seen.
async function resetter() {
  const { tier, other, ms } = workerData;
  let busy = 0, done = 0, otherTier = 0;
  const errors = [];
  const until = Date.now() + ms;
  while (Date.now() < until && (busy < 200 || done < 3)) {
    try {
      if ((busy + done) % 2) w.resetTier(tier); else w.fastCompactTier(tier, 0);
      done++;
    } catch (e) {
      if (e.name !== 'TierBusyError' || e.tier !== ['top', 'middle', 'bottom'].indexOf(tier)) errors.push(String(e));
      busy++;
    }
    w.resetTier(other); // nobody uses it: never refused
    otherTier++;
  }
  w.detach();
  port.postMessage({ busy, done, otherTier, errors });
}

// ---------------------------------------------------------------------------------------------
// race: the owner allocates a big block and publishes it (sync: [seq, handle, writes, stop]); the
// writer binds a view to it and copies 0xAA into it over and over; the owner frees it while a
// copy may be running, allocates the same size again (mostly the same address) and fills it
// with 0x55. No byte of the new block may ever read 0xAA: a copy holds its block, and a view
// knows its block, so the writer's copies end at the free.
const RACE_BYTES = 2 << 20;
async function raceOwner() {
  const { sync, rounds } = workerData;
  const a = new Int32Array(sync);
  const fill55 = new Uint8Array(RACE_BYTES).fill(0x55);
  let sameAddress = 0, hits = 0, waited = 0;
  let h = w.allocate(RACE_BYTES, 'top');
  for (let round = 1; round <= rounds; round++) {
    Atomics.store(a, 1, h);
    Atomics.store(a, 0, 2 * round); // even: published
    const writes = Atomics.load(a, 2);
    const until = Date.now() + 200;
    while (Atomics.load(a, 2) < writes + 2 && Date.now() < until) { /* let the writer be mid-copy */ }
    if (Atomics.load(a, 2) >= writes + 2) waited++;
    Atomics.store(a, 0, 2 * round + 1); // odd: being freed, bind no view now
    w.free(h, RACE_BYTES);
    const h2 = w.allocate(RACE_BYTES, 'top');
    if (h2 === h) sameAddress++;
    w.write(h2, fill55);
    const got = w.read(h2);
    const bad = got.indexOf(0xAA);
    if (bad >= 0) hits++;
    h = h2;
  }
  Atomics.store(a, 3, 1);
  w.free(h, RACE_BYTES);
  w.detach();
  port.postMessage({ hits, sameAddress, waited });
}

async function raceWriter() {
  const { sync } = workerData;
  const a = new Int32Array(sync);
  const fillAA = new Uint8Array(RACE_BYTES).fill(0xAA);
  let ended = 0;
  while (Atomics.load(a, 3) === 0) {
    const seq = Atomics.load(a, 0);
    if (seq % 2 !== 0 || seq === 0) continue;
    let v;
    try { v = w.view(Atomics.load(a, 1), RACE_BYTES); } catch (e) { if (e instanceof RangeError) continue; throw e; }
    if (Atomics.load(a, 0) !== seq) continue; // the owner moved on: v may name the next block
    try {
      for (;;) { v.copyFrom(fillAA); Atomics.add(a, 2, 1); }
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      ended++; // freed: the copies stop here
    }
  }
  w.detach();
  port.postMessage({ ended });
}

// ---------------------------------------------------------------------------------------------
// fill: allocates count blocks of size in tier, reports them, detaches (or not) and waits.
async function fill() {
  const { count, size, tier, detach } = workerData;
  const hs = [];
  for (let i = 0; i < count; i++) hs.push(w.allocate(size, tier));
  if (detach) w.detach();
  port.postMessage(hs);
}

// ---------------------------------------------------------------------------------------------
// grow: large blocks (whole pages, each mapped page by page) in one tier, a window of them live,
// until the tier is full: the tier's segments, and with them the instance's page map, grow while
// Workers in the other tiers map pages of their own. Every block must stay findable by its free.
async function grow() {
  const { tier, ops, seed } = workerData;
  const rand = rng(seed);
  const live = [];
  const errors = [];
  let allocs = 0;
  for (let i = 0; i < ops; i++) {
    const size = 9 * 1024 + rand(56 * 1024);
    const h = w.allocate(size, tier);
    if (h === Walloc.NULL) break; // the tier is full
    allocs++;
    live.push([h, size]);
    if (live.length > 24) {
      const [oh, os] = live.shift();
      try { w.free(oh, os); } catch (e) { errors.push(`free(${oh}, ${os}) in ${tier}: ${e.message}`); }
    }
  }
  for (const [h, size] of live) {
    try { w.free(h, size); } catch (e) { errors.push(`free(${h}, ${size}) in ${tier}: ${e.message}`); }
  }
  w.detach();
  port.postMessage({ allocs, errors });
}

// ---------------------------------------------------------------------------------------------
// instances: through the raw exports, creates and destroys instances of its own in the shared
// memory, over and over, filling their blocks and checking them before each destroy. Every
// instance's memory and metadata come from walloc-mt.wasm's platform layer, which all Workers
// share: its free lists must hand nothing out twice.
async function instances() {
  const { index, rounds } = workerData;
  const x = w.exports;
  const bad = [];
  for (let r = 0; r < rounds; r++) {
    const inst = x.wjs_create(1 << 20, 0.5, 0.3, 0.2, r % 2, 0) >>> 0;
    if (inst === 0) { bad.push(`round ${r}: no instance`); break; }
    const blocks = [];
    for (let k = 0; k < 24; k++) {
      const size = 256 + 512 * (k % 5);
      const h = x.wjs_alloc(inst, size, k % 3) >>> 0;
      if (h === Walloc.NULL) { bad.push(`round ${r}: tier full`); break; }
      blocks.push([h, size, (index * 64 + r * 7 + k) & 255]);
    }
    let heap = new Uint8Array(w.memory.buffer);
    for (const [h, size, v] of blocks) { if (h + size > heap.length) heap = new Uint8Array(w.memory.buffer); heap.fill(v, h, h + size); }
    for (let spin = 0; spin < 2000; spin++); // let the others run meanwhile
    for (const [h, size, v] of blocks) {
      const i = heap.subarray(h, h + size).findIndex((b) => b !== v);
      if (i >= 0) { bad.push(`round ${r}: block ${h} byte ${i} is ${heap[h + i]}, not ${v}`); break; }
    }
    x.walloc_destroy(inst);
  }
  w.detach();
  port.postMessage({ bad });
}

// ---------------------------------------------------------------------------------------------
// badfree: the frees a Worker must not get away with, on blocks the creator allocated.
async function badfree() {
  const { a, aSize, next } = workerData;
  const outcome = (fn) => {
    try { fn(); return 'ok'; } catch (e) { return `${e.name}:${e.status ?? ''}`; }
  };
  const r = {
    wrongSize: outcome(() => w.free(a, aSize - 1)),
    misaligned: outcome(() => w.free(a + 8, 8)),
    inside: outcome(() => w.free(a + 64, 8)),
    insideNoSize: outcome(() => w.free(a + 64)),
    neverAllocated: outcome(() => w.free(next, aSize)),
    outsideTiers: outcome(() => w.free(8, 8)),
    writePastEnd: outcome(() => w.write(a, new Uint8Array(aSize + 1))),
    writeAtEnd: outcome(() => w.write(a, new Uint8Array(1), aSize)),
    good: outcome(() => w.free(a, aSize)),
    double: outcome(() => w.free(a, aSize)),
    doubleNoSize: outcome(() => w.free(a)),
  };
  w.detach();
  port.postMessage(r);
}

try {
  await ({ stress, churn, resetter, raceOwner, raceWriter, fill, grow, instances, badfree })[job]();
} catch (e) {
  port.postMessage({ crashed: String(e && e.stack || e) });
}
