import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../bench/targets.ts';
import { IAM_ACTIONS, INVENTORY_IAM_ACTIONS } from '../../functions/aws/grants.ts';
import { SECURITY_HUB_IAM_ACTIONS } from '../../functions/aws/security-hub.ts';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import { CONTINUATION_DETAIL_TYPE } from '../../functions/engine/continuation.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { readPackagedPolicy } from '../../functions/policy/packaged.ts';
import { EVENT_PATTERN, SERVERLESS_EVENT_PATTERN } from '../../functions/triggers/targets.ts';
import { sdkCallsIn } from '../helpers/cloudformation.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * Builds the service the way `serverless deploy` would, offline and without AWS credentials, and
 * holds what comes out to the code: the triggers to the events the handlers read, every IAM
 * statement to the SDK calls the adapters make, and each zip to a handler that loads and runs.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OSLS = join(ROOT, 'node_modules/osls/bin/serverless.js');
const SERVICE_FILES = [
  'serverless.yml',
  'serverless',
  'functions',
  'policies',
  'package.json',
  'tsconfig.json',
];
const FUNCTIONS = { sweep: 'functions/sweep.cjs', snapshotEvent: 'functions/snapshot-event.cjs' } as const;
type Fn = keyof typeof FUNCTIONS;
const LOGICAL_ID: Record<Fn, string> = {
  sweep: 'SweepLambdaFunction',
  snapshotEvent: 'SnapshotEventLambdaFunction',
};
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
/** The policy as each function reads it: JSON, written by serverless/policy.cjs. */
const PACKAGED = 'dist/policy.json';
const NOW = new Date('2026-06-01T00:00:00Z');
/**
 * A bundle is parsed on every cold start; this keeps an accidental dependency from slipping in.
 * The README's figure, and the bench's (bench/targets.ts), held here to the zips that ship.
 */
const BUNDLE_BUDGET_BYTES = LIMITS.bundleBytes;

/** Policies beside the shipped one, each packaged into its own stack. */
const VARIANTS: Record<string, { policy?: string; args?: string[] }> = {
  shipped: {},
  deleting: {
    policy: `version: 1
mode: enforce
regions: [us-east-1, eu-west-1]
retention:
  manual: { maxAgeDays: 400, onViolation: delete }
exemptions:
  - { tags: { hold: legal }, reason: legal hold, until: 2099-12-31 }
# No grant is revoked for being not allowed; a delete still revokes the allowed grants it needs.
safety: { maxRevocationsPerRun: 0, maxDeletionsPerRun: 5 }
events: { busName: guard-test-bus, source: guard.test, securityHub: true }
`,
    args: ['--param=alertEmail=secops@example.com', '--param=scheduleRate=rate(15 minutes)'],
  },
  audit: { policy: 'version: 1\nmode: audit\n' },
  broken: { policy: 'version: 1\nretention:\n  manual:\n    maxRetentionDays: 4000\n' },
};

// ---- running osls offline ------------------------------------------------------------------

type Run = { code: number | null; output: string };

/** A minified bundle's stack trace quotes its one source line: cut lines short in failures. */
const readable = (output: string) => output.replace(/^(.{400}).+$/gm, '$1…');

/**
 * No AWS credentials or profile, no home directory of the machine's, and every HTTP(S) request
 * sent to a closed loopback port: packaging needs no network, and if that ever changes the run
 * fails at once instead of hanging.
 */
