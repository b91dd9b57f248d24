// Trust for custom code. A graph's custom code runs only if it was written on this machine or the
// user has said they trust it: a graph file from elsewhere can be read and edited, but its code
// runs (in a training run or a dry-run check) only after that. Trust is kept per code, by the
// SHA-256 of its text, in one small JSON file shared by the app and the CLI, so that trusting a
// file once is remembered and editing anything but its code keeps it trusted.
//
// Code is written on this machine when the user applies it in the app's editor (every check of
// code records it) or when it is a node's built-in default; trusted otherwise by the app's Trust
// command or the CLI's --trust.
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { GraphDocument } from '../../graph/document.ts';
import { writeTextFileAtomic } from '../../graph/node/file.ts';
import type { Catalog } from '../../../nodes/catalog.ts';

export const TRUST_FILE = 'trusted-code.json';

/** The app's folder for its own files, as Electron's userData: EBM_STUDIO_USER_DATA, or the
 * platform's application-data folder + "EBM Studio". The CLI and the web host use it too. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.EBM_STUDIO_USER_DATA) return resolve(env.EBM_STUDIO_USER_DATA);
  const appData =
    platform === 'win32'
      ? (env.APPDATA ?? join(home, 'AppData', 'Roaming'))
      : platform === 'darwin'
        ? join(home, 'Library', 'Application Support')
        : (env.XDG_CONFIG_HOME ?? join(home, '.config'));
  return join(appData, 'EBM Studio');
}

export function codeHash(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** One piece of custom code in a graph: a node's parameter of kind 'code'. */
export interface CodeRef {
  nodeId: string;
  /** The node's label, or its id, for messages. */
  name: string;
  param: string;
  code: string;
}

/** Every piece of custom code in a document (unknown node types hold none we could run). */
export function customCode(doc: GraphDocument, cat: Catalog): CodeRef[] {
  const found: CodeRef[] = [];
  for (const node of doc.nodes) {
    const def = cat.get(node.type);
    if (!def) continue;
    for (const [param, spec] of Object.entries(def.params)) {
      if (spec.kind !== 'code') continue;
      const value = node.params[param];
      // A missing value is the default; a value of the wrong type never compiles, so never runs.
      const code = value === undefined ? spec.default : value;
      if (typeof code === 'string') found.push({ nodeId: node.id, name: node.label ?? node.id, param, code });
    }
  }
  return found;
}

const TrustFileSchema = z.object({ version: z.literal(1), sha256: z.array(z.string().regex(/^[0-9a-f]{64}$/)) });

export class CodeTrust {
  private constructor(
    private readonly file: string | null,
    private readonly cat: Catalog,
    private readonly hashes: Set<string>,
  ) {}

  /** The trust kept in `file` (null: in memory only). A missing or unreadable file trusts nothing
   * but the built-in defaults; it is rewritten whole at the next trust. */
  static async open(file: string | null, cat: Catalog): Promise<CodeTrust> {
    return new CodeTrust(file, cat, file ? await readHashes(file) : new Set());
  }

  isTrusted(code: string): boolean {
    return this.isDefault(code) || this.hashes.has(codeHash(code));
  }

  /** The document's custom code that may not run yet. */
  untrusted(doc: GraphDocument): CodeRef[] {
    return customCode(doc, this.cat).filter((c) => !this.isTrusted(c.code));
  }

  /** Trusts these pieces of code from now on, here and in the file (merged with what another
   * process, the CLI or a second window, may have added since it was read). */
  async trust(codes: readonly string[]): Promise<void> {
    const fresh = codes.filter((c) => !this.isTrusted(c));
    if (fresh.length === 0) return;
    for (const c of fresh) this.hashes.add(codeHash(c));
    if (!this.file) return;
    for (const h of await readHashes(this.file)) this.hashes.add(h);
    await fsp.mkdir(resolve(this.file, '..'), { recursive: true });
    const body: z.infer<typeof TrustFileSchema> = { version: 1, sha256: [...this.hashes].sort() };
    await writeTextFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`);
  }

  private isDefault(code: string): boolean {
    return this.cat.types.some((def) => Object.values(def.params).some((spec) => spec.kind === 'code' && spec.default === code));
  }
}

async function readHashes(file: string): Promise<Set<string>> {
  try {
    const parsed = TrustFileSchema.safeParse(JSON.parse(await fsp.readFile(file, 'utf8')));
    return new Set(parsed.success ? parsed.data.sha256 : []);
  } catch {
    return new Set();
  }
}

/** Why a document may not run yet, for the host's error and the CLI. */
export function untrustedMessage(untrusted: readonly CodeRef[]): string {
  const names = [...new Set(untrusted.map((c) => `"${c.name}"`))].join(', ');
  return (
    `The custom code in ${names} was not written on this machine, so it does not run until you trust it. ` +
    'Read it first: it runs with your data and your CPU. Then choose Trust in the app, or pass --trust to the CLI.'
  );
}

/** What an export of such a document says: exporting runs nothing, but the project will. */
export function untrustedExportNote(untrusted: readonly CodeRef[]): string {
  const names = [...new Set(untrusted.map((c) => `"${c.name}"`))].join(', ');
  return `the custom code in ${names} was not written on this machine; the project runs it, so read it first`;
}
