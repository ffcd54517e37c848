import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOYED_POLICY_FALLBACK, deployedPolicyPath } from '../../../functions/cli/diff.ts';
import type { CliIo } from '../../../functions/cli/io.ts';
import { main } from '../../../functions/cli.ts';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {} };
  const code = await main(['node', 'snapshot-guard', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('deployedPolicyPath', () => {
  it("is this project's params.default.policy from serverless.yml", async () => {
    expect(await deployedPolicyPath('.')).toBe('policies/default.yml');
  });

  it('follows a project that deploys another policy file', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'deployed-'));
    writeFileSync(
      join(dir, 'serverless.yml'),
      'params:\n  default:\n    policy: policies/prod.yml\nx: !GetAtt A.Arn\n',
    );

    // Act
    const path = await deployedPolicyPath(dir);

    // Assess
    expect(path).toBe('policies/prod.yml');
  });

  it('falls back to policies/default.yml without a serverless.yml', async () => {
    expect(await deployedPolicyPath(mkdtempSync(join(tmpdir(), 'none-')))).toBe(DEPLOYED_POLICY_FALLBACK);
  });
});

describe('snapshot-guard diff', () => {
  it('exits 2 with the file, line and field when the new policy does not load', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'diff-bad-'));
    const bad = join(dir, 'new.yml');
    writeFileSync(bad, 'version: 1\nsharing:\n  allowedAcounts: []\n');

    // Act
    const { code, stderr } = await run('diff', '--policy', bad, '--inventory', 'none.json');

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`${bad}:3:3 sharing: unknown key "allowedAcounts"`);
  });

  it('exits 2 on a region name that is not one', async () => {
    const { code, stderr } = await run('diff', '--policy', 'policies/default.yml', '--region', 'mars');
    expect(code).toBe(2);
    expect(stderr).toContain('--region.0: "mars" is not an AWS region name');
  });

  it('prints the diff of what was read, and exits 2, when the inventory is incomplete', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'diff-partial-'));
    const inventory = join(dir, 'fleet.json');
    writeFileSync(
      inventory,
      JSON.stringify({
        schemaVersion: 1,
        generatedAt: '2026-11-01T00:00:00.000Z',
        account: '123456789012',
        regions: ['us-east-1'],
        snapshots: [],
        errors: [{ region: 'us-east-1', reason: 'AccessDenied: denied' }],
      }),
    );

    // Act
    const { code, stdout, stderr } = await run(
      'diff',
      '--policy',
      'policies/default.yml',
      '--inventory',
      inventory,
    );

    // Assess
    expect(code).toBe(2);
    expect(stdout).toContain('NOT READ   us-east-1: AccessDenied: denied');
    expect(stderr).toContain('the fleet was read only in part');
  });
});
