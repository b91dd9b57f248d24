#!/usr/bin/env node
// Bundles the Electron side into dist/electron:
//   main.cjs     the main process        (node, cjs; packages stay in node_modules)
//   runner.cjs   the training process    (node, cjs; packages stay in node_modules)
//   preload.cjs  the sandboxed preload   (cjs, everything inlined but `electron`: a sandboxed
//                                         preload can require nothing else)
// Source modules that read `import.meta.url` (start-run.ts finds its worker with it) get, in the
// bundle, the URL of their own source file, computed from the bundle's folder at run time. So the
// training worker starts from app/runtime/node/worker-entry.mjs beside the sources (it registers
// tsx and runs worker.ts), in dev and in a package that ships app/ and nodes/ unpacked.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'electron');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const packages = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];

/** Replaces `import.meta.url` in our sources with their own file URL, found from the bundle at run time. */
const importMetaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = relative(outdir, args.path).split('\\').join('/');
      const url = `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(fromBundle)})).href`;
      return { contents: source.replaceAll('import.meta.url', `(${url})`), loader: args.path.endsWith('ts') ? 'ts' : 'js' };
    });
  },
};

const common = {
  bundle: true,
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  absWorkingDir: root,
};

const builds = [
  {
    ...common,
    entryPoints: { main: 'main/electron/main.ts', runner: 'main/electron/runner-process.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    target: 'node20',
    external: ['electron', ...packages],
    plugins: [importMetaUrl],
  },
  {
    ...common,
    entryPoints: { preload: 'main/electron/preload.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    platform: 'browser',
    target: 'chrome120',
    external: ['electron'],
  },
];

for (const options of builds) {
  const result = await build(options);
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    console.log(`${relative(root, resolve(root, file))}  ${(output.bytes / 1024).toFixed(1)} KiB`);
  }
}
