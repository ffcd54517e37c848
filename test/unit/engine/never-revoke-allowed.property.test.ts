import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ComplianceEvent, DETAIL_TYPES } from '../../../functions/engine/compliance-events.ts';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import type { Action, Snapshot } from '../../../functions/engine/model.ts';
import { plan } from '../../../functions/engine/plan.ts';
import type { RegionPage, RunPorts } from '../../../functions/engine/ports.ts';
import { runCompliance } from '../../../functions/engine/run.ts';
import {
  type Policy,
  type PolicyInput,
  PolicySchema,
  SUPPORT_ACCOUNT,
} from '../../../functions/policy/schema.ts';
import { OWNER } from '../../helpers/snapshots.ts';

const FOREIGN = '210987654321';
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];
const GRANTS = [...ACCOUNTS, '999999999999', SUPPORT_ACCOUNT];
// Instants around the day boundaries the expiry dates below sit on.
const NOWS = [
  '2026-11-01T00:00:00.000Z',
  '2026-11-01T12:00:00.000Z',
  '2026-11-01T23:59:59.999Z',
  '2026-11-02T00:00:00.000Z',
];
const DATES = ['2026-10-31', '2026-11-01', '2026-11-02'];
const DAY = 86_400_000;

// ---- the oracle: deliberately naive, sharing no code with the engine ----

/** `*` any run, `?` one character, by plain recursion. */
function glob(pattern: string, value: string): boolean {
  if (pattern === '') return value === '';
  const [head, rest] = [pattern[0], pattern.slice(1)];
  if (head === '*') return glob(rest, value) || (value !== '' && glob(pattern, value.slice(1)));
  return value !== '' && (head === '?' || head === value[0]) && glob(rest, value.slice(1));
}

function tagsMatch(want: Record<string, string> | undefined, have: Record<string, string>): boolean {
  return Object.entries(want ?? {}).every(
    ([k, v]) => Object.keys(have).includes(k) && (v === '*' || have[k] === v),
  );
}

type Crit = { cluster?: string; namespace?: string; snapshot?: string; tags?: Record<string, string> };
function crit(c: Crit, s: Snapshot): boolean {
  const field = (pattern: string | undefined, value: string | undefined) =>
    pattern === undefined || (value !== undefined && glob(pattern, value));
  return (
    field(c.cluster, s.cluster) &&
    field(c.namespace, s.namespace) &&
    field(c.snapshot, s.id) &&
    tagsMatch(c.tags, s.tags)
  );
}

/**
 * What the policy calls for, worked out from scratch: `notAllowed` grants (`id account`) to revoke
 * because the policy does not allow them, deletions (`id`), every grant a deletion needs revoked
 * (`revoke`), and the grants the policy allows.
 */
function oracle(fleet: Snapshot[], p: Policy, now: Date) {
  const today = now.toISOString().slice(0, 10);
  const notAllowed = new Set<string>();
  const revoke = new Set<string>();
  const remove = new Set<string>();
  const allowed = new Set<string>();
  const exempt = new Map<string, readonly string[]>();
  for (const s of fleet) {
    if (s.owner !== OWNER) continue;
    const exemption = p.exemptions.find((e) => today <= e.until && crit(e, s));
    if (exemption) exempt.set(s.id, exemption.covers);
    const rule = p.sharing.rules.find((r) => crit(r.match, s));
    const list = rule ? rule.allowedAccounts : p.sharing.allowedAccounts;
    const support = rule?.allowSupportAccess ?? p.sharing.allowSupportAccess;
    const encryption = rule?.requireEncryption ?? p.sharing.requireEncryption;
    for (const g of s.grants) {
      const listed = list.some((e) =>
        typeof e === 'string' ? e === g : e.account === g && (e.expires === undefined || today <= e.expires),
      );
      const ok = (g === SUPPORT_ACCOUNT ? support : listed) && (s.encrypted || !encryption);
      if (ok) allowed.add(`${s.id} ${g}`);
      else if (!exemption?.covers.includes('sharing')) {
        notAllowed.add(`${s.id} ${g}`);
        revoke.add(`${s.id} ${g}`);
      }
    }
    const maxAge = p.retention.manual.maxAgeDays;
    const old =
      maxAge !== undefined &&
      s.createdAt !== undefined &&
      now.getTime() - s.createdAt.getTime() > maxAge * DAY;
    if (
      s.type === 'manual' &&
      old &&
      // Redshift deletes an available snapshot only: no grant is touched for any other.
      s.status.toLowerCase() === 'available' &&
      p.retention.manual.onViolation === 'delete' &&
      !exemption?.covers.includes('retention')
    ) {
      remove.add(s.id);
      for (const g of s.grants) revoke.add(`${s.id} ${g}`);
    }
  }
  return { notAllowed, revoke, remove, allowed, exempt };
}

