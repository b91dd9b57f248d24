// The method recipes: one graph per training method of the catalog, on a toy data set, with the
// same energy network, optimizer, budget and monitors, so that their numbers compare. The example
// files (scripts/write-examples.ts) and the README's method table (scripts/method-table.ts) are
// both made from these.
import ELK from 'elkjs/lib/elk.bundled.js';
import { APP_VERSION, FORMAT_VERSION, type GraphDocument } from '../app/graph/document.ts';
import { catalog } from '../nodes/catalog.ts';

export interface NodeSpec {
  id: string;
  type: string;
  label: string;
  params?: Record<string, unknown>;
  /** Input port → "node.port" that feeds it. */
  inputs?: Record<string, string>;
}

export interface Recipe {
  /** File names are `<dataset>-<id>.ebm.json`. */
  id: string;
  /** The method, for the table's rows. */
  method: string;
  title: string;
  /** What the example shows, for the README. */
  shows: string;
  /** The method's own nodes. One has id "objective"; they read "data.data" and "energy.energy". */
  nodes: NodeSpec[];
  /** The node whose samples the density monitor shows; without it, a long Langevin chain from
   * noise (at temperature 1) draws them. */
  sampler?: string;
}

/** The budget every method gets in the table: the core examples' (2000 steps of 256 points). */
export const BUDGET = { steps: 2000, batchSize: 256 } as const;

const langevin = (id: string, params: Record<string, unknown>, label = 'Langevin'): NodeSpec => ({
  id,
  type: 'sampler.langevin',
  label,
  params,
  inputs: { energy: 'energy.energy' },
});

const objective = (type: string, label: string, params: Record<string, unknown> = {}, inputs: Record<string, string> = {}): NodeSpec => ({
  id: 'objective',
  type,
  label,
  params,
  inputs: { data: 'data.data', energy: 'energy.energy', ...inputs },
});

