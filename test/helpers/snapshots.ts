import { readFileSync } from 'node:fs';
import { type Snapshot, SnapshotSchema } from '../../functions/engine/model.ts';

/** The account that owns every test snapshot unless a test says otherwise. */
export const OWNER = '123456789012';

export type FixtureName =
  | 'finance-prod-nightly'
  | 'finance-prod-automated'
  | 'analytics-weekly'
  | 'serverless-sales'
  | 'legal-hold'
  | 'shared-in-from-partner';

/**
 * A snapshot from `test/fixtures/snapshots/<name>.json`, with its ISO date revived and the whole
 * thing checked against the model, so a fixture can never drift from what adapters produce.
 *
 * @example
 * const snap = loadSnapshot('finance-prod-nightly', { grants: [] });
 */
export function loadSnapshot(name: FixtureName, overrides: Partial<Snapshot> = {}): Snapshot {
  const raw = JSON.parse(
    readFileSync(new URL(`../fixtures/snapshots/${name}.json`, import.meta.url), 'utf8'),
  );
  const revived = { ...raw, createdAt: raw.createdAt === undefined ? undefined : new Date(raw.createdAt) };
  return { ...SnapshotSchema.parse(revived), ...overrides };
}

/**
 * A compliant-looking manual snapshot of cluster `finance-prod`, changed by `overrides`.
 *
 * @example
 * const snap = snapshot({ grants: ['999988887777'], encrypted: false });
 */
export function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    kind: 'cluster',
    id: 'finance-prod-manual-1',
    arn: `arn:aws:redshift:us-east-1:${OWNER}:snapshot:finance-prod/finance-prod-manual-1`,
    cluster: 'finance-prod',
    type: 'manual',
    status: 'available',
    owner: OWNER,
    region: 'us-east-1',
    createdAt: new Date('2026-10-01T00:00:00.000Z'),
    encrypted: true,
    retentionDays: 30,
    grants: [],
    tags: {},
    ...overrides,
  };
}
