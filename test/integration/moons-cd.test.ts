// Contrastive divergence learns moons: the held-out NLL falls towards the entropy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from './run-example.ts';

test('examples/moons-cd: NLL − H falls below 0.2 nats', async () => {
  const { summary, rows } = await runExample('moons-cd');
  assert.equal(summary.status, 'completed');
  const gaps = rows.flatMap((r) => (r.nll_minus_entropy !== undefined ? [r.nll_minus_entropy] : []));
  assert.ok(gaps.at(-1)! < 0.2, `final NLL − H = ${gaps.at(-1)} nats`);
  assert.ok(gaps.at(-1)! < gaps[0]! - 0.1, `NLL − H fell from ${gaps[0]} to ${gaps.at(-1)}`);
});
