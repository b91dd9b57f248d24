// The catalog: one explicit list, every node folder listed, definitions complete and consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_TYPES, catalog, createCatalog } from '../../../nodes/catalog.ts';
import { CATEGORIES, PORT_TYPES } from '../../../nodes/define.ts';
import { checkParam } from '../../../nodes/params.ts';

test('every node folder is listed in the catalog, and every listed type lives in a folder', async () => {
  const folders = readdirSync('nodes', { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared')
    .map((d) => d.name);
  assert.ok(folders.length >= 11);
  for (const folder of folders) {
    assert.ok(existsSync(join('nodes', folder, 'node.ts')), `nodes/${folder} has no node.ts`);
    const mod = (await import(`../../../nodes/${folder}/node.ts`)) as Record<string, unknown>;
    const defs = Object.values(mod).filter((v) => NODE_TYPES.includes(v as never));
    assert.ok(defs.length >= 1, `nodes/${folder}/node.ts defines no node type listed in nodes/catalog.ts`);
  }
});

test('a duplicate node type throws', () => {
  assert.throws(() => createCatalog([NODE_TYPES[0]!, NODE_TYPES[0]!]), /duplicate node type/);
});

test('the first node types of the core are all there', () => {
  for (const type of ['data.toy2d', 'data.gaussian', 'energy.mlp', 'energy.gaussian', 'sampler.langevin', 'objective.ml', 'optimizer.adam', 'optimizer.sgd', 'trainer.loop', 'monitor.training', 'monitor.density2d'])
    assert.ok(catalog.get(type), `${type} is missing`);
});

for (const def of NODE_TYPES) {
  test(`${def.type}: a complete definition whose defaults are valid`, () => {
    assert.match(def.type, /^[a-z0-9]+\.[a-z][a-zA-Z0-9]*$/);
    assert.ok(CATEGORIES.includes(def.category));
    assert.ok(Number.isInteger(def.version) && def.version >= 1);
    assert.ok(def.title.length > 0 && def.doc.length >= 60, 'a title and a paragraph of docs');
    for (const port of [...Object.values(def.inputs), ...Object.values(def.outputs)]) assert.ok(port.type in PORT_TYPES && port.title);
    for (const [name, spec] of Object.entries(def.params)) {
      assert.ok(spec.title && spec.doc.length > 10, `${name} has a title and docs`);
      assert.equal(checkParam(spec, spec.default), null, `${name}'s default is within its own range`);
      if (spec.visibleWhen) assert.ok(spec.visibleWhen.param in def.params, `${name}.visibleWhen names a real parameter`);
    }
  });
}
