import { type Policy, type PolicyInput, PolicySchema } from '../../functions/policy/schema.ts';

/** The instant engine tests judge at unless they say otherwise. */
export const NOW = new Date('2026-11-01T12:00:00.000Z');
export const DAY = 86_400_000;

/**
 * A validated policy, defaults applied, exactly as the loader would hand it to the engine.
 *
 * @example
 * const p = policy({ sharing: { allowedAccounts: ['111122223333'] } });
 */
export function policy(input: Omit<PolicyInput, 'version'> = {}): Policy {
  return PolicySchema.parse({ version: 1, ...input });
}

/** The kinds of some findings, in order: a compact thing to assert on. */
export function kinds(findings: readonly { kind: string }[]): string[] {
  return findings.map((f) => f.kind);
}
