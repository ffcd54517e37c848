import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { type AwsClients, type ClientOptions, createClients } from '../aws/clients.ts';
import { AwsResponseError } from '../errors.ts';

/** Temporary credentials of one member account's role, and the account they act as. */
export type MemberCredentials = {
  account: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
};

export type MemberRole = { roleName: string; externalId?: string | undefined };

/** How long assumed credentials last; a run that outlives them assumes the role again. */
export const SESSION_SECONDS = 3600;
/** Credentials this close to expiring are not handed out again. */
const REFRESH_MS = 5 * 60_000;

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function memberRoleArn(account: string, roleName: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;
}

/** What a failed AssumeRole says to a member account's administrator. */
export function unreachableReason(error: unknown, roleArn: string): string {
  const err = error as Error;
  const hint =
    err.name === 'AccessDenied' || err.name === 'AccessDeniedException'
      ? ' (the role is missing, or does not trust this hub, or the external id differs)'
      : '';
  return `cannot assume ${roleArn}: ${err.name}: ${err.message}${hint}`;
}

/**
 * Who in the hub assumes the member role: the worker (`sweep`) or the event function (`event`).
 * The member role trusts each hub role under its own session name only, and grants deletes and
 * give-backs to `sweep` sessions alone: the event function never deletes, there as here.
 */
export type SessionPurpose = 'sweep' | 'event';

/**
 * The session name CloudTrail records in the member account for every call the hub makes there:
 * it says which hub function made it and carries the run id, so a member's administrator can tie
 * a change to the hub's run.
 *
 * @example
 * sessionName('sweep', '0f6e…'); // 'snapshot-guard-sweep-0f6e…' (at most 64 characters, as AssumeRole requires)
 */
export function sessionName(purpose: SessionPurpose, runId: string): string {
  return `snapshot-guard-${purpose}-${runId}`.replace(/[^A-Za-z0-9+=,.@_-]/g, '-').slice(0, 64);
}

/**
 * One AssumeRole into `account`'s member role, with the external id and a session name carrying
 * the purpose and the run id. The answer is checked: credentials that do not act as `account` are
 * refused.
 */
export async function assumeMemberRole(
  sts: STSClient,
  account: string,
  role: MemberRole,
  session: { purpose: SessionPurpose; runId: string },
  region: string,
): Promise<MemberCredentials> {
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: memberRoleArn(account, role.roleName, region),
      RoleSessionName: sessionName(session.purpose, session.runId),
      DurationSeconds: SESSION_SECONDS,
      ...(role.externalId ? { ExternalId: role.externalId } : {}),
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new AwsResponseError(`AssumeRole into ${account} returned no usable credentials`);
  }
  const actsAs = out.AssumedRoleUser?.Arn?.split(':')[4];
  if (actsAs !== account) {
    throw new AwsResponseError(
      `AssumeRole into ${account} returned credentials of account ${String(actsAs)}; they are not used`,
    );
  }
  return {
    account,
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

/**
 * Credentials per member account for one run: the role is assumed once per account (the items of
 * its regions share it, even when they run at once) and assumed again only near expiry. A failure
 * is kept for the run too, so an unreachable account is not asked again for each of its regions.
 * Credentials are keyed by account: never handed to another account's work.
 *
 * @example
 * const credentials = credentialsPerAccount((account) => assumeMemberRole(sts, account, role, { purpose: 'sweep', runId }, region));
 * await credentials('111111111111'); // AssumeRole; the next call for that account reuses the answer
 */
export function credentialsPerAccount(
  assume: (account: string) => Promise<MemberCredentials>,
  now: () => number = Date.now,
): (account: string) => Promise<MemberCredentials> {
  const cache = new Map<string, Promise<MemberCredentials>>();
  const renew = (account: string) => {
    const pending = assume(account);
    cache.set(account, pending);
    return pending;
  };
  return async (account) => {
    const pending = cache.get(account) ?? renew(account);
    const credentials = await pending;
    if (credentials.expiration.getTime() - now() > REFRESH_MS) return credentials;
    // Near expiry: the first caller to notice renews; the others wait for that renewal.
    const current = cache.get(account);
    return current === pending || current === undefined ? renew(account) : current;
  };
}

/**
 * The clients one account-region's sweep runs with: Redshift and Redshift Serverless act as the
 * member account; events still go to the hub's bus, and `homeRegion` is the item's region, so the
 * engine's run-level events (completed, blast radius) name the account-region they are about.
 */
export function memberClients(
  hub: AwsClients,
  credentials: MemberCredentials,
  region: string,
  options: Omit<ClientOptions, 'homeRegion' | 'credentials'> = {},
): AwsClients {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
  const member = createClients({
    ...options,
    homeRegion: region,
    credentials: { accessKeyId, secretAccessKey, sessionToken, expiration },
  });
  // Built by createClients but never used here: the hub publishes and knows who it is.
  member.events.destroy();
  member.sts.destroy();
  return { ...member, events: hub.events, sts: hub.sts };
}

/** Closes the sockets of an item's member clients (the hub's are kept). */
export function destroyMemberClients(clients: AwsClients, regions: string[]): void {
  for (const region of regions) {
    clients.redshift(region).destroy();
    clients.serverless(region).destroy();
  }
}
