import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IAM_ACTIONS, INVENTORY_IAM_ACTIONS } from '../../functions/aws/grants.ts';
import { RunPlanSchema, WorkItemSchema, WorkResultSchema } from '../../functions/org/model.ts';
import { OrgStepSchema } from '../../functions/org-run.ts';
import { EVENT_PATTERN, SERVERLESS_EVENT_PATTERN } from '../../functions/triggers/targets.ts';
import {
  actionsOf,
  applyTemplate,
  effective,
  type Json,
  packageService,
  type Resource,
  ROOT,
  readTemplate,
  readZip,
  type Statement,
  sdkCallsIn,
  statements,
  type Template,
} from '../helpers/cloudformation.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * The organisation hub as `serverless package` builds it, offline: what exists only in
 * organisation mode, the state machine's data flow against the schemas its functions parse, every
 * hub role against the SDK calls in functions/org/, and the packaged worker run against the
 * stand-in's organisation.
 */

const ORG_ID = 'o-abcdef123456';
const HUB = '123456789012';
const MEMBER = '111111111111';

const POLICIES = {
  all: `version: 1
mode: enforce
regions: [us-east-1, eu-west-1]
sharing:
  allowedAccounts: ["444455556666"]
  rules:
    - { match: { tags: { team: finance } }, allowedAccounts: [] }
retention:
  manual: { maxAgeDays: 400, onViolation: delete }
organization:
  accounts: all
  excludeAccounts: ["${HUB}"]
  externalId: hub-secret
  maxConcurrency: 7
`,
  listed: `version: 1
mode: audit
organization:
  accounts: ["${MEMBER}", "222222222222"]
`,
};

type Packaged = { template: Template; out: string };
let work: string;
const stacks: Record<string, Packaged> = {};
let missingId: { code: number | null; output: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'snapshot-guard-package-org-'));
  const pack = async (name: string, policy: string, args: string[]) =>
    packageService(join(work, name), policy, args);
  const [all, listed] = await Promise.all([
    pack('all', POLICIES.all, [`--param=organizationId=${ORG_ID}`]),
    pack('listed', POLICIES.listed, [`--param=organizationId=${ORG_ID}`]),
  ]);
  for (const [name, result] of Object.entries({ all, listed })) {
    if (!result.template) throw new Error(`serverless package (${name}) failed:\n${result.output}`);
    stacks[name] = { template: effective(result.template), out: result.out };
  }
  missingId = await pack('missing', POLICIES.all, []);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function stack(name = 'all'): Template {
  const s = stacks[name];
  if (!s) throw new Error(`variant ${name} was not packaged`);
  return s.template;
}

function resource(id: string, name = 'all'): Resource {
  const r = stack(name).Resources[id];
  if (!r) throw new Error(`no resource ${id} in ${name}`);
  return r;
}

const ofType = (type: string, name = 'all') =>
  Object.entries(stack(name).Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id)
    .sort();
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
type Definition = { StartAt: string; States: Record<string, Record<string, Json>> };
const definition = () => resource('OrgSweepStateMachine').Properties.Definition as unknown as Definition;
type State = Record<string, Json>;
function stateOf(name: string): State {
  const state = definition().States[name];
  if (!state) throw new Error(`no state ${name}`);
  return state;
}
/** The states of a Map's item processor. */
const processorOf = (map: string) =>
  (stateOf(map).ItemProcessor as unknown as { States: Record<string, State> }).States;
/** A Lambda task's Payload template. */
const payloadOf = (task: string) => (stateOf(task).Parameters as Record<string, Json>).Payload ?? null;

