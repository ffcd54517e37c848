import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import { SUPPORT_ACCOUNT } from '../../../functions/policy/schema.ts';
import { NOW, policy } from '../../helpers/policies.ts';
import { loadSnapshot, snapshot } from '../../helpers/snapshots.ts';

describe('evaluate', () => {
  describe('sharing scope', () => {
    it('finds nothing for a snapshot shared only with allowed accounts', () => {
      // Prepare
      const p = policy({ sharing: { allowedAccounts: ['111122223333', '999988887777'] } });
      const snap = loadSnapshot('finance-prod-nightly');
      // Act
      const findings = evaluate(snap, p, NOW);
      // Assess
      expect(findings).toEqual([]);
      expect(Object.isFrozen(findings)).toBe(true);
      expect(evaluate(snapshot(), p, NOW)).toBe(findings);
    });

    it('revokes an account that is not on the allowlist', () => {
      const p = policy({ sharing: { allowedAccounts: ['111122223333'] } });
      const snap = loadSnapshot('finance-prod-nightly');

      const findings = evaluate(snap, p, NOW);

      expect(findings).toEqual([
        {
          kind: 'unauthorized-grant',
          severity: 'violation',
          snapshot: expect.objectContaining({ id: snap.id, arn: snap.arn, cluster: 'finance-prod' }),
          account: '999988887777',
          rule: 'sharing.allowedAccounts',
          message: 'account 999988887777 is not allowed to restore snapshots of cluster finance-prod',
          remediation: 'revoke',
        },
      ]);
      expect(findings[0]?.snapshot).not.toHaveProperty('grants');
    });

    it('lets the first matching rule win and replace the global allowlist', () => {
      const p = policy({
        sharing: {
          allowedAccounts: ['111122223333', '999988887777'],
          rules: [
            { match: { cluster: 'finance-*' }, allowedAccounts: ['111122223333'] },
            { match: { tags: { team: 'finance' } }, allowedAccounts: ['999988887777'] },
          ],
        },
      });

      const findings = evaluate(loadSnapshot('finance-prod-nightly'), p, NOW);

      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        kind: 'unauthorized-grant',
        account: '999988887777',
        rule: 'sharing.rules[0]',
      });
      expect(findings[0]?.message).toBe(
        'account 999988887777 is not allowed to restore snapshots of cluster finance-prod',
      );
    });

    it('revokes every grant when the matching rule allows no account', () => {
      const p = policy({
        sharing: {
          allowedAccounts: ['111122223333'],
          rules: [{ match: { cluster: 'finance-*' }, allowedAccounts: [] }],
        },
      });

      const findings = evaluate(loadSnapshot('finance-prod-nightly'), p, NOW);

      expect(findings.map((f) => [f.account, f.rule])).toEqual([
        ['111122223333', 'sharing.rules[0]'],
        ['999988887777', 'sharing.rules[0]'],
      ]);
    });

    it('falls back to the global allowlist when no rule matches', () => {
      const p = policy({
        sharing: {
          allowedAccounts: ['777788889999'],
          rules: [{ match: { cluster: 'finance-*' }, allowedAccounts: [] }],
        },
      });

      const findings = evaluate(loadSnapshot('analytics-weekly'), p, NOW);

      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ account: '444455556666', rule: 'sharing.allowedAccounts' });
    });

    it('matches a rule only when every criterion matches', () => {
      const rule = { match: { cluster: 'finance-*', tags: { env: 'dev' } }, allowedAccounts: [] };
      const p = policy({ sharing: { allowedAccounts: ['111122223333', '999988887777'], rules: [rule] } });

      expect(evaluate(loadSnapshot('finance-prod-nightly'), p, NOW)).toEqual([]);
      const dev = loadSnapshot('finance-prod-nightly', { tags: { team: 'finance', env: 'dev' } });
      expect(evaluate(dev, p, NOW)).toHaveLength(2);
    });

    it('matches tags by key and equal value, with * standing for any value', () => {
      const p = policy({
        sharing: {
          allowedAccounts: ['111122223333', '999988887777'],
          rules: [
            { match: { tags: { team: 'analytics', 'cost-center': '*' } }, allowedAccounts: [] },
            { match: { tags: { constructor: '*' } }, allowedAccounts: [] },
          ],
        },
      });
      const base = { grants: ['111122223333'] };

      const anyCostCenter = evaluate(
        snapshot({ ...base, tags: { team: 'analytics', 'cost-center': 'x' } }),
        p,
        NOW,
      );
      const missingKey = evaluate(snapshot({ ...base, tags: { team: 'analytics' } }), p, NOW);
      const otherValue = evaluate(
        snapshot({ ...base, tags: { team: 'Analytics', 'cost-center': 'x' } }),
        p,
        NOW,
      );

      expect(anyCostCenter.map((f) => f.rule)).toEqual(['sharing.rules[0]']);
      // No tag named `constructor`: the object prototype must not count as one.
      expect(missingKey).toEqual([]);
      expect(otherValue).toEqual([]);
    });

    it('matches serverless snapshots by namespace and never by a cluster glob', () => {
      const p = policy({
        sharing: {
          allowSupportAccess: true,
          requireEncryption: false,
          rules: [
            { match: { cluster: '*' }, allowedAccounts: [], allowSupportAccess: false },
            { match: { namespace: 'sales-*' }, allowedAccounts: [], allowSupportAccess: false },
          ],
        },
      });

      const findings = evaluate(loadSnapshot('serverless-sales'), p, NOW);

      expect(findings).toEqual([
        expect.objectContaining({
          kind: 'support-access',
          account: SUPPORT_ACCOUNT,
          rule: 'sharing.rules[1].allowSupportAccess',
          message:
            'AWS Support (amazon-redshift-support) may restore snapshots of namespace sales-ns, which sharing.rules[1].allowSupportAccess does not allow',
        }),
      ]);
    });

    it('matches a rule by snapshot identifier glob', () => {
      const p = policy({
        sharing: {
          allowedAccounts: ['111122223333', '999988887777'],
          rules: [{ match: { snapshot: 'finance-prod-nightly-????-*' }, allowedAccounts: ['999988887777'] }],
        },
      });

      const findings = evaluate(loadSnapshot('finance-prod-nightly'), p, NOW);

      expect(findings.map((f) => [f.account, f.rule])).toEqual([['111122223333', 'sharing.rules[0]']]);
    });
  });
});
