import { describe, expect, it } from 'vitest';
import {
  findRuleConflicts,
  globMatchesEverything,
  matchCovers,
  matchesEverything,
} from '../../../functions/policy/shadow.ts';

describe('globMatchesEverything', () => {
  it.each(['*', '**', '?*', '*?'])('is true for %j', (glob) => {
    expect(globMatchesEverything(glob)).toBe(true);
  });

  it.each(['??*', '?', 'a*', '*a', 'finance-*'])('is false for %j', (glob) => {
    expect(globMatchesEverything(glob)).toBe(false);
  });
});

describe('matchesEverything', () => {
  it('is true for a snapshot glob of just * and nothing else', () => {
    expect(matchesEverything({ snapshot: '*' })).toBe(true);
  });

  it('is false for cluster or namespace *, which serverless or provisioned snapshots escape', () => {
    expect(matchesEverything({ cluster: '*' })).toBe(false);
    expect(matchesEverything({ namespace: '*' })).toBe(false);
    expect(matchesEverything({ cluster: '*', snapshot: '*' })).toBe(false);
  });

  it('is false once a criterion narrows it', () => {
    expect(matchesEverything({ snapshot: '*', tags: { team: 'bi' } })).toBe(false);
    expect(matchesEverything({ snapshot: 'bi-*' })).toBe(false);
  });
});

describe('matchCovers', () => {
  it('covers a narrower glob on the same criterion', () => {
    expect(matchCovers({ cluster: 'finance-*' }, { cluster: 'finance-prod-*' })).toBe(true);
  });

  it('covers a rule that adds criteria to the same ones', () => {
    expect(matchCovers({ cluster: 'finance-*' }, { cluster: 'finance-1', snapshot: 'n-*' })).toBe(true);
  });

  it('does not cover a rule that leaves out one of its criteria', () => {
    expect(matchCovers({ cluster: 'finance-*', snapshot: 'n-*' }, { cluster: 'finance-1' })).toBe(false);
    expect(matchCovers({ cluster: 'finance-*' }, { snapshot: 'finance-1' })).toBe(false);
  });

  it('covers tags that are a subset with equal values', () => {
    expect(matchCovers({ tags: { team: 'bi' } }, { tags: { team: 'bi', env: 'prod' } })).toBe(true);
    expect(matchCovers({ tags: { team: 'bi' } }, { tags: { team: 'ml', env: 'prod' } })).toBe(false);
    expect(matchCovers({ tags: { team: 'bi', env: 'prod' } }, { tags: { team: 'bi' } })).toBe(false);
  });

  it('covers any value of a tag with a tag value of *', () => {
    expect(matchCovers({ tags: { team: '*' } }, { tags: { team: 'bi' } })).toBe(true);
    expect(matchCovers({ tags: { team: 'bi' } }, { tags: { team: '*' } })).toBe(false);
  });

  it('does not mistake an inherited property for a tag', () => {
    expect(matchCovers({ tags: { constructor: 'x' } }, { tags: { team: 'bi' } })).toBe(false);
  });
});

describe('findRuleConflicts', () => {
  it('reports a rule shadowed by the first earlier rule that covers it', () => {
    // Act
    const conflicts = findRuleConflicts([
      { cluster: 'bi-*' },
      { cluster: 'finance-*' },
      { cluster: 'finance-*' },
      { cluster: 'finance-prod' },
    ]);

    // Assess
    expect(conflicts).toEqual([
      { kind: 'shadowed', rule: 2, by: 1 },
      { kind: 'shadowed', rule: 3, by: 1 },
    ]);
  });

  it('reports a cluster * rule only over the cluster rules after it', () => {
    expect(findRuleConflicts([{ cluster: '*' }, { namespace: 'sales-*' }, { cluster: 'bi-*' }])).toEqual([
      { kind: 'shadowed', rule: 2, by: 0 },
    ]);
  });

  it('allows a catch-all as the last rule', () => {
    expect(findRuleConflicts([{ cluster: 'bi-*' }, { snapshot: '*' }])).toEqual([]);
  });

  it('reports a catch-all before other rules once, not every rule after it', () => {
    expect(findRuleConflicts([{ snapshot: '*' }, { snapshot: 'a-*' }, { cluster: 'b' }])).toEqual([
      { kind: 'catch-all-not-last', rule: 0 },
    ]);
  });

  it('skips the holes left by rules that failed validation', () => {
    expect(findRuleConflicts([undefined, { cluster: 'a-*' }, undefined, { cluster: 'a-1' }])).toEqual([
      { kind: 'shadowed', rule: 3, by: 1 },
    ]);
  });
});
