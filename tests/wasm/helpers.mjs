// Shared helpers of the WebAssembly tests.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const WASM_DIR = path.join(ROOT, 'wasm-emscripten');
export const DIST = path.join(WASM_DIR, 'dist');

if (!existsSync(path.join(DIST, 'walloc.wasm'))) {
  throw new Error(`${path.join(DIST, 'walloc.wasm')} is missing: run wasm-emscripten/build.sh (or scripts/test-wasm.sh)`);
}

export const { Walloc, BlockView, AssetLoadError, WallocError, Status } =
  await import(path.join(WASM_DIR, 'walloc.mjs'));
export { startServer, patternBytes, seedOf, MANIFEST } from '../../wasm-emscripten/demo/server.mjs';

/** Deterministic PRNG (xorshift32). */
export function rng(seed = 1) {
  let s = seed >>> 0 || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  next.int = (n) => next() % n;
  return next;
}

export function fillPattern(bytes, seed) {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed * 31 + i * 7 + (i >> 9)) & 0xFF;
  return bytes;
}

export function samePattern(bytes, seed) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((seed * 31 + i * 7 + (i >> 9)) & 0xFF)) return false;
  return true;
}

/** A raw instance of walloc.wasm: the C API exports with BigInt handles, for the scenarios. */
export async function rawModule(simd = true) {
  const module = await Walloc.compile({ simd });
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'function') (imports[imp.module] ??= {})[imp.name] = () => {};
  }
  const inst = await WebAssembly.instantiate(module, imports);
  inst.exports._initialize?.();
  return inst.exports;
}
