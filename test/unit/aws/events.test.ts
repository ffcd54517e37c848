import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { putEventsBatch } from '../../../functions/aws/event-bus.ts';
import {
  type ComplianceEvent,
  DETAIL_TYPES,
  EventDetailSchema,
} from '../../../functions/engine/compliance-events.ts';

const eventbridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });
const OPTIONS = { busName: 'snapshot-compliance', source: 'redshift-snapshot-guard', backoffMs: 0 };

function complianceEvent(reason: string): ComplianceEvent {
  return {
    detailType: DETAIL_TYPES.revoked,
    detail: EventDetailSchema.parse({
      schemaVersion: '1',
      runId: 'run-1',
      trigger: 'event',
      triggerEventId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b01',
      account: '123456789012',
      region: 'us-east-1',
      mode: 'enforce',
      dryRun: false,
      reason,
      time: '2026-10-28T14:03:12.000Z',
    }),
  };
}

describe('putEventsBatch', () => {
  beforeEach(() => {
    eventbridge.reset();
  });

  it('publishes up to ten events in one call, on the policy bus and source', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });

    const result = await putEventsBatch(client, [complianceEvent('one'), complianceEvent('two')], OPTIONS);

    expect(result).toEqual({ published: 2, failed: [] });
    expect(eventbridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entries = eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      EventBusName: 'snapshot-compliance',
      Source: 'redshift-snapshot-guard',
      DetailType: 'Snapshot Access Revoked',
      Time: new Date('2026-10-28T14:03:12.000Z'),
    });
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toMatchObject({ reason: 'one', trigger: 'event' });
  });

  it('retries only the entries PutEvents reports as failed', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          { EventId: 'c' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });

    const events = [complianceEvent('one'), complianceEvent('two'), complianceEvent('three')];
    const result = await putEventsBatch(client, events, OPTIONS);

    expect(result).toEqual({ published: 3, failed: [] });
    expect(eventbridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    const retried = eventbridge.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries ?? [];
    expect(retried.map((e) => JSON.parse(e.Detail ?? '{}').reason)).toEqual(['two']);
  });

  it('returns what still fails after its retries, without throwing', async () => {
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    const result = await putEventsBatch(client, [complianceEvent('one')], { ...OPTIONS, entryRetries: 2 });

    expect(result.published).toBe(0);
    expect(result.failed).toEqual([{ event: complianceEvent('one'), reason: 'InternalFailure: try again' }]);
    expect(eventbridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });

  it('treats a call that throws as every entry failing, then retries them', async () => {
    const missing = Object.assign(new Error('Event bus snapshot-compliance does not exist.'), {
      name: 'ResourceNotFoundException',
    });
    eventbridge
      .on(PutEventsCommand)
      .rejectsOnce(missing)
      .resolves({ FailedEntryCount: 0, Entries: [{}, {}] });

    const result = await putEventsBatch(client, [complianceEvent('one'), complianceEvent('two')], OPTIONS);

    expect(result).toEqual({ published: 2, failed: [] });
    expect(eventbridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });

  it('counts an entry PutEvents gave no result for as failed', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });

    const result = await putEventsBatch(client, [complianceEvent('one')], { ...OPTIONS, entryRetries: 0 });

    expect(result.failed[0]?.reason).toBe('PutEvents returned no result for this entry');
  });
});
