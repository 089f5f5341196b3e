// The platform types resolve to the DOM library's where it is present.
import { Walloc } from 'walloc';
import { AssetRegistry } from 'walloc/assets';

export async function dom(w: Walloc): Promise<number> {
  const mod: WebAssembly.Module = await Walloc.compile();
  const mem: WebAssembly.Memory = w.memory;
  const w2 = await Walloc.create({ module: mod, wasmUrl: new URL('./walloc.wasm', location.href) });
  const reg = new AssetRegistry(w2, { baseUrl: new URL('/assets/', location.href) });
  reg.setBaseUrl(new URL('https://cdn.example.com/assets/'));
  const rec = await reg.load('x.bin', 'binary', { signal: new AbortController().signal });
  return mem.buffer.byteLength + rec.size;
}
