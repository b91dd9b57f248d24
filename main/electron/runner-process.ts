// Entry of the training utility process (bundled to dist/electron/runner.cjs). Training never runs
// in Electron's main process (DESIGN §8): the main process forks this, and this runs startRun.
import type { ParentPort } from 'electron';
import { checkCustomCodeInWorker, startRun } from '../../app/runtime/node/start-run.ts';
import { serveRunner } from './runner-serve.ts';

const port: ParentPort | undefined = process.parentPort;
if (!port) {
  console.error('runner.cjs runs as an Electron utility process (utilityProcess.fork), not on its own');
  process.exit(1);
}
serveRunner(port, startRun, checkCustomCodeInWorker);
