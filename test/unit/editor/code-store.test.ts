// Custom code in the editor (renderer/src/editor/code/code-store.ts): the code panel's draft,
// Apply (one undoable edit, then the host's dry-run check), and trust: a restricted document is
// never checked (the host's check records the code as written here) until the user trusts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeCheckResultInfo, HostApi, HostArgs, HostResult } from '../../../app/api/contract.ts';
import { HostError } from '../../../app/api/contract.ts';
import { emptyDocument, type GraphDocument } from '../../../app/graph/document.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { CUSTOM_ENERGY_TYPE, DEFAULT_ENERGY_CODE } from '../../../nodes/energy-custom/node.ts';
import { codeOf, createCodeStore, currentCheck, hasUnappliedEdits, type CodeStore } from '../../../renderer/src/editor/code/code-store.ts';
import { addNode, removeElements, setParam } from '../../../renderer/src/editor/graph-edits.ts';
import { createEditorStore, type EditorStore } from '../../../renderer/src/editor/store.ts';

const custom = catalog.get(CUSTOM_ENERGY_TYPE)!;
const FOREIGN = DEFAULT_ENERGY_CODE.replaceAll('64', '16');
const OK: CodeCheckResultInfo = { ok: true, diagnostics: [], params: [{ name: 'W1', shape: [2, 64] }], secondOrder: { ok: true, problems: [] } };

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The host's side, as app/api/node/services.ts does it: code is trusted by its text (defaults
 * always; a check records the code it checks, trustCode the document's). Every call is recorded;
 * checks wait in `pendingChecks` until the test answers them, unless `autoCheck`.
 */
function fakeHost(options: { trusted?: string[]; autoCheck?: boolean } = {}) {
  const trusted = new Set<string>([DEFAULT_ENERGY_CODE, ...(options.trusted ?? [])]);
  const codes = (doc: GraphDocument) => doc.nodes.filter((n) => n.type === CUSTOM_ENERGY_TYPE).map((n) => ({ nodeId: n.id, code: (n.params.code as string | undefined) ?? DEFAULT_ENERGY_CODE }));
  const calls: { method: string; args: unknown }[] = [];
  const pendingChecks: { args: HostArgs<'checkCustomCode'>; answer: ReturnType<typeof deferred<CodeCheckResultInfo>> }[] = [];
  let trustGate: Promise<void> | null = null;
  let trustFails = false;
  const host = {
    async codeTrust(args: HostArgs<'codeTrust'>): Promise<HostResult<'codeTrust'>> {
      calls.push({ method: 'codeTrust', args });
      if (trustGate) await trustGate;
      if (trustFails) throw new HostError('HOST_DISCONNECTED', 'the host went away');
      const ids = codes(args.document as GraphDocument)
        .filter((c) => !trusted.has(c.code))
        .map((c) => c.nodeId);
      return { untrusted: ids.map((nodeId) => ({ nodeId, name: nodeId })), message: ids.length ? `The custom code in "${ids.join('", "')}" was not written on this machine` : null };
    },
    async trustCode(args: HostArgs<'trustCode'>): Promise<HostResult<'trustCode'>> {
      calls.push({ method: 'trustCode', args });
      for (const c of codes(args.document as GraphDocument)) trusted.add(c.code);
      return { ok: true };
    },
    checkCustomCode(args: HostArgs<'checkCustomCode'>): Promise<CodeCheckResultInfo> {
      calls.push({ method: 'checkCustomCode', args });
      trusted.add(args.code);
      if (options.autoCheck) return Promise.resolve(OK);
      const answer = deferred<CodeCheckResultInfo>();
      pendingChecks.push({ args, answer });
      return answer.promise;
    },
  };
  return {
    host: host as unknown as HostApi,
    calls,
    pendingChecks,
    called: (method: string) => calls.filter((c) => c.method === method),
    /** Code that becomes foreign (trusted elsewhere, say, and not here). */
    distrust(code: string) {
      trusted.delete(code);
    },
    holdTrust(gate: Promise<void> | null) {
      trustGate = gate;
    },
    failTrust() {
      trustFails = true;
    },
  };
}

