import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import type { Finding, Snapshot } from '../../../functions/engine/model.ts';
import { checkSafety, plan } from '../../../functions/engine/plan.ts';
import { toRef } from '../../../functions/engine/ref.ts';
import { SUPPORT_ACCOUNT } from '../../../functions/policy/schema.ts';
import { NOW, policy } from '../../helpers/policies.ts';
import { loadSnapshot, OWNER, snapshot } from '../../helpers/snapshots.ts';

const context = { account: OWNER };

function finding(snap: Snapshot, overrides: Partial<Finding>): Finding {
  return {
    kind: 'unauthorized-grant',
    severity: 'violation',
    snapshot: toRef(snap),
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
        snapshot: toRef(snap),
        account: '999988887777',
        findings: ['unauthorized-grant'],
        rule: 'sharing.allowedAccounts',
      },
      {
        type: 'revoke',
        snapshot: toRef(snap),
        account: SUPPORT_ACCOUNT,
        findings: ['support-access'],
        rule: 'sharing.allowSupportAccess',
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

    expect(actions.map((a) => [a.type, a.type === 'revoke' ? a.account : '', a.findings, a.rule])).toEqual([
      ['revoke', '555566667777', ['unauthorized-grant'], 'sharing.allowedAccounts'],
      ['revoke', '111122223333', ['too-old'], 'retention.manual.maxAgeDays'],
      ['delete', '', ['too-old'], 'retention.manual.maxAgeDays'],
    ]);
  });

  it('deletes an unshared snapshot with a single action', () => {
    const snap = loadSnapshot('legal-hold', { grants: [] });
    const p = policy({ retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } } });

    const actions = plan(snap, evaluate(snap, p, NOW), context);

    expect(actions).toEqual([
      { type: 'delete', snapshot: toRef(snap), findings: ['too-old'], rule: 'retention.manual.maxAgeDays' },
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
    expect(checkSafety({ revocations: 50, deletions: 5 }, limits)).toEqual({ ok: true });
  });

  it('stops a run one revocation above the limit', () => {
    expect(checkSafety({ revocations: 51, deletions: 0 }, limits)).toEqual({
      ok: false,
      reasons: ['51 revocations planned; safety.maxRevocationsPerRun allows 50'],
    });
  });

  it('gives every reason when both limits are exceeded', () => {
    const result = checkSafety({ revocations: 51, deletions: 6 }, limits);

    expect(result).toEqual({
      ok: false,
      reasons: [
        '51 revocations planned; safety.maxRevocationsPerRun allows 50',
        '6 deletions planned; safety.maxDeletionsPerRun allows 5',
      ],
    });
  });

  it('allows nothing at all when a limit is zero', () => {
    const none = policy({ safety: { maxRevocationsPerRun: 0, maxDeletionsPerRun: 0 } });

    expect(checkSafety({ revocations: 0, deletions: 0 }, none)).toEqual({ ok: true });
    expect(checkSafety({ revocations: 0, deletions: 1 }, none)).toMatchObject({ ok: false });
  });
});
