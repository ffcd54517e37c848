import {
  Composer,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Parser,
} from 'yaml';
import type { PolicyIssue } from '../errors.ts';
import { joinPath, parentPath, show } from '../input/issues.ts';

/**
 * Policy bytes → plain data plus the line and column of every node, with the limits that keep a
 * hostile file from costing more than a glance: size, UTF-8, nesting depth and alias expansion.
 */

/** A policy is a few kilobytes; anything near this is a mistake or an attack. */
export const MAX_POLICY_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
export const MAX_ALIAS_COUNT = 50;

export type Position = { line: number; col: number };
/** An issue before it is attached to a file. */
export type Located = Omit<PolicyIssue, 'file'>;

export type PolicySource = {
  value: unknown;
  /** Policy path → where its value is written. */
  values: Map<string, Position>;
  /** Policy path → where its key is written (mapping entries only). */
  keys: Map<string, Position>;
};

const START: Position = { line: 1, col: 1 };
const EMPTY: Located = { ...START, path: '', message: 'is empty; a policy starts with "version: 1"' };

class TooDeep extends Error {
  constructor(readonly offset: number) {
    super('too deep');
  }
}

/**
 * Where `path` is written; a path the file does not spell out (a missing key, a default) falls back
 * to its nearest written ancestor. `key` prefers the key of a mapping entry over its value.
 *
 * @example
 * positionOf(source, 'sharing.rules[0].match.tags') // where rules[0].match is written, if tags is not
 */
export function positionOf(source: PolicySource, path: string, key = false): Position {
  for (let p = path; ; p = parentPath(p)) {
    const found = (key && p === path ? source.keys.get(p) : undefined) ?? source.values.get(p);
    if (found) return found;
    if (p === '') return START;
  }
}

function decode(input: string | Uint8Array): string | Located {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > MAX_POLICY_BYTES) {
    return { ...START, path: '', message: `is ${size} bytes; a policy may be at most 1 MiB` };
  }
  if (typeof input === 'string') return input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return { ...START, path: '', message: 'is not valid UTF-8' };
  }
}

// The parser keeps one stack entry per open collection, so its height is the nesting depth. Checking
// it between tokens stops `[[[[…` or `- - - …` long before composing would exhaust the stack.
function* tokens(text: string, lines: LineCounter) {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    yield* parser.next(lexeme);
    if (parser.stack.length > MAX_DEPTH) throw new TooDeep(parser.offset);
  }
  yield* parser.end();
}

function compose(text: string, lines: LineCounter): Document.Parsed[] | Located {
  // uniqueKeys is off because yaml's own check compares every key with every earlier one, which
  // turns a 1 MiB mapping into minutes of work; `walk` finds duplicates with a Set instead.
  const composer = new Composer({ version: '1.2', schema: 'core', uniqueKeys: false, strict: true });
  try {
    return [...composer.compose(tokens(text, lines), true, text.length)];
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    return { ...lines.linePos(error.offset), path: '', message: `nests deeper than ${MAX_DEPTH} levels` };
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Parses one policy document and records where each node is written.
 *
 * @example
 * const read = readSource('version: 1\nmode: audit\n');
 * if (!Array.isArray(read)) read.values.get('mode'); // { line: 2, col: 7 }
 */
export function readSource(input: string | Uint8Array): PolicySource | Located[] {
  const text = decode(input);
  if (typeof text !== 'string') return [text];
  const lines = new LineCounter();
  const docs = compose(text, lines);
  if (!Array.isArray(docs)) return [docs];
  const [doc, second] = docs;
  if (!doc) return [EMPTY];
  const at = (offset: number): Position => lines.linePos(offset);
  const syntax = [...doc.errors, ...doc.warnings].map((e) => ({
    ...at(e.pos[0]),
    path: '',
    message: `is not valid YAML: ${lowerFirst(e.message)}`,
  }));
  if (second) {
    syntax.push({
      ...at(second.range[0]),
      path: '',
      message: 'holds a second YAML document; a policy is one',
    });
  }
  if (syntax.length > 0) return syntax;
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [EMPTY];
  if (!isMap(root)) {
    return [
      { ...at(root.range[0]), path: '', message: 'must be a mapping of policy keys (version, mode, ...)' },
    ];
  }
  const source: PolicySource = { value: undefined, values: new Map(), keys: new Map() };
  const issues = walk(root, at, source);
  if (issues.length > 0) return issues;
  try {
    source.value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return [{ ...START, path: '', message: `expands aliases more than ${MAX_ALIAS_COUNT} times` }];
  }
  return source;
}

/** Records every node's position and finds what toJS would hide: duplicate, complex and dangling keys. */
function walk(root: Node, at: (offset: number) => Position, source: PolicySource): Located[] {
  const issues: Located[] = [];
  const anchors = new Set<string>();
  const visit = (node: Node, path: string, written = at(start(node))): void => {
    if (!source.values.has(path)) source.values.set(path, written);
    if (node.anchor) anchors.add(node.anchor);
    if (isAlias(node) && !anchors.has(node.source)) {
      issues.push({ ...at(start(node)), path, message: `alias *${node.source} has no anchor before it` });
    }
    if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) if (isNode(item)) visit(item, joinPath(path, i));
    }
    if (!isMap(node)) return;
    const seen = new Map<string, Position>();
    for (const { key, value } of node.items) {
      if (!isScalar(key)) {
        const where = at(isNode(key) ? start(key) : start(node));
        issues.push({ ...where, path, message: 'has a key that is not plain text' });
        continue;
      }
      if (key.anchor) anchors.add(key.anchor);
      const name = String(key.value);
      const child = joinPath(path, name);
      const where = at(start(key));
      const first = seen.get(name);
      if (first) {
        issues.push({ ...where, path, message: `duplicate key ${show(name)} (first on line ${first.line})` });
        continue;
      }
      seen.set(name, where);
      source.keys.set(child, where);
      // A block section (`manual:` then indented lines) is cited at its key, the line a reader
      // looks for; a scalar or a flow collection at the value itself.
      if (!isNode(value)) source.values.set(child, where);
      else visit(value, child, isCollection(value) && !value.flow ? where : undefined);
    }
  };
  visit(root, '');
  return issues;
}

function start(node: Node): number {
  return node.range?.[0] ?? 0;
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}
