import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ACCOUNT,
  CLUSTER,
  createBus,
  lambdaContext,
  POLICY,
  PRODUCT_VIEW,
  UNKNOWN,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * Input an attacker or an accident can put in front of the Lambda handlers: a policy file and an
 * EventBridge event. Each is refused with an error that says what is wrong, before any AWS call.
 */

const fixture = (name: string) => readFileSync(new URL(`../fixtures/hostile/${name}`, import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: events are edited freely to build hostile variants
type Raw = any;

/** A genuine AuthorizeSnapshotAccess delivery for ACCOUNT's snapshot nightly-007, shared with UNKNOWN. */
function delivery(edit: (event: Raw) => void = () => {}): Raw {
  const event = JSON.parse(
    readFileSync(new URL('../fixtures/events/authorize-snapshot-access.json', import.meta.url), 'utf8'),
  );
  Object.assign(event.detail.requestParameters, {
    snapshotIdentifier: 'nightly-007',
    snapshotClusterIdentifier: CLUSTER,
    accountWithRestoreAccess: UNKNOWN,
  });
  edit(event);
  return event;
}

const local = useStandIn(PRODUCT_VIEW);
let workdir: string;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'hostile-'));
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  await createBus();
  local.store.createCluster(ACCOUNT, 'us-east-1', { identifier: CLUSTER });
  local.store.createSnapshot(ACCOUNT, 'us-east-1', {
    identifier: 'nightly-007',
    clusterIdentifier: CLUSTER,
    grants: [UNKNOWN],
  });
  local.resetCalls();
});

/** Both handlers as a fresh cold start with `policy` on disk: nothing is cached from an earlier case. */
async function coldHandlers(policy: string | Uint8Array) {
  const path = join(workdir, 'policy.yml');
  await writeFile(path, policy);
  process.env.POLICY_PATH = path;
  vi.resetModules();
  const sweep = await import('../../functions/sweep.ts');
  const snapshotEvent = await import('../../functions/snapshot-event.ts');
  return { sweep: sweep.handler, snapshotEvent: snapshotEvent.handler };
}

const SCHEDULED = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: '2026-11-01T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
};

const withPolicy = (extra: string) => `version: 1\nmode: enforce\n${extra}`;
const accountEntry = (id: string) => withPolicy(`sharing:\n  allowedAccounts: [${JSON.stringify(id)}]\n`);
const exemption = (glob: string) =>
  withPolicy(
    `exemptions:\n  - { snapshot: ${JSON.stringify(glob)}, reason: "hold", until: 2099-01-01, covers: [sharing, retention] }\n`,
  );

