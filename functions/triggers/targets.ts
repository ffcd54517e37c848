import type { SnapshotAddress } from '../aws/inventory.ts';
import type { CloudTrailDetail, EventSource, RequestField, ResponseField } from './cloudtrail.ts';

/** Where in a CloudTrail record a value sits; typed, so a misspelt field fails to compile. */
type Path =
  | `requestParameters.${RequestField}`
  | `responseElements.${ResponseField}`
  | `responseElements.snapshot.${ResponseField}`;

/**
 * Where one API call names the snapshot it touched. The first path holding a value wins; an ARN,
 * when present, wins over identifiers (it also names the owner).
 */
type Target = {
  arn?: readonly Path[];
  id?: readonly Path[];
  cluster?: readonly Path[];
  /** A list of identifiers, for batch calls. */
  ids?: Path;
  /** A Redshift Serverless snapshot name (unique in its account and region). */
  name?: readonly Path[];
};

/**
 * Every call that creates a provisioned snapshot or changes something the policy judges: who may
 * restore it, its retention, its tags (rules and exemptions match on tags). RevokeSnapshotAccess
 * and snapshot deletions only ever remove access, and handling them would re-trigger on our own
 * revokes and deletes. DeleteCluster is handled for the final snapshot it takes, with the
 * retention it asks for (`finalClusterSnapshotRetentionPeriod`), read back from the snapshot.
 */
const TARGETS = {
  AuthorizeSnapshotAccess: {
    arn: ['requestParameters.snapshotArn'],
    id: ['requestParameters.snapshotIdentifier'],
    cluster: ['requestParameters.snapshotClusterIdentifier'],
  },
  CreateClusterSnapshot: {
    id: ['requestParameters.snapshotIdentifier', 'responseElements.snapshotIdentifier'],
    cluster: [
      'requestParameters.clusterIdentifier',
      'responseElements.clusterIdentifier',
      'responseElements.snapshot.clusterIdentifier',
    ],
  },
  // The API has no target cluster: the copy keeps its source's cluster identifier.
  CopyClusterSnapshot: {
    id: ['requestParameters.targetSnapshotIdentifier'],
    cluster: [
      'responseElements.clusterIdentifier',
      'responseElements.snapshot.clusterIdentifier',
      'requestParameters.sourceSnapshotClusterIdentifier',
    ],
  },
  ModifyClusterSnapshot: {
    id: ['requestParameters.snapshotIdentifier'],
    cluster: ['responseElements.clusterIdentifier', 'responseElements.snapshot.clusterIdentifier'],
  },
  BatchModifyClusterSnapshots: { ids: 'requestParameters.snapshotIdentifierList' },
  CreateTags: { arn: ['requestParameters.resourceName'] },
  DeleteTags: { arn: ['requestParameters.resourceName'] },
  // No final snapshot (`skipFinalClusterSnapshot`), no snapshot named: ignored.
  DeleteCluster: {
    id: ['requestParameters.finalClusterSnapshotIdentifier'],
    cluster: ['requestParameters.clusterIdentifier'],
  },
} as const satisfies Record<string, Target>;

/** A Serverless call that answers with the snapshot names it by ARN there, else by name. */
const SERVERLESS_SNAPSHOT: Target = {
  arn: ['responseElements.snapshot.snapshotArn'],
  name: ['requestParameters.snapshotName', 'responseElements.snapshot.snapshotName'],
};

/**
 * The Redshift Serverless calls that create a snapshot or change what the policy judges: sharing
 * (a resource policy on the snapshot), retention, tags. DeleteResourcePolicy only takes access
 * away, like RevokeSnapshotAccess, and is left out; UntagResource is in, as DeleteTags is, since a
 * removed tag can end the rule or exemption that covered a snapshot. DeleteNamespace is in for the
 * final snapshot it takes (`finalSnapshotName`, with `finalSnapshotRetentionPeriod`). Copies a
 * CreateSnapshotCopyConfiguration makes appear later in another region, where the sweep finds them.
 */
const SERVERLESS_TARGETS = {
  CreateSnapshot: SERVERLESS_SNAPSHOT,
  ConvertRecoveryPointToSnapshot: SERVERLESS_SNAPSHOT,
  UpdateSnapshot: SERVERLESS_SNAPSHOT,
  PutResourcePolicy: { arn: ['requestParameters.resourceArn'] },
  TagResource: { arn: ['requestParameters.resourceArn'] },
  UntagResource: { arn: ['requestParameters.resourceArn'] },
  // The response names the namespace, not the snapshot; no final snapshot, nothing named: ignored.
  DeleteNamespace: { name: ['requestParameters.finalSnapshotName'] },
} as const satisfies Record<string, Target>;

