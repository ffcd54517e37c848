import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FINISH_MS } from '../../functions/aws/clients.ts';
import { callerAccount } from '../../functions/aws/inventory.ts';
import { main } from '../../functions/cli.ts';
import {
  DETAIL_TYPES,
  type EventDetail,
  EventDetailSchema,
} from '../../functions/engine/compliance-events.ts';
import { type OrganizationRunDeps, runOrganization } from '../../functions/org/run.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { type LocalAws, startLocalAws } from '../../local/server.ts';
import { clients } from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * Organisation mode end to end against the stand-in's organisation: the management account (the
 * hub, 123456789012) with members 111… and 222…, and 333… that lacks the member role. Each member
 * has in each region three snapshots: one shared with an allowed and an unknown account, one
 * with an unknown account, one with the allowed account only; so each account-region plans two
 * revocations and keeps two allowed grants.
 */

const HUB = '123456789012';
const [A, B, NO_ROLE] = ['111111111111', '222222222222', '333333333333'] as const;
const MEMBERS = [A, B, NO_ROLE];
const REGIONS = ['us-east-1', 'eu-west-1'];
const BUS = 'snapshot-compliance';
const ALLOWED = '444455556666';
const UNKNOWN = '999988887777';
const OTHER = '555566667777';
const EXTERNAL_ID = 'org-test-secret';

const policyText = (extra = '', safety = 'maxRevocationsPerRun: 100') => `version: 1
mode: enforce
regions: [${REGIONS.join(', ')}]
sharing:
  allowedAccounts: ["${ALLOWED}"]
  requireEncryption: false
safety:
  ${safety}
events:
  busName: ${BUS}
organization:
  excludeAccounts: ["${HUB}"]
  externalId: ${EXTERNAL_ID}
  maxConcurrency: 3
${extra}`;

const standIn = useStandIn({
  eventBuses: [BUS],
  organization: { members: [A, B], withoutRole: [NO_ROLE], suspended: [], externalId: EXTERNAL_ID },
  sdkEnv: true,
});
/** The suite's stand-in; one test swaps in an organisation of its own for a while. */
let local: LocalAws = standIn;
let workdir: string;

function seed(accounts: readonly string[] = MEMBERS): void {
  for (const account of accounts) {
    for (const region of REGIONS) {
      local.store.createCluster(account, region, { identifier: 'sales' });
      const snapshot = (identifier: string, grants: string[]) =>
        local.store.createSnapshot(account, region, { identifier, clusterIdentifier: 'sales', grants });
      snapshot('sales-1', [ALLOWED, UNKNOWN]);
      snapshot('sales-2', [OTHER]);
      snapshot('sales-3', [ALLOWED]);
    }
  }
}

/** Every grant left on an account's snapshots in a region, by snapshot. */
function grants(account: string, region: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const id of ['sales-1', 'sales-2', 'sales-3']) {
    out[id] = [...(local.store.getSnapshot(account, region, id)?.grants ?? [])].sort();
  }
  return out;
}

const COMPLIANT = { 'sales-1': [ALLOWED], 'sales-2': [], 'sales-3': [ALLOWED] };
const UNTOUCHED = { 'sales-1': [ALLOWED, UNKNOWN].sort(), 'sales-2': [OTHER], 'sales-3': [ALLOWED] };

function published(): { detailType: string; detail: EventDetail }[] {
  return local
    .events(BUS)
    .map((e) => ({ detailType: e.detailType, detail: EventDetailSchema.parse(e.detail) }));
}

/** The organisation run in-process, with the test's retry settings: what the CLI runs. */
async function orgRun(
  policy: string,
  options: Partial<
    Pick<OrganizationRunDeps, 'itemTimeoutMs' | 'reserveMs' | 'memberClientOptions' | 'onItem'>
  > & {
    dryRun?: boolean;
  } = {},
) {
  const loaded = parsePolicy(policy, 'org.yml');
  const hub = clients({ backoffScale: 50 });
  const organizations = new OrganizationsClient({ region: 'us-east-1', maxAttempts: 1 });
  try {
    return await runOrganization(
      { loaded, hub, organizations, hubAccount: () => callerAccount(hub.sts), ...options },
      { trigger: 'cli', regions: REGIONS, dryRun: options.dryRun },
    );
  } finally {
    organizations.destroy();
  }
}

async function cli(policy: string, ...flags: string[]) {
  return cliIn(process.env, policy, ...flags);
}

