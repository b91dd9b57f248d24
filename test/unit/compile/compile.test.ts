// compile(document, catalog): each test starts from a valid graph (examples/8gaussians-pcd) and
// breaks it one way, then checks the diagnostic (code, node, port or parameter, the gist of the
// message) and that no plan is built on errors. The examples compile cleanly into an ordered plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type CompileResult } from '../../../app/compile/compile.ts';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import { parseGraph, type GraphDocument, type GraphNode } from '../../../app/graph/index.ts';
import { NODE_TYPES, catalog, createCatalog } from '../../../nodes/catalog.ts';
import { defineNode, type AnyNodeDef } from '../../../nodes/define.ts';
import { energyMlpNode } from '../../../nodes/energy-mlp/node.ts';
import { RECIPES } from '../../../scripts/recipes.ts';

const EXAMPLES = 'examples';

function load(path: string): GraphDocument {
  const { document, diagnostics } = parseGraph(readFileSync(path, 'utf8'));
  assert.ok(document, `${path} does not load`);
  assert.deepEqual(diagnostics, [], `${path} loads with diagnostics`);
  return document;
}

/** A fresh copy of the 8 Gaussians PCD example: data, energy, sampler, objective, optimizer, trainer, curves, density. */
const base = (): GraphDocument => load(join(EXAMPLES, '8gaussians-pcd.ebm.json'));

function node(doc: GraphDocument, id: string): GraphNode {
  const n = doc.nodes.find((x) => x.id === id);
  assert.ok(n, `no node "${id}"`);
  return n;
}

