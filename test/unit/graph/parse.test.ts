import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GraphDocumentSchema, parseGraph, serializeGraph, type GraphDocument } from '../../../app/graph/index.ts';

const minimalText = readFileSync('test/fixtures/valid/minimal.ebm.json', 'utf8');
const codes = (text: string) => parseGraph(text).diagnostics.map((d) => d.code);

/** A valid raw document with `patch` applied at the top level. */
function raw(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(JSON.parse(minimalText) as Record<string, unknown>), ...patch };
}
const text = (value: unknown) => JSON.stringify(value, null, 2);

test('the valid fixture loads with no diagnostics, exactly as written', () => {
  const result = parseGraph(minimalText);
  assert.deepEqual(result.diagnostics, []);
  assert.deepStrictEqual(result.document, JSON.parse(minimalText));
  assert.ok(GraphDocumentSchema.safeParse(result.document).success);
});

test('unknown node types are kept as written, params and unknown fields included', () => {
  const doc = raw({
    nodes: [{ id: 'q', type: 'sampler.quantum-annealer', typeVersion: 7, position: { x: 1, y: 2 }, params: { qubits: 64, schedule: { kind: 'linear', steps: [1, 2] } }, plugin: { vendor: 'x' } }],
    edges: [],
  });
  const result = parseGraph(text(doc));
  assert.deepEqual(result.diagnostics, []);
  assert.deepStrictEqual(result.document!.nodes, doc.nodes);
});

test('unknown fields are kept at every level, and survive a save', () => {
  const doc = {
    formatVersion: 1,
    $schema: '../schema/ebm-graph.schema.json',
    metadata: { title: 't', description: '', appVersion: '9.9.9', tags: ['a'], author: { name: 'R' } },
    seed: 3,
    viewport: { x: 1, y: 2, zoom: 1.5 },
    nodes: [
      { id: 'a', type: 'data.toy2d', typeVersion: 1, position: { x: 0, y: 0, snapped: true }, params: { n: 1 }, collapsed: true, '0': 'integer-like key' },
      { id: 'b', type: 'energy.mlp', typeVersion: 2, label: 'E', position: { x: 5, y: 6 }, params: {}, color: '#f00' },
    ],
    edges: [{ source: { node: 'a', port: 'x', handle: 'h1' }, target: { node: 'b', port: 'x', index: 0 }, animated: false, id: 'e1' }],
    futureSection: { anything: [1, { deep: null }] },
  };
  const first = parseGraph(text(doc));
  assert.deepEqual(first.diagnostics, []);
  assert.deepStrictEqual(first.document, doc);
  const saved = serializeGraph(first.document!);
  const again = parseGraph(saved);
  assert.deepStrictEqual(again.document, doc);
  assert.equal(serializeGraph(again.document!), saved);
});

test('a "__proto__" key is kept as data and changes no prototype', () => {
  const src = '{"formatVersion":1,"metadata":{"title":"t","description":"","appVersion":"1"},"seed":0,"nodes":[{"id":"a","type":"t","typeVersion":1,"position":{"x":0,"y":0},"params":{"__proto__":{"polluted":true}},"__proto__":{"x":1}}],"edges":[],"__proto__":{"admin":true}}';
  const { document, diagnostics } = parseGraph(src);
  assert.deepEqual(diagnostics, []);
  assert.equal(Object.getPrototypeOf(document), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.prototype.hasOwnProperty.call(document, '__proto__'));
  assert.ok(Object.prototype.hasOwnProperty.call(document!.nodes[0]!.params, '__proto__'));
  assert.deepEqual(JSON.parse(serializeGraph(document!)), JSON.parse(src));
  assert.match(serializeGraph(document!), /"__proto__": \{\n\s+"admin": true/);
});

test('formatVersion: newer is refused, missing or odd is an error, older needs a migration', () => {
  for (const v of [2, 1.5, 999]) {
    const r = parseGraph(text(raw({ formatVersion: v })));
    assert.equal(r.document, null);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['GRAPH_FORMAT_NEWER']);
    assert.match(r.diagnostics[0]!.message, /newer version of EBM Studio/);
  }
  assert.equal(parseGraph(text(raw({ formatVersion: '2' }))).document, null, 'a newer version written as text is refused too');

  const missing = raw();
  delete missing.formatVersion;
  const r = parseGraph(text(missing));
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.path]), [['GRAPH_FORMAT_MISSING', 'error', '$.formatVersion']]);
  assert.equal(r.document?.formatVersion, 1);

  assert.deepEqual(codes(text(raw({ formatVersion: '1' }))), ['GRAPH_FORMAT_INVALID']);
  assert.deepEqual(codes(text(raw({ formatVersion: true }))), ['GRAPH_FORMAT_INVALID']);
  assert.deepEqual(codes(text(raw({ formatVersion: 0.5 }))), ['GRAPH_FORMAT_INVALID']);
  for (const v of [0, -1]) {
    const old = parseGraph(text(raw({ formatVersion: v })));
    assert.equal(old.document, null);
    assert.deepEqual(old.diagnostics.map((d) => d.code), ['GRAPH_FORMAT_UNSUPPORTED']);
  }
});

