// ebm-studio run | validate | export | nodes. Every failure is a message and an exit status, never a stack trace.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { CodeTrust, TRUST_FILE, untrustedExportNote, untrustedMessage, userDataDir } from '../api/node/trust.ts';
import { compile } from '../compile/compile.ts';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics.ts';
import type { GraphDocument } from '../graph/document.ts';
import { exportTypeScriptProject } from '../export/node/typescript-project.ts';
import { readGraphFile } from '../graph/node/file.ts';
import { BACKENDS, type Summary } from '../runtime/events.ts';
import type { BackendPreference } from '../runtime/node/backend.ts';
import { startRun } from '../runtime/node/start-run.ts';
import { catalog } from '../../nodes/catalog.ts';
import { PORT_TYPES } from '../../nodes/define.ts';
import { checkParam, describeSpec, parseParamText } from '../../nodes/params.ts';
import { ProgressLine } from './progress.ts';
import { wrap } from '../text.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where Ctrl-C arrives (the process); absent in tests. */
  interrupts?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** The file of trusted custom code; default the app's own (trust.ts), so trust is shared with it. */
  codeTrustStore?: string;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

class UsageError extends Error {}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const err = (s: string) => io.stderr.write(`${s}\n`);
  let status: number = EXIT.ok;

  const program = new Command()
    .name('ebm-studio')
    .description('Design and run energy-based-model experiments as node graphs (TensorFlow.js).')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('train a graph and write its run folder')
    .argument('<file>', 'graph file (*.ebm.json), or a PNG that EBM Studio wrote (it carries its graph)')
    .option('--steps <n>', 'train this many steps (every trainer)', positiveInt('--steps'))
    .option('--seed <s>', 'experiment seed (0 to 4294967295)', seedValue)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', ...BACKENDS]).default('auto'))
    .option('--out <dir>', 'run folder (default runs/<time>-<file name>)')
    .option('--set <node.param=value>', 'set a parameter; node is an id or a label (repeatable)', collect, [] as string[])
    .option('--json', 'print the summary as JSON on stdout, nothing else')
    .option('--trust', 'run custom code written elsewhere, and trust it from now on (read it first)')
    .action(async (file: string, opts: RunOptions) => {
      status = await run(file, opts, io);
    });

  program
    .command('validate')
    .description('check a graph file: exit status 1 and the problems when it is bad')
    .argument('<file>', 'graph file (*.ebm.json), or a PNG that EBM Studio wrote (it carries its graph)')
    .option('--json', 'print the diagnostics as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { document, diagnostics } = await load(file);
      const all = document ? [...diagnostics, ...compile(document, catalog).diagnostics] : diagnostics;
      const bad = !document || hasErrors(all);
      if (opts.json) out(JSON.stringify({ file, valid: !bad, diagnostics: all }, null, 2));
      else {
        for (const d of all) (d.severity === 'error' ? err : out)(`${file}: ${formatDiagnostic(d)}`);
        if (!bad) out(`${file}: valid (${document!.nodes.length} nodes, ${document!.edges.length} edges)`);
      }
      status = bad ? EXIT.failed : EXIT.ok;
    });

  program
    .command('export')
    .description('write a standalone project that reproduces the graph without the app')
    .argument('<file>', 'graph file (*.ebm.json), or a PNG that EBM Studio wrote (it carries its graph)')
    .requiredOption('--out <dir>', 'the project folder: a new or empty one')
    .addOption(new Option('--target <language>', 'what to write: a TypeScript (tfjs) or a PyTorch project').choices(EXPORT_TARGETS).default('typescript'))
    .action(async (file: string, opts: ExportOptions) => {
      status = await exportGraph(file, opts, io);
    });

  program
    .command('nodes')
    .description('list the node types with every parameter')
    .option('--json', 'print the catalog as JSON')
    .action((opts: { json?: boolean }) => {
      if (opts.json) out(JSON.stringify(catalog.types.map(({ build: _b, check: _c, derived: _d, migrate: _m, dim: _dim, ...rest }) => rest), null, 2));
      else out(describeCatalog());
    });

  try {
    if (argv.length === 0) throw new UsageError('missing command: run, validate, export or nodes');
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof UsageError) {
      err(`error: ${e.message}`);
      err('(run with --help for usage)');
      return EXIT.usage;
    }
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failed;
  }
}

async function load(file: string): Promise<{ document: GraphDocument | null; diagnostics: Diagnostic[] }> {
  return readGraphFile(file);
}

interface RunOptions {
  steps?: number;
  seed?: number;
  backend: BackendPreference;
  out?: string;
  set: string[];
  json?: boolean;
  trust?: boolean;
}

