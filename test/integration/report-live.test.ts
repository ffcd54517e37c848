import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli.ts';
import { readInventory } from '../../functions/inventory/read.ts';
import { PRODUCT_VIEW, REGION } from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/** Every call a report's dry run or an inventory may make: reads only. */
const READ_ONLY = new Set([
  'sts.GetCallerIdentity',
  'redshift.DescribeClusterSnapshots',
  'redshift-serverless.ListSnapshots',
  'redshift-serverless.ListTagsForResource',
]);

const dir = mkdtempSync(join(tmpdir(), 'report-live-'));
const local = useStandIn(PRODUCT_VIEW);

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  const code = await main(['node', 'snapshot-guard', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

beforeEach(() => {
  local.seedFleet({ demo: true });
  local.resetCalls();
});

describe('report --html from a live dry run', () => {
  it('reads the fleet, changes nothing and publishes nothing', async () => {
    // Prepare
    const html = join(dir, 'live.html');

    // Act
    const { code, stdout } = await run('report', '--html', html, '--policy', 'policies/default.yml');

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain(`wrote ${html}: NOT COMPLIANT, 9 violations, 11 findings`);
    expect(readFileSync(html, 'utf8')).toContain('dry run: nothing was changed');
    expect(Object.keys(local.calls()).filter((call) => !READ_ONLY.has(call))).toEqual([]);
    expect(local.events()).toEqual([]);
  });
});

describe('snapshot-guard inventory', () => {
  it('saves what it read, names the region it could not read, and exits 1', async () => {
    // Prepare
    const out = join(dir, 'partial.json');
    local.faults.configure({
      rules: [
        {
          action: 'redshift-serverless.ListSnapshots',
          error: { rate: 1, code: 'AccessDeniedException', status: 400, message: 'denied' },
        },
      ],
    });

    // Act
    const { code, stderr } = await run('inventory', '--out', out, '--region', REGION);

    // Assess
    const read = await readInventory(out);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${REGION}: AccessDeniedException: denied`);
    expect(read.ok && read.value.snapshots.filter((s) => s.kind === 'cluster').length).toBe(13);
    expect(read.ok && read.value.errors).toEqual([
      { region: REGION, reason: 'AccessDeniedException: denied' },
    ]);
  });
});
