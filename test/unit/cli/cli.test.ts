// The ebm-studio command: main() in-process with streams that collect the text, applySettings on
// its own, and the real bin spawned once. Every failure is a message and an exit status, never a
// stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { applySettings, main } from '../../../app/cli/program.ts';
import { parseGraph, type GraphDocument, type GraphNode } from '../../../app/graph/index.ts';
import { SummarySchema } from '../../../app/runtime/events.ts';
import { catalog } from '../../../nodes/catalog.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examplesDir = join(root, 'examples');
const brokenDir = join(root, 'test', 'fixtures', 'broken');
const example = (name: string) => join(examplesDir, name);
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.ebm.json')).sort();

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs main() with streams that collect what it writes. */
async function cli(...argv: string[]): Promise<Result> {
  const out = { text: '' };
  const err = { text: '' };
  const sink = (into: { text: string }) =>
    new Writable({
      write(chunk, _encoding, callback) {
        into.text += String(chunk);
        callback();
      },
    });
  const status = await main(argv, { stdout: sink(out), stderr: sink(err) });
  return { status, stdout: out.text, stderr: err.text };
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

function noStack(r: { stdout: string; stderr: string }): void {
  for (const line of [...r.stdout.split('\n'), ...r.stderr.split('\n')]) assert.doesNotMatch(line, /^\s{4}at /, `a stack trace:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Error: |UsageError|CommanderError/, 'an error object was printed');
}

/** Exit 2, nothing on stdout, one short error line (and maybe a suggestion) then the usage hint. */
function usageError(r: Result, message: RegExp): void {
  assert.equal(r.status, 2, `exit status; stderr:\n${r.stderr}`);
  assert.equal(r.stdout, '');
  noStack(r);
  const err = lines(r.stderr);
  assert.ok(err.length >= 2 && err.length <= 3, `one error line and the usage hint, got:\n${r.stderr}`);
  assert.match(err[0]!, /^error: /);
  assert.match(err[0]!, message);
  assert.ok(err[0]!.length < 200, 'a short line');
  assert.match(err[err.length - 1]!, /--help/);
}

function loadExample(name: string): GraphDocument {
  const { document, diagnostics } = parseGraph(readFileSync(example(name), 'utf8'));
  assert.ok(document);
  assert.deepEqual(diagnostics, []);
  return document;
}

const nodeOf = (doc: GraphDocument, id: string): GraphNode => {
  const n = doc.nodes.find((x) => x.id === id);
  assert.ok(n, `no node ${id}`);
  return n;
};

// --- Usage errors --------------------------------------------------------------------------------

test('no arguments: exit 2, one short error line and the usage hint', async () => {
  usageError(await cli(), /command/);
});

test('an unknown command: exit 2, one short error line naming it and the usage hint', async () => {
  usageError(await cli('train', 'examples/moons-cd.ebm.json'), /unknown command 'train'/);
  usageError(await cli('valdate', 'x.ebm.json'), /unknown command 'valdate'/);
});

test('an unknown option: exit 2, one short error line naming it and the usage hint', async () => {
  usageError(await cli('validate', example('moons-cd.ebm.json'), '--fast'), /unknown option '--fast'/);
  usageError(await cli('run', example('moons-cd.ebm.json'), '--stepz', '3'), /unknown option '--stepz'/);
});

test('a command without its file: exit 2', async () => {
  usageError(await cli('run'), /missing required argument 'file'/);
  usageError(await cli('validate'), /missing required argument 'file'/);
});

test('--steps abc: exit 2, the message names the flag and the value', async () => {
  usageError(await cli('run', example('gaussian-ml.ebm.json'), '--steps', 'abc'), /--steps.*"abc"/);
  usageError(await cli('run', example('gaussian-ml.ebm.json'), '--steps', '0'), /--steps.*"0"/);
  usageError(await cli('run', example('gaussian-ml.ebm.json'), '--steps', '2.5'), /--steps.*"2\.5"/);
});

test('--seed -1: exit 2, the message names the flag and the value', async () => {
  usageError(await cli('run', example('gaussian-ml.ebm.json'), '--seed', '-1'), /--seed.*"-1"/);
  usageError(await cli('run', example('gaussian-ml.ebm.json'), '--seed', '4294967296'), /--seed.*"4294967296"/);
});

test('--backend gpu: exit 2, the message lists the backends', async () => {
  usageError(await cli('run', example('gaussian-ml.ebm.json'), '--backend', 'gpu'), /'gpu'.*auto, tensorflow, wasm, cpu/);
});

test('--help: exit 0 and the commands on stdout', async () => {
  const r = await cli('--help');
  assert.equal(r.status, 0);
  for (const command of ['run', 'validate', 'nodes']) assert.match(r.stdout, new RegExp(`^\\s+${command} `, 'm'));
});

// --- validate ------------------------------------------------------------------------------------

/** The diagnostic code each broken file must report (see test/unit/graph/corpus.test.ts). */
const brokenCodes: Record<string, string> = {
  'binary.ebm.json': 'GRAPH_FILE_ENCODING',
  'deep-nesting.ebm.json': 'GRAPH_TOO_DEEP',
  'duplicate-edges.ebm.json': 'GRAPH_DUPLICATE_EDGE',
  'duplicate-ids.ebm.json': 'GRAPH_DUPLICATE_NODE_ID',
  'duplicate-keys.ebm.json': 'NO_TRAINER', // its load problem is a warning: the graph itself cannot run
  'edge-missing-ends.ebm.json': 'GRAPH_EDGE_INVALID',
  'edge-unknown-node.ebm.json': 'GRAPH_EDGE_UNKNOWN_NODE',
  'edges-not-array.ebm.json': 'GRAPH_FIELD_INVALID',
  'empty.ebm.json': 'GRAPH_FILE_EMPTY',
  'huge-numbers.ebm.json': 'GRAPH_NUMBER_OUT_OF_RANGE',
  'infinity-token.ebm.json': 'GRAPH_JSON_SYNTAX',
  'malformed.ebm.json': 'GRAPH_JSON_SYNTAX',
  'missing-format.ebm.json': 'GRAPH_FORMAT_MISSING',
  'missing-metadata.ebm.json': 'GRAPH_FIELD_MISSING',
  'missing-node-fields.ebm.json': 'GRAPH_FIELD_MISSING',
  'nan-token.ebm.json': 'GRAPH_JSON_SYNTAX',
  'negative-seed.ebm.json': 'GRAPH_FIELD_INVALID',
  'newer-format.ebm.json': 'GRAPH_FORMAT_NEWER',
  'node-without-type.ebm.json': 'GRAPH_NODE_INVALID',
  'nodes-not-array.ebm.json': 'GRAPH_FIELD_INVALID',
  'not-a-graph.ebm.json': 'GRAPH_NOT_A_GRAPH',
  'top-level-array.ebm.json': 'GRAPH_NOT_A_GRAPH',
  'top-level-string.ebm.json': 'GRAPH_NOT_A_GRAPH',
  'trailing-comma.ebm.json': 'GRAPH_JSON_SYNTAX',
  'truncated.ebm.json': 'GRAPH_JSON_SYNTAX',
  'wrong-field-types.ebm.json': 'GRAPH_FIELD_INVALID',
};

test('every broken fixture has an expected code here', () => {
  assert.deepEqual(readdirSync(brokenDir).filter((f) => f.endsWith('.ebm.json')).sort(), Object.keys(brokenCodes).sort());
});

for (const [file, code] of Object.entries(brokenCodes)) {
  test(`validate broken/${file}: exit 1, and stderr names ${code}`, async () => {
    const path = join(brokenDir, file);
    const r = await cli('validate', path);
    assert.equal(r.status, 1, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    noStack(r);
    const errors = lines(r.stderr);
    assert.ok(errors.length >= 1);
    for (const line of errors) assert.ok(line.startsWith(`${path}: error `), `each stderr line is an error about the file: ${line}`);
    assert.ok(errors.some((l) => l.startsWith(`${path}: error ${code}`)), `no ${code} in:\n${r.stderr}`);
    assert.doesNotMatch(r.stdout, /: valid \(/);
  });
}

test('validate broken/duplicate-keys.ebm.json also shows the duplicate key, as a warning on stdout', async () => {
  const path = join(brokenDir, 'duplicate-keys.ebm.json');
  const r = await cli('validate', path);
  assert.match(r.stdout, /warning GRAPH_DUPLICATE_KEY \(\$\.nodes\[0\]\.params\.lr\)/);
});

test('validate a missing file: exit 1, one clear line, no stack', async () => {
  const path = join(tmpdir(), 'no-such-dir-ebm', 'nope.ebm.json');
  const r = await cli('validate', path);
  assert.equal(r.status, 1);
  noStack(r);
  assert.equal(r.stdout, '');
  assert.deepEqual(lines(r.stderr), [`${path}: error GRAPH_FILE_UNREADABLE ($): There is no file at ${path}.`]);
});

test('validate a folder: exit 1, a clear line', async () => {
  const r = await cli('validate', brokenDir);
  assert.equal(r.status, 1);
  noStack(r);
  assert.match(r.stderr, /GRAPH_FILE_UNREADABLE.*is a folder/);
});

for (const file of examples) {
  test(`validate examples/${file}: exit 0 and "valid"`, async () => {
    const doc = loadExample(file);
    const r = await cli('validate', example(file));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `${example(file)}: valid (${doc.nodes.length} nodes, ${doc.edges.length} edges)\n`);
  });
}

test('validate --json: parseable JSON, valid true for an example', async () => {
  const r = await cli('validate', example('moons-cd.ebm.json'), '--json');
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  assert.deepEqual(JSON.parse(r.stdout), { file: example('moons-cd.ebm.json'), valid: true, diagnostics: [] });
});

test('validate --json: parseable JSON, valid false and the diagnostics for broken files', async () => {
  for (const file of ['malformed.ebm.json', 'edge-unknown-node.ebm.json', 'duplicate-keys.ebm.json']) {
    const r = await cli('validate', join(brokenDir, file), '--json');
    assert.equal(r.status, 1, file);
    assert.equal(r.stderr, '', 'with --json, everything is in the JSON');
    const parsed = JSON.parse(r.stdout) as { file: string; valid: boolean; diagnostics: { code: string; severity: string }[] };
    assert.equal(parsed.valid, false);
    assert.equal(parsed.file, join(brokenDir, file));
    assert.ok(parsed.diagnostics.some((d) => d.code === brokenCodes[file] && d.severity === 'error'), `${file}: ${brokenCodes[file]}`);
  }
  const missing = await cli('validate', join(brokenDir, 'nope.ebm.json'), '--json');
  assert.equal(missing.status, 1);
  const parsed = JSON.parse(missing.stdout) as { valid: boolean; diagnostics: { code: string }[] };
  assert.equal(parsed.valid, false);
  assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['GRAPH_FILE_UNREADABLE']);
});

// --- nodes ---------------------------------------------------------------------------------------

test('nodes: every catalog type and every parameter name', async () => {
  const r = await cli('nodes');
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  for (const def of catalog.types) {
    assert.ok(r.stdout.split('\n').some((l) => l.startsWith(`${def.type}  ·  ${def.title}  (${def.category}`)), def.type);
    // The parameters are listed under their type.
    const section = r.stdout.slice(r.stdout.indexOf(`${def.type}  ·`)).split(/\n\n/)[0]!;
    for (const name of Object.keys(def.params)) assert.ok(section.includes(`--set ${name}=`), `${def.type}: ${name}`);
  }
});

test('nodes --json: parseable, every type with its ports and parameters', async () => {
  const r = await cli('nodes', '--json');
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  const parsed = JSON.parse(r.stdout) as { type: string; version: number; category: string; params: Record<string, { kind: string; default: unknown }>; inputs: object; outputs: object }[];
  assert.deepEqual(parsed.map((d) => d.type), catalog.types.map((d) => d.type));
  for (const entry of parsed) {
    const def = catalog.get(entry.type)!;
    assert.equal(entry.version, def.version);
    assert.equal(entry.category, def.category);
    assert.deepEqual(Object.keys(entry.params), Object.keys(def.params));
    for (const [name, spec] of Object.entries(def.params)) assert.deepEqual(entry.params[name]!.default, spec.default);
    assert.deepEqual(Object.keys(entry.inputs), Object.keys(def.inputs));
    assert.deepEqual(Object.keys(entry.outputs), Object.keys(def.outputs));
  }
});

// --- applySettings (--set) -----------------------------------------------------------------------

test('applySettings by id: a new document with the values set, the original untouched', () => {
  const doc = loadExample('gaussian-ml.ebm.json');
  const before = structuredClone(doc);
  const next = applySettings(doc, ['trainer.steps=5', 'sampler.stepSize=0.02', 'energy.covariance=full', 'data.dim=3']);
  assert.deepEqual(doc, before);
  assert.notEqual(next, doc);
  assert.equal(nodeOf(next, 'trainer').params.steps, 5);
  assert.equal(nodeOf(next, 'sampler').params.stepSize, 0.02);
  assert.equal(nodeOf(next, 'energy').params.covariance, 'full');
  assert.equal(nodeOf(next, 'data').params.dim, 3);
  // Nothing else changed.
  assert.deepEqual(nodeOf(next, 'optimizer'), nodeOf(doc, 'optimizer'));
  assert.deepEqual(applySettings(doc, []), doc);
});

test('applySettings by label, labels with spaces and values with dots', () => {
  const doc = loadExample('gaussian-ml.ebm.json');
  const next = applySettings(doc, ['Adam.learningRate=0.01', 'Gaussian energy.initVariance=2.5', 'Langevin.noiseLow=-2.5']);
  assert.equal(nodeOf(next, 'optimizer').params.learningRate, 0.01);
  assert.equal(nodeOf(next, 'energy').params.initVariance, 2.5);
  assert.equal(nodeOf(next, 'sampler').params.noiseLow, -2.5);
});

test('applySettings: a list parameter', () => {
  const next = applySettings(loadExample('moons-cd.ebm.json'), ['MLP.hidden=64,32']);
  assert.deepEqual(nodeOf(next, 'energy').params.hidden, [64, 32]);
});

test('applySettings: an id wins over another node’s label', () => {
  const doc = loadExample('gaussian-ml.ebm.json');
  nodeOf(doc, 'optimizer').label = 'trainer';
  const next = applySettings(doc, ['trainer.steps=7']);
  assert.equal(nodeOf(next, 'trainer').params.steps, 7);
  assert.equal(nodeOf(next, 'optimizer').params.steps, undefined);
});

const settingErrors: { name: string; setting: string; message: RegExp[] }[] = [
  { name: 'a node that does not exist', setting: 'solver.steps=3', message: [/no node has the id or label "solver"/, /Gaussian data/, /Trainer/] },
  { name: 'a parameter the node does not have', setting: 'trainer.stepz=3', message: [/Trainer has no parameter "stepz"/, /steps, batchSize, logEvery, snapshotEvery/] },
  { name: 'a value out of range', setting: 'trainer.steps=0', message: [/Steps must be ≥ 1/, /got 0/] },
  { name: 'a value at an exclusive minimum', setting: 'Langevin.stepSize=0', message: [/Step size ε must be > 0/] },
  { name: 'a whole number expected', setting: 'trainer.batchSize=2.5', message: [/whole number/] },
  { name: 'a value that is not a number', setting: 'trainer.steps=abc', message: [/"abc" is not a number/] },
  { name: 'an empty value', setting: 'trainer.steps=', message: [/"" is not a number/] },
  { name: 'Infinity', setting: 'Adam.learningRate=Infinity', message: [/finite/] },
  { name: 'a choice that is not an option', setting: 'energy.covariance=dense', message: [/must be one of "diagonal", "full"/, /"dense"/] },
  { name: 'no equals sign', setting: 'trainer.steps', message: [/expected NODE\.PARAM=VALUE/] },
  { name: 'no node', setting: '.steps=3', message: [/expected NODE\.PARAM=VALUE/] },
];

for (const c of settingErrors) {
  test(`applySettings: ${c.name} is a clear error naming the setting`, () => {
    const doc = loadExample('gaussian-ml.ebm.json');
    assert.throws(
      () => applySettings(doc, [c.setting]),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.ok(e.message.startsWith(`--set ${c.setting}: `), e.message);
        for (const m of c.message) assert.match(e.message, m);
        return true;
      },
    );
  });
}

test('applySettings: an ambiguous label is an error that lists the ids', () => {
  const doc = loadExample('gaussian-ml.ebm.json');
  nodeOf(doc, 'optimizer').label = 'Loop';
  nodeOf(doc, 'trainer').label = 'Loop';
  assert.throws(() => applySettings(doc, ['Loop.steps=3']), { message: /--set Loop\.steps=3: 2 nodes are labelled "Loop"; use an id \(optimizer, trainer\)/ });
  // By id, either one can still be set.
  assert.equal(nodeOf(applySettings(doc, ['trainer.steps=3']), 'trainer').params.steps, 3);
});

// --- run -----------------------------------------------------------------------------------------

test('run gaussian-ml --steps 20 --json --backend cpu: one JSON summary with the known answers, and the run folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cli-'));
  try {
    const out = join(dir, 'run');
    const r = await cli('run', example('gaussian-ml.ebm.json'), '--steps', '20', '--json', '--backend', 'cpu', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    noStack(r);
    const summary = SummarySchema.parse(JSON.parse(r.stdout));
    assert.equal(summary.status, 'completed');
    assert.equal(summary.steps, 20);
    assert.equal(summary.totalSteps, 20);
    assert.equal(summary.backend, 'cpu');
    assert.equal(summary.outDir, out);
    assert.deepEqual(summary.knownAnswers.map((a) => a.quantity).sort(), ['mean', 'variance']);
    const truth = { mean: [1, 1], variance: [0.25, 0.25] };
    for (const a of summary.knownAnswers) {
      assert.equal(a.energyNode, 'energy');
      assert.equal(a.dataNode, 'data');
      assert.deepEqual(a.truth, truth[a.quantity as keyof typeof truth]);
      assert.ok(Array.isArray(a.recovered) && a.recovered.length === 2 && a.recovered.every(Number.isFinite), `${a.quantity}: ${JSON.stringify(a.recovered)}`);
    }

    // The run folder.
    for (const f of ['graph.ebm.json', 'metrics.jsonl', 'summary.json', 'loss.png']) assert.ok(existsSync(join(out, f)), `${f} in the run folder`);
    const graph = parseGraph(readFileSync(join(out, 'graph.ebm.json'), 'utf8'));
    assert.deepEqual(graph.diagnostics, []);
    assert.deepEqual(graph.document, loadExample('gaussian-ml.ebm.json'));
    const rows = lines(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l) as { step: number; loss: number });
    assert.ok(rows.length >= 1);
    assert.equal(rows[rows.length - 1]!.step, 20);
    assert.ok(rows.every((row) => Number.isFinite(row.loss)));
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), JSON.parse(r.stdout));
    assert.deepEqual([...readFileSync(join(out, 'loss.png')).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run --set sampler.stepSize=0: exit 2 before any training, no run folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cli-'));
  try {
    const out = join(dir, 'run');
    const r = await cli('run', example('gaussian-ml.ebm.json'), '--set', 'sampler.stepSize=0', '--backend', 'cpu', '--out', out);
    usageError(r, /--set sampler\.stepSize=0: Step size ε must be > 0, got 0/);
    assert.ok(!existsSync(out), 'no run folder');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run --set on a node that does not exist: exit 2, the nodes listed', async () => {
  const r = await cli('run', example('gaussian-ml.ebm.json'), '--set', 'solver.steps=3', '--out', join(tmpdir(), 'never-written'));
  usageError(r, /no node has the id or label "solver".*Trainer/);
});

test('run a file that cannot be read: exit 1, the problem named, nothing run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cli-'));
  try {
    const out = join(dir, 'run');
    const path = join(brokenDir, 'malformed.ebm.json');
    const r = await cli('run', path, '--out', out, '--json');
    assert.equal(r.status, 1);
    noStack(r);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /error GRAPH_JSON_SYNTAX/);
    assert.match(r.stderr, /cannot run a file with errors/);
    assert.ok(!existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run a graph that does not compile: exit 1, the problem named, nothing run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cli-'));
  try {
    const out = join(dir, 'run');
    const r = await cli('run', join(brokenDir, 'duplicate-keys.ebm.json'), '--out', out);
    assert.equal(r.status, 1);
    noStack(r);
    assert.match(r.stderr, /error NO_TRAINER/);
    assert.ok(!existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- The real command ----------------------------------------------------------------------------

test('the bin: validate an example exits 0 with "valid"; run without a file exits 2 with no stack', () => {
  const bin = join('bin', 'ebm-studio.js');
  const ok = spawnSync(process.execPath, [bin, 'validate', 'examples/moons-cd.ebm.json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^examples\/moons-cd\.ebm\.json: valid \(/);

  const usage = spawnSync(process.execPath, [bin, 'run'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(usage.status, 2, usage.stderr);
  noStack(usage);
  assert.match(usage.stderr, /^error: missing required argument 'file'/m);
  assert.match(usage.stderr, /--help/);
});
