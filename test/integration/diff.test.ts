import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paginateDescribeClusterSnapshots, RedshiftClient } from '@aws-sdk/client-redshift';
import { beforeEach, describe, expect, it } from 'vitest';
import { DiffDocumentSchema } from '../../functions/cli/diff.ts';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli.ts';
import { readInventory } from '../../functions/inventory/read.ts';
import { ACCOUNT, PRODUCT_VIEW, REGION } from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const A = '111122223333';
const B = '444455556666';
/** Every call a diff or an inventory may make: reads only. */
const READ_ONLY = new Set([
  'sts.GetCallerIdentity',
  'redshift.DescribeClusterSnapshots',
  'redshift-serverless.ListSnapshots',
  'redshift-serverless.ListTagsForResource',
]);

const dir = mkdtempSync(join(tmpdir(), 'diff-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const policyAllowing = (...accounts: string[]) =>
  `version: 1\nmode: enforce\nregions: [${REGION}]\nsharing:\n  allowedAccounts: [${accounts.map((a) => `"${a}"`).join(', ')}]\n`;
const OLD = file('old.yml', policyAllowing(A, B));
const NEW = file('new.yml', policyAllowing(A));

const local = useStandIn(PRODUCT_VIEW);

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  const code = await main(['node', 'snapshot-guard', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** The stand-in's own call log, read over its inspect endpoint as any process could. */
async function callLog(): Promise<Record<string, number>> {
  return (await fetch(`${local.endpoint}/_local/calls`)).json() as Promise<Record<string, number>>;
}

/** Every owned snapshot shared with `account`, read from the fleet itself. */
async function sharedWith(account: string): Promise<string[]> {
  const client = new RedshiftClient({ region: REGION });
  const arns: string[] = [];
  for await (const page of paginateDescribeClusterSnapshots({ client }, {})) {
    for (const s of page.Snapshots ?? []) {
      const grants = (s.AccountsWithRestoreAccess ?? []).map((g) => g.AccountId);
      if (s.OwnerAccount === ACCOUNT && grants.includes(account)) arns.push(s.SnapshotArn ?? '');
    }
  }
  client.destroy();
  return arns.sort();
}

beforeEach(() => {
  local.seedFleet({
    count: 400,
    seed: 16,
    sharedShare: 0.5,
    unauthorizedShare: 0,
    supportShare: 0,
    unencryptedShare: 0,
    allowedAccounts: [A, B],
  });
  local.resetCalls();
});

describe('snapshot-guard diff against the stand-in', () => {
  it('lists exactly the grants to B when B leaves the allowlist, and makes no call that changes anything', async () => {
    // Prepare
    const expected = await sharedWith(B);
    local.resetCalls();

    // Act
    const { code, stdout } = await run('diff', '--policy', NEW, '--baseline', OLD, '--json');

    // Assess
    const doc = DiffDocumentSchema.parse(JSON.parse(stdout));
    expect(code).toBe(1);
    expect(expected.length).toBeGreaterThan(10);
    expect(doc.changes.map((c) => c.snapshot.arn).sort()).toEqual(expected);
    for (const change of doc.changes) {
      expect(change).toMatchObject({
        grantee: B,
        kind: 'revoke-added',
        snapshot: { account: ACCOUNT, region: REGION },
        before: { action: 'allow', rule: 'sharing.allowedAccounts[1]', line: 5 },
        after: { action: 'revoke', rule: 'sharing.allowedAccounts', line: 5 },
      });
    }
    const calls = await callLog();
    expect(calls['redshift.DescribeClusterSnapshots']).toBeGreaterThan(0);
    expect(Object.keys(calls).filter((call) => !READ_ONLY.has(call))).toEqual([]);
  });

  it('gives the same answer from a saved inventory, without a single AWS call', async () => {
    // Prepare
    const saved = join(dir, 'fleet.json');
    const live = await run('diff', '--policy', NEW, '--baseline', OLD, '--json');
    const inventory = await run('inventory', '--out', saved, '--region', REGION);
    local.resetCalls();

    // Act
    const offline = await run('diff', '--policy', NEW, '--baseline', OLD, '--inventory', saved, '--json');

    // Assess
    expect(inventory.code).toBe(0);
    const read = await readInventory(saved);
    expect(read.ok && read.value.snapshots.length).toBe(400);
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout).changes).toEqual(JSON.parse(live.stdout).changes);
    expect(await callLog()).toEqual({});
  });

  it('exits 0 and says so when nothing changes', async () => {
    // Act
    const { code, stdout } = await run('diff', '--policy', OLD, '--baseline', OLD);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('No changes: both policies would do the same to every snapshot.');
  });

  it('exits 2 on a saved inventory that does not validate, naming the field, and calls nothing', async () => {
    // Prepare
    const bad = file('bad.json', JSON.stringify({ schemaVersion: 1, generatedAt: 'now' }));

    // Act
    const { code, stderr } = await run('diff', '--policy', NEW, '--baseline', OLD, '--inventory', bad);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`${bad}: generatedAt: `);
    expect(await callLog()).toEqual({});
  });
});
