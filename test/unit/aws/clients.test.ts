import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AuthorizeSnapshotAccessCommand,
  DescribeClusterSnapshotsCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CallLimits,
  callLimits,
  clientTimeouts,
  createClients,
  FINISH_MS,
  lasting,
  withCallLimits,
} from '../../../functions/aws/clients.ts';
import { TimeUpError } from '../../../functions/errors.ts';
import { EVENT_RESERVE_MS } from '../../../functions/event-runtime.ts';
import { SWEEP_RESERVE_MS } from '../../../functions/runtime.ts';

const redshift = mockClient(RedshiftClient);
const events = mockClient(EventBridgeClient);

/** The options `send` was given besides the command. */
const optionsOf = (args: readonly unknown[]) => args[1];

/** Limits whose signals the test fires by hand. */
function handLimits() {
  const work = new AbortController();
  const publish = new AbortController();
  const limits: CallLimits = { work: work.signal, publish: publish.signal, cut: 0 };
  return { limits, work, publish };
}

describe('clientTimeouts', () => {
  it('keeps one call of the 30 s event function inside its time, never 6 attempts of 10 s', () => {
    // Act: the budget the event function's runtime is built with
    const { maxAttempts, requestTimeoutMs } = clientTimeouts(30_000 - EVENT_RESERVE_MS / 2);
    // Assess: every attempt timing out still leaves a timeout's worth of the budget
    expect(maxAttempts * requestTimeoutMs).toBeLessThanOrEqual(
      30_000 - EVENT_RESERVE_MS / 2 - requestTimeoutMs,
    );
    expect({ maxAttempts, requestTimeoutMs }).toEqual({ maxAttempts: 4, requestTimeoutMs: 5_500 });
  });

  it("keeps the SDK's 6 attempts of 10 s for the 15-minute sweep", () => {
    expect(clientTimeouts(900_000 - SWEEP_RESERVE_MS / 2)).toEqual({
      maxAttempts: 6,
      requestTimeoutMs: 10_000,
    });
  });

  it('still makes one attempt when almost no time is left', () => {
    expect(clientTimeouts(500)).toEqual({ maxAttempts: 1, requestTimeoutMs: 1_000 });
  });
});

describe('callLimits', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('stops reads and changes at half the reserve, and publishing just before the deadline', () => {
    // Prepare: 10 s left, 5 s kept back for publishing
    const limits = callLimits(10_000, 5_000);
    // Act & Assess
    vi.advanceTimersByTime(10_000 - 2_500 - 1);
    expect([limits.work.aborted, limits.publish.aborted]).toEqual([false, false]);
    vi.advanceTimersByTime(1);
    expect([limits.work.aborted, limits.publish.aborted]).toEqual([true, false]);
    vi.advanceTimersByTime(2_500 - FINISH_MS);
    expect([limits.work.aborted, limits.publish.aborted]).toEqual([true, true]);
    limits.dispose();
  });

  it('does not stop at once for a remaining time longer than a timer can hold', () => {
    const limits = callLimits(2 ** 32, 5_000);

    vi.advanceTimersByTime(10);

    expect([limits.work.aborted, limits.publish.aborted]).toEqual([false, false]);
    limits.dispose();
  });

  it("stops everything when the host's own signal fires (middy's timeoutEarlyInMillis)", () => {
    const host = new AbortController();
    const limits = callLimits(60_000, 5_000, host.signal);

    host.abort();

    expect([limits.work.aborted, limits.publish.aborted]).toEqual([true, true]);
    limits.dispose();
  });
});

describe('the clients createClients builds', () => {
  beforeEach(() => {
    redshift.reset();
  });

  it("hands every call of a run the run's abort signal", async () => {
    // Prepare
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [] });
    const client = createClients({ homeRegion: 'us-east-1' }).redshift('us-east-1');
    const { limits } = handLimits();
    // Act
    await withCallLimits(limits, () => client.send(new DescribeClusterSnapshotsCommand({})));
    // Assess
    expect(optionsOf(redshift.send.firstCall.args)).toEqual({ abortSignal: limits.work });
    expect(limits.cut).toBe(0);
  });

  it('abandons a call still in flight when its run is out of time, and counts it', async () => {
    // Prepare: a call that never answers
    redshift.on(DescribeClusterSnapshotsCommand).callsFake(() => new Promise(() => {}));
    const client = createClients({ homeRegion: 'us-east-1' }).redshift('us-east-1');
    const { limits, work } = handLimits();
    // Act
    const call = withCallLimits(limits, () => client.send(new DescribeClusterSnapshotsCommand({})));
    work.abort();
    // Assess
    await expect(call).rejects.toBeInstanceOf(TimeUpError);
    await expect(call).rejects.toThrow(/^time ran out/);
    expect(limits.cut).toBe(1);
  });

  it('sends nothing once its run is out of time', async () => {
    // Prepare
    const client = createClients({ homeRegion: 'us-east-1' }).redshift('us-east-1');
    const { limits, work } = handLimits();
    work.abort();
    // Act
    const call = withCallLimits(limits, () => client.send(new DescribeClusterSnapshotsCommand({})));
    // Assess
    await expect(call).rejects.toBeInstanceOf(TimeUpError);
    expect(redshift.send.callCount).toBe(0);
    expect(limits.cut).toBe(1);
  });

  it('lets PutEvents go on after reads and changes stop, so the run can still report', async () => {
    // Prepare
    events.reset();
    events.on(PutEventsCommand).resolves({ Entries: [] });
    const clients = createClients({ homeRegion: 'us-east-1' });
    const { limits, work } = handLimits();
    work.abort();
    // Act
    const read = withCallLimits(limits, () =>
      clients.redshift('us-east-1').send(new DescribeClusterSnapshotsCommand({})),
    );
    const publish = withCallLimits(limits, () => clients.events.send(new PutEventsCommand({ Entries: [] })));
    // Assess
    await expect(read).rejects.toBeInstanceOf(TimeUpError);
    await expect(publish).resolves.toEqual({ Entries: [] });
    expect(optionsOf(events.send.firstCall.args)).toEqual({ abortSignal: limits.publish });
  });

  it('still gives back an allowed grant after reads and changes stop, until publishing stops too', async () => {
    // Prepare
    redshift.on(AuthorizeSnapshotAccessCommand).resolves({});
    const client = createClients({ homeRegion: 'us-east-1' }).redshift('us-east-1');
    const { limits, work, publish } = handLimits();
    work.abort();
    const giveBack = () =>
      withCallLimits(limits, () =>
        lasting(() =>
          client.send(new AuthorizeSnapshotAccessCommand({ AccountWithRestoreAccess: '111122223333' })),
        ),
      );
    // Act
    const late = giveBack();
    // Assess
    await expect(late).resolves.toEqual({});
    expect(optionsOf(redshift.send.firstCall.args)).toEqual({ abortSignal: limits.publish });
    publish.abort();
    await expect(giveBack()).rejects.toBeInstanceOf(TimeUpError);
  });

  it('makes calls as the SDK does outside a run (the CLI)', async () => {
    // Prepare
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [] });
    const client = createClients({ homeRegion: 'us-east-1' }).redshift('us-east-1');
    // Act
    await client.send(new DescribeClusterSnapshotsCommand({}));
    // Assess
    expect(optionsOf(redshift.send.firstCall.args)).toBeUndefined();
  });
});
