import { paginateListSnapshots, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import {
  ACCOUNT,
  ALLOWED,
  BUS,
  busEvents,
  CLUSTER,
  createBus,
  describeOwned,
  PRODUCT_VIEW,
  REGION,
  UNKNOWN,
  warmRuntime,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * Tag keys travel from AWS through the real SDK (XML for Redshift, JSON for Redshift Serverless)
 * into the engine. A rule on `{ __proto__: legal, team: bi }` must decide only for snapshots that
 * carry both tags, on both kinds of snapshot, or a snapshot tagged only `team: bi` would keep a
 * grant its rule never allowed.
 */

// Line 6 is the rule; its account may restore only snapshots that carry both tags.
const POLICY = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  rules:
    - match: { tags: { "__proto__": legal, team: bi } }
      allowedAccounts: ["${ALLOWED}"]
safety:
  maxRevocationsPerRun: 1000
events:
  busName: ${BUS}
`;

const BOTH = [
  { key: '__proto__', value: 'legal' },
  { key: 'team', value: 'bi' },
];
const TEAM_ONLY = [{ key: 'team', value: 'bi' }];

const local = useStandIn(PRODUCT_VIEW);

/** Who may restore each of ACCOUNT's Serverless snapshots, read through the SDK's paginator. */
async function serverlessGrants(): Promise<Map<string, string[]>> {
  const client = new RedshiftServerlessClient({ region: REGION, maxAttempts: 1 });
  const out = new Map<string, string[]>();
  for await (const page of paginateListSnapshots({ client, pageSize: 100 }, {})) {
    for (const s of page.snapshots ?? []) {
      if (s.ownerAccount === ACCOUNT && s.snapshotName)
        out.set(s.snapshotName, s.accountsWithRestoreAccess ?? []);
    }
  }
  client.destroy();
  return out;
}

beforeEach(async () => {
  await createBus();
});

describe('a sweep over snapshots tagged __proto__', () => {
  it('keeps the grant the __proto__ rule allows and revokes the one it does not, on both kinds', async () => {
    // Prepare
    local.store.createCluster(ACCOUNT, REGION, { identifier: CLUSTER });
    for (const [identifier, tags] of [
      ['both-tags', BOTH],
      ['team-only', TEAM_ONLY],
    ] as const) {
      local.store.createSnapshot(ACCOUNT, REGION, {
        identifier,
        clusterIdentifier: CLUSTER,
        encrypted: true,
        tags: [...tags],
        grants: [ALLOWED, UNKNOWN],
      });
    }
    local.serverless.createNamespace(ACCOUNT, REGION, { name: 'bi-serverless' });
    for (const [name, tags] of [
      ['sl-both-tags', BOTH],
      ['sl-team-only', TEAM_ONLY],
    ] as const) {
      local.serverless.createSnapshot(ACCOUNT, REGION, {
        name,
        namespaceName: 'bi-serverless',
        tags: [...tags],
        restoreAccess: [ALLOWED],
      });
    }
    const rt = await warmRuntime({}, POLICY);

    // Act
    const report = await runSweep(rt, { trigger: 'schedule' });

    // Assess: only the snapshot carrying both tags keeps the allowed account.
    expect(await describeOwned(local)).toEqual(
      new Map([
        ['both-tags', [ALLOWED]],
        ['team-only', []],
      ]),
    );
    expect(await serverlessGrants()).toEqual(
      new Map([
        ['sl-both-tags', [ALLOWED]],
        ['sl-team-only', []],
      ]),
    );
    expect(report.compliant).toBe(true);
    const revoked = busEvents(local)
      .filter((e) => e.detailType === DETAIL_TYPES.revoked)
      .map((e) => [e.detail.snapshot?.identifier, e.detail.action?.account, e.detail.rule])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])));
    expect(revoked).toEqual([
      ['both-tags', UNKNOWN, { path: 'sharing.rules[0]', line: 6 }],
      ['sl-team-only', ALLOWED, { path: 'sharing.allowedAccounts', line: 4 }],
      ['team-only', ALLOWED, { path: 'sharing.allowedAccounts', line: 4 }],
      ['team-only', UNKNOWN, { path: 'sharing.allowedAccounts', line: 4 }],
    ]);
  });
});
