import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { paginateDescribeClusterSnapshots, RedshiftClient } from '@aws-sdk/client-redshift';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTINUATION_DETAIL_TYPE, MS_PER_PLANNED_ACTION } from '../../functions/engine/continuation.ts';
import { SWEEP_RESERVE_MS } from '../../functions/runtime.ts';
import { handler } from '../../functions/sweep.ts';
import type { SeededFleet } from '../../local/server.ts';
import { lambdaContext } from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * A sweep that runs out of time part-way through a region hands the rest to a next part, which
 * the compliance bus delivers to the same function: between them the parts read every snapshot
 * once and leave exactly the allowed grants.
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const BUS = 'snapshot-compliance';
const ALLOWED = ['111122223333', '444455556666'];
const POLICY = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED.join('", "')}"]
  allowSupportAccess: false
  requireEncryption: false
safety:
  maxRevocationsPerRun: 1000
events:
  busName: ${BUS}
`;

/** The handler as Lambda calls it: with whatever JSON arrived. */
const invoke = handler as unknown as (event: unknown, context: Context) => ReturnType<typeof handler>;

/** Time for the reserve and `actions` planned actions: reading stops once the plan outgrows it. */
const timeFor = (actions: number) => SWEEP_RESERVE_MS + actions * MS_PER_PLANNED_ACTION + 1;

const scheduled = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: '2026-11-23T10:00:00Z',
  region: REGION,
  resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/snapshot-guard-sweep`],
  detail: {},
};

/** The request a part left on the bus, wrapped as the continuation rule delivers it. */
function delivered(detail: Record<string, unknown>) {
  return {
    version: '0',
    id: 'b9f3c8de-0000-4000-8000-000000000002',
    'detail-type': CONTINUATION_DETAIL_TYPE,
    source: 'redshift-snapshot-guard',
    account: ACCOUNT,
    time: '2026-11-23T10:14:40Z',
    region: REGION,
    resources: [],
    detail,
  };
}

const continuations = () => local.events(BUS).filter((e) => e.detailType === CONTINUATION_DETAIL_TYPE);

/** Every grant left on the account's own snapshots, read back through the SDK's paginator. */
async function grantsLeft(): Promise<string[]> {
  const client = new RedshiftClient({ region: REGION });
  const grants: string[] = [];
  for await (const page of paginateDescribeClusterSnapshots({ client, pageSize: 100 }, {})) {
    for (const s of page.Snapshots ?? []) {
      if (s.OwnerAccount !== ACCOUNT) continue;
      for (const a of s.AccountsWithRestoreAccess ?? []) grants.push(a.AccountAlias ?? a.AccountId ?? '');
    }
  }
  return grants;
}

const local = useStandIn();
let workdir: string;
let fleet: SeededFleet;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'sweep-parts-'));
  const policyPath = join(workdir, 'policy.yml');
  await writeFile(policyPath, POLICY);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: REGION,
    POLICY_PATH: policyPath,
  });
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  [fleet] = local.seedFleet({
    count: 2_400,
    seed: 11,
    regions: [REGION],
    allowedAccounts: ALLOWED,
    unauthorizedShare: 0.04,
    supportShare: 0,
  }) as [SeededFleet];
  await new EventBridgeClient({ region: REGION }).send(new CreateEventBusCommand({ Name: BUS }));
  local.resetCalls();
});

describe('a sweep in parts against the local stand-in', () => {
  it('reads every snapshot once over two parts and leaves exactly the allowed grants', async () => {
    const snapshots = fleet.stats.snapshots;
    const unauthorized = fleet.stats.unauthorizedGrants;
    expect(unauthorized).toBeGreaterThan(30);

    const first = await invoke(
      scheduled,
      lambdaContext(() => timeFor(10)),
    );
    const [request] = continuations();
    const second = await invoke(
      delivered(request?.detail ?? {}),
      lambdaContext(() => 600_000),
    );

    expect(first.truncated).toBe(true);
    expect(first.sweep).toMatchObject({
      part: 1,
      next: { part: 2, regions: [REGION] },
      requested: { requested: true },
    });
    expect(first.totals.snapshots).toBeLessThan(snapshots);
    expect(second.sweep).toEqual({ sweepId: first.runId, part: 2 });
    expect(second.compliant).toBe(true);
    // Provisioned snapshots: each read by exactly one part.
    expect(first.totals.snapshots + second.totals.snapshots).toBe(snapshots);
    expect((first.totals.revocations.applied ?? 0) + (second.totals.revocations.applied ?? 0)).toBe(
      unauthorized,
    );
    expect(continuations()).toHaveLength(1);
    const left = await grantsLeft();
    expect(left.every((a) => ALLOWED.includes(a))).toBe(true);
    expect(left).toHaveLength(fleet.stats.allowedGrants);
  });

  it("says in the first part's completion event that a next part reads the rest", async () => {
    const first = await invoke(
      scheduled,
      lambdaContext(() => timeFor(5)),
    );

    const completed = local.events(BUS).find((e) => e.detailType === 'Compliance Sweep Completed');
    expect(String(completed?.detail.reason)).toContain(
      `part 1 of sweep ${first.runId} read not everything in its time: part 2 reads the rest`,
    );
  });

  it('refuses a continuation whose ranges make no sense, with the field path, and calls no AWS API', async () => {
    const bad = delivered({
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [{ region: REGION, provisioned: [{ from: 2000, to: 1000 }], serverless: [] }],
      planned: { revocations: 0, deletions: 0 },
    });

    await expect(invoke(bad, lambdaContext())).rejects.toThrow(
      /^detail\.regions\[0\]\.provisioned\[0\]: from must come before to/,
    );
    expect(local.calls()).toEqual({});
  });

  it('keeps a dry run dry in its later part, whatever the schedule', async () => {
    const grantsBefore = (await grantsLeft()).length;
    // A dry run keeps no time for actions: only the reserve stops it reading.
    await invoke(
      { dryRun: true },
      lambdaContext(() => SWEEP_RESERVE_MS - 1),
    );
    const [request] = continuations();
    const second = await invoke(
      delivered(request?.detail ?? {}),
      lambdaContext(() => 600_000),
    );

    expect(request?.detail.dryRun).toBe(true);
    expect(second.dryRun).toBe(true);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
    expect(await grantsLeft()).toHaveLength(grantsBefore);
  });
});