/** `snapshot-guard sweep` with `env` (e.g. a wide COLUMNS, so that a long line reads on one line). */
async function cliIn(env: NodeJS.ProcessEnv, policy: string, ...flags: string[]) {
  const file = join(workdir, 'org.yml');
  await writeFile(file, policy);
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'snapshot-guard', 'sweep', '--policy', file, ...flags], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTTY: false,
    env,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'snapshot-guard-org-'));
});

afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

beforeEach(() => {
  seed();
});

describe('snapshot-guard sweep with an organization policy', () => {
  it('leaves every reachable account with exactly its allowed grants, reports the one without the role, and exits 1', async () => {
    // Act
    const { code, stdout } = await cli(policyText(), '--json');

    // Assess
    expect(code).toBe(1);
    for (const account of [A, B])
      for (const region of REGIONS) expect(grants(account, region)).toEqual(COMPLIANT);
    for (const region of REGIONS) expect(grants(NO_ROLE, region)).toEqual(UNTOUCHED);
    const report = JSON.parse(stdout);
    expect(report.compliant).toBe(false);
    expect(report.summary).toMatchObject({ accounts: 3, accountRegions: 6, swept: 4 });
    expect(
      report.summary.failures.map((f: { account: string; region: string }) => `${f.account} ${f.region}`),
    ).toEqual([`${NO_ROLE} us-east-1`, `${NO_ROLE} eu-west-1`]);
    expect(report.summary.skipped).toEqual([
      { account: HUB, reason: 'excluded by the policy (organization.excludeAccounts)' },
    ]);
    expect(report.accounts.map((a: { account: string }) => a.account)).toEqual([A, B, NO_ROLE]);
    expect(
      report.accounts[0].regions.map((r: { region: string; status: string }) => [r.region, r.status]),
    ).toEqual([
      ['us-east-1', 'swept'],
      ['eu-west-1', 'swept'],
    ]);
    expect(report.accounts[0].regions[0].report.summary.revocations).toEqual({ applied: 2 });
  });

  it('assumes each member role once per run, with the external id and the run id in the session name', async () => {
    // Act
    const { stdout } = await cli(policyText(), '--json');

    // Assess
    const { runId } = JSON.parse(stdout);
    const sessions = local.organization?.sessions() ?? [];
    expect(sessions.map((s) => s.account).sort()).toEqual([A, B]);
    for (const s of sessions) {
      expect(s).toMatchObject({
        sessionName: `snapshot-guard-sweep-${runId}`,
        externalId: EXTERNAL_ID,
        callerAccount: HUB,
      });
    }
    // One call per account, the refused one included: not one per region, nor per page.
    expect(local.calls()['sts.AssumeRole']).toBe(3);
    expect(local.calls()['organizations.ListAccounts']).toBe(1);
  });

  it('publishes every change under the member account and region it happened in, and one summary for the run', async () => {
    // Act
    const { stdout } = await cli(policyText(), '--json');

    // Assess
    const { runId } = JSON.parse(stdout);
    const events = published();
    for (const e of events) expect(e.detail.runId).toBe(runId);
    const revoked = events.filter((e) => e.detailType === DETAIL_TYPES.revoked);
    expect(revoked.map((e) => `${e.detail.account} ${e.detail.region}`).sort()).toEqual(
      [A, B].flatMap((a) => REGIONS.flatMap((r) => [`${a} ${r}`, `${a} ${r}`])).sort(),
    );
    expect(revoked.every((e) => e.detail.snapshot?.owner === e.detail.account)).toBe(true);
    const unreachable = events.filter((e) => e.detailType === DETAIL_TYPES.unreachable);
    expect(unreachable.map((e) => `${e.detail.account} ${e.detail.region}`).sort()).toEqual(
      REGIONS.map((r) => `${NO_ROLE} ${r}`).sort(),
    );
    expect(unreachable[0]?.detail.reason).toContain('AccessDenied');
    const completed = events.filter((e) => e.detailType === DETAIL_TYPES.completed);
    expect(completed.map((e) => `${e.detail.account} ${e.detail.region}`).sort()).toEqual(
      [A, B].flatMap((a) => REGIONS.map((r) => `${a} ${r}`)).sort(),
    );
    const [summary, ...more] = events.filter((e) => e.detailType === DETAIL_TYPES.organizationCompleted);
    expect(more).toEqual([]);
    expect(summary?.detail).toMatchObject({
      account: HUB,
      region: 'us-east-1',
      totals: { snapshots: 12, revocations: { applied: 8 }, failures: 2 },
      organization: { accounts: 3, accountRegions: 6, swept: 4 },
    });
    expect(summary?.detail.organization?.failures.map((f) => f.detailType)).toEqual([
      DETAIL_TYPES.unreachable,
      DETAIL_TYPES.unreachable,
    ]);
  });

  it('prints the report grouped by account, unreachable accounts named with the reason', async () => {
    // Act
    const { code, stdout } = await cliIn({ ...process.env, COLUMNS: '200' }, policyText());

    // Assess
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Organization sweep \S+ {2}hub account 123456789012\n/);
    const sections = stdout.split('\n').filter((l) => l.startsWith('Account '));
    expect(sections).toEqual([`Account ${A}`, `Account ${B}`, `Account ${NO_ROLE}`]);
    expect(stdout).toContain(
      `  us-east-1: UNREACHABLE: cannot assume arn:aws:iam::${NO_ROLE}:role/RedshiftSnapshotGuardMember`,
    );
    expect(stdout).toContain(`  Sweep `);
    expect(stdout).toContain(`  ${HUB}  skipped: excluded by the policy`);
    expect(stdout).toContain('  result             NOT COMPLIANT');
  });

  it('fits the report to 80 columns in a pipe, as the single-account report does', async () => {
    // Act
    const { stdout } = await cliIn({ ...process.env, COLUMNS: undefined }, policyText());

    // Assess
    expect(stdout).toMatch(/^Organization sweep \S+\n {2}hub account 123456789012\n/);
    for (const line of stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(stdout).toContain(`  UNREACHABLE        ${NO_ROLE} us-east-1: cannot assume\n`);
  });

  it('exits 0 when every account-region ends compliant', async () => {
    // Act
    const { code } = await cli(
      policyText().replace(`excludeAccounts: ["${HUB}"]`, `accounts: ["${A}", "${B}"]`),
    );

    // Assess
    expect(code).toBe(0);
    expect(grants(A, 'eu-west-1')).toEqual(COMPLIANT);
  });

  it('changes nothing on a dry run and publishes what it would do', async () => {
    // Act
    const { code } = await cli(policyText(), '--dry-run');

    // Assess
    expect(code).toBe(1);
    for (const account of MEMBERS)
      for (const region of REGIONS) expect(grants(account, region)).toEqual(UNTOUCHED);
    const violations = published().filter((e) => e.detailType === DETAIL_TYPES.violation);
    expect(violations).toHaveLength(8);
    expect(violations.every((e) => e.detail.dryRun && e.detail.action?.status === 'dry-run')).toBe(true);
    // A dry run has nothing to hold back: one pass.
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(4);
  });
});