// ---- generators ----

const account = fc.constantFrom(...ACCOUNTS);
const allowance = fc.oneof(
  account,
  fc.record({ account, expires: fc.constantFrom(...DATES) }, { requiredKeys: ['account'] }),
);
const tagKey = fc.constantFrom('team', 'env', 'hold');
const tags = fc.dictionary(tagKey, fc.constantFrom('finance', 'analytics', 'prod'), { maxKeys: 2 });
const tagsMatcher = fc.dictionary(tagKey, fc.constantFrom('finance', 'prod', '*'), {
  minKeys: 1,
  maxKeys: 2,
});
const idGlob = fc.constantFrom('legal-hold-*', 'nightly-?', '*-1', 'nightly-1', '*');
// Few, broad patterns and at most two criteria, so that rules overlap often and their order decides.
const clusterGlob = fc.constantFrom('finance-*', 'finance-prod', 'crm-?rod', '*');
const match = fc.oneof(
  fc.record({ cluster: clusterGlob }),
  fc.record({ namespace: fc.constantFrom('sales-*', '*') }),
  fc.record({ snapshot: idGlob }),
  fc.record({ tags: tagsMatcher }),
  fc.record({ cluster: clusterGlob, tags: tagsMatcher }),
);
const rule = fc.record(
  {
    match,
    allowedAccounts: fc.array(allowance, { maxLength: 3 }),
    allowSupportAccess: fc.boolean(),
    requireEncryption: fc.boolean(),
  },
  { requiredKeys: ['match', 'allowedAccounts'] },
);
const exemption = fc.record(
  {
    snapshot: idGlob,
    tags: tagsMatcher,
    reason: fc.constant('property test'),
    until: fc.constantFrom(...DATES),
    covers: fc.subarray(['sharing', 'retention'] as const, { minLength: 1 }),
  },
  { requiredKeys: ['reason', 'until', 'covers'] },
);
const policyInput: fc.Arbitrary<PolicyInput> = fc.record({
  version: fc.constant(1 as const),
  sharing: fc.record({
    allowedAccounts: fc.array(allowance, { maxLength: 4 }),
    allowSupportAccess: fc.boolean(),
    requireEncryption: fc.boolean(),
    rules: fc.array(rule, { maxLength: 4 }),
  }),
  retention: fc.record({
    manual: fc.record(
      {
        maxAgeDays: fc.constantFrom(1, 30, 400),
        onViolation: fc.constantFrom('report' as const, 'delete' as const),
      },
      { requiredKeys: ['onViolation'] },
    ),
  }),
  exemptions: fc.array(
    exemption.filter((e) => e.snapshot !== undefined || e.tags !== undefined),
    { maxLength: 2 },
  ),
  safety: fc.constant({ maxRevocationsPerRun: 100_000, maxDeletionsPerRun: 10_000 }),
});

const snapshotShape = fc.record({
  base: fc.constantFrom('legal-hold', 'nightly', 'weekly'),
  place: fc.constantFrom(
    { cluster: 'finance-prod' },
    { cluster: 'finance-prod' },
    { cluster: 'analytics' },
    { cluster: 'crm-prod' },
    { namespace: 'sales-ns' },
    { namespace: 'ml-ns' },
  ),
  type: fc.constantFrom('manual' as const, 'automated' as const),
  status: fc.constantFrom('available', 'available', 'AVAILABLE', 'final snapshot', 'creating'),
  owner: fc.constantFrom(OWNER, OWNER, OWNER, FOREIGN),
  encrypted: fc.boolean(),
  ageDays: fc.constantFrom(0, 1, 29, 30, 31, 400, 401),
  ageJitterMs: fc.constantFrom(-1, 0, 1),
  grants: fc.array(fc.constantFrom(...GRANTS), { maxLength: 4 }),
  tags,
});

