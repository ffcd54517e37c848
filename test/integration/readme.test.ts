import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README, followed top to bottom as a newcomer would, in a fresh copy of the project: every
 * shell command it shows that needs no AWS account is run here, word for word, against the local
 * stand-in, and what the README shows or says about its output is checked against what it
 * printed. Every other command the README shows is listed below with where it is tested or why
 * it cannot be (it needs an AWS account), so a new command cannot slip in untested.
 *
 * The one liberty taken: the stand-in is started on a free port instead of 4566 (other test
 * files run at the same time), and that port stands for 4566 in the commands and in the output.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** What a fresh clone holds that these commands read. */
const PROJECT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'bin',
  'functions',
  'local',
  'policies',
  // npx runs the `prepare` script (the command line's build) when it first links the project.
  'scripts',
  'serverless',
];
const README_PORT = 4566;

type Block = { lang: string; text: string; line: number };

/** Every fenced block, with its info string and the README line it starts on. */
function fencedBlocks(): Block[] {
  const blocks: Block[] = [];
  for (const m of README.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1]?.length ?? 0;
    const text = (m[3] ?? '')
      .split('\n')
      .map((l) => l.slice(indent))
      .join('\n');
    blocks.push({ lang: m[2] ?? '', text, line: README.slice(0, m.index).split('\n').length });
  }
  return blocks;
}

