import {
  ListSnapshotsCommand,
  ListTagsForResourceCommand,
  RedshiftServerlessClient,
} from '@aws-sdk/client-redshift-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { toSnapshot } from '../../../functions/aws/inventory.ts';
import { listServerlessSnapshots } from '../../../functions/aws/listing.ts';
import type { ComplianceEvent } from '../../../functions/engine/compliance-events.ts';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import type { Snapshot } from '../../../functions/engine/model.ts';
import type { RegionPage, RunPorts } from '../../../functions/engine/ports.ts';
import { runCompliance } from '../../../functions/engine/run.ts';
import { PolicyError } from '../../../functions/errors.ts';
import { lineOf, parsePolicy } from '../../../functions/policy/load.ts';
import { PolicySchema } from '../../../functions/policy/schema.ts';
import { jsonReport } from '../../../functions/report/json.ts';
import { renderReport } from '../../../functions/report/table.ts';
import { OWNER } from '../../helpers/snapshots.ts';

/**
 * Tag keys are user and AWS data, and AWS accepts `__proto__`, `constructor` and `prototype` as
 * keys. Each layer the key passes through must keep it as an ordinary key: the policy loader,
 * the SDK adapters, the evaluation, the reports and the events.
 */

const NOW = new Date('2026-11-23T12:00:00.000Z');
const ALLOWED = '111122223333';
const STRANGER = '999988887777';

// Line 5 is the rule, line 7 the global allowlist, line 10 the exemption.
const POLICY = `version: 1
mode: audit
sharing:
  rules:
    - match: { tags: { "__proto__": legal, team: bi } }
      allowedAccounts: ["${ALLOWED}"]
  allowedAccounts:
    - "444455556666"
exemptions:
  - { tags: { constructor: keep }, covers: [sharing], reason: audit trail, until: 2027-06-30 }
`;

const loaded = () => parsePolicy(POLICY, 'tags.yml', { now: NOW });

/** The SDK's own DescribeClusterSnapshots record for a snapshot carrying `tags`, read through the adapter. */
function clusterSnapshot(id: string, tags: [string, string][], grants: string[]): Snapshot {
  return toSnapshot(
    {
      SnapshotIdentifier: id,
      ClusterIdentifier: 'bi-main',
      SnapshotArn: `arn:aws:redshift:us-east-1:${OWNER}:snapshot:bi-main/${id}`,
      SnapshotType: 'manual',
      Status: 'available',
      OwnerAccount: OWNER,
      SnapshotCreateTime: new Date('2026-11-01T00:00:00Z'),
      Encrypted: true,
      ManualSnapshotRetentionPeriod: 30,
      AccountsWithRestoreAccess: grants.map((AccountId) => ({ AccountId })),
      Tags: tags.map(([Key, Value]) => ({ Key, Value })),
    },
    'us-east-1',
  );
}

/** A tag map's own entries, in order: what the code under test must keep, and nothing inherited. */
function entries(value: Record<string, string> | undefined): [string, string][] {
  return value === undefined ? [] : Object.entries(value);
}

