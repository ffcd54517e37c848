import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { runtimeFor } from '../../functions/runtime.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import {
  ACCOUNT,
  BUS,
  CLUSTER,
  createBus,
  lambdaContext,
  POLICY,
  PRODUCT_VIEW,
  REGION,
  seedFleet,
  UNKNOWN,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * Credentials reach the functions through the environment. Whatever happens, success or failure,
 * none of it may come back out in a log line, a metric, a published event, a result or an error.
 */

const SECRET = 'SECRET-MARKER-wJalrXUtnFEMIK7MDENGbPxRfiCY';
const TOKEN = 'TOKEN-MARKER-FwoGZXIvYXdzEBYaDLy0Pq7n1Ab2';

const local = useStandIn(PRODUCT_VIEW);
let workdir: string;
const saved = { ...process.env };
let output = '';

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'secrets-'));
  Object.assign(process.env, {
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: TOKEN,
    // Everything the functions can say, said: debug logs, the incoming event, metrics.
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  // Powertools writes to process.stdout and process.stderr through its own Console.
  const capture = (chunk: unknown) => {
    output += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) =>
      capture(`${args.map(String).join(' ')}\n`),
    );
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  await rm(workdir, { recursive: true, force: true });
});

const delivery = (edit: (detail: Record<string, unknown>) => void = () => {}) => {
  const event = JSON.parse(
    readFileSync(new URL('../fixtures/events/authorize-snapshot-access.json', import.meta.url), 'utf8'),
  );
  event.detail.requestParameters = {
    snapshotIdentifier: 'nightly-007',
    snapshotClusterIdentifier: CLUSTER,
    accountWithRestoreAccess: UNKNOWN,
  };
  edit(event.detail);
  return event;
};

const SCHEDULED = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: '2026-11-01T12:00:00Z',
  region: REGION,
  resources: [],
  detail: {},
};

async function handlers(policy: string) {
  const path = join(workdir, `policy-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(path, policy);
  process.env.POLICY_PATH = path;
  vi.resetModules();
  return {
    sweep: (await import('../../functions/sweep.ts')).handler,
    snapshotEvent: (await import('../../functions/snapshot-event.ts')).handler,
  };
}

/** Everything an error carries that could end up in a log or an invocation result. */
const errorText = (error: unknown) =>
  error instanceof Error
    ? `${error.name} ${error.message} ${error.stack} ${JSON.stringify(error)}`
    : String(error);

describe('secrets in the environment', () => {
  it('appear in no log line, metric, published event, result, report or error', async () => {
    // Prepare: a fleet with a revoke AWS denies, an event entry that fails, and a region that cannot be read
    seedFleet(local);
    await createBus();
    local.faults.configure({
      rules: [
        {
          action: 'redshift.RevokeSnapshotAccess',
          params: { SnapshotIdentifier: 'nightly-014' },
          error: { code: 'AccessDenied', status: 403, rate: 1 },
        },
      ],
      putEventsFailures: { next: 1 },
    });
    const { sweep, snapshotEvent } = await handlers(POLICY);
    const results: unknown[] = [];
    const keep = (p: Promise<unknown>) =>
      p.then((r) => results.push(r)).catch((e) => results.push(errorText(e)));

    // Act: every path the handlers have, from success to refusal
    await keep(sweep(SCHEDULED as never, lambdaContext()));
    await keep(snapshotEvent(delivery(), lambdaContext()));
    await keep(
      snapshotEvent(
        delivery((d) => (d.errorCode = 'AccessDenied')),
        lambdaContext(),
      ),
    );
    await keep(
      snapshotEvent(
        delivery((d) => (d.eventSource = 's3.amazonaws.com')),
        lambdaContext(),
      ),
    );
    await keep(snapshotEvent({ detail: null } as never, lambdaContext()));
    local.faults.configure({
      rules: [{ action: 'redshift.DescribeClusterSnapshots', serverError: { forMs: 60_000 } }],
    });
    await keep(snapshotEvent(delivery(), lambdaContext()));
    await keep(
      sweep(
        SCHEDULED as never,
        lambdaContext(() => 1_000),
      ),
    );
    local.faults.clear();
    const broken = await handlers('version: 1\nmode: enforce\nsharing: { allowedAccounts: ["1"] }\n');
    await keep(broken.sweep(SCHEDULED as never, lambdaContext()));
    await keep(broken.snapshotEvent(delivery(), lambdaContext()));
    const cold = await handlers(POLICY);
    local.faults.configure({ rules: [{ action: 'sts.*', serverError: { forMs: 60_000 } }] });
    await keep(cold.sweep(SCHEDULED as never, lambdaContext()));
    local.faults.clear();
    const rt = runtimeFor(parsePolicy(POLICY, 'policy.yml'), createClients({ homeRegion: REGION }));
    const report = await runSweep(rt, { trigger: 'cli' });

    // Assess: the capture saw the functions talk, and none of it holds a secret
    expect(output).toContain('sweep finished');
    expect(output).toContain('rejected a malformed event');
    expect(output).toContain('SnapshotsChecked');
    const published = JSON.stringify(local.events(BUS));
    expect(published).toContain('AccessDenied');
    for (const text of [output, published, JSON.stringify(results), JSON.stringify(report)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
  });
});
