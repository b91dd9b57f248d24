// The preload's bridge: exactly one function per host call and onPush; each call goes to the one
// call channel and resolves with the main process's envelope untouched (success, failure or
// anything else: the page checks it); pushes arrive without the IPC event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostPush } from '../../../app/api/contract.ts';
import { HOST_CALL_CHANNEL, HOST_METHOD_NAMES, HOST_PUSH_CHANNEL } from '../../../app/api/methods.ts';
import { createBridge, type Invoke, type Subscribe } from '../../../main/electron/bridge.ts';

function fakeIpc(reply: (method: string, args: unknown) => unknown = () => ({ ok: true, result: null })) {
  const calls: { channel: string; method: string; args: unknown }[] = [];
  const handlers = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  let removed = 0;
  const invoke: Invoke = async (channel, method, args) => {
    calls.push({ channel, method, args });
    return reply(method, args);
  };
  const subscribe: Subscribe = (channel, handler) => {
    const set = handlers.get(channel) ?? new Set();
    handlers.set(channel, set);
    set.add(handler);
    return () => {
      removed++;
      set.delete(handler);
    };
  };
  const emit = (channel: string, event: unknown, payload: unknown) => {
    for (const h of handlers.get(channel) ?? []) h(event, payload);
  };
  return { invoke, subscribe, calls, emit, handlers, removed: () => removed };
}

test('the bridge has exactly the host calls and onPush, all functions, frozen, and nothing of IPC', () => {
  const api = createBridge(fakeIpc().invoke, fakeIpc().subscribe);
  assert.deepEqual(Object.keys(api).sort(), [...HOST_METHOD_NAMES, 'onPush'].sort());
  for (const [name, value] of Object.entries(api)) assert.equal(typeof value, 'function', name);
  assert.ok(Object.isFrozen(api), 'the page cannot add to it');
  for (const leak of ['invoke', 'send', 'on', 'ipcRenderer', 'require', 'process']) assert.equal(leak in api, false, leak);
});

test('each call goes to the one call channel with its name and argument, and resolves with the envelope untouched', async () => {
  const replies = new Map<string, unknown>();
  const ipc = fakeIpc((method) => replies.get(method));
  const api = createBridge(ipc.invoke, ipc.subscribe);
  for (const [i, name] of HOST_METHOD_NAMES.entries()) {
    const reply = i % 2 ? { ok: true, result: { answered: name } } : { ok: false, error: { code: `CODE_${name}`, message: name } };
    replies.set(name, reply);
    const args = { probe: name };
    const call = api[name] as (a: unknown) => Promise<unknown>;
    assert.equal(await call(args), reply, `${name} resolves with the very reply, failures included`);
    assert.deepEqual(ipc.calls.at(-1), { channel: HOST_CALL_CHANNEL, method: name, args });
  }
  assert.equal(ipc.calls.length, HOST_METHOD_NAMES.length);
});

test('the bridge does not judge replies: whatever came back is passed on for the page to check', async () => {
  for (const reply of [undefined, null, 42, { ok: true }, { ok: false }, { result: 1 }]) {
    const ipc = fakeIpc(() => reply);
    assert.equal(await createBridge(ipc.invoke, ipc.subscribe).info({}), reply, JSON.stringify(reply));
  }
});

test('push listeners get only the payload, never the IPC event; unsubscribing stops them', () => {
  const ipc = fakeIpc();
  const api = createBridge(ipc.invoke, ipc.subscribe);
  const received: unknown[][] = [];
  const off = api.onPush((...args: unknown[]) => received.push(args));
  const push: HostPush = { kind: 'command', command: { command: 'save' } };
  const ipcEvent = { sender: { send() {} }, ports: [], senderFrame: {} };
  ipc.emit(HOST_PUSH_CHANNEL, ipcEvent, push);
  assert.deepEqual(received, [[push]]);
  assert.equal(ipc.handlers.get(HOST_PUSH_CHANNEL)?.size, 1);
  off();
  off();
  assert.equal(ipc.removed(), 1, 'unsubscribing twice removes once');
  ipc.emit(HOST_PUSH_CHANNEL, ipcEvent, push);
  assert.equal(received.length, 1);
  assert.equal(ipc.handlers.get(HOST_PUSH_CHANNEL)?.size, 0);
});

test('two listeners are independent', () => {
  const ipc = fakeIpc();
  const api = createBridge(ipc.invoke, ipc.subscribe);
  const a: unknown[] = [];
  const b: unknown[] = [];
  const offA = api.onPush((p) => a.push(p));
  api.onPush((p) => b.push(p));
  offA();
  ipc.emit(HOST_PUSH_CHANNEL, {}, { kind: 'command', command: { command: 'new' } });
  assert.equal(a.length, 0);
  assert.equal(b.length, 1);
});