const list = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.severity} ${d.code} node=${d.nodeId} port=${d.port} param=${d.param}: ${d.message}`).join('\n  ');

/** The one diagnostic with this code (and node, port, param where given); fails when there is none or several. */
function find(result: CompileResult, want: { code: string; nodeId?: string; port?: string; param?: string; severity?: 'error' | 'warning' }): Diagnostic {
  const hits = result.diagnostics.filter(
    (d) =>
      d.code === want.code &&
      (want.nodeId === undefined || d.nodeId === want.nodeId) &&
      (want.port === undefined || d.port === want.port) &&
      (want.param === undefined || d.param === want.param),
  );
  assert.equal(hits.length, 1, `expected one ${JSON.stringify(want)}; got:\n  ${list(result.diagnostics)}`);
  const hit = hits[0]!;
  assert.equal(hit.severity, want.severity ?? 'error', `${want.code} severity`);
  return hit;
}

function expectError(result: CompileResult, want: { code: string; nodeId?: string; port?: string; param?: string }): Diagnostic {
  const d = find(result, want);
  assert.equal(result.plan, null, `a plan was built despite ${want.code}`);
  return d;
}

const codes = (result: CompileResult) => result.diagnostics.map((d) => d.code);

// --- The examples ------------------------------------------------------------------------------

const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ebm.json')).sort();

test('there are the core examples, one per method recipe, and the side-by-side comparison', () => {
  const methods = RECIPES.filter((r) => r.id !== 'pcd' && r.id !== 'cd').map((r) => `8gaussians-${r.id}.ebm.json`);
  assert.deepEqual(examples, ['8gaussians-compare.ebm.json', '8gaussians-pcd.ebm.json', 'gaussian-ml.ebm.json', 'moons-cd.ebm.json', ...methods].sort());
});

for (const file of examples) {
  test(`examples/${file} compiles with no diagnostics into an ordered plan with every parameter filled in`, () => {
    const doc = load(join(EXAMPLES, file));
    const result = compile(doc, catalog);
    assert.deepEqual(result.diagnostics, [], list(result.diagnostics));
    const plan = result.plan;
    assert.ok(plan);
    assert.equal(plan.document, doc);
    assert.deepEqual(plan.trainers, doc.nodes.filter((n) => n.type === 'trainer.loop').map((n) => n.id));
    assert.ok(plan.trainers.length >= 1);
    // Every node of the example feeds the trainer or a monitor, so every one is planned, once.
    assert.deepEqual(plan.nodes.map((n) => n.id).sort(), doc.nodes.map((n) => n.id).sort());

    const position = new Map(plan.nodes.map((n, i) => [n.id, i]));
    for (const planned of plan.nodes) {
      const graphNode = node(doc, planned.id);
      assert.equal(planned.def, catalog.get(graphNode.type));
      assert.equal(planned.name, graphNode.label ?? graphNode.id);
      // Inputs come before the nodes they feed, and they are exactly the edges into this node.
      const edgesIn = doc.edges.filter((e) => e.target.node === planned.id);
      assert.deepEqual(
        Object.fromEntries(edgesIn.map((e) => [e.target.port, { node: e.source.node, port: e.source.port }])),
        planned.inputs,
        `inputs of ${planned.id}`,
      );
      for (const [port, ref] of Object.entries(planned.inputs)) {
        const from = position.get(ref.node);
        assert.ok(from !== undefined, `${planned.id}.${port} is fed by ${ref.node}, which is not planned`);
        assert.ok(from < position.get(planned.id)!, `${ref.node} must come before ${planned.id}, which it feeds`);
      }
      // Every parameter: the file's value where given, the default where not.
      assert.deepEqual(Object.keys(planned.params).sort(), Object.keys(planned.def.params).sort(), `params of ${planned.id}`);
      for (const [name, spec] of Object.entries(planned.def.params)) {
        const given = graphNode.params[name];
        assert.deepEqual(planned.params[name], given === undefined ? spec.default : given, `${planned.id}.${name}`);
      }
    }
  });
}

test('8gaussians-pcd: the plan runs data and energy before the sampler, objective, optimizer, trainer and monitors', () => {
  const { plan } = compile(base(), catalog);
  assert.ok(plan);
  const ids = plan.nodes.map((n) => n.id);
  const before = (a: string, b: string) => assert.ok(ids.indexOf(a) < ids.indexOf(b), `${a} before ${b} in ${ids.join(', ')}`);
  before('energy', 'sampler');
  before('data', 'objective');
  before('sampler', 'objective');
  before('objective', 'optimizer');
  before('optimizer', 'trainer');
  before('trainer', 'curves');
  before('trainer', 'density');
  const energy = plan.nodes.find((n) => n.id === 'energy')!;
  assert.equal(energy.params.inputDim, 2, 'inputDim is not in the file: its default 2 is filled in');
  const density = plan.nodes.find((n) => n.id === 'density')!;
  assert.deepEqual(density.params, { gridSize: 200, samples: 1000, margin: 0.2 });
  assert.deepEqual(density.inputs, { trainer: { node: 'trainer', port: 'trainer' } }, 'the optional sampler input may stay unconnected');
});

test('a default that is a list is copied into the plan, never shared with the node definition', () => {
  const doc = base();
  delete node(doc, 'energy').params.hidden;
  const { plan, diagnostics } = compile(doc, catalog);
  assert.ok(plan, list(diagnostics));
  const hidden = plan.nodes.find((n) => n.id === 'energy')!.params.hidden;
  assert.deepEqual(hidden, [128, 128]);
  assert.notEqual(hidden, energyMlpNode.params.hidden.default);
});

test('compile leaves the document as it was', () => {
  const doc = base();
  node(doc, 'sampler').type = 'sampler.gibbs';
  node(doc, 'energy').params.lr = 3;
  const before = structuredClone(doc);
  compile(doc, catalog);
  assert.deepEqual(doc, before);
});

// --- Node types and versions ---------------------------------------------------------------------

test('UNKNOWN_NODE_TYPE: the node is kept and the error names it and its type', () => {
  const doc = base();
  node(doc, 'sampler').type = 'sampler.gibbs';
  const result = compile(doc, catalog);
  const d = expectError(result, { code: 'UNKNOWN_NODE_TYPE', nodeId: 'sampler' });
  assert.equal(d.path, '$.nodes[2].type');
  assert.match(d.message, /"sampler\.gibbs"/);
  assert.match(d.message, /"Langevin"/);
  assert.match(d.message, /kept/);
  assert.equal(node(doc, 'sampler').type, 'sampler.gibbs');
  assert.equal(doc.nodes.length, 8);
  // A node that cannot be built is not also reported as unused.
  assert.ok(!result.diagnostics.some((d) => d.code === 'NODE_UNUSED' && d.nodeId === 'sampler'), list(result.diagnostics));
});

test('UNKNOWN_NODE_TYPE: the input it feeds is not also reported as unconnected', () => {
  // The objective's sampler input is wired (to the node of unknown type); "not connected" would be false.
  const doc = base();
  node(doc, 'sampler').type = 'sampler.gibbs';
  const result = compile(doc, catalog);
  find(result, { code: 'UNKNOWN_NODE_TYPE', nodeId: 'sampler' });
  const unconnected = result.diagnostics.filter((d) => d.code === 'INPUT_UNCONNECTED');
  assert.deepEqual(unconnected, [], `the objective's sampler input is connected:\n  ${list(unconnected)}`);
});

