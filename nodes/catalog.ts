// The node catalog: one explicit list of every node type. No glob magic: a node type exists
// when it is listed here (test/unit/nodes/catalog.test.ts checks every folder is).
import type { AnyNodeDef, Category } from './define.ts';
import { dataToy2dNode } from './data-toy2d/node.ts';
import { dataGaussianNode } from './data-gaussian/node.ts';
import { noiseGaussianNode } from './noise-gaussian/node.ts';
import { noiseUniformNode } from './noise-uniform/node.ts';
import { noiseMixtureNode } from './noise-mixture/node.ts';
import { energyMlpNode } from './energy-mlp/node.ts';
import { energyGaussianNode } from './energy-gaussian/node.ts';
import { energyCustomNode } from './energy-custom/node.ts';
import { samplerLangevinNode } from './sampler-langevin/node.ts';
import { samplerMalaNode } from './sampler-mala/node.ts';
import { samplerHmcNode } from './sampler-hmc/node.ts';
import { samplerAnnealedLangevinNode } from './sampler-annealed-langevin/node.ts';
import { samplerReplayBufferNode } from './sampler-replay-buffer/node.ts';
import { objectiveMlNode } from './objective-ml/node.ts';
import { objectiveNceNode } from './objective-nce/node.ts';
import { objectiveCnceNode } from './objective-cnce/node.ts';
import { objectiveEdNode } from './objective-ed/node.ts';
import { objectiveKsdNode } from './objective-ksd/node.ts';
import { objectiveSmNode } from './objective-sm/node.ts';
import { objectiveSsmNode } from './objective-ssm/node.ts';
import { objectiveFdssmNode } from './objective-fdssm/node.ts';
import { objectiveDsmNode } from './objective-dsm/node.ts';
import { optimizerAdamNode } from './optimizer-adam/node.ts';
import { optimizerSgdNode } from './optimizer-sgd/node.ts';
import { trainerNode } from './trainer/node.ts';
import { monitorTrainingNode } from './monitor-training/node.ts';
import { monitorDensity2dNode } from './monitor-density2d/node.ts';
import { monitorScoreNode } from './monitor-score/node.ts';
import { monitorMcmcNode } from './monitor-mcmc/node.ts';

export const NODE_TYPES: readonly AnyNodeDef[] = [
  dataToy2dNode,
  dataGaussianNode,
  noiseGaussianNode,
  noiseUniformNode,
  noiseMixtureNode,
  energyMlpNode,
  energyGaussianNode,
  energyCustomNode,
  samplerLangevinNode,
  samplerMalaNode,
  samplerHmcNode,
  samplerAnnealedLangevinNode,
  samplerReplayBufferNode,
  objectiveMlNode,
  objectiveNceNode,
  objectiveCnceNode,
  objectiveEdNode,
  objectiveKsdNode,
  objectiveSmNode,
  objectiveSsmNode,
  objectiveFdssmNode,
  objectiveDsmNode,
  optimizerAdamNode,
  optimizerSgdNode,
  trainerNode,
  monitorTrainingNode,
  monitorDensity2dNode,
  monitorScoreNode,
  monitorMcmcNode,
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
