import { ServiceError } from '../core/errors.ts';
import type { QueryService } from '../core/service.ts';
import { el, escapeXml, isoTime } from '../core/xml.ts';
import type { OrganizationState } from '../organizations/state.ts';

export const STS_VERSION = '2011-06-15';

/**
 * The installed @aws-sdk/client-sts speaks awsQuery (AwsQueryProtocol, version 2011-06-15), so
 * GetCallerIdentity and AssumeRole are answered in XML like Redshift. AssumeRole needs an
 * organisation (`organization` start option): keys it returns act as the member account.
 */
export function stsService(org?: OrganizationState): QueryService {
  return {
    protocol: 'query',
    name: 'sts',
    version: STS_VERSION,
    xmlns: `https://sts.amazonaws.com/doc/${STS_VERSION}/`,
    faultCodes: { throttle: 'Throttling', internal: 'InternalFailure', unavailable: 'ServiceUnavailable' },
    actions: {
      GetCallerIdentity(ctx) {
        const arn = org?.callerArn(ctx.accessKeyId) ?? `arn:aws:iam::${ctx.account}:user/local`;
        return (
          `<Arn>${escapeXml(arn)}</Arn>` +
          `<UserId>${escapeXml(ctx.accessKeyId)}</UserId><Account>${ctx.account}</Account>`
        );
      },
      AssumeRole(ctx, params) {
        const roleArn = params.string('RoleArn');
        if (!org) {
          throw new ServiceError(
            'AccessDenied',
            `User: arn:aws:iam::${ctx.account}:user/local is not authorized to perform: sts:AssumeRole on resource: ${roleArn ?? ''}`,
            403,
          );
        }
        const { session, secretAccessKey, sessionToken, expirationMs } = org.assume(ctx.account, {
          roleArn,
          sessionName: params.string('RoleSessionName'),
          externalId: params.string('ExternalId'),
          durationSeconds: params.int('DurationSeconds'),
        });
        return (
          `<AssumedRoleUser>${el('Arn', org.callerArn(session.accessKeyId))}` +
          `${el('AssumedRoleId', `AROALOCAL${session.account}:${session.sessionName}`)}</AssumedRoleUser>` +
          `<Credentials>${el('AccessKeyId', session.accessKeyId)}${el('SecretAccessKey', secretAccessKey)}` +
          `${el('SessionToken', sessionToken)}${el('Expiration', isoTime(expirationMs))}</Credentials>` +
          '<PackedPolicySize>0</PackedPolicySize>'
        );
      },
    },
  };
}
