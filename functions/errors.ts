/**
 * The few errors the product raises on purpose. Each sets `name` (so logs and `instanceof`
 * survive bundling) and keeps the underlying `cause`.
 */

/**
 * An error as a reason in a report or an event: its name, which says what kind of failure it is
 * (`ThrottlingException`, `TimeUpError`), then its message.
 *
 * @example
 * errorText(new TimeUpError('time ran out')); // 'TimeUpError: time ran out'
 */
export function errorText(error: unknown): string {
  return `${(error as Error).name}: ${(error as Error).message}`;
}

/** One problem found in a policy file, located as `file:line:col path: message`. */
export type PolicyIssue = {
  file: string;
  line: number;
  col: number;
  /** Dotted field path, e.g. `sharing.allowedAccounts[1]`; empty for the document itself. */
  path: string;
  message: string;
};

export function formatIssue(issue: PolicyIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`;
}

/** A policy that failed to load. It carries every issue found, not just the first. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly issues: PolicyIssue[];

  constructor(issues: PolicyIssue[], options?: { cause?: unknown }) {
    super(issues.map(formatIssue).join('\n'), options);
    this.issues = issues;
  }
}

/** Input from outside (a Lambda event, CLI flags) that failed validation; nothing was changed. */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** Dotted field path of the offending value, when there is one. */
  readonly path: string;

  constructor(message: string, options?: { path?: string; cause?: unknown }) {
    super(options?.path ? `${options.path}: ${message}` : message, options);
    this.path = options?.path ?? '';
  }
}

/**
 * An AWS call abandoned (or never sent) because the run's time was up: the host (Lambda) would
 * have stopped it mid-flight. A change it carried may still have landed; the next run reads the
 * state again.
 */
export class TimeUpError extends Error {
  override readonly name = 'TimeUpError';
}

/** An AWS response the product relies on did not have the shape it needs. */
export class AwsResponseError extends Error {
  override readonly name = 'AwsResponseError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
