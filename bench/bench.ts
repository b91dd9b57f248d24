// npm run bench -- [--backend auto|tensorflow|wasm|cpu] [--steps N] [--rounds R] [--warmup W]
//                  [--seed S] [--unfixed] [--no-torch] [--shared DIR] [--json]
//
// Steps per second of the reference workload (shared/bench/ref_torch.py: PCD with a replay buffer on
// 8 gaussians) for several contenders side by side in one process: each is created and warmed up,
// then they take turns, N steps each, for R rounds; the table gives each one's median and its ratio
// to the hand-written tfjs loop. Contenders:
//   hand-written tfjs           bench/handwritten.ts, on the selected backend
//   hand-written, unfixed       the same with tfjs's own wasm kernels, none of app/runtime/wasm-kernels.ts's
//                               fixes (--unfixed, wasm only)
//   graph runtime               bench/reference-workload.ebm.json run by the training runtime
//   pytorch                     ref_torch.py in Debian's python3-torch, one subprocess per round
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendPreference } from '../app/runtime/node/backend.ts';
import { BACKENDS, type BackendName } from '../app/runtime/events.ts';
import { compile } from '../app/compile/compile.ts';
import { parseGraph } from '../app/graph/parse.ts';
import { TrainingSession } from '../app/runtime/train.ts';
import { catalog } from '../nodes/catalog.ts';
import { installWasmKernelFixes, installedWasmKernelFixes, uninstallWasmKernelFixes } from '../app/runtime/wasm-kernels.ts';
import { createHandwrittenLoop, type Loop } from './handwritten.ts';

/** A training loop the benchmark can time: created once, then stepped. */
export interface Contender {
  name: string;
  createLoop(seed: number): Promise<{ step(): Promise<number>; dispose(): void }>;
}

/**
 * The graph runtime: bench/reference-workload.ebm.json compiled and built by the same code as a
 * run (TrainingSession), stepped one training step at a time, events included.
 */
async function graphRuntimeContender(): Promise<Contender> {
  const file = resolve(dirname(fileURLToPath(import.meta.url)), 'reference-workload.ebm.json');
  const { document, diagnostics } = parseGraph(readFileSync(file, 'utf8'));
  if (!document) throw new Error(`${file}: ${diagnostics.map((d) => d.message).join('; ')}`);
  return {
    name: 'graph runtime',
    async createLoop(seed) {
      const { plan, diagnostics: problems } = compile({ ...document, seed }, catalog);
      if (!plan) throw new Error(`${file}: ${problems.map((d) => d.message).join('; ')}`);
      const session = TrainingSession.create(plan, { backend: tf.getBackend() as BackendName, runId: 'bench', emit: () => {} });
      return {
        async step() {
          await session.advance();
          return session.lastMetrics.loss ?? NaN;
        },
        dispose: () => session.dispose(),
      };
    },
  };
}

const handwritten: Contender = {
  name: 'hand-written tfjs',
  createLoop: async (seed) => createHandwrittenLoop(seed),
};

/** The hand-written loop with tfjs's own wasm kernels, to show what our fixes buy. */
const handwrittenUnfixed: Contender = {
  name: 'hand-written, unfixed kernels',
  async createLoop(seed) {
    const loop = createHandwrittenLoop(seed);
    return {
      async step() {
        const fixes = installedWasmKernelFixes();
        uninstallWasmKernelFixes(fixes);
        try {
          return await loop.step();
        } finally {
          installWasmKernelFixes(fixes);
        }
      },
      dispose: () => loop.dispose(),
    };
  },
};

interface RoundResult {
  stepsPerSecond: number;
  /** Steps per second of this process's CPU time (in-process contenders only): steadier than wall
   *  time when other work shares the machine, and equal to it when nothing does. */
  cpuStepsPerSecond?: number;
  loss: number;
}

/** Anything that can run a timed round: an in-process loop, or a subprocess. */
interface Runner {
  name: string;
  round(steps: number): Promise<RoundResult>;
  dispose(): void;
}

async function inProcess(contender: Contender, seed: number, warmup: number): Promise<Runner> {
  const loop: Loop = await contender.createLoop(seed);
  for (let i = 0; i < warmup; i++) await loop.step();
  return {
    name: contender.name,
    async round(steps) {
      let loss = NaN;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) loss = await loop.step();
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      return { stepsPerSecond: (steps * 1000) / wallMs, cpuStepsPerSecond: (steps * 1e6) / (cpu.user + cpu.system), loss };
    },
    dispose: () => loop.dispose(),
  };
}

const PYTHON = '/usr/bin/python3';

/** One thread for the peer too: torch's own pool, and OpenBLAS's (Debian's torch links the system BLAS). */
const SINGLE_THREAD_ENV = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function run(file: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { maxBuffer: 1 << 20, env: SINGLE_THREAD_ENV }, (error, stdout, stderr) =>
      done({ ok: error === null, stdout: String(stdout), stderr: String(stderr || (error?.message ?? '')) }),
    );
  });
}

// Which BLAS torch ended up with matters more than anything else: Debian's torch uses whatever
// libblas.so.3 points to, and the reference BLAS is ~10x slower on these matMuls than OpenBLAS.
const PROBE = [
  'import torch',
  "maps = open('/proc/self/maps').read()",
  "blas = 'openblas' if 'openblas' in maps else 'reference BLAS' if '/blas/libblas' in maps else 'blas?'",
  "print(torch.__version__ + ' ' + blas)",
].join('\n');

const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';

