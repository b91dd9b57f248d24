import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostPushSchema } from '../../../app/api/contract.ts';
import { decodeMessage, encodeMessage } from '../../../main/web/protocol.ts';

test('NaN and ±Infinity survive the WebSocket encoding, anywhere in a message', () => {
  const message = { a: NaN, b: [1, Infinity, -Infinity, { c: NaN }], d: 'NaN', e: null, f: 0, g: -0.5 };
  const back = decodeMessage(encodeMessage(message)) as typeof message;
  assert.ok(Number.isNaN(back.a));
  assert.deepEqual(back.b.slice(0, 3), [1, Infinity, -Infinity]);
  assert.ok(Number.isNaN((back.b[3] as { c: number }).c));
  assert.equal(back.d, 'NaN', 'a string stays a string');
  assert.equal(back.e, null);
  assert.deepEqual([back.f, back.g], [0, -0.5]);
});

test('the failed event of a diverging run (NaN metrics) still parses as a push after the round trip', () => {
  const summary = {
    status: 'failed',
    title: 'diverges',
    seed: 0,
    backend: 'wasm',
    steps: 1,
    totalSteps: 50,
    seconds: 0.1,
    stepsPerSecond: 10,
    final: { loss: NaN, e_samples: -Infinity },
    readouts: {},
    truth: {},
    knownAnswers: [],
  };
  const push = { kind: 'runEvent', runId: 'r', event: { type: 'failed', diagnostic: { code: 'NON_FINITE', severity: 'error', message: 'diverged' }, summary } };
  const parsed = HostPushSchema.parse(decodeMessage(encodeMessage(push)));
  assert.equal(parsed.kind === 'runEvent' && parsed.event.type === 'failed' && parsed.event.summary?.final.e_samples, -Infinity, 'the exact value arrives');
  // Plain JSON writes null for both; the schema reads null back as NaN, so −∞ would be lost.
  const plain = HostPushSchema.parse(JSON.parse(JSON.stringify(push)));
  assert.ok(plain.kind === 'runEvent' && plain.event.type === 'failed' && Number.isNaN(plain.event.summary?.final.e_samples));
});

test('decodeMessage throws on text that is not JSON', () => {
  assert.throws(() => decodeMessage('{not json'));
});
