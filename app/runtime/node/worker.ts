// The training thread: compiles the document it is handed, picks the backend, runs, writes the
// run folder, and posts every event to the thread that started it. Training never runs on the
// caller's thread (DESIGN.md §8). The same thread, started with kind 'check', dry-runs custom
// energy code for the editor. Custom code runs only here, in an SES compartment, after this
// thread's realm is locked down (lockdown.ts); every call into it reports a deadline that the
// starting thread polls (start-run.ts).
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { compile } from '../../compile/compile.ts';
import { error, formatDiagnostic } from '../../diagnostics.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { checkCode } from '../../../nodes/energy-custom/model.ts';
import { CUSTOM_ENERGY_TYPE } from '../../../nodes/energy-custom/node.ts';
import { setCallWatch } from '../../../nodes/energy-custom/sandbox.ts';
import type { RunEvent } from '../events.ts';
import { runPlan } from '../train.ts';
import { selectBackend } from './backend.ts';
import { lockdownRealm } from './lockdown.ts';
import { RunFolder } from './run-folder.ts';
import { WATCH_KINDS, type CheckMessage, type WorkerInput } from './start-run.ts';

const input = workerData as WorkerInput;

/** Reports every call into custom code to the starting thread: its deadline, node, kind, limit. */
function watchCalls(buffer: SharedArrayBuffer, nodeIndex: (nodeId: string) => number): void {
  const words = new BigInt64Array(buffer);
  setCallWatch({
    enter(call) {
      const limit = Math.round(call.limitMs);
      Atomics.store(words, 1, BigInt(nodeIndex(call.nodeId)));
      Atomics.store(words, 2, BigInt(WATCH_KINDS.indexOf(call.kind)));
      Atomics.store(words, 3, BigInt(limit));
      Atomics.store(words, 0, BigInt(Date.now() + limit));
    },
    leave() {
      Atomics.store(words, 0, 0n);
    },
  });
}

if (input.kind === 'check') {
  checkMain().catch((e) => {
    const message: CheckMessage = {
      type: 'checked',
      result: {
        ok: false,
        diagnostics: [{ code: 'CODE_CHECK_FAILED', severity: 'error', message: `the code could not be checked: ${e instanceof Error ? e.message : String(e)}`, line: 1, column: 1 }],
        params: [],
        secondOrder: { ok: false, problems: [] },
      },
    };
    parentPort!.postMessage(message);
  });
} else {
  trainMain(input).catch((e) => post({ type: 'failed', diagnostic: error('RUN_CRASHED', `the training thread failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`) }));
}

async function checkMain(): Promise<void> {
  if (input.kind !== 'check') return;
  // The backend training would use: the code is checked on the kernels it will run on.
  await selectBackend('auto');
  await lockdownRealm();
  watchCalls(input.watch, () => -1);
  const message: CheckMessage = { type: 'checked', result: checkCode(input.code, input.inputDim, input.limitMs) };
  parentPort!.postMessage(message);
}

function post(event: RunEvent): void {
  parentPort!.postMessage(event);
}

async function trainMain(input: WorkerInput & { kind: 'run' }): Promise<void> {
  if (input.background) {
    try {
      setPriority(constants.priority.PRIORITY_BELOW_NORMAL);
    } catch {
      // Not allowed here (some sandboxes): train at normal priority.
    }
  }
  const cancelFlag = new Int32Array(input.cancel);
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
  if (plan.nodes.some((n) => n.def.type === CUSTOM_ENERGY_TYPE)) {
    try {
      await lockdownRealm();
    } catch (e) {
      post({ type: 'failed', diagnostic: error('SANDBOX_UNAVAILABLE', `the sandbox for custom code could not be set up: ${e instanceof Error ? e.message : String(e)}`) });
      return;
    }
    const ids = input.document.nodes.map((n) => n.id);
    watchCalls(input.watch, (id) => ids.indexOf(id));
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