export const RECIPES: readonly Recipe[] = [
  {
    id: 'pcd',
    method: 'ML, persistent chains (PCD)',
    title: 'Maximum likelihood, persistent Langevin chains',
    shows: 'Maximum likelihood with 20 Langevin steps per update from a replay buffer of past chains (persistent CD; Du & Mordatch 2019).',
    nodes: [langevin('sampler', { init: 'buffer', steps: 20, stepSize: 0.01 }), objective('objective.ml', 'Max likelihood', { alpha: 0.1 }, { sampler: 'sampler.sampler' })],
    sampler: 'sampler',
  },
  {
    id: 'cd',
    method: 'ML, CD-10',
    title: 'Maximum likelihood, contrastive divergence (CD-10)',
    shows: 'Contrastive divergence: 10 Langevin steps from the data batch at every update (Hinton 2002).',
    nodes: [langevin('sampler', { init: 'data', steps: 10, stepSize: 0.01 }), objective('objective.ml', 'Max likelihood', { alpha: 0.1 }, { sampler: 'sampler.sampler' })],
    sampler: 'sampler',
  },
  {
    id: 'short-run',
    method: 'ML, short-run from noise',
    title: 'Maximum likelihood, short-run chains from noise',
    shows: 'Short-run MCMC (Nijkamp et al. 2019): every update starts 60 fresh Langevin chains from uniform noise; no persistence.',
    nodes: [langevin('sampler', { init: 'noise', steps: 60, stepSize: 0.01 }), objective('objective.ml', 'Max likelihood', { alpha: 0.1 }, { sampler: 'sampler.sampler' })],
    sampler: 'sampler',
  },
  {
    id: 'mala',
    method: 'ML, MALA chains',
    title: 'Maximum likelihood with Metropolis-adjusted Langevin',
    shows: 'MALA chains in a replay buffer: the Metropolis test removes Langevin’s step-size bias; the acceptance rate is a training metric.',
    nodes: [
      { id: 'sampler', type: 'sampler.mala', label: 'MALA', params: { init: 'buffer', steps: 20, stepSize: 0.01 }, inputs: { energy: 'energy.energy' } },
      objective('objective.ml', 'Max likelihood', { alpha: 0.1 }, { sampler: 'sampler.sampler' }),
    ],
    sampler: 'sampler',
  },
  {
    id: 'hmc',
    method: 'ML, HMC chains',
    title: 'Maximum likelihood with Hamiltonian Monte Carlo',
    shows: 'HMC chains (5 leapfrog steps) in a replay buffer, the step size adapted towards 65% acceptance.',
    nodes: [
      {
        id: 'sampler',
        type: 'sampler.hmc',
        label: 'HMC',
        params: { init: 'buffer', steps: 4, leapfrogSteps: 5, stepSize: 0.1, adaptStep: true, targetAcceptance: 0.65 },
        inputs: { energy: 'energy.energy' },
      },
      objective('objective.ml', 'Max likelihood', { alpha: 0.1 }, { sampler: 'sampler.sampler' }),
    ],
    sampler: 'sampler',
  },
  {
    id: 'replay-buffer',
    method: 'ML, replay buffer node',
    title: 'Maximum likelihood with a Replay buffer node around Langevin',
    shows: 'The Replay buffer node wrapped around a Langevin sampler: FIFO replacement, 5% of chains restarted from training points.',
    nodes: [
      langevin('langevin', { init: 'noise', steps: 20, stepSize: 0.01 }),
      {
        id: 'sampler',
        type: 'sampler.replayBuffer',
        label: 'Replay buffer',
        params: { bufferSize: 10000, reinitProb: 0.05, policy: 'fifo', restart: 'data' },
        inputs: { sampler: 'langevin.sampler', data: 'data.data' },
      },
      objective('objective.ml', 'Max likelihood', { alpha: 0.1 }, { sampler: 'sampler.sampler' }),
    ],
    sampler: 'sampler',
  },
  {
    id: 'sm',
    method: 'Exact score matching',
    title: 'Exact score matching (Hyvärinen 2005)',
    shows: 'Exact score matching: ½‖∇E‖² − tr ∇²E with the full Hessian trace (d = 2 extra backward passes); no sampler while training.',
    nodes: [objective('objective.sm', 'Score matching')],
  },
  {
    id: 'ssm',
    method: 'Sliced SM (VR)',
    title: 'Sliced score matching, variance reduced',
    shows: 'Sliced score matching with one Rademacher projection per point and the variance-reduced form (Song et al. 2019).',
    nodes: [objective('objective.ssm', 'Sliced SM', { variant: 'vr', projection: 'rademacher', projections: 1 })],
  },
  {
    id: 'fdssm',
    method: 'Finite-difference sliced SM',
    title: 'Finite-difference sliced score matching',
    shows: 'FD-SSM (Pang et al. 2020): three forward passes per point and no second derivatives, so it also trains ReLU energies.',
    nodes: [objective('objective.fdssm', 'FD sliced SM')],
  },
  {
    id: 'dsm',
    method: 'Denoising SM, σ = 0.1',
    title: 'Denoising score matching',
    shows: 'Denoising score matching at one noise level σ = 0.1: fits the data blurred by N(0, σ²I).',
    nodes: [objective('objective.dsm', 'Denoising SM', { mode: 'single', sigma: 0.1 })],
  },
  {
    id: 'dsm-ladder',
    method: 'Denoising SM, noise ladder',
    title: 'Multi-scale denoising score matching with annealed Langevin sampling',
    shows: 'Denoising score matching over a geometric noise ladder (σ² weighting, NCSN), sampled by annealed Langevin dynamics.',
    nodes: [
      objective('objective.dsm', 'Denoising SM (ladder)', { mode: 'ladder' }),
      { id: 'sampler', type: 'sampler.annealedLangevin', label: 'Annealed Langevin', inputs: { energy: 'energy.energy' } },
    ],
    sampler: 'sampler',
  },
  {
    id: 'nce',
    method: 'NCE, Gaussian noise',
    title: 'Noise-contrastive estimation against a Gaussian fitted to the data',
    shows: 'NCE with a learnable log Z against a Gaussian fitted to the data (ν = 1): the usual 2-D choice; log Z is a training metric.',
    nodes: [
      { id: 'noise', type: 'noise.gaussian', label: 'Gaussian noise', inputs: { data: 'data.data' } },
      objective('objective.nce', 'NCE', {}, { noise: 'noise.noise' }),
    ],
  },
  {
    id: 'nce-mixture',
    method: 'NCE, mixture noise',
    title: 'Noise-contrastive estimation against a Gaussian mixture fitted to the data',
    shows: 'NCE against a Gaussian mixture fitted to the data by EM: noise this close to the data leaves little to classify, so the gradient is small (the flat NCE landscape of Liu et al. 2021); compare the Gaussian-noise example.',
    nodes: [
      { id: 'noise', type: 'noise.mixture', label: 'Mixture noise', inputs: { data: 'data.data' } },
      objective('objective.nce', 'NCE', {}, { noise: 'noise.noise' }),
    ],
  },
  {
    id: 'cnce',
    method: 'Conditional NCE',
    title: 'Conditional noise-contrastive estimation',
    shows: 'Conditional NCE (Ceylan & Gutmann 2018): each point against a Gaussian perturbation of itself; Z and the noise density cancel.',
    nodes: [objective('objective.cnce', 'Conditional NCE')],
  },
  {
    id: 'ed',
    method: 'Energy discrepancy',
    title: 'Energy discrepancy',
    shows: 'Energy discrepancy (Schröder et al. 2023): first-order and free of MCMC, with t = 1, M = 4, w = 1.',
    nodes: [objective('objective.ed', 'Energy discrepancy')],
  },
  {
    id: 'ksd',
    method: 'Kernel Stein discrepancy',
    title: 'Kernel Stein discrepancy',
    shows: 'Minimises the kernel Stein discrepancy of the data under the model’s score (RBF kernel, median bandwidth): a kernel as wide as the data (≈ 4 on 8 Gaussians) barely sees the modes, so the loss goes to zero while the density stays a blur.',
    nodes: [objective('objective.ksd', 'KSD')],
  },
];

