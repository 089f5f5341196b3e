// server.mjs - the local server of the Walloc WebAssembly demo, also used by the tests.
//
//   node wasm-emscripten/demo/server.mjs [--port 8080]      then open http://127.0.0.1:8080/
// (builds dist/*.wasm first when they are missing; workers mode needs dist/walloc-mt.wasm too)
//
// Serves wasm-emscripten/ (the module, the .wasm files, the demo page) on 127.0.0.1 only, with
// .wasm as application/wasm and cross-origin isolation headers on every response (precise
// performance.now(); SharedArrayBuffer and shared memory for workers mode, Worker scripts included).
// Assets are generated, so they need no files and their bytes can be checked:
//   /assets/manifest.json          the demo's asset list
//   /assets/<name>?size=N          N bytes of the pattern for <name> (see patternByte)
// Fault routes for the tests: /fault/404, /fault/500, /fault/truncated?size=N (declares N bytes,
// sends half, closes), /fault/slow?size=N&ms=T (one chunk every T ms), /fault/nolength?size=N
// (no Content-Length), /fault/long?size=N (sends more bytes than declared is impossible in HTTP/1.1,
// so this declares N and sends N: kept as a plain control).
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..');

const MIME = {
  '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ts': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8',
};

/** Seed of an asset name (FNV-1a, 8 bits). */
export function seedOf(name) {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) { h ^= name.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h & 0xFF;
}

/** Byte i of the asset pattern with a seed (the scenario files' pattern). */
export function patternByte(seed, i) { return (seed * 13 + i * 7 + (i >> 8)) & 0xFF; }

export function patternBytes(seed, len, start = 0) {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = patternByte(seed, start + i);
  return out;
}

/** The demo's assets: name, type (decides the tier) and size. */
export const MANIFEST = [
  { path: 'textures/terrain_albedo.ktx2', type: 'texture', size: 1536 * 1024 },
  { path: 'textures/terrain_normal.ktx2', type: 'texture', size: 1024 * 1024 },
  { path: 'textures/sky_cube.ktx2', type: 'texture', size: 2048 * 1024 },
  { path: 'textures/ui_atlas.png', type: 'image', size: 512 * 1024 },
  { path: 'meshes/castle.glb', type: 'mesh', size: 1280 * 1024 },
  { path: 'meshes/tree_lod0.glb', type: 'mesh', size: 384 * 1024 },
  { path: 'meshes/rock_set.glb', type: 'mesh', size: 256 * 1024 },
  { path: 'scenes/level1.json', type: 'scene', size: 96 * 1024 },
  { path: 'scenes/navmesh.bin', type: 'scene', size: 640 * 1024 },
  { path: 'audio/ambience.ogg', type: 'audio', size: 768 * 1024 },
  { path: 'audio/footsteps.ogg', type: 'audio', size: 128 * 1024 },
  { path: 'fonts/inter.woff2', type: 'font', size: 112 * 1024 },
  { path: 'temp/particles_frame.bin', type: 'temp', size: 192 * 1024 },
  { path: 'temp/culling_scratch.bin', type: 'scratch', size: 320 * 1024 },
  { path: 'temp/decode_buffer.bin', type: 'temp', size: 448 * 1024 },
];

const CHUNK = 64 * 1024;

function headers(type, extra = {}) {
  return {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...extra,
  };
}

function sendPattern(res, name, size, { declared = size, send = size, delayMs = 0, noLength = false } = {}) {
  const seed = seedOf(name);
  const h = headers('application/octet-stream');
  if (!noLength) h['Content-Length'] = String(declared);
  res.writeHead(200, h);
  let off = 0;
  const step = () => {
    if (res.destroyed) return;
    if (off >= send) {
      if (send < declared) res.destroy(); else res.end();
      return;
    }
    const n = Math.min(CHUNK, send - off);
    const ok = res.write(patternBytes(seed, n, off));
    off += n;
    if (delayMs > 0) setTimeout(step, delayMs);
    else if (ok) setImmediate(step);
    else res.once('drain', step);
  };
  step();
}

