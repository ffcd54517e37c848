import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import { CONTINUATION_DETAIL_TYPE } from '../../functions/engine/continuation.ts';
import {
  busEvents,
  CLUSTER,
  createBus,
  lambdaContext,
  POLICY,
  PRODUCT_VIEW,
  seedFleet,
  UNKNOWN,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * A Redshift call that hangs longer than the function's own timeout must not keep the function
 * past it: each handler gives up on the call, and returns its report (truncated) while the Lambda
 * is still running. The fake context's clock is the real one, so the deadline is real too.
 */

const DESCRIBE = 'redshift.DescribeClusterSnapshots';
/** Longer than the event function's 30 s timeout, and than any SDK retries within it. */
const HANG_MS = 40_000;
/** After its deadline, how long the test waits before it says Lambda would have stopped the handler. */
const GRACE_MS = 5_000;
const STOPPED = 'stopped by Lambda';

const local = useStandIn(PRODUCT_VIEW);
let workdir: string;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'time-limits-'));
  const path = join(workdir, 'policy.yml');
  await writeFile(path, POLICY);
  process.env.POLICY_PATH = path;
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  await createBus();
  seedFleet(local, 20);
  local.resetCalls();
  // A cold start each time: the runtime is built from the invocation's own time.
  vi.resetModules();
});

/** Invokes a handler as Lambda would with `remainingMs` left, and says whether and when it came back. */
async function invokeWithDeadline(
  remainingMs: number,
  invoke: (context: Context) => Promise<unknown>,
): Promise<{ outcome: unknown; deadline: number; returnedAt: number }> {
  const deadline = Date.now() + remainingMs;
  const outcome = await Promise.race([
    invoke(lambdaContext(() => deadline - Date.now())),
    sleep(remainingMs + GRACE_MS).then(() => STOPPED),
  ]);
  return { outcome, deadline, returnedAt: Date.now() };
}

describe('a call slower than the Lambda timeout', () => {
  it('makes the event function give up on it and return its truncated report before the deadline', async () => {
    // Prepare: a warm function, sized for its 30 s; then every describe takes 40 s, and an
    // invocation starts with 3 s left
    const { handler } = await import('../../functions/snapshot-event.ts');
    const raw = JSON.parse(
      readFileSync(new URL('../fixtures/events/authorize-snapshot-access.json', import.meta.url), 'utf8'),
    );
    raw.detail.requestParameters = {
      snapshotIdentifier: 'nightly-007',
      snapshotClusterIdentifier: CLUSTER,
      accountWithRestoreAccess: UNKNOWN,
    };
    await handler(
      raw,
      lambdaContext(() => 30_000),
    );
    local.reset();
    await createBus();
    seedFleet(local, 20);
    local.faults.configure({ rules: [{ action: DESCRIBE, latencyMs: HANG_MS }] });

    // Act
    const { outcome, deadline, returnedAt } = await invokeWithDeadline(3_000, (context) =>
      handler(raw, context),
    );

    // Assess: it returned, in time, saying what it could not do; the describe was not retried
    expect(outcome).not.toBe(STOPPED);
    expect(returnedAt).toBeLessThan(deadline);
    expect(outcome).toMatchObject({ truncated: true, compliant: false, inventoryErrors: 1 });
    expect(local.calls()[DESCRIBE]).toBe(1);
    const failed = busEvents(local).filter((e) => e.detailType === DETAIL_TYPES.inventoryFailed);
    expect(failed.map((e) => e.detail.reason)).toEqual([
      expect.stringMatching(/^snapshot prod-main\/nightly-007: TimeUpError: time ran out/),
    ]);
  });

  it('makes the sweep give up on its listing and return its truncated report before the deadline', async () => {
    // Prepare: a warm function, sized for its 900 s; then every page takes 40 s, and an
    // invocation starts with 12 s left (under its 20 s reserve, so it reads but changes nothing)
    const { handler } = await import('../../functions/sweep.ts');
    await handler(
      { dryRun: true },
      lambdaContext(() => 900_000),
    );
    local.resetCalls();
    local.faults.configure({ rules: [{ action: DESCRIBE, latencyMs: HANG_MS }] });

    // Act
    const { outcome, deadline, returnedAt } = await invokeWithDeadline(12_000, (context) =>
      handler({ dryRun: false }, context),
    );

    // Assess: it stopped reading, changed nothing, and handed what it did not read to a next part
    expect(outcome).not.toBe(STOPPED);
    expect(returnedAt).toBeLessThan(deadline);
    expect(outcome).toMatchObject({
      truncated: true,
      compliant: false,
      sweep: { part: 1, next: { part: 2, regions: ['us-east-1'] }, requested: { requested: true } },
    });
    expect(local.calls()[DESCRIBE] ?? 0).toBeLessThanOrEqual(1);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
    const requests = local
      .events('snapshot-compliance')
      .filter((e) => e.detailType === CONTINUATION_DETAIL_TYPE);
    expect(requests.map((e) => e.detail.regions)).toEqual([
      [{ region: 'us-east-1', provisioned: [{}], serverless: [] }],
    ]);
  });
});
