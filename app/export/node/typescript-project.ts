// Writes the standalone TypeScript project of a graph (../typescript.ts says what is in it): reads
// our own sources and package manifests, and writes the folder all at once, by renaming a
// finished temporary folder into place. It runs nothing from the graph: exporting custom code
// written elsewhere is safe (the notes say so when the caller knows; see the CLI).
import { existsSync, readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../compile/compile.ts';
import { formatDiagnostic } from '../../diagnostics.ts';
import type { GraphDocument } from '../../graph/document.ts';
import { serializeGraph } from '../../graph/serialize.ts';
import { catalog } from '../../../nodes/catalog.ts';
import type { AnyNodeDef } from '../../../nodes/define.ts';
import { catalogModules, importSpecifiers, moduleClosure, packageName, type NodeModule } from '../imports.ts';
import {
  GITIGNORE,
  GRAPH_FILE,
  LIB_DIR,
  describeSource,
  packageJson,
  readme,
  trainScript,
  tsconfigJson,
  type PackageVersions,
} from '../typescript.ts';

export interface ExportResult {
  /** Every file written, relative to the project folder, sorted. */
  files: string[];
  /** What the person exporting should know (nodes left out, custom code...). */
  notes: string[];
}

/** A graph that cannot be exported, or a folder it cannot go to: the message says which and why. */
export class ExportError extends Error {}

/** Where our sources are: the repository, or the packaged app's folder that ships app/ and nodes/. */
export const SOURCE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Packages the project needs beyond what the vendored files import: tsx runs train.ts. */
const RUNNER = ['tsx'];
/** Packages for `npm run check`. */
const CHECKER = ['typescript', '@types/node'];

export async function exportTypeScriptProject(document: GraphDocument, outDir: string): Promise<ExportResult> {
  const { plan, diagnostics } = compile(document, catalog);
  if (!plan) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    throw new ExportError(`the graph has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}, so it cannot be exported:\n${errors.map(formatDiagnostic).join('\n')}`);
  }
  await checkTarget(outDir);

  const read = (path: string): string => readFileSync(join(SOURCE_ROOT, path), 'utf8');
  const moduleOf = nodeModules(read);
  const train = trainScript({ plan, moduleOf: (def) => moduleOf.get(def)! });
  const entries = importSpecifiers(train, 'train.ts');
  const libPrefix = `./${LIB_DIR}/`;
  const closure = moduleClosure(
    entries.filter((s) => s.startsWith(libPrefix)).map((s) => s.slice(libPrefix.length)),
    read,
  );
  const bare = [...new Set([...closure.bare, ...entries.filter((s) => !s.startsWith('.'))])];
  const versions = packageVersions(bare);
  const nodeFiles = new Map<string, AnyNodeDef>([...moduleOf].map(([def, m]) => [m.path, def]));
  const libFiles = closure.files.map((path) => ({ path, about: describeSource(read(path), nodeFiles.get(path)) }));

  const files = new Map<string, string>([
    ['train.ts', train],
    [GRAPH_FILE, serializeGraph(document)],
    ['package.json', packageJson(plan, versions)],
    ['tsconfig.json', tsconfigJson()],
    ['README.md', readme({ plan, libFiles, versions })],
    ['.gitignore', GITIGNORE],
    ...closure.files.map((path): [string, string] => [`${LIB_DIR}/${path}`, read(path)]),
  ]);
  await writeFolder(outDir, files);

  const notes = diagnostics.filter((d) => d.severity === 'warning').map((d) => `${formatDiagnostic(d)}${d.code === 'NODE_UNUSED' ? ' (so it is not in train.ts)' : ''}`);
  for (const node of plan.nodes)
    for (const spec of Object.values(node.def.params))
      if (spec.kind === 'code')
        notes.push(
          `"${node.name}": its ${spec.title.toLowerCase()} is in train.ts, where it runs sandboxed as in the app but without the app's per-call time limit (README.md says more)`,
        );
  if (versions.optionalDependencies['@tensorflow/tfjs-node'])
    notes.push('npm install also tries the optional @tensorflow/tfjs-node (it downloads libtensorflow); without it the script runs on wasm, or --backend cpu');
  return { files: [...files.keys()].sort(), notes };
}

