// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} is CloudFormation's Fn::Sub syntax
'use strict';

/**
 * Reads the policy the functions will enforce while the stack is built, with the project's own
 * loader (functions/policy/load.ts and packaged.ts, through tsx), so that:
 *  - a policy that would fail at the functions' cold start fails `serverless package` (and with
 *    it `deploy`) instead, with the loader's `file:line:col path: message` lines;
 *  - what the policy lets the functions do decides what their roles grant.
 *
 * It adds one variable source to serverless.yml:
 *   ${policy:file}       the policy's path relative to the service, as reports and events name it
 *   ${policy:packaged}   the JSON the functions read instead of the YAML (their POLICY_PATH, and its
 *                        path inside each function package): the policy as the loader read it,
 *                        with each line and column, written before the functions are zipped
 *                        (functions/policy/packaged.ts) and removed after
 *   ${policy:busName}    events.busName, the compliance bus the stack creates
 *   ${policy:source}     events.source, what the alert rule matches
 *   ${policy:canRevoke}  'true' when the functions may call RevokeSnapshotAccess (and read a
 *                        Redshift Serverless snapshot back to confirm it)
 *   ${policy:canDelete}  'true' when they may delete snapshots (and give back, with
 *                        AuthorizeSnapshotAccess, the grants revoked for a delete that failed)
 *   ${policy:readsTags}  'true' when they read Redshift Serverless snapshots' tags
 *   ${policy:sweepClusterSnapshots}, ${policy:sweepServerlessSnapshots}, ${policy:sweepSnapshots}
 *                        this account's provisioned, Serverless, and both kinds of snapshot
 *                        ARNs in each region the sweep reads: what its permissions are scoped to
 *   ${policy:securityHub} 'true' when the functions send findings to Security Hub (events.securityHub)
 *   ${policy:sweepSecurityHubProducts}, ${policy:sweepSecurityHubs}
 *                        the account's own Security Hub product and hub in each region the sweep reads
 * Organisation mode (the policy has an `organization` block) adds:
 *   ${policy:orgMode}            'true' in organisation mode: the hub's resources are created
 *   ${policy:sweepHandler}, ${policy:eventHandler}, ${policy:sweepRole}, ${policy:eventRole}
 *                                the handler and role of the sweep and snapshotEvent functions:
 *                                the single-account ones, or the hub's (plan + start, member events)
 *   ${policy:orgMaxConcurrency}  organization.maxConcurrency: the Distributed Maps' MaxConcurrency
 *   ${policy:orgRoleName}        organization.roleName: the member role the hub may assume
 *   ${policy:orgListsAccounts}   'true' for `accounts: all`: the event function reads the organisation
 *   ${policy:organizationId}     --param="organizationId=o-…", required in organisation mode
 *   ${policy:eventPattern}, ${policy:serverlessEventPattern}
 *                                the CloudTrail patterns of functions/triggers/targets.ts, for the
 *                                rules on the hub's member-events bus
 *   ${policy:memberRegions}      the regions the member roles are scoped to (the policy's, or the
 *                                hub's own region), comma-separated, for the StackSet's parameters
 * The policy file is `--param="policy=<path>"`, by default `params.default.policy`.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const LOADER = 'functions/policy/packaged.ts';
/** Where the packaged policy is written, relative to the service; gitignored with the rest of dist/. */
const PACKAGED = 'dist/policy.json';
/** Where the adapters decide whether Redshift Serverless tags are read (`policyMatchesTags`). */
const PORTS = 'functions/aws/adapters.ts';
/** The CloudTrail patterns the real-time handler reacts to. */
const TARGETS = 'functions/triggers/targets.ts';
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Policy errors already printed in full (osls may build the plugin more than once per command). */
const reported = new Set();

/** A policy that cannot be deployed; reported without a stack trace, it is not a crash. */
class PolicyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PolicyError';
  }
}

/**
 * Everything the stack derives from one loaded policy.
 *
 * The engine changes nothing in `mode: audit` (every run is a dry run), plans deletions only for
 * `retention.manual.onViolation: delete`, and makes no change of a kind whose `safety.max*PerRun`
 * a run exceeds, so with a limit of 0 that kind of change is never made. A delete revokes the
 * allowed grants on its snapshot first (they count with the delete, not with the revocations) and
 * gives them back with AuthorizeSnapshotAccess if the delete fails: a policy that deletes needs
 * both. Redshift Serverless tags are read only when a rule or exemption matches on tags
 * (`policyMatchesTags`).
 */
