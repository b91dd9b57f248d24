// `npm run web`: serves EBM Studio to a browser on 127.0.0.1 (./server.ts) and prints the
// address to open, with its per-launch token. Ctrl-C cancels live runs and stops the server.
import { realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { TRUST_FILE, userDataDir } from '../../app/api/node/trust.ts';
import { createWebHost, type WebHost, type WebHostOptions } from './server.ts';

export interface ServeWebOptions extends Pick<WebHostOptions, 'staticDir' | 'examplesDir' | 'runsDir' | 'token' | 'initialFile' | 'codeTrustStore'> {
  /** Any folder; made absolute here. */
  workspace: string;
  port?: number;
  /** Closes the host on SIGINT and SIGTERM, then exits (default true). */
  handleSignals?: boolean;
  /** Where the address line goes (default stdout) and the notes (default stderr). */
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Starts the web host, prints its address (one line on stdout) and where things go (stderr). */
export async function serveWeb(options: ServeWebOptions): Promise<WebHost> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const workspace = resolve(options.workspace);
  const runsDir = resolve(options.runsDir ?? resolve(workspace, 'runs'));
  // Trusted custom code is remembered where the desktop app and the CLI keep it.
  const codeTrustStore = options.codeTrustStore ?? join(userDataDir(), TRUST_FILE);
  const host = await createWebHost({ ...options, workspace, runsDir, codeTrustStore, port: options.port ?? 0 });
  out(`EBM Studio: ${host.url}`);
  err(`workspace: ${workspace} (files open and save inside it)`);
  err(`runs go to: ${runsDir}`);
  if (options.initialFile) err(`opening: ${options.initialFile}`);
  err('Ctrl-C stops the server (live runs are cancelled).');

  if (options.handleSignals !== false) {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        err('stopping now');
        process.exit(1);
      }
      stopping = true;
      err(`${signal}: cancelling live runs and closing…`);
      host.close().then(
        () => process.exit(0),
        (e: unknown) => {
          err(`could not close cleanly: ${e instanceof Error ? e.message : String(e)}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return host;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one).');
  return n;
}

/** Runs the command line; returns the host once it listens (or exits with 2 on a usage error). */
export async function main(argv: string[] = process.argv): Promise<WebHost> {
  const program = new Command()
    .name('ebm-studio-web')
    .description('Serve EBM Studio to a browser on 127.0.0.1')
    .option('--workspace <dir>', 'the folder files open and save in (runs go to its runs/)', process.cwd())
    .option('--port <n>', 'the port (0 picks a free one)', parsePort, 0)
    .showHelpAfterError(false)
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2))
    .parse(argv);
  const opts = program.opts<{ workspace: string; port: number }>();
  const workspace = resolve(opts.workspace);
  let isFolder = false;
  try {
    isFolder = statSync(workspace).isDirectory();
  } catch {
    console.error(`ebm-studio-web: the workspace ${workspace} does not exist`);
    process.exit(2);
  }
  if (!isFolder) {
    console.error(`ebm-studio-web: the workspace ${workspace} is not a folder`);
    process.exit(2);
  }
  try {
    return await serveWeb({ workspace, port: opts.port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    console.error(`ebm-studio-web: could not start: ${code === 'EADDRINUSE' ? `port ${opts.port} is in use` : e instanceof Error ? e.message : String(e)}`);
    process.exit(code === 'EADDRINUSE' ? 2 : 1);
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();
