import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { requestNextPart } from '../../../functions/aws/event-bus.ts';
import type { Continuation } from '../../../functions/engine/continuation.ts';

const eventbridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });
const OPTIONS = { busName: 'snapshot-compliance', source: 'redshift-snapshot-guard', backoffMs: 0 };
const NEXT: Continuation = {
  sweepId: 'run-1',
  part: 2,
  dryRun: false,
  regions: [{ region: 'us-east-1', provisioned: [{ from: 1_767_225_600_000 }], serverless: [{}] }],
  planned: { revocations: 0, deletions: 0 },
};

describe('requestNextPart', () => {
  beforeEach(() => {
    eventbridge.reset();
  });

  it('retries an entry PutEvents reports as throttled, as putEventsBatch does, before ending the sweep', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await requestNextPart(client, NEXT, OPTIONS);

    expect(result).toEqual({ requested: true });
  });
});
