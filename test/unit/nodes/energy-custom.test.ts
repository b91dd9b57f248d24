// The Custom energy node, read without running its code (what compile() and the renderer do):
// the code parameter kind, TypeScript compiled line for line with errors placed at the user's line
// and column, what the sandbox would refuse said up front, the parameter declarations ('d',
// initialisers, their problems), and the static second-order scan that score-based objectives
// rely on. Running the code (sandbox, dry run, escapes) is in energy-custom-sandbox.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { compile } from '../../../app/compile/compile.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { Rng } from '../../../app/runtime/rng.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { compileCode, declarationPosition, energyPosition, paramPositions, secondOrderProblems, type CompiledCode } from '../../../nodes/energy-custom/code.ts';
import { initialValues, readParamDecls } from '../../../nodes/energy-custom/declare.ts';
import { DEFAULT_ENERGY_CODE, energyCustomNode } from '../../../nodes/energy-custom/node.ts';
import { FACADE_OPS, SECOND_ORDER_OPS, TENSOR_METHODS } from '../../../nodes/energy-custom/ops.ts';
import { makeFacade } from '../../../nodes/energy-custom/facade.ts';
import { checkParam, describeSpec, parseParamText } from '../../../nodes/params.ts';
import { useBackend } from '../../helpers/nodes.ts';

const compiled = (source: string): CompiledCode => {
  const { compiled: c, diagnostics } = compileCode(source);
  assert.ok(c, `does not compile: ${JSON.stringify(diagnostics)}`);
  return c;
};

// --- The code parameter kind ---------------------------------------------------------------------

test('the code parameter: text up to its maximum length, taken exactly as typed by --set, described for people', () => {
  const spec = energyCustomNode.params.code;
  assert.equal(spec.kind, 'code');
  assert.equal(checkParam(spec, DEFAULT_ENERGY_CODE), null);
  assert.equal(checkParam(spec, ''), null);
  assert.match(checkParam(spec, 42) ?? '', /expected typescript code as text, got 42/);
  assert.match(checkParam(spec, 'x'.repeat(spec.maxLength + 1)) ?? '', new RegExp(`${spec.maxLength + 1} characters long; the most is ${spec.maxLength}`));
  const typed = '  export const params = {};\n\texport function energy(x) {}\n';
  assert.deepEqual(parseParamText(spec, typed), { value: typed }, 'whitespace and line breaks are kept');
  assert.match(describeSpec(spec), /^typescript code, up to 100000 characters, default \d+ lines of example code$/);
});

test('compile(): the default Custom energy compiles; a syntax error in its code is a diagnostic on the node naming the line and column', () => {
  const doc = withCustomEnergy('examples/8gaussians-pcd.ebm.json', DEFAULT_ENERGY_CODE);
  const ok = compile(doc, catalog);
  assert.ok(ok.plan, JSON.stringify(ok.diagnostics));
  const broken = withCustomEnergy('examples/8gaussians-pcd.ebm.json', 'export const params = { w: { shape: [1], init: "zeros" } };\nexport function energy(x) {\n  return tf.sum(x, 1;\n}\n');
  const result = compile(broken, catalog);
  assert.equal(result.plan, null);
  const d = result.diagnostics.find((x) => x.code === 'CUSTOM_CODE_INVALID');
  assert.ok(d, JSON.stringify(result.diagnostics));
  assert.equal(d.nodeId, 'energy');
  assert.equal(d.param, 'code');
  assert.match(d.message, /^"Custom": its code, line 3, column 21: syntax error: Unexpected token, expected ","$/);
});

// --- Compiling: line for line, errors where the user wrote them --------------------------------

