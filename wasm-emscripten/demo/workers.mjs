// workers.mjs - the demo's workers mode: four Web Workers (worker.mjs) allocate and free into one
// shared instance at once, handing blocks to each other, while the page shows the instance's
// tiers and the Workers' counters live.
//
// Shared mode needs a cross-origin isolated page (server.mjs sends COOP/COEP/CORP with every
// response, the Workers' scripts included); elsewhere Start shows create()'s error instead.
import { Walloc } from '../walloc.mjs';
import { TierBusyError } from '../walloc-shared.mjs';

const MiB = 1024 * 1024;
const WORKERS = 4;
// One Int32 per counter per Worker in a SharedArrayBuffer: the Workers count, the page reads.
const COUNTERS = ['ops', 'allocs', 'frees', 'crossFrees', 'handedOff', 'received', 'errors', 'lost', 'full', 'live'];
const COLUMNS = [['ops', 'ops'], ['allocs', 'allocs'], ['frees', 'frees'], ['crossFrees', 'cross-worker frees'],
  ['handedOff', 'handed on'], ['received', 'received'], ['live', 'held'], ['lost', 'taken by reset'], ['full', 'tier full'], ['errors', 'errors']];
// Small enough that the Workers' windows show on the bars; the shared memory reserves its
// maximum up front, so that stays modest too.
const OPTIONS = { shared: true, capacity: 24 * MiB, ratios: [0.5, 0.3, 0.2], maximumMemory: 128 * MiB };
const ANSWER_MS = 5000;     // a Worker answers pause/stop within one slice (a few ms)

const $ = (id) => document.getElementById(id);

const wk = {
  w: null, workers: [], counters: null, frame: 0, waiting: [], refused: 0, resets: 0, last: null,
};

let fmt = String, log = () => {}, tierInfo = [];

function setState(s) {
  $('workers').dataset.state = s;
  $('wk-state').textContent = s;
  $('wk-start').disabled = !['idle', 'stopped', 'unavailable', 'failed'].includes(s);
  $('wk-reset').disabled = s !== 'running';
  $('wk-stop').disabled = !['running', 'failed'].includes(s) || wk.w === null;
}

// The rule line under the buttons: what the last reset attempt got.
function rule(text, kind) {
  const el = $('wk-rule');
  el.textContent = text;
  el.dataset.kind = kind;
}

function buildTiers() {
  $('wk-tiers').replaceChildren(...tierInfo.map((info, t) => {
    const el = document.createElement('div');
    el.className = 'wk-tier tier';
    el.dataset.tier = String(t);
    el.id = `wk-tier-${t}`;
    el.innerHTML = `
      <div class="tier-head"><div class="tier-name">${info.name}</div><div class="wk-fig"></div></div>
      <div class="bar"><div class="committed"></div><div class="seg live"></div><div class="peak"></div></div>
      <div class="wk-sub"></div>`;
    return el;
  }));
}

function buildRows() {
  $('wk-head').innerHTML = `<th>Worker</th>${COLUMNS.map(([, label]) => `<th class="num">${label}</th>`).join('')}`;
  $('wk-rows').replaceChildren(...Array.from({ length: WORKERS }, (_, i) => {
    const tr = document.createElement('tr');
    tr.id = `wk-row-${i}`;
    tr.innerHTML = `<td>Worker ${i}</td>${COLUMNS.map(([k]) => `<td class="num" data-k="${k}">0</td>`).join('')}`;
    return tr;
  }));
}

// The shared instance's tiers, from the creator's handle (statistics of every Worker's blocks).
// The numbers are also data attributes: the test reads those.
function renderTiers() {
  for (const t of [0, 1, 2]) {
    const s = wk.w.tierStats(t);
    const el = $(`wk-tier-${t}`);
    const pc = (x) => `${Math.min(100, (100 * x) / s.capacity).toFixed(3)}%`;
    el.querySelector('.committed').style.width = pc(s.committed);
    el.querySelector('.live').style.width = pc(s.liveBytes);
    el.querySelector('.peak').style.left = pc(s.peak);
    el.querySelector('.wk-fig').textContent = `${fmt(s.liveBytes)} live · ${fmt(s.committed)} committed · ${fmt(s.capacity)}`;
    el.querySelector('.wk-sub').textContent = `${s.liveBlocks} blocks · ${s.totalAllocs} allocs / ${s.totalFrees} frees · ${s.resets} resets`;
    Object.assign(el.dataset, {
      liveBytes: s.liveBytes, liveBlocks: s.liveBlocks, committed: s.committed, capacity: s.capacity,
      peak: s.peak, allocs: s.totalAllocs, frees: s.totalFrees, resets: s.resets,
    });
  }
}

