import {
  ClusterAlreadyExistsFault,
  ClusterNotFoundFault,
  ClusterSnapshotAlreadyExistsFault,
  ClusterSnapshotNotFoundFault,
  CreateClusterCommand,
  CreateClusterSnapshotCommand,
  type CreateClusterSnapshotCommandInput,
  DescribeClusterSnapshotsCommand,
  type DescribeClusterSnapshotsCommandInput,
  DescribeClustersCommand,
  InvalidRetentionPeriodFault,
  InvalidTagFault,
  type RedshiftClient,
  RedshiftServiceException,
} from '@aws-sdk/client-redshift';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useStandIn } from '../helpers/stand-in.ts';
import { redshiftClient, rejectionOf } from '../helpers/stand-in-clients.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DAY = 86_400_000;

describe('local redshift', () => {
  const aws = useStandIn();
  let redshift: RedshiftClient;

  beforeAll(() => {
    redshift = redshiftClient(aws);
  });

  afterAll(() => {
    redshift.destroy();
  });

  beforeEach(() => {
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'analytics' });
  });

  it('creates a cluster and refuses a duplicate with ClusterAlreadyExistsFault', async () => {
    // Act
    const created = await redshift.send(
      new CreateClusterCommand({ ClusterIdentifier: 'etl', NodeType: 'ra3.xlplus', MasterUsername: 'admin' }),
    );
    const duplicate = await rejectionOf(
      redshift.send(
        new CreateClusterCommand({ ClusterIdentifier: 'etl', NodeType: 'ra3.xlplus', MasterUsername: 'a' }),
      ),
    );
    // Assess
    expect(created.Cluster?.ClusterStatus).toBe('creating');
    expect(aws.store.getCluster(ACCOUNT, REGION, 'etl')).toBeDefined();
    expect(duplicate).toBeInstanceOf(ClusterAlreadyExistsFault);
  });

  it('rejects invalid and missing CreateCluster parameters', async () => {
    // Act
    const badId = await rejectionOf(
      redshift.send(
        new CreateClusterCommand({ ClusterIdentifier: 'Bad--Id', NodeType: 'x', MasterUsername: 'a' }),
      ),
    );
    const noNodeType = await rejectionOf(
      redshift.send(new CreateClusterCommand({ ClusterIdentifier: 'ok', MasterUsername: 'a' } as never)),
    );
    // Assess
    expect(badId).toBeInstanceOf(RedshiftServiceException);
    expect(badId.name).toBe('InvalidParameterValue');
    expect(noNodeType.name).toBe('MissingParameter');
  });

  it('creates a manual snapshot with tags and retention, reported as creating', async () => {
    // Act
    const out = await redshift.send(
      new CreateClusterSnapshotCommand({
        SnapshotIdentifier: 'nightly-1',
        ClusterIdentifier: 'analytics',
        ManualSnapshotRetentionPeriod: 30,
        Tags: [{ Key: 'team', Value: 'analytics & bi' }],
      }),
    );
    const listed = await redshift.send(
      new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'nightly-1' }),
    );
    // Assess
    expect(out.Snapshot?.Status).toBe('creating');
    const snapshot = listed.Snapshots?.[0];
    expect(snapshot).toMatchObject({
      SnapshotIdentifier: 'nightly-1',
      ClusterIdentifier: 'analytics',
      Status: 'available',
      SnapshotType: 'manual',
      OwnerAccount: ACCOUNT,
      Encrypted: true,
      EncryptedWithHSM: false,
      ManualSnapshotRetentionPeriod: 30,
      ManualSnapshotRemainingDays: 30,
      Tags: [{ Key: 'team', Value: 'analytics & bi' }],
      SnapshotArn: `arn:aws:redshift:${REGION}:${ACCOUNT}:snapshot:analytics/nightly-1`,
      RestorableNodeTypes: ['ra3.xlplus'],
    });
    expect(snapshot?.SnapshotCreateTime).toBeInstanceOf(Date);
    expect(snapshot?.SnapshotRetentionStartTime).toBeInstanceOf(Date);
    expect(snapshot?.KmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(snapshot?.AccountsWithRestoreAccess).toBeUndefined();
  });

  it('returns the CreateClusterSnapshot errors AWS documents', async () => {
    // Prepare
    aws.store.createSnapshot(ACCOUNT, REGION, { identifier: 'taken', clusterIdentifier: 'analytics' });
    const create = (input: Partial<CreateClusterSnapshotCommandInput>) =>
      rejectionOf(
        redshift.send(
          new CreateClusterSnapshotCommand({
            SnapshotIdentifier: 's-1',
            ClusterIdentifier: 'analytics',
            ...input,
          }),
        ),
      );
    // Act
    const [noCluster, duplicate, badRetention, badTag, badId] = await Promise.all([
      create({ ClusterIdentifier: 'missing' }),
      create({ SnapshotIdentifier: 'taken' }),
      create({ ManualSnapshotRetentionPeriod: 4000 }),
      create({ Tags: [{ Key: 'aws:reserved', Value: 'x' }] }),
      create({ SnapshotIdentifier: '9starts-with-digit' }),
    ]);
    // Assess
    expect(noCluster).toBeInstanceOf(ClusterNotFoundFault);
    expect(duplicate).toBeInstanceOf(ClusterSnapshotAlreadyExistsFault);
    expect(badRetention).toBeInstanceOf(InvalidRetentionPeriodFault);
    expect(badTag).toBeInstanceOf(InvalidTagFault);
    expect(badId.name).toBe('InvalidParameterValue');
  });

  it('returns ClusterSnapshotNotFoundFault for an unknown snapshot', async () => {
    // Act
    const byId = await rejectionOf(
      redshift.send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'nope' })),
    );
    const byArn = await rejectionOf(
      redshift.send(
        new DescribeClusterSnapshotsCommand({
          SnapshotArn: `arn:aws:redshift:${REGION}:${ACCOUNT}:snapshot:a/nope`,
        }),
      ),
    );
    // Assess
    expect(byId).toBeInstanceOf(ClusterSnapshotNotFoundFault);
    expect(byArn).toBeInstanceOf(ClusterSnapshotNotFoundFault);
    expect((byId as ClusterSnapshotNotFoundFault).$metadata.httpStatusCode).toBe(404);
  });

  it('filters by type, cluster, time window, tags (any combination) and snapshot ARN', async () => {
    // Prepare
    const now = Date.now();
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'finance', automatedSnapshots: 2 });
    const s = (
      identifier: string,
      clusterIdentifier: string,
      ageDays: number,
      tags: Record<string, string>,
    ) =>
      aws.store.createSnapshot(ACCOUNT, REGION, {
        identifier,
        clusterIdentifier,
        createTime: now - ageDays * DAY,
        tags,
      });
    s('a-owner-admin', 'analytics', 1, { owner: 'admin' });
    s('a-env-test', 'analytics', 5, { environment: 'test' });
    s('a-owner-test', 'analytics', 10, { owner: 'test' });
    const f = s('f-other', 'finance', 20, { cost: 'x' });
    const ids = async (input: DescribeClusterSnapshotsCommandInput) =>
      ((await redshift.send(new DescribeClusterSnapshotsCommand(input))).Snapshots ?? [])
        .map((x) => x.SnapshotIdentifier)
        .sort();
    // Act + Assess
    expect(await ids({ SnapshotType: 'automated' })).toHaveLength(2);
    expect(await ids({ ClusterIdentifier: 'analytics' })).toEqual([
      'a-env-test',
      'a-owner-admin',
      'a-owner-test',
    ]);
    expect(await ids({ StartTime: new Date(now - 6 * DAY), EndTime: new Date(now - 2 * DAY) })).toEqual([
      'a-env-test',
    ]);
    expect(await ids({ TagKeys: ['owner', 'environment'] })).toEqual([
      'a-env-test',
      'a-owner-admin',
      'a-owner-test',
    ]);
    expect(await ids({ TagValues: ['test'] })).toEqual(['a-env-test', 'a-owner-test']);
    expect(await ids({ TagKeys: ['owner'], TagValues: ['admin', 'test'] })).toEqual([
      'a-owner-admin',
      'a-owner-test',
    ]);
    expect(await ids({ SnapshotArn: f.arn })).toEqual(['f-other']);
  });

  it('sorts by size and by create time descending', async () => {
    // Prepare
    const now = Date.now();
    [300, 100, 200].forEach((size, i) => {
      aws.store.createSnapshot(ACCOUNT, REGION, {
        identifier: `size-${size}`,
        clusterIdentifier: 'analytics',
        createTime: now - i * DAY,
        totalBackupSizeMb: size,
      });
    });
    const ids = async (Attribute: 'TOTAL_SIZE' | 'CREATE_TIME', SortOrder: 'ASC' | 'DESC') =>
      (
        (
          await redshift.send(
            new DescribeClusterSnapshotsCommand({ SortingEntities: [{ Attribute, SortOrder }] }),
          )
        ).Snapshots ?? []
      ).map((x) => x.SnapshotIdentifier);
    // Act + Assess
    expect(await ids('TOTAL_SIZE', 'DESC')).toEqual(['size-300', 'size-200', 'size-100']);
    expect(await ids('CREATE_TIME', 'DESC')).toEqual(['size-300', 'size-100', 'size-200']);
    expect(await ids('CREATE_TIME', 'ASC')).toEqual(['size-200', 'size-100', 'size-300']);
  });

  it('enforces MaxRecords 20..100 and rejects a forged Marker with InvalidParameterValue', async () => {
    // Act
    const tooSmall = await rejectionOf(
      redshift.send(new DescribeClusterSnapshotsCommand({ MaxRecords: 19 })),
    );
    const tooLarge = await rejectionOf(
      redshift.send(new DescribeClusterSnapshotsCommand({ MaxRecords: 101 })),
    );
    const badMarker = await rejectionOf(
      redshift.send(new DescribeClusterSnapshotsCommand({ Marker: 'garbage' })),
    );
    const ok = await redshift.send(new DescribeClusterSnapshotsCommand({ MaxRecords: 20 }));
    // Assess
    for (const error of [tooSmall, tooLarge, badMarker]) {
      expect(error).toBeInstanceOf(RedshiftServiceException);
      expect(error.name).toBe('InvalidParameterValue');
    }
    expect(ok.Snapshots).toEqual([]);
  });

  it('answers an operation it does not implement with InvalidAction', async () => {
    // Act
    const error = await rejectionOf(redshift.send(new DescribeClustersCommand({})));
    // Assess
    expect(error).toBeInstanceOf(RedshiftServiceException);
    expect(error.name).toBe('InvalidAction');
    expect(aws.calls()['redshift.DescribeClusters']).toBe(1);
  });
});
