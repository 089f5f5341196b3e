// The shared scenarios (tests/scenarios/*.json, format in tests/scenarios/README.md), run
// against the C API exported by walloc.wasm itself (BigInt handles, structs written into linear
// memory), one fresh wasm instance per scenario: the same files as the native suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, rawModule, rawScratch } from './helpers.mjs';

const DIR = path.join(ROOT, 'tests/scenarios');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

const M64 = (1n << 64n) - 1n;
const NULL64 = M64;
const STATUS = ['ok', 'INVALID_ARGUMENT', 'INVALID_TIER', 'INVALID_HANDLE', 'OUT_OF_BOUNDS',
  'OUT_OF_MEMORY', 'DOUBLE_FREE', 'SIZE_MISMATCH', 'NOT_A_BLOCK', 'INVALID_CONFIG', 'INVALID_SIZE'];
const TIERS = { TOP: 0, MIDDLE: 1, BOTTOM: 2 };
const ALIGN = [128, 64, 8];
const STATS = ['capacity', 'committed', 'bump_head', 'peak', 'live_bytes', 'live_blocks', 'free_bytes',
  'wasted_bytes', 'total_allocs', 'total_frees', 'failed_allocs', 'resets'];

class Runner {
  constructor(x, sc) {
    this.x = x;
    this.vars = new Map();
    this.blocks = new Map(); // name -> {h: BigInt, size: BigInt, tier, live}
    this.scratch = rawScratch(x, 1 << 20);
    this.scratchBytes = 1 << 20;
    const cfg = sc.config ?? {};
    this.w = this.create(cfg);
    assert.notEqual(this.w, 0, 'walloc_create failed');
  }
  get dv() { return new DataView(this.x.memory.buffer); }
  get u8() { return new Uint8Array(this.x.memory.buffer); }
  writeConfig(cfg) {
    const at = this.scratch, dv = this.dv;
    dv.setBigUint64(at, this.num(cfg.capacity ?? 4194304), true);
    const r = cfg.ratios ?? [0.5, 0.3, 0.2];
    for (let i = 0; i < 3; i++) dv.setFloat64(at + 8 + 8 * i, r[i], true);
    dv.setInt32(at + 32, (cfg.checked ?? true) ? 1 : 0, true);
    return at;
  }
  create(cfg) { return this.x.walloc_create(this.writeConfig(cfg)) >>> 0; }
  num(v) {
    if (typeof v === 'number') return BigInt.asUintN(64, BigInt(v));
    if (typeof v === 'string') {
      if (v.startsWith('$')) { const x = this.vars.get(v.slice(1)); assert.notEqual(x, undefined, `unknown variable ${v}`); return x; }
      return BigInt.asUintN(64, BigInt(v));
    }
    if (v && typeof v === 'object' && 'var' in v) {
      const base = this.num('$' + v.var);
      const d = BigInt(v.plus ?? 0) - BigInt(v.minus ?? 0);
      return BigInt.asUintN(64, base + d);
    }
    throw new Error(`bad number ${JSON.stringify(v)}`);
  }
  tier(t) { return typeof t === 'string' ? TIERS[t] : t; }
  handle(v) {
    if (typeof v === 'string') { const b = this.blocks.get(v); assert.ok(b, `unknown block ${v}`); return b.h; }
    if (v && typeof v === 'object' && 'raw' in v) return v.raw === 'null' ? NULL64 : this.num(v.raw);
    if (v && typeof v === 'object' && 'handle' in v) {
      return BigInt.asUintN(64, this.handle(v.handle) + BigInt(v.plus ?? 0) - BigInt(v.minus ?? 0));
    }
    throw new Error(`bad handle ${JSON.stringify(v)}`);
  }
  // Makes the scratch area hold at least bytes (+ room for small structs); it may move.
  ensure(bytes) {
    if (bytes + 16384 <= this.scratchBytes) return;
    this.scratchBytes = bytes + 16384;
    this.scratch = rawScratch(this.x, this.scratchBytes);
  }
  data(d) {
    const len = d.len === undefined ? 0 : Number(this.num(d.len));
    if (d.hex !== undefined) return Uint8Array.from(d.hex.match(/../g) ?? [], (x) => parseInt(x, 16));
    if (d.fill !== undefined) return new Uint8Array(len).fill(d.fill);
    if (d.pattern !== undefined) {
      const out = new Uint8Array(len), k = d.start === undefined ? 0 : Number(this.num(d.start));
      for (let i = 0; i < len; i++) { const j = k + i; out[i] = (d.pattern * 13 + j * 7 + (j >> 8)) & 0xFF; }
      return out;
    }
    throw new Error(`bad data ${JSON.stringify(d)}`);
  }
  expectStatus(step, got) {
    const want = step.expect ?? 'ok';
    const list = Array.isArray(want) ? want : [want];
    assert.ok(list.includes(STATUS[got] ?? String(got)), `status ${STATUS[got] ?? got}, expected ${list.join(' or ')}`);
    return got === 0;
  }
  checkAlloc(h, size, tier) {
    assert.notEqual(h, NULL64, 'allocation returned WALLOC_NULL');
    assert.ok(h < 1n << 32n, `handle ${h} beyond wasm32`);
    assert.equal(Number(h) % ALIGN[tier], 0, `handle ${h} misaligned for tier ${tier}`);
    const at = this.scratch;
    assert.equal(this.x.walloc_tier_of(this.w, h, at), 0, 'walloc_tier_of failed');
    assert.equal(this.dv.getInt32(at, true), tier, 'walloc_tier_of gives another tier');
    assert.notEqual(this.x.walloc_ptr(this.w, h) >>> 0, 0, 'walloc_ptr is NULL');
    const end = h + (size > 0n ? size : 1n);
    for (const [name, b] of this.blocks) {
      if (!b.live) continue;
      const bend = b.h + (b.size > 0n ? b.size : 1n);
      assert.ok(end <= b.h || bend <= h, `new block [${h}, ${end}) overlaps ${name} [${b.h}, ${bend})`);
    }
  }
  alloc(tier, size, name) {
    const h = BigInt.asUintN(64, this.x.walloc_alloc(this.w, size, tier));
    if (h !== NULL64) {
      this.checkAlloc(h, size, tier);
      if (name !== undefined) this.blocks.set(name, { h, size, tier, live: true });
    }
    return h;
  }
  leave(h) {
    for (const b of this.blocks.values()) if (b.h === h && b.live) b.live = false;
  }
  run(step) {
    const x = this.x, w = this.w;
    switch (step.op) {
      case 'set': this.vars.set(step.var, this.num(step.value)); return;
      case 'alloc': {
        const tier = this.tier(step.tier), size = this.num(step.size);
        const h = BigInt.asUintN(64, x.walloc_alloc(w, size, tier));
        if ((step.expect ?? 'ok') === 'null') { assert.equal(h, NULL64, `expected WALLOC_NULL, got ${h}`); return; }
        this.checkAlloc(h, size, tier);
        if (step.as !== undefined) this.blocks.set(step.as, { h, size, tier, live: true });
        return;
      }
      case 'alloc_batch': {
        const n = step.blocks.length;
        this.ensure(32 * n);
        const at = this.scratch + 4096;
        const sizesAt = at, tiersAt = at + 8 * n, outAt = at + 12 * n + 8 - ((12 * n) % 8);
        const sizes = step.blocks.map((b) => this.num(b.size)), tiers = step.blocks.map((b) => this.tier(b.tier));
        let dv = this.dv;
        for (let i = 0; i < n; i++) { dv.setBigUint64(sizesAt + 8 * i, sizes[i], true); dv.setInt32(tiersAt + 4 * i, tiers[i], true); }
        const st = x.walloc_alloc_batch(w, sizesAt, tiersAt, n, outAt);
        dv = this.dv;
        const out = Array.from({ length: n }, (_, i) => dv.getBigUint64(outAt + 8 * i, true));
        if (this.expectStatus(step, st)) {
          out.forEach((h, i) => {
            this.checkAlloc(h, sizes[i], tiers[i]);
            if (step.blocks[i].as !== undefined) this.blocks.set(step.blocks[i].as, { h, size: sizes[i], tier: tiers[i], live: true });
          });
        } else {
          for (const h of out) assert.equal(h, NULL64, 'failed batch left a handle');
        }
        return;
      }
      case 'free': {
        const h = this.handle(step.handle);
        const named = typeof step.handle === 'string' ? this.blocks.get(step.handle) : undefined;
        const size = step.size !== undefined ? this.num(step.size) : named.size;
        const st = x.walloc_free(w, h, size);
        if (this.expectStatus(step, st) && named) named.live = false;
        return;
      }
      case 'write': {
        const h = this.handle(step.handle), bytes = this.data(step.data);
        this.ensure(bytes.length);
        const src = this.scratch + 8192;
        this.u8.set(bytes, src);
        this.expectStatus(step, x.walloc_write(w, h, src, BigInt(bytes.length)));
        return;
      }
      case 'read': {
        const h = this.handle(step.handle), len = Number(this.num(step.len));
        this.ensure(len);
        const dst = this.scratch + 8192;
        this.u8.fill(0xEE, dst, dst + len);
        if (this.expectStatus(step, x.walloc_read(w, h, dst, BigInt(len))) && step.expect_bytes) {
          const want = this.data(step.expect_bytes);
          assert.deepEqual(this.u8.slice(dst, dst + len), want, 'bytes read differ');
        }
        return;
      }
      case 'copy':
        this.expectStatus(step, x.walloc_copy(w, this.handle(step.dst), this.handle(step.src), this.num(step.len)));
        return;
      case 'bulk_copy': {
        this.ensure(24 * step.ops.length);
        const at = this.scratch + 4096, dv = this.dv;
        step.ops.forEach((op, i) => {
          dv.setBigUint64(at + 24 * i, this.handle(op.dst), true);
          dv.setBigUint64(at + 24 * i + 8, this.handle(op.src), true);
          dv.setBigUint64(at + 24 * i + 16, this.num(op.len), true);
        });
        const fi = this.scratch + 4000;
        this.dv.setUint32(fi, 0xDEAD, true);
        const st = x.walloc_bulk_copy(w, at, step.ops.length, fi);
        if (!this.expectStatus(step, st) && step.failed_index !== undefined) {
          assert.equal(this.dv.getUint32(fi, true), step.failed_index, 'failed_index');
        }
        return;
      }
      case 'reset': {
        const tier = this.tier(step.tier);
        if (this.expectStatus(step, x.walloc_reset_tier(w, tier))) {
          for (const b of this.blocks.values()) if (b.tier === tier) b.live = false;
        }
        return;
      }
      case 'compact': {
        const tier = this.tier(step.tier);
        if (this.expectStatus(step, x.walloc_compact_tier(w, tier, this.num(step.keep)))) {
          for (const name of step.release ?? []) { const b = this.blocks.get(name); if (b) b.live = false; }
        }
        return;
      }
      case 'stats': {
        const tier = this.tier(step.tier), at = this.scratch;
        const st = x.walloc_tier_stats(w, tier, at);
        const wantSt = step.status ?? 'ok';
        assert.ok((Array.isArray(wantSt) ? wantSt : [wantSt]).includes(STATUS[st]), `stats status ${STATUS[st]}, expected ${wantSt}`);
        if (st !== 0) return;
        const dv = this.dv, s = {};
        STATS.forEach((k, i) => { s[k] = dv.getBigUint64(at + 8 * i, true); });
        s.alignment = BigInt(dv.getUint32(at + 96, true));
        s.max_class_size = BigInt(dv.getUint32(at + 100, true));
        assert.equal(s.live_bytes + s.free_bytes + s.wasted_bytes, s.bump_head, `live + free + wasted == bump_head (${JSON.stringify(s, (k, v) => typeof v === 'bigint' ? Number(v) : v)})`);
        assert.ok(s.bump_head <= s.committed && s.committed <= s.capacity, 'bump_head <= committed <= capacity');
        assert.ok(s.peak >= s.bump_head, 'peak >= bump_head');
        assert.equal(s.alignment, BigInt(x.walloc_tier_alignment(tier)), 'alignment');
        assert.ok(s.total_frees <= s.total_allocs, 'total_frees <= total_allocs');
        assert.ok(s.live_blocks <= s.total_allocs - s.total_frees, 'live_blocks <= allocs - frees');
        for (const [k, v] of Object.entries(step.expect ?? {})) {
          assert.ok(k in s, `unknown stats field ${k}`);
          if (v !== null && typeof v === 'object' && !('var' in v)) {
            if (v.min !== undefined) assert.ok(s[k] >= this.num(v.min), `${k} = ${s[k]} < min ${this.num(v.min)}`);
            if (v.max !== undefined) assert.ok(s[k] <= this.num(v.max), `${k} = ${s[k]} > max ${this.num(v.max)}`);
          } else {
            assert.equal(s[k], this.num(v), `stats ${k}`);
          }
        }
        for (const [name, field] of Object.entries(step.save ?? {})) this.vars.set(name, s[field]);
        return;
      }
      case 'tier_of': {
        const at = this.scratch;
        this.dv.setInt32(at, -7, true);
        if (this.expectStatus(step, x.walloc_tier_of(w, this.handle(step.handle), at)) && step.tier !== undefined) {
          assert.equal(this.dv.getInt32(at, true), this.tier(step.tier), 'tier_of');
        }
        return;
      }
      case 'ptr': {
        const p = x.walloc_ptr(w, this.handle(step.handle)) >>> 0;
        if (step.expect === 'null') assert.equal(p, 0, 'walloc_ptr should be NULL');
        else assert.notEqual(p, 0, 'walloc_ptr should not be NULL');
        return;
      }
      case 'fill': {
        const tier = this.tier(step.tier), size = this.num(step.size), max = Number(this.num(step.max));
        let count = 0;
        while (count < max) {
          const name = `${step.as}${count}`;
          const h = this.alloc(tier, size, name);
          if (h === NULL64) break;
          count++;
        }
        if (step.count !== undefined) {
          if (typeof step.count === 'object' && !('var' in step.count)) {
            if (step.count.min !== undefined) assert.ok(count >= Number(this.num(step.count.min)), `fill count ${count} < min`);
            if (step.count.max !== undefined) assert.ok(count <= Number(this.num(step.count.max)), `fill count ${count} > max`);
          } else assert.equal(BigInt(count), this.num(step.count), 'fill count');
        }
        if (step.save) this.vars.set(step.save, BigInt(count));
        return;
      }
      case 'free_fill': {
        for (const [name, b] of this.blocks) {
          if (!b.live || !name.startsWith(step.as) || !/^\d+$/.test(name.slice(step.as.length))) continue;
          const st = x.walloc_free(w, b.h, b.size);
          this.expectStatus(step, st);
          if (st === 0) b.live = false;
        }
        return;
      }
      case 'validate_config': {
        const st = x.walloc_config_validate(this.writeConfig(step.config));
        this.expectStatus(step, st);
        const inst = this.create(step.config);
        if (st === 0) { assert.notEqual(inst, 0, 'walloc_create failed on a valid config'); }
        else assert.equal(inst, 0, 'walloc_create accepted an invalid config');
        if (inst !== 0) x.walloc_destroy(inst);
        return;
      }
      default: throw new Error(`unknown op ${step.op}`);
    }
  }
}

// Scenarios that fail in WebAssembly because of the core (reported to the lead; each stays in the
// suite as a todo so node --test shows it without failing the run). Remove an entry once fixed.
const KNOWN_WASM_FAILURES = {
  // none at the moment (config_validation and large_coalesce were fixed in the core: 968fddd)
};

for (const file of files) {
  const sc = JSON.parse(readFileSync(path.join(DIR, file), 'utf8'));
  test(`scenario ${file}`, { todo: KNOWN_WASM_FAILURES[file] }, async () => {
    const x = await rawModule(true);
    const r = new Runner(x, sc);
    sc.steps.forEach((step, i) => {
      if (step.native_only) return; // depends on the native layout (README)
      try { r.run(step); } catch (e) {
        e.message = `${file} step ${i} (${step.op})${step.comment ? ` [${step.comment}]` : ''}: ${e.message}`;
        throw e;
      }
    });
    x.walloc_destroy(r.w);
  });
}