describe('serverless package of an organisation hub', () => {
  it('fails without the organisation id, saying which parameter to give', () => {
    expect(missingId.code).not.toBe(0);
    expect(missingId.output).toContain('--param="organizationId=o-..."');
  });

  it('puts the hub in place of the single-account functions: the planner on the schedule, the member-event path on the events', () => {
    expect(ofType('AWS::Lambda::Function')).toEqual([
      'OrgRunLambdaFunction',
      'OrgWorkerLambdaFunction',
      'SnapshotEventLambdaFunction',
      'SweepLambdaFunction',
    ]);
    expect(resource('SweepLambdaFunction').Properties).toMatchObject({
      Handler: 'functions/org-start.handler',
      Role: getAtt('OrgSweepRole'),
      Environment: {
        Variables: {
          POLICY_PATH: 'dist/policy.json',
          ORG_STATE_MACHINE_ARN: { Ref: 'OrgSweepStateMachine' },
        },
      },
    });
    expect(resource('SnapshotEventLambdaFunction').Properties).toMatchObject({
      Handler: 'functions/org-event.handler',
      Role: getAtt('OrgEventRole'),
    });
    expect(resource('OrgWorkerLambdaFunction').Properties).toMatchObject({
      Handler: 'functions/org-worker.handler',
      Timeout: 900,
      Role: getAtt('OrgWorkerRole'),
    });
    expect(ofType('AWS::IAM::Role')).toEqual([
      'OrgEventRole',
      'OrgRunRole',
      'OrgStateMachineRole',
      'OrgSweepRole',
      'OrgWorkerRole',
    ]);
  });

  it('fans out on a Distributed Map with the policy’s maxConcurrency, tolerated failures and retries on Lambda’s errors', () => {
    const states = definition().States;
    const sm = resource('OrgSweepStateMachine').Properties;
    expect(sm.DefinitionSubstitutions).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
      LambdaInvoke: { 'Fn::Sub': 'arn:${AWS::Partition}:states:::lambda:invoke' },
      WorkerArn: getAtt('OrgWorkerLambdaFunction'),
      RunArn: getAtt('OrgRunLambdaFunction'),
    });
    for (const map of ['Sweep', 'Enforce']) {
      expect(states[map]).toMatchObject({
        Type: 'Map',
        MaxConcurrency: 7,
        ToleratedFailurePercentage: 100,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      });
      const work = processorOf(map).Work ?? {};
      expect(work).toMatchObject({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: DefinitionSubstitutions placeholders
        Resource: '${LambdaInvoke}',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: DefinitionSubstitutions placeholders
        Parameters: { FunctionName: '${WorkerArn}', 'Payload.$': '$' },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      });
      expect((work.Retry as { ErrorEquals: string[] }[])[0]?.ErrorEquals).toEqual([
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
      ]);
    }
    expect(Object.keys(states)).toEqual(
      expect.arrayContaining(['Sweep', 'Gate', 'AnyHeld', 'Enforce', 'NothingHeld', 'Finish', 'SweepFailed']),
    );
  });

  it('hands each step exactly what its function parses, from the plan to the summary', () => {
    const states = definition().States;
    const plan = RunPlanSchema.parse({
      run: { runId: 'run-1', startedAt: '2026-11-01T10:00:00.000Z', dryRun: false, trigger: 'schedule' },
      accounts: 1,
      items: [{ account: MEMBER, region: 'us-east-1' }],
      unreachable: [],
      skipped: [],
    });
    const item = plan.items[0] as Json;
    const workItem = applyTemplate(states.Sweep?.ItemSelector ?? null, plan as Json, {
      Map: { Item: { Value: item } },
    });
    expect(WorkItemSchema.parse(workItem)).toMatchObject({ phase: 'sweep', item });

    // A worker that fails or times out still ends in a result the gate and the summary read.
    const processor = processorOf('Sweep');
    const failed = applyTemplate(
      processor.Failed?.Parameters ?? null,
      { ...(workItem as object), error: { Error: 'Sandbox.Timedout', Cause: '{}' } },
      {},
    );
    expect(WorkResultSchema.parse(failed)).toMatchObject({
      status: 'failed',
      reason: 'the worker failed: Sandbox.Timedout',
    });

    const swept = [failed];
    const gateInput = applyTemplate(payloadOf('Gate'), { ...plan, swept } as Json, {});
    expect(OrgStepSchema.parse(gateInput).step).toBe('gate');

    const gate = {
      phase: 'enforce',
      reason: '',
      stops: {},
      held: [{ ...(item as object), budget: { revocations: 1, deletions: 0 } }],
      planned: { revocations: 1, deletions: 0 },
    };
    const enforceItem = applyTemplate(
      states.Enforce?.ItemSelector ?? null,
      { ...plan, gate: { Payload: gate } } as Json,
      {
        Map: { Item: { Value: gate.held[0] as Json } },
      },
    );
    expect(WorkItemSchema.parse(enforceItem)).toMatchObject({
      phase: 'enforce',
      item: { budget: { revocations: 1 } },
    });
    // Over a limit of the run: each held item learns which kind of change it must not make.
    const over = { ...gate, phase: 'blocked', reason: 'over', stops: { revoke: 'over' } };
    const blockedItem = applyTemplate(
      states.Enforce?.ItemSelector ?? null,
      { ...plan, gate: { Payload: over } } as Json,
      { Map: { Item: { Value: gate.held[0] as Json } } },
    );
    expect(WorkItemSchema.parse(blockedItem)).toMatchObject({ phase: 'blocked', stops: { revoke: 'over' } });

    const state = { ...plan, swept, gate: { Payload: gate }, enforced: [] } as Json;
    const finish = applyTemplate(payloadOf('Finish'), state, {});
    expect(OrgStepSchema.parse(finish).step).toBe('finish');
    // A Map that fails as a whole still reaches the summary, every item without a result.
    const recovered = applyTemplate(states.SweepFailed?.Parameters ?? null, plan as Json, {});
    const afterFailure = applyTemplate(payloadOf('Finish'), recovered, {});
    expect(OrgStepSchema.parse(afterFailure)).toMatchObject({ step: 'finish', swept: [], enforced: [] });
  });

  it("lets only the organisation's accounts put events on the member-events bus, and routes them to the event function", () => {
    expect(resource('OrgEventBusPolicy').Properties).toMatchObject({
      EventBusName: { Ref: 'OrgEventBus' },
      Statement: {
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: getAtt('OrgEventBus'),
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
      },
    });
    const rules = ['OrgMemberEventRule', 'OrgMemberServerlessEventRule'].map((id) => resource(id).Properties);
    expect(rules.map((r) => r.EventPattern)).toEqual(
      [EVENT_PATTERN, SERVERLESS_EVENT_PATTERN].map((p) => JSON.parse(JSON.stringify(p))),
    );
    for (const r of rules) {
      expect(r.EventBusName).toEqual({ Ref: 'OrgEventBus' });
      expect(r.Targets).toEqual([{ Id: 'snapshot-event', Arn: getAtt('SnapshotEventLambdaFunction') }]);
    }
    expect(resource('OrgMemberEventPermission').Properties).toMatchObject({
      FunctionName: getAtt('SnapshotEventLambdaFunction'),
      SourceArn: getAtt('OrgMemberEventRule'),
    });
    expect(resource('OrgAlertRule').Properties.EventPattern).toEqual({
      source: ['redshift-snapshot-guard'],
      'detail-type': ['Account Unreachable'],
    });
  });

  it('outputs every parameter the member StackSet takes, derived from the policy', async () => {
    const member = await readTemplate('member/member-account.yml');
    const outputs = stack().Outputs ?? {};
    expect(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.Value]))).toMatchObject({
      HubWorkerRoleArn: getAtt('OrgWorkerRole'),
      HubEventRoleArn: getAtt('OrgEventRole'),
      HubEventBusArn: getAtt('OrgEventBus'),
      MemberRoleName: 'RedshiftSnapshotGuardMember',
      MemberRegions: 'us-east-1,eu-west-1',
      MemberCanRevoke: 'true',
      MemberCanDelete: 'true',
      MemberReadsTags: 'true',
      MemberSendsToSecurityHub: 'false',
    });
    // The external id is the policy's secret (not an output); the role's region is the operator's choice.
    const fromHub = {
      HubWorkerRoleArn: 'HubWorkerRoleArn',
      HubEventRoleArn: 'HubEventRoleArn',
      HubEventBusArn: 'HubEventBusArn',
      MemberRoleName: 'MemberRoleName',
      Regions: 'MemberRegions',
      CanRevoke: 'MemberCanRevoke',
      CanDelete: 'MemberCanDelete',
      ReadsTags: 'MemberReadsTags',
      SendsToSecurityHub: 'MemberSendsToSecurityHub',
    };
    const taken = Object.keys((member as unknown as { Parameters: object }).Parameters);
    expect(taken.filter((p) => p !== 'ExternalId' && p !== 'RoleRegion').sort()).toEqual(
      Object.keys(fromHub).sort(),
    );
    for (const output of Object.values(fromHub)) expect(Object.keys(outputs)).toContain(output);
    expect(stack('listed').Outputs).toMatchObject({
      MemberCanRevoke: { Value: 'false' },
      MemberCanDelete: { Value: 'false' },
      MemberReadsTags: { Value: 'false' },
      MemberRegions: { Value: { Ref: 'AWS::Region' } },
    });
  });
});

