import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import { SUPPORT_ACCOUNT } from '../../../functions/policy/schema.ts';
import { kinds, NOW, policy } from '../../helpers/policies.ts';
import { loadSnapshot, snapshot } from '../../helpers/snapshots.ts';

describe('evaluate', () => {
  describe('grants', () => {
    it('keeps an expiring allowance through the last millisecond of its day', () => {
      const p = policy({
        sharing: { allowedAccounts: ['111122223333', { account: '999988887777', expires: '2027-01-31' }] },
      });
      const snap = loadSnapshot('finance-prod-nightly');

      expect(evaluate(snap, p, new Date('2027-01-31T23:59:59.999Z'))).toEqual([]);
      expect(evaluate(snap, p, new Date('2027-02-01T00:00:00.000Z'))).toEqual([
        expect.objectContaining({
          kind: 'expired-grant',
          account: '999988887777',
          rule: 'sharing.allowedAccounts[1]',
          message: 'allowance for 999988887777 expired on 2027-01-31',
          remediation: 'revoke',
        }),
      ]);
    });

    it('reports an expired allowance inside a rule with the entry path', () => {
      const p = policy({
        sharing: {
          rules: [
            {
              match: { cluster: 'finance-*' },
              allowedAccounts: [{ account: '111122223333', expires: '2026-10-31' }],
            },
          ],
        },
      });

      const findings = evaluate(loadSnapshot('finance-prod-nightly', { grants: ['111122223333'] }), p, NOW);

      expect(findings[0]).toMatchObject({
        kind: 'expired-grant',
        rule: 'sharing.rules[0].allowedAccounts[0]',
      });
    });

    it('keeps an account listed twice for as long as either entry allows', () => {
      const p = policy({
        sharing: { allowedAccounts: [{ account: '111122223333', expires: '2026-01-01' }, '111122223333'] },
      });

      expect(evaluate(snapshot({ grants: ['111122223333'] }), p, NOW)).toEqual([]);
    });

    it('revokes AWS Support access unless the scope allows it', () => {
      const snap = snapshot({ grants: [SUPPORT_ACCOUNT] });

      const denied = evaluate(snap, policy(), NOW);
      const allowed = evaluate(snap, policy({ sharing: { allowSupportAccess: true } }), NOW);

      expect(denied).toEqual([
        expect.objectContaining({
          kind: 'support-access',
          account: SUPPORT_ACCOUNT,
          rule: 'sharing.allowSupportAccess',
          remediation: 'revoke',
        }),
      ]);
      expect(allowed).toEqual([]);
    });

    it('revokes an allowed grant on an unencrypted snapshot when encryption is required', () => {
      const snap = snapshot({ grants: ['111122223333', SUPPORT_ACCOUNT], encrypted: false });
      const required = policy({ sharing: { allowedAccounts: ['111122223333'], allowSupportAccess: true } });
      const relaxed = policy({
        sharing: { allowedAccounts: ['111122223333'], allowSupportAccess: true, requireEncryption: false },
      });

      const findings = evaluate(snap, required, NOW);

      expect(findings.map((f) => [f.kind, f.account, f.rule])).toEqual([
        ['unencrypted-shared', '111122223333', 'sharing.requireEncryption'],
        ['unencrypted-shared', SUPPORT_ACCOUNT, 'sharing.requireEncryption'],
      ]);
      expect(findings[0]?.message).toBe(
        'snapshot finance-prod-manual-1 is shared with 111122223333 but not encrypted, and sharing.requireEncryption requires shared snapshots to be encrypted',
      );
      expect(evaluate(snap, relaxed, NOW)).toEqual([]);
    });

    it('lets a rule override the encryption requirement and names the rule', () => {
      const rules = [
        { match: { cluster: 'finance-*' }, allowedAccounts: ['111122223333'], requireEncryption: true },
      ];
      const p = policy({ sharing: { requireEncryption: false, rules } });

      const findings = evaluate(snapshot({ grants: ['111122223333'], encrypted: false }), p, NOW);

      expect(findings[0]).toMatchObject({
        kind: 'unencrypted-shared',
        rule: 'sharing.rules[0].requireEncryption',
      });
    });

    it('reports one finding per grant, the first reason only', () => {
      const p = policy({
        sharing: { allowedAccounts: [{ account: '111122223333', expires: '2026-01-01' }] },
      });

      const findings = evaluate(snapshot({ grants: ['111122223333'], encrypted: false }), p, NOW);

      expect(kinds(findings)).toEqual(['expired-grant']);
    });

    it('reports a grant listed twice once', () => {
      const findings = evaluate(
        snapshot({ grants: ['999988887777', '999988887777', SUPPORT_ACCOUNT] }),
        policy(),
        NOW,
      );

      expect(findings.map((f) => f.account)).toEqual(['999988887777', SUPPORT_ACCOUNT]);
    });

    it('applies sharing rules to automated snapshots too', () => {
      const snap = loadSnapshot('finance-prod-automated', { grants: ['999988887777'] });

      expect(evaluate(snap, policy(), NOW)).toEqual([
        expect.objectContaining({ kind: 'unauthorized-grant', remediation: 'revoke' }),
      ]);
    });
  });
});
