import { pathToFileURL } from 'node:url';
import { evaluate } from '../functions/engine/evaluate.ts';
import type { Snapshot } from '../functions/engine/model.ts';
import { plan } from '../functions/engine/plan.ts';
import { type Policy, PolicySchema } from '../functions/policy/schema.ts';

const OWNER = '123456789012';
const ALLOWED = ['111122223333', '444455556666', '777788889999'];
const INTRUDER = '999900001111';
const NOW = new Date('2026-11-01T12:00:00.000Z');
const DAY = 86_400_000;
const TEAMS = ['finance', 'analytics', 'crm', 'ml'];

function benchPolicy(): Policy {
  return PolicySchema.parse({
    version: 1,
    mode: 'enforce',
    sharing: {
      allowedAccounts: [ALLOWED[0], { account: ALLOWED[1], note: 'DR', expires: '2027-01-31' }],
      rules: [
        { match: { cluster: 'finance-*' }, allowedAccounts: [ALLOWED[0], ALLOWED[1]] },
        { match: { tags: { team: 'analytics', env: '*' } }, allowedAccounts: ALLOWED },
        { match: { namespace: 'ns-*' }, allowedAccounts: [ALLOWED[0], ALLOWED[1]], requireEncryption: false },
      ],
    },
    retention: {
      manual: { maxRetentionDays: 365, maxAgeDays: 400, onViolation: 'delete' },
      automated: { maxAgeDays: 35 },
    },
    exemptions: [
      { snapshot: 'legal-hold-*', reason: 'litigation hold', until: '2027-06-30', covers: ['sharing'] },
    ],
  });
}

/** A fleet shaped like a real one: mostly compliant, a few grants each, 1% with an unknown grant. */
function fleet(count: number): Snapshot[] {
  const snapshots: Snapshot[] = [];
  for (let i = 0; i < count; i++) {
    const team = TEAMS[i % TEAMS.length] as string;
    const serverless = i % 10 === 9;
    const automated = !serverless && i % 3 === 0;
    const id = automated ? `rs:${team}-prod-${i}` : `${team}-manual-${i}`;
    const grants =
      i % 4 === 0 ? [ALLOWED[0] as string] : i % 8 === 1 ? [ALLOWED[0] as string, ALLOWED[1] as string] : [];
    if (i % 100 === 0) grants.push(INTRUDER);
    snapshots.push({
      kind: serverless ? 'serverless' : 'cluster',
      id,
      arn: `arn:aws:redshift:us-east-1:${OWNER}:snapshot:${team}-prod/${id}`,
      cluster: serverless ? undefined : `${team}-prod-${i % 13}`,
      namespace: serverless ? `ns-${i % 7}` : undefined,
      type: automated ? 'automated' : 'manual',
      status: 'available',
      owner: OWNER,
      region: 'us-east-1',
      createdAt: new Date(NOW.getTime() - (i % 30) * DAY - (i % 86_400) * 1000),
      encrypted: true,
      retentionDays: automated ? undefined : 7 + (i % 29),
      grants,
      tags: { team, env: 'prod' },
    });
  }
  return snapshots;
}

function run(snapshots: readonly Snapshot[], policy: Policy): number {
  let revocations = 0;
  for (const snapshot of snapshots) {
    for (const action of plan(snapshot, evaluate(snapshot, policy, NOW), { account: OWNER })) {
      if (action.type === 'revoke') revocations++;
    }
  }
  return revocations;
}

/**
 * Times `evaluate` + `plan` over a synthetic in-memory fleet of `count` snapshots, in CPU time
 * (user + system), so a busy machine slows the wall clock but not the figure.
 *
 * @example
 * benchEngine(100_000) // { snapshots: 100000, cpuMs: 61.2, perSecond: 1633987 }
 */
export function benchEngine(count: number): { snapshots: number; cpuMs: number; perSecond: number } {
  const snapshots = fleet(count);
  // A warm-up against a separate policy object: the JIT gets to optimise the hot path, while
  // compiling the measured policy still counts, as it does once per real run.
  run(snapshots.slice(0, Math.min(count, 20_000)), benchPolicy());
  const policy = benchPolicy();
  const start = process.cpuUsage();
  const revocations = run(snapshots, policy);
  const used = process.cpuUsage(start);
  // Guards against measuring a loop that quietly stopped doing the work.
  if (count >= 100 && revocations === 0) throw new Error('the benchmark fleet produced no revocation');
  const cpuMs = (used.user + used.system) / 1000;
  return { snapshots: count, cpuMs, perSecond: Math.round(count / (cpuMs / 1000)) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 100_000);
  console.log(JSON.stringify(benchEngine(count)));
}