describe('an organisation run when parts of the organisation fail', () => {
  it('reports a listed account that is suspended as unreachable, and sweeps the rest', async () => {
    // Prepare
    const suspended = await startLocalAws({
      port: 0,
      eventBuses: [BUS],
      organization: { members: [A], suspended: [B], externalId: EXTERNAL_ID },
    });
    const previous = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = suspended.endpoint;
    const store = local;
    local = suspended;
    seed([A, B]);

    try {
      // Act
      const listed = await orgRun(
        policyText().replace(`excludeAccounts: ["${HUB}"]`, `accounts: ["${A}", "${B}"]`),
      );
      const all = await orgRun(policyText());

      // Assess
      expect(listed.summary.compliant).toBe(false);
      expect(listed.summary.failures).toEqual([
        {
          account: B,
          detailType: DETAIL_TYPES.unreachable,
          reason: 'SUSPENDED in AWS Organizations, not ACTIVE',
        },
      ]);
      expect(grants(A, 'us-east-1')).toEqual(COMPLIANT);
      expect(grants(B, 'us-east-1')).toEqual(UNTOUCHED);
      const unreachable = published().filter((e) => e.detailType === DETAIL_TYPES.unreachable);
      expect(unreachable.map((e) => e.detail.account)).toEqual([B]);
      // Under `accounts: all` a suspended account is out of scope, not a failure.
      expect(all.plan.skipped.map((s) => s.account)).toEqual([HUB, B]);
      expect(all.summary).toMatchObject({ compliant: true, failures: [] });
    } finally {
      local = store;
      process.env.AWS_ENDPOINT_URL = previous;
      await suspended.stop();
    }
  });

  it('retries a throttled AssumeRole and sweeps the account', async () => {
    // Prepare
    local.faults.configure({ rules: [{ action: 'sts.AssumeRole', throttle: { next: 2 } }] });

    // Act
    const report = await orgRun(
      policyText().replace(`excludeAccounts: ["${HUB}"]`, `accounts: ["${A}", "${B}"]`),
    );

    // Assess
    expect(report.summary).toMatchObject({ compliant: true, swept: 4 });
    expect(local.calls()['sts.AssumeRole']).toBe(4);
  });

  it('reports an account whose AssumeRole stays throttled as unreachable, and sweeps the rest', async () => {
    // Prepare
    const roleArn = `arn:aws:iam::${B}:role/RedshiftSnapshotGuardMember`;
    local.faults.configure({
      rules: [{ action: 'sts.AssumeRole', params: { RoleArn: roleArn }, throttle: { rate: 1 } }],
    });

    // Act
    const report = await orgRun(
      policyText().replace(`excludeAccounts: ["${HUB}"]`, `accounts: ["${A}", "${B}"]`),
    );

    // Assess
    expect(report.summary.compliant).toBe(false);
    expect(report.summary.failures.map((f) => [f.account, f.region, f.detailType])).toEqual([
      [B, 'us-east-1', DETAIL_TYPES.unreachable],
      [B, 'eu-west-1', DETAIL_TYPES.unreachable],
    ]);
    expect(report.summary.failures[0]?.reason).toContain('Throttling');
    for (const region of REGIONS) {
      expect(grants(A, region)).toEqual(COMPLIANT);
      expect(grants(B, region)).toEqual(UNTOUCHED);
    }
  });

  it("names one account's Redshift outage as Inventory Failed and sweeps every other account", async () => {
    // Prepare
    local.faults.configure({
      rules: [
        { action: 'redshift.DescribeClusterSnapshots', account: B, serverError: { rate: 1, status: 503 } },
      ],
    });

    // Act
    const report = await orgRun(policyText(), { memberClientOptions: { maxAttempts: 2 } });

    // Assess
    expect(report.summary.failures.map((f) => [f.account, f.region ?? '', f.detailType])).toEqual([
      [B, 'us-east-1', DETAIL_TYPES.inventoryFailed],
      [B, 'eu-west-1', DETAIL_TYPES.inventoryFailed],
      [NO_ROLE, 'us-east-1', DETAIL_TYPES.unreachable],
      [NO_ROLE, 'eu-west-1', DETAIL_TYPES.unreachable],
    ]);
    for (const region of REGIONS) expect(grants(A, region)).toEqual(COMPLIANT);
    const failed = published().filter((e) => e.detailType === DETAIL_TYPES.inventoryFailed);
    expect(failed.map((e) => `${e.detail.account} ${e.detail.region}`).sort()).toEqual(
      REGIONS.map((r) => `${B} ${r}`).sort(),
    );
    expect(failed[0]?.detail.reason).toContain('ServiceUnavailable');
  });

  it('names a worker that ran out of time as Inventory Failed and sweeps every other account', async () => {
    // Prepare: every call B makes takes longer than a worker may run. The run's calls give up
    // FINISH_MS before a worker's deadline at the latest, so B's are abandoned after 1.5 s.
    local.faults.configure({ rules: [{ action: 'redshift.*', account: B, latencyMs: 2_500 }] });

    // Act
    const report = await orgRun(policyText(), { itemTimeoutMs: FINISH_MS + 1_500, reserveMs: 1_000 });

    // Assess
    const timedOut = report.summary.failures.filter((f) => f.account === B);
    expect(timedOut.map((f) => [f.region, f.detailType, f.reason])).toEqual(
      REGIONS.map((r) => [
        r,
        DETAIL_TYPES.inventoryFailed,
        'time ran out before the account-region was swept to the end',
      ]),
    );
    for (const region of REGIONS) expect(grants(A, region)).toEqual(COMPLIANT);
    const failed = published().filter(
      (e) => e.detailType === DETAIL_TYPES.inventoryFailed && e.detail.account === B,
    );
    expect(failed).toHaveLength(2);
  });
});

