// Allocation profiles: create({ profile: rate }), w.profile(), the leak report at destroy().
// The core counts sampled blocks per site and tier; walloc.mjs samples and names the sites.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetRegistry, WallocError, Status, DestroyedError, startServer, MANIFEST, WASM_DIR } from './helpers.mjs';
import path from 'node:path';

const { Sampler, OTHER_FRAMES } = await import(path.join(WASM_DIR, 'profile.mjs'));

const MiB = 1024 * 1024;
const TIERS = [0, 1, 2];
const sum = (sites, key, t) => sites.reduce((a, s) => a + s[key][t], 0);
const siteOf = (p, name) => p.sites.filter((s) => s.frames[0].startsWith(`${name} `));
// A function's figures over all its sites (one per caller: the frames below it differ).
const figures = (p, name, key) => TIERS.map((t) => sum(siteOf(p, name), key, t));
// Leak reports of tests that leave blocks live on purpose are not printed.
const quiet = { onLeak: () => {} };

// At rate 1 every block is a sample: a tier's sites add up to its statistics.
function assertSitesAddUp(w, p = w.profile()) {
  for (const t of TIERS) {
    const s = w.tierStats(t);
    assert.equal(sum(p.sites, 'liveBytes', t), s.liveBytes, `tier ${t}: sites' live bytes = tierStats.liveBytes`);
    assert.equal(sum(p.sites, 'liveBlocks', t), s.liveBlocks, `tier ${t}: sites' live blocks = tierStats.liveBlocks`);
  }
}

describe('options', () => {
  test('invalid profiling options throw, as other options do', async () => {
    for (const profile of ['10', true, 10n, null]) await assert.rejects(Walloc.create({ profile }), TypeError, String(profile));
    for (const profile of [-1, 1.5, 2 ** 31, NaN, Infinity]) await assert.rejects(Walloc.create({ profile }), RangeError, String(profile));
    for (const profileSites of [0, 2 ** 20 + 1, 1.5, -3]) await assert.rejects(Walloc.create({ profile: 1, profileSites }), RangeError, String(profileSites));
    await assert.rejects(Walloc.create({ profile: 1, profileSites: '8' }), TypeError);
    for (const profileDepth of [0, -1, 2.5]) await assert.rejects(Walloc.create({ profile: 1, profileDepth }), RangeError, String(profileDepth));
    await assert.rejects(Walloc.create({ profile: 1, onLeak: 'warn' }), TypeError);
    // Checked with profiling off too: the mistake does not wait until it is turned on.
    await assert.rejects(Walloc.create({ profileSites: 0 }), RangeError);
    // The bounds themselves are valid.
    for (const o of [{ profile: 2 ** 31 - 1 }, { profile: 1, profileSites: 2 ** 20 }, { profile: 1, profileSites: 1, profileDepth: 1 }]) {
      const w = await Walloc.create({ capacity: MiB, ...o });
      assert.equal(w.profileRate, o.profile);
      w.destroy();
    }
  });

  test('the diagnostics module keeps no profile unless asked: its snapshot refuses', async () => {
    const w = await Walloc.create({ capacity: MiB, checked: true });
    assert.equal(w.exports.wjs_diagnostics(), 3, 'walloc-diag.wasm has checked mode and profiles');
    assert.throws(() => w.profile(), (e) => e instanceof WallocError && e.status === Status.INVALID_CONFIG);
    assert.equal(w.exports.wjs_profile_snapshot(w.instanceAddress), -Status.INVALID_CONFIG);
    w.destroy();
  });

  test('without profile (absent or 0), profile() throws and nothing is sampled', async () => {
    for (const o of [{}, { profile: 0 }]) {
      const w = await Walloc.create({ capacity: MiB, ...o });
      assert.equal(w.profileRate, 0);
      w.allocate(64);
      assert.throws(() => w.profile(), (e) => e instanceof WallocError && e.status === Status.INVALID_CONFIG && /no profile/.test(e.message));
      // The core keeps none either: walloc.wasm, loaded without profile, has no profiles at all.
      assert.equal(w.exports.wjs_diagnostics() & 2, 0);
      assert.equal(w.exports.wjs_profile_snapshot, undefined);
      let warned = 0;
      const warn = console.warn;
      console.warn = () => { warned++; };
      try { w.destroy(); } finally { console.warn = warn; }
      assert.equal(warned, 0, 'no leak report without a profile');
      assert.throws(() => w.profile(), DestroyedError);
    }
  });
});

