// The JavaScript face against the facts and the policy written once for every face:
//   - tests/scenarios/faces/asset_types.json: an asset type's default tier (the assets module's
//     table, exactly), the tier of a type the table does not name (through a real load), and
//     where allocate() without a tier goes;
//   - the core's status text (walloc_status_str): the face says each status as the core does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Walloc, AssetRegistry, Status, ROOT, WASM_DIR, startServer, rawModule } from './helpers.mjs';

const policy = JSON.parse(await readFile(path.join(ROOT, 'tests/scenarios/faces/asset_types.json'), 'utf8'));
const TIER = { top: 0, middle: 1, bottom: 2 };
const MiB = 1024 * 1024;
let srv;

before(async () => { srv = await startServer(); });
after(async () => { await srv.close(); });

test('asset_types.json: the default type table is exactly the policy', () => {
  const want = Object.fromEntries(Object.entries(policy.types).map(([type, tier]) => [type, TIER[tier]]));
  assert.deepEqual({ ...AssetRegistry.DEFAULT_TYPE_TIERS }, want, 'same types, same tiers, none more');
  assert.equal(AssetRegistry.UNKNOWN_TYPE_TIER, TIER[policy.unknown_type]);
});

test('asset_types.json: a registry places each type, and an unknown one, as the policy says', async () => {
  const w = await Walloc.create({ capacity: 16 * MiB });
  const reg = new AssetRegistry(w, { baseUrl: srv.url });
  for (const [type, tier] of Object.entries(policy.types)) assert.equal(reg.tierForType(type), TIER[tier], type);
  for (const type of ['no-such-type', 'constructor', '__proto__', 'TEXTURE']) {
    assert.equal(reg.tierForType(type), TIER[policy.unknown_type], type);
  }
  // A real load of a type the table does not name, and one of a named type.
  const unknown = await reg.load('assets/policy/unknown.bin?size=300', 'hologram');
  assert.equal(unknown.tier, TIER[policy.unknown_type]);
  assert.equal(w.blockInfo(unknown.handle).tier, TIER[policy.unknown_type], 'its block is in that tier');
  const binary = await reg.load('assets/policy/binary.bin?size=300');
  assert.equal(binary.type, 'binary', 'a load without a type is binary');
  assert.equal(binary.tier, TIER[policy.types.binary]);
  w.destroy();
});

test('asset_types.json: allocate() without a tier', async () => {
  const w = await Walloc.create({ capacity: MiB });
  const h = w.allocate(100);
  assert.equal(w.blockInfo(h).tier, TIER[policy.allocate_default]);
  const [b] = w.allocateBatch([100]);
  assert.equal(w.blockInfo(b).tier, TIER[policy.allocate_default], 'a batch entry without a tier too');
  w.destroy();
});

test('status text: every status reads as the core says it (walloc_status_str)', async () => {
  (await Walloc.create({ capacity: MiB })).destroy(); // the face reads the text at its first instance
  const { statusText, statusError } = await import(path.join(WASM_DIR, 'lib/status.mjs'));
  const x = await rawModule();
  const u8 = new Uint8Array(x.memory.buffer);
  const core = (st) => {
    let at = x.walloc_status_str(st) >>> 0, s = '';
    while (u8[at] !== 0) s += String.fromCharCode(u8[at++]);
    return s;
  };
  for (const [name, st] of Object.entries(Status)) {
    assert.equal(statusText(st), core(st), name);
    assert.ok(statusError('call', st).message.endsWith(`: ${core(st)}`), `${name}: an error says the core's text`);
  }
  assert.equal(core(Status.INVALID_CONFIG), 'invalid configuration');
});

test('status text: a configuration the core refuses is refused in its words', async () => {
  // The face checks types; the values are the core's to judge (walloc_config_validate).
  for (const options of [{ capacity: 1000 }, { ratios: [0.6, 0.6, 0.1] }, { ratios: [0, 0.5, 0.5] }]) {
    const e = await Walloc.create(options).then(() => null, (err) => err);
    assert.ok(e instanceof RangeError, JSON.stringify(options));
    assert.match(e.message, /invalid configuration/, JSON.stringify(options));
    assert.equal(e.status, Status.INVALID_CONFIG);
  }
});
