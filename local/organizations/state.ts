import { randomBytes } from 'node:crypto';
import { ServiceError } from '../core/errors.ts';
import { DEFAULT_ACCOUNT } from '../redshift/model.ts';

/** The role the stand-in's member accounts hold unless told otherwise (the product's default). */
export const DEFAULT_MEMBER_ROLE = 'RedshiftSnapshotGuardMember';
export const ORGANIZATION_ID = 'o-local0example';

export interface OrganizationOptions {
  /** Member accounts, besides the management account. */
  members: string[];
  /** Members (or the management account) that do not hold the member role; members either way. */
  withoutRole?: string[];
  /** Members listed as SUSPENDED (members either way); their role cannot be assumed. */
  suspended?: string[];
  /** The member role's name. Default RedshiftSnapshotGuardMember. */
  roleName?: string;
  /** When set, the member role trusts the hub only with this external id. */
  externalId?: string;
  /** The management account: whoever calls with an unknown access key. Default 123456789012. */
  management?: string;
}

export interface AssumedSession {
  account: string;
  roleArn: string;
  sessionName: string;
  externalId: string | undefined;
  callerAccount: string;
  accessKeyId: string;
}

export interface OrgAccountRecord {
  id: string;
  status: 'ACTIVE' | 'SUSPENDED';
  joinedMs: number;
}

const ROLE_ARN =
  /^arn:aws[a-z-]*:iam::([0-9]{12}):role\/(?:[A-Za-z0-9+=,.@_-]+\/)*([A-Za-z0-9+=,.@_-]{1,64})$/;
const SESSION_NAME = /^[A-Za-z0-9+=,.@_-]{2,64}$/;
const EXTERNAL_ID = /^[A-Za-z0-9+=,.@:/_-]{2,1224}$/;
/** A role's MaxSessionDuration when not raised: an hour. */
const MAX_SESSION_SECONDS = 3600;

const validation = (message: string) => new ServiceError('ValidationError', message, 400);

function randomKey(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * An AWS Organization as the stand-in keeps it: a management account, its members, and the member
 * role each holds (or not). AssumeRole hands out keys that the stand-in then treats as the member
 * account, as AWS does: `accounts` (access key id → account) is the dispatcher's own map.
 */
export class OrganizationState {
  readonly management: string;
  readonly roleName: string;
  readonly externalId: string | undefined;
  private readonly records: OrgAccountRecord[];
  private readonly withoutRole: Set<string>;
  private readonly issued = new Map<string, AssumedSession>();
  private readonly log: AssumedSession[] = [];

  constructor(
    options: OrganizationOptions,
    private readonly accounts: Record<string, string>,
    now: () => number = Date.now,
  ) {
    this.management = options.management ?? DEFAULT_ACCOUNT;
    this.roleName = options.roleName ?? DEFAULT_MEMBER_ROLE;
    this.externalId = options.externalId;
    this.withoutRole = new Set(options.withoutRole ?? []);
    const suspended = new Set(options.suspended ?? []);
    // Members named only as lacking the role, or as suspended, are members all the same.
    const ids = [this.management, ...options.members, ...this.withoutRole, ...suspended];
    const joined = now() - 86_400_000;
    this.records = [...new Set(ids)].map((id, i) => ({
      id,
      status: suspended.has(id) ? 'SUSPENDED' : 'ACTIVE',
      joinedMs: joined + i * 1000,
    }));
  }

  /** Every account, management first, in the order ListAccounts pages through them. */
  list(): readonly OrgAccountRecord[] {
    return this.records;
  }

  /** Only the management account may list the organisation's accounts. */
  mayList(callerAccount: string): boolean {
    return callerAccount === this.management;
  }

  /**
   * AssumeRole as the member role's trust policy decides it: the caller is the management (hub)
   * account, the role exists in an active account, and the external id matches when one is set.
   */
  assume(
    callerAccount: string,
    input: { roleArn?: string; sessionName?: string; externalId?: string; durationSeconds?: number },
  ): { session: AssumedSession; secretAccessKey: string; sessionToken: string; expirationMs: number } {
    const { roleArn, sessionName, externalId } = input;
    if (!roleArn)
      throw validation(
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
      );
    if (!sessionName || !SESSION_NAME.test(sessionName)) {
      throw validation(
        `1 validation error detected: Value '${sessionName ?? 'null'}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
      throw validation(
        "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*",
      );
    }
    const duration = input.durationSeconds ?? 3600;
    if (duration < 900 || duration > MAX_SESSION_SECONDS) {
      throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    }
    const match = ROLE_ARN.exec(roleArn);
    if (!match) throw validation(`${roleArn} is invalid`);
    const [, account = '', name = ''] = match;
    const record = this.records.find((r) => r.id === account);
    const denied = () =>
      new ServiceError(
        'AccessDenied',
        `User: arn:aws:iam::${callerAccount}:user/local is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    if (record?.status !== 'ACTIVE' || name !== this.roleName || this.withoutRole.has(account)) {
      throw denied();
    }
    if (callerAccount !== this.management) throw denied();
    if (this.externalId !== undefined && externalId !== this.externalId) throw denied();
    const accessKeyId = randomKey('ASIA', 16);
    const session: AssumedSession = {
      account,
      roleArn,
      sessionName,
      externalId,
      callerAccount,
      accessKeyId,
    };
    this.accounts[accessKeyId] = account;
    this.issued.set(accessKeyId, session);
    this.log.push(session);
    return {
      session,
      secretAccessKey: randomKey('', 40),
      sessionToken: randomKey('IQoJb3JpZ2luX2VjEOr', 120),
      expirationMs: Date.now() + duration * 1000,
    };
  }

  /** The assumed-role ARN behind an access key the stand-in issued, for GetCallerIdentity. */
  callerArn(accessKeyId: string): string | undefined {
    const s = this.issued.get(accessKeyId);
    return s ? `arn:aws:sts::${s.account}:assumed-role/${this.roleName}/${s.sessionName}` : undefined;
  }

  /** Every AssumeRole that succeeded, oldest first. */
  sessions(): readonly AssumedSession[] {
    return this.log;
  }

  clearSessions(): void {
    this.log.length = 0;
  }
}
