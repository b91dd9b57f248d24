// Runs on a worker thread: the event stream, the run folder, cancellation and failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import type { RunEvent } from '../../../app/runtime/events.ts';
import { startRun } from '../../../app/runtime/node/start-run.ts';

function gaussian(edit: (doc: GraphDocument) => void = () => {}): GraphDocument {
  const doc = parseGraph(readFileSync('examples/gaussian-ml.ebm.json', 'utf8')).document!;
  edit(doc);
  return doc;
}
const setParam = (doc: GraphDocument, id: string, params: Record<string, unknown>) => {
  const node = doc.nodes.find((n) => n.id === id)!;
  node.params = { ...node.params, ...params };
};

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for await (const e of events) all.push(e);
  return all;
}

test('a run on a worker streams started, progress and finished, and writes its folder', async () => {
  const outDir = join(mkdtempSync(join(tmpdir(), 'ebm-run-')), 'run');
  const handle = startRun({ document: gaussian(), backend: 'cpu', steps: 30, outDir });
  const events = await collect(handle.events);
  assert.equal(events[0]?.type, 'started');
  if (events[0]?.type === 'started') assert.equal(events[0].backend, 'cpu');
  assert.equal(events.filter((e) => e.type === 'progress').length, 3);
  const last = events.at(-1);
  assert.equal(last?.type, 'finished');
  const { summary } = await handle.done;
  assert.equal(summary?.status, 'completed');
  for (const f of ['graph.ebm.json', 'metrics.jsonl', 'summary.json', 'loss.png', 'samples.csv']) assert.ok(existsSync(join(outDir, f)), `${f} is written`);
  const samples = readFileSync(join(outDir, 'samples.csv'), 'utf8').trim().split('\n');
  assert.equal(samples[0], 'x1,x2');
  assert.equal(samples.length, 1 + 1000, 'the final samples: one per held-out start, up to 1000');
  assert.ok(samples.slice(1).every((l) => l.split(',').map(Number).every(Number.isFinite)));
  assert.ok(events.some((e) => e.type === 'samples' && e.samplerId === 'sampler' && e.dim === 2));
  const rows = readFileSync(join(outDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number });
  assert.deepEqual(rows.map((r) => r.step), [10, 20, 30]);
  assert.equal(JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')).status, 'completed');
  assert.deepEqual(parseGraph(readFileSync(join(outDir, 'graph.ebm.json'), 'utf8')).document, gaussian());
});

test('cancelling a worker run ends it as cancelled, with a complete folder', async () => {
  const outDir = join(mkdtempSync(join(tmpdir(), 'ebm-run-')), 'run');
  const handle = startRun({ document: gaussian((d) => setParam(d, 'trainer', { logEvery: 1 })), backend: 'cpu', steps: 100000, outDir });
  const events: RunEvent[] = [];
  for await (const e of handle.events) {
    events.push(e);
    if (e.type === 'progress' && e.step === 5) handle.cancel();
  }
  const { summary } = await handle.done;
  assert.equal(summary?.status, 'cancelled');
  assert.ok(summary!.steps >= 5 && summary!.steps < 100, `stopped at step ${summary!.steps}`);
  const saved = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
  assert.equal(saved.status, 'cancelled');
  assert.equal(readFileSync(join(outDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, summary!.steps);
});

test('a diverging worker run fails with a diagnostic and keeps its folder up to the failure', async () => {
  const outDir = join(mkdtempSync(join(tmpdir(), 'ebm-run-')), 'run');
  const doc = gaussian((d) => {
    setParam(d, 'energy', { initVariance: 1e-6 });
    setParam(d, 'sampler', { stepSize: 1 });
  });
  const handle = startRun({ document: doc, backend: 'cpu', steps: 50, outDir });
  const events = await collect(handle.events);
  const last = events.at(-1);
  assert.equal(last?.type, 'failed');
  const { failure, summary } = await handle.done;
  assert.equal(failure?.diagnostic.code, 'NON_FINITE');
  assert.equal(summary?.status, 'failed');
  const saved = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
  assert.equal(saved.status, 'failed');
  assert.equal(saved.error.nodeId, 'sampler');
  assert.ok(existsSync(join(outDir, 'graph.ebm.json')));
});

test('a graph that does not compile fails before training, with the compiler’s diagnostics', async () => {
  const doc = gaussian((d) => {
    d.edges = d.edges.filter((e) => e.target.port !== 'sampler');
  });
  const handle = startRun({ document: doc, backend: 'cpu', steps: 5 });
  const events = await collect(handle.events);
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'failed');
  if (events[0]?.type === 'failed') {
    assert.equal(events[0].diagnostic.code, 'INPUT_UNCONNECTED');
    assert.equal(events[0].diagnostic.nodeId, 'objective');
  }
});

test('two worker runs of the same graph and seed on wasm write the same metrics, bit for bit', async () => {
  const doc = parseGraph(readFileSync('examples/8gaussians-pcd.ebm.json', 'utf8')).document!;
  setParam(doc, 'energy', { hidden: [32, 32] });
  setParam(doc, 'sampler', { steps: 5, bufferSize: 1000 });
  setParam(doc, 'trainer', { batchSize: 64, logEvery: 5, snapshotEvery: 20 });
  setParam(doc, 'density', { samples: 100 });
  const metrics: string[] = [];
  for (let i = 0; i < 2; i++) {
    const outDir = join(mkdtempSync(join(tmpdir(), 'ebm-run-')), 'run');
    const handle = startRun({ document: doc, backend: 'wasm', steps: 20, outDir });
    await collect(handle.events);
    assert.equal((await handle.done).summary?.backend, 'wasm');
    metrics.push(readFileSync(join(outDir, 'metrics.jsonl'), 'utf8') + readFileSync(join(outDir, 'samples.csv'), 'utf8'));
  }
  assert.ok(metrics[0]!.includes('"nll"'));
  assert.equal(metrics[0], metrics[1]);
});

test('a run never writes into a run folder that holds something already', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'ebm-run-'));
  writeFileSync(join(outDir, 'notes.txt'), 'mine');
  const handle = startRun({ document: gaussian(), backend: 'cpu', steps: 5, outDir });
  const events = await collect(handle.events);
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type === 'failed' && events[0].diagnostic.code, 'RUN_FOLDER');
  assert.deepEqual(readdirSync(outDir), ['notes.txt']);
});
