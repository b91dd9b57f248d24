// Custom energy code run for real, in this process locked down exactly as the training thread
// does it (app/runtime/node/lockdown.ts): the dry run's diagnostics with the line and column of
// the user's code, attempts to escape the sandbox (each ends with a clear message, and a sentinel
// of the host realm stays unreadable and untouched), and the built node (values, gradients,
// readouts, no leaked tensors, the time watch told about every call).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { lockdownRealm } from '../../../app/runtime/node/lockdown.ts';
import type { EnergyModel } from '../../../nodes/define.ts';
import { compileCode } from '../../../nodes/energy-custom/code.ts';
import { checkCode } from '../../../nodes/energy-custom/model.ts';
import { DEFAULT_ENERGY_CODE, energyCustomNode } from '../../../nodes/energy-custom/node.ts';
import { CodeError, evaluateCode, isSandboxReady, setCallWatch, type UserCall } from '../../../nodes/energy-custom/sandbox.ts';
import { buildNode, leaked, useBackend } from '../../helpers/nodes.ts';

const LIMIT_MS = 10_000;
const SENTINEL = '__ebmHostSentinel';
const probeDir = mkdtempSync(join(tmpdir(), 'ebm-escape-'));
const PROBE = join(probeDir, 'escaped.txt');

let beforeLockdown: unknown = null;

before(async () => {
  await useBackend('cpu');
  // Outside a locked-down realm, custom code is refused, not run.
  try {
    evaluateCode(compileCode('export const x = 1;\n').compiled!);
  } catch (e) {
    beforeLockdown = e;
  }
  await lockdownRealm();
  (globalThis as Record<string, unknown>)[SENTINEL] = { secret: 'host only', touched: false };
});

test('without a locked-down realm, custom code is refused and never run', () => {
  assert.ok(beforeLockdown instanceof Error);
  assert.match(beforeLockdown.message, /runs only in a training thread whose JavaScript realm is locked down \(SES\); this one is not, so the code was not run/);
  assert.ok(isSandboxReady());
});

const GAUSSIAN = `export const params = {
  mean: { shape: ['d'], init: 'zeros', readout: true },
  variance: { shape: ['d'], init: 'ones', readout: true },
};

// E(x) = ½ Σ (x − μ)² / σ²: a Gaussian's energy.
export function energy(x: Tensor2D, p: Params): Tensor1D {
  const z = tf.div(tf.square(tf.sub(x, p.mean)), p.variance);
  return tf.mul(0.5, tf.sum(z, 1));
}
`;

/** Code with one energy body (from line 3, after `top`'s lines) and two parameters W [d, 3] and b [3]. */
const withBody = (body: string, top = '') =>
  `${top}export const params = { W: { shape: ['d', 3], init: 'torch' }, b: { shape: [3], init: 'zeros' } };\nexport function energy(x, p) {\n${body}\n}\n`;

// --- The dry run ----------------------------------------------------------------------------------

test('the default code and a Gaussian energy pass the dry run: parameters resolved, second order accepted', () => {
  const mlp = checkCode(DEFAULT_ENERGY_CODE, 2, LIMIT_MS);
  assert.deepEqual(mlp.diagnostics, []);
  assert.equal(mlp.ok, true);
  assert.deepEqual(mlp.params, [
    { name: 'W1', shape: [2, 64] },
    { name: 'b1', shape: [64] },
    { name: 'W2', shape: [64, 64] },
    { name: 'b2', shape: [64] },
    { name: 'W3', shape: [64, 1] },
    { name: 'b3', shape: [1] },
  ]);
  assert.deepEqual(mlp.secondOrder, { ok: true, problems: [] });
  const gaussian = checkCode(GAUSSIAN, 5, LIMIT_MS);
  assert.equal(gaussian.ok, true, JSON.stringify(gaussian.diagnostics));
  assert.deepEqual(gaussian.params, [
    { name: 'mean', shape: [5] },
    { name: 'variance', shape: [5] },
  ]);
});