function counter(i, k) { return Atomics.load(wk.counters, i * COUNTERS.length + COUNTERS.indexOf(k)); }

function renderRows() {
  for (let i = 0; i < WORKERS; i++) {
    const tr = $(`wk-row-${i}`);
    for (const td of tr.querySelectorAll('[data-k]')) {
      const v = counter(i, td.dataset.k);
      td.textContent = String(v);
      tr.dataset[td.dataset.k] = String(v);
    }
    tr.classList.toggle('bad', counter(i, 'errors') > 0);
  }
  // Handed on but not yet received: posted to a Worker that has not run since. These blocks are
  // live in the tiers without being any Worker's "held".
  const inFlight = total('handedOff') - total('received');
  $('wk-flight').textContent = `${inFlight} blocks in flight between Workers`;
  $('workers').dataset.inFlight = String(inFlight);
}

function total(k) {
  let n = 0;
  for (let i = 0; i < WORKERS; i++) n += counter(i, k);
  return n;
}

function frame() {
  if (!wk.w) return;
  renderTiers();
  renderRows();
  wk.frame = requestAnimationFrame(frame);
}

// ---------------------------------------------------------------- talking to the Workers

// Each Worker's answers go to whoever waits for that kind ('attached', 'paused', ...).
function onMessage(i, data) {
  if (data.error) { log(data.error, true); return; }
  if (data.failed) { log(`worker ${i} failed: ${data.failed}`, true); }
  const k = wk.waiting.findIndex((x) => x.i === i && (data.failed || data[x.kind]));
  if (k >= 0) {
    const [x] = wk.waiting.splice(k, 1);
    if (data.failed) x.reject(new Error(`worker ${i}: ${data.failed}`)); else x.resolve(data);
  }
}

function answer(i, kind) {
  return new Promise((resolve, reject) => {
    const x = { i, kind, resolve, reject };
    wk.waiting.push(x);
    setTimeout(() => {
      const k = wk.waiting.indexOf(x);
      if (k >= 0) { wk.waiting.splice(k, 1); reject(new Error(`worker ${i} did not answer '${kind}' within ${ANSWER_MS} ms`)); }
    }, ANSWER_MS);
  });
}

// Sends cmd to every Worker and waits until each has answered kind.
function ask(cmd, kind) {
  const answers = wk.workers.map((_, i) => answer(i, kind));
  for (const x of wk.workers) x.postMessage({ cmd });
  return Promise.all(answers);
}

function startWorker(i, channels) {
  // A module Worker from the same origin: server.mjs serves it with COEP too, as isolation needs.
  const x = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module', name: `walloc-${i}` });
  x.onmessage = (e) => onMessage(i, e.data);
  // A script that did not load gives an error event without a message (e.g. worker.mjs served
  // without COEP to an isolated page, which then refuses it).
  x.onerror = (e) => {
    e.preventDefault();
    onMessage(i, { failed: e.message || 'its script did not load (in an isolated page a Worker\'s script needs COEP too)' });
  };
  // Worker i hands blocks on through channel i and receives Worker i-1's through channel i-1.
  const out = channels[i].port1, inp = channels[(i + WORKERS - 1) % WORKERS].port2;
  const attached = answer(i, 'attached');
  x.postMessage({ init: { index: i, shared: wk.w.shareable(), counters: wk.counters, counterNames: COUNTERS, out, in: inp } }, [out, inp]);
  wk.workers.push(x);
  return attached;
}

// ---------------------------------------------------------------- the buttons

