// worker.mjs - one Worker of the demo's workers mode (workers.mjs starts four of them).
//
// It attaches to the page's shared instance and runs a mixed workload in slices: allocate blocks
// of tier-typical sizes and fill them, keep a window of live blocks, retire blocks either here
// (checked, then freed) or by handing them to the next Worker over a MessagePort, which checks and
// frees them there: cross-worker frees are the point of shared mode. Counters go to a
// SharedArrayBuffer the page reads every frame.
//
// Messages from the page: {init}, {cmd: 'pause' | 'run' | 'stop'}. Pause and stop first
// flush the handoffs: each Worker sends a 'fin' down its port and waits for its neighbour's, so
// when every Worker has answered no block is in flight and nobody is inside a tier.
import { Walloc } from '../walloc.mjs';

// Counter slots: the page's Int32Array holds COUNTERS.length per Worker, named in init.
let COUNTERS, C;

// Sizes by tier (multiples of 8, so contents are checked as 32-bit words): textures and
// buffers on top, scene data in the middle, per-frame scratch at the bottom.
const SIZES = [[4096, 65536], [256, 8192], [16, 1024]];
const TIER_WEIGHTS = [0.2, 0.3, 0.5];
const WINDOW = 48;          // live blocks a Worker keeps
const HAND_OFF = 0.35;      // share of retired blocks that go to the next Worker
const SLICE_MS = 4;         // work between yields: messages (handoffs, pause) get in between

let w, index, counters, out, inbox = [], windowBlocks = [], outgoing = [];
let running = false, seq = 0, rngState = 1, resetsSeen = [0, 0, 0];
// 'fin's from the upstream Worker: counted, since it may pause (and send one) before we do.
let finsSent = 0, finsGot = 0, onFin = null;

const count = (k, n = 1) => Atomics.add(counters, index * COUNTERS.length + C[k], n);
const setCount = (k, v) => Atomics.store(counters, index * COUNTERS.length + C[k], v);

function rand() { rngState ^= rngState << 13; rngState >>>= 0; rngState ^= rngState >>> 17; rngState ^= rngState << 5; rngState >>>= 0; return rngState / 4294967296; }

// Word i of a block's contents: depends on the block's seed so a block that another one
// overwrote, or that is read at the wrong address, does not pass.
const word = (seed, i) => (Math.imul(seed, 0x9E3779B1) ^ Math.imul(i + 1, 0x85EBCA77)) >>> 0;

function contents(size, seed) {
  const u = new Uint32Array(size / 4);
  for (let i = 0; i < u.length; i++) u[i] = word(seed, i);
  return new Uint8Array(u.buffer);
}

function matches(bytes, seed) {
  const u = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  for (let i = 0; i < u.length; i++) if (u[i] !== word(seed, i)) return false;
  return true;
}

let reported = 0;
function error(msg) {
  count('errors');
  if (reported++ < 5) postMessage({ error: `worker ${index}: ${msg}` });
}

// A reset of a tier (the page's "reset bottom tier") drops every block in it, ours included.
// resetsSeen is the core's reset count per tier read at the start of each slice; a block records
// the count it was allocated under, so a block whose tier was reset since is lost, not an error,
// and is never touched again (its address may be another Worker's block by now). A reset that
// goes through in the middle of a slice can make us drop a block allocated after it as well; the
// page's second reset, once the Workers are paused, takes that one too.
function refreshResets() {
  for (const t of [0, 1, 2]) resetsSeen[t] = w.tierStats(t).resets;
  const kept = (b) => { if (resetsSeen[b.tier] > b.epoch) { count('lost'); return false; } return true; };
  windowBlocks = windowBlocks.filter(kept);
  inbox = inbox.filter(kept);
}

function allocateOne() {
  const r = rand();
  const tier = r < TIER_WEIGHTS[0] ? 0 : r < TIER_WEIGHTS[0] + TIER_WEIGHTS[1] ? 1 : 2;
  const [lo, hi] = SIZES[tier];
  const size = lo + Math.floor(rand() * ((hi - lo) / 8 + 1)) * 8;
  const seed = ((index + 1) << 24) ^ seq++;
  const h = w.allocate(size, tier);
  count('ops');
  if (h === Walloc.NULL) { count('full'); return; }
  count('allocs');
  const b = { h, size, tier, seed, epoch: resetsSeen[tier] };
  try {
    w.write(h, contents(size, seed));
  } catch (e) {
    if (!lostToReset(b)) error(e.message);
    return;
  }
  windowBlocks.push(b);
}

