import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { bounded, type ClientOptions, clientConfig } from '../aws/clients.ts';
import { InputError } from '../errors.ts';
import type { Runtime } from '../runtime.ts';
import { listOrganizationAccounts } from './accounts.ts';
import type { Run, RunPlan } from './model.ts';
import { planRun } from './plan.ts';

/** Step Functions refuses an execution input over 256 KB. */
export const MAX_INPUT_BYTES = 256 * 1024;

/**
 * The Step Functions client that starts a run, in the hub's region, with the run's retry and
 * time-out settings and bound by its call limits.
 *
 * @example
 * const sfn = createSfnClient('eu-west-1');
 */
export function createSfnClient(
  region: string,
  options: Omit<ClientOptions, 'homeRegion' | 'credentials'> = {},
): SFNClient {
  return bounded(new SFNClient({ ...clientConfig(options), region }), 'work');
}

/** What the scheduled trigger reports: the execution it started, and what the plan holds. */
export type StartedRun = {
  runId: string;
  executionArn?: string;
  alreadyStarted?: boolean;
  accounts: number;
  accountRegions: number;
  unreachable: RunPlan['unreachable'];
  skipped: RunPlan['skipped'];
};

/**
 * Starts the state machine's execution for one run's plan. The execution is named after the run,
 * so a retried invocation of the same schedule tick starts nothing twice (Step Functions refuses
 * a second execution of the same name; that refusal means the run is already under way).
 */
export async function startExecution(
  client: SFNClient,
  stateMachineArn: string,
  plan: RunPlan,
): Promise<StartedRun> {
  const input = JSON.stringify(plan);
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > MAX_INPUT_BYTES) {
    throw new InputError(
      `the plan holds ${plan.items.length} account-regions (${bytes} bytes), more than one Step Functions execution input takes (256 KB)`,
    );
  }
  const started = {
    runId: plan.run.runId,
    accounts: plan.accounts,
    accountRegions: plan.items.length,
    unreachable: plan.unreachable,
    skipped: plan.skipped,
  };
  try {
    const out = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: plan.run.runId, input }),
    );
    return { ...started, ...(out.executionArn ? { executionArn: out.executionArn } : {}) };
  } catch (error) {
    if ((error as Error).name === 'ExecutionAlreadyExists') return { ...started, alreadyStarted: true };
    throw error;
  }
}

const StartEnvSchema = z.object({
  ORG_STATE_MACHINE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/, {
      error:
        'must be the ARN of the organisation state machine (serverless.yml sets it in organisation mode)',
    }),
});

/**
 * The scheduled trigger in organisation mode: plans the run (ListAccounts, paginated, ACTIVE only,
 * minus exclusions; one item per account and region) and hands it to the Distributed Map. The
 * run id is the schedule event's id, so Lambda's retries of one tick are one run.
 *
 * @example
 * await startOrganizationSweep(rt, { organizations, sfn }, { runId: event.id, dryRun: false });
 */
export async function startOrganizationSweep(
  rt: Runtime,
  clients: { organizations: OrganizationsClient; sfn: SFNClient },
  request: { runId: string; dryRun: boolean; now?: Date },
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartedRun> {
  const org = rt.loaded.policy.organization;
  if (!org) throw new Error('the policy has no organization block');
  const { ORG_STATE_MACHINE_ARN } = StartEnvSchema.parse(env);
  const run: Run = {
    runId: request.runId,
    startedAt: (request.now ?? new Date()).toISOString(),
    dryRun: request.dryRun,
    trigger: 'schedule',
  };
  const regions = rt.loaded.policy.regions ?? [rt.clients.homeRegion];
  const plan = planRun(org, regions, await listOrganizationAccounts(clients.organizations), run);
  return startExecution(clients.sfn, ORG_STATE_MACHINE_ARN, plan);
}
