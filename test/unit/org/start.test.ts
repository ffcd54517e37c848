import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunPlan } from '../../../functions/org/model.ts';
import { startExecution } from '../../../functions/org/start.ts';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'us-east-1' });
const ARN =
  'arn:aws:states:us-east-1:123456789012:stateMachine:redshift-snapshot-guard-prod-organization-sweep';

function plan(items = 2): RunPlan {
  return {
    run: {
      runId: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      startedAt: '2026-11-01T10:00:00.000Z',
      dryRun: false,
      trigger: 'schedule',
    },
    accounts: items,
    items: Array.from({ length: items }, (_, i) => ({
      account: String(100000000000 + i),
      region: 'us-east-1',
    })),
    unreachable: [],
    skipped: [],
  };
}

describe('startExecution', () => {
  beforeEach(() => sfn.reset());

  it('starts one execution named after the run, with the plan as its input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:exec`, startDate: new Date() });

    const started = await startExecution(client, ARN, plan());

    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARN,
      name: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      input: JSON.stringify(plan()),
    });
    expect(started).toMatchObject({ accounts: 2, accountRegions: 2, executionArn: `${ARN}:exec` });
  });

  it('treats a second start of the same run (a retried invocation) as already under way', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    const started = await startExecution(client, ARN, plan());

    expect(started.alreadyStarted).toBe(true);
  });

  it('refuses a plan larger than one execution input can hold, before calling Step Functions', async () => {
    await expect(startExecution(client, ARN, plan(6000))).rejects.toThrow(
      'more than one Step Functions execution input takes (256 KB)',
    );
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
