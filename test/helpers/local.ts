import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { paginateDescribeClusterSnapshots, RedshiftClient } from '@aws-sdk/client-redshift';
import type { Context } from 'aws-lambda';
import { expect } from 'vitest';
import { type AwsClients, createClients } from '../../functions/aws/clients.ts';
import {
  DETAIL_TYPES,
  type EventDetail,
  EventDetailSchema,
} from '../../functions/engine/compliance-events.ts';
import { CONTINUATION_DETAIL_TYPE, ContinuationSchema } from '../../functions/engine/continuation.ts';
import type { RunReport } from '../../functions/engine/run-report.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { type Runtime, runtimeFor } from '../../functions/runtime.ts';
import type { LocalAws } from '../../local/server.ts';
import type { StandInOptions } from './stand-in.ts';

/**
 * The local stand-in as the product sees it in production: real SDK clients built by
 * `createClients`, found through `AWS_ENDPOINT_URL`, plus a small fleet whose right end state is
 * known in advance, and the checks every fault test makes on it.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const BUS = 'snapshot-compliance';
export const ALLOWED = '111122223333';
export const UNKNOWN = '999988887777';
export const OTHER_UNKNOWN = '555566667777';
export const SUPPORT = 'amazon-redshift-support';
/** Owns snapshots it shares with ACCOUNT: visible to every sweep, never to be changed. */
export const PARTNER = '444455556666';
const PARTNER_KEY = 'AKIDPARTNER';
export const CLUSTER = 'prod-main';
const PARTNER_CLUSTER = 'partner-main';

/** Enforces, allows one account, and lifts the blast-radius limit above the test fleets. */
export const POLICY = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED}"]
  allowSupportAccess: false
safety:
  maxRevocationsPerRun: 1000
events:
  busName: ${BUS}
