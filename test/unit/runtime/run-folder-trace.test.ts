// The run folder keeps an MCMC monitor's energy traces: each evaluation's trace snapshot in
// snapshots.jsonl, and trace.png (trace-<monitor>.png when there are several) drawn from the last,
// carrying the graph. A run without an MCMC monitor writes no trace picture.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../../app/compile/compile.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { GRAPH_PNG_KEYWORD, readPngText } from '../../../app/graph/png-text.ts';
import { SnapshotSchema, type Summary, type TraceSnapshot } from '../../../app/runtime/events.ts';
import { RunFolder } from '../../../app/runtime/node/run-folder.ts';
import { runPlan } from '../../../app/runtime/train.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

const hmcExample = (): GraphDocument => parseGraph(readFileSync('examples/8gaussians-hmc.ebm.json', 'utf8')).document!;

function tempRunDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'ebm-run-folder-trace-')), 'run');
}

const summary = (title: string): Summary => ({ status: 'completed', title, seed: 0, backend: 'cpu', steps: 2, totalSteps: 2, seconds: 1, stepsPerSecond: 2, final: {}, readouts: {}, truth: {}, knownAnswers: [] });

const trace = (nodeId: string, step: number): TraceSnapshot => ({
  kind: 'trace',
  step,
  nodeId,
  steps: 4,
  burnIn: 2,
  totalChains: 16,
  chains: 2,
  at: [1, 2, 3, 4],
  energies: [1, 0.5, 0.25, 0.2, 2, 1, 0.5, 0.4],
});

const pictures = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.png')).sort();

test('two MCMC monitors: every trace in snapshots.jsonl, and one trace picture each from its last trace, carrying the graph', () => {
  const dir = tempRunDir();
  try {
    const doc = hmcExample();
    const folder = new RunFolder(dir, doc);
    folder.onEvent({ type: 'started', runId: 'r', backend: 'cpu', backendNotes: [], totalSteps: 2, plots: [{ kind: 'trace', nodeId: 'a' }, { kind: 'trace', nodeId: 'b' }] });
    folder.onEvent({ type: 'progress', step: 1, totalSteps: 2, metrics: { loss: 1 }, stepsPerSecond: 1 });
    for (const step of [1, 2]) for (const id of ['a', 'b']) folder.onEvent({ type: 'snapshot', snapshot: trace(id, step) });
    folder.onEvent({ type: 'finished', summary: summary(doc.metadata.title) });

    assert.deepEqual(pictures(dir), ['loss.png', 'trace-a.png', 'trace-b.png']);
    const graphText = readFileSync(join(dir, 'graph.ebm.json'), 'utf8');
    for (const p of pictures(dir)) assert.equal(readPngText(readFileSync(join(dir, p)), GRAPH_PNG_KEYWORD), graphText, p);
    // Drawn from the last trace: its PNG title (a Latin-1 tEXt chunk) names step 2.
    for (const p of ['trace-a.png', 'trace-b.png']) assert.ok(readFileSync(join(dir, p)).includes(Buffer.from('Title\0Energy traces \xb7 step 2', 'latin1')), p);
    const lines = readFileSync(join(dir, 'snapshots.jsonl'), 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => SnapshotSchema.parse(JSON.parse(l))),
      [trace('a', 1), trace('b', 1), trace('a', 2), trace('b', 2)],
    );
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

/** Runs a small version of the HMC example (a few steps, short MCMC chains) into a run folder. */
async function runSmall(edit: (doc: GraphDocument) => void): Promise<string> {
  const doc = hmcExample();
  const set = (id: string, params: Record<string, unknown>) => {
    const node = doc.nodes.find((n) => n.id === id);
    if (node) node.params = { ...node.params, ...params };
  };
  set('energy', { hidden: [16, 16] });
  set('trainer', { batchSize: 32, logEvery: 1, snapshotEvery: 1 });
  set('density', { samples: 20 });
  set('score', { points: 20 });
  set('mcmc', { chains: 12, steps: 16 });
  edit(doc);
  const { plan, diagnostics } = compile(doc, catalog);
  assert.ok(plan, JSON.stringify(diagnostics));
  const dir = tempRunDir();
  const folder = new RunFolder(dir, doc);
  const result = await runPlan(plan, { backend: 'cpu', runId: 'r', steps: 2, emit: (e) => folder.onEvent(e), outDir: dir });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  return dir;
}

test('a real run with an MCMC monitor writes trace.png and its traces; the same run without one writes none', async () => {
  const withMonitor = await runSmall(() => {});
  try {
    assert.deepEqual(pictures(withMonitor), ['loss.png', 'samples.png', 'trace.png']);
    const traces = readFileSync(join(withMonitor, 'snapshots.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => SnapshotSchema.parse(JSON.parse(l)))
      .filter((s) => s.kind === 'trace');
    assert.deepEqual(traces.map((t) => [t.nodeId, t.step, t.steps, t.burnIn, t.chains, t.totalChains, t.at.length]), [
      ['mcmc', 1, 16, 8, 8, 12, 16],
      ['mcmc', 2, 16, 8, 8, 12, 16],
    ]);
    const run = JSON.parse(readFileSync(join(withMonitor, 'run.json'), 'utf8')) as { plots: unknown[] };
    assert.ok(run.plots.some((p) => JSON.stringify(p) === JSON.stringify({ kind: 'trace', nodeId: 'mcmc' })), 'run.json lists the trace plot');
  } finally {
    rmSync(join(withMonitor, '..'), { recursive: true, force: true });
  }

  const without = await runSmall((doc) => {
    doc.nodes = doc.nodes.filter((n) => n.id !== 'mcmc');
    doc.edges = doc.edges.filter((e) => e.source.node !== 'mcmc' && e.target.node !== 'mcmc');
  });
  try {
    assert.deepEqual(pictures(without), ['loss.png', 'samples.png']);
    assert.ok(!readFileSync(join(without, 'snapshots.jsonl'), 'utf8').includes('"trace"'));
  } finally {
    rmSync(join(without, '..'), { recursive: true, force: true });
  }
});
