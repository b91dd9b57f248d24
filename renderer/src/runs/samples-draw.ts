// One drawing of the samples figure on a canvas, shared by the page (fallback) and its worker.
import { drawSamplesOverEnergy, type SamplesOptions } from '../../../app/plot/samples.ts';
import type { SamplesSnapshot } from '../../../app/runtime/events.ts';

export interface SamplesDrawJob {
  snapshot: SamplesSnapshot;
  /** CSS pixels, and the device pixel ratio to draw at. */
  width: number;
  height: number;
  dpr: number;
  options: SamplesOptions;
}

export type SamplesWorkerMessage = { kind: 'canvas'; canvas: OffscreenCanvas } | ({ kind: 'draw' } & SamplesDrawJob);

export function drawSamples(target: OffscreenCanvas | HTMLCanvasElement, job: SamplesDrawJob): void {
  const pw = Math.round(job.width * job.dpr);
  const ph = Math.round(job.height * job.dpr);
  if (target.width !== pw) target.width = pw;
  if (target.height !== ph) target.height = ph;
  const ctx = target.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!ctx) return;
  ctx.setTransform(job.dpr, 0, 0, job.dpr, 0, 0);
  ctx.clearRect(0, 0, job.width, job.height);
  drawSamplesOverEnergy(ctx, { x: 0, y: 0, width: job.width, height: job.height }, job.snapshot, job.options);
}
