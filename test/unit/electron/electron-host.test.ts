// The renderer's side of the Electron bridge (renderer/src/host/electron-host.ts): hostFromBridge
// turns the HostBridge on window.ebmStudio into HostApi, results unwrapped and failures as real
// HostErrors with their codes. The fake bridges here behave as contextBridge does: what crosses is
// structured-cloned, and a rejected error arrives as `new Error(message)`, name and code lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostError, type HostPush } from '../../../app/api/contract.ts';
import { settle, type Envelope, type HostBridge } from '../../../app/api/envelope.ts';
import { HOST_METHOD_NAMES, type HostMethodName } from '../../../app/api/methods.ts';
import { createServices, dispatch } from '../../../app/api/node/services.ts';
import type { RunHandle } from '../../../app/runtime/node/start-run.ts';
import { createBridge } from '../../../main/electron/bridge.ts';
import { hostFromBridge } from '../../../renderer/src/host/electron-host.ts';

/** What the page gets for an object exposed with contextBridge.exposeInMainWorld. */
function acrossContextBridge(bridge: HostBridge): HostBridge {
  const page: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(bridge) as [string, (...a: unknown[]) => unknown][])
    page[name] = (...args: unknown[]) => {
      const out = fn(...structuredClone(args.filter((a) => typeof a !== 'function')), ...args.filter((a) => typeof a === 'function'));
      if (!(out instanceof Promise)) return out;
      return out.then(
        (value) => structuredClone(value),
        (e: unknown) => {
          throw new Error(e instanceof Error ? e.message : String(e));
        },
      );
    };
  return page as HostBridge;
}

