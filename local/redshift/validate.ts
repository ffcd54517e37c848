import { commonErrors } from '../core/errors.ts';
import { redshiftErrors } from './errors.ts';
import { MAX_TAGS, SUPPORT_ACCOUNT, type TagRecord } from './model.ts';

// AWS: 1-255 letters, digits or hyphens; starts with a letter; no trailing or doubled hyphen.
const SNAPSHOT_ID = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/;
// Cluster identifiers follow the same rule, lowercase only and at most 63 characters.
const CLUSTER_ID = /^[a-z](?:[a-z0-9]|-(?!-))*$/;

export function checkSnapshotIdentifier(id: string, parameter = 'SnapshotIdentifier'): void {
  if (id.length > 255 || !SNAPSHOT_ID.test(id) || id.endsWith('-')) {
    throw commonErrors.invalidParameterValue(
      `Invalid value for ${parameter}: ${id}. It must contain 1-255 alphanumeric characters or hyphens, ` +
        'start with a letter, and must not end with a hyphen or contain two consecutive hyphens.',
    );
  }
}

export function checkClusterIdentifier(id: string): void {
  if (id.length > 63 || !CLUSTER_ID.test(id) || id.endsWith('-')) {
    throw commonErrors.invalidParameterValue(
      `Invalid value for ClusterIdentifier: ${id}. It must contain 1-63 lowercase alphanumeric characters or ` +
        'hyphens, start with a letter, and must not end with a hyphen or contain two consecutive hyphens.',
    );
  }
}

export function checkRetention(value: number): void {
  if (value !== -1 && (value < 1 || value > 3653)) throw redshiftErrors.invalidRetentionPeriod(value);
}

export function checkGrantee(account: string): void {
  if (account !== SUPPORT_ACCOUNT && !/^\d{12}$/.test(account)) {
    throw commonErrors.invalidParameterValue(
      `Invalid value for AccountWithRestoreAccess: ${account}. Specify a 12-digit account ID or ${SUPPORT_ACCOUNT}.`,
    );
  }
}

export function checkTags(tags: readonly TagRecord[]): void {
  if (tags.length > MAX_TAGS) throw redshiftErrors.tagLimitExceeded(MAX_TAGS);
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (key.length === 0 || key.length > 128)
      throw redshiftErrors.invalidTag('Tag keys must be 1-128 characters.');
    if (key.toLowerCase().startsWith('aws:'))
      throw redshiftErrors.invalidTag('Tag keys cannot start with aws:.');
    if (value.length > 256) throw redshiftErrors.invalidTag('Tag values must be at most 256 characters.');
    if (seen.has(key)) throw redshiftErrors.invalidTag(`Duplicate tag key ${key}.`);
    seen.add(key);
  }
}
