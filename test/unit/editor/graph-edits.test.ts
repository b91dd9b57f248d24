// The editor's document edits (renderer/src/editor/graph-edits.ts): pure functions, document in,
// document out. Most tests start from examples/8gaussians-pcd (data, energy, sampler, objective,
// optimizer, trainer, curves, density) and check the result and that the input was not touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compile } from '../../../app/compile/compile.ts';
import { hasErrors } from '../../../app/diagnostics.ts';
import { emptyDocument, type GraphDocument, type GraphEdge, type GraphNode } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { NODE_TYPES, catalog, createCatalog } from '../../../nodes/catalog.ts';
import { defineNode, type AnyNodeDef } from '../../../nodes/define.ts';
import { dataToy2dNode } from '../../../nodes/data-toy2d/node.ts';
import { energyMlpNode } from '../../../nodes/energy-mlp/node.ts';
import { samplerLangevinNode } from '../../../nodes/sampler-langevin/node.ts';
import {
  addNode,
  connect,
  connectionProblem,
  copySelection,
  edgeId,
  fittingTypes,
  freshNodeId,
  moveNodes,
  paste,
  portsUsedByEdges,
  removeElements,
  resetParam,
  setLabel,
  setParam,
  type Connection,
} from '../../../renderer/src/editor/graph-edits.ts';

const EXAMPLE = 'examples/8gaussians-pcd.ebm.json';

function example(): GraphDocument {
  const { document, diagnostics } = parseGraph(readFileSync(EXAMPLE, 'utf8'));
  assert.ok(document, `${EXAMPLE} does not load`);
  assert.deepEqual(diagnostics, []);
  return document;
}

/** A deep, frozen copy to compare against after an edit: the edits must not mutate their input. */
const snapshot = <T>(value: T): T => structuredClone(value);

function node(doc: GraphDocument, id: string): GraphNode {
  const n = doc.nodes.find((x) => x.id === id);
  assert.ok(n, `no node "${id}"`);
  return n;
}

const ids = (doc: GraphDocument): string[] => doc.nodes.map((n) => n.id);
const edgeIds = (doc: GraphDocument): string[] => doc.edges.map(edgeId);

function withNodes(...nodes: Pick<GraphNode, 'id' | 'type'>[]): GraphDocument {
  return {
    ...emptyDocument(),
    nodes: nodes.map((n) => ({ ...n, typeVersion: 1, position: { x: 0, y: 0 }, params: {} })),
  };
}

const wire = (source: string, sourceHandle: string, target: string, targetHandle: string): Connection => ({ source, sourceHandle, target, targetHandle });

// ---------------------------------------------------------------------------------------------
// Ids

test('freshNodeId takes the last part of the type, then -2, -3… for the next ones', () => {
  let doc = emptyDocument();
  assert.equal(freshNodeId(doc, 'sampler.langevin'), 'langevin');
  doc = withNodes({ id: 'langevin', type: 'sampler.langevin' });
  assert.equal(freshNodeId(doc, 'sampler.langevin'), 'langevin-2');
  doc = withNodes({ id: 'langevin', type: 'sampler.langevin' }, { id: 'langevin-2', type: 'sampler.langevin' });
  assert.equal(freshNodeId(doc, 'sampler.langevin'), 'langevin-3');
  // A gap is reused: the first free suffix wins.
  doc = withNodes({ id: 'langevin', type: 'sampler.langevin' }, { id: 'langevin-3', type: 'sampler.langevin' });
  assert.equal(freshNodeId(doc, 'sampler.langevin'), 'langevin-2');
  // Other types' ids do not matter.
  assert.equal(freshNodeId(doc, 'energy.mlp'), 'mlp');
});

test('freshNodeId keeps ids to safe characters and falls back to "node"', () => {
  const doc = emptyDocument();
  assert.equal(freshNodeId(doc, 'energy.my net!'), 'mynet');
  assert.equal(freshNodeId(doc, 'plain'), 'plain');
  assert.equal(freshNodeId(doc, 'x.$%^'), 'node');
  assert.equal(freshNodeId(withNodes({ id: 'node', type: 'x.y' }), 'x.$%^'), 'node-2');
});