describe('counts', () => {
  function textureLoader(w) { return w.allocate(5000, 'top'); }
  function meshBuilder(w) { return w.allocateBatch([{ size: 700, tier: 'middle' }, { size: 40, tier: 'bottom' }]); }
  function scratchFrame(w, n) { const hs = []; for (let i = 0; i < n; i++) hs.push(w.allocate(16 + i * 24)); return hs; }

  test('rate 1: exact counts per site and tier; sites add up to the tier statistics', async () => {
    const w = await Walloc.create({ capacity: 32 * MiB, profile: 1 });
    const reg = new AssetRegistry(w);
    const tex = [];
    for (let i = 0; i < 3; i++) tex.push(textureLoader(w));
    const mesh = meshBuilder(w);
    const scratch = scratchFrame(w, 50);
    const copied = reg.registerBytes(new Uint8Array(3000), 'middle', { path: 'copied.bin' });
    let p = w.profile();
    assert.equal(p.rate, 1);
    assert.equal(p.maxSites, 1024);
    assert.equal(p.overflowSamples, 0);
    assert.equal(p.lostSamples, 0);
    const [texSite] = siteOf(p, 'textureLoader');
    assert.equal(siteOf(p, 'textureLoader').length, 1);
    assert.deepEqual([...texSite.allocs], [3, 0, 0], 'one site for the three calls from one line');
    assert.deepEqual([...texSite.liveBlocks], [3, 0, 0]);
    assert.deepEqual([...texSite.liveBytes], [3 * w.exports.wjs_block_size(w.instanceAddress, 0, 5000), 0, 0]);
    const [meshSite] = siteOf(p, 'meshBuilder');
    assert.deepEqual([...meshSite.allocs], [0, 1, 1], 'a batch: one sample per entry, at the batch caller');
    const [scratchSite] = siteOf(p, 'scratchFrame');
    assert.deepEqual([...scratchSite.liveBlocks], [0, 0, 50]);
    assert.ok(p.sites.some((s) => s.liveBlocks[1] === 1 && s.frames[0].includes('profile.test.mjs')), 'registerBytes: the caller is the site');
    assert.ok(p.sites.every((s) => s.frames.every((f) => !/walloc\.mjs|profile\.mjs/.test(f))), 'no frames of the module itself');
    assert.ok(p.sites.every((s) => s.frames.length >= 1 && s.frames.length <= 8), 'default depth 8');
    for (const t of TIERS) assert.equal(sum(p.sites, 'allocs', t), w.tierStats(t).totalAllocs, `tier ${t}: every allocation was sampled`);
    assertSitesAddUp(w, p);

    // Frees take blocks off their sites; allocs stay.
    w.free(tex[1]);
    for (const h of scratch.slice(0, 20)) w.free(h);
    p = w.profile();
    assert.deepEqual([...siteOf(p, 'textureLoader')[0].liveBlocks], [2, 0, 0]);
    assert.deepEqual([...siteOf(p, 'scratchFrame')[0].liveBlocks], [0, 0, 30]);
    assert.deepEqual([...siteOf(p, 'scratchFrame')[0].allocs], [0, 0, 50]);
    assertSitesAddUp(w, p);

    // Everything freed: every site's live figures are back to zero.
    for (const h of [tex[0], tex[2], ...mesh, ...scratch.slice(20)]) w.free(h);
    reg.evict(copied.path);
    p = w.profile();
    for (const s of p.sites) {
      assert.deepEqual([...s.liveBlocks], [0, 0, 0], `site ${s.id}`);
      assert.deepEqual([...s.liveBytes], [0, 0, 0], `site ${s.id}`);
    }
    assert.equal(sum(p.sites, 'allocs', 2), 51, 'the batch\'s bottom entry and the 50 scratch blocks');
    assert.deepEqual(p.top(0), [], 'no live bytes: no hot site');
    w.destroy();
  });

  test('rate 100 over 200,000 allocations: the samples are within statistical bounds', async () => {
    const N = 100, n = 200000;
    const w = await Walloc.create({ capacity: 16 * MiB, profile: N, ...quiet });
    for (let i = 0; i < n; i++) w.free(w.allocate(32 + (i & 7) * 8));
    const kept = [];
    for (let i = 0; i < 1000; i++) kept.push(w.allocate(64));
    const p = w.profile();
    const samples = sum(p.sites, 'allocs', 2);
    // Gaps uniform in [1, 2N-1]: mean N, variance (N^2 - N)/3; a renewal count over n has
    // sd = sqrt(n * var / N^3) = 25.8 here. +-5 % of n/N (2000 +- 100) is 3.9 sd.
    const expected = (n + 1000) / N;
    assert.ok(Math.abs(samples - expected) <= 0.05 * expected, `${samples} samples, expected ${expected} +- 5 %`);
    assert.ok(samples > 0 && samples < n / 10, 'sampled, not every allocation');
    // The kept blocks: about 1000 / N of them are live samples, never more than were kept.
    const live = sum(p.sites, 'liveBlocks', 2);
    assert.ok(live <= 1000 && live >= 1, `${live} live samples of 1000 kept blocks`);
    assert.equal(p.rate, N, 'the rate to scale by');
    w.destroy();
  });

  function everyHundredth(w) { return w.allocate(4096); }
  function theRest(w) { return w.allocate(32); }

  test('rate 100 on a loop of period 100: random gaps do not alias', async () => {
    // One allocation in 100 comes from everyHundredth. With a fixed gap of 100 every sample
    // would fall on the same phase of the loop (all of them there, or none); with gaps drawn
    // from [1, 199] about 1 % of the ~2000 samples are there: 20, +-4.5 sd.
    const w = await Walloc.create({ capacity: 16 * MiB, profile: 100, ...quiet });
    for (let i = 0; i < 200000; i++) w.free(i % 100 === 0 ? everyHundredth(w) : theRest(w));
    const p = w.profile();
    const rare = figures(p, 'everyHundredth', 'allocs')[2], common = figures(p, 'theRest', 'allocs')[2];
    assert.ok(rare >= 5 && rare <= 60, `${rare} samples of everyHundredth (expected about 20), ${common} of theRest`);
    assert.ok(Math.abs(rare + common - 2000) <= 100, `${rare + common} samples in all`);
    w.destroy();
  });

  test('an allocation that fails is no sample that stays live', async () => {
    const w = await Walloc.create({ capacity: MiB, profile: 1, ...quiet });
    assert.equal(w.allocate(4 * MiB, 'top'), Walloc.NULL);
    assert.deepEqual(w.profile().sites.map((s) => [...s.liveBlocks]).flat().filter((x) => x > 0), []);
    w.destroy();
  });

  test('profileDepth cuts the frames; a different caller is a different site', async () => {
    const w = await Walloc.create({ capacity: MiB, profile: 1, profileDepth: 1, ...quiet });
    function outerA() { return inner(); }
    function outerB() { return inner(); }
    function inner() { return w.allocate(8); }
    outerA(); outerB();
    let p = w.profile();
    assert.equal(p.sites.length, 1, 'depth 1: only inner is seen, one site');
    assert.equal(p.sites[0].frames.length, 1);
    assert.match(p.sites[0].frames[0], /^inner /);
    w.destroy();
    const w2 = await Walloc.create({ capacity: MiB, profile: 1, profileDepth: 2, ...quiet });
    const alloc2 = () => w2.allocate(8);
    function viaA() { return alloc2(); }
    function viaB() { return alloc2(); }
    viaA(); viaB(); viaB();
    p = w2.profile();
    assert.equal(p.sites.length, 2);
    assert.deepEqual(p.sites.map((s) => s.allocs[2]).sort(), [1, 2]);
    assert.ok(p.sites.some((s) => s.frames.length === 2 && /^viaB /.test(s.frames[1])));
    w2.destroy();
  });

  test('the deepest path into the allocator (registerBytes -> allocate) still keeps profileDepth frames of the caller', async () => {
    const w = await Walloc.create({ capacity: MiB, profile: 1, profileDepth: 3, ...quiet });
    const reg = new AssetRegistry(w);
    function level1() { return level2(); }
    function level2() { return level3(); }
    function level3() { return reg.registerBytes(new Uint8Array(64), 'bottom', { path: 'copy.bin' }); }
    level1();
    const [site] = w.profile().sites;
    assert.deepEqual(site.frames.map((f) => f.split(' ')[0]), ['level3', 'level2', 'level1']);
    w.destroy();
  });
});