test('TypeScript compiles to JavaScript on the same lines; types and type-only imports disappear', () => {
  const source = [
    "import type { Tensor2D } from '@tensorflow/tfjs-core';",
    'interface Shape { n: number }',
    "export const params = { W: { shape: ['d', 3], init: 'glorot' } };",
    'export function energy(x: Tensor2D, p: Record<string, Tensor2D>): Tensor1D {',
    '  const h = tf.matMul(x, p.W) as Tensor2D;',
    '  return tf.sum(h, 1);',
    '}',
  ].join('\n');
  const c = compiled(source);
  const lines = c.js.split('\n');
  assert.equal(lines.length, 7);
  assert.match(lines[4]!, /const h = tf\.matMul\(x, p\.W\)/);
  assert.ok(!c.js.includes('require('), 'a type-only import loads nothing');
  assert.deepEqual(energyPosition(c), { line: 4, column: 8 });
  assert.deepEqual(declarationPosition(c, 'params'), { line: 3, column: 14 });
  assert.deepEqual(paramPositions(c).get('W'), { line: 3, column: 25 });
});

const staticCases: { name: string; source: string; code: string; line: number; column: number; message: RegExp }[] = [
  { name: 'a TypeScript syntax error', source: 'const a: number = 1;\nconst b = (a +;\n', code: 'CODE_SYNTAX', line: 2, column: 15, message: /^syntax error: Unexpected token/ },
  { name: 'a JavaScript error sucrase lets through', source: 'const a = 1;\n\nconst a = 2;\n', code: 'CODE_SYNTAX', line: 3, column: 7, message: /syntax error: Identifier 'a' has already been declared/ },
  { name: 'an import of a module', source: "\nimport * as fs from 'node:fs';\nexport const x = fs.readFileSync('/etc/passwd');\n", code: 'CODE_MODULE', line: 2, column: 1, message: /cannot import or require modules: tf is already in scope/ },
  { name: 'require', source: "const a = 1;\nconst fs = require('fs');\n", code: 'CODE_MODULE', line: 2, column: 12, message: /cannot import or require modules/ },
  { name: 'a dynamic import()', source: "const a = 1;\nexport const m = import('fs');\n", code: 'CODE_MODULE', line: 2, column: 18, message: /cannot import or require modules/ },
  { name: '"import(" in a comment', source: 'const a = 1; // see import("x")\n', code: 'CODE_REFUSED_TEXT', line: 1, column: 21, message: /looks like a module import/ },
  { name: 'an HTML comment', source: 'const a = 1;\nconst b = a <!-- 2;\n', code: 'CODE_REFUSED_TEXT', line: 2, column: 13, message: /looks like an HTML comment/ },
  { name: 'eval', source: 'const a = 1;\n  const b = eval("a");\n', code: 'CODE_REFUSED_TEXT', line: 2, column: 13, message: /looks like a call to eval/ },
  { name: 'an async function', source: 'export const params = {};\nexport async function energy(x) {\n  return x;\n}\n', code: 'CODE_ASYNC', line: 2, column: 8, message: /synchronous: energy\(\) must return its tensor/ },
  { name: 'an op tf does not have', source: 'export function energy(x) {\n  return tf.randomNormal([3]);\n}\n', code: 'CODE_UNKNOWN_OP', line: 2, column: 10, message: /tf\.randomNormal is not available in custom code: an energy is a function of x and the parameters/ },
  { name: 'tf.engine', source: 'const e = tf.engine();\n', code: 'CODE_UNKNOWN_OP', line: 1, column: 11, message: /tf\.engine is not available/ },
];

for (const c of staticCases) {
  test(`static check: ${c.name} is ${c.code} at line ${c.line}, column ${c.column}`, () => {
    const { diagnostics } = compileCode(c.source);
    const d = diagnostics[0];
    assert.ok(d, 'a diagnostic');
    assert.deepEqual({ code: d.code, line: d.line, column: d.column }, { code: c.code, line: c.line, column: c.column }, d.message);
    assert.match(d.message, c.message);
  });
}

test('the default code has no static problem and a useful size', () => {
  assert.deepEqual(compileCode(DEFAULT_ENERGY_CODE).diagnostics, []);
  assert.ok(DEFAULT_ENERGY_CODE.length < energyCustomNode.params.code.maxLength);
});

// --- Parameter declarations -------------------------------------------------------------------