const dryRunCases: { name: string; source: string; code: string; line: number; column: number; message: RegExp; tfjsLeaks?: boolean }[] = [
  {
    name: 'a syntax error',
    source: withBody('  const h = tf.matMul(x, p.W);\n  return tf.sum(tf.add(h, p.b), 1;'),
    code: 'CODE_SYNTAX',
    line: 4,
    column: 34,
    message: /^syntax error: Unexpected token, expected ","$/,
  },
  {
    name: 'a wrong output shape',
    source: withBody('  return tf.add(tf.matMul(x, p.W), p.b);'),
    code: 'CODE_OUTPUT',
    line: 2,
    column: 8,
    message: /^energy\(x, p\) returned shape \[8, 3\] for x of shape \[8, 2\]; it must return one energy per row, shape \[8\]$/,
  },
  {
    name: 'an energy of [n, 1]',
    source: withBody('  return tf.sum(tf.add(tf.matMul(x, p.W), p.b), 1, true);'),
    code: 'CODE_OUTPUT',
    line: 2,
    column: 8,
    message: /shape \[8, 1\].*\(tf\.reshape\(e, \[-1\]\) turns \[n, 1\] into \[n\]\)/,
  },
  {
    name: 'a NaN',
    source: withBody('  const h = tf.add(tf.matMul(x, p.W), p.b);\n  return tf.sum(tf.log(h), 1);'),
    code: 'CODE_NOT_FINITE',
    line: 2,
    column: 8,
    message: /^energy\(x\) is NaN at row \d of a standard normal batch of 8 points; it must be finite$/,
  },
  {
    name: 'a missing energy export',
    source: "export const params = { W: { shape: ['d', 1], init: 'zeros' } };\nfunction energi(x, p) {\n  return tf.sum(x, 1);\n}\n",
    code: 'CODE_EXPORTS',
    line: 1,
    column: 1,
    message: /^the code must export its energy: export function energy\(x: Tensor2D, p\): Tensor1D/,
  },
  {
    name: 'an energy that is not a function',
    source: "export const params = { W: { shape: ['d', 1], init: 'zeros' } };\nexport const energy = 3;\n",
    code: 'CODE_EXPORTS',
    line: 2,
    column: 14,
    message: /\(energy is number\)$/,
  },
  {
    name: 'a runtime error in a tf op',
    source: withBody('  const h = tf.add(tf.matMul(x, p.W), p.b);\n  const g = tf.matMul(h, p.W);\n  return tf.sum(g, 1);'),
    code: 'CODE_RUNTIME',
    line: 4,
    column: 16,
    message: /^in energy\(\): Error in matMul: inner shapes \(3\) and \(2\) of Tensors with shapes 8,3 and 2,3/,
  },
  {
    name: 'an error the code throws',
    source: withBody("  const n = x.shape[0];\n  if (n > 4) throw new RangeError(`batch of ${n} is too big`);\n  return tf.sum(x, 1);"),
    code: 'CODE_RUNTIME',
    line: 4,
    column: 20,
    message: /^in energy\(\): RangeError: batch of 8 is too big$/,
  },
  {
    name: 'an error at the top level',
    source: withBody('  return tf.sum(x, 1);', 'const table = [1, 2];\nconst bad = table.missing.length;\n'),
    code: 'CODE_RUNTIME',
    line: 2,
    column: 27,
    message: /^while loading the code: TypeError: Cannot read properties of undefined \(reading 'length'\)$/,
  },
  {
    name: 'a parameter the energy never uses',
    source: withBody('  return tf.sum(tf.matMul(x, p.W), 1);'),
    code: 'CODE_NO_GRADIENT',
    line: 1,
    column: 64,
    message: /^parameter b does not affect the energy \(it has no gradient\): use it in energy\(\) or remove it$/,
  },
  {
    name: 'an energy that does not depend on x',
    source: withBody('  return tf.mul(tf.sum(tf.add(tf.sum(p.W), p.b)), tf.ones([x.shape[0]]));'),
    code: 'CODE_NO_GRADIENT',
    line: 2,
    column: 8,
    message: /^the gradient of the energy with respect to x could not be computed: Cannot compute gradient of y=f\(x\) with respect to x/,
    // tf.grad throws after its forward pass without disposing the tensors its tape kept.
    tfjsLeaks: true,
  },
  {
    name: 'a bad parameter declaration',
    source: "export const params = {\n  W: { shape: ['d', 3], init: 'torch' },\n  b: { shape: [3], init: 'uniform' },\n};\nexport function energy(x, p) {\n  return tf.sum(x, 1);\n}\n",
    code: 'CODE_PARAMS',
    line: 3,
    column: 3,
    message: /^parameter b: init must be one of 'zeros', 'ones', 'normal', 'glorot', 'xavier', 'torch'; it is 'uniform'$/,
  },
  {
    name: 'something that is not a tensor',
    source: withBody('  return [1, 2, 3];'),
    code: 'CODE_OUTPUT',
    line: 2,
    column: 8,
    message: /^energy\(x, p\) returned an array; it must return a tensor with one energy per row of x, shape \[8\]$/,
  },
  {
    name: 'an asynchronous read of a tensor',
    source: withBody('  x.data();\n  return tf.sum(tf.add(tf.matMul(x, p.W), p.b), 1);'),
    code: 'CODE_RUNTIME',
    line: 3,
    column: 5,
    message: /^in energy\(\): x\.data\(\) is asynchronous, and custom code is synchronous: use x\.dataSync\(\) or x\.arraySync\(\)$/,
  },
];

