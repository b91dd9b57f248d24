// Step migrations of the graph file format (tldraw-style): each step turns a raw document of
// format n into one of format n + 1. parseGraph applies them in order, before validation, to a
// file written by an older app. Version 1 is the first format, so the list is empty today; when
// the format changes, bump FORMAT_VERSION in document.ts and add one step here, with a fixture
// of the old format in test/fixtures/.
import { FORMAT_VERSION } from './document.ts';

/** A raw document as read from JSON: nothing about it is trusted yet. */
export type RawDocument = Record<string, unknown>;

export interface Migration {
  readonly from: number;
  /** Always from + 1. */
  readonly to: number;
  /** One line for people: what changed in this format version. */
  readonly description: string;
  /** May mutate and return its argument. Need not set formatVersion: the runner does. */
  migrate(raw: RawDocument): RawDocument;
}

/** Every step, oldest first. */
export const MIGRATIONS: readonly Migration[] = [];

export type MigrationOutcome =
  | { ok: true; raw: RawDocument; applied: readonly Migration[] }
  /** No step starts at `at`: the file is older than any format this app can read. */
  | { ok: false; kind: 'no-path'; at: number }
  /** A step threw, or returned something that is not an object. */
  | { ok: false; kind: 'failed'; step: Migration; reason: string };

/** Problems with a list of steps (gaps, duplicates, steps that skip versions); empty when sound. */
export function checkMigrations(migrations: readonly Migration[], targetVersion: number = FORMAT_VERSION): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.from) || m.to !== m.from + 1) problems.push(`migration ${m.from} -> ${m.to} must go from n to n + 1`);
    if (m.to > targetVersion) problems.push(`migration ${m.from} -> ${m.to} goes past the current format ${targetVersion}`);
    if (seen.has(m.from)) problems.push(`two migrations start at format ${m.from}`);
    seen.add(m.from);
  }
  return problems;
}

/**
 * Brings `raw` from format `fromVersion` up to `targetVersion`, one step at a time, and sets
 * formatVersion after each step. Never throws: a failing step is reported as an outcome.
 */
export function migrateDocument(
  raw: RawDocument,
  fromVersion: number,
  migrations: readonly Migration[] = MIGRATIONS,
  targetVersion: number = FORMAT_VERSION,
): MigrationOutcome {
  const byFrom = new Map<number, Migration>();
  for (const m of migrations) if (m.to === m.from + 1 && !byFrom.has(m.from)) byFrom.set(m.from, m);
  let doc = raw;
  const applied: Migration[] = [];
  for (let version = fromVersion; version < targetVersion; version++) {
    const step = byFrom.get(version);
    if (!step) return { ok: false, kind: 'no-path', at: version };
    try {
      const next: unknown = step.migrate(doc);
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        return { ok: false, kind: 'failed', step, reason: 'the step did not return an object' };
      }
      doc = next as RawDocument;
      doc.formatVersion = step.to;
    } catch (e) {
      return { ok: false, kind: 'failed', step, reason: e instanceof Error ? e.message : String(e) };
    }
    applied.push(step);
  }
  return { ok: true, raw: doc, applied };
}