// ---------------------------------------------------------------------------------------------
// Adding, removing, moving

test('addNode adds a node of the type’s version and title, at a rounded position, with no params', () => {
  const doc = emptyDocument();
  const before = snapshot(doc);
  const { doc: next, id } = addNode(doc, samplerLangevinNode, { x: 10.4, y: -3.6 });
  assert.equal(id, 'langevin');
  assert.deepEqual(next.nodes, [
    { id: 'langevin', type: 'sampler.langevin', typeVersion: samplerLangevinNode.version, label: 'Langevin', position: { x: 10, y: -4 }, params: {} },
  ]);
  assert.deepEqual(doc, before, 'the input document changed');
  const again = addNode(next, samplerLangevinNode, { x: 0, y: 0 });
  assert.equal(again.id, 'langevin-2');
  assert.deepEqual(ids(again.doc), ['langevin', 'langevin-2']);
});

test('addNode uses the version of the definition it is given', () => {
  const v3: AnyNodeDef = { ...energyMlpNode, version: 3, title: 'MLP v3' };
  const { doc } = addNode(emptyDocument(), v3, { x: 1, y: 2 });
  assert.equal(node(doc, 'mlp').typeVersion, 3);
  assert.equal(node(doc, 'mlp').label, 'MLP v3');
});

test('nodes added with empty params compile with every parameter at its default', () => {
  let doc = emptyDocument();
  const added = new Map<string, string>();
  for (const type of ['data.toy2d', 'energy.mlp', 'sampler.langevin', 'objective.ml', 'optimizer.adam', 'trainer.loop', 'monitor.training', 'monitor.density2d']) {
    const def = catalog.get(type);
    assert.ok(def);
    const r = addNode(doc, def, { x: 0, y: 0 });
    doc = r.doc;
    added.set(type, r.id);
  }
  const id = (type: string) => added.get(type)!;
  for (const [s, sp, t, tp] of [
    ['data.toy2d', 'data', 'objective.ml', 'data'],
    ['energy.mlp', 'energy', 'sampler.langevin', 'energy'],
    ['energy.mlp', 'energy', 'objective.ml', 'energy'],
    ['sampler.langevin', 'sampler', 'objective.ml', 'sampler'],
    ['objective.ml', 'objective', 'optimizer.adam', 'objective'],
    ['optimizer.adam', 'optimizer', 'trainer.loop', 'optimizer'],
    ['trainer.loop', 'trainer', 'monitor.training', 'trainer'],
    ['trainer.loop', 'trainer', 'monitor.density2d', 'trainer'],
  ] as const) {
    const r = connect(doc, catalog, wire(id(s), sp, id(t), tp));
    assert.ok('doc' in r, `wire ${s} → ${t} refused: ${'problem' in r ? r.problem : ''}`);
    doc = r.doc;
  }
  for (const n of doc.nodes) assert.deepEqual(n.params, {}, `${n.id} was given params`);
  const { plan, diagnostics } = compile(doc, catalog);
  assert.deepEqual(diagnostics, []);
  assert.ok(plan);
  assert.equal(plan.nodes.length, 8);
  for (const p of plan.nodes) {
    const defaults = Object.fromEntries(Object.entries(p.def.params).map(([name, spec]) => [name, spec.default]));
    assert.deepEqual(p.params, defaults, `${p.id} does not take the defaults`);
  }
});

test('removeElements drops the nodes and every wire touching them, and the named wires only', () => {
  const doc = example();
  const before = snapshot(doc);
  const next = removeElements(doc, new Set(['sampler']));
  assert.deepEqual(ids(next), ['data', 'energy', 'objective', 'optimizer', 'trainer', 'curves', 'density']);
  assert.deepEqual(edgeIds(next), [
    'data.data->objective.data',
    'energy.energy->objective.energy',
    'objective.objective->optimizer.objective',
    'optimizer.optimizer->trainer.optimizer',
    'trainer.trainer->curves.trainer',
    'trainer.trainer->density.trainer',
  ]);
  assert.deepEqual(doc, before, 'the input document changed');

  const oneWire = removeElements(doc, new Set(), new Set(['trainer.trainer->curves.trainer']));
  assert.deepEqual(ids(oneWire), ids(doc), 'removing a wire removed a node');
  assert.deepEqual(edgeIds(oneWire), edgeIds(doc).filter((e) => e !== 'trainer.trainer->curves.trainer'));

  const both = removeElements(doc, new Set(['curves', 'density']), new Set(['data.data->objective.data']));
  assert.deepEqual(ids(both), ['data', 'energy', 'sampler', 'objective', 'optimizer', 'trainer']);
  assert.equal(both.edges.length, 5);
  assert.ok(!edgeIds(both).includes('data.data->objective.data'));

  assert.equal(removeElements(doc, new Set(), new Set()), doc, 'an empty removal should return the same document');
  assert.deepEqual(edgeIds(removeElements(doc, new Set(['no-such-node']), new Set(['a.b->c.d']))), edgeIds(doc));
});

