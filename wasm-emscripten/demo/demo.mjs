// The Walloc demo page: assets stream from the local server into three tiers, shown live.
import { Walloc } from '../walloc.mjs';
import { AssetRegistry } from '../assets.mjs';
import { initWorkersMode } from './workers.mjs';

const MiB = 1024 * 1024;
const TIER_INFO = [
  { name: 'Top', note: '128-byte aligned · GPU / render assets' },
  { name: 'Middle', note: '64-byte aligned · scene assets' },
  { name: 'Bottom', note: '8-byte aligned · temporary data' },
];
const BATCH = 5;
// The demo profiles every allocation (it makes a few hundred): the hot-sites panel is exact.
// A larger application would sample, e.g. profile: 1000, and the panel scales by the rate.
const PROFILE_RATE = 1;
const HOT_SITES = 5;

const $ = (id) => document.getElementById(id);
const fmt = (n) => n >= MiB ? `${(n / MiB).toFixed(n >= 10 * MiB ? 1 : 2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`;

function patternOk(bytes, seed) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((seed * 13 + i * 7 + (i >> 8)) & 0xFF)) return false;
  return true;
}

const state = {
  w: null, assets: null, manifest: [], next: 0, batches: [], busy: false, history: [], verified: new Map(), log: [],
};

function log(msg, err = false) {
  const li = document.createElement('li');
  if (err) li.className = 'err';
  const t = new Date().toLocaleTimeString([], { hour12: false });
  li.innerHTML = `${t} <b></b>`;
  li.querySelector('b').textContent = msg;
  $('log').prepend(li);
  while ($('log').children.length > 60) $('log').lastChild.remove();
  state.log.push(msg);
}

function setStatus(text, kind) { const s = $('status'); s.textContent = text; s.dataset.state = kind; }

function buildTiers() {
  const root = $('tiers');
  root.innerHTML = '';
  TIER_INFO.forEach((info, t) => {
    const el = document.createElement('div');
    el.className = 'tier';
    el.dataset.tier = String(t);
    el.id = `tier-${t}`;
    el.innerHTML = `
      <div class="tier-head">
        <div><div class="tier-name">${info.name} <span class="chip">${info.note}</span></div></div>
        <div class="tier-pct"><span class="pct">0</span>%<small> of capacity in use</small></div>
      </div>
      <div class="bar">
        <div class="committed"></div>
        <div class="seg live"></div><div class="seg free"></div><div class="seg wasted"></div>
        <div class="peak"></div>
      </div>
      <div class="tier-legend">
        <span><span class="dot live-any"></span>live blocks</span>
        <span><span class="dot free"></span>free (reusable)</span>
        <span><span class="dot wasted"></span>wasted tails</span><span><span class="dot committed"></span>grown segments</span>
        <span>│ peak</span>
      </div>
      <div class="tier-stats">
        <div class="stat"><b data-k="blockBytes">0</b><span>live blocks</span></div>
        <div class="stat"><b data-k="bumpHead">0</b><span>used (head)</span></div>
        <div class="stat"><b data-k="committed">0</b><span>grown</span></div>
        <div class="stat"><b data-k="capacity">0</b><span>capacity</span></div>
        <div class="stat"><b data-k="liveBlocks">0</b><span>blocks</span></div>
        <div class="stat"><b data-k="totalAllocs">0</b><span>allocs / frees</span></div>
      </div>`;
    root.append(el);
  });
}

function render() {
  const w = state.w;
  if (!w) return;
  const m = w.memoryStats();
  m.tiers.forEach((s, t) => {
    const el = $(`tier-${t}`);
    const pc = (x) => `${Math.min(100, (100 * x) / s.capacity).toFixed(3)}%`;
    el.querySelector('.committed').style.width = pc(s.committed);
    const live = el.querySelector('.live');
    const free = el.querySelector('.free'), wasted = el.querySelector('.wasted');
    live.style.left = '0%'; live.style.width = pc(s.liveBytes);
    free.style.left = pc(s.liveBytes); free.style.width = pc(s.freeBytes);
    wasted.style.left = pc(s.liveBytes + s.freeBytes); wasted.style.width = pc(s.wastedBytes);
    el.querySelector('.peak').style.left = pc(s.peak);
    el.querySelector('.pct').textContent = ((100 * s.liveBytes) / s.capacity).toFixed(1);
    for (const b of el.querySelectorAll('[data-k]')) {
      const k = b.dataset.k;
      b.textContent = k === 'liveBlocks' ? String(s.liveBlocks) : k === 'totalAllocs' ? `${s.totalAllocs} / ${s.totalFrees}`
        : k === 'blockBytes' ? fmt(s.liveBytes) : fmt(s[k]);
    }
  });
  $('mem-mib').textContent = (m.memoryBytes / MiB).toFixed(1);
  $('mem-pages').textContent = String(m.pages);
  $('mem-growths').textContent = String(m.growths);
  $('mem-max').textContent = fmt(m.maximumMemory);
  $('mem-util').textContent = `${(100 * m.utilisation).toFixed(1)} %`;
  $('mem-assets').textContent = String(state.assets.size);
  state.history.push({ mem: m.memoryBytes, live: m.totals.liveBytes });
  if (state.history.length > 120) state.history.shift();
  drawSpark();
  renderAssets();
  renderHotSites();
  document.body.dataset.assets = String(state.assets.size);
}

