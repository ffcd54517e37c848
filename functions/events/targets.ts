import type { SnapshotAddress } from '../aws/inventory.ts';
import type { CloudTrailDetail, RequestField, ResponseField } from './cloudtrail.ts';

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
};

/**
 * Every call that creates a provisioned snapshot or changes something the policy judges: who may
 * restore it, its retention, its tags (rules and exemptions match on tags). RevokeSnapshotAccess
 * and deletions only ever remove access, and handling them would re-trigger on our own revokes.
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
} as const satisfies Record<string, Target>;

export type HandledEventName = keyof typeof TARGETS;

/** The CloudTrail event names the real-time path reacts to; the EventBridge rule lists exactly these. */
export const HANDLED_EVENT_NAMES = Object.keys(TARGETS) as HandledEventName[];

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
  const [, , service, , account, ...rest] = arn.split(':');
  return { service, account, resource: rest.join(':') };
}

function fromArn(arn: string, detail: CloudTrailDetail): Extraction {
  const parts = parseArn(arn);
  if (parts.account !== detail.recipientAccountId) {
    return { ignored: `snapshot ${arn} is owned by another account (${parts.account}); it is never changed` };
  }
  // Read as a provisioned snapshot it would slip past `match.namespace` rules, and a grant such a
  // rule allows could be revoked; left alone until Serverless inventory lands.
  if (parts.service === 'redshift-serverless') {
    return {
      ignored: `snapshot ${arn} is a Redshift Serverless snapshot, which this function does not judge yet`,
    };
  }
  if (parts.service !== 'redshift' || !parts.resource.startsWith('snapshot:')) {
    return { ignored: `${arn} names no Redshift snapshot` };
  }
  return { addresses: [{ arn }] };
}

/**
 * Reads the snapshots one CloudTrail record names, by the table above. Failed calls changed
 * nothing; an ARN in another account is never ours to touch.
 *
 * @example
 * snapshotTargets(event.detail);
 * // { addresses: [{ id: 'nightly', cluster: 'finance-prod' }] }
 * // or { ignored: 'AuthorizeSnapshotAccess failed (AuthorizationAlreadyExists): nothing changed' }
 */
export function snapshotTargets(detail: CloudTrailDetail): Extraction {
  const target: Target | undefined = Object.hasOwn(TARGETS, detail.eventName)
    ? TARGETS[detail.eventName as HandledEventName]
    : undefined;
  if (!target) return { ignored: `${detail.eventName} is not a snapshot change this function handles` };
  if (detail.errorCode) {
    return { ignored: `${detail.eventName} failed (${detail.errorCode}): nothing changed` };
  }
  const arn = first(detail, target.arn);
  if (arn) return fromArn(arn, detail);
  const id = first(detail, target.id);
  if (id) {
    const cluster = first(detail, target.cluster);
    return { addresses: [cluster ? { id, cluster } : { id }] };
  }
  const list = target.ids ? valueAt(detail, target.ids) : undefined;
  if (Array.isArray(list) && list.length > 0) {
    // A batch may repeat an identifier; each snapshot is described once.
    return { addresses: [...new Set(list.map(String))].map((id) => ({ id })) };
  }
  return { ignored: `${detail.eventName} names no snapshot` };
}