/** The module of every node type in the catalog, read from nodes/catalog.ts. */
function nodeModules(read: (path: string) => string): Map<AnyNodeDef, NodeModule> {
  const modules = catalogModules(read('nodes/catalog.ts'));
  if (modules.length !== catalog.types.length)
    throw new Error(`nodes/catalog.ts lists ${modules.length} node modules but the catalog has ${catalog.types.length} node types`);
  return new Map(catalog.types.map((def, i) => [def, modules[i]!]));
}

/** The new or empty folder the project goes to; anything else is refused before anything is written. */
async function checkTarget(outDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fsp.readdir(outDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new ExportError(`${outDir} is a file, not a folder; choose a new or empty folder`);
    throw new ExportError(`${outDir} cannot be read (${(e as Error).message})`);
  }
  if (entries.length > 0) throw new ExportError(`${outDir} exists and is not empty; choose a new or empty folder (nothing was overwritten)`);
}

/** Writes every file into a temporary folder beside `outDir`, then renames it into place. */
async function writeFolder(outDir: string, files: Map<string, string>): Promise<void> {
  const target = resolve(outDir);
  await fsp.mkdir(dirname(target), { recursive: true });
  const temp = await fsp.mkdtemp(join(dirname(target), `.${basename(target)}.export-`));
  try {
    for (const [path, text] of files) {
      await fsp.mkdir(dirname(join(temp, path)), { recursive: true });
      await fsp.writeFile(join(temp, path), text);
    }
    await checkTarget(target);
    if (existsSync(target)) await fsp.rmdir(target);
    await fsp.rename(temp, target);
  } catch (e) {
    await fsp.rm(temp, { recursive: true, force: true });
    if (e instanceof ExportError) throw e;
    throw new ExportError(`could not write ${outDir}: ${(e as Error).message}`);
  }
}

interface Manifest {
  version?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

function manifest(path: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/**
 * The project's packages: those its files import, tsx and the type checker, each at the version
 * installed here (the version the app runs with; our package.json's when it is not installed, as
 * the optional tfjs-node may not be), in the same section as in our package.json.
 */
function packageVersions(bare: readonly string[]): PackageVersions {
  const ours = manifest(join(SOURCE_ROOT, 'package.json'));
  if (!ours) throw new Error(`EBM Studio's package.json could not be read from ${SOURCE_ROOT}`);
  const versionOf = (name: string, range: string) => manifest(join(SOURCE_ROOT, 'node_modules', name, 'package.json'))?.version ?? range;
  const result: PackageVersions = { dependencies: {}, optionalDependencies: {}, devDependencies: {}, allowScripts: {}, ...(ours.engines ? { engines: ours.engines } : {}) };
  const packages = [...new Set(bare.filter((s) => !isBuiltin(s)).map(packageName))];
  for (const name of [...packages, ...RUNNER]) {
    const optional = ours.optionalDependencies?.[name];
    const range = optional ?? ours.dependencies?.[name];
    if (!range) throw new Error(`the exported files import ${name}, which is not among EBM Studio's dependencies`);
    (optional ? result.optionalDependencies : result.dependencies)[name] = versionOf(name, range);
  }
  for (const name of CHECKER) {
    const range = ours.devDependencies?.[name] ?? ours.dependencies?.[name];
    if (range) result.devDependencies[name] = versionOf(name, range);
  }
  const needed = dependencyClosure([...Object.keys(result.dependencies), ...Object.keys(result.optionalDependencies), ...Object.keys(result.devDependencies)]);
  for (const [name, allowed] of Object.entries(ours.allowScripts ?? {})) if (needed.has(name)) result.allowScripts[name] = allowed;
  return result;
}

/** These packages and every package they depend on, by name, as installed here. */
function dependencyClosure(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...names];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const m = manifest(join(SOURCE_ROOT, 'node_modules', name, 'package.json'));
    todo.push(...Object.keys(m?.dependencies ?? {}), ...Object.keys(m?.optionalDependencies ?? {}));
  }
  return seen;
}