function buildHotSites() {
  const root = $('hot-sites');
  root.innerHTML = '';
  TIER_INFO.forEach((info, t) => {
    const el = document.createElement('div');
    el.className = 'hot-tier';
    el.dataset.tier = String(t);
    el.innerHTML = `<h3>${info.name}</h3><ol id="hot-${t}"></ol>`;
    root.append(el);
  });
}

// A site as one readable line: an asset's path, or the innermost frame as "function · file:line"
// (the frames in full are the row's tooltip).
function siteLabel(site) {
  const f = site.frames[0];
  if (f.startsWith('asset:')) return { kind: 'asset', text: f.slice(6) };
  const m = /^(?:(.*?) \()?(?:.*\/)?([^/]+?):(\d+):\d+\)?$/.exec(f);
  if (!m) return { kind: 'code', text: f };
  return { kind: 'code', text: `${m[1] ? `${m[1]} · ` : ''}${m[2]}:${m[3]}` };
}

// Per tier, the HOT_SITES sites holding the most live bytes, from the allocation profile.
function renderHotSites() {
  const p = state.w.profile();
  const scale = p.rate;
  $('hot-note').textContent = scale === 1 ? '· every allocation profiled: exact live bytes per site'
    : `· one allocation in ${scale} sampled: bytes are estimates (sampled × ${scale})`;
  for (const t of [0, 1, 2]) {
    const list = $(`hot-${t}`);
    const top = p.top(t, HOT_SITES);
    list.replaceChildren(...top.map((s) => {
      const li = document.createElement('li');
      li.dataset.site = String(s.id);
      li.dataset.bytes = String(s.liveBytes[t] * scale);
      li.title = s.frames.join('\n');
      const { kind, text } = siteLabel(s);
      li.innerHTML = '<span class="site"><small></small> <span></span></span><span class="n"></span><span class="b"></span>';
      li.querySelector('small').textContent = kind;
      li.querySelector('.site span').textContent = text;
      li.querySelector('.n').textContent = `${s.liveBlocks[t] * scale} blk`;
      li.querySelector('.b').textContent = `${scale === 1 ? '' : '≈ '}${fmt(s.liveBytes[t] * scale)}`;
      return li;
    }));
    if (top.length === 0) {
      const li = document.createElement('li');
      li.className = 'none';
      li.textContent = 'no live blocks';
      list.append(li);
    }
  }
}

function drawSpark() {
  const c = $('spark'), g = c.getContext('2d');
  const W = c.width, H = c.height, h = state.history;
  g.clearRect(0, 0, W, H);
  if (h.length < 2) return;
  const max = Math.max(...h.map((p) => p.mem)) * 1.1;
  const line = (key, color, fill) => {
    g.beginPath();
    h.forEach((p, i) => { const x = (i / (h.length - 1)) * W, y = H - (p[key] / max) * H; i ? g.lineTo(x, y) : g.moveTo(x, y); });
    g.strokeStyle = color; g.lineWidth = 2.5; g.stroke();
    g.lineTo(W, H); g.lineTo(0, H); g.closePath(); g.fillStyle = fill; g.fill();
  };
  line('mem', '#8b7bff', 'rgba(139,123,255,.15)');
  line('live', '#a5d66f', 'rgba(165,214,111,.18)');
}

function renderAssets() {
  const rows = $('asset-rows');
  const assets = state.assets.list();
  const have = new Set([...rows.children].map((r) => r.dataset.path));
  const want = new Set(assets.map((a) => a.path));
  for (const r of [...rows.children]) if (!want.has(r.dataset.path)) r.remove();
  const byPath = new Map([...rows.children].map((r) => [r.dataset.path, r]));
  for (const a of assets) {
    let tr = byPath.get(a.path);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.path = a.path;
      tr.className = 'new';
      tr.innerHTML = `<td></td><td>${a.type}</td><td><span class="tchip t${a.tier}">${a.tierName}</span></td>
        <td class="num">${fmt(a.size)}</td><td class="num"><code>0x${a.handle.toString(16).padStart(8, '0')}</code></td><td></td>`;
      tr.firstChild.textContent = a.path;
      rows.append(tr);
    }
    const ok = state.verified.get(a.path);
    const cell = tr.lastChild;
    const cls = ok === undefined ? 'pending' : ok ? 'ok' : 'bad';
    if (cell.className !== cls) {
      cell.className = cls;
      cell.textContent = ok === undefined ? '… checking' : ok ? '✓ verified' : '✗ mismatch';
    }
  }
  $('asset-count').textContent = `· ${assets.length} registered`;
}

