import { readFileSync } from 'node:fs';
import { AuthorizeSnapshotAccessCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import {
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli.ts';
import { findingId, GENERATOR_PREFIX, SEVERITY } from '../../functions/engine/asff.ts';
import type { FindingKind } from '../../functions/engine/model.ts';
import type { RunReport } from '../../functions/engine/run-report.ts';
import { runSnapshotEvent } from '../../functions/event-runtime.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { type Runtime, runtimeFor, summarize } from '../../functions/runtime.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import { CloudTrailEventSchema } from '../../functions/triggers/cloudtrail.ts';
import { ACCOUNT, clients, PRODUCT_VIEW, REGION } from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const PRODUCT = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
/** The default policy (enforce, demo fleet's rules) with Security Hub turned on. */
const POLICY = `${readFileSync('policies/default.yml', 'utf8')}  securityHub: true\n`;

const local = useStandIn(PRODUCT_VIEW);
let rt: Runtime;

type Stored = {
  Id: string;
  RecordState: string;
  Workflow: { Status: string };
  Compliance: { Status: string };
  CreatedAt: string;
};

/** What Security Hub holds, read with the real SDK as a security team's tooling would. */
async function findings(): Promise<Stored[]> {
  const client = new SecurityHubClient({ region: REGION });
  const out = await client.send(
    new GetFindingsCommand({
      Filters: { ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }] },
      MaxResults: 100,
    }),
  );
  client.destroy();
  return (out.Findings ?? []) as unknown as Stored[];
}

/** One id per (snapshot, kind) of the violations a run left open. */
function openIds(report: RunReport): string[] {
  const ids = new Set<string>();
  for (const entry of report.snapshots) {
    for (const f of entry.findings)
      if (f.severity === 'violation') ids.add(findingId(entry.snapshot.arn, f.kind));
  }
  return [...ids].sort();
}

beforeAll(async () => {
  rt = runtimeFor(parsePolicy(POLICY, 'policies/default.yml'), clients());
  await rt.account();
});

beforeEach(() => {
  local.seedFleet({ demo: true });
});