describe('tag keys named after Object.prototype members', () => {
  describe('parsePolicy', () => {
    it('keeps __proto__, constructor and prototype as tag keys of a sharing rule', () => {
      // Prepare
      const text = `version: 1
sharing:
  rules:
    - match: { tags: { "__proto__": x, constructor: c, prototype: p, team: bi } }
      allowedAccounts: []
`;
      // Act
      const tags = parsePolicy(text, 'p.yml').policy.sharing.rules[0]?.match.tags;
      // Assess
      expect(entries(tags)).toEqual([
        ['__proto__', 'x'],
        ['constructor', 'c'],
        ['prototype', 'p'],
        ['team', 'bi'],
      ]);
      expect(Object.getPrototypeOf(tags)).toBeNull();
    });

    it('keeps __proto__ as a tag key of an exemption', () => {
      const text =
        'version: 1\nexemptions:\n  - { tags: { __proto__: hold }, reason: legal, until: 2027-06-30 }\n';

      const tags = parsePolicy(text, 'p.yml', { now: NOW }).policy.exemptions[0]?.tags;

      expect(entries(tags)).toEqual([['__proto__', 'hold']]);
    });

    it('accepts a rule whose only tag is __proto__', () => {
      const text =
        'version: 1\nsharing:\n  rules:\n    - match: { tags: { __proto__: x } }\n      allowedAccounts: []\n';

      expect(entries(parsePolicy(text, 'p.yml').policy.sharing.rules[0]?.match.tags)).toEqual([
        ['__proto__', 'x'],
      ]);
    });

    it('checks the value of a __proto__ tag like any other', () => {
      // Prepare
      const text =
        'version: 1\nsharing:\n  rules:\n    - match: { tags: { "__proto__": "a\\u200bb", team: bi } }\n      allowedAccounts: []\n';
      // Act
      const act = () => parsePolicy(text, 'p.yml');
      // Assess
      expect(act).toThrow(PolicyError);
      expect(() => act()).toThrow(
        'p.yml:4:37 sharing.rules[0].match.tags.__proto__: must not contain control or invisible characters',
      );
    });

    it('keeps __proto__ when the policy is built in code from JSON', () => {
      const input = JSON.parse(
        '{"version":1,"sharing":{"rules":[{"match":{"tags":{"__proto__":"x"}},"allowedAccounts":[]}]}}',
      );

      expect(entries(PolicySchema.parse(input).sharing.rules[0]?.match.tags)).toEqual([['__proto__', 'x']]);
    });
  });

  describe('the SDK adapters', () => {
    it('keep a __proto__ tag of a provisioned snapshot (DescribeClusterSnapshots)', () => {
      // Act
      const snap = clusterSnapshot(
        's1',
        [
          ['__proto__', 'legal'],
          ['constructor', 'keep'],
        ],
        [],
      );
      // Assess
      expect(entries(snap.tags)).toEqual([
        ['__proto__', 'legal'],
        ['constructor', 'keep'],
      ]);
      expect(Object.getPrototypeOf(snap.tags)).toBeNull();
    });

    it('keep a __proto__ tag of a Serverless snapshot (ListTagsForResource)', async () => {
      // Prepare
      const arn = `arn:aws:redshift-serverless:us-east-1:${OWNER}:snapshot/7b0e4f6a-2c3d-4e5f-9a1b-3c5d7e9f1a2b`;
      const serverless = mockClient(RedshiftServerlessClient);
      serverless.on(ListSnapshotsCommand).resolves({
        snapshots: [
          {
            snapshotName: 'sales-weekly',
            snapshotArn: arn,
            namespaceName: 'sales',
            ownerAccount: OWNER,
            status: 'AVAILABLE',
            snapshotCreateTime: new Date('2026-11-01T00:00:00Z'),
          },
        ],
      });
      serverless.on(ListTagsForResourceCommand).resolves({
        tags: [
          { key: '__proto__', value: 'legal' },
          { key: 'prototype', value: 'p' },
        ],
      });
      const client = new RedshiftServerlessClient({ region: 'us-east-1' });
      // Act
      const items = [];
      for await (const page of listServerlessSnapshots(client, 'us-east-1', { tags: { owner: OWNER } })) {
        items.push(...page.items);
      }
      serverless.restore();
      // Assess
      const [item] = items;
      const tags = item && 'snapshot' in item ? item.snapshot.tags : undefined;
      expect(entries(tags)).toEqual([
        ['__proto__', 'legal'],
        ['prototype', 'p'],
      ]);
    });
  });

  describe('evaluate', () => {
    it('does not let a rule on { __proto__, team } decide for a snapshot tagged only team', () => {
      // Prepare
      const snap = clusterSnapshot('team-only', [['team', 'bi']], [ALLOWED]);
      // Act
      const findings = evaluate(snap, loaded().policy, NOW);
      // Assess: the global allowlist decides, and it does not list ALLOWED.
      expect(findings).toMatchObject([
        { kind: 'unauthorized-grant', account: ALLOWED, rule: 'sharing.allowedAccounts' },
      ]);
    });

    it('applies the rule to a snapshot that carries both tags', () => {
      const snap = clusterSnapshot(
        'both',
        [
          ['__proto__', 'legal'],
          ['team', 'bi'],
        ],
        [ALLOWED, STRANGER],
      );

      expect(evaluate(snap, loaded().policy, NOW)).toMatchObject([
        { kind: 'unauthorized-grant', account: STRANGER, rule: 'sharing.rules[0]' },
      ]);
    });

    it('does not take a tag the snapshot lacks from its prototype', () => {
      // `constructor` is on every ordinary object's prototype; the exemption must not see it there.
      const snap = { ...clusterSnapshot('plain', [], [STRANGER]), tags: {} };

      expect(evaluate(snap, loaded().policy, NOW)).toMatchObject([
        { kind: 'unauthorized-grant', rule: 'sharing.allowedAccounts' },
      ]);
    });

    it('exempts a snapshot by its constructor tag', () => {
      const snap = clusterSnapshot('kept', [['constructor', 'keep']], [STRANGER]);

      expect(evaluate(snap, loaded().policy, NOW)).toMatchObject([
        { kind: 'exempted', rule: 'exemptions[0]', message: expect.stringContaining('audit trail') },
      ]);
    });
  });

  describe('reports and events', () => {
    it('cite the rule a __proto__ tag decided by, with its line, in the text, the JSON and the event', async () => {
      // Prepare
      const policy = loaded();
      const fleet = [
        clusterSnapshot(
          'both',
          [
            ['__proto__', 'legal'],
            ['team', 'bi'],
          ],
          [ALLOWED, STRANGER],
        ),
        clusterSnapshot('team-only', [['team', 'bi']], [ALLOWED]),
      ];
      const events: ComplianceEvent[] = [];
      const ports: RunPorts = {
        revoke: async () => ({ outcome: 'applied' }),
        delete: async () => ({ outcome: 'applied' }),
        restore: async () => ({ outcome: 'applied' }),
        publish: async (batch) => {
          events.push(...batch);
          return { published: batch.length, failed: [] };
        },
      };
      async function* pages(): AsyncGenerator<RegionPage> {
        yield { region: 'us-east-1', items: fleet.map((snapshot) => ({ snapshot })) };
      }
      const locate = (path: string) => lineOf(policy, path);
      const source = { policyFile: policy.file, regions: ['us-east-1'], locate };
      // Act
      const report = await runCompliance(
        pages(),
        {
          runId: 'run-1',
          trigger: 'schedule',
          account: OWNER,
          policy: policy.policy,
          dryRun: true,
          now: NOW,
          locate,
          homeRegion: 'us-east-1',
        },
        ports,
      );
      const text = renderReport(report, source, { width: 400, color: false });
      const json = jsonReport(report, source);
      // Assess
      expect(text).toContain(
        `account ${STRANGER} is not allowed to restore snapshots of cluster bi-main [sharing.rules[0], line 5]`,
      );
      expect(text).toContain(
        `account ${ALLOWED} is not allowed to restore snapshots of cluster bi-main [sharing.allowedAccounts, line 7]`,
      );
      expect(json.findings.map((f) => [f.snapshot, f.account, f.rule, f.line])).toEqual([
        ['both', STRANGER, 'sharing.rules[0]', 5],
        ['team-only', ALLOWED, 'sharing.allowedAccounts', 7],
      ]);
      expect(
        events.map((e) => [e.detail.snapshot?.identifier, e.detail.rule, e.detail.findings?.[0]?.account]),
      ).toEqual([
        ['both', { path: 'sharing.rules[0]', line: 5 }, STRANGER],
        ['team-only', { path: 'sharing.allowedAccounts', line: 7 }, ALLOWED],
      ]);
    });
  });
});