describe('least privilege of the hub', () => {
  const allow = (name: string, role: string) => statements(stack(name), role);
  const assume = (s: Statement[]) => s.find((st) => st.Sid === 'AssumeMemberRoles');

  it('grants every call functions/org makes that needs a permission, and no Redshift call in the hub’s own account', async () => {
    const needed = await sdkCallsIn('functions/org');
    expect(needed).toEqual(['organizations:ListAccounts', 'states:StartExecution', 'sts:AssumeRole']);
    const roles = ofType('AWS::IAM::Role');
    const granted = [...new Set(roles.flatMap((r) => actionsOf(allow('all', r))))].sort();
    const plumbing = [
      'events:PutEvents',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'states:DescribeExecution',
      'states:StopExecution',
    ];
    expect(granted).toEqual([...needed, ...plumbing].sort());
    const redshift = [...INVENTORY_IAM_ACTIONS, ...IAM_ACTIONS.revoke, ...IAM_ACTIONS.delete];
    expect(granted.filter((a) => redshift.includes(a))).toEqual([]);
  });

  it('gives each hub function only its own part', () => {
    expect(actionsOf(allow('all', 'OrgSweepRole'))).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'organizations:ListAccounts',
      'sqs:SendMessage',
      'states:StartExecution',
    ]);
    expect(actionsOf(allow('all', 'OrgWorkerRole'))).toEqual([
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sts:AssumeRole',
    ]);
    expect(actionsOf(allow('all', 'OrgRunRole'))).toEqual([
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(actionsOf(allow('all', 'OrgEventRole'))).toContain('organizations:ListAccounts');
    // A policy that lists its accounts never reads the organisation from the event path.
    expect(actionsOf(allow('listed', 'OrgEventRole'))).not.toContain('organizations:ListAccounts');
  });

  it('assumes only the named member role, only in the organisation', () => {
    for (const role of ['OrgWorkerRole', 'OrgEventRole']) {
      expect(assume(allow('all', role))).toEqual({
        Sid: 'AssumeMemberRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/RedshiftSnapshotGuardMember' },
        Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } },
      });
    }
  });

  it('lets the state machine run only its own functions and child executions', () => {
    const s = allow('all', 'OrgStateMachineRole');
    expect(s.find((st) => st.Sid === 'InvokeOrganizationFunctions')?.Resource).toEqual([
      getAtt('OrgWorkerLambdaFunction'),
      getAtt('OrgRunLambdaFunction'),
    ]);
    expect(JSON.stringify(s.find((st) => st.Sid === 'StartChildExecutions')?.Resource)).toContain(
      ':stateMachine:redshift-snapshot-guard-test-organization-sweep',
    );
    expect(resource('OrgSweepStateMachine').Properties.StateMachineName).toBe(
      'redshift-snapshot-guard-test-organization-sweep',
    );
  });
});

