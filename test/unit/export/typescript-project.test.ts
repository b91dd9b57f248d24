// The exported TypeScript project (app/export/typescript.ts, node/typescript-project.ts): train.ts
// has a section per node with every parameter and its meaning, and compiles with tsc against the
// vendored lib/ (odd node ids and custom code included); lib/ is exactly what train.ts needs;
// package.json pins the app's versions; the folder is new or empty or nothing is written.
// (test/integration/export-typescript.test.ts runs the projects against the app.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../../app/compile/compile.ts';
import { importSpecifiers, normalizePath, packageName } from '../../../app/export/imports.ts';
import { ExportError, exportTypeScriptProject } from '../../../app/export/node/typescript-project.ts';
import { quote } from '../../../app/export/typescript.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { serializeGraph } from '../../../app/graph/serialize.ts';
import { catalog } from '../../../nodes/catalog.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ebm.json')).sort();

function example(file: string): GraphDocument {
  const { document } = parseGraph(readFileSync(join(root, 'examples', file), 'utf8'));
  assert.ok(document);
  return document;
}

const fresh = () => join(mkdtempSync(join(tmpdir(), 'ebm-export-unit-')), 'project');

/** Every file under dir, relative, `/`-separated. */
const listFiles = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1).split('\\').join('/'))
    .sort();

/** How train.ts writes a parameter value. */
function literal(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return String(v);
}

/** gaussian-ml with node ids that are no JavaScript identifiers, or are taken, and a custom energy. */
function oddIds(): GraphDocument {
  const doc = example('gaussian-ml.ebm.json');
  const rename: Record<string, string> = { data: '3d data', energy: 'class', sampler: 'langevin-2', objective: 'tf', optimizer: 'energyCustomNode', trainer: 'runs' };
  for (const n of doc.nodes) n.id = rename[n.id] ?? n.id;
  for (const e of doc.edges) {
    e.source.node = rename[e.source.node] ?? e.source.node;
    e.target.node = rename[e.target.node] ?? e.target.node;
  }
  const energy = doc.nodes.find((n) => n.id === 'class')!;
  Object.assign(energy, {
    type: 'energy.custom',
    params: {
      inputDim: 2,
      code: "export const params = { mean: { shape: ['d'], init: 'zeros', readout: true } };\r\n// `quoted` ${x} \\ 'single'\nexport function energy(x: Tensor2D, p: Params): Tensor1D {\n  return tf.mul(0.5, tf.sum(tf.square(tf.sub(x, p.mean)), 1));\n}\n",
    },
  });
  return doc;
}

test('train.ts: for every example, a commented section per node that builds it with every parameter written out', async () => {
  for (const file of examples) {
    const doc = example(file);
    const { plan } = compile(doc, catalog);
    assert.ok(plan);
    const dir = fresh();
    await exportTypeScriptProject(doc, dir);
    const train = readFileSync(join(dir, 'train.ts'), 'utf8');
    assert.ok(train.startsWith(`// ${doc.metadata.title}\n`), `${file}: the title first`);
    assert.match(train, new RegExp(`^const SEED = ${doc.seed};$`, 'm'), `${file}: the seed`);
    const sections = train.split(/^\/\/ --- /m);
    for (const node of plan.nodes) {
      const section = sections.find((s) => s.includes(`  context(${quote(node.id)}),\n`));
      assert.ok(section, `${file}: a section builds ${node.id}`);
      assert.ok(section.startsWith(`${node.name === node.def.title ? '' : `${node.name} · `}${node.def.title} · ${node.def.type} ---`), `${file}: ${node.id}'s heading`);
      const lines = section.split('\n');
      for (const [name, spec] of Object.entries(node.def.params)) {
        const value = spec.kind === 'code' ? null : literal(node.params[name]);
        const i = lines.findIndex((l) => (value === null ? l.startsWith(`    ${name}: `) : l.startsWith(`    ${name}: ${value},`)));
        assert.ok(i >= 0, `${file}: ${node.id}.${name} = ${value}`);
        // After the value, or in the comment lines just above it.
        let first = i;
        while (lines[first - 1]!.startsWith('    // ')) first--;
        const meaning = lines[i]!.includes(` // ${spec.title}`) || (first < i && lines[first]!.startsWith(`    // ${spec.title}`));
        assert.ok(meaning, `${file}: ${node.id}.${name} has its meaning beside it`);
      }
    }
    for (const id of plan.trainers) assert.match(train, new RegExp(`name: ${quote(plan.nodes.find((n) => n.id === id)!.name)}`), `${file}: trainer ${id} runs`);
  }
});

