import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { createClients } from '../aws/clients.ts';
import { callerAccount } from '../aws/inventory.ts';
import { inventoryPort } from '../aws/sweep-ports.ts';
import { CHANGE_KINDS, type Change, type ChangeKind, ChangeSchema, diffPolicies } from '../engine/diff.ts';
import { collectInventory } from '../inventory/collect.ts';
import { fromInventorySnapshot, type InventoryDocument } from '../inventory/document.ts';
import { readInventory } from '../inventory/read.ts';
import { type LoadedPolicy, lineOf } from '../policy/load.ts';
import type { CliIo } from './io.ts';
import { chooseRegions } from './region.ts';
import { loadPolicyFor, parseCommandFlags, RunFlagsSchema } from './run-flags.ts';

/** Exit codes: 0 nothing changes, 1 something changes, 2 bad input or a fleet read only in part. */
export const DIFF_EXIT = { unchanged: 0, changed: 1, badInput: 2 } as const;

/** Where the project's deployment reads its policy when no `--param="policy=..."` is given. */
export const DEPLOYED_POLICY_FALLBACK = 'policies/default.yml';

const DiffFlagsSchema = z.strictObject({
  policy: z.string().min(1),
  baseline: z.string().min(1).optional(),
  inventory: z.string().min(1).optional(),
  region: RunFlagsSchema.shape.region,
  json: z.boolean().default(false),
});

const PolicyRefSchema = z.object({
  path: z.string(),
  sha256: z.string(),
  mode: z.enum(['audit', 'enforce']),
});
const PlannedSchema = z.object({
  revocations: z.number(),
  deletions: z.number(),
  withinSafetyLimits: z.boolean(),
  reasons: z.array(z.string()),
});

/** `diff --json`: a documented contract (README, "snapshot-guard diff"); tests parse every output with it. */
export const DiffDocumentSchema = z.object({
  schemaVersion: z.literal(1),
  before: PolicyRefSchema,
  after: PolicyRefSchema,
  fleet: z.object({
    source: z.enum(['live', 'inventory']),
    file: z.string().optional(),
    account: z.string(),
    regions: z.array(z.string()),
    /** The clock both policies were judged at: the inventory's read time, or now for a live read. */
    evaluatedAt: z.string(),
    snapshots: z.number(),
    errors: z.array(z.object({ region: z.string(), identifier: z.string().optional(), reason: z.string() })),
  }),
  summary: z.object({
    changes: z.record(z.enum(CHANGE_KINDS), z.number()),
    total: z.number(),
    planned: z.object({ before: PlannedSchema, after: PlannedSchema }),
  }),
  changes: z.array(ChangeSchema),
});
export type DiffDocument = z.infer<typeof DiffDocumentSchema>;

/**
 * The policy file the project deploys: `params.default.policy` in `serverless.yml` in the current
 * directory (what serverless/policy.cjs packages), else policies/default.yml.
 *
 * @example
 * await deployedPolicyPath(); // 'policies/default.yml'
 */
export async function deployedPolicyPath(dir = '.'): Promise<string> {
  try {
    const doc = parseDocument(await readFile(`${dir}/serverless.yml`, 'utf8'));
    const value = doc.getIn(['params', 'default', 'policy']);
    return typeof value === 'string' && value !== '' ? value : DEPLOYED_POLICY_FALLBACK;
  } catch {
    return DEPLOYED_POLICY_FALLBACK;
  }
}

const LABELS: Record<ChangeKind, string> = {
  'revoke-added': '+ revoke ',
  'revoke-removed': '- revoke ',
  'delete-added': '+ delete ',
  'delete-removed': '- delete ',
  'finding-added': '+ finding',
  'finding-removed': '- finding',
};

const SUMMARY: Record<ChangeKind, string> = {
  'revoke-added': 'grants newly revoked',
  'revoke-removed': 'grants no longer revoked',
  'delete-added': 'snapshots newly deleted',
  'delete-removed': 'snapshots no longer deleted',
  'finding-added': 'findings that appear',
  'finding-removed': 'findings that disappear',
};

function side(s: Change['before']): string {
  return `${s.action} by ${s.rule}${s.line === undefined ? '' : ` (line ${s.line})`}`;
}

function planned(p: DiffDocument['summary']['planned']['before']): string {
  const limits = p.withinSafetyLimits
    ? 'within safety limits'
    : `EXCEEDS SAFETY LIMITS: ${p.reasons.join('; ')}`;
  return `${p.revocations} revocations, ${p.deletions} deletions (${limits})`;
}

/**
 * The diff as lines a person reads: both policies and the fleet, each changed snapshot with its
 * changes (old side, then new side, each with rule and line), and a summary.
 *
 * @example
 * process.stdout.write(renderDiff(doc));
 */
