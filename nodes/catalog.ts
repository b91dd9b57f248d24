// The node catalog: one explicit list of every node type. No glob magic: a node type exists
// when it is listed here (test/unit/nodes/catalog.test.ts checks every folder is).
import type { AnyNodeDef, Category } from './define.ts';

export const NODE_TYPES: readonly AnyNodeDef[] = [
];

export interface Catalog {
  readonly types: readonly AnyNodeDef[];
  get(type: string): AnyNodeDef | undefined;
  byCategory(category: Category): AnyNodeDef[];
}

export function createCatalog(defs: readonly AnyNodeDef[]): Catalog {
  const byType = new Map<string, AnyNodeDef>();
  for (const def of defs) {
    if (byType.has(def.type)) throw new Error(`node catalog: duplicate node type "${def.type}"`);
    byType.set(def.type, def);
  }
  return {
    types: defs,
    get: (type) => byType.get(type),
    byCategory: (category) => defs.filter((d) => d.category === category),
  };
}

export const catalog: Catalog = createCatalog(NODE_TYPES);