const fleetAndNow = fc.record({
  now: fc.constantFrom(...NOWS).map((iso) => new Date(iso)),
  shapes: fc.array(snapshotShape, { maxLength: 12 }),
});

type Shape = typeof snapshotShape extends fc.Arbitrary<infer T> ? T : never;

function build(shapes: Shape[], now: Date): Snapshot[] {
  return shapes.map((s, i) => {
    const id = `${s.base}-${i}`;
    return {
      kind: 'cluster' in s.place ? 'cluster' : 'serverless',
      id,
      arn: `arn:aws:redshift:us-east-1:${s.owner}:snapshot:x/${id}`,
      ...s.place,
      type: s.type,
      status: s.status,
      owner: s.owner,
      region: 'us-east-1',
      createdAt: new Date(now.getTime() - s.ageDays * DAY + s.ageJitterMs),
      encrypted: s.encrypted,
      retentionDays: 30,
      grants: s.grants,
      tags: s.tags,
    };
  });
}

describe('plan(evaluate(...))', () => {
  it('revokes exactly the grants the policy does not allow, and nothing on foreign snapshots', () => {
    fc.assert(
      fc.property(fleetAndNow, policyInput, ({ now, shapes }, input) => {
        // Prepare
        const p = PolicySchema.parse(input);
        const fleet = build(shapes, now);
        // Act
        const actions: Action[] = fleet.flatMap((s) => plan(s, evaluate(s, p, now), { account: OWNER }));
        // Assess
        const expected = oracle(fleet, p, now);
        const revoked = actions.flatMap((a) =>
          a.type === 'revoke' ? [`${a.snapshot.id} ${a.account}`] : [],
        );
        const deleted = actions.flatMap((a) => (a.type === 'delete' && !a.blocked ? [a.snapshot.id] : []));
        // A delete that cannot go ahead is planned only to say why: for a snapshot not available.
        for (const a of actions) {
          if (a.type !== 'delete' || !a.blocked) continue;
          const status = fleet.find((s) => s.id === a.snapshot.id)?.status ?? '';
          expect(status.toLowerCase()).not.toBe('available');
        }
        expect(new Set(revoked)).toEqual(expected.revoke);
        expect(revoked).toHaveLength(expected.revoke.size);
        expect(new Set(deleted)).toEqual(expected.remove);
        for (const pair of revoked) {
          const id = pair.split(' ')[0] as string;
          if (!expected.remove.has(id)) expect(expected.allowed.has(pair)).toBe(false);
        }
        // Only a grant the policy does not allow is revoked as `not-allowed`; every other revoke
        // is one a delete needs.
        for (const a of actions) {
          if (a.type !== 'revoke') continue;
          const pair = `${a.snapshot.id} ${a.account}`;
          expect(a.purpose).toBe(expected.notAllowed.has(pair) ? 'not-allowed' : 'delete');
        }
        for (const a of actions) expect(a.snapshot.owner).toBe(OWNER);
        for (const s of fleet) {
          const mine = actions.filter((a) => a.snapshot.id === s.id);
          const deleting = mine.some((a) => a.type === 'delete');
          const covers = expected.exempt.get(s.id) ?? [];
          if (deleting) expect(mine.at(-1)?.type).toBe('delete');
          if (covers.includes('retention')) expect(deleting).toBe(false);
          if (covers.includes('sharing') && !deleting) expect(mine).toEqual([]);
        }
      }),
      { numRuns: 600 },
    );
  });
});

// ---- the whole run, against a fleet that fails where it is told to ----

/**
 * Ports over an in-memory fleet that behave as Redshift does: a revoke removes a grant (or says
 * AuthorizationNotFound), a delete refuses a snapshot still shared, an authorize adds a grant.
 * Calls for the accounts and snapshots in `fail` fail instead.
 */
