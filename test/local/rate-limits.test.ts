import { ThrottlingException as EventsThrottling, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeClusterSnapshotsCommand,
  RedshiftServiceException,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import {
  CreateNamespaceCommand,
  ListSnapshotsCommand,
  RedshiftServerlessClient,
  ThrottlingException as ServerlessThrottling,
} from '@aws-sdk/client-redshift-serverless';
import { describe, expect, it } from 'vitest';
import { useStandIn } from '../helpers/stand-in.ts';
import { eventsClient, redshiftClient, rejectionOf } from '../helpers/stand-in-clients.ts';

const DESCRIBE = 'redshift.DescribeClusterSnapshots';

describe('local rate limits', () => {
  const aws = useStandIn({ eventBuses: ['b'] });

  it('answers Redshift calls past the burst with Throttling, HTTP 400, in the awsQuery error shape', async () => {
    // Prepare: a rate far too slow to refill a token during the test.
    aws.faults.configure({ rateLimit: { rate: 0.001, burst: 2 } });
    const client = redshiftClient(aws);
    // Act
    await client.send(new DescribeClusterSnapshotsCommand({}));
    await client.send(new DescribeClusterSnapshotsCommand({}));
    const error = await rejectionOf(client.send(new DescribeClusterSnapshotsCommand({})));
    client.destroy();
    // Assess
    expect(error).toBeInstanceOf(RedshiftServiceException);
    expect(error.name).toBe('Throttling');
    expect((error as RedshiftServiceException).$fault).toBe('client');
    expect((error as RedshiftServiceException).$metadata.httpStatusCode).toBe(400);
    expect(aws.throttled()).toEqual({ [DESCRIBE]: 1 });
  });

  it('answers Redshift Serverless with its typed ThrottlingException and HTTP 429, as the SDK models it', async () => {
    // Prepare
    aws.faults.configure({ rateLimit: { rate: 0.001, burst: 1 } });
    const client = new RedshiftServerlessClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    // Act
    await client.send(new ListSnapshotsCommand({}));
    const error = await rejectionOf(client.send(new ListSnapshotsCommand({})));
    client.destroy();
    // Assess
    expect(error).toBeInstanceOf(ServerlessThrottling);
    expect((error as ServerlessThrottling).$metadata.httpStatusCode).toBe(429);
  });

  it('answers EventBridge with its typed ThrottlingException and HTTP 400', async () => {
    // Prepare
    aws.faults.configure({ rateLimit: { actions: { 'events.PutEvents': { rate: 0.001, burst: 1 } } } });
    const client = eventsClient(aws);
    const entry = { Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'b' };
    // Act
    await client.send(new PutEventsCommand({ Entries: [entry] }));
    const error = await rejectionOf(client.send(new PutEventsCommand({ Entries: [entry] })));
    client.destroy();
    // Assess
    expect(error).toBeInstanceOf(EventsThrottling);
    expect((error as EventsThrottling).$metadata.httpStatusCode).toBe(400);
  });

  it('throttles per action: another action in the same account and region is answered', async () => {
    // Prepare
    aws.faults.configure({ rateLimit: { rate: 0.001, burst: 1 } });
    const client = redshiftClient(aws);
    await client.send(new DescribeClusterSnapshotsCommand({}));
    // Act: the revoke's own bucket is full, so the stand-in answers it (here: no such snapshot).
    const other = await rejectionOf(
      client.send(
        new RevokeSnapshotAccessCommand({
          SnapshotIdentifier: 'gone',
          AccountWithRestoreAccess: '999988887777',
        }),
      ),
    );
    client.destroy();
    // Assess
    expect(other.name).toBe('ClusterSnapshotNotFoundFault');
    expect(aws.throttled()).toEqual({});
  });

  it('is configured over HTTP through /_local/faults and shown there', async () => {
    // Act
    const posted = await fetch(`${aws.endpoint}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimit: { rate: 3, burst: 7 } }),
    });
    const shown = (await posted.json()) as { rateLimit: { default: unknown; enabled: boolean } };
    // Assess
    expect(posted.status).toBe(200);
    expect(shown.rateLimit).toMatchObject({ enabled: true, default: { rate: 3, burst: 7 } });
  });

  it('takes the README limit with one action exempt, and counts throttled calls at /_local/throttled', async () => {
    // Prepare: the body the README posts (PutEvents exempt), then a burst too small for two pages.
    const posted = await fetch(`${aws.endpoint}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimit: { rate: 2, burst: 20, actions: { 'events.PutEvents': null } } }),
    });
    aws.faults.configure({ rateLimit: { rate: 0.001, burst: 1 } });
    const client = redshiftClient(aws);
    await client.send(new DescribeClusterSnapshotsCommand({}));
    // Act
    await rejectionOf(client.send(new DescribeClusterSnapshotsCommand({})));
    client.destroy();
    const throttled = await fetch(`${aws.endpoint}/_local/throttled`);
    // Assess
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({
      rateLimit: { enabled: true, default: { rate: 2, burst: 20 } },
    });
    expect(throttled.status).toBe(200);
    expect(await throttled.json()).toEqual({ [DESCRIBE]: 1 });
  });

  it('refuses a rate limit it cannot apply, naming the field', async () => {
    const posted = await fetch(`${aws.endpoint}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimit: { burst: 0 } }),
    });

    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('burst');
  });
});

describe('local stand-in without rate limits', () => {
  const aws = useStandIn({ rateLimit: false });

  it('never throttles when started with rateLimit: false', async () => {
    const client = redshiftClient(aws);

    for (let i = 0; i < 5; i++) await client.send(new DescribeClusterSnapshotsCommand({}));
    aws.faults.configure({ rateLimit: { enabled: false } });
    client.destroy();

    expect(aws.throttled()).toEqual({});
  });
});

describe('local Redshift Serverless time filters', () => {
  const aws = useStandIn();

  it('selects a snapshot created at the very millisecond a startTime or endTime names', async () => {
    // Prepare: a millisecond whose epoch seconds (as the SDK sends them) do not multiply back exactly.
    const client = new RedshiftServerlessClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await client.send(new CreateNamespaceCommand({ namespaceName: 'edge' }));
    const at = new Date(2_167_357_874_095);
    aws.serverless.createSnapshot('123456789012', 'us-east-1', {
      namespaceName: 'edge',
      name: 'on-the-boundary',
      createTime: at,
    });
    // Act
    const from = await client.send(new ListSnapshotsCommand({ startTime: at }));
    const to = await client.send(new ListSnapshotsCommand({ endTime: at }));
    client.destroy();
    // Assess
    expect(from.snapshots?.map((s) => s.snapshotName)).toEqual(['on-the-boundary']);
    expect(to.snapshots?.map((s) => s.snapshotName)).toEqual(['on-the-boundary']);
  });
});
