// The PyTorch export (app/export/pytorch.ts): train.py holds a section per node with every
// parameter as a constant the code then uses; what cannot be carried (a Custom energy) is said in
// the notes, the README and train.py; every example's train.py is valid Python (python3 -m
// py_compile, no torch needed); the project is written only into a fresh or empty folder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMAT_VERSION, APP_VERSION, type GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { serializeGraph } from '../../../app/graph/serialize.ts';
import { PYTORCH_NODE_TYPES, pytorchProject } from '../../../app/export/pytorch.ts';
import { exportPyTorchProject } from '../../../app/export/node/pytorch-project.ts';
import { NODE_TYPES, catalog, createCatalog } from '../../../nodes/catalog.ts';
import { defineNode } from '../../../nodes/define.ts';
import { num } from '../../../nodes/params.ts';

const made: string[] = [];
const tempDir = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `ebm-pytorch-${name}-`));
  made.push(dir);
  return dir;
};
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type NodeSpec = [id: string, type: string, params?: Record<string, unknown>, label?: string];

/** A graph from nodes and edges written "node.port → node.port". */
function graph(nodes: NodeSpec[], edges: string[], title = 'A small graph'): GraphDocument {
  return {
    formatVersion: FORMAT_VERSION,
    metadata: { title, description: 'For the export tests.', appVersion: APP_VERSION },
    seed: 7,
    nodes: nodes.map(([id, type, params = {}, label], i) => ({ id, type, typeVersion: 1, position: { x: 100 * i, y: 0 }, params, ...(label ? { label } : {}) })),
    edges: edges.map((e) => {
      const [from, to] = e.split(' → ') as [string, string];
      const [sn, sp] = from.split('.') as [string, string];
      const [tn, tp] = to.split('.') as [string, string];
      return { source: { node: sn, port: sp }, target: { node: tn, port: tp } };
    }),
  };
}

const SMALL = (): GraphDocument =>
  graph(
    [
      ['data', 'data.toy2d', { dataset: 'moons', trainSize: 999 }],
      ['energy', 'energy.mlp', { activation: 'tanh', hidden: [32, 16] }],
      ['sampler', 'sampler.mala', { adaptStep: true, stepSize: 0.02 }],
      ['objective', 'objective.ml', { alpha: 0.3 }],
      ['optimizer', 'optimizer.sgd', { learningRate: 0.05, nesterov: true, clipNorm: 5 }],
      ['trainer', 'trainer.loop', { steps: 77, batchSize: 64, logEvery: 7, snapshotEvery: 11 }],
      ['curves', 'monitor.training', {}],
      ['density', 'monitor.density2d', {}],
    ],
    [
      'data.data → objective.data',
      'energy.energy → sampler.energy',
      'energy.energy → objective.energy',
      'sampler.sampler → objective.sampler',
      'objective.objective → optimizer.objective',
      'optimizer.optimizer → trainer.optimizer',
      'trainer.trainer → curves.trainer',
      'trainer.trainer → density.trainer',
    ],
  );

/** The small graph with a Custom energy (its default code) in place of the MLP. */
const WITH_CUSTOM = (): GraphDocument => {
  const doc = SMALL();
  const energy = doc.nodes.find((n) => n.id === 'energy')!;
  energy.id = 'custom';
  energy.type = 'energy.custom';
  energy.label = 'My energy';
  energy.params = {};
  doc.edges = doc.edges.map((e) => (e.source.node === 'energy' ? { ...e, source: { ...e.source, node: 'custom' } } : e));
  return doc;
};

/** Node ids that are no Python names, or clash once made into one. */
const ODD_IDS = (): GraphDocument => {
  const doc = SMALL();
  const rename: Record<string, string> = { data: '2 data', energy: 'class', sampler: 'Sampler', objective: 'sampler', optimizer: 'torch', density: 'print' };
  for (const n of doc.nodes) n.id = rename[n.id] ?? n.id;
  doc.edges = doc.edges.map((e) => ({ source: { ...e.source, node: rename[e.source.node] ?? e.source.node }, target: { ...e.target, node: rename[e.target.node] ?? e.target.node } }));
  return doc;
};

/** A Langevin sampler "sampler" (constant SAMPLER_NOISE_LOW) and a uniform noise "sampler_noise"
 * (its parameter low would be SAMPLER_NOISE_LOW too). */
