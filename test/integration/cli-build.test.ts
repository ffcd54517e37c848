import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../functions/cli.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * The command line as `npm ci` leaves it: built by the `prepare` script into dist/cli/ and run by
 * bin/snapshot-guard.js. In a copy of the project the build is made, then the copy's
 * node_modules is taken away: the build must carry everything it needs, so whatever runs then is
 * the build, and it must say what the sources say.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** What a clone holds that building and running the command line reads. */
const PROJECT_FILES = [
  'package.json',
  'tsconfig.json',
  'bin',
  'scripts',
  'serverless',
  'functions',
  'policies',
];
const EVENT = join(ROOT, 'local/examples/authorize-snapshot-access.json');
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\b/g;

type Result = { code: number; stdout: string; stderr: string };

let root: string;
let clone: string;
const local = useStandIn({ eventBuses: ['snapshot-compliance'] });
let env: NodeJS.ProcessEnv;

function exec(command: string, args: string[], cwd = clone): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `snapshot-guard <args>` through the package's bin, in the copy. */
const guard = (args: string[]) =>
  exec(process.execPath, [join(clone, PACKAGE.bin['snapshot-guard']), ...args]);

/** The same command line run from the sources, in this process, from the copy's directory. */
async function fromSources(args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const saved = { env: process.env, cwd: process.cwd() };
  // The SDK reads the process's own environment.
  process.env = { ...env };
  process.chdir(clone);
  try {
    const code = await main(['node', 'snapshot-guard', ...args], {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env,
    });
    return { code, stdout, stderr };
  } finally {
    process.env = saved.env;
    process.chdir(saved.cwd);
  }
}

/** What differs between any two runs: run ids and when they started. */
const withoutIds = (text: string) => text.replace(UUID, '<uuid>').replace(INSTANT, '<instant>');

async function setNodeModules(present: boolean): Promise<void> {
  await rm(join(clone, 'node_modules'), { force: true });
  if (present) await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cli-build-'));
  clone = join(root, 'redshift-snapshot-guard');
  for (const file of PROJECT_FILES) await cp(join(ROOT, file), join(clone, file), { recursive: true });
  env = {
    PATH: process.env.PATH,
    HOME: root,
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_CONFIG_FILE: join(root, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(root, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TZ: 'UTC',
  };
  await setNodeModules(true);
  // What `npm ci` runs once the dependencies are in; offline, as it needs no network.
  const built = await exec('npm', ['run', '--silent', 'prepare', '--offline']);
  if (built.code !== 0) throw new Error(`npm run prepare failed:\n${built.stdout}${built.stderr}`);
  await setNodeModules(false);
}, 90_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  local.seedFleet({ demo: true, region: 'us-east-1' });
});

describe('the built command line', () => {
  it('is what `npm ci` builds: the prepare script, with a build.json naming its sources', async () => {
    // Assess
    expect(PACKAGE.scripts.prepare).toBe('node scripts/build-cli.mjs');
    expect(PACKAGE.bin['snapshot-guard']).toBe('bin/snapshot-guard.js');
    const manifest = JSON.parse(await readFile(join(clone, 'dist/cli/build.json'), 'utf8'));
    expect(manifest.entry).toBe('dist/cli/cli.js');
    expect(manifest.inputs).toEqual(
      expect.arrayContaining(['functions/cli.ts', 'functions/cli/commands.ts']),
    );
    expect(manifest.inputs.filter((input: string) => input.includes('node_modules'))).toEqual([]);
  });

  it('prints the help, the version and a usage error as the sources do, without node_modules', async () => {
    for (const args of [['--help'], ['sweep', '--help'], ['--version'], ['sweep', '--nope']]) {
      // Act
      const built = await guard(args);
      const sources = await fromSources(args);

      // Assess
      expect(built, args.join(' ')).toEqual(sources);
    }
  });

  it('validates policies as the sources do', async () => {
    // Prepare
    const args = ['validate', 'policies/default.yml', 'policies/examples/broken.yml'];

    // Act
    const built = await guard(args);
    const sources = await fromSources(args);

    // Assess
    expect(built.code).toBe(2);
    expect(built).toEqual(sources);
  });

  it('sweeps the stand-in and reports as the sources do', async () => {
    // Prepare
    const args = ['sweep', '--policy', 'policies/default.yml', '--dry-run'];

    // Act
    const built = await guard(args);
    const sources = await fromSources(args);

    // Assess
    expect(built.code).toBe(1);
    expect(built.stderr).toBe('');
    expect(withoutIds(built.stdout)).toBe(withoutIds(sources.stdout));
    expect(built.stdout).toContain('snapshots checked  15');
  });

  it('handles a saved event as the sources do', async () => {
    // Prepare
    const args = ['handle-event', EVENT, '--policy', 'policies/default.yml', '--dry-run', '--json'];

    // Act
    const built = await guard(args);
    const sources = await fromSources(args);

    // Assess
    expect(built.code).toBe(sources.code);
    expect(withoutIds(built.stdout)).toBe(withoutIds(sources.stdout));
  });
});

describe('bin/snapshot-guard.js', () => {
  it('runs the sources instead of a build older than a file it was built from, and says so', async () => {
    // Prepare
    await setNodeModules(true);
    const changed = join(clone, 'functions/cli/commands.ts');
    const later = new Date(Date.now() + 60_000);
    await utimes(changed, later, later);
    try {
      // Act
      const { code, stdout, stderr } = await guard(['--version']);

      // Assess
      expect(code).toBe(0);
      expect(stdout).toBe(`${PACKAGE.version}\n`);
      expect(stderr).toBe(
        'note: functions/cli/commands.ts changed since the last build; running the sources (npm run build)\n',
      );
    } finally {
      const now = new Date();
      await utimes(changed, now, now);
      await setNodeModules(false);
    }
  });
});
