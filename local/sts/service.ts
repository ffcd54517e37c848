import type { QueryService } from '../core/service.ts';
import { escapeXml } from '../core/xml.ts';

export const STS_VERSION = '2011-06-15';

/**
 * The installed @aws-sdk/client-sts speaks awsQuery (AwsQueryProtocol, version 2011-06-15), so
 * GetCallerIdentity is answered in XML like Redshift.
 */
export function stsService(): QueryService {
  return {
    protocol: 'query',
    name: 'sts',
    version: STS_VERSION,
    xmlns: `https://sts.amazonaws.com/doc/${STS_VERSION}/`,
    faultCodes: { throttle: 'Throttling', internal: 'InternalFailure', unavailable: 'ServiceUnavailable' },
    actions: {
      GetCallerIdentity(ctx) {
        return (
          `<Arn>arn:aws:iam::${ctx.account}:user/local</Arn>` +
          `<UserId>${escapeXml(ctx.accessKeyId)}</UserId><Account>${ctx.account}</Account>`
        );
      },
    },
  };
}
