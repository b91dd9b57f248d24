// Every picture of a run carries the graph that made it, and the CLI runs the picture: a run's
// loss.png holds exactly graph.ebm.json, and `ebm-studio run loss.png` (with --set and --seed)
// trains that graph again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../app/cli/program.ts';
import { parseGraph } from '../../app/graph/parse.ts';
import { GRAPH_PNG_KEYWORD, readPngText } from '../../app/graph/png-text.ts';
import { renderPng } from '../../app/plot/node/png.ts';
import { SummarySchema } from '../../app/runtime/events.ts';

async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const text = { out: '', err: '' };
  const sink = (key: 'out' | 'err') =>
    new Writable({
      write(chunk, _encoding, callback) {
        text[key] += String(chunk);
        callback();
      },
    });
  const status = await main(argv, { stdout: sink('out'), stderr: sink('err') });
  return { status, stdout: text.out, stderr: text.err };
}

/** Each PNG of a run folder, with the graph text it carries. */
function picturesOf(dir: string): { name: string; graph: string | null }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .map((name) => ({ name, graph: readPngText(readFileSync(join(dir, name)), GRAPH_PNG_KEYWORD) }));
}

test('a run’s pictures carry graph.ebm.json, and `ebm-studio run loss.png --set …` trains that graph again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-png-provenance-'));
  try {
    const first = join(dir, 'first');
    const r1 = await cli('run', 'examples/gaussian-ml.ebm.json', '--steps', '20', '--backend', 'cpu', '--json', '--out', first);
    assert.equal(r1.status, 0, r1.stderr);
    const graphText = readFileSync(join(first, 'graph.ebm.json'), 'utf8');
    const pictures = picturesOf(first);
    assert.ok(pictures.some((p) => p.name === 'loss.png'), `loss.png written: ${pictures.map((p) => p.name).join(', ')}`);
    for (const p of pictures) assert.equal(p.graph, graphText, `${p.name} carries graph.ebm.json exactly`);

    // The picture is a graph file to the CLI: validate it, run it with settings on top.
    const loss = join(first, 'loss.png');
    const v = await cli('validate', loss);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /loss\.png: valid \(\d+ nodes, \d+ edges\)/);

    const second = join(dir, 'second');
    const r2 = await cli('run', loss, '--steps', '10', '--set', 'sampler.stepSize=0.02', '--seed', '5', '--backend', 'cpu', '--json', '--out', second);
    assert.equal(r2.status, 0, r2.stderr);
    const summary = SummarySchema.parse(JSON.parse(r2.stdout));
    assert.equal(summary.status, 'completed');
    assert.equal(summary.steps, 10);

    const before = parseGraph(graphText).document!;
    const after = parseGraph(readFileSync(join(second, 'graph.ebm.json'), 'utf8')).document!;
    const sampler = (doc: typeof before) => doc.nodes.find((n) => n.id === 'sampler')!;
    assert.equal(after.seed, 5);
    assert.equal(sampler(after).params.stepSize, 0.02);
    assert.notEqual(sampler(before).params.stepSize, 0.02, 'the setting changed something');
    // Apart from what was set, the graph run is the graph in the picture.
    assert.deepEqual({ ...after, seed: before.seed, nodes: after.nodes.map((n) => (n.id === 'sampler' ? sampler(before) : n)) }, before);
    // And the new run's pictures carry the new graph.
    for (const p of picturesOf(second)) assert.equal(p.graph, readFileSync(join(second, 'graph.ebm.json'), 'utf8'), p.name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`ebm-studio run` on a PNG without a graph: exit 1, a message naming the file, no run folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-png-provenance-'));
  try {
    const picture = join(dir, 'holiday.png');
    writeFileSync(picture, renderPng(20, 20, () => {}, { scale: 1 }));
    const out = join(dir, 'run');
    const r = await cli('run', picture, '--backend', 'cpu', '--out', out);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`${picture}: error GRAPH_NOT_A_GRAPH ($): ${picture} is a PNG picture without an EBM Studio graph in it`), r.stderr);
    assert.deepEqual(readdirSync(dir), ['holiday.png'], 'no run folder');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
