import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseRegions } from '../../../functions/cli/region.ts';

/**
 * The SDK's region chain reads the real environment and files: each test gets its own home
 * directory and config file, no AWS_REGION, and no instance metadata (no network).
 */
const saved = { ...process.env };
let dir: string;
let file = 0;

async function configFile(text: string): Promise<string> {
  // A new path each time: the SDK caches a shared file's contents by path for the process's life.
  const path = join(dir, `config-${++file}`);
  await writeFile(path, text);
  return path;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'region-'));
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE'])
    delete process.env[name];
  Object.assign(process.env, {
    HOME: dir,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterEach(async () => {
  process.env = { ...saved };
  await rm(dir, { recursive: true, force: true });
});

describe('chooseRegions', () => {
  it("takes the default profile's region from AWS_CONFIG_FILE when AWS_REGION is not set", async () => {
    // Prepare
    process.env.AWS_CONFIG_FILE = await configFile('[default]\nregion = eu-west-1\n');

    // Act & Assess
    expect(await chooseRegions([], undefined)).toEqual({ home: 'eu-west-1', regions: ['eu-west-1'] });
  });

  it('takes the region of the profile AWS_PROFILE names', async () => {
    // Prepare
    process.env.AWS_CONFIG_FILE = await configFile(
      '[default]\nregion = us-east-1\n\n[profile prod]\nregion = ap-southeast-2\n',
    );
    process.env.AWS_PROFILE = 'prod';

    // Act & Assess
    expect(await chooseRegions([], undefined)).toEqual({
      home: 'ap-southeast-2',
      regions: ['ap-southeast-2'],
    });
  });

  it('reads ~/.aws/config when AWS_CONFIG_FILE is not set', async () => {
    // Prepare
    await mkdir(join(dir, '.aws'));
    await writeFile(join(dir, '.aws', 'config'), '[default]\nregion = eu-central-1\n');

    // Act & Assess
    expect(await chooseRegions([], undefined)).toMatchObject({ home: 'eu-central-1' });
  });

  it('prefers AWS_REGION to the profile, as the SDK does', async () => {
    // Prepare
    process.env.AWS_CONFIG_FILE = await configFile('[default]\nregion = eu-west-1\n');
    process.env.AWS_REGION = 'us-west-2';

    // Act & Assess
    expect(await chooseRegions([], undefined)).toMatchObject({ home: 'us-west-2' });
  });

  it("prefers --region, then the policy's regions, to the SDK's region", async () => {
    // Prepare
    process.env.AWS_REGION = 'us-west-2';

    // Act
    const flags = await chooseRegions(['eu-north-1', 'us-east-1'], ['eu-west-1']);
    const policy = await chooseRegions([], ['eu-west-1', 'us-east-1']);

    // Assess
    expect(flags).toEqual({ home: 'eu-north-1', regions: ['eu-north-1', 'us-east-1'] });
    expect(policy).toEqual({ home: 'eu-west-1', regions: ['eu-west-1', 'us-east-1'] });
  });

  it('says how to set a region when there is none, instead of assuming us-east-1', async () => {
    // Prepare
    process.env.AWS_CONFIG_FILE = await configFile('[default]\noutput = json\n');

    // Act
    const choice = await chooseRegions([], undefined);

    // Assess
    expect(choice).toEqual({
      error: expect.stringMatching(/^no AWS region\. Name one in any of these ways:/),
    });
    expect(JSON.stringify(choice)).toMatch(
      /--region.*regions:.*AWS_REGION.*~\/\.aws\/config.*AWS_CONFIG_FILE.*AWS_PROFILE/,
    );
  });

  it('points out AWS_DEFAULT_REGION, which the AWS SDK for JavaScript does not read', async () => {
    // Prepare
    process.env.AWS_DEFAULT_REGION = 'eu-west-1';

    // Act & Assess
    expect(await chooseRegions([], undefined)).toEqual({
      error: expect.stringContaining(
        'AWS_DEFAULT_REGION is set, but the AWS SDK for JavaScript reads AWS_REGION',
      ),
    });
  });

  it("names a profile's region that is not a region name", async () => {
    // Prepare
    process.env.AWS_CONFIG_FILE = await configFile('[default]\nregion = Eu-West-1\n');

    // Act & Assess
    expect(await chooseRegions([], undefined)).toEqual({
      error: `the region of profile "default" (${process.env.AWS_CONFIG_FILE}) is "Eu-West-1", which is not an AWS region name`,
    });
  });
});
