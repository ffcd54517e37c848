import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import type { Finding, Snapshot } from '../../../functions/engine/model.ts';
import { checkSafety, countPlanned, plan } from '../../../functions/engine/plan.ts';
import { toSnapshotRef } from '../../../functions/engine/snapshot-ref.ts';
import { SUPPORT_ACCOUNT } from '../../../functions/policy/schema.ts';
import { NOW, policy } from '../../helpers/policies.ts';
import { loadSnapshot, OWNER, snapshot } from '../../helpers/snapshots.ts';

const context = { account: OWNER };

function finding(snap: Snapshot, overrides: Partial<Finding>): Finding {
  return {
    kind: 'unauthorized-grant',
    severity: 'violation',
    snapshot: toSnapshotRef(snap),
    rule: 'sharing.allowedAccounts',
    message: 'test finding',
    remediation: 'revoke',
    ...overrides,
  };
}

describe('plan', () => {
  it('plans nothing for a snapshot without findings', () => {
    expect(plan(snapshot({ grants: ['111122223333'] }), [], context)).toEqual([]);
  });

  it('revokes each account a finding says to revoke', () => {
    const snap = loadSnapshot('finance-prod-nightly', {
      grants: ['111122223333', '999988887777', SUPPORT_ACCOUNT],
    });
    const findings = evaluate(snap, policy({ sharing: { allowedAccounts: ['111122223333'] } }), NOW);

    const actions = plan(snap, findings, context);

    expect(actions).toEqual([
      {
        type: 'revoke',
        snapshot: toSnapshotRef(snap),
        account: '999988887777',
        findings: ['unauthorized-grant'],
        rule: 'sharing.allowedAccounts',
        purpose: 'not-allowed',
      },
      {
        type: 'revoke',
        snapshot: toSnapshotRef(snap),
        account: SUPPORT_ACCOUNT,
        findings: ['support-access'],
        rule: 'sharing.allowSupportAccess',
        purpose: 'not-allowed',
      },
    ]);
  });

  it('merges the kinds of several findings about one account into one revoke', () => {
    const snap = snapshot({ grants: ['999988887777'] });
    const findings = [
      finding(snap, { account: '999988887777', rule: 'sharing.rules[0]' }),
      finding(snap, {
        account: '999988887777',
        kind: 'unencrypted-shared',
        rule: 'sharing.requireEncryption',
      }),
      finding(snap, { account: '999988887777' }),
    ];

    const actions = plan(snap, findings, context);

    expect(actions).toEqual([
      expect.objectContaining({
        type: 'revoke',
        account: '999988887777',
        findings: ['unauthorized-grant', 'unencrypted-shared'],
        rule: 'sharing.rules[0]',
      }),
    ]);
  });

  it('revokes every remaining grant before deleting a snapshot the policy says to delete', () => {
    const snap = loadSnapshot('legal-hold', { grants: ['111122223333', '555566667777', '111122223333'] });
    const p = policy({
      sharing: { allowedAccounts: ['111122223333'] },
      retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } },
    });

    const actions = plan(snap, evaluate(snap, p, NOW), context);

    expect(
      actions.map((a) => [
        a.type,
        a.type === 'revoke' ? a.account : '',
        a.type === 'revoke' ? a.purpose : '',
        a.findings,
        a.rule,
      ]),
    ).toEqual([
      ['revoke', '555566667777', 'not-allowed', ['unauthorized-grant'], 'sharing.allowedAccounts'],
      ['revoke', '111122223333', 'delete', ['too-old'], 'retention.manual.maxAgeDays'],
      ['delete', '', '', ['too-old'], 'retention.manual.maxAgeDays'],
    ]);
  });

  it('touches no allowed grant for a delete of a snapshot that is not available', () => {
    const snap = loadSnapshot('legal-hold', {
      status: 'final snapshot',
      grants: ['111122223333', '555566667777'],
    });
    const p = policy({
      sharing: { allowedAccounts: ['111122223333'] },
      retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } },
    });

    const actions = plan(snap, evaluate(snap, p, NOW), context);

    expect(actions).toEqual([
      expect.objectContaining({ type: 'revoke', account: '555566667777', purpose: 'not-allowed' }),
      expect.objectContaining({
        type: 'delete',
        blocked:
          'the snapshot is in status "final snapshot", not available: it is deleted only when available, and nothing was touched for the delete',
      }),
    ]);
  });

  it('plans the delete of an available Serverless snapshot, whose status is upper case', () => {
    const snap = loadSnapshot('serverless-sales', { status: 'AVAILABLE', grants: ['111122223333'] });
    const p = policy({
      sharing: { allowedAccounts: ['111122223333'] },
      retention: { manual: { maxAgeDays: 1, onViolation: 'delete' } },
    });

    const actions = plan(snap, evaluate(snap, p, NOW), context);

    expect(actions.map((a) => a.type)).toEqual(['revoke', 'delete']);
    expect(actions.at(-1)).not.toHaveProperty('blocked');
  });

  it('deletes an unshared snapshot with a single action', () => {
    const snap = loadSnapshot('legal-hold', { grants: [] });
    const p = policy({ retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } } });

    const actions = plan(snap, evaluate(snap, p, NOW), context);

    expect(actions).toEqual([
      {
        type: 'delete',
        snapshot: toSnapshotRef(snap),
        findings: ['too-old'],
        rule: 'retention.manual.maxAgeDays',
      },
    ]);
  });

  it('never deletes an automated snapshot, whatever a finding says', () => {
    const snap = loadSnapshot('finance-prod-automated', { grants: ['111122223333'] });
    const findings = [
      finding(snap, { kind: 'too-old', remediation: 'delete', rule: 'retention.manual.maxAgeDays' }),
    ];

    expect(plan(snap, findings, context)).toEqual([]);
  });

  it('never touches a snapshot another account owns', () => {
    const snap = loadSnapshot('shared-in-from-partner');
    const p = policy({ retention: { manual: { maxAgeDays: 30, onViolation: 'delete' } } });
    const findings = evaluate(snap, p, NOW);

    const actions = plan(snap, findings, context);

    expect(findings.map((f) => f.remediation)).toEqual(['revoke', 'revoke', 'delete']);
    expect(actions).toEqual([]);
  });

  it('plans nothing for exempted findings', () => {
    const snap = loadSnapshot('legal-hold');
    const p = policy({
      retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } },
      exemptions: [
        { snapshot: 'legal-hold-*', reason: 'hold', until: '2027-01-01', covers: ['sharing', 'retention'] },
      ],
    });

    expect(plan(snap, evaluate(snap, p, NOW), context)).toEqual([]);
  });
});