test('moveNodes moves the named nodes to rounded positions and leaves the rest as they were', () => {
  const doc = example();
  const before = snapshot(doc);
  const next = moveNodes(
    doc,
    new Map([
      ['energy', { x: 12.5, y: -7.49 }],
      ['trainer', { x: -2.5, y: 1e3 + 0.6 }],
    ]),
  );
  assert.deepEqual(node(next, 'energy').position, { x: 13, y: -7 });
  assert.deepEqual(node(next, 'trainer').position, { x: -2, y: 1001 });
  for (const n of next.nodes) if (n.id !== 'energy' && n.id !== 'trainer') assert.equal(n, node(doc, n.id), `${n.id} was copied`);
  assert.equal(next.edges, doc.edges);
  assert.deepEqual(node(next, 'energy').params, node(doc, 'energy').params);
  assert.deepEqual(doc, before, 'the input document changed');
  assert.equal(moveNodes(doc, new Map()), doc);
});

// ---------------------------------------------------------------------------------------------
// Params and labels

test('setParam sets one param of one node; resetParam takes it out of the file', () => {
  const doc = example();
  const before = snapshot(doc);
  const set = setParam(doc, 'sampler', 'steps', 60);
  assert.deepEqual(node(set, 'sampler').params, { ...node(doc, 'sampler').params, steps: 60 });
  const added = setParam(doc, 'curves', 'smoothing', 0.9);
  assert.deepEqual(node(added, 'curves').params, { smoothing: 0.9 });
  for (const n of set.nodes) if (n.id !== 'sampler') assert.equal(n, node(doc, n.id));

  const reset = resetParam(set, 'sampler', 'steps');
  assert.ok(!Object.hasOwn(node(reset, 'sampler').params, 'steps'));
  assert.deepEqual(Object.keys(node(reset, 'sampler').params).sort(), ['bufferSize', 'init', 'parameterisation', 'reinitProb', 'stepSize']);
  // Reset, the param takes its default in the compiled plan.
  const plan = compile(reset, catalog).plan;
  assert.ok(plan);
  assert.equal(plan.nodes.find((p) => p.id === 'sampler')?.params.steps, samplerLangevinNode.params.steps?.default);
  assert.deepEqual(doc, before, 'the input document changed');
  // Params of an unknown node are no-ops, not errors.
  assert.deepEqual(setParam(doc, 'nobody', 'x', 1).nodes, doc.nodes);
});

test('setLabel sets the label; an empty or blank label removes the field', () => {
  const doc = example();
  const before = snapshot(doc);
  assert.equal(node(setLabel(doc, 'energy', 'Big MLP'), 'energy').label, 'Big MLP');
  const cleared = setLabel(doc, 'energy', '');
  assert.ok(!Object.hasOwn(node(cleared, 'energy'), 'label'), 'an empty label should leave no label field');
  assert.deepEqual(node(cleared, 'energy'), (({ label: _l, ...rest }) => rest)(node(doc, 'energy')));
  assert.ok(!Object.hasOwn(node(setLabel(doc, 'energy', '  \t'), 'energy'), 'label'));
  // Clearing a node without a label keeps it without one.
  assert.ok(!Object.hasOwn(node(setLabel(cleared, 'energy', ''), 'energy'), 'label'));
  assert.deepEqual(doc, before, 'the input document changed');
});

// ---------------------------------------------------------------------------------------------
// Wires

