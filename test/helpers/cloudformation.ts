import { execFile } from 'node:child_process';
import { cp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, parse, type Tags } from 'yaml';

/**
 * CloudFormation as the tests read it: a template with its conditions evaluated for given
 * parameters, the service packaged offline by osls, a hand-written template's short-form tags,
 * and the SDK calls a folder of adapters can make. (test/integration/package.test.ts keeps its
 * own copies of the first two for the single-account stack.)
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Resource = { Type: string; Condition?: string; Properties: { [key: string]: Json } };
export type Template = {
  Conditions?: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Condition?: string; Value: Json }>;
};
export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Principal?: Json;
  Condition?: Json;
};

const NO_VALUE = Symbol('AWS::NoValue');
const isObject = (node: unknown): node is { [key: string]: Json } =>
  typeof node === 'object' && node !== null && !Array.isArray(node);

/**
 * The template CloudFormation would deploy with `parameters`: conditions evaluated, `Fn::If`
 * branches taken, `AWS::NoValue` dropped, resources and outputs whose condition is false left out.
 * A `Ref` to a parameter is replaced by its value; other references stay as they are.
 */
export function effective(template: Template, parameters: Record<string, Json> = {}): Template {
  const conditions = template.Conditions ?? {};
  const value = (node: Json | undefined): Json | undefined => {
    if (isObject(node) && typeof node.Ref === 'string' && Object.hasOwn(parameters, node.Ref)) {
      return parameters[node.Ref];
    }
    return node;
  };
  const holds = (node: Json | undefined): boolean => {
    if (isObject(node)) {
      const [fn, args] = Object.entries(node)[0] ?? [];
      const list = Array.isArray(args) ? args : [];
      if (fn === 'Fn::Equals') return JSON.stringify(value(list[0])) === JSON.stringify(value(list[1]));
      if (fn === 'Fn::Not') return !holds(list[0]);
      if (fn === 'Fn::And') return list.every(holds);
      if (fn === 'Fn::Or') return list.some(holds);
      if (fn === 'Condition' && typeof args === 'string') return holds(conditions[args]);
    }
    throw new Error(`not a condition this helper evaluates: ${JSON.stringify(node)}`);
  };
  const resolve = (node: Json): Json | typeof NO_VALUE => {
    if (Array.isArray(node)) return node.map(resolve).filter((v): v is Json => v !== NO_VALUE);
    if (!isObject(node)) return node;
    if (node.Ref === 'AWS::NoValue') return NO_VALUE;
    if (typeof node.Ref === 'string' && Object.hasOwn(parameters, node.Ref))
      return parameters[node.Ref] ?? null;
    const branch = node['Fn::If'];
    if (Array.isArray(branch) && typeof branch[0] === 'string') {
      return resolve((holds(conditions[branch[0]]) ? branch[1] : branch[2]) ?? null);
    }
    const kept: { [key: string]: Json } = {};
    for (const [key, v] of Object.entries(node)) {
      const resolved = resolve(v);
      if (resolved !== NO_VALUE) kept[key] = resolved;
    }
    return kept;
  };
  const included = <T extends { Condition?: string }>(entries: Record<string, T>) =>
    Object.entries(entries).filter(([, r]) => r.Condition === undefined || holds(conditions[r.Condition]));
  return {
    Resources: Object.fromEntries(
      included(template.Resources).map(([id, r]) => [
        id,
        resolve(r as unknown as Json) as unknown as Resource,
      ]),
    ),
    Outputs: Object.fromEntries(
      included(template.Outputs ?? {}).map(([id, o]) => [id, resolve(o as unknown as Json) as never]),
    ),
  };
}

/** CloudFormation's short-form tags (`!Ref`, `!Sub`, `!If` …) read as their long form. */
const CFN_TAGS: Tags = [
  ...['Ref', 'Condition'].map((name) => ({
    tag: `!${name}`,
    resolve: (value: string) => ({ [name]: value }),
  })),
  ...[
    'Sub',
    'GetAtt',
    'Join',
    'Split',
    'Select',
    'Equals',
    'Not',
    'And',
    'Or',
    'If',
    'FindInMap',
    'Base64',
  ].flatMap((name) => {
    const fn = `Fn::${name}`;
    const convert = (value: unknown) =>
      name === 'GetAtt' && typeof value === 'string' ? { [fn]: value.split('.') } : { [fn]: value };
    return [
      { tag: `!${name}`, resolve: (value: string) => convert(value) },
      {
        tag: `!${name}`,
        collection: 'seq' as const,
        resolve: (seq: unknown) => convert(isSeq(seq) ? seq.toJSON() : seq),
      },
      {
        tag: `!${name}`,
        collection: 'map' as const,
        resolve: (map: unknown) => convert(isMap(map) ? map.toJSON() : map),
      },
    ];
  }),
];

/** A hand-written CloudFormation template, short-form tags and all. */
export async function readTemplate(file: string): Promise<Template> {
  return parse(await readFile(join(ROOT, file), 'utf8'), { customTags: CFN_TAGS }) as Template;
}

