/**
 * Identifier globs: `*` matches any run of characters (including none), `?` exactly one.
 * Matching is case-sensitive, like Redshift identifiers in ARNs.
 */

const compiled = new Map<string, (value: string) => boolean>();

function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

function compile(pattern: string): (value: string) => boolean {
  if (pattern === '*') return () => true;
  if (!hasWildcard(pattern)) return (value) => value === pattern;
  const star = pattern.indexOf('*');
  // `prefix*` is by far the most common shape; a string test beats a regex on the hot path.
  if (star === pattern.length - 1 && !pattern.includes('?')) {
    const prefix = pattern.slice(0, -1);
    return (value) => value.startsWith(prefix);
  }
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, 's');
  return (value) => re.test(value);
}

/**
 * Whether `value` matches `pattern`.
 *
 * @example
 * globMatch('finance-*', 'finance-prod') // true
 * globMatch('db-?', 'db-10')             // false
 */
export function globMatch(pattern: string, value: string): boolean {
  let fn = compiled.get(pattern);
  if (!fn) {
    fn = compile(pattern);
    compiled.set(pattern, fn);
  }
  return fn(value);
}

/**
 * Whether every identifier `inner` can match is also matched by `outer`. Sound but not complete:
 * `true` is always right; `false` may miss an exotic cover (e.g. `a*b*` over `a*xb*`), which only
 * means a shadowed rule goes unreported, never that a valid policy is refused.
 *
 * @example
 * globCovers('finance-*', 'finance-prod-*') // true
 * globCovers('finance-*', 'fin*')           // false
 */
export function globCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  if (!hasWildcard(inner)) return globMatch(outer, inner);
  const star = outer.indexOf('*');
  if (star === outer.length - 1 && !outer.includes('?')) {
    const prefix = outer.slice(0, -1);
    // Every match of `inner` starts with inner's literal prefix; if that already starts with
    // outer's prefix, outer's trailing `*` takes care of the rest.
    const innerLiteral = inner.slice(
      0,
      Math.min(...['*', '?'].map((c) => inner.indexOf(c)).filter((i) => i >= 0)),
    );
    return innerLiteral.startsWith(prefix);
  }
  return false;
}