test('NODE_VERSION_NEWER: a node saved by a newer app', () => {
  const doc = base();
  node(doc, 'energy').typeVersion = 2;
  const d = expectError(compile(doc, catalog), { code: 'NODE_VERSION_NEWER', nodeId: 'energy' });
  assert.equal(d.path, '$.nodes[1].typeVersion');
  assert.match(d.message, /"MLP"/);
  assert.match(d.message, /newer/);
  assert.match(d.message, /version 2/);
  assert.match(d.message, /up to 1/);
});

test('NODE_VERSION_OLD: an older node version that the type cannot migrate', () => {
  const adam = catalog.get('optimizer.adam')!;
  const newer = createCatalog(NODE_TYPES.map((def): AnyNodeDef => (def === adam ? { ...adam, version: 2, migrate: undefined } : def)));
  const d = expectError(compile(base(), newer), { code: 'NODE_VERSION_OLD', nodeId: 'optimizer' });
  assert.equal(d.path, '$.nodes[4].typeVersion');
  assert.match(d.message, /"Adam"/);
  assert.match(d.message, /version 1/);
  assert.match(d.message, /version 2/);
});

test('an older node version that the type can migrate compiles with the migrated parameters', () => {
  const adam = catalog.get('optimizer.adam')!;
  const calls: number[] = [];
  const v2: AnyNodeDef = {
    ...adam,
    version: 2,
    migrate: (params, from) => {
      calls.push(from);
      const { learningRate, ...rest } = params;
      return { ...rest, learningRate: (learningRate as number) * 10 };
    },
  };
  const result = compile(base(), createCatalog(NODE_TYPES.map((def) => (def === adam ? v2 : def))));
  assert.ok(result.plan, list(result.diagnostics));
  assert.deepEqual(calls, [1]);
  assert.equal(result.plan.nodes.find((n) => n.id === 'optimizer')!.params.learningRate, 0.01);
});

// --- Parameters ----------------------------------------------------------------------------------

const invalidParams: { name: string; node: string; index: number; param: string; value: unknown; message: RegExp }[] = [
  { name: 'above its maximum', node: 'optimizer', index: 4, param: 'learningRate', value: 100, message: /≤ 10.*100/ },
  { name: 'at an exclusive minimum', node: 'optimizer', index: 4, param: 'learningRate', value: 0, message: /> 0.*got 0/ },
  { name: 'below its minimum', node: 'trainer', index: 5, param: 'steps', value: 0, message: /≥ 1.*got 0/ },
  { name: 'not a whole number', node: 'trainer', index: 5, param: 'batchSize', value: 2.5, message: /whole number.*2\.5/ },
  { name: 'a number given as text', node: 'optimizer', index: 4, param: 'learningRate', value: '0.001', message: /expected a number.*"0\.001"/ },
  { name: 'a list given as text', node: 'energy', index: 1, param: 'hidden', value: '128', message: /list.*"128"/ },
  { name: 'a list entry out of range', node: 'energy', index: 1, param: 'hidden', value: [128, 0], message: /entry 2/ },
  { name: 'a choice that is not an option', node: 'energy', index: 1, param: 'activation', value: 'tanhh', message: /must be one of.*"swish".*"tanhh"/ },
  { name: 'a boolean given as a number', node: 'optimizer', index: 4, param: 'learningRate', value: true, message: /expected a number.*true/ },
  { name: 'NaN', node: 'optimizer', index: 4, param: 'learningRate', value: NaN, message: /finite.*NaN/ },
  { name: 'Infinity', node: 'sampler', index: 2, param: 'stepSize', value: Infinity, message: /finite.*Infinity/ },
  { name: '-Infinity', node: 'sampler', index: 2, param: 'noiseLow', value: -Infinity, message: /finite.*-Infinity/ },
];

