// Worker bootstrap: the worker runs TypeScript sources, so it registers tsx first, whoever started it.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
