import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../functions/errors.ts';
import { parsePolicy } from '../../../functions/policy/load.ts';

function issuesOf(text: string | Uint8Array): string[] {
  try {
    parsePolicy(text, 'p.yml');
    return [];
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.col} ${i.path ? `${i.path}: ` : ''}${i.message}`);
  }
}

describe('parsePolicy', () => {
  it('rejects more than 1 MiB before parsing it', () => {
    // Prepare: unparseable past the first line, so only the size check can answer quickly
    const text = `version: 1\n${'['.repeat(1024 * 1024)}`;

    // Act & Assess
    expect(issuesOf(text)).toEqual(['1:1 is 1048587 bytes; a policy may be at most 1 MiB']);
  });

  it('counts the limit in bytes, not characters', () => {
    // Prepare: 400 Ki three-byte characters is 1.2 MiB
    const text = `version: 1\n# ${'€'.repeat(400 * 1024)}\n`;

    // Act & Assess
    expect(issuesOf(text)).toEqual(['1:1 is 1228814 bytes; a policy may be at most 1 MiB']);
  });

  it('rejects bytes that are not valid UTF-8', () => {
    // Prepare
    const bytes = new Uint8Array([...Buffer.from('version: 1\nmode: '), 0xc3, 0x28, 0x0a]);

    // Act & Assess
    expect(issuesOf(bytes)).toEqual(['1:1 is not valid UTF-8']);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(issuesOf(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('version: 1\n')]))).toEqual([]);
  });

  it('rejects an alias bomb', () => {
    // Prepare: 9^4 expansions from four short lines
    const text = `version: 1
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
`;

    // Act & Assess
    expect(issuesOf(text)).toEqual(['1:1 expands aliases more than 50 times']);
  });

  it('accepts an anchor reused a few times', () => {
    // Prepare
    const text = `version: 1
sharing:
  allowedAccounts: &partners ["111122223333", "444455556666"]
  rules:
    - { match: { cluster: "bi-*" }, allowedAccounts: *partners }
    - { match: { cluster: "ml-*" }, allowedAccounts: *partners }
`;

    // Act
    const { policy } = parsePolicy(text, 'p.yml');

    // Assess
    expect(policy.sharing.rules[1]?.allowedAccounts).toEqual(['111122223333', '444455556666']);
  });

  it.each([
    ['flow', `version: 1\nsharing: ${'['.repeat(500_000)}`, '2:73 nests deeper than 64 levels'],
    ['block', `version: 1\nsharing:\n${'- '.repeat(500_000)}x\n`, '3:126 nests deeper than 64 levels'],
  ])('rejects %s nesting deeper than 64 levels, quickly', (_, text, issue) => {
    // Act
    const started = performance.now();
    const issues = issuesOf(text);

    // Assess
    expect(issues).toEqual([issue]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('caps a flood of issues at 100 and says how many more there are', () => {
    // Prepare
    const text = `version: 1\n${Array.from({ length: 5000 }, (_, i) => `k${i}: 1`).join('\n')}\n`;

    // Act
    const issues = issuesOf(text);

    // Assess
    expect(issues).toHaveLength(101);
    expect(issues[0]).toBe(
      '2:1 unknown key "k0" (expected one of version, mode, regions, sharing, retention, exemptions, safety, events, organization)',
    );
    expect(issues[100]).toBe('102:1 and 4900 more problems');
  });

  it('rejects __proto__ as an unknown key without touching any prototype', () => {
    // Act
    const issues = issuesOf('version: 1\n__proto__: { polluted: true }\n');

    // Assess
    expect(issues).toEqual([
      '2:1 unknown key "__proto__" (expected one of version, mode, regions, sharing, retention, exemptions, safety, events, organization)',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a second YAML document', () => {
    expect(issuesOf('version: 1\n---\nversion: 1\nmode: enforce\n')).toEqual([
      '2:1 holds a second YAML document; a policy is one',
    ]);
  });

  it('rejects tags the YAML core schema does not know', () => {
    expect(issuesOf('version: 1\nmode: !shell audit\n')).toEqual([
      '2:7 is not valid YAML: unresolved tag: !shell',
    ]);
  });

  it('reads YAML 1.2 even when the file asks for 1.1, so dates and yes stay text', () => {
    expect(issuesOf('%YAML 1.1\n---\nversion: 1\nsharing: { allowSupportAccess: yes }\n')).toEqual([
      '4:32 sharing.allowSupportAccess: must be a boolean',
    ]);
  });

  it('keeps raw control characters out of messages', () => {
    // Act
    const issues = issuesOf('version: 1\nmode: "a\\u001b[2Jb"\n');

    // Assess
    expect(issues).toEqual(['2:7 mode: must be one of audit, enforce']);
    expect(issuesOf('version: 1\n"x\\u001b[2J": 1\n')[0]).toContain('"x\\u001b[2J"');
  });

  it('shortens a huge value in a message', () => {
    // Act
    const [issue] = issuesOf(`version: 1\nsharing: { allowedAccounts: ["${'9'.repeat(10_000)}"] }\n`);

    // Assess
    expect(issue).toBe(
      `2:30 sharing.allowedAccounts[0]: "${'9'.repeat(56)}... is not a 12-digit AWS account id`,
    );
  });
});