for (const c of dryRunCases) {
  test(`dry run: ${c.name} is ${c.code} at line ${c.line}, column ${c.column}`, () => {
    const before = tf.memory().numTensors;
    const result = checkCode(c.source, 2, LIMIT_MS);
    assert.equal(result.ok, false);
    const d = result.diagnostics[0];
    assert.ok(d, 'a diagnostic');
    assert.deepEqual({ code: d.code, line: d.line, column: d.column }, { code: c.code, line: c.line, column: c.column }, d.message);
    assert.match(d.message, c.message);
    if (!c.tfjsLeaks) assert.equal(tf.memory().numTensors, before, 'a failed check leaves no tensors behind');
  });
}

// --- Escapes --------------------------------------------------------------------------------------

/** What an escape would do with what it reached: write a file, or touch the host's sentinel. */
const WRITE = `.writeFileSync(${JSON.stringify(PROBE)}, 'escaped')`;
const escapes: { name: string; source: string; message: RegExp }[] = [
  { name: 'process', source: withBody(`  process.mainModule.require('fs')${WRITE};\n  return tf.sum(x, 1);`), message: /ReferenceError: process is not available in custom code: tf is in scope and nothing else \(no modules, process, files or network\)/ },
  { name: 'require, reached indirectly', source: withBody(`  const r = globalThis['req' + 'uire'];\n  r('fs')${WRITE};\n  return tf.sum(x, 1);`), message: /ReferenceError: require is not available in custom code/ },
  { name: 'require', source: withBody(`  require('fs')${WRITE};\n  return tf.sum(x, 1);`), message: /cannot import or require modules/ },
  { name: 'globalThis.constructor', source: withBody(`  const F = globalThis.constructor.constructor;\n  F('return process')().mainModule.require('fs')${WRITE};\n  return tf.sum(x, 1);`), message: /TypeError: Function\.prototype\.constructor is not a valid constructor/ },
  { name: '(() => {}).constructor', source: withBody(`  (() => {}).constructor('return globalThis')().${SENTINEL}.touched = true;\n  return tf.sum(x, 1);`), message: /Function\.prototype\.constructor is not a valid constructor/ },
  { name: 'a generator function’s constructor', source: withBody(`  const G = Object.getPrototypeOf(function* () {}).constructor;\n  G('yield process')().next();\n  return tf.sum(x, 1);`), message: /TypeError: Function\.prototype\.constructor is not a valid constructor/ },
  { name: 'tensor.constructor.constructor', source: withBody(`  x.constructor.constructor('return process')().exit(3);\n  return tf.sum(x, 1);`), message: /Function\.prototype\.constructor is not a valid constructor/ },
  { name: 'fetch', source: withBody("  fetch('http://127.0.0.1:9/');\n  return tf.sum(x, 1);"), message: /ReferenceError: fetch is not available in custom code/ },
  { name: 'import()', source: withBody("  import('node:fs');\n  return tf.sum(x, 1);"), message: /cannot import or require modules/ },
  { name: 'eval', source: withBody("  eval('process');\n  return tf.sum(x, 1);"), message: /looks like a call to eval, which the sandbox refuses/ },
  { name: 'eval, reached indirectly', source: withBody("  (0, globalThis['ev' + 'al'])('process');\n  return tf.sum(x, 1);"), message: /ReferenceError: eval is not available in custom code: it evaluates no strings/ },
  { name: 'Function', source: withBody("  Function('return process')();\n  return tf.sum(x, 1);"), message: /ReferenceError: Function is not available in custom code: it evaluates no strings/ },
  { name: 'new Function', source: withBody("  new Function('return process')();\n  return tf.sum(x, 1);"), message: /ReferenceError: Function is not available in custom code/ },
  { name: 'a nested Compartment', source: withBody("  new Compartment().evaluate('1');\n  return tf.sum(x, 1);"), message: /ReferenceError: Compartment is not available in custom code/ },
  { name: 'setTimeout', source: withBody('  setTimeout(() => {}, 0);\n  return tf.sum(x, 1);'), message: /ReferenceError: setTimeout is not available in custom code: it has no timers/ },
  { name: 'a Promise callback', source: withBody('  Promise.resolve().then(() => { for (;;) {} });\n  return tf.sum(x, 1);'), message: /ReferenceError: Promise is not available in custom code: it is synchronous/ },
  { name: 'reading a file through process.binding', source: withBody("  process.binding('fs');\n  return tf.sum(x, 1);"), message: /ReferenceError: process is not available in custom code/ },
  { name: 'reading a file through tf.io', source: withBody("  tf['i' + 'o'].browserFiles([]);\n  return tf.sum(x, 1);"), message: /TypeError: Cannot read properties of undefined \(reading 'browserFiles'\)/ },
  { name: 'tf’s engine', source: withBody("  tf['eng' + 'ine']().reset();\n  return tf.sum(x, 1);"), message: /TypeError: tf\[\("eng" \+ "ine"\)\] is not a function/ },
  { name: 'the host’s sentinel', source: withBody(`  throw new Error('sentinel: ' + typeof globalThis.${SENTINEL});`), message: /^in energy\(\): sentinel: undefined$/ },
  { name: 'Date.now', source: withBody('  const t = Date.now();\n  return tf.sum(x, 1);'), message: /secure mode Calling %SharedDate%\.now\(\) throws/ },
  { name: 'Math.random', source: withBody('  const r = Math.random();\n  return tf.sum(x, 1);'), message: /secure mode %SharedMath%\.random\(\) throws/ },
  { name: 'changing Object.prototype', source: withBody('  Object.prototype.polluted = 1;\n  return tf.sum(x, 1);'), message: /TypeError: Cannot add property polluted, object is not extensible/ },
  { name: 'changing what a tensor method does', source: withBody('  Object.getPrototypeOf(x).add = () => null;\n  return tf.sum(x, 1);'), message: /TypeError: Cannot assign to read only property 'add'/ },
  { name: 'changing tf', source: withBody('  tf.matMul = () => null;\n  return tf.sum(x, 1);'), message: /TypeError: Cannot assign to read only property 'matMul'/ },
];

