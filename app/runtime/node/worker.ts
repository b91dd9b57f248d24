// The training thread: compiles the document it is handed, picks the backend, runs, writes the
// run folder, and posts every event to the thread that started it. Training never runs on the
// caller's thread (DESIGN.md §8).
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { compile } from '../../compile/compile.ts';
import { error, formatDiagnostic } from '../../diagnostics.ts';
import { catalog } from '../../../nodes/catalog.ts';
import type { RunEvent } from '../events.ts';
import { runPlan } from '../train.ts';
import { selectBackend } from './backend.ts';
import { RunFolder } from './run-folder.ts';
import type { WorkerInput } from './start-run.ts';

const input = workerData as WorkerInput;
if (input.background) {
  try {
    setPriority(constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not allowed here (some sandboxes): train at normal priority.
  }
}
const cancelFlag = new Int32Array(input.cancel);
const post = (event: RunEvent) => parentPort!.postMessage(event);

async function main(): Promise<void> {
  const { plan, diagnostics } = compile(input.document, catalog);
  if (!plan) {
    const first = diagnostics.find((d) => d.severity === 'error')!;
    post({ type: 'failed', diagnostic: { ...first, message: diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n') } });
    return;
  }
  let backend;
  try {
    backend = await selectBackend(input.backend);
  } catch (e) {
    post({ type: 'failed', diagnostic: error('BACKEND_UNAVAILABLE', e instanceof Error ? e.message : String(e)) });
    return;
  }
  let folder: RunFolder | null = null;
  try {
    folder = input.outDir ? new RunFolder(input.outDir, input.document) : null;
  } catch (e) {
    post({ type: 'failed', diagnostic: error('RUN_FOLDER', e instanceof Error ? e.message : String(e)) });
    return;
  }
  await runPlan(plan, {
    backend: backend.name,
    backendNotes: backend.notes,
    runId: input.runId,
    ...(input.steps !== undefined ? { steps: input.steps } : {}),
    ...(input.outDir ? { outDir: input.outDir } : {}),
    shouldStop: () => Atomics.load(cancelFlag, 0) !== 0,
    emit: (event) => {
      try {
        folder?.onEvent(event);
      } catch (e) {
        post({ type: 'failed', diagnostic: error('RUN_FOLDER_WRITE', `could not write the run folder ${input.outDir}: ${e instanceof Error ? e.message : String(e)}`) });
      }
      post(event);
    },
  });
}

main().catch((e) => post({ type: 'failed', diagnostic: error('RUN_CRASHED', `the training thread failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`) }));