/** A bridge whose every call answers with `reply(method, args)`, and whose pushes the test emits. */
function fakeBridge(reply: (method: HostMethodName, args: unknown) => unknown) {
  const calls: [HostMethodName, unknown][] = [];
  const listeners = new Set<(push: HostPush) => void>();
  const bridge: Record<string, unknown> = {
    onPush(listener: (push: HostPush) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  for (const method of HOST_METHOD_NAMES)
    bridge[method] = async (args: unknown) => {
      calls.push([method, args]);
      return reply(method, args);
    };
  return { bridge: acrossContextBridge(bridge as HostBridge), calls, listeners };
}

const codeOf = (code: string) => (e: unknown) => e instanceof HostError && e.name === 'HostError' && e.code === code;

test('contextBridge, as faked here, loses the code of a rejected HostError (why the bridge sends envelopes)', async () => {
  const { bridge } = fakeBridge(() => Promise.reject(new HostError('NEEDS_PATH', 'name the file')));
  await assert.rejects(bridge.open({}), (e: Error & { code?: string }) => e.name === 'Error' && e.code === undefined && e.message === 'name the file');
});

test('hostFromBridge has exactly the host calls and onPush', () => {
  const host = hostFromBridge(fakeBridge(() => ({ ok: true, result: null })).bridge);
  assert.deepEqual(Object.keys(host).sort(), [...HOST_METHOD_NAMES, 'onPush'].sort());
  for (const [name, value] of Object.entries(host)) assert.equal(typeof value, 'function', name);
});

test('each call goes to the bridge method of the same name with its argument, and resolves with the result', async () => {
  const fake = fakeBridge((method, args) => ({ ok: true, result: { answered: method, args } }));
  const host = hostFromBridge(fake.bridge);
  for (const name of HOST_METHOD_NAMES) {
    const args = { probe: name };
    assert.deepEqual(await (host[name] as (a: unknown) => Promise<unknown>)(args), { answered: name, args });
    assert.deepEqual(fake.calls.at(-1), [name, args]);
  }
  assert.equal(fake.calls.length, HOST_METHOD_NAMES.length);
});

test('a failure envelope rejects with a real HostError carrying the host code and message', async () => {
  const fake = fakeBridge((method) => ({ ok: false, error: { code: `NO_${method.toUpperCase()}`, message: `${method} failed` } }));
  const host = hostFromBridge(fake.bridge);
  for (const name of HOST_METHOD_NAMES)
    await assert.rejects((host[name] as (a: unknown) => Promise<unknown>)({}), (e: unknown) => {
      assert.ok(e instanceof HostError, `${name}: a HostError instance`);
      assert.equal(e.name, 'HostError');
      assert.equal(e.code, `NO_${name.toUpperCase()}`);
      assert.equal(e.message, `${name} failed`);
      return true;
    });
});

test('a reply that is not an envelope rejects with IPC_PROTOCOL', async () => {
  for (const reply of [undefined, null, 42, { ok: true }, { ok: false }, { result: 1 }]) {
    const host = hostFromBridge(fakeBridge(() => reply).bridge);
    await assert.rejects(host.info({}), codeOf('IPC_PROTOCOL'), JSON.stringify(reply) ?? 'undefined');
  }
});

test('a bridge call that rejects (IPC itself failed) still gives a HostError with a code', async () => {
  const host = hostFromBridge(fakeBridge(() => Promise.reject(new Error("No handler registered for 'ebm-studio:call'"))).bridge);
  await assert.rejects(host.listRuns({}), (e: unknown) => codeOf('IPC_FAILURE')(e) && /listRuns: No handler registered/.test((e as Error).message));
});

test('onPush passes pushes through and unsubscribes', () => {
  const fake = fakeBridge(() => ({ ok: true, result: null }));
  const host = hostFromBridge(fake.bridge);
  const got: HostPush[] = [];
  const off = host.onPush((p) => got.push(p));
  assert.equal(fake.listeners.size, 1);
  const push: HostPush = { kind: 'command', command: { command: 'runStart' } };
  for (const l of fake.listeners) l(push);
  assert.deepEqual(got, [push]);
  off();
  assert.equal(fake.listeners.size, 0);
});

test('end to end: services → settle → preload bridge → contextBridge → hostFromBridge, codes intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-bridge-'));
  const states: unknown[] = [];
  const services = createServices({
    host: 'electron',
    workspace: null,
    runsDir: join(dir, 'runs'),
    examplesDir: 'examples',
    startRun: () => assert.fail('no run is started here') as RunHandle,
    push: () => {},
    initialFile: '/abs/start.ebm.json',
    onDocumentState: (s) => states.push(s),
  });
  // ipcMain.handle's reply is structured-cloned, as main.ts settles it; then the preload's bridge
  // crosses contextBridge into the page.
  const bridge = createBridge(
    async (_channel, method, args) => structuredClone(await settle(() => dispatch(services, method, args))),
    () => () => {},
  );
  const host = hostFromBridge(acrossContextBridge(bridge));

  const info = await host.info({});
  assert.equal(info.host, 'electron');
  assert.equal(info.workspace, null);
  assert.equal(info.initialFile, '/abs/start.ebm.json');
  const examples = await host.listExamples({});
  assert.ok(examples.some((e) => e.id === 'gaussian-ml'));
  const opened = await host.openExample({ id: 'gaussian-ml' });
  assert.equal(opened.path, null);
  assert.ok(opened.document);
  await assert.rejects(host.open({ path: 'relative.ebm.json' }), codeOf('INVALID_PATH'));
  await assert.rejects(host.openExample({ id: '../secrets' }), codeOf('EXAMPLE_NOT_FOUND'));
  await assert.rejects(host.cancel({ runId: 42 } as never), codeOf('INVALID_ARGUMENT'));
  await assert.rejects(host.setDocumentState({ name: 'x', dirty: 'yes' } as never), codeOf('INVALID_ARGUMENT'));
  assert.deepEqual(await host.setDocumentState({ name: 'moons', dirty: true }), { ok: true });
  assert.deepEqual(states, [{ name: 'moons', dirty: true }]);
  // The bridge itself resolves with the envelope, failures included.
  const raw: Envelope = await bridge.openExample({ id: '../secrets' });
  assert.equal(raw.ok, false);
  assert.equal(!raw.ok && raw.error.code, 'EXAMPLE_NOT_FOUND');
  // A name that is not a host call never reaches a service.
  assert.deepEqual(await settle(() => dispatch(services, 'shutdown', {})), { ok: false, error: { code: 'UNKNOWN_METHOD', message: 'no host call named "shutdown"' } });
});
