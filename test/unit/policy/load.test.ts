import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyError } from '../../../functions/errors.ts';
import { lineOf, loadPolicy, parsePolicy } from '../../../functions/policy/load.ts';

const POLICY = `# yaml-language-server: $schema=./policy.schema.json
version: 1
mode: enforce
sharing:
  allowedAccounts:
    - "111122223333"
    - { account: "444455556666", note: DR, expires: 2027-01-31 }
  rules:
    - match: { cluster: "finance-*" }
      allowedAccounts: []
    - match: { tags: { team: analytics } }
      allowedAccounts: ["777788889999"]
retention:
  manual:
    maxAgeDays: 400
exemptions:
  - { snapshot: "legal-hold-*", reason: litigation hold, until: 2027-06-30 }
`;

const NOW = new Date('2026-11-01T12:00:00Z');

function issuesOf(act: () => unknown): string[] {
  try {
    act();
  } catch (error) {
    if (error instanceof PolicyError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicy', () => {
  it('returns the policy with every default applied', () => {
    // Act
    const { policy } = parsePolicy(POLICY, 'p.yml', { now: NOW });

    // Assess
    expect(policy.mode).toBe('enforce');
    expect(policy.sharing.requireEncryption).toBe(true);
    expect(policy.retention.manual.onViolation).toBe('report');
    expect(policy.exemptions[0]?.covers).toEqual(['retention']);
    expect(policy.safety).toEqual({
      maxRevocationsPerRun: 50,
      maxDeletionsPerRun: 5,
      maxListingConcurrency: 8,
    });
  });

  it('hashes the raw bytes, whether given text or bytes', () => {
    // Prepare
    const bytes = Buffer.from(POLICY, 'utf8');
    const expected = createHash('sha256').update(bytes).digest('hex');

    // Act
    const fromText = parsePolicy(POLICY, 'p.yml', { now: NOW });
    const fromBytes = parsePolicy(new Uint8Array(bytes), 'p.yml', { now: NOW });

    // Assess
    expect(fromText.sha256).toBe(expected);
    expect(fromBytes.sha256).toBe(expected);
  });

  it('records the line of every node, sections at their key', () => {
    // Act
    const { lines } = parsePolicy(POLICY, 'p.yml', { now: NOW });

    // Assess
    expect(lines).toMatchObject({
      version: 2,
      sharing: 4,
      'sharing.allowedAccounts': 5,
      'sharing.allowedAccounts[1]': 7,
      'sharing.allowedAccounts[1].expires': 7,
      'sharing.rules[0]': 9,
      'sharing.rules[1].allowedAccounts[0]': 12,
      'retention.manual': 14,
      'retention.manual.maxAgeDays': 15,
      'exemptions[0]': 17,
    });
  });

  it('warns about an allowlist entry whose expiry day has passed', () => {
    // Act
    const { warnings } = parsePolicy(POLICY, 'p.yml', { now: new Date('2027-02-01T00:00:00Z') });

    // Assess
    expect(warnings).toEqual([
      {
        file: 'p.yml',
        line: 7,
        col: 53,
        path: 'sharing.allowedAccounts[1].expires',
        message: '"444455556666" expired on 2027-01-31 and is no longer allowed',
      },
    ]);
  });

  it('counts the expiry day itself as allowed, to its last millisecond (UTC)', () => {
    // Act
    const { warnings } = parsePolicy(POLICY, 'p.yml', { now: new Date('2027-01-31T23:59:59.999Z') });

    // Assess
    expect(warnings).toEqual([]);
  });

  it('warns about an exemption whose until day has passed', () => {
    // Act
    const { warnings } = parsePolicy(POLICY, 'p.yml', { now: new Date('2027-07-01T00:00:00Z') });

    // Assess
    expect(warnings.map((w) => `${w.line}:${w.col} ${w.path}: ${w.message}`)).toEqual([
      '7:53 sharing.allowedAccounts[1].expires: "444455556666" expired on 2027-01-31 and is no longer allowed',
      '17:65 exemptions[0].until: expired on 2027-06-30; the exemption no longer applies',
    ]);
  });

  it('warns about expired entries in a rule allowlist too', () => {
    // Prepare
    const text = `version: 1
sharing:
  rules:
    - match: { cluster: bi }
      allowedAccounts:
        - { account: "777788889999", expires: 2026-01-01 }
`;

    // Act
    const { warnings } = parsePolicy(text, 'p.yml', { now: NOW });

    // Assess
    expect(warnings.map((w) => w.path)).toEqual(['sharing.rules[0].allowedAccounts[0].expires']);
  });

  it('reports every issue at once, sorted by position', () => {
    // Prepare
    const text = 'version: 3\nmode: fast\nsafety: { maxDeletionsPerRun: -2 }\n';

    // Act
    const issues = issuesOf(() => parsePolicy(text, 'p.yml'));

    // Assess
    expect(issues).toEqual([
      'p.yml:1:10 version: must be 1',
      'p.yml:2:7 mode: must be one of audit, enforce',
      'p.yml:3:31 safety.maxDeletionsPerRun: must be at least 0',
    ]);
  });
});

describe('lineOf', () => {
  it('gives the line of a path, else of its nearest written ancestor', () => {
    // Prepare
    const loaded = parsePolicy(POLICY, 'p.yml', { now: NOW });

    // Act & Assess
    expect(lineOf(loaded, 'sharing.rules[1]')).toBe(11);
    expect(lineOf(loaded, 'retention.manual.maxRetentionDays')).toBe(14);
    expect(lineOf(loaded, 'exemptions[0].covers')).toBe(17);
  });

  it('gives no line for a default whose section the file leaves out, rather than the first line', () => {
    // Prepare: the document starts on line 2, after the comment; there is no safety section.
    const loaded = parsePolicy(POLICY, 'p.yml', { now: NOW });

    // Act & Assess
    expect(lineOf(loaded, 'safety.maxRevocationsPerRun')).toBeUndefined();
    expect(lineOf(loaded, '__proto__')).toBeUndefined();
    expect(lineOf(parsePolicy('version: 1\n', 'p.yml'), 'sharing.allowedAccounts')).toBeUndefined();
    expect(lineOf({ lines: {} }, 'mode')).toBeUndefined();
  });
});

describe('loadPolicy', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file, labelling it with the path given', async () => {
    // Prepare
    const file = join(dir, 'ok.yml');
    await writeFile(file, POLICY);

    // Act
    const loaded = await loadPolicy(file, { now: NOW });

    // Assess
    expect(loaded.file).toBe(file);
    expect(loaded.policy.mode).toBe('enforce');
  });

  it('rejects a missing file at line 1 col 1', async () => {
    // Prepare
    const file = join(dir, 'missing.yml');

    // Act & Assess
    await expect(loadPolicy(file)).rejects.toThrow(
      new PolicyError([{ file, line: 1, col: 1, path: '', message: 'cannot be read: no such file' }]),
    );
  });

  it('rejects a directory at line 1 col 1', async () => {
    // Act & Assess
    await expect(loadPolicy(dir)).rejects.toThrow(`${dir}:1:1 cannot be read: is a directory`);
  });

  it('rejects a file over 1 MiB without reading all of it', async () => {
    // Prepare
    const file = join(dir, 'huge.yml');
    await writeFile(file, `version: 1\n${'#'.repeat(4 * 1024 * 1024)}\n`);

    // Act & Assess
    await expect(loadPolicy(file)).rejects.toThrow(
      `${file}:1:1 is 1048577 bytes; a policy may be at most 1 MiB`,
    );
  });
});
