// Export to TypeScript, held to the app: every example graph, exported (app/export/) and run as a
// plain Node process (`node --import tsx train.ts --steps 30 --backend … --out …`), writes the run
// folder that the app's own run of the same graph, steps and backend writes (startRun: a worker
// thread, as the CLI and the app train), bit for bit. Only what the wall clock or the folder's name
// decides may differ: summary.json's seconds, stepsPerSecond and outDir, and run.json's runId and
// startedAt. Everything else is compared: metrics.jsonl row by row and value by value (Object.is),
// snapshots.jsonl, samples*.csv, graph.ebm.json and the PNGs byte for byte, summary.json's final
// metrics, readouts, truth and known answers.
//
// The examples run on wasm, the backend users get without tfjs-node: on cpu the monitors' final
// evaluation (a 200² NLL grid, 1000 Langevin samples, MCMC chains) takes minutes per example
// (8gaussians-compare: 270 s a side). cpu is compared on gaussian-ml and on a custom energy (which
// also runs the sandbox: the script locks its realm down as the app's training thread does), and
// one example runs with a snapshot every 10 steps, so that monitors evaluated mid-run are compared
// too. Each case runs its two sides at once (two cores); 30 steps cover three log lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportTypeScriptProject } from '../../app/export/node/typescript-project.ts';
import type { GraphDocument } from '../../app/graph/document.ts';
import { parseGraph } from '../../app/graph/parse.ts';
import type { BackendName } from '../../app/runtime/events.ts';
import { startRun } from '../../app/runtime/node/start-run.ts';

const STEPS = 30;
const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.ebm.json'))
  .sort()
  .map((f) => f.replace(/\.ebm\.json$/, ''));

function example(name: string): GraphDocument {
  const { document, diagnostics } = parseGraph(readFileSync(join(root, 'examples', `${name}.ebm.json`), 'utf8'));
  assert.ok(document && diagnostics.length === 0, `examples/${name}: ${JSON.stringify(diagnostics)}`);
  return document;
}

/** gaussian-ml with its energy written as custom code (readouts included), trained the same way. */
function customEnergy(): GraphDocument {
  const doc = example('gaussian-ml');
  const code = `export const params = {
  mean: { shape: ['d'], init: 'zeros', readout: true },
  variance: { shape: ['d'], init: 'ones', readout: true },
};

// E(x) = ½ Σ (x − μ)² / σ²; \`backticks\`, \${not a hole} and a backslash \\ survive the export.
export function energy(x: Tensor2D, p: Params): Tensor1D {
  const z = tf.div(tf.square(tf.sub(x, p.mean)), p.variance);
  return tf.mul(0.5, tf.sum(z, 1));
}
`;
  for (const n of doc.nodes) if (n.id === 'energy') Object.assign(n, { type: 'energy.custom', label: 'My Gaussian', params: { code, inputDim: 2 } });
  return doc;
}

/** An example with monitors every 10 steps: three mid-run evaluations between training steps. */
function snapshotEvery10(name: string): GraphDocument {
  const doc = example(name);
  for (const n of doc.nodes) if (n.type === 'trainer.loop') n.params = { ...n.params, snapshotEvery: 10 };
  return doc;
}

interface Case {
  name: string;
  document: GraphDocument;
  backend: BackendName;
}

const cases: Case[] = [
  ...examples.map((name) => ({ name, document: example(name), backend: 'wasm' as const })),
  { name: 'gaussian-ml', document: example('gaussian-ml'), backend: 'cpu' },
  { name: 'gaussian-ml with a custom energy', document: customEnergy(), backend: 'cpu' },
  { name: 'moons-cd with a snapshot every 10 steps', document: snapshotEvery10('moons-cd'), backend: 'wasm' },
];

/** Runs the exported script; resolves with its seconds, rejects with its output when it fails. */
function runScript(project: string, outDir: string, backend: BackendName): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'train.ts', '--steps', String(STEPS), '--backend', backend, '--out', outDir], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`the exported train.ts exited with ${code}:\n${output}`));
    });
  });
}

