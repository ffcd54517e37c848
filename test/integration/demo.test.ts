import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start', () => {
  it('sweeps the demo fleet, revokes what the default policy forbids, and finds nothing left the second time', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'local/demo.ts'], { timeout: 60_000 });

    expect(stdout).toContain('=== First sweep ===');
    expect(stdout).toMatch(/revocations\s+5 done/);
    expect(stdout).toContain('finance-prod-q3-export');
    expect(stdout).toContain('sales-serverless-q3-share');
    expect(stdout).toContain('Nothing left to revoke or delete');
    expect(stdout).toMatch(/5\s+Snapshot Access Revoked/);
    expect(stdout).toMatch(/2\s+Compliance Sweep Completed/);
  });
});