describe('Security Hub findings against the stand-in', () => {
  it('receives one finding per (snapshot, finding kind), in ASFF, from a dry run', async () => {
    // Act
    const report = await runSweep(rt, { trigger: 'cli', dryRun: true });

    // Assess
    const stored = local.securityHub.all();
    expect(stored.map((f) => f.Id).sort()).toEqual(openIds(report));
    expect(stored).toHaveLength(9);
    const grant = stored.find(
      (f) => f.Id.includes('unauthorized-grant/') && f.Id.endsWith('finance-prod-q3-export'),
    );
    expect(grant).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: PRODUCT,
      GeneratorId: `${GENERATOR_PREFIX}sharing.rules[0]`,
      AwsAccountId: ACCOUNT,
      Severity: { Label: 'HIGH', Original: 'unauthorized-grant' },
      Compliance: { Status: 'FAILED', RelatedRequirements: ['policies/default.yml:24 sharing.rules[0]'] },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      Resources: [
        {
          Type: 'Other',
          Id: `arn:aws:redshift:${REGION}:${ACCOUNT}:snapshot:finance-prod/finance-prod-q3-export`,
          Details: {
            Other: { SnapshotIdentifier: 'finance-prod-q3-export', AccountsConcerned: '999988887777' },
          },
        },
        {
          Type: 'AwsRedshiftCluster',
          Details: { AwsRedshiftCluster: { ClusterIdentifier: 'finance-prod' } },
        },
      ],
    });
    for (const f of stored) {
      const kind = (f.ProductFields as Record<string, string>)[`${GENERATOR_PREFIX}kind`] as FindingKind;
      expect((f.Severity as { Label: string }).Label).toBe(SEVERITY[kind]);
    }
    expect(report.securityHub).toEqual({ imported: 9, archived: 0, resolved: 0, failed: [], notes: [] });
    expect(summarize(report).securityHub).toEqual({
      imported: 9,
      archived: 0,
      resolved: 0,
      failed: 0,
      notes: [],
    });
    expect(local.calls()).toMatchObject({
      'securityhub.GetFindings': 1,
      'securityhub.BatchImportFindings': 1,
    });
    expect(local.calls()['securityhub.BatchUpdateFindings']).toBeUndefined();
  });

  it('archives each finding the next run finds fixed, RESOLVED, and keeps the rest open with their first time', async () => {
    // Prepare
    await runSweep(rt, { trigger: 'cli', dryRun: true });
    const before = new Map((await findings()).map((f) => [f.Id, f]));
    local.resetCalls();

    // Act: enforce revokes the five grants the policy does not allow.
    const report = await runSweep(rt, { trigger: 'cli' });
    const calls = local.calls();

    // Assess
    const after = await findings();
    const archived = after.filter((f) => f.RecordState === 'ARCHIVED');
    const active = after.filter((f) => f.RecordState === 'ACTIVE');
    expect(archived.map((f) => f.Id.split('/')[1]).sort()).toEqual([
      'support-access',
      'unauthorized-grant',
      'unauthorized-grant',
      'unauthorized-grant',
      'unencrypted-shared',
    ]);
    for (const f of archived) {
      expect(f.Workflow.Status).toBe('RESOLVED');
      expect(f.Compliance.Status).toBe('PASSED');
    }
    expect(active.map((f) => f.Id.split('/')[1]).sort()).toEqual([
      'retention-indefinite',
      'retention-too-long',
      'retention-too-long',
      'too-old',
    ]);
    for (const f of active) expect(f.CreatedAt).toBe(before.get(f.Id)?.CreatedAt);
    expect(report.securityHub).toMatchObject({ imported: 4, archived: 5, resolved: 5, failed: [] });
    expect(calls).toMatchObject({
      'securityhub.GetFindings': 1,
      'securityhub.BatchImportFindings': 1,
      'securityhub.BatchUpdateFindings': 1,
    });
  });

  it('opens a finding again, NEW, when the grant comes back', async () => {
    // Prepare
    await runSweep(rt, { trigger: 'cli' });
    const redshift = new RedshiftClient({ region: REGION });
    await redshift.send(
      new AuthorizeSnapshotAccessCommand({
        SnapshotIdentifier: 'finance-prod-q3-export',
        SnapshotClusterIdentifier: 'finance-prod',
        AccountWithRestoreAccess: '999988887777',
      }),
    );
    redshift.destroy();

    // Act
    await runSweep(rt, { trigger: 'cli', dryRun: true });

    // Assess
    const id = findingId(
      `arn:aws:redshift:${REGION}:${ACCOUNT}:snapshot:finance-prod/finance-prod-q3-export`,
      'unauthorized-grant',
    );
    const back = (await findings()).find((f) => f.Id === id);
    expect(back).toMatchObject({
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      Compliance: { Status: 'FAILED' },
    });
  });

  it('sends nothing to Security Hub when the policy leaves it off', async () => {
    // Prepare
    const off = runtimeFor(
      parsePolicy(readFileSync('policies/default.yml'), 'policies/default.yml'),
      clients(),
    );

    // Act
    const report = await runSweep(off, { trigger: 'cli', dryRun: true });

    // Assess
    expect(report.securityHub).toBeUndefined();
    expect(Object.keys(local.calls()).filter((c) => c.startsWith('securityhub.'))).toEqual([]);
  });

  it('prints the same findings as ASFF with sweep --asff, sending nothing when the policy leaves it off', async () => {
    // Prepare
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: () => {} };
    const expected = openIds(await runSweep(rt, { trigger: 'cli', dryRun: true }));
    local.resetCalls();

    // Act
    const code = await main(
      ['node', 'snapshot-guard', 'sweep', '--policy', 'policies/default.yml', '--dry-run', '--asff'],
      io,
    );

    // Assess
    const printed = JSON.parse(out.join('')) as { Findings: { Id: string; ProductArn: string }[] };
    expect(code).toBe(1);
    expect(printed.Findings.map((f) => f.Id).sort()).toEqual(expected);
    expect(printed.Findings.every((f) => f.ProductArn === PRODUCT)).toBe(true);
    expect(Object.keys(local.calls()).filter((c) => c.startsWith('securityhub.'))).toEqual([]);
  });

  it('archives the findings of the one snapshot an event run fixes, and leaves the others alone', async () => {
    // Prepare
    await runSweep(rt, { trigger: 'cli', dryRun: true });
    const raw = JSON.parse(readFileSync('test/fixtures/events/modify-cluster-snapshot.json', 'utf8'));
    raw.detail.requestParameters.snapshotIdentifier = 'finance-prod-q3-export';
    raw.detail.requestParameters.snapshotClusterIdentifier = 'finance-prod';
    const event = CloudTrailEventSchema.parse(raw);

    // Act
    const result = await runSnapshotEvent(rt, event);

    // Assess
    const arn = `arn:aws:redshift:${REGION}:${ACCOUNT}:snapshot:finance-prod/finance-prod-q3-export`;
    const stored = await findings();
    expect(result.report.securityHub).toMatchObject({ imported: 0, archived: 1, resolved: 1, failed: [] });
    expect(stored.find((f) => f.Id === findingId(arn, 'unauthorized-grant'))).toMatchObject({
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'RESOLVED' },
    });
    expect(stored.filter((f) => f.RecordState === 'ACTIVE')).toHaveLength(8);
  });

  it('is refused more than 100 findings in one BatchImportFindings call by the stand-in, as by Security Hub', async () => {
    // Prepare
    const client = new SecurityHubClient({ region: REGION, maxAttempts: 1 });
    const finding = { Id: 'x', ProductArn: PRODUCT } as never;

    // Act
    const refused = await client
      .send(new BatchImportFindingsCommand({ Findings: Array.from({ length: 101 }, () => finding) }))
      .catch((error: Error) => error);
    client.destroy();

    // Assess
    expect((refused as Error).name).toBe('InvalidInputException');
  });
});
