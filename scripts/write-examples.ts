// Writes the method examples (examples/<dataset>-<method>.ebm.json) from the recipes, and the
// example that trains the same network with three objectives side by side. The three core
// examples (gaussian-ml, 8gaussians-pcd, moons-cd) are written by hand and left alone.
//
//   npm run examples
import { writeFileSync } from 'node:fs';
import { serializeGraph } from '../app/graph/serialize.ts';
import { BUDGET, graphOf, methodGraph, RECIPES, type NodeSpec } from './recipes.ts';

/** The data set each method example uses (the table runs every method on both). */
const EXAMPLE_DATASET = '8gaussians';
/** Recipes that already have a hand-written example. */
const HAND_WRITTEN = new Set(['pcd', 'cd']);

for (const recipe of RECIPES) {
  if (HAND_WRITTEN.has(recipe.id)) continue;
  const file = `examples/${EXAMPLE_DATASET}-${recipe.id}.ebm.json`;
  writeFileSync(file, serializeGraph(await methodGraph(recipe, { dataset: EXAMPLE_DATASET })));
  console.error(`wrote ${file}`);
}

// Three objectives, one network architecture, one data set, one run: three trainers side by side,
// each with its own energy (same architecture), and a density monitor each, so that the curves
// and the summary put their NLL next to each other.
const methods: { key: string; label: string; nodes: (energy: string) => NodeSpec[] }[] = [
  {
    key: 'pcd',
    label: 'PCD',
    nodes: (energy): NodeSpec[] => [
      { id: 'pcdSampler', type: 'sampler.langevin', label: 'Langevin (PCD)', params: { init: 'buffer', steps: 20, stepSize: 0.01 }, inputs: { energy } },
      { id: 'pcdObjective', type: 'objective.ml', label: 'Max likelihood', params: { alpha: 0.1 }, inputs: { data: 'data.data', energy, sampler: 'pcdSampler.sampler' } },
    ],
  },
  {
    key: 'dsm',
    label: 'DSM',
    nodes: (energy): NodeSpec[] => [{ id: 'dsmObjective', type: 'objective.dsm', label: 'Denoising SM', params: { mode: 'single', sigma: 0.1 }, inputs: { data: 'data.data', energy } }],
  },
  {
    key: 'ed',
    label: 'ED',
    nodes: (energy): NodeSpec[] => [{ id: 'edObjective', type: 'objective.ed', label: 'Energy discrepancy', inputs: { data: 'data.data', energy } }],
  },
];
const specs: NodeSpec[] = [
  { id: 'data', type: 'data.toy2d', label: EXAMPLE_DATASET, params: { dataset: EXAMPLE_DATASET } },
  { id: 'evalSampler', type: 'sampler.langevin', label: 'Langevin (evaluation, on the DSM energy)', params: { init: 'noise', steps: 500, stepSize: 0.01 }, inputs: { energy: 'dsmEnergy.energy' } },
  { id: 'edEvalSampler', type: 'sampler.langevin', label: 'Langevin (evaluation, on the ED energy)', params: { init: 'noise', steps: 500, stepSize: 0.01 }, inputs: { energy: 'edEnergy.energy' } },
];
for (const m of methods) {
  const energy = `${m.key}Energy.energy`;
  specs.push(
    { id: `${m.key}Energy`, type: 'energy.mlp', label: `MLP (${m.label})`, params: { hidden: [128, 128], activation: 'swish' } },
    ...m.nodes(energy),
    { id: `${m.key}Adam`, type: 'optimizer.adam', label: `Adam (${m.label})`, params: { learningRate: 1e-3 }, inputs: { objective: `${m.key}Objective.objective` } },
    {
      id: m.label,
      type: 'trainer.loop',
      label: m.label,
      params: { steps: BUDGET.steps, batchSize: BUDGET.batchSize, logEvery: 10, snapshotEvery: 250 },
      inputs: { optimizer: `${m.key}Adam.optimizer` },
    },
    {
      id: `${m.key}Density`,
      type: 'monitor.density2d',
      label: `Density (${m.label})`,
      inputs: { trainer: `${m.label}.trainer`, ...(m.key === 'dsm' ? { sampler: 'evalSampler.sampler' } : m.key === 'ed' ? { sampler: 'edEvalSampler.sampler' } : {}) },
    },
  );
}
specs.push({ id: 'curves', type: 'monitor.training', label: 'Curves (PCD)', inputs: { trainer: 'PCD.trainer' } });
const compare = await graphOf(
  `Three objectives side by side (${EXAMPLE_DATASET})`,
  `The same MLP energy (2-128-128-1, Swish) trained on ${EXAMPLE_DATASET} by persistent contrastive divergence, denoising score matching (σ = 0.1) ` +
    `and energy discrepancy, with the same optimizer and budget, in one run: three trainers step together and each density monitor ` +
    `reports its held-out NLL − entropy (PCD/nll_minus_entropy, DSM/…, ED/…), so the methods compare on the same data.`,
  specs,
);
writeFileSync(`examples/${EXAMPLE_DATASET}-compare.ebm.json`, serializeGraph(compare));
console.error(`wrote examples/${EXAMPLE_DATASET}-compare.ebm.json`);