test('train.ts and lib/ compile with tsc, for a three-trainer example and for odd node ids with custom code; the code survives as written', async () => {
  const odd = oddIds();
  assert.ok(compile(odd, catalog).plan, 'the odd graph compiles');
  for (const doc of [example('8gaussians-compare.ebm.json'), odd]) {
    const dir = fresh();
    await exportTypeScriptProject(doc, dir);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc on the project of ${doc.metadata.title}:\n${tsc.stdout}${tsc.stderr}`);
    if (doc !== odd) continue;
    const train = readFileSync(join(dir, 'train.ts'), 'utf8');
    const code = /^const (\w+Code) = (`[\s\S]*?[^\\]`);$/m.exec(train);
    assert.ok(code, 'the code is a template literal constant');
    assert.equal(new Function(`return ${code[2]};`)(), odd.nodes.find((n) => n.id === 'class')!.params.code, 'the literal holds the code exactly');
    assert.match(train, new RegExp(`code: ${code[1]}, // Code: the code above`));
    assert.match(train, /^await lockdownRealm\(\);$/m, 'the realm is locked down for custom code');
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /per-call time limit/);
  }
});

test('lib/ holds exactly the files train.ts reaches: every import resolves inside the project, and every file is imported', async () => {
  const dir = fresh();
  const { files } = await exportTypeScriptProject(example('gaussian-ml.ebm.json'), dir);
  assert.deepEqual(listFiles(dir), files, 'the files reported are the files written');
  const lib = files.filter((f) => f.startsWith('lib/'));
  const imported = new Set<string>();
  for (const f of ['train.ts', ...lib])
    for (const spec of importSpecifiers(readFileSync(join(dir, f), 'utf8'), f))
      if (spec.startsWith('.')) {
        const target = normalizePath(`${dirname(f)}/${spec}`)!;
        assert.ok(files.includes(target), `${f} imports ${spec}, which is in the project`);
        imported.add(target);
      }
  assert.deepEqual(lib.filter((f) => !imported.has(f)), [], 'no file nothing imports');
  for (const f of lib) assert.equal(readFileSync(join(dir, f), 'utf8'), readFileSync(join(root, f.slice(4)), 'utf8'), `${f} is our file, unchanged`);
  // gaussian-ml's node types and nothing else's.
  assert.ok(lib.includes('lib/nodes/energy-gaussian/node.ts') && lib.includes('lib/nodes/sampler-langevin/node.ts'));
  for (const f of ['lib/nodes/energy-mlp/node.ts', 'lib/nodes/energy-custom/node.ts', 'lib/app/runtime/node/lockdown.ts', 'lib/app/runtime/train.ts', 'lib/nodes/catalog.ts'])
    assert.ok(!lib.includes(f), `${f} is not needed`);
  assert.ok(!lib.some((f) => /^lib\/(renderer|main)\//.test(f)));
  assert.equal(readFileSync(join(dir, 'graph.ebm.json'), 'utf8'), serializeGraph(example('gaussian-ml.ebm.json')));
});

test("package.json: the app's installed versions of what the files import, tfjs-node optional, tsx to start", async () => {
  const dir = fresh();
  await exportTypeScriptProject(example('moons-cd.ebm.json'), dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> & { start?: string }> & { type: string };
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.scripts!.start, 'tsx train.ts');
  assert.deepEqual(pkg.optionalDependencies, ours.optionalDependencies);
  const installed = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) assert.equal(version, installed(name), `${name} pinned to the installed version`);
  assert.ok(pkg.dependencies!.tsx && pkg.devDependencies!.typescript);
  const imported = new Set<string>();
  for (const f of listFiles(dir).filter((f) => f.endsWith('.ts')))
    for (const spec of importSpecifiers(readFileSync(join(dir, f), 'utf8'), f)) if (!spec.startsWith('.') && !spec.startsWith('node:')) imported.add(packageName(spec));
  assert.deepEqual([...imported].sort(), Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((n) => n !== 'tsx').sort(), 'a dependency for every package imported, and no other');
});

test('the folder must be new or empty: a non-empty folder or a file is refused and left as it was', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ebm-export-unit-'));
  const full = join(parent, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'notes.txt'), 'mine');
  await assert.rejects(exportTypeScriptProject(example('gaussian-ml.ebm.json'), full), (e) => e instanceof ExportError && /exists and is not empty.*nothing was overwritten/.test(e.message));
  assert.deepEqual(readdirSync(full), ['notes.txt']);
  assert.equal(readFileSync(join(full, 'notes.txt'), 'utf8'), 'mine');
  const file = join(parent, 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(exportTypeScriptProject(example('gaussian-ml.ebm.json'), file), /is a file, not a folder/);
  const empty = join(parent, 'empty');
  mkdirSync(empty);
  const { files } = await exportTypeScriptProject(example('gaussian-ml.ebm.json'), empty);
  assert.deepEqual(listFiles(empty), files);
  const nested = join(parent, 'a', 'b', 'c');
  await exportTypeScriptProject(example('gaussian-ml.ebm.json'), nested);
  assert.ok(existsSync(join(nested, 'train.ts')));
  assert.deepEqual(readdirSync(parent).sort(), ['a', 'a-file', 'empty', 'full'], 'no temporary folder left behind');
});