async function run(file: string, opts: RunOptions, io: CliIo): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const err = (s: string) => io.stderr.write(`${s}\n`);
  const { document: loaded, diagnostics: loadDiagnostics } = await load(file);
  for (const d of loadDiagnostics) err(`${file}: ${formatDiagnostic(d)}`);
  if (!loaded || hasErrors(loadDiagnostics)) {
    err(`${file}: cannot run a file with errors (ebm-studio validate shows them all)`);
    return EXIT.failed;
  }
  const document = applySettings(loaded, opts.set);
  if (opts.seed !== undefined) document.seed = opts.seed;
  const { diagnostics } = compile(document, catalog);
  for (const d of diagnostics) err(`${file}: ${formatDiagnostic(d)}`);
  if (hasErrors(diagnostics)) return EXIT.failed;

  // Custom code written elsewhere runs only when trusted (here, in the app, or now with --trust).
  const trust = await CodeTrust.open(io.codeTrustStore ?? join(userDataDir(), TRUST_FILE), catalog);
  const untrusted = trust.untrusted(document);
  if (untrusted.length > 0) {
    if (!opts.trust) {
      err(`${file}: ${untrustedMessage(untrusted)}`);
      return EXIT.failed;
    }
    await trust.trust(untrusted.map((c) => c.code));
  }

  const outDir = opts.out ?? freshRunFolder(join('runs', `${timestamp()}-${basename(file).replace(/\.ebm\.json$|\.json$|\.png$/i, '')}`));
  if (opts.out && existsSync(opts.out) && readdirSync(opts.out).length > 0) {
    err(`${opts.out}: the run folder exists and is not empty; choose another --out (nothing was overwritten)`);
    return EXIT.failed;
  }
  const handle = startRun({ document, backend: opts.backend, outDir, ...(opts.steps !== undefined ? { steps: opts.steps } : {}) });
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      err('\nstopping after this step (Ctrl-C again to quit at once)…');
      handle.cancel();
    } else process.exit(EXIT.cancelled);
  };
  io.interrupts?.on('SIGINT', onInterrupt);
  const progress = opts.json ? null : new ProgressLine(io.stderr);
  try {
    for await (const event of handle.events) {
      if (event.type === 'started') {
        if (!opts.json) {
          err(`backend: ${event.backend}${event.backendNotes.length ? ` (${event.backendNotes.join('; ')})` : ''}`);
          err(`run folder: ${outDir}`);
        }
      } else if (event.type === 'progress') progress?.update(event);
      else if (event.type === 'failed') {
        progress?.end();
        err(`${file}: ${formatDiagnostic(event.diagnostic)}`);
        if (opts.json && event.summary) out(JSON.stringify(event.summary, null, 2));
        return EXIT.failed;
      } else if (event.type === 'finished') {
        progress?.end();
        if (opts.json) out(JSON.stringify(event.summary, null, 2));
        else out(describeSummary(event.summary));
        return event.summary.status === 'cancelled' ? EXIT.cancelled : EXIT.ok;
      }
    }
    return EXIT.failed;
  } finally {
    io.interrupts?.off('SIGINT', onInterrupt);
  }
}

const EXPORT_TARGETS = ['typescript', 'pytorch'] as const;

interface ExportOptions {
  out: string;
  target: (typeof EXPORT_TARGETS)[number];
}

/** Writes the project; prints every file written and the notes. Exporting runs nothing, so custom
 * code from elsewhere is exported (with a note) without being trusted. */
async function exportGraph(file: string, opts: ExportOptions, io: CliIo): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const err = (s: string) => io.stderr.write(`${s}\n`);
  const { document, diagnostics: loadDiagnostics } = await load(file);
  for (const d of loadDiagnostics) err(`${file}: ${formatDiagnostic(d)}`);
  if (!document || hasErrors(loadDiagnostics)) {
    err(`${file}: cannot export a file with errors (ebm-studio validate shows them all)`);
    return EXIT.failed;
  }
  const errors = compile(document, catalog).diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of errors) err(`${file}: ${formatDiagnostic(d)}`);
    err(`${file}: cannot export a graph with errors`);
    return EXIT.failed;
  }
  let result: { files: string[]; notes: string[] };
  try {
    if (opts.target === 'pytorch') {
      const { exportPyTorchProject } = await import('../export/node/pytorch-project.ts');
      result = await exportPyTorchProject(document, opts.out);
    } else result = await exportTypeScriptProject(document, opts.out);
  } catch (e) {
    err(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failed;
  }
  const untrusted = (await CodeTrust.open(io.codeTrustStore ?? join(userDataDir(), TRUST_FILE), catalog)).untrusted(document);
  out(`${opts.out}: ${opts.target} project, ${result.files.length} files`);
  for (const f of result.files) out(`  ${relative(resolve(opts.out), resolve(opts.out, f))}`);
  for (const note of result.notes) out(`note: ${note}`);
  if (untrusted.length > 0) out(`note: ${untrustedExportNote(untrusted)}`);
  return EXIT.ok;
}

