// The known answer: maximum likelihood recovers the mean and variance of Gaussian data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from './run-example.ts';

test('examples/gaussian-ml: the Gaussian energy recovers the data’s mean (±0.05) and variance (±10%)', async () => {
  const { summary } = await runExample('gaussian-ml');
  assert.equal(summary.status, 'completed');
  const answer = (q: string) => summary.knownAnswers.find((a) => a.quantity === q)!;
  const mean = answer('mean');
  const variance = answer('variance');
  assert.deepEqual(mean.truth, [1, 1]);
  assert.deepEqual(variance.truth, [0.25, 0.25]);
  (mean.recovered as number[]).forEach((m) => assert.ok(Math.abs(m - 1) < 0.05, `mean ${m}, true 1`));
  // Langevin with ε = 0.01 biases the learnt variance by about −ε/4 = −1%; the rest is SGD noise.
  (variance.recovered as number[]).forEach((v) => assert.ok(Math.abs(v - 0.25) < 0.025, `variance ${v}, true 0.25`));
});
