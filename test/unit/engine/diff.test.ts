import { describe, expect, it } from 'vitest';
import { diffPolicies, diffSnapshot } from '../../../functions/engine/diff.ts';
import { SUPPORT_ACCOUNT } from '../../../functions/policy/schema.ts';
import { DAY, NOW, policy } from '../../helpers/policies.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

const A = '111122223333';
const B = '444455556666';
const context = { account: OWNER, now: NOW };
const lines = (table: Record<string, number>) => (path: string) => table[path];

describe('diffSnapshot', () => {
  it('lists a grant the new policy revokes that the old one allows, with both rules and lines', () => {
    // Prepare
    const snap = snapshot({ grants: [A, B] });
    const before = {
      policy: policy({ sharing: { allowedAccounts: [A, B] } }),
      locate: lines({ 'sharing.allowedAccounts[1]': 7 }),
    };
    const after = {
      policy: policy({ sharing: { allowedAccounts: [A] } }),
      locate: lines({ 'sharing.allowedAccounts': 5 }),
    };

    // Act
    const changes = diffSnapshot(snap, before, after, context);

    // Assess
    expect(changes).toEqual([
      {
        snapshot: { id: snap.id, arn: snap.arn, region: 'us-east-1', account: OWNER },
        grantee: B,
        kind: 'revoke-added',
        before: { action: 'allow', rule: 'sharing.allowedAccounts[1]', line: 7 },
        after: { action: 'revoke', rule: 'sharing.allowedAccounts', line: 5 },
      },
    ]);
  });

  it('lists a grant the old policy revokes that the new one allows through a rule', () => {
    // Prepare
    const snap = snapshot({ grants: [B] });
    const before = { policy: policy({ sharing: { allowedAccounts: [A] } }) };
    const after = {
      policy: policy({
        sharing: { allowedAccounts: [A], rules: [{ match: { cluster: 'finance-*' }, allowedAccounts: [B] }] },
      }),
    };

    // Act
    const [change, ...rest] = diffSnapshot(snap, before, after, context);

    // Assess
    expect(rest).toEqual([]);
    expect(change).toMatchObject({
      grantee: B,
      kind: 'revoke-removed',
      before: { action: 'revoke', rule: 'sharing.allowedAccounts' },
      after: { action: 'allow', rule: 'sharing.rules[0].allowedAccounts[0]' },
    });
  });

  it('names the support switch as the rule that lets AWS Support keep its grant', () => {
    // Prepare
    const snap = snapshot({ grants: [SUPPORT_ACCOUNT] });

    // Act
    const changes = diffSnapshot(
      snap,
      { policy: policy({ sharing: { allowSupportAccess: true } }) },
      { policy: policy({ sharing: { allowSupportAccess: false } }) },
      context,
    );

    // Assess
    expect(changes).toMatchObject([
      {
        grantee: SUPPORT_ACCOUNT,
        kind: 'revoke-added',
        before: { action: 'allow', rule: 'sharing.allowSupportAccess' },
        after: { action: 'revoke', rule: 'sharing.allowSupportAccess' },
      },
    ]);
  });

  it('lists a snapshot the new policy deletes, and each grant the deletion revokes first', () => {
    // Prepare
    const snap = snapshot({ grants: [A], createdAt: new Date(NOW.getTime() - 500 * DAY) });
    const retention = (onViolation: 'report' | 'delete') => ({ manual: { maxAgeDays: 400, onViolation } });
    const before = { policy: policy({ sharing: { allowedAccounts: [A] }, retention: retention('report') }) };
    const after = { policy: policy({ sharing: { allowedAccounts: [A] }, retention: retention('delete') }) };

    // Act
    const changes = diffSnapshot(snap, before, after, context);

    // Assess
    expect(changes.map((c) => [c.kind, c.grantee, c.before.action, c.after.action, c.after.rule])).toEqual([
      ['revoke-added', A, 'allow', 'revoke', 'retention.manual.maxAgeDays'],
      ['delete-added', undefined, 'keep', 'delete', 'retention.manual.maxAgeDays'],
    ]);
    expect(changes[1]?.before.rule).toBe('retention.manual.onViolation');
  });

  it('lists the retention finding an exemption makes disappear, and the exemption that appears', () => {
    // Prepare
    const snap = snapshot({ id: 'legal-hold-2022', retentionDays: -1 });
    const base = { retention: { manual: { maxRetentionDays: 365 } } };
    const before = { policy: policy(base) };
    const after = {
      policy: policy({
        ...base,
        exemptions: [{ snapshot: 'legal-hold-*', reason: 'hold', until: '2027-06-30' }],
      }),
    };

    // Act
    const changes = diffSnapshot(snap, before, after, context);

    // Assess
    expect(changes).toMatchObject([
      {
        kind: 'finding-removed',
        finding: 'retention-indefinite',
        before: { action: 'report', rule: 'retention.manual.maxRetentionDays' },
        after: { action: 'none', rule: 'exemptions[0]' },
      },
      { kind: 'finding-added', finding: 'exempted', after: { action: 'report', rule: 'exemptions[0]' } },
    ]);
  });

  it('lists nothing for a snapshot another account owns, whatever the policies say', () => {
    // Prepare
    const snap = snapshot({ owner: '222233334444', grants: [B] });

    // Act
    const changes = diffSnapshot(
      snap,
      { policy: policy({ sharing: { allowedAccounts: [B] } }) },
      { policy: policy() },
      context,
    );

    // Assess
    expect(changes).toEqual([]);
  });

  it('lists nothing when both policies would do the same', () => {
    // Prepare
    const snap = snapshot({ grants: [A, B], retentionDays: -1 });
    const p = policy({ sharing: { allowedAccounts: [A] }, retention: { manual: { maxRetentionDays: 30 } } });

    // Act
    const changes = diffSnapshot(snap, { policy: p }, { policy: structuredClone(p) }, context);

    // Assess
    expect(changes).toEqual([]);
  });
});

describe('diffPolicies', () => {
  it('orders changes by region and snapshot, and counts them by kind', () => {
    // Prepare
    const snaps = ['b-snap', 'a-snap'].map((id) => snapshot({ id, arn: `arn:${id}`, grants: [B] }));

    // Act
    const { changes, totals } = diffPolicies(
      snaps,
      { policy: policy({ sharing: { allowedAccounts: [B] } }) },
      { policy: policy() },
      context,
    );

    // Assess
    expect(changes.map((c) => c.snapshot.id)).toEqual(['a-snap', 'b-snap']);
    expect(totals.changes['revoke-added']).toBe(2);
    expect(totals.changes['revoke-removed']).toBe(0);
  });

  it('says when the new policy plans more than its own safety limits allow', () => {
    // Prepare
    const snaps = [1, 2, 3].map((n) => snapshot({ id: `s${n}`, arn: `arn:s${n}`, grants: [B] }));

    // Act
    const { totals } = diffPolicies(
      snaps,
      { policy: policy({ sharing: { allowedAccounts: [B] } }) },
      { policy: policy({ safety: { maxRevocationsPerRun: 2 } }) },
      context,
    );

    // Assess
    expect(totals.planned.before).toEqual({
      revocations: 0,
      deletions: 0,
      withinSafetyLimits: true,
      reasons: [],
    });
    expect(totals.planned.after).toMatchObject({ revocations: 3, withinSafetyLimits: false });
    expect(totals.planned.after.reasons[0]).toContain('safety.maxRevocationsPerRun allows 2');
  });
});
