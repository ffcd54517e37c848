import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeIssue } from '../../../functions/input/issues.ts';
import { CloudTrailEventSchema, MAX_EVENT_BYTES } from '../../../functions/triggers/cloudtrail.ts';

const FIXTURES = new URL('../../fixtures/events/', import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely to build malformed events
function fixture(name: string): any {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));
}

/** The `path: message` a rejected event is logged with. */
function rejection(event: unknown): string {
  const parsed = CloudTrailEventSchema.safeParse(event);
  if (parsed.success) return 'accepted';
  const { path, message } = describeIssue(parsed.error);
  return `${path}: ${message}`;
}

const genuine = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json') && !f.startsWith('spoofed-'))
  .map((f) => f.replace(/\.json$/, ''));

describe('CloudTrailEventSchema', () => {
  it.each(genuine)('accepts the recorded event %s', (name) => {
    const parsed = CloudTrailEventSchema.parse(fixture(name));

    expect(parsed.detail.eventSource).toBe('redshift.amazonaws.com');
    expect(parsed.detail.eventID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps CloudTrail fields it does not read, so a new AWS field never stops enforcement', () => {
    const event = fixture('authorize-snapshot-access');
    event.detail.sessionCredentialFromConsole = 'true';

    const parsed = CloudTrailEventSchema.parse(event);

    expect(parsed.detail).toHaveProperty('sessionCredentialFromConsole', 'true');
    expect(parsed.detail).toHaveProperty('tlsDetails.tlsVersion', 'TLSv1.3');
  });

  it('refuses an event whose source is not aws.redshift', () => {
    expect(rejection(fixture('spoofed-source'))).toMatch(/^source: /);
  });

  it('refuses a Redshift eventName recorded for another event source', () => {
    expect(rejection(fixture('spoofed-event-source'))).toMatch(/^detail\.eventSource: /);
  });

  it('refuses an event that is not a CloudTrail API call', () => {
    const event = fixture('authorize-snapshot-access');
    event['detail-type'] = 'Redshift Snapshot Notification';

    expect(rejection(event)).toMatch(/^detail-type: /);
  });

  it('names the missing field', () => {
    const event = fixture('authorize-snapshot-access');
    delete event.detail.eventID;

    expect(rejection(event)).toMatch(/^detail\.eventID: /);
  });

  it('refuses a snapshot identifier longer than Redshift allows', () => {
    const event = fixture('authorize-snapshot-access');
    event.detail.requestParameters.snapshotIdentifier = 'x'.repeat(256);

    expect(rejection(event)).toMatch(/^detail\.requestParameters\.snapshotIdentifier: Too big/);
  });

  it('refuses a snapshot ARN that is not an ARN', () => {
    const event = fixture('authorize-snapshot-access-by-arn');
    event.detail.requestParameters.snapshotArn = 'finance-prod/finance-prod-manual-1';

    expect(rejection(event)).toBe('detail.requestParameters.snapshotArn: must be an ARN');
  });

  it('refuses an identifier list item that is not a string, naming its index', () => {
    const event = fixture('batch-modify-cluster-snapshots');
    event.detail.requestParameters.snapshotIdentifierList[1] = 42;

    expect(rejection(event)).toMatch(/^detail\.requestParameters\.snapshotIdentifierList\[1\]: /);
  });

  it('refuses an account that is not 12 digits', () => {
    const event = fixture('authorize-snapshot-access');
    event.detail.recipientAccountId = '12345678901２';

    expect(rejection(event)).toBe('detail.recipientAccountId: must be a 12-digit AWS account id');
  });

  it('accepts a failed call, whose response is null and which carries its error', () => {
    const parsed = CloudTrailEventSchema.parse(fixture('authorize-snapshot-access-failed'));

    expect(parsed.detail.responseElements).toBeNull();
    expect(parsed.detail.errorCode).toBe('ClusterSnapshotNotFound');
  });

  it('refuses an event larger than EventBridge can carry, before reading its fields', () => {
    const event = fixture('authorize-snapshot-access');
    event.detail.userAgent = 'x'.repeat(MAX_EVENT_BYTES);
    delete event.source;

    expect(rejection(event)).toBe('(event): is larger than 256 KB, the most an EventBridge event can carry');
  });

  it('refuses something that is not an object at all', () => {
    expect(rejection('AuthorizeSnapshotAccess')).toMatch(/^\(event\): /);
    expect(rejection(null)).toMatch(/^\(event\): /);
  });
});