/** Runs the graph as the app does; resolves with its seconds. */
async function runApp(document: GraphDocument, outDir: string, backend: BackendName): Promise<number> {
  const started = performance.now();
  const { summary, failure } = await startRun({ document, steps: STEPS, backend, outDir }).done;
  assert.equal(summary?.status, 'completed', `the app's run: ${failure?.diagnostic.message}`);
  return (performance.now() - started) / 1000;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const readRows = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number | null>);

/** The two run folders hold the same files with the same contents, but for the wall clock. */
function assertSameRunFolder(app: string, script: string): void {
  const files = readdirSync(app).sort();
  assert.deepEqual(readdirSync(script).sort(), files, 'the same files');
  for (const f of ['metrics.jsonl', 'summary.json', 'run.json', 'graph.ebm.json']) assert.ok(files.includes(f), `${f} written`);

  // metrics.jsonl: the same rows, the same metrics in the same order, every value the same double.
  const appRows = readRows(join(app, 'metrics.jsonl'));
  const scriptRows = readRows(join(script, 'metrics.jsonl'));
  assert.equal(scriptRows.length, appRows.length, 'metrics.jsonl: the same number of rows');
  appRows.forEach((row, i) => {
    assert.deepEqual(Object.keys(scriptRows[i]!), Object.keys(row), `metrics.jsonl row ${i + 1}: the same metrics`);
    for (const [k, v] of Object.entries(row)) assert.ok(Object.is(scriptRows[i]![k], v), `metrics.jsonl step ${row.step}, ${k}: app ${v}, script ${scriptRows[i]![k]}`);
  });

  // summary.json: everything but the wall clock (seconds, stepsPerSecond) and the folder's own path.
  const summary = (dir: string) => {
    const { seconds, stepsPerSecond, outDir, ...rest } = readJson(join(dir, 'summary.json'));
    assert.equal(typeof seconds, 'number');
    assert.equal(typeof stepsPerSecond, 'number');
    assert.equal(outDir, dir);
    return rest;
  };
  const appSummary = summary(app);
  const scriptSummary = summary(script);
  assert.equal(appSummary.status, 'completed');
  assert.ok(Object.keys(appSummary.final as object).length > 0, 'final metrics');
  // deepStrictEqual compares numbers with Object.is.
  for (const part of ['final', 'readouts', 'truth', 'knownAnswers']) assert.deepStrictEqual(scriptSummary[part], appSummary[part], `summary.json ${part}`);
  assert.deepStrictEqual(scriptSummary, appSummary, 'summary.json');

  // run.json: everything but the run's id and start time.
  const info = (dir: string) => {
    const { runId: _id, startedAt: _at, ...rest } = readJson(join(dir, 'run.json'));
    return rest;
  };
  assert.deepStrictEqual(info(script), info(app), 'run.json');

  // Everything else byte for byte: snapshots, samples, the graph, the pictures.
  for (const f of files.filter((f) => !['metrics.jsonl', 'summary.json', 'run.json'].includes(f))) {
    const a = readFileSync(join(app, f));
    const b = readFileSync(join(script, f));
    if (a.equals(b)) continue;
    if (f.endsWith('.jsonl')) {
      const la = a.toString('utf8').split('\n');
      const lb = b.toString('utf8').split('\n');
      const i = la.findIndex((l, j) => l !== lb[j]);
      assert.fail(`${f} line ${i + 1} differs (${la.length} lines against ${lb.length})`);
    }
    assert.fail(`${f} differs`);
  }
}

for (const c of cases) {
  test(`${c.name} on ${c.backend}: the exported train.ts writes the app's run folder, bit for bit`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ebm-export-ts-'));
    const project = join(dir, 'project');
    await exportTypeScriptProject(c.document, project);
    // The project's packages are the app's own, at the same versions: share them.
    symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');
    const [scriptSeconds, appSeconds] = await Promise.all([
      runScript(project, join(dir, 'script-run'), c.backend),
      runApp(c.document, join(dir, 'app-run'), c.backend),
    ]);
    t.diagnostic(`${STEPS} steps: exported script ${scriptSeconds.toFixed(1)} s, app ${appSeconds.toFixed(1)} s (run side by side)`);
    assertSameRunFolder(join(dir, 'app-run'), join(dir, 'script-run'));
    rmSync(dir, { recursive: true, force: true });
  });
}