function facts({ policy, warnings }, readsTags, file, packaged, { organizationId, patterns }) {
  if (policy.events.busName.startsWith('arn:')) {
    throw new PolicyError(
      `${file}: events.busName is an event bus ARN (${policy.events.busName}); this stack creates ` +
        'the compliance bus itself, so give a bus name instead (a bus in another account is not supported yet)',
    );
  }
  const enforce = policy.mode === 'enforce';
  const canDelete =
    enforce && policy.retention.manual.onViolation === 'delete' && policy.safety.maxDeletionsPerRun > 0;
  const canRevoke = enforce && (policy.safety.maxRevocationsPerRun > 0 || canDelete);
  // Without `regions` the sweep reads the function's own region only.
  const regions = policy.regions ?? ['${AWS::Region}'];
  const arns = (resource) => regions.map((region) => ({ 'Fn::Sub': resource.replace('REGION', region) }));
  const clusterSnapshots = arns('arn:${AWS::Partition}:redshift:REGION:${AWS::AccountId}:snapshot:*/*');
  const serverlessSnapshots = arns(
    'arn:${AWS::Partition}:redshift-serverless:REGION:${AWS::AccountId}:snapshot/*',
  );
  const securityHub = arns('arn:${AWS::Partition}:securityhub:REGION:${AWS::AccountId}:hub/default');
  const securityHubProducts = arns(
    'arn:${AWS::Partition}:securityhub:REGION:${AWS::AccountId}:product/${AWS::AccountId}/default',
  );
  const org = policy.organization;
  if (org && !ORGANIZATION_ID.test(organizationId ?? '')) {
    throw new PolicyError(
      `${file}: the policy has an organization block, so this stack is an organisation hub: give the ` +
        'organisation\'s id with --param="organizationId=o-..." (the hub\'s bus admits only its ' +
        'accounts, and the hub assumes roles only in its accounts)',
    );
  }
  return {
    // What serverless.yml reads as ${policy:<name>}.
    variables: {
      orgMode: String(org !== undefined),
      sweepHandler: org ? 'functions/org-start.handler' : 'functions/sweep.handler',
      eventHandler: org ? 'functions/org-event.handler' : 'functions/snapshot-event.handler',
      sweepRole: org ? 'OrgSweepRole' : 'SweepRole',
      eventRole: org ? 'OrgEventRole' : 'SnapshotEventRole',
      orgMaxConcurrency: org ? org.maxConcurrency : 1,
      orgRoleName: org ? org.roleName : 'none',
      orgListsAccounts: String(org?.accounts === 'all'),
      organizationId: org ? organizationId : 'none',
      eventPattern: patterns.cluster,
      serverlessEventPattern: patterns.serverless,
      memberRegions: policy.regions ? policy.regions.join(',') : { Ref: 'AWS::Region' },
      file,
      packaged: PACKAGED,
      busName: policy.events.busName,
      source: policy.events.source,
      canRevoke: String(canRevoke),
      canDelete: String(canDelete),
      readsTags: String(readsTags),
      sweepClusterSnapshots: clusterSnapshots,
      sweepServerlessSnapshots: serverlessSnapshots,
      sweepSnapshots: [...clusterSnapshots, ...serverlessSnapshots],
      securityHub: String(policy.events.securityHub === true),
      sweepSecurityHubProducts: securityHubProducts,
      sweepSecurityHubs: securityHub,
    },
    mode: policy.mode,
    regions: policy.regions,
    warnings,
    packaged,
  };
}

/** A frozen `as const` table as plain JSON, for the template. */
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

/** The policy path relative to the service, which must contain it (it is packaged by that path). */
function relativePolicyPath(serviceDir, given) {
  const absolute = path.resolve(serviceDir, given);
  const relative = path.relative(serviceDir, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new PolicyError(
      `policy ${given} is outside the service directory; copy it into the project (e.g. policies/) ` +
        'so it can be packaged with the functions',
    );
  }
  if (!fs.existsSync(absolute)) throw new PolicyError(`policy ${given} does not exist`);
  return relative.split(path.sep).join('/');
}

/** The loader names the file by the absolute path it was given; the user wrote a relative one. */
function relativeTo(serviceDir, text) {
  return String(text).split(`${serviceDir}${path.sep}`).join('');
}

/** Imports one of the project's TypeScript modules, through tsx as the CLI does. */
async function projectModule(serviceDir, file) {
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(path.join(serviceDir, file)).href, __filename);
}

/**
 * The JSON the functions will read, packaged by the loader `snapshot-guard validate` uses, and the
 * policy that JSON reads back as: the stack is derived from what the functions will enforce.
 */
async function loadWithProjectLoader(serviceDir, file) {
  const { packagePolicyFile, readPackagedPolicy } = await projectModule(serviceDir, LOADER);
  try {
    const packaged = await packagePolicyFile(path.join(serviceDir, file), file);
    return { loaded: readPackagedPolicy(packaged, PACKAGED), packaged };
  } catch (error) {
    if (error && error.name === 'PolicyError') {
      throw new PolicyError(`invalid policy:\n${relativeTo(serviceDir, error.message)}`);
    }
    throw error;
  }
}