test('connectionProblem: a node that does not exist', () => {
  const doc = example();
  assert.equal(connectionProblem(doc, catalog, wire('gone', 'energy', 'sampler', 'energy')), 'that node no longer exists');
  assert.equal(connectionProblem(doc, catalog, wire('energy', 'energy', 'gone', 'energy')), 'that node no longer exists');
});

test('connectionProblem: a node cannot feed itself', () => {
  const relay = relayCatalog();
  const doc = withNodes({ id: 'r', type: 'energy.relay' });
  // The ports fit (energy out, energy in): only the self-loop is wrong.
  assert.equal(connectionProblem(doc, relay, wire('r', 'energy', 'r', 'energy')), 'a node cannot feed itself');
  assert.equal(connectionProblem(example(), catalog, wire('objective', 'objective', 'objective', 'data')), 'a node cannot feed itself');
});

test('connectionProblem: an unknown node type keeps its wires but takes no new ones', () => {
  const doc = withNodes({ id: 'future', type: 'energy.future' }, { id: 'langevin', type: 'sampler.langevin' }, { id: 'adam', type: 'optimizer.adam' });
  const asSource = connectionProblem(doc, catalog, wire('future', 'energy', 'langevin', 'energy'));
  assert.equal(asSource, '"energy.future" is an unknown node type: it keeps its data but takes no new wires');
  const asTarget = connectionProblem(doc, catalog, wire('langevin', 'sampler', 'future', 'sampler'));
  assert.match(asTarget ?? '', /^"energy\.future" is an unknown node type/);
  assert.ok('problem' in connect(doc, catalog, wire('future', 'energy', 'langevin', 'energy')));
});

test('connectionProblem: wires go from an output to an input', () => {
  const doc = example();
  const expected = 'wires go from an output (right side) to an input (left side)';
  // Output to output: the sampler's output as the target end.
  assert.equal(connectionProblem(doc, catalog, wire('energy', 'energy', 'sampler', 'sampler')), expected);
  // Input to input: the objective's data input as the source end.
  assert.equal(connectionProblem(doc, catalog, wire('objective', 'data', 'optimizer', 'objective')), expected);
  // Ports that do not exist, including names every object has.
  assert.equal(connectionProblem(doc, catalog, wire('energy', 'nope', 'sampler', 'energy')), expected);
  assert.equal(connectionProblem(doc, catalog, wire('energy', 'energy', 'sampler', 'nope')), expected);
  assert.equal(connectionProblem(doc, catalog, wire('energy', 'constructor', 'sampler', 'energy')), expected);
  assert.equal(connectionProblem(doc, catalog, wire('energy', 'energy', 'sampler', 'toString')), expected);
});

test('connectionProblem: port types must agree, and the message names both', () => {
  const doc = example();
  const problem = connectionProblem(doc, catalog, wire('data', 'data', 'sampler', 'energy'));
  assert.equal(problem, 'Toy 2D gives a data (dataset), but “Energy” of Langevin takes an energy (energy)');
  const other = connectionProblem(doc, catalog, wire('trainer', 'trainer', 'optimizer', 'objective'));
  assert.match(other ?? '', /\(trainer\)/);
  assert.match(other ?? '', /\(objective\)/);
  assert.match(other ?? '', /Trainer gives a trainer/);
  assert.match(other ?? '', /Adam takes an objective/);
});

test('connectionProblem: a wire that would close a loop', () => {
  const relay = relayCatalog();
  let doc = withNodes({ id: 'a', type: 'energy.relay' }, { id: 'b', type: 'energy.relay' }, { id: 'c', type: 'energy.relay' });
  for (const [s, t] of [
    ['a', 'b'],
    ['b', 'c'],
  ]) {
    const r = connect(doc, relay, wire(s!, 'energy', t!, 'energy'));
    assert.ok('doc' in r);
    doc = r.doc;
  }
  assert.equal(connectionProblem(doc, relay, wire('c', 'energy', 'a', 'energy')), 'that wire would make a loop: Relay already feeds Relay');
  assert.equal(connectionProblem(doc, relay, wire('b', 'energy', 'a', 'energy')), 'that wire would make a loop: Relay already feeds Relay');
  // Not a loop: a shortcut along the flow.
  assert.equal(connectionProblem(doc, relay, wire('a', 'energy', 'c', 'energy')), null);
  const r = connect(doc, relay, wire('c', 'energy', 'a', 'energy'));
  assert.ok('problem' in r && r.problem.includes('loop'));
});

