#!/usr/bin/env node
// Runs the TypeScript command line straight from the source tree, with no build step: tsx
// compiles each module as it is imported.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../functions/cli.ts');
process.exitCode = await main(process.argv);
