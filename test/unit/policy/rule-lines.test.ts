import { describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../functions/engine/compliance-events.ts';
import type { RegionPage, RunPorts } from '../../../functions/engine/ports.ts';
import { runCompliance } from '../../../functions/engine/run.ts';
import { type LoadedPolicy, lineOf, parsePolicy } from '../../../functions/policy/load.ts';
import { jsonReport } from '../../../functions/report/json.ts';
import { renderReport } from '../../../functions/report/table.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

/**
 * A finding names the policy path that decided it, and the line that path is written on. A
 * default the file does not write (the global allowlist of a policy without `sharing`) has no
 * line: reports and events cite the path alone, never a line the reader would look at in vain.
 */

const NOW = new Date('2026-11-23T12:00:00.000Z');
const STRANGER = '999988887777';

async function judge(loaded: LoadedPolicy) {
  const events: ComplianceEvent[] = [];
  const ports: RunPorts = {
    revoke: async () => ({ outcome: 'applied' }),
    delete: async () => ({ outcome: 'applied' }),
    restore: async () => ({ outcome: 'applied' }),
    publish: async (batch) => {
      events.push(...batch);
      return { published: batch.length, failed: [] };
    },
  };
  async function* pages(): AsyncGenerator<RegionPage> {
    yield { region: 'us-east-1', items: [{ snapshot: snapshot({ grants: [STRANGER] }) }] };
  }
  const locate = (path: string) => lineOf(loaded, path);
  const report = await runCompliance(
    pages(),
    {
      runId: 'run-1',
      trigger: 'schedule',
      account: OWNER,
      policy: loaded.policy,
      dryRun: true,
      now: NOW,
      locate,
      homeRegion: 'us-east-1',
    },
    ports,
  );
  const source = { policyFile: loaded.file, regions: ['us-east-1'], locate };
  return {
    text: renderReport(report, source, { width: 400, color: false }),
    json: jsonReport(report, source),
    events,
  };
}

describe('the rule line in reports and events', () => {
  it('cites a finding from the default allowlist without a line when the file has no sharing key', async () => {
    // Prepare: the document starts on line 3, after two comment lines.
    const loaded = parsePolicy('# audit only\n#\nversion: 1\nmode: audit\n', 'p.yml');
    // Act
    const { text, json, events } = await judge(loaded);
    // Assess
    expect(text).toContain(
      `account ${STRANGER} is not allowed to restore snapshots of cluster finance-prod [sharing.allowedAccounts]`,
    );
    expect(text).not.toMatch(/line \d/);
    expect(json.findings).toEqual([
      expect.objectContaining({ rule: 'sharing.allowedAccounts', line: undefined }),
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.rule).toEqual({ path: 'sharing.allowedAccounts', line: undefined });
    expect(events[0]?.detail.findings?.[0]).toMatchObject({
      rule: 'sharing.allowedAccounts',
      line: undefined,
    });
  });

  it('cites the section that would hold a default when the file writes the section', async () => {
    const loaded = parsePolicy('version: 1\nmode: audit\nsharing:\n  allowSupportAccess: false\n', 'p.yml');

    const { json, events } = await judge(loaded);

    expect(json.findings).toEqual([expect.objectContaining({ rule: 'sharing.allowedAccounts', line: 3 })]);
    expect(events[0]?.detail.rule).toEqual({ path: 'sharing.allowedAccounts', line: 3 });
  });
});