function fleetPorts(
  fleet: Snapshot[],
  fail: { revoke: string[]; remove: string[]; restore: string[] },
): { ports: RunPorts; grants: Map<string, Set<string>>; events: ComplianceEvent[] } {
  const grants = new Map(fleet.map((s) => [s.id, new Set(s.grants)]));
  const events: ComplianceEvent[] = [];
  const ports: RunPorts = {
    revoke: async (a) => {
      if (fail.revoke.includes(a.account)) return { outcome: 'failed', reason: 'AccessDenied' };
      const set = grants.get(a.snapshot.id);
      if (!set?.has(a.account)) return { outcome: 'already-done' };
      set.delete(a.account);
      return { outcome: 'applied' };
    },
    delete: async (a) => {
      const set = grants.get(a.snapshot.id);
      if (fail.remove.includes(a.snapshot.id) || (set && set.size > 0)) {
        return { outcome: 'failed', reason: 'InvalidClusterSnapshotState' };
      }
      grants.delete(a.snapshot.id);
      return { outcome: 'applied' };
    },
    restore: async (a) => {
      const set = grants.get(a.snapshot.id);
      if (!set || fail.restore.includes(a.account)) return { outcome: 'failed', reason: 'AccessDenied' };
      set.add(a.account);
      return { outcome: 'applied' };
    },
    publish: async (batch) => {
      events.push(...batch);
      return { published: batch.length, failed: [] };
    },
  };
  return { ports, grants, events };
}

const failuresAndLimits = fc.record({
  revoke: fc.subarray(GRANTS, { maxLength: 3 }),
  remove: fc.subarray(
    Array.from({ length: 12 }, (_, i) => i),
    { maxLength: 6 },
  ),
  restore: fc.subarray(GRANTS, { maxLength: 2 }),
  maxRevocationsPerRun: fc.constantFrom(0, 1, 3, 100_000),
  maxDeletionsPerRun: fc.constantFrom(0, 1, 10_000),
});

describe('runCompliance over a fleet that fails', () => {
  it('never leaves a grant the policy keeps revoked, unless its snapshot is deleted or the run says it could not give it back', async () => {
    await fc.assert(
      fc.asyncProperty(fleetAndNow, policyInput, failuresAndLimits, async ({ now, shapes }, input, f) => {
        // Prepare
        const p = PolicySchema.parse({
          ...input,
          mode: 'enforce',
          safety: { maxRevocationsPerRun: f.maxRevocationsPerRun, maxDeletionsPerRun: f.maxDeletionsPerRun },
        });
        const fleet = build(shapes, now);
        const fail = { ...f, remove: f.remove.map((i) => `${shapes[i]?.base}-${i}`) };
        const { ports, grants, events } = fleetPorts(fleet, fail);
        async function* pages(): AsyncGenerator<RegionPage> {
          yield { region: 'us-east-1', items: fleet.map((snapshot) => ({ snapshot })) };
        }

        // Act
        await runCompliance(
          pages(),
          {
            runId: 'property',
            trigger: 'schedule',
            account: OWNER,
            policy: p,
            dryRun: false,
            now,
            homeRegion: 'us-east-1',
          },
          ports,
        );

        // Assess
        const expected = oracle(fleet, p, now);
        const notGivenBack = new Set(
          events.flatMap((e) =>
            e.detailType === DETAIL_TYPES.failed
              ? (e.detail.action?.notRestored ?? []).map((a) => `${e.detail.snapshot?.identifier} ${a}`)
              : [],
          ),
        );
        for (const s of fleet) {
          const left = grants.get(s.id);
          if (s.owner !== OWNER) {
            expect(left).toEqual(new Set(s.grants));
            continue;
          }
          if (left === undefined) {
            expect(expected.remove.has(s.id), `${s.id} deleted`).toBe(true);
            continue;
          }
          for (const g of s.grants) {
            const pair = `${s.id} ${g}`;
            if (expected.notAllowed.has(pair)) continue;
            expect(left.has(g) || notGivenBack.has(pair), `${pair} kept`).toBe(true);
          }
        }
        // Each limit stops only its own kind: within the revocation limit, every grant the policy
        // does not allow is gone unless its own revoke failed, whatever the deletion limit says.
        if (expected.notAllowed.size <= f.maxRevocationsPerRun) {
          for (const pair of expected.notAllowed) {
            const [id, g] = pair.split(' ') as [string, string];
            if (!fail.revoke.includes(g))
              expect(grants.get(id)?.has(g) ?? false, `${pair} revoked`).toBe(false);
          }
        } else {
          for (const pair of expected.notAllowed) {
            const [id, g] = pair.split(' ') as [string, string];
            if (grants.has(id)) expect(grants.get(id)?.has(g), `${pair} left alone`).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
