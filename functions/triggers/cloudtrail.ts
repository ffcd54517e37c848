import * as z from 'zod';
import { ACCOUNT_ID, REGION } from '../input/aws-names.ts';

/**
 * The EventBridge event a CloudTrail-recorded Redshift or Redshift Serverless API call arrives as.
 * Keys are CloudTrail's own (camelCase); only the fields the real-time path decides on are typed,
 * and every one of them is bounded, so a hostile or broken event is refused before it reaches the
 * engine.
 */

/** Each EventBridge source with the one CloudTrail eventSource its calls are recorded under. */
export const EVENT_SOURCES = {
  'aws.redshift': 'redshift.amazonaws.com',
  'aws.redshift-serverless': 'redshift-serverless.amazonaws.com',
} as const;
export type EventSource = (typeof EVENT_SOURCES)[keyof typeof EVENT_SOURCES];

/** PutEvents refuses entries over 256 KB; anything larger did not come from EventBridge. */
export const MAX_EVENT_BYTES = 256 * 1024;

const AccountId = z.string().regex(ACCOUNT_ID, { error: 'must be a 12-digit AWS account id' });
const Region = z.string().regex(REGION, { error: 'must be an AWS region name' });
// Identifiers and ARNs are visible ASCII. A control, invisible or look-alike character in one is
// never AWS's doing, and would otherwise reach an API call, the logs and the published events.
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
const visible = { error: 'must be visible ASCII characters (no spaces, control or invisible characters)' };
/** Redshift identifiers are at most 255 characters (cluster identifiers far fewer). */
const Identifier = z.string().min(1).max(255).regex(VISIBLE_ASCII, visible);
const Arn = z
  .string()
  .startsWith('arn:', { error: 'must be an ARN' })
  .max(1024)
  .regex(VISIBLE_ASCII, visible);
const Timestamp = z.iso.datetime({ offset: true });

/** The request fields the target table reads; other keys pass through unread. */
const REQUEST_FIELDS = {
  snapshotIdentifier: Identifier.optional(),
  snapshotClusterIdentifier: Identifier.optional(),
  snapshotArn: Arn.optional(),
  clusterIdentifier: Identifier.optional(),
  sourceSnapshotIdentifier: Identifier.optional(),
  sourceSnapshotClusterIdentifier: Identifier.optional(),
  targetSnapshotIdentifier: Identifier.optional(),
  snapshotIdentifierList: z.array(Identifier).max(1000).optional(),
  resourceName: Arn.optional(),
  accountWithRestoreAccess: z.string().max(255).optional(),
  // DeleteCluster's final snapshot (absent when the call skips it).
  finalClusterSnapshotIdentifier: Identifier.optional(),
  // Redshift Serverless: snapshots go by name, resource policies and tags by resource ARN.
  snapshotName: Identifier.optional(),
  namespaceName: Identifier.optional(),
  resourceArn: Arn.optional(),
  // DeleteNamespace's final snapshot.
  finalSnapshotName: Identifier.optional(),
};

/** The response fields the target table reads (a response may also wrap them in `snapshot`). */
const RESPONSE_FIELDS = {
  snapshotIdentifier: Identifier.optional(),
  clusterIdentifier: Identifier.optional(),
  snapshotArn: Arn.optional(),
  snapshotName: Identifier.optional(),
};

export type RequestField = keyof typeof REQUEST_FIELDS;
export type ResponseField = keyof typeof RESPONSE_FIELDS;

// Loose, not strict: AWS adds CloudTrail fields over time, and a new field must not stop enforcement.
const UserIdentitySchema = z.looseObject({
  type: z.string().max(64).optional(),
  principalId: z.string().max(512).optional(),
  arn: z.string().max(2048).optional(),
  accountId: AccountId.optional(),
  invokedBy: z.string().max(255).optional(),
});

export const CloudTrailDetailSchema = z.looseObject({
  eventVersion: z.string().max(16),
  userIdentity: UserIdentitySchema,
  eventTime: Timestamp,
  // Pinned, so an event another service (or a custom source) sends with a Redshift eventName fails.
  eventSource: z.enum(Object.values(EVENT_SOURCES) as [EventSource, ...EventSource[]]),
  eventName: z.string().regex(/^[A-Za-z0-9]{1,128}$/, { error: 'must be an API operation name' }),
  awsRegion: Region,
  eventID: Identifier,
  recipientAccountId: AccountId,
  requestParameters: z.looseObject(REQUEST_FIELDS).nullable(),
  responseElements: z
    .looseObject({ ...RESPONSE_FIELDS, snapshot: z.looseObject(RESPONSE_FIELDS).optional() })
    .nullable(),
  errorCode: z.string().max(255).optional(),
  errorMessage: z.string().max(4096).optional(),
});
export type CloudTrailDetail = z.infer<typeof CloudTrailDetailSchema>;

/** EventBridge's envelope, as Powertools' parser models it, with this source's `detail` in place. */
const EnvelopeSchema = z
  .looseObject({
    version: z.string().max(16),
    id: Identifier,
    'detail-type': z.literal('AWS API Call via CloudTrail'),
    source: z.enum(Object.keys(EVENT_SOURCES) as [keyof typeof EVENT_SOURCES]),
    account: AccountId,
    time: Timestamp,
    region: Region,
    resources: z.array(z.string().max(2048)).max(100),
    detail: CloudTrailDetailSchema,
    'replay-name': z.string().max(255).optional(),
  })
  // A Redshift call relabelled as Serverless (or back) would be read with the wrong table.
  .refine((e) => EVENT_SOURCES[e.source] === e.detail.eventSource, {
    error: (issue) => {
      const source = (issue.input as { source: keyof typeof EVENT_SOURCES }).source;
      return `must be ${EVENT_SOURCES[source]} for an event from ${source}`;
    },
    path: ['detail', 'eventSource'],
  });

function byteSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY; // not JSON at all (a cycle, a BigInt): no event looks like that
  }
}

/**
 * A Redshift API call recorded by CloudTrail and delivered by EventBridge. The size is checked
 * first, so an oversized payload is refused without walking it.
 *
 * @example
 * const event = CloudTrailEventSchema.parse(JSON.parse(text));
 * event.detail.eventName; // 'AuthorizeSnapshotAccess'
 */
export const CloudTrailEventSchema = z
  .unknown()
  .refine((value) => byteSize(value) <= MAX_EVENT_BYTES, {
    error: `is larger than ${MAX_EVENT_BYTES / 1024} KB, the most an EventBridge event can carry`,
    abort: true,
  })
  .pipe(EnvelopeSchema);
export type CloudTrailEvent = z.infer<typeof CloudTrailEventSchema>;