class SnapshotGuardPolicy {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.log = log;
    /** One load per policy file and command, however many variables ask. */
    this.loads = new Map();
    this.configurationVariablesSources = {
      policy: {
        resolve: async ({ address, resolveVariable, serviceDir }) => {
          const policyFile = await resolveVariable('param:policy');
          const organizationId = await resolveVariable('param:organizationId');
          const { variables } = await this.factsFor(serviceDir, policyFile, organizationId).catch((error) => {
            throw this.once(error);
          });
          if (!Object.hasOwn(variables, address)) {
            throw new this.serverless.classes.Error(
              `\${policy:${address}} is unknown; known: ${Object.keys(variables).join(', ')}`,
              'POLICY_VARIABLE_UNKNOWN',
            );
          }
          return { value: variables[address] };
        },
      },
    };
    this.hooks = {
      // Variables are resolved before any hook runs, so a bad policy has already failed the
      // command; this says what the stack was derived from.
      'before:package:initialize': () => this.report(),
      // Listed before serverless-esbuild in serverless.yml, so these run before it zips.
      'before:package:createDeploymentArtifacts': () => this.writePackaged(),
      'before:deploy:function:packageFunction': () => this.writePackaged(),
      'after:package:createDeploymentArtifacts': () => this.cleanUp(),
      'after:deploy:function:packageFunction': () => this.cleanUp(),
    };
  }

  /**
   * Every `${policy:...}` fails with the same error; the first says it in full, the rest point at
   * it. A ServerlessError is printed as its message alone.
   */
  once(error) {
    if (!(error instanceof PolicyError)) return error;
    const { Error: ServerlessError } = this.serverless.classes;
    if (reported.has(error.message)) {
      return new ServerlessError('the policy cannot be deployed (see above)', 'POLICY_INVALID');
    }
    reported.add(error.message);
    return new ServerlessError(error.message, 'POLICY_INVALID');
  }

  factsFor(serviceDir, given, organizationId) {
    if (typeof given !== 'string' || given === '') {
      return Promise.reject(
        new PolicyError('no policy file: set params.default.policy or pass --param="policy=<path>"'),
      );
    }
    let load = this.loads.get(given);
    if (!load) {
      load = (async () => {
        const file = relativePolicyPath(serviceDir, given);
        const { loaded, packaged } = await loadWithProjectLoader(serviceDir, file);
        const { policyMatchesTags } = await projectModule(serviceDir, PORTS);
        const { EVENT_PATTERN, SERVERLESS_EVENT_PATTERN } = await projectModule(serviceDir, TARGETS);
        const patterns = { cluster: plain(EVENT_PATTERN), serverless: plain(SERVERLESS_EVENT_PATTERN) };
        return facts(loaded, policyMatchesTags(loaded.policy), file, packaged, { organizationId, patterns });
      })();
      this.loads.set(given, load);
    }
    return load;
  }

  /** Writes the JSON the functions read (`${policy:packaged}`), for serverless-esbuild to zip. */
  async writePackaged() {
    const [load] = this.loads.values();
    if (!load) return;
    const { packaged } = await load;
    const target = path.join(this.serverless.serviceDir, PACKAGED);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, packaged);
  }

  cleanUp() {
    fs.rmSync(path.join(this.serverless.serviceDir, PACKAGED), { force: true });
    this.removeZipLeftovers();
  }

  /**
   * serverless-esbuild zips each function from a copy in the system temp directory and then fails
   * to remove it (a non-recursive remove of a directory, its error swallowed). Removes this
   * process's copies: `<function>-<pid>-<ms>-<8 hex>`.
   */
  removeZipLeftovers() {
    const names = Object.keys(this.serverless.service.functions ?? {});
    const ours = new RegExp(`^(${names.join('|')})-${process.pid}-[0-9]+-[0-9a-f]{8}$`);
    const tmp = os.tmpdir();
    for (const entry of fs.readdirSync(tmp)) {
      if (ours.test(entry)) fs.rmSync(path.join(tmp, entry), { recursive: true, force: true });
    }
  }

  async report() {
    const [load] = this.loads.values();
    if (!load || !this.log) return;
    const f = await load;
    const v = f.variables;
    const serviceDir = this.serverless.serviceDir;
    const region = this.serverless.service.provider.region;
    this.log.notice(
      `Policy ${v.file}: mode ${f.mode}; sweeps ${f.regions ? f.regions.join(', ') : `${region} (its own region)`}; ` +
        `may revoke: ${v.canRevoke === 'true' ? 'yes' : 'no'}; may delete: ${v.canDelete === 'true' ? 'yes' : 'no'}; ` +
        `reads Serverless tags: ${v.readsTags === 'true' ? 'yes' : 'no'}; ` +
        `Security Hub: ${v.securityHub === 'true' ? 'yes' : 'no'}; bus ${v.busName}`,
    );
    if (v.orgMode === 'true') {
      this.log.notice(
        `Organisation hub for ${v.organizationId}: assumes ${v.orgRoleName} in member accounts, ` +
          `${v.orgMaxConcurrency} account-regions at once; deploy member/member-account.yml to the members ` +
          '(see the stack outputs for its parameters)',
      );
    }
    for (const w of f.warnings) {
      this.log.warning(relativeTo(serviceDir, `${w.file}:${w.line}:${w.col} ${w.path}: ${w.message}`));
    }
    if (f.regions && !f.regions.includes(region)) {
      this.log.warning(
        `The policy does not list ${region}, the region this stack is deployed to: the sweep reads ` +
          `${f.regions.join(', ')} only, and CloudTrail events from ${region} are ignored.`,
      );
    }
  }
}

module.exports = SnapshotGuardPolicy;
