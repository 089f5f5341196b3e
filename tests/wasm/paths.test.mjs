// Asset paths stay under the base URL (issue 15, item 7): every path that could leave it is
// refused with a RangeError before any request, by load and by loadAll (which then
// starts none of its entries); the server sees no request for them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Walloc, AssetRegistry, AssetLoadError, startServer, startControlServer, patternBytes, seedOf } from './helpers.mjs';

let srv;
const requests = [];
before(async () => { srv = await startServer({ onRequest: (req) => requests.push(req.url) }); });
after(async () => { await srv.close(); });

const REFUSED = [
  // the examples
  '../x', '%2e%2e/x', '/x', 'http://evil.example/x', '//evil.example/x',
  // dot segments, plain and escaped, anywhere
  '..', './x', '.', 'a/..', 'a/../../x', 'a/./x', 'a/b/../../../x', '%2E%2E/x', '.%2e/x', '%2e./x',
  '%2e/x', 'a/%2e%2e/%2e%2e/x', 'a/..?q', '..#f',
  // schemes and hosts
  'https://evil.example/x', 'HTTP://evil.example/x', 'https:evil.example/x', 'file:///etc/passwd',
  'javascript:alert(1)', 'data:,x', 'blob:http://evil.example/x', 'c:/x', 'mailto:x', '///evil.example/x',
  // backslashes (URL parsers read them as /), escaped separators, control characters
  '..\\x', 'a\\..\\..\\x', '\\\\evil.example\\x', '/\\evil.example/x', '%2f%2fevil.example/x',
  'a%2f..%2f..%2fx', '..%5cx', 'a%5c..%5cx', 'a\nb', 'a\tb', 'a\rb', '\u0000x', 'x\u007f', '%00x', '%0a/x',
  // leading spaces are stripped by URL parsers: ' /x' would be the absolute path /x
  ' /x', ' //evil.example/x', '\u000c/x',
  // no file at all: the base itself with a query or fragment
  '?size=1', '#f',
];

const ACCEPTED = ['x.bin', 'a/b/c.bin', 'x.bin?size=3', 'x.bin?size=4#frag', '...', 'a/..b/c.', 'my%20file.bin', 'été.bin',
  'x.bin?next=../../y&size=5', 'a/b:c.bin'];