export function renderDiff(doc: DiffDocument): string {
  const ref = (p: DiffDocument['before']) => `${p.path} (sha256 ${p.sha256.slice(0, 12)}, mode ${p.mode})`;
  const f = doc.fleet;
  const from = f.source === 'live' ? 'live read' : `inventory ${f.file}`;
  const out = [
    `Policy diff  ${ref(doc.before)}  ->  ${ref(doc.after)}`,
    `Fleet        ${from}: account ${f.account}, ${f.regions.join(', ')}, ${f.snapshots} snapshots, judged at ${f.evaluatedAt}`,
  ];
  for (const e of f.errors) {
    out.push(`  NOT READ   ${e.region}${e.identifier ? ` ${e.identifier}` : ''}: ${e.reason}`);
  }
  out.push('');
  if (doc.changes.length === 0) out.push('No changes: both policies would do the same to every snapshot.');
  else out.push(`Changes (${doc.changes.length})`);
  let current = '';
  for (const c of doc.changes) {
    const head = `${c.snapshot.region} ${c.snapshot.arn}`;
    if (head !== current) {
      current = head;
      out.push(`  ${c.snapshot.id}  (${c.snapshot.region}, ${c.snapshot.arn})`);
    }
    const what = c.grantee ?? c.finding ?? 'snapshot';
    out.push(`    ${LABELS[c.kind]} ${what.padEnd(24)} was ${side(c.before)}; now ${side(c.after)}`);
  }
  out.push('', 'Summary');
  for (const kind of CHANGE_KINDS) out.push(`  ${SUMMARY[kind].padEnd(28)} ${doc.summary.changes[kind]}`);
  out.push(`  planned by ${doc.before.path}: ${planned(doc.summary.planned.before)}`);
  out.push(`  planned by ${doc.after.path}: ${planned(doc.summary.planned.after)}`);
  return `${out.join('\n')}\n`;
}

type Fleet = { doc: InventoryDocument; source: 'live' | 'inventory'; file?: string };

/** The fleet from a saved inventory (validated), or read live: a message when it cannot be had. */
async function fleetFor(
  opts: z.output<typeof DiffFlagsSchema>,
  policies: LoadedPolicy[],
  io: CliIo,
): Promise<Fleet | string> {
  if (opts.inventory !== undefined) {
    const read = await readInventory(opts.inventory);
    if (!read.ok) return read.message;
    const doc = read.value;
    if (opts.region.length === 0) return { doc, source: 'inventory', file: opts.inventory };
    const regions = doc.regions.filter((r) => opts.region.includes(r));
    const snapshots = doc.snapshots.filter((s) => opts.region.includes(s.region));
    const errors = doc.errors.filter((e) => opts.region.includes(e.region));
    return { doc: { ...doc, regions, snapshots, errors }, source: 'inventory', file: opts.inventory };
  }
  const policyRegions = [...new Set(policies.flatMap((p) => p.policy.regions ?? []))];
  const choice = await chooseRegions(
    opts.region,
    policyRegions.length > 0 ? policyRegions : undefined,
    io.env,
  );
  if ('error' in choice) return choice.error;
  const regions = choice.regions;
  const clients = createClients({ homeRegion: choice.home });
  try {
    const account = await callerAccount(clients.sts);
    // Serverless tags are read for every owned snapshot: either policy may match on them.
    const port = inventoryPort(clients, { tags: { owner: account } });
    return { doc: await collectInventory(port, { account, regions, now: new Date() }), source: 'live' };
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/**
 * `snapshot-guard diff --policy NEW.yml`: what deploying NEW instead of the baseline would change
 * on the same fleet, read live (only the reads a sweep makes: no call that changes anything) or
 * from a saved inventory.
 *
 * @example
 * await diffCli({ policy: 'new.yml', inventory: 'fleet.json', json: true }, io); // 1 when something changes
 */
export async function diffCli(flags: unknown, io: CliIo): Promise<number> {
  const opts = parseCommandFlags(DiffFlagsSchema, flags, io);
  if (!opts) return DIFF_EXIT.badInput;
  const after = await loadPolicyFor(opts.policy, io);
  const before = await loadPolicyFor(opts.baseline ?? (await deployedPolicyPath()), io);
  if (!after || !before) return DIFF_EXIT.badInput;
  const fleet = await fleetFor(opts, [before, after], io);
  if (typeof fleet === 'string') {
    io.stderr(`error: ${fleet}\n`);
    return DIFF_EXIT.badInput;
  }
  const { doc } = fleet;
  const sideOf = (loaded: LoadedPolicy) => ({
    policy: loaded.policy,
    locate: (p: string) => lineOf(loaded, p),
  });
  const { changes, totals } = diffPolicies(
    doc.snapshots.map(fromInventorySnapshot),
    sideOf(before),
    sideOf(after),
    {
      account: doc.account,
      now: new Date(doc.generatedAt),
    },
  );
  const ref = (loaded: LoadedPolicy) => ({
    path: loaded.file,
    sha256: loaded.sha256,
    mode: loaded.policy.mode,
  });
  const result: DiffDocument = {
    schemaVersion: 1,
    before: ref(before),
    after: ref(after),
    fleet: {
      source: fleet.source,
      ...(fleet.file === undefined ? {} : { file: fleet.file }),
      account: doc.account,
      regions: doc.regions,
      evaluatedAt: doc.generatedAt,
      snapshots: doc.snapshots.length,
      errors: doc.errors,
    },
    summary: { changes: totals.changes, total: changes.length, planned: totals.planned },
    changes,
  };
  io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderDiff(result));
  if (doc.errors.length > 0) {
    io.stderr('error: the fleet was read only in part; the diff covers what was read\n');
    return DIFF_EXIT.badInput;
  }
  return changes.length === 0 ? DIFF_EXIT.unchanged : DIFF_EXIT.changed;
}
