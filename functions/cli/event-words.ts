import type * as z from 'zod';

type Issue = z.core.$ZodIssue;

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** A value from the event, short and with any control character escaped. */
function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(text);
  }
  return String(value);
}

const quoted = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/**
 * A zod issue about an event field as a sentence about what was expected and what came instead.
 * Messages the schema words itself ("must be a 12-digit AWS account id") pass through.
 *
 * @example
 * issueInWords({ code: 'invalid_type', expected: 'string', input: 5, path: [], message: '' }); // 'must be a string, not 5'
 */
export function issueInWords(issue: Issue): string {
  const input = 'input' in issue ? issue.input : undefined;
  const got = input === undefined ? '' : `, not ${shown(input)}`;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return `is missing (expected ${ARTICLE[issue.expected] ?? issue.expected})`;
      return `must be ${ARTICLE[issue.expected] ?? issue.expected}${got}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quoted(issue.values)}${got}`
        : `must be one of ${quoted(issue.values)}${got}`;
    case 'invalid_format':
      if (!issue.message.startsWith('Invalid')) return issue.message;
      return issue.format === 'datetime'
        ? `must be an ISO 8601 date and time such as 2026-10-28T14:03:09Z${got}`
        : `must be a valid ${issue.format}${got}`;
    case 'too_big':
    case 'too_small': {
      if (!issue.message.startsWith('Too')) return issue.message;
      const limit = issue.code === 'too_big' ? 'at most' : 'at least';
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      if (issue.origin === 'string') {
        return issue.code === 'too_small' && Number(bound) === 1
          ? 'must not be empty'
          : `must be ${limit} ${bound} characters long`;
      }
      if (issue.origin === 'array') return `must have ${limit} ${bound} entries`;
      return `must be ${limit} ${bound}`;
    }
    default:
      return issue.message;
  }
}
