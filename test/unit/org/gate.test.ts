import { describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../functions/engine/compliance-events.ts';
import { DETAIL_TYPES, EventDetailSchema } from '../../../functions/engine/compliance-events.ts';
import { finalResults, finishRun, hubContext } from '../../../functions/org/finish.ts';
import { gate } from '../../../functions/org/gate.ts';
import type { WorkResult } from '../../../functions/org/model.ts';
import { parsePolicy } from '../../../functions/policy/load.ts';

const policy = (safety = 'maxRevocationsPerRun: 5\n  maxDeletionsPerRun: 1') =>
  parsePolicy(`version: 1\nmode: enforce\nsafety:\n  ${safety}\norganization: {}\n`, 'org.yml').policy;

const held = (account: string, revocations: number, deletions = 0): WorkResult => ({
  account,
  region: 'us-east-1',
  status: 'held',
  planned: { revocations, deletions },
});
const swept = (account: string, region = 'us-east-1'): WorkResult => ({
  account,
  region,
  status: 'swept',
  compliant: true,
  totals: {
    snapshots: 10,
    foreign: 0,
    compliant: 10,
    violating: 0,
    findings: 0,
    revocations: {},
    deletions: {},
    failures: 0,
  },
});

describe('gate', () => {
  it('lets every held account-region enforce within what it planned when the run is within its limits', () => {
    const decision = gate(policy(), [
      held('111111111111', 3),
      swept('222222222222'),
      held('333333333333', 2, 1),
    ]);
    expect(decision).toEqual({
      phase: 'enforce',
      stops: {},
      held: [
        { account: '111111111111', region: 'us-east-1', budget: { revocations: 3, deletions: 0 } },
        { account: '333333333333', region: 'us-east-1', budget: { revocations: 2, deletions: 1 } },
      ],
      planned: { revocations: 5, deletions: 1 },
    });
  });

  it('stops every revoke when the run as a whole plans more than the limit, though each alone is within', () => {
    const decision = gate(policy(), [held('111111111111', 4), held('222222222222', 4)]);
    expect(decision.phase).toBe('blocked');
    const reason =
      'over the whole organisation run (2 account-regions): 8 revocations planned; safety.maxRevocationsPerRun allows 5';
    expect(decision.reason).toBe(reason);
    expect(decision.stops).toEqual({ revoke: reason });
    expect(decision.held).toHaveLength(2);
  });

  it('counts deletions over the run too, and stops only the deletes when only they are over', () => {
    const decision = gate(policy(), [held('111111111111', 1, 1), held('222222222222', 1, 1)]);
    expect(decision.phase).toBe('blocked');
    expect(decision.stops).toEqual({
      delete:
        'over the whole organisation run (2 account-regions): 2 deletions planned; safety.maxDeletionsPerRun allows 1',
    });
  });

  it('names each limit the run exceeds on its own', () => {
    const decision = gate(policy(), [held('111111111111', 4, 1), held('222222222222', 4, 1)]);
    expect(Object.keys(decision.stops).sort()).toEqual(['delete', 'revoke']);
    expect(decision.reason).toContain(
      '8 revocations planned; safety.maxRevocationsPerRun allows 5; 2 deletions',
    );
  });
});

describe('finalResults', () => {
  it('takes the second pass over the first, and names an item without any result as failed', () => {
    const results = finalResults(
      [
        { account: '111111111111', region: 'us-east-1' },
        { account: '222222222222', region: 'us-east-1' },
        { account: '333333333333', region: 'us-east-1' },
      ],
      [held('111111111111', 1), swept('222222222222'), { not: 'a result' }],
      [swept('111111111111')],
    );
    expect(results.map((r) => [r.account, r.status])).toEqual([
      ['111111111111', 'swept'],
      ['222222222222', 'swept'],
      ['333333333333', 'failed'],
    ]);
    expect(results[2]?.reason).toBe('the worker returned no result (it failed or timed out)');
  });

  it('names a held item whose second pass returned nothing as failed', () => {
    const [result] = finalResults(
      [{ account: '111111111111', region: 'us-east-1' }],
      [held('111111111111', 1)],
      [],
    );
    expect(result).toMatchObject({ status: 'failed', reported: false });
    expect(result?.reason).toContain('held for the run');
  });
});

describe('finishRun', () => {
  const context = hubContext(policy(), '123456789012', {
    runId: 'run-7',
    trigger: 'schedule',
    dryRun: false,
    startedAt: '2026-11-01T10:00:00.000Z',
  });
  const capture = () => {
    const published: ComplianceEvent[] = [];
    const port = async (events: ComplianceEvent[]) => {
      published.push(...events);
      return { published: events.length, failed: [] };
    };
    return { published, port };
  };

  it('publishes one Organization Sweep Completed naming every failure, and the events workers could not', async () => {
    const { published, port } = capture();
    const summary = await finishRun(port, {
      context,
      homeRegion: 'us-east-1',
      plan: {
        accounts: 3,
        items: [
          { account: '111111111111', region: 'us-east-1' },
          { account: '222222222222', region: 'us-east-1' },
          { account: '333333333333', region: 'us-east-1' },
        ],
        unreachable: [{ account: '444444444444', reason: 'SUSPENDED in AWS Organizations, not ACTIVE' }],
      },
      results: finalResults(
        [
          { account: '111111111111', region: 'us-east-1' },
          { account: '222222222222', region: 'us-east-1' },
          { account: '333333333333', region: 'us-east-1' },
        ],
        [
          swept('111111111111'),
          {
            account: '222222222222',
            region: 'us-east-1',
            status: 'unreachable',
            reason: 'AccessDenied',
            reported: true,
          },
          {
            account: '333333333333',
            region: 'us-east-1',
            status: 'failed',
            reason: 'the worker failed: Sandbox.Timedout',
          },
        ],
        [],
      ),
    });

    expect(summary).toMatchObject({ accounts: 3, accountRegions: 3, swept: 1, compliant: false });
    expect(summary.failures.map((f) => [f.account, f.detailType])).toEqual([
      ['444444444444', DETAIL_TYPES.unreachable],
      ['222222222222', DETAIL_TYPES.unreachable],
      ['333333333333', DETAIL_TYPES.inventoryFailed],
    ]);
    // The worker already published 222's event; the timed-out worker could not publish 333's.
    expect(published.map((e) => [e.detailType, e.detail.account, e.detail.region])).toEqual([
      [DETAIL_TYPES.unreachable, '444444444444', 'us-east-1'],
      [DETAIL_TYPES.inventoryFailed, '333333333333', 'us-east-1'],
      [DETAIL_TYPES.organizationCompleted, '123456789012', 'us-east-1'],
    ]);
    for (const e of published) expect(EventDetailSchema.safeParse(e.detail).success).toBe(true);
    const completed = published.at(-1)?.detail;
    expect(completed?.organization).toEqual({
      accounts: 3,
      accountRegions: 3,
      swept: 1,
      failures: summary.failures,
    });
    expect(completed?.totals?.snapshots).toBe(10);
    expect(completed?.reason).toBe(
      '1 of 3 account-regions in 3 accounts swept; 3 failed or unreachable; violations or failures remain',
    );
  });

  it('publishes Blast Radius Exceeded once for the run for each limit that stopped it', async () => {
    const { published, port } = capture();
    const decision = gate(policy(), [held('111111111111', 4), held('222222222222', 4)]);
    const summary = await finishRun(port, {
      context,
      homeRegion: 'eu-west-1',
      plan: { accounts: 2, items: [], unreachable: [] },
      results: [],
      gate: decision,
    });
    expect(summary.blastRadius).toBe(decision.reason);
    expect(summary.compliant).toBe(false);
    expect(published.map((e) => [e.detailType, e.detail.region])).toEqual([
      [DETAIL_TYPES.blastRadius, 'eu-west-1'],
      [DETAIL_TYPES.organizationCompleted, 'eu-west-1'],
    ]);

    // Both limits over: one event each, as a single account's run publishes them.
    const { published: both, port: bothPort } = capture();
    await finishRun(bothPort, {
      context,
      homeRegion: 'eu-west-1',
      plan: { accounts: 2, items: [], unreachable: [] },
      results: [],
      gate: gate(policy(), [held('111111111111', 4, 1), held('222222222222', 4, 1)]),
    });
    expect(
      both
        .filter((e) => e.detailType === DETAIL_TYPES.blastRadius)
        .map((e) => e.detail.reason.split(': ')[1]),
    ).toEqual([
      '8 revocations planned; safety.maxRevocationsPerRun allows 5',
      '2 deletions planned; safety.maxDeletionsPerRun allows 1',
    ]);
  });

  it('says compliant when every account-region was swept and is compliant', async () => {
    const { port } = capture();
    const items = [{ account: '111111111111', region: 'us-east-1' }];
    const summary = await finishRun(port, {
      context,
      homeRegion: 'us-east-1',
      plan: { accounts: 1, items, unreachable: [] },
      results: finalResults(items, [swept('111111111111')], []),
    });
    expect(summary).toMatchObject({ compliant: true, failures: [], events: { published: 1, failed: 0 } });
  });
});
