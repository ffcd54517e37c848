import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { z } from 'zod';
import { createClients } from '../aws/clients.ts';
import { jsonReport, type ReportSource, renderReport } from '../engine/report.ts';
import { PolicyError } from '../errors.ts';
import { runSnapshotEvent, type SnapshotEventResult } from '../event-runtime.ts';
import { type CloudTrailEvent, CloudTrailEventSchema } from '../events/cloudtrail.ts';
import { describeIssue } from '../middleware/stack.ts';
import { type LoadedPolicy, lineOf, loadPolicy } from '../policy/load.ts';
import { runtimeFor } from '../runtime.ts';
import type { CliIo } from './io.ts';
import { EXIT } from './sweep.ts';

const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;

export const HandleEventFlagsSchema = z.strictObject({
  policy: z.string().min(1),
  region: z.array(z.string().regex(REGION, { error: 'is not an AWS region name' })).default([]),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

/** The saved event, parsed as the Lambda's middleware would; a message naming the field when not. */
async function readEvent(file: string): Promise<CloudTrailEvent | string> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return `${file}: ${(error as Error).message}`;
  }
  const parsed = CloudTrailEventSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { path, message } = describeIssue(parsed.error);
  return `${file}: ${path}: ${message}`;
}

/** The sweep's table or JSON document, headed by the event and what was left alone. */
function print(result: SnapshotEventResult, source: ReportSource, json: boolean, io: CliIo): void {
  const { eventId, eventName, gone, ignored, report } = result;
  if (json) {
    io.stdout(
      `${JSON.stringify({ eventId, eventName, gone, ignored, ...jsonReport(report, source) }, null, 2)}\n`,
    );
    return;
  }
  io.stdout(`Event ${eventName} ${eventId}\n`);
  if (ignored) io.stdout(`  ignored: ${ignored}\n`);
  if (gone.length > 0) io.stdout(`  gone (deleted meanwhile): ${gone.join(', ')}\n`);
  io.stdout(renderReport(report, source));
}

/**
 * `snapshot-guard handle-event <file>`: runs the real-time path on a saved EventBridge event,
 * against the standard credential chain and `AWS_ENDPOINT_URL*`. Exit 0 compliant or ignored,
 * 1 violations or failures remain, 2 bad input (no AWS call made).
 *
 * @example
 * const code = await handleEventCli('events/authorize.json', { policy: 'policies/default.yml' }, processIo);
 */
export async function handleEventCli(file: string, flags: unknown, io: CliIo): Promise<number> {
  const parsed = HandleEventFlagsSchema.safeParse(flags);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      io.stderr(`error: --${issue.path.join('.')}: ${issue.message}\n`);
    }
    return EXIT.badInput;
  }
  const opts = parsed.data;
  const event = await readEvent(file);
  if (typeof event === 'string') {
    io.stderr(`error: ${event}\n`);
    return EXIT.badInput;
  }
  let loaded: LoadedPolicy;
  try {
    loaded = await loadPolicy(opts.policy);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    io.stderr(`${error.message}\n`);
    return EXIT.badInput;
  }
  for (const w of loaded.warnings) {
    io.stderr(`warning: ${w.file}:${w.line}:${w.col} ${w.path}: ${w.message}\n`);
  }
  const env = io.env ?? process.env;
  const homeRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? event.detail.awsRegion;
  const regions = opts.region.length > 0 ? opts.region : undefined;
  try {
    const rt = runtimeFor(loaded, createClients({ homeRegion }));
    const result = await runSnapshotEvent(rt, event, { dryRun: opts.dryRun, regions });
    const source = {
      policyFile: loaded.file,
      policySha256: loaded.sha256,
      regions: [event.detail.awsRegion],
      locate: (p: string) => lineOf(loaded, p),
    };
    print(result, source, opts.json, io);
    return result.report.compliant ? EXIT.compliant : EXIT.notCompliant;
  } catch (error) {
    // Only the caller-identity lookup can throw here (no credentials, no network); nothing was changed.
    io.stderr(`error: ${(error as Error).name}: ${(error as Error).message}\n`);
    return EXIT.notCompliant;
  }
}

export function handleEventCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('handle-event')
    .description('handle one saved EventBridge (CloudTrail) event for a snapshot change, as the Lambda would')
    .argument('<file>', 'the event as JSON, e.g. copied from the EventBridge console or a test fixture')
    .requiredOption('--policy <file>', 'policy file to enforce')
    .option(
      '--region <region>',
      "region in scope; repeat for several (default: the policy's regions)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--dry-run', 'plan and report, change nothing (mode: audit in the policy does the same)')
    .option('--json', 'print one JSON report (event, run id, policy sha256, findings, actions, events)')
    .action(async (file: string, flags) => setExit(await handleEventCli(file, flags, io)));
}