test('syntax errors give line, column and the JSON path', () => {
  const r = parseGraph('{\n  "formatVersion": 1,\n  "seed": NaN\n}');
  assert.equal(r.document, null);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]!.code, 'GRAPH_JSON_SYNTAX');
  assert.equal(r.diagnostics[0]!.path, '$.seed');
  assert.match(r.diagnostics[0]!.message, /NaN.*line 3, column 11/);

  const cases: [string, RegExp, string][] = [
    ['{"a": 1 "b": 2}', /expected "," or "}" but found """ \(at line 1, column 9\)/, '$.a'],
    ['{"a": [1, 2,]}', /trailing comma/, '$.a[2]'],
    ["{'a': 1}", /expected a key in double quotes/, '$'],
    ['{"a": \'x\'}', /double quotes, not single/, '$.a'],
    ['{"a": "line\nbreak"}', /past the end of the line/, '$.a'],
    ['{"a": "\\x"}', /not an escape/, '$.a'],
    ['{"a": 01}', /start with 0/, '$.a'],
    ['{"a": 1.}', /after the decimal point/, '$.a'],
    ['{"a": -}', /digits after "-"/, '$.a'],
    ['{"a": undefined}', /undefined is not a JSON value/, '$.a'],
    ['{"a": 1} x', /after the end of the JSON data/, '$'],
    ['{"a": tru', /ends inside a value/, '$.a'],
    ['{"a": {"b": [1, {"c": ', /ends where a value should be/, '$.a.b[1].c'],
    ['{"weird key": [1, }', /expected a value/, '$["weird key"][1]'],
  ];
  for (const [src, message, path] of cases) {
    const d = parseGraph(src).diagnostics;
    assert.equal(d.length, 1, src);
    assert.equal(d[0]!.code, 'GRAPH_JSON_SYNTAX', src);
    assert.match(d[0]!.message, message, src);
    assert.equal(d[0]!.path, path, src);
  }
});

test('repeated keys are reported and the last value is used, as JSON.parse does', () => {
  const r = parseGraph(minimalText.replace('"seed": 42,', '"seed": 1,\n  "seed": 42,'));
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.path]), [['GRAPH_DUPLICATE_KEY', 'warning', '$.seed']]);
  assert.equal(r.document?.seed, 42);
});

test('a byte-order mark is ignored; empty and whitespace-only files are empty', () => {
  assert.deepEqual(parseGraph('\ufeff' + minimalText).diagnostics, []);
  assert.deepEqual(codes(''), ['GRAPH_FILE_EMPTY']);
  assert.deepEqual(codes(' \n\t\r\n'), ['GRAPH_FILE_EMPTY']);
});

test('size and nesting limits are diagnostics, never stack overflows', () => {
  assert.deepEqual(parseGraph(minimalText, { maxLength: 100 }).diagnostics.map((d) => d.code), ['GRAPH_FILE_TOO_LARGE']);
  assert.deepEqual(codes('['.repeat(1_000_000)), ['GRAPH_TOO_DEEP']);
  assert.deepEqual(codes('{"a":'.repeat(300_000)), ['GRAPH_TOO_DEEP']);
  assert.deepEqual(parseGraph(minimalText, { maxDepth: 3 }).diagnostics.map((d) => d.code), ['GRAPH_TOO_DEEP']);
  // Deep but within the limit: loads and saves.
  const deep = raw({ extra: JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown });
  const r = parseGraph(text(deep));
  assert.deepEqual(r.diagnostics, []);
  assert.deepStrictEqual(parseGraph(serializeGraph(r.document!)).document, r.document);
  // Megabytes of garbage come back as one syntax error.
  assert.deepEqual(codes('x'.repeat(5_000_000)), ['GRAPH_JSON_SYNTAX']);
});

test('a large graph loads', () => {
  const nodes = Array.from({ length: 3000 }, (_, i) => ({ id: `n${i}`, type: 'energy.mlp', typeVersion: 1, position: { x: i, y: -i }, params: { hidden: [64, 64], lr: 1e-3 } }));
  const edges = nodes.slice(1).map((n, i) => ({ source: { node: `n${i}`, port: 'E' }, target: { node: n.id, port: 'x' } }));
  const r = parseGraph(text(raw({ nodes, edges })));
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.document!.nodes.length, 3000);
  assert.equal(r.document!.edges.length, 2999);
});

test('repairs keep the rest of the field and say what they did', () => {
  const doc = raw({
    nodes: [{ id: 'a', type: 't', typeVersion: 1, label: 'L'.repeat(250), position: { x: 'left', y: 7, pinned: true }, params: { k: 1 } }],
    edges: [],
    metadata: { title: 'T'.repeat(600), appVersion: '0.1.0', extra: 1 },
  });
  const r = parseGraph(text(doc));
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.path, d.nodeId]), [
    ['GRAPH_FIELD_INVALID', '$.metadata.title', undefined],
    ['GRAPH_FIELD_INVALID', '$.nodes[0].label', 'a'],
    ['GRAPH_FIELD_INVALID', '$.nodes[0].position.x', 'a'],
  ]);
  assert.match(r.diagnostics[0]!.message, /cut to 500/);
  assert.match(r.diagnostics[2]!.message, /should be a number.*set to 0/);
  const d = r.document!;
  assert.deepEqual(d.metadata, { title: 'T'.repeat(500), description: '', appVersion: '0.1.0', extra: 1 });
  assert.deepEqual(d.nodes[0], { id: 'a', type: 't', typeVersion: 1, label: 'L'.repeat(200), position: { x: 0, y: 7, pinned: true }, params: { k: 1 } });
  for (const diag of r.diagnostics) assert.equal(diag.severity, 'error');
});

test('a node left out takes its edges with it, and the message says why', () => {
  const doc = raw({
    nodes: [
      { id: 'a', type: 'data.toy2d', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
      { id: 'b', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    ],
    edges: [{ source: { node: 'a', port: 'x' }, target: { node: 'b', port: 'x' } }],
  });
  const r = parseGraph(text(doc));
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.path, d.nodeId]), [
    ['GRAPH_NODE_INVALID', '$.nodes[1].type', 'b'],
    ['GRAPH_EDGE_UNKNOWN_NODE', '$.edges[0].target.node', 'a'],
  ]);
  assert.match(r.diagnostics[1]!.message, /which was left out/);
  assert.deepEqual(r.document!.nodes.map((n) => n.id), ['a']);
  assert.deepEqual(r.document!.edges, []);
});

test('parseGraph never throws, even when handed something that is not text', () => {
  for (const bad of [undefined, null, 42, {}, Buffer.from('{}')]) {
    const r = parseGraph(bad as unknown as string);
    assert.equal(r.document, null);
    assert.ok(r.diagnostics.length > 0);
  }
});

test('the loader returns a document of its own type', () => {
  const doc: GraphDocument | null = parseGraph(minimalText).document;
  assert.equal(doc?.nodes[1]?.type, 'energy.mlp');
});
