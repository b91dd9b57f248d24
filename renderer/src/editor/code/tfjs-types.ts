// The part of tfjs-core's type declarations the code editor needs, picked at build time: the
// declaration file of every op custom code's `tf` has (nodes/energy-custom/ops.ts), the tensor
// methods' augmentations of Tensor, and everything those files import, plus a module that
// re-exports exactly those ops (the editor declares `tf` from it, declarations.ts). About 250
// small files instead of tfjs-core's 870. renderer/vite.config.ts runs this with a file reader
// and hands the result to the lazily loaded editor as one module; the unit test type-checks
// custom code against the same files. Pure: no node:*, the reader is passed in.

/** Where tfjs-core's files go in the editor's virtual file system (next to the globals file). */
export const TFJS_TYPES_DIR = 'tfjs-core';
/** The module of `tf`'s ops, inside TFJS_TYPES_DIR. */
export const FACADE_MODULE = 'facade';

/** Reads a file of tfjs-core's dist folder by its path there ('ops/mat_mul.d.ts'); undefined if missing. */
export type DistReader = (path: string) => string | undefined;

/**
 * The declaration files (path in dist → text) custom code's types need, with `facade.d.ts`.
 * Throws, naming it, when tfjs-core declares no op of `ops`: the editor would otherwise type a
 * facade op as missing.
 */
export function collectTfjsTypes(read: DistReader, wanted: { ops: Iterable<string>; methods: Iterable<string> }): Record<string, string> {
  const exports = exportedOps(read);
  const facade = new Map<string, string[]>();
  const missing: string[] = [];
  for (const name of wanted.ops) {
    const file = exports.get(name);
    if (!file) missing.push(name);
    else facade.set(file, [...(facade.get(file) ?? []), name]);
  }
  if (missing.length) throw new Error(`tfjs-core's type declarations have no op ${missing.join(', ')} (nodes/energy-custom/ops.ts lists it)`);

  const entries = [...facade.keys()];
  for (const method of wanted.methods) {
    // Each tensor method's declaration augments Tensor from its own file (public/chained_ops/mat_mul.d.ts).
    const file = `public/chained_ops/${snakeCase(method)}.d.ts`;
    if (read(file) !== undefined) entries.push(file);
  }

  const files: Record<string, string> = {};
  const stack = [...entries];
  while (stack.length) {
    const path = stack.pop()!;
    if (Object.hasOwn(files, path)) continue;
    const text = read(path);
    if (text === undefined) continue;
    files[path] = trim(text);
    for (const specifier of relativeImports(text)) {
      const target = resolve(path, specifier, read);
      if (target) stack.push(target);
    }
  }
  files[`${FACADE_MODULE}.d.ts`] = [...facade]
    .map(([file, names]) => `export { ${names.sort().join(', ')} } from './${file.replace(/\.d\.ts$/, '')}';`)
    .sort()
    .join('\n');
  return files;
}

/** Every op tfjs-core exports by name → the file that declares it (ops/ops.d.ts's list, and globals such as tidy). */
function exportedOps(read: DistReader): Map<string, string> {
  const found = new Map<string, string>();
  const opsIndex = read('ops/ops.d.ts');
  if (opsIndex === undefined) throw new Error('tfjs-core has no dist/ops/ops.d.ts: is @tensorflow/tfjs-core installed?');
  for (const m of opsIndex.matchAll(/export \{([^}]*)\} from '\.\/([^']+)'/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop()!.trim();
      if (name) found.set(name, `ops/${m[2]}.d.ts`);
    }
  }
  for (const m of opsIndex.matchAll(/export \* from '\.\/([^']+)'/g)) {
    const file = `ops/${m[1]}.d.ts`;
    for (const name of declaredExports(read(file) ?? '')) found.set(name, file);
  }
  for (const name of declaredExports(read('globals.d.ts') ?? '')) if (!found.has(name)) found.set(name, 'globals.d.ts');
  return found;
}

function declaredExports(text: string): string[] {
  return [...text.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1]!);
}

/** Relative module specifiers a declaration file reaches: imports, re-exports, import types, augmentations. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\(\s*|\bdeclare module\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

function resolve(from: string, specifier: string, read: DistReader): string | null {
  const parts = from.split('/').slice(0, -1);
  for (const part of specifier.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  const base = parts.join('/');
  for (const candidate of [`${base}.d.ts`, `${base}/index.d.ts`]) if (read(candidate) !== undefined) return candidate;
  return null;
}

/** Drops what the editor has no use for: the licence header (tfjs-core is Apache-2.0; the notice
 * is kept once, in the generated module), AMD names, the WebGPU types reference (its types are
 * declared empty in declarations.ts) and the doc site's @doc tags. */
function trim(text: string): string {
  return text
    .replace(/^\/\/\/ <(?:amd-module|reference types)[^\n]*\n/gm, '')
    .replace(/\/\*\*\s*\*\s*@license[\s\S]*?\*\/\s*/, '')
    .replace(/^\s*\* @doc \{[^\n]*\}\n/gm, '');
}

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