for (const c of invalidParams) {
  test(`PARAM_INVALID: ${c.node}.${c.param} ${c.name}`, () => {
    const doc = base();
    node(doc, c.node).params[c.param] = c.value;
    const d = expectError(compile(doc, catalog), { code: 'PARAM_INVALID', nodeId: c.node, param: c.param });
    assert.equal(d.path, `$.nodes[${c.index}].params.${c.param}`);
    assert.match(d.message, c.message);
    assert.match(d.message, new RegExp(`^"${node(doc, c.node).label}"`), 'the message names the node');
  });
}

test('PARAM_UNKNOWN: a warning; the plan is still built, without the unknown parameter', () => {
  const doc = base();
  node(doc, 'energy').params.dropout = 0.5;
  const result = compile(doc, catalog);
  const d = find(result, { code: 'PARAM_UNKNOWN', nodeId: 'energy', param: 'dropout', severity: 'warning' });
  assert.equal(d.path, '$.nodes[1].params.dropout');
  assert.match(d.message, /"dropout"/);
  assert.deepEqual(codes(result), ['PARAM_UNKNOWN']);
  assert.ok(result.plan);
  const energy = result.plan.nodes.find((n) => n.id === 'energy')!;
  assert.ok(!('dropout' in energy.params));
  assert.deepEqual(energy.params.hidden, [128, 128]);
});

test('the Langevin noise box with low equal to high is PARAM_INVALID on noiseHigh', () => {
  const doc = base();
  Object.assign(node(doc, 'sampler').params, { noiseLow: 4, noiseHigh: 4 });
  const d = expectError(compile(doc, catalog), { code: 'PARAM_INVALID', nodeId: 'sampler', param: 'noiseHigh' });
  assert.match(d.message, /^"Langevin": /);
  assert.match(d.message, /noise box is empty/);
  assert.match(d.message, /low 4/);
  assert.match(d.message, /high 4/);
});

test('the Langevin noise box with low above high is PARAM_INVALID on noiseHigh; low below high is fine', () => {
  const doc = base();
  Object.assign(node(doc, 'sampler').params, { noiseLow: 3, noiseHigh: -3 });
  const d = expectError(compile(doc, catalog), { code: 'PARAM_INVALID', nodeId: 'sampler', param: 'noiseHigh' });
  assert.match(d.message, /noise box is empty.*low 3.*high -3/);
  Object.assign(node(doc, 'sampler').params, { noiseLow: -3, noiseHigh: 3 });
  assert.ok(compile(doc, catalog).plan);
});

// --- Edges ---------------------------------------------------------------------------------------

test('EDGE_UNKNOWN_NODE: an edge to a node that is not in the graph', () => {
  const doc = base();
  doc.edges.push({ source: { node: 'trainer', port: 'trainer' }, target: { node: 'ghost', port: 'trainer' } });
  const d = expectError(compile(doc, catalog), { code: 'EDGE_UNKNOWN_NODE' });
  assert.equal(d.path, '$.edges[8]');
  assert.match(d.message, /"ghost"/);
});

test('EDGE_UNKNOWN_PORT: an edge into an input that does not exist', () => {
  const doc = base();
  doc.edges[3]!.target.port = 'samples'; // sampler.sampler → objective.samples (the input is "sampler")
  const result = compile(doc, catalog);
  const d = expectError(result, { code: 'EDGE_UNKNOWN_PORT', nodeId: 'objective', port: 'samples' });
  assert.equal(d.path, '$.edges[3].target');
  assert.match(d.message, /"Max likelihood".*no input "samples"/);
  // The real input is then, truly, unconnected.
  find(result, { code: 'INPUT_UNCONNECTED', nodeId: 'objective', port: 'sampler' });
});

test('EDGE_UNKNOWN_PORT: an edge from an output that does not exist', () => {
  const doc = base();
  doc.edges[1]!.source.port = 'out'; // energy.out → sampler.energy
  const d = expectError(compile(doc, catalog), { code: 'EDGE_UNKNOWN_PORT', nodeId: 'energy', port: 'out' });
  assert.equal(d.path, '$.edges[1].source');
  assert.match(d.message, /"MLP".*no output "out"/);
});