const CLASH = (): GraphDocument =>
  graph(
    [
      ['data', 'data.toy2d', {}],
      ['energy', 'energy.mlp', {}],
      ['sampler_noise', 'noise.uniform', { box: 'fixed', low: -3 }],
      ['objective', 'objective.nce', {}],
      ['sampler', 'sampler.langevin', { init: 'noise', noiseLow: -5 }],
      ['optimizer', 'optimizer.adam', {}],
      ['trainer', 'trainer.loop', {}],
      ['density', 'monitor.density2d', {}],
    ],
    [
      'data.data → objective.data',
      'data.data → sampler_noise.data',
      'sampler_noise.noise → objective.noise',
      'energy.energy → objective.energy',
      'energy.energy → sampler.energy',
      'objective.objective → optimizer.objective',
      'optimizer.optimizer → trainer.optimizer',
      'trainer.trainer → density.trainer',
      'sampler.sampler → density.sampler',
    ],
  );

const constantName = (nodeVar: string, param: string) => `${nodeVar.toUpperCase()}_${param.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;

test('train.py has a section per node, every parameter as a constant, and builds each node from its constants', () => {
  const doc = SMALL();
  const { files, notes } = pytorchProject(doc, catalog);
  const py = files['train.py']!;
  assert.deepEqual(notes, []);
  for (const n of doc.nodes) {
    const def = catalog.get(n.type)!;
    assert.ok(py.includes(`# ── ${def.title} "${n.id}" (${n.type}) `), `the section of ${n.id}`);
    for (const param of Object.keys(def.params)) assert.match(py, new RegExp(`^${constantName(n.id, param)} = .+  # `, 'm'), `${n.id}.${param} is a constant`);
  }
  // The values: as set in the graph, defaults where not.
  for (const line of [
    'DATA_DATASET = "moons"',
    'DATA_TRAIN_SIZE = 999',
    'DATA_TEST_SIZE = 5000',
    'ENERGY_HIDDEN = [32, 16]',
    'ENERGY_ACTIVATION = "tanh"',
    'SAMPLER_STEP_SIZE = 0.02',
    'SAMPLER_ADAPT_STEP = True',
    'SAMPLER_TARGET_ACCEPTANCE = 0.57',
    'SAMPLER_INIT = "buffer"',
    'OBJECTIVE_ALPHA = 0.3',
    'OPTIMIZER_LEARNING_RATE = 0.05',
    'OPTIMIZER_MOMENTUM = 0.9',
    'OPTIMIZER_NESTEROV = True',
    'OPTIMIZER_CLIP_NORM = 5.0',
    'TRAINER_STEPS = 77',
    'TRAINER_BATCH_SIZE = 64',
    'TRAINER_LOG_EVERY = 7',
    'TRAINER_SNAPSHOT_EVERY = 11',
    'DENSITY_GRID_SIZE = 200',
  ])
    assert.ok(py.includes(`\n${line}  # `), line);
  // The objects are built from those constants and wired as the edges say.
  for (const code of [
    'data = toy2d_data(DATA_DATASET, train_size=DATA_TRAIN_SIZE, test_size=DATA_TEST_SIZE)',
    'energy = MLPEnergy(input_dim=ENERGY_INPUT_DIM, hidden=ENERGY_HIDDEN, activation=ENERGY_ACTIVATION)',
    'sampler = Mala(\n    energy,\n    step_size=SAMPLER_STEP_SIZE,',
    'starts=ChainStarts(\n        energy.input_dim, init=SAMPLER_INIT, noise_low=SAMPLER_NOISE_LOW, noise_high=SAMPLER_NOISE_HIGH,\n        buffer_size=SAMPLER_BUFFER_SIZE, reinit_prob=SAMPLER_REINIT_PROB,\n    ),\n)',
    'objective = MaximumLikelihood(data, energy, sampler, alpha=OBJECTIVE_ALPHA)',
    'torch.optim.SGD(objective.parameters(), lr=OPTIMIZER_LEARNING_RATE, momentum=OPTIMIZER_MOMENTUM, nesterov=OPTIMIZER_NESTEROV and OPTIMIZER_MOMENTUM > 0)',
    'clip_norm=OPTIMIZER_CLIP_NORM',
    '"trainer", "trainer", optimizer,\n    steps=TRAINER_STEPS, batch_size=TRAINER_BATCH_SIZE, log_every=TRAINER_LOG_EVERY, snapshot_every=TRAINER_SNAPSHOT_EVERY,',
    'density = Density2D(\n    "density", trainer, sampler=None,',
    'trainers=[trainer],\n        monitors=[curves, density],\n        datasets={"data": data},\n        energies={"energy": energy},',
    'SEED = 7\n',
    'torch.manual_seed(SEED)',
  ])
    assert.ok(py.includes(code), code);
  // Only the building blocks this graph uses.
  for (const used of ['class Mala(Sampler):', 'class MLPEnergy(nn.Module):', 'def toy2d_data(', 'class Density2D:', 'class MaximumLikelihood:']) assert.ok(py.includes(used), used);
  for (const unused of ['class Langevin(', 'class Hmc(', 'class GaussianEnergy(', 'class DenoisingScoreMatching:', 'def mixture_noise(', 'class McmcDiagnostics:']) assert.ok(!py.includes(unused), unused);

  assert.ok(files['README.md']!.includes('python3 train.py --steps 77 --out runs/first'));
  assert.ok(files['README.md']!.includes('`objective.ml`'));
  assert.equal(files['requirements.txt'], 'torch\nnumpy\n');
  assert.equal(files['graph.ebm.json'], serializeGraph(doc));
});

