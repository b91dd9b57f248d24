// The import graph an export vendors (app/export/imports.ts): every kind of import is seen (type-only
// ones too, which sucrase alone would drop), text that only looks like an import is not, the walk
// finds exactly the files the entries need, and the catalog's node modules are the modules that
// define its node types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogModules, importSpecifiers, moduleClosure, normalizePath, packageName } from '../../../app/export/imports.ts';
import { catalog } from '../../../nodes/catalog.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readOurs = (path: string) => readFileSync(join(root, path), 'utf8');

test('importSpecifiers: value, type-only, inline-type, re-export and dynamic imports; not strings or comments', () => {
  const source = [
    "import * as tf from '@tensorflow/tfjs-core';",
    "import type { A } from './a.ts';",
    "import type B from './b.ts';",
    "import type * as C from './c.ts';",
    "import { type D } from './d.ts';",
    "import { type E, F } from './e.ts';",
    "export type { G } from './g.ts';",
    "export { H } from './h.ts';",
    "export * from './i.ts';",
    "import './j.ts';",
    "export type Local = { import: string };",
    "const k = await import('ses' as string);",
    "const text = `import x from './not-a-module.ts'`;",
    "// import y from './not-either.ts';",
    "const s = \"export * from './nor-this.ts'\";",
    'export function f(a: A, b: B): void { void a; void b; void k; void text; void s; void tf; }',
  ].join('\n');
  assert.deepEqual(importSpecifiers(source).sort(), ['./a.ts', './b.ts', './c.ts', './d.ts', './e.ts', './g.ts', './h.ts', './i.ts', './j.ts', '@tensorflow/tfjs-core', 'ses'].sort());
});

test('importSpecifiers: a computed dynamic import and unreadable code are errors naming the file', () => {
  assert.throws(() => importSpecifiers("const m = 'x'; await import(m);", 'lib/x.ts'), /lib\/x\.ts imports a module whose name is computed/);
  assert.throws(() => importSpecifiers('import {', 'lib/y.ts'), /lib\/y\.ts could not be read for its imports/);
});

test('moduleClosure: exactly the files reachable from the entries, with the packages they import', () => {
  const files: Record<string, string> = {
    'app/main.ts': "import { b } from './lib/b.ts';\nimport type { T } from '../types/t.ts';\nexport const x: T = b;",
    'app/lib/b.ts': "import { z } from 'zod';\nimport { c } from './c.ts';\nexport const b = c + String(z);",
    'app/lib/c.ts': "import { readFileSync } from 'node:fs';\nexport const c = typeof readFileSync;",
    'types/t.ts': "export type T = string;",
    'app/unused.ts': "import { b } from './lib/b.ts';\nexport const u = b;",
  };
  const read = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error('no such file');
    return text;
  };
  assert.deepEqual(moduleClosure(['app/main.ts'], read), { files: ['app/lib/b.ts', 'app/lib/c.ts', 'app/main.ts', 'types/t.ts'], bare: ['node:fs', 'zod'] });
  files['app/lib/c.ts'] = "import { gone } from './gone.ts';\nexport const c = gone;";
  assert.throws(() => moduleClosure(['app/main.ts'], read), /app\/lib\/gone\.ts \(imported by app\/lib\/c\.ts\) could not be read/);
  files['app/lib/c.ts'] = "import { up } from '../../../up.ts';\nexport const c = up;";
  assert.throws(() => moduleClosure(['app/main.ts'], read), /app\/lib\/c\.ts imports \.\.\/\.\.\/\.\.\/up\.ts, which lies outside the source tree/);
});

test('normalizePath and packageName', () => {
  assert.equal(normalizePath('nodes/energy-mlp/../shared/./init.ts'), 'nodes/shared/init.ts');
  assert.equal(normalizePath('../x.ts'), null);
  assert.equal(packageName('@tensorflow/tfjs-core/dist/base'), '@tensorflow/tfjs-core');
  assert.equal(packageName('tsx/esm/api'), 'tsx');
  assert.equal(packageName('zod'), 'zod');
});

test('catalogModules: each node type of the catalog, in order, is the named export of the module found for it', async () => {
  const modules = catalogModules(readOurs('nodes/catalog.ts'));
  assert.equal(modules.length, catalog.types.length);
  for (const [i, def] of catalog.types.entries()) {
    const { exportName, path } = modules[i]!;
    assert.match(path, /^nodes\/[a-z0-9-]+\/node\.ts$/);
    const mod = (await import(join(root, path))) as Record<string, unknown>;
    assert.equal(mod[exportName], def, `${def.type}: ${path} exports it as ${exportName}`);
  }
});

test("the app's own modules: a node's closure holds its shared helpers and no UI, host or other node code", () => {
  const { files, bare } = moduleClosure(['nodes/energy-mlp/node.ts', 'app/runtime/node/run-folder.ts'], readOurs);
  for (const f of ['nodes/energy-mlp/node.ts', 'nodes/shared/activations.ts', 'nodes/shared/init.ts', 'nodes/define.ts', 'app/runtime/rng.ts', 'app/plot/node/png.ts'])
    assert.ok(files.includes(f), `${f} is needed`);
  for (const f of files) {
    assert.doesNotMatch(f, /^(renderer|main|test|bench|scripts)\//, `${f} is not core code`);
    assert.doesNotMatch(f, /^app\/(cli|api|compile|export)\//, `${f}: the export does not need it`);
    assert.doesNotMatch(f, /^nodes\/(?!energy-mlp\/|shared\/|define\.ts|params\.ts)/, `${f}: another node type's code`);
  }
  assert.ok(!bare.some((b) => /electron|react|monaco/.test(b)), `no UI packages: ${bare.join(', ')}`);
});
