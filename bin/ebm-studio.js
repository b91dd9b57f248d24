#!/usr/bin/env node
// The ebm-studio command. The sources are TypeScript, run through tsx (a dependency).
import { register } from 'tsx/esm/api';

register();
await import('../app/cli/main.ts');
