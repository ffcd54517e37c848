import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../functions/errors.ts';
import { parsePolicy } from '../../../functions/policy/load.ts';

/** Every issue as `line:col path: message`, or [] when the policy loads. */
function issuesOf(text: string): string[] {
  try {
    parsePolicy(text, 'p.yml');
    return [];
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.col} ${i.path ? `${i.path}: ` : ''}${i.message}`);
  }
}

const accounts = (...entries: string[]) =>
  `version: 1\nsharing:\n  allowedAccounts:\n${entries.map((e) => `    - ${e}\n`).join('')}`;
const rules = (...matches: string[]) =>
  `version: 1\nsharing:\n  rules:\n${matches.map((m) => `    - { match: ${m}, allowedAccounts: [] }\n`).join('')}`;

describe('parsePolicy', () => {
  it('rejects an account id that is not 12 digits', () => {
    expect(issuesOf(accounts('"111122223333"', '"12345"'))).toEqual([
      '5:7 sharing.allowedAccounts[1]: "12345" is not a 12-digit AWS account id',
    ]);
  });

  it('asks for quotes around an account id YAML read as a number', () => {
    expect(issuesOf(accounts('012345678901'))).toEqual([
      '4:7 sharing.allowedAccounts[0]: 12345678901 must be written in quotes: YAML reads unquoted digits as a number (and drops leading zeros)',
    ]);
  });

  it('rejects account ids with spaces or non-ASCII digits', () => {
    expect(issuesOf(accounts('"1111 2222 3333"', '"١١١١٢٢٢٢٣٣٣٣"', '"111122223333\\n"'))).toEqual([
      '4:7 sharing.allowedAccounts[0]: "1111 2222 3333" is not a 12-digit AWS account id',
      '5:7 sharing.allowedAccounts[1]: "١١١١٢٢٢٢٣٣٣٣" is not a 12-digit AWS account id',
      '6:7 sharing.allowedAccounts[2]: "111122223333\\n" is not a 12-digit AWS account id',
    ]);
  });

  it('reports a bad id inside an { account } entry at the id, not as a union mismatch', () => {
    expect(issuesOf(accounts('{ account: "1234", note: DR }'))).toEqual([
      '4:18 sharing.allowedAccounts[0].account: "1234" is not a 12-digit AWS account id',
    ]);
  });

  it('rejects the same account listed twice in one allowlist', () => {
    expect(issuesOf(accounts('"111122223333"', '{ account: "111122223333", note: again }'))).toEqual([
      '5:7 sharing.allowedAccounts[1]: "111122223333" is already listed at sharing.allowedAccounts[0] (line 4)',
    ]);
  });

  it('allows an account in the global allowlist and in a rule', () => {
    const text = `${accounts('"111122223333"')}  rules:\n    - { match: { cluster: bi }, allowedAccounts: ["111122223333"] }\n`;
    expect(issuesOf(text)).toEqual([]);
  });

  it('rejects an expires that is not a date, or not a calendar day', () => {
    expect(
      issuesOf(
        accounts(
          '{ account: "111122223333", expires: soon }',
          '{ account: "444455556666", expires: 2027-02-29 }',
        ),
      ),
    ).toEqual([
      '4:43 sharing.allowedAccounts[0].expires: "soon" is not a date written YYYY-MM-DD',
      '5:43 sharing.allowedAccounts[1].expires: "2027-02-29" is not a day of the calendar',
    ]);
  });

  it.each([0, 3654, -1])('rejects maxRetentionDays %d, outside 1..3653', (days) => {
    expect(issuesOf(`version: 1\nretention:\n  manual:\n    maxRetentionDays: ${days}\n`)).toEqual([
      '4:23 retention.manual.maxRetentionDays: must be between 1 and 3653 days',
    ]);
  });

  it.each([1, 3653])('accepts maxRetentionDays %d', (days) => {
    expect(issuesOf(`version: 1\nretention:\n  manual:\n    maxRetentionDays: ${days}\n`)).toEqual([]);
  });

  it('rejects an exemption without until, at the exemption', () => {
    expect(issuesOf('version: 1\nexemptions:\n  - snapshot: "legal-*"\n    reason: hold\n')).toEqual([
      '3:5 exemptions[0].until: is required',
    ]);
  });

  it('rejects unknown keys at any depth, at the key, with the closest known key', () => {
    const text = `version: 1
mdoe: audit
sharing:
  allowedAcounts: []
  rules:
    - match: { clustr: "bi-*" }
      allowedAccounts: [{ account: "111122223333", expiers: 2027-01-01 }]
retention:
  manual:
    MaxAgeDays: 30
`;
    expect(issuesOf(text)).toEqual([
      '2:1 unknown key "mdoe" (did you mean "mode"?)',
      '4:3 sharing: unknown key "allowedAcounts" (did you mean "allowedAccounts"?)',
      '6:16 sharing.rules[0].match: unknown key "clustr" (did you mean "cluster"?)',
      '7:52 sharing.rules[0].allowedAccounts[0]: unknown key "expiers" (did you mean "expires"?)',
      '10:5 retention.manual: unknown key "MaxAgeDays" (did you mean "maxAgeDays"?)',
    ]);
  });

  it('does not also report the checks a misspelt key made fail', () => {
    expect(
      issuesOf('version: 1\nexemptions:\n  - { snapshots: "legal-*", reason: r, untill: 2027-01-01 }\n'),
    ).toEqual([
      '3:7 exemptions[0]: unknown key "snapshots" (did you mean "snapshot"?)',
      '3:40 exemptions[0]: unknown key "untill" (did you mean "until"?)',
    ]);
  });

  it('lists the known keys when no key is close to an unknown one', () => {
    expect(issuesOf('version: 1\nsafety: { limit: 3 }\n')).toEqual([
      '2:11 safety: unknown key "limit" (expected one of maxRevocationsPerRun, maxDeletionsPerRun, maxListingConcurrency)',
    ]);
  });

  it('rejects a sharing rule that an earlier rule shadows', () => {
    expect(
      issuesOf(rules('{ cluster: "finance-*" }', '{ cluster: "finance-prod", tags: { team: bi } }')),
    ).toEqual([
      '5:7 sharing.rules[1]: can never match: sharing.rules[0] (line 4) already matches every snapshot this rule matches',
    ]);
  });

  it('accepts a narrower rule placed before a broader one', () => {
    expect(issuesOf(rules('{ cluster: "finance-prod" }', '{ cluster: "finance-*" }'))).toEqual([]);
  });

  it('rejects a catch-all rule that is not the last rule, and accepts it last', () => {
    expect(issuesOf(rules('{ snapshot: "*" }', '{ cluster: "bi-*" }'))).toEqual([
      '4:16 sharing.rules[0].match: matches every snapshot, so the rules after it can never match; make it the last rule',
    ]);
    expect(issuesOf(rules('{ cluster: "bi-*" }', '{ snapshot: "*" }'))).toEqual([]);
  });

  it('rejects an exemption whose glob matches every snapshot, unless tags narrow it', () => {
    const exemption = (e: string) => `version: 1\nexemptions:\n  - { ${e}, reason: r, until: 2027-01-01 }\n`;
    expect(issuesOf(exemption('snapshot: "*"'))).toEqual([
      '3:17 exemptions[0].snapshot: would exempt every snapshot; name a narrower glob or tags',
    ]);
    expect(issuesOf(exemption('snapshot: "*", tags: { hold: legal }'))).toEqual([]);
  });

  it('reports every problem of one exemption at once: a bad date does not hide a glob that exempts everything', () => {
    const exemption = (e: string) => `version: 1\nexemptions:\n  - { snapshot: "*", ${e} }\n`;
    expect(issuesOf(exemption('reason: r, until: 2027-02-30'))).toEqual([
      '3:17 exemptions[0].snapshot: would exempt every snapshot; name a narrower glob or tags',
      '3:40 exemptions[0].until: "2027-02-30" is not a day of the calendar',
    ]);
    expect(issuesOf(exemption('reason: "", until: 2027-01-01, covers: []'))).toEqual([
      '3:17 exemptions[0].snapshot: would exempt every snapshot; name a narrower glob or tags',
      '3:30 exemptions[0].reason: must say why the snapshot is exempt',
      '3:61 exemptions[0].covers: must not be empty',
    ]);
    expect(issuesOf(exemption('reason: r'))).toEqual([
      '3:5 exemptions[0].until: is required',
      '3:17 exemptions[0].snapshot: would exempt every snapshot; name a narrower glob or tags',
    ]);
  });

  it('does not call an exemption with a misspelt criterion one that exempts everything', () => {
    // `tag:` was meant to narrow the glob: the typo is the one problem to report.
    expect(
      issuesOf(
        'version: 1\nexemptions:\n  - { snapshot: "*", tag: { a: b }, reason: r, until: 2027-01-01 }\n',
      ),
    ).toEqual(['3:22 exemptions[0]: unknown key "tag" (did you mean "tags"?)']);
  });

  it('rejects a cluster or namespace glob with an uppercase letter, which can never match', () => {
    expect(issuesOf(rules('{ cluster: "Finance-*" }', '{ namespace: "Sales?" }'))).toEqual([
      '4:27 sharing.rules[0].match.cluster: "Finance-*" can never match: cluster identifiers are lowercase (did you mean "finance-*"?)',
      '5:29 sharing.rules[1].match.namespace: "Sales?" can never match: Redshift Serverless namespace names are lowercase (did you mean "sales?"?)',
    ]);
  });

  it('keeps the case of snapshot globs, which the API does not lowercase', () => {
    expect(issuesOf(rules('{ snapshot: "Nightly-*" }'))).toEqual([]);
    expect(
      issuesOf('version: 1\nexemptions:\n  - { snapshot: "Legal-*", reason: r, until: 2027-01-01 }\n'),
    ).toEqual([]);
  });

  it.each([
    ['version: 2\n', '1:10 version: must be 1'],
    ['version: "1"\n', '1:10 version: must be 1'],
    ['mode: audit\n', '1:1 version: is required'],
  ])('rejects a version other than 1: %j', (text, issue) => {
    expect(issuesOf(text)).toEqual([issue]);
  });

  it('rejects a duplicate key at the second occurrence', () => {
    expect(issuesOf('version: 1\nsharing:\n  requireEncryption: true\n  requireEncryption: false\n')).toEqual(
      ['4:3 sharing: duplicate key "requireEncryption" (first on line 3)'],
    );
  });

  it('rejects text that is not YAML, with the position of the syntax error', () => {
    expect(issuesOf('version: 1\nregions: [us-east-1\nmode: audit\n')).toEqual([
      '3:1 is not valid YAML: flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it.each([
    ['an empty file', '', '1:1 is empty; a policy starts with "version: 1"'],
    [
      'only comments',
      '# nothing yet\n\n# still nothing\n',
      '1:1 is empty; a policy starts with "version: 1"',
    ],
    ['a list', '\n- version: 1\n', '2:1 must be a mapping of policy keys (version, mode, ...)'],
    ['a string', 'policy\n', '1:1 must be a mapping of policy keys (version, mode, ...)'],
  ])('rejects %s', (_, text, issue) => {
    expect(issuesOf(text)).toEqual([issue]);
  });

  it('names the accepted values of an enum, with the one a typo meant', () => {
    expect(issuesOf('version: 1\nmode: enforse\n')).toEqual([
      '2:7 mode: must be one of audit, enforce (did you mean "enforce"?)',
    ]);
  });

  it('says a boolean written as yes must be a boolean', () => {
    expect(issuesOf('version: 1\nsharing: { allowSupportAccess: yes }\n')).toEqual([
      '2:32 sharing.allowSupportAccess: must be a boolean',
    ]);
  });

  it('rejects control and invisible characters in identifiers, escaped in the message', () => {
    const text =
      'version: 1\nsharing:\n  rules:\n    - match: { cluster: "bi\\u0000", tags: { "te\\u202eam": x, env: "p\\u0007" } }\n      allowedAccounts: []\n';
    expect(issuesOf(text)).toEqual([
      '4:25 sharing.rules[0].match.cluster: "bi\\u0000" is not an identifier glob (letters, digits, - _ . : and the wildcards * ?)',
      '4:45 sharing.rules[0].match.tags["te\\u202eam"]: must not contain control or invisible characters',
      '4:67 sharing.rules[0].match.tags.env: must not contain control or invisible characters',
    ]);
  });
});