function offlineEnv(home: string): NodeJS.ProcessEnv {
  const nowhere = 'http://127.0.0.1:9';
  return {
    PATH: process.env.PATH,
    HOME: home,
    CI: '1',
    NO_COLOR: '1',
    SLS_SCHEMA_CACHE_BASE_DIR: home,
    TMPDIR: home,
    HTTP_PROXY: nowhere,
    HTTPS_PROXY: nowhere,
    http_proxy: nowhere,
    https_proxy: nowhere,
  };
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { ...options, timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A copy of the service per variant, so packagings run side by side and leave the repo alone. */
async function packageVariant(
  work: string,
  name: string,
): Promise<Run & { out: string; policyFile: string }> {
  const { policy, args: extra = [] } = VARIANTS[name] ?? {};
  const args = [...extra];
  const service = join(work, name, 'service');
  const out = join(work, name, 'out');
  for (const file of SERVICE_FILES) await cp(join(ROOT, file), join(service, file), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(service, 'node_modules'), 'dir');
  let policyFile = 'policies/default.yml';
  if (policy) {
    policyFile = `policies/test-${name}.yml`;
    await writeFile(join(service, policyFile), policy);
    args.push(`--param=policy=${policyFile}`);
  }
  const result = await run(
    process.execPath,
    [OSLS, 'package', '--stage', 'test', '--package', out, ...args],
    {
      cwd: service,
      env: offlineEnv(join(work, name)),
    },
  );
  return { ...result, out, policyFile };
}

// ---- reading what was packaged -----------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = { Type: string; Condition?: string; Properties: { [key: string]: Json } };
type Template = { Conditions?: Record<string, Json>; Resources: Record<string, Resource> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: Json };

const NO_VALUE = Symbol('AWS::NoValue');
const isObject = (node: unknown): node is { [key: string]: Json } =>
  typeof node === 'object' && node !== null && !Array.isArray(node);

/**
 * The template CloudFormation would deploy: conditions evaluated, `Fn::If` branches taken,
 * `AWS::NoValue` dropped, resources whose condition is false left out.
 */
function effective(template: Template): Template {
  const conditions = template.Conditions ?? {};
  const holds = (node: Json | undefined): boolean => {
    if (isObject(node)) {
      const [fn, args] = Object.entries(node)[0] ?? [];
      const list = Array.isArray(args) ? args : [];
      if (fn === 'Fn::Equals') return JSON.stringify(list[0]) === JSON.stringify(list[1]);
      if (fn === 'Fn::Not') return !holds(list[0]);
      if (fn === 'Fn::And') return list.every(holds);
      if (fn === 'Fn::Or') return list.some(holds);
      if (fn === 'Condition' && typeof args === 'string') return holds(conditions[args]);
    }
    throw new Error(`not a condition this test evaluates: ${JSON.stringify(node)}`);
  };
  const resolve = (node: Json): Json | typeof NO_VALUE => {
    if (Array.isArray(node)) return node.map(resolve).filter((v): v is Json => v !== NO_VALUE);
    if (!isObject(node)) return node;
    if (node.Ref === 'AWS::NoValue') return NO_VALUE;
    const branch = node['Fn::If'];
    if (Array.isArray(branch) && typeof branch[0] === 'string') {
      return resolve((holds(conditions[branch[0]]) ? branch[1] : branch[2]) ?? null);
    }
    const kept: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) {
      const resolved = resolve(value);
      if (resolved !== NO_VALUE) kept[key] = resolved;
    }
    return kept;
  };
  const resources = Object.entries(template.Resources)
    .filter(([, r]) => r.Condition === undefined || holds(conditions[r.Condition]))
    .map(([id, r]) => [id, resolve(r as unknown as Json) as unknown as Resource]);
  return { Resources: Object.fromEntries(resources) };
}

/** Entry name → bytes and unix mode, from the zip's central directory (no unzip on the machine needed). */
async function readZip(file: string): Promise<Map<string, { data: Buffer; mode: number }>> {
  const zip = await readFile(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = new Map<string, { data: Buffer; mode: number }>();
  let at = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + zip.readUInt32LE(at + 20));
    entries.set(zip.toString('utf8', at + 46, at + 46 + nameLength), {
      data: zip.readUInt16LE(at + 10) === 0 ? Buffer.from(raw) : inflateRawSync(raw),
      mode: zip.readUInt32LE(at + 38) >>> 16,
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

// ---- the packagings, once --------------------------------------------------------------------

type Packaged = {
  template: Template;
  zips: Record<Fn, Map<string, { data: Buffer; mode: number }>>;
  zipBytes: Record<Fn, number>;
  policyFile: string;
};

let work: string;
const packaged: Record<string, Packaged> = {};
let broken: Run;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'snapshot-guard-package-'));
  // Two at a time: each packaging is mostly one CPU of esbuild and tsx.
  const names = Object.keys(VARIANTS);
  const runs: Awaited<ReturnType<typeof packageVariant>>[] = [];
  for (let i = 0; i < names.length; i += 2) {
    runs.push(...(await Promise.all(names.slice(i, i + 2).map((name) => packageVariant(work, name)))));
  }
  for (const [i, name] of Object.keys(VARIANTS).entries()) {
    const result = runs[i];
    if (!result) continue;
    if (name === 'broken') {
      broken = result;
      continue;
    }
    if (result.code !== 0)
      throw new Error(`serverless package (${name}) failed:\n${readable(result.output)}`);
    const raw = JSON.parse(
      await readFile(join(result.out, 'cloudformation-template-update-stack.json'), 'utf8'),
    );
    const zips = {} as Packaged['zips'];
    const zipBytes = {} as Packaged['zipBytes'];
    for (const fn of Object.keys(FUNCTIONS) as Fn[]) {
      zips[fn] = await readZip(join(result.out, `${fn}.zip`));
      zipBytes[fn] = (await stat(join(result.out, `${fn}.zip`))).size;
    }
    packaged[name] = {
      template: effective(raw),
      zips,
      zipBytes,
      policyFile: result.policyFile,
    };
  }
}, 90_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function stack(name = 'shipped'): Packaged {
  const p = packaged[name];
  if (!p) throw new Error(`variant ${name} was not packaged`);
  return p;
}

function resource(id: string, name = 'shipped'): Resource {
  const r = stack(name).template.Resources[id];
  if (!r) throw new Error(`no resource ${id} in the ${name} template`);
  return r;
}

const ofType = (type: string, name = 'shipped') =>
  Object.entries(stack(name).template.Resources).filter(([, r]) => r.Type === type);

/** The rule whose target is the given function. */
function rulesFor(fnLogicalId: string): Resource[] {
  return ofType('AWS::Events::Rule')
    .map(([, r]) => r)
    .filter((r) => JSON.stringify(r.Properties.Targets).includes(`"${fnLogicalId}"`));
}

function ruleFor(fnLogicalId: string): Resource {
  const [rule] = rulesFor(fnLogicalId);
  if (!rule) throw new Error(`no rule targets ${fnLogicalId}`);
  return rule;
}

function statements(roleId: string, name = 'shipped'): Statement[] {
  const [policy] = resource(roleId, name).Properties.Policies as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  return policy?.PolicyDocument.Statement ?? [];
}

/** The actions of every Allow statement in the template: roles, topic policy, anything. */
function allowedAnywhere(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(allowedAnywhere);
  if (!isObject(node)) return [];
  if (node.Effect === 'Allow' && node.Action !== undefined) return [node.Action].flat().map(String);
  return Object.values(node).flatMap(allowedAnywhere);
}

const actionsOf = (s: Statement[]) => s.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript's
const OWN_REGION = '${AWS::Region}';
const sortedPattern = (pattern: unknown) => {
  const copy = JSON.parse(JSON.stringify(pattern));
  copy.detail.eventName.sort();
  return copy;
};

// ---- the tests -------------------------------------------------------------------------------

describe('serverless package', () => {
  it('packages offline, without AWS credentials, one zip per function and no shared role', () => {
    expect(Object.keys(packaged).sort()).toEqual(['audit', 'deleting', 'shipped']);
    expect(
      ofType('AWS::Lambda::Function')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['SnapshotEventLambdaFunction', 'SweepLambdaFunction']);
    expect(stack().template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('leaves no zip staging copies behind in the temp directory', async () => {
    for (const name of Object.keys(packaged)) {
      const left = (await readdir(join(work, name))).filter((e) => /^(sweep|snapshotEvent)-\d+-/.test(e));
      expect(left, name).toEqual([]);
    }
  });

  it('runs both functions on Node.js 22 on arm64 with their own timeout, memory and concurrency', () => {
    expect(resource('SweepLambdaFunction').Properties).toMatchObject({
      Handler: 'functions/sweep.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 900,
      MemorySize: 1024,
      ReservedConcurrentExecutions: 1,
      Role: getAtt('SweepRole'),
    });
    expect(resource('SnapshotEventLambdaFunction').Properties).toMatchObject({
      Handler: 'functions/snapshot-event.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 30,
      MemorySize: 512,
      Role: getAtt('SnapshotEventRole'),
    });
    expect(resource('SnapshotEventLambdaFunction').Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it.each(['shipped', 'deleting'])(
    'sets POLICY_PATH to the policy packaged with each function as JSON, read back as the YAML loads (%s)',
    async (name) => {
      const { policyFile, zips } = stack(name);
      const source = await readFile(join(work, name, 'service', policyFile));
      for (const fn of ['SweepLambdaFunction', 'SnapshotEventLambdaFunction']) {
        expect(resource(fn, name).Properties.Environment).toEqual({ Variables: { POLICY_PATH: PACKAGED } });
      }
      const fromYaml = parsePolicy(source, policyFile, { now: NOW });
      for (const zip of Object.values(zips)) {
        const json = zip.get(PACKAGED)?.data ?? Buffer.alloc(0);
        // The same policy, the same lines to cite, the same file and hash as the YAML it came from.
        expect(readPackagedPolicy(json, PACKAGED, { now: NOW })).toEqual(fromYaml);
      }
    },
  );

  it('removes the packaged policy from the service directory once the functions are zipped', async () => {
    for (const name of Object.keys(packaged)) {
      await expect(stat(join(work, name, 'service', PACKAGED)), name).rejects.toThrow(/ENOENT/);
    }
  });

  it('sweeps on the schedule given as a parameter', () => {
    expect(ruleFor('SweepLambdaFunction').Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(ruleFor('SweepLambdaFunction').Properties.State).toBe('ENABLED');
    const deleting = ofType('AWS::Events::Rule', 'deleting').find(([, r]) => r.Properties.ScheduleExpression);
    expect(deleting?.[1].Properties.ScheduleExpression).toBe('rate(15 minutes)');
  });

  it('triggers snapshotEvent from the default bus on exactly the CloudTrail calls it handles', () => {
    const rules = rulesFor('SnapshotEventLambdaFunction');
    for (const rule of rules) expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rules.map((r) => sortedPattern(r.Properties.EventPattern))).toEqual(
      expect.arrayContaining([sortedPattern(EVENT_PATTERN), sortedPattern(SERVERLESS_EVENT_PATTERN)]),
    );
    expect(rules).toHaveLength(2);
    const invokes = ofType('AWS::Lambda::Permission').map(([, r]) => r.Properties);
    expect(invokes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          FunctionName: getAtt('SweepLambdaFunction'),
          Principal: 'events.amazonaws.com',
        }),
        expect.objectContaining({
          FunctionName: getAtt('SnapshotEventLambdaFunction'),
          Principal: 'events.amazonaws.com',
        }),
      ]),
    );
  });

  it('creates the compliance bus the policy names, with a 90-day archive', () => {
    expect(resource('ComplianceBus').Properties).toEqual({ Name: 'snapshot-compliance' });
    expect(resource('ComplianceBus', 'deleting').Properties).toEqual({ Name: 'guard-test-bus' });
    expect(resource('ComplianceArchive').Properties).toMatchObject({
      SourceArn: getAtt('ComplianceBus'),
      RetentionDays: 90,
    });
  });

  it('routes violations and failures on the compliance bus to the alert topic', () => {
    const alerting = [
      DETAIL_TYPES.violation,
      DETAIL_TYPES.failed,
      DETAIL_TYPES.blastRadius,
      DETAIL_TYPES.inventoryFailed,
    ];
    expect(resource('AlertRule').Properties).toMatchObject({
      EventBusName: { Ref: 'ComplianceBus' },
      EventPattern: { source: ['redshift-snapshot-guard'], 'detail-type': alerting },
      Targets: [{ Id: 'alert-topic', Arn: { Ref: 'AlertTopic' } }],
    });
    expect(resource('AlertRule', 'deleting').Properties.EventPattern).toMatchObject({
      source: ['guard.test'],
    });
    expect(resource('AlertTopic').Type).toBe('AWS::SNS::Topic');
  });

  it("hands the request for a sweep's next part on the compliance bus to the sweep function, and only that", () => {
    expect(resource('SweepContinuationRule').Properties).toEqual({
      Description: expect.any(String),
      EventBusName: { Ref: 'ComplianceBus' },
      EventPattern: {
        source: ['redshift-snapshot-guard'],
        'detail-type': [CONTINUATION_DETAIL_TYPE],
        'replay-name': [{ exists: false }],
      },
      Targets: [{ Id: 'sweep', Arn: getAtt('SweepLambdaFunction') }],
    });
    expect(resource('SweepContinuationPermission').Properties).toEqual({
      FunctionName: getAtt('SweepLambdaFunction'),
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt('SweepContinuationRule'),
    });
  });

  it('lets only its own alert rule and failure alarm publish to the topic', () => {
    expect(resource('AlertTopicPolicy').Properties).toEqual({
      Topics: [{ Ref: 'AlertTopic' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AlertRulePublishes',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: 'AlertTopic' },
            Condition: { ArnEquals: { 'aws:SourceArn': getAtt('AlertRule') } },
          },
          {
            Sid: 'FailureAlarmPublishes',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: 'AlertTopic' },
            Condition: { ArnEquals: { 'aws:SourceArn': getAtt('FailedInvocationsAlarm') } },
          },
        ],
      },
    });
  });

  it('subscribes the alert e-mail only when one is given', () => {
    expect(ofType('AWS::SNS::Subscription')).toEqual([]);
    expect(resource('AlertEmailSubscription', 'deleting').Properties).toEqual({
      TopicArn: { Ref: 'AlertTopic' },
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
  });

  it('sends an invocation still failing after two retries to the failure queue, and alarms on it', () => {
    for (const fn of ['Sweep', 'SnapshotEvent']) {
      expect(resource(`${fn}LambdaEvConf`).Properties).toEqual({
        FunctionName: { Ref: `${fn}LambdaFunction` },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: getAtt('FailureQueue') } },
      });
    }
    expect(resource('FailureQueue').Type).toBe('AWS::SQS::Queue');
    expect(resource('FailedInvocationsAlarm').Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt('FailureQueue', 'QueueName') }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
  });
});

describe('least privilege', () => {
  const cluster = (region: string) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:redshift:${region}:\${AWS::AccountId}:snapshot:*/*`,
  });
  const serverless = (region: string) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:redshift-serverless:${region}:\${AWS::AccountId}:snapshot/*`,
  });
  const allow = (Sid: string, Action: string[], Resource: Json): Statement => ({
    Sid,
    Effect: 'Allow',
    Action,
    Resource,
  });
  /** What each function needs beyond reading and changing snapshots. */
  const plumbing = (logGroup: string): Statement[] => [
    allow('WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(logGroup)),
    allow('PublishComplianceEvents', ['events:PutEvents'], getAtt('ComplianceBus')),
    allow('ReportFailedInvocations', ['sqs:SendMessage'], getAtt('FailureQueue')),
  ];
  const sweepLists = allow(
    'ListSnapshots',
    ['redshift:DescribeClusterSnapshots', 'redshift-serverless:ListSnapshots'],
    '*',
  );
  const eventLists = allow('ListSnapshots', ['redshift:DescribeClusterSnapshots'], '*');
  /** The Service Authorization Reference gives ListTagsForResource namespace and workgroup resources only. */
  const readTags = allow('ReadServerlessTags', ['redshift-serverless:ListTagsForResource'], '*');
  const revoke = (resources: Json) => allow('RevokeGrants', ['redshift:RevokeSnapshotAccess'], resources);
  const removeCluster = (resources: Json) =>
    allow('DeleteClusterSnapshots', ['redshift:DeleteClusterSnapshot'], resources);
  const removeServerless = (resources: Json) =>
    allow('DeleteServerlessSnapshots', ['redshift-serverless:DeleteSnapshot'], resources);
  const confirm = (resources: Json) =>
    allow('ConfirmServerlessGrants', ['redshift-serverless:GetSnapshot'], resources);
  const restore = (resources: Json) =>
    allow('RestoreGrants', ['redshift:AuthorizeSnapshotAccess'], resources);
  const hubArn = (region: string, resource: string) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:securityhub:${region}:\${AWS::AccountId}:${resource}`,
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript's
  const product = (region: string) => hubArn(region, 'product/${AWS::AccountId}/default');
  const hub = (region: string) => hubArn(region, 'hub/default');
  const importFindings = (resources: Json) =>
    allow('ImportFindings', ['securityhub:BatchImportFindings'], resources);
  const resolveFindings = (resources: Json) =>
    allow('ResolveFindings', ['securityhub:GetFindings', 'securityhub:BatchUpdateFindings'], resources);
  const bySid = (s: Statement[]) => [...s].sort((a, b) => (a.Sid ?? '').localeCompare(b.Sid ?? ''));
  const role = (id: string, name: string) => bySid(statements(id, name));
  const granted = (name: string) =>
    [...new Set(['SweepRole', 'SnapshotEventRole'].flatMap((r) => actionsOf(statements(r, name))))].sort();

  it('gives each function a role of its own and allows no wildcard action anywhere', () => {
    expect(
      ofType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['SnapshotEventRole', 'SweepRole']);
    for (const name of Object.keys(packaged)) {
      // The deployment bucket's policy denies s3:* without TLS; a wildcard deny is fine.
      expect(
        allowedAnywhere(stack(name).template).filter((a) => a.includes('*')),
        name,
      ).toEqual([]);
    }
  });

  it('grants every call functions/aws makes that needs a permission, and nothing else', async () => {
    // GetCallerIdentity is answered for any caller; no policy can deny it.
    const needed = (await sdkCallsIn('functions/aws')).filter((c) => c !== 'sts:GetCallerIdentity');
    const plumbingActions = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];
    // The policy that enforces, deletes and matches on tags needs every one of them.
    expect(granted('deleting')).toEqual([...needed, ...plumbingActions].sort());
    expect(needed).toEqual(
      [
        ...new Set([
          ...INVENTORY_IAM_ACTIONS,
          ...IAM_ACTIONS.revoke,
          ...IAM_ACTIONS.delete,
          ...IAM_ACTIONS.restore,
          'events:PutEvents',
          ...SECURITY_HUB_IAM_ACTIONS,
        ]),
      ].sort(),
    );
  });

  it('grants Security Hub only to a policy that sends findings, scoped to its own product and hub', () => {
    const regions = ['us-east-1', 'eu-west-1'];
    const sweep = role('SweepRole', 'deleting');
    expect(sweep).toContainEqual(importFindings(regions.map(product)));
    expect(sweep).toContainEqual(resolveFindings(regions.map(hub)));
    const event = role('SnapshotEventRole', 'deleting');
    expect(event).toContainEqual(importFindings(product(OWN_REGION)));
    expect(event).toContainEqual(resolveFindings(hub(OWN_REGION)));
    for (const name of ['shipped', 'audit']) {
      expect(
        granted(name).filter((a) => a.startsWith('securityhub:')),
        name,
      ).toEqual([]);
    }
  });

  it('scopes the sweep of the shipped policy (enforce, report, tag rules) to its own region', () => {
    expect(role('SweepRole', 'shipped')).toEqual(
      bySid([
        ...plumbing('SweepLogGroup'),
        sweepLists,
        readTags,
        revoke([cluster(OWN_REGION), serverless(OWN_REGION)]),
        confirm([serverless(OWN_REGION)]),
      ]),
    );
  });

  it('scopes snapshotEvent to the one region its CloudTrail events come from, and never lets it delete or give a grant back', () => {
    const read = (actions: string[]) => allow('ReadServerlessSnapshot', actions, serverless(OWN_REGION));
    const revokeHere = revoke([cluster(OWN_REGION), serverless(OWN_REGION)]);
    expect(role('SnapshotEventRole', 'shipped')).toEqual(
      bySid([
        ...plumbing('SnapshotEventLogGroup'),
        eventLists,
        read(['redshift-serverless:GetSnapshot']),
        readTags,
        revokeHere,
      ]),
    );
    expect(role('SnapshotEventRole', 'deleting')).toEqual(
      bySid([
        ...plumbing('SnapshotEventLogGroup'),
        eventLists,
        read(['redshift-serverless:GetSnapshot']),
        readTags,
        revokeHere,
        importFindings(product(OWN_REGION)),
        resolveFindings(hub(OWN_REGION)),
      ]),
    );
  });

  it('grants Serverless ListTagsForResource on *, not on snapshot ARNs it may not apply to, only to a policy that reads tags', () => {
    for (const roleId of ['SweepRole', 'SnapshotEventRole']) {
      const tagging = statements(roleId, 'shipped').filter((st) =>
        [st.Action].flat().includes('redshift-serverless:ListTagsForResource'),
      );
      expect(tagging, roleId).toEqual([readTags]);
      expect(actionsOf(statements(roleId, 'audit')), roleId).not.toContain(
        'redshift-serverless:ListTagsForResource',
      );
    }
  });

  it('grants delete, and giving back grants a failed delete took, only to a policy that deletes, in each region the sweep reads', () => {
    const regions = ['us-east-1', 'eu-west-1'];
    expect(role('SweepRole', 'deleting')).toEqual(
      bySid([
        ...plumbing('SweepLogGroup'),
        sweepLists,
        readTags,
        revoke([...regions.map(cluster), ...regions.map(serverless)]),
        confirm(regions.map(serverless)),
        restore([...regions.map(cluster), ...regions.map(serverless)]),
        removeCluster(regions.map(cluster)),
        removeServerless(regions.map(serverless)),
        importFindings(regions.map(product)),
        resolveFindings(regions.map(hub)),
      ]),
    );
    expect(granted('shipped').filter((a) => IAM_ACTIONS.delete.includes(a))).toEqual([]);
    expect(granted('shipped')).not.toContain('redshift:AuthorizeSnapshotAccess');
  });

  it('grants a policy in audit mode, with no tag rules, nothing that changes or reads tags', () => {
    expect(role('SweepRole', 'audit')).toEqual(bySid([...plumbing('SweepLogGroup'), sweepLists]));
    expect(role('SnapshotEventRole', 'audit')).toEqual(
      bySid([
        ...plumbing('SnapshotEventLogGroup'),
        eventLists,
        allow('ReadServerlessSnapshot', ['redshift-serverless:GetSnapshot'], serverless(OWN_REGION)),
      ]),
    );
  });
});

describe('the packaged handlers', () => {
  const local = useStandIn({ eventBuses: ['snapshot-compliance'] });
  const extracted: Partial<Record<Fn, string>> = {};

  beforeAll(async () => {
    for (const fn of Object.keys(FUNCTIONS) as Fn[]) {
      const dir = join(work, 'extracted', fn);
      for (const [name, { data }] of stack().zips[fn]) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), data);
      }
      extracted[fn] = dir;
    }
    await writeFile(join(work, 'invoke.mjs'), INVOKE);
  });

  /** Runs a bundle in a fresh Node.js process, from its package root as Lambda does (/var/task), with only the runtime's SDK beside it. */
  async function invoke(
    fn: Fn,
    event?: unknown,
  ): Promise<{ exports: string[]; result?: unknown; sdks: string[] }> {
    const dir = extracted[fn] ?? '';
    const args = [join(work, 'invoke.mjs'), join(dir, FUNCTIONS[fn])];
    if (event !== undefined) {
      await writeFile(join(work, `${fn}-event.json`), JSON.stringify(event));
      args.push(join(work, `${fn}-event.json`));
    }
    const env = resource(LOGICAL_ID[fn]).Properties.Environment as {
      Variables: Record<string, string>;
    };
    const { code, output } = await run(process.execPath, args, {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ...env.Variables,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL: local.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
        AWS_SECRET_ACCESS_KEY: 'x',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        // Lambda's NODE_PATH reaches the SDK the runtime ships; this project's copy stands in for it.
        NODE_PATH: join(ROOT, 'node_modules'),
      },
    });
    const line = output.split('\n').find((l) => l.startsWith('RESULT '));
    if (code !== 0 || !line) throw new Error(`${fn} failed (exit ${code}):\n${readable(output)}`);
    return JSON.parse(line.slice('RESULT '.length));
  }

  it('are each one CommonJS file that requires only Node.js built-ins and the runtime-provided SDK, within the size budget', () => {
    const sizes: string[] = [];
    for (const fn of Object.keys(FUNCTIONS) as Fn[]) {
      const zip = stack().zips[fn];
      expect([...zip.keys()].sort()).toEqual([FUNCTIONS[fn], PACKAGED].sort());
      // Lambda runs the code as another user: every file must be readable by all.
      for (const { mode } of zip.values()) expect(mode & 0o444).toBe(0o444);
      const bundle = zip.get(FUNCTIONS[fn])?.data ?? Buffer.alloc(0);
      const imports = [
        ...bundle.toString('utf8').matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*"([^"]+)"/g),
      ].map((m) => m[1] ?? '');
      const builtin = (i: string) => i.startsWith('node:') || builtinModules.includes(i);
      // The nodejs22.x runtime ships the AWS SDK v3; everything else must be in the bundle.
      const runtimeSdk = (i: string) => i.startsWith('@aws-sdk/') || i.startsWith('@smithy/');
      expect(imports.filter((i) => !builtin(i) && !runtimeSdk(i))).toEqual([]);
      expect(imports.some(runtimeSdk)).toBe(true);
      expect(bundle.length).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      // The policy ships as JSON: none of the yaml package (its error class and the tags of its
      // schemas are strings minifying keeps), and a YAML POLICY_PATH is refused saying why.
      const code = bundle.toString('utf8');
      for (const yamlCode of ['YAMLParseError', 'tag:yaml.org,2002'])
        expect(code, fn).not.toContain(yamlCode);
      expect(code).toContain('(POLICY_PATH ending in .json), not YAML');
      const unzipped = [...zip.values()].reduce((n, e) => n + e.data.length, 0);
      sizes.push(`${fn}: ${stack().zipBytes[fn]} bytes zipped, ${unzipped} unzipped`);
    }
    console.info(`packaged sizes\n  ${sizes.join('\n  ')}`);
  });

  it('each load in a fresh Node.js process and export handler', async () => {
    expect((await invoke('sweep')).exports).toContain('handler');
    expect((await invoke('snapshotEvent')).exports).toContain('handler');
  });

  it('leave the Security Hub SDK unloaded when the policy sends no findings', async () => {
    local.reset();
    const { sdks } = await invoke('sweep', { dryRun: true });
    expect(sdks).toContain('client-redshift');
    expect(sdks).not.toContain('client-securityhub');
  });

  it('enforce the packaged policy, calling only what their roles allow', async () => {
    const shared = () => {
      local.reset();
      local.store.createCluster(ACCOUNT, REGION, { identifier: 'finance-prod' });
      local.store.createSnapshot(ACCOUNT, REGION, {
        identifier: 'finance-prod-manual-1',
        clusterIdentifier: 'finance-prod',
        encrypted: true,
        manualSnapshotRetentionPeriod: 30,
        grants: ['999988887777'],
      });
    };
    const grants = () => local.store.getSnapshot(ACCOUNT, REGION, 'finance-prod-manual-1')?.grants;
    const allowed = (role: string) => new Set([...actionsOf(statements(role)), 'sts:GetCallerIdentity']);
    // 'redshift.DescribeClusterSnapshots', or with the JSON target: 'service.Target.Action'.
    const made = () => Object.keys(local.calls()).map((k) => `${k.split('.')[0]}:${k.split('.').at(-1)}`);
    const cloudTrail = JSON.parse(
      await readFile(join(ROOT, 'test/fixtures/events/authorize-snapshot-access.json'), 'utf8'),
    );

    // The shipped policy lets no other account restore a finance-* snapshot.
    shared();
    const swept = (await invoke('sweep', { dryRun: false })).result;
    expect(swept).toMatchObject({ totals: { revocations: { applied: 1 } } });
    expect(grants()).toEqual([]);
    expect(made().filter((a) => !allowed('SweepRole').has(a))).toEqual([]);

    shared();
    const handled = (await invoke('snapshotEvent', cloudTrail)).result;
    expect(handled).toMatchObject({ totals: { revocations: { applied: 1 } } });
    expect(grants()).toEqual([]);
    expect(made()).toContain('redshift:RevokeSnapshotAccess');
    expect(made().filter((a) => !allowed('SnapshotEventRole').has(a))).toEqual([]);
    expect(local.events('snapshot-compliance').map((e) => e.detailType)).toContain(DETAIL_TYPES.revoked);
  });
});

describe('a policy that does not load', () => {
  it('fails serverless package with the loader’s message and packages nothing', async () => {
    const file = 'policies/test-broken.yml';
    const expected = (() => {
      try {
        parsePolicy(VARIANTS.broken?.policy ?? '', file);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the broken policy loaded');
    })();

    expect(broken.code).not.toBe(0);
    expect(broken.output).toContain(expected);
    await expect(stat(join(work, 'broken', 'out'))).rejects.toThrow();
  });
});

/** `node invoke.mjs <bundle> [event.json]`: imports the bundle and, given an event, invokes it. */
const INVOKE = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const [bundle, eventFile] = process.argv.slice(2);
const mod = await import(pathToFileURL(bundle).href);
const out = { exports: Object.keys(mod) };
if (eventFile) {
  const context = {
    functionName: 'redshift-snapshot-guard-test', functionVersion: '$LATEST', memoryLimitInMB: '512',
    invokedFunctionArn: 'arn:aws:lambda:${REGION}:${ACCOUNT}:function:redshift-snapshot-guard-test',
    awsRequestId: '8f5f6f1e-0c2d-4b8e-9a51-3c7d2b1e0f42', logGroupName: '/aws/lambda/test', logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60000,
  };
  out.result = await mod.handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
}
out.sdks = Object.keys(createRequire(import.meta.url).cache).map((f) => /@aws-sdk\\/(client-[a-z-]+)/.exec(f)?.[1]).filter(Boolean);
process.stdout.write('\\nRESULT ' + JSON.stringify(out) + '\\n');
`;