test("declarations: 'd' is the input dimension; fan-in and fan-out come from a matrix's sizes or the declaration", () => {
  const { decls, problems } = readParamDecls(
    {
      W: { shape: ['d', 64], init: 'torch' },
      b: { shape: [64], init: 'torch', fanIn: 'd' },
      G: { shape: [64, 'd'], init: 'glorot' },
      s: { shape: [], init: 'ones', readout: true },
      n: { shape: [3, 2, 'd'], init: 'normal', std: 0.5 },
    },
    5,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    decls.map((d) => [d.name, d.shape, d.init, d.fanIn, d.fanOut, d.readout]),
    [
      ['W', [5, 64], 'torch', 5, 64, false],
      ['b', [64], 'torch', 5, 64, false],
      ['G', [64, 5], 'glorot', 64, 5, false],
      ['s', [], 'ones', 1, 1, true],
      ['n', [3, 2, 5], 'normal', 2, 5, false],
    ],
  );
});

test('initialisers draw what they say from the node’s seeded stream, each parameter from its own', () => {
  const rng = new Rng(3);
  const decl = (init: string, shape: (number | 'd')[], extra: Record<string, unknown> = {}) => readParamDecls({ p: { shape, init, ...extra } }, 4).decls[0]!;
  assert.ok(initialValues(decl('zeros', [7]), rng).every((v) => v === 0));
  assert.ok(initialValues(decl('ones', [7]), rng).every((v) => v === 1));
  const stats = (v: Float32Array) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean: m, std: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length), max: Math.max(...v.map(Math.abs)) };
  };
  const normal = stats(initialValues(decl('normal', [100, 100], { std: 0.5 }), rng));
  assert.ok(Math.abs(normal.mean) < 0.02 && Math.abs(normal.std - 0.5) < 0.01, JSON.stringify(normal));
  // U(±b) has standard deviation b/√3.
  const glorotBound = Math.sqrt(6 / (300 + 200));
  const glorot = stats(initialValues(decl('glorot', [300, 200]), rng));
  assert.ok(glorot.max <= glorotBound && glorot.max > 0.99 * glorotBound && Math.abs(glorot.std - glorotBound / Math.sqrt(3)) < 0.002, JSON.stringify(glorot));
  assert.deepEqual(initialValues(decl('xavier', [30, 20]), rng), initialValues(decl('glorot', [30, 20]), rng), 'xavier is glorot');
  const torch = stats(initialValues(decl('torch', [64], { fanIn: 'd' }), rng));
  assert.ok(torch.max <= 1 / Math.sqrt(4) && torch.max > 0.45, JSON.stringify(torch));
  // Reproducible, and a parameter's draw depends on its name, not on what else is declared.
  const a = readParamDecls({ W: { shape: [3, 3], init: 'torch' } }, 2).decls[0]!;
  const b = readParamDecls({ A: { shape: [2], init: 'zeros' }, W: { shape: [3, 3], init: 'torch' } }, 2).decls[1]!;
  assert.deepEqual(initialValues(a, new Rng(9)), initialValues(b, new Rng(9)));
  assert.notDeepEqual(initialValues(a, new Rng(9)), initialValues(a, new Rng(10)));
});

