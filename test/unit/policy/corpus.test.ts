import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue, PolicyError } from '../../../functions/errors.ts';
import { parsePolicy } from '../../../functions/policy/load.ts';

const dir = new URL('../../fixtures/policies/invalid/', import.meta.url);
const expected: Record<string, string[]> = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yml'))
  .sort();

describe('parsePolicy', () => {
  it('has an expectation for every malformed policy, and a policy for every expectation', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  it.each(files)('rejects %s with exactly the expected issues', (file) => {
    // Prepare
    const bytes = readFileSync(new URL(file, dir));

    // Act
    const act = () => parsePolicy(bytes, file, { now: new Date('2026-01-01T00:00:00Z') });

    // Assess
    expect(act).toThrow(PolicyError);
    try {
      act();
    } catch (error) {
      expect((error as PolicyError).issues.map(formatIssue)).toEqual(expected[file]);
    }
  });
});
