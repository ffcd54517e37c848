import { DEFAULT_LISTING_CONCURRENCY } from '../functions/policy/schema.ts';
import { ALLOWED_ACCOUNTS, BUS } from './settings.ts';

/**
 * Sharing only: every grant outside the fleet's allowlist is revoked and nothing else is judged,
 * so the minimum number of revocations is exactly the fleet's unauthorized grants. The safety
 * limit is set above any fleet the bench seeds, so the blast-radius brake never trips.
 */
export function benchPolicyText(regions: readonly string[]): string {
  return `version: 1
mode: enforce
regions: [${regions.join(', ')}]
sharing:
  allowedAccounts: [${ALLOWED_ACCOUNTS.map((a) => `"${a}"`).join(', ')}]
  allowSupportAccess: false
  requireEncryption: false
safety:
  maxRevocationsPerRun: 100000
  maxListingConcurrency: ${DEFAULT_LISTING_CONCURRENCY}
events:
  busName: ${BUS}
`;
}
