// The code editor's types (renderer/src/editor/code/declarations.ts and tfjs-types.ts): custom
// code is type-checked here by the TypeScript compiler with exactly the files Monaco's TypeScript
// gets, laid out as the editor lays them out, so what the editor marks is what these tests see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { DEFAULT_ENERGY_CODE } from '../../../nodes/energy-custom/node.ts';
import { FACADE_OPS, TENSOR_METHODS } from '../../../nodes/energy-custom/ops.ts';
import { CODE_FILE, GLOBALS_FILE, PARAMS_FILE, TFJS_FACADE_OPS, globalsDeclaration, paramsDeclaration, type CheckedParam } from '../../../renderer/src/editor/code/declarations.ts';
import { TFJS_TYPES_DIR, collectTfjsTypes, type DistReader } from '../../../renderer/src/editor/code/tfjs-types.ts';

const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')), 'dist');
const readDist: DistReader = (path) => {
  try {
    return readFileSync(join(dist, path), 'utf8');
  } catch {
    return undefined;
  }
};
const tfjsTypes = collectTfjsTypes(readDist, { ops: TFJS_FACADE_OPS, methods: TENSOR_METHODS });

/** The editor's compiler options (monaco-editor.ts). */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2020,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  strict: true,
  noImplicitAny: false,
  noEmit: true,
  types: [],
};

interface Problem {
  file: string;
  line: number;
  message: string;
}

const parsed = new Map<string, ts.SourceFile>();

/** Type-checks `code` as the editor does; the problems, and the program to ask more of. */
function typeCheck(code: string, checked: readonly CheckedParam[] = []): { problems: Problem[]; program: ts.Program } {
  const files = new Map<string, string>([
    ...Object.entries(tfjsTypes).map(([path, text]) => [`/${TFJS_TYPES_DIR}/${path}`, text] as [string, string]),
    [`/${GLOBALS_FILE}`, globalsDeclaration()],
    [`/${PARAMS_FILE}`, paramsDeclaration(checked)],
    [`/${CODE_FILE}`, code],
  ]);
  const host = ts.createCompilerHost(OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => {
    // Parsed once for all tests: everything but the code and Params.
    const shared = name !== `/${CODE_FILE}` && name !== `/${PARAMS_FILE}`;
    const cached = shared ? parsed.get(name) : undefined;
    if (cached) return cached;
    const file = files.has(name) ? ts.createSourceFile(name, files.get(name)!, version) : getSourceFile(name, version);
    if (shared && file) parsed.set(name, file);
    return file;
  };
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.readFile = (name) => files.get(name) ?? ts.sys.readFile(name);
  host.directoryExists = (dir) => [...files.keys()].some((f) => f.startsWith(`${dir.replace(/\/$/, '')}/`)) || ts.sys.directoryExists(dir);
  host.getCurrentDirectory = () => '/';
  const program = ts.createProgram([...files.keys()], OPTIONS, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file?.fileName ?? '',
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
  return { problems, program };
}

const inCode = (problems: Problem[]) => problems.filter((p) => p.file === `/${CODE_FILE}`);

/** tfjs-core's model loading names the fetch API, which custom code's world (no DOM) leaves out on purpose. */
const KNOWN_LIBRARY_GAP = /^Cannot find name 'fetch'/;

test('the Custom energy node’s default code has no type errors, and the declarations resolve', () => {
  const { problems } = typeCheck(DEFAULT_ENERGY_CODE);
  assert.deepEqual(inCode(problems), []);
  const elsewhere = problems.filter((p) => p.file !== `/${CODE_FILE}` && !KNOWN_LIBRARY_GAP.test(p.message));
  assert.deepEqual(elsewhere, [], 'the declarations the editor gets should compile on their own');
});

test('a type error is marked at its line, and only it', () => {
  const code = DEFAULT_ENERGY_CODE.replace('export function energy', "const n: number = 'a';\nexport function energy");
  const line = code.split('\n').findIndex((l) => l.startsWith('const n')) + 1;
  const problems = inCode(typeCheck(code).problems);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0]!.line, line);
  assert.match(problems[0]!.message, /Type 'string' is not assignable to type 'number'/);
});