test('connectionProblem: null for a valid wire', () => {
  const doc = removeElements(example(), new Set(), new Set(example().edges.map(edgeId)));
  assert.equal(doc.edges.length, 0);
  for (const e of example().edges) {
    assert.equal(connectionProblem(doc, catalog, wire(e.source.node, e.source.port, e.target.node, e.target.port)), null, edgeId(e));
  }
  // A wire that is already there is fine too (connect keeps one copy).
  assert.equal(connectionProblem(example(), catalog, wire('energy', 'energy', 'sampler', 'energy')), null);
});

test('connect adds a wire, and a wire into an occupied input replaces the old one', () => {
  const doc = example();
  const before = snapshot(doc);
  const { doc: withSecond, id } = addNode(doc, energyMlpNode, { x: 0, y: 400 });
  assert.equal(id, 'mlp');
  const r = connect(withSecond, catalog, wire(id, 'energy', 'objective', 'energy'));
  assert.ok('doc' in r);
  assert.equal(r.doc.edges.length, doc.edges.length);
  const intoEnergy = r.doc.edges.filter((e) => e.target.node === 'objective' && e.target.port === 'energy');
  assert.deepEqual(intoEnergy, [{ source: { node: 'mlp', port: 'energy' }, target: { node: 'objective', port: 'energy' } }]);
  // The other wires, including the old energy's other wire, stay.
  assert.deepEqual(
    edgeIds(r.doc).filter((e) => !e.endsWith('->objective.energy')).sort(),
    edgeIds(doc).filter((e) => e !== 'energy.energy->objective.energy').sort(),
  );
  // The result compiles: one wire per input.
  assert.ok(!hasErrors(compile(r.doc, catalog).diagnostics));

  // One output feeds many inputs: a second wire out of an output keeps the first.
  const fan = connect(withSecond, catalog, wire('mlp', 'energy', 'sampler', 'energy'));
  assert.ok('doc' in fan);
  assert.ok(edgeIds(fan.doc).includes('energy.energy->objective.energy'));
  assert.ok(!edgeIds(fan.doc).includes('energy.energy->sampler.energy'));

  // The same wire again: still one copy.
  const same = connect(doc, catalog, wire('energy', 'energy', 'sampler', 'energy'));
  assert.ok('doc' in same);
  assert.deepEqual(edgeIds(same.doc).sort(), edgeIds(doc).sort());
  assert.deepEqual(doc, before, 'the input document changed');
});

test('connect refuses with the problem and changes nothing', () => {
  const doc = example();
  for (const c of [wire('data', 'data', 'sampler', 'energy'), wire('gone', 'x', 'sampler', 'energy'), wire('energy', 'energy', 'sampler', 'sampler')]) {
    const r = connect(doc, catalog, c);
    assert.deepEqual(r, { problem: connectionProblem(doc, catalog, c) });
    assert.ok('problem' in r && r.problem.length > 0);
  }
});

test('fittingTypes from an energy output: the sampler and objective types, with their energy input', () => {
  const fits = fittingTypes(catalog, { side: 'source', portType: 'energy' });
  assert.deepEqual(
    fits.map((f) => [f.def.type, f.port]),
    [
      ['sampler.langevin', 'energy'],
      ['sampler.mala', 'energy'],
      ['sampler.hmc', 'energy'],
      ['sampler.annealedLangevin', 'energy'],
      ['objective.ml', 'energy'],
      ['objective.nce', 'energy'],
      ['objective.cnce', 'energy'],
      ['objective.ed', 'energy'],
      ['objective.ksd', 'energy'],
      ['objective.sm', 'energy'],
      ['objective.ssm', 'energy'],
      ['objective.fdssm', 'energy'],
      ['objective.dsm', 'energy'],
    ],
  );
  for (const f of fits) assert.equal(f.def.inputs[f.port]?.type, 'energy');
  assert.ok(!fits.some((f) => f.def.category === 'data' || f.def.category === 'energy'));
});