/** --set NODE.PARAM=VALUE, NODE an id or a label; every problem is a UsageError naming the setting. */
export function applySettings(doc: GraphDocument, settings: readonly string[]): GraphDocument {
  const next: GraphDocument = structuredClone(doc);
  for (const setting of settings) {
    const eq = setting.indexOf('=');
    const dot = setting.lastIndexOf('.', eq);
    if (eq < 0 || dot <= 0) throw new UsageError(`--set ${setting}: expected NODE.PARAM=VALUE`);
    const [who, param, text] = [setting.slice(0, dot), setting.slice(dot + 1, eq), setting.slice(eq + 1)];
    const byId = next.nodes.find((n) => n.id === who);
    const byLabel = next.nodes.filter((n) => n.label === who);
    if (!byId && byLabel.length > 1) throw new UsageError(`--set ${setting}: ${byLabel.length} nodes are labelled "${who}"; use an id (${byLabel.map((n) => n.id).join(', ')})`);
    const node = byId ?? byLabel[0];
    if (!node) throw new UsageError(`--set ${setting}: no node has the id or label "${who}" (nodes: ${next.nodes.map((n) => n.label ?? n.id).join(', ')})`);
    const def = catalog.get(node.type);
    const spec = def?.params[param];
    if (!def || !spec) throw new UsageError(`--set ${setting}: ${def ? `${def.title} has no parameter "${param}" (it has ${Object.keys(def.params).join(', ')})` : `node "${who}" has an unknown type`}`);
    const parsed = parseParamText(spec, text);
    if ('problem' in parsed) throw new UsageError(`--set ${setting}: ${parsed.problem}`);
    const problem = checkParam(spec, parsed.value);
    if (problem) throw new UsageError(`--set ${setting}: ${spec.title} ${problem}`);
    node.params = { ...node.params, [param]: parsed.value };
  }
  return next;
}

function describeSummary(s: Summary): string {
  const lines = [`${s.status} · ${s.steps}/${s.totalSteps} steps in ${s.seconds.toFixed(1)} s (${s.stepsPerSecond.toFixed(1)} steps/s, ${s.backend})`];
  const fmt = (v: number | number[]) => (Array.isArray(v) ? `[${v.map((x) => x.toPrecision(4)).join(', ')}]` : v.toPrecision(4));
  for (const [k, v] of Object.entries(s.final)) lines.push(`  ${k.padEnd(22)} ${fmt(v)}`);
  for (const a of s.knownAnswers) lines.push(`  ${`${a.quantity} (${a.energyNode})`.padEnd(22)} ${fmt(a.recovered)}   true ${fmt(a.truth)}`);
  if (s.outDir) lines.push(`run folder: ${s.outDir}`);
  return lines.join('\n');
}

function describeCatalog(): string {
  const lines: string[] = [];
  for (const def of catalog.types) {
    lines.push(`${def.type}  ·  ${def.title}  (${def.category}, version ${def.version})`);
    lines.push(...wrap(def.doc, 96).map((l) => `    ${l}`));
    if (def.reference) lines.push(`    Reference: ${def.reference}`);
    const ports = (kind: string, map: Record<string, { type: keyof typeof PORT_TYPES; title: string; optional?: boolean }>) =>
      Object.entries(map).map(([name, p]) => `    ${kind} ${name}: ${PORT_TYPES[p.type].title}${p.optional ? ' (optional)' : ''}`);
    lines.push(...ports('in ', def.inputs), ...ports('out', def.outputs));
    for (const [name, spec] of Object.entries(def.params)) {
      lines.push(`    --set ${name}=…  ${spec.title}: ${describeSpec(spec)}`);
      lines.push(...wrap(spec.doc, 88).map((l) => `          ${l}`));
    }
    lines.push('');
  }
  return lines.join('\n');
}

function positiveInt(flag: string) {
  return (text: string): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${flag} takes a whole number ≥ 1, got "${text}"`);
    return v;
  };
}

function seedValue(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0 || v > 2 ** 32 - 1) throw new UsageError(`--seed takes a whole number from 0 to 4294967295, got "${text}"`);
  return v;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `base`, or `base-2`, `base-3`… when runs start within the same second. */
function freshRunFolder(base: string): string {
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
