// lib/module.mjs - finding, fetching and compiling the .wasm module (browsers: fetch with
// streaming compile; Node: the file from disk), and the imports a standalone module needs.

import { describe, toBytes } from './checks.mjs';

// A minimal module using a v128 constant: validates only where SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);

let simdCache;
/** True when this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  if (simdCache === undefined) {
    try { simdCache = WebAssembly.validate(SIMD_PROBE); } catch { simdCache = false; }
  }
  return simdCache;
}

const moduleCache = new Map(); // URL -> Promise<WebAssembly.Module>

async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Walloc: cannot fetch ${url.href}: HTTP ${res.status}`);
  return res;
}

async function compileFrom(url) {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const res = await fetchOk(url);
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(res.clone());
    } catch (e) {
      // Served with the wrong MIME type: compile from bytes instead.
      if (!(e instanceof TypeError)) throw e;
    }
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

/** The file in dist/ for these options (see Walloc.moduleFile). */
export function moduleFile(options = {}) {
  // Shared mode: the threads build (SIMD128 too: every engine with wasm threads has it).
  if (options.shared === true) return 'walloc-mt.wasm';
  let simd = options.simd ?? 'auto';
  if (simd === 'auto') simd = simdSupported();
  return `walloc${options.checked || options.profile ? '-diag' : ''}${simd ? '' : '-nosimd'}.wasm`;
}

/** Compiles (and caches, per URL) the module these options name (see Walloc.compile). */
export async function compileModule(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError(`Walloc.compile: options must be an object, got ${describe(options)}`);
  if (options.module instanceof WebAssembly.Module) return options.module;
  if (options.wasmBytes !== undefined) return WebAssembly.compile(toBytes('wasmBytes', options.wasmBytes));
  const here = new URL('../', import.meta.url); // the package's directory, walloc.mjs's
  const url = new URL(options.wasmUrl !== undefined ? String(options.wasmUrl) : `dist/${moduleFile(options)}`, here);
  let p = moduleCache.get(url.href);
  if (!p) {
    p = compileFrom(url);
    moduleCache.set(url.href, p);
    p.catch(() => moduleCache.delete(url.href));
  }
  return p;
}

/** The imports of a standalone module: its memory-growth notice does nothing, and any other
 *  function import throws when called. */
export function importsFor(module) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    const ns = (imports[imp.module] ??= {});
    if (imp.name === 'emscripten_notify_memory_growth') ns[imp.name] = () => {};
    else ns[imp.name] = () => { throw new Error(`Walloc: unexpected call to import ${imp.module}.${imp.name}`); };
  }
  return imports;
}