describe('reset and compact', () => {
  function topLoader(w) { return w.allocate(1000, 'top'); }
  function bottomScratch(w) { return w.allocate(100, 'bottom'); }
  function middleLow(w) { return w.allocate(16384, 'middle'); }
  function middleHigh(w) { return w.allocate(16384, 'middle'); }

  test('resetTier clears the sites of that tier only', async () => {
    const w = await Walloc.create({ capacity: 8 * MiB, profile: 1, ...quiet });
    for (let i = 0; i < 4; i++) { topLoader(w); bottomScratch(w); }
    w.resetTier('bottom');
    const p = w.profile();
    assert.deepEqual([...siteOf(p, 'bottomScratch')[0].liveBlocks], [0, 0, 0]);
    assert.deepEqual([...siteOf(p, 'bottomScratch')[0].allocs], [0, 0, 4], 'allocations stay counted');
    assert.deepEqual([...siteOf(p, 'topLoader')[0].liveBlocks], [4, 0, 0], 'another tier is untouched');
    assertSitesAddUp(w, p);
    w.destroy();
  });

  test('fastCompactTier clears the sites of blocks above keep, keeps those below', async () => {
    const w = await Walloc.create({ capacity: 8 * MiB, profile: 1, ...quiet });
    assert.equal(w.tierStats('middle').bumpHead, 0, 'the tier is empty: its first block is at its start');
    // Large blocks (above the 8 KiB classes) are cut from the head in order: 16 KiB each.
    const low = [], high = [];
    for (let i = 0; i < 2; i++) low.push(middleLow(w));
    assert.equal(low[1], low[0] + 16384);
    for (let i = 0; i < 3; i++) high.push(middleHigh(w));
    assert.ok(high.every((h) => h >= low[1] + 16384));
    topLoader(w);
    w.fastCompactTier('middle', 2 * 16384);
    const p = w.profile();
    assert.deepEqual(figures(p, 'middleLow', 'liveBlocks'), [0, 2, 0], 'below keep: still live');
    assert.deepEqual(figures(p, 'middleLow', 'liveBytes'), [0, 2 * 16384, 0]);
    assert.deepEqual(figures(p, 'middleHigh', 'liveBlocks'), [0, 0, 0], 'above keep: released');
    assert.deepEqual(figures(p, 'middleHigh', 'allocs'), [0, 3, 0], 'allocations stay counted');
    assert.deepEqual([...siteOf(p, 'topLoader')[0].liveBlocks], [1, 0, 0], 'another tier is untouched');
    assertSitesAddUp(w, p);
    w.destroy();
  });
});