`;

/** The stand-in as the product meets it: the SDK's variables point at it, and PARTNER's key is known. */
export const PRODUCT_VIEW: StandInOptions = { sdkEnv: true, accounts: { [PARTNER_KEY]: PARTNER } };

/** Creates the compliance bus, as `serverless deploy` does. */
export async function createBus(): Promise<void> {
  const client = new EventBridgeClient({ region: REGION, maxAttempts: 1 });
  await client.send(new CreateEventBusCommand({ Name: BUS }));
  client.destroy();
}

type Backoff = { setDelayBase(ms: number): void; computeNextBackoffDelay(retry: number): number };
type StrategyWithBackoff = { retryBackoffStrategy: Backoff };
type Retrying = { config: { retryStrategy: () => Promise<unknown> } };

/** The SDK's own backoff (full jitter, doubling, 20 s cap) with every delay divided by `factor`. */
function scaledBackoff(factor: number): Backoff {
  let base = 50 / factor;
  return {
    setDelayBase: (ms) => {
      base = ms / factor;
    },
    computeNextBackoffDelay: (retry) =>
      Math.floor(Math.random() * Math.min(base * 2 ** retry, 20_000 / factor)),
  };
}

/** Keeps the client's standard strategy (attempts, retry quota, throttling vs transient) but scales its delays. */
function scaleRetries<C>(client: C, factor: number): C {
  const config = (client as Retrying).config;
  const resolve = config.retryStrategy;
  let scaled: Promise<unknown> | undefined;
  config.retryStrategy = () => {
    scaled ??= resolve().then((strategy) => {
      (strategy as StrategyWithBackoff).retryBackoffStrategy = scaledBackoff(factor);
      return strategy;
    });
    return scaled;
  };
  return client;
}

export type ClientSetup = {
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /**
   * Divides the SDK's retry delays (50 ms base, 1 s for throttling) by this much, so a test that
   * throttles half its calls runs in seconds. 1 keeps the SDK's real timing.
   */
  backoffScale?: number;
};

/** The product's clients (`createClients`), optionally with faster retries. */
export function clients(setup: ClientSetup = {}): AwsClients {
  const built = createClients({
    homeRegion: REGION,
    ...(setup.maxAttempts === undefined ? {} : { maxAttempts: setup.maxAttempts }),
    ...(setup.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: setup.requestTimeoutMs }),
  });
  const factor = setup.backoffScale ?? 1;
  if (factor === 1) return built;
  return {
    ...built,
    redshift: scalePerRegion(built.redshift, factor),
    serverless: scalePerRegion(built.serverless, factor),
    events: scaleRetries(built.events, factor),
    sts: scaleRetries(built.sts, factor),
  };
}

function scalePerRegion<C>(clientFor: (region: string) => C, factor: number): (region: string) => C {
  const scaled = new Set<C>();
  return (region) => {
    const client = clientFor(region);
    if (!scaled.has(client)) {
      scaled.add(client);
      scaleRetries(client, factor);
    }
    return client;
  };
}

/** A warm runtime for POLICY: the caller's account is already known, as after a first invocation. */
export async function warmRuntime(setup: ClientSetup = {}, policy = POLICY): Promise<Runtime> {
  const rt = runtimeFor(parsePolicy(policy, 'policy.yml'), clients(setup));
  await rt.account();
  return rt;
}

export type FleetSnapshot = { id: string; allowed: string[]; unauthorized: string[] };

/** What the fleet must look like after enforcement, and what must never change. */
export type Fleet = {
  owned: FleetSnapshot[];
  partner: { id: string; grants: string[] }[];
};

const pad = (i: number) => String(i).padStart(3, '0');

/**
 * `count` manual, encrypted snapshots of ACCOUNT's cluster (listed oldest first, so in this
 * order): every 5th shared with the allowed account, every 7th with an unknown account, every
 * 11th with a second one, every 13th with AWS Support; plus three snapshots PARTNER owns and
 * shares with ACCOUNT and an unknown account, interleaved in the listing.
 */
export function seedFleet(local: LocalAws, count = 60): Fleet {
  const start = Date.now() - (count + 10) * 60_000;
  local.store.createCluster(ACCOUNT, REGION, { identifier: CLUSTER, manualSnapshotRetentionPeriod: 30 });
  local.store.createCluster(PARTNER, REGION, { identifier: PARTNER_CLUSTER });
  const owned: FleetSnapshot[] = [];
  for (let i = 0; i < count; i++) {
    const allowed = i % 5 === 0 ? [ALLOWED] : [];
    const unauthorized = [
      ...(i % 7 === 0 ? [UNKNOWN] : []),
      ...(i % 11 === 0 ? [OTHER_UNKNOWN] : []),
      ...(i % 13 === 0 ? [SUPPORT] : []),
    ];
    const id = `nightly-${pad(i)}`;
    local.store.createSnapshot(ACCOUNT, REGION, {
      identifier: id,
      clusterIdentifier: CLUSTER,
      createTime: start + i * 60_000,
      encrypted: true,
      manualSnapshotRetentionPeriod: 30,
      grants: [...allowed, ...unauthorized],
    });
    owned.push({ id, allowed, unauthorized });
  }
  const partner = [0, 1, 2].map((n) => {
    const id = `partner-${n}`;
    const grants = [ACCOUNT, UNKNOWN];
    local.store.createSnapshot(PARTNER, REGION, {
      identifier: id,
      clusterIdentifier: PARTNER_CLUSTER,
      createTime: start + Math.floor(((n + 1) * count) / 4) * 60_000 + 30_000,
      encrypted: true,
      manualSnapshotRetentionPeriod: 30,
      grants,
    });
    return { id, grants };
  });
  return { owned, partner };
}

/** Unauthorized grants in the fleet: what a full enforcement revokes. */
export function unauthorizedGrants(fleet: Fleet): number {
  return fleet.owned.reduce((n, s) => n + s.unauthorized.length, 0);
}

/** Every snapshot `accessKeyId`'s account owns, with its grants, read through DescribeClusterSnapshots. */
export async function describeOwned(
  local: LocalAws,
  accessKeyId = 'AKIDLOCAL',
): Promise<Map<string, string[]>> {
  const account = accessKeyId === PARTNER_KEY ? PARTNER : ACCOUNT;
  const client = new RedshiftClient({
    region: REGION,
    endpoint: local.endpoint,
    credentials: { accessKeyId, secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
  const out = new Map<string, string[]>();
  try {
    for await (const page of paginateDescribeClusterSnapshots({ client, pageSize: 100 }, {})) {
      for (const s of page.Snapshots ?? []) {
        if (s.OwnerAccount !== account || !s.SnapshotIdentifier) continue;
        const grants = (s.AccountsWithRestoreAccess ?? []).map((a) => a.AccountAlias ?? a.AccountId ?? '');
        out.set(s.SnapshotIdentifier, grants.sort());
      }
    }
  } finally {
    client.destroy();
  }
  return out;
}

export type BusEvent = { detailType: string; detail: EventDetail };

/**
 * Every compliance event on the bus, each checked against the published schema. A sweep's
 * request for its next part shares the bus; it is checked against its own schema and left out.
 */
export function busEvents(local: LocalAws): BusEvent[] {
  const all = local.events(BUS);
  for (const e of all) if (e.detailType === CONTINUATION_DETAIL_TYPE) ContinuationSchema.parse(e.detail);
  return all
    .filter((e) => e.detailType !== CONTINUATION_DETAIL_TYPE)
    .map((e) => ({ detailType: e.detailType, detail: EventDetailSchema.parse(e.detail) }));
}

/** What makes an event unique within one run: one event per kind, snapshot and account acted on. */
export function eventKey(e: BusEvent): string {
  const subject = e.detail.snapshot?.arn ?? e.detail.reason;
  return [e.detail.runId, e.detailType, subject, e.detail.action?.account ?? ''].join(' | ');
}

/** Keys seen more than once: must be empty for any run whose PutEvents calls were not cut off mid-flight. */
export function duplicateKeys(events: BusEvent[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const e of events) {
    const key = eventKey(e);
    if (seen.has(key)) twice.add(key);
    seen.add(key);
  }
  return [...twice];
}

const snapshotArn = (id: string) => `arn:aws:redshift:${REGION}:${ACCOUNT}:snapshot:${CLUSTER}/${id}`;

/**
 * The checks every fault test makes once its runs are over and the faults are cleared:
 * - the end state, read through DescribeClusterSnapshots: every unauthorized grant is gone, every
 *   allowed grant and every grant on PARTNER's snapshots is still there;
 * - no run tried to revoke an allowed grant or to change a snapshot PARTNER owns;
 * - every failed action and unreadable snapshot or region is on the bus, or listed in its run's
 *   report as an event that could not be published;
 * - no event was published twice for the same action in one run (`uniqueEvents`), and every
 *   event of a run carries the run's one clock reading;
 * - the last run ended compliant.
 */
export async function expectEnforced(
  local: LocalAws,
  fleet: Fleet,
  runs: RunReport[],
  options: { uniqueEvents?: boolean } = {},
): Promise<void> {
  local.faults.clear();
  const owned = await describeOwned(local);
  for (const s of fleet.owned) {
    expect(owned.get(s.id), `grants on ${s.id}`).toEqual([...s.allowed].sort());
  }
  const partner = await describeOwned(local, PARTNER_KEY);
  for (const s of fleet.partner) expect(partner.get(s.id), `grants on ${s.id}`).toEqual([...s.grants].sort());

  const events = busEvents(local);
  for (const run of runs) {
    for (const entry of run.snapshots) {
      if (entry.snapshot.owner !== ACCOUNT)
        expect(entry.results, `actions on ${entry.snapshot.arn}`).toEqual([]);
      for (const r of entry.results) {
        if (r.type === 'revoke') expect(r.account, `revoke on ${entry.snapshot.id}`).not.toBe(ALLOWED);
      }
    }
    expectFailuresVisible(run, events);
  }
  for (const run of runs) {
    const times = new Set(events.filter((e) => e.detail.runId === run.runId).map((e) => e.detail.time));
    expect([...times].length, `times of run ${run.runId}`).toBeLessThanOrEqual(1);
  }
  if (options.uniqueEvents !== false) expect(duplicateKeys(events)).toEqual([]);
  expect(runs.at(-1)?.compliant, 'the last run ends compliant').toBe(true);
}

/** Every failure of `run` is on the bus, or in the report among the events that could not be published. */
export function expectFailuresVisible(run: RunReport, events: BusEvent[]): void {
  const mine = events.filter((e) => e.detail.runId === run.runId);
  const unpublished = (detailType: string) =>
    run.events.failed.filter((f) => f.detailType === detailType).length;
  const failedActions = run.snapshots.flatMap((s) =>
    s.results.filter((r) => r.outcome === 'failed').map((r) => ({ snapshot: s.snapshot.arn, r })),
  );
  const failedOnBus = mine.filter((e) => e.detailType === DETAIL_TYPES.failed);
  for (const { snapshot, r } of failedActions) {
    const onBus = failedOnBus.some(
      (e) =>
        e.detail.snapshot?.arn === snapshot &&
        e.detail.action?.type === r.type &&
        (r.type !== 'revoke' || e.detail.action.account === r.account),
    );
    if (!onBus)
      expect(unpublished(DETAIL_TYPES.failed), `failure of ${r.type} on ${snapshot}`).toBeGreaterThan(0);
  }
  const inventoryOnBus = mine.filter((e) => e.detailType === DETAIL_TYPES.inventoryFailed).length;
  expect(inventoryOnBus + unpublished(DETAIL_TYPES.inventoryFailed)).toBe(run.inventoryErrors.length);
  if (!run.compliant && run.trigger !== 'event') {
    // One completed event, on the bus or listed as unpublished (or both: a call that timed out may have landed).
    const completed = mine.filter((e) => e.detailType === DETAIL_TYPES.completed);
    expect(new Set(completed.map(eventKey)).size, 'completed events').toBeLessThanOrEqual(1);
    expect(completed.length + unpublished(DETAIL_TYPES.completed), 'the completed event').toBeGreaterThan(0);
    for (const e of completed) expect(e.detail.reason).toMatch(/violations or failures remain($|; part )/);
  }
}

/**
 * What runs left undone must be accounted for in their reports: every unauthorized grant still in
 * place has a failed or skipped revoke in one of `runs`, or its snapshot was never read by them
 * (an inventory error, or the time running out). `ids` narrows the check to the snapshots the runs
 * were about (an event names one). Read straight from the stand-in's state, so faults still in
 * force do not get in the way.
 */
export function expectLeftoversExplained(
  local: LocalAws,
  fleet: Fleet,
  runs: RunReport | RunReport[],
  ids?: readonly string[],
): void {
  const all = Array.isArray(runs) ? runs : [runs];
  const unread = all.some((run) => run.truncated || run.inventoryErrors.length > 0);
  const open = new Set(
    all.flatMap((run) =>
      run.snapshots.flatMap((s) =>
        s.results.flatMap((r) =>
          r.type === 'revoke' && (r.outcome === 'failed' || r.outcome === 'skipped')
            ? [`${s.snapshot.id} ${r.account}`]
            : [],
        ),
      ),
    ),
  );
  const read = new Set(all.flatMap((run) => run.snapshots.map((s) => s.snapshot.arn)));
  for (const s of fleet.owned) {
    if (ids && !ids.includes(s.id)) continue;
    const grants = local.store.getSnapshot(ACCOUNT, REGION, s.id)?.grants ?? [];
    for (const account of s.unauthorized) {
      if (!grants.includes(account)) continue;
      const explained = open.has(`${s.id} ${account}`) || (unread && !read.has(snapshotArn(s.id)));
      expect(explained, `${account} still on ${s.id}`).toBe(true);
    }
  }
}

/** A Lambda context whose remaining time the test controls. */
export function lambdaContext(remainingMs: () => number = () => 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'redshift-snapshot-guard',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:redshift-snapshot-guard`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/redshift-snapshot-guard',
    logStreamName: '2026/11/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
