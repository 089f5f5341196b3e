// Under @types/node (no DOM library): URL and AbortSignal are Node's.
import { Walloc } from 'walloc';
import { AssetRegistry } from 'walloc/assets';
import { readFile } from 'node:fs/promises';

export async function node(w: Walloc): Promise<number> {
  const w2 = await Walloc.create({ wasmBytes: await readFile('walloc.wasm') });
  const reg = new AssetRegistry(w2, { baseUrl: new URL('http://127.0.0.1:8080/assets/') });
  reg.setBaseUrl(new URL('http://127.0.0.1:8080/other/'));
  const rec = await reg.load('x.bin', 'binary', { signal: AbortSignal.timeout(1000) });
  return rec.size;
}
