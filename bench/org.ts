import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { ACCOUNTS_PAGE_SIZE } from '../functions/org/accounts.ts';
import { type LocalAws, startLocalAws } from '../local/server.ts';
import { bundle } from './bundle.ts';
import { runChild } from './child.ts';
import { compareCalls, pagesFor } from './floor.ts';
import { OrgMeasureSchema } from './org-measure.ts';
import { benchPolicyText } from './policy.ts';
import {
  ALLOWED_ACCOUNTS,
  BUS,
  ENFORCE_CONCURRENCY,
  HOME_REGION,
  LOCAL_CREDENTIALS,
  PUBLISH_CONCURRENCY,
  REGIONS,
  UNAUTHORIZED_SHARE_OF_MANUAL,
} from './settings.ts';

/** `npm run bench -- --org`: an organisation run through the in-process path. */
export type OrgPlan = {
  accounts: number;
  regions: 1 | 2 | 3;
  snapshotsPerRegion: number;
  latencyMs: number;
  jitterMs: number;
  maxConcurrency: number;
  scopes: ('run' | 'account-region')[];
};

export const ORG_PLANS = {
  full: {
    accounts: 100,
    regions: 3,
    snapshotsPerRegion: 1000,
    latencyMs: 20,
    jitterMs: 5,
    maxConcurrency: 10,
    scopes: ['run', 'account-region'],
  },
  smoke: {
    accounts: 3,
    regions: 2,
    snapshotsPerRegion: 150,
    latencyMs: 0,
    jitterMs: 0,
    maxConcurrency: 4,
    scopes: ['run', 'account-region'],
  },
} satisfies Record<string, OrgPlan>;

const figures = z.object({ actual: z.number(), minimum: z.number(), ratio: z.number() });
export const OrgCaseSchema = z.object({
  scope: z.enum(['run', 'account-region']),
  accounts: z.number(),
  regions: z.number(),
  snapshots: z.number(),
  maxConcurrency: z.number(),
  calls: z.object({ byAction: z.record(z.string(), figures), total: figures }),
  wall: z.object({ ms: z.number(), floorMs: z.number(), ratio: z.number().nullable() }),
  cpuMs: z.number(),
  memory: OrgMeasureSchema.shape.memory,
  summary: OrgMeasureSchema.shape.summary,
});
export type OrgCase = z.infer<typeof OrgCaseSchema>;

/** The first member of the stand-in's organisation; the others follow in order. */
const FIRST_MEMBER = 200_000_000_000;
const memberIds = (n: number) => Array.from({ length: n }, (_, i) => String(FIRST_MEMBER + i));

function orgPolicy(regions: readonly string[], plan: OrgPlan, scope: OrgPlan['scopes'][number]): string {
  return `${benchPolicyText(regions)}organization:
  excludeAccounts: ["123456789012"]
  maxConcurrency: ${plan.maxConcurrency}
  safetyScope: ${scope}
`;
}

type Seeded = { account: string; region: string; snapshots: number; refused: number };

/**
 * The fewest calls an organisation run can make. Per run: ListAccounts pages (20 accounts a page,
 * the management account included), one GetCallerIdentity (the hub's account, for the summary),
 * one AssumeRole per member account (not per region nor per page). Per account-region and pass:
 * one DescribeClusterSnapshots per 100 snapshots and one Serverless listing; with `safetyScope:
 * run` an account-region with something to change is listed in both passes (the run's limits are
 * checked between them). One RevokeSnapshotAccess per refused grant. PutEvents: each worker
 * publishes its own account-region's events, so one call per ten events of each account-region,
 * and one per ten of the hub's own.
 */
