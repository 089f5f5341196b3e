// lib/config.mjs - an instance's configuration (capacity, tier ratios, memory limit), checked in
// one place for both faces. The JavaScript side checks types and what only it knows (linear
// memory is at most 4 GiB); the values themselves (capacity's minimum, each ratio in (0, 1], their
// sum, a page per tier) are the core's to judge: walloc_config_validate, through
// wjs_config_validate.

import { describe, checkObject, MAX_MEMORY, WASM_PAGE } from './checks.mjs';
import { statusText } from './status.mjs';

const DEFAULT_CAPACITY = 256 * 1024 * 1024;
const DEFAULT_RATIOS = Object.freeze([0.5, 0.3, 0.2]);
// A shared memory reserves its maximum up front: shared mode defaults to 1 GiB.
const SHARED_MAX_MEMORY = 1024 * 1024 * 1024;
// Options that belong to the assets module now (AssetRegistry), refused with a pointer there.
const ASSET_OPTIONS = ['baseUrl', 'concurrency', 'typeTiers'];

/** Walloc.create's options with capacity, ratios and maximumMemory filled in and type-checked. */
export function createOptions(options) {
  checkObject('Walloc.create: options', options);
  for (const k of ASSET_OPTIONS) {
    if (options[k] !== undefined) throw new TypeError(`Walloc.create: ${k} is an option of the assets module: new AssetRegistry(walloc, { ${k} }) ('walloc/assets')`);
  }
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  if (typeof capacity !== 'number') throw new TypeError(`Walloc.create: capacity must be a number, got ${describe(capacity)}`);
  if (!Number.isInteger(capacity) || capacity < 0 || capacity >= MAX_MEMORY) {
    throw new RangeError(`Walloc.create: capacity must be an integer below 4 GiB, got ${describe(capacity)}`);
  }
  const ratios = options.ratios ?? DEFAULT_RATIOS;
  if (!Array.isArray(ratios) || ratios.length !== 3) throw new TypeError(`Walloc.create: ratios must be an array of 3 numbers [top, middle, bottom], got ${describe(ratios)}`);
  for (const r of ratios) {
    if (typeof r !== 'number') throw new TypeError(`Walloc.create: ratios must be numbers, got ${describe(r)}`);
  }
  const maximumMemory = options.maximumMemory ?? (options.shared === true ? SHARED_MAX_MEMORY : MAX_MEMORY);
  if (typeof maximumMemory !== 'number') throw new TypeError(`Walloc.create: maximumMemory must be a number, got ${describe(maximumMemory)}`);
  if (!Number.isInteger(maximumMemory) || maximumMemory < WASM_PAGE || maximumMemory > MAX_MEMORY) {
    throw new RangeError(`Walloc.create: maximumMemory must be an integer in [64 KiB, 4 GiB], got ${describe(maximumMemory)}`);
  }
  const simd = options.simd ?? 'auto';
  if (simd !== 'auto' && typeof simd !== 'boolean') throw new TypeError(`Walloc.create: simd must be 'auto', true or false`);
  if (options.shared !== undefined && typeof options.shared !== 'boolean') throw new TypeError(`Walloc.create: shared must be true or false, got ${describe(options.shared)}`);
  return { ...options, capacity, ratios: [...ratios], maximumMemory };
}

/** Asks the core (exports x) whether it takes this configuration; RangeError with the core's
 *  text when it does not. */
export function validateConfig(x, { capacity, ratios }, checked, profileSites) {
  const st = x.wjs_config_validate(capacity, ratios[0], ratios[1], ratios[2], checked ? 1 : 0, profileSites);
  if (st !== 0) {
    throw Object.assign(new RangeError(`Walloc.create: ${statusText(st)} (capacity ${capacity}, ratios ${ratios.join('/')})`), { status: st });
  }
}