/** A document with one Custom energy node (id "custom"), its code and params as given. */
function docWith(params: Record<string, unknown> = {}): GraphDocument {
  const { doc } = addNode(emptyDocument('Custom'), custom, { x: 0, y: 0 });
  return { ...doc, nodes: doc.nodes.map((n) => ({ ...n, params })) };
}

function setup(doc: GraphDocument, host: HostApi): { editor: EditorStore; code: CodeStore } {
  const editor = createEditorStore();
  editor.getState().load(doc, { path: null, name: 'test', saved: true });
  return { editor, code: createCodeStore({ editor, host, catalog }) };
}

const ref = { nodeId: 'custom', param: 'code' };
const nodeCode = (editor: EditorStore) => codeOf(editor.getState().doc, ref, catalog);
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a document whose code is trusted: Apply writes the code as one undoable edit and checks it with the node’s input dimension and time limit', async () => {
  const fake = fakeHost();
  const { editor, code } = setup(docWith({ inputDim: 3, timeLimit: 2 }), fake.host);
  await code.getState().documentLoaded();
  assert.equal(code.getState().restriction, null);

  code.getState().openCode('custom');
  assert.equal(code.getState().draft, DEFAULT_ENERGY_CODE, 'the panel starts from the node’s code (its default)');
  code.getState().setDraft(`${DEFAULT_ENERGY_CODE}// mine\n`);
  assert.equal(hasUnappliedEdits(code.getState(), editor.getState().doc, catalog), true);
  const past = editor.getState().past.length;

  const applying = code.getState().apply();
  assert.equal(nodeCode(editor), `${DEFAULT_ENERGY_CODE}// mine\n`, 'the document holds the text at once');
  assert.equal(editor.getState().past.length, past + 1, 'one undoable edit');
  await settle();
  assert.deepEqual(fake.called('checkCustomCode').map((c) => c.args), [{ code: `${DEFAULT_ENERGY_CODE}// mine\n`, inputDim: 3, timeLimit: 2 }]);
  assert.equal(currentCheck(code.getState(), editor.getState().doc, ref, catalog)?.status, 'checking');
  fake.pendingChecks[0]!.answer.resolve(OK);
  await applying;
  const check = currentCheck(code.getState(), editor.getState().doc, ref, catalog);
  assert.equal(check?.status, 'done');
  assert.deepEqual(check?.result, OK);
  assert.equal(hasUnappliedEdits(code.getState(), editor.getState().doc, catalog), false);

  // Undo takes the code back; the panel (no edits pending) follows, and the check is of other code now.
  editor.getState().undo();
  assert.equal(code.getState().draft, DEFAULT_ENERGY_CODE);
  assert.equal(currentCheck(code.getState(), editor.getState().doc, ref, catalog), null);
});

