import { parseArgs } from 'node:util';
import * as z from 'zod';
import { EventsSchema } from '../functions/policy/schema.ts';
import { PROFILES } from './profiles.ts';
import { type LocalAwsOptions, startLocalAws } from './server.ts';

const USAGE = `Usage: npm run local -- [options]

  --port <n>              Port to listen on (0 = any free port). Default 4566.
  --host <addr>           Address to bind. Default 127.0.0.1.
  --seed <demo|N>         Preload the demo fleet, or N generated snapshots.
  --region <name>         Region to seed into. Default us-east-1.
  --latency-ms <n>        Delay added to every call.
  --jitter-ms <n>         Extra random delay, up to n ms.
  --throttle-rate <0..1>  Fraction of calls answered with a throttling error.
  --error-rate <0..1>     Fraction of calls answered with HTTP 500/503.
  --fault-seed <n>        Seed for random fault decisions. Default 1.
  --profile <name>        Per-action latency: flat (20 ± 5 ms) or realistic (assumed
                          figures resembling AWS, see local/profiles.ts). Default none.
  --rate-limit <n|off>    Requests a second each account, region and action may make
                          (a token bucket; throttled beyond it). Default 12, an
                          assumption borrowed from Amazon RDS's documented limits.
  --burst <n>             Tokens a full bucket holds. Default 300.
  --accounts <list>       Access key to account map: AKID=123456789012,AKID2=210987654321
  --event-bus <name>      An event bus that exists everywhere (repeatable), besides
                          default and snapshot-compliance, which always exist.
  --reject-unknown-bus    Fail PutEvents entries for missing buses instead of dropping them.
  --org-accounts <list>   An AWS Organization: the caller's account (unknown keys) is the
                          management account, with these members: 111111111111,222222222222.
                          Answers ListAccounts and AssumeRole into each member's role.
  --org-accounts-without-role <list>
                          Members that do not hold the member role (AssumeRole: AccessDenied).
  --org-accounts-suspended <list>
                          Members listed as SUSPENDED.
  --member-role <name>    The member role's name. Default RedshiftSnapshotGuardMember.
  --org-external-id <id>  The member role trusts the hub only with this external id.
  -h, --help              Show this help.

Stop it with Ctrl+C, or with SIGTERM to the npm process (kill <pid>): the server
closes and the port is free again.
`;

const accountList = z
  .string()
  .regex(/^[0-9]{12}(,[0-9]{12})*$/, 'expected 12-digit account ids separated by commas')
  .transform((v) => v.split(','));

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const rate = z.coerce.number().min(0).max(1);

const flagsSchema = z.strictObject({
  port: integer(0, 65_535).default(4566),
  host: z.string().min(1).default('127.0.0.1'),
  seed: z
    .union([z.literal('demo'), z.string().regex(/^\d+$/, 'expected "demo" or a number of snapshots')])
    .optional()
    .transform((v) => (v === undefined || v === 'demo' ? v : Number(v))),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as us-east-1')
    .default('us-east-1'),
  'latency-ms': integer(0, 60_000).optional(),
  'jitter-ms': integer(0, 60_000).optional(),
  'throttle-rate': rate.optional(),
  'error-rate': rate.optional(),
  'fault-seed': z.coerce.number().int().optional(),
  profile: z.enum(Object.keys(PROFILES) as [keyof typeof PROFILES]).optional(),
  'rate-limit': z.union([z.literal('off'), z.coerce.number().positive().max(1_000_000)]).optional(),
  burst: integer(1, 1_000_000).optional(),
  accounts: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const map: Record<string, string> = {};
      for (const pair of (value ?? '').split(',').filter(Boolean)) {
        const [key, account] = pair.split('=');
        if (!key || !account || !/^\d{12}$/.test(account)) {
          ctx.addIssue({ code: 'custom', message: `expected AKID=<12-digit account id>, got "${pair}"` });
          return z.NEVER;
        }
        map[key] = account;
      }
      return map;
    }),
  'event-bus': z.array(z.string().min(1)).default([]),
  'reject-unknown-bus': z.boolean().default(false),
  'org-accounts': accountList.optional(),
  'org-accounts-without-role': accountList.optional(),
  'org-accounts-suspended': accountList.optional(),
  'member-role': z
    .string()
    .regex(/^[A-Za-z0-9+=,.@_-]{1,64}$/, 'expected an IAM role name')
    .optional(),
  'org-external-id': z
    .string()
    .regex(/^[A-Za-z0-9+=,.@:/_-]{2,1224}$/, 'expected 2-1224 characters an external id may hold')
    .optional(),
  help: z.boolean().default(false),
});

