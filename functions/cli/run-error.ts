import type { CliIo } from './io.ts';
import { EXIT } from './run-flags.ts';

/** Socket errors that mean the endpoint was never reached (or stopped answering). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The endpoint the SDK's STS client calls: the service's own variable, the global one, or AWS's. */
function stsEndpoint(env: NodeJS.ProcessEnv, region: string): string {
  return env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL ?? `https://sts.${region}.amazonaws.com`;
}

/**
 * Once flags, policy and region are valid, only the first AWS call (STS, for the account) can
 * throw: nothing was changed. Says what went wrong in terms of what to check, and returns exit 1.
 *
 * @example
 * reportRunError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }), io, 'us-east-1');
 * // error: cannot reach AWS at http://127.0.0.1:4566
 * //   (connect ECONNREFUSED 127.0.0.1:4566); nothing was changed. Check: …
 */
export function reportRunError(error: unknown, io: CliIo, region: string): number {
  const env = io.env ?? process.env;
  const e = error as Error & { code?: string };
  const endpointVar = env.AWS_ENDPOINT_URL_STS ? 'AWS_ENDPOINT_URL_STS' : 'AWS_ENDPOINT_URL';
  const endpointSet = env[endpointVar] !== undefined;
  if (e.code !== undefined && UNREACHABLE.has(e.code)) {
    io.stderr(
      `error: cannot reach AWS at ${stsEndpoint(env, region)}\n` +
        `  (${e.message}); nothing was changed. Check:\n` +
        `  - ${endpointVar}: ${
          endpointSet
            ? `${env[endpointVar]} must be a running endpoint\n    (the local stand-in: npm run local)`
            : 'not set, so the SDK calls AWS itself: check your network or proxy'
        }\n` +
        `  - the region: ${region}\n    (--region, the policy's regions, AWS_REGION or your profile)\n` +
        '  - the credentials: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n',
    );
    return EXIT.notCompliant;
  }
  if (e.name === 'CredentialsProviderError') {
    io.stderr(
      `error: no AWS credentials (${e.message}); nothing was changed.\n` +
        'Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.\n' +
        (endpointSet
          ? 'Against the local stand-in any values do:\n' +
            '  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local\n'
          : ''),
    );
    return EXIT.notCompliant;
  }
  io.stderr(`error: ${e.name}: ${e.message}\n`);
  return EXIT.notCompliant;
}
