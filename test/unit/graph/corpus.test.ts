// The corpus of broken files: each one loads without throwing, with the expected diagnostics
// (code, JSON path, node id), and with a document only where one can be read safely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphDocumentSchema, parseGraph, serializeGraph } from '../../../app/graph/index.ts';
import { readGraphFile } from '../../../app/graph/node/file.ts';
import { DiagnosticSchema } from '../../../app/diagnostics.ts';

const dir = 'test/fixtures/broken';

/** [code, path, nodeId?]; every one must be among the diagnostics. */
type Expected = [code: string, path: string, nodeId?: string];
const corpus: Record<string, { document: 'null' | 'kept'; expect: Expected[]; message?: RegExp }> = {
  'malformed.ebm.json': { document: 'null', expect: [['GRAPH_JSON_SYNTAX', '$.nodes[0].typeVersion']], message: /line 14, column 7/ },
  'truncated.ebm.json': { document: 'null', expect: [['GRAPH_JSON_SYNTAX', '$.nodes[1].params.activation']], message: /cut short.*line 34, column 27/ },
  'empty.ebm.json': { document: 'null', expect: [['GRAPH_FILE_EMPTY', '$']] },
  'binary.ebm.json': { document: 'null', expect: [['GRAPH_FILE_ENCODING', '$'], ['GRAPH_JSON_SYNTAX', '$']], message: /binary data/ },
  'top-level-array.ebm.json': { document: 'null', expect: [['GRAPH_NOT_A_GRAPH', '$']], message: /list \(array\)/ },
  'top-level-string.ebm.json': { document: 'null', expect: [['GRAPH_NOT_A_GRAPH', '$']] },
  'not-a-graph.ebm.json': { document: 'null', expect: [['GRAPH_NOT_A_GRAPH', '$']] },
  'nodes-not-array.ebm.json': { document: 'kept', expect: [['GRAPH_FIELD_INVALID', '$.nodes'], ['GRAPH_EDGE_UNKNOWN_NODE', '$.edges[0].source.node']] },
  'edges-not-array.ebm.json': { document: 'kept', expect: [['GRAPH_FIELD_INVALID', '$.edges']] },
  'wrong-field-types.ebm.json': {
    document: 'kept',
    expect: [
      ['GRAPH_FIELD_INVALID', '$.metadata.title'],
      ['GRAPH_FIELD_INVALID', '$.metadata.description'],
      ['GRAPH_FIELD_INVALID', '$.metadata.appVersion'],
      ['GRAPH_FIELD_INVALID', '$.seed'],
      ['GRAPH_FIELD_INVALID', '$.nodes[0].typeVersion', 'data'],
      ['GRAPH_FIELD_INVALID', '$.nodes[0].label', 'data'],
      ['GRAPH_FIELD_INVALID', '$.nodes[0].position', 'data'],
      ['GRAPH_FIELD_INVALID', '$.nodes[0].params', 'data'],
      ['GRAPH_FIELD_INVALID', '$.nodes[1].typeVersion', 'energy'],
      ['GRAPH_FIELD_INVALID', '$.nodes[1].position.x', 'energy'],
      ['GRAPH_NODE_INVALID', '$.nodes[2].id'],
      ['GRAPH_NODE_INVALID', '$.nodes[3]'],
      ['GRAPH_EDGE_INVALID', '$.edges[0].target.port', 'data'],
    ],
  },
  'edge-missing-ends.ebm.json': {
    document: 'kept',
    expect: [
      ['GRAPH_EDGE_INVALID', '$.edges[0].source', 'energy'],
      ['GRAPH_EDGE_INVALID', '$.edges[1].target.port', 'data'],
      ['GRAPH_EDGE_INVALID', '$.edges[2].source.node', 'energy'],
      ['GRAPH_EDGE_INVALID', '$.edges[3].source', 'energy'],
    ],
  },
  'edge-unknown-node.ebm.json': {
    document: 'kept',
    expect: [
      ['GRAPH_EDGE_UNKNOWN_NODE', '$.edges[0].target.node', 'data'],
      ['GRAPH_EDGE_UNKNOWN_NODE', '$.edges[1].source.node', 'energy'],
    ],
  },
  'duplicate-ids.ebm.json': { document: 'kept', expect: [['GRAPH_DUPLICATE_NODE_ID', '$.nodes[2].id', 'data']] },
  'duplicate-edges.ebm.json': { document: 'kept', expect: [['GRAPH_DUPLICATE_EDGE', '$.edges[2]', 'data']] },
  'duplicate-keys.ebm.json': { document: 'kept', expect: [['GRAPH_DUPLICATE_KEY', '$.nodes[0].params.lr']] },
  'node-without-type.ebm.json': {
    document: 'kept',
    expect: [
      ['GRAPH_NODE_INVALID', '$.nodes[1].type', 'energy'],
      ['GRAPH_NODE_INVALID', '$.nodes[2].type', 'sampler'],
      ['GRAPH_EDGE_UNKNOWN_NODE', '$.edges[0].target.node', 'data'],
    ],
  },
  'huge-numbers.ebm.json': {
    document: 'kept',
    expect: [
      ['GRAPH_NUMBER_OUT_OF_RANGE', '$.seed'],
      ['GRAPH_NUMBER_OUT_OF_RANGE', '$.nodes[0].position.x', 'energy'],
      ['GRAPH_NUMBER_OUT_OF_RANGE', '$.nodes[0].position.y', 'energy'],
      ['GRAPH_NUMBER_OUT_OF_RANGE', '$.nodes[0].params.hidden[1]', 'energy'],
      ['GRAPH_NUMBER_OUT_OF_RANGE', '$.nodes[0].zoom', 'energy'],
    ],
  },
  'nan-token.ebm.json': { document: 'null', expect: [['GRAPH_JSON_SYNTAX', '$.nodes[0].params.lr']], message: /NaN is not a JSON value.*line 11, column 25/ },
  'infinity-token.ebm.json': { document: 'null', expect: [['GRAPH_JSON_SYNTAX', '$.nodes[0].position.x']], message: /-Infinity is not a JSON value.*line 10, column 26/ },
  'trailing-comma.ebm.json': { document: 'null', expect: [['GRAPH_JSON_SYNTAX', '$.edges']], message: /trailing comma.*line 7, column 1/ },
  'negative-seed.ebm.json': { document: 'kept', expect: [['GRAPH_FIELD_INVALID', '$.seed']], message: /-7/ },
  'newer-format.ebm.json': { document: 'null', expect: [['GRAPH_FORMAT_NEWER', '$.formatVersion']], message: /newer version of EBM Studio/ },
  'missing-format.ebm.json': { document: 'kept', expect: [['GRAPH_FORMAT_MISSING', '$.formatVersion']] },
  'missing-metadata.ebm.json': { document: 'kept', expect: [['GRAPH_FIELD_MISSING', '$.metadata']] },
  'missing-node-fields.ebm.json': {
    document: 'kept',
    expect: [
      ['GRAPH_FIELD_MISSING', '$.nodes[0].typeVersion', 'data'],
      ['GRAPH_FIELD_MISSING', '$.nodes[0].position', 'data'],
      ['GRAPH_FIELD_MISSING', '$.nodes[0].params', 'data'],
    ],
  },
  'deep-nesting.ebm.json': { document: 'null', expect: [['GRAPH_TOO_DEEP', '$.extra[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]']] },
};