describe('a hostile policy', () => {
  it.each<[string, string | Uint8Array, RegExp]>([
    [
      'a file over 1 MiB',
      withPolicy(`# ${'x'.repeat(1024 * 1024)}\n`),
      /policy\.yml:1:1 is \d+ bytes; a policy may be at most 1 MiB/,
    ],
    [
      'flow collections nested 100 000 deep',
      withPolicy(`sharing: ${'['.repeat(100_000)}`),
      /nests deeper than 64 levels/,
    ],
    [
      'block sequences nested 100 000 deep',
      withPolicy(`sharing:\n${'- '.repeat(100_000)}x\n`),
      /nests deeper than 64 levels/,
    ],
    ['a billion laughs alias bomb', fixture('billion-laughs.yml'), /1:1 expands aliases more than 50 times/],
    ['Latin-1 bytes', fixture('latin1-note.yml'), /policy\.yml:1:1 is not valid UTF-8/],
    [
      'a UTF-16 file',
      new Uint8Array([0xff, 0xfe, ...Buffer.from('version: 1\n', 'utf16le')]),
      /is not valid UTF-8/,
    ],
    [
      'an account id with a leading space',
      accountEntry(' 111122223333'),
      /" 111122223333" is not a 12-digit/,
    ],
    [
      'an account id with a trailing space',
      accountEntry('111122223333 '),
      /"111122223333 " is not a 12-digit/,
    ],
    ['an account id written in groups', accountEntry('1111 2222 3333'), /"1111 2222 3333" is not a 12-digit/],
    [
      'an account id in Arabic-Indic digits',
      accountEntry('١١١١٢٢٢٢٣٣٣٣'),
      /"١١١١٢٢٢٢٣٣٣٣" is not a 12-digit/,
    ],
    [
      'an account id in full-width digits',
      accountEntry('１１１１２２２２３３３３'),
      /is not a 12-digit AWS account id/,
    ],
    [
      'an account id with a zero-width space',
      accountEntry('111122223333\u200b'),
      /"111122223333\\u200b" is not a 12-digit/,
    ],
    ['an exemption for "*"', exemption('*'), /exemptions\[0\]\.snapshot: would exempt every snapshot/],
    ['an exemption for "**"', exemption('**'), /would exempt every snapshot/],
    ['an exemption for "?*"', exemption('?*'), /would exempt every snapshot/],
    ['an exemption for "*?"', exemption('*?'), /would exempt every snapshot/],
    [
      'a top-level key written twice',
      withPolicy('mode: audit\n'),
      /3:1 duplicate key "mode" \(first on line 2\)/,
    ],
    [
      'a second allowlist below the first',
      fixture('duplicate-allowlist.yml'),
      /6:3 sharing: duplicate key "allowedAccounts" \(first on line 4\)/,
    ],
  ])('is refused before any AWS call: %s', async (_, policy, message) => {
    // Prepare
    const { sweep, snapshotEvent } = await coldHandlers(policy);
    const started = performance.now();

    // Act
    const swept = await sweep(SCHEDULED as never, lambdaContext()).catch((e: Error) => e);
    const handled = await snapshotEvent(delivery(), lambdaContext()).catch((e: Error) => e);

    // Assess
    for (const error of [swept, handled]) {
      expect(error).toMatchObject({ name: 'PolicyError', message: expect.stringMatching(message) });
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(local.calls()).toEqual({});
    expect(local.store.getSnapshot(ACCOUNT, 'us-east-1', 'nightly-007')?.grants).toEqual([UNKNOWN]);
  });
});

describe('a hostile event', () => {
  const big = 'x'.repeat(300 * 1024);

  it.each<[string, unknown, string, RegExp]>([
    ['no event at all', null, '(event)', /expected object/i],
    ['an array', [delivery()], '(event)', /expected object/i],
    ['no detail', delivery((e) => delete e.detail), 'detail', /expected object/i],
    [
      'a detail that is text',
      delivery((e) => (e.detail = 'AuthorizeSnapshotAccess')),
      'detail',
      /expected object/i,
    ],
    [
      'a numeric eventName',
      delivery((e) => (e.detail.eventName = 42)),
      'detail.eventName',
      /expected string/i,
    ],
    [
      'an eventName with spaces',
      delivery((e) => (e.detail.eventName = 'Authorize SnapshotAccess')),
      'detail.eventName',
      /must be an API operation name/,
    ],
    [
      'requestParameters that are text',
      delivery((e) => (e.detail.requestParameters = 'snapshotIdentifier=nightly-007')),
      'detail.requestParameters',
      /expected object/i,
    ],
    [
      'a numeric account id',
      delivery((e) => (e.detail.recipientAccountId = 123456789012)),
      'detail.recipientAccountId',
      /expected string/i,
    ],
    [
      'a list for a region',
      delivery((e) => (e.detail.awsRegion = ['us-east-1'])),
      'detail.awsRegion',
      /expected string/i,
    ],
    [
      'a list of identifiers that is not a list',
      delivery((e) => {
        e.detail.eventName = 'BatchModifyClusterSnapshots';
        e.detail.requestParameters = { snapshotIdentifierList: 'nightly-007' };
      }),
      'detail.requestParameters.snapshotIdentifierList',
      /expected array/i,
    ],
    [
      'more than 256 KB',
      delivery((e) => (e.detail.requestParameters.padding = big)),
      '(event)',
      /is larger than 256 KB/,
    ],
    ['a source other than Redshift', delivery((e) => (e.source = 'aws.s3')), 'source', /invalid option/i],
    [
      'this tool’s own source',
      delivery((e) => (e.source = 'redshift-snapshot-guard')),
      'source',
      /invalid option/i,
    ],
    [
      'an eventSource other than Redshift',
      delivery((e) => (e.detail.eventSource = 's3.amazonaws.com')),
      'detail.eventSource',
      /invalid option/i,
    ],
    [
      'a Redshift call relabelled as Redshift Serverless',
      delivery((e) => (e.source = 'aws.redshift-serverless')),
      'detail.eventSource',
      /must be redshift-serverless\.amazonaws\.com for an event from aws\.redshift-serverless/,
    ],
    [
      'a detail-type other than a CloudTrail call',
      delivery((e) => (e['detail-type'] = 'Scheduled Event')),
      'detail-type',
      /invalid input/i,
    ],
    [
      'a NUL and an escape sequence in a snapshot identifier',
      delivery((e) => (e.detail.requestParameters.snapshotIdentifier = 'nightly-007\u001b[2J\u0000')),
      'detail.requestParameters.snapshotIdentifier',
      /visible/,
    ],
    [
      'a newline in a cluster identifier',
      delivery((e) => (e.detail.requestParameters.snapshotClusterIdentifier = `${CLUSTER}\nadmin`)),
      'detail.requestParameters.snapshotClusterIdentifier',
      /visible/,
    ],
    [
      'a right-to-left override in a snapshot identifier',
      delivery((e) => (e.detail.requestParameters.snapshotIdentifier = 'nightly-\u202e700')),
      'detail.requestParameters.snapshotIdentifier',
      /visible/,
    ],
    [
      'a zero-width space in a snapshot ARN',
      delivery((e) => {
        e.detail.requestParameters = {
          snapshotArn: `arn:aws:redshift:us-east-1:${ACCOUNT}:snapshot:${CLUSTER}/nightly-007\u200b`,
        };
      }),
      'detail.requestParameters.snapshotArn',
      /visible/,
    ],
    [
      'a tab in a batch identifier',
      delivery((e) => {
        e.detail.eventName = 'BatchModifyClusterSnapshots';
        e.detail.requestParameters = { snapshotIdentifierList: ['nightly-007\t'] };
      }),
      'detail.requestParameters.snapshotIdentifierList[0]',
      /visible/,
    ],
    [
      'a control character in the event id',
      delivery((e) => (e.detail.eventID = 'abc\u0007')),
      'detail.eventID',
      /visible/,
    ],
  ])('is refused before any AWS call: %s', async (_, event, path, message) => {
    // Prepare
    const { snapshotEvent } = await coldHandlers(POLICY);

    // Act
    const error = await snapshotEvent(event as never, lambdaContext()).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InputError', path, message: expect.stringMatching(message) });
    expect(local.calls()).toEqual({});
    expect(local.store.getSnapshot(ACCOUNT, 'us-east-1', 'nightly-007')?.grants).toEqual([UNKNOWN]);
  });

  it.each([
    ['null requestParameters', (e: Raw) => (e.detail.requestParameters = null)],
    [
      'null requestParameters and responseElements',
      (e: Raw) => {
        e.detail.requestParameters = null;
        e.detail.responseElements = null;
      },
    ],
  ])('is ignored with its reason and no AWS call: %s', async (_, edit) => {
    // Prepare
    const { snapshotEvent } = await coldHandlers(POLICY);

    // Act
    const summary = await snapshotEvent(delivery(edit), lambdaContext());

    // Assess
    expect(summary).toMatchObject({ ignored: 'AuthorizeSnapshotAccess names no snapshot', compliant: true });
    expect(local.calls()).toEqual({});
  });

  it('reads no snapshot identifier smuggled in through __proto__', async () => {
    // Prepare: a JSON key "__proto__" is an own property, never the prototype
    const { snapshotEvent } = await coldHandlers(POLICY);
    const text = JSON.stringify(delivery((e) => (e.detail.requestParameters = null))).replace(
      '"requestParameters":null',
      '"requestParameters":{"__proto__":{"snapshotIdentifier":"nightly-007"}}',
    );

    // Act
    const summary = await snapshotEvent(JSON.parse(text), lambdaContext());

    // Assess
    expect(summary).toMatchObject({ ignored: 'AuthorizeSnapshotAccess names no snapshot' });
    expect(local.calls()).toEqual({});
    expect(({} as Record<string, unknown>).snapshotIdentifier).toBeUndefined();
  });

  it('is refused by the sweep handler when it is not a schedule, before any AWS call', async () => {
    // Prepare
    const { sweep } = await coldHandlers(POLICY);

    // Act
    const errors = await Promise.all(
      [delivery(), { dryRun: 'yes' }, { ...SCHEDULED, source: 'aws.redshift' }, null].map((event) =>
        sweep(event as never, lambdaContext()).catch((e: Error) => e),
      ),
    );

    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'InputError' });
    expect(local.calls()).toEqual({});
  });
});