describe('leak report', () => {
  function leakyTextureCache(w) { return w.allocate(4096, 'top'); }

  test('destroy names the site of a block left live (onLeak)', async () => {
    const reports = [];
    const w = await Walloc.create({ capacity: 4 * MiB, profile: 1, onLeak: (r) => reports.push(r) });
    leakyTextureCache(w);
    w.free(w.allocate(64)); // freed: not reported
    w.destroy();
    assert.equal(reports.length, 1);
    const [r] = reports;
    assert.equal(r.sites.length, 1, 'only the site with live blocks');
    assert.match(r.sites[0].frames[0], /^leakyTextureCache /);
    assert.deepEqual([...r.sites[0].liveBlocks], [1, 0, 0]);
    assert.equal(r.liveBlocks, 1);
    assert.equal(r.liveBytes, 4096);
    assert.equal(r.rate, 1);
    assert.match(r.text, /1 sampled block\(s\) still live, 4096 bytes/);
    assert.match(r.text, /at leakyTextureCache \(.*profile\.test\.mjs:\d+:\d+\)/);
  });

  test('by default the report is a console.warn; none when nothing is live', async () => {
    const warnings = [];
    const warn = console.warn;
    console.warn = (s) => warnings.push(s);
    try {
      const w = await Walloc.create({ capacity: 4 * MiB, profile: 1 });
      leakyTextureCache(w);
      w.destroy();
      const clean = await Walloc.create({ capacity: 4 * MiB, profile: 1 });
      clean.free(leakyTextureCache(clean));
      clean.destroy();
    } finally {
      console.warn = warn;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^Walloc: destroyed with 1 sampled block/);
    assert.match(warnings[0], /leakyTextureCache/);
  });

  test('an onLeak that throws does not stop destroy', async () => {
    const w = await Walloc.create({ capacity: 4 * MiB, profile: 1, onLeak: () => { throw new Error('listener'); } });
    leakyTextureCache(w);
    // The callback's exception is thrown again from a microtask, as walloc.mjs does with every
    // listener's: the test runner's own handlers step aside while it lands.
    const runner = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    try {
      const thrown = new Promise((resolve) => process.once('uncaughtException', resolve));
      w.destroy();
      assert.equal(w.alive, false, 'destroyed before the callback ran');
      assert.equal((await thrown).message, 'listener');
    } finally {
      for (const l of runner) process.on('uncaughtException', l);
    }
  });

  test('at rate > 1 the report scales its estimate', async () => {
    const reports = [];
    const w = await Walloc.create({ capacity: 16 * MiB, profile: 3, onLeak: (r) => reports.push(r) });
    for (let i = 0; i < 300; i++) leakyTextureCache(w);
    w.destroy();
    assert.equal(reports.length, 1);
    const r = reports[0];
    assert.ok(r.liveBlocks > 0 && r.liveBlocks < 300, `${r.liveBlocks} of 300 sampled`);
    assert.match(r.text, new RegExp(`sampled one in 3: about ${r.liveBytes * 3} bytes`));
  });
});