test('a graph with errors is refused with its diagnostics, and nothing is written; warnings become notes', async () => {
  const broken = example('gaussian-ml.ebm.json');
  broken.nodes = broken.nodes.filter((n) => n.type !== 'trainer.loop');
  const dir = fresh();
  await assert.rejects(exportTypeScriptProject(broken, dir), (e) => e instanceof ExportError && /cannot be exported/.test(e.message) && /NO_TRAINER/.test(e.message));
  assert.ok(!existsSync(dir));
  const extra = example('gaussian-ml.ebm.json');
  extra.nodes.push({ id: 'spare', type: 'energy.mlp', typeVersion: 1, label: 'Spare', position: { x: 0, y: 0 }, params: {} });
  const { notes } = await exportTypeScriptProject(extra, fresh());
  assert.ok(notes.some((n) => /NODE_UNUSED/.test(n) && /spare/.test(n) && /not in train\.ts/.test(n)), notes.join('\n'));
});

test('train.ts: a bad flag exits 2 with the usage, a non-empty --out exits 1, before any training', async () => {
  const dir = fresh();
  await exportTypeScriptProject(example('gaussian-ml.ebm.json'), dir);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const full = mkdtempSync(join(tmpdir(), 'ebm-export-unit-'));
  writeFileSync(join(full, 'keep.txt'), 'mine');
  const cases: [string[], number, RegExp][] = [
    [['--backend', 'gpu'], 2, /--backend gpu: not a backend\nusage: npm start -- \[--steps N\] \[--backend auto\|tensorflow\|wasm\|cpu\] \[--out DIR\]/],
    [['--steps', '0'], 2, /--steps takes a whole number ≥ 1, got "0"/],
    [['--fast'], 2, /Unknown option '--fast'[\s\S]*usage:/],
    [['--backend', 'cpu', '--out', full], 1, /exists and is not empty/],
  ];
  for (const [argv, status, message] of cases) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'train.ts', ...argv], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, status, `${argv.join(' ')}:\n${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  }
  assert.deepEqual(readdirSync(full), ['keep.txt']);
});
