import * as z from 'zod';
import { PolicySchema } from './schema.ts';

/** The stable identifier of the policy format; it names the format, it is not fetched. */
export const POLICY_SCHEMA_ID = 'urn:redshift-snapshot-guard:policy:1';

/**
 * The policy format as JSON Schema (draft-07, the dialect YAML editors support best), generated
 * from `PolicySchema` so the two cannot drift. It describes the file as written (`io: 'input'`:
 * keys with defaults are optional). Checks that need code (shadowed rules, calendar dates,
 * duplicate accounts) exist only in `snapshot-guard validate`; regex checks appear as `pattern`.
 *
 * @example
 * JSON.stringify(policyJsonSchema(), null, 2) // what `npm run schema` writes to policies/policy.schema.json
 */
export function policyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: POLICY_SCHEMA_ID,
    title: 'redshift-snapshot-guard policy',
    description:
      'Who may restore Amazon Redshift snapshots and how long they may live. Validate with `snapshot-guard validate <file>`.',
    ...rest,
  };
}
