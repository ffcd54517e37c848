import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { ORG_PLANS, type OrgPlan } from './org.ts';
import { type BenchPlan, HUGE_SWEEP, PLANS } from './plans.ts';

export const USAGE = `Usage: npm run bench -- [options]

  --quick            1,000 and 10,000 snapshots in one region, 1,000 in three (flat profile), and
                     10,000 in one region under the realistic profile (a couple of minutes)
  --huge             Also 1,000,000 snapshots in one region, realistic profile, swept as the
                     15-minute function would: in parts when one invocation is not enough
                     (half an hour or more)
  --profile <name>   Run every sweep under one latency profile: flat (each call 20 ± 5 ms) or
                     realistic (per-action latencies, assumed to resemble AWS; local/profiles.ts).
                     Default: each sweep's own, as listed above and in BENCHMARKS.md
  --out <file.json>  Also write every figure as JSON
  --latency-ms <n>   The flat profile's mean latency per call. Default 20.
  --jitter-ms <n>    How far either side of the mean a flat call may land. Default 5.
  --rate-limit <n>   The stand-in's rate limit per account, region and action, in requests a
                     second, or "off". Default 12 (with bursts of 300), an assumption borrowed
                     from Amazon RDS's documented limits.
  --burst <n>        Tokens a full bucket holds. Default 300.
  --cpu-prof <dir>   Write a CPU profile of each sweep and of the event handler into <dir>
  --org              Instead: an organisation run in-process, 100 accounts × 3 regions × 1,000
                     snapshots, with safetyScope run and account-region (several minutes)
  --org-accounts <n> With --org: this many member accounts instead of 100
  --org-snapshots <n>
                     With --org: this many snapshots per account-region instead of 1,000
  -h, --help         Show this help.
`;

const ms = z.coerce.number().int().min(0).max(10_000);

const FlagsSchema = z
  .strictObject({
    quick: z.boolean().default(false),
    huge: z.boolean().default(false),
    profile: z.enum(['flat', 'realistic']).optional(),
    out: z.string().min(1).optional(),
    'latency-ms': ms.optional(),
    'jitter-ms': ms.optional(),
    'rate-limit': z.union([z.literal('off'), z.coerce.number().positive().max(100_000)]).optional(),
    burst: z.coerce.number().int().min(1).max(1_000_000).optional(),
    'cpu-prof': z.string().min(1).optional(),
    org: z.boolean().default(false),
    'org-accounts': z.coerce.number().int().min(1).max(1000).optional(),
    'org-snapshots': z.coerce.number().int().min(0).max(100_000).optional(),
    help: z.boolean().default(false),
  })
  .refine((f) => (f['jitter-ms'] ?? 5) <= (f['latency-ms'] ?? 20), {
    error: 'the jitter cannot exceed the mean latency',
    path: ['jitter-ms'],
  })
  .refine((f) => !(f['rate-limit'] === 'off' && f.burst !== undefined), {
    error: 'a burst needs a rate limit',
    path: ['burst'],
  });

export type BenchArgs =
  | { help: true }
  | { help: false; plan: BenchPlan; out?: string }
  | { help: false; org: OrgPlan; out?: string };

/** The command line as a plan; throws an Error whose message is fit to print above the usage. */
export function readArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      huge: { type: 'boolean' },
      profile: { type: 'string' },
      out: { type: 'string' },
      'latency-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'rate-limit': { type: 'string' },
      burst: { type: 'string' },
      'cpu-prof': { type: 'string' },
      org: { type: 'boolean' },
      'org-accounts': { type: 'string' },
      'org-snapshots': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const parsed = FlagsSchema.safeParse(values);
  if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
  const flags = parsed.data;
  if (flags.help) return { help: true };
  if (flags.org) {
    const base = ORG_PLANS.full;
    const org: OrgPlan = {
      ...base,
      accounts: flags['org-accounts'] ?? base.accounts,
      snapshotsPerRegion: flags['org-snapshots'] ?? base.snapshotsPerRegion,
      latencyMs: flags['latency-ms'] ?? base.latencyMs,
      jitterMs: flags['jitter-ms'] ?? base.jitterMs,
    };
    return { help: false, org, ...(flags.out ? { out: flags.out } : {}) };
  }
  const base = flags.quick ? PLANS.quick : PLANS.full;
  const sweeps = [...base.sweeps, ...(flags.huge ? [HUGE_SWEEP] : [])];
  const limit = flags['rate-limit'];
  const plan: BenchPlan = {
    ...base,
    latencyMs: flags['latency-ms'] ?? base.latencyMs,
    jitterMs: flags['jitter-ms'] ?? base.jitterMs,
    rateLimit:
      limit === 'off'
        ? false
        : { rate: limit ?? base.rateLimit.rate, burst: flags.burst ?? base.rateLimit.burst },
    sweeps: flags.profile ? sweeps.map((s) => ({ ...s, profile: flags.profile ?? s.profile })) : sweeps,
    ...(flags['cpu-prof'] ? { cpuProfDir: resolve(flags['cpu-prof']) } : {}),
  };
  return { help: false, plan, ...(flags.out ? { out: flags.out } : {}) };
}
