import { ServiceError } from '../core/errors.ts';
import type { JsonService } from '../core/service.ts';
import { ORGANIZATION_ID, type OrganizationState } from './state.ts';

/** ListAccounts: at most 20 a page. */
const MAX_RESULTS = 20;

const invalidInput = (message: string) => new ServiceError('InvalidInputException', message, 400);

function pageToken(index: number): string {
  return Buffer.from(`accounts:${index}`, 'utf8').toString('base64');
}

function readToken(token: unknown): number {
  if (token === undefined || token === null) return 0;
  const decoded = typeof token === 'string' ? Buffer.from(token, 'base64').toString('utf8') : '';
  const match = /^accounts:([0-9]+)$/.exec(decoded);
  if (!match) throw invalidInput('You provided an invalid value for a parameter: NextToken.');
  return Number(match[1]);
}

/**
 * AWS Organizations as the installed @aws-sdk/client-organizations speaks it: awsJson1_1 with
 * `X-Amz-Target: AWSOrganizationsV20161128.<Action>`. Only ListAccounts, the one call the product
 * makes, paginated with MaxResults (1-20) and an opaque NextToken.
 */
export function organizationsService(org: OrganizationState | undefined): JsonService {
  return {
    protocol: 'json',
    name: 'organizations',
    jsonVersion: '1.1',
    targetPrefix: 'AWSOrganizationsV20161128',
    faultCodes: {
      throttle: 'TooManyRequestsException',
      internal: 'ServiceException',
      unavailable: 'ServiceException',
    },
    actions: {
      ListAccounts(ctx, body) {
        if (!org) {
          throw new ServiceError(
            'AWSOrganizationsNotInUseException',
            'Your account is not a member of an organization.',
            400,
          );
        }
        if (!org.mayList(ctx.account)) {
          throw new ServiceError(
            'AccessDeniedException',
            "You don't have permissions to access this resource.",
            400,
          );
        }
        const max = body.MaxResults ?? MAX_RESULTS;
        if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
          throw invalidInput('You provided a value that does not match the required pattern: MaxResults.');
        }
        const start = readToken(body.NextToken);
        const all = org.list();
        const page = all.slice(start, start + max);
        const next = start + max < all.length ? pageToken(start + max) : undefined;
        return {
          Accounts: page.map((a) => ({
            Id: a.id,
            Arn: `arn:aws:organizations::${org.management}:account/${ORGANIZATION_ID}/${a.id}`,
            Email: `aws+${a.id}@example.com`,
            Name: a.id === org.management ? 'management' : `member-${a.id}`,
            Status: a.status,
            State: a.status,
            JoinedMethod: a.id === org.management ? 'CREATED' : 'INVITED',
            JoinedTimestamp: a.joinedMs / 1000,
          })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
  };
}
