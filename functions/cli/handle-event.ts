import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { createClients } from '../aws/clients.ts';
import { jsonReport, type ReportSource, renderReport } from '../engine/report.ts';
import { runSnapshotEvent, type SnapshotEventResult } from '../event-runtime.ts';
import { type CloudTrailEvent, CloudTrailEventSchema } from '../events/cloudtrail.ts';
import { describeIssue } from '../middleware/stack.ts';
import { handleMemberEventOnce } from '../org/event.ts';
import { runtimeFor } from '../runtime.ts';
import type { CliIo } from './io.ts';
import {
  EXIT,
  loadPolicyFor,
  parseRunFlags,
  regionOption,
  reportRunError,
  reportSource,
} from './run-flags.ts';

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
  const opts = parseRunFlags(flags, io);
  if (!opts) return EXIT.badInput;
  const event = await readEvent(file);
  if (typeof event === 'string') {
    io.stderr(`error: ${event}\n`);
    return EXIT.badInput;
  }
  const loaded = await loadPolicyFor(opts.policy, io);
  if (!loaded) return EXIT.badInput;
  const env = io.env ?? process.env;
  const homeRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? event.detail.awsRegion;
  const regions = opts.region.length > 0 ? opts.region : undefined;
  try {
    const rt = runtimeFor(loaded, createClients({ homeRegion }));
    const request = { dryRun: opts.dryRun, regions };
    // Organisation mode: the event is a member's, handled as the hub's event function would.
    const result = loaded.policy.organization
      ? await handleMemberEventOnce(rt, event, request)
      : await runSnapshotEvent(rt, event, request);
    const source = reportSource(loaded, [event.detail.awsRegion]);
    print(result, source, opts.json, io);
    return result.report.compliant ? EXIT.compliant : EXIT.notCompliant;
  } catch (error) {
    return reportRunError(error, io);
  }
}

export function handleEventCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('handle-event')
    .description('handle one saved EventBridge (CloudTrail) event for a snapshot change, as the Lambda would')
    .argument('<file>', 'the event as JSON, e.g. copied from the EventBridge console or a test fixture')
    .requiredOption('--policy <file>', 'policy file to enforce')
    .addOption(regionOption("region in scope; repeat for several (default: the policy's regions)"))
    .option('--dry-run', 'plan and report, change nothing (mode: audit in the policy does the same)')
    .option('--json', 'print one JSON report (event, run id, policy sha256, findings, actions, events)')
    .action(async (file: string, flags) => setExit(await handleEventCli(file, flags, io)));
}
