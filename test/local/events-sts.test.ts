import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
  type PutEventsRequestEntry,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAws } from '../../local/server.ts';
import { useStandIn } from '../helpers/stand-in.ts';
import { eventsClient, rejectionOf, stsClient } from '../helpers/stand-in-clients.ts';

const ok = (n = 1): PutEventsRequestEntry => ({
  Source: 'snapshot-guard',
  DetailType: 'Finding',
  Detail: JSON.stringify({ n }),
});

describe('local eventbridge', () => {
  const aws = useStandIn();
  let events: EventBridgeClient;

  beforeAll(() => {
    events = eventsClient(aws);
  });

  afterAll(() => {
    events.destroy();
  });

  it('delivers events to the default bus and records their envelope', async () => {
    // Act
    const out = await events.send(
      new PutEventsCommand({ Entries: [ok(1), { ...ok(2), Resources: ['arn:x'] }] }),
    );
    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.every((e) => e.EventId)).toBe(true);
    const received = aws.events('default');
    expect(received.map((e) => e.detail)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(received[1]).toMatchObject({ account: '123456789012', region: 'us-east-1', resources: ['arn:x'] });
  });

  it('rejects 0 or 11 entries and requests over 256 KB with ValidationException', async () => {
    // Act
    const none = await rejectionOf(events.send(new PutEventsCommand({ Entries: [] })));
    const eleven = await rejectionOf(
      events.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, ok) })),
    );
    const big = JSON.stringify({ blob: 'x'.repeat(262_144) });
    const huge = await rejectionOf(
      events.send(new PutEventsCommand({ Entries: [{ ...ok(), Detail: big }] })),
    );
    // Assess
    for (const error of [none, eleven, huge]) {
      expect(error).toBeInstanceOf(EventBridgeServiceException);
      expect(error.name).toBe('ValidationException');
    }
    expect(aws.events()).toEqual([]);
  });

  it('fails invalid entries individually and keeps the valid ones', async () => {
    // Act
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          ok(1),
          { DetailType: 'Finding', Detail: '{}' },
          { ...ok(), Detail: '[1, 2]' },
          { ...ok(), Detail: 'not json' },
          { Source: 'snapshot-guard', Detail: '{}' },
          { ...ok(), Source: 'aws.redshift' },
          ok(2),
        ],
      }),
    );
    // Assess
    expect(out.FailedEntryCount).toBe(5);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'NotAuthorizedForSourceException',
      'ok',
    ]);
    expect(out.Entries?.[1]?.ErrorMessage).toBe(
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );
    expect(aws.events().map((e) => e.detail)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('reports injected per-entry failures as a partial failure', async () => {
    // Prepare
    aws.faults.configure({ putEventsFailures: { next: 2, errorCode: 'ThrottlingException' } });
    // Act
    const out = await events.send(new PutEventsCommand({ Entries: [ok(1), ok(2), ok(3)] }));
    // Assess
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.map((e) => e.ErrorCode)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      undefined,
    ]);
    expect(aws.events().map((e) => e.detail)).toEqual([{ n: 3 }]);
  });

  it('creates, describes and publishes to a custom bus by name and by ARN', async () => {
    // Act
    const created = await events.send(new CreateEventBusCommand({ Name: 'guard' }));
    const described = await events.send(new DescribeEventBusCommand({ Name: 'guard' }));
    await events.send(new PutEventsCommand({ Entries: [{ ...ok(1), EventBusName: 'guard' }] }));
    await events.send(new PutEventsCommand({ Entries: [{ ...ok(2), EventBusName: created.EventBusArn }] }));
    const duplicate = await rejectionOf(events.send(new CreateEventBusCommand({ Name: 'guard' })));
    const unknown = await rejectionOf(events.send(new DescribeEventBusCommand({ Name: 'nope' })));
    // Assess
    expect(created.EventBusArn).toBe('arn:aws:events:us-east-1:123456789012:event-bus/guard');
    expect(described).toMatchObject({ Name: 'guard', Arn: created.EventBusArn });
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(aws.events('guard').map((e) => e.detail)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(duplicate).toBeInstanceOf(ResourceAlreadyExistsException);
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers an unknown bus the way AWS does: an EventId, and the event goes nowhere', async () => {
    // Act
    const out = await events.send(new PutEventsCommand({ Entries: [{ ...ok(), EventBusName: 'missing' }] }));
    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.[0]?.EventId).toBeDefined();
    expect(aws.events()).toEqual([]);
  });

  it('can fail entries for an unknown bus instead, when asked to', async () => {
    // Prepare
    const strict = await startLocalAws({ port: 0, unknownEventBus: 'reject' });
    const client = eventsClient(strict);
    // Act
    const out = await client.send(
      new PutEventsCommand({ Entries: [{ ...ok(), EventBusName: 'missing' }, ok()] }),
    );
    client.destroy();
    await strict.stop();
    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]).toEqual({
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: 'Event bus missing does not exist.',
    });
  });

  it('throttles with a typed ThrottlingException', async () => {
    // Prepare
    aws.faults.configure({ rules: [{ action: 'events.PutEvents', throttle: { next: 1 } }] });
    // Act
    const error = await rejectionOf(events.send(new PutEventsCommand({ Entries: [ok()] })));
    // Assess
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(aws.calls()['events.PutEvents']).toBe(1);
  });

  it('keeps events per region', async () => {
    // Prepare
    const west = eventsClient(aws, { region: 'eu-west-1', maxAttempts: 1 });
    // Act
    await west.send(new PutEventsCommand({ Entries: [ok(9)] }));
    west.destroy();
    // Assess
    expect(aws.events('default')).toMatchObject([{ region: 'eu-west-1', detail: { n: 9 } }]);
  });
});

describe('local sts', () => {
  const aws = useStandIn({ accounts: { AKIDPARTNER: '111122223333' } });

  it('maps access keys to accounts and defaults unknown keys to 123456789012', async () => {
    // Prepare
    const mapped = stsClient(aws, { accessKeyId: 'AKIDPARTNER', maxAttempts: 1 });
    const unknown = stsClient(aws);
    // Act
    const a = await mapped.send(new GetCallerIdentityCommand({}));
    const b = await unknown.send(new GetCallerIdentityCommand({}));
    mapped.destroy();
    unknown.destroy();
    // Assess
    expect(a).toMatchObject({ Account: '111122223333', UserId: 'AKIDPARTNER' });
    expect(a.Arn).toBe('arn:aws:iam::111122223333:user/local');
    expect(b.Account).toBe('123456789012');
    expect(aws.calls()['sts.GetCallerIdentity']).toBe(2);
  });
});