describe('site table', () => {
  test('overflow: samples beyond profileSites go to SITE_OTHER and are counted', async () => {
    // Depth 1: a site is the arrow function's line, whoever calls it.
    const w = await Walloc.create({ capacity: 4 * MiB, profile: 1, profileSites: 4, profileDepth: 1, ...quiet });
    const at = [ // ten call sites: one line each
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
      () => w.allocate(16),
    ];
    const hs = at.map((f) => f());
    const p = w.profile();
    assert.equal(p.maxSites, 4);
    assert.equal(p.overflowSamples, 6);
    assert.equal(p.sites.length, 5, 'four sites and the other entry');
    const other = p.sites.at(-1);
    assert.equal(other.id, Walloc.SITE_OTHER);
    assert.deepEqual([...other.frames], ['(other sites: table full)']);
    assert.deepEqual([...other.allocs], [0, 0, 6]);
    assert.deepEqual([...other.liveBlocks], [0, 0, 6]);
    assert.deepEqual(p.sites.slice(0, 4).map((s) => s.id), [1, 2, 3, 4]);
    assertSitesAddUp(w, p);
    // A site already in the table still counts there, not at the other entry. (Called as
    // map called it: V8 names an anonymous function in a frame after its receiver, and
    // at[0]() would print "Array.<anonymous>", another frame text.)
    const first = at[0];
    first();
    assert.equal(w.profile().sites[0].allocs[2], 2);
    assert.equal(w.profile().overflowSamples, 6);
    for (const h of hs) w.free(h);
    assert.deepEqual([...w.profile().sites.at(-1).liveBlocks], [0, 0, 0]);
    w.destroy();
  });

  test('the JavaScript table is bounded like the core\'s: sites beyond it share one id', () => {
    const s = new Sampler({ rate: 1, sites: 2, depth: 8 }, []);
    assert.deepEqual(['a', 'b', 'c', 'd', 'a'].map((p) => s.assetSite(p)), [1, 2, 3, 3, 1]);
    assert.deepEqual([...s.framesOf(2)], ['asset:b']);
    assert.equal(s.framesOf(3), OTHER_FRAMES, 'the id past the table is no site of its own');
    assert.equal(s.framesOf(Walloc.SITE_OTHER), OTHER_FRAMES);
  });

  test('top(tier, n): the sites with the most live bytes in the tier, most first', async () => {
    const w = await Walloc.create({ capacity: 8 * MiB, profile: 1, ...quiet });
    const fns = [ // seven sites: one line each
      () => w.allocate(100, 'middle'),
      () => w.allocate(5000, 'middle'),
      () => w.allocate(300, 'middle'),
      () => w.allocate(9000, 'middle'),
      () => w.allocate(700, 'middle'),
      () => w.allocate(2000, 'middle'),
      () => w.allocate(50, 'middle'),
    ];
    for (const f of fns) f();
    w.allocate(1 << 20, 'top');
    const p = w.profile();
    const top = p.top('middle');
    assert.equal(top.length, 5, 'five by default');
    assert.deepEqual(top.map((s) => s.liveBytes[1]), [...top.map((s) => s.liveBytes[1])].sort((a, b) => b - a));
    assert.ok(top[0].liveBytes[1] >= 9000);
    assert.equal(p.sites.length, 8);
    assert.equal(p.top(1, 2).length, 2);
    assert.equal(p.top(0).length, 1);
    assert.deepEqual(p.top('bottom'), []);
    assert.throws(() => p.top(3), RangeError);
    assert.throws(() => p.top(0, -1), RangeError);
    w.destroy();
  });
});