test('INPUT_MULTIPLE: two edges into one input', () => {
  const doc = base();
  doc.nodes.push({ id: 'energy2', type: 'energy.mlp', typeVersion: 1, label: 'Second MLP', position: { x: 0, y: 400 }, params: {} });
  doc.edges.push({ source: { node: 'energy2', port: 'energy' }, target: { node: 'sampler', port: 'energy' } });
  const d = expectError(compile(doc, catalog), { code: 'INPUT_MULTIPLE', nodeId: 'sampler', port: 'energy' });
  assert.equal(d.path, '$.edges[8]');
  assert.match(d.message, /"Langevin".*"Energy".*more than once/);
});

test('PORT_TYPE_MISMATCH: the energy output wired into a data input', () => {
  const doc = base();
  doc.edges[0]!.source = { node: 'energy', port: 'energy' }; // energy.energy → objective.data
  const d = expectError(compile(doc, catalog), { code: 'PORT_TYPE_MISMATCH', nodeId: 'objective', port: 'data' });
  assert.equal(d.path, '$.edges[0]');
  assert.match(d.message, /"Max likelihood"/);
  assert.match(d.message, /takes Data/);
  assert.match(d.message, /"MLP" gives Energy/);
});

test('PORT_TYPE_MISMATCH: the mis-wired input is not also reported as unconnected', () => {
  // The data input has an edge (of the wrong type); "is not connected" would be false.
  const doc = base();
  doc.edges[0]!.source = { node: 'energy', port: 'energy' };
  const result = compile(doc, catalog);
  find(result, { code: 'PORT_TYPE_MISMATCH', nodeId: 'objective', port: 'data' });
  const unconnected = result.diagnostics.filter((d) => d.code === 'INPUT_UNCONNECTED');
  assert.deepEqual(unconnected, [], `the objective's data input is connected:\n  ${list(unconnected)}`);
});

test('INPUT_UNCONNECTED: a required input left unconnected', () => {
  const doc = base();
  doc.edges = doc.edges.filter((e) => !(e.source.node === 'sampler' && e.target.node === 'objective'));
  const result = compile(doc, catalog);
  const d = expectError(result, { code: 'INPUT_UNCONNECTED', nodeId: 'objective', port: 'sampler' });
  assert.match(d.message, /"Max likelihood".*"Samples".*not connected/);
  // The sampler now feeds nothing.
  find(result, { code: 'NODE_UNUSED', nodeId: 'sampler', severity: 'warning' });
  assert.deepEqual(codes(result).sort(), ['INPUT_UNCONNECTED', 'NODE_UNUSED']);
});

test('an optional input may stay unconnected', () => {
  const doc = base();
  assert.ok(!doc.edges.some((e) => e.target.node === 'density' && e.target.port === 'sampler'));
  assert.deepEqual(compile(doc, catalog).diagnostics, []);
});

// --- Cycles --------------------------------------------------------------------------------------

const transformDef = defineNode({
  type: 'energy.transform',
  version: 1,
  category: 'energy',
  title: 'Energy transform',
  doc: 'A test-only node: takes an energy and gives one back, so that a cycle of energies can be drawn.',
  inputs: { energy: { type: 'energy', title: 'Energy in' } },
  outputs: { energy: { type: 'energy', title: 'Energy out' } },
  params: {},
  build: (_ctx, _p, { energy }) => ({ energy }),
});
const cycleCatalog = createCatalog([...NODE_TYPES, transformDef]);

/** The 8 Gaussians graph with transforms `ids` wired in a ring (each feeds the next, the last the
 * first); the last also feeds the sampler, so the ring sits upstream of a trainer. */
function withRing(ids: string[]): GraphDocument {
  const doc = base();
  ids.forEach((id, i) => doc.nodes.push({ id, type: 'energy.transform', typeVersion: 1, label: `T${i + 1}`, position: { x: 100 * i, y: 600 }, params: {} }));
  ids.forEach((id, i) => doc.edges.push({ source: { node: id, port: 'energy' }, target: { node: ids[(i + 1) % ids.length]!, port: 'energy' } }));
  doc.edges = doc.edges.filter((e) => !(e.source.node === 'energy' && e.target.node === 'sampler'));
  doc.edges.push({ source: { node: ids[ids.length - 1]!, port: 'energy' }, target: { node: 'sampler', port: 'energy' } });
  return doc;
}

