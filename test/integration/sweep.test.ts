import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { paginateDescribeClusterSnapshots, RedshiftClient } from '@aws-sdk/client-redshift';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../functions/cli.ts';
import { EventDetailSchema } from '../../functions/engine/compliance-events.ts';
import { handler } from '../../functions/sweep.ts';
import type { SeededFleet } from '../../local/server.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const ACCOUNT = '123456789012';
const REGIONS = ['us-east-1', 'eu-west-1'];
const BUS = 'snapshot-compliance';
const ALLOWED = ['111122223333', '444455556666'];

// Sharing-only, so the expected revocations are exactly the fleet's unknown and support grants.
const POLICY = `version: 1
mode: enforce
regions: [${REGIONS.join(', ')}]
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

const local = useStandIn();
let workdir: string;
let policyPath: string;
let fleets: SeededFleet[];

function context(remainingMs = 600_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'snapshot-guard-sweep',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:snapshot-guard-sweep`,
    memoryLimitInMB: '1024',
    awsRequestId: '7d2f0c1e-0000-4000-8000-000000000001',
    logGroupName: '/aws/lambda/snapshot-guard-sweep',
    logStreamName: '2026/11/23/[$LATEST]abc',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const scheduled = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: '2026-11-23T10:00:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/snapshot-guard-sweep`],
  detail: {},
};

/** Every grant left in the fleet, read back through the real SDK paginator. */
async function grantsLeft(region: string): Promise<string[]> {
  const client = new RedshiftClient({ region });
  const grants: string[] = [];
  for await (const page of paginateDescribeClusterSnapshots({ client, pageSize: 100 }, {})) {
    for (const s of page.Snapshots ?? []) {
      if (s.OwnerAccount !== ACCOUNT) continue;
      for (const a of s.AccountsWithRestoreAccess ?? []) grants.push(a.AccountAlias ?? a.AccountId ?? '');
    }
  }
  return grants;
}

const expected = () => {
  const stats = fleets.map((f) => f.stats);
  return {
    pages: stats.reduce((n, s) => n + s.pages, 0),
    revocations: stats.reduce((n, s) => n + s.unauthorizedGrants + s.supportGrants, 0),
    allowed: stats.reduce((n, s) => n + s.allowedGrants, 0),
  };
};

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'sweep-'));
  policyPath = join(workdir, 'policy.yml');
  await writeFile(policyPath, POLICY);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
    POLICY_PATH: policyPath,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  fleets = local.seedFleet({
    count: 1_050,
    seed: 7,
    regions: REGIONS,
    allowedAccounts: ALLOWED,
    unauthorizedShare: 0.03,
  });
  await new EventBridgeClient({ region: 'us-east-1' }).send(new CreateEventBusCommand({ Name: BUS }));
  local.resetCalls();
});

describe('scheduled sweep handler against the local stand-in', () => {
  it('leaves exactly the allowed grants with the minimum number of calls', async () => {
    const want = expected();
    expect(want.revocations).toBeGreaterThan(10);

    const summary = await invoke(scheduled, context());

    expect(summary.compliant).toBe(true);
    expect(summary.totals.revocations).toEqual({ applied: want.revocations });
    const calls = local.calls();
    expect(calls['redshift.DescribeClusterSnapshots']).toBe(want.pages);
    expect(calls['redshift.RevokeSnapshotAccess']).toBe(want.revocations);
    expect(calls['sts.GetCallerIdentity']).toBe(1);
    const events = local.events(BUS);
    // One revoked event per grant, one completed event; ten entries a call.
    expect(events).toHaveLength(want.revocations + 1);
    expect(calls['events.PutEvents']).toBe(Math.ceil(events.length / 10));
    for (const e of events) expect(() => EventDetailSchema.parse(e.detail)).not.toThrow();

    const left = (await Promise.all(REGIONS.map(grantsLeft))).flat();
    expect(left).toHaveLength(want.allowed);
    expect(left.every((a) => ALLOWED.includes(a))).toBe(true);
  });

  it('changes nothing on a dry-run invoke and reports every violation', async () => {
    const want = expected();
    const summary = await invoke({ dryRun: true }, context());
    expect(summary.compliant).toBe(false);
    expect(summary.totals.revocations).toEqual({ 'dry-run': want.revocations });
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
    const kinds = new Set(local.events(BUS).map((e) => e.detailType));
    expect(kinds).toEqual(new Set(['Snapshot Policy Violation', 'Compliance Sweep Completed']));
  });

  it('rejects a malformed event with its field path and makes no AWS call', async () => {
    await expect(invoke({ dryRun: 'yes' }, context())).rejects.toThrow(/^dryRun: .*boolean/);
    expect(local.calls()).toEqual({});
  });
});

describe('snapshot-guard sweep', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env: process.env },
      out,
      err,
    };
  }

  it('prints a JSON report that matches the end state and exits 0', async () => {
    const want = expected();
    const { io, out } = capture();
    const code = await main(['node', 'snapshot-guard', 'sweep', '--policy', policyPath, '--json'], io);
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(report.compliant).toBe(true);
    expect(report.policy.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.actions.filter((a: { outcome: string }) => a.outcome === 'applied')).toHaveLength(
      want.revocations,
    );
    expect(report.events.published).toBe(want.revocations + 1);
    expect((await Promise.all(REGIONS.map(grantsLeft))).flat()).toHaveLength(want.allowed);
  });

  it('exits 1 with a table when a dry run leaves violations', async () => {
    const { io, out } = capture();
    const code = await main(
      ['node', 'snapshot-guard', 'sweep', '--policy', policyPath, '--dry-run', '--region', 'eu-west-1'],
      io,
    );
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toContain('NOT COMPLIANT');
    expect(text).toContain('unauthorized-grant');
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(
      fleets.find((f) => f.region === 'eu-west-1')?.stats.pages,
    );
  });

  it('exits 2 on a bad flag or policy and makes no AWS call', async () => {
    const { io, err } = capture();
    expect(
      await main(['node', 'snapshot-guard', 'sweep', '--policy', policyPath, '--region', 'Mars-1'], io),
    ).toBe(2);
    expect(err.join('')).toContain('not an AWS region name');
    await writeFile(join(workdir, 'bad.yml'), 'version: 1\nmode: enforce\nsharing:\n  allowedAcounts: []\n');
    expect(await main(['node', 'snapshot-guard', 'sweep', '--policy', join(workdir, 'bad.yml')], io)).toBe(2);
    expect(err.join('')).toMatch(/bad\.yml:4:3 .*allowedAcounts/);
    expect(local.calls()).toEqual({});
  });
});
