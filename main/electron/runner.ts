// startRunInUtilityProcess: the Electron host's way to start a run. Each run gets its own utility
// process (dist/electron/runner.cjs), so a crash or a stuck backend never takes the app down; so
// does each dry run of custom code (checkCustomCodeInUtilityProcess).
import { join } from 'node:path';
import { utilityProcess } from 'electron';
import type { CodeCheckRequest, RunHandle, RunRequest } from '../../app/runtime/node/start-run.ts';
import type { CodeCheckResult } from '../../nodes/energy-custom/model.ts';
import { checkCodeInChild, startRunInChild, type RunnerChild } from './runner-handle.ts';

export function forkRunner(modulePath: string = join(__dirname, 'runner.cjs')): RunnerChild {
  const child = utilityProcess.fork(modulePath, [], { serviceName: 'EBM Studio training', stdio: 'inherit' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', listener),
    kill: () => void child.kill(),
  };
}

export function startRunInUtilityProcess(request: RunRequest): RunHandle {
  return startRunInChild(request, () => forkRunner());
}

export function checkCustomCodeInUtilityProcess(request: CodeCheckRequest): Promise<CodeCheckResult> {
  return checkCodeInChild(request, () => forkRunner());
}