describe('checkSafety', () => {
  const limits = policy({ safety: { maxRevocationsPerRun: 50, maxDeletionsPerRun: 5 } });

  it('allows a run exactly at both limits', () => {
    expect(checkSafety({ revocations: 50, deletions: 5 }, limits)).toEqual({});
  });

  it('stops only revocations one revocation above the limit', () => {
    expect(checkSafety({ revocations: 51, deletions: 0 }, limits)).toEqual({
      revoke: '51 revocations planned; safety.maxRevocationsPerRun allows 50',
    });
  });

  it('stops only deletions one deletion above the limit', () => {
    expect(checkSafety({ revocations: 50, deletions: 6 }, limits)).toEqual({
      delete: '6 deletions planned; safety.maxDeletionsPerRun allows 5',
    });
  });

  it('gives each limit its own reason when both are exceeded', () => {
    expect(checkSafety({ revocations: 51, deletions: 6 }, limits)).toEqual({
      revoke: '51 revocations planned; safety.maxRevocationsPerRun allows 50',
      delete: '6 deletions planned; safety.maxDeletionsPerRun allows 5',
    });
  });

  it('with a limit of zero stops that kind of change only', () => {
    const none = policy({ safety: { maxRevocationsPerRun: 10, maxDeletionsPerRun: 0 } });

    expect(checkSafety({ revocations: 0, deletions: 0 }, none)).toEqual({});
    expect(checkSafety({ revocations: 3, deletions: 1 }, none)).toEqual({
      delete: '1 deletions planned; safety.maxDeletionsPerRun allows 0',
    });
  });
});

describe('countPlanned', () => {
  it('counts the revokes a delete needs with the delete, and a blocked delete not at all', () => {
    const p = policy({
      sharing: { allowedAccounts: ['111122223333'] },
      retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } },
    });
    const grants = ['111122223333', '444455556666', '555566667777'];
    const fleet = [
      loadSnapshot('legal-hold', { id: 'old-shared', grants }),
      loadSnapshot('legal-hold', { id: 'old-final', status: 'final snapshot', grants }),
    ];

    const actions = fleet.flatMap((s) => plan(s, evaluate(s, p, NOW), context));

    // Per snapshot: two grants not allowed; the allowed one is revoked only to delete.
    expect(countPlanned(actions)).toEqual({ revocations: 4, deletions: 1 });
  });
});