for (const c of escapes) {
  test(`escape: ${c.name} ends with a clear message and reaches nothing`, () => {
    const result = checkCode(c.source, 2, LIMIT_MS);
    assert.equal(result.ok, false);
    assert.match(result.diagnostics.map((d) => d.message).join('\n'), c.message);
    assert.deepEqual((globalThis as Record<string, unknown>)[SENTINEL], { secret: 'host only', touched: false });
    assert.ok(!existsSync(PROBE), 'no file was written');
    assert.equal(typeof process.exit, 'function');
  });
}

test('escape: code that sets the host’s sentinel and adds globals changes only its own compartment', () => {
  const source = withBody(`  globalThis.${SENTINEL} = 'pwned';\n  globalThis.leak = 1;\n  return tf.sum(tf.add(tf.matMul(x, p.W), p.b), 1);`);
  const result = checkCode(source, 2, LIMIT_MS);
  assert.equal(result.ok, true, JSON.stringify(result.diagnostics));
  assert.deepEqual((globalThis as Record<string, unknown>)[SENTINEL], { secret: 'host only', touched: false });
  assert.equal((globalThis as Record<string, unknown>).leak, undefined);
});

/** ECMAScript's own globals (those a compartment has), and tf. */
const JS_GLOBALS = new Set(
  (
    'AggregateError Array ArrayBuffer BigInt BigInt64Array BigUint64Array Boolean DataView Date Error EvalError Infinity Int16Array ' +
    'Int32Array Int8Array JSON Map Math NaN Number Object Proxy RangeError ReferenceError Reflect RegExp Set String Symbol SyntaxError ' +
    'TextDecoder TextEncoder TypeError URIError Uint16Array Uint32Array Uint8Array Uint8ClampedArray WeakMap WeakSet decodeURI ' +
    'decodeURIComponent encodeURI encodeURIComponent escape globalThis isFinite isNaN parseFloat parseInt undefined unescape tf'
  ).split(' '),
);