describe('asset loads', () => {
  test('a loaded asset is sampled at asset:<path>; its eviction clears the site', async () => {
    const srv = await startServer();
    try {
      const reports = [];
      const w = await Walloc.create({ capacity: 32 * MiB, profile: 1, onLeak: (r) => reports.push(r) });
      const reg = new AssetRegistry(w, { baseUrl: `${srv.url}assets/` });
      const [tex, mesh] = [MANIFEST.find((a) => a.type === 'texture'), MANIFEST.find((a) => a.type === 'mesh')];
      await reg.loadAll([{ path: tex.path, type: 'texture' }, { path: mesh.path, type: 'mesh' }]);
      let p = w.profile();
      const site = (path) => p.sites.find((s) => s.frames.length === 1 && s.frames[0] === `asset:${path}`);
      assert.ok(site(tex.path), `a site for ${tex.path}: ${JSON.stringify(p.sites.map((s) => s.frames))}`);
      assert.equal(site(tex.path).liveBytes[0], w.exports.wjs_block_size(w.instanceAddress, 0, tex.size));
      assert.equal(site(mesh.path).liveBlocks[0], 1);
      assert.deepEqual(p.top('top').map((s) => s.frames[0]).sort(), [`asset:${mesh.path}`, `asset:${tex.path}`].sort());
      assertSitesAddUp(w, p);
      reg.evict(tex.path);
      p = w.profile();
      assert.equal(site(tex.path).liveBlocks[0], 0);
      assert.equal(site(mesh.path).liveBlocks[0], 1);
      w.destroy();
      assert.deepEqual(reports.map((r) => r.sites.map((x) => x.frames[0])), [[`asset:${mesh.path}`]], 'the asset never evicted is the leak');
    } finally {
      await srv.close();
    }
  });
});
