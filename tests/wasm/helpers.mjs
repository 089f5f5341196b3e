// Shared helpers of the WebAssembly tests.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { patternBytes, seedOf } from '../../wasm-emscripten/demo/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const WASM_DIR = path.join(ROOT, 'wasm-emscripten');
export const DIST = path.join(WASM_DIR, 'dist');

if (!existsSync(path.join(DIST, 'walloc.wasm'))) {
  throw new Error(`${path.join(DIST, 'walloc.wasm')} is missing: run wasm-emscripten/build.sh (or scripts/test-wasm.sh)`);
}

export const { Walloc, BlockView, WallocError, DestroyedError, Status } =
  await import(path.join(WASM_DIR, 'walloc.mjs'));
export const { AssetRegistry, AssetLoadError } = await import(path.join(WASM_DIR, 'assets.mjs'));
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

/** bytes of linear memory of a raw instance for the test's own arrays and structs: fresh pages
 *  grown from JavaScript (the core's growth takes the pages after them). */
export function rawScratch(x, bytes) {
  return x.memory.grow(Math.ceil(bytes / 65536)) * 65536;
}

/** A raw instance of walloc-diag.wasm (walloc.wasm's core with checked mode and profiles): the
 *  C API exports with BigInt handles, for the scenarios. */
export async function rawModule(simd = true) {
  const module = await Walloc.compile({ simd, checked: true });
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'function') (imports[imp.module] ??= {})[imp.name] = () => {};
  }
  const inst = await WebAssembly.instantiate(module, imports);
  inst.exports._initialize?.();
  return inst.exports;
}

/**
 * An HTTP server on 127.0.0.1 whose responses the test drives step by step, so a test decides
 * exactly where a load is when it calls something else. `await srv.next(pathname)` waits for the
 * next request of that path and returns a call: `head(length?)` sends the headers (with
 * Content-Length when length is a number), `chunk(n)` sends the next n bytes of the pattern
 * patternBytes(seed, ...) for that path, `end()` ends the body, `cut()` drops the connection;
 * `redirect(status, location)` answers with a redirect; `closed` resolves when the response is
 * over for either side. `srv.requests` lists every
 * request's URL (also refused ones would show up here).
 */
export function startControlServer() {
  return new Promise((resolve, reject) => {
    const requests = [];
    const arrived = new Map(); // pathname -> calls not yet taken
    const waiting = new Map(); // pathname -> resolvers
    const server = http.createServer((req, res) => {
      requests.push(req.url);
      const pathname = new URL(req.url, 'http://127.0.0.1').pathname;
      const call = controlCall(pathname, res);
      const w = waiting.get(pathname);
      if (w?.length) w.shift()(call);
      else (arrived.get(pathname) ?? arrived.set(pathname, []).get(pathname)).push(call);
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      resolve({
        url, requests,
        next(pathname) {
          const q = arrived.get(pathname);
          if (q?.length) return Promise.resolve(q.shift());
          return new Promise((r) => (waiting.get(pathname) ?? waiting.set(pathname, []).get(pathname)).push(r));
        },
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

function controlCall(pathname, res) {
  const seed = seedOf(pathname.slice(1));
  let sent = 0;
  res.on('error', () => {});
  const open = () => !res.destroyed && !res.writableEnded;
  const closed = new Promise((r) => res.on('close', r));
  return {
    seed, closed,
    get sent() { return sent; },
    head(length) {
      const h = { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' };
      if (typeof length === 'number') h['Content-Length'] = String(length);
      if (open()) { res.writeHead(200, h); res.flushHeaders(); }
    },
    chunk(n) {
      if (open()) res.write(patternBytes(seed, n, sent));
      sent += n;
    },
    end() { if (open()) res.end(); },
    redirect(status, location) { if (open()) { res.writeHead(status, { Location: location }); res.end(); } },
    cut() { res.destroy(); },
  };
}

/** Resolves once cond() is true, checking after every macrotask turn (no fixed delays); throws
 *  after 20 s, which only a hang reaches (the tests using it take milliseconds). */
export async function until(cond, what = 'condition') {
  const deadline = Date.now() + 20000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