test('escape: the code’s global scope has ECMAScript’s own globals and tf; names of Node, the browser and string evaluation are errors saying why', () => {
  const probe = withBody(
    '  const readable = Object.getOwnPropertyNames(globalThis).filter((n) => { try { return globalThis[n], true; } catch { return false; } });\n' +
      '  throw new Error(readable.sort().join(" "));',
  );
  const readable = checkCode(probe, 2, LIMIT_MS).diagnostics[0]!.message.replace(/^in energy\(\): /, '').split(' ');
  assert.deepEqual(readable.filter((n) => !JS_GLOBALS.has(n)), [], 'nothing but ECMAScript and tf can be read');
  assert.ok(readable.includes('tf') && readable.includes('Math'));
  for (const name of ['process', 'require', 'module', 'Buffer', 'global', 'fetch', 'WebSocket', 'WebAssembly', 'setTimeout', 'setInterval', 'queueMicrotask', 'console', 'eval', 'Function', 'Compartment', 'Promise', 'lockdown', 'harden']) {
    const result = checkCode(withBody(`  const t = typeof ${name};\n  return tf.sum(x, 1);`), 2, LIMIT_MS);
    assert.match(result.diagnostics[0]?.message ?? '', new RegExp(`^in energy\\(\\): ReferenceError: ${name} is not available in custom code: `), name);
  }
  for (const name of ['SharedArrayBuffer', 'Atomics', SENTINEL]) {
    const result = checkCode(withBody(`  throw new Error(typeof ${name});`), 2, LIMIT_MS);
    assert.equal(result.diagnostics[0]?.message, 'in energy(): undefined', name);
  }
});

