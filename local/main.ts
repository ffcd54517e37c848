import { parseArgs } from 'node:util';
import { z } from 'zod';
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
  --event-bus <name>      An event bus that exists everywhere (repeatable).
  --reject-unknown-bus    Fail PutEvents entries for missing buses instead of dropping them.
  -h, --help              Show this help.
`;

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
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

const options: LocalAwsOptions = {
  port: flags.port,
  host: flags.host,
  seedRegion: flags.region,
  accounts: flags.accounts,
  eventBuses: flags['event-bus'],
  unknownEventBus: flags['reject-unknown-bus'] ? 'reject' : 'accept',
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
const counts = aws.store.counts();
console.log(`Local AWS (Redshift, EventBridge, STS) listening on ${aws.endpoint}

Point the AWS SDK at it:
  export AWS_ENDPOINT_URL=${aws.endpoint}
  export AWS_REGION=${flags.region}
  export AWS_ACCESS_KEY_ID=AKIDLOCAL
  export AWS_SECRET_ACCESS_KEY=local

State: ${counts.snapshots} snapshots, ${counts.clusters} clusters${flags.seed === undefined ? '' : ` (seed ${flags.seed})`}
Rate limits: ${options.rateLimit === false ? 'off' : `${flags['rate-limit'] ?? 12} requests a second, bursts of ${flags.burst ?? 300}, per account, region and action`}
Inspect: ${aws.endpoint}/_local/calls  ${aws.endpoint}/_local/events  ${aws.endpoint}/_local/state
Stop with Ctrl+C.`);

const shutdown = () => {
  aws.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
