import { type Consumed, consumePages, type Planned } from './consume.ts';
import {
  type Continuation,
  MS_PER_PLANNED_ACTION,
  MS_PER_RECORDED_ACTION,
  type SweepPart,
  sweepPart,
} from './continuation.ts';
import { enforce, type RecordResult, recordDryRun, TIME_UP } from './enforce.ts';
import {
  actionEvent,
  blastRadiusEvent,
  completedEvent,
  inventoryFailedEvent,
  type RunContext,
  violationEvent,
} from './event-builders.ts';
import { completeRegions, type FindingsScope, openFindings } from './findings.ts';
import { checkSafety, countPlanned, type SafetyStops } from './plan.ts';
import type { FindingsOutcome, PublishResult, RegionPage, RunPorts } from './ports.ts';
import { eventPublisher } from './publisher.ts';
import { type BlastRadius, countResults, type RunReport } from './run-report.ts';

export type RunOptions = RunContext & {
  /** The region run-level events (completed, blast radius) are published for. */
  homeRegion: string;
  /** Enforcement calls in flight at once. */
  concurrency?: number;
  /** PutEvents calls in flight at once. */
  publishConcurrency?: number;
  /** Time left before the host (Lambda) stops the run; checked before each page and each action. */
  remainingMs?: () => number;
  /** Time kept back for publishing and returning the report. */
  reserveMs?: number;
  /** Publish `Compliance Sweep Completed` (sweeps do; single-snapshot event runs do not). */
  emitCompleted?: boolean;
  /** Called after each page with the snapshots read so far (the CLI's progress line). */
  onProgress?: (snapshotsRead: number) => void;
  /** Where this run's open findings are the whole truth, so the findings port may close the rest. */
  findingsScope?: FindingsScope;
  /** A sweep: its regions, and for a later part what the earlier one left (engine/continuation.ts). */
  sweep?: { regions: string[]; from?: Continuation };
};

type Publisher = ReturnType<typeof eventPublisher>;

/**
 * Runs the flow after inventory, in five steps: consume the pages (judge each snapshot as its page
 * arrives and plan what its findings call for), check the whole plan against the safety limits,
 * enforce it (or record it, on a dry run), publish what the run leaves behind, and report. Events
 * are published in batches of ten while it goes.
 *
 * @example
 * const report = await runCompliance(pages, { ...context, homeRegion: 'us-east-1' }, ports);
 * report.compliant; // true when nothing is left to fix and nothing failed
 */
export async function runCompliance(
  pages: AsyncIterable<RegionPage>,
  options: RunOptions,
  ports: RunPorts,
): Promise<RunReport> {
  const reserve = options.reserveMs ?? 0;
  const timeLeft = () => options.remainingMs?.() ?? Number.POSITIVE_INFINITY;
  const outOfTime = () => timeLeft() < reserve;
  // Reading stops early enough to act on everything read: a next part of the sweep reads the rest.
  // A dry run only records what it would do, and publishes it.
  const perAction = options.dryRun ? MS_PER_RECORDED_ACTION : MS_PER_PLANNED_ACTION;
  const stopReading = (planned: number) => timeLeft() < reserve + planned * perAction;
  const publisher = eventPublisher(ports.publish, options.publishConcurrency ?? 4);
  const record = recordAndPublish(options, publisher);

  const consumed = await consumePages(pages, options, stopReading);
  const limits = checkLimits(consumed.planned, options);
  let blastRadius: BlastRadius | undefined;
  if (options.dryRun) await recordDryRun(consumed.planned, options.policy, record);
  else {
    blastRadius = limits.exceeded;
    // One event per limit exceeded: each stops its own kind of action only.
    for (const reason of blastRadius?.reasons ?? []) {
      await publisher.push(blastRadiusEvent(options, options.homeRegion, reason));
    }
    const concurrency = options.concurrency ?? 8;
    await enforce(consumed.planned, ports, { concurrency, outOfTime, stops: limits.stops }, record);
  }
  const part = await goOn(consumed, options, ports);
  const outcome = await publishOutcome(consumed, options, publisher, part);
  const securityHub = await sendFindings(consumed, options, outcome, ports);
  return {
    ...runReport(options, consumed, blastRadius, outcome, securityHub),
    ...(part ? { sweep: part } : {}),
  };
}

/**
 * For a sweep in parts: where this part stands, and, when a next part must read the rest, asks for
 * it (the sweep function's port). A request that fails leaves each region it would have continued
 * as not read in full, reported as `Inventory Failed`.
 */
