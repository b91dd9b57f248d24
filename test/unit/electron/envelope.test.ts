// The envelope of an Electron host call (app/api/envelope.ts): settle turns a call into one and
// never rejects; unwrapEnvelope gives back the result, or throws the contract's HostError with the
// host's code, and refuses anything that is not an envelope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostError } from '../../../app/api/contract.ts';
import { failure, settle, unwrapEnvelope } from '../../../app/api/envelope.ts';

test('settle keeps a HostError code, and turns any other error into HOST_FAILURE', async () => {
  assert.deepEqual(await settle(async () => 7), { ok: true, result: 7 });
  assert.deepEqual(await settle(async () => Promise.reject(new HostError('RUN_NOT_FOUND', 'no run "x"'))), { ok: false, error: { code: 'RUN_NOT_FOUND', message: 'no run "x"' } });
  assert.deepEqual(await settle(async () => Promise.reject(new TypeError('boom'))), { ok: false, error: { code: 'HOST_FAILURE', message: 'boom' } });
  assert.deepEqual(await settle(async () => Promise.reject('text')), { ok: false, error: { code: 'HOST_FAILURE', message: 'text' } });
  assert.deepEqual(await settle(() => { throw new HostError('SYNC', 'thrown at once'); }), failure('SYNC', 'thrown at once'), 'a synchronous throw is settled too');
});

test('unwrapEnvelope returns the result of a success, whatever it is', () => {
  const result = { path: '/a.ebm.json', name: 'a' };
  assert.equal(unwrapEnvelope({ ok: true, result }), result);
  assert.equal(unwrapEnvelope({ ok: true, result: null }), null);
  assert.equal(unwrapEnvelope({ ok: true, result: 0 }), 0);
  assert.equal(unwrapEnvelope({ ok: true, result: undefined }), undefined);
});

test('unwrapEnvelope throws a failure as the contract HostError, with its code and message', () => {
  assert.throws(
    () => unwrapEnvelope(failure('NEEDS_PATH', 'name the file to open')),
    (e: unknown) => {
      assert.ok(e instanceof HostError, 'a real HostError');
      assert.equal(e.name, 'HostError');
      assert.equal(e.code, 'NEEDS_PATH');
      assert.equal(e.message, 'name the file to open');
      assert.deepEqual(e.toJSON(), { code: 'NEEDS_PATH', message: 'name the file to open' });
      return true;
    },
  );
});

test('unwrapEnvelope refuses a reply that is not an envelope with IPC_PROTOCOL, never passing it on', () => {
  const malformed = [
    undefined,
    null,
    42,
    'ok',
    { ok: true },
    { ok: 'true', result: 1 },
    { ok: false },
    { ok: false, error: null },
    { ok: false, error: { code: 1, message: 'm' } },
    { ok: false, error: { code: 'C' } },
    { ok: false, error: 'NEEDS_PATH' },
    { result: 1 },
    { error: { code: 'C', message: 'm' } },
  ];
  for (const reply of malformed)
    assert.throws(
      () => unwrapEnvelope(reply),
      (e: unknown) => e instanceof HostError && e.code === 'IPC_PROTOCOL',
      JSON.stringify(reply) ?? String(reply),
    );
});