function fail(message: string): never {
  console.error(`local: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function readFlags(): z.output<typeof flagsSchema> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        region: { type: 'string' },
        'latency-ms': { type: 'string' },
        'jitter-ms': { type: 'string' },
        'throttle-rate': { type: 'string' },
        'error-rate': { type: 'string' },
        'fault-seed': { type: 'string' },
        profile: { type: 'string' },
        'rate-limit': { type: 'string' },
        burst: { type: 'string' },
        accounts: { type: 'string' },
        'event-bus': { type: 'string', multiple: true },
        'reject-unknown-bus': { type: 'boolean' },
        'org-accounts': { type: 'string' },
        'org-accounts-without-role': { type: 'string' },
        'org-accounts-suspended': { type: 'string' },
        'member-role': { type: 'string' },
        'org-external-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) fail(z.prettifyError(parsed.error));
  return parsed.data;
}

const flags = readFlags();
const orgOnly = [
  'org-accounts-without-role',
  'org-accounts-suspended',
  'member-role',
  'org-external-id',
] as const;
const stray = orgOnly.find((f) => flags[f] !== undefined);
if (stray && !flags['org-accounts']) fail(`--${stray} needs --org-accounts`);
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

// A policy's default bus exists from the start, as after `serverless deploy`: without it every
// compliance event would be accepted and dropped, as AWS does for a bus that does not exist.
const COMPLIANCE_BUS = EventsSchema.parse({}).busName;

const options: LocalAwsOptions = {
  port: flags.port,
  host: flags.host,
  seedRegion: flags.region,
  accounts: flags.accounts,
  eventBuses: [...new Set([COMPLIANCE_BUS, ...flags['event-bus']])],
  unknownEventBus: flags['reject-unknown-bus'] ? 'reject' : 'accept',
  ...(flags['org-accounts']
    ? {
        organization: {
          members: flags['org-accounts'],
          withoutRole: flags['org-accounts-without-role'] ?? [],
          suspended: flags['org-accounts-suspended'] ?? [],
          ...(flags['member-role'] ? { roleName: flags['member-role'] } : {}),
          ...(flags['org-external-id'] ? { externalId: flags['org-external-id'] } : {}),
        },
      }
    : {}),
  ...(flags.seed === undefined ? {} : { seed: flags.seed }),
  ...(flags['latency-ms'] === undefined ? {} : { latencyMs: flags['latency-ms'] }),
  ...(flags['jitter-ms'] === undefined ? {} : { jitterMs: flags['jitter-ms'] }),
  ...(flags['throttle-rate'] === undefined ? {} : { throttleRate: flags['throttle-rate'] }),
  ...(flags['error-rate'] === undefined ? {} : { errorRate: flags['error-rate'] }),
  ...(flags['fault-seed'] === undefined ? {} : { faultSeed: flags['fault-seed'] }),
  ...(flags.profile === undefined ? {} : { latencyProfile: PROFILES[flags.profile] }),
  rateLimit:
    flags['rate-limit'] === 'off'
      ? false
      : {
          ...(flags['rate-limit'] === undefined ? {} : { rate: flags['rate-limit'] }),
          ...(flags.burst === undefined ? {} : { burst: flags.burst }),
        },
};

const aws = await startLocalAws(options).catch((error: NodeJS.ErrnoException) =>
  fail(error.code === 'EADDRINUSE' ? `port ${flags.port} is already in use` : error.message),
);

let stopping = false;
const shutdown = (signal: NodeJS.Signals) => {
  // A second signal while closing means "now".
  if (stopping) process.exit(1);
  stopping = true;
  aws.stop().then(
    () => {
      console.log(`Stopped (${signal}); ${aws.endpoint} is free.`);
      process.exit(0);
    },
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const provisioned = aws.store.counts();
const serverless = aws.serverless.counts();
const state =
  flags.seed === undefined
    ? 'State: empty (seed it with --seed demo or --seed <n>, or POST /_local/seed)'
    : `Seed ${flags.seed}: ${plural(provisioned.snapshots + serverless.snapshots, 'snapshot')} in ${flags.region} ` +
      `(${provisioned.snapshots} provisioned in ${plural(provisioned.clusters, 'cluster')},\n` +
      `  ${serverless.snapshots} Redshift Serverless in ${plural(serverless.namespaces, 'namespace')})`;
/** A list after `head`, comma-separated, wrapped to lines of at most 80 columns. */
const wrapped = (head: string, words: string[]) => {
  const lines = [head];
  for (const [i, word] of words.entries()) {
    const piece = i < words.length - 1 ? `${word},` : word;
    const line = lines.pop() ?? '';
    if (line.length + 1 + piece.length > 80) lines.push(line, `    ${piece}`);
    else lines.push(`${line} ${piece}`);
  }
  return lines.join('\n');
};
const org = aws.organization;
const orgLines = org
  ? [
      '',
      `Organization: management account ${org.management}`,
      wrapped(
        '  members:',
        org
          .list()
          .filter((a) => a.id !== org.management)
          .map((a) => `${a.id}${a.status === 'ACTIVE' ? '' : ` (${a.status})`}`),
      ),
      `  member role: ${org.roleName}`,
      ...(flags['org-accounts-without-role']?.length
        ? [wrapped('  without the role:', flags['org-accounts-without-role'])]
        : []),
      `  seed a member: POST /_local/seed {"count":100,"account":"<member id>"}`,
    ].join('\n')
  : '';
const services = org
  ? 'Redshift, Redshift Serverless, EventBridge, STS, Security Hub\nand Organizations'
  : 'Redshift, Redshift Serverless, EventBridge, STS and Security Hub';
const rateLimits =
  options.rateLimit === false
    ? 'Rate limits: off'
    : `Rate limits: ${flags['rate-limit'] ?? 12} requests a second, bursts of ${flags.burst ?? 300},\n  per account, region and action`;
// Every line fits 80 columns; the two export lines are the README's, word for word.
console.log(`Local AWS stand-in on ${aws.endpoint}
It answers ${services}.

Point the AWS SDK at it (any credentials do):
  export AWS_ENDPOINT_URL=${aws.endpoint} AWS_REGION=${flags.region}
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local

${state}
Event buses: default, ${options.eventBuses?.join(', ')}
${rateLimits}
Inspect: ${aws.endpoint}/_local/events (and /_local/calls, /_local/state)${orgLines}
Stop: Ctrl+C, or kill ${process.pid} (pid of this server)`);
