// Runs an example graph as the CLI does (worker thread, run folder) and returns what it left.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGraph } from '../../app/graph/parse.ts';
import type { SamplesSnapshot, Summary } from '../../app/runtime/events.ts';
import { startRun } from '../../app/runtime/node/start-run.ts';

export interface ExampleRun {
  summary: Summary;
  outDir: string;
  rows: Record<string, number>[];
  /** The last samples snapshot (a 2D monitor's; MCMC monitors' trace snapshots are left out). */
  lastSnapshot: SamplesSnapshot | undefined;
}

export async function runExample(name: string): Promise<ExampleRun> {
  const { document, diagnostics } = parseGraph(readFileSync(`examples/${name}.ebm.json`, 'utf8'));
  if (!document || diagnostics.length) throw new Error(`examples/${name}.ebm.json: ${JSON.stringify(diagnostics)}`);
  const outDir = join(mkdtempSync(join(tmpdir(), `ebm-${name}-`)), 'run');
  const handle = startRun({ document, outDir });
  let lastSnapshot: SamplesSnapshot | undefined;
  for await (const e of handle.events) if (e.type === 'snapshot' && e.snapshot.kind !== 'trace') lastSnapshot = e.snapshot;
  const { summary, failure } = await handle.done;
  if (!summary || failure) throw new Error(`examples/${name} failed: ${failure?.diagnostic.message}`);
  const rows = readFileSync(join(outDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  console.log(`examples/${name}: ${summary.steps} steps in ${summary.seconds.toFixed(1)} s on ${summary.backend}; final ${JSON.stringify(summary.final)}`);
  return { summary, outDir, rows, lastSnapshot };
}
