// The training loop: determinism, tensor hygiene, cancellation and non-finite values.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { compile, type Plan } from '../../../app/compile/compile.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import type { RunEvent, Summary } from '../../../app/runtime/events.ts';
import { runPlan, type RunOptions } from '../../../app/runtime/train.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

function example(name: string, edit: (doc: GraphDocument) => void = () => {}): GraphDocument {
  const doc = parseGraph(readFileSync(`examples/${name}.ebm.json`, 'utf8')).document!;
  edit(doc);
  return doc;
}

function planOf(doc: GraphDocument): Plan {
  const { plan, diagnostics } = compile(doc, catalog);
  assert.ok(plan, JSON.stringify(diagnostics));
  return plan;
}

function setParam(doc: GraphDocument, id: string, params: Record<string, unknown>): void {
  const node = doc.nodes.find((n) => n.id === id)!;
  node.params = { ...node.params, ...params };
}

/** A small, fast version of an example: a small MLP, short chains, a small buffer. */
function small(name = '8gaussians-pcd'): GraphDocument {
  return example(name, (doc) => {
    if (doc.nodes.some((n) => n.id === 'energy' && n.type === 'energy.mlp')) setParam(doc, 'energy', { hidden: [16, 16] });
    setParam(doc, 'sampler', { steps: 3, bufferSize: 500 });
    setParam(doc, 'trainer', { batchSize: 32, logEvery: 5, snapshotEvery: 10 });
    if (doc.nodes.some((n) => n.id === 'density')) setParam(doc, 'density', { samples: 50 });
  });
}

async function run(plan: Plan, options: Partial<RunOptions> = {}): Promise<{ events: RunEvent[]; summary: Summary }> {
  const events: RunEvent[] = [];
  const summary = await runPlan(plan, { backend: 'cpu', runId: 't', emit: (e) => events.push(e), ...options });
  return { events, summary };
}

test('the same graph, seed and backend give the same metrics and samples, bit for bit', async () => {
  const a = await run(planOf(small()), { steps: 20 });
  const b = await run(planOf(small()), { steps: 20 });
  const strip = (events: RunEvent[]) => JSON.stringify(events.filter((e) => e.type !== 'finished').map((e) => (e.type === 'progress' ? { ...e, stepsPerSecond: 0 } : e)));
  assert.equal(a.summary.status, 'completed');
  assert.ok(a.events.filter((e) => e.type === 'progress').length >= 4);
  assert.ok(a.events.some((e) => e.type === 'snapshot'));
  assert.equal(strip(a.events), strip(b.events));
  assert.deepEqual(a.summary.final, b.summary.final);
  const reseeded = small();
  reseeded.seed = 7;
  const other = await run(planOf(reseeded), { steps: 20 });
  assert.notDeepEqual(other.summary.final, a.summary.final, 'another seed gives another run');
});

test('the tensor count stays flat across steps, and a run leaves no tensor behind', async () => {
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  await run(planOf(small()), {
    steps: 40,
    emit: (e) => {
      if (e.type === 'progress') counts.push(tf.memory().numTensors);
    },
  });
  assert.equal(counts.length, 8);
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `tensor counts at log steps: ${counts}`);
  assert.equal(tf.memory().numTensors, before);
});

test('a run can be cancelled at any step: it ends as cancelled with its steps so far', async () => {
  let polls = 0;
  const { events, summary } = await run(planOf(small()), { steps: 100, shouldStop: () => ++polls > 7 });
  assert.equal(summary.status, 'cancelled');
  assert.equal(summary.steps, 7);
  assert.equal(events.at(-1)?.type, 'finished');
});

test('diverging samples stop the run, naming the step and the sampler', async () => {
  // A precision of 1e6 with a step of 1: every Langevin step multiplies x by about −5·10⁵.
  const doc = example('gaussian-ml', (d) => {
    setParam(d, 'energy', { initVariance: 1e-6 });
    setParam(d, 'sampler', { stepSize: 1 });
  });
  const { events, summary } = await run(planOf(doc), { steps: 50 });
  const failed = events.at(-1);
  assert.equal(failed?.type, 'failed');
  assert.equal(summary.status, 'failed');
  if (failed?.type !== 'failed') return;
  assert.equal(failed.diagnostic.code, 'NON_FINITE');
  assert.equal(failed.diagnostic.nodeId, 'sampler');
  assert.equal(failed.diagnostic.step, 1);
  assert.match(failed.diagnostic.message, /step 1/);
  assert.match(failed.diagnostic.message, /step size/);
});

test('diverging parameters stop the run at the energy, after the steps that went well', async () => {
  // Plain SGD with a huge rate on the data term makes the energy blow up within a few steps.
  const doc = example('gaussian-ml', (d) => {
    const opt = d.nodes.find((n) => n.id === 'optimizer')!;
    opt.type = 'optimizer.sgd';
    opt.params = { learningRate: 50, momentum: 0.9 };
    setParam(d, 'trainer', { logEvery: 1 });
  });
  const { events, summary } = await run(planOf(doc), { steps: 200 });
  const failed = events.at(-1);
  assert.equal(failed?.type, 'failed');
  if (failed?.type !== 'failed') return;
  assert.equal(failed.diagnostic.code, 'NON_FINITE');
  assert.ok(['energy', 'sampler', 'optimizer', 'objective'].includes(failed.diagnostic.nodeId!));
  const logged = events.filter((e) => e.type === 'progress').length;
  assert.equal(logged, failed.diagnostic.step! - 1, 'every finite step before the failure was logged');
  assert.equal(summary.steps, logged);
});

test('the summary puts the Gaussian’s recovered mean and variance next to the true ones', async () => {
  const { summary } = await run(planOf(example('gaussian-ml')), { steps: 5 });
  const quantities = summary.knownAnswers.map((a) => a.quantity).sort();
  assert.deepEqual(quantities, ['mean', 'variance']);
  const variance = summary.knownAnswers.find((a) => a.quantity === 'variance')!;
  assert.deepEqual(variance.truth, [0.25, 0.25]);
  assert.equal((variance.recovered as number[]).length, 2);
});