export type HandledEventName = keyof typeof TARGETS;
export type ServerlessEventName = keyof typeof SERVERLESS_TARGETS;

/** The CloudTrail event names the real-time path reacts to; the EventBridge rule lists exactly these. */
export const HANDLED_EVENT_NAMES = Object.keys(TARGETS) as HandledEventName[];

/** The Redshift Serverless event names it reacts to; the second EventBridge rule lists exactly these. */
export const SERVERLESS_EVENT_NAMES = Object.keys(SERVERLESS_TARGETS) as ServerlessEventName[];

const TABLES: Record<EventSource, Readonly<Record<string, Target>>> = {
  'redshift.amazonaws.com': TARGETS,
  'redshift-serverless.amazonaws.com': SERVERLESS_TARGETS,
};

/**
 * The EventBridge rule pattern that delivers exactly these calls from Redshift's own CloudTrail
 * records. The handler checks source and eventSource again: a rule can be edited by hand.
 *
 * @example
 * JSON.stringify(EVENT_PATTERN); // the serverless.yml rule's `pattern`
 */
export const EVENT_PATTERN = {
  source: ['aws.redshift'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['redshift.amazonaws.com'], eventName: HANDLED_EVENT_NAMES },
} as const;

/**
 * The second rule's pattern: Redshift Serverless calls arrive under their own source, so one
 * pattern per service keeps each source pinned to its own eventSource.
 *
 * @example
 * JSON.stringify(SERVERLESS_EVENT_PATTERN); // the serverless.yml second rule's `pattern`
 */
export const SERVERLESS_EVENT_PATTERN = {
  source: ['aws.redshift-serverless'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['redshift-serverless.amazonaws.com'], eventName: SERVERLESS_EVENT_NAMES },
} as const;

/** The snapshots an event names, or why the event is left alone. */
export type Extraction = { addresses: SnapshotAddress[] } | { ignored: string };

function valueAt(detail: CloudTrailDetail, path: Path): unknown {
  let node: unknown = detail;
  for (const key of path.split('.')) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function first(detail: CloudTrailDetail, paths: readonly Path[] = []): string | undefined {
  for (const path of paths) {
    const value = valueAt(detail, path);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** `arn:partition:service:region:account:resource`; the resource part may itself hold colons. */
function parseArn(arn: string) {
  const [, , service, , , ...rest] = arn.split(':');
  return { service, resource: rest.join(':') };
}

/**
 * The snapshot an ARN names, if it names one. An ARN in another account is passed on too: the run
 * reads it and reports it as foreign-owner, as a sweep does, and never changes it.
 */
function fromArn(arn: string): Extraction {
  const parts = parseArn(arn);
  // Provisioned `snapshot:cluster/name`, Serverless `snapshot/uuid`; namespaces, workgroups and
  // clusters carry tags and policies too, and are not this function's business.
  const snapshot =
    (parts.service === 'redshift' && parts.resource.startsWith('snapshot:')) ||
    (parts.service === 'redshift-serverless' && parts.resource.startsWith('snapshot/'));
  if (!snapshot) return { ignored: `${arn} names no Redshift snapshot` };
  return { addresses: [{ arn }] };
}

/**
 * Reads the snapshots one CloudTrail record names, by the table above. Failed calls changed
 * nothing, so they name none.
 *
 * @example
 * snapshotTargets(event.detail);
 * // { addresses: [{ id: 'nightly', cluster: 'finance-prod' }] }
 * // or { ignored: 'AuthorizeSnapshotAccess failed (AuthorizationAlreadyExists): nothing changed' }
 */
export function snapshotTargets(detail: CloudTrailDetail): Extraction {
  const table = TABLES[detail.eventSource];
  const target: Target | undefined = Object.hasOwn(table, detail.eventName)
    ? table[detail.eventName]
    : undefined;
  if (!target) return { ignored: `${detail.eventName} is not a snapshot change this function handles` };
  if (detail.errorCode) {
    return { ignored: `${detail.eventName} failed (${detail.errorCode}): nothing changed` };
  }
  const arn = first(detail, target.arn);
  if (arn) return fromArn(arn);
  const id = first(detail, target.id);
  if (id) {
    const cluster = first(detail, target.cluster);
    return { addresses: [cluster ? { id, cluster } : { id }] };
  }
  const snapshotName = first(detail, target.name);
  if (snapshotName) return { addresses: [{ snapshotName }] };
  const list = target.ids ? valueAt(detail, target.ids) : undefined;
  if (Array.isArray(list) && list.length > 0) {
    // A batch may repeat an identifier; each snapshot is described once.
    return { addresses: [...new Set(list.map(String))].map((id) => ({ id })) };
  }
  return { ignored: `${detail.eventName} names no snapshot` };
}
