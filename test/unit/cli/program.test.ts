import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../functions/cli/io.ts';
import { main } from '../../../functions/cli.ts';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  const code = await main(['node', 'snapshot-guard', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('snapshot-guard', () => {
  it('describes every command and flag with --help, and exits 0', async () => {
    // Act
    const { code, stdout } = await run('--help');

    // Assess
    expect(code).toBe(0);
    for (const text of ['validate', 'schema', '--version', '--help']) expect(stdout).toContain(text);
  });

  it('describes the flags of validate with validate --help', async () => {
    // Act
    const { code, stdout } = await run('validate', '--help');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: snapshot-guard validate [options] <file...>');
    expect(stdout).toMatch(/--json\s+print/);
  });

  it('prints the version from package.json', async () => {
    // Prepare
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));

    // Act
    const { code, stdout } = await run('--version');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it.each([
    [['frob'], "error: unknown command 'frob'"],
    [['validate', '--jsn', 'x.yml'], "error: unknown option '--jsn'"],
    [[], 'Usage: snapshot-guard'],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    // Act
    const { code, stdout, stderr } = await run(...args);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });

  it('prints the JSON Schema with schema', async () => {
    // Act
    const { code, stdout } = await run('schema');

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ $id: 'urn:redshift-snapshot-guard:policy:1', type: 'object' });
  });
});
