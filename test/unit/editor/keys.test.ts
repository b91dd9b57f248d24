// The web app's keyboard shortcuts (renderer/src/keys.ts, re-exported by commands.ts): Ctrl on
// Windows and Linux, Cmd on macOS, the same accelerators as Electron's menus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandForKey, type CommandId, type KeyPress } from '../../../renderer/src/keys.ts';

const press = (key: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean } = {}): KeyPress => ({
  key,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
  shiftKey: mods.shift ?? false,
});

/** Ctrl and Cmd do the same: each case is checked with both. */
function withMod(key: string, shift = false): [KeyPress, KeyPress] {
  return [press(key, { ctrl: true, shift }), press(key, { meta: true, shift })];
}

test('Ctrl/Cmd + letter: the edit and file commands', () => {
  const table: [string, CommandId][] = [
    ['z', 'undo'],
    ['y', 'redo'],
    ['x', 'cut'],
    ['c', 'copy'],
    ['v', 'paste'],
    ['d', 'duplicate'],
    ['a', 'selectAll'],
    ['s', 'save'],
    ['o', 'open'],
    ['n', 'new'],
    ['e', 'export'],
  ];
  for (const [key, command] of table) {
    for (const e of withMod(key)) assert.equal(commandForKey(e), command, `${e.ctrlKey ? 'Ctrl' : 'Cmd'}+${key}`);
    // Caps Lock gives the capital letter without Shift: the same command.
    for (const e of withMod(key.toUpperCase())) assert.equal(commandForKey(e), command, `Ctrl/Cmd+${key.toUpperCase()} (Caps Lock)`);
  }
});

test('Ctrl/Cmd + Shift: redo, save as, auto-layout', () => {
  // With Shift held, browsers report the capital letter.
  for (const key of ['Z', 'z']) for (const e of withMod(key, true)) assert.equal(commandForKey(e), 'redo', `Ctrl/Cmd+Shift+${key}`);
  for (const key of ['S', 's']) for (const e of withMod(key, true)) assert.equal(commandForKey(e), 'saveAs', `Ctrl/Cmd+Shift+${key}`);
  for (const key of ['L', 'l']) for (const e of withMod(key, true)) assert.equal(commandForKey(e), 'autoLayout', `Ctrl/Cmd+Shift+${key}`);
  assert.equal(commandForKey(press('z', { ctrl: true, meta: true, shift: true })), 'redo');
});

test('Ctrl/Cmd + Shift + another key is no command (not the unshifted one)', () => {
  for (const key of ['Y', 'X', 'C', 'V', 'D', 'A', 'O', 'N', 'Q', 'Enter']) {
    for (const e of withMod(key, true)) assert.equal(commandForKey(e), null, `Ctrl/Cmd+Shift+${key}`);
  }
});

test('F5 runs, Shift+F5 stops', () => {
  assert.equal(commandForKey(press('F5')), 'runStart');
  assert.equal(commandForKey(press('F5', { shift: true })), 'runStop');
  assert.equal(commandForKey(press('F5', { ctrl: true })), 'runStart');
  assert.equal(commandForKey(press('F5', { meta: true, shift: true })), 'runStop');
  assert.equal(commandForKey(press('Enter', { ctrl: true })), 'runStart');
  assert.equal(commandForKey(press('Enter')), null);
  assert.equal(commandForKey(press('F6')), null);
});

test('Delete and Backspace delete the selection', () => {
  assert.equal(commandForKey(press('Delete')), 'delete');
  assert.equal(commandForKey(press('Backspace')), 'delete');
});

test('plain letters, Shift+letters and other keys are no command', () => {
  for (const key of ['z', 'y', 'x', 'c', 'v', 'd', 'a', 's', 'o', 'n', 'l', 'q', '1', ' ', 'Escape', 'Tab', 'ArrowLeft', 'Shift', 'Control', 'Meta']) {
    assert.equal(commandForKey(press(key)), null, `"${key}" alone`);
  }
  for (const key of ['Z', 'Y', 'S', 'L', 'A', 'D', 'V']) assert.equal(commandForKey(press(key, { shift: true })), null, `Shift+${key}`);
  // Ctrl/Cmd with a key that has no shortcut.
  for (const key of ['q', 'b', 'Escape', '1']) for (const e of withMod(key)) assert.equal(commandForKey(e), null, `Ctrl/Cmd+${key}`);
});

test('commands.ts still exports the same mapping', async () => {
  // App.tsx imports commandForKey from commands.ts; check the re-export at run time only (that
  // module's DOM types are outside this project's type check).
  const path = '../../../renderer/src/commands.ts';
  const mod = (await import(path)) as { commandForKey: unknown };
  assert.equal(mod.commandForKey, commandForKey);
});

test('on a non-Latin layout the shortcut follows the physical key', () => {
  assert.equal(commandForKey({ key: 'я', code: 'KeyZ', ctrlKey: true, metaKey: false, shiftKey: false }), 'undo');
  assert.equal(commandForKey({ key: 'с', code: 'KeyC', ctrlKey: true, metaKey: false, shiftKey: false }), 'copy');
  // A Latin layout keeps its letters, wherever they are (AZERTY's Z is at KeyW).
  assert.equal(commandForKey({ key: 'z', code: 'KeyW', ctrlKey: true, metaKey: false, shiftKey: false }), 'undo');
});
