import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTimeouts } from '../../functions/aws/clients.ts';
import { PolicyError } from '../../functions/errors.ts';
import { EVENT_RESERVE_MS } from '../../functions/event-runtime.ts';
import { lazyRuntime } from '../../functions/runtime.ts';

let dir: string;
const saved = process.env.POLICY_PATH;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runtime-'));
});

afterAll(async () => {
  process.env.POLICY_PATH = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('lazyRuntime', () => {
  it('reads the policy again after a failed load, then keeps the runtime it built', async () => {
    const path = join(dir, 'policy.yml');
    process.env.POLICY_PATH = path;
    await writeFile(path, 'version: 1\nmode: enforce\nsharing:\n  allowedAcounts: []\n');
    const runtime = lazyRuntime();

    await expect(runtime()).rejects.toBeInstanceOf(PolicyError);

    await writeFile(path, 'version: 1\nmode: enforce\n');
    const first = await runtime();
    const second = await runtime();

    expect(first.loaded.policy.mode).toBe('enforce');
    expect(second).toBe(first);
  });

  it("sizes the SDK's attempts from the function's own timeout: fewer for the 30 s event function", async () => {
    // Prepare
    const path = join(dir, 'sized.yml');
    process.env.POLICY_PATH = path;
    await writeFile(path, 'version: 1\nmode: enforce\n');
    // Act: the first invocation of a 30 s function
    const rt = await lazyRuntime(EVENT_RESERVE_MS)(30_000);
    // Assess
    const attempts = await rt.clients.redshift('us-east-1').config.maxAttempts();
    expect(attempts).toBe(clientTimeouts(30_000 - EVENT_RESERVE_MS / 2).maxAttempts);
    expect(attempts).toBeLessThan(6);
  });
});
