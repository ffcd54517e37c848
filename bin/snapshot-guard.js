#!/usr/bin/env node
// The snapshot-guard command. It runs the build in dist/cli/ (scripts/build-cli.mjs, which
// `npm ci` runs through `prepare`); without one (a checkout not yet installed, or installed
// without devDependencies), or when a file it was built from has changed since, it runs the
// TypeScript sources through tsx, which starts slower.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** The build's entry when it is at least as new as every file it was built from. */
function build() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('dist/cli/build.json', root), 'utf8'));
  } catch {
    return undefined;
  }
  const changed = manifest.inputs.find(
    (file) =>
      (statSync(new URL(file, root), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > manifest.builtAt,
  );
  if (changed === undefined) return new URL(manifest.entry, root);
  process.stderr.write(
    `note: ${changed} changed since the last build; running the sources (npm run build)\n`,
  );
  return undefined;
}

// `snapshot-guard sweep | head`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
const entry = build();
let cli;
if (entry) cli = await import(entry.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../functions/cli.ts');
}
process.exitCode = await cli.main(process.argv);