test('declaration problems name the parameter and say what is wrong', () => {
  const problems = (value: unknown) => readParamDecls(value, 2).problems.map((p) => `${p.name ?? '-'}: ${p.message}`);
  assert.match(problems(undefined)[0]!, /declares no parameters/);
  assert.match(problems([1])[0]!, /params must be an object of declarations.*a list/);
  assert.match(problems({})[0]!, /at least one/);
  assert.match(problems({ W: { shape: ['e', 2], init: 'zeros' } })[0]!, /^W: parameter W: shape must be a list of sizes.*'e' is neither/);
  assert.match(problems({ W: { shape: [2, 1.5], init: 'zeros' } })[0]!, /entry 1\.5 is neither/);
  assert.match(problems({ W: { shape: [2], init: 'kaiming' } })[0]!, /init must be one of 'zeros', 'ones', 'normal', 'glorot', 'xavier', 'torch'; it is 'kaiming'/);
  assert.match(problems({ W: { shape: [2], init: 'zeros', inti: 1 } })[0]!, /unknown field "inti"/);
  assert.match(problems({ W: { shape: [2], init: 'torch' } })[0]!, /init 'torch' on a vector needs the fan-in of its layer, e.g\. fanIn: 'd'/);
  assert.match(problems({ W: { shape: [2], init: 'zeros', std: 2 } })[0]!, /std applies to init 'normal' only/);
  assert.match(problems({ W: { shape: [2], init: 'normal', std: -1 } })[0]!, /std must be a number > 0/);
  assert.match(problems({ W: { shape: [2000, 2000], init: 'zeros', readout: true } })[0]!, /too many to report/);
  assert.match(problems({ 'W-1': { shape: [2], init: 'zeros' } })[0]!, /must be an identifier/);
  assert.match(problems({ W: { shape: [1, 1, 1, 1, 1], init: 'zeros' } })[0]!, /rank 5; the most is 4/);
});

// --- The second-order scan ----------------------------------------------------------------------

const code = (body: string) => `export const params = { W: { shape: ['d', 4], init: 'torch' }, b: { shape: [4], init: 'zeros' } };\nexport function energy(x, p) {\n${body}\n}\n`;

test('second order: the default code, and code written with the verified functions and methods, is accepted', () => {
  assert.deepEqual(secondOrderProblems(compiled(DEFAULT_ENERGY_CODE)), []);
  const verified = code(
    [
      '  const h = tf.tanh(tf.add(x.matMul(p.W), p.b));',
      '  const s = tf.swish(h).mul(2).sub(tf.square(h)).div(3);',
      '  const q = tf.sum(tf.mul(s, s), 1).add(tf.log1p(tf.exp(tf.neg(x.sum(1)))));',
      '  const r = Math.exp(1) * x.shape[1];',
      '  return tf.mul(q, r).reshape([-1]);',
    ].join('\n'),
  );
  assert.deepEqual(secondOrderProblems(compiled(verified)), []);
  assert.deepEqual(energyCustomNode.secondOrder!({ ...energyCustomNode.params, inputDim: 2, code: verified, timeLimit: 5 } as never), { ok: true });
});

const scanCases: { name: string; body: string; line: number; message: RegExp }[] = [
  { name: 'tanh called as a method', body: '  const h = x.matMul(p.W);\n  const a = h.add(p.b);\n  const t = a.tanh();\n  return t.sum(1);', line: 5, message: /^tanh at line 5 is called as a method, a\.tanh\(\); write tf\.tanh\(a\), whose derivatives are verified$/ },
  { name: 'sigmoid read off a tensor', body: '  const f = x.sigmoid;\n  return tf.sum(f.call(x), 1);', line: 3, message: /^x\.sigmoid at line 3 is tfjs’s own sigmoid; write tf\.sigmoid\(x\)/ },
  { name: 'an unverified tf op', body: '  const a = tf.matMul(x, p.W);\n  return tf.sum(tf.pow(a, 3), 1);', line: 4, message: /^tf\.pow at line 4 has no verified second derivative; score-based objectives accept tf\.exp/ },
  { name: 'an unverified method', body: '  return tf.sum(x.matMul(p.W).abs(), 1);', line: 3, message: /^x\.matMul\(p\.W\)\.abs\(\) at line 3 has no verified second derivative/ },
  { name: 'tf aliased', body: '  const t = tf;\n  return t.sum(t.tanh(x.matMul(p.W)), 1);', line: 3, message: /^tf is used at line 3 other than as tf\.<name>\(…\)/ },
  { name: 'tf destructured', body: '  const { tanh, sum } = tf;\n  return sum(tanh(x), 1);', line: 3, message: /^tf is used at line 3 other than as tf\.<name>/ },
  { name: 'tf passed along', body: '  const g = (lib) => lib.sum(x, 1);\n  return g(tf);', line: 4, message: /^tf is used at line 4 other than as tf\.<name>/ },
  { name: 'tf declared again', body: '  const tf = 1;\n  return x;', line: 3, message: /^tf is declared again at line 3/ },
  { name: 'a computed tf op', body: "  const name = 'tanh';\n  return tf.sum(tf[name](x), 1);", line: 4, message: /^tf\[…\] at line 4 is computed/ },
  { name: 'a computed method call', body: "  const name = 'tanh';\n  return tf.sum(x[name](), 1);", line: 4, message: /^a computed call at line 4, x\[…\]\(\), is one the check cannot follow/ },
];

