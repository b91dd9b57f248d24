// Export to TypeScript: what a standalone project that reproduces an experiment contains. train.ts
// is the experiment as a script a researcher reads and changes: the seed and the command line, one
// section per node of the plan (its parameters as a plain object literal, every value written
// out, each with its meaning), then the training loop written out as app/runtime/train.ts runs
// it. It builds every node with the app's own node code, vendored under lib/ at the same relative
// paths, and writes the run folder with the app's own RunFolder, so that the same seed and backend
// give the app's numbers bit for bit (test/integration/export-typescript.test.ts holds the two
// loops to that). Pure: the caller (node/typescript-project.ts) reads the sources and writes files.
import type { Plan, PlannedNode } from '../compile/compile.ts';
import { APP_VERSION } from '../graph/document.ts';
import type { AnyNodeDef } from '../../nodes/define.ts';
import type { ParamSpec } from '../../nodes/params.ts';
import type { NodeModule } from './imports.ts';
import { wrap } from '../text.ts';

/** Where the vendored sources go inside the project. */
export const LIB_DIR = 'lib';
/** The graph's file inside the project (and in every run folder). */
export const GRAPH_FILE = 'graph.ebm.json';

/** Names train.ts itself declares or uses: a node's variable never takes one. */
const SCRIPT_NAMES = [
  'tf', 'args', 'usage', 'SEED', 'FINAL_SAMPLES', 'backendPreference', 'stepsOverride', 'backend', 'root', 'disposables',
  'monitors', 'context', 'energies', 'datasets', 'runs', 'TrainerRun', 'totalSteps', 'graph', 'outDir', 'folder', 'emit',
  'runId', 'started', 'final', 'step', 'stopRequested', 'lastLog', 'trainStep', 'report', 'metricName', 'drawFinalSamples',
  'finish', 'summarise', 'plots', 'fail', 'wholeNumber', 'freshFolder', 'timestamp', 'format', 'lockdownRealm', 'selectBackend',
  'RunFolder', 'Rng', 'BACKENDS', 'existsSync', 'readFileSync', 'parseArgs', 'GraphDocument', 'RunEvent', 'Summary',
  'BuildContext', 'Dataset', 'EnergyModel', 'Monitor', 'Trainer', 'BackendPreference', 'Diagnostic',
];
const RESERVED = new Set([
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async of arguments eval undefined NaN Infinity'.split(' '),
  ...'process console performance globalThis Object Math Array Number String Boolean Map Set Error JSON Date URL Promise Symbol'.split(' '),
]);

