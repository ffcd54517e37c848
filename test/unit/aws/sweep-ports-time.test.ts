import { DescribeClusterSnapshotsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { ListSnapshotsCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../functions/aws/clients.ts';
import { sweepPorts } from '../../../functions/aws/sweep-ports.ts';
import { sweep } from '../../../functions/engine/sweep.ts';
import { TimeUpError } from '../../../functions/errors.ts';
import { PolicySchema } from '../../../functions/policy/schema.ts';

const OWNER = '123456789012';
const redshift = mockClient(RedshiftClient);
const serverless = mockClient(RedshiftServerlessClient);

function clients(): AwsClients {
  return {
    homeRegion: 'us-east-1',
    redshift: () => new RedshiftClient({ region: 'us-east-1' }),
    serverless: () => new RedshiftServerlessClient({ region: 'us-east-1' }),
    securityHub: () => Promise.reject(new Error('not used')),
    events: {} as AwsClients['events'],
    sts: {} as AwsClients['sts'],
  };
}

beforeEach(() => {
  redshift.reset();
  serverless.reset();
});

describe('inventoryPort', () => {
  it('hands a region to the next part when the deadline cuts its Serverless listing (both kinds then refused by time)', async () => {
    // Once the run's work signal has fired, every call is refused with TimeUpError: the
    // Serverless listing (read first) and then the provisioned one.
    const timeUp = () => new TimeUpError('time ran out: the call was abandoned before the Lambda timeout');
    serverless.on(ListSnapshotsCommand).callsFake(() => Promise.reject(timeUp()));
    redshift.on(DescribeClusterSnapshotsCommand).callsFake(() => Promise.reject(timeUp()));
    const policy = PolicySchema.parse({ version: 1, mode: 'enforce', sharing: { allowedAccounts: [] } });

    const report = await sweep(
      {
        runId: 'run-1',
        trigger: 'schedule',
        account: OWNER,
        policy,
        dryRun: false,
        now: new Date('2026-11-23T12:00:00Z'),
        homeRegion: 'us-east-1',
        regions: ['us-east-1'],
        inParts: true,
      },
      { ...sweepPorts(clients(), policy, OWNER), continueWith: async () => ({ requested: true }) },
    );

    // Cut by time and handed on: the next part's to read, not a failure to report.
    expect(report.truncated).toBe(true);
    expect(report.inventoryErrors).toEqual([]);
    expect(report.sweep?.next?.regions.map((r) => r.region)).toEqual(['us-east-1']);
  });
});
