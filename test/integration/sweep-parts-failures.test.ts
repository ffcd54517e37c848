import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from 'vitest';
import { CONTINUATION_DETAIL_TYPE, MS_PER_PLANNED_ACTION } from '../../functions/engine/continuation.ts';
import { sweepAccountRegion } from '../../functions/org/worker.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { SWEEP_RESERVE_MS } from '../../functions/runtime.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import {
  ACCOUNT,
  busEvents,
  clients,
  createBus,
  POLICY,
  PRODUCT_VIEW,
  REGION,
  seedFleet,
  warmRuntime,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const local = useStandIn(PRODUCT_VIEW);

beforeEach(async () => {
  await createBus();
});

describe('asking for the next part', () => {
  it('publishes an event when asking for the next part fails, and never claims a next part reads the rest', async () => {
    seedFleet(local, 250);
    const rt = await warmRuntime();
    const real = rt.clients.events;
    // The compliance bus refuses the continuation (a quota, a permission): every other event goes through.
    const events = {
      send: (command: PutEventsCommand) =>
        command.input.Entries?.[0]?.DetailType === CONTINUATION_DETAIL_TYPE
          ? Promise.reject(
              Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
            )
          : real.send(command),
    } as unknown as EventBridgeClient;
    const report = await runSweep(
      { ...rt, clients: { ...rt.clients, events } },
      { trigger: 'schedule', remainingMs: () => SWEEP_RESERVE_MS + 5 * MS_PER_PLANNED_ACTION + 1 },
    );

    expect(report.sweep?.requested).toMatchObject({ requested: false });
    const published = busEvents(local);
    const completed = published.find((e) => e.detailType === 'Compliance Sweep Completed');
    // What happens: the completion event (published before the request) says part 2 reads the
    // rest; the failed request is only in the Lambda's result, no event says so.
    expect(String(completed?.detail.reason)).not.toContain('part 2 reads the rest');
    expect(published.map((e) => e.detail.reason ?? '').join('\n')).toContain('AccessDeniedException');
  });
});

describe('organisation mode and parts', () => {
  it('never says a next part reads the rest, as organisation mode asks for none', async () => {
    seedFleet(local, 250);
    // Under the reserve from the start: the worker reads one page and stops.
    const remainingMs = () => SWEEP_RESERVE_MS - 1;
    const { result } = await sweepAccountRegion(
      {
        loaded: parsePolicy(POLICY, 'policy.yml'),
        hub: clients(),
        access: { credentials: async () => ({}) as never, clients: () => clients() },
        remainingMs,
      },
      {
        run: { runId: 'org-run-1', startedAt: new Date().toISOString(), dryRun: true, trigger: 'schedule' },
        item: { account: ACCOUNT, region: REGION },
        phase: 'sweep',
      },
    );

    expect(result.status).toBe('failed');
    const completed = busEvents(local).find((e) => e.detailType === 'Compliance Sweep Completed');
    // Organisation mode asks for no part 2: its worker's own report says the next run takes it up.
    expect(String(completed?.detail.reason)).not.toContain('part 2 reads the rest');
  });
});