test('fittingTypes from an input lists the types with a fitting output', () => {
  const toEnergy = fittingTypes(catalog, { side: 'target', portType: 'energy' });
  assert.deepEqual(
    toEnergy.map((f) => [f.def.type, f.port]),
    [
      ['energy.mlp', 'energy'],
      ['energy.gaussian', 'energy'],
      ['energy.custom', 'energy'],
    ],
  );
  const toData = fittingTypes(catalog, { side: 'target', portType: 'dataset' });
  assert.deepEqual(toData.map((f) => f.def.type).sort(), ['data.gaussian', 'data.toy2d']);
  // From a sampler output: the replay buffer (which wraps a sampler), the objective's sampler
  // input and the monitors' (optional for the density, required for the MCMC diagnostics).
  assert.deepEqual(
    fittingTypes(catalog, { side: 'source', portType: 'sampler' }).map((f) => [f.def.type, f.port]),
    [
      ['sampler.replayBuffer', 'sampler'],
      ['objective.ml', 'sampler'],
      ['monitor.density2d', 'sampler'],
      ['monitor.mcmc', 'sampler'],
    ],
  );
  assert.deepEqual(fittingTypes(catalog, { side: 'source', portType: 'no-such-type' }), []);
});

// ---------------------------------------------------------------------------------------------
// Clipboard

test('copySelection keeps the selected nodes and only the wires between them, as copies', () => {
  const doc = example();
  const clip = copySelection(doc, new Set(['energy', 'sampler', 'trainer']));
  assert.deepEqual(
    clip.nodes.map((n) => n.id),
    ['energy', 'sampler', 'trainer'],
  );
  assert.deepEqual(clip.edges, [{ source: { node: 'energy', port: 'energy' }, target: { node: 'sampler', port: 'energy' } }]);
  assert.deepEqual(clip.nodes[0], node(doc, 'energy'));
  // Copies: editing the clipboard does not reach the document.
  assert.notEqual(clip.nodes[0], node(doc, 'energy'));
  (clip.nodes[0]!.params as { hidden: number[] }).hidden.push(7);
  clip.edges[0]!.source.port = 'changed';
  assert.deepEqual(node(doc, 'energy').params.hidden, [128, 128]);
  assert.equal(doc.edges[1]!.source.port, 'energy');
  assert.deepEqual(copySelection(doc, new Set()), { nodes: [], edges: [] });
});

test('paste gives fresh ids, shifts positions, renames wire ends and never mutates the clipboard', () => {
  const doc = example();
  const clip = copySelection(doc, new Set(['energy', 'sampler', 'objective']));
  const clipBefore = snapshot(clip);
  const { doc: next, ids: pasted } = paste(doc, clip, { x: 40, y: 40.6 });
  assert.deepEqual(pasted, ['energy-2', 'sampler-2', 'objective-2']);
  assert.equal(new Set(ids(next)).size, next.nodes.length, 'pasted ids collide');
  assert.deepEqual(ids(next), [...ids(doc), ...pasted]);
  for (const [from, to] of [
    ['energy', 'energy-2'],
    ['sampler', 'sampler-2'],
    ['objective', 'objective-2'],
  ] as const) {
    const a = node(doc, from);
    const b = node(next, to);
    assert.deepEqual(b.position, { x: a.position.x + 40, y: Math.round(a.position.y + 40.6) });
    assert.deepEqual({ ...b, id: a.id, position: a.position }, a, `${to} is not a copy of ${from}`);
  }
  assert.deepEqual(edgeIds(next).slice(doc.edges.length), ['energy-2.energy->sampler-2.energy', 'energy-2.energy->objective-2.energy', 'sampler-2.sampler->objective-2.sampler']);
  assert.deepEqual(next.edges.slice(0, doc.edges.length), doc.edges);
  assert.deepEqual(clip, clipBefore, 'paste changed the clipboard');

  // The pasted nodes are copies: editing them changes neither the clipboard nor a second paste.
  (node(next, 'energy-2').params as { hidden: number[] }).hidden.push(1);
  assert.deepEqual(clip, clipBefore);
  const twice = paste(next, clip, { x: 80, y: 80 });
  assert.deepEqual(twice.ids, ['energy-3', 'sampler-3', 'objective-3']);
  assert.deepEqual(node(twice.doc, 'energy-3').params.hidden, [128, 128]);
  assert.deepEqual(edgeIds(twice.doc).slice(-3), ['energy-3.energy->sampler-3.energy', 'energy-3.energy->objective-3.energy', 'sampler-3.sampler->objective-3.sampler']);
  // The pasted wires are valid: the only errors are the copies' data inputs, which were not copied.
  const errors = compile(twice.doc, catalog).diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errors.map((d) => [d.code, d.nodeId, d.port]),
    [
      ['INPUT_UNCONNECTED', 'objective-2', 'data'],
      ['INPUT_UNCONNECTED', 'objective-3', 'data'],
    ],
  );
});

