// The run folder: everything a run leaves behind, written from its events as they come, so a run
// that fails or is cancelled keeps all it did up to then.
//   graph.ebm.json   the graph as run (after --set and --seed)
//   metrics.jsonl    one line per log step: {"step": N, "loss": …, …}
//   snapshots.jsonl  each monitor snapshot: a 2D monitor's energy grid, samples and held-out data;
//                    an MCMC monitor's energy traces ("kind": "trace")
//   samples.csv      the final samples of the sampler, one point per line (samples-<trainer>.csv
//                    when the graph has several trainers)
//   run.json         what the run is: id, title, start time, backend, step count, the plots asked for
//   summary.json     status, final metrics, recovered vs known answers, error
//   loss.png, samples.png, trace.png   the pictures (one samples picture per 2D monitor, one
//                    energy-traces picture per MCMC monitor), each carrying the graph as run
//                    (app/graph/png-text.ts), so that opening one reopens the experiment
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphDocument } from '../../graph/document.ts';
import { serializeGraph } from '../../graph/serialize.ts';
import { lossPng, samplesPng, tracePng } from '../../plot/node/png.ts';
import { chainsLabel } from '../../plot/trace.ts';
import type { MetricsRow } from '../../plot/curves.ts';
import { z } from 'zod';
import { BackendNameSchema, PlotRequestSchema, type PlotRequest, type RunEvent, type Snapshot, type Summary } from '../events.ts';

export const RUN_INFO_FILE = 'run.json';
/** run.json: written when the run starts, so a run that never finishes can still be listed and replotted. */
export const RunInfoSchema = z.object({
  runId: z.string(),
  title: z.string(),
  startedAt: z.string(),
  backend: BackendNameSchema,
  totalSteps: z.number().int(),
  plots: z.array(PlotRequestSchema),
});
export type RunInfo = z.infer<typeof RunInfoSchema>;

export class RunFolder {
  private readonly rows: MetricsRow[] = [];
  private readonly lastSnapshot = new Map<string, Snapshot>();
  private readonly samplesFiles = new Map<string, string>();
  private plots: PlotRequest[] = [];
  private entropy: number | undefined;

  constructor(
    readonly dir: string,
    private readonly document: GraphDocument,
  ) {
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`the run folder ${dir} exists and is not empty; nothing was overwritten`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'graph.ebm.json'), serializeGraph(document));
    writeFileSync(join(dir, 'metrics.jsonl'), '');
  }

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'started': {
        this.plots = event.plots;
        const info: RunInfo = {
          runId: event.runId,
          title: this.document.metadata.title,
          startedAt: new Date().toISOString(),
          backend: event.backend,
          totalSteps: event.totalSteps,
          plots: event.plots,
        };
        writeFileSync(join(this.dir, RUN_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      case 'progress': {
        const row = { step: event.step, ...event.metrics };
        this.rows.push(row);
        appendFileSync(join(this.dir, 'metrics.jsonl'), `${JSON.stringify(row)}\n`);
        return;
      }
      case 'samples': {
        const header = Array.from({ length: event.dim }, (_, i) => `x${i + 1}`).join(',');
        const lines = [header];
        for (let i = 0; i < event.values.length; i += event.dim) lines.push(event.values.slice(i, i + event.dim).join(','));
        this.samplesFiles.set(event.trainerId, `${lines.join('\n')}\n`);
        return;
      }
      case 'snapshot':
        this.lastSnapshot.set(event.snapshot.nodeId, event.snapshot);
        appendFileSync(join(this.dir, 'snapshots.jsonl'), `${JSON.stringify(event.snapshot)}\n`);
        return;
      case 'finished':
        this.finish(event.summary);
        return;
      case 'failed':
        if (event.summary) this.finish(event.summary);
        return;
    }
  }

  private finish(summary: Summary): void {
    const entropies = Object.values(summary.truth).flatMap((t) => (typeof t.entropy === 'number' ? [t.entropy] : []));
    this.entropy = entropies.length === 1 ? entropies[0] : undefined;
    writeFileSync(join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    for (const [trainer, csv] of this.samplesFiles)
      writeFileSync(join(this.dir, this.samplesFiles.size === 1 ? 'samples.csv' : `samples-${trainer}.csv`), csv);
    const snapshots = [...this.lastSnapshot.values()];
    const samples = snapshots.filter((s) => s.kind !== 'trace');
    const traces = snapshots.filter((s) => s.kind === 'trace');
    // Pictures last: a figure that cannot be drawn must not cost the numbers above.
    const curves = this.plots.find((p) => p.kind === 'curves');
    if (this.rows.length > 0) {
      const title = `${summary.title} · ${summary.status} at step ${summary.steps}`;
      writeFileSync(
        join(this.dir, 'loss.png'),
        lossPng(this.rows, {
          title,
          graph: this.document,
          ...(curves?.kind === 'curves' ? { smoothing: curves.smoothing } : {}),
          ...(this.entropy !== undefined ? { entropy: this.entropy } : {}),
        }),
      );
    }
    for (const s of samples) {
      const name = samples.length === 1 ? 'samples.png' : `samples-${s.nodeId}.png`;
      writeFileSync(join(this.dir, name), samplesPng(s, { title: `${summary.title} · step ${s.step}`, graph: this.document }));
    }
    for (const t of traces) {
      const name = traces.length === 1 ? 'trace.png' : `trace-${t.nodeId}.png`;
      writeFileSync(join(this.dir, name), tracePng(t, { title: `Energy traces · step ${t.step}`, subtitle: `${summary.title} · ${chainsLabel(t)}`, graph: this.document }));
    }
  }
}
