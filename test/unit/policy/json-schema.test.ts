import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policyJsonSchema } from '../../../functions/policy/json-schema.ts';

/**
 * The draft-07 keywords the generated schema uses, checked the way an editor does (patterns with
 * the `u` flag, like vscode-json-languageservice). A keyword outside this list fails the test
 * below instead of being silently ignored.
 */
type Schema = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  anyOf?: Schema[];
};
const KEYWORDS = [
  'type',
  'const',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'items',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'anyOf',
];
const KNOWN = new Set(['$schema', '$id', 'title', 'description', 'default', ...KEYWORDS]);

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

function check(s: Schema, value: unknown, at = ''): string[] {
  const out: string[] = [];
  const t = typeOf(value);
  if (s.type && !(s.type === t || (s.type === 'integer' && Number.isInteger(value)))) return [`${at} type`];
  if ('const' in s && value !== s.const) out.push(`${at} const`);
  if (s.enum && !s.enum.includes(value)) out.push(`${at} enum`);
  if (typeof value === 'string') {
    if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) out.push(`${at} pattern`);
    if (value.length < (s.minLength ?? 0) || value.length > (s.maxLength ?? Infinity))
      out.push(`${at} length`);
  }
  if (typeof value === 'number' && (value < (s.minimum ?? -Infinity) || value > (s.maximum ?? Infinity))) {
    out.push(`${at} range`);
  }
  if (Array.isArray(value)) {
    if (value.length < (s.minItems ?? 0) || value.length > (s.maxItems ?? Infinity)) out.push(`${at} items`);
    const items = s.items;
    if (items) for (const [i, v] of value.entries()) out.push(...check(items, v, `${at}/${i}`));
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) out.push(`${at}/${r} required`);
    for (const [k, v] of Object.entries(obj)) {
      if (s.propertyNames) out.push(...check(s.propertyNames, k, `${at}/${k} (name)`));
      const sub = s.properties?.[k] ?? s.additionalProperties;
      if (sub === false) out.push(`${at}/${k} additional`);
      else if (sub && sub !== true) out.push(...check(sub, v, `${at}/${k}`));
    }
  }
  if (s.anyOf?.every((o) => check(o, value, at).length > 0)) out.push(`${at} anyOf`);
  return out;
}

function keywordsOf(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) keywordsOf(n, into);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return into;
  for (const [k, v] of Object.entries(node)) {
    into.add(k);
    if (k === 'properties') for (const p of Object.values(v as object)) keywordsOf(p, into);
    else if (k !== 'default' && k !== 'enum' && k !== 'const' && k !== 'required') keywordsOf(v, into);
  }
  return into;
}

const schema = policyJsonSchema() as Schema;
const policies = new URL('../../../policies/', import.meta.url);
/** The README's example of a policy with mistakes, for trying `snapshot-guard validate`. */
const BROKEN_EXAMPLE = 'examples/broken.yml';

describe('policyJsonSchema', () => {
  it('matches the checked-in policies/policy.schema.json (run `npm run schema` after a schema change)', () => {
    // Act
    const checkedIn = readFileSync(new URL('policy.schema.json', policies), 'utf8');

    // Assess
    expect(checkedIn).toBe(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
  });

  it('is draft-07 with an id, a title and a description', () => {
    expect(policyJsonSchema()).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'urn:redshift-snapshot-guard:policy:1',
      title: 'redshift-snapshot-guard policy',
      description: expect.any(String),
    });
  });

  it('uses only keywords an editor checks the way this test does', () => {
    expect([...keywordsOf(schema)].filter((k) => !KNOWN.has(k))).toEqual([]);
  });

  it.each(
    readdirSync(policies, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.yml') && f !== BROKEN_EXAMPLE,
    ),
  )('accepts %s as an editor would', (file) => {
    // Prepare
    const value = parse(readFileSync(new URL(file, policies), 'utf8'));

    // Act & Assess
    expect(check(schema, value)).toEqual([]);
  });

  it(`flags the short account id and the misspelled key of ${BROKEN_EXAMPLE} as an editor would`, () => {
    // Prepare
    const value = parse(readFileSync(new URL(BROKEN_EXAMPLE, policies), 'utf8'));

    // Act & Assess: the shadowed rule needs the whole file, so only validate finds it.
    expect(check(schema, value)).toEqual([
      '/sharing/allowedAccounts/1 anyOf',
      '/retention/manual/onViolaton additional',
    ]);
  });

  it.each([
    [
      'an 11-digit account id',
      'sharing: { allowedAccounts: ["11112222333"] }',
      '/sharing/allowedAccounts/0 anyOf',
    ],
    [
      'an unquoted account id',
      'sharing: { allowedAccounts: [111122223333] }',
      '/sharing/allowedAccounts/0 anyOf',
    ],
    ['an unknown key', 'sharing: { allowedAcounts: [] }', '/sharing/allowedAcounts additional'],
    [
      'a date in another format',
      'exemptions: [{ snapshot: a, reason: r, until: 30/06/2027 }]',
      '/exemptions/0/until pattern',
    ],
    [
      'a glob with a space',
      'exemptions: [{ snapshot: "a b", reason: r, until: 2027-06-30 }]',
      '/exemptions/0/snapshot pattern',
    ],
    ['a region in capitals', 'regions: [US-EAST-1]', '/regions/0 pattern'],
    ['an unknown mode', 'mode: strict', '/mode enum'],
    [
      'maxRetentionDays above 3653',
      'retention: { manual: { maxRetentionDays: 4000 } }',
      '/retention/manual/maxRetentionDays range',
    ],
  ])('flags %s while it is typed', (_, line, error) => {
    expect(check(schema, parse(`version: 1\n${line}\n`))).toEqual([error]);
  });
});
