// walloc.d.ts type-checks with and without the DOM library and @types/node (issue 15 item 13):
// tsc compiles tests/wasm/types/*.ts, which use the whole API and expect errors for misuse,
// against the package as users import it ('walloc', through package.json's "types"). One
// `tsc -b` process builds the four settings (it parses the libraries once); its output is split
// per setting.
import { test, before, after } from 'node:test';
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

let dir, build;
before(async () => {
  assert.ok(existsSync(TSC), `${TSC} is missing: npm ci in wasm-emscripten/ (scripts/test-wasm.sh does)`);
  dir = mkdtempSync(path.join(tmpdir(), 'walloc-types-'));
  const projects = CONFIGS.map((c, i) => {
    const file = path.join(dir, `tsconfig.${i}.json`);
    writeFileSync(file, JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
        lib: c.lib, types: c.types, typeRoots: [path.join(WASM_DIR, 'node_modules/@types')],
        paths: { walloc: [WASM_DIR], 'walloc/shared': [path.join(WASM_DIR, 'walloc-shared.d.ts')], 'walloc/assets': [path.join(WASM_DIR, 'assets.d.ts')] }, skipLibCheck: false, skipDefaultLibCheck: true,
      },
      files: c.files.map((f) => path.join(TYPES, f)),
    }, null, 2));
    return file;
  });
  const out = await new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-b', '--verbose', '--pretty', 'false', ...projects], { cwd: dir },
      (err, stdout, stderr) => resolve(stdout + stderr));
  });
  // "Building project '<file>'..." starts each project's section of the output.
  build = new Map(projects.map((p) => [p, undefined]));
  const parts = out.split(/^.*Building project '(.*)'\.\.\.$/m);
  for (let i = 1; i < parts.length; i += 2) build.set(parts[i], parts[i + 1].split(/^.*Project '.*' is /m)[0].trim());
});

after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

CONFIGS.forEach((c, i) => {
  test(`walloc.d.ts compiles: ${c.name}`, () => {
    const report = build.get(path.join(dir, `tsconfig.${i}.json`));
    assert.notEqual(report, undefined, 'tsc built this setting');
    assert.equal(report, '', `tsc reported:\n${report}`);
  });
});