async function start() {
  setState('starting');
  rule('', '');
  $('wk-error').textContent = '';
  try {
    wk.w = await Walloc.create(OPTIONS);
  } catch (e) {
    // Not cross-origin isolated (or no walloc-mt.wasm): create() says what is missing.
    $('wk-error').textContent = e.message;
    log(`workers mode: ${e.message}`, true);
    setState('unavailable');
    return;
  }
  try {
    wk.counters = new Int32Array(new SharedArrayBuffer(4 * WORKERS * COUNTERS.length));
    wk.refused = 0; wk.resets = 0;
    $('workers').dataset.refused = '0';
    $('workers').dataset.resets = '0';
    delete $('workers').dataset.left;
    const channels = Array.from({ length: WORKERS }, () => new MessageChannel());
    let attached;
    try {
      attached = await Promise.all(Array.from({ length: WORKERS }, (_, i) => startWorker(i, channels)));
      if (!attached.every((a) => a.isolated)) throw new Error('a Worker is not cross-origin isolated');
    } catch (e) {
      // No Worker runs yet (they wait for 'run'), so none is inside a call: end them all and
      // destroy the instance.
      for (const x of wk.workers) x.terminate();
      wk.workers = [];
      wk.w.destroy();
      wk.w = null;
      throw e;
    }
    await ask('run', 'running');
    log(`workers mode: ${WORKERS} Workers attached to one shared instance of ${fmt(OPTIONS.capacity)}`);
    setState('running');
    wk.frame = requestAnimationFrame(frame);
  } catch (e) {
    fail(e);
  }
}

// The rule: reset and compaction never run while a call is inside that tier. While the Workers
// run, the attempt is refused (TierBusyError) whenever any of them is inside the bottom tier;
// once they are paused (each between calls, no block in flight) it goes through.
async function resetBottom() {
  setState('resetting');
  try {
    let first, refused = false;
    try {
      wk.w.resetTier('bottom');
      wk.resets++;
      first = 'While the Workers ran, the reset went through: none of them was inside the bottom tier at that ' +
        'instant. The blocks they held there are gone (they count them as taken by reset): that is why an application pauses them first.';
    } catch (e) {
      if (!(e instanceof TierBusyError)) throw e;
      wk.refused++;
      refused = true;
      first = `While the Workers run: ${e.name}: ${e.message}.`;
    }
    rule(`${first} Pausing them…`, refused ? 'busy' : 'through');
    await ask('pause', 'paused');
    wk.w.resetTier('bottom');
    wk.resets++;
    rule(`${first} Paused: the reset succeeded, every bottom block is free again. Resumed.`, refused ? 'done' : 'through');
    log(`reset bottom tier: ${refused ? 'refused while the Workers ran' : 'went through while the Workers ran'}, done once they paused`);
    $('workers').dataset.refused = String(wk.refused);
    $('workers').dataset.resets = String(wk.resets);
    await ask('run', 'running');
    setState('running');
  } catch (e) {
    fail(e);
  }
}

// Every Worker checks and frees the blocks it holds (its own and those handed to it), detaches,
// and answers; then the page counts what is left and destroys the instance.
async function stop() {
  setState('stopping');
  cancelAnimationFrame(wk.frame);
  let ok = false;
  try {
    await ask('stop', 'stopped');
    ok = true;
  } catch (e) {
    log(`workers mode: ${e.message}`, true);
  }
  renderTiers();
  renderRows();
  const left = [0, 1, 2].reduce((n, t) => n + wk.w.tierStats(t).liveBlocks, 0);
  $('workers').dataset.left = String(left);
  log(`workers mode stopped: ${total('ops')} ops, ${total('crossFrees')} cross-worker frees, ${total('errors')} errors, ` +
    `${left} live blocks left`, !ok || left > 0 || total('errors') > 0);
  for (const x of wk.workers) x.terminate();
  wk.workers = [];
  // destroy() waits for calls inside the instance: only safe when every Worker answered between
  // calls. A Worker that did not may be stuck inside one; then the instance is left as it is.
  if (ok) wk.w.destroy();
  wk.w = null;
  setState(ok ? 'stopped' : 'failed');
}

function fail(e) {
  log(`workers mode: ${e.message}`, true);
  $('wk-error').textContent = e.message;
  setState('failed');
}

/** Builds the workers section and wires its buttons; fmt, log and the tiers' names come from
 *  demo.mjs. */
export function initWorkersMode(options) {
  ({ fmt, log, tierInfo } = options);
  buildTiers();
  buildRows();
  $('wk-isolated').textContent = self.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  $('wk-start').onclick = start;
  $('wk-reset').onclick = resetBottom;
  $('wk-stop').onclick = stop;
  setState('idle');
  return { state: wk, start, stop, resetBottom };
}
