// The run folder's pictures carry the graph as run: loss.png and every samples picture hold
// exactly the text of graph.ebm.json (app/graph/png-text.ts), so opening one reopens the experiment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGraph } from '../../../app/graph/parse.ts';
import { GRAPH_PNG_KEYWORD, readPngText } from '../../../app/graph/png-text.ts';
import type { SamplesSnapshot, Summary } from '../../../app/runtime/events.ts';
import { RunFolder } from '../../../app/runtime/node/run-folder.ts';
import { eightGaussiansSnapshot } from '../plot/fixtures.ts';

test('loss.png and the samples pictures of two monitors each carry graph.ebm.json', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ebm-run-folder-png-')), 'run');
  try {
    const doc = parseGraph(readFileSync('examples/8gaussians-pcd.ebm.json', 'utf8')).document!;
    doc.metadata.title = 'σ² study';
    const folder = new RunFolder(dir, doc);
    folder.onEvent({ type: 'started', runId: 'r', backend: 'cpu', backendNotes: [], totalSteps: 2, plots: [] });
    for (const step of [1, 2]) folder.onEvent({ type: 'progress', step, totalSteps: 2, metrics: { loss: 1 / step }, stepsPerSecond: 1 });
    const s = eightGaussiansSnapshot({ gridSize: 8, samples: 16, data: 16 });
    const bounds: SamplesSnapshot['bounds'] = [[...s.bounds[0]], [...s.bounds[1]]];
    for (const nodeId of ['monitor-a', 'monitor-b']) {
      folder.onEvent({ type: 'snapshot', snapshot: { step: s.step, nodeId, bounds, gridSize: s.gridSize, energy: [...s.energy], samples: [...s.samples], data: [...s.data] } });
    }
    const summary: Summary = { status: 'completed', title: doc.metadata.title, seed: 0, backend: 'cpu', steps: 2, totalSteps: 2, seconds: 1, stepsPerSecond: 2, final: {}, readouts: {}, truth: {}, knownAnswers: [] };
    folder.onEvent({ type: 'finished', summary });

    const graphText = readFileSync(join(dir, 'graph.ebm.json'), 'utf8');
    const pictures = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
    assert.deepEqual(pictures, ['loss.png', 'samples-monitor-a.png', 'samples-monitor-b.png']);
    for (const p of pictures) assert.equal(readPngText(readFileSync(join(dir, p)), GRAPH_PNG_KEYWORD), graphText, p);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});
