// The window's decisions: its title, the unsaved-changes close flow, the file a command line
// names, the dialogs' filters, and File > Open Recent's Clear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { RecentFiles } from '../../../main/electron/recent.ts';
import { choiceAt, CLOSE_PROMPT_BUTTONS, CloseGuard, documentTitle, graphFileFromArgv, openDialogFilters, saveDialogFilters } from '../../../main/electron/window-state.ts';

test('the title names the document, and marks unsaved changes off macOS', () => {
  assert.equal(documentTitle({ name: 'moons.ebm.json', dirty: false }, 'linux'), 'moons.ebm.json — EBM Studio');
  assert.equal(documentTitle({ name: 'moons.ebm.json', dirty: true }, 'linux'), '• moons.ebm.json — EBM Studio');
  assert.equal(documentTitle({ name: 'moons.ebm.json', dirty: true }, 'win32'), '• moons.ebm.json — EBM Studio');
  assert.equal(documentTitle({ name: 'moons.ebm.json', dirty: true }, 'darwin'), 'moons.ebm.json — EBM Studio', 'macOS marks the close button instead');
  assert.equal(documentTitle({ name: '', dirty: false }, 'linux'), 'EBM Studio');
  assert.equal(documentTitle({ name: 'a\nb\u0007c', dirty: false }, 'linux'), 'a b c — EBM Studio', 'no control characters in a title');
});

test('a clean window closes at once', () => {
  const g = new CloseGuard();
  assert.equal(g.closeRequested(), 'allow');
});

test('a dirty window prompts; Cancel keeps it open and a later close prompts again', () => {
  const g = new CloseGuard();
  g.documentState(true);
  assert.equal(g.closeRequested(), 'prompt');
  assert.equal(g.closeRequested(), 'ignore', 'a second close while the prompt is up does nothing');
  assert.equal(g.chosen('cancel'), 'none');
  assert.equal(g.closeRequested(), 'prompt');
});

test("Don't Save closes", () => {
  const g = new CloseGuard();
  g.documentState(true);
  g.closeRequested();
  assert.equal(g.chosen('discard'), 'close');
  assert.equal(g.closeRequested(), 'allow', 'the close that follows goes through');
});

test('Save asks the renderer to save, and closes once it reports the document clean', () => {
  const g = new CloseGuard();
  g.documentState(true);
  g.closeRequested();
  assert.equal(g.chosen('save'), 'saveAndClose');
  assert.equal(g.closeRequested(), 'ignore', 'no second prompt while saving');
  assert.equal(g.documentState(false), 'close');
  assert.equal(g.closeRequested(), 'allow');
});

test('a save that was cancelled or failed (still dirty) abandons the close', () => {
  const g = new CloseGuard();
  g.documentState(true);
  g.closeRequested();
  g.chosen('save');
  assert.equal(g.documentState(true), 'none');
  assert.equal(g.documentState(false), 'none', 'a later save does not close the window by surprise');
  g.documentState(true);
  assert.equal(g.closeRequested(), 'prompt');
});

test('saving without a close pending never closes', () => {
  const g = new CloseGuard();
  g.documentState(true);
  assert.equal(g.documentState(false), 'none');
  assert.equal(g.isDirty, false);
});

test('the prompt buttons map to choices in order; Escape (the cancel id) is Cancel', () => {
  assert.deepEqual(CLOSE_PROMPT_BUTTONS, ['Save', "Don't Save", 'Cancel']);
  assert.deepEqual([0, 1, 2].map(choiceAt), ['save', 'discard', 'cancel']);
});

test('the command line names a graph file, made absolute against the launch folder', () => {
  assert.equal(graphFileFromArgv(['dist/electron/main.cjs', 'graphs/moons.ebm.json'], '/home/u'), '/home/u/graphs/moons.ebm.json');
  assert.equal(graphFileFromArgv(['--inspect=0', '--foo=x.ebm.json', '/abs/A.EBM.JSON'], '/home/u'), '/abs/A.EBM.JSON');
  assert.equal(graphFileFromArgv(['main.cjs', 'notes.json', '--remote-debugging-port=0'], '/home/u'), null);
  assert.equal(graphFileFromArgv([], '/home/u'), null);
  assert.equal(graphFileFromArgv(['main.cjs', 'runs/x/loss.PNG'], '/home/u'), '/home/u/runs/x/loss.PNG');
  assert.equal(graphFileFromArgv(['x.ebm.json'], 'C:\\Users\\u', path.win32), 'C:\\Users\\u\\x.ebm.json');
});

test('dialog filters: ebm.json, except where macOS cannot match a double extension', () => {
  assert.deepEqual(openDialogFilters('linux')[0]!.extensions, ['ebm.json']);
  assert.deepEqual(openDialogFilters('win32')[0]!.extensions, ['ebm.json']);
  assert.deepEqual(openDialogFilters('darwin')[0]!.extensions, ['json']);
  for (const platform of ['linux', 'win32', 'darwin'] as const) assert.deepEqual(openDialogFilters(platform)[1]!.extensions, ['png']);
  assert.deepEqual(saveDialogFilters('linux')[0]!.extensions, ['ebm.json']);
  assert.deepEqual(saveDialogFilters('darwin'), []);
});

function fakeSource(initial: string[]) {
  const state = { list: [...initial], stored: null as string[] | null };
  return {
    state,
    source: {
      list: async () => [...state.list],
      persist: async (list: string[]) => {
        state.stored = [...list];
      },
    },
  };
}

test('Open Recent: Clear hides the list and empties the store', async () => {
  const { state, source } = fakeSource(['/a.ebm.json', '/b.ebm.json']);
  const recent = new RecentFiles(source);
  assert.deepEqual(await recent.visible(), ['/a.ebm.json', '/b.ebm.json']);
  await recent.clear();
  assert.deepEqual(await recent.visible(), []);
  assert.deepEqual(state.stored, []);
});

test('Open Recent: a file opened after a Clear comes back, alone, and the store says so', async () => {
  const { state, source } = fakeSource(['/a.ebm.json', '/b.ebm.json']);
  const recent = new RecentFiles(source);
  await recent.clear();
  state.list = ['/b.ebm.json', '/a.ebm.json']; // the services put the opened file first
  assert.deepEqual(await recent.touched('/b.ebm.json'), ['/b.ebm.json']);
  assert.deepEqual(await recent.visible(), ['/b.ebm.json']);
  assert.deepEqual(state.stored, ['/b.ebm.json'], 'the cleared file does not come back after a restart');
  state.list = ['/c.ebm.json', '/b.ebm.json', '/a.ebm.json'];
  assert.deepEqual(await recent.touched('/c.ebm.json'), ['/c.ebm.json', '/b.ebm.json']);
});

test('Open Recent: without a Clear, the services own the store', async () => {
  const { state, source } = fakeSource(['/a.ebm.json']);
  const recent = new RecentFiles(source);
  assert.deepEqual(await recent.touched('/a.ebm.json'), ['/a.ebm.json']);
  assert.equal(state.stored, null);
});
