import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type SecurityHubClientConfig,
} from '@aws-sdk/client-securityhub';
import {
  type AsffFinding,
  archived,
  GENERATOR_PREFIX,
  partitionOf,
  productArn,
  toAsff,
} from '../engine/asff.ts';
import type { FindingsBatch, FindingsOutcome, FindingsPort } from '../engine/ports.ts';

/** BatchImportFindings and BatchUpdateFindings take at most 100 findings; GetFindings returns at most 100. */
export const FINDINGS_PER_CALL = 100;

/**
 * The IAM actions sending findings needs (only when the policy sets `events.securityHub: true`):
 * import, read what is still open, and set the workflow of what was resolved.
 */
export const SECURITY_HUB_IAM_ACTIONS: readonly string[] = [
  'securityhub:BatchImportFindings',
  'securityhub:GetFindings',
  'securityhub:BatchUpdateFindings',
];

/** A Security Hub client with the run's retry and time-out settings (see `createClients`). */
export function createSecurityHubClient(config: SecurityHubClientConfig): SecurityHubClient {
  return new SecurityHubClient(config);
}

/** ResourceId values per GetFindings call when an event run asks about its own snapshots. */
const RESOURCES_PER_QUERY = 20;

export type SecurityHubOptions = {
  /** Extra tries for findings a batch call reports as failed (the SDK already retries whole-call errors). */
  entryRetries?: number;
  /** Base delay between those tries, doubled each time. */
  backoffMs?: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const reasonOf = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Sends items in calls of at most 100; items a call reports as failed (or every item of a call
 * that failed as a whole) are tried again on their own with backoff, and what still fails is
 * returned with its reason.
 */
async function inBatches<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  send: (batch: T[]) => Promise<Map<string, string>>,
  options: SecurityHubOptions,
): Promise<{ done: T[]; failed: { id: string; reason: string }[] }> {
  const done: T[] = [];
  const failed: { id: string; reason: string }[] = [];
  const retries = options.entryRetries ?? 3;
  for (const batch of chunks(items, FINDINGS_PER_CALL)) {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let reasons: Map<string, string>;
      try {
        reasons = await send(pending);
      } catch (error) {
        reasons = new Map(pending.map((item) => [idOf(item), reasonOf(error)]));
      }
      const next: T[] = [];
      for (const item of pending) {
        const reason = reasons.get(idOf(item));
        if (reason === undefined) done.push(item);
        else if (attempt < retries) next.push(item);
        else failed.push({ id: idOf(item), reason });
      }
      pending = next;
      if (pending.length > 0) await sleep((options.backoffMs ?? 100) * 2 ** attempt);
    }
  }
  return { done, failed };
}

