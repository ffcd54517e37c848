import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import { type PolicyInput, SUPPORT_ACCOUNT } from '../../../functions/policy/schema.ts';
import { DAY, kinds, NOW, policy } from '../../helpers/policies.ts';
import { loadSnapshot, snapshot } from '../../helpers/snapshots.ts';

describe('evaluate', () => {
  describe('retention', () => {
    const manual = (input: NonNullable<PolicyInput['retention']>['manual']) =>
      policy({ retention: { manual: input } });

    it('reports a manual snapshot kept indefinitely without deleting it', () => {
      const findings = evaluate(
        loadSnapshot('analytics-weekly', { grants: [] }),
        manual({ maxRetentionDays: 365, onViolation: 'delete' }),
        NOW,
      );

      expect(findings).toEqual([
        expect.objectContaining({
          kind: 'retention-indefinite',
          severity: 'violation',
          rule: 'retention.manual.maxRetentionDays',
          remediation: 'none',
          message: 'kept indefinitely (retention -1); the policy allows at most 365 days',
        }),
      ]);
      expect(findings[0]).not.toHaveProperty('account');
    });

    it('reports a retention above the maximum and accepts one at it', () => {
      const p = manual({ maxRetentionDays: 365 });

      const above = evaluate(snapshot({ retentionDays: 366 }), p, NOW);
      const at = evaluate(snapshot({ retentionDays: 365 }), p, NOW);
      const unknown = evaluate(snapshot({ retentionDays: undefined }), p, NOW);

      expect(above).toEqual([
        expect.objectContaining({
          kind: 'retention-too-long',
          rule: 'retention.manual.maxRetentionDays',
          remediation: 'none',
          message: 'retention is 366 days; the policy allows at most 365',
        }),
      ]);
      expect(at).toEqual([]);
      expect(unknown).toEqual([]);
    });

    it('ignores retention settings when the policy sets no maximum', () => {
      expect(evaluate(snapshot({ retentionDays: -1 }), policy(), NOW)).toEqual([]);
    });

    it('finds a manual snapshot too old one millisecond past the age limit', () => {
      const p = manual({ maxAgeDays: 400 });
      const limit = NOW.getTime() - 400 * DAY;

      const at = evaluate(snapshot({ createdAt: new Date(limit) }), p, NOW);
      const past = evaluate(snapshot({ createdAt: new Date(limit - 1) }), p, NOW);

      expect(at).toEqual([]);
      expect(past).toEqual([
        expect.objectContaining({
          kind: 'too-old',
          rule: 'retention.manual.maxAgeDays',
          remediation: 'none',
        }),
      ]);
    });

    it('says how old the snapshot is and what the policy allows', () => {
      const created = new Date(NOW.getTime() - 512 * DAY - 3_600_000);

      const findings = evaluate(snapshot({ createdAt: created }), manual({ maxAgeDays: 400 }), NOW);

      expect(findings[0]?.message).toBe('created 512 days ago; the policy allows 400');
    });

    it('marks a too-old manual snapshot for deletion only when the policy says delete', () => {
      const snap = loadSnapshot('legal-hold', { grants: [] });

      const deleting = evaluate(snap, manual({ maxAgeDays: 400, onViolation: 'delete' }), NOW);
      const reporting = evaluate(snap, manual({ maxAgeDays: 400, onViolation: 'report' }), NOW);

      expect(deleting.map((f) => f.remediation)).toEqual(['delete']);
      expect(reporting.map((f) => f.remediation)).toEqual(['none']);
    });

    it('reports old automated snapshots against their own limit, never for deletion', () => {
      const p = policy({
        retention: {
          manual: { maxAgeDays: 1, maxRetentionDays: 1, onViolation: 'delete' },
          automated: { maxAgeDays: 35 },
        },
      });
      const snap = loadSnapshot('finance-prod-automated', { retentionDays: -1 });

      const findings = evaluate(snap, p, NOW);

      expect(findings).toEqual([
        expect.objectContaining({
          kind: 'too-old',
          rule: 'retention.automated.maxAgeDays',
          remediation: 'none',
          message: 'created 42 days ago; the policy allows 35',
        }),
      ]);
    });

    it('judges against the now it is given, not a cached one', () => {
      const p = manual({ maxAgeDays: 30 });
      const snap = snapshot({ createdAt: new Date('2026-10-01T00:00:00.000Z') });

      expect(evaluate(snap, p, new Date('2026-10-31T00:00:00.000Z'))).toEqual([]);
      expect(kinds(evaluate(snap, p, new Date('2026-10-31T00:00:00.001Z')))).toEqual(['too-old']);
    });
  });

  describe('exemptions', () => {
    const strict = (exemptions: PolicyInput['exemptions']) =>
      policy({ retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } }, exemptions });

    it('turns covered sharing findings into one exempted finding and keeps retention findings', () => {
      const p = strict([
        { snapshot: 'legal-hold-*', reason: 'litigation hold', until: '2027-06-30', covers: ['sharing'] },
      ]);
      const snap = loadSnapshot('legal-hold', { grants: ['555566667777', SUPPORT_ACCOUNT] });

      const findings = evaluate(snap, p, NOW);

      expect(findings).toEqual([
        expect.objectContaining({
          kind: 'exempted',
          severity: 'info',
          rule: 'exemptions[0]',
          remediation: 'none',
          message:
            'sharing findings (unauthorized-grant, support-access) are exempt until 2027-06-30: litigation hold',
        }),
        expect.objectContaining({ kind: 'too-old', remediation: 'delete' }),
      ]);
    });

    it('covers retention by default and leaves sharing findings alone', () => {
      const p = strict([{ snapshot: 'legal-hold-*', reason: 'litigation hold', until: '2027-06-30' }]);

      const findings = evaluate(loadSnapshot('legal-hold'), p, NOW);

      expect(findings.map((f) => [f.kind, f.remediation, f.rule])).toEqual([
        ['unauthorized-grant', 'revoke', 'sharing.allowedAccounts'],
        ['exempted', 'none', 'exemptions[0]'],
      ]);
      expect(findings[1]?.message).toContain('retention findings (too-old)');
    });

    it('matches an exemption by tags and covers both areas when asked', () => {
      const p = strict([
        {
          tags: { hold: 'litigation' },
          reason: 'case 2024-117',
          until: '2027-06-30',
          covers: ['sharing', 'retention'],
        },
      ]);

      const findings = evaluate(loadSnapshot('legal-hold'), p, NOW);

      expect(findings.map((f) => [f.kind, f.severity, f.remediation])).toEqual([
        ['exempted', 'info', 'none'],
        ['exempted', 'info', 'none'],
      ]);
    });

    it('stops applying an exemption the day after its until date', () => {
      const p = strict([{ snapshot: 'legal-hold-*', reason: 'litigation hold', until: '2026-11-01' }]);
      const snap = loadSnapshot('legal-hold', { grants: [] });

      expect(kinds(evaluate(snap, p, new Date('2026-11-01T23:59:59.999Z')))).toEqual(['exempted']);
      expect(kinds(evaluate(snap, p, new Date('2026-11-02T00:00:00.000Z')))).toEqual(['too-old']);
    });

    it('skips an expired exemption and uses the next one that applies', () => {
      const p = strict([
        { snapshot: 'legal-*', reason: 'old hold', until: '2026-01-31', covers: ['retention'] },
        { tags: { team: 'legal' }, reason: 'audit', until: '2027-01-31', covers: ['retention'] },
      ]);

      const findings = evaluate(loadSnapshot('legal-hold', { grants: [] }), p, NOW);

      expect(findings).toEqual([expect.objectContaining({ kind: 'exempted', rule: 'exemptions[1]' })]);
      expect(findings[0]?.message).toBe('retention findings (too-old) are exempt until 2027-01-31: audit');
    });

    it('adds nothing for an exempt snapshot that breaks no rule', () => {
      const p = strict([{ snapshot: '*', reason: 'everything', until: '2027-01-31', covers: ['sharing'] }]);

      expect(evaluate(snapshot(), p, NOW)).toEqual([]);
    });
  });
});
