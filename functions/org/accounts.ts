import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { bounded, type ClientOptions, clientConfig } from '../aws/clients.ts';
import { AwsResponseError } from '../errors.ts';

/** A member account as AWS Organizations lists it. */
export type OrgAccount = { id: string; status: string };

/**
 * Where AWS Organizations answers for the hub's partition: it is a global service with one
 * endpoint per partition.
 */
export function organizationsRegion(homeRegion: string): string {
  if (homeRegion.startsWith('cn-')) return 'cn-northwest-1';
  if (homeRegion.startsWith('us-gov-')) return 'us-gov-west-1';
  return 'us-east-1';
}

/**
 * The Organizations client of a hub in `homeRegion`, with the run's retry and time-out settings;
 * inside a run's call limits (`withCallLimits`) its calls give up when the run's work must.
 *
 * @example
 * const organizations = createOrganizationsClient('eu-west-1'); // answers from us-east-1
 */
export function createOrganizationsClient(
  homeRegion: string,
  options: Omit<ClientOptions, 'homeRegion' | 'credentials'> = {},
): OrganizationsClient {
  const config = { ...clientConfig(options), region: organizationsRegion(homeRegion) };
  return bounded(new OrganizationsClient(config), 'work');
}

/** ListAccounts returns at most 20 accounts a page. */
export const ACCOUNTS_PAGE_SIZE = 20;

/**
 * Every account in the organisation, one ListAccounts page (≤ 20) at a time. Only the management
 * account or a delegated administrator may call it. `State` (2025) supersedes `Status`; either
 * is read, so a response from before or after the change is judged the same way.
 *
 * @example
 * const accounts = await listOrganizationAccounts(new OrganizationsClient({ region: 'us-east-1' }));
 * accounts.filter((a) => a.status === 'ACTIVE');
 */
export async function listOrganizationAccounts(client: OrganizationsClient): Promise<OrgAccount[]> {
  const accounts: OrgAccount[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListAccountsCommand({ MaxResults: ACCOUNTS_PAGE_SIZE, ...(token ? { NextToken: token } : {}) }),
    );
    for (const raw of out.Accounts ?? []) {
      if (!raw.Id || !/^[0-9]{12}$/.test(raw.Id)) {
        throw new AwsResponseError(
          `ListAccounts returned an account without a usable id (${String(raw.Id)})`,
        );
      }
      accounts.push({ id: raw.Id, status: String(raw.State ?? raw.Status ?? 'UNKNOWN') });
    }
    // A token equal to the one sent would page forever.
    if (out.NextToken && out.NextToken === token) {
      throw new AwsResponseError('ListAccounts returned the same NextToken twice');
    }
    token = out.NextToken;
  } while (token);
  return accounts;
}