export function orgMinimumCalls(
  seeded: readonly Seeded[],
  accounts: number,
  scope: OrgPlan['scopes'][number],
  eventsByPublisher: readonly number[],
  observed: Readonly<Record<string, number>>,
): Record<string, number> {
  const passes = (s: Seeded) => (scope === 'run' && s.refused > 0 ? 2 : 1);
  const minimum: Record<string, number> = {
    ListAccounts: Math.ceil((accounts + 1) / ACCOUNTS_PAGE_SIZE),
    AssumeRole: accounts,
    GetCallerIdentity: 1,
    DescribeClusterSnapshots: seeded.reduce((n, s) => n + pagesFor(s.snapshots) * passes(s), 0),
    RevokeSnapshotAccess: seeded.reduce((n, s) => n + s.refused, 0),
    PutEvents: eventsByPublisher.reduce((n, e) => n + Math.ceil(e / 10), 0),
  };
  if ((observed.ListSnapshots ?? 0) > 0) minimum.ListSnapshots = seeded.reduce((n, s) => n + passes(s), 0);
  return minimum;
}

/**
 * The shortest an organisation run can take if every call cost exactly the mean latency and the
 * only limit were `maxConcurrency` workers at once: the ListAccounts pages, then each pass's work
 * spread over the workers (each item: its AssumeRole share, its listing pages one after another,
 * its revocations 8 at a time and its PutEvents 4 at a time), then the summary's call.
 *
 * floor = latency × (ListAccounts pages + 1 + Σ items (listing + revocations/8 + PutEvents/4) / maxConcurrency + accounts / maxConcurrency)
 */
export function orgFloorMs(
  latencyMs: number,
  plan: Pick<OrgPlan, 'maxConcurrency'>,
  minimum: Readonly<Record<string, number>>,
  accounts: number,
): number {
  const listing = (minimum.DescribeClusterSnapshots ?? 0) + (minimum.ListSnapshots ?? 0);
  const work =
    listing +
    (minimum.RevokeSnapshotAccess ?? 0) / ENFORCE_CONCURRENCY +
    (minimum.PutEvents ?? 0) / PUBLISH_CONCURRENCY;
  return latencyMs * ((minimum.ListAccounts ?? 1) + 1 + (work + accounts) / plan.maxConcurrency);
}

function byAction(calls: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(calls)) {
    const action = key.slice(key.lastIndexOf('.') + 1);
    out[action] = (out[action] ?? 0) + n;
  }
  return out;
}

function seed(local: LocalAws, plan: OrgPlan, regions: readonly string[]): Seeded[] {
  const seeded: Seeded[] = [];
  for (const [i, account] of memberIds(plan.accounts).entries()) {
    for (const fleet of local.seedFleet({
      count: plan.snapshotsPerRegion,
      account,
      seed: 7 + i,
      regions: [...regions],
      allowedAccounts: [...ALLOWED_ACCOUNTS],
      unauthorizedShare: UNAUTHORIZED_SHARE_OF_MANUAL,
      supportShare: 0,
    })) {
      const s = fleet.stats;
      seeded.push({
        account,
        region: fleet.region,
        snapshots: s.snapshots,
        refused: s.unauthorizedGrants + s.supportGrants,
      });
    }
  }
  return seeded;
}

