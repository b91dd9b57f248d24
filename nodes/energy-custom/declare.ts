// The parameters custom code declares (`export const params = { W1: { shape: ['d', 64], init:
// 'torch' }, … }`), read into plain data and drawn from the node's seeded stream.
import type { Rng } from '../../app/runtime/rng.ts';

/** The initialisers: one word each, documented in the node's help. */
export const INITIALISERS = {
  zeros: 'every entry 0',
  ones: 'every entry 1',
  normal: 'N(0, std²), std from the declaration (default 1)',
  glorot: 'Glorot/Xavier uniform: U(±√(6 / (fan-in + fan-out)))',
  xavier: 'the same as glorot',
  torch: 'PyTorch’s nn.Linear default: U(±1/√fan-in)',
} as const;
export type Initialiser = keyof typeof INITIALISERS;

export interface ParamDecl {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initialiser;
  /** normal: the standard deviation. */
  readonly std: number;
  /** glorot, torch: the fan-in and fan-out the bound is computed from. */
  readonly fanIn: number;
  readonly fanOut: number;
  /** Reported in the run summary under its name (a Gaussian's mean and variance). */
  readonly readout: boolean;
}

const FIELDS = ['shape', 'init', 'std', 'fanIn', 'readout'] as const;
const MAX_PARAMS = 256;
const MAX_RANK = 4;
const MAX_DIM = 1_000_000;
const MAX_SIZE = 50_000_000;
const MAX_READOUT = 1024;
const NAME = /^[A-Za-z_$][\w$]*$/;

export interface DeclProblem {
  /** The parameter the problem is about, when it is about one. */
  name?: string;
  message: string;
}

/**
 * Reads the `params` export. The value comes from the sandbox, so reading it may run custom code
 * (a getter): call this inside the time guard. Everything is copied out into plain host data.
 */
export function readParamDecls(value: unknown, inputDim: number): { decls: ParamDecl[]; problems: DeclProblem[] } {
  const problems: DeclProblem[] = [];
  const decls: ParamDecl[] = [];
  if (value === undefined) return { decls, problems: [{ message: 'the code declares no parameters: export const params = { W: { shape: [\'d\', 64], init: \'torch\' }, … }' }] };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { decls, problems: [{ message: `params must be an object of declarations, { name: { shape, init } }; it is ${describe(value)}` }] };
  const names = Object.keys(value);
  if (names.length === 0) problems.push({ message: 'params declares no parameters: an energy needs at least one to train' });
  if (names.length > MAX_PARAMS) return { decls, problems: [{ message: `params declares ${names.length} parameters; the most is ${MAX_PARAMS}` }] };
  for (const name of names) {
    const fail = (message: string) => problems.push({ name, message: `parameter ${name}: ${message}` });
    if (!NAME.test(name)) {
      fail('its name must be an identifier (letters, digits, _ and $)');
      continue;
    }
    const d: unknown = (value as Record<string, unknown>)[name];
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      fail(`expected { shape, init }, got ${describe(d)}`);
      continue;
    }
    const fields = d as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !(FIELDS as readonly string[]).includes(k));
    if (unknown.length) {
      fail(`unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (the fields are ${FIELDS.join(', ')})`);
      continue;
    }
    const shape = readShape(fields.shape, inputDim);
    if (typeof shape === 'string') {
      fail(shape);
      continue;
    }
    const init = fields.init;
    if (typeof init !== 'string' || !Object.hasOwn(INITIALISERS, init)) {
      fail(`init must be one of ${Object.keys(INITIALISERS).map((k) => `'${k}'`).join(', ')}; it is ${describe(init)}`);
      continue;
    }
    const std = fields.std ?? 1;
    if (typeof std !== 'number' || !Number.isFinite(std) || std <= 0) {
      fail(`std must be a number > 0; it is ${describe(std)}`);
      continue;
    }
    if (fields.std !== undefined && init !== 'normal') {
      fail(`std applies to init 'normal' only (init is '${init}')`);
      continue;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (size > MAX_SIZE) {
      fail(`has ${size} entries; the most is ${MAX_SIZE}`);
      continue;
    }
    const fans = readFans(fields.fanIn, shape, init as Initialiser, inputDim);
    if (typeof fans === 'string') {
      fail(fans);
      continue;
    }
    const readout = fields.readout ?? false;
    if (typeof readout !== 'boolean') {
      fail(`readout must be true or false; it is ${describe(readout)}`);
      continue;
    }
    if (readout && size > MAX_READOUT) {
      fail(`has ${size} entries, too many to report in the summary (readout: at most ${MAX_READOUT})`);
      continue;
    }
    decls.push({ name, shape, init: init as Initialiser, std, fanIn: fans.fanIn, fanOut: fans.fanOut, readout });
  }
  return { decls, problems };
}

function readShape(value: unknown, inputDim: number): number[] | string {
  const hint = "shape must be a list of sizes, each a whole number or 'd' (the input dimension), e.g. ['d', 64]";
  if (!Array.isArray(value)) return `${hint}; it is ${describe(value)}`;
  if (value.length > MAX_RANK) return `has rank ${value.length}; the most is ${MAX_RANK}`;
  const shape: number[] = [];
  for (const v of value as unknown[]) {
    if (v === 'd') shape.push(inputDim);
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_DIM) shape.push(v);
    else return `${hint}; entry ${describe(v)} is neither`;
  }
  return shape;
}

/** Fan-in and fan-out: a matrix [in, out] (our layout: x · W) has them as its last two sizes; a
 * vector's fan-in is its layer's, which only the declaration can say (PyTorch draws a bias with
 * the fan-in of its weights). */
function readFans(value: unknown, shape: number[], init: Initialiser, inputDim: number): { fanIn: number; fanOut: number } | string {
  const rank = shape.length;
  const fanOut = rank === 0 ? 1 : shape[rank - 1]!;
  let fanIn = rank >= 2 ? shape[rank - 2]! : rank === 1 ? shape[0]! : 1;
  if (value !== undefined) {
    if (value === 'd') fanIn = inputDim;
    else if (typeof value === 'number' && Number.isInteger(value) && value >= 1) fanIn = value;
    else return `fanIn must be a whole number ≥ 1 or 'd'; it is ${describe(value)}`;
    if (init !== 'torch' && init !== 'glorot' && init !== 'xavier') return `fanIn applies to init 'torch', 'glorot' and 'xavier' only (init is '${init}')`;
  } else if (init === 'torch' && rank < 2) {
    return "init 'torch' on a vector needs the fan-in of its layer, e.g. fanIn: 'd' for the first layer's bias (PyTorch draws a bias with its weights' fan-in)";
  }
  return { fanIn, fanOut };
}

/** The initial values of a parameter, from its own stream of `rng` (adding a parameter does not
 * change the others' draws). */
export function initialValues(decl: ParamDecl, rng: Rng): Float32Array {
  const size = decl.shape.reduce((a, b) => a * b, 1);
  const own = rng.split(`param:${decl.name}`);
  switch (decl.init) {
    case 'zeros':
      return new Float32Array(size);
    case 'ones':
      return new Float32Array(size).fill(1);
    case 'normal':
      return own.normals(size, 0, decl.std);
    case 'glorot':
    case 'xavier': {
      const bound = Math.sqrt(6 / (decl.fanIn + decl.fanOut));
      return own.uniforms(size, -bound, bound);
    }
    case 'torch': {
      const bound = 1 / Math.sqrt(decl.fanIn);
      return own.uniforms(size, -bound, bound);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `'${v.length > 30 ? `${v.slice(0, 30)}…` : v}'`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return String(v);
}