describe('paths that leave the base URL', () => {
  test('load refuses each with a RangeError naming the path, and sends no request', async () => {
    const w = await Walloc.create({ capacity: 8 * 1024 * 1024 });
    const reg = new AssetRegistry(w, { baseUrl: `${srv.url}assets/` });
    const before = requests.length;
    for (const p of REFUSED) {
      const err = await reg.load(p, 'binary').then(() => null, (e) => e);
      assert.ok(err instanceof RangeError, `${JSON.stringify(p)}: ${err}`);
      assert.ok(err.message.includes(JSON.stringify(p)), `the message names the path: ${err.message}`);
      assert.equal(reg.get(p), undefined);
    }
    assert.deepEqual(requests.slice(before), [], 'the server saw no request');
    assert.equal(w.liveBlocks, 0);
    assert.equal(reg.loading, 0);
    w.destroy();
  });

  test('loadAll refuses a batch with one such path before starting any entry', async () => {
    const w = await Walloc.create({ capacity: 8 * 1024 * 1024 });
    const reg = new AssetRegistry(w, { baseUrl: `${srv.url}assets/` });
    const before = requests.length;
    for (const p of ['../x', '%2e%2e/x', 'http://evil.example/x']) {
      const err = await reg.loadAll(['ok1.bin?size=10', { path: p }, 'ok2.bin?size=10']).then(() => null, (e) => e);
      assert.ok(err instanceof RangeError, `${err}`);
      assert.match(err.message, /entry 1/);
    }
    assert.deepEqual(requests.slice(before), []);
    assert.equal(reg.list().length, 0);
    w.destroy();
  });

  test('plain relative paths load from under the base URL, with their query', async () => {
    const w = await Walloc.create({ capacity: 8 * 1024 * 1024 });
    const reg = new AssetRegistry(w, { baseUrl: `${srv.url}assets/` });
    for (const p of ACCEPTED) {
      const rec = await reg.load(p.includes('?') ? p : `${p}?size=5`, 'binary');
      assert.equal(rec.size, p.includes('size=3') ? 3 : p.includes('size=4') ? 4 : 5, p);
      const path = new URL(requests.at(-1), srv.url).pathname;
      assert.ok(path.startsWith('/assets/'), `${p} was requested as ${requests.at(-1)}`);
      assert.deepEqual(w.read(rec.handle), patternBytes(seedOf(decodeURIComponent(path.slice('/assets/'.length))), rec.size));
    }
    w.destroy();
  });

  test('another origin on purpose: set the base URL to it', async () => {
    const other = await startServer();
    try {
      const w = await Walloc.create({ capacity: 8 * 1024 * 1024 });
      const reg = new AssetRegistry(w, { baseUrl: `${srv.url}assets/` });
      await assert.rejects(reg.load(`${other.url}assets/x.bin?size=8`), RangeError);
      reg.setBaseUrl(`${other.url}assets/`);
      const rec = await reg.load('x.bin?size=8');
      assert.equal(rec.size, 8);
      w.destroy();
    } finally {
      await other.close();
    }
  });

  test('setBaseUrl takes an absolute http(s) URL without query or fragment', async () => {
    const w = await Walloc.create({ capacity: 1024 * 1024 });
    const reg = new AssetRegistry(w);
    await assert.rejects(reg.load('x.bin'), /no base URL/);
    for (const bad of ['ftp://example.com/', 'file:///tmp/', 'data:,x', 'javascript:x', `${srv.url}assets/?q=1`, `${srv.url}assets/#f`]) {
      assert.throws(() => reg.setBaseUrl(bad), RangeError, bad);
    }
    assert.throws(() => reg.setBaseUrl('not a url'), TypeError);
    assert.throws(() => reg.setBaseUrl(5), TypeError);
    assert.throws(() => new AssetRegistry(w, { baseUrl: 'ftp://example.com/' }), RangeError);
    reg.setBaseUrl(`${srv.url}assets`);
    assert.equal(reg.baseUrl, `${srv.url}assets/`, 'a missing trailing / is added');
    w.destroy();
  });
});

test('a path registered without loading resolves at once, whatever its form', async () => {
  const w = await Walloc.create({ capacity: 1024 * 1024 });
  const reg = new AssetRegistry(w);
  const rec = reg.registerBytes(new Uint8Array(8), 'bottom');
  assert.match(rec.path, /^memory:/);
  assert.equal(await reg.load(rec.path), rec, 'no base URL needed, no request');
  reg.setBaseUrl(`${srv.url}assets/`);
  const before = requests.length;
  assert.deepEqual(await reg.loadAll([rec.path]), [rec]);
  assert.equal(requests.length, before);
  w.destroy();
});

test('a redirect is not followed: the load fails and the other server sees no request', async () => {
  const ctl = await startControlServer();
  const other = [];
  const elsewhere = await startServer({ onRequest: (req) => other.push(req.url) });
  try {
    const w = await Walloc.create({ capacity: 1024 * 1024 });
    const reg = new AssetRegistry(w, { baseUrl: `${ctl.url}assets/` });
    for (const status of [301, 302, 303, 307, 308]) {
      const p = reg.load(`r${status}.bin`).then(() => null, (e) => e);
      (await ctl.next(`/assets/r${status}.bin`)).redirect(status, `${elsewhere.url}assets/x.bin?size=8`);
      const err = await p;
      assert.ok(err instanceof AssetLoadError, `${status}: ${err}`);
      assert.match(err.message, /redirect/);
      assert.equal(err.status, status);
    }
    assert.deepEqual(other, [], 'the redirect target saw no request');
    assert.equal(reg.list().length, 0);
    assert.equal(w.liveBlocks, 0);
    w.destroy();
  } finally {
    await ctl.close();
    await elsewhere.close();
  }
});
