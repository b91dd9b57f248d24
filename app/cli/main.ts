// The ebm-studio command's entry point (bin/ebm-studio.js loads it).
import { main } from './program.ts';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, interrupts: process });
