// The native menus: every command the renderer carries out is reachable, shortcuts are there and
// do not collide, DevTools only in dev, recent files listed and openable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import { MENU_COMMANDS, MenuCommandSchema, type MenuCommand } from '../../../app/api/contract.ts';
import { menuTemplate, type MenuOptions } from '../../../main/electron/menu.ts';

const PLATFORMS = ['darwin', 'linux', 'win32'] as const;

function flatten(items: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu as MenuItemConstructorOptions[]) : [])]);
}

function build(overrides: Partial<MenuOptions> = {}) {
  const sent: MenuCommand[] = [];
  let cleared = 0;
  const template = menuTemplate({
    platform: 'linux',
    recentFiles: [],
    isDev: false,
    send: (c) => sent.push(c),
    clearRecent: () => cleared++,
    ...overrides,
  });
  const items = flatten(template);
  const click = (i: MenuItemConstructorOptions) => (i.click as () => void)();
  return { template, items, sent, click, cleared: () => cleared };
}

/** The key combination an accelerator means on a platform, so that equal shortcuts compare equal. */
function normalize(accelerator: string, platform: string): string {
  const parts = accelerator.split('+').map((p) => p.toLowerCase());
  const key = parts.pop()!;
  const mods = parts.map((m) => (m === 'cmdorctrl' || m === 'commandorcontrol' ? (platform === 'darwin' ? 'cmd' : 'ctrl') : m === 'command' ? 'cmd' : m === 'control' ? 'ctrl' : m === 'option' ? 'alt' : m));
  return [...new Set(mods)].sort().concat(key).join('+');
}

/** Electron's default shortcuts of the roles the menus use. */
const ROLE_ACCELERATORS: Record<string, Record<string, string>> = {
  darwin: { close: 'Cmd+W', quit: 'Cmd+Q', hide: 'Cmd+H', hideOthers: 'Alt+Cmd+H', resetZoom: 'Cmd+0', zoomIn: 'Cmd+Plus', zoomOut: 'Cmd+-', togglefullscreen: 'Ctrl+Cmd+F', toggleDevTools: 'Alt+Cmd+I', minimize: 'Cmd+M' },
  linux: { quit: 'Ctrl+Q', resetZoom: 'Ctrl+0', zoomIn: 'Ctrl+Plus', zoomOut: 'Ctrl+-', togglefullscreen: 'F11', toggleDevTools: 'Ctrl+Shift+I' },
  win32: { resetZoom: 'Ctrl+0', zoomIn: 'Ctrl+Plus', zoomOut: 'Ctrl+-', togglefullscreen: 'F11', toggleDevTools: 'Ctrl+Shift+I' },
};

const EXPECTED_SHORTCUTS: Record<string, string> = {
  new: 'CmdOrCtrl+N',
  open: 'CmdOrCtrl+O',
  save: 'CmdOrCtrl+S',
  saveAs: 'CmdOrCtrl+Shift+S',
  export: 'CmdOrCtrl+E',
  undo: 'CmdOrCtrl+Z',
  cut: 'CmdOrCtrl+X',
  copy: 'CmdOrCtrl+C',
  paste: 'CmdOrCtrl+V',
  duplicate: 'CmdOrCtrl+D',
  selectAll: 'CmdOrCtrl+A',
  runStart: 'F5',
  runStop: 'Shift+F5',
  autoLayout: 'CmdOrCtrl+Shift+L',
};