/** PyTorch's reference, or why it is left out. */
async function pytorch(sharedDir: string, seed: number, warmup: number): Promise<Runner | string> {
  const script = resolve(sharedDir, 'bench/ref_torch.py');
  if (!existsSync(script)) return `${script} not found`;
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = await run(PYTHON, ['-c', PROBE]);
  if (!probe.ok) return `torch does not import in ${PYTHON} (${lastLine(probe.stderr)}); apt-get install python3-torch`;
  const [version, ...blas] = lastLine(probe.stdout).split(' ');
  return {
    name: `pytorch ${version} (1 thread, ${blas.join(' ')})`,
    async round(steps) {
      const args = [script, '--steps', String(steps), '--warmup', String(warmup), '--threads', '1', '--seed', String(seed), '--json'];
      const r = await run(PYTHON, args);
      if (!r.ok) throw new Error(`ref_torch.py failed: ${lastLine(r.stderr)}`);
      const out = JSON.parse(lastLine(r.stdout)) as { steps_per_s: number; final_loss: number };
      return { stepsPerSecond: out.steps_per_s, loss: out.final_loss };
    },
    dispose() {},
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      steps: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      unfixed: { type: 'boolean', default: false },
      'no-torch': { type: 'boolean', default: false },
      shared: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const preference = values.backend as BackendPreference;
  if (preference !== 'auto' && !(BACKENDS as readonly string[]).includes(preference)) {
    throw new Error(`--backend must be auto or one of ${BACKENDS.join(', ')}, got ${preference}`);
  }
  const seed = positiveInt('seed', values.seed, 0);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const sharedDir = values.shared ? resolve(values.shared) : resolve(repoRoot, '../shared');
  const log = values.json ? () => {} : (line: string) => console.log(line);

  const choice = await selectBackend(preference);
  // Defaults that finish in a few minutes on 2 cores: the cpu backend is ~20x slower than wasm.
  const slow = choice.name === 'cpu';
  const steps = Math.max(1, positiveInt('steps', values.steps, slow ? 3 : 20));
  const rounds = Math.max(1, positiveInt('rounds', values.rounds, 5));
  const warmup = positiveInt('warmup', values.warmup, slow ? 1 : 5);
  const kernelFixes = choice.name === 'wasm' ? installedWasmKernelFixes() : [];
  const fixesNote = choice.name === 'wasm' ? `, wasm kernel fixes: ${kernelFixes.join(', ') || 'none'}` : '';
  log(`backend: ${choice.name} (tfjs-core ${tf.version_core}${fixesNote})`);
  for (const note of choice.notes) log(`  ${note}`);
  log(`${rounds} rounds of ${steps} steps per contender, after ${warmup} warm-up steps; seed ${seed}`);

  const skipped: { name: string; reason: string }[] = [];
  const contenders: Contender[] = [handwritten];
  if (values.unfixed) {
    if (choice.name === 'wasm') contenders.push(handwrittenUnfixed);
    else skipped.push({ name: handwrittenUnfixed.name, reason: `--unfixed applies to the wasm backend, not ${choice.name}` });
  }
  contenders.push(await graphRuntimeContender());

  const runners: Runner[] = [];
  for (const c of contenders) runners.push(await inProcess(c, seed, warmup));
  if (values['no-torch']) skipped.push({ name: 'pytorch', reason: '--no-torch' });
  else {
    const torch = await pytorch(sharedDir, seed, Math.max(warmup, 3));
    if (typeof torch === 'string') skipped.push({ name: 'pytorch', reason: torch });
    else runners.push(torch);
  }
  for (const s of skipped) log(`  left out: ${s.name}: ${s.reason}`);

  const samples = runners.map(() => [] as number[]);
  const cpuSamples = runners.map(() => [] as number[]);
  const losses = runners.map(() => NaN);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < runners.length; i++) {
      const res = await runners[i]!.round(steps);
      samples[i]!.push(res.stepsPerSecond);
      if (res.cpuStepsPerSecond !== undefined) cpuSamples[i]!.push(res.cpuStepsPerSecond);
      losses[i] = res.loss;
    }
    log(`  round ${r + 1}/${rounds}: ${runners.map((x, i) => `${x.name} ${samples[i]!.at(-1)!.toFixed(2)}`).join(', ')}`);
  }
  runners.forEach((x) => x.dispose());

  const base = median(samples[0]!);
  const results = runners.map((x, i) => ({
    name: x.name,
    stepsPerSecond: median(samples[i]!),
    ratio: median(samples[i]!) / base,
    rounds: samples[i]!,
    cpuStepsPerSecond: cpuSamples[i]!.length ? median(cpuSamples[i]!) : null,
    finalLoss: losses[i]!,
  }));

  if (values.json) {
    console.log(
      JSON.stringify({
        backend: choice.name,
        backendNotes: choice.notes,
        tfjs: tf.version_core,
        wasmKernelFixes: kernelFixes,
        steps,
        rounds,
        warmup,
        seed,
        results,
        skipped,
      }),
    );
    return;
  }
  const w = Math.max(...results.map((r) => r.name.length), 9);
  console.log('');
  console.log(`${'contender'.padEnd(w)}  steps/s  vs hand-written  per CPU-s  final loss  rounds (steps/s)`);
  for (const r of results) {
    const cpu = r.cpuStepsPerSecond === null ? '-' : r.cpuStepsPerSecond.toFixed(2);
    console.log(
      [
        r.name.padEnd(w),
        r.stepsPerSecond.toFixed(2).padStart(7),
        `${r.ratio.toFixed(2)}x`.padStart(15),
        cpu.padStart(9),
        r.finalLoss.toFixed(4).padStart(10),
        r.rounds.map((v) => v.toFixed(1)).join(' '),
      ].join('  '),
    );
  }
  console.log('steps/s: median over rounds of wall-clock rate; per CPU-s: the same per second of this process\'s CPU time.');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