for (const c of scanCases) {
  test(`second order: ${c.name} is refused, naming the op and line ${c.line}`, () => {
    const problems = secondOrderProblems(compiled(code(c.body)));
    assert.ok(problems.length >= 1, 'refused');
    assert.equal(problems[0]!.line, c.line);
    assert.match(problems[0]!.message, c.message);
  });
}

test('compile(): score matching on a Custom energy that calls x.tanh() is refused with the scan’s message; the default code is accepted', () => {
  const good = compile(withCustomEnergy('examples/8gaussians-sm.ebm.json', DEFAULT_ENERGY_CODE), catalog);
  assert.ok(good.plan, JSON.stringify(good.diagnostics));
  const bad = DEFAULT_ENERGY_CODE.replace('tf.softplus(tf.add(tf.matMul(h1, p.W2), p.b2))', 'tf.add(tf.matMul(h1, p.W2), p.b2).tanh()');
  assert.notEqual(bad, DEFAULT_ENERGY_CODE);
  const line = bad.split('\n').findIndex((l) => l.includes('.tanh()')) + 1;
  const result = compile(withCustomEnergy('examples/8gaussians-sm.ebm.json', bad), catalog);
  assert.equal(result.plan, null);
  const d = result.diagnostics.find((x) => x.code === 'SECOND_ORDER_UNSUPPORTED');
  assert.ok(d, JSON.stringify(result.diagnostics));
  assert.equal(d.nodeId, 'objective');
  assert.equal(
    d.message,
    `"Score matching" (Score matching (exact)) needs the second derivatives of the energy, but "Custom": tanh at line ${line} is called as a method, x.tanh(); ` +
      'write tf.tanh(x), whose derivatives are verified',
  );
  // A first-order objective takes the same code.
  assert.ok(compile(withCustomEnergy('examples/8gaussians-pcd.ebm.json', bad), catalog).plan);
});

// --- The op lists agree with tfjs -------------------------------------------------------------

test('TENSOR_METHODS is exactly what tfjs’s Tensor.prototype has (methods, and the getters rank and isDisposed); the facade has every op it promises, as fresh functions', async () => {
  // tfjs-core alone has a few methods; the union package, which the training thread loads, adds the ops.
  await useBackend('cpu');
  const methods = Object.getOwnPropertyNames(tf.Tensor.prototype).filter((n) => n !== 'constructor');
  assert.deepEqual([...TENSOR_METHODS].sort(), methods.sort());
  const facade = makeFacade();
  assert.deepEqual(Object.keys(facade).sort(), [...FACADE_OPS].sort());
  for (const name of FACADE_OPS) assert.notEqual(facade[name], (tf as unknown as Record<string, unknown>)[name], `tf.${name} is a wrapper, not tfjs’s own function`);
  for (const name of SECOND_ORDER_OPS) assert.ok(FACADE_OPS.has(name));
  for (const name of ['engine', 'io', 'setBackend', 'registerKernel', 'variable', 'randomNormal', 'customGrad', 'env', 'browser', 'nextFrame', 'print', 'time', 'profile'])
    assert.ok(!FACADE_OPS.has(name), `tf.${name} is not in custom code's tf`);
});

/** An example graph with its energy node replaced by a Custom energy labelled "Custom". */
function withCustomEnergy(file: string, source: string): GraphDocument {
  const doc = parseGraph(readFileSync(file, 'utf8')).document!;
  const energy = doc.nodes.find((n) => n.id === 'energy')!;
  Object.assign(energy, { type: 'energy.custom', typeVersion: 1, label: 'Custom', params: { code: source } });
  return doc;
}
