// The snapshot schemas the UI checks every event with: trace snapshots are accepted exactly as the
// MCMC monitor makes them and refused when inconsistent; samples snapshots still parse with or
// without their kind (run folders written before trace snapshots have none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlotRequestSchema, RunEventSchema, SnapshotSchema } from '../../../app/runtime/events.ts';

const trace = {
  kind: 'trace',
  step: 200,
  nodeId: 'mcmc',
  steps: 5,
  burnIn: 2,
  totalChains: 64,
  chains: 2,
  at: [1, 3, 5],
  energies: [0.5, 0.25, 0.125, -1, -2, -3],
};
const samples = { step: 200, nodeId: 'density', bounds: [[-1, 1], [-2, 2]], gridSize: 1, energy: [3], samples: [0, 0], data: [1, 1] };

/** Where the parse failed: the issues' paths. */
function refusedAt(value: unknown): string[] {
  const r = SnapshotSchema.safeParse(value);
  assert.equal(r.success, false, `refused: ${JSON.stringify(value)}`);
  return r.error!.issues.map((i) => i.path.join('.'));
}

test('a trace snapshot parses as it was sent; null energies (JSON’s NaN) read back as NaN', () => {
  assert.deepEqual(SnapshotSchema.parse(trace), trace);
  const event = RunEventSchema.parse({ type: 'snapshot', snapshot: { ...trace, energies: [0.5, null, 0.125, -1, -2, -3] } });
  assert.ok(event.type === 'snapshot' && event.snapshot.kind === 'trace');
  assert.ok(Number.isNaN(event.snapshot.energies[1]));
  assert.deepEqual(SnapshotSchema.parse({ ...trace, burnIn: 0 }), { ...trace, burnIn: 0 });
});

test('samples snapshots parse with and without their kind', () => {
  assert.deepEqual(SnapshotSchema.parse(samples), samples);
  assert.deepEqual(SnapshotSchema.parse({ ...samples, kind: 'samples' }), { ...samples, kind: 'samples' });
});

test('inconsistent or incomplete trace snapshots are refused, saying where', () => {
  assert.deepEqual(refusedAt({ ...trace, energies: [1, 2, 3, 4, 5] }), ['energies']);
  assert.deepEqual(refusedAt({ ...trace, at: [1, 3, 3] }), ['at']);
  assert.deepEqual(refusedAt({ ...trace, at: [3, 1, 5] }), ['at']);
  assert.deepEqual(refusedAt({ ...trace, at: [1, 3, 6] }), ['at']);
  assert.deepEqual(refusedAt({ ...trace, at: [0, 3, 5] }), ['at.0']);
  assert.deepEqual(refusedAt({ ...trace, at: [], energies: [] }), ['at']);
  assert.deepEqual(refusedAt({ ...trace, burnIn: 5 }), ['burnIn']);
  assert.deepEqual(refusedAt({ ...trace, chains: 65 }), ['chains', 'energies']);
  assert.deepEqual(refusedAt({ ...trace, steps: 2.5 }), ['steps']);
  assert.deepEqual(refusedAt({ ...trace, energies: [1, 2, 3, 4, 5, 'x'] }), ['energies']);
  const { at: _at, ...withoutAt } = trace;
  assert.deepEqual(refusedAt(withoutAt), ['at']);
  // A samples snapshot sent as a trace, or a kind nobody knows.
  assert.ok(refusedAt({ ...samples, kind: 'trace' }).length > 0);
  assert.deepEqual(refusedAt({ ...trace, kind: 'histogram' }), ['kind']);
});

test('the trace plot request is one of the plot kinds', () => {
  assert.deepEqual(PlotRequestSchema.parse({ kind: 'trace', nodeId: 'mcmc' }), { kind: 'trace', nodeId: 'mcmc' });
  assert.equal(PlotRequestSchema.safeParse({ kind: 'trace' }).success, false);
  assert.equal(PlotRequestSchema.safeParse({ kind: 'traces', nodeId: 'mcmc' }).success, false);
});
