import { writeFile } from 'node:fs/promises';
import * as z from 'zod';
import { createClients } from '../aws/clients.ts';
import { sweepPorts } from '../aws/sweep-ports.ts';
import type { PublishPort } from '../engine/ports.ts';
import { sweep } from '../engine/sweep.ts';
import { readJsonFile } from '../inventory/read.ts';
import { renderHtml } from '../report/html.ts';
import { jsonReport } from '../report/json.ts';
import { type SweepDocument, SweepDocumentSchema } from '../report/sweep-document.ts';
import { runContext, runtimeFor } from '../runtime.ts';
import type { CliIo } from './io.ts';
import { chooseRegions } from './region.ts';
import { reportRunError } from './run-error.ts';
import { EXIT, loadPolicyFor, parseCommandFlags, RunFlagsSchema, reportSource } from './run-flags.ts';

const ReportFlagsSchema = z
  .strictObject({
    html: z.string().min(1),
    from: z.string().min(1).optional(),
    policy: z.string().min(1).optional(),
    region: RunFlagsSchema.shape.region,
  })
  .refine((f) => f.from !== undefined || f.policy !== undefined, {
    error: 'give --from SWEEP.json, or --policy FILE for a live dry run',
    path: ['policy'],
  })
  .refine((f) => f.from === undefined || (f.policy === undefined && f.region.length === 0), {
    error: '--from reports a saved run: --policy and --region do not apply',
    path: ['from'],
  });

// A report is a read: its dry run publishes no event (nor Security Hub finding) about what it saw.
const publishNothing: PublishPort = async () => ({ published: 0, failed: [] });

/** The sweep document of a dry run (reads only: nothing is changed, nothing published). */
async function liveDryRun(policyPath: string, region: string[], io: CliIo): Promise<SweepDocument | number> {
  const loaded = await loadPolicyFor(policyPath, io);
  if (!loaded) return EXIT.badInput;
  const choice = await chooseRegions(region, loaded.policy.regions, io.env);
  if ('error' in choice) {
    io.stderr(`error: ${choice.error}\n`);
    return EXIT.badInput;
  }
  const regions = choice.regions;
  const rt = runtimeFor(loaded, createClients({ homeRegion: choice.home }));
  try {
    const account = await rt.account();
    const ports = {
      ...sweepPorts(rt.clients, loaded.policy, account),
      publish: publishNothing,
      findings: undefined,
    };
    const report = await sweep(
      { ...runContext(rt, account, { trigger: 'cli', dryRun: true }), regions, reserveMs: 0 },
      ports,
    );
    return SweepDocumentSchema.parse(jsonReport(report, reportSource(loaded, regions)));
  } catch (error) {
    return reportRunError(error, io, choice.home);
  }
}

/**
 * `snapshot-guard report --html FILE`: the compliance report as one self-contained HTML file, from
 * a saved `sweep --json` document or from a live dry run. Exit 0 compliant, 1 not, 2 bad input.
 *
 * @example
 * await reportCli({ html: 'report.html', from: 'sweep.json' }, processIo);
 */
export async function reportCli(flags: unknown, io: CliIo): Promise<number> {
  const opts = parseCommandFlags(ReportFlagsSchema, flags, io);
  if (!opts) return EXIT.badInput;
  let doc: SweepDocument;
  if (opts.from !== undefined) {
    const read = await readJsonFile(opts.from, SweepDocumentSchema);
    if (!read.ok) {
      io.stderr(`error: ${read.message}\n`);
      return EXIT.badInput;
    }
    doc = read.value;
  } else {
    const live = await liveDryRun(opts.policy as string, opts.region, io);
    if (typeof live === 'number') return live;
    doc = live;
  }
  await writeFile(opts.html, renderHtml(doc));
  const violations = doc.findings.filter((f) => f.severity === 'violation').length;
  io.stdout(
    `wrote ${opts.html}: ${doc.compliant ? 'COMPLIANT' : 'NOT COMPLIANT'}, ${violations} violations, ${doc.findings.length} findings\n`,
  );
  return doc.compliant ? EXIT.compliant : EXIT.notCompliant;
}