for (const platform of PLATFORMS) {
  test(`${platform}: every menu command is reachable, and the items send nothing else`, () => {
    const { items, sent, click } = build({ platform, recentFiles: ['/a/x.ebm.json'] });
    for (const i of items) if (i.click) click(i);
    for (const c of sent) assert.ok(MenuCommandSchema.safeParse(c).success, `${JSON.stringify(c)} is a MenuCommand`);
    const plain = new Set(sent.filter((c) => c.command !== 'openPath').map((c) => c.command));
    assert.deepEqual([...plain].sort(), [...MENU_COMMANDS].sort());
  });

  test(`${platform}: the shortcuts are on their commands`, () => {
    const { items, sent, click } = build({ platform });
    const byCommand = new Map<string, string[]>();
    for (const i of items) {
      if (!i.click || !i.accelerator) continue;
      sent.length = 0;
      click(i);
      const c = sent[0]!.command;
      byCommand.set(c, [...(byCommand.get(c) ?? []), i.accelerator]);
    }
    for (const [command, accelerator] of Object.entries(EXPECTED_SHORTCUTS)) assert.ok(byCommand.get(command)?.includes(accelerator), `${command}: ${accelerator}`);
    assert.ok(byCommand.get('redo')?.includes('CmdOrCtrl+Shift+Z'));
    assert.equal(byCommand.get('redo')?.includes('Ctrl+Y'), platform !== 'darwin', 'Ctrl+Y redoes on Windows and Linux');
  });

  test(`${platform}: no two items (or roles) answer the same shortcut`, () => {
    for (const isDev of [false, true]) {
      const { items } = build({ platform, isDev, recentFiles: ['/a/x.ebm.json'] });
      const seen = new Map<string, string>();
      for (const i of items) {
        const accelerator = typeof i.accelerator === 'string' && i.registerAccelerator !== false ? i.accelerator : i.role ? ROLE_ACCELERATORS[platform]![i.role] : undefined;
        if (!accelerator) continue;
        const key = normalize(accelerator, platform);
        const what = i.label ?? i.role ?? '?';
        assert.ok(!seen.has(key), `${accelerator} is on both ${seen.get(key)} and ${what}`);
        seen.set(key, what);
      }
      assert.ok(seen.size >= Object.keys(EXPECTED_SHORTCUTS).length);
    }
  });

  test(`${platform}: Toggle Developer Tools only in dev`, () => {
    const has = (isDev: boolean) => build({ platform, isDev }).items.some((i) => i.role === 'toggleDevTools' || /devtools|developer/i.test(i.label ?? ''));
    assert.equal(has(false), false);
    assert.equal(has(true), true);
  });

  test(`${platform}: Open Recent lists the files, opens them, and clears`, () => {
    const files = ['/home/u/a.ebm.json', '/home/u/R&D/b.ebm.json'];
    const { items, sent, click, cleared } = build({ platform, recentFiles: files });
    const recent = items.find((i) => i.label === 'Open Recent');
    const entries = (recent?.submenu as MenuItemConstructorOptions[]).filter((i) => i.type !== 'separator');
    const labels = platform === 'win32' ? files.map((f) => f.replaceAll('&', '&&')) : files;
    assert.deepEqual(entries.slice(0, 2).map((i) => i.label), labels);
    click(entries[1]!);
    assert.deepEqual(sent, [{ command: 'openPath', path: files[1] }]);
    const clear = entries.at(-1)!;
    assert.match(clear.label!, /clear/i);
    assert.equal(clear.enabled, true);
    click(clear);
    assert.equal(cleared(), 1);
    assert.equal(sent.length, 1, 'Clear sends no command');
    const empty = build({ platform }).items.find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
    assert.equal(empty.length, 1);
    assert.equal(empty[0]!.enabled, false);
  });
}

test('the top-level menus, and the macOS app menu', () => {
  const labels = (platform: string) => build({ platform: platform as NodeJS.Platform }).template.map((m) => (m.label ?? m.role ?? '').replace('&', ''));
  assert.deepEqual(labels('linux'), ['File', 'Edit', 'Run', 'View', 'Help']);
  assert.deepEqual(labels('win32'), ['File', 'Edit', 'Run', 'View', 'Help']);
  assert.deepEqual(labels('darwin'), ['EBM Studio', 'File', 'Edit', 'Run', 'View', 'windowMenu', 'Help']);
  const mac = build({ platform: 'darwin' });
  const appMenu = mac.template[0]!.submenu as MenuItemConstructorOptions[];
  assert.ok(appMenu.some((i) => i.role === 'about') && appMenu.some((i) => i.role === 'quit'));
  assert.ok(flatten([mac.template[1]!]).some((i) => i.role === 'close'), 'macOS File closes the window');
  const linux = build({ platform: 'linux' });
  assert.ok(flatten([linux.template[0]!]).some((i) => i.role === 'quit'), 'File > Quit elsewhere');
  assert.ok(flatten([linux.template.at(-1)!]).some((i) => i.role === 'about'), 'Help > About elsewhere');
  for (const role of ['resetZoom', 'zoomIn', 'zoomOut']) assert.ok(linux.items.some((i) => i.role === role), role);
});
