// Lint, and the import boundaries of DESIGN.md: the core (app/, nodes/) never reaches for
// electron, React or the DOM, and only its Node-only subfolders touch node:*; the renderer
// never imports electron or node:*.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

const uiPackages = ['electron', 'react', 'react-dom', '@xyflow/*', 'monaco-editor', 'uplot'];
const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'url'];
const domGlobals = ['window', 'document', 'navigator', 'localStorage', 'HTMLElement'].map((name) => ({
  name,
  message: 'The core runs without a DOM: no browser globals here.',
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'runs/', 'test-results/', 'test/artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['app/**/*.ts', 'nodes/**/*.ts'],
    ignores: ['app/**/node/**', 'app/cli/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: uiPackages, message: 'app/ and nodes/ are the core: no electron, React or UI packages.' },
            { group: nodeBuiltins, message: 'Node-only code lives in a node/ subfolder (or app/cli).' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...domGlobals, { name: 'process', message: 'Node-only: use a node/ subfolder.' }],
    },
  },
  {
    files: ['app/**/node/**/*.ts', 'app/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: uiPackages, message: 'app/ is the core: no electron, React or UI packages.' }] },
      ],
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron'], message: 'The renderer talks to the host only through HostApi.' },
            { group: nodeBuiltins, message: 'The renderer runs in a browser: no node:* imports.' },
          ],
        },
      ],
    },
  },
);