function checkCycle(doc: GraphDocument, ring: string[]): void {
  const result = compile(doc, cycleCatalog);
  assert.equal(result.plan, null);
  const cycles = result.diagnostics.filter((d) => d.code === 'CYCLE');
  assert.deepEqual(cycles.map((d) => d.nodeId).sort(), [...ring].sort(), `every node on the cycle, and only those:\n  ${list(result.diagnostics)}`);
  for (const d of cycles) {
    assert.equal(d.severity, 'error');
    // The message names the path: the labels in the order data flows, each feeding the next.
    const m = /cycle: (.*?); /.exec(d.message);
    assert.ok(m, d.message);
    const names = m[1]!.split(' → ');
    const ids = names.map((name) => doc.nodes.find((n) => `"${n.label}"` === name)?.id);
    assert.deepEqual([...ids].sort(), [...ring].sort(), `the path in "${d.message}"`);
    ids.forEach((id, i) => {
      const next = ids[(i + 1) % ids.length];
      assert.ok(
        doc.edges.some((e) => e.source.node === id && e.target.node === next),
        `${id} → ${next} in "${d.message}" is not an edge`,
      );
    });
  }
  // Nodes behind the cycle are not on it, and dimensions are not checked on a cyclic graph.
  assert.ok(!result.diagnostics.some((d) => d.code === 'DIM_MISMATCH' || d.code === 'INPUT_UNCONNECTED'), list(result.diagnostics));
}