async function goOn(
  consumed: Consumed,
  options: RunOptions,
  ports: RunPorts,
): Promise<SweepPart | undefined> {
  if (!options.sweep) return undefined;
  const part = sweepPart(consumed, { runId: options.runId, dryRun: options.dryRun, ...options.sweep });
  if (!part.next || !ports.continueWith) return part;
  const requested = await ports.continueWith(part.next);
  if (requested.requested) {
    // A listing the deadline cut short is the next part's to finish, not a failure to report.
    const continued = new Set(part.next.regions.map((r) => r.region));
    const kept = consumed.inventoryErrors.filter((e) => !(e.cutByTime && continued.has(e.region)));
    consumed.inventoryErrors.splice(0, consumed.inventoryErrors.length, ...kept);
  } else {
    for (const { region } of part.next.regions) {
      consumed.inventoryErrors.push({
        region,
        reason: `not read in full: asking for part ${part.next.part} of sweep ${part.sweepId} failed (${requested.reason}); the next scheduled sweep reads it again`,
      });
    }
  }
  return { ...part, requested };
}

/** Keeps each result on its snapshot's entry and publishes the event it deserves, as it comes. */
function recordAndPublish(options: RunOptions, publisher: Publisher): RecordResult {
  return async (entry, result) => {
    entry.results.push(result);
    const e = actionEvent(options, result, entry.findings);
    if (e) await publisher.push(e);
  };
}

/** The safety limits the whole plan exceeds, before anything is changed. */
function checkLimits(
  planned: Planned[],
  options: RunOptions,
): { stops: SafetyStops; exceeded?: BlastRadius } {
  const counts = countPlanned(planned.map((p) => p.action));
  // A later part of a sweep counts what the earlier parts planned: the limits are the sweep's.
  const earlier = options.sweep?.from?.planned;
  const stops = checkSafety(counts, options.policy, earlier);
  const reasons = [stops.revoke, stops.delete].filter((r): r is string => r !== undefined);
  return reasons.length > 0 ? { stops, exceeded: { ...counts, reasons } } : { stops };
}

type Outcome = { truncated: boolean; compliant: boolean; published: PublishResult };

/**
 * Publishes what outlives the run (the violations its actions did not fix, what could not be
 * read) and, for a sweep, its completion; the totals and the publishing are final after this.
 */
async function publishOutcome(
  consumed: Consumed,
  options: RunOptions,
  publisher: Publisher,
  part: SweepPart | undefined,
): Promise<Outcome> {
  // A violation event is exactly a violation that outlived the run: it also decides `compliant`.
  let violationsRemain = false;
  for (const entry of consumed.entries) {
    const e = violationEvent(options, entry.snapshot, entry.findings, entry.results);
    if (!e) continue;
    violationsRemain = true;
    await publisher.push(e);
  }
  for (const error of consumed.inventoryErrors) await publisher.push(inventoryFailedEvent(options, error));
  const { totals, entries } = consumed;
  countResults(totals, entries, consumed.inventoryErrors.length);
  const timeUp = entries.some((e) => e.results.some((r) => r.reason === TIME_UP));
  const truncated = consumed.truncated || timeUp;
  const compliant = !violationsRemain && totals.failures === 0 && !truncated;
  if (options.emitCompleted) {
    await publisher.push(completedEvent(options, options.homeRegion, totals, compliant, part));
  }
  return { truncated, compliant, published: await publisher.close() };
}

/**
 * Sends the findings the run leaves open to the findings port (Security Hub), when the policy
 * turns it on. It may close findings only where the run saw everything: regions read in full, or
 * the snapshots an event run read.
 */
async function sendFindings(
  consumed: Consumed,
  options: RunOptions,
  outcome: Outcome,
  ports: RunPorts,
): Promise<FindingsOutcome | undefined> {
  if (!ports.findings) return undefined;
  const given = options.findingsScope ?? { regions: [] };
  const open = openFindings(consumed.entries);
  if (!('regions' in given)) return ports.findings({ open, context: options, scope: given, notes: [] });
  const complete = completeRegions(given.regions, consumed.inventoryErrors, outcome.truncated);
  // A later part reads only what the earlier ones left of each region: it cannot tell a finding
  // resolved from one it did not read.
  const notes = options.sweep?.from
    ? [
        ...complete.notes,
        `part ${options.sweep.from.part} of a sweep in parts: no finding is archived by a sweep read in parts`,
      ]
    : complete.notes;
  return ports.findings({ open, context: options, scope: { regions: complete.regions }, notes });
}

function runReport(
  options: RunOptions,
  consumed: Consumed,
  blastRadius: BlastRadius | undefined,
  outcome: Outcome,
  securityHub: FindingsOutcome | undefined,
): RunReport {
  const { published } = outcome;
  return {
    runId: options.runId,
    trigger: options.trigger,
    triggerEventId: options.triggerEventId,
    account: options.account,
    mode: options.policy.mode,
    dryRun: options.dryRun,
    startedAt: options.now.toISOString(),
    totals: consumed.totals,
    snapshots: consumed.entries,
    blastRadius,
    inventoryErrors: consumed.inventoryErrors,
    truncated: outcome.truncated,
    events: {
      published: published.published,
      failed: published.failed.map((f) => ({ detailType: f.event.detailType, reason: f.reason })),
    },
    ...(securityHub ? { securityHub } : {}),
    compliant: outcome.compliant && published.failed.length === 0 && (securityHub?.failed.length ?? 0) === 0,
  };
}
