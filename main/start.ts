// `npm start [file]`: the desktop app where Electron can run, else the web host in a browser.
// Electron needs its binary (downloaded on first use; `npm install` may have skipped it) and,
// on Linux, a display. When either is missing this says which, and serves the web host instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveWeb } from './web/cli.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const INSTALL_TIMEOUT_MS = 120_000;
const require = createRequire(import.meta.url);

/** The electron binary's path, or why there is none. */
function electronBinary(): { path: string } | { reason: string } {
  try {
    // Re-read after an install: the package computes its path when loaded.
    delete require.cache[require.resolve('electron')];
    const path: unknown = require('electron');
    if (typeof path !== 'string') return { reason: 'the electron package did not give a binary path' };
    if (!existsSync(path)) return { reason: `its binary is missing (${path})` };
    return { path };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && message.includes("'electron'")) return { reason: 'the electron package is not installed' };
    return { reason: 'its binary is not installed' };
  }
}

/** Tries once to download the binary (Electron's own install script); says why it failed. */
function installElectron(): string | null {
  let script: string;
  try {
    script = join(require.resolve('electron/package.json').slice(0, -'package.json'.length), 'install.js');
  } catch {
    return 'the electron package is not installed';
  }
  process.stderr.write('Electron’s binary is not installed; trying to download it once…\n');
  const r = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timed out after ${INSTALL_TIMEOUT_MS / 1000} s` : r.error.message;
  if (r.status !== 0) return firstLine(`${r.stderr}\n${r.stdout}`) ?? `the installer exited with code ${r.status}`;
  return null;
}

/** Why Electron cannot run here, or the binary when it can. */
function electronCheck(): { path: string } | { reason: string } {
  let found = electronBinary();
  const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  const displayReason = 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  // Without a display there is no point downloading the binary (about 100 MB) now.
  if (noDisplay) return { reason: 'reason' in found ? `${displayReason}, and ${found.reason}` : displayReason };
  if ('reason' in found && found.reason !== 'the electron package is not installed') {
    const failure = installElectron();
    const again = electronBinary();
    found = 'path' in again ? again : { reason: `${found.reason} (download failed: ${failure ?? 'the installer left no binary'})` };
  }
  return found;
}

function firstLine(text: string): string | null {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return line ? line.slice(0, 200) : null;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const check = electronCheck();

  if ('path' in check) {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-electron.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) {
      process.stderr.write(`Building the Electron main process failed (${build.error?.message ?? `exit code ${build.status}`}).\n`);
      process.exit(build.status ?? 1);
    }
    const args = [join(ROOT, 'dist', 'electron', 'main.cjs'), ...(file ? [resolve(file)] : [])];
    const child = spawn(check.path, args, { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (e) => {
      process.stderr.write(`Electron could not start: ${e.message}\n`);
      process.exit(1);
    });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    return;
  }

  process.stdout.write(`Electron cannot run here: ${check.reason}. Serving the web host instead.\n`);
  const workspace = process.cwd();
  let initialFile: string | null = null;
  if (file) {
    const rel = relative(workspace, resolve(file));
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
      process.stderr.write(`${file} is outside the workspace ${workspace}, so the web host cannot open it; start from its folder instead.\n`);
    else initialFile = rel.split(sep).join('/');
  }
  await serveWeb({ workspace, initialFile });
}

await main();
