// walloc.d.ts type-checks with and without the DOM library and @types/node (issue 15 item 13):
// tsc compiles tests/wasm/types/*.ts, which use the whole API and expect errors for misuse,
// against the package as users import it ('walloc', through package.json's "types").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WASM_DIR, ROOT } from './helpers.mjs';

const TSC = path.join(WASM_DIR, 'node_modules/typescript/bin/tsc');
const TYPES = path.join(ROOT, 'tests/wasm/types');

const CONFIGS = [
  { name: 'ES2022 + @types/node (no DOM)', lib: ['es2022'], types: ['node'], files: ['usage.ts', 'usage-node.ts'] },
  { name: 'ES2022 + DOM + @types/node', lib: ['es2022', 'dom'], types: ['node'], files: ['usage.ts', 'usage-node.ts', 'usage-dom.ts'] },
  { name: 'ES2022 + DOM, no @types', lib: ['es2022', 'dom'], types: [], files: ['usage.ts', 'usage-dom.ts'] },
  { name: 'ES2022 alone, no @types', lib: ['es2022'], types: [], files: ['usage.ts'] },
];

for (const c of CONFIGS) {
  test(`walloc.d.ts compiles: ${c.name}`, { timeout: 60000 }, async () => {
    assert.ok(existsSync(TSC), `${TSC} is missing: npm ci in wasm-emscripten/ (scripts/test-wasm.sh does)`);
    const dir = mkdtempSync(path.join(tmpdir(), 'walloc-types-'));
    try {
      const config = {
        compilerOptions: {
          strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
          lib: c.lib, types: c.types, typeRoots: [path.join(WASM_DIR, 'node_modules/@types')],
          paths: { walloc: [WASM_DIR] }, skipLibCheck: false, skipDefaultLibCheck: true,
        },
        files: c.files.map((f) => path.join(TYPES, f)),
      };
      const file = path.join(dir, 'tsconfig.json');
      writeFileSync(file, JSON.stringify(config, null, 2));
      const out = await new Promise((resolve) => {
        execFile(process.execPath, [TSC, '-p', file], { cwd: dir }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, text: stdout + stderr }));
      });
      assert.equal(out.code, 0, `tsc reported:\n${out.text}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
