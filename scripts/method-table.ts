// The README's method table: every method recipe (scripts/recipes.ts) trained on each data set
// with the same network and budget, and its held-out NLL − entropy (the KL divergence from the
// data to the model, in nats; 0 is perfect) at the end. Runs go on worker threads, two at a time.
//
//   npm run table [-- --datasets 8gaussians,moons --steps 2000 --jobs 2 --only sm,dsm --out FILE]
//
// The results are kept next to the table (FILE with .json): with --only, the other rows are taken
// from there, so that one method can be rerun without the hour the whole table takes.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRun } from '../app/runtime/node/start-run.ts';
import type { Summary } from '../app/runtime/events.ts';
import { BUDGET, methodGraph, RECIPES, type Recipe } from './recipes.ts';

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: '8gaussians,moons' },
    steps: { type: 'string', default: String(BUDGET.steps) },
    jobs: { type: 'string', default: '2' },
    only: { type: 'string' },
    out: { type: 'string', default: 'docs/method-table.md' },
  },
});
const datasets = args.datasets.split(',');
const steps = Number(args.steps);
const jobs = Math.max(1, Number(args.jobs));
const recipes = args.only ? RECIPES.filter((r) => args.only!.split(',').includes(r.id)) : RECIPES;
if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a whole number ≥ 1, got ${args.steps}`);
if (recipes.length === 0) throw new Error(`--only matched no recipe; they are ${RECIPES.map((r) => r.id).join(', ')}`);

interface Cell {
  recipe: Recipe;
  dataset: string;
  summary?: Summary;
  failure?: string;
}

const cells: Cell[] = recipes.flatMap((recipe) => datasets.map((dataset) => ({ recipe, dataset })));
const root = mkdtempSync(join(tmpdir(), 'ebm-method-table-'));

async function run(cell: Cell): Promise<void> {
  const document = await methodGraph(cell.recipe, { dataset: cell.dataset, steps });
  const handle = startRun({ document, outDir: join(root, `${cell.dataset}-${cell.recipe.id}`) });
  for await (const _ of handle.events);
  const { summary, failure } = await handle.done;
  if (summary) cell.summary = summary;
  if (failure) cell.failure = failure.diagnostic.message;
  const gap = summary?.final.nll_minus_entropy;
  console.error(`${cell.dataset} ${cell.recipe.id}: ${failure ? `failed: ${failure.diagnostic.message}` : `NLL − H ${gap?.toFixed(3)} nats, ${summary?.seconds.toFixed(0)} s`}`);
}

const queue = [...cells];
await Promise.all(Array.from({ length: jobs }, async () => {
  for (let cell = queue.shift(); cell; cell = queue.shift()) await run(cell);
}));

/** One cell's result as kept in the results file. */
interface Result {
  nllMinusEntropy?: number;
  fisher?: number;
  seconds?: number;
  failure?: string;
  backend: string;
  steps: number;
  date: string;
}
const resultsFile = args.out.replace(/\.md$/, '') + '.json';
const results: Record<string, Result> = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
const date = new Date().toISOString().slice(0, 10);
for (const c of cells) {
  results[`${c.dataset}/${c.recipe.id}`] = {
    nllMinusEntropy: c.summary?.final.nll_minus_entropy,
    fisher: c.summary?.final.fisher,
    seconds: c.summary?.seconds,
    failure: c.failure,
    backend: c.summary?.backend ?? '?',
    steps,
    date,
  };
}
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);

const fmt = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const shown = RECIPES.filter((r) => datasets.some((d) => results[`${d}/${r.id}`]));
const kept = shown.flatMap((r) => datasets.flatMap((d) => results[`${d}/${r.id}`] ?? []));
const distinct = (f: (r: Result) => string | number) => [...new Set(kept.map(f))].join(', ');
const lines = [
  `| method | ${datasets.map((d) => `${d}: NLL − H (nats)`).join(' | ')} | ${datasets.map((d) => `${d}: s`).join(' | ')} |`,
  `|---|${datasets.map(() => '---:').join('|')}|${datasets.map(() => '---:').join('|')}|`,
  ...shown.map((r) => {
    const row = datasets.map((d) => results[`${d}/${r.id}`]);
    const gap = row.map((c) => (c?.failure ? 'failed' : fmt(c?.nllMinusEntropy)));
    const secs = row.map((c) => fmt(c?.seconds, 0));
    return `| ${r.method} | ${gap.join(' | ')} | ${secs.join(' | ')} |`;
  }),
];
const text =
  `${lines.join('\n')}\n\n` +
  `${distinct((r) => r.steps)} steps of ${BUDGET.batchSize} points each, MLP 2-128-128-1 (Swish), Adam 1e-3, seed 0, backend ${distinct((r) => r.backend)}; ` +
  `held-out NLL by normalising exp(−E) on a 200×200 grid; seconds of wall time on a shared 2-core machine. ` +
  `Made by \`npm run table\` (${distinct((r) => r.date)}).\n`;
writeFileSync(args.out, text);
console.log(text);
console.error(`wrote ${args.out}; run folders in ${root}`);
