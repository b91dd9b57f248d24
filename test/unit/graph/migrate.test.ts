import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MIGRATIONS, checkMigrations, migrateDocument, parseGraph, type Migration, type RawDocument } from '../../../app/graph/index.ts';

const minimal = JSON.parse(readFileSync('test/fixtures/valid/minimal.ebm.json', 'utf8')) as RawDocument;

/** A made-up history: format 1 named the edge list "links", 2 had "wires", 3 has "edges". */
function history(log: string[]): Migration[] {
  return [
    {
      from: 2,
      to: 3,
      description: 'wires are called edges',
      migrate: (raw) => {
        log.push(`2->3 saw formatVersion ${String(raw.formatVersion)}`);
        const { wires, ...rest } = raw;
        return { ...rest, edges: wires };
      },
    },
    {
      from: 1,
      to: 2,
      description: 'links are called wires',
      migrate: (raw) => {
        log.push(`1->2 saw formatVersion ${String(raw.formatVersion)}`);
        raw.wires = raw.links;
        delete raw.links;
        return raw;
      },
    },
  ];
}

test('the shipped list is sound (and empty while format 1 is the only one)', () => {
  assert.deepEqual(checkMigrations(MIGRATIONS), []);
  assert.equal(MIGRATIONS.length, 0);
});

test('steps run in version order, one at a time, and set formatVersion', () => {
  const log: string[] = [];
  const out = migrateDocument({ formatVersion: 1, links: [1, 2] }, 1, history(log), 3);
  assert.ok(out.ok);
  assert.deepEqual(out.raw, { formatVersion: 3, edges: [1, 2] });
  assert.deepEqual(log, ['1->2 saw formatVersion 1', '2->3 saw formatVersion 2']);
  assert.deepEqual(out.applied.map((m) => m.from), [1, 2]);
  // Starting part way runs only the later steps; starting at the target runs none.
  const log2: string[] = [];
  const mid = migrateDocument({ formatVersion: 2, wires: [] }, 2, history(log2), 3);
  assert.ok(mid.ok);
  assert.deepEqual(log2, ['2->3 saw formatVersion 2']);
  const none = migrateDocument({ formatVersion: 3 }, 3, history([]), 3);
  assert.ok(none.ok && none.applied.length === 0);
});

test('a gap, a throwing step or a step that returns junk is an outcome, not a throw', () => {
  assert.deepEqual(migrateDocument({}, 0, history([]), 3), { ok: false, kind: 'no-path', at: 0 });
  const boom: Migration = { from: 1, to: 2, description: 'boom', migrate: () => { throw new Error('no links'); } };
  const failed = migrateDocument({}, 1, [boom], 2);
  assert.ok(!failed.ok && failed.kind === 'failed' && failed.reason === 'no links');
  const junk: Migration = { from: 1, to: 2, description: 'junk', migrate: () => [] as unknown as RawDocument };
  const bad = migrateDocument({}, 1, [junk], 2);
  assert.ok(!bad.ok && bad.kind === 'failed');
});

test('checkMigrations finds steps that skip, repeat or overshoot', () => {
  const m = (from: number, to: number): Migration => ({ from, to, description: '', migrate: (r) => r });
  assert.deepEqual(checkMigrations([m(1, 2), m(2, 3)], 3), []);
  assert.equal(checkMigrations([m(1, 3)], 3).length, 1);
  assert.equal(checkMigrations([m(1, 2), m(1, 2)], 3).length, 1);
  assert.equal(checkMigrations([m(3, 4)], 3).length, 1);
});

test('parseGraph migrates an older file before validating it', () => {
  // Format 0 (made up for the test) called the edge list "links".
  const v0 = { ...minimal, formatVersion: 0, links: minimal.edges };
  delete (v0 as Record<string, unknown>).edges;
  const steps: Migration[] = [{ from: 0, to: 1, description: 'links are called edges', migrate: ({ links, ...rest }) => ({ ...rest, edges: links }) }];
  const r = parseGraph(JSON.stringify(v0), { migrations: steps });
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity]), [['GRAPH_MIGRATED', 'warning']]);
  assert.match(r.diagnostics[0]!.message, /format 0.*format 1.*links are called edges/);
  assert.deepStrictEqual(r.document, minimal);

  // Without the step, the same file cannot be read (and is not guessed at).
  const none = parseGraph(JSON.stringify(v0));
  assert.equal(none.document, null);
  assert.deepEqual(none.diagnostics.map((d) => d.code), ['GRAPH_FORMAT_UNSUPPORTED']);

  const throwing: Migration[] = [{ from: 0, to: 1, description: 'x', migrate: () => { throw new Error('bad links'); } }];
  const failed = parseGraph(JSON.stringify(v0), { migrations: throwing });
  assert.equal(failed.document, null);
  assert.deepEqual(failed.diagnostics.map((d) => d.code), ['GRAPH_MIGRATION_FAILED']);
  assert.match(failed.diagnostics[0]!.message, /bad links/);

  // A current file does not run any step.
  const untouched = parseGraph(JSON.stringify(minimal), { migrations: throwing });
  assert.deepEqual(untouched.diagnostics, []);
});