/** A JavaScript identifier made from a node id (`langevin-2` → `langevin2`), not yet taken. */
function identifierFor(id: string, taken: Set<string>): string {
  const words = id.split(/[^A-Za-z0-9_$]+/).filter(Boolean);
  let name = words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('') || 'node';
  if (/^[0-9]/.test(name)) name = `node${name}`;
  let unique = name;
  for (let i = 2; taken.has(unique) || RESERVED.has(unique); i++) unique = `${name}${i}`;
  taken.add(unique);
  return unique;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A single-quoted string literal. */
export function quote(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

const key = (k: string): string => (IDENTIFIER.test(k) && !RESERVED.has(k) ? k : quote(k));

/** A template literal whose value is exactly `s` (line breaks kept, so code stays readable). */
function templateLiteral(s: string): string {
  return `\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${').replace(/\r/g, '\\r')}\``;
}

function literal(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  throw new Error(`a parameter value of an unexpected kind: ${JSON.stringify(value)}`);
}

/** The first sentences of a doc, up to about `max` characters. */
export function shorten(doc: string, max = 220): string {
  const sentences = doc.trim().split(/(?<=[.!?])(?<!\b(?:e\.g|i\.e|cf|vs|al)\.)\s+(?=[A-Z(‘“"])/);
  let out = sentences[0] ?? '';
  for (const s of sentences.slice(1)) {
    if (out.length + s.length + 1 > max) break;
    out += ` ${s}`;
  }
  return out;
}

/** The width comments are wrapped to. */
const LINE = 110;

const comment = (text: string, indent = '', width = LINE): string[] => wrap(text, width - indent.length - 3).map((l) => `${indent}// ${l}`);

/** Lines of text as comment lines, blank lines kept, each paragraph wrapped. */
const commentParagraphs = (text: string): string[] =>
  text
    .split(/\n\s*\n/)
    .map((p) => comment(p.replace(/\s+/g, ' ')))
    .flatMap((lines, i) => (i === 0 ? lines : ['//', ...lines]));

/** What a parameter means, for the comment after its value. */
function paramComment(spec: ParamSpec, value: unknown): string {
  const unit = 'unit' in spec && spec.unit && !spec.title.toLowerCase().includes(spec.unit.toLowerCase()) ? ` (${spec.unit})` : '';
  const parts = [`${spec.title}${unit}: ${shorten(spec.doc, 120)}`];
  if (spec.kind === 'choice') parts.push(`One of ${spec.options.map((o) => o.value).join(', ')}.`);
  if (spec.visibleWhen) parts.push(`Used when ${spec.visibleWhen.param} is ${spec.visibleWhen.oneOf.map((v) => literal(v)).join(' or ')}.`);
  if (spec.kind !== 'code' && JSON.stringify(value) !== JSON.stringify(spec.default)) parts.push(`Default ${literal(spec.default)}.`);
  return parts.join(' ');
}

/** A comment line over a section: `// --- text -----…` to LINE columns. */
const rule = (text: string): string => {
  const head = `// --- ${text} `;
  return head + '-'.repeat(Math.max(3, LINE - head.length));
};
const BAR = `// ${'='.repeat(LINE - 3)}`;

/** Drops the parts of a reference that point into EBM Studio's own documents (not in the project). */
function citation(reference: string | undefined): string | undefined {
  const kept = reference
    ?.split(';')
    .map((s) => s.trim())
    .filter((s) => s && !/\.(md|ts)\b|^Issue \d/.test(s));
  return kept && kept.length ? kept.join('; ') : undefined;
}

export interface TrainScriptInput {
  plan: Plan;
  /** The module that defines each node type of the plan. */
  moduleOf: (def: AnyNodeDef) => NodeModule;
}

interface NodeSection {
  node: PlannedNode;
  /** The variable holding its output (nodes with one output) or its outputs (several); null: none. */
  variable: string | null;
  /** For a custom-code parameter: the constant that holds the code. */
  codeConstants: Map<string, string>;
  /** The name its node type's module exports the definition as. */
  definition: string;
}

/** The text of train.ts. */
export function trainScript({ plan, moduleOf }: TrainScriptInput): string {
  const doc = plan.document;
  const taken = new Set(SCRIPT_NAMES);
  const modules = new Map<string, NodeModule>();
  for (const node of plan.nodes) modules.set(node.def.type, moduleOf(node.def));
  for (const m of modules.values()) taken.add(m.exportName);
  const sections: NodeSection[] = plan.nodes.map((node) => {
    const outputs = Object.keys(node.def.outputs);
    const variable = outputs.length === 0 ? null : identifierFor(node.id, taken);
    const codeConstants = new Map<string, string>();
    for (const [name, spec] of Object.entries(node.def.params))
      if (spec.kind === 'code') codeConstants.set(name, identifierFor(`${variable ?? node.id}-${name}`, taken));
    return { node, variable, codeConstants, definition: modules.get(node.def.type)!.exportName };
  });
  const byId = new Map(sections.map((s) => [s.node.id, s]));
  /** The expression for a node's output port. */
  const outputOf = (nodeId: string, port: string): string => {
    const s = byId.get(nodeId)!;
    return Object.keys(s.node.def.outputs).length === 1 ? s.variable! : `${s.variable}.${port}`;
  };
  const hasCustomCode = plan.nodes.some((n) => Object.values(n.def.params).some((p) => p.kind === 'code'));
  const lines: string[] = [];
  const add = (...l: string[]) => lines.push(...l);

  // Header.
  add(`// ${doc.metadata.title}`);
  if (doc.metadata.description?.trim()) add('//', ...commentParagraphs(doc.metadata.description));
  add(
    '//',
    ...comment(
      `Exported from EBM Studio ${APP_VERSION}: this script reproduces the experiment of ${GRAPH_FILE} without the app. ` +
        'With the same seed and backend it computes the same numbers as the app, bit for bit, and writes the same run ' +
        'folder (metrics.jsonl, snapshots.jsonl, samples.csv, summary.json, the pictures).',
    ),
    '//',
    '//   npm install && npm start',
    '//   npm start -- --steps 500 --backend cpu --out runs/first',
    '//',
    ...comment(
      'It reads top to bottom: the seed and the command line, the backend, one section per node of the graph (inputs ' +
        `first; each is built by its node's module in ${LIB_DIR}/, the app's own code), then the training loop. Change ` +
        'anything: a parameter, a node, the loop. `npm run check` type-checks your changes.',
    ),
    '',
  );

  // Imports.
  add(
    "import { existsSync, readFileSync } from 'node:fs';",
    "import { parseArgs } from 'node:util';",
    "import * as tf from '@tensorflow/tfjs-core';",
    `import type { Diagnostic } from './${LIB_DIR}/app/diagnostics.ts';`,
    `import type { GraphDocument } from './${LIB_DIR}/app/graph/document.ts';`,
    `import { BACKENDS, type RunEvent, type Summary } from './${LIB_DIR}/app/runtime/events.ts';`,
    `import { selectBackend, type BackendPreference } from './${LIB_DIR}/app/runtime/node/backend.ts';`,
    ...(hasCustomCode ? [`import { lockdownRealm } from './${LIB_DIR}/app/runtime/node/lockdown.ts';`] : []),
    `import { RunFolder } from './${LIB_DIR}/app/runtime/node/run-folder.ts';`,
    `import { Rng } from './${LIB_DIR}/app/runtime/rng.ts';`,
    `import type { BuildContext, Dataset, EnergyModel, Monitor, Trainer } from './${LIB_DIR}/nodes/define.ts';`,
  );
  for (const m of modules.values()) add(`import { ${m.exportName} } from './${LIB_DIR}/${m.path}';`);
  add(
    '',
    '/** The experiment seed: every random number of the run comes from it. */',
    `const SEED = ${doc.seed};`,
    '/** Final samples drawn per trainer when the run ends (fewer when the held-out set is smaller). */',
    'const FINAL_SAMPLES = 1000;',
    '',
  );

  // Command line and backend.
  add(
    BAR,
    '// The command line',
    '',
    'const usage = `usage: npm start -- [--steps N] [--backend auto|${BACKENDS.join(\'|\')}] [--out DIR]`;',
    'const args = (() => {',
    '  try {',
    '    return parseArgs({',
    '      options: {',
    "        steps: { type: 'string' }, // steps for every trainer (default: each trainer's own)",
    "        backend: { type: 'string', default: 'auto' }, // auto picks the best that loads",
    "        out: { type: 'string' }, // the run folder, new or empty (default: runs/<date>-<time>)",
    '      },',
    '    }).values;',
    '  } catch (e) {',
    '    return fail(`${(e as Error).message}\\n${usage}`, 2);',
    '  }',
    '})();',
    "const stepsOverride = args.steps === undefined ? undefined : wholeNumber('--steps', args.steps);",
    "const backendPreference = args.backend as BackendPreference;",
    "if (!['auto', ...BACKENDS].includes(backendPreference)) fail(`--backend ${args.backend}: not a backend\\n${usage}`, 2);",
    '',
    BAR,
    ...comment(
      'The backend: the one asked for, or with auto the best that loads (tensorflow, from the optional ' +
        '@tensorflow/tfjs-node, then wasm, then cpu). This is the app\'s own choice, which also installs its faster ' +
        'wasm kernels: on each backend the script computes what the app computes.',
    ),
    '',
    'const backend = await selectBackend(backendPreference).catch((e: Error) => fail(e.message));',
    "console.log(`backend: ${backend.name}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);",
    '',
  );
  if (hasCustomCode)
    add(
      ...comment(
        'Custom energy code runs in a sandbox, as in the app: an SES compartment that holds tf and nothing else, in a ' +
          'realm locked down before the code loads. The app also stops a call that runs past its time limit (from a ' +
          'watchdog thread this script does not have): here an endless loop needs Ctrl-C twice.',
      ),
      'await lockdownRealm();',
      '',
    );

  // The run folder (opened before building, as the app's training thread does).
  add(
    BAR,
    ...comment(
      `The run folder, written as the app writes it: the graph it came from (${GRAPH_FILE}, with this script's seed), ` +
        'metrics.jsonl, snapshots.jsonl, samples.csv, run.json, summary.json and the pictures (each carrying the graph).',
    ),
    '',
    `const graph = JSON.parse(readFileSync(new URL('./${GRAPH_FILE}', import.meta.url), 'utf8')) as GraphDocument;`,
    "const outDir = args.out ?? freshFolder(`runs/${timestamp()}`);",
    'const folder = (() => {',
    '  try {',
    '    return new RunFolder(outDir, { ...graph, seed: SEED });',
    '  } catch (e) {',
    '    return fail((e as Error).message);',
    '  }',
    '})();',
    'const emit = (event: RunEvent): void => folder.onEvent(event);',
    '',
  );

  // The nodes.
  add(
    BAR,
    ...comment(
      'The graph, node by node, inputs first. Each node is built from a context (its id; its own random stream, split ' +
        "from the seed by that id, so that adding a node never changes another's numbers; what to dispose at the end; " +
        'where monitors register), its parameters and its inputs.',
    ),
    '',
    'const root = new Rng(SEED);',
    'const disposables: { dispose(): void }[] = [];',
    'const monitors: Monitor[] = [];',
    '',
    'function context(nodeId: string): BuildContext {',
    '  return {',
    '    nodeId,',
    '    rng: root.split(nodeId),',
    '    track: (disposable) => (disposables.push(disposable), disposable),',
    '    monitor: (monitor) => void monitors.push(monitor),',
    '  };',
    '}',
    '',
  );
  for (const s of sections) add(...nodeSection(s, outputOf), '');

  // Training.
  const trainers = plan.trainers.map((id) => byId.get(id)!);
  const energies = sections.filter((s) => s.node.def.category === 'energy' && s.variable);
  const datasets = sections.filter((s) => s.node.def.category === 'data' && s.variable);
  const entry = (s: NodeSection, port: string) => {
    const value = outputOf(s.node.id, port);
    return value === s.node.id ? value : `${key(s.node.id)}: ${value}`;
  };
  add(
    BAR,
    '// Training',
    '',
    ...comment("The energies and data sets by node id: the summary reports each energy's readouts beside its data's known truth."),
    `const energies: Record<string, EnergyModel> = { ${energies.map((s) => entry(s, 'energy')).join(', ')} };`,
    `const datasets: Record<string, Dataset> = { ${datasets.map((s) => entry(s, 'data')).join(', ')} };`,
    '',
    '/** A trainer, its step count, and the sums of its metrics since the last log line. */',
    'interface TrainerRun {',
    '  name: string;',
    '  trainer: Trainer;',
    '  steps: number;',
    '  sums: Map<string, number>;',
    '  count: number;',
    '}',
    'const runs: TrainerRun[] = [',
    ...trainers.map(
      (s) => {
        const trainer = outputOf(s.node.id, 'trainer');
        return `  { name: ${quote(s.node.name)}, ${trainer === 'trainer' ? trainer : `trainer: ${trainer}`}, steps: stepsOverride ?? ${trainer}.steps, sums: new Map(), count: 0 },`;
      },
    ),
    '];',
    'const totalSteps = Math.max(0, ...runs.map((run) => run.steps));',
    '',
    ...comment(
      'Every trainer takes one optimizer step per step until it has run its steps. Metrics are averaged between log ' +
        'lines; at snapshot steps and at the last step the monitors evaluate. Ctrl-C stops after the current step (a ' +
        'second Ctrl-C at once) and the run folder is still complete.',
    ),
    'const runId = `run-${Date.now().toString(36)}`;',
    'const started = performance.now();',
    'const plots = monitors.flatMap((monitor) => (monitor.plot ? [monitor.plot] : []));',
    "emit({ type: 'started', runId, backend: backend.name, backendNotes: backend.notes, totalSteps, plots, outDir });",
    "console.log(`run folder: ${outDir}`);",
    '/** The last logged value of every metric. */',
    'const final: Record<string, number> = {};',
    'let step = 0;',
    'let lastLog = { step: 0, time: performance.now() };',
    'let stopRequested = false;',
    "process.once('SIGINT', () => {",
    '  stopRequested = true;',
    "  console.log('\\nstopping after this step (Ctrl-C again to quit at once)…');",
    '});',
    '',
    'try {',
    '  while (step < totalSteps && !stopRequested) {',
    '    const next = step + 1;',
    '    let log = next === totalSteps;',
    '    let snapshot = next === totalSteps;',
    '    for (const run of runs) {',
    '      if (next > run.steps) continue;',
    '      await trainStep(run, next);',
    '      const last = next === run.steps;',
    '      if (next % run.trainer.logEvery === 0 || last) log = true;',
    '      if (next % run.trainer.snapshotEvery === 0 || last) snapshot = true;',
    '    }',
    '    step = next;',
    '    if (log || snapshot) await report(snapshot);',
    '  }',
    '  await drawFinalSamples();',
    "  finish(step < totalSteps ? 'cancelled' : 'completed');",
    '} catch (e) {',
    "  finish('failed', { code: 'RUN_ERROR', severity: 'error', message: `the run stopped at step ${step + 1}: ${(e as Error).message ?? e}`, step: step + 1 });",
    '} finally {',
    '  for (const disposable of disposables) disposable.dispose();',
    '}',
    '',
    '/** One optimizer step of one trainer. Its metrics are read back in one transfer and checked. */',
    'async function trainStep(run: TrainerRun, step: number): Promise<void> {',
    '  const metrics = await run.trainer.optimizer.step(run.trainer.batchSize);',
    '  const names = Object.keys(metrics);',
    '  const packed = tf.stack(Object.values(metrics));',
    '  tf.dispose(Object.values(metrics));',
    '  const values = await packed.data();',
    '  packed.dispose();',
    '  const bad = names.filter((_, i) => !Number.isFinite(values[i]!));',
    '  if (bad.length > 0) {',
    "    const shown = bad.map((name) => `${name} = ${values[names.indexOf(name)]}`).join(', ');",
    '    throw new Error(`${run.name}: ${shown}. The parameters or the samples diverged: lower the learning rate or the sampler\'s step size.`);',
    '  }',
    '  names.forEach((name, i) => run.sums.set(name, (run.sums.get(name) ?? 0) + values[i]!));',
    '  run.count++;',
    '}',
    '',
    "/** A metric's name in the log: prefixed by its trainer's name when there are several. */",
    'function metricName(run: TrainerRun, name: string): string {',
    '  return runs.length > 1 ? `${run.name}/${name}` : name;',
    '}',
    '',
    '/** A log line: each trainer\'s averages since the last one, and the monitors\' metrics when asked. */',
    'async function report(withMonitors: boolean): Promise<void> {',
    '  const row: Record<string, number> = {};',
    '  for (const run of runs) {',
    '    if (run.count === 0) continue;',
    '    for (const [name, sum] of run.sums) row[metricName(run, name)] = sum / run.count;',
    '    run.sums.clear();',
    '    run.count = 0;',
    '  }',
    '  if (withMonitors) {',
    '    for (const monitor of monitors) {',
    '      const { metrics, snapshot } = await monitor.evaluate(step);',
    '      const run = runs.find((r) => r.trainer === monitor.trainer);',
    '      for (const [name, value] of Object.entries(metrics)) row[run ? metricName(run, name) : name] = value;',
    "      if (snapshot) emit({ type: 'snapshot', snapshot });",
    '    }',
    '  }',
    '  Object.assign(final, row);',
    '  const now = performance.now();',
    '  const stepsPerSecond = ((step - lastLog.step) * 1000) / Math.max(now - lastLog.time, 1e-3);',
    '  lastLog = { step, time: now };',
    "  emit({ type: 'progress', step, totalSteps, metrics: row, stepsPerSecond });",
    "  const shown = Object.entries(row).map(([name, value]) => `${name} ${format(value)}`);",
    "  console.log(`step ${step}/${totalSteps}  ${shown.join('  ')}  (${stepsPerSecond.toFixed(1)} steps/s)`);",
    '}',
    '',
    '/** Each trainer\'s final samples: chains started at held-out points, from a stream of their own,',
    ' * touching no persistent chain or replay buffer. */',
    'async function drawFinalSamples(): Promise<void> {',
    '  for (const run of runs) {',
    '    const { sampler, data } = run.trainer.optimizer.objective;',
    '    if (!sampler) continue;',
    '    const n = Math.min(FINAL_SAMPLES, data.test.shape[0]);',
    '    const start = tf.slice(data.test, [0, 0], [n, data.dim]);',
    '    const rng = new Rng(SEED).split(`final-samples:${run.trainer.nodeId}`);',
    '    try {',
    '      const draw = await sampler.sample({ data: start, rng, persist: false });',
    '      tf.dispose(draw.stats);',
    '      const values = Array.from(await draw.samples.data());',
    '      draw.samples.dispose();',
    "      emit({ type: 'samples', step, trainerId: run.trainer.nodeId, samplerId: sampler.nodeId, dim: data.dim, values });",
    '    } finally {',
    '      start.dispose();',
    '    }',
    '  }',
    '}',
    '',
    '/** Writes the summary (and the pictures) and says how the run ended. */',
    "function finish(status: Summary['status'], error?: Diagnostic): void {",
    '  const summary = summarise(status, error);',
    "  emit(error ? { type: 'failed', diagnostic: error, summary } : { type: 'finished', summary });",
    '  console.log(`${status} · ${step}/${totalSteps} steps in ${summary.seconds.toFixed(1)} s (${summary.stepsPerSecond.toFixed(1)} steps/s, ${backend.name})`);',
    '  for (const answer of summary.knownAnswers)',
    '    console.log(`  ${answer.quantity} (${answer.energyNode}): ${format(answer.recovered)}, true ${format(answer.truth)}`);',
    '  if (error) console.error(`error: ${error.message}`);',
    "  process.exitCode = status === 'completed' ? 0 : status === 'cancelled' ? 130 : 1;",
    '}',
    '',
    "/** The summary: how the run ended, the last metrics, each energy's readouts, each data set's truth, and the two side by side. */",
    "function summarise(status: Summary['status'], error?: Diagnostic): Summary {",
    '  const seconds = (performance.now() - started) / 1000;',
    "  const readouts: Summary['readouts'] = {};",
    '  for (const [id, energy] of Object.entries(energies)) if (energy.readouts) readouts[id] = energy.readouts();',
    "  const truth: Summary['truth'] = {};",
    '  for (const [id, data] of Object.entries(datasets)) truth[id] = { ...(data.truth ?? {}), ...(data.entropy !== undefined ? { entropy: data.entropy } : {}) };',
    "  const knownAnswers: Summary['knownAnswers'] = [];",
    '  for (const { trainer } of runs) {',
    '    const { energy, data } = trainer.optimizer.objective;',
    '    const recovered = readouts[energy.nodeId];',
    '    const known = truth[data.nodeId];',
    '    if (!recovered || !known) continue;',
    '    for (const quantity of Object.keys(recovered))',
    '      if (quantity in known) knownAnswers.push({ quantity, energyNode: energy.nodeId, dataNode: data.nodeId, recovered: recovered[quantity]!, truth: known[quantity]! });',
    '  }',
    '  return {',
    '    status,',
    '    title: graph.metadata.title,',
    '    seed: SEED,',
    '    backend: backend.name,',
    '    steps: step,',
    '    totalSteps,',
    '    seconds,',
    '    stepsPerSecond: seconds > 0 ? step / seconds : 0,',
    '    final: { ...final },',
    '    readouts,',
    '    truth,',
    '    knownAnswers,',
    '    ...(error ? { error } : {}),',
    '    outDir,',
    '  };',
    '}',
    '',
    BAR,
    '// Small helpers',
    '',
    'function fail(message: string, exitCode = 1): never {',
    '  console.error(`error: ${message}`);',
    '  process.exit(exitCode);',
    '}',
    '',
    'function wholeNumber(flag: string, text: string): number {',
    '  const n = Number(text);',
    '  return Number.isInteger(n) && n >= 1 ? n : fail(`${flag} takes a whole number ≥ 1, got "${text}"\\n${usage}`, 2);',
    '}',
    '',
    '/** `base`, or `base-2`, `base-3`… when runs start within the same second. */',
    'function freshFolder(base: string): string {',
    '  let dir = base;',
    '  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;',
    '  return dir;',
    '}',
    '',
    'function timestamp(): string {',
    "  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);",
    '}',
    '',
    'function format(value: number | number[]): string {',
    "  return Array.isArray(value) ? `[${value.map(format).join(', ')}]` : value.toPrecision(4);",
    '}',
  );
  return `${lines.join('\n')}\n`;
}

/** One node's section: what it is, the call that builds it with every parameter written out. */
function nodeSection(s: NodeSection, outputOf: (nodeId: string, port: string) => string): string[] {
  const { node, variable, codeConstants, definition } = s;
  const def = node.def;
  const heading = node.name === def.title ? def.title : `${node.name} · ${def.title}`;
  const lines = [rule(`${heading} · ${def.type}`), ...comment(shorten(def.doc))];
  const cited = citation(def.reference);
  if (cited) lines.push(...comment(`After ${cited}.`));
  for (const [name, constant] of codeConstants) {
    const spec = def.params[name]!;
    lines.push(...comment(`${spec.title}: ${shorten(spec.doc, 200)} Edit it here.`), `const ${constant} = ${templateLiteral(String(node.params[name]))};`);
  }
  // Each value with its meaning: after it when that fits in a line, else above it.
  const params = Object.entries(def.params).flatMap(([name, spec]) => {
    const entry = `    ${key(name)}: ${codeConstants.get(name) ?? literal(node.params[name])},`;
    const meaning = codeConstants.has(name) ? `${spec.title}: the code above.` : paramComment(spec, node.params[name]);
    return entry.length + meaning.length + 4 <= LINE ? [`${entry} // ${meaning}`] : [...comment(meaning, '    '), entry];
  });
  const inputs = Object.entries(def.inputs).map(([port, spec]) => {
    const ref = node.inputs[port];
    if (!ref) return { text: `${key(port)}: undefined`, note: `not connected${spec.doc ? `: ${spec.doc}` : ''}` };
    const value = outputOf(ref.node, ref.port);
    return { text: value === port ? value : `${key(port)}: ${value}` };
  });
  // The inputs on one line, or one per line when some is not connected (its comment says what then).
  const inputBlock = inputs.some((i) => i.note)
    ? ['  {', ...inputs.map((i) => `    ${i.text},${i.note ? ` // ${i.note}` : ''}`), '  },']
    : [`  {${inputs.length ? ` ${inputs.map((i) => i.text).join(', ')} ` : ''}},`];
  const outputs = Object.keys(def.outputs);
  const target = variable === null ? '' : outputs.length === 1 ? `const { ${outputs[0] === variable ? variable : `${key(outputs[0]!)}: ${variable}`} } = ` : `const ${variable} = `;
  const paramBlock = params.length ? ['{', ...params, '  }'] : ['{}'];
  lines.push(
    `${target}${definition}.build(`,
    `  context(${quote(node.id)}),`,
    `  ${paramBlock[0]}`,
    ...paramBlock.slice(1),
  );
  lines[lines.length - 1] += ',';
  lines.push(...inputBlock, ');');
  return lines;
}

/** What a vendored file is, for the README: its header comment's first sentence, or, for a node
 * type's module, the node it defines. */
export function describeSource(source: string, node?: AnyNodeDef): string {
  if (node) return `the ${node.title} node (${node.type}): ${shorten(node.doc, 0)}`;
  // The header's first paragraph: up to a blank comment line or an indented (list) line.
  const header: string[] = [];
  for (const line of source.split('\n')) {
    const m = /^\/\/ ?(.*)$/.exec(line);
    if (!m || m[1]!.trim() === '' || /^\s{2}/.test(m[1]!)) break;
    header.push(m[1]!);
  }
  let text = header.join(' ');
  if (!text) text = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1]?.replace(/^\s*\*\s?/gm, ' ') ?? '';
  const first = shorten(text.replace(/\s+/g, ' ').trim(), 0);
  if (first.length <= 240) return first || 'helpers the files above import';
  return `${first.slice(0, first.lastIndexOf(' ', 240))} …`;
}

export interface PackageVersions {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  /** Packages whose install scripts npm may run (as in the app's package.json). */
  allowScripts: Record<string, boolean>;
  /** The Node.js versions the app supports. */
  engines?: Record<string, string>;
}

/** An npm package name from a title: `Gaussian energy (known answer)` → `gaussian-energy-known-answer`. */
export function packageNameFor(title: string): string {
  const slug = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || 'ebm-experiment';
}

const sorted = (r: Record<string, string | boolean>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function packageJson(plan: Plan, versions: PackageVersions): string {
  const pkg = {
    name: packageNameFor(plan.document.metadata.title),
    version: '1.0.0',
    private: true,
    description: `${plan.document.metadata.title} (exported from EBM Studio ${APP_VERSION})`,
    type: 'module',
    ...(versions.engines ? { engines: versions.engines } : {}),
    scripts: { start: 'tsx train.ts', check: 'tsc --noEmit' },
    dependencies: sorted(versions.dependencies),
    ...(Object.keys(versions.optionalDependencies).length ? { optionalDependencies: sorted(versions.optionalDependencies) } : {}),
    devDependencies: sorted(versions.devDependencies),
    ...(Object.keys(versions.allowScripts).length ? { allowScripts: sorted(versions.allowScripts) } : {}),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** The compiler options of the app (tsconfig.json), which the vendored sources are written for. */
export function tsconfigJson(): string {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'preserve',
      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['train.ts', LIB_DIR],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export const GITIGNORE = 'node_modules/\nruns/\n';

export interface ReadmeInput {
  plan: Plan;
  /** Every vendored file (path inside lib/) and what it is. */
  libFiles: readonly { path: string; about: string }[];
  versions: PackageVersions;
}

export function readme({ plan, libFiles, versions }: ReadmeInput): string {
  const { metadata } = plan.document;
  const steps = [...new Set(plan.trainers.map((id) => plan.nodes.find((n) => n.id === id)!.params.steps))].join(' or ');
  const customCode = plan.nodes.filter((n) => Object.values(n.def.params).some((p) => p.kind === 'code'));
  const tf = versions.dependencies['@tensorflow/tfjs-core'];
  const out = [
    `# ${metadata.title}`,
    '',
    ...(metadata.description?.trim() ? [metadata.description.trim(), ''] : []),
    `A standalone TypeScript project exported from EBM Studio ${APP_VERSION}. \`train.ts\` trains the experiment of`,
    `\`${GRAPH_FILE}\` with TensorFlow.js${tf ? ` ${tf}` : ''}, without the app. With the same seed and backend it computes the`,
    'same numbers as the app, bit for bit, and writes the same run folder.',
    '',
    '## Run it',
    '',
    'With Node.js 20.19 or newer:',
    '',
    '```sh',
    'npm install && npm start',
    '```',
    '',
    `This trains for the graph's ${steps} steps on the best backend that loads and writes the run folder`,
    '`runs/<date>-<time>/`. Options go after `--`, e.g. `npm start -- --steps 500 --backend cpu --out runs/first`:',
    '',
    '| Option | What it does | Default |',
    '| --- | --- | --- |',
    `| \`--steps N\` | trains every trainer for N steps | each trainer's own (${steps}) |`,
    '| `--backend NAME` | `tensorflow` (the optional `@tensorflow/tfjs-node`, whose install downloads libtensorflow), `wasm` or `cpu` | `auto`: the first of these that loads |',
    '| `--out DIR` | the run folder; it must be new or empty | `runs/<date>-<time>` |',
    '',
    'Ctrl-C stops after the current step (the run folder is still complete); a second Ctrl-C quits at once.',
    '`npm run check` type-checks `train.ts` and `lib/` after you change them.',
    '',
    '## What a run writes',
    '',
    '- `metrics.jsonl`: one line per log step, the metrics averaged since the previous line, and the monitors\' at snapshot steps',
    '- `snapshots.jsonl`: each monitor snapshot (energy grids, samples, MCMC energy traces)',
    '- `samples.csv`: the final samples (`samples-<trainer>.csv` with several trainers)',
    '- `summary.json`: how the run ended, the last metrics, recovered against known answers',
    '- `run.json`: the run\'s id, start time, backend, steps and plots',
    `- \`loss.png\`, \`samples.png\`, \`trace.png\`: the pictures, each carrying the graph (open one in EBM Studio to reopen the experiment)`,
    `- \`${GRAPH_FILE}\`: the graph this project was exported from, with the script's seed`,
    '',
    '## Changing the experiment',
    '',
    '`train.ts` is the experiment: one commented section per node with every parameter written out, then the',
    'training loop. Change a value, swap a node for another from `lib/nodes/`, or rewrite the loop.',
    `\`${GRAPH_FILE}\` is only a record of where the script came from: it is copied into each run folder and its`,
    'pictures, and editing it changes nothing. After you change `train.ts`, that record no longer describes the run.',
    '',
  ];
  if (customCode.length)
    out.push(
      '## Custom energy code',
      '',
      `\`train.ts\` holds the code of ${customCode.map((n) => `"${n.name}"`).join(', ')} in a template literal, where you can edit it.`,
      'As in the app it runs in a sandbox, an SES compartment holding `tf` and nothing else, in a realm locked down',
      "before the code loads. The app's per-call time limit needs the app's watchdog thread and does not apply here:",
      'stop an endless loop with Ctrl-C twice. Read code you did not write before you run it.',
      '',
    );
  out.push(
    '## Files',
    '',
    '- `train.ts`: the experiment and the training loop',
    `- \`${GRAPH_FILE}\`: the graph it was exported from`,
    '- `package.json`: the exact versions of the packages the app ran with (`@tensorflow/tfjs-node` optional, as in the app)',
    '- `tsconfig.json`: the compiler settings the sources are written for (for `npm run check` and editors)',
    `- \`${LIB_DIR}/\`: EBM Studio's own code that \`train.ts\` uses, unchanged, at the paths it has in the app:`,
    ...libFiles.map((f) => `  - \`${LIB_DIR}/${f.path}\`: ${f.about}`),
    '',
  );
  return out.join('\n');
}
