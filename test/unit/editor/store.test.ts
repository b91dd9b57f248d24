// The editor's store (renderer/src/editor/store.ts): history of whole documents, gestures as one
// undo step, the saved/unsaved state by text, and the selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import { emptyDocument, type GraphDocument } from '../../../app/graph/document.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { addNode, moveNodes, resetParam, setLabel, setParam } from '../../../renderer/src/editor/graph-edits.ts';
import { createEditorStore, isDirty, type EditorStore } from '../../../renderer/src/editor/store.ts';

const mlp = catalog.get('energy.mlp')!;
const langevin = catalog.get('sampler.langevin')!;

/** `n` documents, each the previous one with one more MLP node. */
function chain(start: GraphDocument, n: number): GraphDocument[] {
  const docs: GraphDocument[] = [];
  let doc = start;
  for (let i = 0; i < n; i++) {
    doc = addNode(doc, mlp, { x: i, y: 0 }).doc;
    docs.push(doc);
  }
  return docs;
}

/** Counts the store's change notifications. */
function countChanges(store: EditorStore): { readonly count: number; stop(): void } {
  let count = 0;
  const stop = store.subscribe(() => count++);
  return {
    get count() {
      return count;
    },
    stop,
  };
}

const diagnostic: Diagnostic = { code: 'GRAPH_REPAIRED', severity: 'error', message: 'a repaired field', path: '$.seed' };

test('a new store holds the document, saved, with empty history', () => {
  const initial = emptyDocument('Start');
  const s = createEditorStore(initial).getState();
  assert.equal(s.doc, initial);
  assert.deepEqual([s.past, s.future, s.selectedNodes, s.selectedEdges], [[], [], [], []]);
  assert.equal(isDirty(s), false);
});

test('commit pushes the old document on the history and clears redo', () => {
  const d0 = emptyDocument();
  const [d1, d2, d3] = chain(d0, 3) as [GraphDocument, GraphDocument, GraphDocument];
  const store = createEditorStore(d0);
  store.getState().commit(d1);
  store.getState().commit(d2);
  assert.equal(store.getState().doc, d2);
  assert.deepEqual(store.getState().past, [d0, d1]);
  store.getState().undo();
  assert.deepEqual(store.getState().future, [d2]);
  store.getState().commit(d3);
  assert.equal(store.getState().doc, d3);
  assert.deepEqual(store.getState().past, [d0, d1]);
  assert.deepEqual(store.getState().future, [], 'a new edit should clear redo');
  store.getState().redo();
  assert.equal(store.getState().doc, d3, 'redo after a new edit should do nothing');
});

test('committing the current document is not an edit', () => {
  const d0 = emptyDocument();
  const store = createEditorStore(d0);
  const changes = countChanges(store);
  store.getState().commit(d0);
  assert.equal(changes.count, 0);
  assert.deepEqual(store.getState().past, []);
});

test('commit can select: nodes alone clear the selected edges, edges alone keep the nodes', () => {
  const [d1, d2, d3] = chain(emptyDocument(), 3) as [GraphDocument, GraphDocument, GraphDocument];
  const store = createEditorStore();
  store.getState().select(['a'], ['e']);
  store.getState().commit(d1);
  assert.deepEqual([store.getState().selectedNodes, store.getState().selectedEdges], [['a'], ['e']], 'a commit without select changed the selection');
  store.getState().commit(d2, { nodes: ['mlp-2'] });
  assert.deepEqual([store.getState().selectedNodes, store.getState().selectedEdges], [['mlp-2'], []]);
  store.getState().commit(d3, { edges: ['x'] });
  assert.deepEqual([store.getState().selectedNodes, store.getState().selectedEdges], [['mlp-2'], ['x']]);
});

