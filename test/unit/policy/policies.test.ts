import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../functions/policy/load.ts';

const root = fileURLToPath(new URL('../../../policies/', import.meta.url));
/** The README's example of a policy with mistakes, for trying `snapshot-guard validate`. */
const BROKEN_EXAMPLE = 'examples/broken.yml';
const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yml'))
  .sort();
const policies = files.filter((f) => f !== BROKEN_EXAMPLE);

describe('policies/', () => {
  it('holds the default policy and the examples', () => {
    expect(policies).toEqual(
      expect.arrayContaining(['default.yml', 'examples/data-sharing.yml', 'examples/finance-strict.yml']),
    );
  });

  it.each(policies)('%s validates with no warnings', async (file) => {
    // Act
    const loaded = await loadPolicy(`${root}${file}`, { now: new Date('2026-06-01T00:00:00Z') });

    // Assess
    expect(loaded.warnings).toEqual([]);
  });

  it(`${BROKEN_EXAMPLE} does not load: it shows validate's messages`, async () => {
    // Act
    const loading = loadPolicy(`${root}${BROKEN_EXAMPLE}`);

    // Assess
    await expect(loading).rejects.toThrow(/sharing\.allowedAccounts\[1\]: "12345" is not a 12-digit/);
  });

  it.each(files)('%s names the JSON Schema for editors on its first line', (file) => {
    // Prepare
    const depth = file.split('/').length - 1;
    const schema = `${'../'.repeat(depth) || './'}policy.schema.json`;

    // Act
    const [first] = readFileSync(`${root}${file}`, 'utf8').split('\n');

    // Assess
    expect(first).toBe(`# yaml-language-server: $schema=${schema}`);
  });

  it('default.yml says what the deployed functions enforce', async () => {
    // Act
    const { policy } = await loadPolicy(`${root}default.yml`);

    // Assess
    expect(policy).toMatchObject({
      mode: 'enforce',
      sharing: {
        allowedAccounts: ['111122223333', { account: '444455556666', note: 'DR', expires: '2027-01-31' }],
        allowSupportAccess: false,
        requireEncryption: true,
        rules: [
          { match: { cluster: 'finance-*' }, allowedAccounts: [] },
          { match: { tags: { team: 'analytics' } }, allowedAccounts: ['777788889999'] },
        ],
      },
      retention: { manual: { maxRetentionDays: 365, maxAgeDays: 400, onViolation: 'report' } },
      exemptions: [{ snapshot: 'legal-hold-*', until: '2027-06-30' }],
      safety: { maxRevocationsPerRun: 50, maxDeletionsPerRun: 5 },
      events: { busName: 'snapshot-compliance' },
    });
  });
});
