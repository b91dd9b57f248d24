// The import graph of our TypeScript sources: which of our files a set of entry modules needs
// (type-only imports included, so that the copy type-checks), and which packages they import.
// An exported project vendors exactly these files. Pure: the caller supplies the file reader.
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { transform } from 'sucrase';

/**
 * Every module specifier a TypeScript module names: static imports and re-exports (type-only ones
 * too) and dynamic imports of a string literal. sucrase strips the types (acorn reads JavaScript
 * only); it drops `import type` and `export type … from` whatever its options, so those are made
 * value imports first (the rewrite touches only the keywords, and only where a specifier follows).
 */
export function importSpecifiers(source: string, file = 'the module'): string[] {
  const typeImportsKept = source
    .replace(/\bimport type(?=\s*[{*]|\s+[A-Za-z_$][\w$]*\s+from\b)/g, 'import')
    .replace(/\bexport type(?=\s*[{*])/g, 'export');
  let program;
  try {
    const js = transform(typeImportsKept, { transforms: ['typescript'], keepUnusedImports: true }).code;
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch (e) {
    throw new Error(`${file} could not be read for its imports: ${e instanceof Error ? e.message : String(e)}`);
  }
  const found: string[] = [];
  const literal = (node: { type: string; value?: unknown }) => {
    if (node.type === 'Literal' && typeof node.value === 'string') found.push(node.value);
  };
  simple(program, {
    ImportDeclaration: (n) => literal(n.source),
    ExportNamedDeclaration: (n) => n.source && literal(n.source),
    ExportAllDeclaration: (n) => literal(n.source),
    ImportExpression: (n) => {
      if (n.source.type === 'Literal') literal(n.source);
      else throw new Error(`${file} imports a module whose name is computed at run time; its files cannot be found for export`);
    },
  });
  return found;
}

/** `a/b/../c/./d.ts` → `a/c/d.ts`; null when it climbs above the root. */
export function normalizePath(path: string): string | null {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/') + 1);

export interface ModuleClosure {
  /** Our files the entries need, entries included: paths from the root, `/`-separated, sorted. */
  files: string[];
  /** Bare specifiers imported by them (packages and `node:` builtins), sorted. */
  bare: string[];
}

/**
 * Walks the relative imports from `entries` (paths from the root) through `read`, which returns a
 * file's text and throws when there is none.
 */
export function moduleClosure(entries: readonly string[], read: (path: string) => string): ModuleClosure {
  const files = new Set<string>();
  const bare = new Set<string>();
  const todo = entries.map((path) => ({ path, from: 'the entry list' }));
  while (todo.length > 0) {
    const { path, from } = todo.pop()!;
    if (files.has(path)) continue;
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      throw new Error(`${path} (imported by ${from}) could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    files.add(path);
    for (const spec of importSpecifiers(text, path)) {
      if (!spec.startsWith('.')) {
        bare.add(spec);
        continue;
      }
      const target = normalizePath(dirOf(path) + spec);
      if (target === null) throw new Error(`${path} imports ${spec}, which lies outside the source tree`);
      todo.push({ path: target, from: path });
    }
  }
  return { files: [...files].sort(), bare: [...bare].sort() };
}

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** A node type's definition as a module exports it. */
export interface NodeModule {
  /** The exported constant, e.g. `energyMlpNode`. */
  exportName: string;
  /** Its file from the root, e.g. `nodes/energy-mlp/node.ts`. */
  path: string;
}

/**
 * The modules of the catalog's node types, in the order of its NODE_TYPES list (the order of
 * `catalog.types`), read from the text of nodes/catalog.ts (`catalogPath`): each entry of the
 * list is a name it imports from a node's module.
 */
export function catalogModules(source: string, catalogPath = 'nodes/catalog.ts'): NodeModule[] {
  const js = transform(source, { transforms: ['typescript'] }).code;
  const program = parse(js, { ecmaVersion: 'latest', sourceType: 'module' });
  const importedFrom = new Map<string, { exportName: string; path: string }>();
  let list: string[] | null = null;
  simple(program, {
    ImportDeclaration(n) {
      for (const s of n.specifiers) {
        if (s.type !== 'ImportSpecifier' || typeof n.source.value !== 'string') continue;
        const exportName = s.imported.type === 'Identifier' ? s.imported.name : String(s.imported.value);
        const path = normalizePath(dirOf(catalogPath) + n.source.value);
        if (path) importedFrom.set(s.local.name, { exportName, path });
      }
    },
    VariableDeclarator(n) {
      if (n.id.type === 'Identifier' && n.id.name === 'NODE_TYPES' && n.init?.type === 'ArrayExpression')
        list = n.init.elements.map((e) => {
          if (e?.type !== 'Identifier') throw new Error(`${catalogPath}: NODE_TYPES should list imported names only`);
          return e.name;
        });
    },
  });
  if (!list) throw new Error(`${catalogPath}: no NODE_TYPES list found`);
  return (list as string[]).map((name) => {
    const found = importedFrom.get(name);
    if (!found) throw new Error(`${catalogPath}: NODE_TYPES lists ${name}, which it does not import`);
    return found;
  });
}
