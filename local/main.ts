import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EventsSchema } from '../functions/policy/schema.ts';
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
  --accounts <list>       Access key to account map: AKID=123456789012,AKID2=210987654321
  --event-bus <name>      An event bus that exists everywhere (repeatable), besides
                          default and snapshot-compliance, which always exist.
  --reject-unknown-bus    Fail PutEvents entries for missing buses instead of dropping them.
  -h, --help              Show this help.

Stop it with Ctrl+C, or with SIGTERM to the npm process (kill <pid>): the server
closes and the port is free again.
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
  ...(flags.seed === undefined ? {} : { seed: flags.seed }),
  ...(flags['latency-ms'] === undefined ? {} : { latencyMs: flags['latency-ms'] }),
  ...(flags['jitter-ms'] === undefined ? {} : { jitterMs: flags['jitter-ms'] }),
  ...(flags['throttle-rate'] === undefined ? {} : { throttleRate: flags['throttle-rate'] }),
  ...(flags['error-rate'] === undefined ? {} : { errorRate: flags['error-rate'] }),
  ...(flags['fault-seed'] === undefined ? {} : { faultSeed: flags['fault-seed'] }),
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
// Every line fits 80 columns; the two export lines are the README's, word for word.
console.log(`Local AWS stand-in on ${aws.endpoint}
It answers Redshift, Redshift Serverless, EventBridge, STS and Security Hub.

Point the AWS SDK at it (any credentials do):
  export AWS_ENDPOINT_URL=${aws.endpoint} AWS_REGION=${flags.region}
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local

${state}
Event buses: default, ${options.eventBuses?.join(', ')}
Inspect: ${aws.endpoint}/_local/events (and /_local/calls, /_local/state)
Stop: Ctrl+C, or kill ${process.pid} (pid of this server)`);
