import { error } from '../../app/diagnostics.ts';
import { defineNode } from '../define.ts';
import { code, int, num } from '../params.ts';
import { compileCode, formatCodeDiagnostic, secondOrderProblems } from './code.ts';
import { INITIALISERS } from './declare.ts';
import { DEFAULT_TIME_LIMIT_S, MAX_CODE_LENGTH, MAX_INPUT_DIM, MAX_TIME_LIMIT_S, MIN_TIME_LIMIT_S } from './limits.ts';
import { dryRun, energyFunction, loadCode, makeVariables } from './model.ts';
import { CONSTANT_OPS, REPLACED_OPS, VERIFIED_TFJS_OPS } from './ops.ts';
import { CodeError } from './sandbox.ts';

export const CUSTOM_ENERGY_TYPE = 'energy.custom';

/** The code a new Custom energy node starts with: a 2-64-64-1 Softplus MLP, written out. */
export const DEFAULT_ENERGY_CODE = `// A custom energy E(x): one number per point, low where the data is (p(x) ∝ exp(−E(x))).
// energy(x, p) takes a batch x of shape [n, d] and the parameters declared below, and returns
// one energy per row, shape [n]. tf has tfjs-core's tensor ops; tf.exp, tf.sigmoid, tf.tanh,
// tf.softplus, tf.relu, tf.elu, tf.leakyRelu, tf.swish and tf.gelu have derivatives verified to
// every order (score matching needs them). 'd' in a shape is the input dimension.
// Initialisers: zeros, ones, normal (std), glorot (or xavier), torch (PyTorch's nn.Linear
// default; a bias names its layer's fanIn).

export const params = {
  W1: { shape: ['d', 64], init: 'torch' },
  b1: { shape: [64], init: 'torch', fanIn: 'd' },
  W2: { shape: [64, 64], init: 'torch' },
  b2: { shape: [64], init: 'torch', fanIn: 64 },
  W3: { shape: [64, 1], init: 'torch' },
  b3: { shape: [1], init: 'torch', fanIn: 64 },
};

export function energy(x: Tensor2D, p: Params): Tensor1D {
  const h1 = tf.softplus(tf.add(tf.matMul(x, p.W1), p.b1));
  const h2 = tf.softplus(tf.add(tf.matMul(h1, p.W2), p.b2));
  const e = tf.add(tf.matMul(h2, p.W3), p.b3); // [n, 1]
  return tf.reshape(e, [-1]); // one energy per row: [n]
}
`;

export const energyCustomNode = defineNode({
  type: CUSTOM_ENERGY_TYPE,
  version: 1,
  category: 'energy',
  title: 'Custom energy',
  doc:
    'An energy written in TypeScript against tfjs: declare the parameters (name, shape with d for the input dimension, ' +
    `initialiser: ${Object.keys(INITIALISERS).join(', ')}) as export const params, and export function energy(x, p) ` +
    'returning one energy per row of x. The parameters train like any network’s. The code runs sandboxed in the ' +
    'training thread only, with tf in scope and nothing else (no imports, process, files, network, timers or eval), ' +
    'and each call has a time limit, so an infinite loop ends the run with a message. Before training it is checked on a ' +
    'small batch: one finite energy per row, and gradients with respect to x and every parameter. ' +
    `Score-based objectives accept it when every op it uses has verified second derivatives: tf.${REPLACED_OPS.join(', tf.')}, ` +
    `and tf.${VERIFIED_TFJS_OPS.join(', tf.')} (as functions or tensor methods), and constants (tf.${CONSTANT_OPS.join(', tf.')}); ` +
    'x.tanh() is tfjs’s own tanh, so write tf.tanh(x). Parameters declared with readout: true appear in the run summary.',
  reference: 'Issue 5; sandbox: SES (Hardened JavaScript) compartments; nodes/shared/autodiff.ts for the verified functions',
  inputs: {},
  outputs: { energy: { type: 'energy', title: 'Energy' } },
  params: {
    inputDim: int({ title: 'Input dimension', doc: 'Dimension d of the points the energy takes; must match the data. d in a shape is this.', default: 2, min: 1, max: MAX_INPUT_DIM }),
    code: code({
      title: 'Code',
      doc: 'TypeScript: export const params = { name: { shape, init } } and export function energy(x, p) returning one energy per row.',
      default: DEFAULT_ENERGY_CODE,
      language: 'typescript',
      maxLength: MAX_CODE_LENGTH,
    }),
    timeLimit: num({
      title: 'Time limit per call',
      doc: 'How long loading the code, or one call of energy(), may run before the run is stopped (an infinite loop?).',
      default: DEFAULT_TIME_LIMIT_S,
      min: MIN_TIME_LIMIT_S,
      max: MAX_TIME_LIMIT_S,
      unit: 's',
      scale: 'log',
    }),
  },
  dim: (p) => p.inputDim,
  check(p) {
    const { diagnostics } = compileCode(p.code);
    return diagnostics.map((d) => error('CUSTOM_CODE_INVALID', `its code, ${formatCodeDiagnostic(d)}`, { param: 'code' }));
  },
  secondOrder(p) {
    const { compiled } = compileCode(p.code);
    if (!compiled) return { ok: false, reason: 'its code does not compile' };
    const problems = secondOrderProblems(compiled);
    if (problems.length === 0) return { ok: true };
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return { ok: false, reason: `${problems[0]!.message}${more}` };
  },
  build(ctx, p) {
    const call = { nodeId: ctx.nodeId, limitMs: p.timeLimit * 1000 };
    const loaded = loadCode(p.code, p.inputDim, call);
    const variables = makeVariables(loaded.decls, ctx.rng).map((v) => ctx.track(v));
    const energy = energyFunction(loaded, variables, call);
    const problems = dryRun(loaded, energy, variables, p.inputDim);
    if (problems.length) throw new CodeError(problems);
    const readouts = loaded.decls.flatMap((d, i) => (d.readout ? [{ name: d.name, scalar: d.shape.length === 0, variable: variables[i]! }] : []));
    return {
      energy: {
        nodeId: ctx.nodeId,
        inputDim: p.inputDim,
        variables,
        energy,
        ...(readouts.length
          ? {
              readouts: () =>
                Object.fromEntries(readouts.map((r) => [r.name, r.scalar ? r.variable.dataSync()[0]! : Array.from(r.variable.dataSync())])) as Record<string, number | number[]>,
            }
          : {}),
      },
    };
  },
});
