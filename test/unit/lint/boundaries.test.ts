// The import boundaries of the design, as the linter enforces them: the core never imports
// electron, React or the DOM, and reaches node:* only from its Node-only folders; the renderer
// never imports electron or node:*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const cases: { file: string; code: string; allowed: boolean }[] = [
  { file: 'app/runtime/x.ts', code: "import { app } from 'electron';\nexport const a = app;\n", allowed: false },
  { file: 'app/compile/x.ts', code: "import React from 'react';\nexport const a = React;\n", allowed: false },
  { file: 'nodes/energy-mlp/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", allowed: false },
  { file: 'app/graph/x.ts', code: 'export const a = () => document.title;\n', allowed: false },
  { file: 'app/runtime/x.ts', code: 'export const a = () => process.cwd();\n', allowed: false },
  { file: 'app/runtime/node/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", allowed: true },
  { file: 'app/cli/x.ts', code: "import { join } from 'node:path';\nexport const a = join;\n", allowed: true },
  { file: 'app/runtime/node/x.ts', code: "import { app } from 'electron';\nexport const a = app;\n", allowed: false },
  { file: 'renderer/x.tsx', code: "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n", allowed: false },
  { file: 'renderer/x.tsx', code: "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", allowed: false },
  { file: 'app/graph/x.ts', code: "import { z } from 'zod';\nexport const a = z;\n", allowed: true },
];

for (const c of cases) {
  test(`${c.file}: ${c.code.split('\n')[0]} is ${c.allowed ? 'allowed' : 'refused'}`, async () => {
    const found = (await problems(c.file, c.code)).filter((p) => /no-restricted-(imports|globals)/.test(p));
    if (c.allowed) assert.deepEqual(found, []);
    else assert.ok(found.length > 0, 'the linter reports the boundary');
  });
}