test('the test catalog has the transform node next to every real type', () => {
  assert.equal(cycleCatalog.get('energy.transform'), transformDef);
  assert.equal(cycleCatalog.types.length, NODE_TYPES.length + 1);
  // Wired in a line (no ring), the transform is a valid node.
  const doc = base();
  doc.nodes.push({ id: 't', type: 'energy.transform', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
  doc.edges = doc.edges.filter((e) => !(e.source.node === 'energy' && e.target.node === 'sampler'));
  doc.edges.push({ source: { node: 'energy', port: 'energy' }, target: { node: 't', port: 'energy' } });
  doc.edges.push({ source: { node: 't', port: 'energy' }, target: { node: 'sampler', port: 'energy' } });
  const result = compile(doc, cycleCatalog);
  assert.ok(result.plan, list(result.diagnostics));
  const ids = result.plan.nodes.map((n) => n.id);
  assert.ok(ids.indexOf('energy') < ids.indexOf('t') && ids.indexOf('t') < ids.indexOf('sampler'));
});

test('CYCLE: two nodes feeding each other', () => {
  checkCycle(withRing(['ta', 'tb']), ['ta', 'tb']);
});

test('CYCLE: three nodes in a ring, the message in the order data flows', () => {
  checkCycle(withRing(['ta', 'tb', 'tc']), ['ta', 'tb', 'tc']);
});

test('CYCLE: the ring listed before the nodes it feeds', () => {
  const doc = withRing(['ta', 'tb', 'tc']);
  doc.nodes = [...doc.nodes.slice(8), ...doc.nodes.slice(0, 8)];
  checkCycle(doc, ['ta', 'tb', 'tc']);
});

test('CYCLE: a node feeding itself', () => {
  checkCycle(withRing(['ta']), ['ta']);
});

test('CYCLE: two separate rings are each reported', () => {
  const doc = withRing(['ta', 'tb']);
  for (const [id, label] of [['tx', 'X'], ['ty', 'Y']] as const)
    doc.nodes.push({ id, type: 'energy.transform', typeVersion: 1, label, position: { x: 0, y: 800 }, params: {} });
  doc.edges.push({ source: { node: 'tx', port: 'energy' }, target: { node: 'ty', port: 'energy' } });
  doc.edges.push({ source: { node: 'ty', port: 'energy' }, target: { node: 'tx', port: 'energy' } });
  const result = compile(doc, cycleCatalog);
  const cycles = result.diagnostics.filter((d) => d.code === 'CYCLE');
  assert.deepEqual(cycles.map((d) => d.nodeId).sort(), ['ta', 'tb', 'tx', 'ty']);
  const tx = cycles.find((d) => d.nodeId === 'tx')!;
  assert.match(tx.message, /"X" → "Y"|"Y" → "X"/);
  assert.doesNotMatch(tx.message, /"T1"|"T2"/);
});

// --- Dimensions ----------------------------------------------------------------------------------

test('DIM_MISMATCH: an MLP energy with inputDim 3 on 2-D data, at the node where they meet', () => {
  const doc = base();
  node(doc, 'energy').params.inputDim = 3;
  const result = compile(doc, catalog);
  const d = expectError(result, { code: 'DIM_MISMATCH', nodeId: 'objective', port: 'energy' });
  assert.match(d.message, /^"Max likelihood": /);
  assert.match(d.message, /"8 Gaussians" works in 2 dimensions/);
  assert.match(d.message, /"MLP" works in 3 dimensions/);
  // Reported once, where data and energy meet; the sampler sees only the energy.
  assert.deepEqual(codes(result), ['DIM_MISMATCH']);
});

/** The 8 Gaussians graph on 3-D Gaussian data with a 3-D MLP energy. */
function threeD(): GraphDocument {
  const doc = base();
  Object.assign(node(doc, 'data'), { type: 'data.gaussian', label: 'Gaussian 3D', params: { dim: 3 } });
  node(doc, 'energy').params.inputDim = 3;
  return doc;
}

test('DIM_UNSUPPORTED: a density-2D monitor on 3-D data with a matching 3-D energy', () => {
  const result = compile(threeD(), catalog);
  const d = expectError(result, { code: 'DIM_UNSUPPORTED', nodeId: 'density' });
  assert.match(d.message, /^"Density": /);
  assert.match(d.message, /2-D data only/);
  assert.match(d.message, /"Gaussian 3D" gives 3-D points/);
  assert.deepEqual(codes(result), ['DIM_UNSUPPORTED'], list(result.diagnostics));
});

test('the same 3-D graph without the density monitor compiles', () => {
  const doc = threeD();
  doc.nodes = doc.nodes.filter((n) => n.id !== 'density');
  doc.edges = doc.edges.filter((e) => e.target.node !== 'density');
  const result = compile(doc, catalog);
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.plan);
});

// --- What runs -----------------------------------------------------------------------------------

test('NO_TRAINER: a graph without a trainer', () => {
  const doc = base();
  const gone = new Set(['trainer', 'curves', 'density']);
  doc.nodes = doc.nodes.filter((n) => !gone.has(n.id));
  doc.edges = doc.edges.filter((e) => !gone.has(e.source.node) && !gone.has(e.target.node));
  const result = compile(doc, catalog);
  const d = expectError(result, { code: 'NO_TRAINER' });
  assert.equal(d.nodeId, undefined);
  assert.match(d.message, /no Trainer/);
  // Nothing runs, so every node left is unused.
  assert.deepEqual(
    result.diagnostics.filter((x) => x.code === 'NODE_UNUSED').map((x) => x.nodeId).sort(),
    ['data', 'energy', 'objective', 'optimizer', 'sampler'],
  );
});

test('NODE_UNUSED: a node that feeds nothing is a warning and is left out of the plan', () => {
  const doc = base();
  doc.nodes.push({ id: 'moons', type: 'data.toy2d', typeVersion: 1, label: 'Moons', position: { x: 0, y: 400 }, params: { dataset: 'moons' } });
  const result = compile(doc, catalog);
  const d = find(result, { code: 'NODE_UNUSED', nodeId: 'moons', severity: 'warning' });
  assert.match(d.message, /"Moons".*does not feed/);
  assert.deepEqual(codes(result), ['NODE_UNUSED']);
  assert.ok(result.plan);
  assert.ok(!result.plan.nodes.some((n) => n.id === 'moons'));
  assert.equal(result.plan.nodes.length, 8);
});

test('a node that feeds only a monitor is used', () => {
  const doc = base();
  doc.nodes.push({ id: 'probe', type: 'sampler.langevin', typeVersion: 1, label: 'Probe', position: { x: 0, y: 400 }, params: {} });
  doc.edges.push({ source: { node: 'energy', port: 'energy' }, target: { node: 'probe', port: 'energy' } });
  doc.edges.push({ source: { node: 'probe', port: 'sampler' }, target: { node: 'density', port: 'sampler' } });
  const result = compile(doc, catalog);
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.plan);
  const ids = result.plan.nodes.map((n) => n.id);
  assert.ok(ids.indexOf('probe') < ids.indexOf('density'));
});
