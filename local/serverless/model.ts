import { createHash } from 'node:crypto';
import { ServiceError } from '../core/errors.ts';
import type { TagRecord } from '../redshift/model.ts';

/** The policy actions that let an account restore a snapshot to a namespace, or to a provisioned cluster. */
export const RESTORE_ACTIONS = {
  namespace: 'redshift-serverless:RestoreFromSnapshot',
  provisioned: 'redshift:RestoreFromClusterSnapshot',
} as const;

export interface NamespaceRecord {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  readonly createdMs: number;
  readonly adminUsername: string;
  readonly dbName: string;
  readonly kmsKeyId: string;
  tags: TagRecord[];
}

export interface ServerlessSnapshotRecord {
  /** Listing order: creation time, then owner, then name; the paging token is this key. */
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly namespaceName: string;
  readonly namespaceArn: string;
  readonly ownerAccount: string;
  readonly region: string;
  readonly createdMs: number;
  readonly adminUsername: string;
  readonly kmsKeyId: string;
  readonly sizeMb: number;
  status: string;
  /** Days; -1 = kept indefinitely (the API's default). */
  retentionPeriod: number;
  retentionStartMs: number;
  /** Accounts that may restore it to a namespace, in the order they were granted. */
  restoreAccess: string[];
  /** Accounts that may restore it to a provisioned cluster. */
  provisionedRestoreAccess: string[];
  tags: TagRecord[];
}

export interface NamespaceInput {
  name: string;
  adminUsername?: string;
  dbName?: string;
  kmsKeyId?: string;
  tags?: TagRecord[] | Record<string, string>;
  createTime?: Date | number;
}

export interface ServerlessSnapshotInput {
  name: string;
  namespaceName: string;
  createTime?: Date | number;
  retentionPeriod?: number;
  tags?: TagRecord[] | Record<string, string>;
  /** Restore to a namespace (what a resource policy grants). */
  restoreAccess?: string[];
  /** Restore to a provisioned cluster. */
  provisionedRestoreAccess?: string[];
  sizeMb?: number;
}

/**
 * A UUID fixed by its inputs, so a seeded fleet gets the same ARNs run after run. Real ARNs are
 * random; nothing may parse meaning out of the UUID, and nothing here does.
 */
export function stableUuid(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function serverlessArn(region: string, account: string, type: 'snapshot' | 'namespace', id: string) {
  return `arn:aws:redshift-serverless:${region}:${account}:${type}/${id}`;
}

const ARN = /^arn:aws[\w-]*:redshift-serverless:([a-z0-9-]+):(\d{12}):(snapshot|namespace)\/([0-9a-f-]{36})$/;

export function parseServerlessArn(
  arn: string,
): { region: string; account: string; type: 'snapshot' | 'namespace'; id: string } | undefined {
  const m = ARN.exec(arn);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) return;
  return { region: m[1], account: m[2], type: m[3] as 'snapshot' | 'namespace', id: m[4] };
}

/** The KMS key AWS owns, which Serverless reports by this name when no customer key was chosen. */
export const AWS_OWNED_KMS_KEY = 'AWS_OWNED_KMS_KEY';

/*
 * Wire codes are the shape names the installed @aws-sdk/client-redshift-serverless maps back to
 * its exception classes (awsJson1_1 `__type`); all of them are client faults sent with HTTP 400.
 */
export const serverlessErrors = {
  validation: (message: string) => new ServiceError('ValidationException', message, 400),
  notFound: (what: string) => new ServiceError('ResourceNotFoundException', `${what} not found.`, 400),
  conflict: (message: string) => new ServiceError('ConflictException', message, 400),
  tooManyTags: () => new ServiceError('TooManyTagsException', 'Too many tags for the resource.', 400),
};
