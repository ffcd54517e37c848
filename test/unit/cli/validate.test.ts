import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../functions/cli/io.ts';
import { main } from '../../../functions/cli.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DEFAULT = join(root, 'policies/default.yml');
const BROKEN = join(root, 'test/fixtures/policies/invalid/49-typo-short-account-shadowed-rule.yml');

/** Runs the command line with captured output. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  const code = await main(['node', 'snapshot-guard', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('snapshot-guard validate', () => {
  let dir = '';
  let expired = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'validate-'));
    expired = join(dir, 'expired.yml');
    await writeFile(
      expired,
      'version: 1\nsharing:\n  allowedAccounts:\n    - { account: "111122223333", expires: 2020-01-31 }\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints ok for each valid file and exits 0', async () => {
    // Act
    const { code, stdout, stderr } = await run(
      'validate',
      DEFAULT,
      join(root, 'policies/examples/finance-strict.yml'),
    );

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(`ok ${DEFAULT}\nok ${join(root, 'policies/examples/finance-strict.yml')}\n`);
    expect(stderr).toBe('');
  });

  it('prints the warnings of a valid file and still exits 0', async () => {
    // Act
    const { code, stdout } = await run('validate', expired);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(
      `ok ${expired}\nwarning: ${expired}:4:43 sharing.allowedAccounts[0].expires: "111122223333" expired on 2020-01-31 and is no longer allowed\n`,
    );
  });

  it('names a typo, an 11-digit account and a shadowed rule with their lines, and exits 2', async () => {
    // Act
    const { code, stdout } = await run('validate', BROKEN);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe(
      [
        `error: ${BROKEN}:7:7 sharing.allowedAccounts[1]: "44445555666" is not a 12-digit AWS account id`,
        `error: ${BROKEN}:8:3 sharing: unknown key "requireEncryptoin" (did you mean "requireEncryption"?)`,
        `error: ${BROKEN}:12:7 sharing.rules[1]: can never match: sharing.rules[0] (line 10) already matches every snapshot this rule matches`,
        '',
      ].join('\n'),
    );
  });

  it('checks every file even after an invalid one, and exits 2', async () => {
    // Act
    const { code, stdout } = await run('validate', join(dir, 'missing.yml'), DEFAULT);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe(
      `error: ${join(dir, 'missing.yml')}:1:1 cannot be read: no such file\nok ${DEFAULT}\n`,
    );
  });

  it('exits 2 for a directory', async () => {
    // Act
    const { code, stdout } = await run('validate', dir);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe(`error: ${dir}:1:1 cannot be read: is a directory\n`);
  });

  it('prints one JSON array with --json', async () => {
    // Act
    const { code, stdout } = await run('validate', '--json', expired, BROKEN);

    // Assess
    expect(code).toBe(2);
    const results = JSON.parse(stdout);
    expect(results).toEqual([
      {
        file: expired,
        ok: true,
        errors: [],
        warnings: [expect.objectContaining({ line: 4, col: 43, path: 'sharing.allowedAccounts[0].expires' })],
      },
      { file: BROKEN, ok: false, errors: expect.any(Array), warnings: [] },
    ]);
    expect(results[1].errors.map((e: { line: number }) => e.line)).toEqual([7, 8, 12]);
  });

  it('exits 2 without a file', async () => {
    // Act
    const { code, stderr } = await run('validate');

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain("error: missing required argument 'file'");
  });
});
