import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { ServiceError } from './core/errors.ts';
import type { ReceivedEvent } from './events/store.ts';
import { faultSpecSchema } from './fault-spec.ts';
import type { FaultControl } from './faults.ts';
import type { FleetStats } from './fleet.ts';

const share = z.number().min(0).max(1).optional();
const accountId = z.string().regex(/^\d{12}$/);

export const seedRequestSchema = z.union([
  z.strictObject({ demo: z.literal(true), region: z.string().min(1).optional() }),
  z.strictObject({
    count: z.number().int().min(0).max(2_000_000),
    seed: z.number().int().optional(),
    regions: z.array(z.string().min(1)).min(1).optional(),
    region: z.string().min(1).optional(),
    account: accountId.optional(),
    clusters: z.number().int().min(1).optional(),
    automatedShare: share,
    sharedShare: share,
    unauthorizedShare: share,
    supportShare: share,
    unencryptedShare: share,
    allowedAccounts: z.array(accountId).optional(),
    unknownAccounts: z.array(accountId).optional(),
    maxAgeDays: z.number().int().min(1).optional(),
    serverlessCount: z.number().int().min(0).max(100_000).optional(),
  }),
]);

export type SeedRequest = z.input<typeof seedRequestSchema>;

export interface SeededFleet {
  account: string;
  region: string;
  stats: FleetStats;
}

export interface InspectDeps {
  calls(): Record<string, number>;
  throttled(): Record<string, number>;
  resetCalls(): void;
  reset(): void;
  events(filter: { bus?: string; account?: string; region?: string }): ReceivedEvent[];
  seed(request: SeedRequest): SeededFleet[];
  faults: FaultControl;
  state(): unknown;
}

/** `/_local/*`: JSON endpoints to look inside the stand-in and steer it from any process. */
export async function inspect(deps: InspectDeps, req: IncomingMessage, res: ServerResponse, raw: string) {
  const url = new URL(req.url ?? '/', 'http://local');
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET /_local/health':
        return json(res, 200, { ok: true });
      case 'GET /_local/state':
        return json(res, 200, deps.state());
      case 'GET /_local/calls':
        return json(res, 200, deps.calls());
      case 'GET /_local/throttled':
        return json(res, 200, deps.throttled());
      case 'DELETE /_local/calls':
        deps.resetCalls();
        return json(res, 200, { ok: true });
      case 'POST /_local/reset':
        deps.reset();
        return json(res, 200, { ok: true });
      case 'GET /_local/events': {
        const filter = {
          ...param(url, 'bus', 'bus'),
          ...param(url, 'account', 'account'),
          ...param(url, 'region', 'region'),
        };
        return json(res, 200, deps.events(filter));
      }
      case 'POST /_local/seed':
        return json(res, 200, deps.seed(seedRequestSchema.parse(parseBody(raw))));
      case 'GET /_local/faults':
        return json(res, 200, deps.faults.describe());
      case 'POST /_local/faults':
        deps.faults.configure(faultSpecSchema.parse(parseBody(raw)));
        return json(res, 200, deps.faults.describe());
      case 'DELETE /_local/faults':
        deps.faults.clear();
        return json(res, 200, { ok: true });
      default:
        return json(res, 404, { error: `No such endpoint: ${route}` });
    }
  } catch (error) {
    if (error instanceof z.ZodError) return json(res, 400, { error: z.prettifyError(error) });
    if (error instanceof ServiceError) return json(res, 409, { error: error.message, code: error.code });
    if (error instanceof SyntaxError) return json(res, 400, { error: `Body is not JSON: ${error.message}` });
    throw error;
  }
}

function param<K extends string>(url: URL, name: string, key: K): Partial<Record<K, string>> {
  const value = url.searchParams.get(name);
  return value === null ? {} : ({ [key]: value } as Record<K, string>);
}

function parseBody(raw: string): unknown {
  return raw.trim() === '' ? {} : JSON.parse(raw);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
