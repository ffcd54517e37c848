import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packagePolicy } from '../functions/policy/packaged.ts';
import { runChild } from './child.ts';
import { type HandlerMeasure, HandlerMeasureSchema } from './handler-measure.ts';
import { benchPolicyText } from './policy.ts';
import { HOME_REGION, LOCAL_CREDENTIALS } from './settings.ts';

// A share to an unknown account, as CloudTrail reports it: the event the handler exists for.
const EVENT_FIXTURE = new URL('../test/fixtures/events/authorize-snapshot-access.json', import.meta.url);

/** Times the snapshot-event handler in a fresh child, with the bench policy packaged into `workdir`. */
export async function runHandlerBench(options: {
  script: string;
  workdir: string;
  warmup: number;
  events: number;
  execArgv: string[];
}): Promise<HandlerMeasure> {
  // As deployed: the policy packaged as JSON, which the bundled handler reads (it has no YAML parser).
  const policyPath = join(options.workdir, 'policy.json');
  await writeFile(policyPath, packagePolicy(benchPolicyText([HOME_REGION]), 'bench-policy.yml'));
  return runChild(
    options.script,
    {
      event: JSON.parse(await readFile(EVENT_FIXTURE, 'utf8')),
      warmup: options.warmup,
      events: options.events,
    },
    HandlerMeasureSchema,
    {
      AWS_REGION: HOME_REGION,
      ...LOCAL_CREDENTIALS,
      POLICY_PATH: policyPath,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    options.execArgv,
  );
}
