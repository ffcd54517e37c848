import { readFile } from 'node:fs/promises';
import { createClients } from '../aws/clients.ts';
import { runSnapshotEvent, type SnapshotEventResult } from '../event-runtime.ts';
import { describeIssue } from '../input/issues.ts';
import { jsonReport } from '../report/json.ts';
import { type ReportSource, renderReport } from '../report/table.ts';
import { type TextStyle, wrap } from '../report/text.ts';
import { runtimeFor } from '../runtime.ts';
import { type CloudTrailEvent, CloudTrailEventSchema } from '../triggers/cloudtrail.ts';
import { issueInWords } from './event-words.ts';
import type { CliIo } from './io.ts';
import { nodeNotice } from './node-notice.ts';
import { chooseRegions } from './region.ts';
import { reportRunError } from './run-error.ts';
import { EXIT, loadPolicyFor, parseRunFlags, reportSource, textStyle } from './run-flags.ts';

/** The saved event, parsed as the Lambda's middleware would; a message naming the field when not. */
async function readEvent(file: string): Promise<CloudTrailEvent | string> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return `${file}: ${(error as Error).message}`;
  }
  // reportInput: the message can then say what came instead of what was expected.
  const parsed = CloudTrailEventSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const { path, message, issue } = describeIssue(parsed.error);
  return `${file}: ${path}: ${issue ? issueInWords(issue) : message}`;
}

/** The sweep's table or JSON document, headed by the event and what was left alone. */
function printEventRun(
  result: SnapshotEventResult,
  source: ReportSource,
  json: boolean,
  style: TextStyle,
  io: CliIo,
): void {
  const { eventId, eventName, gone, ignored, report } = result;
  if (json) {
    io.stdout(
      `${JSON.stringify({ eventId, eventName, gone, ignored, ...jsonReport(report, source) }, null, 2)}\n`,
    );
    return;
  }
  const lines = [
    ...wrap([{ text: 'Event', style: 'bold' }], [{ text: ` ${eventName} ${eventId}` }], 2, style),
    ...(ignored ? wrap([{ text: '  ignored: ' }], [{ text: ignored }], 4, style) : []),
    ...(gone.length > 0
      ? wrap([{ text: '  gone (deleted meanwhile): ' }], [{ text: gone.join(', ') }], 4, style)
      : []),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  io.stdout(renderReport(report, source, style));
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
  const choice = await chooseRegions(opts.region, loaded.policy.regions, io.env);
  if ('error' in choice) {
    io.stderr(`error: ${choice.error}\n`);
    return EXIT.badInput;
  }
  nodeNotice(io);
  try {
    const rt = runtimeFor(loaded, createClients({ homeRegion: choice.home }));
    // The scope is explicit even without --region or policy regions: the home region, as the
    // deployed function's own region would be.
    const request = { dryRun: opts.dryRun, regions: choice.regions };
    // Organisation mode: the event is a member's, handled as the hub's event function would
    // (loaded only then: a single-account run never loads Organizations).
    const result = loaded.policy.organization
      ? await (await import('../org/event.ts')).handleMemberEventOnce(rt, event, request)
      : await runSnapshotEvent(rt, event, request);
    const source = reportSource(loaded, [event.detail.awsRegion]);
    printEventRun(result, source, opts.json, textStyle(io, opts.color), io);
    return result.report.compliant ? EXIT.compliant : EXIT.notCompliant;
  } catch (error) {
    return reportRunError(error, io, choice.home);
  }
}