describe('the blast-radius limits of an organisation run', () => {
  it('revoke nothing anywhere when the run as a whole plans more revocations than safety allows, though each account-region alone is within', async () => {
    // Act: 8 revocations over 4 account-regions, 2 each; the run allows 5.
    const report = await orgRun(policyText('', 'maxRevocationsPerRun: 5'));

    // Assess
    expect(report.gate?.phase).toBe('blocked');
    expect(report.summary.blastRadius).toBe(
      'over the whole organisation run (4 account-regions): 8 revocations planned; safety.maxRevocationsPerRun allows 5',
    );
    for (const account of MEMBERS)
      for (const region of REGIONS) expect(grants(account, region)).toEqual(UNTOUCHED);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
    const events = published();
    expect(
      events.filter((e) => e.detailType === DETAIL_TYPES.blastRadius).map((e) => e.detail.account),
    ).toEqual([HUB]);
    const violations = events.filter((e) => e.detailType === DETAIL_TYPES.violation);
    expect(violations).toHaveLength(8);
    expect(
      violations.every((e) => e.detail.reason.startsWith('blast radius exceeded for the organisation run')),
    ).toBe(true);
  });

  it('stop only the deletes when the run as a whole plans more of them than allowed: the grants it does not allow are still revoked everywhere', async () => {
    // Prepare: in each account-region one more snapshot, far too old and shared with the allowed
    // account only; the policy deletes such snapshots, one per run at most.
    for (const account of MEMBERS)
      for (const region of REGIONS)
        local.store.createSnapshot(account, region, {
          identifier: 'sales-old',
          clusterIdentifier: 'sales',
          grants: [ALLOWED],
          createTime: Date.now() - 400 * 86_400_000,
        });
    const retention = 'retention:\n  manual:\n    maxAgeDays: 30\n    onViolation: delete\n';

    // Act: 4 deletions over 4 account-regions; the run allows 1.
    const report = await orgRun(policyText(retention, 'maxRevocationsPerRun: 100\n  maxDeletionsPerRun: 1'));

    // Assess: every grant the policy does not allow is gone; no snapshot deleted, no allowed grant taken.
    expect(report.gate).toMatchObject({ phase: 'blocked', planned: { revocations: 8, deletions: 4 } });
    expect(report.summary.blastRadius).toBe(
      'over the whole organisation run (4 account-regions): 4 deletions planned; safety.maxDeletionsPerRun allows 1',
    );
    for (const account of [A, B])
      for (const region of REGIONS) {
        expect(grants(account, region)).toEqual(COMPLIANT);
        expect([...(local.store.getSnapshot(account, region, 'sales-old')?.grants ?? [])]).toEqual([ALLOWED]);
      }
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBe(8);
    expect(local.calls()['redshift.DeleteClusterSnapshot']).toBeUndefined();
    expect(local.calls()['redshift.AuthorizeSnapshotAccess']).toBeUndefined();
    const blast = published().filter((e) => e.detailType === DETAIL_TYPES.blastRadius);
    expect(blast.map((e) => [e.detail.account, e.detail.reason])).toEqual([
      [HUB, report.summary.blastRadius],
    ]);
  });

  it('enforce within the limits, and publish each change once (the held first pass publishes nothing)', async () => {
    // Act
    const report = await orgRun(policyText('', 'maxRevocationsPerRun: 8'));

    // Assess
    expect(report.gate).toMatchObject({ phase: 'enforce', planned: { revocations: 8, deletions: 0 } });
    for (const account of [A, B])
      for (const region of REGIONS) expect(grants(account, region)).toEqual(COMPLIANT);
    const events = published();
    expect(events.filter((e) => e.detailType === DETAIL_TYPES.revoked)).toHaveLength(8);
    expect(events.filter((e) => e.detailType === DETAIL_TYPES.completed)).toHaveLength(4);
    expect(events.filter((e) => e.detailType === DETAIL_TYPES.violation)).toHaveLength(0);
  });

  it('count each account-region alone with safetyScope: account-region, in one pass', async () => {
    // Act
    const report = await orgRun(policyText('  safetyScope: account-region\n', 'maxRevocationsPerRun: 5'));

    // Assess
    expect(report.gate).toBeUndefined();
    for (const account of [A, B])
      for (const region of REGIONS) expect(grants(account, region)).toEqual(COMPLIANT);
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(4);
  });

  it('hold an account-region to what it planned: a grant added between the passes stops it, not the run', async () => {
    // Prepare: after the first pass, someone shares one more of A's us-east-1 snapshots.
    let done = 0;
    const onItem = (_: unknown, phase: string) => {
      if (phase === 'sweep' && ++done === 6) {
        const s = local.store.getSnapshot(A, 'us-east-1', 'sales-3');
        if (s) local.store.addGrant(s, UNKNOWN);
      }
    };

    // Act
    const report = await orgRun(policyText('', 'maxRevocationsPerRun: 8'), { onItem });

    // Assess
    expect(report.gate?.phase).toBe('enforce');
    expect(grants(A, 'us-east-1')).toEqual({
      'sales-1': [ALLOWED, UNKNOWN].sort(),
      'sales-2': [OTHER],
      'sales-3': [ALLOWED, UNKNOWN].sort(),
    });
    expect(grants(A, 'eu-west-1')).toEqual(COMPLIANT);
    expect(grants(B, 'us-east-1')).toEqual(COMPLIANT);
    const blast = published().filter((e) => e.detailType === DETAIL_TYPES.blastRadius);
    expect(blast.map((e) => `${e.detail.account} ${e.detail.region}`)).toEqual([`${A} us-east-1`]);
    expect(blast[0]?.detail.reason).toBe('3 revocations planned; safety.maxRevocationsPerRun allows 2');
  });
});
