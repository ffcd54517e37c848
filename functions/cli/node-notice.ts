import type { CliIo } from './io.ts';

/** The Node.js major version the functions run on (the `nodejs22.x` Lambda runtime). */
export const LAMBDA_NODE_MAJOR = 22;

/**
 * The AWS SDK prints a nine-line NodeVersionSupportWarning on every run under Node.js 20. This
 * project supports Node.js 20 on the command line (its tests run there) while the SDK still
 * does, so the warning becomes one short line on stderr. Setting the SDK's own
 * `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true` silences both.
 *
 * @example
 * nodeNotice(io); // on Node.js 20: "note: Node.js 20.20.2: AWS SDK releases after January 2027 need Node.js 22"
 */
export function nodeNotice(io: CliIo, version = process.versions.node): void {
  // The SDK reads the real environment, whatever `io.env` says.
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === 'true') return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (Number(version.split('.')[0]) >= LAMBDA_NODE_MAJOR) return;
  io.stderr(
    `note: Node.js ${version}: AWS SDK releases after January 2027 need Node.js ${LAMBDA_NODE_MAJOR}\n`,
  );
}