test('a node left at its default is checked with the default input dimension, without a time limit argument it does not have', async () => {
  const fake = fakeHost({ autoCheck: true });
  const { code } = setup(docWith(), fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('custom');
  await code.getState().apply();
  assert.deepEqual(fake.called('checkCustomCode')[0]!.args, { code: DEFAULT_ENERGY_CODE, inputDim: custom.params.inputDim!.default, timeLimit: custom.params.timeLimit!.default });
});

test('a restricted document: its code can be edited and applied, but is never checked until the user trusts it', async () => {
  const fake = fakeHost();
  const { editor, code } = setup(docWith({ code: FOREIGN }), fake.host);
  await code.getState().documentLoaded();
  assert.deepEqual(code.getState().restriction?.nodes, [{ nodeId: 'custom', name: 'custom' }]);
  assert.match(code.getState().restriction!.message, /not written on this machine/);

  code.getState().openCode('custom');
  code.getState().setDraft(`${FOREIGN}// read and edited\n`);
  await code.getState().apply();
  assert.equal(nodeCode(editor), `${FOREIGN}// read and edited\n`, 'the text is kept in the document');
  assert.equal(fake.called('checkCustomCode').length, 0, 'a restricted document is never checked');
  assert.equal(code.getState().checks.custom?.status, 'restricted');
  // The edited code is foreign still: the host is asked again after the edit and keeps it restricted.
  await settle();
  assert.ok(code.getState().restriction, 'editing foreign code does not make it trusted');

  await code.getState().trust();
  assert.equal(code.getState().restriction, null);
  assert.deepEqual(fake.called('trustCode').map((c) => c.args), [{ document: editor.getState().doc }], 'the document as the user read and edited it is trusted');

  await Promise.all([code.getState().apply(), settle().then(() => fake.pendingChecks[0]?.answer.resolve(OK))]);
  assert.equal(fake.called('checkCustomCode').length, 1, 'once trusted, Apply checks');
  assert.equal(code.getState().checks.custom?.status, 'done');
});

test('Apply while the host is still asked about trust waits for its answer, and does not check foreign code', async () => {
  const fake = fakeHost();
  const gate = deferred<void>();
  fake.holdTrust(gate.promise);
  const { code } = setup(docWith({ code: FOREIGN }), fake.host);
  const loaded = code.getState().documentLoaded();
  code.getState().openCode('custom');
  const applying = code.getState().apply();
  await settle();
  assert.equal(fake.called('checkCustomCode').length, 0, 'nothing is checked before trust is known');
  gate.resolve();
  await Promise.all([loaded, applying]);
  assert.equal(fake.called('checkCustomCode').length, 0);
  assert.equal(code.getState().checks.custom?.status, 'restricted');
});

test('a trust question that fails restricts the document, saying why', async () => {
  const fake = fakeHost();
  fake.failTrust();
  const { code } = setup(docWith(), fake.host);
  await code.getState().documentLoaded();
  assert.match(code.getState().restriction?.message ?? '', /Could not ask the host whether this graph's code is trusted: the host went away/);
});

test('removing the untrusted node asks again, and the restriction lifts when nothing untrusted is left', async () => {
  const fake = fakeHost();
  const { editor, code } = setup(docWith({ code: FOREIGN }), fake.host);
  await code.getState().documentLoaded();
  assert.ok(code.getState().restriction);
  editor.getState().commit(removeElements(editor.getState().doc, new Set(['custom'])));
  await settle();
  assert.equal(code.getState().restriction, null);
});

test('a run the host refused for untrusted code restricts the document; other refusals change nothing', async () => {
  const fake = fakeHost({ trusted: [FOREIGN] });
  const { code } = setup(docWith({ code: FOREIGN }), fake.host);
  await code.getState().documentLoaded();
  assert.equal(code.getState().restriction, null);
  // Trusted when the document opened, and no longer (the user's trust file was reset, say).
  fake.distrust(FOREIGN);
  await code.getState().runRefused({ code: 'GRAPH_INVALID', message: 'the graph has errors' });
  assert.equal(code.getState().restriction, null);
  await code.getState().runRefused({ code: 'UNTRUSTED_CODE', message: 'not written on this machine' });
  assert.deepEqual(code.getState().restriction?.nodes, [{ nodeId: 'custom', name: 'custom' }]);
});

test('a later check of the same node wins over an earlier one that answers last', async () => {
  const fake = fakeHost();
  const { editor, code } = setup(docWith(), fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('custom');
  code.getState().setDraft('first');
  const first = code.getState().apply();
  await settle();
  code.getState().setDraft('second');
  const second = code.getState().apply();
  await settle();
  assert.equal(fake.pendingChecks.length, 2);
  fake.pendingChecks[1]!.answer.resolve({ ...OK, params: [{ name: 'second', shape: [1] }] });
  await second;
  fake.pendingChecks[0]!.answer.resolve({ ...OK, params: [{ name: 'first', shape: [1] }] });
  await first;
  assert.deepEqual(currentCheck(code.getState(), editor.getState().doc, ref, catalog)?.result?.params, [{ name: 'second', shape: [1] }]);
});

test('a check the host cannot do says why', async () => {
  const fake = fakeHost();
  const { code } = setup(docWith(), fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('custom');
  const applying = code.getState().apply();
  await settle();
  fake.pendingChecks[0]!.answer.reject(new HostError('INVALID_ARGS', 'inputDim: must be at most 4096'));
  await applying;
  assert.deepEqual(code.getState().checks.custom, { code: DEFAULT_ENERGY_CODE, status: 'failed', error: 'inputDim: must be at most 4096' });
});

test('closing or switching with unapplied edits asks: keep editing, discard, or apply', async () => {
  const fake = fakeHost({ autoCheck: true });
  const base = docWith();
  const { doc: withTwo } = addNode(base, custom, { x: 300, y: 0 });
  const { editor, code } = setup(withTwo, fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('custom');

  // Nothing typed: closing closes.
  code.getState().requestClose();
  assert.equal(code.getState().open, null);

  code.getState().openCode('custom');
  code.getState().setDraft('typed');
  code.getState().requestClose();
  assert.deepEqual(code.getState().closing, { next: null });
  await code.getState().answerClose('keep');
  assert.deepEqual([code.getState().open, code.getState().draft, code.getState().closing], [ref, 'typed', null]);

  code.getState().openCode('custom-2');
  assert.deepEqual(code.getState().closing, { next: { nodeId: 'custom-2', param: 'code' } });
  await code.getState().answerClose('discard');
  assert.equal(code.getState().open?.nodeId, 'custom-2');
  assert.equal(nodeCode(editor), DEFAULT_ENERGY_CODE, 'discarded text never reached the document');

  code.getState().setDraft('kept');
  code.getState().requestClose();
  await code.getState().answerClose('apply');
  assert.equal(code.getState().open, null);
  assert.equal(codeOf(editor.getState().doc, { nodeId: 'custom-2', param: 'code' }, catalog), 'kept');
  assert.deepEqual(fake.called('checkCustomCode').at(-1)?.args, { code: 'kept', inputDim: 2, timeLimit: 5 }, 'applied as Apply does: checked');
});

test('before the document is saved, run or replaced, unapplied edits go into it (and are checked)', async () => {
  const fake = fakeHost({ autoCheck: true });
  const { editor, code } = setup(docWith(), fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('custom');
  code.getState().setDraft('unapplied');
  await code.getState().flushDraft();
  assert.equal(nodeCode(editor), 'unapplied');
  assert.equal(fake.called('checkCustomCode').length, 1);
  // Nothing pending: nothing to do.
  await code.getState().flushDraft();
  assert.equal(fake.called('checkCustomCode').length, 1);
});

test('a document taken into the editor closes the panel and forgets the old document’s checks', async () => {
  const fake = fakeHost({ autoCheck: true });
  const { editor, code } = setup(docWith(), fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('custom');
  await code.getState().apply();
  editor.getState().load(setParam(docWith(), 'custom', 'inputDim', 4), { path: null, name: 'other', saved: true });
  await code.getState().documentLoaded();
  assert.deepEqual([code.getState().open, code.getState().draft, code.getState().checks], [null, null, {}]);
});

test('deleting the node closes a panel without edits; undo does not reopen it', async () => {
  const fake = fakeHost({ autoCheck: true });
  const { editor, code } = setup(docWith(), fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('custom');
  editor.getState().commit(removeElements(editor.getState().doc, new Set(['custom'])));
  assert.deepEqual([code.getState().open, code.getState().draft], [null, null]);
  editor.getState().undo();
  assert.equal(code.getState().open, null);
});

test('a node without code has nothing to open; a node removed under the panel with edits in it cannot take the text', async () => {
  const fake = fakeHost({ autoCheck: true });
  const mlp = catalog.get('energy.mlp')!;
  const { doc } = addNode(docWith(), mlp, { x: 0, y: 200 });
  const { editor, code } = setup(doc, fake.host);
  await code.getState().documentLoaded();
  code.getState().openCode('mlp');
  assert.equal(code.getState().open, null);

  code.getState().openCode('custom');
  code.getState().setDraft('orphan');
  editor.getState().commit(removeElements(editor.getState().doc, new Set(['custom'])));
  await code.getState().apply();
  assert.equal(code.getState().draft, 'orphan', 'the text stays in the panel');
  assert.match(editor.getState().notice?.text ?? '', /no longer in the graph/);
  assert.equal(fake.called('checkCustomCode').length, 0);
});
