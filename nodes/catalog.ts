// The node catalog: one explicit list of every node type. No glob magic: a node type exists
// when it is listed here (test/unit/nodes/catalog.test.ts checks every folder is).
import type { AnyNodeDef, Category } from './define.ts';
import { dataToy2dNode } from './data-toy2d/node.ts';
import { dataGaussianNode } from './data-gaussian/node.ts';
import { energyMlpNode } from './energy-mlp/node.ts';
import { energyGaussianNode } from './energy-gaussian/node.ts';
import { samplerLangevinNode } from './sampler-langevin/node.ts';
import { objectiveMlNode } from './objective-ml/node.ts';
import { optimizerAdamNode } from './optimizer-adam/node.ts';
import { optimizerSgdNode } from './optimizer-sgd/node.ts';
import { trainerNode } from './trainer/node.ts';
import { monitorTrainingNode } from './monitor-training/node.ts';
import { monitorDensity2dNode } from './monitor-density2d/node.ts';

export const NODE_TYPES: readonly AnyNodeDef[] = [
  dataToy2dNode,
  dataGaussianNode,
  energyMlpNode,
  energyGaussianNode,
  samplerLangevinNode,
  objectiveMlNode,
  optimizerAdamNode,
  optimizerSgdNode,
  trainerNode,
  monitorTrainingNode,
  monitorDensity2dNode,
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
