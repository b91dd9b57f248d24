import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { emptyDocument, formatJsonPath, parseGraph, serializeGraph, type GraphDocument } from '../../../app/graph/index.ts';

const minimalText = readFileSync('test/fixtures/valid/minimal.ebm.json', 'utf8');
const minimal = (): GraphDocument => parseGraph(minimalText).document!;

test('the valid fixture is in canonical form: load and save gives it back byte for byte', () => {
  assert.equal(serializeGraph(minimal()), minimalText);
});

test('round trip: serialize(parse(serialize(doc))) is identical and parse gives the document back', () => {
  const docs: GraphDocument[] = [minimal(), emptyDocument('Empty')];
  const busy = minimal() as GraphDocument & Record<string, unknown>;
  busy.viewport = { zoom: 2, x: -1.25e-7 };
  busy.nodes[0]!.params.schedule = { kind: 'cosine', warmup: 100, table: [[0, 1], [1, 0.5]] };
  busy.nodes[0]!.label = 'Ünïcödé ✓ "quoted" \\ back\nslash \u2028 \ud83d\ude00 lone \ud800';
  busy.metadata.description = 'line 1\nline 2\ttab';
  docs.push(busy);
  for (const doc of docs) {
    const once = serializeGraph(doc);
    const back = parseGraph(once);
    assert.deepEqual(back.diagnostics, []);
    assert.deepStrictEqual(back.document, doc);
    assert.equal(serializeGraph(back.document!), once);
  }
});

test('known fields in a fixed order, then unknown fields sorted; params sorted, deeply', () => {
  const doc = {
    zeta: 1,
    edges: [{ target: { port: 'x', node: 'b', extra: 1 }, source: { port: 'y', node: 'a' }, animated: true }],
    nodes: [{ params: { z: 1, a: { y: 2, b: [{ d: 1, c: 2 }] } }, position: { y: 2, x: 1, w: 0 }, label: 'L', typeVersion: 1, type: 't', id: 'a', 10: 'ten', 2: 'two', color: 'red' }],
    seed: 5,
    metadata: { appVersion: '1', description: 'd', title: 't', author: 'me' },
    formatVersion: 1,
    alpha: 2,
  } as unknown as GraphDocument;
  const expected = `{
  "formatVersion": 1,
  "metadata": {
    "title": "t",
    "description": "d",
    "appVersion": "1",
    "author": "me"
  },
  "seed": 5,
  "nodes": [
    {
      "id": "a",
      "type": "t",
      "typeVersion": 1,
      "label": "L",
      "position": {
        "x": 1,
        "y": 2,
        "w": 0
      },
      "params": {
        "a": {
          "b": [
            {
              "c": 2,
              "d": 1
            }
          ],
          "y": 2
        },
        "z": 1
      },
      "10": "ten",
      "2": "two",
      "color": "red"
    }
  ],
  "edges": [
    {
      "source": {
        "node": "a",
        "port": "y"
      },
      "target": {
        "node": "b",
        "port": "x",
        "extra": 1
      },
      "animated": true
    }
  ],
  "alpha": 2,
  "zeta": 1
}
`;
  assert.equal(serializeGraph(doc), expected);
});

test('the output does not depend on the order keys were added in', () => {
  const a = minimal();
  const b = JSON.parse(JSON.stringify(a), (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
  ) as GraphDocument;
  assert.notEqual(JSON.stringify(a), JSON.stringify(b));
  assert.equal(serializeGraph(b), serializeGraph(a));
});

test('changing one parameter changes exactly one line', () => {
  const before = minimal();
  const after = minimal();
  after.nodes[0]!.params.noise = 0.1;
  const a = serializeGraph(before).split('\n');
  const b = serializeGraph(after).split('\n');
  assert.equal(a.length, b.length);
  const changed = a.map((line, i) => [line, b[i]] as const).filter(([x, y]) => x !== y);
  assert.deepEqual(changed, [['        "noise": 0.05,', '        "noise": 0.1,']]);
});

test('moving a node changes exactly one line per coordinate moved', () => {
  const after = minimal();
  after.nodes[1]!.position.x = 321;
  const a = serializeGraph(minimal()).split('\n');
  const b = serializeGraph(after).split('\n');
  assert.equal(a.filter((line, i) => line !== b[i]).length, 1);
});

test('2-space indent, a final newline, empty containers inline', () => {
  const s = serializeGraph(emptyDocument('x'));
  assert.ok(s.endsWith('}\n') && !s.endsWith('\n\n'));
  assert.ok(s.startsWith('{\n  "formatVersion": 1,\n  "metadata": {\n    "title": "x",'), s);
  assert.ok(s.endsWith('"nodes": [],\n  "edges": []\n}\n'), s);
});

test('what JSON cannot hold is refused, with its path, rather than saved wrong', () => {
  const cases: [(d: GraphDocument) => void, RegExp][] = [
    [(d) => (d.nodes[0]!.params.noise = NaN), /\$\.nodes\[0\]\.params\.noise is NaN/],
    [(d) => (d.nodes[1]!.position.x = Infinity), /\$\.nodes\[1\]\.position\.x is Infinity/],
    [(d) => (d.nodes[0]!.params.f = () => 1), /\$\.nodes\[0\]\.params\.f holds a function/],
    [(d) => (d.nodes[0]!.params.big = 1n), /holds a bigint/],
    [(d) => (d.nodes[0]!.params.when = new Date(0)), /not plain data \(Date\)/],
    [(d) => (d.nodes[0]!.params.list = [1, undefined]), /\$\.nodes\[0\]\.params\.list\[1\] is undefined/],
    [
      (d) => {
        const loop: Record<string, unknown> = {};
        loop.self = loop;
        d.nodes[0]!.params.loop = loop;
      },
      /\$\.nodes\[0\]\.params\.loop\.self contains itself/,
    ],
  ];
  for (const [mutate, message] of cases) {
    const doc = minimal();
    mutate(doc);
    assert.throws(() => serializeGraph(doc), message);
  }
  // An absent optional field (undefined) is simply not written.
  const doc = minimal();
  doc.nodes[0]!.label = undefined;
  assert.doesNotMatch(serializeGraph(doc), /"label": "Two moons"/);
  // The same object twice (not a cycle) is fine.
  const shared = { a: 1 };
  const twice = minimal();
  twice.nodes[0]!.params.p = shared;
  twice.nodes[1]!.params.p = shared;
  assert.doesNotThrow(() => serializeGraph(twice));
});

test('formatJsonPath', () => {
  assert.equal(formatJsonPath([]), '$');
  assert.equal(formatJsonPath(['nodes', 2, 'position', 'x']), '$.nodes[2].position.x');
  assert.equal(formatJsonPath(['nodes', 0, 'params', 'learning rate']), '$.nodes[0].params["learning rate"]');
  assert.equal(formatJsonPath(['a-b', '0', '$ok', '_x1', 'é', '']), '$["a-b"]["0"].$ok._x1["é"][""]');
  assert.equal(formatJsonPath(['say "hi"']), '$["say \\"hi\\""]');
});
