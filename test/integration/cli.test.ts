import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * The command line as a person meets it, against the local stand-in with the real SDK: which
 * region it works in, how it refuses bad input, what it says when AWS cannot be reached, and
 * how its output looks on a terminal and in a pipe.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const POLICY = join(ROOT, 'policies/default.yml');
const EVENT = join(ROOT, 'local/examples/authorize-snapshot-access.json');
const ESCAPE = '\x1b';
const saved = { ...process.env };
const local = useStandIn({ eventBuses: ['snapshot-compliance'] });
let dir: string;

type Run = { code: number; stdout: string; stderr: string };

async function run(args: string[], io: Partial<CliIo> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'snapshot-guard', ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: process.env,
    ...io,
  });
  return { code, stdout, stderr };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The event file with one change, written to the test's directory. */
async function eventWith(name: string, edit: (event: { detail: Record<string, unknown> }) => void) {
  const event = JSON.parse(await readFile(EVENT, 'utf8'));
  edit(event);
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(event));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  process.env = {
    ...saved,
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    // The SDK's region chain must not look past these files, nor reach for instance metadata.
    HOME: dir,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete process.env.NO_COLOR;
  delete process.env.COLUMNS;
});

afterEach(() => {
  process.env = { ...saved };
});

describe('the region a command works in', () => {
  it("is the profile's region from AWS_CONFIG_FILE when AWS_REGION is not set", async () => {
    // Prepare
    local.seedFleet({ demo: true, region: 'eu-west-1' });
    delete process.env.AWS_REGION;
    process.env.AWS_CONFIG_FILE = join(dir, 'config-eu');
    await writeFile(
      process.env.AWS_CONFIG_FILE,
      '[profile ops]\nregion = eu-west-1\naws_access_key_id = local\naws_secret_access_key = local\n',
    );
    // With a profile named, the SDK takes the profile's credentials too (and warns about a key pair).
    process.env.AWS_PROFILE = 'ops';
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    // Act
    const { code, stdout } = await run(['sweep', '--policy', POLICY, '--dry-run', '--json']);

    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.regions).toEqual(['eu-west-1']);
    expect(report.summary.snapshots).toBe(15);
  });

  it('is never a silent us-east-1: without one, exit 2 says how to set it and calls nothing', async () => {
    // Prepare
    local.seedFleet({ demo: true, region: 'us-east-1' });
    delete process.env.AWS_REGION;

    // Act
    const { code, stdout, stderr } = await run(['sweep', '--policy', POLICY]);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^error: no AWS region\. Name one in any of these ways:\n {2}--region eu-west-1\n/,
    );
    expect(stderr).toContain('\n  export AWS_REGION=eu-west-1\n');
    expect(stderr).toContain('\n  region = eu-west-1 in your profile in ~/.aws/config\n');
    for (const line of stderr.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(local.calls()).toEqual({});
  });

  it('refuses a region given twice, as the policy file does, and calls nothing', async () => {
    // Act
    const { code, stderr } = await run([
      'sweep',
      '--policy',
      POLICY,
      '--region',
      'eu-west-1',
      '--region',
      'eu-west-1',
    ]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe('error: --region eu-west-1 is given more than once\n');
    expect(local.calls()).toEqual({});
  });

  it('names a region that is not one, and the lowercase name meant', async () => {
    // Act
    const { code, stderr } = await run(['sweep', '--policy', POLICY, '--region', 'Eu-west-1']);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      'error: --region "Eu-west-1" is not an AWS region name (region names are lowercase: eu-west-1)\n',
    );
  });
});

describe('the regions handle-event acts in', () => {
  it("are the SDK's region when neither --region nor the policy names one", async () => {
    // Prepare: the event happened in us-east-1; this command works in eu-west-1.
    local.seedFleet({ demo: true, region: 'us-east-1' });
    process.env.AWS_REGION = 'eu-west-1';
    const policy = join(dir, 'no-regions.yml');
    await writeFile(policy, 'version: 1\nmode: enforce\n');

    // Act
    const { code, stdout } = await run(['handle-event', EVENT, '--policy', policy]);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('ignored: us-east-1 is not among');
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
  });
});

describe('a policy that does not load', () => {
  it.each([
    ['sweep', []],
    ['handle-event', [EVENT]],
  ])('is reported by %s with the same error: lines as validate', async (command, args) => {
    // Prepare
    const broken = join(ROOT, 'policies/examples/broken.yml');
    const validate = await run(['validate', broken]);

    // Act
    const { code, stdout, stderr } = await run([command, ...args, '--policy', broken]);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(validate.stdout);
    for (const line of stderr.trimEnd().split('\n')) expect(line).toMatch(/^error: /);
    expect(local.calls()).toEqual({});
  });
});