test('undo and redo restore the very documents, in order, and stop at the ends', () => {
  const d0 = emptyDocument();
  const docs = [d0, ...chain(d0, 4)];
  const store = createEditorStore(d0);
  for (const d of docs.slice(1)) store.getState().commit(d);
  for (let i = docs.length - 2; i >= 0; i--) {
    store.getState().undo();
    assert.equal(store.getState().doc, docs[i], `undo to ${i}`);
  }
  const changes = countChanges(store);
  store.getState().undo();
  assert.equal(changes.count, 0, 'undo with no history changed the state');
  assert.equal(store.getState().doc, d0);
  for (let i = 1; i < docs.length; i++) {
    store.getState().redo();
    assert.equal(store.getState().doc, docs[i], `redo to ${i}`);
  }
  store.getState().redo();
  assert.equal(changes.count, docs.length - 1, 'redo with no future changed the state');
  assert.equal(store.getState().doc, docs.at(-1));
  assert.deepEqual(store.getState().past, docs.slice(0, -1));
  changes.stop();
});

test('undo and redo keep the selection of nodes that still exist, and drop selected wires', () => {
  const d0 = emptyDocument();
  const a = addNode(d0, mlp, { x: 0, y: 0 });
  const b = addNode(a.doc, langevin, { x: 0, y: 100 });
  const store = createEditorStore(d0);
  store.getState().commit(a.doc);
  store.getState().commit(b.doc);
  store.getState().select([a.id, b.id], ['some-wire']);
  store.getState().undo();
  assert.equal(store.getState().doc, a.doc);
  assert.deepEqual(store.getState().selectedNodes, [a.id]);
  assert.deepEqual(store.getState().selectedEdges, []);
  store.getState().redo();
  assert.equal(store.getState().doc, b.doc);
  assert.deepEqual(store.getState().selectedNodes, [a.id], 'redo should not select what was not selected');
  store.getState().select([b.id]);
  store.getState().undo();
  store.getState().undo();
  assert.equal(store.getState().doc, d0);
  assert.deepEqual(store.getState().selectedNodes, []);
});

test('history keeps the last 200 steps', () => {
  const d0 = emptyDocument();
  const docs = [d0, ...chain(d0, 250)];
  const store = createEditorStore(d0);
  for (const d of docs.slice(1)) store.getState().commit(d);
  assert.equal(store.getState().past.length, 200);
  let undos = 0;
  for (let i = 0; i < 300; i++) {
    const before = store.getState().doc;
    store.getState().undo();
    if (store.getState().doc === before) break;
    undos++;
  }
  assert.equal(undos, 200);
  assert.equal(store.getState().doc, docs[50], 'the oldest step kept is the 50th edit');
  assert.equal(store.getState().future.length, 200);
  for (let i = 0; i < 200; i++) store.getState().redo();
  assert.equal(store.getState().doc, docs[250]);
  assert.equal(store.getState().past.length, 200);
});

test('load replaces the document and starts history and selection afresh', () => {
  const d0 = emptyDocument();
  const [d1, d2] = chain(d0, 2) as [GraphDocument, GraphDocument];
  const store = createEditorStore(d0);
  store.getState().commit(d1, { nodes: ['mlp'], edges: ['e'] });
  store.getState().commit(d2);
  store.getState().undo();
  const loaded = emptyDocument('Loaded');
  store.getState().load(loaded, { path: 'graphs/a.ebm.json', name: 'a.ebm.json', saved: true });
  const s = store.getState();
  assert.equal(s.doc, loaded);
  assert.deepEqual([s.path, s.name], ['graphs/a.ebm.json', 'a.ebm.json']);
  assert.deepEqual([s.past, s.future, s.selectedNodes, s.selectedEdges, s.loadDiagnostics], [[], [], [], [], []]);
  assert.equal(isDirty(s), false);
  store.getState().undo();
  assert.equal(store.getState().doc, loaded, 'undo reached a document from before the load');
});

test('a document loaded unsaved (an example, a repaired file) is dirty until saved', () => {
  const store = createEditorStore();
  const example = chain(emptyDocument('Example'), 2).at(-1)!;
  store.getState().load(example, { path: null, name: 'Example', diagnostics: [diagnostic], saved: false });
  assert.equal(isDirty(store.getState()), true);
  assert.deepEqual(store.getState().loadDiagnostics, [diagnostic]);
  assert.equal(store.getState().path, null);
  store.getState().markSaved('graphs/example.ebm.json', 'example.ebm.json');
  const s = store.getState();
  assert.equal(isDirty(s), false);
  assert.deepEqual(s.loadDiagnostics, [], 'saving should clear the load diagnostics');
  assert.deepEqual([s.path, s.name], ['graphs/example.ebm.json', 'example.ebm.json']);
  assert.equal(s.doc, example, 'saving should not change the document');
});

