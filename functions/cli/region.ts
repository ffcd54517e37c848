import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { REGION } from '../input/aws-names.ts';

export type RegionChoice = {
  /** Where STS is asked for the account and the compliance events are published. */
  home: string;
  /** The regions swept (or, for an event, in scope). */
  regions: string[];
};

/**
 * The region the AWS SDK would use on its own: `AWS_REGION`, else `region` in the profile
 * (`AWS_PROFILE`, default `default`) of the shared config and credentials files (`AWS_CONFIG_FILE`,
 * `AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/`), else the EC2 instance metadata. It is the
 * SDK's own provider chain, so the command line can never disagree with the clients it builds.
 *
 * @example
 * await sdkRegion(); // 'eu-west-1' with `region = eu-west-1` under [default] in ~/.aws/config
 */
export async function sdkRegion(): Promise<string | undefined> {
  try {
    return await loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)();
  } catch {
    return undefined; // the chain's last link throws "Region is missing"
  }
}

/** Where the SDK's region came from, for a message about it. */
function sdkRegionSource(env: NodeJS.ProcessEnv): string {
  if (env.AWS_REGION) return 'AWS_REGION';
  const file = env.AWS_CONFIG_FILE ?? '~/.aws/config';
  return `region of profile "${env.AWS_PROFILE ?? 'default'}" (${file})`;
}

/**
 * The regions a run works in: `--region` flags, else the policy's `regions`, else the SDK's
 * region. The first of them is the home region. Never a default nobody chose: without any, the
 * answer is a message saying how to set one (the caller exits 2 before any AWS call).
 *
 * @example
 * await chooseRegions([], undefined); // { home: 'eu-west-1', regions: ['eu-west-1'] } with AWS_REGION=eu-west-1
 */
export async function chooseRegions(
  flags: readonly string[],
  policyRegions: readonly string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegionChoice | { error: string }> {
  const named = flags.length > 0 ? flags : (policyRegions ?? []);
  if (named[0] !== undefined) return { home: named[0], regions: [...named] };
  const region = await sdkRegion();
  if (region === undefined) {
    const hint = env.AWS_DEFAULT_REGION
      ? '\n(AWS_DEFAULT_REGION is set, but the AWS SDK for JavaScript reads AWS_REGION)'
      : '';
    return {
      error:
        [
          'no AWS region. Name one in any of these ways:',
          '  --region eu-west-1',
          '  regions: [eu-west-1] in the policy',
          '  export AWS_REGION=eu-west-1',
          '  region = eu-west-1 in your profile in ~/.aws/config',
          '    (AWS_CONFIG_FILE names another file, AWS_PROFILE another profile)',
        ].join('\n') + hint,
    };
  }
  if (!REGION.test(region)) {
    return { error: `the ${sdkRegionSource(env)} is "${region}", which is not an AWS region name` };
  }
  return { home: region, regions: [region] };
}
