import * as z from 'zod';

/**
 * Tag maps whose keys come from users (the policy) or from AWS (a snapshot's tags). Any text is a
 * legal tag key, `__proto__`, `constructor` and `prototype` included, so these maps have no
 * prototype: every key is an own property, nothing is inherited, and no key can swap the object's
 * prototype. Read them with `Object.hasOwn`/`Object.entries`, never copy them into a `{}`.
 */

/** Tag key → value, with a null prototype. */
export type TagMap = Record<string, string>;

/**
 * A tag map from key/value pairs; a later pair with the same key wins, as in a `Map`.
 *
 * @example
 * const tags = tagMap([['__proto__', 'x'], ['team', 'bi']]);
 * Object.keys(tags); // ['__proto__', 'team']
 */
export function tagMap(entries: Iterable<readonly [string, string]> = []): TagMap {
  const map: TagMap = Object.create(null);
  // On an object without a prototype there is no `__proto__` setter: this is a plain write.
  for (const [key, value] of entries) map[key] = value;
  return map;
}

function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A zod schema for a tag map: like `z.record(key, value)`, but it keeps a `__proto__` key, which
 * `z.record` drops without a word (a rule on `{ __proto__: x, team: bi }` would load as
 * `{ team: bi }` and match more snapshots than it says). The output is a `TagMap`. Key problems
 * are reported as zod's `invalid_key` at the key, value problems at the value, as a record does;
 * `key` and `value` should carry their own messages, since the parse's error map does not reach
 * them. In JSON Schema it is the record it stands for.
 *
 * Built from a check and an overwrite rather than a transform, because zod leaves the `default`
 * of every enclosing schema out of the JSON Schema once anything inside transforms.
 *
 * @example
 * const Tags = tagMapSchema(z.string().min(1), z.string());
 * Object.keys(Tags.parse(JSON.parse('{"__proto__":"x"}'))); // ['__proto__']
 */
export function tagMapSchema(key: z.ZodType<string, string>, value: z.ZodType<string, string>) {
  const { $schema: _, ...json } = z.toJSONSchema(z.record(key, value), { io: 'input', target: 'draft-7' });
  return z
    .custom<Readonly<Record<string, string>>>(isMapping, { error: 'must be a mapping' })
    .check((ctx) => {
      const input: Readonly<Record<string, unknown>> = ctx.value;
      for (const name of Object.keys(input)) {
        const k = key.safeParse(name);
        if (!k.success) {
          ctx.issues.push({
            code: 'invalid_key',
            origin: 'record',
            input: name,
            issues: k.error.issues,
            path: [name],
          });
        }
        const v = value.safeParse(input[name]);
        for (const { message, path } of v.error?.issues ?? []) {
          ctx.issues.push({ code: 'custom', message, input: input[name], path: [name, ...path] });
        }
      }
    })
    .overwrite((input) => tagMap(Object.entries(input)))
    .meta(json);
}