// A reset that went through during this slice (no Worker was inside the tier at that instant)
// took the block: the reason the page pauses the Workers before it resets. Asked only after a
// failure, so the core's count already includes that reset.
function lostToReset(b) {
  if (w.tierStats(b.tier).resets === b.epoch) return false;
  count('lost');
  return true;
}

// Checks a block's contents and frees it; a block whose tier was reset meanwhile is dropped.
function checkAndFree(b, cross) {
  count('ops');
  try {
    if (!matches(w.read(b.h, b.size), b.seed)) throw new Error(`block ${b.h} (${b.size} B, tier ${b.tier}) changed under us`);
    w.free(b.h, b.size);
    count('frees');
    if (cross) count('crossFrees');
  } catch (e) {
    if (!lostToReset(b)) error(e.message);
  }
}

function retireOne() {
  const b = windowBlocks.splice(Math.floor(rand() * windowBlocks.length), 1)[0];
  if (rand() < HAND_OFF) { outgoing.push(b); count('handedOff'); } else checkAndFree(b, false);
}

function flushOutgoing() {
  if (outgoing.length) out.postMessage({ blocks: outgoing });
  outgoing = [];
}

function slice() {
  if (!running) return;
  try {
    refreshResets();
    const end = performance.now() + SLICE_MS;
    do {
      if (inbox.length) checkAndFree(inbox.pop(), true);
      else if (windowBlocks.length >= WINDOW || (windowBlocks.length > 0 && rand() < 0.45)) retireOne();
      else allocateOne();
    } while (performance.now() < end);
    flushOutgoing();
    setCount('live', windowBlocks.length + inbox.length);
  } catch (e) {
    error(e.message);
  }
  yieldThen(slice);
}

// setTimeout(0) is clamped to 4 ms once nested; a message to ourselves is not, and it queues
// behind the messages already waiting (handoffs, pause), which is the point of slicing. One tick
// at a time: a pause and run between two slices must not start a second chain of slices.
const tick = new MessageChannel();
let next = null, ticking = false;
tick.port1.onmessage = () => { ticking = false; const f = next; next = null; f?.(); };
function yieldThen(f) {
  next = f;
  if (!ticking) { ticking = true; tick.port2.postMessage(0); }
}

// Stops between calls and exchanges 'fin' with the neighbours: afterwards no block is in flight.
async function quiesce() {
  running = false;
  next = null;
  flushOutgoing();
  out.postMessage({ fin: true });
  finsSent++;
  if (finsGot < finsSent) await new Promise((r) => { onFin = r; });
  setCount('live', windowBlocks.length + inbox.length);
}

async function onCommand({ cmd }) {
  if (cmd === 'pause') { await quiesce(); postMessage({ paused: true }); return; }
  if (cmd === 'run') {
    running = true;
    yieldThen(slice);
    postMessage({ running: true });
    return;
  }
  if (cmd === 'stop') {
    if (running) await quiesce();
    refreshResets();
    for (const b of windowBlocks) checkAndFree(b, false);
    for (const b of inbox) checkAndFree(b, true);
    windowBlocks = []; inbox = [];
    setCount('live', 0);
    w.detach();
    postMessage({ stopped: true });
  }
}

self.onmessage = async (e) => {
  try {
    if (e.data.init) {
      ({ index, counters } = e.data.init);
      COUNTERS = e.data.init.counterNames;
      C = Object.fromEntries(COUNTERS.map((k, i) => [k, i]));
      rngState = 0x9E3779B9 ^ ((index + 1) * 7919);
      out = e.data.init.out;
      e.data.init.in.onmessage = (m) => {
        if (m.data.fin) { finsGot++; if (finsGot >= finsSent) { const f = onFin; onFin = null; f?.(); } return; }
        inbox.push(...m.data.blocks);
        count('received', m.data.blocks.length);
      };
      w = await Walloc.attach(e.data.init.shared);
      postMessage({ attached: true, isolated: self.crossOriginIsolated });
      return;
    }
    await onCommand(e.data);
  } catch (err) {
    error(String(err?.message ?? err));
    postMessage({ failed: String(err?.stack ?? err) });
  }
};
