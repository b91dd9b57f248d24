// Property test: seeded random damage to a valid graph (fields deleted, replaced, retyped; text
// cut, spliced and garbled) never makes the loader throw. Each result is either null with an
// error, or a valid document that saves and loads back unchanged with no diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DiagnosticSchema } from '../../../app/diagnostics.ts';
import { GraphDocumentSchema, parseGraph, serializeGraph, type LoadResult } from '../../../app/graph/index.ts';
import { Rng } from '../../../app/runtime/rng.ts';

const base = readFileSync('test/fixtures/valid/minimal.ebm.json', 'utf8');
// Placeholders that become the tokens 1e400 and NaN in the text.
const HUGE = '"@@huge@@"';
const NAN = '"@@nan@@"';

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;

function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 8 : 11)) {
    case 0: return null;
    case 1: return rng.next() < 0.5;
    case 2: return pick(rng, [0, -1, 1, 1.5, -0.25, 2 ** 32, 2 ** 53, -(2 ** 31), 1e308, 5e-324]);
    case 3: return pick(rng, ['', 'x', 'data', 'energy', 'energy.mlp', '1', '__proto__', 'constructor', 'é\u2028', 'x'.repeat(300)]);
    case 4: return HUGE.slice(1, -1);
    case 5: return NAN.slice(1, -1);
    case 6: return rng.int(1000);
    case 7: return pick(rng, ['toString', 'hasOwnProperty']);
    case 8: return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    case 9: return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [pick(rng, ['id', 'type', 'node', 'port', 'x', 'y', 'params', 'source', 'target', 'k']), randomValue(rng, depth + 1)]));
    default: return { node: pick(rng, ['data', 'energy', 'ghost']), port: pick(rng, ['x', 'E', '']) };
  }
}

/** Every (container, key) in the value, so a mutation can pick any field at any depth. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([value, i]); slots(v, out); });
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) { out.push([value as Record<string, unknown>, k]); slots(v, out); }
  return out;
}

function mutateValue(rng: Rng, doc: unknown): void {
  const all = slots(doc);
  const [container, key] = pick(rng, all);
  const c = container as Record<string | number, unknown>;
  const op = rng.int(5);
  if (op === 0) {
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete c[key];
  } else if (op === 1) c[key] = randomValue(rng);
  else if (op === 2) {
    // Retype: keep the value's content, change its type.
    const v = c[key];
    c[key] = pick(rng, [String(v), Number(v), [v], { value: v }, v === null ? 0 : null]);
  } else if (op === 3 && Array.isArray(container)) container.push(structuredClone(pick(rng, container)));
  else if (op === 3) c[pick(rng, ['extra', 'id', 'label', 'typeVersion', '0'])] = randomValue(rng);
  else c[key] = structuredClone(pick(rng, all)[0]);
}

function mutateText(rng: Rng, text: string): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(5)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + text.slice(at + 1 + rng.int(20));
    case 2: return text.slice(0, at) + pick(rng, ['{', '}', '[', ']', ',', ':', '"', '\\', 'NaN', 'Infinity', '-', '1e400', '\u0000', '\ufffd', '\n', ' ', 'null', '/*']) + text.slice(at);
    case 3: {
      const from = rng.int(text.length);
      return text.slice(0, at) + text.slice(from, from + rng.int(200)) + text.slice(at);
    }
    default: return Array.from(text.slice(0, 300 + rng.int(300)), (ch) => (rng.next() < 0.1 ? String.fromCharCode(rng.int(0x3000)) : ch)).join('');
  }
}

function check(text: string, result: LoadResult, label: string): void {
  for (const d of result.diagnostics) {
    assert.ok(DiagnosticSchema.safeParse(d).success, label);
    assert.match(d.path ?? '', /^\$/, label);
    assert.notEqual(d.code, 'GRAPH_INTERNAL', `${label}: ${d.message}\n${text}`);
    assert.notEqual(d.code, 'GRAPH_SCHEMA_INVALID', `${label}: ${d.message}\n${text}`);
  }
  if (result.document === null) {
    assert.ok(result.diagnostics.some((d) => d.severity === 'error'), `${label}: null without an error`);
    return;
  }
  const doc = result.document;
  assert.ok(GraphDocumentSchema.safeParse(doc).success, `${label}: invalid document\n${text}`);
  const ids = new Set(doc.nodes.map((n) => n.id));
  assert.equal(ids.size, doc.nodes.length, `${label}: duplicate node ids`);
  for (const e of doc.edges) assert.ok(ids.has(e.source.node) && ids.has(e.target.node), `${label}: dangling edge`);
  // Repairs are complete: what was salvaged saves and loads back with nothing to report.
  const saved = serializeGraph(doc);
  const again = parseGraph(saved);
  assert.deepEqual(again.diagnostics, [], `${label}\n${text}`);
  assert.deepStrictEqual(again.document, doc, label);
  assert.equal(serializeGraph(again.document!), saved, label);
}

test('1000 random structural mutations never throw, and give diagnostics or a valid document', () => {
  const rng = new Rng(20240611);
  let nulls = 0;
  let repaired = 0;
  for (let i = 0; i < 1000; i++) {
    const doc = JSON.parse(base) as unknown;
    const count = 1 + rng.int(4);
    for (let m = 0; m < count; m++) mutateValue(rng, doc);
    const text = JSON.stringify(doc, null, rng.int(2) * 2).replaceAll(HUGE, '1e400').replaceAll(NAN, 'NaN');
    let result: LoadResult | undefined;
    assert.doesNotThrow(() => (result = parseGraph(text)), `case ${i}`);
    check(text, result!, `case ${i}`);
    if (result!.document === null) nulls++;
    else if (result!.diagnostics.length) repaired++;
  }
  // The mutations reach both outcomes (the test would be hollow otherwise).
  assert.ok(nulls > 30, `nulls ${nulls}`);
  assert.ok(repaired > 300, `repaired ${repaired}`);
});

test('700 random text mutations never throw, and give diagnostics or a valid document', () => {
  const rng = new Rng(7);
  const codes = new Set<string>();
  let kept = 0;
  for (let i = 0; i < 700; i++) {
    let text = base;
    const count = 1 + rng.int(3);
    for (let m = 0; m < count; m++) text = mutateText(rng, text);
    let result: LoadResult | undefined;
    assert.doesNotThrow(() => (result = parseGraph(text)), `case ${i}`);
    check(text, result!, `text case ${i}`);
    for (const d of result!.diagnostics) codes.add(d.code);
    if (result!.document && result!.diagnostics.length) kept++;
  }
  assert.ok(codes.has('GRAPH_JSON_SYNTAX'), [...codes].join(', '));
  assert.ok(kept > 10, `damaged but readable: ${kept}`);
});