/** Estimated node box for the layout: React Flow measures the real one in the app. */
function nodeSize(spec: NodeSpec): { width: number; height: number } {
  const def = catalog.get(spec.type);
  const ports = Math.max(Object.keys(def?.inputs ?? {}).length, Object.keys(def?.outputs ?? {}).length, 1);
  return { width: 220, height: 56 + 24 * ports };
}

/** A graph document from node specs, laid out left to right along the wires (elkjs, as the app). */
export async function graphOf(title: string, description: string, specs: readonly NodeSpec[], seed = 0): Promise<GraphDocument> {
  const edges = specs.flatMap((s) =>
    Object.entries(s.inputs ?? {}).map(([port, from]) => {
      const [node, out] = from.split('.') as [string, string];
      return { source: { node, port: out }, target: { node: s.id, port } };
    }),
  );
  for (const e of edges) if (!specs.some((s) => s.id === e.source.node)) throw new Error(`${title}: no node "${e.source.node}"`);
  const laid = await new ELK().layout({
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '40', 'elk.layered.spacing.nodeNodeBetweenLayers': '80' },
    children: specs.map((s) => ({ id: s.id, ...nodeSize(s) })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.source.node], targets: [e.target.node] })),
  });
  const at = new Map((laid.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
  return {
    formatVersion: FORMAT_VERSION,
    metadata: { title, description, appVersion: APP_VERSION },
    seed,
    nodes: specs.map((s) => {
      const def = catalog.get(s.type);
      if (!def) throw new Error(`${title}: unknown node type ${s.type}`);
      return { id: s.id, type: s.type, typeVersion: def.version, label: s.label, position: at.get(s.id)!, params: s.params ?? {} };
    }),
    edges,
  };
}

export interface MethodGraphOptions {
  dataset: string;
  steps?: number;
  seed?: number;
}

/** The graph of one recipe on one toy data set: the shared skeleton around the method's nodes. */
export async function methodGraph(recipe: Recipe, { dataset, steps = BUDGET.steps, seed = 0 }: MethodGraphOptions): Promise<GraphDocument> {
  const evalSampler = recipe.sampler ?? 'evalSampler';
  const specs: NodeSpec[] = [
    { id: 'data', type: 'data.toy2d', label: dataset, params: { dataset } },
    { id: 'energy', type: 'energy.mlp', label: 'MLP', params: { hidden: [128, 128], activation: 'swish' } },
    ...recipe.nodes,
    ...(recipe.sampler ? [] : [langevin('evalSampler', { init: 'noise', steps: 500, stepSize: 0.01 }, 'Langevin (evaluation)')]),
    { id: 'optimizer', type: 'optimizer.adam', label: 'Adam', params: { learningRate: 1e-3 }, inputs: { objective: 'objective.objective' } },
    { id: 'trainer', type: 'trainer.loop', label: 'Trainer', params: { steps, batchSize: BUDGET.batchSize, logEvery: 10, snapshotEvery: 250 }, inputs: { optimizer: 'optimizer.optimizer' } },
    { id: 'curves', type: 'monitor.training', label: 'Curves', inputs: { trainer: 'trainer.trainer' } },
    { id: 'density', type: 'monitor.density2d', label: 'Density', inputs: { trainer: 'trainer.trainer', sampler: `${evalSampler}.sampler` } },
    { id: 'score', type: 'monitor.score', label: 'Score fit', inputs: { trainer: 'trainer.trainer' } },
    // The training sampler's mixing on the current model (methods without one have nothing to diagnose).
    ...(recipe.sampler ? [{ id: 'mcmc', type: 'monitor.mcmc', label: 'MCMC diagnostics', inputs: { trainer: 'trainer.trainer', sampler: `${recipe.sampler}.sampler` } }] : []),
  ];
  const description =
    `${recipe.shows} MLP 2-128-128-1 (Swish), Adam 1e-3, ${steps} steps of ${BUDGET.batchSize}: the budget of every method example, ` +
    'so their held-out NLL − entropy compare.' +
    (recipe.sampler ? '' : ' Samples in the pictures: 500 Langevin steps from noise.');
  return graphOf(`${recipe.title} (${dataset})`, description, specs, seed);
}