test('paste renames ends correctly when copied ids already carry suffixes', () => {
  // The clipboard holds "mlp" and "mlp-2" (wired mlp-2 → relay); the document already has "mlp".
  const relay = relayCatalog();
  const source = withNodes({ id: 'mlp', type: 'energy.relay' }, { id: 'mlp-2', type: 'energy.relay' });
  const clip = {
    nodes: source.nodes,
    edges: [{ source: { node: 'mlp-2', port: 'energy' }, target: { node: 'mlp', port: 'energy' } }] satisfies GraphEdge[],
  };
  const clipBefore = snapshot(clip);
  const target = withNodes({ id: 'mlp', type: 'energy.mlp' });
  const { doc, ids: pasted } = paste(target, clip, { x: 0, y: 0 });
  assert.deepEqual(pasted, ['mlp-2', 'mlp-3']);
  // Old mlp → mlp-2, old mlp-2 → mlp-3: the wire mlp-2 → mlp becomes mlp-3 → mlp-2.
  assert.deepEqual(edgeIds(doc), ['mlp-3.energy->mlp-2.energy']);
  assert.deepEqual(clip, clipBefore);
  assert.equal(connectionProblem(doc, relay, wire('mlp-2', 'energy', 'mlp-3', 'energy'))?.includes('loop'), true);
  // Into an empty document the ids are the copied ones' bases.
  const fresh = paste(emptyDocument(), clip, { x: 0, y: 0 });
  assert.deepEqual(fresh.ids, ['mlp', 'mlp-2']);
  assert.deepEqual(edgeIds(fresh.doc), ['mlp-2.energy->mlp.energy']);
});

test('portsUsedByEdges lists the ports a node’s wires use, once each', () => {
  const doc = example();
  const objective = portsUsedByEdges(doc, 'objective');
  assert.deepEqual(objective.inputs.sort(), ['data', 'energy', 'sampler']);
  assert.deepEqual(objective.outputs, ['objective']);
  // The energy feeds two wires from one port: listed once.
  assert.deepEqual(portsUsedByEdges(doc, 'energy'), { inputs: [], outputs: ['energy'] });
  assert.deepEqual(portsUsedByEdges(doc, 'trainer'), { inputs: ['optimizer'], outputs: ['trainer'] });
  assert.deepEqual(portsUsedByEdges(doc, 'nobody'), { inputs: [], outputs: [] });
  // A placeholder (unknown type) shows the ports its wires use, even ones no node type has.
  const placeholder: GraphDocument = {
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === 'sampler' ? { ...n, type: 'sampler.future' } : n)),
    edges: [...doc.edges, { source: { node: 'sampler', port: 'extra' }, target: { node: 'density', port: 'sampler' } }],
  };
  assert.deepEqual(portsUsedByEdges(placeholder, 'sampler'), { inputs: ['energy'], outputs: ['sampler', 'extra'] });
});

// ---------------------------------------------------------------------------------------------
// Property: the example, drawn by hand

/** A deterministic shuffle (mulberry32), so each seed tries a different order of clicks. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** What matters of a graph apart from ids, positions and labels: each node by its type, version
 * and params; each wire by the types and ports at its ends. */
