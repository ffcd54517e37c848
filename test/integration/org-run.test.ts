import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETAIL_TYPES, EventDetailSchema } from '../../functions/engine/compliance-events.ts';
import { handler } from '../../functions/org-run.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/** The state machine's gate and finish steps, invoked as Step Functions invokes them. */

const HUB = '210987654321';
const BUS = 'snapshot-compliance';
const run = { runId: 'run-42', startedAt: '2026-11-01T10:00:00.000Z', dryRun: false, trigger: 'schedule' };
const invoke = handler as unknown as (event: unknown, context: Context) => Promise<unknown>;

function context(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'org-run',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${HUB}:function:redshift-snapshot-guard-prod-orgRun`,
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345670',
    logGroupName: '/aws/lambda/org-run',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const local = useStandIn({ eventBuses: [BUS], sdkEnv: true });
let workdir: string;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'snapshot-guard-org-run-'));
  await writeFile(
    join(workdir, 'org.yml'),
    `version: 1\nmode: enforce\nsafety:\n  maxRevocationsPerRun: 3\norganization: {}\n`,
  );
  process.env.POLICY_PATH = join(workdir, 'org.yml');
});

afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe('the organisation run function', () => {
  it('gates the held account-regions over the whole run, reading past a result it cannot parse', async () => {
    const decision = await invoke(
      {
        step: 'gate',
        run,
        results: [
          {
            account: '111111111111',
            region: 'us-east-1',
            status: 'held',
            planned: { revocations: 2, deletions: 0 },
          },
          {
            account: '222222222222',
            region: 'us-east-1',
            status: 'held',
            planned: { revocations: 2, deletions: 0 },
          },
          { Error: 'States.Runtime' },
        ],
      },
      context(),
    );
    expect(decision).toMatchObject({ phase: 'blocked', planned: { revocations: 4, deletions: 0 } });
  });

  it('always answers with a reason, which the Enforce map reads for every item', async () => {
    const decision = await invoke(
      {
        step: 'gate',
        run,
        results: [
          {
            account: '111111111111',
            region: 'us-east-1',
            status: 'held',
            planned: { revocations: 1, deletions: 0 },
          },
        ],
      },
      context(),
    );
    expect(decision).toEqual({
      phase: 'enforce',
      reason: '',
      stops: {},
      held: [{ account: '111111111111', region: 'us-east-1', budget: { revocations: 1, deletions: 0 } }],
      planned: { revocations: 1, deletions: 0 },
    });
  });

  it('publishes the summary, and the Inventory Failed a crashed worker could not', async () => {
    const items = [
      { account: '111111111111', region: 'us-east-1' },
      { account: '222222222222', region: 'us-east-1' },
    ];
    const summary = await invoke(
      {
        step: 'finish',
        run,
        accounts: 2,
        items,
        unreachable: [],
        swept: [
          { account: '111111111111', region: 'us-east-1', status: 'swept', compliant: true },
          {
            account: '222222222222',
            region: 'us-east-1',
            status: 'failed',
            reason: 'the worker failed: Sandbox.Timedout',
          },
        ],
        gate: { phase: 'enforce', reason: '', held: [], planned: { revocations: 0, deletions: 0 } },
        enforced: [],
      },
      context(),
    );
    expect(summary).toMatchObject({ runId: 'run-42', swept: 1, compliant: false });
    const events = local
      .events(BUS)
      .map((e) => ({ type: e.detailType, detail: EventDetailSchema.parse(e.detail) }));
    expect(events.map((e) => [e.type, e.detail.account, e.detail.runId])).toEqual([
      [DETAIL_TYPES.inventoryFailed, '222222222222', 'run-42'],
      [DETAIL_TYPES.organizationCompleted, HUB, 'run-42'],
    ]);
    expect(events[0]?.detail.reason).toBe('the worker failed: Sandbox.Timedout');
  });

  it('refuses a step it does not know, naming the field', async () => {
    await expect(invoke({ step: 'plan', run }, context())).rejects.toThrow('step');
  });
});
