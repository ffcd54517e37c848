import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyError } from '../../../functions/errors.ts';
import { lineOf, parsePolicy } from '../../../functions/policy/load.ts';
import {
  loadPackagedPolicy,
  loadPolicyFile,
  packagePolicy,
  packagePolicyFile,
  readPackagedPolicy,
} from '../../../functions/policy/packaged.ts';

const FILE = 'policies/prod.yml';
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
    - match: { tags: { "__proto__": legal, team: analytics } }
      allowedAccounts: ["777788889999"]
retention:
  manual:
    maxAgeDays: 400
exemptions:
  - { snapshot: "legal-hold-*", reason: "  litigation hold ", until: 2027-06-30 }
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

/** The packaged JSON with its document changed, as a hand edit would change it. */
function edited(change: (document: Record<string, unknown>) => void): string {
  const packaged = JSON.parse(packagePolicy(POLICY, FILE, { now: NOW }));
  change(packaged.document);
  return JSON.stringify(packaged);
}

describe('packagePolicy', () => {
  it('reads back as the policy, lines, file and hash the YAML loads to', () => {
    // Act
    const loaded = readPackagedPolicy(packagePolicy(POLICY, FILE, { now: NOW }), 'dist/policy.json', {
      now: NOW,
    });

    // Assess
    expect(loaded).toEqual(parsePolicy(POLICY, FILE, { now: NOW }));
    expect(loaded.file).toBe(FILE);
  });

  it('keeps each rule citable by its line in the YAML', () => {
    // Act
    const loaded = readPackagedPolicy(packagePolicy(POLICY, FILE, { now: NOW }), 'dist/policy.json');

    // Assess
    expect(lineOf(loaded, 'sharing.rules[1]')).toBe(11);
    expect(lineOf(loaded, 'sharing.rules[1].allowedAccounts[0]')).toBe(12);
    expect(lineOf(loaded, 'retention.manual.maxAgeDays')).toBe(15);
  });

  it('keeps a __proto__ tag key, which a rule must match as written', () => {
    // Act
    const { policy } = readPackagedPolicy(packagePolicy(POLICY, FILE, { now: NOW }), 'dist/policy.json');

    // Assess
    expect(Object.entries(policy.sharing.rules[1]?.match.tags ?? {})).toEqual([
      ['__proto__', 'legal'],
      ['team', 'analytics'],
    ]);
  });

  it('refuses a policy that does not load, with the same lines validate prints', () => {
    // Prepare
    const text = 'version: 1\nmode: enforc\nsafety: { maxDeletionsPerRun: -2 }\n';

    // Act & Assess
    expect(issuesOf(() => packagePolicy(text, FILE))).toEqual(issuesOf(() => parsePolicy(text, FILE)));
  });
});

describe('readPackagedPolicy', () => {
  it('validates the document again with the policy schema, citing the YAML file and line', () => {
    // Prepare
    const json = edited((document) => {
      document.mode = 'enforc';
    });

    // Act & Assess
    expect(issuesOf(() => readPackagedPolicy(json, 'dist/policy.json'))).toEqual([
      'policies/prod.yml:3:7 mode: must be one of audit, enforce (did you mean "enforce"?)',
    ]);
  });

  it('runs the checks that need the whole policy again', () => {
    // Prepare: the first rule now matches every snapshot, shadowing the second.
    const json = edited((document) => {
      const sharing = document.sharing as { rules: { match: unknown }[] };
      (sharing.rules[0] as { match: unknown }).match = { snapshot: '*' };
    });

    // Act
    const issues = issuesOf(() => readPackagedPolicy(json, 'dist/policy.json'));

    // Assess
    expect(issues).toEqual([
      'policies/prod.yml:9:14 sharing.rules[0].match: matches every snapshot, so the rules after it can never match; make it the last rule',
    ]);
  });

  it('warns about dates passed since it was packaged', () => {
    // Act
    const { warnings } = readPackagedPolicy(packagePolicy(POLICY, FILE, { now: NOW }), 'dist/policy.json', {
      now: new Date('2027-02-01T00:00:00Z'),
    });

    // Assess
    expect(warnings.map((w) => `${w.file}:${w.line} ${w.path}`)).toEqual([
      'policies/prod.yml:7 sharing.allowedAccounts[1].expires',
    ]);
  });

  it.each([
    ['text that is not JSON', 'version: 1\n', /^dist\/policy\.json:1:1 is not JSON: /],
    [
      'JSON of another shape',
      '{"version":1}',
      /^dist\/policy\.json:1:1 is not a policy written by serverless package/,
    ],
    [
      'a later format',
      JSON.stringify({ ...JSON.parse(packagePolicy('version: 1\n', FILE)), packagedPolicy: 2 }),
      /^dist\/policy\.json:1:1 is not a policy written by serverless package \(packagedPolicy: /,
    ],
  ])('refuses %s', (_, text, message) => {
    // Act & Assess
    expect(() => readPackagedPolicy(text, 'dist/policy.json')).toThrow(message);
  });
});

describe('the policy files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'packaged-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the packaged JSON for a .json path and the YAML itself for any other', async () => {
    // Prepare
    const yaml = join(dir, 'prod.yml');
    const json = join(dir, 'policy.json');
    await writeFile(yaml, POLICY);
    await writeFile(json, await packagePolicyFile(yaml, FILE, { now: NOW }));

    // Act
    const fromJson = await loadPolicyFile(json, { now: NOW });
    const fromYaml = await loadPolicyFile(yaml, { now: NOW });

    // Assess
    expect(fromJson).toEqual({ ...fromYaml, file: FILE });
    expect(JSON.parse(await readFile(json, 'utf8')).file).toBe(FILE);
  });

  it('refuses a packaged file that cannot be read, at line 1 col 1', async () => {
    // Act & Assess
    await expect(loadPackagedPolicy(join(dir, 'missing.json'))).rejects.toThrow(
      `${join(dir, 'missing.json')}:1:1 cannot be read: no such file`,
    );
    await expect(packagePolicyFile(dir, FILE)).rejects.toThrow(`${FILE}:1:1 cannot be read: is a directory`);
  });
});
