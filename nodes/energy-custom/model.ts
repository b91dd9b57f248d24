// Custom code brought to life: loaded in the sandbox, its parameters made trainable, its energy()
// wrapped so that every call is timed, checked and leaves nothing behind; and the dry run that
// checks it on a small batch (at build, and for the editor's Apply through the host's checkCode).
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../app/runtime/rng.ts';
import { compileCode, declarationPosition, energyPosition, paramPositions, secondOrderProblems, type CodeDiagnostic, type CompiledCode, type Position, type SecondOrderProblem } from './code.ts';
import { initialValues, readParamDecls, type ParamDecl } from './declare.ts';
import { CodeError, callUserCode, evaluateCode, runtimeDiagnostic, type UserCall } from './sandbox.ts';

export interface LoadedCode {
  readonly compiled: CompiledCode;
  readonly decls: readonly ParamDecl[];
  /** The code's energy function, a sandbox function: call it only through `energyFunction`. */
  readonly energy: (x: tf.Tensor2D, p: Record<string, tf.Tensor>) => unknown;
}

const FIRST: Position = { line: 1, column: 1 };

function codeError(code: string, message: string, at: Position | null): CodeError {
  return new CodeError([{ code, severity: 'error', message, line: (at ?? FIRST).line, column: (at ?? FIRST).column }]);
}

/** Compiles and evaluates the code, and reads its declarations. Throws CodeError. */
export function loadCode(source: string, inputDim: number, call: Omit<UserCall, 'kind'>): LoadedCode {
  const { compiled, diagnostics } = compileCode(source);
  if (!compiled || diagnostics.length) throw new CodeError(diagnostics);
  return callUserCode({ ...call, kind: 'load' }, () => {
    const exports = evaluateCode(compiled);
    let energy: unknown;
    let params: unknown;
    try {
      energy = exports.energy;
      params = exports.params;
    } catch (e) {
      throw new CodeError([runtimeDiagnostic(e, compiled, FIRST, 'while reading its exports')]);
    }
    if (typeof energy !== 'function')
      throw codeError(
        'CODE_EXPORTS',
        `the code must export its energy: export function energy(x: Tensor2D, p): Tensor1D { … }${energy === undefined ? '' : ` (energy is ${typeof energy})`}`,
        declarationPosition(compiled, 'energy'),
      );
    let read: ReturnType<typeof readParamDecls>;
    try {
      read = readParamDecls(params, inputDim);
    } catch (e) {
      throw new CodeError([runtimeDiagnostic(e, compiled, declarationPosition(compiled, 'params') ?? FIRST, 'while reading params')]);
    }
    if (read.problems.length) {
      const keys = paramPositions(compiled);
      const decl = declarationPosition(compiled, 'params');
      throw new CodeError(read.problems.map((p) => ({ code: 'CODE_PARAMS', severity: 'error' as const, message: p.message, ...((p.name && keys.get(p.name)) || decl || FIRST) })));
    }
    return { compiled, decls: read.decls, energy: energy as LoadedCode['energy'] };
  });
}

/** Variables holding each declared parameter's initial values, drawn from `rng`. */
export function makeVariables(decls: readonly ParamDecl[], rng: Rng): tf.Variable[] {
  return decls.map((d) => tf.tidy(() => tf.variable(tf.tensor(initialValues(d, rng), [...d.shape]))));
}

/**
 * E(x) for the trainer: one energy per row of x. Each call runs under the time limit, hands the
 * code copies of x and of the parameters (what it does to them touches nothing of ours), checks
 * that it returned one energy per row, and disposes whatever it made.
 */
export function energyFunction(loaded: LoadedCode, variables: readonly tf.Variable[], call: Omit<UserCall, 'kind'>): (x: tf.Tensor2D) => tf.Tensor1D {
  const at = energyPosition(loaded.compiled);
  return (x) =>
    callUserCode({ ...call, kind: 'energy' }, () =>
      tf.tidy(() => {
        const n = x.shape[0];
        const p: Record<string, tf.Tensor> = {};
        loaded.decls.forEach((d, i) => (p[d.name] = tf.clone(variables[i]!)));
        let out: unknown;
        try {
          out = loaded.energy(tf.clone(x), p);
        } catch (e) {
          throw new CodeError([runtimeDiagnostic(e, loaded.compiled, at ?? FIRST, 'in energy()')]);
        }
        let shape: number[];
        let dtype: string;
        try {
          if (!(out instanceof tf.Tensor)) throw codeError('CODE_OUTPUT', `energy(x, p) returned ${describe(out)}; it must return a tensor with one energy per row of x, shape [${n}]`, at);
          shape = [...out.shape];
          dtype = out.dtype;
        } catch (e) {
          if (e instanceof CodeError) throw e;
          throw new CodeError([runtimeDiagnostic(e, loaded.compiled, at ?? FIRST, 'reading what energy() returned')]);
        }
        if (shape.length !== 1 || shape[0] !== n)
          throw codeError(
            'CODE_OUTPUT',
            `energy(x, p) returned shape [${shape.join(', ')}] for x of shape [${n}, ${x.shape[1]}]; it must return one energy per row, shape [${n}]${shape.length === 2 && shape[1] === 1 ? ' (tf.reshape(e, [-1]) turns [n, 1] into [n])' : ''}`,
            at,
          );
        if (dtype !== 'float32') throw codeError('CODE_OUTPUT', `energy(x, p) returned ${dtype} values; energies are float32`, at);
        // A tensor of our own making: later reads of it never touch an object the code handled.
        return tf.reshape(out as tf.Tensor, [n]) as tf.Tensor1D;
      }),
    );
}

