/** What every bench run shares: the account, regions and policy scope the stand-in is seeded with. */

/** The stand-in's account for any access key it does not know. */
export const ACCOUNT = '123456789012';
export const HOME_REGION = 'us-east-1';
/** Sweeps over one region use the first; over three, all of them. */
export const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
export const BUS = 'snapshot-compliance';
/** The fleet's allowed accounts, which the bench policy allowlists. */
export const ALLOWED_ACCOUNTS = ['111122223333', '444455556666'] as const;

/** The engine's defaults (functions/engine/run.ts), which the sweep handler does not override. */
export const ENFORCE_CONCURRENCY = 8;
export const PUBLISH_CONCURRENCY = 4;

/** Share of the fleet's snapshots that carry an unauthorized grant. */
export const UNAUTHORIZED_SHARE = 0.01;
/**
 * The fleet generator draws unauthorized grants from manual snapshots only, and by default 20% of
 * a fleet is automated: 1.25% of the manual ones is 1% of the whole fleet.
 */
export const UNAUTHORIZED_SHARE_OF_MANUAL = UNAUTHORIZED_SHARE / 0.8;

/** Credentials for the stand-in: any key works, and an unknown one is `ACCOUNT`. */
export const LOCAL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'local-bench-secret',
} as const;
