// What the code editor's TypeScript knows about custom code's world, as declaration text: `tf`
// (exactly the facade's ops, with tfjs-core's own signatures and docs), the tensor types, and
// `Params`, the node's own parameters. The editor's files sit side by side in a virtual folder:
//
//   custom-energy.ts          the code being edited (CODE_FILE_NAME)
//   custom-energy-globals.d.ts  GLOBALS_FILE: tf, Tensor…, and Params from the code's own `params`
//   custom-energy-params.d.ts   PARAMS_FILE: the shapes the last check found
//   tfjs-core/…               tfjs-types.ts's files
//
// Pure text, so the unit test type-checks custom code with the same declarations Monaco gets.
import { CODE_FILE_NAME } from '../../../../nodes/energy-custom/code.ts';
import { FACADE_OPS } from '../../../../nodes/energy-custom/ops.ts';
import { FACADE_MODULE, TFJS_TYPES_DIR } from './tfjs-types.ts';

export const CODE_FILE = CODE_FILE_NAME;
export const GLOBALS_FILE = 'custom-energy-globals.d.ts';
export const PARAMS_FILE = 'custom-energy-params.d.ts';

/** The facade's ops tfjs does not have, with their declarations (nodes/shared/autodiff.ts). */
const OPS_BEYOND_TFJS: Record<string, string> = {
  swish: '/** Swish (SiLU), x·sigmoid(x), elementwise; derivatives verified to every order. */\n  swish<T extends Tensor>(x: T | TensorLike): T;',
  gelu: '/** GELU, x·Φ(x) (exact, with erf), elementwise; derivatives verified to every order. */\n  gelu<T extends Tensor>(x: T | TensorLike): T;',
};

/** The facade's ops whose declarations come from tfjs-core (tfjs-types.ts collects them). */
export const TFJS_FACADE_OPS: readonly string[] = [...FACADE_OPS].filter((name) => !Object.hasOwn(OPS_BEYOND_TFJS, name)).sort();

const importOf = (path: string) => `import('./${path}')`;
const tensorModule = importOf(`${TFJS_TYPES_DIR}/tensor`);

/** The globals custom code is written against. */
export function globalsDeclaration(): string {
  const picked = TFJS_FACADE_OPS.map((name) => `'${name}'`).join(' | ');
  const beyond = [...FACADE_OPS].filter((name) => Object.hasOwn(OPS_BEYOND_TFJS, name)).map((name) => `  ${OPS_BEYOND_TFJS[name]}`);
  return `// Custom energy code runs with tf in scope and nothing else (no imports, DOM or Node).
type Rank = import('./${TFJS_TYPES_DIR}/types').Rank;
type TensorLike = import('./${TFJS_TYPES_DIR}/types').TensorLike;
type Tensor<R extends Rank = Rank> = ${tensorModule}.Tensor<R>;
type Scalar = ${tensorModule}.Scalar;
type Tensor1D = ${tensorModule}.Tensor1D;
type Tensor2D = ${tensorModule}.Tensor2D;
type Tensor3D = ${tensorModule}.Tensor3D;
type Tensor4D = ${tensorModule}.Tensor4D;

/** The ops custom code has: tfjs-core's deterministic tensor ops, where exp, sigmoid, tanh,
 * softplus, relu, elu and leakyRelu are versions whose derivatives are verified to every order,
 * and swish and gelu. */
interface TfFacade extends Pick<typeof ${importOf(`${TFJS_TYPES_DIR}/${FACADE_MODULE}`)}, ${picked}> {
${beyond.join('\n')}
}
declare const tf: TfFacade;

/** What the code declares in export const params. */
type DeclaredParams = typeof ${importOf(CODE_FILE.replace(/\.ts$/, ''))}.params;

/** The parameters energy(x, p) receives: one tensor per name declared in params (its rank as the
 * last check found it, once checked). */
type Params = { readonly [K in keyof DeclaredParams]: K extends keyof CheckedParams ? CheckedParams[K] : Tensor };

// Types tfjs-core's declarations name that custom code never meets (WebGPU and WebGL data, the
// fetch API of model loading), declared empty: there is no DOM here. (io/types.d.ts's
// \`typeof fetch\` stays unresolved: declaring fetch would offer it to the code.)
interface GPUBuffer {}
interface GPUData {}
interface WebGLTexture {}
interface WebGLContextAttributes {}
interface Response {}
interface RequestInit {}
interface ReadableStream<R = unknown> {}
`;
}

/** A parameter the last check found: its name and shape ('d' resolved). */
export interface CheckedParam {
  name: string;
  shape: readonly number[];
}

const RANKED = ['Scalar', 'Tensor1D', 'Tensor2D', 'Tensor3D', 'Tensor4D'];

/** The shapes the last check found, for Params (globalsDeclaration); empty before any check. */
export function paramsDeclaration(params: readonly CheckedParam[]): string {
  const lines = params.map((p) => `  /** shape [${p.shape.join(', ')}] */\n  ${JSON.stringify(p.name)}: ${RANKED[p.shape.length] ?? 'Tensor'};`);
  return `/** The parameters as the last check found them. */\ninterface CheckedParams {\n${lines.join('\n')}\n}\n`;
}
