// The method examples: each file is what its recipe makes (so examples and the README's table
// describe the same graphs), and each one runs: a few steps of every example on the cpu backend,
// with every metric its method promises present and finite.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compile } from '../../app/compile/compile.ts';
import type { GraphDocument } from '../../app/graph/document.ts';
import { parseGraph } from '../../app/graph/parse.ts';
import { serializeGraph } from '../../app/graph/serialize.ts';
import type { RunEvent } from '../../app/runtime/events.ts';
import { runPlan } from '../../app/runtime/train.ts';
import { catalog } from '../../nodes/catalog.ts';
import { methodGraph, RECIPES } from '../../scripts/recipes.ts';
import { useBackend } from '../helpers/nodes.ts';

before(() => useBackend('cpu'));

const HAND_WRITTEN = new Set(['pcd', 'cd']);
const load = (file: string): GraphDocument => {
  const { document, diagnostics } = parseGraph(readFileSync(file, 'utf8'));
  assert.ok(document, JSON.stringify(diagnostics));
  return document;
};

for (const recipe of RECIPES.filter((r) => !HAND_WRITTEN.has(r.id))) {
  test(`examples/8gaussians-${recipe.id}.ebm.json is what its recipe makes`, async () => {
    const file = `examples/8gaussians-${recipe.id}.ebm.json`;
    assert.equal(readFileSync(file, 'utf8'), serializeGraph(await methodGraph(recipe, { dataset: '8gaussians' })), `${file} is stale: run npm run examples`);
  });
}

/** Metrics each method reports besides the loss, by the example's file stem. */
const PROMISED: Record<string, string[]> = {
  '8gaussians-short-run': ['e_data', 'e_samples', 'gap'],
  '8gaussians-mala': ['acceptance'],
  '8gaussians-hmc': ['acceptance', 'step_size'],
  '8gaussians-nce': ['log_z'],
  '8gaussians-nce-mixture': ['log_z'],
};

for (const stem of [...RECIPES.filter((r) => !HAND_WRITTEN.has(r.id)).map((r) => `8gaussians-${r.id}`), '8gaussians-compare']) {
  test(`examples/${stem} runs: every metric finite, the monitors’ metrics at the end`, async () => {
    const doc = load(`examples/${stem}.ebm.json`);
    // A few steps, small evaluation: what matters here is that every node runs together.
    for (const n of doc.nodes) {
      if (n.type === 'trainer.loop') n.params = { ...n.params, batchSize: 32, logEvery: 1, snapshotEvery: 1000 };
      if (n.type === 'energy.mlp') n.params = { ...n.params, hidden: [16, 16] };
      if (n.type === 'monitor.density2d') n.params = { ...n.params, samples: 50 };
      if (n.type.startsWith('sampler.') && 'steps' in (catalog.get(n.type)?.params ?? {})) n.params = { ...n.params, steps: 2 };
      if (n.type === 'sampler.annealedLangevin') n.params = { ...n.params, levels: 2, stepsPerLevel: 2 };
      if (n.type === 'monitor.mcmc') n.params = { ...n.params, chains: 8, steps: 8 };
    }
    const { plan, diagnostics } = compile(doc, catalog);
    assert.ok(plan, JSON.stringify(diagnostics));
    const events: RunEvent[] = [];
    const summary = await runPlan(plan, { backend: 'cpu', runId: stem, steps: 3, emit: (e) => events.push(e) });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    const final = summary.final;
    const trainers = plan.trainers.length;
    const key = (k: string) => (trainers > 1 ? Object.keys(final).filter((f) => f.endsWith(`/${k}`)) : [k]);
    for (const k of ['loss', 'grad_norm', 'nll', 'nll_minus_entropy', ...(PROMISED[stem] ?? [])]) {
      const keys = key(k);
      assert.equal(keys.length, trainers, `${k} for every trainer in ${Object.keys(final).join(', ')}`);
      for (const f of keys) assert.ok(Number.isFinite(final[f]), `${f} = ${final[f]}`);
    }
    if (trainers === 1) for (const k of ['ksd', 'fisher']) assert.ok(Number.isFinite(final[k]), `${k} = ${final[k]}`);
    // Examples that train with a sampler diagnose its mixing.
    if (doc.nodes.some((n) => n.type === 'monitor.mcmc')) for (const k of ['ess', 'rhat', 'mcmc_chain_energy']) assert.ok(Number.isFinite(final[k]), `${k} = ${final[k]}`);
    assert.ok(events.some((e) => e.type === 'snapshot'));
  });
}