/** The commands of every `sh` block: one per line, continuations joined, comments dropped. */
function readmeCommands(): string[] {
  return fencedBlocks()
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.text.replace(/\\\n\s*/g, '').split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** The plain block the README shows right after the `sh` block holding `command`. */
function shownOutput(command: string): string {
  const blocks = fencedBlocks();
  const at = blocks.findIndex((b) => b.lang === 'sh' && b.text.split('\n').some((l) => l.trim() === command));
  const next = blocks[at + 1];
  if (at < 0 || !next || next.lang !== '') throw new Error(`the README shows no output after: ${command}`);
  return next.text;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/** What differs between any two runs: ids, the policy's hash, the stand-in's port. */
function normalise(text: string, port: number): string {
  return text
    .replaceAll(`127.0.0.1:${port}`, `127.0.0.1:${README_PORT}`)
    .replace(UUID, '<uuid>')
    .replace(/sha256 [0-9a-f]{12}\b/g, 'sha256 <sha>');
}

/** The README's block equals the output; a last line of `...` means the rest is left out. */
function expectShown(output: string, command: string, port: number): void {
  const shown = normalise(shownOutput(command), port).trimEnd().split('\n');
  const actual = normalise(output, port).trimEnd().split('\n');
  if (shown.at(-1) === '...') {
    shown.pop();
    expect(actual.slice(0, shown.length).join('\n'), command).toBe(shown.join('\n'));
  } else {
    expect(actual.join('\n'), command).toBe(shown.join('\n'));
  }
}

/** The README says this, word for word (so the claim a test checks is the claim a reader reads). */
function expectSaid(claim: string): void {
  expect(README.replace(/\s+/g, ' '), claim).toContain(claim);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

type Result = { code: number; stdout: string; stderr: string };

/** On Node.js before 22 the command line may add its one-line note; nothing else goes to stderr. */
function expectQuietStderr(stderr: string): void {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines.length).toBeLessThanOrEqual(1);
  for (const line of lines) expect(line).toMatch(/^note: Node\.js \S+: AWS SDK releases after January 2027/);
}

/**
 * One shell, as a reader has: a working directory holding a fresh copy of the project, the
 * variables the README's `export` lines set, and the stand-in it started in the background.
 */
class Session {
  env: NodeJS.ProcessEnv;
  port = 0;
  private local?: ChildProcess;
  banner = '';

  constructor(
    readonly dir: string,
    home: string,
  ) {
    this.env = {
      PATH: process.env.PATH,
      HOME: home,
      // npx must find the project's own command, never fetch one; the SDK must not look for EC2.
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  /** A README command through the shell, word for word. */
  sh(command: string): Promise<Result> {
    return new Promise((resolve) => {
      execFile(
        'sh',
        ['-c', command],
        { cwd: this.dir, env: this.env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** `npm run local -- … &`: started in the background on a free port; resolves with its banner. */
  async startStandIn(command: string): Promise<string> {
    const args = command.replace(/\s*&$/, '').split(/\s+/);
    expect(args.slice(0, 3)).toEqual(['npm', 'run', 'local']);
    this.port = await freePort();
    this.local = spawn(args[0] ?? 'npm', [...args.slice(1), '--port', String(this.port)], {
      cwd: this.dir,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.banner += chunk.toString();
        if (/^Stop: .*$/m.test(this.banner)) resolve(this.banner);
      };
      this.local?.stdout?.on('data', onData);
      this.local?.stderr?.on('data', onData);
      this.local?.once('exit', (code) => reject(new Error(`the stand-in exited (${code}):\n${this.banner}`)));
    });
  }

  /** `export A=1 B=2`, with the README's port standing for the stand-in's. */
  exportLine(line: string): void {
    const assignments = line.replace(/^export\s+/, '').split(/\s+/);
    for (const a of assignments) {
      const [name, ...value] = a.split('=');
      if (!name) continue;
      this.env[name] = value.join('=').replaceAll(`127.0.0.1:${README_PORT}`, `127.0.0.1:${this.port}`);
    }
  }

  /** `curl -s URL`: the same GET. */
  async curl(command: string): Promise<string> {
    const url = /curl -s '([^']+)'/.exec(command)?.[1];
    if (!url) throw new Error(`not a curl command this test knows: ${command}`);
    const response = await fetch(url.replace(`127.0.0.1:${README_PORT}`, `127.0.0.1:${this.port}`));
    return response.text();
  }

  /** `kill $!`: SIGTERM to the process started with `&`. Resolves when it has exited. */
  async stopStandIn(): Promise<void> {
    const local = this.local;
    if (!local || local.exitCode !== null) return;
    const exited = new Promise((resolve) => local.once('exit', resolve));
    local.kill('SIGTERM');
    await exited;
  }
}

/** A fresh copy of the project: its files, and the installed node_modules (what `npm ci` leaves). */
async function freshClone(): Promise<{ dir: string; home: string; root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'readme-'));
  const dir = join(root, 'redshift-snapshot-guard');
  const home = join(root, 'home');
  await mkdir(home);
  for (const file of PROJECT_FILES) await cp(join(ROOT, file), join(dir, file), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, home, root };
}

/** Commands the README shows that this file does not run, and where they are tested instead. */
const TESTED_ELSEWHERE: Record<string, string> = {
  'npm ci && npm test': 'the test suite this file belongs to',
  'npx serverless package --stage prod --region eu-west-1 --param="policy=policies/prod.yml"':
    'test/integration/package.test.ts packages offline with --param=policy=<file>',
  // Against the stand-in, with the fleets and policies those tests build.
  'npx snapshot-guard inventory --out fleet.json': 'test/integration/report-live.test.ts',
  'npx snapshot-guard inventory --out fleet.json --region eu-west-1 --region us-east-1':
    'test/unit/cli/diff.test.ts and test/integration/report-live.test.ts (regions)',
  'npx snapshot-guard inventory --out fleet.json --policy policies/default.yml':
    'test/integration/report-live.test.ts',
  'npx snapshot-guard diff --policy policies/new.yml': 'test/integration/diff.test.ts (live)',
  'npx snapshot-guard diff --policy policies/new.yml --baseline policies/old.yml --inventory fleet.json':
    'test/integration/diff.test.ts (from a saved inventory)',
  'npx snapshot-guard diff --policy policies/new.yml --json > changes.json':
    'test/integration/diff.test.ts (--json)',
  'npx snapshot-guard sweep --policy policies/default.yml --dry-run --json > sweep.json':
    'test/integration/report-browser.test.ts (the document it reports from)',
  'npx snapshot-guard report --html report.html --from sweep.json': 'test/integration/report-browser.test.ts',
  'npx snapshot-guard report --html report.html --policy policies/default.yml':
    'test/integration/report-live.test.ts',
  // The stand-in's rate limits and latency profiles.
  'npm run local -- --rate-limit 5 --burst 50 --profile realistic': 'test/local/stop.test.ts (rate limits)',
  'npm run local -- --rate-limit off': 'test/local/stop.test.ts (rate limits)',
  'curl -X POST localhost:4566/_local/faults -d \'{"rateLimit": {"rate": 2, "burst": 20, "actions": {"events.PutEvents": null}}}\'':
    'test/local/rate-limits.test.ts (the same body, posted)',
  'curl localhost:4566/_local/throttled': 'test/local/rate-limits.test.ts (/_local/throttled)',
};

/** Commands that need an AWS account: shown for deploying, not run by any test. */
const NEEDS_AWS = [
  'npx serverless deploy --stage prod --region eu-west-1 --param="policy=policies/prod.yml" --param="alertEmail=secops@example.com"',
  `npx serverless invoke --function sweep --data '{"dryRun":true}' --stage prod --region eu-west-1`,
  'npx serverless remove --stage prod --region eu-west-1 --param="policy=policies/prod.yml"',
  // Organisation mode: the hub, the member StackSet, and a dry run with the hub's credentials.
  'npx serverless deploy --stage prod --region eu-west-1 --param="policy=policies/org.yml" --param="organizationId=o-a1b2c3d4e5"',
  "aws cloudformation create-stack-set --stack-set-name redshift-snapshot-guard-member --template-body file://member/member-account.yml --capabilities CAPABILITY_NAMED_IAM --permission-model SERVICE_MANAGED --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false --parameters ParameterKey=HubWorkerRoleArn,ParameterValue=<output> ParameterKey=HubEventRoleArn,ParameterValue=<output> ParameterKey=HubEventBusArn,ParameterValue=<output> ParameterKey=Regions,ParameterValue='us-east-1\\,eu-west-1' ParameterKey=RoleRegion,ParameterValue=us-east-1 ParameterKey=ExternalId,ParameterValue=<organization.externalId> ParameterKey=CanRevoke,ParameterValue=true ParameterKey=CanDelete,ParameterValue=false ParameterKey=ReadsTags,ParameterValue=false ParameterKey=SendsToSecurityHub,ParameterValue=false",
  'aws cloudformation create-stack-instances --stack-set-name redshift-snapshot-guard-member --deployment-targets OrganizationalUnitIds=<root or OU ids> --regions us-east-1 eu-west-1',
  'npx snapshot-guard sweep --policy policies/org.yml --dry-run',
];

// The README's commands, in its order.
const START = 'npm run local -- --seed demo &';
const EXPORTS = [
  'export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1',
  'export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
];
const REPLAY =
  'npx snapshot-guard handle-event local/examples/authorize-snapshot-access.json --policy policies/default.yml';
const EVENTS = "curl -s 'http://127.0.0.1:4566/_local/events?bus=snapshot-compliance'";
const DRY_RUN = 'npx snapshot-guard sweep --policy policies/default.yml --dry-run';
const SWEEP = 'npx snapshot-guard sweep --policy policies/default.yml';
const STOP = 'kill $!';
const VALIDATE = 'npx snapshot-guard validate policies/default.yml policies/examples/broken.yml';
const SWEEP_JSON = 'npx snapshot-guard sweep --policy policies/default.yml --json > report.json';
const SWEEP_REGIONS =
  'npx snapshot-guard sweep --policy policies/default.yml --region eu-west-1 --region us-east-1';
const REPLAY_DRY_RUN = `${REPLAY} --dry-run`;
const COPY_POLICY = 'cp policies/default.yml policies/prod.yml';
const VALIDATE_PROD = 'npx snapshot-guard validate policies/prod.yml';
const DRY_RUN_PROD = 'npx snapshot-guard sweep --policy policies/prod.yml --dry-run';
const DEMO = 'npm start';
// Organisation mode against the stand-in's organisation.
const START_ORG =
  'npm run local -- --org-accounts 111111111111,222222222222 --org-accounts-without-role 333333333333 &';
const SEED_MEMBER = `curl -s -X POST 'http://127.0.0.1:4566/_local/seed' -d '{"count":500,"account":"111111111111","regions":["us-east-1"]}'`;
const SWEEP_ORG = 'npx snapshot-guard sweep --policy policies/examples/organization.yml';

const RUN_HERE = [
  START,
  ...EXPORTS,
  REPLAY,
  EVENTS,
  DRY_RUN,
  SWEEP,
  STOP,
  VALIDATE,
  SWEEP_JSON,
  SWEEP_REGIONS,
  REPLAY_DRY_RUN,
  COPY_POLICY,
  VALIDATE_PROD,
  DRY_RUN_PROD,
  START_ORG,
  SEED_MEMBER,
  SWEEP_ORG,
];

let clone: { dir: string; home: string; root: string };

beforeAll(async () => {
  clone = await freshClone();
});

afterAll(async () => {
  await rm(clone.root, { recursive: true, force: true });
});

describe('the README', () => {
  it('shows no shell command that is neither run here, nor tested elsewhere, nor needs an AWS account', () => {
    // Act
    const shown = readmeCommands();

    // Assess: `npm ci && npm start` is run below as `npm start` (npm ci is this machine's install).
    const known = new Set([...RUN_HERE, `npm ci && ${DEMO}`, ...Object.keys(TESTED_ELSEWHERE), ...NEEDS_AWS]);
    expect(shown.filter((c) => !known.has(c))).toEqual([]);
    expect([...known].filter((c) => !shown.includes(c))).toEqual([]);
  });

  it('quick start: npm start sweeps the demo fleet and finds nothing left to revoke the second time', async () => {
    // Act
    const session = new Session(clone.dir, clone.home);
    const { code, stdout } = await session.sh(DEMO);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('=== First sweep ===');
    expect(stdout).toContain('Nothing left to revoke or delete');
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  }, 60_000);

  it('try it against the local stand-in: start, export, replay, look, sweep, stop', async () => {
    const session = new Session(clone.dir, clone.home);
    try {
      // Start: the banner says what the README says, and prints the README's export lines.
      const banner = await session.startStandIn(START);
      for (const line of EXPORTS) {
        expect(normalise(banner, session.port)).toContain(`\n  ${line}\n`);
        session.exportLine(line);
      }
      expectSaid(
        '`--seed demo` loads the fleet `npm start` sweeps: 15 snapshots in us-east-1, 13 of provisioned clusters and 2 of Redshift Serverless.',
      );
      expect(banner).toContain('Seed demo: 15 snapshots in us-east-1 (13 provisioned in 4 clusters,');
      expect(banner).toContain('  2 Redshift Serverless in 1 namespace)');
      expect(banner).toContain('Event buses: default, snapshot-compliance');
      for (const line of banner.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

      // Replay the event: what the README shows, exit 0.
      const replay = await session.sh(REPLAY);
      expect(replay.code, replay.stderr).toBe(0);
      expectShown(replay.stdout, REPLAY, session.port);
      expectQuietStderr(replay.stderr);

      // The compliance bus holds the one event the README says.
      expectSaid('published one `Snapshot Access Revoked` event on the compliance bus');
      const events = JSON.parse(await session.curl(EVENTS));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        detailType: 'Snapshot Access Revoked',
        detail: { snapshot: { identifier: 'finance-prod-q3-export' }, action: { account: '999988887777' } },
      });

      // A dry run: what the README shows, exit 1.
      const dryRun = await session.sh(DRY_RUN);
      expect(dryRun.code, dryRun.stderr).toBe(1);
      expectShown(dryRun.stdout, DRY_RUN, session.port);
      expectQuietStderr(dryRun.stderr);

      // The sweep: exits 1 with the four grants revoked and the retention findings left.
      expectSaid(
        'exits 1, because the retention findings are reported, not fixed (`found 7 violations: 4 fixed, 3 remain`)',
      );
      const sweep = await session.sh(SWEEP);
      expect(sweep.code, sweep.stderr).toBe(1);
      expect(sweep.stdout).toContain('  revocations        4 done\n');
      expect(sweep.stdout).toContain('NOT COMPLIANT (found 7 violations: 4 fixed, 3 remain)');

      // Stop: the port is free again.
      await session.stopStandIn();
      expect(await portIsFree(session.port)).toBe(true);
    } finally {
      await session.stopStandIn();
    }
  }, 120_000);

  it('validate a policy: the broken example prints what the README shows and exits 2', async () => {
    // Act
    const { code, stdout, stderr } = await new Session(clone.dir, clone.home).sh(VALIDATE);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe('');
    expectShown(stdout, VALIDATE, 0);
  }, 60_000);

  it("the Sweep section's commands, handle-event and the deploy section's first step, against the stand-in", async () => {
    const session = new Session(clone.dir, clone.home);
    try {
      await session.startStandIn(START);
      for (const line of EXPORTS) session.exportLine(line);

      // --json > report.json: one JSON document whose findings count is the findings listed.
      const json = await session.sh(SWEEP_JSON);
      expect(json.code, json.stderr).toBe(1);
      const report = JSON.parse(await readFile(join(clone.dir, 'report.json'), 'utf8'));
      expect(report.summary.findings).toBe(report.findings.length);
      expect(report.findings.map((f: { kind: string }) => f.kind)).toContain('foreign-owner');
      expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('report.json');

      // Two regions, each once: the report says both.
      const regions = await session.sh(SWEEP_REGIONS);
      expect(regions.stdout).toContain('regions eu-west-1, us-east-1');
      expectQuietStderr(regions.stderr);

      // handle-event --dry-run: the grant the sweep above already revoked is gone, so exit 0.
      const replay = await session.sh(REPLAY_DRY_RUN);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toContain('(dry run: nothing changed)');

      // Deploy, step 1: copy the default policy, check it, try it with read-only effect.
      expect((await session.sh(COPY_POLICY)).code).toBe(0);
      const validate = await session.sh(VALIDATE_PROD);
      expect(validate).toEqual({ code: 0, stdout: 'ok policies/prod.yml\n', stderr: '' });
      const dryRun = await session.sh(DRY_RUN_PROD);
      expect(dryRun.code, dryRun.stderr).toBe(1);
      expect(dryRun.stdout).toContain('Policy policies/prod.yml');
      expect(dryRun.stdout).toContain('(dry run: nothing changed)');
    } finally {
      await session.stopStandIn();
    }
  }, 120_000);

  it('organisation mode against the stand-in: start an organisation, seed a member, sweep it, stop', async () => {
    const session = new Session(clone.dir, clone.home);
    try {
      // Its banner names the organisation, within 80 columns like the rest.
      const banner = await session.startStandIn(START_ORG);
      expect(banner).toContain('  without the role: 333333333333\n');
      // (npm's own echo of the script, before it, is as long as the command.)
      const own = banner.slice(banner.indexOf('Local AWS stand-in on'));
      for (const line of own.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
      for (const line of EXPORTS) session.exportLine(line);
      const seeded = await session.sh(
        SEED_MEMBER.replace(`127.0.0.1:${README_PORT}`, `127.0.0.1:${session.port}`),
      );
      expect(seeded.code, seeded.stderr).toBe(0);
      expect(JSON.parse(seeded.stdout)[0]).toMatchObject({ account: '111111111111', region: 'us-east-1' });

      // The sweep: every grant the policy does not allow revoked in 111…, 333… unreachable, exit 1.
      expectSaid(
        "The sweep revokes every grant the example policy does not allow in 111111111111, reports 333333333333 as unreachable in each of the policy's two regions, and exits 1.",
      );
      const sweep = await session.sh(SWEEP_ORG);
      expect(sweep.code, sweep.stderr).toBe(1);
      expectQuietStderr(sweep.stderr);
      for (const region of ['us-east-1', 'eu-west-1']) {
        expect(sweep.stdout).toContain(`  UNREACHABLE        333333333333 ${region}: cannot assume\n`);
      }
      const member = sweep.stdout.slice(sweep.stdout.indexOf('\nAccount 111111111111\n'));
      expect(member).toMatch(/^ {4}result +COMPLIANT \(found \d+ violations, all fixed\)$/m);

      // A second sweep finds nothing left to revoke there.
      const again = await session.sh(SWEEP_ORG);
      expect(again.stdout).toMatch(/^ {2}revocations +0$/m);

      await session.stopStandIn();
      expect(await portIsFree(session.port)).toBe(true);
    } finally {
      await session.stopStandIn();
    }
  }, 120_000);
});