test('tf has exactly the facade’s ops: one it lacks is an error, every one it has is typed', () => {
  const { program, problems } = typeCheck(`${DEFAULT_ENERGY_CODE}\ntf.conv2d;\n`);
  assert.match(inCode(problems).map((p) => p.message).join('\n'), /Property 'conv2d' does not exist on type 'TfFacade'/);
  const checker = program.getTypeChecker();
  const globals = program.getSourceFile(`/${GLOBALS_FILE}`)!;
  const tf = checker.getSymbolsInScope(globals, ts.SymbolFlags.Variable).find((s) => s.name === 'tf')!;
  const type = checker.getTypeOfSymbolAtLocation(tf, globals);
  const names = type.getProperties().map((p) => p.name).sort();
  assert.deepEqual(names, [...FACADE_OPS].sort());
  for (const property of type.getProperties()) {
    const opType = checker.getTypeOfSymbolAtLocation(property, globals);
    assert.ok(opType.getCallSignatures().length > 0, `tf.${property.name} should be a typed function, not any`);
    assert.equal(opType.flags & ts.TypeFlags.Any, 0, `tf.${property.name} should not be any`);
  }
});

test('Params has the names the code declares, live, with the ranks the last check found', () => {
  const code = `export const params = {
  W: { shape: ['d', 8], init: 'torch' },
  b: { shape: [8], init: 'zeros' },
  added: { shape: [3], init: 'zeros' },
};
export function energy(x: Tensor2D, p: Params): Tensor1D {
  const w: Tensor2D = p.W;
  const b: Tensor1D = p.b;
  const a: Tensor = p.added;
  const missing = p.gone;
  return tf.sum(tf.add(tf.matMul(x, w), b), 1);
}
`;
  const checked = [
    { name: 'W', shape: [2, 8] },
    { name: 'b', shape: [8] },
    { name: 'gone', shape: [1] },
  ];
  const problems = inCode(typeCheck(code, checked).problems);
  assert.deepEqual(
    problems.map((p) => [p.line, p.message]),
    [[10, "Property 'gone' does not exist on type 'Params'."]],
    'a name the code no longer declares is gone even though the last check had it; one it declares since is a Tensor',
  );
  // Before any check every declared name is a Tensor of unknown rank: a Tensor2D is not implied.
  const unchecked = inCode(typeCheck(code).problems).map((p) => p.line);
  assert.deepEqual(unchecked, [7, 8, 10]);
});

test('paramsDeclaration types each parameter by its rank and documents its shape', () => {
  const text = paramsDeclaration([
    { name: 's', shape: [] },
    { name: 'v', shape: [4] },
    { name: 'M', shape: [2, 3] },
    { name: 'T5', shape: [1, 1, 1, 1, 1] },
  ]);
  assert.match(text, /\/\*\* shape \[\] \*\/\n {2}"s": Scalar;/);
  assert.match(text, /"v": Tensor1D;/);
  assert.match(text, /\/\*\* shape \[2, 3\] \*\/\n {2}"M": Tensor2D;/);
  assert.match(text, /"T5": Tensor;/);
  assert.equal(paramsDeclaration([]), '/** The parameters as the last check found them. */\ninterface CheckedParams {\n\n}\n');
});

test('the editor gets a few hundred of tfjs-core’s declaration files, not all of them', () => {
  const paths = Object.keys(tfjsTypes);
  assert.ok(paths.includes('facade.d.ts') && paths.includes('ops/mat_mul.d.ts') && paths.includes('tensor.d.ts'));
  assert.ok(paths.includes('public/chained_ops/mat_mul.d.ts'), 'x.matMul() is typed: tensor methods come with their augmentations');
  assert.ok(!paths.some((p) => p.startsWith('ops/conv2d')), 'ops custom code has no access to are left out');
  const size = Object.values(tfjsTypes).reduce((n, t) => n + t.length, 0);
  assert.ok(paths.length < 400 && size < 400_000, `${paths.length} files, ${size} characters`);
  assert.ok(!Object.values(tfjsTypes).some((t) => t.includes('@license')), 'the licence header is kept once, in the generated module');
});

test('an op tfjs-core does not declare stops the build with its name', () => {
  assert.throws(() => collectTfjsTypes(readDist, { ops: ['matMul', 'noSuchOp'], methods: [] }), /tfjs-core's type declarations have no op noSuchOp/);
  assert.throws(() => collectTfjsTypes(() => undefined, { ops: ['matMul'], methods: [] }), /dist\/ops\/ops\.d\.ts/);
});
