import { fork } from 'node:child_process';
import type * as z from 'zod';

/**
 * Runs a bundled bench script in a fresh `node` (no tsx, no inherited flags), hands it `config`
 * as its one argument and resolves with the one message it sends back. A fresh process per
 * measurement starts every figure from the same baseline: no heap, JIT or sockets left over from
 * the previous one, and its RSS is its own.
 */
export function runChild<S extends z.ZodType>(
  script: string,
  config: unknown,
  schema: S,
  env: NodeJS.ProcessEnv,
  execArgv: string[] = [],
): Promise<z.output<S>> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [JSON.stringify(config)], {
      execArgv,
      // Only what the child is given: no AWS profile, NODE_OPTIONS or loader from this shell.
      env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: { value: z.output<S> } | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('message', (message) => {
      const parsed = schema.safeParse(message);
      if (parsed.success) result = { value: parsed.data };
      else reject(new Error(`${script} sent an unexpected result: ${parsed.error.message}`));
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result.value);
      else reject(new Error(`${script} exited (${signal ?? code}) without a result\n${stderr.trim()}`));
    });
  });
}

/** The child's side: reads the config, runs `main`, sends its result (or exits 1 with the error). */
export function childMain<C, R>(parse: (raw: unknown) => C, main: (config: C) => Promise<R>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('a bench child must be started by runChild');
  main(parse(JSON.parse(process.argv[2] ?? '{}')))
    // SDK clients keep sockets alive; the child is done once the parent has its result.
    .then((result) => send(result, () => process.exit(0)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
