import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { securityHubPort } from '../../../functions/aws/security-hub.ts';
import { archived, findingId, toAsff } from '../../../functions/engine/asff.ts';
import type { OpenFinding } from '../../../functions/engine/findings.ts';
import type { FindingsBatch } from '../../../functions/engine/ports.ts';
import { toSnapshotRef as toRef } from '../../../functions/engine/snapshot-ref.ts';
import { NOW, policy } from '../../helpers/policies.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

const hub = mockClient(SecurityHubClient);
const client = new SecurityHubClient({ region: 'us-east-1' });
const findings = securityHubPort(() => client, { backoffMs: 0 });
const context = {
  runId: 'run-2',
  trigger: 'cli' as const,
  account: OWNER,
  policy: policy(),
  dryRun: true,
  now: NOW,
};

function open(n: number): OpenFinding {
  const snap = snapshot({
    id: `snap-${n}`,
    arn: `arn:aws:redshift:us-east-1:${OWNER}:snapshot:finance-prod/snap-${n}`,
  });
  return {
    snapshot: toRef(snap),
    kind: 'unauthorized-grant',
    rule: 'sharing.allowedAccounts',
    accounts: ['999988887777'],
    messages: ['account 999988887777 is not allowed'],
    remediation: 'revoke',
    status: 'dry-run',
  };
}

function batch(count: number, scope: FindingsBatch['scope'] = { regions: ['us-east-1'] }): FindingsBatch {
  return { open: Array.from({ length: count }, (_, i) => open(i)), scope, context, notes: [] };
}

/** A finding an earlier run left open in Security Hub, as GetFindings returns it. */
function previous(n: number, workflow = 'NEW') {
  return {
    ...toAsff(open(n), { ...context, now: new Date('2026-10-01T00:00:00Z') }),
    Workflow: { Status: workflow },
    ProductFields: { 'aws/securityhub/FindingId': 'x', 'redshift-snapshot-guard/kind': 'unauthorized-grant' },
  };
}

