import type { ComplianceEvent } from './compliance-events.ts';
import type { Continuation } from './continuation.ts';
import type { RunContext } from './event-builders.ts';
import type { FindingsScope, OpenFinding } from './findings.ts';
import type { Action, Outcome, Snapshot } from './model.ts';
import type { TimeRange } from './windows.ts';

/**
 * Every way the engine reaches the outside world, and what each one answers. The engine declares
 * them here and nowhere else; the adapters in functions/aws implement them (`runPorts`, and
 * `sweepPorts` with the inventory), and tests fake them. A port never throws, except the
 * inventory (a region that cannot be read is reported as such): a failure comes back as a
 * result, and a result is `applied` only when AWS's answer (or a read-back) shows the change.
 */

/** A revoke, as the revoke and restore ports take it. */
export type Revoke = Extract<Action, { type: 'revoke' }>;

/** A delete, as the delete port takes it. */
export type Delete = Extract<Action, { type: 'delete' }>;

/** What one enforcement call came to, in the engine's words. */
export type CallResult = {
  outcome: Outcome;
  reason?: string;
  attempts?: number;
  /** AWS's answer shows nothing changed: a refusal of the only attempt, or the grant seen in place. */
  unchanged?: true;
};

/** One snapshot read from AWS, or why its record was refused (the run reports it and carries on). */
export type InventoryItem = { snapshot: Snapshot } | { error: Error; identifier: string };

/**
 * What is left to read of one region: the creation-time ranges of each kind of snapshot nobody
 * has read yet. Both empty: the region is read to the end.
 */
export type RegionLeft = { provisioned: TimeRange[]; serverless: TimeRange[] };

/** A page of one region's inventory, with what is left to read once it is consumed. */
export type InventoryBatch = { items: InventoryItem[]; left: RegionLeft };

/**
 * Every snapshot the caller can see in `region` (or only those in the ranges `from` leaves), one
 * page (≤ 100) at a time; the last batch leaves nothing. Throws when the region cannot be read;
 * the sweep then reports the region and carries on with the others.
 */
export type InventoryPort = (region: string, from?: RegionLeft) => AsyncIterable<InventoryBatch>;

/** One page of inventory from one region, or why that region could not be read. */
export type RegionPage =
  | { region: string; items: InventoryItem[]; left?: RegionLeft }
  | { region: string; error: Error };

/** PutEvents' limit, and so the engine's batch size. */
export const EVENTS_PER_CALL = 10;

/** What publishing a batch came to: how many events were published, and each one that was not, with why. */
export type PublishResult = { published: number; failed: { event: ComplianceEvent; reason: string }[] };

/** Publishes at most EVENTS_PER_CALL events; never throws (failures come back in `failed`). */
export type PublishPort = (events: ComplianceEvent[]) => Promise<PublishResult>;

export type FindingsBatch = {
  open: OpenFinding[];
  scope: FindingsScope;
  context: RunContext;
  /** Why some regions are left out of `scope` (read in part: nothing is closed there this run). */
  notes: string[];
};

/** What sending the findings came to; failures are listed, never thrown, like PutEvents failures. */
export type FindingsOutcome = {
  /** Open findings imported (created or updated). */
  imported: number;
  /** Findings resolved since the last run, archived. */
  archived: number;
  /** Of those, how many had their workflow set to RESOLVED (a finding someone suppressed is left so). */
  resolved: number;
  failed: { id: string; reason: string }[];
  notes: string[];
};

/** Sends one run's findings; never throws. */
export type FindingsPort = (batch: FindingsBatch) => Promise<FindingsOutcome>;

/** The ports one run enforces and publishes through. */
export type RunPorts = {
  /** Takes back one account's restore access (RevokeSnapshotAccess). */
  revoke: (action: Revoke) => Promise<CallResult>;
  /** Deletes one snapshot (DeleteClusterSnapshot, or Redshift Serverless DeleteSnapshot). */
  delete: (action: Delete) => Promise<CallResult>;
  /** Gives back the grant `action` revoked (AuthorizeSnapshotAccess), after its delete failed. */
  restore: (action: Revoke) => Promise<CallResult>;
  publish: PublishPort;
  /** Sends the run's open findings (AWS Security Hub); absent unless the policy turns it on. */
  findings?: FindingsPort;
  /** Asks for a sweep's next part when it cannot read everything in its time (the sweep function only). */
  continueWith?: (next: Continuation) => Promise<ContinueResult>;
};

/** Whether asking for a sweep's next part worked. Never throws. */
export type ContinueResult = { requested: true } | { requested: false; reason: string };

/** A sweep's ports: a run's, plus the inventory it reads every region from. */
export type SweepPorts = RunPorts & { inventory: InventoryPort };
