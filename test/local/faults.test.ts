import { DescribeClusterSnapshotsCommand, RedshiftServiceException } from '@aws-sdk/client-redshift';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { FaultControl } from '../../local/faults.ts';
import { startLocalAws } from '../../local/server.ts';
import { useStandIn } from '../helpers/stand-in.ts';
import { redshiftClient, rejectionOf, stsClient } from '../helpers/stand-in-clients.ts';

const DESCRIBE = 'redshift.DescribeClusterSnapshots';

describe('local faults', () => {
  const aws = useStandIn();

  it('throttles with Throttling (HTTP 400) and the SDK retries it, every attempt counted', async () => {
    // Prepare
    const client = redshiftClient(aws, {});
    aws.faults.configure({ rules: [{ action: DESCRIBE, throttle: { next: 1 } }] });
    // Act
    const out = await client.send(new DescribeClusterSnapshotsCommand({}));
    client.destroy();
    // Assess
    expect(out.$metadata.attempts).toBe(2);
    expect(aws.calls()[DESCRIBE]).toBe(2);
  });

  it('surfaces the throttling error once retries are exhausted', async () => {
    // Prepare
    const client = redshiftClient(aws, { maxAttempts: 1 });
    aws.faults.configure({ rules: [{ action: 'redshift.*', throttle: { forMs: 60_000 } }] });
    // Act
    const error = await rejectionOf(client.send(new DescribeClusterSnapshotsCommand({})));
    client.destroy();
    // Assess
    expect(error).toBeInstanceOf(RedshiftServiceException);
    expect(error.name).toBe('Throttling');
    expect((error as RedshiftServiceException).$metadata.httpStatusCode).toBe(400);
  });

  it('answers 500 and 503 for the next N calls, which the SDK retries', async () => {
    // Prepare
    const client = redshiftClient(aws, {});
    aws.faults.configure({
      rules: [
        { action: DESCRIBE, serverError: { next: 1, status: 500 } },
        { action: DESCRIBE, serverError: { next: 1, status: 503 } },
      ],
    });
    // Act
    const out = await client.send(new DescribeClusterSnapshotsCommand({}));
    client.destroy();
    // Assess
    expect(out.$metadata.attempts).toBe(3);
    expect(aws.calls()[DESCRIBE]).toBe(3);
  });

  it('resets the connection for the next call and the SDK recovers on retry', async () => {
    // Prepare
    const client = stsClient(aws, {});
    aws.faults.configure({ rules: [{ action: 'sts.GetCallerIdentity', reset: { next: 1 } }] });
    // Act
    const out = await client.send(new GetCallerIdentityCommand({}));
    client.destroy();
    // Assess
    expect(out.Account).toBe('123456789012');
    expect(out.$metadata.attempts).toBe(2);
    expect(aws.calls()['sts.GetCallerIdentity']).toBe(2);
  });

  it('adds latency to matching calls only', async () => {
    // Prepare
    const sts = stsClient(aws);
    const redshift = redshiftClient(aws);
    aws.faults.configure({ rules: [{ action: 'sts.*', latencyMs: 150 }] });
    // Act
    let start = performance.now();
    await sts.send(new GetCallerIdentityCommand({}));
    const slow = performance.now() - start;
    start = performance.now();
    await redshift.send(new DescribeClusterSnapshotsCommand({}));
    const fast = performance.now() - start;
    sts.destroy();
    redshift.destroy();
    // Assess
    expect(slow).toBeGreaterThanOrEqual(145);
    expect(fast).toBeLessThan(145);
  });

  it('makes the same rate-based decisions for the same seed', () => {
    // Prepare
    const rule = { throttle: { rate: 0.3 }, serverError: { rate: 0.1 }, jitterMs: 50 };
    const run = (seed: number) => {
      const faults = new FaultControl(undefined, seed);
      faults.configure({ rules: [rule], putEventsFailures: { rate: 0.5 } });
      return Array.from({ length: 200 }, () => {
        const d = faults.decide(DESCRIBE);
        return `${d.outcome.kind}:${'status' in d.outcome ? d.outcome.status : ''}:${d.delayMs}:${faults.takeEntryFailure()}`;
      });
    };
    // Act
    const a = run(42);
    const b = run(42);
    const c = run(43);
    // Assess
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.filter((x) => x.startsWith('throttle')).length).toBeGreaterThan(20);
  });

  it('applies the start options as a base rule that survives reset', async () => {
    // Prepare
    const local = await startLocalAws({ port: 0, throttleRate: 1 });
    const client = redshiftClient(local, { maxAttempts: 1 });
    // Act
    local.reset();
    const error = await rejectionOf(client.send(new DescribeClusterSnapshotsCommand({})));
    client.destroy();
    await local.stop();
    // Assess
    expect(error.name).toBe('Throttling');
  });
});

describe('local inspection endpoints', () => {
  const aws = useStandIn();
  const http = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${aws.endpoint}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  };

  it('seeds, counts, sets faults and resets over HTTP', async () => {
    // Prepare
    const client = redshiftClient(aws, { maxAttempts: 1 });
    // Act
    const seeded = await http('POST', '/_local/seed', {
      count: 120,
      seed: 3,
      regions: ['us-east-1', 'eu-west-1'],
    });
    await client.send(new DescribeClusterSnapshotsCommand({}));
    const calls = await http('GET', '/_local/calls');
    const faults = await http('POST', '/_local/faults', {
      rules: [{ action: DESCRIBE, throttle: { next: 1 } }],
    });
    const throttled = await rejectionOf(client.send(new DescribeClusterSnapshotsCommand({})));
    const state = await http('GET', '/_local/state');
    const reset = await http('POST', '/_local/reset');
    const after = await http('GET', '/_local/calls');
    client.destroy();
    // Assess
    expect(seeded.status).toBe(200);
    expect(seeded.json).toHaveLength(2);
    expect(calls.json).toEqual({ [DESCRIBE]: 1 });
    expect(faults.status).toBe(200);
    expect(throttled.name).toBe('Throttling');
    expect(state.json).toMatchObject({ redshift: { snapshots: 240 } });
    expect(reset.status).toBe(200);
    expect(after.json).toEqual({});
    expect(aws.store.counts().snapshots).toBe(0);
  });

  it('rejects malformed fault and seed requests with 400', async () => {
    // Act
    const badFault = await http('POST', '/_local/faults', { rules: [{ throttle: { rate: 2 } }] });
    const unknownKey = await http('POST', '/_local/faults', { bogus: true });
    const badSeed = await http('POST', '/_local/seed', { count: -1 });
    const missing = await http('GET', '/_local/nope');
    // Assess
    expect(badFault.status).toBe(400);
    expect(unknownKey.status).toBe(400);
    expect(badSeed.status).toBe(400);
    expect(missing.status).toBe(404);
  });

  it('seeds the demo fleet once and refuses to seed it over itself', async () => {
    // Prepare
    aws.reset();
    // Act
    const seeded = await http('POST', '/_local/seed', { demo: true });
    const again = await http('POST', '/_local/seed', { demo: true });
    // Assess
    const accounts = (seeded.json as { account: string }[]).map((f) => f.account);
    expect(accounts).toEqual(['123456789012', '222233334444']);
    expect(again.status).toBe(409);
    expect(aws.store.listSnapshots('123456789012', 'us-east-1')).toHaveLength(13);
    expect(aws.store.counts().snapshots).toBe(13);
  });
});
