// Builds the renderer (the React app) into dist/renderer, served by the web host and loaded by
// Electron from disk. Relative asset paths so both work.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TENSOR_METHODS } from '../nodes/energy-custom/ops.ts';
import { TFJS_FACADE_OPS } from './src/editor/code/declarations.ts';
import { collectTfjsTypes } from './src/editor/code/tfjs-types.ts';

const TFJS_TYPES_MODULE = 'virtual:tfjs-core-types';

/**
 * `virtual:tfjs-core-types`: the tfjs-core declaration files the code editor's TypeScript needs
 * (src/editor/code/tfjs-types.ts picks them), as one module of path → text. Only the code editor
 * imports it, so it lands in the editor's lazily loaded chunk.
 */
function tfjsCoreTypes(): Plugin {
  const resolved = `\0${TFJS_TYPES_MODULE}`;
  return {
    name: 'ebm-tfjs-core-types',
    resolveId: (id) => (id === TFJS_TYPES_MODULE ? resolved : null),
    load(id) {
      if (id !== resolved) return null;
      const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')), 'dist');
      const read = (path: string): string | undefined => {
        try {
          return readFileSync(join(dist, path), 'utf8');
        } catch {
          return undefined;
        }
      };
      const files = collectTfjsTypes(read, { ops: TFJS_FACADE_OPS, methods: TENSOR_METHODS });
      return `// Type declarations of @tensorflow/tfjs-core (Apache License 2.0, Copyright Google LLC).\nexport default ${JSON.stringify(files)};\n`;
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react(), tfjsCoreTypes()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // The code editor's TypeScript worker (Monaco's, with the compiler inside) is the one big
    // file, about 6 MB; it loads only when a code panel opens.
    chunkSizeWarningLimit: 8000,
    sourcemap: true,
  },
});
