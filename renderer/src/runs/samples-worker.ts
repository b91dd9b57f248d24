// Draws the samples-over-energy figure off the UI thread: the page hands its canvas over once
// (transferControlToOffscreen), then posts each snapshot. A heat map and thousands of points
// drawn here leave every frame of the page free for dragging and typing while a run streams.
import { drawSamples, type SamplesDrawJob, type SamplesWorkerMessage } from './samples-draw.ts';

let canvas: OffscreenCanvas | null = null;
let pending: SamplesDrawJob | null = null;
let scheduled = false;

self.onmessage = (e: MessageEvent<SamplesWorkerMessage>) => {
  if (e.data.kind === 'canvas') {
    canvas = e.data.canvas;
    return;
  }
  // Only the newest snapshot matters: jobs that arrive while one is drawn replace each other.
  pending = e.data;
  if (!scheduled) {
    scheduled = true;
    setTimeout(draw, 0);
  }
};

function draw(): void {
  scheduled = false;
  const job = pending;
  pending = null;
  if (!canvas || !job) return;
  drawSamples(canvas, job);
  self.postMessage({ drawn: job.snapshot.step });
}