describe('an endpoint that cannot be reached', () => {
  it('is named, with what to check: AWS_ENDPOINT_URL, the region and the credentials', async () => {
    // Prepare
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    process.env.AWS_ENDPOINT_URL = endpoint;

    // Act
    const { code, stderr } = await run(['sweep', '--policy', POLICY]);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain(`error: cannot reach AWS at ${endpoint}\n  (connect ECONNREFUSED`);
    expect(stderr).toContain('nothing was changed');
    expect(stderr).toContain(`AWS_ENDPOINT_URL: ${endpoint} must be a running endpoint`);
    expect(stderr).toContain('the region: us-east-1\n');
    for (const line of stderr.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(stderr).toContain('the credentials: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });
});

describe('a malformed event', () => {
  it.each([
    [
      'a field of the wrong type',
      (e: { detail: Record<string, unknown> }) => {
        (e.detail.requestParameters as Record<string, unknown>).snapshotIdentifier = 5;
      },
      'detail.requestParameters.snapshotIdentifier: must be a string, not 5',
    ],
    [
      'a missing field',
      (e: { detail: Record<string, unknown> }) => {
        delete e.detail.eventName;
      },
      'detail.eventName: is missing (expected a string)',
    ],
    [
      'a date that is not one',
      (e: { detail: Record<string, unknown> }) => {
        e.detail.eventTime = 'yesterday';
      },
      'detail.eventTime: must be an ISO 8601 date and time such as 2026-10-28T14:03:09Z, not "yesterday"',
    ],
    [
      'a value not among those allowed',
      (e: { detail: Record<string, unknown> }) => {
        e.detail.eventSource = 's3.amazonaws.com';
      },
      'detail.eventSource: must be one of "redshift.amazonaws.com", "redshift-serverless.amazonaws.com", not "s3.amazonaws.com"',
    ],
  ])('names the field and what was expected, in words: %s', async (name, edit, message) => {
    // Prepare
    const file = await eventWith(name.replaceAll(' ', '-'), edit);

    // Act
    const { code, stderr } = await run(['handle-event', file, '--policy', POLICY]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(`error: ${file}: ${message}\n`);
    expect(local.calls()).toEqual({});
  });
});

describe('the report on a terminal and in a pipe', () => {
  const terminal = { stdoutIsTTY: true, columns: 100 };

  beforeEach(() => {
    local.seedFleet({ demo: true, region: 'us-east-1' });
  });

  it('is coloured on a terminal', async () => {
    // Act
    const { stdout } = await run(['sweep', '--policy', POLICY, '--dry-run'], terminal);

    // Assess
    expect(stdout).toContain(`${ESCAPE}[31mNOT COMPLIANT${ESCAPE}[39m`);
    for (const line of stdout.replaceAll(new RegExp(`${ESCAPE}\\[[0-9;]*m`, 'g'), '').split('\n'))
      expect(line.length).toBeLessThanOrEqual(100);
  });

  it.each([
    ['in a pipe', {}, []],
    ['with NO_COLOR', { ...terminal, env: { ...process.env, NO_COLOR: '1' } }, []],
    ['with --no-color', terminal, ['--no-color']],
  ])('has no escape sequence %s', async (_, io: Partial<CliIo>, flags: string[]) => {
    // Act
    const { stdout } = await run(['sweep', '--policy', POLICY, '--dry-run', ...flags], io);

    // Assess
    expect(stdout).toContain('NOT COMPLIANT');
    expect(stdout).not.toContain(ESCAPE);
  });

  it('fits 80 columns in a pipe, or COLUMNS', async () => {
    // Act
    const piped = await run(['sweep', '--policy', POLICY, '--dry-run']);
    process.env.COLUMNS = '120';
    const wide = await run(['sweep', '--policy', POLICY, '--dry-run']);

    // Assess
    const longest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));
    expect(longest(piped.stdout)).toBeLessThanOrEqual(80);
    expect(longest(wide.stdout)).toBeLessThanOrEqual(120);
    expect(longest(wide.stdout)).toBeGreaterThan(80);
  });

  it('prints the same --json on a terminal as in a pipe, with no escape sequence', async () => {
    // Act
    const onTerminal = await run(['sweep', '--policy', POLICY, '--dry-run', '--json'], terminal);
    const piped = await run(['sweep', '--policy', POLICY, '--dry-run', '--json']);

    // Assess: only the run's own id and clock differ between two runs.
    const runOnly = (text: string) =>
      text.replace(/"runId": "[^"]+"/, '"runId": ""').replace(/"startedAt": "[^"]+"/, '"startedAt": ""');
    expect(runOnly(onTerminal.stdout)).toBe(runOnly(piped.stdout));
    expect(onTerminal.stdout).not.toContain(ESCAPE);
  });

  it('wipes its progress line once the sweep is read, before the report', async () => {
    // Act
    const { stderr, stdout } = await run(['sweep', '--policy', POLICY, '--dry-run'], { isTTY: true });

    // Assess
    expect(stderr).toMatch(/^\rread \d+ snapshots…/);
    expect(stderr).toContain('\rread 15 snapshots…');
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(stderr).not.toContain('\n');
    expect(stdout).toMatch(/^Sweep /);
  });
});

describe('handle-event', () => {
  it('says "found 1 violation, fixed" when it revokes the grant the event made', async () => {
    // Prepare
    local.seedFleet({ demo: true, region: 'us-east-1' });

    // Act
    const { code, stdout } = await run(['handle-event', EVENT, '--policy', POLICY]);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('  violating          1 found: 1 fixed\n');
    expect(stdout).toContain('  result             COMPLIANT (found 1 violation, fixed)\n');
  });
});
