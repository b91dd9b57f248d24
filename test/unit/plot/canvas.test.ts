// The figures draw on a Canvas2D. The PNG writer passes @napi-rs/canvas's context (checked by
// tsc on app/plot/node/png.ts); the app will pass the browser's. This compiles a file against
// TypeScript's DOM library to check that the browser's contexts fit the interface too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const canvasTs = fileURLToPath(new URL('../../../app/plot/canvas.ts', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

test("the browser's CanvasRenderingContext2D satisfies Canvas2D", () => {
  const dir = mkdtempSync(join(tmpdir(), 'canvas2d-'));
  try {
    const file = join(dir, 'check.ts');
    writeFileSync(
      file,
      [
        `import type { Canvas2D } from ${JSON.stringify(canvasTs)};`,
        'declare const onscreen: CanvasRenderingContext2D;',
        'declare const offscreen: OffscreenCanvasRenderingContext2D;',
        'export const a: Canvas2D = onscreen;',
        'export const b: Canvas2D = offscreen;',
        '// The check has teeth: a context without putImageData does not fit.',
        "declare const partial: Omit<CanvasRenderingContext2D, 'putImageData'>;",
        '// @ts-expect-error missing putImageData',
        'export const c: Canvas2D = partial;',
        '',
      ].join('\n'),
    );
    const r = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--lib', 'ES2023,DOM', '--target', 'ES2022', '--module', 'preserve', '--moduleResolution', 'bundler', '--allowImportingTsExtensions', '--skipLibCheck', file],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