/** Events published per publisher: each member account-region, and the hub. */
function eventsByPublisher(local: LocalAws): number[] {
  const counts = new Map<string, number>();
  for (const e of local.events(BUS)) {
    const d = e.detail as { account?: string; region?: string };
    const key = e.detailType === 'Organization Sweep Completed' ? 'hub' : `${d.account}/${d.region}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.values()];
}

/**
 * Seeds the stand-in's organisation (its members × regions × snapshots), then runs one
 * organisation sweep per scope from a fresh bundled child process, and compares the calls with
 * the minimum and the wall time with the floor. `log` hears progress.
 */
export async function runOrgBench(plan: OrgPlan, log: (line: string) => void = () => {}): Promise<OrgCase[]> {
  const regions = REGIONS.slice(0, plan.regions);
  const workdir = await mkdtemp(join(tmpdir(), 'snapshot-guard-bench-org-'));
  const local = await startLocalAws({
    port: 0,
    latencyMs: plan.latencyMs - plan.jitterMs,
    jitterMs: 2 * plan.jitterMs,
    eventBuses: [BUS],
    organization: { members: memberIds(plan.accounts) },
  });
  try {
    log('bundling the organisation bench child');
    const { paths } = await bundle({ 'org-child': 'bench/org-child.ts' }, join(workdir, 'children'));
    const cases: OrgCase[] = [];
    for (const scope of plan.scopes) {
      local.reset();
      log(
        `seeding ${plan.accounts} accounts × ${regions.length} regions × ${plan.snapshotsPerRegion.toLocaleString('en-US')} snapshots`,
      );
      const seeded = seed(local, plan, regions);
      local.resetCalls();
      log(`organisation sweep, safetyScope: ${scope}, maxConcurrency ${plan.maxConcurrency}`);
      const measure = await runChild(
        paths['org-child'] as string,
        { regions, homeRegion: HOME_REGION, policy: orgPolicy(regions, plan, scope) },
        OrgMeasureSchema,
        {
          AWS_ENDPOINT_URL: local.endpoint,
          AWS_REGION: HOME_REGION,
          ...LOCAL_CREDENTIALS,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        ['--expose-gc', '--max-old-space-size=2048'],
      );
      const actual = byAction(local.calls());
      const minimum = orgMinimumCalls(seeded, plan.accounts, scope, eventsByPublisher(local), actual);
      const floorMs = orgFloorMs(plan.latencyMs, plan, minimum, plan.accounts);
      cases.push({
        scope,
        accounts: plan.accounts,
        regions: regions.length,
        snapshots: seeded.reduce((n, s) => n + s.snapshots, 0),
        maxConcurrency: plan.maxConcurrency,
        calls: compareCalls(actual, minimum),
        wall: { ms: measure.wallMs, floorMs, ratio: floorMs > 0 ? measure.wallMs / floorMs : null },
        cpuMs: measure.cpuMs,
        memory: measure.memory,
        summary: measure.summary,
      });
    }
    return cases;
  } finally {
    await local.stop();
    await rm(workdir, { recursive: true, force: true });
  }
}

const ACTIONS = [
  'ListAccounts',
  'AssumeRole',
  'GetCallerIdentity',
  'DescribeClusterSnapshots',
  'ListSnapshots',
  'RevokeSnapshotAccess',
  'PutEvents',
];

/** The organisation bench's table: calls against the minimum, wall against the floor, memory. */
export function renderOrgTable(cases: readonly OrgCase[]): string {
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const lines = ['Organisation sweep (in-process path)', ''];
  for (const c of cases) {
    lines.push(
      `  safetyScope ${c.scope}: ${c.accounts} accounts × ${c.regions} regions, ${int(c.snapshots)} snapshots, maxConcurrency ${c.maxConcurrency}`,
    );
    for (const a of ACTIONS) {
      const f = c.calls.byAction[a];
      if (f)
        lines.push(
          `    ${a.padEnd(26)} ${int(f.actual).padStart(8)} / ${int(f.minimum).padStart(8)}  ${f.ratio.toFixed(2)}`,
        );
    }
    lines.push(
      `    ${'total'.padEnd(26)} ${int(c.calls.total.actual).padStart(8)} / ${int(c.calls.total.minimum).padStart(8)}  ${c.calls.total.ratio.toFixed(2)}`,
      `    wall ${(c.wall.ms / 1000).toFixed(2)} s, floor ${(c.wall.floorMs / 1000).toFixed(2)} s, ratio ${c.wall.ratio === null ? '-' : c.wall.ratio.toFixed(2)}; CPU ${(c.cpuMs / 1000).toFixed(2)} s; peak RSS ${c.memory.peakRssMb.toFixed(0)} MB, peak heap ${c.memory.peakHeapMb.toFixed(0)} MB`,
      `    swept ${c.summary.swept}/${c.summary.accountRegions} account-regions (${c.summary.held} held for the run's limits), ${int(c.summary.revocationsApplied)} revocations, ${c.summary.failures} failures, ${c.summary.compliant ? 'compliant' : 'NOT compliant'}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