describe('securityHubPort', () => {
  beforeEach(() => {
    hub.reset();
    hub.on(GetFindingsCommand).resolves({ Findings: [] });
    hub
      .on(BatchImportFindingsCommand)
      .callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0 }));
    hub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  });

  it('sends 250 open findings in three BatchImportFindings calls of at most 100', async () => {
    // Act
    const outcome = await findings(batch(250));

    // Assess
    const sizes = hub.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input.Findings?.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(outcome).toEqual({ imported: 250, archived: 0, resolved: 0, failed: [], notes: [] });
    expect(hub).toHaveReceivedCommandWith(GetFindingsCommand, {
      Filters: {
        ProductArn: [
          { Value: `arn:aws:securityhub:us-east-1:${OWNER}:product/${OWNER}/default`, Comparison: 'EQUALS' },
        ],
        GeneratorId: [{ Value: 'redshift-snapshot-guard/', Comparison: 'PREFIX' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      },
      MaxResults: 100,
    });
  });

  it('tries a finding Security Hub failed again, and reports it when it keeps failing', async () => {
    // Prepare
    const failing = findingId(open(1).snapshot.arn, 'unauthorized-grant');
    hub.on(BatchImportFindingsCommand).callsFake((input) => {
      const bad = input.Findings.filter((f: { Id: string }) => f.Id === failing);
      return {
        SuccessCount: input.Findings.length - bad.length,
        FailedCount: bad.length,
        FailedFindings: bad.map((f: { Id: string }) => ({
          Id: f.Id,
          ErrorCode: 'InternalFailure',
          ErrorMessage: 'try later',
        })),
      };
    });

    // Act
    const outcome = await findings(batch(3));

    // Assess
    expect(outcome.imported).toBe(2);
    expect(outcome.failed).toEqual([{ id: failing, reason: 'InternalFailure: try later' }]);
    const calls = hub.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input.Findings?.length);
    expect(calls).toEqual([3, 1, 1, 1]);
  });

  it('keeps the CreatedAt of a finding already open, and archives and resolves the one no longer open', async () => {
    // Prepare
    hub.on(GetFindingsCommand).resolves({ Findings: [previous(0), previous(7)] as never });

    // Act
    const outcome = await findings(batch(1));

    // Assess
    const sent = hub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    expect(sent.map((f) => [f.Id, f.RecordState, f.Compliance?.Status, f.CreatedAt])).toEqual([
      [findingId(open(0).snapshot.arn, 'unauthorized-grant'), 'ACTIVE', 'FAILED', '2026-10-01T00:00:00.000Z'],
      [
        findingId(open(7).snapshot.arn, 'unauthorized-grant'),
        'ARCHIVED',
        'PASSED',
        '2026-10-01T00:00:00.000Z',
      ],
    ]);
    expect(sent[1]?.ProductFields).toEqual({ 'redshift-snapshot-guard/kind': 'unauthorized-grant' });
    expect(hub).toHaveReceivedCommandWith(BatchUpdateFindingsCommand, {
      FindingIdentifiers: [
        { Id: findingId(open(7).snapshot.arn, 'unauthorized-grant'), ProductArn: sent[1]?.ProductArn },
      ],
      Workflow: { Status: 'RESOLVED' },
    });
    expect(outcome).toMatchObject({ imported: 1, archived: 1, resolved: 1, failed: [] });
  });

  it('leaves a finding someone suppressed suppressed when it archives it', async () => {
    // Prepare
    hub.on(GetFindingsCommand).resolves({ Findings: [previous(7, 'SUPPRESSED')] as never });

    // Act
    const outcome = await findings(batch(0));

    // Assess
    expect(outcome).toMatchObject({ archived: 1, resolved: 0 });
    expect(hub).toHaveReceivedCommandTimes(BatchUpdateFindingsCommand, 0);
  });

  it('archives nothing in a region it may not close, and says why', async () => {
    // Prepare
    hub.on(GetFindingsCommand).resolves({ Findings: [previous(7)] as never });
    const partial = {
      ...batch(1, { regions: [] }),
      notes: ['us-east-1 was read in part: no finding is archived there this run'],
    };

    // Act
    const outcome = await findings(partial);

    // Assess
    const sent = hub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    expect(sent.map((f) => f.RecordState)).toEqual(['ACTIVE']);
    expect(outcome.archived).toBe(0);
    expect(outcome.notes).toEqual(partial.notes);
  });

  it('asks only about the snapshots an event run read', async () => {
    // Prepare
    const arn = open(3).snapshot.arn;

    // Act
    await findings(batch(0, { snapshots: [{ arn, region: 'us-east-1' }] }));

    // Assess
    expect(hub).toHaveReceivedCommandWith(GetFindingsCommand, {
      Filters: expect.objectContaining({ ResourceId: [{ Value: arn, Comparison: 'EQUALS' }] }),
    });
    expect(hub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 0);
  });

  it('imports what is open even when it cannot read what was open, and archives nothing', async () => {
    // Prepare
    hub.on(GetFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // Act
    const outcome = await findings(batch(2));

    // Assess
    expect(outcome.imported).toBe(2);
    expect(outcome.notes).toEqual([
      'us-east-1: open findings could not be read (AccessDeniedException: denied): nothing archived there this run',
    ]);
  });
});

describe('archived', () => {
  it('sends the finding back ARCHIVED and PASSED, first seen time kept', () => {
    // Act
    const out = archived(previous(1), NOW);

    // Assess
    expect(out).toMatchObject({
      RecordState: 'ARCHIVED',
      Compliance: { Status: 'PASSED' },
      CreatedAt: '2026-10-01T00:00:00.000Z',
    });
    expect(out.UpdatedAt).toBe(NOW.toISOString());
    expect(out).not.toHaveProperty('Workflow');
  });
});