test('every broken fixture has expectations, and every expectation a fixture', () => {
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.ebm.json')).sort(), Object.keys(corpus).sort());
});

for (const [file, want] of Object.entries(corpus)) {
  test(`broken/${file}`, async () => {
    const result = await readGraphFile(join(dir, file));
    const seen = result.diagnostics.map((d) => `${d.code} ${d.path}${d.nodeId === undefined ? '' : ` ${d.nodeId}`}`);
    for (const [code, path, nodeId] of want.expect) {
      assert.ok(seen.includes(`${code} ${path}${nodeId === undefined ? '' : ` ${nodeId}`}`), `expected ${code} at ${path}${nodeId ? ` (node ${nodeId})` : ''}; got:\n  ${seen.join('\n  ')}`);
    }
    for (const d of result.diagnostics) {
      assert.ok(DiagnosticSchema.safeParse(d).success);
      assert.match(d.path ?? '', /^\$/);
      assert.ok(d.message.length > 20, d.message);
    }
    if (want.message) assert.ok(result.diagnostics.some((d) => want.message!.test(d.message)), `no message matches ${want.message}`);
    if (want.document === 'null') {
      assert.equal(result.document, null);
      assert.ok(result.diagnostics.some((d) => d.severity === 'error'));
    } else {
      assert.ok(result.document);
      assert.ok(GraphDocumentSchema.safeParse(result.document).success);
      // What was salvaged saves and loads back cleanly.
      const again = parseGraph(serializeGraph(result.document));
      assert.deepEqual(again.diagnostics, []);
      assert.deepStrictEqual(again.document, result.document);
    }
    // The text path (no file) agrees, apart from the byte-level encoding check.
    const fromText = parseGraph(readFileSync(join(dir, file), 'utf8'));
    assert.deepEqual(
      fromText.diagnostics.map((d) => d.code),
      result.diagnostics.filter((d) => d.code !== 'GRAPH_FILE_ENCODING').map((d) => d.code),
    );
  });
}