describe('the packaged worker', () => {
  const local = useStandIn({
    eventBuses: ['snapshot-compliance'],
    organization: { members: [MEMBER], externalId: 'hub-secret' },
  });

  it('runs from its zip in a fresh Node.js process and calls only what its role and the member role allow', async () => {
    // Prepare
    const dir = join(work, 'extracted');
    for (const [name, data] of await readZip(join(stacks.all?.out ?? '', 'orgWorker.zip'))) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), data);
    }
    local.store.createCluster(MEMBER, 'eu-west-1', { identifier: 'sales' });
    local.store.createSnapshot(MEMBER, 'eu-west-1', {
      identifier: 'sales-1',
      clusterIdentifier: 'sales',
      encrypted: true,
      grants: ['444455556666', '999988887777'],
    });
    const workItem = {
      run: { runId: 'run-zip-1', startedAt: new Date().toISOString(), dryRun: false, trigger: 'schedule' },
      item: { account: MEMBER, region: 'eu-west-1', budget: { revocations: 1, deletions: 0 } },
      phase: 'enforce',
    };
    await writeFile(join(work, 'work-item.json'), JSON.stringify(workItem));
    await writeFile(join(work, 'invoke.mjs'), INVOKE);

    // Act
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(work, 'invoke.mjs'), join(dir, 'functions/org-worker.cjs'), join(work, 'work-item.json')],
        {
          cwd: dir,
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            POLICY_PATH: 'dist/policy.json',
            AWS_REGION: 'us-east-1',
            AWS_ENDPOINT_URL: local.endpoint,
            AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
            AWS_SECRET_ACCESS_KEY: 'x',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
            POWERTOOLS_METRICS_DISABLED: 'true',
            NODE_PATH: join(ROOT, 'node_modules'),
          },
        },
        (error, stdout, stderr) => (error ? reject(new Error(`${stdout}${stderr}`)) : resolve(stdout)),
      );
    });

    // Assess
    const line = output.split('\n').find((l) => l.startsWith('RESULT ')) ?? 'RESULT null';
    const result = JSON.parse(line.slice('RESULT '.length));
    expect(result).toMatchObject({ account: MEMBER, region: 'eu-west-1', status: 'swept', compliant: true });
    expect(local.store.getSnapshot(MEMBER, 'eu-west-1', 'sales-1')?.grants).toEqual(['444455556666']);
    const member = await readTemplate('member/member-account.yml');
    const allowed = new Set([
      ...actionsOf(statements(stack(), 'OrgWorkerRole')),
      ...actionsOf(
        statements(
          effective(member, {
            CanRevoke: 'true',
            CanDelete: 'true',
            ReadsTags: 'true',
            'AWS::Region': 'x',
            RoleRegion: 'x',
          }),
          'MemberRole',
        ),
      ),
    ]);
    const made = Object.keys(local.calls()).map((k) => `${k.split('.')[0]}:${k.split('.').at(-1)}`);
    expect(made.filter((a) => !allowed.has(a))).toEqual([]);
    expect(made).toContain('sts:AssumeRole');
    expect(local.organization?.sessions()[0]).toMatchObject({
      sessionName: 'snapshot-guard-sweep-run-zip-1',
      externalId: 'hub-secret',
    });
  });
});

/** `node invoke.mjs <bundle> <event.json>`: imports the bundle and invokes its handler once. */
const INVOKE = `import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [bundle, eventFile] = process.argv.slice(2);
const mod = await import(pathToFileURL(bundle).href);
const context = {
  functionName: 'org-worker', functionVersion: '$LATEST', memoryLimitInMB: '1024',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:${HUB}:function:org-worker',
  awsRequestId: '8f5f6f1e-0c2d-4b8e-9a51-3c7d2b1e0f43', logGroupName: '/aws/lambda/org-worker', logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 600000,
};
const result = await mod.handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
`;

describe('the sweep in parts', () => {
  it('has no continuation rule in organisation mode, whose workers are not split into parts', () => {
    expect(stack().Resources.SweepContinuationRule).toBeUndefined();
    expect(stack().Resources.SweepContinuationPermission).toBeUndefined();
  });
});