test('every node type of the catalog is carried over except the Custom energy', () => {
  const notCarried = catalog.types.map((d) => d.type).filter((t) => !PYTORCH_NODE_TYPES.includes(t));
  assert.deepEqual(notCarried, ['energy.custom']);
  for (const t of PYTORCH_NODE_TYPES) assert.ok(catalog.get(t), `${t} is a catalog type`);
});

test('a Custom energy is not carried over: said in the notes, the README and train.py at its node; the rest is carried', () => {
  const { files, notes } = pytorchProject(WITH_CUSTOM(), catalog);
  assert.equal(notes.length, 1, notes.join('\n'));
  assert.match(notes[0]!, /^Custom energy "My energy" \(energy\.custom\) is not carried over: a Custom energy is TypeScript .* cannot be translated to PyTorch automatically/);
  const py = files['train.py']!;
  const section = py.slice(py.indexOf('# ── Custom energy "My energy" (energy.custom, id "custom")'));
  assert.ok(section.length < py.length, 'the Custom energy has its section');
  assert.match(section, /^# NOT CARRIED OVER: a Custom energy is TypeScript/m);
  assert.ok(section.includes('#   export function energy(x: Tensor2D, p: Params): Tensor1D {'), 'its TypeScript, commented, to port by hand');
  assert.match(section, /class NotCarried_custom\(nn\.Module\):[\s\S]*raise NotImplementedError\("Custom energy \\"My energy\\" \(energy\.custom\) was not carried over/);
  assert.ok(section.includes('custom = NotCarried_custom(CUSTOM_INPUT_DIM)'));
  assert.ok(section.includes('sampler = Mala(\n    custom,'), 'the rest is wired to the placeholder');
  const opening = py.indexOf('"""');
  assert.match(py.slice(opening, py.indexOf('"""', opening + 3)), /NOT CARRIED OVER[^\n]*\n {2}- Custom energy "My energy"/, 'the docstring says so at the top');
  assert.ok(files['README.md']!.includes('## Not carried over, or left out\n\n- Custom energy "My energy" (energy.custom) is not carried over'));
});

/** A monitor type the export has never heard of, in a catalog of its own. */
const futureMonitor = defineNode({
  type: 'monitor.future',
  version: 1,
  category: 'monitor',
  title: 'Future monitor',
  doc: 'A monitor from a later version of EBM Studio that the PyTorch export has no section for yet.',
  inputs: { trainer: { type: 'trainer', title: 'Run' } },
  outputs: {},
  params: { level: num({ title: 'Level', doc: 'How much to watch.', default: 3 }) },
  build: () => ({}),
});

test('a node type the export does not know is not dropped: a placeholder that stops the script, and a note', () => {
  const doc = SMALL();
  doc.nodes.push({ id: 'future', type: 'monitor.future', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
  doc.edges.push({ source: { node: 'trainer', port: 'trainer' }, target: { node: 'future', port: 'trainer' } });
  const { files, notes } = pytorchProject(doc, createCatalog([...NODE_TYPES, futureMonitor]));
  assert.deepEqual(notes, [
    'Future monitor "future" (monitor.future) is not carried over: the PyTorch export does not know the node type monitor.future yet. train.py has a placeholder class at its section that stops the script until you write it by hand; everything else is carried.',
  ]);
  const py = files['train.py']!;
  assert.ok(py.includes('FUTURE_LEVEL = 3.0  # Level\nfuture = NotCarried_future(trainer)'));
  assert.match(py, /class NotCarried_future:\n {4}def __init__\(self, \*inputs\):\n {8}raise NotImplementedError\("Future monitor \\"future\\" \(monitor\.future\) was not carried over/);
  assert.ok(py.includes('monitors=[curves, density, future]'));
  assert.ok(files['README.md']!.includes('- Future monitor "future" (monitor.future) is not carried over'));
});

test('a graph that does not compile is refused with its errors; a node that runs nowhere is a note', () => {
  const doc = SMALL();
  doc.nodes = doc.nodes.filter((n) => n.type !== 'trainer.loop');
  doc.edges = doc.edges.filter((e) => e.source.node !== 'trainer' && e.target.node !== 'trainer');
  assert.throws(() => pytorchProject(doc, catalog), /the graph cannot be exported: it does not compile[\s\S]*NO_TRAINER/);

  const extra = SMALL();
  extra.nodes.push({ id: 'lonely', type: 'energy.gaussian', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
  const { notes, files } = pytorchProject(extra, catalog);
  assert.deepEqual(notes, ['Left as the app leaves it: "lonely" does not feed any Trainer or Monitor; it will not run.']);
  assert.ok(files['README.md']!.includes('"lonely" does not feed any Trainer or Monitor'));
  assert.ok(!files['train.py']!.includes('lonely'));
});

test('node ids become distinct Python names that shadow nothing', () => {
  const py = pytorchProject(ODD_IDS(), catalog).files['train.py']!;
  for (const code of ['n_2_data = toy2d_data(', 'class_2 = MLPEnergy(', 'sampler = Mala(', 'sampler_2 = MaximumLikelihood(n_2_data, class_2, sampler,', 'torch_2 = OptimizerStep(', 'print_2 = Density2D(']) assert.ok(py.includes(code), code);
});

test('two nodes whose constants would meet get distinct names', () => {
  const py = pytorchProject(CLASH(), catalog).files['train.py']!;
  assert.ok(py.includes('\nSAMPLER_NOISE_LOW = -3.0  # '), 'the noise, first in the plan, keeps its name');
  assert.ok(py.includes('sampler_noise = uniform_noise(data, box=SAMPLER_NOISE_BOX, margin=SAMPLER_NOISE_MARGIN, low=SAMPLER_NOISE_LOW, high=SAMPLER_NOISE_HIGH)'));
  assert.ok(py.includes('\nSAMPLER_2_NOISE_LOW = -5.0  # '), 'the sampler gets another');
  assert.ok(py.includes('noise_low=SAMPLER_2_NOISE_LOW'));
  assert.equal(py.match(/^SAMPLER_NOISE_LOW = /gm)?.length, 1);
});

/** The examples, the small graphs and the Custom energy graph: every train.py the tests make. */
function allProjects(): [string, GraphDocument][] {
  const examples = readdirSync('examples')
    .filter((f) => f.endsWith('.ebm.json'))
    .map((f): [string, GraphDocument] => {
      const { document } = parseGraph(readFileSync(join('examples', f), 'utf8'));
      assert.ok(document, f);
      return [f.replace('.ebm.json', ''), document];
    });
  return [...examples, ['small', SMALL()], ['custom', WITH_CUSTOM()], ['odd-ids', ODD_IDS()], ['clash', CLASH()]];
}

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['--version']).status === 0);

test('every example exports, and every train.py is valid Python (python3 -m py_compile)', (t) => {
  const dir = tempDir('compile');
  const paths = allProjects().map(([name, doc]) => {
    const { files, notes } = pytorchProject(doc, catalog);
    if (!['custom'].includes(name)) assert.deepEqual(notes, [], `${name} is carried over entirely`);
    const path = join(dir, `${name}.py`);
    writeFileSync(path, files['train.py']!);
    return path;
  });
  assert.ok(paths.length >= 20);
  if (!python) {
    const why = 'no python3 on this machine, so train.py cannot be checked by py_compile';
    console.log(`skipped: ${why}`);
    t.skip(why);
    return;
  }
  const r = spawnSync(python, ['-m', 'py_compile', ...paths], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('exportPyTorchProject writes the project into a fresh folder and refuses one that is not empty', async () => {
  const root = tempDir('project');
  const out = join(root, 'nested', 'project');
  const { files, notes } = await exportPyTorchProject(SMALL(), out);
  assert.deepEqual(notes, []);
  assert.deepEqual(files.map((f) => f.slice(out.length + 1)).sort(), ['README.md', 'graph.ebm.json', 'requirements.txt', 'train.py']);
  assert.equal(readFileSync(join(out, 'train.py'), 'utf8'), pytorchProject(SMALL(), catalog).files['train.py']);
  assert.ok(statSync(join(out, 'train.py')).mode & 0o100, 'train.py is executable');

  await assert.rejects(exportPyTorchProject(SMALL(), out), /the folder is not empty \(4 entries\); nothing was overwritten/);
  const mine = join(root, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'train.py'), 'my own work');
  await assert.rejects(exportPyTorchProject(SMALL(), mine), /not empty/);
  assert.equal(readFileSync(join(mine, 'train.py'), 'utf8'), 'my own work');

  const empty = join(root, 'empty');
  mkdirSync(empty);
  await exportPyTorchProject(SMALL(), empty);
  assert.ok(existsSync(join(empty, 'README.md')));

  const broken = SMALL();
  broken.nodes = broken.nodes.filter((n) => n.id !== 'data');
  await assert.rejects(exportPyTorchProject(broken, join(root, 'broken')), /does not compile/);
  assert.ok(!existsSync(join(root, 'broken')), 'no folder is left behind');
});
