#!/usr/bin/env node
// Runs the TypeScript command line straight from the source tree, with no build step: tsx
// compiles each module as it is imported.
import { register } from 'tsx/esm/api';

register();
// `snapshot-guard sweep | head`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
const { main } = await import('../functions/cli.ts');
process.exitCode = await main(process.argv);