test('markSaved makes an edited document clean; the next edit makes it dirty again', () => {
  const { doc: d0, id } = addNode(emptyDocument(), mlp, { x: 0, y: 0 });
  const store = createEditorStore(d0);
  store.getState().commit(setParam(d0, id, 'activation', 'relu'));
  assert.equal(isDirty(store.getState()), true);
  store.getState().markSaved('x.ebm.json', 'x.ebm.json');
  assert.equal(isDirty(store.getState()), false);
  store.getState().commit(setLabel(store.getState().doc, id, 'Renamed'));
  assert.equal(isDirty(store.getState()), true);
  // Undo to the saved document: clean again.
  store.getState().undo();
  assert.equal(isDirty(store.getState()), false);
  // Undo past the save: dirty.
  store.getState().undo();
  assert.equal(store.getState().doc, d0);
  assert.equal(isDirty(store.getState()), true);
});

test('editing back to the saved text counts as saved, whatever the objects', () => {
  const { doc: d0, id } = addNode(emptyDocument(), mlp, { x: 0, y: 0 });
  const store = createEditorStore(d0);
  store.getState().commit(setParam(d0, id, 'hidden', [8]));
  assert.equal(isDirty(store.getState()), true);
  store.getState().commit(resetParam(store.getState().doc, id, 'hidden'));
  assert.notEqual(store.getState().doc, d0);
  assert.equal(isDirty(store.getState()), false);
  store.getState().commit(moveNodes(store.getState().doc, new Map([[id, { x: 9, y: 9 }]])));
  assert.equal(isDirty(store.getState()), true, 'a moved node is a change to the file');
  store.getState().commit(moveNodes(store.getState().doc, new Map([[id, { x: 0, y: 0 }]])));
  assert.equal(isDirty(store.getState()), false);
  // isDirty reads the current state, not a cached answer for the document object.
  assert.equal(isDirty({ doc: store.getState().doc, savedText: '' }), true);
});

test('select ignores a selection equal to the current one', () => {
  const store = createEditorStore();
  const changes = countChanges(store);
  store.getState().select([]);
  store.getState().select([], []);
  assert.equal(changes.count, 0);
  store.getState().select(['a', 'b'], ['e']);
  assert.equal(changes.count, 1);
  store.getState().select(['a', 'b'], ['e']);
  store.getState().select([...store.getState().selectedNodes], [...store.getState().selectedEdges]);
  assert.equal(changes.count, 1, 'an equal selection notified the subscribers');
  // Order matters (a list, not a set); a different edge list is a change.
  store.getState().select(['b', 'a'], ['e']);
  assert.equal(changes.count, 2);
  store.getState().select(['b', 'a']);
  assert.equal(changes.count, 3);
  assert.deepEqual(store.getState().selectedEdges, []);
  changes.stop();
});

test('notify grows the serial, so the same text shown twice is a new notice', () => {
  const store = createEditorStore();
  assert.equal(store.getState().notice, null);
  store.getState().notify('info', 'Saved a.ebm.json');
  assert.deepEqual(store.getState().notice, { kind: 'info', text: 'Saved a.ebm.json', serial: 1 });
  const first = store.getState().notice;
  store.getState().notify('info', 'Saved a.ebm.json');
  assert.deepEqual(store.getState().notice, { kind: 'info', text: 'Saved a.ebm.json', serial: 2 });
  assert.notEqual(store.getState().notice, first);
  store.getState().notify('error', 'disk full');
  assert.deepEqual(store.getState().notice, { kind: 'error', text: 'disk full', serial: 3 });
  store.getState().dismissNotice();
  assert.equal(store.getState().notice, null);
});