/** The statements of a role's first inline policy. */
export function statements(template: Template, roleId: string): Statement[] {
  const role = template.Resources[roleId];
  if (!role) throw new Error(`no resource ${roleId}`);
  const [policy] = role.Properties.Policies as unknown as { PolicyDocument: { Statement: Statement[] } }[];
  return policy?.PolicyDocument.Statement ?? [];
}

export const actionsOf = (s: Statement[]) =>
  [...new Set(s.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action])))].sort();

const IAM_PREFIX: Record<string, string> = {
  redshift: 'redshift',
  'redshift-serverless': 'redshift-serverless',
  eventbridge: 'events',
  sts: 'sts',
  organizations: 'organizations',
  sfn: 'states',
  securityhub: 'securityhub',
};

/** `service:Action` for every SDK command the TypeScript files in `dir` can send. */
export async function sdkCallsIn(dir: string): Promise<string[]> {
  const calls = new Set<string>();
  for (const file of await readdir(join(ROOT, dir))) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(ROOT, dir, file), 'utf8');
    for (const [, names = '', client = ''] of source.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z-]+)'/g,
    )) {
      const service = IAM_PREFIX[client];
      if (!service)
        throw new Error(`${file} imports @aws-sdk/client-${client}; map it to its IAM prefix here`);
      for (const name of names.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())) {
        const action = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (action) calls.add(`${service}:${action}`);
      }
    }
  }
  return [...calls].sort();
}

const SERVICE_FILES = [
  'serverless.yml',
  'serverless',
  'functions',
  'policies',
  'package.json',
  'tsconfig.json',
];

/**
 * `serverless package` of a copy of the service with `policy`, offline: no credentials, no home
 * directory of the machine's, every HTTP(S) request sent to a closed port.
 */
export async function packageService(
  work: string,
  policy: string,
  args: string[] = [],
): Promise<{ code: number | null; output: string; template?: Template; out: string }> {
  const service = join(work, 'service');
  const out = join(work, 'out');
  for (const file of SERVICE_FILES) await cp(join(ROOT, file), join(service, file), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(service, 'node_modules'), 'dir');
  await writeFile(join(service, 'policies/test-org.yml'), policy);
  const nowhere = 'http://127.0.0.1:9';
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    CI: '1',
    NO_COLOR: '1',
    SLS_SCHEMA_CACHE_BASE_DIR: work,
    TMPDIR: work,
    HTTP_PROXY: nowhere,
    HTTPS_PROXY: nowhere,
    http_proxy: nowhere,
    https_proxy: nowhere,
  };
  const osls = join(ROOT, 'node_modules/osls/bin/serverless.js');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [osls, 'package', '--stage', 'test', '--package', out, '--param=policy=policies/test-org.yml', ...args],
      { cwd: service, env, timeout: 90_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          output: `${stdout}${stderr}`,
        }),
    );
  });
  if (code !== 0) return { code, output, out };
  const template = JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  return { code, output, template, out };
}

/** Entry name → bytes, from a zip's central directory (no unzip on the machine needed). */
export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const { inflateRawSync } = await import('node:zlib');
  const zip = await readFile(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = new Map<string, Buffer>();
  let at = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + zip.readUInt32LE(at + 20));
    entries.set(
      zip.toString('utf8', at + 46, at + 46 + nameLength),
      zip.readUInt16LE(at + 10) === 0 ? Buffer.from(raw) : inflateRawSync(raw),
    );
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * What a Step Functions `Parameters`/`ItemSelector`/`Payload` template makes of `input`: keys
 * ending in `.$` take the value at their JSONPath (`$.a.b`, `$$.Map.Item.Value`) or the result of
 * `States.Format`. Enough of the Amazon States Language to check the state machine's data flow
 * against the schemas the functions parse it with.
 */
export function applyTemplate(template: Json, input: Json, context: Json): Json {
  const at = (path: string): Json => {
    const [root, ...keys] = path.startsWith('$$.') ? ['$$', ...path.slice(3).split('.')] : path.split('.');
    let node: Json = root === '$$' ? context : input;
    for (const key of keys.filter(Boolean)) {
      const m = /^(\w+)\[(\d+)\]$/.exec(key);
      node = m
        ? ((node as Record<string, Json[]>)[m[1] ?? '']?.[Number(m[2])] ?? null)
        : ((node as Record<string, Json>)[key] ?? null);
    }
    return node;
  };
  const evaluate = (expression: string): Json => {
    const format = /^States\.Format\('([^']*)',\s*(.+)\)$/.exec(expression);
    if (!format) return at(expression);
    const args = (format[2] ?? '').split(',').map((a) => at(a.trim()));
    let i = 0;
    return (format[1] ?? '').replace(/\{\}/g, () => String(args[i++]));
  };
  if (Array.isArray(template)) return template.map((t) => applyTemplate(t, input, context));
  if (!isObject(template)) return template;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') out[key.slice(0, -2)] = evaluate(value);
    else out[key] = applyTemplate(value, input, context);
  }
  return out;
}