async function serveFile(res, rel) {
  const file = path.resolve(ROOT, '.' + rel);
  if (!file.startsWith(ROOT + path.sep)) { res.writeHead(403, headers('text/plain')); res.end('forbidden'); return; }
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    res.writeHead(200, headers(MIME[path.extname(file)] ?? 'application/octet-stream', { 'Content-Length': String(body.length) }));
    res.end(body);
  } catch {
    res.writeHead(404, headers('text/plain; charset=utf-8'));
    res.end(`not found: ${rel}`);
  }
}

function sizeParam(url, dflt) {
  const s = Number(url.searchParams.get('size') ?? dflt);
  return Number.isInteger(s) && s >= 0 && s <= 256 * 1024 * 1024 ? s : dflt;
}

export function handler(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const p = decodeURIComponent(url.pathname);
  if (p === '/' || p === '/demo') { res.writeHead(302, { Location: '/demo/' }); res.end(); return; }
  if (p === '/assets/manifest.json') {
    const body = JSON.stringify({ assets: MANIFEST.map((a) => ({ ...a, seed: seedOf(a.path) })) });
    res.writeHead(200, headers('application/json', { 'Content-Length': String(Buffer.byteLength(body)) }));
    res.end(body);
    return;
  }
  if (p.startsWith('/assets/')) {
    const name = p.slice('/assets/'.length);
    const known = MANIFEST.find((a) => a.path === name);
    const size = sizeParam(url, known ? known.size : -1);
    if (size < 0) { res.writeHead(404, headers('text/plain')); res.end(`no asset ${name}`); return; }
    sendPattern(res, name, size);
    return;
  }
  if (p.startsWith('/fault/')) {
    const kind = p.slice('/fault/'.length).split('/')[0];
    const size = sizeParam(url, 4096);
    const name = p.slice(1);
    switch (kind) {
      case '404': res.writeHead(404, headers('text/plain')); res.end('not here'); return;
      case '500': res.writeHead(500, headers('text/plain')); res.end('server broke'); return;
      case 'truncated': sendPattern(res, name, size, { send: Math.floor(size / 2) }); return;
      case 'slow': sendPattern(res, name, size, { delayMs: Number(url.searchParams.get('ms') ?? 50) }); return;
      case 'nolength': sendPattern(res, name, size, { noLength: true }); return;
      case 'ok': sendPattern(res, name, size); return;
      default: res.writeHead(404, headers('text/plain')); res.end('unknown fault'); return;
    }
  }
  if (p.endsWith('/')) { serveFile(res, p + 'index.html'); return; }
  serveFile(res, p);
}

/** Starts the server on 127.0.0.1 (port 0 = any free port). Resolves to {server, port, url, stats, close};
 *  stats counts requests and the most served at once (maxActive). */
export function startServer({ port = 0, host = '127.0.0.1', onRequest } = {}) {
  return new Promise((resolve, reject) => {
    const stats = { requests: 0, active: 0, maxActive: 0 };
    const server = http.createServer((req, res) => {
      stats.requests++;
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      res.on('close', () => { stats.active--; });
      onRequest?.(req);
      handler(req, res);
    });
    server.keepAliveTimeout = 1000;
    server.on('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolve({
        server, port: actual, url: `http://${host}:${actual}/`, stats,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { existsSync } = await import('node:fs');
  if (!['walloc', 'walloc-nosimd', 'walloc-diag', 'walloc-diag-nosimd', 'walloc-mt'].every((m) => existsSync(path.join(ROOT, `dist/${m}.wasm`)))) {
    console.log('building dist/walloc.wasm (wasm-emscripten/build.sh) ...');
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(path.join(ROOT, 'build.sh'), { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) { console.error('build failed: run scripts/install-deps.sh wasm first'); process.exit(1); }
  }
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
  const { url } = await startServer({ port });
  console.log(`Walloc demo: ${url}demo/  (Ctrl-C to stop)`);
}