test('escape: an import() that got past the static check is refused by the sandbox itself', () => {
  const { compiled } = compileCode('export const x = 1;\n');
  assert.ok(compiled);
  assert.throws(
    () => evaluateCode({ ...compiled, js: "exports.m = import('node:fs');\n" }),
    (e: unknown) => e instanceof CodeError && /the sandbox refused the code: Possible import expression rejected at custom-energy\.ts:1/.test(e.message),
  );
});

// --- The built node ------------------------------------------------------------------------------

test('the built node: E(x) and ∇ₓE of a Gaussian written as code match the closed form; readouts; no leaked tensors', async () => {
  const calls: UserCall[] = [];
  let open = 0;
  setCallWatch({ enter: (call) => (calls.push(call), open++), leave: () => open-- });
  try {
    const built = buildNode(energyCustomNode, { code: GAUSSIAN, inputDim: 2, timeLimit: 3 });
    const model = built.outputs.energy as EnergyModel;
    assert.deepEqual(calls[0], { nodeId: 'test-energy.custom', kind: 'load', limitMs: 3000 });
    assert.ok(calls.slice(1).every((c) => c.kind === 'energy' && c.limitMs === 3000), 'the dry run calls energy() under the watch');
    assert.equal(open, 0);
    model.variables[0]!.assign(tf.tensor1d([1, -1]));
    model.variables[1]!.assign(tf.tensor1d([0.25, 4]));
    const X = [
      [0.5, -1.25],
      [2, 0.125],
      [-3, 3],
    ];
    const x = tf.tensor2d(X);
    const before = calls.length;
    const growth = await leaked(() => {
      for (let i = 0; i < 3; i++)
        tf.tidy(() => {
          const e = Array.from(model.energy(x).dataSync());
          const g = tf.grad((y: tf.Tensor) => tf.sum(model.energy(y as tf.Tensor2D)))(x).arraySync() as number[][];
          X.forEach(([a, b], n) => {
            assert.ok(Math.abs(e[n]! - 0.5 * ((a! - 1) ** 2 / 0.25 + (b! + 1) ** 2 / 4)) < 1e-4);
            assert.ok(Math.abs(g[n]![0]! - (a! - 1) / 0.25) < 1e-4 && Math.abs(g[n]![1]! - (b! + 1) / 4) < 1e-4);
          });
          const { grads } = tf.variableGrads(() => tf.sum(model.energy(x)) as tf.Scalar, [...model.variables]);
          assert.equal(Object.keys(grads).length, 2);
        });
    });
    assert.equal(growth, 0, 'no tensors leak across calls');
    assert.equal(calls.length - before, 9, 'every energy() call is reported to the watch');
    assert.deepEqual(model.readouts!(), { mean: [1, -1], variance: [0.25, 4] });
    x.dispose();
    built.dispose();
  } finally {
    setCallWatch(null);
  }
});

test('the built node: what the code does to its inputs (disposing them, reassigning) touches nothing of ours', () => {
  const source = withBody('  const e = tf.sum(tf.add(tf.matMul(x, p.W), p.b), 1);\n  x.dispose();\n  p.W.dispose();\n  p.b = null;\n  return e;');
  const built = buildNode(energyCustomNode, { code: source, inputDim: 2 });
  const model = built.outputs.energy as EnergyModel;
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const first = Array.from(model.energy(x).dataSync());
  const second = Array.from(model.energy(x).dataSync());
  assert.deepEqual(first, second);
  assert.ok(!x.isDisposed && model.variables.every((v) => !v.isDisposed));
  x.dispose();
  built.dispose();
});

test('the built node: a failing dry run stops the build with every diagnostic, as "line L, column C: …"', () => {
  const source = withBody('  return tf.add(tf.matMul(x, p.W), p.b);');
  assert.throws(
    () => buildNode(energyCustomNode, { code: source, inputDim: 2 }),
    (e: unknown) => e instanceof CodeError && e.message === 'line 2, column 8: energy(x, p) returned shape [8, 3] for x of shape [8, 2]; it must return one energy per row, shape [8]',
  );
});