/** The product's ACTIVE findings in one region, narrowed to some snapshots when given. */
async function openInSecurityHub(
  client: SecurityHubClient,
  product: string,
  snapshots: readonly string[] | undefined,
): Promise<AsffFinding[]> {
  const base: AwsSecurityFindingFilters = {
    ProductArn: [{ Value: product, Comparison: 'EQUALS' }],
    GeneratorId: [{ Value: GENERATOR_PREFIX, Comparison: 'PREFIX' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  };
  // EQUALS filters on one field are ORed: one query covers several snapshots.
  const queries =
    snapshots === undefined
      ? [base]
      : chunks(snapshots, RESOURCES_PER_QUERY).map((arns) => ({
          ...base,
          ResourceId: arns.map((arn) => ({ Value: arn, Comparison: 'EQUALS' as const })),
        }));
  const found: AsffFinding[] = [];
  for (const Filters of queries) {
    let NextToken: string | undefined;
    do {
      const out = await client.send(
        new GetFindingsCommand({ Filters, MaxResults: FINDINGS_PER_CALL, NextToken }),
      );
      found.push(...((out.Findings ?? []) as unknown as AsffFinding[]));
      NextToken = out.NextToken || undefined;
    } while (NextToken);
  }
  return found;
}

type RegionWork = {
  region: string;
  open: FindingsBatch['open'];
  /** undefined: the whole region may be closed; a list: only these snapshots; null: nothing may be closed. */
  closable: string[] | undefined | null;
};

function regionWork(batch: FindingsBatch): RegionWork[] {
  const work = new Map<string, RegionWork>();
  const at = (region: string) => {
    let w = work.get(region);
    if (!w) {
      w = { region, open: [], closable: null };
      work.set(region, w);
    }
    return w;
  };
  for (const f of batch.open) at(f.snapshot.region).open.push(f);
  if ('regions' in batch.scope) {
    for (const region of batch.scope.regions) at(region).closable = undefined;
  } else {
    for (const { arn, region } of batch.scope.snapshots) {
      const w = at(region);
      w.closable = [...(w.closable ?? []), arn];
    }
  }
  return [...work.values()];
}

/**
 * Security Hub as the engine's findings port. Per region the run touched: one GetFindings page
 * per 100 findings still open from earlier runs (to keep their CreatedAt and to learn what is
 * resolved), one BatchImportFindings per 100 findings (open ones ACTIVE and FAILED, resolved ones
 * ARCHIVED and PASSED), and, only when something was resolved, one BatchUpdateFindings per 100 to
 * set Workflow.Status to RESOLVED (BatchImportFindings cannot change a finding's workflow).
 * Findings are sent to the Security Hub of their snapshot's region.
 *
 * @example
 * const findings = securityHubPort((region) => clients.securityHub(region));
 * await findings({ open, scope: { regions: ['us-east-1'] }, context, notes: [] }); // { imported, archived, ... }
 */
export function securityHubPort(
  clientFor: (region: string) => SecurityHubClient | Promise<SecurityHubClient>,
  options: SecurityHubOptions = {},
): FindingsPort {
  return async (batch) => {
    const outcome: FindingsOutcome = {
      imported: 0,
      archived: 0,
      resolved: 0,
      failed: [],
      notes: [...batch.notes],
    };
    const { context } = batch;
    for (const work of regionWork(batch)) {
      const client = await clientFor(work.region);
      const partition = partitionOf(work.region);
      const product = productArn(partition, work.region, context.account);
      let previous: AsffFinding[] = [];
      if (work.closable !== null || work.open.length > 0) {
        try {
          previous = await openInSecurityHub(client, product, work.closable ?? undefined);
        } catch (error) {
          outcome.notes.push(
            `${work.region}: open findings could not be read (${reasonOf(error)}): nothing archived there this run`,
          );
          work.closable = null;
        }
      }
      const createdAt = new Map(previous.map((f) => [f.Id, f.CreatedAt]));
      const current = work.open.map((f) => toAsff(f, { ...context, createdAt: (id) => createdAt.get(id) }));
      const stillOpen = new Set(current.map((f) => f.Id));
      const resolved = work.closable === null ? [] : previous.filter((f) => !stillOpen.has(f.Id));
      const toArchive = resolved.map((f) => archived(f, context.now));
      const imported = await inBatches(
        [...current, ...toArchive],
        (f) => f.Id,
        async (findings) => {
          const out = await client.send(
            new BatchImportFindingsCommand({ Findings: findings as unknown as AwsSecurityFinding[] }),
          );
          return new Map(
            (out.FailedFindings ?? []).map((f) => [f.Id ?? '', `${f.ErrorCode}: ${f.ErrorMessage}`]),
          );
        },
        options,
      );
      outcome.failed.push(...imported.failed);
      const archivedIds = new Set(imported.done.filter((f) => f.RecordState === 'ARCHIVED').map((f) => f.Id));
      outcome.imported += imported.done.length - archivedIds.size;
      outcome.archived += archivedIds.size;
      // A finding someone suppressed stays suppressed; NEW and NOTIFIED ones are resolved.
      const workflow = (f: AsffFinding) =>
        (f as { Workflow?: { Status?: string } }).Workflow?.Status ?? 'NEW';
      const toResolve = resolved.filter(
        (f) => archivedIds.has(f.Id) && workflow(f) !== 'SUPPRESSED' && workflow(f) !== 'RESOLVED',
      );
      const updated = await inBatches(
        toResolve,
        (f) => f.Id,
        async (findings) => {
          const out = await client.send(
            new BatchUpdateFindingsCommand({
              FindingIdentifiers: findings.map((f) => ({ Id: f.Id, ProductArn: f.ProductArn })),
              Workflow: { Status: 'RESOLVED' },
              Note: {
                Text: `Resolved: found fixed by run ${context.runId}`,
                UpdatedBy: 'redshift-snapshot-guard',
              },
            }),
          );
          return new Map(
            (out.UnprocessedFindings ?? []).map((u) => [
              u.FindingIdentifier?.Id ?? '',
              `${u.ErrorCode}: ${u.ErrorMessage}`,
            ]),
          );
        },
        options,
      );
      outcome.resolved += updated.done.length;
      outcome.failed.push(
        ...updated.failed.map((f) => ({ ...f, reason: `workflow not set to RESOLVED: ${f.reason}` })),
      );
    }
    return outcome;
  };
}