test('salvage keeps what could be read', async () => {
  const dup = (await readGraphFile(join(dir, 'duplicate-ids.ebm.json'))).document!;
  assert.deepEqual(dup.nodes.map((n) => [n.id, n.type, n.params]), [['data', 'data.toy2d', { noise: 0.05 }], ['energy', 'energy.mlp', {}]]);
  assert.equal(dup.edges.length, 1);

  const wrong = (await readGraphFile(join(dir, 'wrong-field-types.ebm.json'))).document!;
  assert.deepEqual(wrong.metadata, { title: 'Untitled', description: '', appVersion: 'unknown' });
  assert.equal(wrong.seed, 0);
  assert.deepEqual(wrong.nodes.map((n) => n.id), ['data', 'energy']);
  assert.deepEqual(wrong.nodes[0], { id: 'data', type: 'data.toy2d', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
  assert.deepEqual(wrong.nodes[1]?.position, { x: 0, y: 20 }, 'a bad x does not cost the y');
  assert.deepEqual(wrong.nodes[1]?.params, { hidden: [64, 64] });
  assert.deepEqual(wrong.edges, []);

  const huge = (await readGraphFile(join(dir, 'huge-numbers.ebm.json'))).document!;
  assert.deepEqual(huge.nodes[0]?.params, { lr: 0.001 }, 'the unrepresentable param is dropped, the others kept');
  assert.equal('zoom' in huge.nodes[0]!, false);

  const ends = (await readGraphFile(join(dir, 'edge-missing-ends.ebm.json'))).document!;
  assert.deepEqual(ends.edges, [{ source: { node: 'data', port: 'x' }, target: { node: 'energy', port: 'x' } }]);

  const missing = (await readGraphFile(join(dir, 'missing-metadata.ebm.json'))).document!;
  assert.deepEqual(missing.metadata, { title: 'Untitled', description: '', appVersion: 'unknown' });

  const fields = (await readGraphFile(join(dir, 'missing-node-fields.ebm.json'))).document!;
  assert.deepEqual(fields.nodes, [{ id: 'data', type: 'data.toy2d', typeVersion: 1, position: { x: 0, y: 0 }, params: {} }]);
});
