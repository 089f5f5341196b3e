// threshold.mjs - a focused measurement of walloc_memcpy's inline path against memory.copy
// around the crossover, interleaved and repeated (noise on a shared 2-core machine is high):
// walloc-bench-t1073741824.wasm (inline only) vs walloc-bench-t1.wasm (memory.copy only).
//   node bench/wasm/threshold.mjs            (Node and headless Chromium)
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

// Runs in Node and in the page: returns {size: {inline, memoryCopy}} as the minimum over rounds
// of the median of 5 timings.
async function sweep(load) {
  const SIZES = [128, 192, 256, 320, 384, 448, 512, 640, 768, 1024];
  const inst = async (name) => {
    const m = await load(name);
    const x = (await WebAssembly.instantiate(m, {})).exports;
    x._initialize?.();
    const buf = x.wb_buffer() >>> 0;
    new Uint8Array(x.memory.buffer, buf, 2 * 65536).fill(7);
    return { x, src: buf, dst: buf + 65536 + 64 };
  };
  const v = { inline: await inst('walloc-bench-t1073741824.wasm'), memoryCopy: await inst('walloc-bench-t1.wasm') };
  const time = ({ x, src, dst }, size, n) => { const t = performance.now(); x.wb_copy(n, size, dst, src); return ((performance.now() - t) * 1e6) / n; };
  const out = {};
  for (const s of SIZES) out[s] = { inline: Infinity, memoryCopy: Infinity };
  for (let round = 0; round < 6; round++) {
    for (const s of SIZES) {
      for (const k of ['inline', 'memoryCopy']) {
        const n = 200000;
        time(v[k], s, 5000);
        const r = [];
        for (let i = 0; i < 5; i++) r.push(time(v[k], s, n));
        r.sort((a, b) => a - b);
        out[s][k] = Math.min(out[s][k], r[2]);
      }
    }
  }
  return out;
}

const node = await sweep(async (name) => WebAssembly.compile(await readFile(path.join(here, 'out', name))));

const require = createRequire(path.join(root, 'wasm-emscripten/package.json'));
const { chromium } = require('playwright-core');
const server = http.createServer(async (req, res) => {
  const p = new URL(req.url, 'http://x').pathname;
  const h = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  if (p.startsWith('/out/') && p.endsWith('.wasm')) {
    try { const b = await readFile(path.join(here, p)); res.writeHead(200, { ...h, 'Content-Type': 'application/wasm' }); res.end(b); return; } catch { /* 404 */ }
  }
  if (p === '/') { res.writeHead(200, { ...h, 'Content-Type': 'text/html' }); res.end('<!doctype html>'); return; }
  res.writeHead(404); res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', chromiumSandbox: false,
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
const chrome = await page.evaluate(`(${sweep.toString()})((name) => WebAssembly.compileStreaming(fetch('/out/' + name)))`);
await browser.close();
server.close();

console.log('| size | Node inline | Node memory.copy | Chromium inline | Chromium memory.copy |');
console.log('|---:|---:|---:|---:|---:|');
for (const s of Object.keys(node)) {
  const f = (x) => x.toFixed(2);
  console.log(`| ${s} | ${f(node[s].inline)} | ${f(node[s].memoryCopy)} | ${f(chrome[s].inline)} | ${f(chrome[s].memoryCopy)} |`);
}