/** How many points the dry run evaluates. */
export const DRY_RUN_ROWS = 8;

/**
 * The dry run: the energy of a seeded standard-normal batch must have shape [n] and finite
 * values, and its gradients with respect to x and to every parameter must exist and be finite.
 * Returns the problems found (none: the code is fit to train).
 */
export function dryRun(loaded: LoadedCode, energy: (x: tf.Tensor2D) => tf.Tensor1D, variables: readonly tf.Variable[], inputDim: number): CodeDiagnostic[] {
  const at = energyPosition(loaded.compiled) ?? FIRST;
  const keys = paramPositions(loaded.compiled);
  const problem = (code: string, message: string, where: Position = at): CodeDiagnostic[] => [{ code, severity: 'error', message, line: where.line, column: where.column }];
  const x = tf.tensor2d(new Rng(1).split('custom-energy dry run').normals(DRY_RUN_ROWS * inputDim), [DRY_RUN_ROWS, inputDim]);
  const run = (): CodeDiagnostic[] => {
    const values = energy(x).dataSync();
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return problem('CODE_NOT_FINITE', `energy(x) is ${values[bad]} at row ${bad + 1} of a standard normal batch of ${DRY_RUN_ROWS} points; it must be finite`);
    let gx: Float32Array | Int32Array | Uint8Array;
    try {
      gx = tf.grad((y: tf.Tensor) => tf.sum(energy(y as tf.Tensor2D)))(x).dataSync();
    } catch (e) {
      if (e instanceof CodeError) throw e;
      return problem('CODE_NO_GRADIENT', `the gradient of the energy with respect to x could not be computed: ${messageOf(e)}`);
    }
    if (gx.some((v) => !Number.isFinite(v))) return problem('CODE_NOT_FINITE', `the gradient of the energy with respect to x is not finite on a standard normal batch of ${DRY_RUN_ROWS} points`);
    let grads: tf.NamedTensorMap;
    try {
      grads = tf.variableGrads(() => tf.sum(energy(x)) as tf.Scalar, [...variables]).grads;
    } catch (e) {
      if (e instanceof CodeError) throw e;
      return problem('CODE_NO_GRADIENT', `no gradient with respect to the parameters: ${messageOf(e)}`);
    }
    const found: CodeDiagnostic[] = [];
    loaded.decls.forEach((d, i) => {
      const g = grads[variables[i]!.name];
      if (!g) found.push(...problem('CODE_NO_GRADIENT', `parameter ${d.name} does not affect the energy (it has no gradient): use it in energy() or remove it`, keys.get(d.name)));
      else if (g.dataSync().some((v) => !Number.isFinite(v))) found.push(...problem('CODE_NOT_FINITE', `the gradient with respect to parameter ${d.name} is not finite`, keys.get(d.name)));
    });
    return found;
  };
  let result: CodeDiagnostic[] = [];
  try {
    tf.tidy(() => {
      result = run();
    });
    return result;
  } catch (e) {
    if (e instanceof CodeError) return e.diagnostics;
    throw e;
  } finally {
    x.dispose();
  }
}

/** What checking code for the editor's Apply finds. */
export interface CodeCheckResult {
  /** No errors: the code would build and train. */
  ok: boolean;
  diagnostics: CodeDiagnostic[];
  /** The parameters it declares, with 'd' resolved (empty when the code did not load). */
  params: { name: string; shape: number[] }[];
  /** Whether score-based objectives accept it; the problems name each op and place. */
  secondOrder: { ok: boolean; problems: SecondOrderProblem[] };
}

/** Loads, instantiates and dry-runs code with parameters drawn from a fixed seed. Needs a locked-down realm. */
export function checkCode(source: string, inputDim: number, limitMs: number): CodeCheckResult {
  const { compiled, diagnostics } = compileCode(source);
  const secondOrder = compiled ? secondOrderProblems(compiled) : [];
  const result = (d: CodeDiagnostic[], params: CodeCheckResult['params'] = []): CodeCheckResult => ({
    ok: !d.some((x) => x.severity === 'error'),
    diagnostics: d,
    params,
    secondOrder: { ok: compiled !== null && secondOrder.length === 0, problems: secondOrder },
  });
  if (!compiled || diagnostics.length) return result(diagnostics);
  const call = { nodeId: 'check', limitMs };
  let loaded: LoadedCode;
  try {
    loaded = loadCode(source, inputDim, call);
  } catch (e) {
    if (e instanceof CodeError) return result(e.diagnostics);
    throw e;
  }
  const params = loaded.decls.map((d) => ({ name: d.name, shape: [...d.shape] }));
  const variables = makeVariables(loaded.decls, new Rng(0).split('custom-energy check'));
  try {
    return result(dryRun(loaded, energyFunction(loaded, variables, call), variables, inputDim), params);
  } finally {
    tf.dispose(variables);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'number') return `the number ${v}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function') return 'a Promise';
  return `a ${typeof v}`;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
