/**
 * Latency profiles: how long the stand-in takes to answer each action. A call lands uniformly in
 * mean ± jitter, plus `perKbMs` for every KB of its answer (a 100-snapshot DescribeClusterSnapshots
 * page is about 180 KB of XML).
 *
 * These figures are ASSUMPTIONS chosen to resemble AWS, not measurements of it: AWS publishes no
 * latency figures for these APIs, and nothing here was timed against a real account.
 */

export type Latency = { meanMs: number; jitterMs: number; perKbMs?: number };

export type LatencyProfile = {
  name: string;
  /** Every action the profile does not name. */
  default: Latency;
  /** By 'service.Action', e.g. 'redshift.DescribeClusterSnapshots'. */
  actions: Readonly<Record<string, Latency>>;
};

/** The bench's historical setting: every call 20 ± 5 ms, whatever it is and however large. */
export const FLAT: LatencyProfile = {
  name: 'flat',
  default: { meanMs: 20, jitterMs: 5 },
  actions: {},
};

const MUTATION: Latency = { meanMs: 150, jitterMs: 50, perKbMs: 1 };

/**
 * Control-plane calls of a few hundred milliseconds, reads that grow with their answer, and
 * EventBridge and STS answering faster than Redshift. Assumed, not measured (see above).
 */
export const REALISTIC: LatencyProfile = {
  name: 'realistic',
  default: { meanMs: 100, jitterMs: 30, perKbMs: 1 },
  actions: {
    // ~180 ms + ~180 KB × 1 ms for a full page: ~360 ms.
    'redshift.DescribeClusterSnapshots': { meanMs: 180, jitterMs: 60, perKbMs: 1 },
    'redshift.RevokeSnapshotAccess': MUTATION,
    'redshift.AuthorizeSnapshotAccess': MUTATION,
    'redshift.DeleteClusterSnapshot': MUTATION,
    'redshift.ModifyClusterSnapshot': MUTATION,
    'redshift-serverless.ListSnapshots': { meanMs: 150, jitterMs: 50, perKbMs: 1 },
    'redshift-serverless.GetSnapshot': { meanMs: 100, jitterMs: 30 },
    'redshift-serverless.ListTagsForResource': { meanMs: 60, jitterMs: 20 },
    'redshift-serverless.DeleteSnapshot': MUTATION,
    'events.PutEvents': { meanMs: 40, jitterMs: 15 },
    'sts.GetCallerIdentity': { meanMs: 40, jitterMs: 15 },
  },
};

export const PROFILES = { flat: FLAT, realistic: REALISTIC } as const;
export type ProfileName = keyof typeof PROFILES;

/** The latency an action gets under `profile`. */
export function latencyOf(profile: LatencyProfile, action: string): Latency {
  return profile.actions[action] ?? profile.default;
}

/**
 * The mean latency of one call to `action` whose answer is `bytes` long.
 *
 * @example
 * meanLatencyMs(REALISTIC, 'redshift.DescribeClusterSnapshots', 184_320); // 180 + 180 = 360
 */
export function meanLatencyMs(profile: LatencyProfile, action: string, bytes = 0): number {
  const l = latencyOf(profile, action);
  return l.meanMs + ((l.perKbMs ?? 0) * bytes) / 1024;
}
