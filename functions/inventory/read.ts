import { readFile } from 'node:fs/promises';
import type * as z from 'zod';
import { describeIssue } from '../input/issues.ts';
import { type InventoryDocument, InventoryDocumentSchema } from './document.ts';

/**
 * A saved JSON file parsed and validated with `schema`, or a message naming the file and the
 * first offending field (the caller prints it and exits 2).
 *
 * @example
 * await readJsonFile('fleet.json', InventoryDocumentSchema); // { ok: true, value } or { ok: false, message }
 */
export async function readJsonFile<S extends z.ZodType>(
  file: string,
  schema: S,
): Promise<{ ok: true; value: z.output<S> } | { ok: false; message: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'no such file' : err.message;
    return { ok: false, message: `${file}: ${reason}` };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const { path, message } = describeIssue(parsed.error);
  return { ok: false, message: `${file}: ${path === '(event)' ? '' : `${path}: `}${message}` };
}

/**
 * A saved inventory, validated; see `readJsonFile`.
 *
 * @example
 * const read = await readInventory('fleet.json');
 * if (read.ok) read.value.snapshots.length;
 */
export function readInventory(
  file: string,
): Promise<{ ok: true; value: InventoryDocument } | { ok: false; message: string }> {
  return readJsonFile(file, InventoryDocumentSchema);
}