function shape(doc: GraphDocument): { nodes: string[]; edges: string[] } {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const key = (n: GraphNode) => JSON.stringify([n.type, n.typeVersion, Object.entries(n.params).sort(([a], [b]) => a.localeCompare(b))]);
  return {
    nodes: doc.nodes.map(key).sort(),
    edges: doc.edges.map((e) => `${key(byId.get(e.source.node)!)}.${e.source.port} -> ${key(byId.get(e.target.node)!)}.${e.target.port}`).sort(),
  };
}

test('the 8 Gaussians example, rebuilt with addNode, setParam and connect in any order, compiles to the same graph', () => {
  const ex = example();
  const expected = compile(ex, catalog);
  assert.deepEqual(expected.diagnostics, []);
  assert.ok(expected.plan);
  const byId = (a: { id: string | undefined }, b: { id: string | undefined }) => (a.id ?? '').localeCompare(b.id ?? '');
  const exPlanned = expected.plan.nodes.map((p) => ({ id: p.id, type: p.def.type, params: p.params, inputs: p.inputs })).sort(byId);
  const exTrainers = expected.plan.trainers;
  for (let seed = 1; seed <= 25; seed++) {
    let doc = emptyDocument();
    const idOf = new Map<string, string>();
    for (const n of shuffled(ex.nodes, seed)) {
      const def = catalog.get(n.type);
      assert.ok(def, n.type);
      const r = addNode(doc, def, { x: seed * 3.3, y: -seed });
      doc = r.doc;
      idOf.set(n.id, r.id);
      for (const [name, value] of Object.entries(n.params)) doc = setParam(doc, r.id, name, value);
    }
    for (const e of shuffled(ex.edges, seed * 7919)) {
      const r = connect(doc, catalog, wire(idOf.get(e.source.node)!, e.source.port, idOf.get(e.target.node)!, e.target.port));
      assert.ok('doc' in r, `seed ${seed}: ${edgeId(e)} refused: ${'problem' in r ? r.problem : ''}`);
      doc = r.doc;
    }
    const { plan, diagnostics } = compile(doc, catalog);
    assert.deepEqual(diagnostics, [], `seed ${seed}`);
    assert.ok(plan);
    assert.deepEqual(shape(doc), shape(ex), `seed ${seed}: the graph differs`);
    // The same plan: node for node (through the id map), the same params with defaults and inputs.
    const exId = new Map([...idOf].map(([a, b]) => [b, a]));
    const planned = plan.nodes.map((p) => ({
      id: exId.get(p.id),
      type: p.def.type,
      params: p.params,
      inputs: Object.fromEntries(Object.entries(p.inputs).map(([port, ref]) => [port, { node: exId.get(ref.node), port: ref.port }])),
    }));
    assert.deepEqual(planned.sort(byId), exPlanned, `seed ${seed}: the plan differs`);
    assert.deepEqual(
      plan.trainers.map((t) => exId.get(t)),
      exTrainers,
    );
  }
});

test('the rebuilt example uses the ids the editor would give: the last part of each type', () => {
  const ex = example();
  let doc = emptyDocument();
  for (const n of ex.nodes) doc = addNode(doc, catalog.get(n.type)!, n.position).doc;
  assert.deepEqual(ids(doc), ['toy2d', 'mlp', 'langevin', 'ml', 'adam', 'loop', 'training', 'density2d']);
  assert.deepEqual(
    doc.nodes.map((n) => n.position),
    ex.nodes.map((n) => n.position),
  );
  assert.deepEqual(
    doc.nodes.map((n) => n.label),
    ex.nodes.map((n) => catalog.get(n.type)!.title),
  );
  assert.equal(dataToy2dNode.title, node(doc, 'toy2d').label);
});

// ---------------------------------------------------------------------------------------------

/** The real catalog plus a test-only node that takes an energy and gives one back, so loops can be drawn. */
function relayCatalog() {
  const relay = defineNode({
    type: 'energy.relay',
    version: 1,
    category: 'energy',
    title: 'Relay',
    doc: 'Test only: passes an energy through.',
    inputs: { energy: { type: 'energy', title: 'Energy in' } },
    outputs: { energy: { type: 'energy', title: 'Energy out' } },
    params: {},
    build: (_ctx, _p, { energy }) => ({ energy }),
  });
  return createCatalog([...NODE_TYPES, relay]);
}
