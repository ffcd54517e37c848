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

  it.each(['validate', 'schema', 'sweep', 'handle-event'])(
    'lists the exit codes of %s in its help',
    async (command) => {
      // Act
      const { code, stdout } = await run(command, '--help');

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(/\nExit codes:\n {2}0 {2}\S.*\n(.*\n)* {2}2 {2}\S/);
    },
  );

  it.each(['sweep', 'handle-event'])(
    'marks --policy required and gives --region one default in %s --help',
    async (command) => {
      // Act
      const { stdout } = await run(command, '--help');

      // Assess
      expect(stdout).toMatch(/--policy <file> +policy file to enforce \(required\)/);
      const region = stdout.slice(stdout.indexOf('--region'), stdout.indexOf('--dry-run'));
      expect(region.match(/default/g)).toHaveLength(1);
      expect(region).not.toContain('[]');
      expect(stdout).toMatch(/--no-color +no colour/);
    },
  );

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