function setBusy(b) {
  state.busy = b;
  for (const id of ['load-batch', 'evict', 'compact', 'scratch', 'reset']) $(id).disabled = b;
  setStatus(b ? 'working…' : 'ready', b ? 'busy' : 'ready');
}

async function loadBatch() {
  const w = state.w;
  const k = state.batches.length + 1;
  const items = [];
  for (let i = 0; i < BATCH; i++) {
    const a = state.manifest[state.next++ % state.manifest.length];
    items.push({ path: `${a.path}?batch=${k}`, type: a.type, seed: a.seed });
  }
  const mark = [0, 1, 2].map((t) => w.tierStats(t).bumpHead);
  setBusy(true);
  $('progress-text').textContent = `batch ${k}: 0 / ${items.length}`;
  $('progress-bar').style.width = '0%';
  const t0 = performance.now();
  try {
    const recs = await state.assets.loadAll(items, {
      concurrency: 3,
      onProgress: (p) => {
        $('progress-bar').style.width = `${(100 * p.done) / p.total}%`;
        $('progress-text').textContent = `batch ${k}: ${p.done} / ${p.total} · ${fmt(p.bytes)}`;
        render();
      },
    });
    let bad = 0;
    recs.forEach((r, i) => {
      const ok = patternOk(w.view(r.handle, r.size).array, items[i].seed);
      state.verified.set(r.path, ok);
      if (!ok) bad++;
    });
    state.batches.push({ mark, paths: recs.map((r) => r.path) });
    renderAssets();
    const ms = performance.now() - t0;
    log(`batch ${k}: ${recs.length} assets, ${fmt(recs.reduce((s, r) => s + r.size, 0))} in ${ms.toFixed(0)} ms${bad ? `, ${bad} BAD` : ', bytes verified'}`, bad > 0);
  } catch (e) {
    log(`batch ${k} failed: ${e.message}`, true);
  } finally {
    setBusy(false);
    render();
  }
}

function evictOldest() {
  const a = state.assets.list()[0];
  if (!a) { log('nothing to evict'); return; }
  state.assets.evict(a.path);
  state.verified.delete(a.path);
  log(`evicted ${a.path} (${fmt(a.size)}, ${a.tierName}): its block is free for reuse`);
  render();
}

function compact() {
  const w = state.w;
  const b = state.batches.pop();
  if (!b) { log('no batch to unload: compact to 0'); [0, 1, 2].forEach((t) => w.fastCompactTier(t, 0)); render(); return; }
  const before = state.assets.size;
  [0, 1, 2].forEach((t) => w.fastCompactTier(t, b.mark[t]));
  for (const p of b.paths) state.verified.delete(p);
  log(`compacted to the marks before batch ${state.batches.length + 1}: ${before - state.assets.size} assets released`);
  render();
}

function reset() {
  const w = state.w;
  [0, 1, 2].forEach((t) => w.resetTier(t));
  state.batches = [];
  state.verified.clear();
  log('reset every tier');
  render();
}

async function scratchBurst() {
  const w = state.w;
  const hs = [];
  for (let i = 0; i < 400; i++) {
    const h = w.allocate(64 + ((i * 2654435761) >>> 0) % 4000, 'bottom');
    if (h !== Walloc.NULL) hs.push(h);
  }
  render();
  log(`frame scratch: ${hs.length} temporary blocks in the bottom tier`);
  await new Promise((r) => setTimeout(r, 400));
  for (const h of hs) w.free(h);
  render();
}

async function main() {
  buildTiers();
  buildHotSites();
  // Workers mode has its own shared instance: it works (or explains why not) whatever happens here.
  window.demo.workers = initWorkersMode({ fmt, log, tierInfo: TIER_INFO });
  try {
    const res = await fetch('../assets/manifest.json');
    state.manifest = (await res.json()).assets;
    const options = { capacity: 48 * MiB, ratios: [0.5, 0.3, 0.2], maximumMemory: 256 * MiB, profile: PROFILE_RATE };
    state.w = await Walloc.create(options);
    state.assets = new AssetRegistry(state.w, { baseUrl: new URL('../assets/', location.href).href });
    state.w.onGrowth((e) => log(`memory grew to ${fmt(e.newBytes)} (${e.pages} pages)`));
    $('mem-module').textContent = `${Walloc.moduleFile(options)}${Walloc.simdSupported ? ' (SIMD128)' : ''}`;
    log(`allocator ready: 48 MiB in three tiers, ${state.manifest.length} assets on the server, every allocation profiled`);
    $('load-batch').onclick = loadBatch;
    $('evict').onclick = evictOldest;
    $('compact').onclick = compact;
    $('reset').onclick = reset;
    $('scratch').onclick = scratchBurst;
    setBusy(false);
    render();
    setInterval(render, 1000);
  } catch (e) {
    setStatus(`error: ${e.message}`, 'error');
    log(e.message, true);
    throw e;
  }
}

window.demo = { state, loadBatch, evictOldest, compact, reset, scratchBurst, render, renderHotSites, patternOk, fmt };
main();
